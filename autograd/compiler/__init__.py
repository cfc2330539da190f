"""The compiler wing: ``compile(f)`` traces f once and writes its graph as straight-line Python.

    >>> from autograd.compiler import compile
    >>> f = compile(lambda x: x * x + 1.0)
    >>> f(3.0)
    (10.0, 6.0)

It swaps in recording versions of Value's ``data``/``grad`` while it traces
(see ``tracing``), then writes the forward and the reverse pass as code
(``codegen``); ``compiled`` keeps the traces and checks every call against
them. The core never imports it; ``autograd.compile`` is this function.
"""

from .compiled import Compiled, CompileError, CompileWarning, compile

__all__ = ["CompileError", "CompileWarning", "Compiled", "compile"]
