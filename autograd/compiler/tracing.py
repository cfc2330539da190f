"""Tracing f for ``autograd.compile``: every way a number leaves the graph, followed.

A compiled graph is right on later calls only if nothing f did depended on the
numbers in ways the graph does not show. While f is traced, this module watches
the places where a number can leave the graph and come back as Python:

* numbers of the data (the arguments outside ``argnums``) reach f as ``Traced``
  numbers: they compute like floats and remember how they were computed from
  the data (``x * 2.0`` is ``('*', ('a', 'x'), ('c', 2.0))``);
* ``node.data`` read by f's own code gives a ``Traced`` number too, standing
  for that node's value (nn's ``cross_entropy`` reads its logits this way);
* a comparison (``x > 0``, ``z.data >= 0``, ``max(zs)``) records a *guard*:
  the compiled code checks the same comparison on every call and refuses the
  call when it comes out differently (compile then traces again);
* a Traced number that the engine folds into a node (``w * x``, ``Value(x)``)
  is converted to a fresh float whose identity is kept: the code generator
  finds it among the node's arguments and writes its expression there (one
  the engine converted but no node holds is pinned, as below);
* a number that leaves any other way (``float(x)`` or ``math.exp(x)`` in f's
  code, ``int()``, ``round()``, a hash) is pinned by an *exact* guard: the
  compiled code holds only while that number is the same as when traced;
* a read of ``.grad`` or ``.local_grads``, or a write to ``.data``, made by f
  itself cannot be followed at all, and the trace is refused.

The engine's own reads of ``.data`` (building a node, checking an operand)
are told apart by the module of the frame that reads: anything in ``autograd``.
Reading ``.data`` goes through a descriptor of ours only while some thread is
tracing (``probes()``); the recorder is per thread and task (a ContextVar), so
other threads compute as usual, only a little slower for that time.
"""

from __future__ import annotations

import builtins
import math
import numbers
import operator
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .. import value as _value_module
from ..graph import SharedSwitch
from ..value import Value

# An expression over the inputs of a compiled function: ('a', name) an input,
# ('n', node) a node's value, ('c', number) a constant, (op, left, right) a
# binary operation and (op, operand) a unary one ('neg', 'pos', 'abs').
Expr = tuple


class Recorder:
    """What one trace saw: guards, conversions of data into nodes, and refusals."""

    def __init__(self) -> None:
        self.guards: list[tuple[Expr, str, Expr, bool]] = []
        self.converted: dict[int, tuple[float, Expr]] = {}  # id(float) -> (float, expr)
        self.refusals: list[str] = []
        # ids of the nodes f made (the others existed before): ids, not the nodes, so
        # that the trace holds no reference the engine's sum() merge would see
        self.created: set[int] = set()
        self.watching = False  # True once a trace has run: created is then complete

    def guard(self, left: Expr, op: str, right: Expr, outcome: bool) -> None:
        if left[0] != "c" or right[0] != "c":  # a comparison of constants depends on nothing
            self.guards.append((left, op, right, bool(outcome)))

    def pin(self, expr: Expr, value: Any) -> None:
        """A number left as Python: the compiled code holds only while it is unchanged."""
        self.guard(expr, "==", ("c", value), True)

    def convert(self, number: Traced) -> float:
        """The float the engine folds into a node, fresh, so that its identity names it."""
        fresh = number.value * 1.0  # a new object: never a constant of f's own code
        expr = number.expr if number.value.__class__ is float else ("float", number.expr)
        self.converted[id(fresh)] = (fresh, expr)
        return fresh


_recorder: ContextVar[Recorder | None] = ContextVar("autograd_compile_recorder", default=None)


def recording() -> Recorder | None:
    """The recorder of the trace running in this thread or task, if any."""
    return _recorder.get()


@contextmanager
def recorder(rec: Recorder) -> Iterator[Recorder]:
    """Record into ``rec`` in this thread or task while the block runs."""
    token = _recorder.set(rec)
    rec.watching = True
    try:
        with probes():
            yield rec
    finally:
        _recorder.reset(token)


def _in_engine(depth: int = 2) -> bool:
    """True when the reading frame belongs to autograd itself (not to f's code)."""
    name = sys._getframe(depth).f_globals.get("__name__", "")
    return name == "autograd" or name.startswith("autograd.")


def _user_recorder(depth: int = 3) -> Recorder | None:
    rec = _recorder.get()
    if rec is None or _in_engine(depth):
        return None
    return rec


# -- numbers computed from the data -------------------------------------------------

_PLAIN = (int, float)


def _operand(x: Any) -> tuple[Any, Expr] | None:
    if isinstance(x, Traced):
        return x.value, x.expr
    if isinstance(x, _PLAIN):
        return x, ("c", x)
    return None


def _arithmetic(op: str, fn: Any) -> tuple[Any, Any]:
    def forward(self: Traced, other: Any) -> Any:
        seen = _operand(other)
        if seen is None:
            return NotImplemented  # a Value folds us in (through __float__)
        return Traced(fn(self.value, seen[0]), (op, self.expr, seen[1]))

    def reflected(self: Traced, other: Any) -> Any:
        seen = _operand(other)
        if seen is None:
            return NotImplemented
        return Traced(fn(seen[0], self.value), (op, seen[1], self.expr))

    return forward, reflected


COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})


def compared(op: str, left: Expr, right: Expr, outcome: bool, depth: int = 3) -> Any:
    """A comparison's result while f is traced: a Traced bool, a guard only once used.

    The comparison becomes a guard when its truth is asked for (``if``, ``and``,
    ``max``, ``not``: ``__bool__``) or it is turned into a plain number, never
    because it was made: an accuracy computed beside the loss
    (``(y > 0) == (s.data > 0)``, summed, divided) stays an expression that the
    compiled code computes on every call. A comparison made by the engine itself
    is a guard at once (the engine branches on it).
    """
    rec = _recorder.get()
    if rec is None:
        return outcome
    if _in_engine(depth):
        rec.guard(left, op, right, outcome)
        return outcome
    if left[0] == "c" and right[0] == "c":
        return outcome
    return Traced(outcome, (op, left, right))


def _comparison(op: str, fn: Any) -> Any:
    def compare(self: Traced, other: Any) -> Any:
        seen = _operand(other)
        if seen is None:
            return NotImplemented  # a Value compares itself with us, and records that
        return compared(op, self.expr, seen[1], fn(self.value, seen[0]))

    return compare


def _pinned(fn: Any) -> Any:
    def method(self: Traced, *args: Any) -> Any:
        rec = _recorder.get()
        if rec is not None:
            rec.pin(self.expr, self.value)
        return fn(self.value, *args)

    return method


class Traced:
    """A number computed from the data while f is traced: its value and its expression.

    It computes like the float it stands for; comparing it records a guard,
    and anything that turns it into a plain number pins it (see the module).
    """

    __slots__ = ("value", "expr")

    def __init__(self, value: Any, expr: Expr) -> None:
        self.value = value
        self.expr = expr

    __add__, __radd__ = _arithmetic("+", operator.add)
    __sub__, __rsub__ = _arithmetic("-", operator.sub)
    __mul__, __rmul__ = _arithmetic("*", operator.mul)
    __truediv__, __rtruediv__ = _arithmetic("/", operator.truediv)
    __floordiv__, __rfloordiv__ = _arithmetic("//", operator.floordiv)
    __mod__, __rmod__ = _arithmetic("%", operator.mod)
    __pow__, __rpow__ = _arithmetic("**", operator.pow)
    __lt__ = _comparison("<", operator.lt)
    __le__ = _comparison("<=", operator.le)
    __gt__ = _comparison(">", operator.gt)
    __ge__ = _comparison(">=", operator.ge)
    __eq__ = _comparison("==", operator.eq)  # type: ignore[assignment]
    __ne__ = _comparison("!=", operator.ne)  # type: ignore[assignment]

    def __neg__(self) -> Traced:
        return Traced(-self.value, ("neg", self.expr))

    def __pos__(self) -> Traced:
        return Traced(+self.value, ("pos", self.expr))

    def __abs__(self) -> Traced:
        return Traced(abs(self.value), ("abs", self.expr))

    __and__, __rand__ = _arithmetic("&", operator.and_)
    __or__, __ror__ = _arithmetic("|", operator.or_)
    __xor__, __rxor__ = _arithmetic("^", operator.xor)

    def __invert__(self) -> Traced:
        return Traced(~self.value, ("~", self.expr))

    def __bool__(self) -> bool:
        """Python asks for the truth (``if x``, ``x and y``, ``max``): a guard."""
        outcome = bool(self.value)
        rec = _recorder.get()
        if rec is not None:
            expr = self.expr
            if expr[0] in COMPARISONS:
                rec.guard(expr[1], expr[0], expr[2], outcome)
            else:
                rec.guard(expr, "!=", ("c", 0), outcome)
        return outcome

    def __float__(self) -> float:
        rec = _recorder.get()
        if rec is None:
            return float(self.value)
        if _in_engine():  # the engine folds it into a node: follow it there
            if self.value.__class__ is bool:  # the engine refuses a bool: so must the trace
                raise TypeError("a comparison's result (a bool) used as an operand")
            return rec.convert(self)
        rec.pin(self.expr, self.value)  # f's own float(x), math.exp(x): pinned
        return float(self.value)

    __hash__ = _pinned(hash)  # type: ignore[assignment]
    __int__ = _pinned(int)
    __index__ = _pinned(operator.index)
    __trunc__ = _pinned(math.trunc)
    __floor__ = _pinned(math.floor)
    __ceil__ = _pinned(math.ceil)
    __round__ = _pinned(round)
    is_integer = _pinned(float.is_integer)
    hex = _pinned(float.hex)
    as_integer_ratio = _pinned(float.as_integer_ratio)

    @property
    def real(self) -> Traced:
        return self

    @property
    def imag(self) -> float:
        return 0.0

    def conjugate(self) -> Traced:
        return self

    # a number turned into text (printed, formatted, a dict key made of it) is
    # pinned: the compiled code holds only while the number is the same
    __repr__ = _pinned(repr)  # type: ignore[assignment]
    __str__ = _pinned(str)  # type: ignore[assignment]
    __format__ = _pinned(format)  # type: ignore[assignment]


numbers.Real.register(Traced)


def value_of(x: Any) -> Any:
    """The plain number behind a Traced number or a Value (read as the engine reads it)."""
    if isinstance(x, Traced):
        return x.value
    if isinstance(x, Value):
        return _SLOT_DATA.__get__(x, Value)
    return x


def expr_of(x: Any) -> Expr | None:
    """The expression of a Traced number, a Value or a plain number; None for others."""
    if isinstance(x, Traced):
        return x.expr
    if isinstance(x, Value):
        return ("n", x)
    if isinstance(x, _PLAIN):
        return ("c", x)
    return None


# -- Value, watched while a trace runs -----------------------------------------------

_SLOT_DATA = Value.__dict__["data"]


class _DataProbe:
    """Value.data while some thread traces: f's own reads give Traced numbers."""

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = _SLOT_DATA.__get__(obj, owner)
        rec = _user_recorder()
        return value if rec is None else Traced(value, ("n", obj))

    def __set__(self, obj: Any, value: Any) -> None:
        rec = _recorder.get()
        if rec is not None and _in_engine(2):
            rec.created.add(id(obj))  # a node being made: one of f's own
        elif rec is not None:
            rec.refusals.append(
                "f sets .data of a Value (an optimizer step inside f?): the compiled code "
                "would not do that on later calls"
            )
        _SLOT_DATA.__set__(obj, value)


class _Unfollowable:
    """An attribute whose value f may not read while traced (.grad, .local_grads)."""

    def __init__(self, name: str, original: Any) -> None:
        self.name = name
        self.original = original

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        rec = _user_recorder()
        if rec is not None:
            rec.refusals.append(
                f"f reads .{self.name} of a Value: the numbers found there (a gradient after "
                "backward(), a local derivative, a folded number) cannot be followed into "
                "the compiled code; differentiate inside f with autograd.grad or "
                "gradients(..., create_graph=True), and compute with the Values themselves"
            )
        return self.original.__get__(obj, owner)

    def __set__(self, obj: Any, value: Any) -> None:
        self.original.__set__(obj, value)


def _value_comparison(op: str, fn: Any, original: Any) -> Any:
    def compare(self: Value, other: Any) -> Any:
        rec = _user_recorder()
        right = expr_of(other)
        if rec is None or right is None:
            return original(self, other)
        return compared(op, ("n", self), right, fn(value_of(self), value_of(other)))

    compare.__name__ = original.__name__
    return compare


def _value_float(original: Any) -> Any:
    def as_float(self: Value) -> float:
        rec = _user_recorder()
        if rec is not None:
            rec.pin(("n", self), value_of(self))
        return original(self)

    return as_float


_COMPARISONS = {"__lt__": ("<", operator.lt), "__le__": ("<=", operator.le),
                "__gt__": (">", operator.gt), "__ge__": (">=", operator.ge)}


def _watched() -> dict[str, Any]:
    """Value's attributes as they are while a trace runs, by name."""
    own = Value.__dict__
    watched: dict[str, Any] = {"data": _DataProbe(), "__float__": _value_float(own["__float__"])}
    for name in ("grad", "local_grads", "args"):
        watched[name] = _Unfollowable(name, own[name])
    for name, (op, fn) in _COMPARISONS.items():
        watched[name] = _value_comparison(op, fn, own[name])
    return watched


def _watched_grad_mode(original: Any) -> Any:
    """value._grad_mode_set while a trace runs: f's own ``no_grad()`` is refused.

    Numbers computed under no_grad leave the graph as plain numbers; the
    compiled code would hold them as they were when traced, where value_and_grad
    computes them anew on every call.
    """

    def grad_mode_set(enabled: bool) -> Any:
        rec = _recorder.get()
        if rec is not None and not enabled and not _in_engine(3):
            rec.refusals.append(
                "f enters no_grad(): the numbers computed inside leave the graph, and the "
                "compiled code cannot compute them again on later calls; use value_and_grad "
                "for f, or compute them outside f")
        return original(enabled)

    return grad_mode_set


_isinstance = builtins.isinstance


def _traced_isinstance(obj: Any, classinfo: Any) -> bool:
    """isinstance while a trace runs: f's own test of a traced number answers as for the
    number it stands for (``isinstance(x, float)`` is True, as it is eagerly)."""
    if obj.__class__ is Traced and _recorder.get() is not None and not _in_engine(2):
        return _isinstance(obj.value, classinfo) or _isinstance(obj, classinfo)
    return _isinstance(obj, classinfo)


def _install_probes() -> dict[str, Any]:
    # The class-attribute swap: while any thread traces, Value's data, grad,
    # comparisons and __float__ are replaced on the class itself by probes that
    # record what f reads (a Value has __slots__, so there is no per-instance
    # hook); so are value.py's grad-mode switch (f's own no_grad is refused) and
    # builtins.isinstance (a traced number answers as the float it stands for).
    # A thread that is not tracing reads through each probe to the original.
    watched = _watched()
    saved = {name: Value.__dict__[name] for name in watched}
    for name, attribute in watched.items():
        setattr(Value, name, attribute)
    grad_mode = _value_module._grad_mode_set
    builtins.isinstance = _traced_isinstance
    _value_module._grad_mode_set = _watched_grad_mode(grad_mode)
    return {"attributes": saved, "grad_mode": grad_mode}


def _restore_attributes(saved: dict[str, Any]) -> None:
    for name, attribute in saved["attributes"].items():
        setattr(Value, name, attribute)
    _value_module._grad_mode_set = saved["grad_mode"]
    builtins.isinstance = _isinstance


# Value is one class for the whole process, so concurrent traces share one
# installation: the first to start puts the probes in, the last takes them out.
probes = SharedSwitch(_install_probes, _restore_attributes)
