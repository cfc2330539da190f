"""Building the documents' networks from scalar Values, and reading them back as numpy.

The engine only knows scalars. These helpers turn numpy arrays into nested lists
of ``Value`` (vectors as lists, matrices as lists of rows), multiply them with
``autograd.dot`` (one n-ary node per row), and read ``.data`` / ``.grad`` back
into numpy arrays so that a test can compare the engine with a formula written
in numpy. The numpy side of every test is the *oracle*: it never calls the
engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

import autograd
from autograd import Value

# -- numpy <-> Values ---------------------------------------------------------------------


def vec(a: np.ndarray, label: str = "") -> list[Value]:
    """A 1-d array (or a column/row vector) as a list of leaf Values."""
    flat = np.asarray(a, dtype=float).reshape(-1)
    return [Value(float(v), label=f"{label}{i}" if label else "") for i, v in enumerate(flat)]


def mat(a: np.ndarray, label: str = "") -> list[list[Value]]:
    """A 2-d array as a list of rows of leaf Values (row i, column j = a[i, j])."""
    a = np.asarray(a, dtype=float)
    assert a.ndim == 2, a.shape
    return [
        [
            Value(float(a[i, j]), label=f"{label}[{i},{j}]" if label else "")
            for j in range(a.shape[1])
        ]
        for i in range(a.shape[0])
    ]


def data(vs) -> np.ndarray:
    """``.data`` of a Value, a list of them or a list of rows, as an array."""
    if isinstance(vs, Value):
        return np.array(vs.data)
    if _is_matrix(vs):
        return np.array([[v.data for v in row] for row in vs])
    return np.array([v.data for v in vs])


def grads(vs) -> np.ndarray:
    """``.grad`` of a Value, a list of them or a list of rows, as an array."""
    if isinstance(vs, Value):
        return np.array(vs.grad)
    if _is_matrix(vs):
        return np.array([[v.grad for v in row] for row in vs])
    return np.array([v.grad for v in vs])


def _is_matrix(vs) -> bool:
    return len(vs) > 0 and isinstance(vs[0], (list, tuple))


def col(a: np.ndarray) -> np.ndarray:
    """A vector as an (n, 1) column, the documents' convention."""
    return np.asarray(a, dtype=float).reshape(-1, 1)


# -- linear algebra on Values -------------------------------------------------------------


def matvec(W: Sequence[Sequence], x: Sequence) -> list[Value]:
    """W x, one ``autograd.dot`` node per row (the local derivative wrt W[i][j] is x[j])."""
    return [autograd.dot(row, x) for row in W]


def vecmat(x: Sequence, W: Sequence[Sequence]) -> list[Value]:
    """x W for a row vector x (document 001's convention): column j is dot(x, W[:, j])."""
    return [autograd.dot(x, [row[j] for row in W]) for j in range(len(W[0]))]


def add(u: Sequence, v: Sequence) -> list[Value]:
    return [a + b for a, b in zip(u, v, strict=True)]


def inner(u: Sequence, v: Sequence) -> Value:
    """uᵀv as one dot node."""
    return autograd.dot(list(u), list(v))


def half_sq(out: Sequence[Value], y: np.ndarray) -> Value:
    """½ (out − y)ᵀ(out − y), the documents' mean-squared cost for one example."""
    y = np.asarray(y, dtype=float).reshape(-1)
    return 0.5 * autograd.sum([(o - float(t)) ** 2 for o, t in zip(out, y, strict=True)])


def softmax_values(theta: Sequence[Value]) -> list[Value]:
    """softmax on Values, shifted by the (constant) max for stability."""
    shift = max(t.data for t in theta)
    es = [(t - shift).exp() for t in theta]
    total = autograd.sum(es)
    return [e / total for e in es]


# -- activations: a Value version and a numpy version with its derivative -----------------


@dataclass(frozen=True)
class Act:
    name: str
    value: Callable[[Value], Value]
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]

    def on(self, vs: Sequence[Value]) -> list[Value]:
        return [self.value(v) for v in vs]


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


ACTS: dict[str, Act] = {
    "identity": Act("identity", lambda v: v, lambda z: z, np.ones_like),
    "tanh": Act("tanh", Value.tanh, np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "sigmoid": Act("sigmoid", Value.sigmoid, _sig, lambda z: _sig(z) * (1.0 - _sig(z))),
    "relu": Act("relu", Value.relu, lambda z: np.maximum(z, 0.0), lambda z: (z > 0) * 1.0),
    # a non-saturating, non-odd activation, to vary the shapes of σ'
    "exp": Act("exp", Value.exp, np.exp, np.exp),
}


def act(name: str) -> Act:
    return ACTS[name]


# -- random problems -----------------------------------------------------------------------


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def away_from_zero(r: np.random.Generator, shape, low: float = 0.2, high: float = 1.5):
    """Random numbers with |v| in [low, high] and random signs: no accidental zeros."""
    return r.uniform(low, high, size=shape) * r.choice([-1.0, 1.0], size=shape)


def assert_close(actual, expected, rtol: float = 1e-9, atol: float = 1e-10, what: str = ""):
    """np.testing.assert_allclose with the shapes checked first (a transposed answer fails)."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def not_close(a, b, rtol: float = 1e-6) -> bool:
    """True when two arrays differ in shape or (clearly) in value."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return True
    return not np.allclose(a, b, rtol=rtol, atol=1e-9)
