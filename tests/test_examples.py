"""The docstring examples of autograd and nn run with the tests, and leave nothing behind.

`make test` is plain `python -m pytest`: pyproject's pytest settings add both packages to
the test paths with --doctest-modules, and the root conftest.py runs each example in a
temporary folder. The runs below are fresh interpreters on this checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the dev extra installs tomli
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn")


def _pytest(*args: str, hide: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """pytest in a fresh interpreter from the checkout's root; importing ``hide`` fails there."""
    code = textwrap.dedent(f"""
        import sys
        for name in {hide!r}:
            sys.modules[name] = None  # import name now fails, as if it were not installed
        import pytest
        sys.exit(pytest.main(["-p", "no:cacheprovider", *{list(args)!r}]))
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout, not an installed copy
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _files(root: Path) -> set[str]:
    """Every file under root, caches and dot-folders (.git, .venv) aside."""
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        found.update(os.path.relpath(os.path.join(folder, f), root) for f in files)
    return found


def test_the_suite_runs_the_examples_of_both_packages():
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    pytest_settings = settings["tool"]["pytest"]["ini_options"]
    assert set(PACKAGES) <= set(pytest_settings["testpaths"])
    assert "--doctest-modules" in pytest_settings["addopts"].split()


def test_every_module_with_examples_is_collected_without_torch_and_sklearn():
    # Collecting imports every module; torch and scikit-learn are imported only when used.
    done = _pytest("--collect-only", "-q", *PACKAGES, hide=("torch", "sklearn"))
    assert done.returncode == 0, done.stdout + done.stderr
    collected = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    with_examples = {path.relative_to(ROOT).as_posix() for package in PACKAGES
                     for path in (ROOT / package).rglob("*.py")
                     if ">>>" in path.read_text("utf-8")}
    assert "nn/bridge.py" in with_examples and "autograd/torch_replay.py" in with_examples
    assert collected == with_examples


def test_examples_that_write_files_leave_nothing_in_the_checkout():
    # These examples save models, create runs/moons (runs/ is in the repository) and render
    # an SVG, all with relative paths, as a user would.
    before = _files(ROOT)
    done = _pytest("-q", "nn/_files.py", "nn/module.py", "autograd/viz.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "skipped" not in done.stdout
    assert _files(ROOT) == before
