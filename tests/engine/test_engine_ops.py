"""Every entry of the primitive table, checked three ways.

For each op in ``autograd.OPS`` (parametrised over the table itself, so a new
op is tested the moment it is added): the forward against the maths, each
recorded local derivative against a hand-written analytic formula kept here,
independent of ``ops.py``, and against central differences of the engine's own
forward, at several points inside the op's domain. Then the same with plain
numbers folded into the node (``v + 2``, ``2 ** v``, ``3 / v`` ...).

A new op without a formula here fails ``test_every_op_has_a_hand_formula``.
"""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import OPS, Value

# -- the maths, written out by hand, one entry per op -------------------------
#
# f: the forward on floats; d: one analytic derivative per input (for the
# n-ary ops, a function returning the whole tuple); points: inputs inside the
# domain (kinks and domain edges excluded); apply: how a user applies the op
# to Values (and plain numbers).


def _tanh(x):
    return math.sinh(x) / math.cosh(x)


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _pow(x, n):
    if x > 0:
        return math.exp(n * math.log(x))
    assert float(n).is_integer()
    return (-1) ** int(n) * math.exp(n * math.log(-x))


def _dot_apply(*xs):
    # an odd count: the last input is the bias, p = w·q + b
    n = len(xs) // 2
    if len(xs) % 2:
        return autograd.dot(list(xs[:n]), list(xs[n : 2 * n]), xs[-1])
    return autograd.dot(list(xs[:n]), list(xs[n:]))


def _dot_f(*xs):
    n = len(xs) // 2
    total = 0.0
    for w, q in zip(xs[:n], xs[n : 2 * n]):
        total += w * q
    return total + (xs[-1] if len(xs) % 2 else 0.0)


def _dot_d(*xs):
    n = len(xs) // 2
    return tuple(xs[n : 2 * n]) + tuple(xs[:n]) + (1.0,) * (len(xs) % 2)


SPEC = {
    "+": dict(
        apply=lambda a, b: a + b,
        f=lambda a, b: a + b,
        d=(lambda a, b: 1.0, lambda a, b: 1.0),
        points=[(1.5, -2.0), (0.3, 0.7), (-4.0, 2.5), (0.0, 3.0)],
    ),
    "-": dict(
        apply=lambda a, b: a - b,
        f=lambda a, b: a + (-1.0) * b,
        d=(lambda a, b: 1.0, lambda a, b: -1.0),
        points=[(1.5, -2.0), (0.3, 0.7), (-4.0, 2.5), (0.0, 3.0)],
    ),
    "*": dict(
        apply=lambda a, b: a * b,
        f=lambda a, b: a * b,
        d=(lambda a, b: b, lambda a, b: a),
        points=[(1.5, -2.0), (0.3, 0.7), (-4.0, 2.5), (0.0, 3.0)],
    ),
    "/": dict(
        apply=lambda a, b: a / b,
        f=lambda a, b: a * b**-1,
        d=(lambda a, b: 1.0 / b, lambda a, b: -a / (b * b)),
        points=[(1.5, -2.0), (0.3, 0.7), (-4.0, 2.5), (0.0, 3.0), (7.0, 0.01)],
    ),
    "neg": dict(
        apply=lambda x: -x,
        f=lambda x: 0.0 - x,
        d=(lambda x: -1.0,),
        points=[(-1.3,), (0.0,), (2.5,)],
    ),
    "**": dict(
        apply=lambda x, n: x**n,
        f=_pow,
        d=(lambda x, n: n * _pow(x, n - 1), lambda x, n: math.log(x) * _pow(x, n)),
        points=[(2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.7, 2.2), (0.9, 0.0)],
    ),
    "exp": dict(
        apply=lambda x: x.exp(),
        f=lambda x: math.e**x,
        d=(lambda x: math.e**x,),
        points=[(-2.0,), (0.0,), (1.5,), (5.0,), (700.0,)],
    ),
    "log": dict(
        apply=lambda x: x.log(),
        f=lambda x: math.log2(x) / math.log2(math.e),
        d=(lambda x: 1.0 / x,),
        points=[(0.1,), (1.0,), (2.5,), (100.0,)],
    ),
    "tanh": dict(
        apply=lambda x: x.tanh(),
        f=_tanh,
        d=(lambda x: 1.0 / math.cosh(x) ** 2,),
        points=[(-2.0,), (0.0,), (0.5,), (3.0,)],
    ),
    "sigmoid": dict(
        apply=lambda x: x.sigmoid(),
        f=_sigmoid,
        # σ' is even: e^-|x| / (1 + e^-|x|)², written so it never overflows
        d=(lambda x: math.exp(-abs(x)) / (1.0 + math.exp(-abs(x))) ** 2,),
        points=[(-30.0,), (-2.0,), (0.0,), (0.5,), (3.0,), (30.0,)],
    ),
    "relu": dict(
        apply=lambda x: x.relu(),
        f=lambda x: max(x, 0.0),
        d=(lambda x: 1.0 if x > 0 else 0.0,),
        points=[(-1.5,), (0.7,), (2.0,), (-1e-3,)],
    ),
    "abs": dict(
        apply=lambda x: abs(x),
        f=lambda x: math.sqrt(x * x),
        d=(lambda x: x / math.sqrt(x * x),),
        points=[(-1.5,), (0.7,), (2.0,), (-1e-3,)],
    ),
    "sqrt": dict(
        apply=lambda x: x.sqrt(),
        f=lambda x: x**0.5,
        d=(lambda x: 0.5 * x**-0.5,),
        points=[(0.01,), (1.0,), (2.0,), (50.0,)],
    ),
    "sum": dict(
        apply=lambda *xs: autograd.sum(xs),
        f=lambda *xs: math.fsum(xs),
        d=lambda *xs: (1.0,) * len(xs),
        points=[(1.0,), (1.0, -2.0), (1.0, -2.0, 3.5), (0.1, 0.2, 0.3, -4.0, 5.0, 6.0, 7.0)],
    ),
    "dot": dict(
        apply=_dot_apply,
        f=_dot_f,
        d=_dot_d,
        points=[(2.0, 3.0), (1.0, -2.0, 0.5, 4.0), (0.3, -1.2, 2.0, 1.5, -0.5, 0.25),
                (2.0, 3.0, -0.5), (0.3, -1.2, 2.0, 1.5, 0.75)],
    ),
}

NARY = {"sum", "dot"}


def _analytic(name, point):
    d = SPEC[name]["d"]
    if callable(d):
        return tuple(float(v) for v in d(*point))
    return tuple(float(rule(*point)) for rule in d)


def _numeric(name, point):
    """Central differences of the engine's own forward, input by input."""
    apply = SPEC[name]["apply"]
    return autograd.numerical_grad(lambda *vs: apply(*vs), point, eps=1e-6)


def _cases():
    return [(name, p) for name in sorted(OPS) if name in SPEC for p in SPEC[name]["points"]]


def test_every_op_has_a_hand_formula():
    assert set(SPEC) == set(OPS), (
        "tests/engine/test_engine_ops.py needs a hand-written formula for every op: "
        f"missing {sorted(set(OPS) - set(SPEC))}, stale {sorted(set(SPEC) - set(OPS))}"
    )


def test_table_entries_are_well_formed():
    for name, prim in OPS.items():
        assert prim.name == name
        assert callable(prim.forward)
        assert prim.derivs and all(callable(r) for r in prim.derivs)
        if prim.nary:
            assert len(prim.derivs) == 1
        else:
            assert len(prim.derivs) == len(prim.symbols) == len(prim.rules)
        assert prim.text


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_forward_and_local_derivatives(name):
    assert name in SPEC, f"no hand formula for op {name!r}"
    spec = SPEC[name]
    for point in spec["points"]:
        leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
        out = spec["apply"](*leaves)
        where = f"op {name!r} at {point}"
        # one node of this op, whose parents are exactly the inputs, in order
        assert isinstance(out, Value), where
        assert out.op == name, where
        assert len(out.parents) == len(leaves), where
        assert all(p is v for p, v in zip(out.parents, leaves)), where
        assert len(out.local_grads) == len(leaves), where
        assert all(type(g) is float for g in out.local_grads), where
        assert type(out.data) is float, where
        assert out.grad == 0.0 and out.label == ""
        # forward against the maths
        assert out.data == pytest.approx(spec["f"](*point), rel=1e-12, abs=1e-12), where
        # local derivatives against the hand formula and central differences
        analytic = _analytic(name, point)
        numeric = _numeric(name, point)
        for i, (local, a, n) in enumerate(zip(out.local_grads, analytic, numeric)):
            assert local == pytest.approx(a, rel=1e-12, abs=1e-12), f"{where}, input {i}"
            assert local == pytest.approx(n, rel=1e-6, abs=1e-6), f"{where}, input {i}"
        # backward through the single node hands each leaf its local derivative
        out.backward()
        assert out.grad == 1.0
        for i, (leaf, a) in enumerate(zip(leaves, analytic)):
            assert leaf.grad == pytest.approx(a, rel=1e-12, abs=1e-12), f"{where}, input {i}"


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_table_rules_agree_with_the_nodes(name):
    """The node's .local_grads are the table's rules evaluated at the forward values."""
    from autograd.ops import local_derivatives

    prim = OPS[name]
    for point in SPEC[name]["points"]:
        out = SPEC[name]["apply"](*[Value(x) for x in point])
        expected = local_derivatives(prim, out.data, tuple(point), tuple(range(len(point))))
        assert tuple(float(g) for g in expected) == pytest.approx(out.local_grads, rel=1e-12)


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_rules_also_run_on_values(name):
    """The issue asks that the same rule can be evaluated on Values (later: higher order)."""
    from autograd.ops import local_derivatives

    prim = OPS[name]
    for point in SPEC[name]["points"]:
        out = SPEC[name]["apply"](*[Value(x) for x in point])
        on_values = local_derivatives(
            prim, Value(out.data), tuple(Value(x) for x in point), tuple(range(len(point)))
        )
        assert [float(g) for g in on_values] == pytest.approx(list(out.local_grads), rel=1e-12)


# -- plain numbers folded into the node ---------------------------------------
#
# (description, how it is written, the Value's data, forward, d/d(the Value))
FOLDED = [
    ("v + 2", lambda v: v + 2, 1.5, lambda x: x + 2, lambda x: 1.0),
    ("2 + v", lambda v: 2 + v, 1.5, lambda x: 2 + x, lambda x: 1.0),
    ("v + 0.25", lambda v: v + 0.25, -3.0, lambda x: x + 0.25, lambda x: 1.0),
    ("v - 2", lambda v: v - 2, 1.5, lambda x: x - 2, lambda x: 1.0),
    ("2 - v", lambda v: 2 - v, 1.5, lambda x: 2 - x, lambda x: -1.0),
    ("v * 3", lambda v: v * 3, -1.5, lambda x: 3 * x, lambda x: 3.0),
    ("3 * v", lambda v: 3 * v, -1.5, lambda x: 3 * x, lambda x: 3.0),
    ("v * 0.5", lambda v: v * 0.5, 4.0, lambda x: 0.5 * x, lambda x: 0.5),
    ("v / 4", lambda v: v / 4, 3.0, lambda x: x / 4, lambda x: 0.25),
    ("3 / v", lambda v: 3 / v, 1.5, lambda x: 3 / x, lambda x: -3 / x**2),
    ("3 / v (v < 0)", lambda v: 3 / v, -0.5, lambda x: 3 / x, lambda x: -3 / x**2),
    ("v ** 3", lambda v: v**3, 1.5, lambda x: x * x * x, lambda x: 3 * x * x),
    ("v ** 3 (v < 0)", lambda v: v**3, -1.5, lambda x: x * x * x, lambda x: 3 * x * x),
    ("v ** 2 (v < 0)", lambda v: v**2, -2.5, lambda x: x * x, lambda x: 2 * x),
    ("v ** -2", lambda v: v**-2, 0.5, lambda x: 1 / (x * x), lambda x: -2 / x**3),
    ("v ** 0.5", lambda v: v**0.5, 2.0, math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    ("v ** 1.5", lambda v: v**1.5, 2.0, lambda x: x * math.sqrt(x), lambda x: 1.5 * math.sqrt(x)),
    ("2 ** v", lambda v: 2**v, 1.5, lambda x: math.exp(x * math.log(2)),
     lambda x: math.log(2) * 2**x),
    ("2 ** v (v < 0)", lambda v: 2**v, -0.7, lambda x: math.exp(x * math.log(2)),
     lambda x: math.log(2) * 2**x),
    ("0.5 ** v", lambda v: 0.5**v, 3.0, lambda x: 0.125, lambda x: math.log(0.5) * 0.125),
    ("e ** v", lambda v: math.e**v, 1.0, lambda x: math.e, lambda x: math.e),
]


@pytest.mark.parametrize("text, write, x, f, df", FOLDED, ids=[c[0] for c in FOLDED])
def test_folded_constant(text, write, x, f, df):
    v = Value(x, label="v")
    out = write(v)
    # one node with the Value as its only parent: the number is not a leaf
    assert out.parents == (v,) and out.parents[0] is v, text
    assert len(out.local_grads) == 1
    assert out.data == pytest.approx(f(x), rel=1e-12), text
    assert out.local_grads[0] == pytest.approx(df(x), rel=1e-12), text
    (numeric,) = autograd.numerical_grad(lambda u: write(u), [x])
    assert out.local_grads[0] == pytest.approx(numeric, rel=1e-6, abs=1e-8), text
    out.backward()
    assert v.grad == pytest.approx(df(x), rel=1e-12), text


@pytest.mark.parametrize(
    "name", sorted(n for n in OPS if n in SPEC and not OPS[n].nary and len(SPEC[n]["d"]) == 2)
)
def test_binary_op_with_a_number_on_either_side(name):
    """Every binary op folds a number on the left or the right into one node."""
    spec = SPEC[name]
    for a, b in spec["points"]:
        d0, d1 = _analytic(name, (a, b))
        left = spec["apply"](Value(a, label="a"), b)
        assert left.op == name and len(left.parents) == 1 and left.parents[0].label == "a"
        assert left.data == pytest.approx(spec["f"](a, b), rel=1e-12, abs=1e-12)
        assert left.local_grads == pytest.approx((d0,), rel=1e-12, abs=1e-12)
        right = spec["apply"](a, Value(b, label="b"))
        assert right.op == name and len(right.parents) == 1 and right.parents[0].label == "b"
        assert right.data == pytest.approx(spec["f"](a, b), rel=1e-12, abs=1e-12)
        assert right.local_grads == pytest.approx((d1,), rel=1e-12, abs=1e-12)


def test_sum_and_dot_fold_numbers():
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    s = autograd.sum([x, 2, y, 0.5])
    assert s.op == "sum" and s.parents == (x, y) and s.data == pytest.approx(2.0)
    assert s.local_grads == (1.0, 1.0)

    w1, w2, q = Value(2.0), Value(3.0), Value(-1.0)
    p = autograd.dot([w1, w2], [4.0, q])
    assert p.op == "dot" and p.data == pytest.approx(2.0 * 4.0 + 3.0 * -1.0)
    assert p.parents == (w1, w2, q)
    # d/dw1 = 4 (the number), d/dw2 = q, d/dq = w2
    assert p.local_grads == pytest.approx((4.0, -1.0, 3.0))
    p.backward()
    assert (w1.grad, w2.grad, q.grad) == pytest.approx((4.0, -1.0, 3.0))


def test_dot_local_derivatives_are_the_forward_chain():
    """design.md: for p = dot(w, q) + b, dp/dw_i = q_i and dp/dq_i = w_i."""
    w = [Value(float(i) - 1.5, label=f"w{i}") for i in range(4)]
    q = [Value(0.25 * i + 0.1, label=f"q{i}") for i in range(4)]
    b = Value(0.3, label="b")
    p = autograd.dot(w, q) + b
    node = p.parents[0]
    assert node.op == "dot"
    assert node.parents == tuple(w) + tuple(q)
    assert node.local_grads == tuple(v.data for v in q) + tuple(v.data for v in w)
    p.backward()
    assert [v.grad for v in w] == [v.data for v in q]
    assert [v.grad for v in q] == [v.data for v in w]
    assert b.grad == 1.0


def test_relu_and_abs_at_the_kink_use_a_subgradient():
    """At 0 neither has a derivative; whatever the engine records must be a subgradient."""
    assert 0.0 <= Value(0.0).relu().local_grads[0] <= 1.0
    assert -1.0 <= abs(Value(0.0)).local_grads[0] <= 1.0


def test_exp_near_the_overflow_edge_and_sigmoid_at_extremes():
    assert Value(709.0).exp().data == pytest.approx(math.exp(709.0))
    for x in (-745.0, -500.0, 500.0, 745.0):
        s = Value(x).sigmoid()
        assert 0.0 <= s.data <= 1.0 and math.isfinite(s.local_grads[0])


# -- the same, at random points of each op's domain ------------------------------------

def _domain():
    from hypothesis import strategies as st

    def real(lo, hi):
        return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)

    away_from_zero = st.one_of(real(-50, -1e-3), real(1e-3, 50))
    any_x = real(-50, 50)
    return {
        "+": st.tuples(any_x, any_x),
        "-": st.tuples(any_x, any_x),
        "*": st.tuples(any_x, any_x),
        "/": st.tuples(any_x, away_from_zero),
        "neg": st.tuples(any_x),
        "**": st.tuples(real(0.05, 20), real(-3, 3)),
        "exp": st.tuples(real(-700, 700)),
        "log": st.tuples(real(1e-6, 1e6)),
        "tanh": st.tuples(any_x),
        "sigmoid": st.tuples(real(-700, 700)),
        "relu": st.tuples(away_from_zero),
        "abs": st.tuples(away_from_zero),
        "sqrt": st.tuples(real(1e-6, 1e6)),
        "sum": st.lists(any_x, min_size=1, max_size=8).map(tuple),
        "dot": st.tuples(st.integers(1, 4), st.integers(0, 1)).flatmap(
            lambda nb: st.tuples(*[any_x] * (2 * nb[0] + nb[1]))
        ),
    }


def test_every_op_has_a_random_domain():
    assert set(_domain()) == set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_local_derivatives_at_random_points(name):
    from hypothesis import given, settings

    domain = _domain()
    assert name in domain, f"no random domain for op {name!r}"

    @settings(max_examples=60, deadline=None)
    @given(point=domain[name])
    def check(point):
        out = SPEC[name]["apply"](*[Value(x) for x in point])
        assert out.op == name
        assert out.data == pytest.approx(SPEC[name]["f"](*point), rel=1e-9, abs=1e-12)
        for local, a in zip(out.local_grads, _analytic(name, point)):
            assert local == pytest.approx(a, rel=1e-9, abs=1e-12)

    check()


# -- finite_locals: the entries that let the engine skip checking their derivatives ----

@pytest.mark.parametrize("name", sorted(n for n, p in OPS.items() if p.finite_locals))
def test_finite_locals_is_true_to_the_rules(name):
    """Anywhere the inputs and the output are finite, so is every local derivative.

    The engine trusts this flag and skips the check, so it is tested over the
    whole float range, not only the friendly points above.
    """
    from hypothesis import assume, given, settings
    from hypothesis import strategies as st

    prim = OPS[name]
    anything = st.floats(allow_nan=False, allow_infinity=False)
    if prim.nary:
        points = st.lists(anything, min_size=1, max_size=7).map(tuple)
    else:
        points = st.tuples(*[anything] * len(prim.derivs))

    @settings(max_examples=300, deadline=None)
    @given(point=points)
    def check(point):
        if name == "dot" and len(point) == 1:
            point = (1.0, *point)
        try:
            out = prim.forward(point) if prim.nary else prim.forward(*point)
        except (ValueError, ArithmeticError):
            assume(False)
        assume(math.isfinite(out))
        if prim.nary:
            locals_ = prim.derivs[0](out, point)
        else:
            locals_ = [rule(out, *point) for rule in prim.derivs]
        assert all(math.isfinite(v) for v in locals_), (point, out, locals_)

    check()


def test_ops_that_divide_or_take_logs_are_checked():
    # Their derivatives can be infinite where the value is finite: they must not skip the check.
    for name in ("/", "**", "log", "sqrt"):
        assert not OPS[name].finite_locals
