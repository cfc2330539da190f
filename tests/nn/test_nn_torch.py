"""The same MLP in chaingrad and PyTorch: outputs, gradients, training steps, the way back.

Oracle: PyTorch in float64 (a test dependency). "Equal to 1e-12 relative" is
measured tensor by tensor, against the tensor's largest entry:
max |chaingrad − torch| ≤ 1e-12 · max |torch|. A gradient entry that cancels
to about 0 carries the absolute rounding of the terms it was summed from, so
its own relative error says nothing about either engine.
"""

from __future__ import annotations

import itertools
import random
import warnings
from collections import OrderedDict

import pytest
import torch

from autograd import Value
from autograd import sum as vsum
from nn import (
    ACTIVATIONS,
    MLP,
    SGD,
    TORCH_ACTIVATIONS,
    Adam,
    BridgeError,
    cross_entropy,
    from_torch,
    mse,
    to_torch,
)

F64 = torch.float64


def assert_close(ours, theirs, rtol, what):
    """max |ours - theirs| <= rtol * max |theirs| over one tensor (lists of floats)."""
    ours, theirs = list(ours), [float(t) for t in theirs]
    assert len(ours) == len(theirs), what
    scale = max(abs(t) for t in theirs)
    worst = max(abs(a - b) for a, b in zip(ours, theirs))
    assert worst <= rtol * scale, f"{what}: differs by {worst:.3g}, scale {scale:.3g}"


def param_groups(model):
    """chaingrad's parameters grouped as torch's: each layer's weight rows, then its biases."""
    for layer in model.layers:
        yield [w for n in layer.neurons for w in n.w]
        yield [n.b for n in layer.neurons]


def sample(seed, nin=4, nout=3, batch=5):
    rng = random.Random(seed)
    X = [[rng.uniform(-2.0, 2.0) for _ in range(nin)] for _ in range(batch)]
    T = [[rng.uniform(-1.0, 1.0) for _ in range(nout)] for _ in range(batch)]
    return X, T


def outputs(model, x):
    out = model(x)
    return out if isinstance(out, list) else [out]


# -- the activation table -----------------------------------------------------------


def test_every_activation_of_nn_has_a_torch_module():
    assert set(ACTIVATIONS) - {"identity"} <= set(TORCH_ACTIVATIONS)
    for cls, settings in TORCH_ACTIVATIONS.values():
        getattr(torch.nn, cls)(**settings)  # each entry builds


WITH_NUMBERS = ["leaky_relu(0.2)", "leaky_relu(-0.5)", "leaky_relu(3.0)", "elu(0.5)",
                "elu(2.0)"]


@pytest.mark.parametrize("name", sorted(set(ACTIVATIONS) - {"identity"}) + WITH_NUMBERS)
def test_each_activation_module_computes_nn_function(name):
    # one neuron, weight 1, bias 0: the activation alone, on both sides of 0 and far out,
    # and at 0 itself, where leaky_relu and elu have a kink (torch takes the left side)
    model = MLP(1, [1], activation=[name], seed=0)
    model.layers[0].neurons[0].w[0].data = 1.0
    net = model.to_torch()
    for x in (-30.0, -3.0, -0.7, -1e-3, 0.0, 1e-3, 0.4, 2.5, 25.0, 45.0):
        xv = Value(x)
        out = model([xv])
        out.backward()
        xt = torch.tensor([[x]], dtype=F64, requires_grad=True)
        yt = net(xt)
        yt.backward()
        assert out.data == pytest.approx(yt.item(), rel=1e-12, abs=1e-300), (name, x)
        assert xv.grad == pytest.approx(float(xt.grad), rel=1e-12, abs=1e-300), (name, x)


def test_the_kinks_at_zero_are_torchs():
    F = torch.nn.functional
    for slope in (0.01, 0.2, -0.5, 3.0):
        for x in (0.0, -0.0):
            t = torch.tensor(x, dtype=F64, requires_grad=True)
            F.leaky_relu(t, slope).backward()
            assert Value(x).leaky_relu(slope).local_grads == (float(t.grad),)
    for alpha in (1.0, 0.5, 2.0):
        t = torch.tensor(0.0, dtype=F64, requires_grad=True)
        F.elu(t, alpha).backward()
        assert Value(0.0).elu(alpha).local_grads == (float(t.grad),)


@pytest.mark.parametrize("name", WITH_NUMBERS)
def test_a_number_in_the_name_is_the_modules_setting_both_ways(name):
    model = MLP(3, [4, 2], activation=name, output_activation=name, input_activation=name,
                seed=4)
    net = model.to_torch()
    act, number = name.split("(")[0], float(name.split("(")[1][:-1])
    key = {"leaky_relu": "negative_slope", "elu": "alpha"}[act]
    modules = [m for m in net if not isinstance(m, torch.nn.Linear)]
    assert len(modules) == 3 and all(getattr(m, key) == number for m in modules)
    again = MLP.from_torch(net)
    assert again.activations == [name, name] and again.input_activation == name
    X, _ = sample(7, nin=3, nout=2)
    xs = [[Value(v) for v in x] for x in X]
    outs = [outputs(model, x) for x in xs]
    vsum([o for out in outs for o in out]).backward()
    xt = torch.tensor(X, dtype=F64, requires_grad=True)
    yt = net(xt)
    yt.sum().backward()
    assert_close([v.data for o in outs for v in o], yt.detach().flatten(), 1e-12, "outputs")
    assert_close([v.grad for x in xs for v in x], xt.grad.flatten(), 1e-12, "input grads")
    # the way back from torch's own constructors, the defaults as bare names
    made = torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=F64), torch.nn.LeakyReLU(0.2),
                               torch.nn.Linear(3, 2, dtype=F64), torch.nn.ELU(),
                               torch.nn.Linear(2, 1, dtype=F64), torch.nn.LeakyReLU())
    assert MLP.from_torch(made).activations == ["leaky_relu(0.2)", "elu", "leaky_relu"]


# -- outputs and gradients ----------------------------------------------------------

COMBOS = list(itertools.product(ACTIVATIONS, ACTIVATIONS))


@pytest.mark.parametrize("hidden, output", COMBOS, ids=[f"{h}-{o}" for h, o in COMBOS])
def test_outputs_and_gradients_equal_for_every_activation(hidden, output):
    k = COMBOS.index((hidden, output))
    input_act = ACTIVATIONS[k % len(ACTIVATIONS)]  # every input activation comes round too
    model = MLP(4, [7, 6, 3], activation=hidden, output_activation=output,
                input_activation=input_act, seed=k)
    net = model.to_torch()
    assert all(p.dtype == F64 for p in net.parameters())
    X, T = sample(k)
    xs = [[Value(v) for v in x] for x in X]
    outs = [outputs(model, x) for x in xs]
    vsum([mse(o, t) for o, t in zip(outs, T)]).backward()

    xt = torch.tensor(X, dtype=F64, requires_grad=True)
    yt = net(xt)
    (0.5 * ((yt - torch.tensor(T, dtype=F64)) ** 2).sum()).backward()

    assert_close([v.data for o in outs for v in o], yt.detach().flatten(), 1e-12, "outputs")
    assert_close([v.grad for x in xs for v in x], xt.grad.flatten(), 1e-12, "input grads")
    for ours, theirs in zip(param_groups(model), net.parameters()):
        assert_close([p.grad for p in ours], theirs.grad.flatten(), 1e-12, "parameter grads")


def test_a_single_output_network_and_one_sample():
    model = MLP(3, [5, 1], activation="tanh", output_activation="sigmoid", seed=3)
    x = [0.2, -1.1, 0.7]
    y = model(x)  # a Value, not a list
    y.backward()
    net = model.to_torch()
    yt = net(torch.tensor(x, dtype=F64))  # a 1-d input works as in torch
    yt.backward()
    assert yt.shape == (1,)
    assert y.data == pytest.approx(yt.item(), rel=1e-12)
    for ours, theirs in zip(param_groups(model), net.parameters()):
        assert_close([p.grad for p in ours], theirs.grad.flatten(), 1e-12, "grads")


# -- training steps -----------------------------------------------------------------


def _mse_batch(model, X, T):
    return vsum([mse(outputs(model, x), t) for x, t in zip(X, T)]) * (1.0 / len(X))


def _ce_batch(model, X, labels):
    return vsum([cross_entropy(model(x), c) for x, c in zip(X, labels)]) * (1.0 / len(X))


OPTIMIZERS = {
    "sgd-momentum": (lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                     lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    "sgd-momentum-decay": (lambda ps: SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.01),
                           lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8,
                                                      weight_decay=0.01)),
    "adam": (lambda ps: Adam(ps, lr=0.01),
             lambda ps: torch.optim.Adam(ps, lr=0.01)),
    "adam-betas-decay": (lambda ps: Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6,
                                         weight_decay=0.01),
                         lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6,
                                                     weight_decay=0.01)),
}


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_twenty_steps_equal(name, loss):
    ours_opt, torch_opt = OPTIMIZERS[name]
    model = MLP(4, [8, 3], activation="tanh", seed=7)
    net = model.to_torch()
    X, T = sample(11, batch=6)
    labels = [k % 3 for k in range(len(X))]
    xt = torch.tensor(X, dtype=F64)
    opt, topt = ours_opt(model.parameters()), torch_opt(net.parameters())
    for step in range(20):
        if loss == "mse":
            cost = _mse_batch(model, X, T)
            tcost = (0.5 * ((net(xt) - torch.tensor(T, dtype=F64)) ** 2).sum(dim=1)).mean()
        else:
            cost = _ce_batch(model, X, labels)
            tcost = torch.nn.functional.cross_entropy(net(xt), torch.tensor(labels))
        opt.zero_grad()
        cost.backward()
        opt.step()
        topt.zero_grad()
        tcost.backward()
        topt.step()
        assert cost.data == pytest.approx(tcost.item(), rel=1e-10), step
    for ours, theirs in zip(param_groups(model), net.parameters()):
        assert_close([p.data for p in ours], theirs.detach().flatten(), 1e-10, "parameters")
    # and the parameters did move: 20 steps that changed nothing would also be equal
    start = MLP(4, [8, 3], activation="tanh", seed=7)
    moved = max(abs(a.data - b.data) for a, b in zip(model.parameters(), start.parameters()))
    assert moved > 1e-3


# -- the round trip -----------------------------------------------------------------


@pytest.mark.parametrize("input_act", ACTIVATIONS)
def test_round_trip_gives_identical_parameters(input_act):
    acts = [ACTIVATIONS[(k + 1) % len(ACTIVATIONS)] for k in range(4)]
    model = MLP(3, [5, 4, 4, 2], activation=acts, input_activation=input_act, seed=5)
    back = MLP.from_torch(model.to_torch())
    assert type(back) is MLP
    assert back.architecture() == model.architecture()
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
    assert [n for n, _ in back.named_parameters()] == [n for n, _ in model.named_parameters()]
    assert [p.label for p in back.parameters()] == [p.label for p in model.parameters()]
    # and from torch's side: the module made again equals the module
    net = model.to_torch()
    again = back.to_torch()
    assert str(again) == str(net)
    for a, b in zip(net.parameters(), again.parameters()):
        assert torch.equal(a, b)


def test_neuron_j_of_layer_i_is_row_j():
    model = MLP(2, [3, 1], seed=0)
    net = model.to_torch()
    for j, neuron in enumerate(model.layers[0].neurons):
        assert net[0].weight[j].tolist() == [w.data for w in neuron.w]
        assert net[0].bias[j].item() == neuron.b.data


def test_to_torch_consumes_no_random_numbers_and_copies():
    model = MLP(3, [4, 2], seed=1)
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    net = model.to_torch()
    assert torch.equal(torch.rand(3), expected)
    with torch.no_grad():  # the module owns its numbers: changing it leaves the model alone
        net[0].weight.fill_(7.0)
    assert model.layers[0].neurons[0].w[0].data != 7.0
    assert all(p.requires_grad for p in net.parameters())


def test_from_torch_trained_module_and_subclass():
    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Identity(),
                              torch.nn.Linear(4, 2), torch.nn.Sigmoid()).double()

    class Mine(MLP):
        pass

    model = Mine.from_torch(net)
    assert type(model) is Mine
    assert model.activations == ["tanh", "sigmoid"] and model.input_activation == "identity"
    x = [0.3, -0.8, 1.5]
    assert_close([v.data for v in model(x)], net(torch.tensor(x, dtype=F64)).detach(), 1e-12,
                 "outputs")
    one = from_torch(torch.nn.Linear(2, 1, dtype=F64))  # a bare Linear is a one-layer MLP
    assert one.nouts == [1] and one.nin == 2


def test_float32_is_converted_exactly_with_a_warning():
    torch.manual_seed(4)
    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
    with pytest.warns(UserWarning, match=r"0\.weight \(torch\.float32\).*float64") as record:
        model = MLP.from_torch(net)
    assert record[0].filename == __file__  # the warning points at the caller
    assert [w.data for w in model.layers[0].neurons[1].w] == net[0].weight[1].double().tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MLP.from_torch(net.double())  # float64: no warning


# -- refusals name the part -----------------------------------------------------------


def _seq(*mods):
    return torch.nn.Sequential(*mods)


def _lin(nin, nout, **kw):
    return torch.nn.Linear(nin, nout, dtype=F64, **kw)


def _nan_weight():
    lin = _lin(2, 2)
    with torch.no_grad():
        lin.weight[1, 0] = float("nan")
    return _seq(lin)


def _zero_width():
    lin = _lin(1, 2)
    lin.weight = torch.nn.Parameter(torch.empty(2, 0, dtype=F64))  # no inputs at all
    return _seq(lin)


def _hooked(outer=False):
    net = _seq(_lin(3, 2), torch.nn.Tanh())
    (net if outer else net[1]).register_forward_hook(lambda mod, inp, out: 2 * out)
    return net


class MyLinear(torch.nn.Linear):
    def forward(self, x):
        return 2 * super().forward(x)


REFUSED = {
    "no bias": (lambda: _seq(_lin(3, 2, bias=False)), r"module '0' \(position 0, "
                r"torch\.nn\.Linear\) has no bias"),
    "dropout": (lambda: _seq(_lin(3, 2), torch.nn.Dropout(0.1)),
                r"module '1' \(position 1, torch\.nn\.Dropout\) is not a Linear"),
    "conv inside": (lambda: _seq(torch.nn.Conv1d(1, 1, 1), _lin(3, 2)),
                    r"module '0' .*torch\.nn\.Conv1d"),
    "nested sequential": (lambda: _seq(_seq(_lin(3, 2))), r"module '0' .*torch\.nn\.Sequential"),
    "leaky slope nan": (lambda: _seq(_lin(3, 2), torch.nn.LeakyReLU(float("nan"))),
                        r"module '1' .*LeakyReLU\) has negative_slope=nan; .*finite number"),
    "elu alpha inf": (lambda: _seq(_lin(3, 2), torch.nn.ELU(alpha=float("inf"))),
                      r"module '1' .*ELU\) has alpha=inf"),
    "gelu tanh": (lambda: _seq(_lin(3, 2), torch.nn.GELU(approximate="tanh")),
                  r"module '1' .*GELU"),
    "softplus at 20": (lambda: _seq(_lin(3, 2), torch.nn.Softplus()), r"module '1' .*Softplus"),
    "two activations": (lambda: _seq(_lin(3, 2), torch.nn.ReLU(), torch.nn.Tanh()),
                        r"module '2' \(position 2, torch\.nn\.Tanh\) follows another"),
    "two activations first": (lambda: _seq(torch.nn.Tanh(), torch.nn.Identity(),
                                           torch.nn.Tanh(), _lin(3, 2)),
                              r"module '2' .*follows another"),
    "sizes": (lambda: _seq(_lin(3, 4), torch.nn.ReLU(), _lin(5, 2)),
              r"module '2' .*takes 5 inputs but the layer before gives 4"),
    "no linear": (lambda: _seq(torch.nn.ReLU()), r"no Linear layer"),
    "empty": (lambda: _seq(), r"no Linear layer"),
    "subclass": (lambda: _seq(MyLinear(3, 2, dtype=F64)), r"module '0' .*MyLinear"),
    "complex": (lambda: _seq(torch.nn.Linear(3, 2, dtype=torch.complex128)),
                r"module '0' .*complex128 weight"),
    "nan": (_nan_weight, r"module '0' .*non-finite weight at index \(1, 0\)"),
    "meta": (lambda: _seq(torch.nn.Linear(3, 2, device="meta")), r"module '0' .*meta device"),
    "zero width": (_zero_width, r"module '0' .*shape \(2, 0\)"),
    "hook": (_hooked, r"module '1' .*Tanh\) has forward hooks"),
    "hook on the sequential": (lambda: _hooked(outer=True), r"the Sequential has forward hooks"),
    "weight norm": (lambda: _seq(torch.nn.utils.parametrizations.weight_norm(_lin(3, 2))),
                    r"module '0' .*ParametrizedLinear"),
    "named": (lambda: torch.nn.Sequential(OrderedDict([("fc1", _lin(3, 2)),
                                                        ("drop", torch.nn.Dropout())])),
              r"module 'drop' \(position 1"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_from_torch_refusals_name_the_part(case):
    make, pattern = REFUSED[case]
    with pytest.raises(BridgeError, match=pattern):
        MLP.from_torch(make())


def test_from_torch_refuses_what_is_no_sequential():
    with pytest.raises(TypeError, match=r"torch\.nn\.Conv1d"):
        MLP.from_torch(torch.nn.Conv1d(1, 1, 1))
    with pytest.raises(TypeError, match="list"):
        MLP.from_torch([_lin(2, 1)])
    with pytest.raises(TypeError, match="cls must be nn.MLP"):
        from_torch(_seq(_lin(2, 1)), cls=dict)


def test_to_torch_refusals_name_the_part():
    model = MLP(2, [3, 2, 1], seed=0)
    model.layers[1].neurons[1].activation = "tanh"  # one neuron changed by hand
    with pytest.raises(BridgeError, match="layer 1, neuron 1 uses 'tanh' where neuron 0 uses"):
        model.to_torch()
    model = MLP(2, [3, 2, 1], seed=0)
    model.layers[2].neurons[0].w.append(Value(1.0))
    with pytest.raises(BridgeError, match="layer 2 takes 3 inputs but layer 1 gives 2"):
        model.to_torch()
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[2].w[1].data = float("inf")
    with pytest.raises(BridgeError, match=r"layer 0, neuron 2 has a non-finite parameter "
                                          r"w1_2_1 = inf"):
        model.to_torch()
    model = MLP(2, [3, 1], seed=0)
    for n in model.layers[1].neurons:
        n.activation = "swish"
    with pytest.raises(BridgeError, match="layer 1 uses activation 'swish'"):
        model.to_torch()
    model = MLP(2, [3, 1], seed=0)
    model.input_activation = "swish"
    with pytest.raises(BridgeError, match="the input activation uses activation 'swish'"):
        model.to_torch()
    model.layers = []
    with pytest.raises(BridgeError, match="no layers"):
        model.to_torch()
    with pytest.raises(TypeError, match="expected an nn.MLP"):
        to_torch(torch.nn.Linear(2, 1))


# -- reused modules, sparse weights, every kind of hook ---------------------------------


def _outputs_agree(net, model, nin, n=5):
    gen = torch.Generator().manual_seed(0)
    for _ in range(n):
        x = torch.randn(nin, dtype=F64, generator=gen)
        ours = model([float(v) for v in x])
        ours = [o.data for o in ours] if isinstance(ours, list) else [ours.data]
        theirs = net(x).tolist()
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-12)


def test_one_relu_object_used_twice_is_relu_at_both_positions():
    torch.manual_seed(0)
    act = torch.nn.ReLU()
    net = _seq(_lin(3, 4), act, _lin(4, 4), act, _lin(4, 1))
    model = MLP.from_torch(net)
    assert model.activations == ["relu", "relu", "identity"]
    _outputs_agree(net, model, 3)


def test_one_activation_object_as_input_and_hidden_activation():
    torch.manual_seed(1)
    act = torch.nn.Tanh()
    net = _seq(act, _lin(2, 3), act, _lin(3, 2))
    model = MLP.from_torch(net)
    assert model.input_activation == "tanh" and model.activations == ["tanh", "identity"]
    _outputs_agree(net, model, 2)


def test_one_linear_used_twice_is_refused_naming_both_positions():
    lin = _lin(3, 3)
    net = _seq(lin, torch.nn.Tanh(), lin)
    with pytest.raises(BridgeError, match=r"module '2' \(position 2, torch\.nn\.Linear\) is the "
                       r"same Linear as module '0' \(position 0"):
        MLP.from_torch(net)


def test_the_same_activation_twice_in_a_row_is_still_two_activations():
    act = torch.nn.ReLU()
    with pytest.raises(BridgeError, match=r"module '2' .*follows another"):
        MLP.from_torch(_seq(_lin(2, 2), act, act))


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
@pytest.mark.parametrize("what, to_sparse", [("weight", "to_sparse"), ("bias", "to_sparse"),
                                             ("weight", "to_sparse_csr")])
def test_a_sparse_weight_is_refused_by_name_not_by_torch(what, to_sparse):
    lin = _lin(3, 2)
    tensor = getattr(lin, what).detach()
    setattr(lin, what, torch.nn.Parameter(getattr(tensor, to_sparse)()))
    with pytest.raises(BridgeError, match=rf"module '0' .*has a {what} with layout "
                       r"torch\.sparse_\w+; .*dense"):
        MLP.from_torch(_seq(lin))


@pytest.mark.parametrize("hook", ["forward_pre", "backward", "full_backward_pre"])
def test_hooks_of_every_kind_on_a_module_are_refused(hook):
    net = _seq(_lin(3, 2), torch.nn.Tanh())
    register = getattr(net[0], f"register_{hook}_hook")
    if hook == "backward":
        register = net[0].register_full_backward_hook
    register(lambda *args: None)
    with pytest.raises(BridgeError, match=r"module '0' .*Linear\) has (forward|backward) hooks"):
        MLP.from_torch(net)


def test_a_backward_hook_on_the_sequential_is_refused():
    net = _seq(_lin(3, 2))
    net.register_full_backward_hook(lambda *args: None)
    with pytest.raises(BridgeError, match=r"the Sequential has backward hooks"):
        MLP.from_torch(net)


def test_a_global_forward_hook_is_refused():
    from torch.nn.modules.module import register_module_forward_hook

    handle = register_module_forward_hook(lambda mod, inp, out: out)
    try:
        with pytest.raises(BridgeError, match=r"global forward hooks registered for every"):
            MLP.from_torch(_seq(_lin(3, 2)))
    finally:
        handle.remove()
    MLP.from_torch(_seq(_lin(3, 2)))  # gone again: accepted


def test_a_forward_set_on_an_instance_is_refused():
    net = _seq(_lin(3, 2), torch.nn.ReLU())
    net[1].forward = lambda x: 2 * x
    with pytest.raises(BridgeError, match=r"module '1' .*ReLU\) has a forward of its own"):
        MLP.from_torch(net)


def test_a_none_in_the_sequential_is_refused_naming_its_position():
    net = _seq(_lin(3, 2), torch.nn.ReLU())
    net._modules["1"] = None
    with pytest.raises(BridgeError, match=r"module '1' \(position 1\) is NoneType"):
        MLP.from_torch(net)
