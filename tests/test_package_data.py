"""A non-editable install ships the pages' scripts and styles (package data)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_the_static_files(tmp_path):
    source = tmp_path / "src"  # a copy: the build leaves build/ and *.egg-info behind
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("autograd", "nn"):
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(source)],
        check=True, capture_output=True, text=True, cwd=tmp_path, timeout=240,
    )
    wheel = next(tmp_path.glob("chaingrad-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("autograd", "nn"):
        for f in (ROOT / package / "_static").iterdir():
            assert f"{package}/_static/{f.name}" in names
    assert "autograd/step_page.py" in names and "nn/replay.py" in names
