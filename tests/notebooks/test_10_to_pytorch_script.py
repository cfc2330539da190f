"""Notebook 10's source runs top to bottom as a plain script (its asserting cells pass).

The notebook itself is built from ``notebooks/src/10_to_pytorch.py`` by the
notebook tool; this runs the source as ``python notebooks/src/10_to_pytorch.py``
would, in an empty folder that it must leave empty.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "notebooks" / "src" / "10_to_pytorch.py"


def test_runs_as_a_plain_script(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert list(tmp_path.iterdir()) == []
    out = done.stdout
    assert "largest parameter gap after 20 steps" in out
    accuracy = float(out.split("chaingrad again: test accuracy ")[1].split()[0])
    assert accuracy >= 0.9
