"""Functional forms, as in JAX: grad(f) and value_and_grad(f) on plain numbers.

    >>> grad(lambda x: x * x)(3.0)
    6.0
    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 5.0)
    (10.0, (5.0, 2.0))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .value import Value

_active = [False]  # True while a value_and_grad pass runs


def value_and_grad(
    f: Callable[..., Any], argnums: int | tuple[int, ...] = 0
) -> Callable[..., tuple[float, Any]]:
    """f's value and its derivative with respect to the arguments in ``argnums``.

    The returned function takes plain numbers; the arguments named by
    ``argnums`` reach ``f`` as Values, the others as they are. It returns the
    value as a float and the gradient as a float (an int ``argnums``) or a
    tuple of floats (a tuple ``argnums``).
    """
    several = isinstance(argnums, tuple)
    positions = argnums if several else (argnums,)

    def wrapped(*args: Any) -> tuple[float, Any]:
        if _active[0]:
            # An inner pass would add its derivatives to the outer Values and the
            # outer pass would read them back: a wrong number, silently. Refuse.
            raise NotImplementedError(
                "grad of grad: higher-order derivatives are not supported yet "
                "(the inner pass would leak into the outer one)"
            )
        _active[0] = True
        try:
            return _value_and_grad(*args)
        finally:
            _active[0] = False

    def _value_and_grad(*args: Any) -> tuple[float, Any]:
        for i in positions:
            if not -len(args) <= i < len(args):
                raise IndexError(
                    f"value_and_grad: argnums {i} is out of range for {len(args)} arguments"
                )
        args = list(args)
        inputs = {}
        for i in positions:
            i %= len(args)
            if i not in inputs:
                inputs[i] = Value(args[i], label=f"arg{i}")
            args[i] = inputs[i]
        out = f(*args)
        if isinstance(out, Value):
            out.backward()
            value = out.data
        elif isinstance(out, (int, float)) and not isinstance(out, bool):
            value = float(out)  # f ignores its inputs: every derivative is 0
        else:
            raise TypeError(
                f"grad: f must return a scalar Value or number, got {type(out).__name__}"
            )
        grads = tuple(inputs[i % len(args)].grad for i in positions)
        return value, (grads if several else grads[0])

    wrapped.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return wrapped


def grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The derivative of f with respect to the arguments in ``argnums``, as floats.

        >>> grad(lambda x, y: x * y, argnums=1)(2.0, 5.0)
        2.0
    """
    vg = value_and_grad(f, argnums)

    def wrapped(*args: Any) -> Any:
        return vg(*args)[1]

    wrapped.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return wrapped
