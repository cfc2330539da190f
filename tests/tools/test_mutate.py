"""The mutation script's list is well-formed: each planted bug is found where it says.

(The script itself runs the suite once per mutant and is not part of it; see mutate.py.)
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.tools import mutate


def test_every_mutant_is_planted_in_text_found_once_and_is_tested():
    mutate.check_targets(mutate.MUTANTS)
    assert len(mutate.MUTANTS) >= 12
    for m in mutate.MUTANTS:
        assert m.tests and m.why, m.name
    stale = dataclasses.replace(mutate.MUTANTS[0], old="no such text anywhere")
    with pytest.raises(mutate.TargetMissing, match="0 times"):
        mutate.check_targets([stale])
    twice = dataclasses.replace(mutate.MUTANTS[0], old="lambda")
    with pytest.raises(mutate.TargetMissing, match="must be once"):
        mutate.check_targets([twice])
