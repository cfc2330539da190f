"""The chaingrad command end to end: train writes three valid files; demo and --help run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nn import MLP
from nn.cli import build_parser, main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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
    proc = subprocess.run(
        [sys.executable, "-m", "nn.cli", "train", "--dataset", "xor", "--n", "40", "--hidden",
         "6", "--epochs", "5", "--seed", "1", "--grid", "20", "--quiet", "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
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

    eps = [ep for ep in entry_points(group="console_scripts") if ep.name == "chaingrad"]
    assert eps and eps[0].value == "nn.cli:main"
    assert eps[0].load() is main


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
    proc = subprocess.run(
        [sys.executable, "-m", "nn.cli", "train", "--lr", "1e6", "--loss", "mse", "--epochs",
         "50", *FAST, "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
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
