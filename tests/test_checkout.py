"""What a fresh checkout leaves behind stays out of git; ``make notebook`` starts as root."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LEFT_BEHIND = [
    "notebooks/.ipynb_checkpoints/01_linear_chain-checkpoint.ipynb",  # JupyterLab
    ".ipynb_checkpoints/x.ipynb",
    "docs/.ipynb_checkpoints/x.ipynb",
    "out/tour/index.html",  # make tour
    "runs/xor/model.json",  # the CLI's docstring example
    ".venv/bin/python",
    "autograd/__pycache__/value.cpython-311.pyc",
    "tests/nn/__pycache__/x.pyc",
    ".pytest_cache/v/cache/lastfailed",
    ".hypothesis/examples/x",
    ".ruff_cache/0.4.0/x",
    "chaingrad.egg-info/PKG-INFO",
    "build/lib/autograd/value.py",
    "dist/chaingrad-0.1.0-py3-none-any.whl",
    "notebooks/.01_linear_chain.ipynb.partial",
]
KEPT = [
    "notebooks/01_linear_chain.ipynb",
    "notebooks/src/01_linear_chain.py",
    "autograd/_static/step_through.js",
    "nn/_static/training_page.css",
    "docs/step_through.png",
    "tests/test_checkout.py",
]


def _ignored(paths: list[str]) -> set[str]:
    """The paths git ignores, by the checkout's .gitignore (the files need not exist)."""
    done = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=ROOT,
                          input="\n".join(paths), capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr  # 1: none ignored
    return set(done.stdout.split())


def test_gitignore_covers_what_the_tools_leave_behind():
    assert _ignored(LEFT_BEHIND) == set(LEFT_BEHIND)


def test_gitignore_keeps_the_sources():
    assert _ignored(KEPT) == set()


def _notebook_command(uid: int, tmp_path: Path) -> str:
    """The command ``make notebook`` runs, as seen by a user whose id is ``uid``."""
    recipe = (ROOT / "Makefile").read_text("utf-8").split("\nnotebook:", 1)[1]
    line = re.search(r"^\t(.*jupyter lab.*)$", recipe, re.M).group(1)
    line = line.replace("$$", "$").replace("$(BIN)/jupyter", "echo jupyter")
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (fake / "id").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["sh", "-c", line], env=env, capture_output=True, text=True,
                          check=True).stdout.split()


@pytest.mark.parametrize(("uid", "allowed"), [(0, True), (1000, False)])
def test_make_notebook_allows_root_only_as_root(uid, allowed, tmp_path):
    words = _notebook_command(uid, tmp_path)
    assert words[:2] == ["jupyter", "lab"] and words[-1] == "notebooks/"
    assert ("--allow-root" in words) is allowed


def test_install_hints_name_the_interpreter_not_a_bare_pip():
    """A bare ``pip`` installs into whichever environment is first on PATH; every hint in
    the code says ``<interpreter> -m pip`` (autograd.install_command) or ``python -m pip``."""
    bare = re.compile(r"(?<!-m )\bpip install\b")
    found = []
    for tree in ("autograd", "nn", "benchmarks", "notebooks/src", "tests/browser"):
        for path in sorted((ROOT / tree).rglob("*.py")):
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if bare.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
