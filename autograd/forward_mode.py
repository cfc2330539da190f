"""Forward mode, and the second derivatives built from both modes.

``jvp`` carries a tangent forward through the graph: seeded on one input, the
tangent at each node is d node / d input, document 003's forward chain. It uses
the local derivatives of the same op-table entries as the reverse pass.

    >>> jvp(lambda x, y: x * y, (2.0, 5.0), (1.0, 0.0))   # (value, d/dx)
    (10.0, 5.0)
    >>> hessian(lambda x, y: x * x * y, argnums=(0, 1))(2.0, 5.0)
    [[10.0, 4.0], [4.0, 0.0]]
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from .errors import as_float
from .functional import Argnums, _Call, argnum_positions, grad, gradients, tangent_pass
from .value import Value


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """f's value at ``primals`` and its directional derivative along ``tangents``.

    f may return a Value, a number, or a list/tuple of them (then both results
    are lists). On plain numbers the results are floats; on Values (or inside
    another derivative) Values, so that jvp composes with grad.
    """
    if not callable(f):
        raise TypeError(f"jvp: f must be a function, got {type(f).__name__} {f!r:.60}")
    for what, given in (("primals", primals), ("tangents", tangents)):
        if not isinstance(given, (list, tuple)):
            raise TypeError(f"jvp: {what} must be a tuple or list, got {type(given).__name__}")
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one tangent each"
        )
    call = _Call(primals, tuple(range(len(primals))), "jvp")
    seeds = dict(zip(call.inputs, _flat(tangents, call, "jvp")))
    out = call.run(f)
    several = isinstance(out, (list, tuple))
    outs = list(out) if several else [out]
    nodes = [o for o in outs if isinstance(o, Value)]
    found = tangent_pass(nodes, seeds, on_values=call.nested)
    values, dirs = [], []
    for o in outs:
        _check_output(o, "jvp")
        values.append(o if call.nested else float(o))
        t = found.get(o, 0.0) if isinstance(o, Value) else 0.0
        dirs.append(_finish(t, call.nested, "jvp"))
    return (values, dirs) if several else (values[0], dirs[0])


def hvp(f: Callable[..., Any], primals: Sequence[Any], vector: Sequence[Any]) -> list[Any]:
    """The Hessian of f at ``primals`` times ``vector``: forward mode over reverse mode.

    The result is laid out like the primals: one entry per argument, a list for
    a list argument.

        >>> hvp(lambda x, y: x * x * y, (2.0, 5.0), (1.0, 0.0))
        [10.0, 4.0]
    """
    if not callable(f):
        raise TypeError(f"hvp: f must be a function, got {type(f).__name__} {f!r:.60}")
    for what, given in (("primals", primals), ("vector", vector)):
        if not isinstance(given, (tuple, list)):
            raise TypeError(f"hvp: {what} must be a tuple or list (one entry per argument of "
                            f"f), got {type(given).__name__} {given!r:.60}")
    everything = tuple(range(len(primals)))

    def flat_gradient(*xs: Any) -> list[Any]:
        per_arg = grad(f, everything)(*xs)
        return [g for item in per_arg for g in (item if isinstance(item, list) else [item])]

    flat = jvp(flat_gradient, primals, vector)[1]
    out, k = [], 0
    for x in primals:
        if isinstance(x, (list, tuple)):
            out.append(flat[k : k + len(x)])
            k += len(x)
        else:
            out.append(flat[k])
            k += 1
    return out


def hessian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., list[list[Any]]]:
    """A function giving the matrix of second derivatives over the ``argnums`` inputs.

    Reverse over reverse: one pass that builds the gradient as Values, then one
    first-order pass per input. A list argument counts as one input per item.
    """
    return _matrix(f, argnums, "hessian")


def jacobian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., list[list[Any]]]:
    """A function giving d out_i / d x_j for f returning a list of Values: one row per output.

        >>> jacobian(lambda x, y: [x * y, x + y], argnums=(0, 1))(2.0, 5.0)
        [[5.0, 2.0], [1.0, 1.0]]
    """
    return _matrix(f, argnums, "jacobian")


def _matrix(f: Callable[..., Any], argnums: Argnums, name: str) -> Callable[..., Any]:
    """hessian's or jacobian's function: f run on fresh inputs, then one row per output."""
    positions, _ = argnum_positions(argnums)

    def wrapped(*args: Any) -> list[list[Any]]:
        call = _Call(args, positions, name)
        return _rows(call.run(f), call, second=name == "hessian")

    wrapped.__name__ = f"{name}({getattr(f, '__name__', 'f')})"
    return wrapped


def _rows(out: Any, call: _Call, second: bool) -> list[list[Any]]:
    """One row of first derivatives per output (for a Hessian: per gradient entry), laid
    out over the ``argnums`` positions (a repeated position repeats its row and column)."""
    name = call.name
    if second:
        _check_output(out, name, scalar=True)
        if isinstance(out, Value):
            outputs = gradients(out, call.inputs, create_graph=True)
        else:
            outputs = (0.0,) * len(call.inputs)
        outputs = [outputs[k] for k in call.layout()]
    else:
        outputs = list(out) if isinstance(out, (list, tuple)) else [out]
    rows = []
    for o in outputs:
        _check_output(o, name)
        if isinstance(o, Value):
            row = gradients(o, call.inputs, create_graph=call.nested)
        else:
            row = (0.0,) * len(call.inputs)
        rows.append([_finish(row[k], call.nested, name) for k in call.layout()])
    return rows


def _flat(tangents: tuple, call: _Call, name: str) -> list[Any]:
    """The tangents laid out like the inputs (a list primal takes a list tangent)."""
    flat = []
    for t, shape in zip(tangents, call.shapes):
        if shape is not None and not isinstance(t, (list, tuple)):
            raise TypeError(f"{name}: a list primal needs a list tangent, got {type(t).__name__}")
        items = [t] if shape is None else list(t)
        if shape is not None and len(items) != shape:
            raise ValueError(f"{name}: a tangent of length {len(items)} for a primal of {shape}")
        for x in items:
            if isinstance(x, bool) or not isinstance(x, (numbers.Real, Value)):
                raise TypeError(f"{name}: tangents must be numbers, got {type(x).__name__} {x!r}")
            flat.append(x if isinstance(x, Value) else as_float(x, f"{name}: a tangent"))
    return flat


def _check_output(o: Any, name: str, scalar: bool = False) -> None:
    if isinstance(o, Value):
        return
    if isinstance(o, numbers.Real) and not isinstance(o, bool):
        as_float(o, f"{name}: f's result")  # a constant, but never a silent NaN or inf
        return
    what = "a scalar Value or number" if scalar else "Values or numbers"
    raise TypeError(f"{name}: f must return {what}, got {type(o).__name__}")


def _finish(t: Any, nested: bool, name: str) -> Any:
    """A derivative as the caller gets it: a Value inside another derivative, else a
    float, never a silent NaN or inf."""
    if nested:
        return t if isinstance(t, Value) else Value(as_float(t, f"{name}: a derivative"))
    return as_float(t.data if isinstance(t, Value) else t, f"{name}: a derivative")
