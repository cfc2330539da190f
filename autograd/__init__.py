"""chaingrad's engine: scalar reverse-mode autodiff that shows its chains.

    >>> from autograd import Value
    >>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.backward()

Only the standard library is needed here; drawing needs graphviz.
"""

from .backward import Contribution, Step, backward, backward_steps
from .chains import Explanation, Path, explain
from .check import GradcheckError, check_graph, gradcheck, numerical_grad
from .functional import grad, value_and_grad
from .graph import forward_order, leaves, topo_order
from .ops import OPS, Primitive, register
from .torch_replay import TORCH_OPS, ReplayRow, TorchReplay, import_torch, replay_in_torch
from .trace import Trace, edge_symbol, node_names, trace_text
from .value import Value, apply, dot, is_grad_enabled, no_grad, sum
from .viz import draw, render

__all__ = [
    "OPS",
    "TORCH_OPS",
    "Contribution",
    "Explanation",
    "GradcheckError",
    "Path",
    "Primitive",
    "ReplayRow",
    "Step",
    "TorchReplay",
    "Trace",
    "Value",
    "apply",
    "backward",
    "edge_symbol",
    "node_names",
    "backward_steps",
    "check_graph",
    "dot",
    "draw",
    "explain",
    "forward_order",
    "grad",
    "import_torch",
    "gradcheck",
    "is_grad_enabled",
    "leaves",
    "no_grad",
    "register",
    "numerical_grad",
    "render",
    "replay_in_torch",
    "sum",
    "topo_order",
    "trace_text",
    "value_and_grad",
]
