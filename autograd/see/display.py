"""How one number, one label and one node are shown to a person.

    >>> number(0.123456), number(2.0), number(-0.0)
    ('0.1235', '2', '0')

Traces, drawings and chain explanations print every number through
``number``, so a number folded into a node (an int, a ``Fraction``, a numpy
scalar: any ``numbers.Real``) prints like a float. This module imports
nothing from the rest of the engine (not even ``Value`` for a type hint), so
``Value`` can use it for its Jupyter view without an import cycle.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["number", "label_text", "value_html"]


def number(x: Any, fmt: str = ".4g") -> str:
    """A number as the traces and drawings print it (``-0`` printed as ``0``).

        >>> from fractions import Fraction
        >>> number(Fraction(1, 3)), number(7), number(1e-20, '.2g')
        ('0.3333', '7', '1e-20')

    Anything that converts to a float prints as that float; anything else as
    ``str()``, so printing never fails on a number the engine accepted.
    """
    if x.__class__ is not float:
        try:
            x = float(x)
        except (TypeError, ValueError, OverflowError):
            return str(x)
    text = format(x, fmt)
    return "0" if text in ("-0", "-0.0") else text


def label_text(label: Any) -> str:
    """A node's label as text: ``''`` for none, ``str()`` of anything that is not a str.

        >>> label_text('w1'), label_text(5), label_text(None)
        ('w1', '5', '')
    """
    if label.__class__ is str:
        return label
    return "" if label is None else str(label)


def value_html(v: Any) -> str:
    """A short rich view of one Value ``v`` for Jupyter: label, op, data, grad, parents.

        >>> from autograd import Value
        >>> '<table' in value_html(Value(2.0, label='x'))
        True
    """
    label = label_text(v.label)
    label = html.escape(label) if label else "<i>unlabelled</i>"
    op = html.escape(v.op) if v.op else "leaf"
    local_grads = v.local_grads
    locals_ = ", ".join(number(g) for g in local_grads[:8])
    if len(local_grads) > 8:
        locals_ += ", …"
    rows = [
        ("label", label), ("op", op), ("data", number(v.data, ".6g")),
        ("grad", number(v.grad, ".6g")), ("parents", str(len(v.parents))),
    ]
    if local_grads:
        rows.append(("local grads", html.escape(locals_)))
    cells = "".join(
        f"<tr><td style='text-align:left;color:#666'>{k}</td>"
        f"<td style='text-align:left'><code>{val}</code></td></tr>" for k, val in rows
    )
    return f"<table style='display:inline-table;font-size:90%'>{cells}</table>"
