"""Argument checks shared by nn's modules: one wording for every refusal.

Each check returns the argument in the form the caller computes with (a float,
an int, a bool) or raises an error that names the function, the parameter and
the value: ``TypeError`` for the wrong kind of thing (bools are refused where a
number is meant: ``True`` is not 1.0 here), ``ValueError`` for a number out of
its range or not finite, ``OverflowError`` for an int too large for a float.
The type errors are ``ArgumentTypeError``, a TypeError that is also a ValueError.

    >>> finite(0.5, "SGD lr")
    0.5
    >>> finite(float('nan'), "SGD lr")
    Traceback (most recent call last):
    ValueError: SGD lr must be a finite number, got nan
"""

from __future__ import annotations

import math
import numbers
import operator
import reprlib
import shlex
import sys
from typing import Any

__all__ = ["ArgumentTypeError"]  # the checks themselves are private helpers

_short = reprlib.Repr()
_short.maxstring = 40
_short.maxother = 40


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong kind (a float or bool where an int is meant, a str where a
    number is): a TypeError that is also a ValueError, as scikit-learn's
    InvalidParameterError, so code catching either sees it."""


def show(x: Any) -> str:
    """A short, safe repr for messages (huge ints and odd objects included).

        >>> show(10 ** 5000), show('x' * 100)[:12]
        ('an int of 16610 bits', "'xxxxxxxxxxx")
    """
    if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > 64:
        return f"an int of {x.bit_length()} bits"
    try:
        return _short.repr(x)
    except Exception:  # a user object whose repr raises must not hide the real error
        return f"a {type(x).__name__}"


def _kind(x: Any) -> str:
    return f"{type(x).__name__} {show(x)}"


def real(x: Any, what: str) -> float:
    """x as a float if it is a real number (int, float, numpy scalar), not a bool.

        >>> real(3, "noise")
        3.0
    """
    if x.__class__ is float:
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        hint = " (bools are refused: write 1.0 or 0.0)" if isinstance(x, bool) else ""
        raise ArgumentTypeError(f"{what} must be a number, got {_kind(x)}{hint}")
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f"{what} is too large for a float: {show(x)}") from None


def finite(x: Any, what: str, low: float | None = None, high: float | None = None,
           *, open_low: bool = False, open_high: bool = False) -> float:
    """x as a finite float in [low, high] (a bound left out is not checked).

        >>> finite(0.9, "Adam beta1", 0.0, 1.0, open_high=True)
        0.9
    """
    f = real(x, what)
    if not math.isfinite(f):
        raise ValueError(f"{what} must be a finite number, got {show(x)}")
    too_low = low is not None and (f <= low if open_low else f < low)
    too_high = high is not None and (f >= high if open_high else f > high)
    if too_low or too_high:
        lo = "" if low is None else f"{'(' if open_low else '['}{low:g}"
        hi = "" if high is None else f"{high:g}{')' if open_high else ']'}"
        where = (f"in {lo}, {hi}" if low is not None and high is not None
                 else f"{'>' if open_low else '>='} {low:g}" if low is not None
                 else f"{'<' if open_high else '<='} {high:g}")
        raise ValueError(f"{what} must be {where}, got {show(x)}")
    return f


def integer(x: Any, what: str, low: int | None = None, high: int | None = None) -> int:
    """x as an int in [low, high]; ints and numpy integers, never bools or floats.

        >>> integer(3, "n", 1)
        3
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise ArgumentTypeError(f"{what} must be an int, got {_kind(x)}")
    i = operator.index(x)
    if (low is not None and i < low) or (high is not None and i > high):
        where = (f"in [{low}, {high}]" if low is not None and high is not None
                 else f">= {low}" if low is not None else f"<= {high}")
        raise ValueError(f"{what} must be {where}, got {show(x)}")
    return i


def flag(x: Any, what: str) -> bool:
    """x if it is True or False (not 0, 1 or a string).

        >>> flag(False, "shuffle")
        False
    """
    if not isinstance(x, bool):
        raise ArgumentTypeError(f"{what} must be True or False, got {_kind(x)}")
    return x


def choice(x: Any, allowed: tuple[str, ...], what: str) -> str:
    """x if it is one of the allowed strings.

        >>> choice('mean', ('sum', 'mean'), 'mse reduction')
        'mean'
    """
    if not isinstance(x, str) or x not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, allowed))}; "
                         f"got {_kind(x)}")
    return x


def seed(x: Any, what: str) -> int | None:
    """None or an int (a random generator's seed).

        >>> seed(None, "moons seed") is None
        True
    """
    return None if x is None else integer(x, what)


def install_command(requirement: str) -> str:
    """The command that installs ``requirement`` into the environment running this Python
    (a bare ``pip`` may be another environment's): ``<sys.executable> -m pip install ...``.
    autograd's wings have the same one-line helper; nn keeps its own, as it reaches only
    autograd's public names."""
    return f"{shlex.quote(sys.executable or 'python3')} -m pip install {shlex.quote(requirement)}"
