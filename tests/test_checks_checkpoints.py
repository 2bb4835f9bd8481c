"""The check of notebook 08's checkpointed backward pass, handed answers as students write them."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.checkpointing import full_backward, layer, measured
from course_utils.checks import check_checkpointed_backward
from course_utils.checks.checkpoints import _solution


def keeps_everything(w, x, every, layer):
    """Right bars, but every layer's values kept: no checkpointing at all (the plain pass,
    written out)."""
    values = [x]
    for w_k in w:
        values.append(layer(w_k, values[-1]))
    w_bar, h_bar = np.zeros(len(w)), np.full_like(x, 1 / len(x))
    for k in reversed(range(len(w))):
        slope = h_bar * (1 - values[k + 1] ** 2)
        w_bar[k], h_bar = np.sum(slope * values[k]), slope * w[k]
    return w_bar


def recomputes_from_the_start(w, x, every, layer):
    """Right bars and little memory, but each segment recomputed from x, not its checkpoint."""
    w_bar, h_bar = np.zeros(len(w)), np.full_like(x, 1 / len(x))
    for start in reversed(range(0, len(w), every)):
        h = x
        for k in range(start):
            h = layer(w[k], h)
        values = [h]
        for k in range(start, min(start + every, len(w))):
            values.append(layer(w[k], values[-1]))
        for k in reversed(range(start, min(start + every, len(w)))):
            slope = h_bar * (1 - values[k - start + 1] ** 2)
            w_bar[k], h_bar = np.sum(slope * values[k - start]), slope * w[k]
    return w_bar


def by_segments(w, x, every, layer, whole_only=False, full_length=False):
    """The checkpointed pass as a student writes it, with the last short segment left out or
    run to full length."""
    K = len(w)
    checkpoints, h = {}, x
    for k in range(K):
        if k % every == 0:
            checkpoints[k] = h
        h = layer(w[k], h)
    w_bar, h_bar = np.zeros(K), np.full_like(x, 1 / len(x))
    for start in reversed(range(0, K - K % every if whole_only else K, every)):
        end = start + every if full_length else min(start + every, K)
        values = [checkpoints[start]]
        for k in range(start, end):
            values.append(layer(w[k], values[-1]))
        for k in reversed(range(start, end)):
            slope = h_bar * (1 - values[k - start + 1] ** 2)
            w_bar[k], h_bar = np.sum(slope * values[k - start]), slope * w[k]
    return w_bar


def own_layer(w, x, every, layer):
    """The plain pass with a tanh of its own: the given layer never runs."""
    return keeps_everything(w, x, every, lambda w_k, h: np.tanh(w_k * h))


def plain_pass_on_halves(w, x, every, layer):
    """The plain pass on each half of the batch: half the memory, but no checkpoint at all."""
    halves = np.array_split(x, 2)
    return sum(full_backward(w, half.copy(), layer) * (half.size / x.size) for half in halves)


@pytest.mark.parametrize("answer, status, words", [
    (by_segments, "correct", ["arrays of x's size", "ran 48 layers"]),
    (keeps_everything, "wrong", ["held 28 arrays", "at most 16", "Which values"]),
    (recomputes_from_the_start, "wrong", ["ran 84 layers", "are 48", "earlier point"]),
    (own_layer, "wrong", ["ran 0 of the given `layer`'s 24 layers"]),
    (plain_pass_on_halves, "wrong", ["calls `checkpointing.full_backward`"]),
    (by_segments, "correct", []),
    (lambda *args: by_segments(*args, whole_only=True), "wrong",
     ["the last segment shorter", "shorter one is left out"]),
    (lambda *args: by_segments(*args, full_length=True), "wrong",
     ["out of bounds", "the last one is shorter"]),
])
def test_answers_as_students_write_them(answer, status, words):
    verdict = check_checkpointed_backward(answer, show=False)
    assert verdict.status == status, repr(verdict)
    for word in words:
        assert word in verdict.message, repr(verdict)


def test_the_reference_gives_the_plain_passs_bars_and_holds_less():
    rng = np.random.default_rng(3)
    w, x = rng.uniform(0.5, 1.5, 24), rng.standard_normal(50_000)
    checkpointed, = measured(_solution)
    plain, = measured(lambda w, x, every, layer: full_backward(w, x, layer))
    bars, peak, calls = checkpointed(w, x, 4)
    plain_bars, plain_peak, plain_calls = plain(w, x, 4)
    assert np.allclose(bars, plain_bars, rtol=1e-12, atol=0)
    assert peak < plain_peak / 1.8 and (calls, plain_calls) == (48, 24)
    assert np.array_equal(layer(2.0, np.array([0.0])), np.array([0.0]))
