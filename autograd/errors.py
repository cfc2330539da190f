"""Checking what an op is given, and the errors that say what went wrong.

Every message names the op, the operand's value and the node (by its label, or
its op and data when it has no label), so that a learner can find the line.

    >>> describe(3.0)
    '3.0'
"""

from __future__ import annotations

import math
import numbers
import shlex
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ops import Primitive

_isfinite = math.isfinite


def install_command(requirement: str) -> str:
    """The command that installs ``requirement`` into the environment running this Python.

        >>> install_command("chaingrad[plot]").endswith(" -m pip install 'chaingrad[plot]'")
        True

    A bare ``pip`` installs into whichever environment is first on PATH, often not
    the one running chaingrad; ``<this interpreter> -m pip`` cannot miss.
    """
    return f"{shlex.quote(sys.executable or 'python3')} -m pip install {shlex.quote(requirement)}"


def describe(x: Any) -> str:
    """A node as errors name it: its label, op and data (anything else: its repr)."""
    if not _is_node(x):
        return repr(x)
    if x.label:
        return f"node {x.label!r} = {number_text(x.data)}"
    kind = f"output of {x.op!r}" if x.op else "leaf"
    return f"unlabelled {kind} = {number_text(x.data)}"


def number_text(data: Any) -> str:
    """A node's data as messages and reprs print it; ``.data`` set by hand to
    something that is no number is shown as what it is, never a format error."""
    if isinstance(data, numbers.Real):
        try:
            return f"{data:.6g}"
        except (TypeError, ValueError):  # a Real with no 'g' format (Fraction on 3.11)
            return _safe_repr(data)
    return "None" if data is None else f"{type(data).__name__} {_safe_repr(data)}"


def _named(label: str) -> str:
    return f" (label {label!r})" if label else ""


def _too_big(x: Any) -> str:
    # str() of a huge int is itself refused (Python's int-to-str digit limit),
    # so an int's size is said in bits, which always works; any other number
    # (a Fraction, say) by its repr, which _safe_repr keeps short and safe.
    if isinstance(x, int):
        return f"an int of {x.bit_length()} bits (about {int(x.bit_length() * 0.30103)} digits)"
    return f"{type(x).__name__} {_safe_repr(x)}"


def as_float(data: Any, where: str, label: str = "", with_node: Any = None) -> float:
    """data as a finite float, or the error that says what is wrong with it.

    ``where`` names the op (or ``Value``); ``with_node`` is the node an
    operand was given with, named in the message.
    """
    node = f" (with {describe(with_node)})" if with_node is not None else _named(label)
    if data.__class__ is float:
        value = data
    elif isinstance(data, bool) or not isinstance(data, numbers.Real):
        hint = " (bools are refused: write 1.0 or 0.0)" if isinstance(data, bool) else ""
        raise TypeError(
            f"{where}: data must be an int or a float, got {type(data).__name__} "
            f"{_safe_repr(data)}{node}{hint}"
        )
    else:
        try:
            value = float(data)
        except OverflowError:
            too_big = _too_big(data)
            raise OverflowError(f"{where}: {too_big} is too large for a float{node}") from None
    if not _isfinite(value):
        raise ValueError(f"{where}: data must be finite, got {value!r}{node}")
    return value


def _safe_repr(x: Any) -> str:
    try:
        text = repr(x)
    except Exception:  # a repr that fails must not hide the real error
        return f"<{type(x).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


def check_label(label: Any) -> str:
    """A label must be a str: drawings, traces and messages print it."""
    if label.__class__ is not str and not isinstance(label, str):
        raise TypeError(f"Value: label must be a str, got {type(label).__name__} {label!r}")
    return label


def operand(x: Any, prim: Primitive, other: Any) -> float:
    """A plain-number operand as a float, or an error naming the op and the node."""
    if x.__class__ is float:
        if not _isfinite(x):
            raise ValueError(f"{prim.name}: operand {x!r} is not finite (with {describe(other)})")
        return x
    if x.__class__ is int:
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(
                f"{prim.name}: {_too_big(x)} as an operand is too large for a float "
                f"(with {describe(other)})"
            ) from None
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(
            f"{prim.name}: cannot apply to {type(x).__name__} {_safe_repr(x)} "
            f"(with {describe(other)}); operands must be Values, ints or floats"
        )
    return as_float(x, prim.name, with_node=other)


def check_seed(grad: Any) -> float:
    """The seed of a reverse pass: a finite int or float, never a bool or a str."""
    return as_float(grad, "backward: the seed grad")


_REASONS = {
    "math domain error": "input outside the domain",
    "math range error": "the result overflows a float",
    "float division by zero": "division by zero",
    "division by zero": "division by zero",
}


def operands_text(args: tuple) -> str:
    """The first few operands of an op, described."""
    text = ", ".join(describe(a) for a in args[:6])
    return text + (f", ... ({len(args)} in all)" if len(args) > 6 else "")


def op_error(prim: Primitive, args: tuple, error: Exception) -> Exception:
    """The error an op raises: its kind kept, its message naming op, operands and domain."""
    domain = f"; {prim.name} needs {prim.domain}" if prim.domain else ""
    if isinstance(error, ZeroDivisionError):
        kind: type[Exception] = ZeroDivisionError
    elif isinstance(error, OverflowError):
        kind = OverflowError
    elif isinstance(error, ArithmeticError):
        kind = ArithmeticError
    else:
        kind = ValueError
    reason = _REASONS.get(str(error), str(error))
    return kind(f"{prim.name}: {reason}, with operands {operands_text(args)}{domain}")


def derivative_error(prim: Primitive, args: tuple, out: float, error: Exception) -> Exception:
    """The error when the forward is fine but a local derivative is infinite or not real."""
    rules = "; ".join(prim.formulas)
    infinite = isinstance(error, ZeroDivisionError) or str(error) in _REASONS
    reason = "it is infinite here" if infinite else str(error)
    kind = ZeroDivisionError if isinstance(error, ZeroDivisionError) else type(error)
    return kind(
        f"{prim.name}: the value {out:.6g} is defined but a local derivative is not ({reason}), "
        f"with operands {operands_text(args)}; the rule: {rules}. Under no_grad() the op "
        "works, as no derivative is needed"
    )


def rule_error(prim: Primitive, args: tuple, part: str, error: Exception) -> TypeError:
    """A rule or forward of one's own that raised what no op should, or gave no number."""
    return TypeError(
        f"{prim.name}: its {part} failed with {type(error).__name__}: {error} "
        f"(operands {operands_text(args)}); a forward returns a float and a derivative rule "
        "a number (or a Value, when evaluated on Values)"
    )


def forward_error(prim: Primitive, args: tuple, error: Exception) -> Exception:
    """What an op's forward raised, said with op and operands.

    A domain or range error (ValueError, ArithmeticError) is the op's to explain,
    and Python's own message is dropped; anything else can only come from an op
    of one's own, and keeps its cause for the traceback.
    """
    bad = bad_data_error(prim, args)
    if bad is not None:
        return _caused(bad, error)
    if isinstance(error, (ValueError, ArithmeticError)):
        return _suppressed(op_error(prim, args, error))
    return _caused(rule_error(prim, args, "forward", error), error)


def bad_data_error(prim: Primitive, args: tuple) -> TypeError | None:
    """The error for an operand whose .data was set by hand to no number, if there is one."""
    bad = next((a for a in args if _is_node(a) and not isinstance(a.data, numbers.Real)), None)
    if bad is None:
        return None
    return TypeError(
        f"{prim.name}: the data of {describe(bad)} is no number; .data must be a finite float"
    )


def non_finite_data_error(prim: Primitive, args: tuple) -> ValueError | None:
    """The error for an operand whose .data was set by hand to NaN or an infinity, if any.

    Value() refuses both; a .data set later is named by the first op that reads it,
    even where the op's result would be finite (relu(nan) = 0, tanh(inf) = 1).
    """
    for a in args:
        if _is_node(a) and isinstance(a.data, numbers.Real):
            try:
                finite = math.isfinite(a.data)
            except OverflowError:  # an int too large for a float: the op itself says so
                continue
            if not finite:
                return ValueError(
                    f"{prim.name}: the data of {describe(a)} is not finite (Value() refuses "
                    f"{number_text(a.data)}; it was set by hand); .data must be a finite float"
                )
    return None


def _is_node(x: Any) -> bool:
    return hasattr(x, "op") and hasattr(x, "grad") and hasattr(x, "label")


def local_error(prim: Primitive, args: tuple, out: float, error: Exception) -> Exception:
    """What evaluating or checking a node's local derivatives raised, said the same way."""
    bad = bad_data_error(prim, args)
    if bad is not None:
        return _caused(bad, error)
    if isinstance(error, (ValueError, ArithmeticError)):
        return _suppressed(derivative_error(prim, args, out, error))
    part = "forward or derivative rule" if isinstance(error, TypeError) else "derivative rule"
    return _caused(rule_error(prim, args, part, error), error)


def _suppressed(error: Exception) -> Exception:
    error.__suppress_context__ = True  # as `raise ... from None`
    return error


def _caused(error: Exception, cause: Exception) -> Exception:
    error.__cause__ = cause  # as `raise ... from cause`
    return error


def non_finite(out: float, local: tuple) -> OverflowError:
    """Why a node whose value or local derivative is not finite is refused."""
    if not _isfinite(out):
        return OverflowError(f"the result is {out}")
    return OverflowError(
        f"the result {out:.6g} is finite but a local derivative is not ({local}), "
        "so no gradient could flow through this node"
    )
