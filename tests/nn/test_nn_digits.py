"""nn.data.digits (scikit-learn's bundled handwritten digits) and ``chaingrad train --dataset
digits``. The full training run takes minutes in pure Python; these use small subsets."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sklearn.datasets import load_digits

from nn import MLP, Adam, accuracy, digits, fit
from nn.cli import TRAIN_DEFAULTS, _fill_defaults, build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def test_loads_with_the_network_blocked():
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('no network in this test')\n"
        "class NoNetwork(socket.socket):\n"
        "    connect = connect_ex = sendto = refuse\n"
        "socket.socket = NoNetwork\n"
        "socket.create_connection = socket.getaddrinfo = refuse\n"
        "import urllib.request\n"
        "try: urllib.request.urlopen('http://example.com', timeout=5)\n"
        "except OSError: pass\n"
        "else: raise SystemExit('the network is not blocked')\n"
        "from nn import digits\n"
        "X, y = digits('all'); print(len(X), len(X[0]), len(set(y)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert proc.stdout.strip() == "1797 64 10", proc.stderr


def test_the_split_is_the_whole_set_cut_in_two_stratified():
    X, y = digits("train")
    Xt, yt = digits("test")
    Xa, ya = digits("all")
    assert (len(X), len(Xt), len(Xa)) == (1438, 359, 1797)
    key = lambda X, y: Counter((tuple(x), c) for x, c in zip(X, y))  # noqa: E731
    assert key(X, y) + key(Xt, yt) == key(Xa, ya)
    raw = load_digits()  # the oracle: sklearn's own copy, pixels 0..16
    assert key(Xa, ya) == key([[v / 16 for v in row] for row in raw.data.tolist()],
                              raw.target.tolist())
    per_class = Counter(raw.target.tolist())
    for c, count in Counter(yt).items():
        assert count == round(per_class[c] * 0.2)  # each digit keeps its share
    assert all(len(x) == 64 and all(0.0 <= v <= 1.0 for v in x) for x in Xa)
    assert max(v for x in Xa for v in x) == 1.0
    assert sorted(set(ya)) == list(range(10)) and all(type(c) is int for c in ya)


def test_deterministic_and_seeded():
    assert digits("train", seed=3) == digits("train", seed=3)
    assert digits("test", seed=3) != digits("test", seed=4)
    X, y = digits("train")
    assert y[:20] != sorted(y[:20])  # shuffled, not in class order
    assert digits("train", n=50) == (X[:50], y[:50])
    Xs, ys = digits("test", test_fraction=0.5)
    assert len(Xs) in range(895, 902)


def test_returns_fresh_lists():
    X, y = digits("test")
    X[0][0] = 99.0
    y[0] = -1
    again_X, again_y = digits("test")
    assert again_X[0][0] != 99.0 and again_y[0] != -1


@pytest.mark.parametrize("kw, message", [
    ({"split": "validation"}, "split must be one of"),
    ({"n": 0}, "n must be a positive int"),
    ({"n": 2.5}, "n must be a positive int"),
    ({"n": 5000}, "n=5000 but the train split has 1438"),
    ({"seed": None}, "seed must be an int"),
    ({"test_fraction": 0}, "test_fraction must be a number in"),
    ({"test_fraction": 1.0}, "test_fraction must be a number in"),
    ({"test_fraction": "0.2"}, "test_fraction must be a number in"),
    ({"test_fraction": 0.001}, "leaves digit 0"),
])
def test_bad_arguments(kw, message):
    with pytest.raises(ValueError, match=message):
        digits(**kw)


def test_a_small_network_learns_digits_from_a_subset():
    X, y = digits("train", n=300)
    Xt, yt = digits("test", n=150)
    model = MLP(64, [16, 10], seed=0)
    fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.01),
        epochs=4, batch_size=20, verbose=False)
    assert accuracy(model, Xt, yt) >= 0.75  # chance is 0.1


# -- the command ----------------------------------------------------------------------


def test_defaults_depend_on_the_data_set():
    digits_args = build_parser().parse_args(["train", "--dataset", "digits"])
    _fill_defaults(digits_args)
    assert (digits_args.n, digits_args.hidden, digits_args.epochs, digits_args.batch_size) == \
        (1438, [32], 10, 32)
    moons_args = build_parser().parse_args(["train"])
    _fill_defaults(moons_args)
    assert (moons_args.n, moons_args.hidden, moons_args.epochs, moons_args.batch_size) == \
        (100, [16, 16], 100, None)
    given = build_parser().parse_args(["train", "--dataset", "digits", "--hidden", "--n", "7",
                                       "--epochs", "3", "--batch-size", "5"])
    _fill_defaults(given)
    assert (given.n, given.hidden, given.epochs, given.batch_size) == (7, [], 3, 5)
    assert set(TRAIN_DEFAULTS) == {"n", "hidden", "epochs", "batch_size"}


def test_train_digits_end_to_end(tmp_path, capsys):
    out = tmp_path / "digits"
    rc = main(["train", "--dataset", "digits", "--n", "200", "--hidden", "16", "--epochs", "3",
               "--optimizer", "adam", "--lr", "0.01", "--out", str(out)])
    assert rc == 0
    captured = capsys.readouterr()
    assert "loss=" in captured.err  # the progress bar
    assert "digits (200 training images, 359 held out)" in captured.err
    line = captured.out.splitlines()[0]
    test_acc = float(line.split("test accuracy ")[1].split()[0])
    assert test_acc >= 0.6, line
    assert "of 359 held-out digits" in line and "trained in" in line
    model = MLP.load(out / "model.json")
    assert model.nin == 64 and model.nouts == [16, 10]
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert not (out / "boundary.png").exists()
    page = (out / "training.html").read_text(encoding="utf-8")  # the training page too
    assert "digits: MLP(64 -&gt; 16 relu -&gt; 10 identity)" in page and '"image":[8,8]' in page
    assert "training.html" in captured.out


@pytest.mark.parametrize("argv, message", [
    (["--loss", "hinge"], "--loss hinge needs one output per sample"),
    (["--noise", "0.1"], "--noise applies to the data sets made in code"),
    (["--n", "5000"], "--n 5000: digits has 1438 training images"),
    (["--activation", "swish"], "unknown activation 'swish'"),
])
def test_train_digits_refusals(argv, message, tmp_path, capsys):
    rc = main(["train", "--dataset", "digits", "--epochs", "1", "--out", str(tmp_path / "x"),
               *argv])
    assert rc == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
