"""Benchmark: how long the BackpropStepper takes to show one step.

For every step of the lecture's graph (9 nodes) and of a 60-node scalar network, time
setting `.step` on the widget (which renders the step into its HTML view), several rounds;
print the median and the slowest per step against the targets (20 ms and 100 ms).

    python tests/benchmarks/bench_stepper.py
"""
import statistics
import time

import numpy as np

from course_utils.engine import Node, sigmoid, tanh, topological_order
from course_utils.lecture import regularised_example
from course_utils.widgets import BackpropStepper

TARGETS_MS = {"lecture graph": 20.0, "60-node network": 100.0}


def network_60() -> Node:
    """A scalar 2-5-1 network with its loss, every node named: 60 nodes."""
    rng = np.random.default_rng(0)
    x = [Node(v, name=f"x_{i + 1}") for i, v in enumerate(rng.normal(size=2))]
    hidden = []
    for j in range(5):
        w = [Node(rng.normal(), name=f"w_{j + 1}{i + 1}") for i in range(2)]
        b = Node(0.1, name=f"b_{j + 1}")
        a = w[0] * x[0] + w[1] * x[1] + b
        hidden.append(tanh(a, name=f"h_{j + 1}"))
    v = [Node(rng.normal(), name=f"v_{j + 1}") for j in range(5)]
    total = v[0] * hidden[0]
    for vj, hj in zip(v[1:], hidden[1:], strict=True):
        total = total + vj * hj
    y = sigmoid(total, name="y")
    loss = (y - Node(1.0, name="t")) ** 2
    loss.name = "L"
    return loss


def time_steps(output: Node, rounds: int = 5) -> list[float]:
    stepper = BackpropStepper(output)
    times = []
    for _ in range(rounds):
        for index in range(len(stepper.steps)):
            start = time.perf_counter()
            stepper.step = index
            times.append((time.perf_counter() - start) * 1000)
        stepper.step = 0
    return times


def main():
    graphs = {"lecture graph": regularised_example().L_reg, "60-node network": network_60()}
    for name, output in graphs.items():
        n_nodes = len(topological_order(output))
        start = time.perf_counter()
        BackpropStepper(output)
        build = (time.perf_counter() - start) * 1000
        times = time_steps(output)
        median = statistics.median(times)
        verdict = "ok" if median <= TARGETS_MS[name] else "TOO SLOW"
        print(f"{name} ({n_nodes} nodes): median {median:.2f} ms per step, slowest "
              f"{max(times):.2f} ms, target {TARGETS_MS[name]:.0f} ms: {verdict}; "
              f"building the stepper {build:.1f} ms")


if __name__ == "__main__":
    main()
