"""fit(record_every=k): what is recorded, its bounds, and the gradients it takes apart."""

from __future__ import annotations

import base64
import struct

import pytest

from nn import MLP, Module, TrainingPage, fit, moons, spiral
from nn.cli import main


def doubles(b64: str) -> tuple[float, ...]:
    raw = base64.b64decode(b64)
    return struct.unpack(f"<{len(raw) // 8}d", raw)


def run(epochs=10, every=3, limit=100, batch_size=None, l2=1e-3, seed=0):
    X, y = moons(30, seed=seed)
    model = MLP(2, [5, 4, 1], seed=seed)
    history = fit(model, X, y, epochs=epochs, optimizer="sgd", lr=0.1, l2=l2,
                  batch_size=batch_size, record_every=every, record_limit=limit, verbose=False)
    return model, history


def test_records_every_k_steps_and_the_last():
    model, history = run(epochs=10, every=3)
    replay = history["page"]
    assert isinstance(replay, TrainingPage)
    assert [s["step"] for s in replay.data["snaps"]] == [0, 3, 6, 9]
    _, history = run(epochs=11, every=3)
    assert [s["step"] for s in history["page"].data["snaps"]] == [0, 3, 6, 9, 10]
    assert [len(history[k]) for k in ("loss", "accuracy", "lr")] == [11, 11, 11]


def test_memory_is_bounded_and_thinned_evenly():
    _, history = run(epochs=40, every=1, limit=6)
    steps = [s["step"] for s in history["page"].data["snaps"]]
    assert len(steps) <= 6 and steps[-1] == 39
    gaps = {b - a for a, b in zip(steps[:-1], steps[1:-1])}
    assert len(gaps) == 1  # evenly spaced, the last step aside


def test_recording_does_not_change_training():
    a, _ = run(epochs=6, every=2, batch_size=10)
    X, y = moons(30, seed=0)
    b = MLP(2, [5, 4, 1], seed=0)
    fit(b, X, y, epochs=6, optimizer="sgd", lr=0.1, l2=1e-3, batch_size=10, verbose=False)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


@pytest.mark.parametrize("batch_size", [None, 7])
def test_each_grad_is_the_sum_over_samples_of_delta_times_q(batch_size):
    model, history = run(epochs=5, every=2, batch_size=batch_size, l2=0.01)
    data = history["page"].data
    sizes, lam = data["sizes"], data["l2"]
    nq, nd = sum(sizes[:-1]), sum(sizes[1:])
    for snap in data["snaps"]:
        w, g = doubles(snap["w"]), doubles(snap["g"])
        q, d = doubles(snap["q"]), doubles(snap["d"])
        m = len(snap["batch"])
        assert len(q) == m * nq and len(d) == m * nd
        for i, (layer, j, k) in enumerate(data["params"]):
            od = sum(sizes[1:layer]) + j
            terms = [d[s * nd + od] * (1.0 if k < 0 else q[s * nq + sum(sizes[:layer - 1]) + k])
                     for s in range(m)]
            total = sum(terms) + (lam * w[i] if k >= 0 else 0.0)
            assert total == pytest.approx(g[i], rel=1e-11, abs=1e-14)


def test_boundary_grid_and_classes():
    X, y = spiral(30, classes=3, seed=0)
    model = MLP(2, [6, 3], seed=0)
    history = fit(model, X, y, epochs=2, record_every=1, verbose=False)
    data = history["page"].data
    assert data["grid"]["kind"] == "class" and data["classes"] == ["0", "1", "2"]
    raw = base64.b64decode(data["snaps"][0]["grid"])
    cells = struct.unpack(f"<{len(raw) // 4}f", raw)
    assert len(cells) == data["grid"]["n"] ** 2 and set(cells) <= {0.0, 1.0, 2.0}
    _, history = run(epochs=2, every=1)
    assert history["page"].data["grid"]["kind"] == "score"
    assert history["page"].data["grid"]["threshold"] == 0.0


def test_bad_record_arguments_fail_before_training():
    X, y = moons(20, seed=0)
    model = MLP(2, [3, 1], seed=0)
    before = [p.data for p in model.parameters()]
    for bad in (0, -2, True, 1.5):
        with pytest.raises(ValueError, match="record_every must be a positive int"):
            fit(model, X, y, epochs=3, record_every=bad, verbose=False)
    with pytest.raises(ValueError, match="record_limit"):
        fit(model, X, y, epochs=3, record_every=1, record_limit=1, verbose=False)

    class Custom(Module):
        def __init__(self):
            self.inner = MLP(2, [1], seed=0)

        def named_parameters(self):
            return self.inner.named_parameters()

        def __call__(self, x):
            return self.inner(x)

    with pytest.raises(TypeError, match="record_every needs an nn.MLP"):
        fit(Custom(), X, y, epochs=3, record_every=1, verbose=False)
    assert [p.data for p in model.parameters()] == before
    assert "page" not in fit(model, X, y, epochs=1, verbose=False)


def test_training_page_run_is_one_safe_file(tmp_path):
    _, history = run(epochs=4, every=1)
    replay = history["page"].titled("<script>alert(1)</script>")
    assert replay.html.count("<script") == 3 and "alert(1)</script>" not in replay.html
    path = replay.save(tmp_path / "training.html")
    assert path.read_text(encoding="utf-8") == replay.html
    assert replay._repr_html_().startswith("<iframe srcdoc=")
    assert repr(replay) == "TrainingPage('<script>alert(1)</script>', 4 snapshots)"


def test_cli_train_writes_training_html(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["train", "--dataset", "xor", "--n", "40", "--hidden", "4", "--epochs", "6",
                 "--quiet", "--out", str(out)])
    assert code == 0
    page = (out / "training.html").read_text(encoding="utf-8")
    assert "xor: MLP(" in page and "id=\"r-net\"" in page
    assert "training.html" in capsys.readouterr().out


def test_class_index_numbers_classes_as_both_pictures_do():
    from nn.plot import class_index

    assert class_index([1, -1, 1]) == ([-1, 1], [1, 0, 1])
    assert class_index([0, 1, 1, 0]) == ([0, 1], [0, 1, 1, 0])
    # several outputs: class k is output k, even when a class is missing from the labels
    assert class_index([0, 2, 2], nout=3) == ([0, 1, 2], [0, 2, 2])
    assert class_index([[0.0, 1.0], [1.0, 0.0]], nout=2) == ([0, 1], [1, 0])
    assert class_index([10, 2, 2]) == ([2, 10], [1, 0, 0])  # by value, not by text
    assert class_index(["b", 1, "a"])[0] == [1, "a", "b"]  # mixed kinds: by text


def test_boundary_png_draws_each_class_in_its_page_colour(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")  # an optional extra: tests/nn/test_nn_optional_extras
    import matplotlib
    from matplotlib.colors import to_hex

    from nn.plot import class_style, plot_boundary

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kept = []
    monkeypatch.setattr(plt, "close", kept.append)  # keep the figure to read it back
    X, y = moons(40, seed=0)
    plot_boundary(MLP(2, [4, 1], seed=0), X, y, str(tmp_path / "b.png"))
    ax = kept[0].axes[0]
    points = [c for c in ax.collections if c.get_offsets().shape[0] > 0 and c.get_label() != ""]
    by_label = {c.get_label(): c for c in points if c.get_label().startswith("class")}
    assert sorted(by_label) == ["class -1", "class 1"]
    for k, label in enumerate(["class -1", "class 1"]):
        colour, marker = class_style(k)
        faces = {to_hex(f) for f in by_label[label].get_facecolors()}
        assert faces == {colour}
        wanted = {-1: 0, 1: 1}
        assert len(by_label[label].get_offsets()) == sum(wanted[t] == k for t in y)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class -1", "class 1"]
    plt.close(kept[0])


def test_page_data_carries_the_class_styles_and_predictions():
    from nn.plot import CURVE_COLOURS, class_style

    X, y = spiral(30, classes=3, seed=0)
    model = MLP(2, [6, 3], seed=0)
    history = fit(model, X, y, epochs=2, record_every=1, verbose=False)
    data = history["page"].data
    assert [tuple(s) for s in data["styles"]] == [class_style(k) for k in range(3)]
    assert data["curves"] == CURVE_COLOURS and data["per_epoch"] == 1
    for snap in data["snaps"]:
        assert len(snap["pred"]) == len(snap["batch"]) and set(snap["pred"]) <= {0, 1, 2}
    # regression targets: no classes, no predictions
    Xr = [[x / 10, 0.0] for x in range(10)]
    history = fit(MLP(2, [3, 1], seed=0), Xr, [x[0] * 2 for x in Xr], loss="mse", epochs=2,
                  record_every=1, verbose=False)
    data = history["page"].data
    assert data["classes"] == [] and data["y"] == [] and data["snaps"][0]["pred"] is None


def test_titled_image_shape_must_fit_the_inputs():
    _, history = run(epochs=2, every=1)
    page = history["page"]
    with pytest.raises(ValueError, match="image 3x3 for 2 inputs"):
        page.titled("x", image=(3, 3))
    assert page.titled("x", image=(1, 2)).titled("y").data["image"] == (1, 2)


def test_training_page_needs_no_matplotlib(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['matplotlib'] = None\n"  # any import of it fails
        "from nn import MLP, fit, moons\n"
        "X, y = moons(30, seed=0)\n"
        "h = fit(MLP(2, [4, 1], seed=0), X, y, epochs=3, record_every=1, verbose=False)\n"
        f"h['page'].save({str(tmp_path / 't.html')!r})\n"
        "assert 'matplotlib' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "t.html").stat().st_size > 1000


@pytest.mark.parametrize("acts", ["relu", "tanh", ["gelu", "identity"], "leaky_relu"])
def test_grid_outputs_equal_forward_floats_to_the_bit(acts):
    import random

    from nn.training_page import grid_outputs

    rng = random.Random(3)
    model = MLP(2, [7, 3], activation=acts, input_activation="tanh", seed=1)
    points = [[rng.uniform(-3, 3), rng.uniform(-3, 3)] for _ in range(200)]
    outs = grid_outputs(model, [[p[0] for p in points], [p[1] for p in points]])
    for n, point in enumerate(points):
        assert [o[n] for o in outs] == model.forward_floats(point)


def test_fifty_classes_have_fifty_different_styles():
    from nn.plot import CLASS_COLOURS, class_style

    styles = [class_style(k) for k in range(50)]
    assert len(set(styles)) == 50
    assert [c for c, _ in styles[:10]] == list(CLASS_COLOURS)
    assert [m for _, m in styles[:2]] == ["o", "^"]  # two classes: a circle and a triangle
