"""Plots of a training run, with matplotlib on the Agg backend (imported only here, lazily).

    >>> from nn import MLP, fit, moons
    >>> X, y = moons(50, seed=0); model = MLP(2, [8, 1], seed=0)
    >>> history = fit(model, X, y, loss="hinge", epochs=5, verbose=False)
    >>> plot_history(history, "loss.png"); plot_boundary(model, X, y, "boundary.png")
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from autograd.files import fs_path, write_atomic

from .layers import MLP

__all__ = ["plot_boundary", "plot_history"]


def _pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, imported only when a plot is drawn."""
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - depends on the install
        raise SystemExit(
            "chaingrad: plotting needs matplotlib: pip install 'chaingrad[plot]'"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_history(history: dict[str, list], path: str, title: str = "") -> None:
    """Loss (left axis) and accuracy (right axis) per epoch, saved as a PNG.

        >>> history = {"loss": [0.9, 0.5, 0.3], "accuracy": [0.5, 0.8, 0.9]}   # as fit returns
        >>> plot_history(history, "loss.png", title="moons")
    """
    path = fs_path(path, what="plot's path")
    losses = history.get("loss") if isinstance(history, dict) else None
    if not isinstance(losses, (list, tuple)) or not losses:
        raise TypeError(f"plot_history: history must be a dict with a non-empty list 'loss' (as "
                        f"fit returns it), got {type(history).__name__} {history!r:.60}")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    epochs = range(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], color="tab:blue", label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color="tab:blue")
    accs = history.get("accuracy") or []
    if accs and all(a is not None for a in accs):
        ax2 = ax.twinx()
        ax2.plot(epochs, accs, color="tab:orange", label="accuracy")
        ax2.set_ylabel("accuracy", color="tab:orange")
        ax2.set_ylim(0.0, 1.05)
    if title:
        ax.set_title(title)
    _save(plt, fig, path)


def _save(plt: Any, fig: Any, path: str) -> None:
    """The figure as a PNG at ``path``, through the one file writer (whole or not at all)."""
    buffer = io.BytesIO()
    try:
        fig.tight_layout()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    write_atomic(path, buffer.getvalue(), what="plot")


def _check_points(model: Any, X: Any, y: Any) -> None:
    if not isinstance(model, MLP):
        raise TypeError(f"plot_boundary: model must be an nn.MLP, got {type(model).__name__}")
    if model.nin != 2:
        raise ValueError(f"plot_boundary: the model takes {model.nin} inputs; a boundary is "
                         "drawn in the plane, for models of 2 inputs")
    if not isinstance(X, (list, tuple)) or not X or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in X):
        raise TypeError(f"plot_boundary: X must be a non-empty list of (x, y) points, got "
                        f"{type(X).__name__} {X!r:.60}")
    if not isinstance(y, (list, tuple)) or len(y) != len(X):
        raise ValueError(f"plot_boundary: y must be a list of one label per point of X "
                         f"({len(X)}), got {type(y).__name__} {y!r:.60}")


def plot_boundary(model: MLP, X: Sequence[Sequence[float]], y: Sequence[Any], path: str,
                  grid: int = 80, title: str = "", threshold: float = 0.0) -> None:
    """The model's decision regions on a grid around the data, with the data on top.

        >>> from nn import MLP, moons
        >>> X, y = moons(50, seed=0); plot_boundary(MLP(2, [8, 1], seed=0), X, y, "boundary.png")

    One output: class 1 where the output exceeds ``threshold`` (0: a score or a
    logit; use 0.5 for a network trained with mse on {0, 1}); several: the argmax.
    The grid is evaluated with ``model.forward_floats`` (no graph is built).
    """
    path = fs_path(path, what="plot's path")
    _check_points(model, X, y)
    plt = _pyplot()
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    pad = 0.25
    x0, x1 = min(xs) - pad, max(xs) + pad
    y0, y1 = min(ys) - pad, max(ys) + pad
    grid = max(2, int(grid))
    gx = [x0 + (x1 - x0) * i / (grid - 1) for i in range(grid)]
    gy = [y0 + (y1 - y0) * j / (grid - 1) for j in range(grid)]
    signed = all(t in (-1, 1) for t in y)
    zz = []
    for b in gy:
        row = []
        for a in gx:
            out = model.forward_floats([a, b])
            if isinstance(out, list):
                row.append(max(range(len(out)), key=out.__getitem__))
            else:
                row.append(1 if out > threshold else 0)
        zz.append(row)
    classes = sorted(set(y))
    index = {c: k for k, c in enumerate(classes)}
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    k = max(len(classes), 2)
    cmap = "coolwarm" if k == 2 else "viridis"
    ax.contourf(gx, gy, zz, levels=[c - 0.5 for c in range(k + 1)], cmap=cmap, alpha=0.35,
                vmin=-0.5, vmax=k - 0.5)
    colors = [index[t] if not signed else (1 if t > 0 else 0) for t in y]
    ax.scatter(xs, ys, c=colors, s=14, edgecolors="k", linewidths=0.4, cmap=cmap,
               vmin=-0.5, vmax=k - 0.5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if title:
        ax.set_title(title)
    _save(plt, fig, path)
