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
import re
import urllib.parse
from typing import Any

__all__ = ["number", "label_text", "value_html", "check_text", "check_labels", "check_link",
           "one_line", "TEXT_MAX", "LINK_SCHEMES"]

TEXT_MAX = 2048
"""The most characters a label, title or link may have in a drawing or a page.

Graphviz's DOT scanner reads each quoted or HTML string into a buffer of 16,384
bytes (its YY_BUF_SIZE; its error says "longer than 16384?"): a longer label
fails inside ``dot`` (a syntax error, a broken pipe, or half a UTF-8 character).
2,048 characters stay below it whatever they are: escaped for an HTML label
(``&quot;``: 6 bytes) or encoded as UTF-8 (at most 4), with the box's other lines.
"""

LINK_SCHEMES = ("http", "https", "file")
"""The schemes a page's link may have; a link without one is relative (a file beside it)."""

# C0 and C1 controls and DEL: neither XML nor Graphviz can carry them, and on a
# terminal they move the cursor. Tab, newline and carriage return are allowed in
# labels (a drawing shows them as spaces; the traces print them escaped).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# what XML 1.0 cannot hold at all, nor UTF-8 encode: lone surrogates, U+FFFE, U+FFFF
_NOT_XML = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")


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


def check_text(text: Any, who: str, what: str) -> str:
    r"""``text`` (a label, a title, a link's text) as a str a drawing or a page can carry.

        >>> check_text('w₁', 'draw', 'the label of node w1')
        'w₁'
        >>> check_text('a\x07b', 'draw', 'the title')  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: draw: the title 'a\x07b' holds a control character (U+0007 at index 1)...

    Refused with a ValueError naming ``what``, before Graphviz runs: a text of more
    than ``TEXT_MAX`` characters, a control character (tab and newline aside), a
    lone surrogate or U+FFFE/U+FFFF. Anything that is not a str is ``str()`` of it.
    """
    text = label_text(text)
    if len(text) > TEXT_MAX:
        raise ValueError(f"{who}: {what} {text[:40]!r}… is {len(text):,} characters long, more "
                         f"than the {TEXT_MAX:,} a drawing or page shows (Graphviz reads at "
                         "most 16 KB per label); shorten it")
    bad = _CONTROL.search(text) or _NOT_XML.search(text)
    if bad is not None:
        kind = "a control character" if _CONTROL.match(bad.group()) else "a character"
        raise ValueError(f"{who}: {what} {_short(text)} holds {kind} (U+{ord(bad.group()):04X} at "
                         f"index {bad.start()}), which Graphviz and HTML cannot show; remove it")
    return text


def check_labels(nodes: Any, who: str) -> None:
    """Every node's label checked with ``check_text``, the node named: before Graphviz runs.

    ``nodes`` are the graph's nodes in forward order (node k is ``v<k>``).
    """
    for k, node in enumerate(nodes):
        label = node.label
        if label is None or (label.__class__ is str and len(label) <= 40
                             and label.isprintable()):
            continue  # the common case: a short printable name, nothing to check
        op = node.op or "leaf"
        check_text(label, who, f"the label of node v{k} (op {op!r}, data {number(node.data)})")


def check_link(text: Any, href: Any, who: str) -> tuple[str, str]:
    r"""A page's link (its text, its href) checked: relative, or http, https or file.

        >>> check_link('loss', 'plots/loss.svg', 'step_through')
        ('loss', 'plots/loss.svg')
        >>> check_link('x', 'javascript:alert(1)', 'step_through')  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: step_through: the link 'x' goes to 'javascript:alert(1)', whose scheme ...
    """
    for part, name in ((text, "text"), (href, "href")):
        if not isinstance(part, str):
            raise TypeError(f"{who}: a link's {name} must be a str, got "
                            f"{type(part).__name__} {part!r}")
    text = check_text(text, who, "the link text")
    if not href or href != href.strip() or re.search(r"[\x00-\x1f\x7f-\x9f]", href):
        raise ValueError(f"{who}: the link {text!r} goes to {_short(href)}: an href must be "
                         "non-empty, with no spaces at its ends and no control character")
    check_text(href, who, f"the href of link {text!r}")
    scheme = urllib.parse.urlsplit(href).scheme.lower()
    if scheme and scheme not in LINK_SCHEMES:
        raise ValueError(f"{who}: the link {text!r} goes to {_short(href)}, whose scheme "
                         f"{scheme!r} is not one of {', '.join(LINK_SCHEMES)} (or a relative "
                         "link)")
    return text, href


def one_line(text: str) -> str:
    r"""``text`` as one line: unchanged, or quoted with its line breaks and controls escaped.

        >>> one_line('w1'), one_line('a\nC = 0')
        ('w1', "'a\\nC = 0'")
    """
    return repr(text) if _LINE_BREAKS.search(text) else text


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:60]) + "…"


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
