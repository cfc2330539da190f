"""Each Makefile target installs what it uses, and what it installs covers what its code imports.

The tour must work with the project's own dependencies alone (no test tools), so the
runtime packages may import nothing else; the tests and the notebooks run on the
``dev`` extra, so every package they import is declared there.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the dev extra installs tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"autograd", "nn", "chaingrad_cli", "tests", "benchmarks"}
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared(*extras: str) -> set[str]:
    """The distributions the runtime and the given extras name."""
    requirements = list(PROJECT["dependencies"])
    for extra in extras:
        requirements += PROJECT["optional-dependencies"][extra]
    return {_normal(re.match(r"[A-Za-z0-9_.-]+", r).group()) for r in requirements}


def _imported(*trees: str) -> dict[str, str]:
    """Every third-party distribution imported under ``trees``: name -> a file importing it."""
    owners = importlib.metadata.packages_distributions()
    found: dict[str, str] = {}
    for tree in trees:
        for path in sorted((ROOT / tree).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in FIRST_PARTY:
                        continue
                    for dist in owners.get(top, [top]):
                        found.setdefault(_normal(dist), str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("trees, extras", [
    # matplotlib: only nn/plot.py, when a plot is drawn; torch and scikit-learn: only the
    # bridge, the replay and the digits, each behind its extra (and pinned by make test)
    (["autograd", "nn"], ["plot", "torch", "digits"]),
    (["tests", "notebooks"], ["dev", "torch", "digits"]),
    (["notebooks"], ["notebooks", "torch", "digits"]),
])
def test_every_imported_package_is_declared(trees, extras):
    declared = _declared(*extras)
    missing = {dist: path for dist, path in _imported(*trees).items() if dist not in declared}
    assert not missing, f"imported but not in the dependencies or {extras}: {missing}"


def test_the_runtime_needs_no_extra_but_those_of_plots_torch_and_digits():
    assert set(_imported("autograd", "nn")) - _declared() <= {"matplotlib", "torch",
                                                                "scikit-learn"}


def _installs(target: str, venv: Path) -> list[str]:
    """What ``make TARGET`` would pip-install into a fresh virtualenv (a dry run)."""
    done = subprocess.run(["make", "-n", target, f"VENV={venv}"], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=60)
    return [line.split(" -e ", 1)[1].strip("'") for line in done.stdout.splitlines()
            if "pip install" in line and " -e " in line]


@pytest.mark.parametrize("target, installs", [
    ("tour", ["."]),
    ("demo", ["."]),
    ("train", [".[plot]"]),
    ("test", [".[dev]"]),
    ("bench", [".[bench]"]),
    ("lint", [".[lint]"]),
    ("notebook", [".[notebooks]"]),
    ("setup", [".[dev]", ".[bench]"]),
])
def test_each_make_target_installs_only_its_set(target, installs, tmp_path):
    assert _installs(target, tmp_path / "venv") == installs


def test_a_set_installed_once_is_not_installed_again(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    stamp = venv / ".installed-runtime"
    stamp.touch()
    later = (ROOT / "pyproject.toml").stat().st_mtime + 10
    os.utime(stamp, (later, later))
    assert _installs("tour", venv) == []
    assert _installs("test", venv) == [".[dev]"]
