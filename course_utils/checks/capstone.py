"""Checks of notebook 07's capstone: the 2-H-1 network's forward and backward pass by hand, and
the training loop that uses them.

The expected answers come from the reference engine: every configuration (a batch, a hidden
size, a seed) is built node by node, and the engine's values and bars are compared with the
student's dict, array by array in the order the passes compute them. Each pass is also written
as lines, one per array, so that a typical mistake is `Mistake(id, the pass with that one line
wrong, hint)` (see `_runner.but`).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .. import network as reference
from ..engine import OPERATIONS, Node, add, matmul, sigmoid
from ..lecture import half_squared_error
from ._runner import Mistake, but, check
from .graphs import the_engine, the_messages

__all__ = ["check_network_forward", "check_network_backward", "check_training_by_hand"]

PARAMS = ("W1", "b1", "W2", "b2")

#: The batches tried: the notebook's start first, the last a batch and a size it never shows.
CONFIGURATIONS: list[dict] = [
    dict(label="the XOR batch, H = 4 (the notebook's start)", samples=None, hidden=4, seed=0),
    dict(label="the XOR batch, H = 3, non-zero biases", samples=None, hidden=3, seed=1),
    dict(label="3 random samples, H = 1", samples=3, hidden=1, seed=2),
    dict(label="7 random samples, H = 5", samples=7, hidden=5, seed=11),
]


def configuration(c: dict) -> SimpleNamespace:
    """Inputs X, labels T and parameters of configuration `c`, seeded; fresh arrays."""
    rng = np.random.default_rng(c["seed"])
    if c["samples"] is None:
        X, T = reference.X, reference.T
    else:
        X = rng.normal(size=(c["samples"], 2))
        T = rng.integers(0, 2, size=(c["samples"], 1))
    params = {"W1": rng.normal(size=(2, c["hidden"])), "b1": 0.5 * rng.normal(size=c["hidden"]),
              "W2": rng.normal(size=(c["hidden"], 1)), "b2": 0.5 * rng.normal(size=1)}
    if c["samples"] is None and c["seed"] == 0:
        params = reference.init_params(c["hidden"], c["seed"])     # the notebook's start
    return SimpleNamespace(X=np.array(X, dtype=float), T=np.array(T, dtype=float), N=len(X),
                           params={k: np.array(v, dtype=float) for k, v in params.items()})


def engine_answers(X, T, W1, b1, W2, b2) -> tuple[dict, dict]:
    """The engine's forward values and bars, node by node."""
    W1, b1, W2, b2 = (Node(v, name=k) for k, v in zip(PARAMS, (W1, b1, W2, b2), strict=True))
    z1 = add(matmul(X, W1), b1, name="z1")
    h = sigmoid(z1, name="h")
    z2 = add(matmul(h, W2), b2, name="z2")
    y = sigmoid(z2, name="y")
    E = OPERATIONS["mean"](half_squared_error(y, T, name="L"), name="E")
    E.backward()
    values = {"z1": z1.value, "h": h.value, "z2": z2.value, "y": y.value, "E": E.value}
    bars = {f"{node.name}_bar": node.bar for node in (y, z2, W2, b2, h, z1, W1, b1)}
    return values, bars


def _engine_forward(X, T, W1, b1, W2, b2):
    return engine_answers(X, T, W1, b1, W2, b2)[0]


def _engine_backward(X, T, W1, b1, W2, b2, values):
    return engine_answers(X, T, W1, b1, W2, b2)[1]


def _make_forward(c: dict) -> tuple:
    n = configuration(c)
    return (n.X, n.T, *(n.params[k] for k in PARAMS))


def _make_backward(c: dict) -> tuple:
    args = _make_forward(c)
    return (*args, _engine_forward(*args))


# --------------------------------------------------------------------------------------------
# The two passes as lines, one per array (for `but`), and their typical mistakes: each the
# pass of a student who computes that one array wrongly (the arrays after it follow from it).
# `v` holds the arguments (v.X, v.T, v.W1, ...), N, and the arrays computed so far.
# --------------------------------------------------------------------------------------------

def _dsig(a):
    return reference.sigma(a) * (1 - reference.sigma(a))


FORWARD_LINES = dict(
    z1=lambda v: v.X @ v.W1 + v.b1, h=lambda v: reference.sigma(v.z1),
    z2=lambda v: v.h @ v.W2 + v.b2, y=lambda v: reference.sigma(v.z2),
    E=lambda v: np.mean(0.5 * (v.y - v.T) ** 2))

BACKWARD_LINES = dict(
    y_bar=lambda v: (v.y - v.T) / v.N, z2_bar=lambda v: v.y_bar * v.y * (1 - v.y),
    W2_bar=lambda v: v.h.T @ v.z2_bar, b2_bar=lambda v: v.z2_bar.sum(axis=0),
    h_bar=lambda v: v.z2_bar @ v.W2.T, z1_bar=lambda v: v.h_bar * v.h * (1 - v.h),
    W1_bar=lambda v: v.X.T @ v.z1_bar, b1_bar=lambda v: v.z1_bar.sum(axis=0))


def _forward(**wrong):
    """network_forward as a student with the `wrong` lines of FORWARD_LINES writes it."""
    computed = but(FORWARD_LINES, **wrong)

    def network_forward(X, T, W1, b1, W2, b2):
        v = computed(X=X, T=T, W1=W1, b1=b1, W2=W2, b2=b2)
        return {name: getattr(v, name) for name in FORWARD_LINES}
    return network_forward


def _backward(**wrong):
    """network_backward as a student with the `wrong` lines of BACKWARD_LINES writes it."""
    computed = but(BACKWARD_LINES, **wrong)

    def network_backward(X, T, W1, b1, W2, b2, values):
        v = computed(X=X, T=T, W1=W1, b1=b1, W2=W2, b2=b2, N=len(X), **values)
        return {name: getattr(v, name) for name in BACKWARD_LINES}
    return network_backward


#: How each array of the forward pass is computed (never shown in a ✘: see `_runner`).
FORWARD_FORMULAS = dict(
    z1="X W₁ + b₁",
    h="σ(z₁)",
    z2="h W₂ + b₂",
    y="σ(z₂)",
    E="the mean of ½(y − t)²",
    code="X @ W1 + b1")

FORWARD_MISTAKES = [
    Mistake("z1-no-b1", _forward(z1=lambda v: v.X @ v.W1),
            "the bias b₁ is missing from z₁."),
    Mistake("z1-is-h", _forward(z1=lambda v: reference.sigma(v.X @ v.W1 + v.b1)),
            "z₁ has been through the sigmoid already: z₁ is what the hidden units receive, "
            "before their sigmoid."),
    Mistake("h-no-sigmoid", _forward(h=lambda v: v.z1),
            "h equals z₁: the hidden units' sigmoid is missing."),
    Mistake("h-tanh", _forward(h=lambda v: np.tanh(v.z1)),
            "tanh instead of σ: the hidden units are sigmoids."),
    Mistake("h-relu", _forward(h=lambda v: np.maximum(v.z1, 0)),
            "relu instead of σ: the hidden units are sigmoids."),
    Mistake("h-sigma-minus", _forward(h=lambda v: reference.sigma(-v.z1)),
            "h is σ(−z₁), the sigmoid mirrored: check the sign inside the exponential of your "
            "sigmoid."),
    Mistake("z2-no-b2", _forward(z2=lambda v: v.h @ v.W2),
            "the bias b₂ is missing from z₂."),
    Mistake("z2-from-z1", _forward(z2=lambda v: v.z1 @ v.W2 + v.b2),
            "z₂ is computed from z₁: the output layer reads the hidden units' outputs, after "
            "their sigmoid."),
    Mistake("y-no-sigmoid", _forward(y=lambda v: v.z2),
            "y equals z₂: the output unit's sigmoid is missing."),
    Mistake("y-sigma-minus", _forward(y=lambda v: reference.sigma(-v.z2)),
            "y is σ(−z₂), the sigmoid mirrored: check the sign inside the exponential of your "
            "sigmoid."),
    Mistake("E-no-half", _forward(E=lambda v: np.mean((v.y - v.T) ** 2)),
            "E is twice too large: the lecture's loss has a ½."),
    Mistake("E-sum", _forward(E=lambda v: np.sum(0.5 * (v.y - v.T) ** 2)),
            "that is the sum of the losses, N times too large: the cost is their mean."),
    Mistake("E-per-sample", _forward(E=lambda v: 0.5 * (v.y - v.T) ** 2),
            "those are the N per-sample losses: E is one number, their mean."),
    Mistake("E-no-square", _forward(E=lambda v: np.mean(0.5 * (v.y - v.T))),
            "the square is missing: errors above and below the labels cancel out."),
    Mistake("E-mean-squared", _forward(E=lambda v: 0.5 * np.mean(v.y - v.T) ** 2),
            "that squares the mean error: the cost averages the samples' losses, each of them "
            "a square."),
]

#: How each array of the backward pass is computed (never shown in a ✘: see `_runner`).
BACKWARD_FORMULAS = dict(
    y_bar="(y − t)/N",
    z2_bar="ȳ·σ'(z₂) = ȳ·y(1 − y)",
    W2_bar="hᵀ z̄₂",
    b2_bar="Σₙ z̄₂ (a sum over the samples)",
    h_bar="z̄₂ W₂ᵀ",
    z1_bar="h̄·σ'(z₁) = h̄·h(1 − h)",
    W1_bar="Xᵀ z̄₁",
    b1_bar="Σₙ z̄₁ (a sum over the samples)",
    code="(y - T) / N, h.T @ z2_bar, z2_bar.sum(axis=0), z2_bar @ W2.T, X.T @ z1_bar")

BACKWARD_MISTAKES = [
    Mistake("y_bar-no-1-over-N", _backward(y_bar=lambda v: v.y - v.T),
            "ȳ is N times too large: E is the mean of N losses. What does the mean contribute "
            "to each sample's bar?"),
    Mistake("y_bar-sign", _backward(y_bar=lambda v: (v.T - v.y) / v.N),
            "the sign is flipped: where y is above t, the loss grows as y grows."),
    Mistake("y_bar-factor-2", _backward(y_bar=lambda v: 2 * (v.y - v.T) / v.N),
            "ȳ is twice too large: the ½ of the loss cancels a 2."),
    Mistake("y_bar-is-z2_bar", _backward(y_bar=lambda v: v.y_bar * v.y * (1 - v.y)),
            "ȳ has the sigmoid's slope in it already: that local derivative belongs to the "
            "next bar, z̄₂."),
    Mistake("y_bar-summed", _backward(y_bar=lambda v: np.sum(v.y_bar)),
            "one number: ȳ has one entry per sample, the shape of y."),
    Mistake("z2_bar-no-sigma-prime", _backward(z2_bar=lambda v: v.y_bar),
            "z̄₂ equals ȳ: a factor of the chain rule is missing. Which local derivative does y "
            "pass back to z₂ (notebook 03)?"),
    Mistake("z2_bar-sigma", _backward(z2_bar=lambda v: v.y_bar * v.y),
            "z̄₂ multiplies ȳ by y, the sigmoid's value, where its slope belongs."),
    Mistake("z2_bar-z-one-minus-z", _backward(z2_bar=lambda v: v.y_bar * v.z2 * (1 - v.z2)),
            "z₂(1 − z₂) is not σ'(z₂): the slope written as s(1 − s) takes the sigmoid's "
            "output s, not its input."),
    Mistake("z2_bar-sigma-prime-at-y", _backward(z2_bar=lambda v: v.y_bar * _dsig(v.y)),
            "σ' is evaluated at the wrong point, at y, which is the sigmoid's output "
            "already."),
    Mistake("z2_bar-divided", _backward(z2_bar=lambda v: v.y_bar / (v.y * (1 - v.y))),
            "divided by σ'(z₂): the chain rule multiplies."),
    Mistake("W2_bar-transposed", _backward(W2_bar=lambda v: v.z2_bar.T @ v.h),
            "the transpose is on the wrong side: W̄₂ must have W₂'s shape, H × 1. Check the "
            "shapes of your product's factors."),
    Mistake("W2_bar-from-y_bar", _backward(W2_bar=lambda v: v.h.T @ v.y_bar),
            "W̄₂ starts from the wrong bar, ȳ: which node does W₂ enter directly?"),
    Mistake("W2_bar-over-N", _backward(W2_bar=lambda v: v.h.T @ v.z2_bar / v.N),
            "divided by N a second time: the 1/N is already in ȳ."),
    Mistake("W2_bar-from-z1", _backward(W2_bar=lambda v: v.z1.T @ v.z2_bar),
            "W̄₂ is built from z₁: which array does W₂ multiply in the forward pass?"),
    Mistake("W2_bar-elementwise", _backward(W2_bar=lambda v: v.h * v.z2_bar),
            "an entry-by-entry product, one value per sample: W̄₂ gathers the messages of all "
            "the samples, and has W₂'s shape."),
    Mistake("b2_bar-not-summed", _backward(b2_bar=lambda v: v.z2_bar),
            "b̄₂ has one row per sample: b₂ was added to every row, so its bar gathers the "
            "messages of all the rows, and has b₂'s shape (1,)."),
    Mistake("b2_bar-summed-all", _backward(b2_bar=lambda v: np.sum(v.z2_bar)),
            "b̄₂ is one number, shape (): gather over the samples only, so that b̄₂ keeps "
            "b₂'s shape (1,)."),
    Mistake("b2_bar-mean", _backward(b2_bar=lambda v: v.z2_bar.mean(axis=0)),
            "a mean instead of a sum: the 1/N is already in ȳ."),
    Mistake("b2_bar-from-y_bar", _backward(b2_bar=lambda v: v.y_bar.sum(axis=0)),
            "b̄₂ starts from the wrong bar, ȳ: which node does b₂ enter directly?"),
    Mistake("h_bar-transposed", _backward(h_bar=lambda v: v.W2 @ v.z2_bar.T),
            "the transpose is on the wrong side: h̄ must have h's shape, N × H."),
    Mistake("h_bar-from-y_bar", _backward(h_bar=lambda v: v.y_bar @ v.W2.T),
            "h̄ starts from the wrong bar, ȳ: the error reaches h through z₂, so the output "
            "sigmoid's slope must be in h̄."),
    Mistake("h_bar-elementwise", _backward(h_bar=lambda v: v.z2_bar * v.W2),
            "an entry-by-entry product with W₂: h enters z₂ through a matrix product, and so "
            "does its message."),
    Mistake("h_bar-is-z1_bar", _backward(h_bar=lambda v: v.h_bar * v.h * (1 - v.h)),
            "h̄ has the hidden sigmoid's slope in it already: that local derivative belongs to "
            "the next bar, z̄₁."),
    Mistake("h_bar-over-N", _backward(h_bar=lambda v: v.z2_bar @ v.W2.T / v.N),
            "divided by N a second time: the 1/N is already in ȳ."),
    Mistake("z1_bar-no-sigma-prime", _backward(z1_bar=lambda v: v.h_bar),
            "z̄₁ equals h̄: a factor of the chain rule is missing. Which local derivative does h "
            "pass back to z₁?"),
    Mistake("z1_bar-sigma", _backward(z1_bar=lambda v: v.h_bar * v.h),
            "z̄₁ multiplies h̄ by h, the sigmoid's value, where its slope belongs."),
    Mistake("z1_bar-output-slope", _backward(z1_bar=lambda v: v.h_bar * v.y * (1 - v.y)),
            "z̄₁ uses the output unit's slope, built from y: the hidden layer's sigmoid has a "
            "slope of its own."),
    Mistake("z1_bar-z-one-minus-z", _backward(z1_bar=lambda v: v.h_bar * v.z1 * (1 - v.z1)),
            "z₁(1 − z₁) is not σ'(z₁): the slope written as s(1 − s) takes the sigmoid's "
            "output, not its input."),
    Mistake("z1_bar-sigma-prime-at-h", _backward(z1_bar=lambda v: v.h_bar * _dsig(v.h)),
            "σ' is evaluated at the wrong point, at h, which is the sigmoid's output "
            "already."),
    Mistake("W1_bar-transposed", _backward(W1_bar=lambda v: v.z1_bar.T @ v.X),
            "the transpose is on the wrong side: W̄₁ must have W₁'s shape, 2 × H."),
    Mistake("W1_bar-from-h_bar", _backward(W1_bar=lambda v: v.X.T @ v.h_bar),
            "W̄₁ starts from the wrong bar, h̄: W₁ enters through z₁, before the sigmoid."),
    Mistake("W1_bar-last-sample", _backward(W1_bar=lambda v: np.outer(v.X[-1], v.z1_bar[-1])),
            "W̄₁ holds one sample's message only, the last one's: every sample adds its own "
            "message to W̄₁ (assigned in a loop instead of added?)."),
    Mistake("W1_bar-over-N", _backward(W1_bar=lambda v: v.X.T @ v.z1_bar / v.N),
            "divided by N a second time: the 1/N is already in ȳ."),
    Mistake("b1_bar-not-summed", _backward(b1_bar=lambda v: v.z1_bar),
            "b̄₁ has one row per sample: b₁ was added to every row, so its bar gathers the "
            "messages of all the rows, and has b₁'s shape (H,)."),
    Mistake("b1_bar-summed-all", _backward(b1_bar=lambda v: np.sum(v.z1_bar)),
            "b̄₁ is one number: gather over the samples only, so that b̄₁ keeps b₁'s H "
            "entries."),
    Mistake("b1_bar-summed-over-units", _backward(b1_bar=lambda v: v.z1_bar.sum(axis=1)),
            "b̄₁ is summed over the hidden units, one value per sample: b₁ has one entry per "
            "unit. Which axis runs over the samples?"),
    Mistake("b1_bar-mean", _backward(b1_bar=lambda v: v.z1_bar.mean(axis=0)),
            "a mean instead of a sum: the 1/N is already in ȳ."),
    Mistake("b1_bar-from-h_bar", _backward(b1_bar=lambda v: v.h_bar.sum(axis=0)),
            "b̄₁ starts from the wrong bar, h̄: b₁ enters through z₁, before the sigmoid."),
]


#: Not a slip of one array: the notebook's starting parameters written in.
STARTING_PARAMS = ("those are the values of the notebook's starting parameters (H = 4): compute "
                   "from the arguments W1, b1, W2, b2, with no numbers written in and nothing "
                   "kept from a call before.")


def _started(solution):
    """`solution` on the notebook's starting parameters, whatever parameters it is given."""
    def answer(X, T, W1, b1, W2, b2, *values):
        return solution(X, T, *_make_forward(CONFIGURATIONS[0])[2:], *values)
    return answer


CRASH_HINTS = [
    ("core dimension", "a matrix product whose shapes do not fit: X is N × 2, W₁ 2 × H, h "
                       "N × H, W₂ H × 1, and every bar has the shape of its value. Write the "
                       "shapes of the two factors side by side: which one needs a transpose?"),
    ("could not be broadcast", "two arrays whose shapes do not fit entry by entry: every bar "
                               "has the shape of its value (h̄ and z̄₁ are N × H, z̄₂ is N × 1)."),
    ("KeyError", 'the forward values are `values["z1"]`, `values["h"]`, `values["z2"]`, '
                 '`values["y"]`, `values["E"]`.'),
]


@check("07_training_xor", "the forward pass by hand",
       refuses=lambda: (reference.forward, reference.backward, engine_answers, *the_engine()),
       solution=_engine_forward, configurations=CONFIGURATIONS, make=_make_forward,
       returns=("values",), crash_hints=CRASH_HINTS,
       formulas={f"values[{name!r}]": formula for name, formula in FORWARD_FORMULAS.items()},
       mistakes=[Mistake("starting-params", _started(_engine_forward), STARTING_PARAMS),
                 *FORWARD_MISTAKES],
       success=f"z₁, h, z₂, y and E equal the engine's forward values on {len(CONFIGURATIONS)} "
               "batches: the XOR batch, and random batches of 3 and 7 samples with 1 and 5 "
               "hidden units.")
def check_network_forward(network_forward):
    """`network_forward(X, T, W1, b1, W2, b2)` -> {"z1", "h", "z2", "y", "E"}, as the engine's."""


@check("07_training_xor", "the backward pass by hand",
       refuses=lambda: (reference.backward, engine_answers, *the_engine(), *the_messages()),
       exact=True, solution=_engine_backward, configurations=CONFIGURATIONS, make=_make_backward,
       returns=("bars",), crash_hints=CRASH_HINTS,
       formulas={f"bars[{name!r}]": formula for name, formula in BACKWARD_FORMULAS.items()},
       mistakes=[Mistake("starting-params", _started(_engine_backward), STARTING_PARAMS),
                 *BACKWARD_MISTAKES],
       success=f"all eight bars, ȳ, z̄₂, W̄₂, b̄₂, h̄, z̄₁, W̄₁, b̄₁, equal the engine's on "
               f"{len(CONFIGURATIONS)} batches, each with the shape of its value; h̄ = z̄₂W₂ᵀ "
               "carries the error to the hidden layer.")
def check_network_backward(network_backward):
    """`network_backward(X, T, W1, b1, W2, b2, values)` -> the eight bars, as the engine's."""


# --------------------------------------------------------------------------------------------
# The training loop
# --------------------------------------------------------------------------------------------

#: The runs the loop check makes: a hidden size, a seed, a learning rate, a number of epochs,
#: and the passes handed over (the last run's are another cost's: a loop must use its own).
RUNS: list[dict] = [
    dict(label="H = 3, seed 2, η = 2, 5 epochs", hidden=3, seed=2, rate=2.0, epochs=5),
    dict(label="H = 2, seed 7, η = 0.5, 3 epochs", hidden=2, seed=7, rate=0.5, epochs=3),
    dict(label="H = 3, seed 4, η = 1, 4 epochs, with the passes of another cost (E plus weight "
         "decay) as `forward` and `backward`", hidden=3, seed=4, rate=1.0, epochs=4,
         decay=True)]

DECAY = 0.05   # λ of the other cost, E + ½λ(ΣW₁² + ΣW₂²)


def decayed_forward(X, T, W1, b1, W2, b2):
    """The forward pass of another cost, E plus weight decay: passes the loop did not write."""
    values = reference.forward(X, T, W1, b1, W2, b2)
    return values | {"E": values["E"] + 0.5 * DECAY * (np.sum(W1 ** 2) + np.sum(W2 ** 2))}


def decayed_backward(X, T, W1, b1, W2, b2, values):
    """The backward pass of that cost."""
    bars = reference.backward(X, T, W1, b1, W2, b2, values)
    return bars | {"W1_bar": bars["W1_bar"] + DECAY * W1, "W2_bar": bars["W2_bar"] + DECAY * W2}


def _passes(c: dict) -> tuple:
    return (decayed_forward, decayed_backward) if c.get("decay") else \
        (reference.forward, reference.backward)


def _run(rate=None, bars=None, costs=slice(None)):
    """A loop with a mistake, on the passes it is given: another rate, bars changed by `bars`,
    other costs kept."""
    def loop(params, learning_rate, epochs, forward, backward):
        used = backward if bars is None else (lambda *a, **k: bars(backward(*a, **k)))
        final, all_costs = reference.gradient_descent(
            params, learning_rate if rate is None else rate, epochs, forward, used)
        return final, all_costs[costs]
    return loop


def _weights_only(bars: dict) -> dict:
    return bars | {"b1_bar": 0 * bars["b1_bar"], "b2_bar": 0 * bars["b2_bar"]}


@check("07_training_xor", "the training loop by hand",
       refuses=lambda: (reference.gradient_descent,),
       solution=reference.gradient_descent,
       configurations=RUNS,
       make=lambda c: (reference.init_params(c["hidden"], c["seed"]), c["rate"], c["epochs"],
                       *_passes(c)),
       returns=("the final params", "costs"),
       formulas={"the step": "value - learning_rate * bars[name + '_bar']"},
       mistakes=[
           Mistake("own-passes", lambda p, r, n, f, b: reference.gradient_descent(p, r, n),
                   "your loop did not use the passes it is handed: here `forward` and "
                   "`backward` are those of another cost, and your run is the notebook's cost's. "
                   "Call the two passes the loop receives as arguments."),
           Mistake("own-backward",
                   lambda p, r, n, f, b: reference.gradient_descent(p, r, n, f, reference.backward),
                   "the costs come from the `forward` you are handed, but the steps do not: the "
                   "bars come from another backward pass than the `backward` argument."),
           Mistake("own-forward",
                   lambda p, r, n, f, b: reference.gradient_descent(p, r, n, reference.forward, b),
                   "the steps are right, but the costs are not those of the `forward` you are "
                   "handed: the costs come from another forward pass."),
           Mistake("last-cost-missing", _run(costs=slice(-1)),
                   "the cost after the last step is missing: the costs are E before every step "
                   "and after the last one, epochs + 1 of them."),
           Mistake("first-cost-missing", _run(costs=slice(1, None)),
                   "the cost at the start, before the first step, is missing: epochs + 1 "
                   "costs in all."),
           Mistake("uphill", lambda p, r, n, f, b: _run(-r)(p, r, n, f, b),
                   "the cost goes up: that is a step uphill, along the bars; gradient descent "
                   "goes against them."),
           Mistake("fixed-rate", _run(1.0),
                   "that is the run of η = 1: use the `learning_rate` argument."),
           Mistake("biases-fixed", _run(bars=_weights_only),
                   "the biases never move: every weight and every bias is a coordinate."),
           Mistake("no-update", _run(0.0),
                   "the cost never changes: the parameters are not updated, or the next "
                   "epoch's passes do not see the new ones."),
           Mistake("start-params-returned", lambda p, r, n, f, b: (p, _run()(p, r, n, f, b)[1]),
                   "return the parameters after the last step, not those you were given.")],
       success="your loop runs full-batch gradient descent with the passes it is given: the "
               f"same costs, epochs + 1 of them, and the same final parameters as the reference "
               f"on {len(RUNS)} runs.")
def check_training_by_hand(train_by_hand):
    """`train_by_hand(params, learning_rate, epochs, forward, backward)` -> (params, costs)."""
