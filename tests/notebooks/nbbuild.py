"""``notebooks/build.py`` for the tests, loaded from its file (``notebooks/`` is no package)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "notebooks" / "build.py"

_spec = importlib.util.spec_from_file_location("notebooks_build", PATH)
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)
