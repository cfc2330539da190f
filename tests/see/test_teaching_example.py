"""docs/examples/test_exercises.py, the exercises a course hands out: graded right with
the right numbers (typed to four digits), and each classic mistake named."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import DerivationError

PATH = Path(__file__).resolve().parents[2] / "docs" / "examples" / "test_exercises.py"


@pytest.fixture
def exercises():
    spec = importlib.util.spec_from_file_location("course_exercises", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def typed(x: float) -> float:
    """A number as a learner types it: four significant digits."""
    return float(f"{x:.4g}")


def _right():
    """Every answer, derived by hand from the exercise texts (not read off the engine)."""
    n = 2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432
    dn = 1 - math.tanh(n) ** 2
    q0 = math.tanh(0.5)
    p1 = 0.8 * q0
    q1 = math.tanh(p1)
    p2 = -1.2 * q1
    q2 = math.tanh(p2)
    d_p2 = (q2 - 0.2) * (1 - q2 ** 2)
    d_p1 = d_p2 * -1.2 * (1 - q1 ** 2)
    grad_error = ((0.5 * 1 - 2) * 1 + (0.5 * 2 - 3) * 2) / 2
    return {
        "neuron": {"n": dn, "w1": dn * 2.0, "x1": dn * -3.0, "w2": dn * 0.0},
        "chain": {"p2": d_p2, "w12": d_p2 * q1, "p1": d_p1, "w01": d_p1 * q0},
        "used_twice": {"x": 2 * 3.0 + 1},
        "weight_decay": {"w": grad_error + 0.1 * 0.5},
    }, {"n": n, "dn": dn, "p2": p2, "q2": q2, "q1": q1, "grad_error": grad_error}


def _run_all(module):
    for name in ("neuron", "chain", "used_twice", "weight_decay"):
        getattr(module, f"test_{name}")()


def test_the_right_numbers_typed_to_four_digits_pass(exercises):
    right, _ = _right()
    exercises.ANSWERS = {k: {node: typed(v) for node, v in d.items()} for k, d in right.items()}
    _run_all(exercises)


MISTAKES = [
    ("neuron", "n", lambda r, h: 1 - h["n"] ** 2, "wrong_local"),           # 1 − n²
    ("neuron", "w1", lambda r, h: h["dn"] * -3.0, "wrong_local"),           # w1, not x1
    ("chain", "p2", lambda r, h: (h["q2"] - 0.2) * (1 - h["p2"] ** 2), "wrong_local"),
    ("chain", "p2", lambda r, h: 1 - h["q2"] ** 2, "no_chain"),
    ("chain", "p2", lambda r, h: -r["chain"]["p2"], "sign"),
    ("chain", "w12", lambda r, h: r["chain"]["p2"] * -1.2, "wrong_local"),  # w12, not q1
    ("used_twice", "x", lambda r, h: 2 * 3.0, "missed_path"),               # the + x missed
    ("used_twice", "x", lambda r, h: 3.0, "missed_path"),                   # = for +=
    ("weight_decay", "w", lambda r, h: h["grad_error"], "missed_path"),     # λw forgotten
]


@pytest.mark.parametrize(("exercise", "node", "wrong", "code"), MISTAKES,
                         ids=[f"{e}-{n}-{c}" for e, n, _, c in MISTAKES])
def test_each_mistake_is_graded_and_named(exercises, exercise, node, wrong, code):
    right, h = _right()
    answers = {k: {n: typed(v) for n, v in d.items()} for k, d in right.items()}
    answers[exercise][node] = typed(wrong(right, h))
    exercises.ANSWERS = answers
    with pytest.raises(DerivationError) as info:
        getattr(exercises, f"test_{exercise}")()
    report = info.value.report
    assert (report.name, report.mistake) == (node, code), str(report)
    assert node in str(info.value)


def test_an_exercise_not_done_says_so(exercises):
    with pytest.raises(pytest.fail.Exception, match="type your numbers"):
        exercises.test_neuron()


def test_the_file_as_shipped_runs_under_pytest(tmp_path):
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(PATH)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 1, run.stdout
    assert "4 failed" in run.stdout and "type your numbers into ANSWERS['neuron']" in run.stdout
