"""Notebook 08's checkpointed backward pass: the chain it runs on, and how an answer is measured.

The chain has K layers, h_{k+1} = tanh(w_k · h_k) over a batch of N samples (h_0 = x), and the
cost E = mean(h_K); its parameters are the K numbers w. `layer(w_k, h)` is one layer's forward
function. `measured(function)` is the check's adapt: it runs where the student's code runs (the
notebook's kernel, or the grader's worker) and calls the student's function with a layer that
counts its calls, under tracemalloc, so the check sees the bars, the peak memory the pass held
(in whole arrays of x's size: with N large, the small objects around them round away) and how
many layers it ran. No answer is here.
"""
from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import numpy as np


def layer(w_k: float, h: np.ndarray) -> np.ndarray:
    """One layer of the chain: tanh(w_k · h), entry by entry."""
    return np.tanh(w_k * h)


def full_backward(w: np.ndarray, x: np.ndarray, layer: Callable = layer) -> np.ndarray:
    """The plain backward pass, every layer's values kept: the bars of w, for comparison."""
    values = [x]
    for w_k in w:
        values.append(layer(w_k, values[-1]))
    w_bar, h_bar = np.zeros(len(w)), np.full_like(x, 1 / len(x))
    for k in reversed(range(len(w))):
        slope = h_bar * (1 - values[k + 1] ** 2)
        w_bar[k], h_bar = np.sum(slope * values[k]), slope * w[k]
    return w_bar


def measured(function: Callable) -> list:
    """The function the check calls: (w, x, every) -> (the bars of w, the peak memory held in
    arrays of x's size, the number of layers run)."""
    def tried(w: np.ndarray, x: np.ndarray, every: int) -> tuple:
        calls = [0]

        def counted(w_k, h):
            calls[0] += 1
            return layer(w_k, h)
        started = not tracemalloc.is_tracing()
        if started:
            tracemalloc.start()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        try:
            w_bar = function(w, x, every, counted)
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            if started:
                tracemalloc.stop()
        return w_bar, round(peak / x.nbytes), calls[0]   # whole arrays: the rest is small change
    tried.__name__ = getattr(function, "__name__", "checkpointed_backward")
    return [tried]
