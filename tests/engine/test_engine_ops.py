"""Every entry of the primitive table, checked the same ways.

For each op in ``autograd.OPS`` (parametrised over the table itself, so a new
op is tested the moment it is added): the forward against the maths (``math``
or an identity that does not call the same function), each recorded local
derivative against a hand-written closed form kept here, independent of
``ops.py``, and against central differences of the engine's own forward, at
several points inside the op's domain; each rule evaluated on Values (the
graph a higher derivative is built from) against the float rule, and that
graph's own gradient against central differences of the closed form; how the
op and its derivatives print; its domain errors, naming op, value and node.
Then the same with plain numbers folded into the node (``v + 2``, ``2 ** v``,
``atan2(1, v)`` ...) and at random points of each domain.

A new op without an entry in SPEC fails ``test_every_op_has_a_hand_formula``.
"""

from __future__ import annotations

import cmath
import functools
import itertools
import math

import pytest

import autograd
from autograd import OPS, Value, no_grad
from autograd.ops import local_symbol, op_text

# -- the maths, written out by hand, one entry per op -------------------------
#
# f: the forward on floats; d: one closed-form derivative per input (for the
# n-ary ops, a function returning the whole tuple); points: inputs inside the
# domain (kinks, ties and domain edges excluded); apply: how a user applies the
# op to Values (and plain numbers); shows: (input names, out name, the trace
# text, the printed local derivatives); errors: (point, exception, whether
# only the derivative fails, so that no_grad() still computes the value).


def _tanh(x):
    return math.sinh(x) / math.cosh(x)


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _pow(x, n):
    if x == 0 and n > 0:
        return 0.0
    if x > 0:
        return math.exp(n * math.log(x))
    assert float(n).is_integer()
    return (-1) ** int(n) * math.exp(n * math.log(-x))


def _dot_apply(*xs):
    # an odd count: the last input is the bias, p = w·q + b (written out here,
    # independent of ops.dot_parts)
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


def _asinh(x):  # log(x + √(x² + 1)), odd
    return math.copysign(math.log(abs(x) + math.sqrt(x * x + 1.0)), x)


def _atan2(y, x):  # the angle of (x, y) from atan of the slope, by quadrant
    if x == 0:
        return math.copysign(math.pi / 2, y) if y else 0.0
    if x > 0:
        return math.atan(y / x)
    return math.atan(y / x) + math.copysign(math.pi, y)


def _tie(a, b):  # d max(a, b)/da with torch.maximum's tie convention
    return 1.0 if a > b else (0.5 if a == b else 0.0)


def _phi_cdf(x):  # the standard normal CDF, from erfc (not erf, as ops.py uses)
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _logistic(x):  # e^x / (1 + e^x), for the moderate x of the points
    return math.exp(x) / (1.0 + math.exp(x))


def _unary(method):
    return lambda x: getattr(x, method)()


ONE_X = (["x"], "y")  # names for the printed forms of a unary op
OVERFLOW = OverflowError

SPEC = {
    "+": dict(
        apply=lambda a, b: a + b,
        f=lambda a, b: a + b,
        d=(lambda a, b: 1.0, lambda a, b: 1.0),
        points=[(1.5, -2.0), (0.3, 0.7), (-4.0, 2.5), (0.0, 3.0)],
        shows=(["a", "b"], "c", "a + b", ("1", "1")),
        errors=[((1.7e308, 1.7e308), OVERFLOW, False)],
    ),
    "-": dict(
        apply=lambda a, b: a - b,
        f=lambda a, b: a + (-1.0) * b,
        d=(lambda a, b: 1.0, lambda a, b: -1.0),
        points=[(1.5, -2.0), (0.3, 0.7), (-4.0, 2.5), (0.0, 3.0)],
        shows=(["a", "b"], "c", "a - b", ("1", "-1")),
        errors=[((1.7e308, -1.7e308), OVERFLOW, False)],
    ),
    "*": dict(
        apply=lambda a, b: a * b,
        f=lambda a, b: a * b,
        d=(lambda a, b: b, lambda a, b: a),
        points=[(1.5, -2.0), (0.3, 0.7), (-4.0, 2.5), (0.0, 3.0)],
        shows=(["a", "b"], "c", "a * b", ("b", "a")),
        errors=[((1e200, -1e200), OVERFLOW, False)],
    ),
    "/": dict(
        apply=lambda a, b: a / b,
        f=lambda a, b: a * b**-1,
        d=(lambda a, b: 1.0 / b, lambda a, b: -a / (b * b)),
        points=[(1.5, -2.0), (0.3, 0.7), (-4.0, 2.5), (0.0, 3.0), (7.0, 0.01)],
        shows=(["a", "b"], "c", "a / b", ("1/b", "-a/b²")),
        errors=[((1.0, 0.0), ZeroDivisionError, False), ((1e300, 1e-300), OVERFLOW, False)],
    ),
    "neg": dict(
        apply=lambda x: -x,
        f=lambda x: 0.0 - x,
        d=(lambda x: -1.0,),
        points=[(-1.3,), (0.0,), (2.5,)],
        shows=(*ONE_X, "-x", ("-1",)),
        errors=[],
    ),
    "**": dict(
        apply=lambda x, n: x**n,
        f=_pow,
        d=(lambda x, n: n * _pow(x, n - 1), lambda x, n: math.log(x) * _pow(x, n)),
        points=[(2.0, 3.0), (0.5, -1.5), (3.0, 0.5), (1.7, 2.2), (0.9, 0.0)],
        shows=(["x", "n"], "y", "x ** n", ("n·x^(n-1)", "y·log x")),
        errors=[
            ((-2.0, 0.5), ValueError, False),
            ((0.0, -1.0), ZeroDivisionError, False),
            ((-2.0, 2.0), ValueError, True),  # d/dn = xⁿ·log x: not real for x < 0
            ((0.0, 0.5), ZeroDivisionError, True),  # d/dx = 0.5·x^-0.5: infinite at 0
        ],
    ),
    "exp": dict(
        apply=_unary("exp"),
        f=lambda x: math.e**x,
        d=(lambda x: math.e**x,),
        points=[(-2.0,), (0.0,), (1.5,), (5.0,), (700.0,)],
        shows=(*ONE_X, "exp(x)", ("exp(x)",)),
        errors=[((710.0,), OVERFLOW, False)],
    ),
    "expm1": dict(
        apply=_unary("expm1"),
        f=lambda x: math.exp(x) - 1.0,
        d=(lambda x: math.exp(x),),
        points=[(-40.0,), (-2.0,), (0.5,), (1.5,), (700.0,)],
        shows=(*ONE_X, "expm1(x)", ("exp(x)",)),
        errors=[((710.0,), OVERFLOW, False)],
    ),
    "log": dict(
        apply=_unary("log"),
        f=lambda x: math.log2(x) / math.log2(math.e),
        d=(lambda x: 1.0 / x,),
        points=[(0.1,), (1.0,), (2.5,), (100.0,)],
        shows=(*ONE_X, "log(x)", ("1/x",)),
        errors=[((0.0,), ValueError, False), ((-1.0,), ValueError, False)],
    ),
    "log1p": dict(
        apply=_unary("log1p"),
        f=lambda x: math.log(1.0 + x),
        d=(lambda x: 1.0 / (1.0 + x),),
        points=[(-0.9,), (-0.5,), (0.25,), (3.0,), (1e6,)],
        shows=(*ONE_X, "log1p(x)", ("1/(1 + x)",)),
        errors=[((-1.0,), ValueError, False), ((-2.0,), ValueError, False)],
    ),
    "log2": dict(
        apply=_unary("log2"),
        f=lambda x: math.log(x) / math.log(2.0),
        d=(lambda x: 1.0 / (x * math.log(2.0)),),
        points=[(0.1,), (1.0,), (3.0,), (1024.0,)],
        shows=(*ONE_X, "log2(x)", ("1/(x·log 2)",)),
        errors=[((0.0,), ValueError, False), ((-3.0,), ValueError, False)],
    ),
    "log10": dict(
        apply=_unary("log10"),
        f=lambda x: math.log(x) / math.log(10.0),
        d=(lambda x: 1.0 / (x * math.log(10.0)),),
        points=[(0.1,), (1.0,), (3.0,), (1000.0,)],
        shows=(*ONE_X, "log10(x)", ("1/(x·log 10)",)),
        errors=[((0.0,), ValueError, False), ((-3.0,), ValueError, False)],
    ),
    "sqrt": dict(
        apply=_unary("sqrt"),
        f=lambda x: x**0.5,
        d=(lambda x: 0.5 * x**-0.5,),
        points=[(0.01,), (1.0,), (2.0,), (50.0,)],
        shows=(*ONE_X, "√x", ("1/(2√x)",)),
        errors=[((-1.0,), ValueError, False), ((0.0,), ZeroDivisionError, True)],
    ),
    "tanh": dict(
        apply=_unary("tanh"),
        f=_tanh,
        d=(lambda x: 1.0 / math.cosh(x) ** 2,),
        points=[(-2.0,), (0.0,), (0.5,), (3.0,)],
        shows=(*ONE_X, "tanh(x)", ("tanh'(x)",)),
        errors=[],
    ),
    "sigmoid": dict(
        apply=_unary("sigmoid"),
        f=_sigmoid,
        # σ' is even: e^-|x| / (1 + e^-|x|)², written so it never overflows
        d=(lambda x: math.exp(-abs(x)) / (1.0 + math.exp(-abs(x))) ** 2,),
        points=[(-30.0,), (-2.0,), (0.0,), (0.5,), (3.0,), (30.0,)],
        shows=(*ONE_X, "σ(x)", ("σ'(x)",)),
        errors=[],
    ),
    "relu": dict(
        apply=_unary("relu"),
        f=lambda x: max(x, 0.0),
        d=(lambda x: 1.0 if x > 0 else 0.0,),
        points=[(-1.5,), (0.7,), (2.0,), (-1e-3,)],
        shows=(*ONE_X, "relu(x)", ("relu'(x)",)),
        errors=[],
    ),
    "abs": dict(
        apply=lambda x: abs(x),
        f=lambda x: math.sqrt(x * x),
        d=(lambda x: x / math.sqrt(x * x),),
        points=[(-1.5,), (0.7,), (2.0,), (-1e-3,)],
        shows=(*ONE_X, "|x|", ("sign(x)",)),
        errors=[],
    ),
    "erf": dict(
        apply=_unary("erf"),
        f=lambda x: 1.0 - math.erfc(x),
        d=(lambda x: 2.0 / math.sqrt(math.pi) * math.exp(-x * x),),
        points=[(-2.0,), (-0.3,), (0.0,), (0.7,), (3.0,)],
        shows=(*ONE_X, "erf(x)", ("2/√π·exp(-x²)",)),
        errors=[],
    ),
    "gelu": dict(
        apply=_unary("gelu"),
        f=lambda x: x * _phi_cdf(x),
        d=(lambda x: _phi_cdf(x) + x * math.exp(-x * x / 2.0) / math.sqrt(2.0 * math.pi),),
        points=[(-1.5,), (0.7,), (-4.0,), (0.0,), (2.0,), (6.0,)],
        shows=(*ONE_X, "gelu(x)", ("gelu'(x)",)),
        errors=[],
    ),
    "silu": dict(
        apply=_unary("silu"),
        f=lambda x: x / (1.0 + math.exp(-x)),
        d=(lambda x: _logistic(x) * (1.0 + x * (1.0 - _logistic(x))),),
        points=[(-1.5,), (0.7,), (-6.0,), (0.0,), (3.0,), (20.0,)],
        shows=(*ONE_X, "silu(x)", ("silu'(x)",)),
        errors=[],
    ),
    "softplus": dict(
        apply=_unary("softplus"),
        f=lambda x: math.log(1.0 + math.exp(x)),
        d=(_logistic,),
        points=[(-1.5,), (0.7,), (-20.0,), (0.0,), (3.0,), (30.0,)],
        shows=(*ONE_X, "softplus(x)", ("σ(x)",)),
        errors=[],
    ),
    "leaky_relu": dict(
        apply=lambda x, a: autograd.apply("leaky_relu", x, a),
        f=lambda x, a: max(x, 0.0) + a * min(x, 0.0),
        d=(lambda x, a: 1.0 if x > 0 else a, lambda x, a: min(x, 0.0)),
        points=[(-1.5, 0.01), (0.7, 0.2), (-0.3, 0.2), (2.0, 0.01), (-2.0, -0.5)],
        shows=(["x", "a"], "y", "leaky_relu(x, a)", ("leaky_relu'(x)", "min(x, 0)")),
        errors=[((-1e200, 1e200), OVERFLOW, False)],
    ),
    "elu": dict(
        apply=lambda x, a: autograd.apply("elu", x, a),
        f=lambda x, a: x if x > 0 else a * (math.exp(x) - 1.0),
        d=(lambda x, a: 1.0 if x > 0 else a * math.exp(x),
           lambda x, a: 0.0 if x > 0 else math.exp(x) - 1.0),
        points=[(-1.5, 1.0), (0.7, 1.0), (-0.4, 0.5), (2.0, 2.0), (-3.0, -0.3)],
        shows=(["x", "a"], "y", "elu(x, a)", ("elu'(x)", "expm1(min(x, 0))")),
        errors=[],
    ),
    "sin": dict(
        apply=_unary("sin"),
        f=lambda x: cmath.exp(1j * x).imag,
        d=(lambda x: cmath.exp(1j * x).real,),
        points=[(-2.0,), (0.0,), (0.5,), (3.0,), (100.0,)],
        shows=(*ONE_X, "sin(x)", ("cos(x)",)),
        errors=[],
    ),
    "cos": dict(
        apply=_unary("cos"),
        f=lambda x: cmath.exp(1j * x).real,
        d=(lambda x: -cmath.exp(1j * x).imag,),
        points=[(-2.0,), (0.0,), (0.5,), (3.0,), (100.0,)],
        shows=(*ONE_X, "cos(x)", ("-sin(x)",)),
        errors=[],
    ),
    "tan": dict(
        apply=_unary("tan"),
        f=lambda x: math.sin(x) / math.cos(x),
        d=(lambda x: 1.0 / math.cos(x) ** 2,),
        points=[(-1.2,), (0.0,), (0.5,), (1.5,), (4.0,)],
        shows=(*ONE_X, "tan(x)", ("1 + y²",)),
        errors=[],
    ),
    "asin": dict(
        apply=_unary("asin"),
        f=lambda x: math.atan2(x, math.sqrt(1.0 - x * x)),
        d=(lambda x: 1.0 / math.sqrt(1.0 - x * x),),
        points=[(-0.9,), (-0.2,), (0.0,), (0.5,), (0.99,)],
        shows=(*ONE_X, "asin(x)", ("1/√(1 - x²)",)),
        errors=[
            ((1.5,), ValueError, False), ((-1.01,), ValueError, False),
            ((1.0,), ZeroDivisionError, True), ((-1.0,), ZeroDivisionError, True),
        ],
    ),
    "acos": dict(
        apply=_unary("acos"),
        f=lambda x: math.atan2(math.sqrt(1.0 - x * x), x),
        d=(lambda x: -1.0 / math.sqrt(1.0 - x * x),),
        points=[(-0.9,), (-0.2,), (0.0,), (0.5,), (0.99,)],
        shows=(*ONE_X, "acos(x)", ("-1/√(1 - x²)",)),
        errors=[
            ((1.5,), ValueError, False), ((-1.01,), ValueError, False),
            ((1.0,), ZeroDivisionError, True), ((-1.0,), ZeroDivisionError, True),
        ],
    ),
    "atan": dict(
        apply=_unary("atan"),
        f=lambda x: cmath.phase(complex(1.0, x)),
        d=(lambda x: 1.0 / (1.0 + x * x),),
        points=[(-30.0,), (-0.5,), (0.0,), (1.0,), (7.0,)],
        shows=(*ONE_X, "atan(x)", ("1/(1 + x²)",)),
        errors=[],
    ),
    "atan2": dict(
        apply=lambda y, x: autograd.atan2(y, x),
        f=_atan2,
        d=(lambda y, x: x / (x * x + y * y), lambda y, x: -y / (x * x + y * y)),
        points=[(1.0, 1.0), (1.0, -2.0), (-0.5, -0.5), (-3.0, 0.25), (0.0, 2.0), (2.0, 0.0)],
        shows=(["y", "x"], "a", "atan2(y, x)", ("x/(y² + x²)", "-y/(y² + x²)")),
        errors=[((0.0, 0.0), ZeroDivisionError, True)],
    ),
    "hypot": dict(
        apply=lambda x, y: autograd.hypot(x, y),
        f=lambda x, y: math.sqrt(x * x + y * y),
        d=(lambda x, y: x / math.sqrt(x * x + y * y), lambda x, y: y / math.sqrt(x * x + y * y)),
        points=[(3.0, 4.0), (-1.0, 0.5), (0.0, -2.0), (1e-3, 1e-3), (-7.0, -1.0)],
        shows=(["x", "y"], "r", "hypot(x, y)", ("x/r", "y/r")),
        errors=[((0.0, 0.0), ZeroDivisionError, True), ((1.5e308, 1.5e308), OVERFLOW, False)],
    ),
    "sinh": dict(
        apply=_unary("sinh"),
        f=lambda x: (math.exp(x) - math.exp(-x)) / 2.0,
        d=(lambda x: (math.exp(x) + math.exp(-x)) / 2.0,),
        points=[(-3.0,), (0.0,), (0.5,), (2.0,), (700.0,)],
        shows=(*ONE_X, "sinh(x)", ("cosh(x)",)),
        errors=[((711.0,), OVERFLOW, False), ((-711.0,), OVERFLOW, False)],
    ),
    "cosh": dict(
        apply=_unary("cosh"),
        f=lambda x: (math.exp(x) + math.exp(-x)) / 2.0,
        d=(lambda x: (math.exp(x) - math.exp(-x)) / 2.0,),
        points=[(-3.0,), (0.0,), (0.5,), (2.0,), (-700.0,)],
        shows=(*ONE_X, "cosh(x)", ("sinh(x)",)),
        errors=[((711.0,), OVERFLOW, False), ((-711.0,), OVERFLOW, False)],
    ),
    "asinh": dict(
        apply=_unary("asinh"),
        f=_asinh,
        d=(lambda x: 1.0 / math.sqrt(x * x + 1.0),),
        points=[(-20.0,), (-0.5,), (0.0,), (1.0,), (1e6,)],
        shows=(*ONE_X, "asinh(x)", ("1/√(x² + 1)",)),
        errors=[],
    ),
    "acosh": dict(
        apply=_unary("acosh"),
        f=lambda x: math.log(x + math.sqrt(x * x - 1.0)),
        d=(lambda x: 1.0 / math.sqrt(x * x - 1.0),),
        points=[(1.01,), (1.5,), (3.0,), (1e6,)],
        shows=(*ONE_X, "acosh(x)", ("1/√(x² - 1)",)),
        errors=[((0.5,), ValueError, False), ((-2.0,), ValueError, False),
                ((1.0,), ZeroDivisionError, True)],
    ),
    "atanh": dict(
        apply=_unary("atanh"),
        f=lambda x: 0.5 * math.log((1.0 + x) / (1.0 - x)),
        d=(lambda x: 1.0 / (1.0 - x * x),),
        points=[(-0.99,), (-0.3,), (0.0,), (0.5,), (0.9,)],
        shows=(*ONE_X, "atanh(x)", ("1/(1 - x²)",)),
        errors=[((1.0,), ValueError, False), ((-1.0,), ValueError, False),
                ((2.0,), ValueError, False)],
    ),
    "maximum": dict(
        apply=lambda a, b: autograd.maximum(a, b),
        f=lambda a, b: (a + b + abs(a - b)) / 2.0,
        d=(lambda a, b: _tie(a, b), lambda a, b: _tie(b, a)),
        points=[(1.0, 2.0), (3.0, -1.0), (-0.5, -0.25), (0.0, 1e-3)],
        shows=(["a", "b"], "m", "max(a, b)", ("[a > b]", "[b > a]")),
        errors=[],
    ),
    "minimum": dict(
        apply=lambda a, b: autograd.minimum(a, b),
        f=lambda a, b: (a + b - abs(a - b)) / 2.0,
        d=(lambda a, b: _tie(b, a), lambda a, b: _tie(a, b)),
        points=[(1.0, 2.0), (3.0, -1.0), (-0.5, -0.25), (0.0, 1e-3)],
        shows=(["a", "b"], "m", "min(a, b)", ("[a < b]", "[b < a]")),
        errors=[],
    ),
    "sum": dict(
        apply=lambda *xs: autograd.sum(xs),
        f=lambda *xs: math.fsum(xs),
        d=lambda *xs: (1.0,) * len(xs),
        points=[(1.0,), (1.0, -2.0), (1.0, -2.0, 3.5), (0.1, 0.2, 0.3, -4.0, 5.0, 6.0, 7.0)],
        shows=(["a", "b", "c"], "s", "sum(a, b, c)", ("1", "1", "1")),
        errors=[((1.7e308, 1.7e308), OVERFLOW, False)],
    ),
    "dot": dict(
        apply=_dot_apply,
        f=_dot_f,
        d=_dot_d,
        points=[(2.0, 3.0), (1.0, -2.0, 0.5, 4.0), (0.3, -1.2, 2.0, 1.5, -0.5, 0.25),
                (2.0, 3.0, -0.5), (0.3, -1.2, 2.0, 1.5, 0.75)],
        shows=(["w", "q", "b"], "p", "dot: w·q + b", ("q", "w", "1")),
        errors=[((1e200, 1e200), OVERFLOW, False)],
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


def _rules(prim, out, inputs):
    """Every rule of the entry at (out, inputs): floats or Values alike."""
    if prim.nary:
        return tuple(prim.derivatives[0](out, tuple(inputs)))
    return tuple(rule(out, *inputs) for rule in prim.derivatives)


def test_every_op_has_a_hand_formula():
    assert set(SPEC) == set(OPS), (
        "tests/engine/test_engine_ops.py needs a hand-written formula for every op: "
        f"missing {sorted(set(OPS) - set(SPEC))}, stale {sorted(set(SPEC) - set(OPS))}"
    )


def test_table_entries_are_well_formed():
    for name, prim in OPS.items():
        assert prim.name == name
        assert callable(prim.forward)
        assert prim.derivatives and all(callable(r) for r in prim.derivatives)
        n = 1 if prim.nary else len(prim.derivatives)
        assert len(prim.derivatives) == len(prim.symbols) == len(prim.formulas) == n
        assert prim.text and prim.glyph
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in prim.latex.items())


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
    prim = OPS[name]
    for point in SPEC[name]["points"]:
        out = SPEC[name]["apply"](*[Value(x) for x in point])
        expected = _rules(prim, out.data, point)
        assert tuple(float(g) for g in expected) == pytest.approx(out.local_grads, rel=1e-12)


def _closed_form(name, i, point):
    return _analytic(name, point)[i]


def _central(g, point, j, h=1e-5):
    """d g / d x_j by central differences (g a closed form on floats)."""
    step = h * max(1.0, abs(point[j]))
    up = [*point[:j], point[j] + step, *point[j + 1 :]]
    down = [*point[:j], point[j] - step, *point[j + 1 :]]
    return (g(up) - g(down)) / (2 * step)


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_rules_on_values_build_the_derivative(name):
    """Each rule evaluated on Values gives the float rule's number, as a graph whose own
    gradient is the second derivative (central differences of the closed form); or a
    plain number where the derivative is locally constant (then no node is needed)."""
    prim = OPS[name]
    for point in SPEC[name]["points"]:
        for i in range(len(point)):
            leaves = [Value(x, label=f"x{k}") for k, x in enumerate(point)]
            out = SPEC[name]["apply"](*leaves)
            local = _rules(prim, out, leaves)[i]
            where = f"op {name!r} at {point}, rule {i}"
            assert float(local) == pytest.approx(out.local_grads[i], rel=1e-12, abs=1e-300), where
            d_i = functools.partial(_closed_form, name, i)
            second = [_central(d_i, point, j) for j in range(len(point))]
            if not isinstance(local, Value):
                assert isinstance(local, float), where
                assert second == pytest.approx([0.0] * len(point), abs=1e-6), where
                continue
            local.backward()
            for j, leaf in enumerate(leaves):
                expected = pytest.approx(second[j], rel=1e-4, abs=1e-6)
                assert leaf.grad == expected, f"{where}, d/dx{j}"


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_prints_its_text_and_symbols(name):
    names, out_name, text, symbols = SPEC[name]["shows"]
    prim = OPS[name]
    assert op_text(prim, names) == text
    assert tuple(local_symbol(prim, i, names, out_name) for i in range(len(names))) == symbols
    # and a trace of the op on labelled leaves says the same
    point = next(p for p in SPEC[name]["points"] if len(p) == len(names))
    leaves = [Value(x, label=label) for x, label in zip(point, names)]
    out = SPEC[name]["apply"](*leaves)
    out.label = out_name
    trace = autograd.trace_text(out)
    assert f"{out_name} = {text}" in trace
    for symbol in symbols:
        assert symbol in trace


@pytest.mark.parametrize("name", sorted(n for n in OPS if SPEC.get(n, {}).get("errors")))
def test_op_domain_errors_name_op_value_and_node(name):
    prim = OPS[name]
    for point, kind, derivative_only in SPEC[name]["errors"]:
        leaves = [Value(x, label=f"in{k}") for k, x in enumerate(point)]
        where = f"op {name!r} at {point}"
        with pytest.raises(kind) as info:
            SPEC[name]["apply"](*leaves)
        message = str(info.value)
        assert message.startswith(f"{name}: "), (where, message)
        for leaf, x in zip(leaves, point):
            assert f"'{leaf.label}'" in message and format(x, ".6g") in message, (where, message)
        if kind is ValueError and not derivative_only:  # outside the domain: the entry says it
            assert prim.domain, f"op {name!r} refuses {point} but states no domain"
        if prim.domain and not derivative_only:
            assert prim.domain in message, (where, message)
        # the graph that was there is untouched, and only the derivative is refused:
        # without one the op computes its value
        assert all(leaf.grad == 0.0 and not leaf.parents for leaf in leaves)
        with no_grad():
            if derivative_only:
                value = SPEC[name]["apply"](*leaves)
                assert value.data == pytest.approx(SPEC[name]["f"](*point), abs=1e-12), where
            else:
                with pytest.raises(kind):
                    SPEC[name]["apply"](*leaves)


EXTREMES = [-1.7e308, -1e10, -1.0, -1e-300, -0.0, 0.0, 1e-300, 0.5, 1.0, 1e10, 1.7e308]


@pytest.mark.parametrize("name", sorted(n for n in OPS if not SPEC.get(n, {}).get("errors", 1)))
def test_an_op_that_lists_no_errors_answers_every_finite_input(name):
    """An op whose SPEC lists no error (neg, tanh, sin, maximum ...) raises for no finite
    input: at the extremes of the float range, at 0 and ±0.0, its value and each local
    derivative are finite floats, and backward goes through. (The values themselves are
    checked against the maths at the points of SPEC above, and at random points below.)"""
    prim = OPS[name]
    arity = 3 if prim.nary else len(prim.derivatives)
    for k, point in enumerate(itertools.product(EXTREMES, repeat=arity)):
        if arity > 1 and k % 3:  # a third of the pairs: every value still in each place
            continue
        where = f"op {name!r} at {point}"
        out = SPEC[name]["apply"](*[Value(x, label=f"in{j}") for j, x in enumerate(point)])
        assert type(out.data) is float and math.isfinite(out.data), where
        assert len(out.local_grads) == arity, where
        assert all(type(g) is float and math.isfinite(g) for g in out.local_grads), where
        out.backward()
        assert out.grad == 1.0, where


def test_an_entry_that_states_a_domain_is_tested_outside_it():
    for name, prim in OPS.items():
        if prim.domain:
            assert SPEC[name]["errors"], f"op {name!r} states a domain but SPEC has no errors"


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
    ("atan2(v, 2)", lambda v: autograd.atan2(v, 2), 1.0, lambda y: math.atan(y / 2),
     lambda y: 2 / (4 + y * y)),
    ("atan2(1, v)", lambda v: autograd.atan2(1, v), -3.0, lambda x: math.pi - math.atan(-1 / x),
     lambda x: -1 / (x * x + 1)),
    ("hypot(v, 4)", lambda v: autograd.hypot(v, 4), 3.0, lambda x: 5.0, lambda x: 0.6),
    ("hypot(0.5, v)", lambda v: autograd.hypot(0.5, v), -1.2, lambda y: 1.3, lambda y: -1.2 / 1.3),
    ("maximum(v, 0) (v > 0)", lambda v: autograd.maximum(v, 0), 1.5, lambda x: x, lambda x: 1.0),
    ("maximum(0, v) (v < 0)", lambda v: autograd.maximum(0, v), -1.5, lambda x: 0.0,
     lambda x: 0.0),
    ("minimum(v, 2)", lambda v: autograd.minimum(v, 2), 1.5, lambda x: x, lambda x: 1.0),
    ("minimum(-1, v)", lambda v: autograd.minimum(-1, v), 0.5, lambda x: -1.0, lambda x: 0.0),
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
        assert left.args[1] == b
        assert left.data == pytest.approx(spec["f"](a, b), rel=1e-12, abs=1e-12)
        assert left.local_grads == pytest.approx((d0,), rel=1e-12, abs=1e-12)
        right = spec["apply"](a, Value(b, label="b"))
        assert right.op == name and len(right.parents) == 1 and right.parents[0].label == "b"
        assert right.args[0] == a
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
    inside_one = real(-0.999, 0.999)
    return {
        "+": st.tuples(any_x, any_x),
        "-": st.tuples(any_x, any_x),
        "*": st.tuples(any_x, any_x),
        "/": st.tuples(any_x, away_from_zero),
        "neg": st.tuples(any_x),
        "**": st.tuples(real(0.05, 20), real(-3, 3)),
        "exp": st.tuples(real(-700, 700)),
        "expm1": st.tuples(real(-700, 700)),
        "log": st.tuples(real(1e-6, 1e6)),
        "log1p": st.tuples(real(-0.999, 1e6)),
        "log2": st.tuples(real(1e-6, 1e6)),
        "log10": st.tuples(real(1e-6, 1e6)),
        "sqrt": st.tuples(real(1e-6, 1e6)),
        "tanh": st.tuples(any_x),
        "sigmoid": st.tuples(real(-700, 700)),
        "relu": st.tuples(away_from_zero),
        "abs": st.tuples(away_from_zero),
        "erf": st.tuples(real(-10, 10)),
        "gelu": st.tuples(any_x),
        "silu": st.tuples(real(-700, 700)),
        "softplus": st.tuples(real(-700, 700)),
        "leaky_relu": st.tuples(away_from_zero, any_x),
        "elu": st.tuples(away_from_zero, any_x),
        "sin": st.tuples(real(-1e4, 1e4)),
        "cos": st.tuples(real(-1e4, 1e4)),
        "tan": st.tuples(real(-1.5, 1.5)),
        "asin": st.tuples(inside_one),
        "acos": st.tuples(inside_one),
        "atan": st.tuples(real(-1e6, 1e6)),
        "atan2": st.tuples(any_x, away_from_zero),
        "hypot": st.tuples(away_from_zero, any_x),
        "sinh": st.tuples(real(-700, 700)),
        "cosh": st.tuples(real(-700, 700)),
        "asinh": st.tuples(real(-1e6, 1e6)),
        "acosh": st.tuples(real(1.001, 1e6)),
        "atanh": st.tuples(inside_one),
        "maximum": st.tuples(any_x, any_x),
        "minimum": st.tuples(any_x, any_x),
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

    @settings(max_examples=100, deadline=None)
    @given(point=domain[name])
    def check(point):
        out = SPEC[name]["apply"](*[Value(x) for x in point])
        assert out.op == name
        assert out.data == pytest.approx(SPEC[name]["f"](*point), rel=1e-9, abs=1e-12)
        for local, a in zip(out.local_grads, _analytic(name, point)):
            assert local == pytest.approx(a, rel=1e-9, abs=1e-12)

    check()


# -- finite_derivatives: the entries that let the engine skip checking their derivatives --

@pytest.mark.parametrize("name", sorted(n for n, p in OPS.items() if p.finite_derivatives))
def test_finite_derivatives_is_true_to_the_rules(name):
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
        points = st.tuples(*[anything] * len(prim.derivatives))

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
        locals_ = _rules(prim, out, point)
        assert all(math.isfinite(v) for v in locals_), (point, out, locals_)

    check()


def test_ops_that_divide_or_take_logs_are_checked():
    # Their derivatives can be infinite where the value is finite: they must not skip the check.
    for name in ("/", "**", "log", "log1p", "log2", "log10", "sqrt", "asin", "acos", "acosh",
                 "atanh", "atan2", "hypot"):
        assert not OPS[name].finite_derivatives, name
