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
A network's own nodes carry the document's names too, in every forward pass:
neuron j of layer L labels its pre-activation ``p{L}_{j}`` and its activation
``q{L}_{j}`` (one node, named p, for the identity), and the inputs are ``q0_{j}``
(what layer 1 multiplies; with an input activation σ₀ the inputs are ``p0_{j}``
and ``q0_{j}`` = σ₀(p0_j)). So traces, drawings and pages of ``model(x)`` read as
document 003 does; ``MLP.trace`` keeps every p and q in lists.

Activations (``ACTIVATIONS``): relu, tanh, sigmoid, identity, gelu (the exact
erf form), silu, softplus, leaky_relu and elu, each one node of its own op, with
PyTorch's defaults. Two take a number, written in the name:
``activation="leaky_relu(0.2)"`` (the slope, 0.01 when left out) and
``"elu(0.5)"`` (α, 1 when left out). A layer keeps the name in that one
canonical form (``"leaky_relu(0.01)"`` becomes ``"leaky_relu"``), which is what
``repr``, ``architecture()`` and model files show; any finite number is
accepted, and anything else is refused naming the activation and its number.

Initialisation (seeded: ``seed=`` an int or ``rng=`` a ``random.Random``; with
neither, the global ``random`` module is used, as micrograd does). Biases start
at 0. With ``init="auto"`` (the default) weights are uniform on [-s, s] with
s = √(3 / nin) for tanh, sigmoid and identity (LeCun: variance 1/nin), and He's
variance 2/nin, s = √(6 / nin), for relu and the activations shaped like it
(about 0 for p ≪ 0, about p for p ≫ 0), gelu, silu and softplus, so that
activations keep their scale through depth. He's rule is Var w = 1/(nin·E σ(p)²)
for p ~ N(0, 1), and E relu(p)² = ½. Worked out for the others: leaky_relu of
slope a gets 2/((1 + a²)·nin) (as ``torch.nn.init.kaiming_uniform_``), elu of
α gets 1/((½ + 0.1449·α²)·nin), 1.55/nin at α = 1 (through 12 layers of 32 this
keeps p's second moment at 0.8 and δ's at 1.3, where 2/nin gives 5 and 6). gelu
and silu keep 2/nin, as is usual for them: their own values (2.35/nin, 2.81/nin)
hold at unit variance only, and over 12 layers of 32 grow p's second moment to 3
and 19, where 2/nin lets it shrink to 0.2 and 0.03. softplus keeps 2/nin too: its
E σ(p)² = 0.92 is mostly its mean (log 2 at 0), and 1.09/nin would shrink δ's
second moment to 2e-6 over those 12 layers (2/nin: 0.02). ``init="micrograd"``
gives micrograd's uniform(-1, 1); a number gives uniform(-init, init).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

from autograd import OPS, Value, apply, dot

from . import _checks
from .module import MAX_PARAMETERS, Module, iter_named

__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_PARAMETERS",
    "Layer",
    "MLP",
    "MLPTrace",
    "Neuron",
    "activate",
    "activate_float",
    "check_activation",
    "init_scale",
    "split_activation",
]

class _ActivationNames(Sequence):
    """The activation names every layer accepts: identity, then each op whose table entry
    says ``activation=True``, read from the table on every use (an op registered later is
    an activation as soon as its entry says so)."""

    def _names(self) -> tuple[str, ...]:
        return ("identity", *(name for name, prim in OPS.items() if prim.activation))

    def __getitem__(self, i: Any) -> Any:
        return self._names()[i]

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name: object) -> bool:
        prim = OPS.get(name) if isinstance(name, str) else None
        return name == "identity" or (prim is not None and prim.activation)

    def __repr__(self) -> str:
        return repr(self._names())


class _ActivationNumbers(Mapping):
    """For the activations that take a number, its name and default (PyTorch's), read
    from each entry's ``activation_number``."""

    def __getitem__(self, name: str) -> tuple[str, float]:
        prim = OPS.get(name)
        if prim is None or not prim.activation or prim.activation_number is None:
            raise KeyError(name)
        return prim.activation_number

    def __iter__(self) -> Any:
        return (name for name, prim in OPS.items()
                if prim.activation and prim.activation_number is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


ACTIVATIONS: Sequence[str] = _ActivationNames()
"""The activation names every layer accepts (leaky_relu and elu also with a number:
``"leaky_relu(0.2)"``, see ``ACTIVATION_PARAMETERS``)."""

ACTIVATION_PARAMETERS: Mapping[str, tuple[str, float]] = _ActivationNumbers()
"""The activations that take a number: its name and its default (PyTorch's)."""

# He's variance 2/nin for these (leaky_relu: 2/((1 + a²)·nin), elu: see init_scale);
# LeCun's 1/nin for the others
_HE = frozenset({"relu", "leaky_relu", "gelu", "silu", "elu", "softplus"})


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


# E[(eᵖ - 1)²; p < 0] for p ~ N(0, 1), from E[e^(tp); p < 0] = e^(t²/2)·Φ(-t): about 0.1449
_ELU_C = math.e**2 * _normal_cdf(-2.0) - 2.0 * math.sqrt(math.e) * _normal_cdf(-1.0) + 0.5

# MAX_PARAMETERS (nn.module) bounds a Neuron, Layer or MLP as it bounds a model file: sizes
# are checked against it before anything is built, so MLP(2, [10**6, 10**6]) fails at once.

# canonical name -> σ on a Value, and on a float; identity maps to None (no node: q = p).
# The nine names are always here; names with a number of their own ("leaky_relu(0.2)")
# are added as they are first used, up to _MAX_REMEMBERED (past that, parsed on each call).
_ON_VALUE: dict[str, Callable | None] = {}
_ON_FLOAT: dict[str, Callable | None] = {}
_MAX_REMEMBERED = 1024
_WITH_NUMBER = re.compile(r"([a-z_]+)\((.*)\)", re.DOTALL)


def _functions(name: str, number: float | None) -> tuple[Callable | None, Callable | None]:
    """σ on a Value (one node: its Value method) and on a float (its op's forward)."""
    if name == "identity":
        return None, None
    forward = OPS[name].forward
    method = getattr(Value, name, None)  # an op registered later has no method: apply it
    if method is None:
        def method(v: Value, *number: float) -> Value:
            return apply(name, v, *number)
    if number is None:
        return method, forward
    return (lambda v: method(v, number)), (lambda x: forward(x, number))


def _remember(spec: str, name: str, number: float | None) -> tuple[Callable | None, ...]:
    found = _functions(name, number)
    if len(_ON_VALUE) < _MAX_REMEMBERED:
        _ON_VALUE[spec], _ON_FLOAT[spec] = found
    return found


for _name in ACTIVATIONS:
    _remember(_name, _name, ACTIVATION_PARAMETERS.get(_name, ("", None))[1])


def _unknown(name: Any, who: str) -> ValueError:
    return ValueError(
        f"{who + ': ' if who else ''}unknown activation {_checks.show(name)}; known "
        f"activations: {', '.join(ACTIVATIONS)} (leaky_relu and elu also with a number, "
        "written in the name: 'leaky_relu(0.2)', 'elu(0.5)')"
    )


def _parse(name: str, who: str) -> tuple[str, float | None]:
    """(activation, its number or None) from 'leaky_relu(0.2)', or the error saying why not."""
    if name in ACTIVATIONS:
        return name, None
    match = _WITH_NUMBER.fullmatch(name)
    if match is None or match.group(1) not in ACTIVATIONS:
        raise _unknown(name, who)
    act, text = match.groups()
    start = who + ": " if who else ""
    if act not in ACTIVATION_PARAMETERS:
        raise ValueError(f"{start}{act} takes no number, got {_checks.show(name)}; only "
                         f"leaky_relu (its slope) and elu (its alpha) do")
    what, _ = ACTIVATION_PARAMETERS[act]
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValueError(f"{start}{act}'s {what} must be a finite number, written as in "
                         f"'{act}(0.2)'; got {_checks.show(name)}")
    return act, number


def check_activation(name: Any, who: str = "") -> str:
    """``name`` in canonical form if it is a known activation (None means identity),
    else ValueError.

        >>> check_activation('tanh'), check_activation(None), check_activation('elu(0.50)')
        ('tanh', 'identity', 'elu(0.5)')
        >>> check_activation('leaky_relu(0.01)')   # the default slope: the bare name
        'leaky_relu'

    ``who`` (say "MLP input_activation") starts the error message.
    """
    if name is None:
        return "identity"
    if not isinstance(name, str):
        raise _unknown(name, who)
    if name in _ON_VALUE:  # a canonical name already seen
        return name
    act, number = _parse(name, who)
    if number is None or number == ACTIVATION_PARAMETERS[act][1]:
        return act
    return f"{act}({number!r})"


def split_activation(name: Any) -> tuple[str, float | None]:
    """(activation, its number) for an activation name; the number is None for those
    that take none.

        >>> split_activation('leaky_relu(0.2)'), split_activation('elu'), split_activation('relu')
        (('leaky_relu', 0.2), ('elu', 1.0), ('relu', None))
    """
    act, number = _parse(check_activation(name, "split_activation"), "split_activation")
    if number is None and act in ACTIVATION_PARAMETERS:
        number = ACTIVATION_PARAMETERS[act][1]
    return act, number


def _resolve(name: Any, who: str) -> tuple[Callable | None, ...]:
    """σ on a Value and on a float for any accepted name (the slow path of activate)."""
    spec = check_activation(name, who)
    if spec in _ON_VALUE and spec in _ON_FLOAT:
        return _ON_VALUE[spec], _ON_FLOAT[spec]
    return _remember(spec, *split_activation(spec))  # a new number, or past the bound


def activate(name: str, v: Value) -> Value:
    """σ(v) for an activation name, one node (``identity`` returns v itself).

        >>> v = Value(-2.0); activate('relu', v).data, activate('identity', v) is v
        (0.0, True)
    """
    try:
        f = _ON_VALUE[name]
    except (KeyError, TypeError):  # None means identity; a new number, or a ValueError
        f = _resolve(name, "activate")[0]
    if v.__class__ is not Value and not isinstance(v, Value):
        raise TypeError(f"activate({name!r}): expected a Value, got {_checks.show(v)} "
                        "(activate_float works on numbers)")
    return v if f is None else f(v)


def activate_float(name: str, x: float) -> float:
    """σ(x) on a plain float, read off the engine's primitive table.

        >>> activate_float('relu', -2.0), activate_float('identity', -2.0)
        (0.0, -2.0)

    x must be finite (relu(nan) would be a silent 0.0), and so is the result.
    """
    try:
        f = _ON_FLOAT[name]
    except (KeyError, TypeError):
        f = _resolve(name, "activate_float")[1]
    if x.__class__ is not float or not math.isfinite(x):
        x = _checks.finite(x, f"activate_float({name!r}) input")
    if f is None:
        return x
    q = f(x)
    if not math.isfinite(q):
        raise OverflowError(f"activate_float: {name}({x!r}) is {q!r}")
    return q


def _dot_floats(ws: Sequence[Value], q: Sequence[float], b: Value) -> float:
    """w·q + b on the data of the weights: the same sum, in the same order, as the
    engine's dot, so the two forward paths agree to the bit."""
    p = sum([w.data * qi for w, qi in zip(ws, q)], 0.0) + b.data
    if not math.isfinite(p):
        name = f"p{b.label[1:]}" if b.label.startswith("b") else f"the neuron of bias {b.label!r}"
        raise OverflowError(
            f"{name} = w·q + b is {p!r} (the sum overflowed, or a weight is not finite), "
            f"with inputs {_checks.show(list(q))}"
        )
    return p


class _Arithmetic:
    """What a forward pass computes with: Values (building the graph) or plain floats."""

    __slots__ = ("dot", "activate")

    def __init__(self, dot: Callable, activate: Callable) -> None:
        self.dot = dot
        self.activate = activate


_VALUES = _Arithmetic(dot, activate)
_FLOATS = _Arithmetic(_dot_floats, activate_float)


def _normal_activations(cls: type, architecture: Any) -> Any:
    """``architecture`` with its activation names in canonical form (a name that is
    refused stays as it is, and the comparison then fails as before)."""
    if not isinstance(architecture, dict):
        return architecture

    def normal(name: Any) -> Any:
        try:
            return check_activation(name)
        except ValueError:
            return name

    out = dict(architecture)
    for key in ("activation", "input_activation"):
        if key in out:
            out[key] = normal(out[key])
    if isinstance(out.get("activations"), list):
        out["activations"] = [normal(a) for a in out["activations"]]
    return out


def _rng(seed: Any, rng: Any, who: str) -> Any:
    if rng is not None and seed is not None:
        raise ValueError(f"{who}: give seed or rng, not both")
    if rng is not None:
        if not isinstance(rng, random.Random):
            raise TypeError(f"{who}: rng must be a random.Random, got {type(rng).__name__}")
        return rng
    if seed is not None:
        return random.Random(_checks.integer(seed, f"{who} seed"))
    return random  # the global generator, as micrograd uses


def init_scale(nin: int, activation: str, init: str | float = "auto", *,
               who: str = "init_scale") -> float:
    """The half-width s of the uniform(-s, s) weight initialisation (see module doc).

        >>> init_scale(6, 'relu'), init_scale(3, 'tanh'), init_scale(5, 'relu', 'micrograd')
        (1.0, 1.0, 1.0)
    """
    nin = _checks.integer(nin, f"{who} nin", 1, MAX_PARAMETERS)
    name, slope = split_activation(check_activation(activation, who))
    if isinstance(init, str):
        if init == "auto":
            if name not in _HE:
                return math.sqrt(3.0 / nin)
            if name == "elu":  # variance 1/(E σ(p)²·nin), E elu(p)² = ½ + c·α²
                return math.sqrt(3.0 / ((0.5 + _ELU_C * slope * slope) * nin))
            he = math.sqrt(6.0 / nin)
            return he / math.hypot(1.0, slope) if name == "leaky_relu" else he
        if init == "micrograd":
            return 1.0
    elif isinstance(init, (int, float)) and not isinstance(init, bool):
        # uniform(-s, s) computes -s + 2s·u: 2s must be a finite float too
        return _checks.finite(init, f"{who} init (the weights' half-width)", 0.0, 1e300)
    raise ValueError(f"{who} init must be 'auto', 'micrograd' or a number in [0, 1e300], "
                     f"got {_checks.show(init)}")


def _positive_int(x: Any, what: str) -> int:
    return _checks.integer(x, what, 1)


def _check_size(sizes: Sequence[int], who: str) -> None:
    """Refuse, before building, a network with more than MAX_PARAMETERS parameters."""
    count = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if count > MAX_PARAMETERS:
        many = f"{count:,}" if count.bit_length() <= 64 else f"about 2^{count.bit_length() - 1}"
        raise ValueError(
            f"{who} of sizes {_checks.show(list(sizes))} would have {many} parameters, "
            f"more than MAX_PARAMETERS ({MAX_PARAMETERS:,})"
        )


def _inputs(x: Any, nin: int, who: str) -> list:
    """x as a list of nin inputs, or the error saying why not (no order, wrong length)."""
    if isinstance(x, (int, float, Value)) and not isinstance(x, bool):
        x = [x]  # one input, for a network with one
    if isinstance(x, (str, bytes, Mapping, Set)) or x is None:
        raise TypeError(
            f"{who} expects a list of {nin} inputs, got {type(x).__name__} {_checks.show(x)}"
        )
    try:
        x = list(x)
    except TypeError:
        raise TypeError(
            f"{who} expects a list of {nin} inputs, got {type(x).__name__} {_checks.show(x)}"
        ) from None
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")
    return x


def _input(x: Any, k: int, who: str) -> Any:
    """Input k: a Value as is, a number as a finite float, else an error naming it."""
    if x.__class__ is Value or isinstance(x, Value):
        return x
    try:
        return _checks.finite(x, "an input")
    except (TypeError, ValueError, OverflowError) as error:
        raise type(error)(
            f"{who}: input {k} ({_checks.show(x)}) is not usable: {error}"
        ) from None


def _input_values(x: Any, nin: int, who: str) -> list:
    """Checked inputs for the graph; numbers stay numbers (a neuron's dot folds them)."""
    return [_input(xi, k, who) for k, xi in enumerate(_inputs(x, nin, who))]


def _input_leaves(x: Any, nin: int, who: str, name: str = "q0") -> list[Value]:
    """Checked inputs as Values; numbers become leaves labelled ``{name}_{k}`` (q0_k, the
    document's inputs to layer 1; p0_k when an input activation makes q0 from them)."""
    return [xi if isinstance(xi, Value) else Value(xi, label=f"{name}_{k}")
            for k, xi in enumerate(_input_values(x, nin, who))]


def _on_floats(module: Neuron | Layer | MLP, x: Any, nin: int, who: str) -> Any:
    """module._forward on plain floats: the inputs checked (a Value gives its data), an
    overflow anywhere in the network raised naming ``who`` and the neuron."""
    q = [xi.data if isinstance(xi, Value) else xi for xi in _input_values(x, nin, who)]
    try:
        return module._forward(q, _FLOATS)
    except (OverflowError, ValueError) as error:
        raise type(error)(f"{who}: {error}") from None


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
        _check_size([nin, 1], "Neuron")
        nonlin = _checks.flag(nonlin, "Neuron nonlin")
        if not isinstance(label, str):
            raise TypeError(f"Neuron label must be a str, got {_checks.show(label)}")
        self.activation = check_activation(activation, "Neuron") if nonlin else "identity"
        gen = _rng(seed, rng, "Neuron")
        s = init_scale(nin, self.activation, init, who="Neuron")
        tag = label
        self.w = [
            Value(gen.uniform(-s, s), label=f"w{tag}_{k}" if tag else f"w{k}") for k in range(nin)
        ]
        self.b = Value(0.0, label=f"b{tag}" if tag else "b")
        # a neuron of a layer of a network (tag "L_j") names its p and q as the document does
        self._names = (f"p{tag}", f"q{tag}") if "_" in tag else None

    @property
    def nin(self) -> int:
        return len(self.w)

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is identity."""
        return self.activation != "identity"

    def _forward(self, q: Sequence[Any], on: _Arithmetic, ps: list | None = None) -> Any:
        """σ(w·q + b), THE neuron forward of every path: on Values or floats (``on``),
        keeping p in ``ps`` when given (for trace). No checks: the callers made q."""
        p = on.dot(self.w, q, self.b)
        if ps is not None:
            ps.append(p)
        out = on.activate(self.activation, p)
        if self._names is not None and on is _VALUES:
            p.label = self._names[0]
            if out is not p:  # the identity: one node, named p
                out.label = self._names[1]
        return out

    def __call__(self, x: Sequence[Any]) -> Value:
        return self._forward(_input_values(x, len(self.w), "Neuron"), _VALUES)

    def forward_floats(self, x: Sequence[float]) -> float:
        """The neuron on plain floats (no graph): for plotting and prediction.

            >>> n = Neuron(2, seed=0); n.forward_floats([1.0, 2.0]) == n([1.0, 2.0]).data
            True
        """
        return _on_floats(self, x, len(self.w), "Neuron.forward_floats")

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{k}", w) for k, w in enumerate(self.w)] + [("b", self.b)]

    def architecture(self) -> dict[str, Any]:
        return {"nin": len(self.w), "activation": self.activation}

    @classmethod
    def from_architecture(cls, architecture: dict[str, Any]) -> Neuron:
        return cls(architecture["nin"], activation=architecture["activation"], seed=0)

    _normal_architecture = classmethod(_normal_activations)

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
        _check_size([nin, nout], "Layer")
        if not isinstance(label, str):
            raise TypeError(f"Layer label must be a str, got {_checks.show(label)}")
        gen = _rng(seed, rng, "Layer")
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

    def _forward(self, q: Sequence[Any], on: _Arithmetic, ps: list | None = None) -> list:
        """Each neuron on the same q (see Neuron._forward); no checks."""
        return [n._forward(q, on, ps) for n in self.neurons]

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """The layer's outputs as a list, whatever their number.

            >>> len(Layer(3, 1, seed=0).forward([1.0, 2.0, 3.0]))
            1
        """
        return self._forward(_input_values(x, self.nin, "Layer"), _VALUES)

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def forward_floats(self, x: Sequence[float]) -> list[float]:
        """The layer on plain floats, a list whatever its size (no graph).

            >>> layer = Layer(2, 2, seed=0)
            >>> layer.forward_floats([1.0, 2.0]) == [v.data for v in layer([1.0, 2.0])]
            True
        """
        return _on_floats(self, x, self.nin, "Layer.forward_floats")

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

    _normal_architecture = classmethod(_normal_activations)

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


@dataclass
class MLPTrace:
    """One forward pass of an MLP in document 003's indexing (i = 0 is the input).

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

            >>> from nn import mse
            >>> t = MLP(2, [3, 1], seed=0).trace([1.0, 2.0]); mse(t.output, 0.0).backward()
            >>> t.deltas()[2] == [t.output.data]        # δ of a linear output: ŷ − y
            True
        """
        return [[v.grad for v in layer] for layer in self.p]

    @property
    def depth(self) -> int:
        """L, the number of layers (p and q have L + 1 entries)."""
        return len(self.p) - 1


def _layer_activations(activation: Any, output_activation: Any, n: int) -> list[str]:
    """σ₁..σ_L from MLP's arguments: one name for the hidden layers, or a list of n."""
    if not isinstance(activation, (list, tuple)):
        return ([check_activation(activation, "MLP activation")] * (n - 1)
                + [check_activation(output_activation, "MLP output_activation")])
    acts = [check_activation(a, f"MLP activation {i}") for i, a in enumerate(activation)]
    if len(acts) != n:
        raise ValueError(
            f"activation list has {len(acts)} entries but the MLP has {n} "
            "layers: give one per layer, the last layer included"
        )
    last = check_activation(output_activation, "MLP output_activation")
    if output_activation is not None and last != acts[-1]:
        raise ValueError("output_activation conflicts with the last entry of the activation list")
    return acts


class MLP(Module):
    """A multilayer perceptron: layers of neurons, each layer reading the previous one.

        >>> model = MLP(2, [16, 16, 1], seed=0)                # relu, relu, identity
        >>> model = MLP(1, [1, 1, 1], activation=['tanh', 'tanh', 'sigmoid'],
        ...             input_activation='tanh', seed=0)        # document 003, section II

    ``activation`` is one name for every hidden layer (the last layer then uses
    ``output_activation``, identity when None) or a list with one entry per
    layer, the last included (σ₁..σ_L). ``input_activation`` is σ₀, applied to the
    inputs. ``model(x)`` returns a Value when the last layer has one neuron, else a list.

    One forward path: ``model(x)``, ``model.trace(x)`` and ``model.forward_floats(x)``
    all run ``MLP._forward``, which runs each ``Layer._forward``, which runs each
    ``Neuron._forward``; they differ only in what they compute with and keep.
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
        _check_size([nin, *nouts], "MLP")
        self.input_activation = check_activation(input_activation, "MLP input_activation")
        self.activations = _layer_activations(activation, output_activation, len(nouts))
        init_scale(1, "identity", init, who="MLP")  # checked here, before any layer is built
        gen = _rng(seed, rng, "MLP")
        sizes = [nin] + nouts
        self.layers = [
            Layer(
                sizes[i], sizes[i + 1], activation=self.activations[i], init=init,
                label=str(i + 1), rng=gen if isinstance(gen, random.Random) else None,
            )
            for i in range(len(nouts))
        ]

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nouts(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    def _forward(self, p0: list, on: _Arithmetic, ps: list | None = None,
                 qs: list | None = None) -> list:
        """q₀ = σ₀(p₀), then each layer on the one before: the last q. With ``ps`` and
        ``qs`` (lists), every layer's p and q are appended to them. No checks."""
        act = on.activate
        q = [act(self.input_activation, v) for v in p0]
        if on is _VALUES and self.input_activation != "identity":
            for j, qj in enumerate(q):
                qj.label = f"q0_{j}"
        if ps is None:  # the hot path: nothing kept
            for layer in self.layers:
                q = layer._forward(q, on)
            return q
        ps.append(p0)
        qs.append(q)
        for layer in self.layers:
            p: list = []
            q = layer._forward(q, on, p)
            ps.append(p)
            qs.append(q)
        return q

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        # Plain numbers become leaf Values, as in trace(): the graph is the same
        # either way, d(out)/dx is there to read, and every dot takes the fast
        # all-Values path (cheaper than folding numbers into each first-layer node).
        q = self._forward(_input_leaves(x, self.nin, "MLP", self._input_name), _VALUES)
        return q[0] if len(q) == 1 else q

    @property
    def _input_name(self) -> str:
        """The inputs' name: q0 (layer 1 multiplies them), p0 when σ₀ makes q0 from them."""
        return "q0" if self.input_activation == "identity" else "p0"

    def forward_floats(self, x: Sequence[float]) -> float | list[float]:
        """The network on plain floats, building no graph (fast: plots, predictions).

            >>> m = MLP(2, [3, 1], seed=0); m.forward_floats([1.0, 2.0]) == m([1.0, 2.0]).data
            True

        Inputs must be finite numbers; a sum that overflows raises OverflowError
        naming the neuron (as ``model(x)`` would), never a silent inf or 0.0.
        """
        q = _on_floats(self, x, self.nin, "MLP.forward_floats")
        return q[0] if len(q) == 1 else q

    def trace(self, x: Sequence[Any]) -> MLPTrace:
        """A forward pass keeping every p and q, labelled ``p{i}_{j}`` and ``q{i}_{j}``.

            >>> t = MLP(2, [3, 1], seed=0).trace([1.0, 2.0])
            >>> [len(l) for l in t.p], t.p[1][0].label
            ([2, 3, 1], 'p1_0')
        """
        p0 = _input_leaves(x, self.nin, "MLP", self._input_name)
        ps: list[list[Value]] = []
        qs: list[list[Value]] = []
        out = self._forward(p0, _VALUES, ps, qs)
        for i, (p, q) in enumerate(zip(ps, qs)):
            for j, (pv, qv) in enumerate(zip(p, q)):
                if i or not pv.label:  # an input Value keeps the label it came with
                    pv.label = f"p{i}_{j}"
                if qv is not pv:  # q = p for the identity: one node, one name
                    qv.label = f"q{i}_{j}"
        return MLPTrace(out[0] if len(out) == 1 else out, ps, qs)

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

            >>> model = MLP(2, [3, 1], seed=0); model.save('model.json')
            >>> MLP.load('model.json')([1.0, 2.0]).data == model([1.0, 2.0]).data
            True
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

    _normal_architecture = classmethod(_normal_activations)

    def __repr__(self) -> str:
        parts = [str(self.nin)]
        if self.input_activation != "identity":
            parts[0] += f" {self.input_activation}"
        parts += [f"{layer.nout} {layer.activation}" for layer in self.layers]
        return f"MLP({' -> '.join(parts)})"
