"""The op table as JavaScript (autograd/js.py): every op and every typical mistake of the
table translates, and in Chromium each op's forward and local derivatives equal the engine's
rules to 1e-12 relative on random inputs inside its domain."""

from __future__ import annotations

import random

import pytest

from autograd.ops import OPS
from autograd.see.js import Untranslatable, expression_js, function_js, op_key, ops_js

RESTRICTED = {
    "log": "pos", "log2": "pos", "log10": "pos", "sqrt": "pos", "acosh": "above1",
    "asin": "unit", "acos": "unit", "atanh": "unit", "**": "base",
}


def _inputs(name: str, n: int, rnd: random.Random) -> list[float]:
    a = [rnd.uniform(-3, 3) for _ in range(n)]
    how = RESTRICTED.get(name)
    if how == "pos":
        a = [abs(x) + 1e-3 for x in a]
    elif how == "above1":
        a = [abs(x) + 1.001 for x in a]
    elif how == "unit":
        a = [x / 3.2 for x in a]
    elif how == "base":
        a = [abs(a[0]) + 0.05, a[1]]
    if name in ("leaky_relu", "elu"):
        a[1] = abs(a[1])
    return a


def _keys() -> list[tuple]:
    keys = []
    for prim in OPS.values():
        if prim.nary:
            keys += [(prim, n) for n in (0, 1, 2, 5, 33, 40)]
        else:
            keys.append((prim, len(prim.derivatives)))
    return keys


def test_every_op_and_mistake_translates():
    script, failed, facts = ops_js(_keys(), mistakes=True)
    assert failed == {}
    table = sum(len(p.mistakes) for p in OPS.values() if not p.nary)
    fixed = sum(len(v) for k, v in facts.items() if "/" not in k or k == "/")
    assert fixed == table  # every fixed-arity op's mistakes, none left out
    assert "<" not in script.replace("<=", "").replace(" < ", "")  # nothing to end a <script>


def test_untranslatable_code_is_said():
    with pytest.raises(Untranslatable, match="name 'secret'"):
        expression_js("secret + a0", {"a0": "a[0]"})
    with pytest.raises(Untranslatable):
        expression_js("__import__('os')", {})
    with pytest.raises(Untranslatable):
        expression_js("a0 % 2", {"a0": "a[0]"})
    with pytest.raises(Untranslatable):
        function_js(len, set())


def test_ops_in_chromium_equal_the_engine(browser):
    rnd = random.Random(7)
    keys = _keys()
    script, _, _ = ops_js(keys)
    cases = []
    for prim, n in keys:
        for _ in range(40):
            a = _inputs(prim.name, n, rnd)
            try:
                out = prim.forward(a) if prim.nary else prim.forward(*a)
                ds = (prim.derivatives[0](out, a) if prim.nary
                      else [r(out, *a) for r in prim.derivatives])
            except (ValueError, ArithmeticError):
                continue
            cases.append((op_key(prim, n), a, out, list(ds)))
    page = browser.new_page()
    page.set_content(f"<script>{script}</script>")
    got = page.evaluate("cs => cs.map(c => { var e = CG_OPS[c[0]], o = e.f(c[1]);"
                        " return [o, e.d(o, c[1])]; })", [[c[0], c[1]] for c in cases])
    page.close()

    def close(x: float, y: float) -> bool:
        return x == y or abs(x - y) <= 1e-12 * max(abs(x), abs(y))

    bad = [(k, a, (o, d), (jo, jd)) for (k, a, o, d), (jo, jd) in zip(cases, got)
           if not close(jo, o) or len(jd) != len(d) or not all(map(close, jd, d))]
    assert not bad, bad[:3]
    assert {k for k, *_ in cases} >= {op_key(p, n) for p, n in keys if not p.nary}
