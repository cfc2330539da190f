"""chaingrad's neural networks, built on ``autograd``'s public names only.

    >>> from nn import MLP, fit, moons
    >>> X, y = moons(100, seed=0); model = MLP(2, [16, 16, 1], seed=0)
    >>> history = fit(model, X, y, loss="hinge", epochs=50, verbose=False)

micrograd compatible: ``Neuron``, ``Layer``, ``MLP`` and ``Module`` behave as
micrograd's (``parameters()``, ``zero_grad()``, ``model(x)``), with more on top.
Every public name of the submodules (their ``__all__``) is importable from ``nn``.
"""

from ._checks import ArgumentTypeError
from .bridge import TORCH_ACTIVATIONS, BridgeError, from_torch, to_torch
from .data import (
    DATASETS,
    DIGITS_SPLITS,
    LABELS,
    circles,
    digits,
    moons,
    spiral,
    to_index,
    to_signed,
    xor,
)
from .layers import (
    ACTIVATION_PARAMETERS,
    ACTIVATIONS,
    MLP,
    Layer,
    MLPTrace,
    Neuron,
    activate,
    activate_float,
    check_activation,
    init_scale,
    split_activation,
)
from .losses import (
    REDUCTIONS,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2_penalty,
    logsumexp,
    mse,
    softmax,
)
from .module import (
    FORMAT,
    MAX_FILE_BYTES,
    MAX_PARAMETERS,
    VERSION,
    ModelFileError,
    ModelFileNotFoundError,
    Module,
    read_state_file,
)
from .optim import SGD, Adam, Optimizer
from .plot import plot_boundary, plot_history
from .train import LOSSES, accuracy, fit, make_optimizer, resolve_loss
from .training_page import Snapshots, TrainingPage

__all__ = [
    "ACTIVATION_PARAMETERS",
    "ACTIVATIONS",
    "ArgumentTypeError",
    "DATASETS",
    "DIGITS_SPLITS",
    "FORMAT",
    "LABELS",
    "LOSSES",
    "MAX_FILE_BYTES",
    "MAX_PARAMETERS",
    "MLP",
    "REDUCTIONS",
    "SGD",
    "TORCH_ACTIVATIONS",
    "VERSION",
    "Adam",
    "BridgeError",
    "Layer",
    "ModelFileError",
    "ModelFileNotFoundError",
    "Module",
    "Neuron",
    "Optimizer",
    "MLPTrace",
    "Snapshots",
    "TrainingPage",
    "accuracy",
    "activate",
    "activate_float",
    "binary_cross_entropy",
    "check_activation",
    "circles",
    "cross_entropy",
    "digits",
    "fit",
    "from_torch",
    "hinge",
    "init_scale",
    "l2_penalty",
    "logsumexp",
    "make_optimizer",
    "moons",
    "mse",
    "plot_boundary",
    "plot_history",
    "read_state_file",
    "resolve_loss",
    "softmax",
    "spiral",
    "split_activation",
    "to_index",
    "to_signed",
    "to_torch",
    "xor",
]
