"""The docstring examples of autograd and nn run (pytest --doctest-modules) in a scratch folder.

An example saves as a user would, ``model.save('model.json')``; each example runs in a fresh
temporary working directory, so none writes into the repository or sees another's files.
The tests under tests/ keep the working directory they were started in.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _examples_run_in_a_scratch_folder(request: pytest.FixtureRequest) -> None:
    if isinstance(request.node, pytest.DoctestItem):  # the fixtures are asked for here only
        request.getfixturevalue("monkeypatch").chdir(request.getfixturevalue("tmp_path"))
