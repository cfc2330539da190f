"""nn's activations by name: one node each, names with a number, init scales, files, CLI.

Oracles: the closed forms written out here (math and numpy, independent of
autograd/ops.py), central differences (check_grads), numpy quadrature for the
second moments the initialisation is derived from.
"""

from __future__ import annotations

import json
import math
import random
import re

import numpy as np
import pytest

import autograd
from autograd import Value, check_grads, draw, trace_text
from autograd.see.anatomy import find_neurons
from nn import (
    ACTIVATION_PARAMETERS,
    ACTIVATIONS,
    MLP,
    Layer,
    ModelFileError,
    Neuron,
    activate,
    activate_float,
    check_activation,
    init_scale,
    split_activation,
)
from nn import layers as nn_layers
from nn.cli import main

NEW = ("gelu", "silu", "softplus", "leaky_relu", "elu")


def _phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _logistic(x):
    return math.exp(-math.log1p(math.exp(-x))) if x > -700 else 0.0


# the activations written out by hand: name -> (σ, σ') on floats
HAND = {
    "relu": (lambda x: max(x, 0.0), lambda x: float(x > 0)),
    "tanh": (math.tanh, lambda x: 1.0 - math.tanh(x) ** 2),
    "sigmoid": (_logistic, lambda x: _logistic(x) * _logistic(-x)),
    "identity": (lambda x: x, lambda x: 1.0),
    "gelu": (lambda x: x * _phi(x),
             lambda x: _phi(x) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)),
    "silu": (lambda x: x * _logistic(x),
             lambda x: _logistic(x) * (1.0 + x * _logistic(-x))),
    "softplus": (lambda x: math.log1p(math.exp(x)) if x < 30 else x + math.exp(-x),
                 _logistic),
    "leaky_relu": (lambda x: x if x > 0 else 0.01 * x, lambda x: 1.0 if x > 0 else 0.01),
    "elu": (lambda x: x if x > 0 else math.expm1(x), lambda x: 1.0 if x > 0 else math.exp(x)),
    "leaky_relu(0.2)": (lambda x: x if x > 0 else 0.2 * x, lambda x: 1.0 if x > 0 else 0.2),
    "elu(0.5)": (lambda x: x if x > 0 else 0.5 * math.expm1(x),
                 lambda x: 1.0 if x > 0 else 0.5 * math.exp(x)),
}
POINTS = (-7.0, -2.5, -1.2784645, -0.3, 1e-3, 0.7, 3.0, 25.0)


def test_the_contract_names_and_pytorch_defaults():
    assert set(ACTIVATIONS) == {"relu", "tanh", "sigmoid", "identity", *NEW}
    assert ACTIVATION_PARAMETERS == {"leaky_relu": ("slope", 0.01), "elu": ("alpha", 1.0)}
    # the engine's defaults are the same numbers
    assert Value(-1.0).leaky_relu().data == -0.01 and Value(-1.0).elu().data == math.expm1(-1)


@pytest.mark.parametrize("name", sorted(HAND))
def test_each_activation_is_one_node_of_its_own_op_after_one_dot(name):
    base, number = split_activation(name)
    neuron = Neuron(3, activation=name, seed=1)
    q = neuron([0.5, -1.0, 2.0])
    if base == "identity":
        assert q.op == "dot"
        return
    assert q.op == base
    assert q.parents == (q.parents[0],) and q.parents[0].op == "dot"  # p = w·q + b, then σ(p)
    assert q.args[1:] == (() if number is None else (number,))  # the number is folded in
    p = q.parents[0].data
    f, df = HAND[name]
    assert q.data == pytest.approx(f(p), rel=1e-12, abs=1e-300)
    assert q.local_grads[0] == pytest.approx(df(p), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", sorted(HAND))
def test_activate_and_activate_float_are_the_hand_formula(name):
    f, df = HAND[name]
    for x in POINTS:
        v = Value(x)
        q = activate(name, v)
        assert activate_float(name, x) == (q.data if q is not v else x)
        assert q.data == pytest.approx(f(x), rel=1e-12, abs=1e-15), (name, x)
        q.backward()
        assert v.grad == pytest.approx(df(x), rel=1e-9, abs=1e-15), (name, x)


@pytest.mark.parametrize("name", sorted(HAND))
def test_forward_floats_is_the_graph_to_the_bit(name):
    model = MLP(3, [5, 4, 2], activation=name, output_activation=name, input_activation=name,
                seed=3)
    for x in ([0.5, -1.0, 2.0], [-3.0, 0.1, 0.0], [10.0, -10.0, 0.3]):
        assert model.forward_floats(x) == [v.data for v in model(x)]


@pytest.mark.parametrize("name", sorted(set(HAND) - {"relu", "identity"}))
def test_a_network_of_each_activation_to_order_two(name):
    # d²out/dx² through dot, σ, dot, σ: the rules differentiate again (away from kinks)
    model = MLP(1, [3, 1], activation=name, output_activation=name, seed=5)
    for x in (-1.3, 0.4, 1.7):
        assert check_grads(lambda t: model([t]), [x], order=2, modes=("fwd", "rev"))


# -- names with a number ---------------------------------------------------------------

@pytest.mark.parametrize("written, canonical", [
    ("leaky_relu", "leaky_relu"), ("leaky_relu(0.01)", "leaky_relu"),
    ("leaky_relu(1e-2)", "leaky_relu"), ("leaky_relu(0.2)", "leaky_relu(0.2)"),
    ("leaky_relu( 0.20 )", "leaky_relu(0.2)"), ("leaky_relu(-3)", "leaky_relu(-3.0)"),
    ("elu", "elu"), ("elu(1)", "elu"), ("elu(0.5)", "elu(0.5)"), ("elu(2.0)", "elu(2.0)"),
    (None, "identity"), ("gelu", "gelu"),
])
def test_names_are_kept_in_one_canonical_form(written, canonical):
    assert check_activation(written) == canonical
    assert Neuron(2, activation=written, seed=0).activation == canonical
    assert check_activation(canonical) == canonical


def test_split_activation_gives_the_number_or_none():
    assert split_activation("leaky_relu(0.2)") == ("leaky_relu", 0.2)
    assert split_activation("leaky_relu") == ("leaky_relu", 0.01)
    assert split_activation("elu(0.5)") == ("elu", 0.5)
    assert split_activation("elu") == ("elu", 1.0)
    assert split_activation("silu") == ("silu", None)
    assert split_activation(None) == ("identity", None)


@pytest.mark.parametrize("bad, words", [
    ("leaky_relu(nan)", r"leaky_relu's slope must be a finite number.*'leaky_relu\(nan\)'"),
    ("leaky_relu(inf)", r"leaky_relu's slope must be a finite number"),
    ("leaky_relu(-1e999)", r"leaky_relu's slope must be a finite number"),
    ("leaky_relu()", r"leaky_relu's slope must be a finite number"),
    ("leaky_relu(abc)", r"leaky_relu's slope must be a finite number"),
    ("leaky_relu(0.2)(0.3)", r"leaky_relu's slope"),
    ("elu(True)", r"elu's alpha must be a finite number"),
    ("tanh(0.5)", r"tanh takes no number, got 'tanh\(0.5\)'; only leaky_relu .* and elu"),
    ("gelu(1)", r"gelu takes no number"),
    ("swish(0.2)", r"unknown activation 'swish\(0.2\)'; known activations: identity, tanh"),
    ("LeakyReLU(0.2)", r"unknown activation"),
    ("leaky_relu 0.2", r"unknown activation"),
    (("leaky_relu", 0.2), r"unknown activation \('leaky_relu', 0.2\).*'leaky_relu\(0.2\)'"),
    (0.2, r"unknown activation 0.2"),
    (True, r"unknown activation True"),
])
def test_bad_names_and_numbers_are_refused_naming_them(bad, words):
    for make in (lambda: check_activation(bad, "MLP activation"),
                 lambda: MLP(2, [3, 1], activation=[bad, "identity"]),
                 lambda: MLP(2, [3, 1], input_activation=bad),
                 lambda: Neuron(2, activation=bad),
                 lambda: Layer(2, 2, activation=bad),
                 lambda: init_scale(3, bad),
                 lambda: activate(bad, Value(1.0)),
                 lambda: activate_float(bad, 1.0)):
        with pytest.raises(ValueError, match=words):
            make()


def test_a_tuple_given_to_mlp_is_a_list_of_layers_and_the_error_says_how_to_write_it():
    with pytest.raises(ValueError, match=r"MLP activation 1: unknown activation 0.2;.*"
                                         r"'leaky_relu\(0.2\)'"):
        MLP(2, [3, 1], activation=("leaky_relu", 0.2))


def test_the_number_is_used_everywhere_it_should_be():
    model = MLP(1, [1], activation=["leaky_relu(0.25)"], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.b.data = 1.0, 0.0
    assert model([-2.0]).data == -0.5 and model.forward_floats([-2.0]) == -0.5
    assert repr(model) == "MLP(1 -> 1 leaky_relu(0.25))"
    assert model.architecture()["activations"] == ["leaky_relu(0.25)"]
    assert Layer(1, 1, activation="elu(3.0)", seed=0).activation == "elu(3.0)"


def test_names_with_numbers_are_remembered_up_to_a_bound(monkeypatch):
    monkeypatch.setattr(nn_layers, "_MAX_REMEMBERED", len(nn_layers._ON_VALUE) + 2)
    before = len(nn_layers._ON_VALUE)
    for k in range(10):
        slope = 0.1 + k / 100
        name = f"leaky_relu({slope!r})"
        assert activate(name, Value(-1.0)).data == -slope
        assert activate_float(name, -1.0) == -slope
        assert activate(name, Value(-2.0)).args[1] == slope
    assert len(nn_layers._ON_VALUE) == len(nn_layers._ON_FLOAT) == before + 2


def test_a_slope_that_overflows_a_neuron_is_refused_naming_it():
    model = MLP(1, [1], activation=["leaky_relu(1e300)"], seed=0)
    model.layers[0].neurons[0].w[0].data = 1.0
    with pytest.raises(OverflowError, match="leaky_relu"):
        model([-1e10])
    with pytest.raises(OverflowError, match="leaky_relu"):
        model.forward_floats([-1e10])


def test_extreme_inputs_give_finite_values_and_derivatives():
    for name in NEW:
        for x in (-1e308, -745.0, -710.0, -40.0, 0.0, 40.0, 710.0, 1e308):
            v = Value(x)
            q = activate(name, v)
            q.backward()
            assert math.isfinite(q.data) and math.isfinite(v.grad), (name, x)
            assert activate_float(name, x) == q.data
    assert Value(800.0).softplus().data == 800.0
    assert Value(-800.0).softplus().data == 0.0
    assert Value(1e308).gelu().data == 1e308 and Value(1e308).silu().data == 1e308


# -- kinks -------------------------------------------------------------------------------

def test_the_kinks_take_the_left_derivative_as_pytorch():
    # torch.nn.functional.leaky_relu and elu at exactly 0: the slope and α (checked
    # against torch itself in test_nn_torch.py)
    for slope in (0.01, 0.2, -0.5, 3.0):
        assert Value(0.0).leaky_relu(slope).local_grads == (slope,)
        assert Value(-0.0).leaky_relu(slope).local_grads == (slope,)
    for alpha in (1.0, 0.5, 2.0):
        assert Value(0.0).elu(alpha).local_grads == (alpha,)
    assert Value(0.0).relu().local_grads == (0.0,)


def test_a_value_slope_is_a_parameter_too():
    x, a = Value(-2.0, label="x"), Value(0.1, label="a")
    y = x.leaky_relu(a)
    y.backward()
    assert (y.data, x.grad, a.grad) == (-0.2, 0.1, -2.0)
    x, alpha = Value(-1.0), Value(0.5)
    y = x.elu(alpha)
    y.backward()
    assert alpha.grad == pytest.approx(math.expm1(-1.0)) and x.grad == 0.5 * math.exp(-1.0)


# -- seeing them -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["gelu", "silu", "softplus", "leaky_relu(0.2)", "elu"])
def test_drawings_find_each_neuron_with_its_one_activation_node(name):
    model = MLP(2, [3, 1], activation=name, seed=0)
    trace = model.trace([0.5, -1.0])
    neurons = find_neurons(trace.output)
    base = split_activation(name)[0]
    assert [n.activation for n in neurons] == [base] * 3 + ["identity"]
    assert all(n.out is q for n, q in zip(neurons, trace.q[1]))
    text = trace_text(trace.output)
    assert re.search(rf"q1_0 += {base}\(p1_0", text)
    symbol = {"softplus": "σ(p1_0)"}.get(base, f"{base}'(p1_0)")
    assert symbol in text  # document 003's σ'(p), read off one edge
    source = autograd.draw(trace.output, collapse=True).source
    assert base in source


# -- initialisation -----------------------------------------------------------------------

def _second_moment(f):
    z = np.linspace(-12.0, 12.0, 400_001)
    density = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return float(np.sum(np.vectorize(f)(z) ** 2 * density) * (z[1] - z[0]))


def test_init_scales():
    s = math.sqrt
    assert init_scale(6, "relu") == 1.0
    for name in ("gelu", "silu", "softplus", "relu"):
        assert init_scale(24, name) == s(6 / 24)  # He: variance 2/nin
    for name in ("tanh", "sigmoid", "identity"):
        assert init_scale(24, name) == s(3 / 24)  # LeCun: variance 1/nin
    # leaky_relu: Kaiming's gain for the slope, as torch.nn.init.kaiming_uniform_(w, a)
    for a in (0.01, 0.2, 1.0, -0.5):
        name = "leaky_relu" if a == 0.01 else f"leaky_relu({a})"
        bound = s(2 / (1 + a * a)) * s(3 / 24)
        assert init_scale(24, name) == pytest.approx(bound, rel=1e-15)
    # He's rule with elu's own second moment: Var w = 1 / (nin · E elu(p)²), p ~ N(0, 1)
    for alpha in (1.0, 0.5, 2.0):
        name = "elu" if alpha == 1.0 else f"elu({alpha})"
        moment = _second_moment(lambda z, a=alpha: z if z > 0 else a * math.expm1(z))
        assert init_scale(24, name) ** 2 / 3 == pytest.approx(1 / (24 * moment), rel=1e-6)
    assert init_scale(24, "leaky_relu(1e200)") > 0.0
    assert init_scale(5, "gelu", "micrograd") == 1.0 and init_scale(5, "elu(0.5)", 0.3) == 0.3


def _last_moment(name, init="auto"):
    """p's second moment at the last of 8 layers of 24, over 3 seeds and 6 inputs."""
    rng = random.Random(0)
    xs = [[rng.gauss(0.0, 1.0) for _ in range(24)] for _ in range(6)]
    moments = []
    for seed in range(3):
        model = MLP(24, [24] * 8, activation=name, output_activation=name, init=init, seed=seed)
        for x in xs:
            moments.append(sum(v.data * v.data for v in model.trace(x).p[-1]) / 24)
    return sum(moments) / len(moments)


def test_init_keeps_the_scale_through_depth_better_than_the_other_choices():
    he, lecun = math.sqrt(6 / 24), math.sqrt(3 / 24)
    for name in ("relu", "leaky_relu(0.3)", "elu", "elu(0.5)", "gelu", "silu"):
        chosen = abs(math.log(_last_moment(name)))
        assert chosen < math.log(5.0), name  # within a factor of 5 of the input's 1
        assert chosen < abs(math.log(_last_moment(name, lecun))), name
        if name.startswith(("leaky", "elu")):  # their own gain, nearer 1 than plain He
            assert chosen < abs(math.log(_last_moment(name, he))), name


# -- files and the command line -----------------------------------------------------------

def test_save_and_load_round_trip_every_activation(tmp_path):
    names = [*ACTIVATIONS, "leaky_relu(0.2)", "elu(0.5)", "leaky_relu(-1.5)"]
    model = MLP(2, [3] * (len(names) - 1) + [1], activation=names,
                input_activation="elu(2.0)", seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    again = MLP.load(path)
    assert again.activations == model.activations == names
    assert again.input_activation == "elu(2.0)"
    for x in ([0.5, -1.0], [-2.0, 3.0]):
        assert again(x).data == model(x).data
    other = MLP(2, [3] * (len(names) - 1) + [1], activation=names, input_activation="elu(2.0)",
                seed=1)
    other.load_state_dict(model.state_dict())
    assert other([0.5, -1.0]).data == model([0.5, -1.0]).data


def test_a_file_may_spell_a_name_otherwise_but_not_wrongly(tmp_path):
    model = MLP(2, [3, 1], activation="leaky_relu(0.2)", seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    doc = json.loads(path.read_text())
    doc["architecture"]["activations"] = ["leaky_relu(0.20)", "identity"]
    doc["architecture"]["input_activation"] = None
    path.write_text(json.dumps(doc))
    assert MLP.load(path)([1.0, 2.0]).data == model([1.0, 2.0]).data
    for bad in ("leaky_relu(nan)", "tanh(2)", "leaky_relu(x)"):
        doc["architecture"]["activations"] = [bad, "identity"]
        path.write_text(json.dumps(doc))
        with pytest.raises(ModelFileError, match=r"bad architecture .*" + bad.split("(")[0]):
            MLP.load(path)
    # a state dict of another slope is another architecture
    with pytest.raises(ModelFileError, match="shape mismatch"):
        MLP(2, [3, 1], activation="leaky_relu(0.3)", seed=0).load_state_dict(model.state_dict())


def test_train_with_names_that_carry_a_number(tmp_path):
    out = tmp_path / "run"
    rc = main(["train", "--dataset", "xor", "--hidden", "4", "--activation", "leaky_relu(0.2)",
               "--input-activation", "elu(0.5)", "--epochs", "2", "--quiet", "--out", str(out)])
    assert rc == 0
    arch = json.loads((out / "model.json").read_text())["architecture"]
    assert arch["activations"] == ["leaky_relu(0.2)", "identity"]
    assert arch["input_activation"] == "elu(0.5)"


def test_the_command_line_refuses_a_bad_number(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--input-activation", "tanh(2)", "--out", str(tmp_path / "a")])
    assert info.value.code == 2
    assert "tanh takes no number" in capsys.readouterr().err
    rc = main(["train", "--activation", "leaky_relu(nan)", "--epochs", "1",
               "--out", str(tmp_path / "b")])
    assert rc == 2
    assert "leaky_relu's slope must be a finite number" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize(("name", "call"), [
    ("leaky_relu(0.2)", "leaky_relu(w·q + b, 0.2)"), ("leaky_relu", "leaky_relu(w·q + b, 0.01)"),
    ("elu(0.5)", "elu(w·q + b, 0.5)"), ("elu", "elu(w·q + b, 1.0)"),
    ("leaky_relu(0.123456789)", "leaky_relu(w·q + b, 0.123456789)"), ("tanh", "tanh(w·q + b)")])
def test_a_collapsed_neuron_shows_its_activation_with_its_number(name, call):
    model = MLP(2, [3, 1], activation=name, seed=0)
    y = model([0.5, -1.0])
    assert draw(y, collapse=True).source.count(call) == 3
    neurons = find_neurons(y)
    assert neurons[0].call("p") == call.replace("w·q + b", "p")
    assert neurons[-1].call("p") == "identity(p)"


def test_a_learned_slope_is_named_in_the_neuron_box():
    x = [Value(0.5), Value(-1.0)]
    for slope, shown in ((Value(0.2, label="a"), "a"), (Value(0.2), "Value(0.2)")):
        y = autograd.dot([Value(0.2), Value(-0.3)], x, Value(0.1)).leaky_relu(slope)
        assert find_neurons(y)[0].call("p") == f"leaky_relu(p, {shown})"
        assert f"leaky_relu(w·q + b, {shown})" in draw(y, collapse=True).source
