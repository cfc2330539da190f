"""Neuron, Layer and MLP: document 003's p = w·q + b, q' = σ(p), layer after layer.

    >>> from nn import MLP
    >>> model = MLP(2, [16, 16, 1], seed=0)        # relu, relu, linear output
    >>> score = model([0.5, -1.0]); score.backward()

A neuron's pre-activation is ONE ``autograd.dot`` node with the bias in it,
``p = dot(w, q, b) = w·q + b``, and its output is ``q' = σ(p)`` (no node at all
for ``identity``: ``q' = p``). So the local derivative of p with respect to wᵢ is
qᵢ (the forward chain), with respect to qᵢ is wᵢ (one link of the backward
chain) and with respect to b is 1: the documents' δ = dC/dp is b's gradient.

Names and labels. Parameters are named ``layers.{l}.neurons.{j}.w.{k}`` and
``layers.{l}.neurons.{j}.b`` (l, j, k from 0); in graphs they carry the labels
``w{L}_{j}_{k}`` and ``b{L}_{j}`` with L = l + 1 the document's layer number.
``MLP.trace`` labels the pre-activations ``p{L}_{j}`` and activations ``q{L}_{j}``
(L = 0 is the input).

Initialisation (seeded: ``seed=`` an int or ``rng=`` a ``random.Random``; with
neither, the global ``random`` module is used, as micrograd does). Biases start
at 0. With ``init="auto"`` (the default) weights are uniform on [-s, s] with
s = √(6 / nin) for relu (He: variance 2/nin) and s = √(3 / nin) for tanh,
sigmoid and identity (LeCun: variance 1/nin), so activations keep their scale
through depth. ``init="micrograd"`` gives micrograd's uniform(-1, 1); a number
gives uniform(-init, init).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autograd import OPS, Value, dot

from .module import Module, iter_named

__all__ = [
    "ACTIVATIONS",
    "Layer",
    "MLP",
    "Neuron",
    "Trace",
    "activate",
    "activate_float",
    "check_activation",
    "init_scale",
]

ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "identity")
"""The activation names every layer accepts."""

_ON_VALUE = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid}
_ON_FLOAT = {name: OPS[name].forward for name in _ON_VALUE}


def check_activation(name: Any) -> str:
    """``name`` if it is a known activation (None means identity), else ValueError.

        >>> check_activation('tanh'), check_activation(None)
        ('tanh', 'identity')
    """
    if name is None:
        return "identity"
    if isinstance(name, str) and name in ACTIVATIONS:
        return name
    raise ValueError(
        f"unknown activation {name!r}; known activations: {', '.join(ACTIVATIONS)}"
    )


def activate(name: str, v: Value) -> Value:
    """σ(v) for an activation name, one node (``identity`` returns v itself).

        >>> activate('identity', v) is v
        True
    """
    f = _ON_VALUE.get(name)
    return v if f is None else f(v)


def activate_float(name: str, x: float) -> float:
    """σ(x) on a plain float, read off the engine's primitive table.

        >>> activate_float('relu', -2.0), activate_float('identity', -2.0)
        (0.0, -2.0)
    """
    f = _ON_FLOAT.get(name)
    return x if f is None else f(x)


def _rng(seed: int | None, rng: random.Random | None) -> Any:
    if rng is not None and seed is not None:
        raise ValueError("give seed or rng, not both")
    if rng is not None:
        if not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
        return rng
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
        return random.Random(seed)
    return random  # the global generator, as micrograd uses


def init_scale(nin: int, activation: str, init: str | float = "auto") -> float:
    """The half-width s of the uniform(-s, s) weight initialisation (see module doc).

        >>> init_scale(6, 'relu'), init_scale(3, 'tanh'), init_scale(5, 'relu', 'micrograd')
        (1.0, 1.0, 1.0)
    """
    if init == "auto":
        return math.sqrt((6.0 if activation == "relu" else 3.0) / nin)
    if init == "micrograd":
        return 1.0
    if isinstance(init, (int, float)) and not isinstance(init, bool) and init >= 0:
        return float(init)
    raise ValueError(f"init must be 'auto', 'micrograd' or a nonnegative number, got {init!r}")


def _positive_int(x: Any, what: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"{what} must be an int, got {type(x).__name__} {x!r}")
    if x < 1:
        raise ValueError(f"{what} must be at least 1, got {x}")
    return x


def _inputs(x: Any, nin: int, who: str) -> list:
    """x as a list of nin numbers or Values."""
    if isinstance(x, (int, float, Value)) and not isinstance(x, bool):
        x = [x]
    try:
        x = list(x)
    except TypeError:
        raise TypeError(f"{who} expects {nin} inputs, got {type(x).__name__} {x!r}") from None
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")
    return x


def _input_leaf(x: Any, k: int) -> Value:
    """Input k as a leaf Value labelled as trace() labels it, or an error naming it."""
    try:
        return Value(x, label=f"p0_{k}")
    except (TypeError, ValueError, OverflowError) as error:
        raise type(error)(f"MLP: input {k} ({x!r}) is not usable: {error}") from None


class Neuron(Module):
    """One neuron: ``p = dot(w, x, b) = w·x + b``, one node, output ``σ(p)``.

        >>> n = Neuron(2, activation='tanh', seed=0)
        >>> y = n([1.0, -2.0]); y.op, y.parents[0].op
        ('tanh', 'dot')

    ``nonlin=False`` (micrograd's switch) means the identity activation.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        activation: str = "relu",
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
        init: str | float = "auto",
        label: str = "",
    ) -> None:
        nin = _positive_int(nin, "Neuron nin")
        self.activation = check_activation(activation) if nonlin else "identity"
        gen = _rng(seed, rng)
        s = init_scale(nin, self.activation, init)
        tag = label
        self.w = [
            Value(gen.uniform(-s, s), label=f"w{tag}_{k}" if tag else f"w{k}") for k in range(nin)
        ]
        self.b = Value(0.0, label=f"b{tag}" if tag else "b")

    @property
    def nin(self) -> int:
        return len(self.w)

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is identity."""
        return self.activation != "identity"

    def __call__(self, x: Sequence[Any]) -> Value:
        x = _inputs(x, len(self.w), "Neuron")
        p = dot(self.w, x, self.b)
        f = _ON_VALUE.get(self.activation)
        return p if f is None else f(p)

    def forward_floats(self, x: Sequence[float]) -> float:
        """The neuron on plain floats (no graph): for plotting and prediction.

            >>> n = Neuron(2, seed=0); n.forward_floats([1.0, 2.0]) == n([1.0, 2.0]).data
            True
        """
        # the same sum, in the same order, as the engine's dot: results agree to the bit
        p = sum([w.data * xi for w, xi in zip(self.w, x)]) + self.b.data
        return activate_float(self.activation, p)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{k}", w) for k, w in enumerate(self.w)] + [("b", self.b)]

    def architecture(self) -> dict[str, Any]:
        return {"nin": len(self.w), "activation": self.activation}

    @classmethod
    def from_architecture(cls, architecture: dict[str, Any]) -> Neuron:
        return cls(architecture["nin"], activation=architecture["activation"], seed=0)

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same inputs.

        >>> layer = Layer(3, 2, activation='sigmoid', seed=0); len(layer.neurons)
        2

    Calling it returns a list of Values, or one Value when ``nout == 1`` (as micrograd).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
        label: str = "",
        **kw: Any,
    ) -> None:
        nin = _positive_int(nin, "Layer nin")
        nout = _positive_int(nout, "Layer nout")
        gen = _rng(seed, rng)
        self.neurons = [
            Neuron(nin, rng=gen if isinstance(gen, random.Random) else None,
                   label=f"{label}_{j}" if label else f"{j}", **kw)
            for j in range(nout)
        ]

    @property
    def nin(self) -> int:
        return len(self.neurons[0].w)

    @property
    def nout(self) -> int:
        return len(self.neurons)

    @property
    def activation(self) -> str:
        return self.neurons[0].activation

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """The layer's outputs as a list, whatever their number.

            >>> len(Layer(3, 1, seed=0).forward([1.0, 2.0, 3.0]))
            1
        """
        x = _inputs(x, self.nin, "Layer")
        return [n(x) for n in self.neurons]

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def forward_floats(self, x: Sequence[float]) -> list[float]:
        return [n.forward_floats(x) for n in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [item for j, n in enumerate(self.neurons) for item in iter_named(f"neurons.{j}", n)]

    def architecture(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @classmethod
    def from_architecture(cls, architecture: dict[str, Any]) -> Layer:
        return cls(
            architecture["nin"], architecture["nout"], activation=architecture["activation"],
            seed=0,
        )

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


@dataclass
class Trace:
    """One forward pass in document 003's indexing (i = 0 is the input).

    ``p[i][j]`` is node j's pre-activation in layer i, ``q[i][j] = σᵢ(p[i][j])``
    (the same Value when σᵢ is the identity); ``p[0]`` are the inputs as Values.
    After ``backward()`` on a cost built from ``output``, ``p[i][j].grad`` is δ.

        >>> t = MLP(2, [3, 1], seed=0).trace([1.0, 2.0]); t.output.backward()
        >>> t.deltas()[-1]
        [1.0]
    """

    output: Value | list[Value]
    p: list[list[Value]]
    q: list[list[Value]]

    def deltas(self) -> list[list[float]]:
        """``p[i][j].grad`` for every layer: the backward chains' δ.

            >>> t = model.trace(x); mse(t.output, y).backward(); t.deltas()[1]
        """
        return [[v.grad for v in layer] for layer in self.p]

    @property
    def depth(self) -> int:
        """L, the number of layers (p and q have L + 1 entries)."""
        return len(self.p) - 1


class MLP(Module):
    """A multilayer perceptron: layers of neurons, each layer reading the previous one.

        >>> model = MLP(2, [16, 16, 1], seed=0)                # relu, relu, identity
        >>> model = MLP(1, [1, 1, 1], activation=['tanh', 'tanh', 'sigmoid'],
        ...             input_activation='tanh', seed=0)        # document 003, section II

    ``activation`` is one name for every hidden layer (the last layer then uses
    ``output_activation``, identity when None) or a list with one entry per
    layer, the last included (σ₁..σ_L). ``input_activation`` is σ₀, applied to the
    inputs. ``model(x)`` returns a Value when the last layer has one neuron, else a list.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Sequence[str] = "relu",
        output_activation: str | None = None,
        input_activation: str | None = None,
        seed: int | None = None,
        *,
        rng: random.Random | None = None,
        init: str | float = "auto",
    ) -> None:
        nin = _positive_int(nin, "MLP nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(f"MLP nouts must be a list of ints, got {type(nouts).__name__}")
        nouts = [_positive_int(n, "MLP layer size") for n in nouts]
        if not nouts:
            raise ValueError("MLP needs at least one layer (nouts is empty)")
        if not isinstance(activation, (list, tuple)):
            acts = [check_activation(activation)] * (len(nouts) - 1)
            acts.append(check_activation(output_activation))
        else:
            acts = [check_activation(a) for a in activation]
            if len(acts) != len(nouts):
                raise ValueError(
                    f"activation list has {len(acts)} entries but the MLP has {len(nouts)} "
                    "layers: give one per layer, the last layer included"
                )
            if output_activation is not None and check_activation(output_activation) != acts[-1]:
                raise ValueError(
                    "output_activation conflicts with the last entry of the activation list"
                )
        self.input_activation = check_activation(input_activation)
        self.activations = acts
        gen = _rng(seed, rng)
        sizes = [nin] + nouts
        self.layers = [
            Layer(
                sizes[i], sizes[i + 1], activation=acts[i], init=init, label=str(i + 1),
                rng=gen if isinstance(gen, random.Random) else None,
            )
            for i in range(len(nouts))
        ]

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nouts(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    def _first(self, x: Any) -> list:
        # Plain numbers become leaf Values, as in trace(): the graph is the same
        # either way, d(out)/dx is there to read, and every dot takes the fast
        # all-Values path (cheaper than folding numbers into each first-layer node).
        x = [xi if isinstance(xi, Value) else _input_leaf(xi, k)
             for k, xi in enumerate(_inputs(x, self.nin, "MLP"))]
        f = _ON_VALUE.get(self.input_activation)
        return x if f is None else [f(xi) for xi in x]

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        q = tuple(self._first(x))
        for layer in self.layers:  # the hot loop: Neuron.__call__ inlined, no checks
            f = _ON_VALUE.get(layer.activation)
            if f is None:
                q = tuple([dot(n.w, q, n.b) for n in layer.neurons])
            else:
                q = tuple([f(dot(n.w, q, n.b)) for n in layer.neurons])
        return q[0] if len(q) == 1 else list(q)

    def forward_floats(self, x: Sequence[float]) -> float | list[float]:
        """The network on plain floats, building no graph (fast: plots, predictions).

            >>> m = MLP(2, [3, 1], seed=0); m.forward_floats([1.0, 2.0]) == m([1.0, 2.0]).data
            True
        """
        q = [activate_float(self.input_activation, float(xi)) for xi in _inputs(x, self.nin, "MLP")]
        for layer in self.layers:
            q = layer.forward_floats(q)
        return q[0] if len(q) == 1 else q

    def trace(self, x: Sequence[Any]) -> Trace:
        """A forward pass keeping every p and q, labelled ``p{i}_{j}`` and ``q{i}_{j}``.

            >>> t = MLP(2, [3, 1], seed=0).trace([1.0, 2.0])
            >>> [len(l) for l in t.p], t.p[1][0].label
            ([2, 3, 1], 'p1_0')
        """
        x = _inputs(x, self.nin, "MLP")
        p0 = []
        for k, xi in enumerate(x):
            v = xi if isinstance(xi, Value) else _input_leaf(xi, k)
            if not v.label:
                v.label = f"p0_{k}"
            p0.append(v)
        ps, qs = [p0], [self._act_labelled(self.input_activation, p0, 0)]
        for i, layer in enumerate(self.layers, start=1):
            p = []
            for j, n in enumerate(layer.neurons):
                v = dot(n.w, qs[-1], n.b)
                v.label = f"p{i}_{j}"
                p.append(v)
            ps.append(p)
            qs.append(self._act_labelled(layer.activation, p, i))
        out = qs[-1]
        return Trace(out[0] if len(out) == 1 else out, ps, qs)

    @staticmethod
    def _act_labelled(name: str, p: list[Value], i: int) -> list[Value]:
        f = _ON_VALUE.get(name)
        if f is None:
            return list(p)  # q = p: no node for the identity
        q = [f(v) for v in p]
        for j, v in enumerate(q):
            v.label = f"q{i}_{j}"
        return q

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            item for i, layer in enumerate(self.layers) for item in iter_named(f"layers.{i}", layer)
        ]

    def architecture(self) -> dict[str, Any]:
        """Sizes and activations: all ``MLP.load`` needs besides the weights.

            >>> MLP(2, [3, 1], seed=0).architecture()['activations']
            ['relu', 'identity']
        """
        return {
            "nin": self.nin,
            "nouts": self.nouts,
            "activations": list(self.activations),
            "input_activation": self.input_activation,
        }

    @classmethod
    def from_architecture(cls, architecture: dict[str, Any]) -> MLP:
        unknown = set(architecture) - {"nin", "nouts", "activations", "input_activation"}
        if unknown:
            raise ValueError(f"unknown architecture field(s) {sorted(unknown)}")
        return cls(
            architecture["nin"],
            architecture["nouts"],
            activation=architecture["activations"],
            input_activation=architecture.get("input_activation"),
            seed=0,
        )

    @classmethod
    def load(cls, path: Any) -> MLP:  # narrows the return type for readers and checkers
        """Rebuild an MLP saved with ``model.save(path)``; errors name the file and problem.

            >>> model.save('model.json'); again = MLP.load('model.json')
        """
        model = super().load(path)
        assert isinstance(model, MLP)
        return model

    def to_torch(self) -> Any:
        """This MLP as a ``torch.nn.Sequential`` in float64 (see ``nn.bridge``).

            >>> net = MLP(2, [3, 1], seed=0).to_torch()    # Linear, ReLU, Linear
        """
        from .bridge import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """An MLP from a ``torch.nn.Sequential`` of Linear and activations (see ``nn.bridge``).

            >>> MLP.from_torch(MLP(2, [3, 1], seed=0).to_torch())
            MLP(2 -> 3 relu -> 1 identity)
        """
        from .bridge import _from_torch

        return _from_torch(module, cls, stacklevel=3)

    def __repr__(self) -> str:
        parts = [str(self.nin)]
        if self.input_activation != "identity":
            parts[0] += f" {self.input_activation}"
        parts += [f"{layer.nout} {layer.activation}" for layer in self.layers]
        return f"MLP({' -> '.join(parts)})"
