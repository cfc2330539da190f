"""`chaingrad tour` writes index.html beside its SVGs: a step-through with the drawings linked."""

from __future__ import annotations

import argparse
import importlib
import io
import json
import re

tour = importlib.import_module("nn.tour")


def test_tour_writes_index_html(tmp_path):
    args = argparse.Namespace(network="nonlinear-chain", out=str(tmp_path), no_svg=False)
    stream = io.StringIO()
    assert tour.run(args, out=stream) == 0
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    svgs = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert sorted(re.findall(r'<a href="([^"]+)"', page)) == svgs
    data = json.loads(re.search(r'id="cg-data">(.*?)</script>', page, re.S).group(1))
    assert data["title"].startswith("document 003, section II")
    assert "index.html" in stream.getvalue()
