"""Toy data sets made in code (no downloads), as plain lists.

    >>> X, y = moons(n=100, noise=0.1, seed=0)
    >>> len(X), X[0], sorted(set(y))            # [[x1, x2], ...], labels
    (100, [...], [-1, 1])

Every function returns ``(X, y)``: X a list of ``[x1, x2]`` float lists, y a list
of int labels, n points in all, shuffled, the same for the same seed
(``seed=None`` draws fresh ones). n is at most 10⁶ (a scalar engine trains on
hundreds); every argument is checked before anything is made, and a point that
would not be finite (a noise of 1e308) is refused, never returned.

Label convention: the binary sets (moons, circles, xor) give y in {−1, +1} by
default, as micrograd's demo and the hinge loss use; pass ``labels="index"`` for
{0, 1}. spiral gives class indices 0..classes−1 (for cross_entropy); with
``classes=2`` it also accepts ``labels="signed"`` for {−1, +1}. ``to_index`` and
``to_signed`` convert between the two conventions.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterable
from typing import Any

from . import _checks
from ._checks import install_command

__all__ = [
    "DATASETS",
    "DIGITS_SPLITS",
    "LABELS",
    "circles",
    "digits",
    "moons",
    "spiral",
    "to_index",
    "to_signed",
    "xor",
]

LABELS = ("signed", "index")

Dataset = tuple[list[list[float]], list[int]]


_MAX_POINTS = 10**6


def _check(n: int, noise: float, labels: str, classes: int = 2, *, who: str = "data set",
           seed: Any = None) -> tuple[int, float]:
    """(n, noise) checked, with labels and seed; errors name the function and argument."""
    n = _checks.integer(n, f"{who}: n", 1, _MAX_POINTS)
    noise = _checks.finite(noise, f"{who}: noise", 0.0)
    _checks.choice(labels, LABELS, f"{who}: labels")
    if labels == "signed" and classes != 2:
        raise ValueError(f"{who}: labels='signed' needs 2 classes, got {_checks.show(classes)}")
    _checks.seed(seed, f"{who}: seed")
    return n, noise


def _finish(points: list[tuple[float, float, int]], noise: float, labels: str,
            rng: random.Random, who: str = "data set") -> Dataset:
    rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] if noise else [x, y]
         for x, y, _ in points]
    if noise and not all(math.isfinite(a) and math.isfinite(b) for a, b in X):
        raise ValueError(f"{who}: noise {noise!r} is too large: a point would not be a "
                         "finite float")
    ys = [c for _, _, c in points]
    if labels == "signed":
        ys = to_signed(ys)
    return X, ys


def _linspace(a: float, b: float, k: int, endpoint: bool = True) -> list[float]:
    if k == 1:
        return [a]
    d = (b - a) / (k - 1 if endpoint else k)
    return [a + i * d for i in range(k)]


def moons(n: int = 100, noise: float = 0.1, seed: int | None = 0,
          labels: str = "signed") -> Dataset:
    """Two interleaving half circles (as scikit-learn's make_moons); upper moon is −1 (or 0).

        >>> X, y = moons(200, noise=0.1, seed=1); len(X)
        200
    """
    n, noise = _check(n, noise, labels, who="moons", seed=seed)
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    pts = [(math.cos(t), math.sin(t), 0) for t in _linspace(0.0, math.pi, n_out)]
    pts += [(1.0 - math.cos(t), 0.5 - math.sin(t), 1) for t in _linspace(0.0, math.pi, n_in)]
    return _finish(pts, noise, labels, rng, "moons")


def circles(n: int = 100, noise: float = 0.05, seed: int | None = 0, factor: float = 0.5,
            labels: str = "signed") -> Dataset:
    """A circle of radius ``factor`` inside one of radius 1; outer is −1 (or 0), inner +1 (1).

        >>> X, y = circles(100, noise=0.05, seed=0); max(abs(a) for a, _ in X) < 1.5
        True
    """
    n, noise = _check(n, noise, labels, who="circles", seed=seed)
    factor = _checks.finite(factor, "circles: factor", 0.0, 1.0, open_low=True, open_high=True)
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    pts = [(math.cos(t), math.sin(t), 0)
           for t in _linspace(0.0, 2 * math.pi, n_out, endpoint=False)]
    pts += [(factor * math.cos(t), factor * math.sin(t), 1)
            for t in _linspace(0.0, 2 * math.pi, n_in, endpoint=False)]
    return _finish(pts, noise, labels, rng, "circles")


def xor(n: int = 100, noise: float = 0.05, seed: int | None = 0,
        labels: str = "signed") -> Dataset:
    """Points uniform on [−1, 1]², +1 (1) where x1·x2 > 0, else −1 (0); noise moves points.

        >>> X, y = xor(100, seed=0); sum(1 for c in y if c == 1) > 30
        True

    Points closer than 0.05 to an axis are redrawn, so with no noise the classes
    are separated by a small gap.
    """
    n, noise = _check(n, noise, labels, who="xor", seed=seed)
    rng = random.Random(seed)
    pts = []
    while len(pts) < n:
        a, b = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        if abs(a) < 0.05 or abs(b) < 0.05:
            continue
        pts.append((a, b, 1 if a * b > 0 else 0))
    return _finish(pts, noise, labels, rng, "xor")


def spiral(n: int = 150, noise: float = 0.2, seed: int | None = 0, classes: int = 3,
           labels: str = "index", turns: float = 0.65) -> Dataset:
    """``classes`` interleaved spiral arms (as in CS231n); labels are arm indices.

        >>> X, y = spiral(90, classes=3, seed=0); sorted(set(y))
        [0, 1, 2]

    Arm c has radius r from 0 to 1 and angle θ = 2π·turns·r + 2πc/classes plus
    Gaussian noise of standard deviation ``noise`` (radians) on θ.
    """
    n, noise = _check(n, noise, labels, _checks.integer(classes, "spiral: classes", 2),
                      who="spiral", seed=seed)
    if classes > n:
        raise ValueError(f"spiral: classes ({_checks.show(classes)}) must be at most n ({n}): "
                         "every class needs a point")
    # θ must stay finite: 2π·turns is, and gauss noise of a finite σ mostly is (checked below)
    turns = _checks.finite(turns, "spiral: turns", -1e300, 1e300)
    rng = random.Random(seed)
    pts = []
    for c in range(classes):
        k = n // classes + (1 if c < n % classes else 0)
        for r in _linspace(0.0, 1.0, k):
            theta = 2 * math.pi * (turns * r + c / classes) + rng.gauss(0.0, noise)
            if not math.isfinite(theta):
                raise ValueError(f"spiral: noise {noise!r} is too large: an angle would "
                                 "not be a finite float")
            pts.append((r * math.cos(theta), r * math.sin(theta), c))
    rng.shuffle(pts)
    X = [[x, y] for x, y, _ in pts]
    ys = [c for _, _, c in pts]
    if labels == "signed":
        ys = to_signed(ys)
    return X, ys


def _binary_labels(y: Any, who: str) -> list[int]:
    """y as a list of ints, each one of −1, 0, 1 (ints, integral floats, numpy scalars)."""
    if isinstance(y, (str, bytes)) or not isinstance(y, Iterable):
        raise _checks.ArgumentTypeError(f"{who}: expected a list of labels, got "
                                        f"{type(y).__name__} {_checks.show(y)}")
    out = []
    for i, c in enumerate(y):
        if isinstance(c, bool) or not isinstance(c, (int, float)) and not hasattr(c, "__index__"):
            raise _checks.ArgumentTypeError(
                f"{who}: label {i} must be a number, got {type(c).__name__} {_checks.show(c)}"
            )
        if c not in (-1, 0, 1):
            raise ValueError(f"{who}: label {i} is {_checks.show(c)}; binary labels are "
                             "0/1 or -1/+1")
        out.append(int(c))
    return out


def to_signed(y: list[int]) -> list[int]:
    """{0, 1} labels as {−1, +1} (−1 stays −1, so signed labels pass unchanged).

        >>> to_signed([0, 1, 1])
        [-1, 1, 1]

    Any other label (2, 0.5, nan, a str, a bool) is refused, never mapped.
    """
    return [1 if c == 1 else -1 for c in _binary_labels(y, "to_signed")]


def to_index(y: list[int]) -> list[int]:
    """{−1, +1} labels as {0, 1} (0 stays 0, so index labels pass unchanged).

        >>> to_index([-1, 1, 1])
        [0, 1, 1]
    """
    return [1 if c == 1 else 0 for c in _binary_labels(y, "to_index")]


DATASETS = {"moons": moons, "circles": circles, "xor": xor, "spiral": spiral}
"""Every data set by name (the CLI's --dataset choices)."""


# -- a real data set: scikit-learn's bundled handwritten digits ------------------------

DIGITS_SPLITS = ("train", "test", "all")


@functools.lru_cache(maxsize=1)
def _digits_raw() -> tuple[tuple[tuple[float, ...], ...], tuple[int, ...]]:
    """The 1,797 images (pixels scaled to [0, 1]) and labels, read once from scikit-learn."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ModuleNotFoundError(
            "digits needs scikit-learn, which ships the data set inside the package (nothing "
            f"is downloaded), and it does not import ({error}). Install it with: "
            + install_command("chaingrad[digits]"),
            name="sklearn",
        ) from error
    bunch = load_digits()
    # pixels are ink levels 0..16: divided by 16 they lie in [0, 1], the same scale for
    # train and test and nothing learned from either
    X = tuple(tuple(float(v) / 16.0 for v in row) for row in bunch.data.tolist())
    return X, tuple(int(t) for t in bunch.target.tolist())


def _digits_split(y: tuple[int, ...], test_fraction: float, seed: int) -> tuple[list, list]:
    """Stratified: each digit keeps its share in both parts. Returns (train, test) indices."""
    rng = random.Random(seed)
    train, test = [], []
    for c in sorted(set(y)):
        members = [i for i, t in enumerate(y) if t == c]
        rng.shuffle(members)
        k = round(len(members) * test_fraction)
        if k == 0 or k == len(members):
            raise ValueError(f"digits: test_fraction={test_fraction!r} leaves digit {c} "
                             f"({len(members)} images) with no image in one of the two parts")
        test += members[:k]
        train += members[k:]
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def digits(split: str = "train", n: int | None = None, *, test_fraction: float = 0.2,
           seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 handwritten digits: 8x8 images as 64 pixels in [0, 1], labels 0..9.

        >>> X, y = digits("train"); Xt, yt = digits("test")
        >>> len(X), len(Xt), len(X[0]), sorted(set(y)) == list(range(10))
        (1438, 359, 64, True)

    The data comes with scikit-learn (``python -m pip install 'chaingrad[digits]'``); nothing
    is downloaded. ``split`` is "train", "test" or "all"; the split is stratified
    (each digit keeps its share in both parts), shuffled, and the same for the same
    ``seed`` and ``test_fraction``, so train and test never share an image.
    ``n`` keeps the first n samples of the split (a quick run on a subset). Pixels,
    ink levels 0..16, are divided by 16. Labels are class indices, for cross_entropy.
    """
    if split not in DIGITS_SPLITS:
        raise ValueError(f"digits: split must be one of {DIGITS_SPLITS}, got {split!r}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"digits: n must be a positive int or None, got {n!r}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)) \
            or not 0 < test_fraction < 1:
        raise ValueError(f"digits: test_fraction must be a number in (0, 1), got "
                         f"{test_fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"digits: seed must be an int (train and test, asked for in two "
                         f"calls, must come from the same split), got {seed!r}")
    X, y = _digits_raw()
    train, test = _digits_split(y, test_fraction, seed)
    chosen = {"train": train, "test": test, "all": train + test}[split]
    if n is not None:
        if n > len(chosen):
            raise ValueError(f"digits: n={n} but the {split} split has {len(chosen)} images")
        chosen = chosen[:n]
    return [list(X[i]) for i in chosen], [y[i] for i in chosen]
