"""Notebook 07's 2-H-1 network by hand: the forward and the backward pass in bar notation.

The same network the engine builds node by node, written out with numpy for the whole batch at
once (samples are rows, so the weights multiply from the right, X W). Its lines are not written
out here: they are the notebook's exercises, and the notebook shows them after each check.

These are the reference answers of the notebook's exercises (the passes, the training loop and
the update step): the notebook's later cells use them, so that no cell repeats an answer, and
they stand in for the student's functions until those are right. The checks compare the
student's passes with the engine itself. Each bar is dE/d(that array), with the array's shape.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .tensors import sigma

Arrays = dict[str, np.ndarray]

#: The lecture's training set, one sample per row: (0,1)→1, (1,1)→0, (0,0)→0, (1,0)→1 (XOR).
X = np.array([[0, 1], [1, 1], [0, 0], [1, 0]], dtype=float)
T = np.array([[1], [0], [0], [1]], dtype=float)

#: The names of the bars, in the order the backward pass computes them.
BARS = ("y_bar", "z2_bar", "W2_bar", "b2_bar", "h_bar", "z1_bar", "W1_bar", "b1_bar")


def init_params(hidden: int, seed: int = 0) -> Arrays:
    """W1 (2×H) and W2 (H×1) drawn from a seeded normal, b1 (H) and b2 (1) zero.

    The draws come in the same order as notebook 07's engine network, so both start equal.
    """
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(2, hidden))
    W2 = rng.normal(size=(hidden, 1))
    return {"W1": W1, "b1": np.zeros(hidden), "W2": W2, "b2": np.zeros(1)}


def forward(X: np.ndarray, T: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray,
            b2: np.ndarray) -> Arrays:
    """The forward pass over the batch: every intermediate value the backward pass needs."""
    z1 = X @ W1 + b1
    h = sigma(z1)
    z2 = h @ W2 + b2
    y = sigma(z2)
    E = np.mean(0.5 * (y - T) ** 2)
    return {"z1": z1, "h": h, "z2": z2, "y": y, "E": E}


def backward(X: np.ndarray, T: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray,
             b2: np.ndarray, values: Arrays) -> Arrays:
    """The backward pass in reverse order; `values` is what `forward` returned."""
    h, y = values["h"], values["y"]
    y_bar = (y - T) / len(X)            # E averages N losses: each carries 1/N
    z2_bar = y_bar * y * (1 - y)        # σ'(z2) = y(1 − y)
    W2_bar = h.T @ z2_bar
    b2_bar = z2_bar.sum(axis=0)         # b2 was added to every row: sum the rows' messages
    h_bar = z2_bar @ W2.T               # the message that carries the error to the layer below
    z1_bar = h_bar * h * (1 - h)
    W1_bar = X.T @ z1_bar
    b1_bar = z1_bar.sum(axis=0)
    return {"y_bar": y_bar, "z2_bar": z2_bar, "W2_bar": W2_bar, "b2_bar": b2_bar,
            "h_bar": h_bar, "z1_bar": z1_bar, "W1_bar": W1_bar, "b1_bar": b1_bar}


def gradient_descent(params: Arrays, learning_rate: float, epochs: int,
                     forward: Callable[..., Arrays] = forward,
                     backward: Callable[..., Arrays] = backward) -> tuple[Arrays, list[float]]:
    """Full-batch gradient descent with the given passes: the final parameters and the costs.

    The costs are E before every step and after the last one (epochs + 1 numbers), as in the
    notebook's engine loop, so the two runs can be compared cost by cost.
    """
    values = forward(X, T, **params)
    costs = [float(values["E"])]
    for _ in range(epochs):
        bars = backward(X, T, **params, values=values)
        params = {name: value - learning_rate * bars[name + "_bar"]
                  for name, value in params.items()}
        values = forward(X, T, **params)
        costs.append(float(values["E"]))
    return params, costs


def update_step(params: list, learning_rate: float) -> None:
    """Notebook 07's update step on engine nodes, for every parameter node p."""
    for p in params:
        p.value = p.value - learning_rate * p.bar
