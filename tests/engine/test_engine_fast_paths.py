"""The fast paths of + - * / neg relu and dot equal the builders they stand in for.

Each operator takes a fast path in its common case (recording, a Value or a
float for the other operand, a finite result, the table entry the module
defined): the entry's rules written out. Here every fast path is held to the
generic builder (_binary, _unary, _nary) node for node: the same data to the
bit, op, parents, local derivatives and folded arguments, and the same error,
word for word, wherever one is raised. The fast paths only run in CPython's
own numbers: hostile ones (inf, nan, 0, subnormals, 1e308) are drawn often.
"""

from __future__ import annotations

import dataclasses
import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value, dot, no_grad
from autograd.value import _binary, _nary, _unary

EDGE = st.sampled_from([0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 1e-310, 1e308, -1e308, 1.7e308])
FINITE = st.one_of(EDGE, st.floats(allow_nan=False, allow_infinity=False))
ANY_FLOAT = st.one_of(FINITE, st.sampled_from([float("inf"), float("-inf"), float("nan")]))
BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def outcome(make):
    """What make() gives: ('node', the node) or ('error', its type and message)."""
    try:
        return "node", make()
    except Exception as error:  # noqa: BLE001 - every error is compared, whatever its kind
        return "error", (type(error), str(error))


def bits(x):
    return x if isinstance(x, Value) else repr(x)  # repr tells -0.0 from 0.0


def assert_same(fast, slow):
    assert fast[0] == slow[0], (fast, slow)
    if fast[0] == "error":
        assert fast[1] == slow[1]
        return
    a, b = fast[1], slow[1]
    assert type(a) is Value and type(b) is Value
    assert repr(a.data) == repr(b.data) and a.op == b.op and a.grad == b.grad == 0.0
    assert len(a.parents) == len(b.parents) and all(
        p is q for p, q in zip(a.parents, b.parents))
    assert [bits(x) for x in a.local_grads] == [bits(x) for x in b.local_grads]
    assert [bits(x) for x in a.args] == [bits(x) for x in b.args]
    assert a.label == b.label == ""


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(BINARY)), FINITE, ANY_FLOAT, st.sampled_from(["VV", "Vf", "fV"]))
def test_each_binary_fast_path_is_the_builder_of_its_entry(op, x, y, kinds):
    a = Value(x, label="a")
    if kinds == "VV":
        if y != y or y in (float("inf"), float("-inf")):
            y = 2.0  # a Value's data is finite by construction
        b = Value(y, label="b")
        left, right = a, b
    else:
        left, right = (a, y) if kinds == "Vf" else (y, a)
    fast = outcome(lambda: BINARY[op](left, right))
    slow = outcome(lambda: _binary(OPS[op], left, right))
    assert_same(fast, slow)


@settings(max_examples=200, deadline=None)
@given(FINITE)
def test_neg_and_relu_fast_paths_are_the_builder_of_their_entry(x):
    v = Value(x)
    assert_same(outcome(lambda: -v), outcome(lambda: _unary(OPS["neg"], v)))
    assert_same(outcome(v.relu), outcome(lambda: _unary(OPS["relu"], v)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(FINITE, FINITE), max_size=6), st.one_of(st.none(), FINITE),
       st.booleans())
def test_the_dot_fast_path_is_the_builder_of_its_entry(pairs, bias, numbers_in_x):
    ws = [Value(w) for w, _ in pairs]
    xs = [x if numbers_in_x and k % 2 else Value(x) for k, (_, x) in enumerate(pairs)]
    b = None if bias is None else Value(bias)
    args = (*ws, *xs) if b is None else (*ws, *xs, b)
    assert_same(outcome(lambda: dot(ws, xs, b)), outcome(lambda: _nary(OPS["dot"], args)))


def test_under_no_grad_the_operators_make_leaves_as_the_builders_do():
    a, b = Value(3.0), Value(4.0)
    with no_grad():
        made = [a + b, a - 1.5, 2.5 * a, a / b, -a, a.relu(), dot([a], [b], a), a + b + a]
    assert [v.data for v in made] == [7.0, 1.5, 7.5, 0.75, -3.0, 3.0, 15.0, 10.0]
    assert all(v.parents == () and v.op == "" for v in made)


@pytest.mark.parametrize("make, kind, words", [
    (lambda v: v / 0.0, ZeroDivisionError, "/: division by zero"),
    (lambda v: v / Value(0.0), ZeroDivisionError, "/: division by zero"),
    (lambda v: v / float("inf"), ValueError, "not finite"),
    (lambda v: v * float("nan"), ValueError, "not finite"),
    (lambda v: float("-inf") + v, ValueError, "not finite"),
    (lambda v: v * 1e308 * 10.0, OverflowError, "*"),
    (lambda v: Value(1e308) + Value(1e308), OverflowError, "+"),
    (lambda v: Value(1e-310) / Value(1e-310), OverflowError, "local derivative"),
    (lambda v: v * 10**400, OverflowError, "too large"),
    (lambda v: v - "1", TypeError, "-: cannot apply to str"),
])
def test_what_the_fast_paths_leave_to_the_builder_is_refused_as_before(make, kind, words):
    v = Value(2.0, label="v")
    with pytest.raises(kind) as info:
        make(v)
    assert words in str(info.value)


def test_ints_take_the_builder_and_fold_as_floats():
    v = Value(2.0)
    for made, op in ((v * 3, "*"), (3 - v, "-"), (v + 0, "+"), (1 / v, "/")):
        assert made.op == op and all(type(a) is float for a in made.args if a is not v)


@pytest.mark.parametrize("op, make", [
    ("*", lambda a, b: a * b), ("*", lambda a, b: 2.0 * a), ("+", lambda a, b: a + b),
    ("-", lambda a, b: a - 2.0), ("/", lambda a, b: a / b), ("neg", lambda a, b: -a),
    ("relu", lambda a, b: a.relu()), ("dot", lambda a, b: dot([a], [b], b)),
])
def test_an_entry_swapped_in_by_a_learner_is_the_one_the_operator_uses(monkeypatch, op, make):
    prim = OPS[op]
    wrong = tuple((lambda *args: 7.0) for _ in prim.derivatives)
    if prim.nary:
        wrong = (lambda out, xs: (7.0,) * len(xs),)
    monkeypatch.setitem(OPS, op, dataclasses.replace(prim, derivatives=wrong))
    made = make(Value(3.0), Value(4.0))
    assert made.op == op and set(made.local_grads) == {7.0}
    with pytest.raises(autograd.GradcheckError):
        autograd.check_graph(made * 1.0)


def test_a_subclass_operand_is_treated_as_the_builder_treats_it():
    class Named(Value):
        pass

    a, b = Value(3.0), Named(4.0)
    for make in (operator.add, operator.sub, operator.mul, operator.truediv):
        fast, slow = make(a, b), _binary(OPS[{operator.add: "+", operator.sub: "-",
                                             operator.mul: "*", operator.truediv: "/"}[make]],
                                         a, b)
        assert fast.data == slow.data and fast.parents == slow.parents == (a, b)
        assert fast.local_grads == slow.local_grads


def test_the_common_case_never_reaches_the_builders(monkeypatch):
    """So the tests above compare two different paths, not one path with itself."""
    import autograd.value as value

    def refuse(*args):
        raise AssertionError("a fast path fell back to the generic builder")

    for name in ("_binary", "_unary", "_nary"):
        monkeypatch.setattr(value, name, refuse)
    a, b = Value(3.0), Value(-4.0)
    made = [a + b, a + 1.5, 1.5 + a, a - b, a - 1.5, 1.5 - a, a * b, a * 1.5, 1.5 * a,
            a / b, a / 1.5, -a, a.relu(), b.relu(), dot([a, b], [b, a]), dot([a], [b], a)]
    assert [v.data for v in made] == [-1.0, 4.5, 4.5, 7.0, 1.5, -1.5, -12.0, 4.5, 4.5,
                                      -0.75, 2.0, -3.0, 3.0, 0.0, -24.0, -9.0]
