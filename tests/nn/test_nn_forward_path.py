"""One forward path (issue 13, item 5): Neuron -> Layer -> MLP each call the next.

``model(x)``, ``model.trace(x)`` and ``model.forward_floats(x)`` (and Layer's and
Neuron's own calls) all run ``Neuron._forward``; they differ in what they compute
with (Values or floats) and what they keep (trace keeps every p and q). These
tests count the calls, so a copy of the neuron's formula inlined somewhere
else would show, and check that the three give the same numbers to the bit.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from nn import ACTIVATIONS, MLP, Layer, MLPTrace, Neuron


@pytest.fixture
def counted(monkeypatch):
    """Counts of Neuron._forward and Layer._forward calls, by what they compute with."""
    counts = {"neuron": 0, "layer": 0}
    neuron_forward, layer_forward = Neuron._forward, Layer._forward

    def neuron(self, q, on, ps=None):
        counts["neuron"] += 1
        return neuron_forward(self, q, on, ps)

    def layer(self, q, on, ps=None):
        counts["layer"] += 1
        return layer_forward(self, q, on, ps)

    monkeypatch.setattr(Neuron, "_forward", neuron)
    monkeypatch.setattr(Layer, "_forward", layer)
    return counts


@pytest.mark.parametrize("call", ["__call__", "trace", "forward_floats"])
def test_every_mlp_forward_runs_each_layer_and_each_neuron_once(counted, call):
    model = MLP(3, [4, 5, 2], activation="tanh", seed=0)
    getattr(model, call)([0.1, -0.2, 0.3])
    assert counted == {"neuron": 4 + 5 + 2, "layer": 3}


@pytest.mark.parametrize("make, calls", [
    (lambda: Layer(2, 3, seed=0), ("__call__", "forward", "forward_floats")),
    (lambda: Neuron(2, seed=0), ("__call__", "forward_floats")),
])
def test_layer_and_neuron_calls_run_the_same_neuron_forward(counted, make, calls):
    module = make()
    per_call = len(getattr(module, "neurons", [module]))
    for k, call in enumerate(calls, start=1):
        getattr(module, call)([0.5, -1.0])
        assert counted["neuron"] == k * per_call


def test_the_neuron_formula_is_written_once_in_nn_layers():
    import inspect

    source = inspect.getsource(nn.layers)
    # p = w·q + b once for either kind of number (Neuron._forward, through `on.dot`);
    # the float dot once (the engine's dot does it for Values); no inlined copy
    assert source.count("on.dot(") == 1 and source.count("w.data *") == 1
    assert "dot(n.w" not in source


networks = st.builds(
    lambda nin, sizes, acts, first, seed: (nin, sizes, acts[: len(sizes)], first, seed),
    st.integers(1, 4),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
    st.lists(st.sampled_from(ACTIVATIONS), min_size=3, max_size=3),
    st.sampled_from(ACTIVATIONS),
    st.integers(0, 2**16),
)


@settings(max_examples=60, deadline=None)
@given(networks, st.data())
def test_call_trace_and_floats_agree_to_the_bit(net, data):
    nin, sizes, acts, first, seed = net
    model = MLP(nin, sizes, activation=acts, input_activation=first, seed=seed)
    x = data.draw(st.lists(st.floats(-3, 3), min_size=nin, max_size=nin))
    out, t, floats = model(x), model.trace(x), model.forward_floats(x)
    outs = out if isinstance(out, list) else [out]
    touts = t.output if isinstance(t.output, list) else [t.output]
    floats = floats if isinstance(floats, list) else [floats]
    assert [v.data for v in outs] == [v.data for v in touts] == floats
    assert touts == t.q[-1] and t.depth == len(sizes)
    for i, layer in enumerate(model.layers, start=1):  # p = w·q + b, q = σ(p), layer by layer
        for j, n in enumerate(layer.neurons):
            p = t.p[i][j]
            assert p.op == "dot" and p.label == f"p{i}_{j}"
            q_in = [q.data for q in t.q[i - 1]]
            assert p.data == sum([w.data * qk for w, qk in zip(n.w, q_in)], 0.0) + n.b.data
            assert t.q[i][j].data == nn.activate_float(layer.activation, p.data)
    # the same graph: equal gradients for every parameter from either forward
    outs[0].backward()
    by_call = [p.grad for p in model.parameters()]
    model.zero_grad()
    touts[0].backward()
    assert [p.grad for p in model.parameters()] == by_call


def test_trace_returns_an_mlp_trace_and_nn_has_no_second_trace_class():
    t = MLP(2, [2, 1], seed=0).trace([1.0, 2.0])
    assert type(t) is MLPTrace and type(t).__name__ == "MLPTrace"
    assert (t.output, len(t.p), len(t.q)) == (t.q[-1][0], 3, 3)
    assert not hasattr(nn, "Trace") and "Trace" not in nn.__all__
    names: dict = {}
    exec("from autograd import *\nfrom nn import *", names)
    assert "Trace" not in names  # neither star import brings one (autograd.see.Trace is it)


def test_trace_labels_inputs_and_keeps_a_label_given_by_the_user():
    model = MLP(2, [2, 1], input_activation="tanh", seed=0)
    mine = autograd.Value(0.5, label="x_mine")
    t = model.trace([mine, 1.0])
    assert [v.label for v in t.p[0]] == ["x_mine", "p0_1"]
    assert [v.label for v in t.q[0]] == ["q0_0", "q0_1"]
    assert t.q[2][0] is t.p[2][0] and t.p[2][0].label == "p2_0"  # identity: one node


def test_forward_floats_overflow_is_caught_wherever_it_happens():
    model = MLP(1, [1, 1], activation="identity", seed=0)
    model.layers[0].neurons[0].w[0].data = 1e200
    model.layers[1].neurons[0].w[0].data = 1e200
    with pytest.raises(OverflowError, match="p2_0"):  # the second layer's sum
        model.forward_floats([1e10])
    assert math.isfinite(model.forward_floats([1e-300]))
