"""torch and scikit-learn are optional: without them everything else works, and the parts
that need them say how to install them.

CI has both installed, so their absence is simulated in a fresh interpreter:
``sys.modules['torch'] = None`` makes ``import torch`` fail as if it were missing.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = shlex.quote(sys.executable)  # install hints name the interpreter that runs chaingrad


def run_without(modules, code):
    """Run code in a fresh interpreter where importing any of modules fails."""
    hide = "".join(f"sys.modules[{m!r}] = None\n" for m in modules)
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout, not an installed copy
    proc = subprocess.run([sys.executable, "-c", "import sys\n" + hide + textwrap.dedent(code)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_the_core_and_nn_import_without_torch_and_sklearn():
    out = run_without(["torch", "sklearn"], """
        import autograd, nn
        from nn import MLP, fit, moons
        X, y = moons(40, seed=0)
        fit(MLP(2, [4, 1], seed=0), X, y, epochs=2, verbose=False)
        print(sorted(m for m in ('torch', 'sklearn') if sys.modules.get(m) is not None))
    """)
    assert out.strip() == "[]"


def test_importing_autograd_and_nn_does_not_import_torch():
    # torch installed (as in CI) but not imported until a conversion runs
    proc = subprocess.run([sys.executable, "-c", "import sys, autograd, nn; "
                           "print('torch' in sys.modules, 'sklearn' in sys.modules)"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.strip() == "False False", proc.stderr


def test_without_torch_every_entry_point_names_the_extra():
    out = run_without(["torch"], """
        from autograd import Value, replay_in_torch
        from nn import MLP, from_torch
        calls = {
            "to_torch": lambda: MLP(2, [3, 1], seed=0).to_torch(),
            "from_torch": lambda: MLP.from_torch(object()),
            "nn.from_torch": lambda: from_torch(object()),
            "replay_in_torch": lambda: replay_in_torch(Value(1.0) * 2),
        }
        for name, call in calls.items():
            try:
                call()
            except ModuleNotFoundError as error:
                assert error.name == "torch", error.name
                print(name, "|", error)
            else:
                print(name, "| no error")
    """)
    lines = out.strip().splitlines()
    assert len(lines) == 4
    for line in lines:
        assert f"{PY} -m pip install 'chaingrad[torch]'" in line and "needs PyTorch" in line, line
    assert "MLP.to_torch needs PyTorch" in lines[0]
    assert "replay_in_torch needs PyTorch" in lines[3]


def test_without_sklearn_digits_names_the_extra():
    out = run_without(["sklearn", "sklearn.datasets"], """
        from nn import digits
        try:
            digits()
        except ModuleNotFoundError as error:
            print(error.name, "|", error)
        from nn.cli import main
        print("exit", main(["train", "--dataset", "digits", "--epochs", "1", "--out", "never"]))
    """)
    first, second = out.strip().splitlines()
    assert first.startswith("sklearn |") and f"{PY} -m pip install 'chaingrad[digits]'" in first
    assert second == "exit 2"
    assert not (ROOT / "never").exists()  # nothing written when the data is not there
