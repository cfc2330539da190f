"""The same MLP in PyTorch and back: ``MLP.to_torch()`` and ``MLP.from_torch(module)``.

    >>> model = MLP(2, [3, 1], activation='tanh', seed=0)
    >>> net = model.to_torch(); net
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): Tanh()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    >>> again = MLP.from_torch(net)
    >>> [p.data for p in again.parameters()] == [p.data for p in model.parameters()]
    True

An MLP becomes a ``torch.nn.Sequential`` in float64: the input activation σ₀
(when it is not the identity), then for each layer a ``Linear`` followed by its
activation's module (none for the identity). Neuron j of layer i is row j of
that Linear's ``weight`` and ``bias[j]``, so ``weight[j, k]`` is the neuron's
``w[k]``. The way back accepts what the way there makes, plus ``Identity``
modules anywhere; every float dtype is converted exactly to float64 (a
warning says so when the module was not float64, as its own outputs then
differ from chaingrad's by that dtype's rounding).

The number of ``"leaky_relu(0.2)"`` and ``"elu(0.5)"`` is the module's
``negative_slope`` and ``alpha``, both ways: ``LeakyReLU(0.2)`` comes back as
``"leaky_relu(0.2)"``.

The way back walks the Sequential as its ``forward`` runs it, module by module:
an activation module used at several positions (one ReLU object twice) is that
activation at each of them. Whatever an MLP cannot represent is refused with a
``BridgeError`` naming the part and its position: a module of another type
(Conv2d, Dropout, a subclass of Linear, a nested Sequential), one Linear used
at two positions (shared weights: an MLP's layers each have their own), a
Linear without bias, layers whose sizes do not chain, two activations in a
row, an activation whose settings differ from chaingrad's (GELU's tanh
approximation, Softplus at its default threshold 20), forward or backward
hooks (on a module, on the Sequential, or global ones), a ``forward`` set on
an instance, weights that are sparse, not finite, or complex.

PyTorch is an optional extra (``python -m pip install 'chaingrad[torch]'``), imported
only when a conversion runs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

from autograd import OPS
from autograd.torch_replay import import_torch

from .layers import ACTIVATIONS, MLP, check_activation, split_activation

__all__ = ["TORCH_ACTIVATIONS", "BridgeError", "from_torch", "to_torch"]

class _TorchActivations(Mapping):
    """Each activation's torch.nn module, from its table entry's ``torch_module``: (class
    name, the settings under which it computes exactly nn's function). Read on every use,
    so an op registered later with a ``torch_module`` converts too; identity is no module."""

    def __getitem__(self, name: str) -> tuple[str, dict[str, Any]]:
        prim = OPS.get(name)
        if prim is None or not prim.activation or prim.torch_module is None:
            raise KeyError(name)
        cls, settings, _ = prim.torch_module
        return cls, dict(settings)

    def __iter__(self) -> Any:
        return (name for name, prim in OPS.items()
                if prim.activation and prim.torch_module is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


TORCH_ACTIVATIONS: Mapping[str, tuple[str, dict[str, Any]]] = _TorchActivations()
"""Each of nn's activations (but identity) as a torch.nn module: class name and settings."""


def _torch_number(name: str) -> str | None:
    """The setting of the torch module that holds the number of nn's name
    ("leaky_relu(0.2)": negative_slope), None for an activation that takes none."""
    module = OPS[name].torch_module
    return (module[2] or None) if module else None


class BridgeError(ValueError):
    """A model or module that the other side cannot represent; the message names the part."""


def _activations() -> dict[str, tuple[str, dict[str, Any]]]:
    """The table's entries for the activations this nn has."""
    return {name: entry for name, entry in TORCH_ACTIVATIONS.items() if name in ACTIVATIONS}


# -- chaingrad -> torch ----------------------------------------------------------------


def _activation_module(torch: Any, spec: str, where: str) -> Any:
    """The torch module computing activation ``spec`` (None for identity)."""
    if spec == "identity":
        return None
    try:
        name, number = split_activation(spec)
    except ValueError:  # a name set by hand that nn does not know: no module either
        name, number = spec, None
    entry = _activations().get(name)
    if entry is None:
        raise BridgeError(
            f"to_torch: {where} uses activation {name!r}, which has no PyTorch module in "
            "its table entry (torch_module=, autograd/ops.py)"
        )
    cls, settings = entry
    key = _torch_number(name)
    if key is not None:
        settings = {**settings, key: number}
    return getattr(torch.nn, cls)(**settings)


def _layer_rows(layer: Any, i: int) -> tuple[list[list[float]], list[float], str]:
    """Layer i's weight rows, biases and activation, or BridgeError naming what does not fit."""
    neurons = getattr(layer, "neurons", None)
    if not neurons:
        raise BridgeError(f"to_torch: layer {i} ({type(layer).__name__}) has no neurons")
    nin, act = len(neurons[0].w), neurons[0].activation
    for j, n in enumerate(neurons):
        if len(n.w) != nin:
            raise BridgeError(f"to_torch: layer {i}, neuron {j} has {len(n.w)} weights where "
                              f"neuron 0 has {nin}; a Linear needs one width per layer")
        if n.activation != act:
            raise BridgeError(f"to_torch: layer {i}, neuron {j} uses {n.activation!r} where "
                              f"neuron 0 uses {act!r}; torch applies one activation per layer")
        bad = next((p for p in (*n.w, n.b) if not math.isfinite(p.data)), None)
        if bad is not None:  # set by hand: the engine itself never makes one
            raise BridgeError(f"to_torch: layer {i}, neuron {j} has a non-finite parameter "
                              f"{bad.label or ''} = {bad.data!r}")
    return [[w.data for w in n.w] for n in neurons], [n.b.data for n in neurons], act


def to_torch(model: MLP) -> Any:
    """``model`` as a ``torch.nn.Sequential`` of Linear and activation modules, float64.

        >>> to_torch(MLP(2, [4, 1], seed=0))[0].weight.shape
        torch.Size([4, 2])

    Consumes nothing of torch's random generator (the Linears are made without
    initialisation, then given the model's numbers).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch: expected an nn.MLP, got {type(model).__name__}")
    torch = import_torch("MLP.to_torch")
    if not model.layers:
        raise BridgeError("to_torch: the MLP has no layers")
    f64 = torch.float64
    parts = [_activation_module(torch, model.input_activation, "the input activation")]
    nin = None
    for i, layer in enumerate(model.layers):
        rows, biases, act = _layer_rows(layer, i)
        if nin is not None and len(rows[0]) != nin:
            raise BridgeError(f"to_torch: layer {i} takes {len(rows[0])} inputs but layer "
                              f"{i - 1} gives {nin}")
        nin = len(rows)
        linear = torch.nn.utils.skip_init(torch.nn.Linear, len(rows[0]), len(rows), dtype=f64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(rows, dtype=f64))
            linear.bias.copy_(torch.tensor(biases, dtype=f64))
        parts += [linear, _activation_module(torch, act, f"layer {i}")]
    return torch.nn.Sequential(*[p for p in parts if p is not None])


# -- torch -> chaingrad ----------------------------------------------------------------


def _type_name(torch: Any, module: Any) -> str:
    """torch.nn.Linear for torch's own classes, the full path for any other (a subclass)."""
    kind = type(module)
    if getattr(torch.nn, kind.__name__, None) is kind:
        return f"torch.nn.{kind.__name__}"
    return f"{kind.__module__}.{kind.__qualname__}"


def _describe(torch: Any, name: str, position: int, module: Any) -> str:
    return f"module {name!r} (position {position}, {_type_name(torch, module)})"


def _activation_name(torch: Any, module: Any, where: str) -> str | None:
    """nn's name for an activation module, None when the module is no activation at all."""
    for name, (cls, settings) in TORCH_ACTIVATIONS.items():
        if type(module) is not getattr(torch.nn, cls, None):
            continue
        key = _torch_number(name)
        wrong = {k: getattr(module, k, None) for k, v in settings.items()
                 if k != key and getattr(module, k, None) != v}
        if wrong:
            want = ", ".join(f"{k}={v!r}" for k, v in settings.items())
            raise BridgeError(f"from_torch: {where} has {wrong}; chaingrad's {name} is "
                              f"torch.nn.{cls}({want}), nothing else")
        if name not in ACTIVATIONS:
            raise BridgeError(f"from_torch: {where} is activation {name!r}, which this nn "
                              f"does not have (it has {', '.join(ACTIVATIONS)})")
        return name if key is None else _with_number(name, getattr(module, key, None), where)
    return None


def _with_number(name: str, number: Any, where: str) -> str:
    """nn's name for activation ``name`` with the module's number, as ``leaky_relu(0.2)``."""
    key = _torch_number(name)
    try:
        if isinstance(number, bool):
            raise TypeError("a bool")
        return check_activation(f"{name}({float(number)!r})")
    except (TypeError, ValueError, OverflowError):
        raise BridgeError(f"from_torch: {where} has {key}={number!r}; chaingrad's {name} "
                          f"needs a finite number there") from None


def _linear_rows(torch: Any, linear: Any, where: str) -> tuple[list[list[float]], list[float]]:
    """A Linear's weight rows and biases as float64 numbers, or BridgeError naming the misfit."""
    if linear.bias is None:
        raise BridgeError(f"from_torch: {where} has no bias, and every chaingrad neuron has one "
                          "(make it with bias=True, or set a zero bias)")
    weight, bias = linear.weight.detach(), linear.bias.detach()
    if weight.dim() != 2 or weight.shape[0] < 1 or weight.shape[1] < 1 \
            or tuple(bias.shape) != (weight.shape[0],):
        raise BridgeError(f"from_torch: {where} has a weight of shape {tuple(weight.shape)} and "
                          f"a bias of shape {tuple(bias.shape)}; a layer needs (nout, nin) and "
                          "(nout,), with nout and nin at least 1")
    for what, t in (("weight", weight), ("bias", bias)):
        if t.layout is not torch.strided:  # sparse (COO, CSR, ...): torch refuses most ops on it
            raise BridgeError(f"from_torch: {where} has a {what} with layout {t.layout}; "
                              f"chaingrad reads dense weights (convert with .to_dense())")
        if not t.is_floating_point():
            raise BridgeError(f"from_torch: {where} has a {t.dtype} {what}; chaingrad needs "
                              "real floating-point numbers")
        if t.device.type == "meta":
            raise BridgeError(f"from_torch: {where} lives on the meta device (it has no numbers)")
        if not bool(torch.isfinite(t).all()):
            bad = tuple(int(k) for k in (~torch.isfinite(t)).nonzero()[0])
            raise BridgeError(f"from_torch: {where} has a non-finite {what} at index {bad}")
    # every float dtype converts exactly to float64
    f64 = torch.float64
    return weight.to("cpu", f64).tolist(), bias.to("cpu", f64).tolist()


def _not_float64(torch: Any, module: Any) -> list[str]:
    """The parameters of module that are not float64, as 'name (dtype)'."""
    return [f"{name} ({p.dtype})" for name, p in module.named_parameters()
            if p.is_floating_point() and p.dtype != torch.float64]


def _hook_kinds(module: Any) -> list[str]:
    """The hooks on ``module`` that change what it computes or the gradients it sends back."""
    kinds = {"forward hooks": ("_forward_hooks", "_forward_pre_hooks"),
             "backward hooks": ("_backward_hooks", "_backward_pre_hooks")}
    found = [kind for kind, attrs in kinds.items() if any(getattr(module, a, None) for a in attrs)]
    if "forward" in vars(module):  # a forward set on the instance: not the class's computation
        found.append("a forward of its own (set on the instance)")
    return found


def _global_hooks(torch: Any) -> list[str]:
    """Hooks registered for every module (``register_module_forward_hook`` and friends)."""
    base = torch.nn.modules.module
    names = ("_global_forward_hooks", "_global_forward_pre_hooks", "_global_backward_hooks",
             "_global_backward_pre_hooks")
    return [name.strip("_").replace("_", " ") for name in names if getattr(base, name, None)]


def _children(torch: Any, module: Any) -> list[tuple[str, Any]]:
    """The modules ``module`` runs, in the order it runs them, a reused one at each use."""
    if type(module) is torch.nn.Linear:
        return [("", module)]
    if type(module) is not torch.nn.Sequential:
        raise TypeError(f"from_torch: expected a torch.nn.Sequential (or one Linear), got "
                        f"{_type_name(torch, module)}")
    hooks = _hook_kinds(module)
    if hooks:
        raise BridgeError(f"from_torch: the Sequential has {' and '.join(hooks)}, which may "
                          "change what it computes; an MLP cannot carry them (remove them first)")
    # Sequential.forward runs _modules.values(): named_children() would skip a module
    # that appears twice (it yields each module once), dropping a layer or an activation.
    return list(module._modules.items())


def _check_module(torch: Any, name: str, position: int, child: Any) -> str:
    """The description of module ``child``, or BridgeError when it is none or hooked."""
    if not isinstance(child, torch.nn.Module):
        raise BridgeError(f"from_torch: module {name!r} (position {position}) is "
                          f"{type(child).__name__} {child!r}, not a torch.nn.Module")
    where = _describe(torch, name, position, child)
    hooks = _hook_kinds(child)
    if hooks:
        raise BridgeError(f"from_torch: {where} has {' and '.join(hooks)}, which may change "
                          "what it computes; an MLP cannot carry them (remove them first)")
    return where


def _parse(torch: Any, module: Any) -> tuple[str, list[tuple[str, list, list, str]]]:
    """(input activation, [(where, weight rows, biases, activation) per layer])."""
    input_act, layers, last = "identity", [], None  # last: what the previous module was
    hooks = _global_hooks(torch)
    if hooks:
        raise BridgeError(f"from_torch: torch has {', '.join(hooks)} registered for every "
                          "module, which may change what it computes; an MLP cannot carry them")
    first_use: dict[int, str] = {}  # id of each Linear: where it was first used
    for position, (name, child) in enumerate(_children(torch, module)):
        where = _check_module(torch, name, position, child)
        if type(child) is torch.nn.Identity:
            continue
        if type(child) is torch.nn.Linear:
            if id(child) in first_use:
                raise BridgeError(
                    f"from_torch: {where} is the same Linear as {first_use[id(child)]}: "
                    "its weights are shared, and an MLP's layers each have their own "
                    "(use copy.deepcopy(module) for a second, independent layer)")
            first_use[id(child)] = where
            rows, biases = _linear_rows(torch, child, where)
            if layers and len(rows[0]) != len(layers[-1][1]):
                raise BridgeError(f"from_torch: {where} takes {len(rows[0])} inputs but the "
                                  f"layer before gives {len(layers[-1][1])}")
            layers.append((where, rows, biases, "identity"))
            last = "linear"
            continue
        act = _activation_name(torch, child, where)
        if act is None:
            raise BridgeError(f"from_torch: {where} is not a Linear or one of the activations "
                              f"{', '.join(_activations())} (nor Identity); an MLP has no "
                              "such part")
        if last == "activation":
            raise BridgeError(f"from_torch: {where} follows another activation; an MLP layer "
                              "has one activation")
        if layers:
            layers[-1] = (*layers[-1][:3], act)
        else:
            input_act = act
        last = "activation"
    if not layers:
        raise BridgeError("from_torch: the module has no Linear layer")
    return input_act, layers


def from_torch(module: Any, cls: type[MLP] = MLP) -> MLP:
    """An MLP (of class ``cls``) with the weights, biases and activations of ``module``.

        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=torch.float64),
        ...                           torch.nn.ReLU(), torch.nn.Linear(3, 1, dtype=torch.float64))
        >>> from_torch(net)
        MLP(2 -> 3 relu -> 1 identity)

    A module in another float dtype (float32, torch's default) is converted
    exactly, with a warning: its own outputs differ from chaingrad's float64 ones
    by its rounding.
    """
    return _from_torch(module, cls, stacklevel=3)


def _from_torch(module: Any, cls: type[MLP], stacklevel: int) -> MLP:
    # stacklevel: where the float64 warning points, the caller of the public function
    if not (isinstance(cls, type) and issubclass(cls, MLP)):
        raise TypeError(f"from_torch: cls must be nn.MLP or a subclass, got {cls!r}")
    torch = import_torch("MLP.from_torch")
    input_act, layers = _parse(torch, module)
    model = cls(len(layers[0][1][0]), [len(rows) for _, rows, _, _ in layers],
                activation=[act for *_, act in layers], input_activation=input_act, seed=0)
    for layer, (_, rows, biases, _) in zip(model.layers, layers):
        for neuron, row, b in zip(layer.neurons, rows, biases):
            for w, x in zip(neuron.w, row):
                w.data = x
            neuron.b.data = b
    lower = _not_float64(torch, module)
    if lower:
        warnings.warn(
            f"from_torch: {', '.join(lower)} converted exactly to float64; chaingrad's outputs "
            "differ from the module's own by its rounding (module.double() compares at "
            "float64)", stacklevel=stacklevel)
    return model
