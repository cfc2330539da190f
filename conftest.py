"""What every test and docstring example runs under.

- The docstring examples of autograd and nn run (pytest --doctest-modules) in a scratch
  folder. An example saves as a user would, ``model.save('model.json')``; each example runs
  in a fresh temporary working directory, so none writes into the repository or sees
  another's files. The tests under tests/ keep the working directory they were started in.
- Property tests draw the same examples in CI on every run (a hypothesis profile).
- Each test has a time limit: a hang fails that test, with every thread's stack.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import threading

import pytest
from hypothesis import settings as hypothesis_settings


@pytest.fixture(autouse=True)
def _examples_run_in_a_scratch_folder(request: pytest.FixtureRequest) -> None:
    if isinstance(request.node, pytest.DoctestItem):  # the fixtures are asked for here only
        request.getfixturevalue("monkeypatch").chdir(request.getfixturevalue("tmp_path"))


# -- property tests: the same examples in CI on every run, new ones locally -----------------
#
# CI (CI=true, as `.ci/run` is started) runs the "ci" profile: derandomized, so each property
# test draws the same examples on every run and a red run is red again on a re-run; no example
# database (a clean clone has none to replay). Locally the "dev" profile draws new examples
# each run and keeps the failing ones in .hypothesis/ to try first next time.
# HYPOTHESIS_PROFILE=ci (or dev) picks one by hand.

hypothesis_settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True
)
hypothesis_settings.register_profile("dev", deadline=None)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _in_ci() else "dev")
)


# -- a time limit per test: a hang fails one test, with every thread's stack ---------------
#
# Each test (setup, call and teardown) gets TIME_LIMIT seconds (300, or CHAINGRAD_TIME_LIMIT;
# 0 turns it off); @pytest.mark.time_limit(seconds) gives one test more. When the limit
# passes, SIGALRM dumps every thread's stack to stderr and raises TestTimeLimit in the main
# thread (a BaseException: a test's own `except Exception` does not swallow it), so a wait
# that never ends fails its test instead of stalling CI until the job's own limit. Should the
# main thread not get back to Python at all (stuck in C), faulthandler dumps the stacks and
# ends the process a minute later. Off under --pdb/--trace (a debugger waits for a person),
# and where there is no SIGALRM (Windows) or pytest runs off the main thread.

TIME_LIMIT = 300.0
_GRACE = 60.0  # after the limit: how long SIGALRM gets before faulthandler ends the process


class TestTimeLimit(BaseException):
    """A test ran past its time limit (see conftest.py)."""

    __test__ = False  # not a test class, whatever its name


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "time_limit(seconds): this test's own time limit (the default is 300 s)"
    )


def _time_limit(item: pytest.Item) -> float:
    if item.config.getoption("usepdb", False) or item.config.getoption("trace", False):
        return 0.0
    raw = os.environ.get("CHAINGRAD_TIME_LIMIT", "").strip()
    limit = float(raw) if raw else TIME_LIMIT
    marker = item.get_closest_marker("time_limit")
    if marker is not None and limit > 0:
        limit = max(limit, float(marker.args[0]))
    return limit


def _can_alarm() -> bool:
    return hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    limit = _time_limit(item)
    if limit <= 0 or not _can_alarm():
        yield
        return

    err = sys.__stderr__  # fd 2: where pytest captures it, the report shows it

    def on_alarm(signum: int, frame: object) -> None:
        err.write(f"\n{item.nodeid} past its time limit of {limit:g} s; every thread's stack:\n")
        err.flush()
        faulthandler.dump_traceback(file=err, all_threads=True)
        raise TestTimeLimit(f"{item.nodeid} ran past its time limit of {limit:g} s")

    before = signal.signal(signal.SIGALRM, on_alarm)
    faulthandler.dump_traceback_later(limit + _GRACE, exit=True, file=err)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, before)
