"""replay_in_torch: every op of the table rebuilt in PyTorch float64, values and grads equal.

The per-op test is driven over ``autograd.OPS``: an op added to the table
without a line in ``TORCH_OPS`` fails here, by name.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest

from autograd import (
    OPS,
    TORCH_OPS,
    ReplayRow,
    TorchReplay,
    Value,
    apply,
    dot,
    forward_order,
    no_grad,
    replay_in_torch,
)
from autograd import sum as vsum
from autograd.torch_replay.replay import difference
from nn import MLP, cross_entropy

TOL = 1e-12
BUILTIN_OPS = sorted(OPS)  # the table as it ships, read when the tests are collected
POINTS = (0.7, 1.3, 2.5, -0.4, 0.3, -1.6, 1.9, 0.0)  # 0: the kinks of relu and abs, 0 ** n


def _grads_zero(root):
    return all(n.grad == 0.0 for n in forward_order(root))


def check_replay(root):
    """Replay root; values and grads agree with torch, and with chaingrad's own backward()."""
    assert _grads_zero(root)
    report = replay_in_torch(root)
    assert _grads_zero(root)  # the replay touched no .grad
    assert len(report.rows) == len(forward_order(root))
    assert report.max_value_diff <= TOL, report
    assert report.max_grad_diff <= TOL, report
    root.backward()
    for row, node in zip(report.rows, forward_order(root)):
        assert row.grad == node.grad and row.value == node.data, row
    return report


def _try(name, *args):
    try:
        return apply(name, *args)
    except (ValueError, ArithmeticError):
        return None  # outside the op's domain at this point: another point is tried


def _graphs(name):
    """Graphs that use op `name` with Values and with folded numbers, at points of its domain."""
    prim = OPS[name]
    if prim.nary:
        forms = [(Value(0.7), 1.5, Value(-0.4), Value(1.3)),            # dot without bias
                 (Value(0.7), Value(1.5), -0.4, Value(1.3), Value(0.2)),  # dot with bias
                 (2.0, Value(-1.1), 0.5)]
        for args in forms:
            yield _try(name, *args), [a for a in args if isinstance(a, Value)]
        return
    if len(prim.symbols) == 1:  # one printed derivative per input
        for x in POINTS:
            xv = Value(x, label="x")
            yield _try(name, xv), [xv]
        return
    for a, b in itertools.product(POINTS, repeat=2):
        for left, right in ((True, True), (False, True), (True, False)):  # False: folded
            av = Value(a, label="a") if left else a
            bv = Value(b, label="b") if right else b
            yield _try(name, av, bv), [v for v in (av, bv) if isinstance(v, Value)]


@pytest.mark.parametrize("name", BUILTIN_OPS)
def test_every_op_replays_with_equal_values_and_grads(name):
    assert name in TORCH_OPS, f"op {name!r} has no torch= in its entry (autograd/ops.py)"
    checked = 0
    for node, inputs in _graphs(name):
        if node is None:
            continue
        # the node used twice and an input reused: gradients arrive along several paths
        w = Value(0.9, label="w")
        root = vsum([node * w, node * node, *inputs])
        check_replay(root)
        checked += 1
    assert checked >= 3, f"only {checked} graphs of {name!r} could be built"


def test_every_folded_form_of_binary_ops_is_covered():
    for name in BUILTIN_OPS:
        prim = OPS[name]
        if prim.nary or len(prim.symbols) != 2:
            continue
        built = [node for node, inputs in _graphs(name) if node is not None]
        kinds = {tuple(isinstance(a, Value) for a in n.args) for n in built}
        assert kinds == {(True, True), (False, True), (True, False)}, name  # False: a number


def test_sum_and_dot_in_every_form():
    x, y, z, b = (Value(v, label=n) for v, n in ((0.5, "x"), (-1.2, "y"), (2.0, "z"), (0.3, "b")))
    numbers_only = vsum([1.0, 2.5])  # op 'sum' with no parents: a leaf for both engines
    assert numbers_only.parents == ()
    parts = [
        dot([x, y], [z, x]),              # no bias
        dot([x, y], [z, x], b),           # a bias Value
        dot([x, 2.0], [1.5, y], 0.25),    # numbers among weights, inputs and bias
        dot([], []),                      # empty: 0
        dot([], [], b),                   # the bias alone
        vsum([]),                         # empty sum: 0
        vsum([x, 3.0, y, x]),             # a number folded in, x twice
        numbers_only * z,
    ]
    report = check_replay(vsum(parts) * x)
    assert {r.op for r in report.rows} >= {"dot", "sum", "*", "leaf"}


def test_a_network_and_its_loss():
    model = MLP(3, [5, 4], activation="tanh", input_activation="sigmoid", seed=2)
    loss = cross_entropy(model([0.3, -1.2, 0.8]), 2)
    report = check_replay(loss)
    assert report.max_grad_diff <= TOL
    assert {"dot", "tanh", "sigmoid", "exp", "log"} <= {r.op for r in report.rows}


def test_a_deep_chain():
    x = Value(0.3, label="x")
    y = x
    for k in range(3000):
        y = (y * 0.999 + 0.001).tanh() if k % 2 else y.sigmoid() + y * 0.5
    check_replay(y)


def test_constants_and_leaves():
    x = Value(1.5, label="x")
    with no_grad():
        c = x * 2.0  # a constant: no parents, op ''
    check_replay(c * x + x)
    report = check_replay(Value(2.0, label="alone"))  # a leaf as the root
    assert report.rows[0].torch_grad == 1.0 and report.rows[0].op == "leaf"


def test_inside_torch_no_grad_and_chaingrad_no_grad():
    import torch

    x = Value(0.4, label="x")
    y = (x * x).sin() if "sin" in OPS else (x * x).tanh()
    with torch.no_grad(), no_grad():
        report = replay_in_torch(y)
    with torch.inference_mode():
        assert replay_in_torch(y).max_grad_diff == report.max_grad_diff
    assert report.rows[0].torch_grad != 0.0 and report.max_grad_diff <= TOL


def test_the_replay_leaves_existing_grads_alone():
    x = Value(0.8, label="x")
    y = (x * x).exp()
    y.backward()
    before = [n.grad for n in forward_order(y)]
    report = replay_in_torch(y)
    assert [n.grad for n in forward_order(y)] == before
    assert [r.grad for r in report.rows] == before  # one pass, not two


def _with_torch(monkeypatch, name, fn):
    """The table's entry for ``name`` with another torch computation (None: without one)."""
    monkeypatch.setitem(OPS, name, dataclasses.replace(OPS[name], torch=fn))


def test_a_wrong_mapping_is_seen(monkeypatch):
    # the oracle is live: a torch function that is not the op shows up as a difference
    _with_torch(monkeypatch, "tanh", lambda t, x: t.sin(x))
    x = Value(0.9, label="x")
    report = replay_in_torch(x.tanh() * 2.0)
    tanh_row = report.rows[1]
    assert tanh_row.op == "tanh" and tanh_row.value_diff > 1e-3
    assert report.max_value_diff > 1e-3 and report.max_grad_diff > 1e-3
    with pytest.raises(AssertionError, match="differ by more than 1e-12 at node 'x'"):
        report.check(1e-12)


def test_an_op_without_mapping_is_refused_by_name(monkeypatch):
    _with_torch(monkeypatch, "tanh", None)  # as an op added to the table without torch=
    x = Value(1.5, label="x")
    with pytest.raises(NotImplementedError, match=r"'tanh'.*torch= computation"):
        replay_in_torch((x * 2.0).tanh() + x)


def test_a_mapping_is_one_field_of_the_entry(monkeypatch):
    _with_torch(monkeypatch, "tanh", lambda t, x: t.tanh(x))
    x = Value(1.5, label="x")
    check_replay((x * 0.3).tanh())


def test_report_prints_as_a_table_and_names_the_worst():
    x = Value(0.5, label="x")
    report = replay_in_torch((x * 3.0).tanh())
    text = str(report)
    assert "chaingrad vs torch float64, 3 nodes" in text
    assert "torch grad" in text and "\n" in text and " x " in text
    assert repr(report) == text
    rows = [ReplayRow(0, "a", "leaf", 1.0, 1.0, 2.0, 2.0),
            ReplayRow(1, "b", "exp", 5.0, 5.0 + 1e-9, 1.0, 1.0),
            ReplayRow(2, "c", "+", 7.0, 7.0, 3e-11, 0.0)]
    fake = TorchReplay(rows)
    assert fake.max_value_diff == pytest.approx(1e-9 / (5.0 + 1e-9))
    assert fake.max_grad_diff == pytest.approx(3e-11)
    assert fake.worst.name == "b"
    fake.check(1e-8)
    with pytest.raises(AssertionError, match="node 'b'"):
        fake.check(1e-10)
    long = TorchReplay([ReplayRow(k, f"n{k}", "leaf", 1.0, 1.0, 0.0, 0.0) for k in range(100)])
    assert "more rows" in str(long) and len(str(long).splitlines()) < 50


def test_difference():
    assert difference(3.0, 3.0) == 0.0
    assert difference(1e-20, 0.0) == 1e-20            # absolute below 1
    assert difference(1e6, 1e6 * (1 + 1e-12)) == pytest.approx(1e-12)  # relative above
    assert difference(math.inf, math.inf) == 0.0
    assert difference(1.0, math.nan) == math.inf and difference(math.inf, 1.0) == math.inf


def test_bad_root():
    with pytest.raises(TypeError, match="root must be a Value"):
        replay_in_torch(3.0)
