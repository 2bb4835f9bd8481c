"""Checks of notebook 07's capstone: the 2-H-1 network's forward and backward pass by hand, and
the training loop that uses them.

The expected answers come from the reference engine: every configuration (a batch, a hidden
size, a seed) is built node by node, and the engine's values and bars are compared with the
student's dict, array by array in the order the passes compute them. A table per pass holds,
for each array, how it is computed and its typical mistakes as (what the mistake computes from
the right values and bars, hint) rows; each row becomes a mistake of the runner: the right
answer with that one array replaced.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .. import network as reference
from ..engine import OPERATIONS, Node, add, matmul, sigmoid
from ..lecture import half_squared_error
from ._runner import check

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
# The typical mistakes: for each array, (how it is computed, [(what the mistake computes,
# hint)]). `c` holds the arguments and the right values and bars (c.X, c.y, c.y_bar, ...).
# --------------------------------------------------------------------------------------------

def _dsig(a):
    return reference.sigma(a) * (1 - reference.sigma(a))


FORWARD = {
    "z1": ("X W₁ + b₁", [
        (lambda c: c.X @ c.W1, "b₁ is missing: z₁ = XW₁ + b₁, the bias added to every row."),
        (lambda c: reference.sigma(c.X @ c.W1 + c.b1), "that is h = σ(z₁) already: z₁ is "
                                                       "the input of the sigmoid."),
    ]),
    "h": ("σ(z₁)", [
        (lambda c: c.z1, "the sigmoid is missing: h = σ(z₁)."),
        (lambda c: np.tanh(c.z1), "tanh instead of σ: the hidden units are sigmoids."),
        (lambda c: np.maximum(c.z1, 0), "relu instead of σ: the hidden units are sigmoids."),
        (lambda c: reference.sigma(-c.z1), "σ(−z₁): σ(a) = 1 / (1 + e^(−a))."),
    ]),
    "z2": ("h W₂ + b₂", [
        (lambda c: c.h @ c.W2, "b₂ is missing: z₂ = hW₂ + b₂."),
        (lambda c: c.z1 @ c.W2 + c.b2, "z₁ instead of h: the output layer takes the hidden "
                                       "units' outputs h = σ(z₁)."),
    ]),
    "y": ("σ(z₂)", [
        (lambda c: c.z2, "the sigmoid is missing: y = σ(z₂)."),
        (lambda c: reference.sigma(-c.z2), "σ(−z₂): σ(a) = 1 / (1 + e^(−a))."),
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


STARTING_PARAMS = ("those are the values of the notebook's starting parameters (H = 4): compute "
                   "from the arguments W1, b1, W2, b2, with no numbers written in and nothing "
                   "kept from a call before.")


def _rules(solution, make, returned: str, table: dict) -> dict:
    """The runner's fields for a pass that returns the dict `table` describes."""
    def mistake(name, compute):
        def answer(*args):
            values, bars = engine_answers(*args[:6])
            c = SimpleNamespace(**dict(zip(("X", "T", *PARAMS), args, strict=False)),
                                N=len(args[0]), **values, **bars)
            return solution(*args) | {name: compute(c)}
        return answer
    return dict(solution=solution, configurations=CONFIGURATIONS, make=make,
                returns=(returned,), crash_hints=CRASH_HINTS,
                formulas={f"{returned}[{name!r}]": formula
                          for name, (formula, _) in table.items()},
                mistakes=[(lambda X, T, *rest: solution(X, T, *_make_forward(CONFIGURATIONS[0])[2:],
                                                         *rest[4:]), STARTING_PARAMS)] + [
                    (mistake(name, compute), hint)
                    for name, (_, rows) in table.items() for compute, hint in rows])


CRASH_HINTS = [
    ("core dimension", "a matrix product whose shapes do not fit. Forward: XW₁ (N × 2 times "
                       "2 × H), then hW₂. Backward: the bars of A = XW are X̄ = ĀWᵀ and "
                       "W̄ = XᵀĀ, so h̄ = z̄₂W₂ᵀ (N × 1 times 1 × H), not z̄₂W₂: W₂ instead of "
                       "W₂ᵀ."),
    ("could not be broadcast", "two arrays whose shapes do not fit entry by entry: every bar "
                               "has the shape of its value (h̄ and z̄₁ are N × H, z̄₂ is N × 1)."),
    ("KeyError", 'the forward values are `values["z1"]`, `values["h"]`, `values["z2"]`, '
                 '`values["y"]`, `values["E"]`.'),
]


@check("07_training_xor", "the forward pass by hand",
       **_rules(_engine_forward, _make_forward, "values", FORWARD),
       success=f"z₁, h, z₂, y and E equal the engine's forward values on {len(CONFIGURATIONS)} "
               "batches: the XOR batch, and random batches of 3 and 7 samples with 1 and 5 "
               "hidden units.")
def check_network_forward(network_forward):
    """`network_forward(X, T, W1, b1, W2, b2)` -> {"z1", "h", "z2", "y", "E"}, as the engine's."""


@check("07_training_xor", "the backward pass by hand",
       **_rules(_engine_backward, _make_backward, "bars", BACKWARD),
       success=f"all eight bars, ȳ, z̄₂, W̄₂, b̄₂, h̄, z̄₁, W̄₁, b̄₁, equal the engine's on "
               f"{len(CONFIGURATIONS)} batches, each with the shape of its value; h̄ = z̄₂W₂ᵀ "
               "carries the error to the hidden layer.")
def check_network_backward(network_backward):
    """`network_backward(X, T, W1, b1, W2, b2, values)` -> the eight bars, as the engine's."""


# --------------------------------------------------------------------------------------------
# The training loop
# --------------------------------------------------------------------------------------------

#: The runs the loop check makes: a hidden size, a seed, a learning rate, a number of epochs.
RUNS: list[dict] = [
    dict(label="H = 3, seed 2, η = 2, 5 epochs", hidden=3, seed=2, rate=2.0, epochs=5),
    dict(label="H = 2, seed 7, η = 0.5, 3 epochs", hidden=2, seed=7, rate=0.5, epochs=3)]


def _run(rate=None, backward=reference.backward, costs=slice(None)):
    """A loop with a mistake: another rate, another backward pass, other costs kept."""
    def loop(params, learning_rate, epochs, forward, _):
        final, all_costs = reference.gradient_descent(
            params, learning_rate if rate is None else rate, epochs, forward, backward)
        return final, all_costs[costs]
    return loop


def _weights_only(*args, **kwargs) -> dict:
    bars = reference.backward(*args, **kwargs)
    return bars | {"b1_bar": 0 * bars["b1_bar"], "b2_bar": 0 * bars["b2_bar"]}


@check("07_training_xor", "the training loop by hand",
       solution=reference.gradient_descent,
       configurations=RUNS,
       make=lambda c: (reference.init_params(c["hidden"], c["seed"]), c["rate"], c["epochs"],
                       reference.forward, reference.backward),
       returns=("the final params", "the costs"),
       mistakes=[
           (_run(costs=slice(-1)), "the cost after the last step is missing: return epochs + 1 "
                                   "costs, one forward pass more at the end."),
           (_run(costs=slice(1, None)), "the cost before the first step is missing: record E "
                                        "of the start too, epochs + 1 costs."),
           (lambda p, r, n, f, b: _run(-r)(p, r, n, f, b), "the cost goes up: that is a step "
            "uphill, along the bars. Gradient descent subtracts η times the bar."),
           (_run(1.0), "that is the run of η = 1: use the `learning_rate` argument."),
           (_run(backward=_weights_only), "the biases never move: every weight and every bias "
                                          "is a coordinate."),
           (_run(0.0), "the cost never changes: the parameters are not updated. Build new "
                       "parameters from the bars and use them in the next epoch."),
           (lambda p, r, n, f, b: (p, _run()(p, r, n, f, b)[1]), "return the parameters after "
            "the last step, not those you were given.")],
       success="your loop runs full-batch gradient descent with the passes it is given: the "
               f"same costs, epochs + 1 of them, and the same final parameters as the reference "
               f"on {len(RUNS)} runs.")
def check_training_by_hand(train_by_hand):
    """`train_by_hand(params, learning_rate, epochs, forward, backward)` -> (params, costs)."""
