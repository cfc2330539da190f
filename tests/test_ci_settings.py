"""What the root conftest.py sets for every test: the same property examples in CI on every
run, and a time limit per test that fails a hang with every thread's stack.

Each check runs pytest in a fresh interpreter on a small test file of its own, beside a copy
of the root conftest.py, so the settings are seen as CI and a user meet them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DRAWS = """
    import os
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=25)
    @given(st.floats(-1e6, 1e6))
    def test_draws(x):
        with open(os.environ["DRAWS_TO"], "a") as f:
            f.write(repr(x) + "\\n")
"""


def _run(tmp_path: Path, source: str, env: dict[str, str], *args: str):
    (tmp_path / "conftest.py").write_bytes((ROOT / "conftest.py").read_bytes())
    (tmp_path / "test_it.py").write_text(textwrap.dedent(source), "utf-8")
    clean = {k: v for k, v in os.environ.items()
             if k not in ("CI", "HYPOTHESIS_PROFILE", "CHAINGRAD_TIME_LIMIT")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_it.py", *args],
        cwd=tmp_path, env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True, text=True, timeout=120,
    )
    shutil.rmtree(tmp_path / ".hypothesis", ignore_errors=True)
    return done


def _draws(tmp_path: Path, env: dict[str, str]) -> list[str]:
    out = tmp_path / "draws.txt"
    out.unlink(missing_ok=True)
    done = _run(tmp_path, DRAWS, {**env, "DRAWS_TO": str(out)})
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text().splitlines()


def test_in_ci_every_run_draws_the_same_examples_and_keeps_no_database(tmp_path):
    first = _draws(tmp_path, {"CI": "true"})
    assert len(first) >= 25
    assert _draws(tmp_path, {"CI": "1", "HYPOTHESIS_PROFILE": "ci"}) == first
    assert not (tmp_path / ".hypothesis").exists()


def test_outside_ci_each_run_draws_new_examples(tmp_path):
    assert _draws(tmp_path, {}) != _draws(tmp_path, {"CI": "false"})


def test_the_profile_of_this_run_is_the_one_its_environment_asks_for():
    from hypothesis import settings

    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    wanted = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if ci else "dev")
    assert settings.get_current_profile_name() == wanted
    if wanted == "ci":
        assert settings.default.derandomize and settings.default.database is None


HANGS = """
    import threading, time
    import pytest

    def test_a_join_that_never_ends():
        never = threading.Event()
        t = threading.Thread(target=never.wait, daemon=True, name="stuck-helper")
        t.start()
        t.join()

    def test_a_loop_that_swallows_exceptions():
        while True:
            try:
                time.sleep(0.05)
            except Exception:
                pass

    @pytest.mark.time_limit(30)
    def test_more_time_by_its_marker():
        time.sleep(2.5)

    def test_quick():
        assert True
"""


def test_a_hang_fails_its_test_with_every_threads_stack_and_the_run_goes_on(tmp_path):
    done = _run(tmp_path, HANGS, {"CHAINGRAD_TIME_LIMIT": "1.5"})
    report = done.stdout + done.stderr
    assert done.returncode == 1, report
    assert "2 failed, 2 passed" in done.stdout, report
    for name in ("test_a_join_that_never_ends", "test_a_loop_that_swallows_exceptions"):
        assert f"test_it.py::{name} past its time limit of 1.5 s" in report, report
        assert f"TestTimeLimit: test_it.py::{name} ran past its time limit of 1.5 s" in report
    # the stacks: the helper thread's wait as well as the main thread's join
    assert report.count("Thread 0x") >= 2 and "in wait" in report, report


def test_zero_turns_the_limit_off(tmp_path):
    slow = "import time\n\ndef test_slow():\n    time.sleep(1.5)\n"
    assert _run(tmp_path, slow, {"CHAINGRAD_TIME_LIMIT": "0.5"}).returncode == 1
    assert _run(tmp_path, slow, {"CHAINGRAD_TIME_LIMIT": "0"}).returncode == 0
