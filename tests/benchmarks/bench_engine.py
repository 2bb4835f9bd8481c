"""Benchmark: one MLP training step with the engine against the same step written by hand.

Both steps do the same work: forward, mean squared error, backward, gradient-descent update.
The engine builds its graph anew each step (as a training loop does) with the data as plain
numpy arrays (constants). Rounds of the two are interleaved in one run, so a noisy machine
slows both alike; the figure is the median over rounds of each round's ratio (engine time /
numpy time), which a load that changes from round to round disturbs least. The data are
read-only arrays, which the engine keeps without a copy; the large case is also timed with
writable data, which the engine copies (its rule for constants), to show what the copy costs.
Also times the 200,000-node chain.

    python tests/benchmarks/bench_engine.py
"""
import statistics
import time
from itertools import pairwise

import numpy as np

from course_utils.engine import Node, relu, sigmoid, topological_order

TARGETS = {"XOR, batch 4, 2-8-1": 3.0, "batch 256, 784-256-10": 1.10}


def init(sizes, rng):
    return [(rng.normal(0, 1 / np.sqrt(m), (m, n)), np.zeros(n)) for m, n in pairwise(sizes)]


def engine_step(X, T, params, lr, hidden):
    """Forward, loss, backward and update with the engine; params are (W, b) Node pairs."""
    h = X
    for i, (W, b) in enumerate(params):
        a = h @ W + b
        h = hidden(a) if i < len(params) - 1 else sigmoid(a)
    loss = ((h - T) ** 2).mean()
    loss.backward()
    for W, b in params:
        W.value = W.value - lr * W.bar
        b.value = b.value - lr * b.bar
    return loss.value


def numpy_step(X, T, params, lr, hidden):
    """The same step by hand: forward keeping what backward needs, then the bars in reverse."""
    act, dact = {"sigmoid": (lambda a: 1 / (1 + np.exp(-a)), lambda h, a: h * (1 - h)),
                 "relu": (lambda a: np.maximum(a, 0), lambda h, a: a > 0)}[hidden]
    inputs, outs, pre = [X], [], []
    h = X
    for i, (W, b) in enumerate(params):
        a = h @ W + b
        h = act(a) if i < len(params) - 1 else 1 / (1 + np.exp(-a))
        pre.append(a)
        outs.append(h)
        inputs.append(h)
    diff = h - T
    loss = np.mean(diff ** 2)
    h_bar = 2 * diff / diff.size
    for i in reversed(range(len(params))):
        W, b = params[i]
        a_bar = h_bar * outs[i] * (1 - outs[i]) if i == len(params) - 1 \
            else h_bar * dact(outs[i], pre[i])
        W_bar, b_bar = inputs[i].T @ a_bar, a_bar.sum(axis=0)
        if i:
            h_bar = a_bar @ W.T
        params[i] = (W - lr * W_bar, b - lr * b_bar)
    return loss


def compare(name, batch, sizes, hidden, rounds, repeat, read_only=True):
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(batch, sizes[0])), rng.uniform(size=(batch, sizes[-1]))
    if read_only:
        X.setflags(write=False)
        T.setflags(write=False)
    start = init(sizes, rng)
    nodes = [(Node(W, name=f"W{i}"), Node(b, name=f"b{i}")) for i, (W, b) in enumerate(start)]
    arrays = [(W.copy(), b.copy()) for W, b in start]
    # same starting point, same result: the two steps compute the same thing
    assert np.isclose(engine_step(X, T, nodes, 0.1, {"sigmoid": sigmoid, "relu": relu}[hidden]),
                      numpy_step(X, T, arrays, 0.1, hidden))
    times = {"engine": [], "numpy": []}
    for _ in range(rounds):
        for label in times:
            began = time.perf_counter()
            for _ in range(repeat):
                if label == "engine":
                    engine_step(X, T, nodes, 0.1, {"sigmoid": sigmoid, "relu": relu}[hidden])
                else:
                    numpy_step(X, T, arrays, 0.1, hidden)
            times[label].append((time.perf_counter() - began) / repeat)
    engine, numpy = statistics.median(times["engine"]), statistics.median(times["numpy"])
    ratio = statistics.median(e / n for e, n in zip(times["engine"], times["numpy"], strict=True))
    if read_only:
        verdict = "meets" if ratio <= TARGETS[name] else "misses"
        verdict = f"({verdict} the target {TARGETS[name]}x)"
    else:
        verdict = "(writable data, copied: no target)"
    print(f"{name:24} engine {engine * 1e6:9.1f} us   numpy {numpy * 1e6:9.1f} us   "
          f"ratio {ratio:5.2f}  {verdict}")


def chain(length=200_000):
    began = time.perf_counter()
    x = Node(1.0, name="x")
    node = x
    for _ in range(length):
        node = node * 1.0
    built = time.perf_counter()
    topological_order(node)
    ordered = time.perf_counter()
    node.forward()
    node.backward()
    done = time.perf_counter()
    print(f"{length}-node chain: build {built - began:.2f} s, topological order "
          f"{ordered - built:.2f} s, forward + backward {done - ordered:.2f} s")


if __name__ == "__main__":
    compare("XOR, batch 4, 2-8-1", 4, [2, 8, 1], "sigmoid", rounds=31, repeat=100)
    compare("batch 256, 784-256-10", 256, [784, 256, 10], "relu", rounds=31, repeat=2)
    compare("batch 256, 784-256-10", 256, [784, 256, 10], "relu", rounds=31, repeat=2,
            read_only=False)
    chain()
