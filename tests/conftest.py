"""Shared test set-up: the primitive table is the same before and after every test."""

from __future__ import annotations

import pytest

from autograd import OPS


@pytest.fixture(autouse=True)
def _restore_the_op_table():
    # Tests register ops of their own (a learner's cube, a deliberately wrong rule);
    # the table-driven tests must see only the engine's entries.
    before = dict(OPS)
    yield
    OPS.clear()
    OPS.update(before)
