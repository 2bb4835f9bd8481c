"""Checks of notebook 07's capstone: the 2-H-1 network's forward and backward pass by hand.

The expected answers come from the reference engine: every configuration (a batch, a hidden
size, a seed) is built node by node, and the engine's values and bars are compared with the
student's arrays in the order the passes compute them. The first wrong one is named with its
expected and actual shape and value; a table of typical mistakes per array, each a row
(what the mistake computes, hint), explains it when one of them matches.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .. import network as reference
from ..engine import OPERATIONS, Node, add, matmul, sigmoid
from ..lecture import half_squared_error
from ._verdict import _Stop, call_student, check, correct, fmt, stop, wrong

__all__ = ["check_network_forward", "check_network_backward", "check_training_by_hand"]

#: (what the batch is, N samples or None for the XOR batch, hidden size H, seed). The last one
#: is a batch and a size the notebook never shows.
CONFIGS = [("the XOR batch, H = 4", None, 4, 0),
           ("the XOR batch, H = 3, non-zero biases", None, 3, 1),
           ("3 random samples, H = 1", 3, 1, 2),
           ("7 random samples, H = 5", 7, 5, 11)]

VALUES = ("z1", "h", "z2", "y", "E")
PARAMS = ("W1", "b1", "W2", "b2")


def _sigma(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def configuration(samples: int | None, hidden: int, seed: int) -> SimpleNamespace:
    """Inputs X, labels T and parameters; the XOR batch or random samples, seeded."""
    rng = np.random.default_rng(seed)
    if samples is None:
        X, T = reference.X.copy(), reference.T.copy()
    else:
        X = rng.normal(size=(samples, 2))
        T = rng.integers(0, 2, size=(samples, 1)).astype(float)
    params = {"W1": rng.normal(size=(2, hidden)), "b1": 0.5 * rng.normal(size=hidden),
              "W2": rng.normal(size=(hidden, 1)), "b2": 0.5 * rng.normal(size=1)}
    if samples is None and seed == 0:
        params = reference.init_params(hidden, seed)       # exactly the notebook's start
    return SimpleNamespace(X=X, T=T, params=params, N=len(X))


def engine_answers(c: SimpleNamespace) -> tuple[dict, dict]:
    """The engine's forward values and bars for configuration `c`."""
    W1, b1, W2, b2 = (Node(c.params[name], name=name) for name in PARAMS)
    z1 = add(matmul(c.X, W1), b1, name="z1")
    h = sigmoid(z1, name="h")
    z2 = add(matmul(h, W2), b2, name="z2")
    y = sigmoid(z2, name="y")
    E = OPERATIONS["mean"](half_squared_error(y, c.T, name="L"), name="E")
    E.backward()
    nodes = {"z1": z1, "h": h, "z2": z2, "y": y, "E": E}
    values = {name: node.value for name, node in nodes.items()}
    bars = {f"{node.name}_bar": node.bar for node in (y, z2, W2, b2, h, z1, W1, b1)}
    return values, bars


# --------------------------------------------------------------------------------------------
# The typical mistakes: for each array, (what the mistake computes, hint). `c` holds the
# configuration, the expected values and bars (c.y, c.y_bar, ...).
# --------------------------------------------------------------------------------------------

def _dsig(a):
    return _sigma(a) * (1 - _sigma(a))


FORWARD = {
    "z1": ("X W₁ + b₁", [
        (lambda c: c.X @ c.W1, "b₁ is missing: z₁ = XW₁ + b₁, the bias added to every row."),
        (lambda c: _sigma(c.X @ c.W1 + c.b1), "that is h = σ(z₁) already: z₁ is the input of "
                                              "the sigmoid."),
    ]),
    "h": ("σ(z₁)", [
        (lambda c: c.z1, "the sigmoid is missing: h = σ(z₁)."),
        (lambda c: np.tanh(c.z1), "tanh instead of σ: the hidden units are sigmoids."),
        (lambda c: np.maximum(c.z1, 0), "relu instead of σ: the hidden units are sigmoids."),
        (lambda c: _sigma(-c.z1), "σ(−z₁): σ(a) = 1 / (1 + e^(−a))."),
    ]),
    "z2": ("h W₂ + b₂", [
        (lambda c: c.h @ c.W2, "b₂ is missing: z₂ = hW₂ + b₂."),
        (lambda c: c.z1 @ c.W2 + c.b2, "z₁ instead of h: the output layer takes the hidden "
                                       "units' outputs h = σ(z₁)."),
    ]),
    "y": ("σ(z₂)", [
        (lambda c: c.z2, "the sigmoid is missing: y = σ(z₂)."),
        (lambda c: _sigma(-c.z2), "σ(−z₂): σ(a) = 1 / (1 + e^(−a))."),
    ]),
    "E": ("the mean of ½(y − t)²", [
        (lambda c: np.mean((c.y - c.T) ** 2), "the ½ is missing: the lecture's loss is ½(y − t)²."),
        (lambda c: np.sum(0.5 * (c.y - c.T) ** 2), "that is the sum of the losses: the cost is "
                                                    "their mean, the sum divided by N."),
        (lambda c: 0.5 * (c.y - c.T) ** 2, "those are the N per-sample losses: E is one number, "
                                           "their mean."),
        (lambda c: np.mean(0.5 * (c.y - c.T)), "the square is missing: ½(y − t)²."),
        (lambda c: 0.5 * np.mean(c.y - c.T) ** 2, "that squares the mean error: you need the "
                                                  "mean of the squared errors."),
    ]),
}

BACKWARD = {
    "y_bar": ("(y − t)/N", [
        (lambda c: c.y - c.T, "the 1/N is missing: E is the mean of N losses, so each "
                              "sample's loss carries a factor 1/N."),
        (lambda c: (c.T - c.y) / c.N, "the sign is flipped: d/dy ½(y − t)² = y − t."),
        (lambda c: 2 * (c.y - c.T) / c.N, "the 2 of the square cancels the ½ of the loss."),
        (lambda c: c.y_bar * c.y * (1 - c.y), "that is already z̄₂ = ȳσ'(z₂): ȳ is the bar of y, "
                                              "before the sigmoid; σ' belongs to z̄₂."),
        (lambda c: np.sum(c.y_bar), "one number: ȳ has one entry per sample, the shape of y."),
    ]),
    "z2_bar": ("ȳ·σ'(z₂) = ȳ·y(1 − y)", [
        (lambda c: c.y_bar, "σ'(z₂) is missing: y = σ(z₂), so z̄₂ = ȳ·σ'(z₂) (notebook 03)."),
        (lambda c: c.y_bar * c.y, "σ(z₂) instead of σ'(z₂) = y(1 − y)."),
        (lambda c: c.y_bar * c.z2 * (1 - c.z2), "z₂(1 − z₂) is not σ'(z₂): σ'(z₂) = "
                                                "σ(z₂)(1 − σ(z₂)) = y(1 − y), from the "
                                                "sigmoid's output y."),
        (lambda c: c.y_bar * _dsig(c.y), "σ' at the wrong place: σ'(y) instead of σ'(z₂). y is "
                                         "already σ(z₂), so σ'(z₂) = y(1 − y)."),
        (lambda c: c.y_bar / (c.y * (1 - c.y)), "divided by σ'(z₂): the chain rule multiplies."),
    ]),
    "W2_bar": ("hᵀ z̄₂", [
        (lambda c: c.z2_bar.T @ c.h, "transposed: z̄₂ᵀh has shape 1 × H; W̄₂ = hᵀz̄₂ has W₂'s "
                                     "shape H × 1."),
        (lambda c: c.h.T @ c.y_bar, "ȳ instead of z̄₂: W₂ enters through z₂ = hW₂ + b₂, so its "
                                    "message is built from z̄₂."),
        (lambda c: c.h.T @ c.z2_bar / c.N, "divided by N a second time: the 1/N is already in ȳ."),
        (lambda c: c.z1.T @ c.z2_bar, "z₁ instead of h: W₂ multiplies h = σ(z₁)."),
        (lambda c: c.h * c.z2_bar, "an entry-by-entry product: W̄₂ = hᵀz̄₂ is a matrix product "
                                   "that sums over the samples."),
    ]),
    "b2_bar": ("Σₙ z̄₂ (a sum over the samples)", [
        (lambda c: c.z2_bar, "b̄₂ is not summed over the samples: b₂ was added to every row, so "
                             "its bar is the sum of the rows' messages, `z2_bar.sum(axis=0)`."),
        (lambda c: np.sum(c.z2_bar), "shape (): sum over the samples only, `axis=0`, so b̄₂ keeps "
                                     "b₂'s shape (1,)."),
        (lambda c: c.z2_bar.mean(axis=0), "a mean instead of a sum: the 1/N is already in ȳ."),
        (lambda c: c.y_bar.sum(axis=0), "ȳ instead of z̄₂: b₂ enters through z₂."),
    ]),
    "h_bar": ("z̄₂ W₂ᵀ", [
        (lambda c: c.W2 @ c.z2_bar.T, "transposed: h̄ has h's shape N × H, so h̄ = z̄₂W₂ᵀ."),
        (lambda c: c.y_bar @ c.W2.T, "ȳ instead of z̄₂: the error reaches h through z₂, so "
                                     "σ'(z₂) must be in h̄: h̄ = z̄₂W₂ᵀ."),
        (lambda c: c.z2_bar * c.W2, "an entry-by-entry product with W₂: h̄ = z̄₂W₂ᵀ, "
                                    "N × 1 times 1 × H."),
        (lambda c: c.h_bar * c.h * (1 - c.h), "that is already z̄₁ = h̄σ'(z₁): σ'(z₁) belongs "
                                              "to the next bar."),
        (lambda c: c.z2_bar @ c.W2.T / c.N, "divided by N a second time: the 1/N is already in ȳ."),
    ]),
    "z1_bar": ("h̄·σ'(z₁) = h̄·h(1 − h)", [
        (lambda c: c.h_bar, "σ'(z₁) is missing: h = σ(z₁), so z̄₁ = h̄·σ'(z₁)."),
        (lambda c: c.h_bar * c.h, "σ(z₁) instead of σ'(z₁) = h(1 − h)."),
        (lambda c: c.h_bar * c.y * (1 - c.y), "σ' at the wrong place: σ'(z₂) = y(1 − y) belongs "
                                              "to the output; the hidden layer needs σ'(z₁) = "
                                              "h(1 − h)."),
        (lambda c: c.h_bar * c.z1 * (1 - c.z1), "z₁(1 − z₁) is not σ'(z₁): σ'(z₁) = h(1 − h)."),
        (lambda c: c.h_bar * _dsig(c.h), "σ' at the wrong place: σ'(h) instead of σ'(z₁) = "
                                         "h(1 − h)."),
    ]),
    "W1_bar": ("Xᵀ z̄₁", [
        (lambda c: c.z1_bar.T @ c.X, "transposed: z̄₁ᵀX has shape H × 2; W̄₁ = Xᵀz̄₁ has W₁'s "
                                     "shape 2 × H."),
        (lambda c: c.X.T @ c.h_bar, "h̄ instead of z̄₁: W₁ enters through z₁, so σ'(z₁) must "
                                    "be in W̄₁ = Xᵀz̄₁."),
        (lambda c: c.X.T @ c.z1_bar / c.N, "divided by N a second time: the 1/N is already in ȳ."),
    ]),
    "b1_bar": ("Σₙ z̄₁ (a sum over the samples)", [
        (lambda c: c.z1_bar, "b̄₁ is not summed over the samples: b₁ was added to every row, so "
                             "its bar is the sum of the rows' messages, `z1_bar.sum(axis=0)`."),
        (lambda c: np.sum(c.z1_bar), "one number: sum over the samples only, `axis=0`, so b̄₁ "
                                     "keeps b₁'s H entries."),
        (lambda c: c.z1_bar.sum(axis=1), "summed over the hidden units (axis=1): sum over the "
                                         "samples, `axis=0`."),
        (lambda c: c.z1_bar.mean(axis=0), "a mean instead of a sum: the 1/N is already in ȳ."),
        (lambda c: c.h_bar.sum(axis=0), "h̄ instead of z̄₁: b₁ enters through z₁."),
    ]),
}


def _as_arrays(result, keys, function: str) -> dict:
    """The student's dict as float arrays, or a verdict naming what is missing or not numeric."""
    listed = ", ".join(f'"{k}"' for k in keys)
    if not isinstance(result, dict):
        stop(wrong(f"`{function}` should return a dict with the keys {listed}; got "
                   f"{type(result).__name__}."))
    missing = [k for k in keys if k not in result]
    if missing:
        stop(wrong(f"the dict `{function}` returned has no key {missing[0]!r} (keys expected: "
                   f"{listed})."))
    arrays = {}
    for k in keys:
        try:
            arrays[k] = np.asarray(result[k], dtype=float)
        except (TypeError, ValueError):
            stop(wrong(f'"{k}" should be a numpy array of numbers, got '
                       f"{type(result[k]).__name__}."))
    return arrays


def _entries(array) -> str:
    """The first few entries of an array on one line."""
    flat = array.ravel()
    shown = ", ".join(fmt(v) for v in flat[:4])
    return f"[{shown}{', …' if flat.size > 4 else ''}]"


def _shown(name: str, want, got) -> str:
    """Expected against got: shapes, and the first entry that differs (or the first entries)."""
    if got.shape != want.shape:
        return (f"shape {want.shape}, entries {_entries(want)}; got shape {got.shape}, "
                f"entries {_entries(got)}")
    if want.ndim == 0:
        return f"{fmt(want)}; got {fmt(got)}"
    index = tuple(int(i) for i in np.argwhere(~np.isclose(got, want, rtol=1e-7, atol=1e-12))[0])
    where = f"{name}[{', '.join(map(str, index))}]"
    return f"shape {want.shape}, {where} = {fmt(want[index])}; got {where} = {fmt(got[index])}"


def _judge(name, want, got, formula, mistakes, c, label, earlier):
    """Stop with a verdict if `got` is not `want`: shape, value, and the matching mistake."""
    if name == "E" and got.size == 1:
        got = got.reshape(())
    if got.shape == want.shape and np.allclose(got, want, rtol=1e-7, atol=1e-12):
        return
    hint = next((text for compute, text in mistakes if _matches(compute, c, got, want)), None)
    if hint is None and got.shape == want.shape and np.allclose(got, -want, atol=1e-12):
        hint = "the sign is flipped."
    if hint is None and earlier is not None and earlier.shape == got.shape \
            and np.allclose(earlier, got):
        hint = ("the same as for the batch before: does your function use its arguments, with "
                "no numbers written in and nothing kept from an earlier call?")
    if hint is None and got.shape != want.shape:
        hint = "every bar has the shape of its value." if name.endswith("_bar") else \
            "check the shapes of the products: X is N × 2, W₁ is 2 × H, W₂ is H × 1."
    hint = f" Hint: {hint}" if hint else ""
    stop(wrong(f"{name} is off ({label}): expected {formula}, {_shown(name, want, got)}.{hint}"))


def _matches(compute, c, got, want) -> bool:
    try:
        candidate = np.asarray(compute(c), dtype=float)
    except ValueError:                      # a mistake whose shapes do not fit this batch
        return False
    if candidate.shape == want.shape and np.allclose(candidate, want):
        return False                        # in this batch the mistake gives the right answer
    return candidate.shape == got.shape and np.allclose(candidate, got, rtol=1e-7, atol=1e-12)


def _arguments(c: SimpleNamespace, values: dict | None = None) -> tuple:
    args = (c.X.copy(), c.T.copy()) + tuple(c.params[k].copy() for k in PARAMS)
    return args + (({k: v.copy() for k, v in values.items()},) if values is not None else ())


def _judge_unchanged(args, function, c, values=None):
    """Stop if the student's function changed one of its argument arrays in place."""
    names = ["X", "T", *PARAMS]
    originals = [c.X, c.T, *(c.params[k] for k in PARAMS)]
    for name, given, original in zip(names, args, originals, strict=False):
        if not np.array_equal(given, original):
            stop(wrong(f"`{function}` changed its argument {name} in place (e.g. with `-=` or "
                       f"`*=`): the training loop uses {name} again afterwards. Compute new "
                       "arrays instead, e.g. `y - T`."))
    if values is not None:
        for name, given in args[-1].items():
            if not np.array_equal(given, values[name]):
                stop(wrong(f'`{function}` changed values["{name}"] in place (e.g. `y -= T`): '
                           "the forward pass's values belong to the caller, who may use them "
                           "again. Compute new arrays instead, e.g. `y_bar = (y - T) / N`."))


def _matmul_hint(verdict) -> None:
    """Add a hint to a shape error of a matrix product in the student's code."""
    if "ValueError" not in verdict.message or "@" not in verdict.message \
            and "matmul" not in verdict.message and "dot" not in verdict.message:
        return
    if "h_bar" in verdict.message and "W2" in verdict.message and "W2.T" not in verdict.message:
        verdict.message += (" h̄ with W₂ instead of W₂ᵀ: z̄₂ is N × 1 and W₂ is H × 1, so "
                            "h̄ = z̄₂W₂ᵀ (N × 1 times 1 × H) has h's shape N × H.")
    else:
        verdict.message += (" Match the shapes: for a product A = XW the bars are X̄ = ĀWᵀ and "
                            "W̄ = XᵀĀ, and every bar has the shape of its value.")


def _namespace(c, values, bars) -> SimpleNamespace:
    return SimpleNamespace(X=c.X, T=c.T, N=c.N, **c.params, **values, **bars)


@check
def check_network_forward(network_forward):
    """`network_forward(X, T, W1, b1, W2, b2)` returns {"z1", "h", "z2", "y", "E"}."""
    previous: dict = {}
    for label, samples, hidden, seed in CONFIGS:
        c = configuration(samples, hidden, seed)
        values, bars = engine_answers(c)
        args = _arguments(c)
        try:
            result = call_student(network_forward, *args)
        except _Stop as stopped:
            _matmul_hint(stopped.verdict)
            raise
        _judge_unchanged(args, "network_forward", c)
        got = _as_arrays(result, VALUES, "network_forward")
        ns = _namespace(c, values, bars)
        for name in VALUES:
            formula, mistakes = FORWARD[name]
            _judge(name, values[name], got[name], formula, mistakes, ns, label,
                   previous.get(name))
        previous = got
    return correct(f"z₁, h, z₂, y and E equal the engine's forward values on {len(CONFIGS)} "
                   "batches (the XOR batch, and random batches of 3 and 7 samples with 1 and 5 "
                   "hidden units).")


@check
def check_network_backward(network_backward):
    """`network_backward(X, T, W1, b1, W2, b2, values)` returns the eight bars, as the engine's."""
    previous: dict = {}
    for label, samples, hidden, seed in CONFIGS:
        c = configuration(samples, hidden, seed)
        values, bars = engine_answers(c)
        args = _arguments(c, values)
        try:
            result = call_student(network_backward, *args)
        except _Stop as stopped:
            _matmul_hint(stopped.verdict)
            raise
        _judge_unchanged(args, "network_backward", c, values)
        got = _as_arrays(result, reference.BARS, "network_backward")
        ns = _namespace(c, values, bars)
        for name in reference.BARS:
            formula, mistakes = BACKWARD[name]
            _judge(name, bars[name], got[name], formula, mistakes, ns, label, previous.get(name))
        previous = got
    return correct("all eight bars, ȳ, z̄₂, W̄₂, b̄₂, h̄, z̄₁, W̄₁, b̄₁, equal the engine's on "
                   f"{len(CONFIGS)} batches, and each has the shape of its value; h̄ = z̄₂W₂ᵀ "
                   "carries the error to the hidden layer.")


# --------------------------------------------------------------------------------------------
# The training loop
# --------------------------------------------------------------------------------------------

#: (hidden size, seed, learning rate, epochs) of the runs the loop check makes.
RUNS = [(3, 2, 2.0, 5), (2, 7, 0.5, 3)]


def _descend(params, rate, epochs, names=PARAMS):
    """A reference run that updates only `names`: the costs it records."""
    costs = []
    for _ in range(epochs):
        values = reference.forward(reference.X, reference.T, **params)
        bars = reference.backward(reference.X, reference.T, **params, values=values)
        params = {k: v - rate * bars[k + "_bar"] if k in names else v for k, v in params.items()}
        costs.append(float(values["E"]))
    costs.append(float(reference.forward(reference.X, reference.T, **params)["E"]))
    return np.array(costs)


LOOP_MISTAKES = [
    (lambda p, r, n: _descend(p, -r, n), "the cost goes up: that is a step uphill, along the "
                                         "bars. Gradient descent subtracts η times the bar."),
    (lambda p, r, n: _descend(p, 1.0, n), "the run is that of η = 1: use the `learning_rate` "
                                          "argument."),
    (lambda p, r, n: _descend(p, r, n, names=("W1", "W2")), "the biases never move: every weight "
                                                            "and every bias is a coordinate."),
    (lambda p, r, n: _descend(p, r, n, names=()), "the cost never changes: the parameters are "
                                                  "not updated. Build new parameters from the "
                                                  "bars and use them in the next epoch."),
]


@check
def check_training_by_hand(train_by_hand):
    """`train_by_hand(params, learning_rate, epochs, forward, backward)` -> (params, costs)."""
    for hidden, seed, rate, epochs in RUNS:
        start = reference.init_params(hidden, seed)
        want_params, want_costs = reference.gradient_descent(start, rate, epochs)
        run = f"(H = {hidden}, seed {seed}, η = {rate:g}, {epochs} epochs)"
        result = call_student(train_by_hand, {k: v.copy() for k, v in start.items()}, rate,
                              epochs, reference.forward, reference.backward)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            stop(wrong("`train_by_hand` should return two things, (params, costs); got "
                       f"{type(result).__name__}."))
        got_params, got_costs = result
        try:
            costs = np.asarray(got_costs, dtype=float).ravel()
        except (TypeError, ValueError):
            stop(wrong(f"the costs should be a list of numbers, got {type(got_costs).__name__}."))
        want = np.array(want_costs)
        if len(costs) == epochs and np.allclose(costs, want[:-1]):
            stop(wrong(f"{epochs} costs for {epochs} epochs {run}: the cost after the last step "
                       "is missing. Return epochs + 1 numbers: one forward pass more at the end."))
        if len(costs) != len(want) or not np.allclose(costs, want, rtol=1e-9, atol=1e-12):
            hint = next((text for compute, text in LOOP_MISTAKES
                         if _same(compute(start, rate, epochs), costs, want)), None)
            stop(wrong(f"the costs {run}: expected {fmt(want)}, got {fmt(costs)}. "
                       f"{hint or 'Each epoch: forward pass, record E, backward pass, update.'}"))
        got = _as_arrays(got_params, PARAMS, "train_by_hand")
        for name in PARAMS:
            if got[name].shape != want_params[name].shape or not np.allclose(got[name],
                                                                           want_params[name]):
                stop(wrong(f'the returned params["{name}"] {run} is not the final one: expected '
                           f"{_shown(name, want_params[name], got[name])}. Return the "
                           "parameters after the last step."))
    return correct("your loop runs full-batch gradient descent with the passes it is given: the "
                   "same costs, epochs + 1 of them, and the same final parameters as the "
                   f"reference on {len(RUNS)} runs.")


def _same(candidate, costs, want) -> bool:
    """The student's costs are those of the mistaken run, and that run is not the right one."""
    if len(candidate) != len(costs) or not np.allclose(candidate, costs, rtol=1e-9, atol=1e-12):
        return False
    return len(candidate) != len(want) or not np.allclose(candidate, want)
