"""The check of notebook 08's checkpointed backward pass (`course_utils.checkpointing`).

The student's `checkpointed_backward(w, x, every, layer)` returns the bars of the chain's K
weights. `checkpointing.measured` (the check's adapt, run where the student's code runs) calls it
with a counting layer under tracemalloc; the bars are compared with the reference's, and a judge
holds the peak memory to what checkpoints every `every` layers need (K/every checkpoints, one
segment of `every` values, a few arrays of working space) and the layers run to 2K.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from ..checkpointing import full_backward, measured
from ._runner import Exercise, Mistake, check, with_what_they_make

__all__ = ["check_checkpointed_backward"]

#: Working space beyond the checkpoints and one segment: the bar, a slope and numpy's temporaries.
WORKING_ARRAYS = 6


def _checkpointed(w, x, every, layer, *, first=None, checkpoint_after=False, swapped=False,
                  start_bar=None, whole_segments_only=False):
    """The reference, and through its keywords the mistakes' versions of it."""
    K = len(w)
    checkpoints, h = {}, x
    for k in range(K):
        if k % every == 0 and not checkpoint_after:
            checkpoints[k] = h
        h = layer(w[k], h)
        if checkpoint_after and (k + 1) % every == 0:
            checkpoints[k + 1 - every] = h
    if checkpoint_after and K % every:
        checkpoints[K - K % every] = h
    w_bar = np.zeros(K)
    h_bar = np.full_like(x, 1 / len(x)) if start_bar is None else start_bar(x)
    starts = list(range(0, K - K % every if whole_segments_only else K, every))
    for start in (starts if first == "first" else reversed(starts)):
        values = [checkpoints[start]]
        for k in range(start, min(start + every, K)):
            values.append(layer(w[k], values[-1]))
        for k in reversed(range(start, min(start + every, K))):
            out, into = values[k - start + 1], values[k - start]
            slope = h_bar * (1 - out ** 2)
            w_bar[k] = np.sum(slope * (out if swapped else into))
            h_bar = slope * w[k]
    return w_bar


def _solution(w, x, every, layer):
    return _checkpointed(w, x, every, layer)


def _resources(args, returned) -> str | None:
    """The judge: memory and recomputation within what checkpoints need (the bars are compared)."""
    w, x, every = args
    if not isinstance(returned, tuple) or len(returned) != 3:
        return None
    _, peak, calls = returned
    K = len(w)
    if calls < K:
        return (f"your pass ran {calls:g} of the given `layer`'s {K} layers: the bars come from "
                "the values of a forward pass through `layer`, and from their recomputation.")
    allowed = -(-K // every) + every + WORKING_ARRAYS
    if peak > allowed:
        return (f"your pass held {peak:g} arrays of x's size at its peak; checkpoints every "
                f"{every} of {K} layers need about {-(-K // every)} checkpoints, one segment of "
                f"{every} values and a little working space, at most {allowed}. Which values "
                "does your forward pass keep, and for how long?")
    if calls > 2 * K:
        return (f"your pass ran {calls} layers; one forward pass and one recomputation of each "
                f"segment from its checkpoint are {2 * K}. Is a segment recomputed from an "
                "earlier point than its own checkpoint, or more than once?")
    return None


def _prepare(rules: Exercise, tried):
    """The solution and the mistakes measured as the student's function is."""
    mistakes = [dataclasses.replace(m, computes=measured(m.computes)[0])  # type: ignore[arg-type]
                for m in rules.mistakes]
    return (dataclasses.replace(rules, solution=measured(_solution)[0], mistakes=mistakes),
            (tried,))


def _args(case):
    rng = np.random.default_rng(case["seed"])
    return (rng.uniform(0.5, 1.5, case["K"]), rng.standard_normal(case["N"]), case["every"])


def _mistake(**how):
    def answer(w, x, every, layer):
        return _checkpointed(w, x, every, layer, **how)
    return answer


@check("08_why_backprop_is_efficient", "a checkpointed backward pass",
       refuses=lambda: (full_backward, *with_what_they_make(_checkpointed)),
       solution=_solution,
       configurations=[
           dict(label="K = 24 layers, a checkpoint every 4, N = 50,000 samples", K=24, every=4,
                N=50_000, seed=0),
           dict(label="K = 20 layers, a checkpoint every 5", K=20, every=5, N=50_000, seed=1),
           dict(label="K = 7 layers, a checkpoint every 3 (the last segment shorter)", K=7,
                every=3, N=50_000, seed=2)],
       make=_args, adapt=measured, prepare=_prepare, exact=True,
       returns=("w_bar", "the peak memory", "the layers run"), judge=_resources,
       judged=("the peak memory", "the layers run"),
       formulas={"the recomputation": "values.append(layer(w[k], values[-1]))",
                 "the bar of w_k": "np.sum(slope * into)", "the seed": "1 / len(x)"},
       mistakes=[
           Mistake("segments-first-to-last", _mistake(first="first"),
                   "a segment's backward walk needs the bar of its output, which only the "
                   "segment after it computes: in which order must the segments be walked?"),
           Mistake("checkpoint-after-the-layer", _mistake(checkpoint_after=True),
                   "a checkpoint must hold the value a segment starts from, its first layer's "
                   "input: yours hold each segment's output."),
           Mistake("output-for-input", _mistake(swapped=True),
                   "w_k multiplies the layer's input h_k: ∂h_{k+1}/∂w_k is taken at the value "
                   "that goes into the layer, not the one that comes out."),
           Mistake("short-segment-left-out", _mistake(whole_segments_only=True),
                   "where the layers do not divide into whole segments, the last, shorter one "
                   "is left out of your backward walk: its layers get no bar, and the bar that "
                   "enters the segment before it is not the one that segment's output has."),
           Mistake("sum-not-mean", _mistake(start_bar=np.ones_like),
                   "E is the mean over the N samples, not their sum: what is each h_K's bar?")],
       crash_hints=[
           ("KeyError", "a segment's checkpoint is missing: which layers' inputs did your "
            "forward pass keep?"),
           ("out of bounds", "a segment runs past the last layer: where the layers do not "
            "divide into whole segments, the last one is shorter.")],
       success=lambda got: (f"the bars equal the plain backward pass's on three chains; on 24 "
                            f"layers with a checkpoint every 4 your pass held "
                            f"{got['the peak memory']:g} arrays of x's size at its peak (all "
                            f"values kept: about 28) and ran {got['the layers run']} layers."))
def check_checkpointed_backward(checkpointed_backward):
    """`checkpointed_backward(w, x, every, layer)`: the bars of the chain's weights w, keeping
    only every `every`-th layer's input through the forward pass."""
