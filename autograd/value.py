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
derivative d(node)/d(parent). A slot pair with no parent (``_pi`` None) keeps
in ``_li`` the plain number folded in at that place, or None when there is no
operand there (a unary op's second, a leaf's both). A binary node takes 144
bytes this way, its float included, where two tuples would make it 240. A node
of any number of inputs (``sum``, ``dot``) keeps its parents and local
derivatives as two aligned tuples in ``_p0`` and ``_l0``, and in ``_l1`` all its
arguments when numbers are among them (else None). A 'sum' merged from a chain
of ``+`` (Python's ``sum()``, see
``sums.py``) keeps its terms in a
list in ``_p0`` and their one local derivative, 1.0, in ``_l0``. ``.parents``,
``.local_grads`` and ``.args`` give every kind back as tuples.

A node also takes attributes of the user's own (``p.m = 0.0`` in an
optimizer, ``n._vis_color = 'red'`` in a drawing), as micrograd's Values do:
they live in the node's ``__dict__``, made only when the first one is set. The
engine's own attributes are read-only (``op``, ``parents``, ``local_grads``,
``args``, ``primitive`` and micrograd's names for them, ``_op``, ``_prev``,
``_backward``); ``data``, ``grad`` and ``label`` are the user's to set. A label
given is kept in that ``__dict__`` too (most nodes have none: the class's ``''``
is read then), which is what keeps a node within 144 bytes.
"""

from __future__ import annotations

import builtins
import html
import math
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import compress
from operator import mul as _mul
from typing import Any

from . import sums
from .backward import backward
from .errors import (
    as_float,
    bad_data_error,
    check_label,
    describe,
    forward_error,
    local_error,
    non_finite,
    non_finite_data_error,
    number_text,
    op_error,
    operand,
    rule_error,
)
from .ops import OPS, Primitive
from .sums import merge_sum_chain, ops_down

_isfinite = math.isfinite


def _all_finite(numbers: Any) -> bool:
    # One C-level sum: it is finite when every term is, unless finite terms
    # overflow together, which the slow check then tells apart.
    return _isfinite(_fsum_fast(numbers)) or all(map(_isfinite, numbers))


_fsum_fast = builtins.sum


class Value:
    """A scalar that remembers how it was computed.

        >>> a = Value(2.0, label='a'); b = a * a + 1
        >>> b.backward(); a.grad
        4.0
    """

    # The edges: operand i's parent in _pi and d(self)/d(parent), or the number
    # folded in, in _li (see the module docstring); the op's name in _op_name,
    # read through the read-only .op. __dict__ holds the user's own attributes.
    __slots__ = ("data", "grad", "_op_name", "_p0", "_p1", "_l0", "_l1", "__dict__")
    label = ""  # a node's own label, when it has one, is in its __dict__

    def __init__(self, data: float, label: str = "") -> None:
        self.data = as_float(data, "Value", label)
        self.grad = 0.0
        if check_label(label):
            self.label = label
        self._op_name = ""
        self._p0 = self._p1 = self._l0 = self._l1 = None

    @property
    def op(self) -> str:
        """The name of the op that made this node (a key of ``ops.OPS``); '' for a leaf."""
        return self._op_name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was made from, in order, duplicates kept."""
        first, second = self._p0, self._p1
        if first.__class__ is tuple or first.__class__ is list:
            return tuple(first)
        if second is None:
            return () if first is None else (first,)
        return (second,) if first is None else (first, second)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, at the forward values, aligned with .parents."""
        first, second = self._p0, self._p1
        if first.__class__ is tuple:
            return self._l0
        if first.__class__ is list:  # a merged sum: one local derivative, 1.0, for every term
            return (self._l0,) * len(first)
        if second is None:
            return () if first is None else (self._l0,)
        return (self._l1,) if first is None else (self._l0, self._l1)

    @property
    def args(self) -> tuple:
        """Everything the op was called with: the parents and any folded-in numbers."""
        first, second = self._p0, self._p1
        if first.__class__ is tuple or first.__class__ is list:
            return tuple(first) if self._l1 is None else self._l1
        # an operand slot pair without a parent holds the number folded in there, or None
        a = first if first is not None else self._l0
        b = second if second is not None else self._l1
        if a is None:
            return () if b is None else (b,)
        return (a,) if b is None else (a, b)

    # -- micrograd's names: its lecture's draw_dot reads _prev and _op, and its
    # cells call o._backward() by hand, one node at a time. Views, not slots: a
    # node costs no more for having them.
    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for ``.parents``: the parents as a set (a new set each time,
        so changing it changes no graph; a parent used twice is in it once).

            >>> a = Value(2.0, label='a'); b = a * a + 1
            >>> b._prev == {b.parents[0]}, b._prev.pop()._prev == {a}, a._prev
            (True, True, set())
        """
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for ``.op``: the op that made this node, '' for a leaf.

            >>> (Value(2.0) * 3)._op, Value(2.0)._op
            ('*', '')
        """
        return self._op_name

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's name for one step of ``backward``: ``node._backward()`` applies the
        chain rule at this node only, ``parent.grad += local * node.grad`` for each of
        its edges (a parent used twice gets both), and touches nothing else. Called on
        every node from the root down, in ``topo_order``, after ``root.grad = 1.0``, it
        adds what one ``root.backward()`` adds.

            >>> x = Value(3.0, label='x'); y = x * x; o = y.tanh()
            >>> o.grad = 1.0; o._backward(); y._backward(); x._backward()  # a leaf: nothing
            >>> x.grad == 2 * 3.0 * (1 - o.data ** 2)
            True

        Unlike micrograd's, it is read-only: the step is computed from the node's
        local derivatives, so there is no closure to replace (see ``autograd.register``).
        """
        return self._chain_rule_step

    def _chain_rule_step(self) -> None:
        # Every new .grad is computed and checked before any is written: an error
        # leaves all of them as they were. A .grad of None counts as 0 (backward's rule).
        parents = self.parents
        if not parents:
            return
        with _step_lock:  # steps run in threads into shared parents lose no update
            grad = _grad_or_zero(self, "_backward")
            new: dict[Value, float] = {}
            for parent, local in zip(parents, self.local_grads):
                before = new[parent] if parent in new else _grad_or_zero(parent, "_backward")
                new[parent] = before + local * grad
            for parent, total in new.items():
                if not _isfinite(total):
                    raise OverflowError(
                        f"_backward of {describe(self)} (op {self._op_name!r}): the gradient "
                        f"of {describe(parent)} would become {total}; no .grad was changed"
                    )
            for parent, total in new.items():
                parent.grad = total

    # -- arithmetic: each operator is one node of one primitive --------------
    # + - * / and neg take a fast path in their common case: recording, the
    # other operand a Value or a float, a finite result, and the op's table
    # entry the one the module defined (a learner may swap in an entry of their
    # own). There each equals _binary (or _unary) of that entry, its rules
    # written out, and a test keeps them equal; everything else (ints, no_grad,
    # an error to raise) takes _binary. x - x is 0.0 exactly when x is finite,
    # and a finite sum, difference or product of finite data implies a finite
    # float operand: the one check on the result is all the checking needed. A
    # TypeError or ValueError in a fast path can only come from a .data set by
    # hand to no number (a str, None, an array): the general path then names the
    # op and the node. (A try costs nothing until it catches.)
    def __add__(self, other: Any) -> Value:
        try:
            if other.__class__ is Value:  # fast path: _binary(_ADD, self, other)
                out = self.data + other.data
                if out - out == 0.0 and _recording() and OPS["+"] is _ADD:
                    if self._op_name == "+" and _MERGE_SUMS:  # a running sum, as sum() makes?
                        merge_sum_chain(self)
                    return _node(out, "+", self, other, 1.0, 1.0)
            elif other.__class__ is float:  # fast path: _binary(_ADD, self, other)
                out = self.data + other
                if out - out == 0.0 and _recording() and OPS["+"] is _ADD:
                    return _node(out, "+", self, None, 1.0, other)
        except (TypeError, ValueError):  # no number in a .data: see above
            pass
        return _binary(OPS["+"], self, other)

    def __radd__(self, other: Any) -> Value:
        try:
            if other.__class__ is float:  # fast path: _binary(_ADD, other, self)
                out = other + self.data
                if out - out == 0.0 and _recording() and OPS["+"] is _ADD:
                    return _node(out, "+", None, self, other, 1.0)
        except (TypeError, ValueError):  # no number in a .data: see above
            pass
        return _binary(OPS["+"], other, self)

    def __sub__(self, other: Any) -> Value:
        try:
            if other.__class__ is Value:  # fast path: _binary(_SUB, self, other)
                out = self.data - other.data
                if out - out == 0.0 and _recording() and OPS["-"] is _SUB:
                    return _node(out, "-", self, other, 1.0, -1.0)
            elif other.__class__ is float:  # fast path: _binary(_SUB, self, other)
                out = self.data - other
                if out - out == 0.0 and _recording() and OPS["-"] is _SUB:
                    return _node(out, "-", self, None, 1.0, other)
        except (TypeError, ValueError):  # no number in a .data: see above
            pass
        return _binary(OPS["-"], self, other)

    def __rsub__(self, other: Any) -> Value:
        try:
            if other.__class__ is float:  # fast path: _binary(_SUB, other, self)
                out = other - self.data
                if out - out == 0.0 and _recording() and OPS["-"] is _SUB:
                    return _node(out, "-", None, self, other, -1.0)
        except (TypeError, ValueError):  # no number in a .data: see above
            pass
        return _binary(OPS["-"], other, self)

    def __mul__(self, other: Any) -> Value:
        try:
            if other.__class__ is Value:  # fast path: _binary(_MUL, self, other)
                a, b = self.data, other.data
                out = a * b
                if out - out == 0.0 and _recording() and OPS["*"] is _MUL:
                    return _node(out, "*", self, other, b, a)  # d(a·b)/da = b, /db = a
            elif other.__class__ is float:  # fast path: _binary(_MUL, self, other)
                out = self.data * other
                if out - out == 0.0 and _recording() and OPS["*"] is _MUL:
                    return _node(out, "*", self, None, other, other)
        except (TypeError, ValueError):  # no number in a .data: see above
            pass
        return _binary(OPS["*"], self, other)

    def __rmul__(self, other: Any) -> Value:
        try:
            if other.__class__ is float:  # fast path: _binary(_MUL, other, self)
                out = other * self.data
                if out - out == 0.0 and _recording() and OPS["*"] is _MUL:
                    return _node(out, "*", None, self, other, other)
        except (TypeError, ValueError):  # no number in a .data: see above
            pass
        return _binary(OPS["*"], other, self)

    def __truediv__(self, other: Any) -> Value:
        # fast path: _binary(_DIV, self, other) for a finite nonzero divisor (a float
        # divisor is read as is: a / inf would be a finite 0.0), the result and both
        # local derivatives (1/b, -out/b) finite
        try:
            b = other.data if other.__class__ is Value else other
            if b.__class__ is float and b != 0.0 and b - b == 0.0:
                out = self.data / b
                d_a, d_b = 1.0 / b, -out / b
                if (out - out == 0.0 and d_a - d_a == 0.0 and d_b - d_b == 0.0 and _recording()
                        and OPS["/"] is _DIV):
                    if b is other:
                        return _node(out, "/", self, None, d_a, other)
                    return _node(out, "/", self, other, d_a, d_b)
        except (TypeError, ValueError):  # no number in a .data: see above
            pass
        return _binary(OPS["/"], self, other)

    def __rtruediv__(self, other: Any) -> Value:
        return _binary(OPS["/"], other, self)

    def __pow__(self, other: Any) -> Value:
        return _binary(OPS["**"], self, other)

    def __rpow__(self, other: Any) -> Value:
        return _binary(OPS["**"], other, self)

    def __neg__(self) -> Value:
        try:
            out = -self.data  # fast path: _unary(_NEG, self); -x is finite when x is
            if out - out == 0.0 and _recording() and OPS["neg"] is _NEG:
                return _node(out, "neg", self, None, -1.0, None)
        except (TypeError, ValueError):  # no number in a .data: see above
            pass
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
        try:
            x = self.data  # relu(x) and relu'(x) (0 at the kink) are finite with x; relu(nan)
            if x - x == 0.0 and _recording() and OPS["relu"] is _RELU:  # would be 0: x checked
                on = x > 0  # fast path: _unary(_RELU, self)
                return _node(x if on else 0.0, "relu", self, None, 1.0 if on else 0.0, None)
        except (TypeError, ValueError):  # no number in a .data: see above
            pass
        return _unary(OPS["relu"], self)

    def abs(self) -> Value:
        return _unary(OPS["abs"], self)

    def sqrt(self) -> Value:
        return _unary(OPS["sqrt"], self)

    def hypot(self, other: Any) -> Value:
        """√(self² + other²) as one node (``autograd.hypot(self, other)``)."""
        return _binary(OPS["hypot"], self, other)

    def sin(self) -> Value:
        return _unary(OPS["sin"], self)

    def cos(self) -> Value:
        return _unary(OPS["cos"], self)

    def tan(self) -> Value:
        return _unary(OPS["tan"], self)

    def sinh(self) -> Value:
        return _unary(OPS["sinh"], self)

    def cosh(self) -> Value:
        return _unary(OPS["cosh"], self)

    def asin(self) -> Value:
        return _unary(OPS["asin"], self)

    def acos(self) -> Value:
        return _unary(OPS["acos"], self)

    def atan(self) -> Value:
        return _unary(OPS["atan"], self)

    def asinh(self) -> Value:
        return _unary(OPS["asinh"], self)

    def acosh(self) -> Value:
        return _unary(OPS["acosh"], self)

    def atanh(self) -> Value:
        return _unary(OPS["atanh"], self)

    def log1p(self) -> Value:
        return _unary(OPS["log1p"], self)

    def expm1(self) -> Value:
        return _unary(OPS["expm1"], self)

    def log2(self) -> Value:
        return _unary(OPS["log2"], self)

    def log10(self) -> Value:
        return _unary(OPS["log10"], self)

    def erf(self) -> Value:
        return _unary(OPS["erf"], self)

    # -- activations of nn by name, one node each (see ops.py for the kinks) --
    def gelu(self) -> Value:
        """x·Φ(x), Φ the standard normal CDF (the exact erf form, PyTorch's default)."""
        return _unary(OPS["gelu"], self)

    def silu(self) -> Value:
        """x·σ(x) (swish with β = 1)."""
        return _unary(OPS["silu"], self)

    def softplus(self) -> Value:
        """log(1 + eˣ), computed without overflow; its derivative is σ(x)."""
        return _unary(OPS["softplus"], self)

    def leaky_relu(self, slope: Any = 0.01) -> Value:
        """x for x > 0, else slope·x: one node with the slope folded in (PyTorch's default
        0.01). A Value slope is a parameter too (PyTorch's PReLU).

            >>> y = Value(-2.0).leaky_relu(0.1); y.data, y.local_grads, y.args[1]
            (-0.2, (0.1,), 0.1)
        """
        return _binary(OPS["leaky_relu"], self, slope)

    def elu(self, alpha: Any = 1.0) -> Value:
        """x for x > 0, else α·(eˣ - 1): one node with α folded in (PyTorch's default 1).

            >>> y = Value(0.0).elu(); y.data, y.local_grads   # at 0, torch's α
            (0.0, (1.0,))
        """
        return _binary(OPS["elu"], self, alpha)

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
        op = _rule_on_values.get()
        if op is not None:
            # A rule that turns its Value inputs into floats (math.exp(x)) would
            # give a derivative that is silently constant: refuse, naming the op.
            raise TypeError(
                f"{op}: its derivative rule turned {describe(self)} into a float "
                "(math.* on floats?), so it cannot be differentiated again; write the "
                "rule with Value methods (x.exp()) or arithmetic"
            )
        return self.data

    # -- reverse mode ---------------------------------------------------------
    def backward(self, grad: float = 1.0) -> None:
        """Add d(self)/d(node) to ``.grad`` of every node self depends on.

            >>> x = Value(3.0); y = x * x; y.backward(); x.grad
            6.0
        """
        backward(self, grad)  # the module-level pass in backward.py, not this method

    @property
    def primitive(self) -> Primitive | None:
        """This node's entry in the primitive table (None for a leaf)."""
        return OPS.get(self._op_name)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self.op else ""
        data, grad = number_text(self.data), number_text(self.grad)
        return f"Value(data={data}, grad={grad}{label}{op})"

    def _repr_html_(self) -> str:
        """A short rich view for Jupyter: label, op, data, grad, parents, local grads."""
        def cell(x: Any) -> str:
            return html.escape(number_text(x))
        label = html.escape(str(self.label)) if self.label else "<i>unlabelled</i>"
        local = ", ".join(cell(g) for g in self.local_grads[:8])
        rows = [("label", label), ("op", html.escape(self.op) if self.op else "leaf"),
                ("data", cell(self.data)), ("grad", cell(self.grad)),
                ("parents", str(len(self.parents)))]
        if self.local_grads:
            rows.append(("local grads", local + (", …" if len(self.local_grads) > 8 else "")))
        cells = "".join(f"<tr><td style='text-align:left;color:#666'>{k}</td>"
                        f"<td style='text-align:left'><code>{v}</code></td></tr>" for k, v in rows)
        return f"<table style='display:inline-table;font-size:90%'>{cells}</table>"


_step_lock = threading.Lock()


def _grad_or_zero(node: Value, who: str) -> float:
    """A node's .grad as a float: None counts as 0; anything but a finite number is refused."""
    g = node.grad
    if g is None:
        return 0.0
    if isinstance(g, (int, float)) and not isinstance(g, bool) and _isfinite(g):
        return float(g)
    raise TypeError(
        f"{who}: the .grad of {describe(node)} is {type(g).__name__} {g!r}; it must be a "
        "finite number (or None, counted as 0); no .grad was changed"
    )


def _read_only(name: str, why: str) -> Callable[..., None]:
    def refuse(self: Value, value: Any = None) -> None:
        raise AttributeError(f"Value.{name} is read-only ({describe(self)}): {why}")

    return refuse


# The engine's own attributes: a write would make the graph say one thing and
# backward do another, so each refuses, saying why (data, grad, label stay free).
_FIXED = "fixed when the node is made; build a new expression instead"
for _name, _why in {
    "op": f"the op is {_FIXED}",
    "_op": f"micrograd's name for .op; the op is {_FIXED}",
    "parents": f"the parents are {_FIXED}",
    "_prev": f"micrograd's name for .parents; the parents are {_FIXED}",
    "args": f"the operands are {_FIXED}",
    "local_grads": "the local derivatives are computed once, at the forward values, by the "
                   "op's rule; for a rule of your own, autograd.register a Primitive",
    "primitive": "it is the op's entry in autograd.OPS",
    "_backward": "chaingrad computes each node's step from its local derivatives (micrograd "
                 "keeps a closure there); for a derivative of your own, autograd.register a "
                 "Primitive",
}.items():
    _view = Value.__dict__[_name]
    setattr(Value, _name, property(_view.fget, _read_only(_name, _why),
                                   _read_only(_name, _why), _view.__doc__))
del _name, _why, _view


# -- making nodes --------------------------------------------------------------

# Grad mode is per thread and per asyncio task: a no_grad() block in one never
# stops recording in another (contextvars gives each thread its own value).
_grad_mode: ContextVar[bool] = ContextVar("autograd_grad_mode", default=True)
_recording = _grad_mode.get  # bound once: the hot paths call it on every op

# The op whose derivative rule is being evaluated on Values (see __float__).
_rule_on_values: ContextVar[str | None] = ContextVar("autograd_rule_on_values", default=None)


@contextmanager
def _grad_mode_set(enabled: bool) -> Iterator[None]:
    token = _grad_mode.set(enabled)
    try:
        yield
    finally:
        _grad_mode.reset(token)


def no_grad() -> Any:
    """Inside this block ops compute values but build no graph (in this thread only).

        >>> with no_grad(): y = Value(2.0) * 3
        >>> y.parents
        ()
    """
    return _grad_mode_set(False)


def enable_grad() -> Any:
    """Inside this block ops build the graph, even within ``no_grad()`` (PyTorch's name).

        >>> with no_grad(), enable_grad(): y = Value(2.0) * 3
        >>> len(y.parents)
        1
    """
    return _grad_mode_set(True)


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``, in this thread or task."""
    return _recording()


_new = object.__new__
# the entries the fast paths write out (see Value.__add__)
_ADD, _SUB, _MUL, _DIV, _NEG = OPS["+"], OPS["-"], OPS["*"], OPS["/"], OPS["neg"]
_RELU, _SUM, _DOT = OPS["relu"], OPS["sum"], OPS["dot"]


def _node(data: float, op: str, p0: Any, p1: Any, l0: Any, l1: Any) -> Value:
    """A node with its edges in slots (see Value); no checks: the callers did them.
    A parent slot that is None has in its ``l`` the number folded in there, or None."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v._op_name = op
    v._p0 = p0
    v._p1 = p1
    v._l0 = l0
    v._l1 = l1
    return v


def _constant(data: float) -> Value:
    """What an op makes under no_grad(): a leaf, nothing to differentiate through."""
    return _node(data, "", None, None, None, None)


# The three builders below are one path written three times for speed: read the
# operands' data, run the forward, (under no_grad: a constant leaf), evaluate one
# derivative rule per Value operand, check that nothing is infinite, make the node.
# _unary and _binary are the fast paths of ``_nary`` for one or two operands.


def _unary(prim: Primitive, x: Value) -> Value:
    xd = x.data
    try:
        out = prim.forward(xd)
    except Exception as error:
        raise forward_error(prim, (x,), error)  # noqa: B904 - the cause is set in it
    if not _recording():
        return _constant(_finite_out(out, prim, (x,)))
    try:  # xd - xd == 0.0: x is finite (tanh(inf) = 1 is finite, yet inf was set by hand)
        local = prim.derivatives[0](out, xd)
        finite = xd - xd == 0.0 and _isfinite(out) and (
            prim.finite_derivatives or _isfinite(local))
    except Exception as error:
        raise local_error(prim, (x,), out, error)  # noqa: B904
    if not finite:
        raise non_finite_data_error(prim, (x,)) or op_error(prim, (x,), non_finite(out, (local,)))
    return _node(out, prim.name, x, None, local, None)


def _binary(prim: Primitive, a: Any, b: Any) -> Value:
    a_is = a.__class__ is Value or isinstance(a, Value)
    b_is = b.__class__ is Value or isinstance(b, Value)
    ad = a.data if a_is else operand(a, prim, b)
    bd = b.data if b_is else operand(b, prim, a)
    try:
        out = prim.forward(ad, bd)
    except Exception as error:
        raise forward_error(prim, (a, b), error)  # noqa: B904 - the cause is set in it
    if not _recording():
        return _constant(_finite_out(out, prim, (a, b)))
    try:  # a number operand has no edge: its slots stay empty (None, 0.0)
        local_a = prim.derivatives[0](out, ad, bd) if a_is else 0.0
        local_b = prim.derivatives[1](out, ad, bd) if b_is else 0.0
        finite = ad - ad == 0.0 and bd - bd == 0.0 and _isfinite(out) and (
            prim.finite_derivatives or (_isfinite(local_a) and _isfinite(local_b))
        )
    except Exception as error:
        raise local_error(prim, (a, b), out, error)  # noqa: B904
    if not finite:
        local = tuple(d for d, is_value in ((local_a, a_is), (local_b, b_is)) if is_value)
        raise non_finite_data_error(prim, (a, b)) or op_error(prim, (a, b),
                                                              non_finite(out, local))
    if a_is and b_is:
        return _node(out, prim.name, a, b, local_a, local_b)
    if a_is:  # the number is folded as the float it was read as (not a Fraction, say)
        return _node(out, prim.name, a, None, local_a, bd)
    return _node(out, prim.name, None, b, ad, local_b)


def _merging_is_sound() -> bool:
    """Whether reference counts here say what sums.merge_sum_chain reads them to say.

    It reads them as CPython 3.10-3.13 keeps them: a variable, a slot, a value
    being computed and a call's argument hold one reference each. An interpreter
    that borrows some (3.14 may), keeps none (PyPy) or runs threads without a
    lock (free-threaded builds) leaves sums as chains of +: slower, never wrong.
    Checked once, with merging on, on sums made with +: the one sum() makes of
    products must be merged, one held by a variable at every step must not be.
    """
    if sums._refs is None or not getattr(sys, "_is_gil_enabled", lambda: True)():
        return False
    global _MERGE_SUMS
    shipped, _MERGE_SUMS = _MERGE_SUMS, True
    try:
        xs = [_node(1.0, "", None, None, None, None) for _ in range(6)]
        free = builtins.sum(x * 1.0 for x in xs)
        held = xs[0]
        for x in xs[1:]:
            held = held + x * 1.0
        return (ops_down(free) == ["+", "+", "sum"]
                and ops_down(held) == ["+", "+", "+", "+", "+"])
    finally:
        _MERGE_SUMS = shipped


def _nary(prim: Primitive, args: tuple) -> Value:
    """One node over any number of inputs (sum, dot); plain numbers are folded in."""
    # The hot path of a network: every operand a Value. A comprehension reads
    # .data faster than map(attrgetter) does, and the class test comes free.
    data = [a.data for a in args if a.__class__ is Value]
    if len(data) == len(args):
        parents, is_value = args, None
    else:  # numbers among the Values (a first layer's inputs), or Value subclasses
        data, parents, is_value, args = _mixed_operands(prim, args)
    try:
        out = prim.forward(data)
    except Exception as error:
        raise forward_error(prim, args, error)  # noqa: B904 - the cause is set in it
    if not _recording():
        return _constant(_finite_out(out, prim, args))
    try:
        every = prim.derivatives[0](out, data)
        counted = len(every)
        finite = _isfinite(out) and (prim.finite_derivatives or _all_finite(every)) and (
            prim is _SUM or prim is _DOT or _all_finite(data))  # those two: inf in, inf out
    except Exception as error:
        raise local_error(prim, args, out, error)  # noqa: B904
    if counted != len(data):  # a rule of one's own that miscounts would lose gradients
        bad = bad_data_error(prim, args)  # or a .data set to None read as no bias by dot's rule
        if bad is not None:
            raise bad
        raise ValueError(
            f"{prim.name}: its rule gave {counted} local derivatives for {len(data)} inputs"
        )
    if not finite:
        raise non_finite_data_error(prim, args) or op_error(prim, args, non_finite(out, every))
    if is_value is not None:
        every = compress(every, is_value)  # only the Values are parents
    # with numbers among the Values, .args needs them all (not so for subclasses only)
    folded = None if is_value is None or all(is_value) else args
    return _node(out, prim.name, parents, None, tuple(every), folded)


def _mixed_operands(prim: Primitive, args: tuple) -> tuple[list, tuple, list, tuple]:
    """The data of every operand, the Values among them, which ones they are, and the
    operands again with each number as the float it was read as (what is folded in)."""
    data, parents, is_value, folded = [], [], [], []
    for a in args:
        if isinstance(a, Value):
            data.append(a.data)
            parents.append(a)
            is_value.append(True)
            folded.append(a)
        else:
            good = a.__class__ is float and _isfinite(a)
            number = a if good else operand(a, prim, _first_value(args))
            data.append(number)
            is_value.append(False)
            folded.append(number)
    return data, tuple(parents), is_value, tuple(folded)


def _first_value(args: tuple) -> Value | None:
    """The Value an error about a bad operand among args names."""
    return next((a for a in args if isinstance(a, Value)), None)


def _finite_out(out: float, prim: Primitive, args: tuple) -> float:
    try:
        finite = _isfinite(out)
    except TypeError as error:  # a forward of one's own that returned no number
        raise rule_error(prim, args, "forward", error) from None
    bad = non_finite_data_error(prim, args)  # relu(nan) = 0 under no_grad too: named
    if bad is not None:
        raise bad
    if not finite:
        raise op_error(prim, args, OverflowError(f"the result is {out}"))
    return out


# Whether + merges the sums nobody holds (see sums.py): on where reference
# counts say what it reads them to say, checked once at import.
_MERGE_SUMS = False


def apply(op: str | Primitive, *args: Any) -> Value:
    """Apply a primitive of the table (by name, or a registered ``Primitive``) as one node.

        >>> apply('tanh', Value(0.5)).op, apply('*', Value(2.0), 3).data
        ('tanh', 6.0)
    """
    if isinstance(op, str) and op not in OPS:
        raise ValueError(f"apply: no op {op!r} in the primitive table (autograd.OPS); "
                         "register(prim) one of your own first")
    prim = OPS[op] if isinstance(op, str) else op
    if not isinstance(prim, Primitive):
        raise TypeError(f"apply: op must be an op's name or a Primitive, got "
                        f"{type(op).__name__} {op!r:.60}")
    if OPS.get(prim.name) is not prim:
        raise ValueError(
            f"{prim.name}: not in the primitive table; autograd.register(prim) it first, "
            "so that backward, drawings and checks can read its entry"
        )
    if prim.nary:
        return _nary(prim, args)
    if len(args) != len(prim.derivatives):
        raise TypeError(f"{prim.name}: takes {len(prim.derivatives)} operands, got {len(args)}")
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
    try:
        values = tuple(values)
    except TypeError:
        raise TypeError(f"sum: values must be an iterable of Values and numbers, got "
                        f"{type(values).__name__} {values!r:.60}") from None
    return _nary(OPS["sum"], values)


def dot(ws: Sequence[Any], xs: Sequence[Any], bias: Any = None) -> Value:
    """One 'dot' node: Σ wᵢ·xᵢ (+ bias). Its local derivative for wᵢ is xᵢ, for xᵢ is wᵢ.

        >>> p = dot([Value(2.0), Value(3.0)], [1.0, 4.0]); p.data, p.local_grads
        (14.0, (1.0, 4.0))

    With a bias, a neuron's pre-activation p = w·q + b is one node (dp/db = 1):

        >>> dot([Value(2.0)], [3.0], Value(0.5)).data
        6.5
    """
    try:
        ws = ws if isinstance(ws, (list, tuple)) else tuple(ws)
        xs = xs if isinstance(xs, (list, tuple)) else tuple(xs)
    except TypeError:
        bad, name = (ws, "ws") if not isinstance(ws, (list, tuple)) else (xs, "xs")
        raise TypeError(f"dot: {name} must be a sequence of Values and numbers, got "
                        f"{type(bad).__name__} {bad!r:.60}") from None
    if len(ws) != len(xs):
        raise ValueError(
            f"dot: the two operands differ in length ({len(ws)} weights, {len(xs)} inputs)"
        )
    # Fast path, equal to _nary(OPS["dot"], args) while recording, when every operand
    # is a Value and the result is finite: the same sum in the same order as the
    # entry's forward, the same local derivatives as its rule (finite: they are data).
    # (A TypeError or ValueError here comes from a .data that is no number: the
    # general path names it, as Value's fast paths do.)
    w_data = [w.data for w in ws if w.__class__ is Value]
    q_data = [q.data for q in xs if q.__class__ is Value]
    if len(w_data) == len(ws) and len(q_data) == len(xs) and OPS["dot"] is _DOT:
        try:
            out = builtins.sum(map(_mul, w_data, q_data), 0.0)
            if bias is None and out - out == 0.0 and _recording():
                return _node(out, "dot", (*ws, *xs), None, (*q_data, *w_data), None)
            if bias.__class__ is Value:
                out += bias.data
                if out - out == 0.0 and _recording():
                    return _node(out, "dot", (*ws, *xs, bias), None, (*q_data, *w_data, 1.0),
                                 None)
        except (TypeError, ValueError):
            pass
    return _nary(OPS["dot"], (*ws, *xs) if bias is None else (*ws, *xs, bias))


def atan2(y: Any, x: Any) -> Value:
    """One 'atan2' node: the angle of the point (x, y), in [-π, π]; a number operand is folded in.

        >>> a = atan2(Value(3.0), 4.0); round(a.data, 6), a.op, a.local_grads
        (0.643501, 'atan2', (0.16,))

    At the origin the angle has no derivative: (0, 0) raises ZeroDivisionError
    (under ``no_grad()`` the value, 0.0, is given).
    """
    return apply(OPS["atan2"], y, x)


def hypot(x: Any, y: Any) -> Value:
    """One 'hypot' node: √(x² + y²), without overflow in the squares.

        >>> h = hypot(Value(3.0), 4); h.data, h.local_grads
        (5.0, (0.6,))

    At (0, 0) it has no derivative (like √ at 0): ZeroDivisionError, as for sqrt.
    """
    return apply(OPS["hypot"], x, y)


def maximum(a: Any, b: Any) -> Value:
    """One 'maximum' node: the larger of a and b.

        >>> m = maximum(Value(2.0), 3); m.data, m.local_grads
        (3.0, (0.0,))

    At a tie (a == b) each side gets half the gradient, as ``torch.maximum``
    and ``jax.numpy.maximum`` do: ``maximum(x, x)`` has derivative 1.
    """
    return apply(OPS["maximum"], a, b)


def minimum(a: Any, b: Any) -> Value:
    """One 'minimum' node: the smaller of a and b; a tie splits the gradient ½ / ½.

        >>> m = minimum(Value(2.0), 3); m.data, m.local_grads
        (2.0, (1.0,))
    """
    return apply(OPS["minimum"], a, b)


# -- reading operands ---------------------------------------------------------------


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else x


_MERGE_SUMS = _merging_is_sound()
