"""The capstone checks of notebook 07: right answers pass in any style, each mistake is named."""
import numpy as np
import pytest
from verdicts import assert_messages_differ, assert_row, references_allowed, rows, short_guard  # noqa: F401

from course_utils import network as reference
from course_utils.checks.capstone import (
    CONFIGURATIONS,
    check_network_backward,
    check_network_forward,
    check_training_by_hand,
    configuration,
    engine_answers,
)
from course_utils.checks.training import train_xor, xor_network
from course_utils.engine import Node

X, T = reference.X, reference.T
#: Answers written as the reference changed in one place (see verdicts.references_allowed).
pytestmark = pytest.mark.usefixtures("references_allowed")


PARAMS = ("W1", "b1", "W2", "b2")


def sigma(a):
    return 1 / (1 + np.exp(-a))


# -- the expected answers are the engine's, and the reference agrees with them ------------------

@pytest.mark.parametrize("c", CONFIGURATIONS, ids=[c["label"] for c in CONFIGURATIONS])
def test_reference_passes_equal_the_engine_bar_by_bar(c):
    n = configuration(c)
    values, bars = engine_answers(n.X, n.T, *(n.params[k] for k in PARAMS))
    mine = reference.forward(n.X, n.T, **n.params)
    my_bars = reference.backward(n.X, n.T, **n.params, values=mine)
    for name in values:
        np.testing.assert_allclose(mine[name], values[name], rtol=1e-12, err_msg=name)
    for name in reference.BARS:
        assert my_bars[name].shape == bars[name].shape, name
        np.testing.assert_allclose(my_bars[name], bars[name], rtol=1e-10, atol=1e-15,
                                   err_msg=name)


def test_reference_training_has_the_engines_costs_and_learns_xor():
    params, costs = reference.gradient_descent(reference.init_params(4, seed=0), 5.0, 1000)
    engine = train_xor(5.0, 4, seed=0, stop_when_learned=False)
    assert len(costs) == len(engine.costs) == 1001
    assert np.max(np.abs(np.array(costs) - engine.costs)) < 1e-10
    y = reference.forward(X, T, **params)["y"]
    assert np.all((y > 0.5) == (T > 0.5))


def test_reference_update_step_moves_each_node_against_its_bar():
    net = xor_network(3, seed=1)
    net.E.backward()
    before = [(p.value.copy(), p.bar.copy()) for p in net.params]
    reference.update_step(net.params, 0.5)
    for p, (value, bar) in zip(net.params, before, strict=True):
        np.testing.assert_allclose(p.value, value - 0.5 * bar)
        np.testing.assert_array_equal(p.bar, bar)


def test_the_batches_include_one_the_notebook_never_shows():
    sizes = {(configuration(c).N, c["hidden"]) for c in CONFIGURATIONS}
    assert (4, 4) in sizes and any(n != 4 and h not in (1, 2, 3, 4) for n, h in sizes)


# -- the forward pass ----------------------------------------------------------------------------

def forward_with_dot(X, T, W1, b1, W2, b2):
    h = sigma(np.dot(X, W1) + b1)
    y = sigma(np.dot(h, W2) + b2)
    return {"z1": np.dot(X, W1) + b1, "h": h, "z2": np.dot(h, W2) + b2, "y": y,
            "E": np.sum(0.5 * (y - T) ** 2) / len(X)}


def forward_by_sample(X, T, W1, b1, W2, b2):
    rows_ = [dict(z1=x @ W1 + b1) for x in X]
    for row, t in zip(rows_, T, strict=True):
        row["h"] = sigma(row["z1"])
        row["z2"] = row["h"] @ W2 + b2
        row["y"] = sigma(row["z2"])
        row["L"] = float(0.5 * (row["y"][0] - t[0]) ** 2)
    stacked = {k: np.array([row[k] for row in rows_]) for k in ("z1", "h", "z2", "y")}
    return stacked | {"E": sum(row["L"] for row in rows_) / len(X)}


def forward_with(**changes):
    """The reference forward pass with some values replaced: changes[name](values, X, T, ...)."""
    def forward(X, T, W1, b1, W2, b2):
        values = reference.forward(X, T, W1, b1, W2, b2)
        return values | {k: f(values, X, T, W1, b1, W2, b2) for k, f in changes.items()}
    return forward


def forward_hard_coded(X, T, W1, b1, W2, b2):
    return {k: v.copy() for k, v in reference.forward(X, T, **reference.init_params(4)).items()}


def forward_in_place(X, T, W1, b1, W2, b2):
    X /= np.max(np.abs(X))                       # scales the caller's inputs (all but XOR's)
    return reference.forward(X, T, W1, b1, W2, b2)


HISTORY: list = []


def forward_averages_the_costs(X, T, W1, b1, W2, b2):
    """Reports the mean cost of every call so far: a global list that outlives the call."""
    values = reference.forward(X, T, W1, b1, W2, b2)
    HISTORY.append(values["E"])
    return values | {"E": np.mean(HISTORY)}


def forward_forever(X, T, W1, b1, W2, b2):
    while True:
        pass


FORWARD = [  # (answer, status, key words of the message)
    (reference.forward, "correct", ["engine's forward values", "4 batches"]),
    (forward_with_dot, "correct", []),
    (forward_by_sample, "correct", []),
    (forward_with(z1=lambda v, X, T, W1, b1, W2, b2: X @ W1), "wrong",
     ["non-zero biases", "values['z1'][0, 0] is off: expected −1.572", "b₁ is missing"]),
    (forward_with(h=lambda v, *a: np.maximum(v["z1"], 0)), "wrong",
     ["values['h'][0, 0] is off: expected 0.3692", "relu"]),
    (forward_with(E=lambda v, X, T, *a: np.sum(0.5 * (v["y"] - T) ** 2)), "wrong",
     ["values['E'] is off", "their mean"]),
    (forward_with(E=lambda v, X, T, *a: 0.5 * (v["y"] - T) ** 2), "wrong",
     ["values['E'] has shape (4, 1), expected ()", "per-sample losses"]),
    (forward_with(E=lambda v, X, T, *a: np.mean((v["y"] - T) ** 2)), "wrong",
     ["twice too large", "has a ½"]),
    (forward_with(z2=lambda v, X, T, W1, b1, W2, b2: v["z1"] @ W2 + b2), "wrong",
     ["values['z2'][0, 0] is off", "computed from z₁"]),
    (lambda X, T, W1, b1, W2, b2: tuple(reference.forward(X, T, W1, b1, W2, b2).values()),
     "wrong", ["should be a dict with the keys E, h, y, z1, z2", "got a list or tuple of 5"]),
    (forward_hard_coded, "wrong", ["H = 3", "values['z1'] has shape (4, 4)",
                                   "notebook's starting parameters"]),
    (forward_in_place, "wrong", ["3 random samples", "changed its input", "X[0, 0] was"]),
    (forward_averages_the_costs, "wrong", ["called again", "values['E'] ="]),
    (lambda X, T, W1, b1, W2, b2: reference.forward(X, T, W1.T, b1, W2, b2), "wrong",
     ["core dimension", "X is N × 2, W₁ 2 × H", "which one needs a transpose"]),
    (forward_forever, "wrong", ["did not finish"]),
    (lambda X, T, W1, b1, W2, b2: reference.forward(X, T, W1, b1, W2, b2)
     | {"E": str(reference.forward(X, T, W1, b1, W2, b2)["E"])}, "wrong",
     ["values['E'] should be a number, got text", "not a formatted string"]),
    (lambda X, T, W1, b1, W2, b2: reference.forward(X, T, W1, b1, W2, b2)
     | {"E": Node(reference.forward(X, T, W1, b1, W2, b2)["E"], name="E")}, "wrong",
     ["values['E'] should be a number or an array, got the engine Node E", "`.value`"]),
]


@pytest.mark.parametrize("answer, status, words", rows(FORWARD))
def test_forward(answer, status, words, short_guard):  # noqa: F811
    HISTORY.clear()
    assert_row(check_network_forward, answer, status, words)


def test_forward_messages_differ(short_guard):  # noqa: F811
    HISTORY.clear()
    assert_messages_differ(check_network_forward, FORWARD)


# -- the backward pass ---------------------------------------------------------------------------

def backward_by_sample(X, T, W1, b1, W2, b2, values):
    """One sample at a time, summing each sample's messages: the loop the matrices replace."""
    N, sums = len(X), {name: 0.0 for name in ("W1_bar", "b1_bar", "W2_bar", "b2_bar")}
    per_row = {name: [] for name in ("y_bar", "z2_bar", "h_bar", "z1_bar")}
    for n in range(N):
        x, h, y = X[n], values["h"][n], values["y"][n]
        y_bar = (y - T[n]) / N
        z2_bar = y_bar * y * (1 - y)
        h_bar = W2[:, 0] * z2_bar[0]
        z1_bar = h_bar * h * (1 - h)
        sums["W2_bar"] = sums["W2_bar"] + np.outer(h, z2_bar)
        sums["b2_bar"] = sums["b2_bar"] + z2_bar
        sums["W1_bar"] = sums["W1_bar"] + np.outer(x, z1_bar)
        sums["b1_bar"] = sums["b1_bar"] + z1_bar
        for name, row in zip(per_row, (y_bar, z2_bar, h_bar, z1_bar), strict=True):
            per_row[name].append(row)
    return sums | {name: np.array(row) for name, row in per_row.items()}


def backward_with_einsum(X, T, W1, b1, W2, b2, values):
    h, y = values["h"], values["y"]
    y_bar = (y - T) / len(X)
    z2_bar = np.einsum("nk,nk->nk", y_bar, y * (1 - y))
    h_bar = np.einsum("nk,hk->nh", z2_bar, W2)
    z1_bar = h_bar * h * (1 - h)
    return {"y_bar": y_bar, "z2_bar": z2_bar, "W2_bar": np.einsum("nh,nk->hk", h, z2_bar),
            "b2_bar": np.einsum("nk->k", z2_bar), "h_bar": h_bar, "z1_bar": z1_bar,
            "W1_bar": np.einsum("ni,nh->ih", X, z1_bar), "b1_bar": np.einsum("nh->h", z1_bar)}


def backward_in_another_order(X, T, W1, b1, W2, b2, values):
    """Sums as products with a row of ones, σ' from z itself, the dict built in another order."""
    ones = np.ones(len(X))
    s1, s2 = sigma(values["z1"]), sigma(values["z2"])
    z2_bar = (s2 - T) / len(X) * s2 * (1 - s2)
    z1_bar = (z2_bar @ W2.T) * s1 * (1 - s1)
    return {"b1_bar": ones @ z1_bar, "W1_bar": X.T @ z1_bar, "z1_bar": z1_bar,
            "h_bar": z2_bar @ W2.T, "b2_bar": ones @ z2_bar, "W2_bar": s1.T @ z2_bar,
            "z2_bar": z2_bar, "y_bar": (s2 - T) / len(X)}


def backward_with(**mistakes):
    """The reference backward pass with some bars replaced: mistakes[name](values, bars, args)."""
    def backward(X, T, W1, b1, W2, b2, values):
        bars = reference.backward(X, T, W1, b1, W2, b2, values)
        args = dict(X=X, T=T, W1=W1, b1=b1, W2=W2, b2=b2, N=len(X))
        return bars | {name: f(values, bars, args) for name, f in mistakes.items()}
    return backward


def h_bar_with_W2(X, T, W1, b1, W2, b2, values):
    bars = reference.backward(X, T, W1, b1, W2, b2, values)
    h_bar = bars["z2_bar"] @ W2
    return bars | {"h_bar": h_bar}


def overwrites_in_a_loop(X, T, W1, b1, W2, b2, values):
    bars = reference.backward(X, T, W1, b1, W2, b2, values)
    for n in range(len(X)):                    # keeps only the last sample's message
        W1_bar = np.outer(X[n], bars["z1_bar"][n])
    return bars | {"W1_bar": W1_bar}


def backward_hard_coded(X, T, W1, b1, W2, b2, values):
    start = reference.init_params(4)
    return reference.backward(X, T, **start, values=reference.forward(X, T, **start))


KEPT: dict = {}


def backward_keeps_h(X, T, W1, b1, W2, b2, values):
    """Keeps the hidden values of its first call: a global that outlives the call."""
    h = KEPT.setdefault("h", values["h"])
    bars = reference.backward(X, T, W1, b1, W2, b2, values)
    return bars | {"W2_bar": h.T @ bars["z2_bar"]}


def backward_in_place(X, T, W1, b1, W2, b2, values):
    y = values["y"]
    y -= T
    return reference.backward(X, T, W1, b1, W2, b2, values)


TOTALS: dict = {}


def backward_accumulates(X, T, W1, b1, W2, b2, values):
    """Adds each call's bars to those of earlier calls of the same shape, as bars once were."""
    bars = reference.backward(X, T, W1, b1, W2, b2, values)
    for name, bar in bars.items():
        TOTALS[name, bar.shape] = TOTALS.get((name, bar.shape), 0) + bar
    return {name: TOTALS[name, bar.shape] for name, bar in bars.items()}


def backward_forever(X, T, W1, b1, W2, b2, values):
    bars = {}
    while "y_bar" not in bars:
        pass
    return bars


BACKWARD = [  # (answer, status, key words of the message)
    (reference.backward, "correct", ["eight bars", "h̄ = z̄₂W₂ᵀ"]),
    (backward_by_sample, "correct", []),
    (backward_with_einsum, "correct", []),
    (backward_in_another_order, "correct", []),
    (backward_with(y_bar=lambda v, b, a: v["y"] - a["T"]), "wrong",
     ["bars['y_bar'][0, 0] is off: expected −0.2031", "N times too large"]),
    (backward_with(y_bar=lambda v, b, a: (a["T"] - v["y"]) / a["N"]), "wrong",
     ["bars['y_bar'][0, 0] is off", "sign is flipped"]),
    (backward_with(z2_bar=lambda v, b, a: b["y_bar"] * v["z2"] * (1 - v["z2"])), "wrong",
     ["bars['z2_bar'][0, 0] is off", "is not σ'(z₂)"]),
    (backward_with(W2_bar=lambda v, b, a: b["z2_bar"].T @ v["h"]), "wrong",
     ["bars['W2_bar'] has shape (1, 4), expected (4, 1)", "transpose is on the wrong side"]),
    (backward_with(b2_bar=lambda v, b, a: b["z2_bar"]), "wrong",
     ["bars['b2_bar'] has shape (4, 1), expected (1,)", "one row per sample"]),
    (h_bar_with_W2, "wrong", ["ValueError", "h_bar = bars", "W₂ H × 1", "needs a transpose"]),
    (backward_with(h_bar=lambda v, b, a: b["y_bar"] @ a["W2"].T), "wrong",
     ["bars['h_bar'][0, 0] is off", "wrong bar, ȳ"]),
    (backward_with(z1_bar=lambda v, b, a: b["h_bar"] * v["y"] * (1 - v["y"])), "wrong",
     ["bars['z1_bar'][0, 0] is off", "output unit's slope"]),
    (backward_with(W1_bar=lambda v, b, a: a["X"].T @ b["z1_bar"] / a["N"]), "wrong",
     ["bars['W1_bar'][0, 0] is off", "second time"]),
    (backward_with(b1_bar=lambda v, b, a: b["z1_bar"].sum(axis=1)), "wrong",
     ["bars['b1_bar'] is off", "summed over the hidden units"]),
    (overwrites_in_a_loop, "wrong", ["bars['W1_bar'][0, 0] is off", "one sample's message"]),
    (backward_hard_coded, "wrong", ["H = 3", "bars['y_bar'][0, 0] is off",
                                    "notebook's starting parameters"]),
    (backward_keeps_h, "wrong", ["H = 3", "bars['W2_bar'] has shape (4, 1), expected (3, 1)"]),
    (backward_in_place, "wrong", ["changed its input", "values['y'][0, 0] was", "in place"]),
    (backward_accumulates, "wrong", ["called again", "bars['y_bar']", "afresh"]),
    (lambda X, T, W1, b1, W2, b2, values: reference.backward(X, T, W1, b1, W2, b2, values)
     | {"b1_bar": None}, "wrong", ["bars['b1_bar'] is None"]),
    (lambda X, T, W1, b1, W2, b2, values: {"y_bar": (values["y"] - T) / len(X)}, "wrong",
     ["should be a dict with the keys W1_bar", "got a dict with the keys y_bar."]),
    (backward_forever, "wrong", ["did not finish"]),
]


@pytest.mark.parametrize("answer, status, words", rows(BACKWARD))
def test_backward(answer, status, words, short_guard):  # noqa: F811
    KEPT.clear()
    TOTALS.clear()
    assert_row(check_network_backward, answer, status, words)


def test_backward_messages_differ(short_guard):  # noqa: F811
    KEPT.clear()
    TOTALS.clear()
    assert_messages_differ(check_network_backward, BACKWARD)


# -- the training loop ---------------------------------------------------------------------------

def loop_by_name(params, learning_rate, epochs, forward, backward):
    """A while loop, the parameters by name, the costs as an array: also right."""
    W1, b1, W2, b2 = (params[k] for k in PARAMS)
    costs, epoch = [], 0
    while epoch < epochs:
        values = forward(X, T, W1, b1, W2, b2)
        costs.append(values["E"])
        bars = backward(X, T, W1, b1, W2, b2, values)
        W1, b1 = W1 - learning_rate * bars["W1_bar"], b1 - learning_rate * bars["b1_bar"]
        W2, b2 = W2 - learning_rate * bars["W2_bar"], b2 - learning_rate * bars["b2_bar"]
        epoch += 1
    costs.append(forward(X, T, W1, b1, W2, b2)["E"])
    return dict(W1=W1, b1=b1, W2=W2, b2=b2), np.array(costs)


def loop_on_a_copy(params, learning_rate, epochs, forward, backward):
    """Copies the dict once and updates the copy: also right."""
    params, costs = dict(params), []
    for _ in range(epochs):
        values = forward(X, T, **params)
        bars = backward(X, T, **params, values=values)
        costs.append(float(values["E"]))
        for name in PARAMS:
            params[name] = params[name] - learning_rate * bars[name + "_bar"]
    return params, costs + [float(forward(X, T, **params)["E"])]


def loop_with(rate=None, names=PARAMS, final=True, sign=1.0):
    def loop(params, learning_rate, epochs, forward, backward):
        costs = []
        step = learning_rate if rate is None else rate
        for _ in range(epochs):
            values = forward(X, T, **params)
            costs.append(values["E"])
            bars = backward(X, T, **params, values=values)
            params = {k: v - sign * step * bars[k + "_bar"] if k in names else v
                      for k, v in params.items()}
        if final:
            costs.append(forward(X, T, **params)["E"])
        return params, costs
    return loop


def loop_without_the_first_cost(params, learning_rate, epochs, forward, backward):
    values, costs = forward(X, T, **params), []
    for _ in range(epochs):
        bars = backward(X, T, **params, values=values)
        params = {k: v - learning_rate * bars[k + "_bar"] for k, v in params.items()}
        values = forward(X, T, **params)
        costs.append(values["E"])
    return params, costs


def loop_in_place(params, learning_rate, epochs, forward, backward):
    costs = []
    for _ in range(epochs):
        values = forward(X, T, **params)
        costs.append(values["E"])
        bars = backward(X, T, **params, values=values)
        for name in PARAMS:
            params[name] = params[name] - learning_rate * bars[name + "_bar"]
    costs.append(forward(X, T, **params)["E"])
    return params, costs


def loop_returns_the_start(params, learning_rate, epochs, forward, backward):
    _, costs = reference.gradient_descent(dict(params), learning_rate, epochs, forward, backward)
    return params, costs


COSTS: list = []


def loop_keeps_the_costs(params, learning_rate, epochs, forward, backward):
    """Appends to a global list of costs, so a second run starts with the first run's costs."""
    for _ in range(epochs):
        values = forward(X, T, **params)
        COSTS.append(values["E"])
        bars = backward(X, T, **params, values=values)
        params = {k: v - learning_rate * bars[k + "_bar"] for k, v in params.items()}
    COSTS.append(forward(X, T, **params)["E"])
    return params, list(COSTS)


def loop_forever(params, learning_rate, epochs, forward, backward):
    epoch = 0
    while epoch < epochs:
        forward(X, T, **params)
    return params, []


LOOP = [  # (answer, status, key words of the message)
    (reference.gradient_descent, "correct", ["epochs + 1", "3 runs"]),
    (loop_by_name, "correct", []),
    (loop_on_a_copy, "correct", []),
    (loop_with(final=False), "wrong", ["costs has shape (5,), expected (6,)",
                                       "cost after the last step is missing"]),
    (loop_without_the_first_cost, "wrong", ["the cost at the start, before the first step"]),
    (loop_with(sign=-1.0), "wrong", ["uphill"]),
    (loop_with(rate=1.0), "wrong", ["η = 1", "`learning_rate`"]),
    (loop_with(names=("W1", "W2")), "wrong", ["the biases never move"]),
    (loop_with(names=()), "wrong", ["not updated"]),
    (loop_in_place, "wrong", ["changed its input", "params['W1'][0, 0] was"]),
    (loop_returns_the_start, "wrong", ["the final params['W1'][0, 0] is off",
                                       "after the last step"]),
    (lambda params, learning_rate, epochs, forward, backward: params, "wrong",
     ["should return 2 values (the final params, costs)", "got one dict"]),
    (loop_keeps_the_costs, "wrong", ["called again", "gave costs = [", "afresh"]),
    (loop_forever, "wrong", ["did not finish"]),
    (lambda params, learning_rate, epochs, forward, backward:
     reference.gradient_descent(params, learning_rate, epochs), "wrong",
     ["with the passes of another cost", "did not use the passes it is handed"]),
    (lambda params, learning_rate, epochs, forward, backward:
     reference.gradient_descent(params, learning_rate, epochs, forward), "wrong",
     ["another cost", "another backward pass than the `backward` argument"]),
    (lambda params, learning_rate, epochs, forward, backward: (
        lambda final, costs: (final, [f"{c:.17g}" for c in costs]))(
        *reference.gradient_descent(params, learning_rate, epochs, forward, backward)), "wrong",
     ["costs should be numbers, got text", "not a formatted string"]),
]


@pytest.mark.parametrize("answer, status, words", rows(LOOP))
def test_loop(answer, status, words, short_guard):  # noqa: F811
    COSTS.clear()
    assert_row(check_training_by_hand, answer, status, words)


def test_loop_messages_differ(short_guard):  # noqa: F811
    COSTS.clear()
    assert_messages_differ(check_training_by_hand, LOOP)
