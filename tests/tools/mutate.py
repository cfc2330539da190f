"""Plant typical bugs in a scratch copy of the repository, one at a time, and see which the
tests catch.

    python tests/tools/mutate.py                 # every mutant (a scratch copy in /tmp)
    python tests/tools/mutate.py --list          # the mutants, and where each is planted
    python tests/tools/mutate.py --only adam-bias-correction-m codegen-second-negative-edge

Each mutant replaces one exact piece of source text (a rule's sign, ``=`` for ``+=``, a bias
correction, a running sum in the step-through's script ...) and runs the tests that should
notice, with CI=true (the property tests' examples derandomized, as in CI), stopping at the
first failure. A mutant is *caught* when some test fails (or the run errors or times out)
and *survived* when all pass. Before any mutant, each set of tests runs once on the
unchanged copy and must pass. A piece of text that is not in its file exactly once stops
the script before anything runs: the mutant would otherwise test nothing, silently.

The repository itself is never touched: the copy is made with ``shutil.copytree`` (no
.git, no virtualenv), each mutant is written into the copy and taken out again. Exit status:
0 when every mutant is caught, 1 when one survives, 2 when the list or the baseline is wrong.
This is not part of the test suite (it runs the suite many times over); a test there checks
that this list is well-formed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Mutant:
    """One planted bug: ``old`` (exactly once in ``path``) becomes ``new``."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    why: str


class TargetMissing(Exception):
    """A mutant's text is not in its file exactly once: the source moved on; fix the list."""


# the tests that should notice each kind of bug
ENGINE = ("tests/engine", "tests/derivations")
WALK = ("tests/engine", "tests/viz/test_step_through.py", "tests/viz/test_trace.py")
CODEGEN = ("tests/engine/test_codegen_signs.py", "tests/engine/test_compile.py",
           "tests/nn/test_nn_compiled.py")
OPTIM = ("tests/nn/test_nn_optim.py", "tests/derivations", "tests/nn/test_nn_torch.py")
LOSSES = ("tests/nn/test_nn_losses.py", "tests/derivations", "tests/nn/test_nn_torch.py")
PAGE = ("tests/viz/test_step_through.py", "tests/browser")
THREADS = ("tests/engine/test_engine_reliability.py",)

OPS, BACKWARD, CODE = "autograd/ops.py", "autograd/backward.py", "autograd/compiler/codegen.py"
JS = "autograd/see/_static/step_through.js"

MUTANTS = [
    # -- a rule's sign, in the op table --------------------------------------------------------
    Mutant("sub-rule-sign", OPS,
           "derivatives=(lambda out, a, b: 1.0, lambda out, a, b: -1.0),",
           "derivatives=(lambda out, a, b: 1.0, lambda out, a, b: 1.0),",
           ENGINE, "d(a - b)/db = +1"),
    Mutant("cos-rule-sign", OPS, "derivatives=(lambda out, x: -_sin(x),),",
           "derivatives=(lambda out, x: _sin(x),),", ENGINE, "cos' = +sin"),
    Mutant("div-rule-sign", OPS, "lambda out, a, b: -out / b),", "lambda out, a, b: out / b),",
           ENGINE, "d(a/b)/db = +a/b²"),
    Mutant("tanh-rule-sign", OPS, "derivatives=(lambda out, x: 1.0 - out * out,),",
           "derivatives=(lambda out, x: 1.0 + out * out,),", ENGINE, "tanh' = 1 + tanh²"),
    Mutant("dot-rule-swapped", OPS, "return (*qs, *ws) if bias is None else (*qs, *ws, 1.0)",
           "return (*ws, *qs) if bias is None else (*ws, *qs, 1.0)", ENGINE,
           "dp/dw = w instead of q (the forward chain swapped)"),
    Mutant("sigmoid-unstable", OPS, "    e = math.exp(x)\n    return e / (1.0 + e)",
           "    return 1.0 / (1.0 + math.exp(-x))", ENGINE,
           "σ(x) for x ≪ 0 as 1/(1 + e^-x): exp overflows"),
    Mutant("cos-code-sign", OPS, 'code=("cos({0})", "-sin({0})"),',
           'code=("cos({0})", "sin({0})"),', CODEGEN, "the compiled cos' = +sin"),
    # -- = for += in the reverse pass -------------------------------------------------------
    Mutant("backward-assign-second", BACKWARD,
           "grads[second] += node._l1 * node_grad", "grads[second] = node._l1 * node_grad",
           ENGINE, "a node's second operand keeps only its last contribution"),
    Mutant("backward-assign-nary", BACKWARD, "grads[parent] += local * node_grad\n        elif",
           "grads[parent] = local * node_grad\n        elif", ENGINE,
           "sum/dot inputs keep only their last contribution"),
    Mutant("backward-assign-merged-sum", BACKWARD, "grads[parent] += amount",
           "grads[parent] = amount", ENGINE, "a merged chain of + overwrites"),
    Mutant("backward-grad-not-accumulated", BACKWARD,
           "totals = [node.grad + g for node, g in grads.items()]",
           "totals = [g for node, g in grads.items()]", ENGINE,
           ".grad replaced, not added to, by a second pass"),
    Mutant("reference-walk-assign", BACKWARD, "grads[parent] += c.amount",
           "grads[parent] = c.amount", WALK,
           "the reference walk (pages, explain, trace) overwrites a node's sum"),
    # -- the code generator's accumulation ---------------------------------------------------
    Mutant("codegen-second-negative-edge", CODE, 'f"{g} -= {sent}"', 'f"{g} += {sent}"',
           CODEGEN, "(x - y)*2 - y: d/dy = 1, not -3"),
    Mutant("codegen-first-negative-edge", CODE, 'text = f"{g} = -{sent}" if first',
           'text = f"{g} = {sent}" if first', CODEGEN, "a first -1 edge sends +g"),
    Mutant("codegen-assign-for-add", CODE, 'assign = "=" if first else "+="', 'assign = "="',
           CODEGEN, "every edge overwrites"),
    Mutant("codegen-skipped-block-not-zeroed", CODE,
           """lines += ["else:", f"    {' = '.join(firsts)} = 0.0"]""",
           """lines += ["else:", "    pass"]""", CODEGEN,
           "a node of 3+ edges with grad 0 leaves its parents' grads unset"),
    # -- the optimizers -------------------------------------------------------------------------
    Mutant("adam-bias-correction-m", "nn/optim.py", "(mi / (1.0 - b1**ti))", "mi", OPTIM,
           "Adam without the first moment's bias correction"),
    Mutant("adam-bias-correction-v", "nn/optim.py", "(ri / math.sqrt(1.0 - b2**ti) + eps)",
           "(ri + eps)", OPTIM, "Adam without the second moment's bias correction"),
    Mutant("sgd-weight-decay-sign", "nn/optim.py",
           "            if wd:\n                g = g + wd * d\n            if mu:",
           "            if wd:\n                g = g - wd * d\n            if mu:", OPTIM,
           "SGD's weight decay rewards large weights"),
    Mutant("adam-weight-decay-dropped", "nn/optim.py",
           "                g = g + wd * d\n            ti = t[i] + 1",
           "                g = g\n            ti = t[i] + 1", OPTIM,
           "Adam ignores weight_decay"),
    Mutant("sgd-momentum-not-kept", "nn/optim.py", "                bufs[i] = g",
           "                bufs[i] = None", OPTIM, "momentum forgotten between steps"),
    # -- losses ----------------------------------------------------------------------------------
    Mutant("l2-penalty-half-dropped", "nn/losses.py", "return dot(ws, ws) * (lam / 2.0)",
           "return dot(ws, ws) * lam", LOSSES, "λΣw² instead of λ/2 Σw² (gradient 2λw)"),
    Mutant("softmax-unstable", "nn/losses.py",
           "exps = [(z - m).exp() if z.data - m >= _UNDERFLOW else None for z in zs]",
           "exps = [z.exp() if z.data - m >= _UNDERFLOW else None for z in zs]", LOSSES,
           "softmax without subtracting the max: overflows at logits of 1000"),
    Mutant("logsumexp-unstable", "nn/losses.py",
           "return vsum([(z - m).exp() for z in zs if z.data - m >= _UNDERFLOW]).log() + m",
           "return vsum([z.exp() for z in zs if z.data - m >= _UNDERFLOW]).log()", LOSSES,
           "log Σ exp without the max taken out"),
    Mutant("cross-entropy-sign", "nn/losses.py", "return logsumexp(zs) - zs[t]",
           "return zs[t] - logsumexp(zs)", LOSSES, "the loss negated"),
    # -- threads ----------------------------------------------------------------------------------
    Mutant("collector-pause-count", "autograd/graph.py",
           "                if self._holders == 0:\n", "                if True:\n", THREADS,
           "the first of two overlapping walks to end turns the collector back on"),
    Mutant("no-grad-exit-forces-on", "autograd/value.py", "_grad_mode.reset(token)",
           "_grad_mode.set(True)", THREADS + ("tests/engine/test_engine_semantics.py",),
           "leaving a no_grad nested in another turns recording back on"),
    # -- the step-through page's script ---------------------------------------------------------
    Mutant("js-running-sum", JS, "      running += c[3];", "      running = c[3];", PAGE,
           "'sum so far' shows each contribution, not the running sum"),
    Mutant("js-partial-grad-sum", JS, "sum += s.cs[j][3]; count++;",
           "sum = s.cs[j][3]; count++;", PAGE,
           "a waiting node's partial grad shows its last contribution only"),
    Mutant("js-partial-grad-off-by-one", JS, "if (bpos[E[s.cs[j][0]].c] > p) break;",
           "if (bpos[E[s.cs[j][0]].c] >= p) break;", PAGE,
           "the partial grad lags one step behind"),
    Mutant("js-contribution-shown-late", JS, '"→ " + (pos >= bpos[e.c] && !asked(e.p) ?',
           '"→ " + (pos > bpos[e.c] && !asked(e.p) ?', PAGE,
           "an edge's contribution appears one step after its consumer's"),
]


def check_targets(mutants: list[Mutant], root: Path = ROOT) -> None:
    """Raise TargetMissing unless each mutant's text is in its file exactly once."""
    names = [m.name for m in mutants]
    if len(set(names)) != len(names):
        raise TargetMissing(f"two mutants share a name: {sorted(names)}")
    for m in mutants:
        source = (root / m.path).read_text("utf-8")
        count = source.count(m.old)
        if count != 1 or m.old == m.new:
            raise TargetMissing(
                f"{m.name}: {m.old!r} is in {m.path} {count} times (must be once); "
                "the source moved on: update tests/tools/mutate.py")
        for t in m.tests:
            if not (root / t).exists():
                raise TargetMissing(f"{m.name}: no test path {t}")


def scratch_copy(into: Path) -> Path:
    skip = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache",
                                  ".ruff_cache", "*.egg-info", "out", "runs", "build", "dist")
    target = into / "chaingrad"
    shutil.copytree(ROOT, target, ignore=skip)
    return target


def run_tests(copy: Path, tests: tuple[str, ...], limit: float) -> tuple[str, str, float]:
    """('pass' | 'fail' | 'error' | 'timeout', the first failing test, seconds)."""
    env = {**os.environ, "PYTHONPATH": str(copy), "CI": "true", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("HYPOTHESIS_PROFILE", None)
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True,
                              timeout=limit)
    except subprocess.TimeoutExpired:
        return "timeout", "", time.perf_counter() - start
    took = time.perf_counter() - start
    first = next((line for line in done.stdout.splitlines()
                  if line.startswith(("FAILED", "ERROR"))), "")
    kind = {0: "pass", 1: "fail"}.get(done.returncode, "error")
    if kind == "error" and not first:
        first = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
        first = first[0]
    return kind, first, took


def mutate_and_run(copy: Path, m: Mutant, limit: float) -> tuple[str, str, float]:
    file = copy / m.path
    original = file.read_text("utf-8")
    if original.count(m.old) != 1:
        raise TargetMissing(f"{m.name}: {m.old!r} is not in the copy's {m.path} once")
    file.write_text(original.replace(m.old, m.new), "utf-8")
    try:
        return run_tests(copy, m.tests, limit)
    finally:
        file.write_text(original, "utf-8")


def _short(text: str, n: int = 90) -> str:
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= n else text[: n - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run these mutants only")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run of each test set on the unchanged copy")
    parser.add_argument("--limit", type=float, default=900.0,
                        help="seconds for one test run (a mutant that hangs is caught)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args(argv)
    mutants = MUTANTS
    if args.only:
        unknown = set(args.only) - {m.name for m in MUTANTS}
        if unknown:
            parser.error(f"no mutant named {sorted(unknown)}")
        mutants = [m for m in MUTANTS if m.name in args.only]
    try:
        check_targets(mutants)
    except TargetMissing as error:
        print(f"mutate.py: {error}", file=sys.stderr)
        return 2
    if args.list:
        for m in mutants:
            print(f"{m.name:34} {m.path:32} {m.why}")
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="chaingrad-mutants-"))
    try:
        copy = scratch_copy(scratch)
        print(f"scratch copy: {copy}", flush=True)
        if not args.no_baseline:
            for tests in dict.fromkeys(m.tests for m in mutants):
                kind, first, took = run_tests(copy, tests, args.limit)
                print(f"baseline {' '.join(tests)}: {kind} ({took:.0f} s) {first}", flush=True)
                if kind != "pass":
                    print("mutate.py: the unchanged copy does not pass these tests; no mutant "
                          "can be judged by them", file=sys.stderr)
                    return 2
        survived = []
        print("| mutant | file | result | s | first failure |\n|---|---|---|---|---|")
        for m in mutants:
            kind, first, took = mutate_and_run(copy, m, args.limit)
            result = "survived" if kind == "pass" else f"caught ({kind})"
            if kind == "pass":
                survived.append(m.name)
            print(f"| {m.name} | {m.path} | {result} | {took:.0f} | {_short(first)} |",
                  flush=True)
        print(f"\n{len(mutants) - len(survived)} of {len(mutants)} caught"
              + (f"; survived: {', '.join(survived)}" if survived else ""))
        return 1 if survived else 0
    finally:
        if args.keep:
            print(f"kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
