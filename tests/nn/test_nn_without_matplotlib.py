"""``chaingrad train`` without the plot extra: decided before any work, said in one line.

CI has matplotlib, so its absence is made in a fresh interpreter: a finder at the front of
``sys.meta_path`` refuses ``matplotlib`` (and its submodules) as a missing package would.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCK = textwrap.dedent("""
    import sys

    class NoMatplotlib:
        def find_spec(self, name, path=None, target=None):
            if name == "matplotlib" or name.startswith("matplotlib."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NoMatplotlib())
    from nn.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def train_without_matplotlib(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # this checkout, not an installed copy
    return subprocess.run([sys.executable, "-c", BLOCK, "train", *argv], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


def test_train_writes_the_model_and_the_page_and_says_why_no_pngs(tmp_path):
    done = train_without_matplotlib("--dataset", "xor", "--epochs", "15", "--quiet",
                                    "--out", "run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "run"
    assert sorted(p.name for p in out.iterdir()) == ["model.json", "training.html"]
    assert json.loads((out / "model.json").read_text("utf-8"))["architecture"]["nin"] == 2
    page = (out / "training.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "</html>" in page
    said = [line for line in done.stderr.splitlines() if "matplotlib" in line]
    assert len(said) == 1, done.stderr  # one line, and it comes before training starts
    line = said[0]
    assert done.stderr.index(line) < done.stderr.index("chaingrad train: xor")
    assert "no loss.png or boundary.png" in line
    assert "writing model.json and training.html only" in line
    # the install command names the interpreter that ran chaingrad, not a bare pip
    assert f"{shlex.quote(sys.executable)} -m pip install 'chaingrad[plot]'" in line
    assert "wrote run/training.html" in done.stdout and ".png" not in done.stdout


def test_pngs_left_from_an_earlier_run_are_named_as_such(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "loss.png").write_bytes(b"an earlier plot")
    done = train_without_matplotlib("--dataset", "xor", "--epochs", "2", "--quiet",
                                    "--out", "run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "(loss.png in --out is from an earlier run, left as it was)" in done.stderr
    assert (tmp_path / "run" / "loss.png").read_bytes() == b"an earlier plot"


def test_digits_without_matplotlib_writes_the_model_and_its_page(tmp_path):
    done = train_without_matplotlib("--dataset", "digits", "--n", "40", "--epochs", "1",
                                    "--quiet", "--out", "run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert written == ["model.json", "training.html"]
    assert "no loss.png: matplotlib is not installed" in done.stderr


def test_a_refused_run_says_nothing_about_plots(tmp_path):
    # the arguments are checked first: a run that will not start has no files to announce
    done = train_without_matplotlib("--dataset", "spiral", "--loss", "hinge", "--out", "run",
                                    cwd=tmp_path)
    assert done.returncode == 2
    assert "matplotlib" not in done.stderr and not (tmp_path / "run").exists()


def test_plot_functions_without_matplotlib_name_the_extra(tmp_path):
    code = BLOCK.split("from nn.cli")[0] + textwrap.dedent("""
        from nn import plot_history
        try:
            plot_history({"loss": [1.0], "accuracy": [0.5]}, "loss.png")
        except ModuleNotFoundError as error:
            print(error.name, "|", error)
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    name, message = done.stdout.strip().split(" | ")
    assert name == "matplotlib"
    assert message.endswith(f"{shlex.quote(sys.executable)} -m pip install 'chaingrad[plot]'")
    assert not (tmp_path / "loss.png").exists()
