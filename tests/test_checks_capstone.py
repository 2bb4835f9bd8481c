"""The capstone checks of notebook 07: right answers pass in any style, each mistake is named."""
import numpy as np
import pytest
from verdicts import assert_wrong, untouched

from course_utils import network as reference
from course_utils.checks.capstone import (
    CONFIGS,
    check_network_backward,
    check_network_forward,
    check_training_by_hand,
    configuration,
    engine_answers,
)

X, T = reference.X, reference.T


def sigma(a):
    return 1 / (1 + np.exp(-a))


@pytest.mark.parametrize("check", [check_network_forward, check_network_backward,
                                   check_training_by_hand])
def test_untouched_exercise_is_not_attempted(check):
    verdict = check(untouched)
    assert verdict.status == "not attempted"
    assert "NotImplementedError" in verdict.message


# -- the expected answers are the engine's, and the reference agrees with them ------------------

@pytest.mark.parametrize("label, samples, hidden, seed", CONFIGS)
def test_reference_passes_equal_the_engine_bar_by_bar(label, samples, hidden, seed):
    c = configuration(samples, hidden, seed)
    values, bars = engine_answers(c)
    mine = reference.forward(c.X, c.T, **c.params)
    my_bars = reference.backward(c.X, c.T, **c.params, values=mine)
    for name in values:
        np.testing.assert_allclose(mine[name], values[name], rtol=1e-12, err_msg=name)
    for name in reference.BARS:
        assert my_bars[name].shape == bars[name].shape, name
        np.testing.assert_allclose(my_bars[name], bars[name], rtol=1e-10, atol=1e-15,
                                   err_msg=name)


def test_the_configurations_include_one_the_notebook_never_shows():
    shapes = {(configuration(s, h, seed).N, h) for _, s, h, seed in CONFIGS}
    assert (4, 4) in shapes and any(n != 4 and h not in (1, 2, 3, 4) for n, h in shapes)


# -- the forward pass ----------------------------------------------------------------------------

def forward_with_dot(X, T, W1, b1, W2, b2):
    h = sigma(np.dot(X, W1) + b1)
    y = sigma(np.dot(h, W2) + b2)
    return {"z1": np.dot(X, W1) + b1, "h": h, "z2": np.dot(h, W2) + b2, "y": y,
            "E": np.sum(0.5 * (y - T) ** 2) / len(X)}


def test_the_reference_forward_pass_passes():
    verdict = check_network_forward(reference.forward)
    assert verdict.status == "correct" and "engine" in verdict.message


def test_a_forward_pass_with_dot_and_sum_over_n_passes():
    assert check_network_forward(forward_with_dot).status == "correct"


def test_a_forward_pass_without_b1_is_named():
    def no_bias(X, T, W1, b1, W2, b2):
        values = reference.forward(X, T, W1, b1, W2, b2)
        return values | {"z1": X @ W1}
    assert_wrong(check_network_forward(no_bias), "z1 is off", "b₁ is missing")


def test_a_cost_that_sums_instead_of_averaging_is_named():
    def summed(X, T, W1, b1, W2, b2):
        values = reference.forward(X, T, W1, b1, W2, b2)
        return values | {"E": np.sum(0.5 * (values["y"] - T) ** 2)}
    assert_wrong(check_network_forward(summed), "E is off", "their mean")


def test_per_sample_losses_instead_of_the_cost_are_named():
    def losses(X, T, W1, b1, W2, b2):
        values = reference.forward(X, T, W1, b1, W2, b2)
        return values | {"E": 0.5 * (values["y"] - T) ** 2}
    assert_wrong(check_network_forward(losses), "E is off", "per-sample losses")


def test_relu_hidden_units_are_named():
    def relu(X, T, W1, b1, W2, b2):
        values = reference.forward(X, T, W1, b1, W2, b2)
        return values | {"h": np.maximum(values["z1"], 0)}
    assert_wrong(check_network_forward(relu), "h is off", "relu instead of σ")


# -- the backward pass: right answers in several styles -----------------------------------------

def backward_by_sample(X, T, W1, b1, W2, b2, values):
    """One sample at a time, summing each sample's messages: the loop the matrices replace."""
    N, bars = len(X), {name: 0.0 for name in ("W1_bar", "b1_bar", "W2_bar", "b2_bar")}
    rows = {name: [] for name in ("y_bar", "z2_bar", "h_bar", "z1_bar")}
    for n in range(N):
        x, h, y = X[n], values["h"][n], values["y"][n]
        y_bar = (y - T[n]) / N
        z2_bar = y_bar * y * (1 - y)
        h_bar = W2[:, 0] * z2_bar[0]
        z1_bar = h_bar * h * (1 - h)
        bars["W2_bar"] = bars["W2_bar"] + np.outer(h, z2_bar)
        bars["b2_bar"] = bars["b2_bar"] + z2_bar
        bars["W1_bar"] = bars["W1_bar"] + np.outer(x, z1_bar)
        bars["b1_bar"] = bars["b1_bar"] + z1_bar
        for name, row in zip(rows, (y_bar, z2_bar, h_bar, z1_bar), strict=True):
            rows[name].append(row)
    return bars | {name: np.array(row) for name, row in rows.items()}


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


@pytest.mark.parametrize("backward", [reference.backward, backward_by_sample,
                                      backward_with_einsum, backward_in_another_order])
def test_a_right_backward_pass_passes_in_any_style(backward):
    verdict = check_network_backward(backward)
    assert verdict.status == "correct", verdict.message
    assert "eight bars" in verdict.message


# -- the backward pass: wrong answers -----------------------------------------------------------

def backward_with(**mistakes):
    """The reference backward pass with some bars replaced: mistakes[name](values, bars, args)."""
    def backward(X, T, W1, b1, W2, b2, values):
        bars = reference.backward(X, T, W1, b1, W2, b2, values)
        args = dict(X=X, T=T, W1=W1, b1=b1, W2=W2, b2=b2, N=len(X))
        return bars | {name: f(values, bars, args) for name, f in mistakes.items()}
    return backward


def test_the_missing_one_over_n_is_named():
    wrong = backward_with(y_bar=lambda v, b, a: v["y"] - a["T"])
    assert_wrong(check_network_backward(wrong), "y_bar is off", "1/N is missing",
                 "shape (4, 1)")


def test_a_transposed_weight_bar_is_named_with_both_shapes():
    wrong = backward_with(W2_bar=lambda v, b, a: b["z2_bar"].T @ v["h"])
    assert_wrong(check_network_backward(wrong), "W2_bar is off", "shape (4, 1)", "shape (1, 4)",
                 "transposed")


def test_sigma_prime_of_the_output_in_the_hidden_layer_is_named():
    wrong = backward_with(z1_bar=lambda v, b, a: b["h_bar"] * v["y"] * (1 - v["y"]))
    assert_wrong(check_network_backward(wrong), "z1_bar is off", "σ' at the wrong place",
                 "h(1 − h)")


def test_z_times_one_minus_z_is_named():
    wrong = backward_with(z2_bar=lambda v, b, a: b["y_bar"] * v["z2"] * (1 - v["z2"]))
    assert_wrong(check_network_backward(wrong), "z2_bar is off", "is not σ'(z₂)")


def test_a_bias_bar_not_summed_over_the_samples_is_named():
    wrong = backward_with(b2_bar=lambda v, b, a: b["z2_bar"])
    assert_wrong(check_network_backward(wrong), "b2_bar is off", "not summed over the samples",
                 "shape (1,)")


def test_a_bias_bar_summed_over_the_hidden_units_is_named():
    wrong = backward_with(b1_bar=lambda v, b, a: b["z1_bar"].sum(axis=1))
    assert_wrong(check_network_backward(wrong), "b1_bar is off", "axis=0")


def test_h_bar_with_w2_instead_of_its_transpose_is_named():
    def with_W2(X, T, W1, b1, W2, b2, values):
        bars = reference.backward(X, T, W1, b1, W2, b2, values)
        h_bar = bars["z2_bar"] @ W2
        return bars | {"h_bar": h_bar}
    assert_wrong(check_network_backward(with_W2), "ValueError", "h_bar = bars",
                 "W₂ instead of W₂ᵀ")


def test_h_bar_from_y_bar_skips_sigma_prime_and_is_named():
    wrong = backward_with(h_bar=lambda v, b, a: b["y_bar"] @ a["W2"].T)
    assert_wrong(check_network_backward(wrong), "h_bar is off", "ȳ instead of z̄₂")


def test_one_over_n_applied_twice_is_named():
    wrong = backward_with(W1_bar=lambda v, b, a: a["X"].T @ b["z1_bar"] / a["N"])
    assert_wrong(check_network_backward(wrong), "W1_bar is off", "second time")


def test_a_flipped_sign_is_named():
    wrong = backward_with(y_bar=lambda v, b, a: (a["T"] - v["y"]) / a["N"])
    assert_wrong(check_network_backward(wrong), "y_bar is off", "sign is flipped")


def test_a_loop_that_overwrites_instead_of_summing_is_caught():
    def overwrites(X, T, W1, b1, W2, b2, values):
        bars = reference.backward(X, T, W1, b1, W2, b2, values)
        for n in range(len(X)):                        # keeps only the last sample's message
            W1_bar = np.outer(X[n], bars["z1_bar"][n])
        return bars | {"W1_bar": W1_bar}
    assert_wrong(check_network_backward(overwrites), "W1_bar is off", "expected Xᵀ z̄₁",
                 "shape (2, 4)")


def test_hard_coded_bars_fail_on_the_next_batch():
    c = configuration(*CONFIGS[0][1:])
    _, fixed = engine_answers(c)

    def hard_coded(X, T, W1, b1, W2, b2, values):
        return {name: bar.copy() for name, bar in fixed.items()}
    assert_wrong(check_network_backward(hard_coded), "H = 3", "the same as for the batch before")


def test_a_pass_that_keeps_its_first_answer_fails_on_the_next_batch():
    kept = {}

    def stateful(X, T, W1, b1, W2, b2, values):
        if not kept:
            kept.update(reference.backward(X, T, W1, b1, W2, b2, values))
        return dict(kept)
    assert_wrong(check_network_backward(stateful), "the same as for the batch before",
                 "nothing kept from an earlier call")


def test_changing_the_forward_values_in_place_is_named():
    def mutates(X, T, W1, b1, W2, b2, values):
        y = values["y"]
        y -= T                                         # changes the caller's array
        bars = reference.backward(X, T, W1, b1, W2, b2, values | {"y": y + T})
        return bars
    assert_wrong(check_network_backward(mutates), 'changed values["y"] in place')


def test_changing_a_weight_in_place_is_named():
    def mutates(X, T, W1, b1, W2, b2, values):
        bars = reference.backward(X, T, W1, b1, W2, b2, values)
        W2 *= 1.0 + 1e-3
        return bars
    assert_wrong(check_network_backward(mutates), "changed its argument W2 in place")


def test_a_tuple_instead_of_a_dict_is_named():
    def as_tuple(X, T, W1, b1, W2, b2, values):
        return tuple(reference.backward(X, T, W1, b1, W2, b2, values).values())
    assert_wrong(check_network_backward(as_tuple), "should return a dict", "got tuple")


def test_a_missing_bar_is_named():
    def no_b1(X, T, W1, b1, W2, b2, values):
        bars = reference.backward(X, T, W1, b1, W2, b2, values)
        del bars["b1_bar"]
        return bars
    assert_wrong(check_network_backward(no_b1), "no key 'b1_bar'")


# -- the training loop --------------------------------------------------------------------------

def loop_in_place(params, learning_rate, epochs, forward, backward):
    """Updates the given arrays in place and counts with a while loop: also right."""
    costs, epoch = [], 0
    while epoch < epochs:
        values = forward(X, T, params["W1"], params["b1"], params["W2"], params["b2"])
        costs.append(values["E"])
        bars = backward(X, T, params["W1"], params["b1"], params["W2"], params["b2"], values)
        for name in params:
            params[name] -= learning_rate * bars[name + "_bar"]
        epoch += 1
    costs.append(forward(X, T, **params)["E"])
    return params, costs


@pytest.mark.parametrize("loop", [reference.gradient_descent, loop_in_place])
def test_a_right_training_loop_passes(loop):
    verdict = check_training_by_hand(loop)
    assert verdict.status == "correct", verdict.message
    assert "epochs + 1" in verdict.message


def loop_with(rate=None, names=("W1", "b1", "W2", "b2"), final=True, sign=1.0):
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


@pytest.mark.parametrize("loop, phrases", [
    (loop_with(final=False), ["the cost after the last step is missing", "epochs + 1"]),
    (loop_with(sign=-1.0), ["uphill"]),
    (loop_with(rate=1.0), ["η = 1", "learning_rate"]),
    (loop_with(names=("W1", "W2")), ["the biases never move"]),
    (loop_with(names=()), ["not updated"]),
])
def test_a_wrong_training_loop_is_named(loop, phrases):
    assert_wrong(check_training_by_hand(loop), *phrases)


def test_a_loop_returning_the_start_parameters_is_named():
    def returns_start(params, learning_rate, epochs, forward, backward):
        _, costs = reference.gradient_descent(params, learning_rate, epochs, forward, backward)
        return params, costs
    assert_wrong(check_training_by_hand(returns_start), 'params["W1"]', "after the last step")
