"""autograd.compile: the compiled function equals value_and_grad, on every op and any graph.

The oracle is the engine itself: on every call a compiled function must return
what ``value_and_grad(f, argnums)`` returns, to the last bit (floats compared
with ==, nan with nan), and raise what it raises (type and message). Graphs are
drawn at random over every op of the table (hypothesis), with arguments in
argnums, numbers of the data and constants; the compiled function is then called
again with new numbers. The op table's code is held to its rules bit for bit,
and a new op without code fails a test here at once.
"""

from __future__ import annotations

import builtins
import math
import random
import re
import threading
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, CompileError, Value, compile, value_and_grad
from autograd.compiler.codegen import forward_text, local_text, namespace

# -- helpers ---------------------------------------------------------------------------------


def same(a, b):
    """Equal as value_and_grad's results are: floats to the bit (nan equal to nan)."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b)))
    if isinstance(a, float) and isinstance(b, float):  # a signed zero is not the other
        return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (
            math.isnan(a) and math.isnan(b))
    return a == b and type(a) is type(b)


def outcome(fn, *args):
    """('ok', result) or ('error', type, message)."""
    try:
        return ("ok", fn(*args))
    except Exception as error:  # noqa: BLE001 - the outcome itself is compared
        return ("error", type(error), str(error))


def assert_like_eager(compiled, f, argnums, *args):
    eager = outcome(value_and_grad(f, argnums), *args)
    got = outcome(compiled, *args)
    if eager[0] == "ok" and got[0] == "ok":
        assert same(got[1], eager[1]), (got[1], eager[1], args)
    else:
        assert got == eager, (got, eager, args)
    return eager


def arity(prim):
    return 1 if prim.nary else len(prim.derivatives)


# -- the op table's code ---------------------------------------------------------------------


def test_every_op_of_the_table_has_code_for_its_forward_and_each_derivative():
    # A new op fails here until its entry says how it is written as Python (the
    # compiled graph would still work, calling its rules, but not read as a derivation).
    for name, prim in OPS.items():
        assert prim.code, f"{name}: add code=(forward, one derivative per input) to its entry"
        assert len(prim.code) == (2 if prim.nary else 1 + arity(prim)), name


def _points(prim, rng):
    """Inputs for an op: ordinary numbers, numbers at its kinks and ties, and extremes."""
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-300, 710.0, -745.5, 1e308, 3.0]
    k = arity(prim)
    points = [[rng.uniform(-3, 3) for _ in range(k)] for _ in range(30)]
    points += [[rng.choice(special) for _ in range(k)] for _ in range(60)]
    if k == 2:
        points += [[x, x] for x in special]  # ties of maximum and minimum
    return points


def _run(text, names, values, space):
    try:
        return ("ok", eval(text, space, dict(zip(names, values))))  # noqa: S307 - our own code
    except Exception as error:  # noqa: BLE001
        return ("error", type(error).__name__)


def _same_or_both_fail(a, b):
    if a[0] == "error" or b[0] == "error":
        return a[0] == b[0]
    return same(float(a[1]), float(b[1])) if not isinstance(a[1], complex) else False


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_ops_code_computes_what_its_forward_and_rules_compute_to_the_bit(name):
    prim, rng = OPS[name], random.Random(name)
    space = namespace()
    if prim.nary:
        for n in range(0, 7):
            xs = [rng.uniform(-3, 3) for _ in range(n)]
            names = [f"x{k}" for k in range(n)]
            out = prim.forward(xs)
            assert same(_run(forward_text(prim, names, space), names, xs, space)[1], out)
            rules = prim.derivatives[0](out, xs)
            for i in range(n):
                got = _run(local_text(prim, i, names, "out", space), [*names, "out"],
                           [*xs, out], space)
                assert same(float(got[1]), float(rules[i])), (name, i, xs)
        return
    names = [f"x{k}" for k in range(arity(prim))]
    for xs in _points(prim, rng):
        want = outcome(prim.forward, *xs)
        got = _run(forward_text(prim, names, space), names, xs, space)
        assert _same_or_both_fail(got, ("ok", want[1]) if want[0] == "ok" else want), (xs, got)
        if want[0] != "ok" or not math.isfinite(want[1]):
            continue
        for i in range(arity(prim)):
            # as the engine: the rule, on the forward's value and the inputs
            rule = outcome(prim.derivatives[i], want[1], *xs)
            rule = ("ok", rule[1]) if rule[0] == "ok" else ("error", rule[1].__name__)
            # the same code with a literal in place of a number that is folded in
            for literal in [None, *range(arity(prim))]:
                if literal == i:
                    continue
                shown = [repr(x) if k == literal else n for k, (n, x) in
                         enumerate(zip(names, xs))]
                text = local_text(prim, i, [f"({s})" if s.startswith("-") else s
                                            for s in shown], "out", space)
                got = _run(text, [*names, "out"], [*xs, want[1]], space)
                assert _same_or_both_fail(got, rule), (name, i, xs, text, got, rule)


@pytest.mark.parametrize("name", sorted(p.name for p in OPS.values() if p.never_inf))
def test_the_ops_said_never_to_overflow_raise_rather_than_give_inf(name):
    # never_inf lets the compiled code skip checking these nodes' values: the engine
    # would have refused an inf, so the op must raise (or stay finite) by itself.
    prim = OPS[name]
    extremes = [1e308, -1e308, 1.7e308, -1.7e308, 5e-324, -5e-324, 0.0, 1.0, -1.0, 710.0, 1e16]
    for xs in ([[x] for x in extremes] if arity(prim) == 1 else
               [[x, y] for x in extremes for y in extremes]):
        try:
            out = prim.forward(*xs)
        except (ArithmeticError, ValueError):
            continue
        assert math.isfinite(out), (name, xs, out)


# -- every op compiles, on both sides of its kinks -----------------------------------------


def _apply(prim, args):
    if prim.nary:
        return autograd.apply(prim, *args)
    if not any(isinstance(a, Value) for a in args):
        args = [Value(args[0]), *args[1:]]  # a number of the data, made a leaf
    return autograd.apply(prim, *args)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("layout", ["values", "number first", "number last", "data"])
def test_every_op_compiles_and_equals_the_engine_on_new_numbers(name, layout):
    prim, rng = OPS[name], random.Random(f"{name}{layout}")
    k = 3 if prim.nary else arity(prim)
    if layout.startswith("number") and k == 1:
        layout = "values"  # one input: nothing to fold

    def f(w, d):
        args = list(w)
        if layout == "number first":
            args[0] = 0.75
        elif layout == "number last":
            args[-1] = -1.25
        elif layout == "data":
            args[-1] = d
        return _apply(prim, args) * 1.5

    c = compile(f)
    special = [0.0, 1.0, -1.0, 0.5, 2.0, -2.0]
    for _ in range(25):
        w = [rng.choice(special) if rng.random() < 0.3 else rng.uniform(-3, 3) for _ in range(k)]
        d = rng.choice(special) if rng.random() < 0.3 else rng.uniform(-3, 3)
        assert_like_eager(c, f, 0, w, d)
    assert c.traces <= 25


def test_relu_abs_maximum_minimum_branch_inside_the_compiled_code_on_every_call():
    def f(x, y):
        return x.relu() * 2 + (x - 1).abs() + autograd.maximum(x, y) - autograd.minimum(x, y)

    c = compile(f, argnums=(0, 1))
    for x, y in [(0.5, 0.25), (-0.5, 0.25), (2.0, 3.0), (-3.0, -4.0), (0.0, 0.0), (1.0, 1.0),
                 (0.25, 0.25), (-0.0, 0.0)]:
        assert_like_eager(c, f, (0, 1), x, y)
    assert c.traces == 1, "a relu on either side must not need a second graph"
    assert " if " in c.source and "relu'" in c.source


# -- random graphs ---------------------------------------------------------------------------

N_ARGS, N_DATA = 3, 2
CONSTANTS = [-1.5, 0.5, 2.0, 3.0]


def _leaf():
    return st.one_of(st.tuples(st.just("arg"), st.integers(0, N_ARGS - 1)),
                     st.tuples(st.just("data"), st.integers(0, N_DATA - 1)),
                     st.tuples(st.just("const"), st.sampled_from(CONSTANTS)))


def _extend(children):
    fixed = [n for n, p in sorted(OPS.items()) if not p.nary]
    unary = [n for n in fixed if arity(OPS[n]) == 1]
    binary = [n for n in fixed if arity(OPS[n]) == 2]
    nary = [n for n, p in sorted(OPS.items()) if p.nary]
    return st.one_of(
        st.tuples(st.sampled_from(unary), children),
        st.tuples(st.sampled_from(binary), children, children),
        st.tuples(st.sampled_from(nary), st.lists(children, min_size=0, max_size=5)),
        # a Python branch on a number: if cond then a else b, the test read three ways
        st.tuples(st.just("if"), st.sampled_from(["data", "compare", "float"]),
                  children, children, children),
    )


GRAPHS = st.recursive(_leaf(), _extend, max_leaves=16)


def _evaluate(tree, args, data):
    kind = tree[0]
    if kind == "arg":
        return args[tree[1]]
    if kind == "data":
        return data[tree[1]]
    if kind == "const":
        return tree[1]
    if kind == "if":
        how, test, then, other = tree[1:]
        x = _evaluate(test, args, data)
        if isinstance(x, Value):
            x = {"data": x.data, "compare": x, "float": float(x)}[how]
        return _evaluate(then if x > 0.25 else other, args, data)
    prim = OPS[kind]
    if prim.nary:
        items = [_evaluate(t, args, data) for t in tree[1]]
        if prim.name == "dot":
            items = items[: len(items) // 2 * 2 + (len(items) % 2)]
        return autograd.apply(prim, *items) if items else autograd.apply(prim)
    return _apply(prim, [_evaluate(t, args, data) for t in tree[1:]])


NUMBERS = st.one_of(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0]),
                    st.floats(-3, 3, allow_nan=False, allow_infinity=False))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=GRAPHS, calls=st.lists(st.tuples(st.lists(NUMBERS, min_size=N_ARGS, max_size=N_ARGS),
                                             st.lists(NUMBERS, min_size=N_DATA, max_size=N_DATA)),
                                   min_size=2, max_size=5))
def test_random_graphs_over_every_op_compile_to_what_the_engine_computes(tree, calls):
    # with Python branches on numbers among the ops: a call that branches another way
    # than a kept graph must never run that graph
    def f(a0, a1, a2, d0, d1):
        out = _evaluate(tree, [a0, a1, a2], [d0, d1])
        return out if isinstance(out, Value) else Value(1.0) * out

    argnums = (0, 1, 2)
    c = compile(f, argnums)
    for args, data in calls:
        assert_like_eager(c, f, argnums, *args, *data)


# -- what may change between calls ------------------------------------------------------------


def test_the_data_changes_the_code_does_not():
    def loss(w, x, y):
        p = autograd.dot(w[:2], x, w[2])
        return 0.5 * (p.tanh() - y) ** 2

    c = compile(loss)
    rng = random.Random(0)
    for _ in range(20):
        w = [rng.uniform(-1, 1) for _ in range(3)]
        x = [rng.uniform(-2, 2) for _ in range(2)]
        assert_like_eager(c, loss, 0, w, x, rng.uniform(-1, 1))
    assert c.traces == 1


def test_arguments_of_every_kind_as_value_and_grad_takes_them():
    def f(a, b, xs, n, name):
        y = a * b + autograd.sum(xs) if name == "sum" else a * b
        return y * n

    for argnums in [0, 1, (0, 1), [1, 0], -4, (0, 0)]:
        c = compile(f, argnums)
        for args in [(2.0, 3.0, [1.0, 2.0], 2, "sum"), (1.5, -1.0, (0.5, 0.25), 2, "sum"),
                     (2.0, 3.0, [1.0, 2.0], 3, "sum"), (2.0, 3.0, [1.0, 2.0], 3, "no"),
                     (2, 3.0, [1.0, 2.0], 3, "no"), (2.0, 3.0, [1.0], 3, "sum")]:
            assert_like_eager(c, f, argnums, *args)


def test_list_arguments_give_list_gradients_and_ints_become_floats():
    def f(w, x):
        return autograd.dot(w, x).tanh()

    c = compile(f)
    assert_like_eager(c, f, 0, [0.5, -0.5], [1.0, 2.0])
    assert_like_eager(c, f, 0, [1, 2], [1.0, 2.0])
    assert_like_eager(c, f, 0, (0.5, 0.25), (1.0, 2.0))
    for _ in range(3):
        assert_like_eager(c, f, 0, [], [])
    assert c.traces == 2
    value, grads = c([0.5, -0.5], [1.0, 2.0])
    assert isinstance(value, float) and isinstance(grads, list)


@pytest.mark.parametrize("bad", [True, "1.0", None, float("nan"), float("inf"), [1.0], 10**400])
def test_bad_arguments_are_refused_as_value_and_grad_refuses_them(bad):
    def f(w, x):
        return w * x

    c = compile(f)
    c(1.0, 2.0)
    assert assert_like_eager(c, f, 0, bad, 2.0)[0] == "error" or bad == [1.0]
    assert_like_eager(c, f, 0, [1.0, bad], 2.0)
    assert_like_eager(c, f, 0, 1.0, bad)
    assert_like_eager(c, f, 0, 3.0, 2.0)  # and it still works after


def test_values_f_closes_over_are_read_on_every_call():
    w = Value(2.0, label="w")
    c = compile(lambda x: (w * x).tanh())
    first = c(0.5)
    w.data = -1.0
    assert same(c(0.5), value_and_grad(lambda x: (w * x).tanh())(0.5))
    assert c(0.5) != first and c.traces == 1
    assert w.grad == 0.0


def test_a_node_made_before_f_is_read_as_the_engine_reads_it():
    a = Value(2.0, label="a")
    b = (a * 3.0).tanh()  # made before f: the engine reads its .data, never recomputes it
    c = compile(lambda x: x * b + x * a)
    assert same(c(0.5), value_and_grad(lambda x: x * b + x * a)(0.5))
    a.data = -1.0  # b is not recomputed by either
    assert same(c(0.5), value_and_grad(lambda x: x * b + x * a)(0.5))
    assert "= tanh(" not in c.source and c.traces == 1


def test_a_number_of_the_data_in_a_leaf_or_folded_follows_the_data():
    def f(w, x):
        a = Value(x * 2.0)  # a leaf made from the data
        return w * a + w * (x - 1.0) + autograd.maximum(w, x)

    c = compile(f)
    for w, x in [(1.0, 2.0), (1.0, 3.0), (-2.0, 0.5), (4.0, 4.0)]:
        assert_like_eager(c, f, 0, w, x)
    assert c.traces == 1


def test_has_aux_returns_the_aux_as_floats_as_jax_does():
    def f(w, x):
        p = [w * x, w + x]
        return (p[0] - 1.0) ** 2, (p, x * 2.0, 3)

    c = compile(f, has_aux=True)
    for w, x in [(3.0, 2.0), (1.0, -1.0)]:
        (value, aux), grad = c(w, x)
        assert value == (w * x - 1.0) ** 2 and grad == 2 * (w * x - 1.0) * x
        assert aux == ([w * x, w + x], x * 2.0, 3.0)
    with pytest.raises(TypeError, match="pair"):
        compile(lambda w: w * 2, has_aux=True)(1.0)


# -- a graph that would change shape ----------------------------------------------------------


@pytest.mark.parametrize("branch", [
    lambda x: x * x if x.data > 0 else x * 3.0,  # the issue's own example
    lambda x: x * x if x > 0 else x * 3.0,
    lambda x: x * x if (x * 2).data > 0 else x * 3.0,
    lambda x: x * x if max([x, x * 0.5]).data > 0 else x * 3.0,
])
def test_a_python_branch_on_the_data_is_guarded_and_traced_again(branch):
    c = compile(branch)
    for x in [2.0, -1.0, 3.0, -4.0, 0.0]:
        assert_like_eager(c, branch, 0, x)
    assert 2 <= c.traces == len(c.sources) <= 3  # max compares x with x·0.5 too
    assert "raise _Mismatch(0)" in c.source


def test_a_branch_on_a_number_of_the_data_is_guarded_too():
    def f(w, x):
        return w * x if x > 1.0 else w - x

    c = compile(f)
    for x in [2.0, 0.5, 3.0, -1.0]:
        assert_like_eager(c, f, 0, 1.5, x)
    assert c.traces == 2


def test_a_number_turned_into_a_plain_float_pins_the_code_to_it():
    def f(w, x):
        return w * math.exp(x) + w * float(x)  # numbers the graph cannot see computed

    c = compile(f)
    for x in [0.5, 1.5, 0.5]:
        assert_like_eager(c, f, 0, 2.0, x)
    assert "raise _Mismatch(" in c.source  # pinned: checked on every call


def test_a_number_the_engine_took_but_no_node_holds_pins_the_code_too():
    def f(w, x):
        number = autograd.errors.as_float(x, "f")  # converted inside autograd ...
        return w * (number * 2.0)  # ... then computed with in Python: a constant to the graph

    c = compile(f)
    for x in [0.5, 1.5, 0.5]:
        assert_like_eager(c, f, 0, 2.0, x)
    assert "raise _Mismatch(" in c.source  # pinned: checked on every call


def test_a_graph_that_keeps_changing_stops_tracing_warns_once_and_runs_eagerly(monkeypatch):
    monkeypatch.setattr(autograd.compiler.compiled, "FREE_TRACES", 0)
    monkeypatch.setattr(autograd.compiler.compiled, "SLACK", 0.0)  # tracing never pays

    def f(w, x):
        return w * float(x)  # pinned: a graph per x

    c = compile(f)
    with pytest.warns(autograd.CompileWarning, match=r"x == 0\.0 \(it was True.*keeps changing"):
        for k in range(40):
            assert same(c(1.0, float(k)), (float(k), float(k)))
    assert c.traces < 5 and c.eager_calls > 30 and c.calls == 40  # no CompileError ever
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once
        assert same(c(2.0, 0.0), value_and_grad(f)(2.0, 0.0))
        assert same(c(2.0, 7.0), value_and_grad(f)(2.0, 7.0))


def test_an_argument_that_keeps_changing_is_named_in_the_warning(monkeypatch):
    monkeypatch.setattr(autograd.compiler.compiled, "FREE_TRACES", 0)
    monkeypatch.setattr(autograd.compiler.compiled, "SLACK", 0.0)

    def f(w, tokens):
        return autograd.sum([w * t for t in tokens])

    c = compile(f)
    with pytest.warns(autograd.CompileWarning, match="argument 'tokens' keeps changing"):
        for n in range(1, 30):
            assert same(c(1.5, list(range(n))), value_and_grad(f)(1.5, list(range(n))))


def test_graphs_are_kept_least_recently_used_first_and_never_refused(monkeypatch):
    monkeypatch.setattr(autograd.compiler.compiled, "MAX_GRAPHS", 3)
    monkeypatch.setattr(autograd.compiler.compiled, "SLACK", 1e9)  # always worth a trace here

    def f(w, n):
        return w * n

    c = compile(f)
    for n in [1, 1, 2, 2, 3, 3, 4, 4]:  # a kind of call seen once runs eagerly
        assert same(c(2.0, n), value_and_grad(f)(2.0, n))
    assert len(c.sources) == 3 and c.traces == 4 and c.eager_calls == 3  # 1 dropped
    c(2.0, 2)
    assert c.traces == 4  # kept
    c(2.0, 1)
    assert c.traces == 5 and len(c.sources) == 3  # dropped: traced again


@pytest.mark.parametrize("body, words", [
    (lambda w: (w * w, (w * w).backward(), w.grad)[2] * w, "reads .grad"),
    (lambda w: setattr(w, "data", 1.0) or w * 2, "sets .data"),
    (lambda w: w * (w * 3.0).args[1], "reads .args"),
])
def test_what_compile_cannot_follow_is_refused(body, words):
    with pytest.raises(CompileError, match=words):
        compile(body)(2.0)


def test_an_object_that_cannot_be_compared_later_is_refused():
    with pytest.raises(CompileError, match="hashable"):
        compile(lambda w, d: w * d["k"])(2.0, {"k": 3.0})


# -- errors as the engine's -----------------------------------------------------------------


@pytest.mark.parametrize("f, good, bad", [
    (lambda x: (x - 1.0).log(), 3.0, 0.5),
    (lambda x: x.sqrt(), 4.0, 0.0),
    (lambda x: (x * 1000.0).exp(), 0.1, 1.0),
    (lambda x: 1.0 / (x - 2.0), 3.0, 2.0),
    (lambda x: (x * 1e200) * (x * 1e200), 1e-200, 1.0),
    (lambda x: autograd.atan2(x, x), 1.0, 0.0),
    (lambda x: (x * x).asin(), 0.5, 1.0),
])
def test_a_number_the_engine_refuses_raises_the_engines_error(f, good, bad):
    c = compile(f)
    assert_like_eager(c, f, 0, good)
    error = assert_like_eager(c, f, 0, bad)
    assert error[0] == "error" and ("with operands" in error[2] or "gradient" in error[2])
    assert_like_eager(c, f, 0, good)


def test_a_nan_that_a_relu_would_hide_is_still_refused():
    def f(w, x):
        big = w * x * 1e300  # overflows to inf for large w
        return (-big).relu() + w

    c = compile(f)
    assert_like_eager(c, f, 0, 1.0, 1.0)
    assert assert_like_eager(c, f, 0, 1e10, 1.0)[0] == "error"


def test_a_gradient_no_argument_needs_is_still_refused_when_infinite():
    def f(w, x):
        p = w * Value(x)  # d/dx of p is w: 1e200·1e200 overflows, d/dw does not
        return p * 1e200

    c = compile(f)
    assert_like_eager(c, f, 0, 1.0, 1.0)
    assert assert_like_eager(c, f, 0, 1e200, 1e-200)[0] == "error"


def test_an_infinite_gradient_is_what_the_engine_gives():
    def f(x):
        return (x * 1e300) * 1e10 * 1e-300 * 1e300

    c = compile(f)
    assert_like_eager(c, f, 0, 1e-300)


# -- the source -------------------------------------------------------------------------------


def _sections(source):
    lines = source.splitlines()
    start = next(k for k, line in enumerate(lines) if "# forward" in line)
    middle = next(k for k, line in enumerate(lines) if "# reverse" in line)
    end = next(k for k, line in enumerate(lines) if "# checks" in line)
    return lines[start + 1: middle], lines[middle + 1: end]


def test_the_source_compiles_with_a_line_per_node_and_a_line_per_edge():
    def f(w01, w12, x, y):
        q1 = (w01 * x).tanh()
        q2 = (w12 * q1).sigmoid()
        return 0.5 * (q2 - y) ** 2 + q1 * q2

    c = compile(f, argnums=(0, 1))
    c(0.5, -0.3, 1.0, 0.2)
    builtins.compile(c.source, "<test>", "exec")
    forward, reverse = _sections(c.source)
    y = f(*(Value(v, label=n) for v, n in [(0.5, "w01"), (-0.3, "w12")]), 1.0, 0.2)
    nodes = [n for n in autograd.forward_order(y) if n.parents]
    edges = [(n, p) for n in nodes for p in n.parents if p.label != "x"]
    assert len(forward) == len(nodes)
    assert len([line for line in reverse if "=" in line]) == len(edges) + 1  # + the seed
    names = autograd.node_names(autograd.forward_order(y))
    trace = autograd.trace_text(y, grads=False)
    for node in nodes:  # named as trace_text names them (mul#2 as mul_2), computed as it writes
        assert any(line.strip().startswith(f"{names[node].replace('#', '_')} = ")
                   for line in forward)
        assert re.search(rf"^  {re.escape(names[node])} +=", trace, re.M), names[node]


def test_the_source_names_nodes_by_their_labels_where_python_can():
    def f(w):
        p = w * 2.0
        p.label = "p1"
        q = p.tanh()
        q.label = "for"  # a keyword: not a name the code can use
        return q

    c = compile(f)
    c(0.5)
    assert "p1 = w * 2.0" in c.source and "g_p1 =" in c.source
    assert "for =" not in c.source


def test_source_before_the_first_call_says_so():
    with pytest.raises(ValueError, match="not been called"):
        _ = compile(lambda x: x).source


# -- more than one thread, nesting -----------------------------------------------------------


def test_threads_trace_and_call_at_once_and_value_is_restored_after():
    results, errors = [], []

    def work(seed):
        try:
            rng = random.Random(seed)
            c = compile(lambda w, x: (w * x).tanh() if x > 0 else (w - x).sin())
            for _ in range(50):
                args = (rng.uniform(-2, 2), rng.uniform(-2, 2))
                results.append(same(c(*args), value_and_grad(c._f)(*args)))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(results) and len(results) == 200
    assert type(Value.__dict__["data"]).__name__ == "member_descriptor"
    assert Value.__lt__.__qualname__ == "Value.__lt__"


def test_inside_another_derivative_the_call_is_value_and_grads():
    c = compile(lambda x: x * x * x)
    c(2.0)
    outer = autograd.grad(lambda x: c(x)[1])(2.0)  # d/dx 3x² = 6x
    assert outer == 12.0


def test_derivatives_taken_inside_f_are_compiled_too():
    def f(w, x):
        inner = autograd.gradients(w * w * x, w) + autograd.grad(lambda v: v.sin() * x)(w)
        return w * inner  # d/dw [w·(2wx + x·cos w)]

    c = compile(f)
    for w, x in [(0.5, 2.0), (-1.5, 0.25)]:
        assert_like_eager(c, f, 0, w, x)
    assert c.traces == 1


def test_f_runs_only_when_traced():
    calls = []

    def f(x):
        calls.append(1)
        return x * 2

    c = compile(f)
    for x in [1.0, 2.0, 3.0]:
        c(x)
    # recorded and run eagerly (the recording checked against it); the code written at the
    # second call is checked against an eager run once more; the third call runs the code
    assert len(calls) == 3


def test_an_op_of_ones_own_without_code_compiles_by_calling_its_rules():
    cube = autograd.register(autograd.Primitive(
        name="cube", forward=lambda x: x ** 3, derivatives=(lambda out, x: 3 * x * x,),
        symbols=("3·{0}²",), formulas=("(x³)' = 3x²",), text="cube({0})"))

    def f(x):
        return autograd.apply(cube, x.tanh()) * 2

    c = compile(f)
    for x in [0.5, -1.5]:
        assert_like_eager(c, f, 0, x)
    assert re.search(r"_forward_cube\(", c.source) and "_rule0_cube(" in c.source


def test_an_n_ary_op_of_ones_own_without_code_calls_its_rule_once_per_node():
    def product(xs):
        out = 1.0
        for x in xs:
            out *= x
        return out

    prod = autograd.register(autograd.Primitive(
        name="prod", forward=product, nary=True,
        derivatives=(lambda out, xs: tuple(product(xs[:i] + xs[i + 1:]) for i in range(len(xs))),),
        symbols=(lambda i, names, out: "∂",), formulas=("d(Π xⱼ)/dxᵢ = Π_{j≠i} xⱼ",),
        text="prod({args})"))

    def f(ws, x):
        return autograd.apply(prod, *ws, x, 2.0).tanh()

    c = compile(f)
    for ws, x in [([0.5, -1.0, 2.0], 0.25), ([1.5, 0.5, -0.5], -2.0)]:
        assert_like_eager(c, f, 0, ws, x)
    assert c.source.count("_rule0_prod(") == 1


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(st.sampled_from(
    ["x", "w", "g_x", "g1", "v1", "v2", "_c0", "for", "len", "tanh", "p₁", "p1", "a b", "",
     "sum", "float", "w_0", "g_w_0", "x_0", "_sum", "None", "C", "g_C"]), min_size=6, max_size=6))
def test_any_labels_give_code_that_compiles_and_computes_the_same(labels):
    def f(w, x):
        nodes = [w[0] * x[0], w[1].tanh(), None, None, None, None]
        nodes[2] = nodes[0] + nodes[1]
        nodes[3] = nodes[2].relu() * w[0]
        nodes[4] = autograd.dot(w, x, nodes[3])
        nodes[5] = nodes[4].sigmoid()
        for node, label in zip(nodes, labels):
            node.label = label
        w[0].label = labels[0]
        return nodes[5]

    c = compile(f)
    for args in [([0.5, -1.0], [2.0, 1.5]), ([-0.5, 0.25], [1.0, -3.0])]:
        assert_like_eager(c, f, 0, *args)
    builtins.compile(c.source, "<labels>", "exec")


@pytest.mark.parametrize("code, kind", [(["x"], TypeError), (("x",), ValueError),
                                        (("x", "1.0", "2.0"), ValueError)])
def test_an_entry_with_code_of_the_wrong_shape_is_refused_where_it_is_written(code, kind):
    with pytest.raises(kind, match="code"):
        autograd.Primitive(name="cube", forward=lambda x: x ** 3,
                           derivatives=(lambda out, x: 3 * x * x,), symbols=("3·{0}²",),
                           formulas=("(x³)' = 3x²",), text="cube({0})", code=code)


def test_compile_refuses_what_is_not_a_function_or_a_setting_and_calls_like_eager():
    with pytest.raises(TypeError, match="callable"):
        compile(3.0)
    with pytest.raises(TypeError, match="argnums"):
        compile(lambda x: x, argnums="0")
    with pytest.raises(TypeError, match="has_aux"):
        compile(lambda x: x, has_aux=1)
    c = compile(lambda x, y: x * y)
    assert_like_eager(c, lambda x, y: x * y, 0)  # no arguments: value_and_grad's IndexError
    assert_like_eager(c, lambda x, y: x * y, 0, 2.0)
    with pytest.raises(TypeError):
        c(x=1.0, y=2.0)
