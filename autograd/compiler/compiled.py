"""``autograd.compile``: value_and_grad traced once and written out as straight-line Python.

    >>> import autograd
    >>> f = autograd.compile(lambda w, x: (w * x).tanh())
    >>> f(0.5, 2.0) == autograd.value_and_grad(lambda w, x: (w * x).tanh())(0.5, 2.0)
    True
    >>> print(f.source)
    def compiled(w, x):
        # inputs
        if w.__class__ is not _float: raise _Mismatch(-1)
        if x.__class__ is not _float: raise _Mismatch(-1)
        # forward: one line per node, inputs first
        mul_1 = w * x
        tanh_1 = tanh(mul_1)
        # reverse: one line per edge, output first; g_n is d(output)/dn
        g_tanh_1 = 1.0
        g_mul_1 = (1.0 - tanh_1 * tanh_1) * g_tanh_1   # tanh'(mul_1)
        g_w = x * g_mul_1
        # checks: every number finite, as the engine would have checked
        if not _isfinite(_sum((tanh_1, x, mul_1, g_w,))): raise _NotFinite
        return tanh_1, g_w
    <BLANKLINE>

The first call runs f once on traced inputs and writes the graph it builds as a
Python function (``.source``): one assignment per node, then one per edge of
the reverse pass, the numbers named as ``trace_text`` names them. Later calls
run that function on plain floats; they return exactly what
``value_and_grad(f, argnums)`` returns. See ``compile`` for what may change
between calls and what happens when the graph would not be the same.
"""

from __future__ import annotations

import builtins
import inspect
import linecache
import math
import numbers
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import as_float
from ..functional import argnum_positions, call_depth, scalar_output, value_and_grad
from ..value import Value, enable_grad
from .codegen import Inputs, Mismatch, usable, write
from .tracing import Recorder, Traced, recorder

__all__ = ["CompileError", "Compiled", "compile"]

MAX_TRACES = 64
"""How many graphs of different shape one compiled function keeps before it refuses."""


class CompileError(ValueError):
    """f cannot be compiled, or its graph keeps changing shape: the message says why."""


def compile(f: Callable[..., Any], argnums: int | tuple[int, ...] | list[int] = 0, *,  # noqa: A001
            has_aux: bool = False) -> Compiled:
    """``value_and_grad(f, argnums)`` as straight-line Python, written at the first call.

        >>> from autograd import compile, value_and_grad
        >>> def loss(w, x, y):
        ...     return 0.5 * (w * x - y) ** 2
        >>> step = compile(loss)
        >>> step(0.5, 2.0, 3.0), step(0.5, 4.0, 1.0)      # the data changes, the code does not
        ((2.0, -4.0), (0.5, 4.0))
        >>> step(0.5, 4.0, 1.0) == value_and_grad(loss)(0.5, 4.0, 1.0)
        True

    The arguments in ``argnums`` are numbers or lists of numbers, as for
    ``value_and_grad``. The others are data: their floats (alone, or in lists
    and tuples, nested) may change from call to call, the code reads them on
    every call. Anything else among them (ints, strings, None, objects) is a
    constant of the trace: a call with another one is traced anew. Values f
    closes over are read on every call (a model's weights, changed by an
    optimizer between calls, are read as they are).

    **A graph that would change shape is traced again, never run wrong.** A
    Python-level branch on the data (``if x.data > 0``, ``if x > 0``,
    ``max(z.data for z in zs)``) is recorded while f is traced and checked on
    every call; a call that would branch the other way is traced again and its
    graph kept beside the first, up to ``MAX_TRACES`` (64) graphs, after which
    ``CompileError`` says which comparison keeps changing. A number of the data
    that f turns into a plain float (``float(x)``, ``math.exp(x)``) pins the
    compiled code to that value. ``relu``, ``abs``, ``maximum`` and ``minimum``
    need none of this: the compiled code branches inside, on every call.

    Errors are the engine's: a call whose numbers the engine would refuse
    (a log of a negative number, an overflow, a nan) is run again eagerly, which
    raises the same error, naming the op, the value and the node. f runs when
    traced (and when a call is run eagerly), so its side effects (printing,
    appending to a list) happen then, not on every call. f may not read
    ``.grad``, ``.local_grads`` or ``.args`` of a Value, nor set ``.data``
    (``CompileError``): numbers found there cannot be followed.
    Inside another derivative, or with Values among the arguments, the call is
    ``value_and_grad``'s. ``.source`` is the code of the graph the last call
    ran; ``.sources`` all of them; ``.traces`` how many times f was traced.

    ``has_aux=True`` (as in JAX): f returns ``(value, aux)``, aux a Value, a
    number or a list or tuple of them (a model's output, say), and the call
    returns ``((value, aux), grads)`` with aux as floats.

        >>> def loss(w, x):
        ...     p = w * x
        ...     return (p - 1.0) ** 2, p
        >>> compile(loss, has_aux=True)(3.0, 2.0)
        ((25.0, 6.0), 20.0)
    """
    positions, several = argnum_positions(argnums)
    if not isinstance(has_aux, bool):
        raise TypeError(f"compile: has_aux must be True or False, got {has_aux!r}")
    return Compiled(f, positions, several, argnums, has_aux)


@dataclass(frozen=True)
class _Variant:
    run: Callable[..., Any]
    source: str
    guards: list[str]


class Compiled:
    """A compiled ``value_and_grad(f, argnums)``: call it like that (see ``compile``)."""

    def __init__(self, f: Callable[..., Any], positions: tuple[int, ...], several: bool,
                 argnums: Any, has_aux: bool = False) -> None:
        if not callable(f):
            raise TypeError(f"compile: f must be callable, got {type(f).__name__} {f!r}")
        self._f = f
        self._positions, self._several, self._has_aux = positions, several, has_aux
        self._eager = _with_aux(f, argnums) if has_aux else value_and_grad(f, argnums)
        self._variants: list[_Variant] = []  # the last one used first; replaced, not mutated
        self._lock = threading.Lock()
        self.traces = 0
        self.__name__ = f"compile({getattr(f, '__name__', 'f')})"
        self.__doc__ = getattr(f, "__doc__", None)

    def __call__(self, *args: Any) -> tuple[Any, Any]:
        variants = self._variants
        if variants and not call_depth.get():
            try:
                return variants[0].run(*args)
            except Mismatch:
                pass
            except Exception:  # NotFinite too
                return self._eager(*args)  # the engine's own error, or its own result
        return self._other(args)

    @property
    def source(self) -> str:
        """The Python of the graph the last call ran."""
        if not self._variants:
            raise ValueError(f"{self.__name__}.source: f has not been called yet; it is traced, "
                             "and its source written, at the first call")
        return self._variants[0].source

    @property
    def sources(self) -> list[str]:
        """The Python of every graph traced so far, the last one used first."""
        return [v.source for v in self._variants]

    def __repr__(self) -> str:
        return f"<{self.__name__}: {self.traces} trace{'s' * (self.traces != 1)}>"

    def _other(self, args: tuple) -> tuple[Any, Any]:
        """A call the first graph did not take: another graph, a new trace, or eagerly."""
        if call_depth.get() or any(_holds_value(a) for a in args):
            return self._eager(*args)  # nested in a derivative: Values in, Values out
        if not all(-len(args) <= i < len(args) for i in self._positions):
            return self._eager(*args)  # value_and_grad's IndexError
        positions = tuple(i % len(args) for i in self._positions)
        normal = _normalized(args, positions)
        if normal is None:
            return self._eager(*args)  # refused by value_and_grad, with its message
        failed: tuple[_Variant, int] | None = None
        for variant in self._variants:
            try:
                result = variant.run(*normal)
            except Mismatch as mismatch:
                failed = failed or (variant, mismatch.args[0])  # the graph used last
                continue
            except Exception:  # NotFinite too
                return self._eager(*args)
            self._first(variant)
            return result
        return self._retrace(args, normal, positions, failed)

    def _first(self, variant: _Variant) -> None:
        with self._lock:
            if self._variants and self._variants[0] is not variant:
                self._variants = [variant, *(v for v in self._variants if v is not variant)]

    def _retrace(self, args: tuple, normal: tuple, positions: tuple[int, ...],
                 failed: tuple[_Variant, int] | None) -> tuple[Any, Any]:
        if self.traces >= MAX_TRACES:
            raise CompileError(_too_many(self.__name__, failed))
        try:
            variant = _trace(self._f, normal, positions, self._several, self._has_aux)
        except CompileError:
            raise
        except Exception as error:
            return self._eager_or_refuse(args, error)
        with self._lock:
            self.traces += 1
            self._variants = [variant, *self._variants]
        try:
            return variant.run(*normal)
        except Exception:  # Mismatch and NotFinite too
            return self._eager(*args)

    def _eager_or_refuse(self, args: tuple, error: Exception) -> tuple[Any, Any]:
        """f failed while traced: the engine's error if it fails eagerly too, else why not."""
        self._eager(*args)  # raises here when f fails eagerly too
        raise CompileError(
            f"{self.__name__}: f fails while traced ({type(error).__name__}: {error}) but "
            "works eagerly: it treats the traced numbers of its data in a way compile "
            "cannot follow (see autograd.compile); use value_and_grad for it"
        ) from error


def _too_many(name: str, failed: tuple[_Variant, int] | None) -> str:
    why = ""
    if failed is not None:
        variant, k = failed
        why = (f" This call fails the check {variant.guards[k]}." if k >= 0 else
               " The arguments differ in kind or length from the traced ones.")
    return (f"{name}: f was traced {MAX_TRACES} times, its graph changing shape with the "
            f"data.{why} A Python-level branch on a number of the data (if x.data > 0, "
            "max(z.data for z in zs), float(x)) makes one graph per outcome; write it "
            "with relu, abs, maximum or minimum (compiled as branches inside one graph), "
            "or use value_and_grad")


# -- one trace -------------------------------------------------------------------------


def _trace(f: Callable[..., Any], args: tuple, positions: tuple[int, ...],
           several: bool, has_aux: bool = False) -> _Variant:
    params = _parameter_names(f, len(args))
    taken = set(params)
    kinds: list[tuple[str, Any]] = []
    call: list[Any] = []
    leaf_names: dict[Value, str] = {}
    made: dict[int, Any] = {}
    with enable_grad():
        for i, (param, a) in enumerate(zip(params, args)):
            if i in positions:
                if i not in made:
                    made[i] = _leaves(a, param, taken, leaf_names)
                kinds.append(("grad", made[i]))
                call.append(made[i])
            else:
                tree, traced = _data(a, param, taken)
                kinds.append(("data", tree))
                call.append(traced)
    rec = Recorder()
    token = call_depth.set(call_depth.get() + 1)  # grad inside f nests: its results stay Values
    try:
        with recorder(rec), enable_grad():
            out = f(*call)
    finally:
        call_depth.reset(token)
    if rec.refusals:
        raise CompileError(f"compile({getattr(f, '__name__', 'f')}): {rec.refusals[0]}")
    out, aux = _split_aux(out) if has_aux else (out, None)
    if not isinstance(out, Traced):
        scalar_output(out, "grad")  # the engine's check of f's result
    inputs = Inputs(params, kinds, positions, several, leaf_names)
    return _build(write(out, inputs, rec, getattr(f, "__name__", "compiled"), aux, has_aux))


def _build(program: Any) -> _Variant:
    filename = f"<autograd.compile {id(program):x}>"
    linecache.cache[filename] = (len(program.source), None,
                                 program.source.splitlines(True), filename)
    code = builtins.compile(program.source, filename, "exec")
    exec(code, program.namespace)  # noqa: S102 - our own generated code
    name = program.source.split("(", 1)[0][len("def "):]
    return _Variant(program.namespace[name], program.source, program.guards)


def _parameter_names(f: Callable[..., Any], n: int) -> list[str]:
    """f's own parameter names where they are plain names, else a0, a1 ..."""
    try:
        found = [p.name for p in inspect.signature(f).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        found = []
    names: list[str] = []
    for i in range(n):
        name = found[i] if i < len(found) else f"a{i}"
        if not usable(name) or name in names:
            name = f"a{i}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def _fresh(base: str, taken: set[str]) -> str:
    name = base if usable(base) else "x"
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _leaves(a: Any, param: str, taken: set[str], names: dict[Value, str]) -> Any:
    if isinstance(a, (list, tuple)):
        leaves = []
        for k, x in enumerate(a):
            name = _fresh(f"{param}_{k}", taken)
            leaf = Value(x, label=name)
            names[leaf] = name
            leaves.append(leaf)
        return leaves
    leaf = Value(a, label=param)
    names[leaf] = param
    return leaf


def _data(a: Any, name: str, taken: set[str]) -> tuple[tuple, Any]:
    """(the tree codegen reads, the argument f is called with) for one data argument."""
    if a.__class__ is float:
        return ("float", name), Traced(a, ("a", name))
    if isinstance(a, (list, tuple)):
        trees, items = [], []
        for k, x in enumerate(a):
            tree, item = _data(x, _fresh(f"{name}_{k}", taken), taken)
            trees.append(tree)
            items.append(item)
        return ("list", name, trees), (items if isinstance(a, list) else tuple(items))
    try:
        hash(a)
    except TypeError:
        raise CompileError(
            f"compile: an argument outside argnums is a {type(a).__name__}; compile follows "
            "numbers and lists or tuples of them, and takes anything else as a constant "
            "of the trace, which must be hashable (so that a call can tell it changed)"
        ) from None
    return ("static", name, a), a


# -- has_aux: f returns (value, aux) ----------------------------------------------------


def _split_aux(result: Any) -> tuple[Any, Any]:
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError("compile(has_aux=True): f must return a pair (value, aux), got "
                        f"{type(result).__name__}")
    value, aux = result
    bad = [x for x in _leaves_of(aux) if not isinstance(x, (Value, Traced, int, float))
           or isinstance(x, bool)]
    if bad:
        raise CompileError(f"compile(has_aux=True): aux must hold Values and numbers (in lists "
                           f"or tuples), not {type(bad[0]).__name__}")
    return value, aux


def _leaves_of(tree: Any) -> list[Any]:
    if isinstance(tree, (list, tuple)):
        return [x for item in tree for x in _leaves_of(item)]
    return [tree]


def _with_aux(f: Callable[..., Any], argnums: Any) -> Callable[..., Any]:
    """value_and_grad of f's value, with f's aux beside it, eagerly (floats, or Values nested)."""

    def run(*args: Any) -> tuple[Any, Any]:
        box: list[Any] = []

        def main(*a: Any) -> Any:
            value, aux = _split_aux(f(*a))
            box.append(aux)
            return value

        value, grads = value_and_grad(main, argnums)(*args)
        nested = not isinstance(value, float)
        return (value, box[0] if nested else _as_floats(box[0])), grads

    return run


def _as_floats(tree: Any) -> Any:
    if isinstance(tree, list):
        return [_as_floats(x) for x in tree]
    if isinstance(tree, tuple):
        return tuple(_as_floats(x) for x in tree)
    return tree.data if isinstance(tree, Value) else float(tree)


# -- arguments as value_and_grad would take them ---------------------------------------


def _normalized(args: tuple, positions: tuple[int, ...]) -> tuple | None:
    """args with numbers as floats, or None where value_and_grad would refuse them."""
    out = []
    for i, a in enumerate(args):
        if i in positions:
            items = [_number(x) for x in a] if isinstance(a, (list, tuple)) else _number(a)
            if items is None or (isinstance(items, list) and None in items):
                return None
            out.append(items)
        else:
            out.append(_data_floats(a))
    return tuple(out)


def _number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    try:
        number = as_float(x, "compile")
    except (ValueError, OverflowError, TypeError):
        return None
    return number if math.isfinite(number) else None


def _data_floats(a: Any) -> Any:
    if isinstance(a, float):
        return float(a)
    if isinstance(a, list):
        return [_data_floats(x) for x in a]
    if isinstance(a, tuple):
        return tuple(_data_floats(x) for x in a)
    return a


def _holds_value(a: Any) -> bool:
    if isinstance(a, Value):
        return True
    return isinstance(a, (list, tuple)) and any(_holds_value(x) for x in a)
