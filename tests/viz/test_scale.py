"""The seeing tools scale with the graph (issue 12): linear work, linear text, no timing.

explain's delta form is checked by counting how often it reads a node's edges
(``.parents``, ``.local_grads``, ``.args``): a bounded number per node. trace_text
is checked by the length of its text. Listing one path down a long chain is
checked in a child process under a CPU-time cap twenty times what the linear
walk needs: a prefix copied at every step (n²/2 work) cannot finish under it.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import autograd
from autograd import Value, explain, topo_order, trace_text
from autograd.see.chains import PATH_COUNT_CAP, count_paths

ROOT = Path(__file__).resolve().parents[2]


def _batch_loss(m: int) -> tuple[Value, Value]:
    from nn import MLP, mse

    model = MLP(2, [16, 16, 1], seed=0)
    rng = random.Random(1)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(m)]
    ys = [rng.choice((-1.0, 1.0)) for _ in range(m)]
    return mse([model(x) for x in xs], ys), model.layers[0].neurons[0].w[0]


def test_explain_delta_form_reads_each_node_a_bounded_number_of_times(edge_reads):
    loss, w = _batch_loss(60)
    n_nodes = len(topo_order(loss))
    edge_reads.clear()
    e = explain(loss, w, paths=False)
    reads = sum(edge_reads.values())
    # one topological order, one reverse walk, one counting pass, one pass for the
    # consumers of w: a few reads per node, not one pass over the graph per sample
    assert reads <= 6 * n_nodes, (reads, n_nodes)
    assert len(e.split) == 60  # w feeds one dot per sample
    loss.backward()
    assert e.total == pytest.approx(w.grad, rel=1e-12)
    assert sum(s.product for s in e.split) == pytest.approx(w.grad, rel=1e-9)


def test_trace_text_of_a_wide_sum_is_linear_in_its_inputs():
    for n in (3_000, 100_000):
        s = autograd.sum(Value(float(i), label=f"x{i}") for i in range(n))
        text = trace_text(s)
        assert len(text) <= 150 * n, (n, len(text))  # was 690 MB at n = 10^4
        lines = text.splitlines()
        assert len(lines) == 2 * n + 5  # heading, n + 1 nodes, blank, heading, seed, n edges
        long = [line for line in lines if len(line) > 120]
        assert len(long) == 1 and long[0].lstrip().startswith("sum#1 ")  # only the sum's line
        assert re.search(rf"x{n - 1}\.grad +\+= 1 \* sum#1\.grad +# 1 \* 1 = 1", text)


def test_columns_still_align_below_the_limit():
    x = Value(0.5, label="x")
    y = autograd.sum([x * 2.0, x.tanh(), *[x * float(k) for k in range(30)]])
    lines = trace_text(y, grads=False, reverse=False).splitlines()[1:]
    short = [line for line in lines if len(line.split(" # ")[0].rstrip()) < 50]
    assert len({line.index(" # ") for line in short}) == 1  # one column of comments
    assert any(len(line) > 150 for line in lines)  # the sum's line sticks out alone


def test_listing_the_one_path_of_a_long_chain_is_linear():
    # 3 * 10^5 nodes: the linear walk needs about 2 s of CPU; copying the path so far
    # at every step (the old way) needs minutes. The cap is twenty times the former.
    code = textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_CPU, (40, 40))
        from autograd import Value, explain
        x = Value(0.3, label='x'); y = x
        for _ in range(150_000):
            y = (y * 1.001).tanh()
        e = explain(y, x)
        (path,) = e.paths
        assert len(path.factors) == 300_000 and path.nodes[-1] is x
        y.backward()
        assert abs(e.total - x.grad) <= 1e-12 * abs(x.grad)
        print('ok')
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=240)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_path_counts_stop_growing_at_the_cap():
    x = Value(1.0, label="x")
    y = x
    for _ in range(1000):
        y = y * y  # 2^1000 paths; data stays 1.0
    assert count_paths(y, x) == PATH_COUNT_CAP + 1
    assert count_paths(y, x, cap=1000) == 1001
    z = x
    for _ in range(10):
        z = z * z
    assert count_paths(z, x) == 2**10  # exact below the cap
    e = explain(y, x, paths=False)
    assert e.n_paths == PATH_COUNT_CAP + 1
    assert "more than 18,446,744,073,709,551,616 paths" in str(e)
    assert e.total == 2.0**1000  # each level doubles it: exact in floats
    with pytest.raises(ValueError, match=r"more than 18,446,744,073,709,551,616 paths") as info:
        explain(y, x)
    assert "paths=False" in str(info.value) and "max_paths=N" in str(info.value)


def test_the_refusal_says_how_many_and_what_to_do():
    x = Value(0.3, label="x")
    v = x
    for _ in range(14):
        v = (v * v).tanh()
    with pytest.raises(ValueError) as info:
        explain(v, x, max_paths=100)
    message = str(info.value)
    assert "16,384 paths (counted, not listed)" in message and "max_paths=100" in message
    assert "explain(root, wrt, paths=False)" in message and "max_paths=16384" in message
    assert len(explain(v, x, max_paths=16_384).paths) == 16_384


@pytest.mark.parametrize("bad", [-1, 2.5, "10", True, None])
def test_max_paths_must_be_a_count(bad):
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="max_paths"):
        explain(x * x, x, max_paths=bad)


def _wide_neurons(width: int) -> Value:
    """Ten neurons dot(w, x, b), ``width`` weights each over plain-number inputs: ten boxes."""
    outs = []
    for i in range(10):
        ws = [Value(0.01 * ((i + k) % 7 - 3), label=f"w{i}_{k}") for k in range(width)]
        outs.append(autograd.dot(ws, [0.5] * width, Value(0.1, label=f"b{i}")).tanh())
    return autograd.sum(outs)


def _calls_in(work) -> int:
    """Every Python and C function call ``work()`` makes in this process (Graphviz's
    own work runs in its child process and is not counted: it is linear there)."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


def test_step_through_makes_a_bounded_number_of_calls_per_node():
    # It was quadratic: one search of the whole SVG per leaf and, per edge of a dot,
    # the names of all the dot's arguments. 10x the nodes must cost about 10x the calls.
    from autograd import step_through

    small, large = _wide_neurons(40), _wide_neurons(400)
    n_small, n_large = len(topo_order(small)), len(topo_order(large))
    assert n_large > 9 * n_small
    calls_small = _calls_in(lambda: step_through(small, collapse=True))
    calls_large = _calls_in(lambda: step_through(large, collapse=True, max_nodes=10**5))
    per_node_small, per_node_large = calls_small / n_small, calls_large / n_large
    assert per_node_large < 1.5 * per_node_small, (per_node_small, per_node_large)
