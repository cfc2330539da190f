"""Value: one scalar node of a computation graph.

    >>> x = Value(0.5, label='x'); y = (2 * x).tanh()
    >>> y.op, y.parents == (y.parents[0],), round(y.local_grads[0], 4)
    ('tanh', True, 0.42)

A node keeps its data, its grad, its op's name (a key of ``ops.OPS``), its
parents (the Values it was made from, in order, duplicates kept) and the
local derivative d(node)/d(parent) for each parent, evaluated once, at the
forward values. Plain numbers given to an op are folded into the node: they
appear in ``.args`` (everything the op was called with) but not in
``.parents``. No node holds a closure or a reference to itself, so a graph
that is dropped is freed by reference counting alone.

How a node stores its edges. Most nodes have one or two operands, so operand
i keeps its edge in slots of its own: ``_pi`` the parent and ``_li`` the local
derivative d(node)/d(parent). A slot pair with no parent (None) is an operand
that is not there (a unary op's second, a leaf's both) or a plain number, which
is then kept in ``_folded``. A binary node takes 128 bytes this way, where two
tuples would make it 224. A node of any number of inputs (``sum``, ``dot``)
keeps its parents and local derivatives as two aligned tuples in ``_p0`` and
``_l0``, and its arguments in ``_folded`` when numbers are among them.
``.parents``, ``.local_grads`` and ``.args`` give every kind back as tuples.
"""

from __future__ import annotations

import builtins
import math
import numbers
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import compress
from typing import Any

from .display import value_html
from .ops import OPS, Primitive

_isfinite = math.isfinite


def _all_finite(numbers: Any) -> bool:
    # One C-level sum: it is finite when every term is, unless finite terms
    # overflow together, which the slow check then tells apart.
    return _isfinite(_fsum_fast(numbers)) or all(map(_isfinite, numbers))


_fsum_fast = builtins.sum


def _non_finite(out: float, local: tuple) -> OverflowError:
    if not _isfinite(out):
        return OverflowError(f"the result is {out}")
    return OverflowError(
        f"the result {out:.6g} is finite but a local derivative is not ({local}), "
        "so no gradient could flow through this node"
    )


class Value:
    """A scalar that remembers how it was computed.

        >>> a = Value(2.0, label='a'); b = a * a + 1
        >>> b.backward(); a.grad
        4.0
    """

    # The edges: operand i's parent in _pi and d(self)/d(parent) in _li (see the
    # module docstring); the numbers folded into the node, if any, in _folded.
    __slots__ = ("data", "grad", "label", "op", "_p0", "_p1", "_l0", "_l1", "_folded")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data, "Value", label)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._p0 = self._p1 = self._folded = None
        self._l0 = self._l1 = 0.0

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was made from, in order, duplicates kept."""
        first, second = self._p0, self._p1
        if first.__class__ is tuple:
            return first
        if second is None:
            return () if first is None else (first,)
        return (second,) if first is None else (first, second)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, at the forward values, aligned with .parents."""
        first, second = self._p0, self._p1
        if first.__class__ is tuple:
            return self._l0
        if second is None:
            return () if first is None else (self._l0,)
        return (self._l1,) if first is None else (self._l0, self._l1)

    @property
    def args(self) -> tuple:
        """Everything the op was called with: the parents and any folded-in numbers."""
        first, folded = self._p0, self._folded
        if folded is None:
            return self.parents
        if first.__class__ is tuple:
            return folded
        return (folded, self._p1) if first is None else (first, folded)

    # -- arithmetic: each operator is one node of one primitive --------------
    def __add__(self, other: Any) -> Value:
        return _binary(OPS["+"], self, other)

    def __radd__(self, other: Any) -> Value:
        return _binary(OPS["+"], other, self)

    def __sub__(self, other: Any) -> Value:
        return _binary(OPS["-"], self, other)

    def __rsub__(self, other: Any) -> Value:
        return _binary(OPS["-"], other, self)

    def __mul__(self, other: Any) -> Value:
        return _binary(OPS["*"], self, other)

    def __rmul__(self, other: Any) -> Value:
        return _binary(OPS["*"], other, self)

    def __truediv__(self, other: Any) -> Value:
        return _binary(OPS["/"], self, other)

    def __rtruediv__(self, other: Any) -> Value:
        return _binary(OPS["/"], other, self)

    def __pow__(self, other: Any) -> Value:
        return _binary(OPS["**"], self, other)

    def __rpow__(self, other: Any) -> Value:
        return _binary(OPS["**"], other, self)

    def __neg__(self) -> Value:
        return _unary(OPS["neg"], self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(OPS["abs"], self)

    def exp(self) -> Value:
        return _unary(OPS["exp"], self)

    def log(self) -> Value:
        return _unary(OPS["log"], self)

    def tanh(self) -> Value:
        return _unary(OPS["tanh"], self)

    def sigmoid(self) -> Value:
        return _unary(OPS["sigmoid"], self)

    def relu(self) -> Value:
        return _unary(OPS["relu"], self)

    def abs(self) -> Value:
        return _unary(OPS["abs"], self)

    def sqrt(self) -> Value:
        return _unary(OPS["sqrt"], self)

    # -- comparisons read the data and build nothing. Equality stays identity,
    # so that Values hash by identity and can key dicts and sets.
    def __lt__(self, other: Any) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    def __float__(self) -> float:
        return self.data

    # -- reverse mode ---------------------------------------------------------
    def backward(self, grad: float = 1.0) -> None:
        """Add d(self)/d(node) to ``.grad`` of every node self depends on.

            >>> x = Value(3.0); y = x * x; y.backward(); x.grad
            6.0
        """
        from .backward import backward

        backward(self, grad)

    @property
    def primitive(self) -> Primitive | None:
        """This node's entry in the primitive table (None for a leaf)."""
        return OPS.get(self.op)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self.op else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label}{op})"

    def _repr_html_(self) -> str:
        return value_html(self)


# -- making nodes --------------------------------------------------------------

_grad_enabled = [True]  # a list so no_grad can flip it without a `global`


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops compute values but build no graph.

        >>> with no_grad(): y = Value(2.0) * 3
        >>> y.parents
        ()
    """
    previous = _grad_enabled[0]
    _grad_enabled[0] = False
    try:
        yield
    finally:
        _grad_enabled[0] = previous


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``."""
    return _grad_enabled[0]


_new = object.__new__


def _node(data: float, op: str, p0: Any, p1: Any, l0: Any, l1: float, folded: Any) -> Value:
    """A node with its edges in slots (see Value); no checks: the callers did them."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    v.op = op
    v._p0 = p0
    v._p1 = p1
    v._l0 = l0
    v._l1 = l1
    v._folded = folded
    return v


def _constant(data: float) -> Value:
    """What an op makes under no_grad(): a leaf, nothing to differentiate through."""
    return _node(data, "", None, None, 0.0, 0.0, None)


def _unary(prim: Primitive, x: Value) -> Value:
    xd = x.data
    try:
        out = prim.forward(xd)
    except (ValueError, ArithmeticError) as error:
        raise _op_error(prim, (x,), error) from None
    if not _grad_enabled[0]:
        return _constant(_finite_out(out, prim, (x,)))
    try:
        local = prim.derivs[0](out, xd)
    except (ValueError, ArithmeticError) as error:
        raise _derivative_error(prim, (x,), out, error) from None
    if not (_isfinite(out) and (prim.finite_locals or _isfinite(local))):
        raise _op_error(prim, (x,), _non_finite(out, (local,)))
    return _node(out, prim.name, x, None, local, 0.0, None)


def _binary(prim: Primitive, a: Any, b: Any) -> Value:
    a_is = a.__class__ is Value or isinstance(a, Value)
    b_is = b.__class__ is Value or isinstance(b, Value)
    ad = a.data if a_is else _operand(a, prim, b)
    bd = b.data if b_is else _operand(b, prim, a)
    try:
        out = prim.forward(ad, bd)
    except (ValueError, ArithmeticError) as error:
        raise _op_error(prim, (a, b), error) from None
    if not _grad_enabled[0]:
        return _constant(_finite_out(out, prim, (a, b)))
    try:  # a number operand has no edge: its slots stay empty (None, 0.0)
        local_a = prim.derivs[0](out, ad, bd) if a_is else 0.0
        local_b = prim.derivs[1](out, ad, bd) if b_is else 0.0
    except (ValueError, ArithmeticError) as error:
        raise _derivative_error(prim, (a, b), out, error) from None
    if not (_isfinite(out) and (prim.finite_locals or (_isfinite(local_a) and _isfinite(local_b)))):
        local = tuple(d for d, is_value in ((local_a, a_is), (local_b, b_is)) if is_value)
        raise _op_error(prim, (a, b), _non_finite(out, local))
    if a_is and b_is:
        return _node(out, prim.name, a, b, local_a, local_b, None)
    if a_is:
        return _node(out, prim.name, a, None, local_a, 0.0, b)
    return _node(out, prim.name, None, b, 0.0, local_b, a)


def _nary(prim: Primitive, args: tuple) -> Value:
    """One node over any number of inputs (sum, dot); plain numbers are folded in."""
    # The hot path of a network: every operand a Value. A comprehension reads
    # .data faster than map(attrgetter) does, and the class test comes free.
    data = [a.data for a in args if a.__class__ is Value]
    if len(data) == len(args):
        parents, is_value = args, None
    else:  # numbers among the Values (a first layer's inputs), or Value subclasses
        data, parents, is_value = _mixed_operands(prim, args)
    try:
        out = prim.forward(data)
    except (ValueError, ArithmeticError) as error:
        raise _op_error(prim, args, error) from None
    if not _grad_enabled[0]:
        return _constant(_finite_out(out, prim, args))
    try:
        every = prim.derivs[0](out, data)
    except (ValueError, ArithmeticError) as error:
        raise _derivative_error(prim, args, out, error) from None
    if len(every) != len(data):  # a rule of one's own that miscounts would lose gradients
        raise ValueError(
            f"{prim.name}: its rule gave {len(every)} local derivatives for {len(data)} inputs"
        )
    if not (_isfinite(out) and (prim.finite_locals or _all_finite(every))):
        raise _op_error(prim, args, _non_finite(out, every))
    if is_value is not None:
        every = compress(every, is_value)  # only the Values are parents
    # with numbers among the Values, .args needs them all (not so for subclasses only)
    folded = None if is_value is None or all(is_value) else args
    return _node(out, prim.name, parents, None, tuple(every), 0.0, folded)


def _mixed_operands(prim: Primitive, args: tuple) -> tuple[list, tuple, list]:
    """The data of every operand, the Values among them, and which ones they are."""
    data, parents, is_value = [], [], []
    for a in args:
        if isinstance(a, Value):
            data.append(a.data)
            parents.append(a)
            is_value.append(True)
        else:
            good = a.__class__ is float and _isfinite(a)
            data.append(a if good else _operand(a, prim, _first_value(args)))
            is_value.append(False)
    return data, tuple(parents), is_value


def _first_value(args: tuple) -> Value | None:
    """The Value an error about a bad operand among args names."""
    return next((a for a in args if isinstance(a, Value)), None)


def _finite_out(out: float, prim: Primitive, args: tuple) -> float:
    if not _isfinite(out):
        raise _op_error(prim, args, OverflowError(f"the result is {out}"))
    return out


def apply(op: str | Primitive, *args: Any) -> Value:
    """Apply a primitive of the table (by name, or a registered ``Primitive``) as one node.

        >>> apply('tanh', Value(0.5)).op, apply('*', Value(2.0), 3).data
        ('tanh', 6.0)
    """
    prim = OPS[op] if isinstance(op, str) else op
    if OPS.get(prim.name) is not prim:
        raise ValueError(
            f"{prim.name}: not in the primitive table; autograd.register(prim) it first, "
            "so that backward, drawings and checks can read its entry"
        )
    if prim.nary:
        return _nary(prim, args)
    if len(args) != len(prim.derivs):
        raise TypeError(f"{prim.name}: takes {len(prim.derivs)} operands, got {len(args)}")
    if not any(isinstance(a, Value) for a in args):
        raise TypeError(f"{prim.name}: needs at least one Value operand, got {args!r}")
    if len(args) == 1:
        return _unary(prim, args[0])
    if len(args) == 2:
        return _binary(prim, *args)
    raise TypeError(f"{prim.name}: fixed-arity ops take one or two operands")


def sum(values: Iterable[Any]) -> Value:  # noqa: A001 - the contract's name
    """One 'sum' node over all the values, whatever their number.

        >>> s = sum([Value(1.0), Value(2.0), 3]); s.data, s.op, len(s.parents)
        (6.0, 'sum', 2)
    """
    return _nary(OPS["sum"], tuple(values))


def dot(ws: Sequence[Any], xs: Sequence[Any], bias: Any = None) -> Value:
    """One 'dot' node: Σ wᵢ·xᵢ (+ bias). Its local derivative for wᵢ is xᵢ, for xᵢ is wᵢ.

        >>> p = dot([Value(2.0), Value(3.0)], [1.0, 4.0]); p.data, p.local_grads
        (14.0, (1.0, 4.0))

    With a bias, a neuron's pre-activation p = w·q + b is one node (dp/db = 1):

        >>> dot([Value(2.0)], [3.0], Value(0.5)).data
        6.5
    """
    ws = ws if isinstance(ws, (list, tuple)) else tuple(ws)
    xs = xs if isinstance(xs, (list, tuple)) else tuple(xs)
    if len(ws) != len(xs):
        raise ValueError(
            f"dot: the two operands differ in length ({len(ws)} weights, {len(xs)} inputs)"
        )
    if bias is None:
        return _nary(OPS["dot"], (*ws, *xs))
    return _nary(OPS["dot"], (*ws, *xs, bias))


# -- checking input ---------------------------------------------------------------


def _as_float(data: Any, where: str, label: str = "") -> float:
    """data as a finite float, or the error that says what is wrong with it."""
    if data.__class__ is float:
        value = data
    elif isinstance(data, bool) or not isinstance(data, numbers.Real):
        named = f" (label {label!r})" if label else ""
        hint = " (bools are refused: write 1.0 or 0.0)" if isinstance(data, bool) else ""
        raise TypeError(
            f"{where}: data must be an int or a float, got {type(data).__name__} "
            f"{data!r}{named}{hint}"
        )
    else:
        try:
            value = float(data)
        except OverflowError:
            named = f" (label {label!r})" if label else ""
            raise OverflowError(
                f"{where}: an int of {len(str(data))} digits is too large for a float{named}"
            ) from None
    if not _isfinite(value):
        named = f" (label {label!r})" if label else ""
        raise ValueError(f"{where}: data must be finite, got {value!r}{named}")
    return value


def _operand(x: Any, prim: Primitive, other: Any) -> float:
    """A plain-number operand as a float, or a TypeError naming the op and the node."""
    if x.__class__ is float:
        if not _isfinite(x):
            raise ValueError(f"{prim.name}: operand {x!r} is not finite (with {describe(other)})")
        return x
    if x.__class__ is int:
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(
                f"{prim.name}: an int operand of {len(str(x))} digits is too large for a float "
                f"(with {describe(other)})"
            ) from None
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{prim.name}: cannot apply to {type(x).__name__} {x!r} "
            f"(with {describe(other)}); operands must be Values, ints or floats"
        )
    return _as_float(x, prim.name)


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else x


def describe(x: Any) -> str:
    """A node as errors name it: its label, op and data."""
    if not isinstance(x, Value):
        return repr(x)
    if x.label:
        return f"node {x.label!r} = {x.data:.6g}"
    kind = f"output of {x.op!r}" if x.op else "leaf"
    return f"unlabelled {kind} = {x.data:.6g}"


def _derivative_error(prim: Primitive, args: tuple, out: float, error: Exception) -> Exception:
    """The error when the forward is fine but a local derivative is infinite or not real."""
    operands = ", ".join(describe(a) for a in args[:6])
    rules = "; ".join(prim.rules)
    infinite = isinstance(error, ZeroDivisionError) or str(error) in _REASONS
    reason = "it is infinite here" if infinite else str(error)
    kind = ZeroDivisionError if isinstance(error, ZeroDivisionError) else type(error)
    return kind(
        f"{prim.name}: the value {out:.6g} is defined but a local derivative is not ({reason}), "
        f"with operands {operands}; the rule: {rules}. Under no_grad() the op works, "
        "as no derivative is needed"
    )


def _op_error(prim: Primitive, args: tuple, error: Exception) -> Exception:
    """The error an op raises: its kind kept, its message naming op, operands and domain."""
    operands = ", ".join(describe(a) for a in args[:6]) + (
        f", ... ({len(args)} in all)" if len(args) > 6 else ""
    )
    domain = f"; {prim.name} needs {prim.domain}" if prim.domain else ""
    if isinstance(error, ZeroDivisionError):
        kind: type[Exception] = ZeroDivisionError
    elif isinstance(error, OverflowError) or (
        isinstance(error, ValueError) and prim.name == "exp"
    ):
        kind = OverflowError
    elif isinstance(error, ArithmeticError):
        kind = ArithmeticError
    else:
        kind = ValueError
    reason = _REASONS.get(str(error), str(error))
    return kind(f"{prim.name}: {reason}, with operands {operands}{domain}")


_REASONS = {
    "math domain error": "input outside the domain",
    "math range error": "the result overflows a float",
    "float division by zero": "division by zero",
    "division by zero": "division by zero",
}
