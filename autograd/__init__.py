"""chaingrad's engine: scalar reverse-mode autodiff that shows its chains.

    >>> from autograd import Value
    >>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.backward()

The core (this folder's modules) needs only the standard library: the Value,
the op table, the order and the reverse pass, the functional forms, forward
mode and the checks. Around it are wings a reader of the engine can skip,
each a subpackage that the core never imports: ``see`` (text traces,
explanations, drawings, pages, the derivation checker), ``compiler``
(``compile``) and ``torch_replay``. This module re-exports what users call.
"""

from .backward import backward_steps
from .check import GradcheckError, check_grads, check_graph, gradcheck, numerical_grad
from .compiler import CompileError, CompileWarning, compile  # a wing: the core never imports it
from .forward_mode import hessian, hvp, jacobian, jvp
from .functional import grad, gradients, value_and_grad
from .graph import forward_order, topo_order
from .ops import OPS, Primitive, register
from .see import (  # a wing
    DerivationError,
    assert_derivation,
    check_derivation,
    draw,
    explain,
    step_through,
    trace_text,
)
from .torch_replay import replay_in_torch  # a wing
from .value import (
    Value,
    apply,
    atan2,
    dot,
    enable_grad,
    hypot,
    is_grad_enabled,
    maximum,
    minimum,
    no_grad,
    sum,
)

__all__ = [
    # the Value and its ops
    "Value", "sum", "dot", "atan2", "hypot", "maximum", "minimum", "apply",
    "OPS", "Primitive", "register",
    # building the graph, or not
    "no_grad", "enable_grad", "is_grad_enabled",
    # the order and the reverse pass, step by step
    "topo_order", "forward_order", "backward_steps",
    # derivatives as functions, any order, both modes
    "grad", "value_and_grad", "gradients", "jvp", "hvp", "hessian", "jacobian",
    # checks against central differences
    "numerical_grad", "gradcheck", "check_grads", "check_graph", "GradcheckError",
    # seeing (autograd.see)
    "explain", "trace_text", "draw", "step_through",
    "check_derivation", "assert_derivation", "DerivationError",
    # compiling (autograd.compiler) and a second opinion from PyTorch (autograd.torch_replay)
    "compile", "CompileError", "CompileWarning", "replay_in_torch",
]

# Names that earlier versions exported from here and that now live in a wing or
# a module of their own: still importable (old notebooks keep working), but not
# listed, so the top level holds what users call and nothing that is plumbing.
_MOVED = {
    "Contribution": "backward", "Step": "backward", "reverse_steps": "backward",
    "leaves": "graph",
    "Explanation": "see", "Path": "see", "Page": "see", "StepThrough": "see",
    "Trace": "see", "edge_symbol": "see", "node_names": "see", "render": "see",
    "Compiled": "compiler", "DerivationReport": "see",
    "TORCH_OPS": "torch_replay", "ReplayRow": "torch_replay",
    "TorchReplay": "torch_replay", "import_torch": "torch_replay",
}


def __getattr__(name: str) -> object:
    import importlib

    home = _MOVED.get(name)
    if home is None:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
