"""explain(root, w).why_zero: which edge kills a zero or vanishing gradient."""

from __future__ import annotations

import pytest

from autograd import Value, explain
from autograd.chains import PASSES_NOTHING, why_zero


def _before_after(nodes, f):
    before = [n.grad for n in nodes]
    out = f()
    assert [n.grad for n in nodes] == before
    return out


def test_a_relu_that_is_off_names_its_input():
    w, x = Value(0.5, label="w"), Value(-2.0, label="x")
    p = w * x
    p.label = "p"
    h = p.relu()
    h.label = "h"
    e = _before_after([w, x, p, h], lambda: explain(h, w))
    assert e.total == 0.0
    assert "relu h is off" in e.why_zero and "p = -1" in e.why_zero
    assert "why: " in str(e) and e.why_zero in str(e)
    assert "Why:" in e._repr_markdown_()
    assert why_zero(h, w) == e.why_zero


def test_a_saturated_tanh_and_sigmoid_give_its_local_derivative():
    for op, local in (("tanh", lambda q: 1 - q * q), ("sigmoid", lambda q: q * (1 - q))):
        w = Value(3.0, label="w")
        p = w * 4.0
        p.label = "p"
        q = getattr(p, op)()
        q.label = "q"
        e = explain(q, w)
        assert e.total != 0.0 and abs(local(q.data)) < PASSES_NOTHING
        assert f"{op} q is saturated" in e.why_zero and "p = 12" in e.why_zero
        assert f"{local(q.data):.2g}" in e.why_zero and "vanishing" in e.why_zero


def test_a_zero_input_multiplying_a_weight():
    w, x = Value(0.7, label="w"), Value(0.0, label="x")
    C = (w * x + 1.0).tanh()
    e = explain(C, w)
    assert e.total == 0.0 and "w multiplies x = 0" in e.why_zero


def test_no_path_and_cancelling_paths():
    w, z = Value(0.7, label="w"), Value(1.0, label="z")
    C = w * 2.0
    assert "no path" in explain(C, z).why_zero
    D = w * 2.0 - w * 2.0
    assert "cancel" in explain(D, w).why_zero


def test_a_live_gradient_has_no_why_zero():
    w = Value(0.3, label="w")
    assert explain((w * 2.0).tanh(), w).why_zero is None
    # one dead path, one live: the gradient flows, nothing to explain
    C = (w * -1.0).relu() + w * 3.0
    assert explain(C, w).why_zero is None


def test_only_the_edges_that_stop_the_flow_are_named():
    """Of two relus, the one that is off is named; a dead branch beside a live one is not."""
    w = Value(1.0, label="w")
    a = (w * -2.0).relu()
    a.label = "a"
    b = (w * 2.0).relu()
    b.label = "b"
    C = (a * 0.0 + b * 0.0).relu()
    e = explain(C, w)
    assert e.total == 0.0 and "relu a is off" in e.why_zero
    assert "relu b" not in e.why_zero


def test_why_zero_refuses_non_values():
    with pytest.raises(TypeError, match="Values"):
        why_zero(1.0, Value(1.0))
