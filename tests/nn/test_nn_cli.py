"""The chaingrad command end to end: train writes three valid files; demo and --help run;
bad numbers and paths are refused before any work; Ctrl-C (a real SIGINT) saves cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from nn import MLP
from nn.cli import build_parser, main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = dict(os.environ, PYTHONPATH=ROOT)  # the child imports the code under test


def cli(*args, **kw):
    """Run the real command in a child process: python -m nn.cli ARGS."""
    return subprocess.run([sys.executable, "-m", "nn.cli", *map(str, args)], capture_output=True,
                          text=True, env=ENV, timeout=300, **kw)


def assert_valid_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, path
    from PIL import Image

    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        w, h = im.size
        assert w > 100 and h > 100
        grey_levels = sum(1 for count in im.convert("L").histogram() if count)
        assert grey_levels > 10  # a drawing, not a blank image
    import matplotlib.image

    arr = matplotlib.image.imread(str(path))
    assert arr.shape[0] == h and arr.shape[1] == w


def test_train_end_to_end_in_process(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["train", "--dataset", "moons", "--n", "60", "--hidden", "8", "8",
               "--activation", "relu", "--epochs", "25", "--lr", "0.05", "--seed", "0",
               "--grid", "30", "--out", str(out)])
    assert rc == 0
    for name in ("model.json", "loss.png", "boundary.png"):
        assert (out / name).is_file(), name
    assert_valid_png(out / "loss.png")
    assert_valid_png(out / "boundary.png")
    model = MLP.load(out / "model.json")
    assert model.nouts == [8, 8, 1] and model.activations == ["relu", "relu", "identity"]
    captured = capsys.readouterr()
    assert "accuracy" in captured.out and "wrote" in captured.out
    assert "loss=" in captured.err  # the progress bar
    acc = float(captured.out.split("accuracy ")[1].split()[0])
    assert acc >= 0.85


def test_train_spiral_with_per_layer_activations_quiet(tmp_path, capsys):
    out = tmp_path / "spiral"
    rc = main(["train", "--dataset", "spiral", "--classes", "3", "--n", "45", "--hidden", "6",
               "--activation", "tanh", "identity", "--optimizer", "adam", "--epochs", "5",
               "--grid", "20", "--quiet", "--out", str(out)])
    assert rc == 0
    assert "loss=" not in capsys.readouterr().err
    doc = json.loads((out / "model.json").read_text())
    assert doc["architecture"]["nouts"] == [6, 3]
    assert doc["architecture"]["activations"] == ["tanh", "identity"]
    assert_valid_png(out / "boundary.png")


def test_console_script_module_subprocess(tmp_path):
    out = tmp_path / "sub"
    proc = cli("train", "--dataset", "xor", "--n", "40", "--hidden", "6", "--epochs", "5",
               "--seed", "1", "--grid", "20", "--quiet", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["boundary.png", "loss.png", "model.json",
                                                    "training.html"]


def test_bad_activation_is_reported(tmp_path, capsys):
    rc = main(["train", "--activation", "swish", "--epochs", "1", "--out", str(tmp_path / "x")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "swish" in err and "relu" in err and "gelu" in err


def test_help_is_useful(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--dataset", "--hidden", "--activation", "--epochs", "--lr", "--seed", "--out",
                 "loss.png", "boundary.png", "model.json"):
        assert flag in text
    parser = build_parser()
    assert {"demo", "train", "tour"} <= set(parser.format_help().split("{")[1].split("}")[0]
                                            .split(","))


def test_demo_prints_every_node_and_checks_the_document():
    proc = subprocess.run([sys.executable, "-m", "nn.cli", "demo"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for label in ("x0", "w01", "w12", "w23", "x1", "x2", "x3", "C"):
        assert f"\n{label} " in out, label
    assert "dx3/dw23 = -1.44" in out and "dx3/dx2 = 0.6" in out
    assert out.count(" ok") == 3 and "MISMATCH" not in out
    assert "dC/dw23 = delta*x2" in out


def test_demo_with_other_numbers_in_process(capsys):
    assert main(["demo", "--x0", "2", "--y", "1", "--w", "0.5", "0.5", "0.5"]) == 0
    out = capsys.readouterr().out
    # x3 = 0.25, C = (0.25 - 1)^2 / 2 = 0.28125
    assert "0.28125" in out


def test_no_subcommand_prints_help(capsys):
    assert main([]) == 2
    assert "train" in capsys.readouterr().out


def test_console_script_entry_point_is_declared():
    from importlib.metadata import entry_points

    import chaingrad_cli

    eps = [ep for ep in entry_points(group="console_scripts") if ep.name == "chaingrad"]
    assert eps and eps[0].value == "chaingrad_cli:main"
    assert eps[0].load() is chaingrad_cli.main


def test_a_ctrl_c_while_the_command_starts_says_so_in_one_line():
    """The launcher imports nn.cli inside a try: a KeyboardInterrupt during that import (a
    Ctrl-C in the first second, while Python loads the code) ends with one line, exit 130,
    no traceback. The import is made to raise, so the moment is certain, not timed."""
    code = textwrap.dedent("""
        import builtins, sys
        real = builtins.__import__
        def interrupted(name, *args, **kwargs):
            if name == "nn.cli":
                raise KeyboardInterrupt
            return real(name, *args, **kwargs)
        builtins.__import__ = interrupted
        import chaingrad_cli
        sys.exit(chaingrad_cli.main(["demo"]))
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 130
    assert done.stderr == "chaingrad: interrupted while starting; nothing written\n"
    assert "Traceback" not in done.stdout + done.stderr


def test_the_launcher_runs_the_command():
    import chaingrad_cli

    assert chaingrad_cli.main(["demo"]) == 0


# -- bad arguments and diverging runs: clear messages, no tracebacks ----------------------

FAST = ["--n", "40", "--hidden", "8", "--grid", "10", "--quiet"]


@pytest.mark.parametrize("flag, value", [
    ("--batch-size", "0"), ("--n", "0"), ("--epochs", "-1"), ("--epochs", "0"),
    ("--hidden", "0"), ("--classes", "1"), ("--lr", "0"), ("--lr", "nan"), ("--lr", "-0.1"),
    ("--noise", "-1"), ("--l2", "inf"), ("--momentum", "-0.5"), ("--grid", "1"),
    ("--n", "many"),
])
def test_bad_numbers_are_rejected_by_argparse(tmp_path, capsys, flag, value):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as info:
        main(["train", flag, value, "--out", str(out)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--dataset", "circles", "--loss", "cross_entropy"], ["cross_entropy", "circles"]),
    (["--dataset", "moons", "--loss", "cross_entropy"], ["cross_entropy", "moons"]),
    (["--dataset", "spiral", "--classes", "2", "--loss", "hinge"], ["hinge", "spiral"]),
    (["--dataset", "spiral", "--loss", "mse"], ["mse", "spiral"]),
    (["--dataset", "spiral", "--loss", "bce"], ["bce", "spiral"]),
])
def test_incompatible_dataset_and_loss_exit_2_with_a_message(tmp_path, capsys, args, words):
    out = tmp_path / "run"
    rc = main(["train", *args, "--epochs", "2", *FAST, "--out", str(out)])
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("chaingrad train: ") and "Traceback" not in err
    for word in words:
        assert word in err
    assert not out.exists()


def test_bce_on_a_binary_set_trains_with_0_1_labels(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["train", "--dataset", "moons", "--loss", "bce", "--optimizer", "adam",
               "--lr", "0.05", "--epochs", "40", *FAST, "--out", str(out)])
    assert rc == 0
    captured = capsys.readouterr()
    assert float(captured.out.split("accuracy ")[1].split()[0]) >= 0.8
    assert "diverge" not in captured.err


def test_overflow_during_training_is_reported_and_files_are_untouched(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "model.json").write_text("previous run\n")
    proc = cli("train", "--lr", "1e6", "--loss", "mse", "--epochs", "50", *FAST, "--out", out)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("chaingrad train: training diverged at epoch ")
    assert last.endswith("; try a smaller --lr")
    epoch = int(last.split("at epoch ")[1].split(":")[0])
    assert 1 <= epoch <= 50
    assert proc.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == ["model.json"]
    assert (out / "model.json").read_text() == "previous run\n"


def test_diverging_training_error_is_caught_in_process(tmp_path, capsys, monkeypatch):
    import nn.cli

    def boom(*args, callback=None, **kwargs):
        callback(0, {})
        callback(1, {})
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(nn.cli, "fit", boom)
    rc = main(["train", "--epochs", "10", *FAST, "--out", str(tmp_path / "run")])
    assert rc == 1
    err = capsys.readouterr().err
    assert ("chaingrad train: training diverged at epoch 3: float division by zero; "
            "try a smaller --lr") in err
    assert not (tmp_path / "run").exists()


def test_huge_final_loss_warns_but_succeeds(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["train", "--lr", "1000", "--epochs", "20", *FAST, "--out", str(out)])
    assert rc == 0
    err = capsys.readouterr().err
    assert "training seems to diverge; try a smaller --lr" in err
    assert (out / "model.json").is_file()


def test_healthy_run_has_no_divergence_warning(tmp_path, capsys):
    rc = main(["train", "--epochs", "5", *FAST, "--out", str(tmp_path / "run")])
    assert rc == 0
    assert "diverge" not in capsys.readouterr().err


def test_divergence_warning_rules():
    from nn.cli import _divergence_warning

    assert _divergence_warning([]) is None
    assert _divergence_warning([1.0, 0.5, 0.1]) is None
    assert _divergence_warning([1.0, 50.0]) is None
    assert "diverge" in _divergence_warning([1.0, 2e6])
    assert "grew" in _divergence_warning([0.01, 5.0])


def test_help_states_each_default_once(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for flag in ("--noise NOISE", "--batch-size BATCH_SIZE"):
        entry = text.split(f"{flag} ")[-1].split(" --")[0]  # this option's help text
        assert entry.count("default") == 1, entry


# -- issue 12: --out is checked before any work ------------------------------------------------


@pytest.mark.parametrize("make, words", [
    (lambda d: (d / "f").write_text("x") and d / "f", "is a file, not a folder"),
    (lambda d: (d / "f").write_text("x") and d / "f" / "run", "is a file, not a folder"),
    (lambda d: (d / "run" / "model.json").mkdir(parents=True) or d / "run",
     "model.json: is a folder, not a file"),
    (lambda d: "", "the path is empty"),
    (lambda d: str(d / "a\0b"), "NUL byte"),
])
def test_a_bad_out_is_refused_before_training(tmp_path, make, words):
    out = make(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    proc = cli("train", "--epochs", "200", *FAST, "--out", out) if "\0" not in str(out) else None
    if proc is None:  # a NUL byte cannot cross exec: try it in process
        assert main(["train", "--epochs", "200", *FAST, "--out", str(out)]) == 2
        return
    assert proc.returncode == 2, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("chaingrad train: --out: ") and words in last, last
    assert "Traceback" not in proc.stderr
    assert "parameters" not in proc.stderr and "epoch" not in proc.stderr  # nothing started
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_out_inside_missing_folders_is_created_and_removed_again_when_training_fails(tmp_path):
    out = tmp_path / "a" / "b" / "run"
    proc = cli("train", "--lr", "1e6", "--loss", "mse", "--epochs", "50", *FAST, "--out", out)
    assert proc.returncode == 1 and "diverged" in proc.stderr
    assert os.listdir(tmp_path) == []  # the folders it made for nothing are gone


# -- issue 12: every number checked -------------------------------------------------------------

REJECTED = {
    "--n": ["0", "-1", "100001", "nan", "1e3", "1.5", "", "10" * 30],
    "--noise": ["-1", "nan", "inf", "-inf", "10.5", "1e308", "1e400", "x"],
    "--classes": ["1", "0", "-3", "101", "nan"],
    "--hidden": ["0", "-4", "nan", "2.5"],
    "--lr": ["0", "-0.1", "nan", "inf", "-inf", "1e400"],
    "--momentum": ["-0.5", "1", "1.5", "nan", "inf"],
    "--l2": ["-1", "nan", "inf"],
    "--epochs": ["0", "-1", "1000001", "nan", "1" * 5000],
    "--batch-size": ["0", "-2", "100001", "nan", "2.5"],
    "--grid": ["1", "0", "501", "100000", "nan"],
    "--seed": ["nan", "1e3", "1.5"],
}
ACCEPTED = {
    "--n": ["1", "100000"], "--noise": ["0", "10", "1e-300"], "--classes": ["2", "100"],
    "--hidden": ["1"], "--lr": ["1e-300", "1e300"], "--momentum": ["0", "0.999"],
    "--l2": ["0", "1e300"], "--epochs": ["1", "1000000"], "--batch-size": ["1", "100000"],
    "--grid": ["2", "500"], "--seed": ["-7", str(10**30)],
}


@pytest.mark.parametrize("flag, value", [(f, v) for f, vs in REJECTED.items() for v in vs])
def test_bad_numbers_are_refused_with_the_flag_named(capsys, flag, value):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["train", flag, value])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "Traceback" not in err


@pytest.mark.parametrize("flag, value", [(f, v) for f, vs in ACCEPTED.items() for v in vs])
def test_numbers_at_the_edges_are_accepted(flag, value):
    got = getattr(build_parser().parse_args(["train", flag, value]), flag[2:].replace("-", "_"))
    if flag == "--hidden":
        got = got[0]
    assert got == (int(value) if isinstance(got, int) else float(value))


@pytest.mark.parametrize("args, words", [
    (["--hidden", "100000", "100000"], "10,000,500,001 parameters; at most 1,000,000"),
    (["--n", "100000"], "100,000 samples x 337 parameters"),  # full batch by default
    (["--n", "2000", "--hidden", "100", "100"], "one step would build a graph"),
    (["--hidden", "300", "300", "--grid", "500"], "evaluate the model 250,000 times"),
    (["--dataset", "spiral", "--classes", "50", "--n", "10"], "--classes 50 needs"),
    (["--epochs", "1000000", "--n", "100000", "--batch-size", "10"],
     "1,000,000 epochs x 100,000 samples x 337 parameters"),
    (["--epochs", "1000000", "--n", "100"], "MAX_TOTAL_WORK"),
])
def test_runs_too_big_to_finish_are_refused_from_the_numbers_alone(tmp_path, capsys, args,
                                                                     words):
    out = tmp_path / "run"
    assert main(["train", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chaingrad train: ") and words in err, err
    assert not out.exists()


def test_a_large_run_within_the_bounds_is_accepted_by_the_checks():
    from nn.cli import _fill_defaults, _size_problem

    args = build_parser().parse_args(["train", "--n", "100000", "--batch-size", "100",
                                      "--hidden", "16", "16", "--grid", "500"])
    _fill_defaults(args)
    # 100 x 337 per step; 500^2 x 337 = 8.4e7 evaluations; 100 epochs x 1e5 x 337 = 3.4e9
    assert _size_problem(args) is None


# -- demo: bad numbers are messages ---------------------------------------------------------------


@pytest.mark.parametrize("args, words", [
    (["--x0", "nan"], "argument --x0: expected a finite number"),
    (["--y", "inf"], "argument --y: expected a finite number"),
    (["--w", "1", "inf", "1"], "argument --w: expected a finite number"),
    (["--x0", "1e400"], "argument --x0: expected a finite number"),
])
def test_demo_refuses_non_finite_numbers(capsys, args, words):
    with pytest.raises(SystemExit) as info:
        main(["demo", *args])
    assert info.value.code == 2 and words in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["--x0", "1e308", "--w", "10", "10", "10"],  # the case: x1 overflows
    ["--y", "1e308"],  # (x3 - y)^2 overflows
    ["--w", "1e200", "1e200", "1"],
    ["--x0", "1e-320", "--w", "1e-10", "1", "1"],  # underflow is fine: it runs
])
def test_demo_overflow_is_a_message_not_a_traceback(args):
    proc = cli("demo", *args)
    assert "Traceback" not in proc.stderr
    if args[1] == "1e-320":
        assert proc.returncode == 0 and "backward gave" in proc.stdout
        return
    assert proc.returncode == 2
    assert proc.stderr.startswith("chaingrad demo: these numbers do not fit in a float: ")
    assert proc.stdout == ""


def test_a_reader_that_leaves_early_ends_the_command_quietly():
    r, w = os.pipe()
    os.close(r)  # `chaingrad demo | head -0`: every write meets a closed pipe
    try:
        proc = subprocess.run([sys.executable, "-m", "nn.cli", "demo"], stdout=w,
                              stderr=subprocess.PIPE, text=True, env=ENV, timeout=120)
    finally:
        os.close(w)
    assert proc.returncode == 1
    assert proc.stderr == ""


# -- Ctrl-C: a real SIGINT to the real command ---------------------------------------------------


class Child:
    """The command in a child process whose stderr is collected while it runs."""

    def __init__(self, *args):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nn.cli", *map(str, args)], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=ENV,
            # Python turns SIGINT into KeyboardInterrupt unless it starts with SIGINT ignored,
            # as a background job of a non-interactive shell does: start as a terminal would
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.err = self.out = b""
        self.readers = [threading.Thread(target=self._read, args=(name,), daemon=True)
                        for name in ("err", "out")]
        for reader in self.readers:
            reader.start()

    def _read(self, name):
        stream = self.proc.stderr if name == "err" else self.proc.stdout
        for chunk in iter(lambda: stream.read1(4096), b""):
            setattr(self, name, getattr(self, name) + chunk)

    def wait_for(self, pattern, deadline=120.0):
        """Until the child has printed ``pattern`` on stderr (the line it prints is the
        signal to act on, not a sleep); killed and failed after ``deadline`` seconds."""
        end = time.monotonic() + deadline
        while not re.search(pattern, self.err.decode(errors="replace")):
            assert self.proc.poll() is None, self.err.decode()[-2000:]
            if time.monotonic() > end:
                self.proc.kill()
                pytest.fail(f"no {pattern!r} in {deadline} s: {self.err.decode()[-2000:]}")
            time.sleep(0.01)

    def interrupt(self, *sigs, deadline=300.0):
        """Send the signals (SIGINT by default) back to back; the status, stdout, stderr."""
        for sig in sigs or (signal.SIGINT,):
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"the child did not end {deadline} s after the signal")
        for reader in self.readers:
            reader.join(timeout=60)
        return self.proc.returncode, self.out.decode(), self.err.decode()


def values(path):
    return [p.data for p in MLP.load(path).parameters()]


def test_ctrl_c_during_training_saves_the_last_completed_epoch(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "model.json").write_text("an earlier model\n")
    run = ["--n", "40", "--hidden", "8", "--seed", "3", "--grid", "10"]
    child = Child("train", "--epochs", "100000", *run, "--out", out)
    child.wait_for(r"\| *([3-9]|\d\d+)/100000")  # progress shows at least 3 epochs done
    code, stdout, err = child.interrupt()
    assert code == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    last = err.strip().splitlines()[-1]
    m = re.fullmatch(r"chaingrad train: interrupted during epoch (\d+) of 100000; saved the "
                     r"model after epoch (\d+) to (.+) \(no plots\)", last)
    assert m, last
    k = int(m[2])
    assert int(m[1]) == k + 1 and k >= 3 and m[3] == str(out / "model.json")
    assert stdout == ""
    assert sorted(os.listdir(out)) == ["model.json"]  # no temporary file, no half plot
    # oracle: the same run asked for exactly k epochs gives the same weights, to the bit
    assert main(["train", "--epochs", str(k), *run, "--quiet", "--out", str(tmp_path / "ref")]) == 0
    assert values(out / "model.json") == values(tmp_path / "ref" / "model.json")


def test_sigterm_during_training_saves_the_last_completed_epoch(tmp_path):
    """kill, timeout and containers stop a process with SIGTERM: handled as Ctrl-C, exit 143."""
    out = tmp_path / "run"
    run = ["--n", "40", "--hidden", "8", "--seed", "3", "--grid", "10"]
    child = Child("train", "--epochs", "100000", *run, "--out", out)
    child.wait_for(r"\| *([3-9]|\d\d+)/100000")
    code, _, err = child.interrupt(signal.SIGTERM)
    assert code == 143, err[-2000:]
    assert "Traceback" not in err
    m = re.search(r"interrupted during epoch \d+ of 100000; saved the model after epoch (\d+)",
                  err)
    assert m, err[-2000:]
    assert main(["train", "--epochs", m[1], *run, "--quiet", "--out", str(tmp_path / "ref")]) == 0
    assert values(out / "model.json") == values(tmp_path / "ref" / "model.json")


def test_a_sigterm_handler_of_ones_own_is_left_in_place(tmp_path):
    import nn.cli as cli

    def mine(signum, frame):
        raise AssertionError("not expected to run")

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        with cli._Signals() as signals:
            assert signal.getsignal(signal.SIGTERM) is mine
        assert not signals.terminated and signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)
    with cli._Signals():  # over the default: ours while training, then the default
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, mine)
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) == previous
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_first_signal_interrupts_and_those_right_after_it_wait():
    import nn.cli as cli

    with cli._Signals() as signals:
        handler = signal.getsignal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            handler(signal.SIGINT, None)
        handler(signal.SIGINT, None)  # a second one at once: noted, not raised
        handler(signal.SIGTERM, None)
        with pytest.raises(KeyboardInterrupt), signals.armed():  # raised where asked for
            pytest.fail("the block must not run: a signal came before it")
        with signals.armed():  # nothing new since: the block runs, interruptible
            with pytest.raises(KeyboardInterrupt):
                handler(signal.SIGINT, None)
    assert signals.terminated and signals.came.count(signal.SIGINT) == 3


@pytest.mark.parametrize("earlier", [True, False])
def test_ctrl_c_before_the_first_epoch_ends_writes_nothing(tmp_path, earlier):
    out = tmp_path / "runs" / "run"
    if earlier:
        out.mkdir(parents=True)
        (out / "model.json").write_text("an earlier model\n")
    # 2000 samples x 4417 parameters: one epoch takes many seconds, the signal milliseconds
    child = Child("train", "--n", "2000", "--hidden", "64", "64", "--epochs", "5", "--out", out)
    child.wait_for(r"4417 parameters")
    code, stdout, err = child.interrupt()
    assert code == 130 and "Traceback" not in err and stdout == "", err
    assert err.strip().splitlines()[-1] == ("chaingrad train: interrupted during epoch 1 of 5; "
                                            "nothing saved (no epoch completed)")
    if earlier:
        assert os.listdir(out) == ["model.json"]
        assert (out / "model.json").read_text() == "an earlier model\n"
    else:
        assert os.listdir(tmp_path) == []  # the folders made for this run are gone


def test_ctrl_c_while_writing_the_plots_keeps_the_earlier_ones(tmp_path, capsys, monkeypatch):
    import nn.cli

    out = tmp_path / "run"
    out.mkdir()
    (out / "boundary.png").write_bytes(b"earlier plot")

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(nn.cli, "plot_boundary", interrupted)
    assert main(["train", "--epochs", "3", *FAST, "--out", str(out)]) == 130
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (f"chaingrad train: interrupted while writing; wrote {out / 'model.json'}, "
                   f"{out / 'loss.png'}; the other files are as they were")
    assert sorted(os.listdir(out)) == ["boundary.png", "loss.png", "model.json"]
    assert (out / "boundary.png").read_bytes() == b"earlier plot"
    assert_valid_png(out / "loss.png")


def test_a_second_ctrl_c_while_saving_leaves_the_earlier_model(tmp_path, capsys, monkeypatch):
    import nn._files
    import nn.cli

    out = tmp_path / "run"
    out.mkdir()
    (out / "model.json").write_text("an earlier model\n")
    real_fit = nn.cli.fit

    def fit_then_ctrl_c(*args, callback=None, **kw):
        real_fit(*args, callback=callback, **{**kw, "epochs": 2})
        monkeypatch.setattr(nn._files.os, "replace", interrupted)  # the save is next
        raise KeyboardInterrupt

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(nn.cli, "fit", fit_then_ctrl_c)
    assert main(["train", "--epochs", "10", *FAST, "--out", str(out)]) == 130
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (f"chaingrad train: interrupted during epoch 3 of 10, and again while saving: "
                   f"nothing written, {out / 'model.json'} is as it was")
    assert os.listdir(out) == ["model.json"]
    assert (out / "model.json").read_text() == "an earlier model\n"


def test_tour_refuses_an_out_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    proc = cli("tour", "--out", tmp_path / "f")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (f"chaingrad tour: --out: {tmp_path / 'f'}: is a file, "
                                   "not a folder")


def test_a_folder_name_that_is_not_utf8_is_printed_not_a_crash(tmp_path):
    out = os.path.join(os.fsencode(tmp_path), b"run\xff")
    env = dict(ENV, PYTHONIOENCODING="utf-8:strict")  # as a UTF-8 terminal's stdout is
    proc = subprocess.run([sys.executable, "-m", "nn.cli", "train", "--epochs", "2", *FAST,
                           "--out", out], capture_output=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert b"wrote " + os.fsencode(tmp_path) + b"/run\\xff/model.json" in proc.stdout
    assert MLP.load(os.path.join(out, b"model.json")).nin == 2


def test_ctrl_c_after_the_last_epoch_saves_the_finished_model(tmp_path, capsys, monkeypatch):
    import nn.cli

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(nn.cli, "accuracy", interrupted)  # runs right after the last epoch
    out = tmp_path / "run"
    assert main(["train", "--epochs", "3", *FAST, "--out", str(out)]) == 130
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (f"chaingrad train: interrupted after the last epoch (3); saved the model "
                   f"after epoch 3 to {out / 'model.json'} (no plots)")
    monkeypatch.undo()
    assert main(["train", "--epochs", "3", *FAST, "--out", str(tmp_path / "ref")]) == 0
    assert values(out / "model.json") == values(tmp_path / "ref" / "model.json")


def test_ctrl_c_during_the_tour_or_the_demo_is_one_line_and_130(tmp_path, capsys, monkeypatch):
    import nn.cli
    import nn.tour

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(nn.tour, "render", interrupted)
    assert main(["tour", "--out", str(tmp_path)]) == 130
    assert capsys.readouterr().err == "chaingrad tour: interrupted\n"
    assert os.listdir(tmp_path) == []  # the drawing being written was removed
    monkeypatch.setattr(nn.cli, "_print_nodes", interrupted)
    assert main(["demo"]) == 130
    assert capsys.readouterr().err == "chaingrad demo: interrupted\n"


def test_save_refuses_a_parameter_that_is_not_a_number(tmp_path):
    m = MLP(2, [1], seed=0)
    m.parameters()[1].data = "0.5"  # set by hand, past the engine's checks
    with pytest.raises(ValueError, match="'layers.0.neurons.0.w.1' is not a finite number"):
        m.save(tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv", [["--w", "0.8", "-1e-3", "0.6"], ["--x0", "-1e-3"],
                                  ["--y", "-2E+1"], ["--x0", "-.5"], ["--x0", "-3"]])
def test_negative_numbers_with_an_exponent_are_values(argv, capsys):
    assert main(["demo", *argv]) == 0
    assert "ok" in capsys.readouterr().out


def test_a_negative_infinity_is_refused_as_a_number_not_as_a_flag(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--x0", "-inf"])
    err = capsys.readouterr().err
    assert "expected one argument" not in err and "--x0" in err


def test_a_sigterm_while_the_handler_is_put_back_is_noted_not_raised():
    import nn.cli as cli

    with cli._Signals() as signals:
        handler = signal.getsignal(signal.SIGTERM)
    handler(signal.SIGTERM, None)  # as if it came during __exit__: no KeyboardInterrupt
    assert signals.terminated and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


# -- a full disk: the file and the reason, nothing half-written ----------------------------

TINY_RUN = ["train", "--dataset", "xor", "--n", "20", "--hidden", "4", "--epochs", "2",
            "--grid", "10", "--quiet"]


def test_train_on_a_full_disk_names_the_file_and_why(tmp_path, capsys, monkeypatch):
    real = os.statvfs

    class Full:
        def __init__(self, info):
            self.f_frsize, self.f_blocks, self.f_bavail = info.f_frsize, info.f_blocks, 1

    monkeypatch.setattr(os, "statvfs", lambda p: Full(real(p)))
    out = tmp_path / "run"
    assert main([*TINY_RUN, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"{out / 'model.json'}: cannot save the model: no space left on the device" in err
    assert "Errno" not in err and ".tmp-" not in err and "nothing written" in err
    assert not out.exists() or list(out.iterdir()) == []


def test_a_file_too_large_names_the_file(tmp_path, capsys, monkeypatch):
    import errno

    def too_large(fd):
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(os, "fsync", too_large)
    out = tmp_path / "run"
    assert main([*TINY_RUN, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"{out / 'model.json'}: cannot save the model: File too large" in err
    assert not out.exists() or list(out.iterdir()) == []


# -- the last second: a Ctrl-C at every moment says what is on disk ------------------------


def test_ctrl_c_while_the_results_print_names_the_files_written(tmp_path, capsys, monkeypatch):
    import nn.cli

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(nn.cli, "_report", interrupted)  # every file is written by then
    out = tmp_path / "run"
    assert main([*TINY_RUN, "--out", str(out)]) == 130
    last = capsys.readouterr().err.strip().splitlines()[-1]
    files = ", ".join(str(out / name) for name in nn.cli.OUTPUTS)
    assert last == f"chaingrad train: interrupted; wrote {files}; the other files are as they were"
    assert sorted(os.listdir(out)) == sorted(nn.cli.OUTPUTS)


def test_ctrl_c_while_the_folder_is_prepared_says_nothing_was_written(tmp_path, capsys,
                                                                      monkeypatch):
    import nn.cli

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(nn.cli, "_load_progress_bar", interrupted)
    assert main([*TINY_RUN, "--out", str(tmp_path / "run")]) == 130
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == "chaingrad train: interrupted before training; nothing written"
    assert os.listdir(tmp_path) == []


def test_two_ctrl_c_at_once_during_training_end_with_one_true_line(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "model.json").write_text("an earlier model\n")
    child = Child("train", "--epochs", "100000", "--n", "40", "--hidden", "8", "--grid", "10",
                  "--out", out)
    child.wait_for(r"\| *([3-9]|\d\d+)/100000")
    code, stdout, err = child.interrupt(signal.SIGINT, signal.SIGINT)
    assert code == 130 and "Traceback" not in err and stdout == "", err[-2000:]
    last = err.strip().splitlines()[-1]
    if "and again while saving" in last:  # the second came before the save: it was skipped
        assert (out / "model.json").read_text() == "an earlier model\n"
    else:
        assert re.fullmatch(r"chaingrad train: interrupted during epoch \d+ of 100000; saved "
                            r"the model after epoch \d+ to .+ \(no plots\)", last), last
        assert MLP.load(out / "model.json").nin == 2
    assert os.listdir(out) == ["model.json"]


def test_a_sigint_then_a_sigterm_at_once_exit_143_with_one_true_line(tmp_path):
    out = tmp_path / "run"
    child = Child("train", "--epochs", "100000", "--n", "40", "--hidden", "8", "--grid", "10",
                  "--out", out)
    child.wait_for(r"\| *([3-9]|\d\d+)/100000")
    code, _, err = child.interrupt(signal.SIGINT, signal.SIGTERM)
    assert code == 143 and "Traceback" not in err, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("chaingrad train: interrupted during epoch "), last
    saved = "saved the model after epoch" in last
    assert sorted(os.listdir(out)) == (["model.json"] if saved else [])


def test_a_closed_stderr_does_not_stop_the_run(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" 2>&-', "sh", sys.executable, "-m", "nn.cli", *TINY_RUN,
         "--out", str(out)],
        capture_output=False, stdout=subprocess.PIPE, env=ENV, timeout=300)
    assert proc.returncode == 0
    assert sorted(os.listdir(out)) == sorted(["model.json", "loss.png", "boundary.png",
                                              "training.html"])
    assert MLP.load(out / "model.json").nin == 2
    assert b"wrote " in proc.stdout


def test_a_closed_stdout_does_not_stop_the_run_either(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "nn.cli", *TINY_RUN,
         "--out", str(out)],
        stderr=subprocess.PIPE, env=ENV, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert MLP.load(out / "model.json").nin == 2
