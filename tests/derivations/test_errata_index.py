"""ERRATA.md and the tests agree: every erratum test is listed, every listed test exists."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).parent


def _test_names() -> dict[str, str]:
    names = {}
    for path in HERE.glob("test_0*.py"):
        for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.M):
            names[name] = path.name
    return names


def test_every_erratum_test_is_listed_in_errata_md():
    """ERRATA.md names every test_erratum_* of the suite (one row per slip found)."""
    text = (HERE / "ERRATA.md").read_text(encoding="utf-8")
    missing = [n for n in _test_names() if n.startswith("test_erratum_") and n not in text]
    assert not missing, f"erratum tests missing from ERRATA.md: {missing}"


def test_every_test_named_in_errata_md_exists():
    """Each `module.py::test_name` / `::test_name` reference in ERRATA.md is a real test."""
    text = (HERE / "ERRATA.md").read_text(encoding="utf-8")
    names = _test_names()
    referenced = set(re.findall(r"`(?:[\w.]+\.py)?(?:::)?(test_\w+)`", text))
    assert referenced, "no test references found in ERRATA.md"
    unknown = sorted(referenced - set(names))
    assert not unknown, f"ERRATA.md names tests that do not exist: {unknown}"
    for module, name in re.findall(r"`(test_\w+\.py)::(test_\w+)`", text):
        assert names[name] == module, f"{name} is in {names[name]}, not {module}"
