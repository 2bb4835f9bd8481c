"""The numpy side of the engine's table: what broadcasting, matrix products and reductions do
to a message, and the one sigmoid of the package.

The table in `engine.py` reads as the lecture's local derivatives, one row per operation; the
bookkeeping that tensors add to a few of its rows lives here, so that the table stays a table.
"""
from __future__ import annotations

import numpy as np

from .guards import ShapeError, check_axis


def sigma(a):
    """σ(a) = 1 / (1 + exp(−a)), computed as exp(−log(1 + exp(−a))): no overflow for large |a|,
    and accurate far into the left tail (σ(−100) = 3.7e−44, not 0), where log σ is the
    cross-entropy. The engine's sigmoid and the by-hand network of notebook 07 both use it."""
    return np.exp(-np.logaddexp(0.0, -a))


def unbroadcast(message: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a message back to `shape`: undoes numpy broadcasting, for every operation at once.

    A value that was broadcast (a bias added to every row, say) was used several times, so its
    bar is the sum of the messages of all its copies.
    """
    if message.shape == shape:
        return message
    extra = message.ndim - len(shape)
    message = message.sum(axis=tuple(range(extra))) if extra else message
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and message.shape[i] != 1)
    return message.sum(axis=stretched, keepdims=True) if stretched else message


def _matmul_shapes(a, b):
    """Shapes of a and b promoted to matrices, and of their product (numpy's 1-d rules)."""
    a2 = (1,) + a.shape if a.ndim == 1 else a.shape
    b2 = b.shape + (1,) if b.ndim == 1 else b.shape
    return a2, b2, np.broadcast_shapes(a2[:-2], b2[:-2]) + (a2[-2], b2[-1])


def matmul_message_a(bar, out, a, b):
    """bar · bᵀ, with numpy's rules for vectors and stacks of matrices."""
    if a.ndim == 2 and b.ndim == 2:
        return bar @ b.T
    a2, b2, out2 = _matmul_shapes(a, b)
    message = bar.reshape(out2) @ np.swapaxes(b.reshape(b2), -1, -2)
    return unbroadcast(message, a2).reshape(a.shape)


def matmul_message_b(bar, out, a, b):
    """aᵀ · bar, with numpy's rules for vectors and stacks of matrices."""
    if a.ndim == 2 and b.ndim == 2:
        return a.T @ bar
    a2, b2, out2 = _matmul_shapes(a, b)
    message = np.swapaxes(a.reshape(a2), -1, -2) @ bar.reshape(out2)
    return unbroadcast(message, b2).reshape(b.shape)


def pow_message(bar, out, a, k):
    """bar · k·a^(k−1). Where k = 0 the exponent is kept at 0, not −1: the derivative of a⁰ is
    0 everywhere, also at a = 0 (0·0⁻¹ would give nan)."""
    return bar * k * a ** (k - (k != 0))


def count(a, axis) -> int:
    """How many elements a mean over `axis` averages."""
    return a.size if axis is None else int(np.prod([a.shape[i] for i in np.atleast_1d(axis)]))


def total(a, axis=None):
    """The sum over `axis` (None: every element), once the axis is known to be one of a's."""
    check_axis("sum", a, axis)
    return a.sum(axis=axis)


def mean(a, axis=None):
    """The mean over `axis`; refused where there is nothing to average."""
    check_axis("mean", a, axis)
    n = count(a, axis)
    if n == 0:
        raise ShapeError(f"mean: nothing to average, shape {a.shape} has no elements"
                         f"{'' if axis is None else f' along axis {axis!r}'}; the mean of an "
                         "empty array is undefined.")
    return a.sum(axis=axis) / n


def spread(bar, a, axis):
    """A reduction's bar, copied back to every element that was reduced."""
    if axis is not None:
        bar = np.expand_dims(bar, axis)
    return np.full(a.shape, bar)


def log_softmax(a, axis=-1):
    """log softmax(a) over `axis`, computed so that nothing overflows or underflows: how, is
    notebook 09's exercise (its collapsed answer explains it)."""
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"log_softmax: axis must be one int, got {type(axis).__name__} {axis!r}.")
    check_axis("log_softmax", a, axis)
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
