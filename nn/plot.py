"""Plots of a training run, with matplotlib on the Agg backend (imported only here, lazily).

    >>> from nn import MLP, fit, moons
    >>> X, y = moons(50, seed=0); model = MLP(2, [8, 1], seed=0)
    >>> history = fit(model, X, y, loss="hinge", epochs=5, verbose=False)
    >>> plot_history(history, "loss.png"); plot_boundary(model, X, y, "boundary.png")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def plot_boundary(model: MLP, X: Sequence[Sequence[float]], y: Sequence[Any], path: str,
                  grid: int = 80, title: str = "", threshold: float = 0.0) -> None:
    """The model's decision regions on a grid around the data, with the data on top.

        >>> from nn import MLP, moons
        >>> X, y = moons(50, seed=0); plot_boundary(MLP(2, [8, 1], seed=0), X, y, "boundary.png")

    One output: class 1 where the output exceeds ``threshold`` (0: a score or a
    logit; use 0.5 for a network trained with mse on {0, 1}); several: the argmax.
    The grid is evaluated with ``model.forward_floats`` (no graph is built).
    """
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
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
