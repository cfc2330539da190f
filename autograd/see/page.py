"""A self-contained HTML page: one file that works offline, and the same page inline in Jupyter.

    >>> page = Page.build("demo", "<p id='x'></p>", {"n": 1}, script="cg.data.n")
    >>> page.html.count("<script") == 3 and "http" not in page.html.split("<body")[1]
    True

``Page.build`` puts the body, the data (JSON in a ``<script
type="application/json">``, with ``<``, ``>`` and ``&`` written as ``\\u003c``
and friends so a label such as ``</script>`` cannot end the element early),
the page library ``cg`` (number formatting, small DOM helpers: ``_static/page.js``),
the page's own script and its styles into ONE document. Nothing is fetched:
no CDN, no web fonts, no images by URL. ``save(path)`` writes that file
atomically; ``_repr_html_`` shows it in Jupyter inside an ``<iframe srcdoc>``.

Why an iframe: JupyterLab, the classic notebook and VS Code all show a trusted
output's iframe, and inside it the page is its own document, so two pages in
one notebook cannot clash over element ids, styles or global names, the page's
styles cannot restyle the notebook, and the arrow keys step the page while it
has focus instead of moving between cells. The saved file and the inline view
are the same document, tested once. (A code host's static notebook viewer drops
iframes and scripts alike; notebooks keep a static drawing beside it for that.)
"""

from __future__ import annotations

import html
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ..files import write_atomic

__all__ = ["Page", "script_json", "static_text"]


def static_text(package: str, name: str) -> str:
    """The text of ``package``'s ``_static/name`` (package data, shipped in the wheel)."""
    return resources.files(package).joinpath("_static", name).read_text(encoding="utf-8")


def script_json(data: Any) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element.

        >>> script_json({"label": "</script><b>"})
        '{"label":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where ``\\u003c`` is
    the same character to ``JSON.parse``; so no ``</script>`` or ``<!--`` can
    appear. NaN and infinities are refused (JSON has none).
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class Page:
    """One self-contained HTML document: ``.html``, ``.save(path)``, shown inline in Jupyter.

    ``height`` is the height in pixels of the inline view (the saved page
    uses the whole window).
    """

    def __init__(self, html_text: str, *, title: str = "chaingrad", height: int = 600) -> None:
        self.html = html_text
        self.title = title
        self.height = int(height)

    @classmethod
    def build(cls, title: str, body: str, data: Any, *, script: str = "", style: str = "",
              height: int = 600, player: bool = False, **kw: Any) -> Page:
        """A page from its parts; ``body`` is trusted HTML, ``data`` any JSON-able value.

        The data is at ``cg.data`` when ``script`` runs (after the body is parsed).
        ``player=True`` inlines the page player (``_static/player.js``,
        ``ChaingradPlayer``) and its styles before ``script``.
        """
        if player:
            script = static_text("autograd.see", "player.js") + "\n" + script
            style = static_text("autograd.see", "player.css") + "\n" + style
        doc = (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            # A policy that allows nothing from anywhere: a page that fetched
            # something by mistake fails loudly in the console instead.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
            f"<title>{html.escape(title)}</title>\n"
            f"<style>\n{static_text('autograd.see', 'page.css')}\n{style}\n</style>\n"
            "</head>\n<body>\n"
            f"{body}\n"
            f"<script type=\"application/json\" id=\"cg-data\">{script_json(data)}</script>\n"
            f"<script>\n{static_text('autograd.see', 'page.js')}\n</script>\n"
            f"<script>\n{script}\n</script>\n"
            "</body>\n</html>\n"
        )
        return cls(doc, title=title, height=height, **kw)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (one file) atomically; returns the path.

        The file appears whole or not at all, keeps the mode of the file it
        replaces, and a symbolic link is written through (``autograd.files``).
        """
        return write_atomic(path, self.html, what="page")

    def _repr_html_(self) -> str:
        # sandbox: scripts run, but the page cannot reach the notebook (no
        # same-origin), open pop-ups or navigate the notebook away.
        return (
            f"<iframe srcdoc=\"{html.escape(self.html, quote=True)}\" "
            f"title=\"{html.escape(self.title, quote=True)}\" sandbox=\"allow-scripts\" "
            f"style=\"width:100%;height:{self.height}px;border:1px solid #ccc;"
            f"border-radius:4px\"></iframe>"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.title!r}, {len(self.html):,} characters)"
