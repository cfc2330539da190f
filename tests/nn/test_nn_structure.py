"""Neuron, Layer, MLP: structure, parameter counts, names, activations, seeding."""

from __future__ import annotations

import importlib
import json
import math
import pathlib
import random
import subprocess
import sys

import pytest

import nn
from autograd import Value
from nn import ACTIVATIONS, MLP, Layer, Module, Neuron


def test_every_public_name_is_importable_from_nn():
    for name in nn.__all__:
        assert getattr(nn, name) is not None, name
    for sub in ("module", "layers", "losses", "optim", "data", "train", "plot"):
        mod = importlib.import_module(f"nn.{sub}")
        for name in mod.__all__:
            assert name in nn.__all__ and getattr(nn, name) is getattr(mod, name), (sub, name)


def test_importing_nn_is_light_and_uses_only_autograd_public_names():
    code = (
        "import sys, nn; heavy = [m for m in ('matplotlib', 'numpy', 'tqdm') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.strip() == "[]"
    import autograd

    root = pathlib.Path(nn.__file__).parent
    mine = ("__init__", "module", "layers", "losses", "optim", "data", "train", "plot", "cli")
    for path in (root / f"{name}.py" for name in mine):
        for line in path.read_text().splitlines():
            if line.startswith("from autograd import"):
                names = line.split("import", 1)[1].replace("(", "").replace(")", "")
                for name in names.split(","):
                    name = name.strip().split(" as ")[0]
                    if name:
                        assert name in autograd.__all__, (path.name, name)
            if line.startswith("from autograd.files import"):  # the core's public file writer
                import autograd.files

                for name in line.split("import", 1)[1].split(","):
                    assert name.strip() in autograd.files.__all__, (path.name, name)
                continue
            assert not line.startswith("from autograd."), (path.name, line)
            assert "import micrograd" not in line and "from micrograd" not in line
    for name in ("Neuron", "Layer", "MLP", "Module", "mse", "softmax", "cross_entropy", "hinge",
                 "l2_penalty", "SGD", "Adam", "fit", "moons", "circles", "xor", "spiral"):
        assert name in nn.__all__


@pytest.mark.parametrize(
    "nin, nouts",
    [(2, [16, 16, 1]), (3, [4, 4, 1]), (1, [1]), (5, [7, 3]), (4, [2, 2, 2, 2])],
)
def test_parameter_counts(nin, nouts):
    model = MLP(nin, nouts, seed=0)
    sizes = [nin, *nouts]
    n_w = sum(a * b for a, b in zip(sizes, sizes[1:]))
    n_b = sum(nouts)
    assert len(model.parameters()) == n_w + n_b == model.num_parameters()
    assert len(model.weights()) == n_w
    assert len(model.layers) == len(nouts)
    for layer, (a, b) in zip(model.layers, zip(sizes, sizes[1:])):
        assert len(layer.neurons) == b
        assert all(len(n.w) == a for n in layer.neurons)
        assert all(isinstance(n.b, Value) for n in layer.neurons)
    # parameters are distinct objects, weights never include a bias
    assert len({id(p) for p in model.parameters()}) == n_w + n_b
    biases = {id(n.b) for layer in model.layers for n in layer.neurons}
    assert not biases & {id(w) for w in model.weights()}


def test_micrograd_demo_model_has_337_parameters():
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_named_parameters_are_stable_dotted_paths():
    model = MLP(2, [4, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    assert "layers.0.neurons.3.w.1" in names
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == len(set(names)) == 17
    named = dict(model.named_parameters())
    assert named["layers.0.neurons.3.w.1"] is model.layers[0].neurons[3].w[1]
    assert named["layers.1.neurons.0.b"] is model.layers[1].neurons[0].b
    assert [p for _, p in model.named_parameters()] == model.parameters()


def test_parameters_are_labelled_with_document_layer_numbers():
    model = MLP(2, [3, 1], seed=0)
    assert model.layers[0].neurons[2].w[1].label == "w1_2_1"
    assert model.layers[0].neurons[2].b.label == "b1_2"
    assert model.layers[1].neurons[0].w[0].label == "w2_0_0"
    assert [w.label for w in Neuron(2, seed=0).w] == ["w0", "w1"]


def test_default_activations_hidden_relu_output_linear():
    model = MLP(2, [3, 3, 1], seed=0)
    assert model.activations == ["relu", "relu", "identity"]
    assert model.input_activation == "identity"
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "identity"]
    model = MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=0)
    assert model.activations == ["tanh", "sigmoid"]


def test_activation_list_one_per_layer_and_input_activation():
    model = MLP(1, [1, 1, 1], activation=["tanh", "sigmoid", "relu"], input_activation="tanh",
                seed=0)
    assert model.activations == ["tanh", "sigmoid", "relu"]
    x = 0.7
    w = [model.layers[i].neurons[0].w[0].data for i in range(3)]
    b = [model.layers[i].neurons[0].b.data for i in range(3)]
    q = math.tanh(x)
    q = math.tanh(w[0] * q + b[0])
    q = 1 / (1 + math.exp(-(w[1] * q + b[1])))
    q = max(0.0, w[2] * q + b[2])
    assert model([x]).data == pytest.approx(q, abs=1e-15)
    with pytest.raises(ValueError, match="one per layer"):
        MLP(2, [3, 1], activation=["tanh"])


@pytest.mark.parametrize("bad", ["swish", "ReLU", "", 3])
def test_unknown_activation_lists_the_known_ones(bad):
    for make in (
        lambda: MLP(2, [3, 1], activation=bad),
        lambda: MLP(2, [3, 1], output_activation=bad) if bad else MLP(2, [1], activation=[bad]),
        lambda: MLP(2, [3, 1], input_activation=bad) if bad else MLP(2, [1], activation=[bad]),
        lambda: Neuron(2, activation=bad),
    ):
        with pytest.raises(ValueError) as info:
            make()
        for name in ACTIVATIONS:
            assert name in str(info.value)


def test_identity_activation_creates_no_node():
    n = Neuron(3, activation="identity", seed=0)
    out = n([1.0, 2.0, 3.0])
    assert out.op == "dot" and out.parents[-1] is n.b
    r = Neuron(3, activation="relu", seed=0)([1.0, 2.0, 3.0])
    assert r.op == "relu" and r.parents[0].op == "dot"


def test_neuron_pre_activation_is_one_dot_node_with_the_bias():
    n = Neuron(3, activation="tanh", seed=1)
    xs = [Value(0.5), Value(-1.0), Value(2.0)]
    q = n(xs)
    assert q.op == "tanh"
    p = q.parents[0]
    assert p.op == "dot"
    assert p.parents == (*n.w, *xs, n.b)
    # local derivative of p w.r.t. w_i is q_i (forward chain), w.r.t. q_i is w_i, w.r.t. b is 1
    assert p.local_grads == tuple(x.data for x in xs) + tuple(w.data for w in n.w) + (1.0,)
    expect = math.tanh(sum(w.data * x.data for w, x in zip(n.w, xs)) + n.b.data)
    assert q.data == pytest.approx(expect, abs=1e-15)
    # the documents' delta = dC/dp is the bias's gradient
    q.backward()
    assert n.b.grad == pytest.approx(1.0 - q.data**2, abs=1e-15)


def test_output_type_value_for_one_neuron_else_list():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(v, Value) for v in out)
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    assert len(Layer(2, 3, seed=0)([1.0, 2.0])) == 3


def test_middle_layer_of_one_neuron_works():
    model = MLP(2, [1, 3, 1], seed=0)
    assert isinstance(model([0.1, 0.2]), Value)


def test_wrong_input_length_raises():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0])


def test_forward_floats_matches_the_graph_forward():
    model = MLP(3, [5, 4, 2], activation=["tanh", "relu", "sigmoid"], input_activation="tanh",
                seed=3)
    for x in ([0.1, -0.2, 0.3], [1.5, 2.0, -3.0]):
        assert model.forward_floats(x) == [v.data for v in model(x)]


def test_seeded_initialisation_is_reproducible():
    a, b, c = MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=8)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]
    d = MLP(2, [4, 1], rng=random.Random(7))
    assert [p.data for p in d.parameters()] == [p.data for p in a.parameters()]
    random.seed(11)
    e = MLP(2, [4, 1])
    random.seed(11)
    f = MLP(2, [4, 1])
    assert [p.data for p in e.parameters()] == [p.data for p in f.parameters()]


def test_default_init_scale_is_documented_he_or_lecun_uniform():
    model = MLP(6, [50, 1], seed=0)
    hidden = [w.data for n in model.layers[0].neurons for w in n.w]
    assert max(abs(w) for w in hidden) <= math.sqrt(6 / 6)  # relu: sqrt(6/nin)
    assert max(abs(w) for w in hidden) > 0.9  # 300 draws fill the range
    out = [w.data for w in model.layers[1].neurons[0].w]
    assert max(abs(w) for w in out) <= math.sqrt(3 / 50)  # identity: sqrt(3/nin)
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)
    micro = MLP(2, [30, 1], seed=0, init="micrograd")
    assert max(abs(w.data) for w in micro.weights()) <= 1.0
    assert max(abs(w.data) for w in micro.weights()) > 0.9


def test_zero_grad_resets_parameters():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_is_json_serialisable_and_holds_architecture():
    model = MLP(2, [3, 1], activation="tanh", input_activation="sigmoid", seed=0)
    sd = model.state_dict()
    back = json.loads(json.dumps(sd))
    assert back == sd
    assert sd["architecture"] == {"nin": 2, "nouts": [3, 1], "activations": ["tanh", "identity"],
                                  "input_activation": "sigmoid"}
    assert sd["parameters"] == {name: p.data for name, p in model.named_parameters()}


def test_micrograd_style_neuron_and_layer_api():
    n = Neuron(2, nonlin=False)
    assert not n.nonlin and n.activation == "identity"
    assert Neuron(2).nonlin
    layer = Layer(2, 3, nonlin=False)
    assert all(m.activation == "identity" for m in layer.neurons)
    assert isinstance(layer, Module)
    assert len(layer.parameters()) == 9


def test_bad_sizes_raise():
    with pytest.raises(TypeError):
        MLP(2.0, [3, 1])
    with pytest.raises(ValueError):
        MLP(0, [3, 1])
    with pytest.raises(ValueError):
        MLP(2, [])
    with pytest.raises(ValueError):
        MLP(2, [3, 0])
