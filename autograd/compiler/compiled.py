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
        return tanh_1, g_w + 0.0
    <BLANKLINE>

The first call runs f once on traced inputs; the graph it builds is written as
a Python function (``.source``): one assignment per node, then one per edge of
the reverse pass (a wide node, a neuron's ``dot``, one line each way), the
numbers named as ``trace_text`` names them (``+ 0.0`` gives a zero gradient the
engine's sign). Later calls run that function on plain floats; they return
exactly what ``value_and_grad(f, argnums)`` returns. See ``compile`` for what
may change between calls, and for when tracing stops paying.
"""

from __future__ import annotations

import builtins
import inspect
import linecache
import math
import numbers
import re
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from ..backward import reverse_pass
from ..errors import as_float
from ..functional import argnum_positions, call_depth, scalar_output, value_and_grad
from ..graph import paused_collector
from ..value import Value, enable_grad
from .codegen import Inputs, Mismatch, usable, write
from .compile_watch import watched
from .tracing import Recorder, Traced, recorder, value_of

__all__ = ["CompileError", "CompileWarning", "Compiled", "compile"]

MAX_GRAPHS = 64
"""How many graphs of different shape one compiled function keeps (the least recently
used is dropped for a new one)."""

WARN_AFTER = 8
"""Calls run eagerly, each of a kind not seen before, after which compile says why."""

MAX_KINDS = 4096
"""Kinds of call (argument kinds, lengths, constants) remembered to tell a repeated one."""

WRITE_GUESS = 20
"""Writing a graph as code costs up to this many times recording it (measured: 8-16)."""

SLACK = 0.2
"""How much slower than eager a run may get from traces that are not reused (see _Cost)."""


FREE_TRACES, FREE_NODES = 16, 500
"""Graphs of fewer nodes than FREE_NODES are traced freely, up to FREE_TRACES of them; after
that, and for larger graphs, a new graph is traced only while tracing pays (see _Cost)."""


class CompileError(ValueError):
    """f cannot be compiled: the message says why."""


class CompileWarning(RuntimeWarning):
    """Tracing stopped paying for itself: the calls that fit no graph run eagerly."""


def compile(f: Callable[..., Any], argnums: int | tuple[int, ...] | list[int] = 0, *,  # noqa: A001
            has_aux: bool = False) -> Compiled:
    """``value_and_grad(f, argnums)`` as straight-line Python, written from f's graph.

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
    constant of the trace: a call with another one needs another graph.

    **What f closes over.** The Values of a graph that existed before f ran
    (a model's weights) are read on every call, as an optimizer left them.
    Every object f reads from a closure cell or a module global (and so do its
    own helper functions) is checked by identity on every call: a float
    changed (``lr = 0.5``), a model rebound (``model = MLP.load(...)``), a
    helper redefined, and the call is traced anew. Numbers inside lists, dicts
    and objects that f reads (``cfg["scale"]``, ``self.temperature``) are, as
    in JAX, constants of the trace: pass such numbers as arguments.

    **A graph that would change shape is traced again, never run wrong.** A
    comparison of traced numbers (``x > 0``, ``s.data > 0``) gives a traced
    truth value; it becomes a *guard*, checked on every call, only when Python
    asks for its truth (``if``, ``and``, ``max``, ``int()``): an accuracy or a
    count computed beside the loss (``sum((y > 0) == (s.data > 0) ...)``) is
    computed by the compiled code and needs no new graph. A number of the data
    that f turns into text or a plain number (``float(x)``, ``math.exp(x)``,
    ``str(x)``, ``f"{x:.2f}"``, ``round(x)``) pins the code to that value.
    ``relu``, ``abs``, ``maximum`` and ``minimum`` branch inside the code.
    f's own ``no_grad()`` is refused (``CompileError``), as are reads of
    ``.grad``, ``.local_grads`` or ``.args`` and writes to ``.data``: numbers
    found there cannot be followed.

    **When it pays.** The first call records f on traced inputs and answers
    from that graph, as value_and_grad does; the graph is written as code at
    the next call of the same kind, run, and checked against value_and_grad
    once (a mismatch, from code that tests ``type(x)`` say, is a
    ``CompileError``). Later calls run the code. A kind of call seen once runs
    eagerly; a new graph is traced only while tracing has saved more than it
    cost (within ``SLACK``, 20% of the eager time; small graphs are traced
    freely). When it stops paying, a ``CompileWarning`` says once what keeps
    changing (an argument, a comparison, a global), and calls no graph fits
    run as value_and_grad. At most ``MAX_GRAPHS`` (64) graphs are kept, the
    least recently used dropped.

    Errors are the engine's: a call whose numbers the engine would refuse is
    run again eagerly, which raises the same error, naming the op, the value
    and the node. f runs when recorded and when a call runs eagerly, so its
    side effects (printing) happen then, not on every call. Inside another
    derivative, or with Values among the arguments, the call is
    ``value_and_grad``'s. ``.source`` is the code of the graph the last call
    ran; ``.sources`` all of them; ``.traces`` how many times f was recorded,
    ``.calls`` and ``.eager_calls`` how many calls came and ran eagerly.

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
    shapes: tuple  # each argument's kind, length and constants, as traced (for messages)


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
        self.calls = 0
        self.eager_calls = 0  # calls no graph fitted that ran as value_and_grad
        self._cost = _Cost()
        self._pending: _Recording | None = None  # recorded, not yet written as code
        self.__name__ = f"compile({getattr(f, '__name__', 'f')})"
        self.__doc__ = getattr(f, "__doc__", None)

    def __call__(self, *args: Any) -> tuple[Any, Any]:
        self.calls += 1
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
        """The Python of the graph the last call ran (written now if only recorded yet)."""
        if self._pending is not None:
            return _write(self._pending, self._f).source
        if not self._variants:
            raise ValueError(f"{self.__name__}.source: f has not been called yet; it is traced, "
                             "and its source written, at the first call")
        return self._variants[0].source

    @property
    def sources(self) -> list[str]:
        """The Python of every graph kept, the last one used first."""
        first = [self.source] if self._pending is not None else []
        return first + [v.source for v in self._variants]

    def __repr__(self) -> str:
        return f"<{self.__name__}: {self.traces} trace{'s' * (self.traces != 1)}>"

    def _other(self, args: tuple) -> tuple[Any, Any]:
        """A call the first graph did not take: another graph, a new trace, or eagerly."""
        self._cost.missed += 1  # taken back below when another graph serves it
        if call_depth.get() or any(_holds_value(a) for a in args):
            return self._eager(*args)  # nested in a derivative: Values in, Values out
        if not all(-len(args) <= i < len(args) for i in self._positions):
            return self._eager(*args)  # value_and_grad's IndexError
        positions = tuple(i % len(args) for i in self._positions)
        normal = _normalized(args, positions)
        if normal is None:
            return self._eager(*args)  # refused by value_and_grad, with its message
        failed: tuple[_Variant, Any] | None = None
        tried = self._variants if not self._cost.eager else self._variants[:1]
        for variant in tried:
            try:
                result = variant.run(*normal)
            except Mismatch as mismatch:
                failed = failed or (variant, mismatch.args[0])  # the graph used last
                continue
            except Exception:  # NotFinite too
                return self._eager(*args)
            self._first(variant)
            self._cost.missed -= 1
            return result
        return self._new_graph(args, normal, positions, failed)

    def _new_graph(self, args: tuple, normal: tuple, positions: tuple[int, ...],
                   failed: tuple[_Variant, Any] | None) -> tuple[Any, Any]:
        """No graph fits: write the one recorded last, record one, or run eagerly."""
        shapes = _shapes(normal)
        pending, self._pending = self._pending, None
        if pending is not None and pending.shapes == shapes:
            return self._write_and_check(pending, args, normal)
        previous, seen = self._cost.seen(shapes)
        if self.traces == 0:
            return self._record_and_answer(args, normal, positions)
        if self._cost.worth_a_trace(self.calls, self.traces, seen, shapes == previous,
                                    not self._variants):
            return self._retrace(args, normal, positions, failed)
        if (seen > 1 and self._variants) or self.eager_calls >= WARN_AFTER:
            self._warn(normal, failed, previous)
        return self._run_eagerly(args)

    def _recorded(self, args: tuple, normal: tuple,
                  positions: tuple[int, ...]) -> tuple[Any, Any]:
        """(f recorded on this call, None), or (None, the eager answer) where f cannot be
        recorded; a CompileError (f does what compiled code could not) is raised."""
        try:
            return _record(self._f, normal, positions, self._several, self._has_aux), None
        except CompileError:
            raise
        except Exception as error:
            return None, self._eager_or_refuse(args, error)

    def _record_and_answer(self, args: tuple, normal: tuple,
                           positions: tuple[int, ...]) -> tuple[Any, Any]:
        """Run f on traced inputs; answer from its graph, as value_and_grad does; keep the
        recording, to be written as code when a call of the same kind comes."""
        start = perf_counter()
        recording, eager = self._recorded(args, normal, positions)
        if recording is None:
            return eager
        try:
            result = _answer(recording)
        except Exception:  # a gradient the engine refuses: its own error, eagerly
            return self._eager(*args)
        with self._lock:
            self.traces += 1
        answered = perf_counter()
        expected = self._eager(*args)  # the answer, once more: f may test type(x) is float
        if not _same(result, expected):
            raise CompileError(_differs(self.__name__, result, expected, "recorded graph"))
        self._pending = recording
        self._cost.saw_record(answered - start, len(recording.rec.created))
        self._cost.saw_eager(perf_counter() - answered)
        return expected

    def _retrace(self, args: tuple, normal: tuple, positions: tuple[int, ...],
                 failed: tuple[_Variant, Any] | None = None) -> tuple[Any, Any]:
        """Record f on this call and write its graph at once (a kind of call seen before);
        a guard whose other outcome gives the same code is dropped (see _merged)."""
        start = perf_counter()
        recording, eager = self._recorded(args, normal, positions)
        if recording is None:
            return eager
        with self._lock:
            self.traces += 1
        self._cost.saw_record(perf_counter() - start, len(recording.rec.created))
        result = self._write_and_check(recording, args, normal)
        new = recording.variant
        if failed is not None and new is not None and not isinstance(failed[1], str):
            merged = _merged(failed[0], new, failed[1])
            if merged is not None:
                with self._lock:
                    self._variants = [merged, *(v for v in self._variants
                                                if v is not new and v is not failed[0])]
        return result

    def _write_and_check(self, recording: _Recording, args: tuple,
                         normal: tuple) -> tuple[Any, Any]:
        """Write a recording as code, run it on this call, and check it against
        value_and_grad on the same call: the eager answer is returned."""
        start = perf_counter()
        variant = _write(recording, self._f)
        written = perf_counter()
        try:
            result = variant.run(*normal)
        except Mismatch:  # this call branches elsewhere: the graph may serve others
            result = None
        except Exception:  # NotFinite: the engine decides, eagerly
            result = None
        ran = perf_counter()
        expected = self._eager(*args)
        done = perf_counter()
        if result is not None and not _same(result, expected):
            raise CompileError(_differs(self.__name__, result, expected))
        with self._lock:
            self._variants = [variant, *self._variants][:MAX_GRAPHS]  # least recently used out
        self._cost.saw_write(written - start, ran - written, done - ran)
        return expected

    def _warn(self, normal: tuple, failed: tuple[_Variant, Any] | None, previous: Any) -> None:
        """Tracing stopped paying: said once, with what keeps changing."""
        self._cost.eager = True
        if not self._cost.warned:
            self._cost.warned = True
            warnings.warn(_not_paying(self, normal, failed, previous), CompileWarning,
                          stacklevel=5)

    def _run_eagerly(self, args: tuple) -> tuple[Any, Any]:
        """This call runs as value_and_grad (timed: tracing's budget is a share of it)."""
        self.eager_calls += 1
        start = perf_counter()
        result = self._eager(*args)
        self._cost.saw_eager(perf_counter() - start)
        return result

    def _first(self, variant: _Variant) -> None:
        with self._lock:
            if self._variants and self._variants[0] is not variant:
                self._variants = [variant, *(v for v in self._variants if v is not variant)]

    def _eager_or_refuse(self, args: tuple, error: Exception) -> tuple[Any, Any]:
        """f failed while traced: the engine's error if it fails eagerly too, else why not."""
        self._eager(*args)  # raises here when f fails eagerly too
        raise CompileError(
            f"{self.__name__}: f fails while traced ({type(error).__name__}: {error}) but "
            "works eagerly: it treats the traced numbers of its data in a way compile "
            "cannot follow (see autograd.compile); use value_and_grad for it"
        ) from error


class _Cost:
    """What tracing has cost and saved, in seconds, to tell when it stops paying.

    A graph costs its recording (f run on traced inputs, a little more than an
    eager call) and its writing (code, ``compile``, the check against eager);
    each later call it serves saves the eager time less the compiled time. A
    kind of call seen once (its arguments' kinds, lengths and constants: ints
    that change the graph) runs eagerly. A kind seen again is recorded, and
    written at its next call, while what tracing cost, less what it saved, plus
    what the next graph may cost, stays within ``SLACK`` of the eager time of
    all calls so far: a run then takes at most about (1 + SLACK) times its
    eager time (small graphs are traced freely: see FREE_TRACES).
    """

    def __init__(self) -> None:
        self.spent = 0.0  # tracing's time beyond the eager calls it stood for
        self.last_graph = 0.0  # what the last graph cost: what the next one may cost
        self.record_s = 0.0  # the last recording (f on traced inputs)
        self.missed = 0  # calls no graph served
        self.nodes = 0  # the nodes f made in it
        self.eager_s = 0.0  # one eager call, as last measured
        self.compiled_s = 0.0  # one compiled call, as last measured
        self.eager = False  # tracing stopped paying: only the last graph used is tried
        self.warned = False
        self.kinds: dict[Any, int] = {}  # how often each kind of call (_shapes) came
        self.last: Any = None

    def seen(self, shapes: tuple) -> tuple[Any, int]:
        """(the kind of the call before, how often this kind has come, this call included)."""
        try:
            count = self.kinds[shapes] = self.kinds.get(shapes, 0) + 1
        except TypeError:  # an unhashable constant: the trace will say so
            count = 2
        if len(self.kinds) > MAX_KINDS:
            self.kinds.clear()
        previous, self.last = self.last, shapes
        return previous, count

    def saw_record(self, record_s: float, nodes: int) -> None:
        self.spent += max(record_s - self.eager_s, 0.0)
        self.record_s, self.nodes = record_s, nodes

    def saw_write(self, write_s: float, compiled_s: float, eager_s: float) -> None:
        self.last_graph = self.record_s + write_s + compiled_s
        self.spent += write_s + compiled_s
        self.eager_s, self.compiled_s = eager_s, compiled_s

    def saw_eager(self, eager_s: float) -> None:
        self.eager_s = eager_s

    def worth_a_trace(self, calls: int, traces: int, seen: int, again: bool,
                      first: bool) -> bool:
        """A kind of call seen once runs eagerly; before any graph is written, a kind
        that came twice in a row or three times is traced if the budget allows."""
        if seen < 2 or (first and not again and seen < 3):
            return False
        if traces < FREE_TRACES and self.nodes < FREE_NODES:
            return True  # a small graph: cheap, and the count does not hang on the clock
        saved = max(self.eager_s - self.compiled_s, 0.0) * (calls - self.missed)  # hits
        allowed = SLACK * calls * self.eager_s
        # before any graph is written, one is guessed at WRITE_GUESS times its recording
        next_graph = self.last_graph or self.record_s * WRITE_GUESS
        return self.spent + next_graph - saved <= allowed


_GUARD_LINE = re.compile(r"\s*if .*: raise _Mismatch\((\d+)\)\n")


def _merged(old: _Variant, new: _Variant, k: int) -> _Variant | None:
    """One graph for both outcomes of guard k, or None.

    The new graph was traced because guard k of the old one failed. When the
    two have the same guards, whose outcomes differ at k alone, and the same
    code once their guard lines are taken out, the comparison decided nothing
    the code computes (a count or a message that went nowhere): its line is
    dropped. Any other difference keeps both graphs.
    """
    if k < 0 or len(old.guards) != len(new.guards) or k >= len(new.guards):
        return None
    asked = [g.rsplit(" (it was ", 1) for g in old.guards]
    answered = [g.rsplit(" (it was ", 1) for g in new.guards]
    differ = [i for i, (a, b) in enumerate(zip(asked, answered)) if a != b]
    if differ != [k] or asked[k][0] != answered[k][0]:
        return None
    if _GUARD_LINE.sub("", old.source) != _GUARD_LINE.sub("", new.source):
        return None
    if not _same_names(old.run, new.run):  # the same text may name other objects
        return None
    source = "".join(line for line in new.source.splitlines(True)
                     if not (_GUARD_LINE.fullmatch(line) and
                             _GUARD_LINE.fullmatch(line).group(1) == str(k)))
    guards = [*new.guards]
    guards[k] = f"{asked[k][0]} (either way: it decides nothing the code computes)"
    return _rebuilt(new, source, guards)


def _same_names(old: Callable[..., Any], new: Callable[..., Any]) -> bool:
    """True when the two functions' names are bound alike: the same objects (a Value read
    on every call, a helper), or equal plain constants (a tuple of places, an int)."""
    a, b = old.__globals__, new.__globals__
    if a.keys() != b.keys():
        return False
    for key, x in a.items():
        y = b[key]
        if x is y or key == old.__name__:
            continue
        if type(x) is not type(y) or type(x) not in (tuple, int, str, bool, type(None)):
            return False
        if x != y:
            return False
    return True


def _rebuilt(variant: _Variant, source: str, guards: list[str]) -> _Variant:
    namespace = variant.run.__globals__  # the names the code was written with
    filename = f"<autograd.compile merged {id(source):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(builtins.compile(source, filename, "exec"), namespace)  # noqa: S102 - our own code
    name = source.split("(", 1)[0][len("def "):]
    return _Variant(namespace[name], source, guards, variant.shapes)


def _same(a: Any, b: Any) -> bool:
    """Equal to the bit (a signed zero differs from the other, a nan equals a nan)."""
    if isinstance(a, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, float) and isinstance(b, float):
        return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (a != a and b != b)
    return type(a) is type(b) and a == b


def _differs(name: str, got: Any, expected: Any, what: str = "compiled graph") -> str:
    return (f"{name}: the {what} gives {got!r} where value_and_grad gives "
            f"{expected!r} for the same call: f treats its traced numbers differently from "
            "plain floats (isinstance(x, float), type(x), an identity test ...), which compile "
            "cannot follow; use value_and_grad for it, or test numbers with "
            "isinstance(x, numbers.Real)")


def _shapes(args: tuple) -> tuple:
    """Each argument's kind, length and constants: what a graph is traced for."""
    return tuple(_shape(a) for a in args)


def _shape(a: Any) -> Any:
    if a.__class__ is float:
        return "float"
    if isinstance(a, (list, tuple)):
        if set(map(type, a)) == _FLOATS:  # a long list of floats, told by its length
            return (type(a).__name__, len(a))
        return (type(a).__name__, tuple(_shape(x) for x in a))
    return ("constant", type(a).__name__, a)


def _not_paying(c: Compiled, normal: tuple, failed: tuple[_Variant, Any] | None,
                previous: Any) -> str:
    why = ""
    if failed is not None and isinstance(failed[1], str):
        why = f" The {failed[1]} f reads was replaced since it was traced."
    elif failed is not None and failed[1] >= 0:
        why = f" The comparison {failed[0].guards[failed[1]]} keeps changing."
    else:
        before = failed[0].shapes if failed is not None else previous
        params = _parameter_names(c._f, len(normal))
        changed = [p for p, old, new in zip(params, before or (), _shapes(normal)) if old != new]
        why = (f" The argument {changed[0]!r} keeps changing in kind, length or "
               "constants (ints and other non-float data are constants of a graph)."
               if changed else " The arguments keep changing in kind or length.")
    return (f"{c.__name__}: {c.traces} trace(s) in {c.calls} calls; a new graph would cost "
            f"more than it saves, so calls that fit none run eagerly (value_and_grad).{why} "
            "A Python branch on a number of the data (if x.data > 0, float(x)) makes one "
            "graph per outcome: write it with relu, abs, maximum or minimum, or pass such "
            "data as floats")


# -- one trace -------------------------------------------------------------------------


@dataclass
class _Recording:
    """One run of f on traced inputs: its graph, what it read, not yet written as code."""

    out: Any
    aux: Any
    rec: Recorder
    inputs: Inputs
    shapes: tuple
    has_aux: bool
    variant: _Variant | None = None


def _record(f: Callable[..., Any], args: tuple, positions: tuple[int, ...],
            several: bool, has_aux: bool = False) -> _Recording:
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
    closed_over = watched(f)  # as they are before f runs (f may rebind them)
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
    inputs = Inputs(params, kinds, positions, several, leaf_names, closed_over)
    return _Recording(out, aux, rec, inputs, _shapes(args), has_aux)


def _answer(recording: _Recording) -> tuple[Any, Any]:
    """What value_and_grad returns for the recorded call, from the recorded graph."""
    out, inputs = recording.out, recording.inputs
    table: dict[Value, float] = {}
    if isinstance(out, Value):
        with paused_collector():
            table = reverse_pass(out, 1.0, "grad")
    value = float(value_of(out))
    grads = []
    for position in inputs.positions:
        what = inputs.kinds[position][1]
        grads.append([table.get(x, 0.0) for x in what] if isinstance(what, list)
                     else table.get(what, 0.0))
    if recording.has_aux:
        value = (value, _as_floats(recording.aux))
    return value, (tuple(grads) if inputs.several else grads[0])


def _write(recording: _Recording, f: Callable[..., Any]) -> _Variant:
    """The recording as code (written once)."""
    if recording.variant is None:
        program = write(recording.out, recording.inputs, recording.rec,
                        getattr(f, "__name__", "compiled"), recording.aux, recording.has_aux)
        recording.variant = _build(program, recording.shapes)
    return recording.variant


def _build(program: Any, shapes: tuple) -> _Variant:
    filename = f"<autograd.compile {id(program):x}>"
    linecache.cache[filename] = (len(program.source), None,
                                 program.source.splitlines(True), filename)
    code = builtins.compile(program.source, filename, "exec")
    exec(code, program.namespace)  # noqa: S102 - our own generated code
    name = program.source.split("(", 1)[0][len("def "):]
    return _Variant(program.namespace[name], program.source, program.guards, shapes)


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
           or isinstance(value_of(x), bool)]  # a comparison's result too, as eagerly
    if bad:
        raise CompileError(f"compile(has_aux=True): aux must hold Values and numbers (in lists "
                           f"or tuples), not {type(value_of(bad[0])).__name__}")
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
    return value_of(tree) if isinstance(tree, Value) else float(tree)


# -- arguments as value_and_grad would take them ---------------------------------------


def _normalized(args: tuple, positions: tuple[int, ...]) -> tuple | None:
    """args with numbers as floats, or None where value_and_grad would refuse them."""
    out = []
    for i, a in enumerate(args):
        if i in positions:
            if isinstance(a, (list, tuple)) and set(map(type, a)) == _FLOATS:
                items = [x if x - x == 0.0 else None for x in a]  # finite, else refused
            else:
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
    if not isinstance(a, (list, tuple)) or set(map(type, a)) == _FLOATS:
        return False
    return any(_holds_value(x) for x in a)


_FLOATS = {float}
