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
    assert sorted(p.name for p in out.iterdir()) == ["boundary.png", "loss.png", "model.json"]


def test_bad_activation_is_reported(tmp_path, capsys):
    rc = main(["train", "--activation", "gelu", "--epochs", "1", "--out", str(tmp_path / "x")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "gelu" in err and "relu" in err and "tanh" in err


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


def test_tour_subcommand_reports_when_unavailable(monkeypatch, capsys):
    import nn

    monkeypatch.setitem(sys.modules, "nn.tour", None)  # makes `from . import tour` fail
    monkeypatch.delattr(nn, "tour", raising=False)
    assert main(["tour"]) == 2
    assert "unavailable" in capsys.readouterr().err
