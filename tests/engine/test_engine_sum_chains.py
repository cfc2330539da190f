"""Python's sum() over Values: the chain of + it builds is merged into one 'sum' node.

Only the sums nobody else holds are merged (their reference counts say so), and
the operand in hand is never changed: a sum a user keeps (in a variable, a
list, a numpy array, the parents tuple of a node) keeps its op, its parents,
its data and gets its gradient. What is merged gives the same data, to the
bit, as the chain of + it replaces, and the same gradients.
"""

from __future__ import annotations

import functools
import itertools
import operator
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import autograd.sums as sums
import autograd.value as value
from autograd import Value, draw, no_grad, topo_order

_SHIPPED = value._MERGE_SUMS


@pytest.fixture(autouse=True)
def _merging_as_shipped():
    yield
    value._MERGE_SUMS = _SHIPPED  # a test that turned it off


FLOAT = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


def ops(root):
    return [n.op for n in topo_order(root) if n.op]


def looks(node):
    """What a holder of node sees of it, without holding anything more."""
    return node.op, [id(p) for p in node.parents], node.local_grads, repr(node.data)


def chain_of_plus(terms, start=0):
    """The same sum with every intermediate held by a list: nothing can be merged."""
    return list(itertools.accumulate(terms, operator.add, initial=start))[-1]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(FLOAT, FLOAT), min_size=1, max_size=40), st.booleans())
def test_a_merged_sum_has_the_data_and_gradients_of_its_chain(pairs, with_start):
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    start = Value(0.25) if with_start else 0
    s = sum((w * x for w, x in zip(ws, xs)), start)
    reference = functools.reduce(
        operator.add, (w * x for w, x in pairs), 0.25 if with_start else 0)
    assert repr(s.data) == repr(float(reference))  # the chain's own sum, to the bit
    s.backward()
    merged = [v.grad for v in (*ws, *xs)]
    for v in (*ws, *xs):
        v.grad = 0.0
    chain = chain_of_plus([w * x for w, x in zip(ws, xs)], start)
    assert ops(chain).count("sum") == 0
    chain.backward()
    assert merged == [v.grad for v in (*ws, *xs)]  # exactly


TERM = st.one_of(
    st.tuples(st.just("leaf"), st.integers(0, 3)),  # an input itself: held, used elsewhere
    st.tuples(st.just("times"), st.integers(0, 3), FLOAT),  # a fresh product x·c
    st.tuples(st.just("square"), st.integers(0, 3), st.integers(0, 3)),  # x·y, fresh
    st.tuples(st.just("again"), st.integers(0, 20)),  # a product made before, used again
    st.tuples(st.just("number"), FLOAT),  # a float term, folded into a +
)


def program(xs, terms, start):
    """sum() over terms built as a generator builds them: fresh products unheld,
    the ones used again kept in a list (so they have two holders)."""
    made = []

    def term(spec):
        kind = spec[0]
        if kind == "leaf":
            return xs[spec[1]]
        if kind == "times":
            return xs[spec[1]] * spec[2]
        if kind == "square":
            return xs[spec[1]] * xs[spec[2]]
        if kind == "number":
            return spec[1]
        if not made:
            made.append(xs[0] * 0.5)
        return made[spec[1] % len(made)]

    first = {"zero": 0, "leaf": xs[3], "product": xs[2] * 0.25}[start]
    total = sum((term(t) for t in terms), first)
    return total * xs[1] + total  # the sum has consumers, and xs[1] a path around it


@settings(max_examples=300, deadline=None)
@given(st.lists(TERM, min_size=1, max_size=30), st.sampled_from(["zero", "leaf", "product"]),
       st.lists(FLOAT, min_size=4, max_size=4))
def test_merging_changes_no_bit_of_any_gradient(terms, start, data):
    """Whatever the terms share (an input that is also a term, a product used twice,
    numbers), every data and gradient equals the unmerged chain's, to the bit."""
    got = {}
    for merge in (True, False):
        value._MERGE_SUMS = merge and _SHIPPED
        xs = [Value(d) for d in data]
        y = program(xs, terms, start)
        y.backward()
        f = lambda *v: program(list(v), terms, start)  # noqa: E731
        got[merge] = [repr(y.data), [repr(x.grad) for x in xs],
                      repr(autograd.grad(f, argnums=(0, 1, 2, 3))(*data)),
                      repr(autograd.hvp(f, tuple(data), (1.0, -0.5, 0.25, 2.0)))]
    assert got[True] == got[False]


def test_a_term_with_another_consumer_stops_the_merge():
    """x is a term and inside a later product: merged, it would get its shares in
    another order (3.4000000000000004 for 3.4), so the chain stays as it is there."""
    f = lambda x: sum([x, x * 0.7, x, x * 0.7])  # noqa: E731
    x = Value(0.1)
    f(x).backward()
    assert x.grad == 3.4 and autograd.grad(f)(0.1) == 3.4


def test_merging_is_on_where_reference_counts_are_kept_as_read():
    import sys

    if sys.implementation.name == "cpython" and (3, 10) <= sys.version_info[:2] <= (3, 13):
        assert _SHIPPED is True
    xs = [Value(1.0) for _ in range(9)]
    assert ops(sum(x * 2.0 for x in xs)) == (
        ["+", "*", "+", "*", "sum"] + ["*"] * 7 if _SHIPPED else ["+", "*"] * 9)
    assert ops(sum(xs)) == ["+"] * 9  # the inputs have holders of their own: not merged


def test_a_running_total_in_a_variable_is_never_merged():
    """A learner's loop: s is held at every step, so what they draw is what they built."""
    xs = [Value(float(i)) for i in range(10)]
    s = 0.0
    shapes = []
    for x in xs:
        s = s + x * x
        shapes.append(ops(s))
    assert shapes == [["+", "*"] * k for k in range(1, 11)]
    s += xs[0]
    assert ops(s) == ["+"] + ["+", "*"] * 10


def test_reference_counts_are_checked_before_they_are_trusted(monkeypatch):
    """Where counts are kept otherwise (borrowed, or one more), sums stay chains of +."""
    import sys

    assert value._merging_is_sound() is value._MERGE_SUMS
    for shift in (-2, 0):  # a lambda's own argument is one reference more: -1 is the truth
        monkeypatch.setattr(sums, "_refs", lambda x, shift=shift: sys.getrefcount(x) + shift)
        assert value._merging_is_sound() is False
    monkeypatch.setattr(sums, "_refs", None)  # PyPy: no getrefcount
    assert value._merging_is_sound() is False
    monkeypatch.setattr(value, "_MERGE_SUMS", False)
    xs = [Value(1.0) for _ in range(9)]
    assert ops(sum(xs)) == ["+"] * 9 and sum(xs).data == 9.0


def test_a_long_sum_is_one_sum_node_under_two_plus_nodes():
    xs = [Value(float(i), label=f"x{i}") for i in range(10)]
    s = sum(x * x for x in xs)
    if not value._MERGE_SUMS:  # a Python whose counts are kept otherwise: a chain of +
        assert ops(s) == ["+", "*"] * 10 and draw(s).source.count("Σ") == 0
        return
    assert ops(s) == ["+", "*", "+", "*", "sum"] + ["*"] * 8
    total = next(n for n in topo_order(s) if n.op == "sum")
    assert len(total.parents) == 8 and total.local_grads == (1.0,) * 8
    assert total.args == total.parents  # sum()'s start, 0, adds nothing and is not kept
    assert total.data == autograd.OPS["sum"].forward([p.data for p in total.args])
    assert draw(s).source.count("Σ") == 1


def test_short_sums_stay_chains_of_plus():
    a, b, c, d = (Value(float(i)) for i in range(4))
    assert ops(a + b + c) == ["+", "+"]
    assert ops(a + b + c + d) == ["+", "+", "+"]


def test_every_sum_a_user_holds_is_left_as_it_was():
    xs = [Value(float(i)) for i in range(12)]
    held, s = [], 0
    for x in xs:  # a running total kept at every step: nothing is merged
        s = s + x * 2.0
        held.append(s)
    before = [(h.op, h.parents, h.data) for h in held]
    t = sum(xs) + s
    t.backward()
    assert [(h.op, h.parents, h.data) for h in held] == before
    assert all(h.grad == 1.0 for h in held)
    assert all(x.grad == 3.0 for x in xs)


def test_a_sum_held_only_through_a_parents_tuple_is_not_merged():
    xs = [Value(1.0) for _ in range(8)]
    s = xs[0] + xs[1]
    seen = []
    for x in xs[2:]:
        seen.append(s.parents)  # holds the sum below s
        s = s + x
    assert ops(s) == ["+"] * 7


def test_sums_held_by_a_numpy_array_keep_their_structure_and_get_their_gradients():
    """numpy passes its elements on as borrowed references: their counts cannot tell
    that the array holds them, so the operand in hand is never the one merged."""
    xs = [Value(float(i)) for i in range(6)]
    arr = np.empty(3, dtype=object)
    arr[:] = [xs[0] * 1.0 + xs[1] * 1.0 + xs[2] * 1.0 + xs[3] * 1.0 + xs[4] * 1.0
              + xs[5] * 1.0 for _ in range(3)]
    before = [looks(a) for a in arr]  # ids only: holding the parents would stop any merge
    out = arr + Value(1.0)  # numpy's object loop: arr[i] + v, for each i
    assert all(o.parents[0] is a for o, a in zip(out, arr))
    merged_below = ["+", "sum"] if value._MERGE_SUMS else ["+"] * 5
    assert [n.op for n in topo_order(arr[0]) if n.op in ("+", "sum")] == merged_below
    total = sum(out)
    total.backward()
    assert [looks(a) for a in arr] == before
    assert all(a.grad == 1.0 for a in arr) and all(x.grad == 3.0 for x in xs)


def test_calling_add_by_hand_on_a_held_sum_leaves_it_as_it_was():
    xs = [Value(1.0) for _ in range(7)]
    s = xs[0] + xs[1] + xs[2] + xs[3] + xs[4] + xs[5]
    before = looks(s)
    t = s.__add__(xs[6])
    u = Value.__add__(s, xs[6])
    assert looks(s) == before and t.parents[0] is s and u.parents[0] is s
    (t + u).backward()
    assert s.grad == 2.0


def test_a_merged_sum_can_be_differentiated_again():
    f = lambda x: sum(x * x * k for k in range(1, 9))  # noqa: E731 - 36 x²
    assert autograd.grad(f)(2.0) == 144.0
    assert autograd.grad(autograd.grad(f))(2.0) == 72.0


def test_under_no_grad_a_sum_is_a_leaf():
    xs = [Value(float(i)) for i in range(9)]
    with no_grad():
        s = sum(x * x for x in xs)
    assert s.parents == () and s.data == 204.0


def test_an_overflowing_sum_is_refused_naming_plus():
    xs = [Value(1e308) for _ in range(6)]
    with pytest.raises(OverflowError, match=r"^\+: "):
        sum(x * 1.0 for x in xs)


def test_a_sum_swapped_in_by_a_learner_stops_the_merging(monkeypatch):
    import dataclasses

    monkeypatch.setitem(autograd.OPS, "sum", dataclasses.replace(autograd.OPS["sum"]))
    xs = [Value(1.0) for _ in range(9)]
    assert ops(sum(xs)) == ["+"] * 9


def test_sums_built_in_threads_at_once_are_each_right():
    """Four chains of + merged into sums at once, for certain: each thread stops halfway
    through its chain (and again before its backward pass) until all four are there."""
    results, errors = {}, []
    halfway = threading.Barrier(4, timeout=10)

    def terms(xs):
        for i, x in enumerate(xs):
            if i == len(xs) // 2:
                halfway.wait()  # every chain half merged
            yield x * 1.0

    def build(k):
        try:
            xs = [Value(float(k * 100 + i)) for i in range(200)]
            s = sum(terms(xs))
            halfway.wait()
            s.backward()
            results[k] = (s.data, all(x.grad == 1.0 for x in xs), ops(s))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=build, args=(k,), daemon=True) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads) and errors == []
    alone = ops(sum(Value(1.0) * 1.0 for _ in range(200)))  # the shape one thread builds
    assert results == {k: (sum(float(k * 100 + i) for i in range(200)), True, alone)
                       for k in range(4)}


def test_a_term_of_a_merged_sum_used_again_gets_both_shares():
    """The merge takes terms with one consumer; a user may give one another afterwards, by
    reaching it through .parents. Its gradient is then the sum of both shares, in backward
    and in the reference walk, whichever share comes first."""
    xs = [Value(float(k) + 0.5, label=f"x{k}") for k in range(6)]
    s = sum(x * 2.0 for x in xs)
    merged = next(n for n in topo_order(s) if n.op == "sum")
    term = merged.parents[2]  # x2 * 2.0: until now its only consumer is the merged sum
    assert term.op == "*" and term.parents == (xs[2],)
    z = s * 3.0 - term * 5.0  # d z/d term = 3 - 5; through the sum first, or last:
    w = term * 5.0 + s * 3.0
    for root in (z, w):
        for x in xs:
            x.grad = 0.0
        root.backward()
        want = [6.0, 6.0, (3.0 - 5.0 if root is z else 5.0 + 3.0) * 2.0, 6.0, 6.0, 6.0]
        assert [x.grad for x in xs] == want
        walked = {st.node: st.grad for st in autograd.backward_steps(root)}
        assert [walked[x] for x in xs] == want
