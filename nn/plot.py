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

from ._checks import install_command
from .layers import MLP

__all__ = ["plot_boundary", "plot_history"]  # plotting_problem: for chaingrad train

PLOT_EXTRA = "chaingrad[plot]"
"""The extra that brings matplotlib, which the PNG plots need (nothing else does)."""


def plotting_problem() -> str | None:
    """Why the PNG plots cannot be drawn here (matplotlib missing or broken), or None.

        >>> plotting_problem() is None   # the tests run with matplotlib installed
        True

    ``chaingrad train`` asks before any work, so that it knows which files it will write.
    """
    try:
        import matplotlib  # noqa: F401 - the import is the test (pyplot waits for a plot)
    except ImportError as error:
        found = "is not installed" if error.name == "matplotlib" else f"does not import ({error})"
        return f"matplotlib {found}; add the plot extra with {install_command(PLOT_EXTRA)}"
    return None

# One table of class styles, read by these plots and by training.html (nn/training_page.py
# hands it to the page), so a class has the same colour and marker in both.
# matplotlib's tab10 colours; markers are matplotlib's letters, drawn by the page too.
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
CLASS_MARKERS = ("o", "^", "s", "D", "v")
CURVE_COLOURS = {"loss": "#1f77b4", "accuracy": "#ff7f0e"}
REGION_ALPHA = 0.25
"""How strongly a class's region is tinted with its colour (1 = the colour itself)."""


def class_index(y: Sequence[Any], nout: int = 1) -> tuple[list[Any], list[int]]:
    """(the classes, each sample's class index), numbered as both pictures number them.

        >>> class_index([1, -1, 1]), class_index([2, 0], nout=3)
        (([-1, 1], [1, 0, 1]), ([0, 1, 2], [2, 0]))

    Several outputs: class k is output k (a list target's class is its largest
    entry). One output: the classes sorted (by value, else by text), so the
    higher of two labels is class 1, the side where the output passes the threshold.
    """
    if y and all(isinstance(t, (list, tuple)) for t in y):
        width = max(len(t) for t in y)
        return list(range(width)), [max(range(len(t)), key=list(t).__getitem__) for t in y]
    if nout > 1 and all(isinstance(t, int) and 0 <= t < nout for t in y):
        return list(range(nout)), [int(t) for t in y]
    labels = set(y)
    try:
        classes = sorted(labels)
    except TypeError:  # labels of mixed kinds
        classes = sorted(labels, key=str)
    index = {c: k for k, c in enumerate(classes)}
    return classes, [index[t] for t in y]


def class_style(k: int) -> tuple[str, str]:
    """(colour, marker) of the k-th class (classes sorted; -1 before +1).

        >>> class_style(0), class_style(1), class_style(11)
        (('#1f77b4', 'o'), ('#ff7f0e', '^'), ('#ff7f0e', 's'))

    Past ten classes the colours repeat with the markers shifted, so the first 50
    classes are 50 different pairs.
    """
    colours, markers = len(CLASS_COLOURS), len(CLASS_MARKERS)
    return CLASS_COLOURS[k % colours], CLASS_MARKERS[(k + k // colours) % markers]


def _pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, imported only when a plot is drawn."""
    try:
        import matplotlib
    except ImportError as error:
        raise ModuleNotFoundError(
            f"plotting needs matplotlib ({error}): {install_command(PLOT_EXTRA)}",
            name="matplotlib",
        ) from error
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
    ax.plot(epochs, history["loss"], color=CURVE_COLOURS["loss"], label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color=CURVE_COLOURS["loss"])
    accs = history.get("accuracy") or []
    if accs and all(a is not None for a in accs):
        ax2 = ax.twinx()
        ax2.plot(epochs, accs, color=CURVE_COLOURS["accuracy"], label="accuracy")
        ax2.set_ylabel("accuracy", color=CURVE_COLOURS["accuracy"])
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
    nout = len(out) if isinstance(out, list) else 1
    classes, index = class_index(y, nout)
    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    _regions(ax, gx, gy, zz, max(len(classes), 2))
    for k, c in enumerate(classes):
        colour, marker = class_style(k)
        mine = [i for i, c_i in enumerate(index) if c_i == k]
        ax.scatter([xs[i] for i in mine], [ys[i] for i in mine], s=18, c=colour, marker=marker,
                   edgecolors="k", linewidths=0.4, label=f"class {c}")
    ax.legend(loc="best", fontsize=8, framealpha=0.8)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if title:
        ax.set_title(title)
    _save(plt, fig, path)


def _regions(ax: Any, gx: list, gy: list, zz: list, k: int) -> None:
    """Each class's region tinted with its colour (as training.html tints it)."""
    from matplotlib.colors import ListedColormap, to_rgb

    tints = [tuple(1 - REGION_ALPHA * (1 - v) for v in to_rgb(class_style(c)[0]))
             for c in range(k)]
    ax.contourf(gx, gy, zz, levels=[c - 0.5 for c in range(k + 1)], cmap=ListedColormap(tints),
                vmin=-0.5, vmax=k - 0.5)
