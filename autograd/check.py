"""Checking gradients against central differences.

    >>> [round(g, 6) for g in numerical_grad(lambda x, y: x * y, [2.0, 5.0])]   # [y, x]
    [5.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .errors import as_float, describe
from .forward_mode import jvp
from .functional import grad, value_and_grad
from .graph import topo_order
from .ops import OPS, Primitive
from .value import Value, no_grad


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message is a table of both."""


def _as_number(y: Any) -> float:
    return y.data if isinstance(y, Value) else float(y)


def numerical_grad(f: Callable[..., Any], args: Sequence[float], eps: float = 1e-6) -> list[float]:
    """One central difference per argument: (f(x + h) - f(x - h)) / 2h.

    ``h`` is ``eps`` scaled by the argument's size (``eps * max(1, |x|)``), so
    large arguments are not lost to rounding. f takes and returns numbers (a
    Value result is read through its ``.data``). The arguments reach f as
    Values built under ``no_grad``, so f may use Value methods (``x.tanh()``)
    or plain maths (``math.sin(x)`` reads a Value through ``float``).
    """
    args = _checked_args(f, args, eps, who="numerical_grad")

    def at(point: list[float]) -> float:
        with no_grad():
            return _as_number(f(*[Value(v) for v in point]))

    partials = []
    for i, x in enumerate(args):
        h = eps * max(1.0, abs(x))
        up = args[:i] + [x + h] + args[i + 1 :]
        down = args[:i] + [x - h] + args[i + 1 :]
        partials.append((at(up) - at(down)) / (2 * h))
    return partials


def gradcheck(
    f: Callable[..., Any],
    args: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Compare the engine's gradient of f with central differences at ``args``.

    Returns True when every partial agrees within ``atol + rtol * |numeric|``;
    otherwise raises GradcheckError with a table of input, analytic, numeric
    and difference for each argument.

        >>> gradcheck(lambda x: x.tanh() * x, [0.3])
        True
    """
    args = _checked_args(f, args, eps, atol, rtol, who="gradcheck")
    _, analytic = value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    numeric = numerical_grad(f, args, eps)
    rows, bad = [], False
    for i, (x, a, n) in enumerate(zip(args, analytic, numeric)):
        diff = abs(a - n)
        wrong = not diff <= atol + rtol * abs(n)  # a NaN on either side is wrong
        bad |= wrong
        rows.append((f"arg{i}", x, a, n, diff, "  <-- mismatch" if wrong else ""))
    if bad:
        raise GradcheckError(
            f"gradcheck failed for {getattr(f, '__name__', 'f')}:\n" + _table(rows)
        )
    return True


def _table(rows: list[tuple]) -> str:
    head = f"{'input':>8} {'value':>14} {'analytic':>16} {'numeric':>16} {'abs diff':>11}"
    lines = [head, "-" * len(head)]
    for name, x, a, n, d, note in rows:
        lines.append(f"{name:>8} {x:>14.6g} {a:>16.9g} {n:>16.9g} {d:>11.3g}{note}")
    return "\n".join(lines)


def _checked_args(f: Any, args: Any, eps: Any, atol: Any = 0.0, rtol: Any = 0.0,
                  who: str = "check_grads") -> list[float]:
    """The arguments of ``who`` checked before any work: args as floats, or the error."""
    if not callable(f):
        raise TypeError(f"{who}: f must be a function, got {type(f).__name__} {f!r:.60}")
    if not isinstance(args, (list, tuple)):
        raise TypeError(f"{who}: args must be a list or tuple of numbers (one per argument "
                        f"of f), got {type(args).__name__} {args!r:.60}")
    out = [as_float(a, f"{who}: args[{k}]") for k, a in enumerate(args)]
    for name, value, least in (("eps", eps, "> 0"), ("atol", atol, "≥ 0"), ("rtol", rtol, "≥ 0")):
        number = as_float(value, f"{who}: {name}")
        if number < 0 or (least == "> 0" and number == 0):
            raise ValueError(f"{who}: {name} must be a finite number {least}, got {value!r}")
    return out


def check_grads(
    f: Callable[..., Any],
    args: Sequence[float],
    order: int = 2,
    modes: Sequence[str] = ("fwd", "rev"),
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """Check every derivative of f up to ``order``, in each mode, against central differences.

    As HIPS autograd and JAX check them: each derivative of order k (every
    partial, mixed ones included) is compared with central differences of the
    order k - 1 derivative, which the engine computed, so the numeric error
    stays that of a first difference. It costs n + n² + ... + nᵏ derivative
    evaluations per mode for n arguments. Raises ``GradcheckError`` naming the
    order, the mode and the arguments.

        >>> check_grads(lambda x, y: (x * y).tanh(), [0.3, -0.7], order=3)
        True
    """
    args = _checked_args(f, args, eps, atol, rtol)
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"check_grads: order must be an int ≥ 1, got {order!r}")
    unknown = [m for m in modes if m not in ("fwd", "rev")]
    if unknown or not modes:
        raise ValueError(f"check_grads: modes must be among 'fwd' and 'rev', got {modes!r}")
    def on_values(*xs: Any) -> Any:  # f may call Value methods on every argument
        return f(*[x if isinstance(x, Value) else Value(x) for x in xs])

    on_values.__name__ = getattr(f, "__name__", "f")
    for mode in modes:
        level: list[tuple[tuple[int, ...], Callable[..., Any]]] = [((), on_values)]
        for _ in range(order):
            level = [
                (path + (i,), _checked_derivative(h, path, i, mode, args, eps, atol, rtol))
                for path, h in level
                for i in range(len(args))
            ]
    return True


def _checked_derivative(
    h: Callable[..., Any], path: tuple[int, ...], i: int, mode: str,
    args: list[float], eps: float, atol: float, rtol: float,
) -> Callable[..., Any]:
    """d h / d arg i in ``mode``, after checking it at ``args`` against central differences."""
    if mode == "rev":
        d = grad(h, argnums=i)
    else:
        unit = tuple(1.0 if j == i else 0.0 for j in range(len(args)))

        def d(*xs: Any) -> Any:
            return jvp(h, xs, unit)[1]

    analytic = _as_number(d(*args))
    x = args[i]
    step = eps * max(1.0, abs(x))
    up, down = list(args), list(args)
    up[i], down[i] = x + step, x - step
    numeric = (_at(h, up, path) - _at(h, down, path)) / (2 * step)
    if not abs(analytic - numeric) <= atol + rtol * abs(numeric):  # NaN fails too
        names = "".join(f"∂/∂arg{j} " for j in reversed(path + (i,)))
        raise GradcheckError(
            f"check_grads: order {len(path) + 1}, mode {mode!r}, argument {i} "
            f"({names.strip()} of {getattr(h, '__name__', 'f')} at {args}): "
            f"analytic {analytic:.9g}, numeric {numeric:.9g}, "
            f"difference {abs(analytic - numeric):.3g}"
        )
    return d


def _at(h: Callable[..., Any], point: list[float], path: tuple[int, ...]) -> float:
    if path:  # a derivative the engine made
        return _as_number(h(*point))
    with no_grad():  # f itself: no graph is needed for its value
        return _as_number(h(*point))


def check_graph(root: Value, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4) -> int:
    """Check every edge's recorded local derivative against its op's forward.

    For each node and each parent, nudge that input by ±h, re-run the node's
    own forward from the primitive table, and compare the central difference
    with ``node.local_grads[i]``. A learner who adds an op with a wrong rule is
    told which op and which node. Points where the two one-sided differences
    disagree (relu or abs at 0) have no derivative and are skipped. Returns the
    number of edges checked.

        >>> x = Value(0.5); check_graph((x * x).tanh())
        3
    """
    checked = 0
    for node in topo_order(root):
        if not node.parents:
            continue
        prim = OPS[node.op]
        inputs = [a.data if isinstance(a, Value) else float(a) for a in node.args]
        positions = [j for j, a in enumerate(node.args) if isinstance(a, Value)]
        for i, j in enumerate(positions):
            x = inputs[j]
            h = eps * max(1.0, abs(x))

            try:
                up = _forward_with(prim, inputs, j, x + h)
                down = _forward_with(prim, inputs, j, x - h)
                mid = node.data
            except (ValueError, ArithmeticError):
                continue  # the nudge leaves the op's domain: nothing to compare
            right, left = (up - mid) / h, (mid - down) / h
            if abs(right - left) > 1e-2 * max(1.0, abs(right), abs(left)):
                continue  # a kink: no derivative here
            numeric = (up - down) / (2 * h)
            local = node.local_grads[i]
            checked += 1
            if not abs(local - numeric) <= atol + rtol * abs(numeric):
                formula = prim.formulas[min(j, len(prim.formulas) - 1)]  # n-ary: one for all
                raise GradcheckError(
                    f"op {node.op!r} at {describe(node)}: the recorded local derivative "
                    f"with respect to input {j} ({describe(node.args[j])}) is {local:.9g}, "
                    f"but central differences of {node.op!r}'s forward give {numeric:.9g}; "
                    f"check its rule in autograd/ops.py: {formula}"
                )
    return checked


def _forward_with(prim: Primitive, inputs: list[float], j: int, v: float) -> float:
    """The op's forward with input j replaced by v."""
    changed = [*inputs[:j], v, *inputs[j + 1 :]]
    return prim.forward(changed) if prim.nary else prim.forward(*changed)
