"""A non-editable install ships the pages' scripts and styles (package data)."""

from __future__ import annotations

import re
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
    built = subprocess.run(  # -v: pip shows what the build backend printed
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v",
         "-w", str(tmp_path), str(source)],
        check=True, capture_output=True, text=True, cwd=tmp_path, timeout=240,
    )
    # setuptools warns when a folder of package data is not in the packages configuration
    # (about 60 lines on every install); the configuration must cover every _static folder.
    log = built.stdout + built.stderr
    assert "absent from the `packages` configuration" not in log, log[-3000:]
    wheel = next(tmp_path.glob("chaingrad-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    static = [f for package in ("autograd", "nn") for f in (ROOT / package).rglob("_static/*")
              if f.suffix in (".js", ".css")]  # subpackages' _static folders included
    assert len(static) >= 6
    for f in static:
        assert f.relative_to(ROOT).as_posix() in names
    for module in ("autograd/see/step_page.py", "autograd/compiler/codegen.py",
                   "autograd/torch_replay/replay.py", "nn/training_page.py"):
        assert module in names


def _copy_project(into: Path) -> Path:
    into.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, into / name)
    for package in ("autograd", "nn"):
        shutil.copytree(ROOT / package, into / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return into


@pytest.mark.slow
def test_an_editable_install_prints_no_warning(tmp_path):
    """``pip install -e .`` (what make does) builds through setuptools' build_editable:
    with every warning shown, it prints none (no package-data complaint, no note about a
    meta path finder), and its .pth points at the checkout."""
    source = _copy_project(tmp_path / "src")
    out = tmp_path / "wheel"
    out.mkdir()
    built = subprocess.run(
        [sys.executable, "-W", "always", "-c",
         f"from setuptools import build_meta; print(build_meta.build_editable({str(out)!r}))"],
        capture_output=True, text=True, cwd=source, timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    log = built.stdout + built.stderr
    assert not re.search(r"\w*Warning\b|InformationOnly", log), log[-3000:]
    wheel = out / built.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as whl:
        pth = [n for n in whl.namelist() if n.endswith(".pth")]
        assert len(pth) == 1
        assert whl.read(pth[0]).decode().strip() == str(source.resolve())
