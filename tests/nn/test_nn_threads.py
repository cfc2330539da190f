"""Concurrent backward passes into one shared model add up exactly: no lost update.

PyTorch accumulates the grads of concurrent backward passes correctly; so must we.
The switch interval is set to 1 µs so that threads interleave as often as they can.
"""

from __future__ import annotations

import sys
import threading

import pytest

from autograd import Value
from nn import MLP, mse

THREADS, PASSES = 4, 150


@pytest.fixture
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def _run_threads(target, n):
    errors = []
    start = threading.Barrier(n)  # every thread starts its passes at the same moment

    def run(i):
        try:
            start.wait(10)
            target(i)
        except BaseException as error:  # reported to the test thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a thread did not finish in 60 s"
    assert not errors, errors


def _loss(model, i):
    x = [0.25 * (i + 1), -0.5 + 0.125 * i, 1.0 - 0.3 * i]
    return mse(model(x), 0.1 * i)


def test_four_threads_of_backward_on_one_mlp_add_up_to_the_single_thread_sum(fast_switching):
    model = MLP(3, [4, 4, 1], seed=0)
    params = model.parameters()
    expected = [0.0] * len(params)
    for i in range(THREADS):  # one pass of each thread's loss, on one thread
        model.zero_grad()
        _loss(model, i).backward()
        expected = [e + PASSES * p.grad for e, p in zip(expected, params)]
    model.zero_grad()

    def passes(i):
        loss = _loss(model, i)  # a graph of the thread's own over the shared parameters
        for _ in range(PASSES):
            loss.backward()

    _run_threads(passes, THREADS)
    wrong = [(k, p.grad, e) for k, (p, e) in enumerate(zip(params, expected))
             if p.grad != pytest.approx(e, rel=1e-12, abs=1e-12)]
    assert not wrong, f"{len(wrong)} of {len(params)} parameter grads lost updates: {wrong[:3]}"


def test_one_value_receiving_concurrent_passes_loses_no_contribution(fast_switching):
    x = Value(1.0, label="x")

    def passes(i):
        y = x * float(i + 1)  # d y / d x = i + 1: an integer, so every sum is exact
        for _ in range(10_000):
            y.backward()

    _run_threads(passes, THREADS)
    assert x.grad == 10_000 * sum(range(1, THREADS + 1))


def test_backward_steps_run_to_the_end_in_threads_add_up_too(fast_switching):
    from autograd import backward_steps

    x = Value(2.0, label="x")

    def passes(i):
        y = x * x  # d y / d x = 4
        for _ in range(2000):
            for _step in backward_steps(y):
                pass

    _run_threads(passes, THREADS)
    assert x.grad == 4.0 * 2000 * THREADS


def test_backward_beside_functional_grad_passes_on_the_same_values(fast_switching):
    from autograd import grad

    w = Value(0.5, label="w")

    def work(i):
        if i % 2:  # grad() reads w and writes no .grad
            f = grad(lambda x: (x * w).tanh())
            for _ in range(300):
                f(0.3)
        else:
            y = w * 3.0
            for _ in range(3000):
                y.backward()

    _run_threads(work, THREADS)
    assert w.grad == 3.0 * 3000 * (THREADS // 2)
