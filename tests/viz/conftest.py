"""Fixtures the viz tests share."""

from __future__ import annotations

from collections import Counter

import pytest

from autograd import Value


@pytest.fixture
def edge_reads(monkeypatch) -> Counter:
    """Count every read of a node's edges through its public properties.

    How the seeing tools' cost is checked without a clock: linear work reads
    each node's ``.parents``, ``.local_grads`` and ``.args`` a bounded number
    of times, whatever the size of the graph.
    """
    counts: Counter = Counter()
    for name in ("parents", "local_grads", "args"):
        getter = getattr(Value, name).fget

        def counted(self, _get=getter, _name=name):
            counts[_name] += 1
            return _get(self)

        monkeypatch.setattr(Value, name, property(counted))
    return counts
