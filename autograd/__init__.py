"""chaingrad's engine: scalar reverse-mode autodiff that shows its chains.

    >>> from autograd import Value
    >>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.backward()

Only the standard library is needed here; drawing needs graphviz.
"""

from .backward import Contribution, Step, backward, backward_steps, reverse_steps
from .chains import Explanation, Path, explain
from .check import GradcheckError, check_grads, check_graph, gradcheck, numerical_grad
from .compiled import Compiled, CompileError, CompileWarning, compile
from .forward import hessian, hvp, jacobian, jvp
from .functional import grad, gradients, value_and_grad
from .graph import forward_order, leaves, topo_order
from .ops import OPS, Primitive, register
from .page import Page
from .step_page import StepThrough, step_through
from .torch_replay import TORCH_OPS, ReplayRow, TorchReplay, import_torch, replay_in_torch
from .trace import Trace, edge_symbol, node_names, trace_text
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
from .viz import draw, render

__all__ = [
    "OPS",
    "Page",
    "TORCH_OPS",
    "CompileError",
    "CompileWarning",
    "Compiled",
    "Contribution",
    "Explanation",
    "GradcheckError",
    "Path",
    "Primitive",
    "ReplayRow",
    "Step",
    "StepThrough",
    "TorchReplay",
    "Trace",
    "Value",
    "apply",
    "atan2",
    "backward",
    "edge_symbol",
    "node_names",
    "backward_steps",
    "reverse_steps",
    "check_graph",
    "compile",
    "check_grads",
    "enable_grad",
    "gradients",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "dot",
    "draw",
    "explain",
    "forward_order",
    "grad",
    "import_torch",
    "gradcheck",
    "hypot",
    "is_grad_enabled",
    "leaves",
    "maximum",
    "minimum",
    "no_grad",
    "register",
    "numerical_grad",
    "render",
    "step_through",
    "replay_in_torch",
    "sum",
    "topo_order",
    "trace_text",
    "value_and_grad",
]
