"""ruff, as `make lint` runs it, over every tree of Python the project keeps (CI runs pytest)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The trees the Makefile's `lint` target checks; notebooks/ is build.py and the sources in src/.
TREES = re.search(r"ruff check (.+)", (ROOT / "Makefile").read_text("utf-8")).group(1).split()


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *TREES],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"ruff check {' '.join(TREES)}:\n{done.stdout}{done.stderr}"


def test_every_python_tree_is_linted():
    generated = {"build", "dist", "out"}  # setuptools' and the Makefile's outputs, ignored by git
    trees = {d.name for d in ROOT.iterdir()
             if d.is_dir() and not d.name.startswith(".") and d.name not in generated
             and not d.name.endswith(".egg-info") and any(d.rglob("*.py"))}
    assert trees and trees <= set(TREES)


def test_the_notebook_sources_are_linted():
    # ruff's exclusion rules must not skip them: one file per notebook is checked.
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--show-files", *TREES],
        cwd=ROOT, capture_output=True, text=True, timeout=240)
    checked = {Path(line).name for line in done.stdout.splitlines() if "notebooks" in line}
    sources = {p.name for p in (ROOT / "notebooks" / "src").glob("*.py")}
    assert sources and sources <= checked
    assert "build.py" in checked
    assert not any(name.endswith(".ipynb") for name in checked)
