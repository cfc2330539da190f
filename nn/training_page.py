"""The training page: a run's snapshots every k steps, stepped through in the browser.

``fit(..., record_every=k)`` keeps the snapshots; ``history["page"]`` is the page.

    >>> from nn import MLP, fit, moons
    >>> X, y = moons(100, seed=0); model = MLP(2, [8, 8, 1], seed=0)
    >>> history = fit(model, X, y, epochs=4, record_every=2, verbose=False)
    >>> [s["step"] for s in history["page"].data["snaps"]]   # every 2 steps, and the last
    [0, 2, 3]
    >>> history["page"].save("training.html").name
    'training.html'

At each step kept (before the optimizer moves the weights) a snapshot
keeps: the step's loss and accuracy, the decision boundary on a GRID × GRID
grid (inputs of two dimensions), each sample's predicted class (classifiers),
every parameter's value and gradient, and for
each sample of the batch the documents' q (each layer's input) and δ (each
layer's ``p.grad``). So the page can show a weight's gradient as what it is,
the sum over the batch's samples of δ × q, plus λ·w from an L2 penalty, and
check that against the gradient the engine computed.

Memory is bounded: at most ``limit`` snapshots, fewer when a snapshot is large
(a page stays under about ``BUDGET`` bytes of snapshot data). When the next
snapshot would pass the limit, every other snapshot is dropped and the
interval doubles, so the kept ones stay evenly spaced; the last step of the
run is always kept. Numbers are stored as base64 of little-endian
doubles (exact; the grid as 32-bit floats), about 10.7 characters a number.

The page draws each class in the colour and marker ``boundary.png`` uses (one
table, in nn/plot.py) and needs no matplotlib. Words: this is the *training
page* and it keeps *snapshots*; "replay" means running a recorded graph again in
torch (``autograd.replay_in_torch``), never this page.
"""

from __future__ import annotations

import base64
import html
import sys
from array import array
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

from autograd.see import Page

from .layers import activate_float
from .plot import CURVE_COLOURS, REGION_ALPHA, class_index, class_style

__all__ = ["Snapshots", "TrainingPage", "GRID", "BUDGET"]

GRID = 32
"""Points a side of the decision-boundary grid kept with each snapshot."""
BUDGET = 1_500_000
"""About how many bytes of snapshot data a training page holds at most."""


def _static(name: str) -> str:
    return resources.files("nn").joinpath("_static", name).read_text(encoding="utf-8")


def _b64(values: Sequence[float], typecode: str = "d") -> str:
    packed = array(typecode, values)
    if sys.byteorder == "big":  # the page reads little-endian
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


class Snapshots:
    """Snapshots of an ``nn.MLP`` during ``fit`` for its training page;
    ``fit(record_every=k)`` makes one.

    ``every``: snapshots of steps 0, k, 2k, ... (and the last); ``limit``: keep at
    most this many snapshots (thinned evenly); ``l2``: the λ of fit's penalty.
    """

    def __init__(self, model: Any, X: Sequence[Any], y: Sequence[Any], *, every: int,
                 limit: int = 100, batch: int, l2: float = 0.0, loss: str = "",
                 threshold: float | None = 0.0, classify: bool = False,
                 steps: int | None = None) -> None:
        if not (hasattr(model, "trace") and hasattr(model, "layers")
                and hasattr(model, "forward_floats")):
            raise TypeError(f"fit: record_every needs an nn.MLP (it reads MLP.trace), got "
                            f"{type(model).__name__}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"fit: record_every must be a positive int, got {every!r}")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 2:
            raise ValueError(f"fit: record_limit must be an int >= 2, got {limit!r}")
        self.model, self.X, self.y = model, X, y
        self.every, self.l2, self.loss, self.threshold = every, float(l2), loss, threshold
        self.classify = bool(classify)  # the page shows each step's predicted classes
        self.per_epoch = -(-len(X) // batch)
        self.sizes = [model.nin] + [layer.nout for layer in model.layers]
        self.grid = _grid_box(X) if model.nin == 2 else None
        units = sum(self.sizes[:-1]) + sum(self.sizes[1:])  # q of 0..L-1, δ of 1..L a sample
        n_params = len(model.parameters())
        grid = GRID * GRID * 4 * 4 / 3 if self.grid else 0  # float32, base64
        per = (2 * n_params + batch * units) * 8 * 4 / 3 + grid + 3 * batch * self.classify
        self.limit = min(limit, max(2, int(BUDGET // per)))
        # Knowing the run's length (``steps``), start at the interval thinning would reach,
        # so that no snapshot is taken only to be dropped.
        while steps is not None and -(-steps // self.every) + 1 > self.limit:
            self.every *= 2
        self.snapshots: list[dict[str, Any]] = []
        self._traces: list[Any] = []
        self._idx: list[int] = []

    def due(self, step: int, last: bool = False) -> bool:
        """Whether ``step`` (0-based, one per optimizer step) gets a snapshot."""
        return last or step % self.every == 0

    def forward(self, idx: Sequence[int]) -> list[Any]:
        """The batch's outputs, through ``MLP.trace`` so that each p and q can be read later."""
        self._idx = list(idx)
        self._traces = [self.model.trace(self.X[i]) for i in self._idx]
        return [t.output for t in self._traces]

    def capture(self, step: int, epoch: int, loss: float, accuracy: float | None) -> None:
        """A snapshot of the step just back-propagated (grads filled, weights not yet moved)."""
        if len(self.snapshots) >= self.limit:  # thin evenly, before adding the newest
            self.snapshots = self.snapshots[::2]
            self.every *= 2
        params = self.model.parameters()
        q: list[float] = []
        d: list[float] = []
        for t in self._traces:
            for layer in t.q[:-1]:
                q.extend(v.data for v in layer)
            for layer in t.p[1:]:
                d.extend(v.grad for v in layer)
        snap = {
            "step": step, "epoch": epoch, "loss": loss, "acc": accuracy,
            "w": _b64([p.data for p in params]), "g": _b64([p.grad for p in params]),
            "batch": list(self._idx), "q": _b64(q), "d": _b64(d),
            "grid": _b64(self._boundary(), "f") if self.grid else None,
            "pred": self._predictions() if self.classify else None,
        }
        self.snapshots.append(snap)
        self._traces = []

    def _predictions(self) -> list[int]:
        """The class each sample of the batch is given at this step (as fit counts it right)."""
        out = []
        for t in self._traces:
            o = t.output
            if isinstance(o, list):
                out.append(max(range(len(o)), key=lambda k: o[k].data))
            else:
                out.append(1 if o.data > (self.threshold or 0.0) else 0)
        return out

    def _boundary(self) -> list[float]:
        x0, x1, y0, y1 = self.grid
        xs = [x0 + (x1 - x0) * i / (GRID - 1) for i in range(GRID)] * GRID
        ys = [y0 + (y1 - y0) * j / (GRID - 1) for j in range(GRID) for _ in range(GRID)]
        outs = grid_outputs(self.model, [xs, ys])
        if len(outs) == 1:
            return outs[0]
        return [max(range(len(outs)), key=lambda k: outs[k][n]) for n in range(len(xs))]

    def page(self, history: dict[str, list], title: str = "") -> TrainingPage:
        """The training page of this run (``history`` is fit's: loss and accuracy per epoch)."""
        model = self.model
        names = [name for name, _ in model.named_parameters()]
        classes, index = class_index(self.y, self.sizes[-1])
        labelled = self.classify  # regression targets are no classes to colour
        data = {
            "title": title or f"training page: {model!r}",
            "sizes": self.sizes, "acts": [model.input_activation, *model.activations],
            "params": [_where(name) for name in names],
            "labels": [p.label for p in model.parameters()],
            "l2": self.l2, "loss": self.loss, "per_epoch": self.per_epoch,
            "history": {"loss": list(history.get("loss", [])),
                        "accuracy": list(history.get("accuracy", []))},
            "X": [list(map(float, x)) for x in self.X] if self.grid else [],
            "y": index if labelled else [],
            "classes": [str(c) for c in classes] if labelled else [],
            "styles": [class_style(k) for k in range(len(classes))] if labelled else [],
            "curves": CURVE_COLOURS, "tint": REGION_ALPHA, "image": None,
            "grid": {"box": self.grid, "n": GRID, "threshold": self.threshold,
                     "kind": "class" if model.layers[-1].nout > 1 else "score"}
            if self.grid else None,
            "snaps": self.snapshots,
        }
        return TrainingPage.from_data(data)


def grid_outputs(model: Any, columns: list[list[float]]) -> list[list[float]]:
    """An MLP's outputs at many points at once: ``columns[k]`` holds input k of every
    point; returns one list per output. Each number equals ``model.forward_floats`` at that
    point to the bit (the same sums in the same order, the same activations), in less
    than half the time (the boundary grid of each snapshot: 1,024 points).

        >>> from nn import MLP
        >>> m = MLP(2, [4, 2], seed=0)
        >>> out = grid_outputs(m, [[0.5, -1.0], [2.0, 0.25]])
        >>> [o[1] for o in out] == m.forward_floats([-1.0, 0.25])
        True
    """
    q = [[activate_float(model.input_activation, v) for v in col] for col in columns]
    for layer in model.layers:
        nxt = []
        for neuron in layer.neurons:
            # sum() as the engine's dot sums (compensated since Python 3.12), point by point
            prods = [[w.data * c for c in col] for w, col in zip(neuron.w, q)]
            bd, act = neuron.b.data, neuron.activation
            nxt.append([activate_float(act, sum(t, 0.0) + bd) for t in zip(*prods)])
        q = nxt
    return q


def _where(name: str) -> list[int]:
    """'layers.1.neurons.3.w.0' -> [layer 2, neuron 3, input 0]; a bias has input -1."""
    parts = name.split(".")
    layer, neuron = int(parts[1]) + 1, int(parts[3])
    return [layer, neuron, int(parts[5]) if parts[4] == "w" else -1]


def _grid_box(X: Sequence[Any]) -> tuple[float, float, float, float]:
    xs = [float(p[0]) for p in X]
    ys = [float(p[1]) for p in X]
    pad = 0.25
    return (min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad)


def threshold_for(correct: Callable[..., bool] | None, nout: int) -> float | None:
    """The output value where a one-output model's predicted class changes (None: not a
    classifier or several outputs): 0.5 for a threshold at a half, else 0."""
    if correct is None or nout > 1:
        return None
    return 0.5 if getattr(correct, "__name__", "") == "half" else 0.0


class TrainingPage(Page):
    """The training page: a run's snapshots as one page: ``.save(path)``, inline in Jupyter.

    ``snapshots`` is the number of steps kept; ``data`` what the page embeds.
    """

    def __init__(self, html_text: str, *, title: str, data: dict[str, Any],
                 height: int = 760) -> None:
        super().__init__(html_text, title=title, height=height)
        self.data = data
        self.snapshots = len(data["snaps"])

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TrainingPage:
        """The page for snapshot ``data`` (as ``Snapshots.page`` makes it)."""
        page = Page.build(data["title"], _BODY.replace("{title}", html.escape(data["title"])),
                          data, script=_static("training_page.js"),
                          style=_static("training_page.css"), player=True)
        return cls(page.html, title=data["title"], data=data)

    def titled(self, title: str, *, image: tuple[int, int] | None = None) -> TrainingPage:
        """The same page under another heading; ``image=(rows, columns)``: the inputs are
        images of that shape (grey levels in [0, 1]), drawn as such (digits: (8, 8))."""
        if image is not None:
            rows, cols = image
            if rows * cols != self.data["sizes"][0]:
                raise ValueError(f"titled: image {rows}x{cols} for {self.data['sizes'][0]} inputs")
            image = (int(rows), int(cols))
        return TrainingPage.from_data({**self.data, "title": title,
                                 "image": image if image is not None else self.data["image"]})

    def __repr__(self) -> str:
        n = self.snapshots
        return f"TrainingPage({self.title!r}, {n} snapshot{'s' if n != 1 else ''})"


_BODY = """
<div class="bar" id="r-bar" role="toolbar" aria-label="the run's snapshots">
  <h1>{title}</h1>
  <button id="r-grads" type="button" aria-pressed="false"
    title="Line thickness: weights or gradients">Show grads</button>
</div>
<div class="grid">
  <figure class="curves"><figcaption>Loss and accuracy per epoch (each the mean over the
    epoch's batches); the dot is this step's batch loss</figcaption>
    <svg id="r-curves" viewBox="0 0 440 250" role="img"
      aria-label="loss and accuracy per epoch"></svg>
    <p id="r-step" class="stepline" aria-live="polite"></p>
  </figure>
  <figure class="boundary"><figcaption id="r-boundary-caption">Decision boundary at this
    step</figcaption>
    <canvas id="r-boundary" width="340" height="340" role="img"
      aria-label="decision boundary and the data"></canvas>
    <div id="r-legend" class="legend" role="list" aria-label="classes"></div>
    <section id="r-classes" class="classes" hidden></section>
  </figure>
  <figure class="net"><figcaption>The network at this step: line thickness |w| (or |grad|);
    blue solid positive, red dashed negative, grey the root mean square of the lines a box
    stands for. Click a neuron or a line.</figcaption>
    <div class="netbox"><svg id="r-net" role="group" aria-label="the network"></svg></div>
  </figure>
  <section id="r-detail" class="detail" aria-live="polite"></section>
</div>
"""
