"""The primitive table: every op the engine knows, each defined in one entry.

An entry holds the op's forward on floats, the rule for its local derivative
with respect to each input, and the symbols used to print them. Backward,
drawings, chain explanations, traces and gradient checks all read this table;
adding an op is adding one entry (and a method or function that applies it).

    >>> OPS['tanh'].derivs[0](0.5, 0.549)   # d tanh(x)/dx, read off out = tanh(x)
    0.75

A derivative rule is called as ``rule(out, *inputs)``: ``out`` is the op's
forward value and ``inputs`` its inputs, plain numbers included. The rules use
only arithmetic and the helpers below, so the same rule evaluated on Values
builds a graph of the derivative (the door to higher-order derivatives).
Rules reuse ``out`` where the maths allows: the forward is computed once.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Primitive:
    """One op: forward, local derivative rules, and how it prints.

    name     the node's ``.op``
    forward  the op on plain floats
    derivs   one rule per input, ``rule(out, *inputs)``; an n-ary op has one
             rule that returns the whole tuple of local derivatives
             (an n-ary op's forward and rule take the inputs as one
             sequence: ``forward(xs)``, ``rule(out, xs)``)
    symbols  the printed local derivative for each input, a template over
             ``{0}``, ``{1}`` (input names) and ``{out}`` (the node's name);
             or, where a template can't say it, a function of (input names,
             out name), for an n-ary op of (i, input names, out name)
    rules    the derivative written out for a reader, one per input
    text     how the op prints in a trace: ``'tanh({0})'``, ``'sum({args})'``,
             or a function of the input names
    domain   what the inputs must satisfy, said in the error when they do not
    nary     True for ops over any number of inputs (sum, dot)
    finite_locals
             True when the local derivatives are finite wherever the inputs
             and the output are (constants, the inputs themselves, functions
             of a finite output): the engine then skips checking them. Leave
             it False for rules that divide or take logs (/, **, log, sqrt)
    """

    name: str
    forward: Callable[..., float]
    derivs: tuple[Callable[..., Any], ...]
    symbols: tuple[str | Callable[..., str], ...]
    rules: tuple[str, ...]
    text: str | Callable[[list[str]], str]
    domain: str = ""
    nary: bool = False
    finite_locals: bool = False


# --- helpers that work on floats and on Values alike ------------------------


def _d_relu(out: Any, x: Any) -> float:
    """relu'(x): 1 for x > 0, else 0 (0 at the kink, as PyTorch does)."""
    return 1.0 if x > 0 else 0.0


def _d_abs(out: Any, x: Any) -> float:
    """abs'(x): the sign of x, 0 at the kink (as PyTorch does)."""
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def _value_of(x: Any) -> float:
    """The number itself, for a float or a Value (comparisons that must not build nodes)."""
    return x.data if hasattr(x, "grad") else x


def _log(x: Any) -> Any:
    return x.log() if hasattr(x, "log") else math.log(x)


# --- forwards that need more than one Python operator -----------------------


def _sigmoid(x: float) -> float:
    # Written in two branches so that neither ever calls exp of a large number.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _relu(x: float) -> float:
    return x if x > 0 else 0.0


def _pow(x: float, n: float) -> float:
    if x == 0 and n < 0:
        raise ZeroDivisionError("0 to a negative power")
    return math.pow(x, n)  # refuses a negative base to a non-integer power


def _d_pow_base(out: Any, x: Any, n: Any) -> Any:
    # d(x**n)/dx = n * x**(n-1); for n = 0 the power is the constant 1 (even at
    # x = 0, where x**(n-1) would be 1/0), so its derivative is 0.
    if _value_of(n) == 0:
        return 0.0
    return n * x ** (n - 1)


def _pow_base_symbol(names: list[str], out: str) -> str:
    # With a number for exponent, print the power worked out: 2·x, 3·x^2.
    x, n = names
    try:
        k = float(n)
    except ValueError:
        return f"{n}·{x}^({n}-1)"
    if k == 1:
        return "1"
    if k == 2:
        return f"2·{x}"
    if k.is_integer():
        return f"{k:g}·{x}^{k - 1:g}"
    return f"{k:g}·{x}^({k - 1:g})"


def _d_pow_exponent(out: Any, x: Any, n: Any) -> Any:
    # d(x**n)/dn = x**n * log x. At x = 0 (n > 0) the limit is 0; a negative
    # base has no real derivative with respect to the exponent.
    base = _value_of(x)
    if base == 0:
        return 0.0
    if base < 0:
        raise ValueError("d(xⁿ)/dn = xⁿ·log x is not real for a negative base x")
    return out * _log(x)


# dot's arguments are w₁..wₙ, q₁..qₙ and, when there is one, the bias b last
# (an odd count): p = w·q + b, a neuron's pre-activation as ONE node.


def _dot(xs: Sequence[float]) -> float:
    n, has_bias = divmod(len(xs), 2)
    p = builtins.sum(map(operator.mul, xs[:n], xs[n : 2 * n]), 0.0)
    return p + xs[-1] if has_bias else p


def _d_dot(out: float, xs: Sequence[Any]) -> tuple:
    # dp/dwᵢ = qᵢ (the forward chain), dp/dqᵢ = wᵢ, dp/db = 1
    n, has_bias = divmod(len(xs), 2)
    return (*xs[n : 2 * n], *xs[:n], *_BIAS[has_bias])


_BIAS = ((), (1.0,))  # dp/db, when there is a bias


def _dot_symbol(i: int, names: list[str], out: str) -> str:
    n = len(names) // 2
    return names[(i + n) % (2 * n)] if i < 2 * n else "1"


def _dot_text(names: list[str]) -> str:
    n = len(names) // 2
    terms = [f"{w}·{q}" for w, q in zip(names[:n], names[n : 2 * n])] + names[2 * n :]
    return "dot: " + " + ".join(terms) if terms else "dot()"


def _sum(xs: Sequence[float]) -> float:
    return builtins.sum(xs, 0.0)  # a float even with no inputs


def _d_sum(out: float, xs: Sequence[Any]) -> tuple:
    return (1.0,) * len(xs)


# --- the table ---------------------------------------------------------------

_ENTRIES = [
    Primitive(
        "+",
        operator.add,
        (lambda out, a, b: 1.0, lambda out, a, b: 1.0),
        ("1", "1"),
        ("d(a + b)/da = 1", "d(a + b)/db = 1"),
        "{0} + {1}",
        finite_locals=True,
    ),
    Primitive(
        "-",
        operator.sub,
        (lambda out, a, b: 1.0, lambda out, a, b: -1.0),
        ("1", "-1"),
        ("d(a - b)/da = 1", "d(a - b)/db = -1"),
        "{0} - {1}",
        finite_locals=True,
    ),
    Primitive(
        "*",
        operator.mul,
        (lambda out, a, b: b, lambda out, a, b: a),
        ("{1}", "{0}"),
        ("d(a·b)/da = b", "d(a·b)/db = a"),
        "{0} * {1}",
        finite_locals=True,
    ),
    Primitive(
        "/",
        operator.truediv,
        (lambda out, a, b: 1.0 / b, lambda out, a, b: -out / b),
        ("1/{1}", "-{0}/{1}²"),
        ("d(a/b)/da = 1/b", "d(a/b)/db = -a/b² = -(a/b)/b"),
        "{0} / {1}",
        domain="a nonzero divisor",
    ),
    Primitive(
        "neg",
        operator.neg,
        (lambda out, x: -1.0,),
        ("-1",),
        ("d(-x)/dx = -1",),
        "-{0}",
        finite_locals=True,
    ),
    Primitive(
        "**",
        _pow,
        (_d_pow_base, _d_pow_exponent),
        (_pow_base_symbol, "{out}·log {0}"),
        ("d(xⁿ)/dx = n·xⁿ⁻¹", "d(xⁿ)/dn = xⁿ·log x"),
        "{0} ** {1}",
        domain="a base ≥ 0 for a non-integer exponent and a nonzero base for a negative one",
    ),
    Primitive(
        "exp",
        math.exp,
        (lambda out, x: out,),
        ("exp({0})",),
        ("exp'(x) = exp(x)",),
        "exp({0})",
        domain="x ≤ 709.78 (exp overflows a float beyond that)",
        finite_locals=True,
    ),
    Primitive(
        "log",
        math.log,
        (lambda out, x: 1.0 / x,),
        ("1/{0}",),
        ("log'(x) = 1/x",),
        "log({0})",
        domain="x > 0",
    ),
    Primitive(
        "tanh",
        math.tanh,
        (lambda out, x: 1.0 - out * out,),
        ("tanh'({0})",),
        ("tanh'(x) = 1 - tanh(x)²",),
        "tanh({0})",
        finite_locals=True,
    ),
    Primitive(
        "sigmoid",
        _sigmoid,
        (lambda out, x: out * (1.0 - out),),
        ("σ'({0})",),
        ("σ'(x) = σ(x)·(1 - σ(x))",),
        "σ({0})",
        finite_locals=True,
    ),
    Primitive(
        "relu",
        _relu,
        (_d_relu,),
        ("relu'({0})",),
        ("relu'(x) = 1 if x > 0 else 0",),
        "relu({0})",
        finite_locals=True,
    ),
    Primitive(
        "abs",
        abs,
        (_d_abs,),
        ("sign({0})",),
        ("|x|' = sign(x) (0 at x = 0)",),
        "|{0}|",
        finite_locals=True,
    ),
    Primitive(
        "sqrt",
        math.sqrt,
        (lambda out, x: 0.5 / out,),
        ("1/(2√{0})",),
        ("(√x)' = 1/(2√x)",),
        "√{0}",
        domain="x ≥ 0 (and x > 0 for a derivative: 1/(2√x) is infinite at 0)",
    ),
    Primitive(
        "sum",
        _sum,
        (_d_sum,),
        ("1",),
        ("d(Σ xᵢ)/dxᵢ = 1",),
        "sum({args})",
        nary=True,
        finite_locals=True,
    ),
    Primitive(
        "dot",
        _dot,
        (_d_dot,),
        (_dot_symbol,),
        ("d(w·q + b)/dwᵢ = qᵢ (forward chain), d(w·q + b)/dqᵢ = wᵢ, d(w·q + b)/db = 1",),
        _dot_text,
        nary=True,
        finite_locals=True,
    ),
]

OPS: dict[str, Primitive] = {p.name: p for p in _ENTRIES}
"""Every primitive by its name, the ``.op`` of the nodes it makes."""


def register(prim: Primitive) -> Primitive:
    """Add a primitive of your own to the table; then ``autograd.apply(prim, x)`` uses it.

        >>> cube = register(Primitive('cube', lambda x: x ** 3, (lambda out, x: 3 * x * x,),
        ...                           ('3·{0}²',), ('(x³)' = 3x²',), 'cube({0})'))
    """
    if prim.name in OPS and OPS[prim.name] is not prim:
        raise ValueError(f"register: an op named {prim.name!r} is already in the table")
    OPS[prim.name] = prim
    return prim


def local_derivatives(prim: Primitive, out: Any, inputs: tuple, which: tuple[int, ...]) -> tuple:
    """The local derivatives of ``prim`` at ``inputs`` for the input positions in ``which``.

    Works on floats and on Values: the rules are arithmetic.

        >>> local_derivatives(OPS['*'], 6.0, (2.0, 3.0), (0, 1))
        (3.0, 2.0)
    """
    if prim.nary:
        every = prim.derivs[0](out, inputs)
        return tuple(every[i] for i in which)
    return tuple(prim.derivs[i](out, *inputs) for i in which)


def local_symbol(prim: Primitive, i: int, names: list[str], out: str) -> str:
    """The printed local derivative of ``prim`` with respect to input ``i``.

        >>> local_symbol(OPS['sigmoid'], 0, ['p₂'], 'q₂')
        "σ'(p₂)"
    """
    if prim.nary:
        symbol = prim.symbols[0]
        return symbol(i, names, out) if callable(symbol) else symbol.format(out=out)
    symbol = prim.symbols[i]
    if callable(symbol):  # a symbol that depends on a folded number, like xⁿ's
        return symbol(names, out)
    return symbol.format(*names, out=out)


def op_text(prim: Primitive, names: list[str]) -> str:
    """The op applied to named inputs, as a trace prints it: ``tanh(v3)``."""
    if callable(prim.text):
        return prim.text(names)
    if prim.nary:
        return prim.text.format(args=", ".join(names))
    return prim.text.format(*names)
