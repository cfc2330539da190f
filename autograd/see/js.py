"""The op table as JavaScript, generated from it, for pages that compute in the browser.

    >>> expression_js("1.0 - out * out", {"out": "out"})
    '(1.0 - (out * out))'
    >>> expression_js("1.0 if a0 > 0.0 else 0.0", {"a0": "a0"})
    '((a0 > 0.0) ? 1.0 : 0.0)'

Each op's ``code`` entry (the forward and one local derivative per input, as
Python expressions over ``{0}``, ``{1}``, ``{out}`` and the names in
``CODE_NAMES``) is parsed with ``ast`` and written out as JavaScript; an op's
forward that a template calls by name (``sigmoid({0})``, ``gelu({0})``) and the
helpers in ``CODE_NAMES`` written in Python (``pow``, ``sigmoid``) are
translated from their source the same way. Nothing about an op is written a
second time by hand: the only JavaScript of ours is what ``Math`` lacks
(``erf``) and Python's ``sum`` (plain, or compensated as Python 3.12+ adds).

``ops_js(keys)`` returns one script that defines ``CG_OPS``: for each key (an
op's name, or ``name/arity`` for an op over any number of inputs)
``{f(a) -> number, d(out, a) -> [number per argument]}``, ``a`` the op's
arguments in order; and a dict of the keys that could not be translated (an op
of one's own without ``code``, or with code this translator does not know),
each with the reason, so that a page can say why a value cannot be edited
live there.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import textwrap
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..ops import CODE_NAMES, OPS, Primitive

__all__ = ["Untranslatable", "expression_js", "function_js", "ops_js", "op_key"]

_MATH = {"exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "tanh", "sin", "cos", "tan",
         "asin", "acos", "atan", "atan2", "hypot", "sinh", "cosh", "asinh", "acosh", "atanh",
         "abs", "pow"}
_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Gt: ">", ast.Lt: "<", ast.GtE: ">=", ast.LtE: "<=", ast.Eq: "===",
            ast.NotEq: "!=="}

# What Math lacks: erf (a power series below 2, a continued fraction for erfc above; within
# 1.3e-15 relative of math.erf, and 1 - erf near ±1 to one unit in the last place), and
# Python's sum of floats (Neumaier's compensated sum in Python 3.12+, else plain).
_RUNTIME = r"""
  function expmsq(x) {  // exp(-x*x) with x*x's rounding error put back (Dekker's exact square)
    var p = x * x, c = 134217729 * x, xh = c - (c - x), xl = x - xh;
    return Math.exp(-p) * (1 - (((xh * xh - p) + 2 * xh * xl) + xl * xl));
  }
  H.erf = function (x) {
    var ax = Math.abs(x);
    if (ax !== ax) return x;
    if (ax < 2) {
      var x2 = x * x, term = 1, s = 1, n = 0;
      while (term > s * 1e-17) { n++; term *= 2 * x2 / (2 * n + 1); s += term; }
      return 1.1283791670955126 * x * expmsq(x) * s;
    }
    if (ax >= 6) return x > 0 ? 1 : -1;
    var f = ax, C = ax, D = 0, k = 1, delta;
    do {  // erfc(x) = exp(-x²)/√π / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), Lentz's method
      var a = k / 2;
      D = ax + a * D; D = 1 / (D === 0 ? 1e-300 : D);
      C = ax + a / C; if (C === 0) C = 1e-300;
      delta = C * D; f *= delta; k++;
    } while (Math.abs(delta - 1) >= 1e-16 && k < 500);
    var r = 1 - expmsq(ax) / 1.7724538509055159 / f;
    return x > 0 ? r : -r;
  };
  H.sum = function (xs, start) {
    var s = start === undefined ? 0 : start, c = 0, i, t, x;
    if (!COMPENSATED) { for (i = 0; i < xs.length; i++) s += xs[i]; return s; }
    for (i = 0; i < xs.length; i++) {
      x = xs[i]; t = s + x;
      if (!isFinite(t)) { for (; i < xs.length; i++) s += xs[i]; return s; }
      c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
      s = t;
    }
    return c !== 0 && isFinite(c) ? s + c : s;
  };
"""
_COMPENSATED = builtins.sum([1e16, 1.0, -1e16]) != 0.0


class Untranslatable(ValueError):
    """A Python expression or function that the JavaScript translation does not cover."""


def _literal(x: float) -> str:
    if not math.isfinite(x):
        raise Untranslatable(f"the number {x!r} has no literal")
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


class _Expr:
    """Python expressions as JS: names mapped by ``names``, calls to helpers noted in ``used``."""

    def __init__(self, names: Mapping[str, str], scope: Mapping[str, Any], used: set[str]):
        self.names, self.scope, self.used = names, scope, used

    def __call__(self, node: ast.AST) -> str:  # noqa: C901 - one branch per kind of node
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return _literal(float(node.value))
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.BinOp):
            left, right = self(node.left), self(node.right)
            if isinstance(node.op, ast.Pow):
                return f"Math.pow({left}, {right})"
            if type(node.op) not in _BINARY:
                raise Untranslatable(f"the operator {type(node.op).__name__}")
            return f"({left} {_BINARY[type(node.op)]} {right})"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return f"({'-' if isinstance(node.op, ast.USub) else '+'}{self(node.operand)})"
        if isinstance(node, ast.IfExp):
            return f"({self(node.test)} ? {self(node.body)} : {self(node.orelse)})"
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            glue = " && " if isinstance(node.op, ast.And) else " || "
            return "(" + glue.join(self(v) for v in node.values) + ")"
        if isinstance(node, (ast.Tuple, ast.List)):
            return "[" + ", ".join(self(e) for e in node.elts) + "]"
        if isinstance(node, ast.Call) and not node.keywords:
            return f"{self.callee(node.func)}({', '.join(self(a) for a in node.args)})"
        raise Untranslatable(f"the Python {type(node).__name__} {ast.unparse(node)!r}")

    def compare(self, node: ast.Compare) -> str:
        parts, left = [], node.left
        for op, right in zip(node.ops, node.comparators):
            if type(op) not in _COMPARE:
                raise Untranslatable(f"the comparison {type(op).__name__}")
            parts.append(f"({self(left)} {_COMPARE[type(op)]} {self(right)})")
            left = right
        return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"

    def name(self, name: str) -> str:
        if name in self.names:
            return self.names[name]
        value = self.scope.get(name)
        if isinstance(value, float):
            return _literal(value)
        raise Untranslatable(f"the name {name!r}")

    def callee(self, func: ast.AST) -> str:
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module = self.scope.get(func.value.id)
            if module is math and func.attr in _MATH:
                return f"Math.{func.attr}"
            if module is math and func.attr == "erf":  # Math has none: ours (the runtime)
                return self.helper("erf")
            if module is builtins and func.attr == "sum":
                return self.helper("sum")
            raise Untranslatable(f"the call {ast.unparse(func)}")
        if not isinstance(func, ast.Name):
            raise Untranslatable(f"the call {ast.unparse(func)}")
        name, value = func.id, self.scope.get(func.id)
        if name == "abs" and value in (abs, None):
            return "Math.abs"
        if value is getattr(math, name, None) and name in _MATH:
            return f"Math.{name}"
        if value is math.erf:
            return self.helper("erf")
        if callable(value):
            return self.helper(name)
        raise Untranslatable(f"the call {name}()")

    def helper(self, name: str) -> str:
        self.used.add(name)
        return f"H[{_string(name)}]"


def _string(text: str) -> str:
    """A JS string literal (JSON's, which is JS's), safe inside a <script> element."""
    import json
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e")


def _template_scope() -> dict[str, Any]:
    scope: dict[str, Any] = dict(CODE_NAMES)
    for prim in OPS.values():
        if prim.name.isidentifier():
            scope.setdefault(prim.name, prim.forward)
    return scope


def expression_js(text: str, names: Mapping[str, str], scope: Mapping[str, Any] | None = None,
                  used: set[str] | None = None) -> str:
    """A Python expression over ``names`` (and ``CODE_NAMES``) as a JS expression."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise Untranslatable(f"{text!r} is not a Python expression") from error
    walk = _Expr(names, _template_scope() if scope is None else scope,
                 set() if used is None else used)
    return walk(tree.body)


def function_js(fn: Callable[..., Any], used: set[str]) -> str:
    """A small Python function (assignments, if/else, return, raise) as a JS function."""
    if isinstance(fn, types.BuiltinFunctionType) or not hasattr(fn, "__code__"):
        raise Untranslatable(f"{getattr(fn, '__name__', fn)!r} has no Python source")
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError) as error:
        raise Untranslatable(f"the source of {fn.__name__} cannot be read") from error
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef) or node.args.vararg or node.args.kwarg:
        raise Untranslatable(f"{fn.__name__} is not a plain function")
    params = [a.arg for a in node.args.args]
    scope = {**vars(builtins), **fn.__globals__}
    walk = _Expr({p: p for p in params}, scope, used)
    local: set[str] = set(params)
    body = _statements(node.body, walk, local, "    ")
    return f"function ({', '.join(params)}) {{\n{body}  }}"


def _statements(body: list[ast.stmt], walk: _Expr, local: set[str], pad: str) -> str:
    lines = []
    for st in body:
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant):
            continue  # a docstring
        if isinstance(st, ast.Return) and st.value is not None:
            lines.append(f"{pad}return {walk(st.value)};")
        elif isinstance(st, ast.Assign) and len(st.targets) == 1 \
                and isinstance(st.targets[0], ast.Name):
            target = st.targets[0].id
            walk.names = {**walk.names, target: target}
            lines.append(f"{pad}{'' if target in local else 'var '}{target} = {walk(st.value)};")
            local.add(target)
        elif isinstance(st, ast.If):
            lines.append(f"{pad}if ({walk(st.test)}) {{")
            lines.append(_statements(st.body, walk, local, pad + "  "))
            if st.orelse:
                lines.append(f"{pad}}} else {{")
                lines.append(_statements(st.orelse, walk, local, pad + "  "))
            lines.append(f"{pad}}}")
        elif isinstance(st, ast.Raise):
            lines.append(f"{pad}return NaN;  // the engine raises here: the page reports it")
        else:
            raise Untranslatable(f"the statement {ast.unparse(st)!r}")
    return "\n".join(line for line in lines if line) + "\n"


def op_key(prim: Primitive, arity: int) -> str:
    """The key of an op's JS: its name, or ``name/arity`` for an n-ary op."""
    return f"{prim.name}/{arity}" if prim.nary else prim.name


def _op_entry(prim: Primitive, arity: int, used: set[str]) -> str:
    """``{f: function (a) {...}, d: function (out, a) {...}}`` from the op's code entry."""
    if not prim.code:
        raise Untranslatable(f"the op {prim.name!r} has no code entry in the op table")
    names = [f"a[{i}]" for i in range(arity)]
    raw = [f"a{i}" for i in range(arity)]  # plain names for the templates, then mapped
    mapping = {**dict(zip(raw, names)), "out": "out"}
    if prim.nary:
        forward = prim.code[0](raw)
        locals_ = list(prim.code[1](raw, "out"))
    else:
        forward = prim.code[0] if not callable(prim.code[0]) else prim.code[0](raw, "")
        forward = forward.format(*raw) if not callable(prim.code[0]) else forward
        locals_ = [t(raw, "out") if callable(t) else t.format(*raw, out="out")
                   for t in prim.code[1:1 + arity]]
    if len(locals_) != arity:
        raise Untranslatable(f"the op {prim.name!r} has {len(locals_)} rules for {arity} inputs")
    f = expression_js(forward, mapping, used=used)
    d = ", ".join(expression_js(t, mapping, used=used) for t in locals_)
    return (f"{{f: function (a) {{ return {f}; }},\n"
            f"   d: function (out, a) {{ return [{d}]; }}}}")


def ops_js(keys: Iterable[tuple[Primitive, int]], *, mistakes: bool = False
           ) -> tuple[str, dict[str, str], dict[str, list[dict]]]:
    """One script defining ``CG_OPS`` for the (op, arity) pairs (and, with ``mistakes``,
    ``CG_MISTAKES``, see ``_mistake_entries``); what could not be made, key -> why; and
    what the page says of each mistake."""
    used: set[str] = set()
    entries, failed = [], {}
    keys = sorted(set(keys), key=lambda k: (k[0].name, k[1]))
    for prim, arity in keys:
        key = op_key(prim, arity)
        try:
            entries.append(f"  {_string(key)}: {_op_entry(prim, arity, used)}")
        except Untranslatable as error:
            failed[key] = str(error)
    wrong, facts = _mistake_entries(keys, used) if mistakes else ([], {})
    script = ("var CG_OPS, CG_MISTAKES;\n(function () {\n  \"use strict\";\n"
              f"  var H = {{}}, COMPENSATED = {str(_COMPENSATED).lower()};\n{_RUNTIME}"
              f"{_helpers(used)}"
              "  CG_OPS = {\n" + ",\n".join(entries) + "\n  };\n"
              "  CG_MISTAKES = {\n" + ",\n".join(wrong) + "\n  };\n})();\n")
    return script, failed, facts


def _helpers(used: set[str]) -> str:
    """The helpers the templates called, translated from their Python source (and theirs)."""
    scope = _template_scope()
    done, out = {"erf", "sum"}, []
    todo = sorted(used - done)
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        fn = scope.get(name)
        if fn is None:
            raise Untranslatable(f"no helper named {name!r}")
        if not isinstance(fn, types.FunctionType):
            raise Untranslatable(f"{name} has no Python source")
        target, inner = fn, set()
        text = function_js(target, inner)
        out.append(f"  H[{_string(name)}] = {text};\n")
        scope.update({n: target.__globals__.get(n) for n in inner if n in target.__globals__})
        todo.extend(sorted(inner - done))
    return "".join(out)


def _mistake_show(code: str) -> str:
    """A mistake's template as the checker prints it, with holes \\u0000i\\u0000 for the names."""
    text = code.format("\u00000\u0000", "\u00001\u0000", out="\u0000o\u0000")
    for a, b in ((" * ", "·"), ("1.0", "1"), ("0.0", "0"), (" ** ", "^")):
        text = text.replace(a, b)
    return text


def _mistake_entries(keys: list[tuple[Primitive, int]], used: set[str]
                     ) -> tuple[list[str], dict[str, list[dict]]]:
    """For each op key, its table mistakes as JS ``function (out, a)`` (``a`` the consumer's
    arguments; for an n-ary op [the argument, its partner]), and what the page says of each
    (input, says, how it prints). A mistake whose code does not translate is left out (the
    quiz then cannot name it)."""
    lines, facts = [], {}
    for prim, arity in keys:
        key, found, fns = op_key(prim, arity), [], []
        width = 2 if prim.nary else arity
        mapping = {**{f"a{i}": f"a[{i}]" for i in range(width)}, "out": "out"}
        for mistake in getattr(prim, "mistakes", ()):
            try:
                text = mistake.code.format(*[f"a{i}" for i in range(width)], out="out")
                body = expression_js(text, mapping, used=used)
            except (Untranslatable, IndexError, KeyError):
                continue
            fns.append(f"function (out, a) {{ return {body}; }}")
            found.append({"input": mistake.input, "says": mistake.says,
                          "show": _mistake_show(mistake.code)})
        if found:
            facts[key] = found
            lines.append(f"  {_string(key)}: [{', '.join(fns)}]")
    return lines, facts
