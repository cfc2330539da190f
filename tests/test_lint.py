"""ruff, as `make lint` runs it, over every tree of Python the project keeps (CI runs pytest)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The same list as the Makefile's `lint` target; notebooks/ is build.py and the sources in src/.
TREES = ["autograd", "nn", "tests", "benchmarks", "notebooks"]


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *TREES],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"ruff check {' '.join(TREES)}:\n{done.stdout}{done.stderr}"


def test_the_notebook_sources_are_linted():
    # ruff's exclusion rules must not skip them: one file per notebook is checked.
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--show-files", *TREES],
        cwd=ROOT, capture_output=True, text=True)
    checked = {Path(line).name for line in done.stdout.splitlines() if "notebooks" in line}
    sources = {p.name for p in (ROOT / "notebooks" / "src").glob("*.py")}
    assert sources and sources <= checked
    assert "build.py" in checked
    assert not any(name.endswith(".ipynb") for name in checked)
