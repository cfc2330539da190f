"""The seeing wing: every gradient as text, drawings and pages you can step through.

    >>> from autograd import Value
    >>> from autograd.see import trace_text
    >>> x = Value(2.0, label='x'); y = (x * x).tanh(); y.backward()
    >>> print(trace_text(y).splitlines()[0])
    forward (inputs first):

It reads the core (the Value, the op table, the reverse pass) and never
changes it: a reader of the engine can skip this folder. ``autograd`` itself
re-exports what a learner calls (``trace_text``, ``explain``, ``draw``,
``step_through``); the rest here is for tools built on top (``nn``'s training
page, its tour).
"""

from .anatomy import NeuronGroup, find_neurons
from .chains import Explanation, Path, explain, why_zero
from .derivation import (
    DerivationError,
    DerivationReport,
    assert_derivation,
    catalogue,
    check_derivation,
)
from .page import Page, static_text
from .step_page import StepThrough, step_through
from .trace import Trace, edge_symbol, node_names, trace_text
from .viz import draw, render

__all__ = [
    "DerivationError",
    "DerivationReport",
    "assert_derivation",
    "catalogue",
    "check_derivation",
    "why_zero",
    "Explanation",
    "NeuronGroup",
    "Page",
    "Path",
    "StepThrough",
    "Trace",
    "draw",
    "edge_symbol",
    "explain",
    "find_neurons",
    "node_names",
    "render",
    "static_text",
    "step_through",
    "trace_text",
]
