"""The primitive table: every op the engine knows, each defined in one entry.

An entry holds the op's forward on floats, one rule per input for the local
derivative with respect to that input, and how the op and its derivatives
print (in a trace, a drawing and LaTeX). Backward, drawings, chain
explanations, traces and gradient checks all read this table; adding an op is
adding one entry (and a method or function that applies it).

To find an op's whole entry, search for its name as the entry's first line::

    grep -n 'name="tanh"' autograd/ops.py

Every entry is written ``Primitive(name="...", forward=..., derivatives=...,
...)`` with keywords only, the name first. A rule is called as
``rule(out, *inputs)``: ``out`` is the op's forward value and ``inputs`` its
inputs, plain numbers included.

    >>> OPS['tanh'].derivatives[0](0.5, 0.549)   # d tanh(x)/dx, read off out = tanh(x) = 0.5
    0.75

The rules use only arithmetic and the helpers below (``_cos``, ``_exp``,
``_sqrt`` ... call ``math`` on a number and the Value method on a Value), so
the same rule evaluated on Values builds the graph of the derivative: a
derivative of a derivative comes from the same entry. Rules reuse ``out``
where the maths allows (tanh' = 1 - out², tan' = 1 + out²): the forward is
computed once. A rule that depends on where the input is (relu, abs,
maximum) compares ``.data`` only and returns a number, so no node is built
for a comparison (its own derivative is 0).
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Mistake:
    """A typical wrong local derivative of an op, as learners take it.

    input  which input's derivative is taken wrongly (0, 1; for ``dot``: 0 a
           weight wᵢ, 1 an input qᵢ, 2 the bias)
    code   the WRONG d out/d input as a Python expression template over ``{0}``,
           ``{1}`` (the inputs) and ``{out}``, written as ``Primitive.code`` is:
           arithmetic, ``**``, calls of the names in ``CODE_NAMES`` or of an op's
           forward by its name, and conditional expressions (the live page
           translates it to JavaScript the same way). For ``dot``, ``{0}`` is the
           argument itself and ``{1}`` its partner (the qᵢ of a weight wᵢ)
    says   what the mistake is, in a few words: the wrong factor, then the rule

        >>> m = OPS['tanh'].mistakes[0]; m.code, m.says
        ('1.0 - {0} * {0}', "1 - p²: tanh' reads the output, 1 - q²")

    ``autograd.check_derivation`` tries every one of an op's mistakes on the
    edges into a wrong node and names the one that gives the learner's number.
    """

    input: int
    code: str
    says: str

    def __post_init__(self) -> None:
        if isinstance(self.input, bool) or not isinstance(self.input, int) or self.input < 0:
            raise ValueError(f"Mistake: input must be an int >= 0, got {self.input!r}")
        if not isinstance(self.code, str) or not self.code.strip():
            raise TypeError(f"Mistake: code must be a template string, got {self.code!r}")
        if not isinstance(self.says, str) or not self.says.strip():
            raise TypeError(f"Mistake: says must be a short phrase, got {self.says!r}")


@dataclass(frozen=True, eq=False, kw_only=True)
class Primitive:
    """One op: forward, local derivative rules, and how it prints. Keywords only.

    name         the node's ``.op``
    forward      the op on plain floats
    derivatives  one rule per input, ``rule(out, *inputs)``, giving d out/d input;
                 an n-ary op has one rule that returns the whole tuple of local
                 derivatives (an n-ary op's forward and rule take the inputs as
                 one sequence: ``forward(xs)``, ``rule(out, xs)``)
    symbols      the printed local derivative for each input, a template over
                 ``{0}``, ``{1}`` (input names) and ``{out}`` (the node's name);
                 or, where a template can't say it, a function of (input names,
                 out name), for an n-ary op of (i, input names, out name)
    formulas     the derivative written out for a reader, one per input; error
                 messages and ``check_graph`` quote them
    text         how the op prints in a trace: ``'tanh({0})'``, ``'sum({args})'``,
                 or a function of the input names
    glyph        what a drawing writes in the op's circle (default: the name)
    latex        LaTeX for the words ``symbols`` and ``text`` print:
                 ``{'tanh': r'\\tanh'}`` (see ``latex_words``)
    domain       what the inputs must satisfy, said in the error when they do not
    nary         True for ops over any number of inputs (sum, dot)
    finite_derivatives
                 True when the local derivatives are finite wherever the inputs
                 and the output are (constants, the inputs themselves, bounded
                 functions): the engine then skips checking them. Leave it False
                 for rules that divide or take logs (/, **, log, sqrt, asin ...)
    code         the op as Python for compiled graphs (``autograd.compile``): the
                 forward as an expression over the inputs ``{0}``, ``{1}``, then one
                 expression per input for its local derivative, over the inputs and
                 ``{out}``; each must compute exactly what the forward and the rule
                 compute on floats (a test checks it to the last bit). A rule that
                 reads where its input is (relu, abs, maximum) is written as a
                 conditional expression, so the compiled code branches on every
                 call. Templates may use the names in ``CODE_NAMES`` and each op's
                 forward by the op's name (``sigmoid({0})``). An item may be a
                 function of (input names, out name) instead, as in ``symbols``; an
                 n-ary op gives two functions: of (input names) for the forward, and
                 of (input names, out name) for the list of its derivatives, one per
                 input (as its rule returns them all). Left empty, a compiled graph
                 calls ``forward`` and the rules themselves
    never_inf    True when the forward, on finite inputs, never gives inf or nan
                 (it raises instead, or stays bounded): compiled code then skips
                 checking the node's value (a test holds each such op to it)
    passes_non_finite
                 True when the value is not finite whenever an input is not
                 (+ - * sum dot: inf·0 and inf - inf are nan), so checking the
                 node's value checks its inputs too (compiled code relies on it)
    torch        the op in PyTorch, ``torch(t, *inputs)`` with ``t`` the torch
                 module and the inputs 0-d float64 tensors (an n-ary op:
                 ``torch(t, inputs)``); ``replay_in_torch`` reads it. torch is
                 never imported here: the module is handed in
    activation   True when nn offers the op as an activation by name
                 (``MLP(activation=name)``) and drawings show it as a neuron's σ
    activation_number
                 for a two-input activation, the name and default of its second
                 input, a number written in the name: ``('slope', 0.01)`` makes
                 ``'leaky_relu(0.2)'`` mean slope 0.2
    torch_module for an activation, the ``torch.nn`` module that computes exactly
                 this op: (class name, settings, the setting that holds
                 ``activation_number`` or ``''``); nn's bridge reads it
    mistakes     the typical WRONG local derivatives learners take, each a
                 ``Mistake`` (which input, the wrong derivative as a ``code``
                 template, what it says); ``check_derivation`` names them
    word         the op as a word, for the name a node without a label is given
                 (``mul#2``: the second such ``*`` node; see ``trace.node_names``);
                 default: the name

    Equality is identity: the table keeps one object per op.
    """

    name: str
    forward: Callable[..., float]
    derivatives: tuple[Callable[..., Any], ...]
    symbols: tuple[str | Callable[..., str], ...]
    formulas: tuple[str, ...]
    text: str | Callable[[list[str]], str]
    glyph: str = ""
    latex: Mapping[str, str] = field(default_factory=dict)
    domain: str = ""
    nary: bool = False
    finite_derivatives: bool = False
    code: tuple[str | Callable[..., str], ...] = ()
    never_inf: bool = False
    passes_non_finite: bool = False
    torch: Callable[..., Any] | None = None
    activation: bool = False
    activation_number: tuple[str, float] | None = None
    torch_module: tuple[str, Mapping[str, Any], str] | None = None
    mistakes: tuple[Mistake, ...] = ()
    word: str = ""

    def __post_init__(self) -> None:
        # A learner's own entry is checked here, where it is written, rather
        # than at the first node that uses it.
        where = f"Primitive {self.name!r}"
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"{where}: name must be a non-empty string")
        if not callable(self.forward):
            raise TypeError(f"{where}: forward must be callable, got {self.forward!r}")
        for what in ("derivatives", "symbols", "formulas"):
            if not isinstance(getattr(self, what), tuple):
                raise TypeError(f"{where}: {what} must be a tuple (one item per input)")
        if not all(callable(rule) for rule in self.derivatives):
            raise TypeError(f"{where}: every rule in derivatives must be callable")
        arity = 1 if self.nary else len(self.derivatives)
        if len(self.derivatives) != arity or arity not in (1, 2):
            raise ValueError(
                f"{where}: needs one rule per input (one or two inputs), or nary=True "
                f"and one rule returning them all; got {len(self.derivatives)} rules"
            )
        if len(self.symbols) != arity or len(self.formulas) != arity:
            raise ValueError(
                f"{where}: needs as many symbols and formulas as rules ({arity}); got "
                f"{len(self.symbols)} symbols and {len(self.formulas)} formulas"
            )
        if not (isinstance(self.text, str) or callable(self.text)):
            raise TypeError(f"{where}: text must be a template string or a function of the names")
        if not isinstance(self.latex, Mapping):
            raise TypeError(f"{where}: latex must map printed words to LaTeX, got {self.latex!r}")
        if not isinstance(self.code, tuple):
            raise TypeError(f"{where}: code must be a tuple (the forward, then one item per input)")
        if self.code and len(self.code) != (2 if self.nary else 1 + arity):
            raise ValueError(
                f"{where}: code needs the forward and one derivative per input "
                f"({2 if self.nary else 1 + arity} items); got {len(self.code)}"
            )
        self._check_mistakes(where, arity)
        if not self.glyph:
            object.__setattr__(self, "glyph", self.name)

    def _check_mistakes(self, where: str, arity: int) -> None:
        if not isinstance(self.mistakes, tuple) or not all(
            isinstance(m, Mistake) for m in self.mistakes
        ):
            raise TypeError(f"{where}: mistakes must be a tuple of Mistake")
        for m in self.mistakes:
            if not self.nary and m.input >= arity:
                raise ValueError(f"{where}: a mistake names input {m.input}; the op has {arity}")


# --- helpers that work on floats and on Values alike ------------------------


def _value_of(x: Any) -> float:
    """The number itself, for a float or a Value (comparisons that must not build nodes)."""
    return x.data if hasattr(x, "grad") else x


def _either(method: str, on_number: Callable[[float], float]) -> Callable[[Any], Any]:
    """f(x) as ``on_number(x)`` for a number and ``x.method()`` for a Value."""

    def f(x: Any) -> Any:
        return on_number(x) if isinstance(x, (float, int)) else getattr(x, method)()

    f.__name__ = f.__qualname__ = f"_{method}"
    return f


_exp = _either("exp", math.exp)
_log = _either("log", math.log)
_sqrt = _either("sqrt", math.sqrt)
_sin = _either("sin", math.sin)
_cos = _either("cos", math.cos)
_sinh = _either("sinh", math.sinh)
_cosh = _either("cosh", math.cosh)
_erf = _either("erf", math.erf)
_expm1 = _either("expm1", math.expm1)


def _hypot(a: Any, b: Any) -> Any:
    """√(a² + b²) without overflow in the squares: ``math.hypot`` on numbers, the hypot op
    itself on Values (so a second derivative does not overflow where the first does not)."""
    if isinstance(a, (float, int)) and isinstance(b, (float, int)):
        return math.hypot(a, b)
    return a.hypot(b) if hasattr(a, "hypot") else b.hypot(a)


def _d_atan(out: Any, x: Any) -> Any:
    # 1/(1 + x²), written as (1/r)/r with r = hypot(x, 1): x² would overflow past 1.3e154
    r = _hypot(x, 1.0)
    return 1.0 / r / r


_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = _TWO_OVER_SQRT_PI * _SQRT1_2 * 0.5  # 1/√(2π), as PyTorch writes it


# --- rules and forwards that need more than one expression -------------------


def _d_relu(out: Any, x: Any) -> float:
    """relu'(x): 1 for x > 0, else 0 (0 at the kink, as PyTorch does)."""
    return 1.0 if _value_of(x) > 0 else 0.0


def _d_abs(out: Any, x: Any) -> float:
    """abs'(x): the sign of x, 0 at the kink (as PyTorch does)."""
    x = _value_of(x)
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def _sigmoid(x: float) -> float:
    # Written in two branches so that neither ever calls exp of a large number.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


_sig = _either("sigmoid", _sigmoid)


def _relu(x: float) -> float:
    return x if x > 0 else 0.0


# -- the activations after relu: gelu, silu, softplus, leaky_relu, elu ---------
#
# Each is one node, so a neuron stays p = w·q + b, then q = σ(p) with ONE σ. At
# a kink (leaky_relu and elu at 0) the derivative is the left one, α or the
# slope, as PyTorch's backward gives it (its test is x > 0, else the left side).


def _gelu(x: float) -> float:
    # x·Φ(x) = x·½·(1 + erf(x/√2)), the exact (erf) form, written as PyTorch's kernel
    # writes it, so that both agree to the last bit. For x < -5 it is accurate to
    # 1e-16 absolute, not relative (below x ≈ -8.3, 1 + erf(x/√2) rounds to 0): the
    # true value there is under 1e-15, far below what a network's sums can resolve.
    return x * 0.5 * (1.0 + math.erf(x * _SQRT1_2))


# Past |x| = 40, exp(-x²/2) and exp(-x²) are 0.0 in floating point (below 5e-324 from
# x² > 745), and so is every derivative of them (a polynomial times that 0). On a float
# x·x overflowing to inf is harmless (exp(-inf) = 0), but as a graph for a higher-order
# derivative (x a Value) the node x·x is refused past |x| = 1.3e154: there the rules
# leave the vanished term out instead, the same number to the bit.
_TAIL = 40.0


def _far(x: Any) -> bool:
    """|x| > _TAIL, for a number or a Value."""
    return abs(x if isinstance(x, (float, int)) else x.data) > _TAIL


def _d_gelu(out: Any, x: Any) -> Any:
    """gelu'(x) = Φ(x) + x·φ(x), with Φ the normal CDF and φ its density."""
    cdf = 0.5 * (1.0 + _erf(x * _SQRT1_2))
    if _far(x):
        return cdf  # x·φ(x) is 0.0 (see _TAIL)
    return cdf + x * (_INV_SQRT_2PI * _exp(x * x * -0.5))


def _d_erf(out: Any, x: Any) -> Any:
    """erf'(x) = 2/√π·exp(-x²): 0.0 past _TAIL, as a number (so it is 0 to every order)."""
    if _far(x):
        return 0.0
    return _TWO_OVER_SQRT_PI * _exp(-(x * x))


def _silu(x: float) -> float:
    return x * _sigmoid(x)  # the two-branch sigmoid: no exp of a large number


def _d_silu(out: Any, x: Any) -> Any:
    """silu'(x) = σ(x)·(1 + x·(1 - σ(x))), in the order PyTorch's backward computes it.
    (σ(x) + out·(1 - σ(x)) would reuse out, but near silu's minimum, x ≈ -1.28, where
    the terms cancel, it is the less accurate of the two.)"""
    s = _sig(x)
    return s * (1.0 + x * (1.0 - s))


def _softplus(x: float) -> float:
    # log(1 + eˣ) = max(x, 0) + log1p(e^-|x|): never overflows, and accurate to the
    # last bit everywhere. PyTorch's Softplus (beta 1) returns x itself above its
    # threshold (20 by default), which is off by up to 2e-9; with threshold=40 the
    # two agree (above 40, log1p(e^-x) is below half a unit in the last place of x).
    return (x if x > 0 else 0.0) + math.log1p(math.exp(-abs(x)))


def _leaky_relu(x: float, slope: float) -> float:
    return x if x > 0 else slope * x


def _d_leaky_relu(out: Any, x: Any, slope: Any) -> Any:
    """d/dx: 1 for x > 0, else the slope (at 0 too, as torch's leaky_relu)."""
    return 1.0 if _value_of(x) > 0 else slope


def _d_leaky_relu_slope(out: Any, x: Any, slope: Any) -> Any:
    """d/d slope: x for x ≤ 0, else 0 (a Value slope is PyTorch's PReLU)."""
    return 0.0 if _value_of(x) > 0 else x


def _elu(x: float, alpha: float) -> float:
    return x if x > 0 else alpha * math.expm1(x)


def _d_elu(out: Any, x: Any, alpha: Any) -> Any:
    """d/dx: 1 for x > 0, else α·exp(x) (α at 0, as torch's elu). Not out + α: for
    x ≪ 0 that sum would lose every digit."""
    return 1.0 if _value_of(x) > 0 else alpha * _exp(x)


def _d_elu_alpha(out: Any, x: Any, alpha: Any) -> Any:
    """d/dα: expm1(x) for x ≤ 0, else 0."""
    return 0.0 if _value_of(x) > 0 else _expm1(x)


def _pow(x: float, n: float) -> float:
    if x == 0 and n < 0:
        raise ZeroDivisionError("0 to a negative power")
    return math.pow(x, n)  # refuses a negative base to a non-integer power


def _d_pow_base(out: Any, x: Any, n: Any) -> Any:
    # d(x**n)/dx = n * x**(n-1). For n = 0 at x = 0 the power is the constant 1
    # (x**(n-1) would be 1/0), so its derivative is 0. Elsewhere n = 0 keeps the
    # product: on Values its derivative with respect to n, x**(n-1), is not 0.
    if _value_of(n) == 0 and _value_of(x) == 0:
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


def _d_atan2_y(out: Any, y: Any, x: Any) -> Any:
    # x / (x² + y²), written as (x/r)/r with r = hypot: no overflow or
    # underflow in the squares. At the origin r = 0 and the division raises.
    r = _hypot(y, x)
    return x / r / r


def _d_atan2_x(out: Any, y: Any, x: Any) -> Any:
    r = _hypot(y, x)
    return -y / r / r


def _maximum(a: float, b: float) -> float:
    return a if a >= b else b


def _minimum(a: float, b: float) -> float:
    return a if a <= b else b


def _tie_split(a: Any, b: Any) -> float:
    """1 if a > b, 0 if a < b, ½ at a tie: d max(a, b)/da, as torch.maximum splits it."""
    a, b = _value_of(a), _value_of(b)
    return 1.0 if a > b else (0.5 if a == b else 0.0)


# --- n-ary ops ---------------------------------------------------------------


def dot_parts(args: Sequence[T]) -> tuple[Sequence[T], Sequence[T], T | None]:
    """dot's arguments as (weights, inputs, bias); the bias is None when there is none.

    ``dot(ws, qs, b)`` is one node over the arguments ``(*ws, *qs, b)``: an
    odd count means the last one is the bias, p = w·q + b.

        >>> dot_parts([1.0, 2.0, 3.0, 4.0, 0.5])
        ([1.0, 2.0], [3.0, 4.0], 0.5)
        >>> dot_parts((1.0, 3.0))
        ((1.0,), (3.0,), None)
    """
    n, has_bias = divmod(len(args), 2)
    return args[:n], args[n : 2 * n], (args[-1] if has_bias else None)


def _dot(xs: Sequence[float]) -> float:
    ws, qs, bias = dot_parts(xs)
    p = builtins.sum(map(operator.mul, ws, qs), 0.0)
    return p if bias is None else p + bias


def _d_dot(out: float, xs: Sequence[Any]) -> tuple:
    # dp/dwᵢ = qᵢ (the forward chain), dp/dqᵢ = wᵢ, dp/db = 1
    ws, qs, bias = dot_parts(xs)
    return (*qs, *ws) if bias is None else (*qs, *ws, 1.0)


def _dot_symbol(i: int, names: list[str], out: str) -> str:
    ws, qs, _ = dot_parts(names)
    n = len(ws)
    return (*qs, *ws)[i] if i < 2 * n else "1"


def _dot_text(names: list[str]) -> str:
    ws, qs, bias = dot_parts(names)
    terms = [f"{w}·{q}" for w, q in zip(ws, qs)] + ([] if bias is None else [bias])
    return "dot: " + " + ".join(terms) if terms else "dot()"


def _sum(xs: Sequence[float]) -> float:
    return builtins.sum(xs, 0.0)  # a float even with no inputs


def _d_sum(out: float, xs: Sequence[Any]) -> tuple:
    return (1.0,) * len(xs)


# --- code for compiled graphs: names the templates use, and templates that ------
# --- depend on a folded number or on the number of inputs -----------------------

CODE_NAMES: dict[str, Any] = {
    **{name: getattr(math, name) for name in (
        "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "tanh", "erf", "sin", "cos",
        "tan", "asin", "acos", "atan", "atan2", "hypot", "sinh", "cosh", "asinh", "acosh",
        "atanh",
    )},
    "abs": abs,
    "pow": _pow,  # math.pow's refusals, not ** (which gives a complex for (-8.0) ** (1/3))
    "sigmoid": _sigmoid,
    "LN2": _LN2,
    "LN10": _LN10,
    "TWO_OVER_SQRT_PI": _TWO_OVER_SQRT_PI,
    "SQRT1_2": _SQRT1_2,
    "INV_SQRT_2PI": _INV_SQRT_2PI,
}
"""The names the ``code`` templates may use, besides each op's forward under its name."""


def _literal(text: str) -> float | None:
    """The number a name stands for, when it is a number written out (a folded constant)."""
    try:
        return float(text)
    except ValueError:
        return None


def _pow_base_code(names: list[str], out: str) -> str:
    # _d_pow_base as code; with the exponent a number, the test on it is decided here.
    x, n = names
    k = _literal(n)
    if k is None:
        return f"0.0 if {n} == 0.0 and {x} == 0.0 else {n} * {x} ** ({n} - 1)"
    if k == 0:
        return "0.0"
    return f"{n} * {x}" if k == 2 else f"{n} * {x} ** {k - 1!r}"


def _pow_exponent_code(names: list[str], out: str) -> str:
    # _d_pow_exponent as code: log raises for a negative base, as the rule does
    x, _ = names
    k = _literal(x)
    if k == 0:
        return "0.0"
    return f"{out} * log({x})" if k is not None else f"0.0 if {x} == 0.0 else {out} * log({x})"


# Python's sum adds floats left to right up to 3.11 and compensates the rounding from
# 3.12 on. Written out, sum and dot add left to right where that is what the forward
# does (and a chain is short enough to read); else they call the forward's own sum.
_SUM_IS_PLAIN = builtins.sum([1e16, 1.0, -1e16]) == 0.0
_CHAIN_MAX = 32


def _total(terms: list[str]) -> str:
    if _SUM_IS_PLAIN and len(terms) <= _CHAIN_MAX:
        return " + ".join(["0.0", *terms])  # from 0.0, as sum(xs, 0.0): -0.0 + -0.0 is 0.0
    return f"sum(({', '.join(terms)},))"  # the op's forward: builtins.sum(xs, 0.0)


def _sum_code(names: list[str]) -> str:
    return _total(names) if names else "0.0"


def _dot_code(names: list[str]) -> str:
    ws, qs, bias = dot_parts(names)
    terms = [f"{w} * {q}" for w, q in zip(ws, qs)]
    total = _total(terms) if terms else "0.0"
    return total if bias is None else f"{total} + {bias}"


def _dot_local_code(names: list[str], out: str) -> list[str]:
    ws, qs, bias = dot_parts(names)  # as _d_dot: dp/dwᵢ = qᵢ, dp/dqᵢ = wᵢ, dp/db = 1
    return [*qs, *ws] if bias is None else [*qs, *ws, "1.0"]


# --- the ops in PyTorch (an entry's ``torch``): torch is handed in, never imported -----


def _torch_sum(t: Any, xs: list) -> Any:
    return t.stack(xs).sum() if xs else t.zeros((), dtype=t.float64)


def _torch_dot(t: Any, xs: list) -> Any:
    ws, qs, bias = dot_parts(xs)
    p = t.dot(t.stack(ws), t.stack(qs)) if ws else t.zeros((), dtype=t.float64)
    return p if bias is None else p + bias


def _torch_leaky_relu(t: Any, x: Any, slope: Any) -> Any:
    # torch's PReLU is leaky_relu with the slope a tensor: a Value slope gets its gradient
    return t.nn.functional.prelu(x, slope.reshape(1))


def _torch_elu(t: Any, x: Any, alpha: Any) -> Any:
    if not alpha.requires_grad:  # a folded α: torch's own elu, which takes α as a number
        return t.nn.functional.elu(x, alpha=float(alpha))
    # a Value α: the same function written out (torch's elu has no tensor α); the clamp
    # keeps expm1 of a large x from overflowing in the branch that is not taken
    return t.where(x > 0, x, alpha * t.expm1(t.clamp(x, max=0.0)))


# --- the table: one entry per op, found by grep -n 'name="<op>"' -------------

_ENTRIES = [
    # -- arithmetic ----------------------------------------------------------
    Primitive(
        name="+",
        word="add",
        forward=operator.add,
        derivatives=(lambda out, a, b: 1.0, lambda out, a, b: 1.0),
        symbols=("1", "1"),
        formulas=("d(a + b)/da = 1", "d(a + b)/db = 1"),
        text="{0} + {1}",
        finite_derivatives=True,
        code=("{0} + {1}", "1.0", "1.0"),
        passes_non_finite=True,
        torch=lambda t, a, b: a + b,
    ),
    Primitive(
        name="-",
        word="sub",
        forward=operator.sub,
        derivatives=(lambda out, a, b: 1.0, lambda out, a, b: -1.0),
        symbols=("1", "-1"),
        formulas=("d(a - b)/da = 1", "d(a - b)/db = -1"),
        mistakes=(
            Mistake(1, "1.0", "+1: the minus of d(a - b)/db = -1 dropped"),
        ),
        text="{0} - {1}",
        glyph="−",
        finite_derivatives=True,
        code=("{0} - {1}", "1.0", "-1.0"),
        passes_non_finite=True,
        torch=lambda t, a, b: a - b,
    ),
    Primitive(
        name="*",
        word="mul",
        forward=operator.mul,
        derivatives=(lambda out, a, b: b, lambda out, a, b: a),
        symbols=("{1}", "{0}"),
        formulas=("d(a·b)/da = b", "d(a·b)/db = a"),
        mistakes=(
            Mistake(0, "{0}", "a: d(a·b)/da is the other operand, b"),
            Mistake(1, "{1}", "b: d(a·b)/db is the other operand, a"),
        ),
        text="{0} * {1}",
        glyph="×",
        finite_derivatives=True,
        code=("{0} * {1}", "{1}", "{0}"),
        passes_non_finite=True,
        torch=lambda t, a, b: a * b,
    ),
    Primitive(
        name="/",
        word="div",
        forward=operator.truediv,
        derivatives=(lambda out, a, b: 1.0 / b, lambda out, a, b: -out / b),
        symbols=("1/{1}", "-{0}/{1}²"),
        formulas=("d(a/b)/da = 1/b", "d(a/b)/db = -a/b² = -(a/b)/b"),
        mistakes=(
            Mistake(0, "{1}", "b: d(a/b)/da is 1/b"),
            Mistake(1, "1.0 / {1}", "1/b: d(a/b)/db is -a/b²"),
            Mistake(1, "{0} / ({1} * {1})", "a/b²: the minus of d(a/b)/db = -a/b² dropped"),
            Mistake(1, "-1.0 / ({1} * {1})", "-1/b²: the a of d(a/b)/db = -a/b² forgotten"),
        ),
        text="{0} / {1}",
        glyph="÷",
        domain="a nonzero divisor",
        code=("{0} / {1}", "1.0 / {1}", "-{out} / {1}"),
        torch=lambda t, a, b: a / b,
    ),
    Primitive(
        name="neg",
        forward=operator.neg,
        derivatives=(lambda out, x: -1.0,),
        symbols=("-1",),
        formulas=("d(-x)/dx = -1",),
        mistakes=(
            Mistake(0, "1.0", "+1: d(-x)/dx is -1"),
        ),
        text="-{0}",
        glyph="−x",
        finite_derivatives=True,
        code=("-{0}", "-1.0"),
        never_inf=True,
        torch=lambda t, x: -x,
    ),
    Primitive(
        name="**",
        word="pow",
        forward=_pow,
        derivatives=(_d_pow_base, _d_pow_exponent),
        symbols=(_pow_base_symbol, "{out}·log {0}"),
        formulas=("d(xⁿ)/dx = n·xⁿ⁻¹", "d(xⁿ)/dn = xⁿ·log x"),
        mistakes=(
            Mistake(0, "{1} * pow({0}, {1})", "n·xⁿ: the power rule lowers the exponent, n·xⁿ⁻¹"),
            Mistake(0, "pow({0}, {1} - 1.0)", "xⁿ⁻¹: the factor n of n·xⁿ⁻¹ forgotten"),
            Mistake(
                1, "{1} * pow({0}, {1} - 1.0)",
                "n·xⁿ⁻¹: the power rule is for a constant exponent; d(xⁿ)/dn = xⁿ·log x",
            ),
        ),
        text="{0} ** {1}",
        glyph="xⁿ",
        latex={"log": r"\log"},
        domain="a base ≥ 0 for a non-integer exponent and a nonzero base for a negative one",
        code=("pow({0}, {1})", _pow_base_code, _pow_exponent_code),
        never_inf=True,
        torch=lambda t, x, n: t.pow(x, n),
    ),
    # -- exponentials and logarithms -----------------------------------------
    Primitive(
        name="exp",
        forward=math.exp,  # raises OverflowError beyond 709.78 itself
        derivatives=(lambda out, x: out,),
        symbols=("exp({0})",),
        formulas=("exp'(x) = exp(x)",),
        mistakes=(
            Mistake(0, "{0}", "p: exp' is exp itself, read off the output, q = exp(p)"),
            Mistake(0, "{0} * exp({0} - 1.0)", "p·e^(p-1): eˣ is no power of x; exp' = exp"),
            Mistake(0, "1.0", "1: the inner derivative dropped; exp' = exp(p), not 1"),
        ),
        text="exp({0})",
        latex={"exp": r"\exp"},
        domain="x ≤ 709.78 (exp overflows a float beyond that)",
        finite_derivatives=True,
        code=("exp({0})", "{out}"),
        never_inf=True,
        torch=lambda t, x: t.exp(x),
    ),
    Primitive(
        name="expm1",
        forward=math.expm1,
        # exp(x), not out + 1: for x ≪ 0, out + 1 loses every digit (expm1(-40) + 1 == 0.0)
        derivatives=(lambda out, x: _exp(x),),
        symbols=("exp({0})",),
        formulas=("(eˣ - 1)' = exp(x)",),
        text="expm1({0})",
        latex={"exp": r"\exp", "expm1": r"\operatorname{expm1}"},
        domain="x ≤ 709.78 (exp overflows a float beyond that)",
        code=("expm1({0})", "exp({0})"),
        never_inf=True,
        torch=lambda t, x: t.expm1(x),
    ),
    Primitive(
        name="log",
        forward=math.log,
        derivatives=(lambda out, x: 1.0 / x,),
        symbols=("1/{0}",),
        formulas=("log'(x) = 1/x",),
        mistakes=(
            Mistake(0, "1.0 / {out}", "1/log x: log' is 1/x, over the input, not the output"),
            Mistake(0, "{out}", "log x: log' is 1/x, not log itself"),
        ),
        text="log({0})",
        latex={"log": r"\log"},
        domain="x > 0",
        code=("log({0})", "1.0 / {0}"),
        never_inf=True,
        torch=lambda t, x: t.log(x),
    ),
    Primitive(
        name="log1p",
        forward=math.log1p,
        derivatives=(lambda out, x: 1.0 / (1.0 + x),),
        symbols=("1/(1 + {0})",),
        formulas=("log(1 + x)' = 1/(1 + x)",),
        text="log1p({0})",
        latex={"log1p": r"\operatorname{log1p}"},
        domain="x > -1",
        code=("log1p({0})", "1.0 / (1.0 + {0})"),
        never_inf=True,
        torch=lambda t, x: t.log1p(x),
    ),
    Primitive(
        name="log2",
        forward=math.log2,
        derivatives=(lambda out, x: 1.0 / (x * _LN2),),
        symbols=("1/({0}·log 2)",),
        formulas=("log₂'(x) = 1/(x·log 2)",),
        mistakes=(
            Mistake(0, "1.0 / {0}", "1/x: log₂' is 1/(x·log 2), the log 2 forgotten"),
        ),
        text="log2({0})",
        glyph="log₂",
        latex={"log": r"\log", "log2": r"\log_2"},
        domain="x > 0",
        code=("log2({0})", "1.0 / ({0} * LN2)"),
        never_inf=True,
        torch=lambda t, x: t.log2(x),
    ),
    Primitive(
        name="log10",
        forward=math.log10,
        derivatives=(lambda out, x: 1.0 / (x * _LN10),),
        symbols=("1/({0}·log 10)",),
        formulas=("log₁₀'(x) = 1/(x·log 10)",),
        mistakes=(
            Mistake(0, "1.0 / {0}", "1/x: log₁₀' is 1/(x·log 10), the log 10 forgotten"),
        ),
        text="log10({0})",
        glyph="log₁₀",
        latex={"log": r"\log", "log10": r"\log_{10}"},
        domain="x > 0",
        code=("log10({0})", "1.0 / ({0} * LN10)"),
        never_inf=True,
        torch=lambda t, x: t.log10(x),
    ),
    Primitive(
        name="sqrt",
        forward=math.sqrt,
        derivatives=(lambda out, x: 0.5 / out,),
        symbols=("1/(2√{0})",),
        formulas=("(√x)' = 1/(2√x)",),
        mistakes=(
            Mistake(0, "0.5 / {0}", "1/(2x): (√x)' is 1/(2√x), the root forgotten"),
            Mistake(0, "1.0 / {out}", "1/√x: (√x)' is 1/(2√x), the ½ forgotten"),
            Mistake(0, "0.5 * {out}", "½√x: (√x)' = ½·x^(-½), the exponent not lowered"),
        ),
        text="√{0}",
        glyph="√",
        domain="x ≥ 0 (and x > 0 for a derivative: 1/(2√x) is infinite at 0)",
        code=("sqrt({0})", "0.5 / {out}"),
        never_inf=True,
        torch=lambda t, x: t.sqrt(x),
    ),
    # -- activations ------------------------------------------------------------
    Primitive(
        name="tanh",
        forward=math.tanh,
        derivatives=(lambda out, x: 1.0 - out * out,),
        symbols=("tanh'({0})",),
        formulas=("tanh'(x) = 1 - tanh(x)²",),
        mistakes=(
            Mistake(0, "1.0 - {0} * {0}", "1 - p²: tanh' reads the output, 1 - q²"),
            Mistake(0, "1.0 - {out}", "1 - q: tanh' is 1 - q², squared"),
            Mistake(0, "{out}", "q: that is tanh itself; tanh' = 1 - q²"),
        ),
        text="tanh({0})",
        latex={"tanh": r"\tanh"},
        finite_derivatives=True,
        code=("tanh({0})", "1.0 - {out} * {out}"),
        never_inf=True,
        torch=lambda t, x: t.tanh(x),
        activation=True,
        torch_module=("Tanh", {}, ""),
    ),
    Primitive(
        name="sigmoid",
        forward=_sigmoid,
        derivatives=(lambda out, x: out * (1.0 - out),),
        symbols=("σ'({0})",),
        formulas=("σ'(x) = σ(x)·(1 - σ(x))",),
        mistakes=(
            Mistake(0, "sigmoid({0})", "σ(p): that is σ itself; σ'(p) = σ(p)(1 - σ(p))"),
            Mistake(0, "{0} * (1.0 - {0})", "p(1 - p): σ' reads the output, q(1 - q)"),
            Mistake(0, "1.0 - {out} * {out}", "1 - q²: that is tanh'; σ' = q(1 - q)"),
        ),
        text="σ({0})",
        glyph="σ",
        finite_derivatives=True,
        code=("sigmoid({0})", "{out} * (1.0 - {out})"),
        never_inf=True,
        torch=lambda t, x: t.sigmoid(x),
        activation=True,
        torch_module=("Sigmoid", {}, ""),
    ),
    Primitive(
        name="relu",
        forward=_relu,
        derivatives=(_d_relu,),
        symbols=("relu'({0})",),
        formulas=("relu'(x) = 1 if x > 0 else 0",),
        mistakes=(
            Mistake(
                0, "1.0 if {0} < 0.0 else 0.0",
                "the step on the wrong side: relu' is 1 where p > 0, 0 where p < 0",
            ),
            Mistake(0, "{out}", "relu(p): relu' is the step (1 if p > 0 else 0), not relu itself"),
        ),
        text="relu({0})",
        latex={"relu": r"\operatorname{relu}"},
        finite_derivatives=True,
        code=("{0} if {0} > 0.0 else 0.0", "1.0 if {0} > 0.0 else 0.0"),
        never_inf=True,
        torch=lambda t, x: t.relu(x),
        activation=True,
        torch_module=("ReLU", {}, ""),
    ),
    Primitive(
        name="gelu",
        forward=_gelu,
        derivatives=(_d_gelu,),
        symbols=("gelu'({0})",),
        formulas=("gelu'(x) = Φ(x) + x·φ(x), Φ(x) = (1 + erf(x/√2))/2, φ(x) = exp(-x²/2)/√(2π)",),
        mistakes=(
            Mistake(
                0, "0.5 * (1.0 + erf({0} * SQRT1_2))",
                "Φ(x): gelu = x·Φ(x) needs the product rule, Φ(x) + x·φ(x)",
            ),
        ),
        text="gelu({0})",
        latex={"gelu": r"\operatorname{gelu}"},
        finite_derivatives=True,
        code=(
            "gelu({0})",
            "0.5 * (1.0 + erf({0} * SQRT1_2)) + {0} * (INV_SQRT_2PI * exp({0} * {0} * -0.5))",
        ),
        never_inf=True,
        torch=lambda t, x: t.nn.functional.gelu(x, approximate="none"),
        activation=True,
        torch_module=("GELU", {"approximate": "none"}, ""),
    ),
    Primitive(
        name="silu",
        forward=_silu,
        derivatives=(_d_silu,),
        symbols=("silu'({0})",),
        formulas=("silu'(x) = σ(x)·(1 + x·(1 - σ(x))), with silu(x) = x·σ(x)",),
        mistakes=(
            Mistake(
                0, "sigmoid({0})",
                "σ(x): silu = x·σ(x) needs the product rule, σ(x) + x·σ'(x)",
            ),
        ),
        text="silu({0})",
        latex={"silu": r"\operatorname{silu}"},
        finite_derivatives=True,
        code=("silu({0})", "sigmoid({0}) * (1.0 + {0} * (1.0 - sigmoid({0})))"),
        never_inf=True,
        torch=lambda t, x: t.nn.functional.silu(x),
        activation=True,
        torch_module=("SiLU", {}, ""),
    ),
    Primitive(
        name="softplus",
        forward=_softplus,
        derivatives=(lambda out, x: _sig(x),),
        symbols=("σ({0})",),
        formulas=("softplus'(x) = σ(x), with softplus(x) = log(1 + exp(x))",),
        mistakes=(
            Mistake(
                0, "1.0 / (1.0 + exp({0}))",
                "1/(1 + eˣ): the chain rule inside log(1 + eˣ) lost its eˣ; softplus' = σ(x)",
            ),
        ),
        text="softplus({0})",
        latex={"softplus": r"\operatorname{softplus}"},
        finite_derivatives=True,
        code=("softplus({0})", "sigmoid({0})"),
        never_inf=True,
        torch=lambda t, x: t.nn.functional.softplus(x, beta=1.0, threshold=40.0),
        activation=True,
        torch_module=("Softplus", {"beta": 1.0, "threshold": 40.0}, ""),
    ),
    Primitive(
        name="leaky_relu",
        forward=_leaky_relu,
        derivatives=(_d_leaky_relu, _d_leaky_relu_slope),
        symbols=("leaky_relu'({0})", "min({0}, 0)"),
        formulas=(
            "d leaky_relu(x, a)/dx = 1 if x > 0 else a (a at x = 0, as PyTorch)",
            "d leaky_relu(x, a)/da = x if x ≤ 0 else 0",
        ),
        mistakes=(
            Mistake(
                0, "1.0 if {0} > 0.0 else 0.0",
                "the step of relu: leaky_relu' is the slope, not 0, where p ≤ 0",
            ),
        ),
        text="leaky_relu({0}, {1})",
        glyph="leaky relu",
        latex={"leaky_relu": r"\operatorname{leaky\_relu}", "min": r"\min"},
        finite_derivatives=True,
        code=(
            "{0} if {0} > 0.0 else {1} * {0}",
            "1.0 if {0} > 0.0 else {1}",
            "0.0 if {0} > 0.0 else {0}",
        ),
        torch=_torch_leaky_relu,
        activation=True,
        activation_number=("slope", 0.01),
        torch_module=("LeakyReLU", {"negative_slope": 0.01}, "negative_slope"),
    ),
    Primitive(
        name="elu",
        forward=_elu,
        derivatives=(_d_elu, _d_elu_alpha),
        symbols=("elu'({0})", "expm1(min({0}, 0))"),
        formulas=(
            "d elu(x, α)/dx = 1 if x > 0 else α·exp(x) (α at x = 0, as PyTorch)",
            "d elu(x, α)/dα = exp(x) - 1 if x ≤ 0 else 0",
        ),
        text="elu({0}, {1})",
        latex={"elu": r"\operatorname{elu}", "expm1": r"\operatorname{expm1}", "min": r"\min"},
        finite_derivatives=True,
        code=(
            "{0} if {0} > 0.0 else {1} * expm1({0})",
            "1.0 if {0} > 0.0 else {1} * exp({0})",
            "0.0 if {0} > 0.0 else expm1({0})",
        ),
        never_inf=True,
        torch=_torch_elu,
        activation=True,
        activation_number=("alpha", 1.0),
        torch_module=("ELU", {"alpha": 1.0}, "alpha"),
    ),
    Primitive(
        name="abs",
        forward=abs,
        derivatives=(_d_abs,),
        symbols=("sign({0})",),
        formulas=("|x|' = sign(x) (0 at x = 0)",),
        mistakes=(
            Mistake(0, "1.0", "+1: abs' is sign(x), -1 for x < 0"),
        ),
        text="|{0}|",
        latex={"sign": r"\operatorname{sign}"},
        finite_derivatives=True,
        code=("abs({0})", "1.0 if {0} > 0.0 else (-1.0 if {0} < 0.0 else 0.0)"),
        never_inf=True,
        torch=lambda t, x: t.abs(x),
    ),
    Primitive(
        name="erf",
        forward=math.erf,
        derivatives=(_d_erf,),
        symbols=("2/√π·exp(-{0}²)",),
        formulas=("erf'(x) = 2/√π·exp(-x²)",),
        text="erf({0})",
        latex={"erf": r"\operatorname{erf}", "exp": r"\exp"},
        finite_derivatives=True,
        code=("erf({0})", "TWO_OVER_SQRT_PI * exp(-({0} * {0}))"),
        never_inf=True,
        torch=lambda t, x: t.erf(x),
    ),
    # -- trigonometric ----------------------------------------------------------
    Primitive(
        name="sin",
        forward=math.sin,
        derivatives=(lambda out, x: _cos(x),),
        symbols=("cos({0})",),
        formulas=("sin'(x) = cos(x)",),
        mistakes=(
            Mistake(0, "-cos({0})", "-cos x: sin' = cos, no minus"),
        ),
        text="sin({0})",
        latex={"sin": r"\sin", "cos": r"\cos"},
        finite_derivatives=True,
        code=("sin({0})", "cos({0})"),
        never_inf=True,
        torch=lambda t, x: t.sin(x),
    ),
    Primitive(
        name="cos",
        forward=math.cos,
        derivatives=(lambda out, x: -_sin(x),),
        symbols=("-sin({0})",),
        formulas=("cos'(x) = -sin(x)",),
        mistakes=(
            Mistake(0, "sin({0})", "sin x: the minus of cos' = -sin x dropped"),
        ),
        text="cos({0})",
        latex={"sin": r"\sin", "cos": r"\cos"},
        finite_derivatives=True,
        code=("cos({0})", "-sin({0})"),
        never_inf=True,
        torch=lambda t, x: t.cos(x),
    ),
    Primitive(
        name="tan",
        forward=math.tan,
        derivatives=(lambda out, x: 1.0 + out * out,),
        symbols=("1 + {out}²",),
        formulas=("tan'(x) = 1 + tan(x)²",),
        mistakes=(
            Mistake(0, "1.0 + {0} * {0}", "1 + x²: tan' reads the output, 1 + tan²x"),
        ),
        text="tan({0})",
        latex={"tan": r"\tan"},
        # no domain to state: a float never lands on a pole π/2 + kπ, where tan
        # would be infinite (|tan x| stays below 1.7e16, its derivative below 3e32)
        finite_derivatives=True,
        code=("tan({0})", "1.0 + {out} * {out}"),
        never_inf=True,
        torch=lambda t, x: t.tan(x),
    ),
    Primitive(
        name="asin",
        forward=math.asin,
        derivatives=(lambda out, x: 1.0 / _sqrt((1.0 - x) * (1.0 + x)),),
        symbols=("1/√(1 - {0}²)",),
        formulas=("asin'(x) = 1/√(1 - x²)",),
        text="asin({0})",
        latex={"asin": r"\arcsin"},
        domain="-1 ≤ x ≤ 1 (and |x| < 1 for a derivative: 1/√(1 - x²) is infinite at ±1)",
        code=("asin({0})", "1.0 / sqrt((1.0 - {0}) * (1.0 + {0}))"),
        never_inf=True,
        torch=lambda t, x: t.asin(x),
    ),
    Primitive(
        name="acos",
        forward=math.acos,
        derivatives=(lambda out, x: -1.0 / _sqrt((1.0 - x) * (1.0 + x)),),
        symbols=("-1/√(1 - {0}²)",),
        formulas=("acos'(x) = -1/√(1 - x²)",),
        text="acos({0})",
        latex={"acos": r"\arccos"},
        domain="-1 ≤ x ≤ 1 (and |x| < 1 for a derivative: -1/√(1 - x²) is infinite at ±1)",
        code=("acos({0})", "-1.0 / sqrt((1.0 - {0}) * (1.0 + {0}))"),
        never_inf=True,
        torch=lambda t, x: t.acos(x),
    ),
    Primitive(
        name="atan",
        forward=math.atan,
        derivatives=(_d_atan,),
        symbols=("1/(1 + {0}²)",),
        formulas=("atan'(x) = 1/(1 + x²)",),
        mistakes=(
            Mistake(0, "1.0 / (1.0 - {0} * {0})", "1/(1 - x²): atan' is 1/(1 + x²)"),
        ),
        text="atan({0})",
        latex={"atan": r"\arctan"},
        finite_derivatives=True,
        code=("atan({0})", "1.0 / hypot({0}, 1.0) / hypot({0}, 1.0)"),
        never_inf=True,
        torch=lambda t, x: t.atan(x),
    ),
    Primitive(
        name="atan2",
        forward=math.atan2,
        derivatives=(_d_atan2_y, _d_atan2_x),
        symbols=("{1}/({0}² + {1}²)", "-{0}/({0}² + {1}²)"),
        formulas=("d atan2(y, x)/dy = x/(x² + y²)", "d atan2(y, x)/dx = -y/(x² + y²)"),
        text="atan2({0}, {1})",
        latex={"atan2": r"\operatorname{atan2}"},
        domain="(y, x) ≠ (0, 0) for a derivative: the angle has none at the origin",
        code=(
            "atan2({0}, {1})",
            "{1} / hypot({0}, {1}) / hypot({0}, {1})",
            "-{0} / hypot({0}, {1}) / hypot({0}, {1})",
        ),
        never_inf=True,
        torch=lambda t, y, x: t.atan2(y, x),
    ),
    Primitive(
        name="hypot",
        forward=math.hypot,
        derivatives=(lambda out, x, y: x / out, lambda out, x, y: y / out),
        symbols=("{0}/{out}", "{1}/{out}"),
        formulas=("d hypot(x, y)/dx = x/√(x² + y²)", "d hypot(x, y)/dy = y/√(x² + y²)"),
        text="hypot({0}, {1})",
        latex={"hypot": r"\operatorname{hypot}"},
        domain="a result below 1.8e308, and (x, y) ≠ (0, 0) for a derivative (like √ at 0, "
        "it has none at the origin)",
        code=("hypot({0}, {1})", "{0} / {out}", "{1} / {out}"),
        torch=lambda t, x, y: t.hypot(x, y),
    ),
    # -- hyperbolic -------------------------------------------------------------
    Primitive(
        name="sinh",
        forward=math.sinh,
        derivatives=(lambda out, x: _cosh(x),),
        symbols=("cosh({0})",),
        formulas=("sinh'(x) = cosh(x)",),
        text="sinh({0})",
        latex={"sinh": r"\sinh", "cosh": r"\cosh"},
        domain="|x| ≤ 710.47 (sinh overflows a float beyond that)",
        code=("sinh({0})", "cosh({0})"),
        never_inf=True,
        torch=lambda t, x: t.sinh(x),
    ),
    Primitive(
        name="cosh",
        forward=math.cosh,
        derivatives=(lambda out, x: _sinh(x),),
        symbols=("sinh({0})",),
        formulas=("cosh'(x) = sinh(x)",),
        mistakes=(
            Mistake(0, "-sinh({0})", "-sinh x: cosh' = sinh x, no minus (unlike cos)"),
        ),
        text="cosh({0})",
        latex={"sinh": r"\sinh", "cosh": r"\cosh"},
        domain="|x| ≤ 710.47 (cosh overflows a float beyond that)",
        code=("cosh({0})", "sinh({0})"),
        never_inf=True,
        torch=lambda t, x: t.cosh(x),
    ),
    Primitive(
        name="asinh",
        forward=math.asinh,
        derivatives=(lambda out, x: 1.0 / _hypot(x, 1.0),),
        symbols=("1/√({0}² + 1)",),
        formulas=("asinh'(x) = 1/√(x² + 1)",),
        text="asinh({0})",
        latex={"asinh": r"\operatorname{arsinh}"},
        finite_derivatives=True,
        code=("asinh({0})", "1.0 / hypot({0}, 1.0)"),
        never_inf=True,
        torch=lambda t, x: t.asinh(x),
    ),
    Primitive(
        name="acosh",
        forward=math.acosh,
        # two roots, not √(x² - 1): x² would overflow for x > 1.3e154
        derivatives=(lambda out, x: 1.0 / (_sqrt(x - 1.0) * _sqrt(x + 1.0)),),
        symbols=("1/√({0}² - 1)",),
        formulas=("acosh'(x) = 1/√(x² - 1)",),
        text="acosh({0})",
        latex={"acosh": r"\operatorname{arcosh}"},
        domain="x ≥ 1 (and x > 1 for a derivative: 1/√(x² - 1) is infinite at 1)",
        code=("acosh({0})", "1.0 / (sqrt({0} - 1.0) * sqrt({0} + 1.0))"),
        never_inf=True,
        torch=lambda t, x: t.acosh(x),
    ),
    Primitive(
        name="atanh",
        forward=math.atanh,
        derivatives=(lambda out, x: 1.0 / ((1.0 - x) * (1.0 + x)),),
        symbols=("1/(1 - {0}²)",),
        formulas=("atanh'(x) = 1/(1 - x²)",),
        text="atanh({0})",
        latex={"atanh": r"\operatorname{artanh}"},
        domain="-1 < x < 1",
        code=("atanh({0})", "1.0 / ((1.0 - {0}) * (1.0 + {0}))"),
        never_inf=True,
        torch=lambda t, x: t.atanh(x),
    ),
    # -- piecewise: the rule reads .data, builds no node --------------------------
    Primitive(
        name="maximum",
        forward=_maximum,
        derivatives=(lambda out, a, b: _tie_split(a, b), lambda out, a, b: _tie_split(b, a)),
        symbols=("[{0} > {1}]", "[{1} > {0}]"),
        formulas=(
            "d max(a, b)/da = 1 if a > b, 0 if a < b, ½ at a tie (as torch.maximum)",
            "d max(a, b)/db = 1 if b > a, 0 if b < a, ½ at a tie (as torch.maximum)",
        ),
        mistakes=(
            Mistake(0, "1.0", "1: only the larger input gets the gradient of max"),
            Mistake(1, "1.0", "1: only the larger input gets the gradient of max"),
        ),
        text="max({0}, {1})",
        glyph="max",
        latex={"max": r"\max"},
        finite_derivatives=True,
        code=(
            "{0} if {0} >= {1} else {1}",
            "1.0 if {0} > {1} else (0.5 if {0} == {1} else 0.0)",
            "1.0 if {1} > {0} else (0.5 if {1} == {0} else 0.0)",
        ),
        never_inf=True,
        torch=lambda t, a, b: t.maximum(a, b),
    ),
    Primitive(
        name="minimum",
        forward=_minimum,
        derivatives=(lambda out, a, b: _tie_split(b, a), lambda out, a, b: _tie_split(a, b)),
        symbols=("[{0} < {1}]", "[{1} < {0}]"),
        formulas=(
            "d min(a, b)/da = 1 if a < b, 0 if a > b, ½ at a tie (as torch.minimum)",
            "d min(a, b)/db = 1 if b < a, 0 if b > a, ½ at a tie (as torch.minimum)",
        ),
        mistakes=(
            Mistake(0, "1.0", "1: only the smaller input gets the gradient of min"),
            Mistake(1, "1.0", "1: only the smaller input gets the gradient of min"),
        ),
        text="min({0}, {1})",
        glyph="min",
        latex={"min": r"\min"},
        finite_derivatives=True,
        code=(
            "{0} if {0} <= {1} else {1}",
            "1.0 if {1} > {0} else (0.5 if {1} == {0} else 0.0)",
            "1.0 if {0} > {1} else (0.5 if {0} == {1} else 0.0)",
        ),
        never_inf=True,
        torch=lambda t, a, b: t.minimum(a, b),
    ),
    # -- any number of inputs ---------------------------------------------------
    Primitive(
        name="sum",
        forward=_sum,
        derivatives=(_d_sum,),
        symbols=("1",),
        formulas=("d(Σ xᵢ)/dxᵢ = 1",),
        text="sum({args})",
        glyph="Σ",
        latex={"sum": r"\operatorname{sum}"},
        nary=True,
        finite_derivatives=True,
        code=(_sum_code, lambda names, out: ["1.0"] * len(names)),
        passes_non_finite=True,
        torch=_torch_sum,
    ),
    Primitive(
        name="dot",
        forward=_dot,
        derivatives=(_d_dot,),
        symbols=(_dot_symbol,),
        formulas=(
            "d(w·q + b)/dwᵢ = qᵢ (forward chain), d(w·q + b)/dqᵢ = wᵢ, d(w·q + b)/db = 1",
        ),
        mistakes=(
            Mistake(0, "{0}", "w: d(w·q + b)/dw is the input q the weight multiplies"),
            Mistake(1, "{0}", "q: d(w·q + b)/dq is the weight w"),
            Mistake(2, "{0}", "b: d(w·q + b)/db is 1"),
        ),
        text=_dot_text,
        glyph="w·q",
        latex={"dot": r"\operatorname{dot}"},
        nary=True,
        finite_derivatives=True,
        code=(_dot_code, _dot_local_code),
        passes_non_finite=True,
        torch=_torch_dot,
    ),
]

OPS: dict[str, Primitive] = {p.name: p for p in _ENTRIES}
"""Every primitive by its name, the ``.op`` of the nodes it makes."""


def register(prim: Primitive) -> Primitive:
    """Add a primitive of your own to the table; then ``autograd.apply(prim, x)`` uses it.

        >>> cube = Primitive(name='cube', forward=lambda x: x ** 3,
        ...                  derivatives=(lambda out, x: 3 * x * x,), symbols=('3·{0}²',),
        ...                  formulas=("(x³)' = 3x²",), text='cube({0})')
        >>> register(cube) is OPS['cube']
        True
        >>> from autograd import Value, apply
        >>> apply(cube, Value(2.0)).local_grads
        (12.0,)
        >>> del OPS['cube']  # the example tidies the table up after itself
    """
    if not isinstance(prim, Primitive):
        raise TypeError(f"register: expected a Primitive, got {type(prim).__name__}")
    if prim.name in OPS and OPS[prim.name] is not prim:
        raise ValueError(f"register: an op named {prim.name!r} is already in the table")
    OPS[prim.name] = prim
    return prim


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
    """The op applied to named inputs, as a trace prints it.

        >>> op_text(OPS['tanh'], ['v3']), op_text(OPS['atan2'], ['y', 'x'])
        ('tanh(v3)', 'atan2(y, x)')
    """
    if callable(prim.text):
        return prim.text(names)
    if prim.nary:
        return prim.text.format(args=", ".join(names))
    return prim.text.format(*names)


def latex_words() -> dict[str, str]:
    """LaTeX for every word the table's symbols and texts print, registered ops included.

        >>> latex_words()['cos'], latex_words()['relu']
        ('\\\\cos', '\\\\operatorname{relu}')
    """
    words: dict[str, str] = {}
    for prim in OPS.values():
        words.update(prim.latex)
    return words
