"""Random expression trees over every op: each leaf's grad against central differences.

Trees are drawn by hypothesis as nested tuples over a few shared variables (so
leaves are reused: diamonds and fan-out come for free) and plain constants
(folded into nodes). Each op is applied in a form that keeps its input inside
its domain (log(|x| + 0.5), sqrt(x*x + 0.1), a positive base to a Value power
...). Kinks (relu, abs, leaky_relu, elu) are handled exactly: an example whose nudged
evaluations cross a kink is rejected, since there is no derivative to compare.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value

N_VARS = 3
SMALL = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False, allow_infinity=False)
CONST = st.sampled_from([-1.5, -1, 0.5, 2, 3.0])


class Outside(Exception):
    """An intermediate value left the range this test keeps to."""


def _leaf():
    return st.one_of(
        st.tuples(st.just("var"), st.integers(0, N_VARS - 1)),
        st.tuples(st.just("const"), CONST),
    )


UNARY = ["neg", "exp", "log", "tanh", "sigmoid", "relu", "abs", "sqrt", "sin", "cos", "tan",
         "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "log1p", "expm1",
         "log2", "log10", "erf", "gelu", "silu", "softplus"]
BINARY = ["+", "-", "*", "/", "**", "atan2", "hypot", "maximum", "minimum", "leaky_relu", "elu"]


def _extend(children):
    unary = st.tuples(st.sampled_from(UNARY), children)
    # the last field picks a variant: which side a number is on, or the pow form
    binary = st.tuples(st.sampled_from(BINARY), children, children, st.integers(0, 3))
    nary = st.tuples(st.sampled_from(["sum", "dot"]), st.lists(children, min_size=1, max_size=4))
    return st.one_of(unary, binary, nary)


TREES = st.recursive(_leaf(), _extend, max_leaves=16)

COVERED = set(UNARY) | set(BINARY) | {"sum", "dot"}


def test_random_trees_cover_every_op():
    assert COVERED == set(OPS), f"add {sorted(set(OPS) - COVERED)} to the random trees"


def evaluate(tree, xs, kinks):
    """The tree applied to Values xs; records the inputs of relu and abs in kinks."""
    kind = tree[0]
    if kind == "var":
        return xs[tree[1]]
    if kind == "const":
        return tree[1]
    if kind in UNARY:
        a = _as_value(evaluate(tree[1], xs, kinks))
        out = _unary(kind, a, kinks)
    elif kind in BINARY:
        a = evaluate(tree[1], xs, kinks)
        b = evaluate(tree[2], xs, kinks)
        out = _binary(kind, a, b, tree[3], kinks)
    elif kind == "sum":
        out = autograd.sum([evaluate(c, xs, kinks) for c in tree[1]] + [0.25])
    else:  # dot: the children against themselves shifted, or against constants
        vs = [evaluate(c, xs, kinks) for c in tree[1]]
        if len(vs) == 1:
            out = autograd.dot(vs, [1.5])
        else:
            out = autograd.dot(vs, vs[1:] + vs[:1])
    out = _as_value(out)
    if not abs(out.data) < 1e4:
        raise Outside
    return out


def _as_value(v):
    return v if isinstance(v, Value) else Value(v)


def _unary(kind, a, kinks):
    if kind == "neg":
        return -a
    if kind in ("exp", "expm1", "sinh", "cosh"):
        if abs(a.data) > 8:
            raise Outside
        return getattr(a, kind)()
    if kind in ("asin", "acos", "atanh", "tan"):  # inside (-1, 1), away from tan's poles
        return getattr(a.tanh() * 0.9, kind)()
    if kind in ("log1p", "log2", "log10", "acosh"):  # a² + 1.5 > 1 is inside each domain
        return getattr(a * a + 1.5, kind)()
    if kind == "log":
        kinks.append(a.data)
        return (abs(a) + 0.5).log()
    if kind == "sqrt":
        return (a * a + 0.1).sqrt()
    if kind in ("relu", "abs"):
        kinks.append(a.data)
        return a.relu() if kind == "relu" else abs(a)
    return getattr(a, kind)()  # tanh, sigmoid, sin, cos, atan, asinh, erf, gelu, silu, softplus


def _binary(kind, a, b, variant, kinks):
    # variant 0: both as they are (a number on either side stays a number)
    # variants 1-3: make one side a plain number, when it is not already
    if variant == 1 and isinstance(b, Value):
        b = 0.75
    elif variant == 2 and isinstance(a, Value):
        a = -1.25
    if kind in ("+", "-", "*"):
        return a + b if kind == "+" else (a - b if kind == "-" else a * b)
    if kind == "/":
        return a / (b * b + 0.5)
    if kind in ("atan2", "hypot", "maximum", "minimum", "leaky_relu", "elu") \
            and not isinstance(b, Value):
        a = _as_value(a)  # unlike an operator, a function needs one Value operand
    if kind in ("atan2", "hypot"):  # x > 0: away from the origin and atan2's branch cut
        return getattr(autograd, kind)(a, b * b + 0.5)
    if kind in ("maximum", "minimum"):  # a tie is a kink
        kinks.append(_data(a) - _data(b))
        return getattr(autograd, kind)(a, b)
    if kind in ("leaky_relu", "elu"):  # a Value slope or α is a parameter too (PReLU)
        kinks.append(_data(a))
        return autograd.apply(kind, a, b)
    # **: a positive base to any bounded power, or any base to an integer power
    if variant == 3:
        return a**3 if isinstance(a, Value) else _as_value(b) ** 2
    base = a * a + 0.5
    expo = b.tanh() * 2 if isinstance(b, Value) else b
    return base**expo


def _data(v):
    return v.data if isinstance(v, Value) else v


def _signs(values):
    return [(v > 0) - (v < 0) for v in values]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=TREES, point=st.lists(SMALL, min_size=N_VARS, max_size=N_VARS))
def test_random_tree_grads_match_central_differences(tree, point):
    kinks: list[float] = []
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    try:
        y = _as_value(evaluate(tree, xs, kinks))
    except Outside:
        assume(False)
    assert math.isfinite(y.data)
    base_signs = _signs(kinks)

    crossed = []

    def f(*vs):
        seen: list[float] = []
        out = _as_value(evaluate(tree, list(vs), seen))
        crossed.append(_signs(seen) != base_signs)
        return out

    try:
        numeric = autograd.numerical_grad(f, point, eps=1e-6)
    except Outside:
        assume(False)
    assume(not any(crossed) and 0 not in base_signs)  # no kink inside the stencil

    y.backward()
    autograd.check_graph(y)
    scale = max(1.0, abs(y.data))
    for i, (x, n) in enumerate(zip(xs, numeric)):
        tol = 1e-5 * (abs(n) + 1.0) + 1e-8 * scale
        assert abs(x.grad - n) <= tol, (
            f"leaf x{i}: analytic {x.grad!r}, numeric {n!r}, tree {tree}, point {point}"
        )


@settings(max_examples=60, deadline=None)
@given(tree=TREES, point=st.lists(SMALL, min_size=N_VARS, max_size=N_VARS))
def test_random_tree_second_pass_doubles_every_grad(tree, point):
    xs = [Value(x) for x in point]
    try:
        y = _as_value(evaluate(tree, xs, []))
    except Outside:
        assume(False)
    nodes = autograd.topo_order(y)
    y.backward()
    first = [n.grad for n in nodes]
    steps = list(autograd.backward_steps(y))
    assert [s.node for s in steps] == nodes
    assert [n.grad for n in nodes] == [2 * g for g in first]
