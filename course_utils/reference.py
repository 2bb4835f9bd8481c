"""Reference answers that later cells of the notebooks use, so no cell repeats a solution.

A notebook cell after an exercise needs the exercise's result, not the student's answer (which
may not be written yet). It calls these functions instead; reading them is a deliberate act.

    cost_gradient               notebook 02: dE/dw and dE/db of one sigmoid unit, all samples
    backward_pass_regularised   notebooks 03, 05: the lecture's bars, one line per bar
    backward_pass               notebook 05: steps 3 and 4 on the engine's own messages, with
                                the sum over children replaceable (to look at the bug of
                                overwriting)
"""
from __future__ import annotations

import numpy as np

from .engine import children_of, message
from .tensors import sigma


def cost_gradient(w, b, X, T) -> tuple[np.ndarray, float]:
    """(dE/dw, dE/db) for E = mean over the rows of ½(σ(Xw + b) − T)², in one matrix product."""
    y = sigma(X @ w + b)
    dL_dz = (y - T) * y * (1 - y)
    return X.T @ dL_dz / len(T), float(np.mean(dL_dz))


def backward_pass_regularised(w, x, b, t, lam) -> tuple:
    """The bars of L_reg, R, L, y, z, w and b on slide 13's graph, in the slide's order."""
    z = w * x + b
    y = sigma(z)
    L_reg_bar = 1.0
    R_bar = L_reg_bar * lam
    L_bar = L_reg_bar
    y_bar = L_bar * (y - t)
    z_bar = y_bar * y * (1 - y)
    w_bar = z_bar * x + R_bar * w          # w has two children: the sum of their messages
    b_bar = z_bar
    return L_reg_bar, R_bar, L_bar, y_bar, z_bar, w_bar, b_bar


def backward_pass(order, combine=sum):
    """Steps 3 and 4 over a topological `order`: seed the output, then every bar in reverse.

    `combine` turns a node's messages (one per child) into its bar. The algorithm sums them;
    another `combine` shows what goes wrong without the sum.
    """
    children = children_of(order)
    order[-1].bar = np.ones_like(order[-1].value)
    for node in reversed(order[:-1]):
        node.bar = combine([message(child, i) for child, i in children[node]])


def keep_last(messages):
    """Notebook 05's classic bug, as a way to combine messages: each overwrites the one before."""
    return messages[-1]


def backward_overwrite(order):
    """The backward pass with that bug: a node with several children keeps one message only.
    The reference's own (a notebook's code calling `backward_pass` would be refused by the
    check of the backward pass, as any answer that hands the work to the reference is)."""
    backward_pass(order, combine=keep_last)
