"""The checks of notebooks 01-03: right answers pass, typical mistakes get their own hint."""
import math

import numpy as np
import pytest
from verdicts import (
    assert_distinct,
    assert_messages_differ,
    assert_row,
    assert_wrong,
    rows,
    short_guard,  # noqa: F401
)

from course_utils.checks.basics import (
    check_bar_notation,
    check_bar_notation_regularised,
    check_brute_force_gradients,
    check_chain_rule,
    check_cost_gradient,
    check_gradient_descent_step,
    check_multivariate_chain_rule,
    check_numerical_derivative,
    check_parameter_count,
)


def sigma(z):
    return 1 / (1 + np.exp(-z))


def sigma_prime(z):
    return sigma(z) * (1 - sigma(z))


# -- the tables: wrong answers as students write them, and right ones written differently -----

def central_in_two_steps(f, x, h):
    up, down = f(x + h), f(x - h)
    return (up - down) / h / 2


def averaged_one_sided(f, x, h=1e-5):
    return 0.5 * (f(x + h) - f(x)) / h + 0.5 * (f(x) - f(x - h)) / h


def halving_forever(f, x, h):
    while h > 0:
        h = h / 2 + 1e-300      # never reaches 0
    return (f(x + h) - f(x - h)) / (2 * h)


calls = []


def counts_its_calls(f, x, h):
    calls.append(1)
    return (f(x + h) - f(x - h)) / (2 * h) * (1 if len(calls) < 3 else 1.01)


NUMERICAL_DERIVATIVE = [
    (lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h), "correct", ["x³", "sin", "exp"]),
    (central_in_two_steps, "correct", []),
    (averaged_one_sided, "correct", []),
    (lambda f, x, h: np.diff([f(x - h), f(x + h)])[0] / (h + h), "correct", []),
    (lambda f, x, h: (f(x + h) - f(x)) / h, "wrong", ["forward difference"]),
    (lambda f, x, h: (f(x) - f(x - h)) / h, "wrong", ["backward difference"]),
    (lambda f, x, h: (f(x + h) - f(x - h)) / h, "wrong", ["divide by 2h"]),
    (lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h, "wrong", ["precedence", "/ (2 * h)"]),
    (lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h), "wrong", ["wrong sign"]),
    (lambda f, x, h: ((x + h) ** 3 - (x - h) ** 3) / (2 * h), "wrong", ["sin x", "call the"]),
    (lambda f, x, h: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5, "wrong", ["h = 0.1", "step `h`"]),
    (lambda f, x, h: (f(1 + h) - f(1 - h)) / (2 * h), "wrong", ["argument `x`"]),
    (lambda f, x, h: abs(f(x + h) - f(x - h)) / (2 * h), "wrong", ["x = 2.2", "abs()"]),
    (lambda f, x, h: f(x + h) - f(x - h) / (2 * h), "wrong", ["expected", "got"]),
    (lambda f, x, h: None, "wrong", ["is None", "return"]),
    (lambda f, x, h: "3", "wrong", ["the text '3'"]),
    (lambda f, x, h: (f(x, h) - f(x)) / h, "wrong", ["TypeError"]),
    (halving_forever, "wrong", ["did not finish"]),
    (counts_its_calls, "wrong", ["called again", "carries something over"]),
]


def chain_rule_in_steps(x):
    y = x * x
    return math.cos(y) * (x + x)


CHAIN_RULE = [
    (lambda x: 2 * x * np.cos(x ** 2), "correct", ["cos(x²)·2x"]),
    (chain_rule_in_steps, "correct", []),
    (lambda x: (np.sin((x + 1e-6) ** 2) - np.sin((x - 1e-6) ** 2)) / 2e-6, "correct", []),
    (lambda x: np.cos(x) * 2 * x, "wrong", ["evaluate f' at y = g(x)"]),
    (lambda x: np.sin(x ** 2) * 2 * x, "wrong", ["instead of its derivative"]),
    (lambda x: np.sin(x ** 2), "wrong", ["z = sin(x²) itself"]),
    (lambda x: np.cos(x ** 2), "wrong", ["2x is missing"]),
    (lambda x: np.cos(x ** 2) * x, "wrong", ["g'(x) = 2x, not x"]),
    (lambda x: np.cos(x ** 2) + 2 * x, "wrong", ["multiplies"]),
    (lambda x: -np.cos(x ** 2) * 2 * x, "wrong", ["wrong sign"]),
    (lambda x: abs(np.cos(x ** 2) * 2 * x), "wrong", ["x = 2.1", "abs()"]),
    (lambda x: np.cos(np.radians(x ** 2)) * 2 * x, "wrong", ["radians"]),
    (lambda x: 1.2833, "wrong", ["x = 0.8", "expected", "1.28335", "got 1.2833."]),
    (lambda x: undefined_name, "wrong", ["NameError"]),  # noqa: F821
    (lambda x: np.cos(x ** 2) * 2 * x * (1 + len(calls) * 0 + (calls.append(1) or 0)
                                         + (len(calls) > 5)), "wrong", ["called again"]),
]


def df_dt_by_paths(t):
    total = 0.0
    for df_dv, dv_dt in ((2 * np.cos(t), -np.sin(t)), (2 * 2 * np.sin(t), 2 * np.cos(t))):
        total += df_dv * dv_dt
    return total


def climbs_forever(t):
    total, step = 0.0, 0
    while step < 2:
        total += 3 * np.sin(2 * t)
    return total


MULTIVARIATE = [
    (lambda t: 3 * np.sin(2 * t), "correct", ["both paths"]),
    (df_dt_by_paths, "correct", []),
    (lambda t: (np.cos(t + 1e-6) ** 2 + 4 * np.sin(t + 1e-6) ** 2
                - np.cos(t - 1e-6) ** 2 - 4 * np.sin(t - 1e-6) ** 2) / 2e-6, "correct", []),
    (lambda t: -2 * np.cos(t) * np.sin(t), "wrong", ["only the path through x"]),
    (lambda t: 8 * np.sin(t) * np.cos(t), "wrong", ["only the path through y"]),
    (lambda t: -2 * np.cos(t) * np.sin(t) * 8 * np.sin(t) * np.cos(t), "wrong",
     ["added, not multiplied"]),
    (lambda t: 2 * np.cos(t) * np.sin(t) + 8 * np.sin(t) * np.cos(t), "wrong",
     ["derivative of cos t is −sin t"]),
    (lambda t: -2 * np.cos(t) * np.sin(t) - 8 * np.sin(t) * np.cos(t), "wrong",
     ["contributions are added"]),
    (lambda t: -2 * np.cos(t) * np.sin(t) + 4 * np.sin(t) * np.cos(t), "wrong",
     ["factor 2 of y(t)"]),
    (lambda t: 1.5 * np.sin(2 * t), "wrong", ["half the right value"]),
    (lambda t: np.cos(t) ** 2 + 4 * np.sin(t) ** 2, "wrong", ["f(x(t), y(t)) itself"]),
    (lambda t: 2 * np.cos(t) + 4 * np.sin(t), "wrong", ["∂f/∂x + ∂f/∂y"]),
    (lambda t: 3 * np.sin(2 * 0.7), "wrong", ["t = 2.0", "expected"]),
    (lambda t: 3 * np.sin(2 * t) if t > 0 else 0.0, "wrong", ["t = -1.1"]),
    (climbs_forever, "wrong", ["did not finish"]),
    (lambda t: [3 * np.sin(2 * t)], "wrong", ["shape (1,)"]),
]


def step_by_copy(w, grad, rate):
    new = np.array(w, dtype=float)
    new -= rate * grad
    return new


def step_in_place(w, grad, rate):
    w -= rate * grad
    return w


velocity = {}


def step_with_momentum(w, grad, rate):
    key = np.shape(w)
    velocity[key] = 0.9 * velocity.get(key, 0.0) + rate * grad
    return w - velocity[key]


def step_until_small(w, grad, rate):
    while np.any(np.abs(grad) > 0):
        w = w - rate * grad
    return w


GRADIENT_DESCENT_STEP = [
    (lambda w, grad, rate: np.subtract(w, np.multiply(rate, grad)), "correct", ["single weight"]),
    (step_by_copy, "correct", []),
    (lambda w, grad, rate: w + (-rate) * grad, "correct", []),
    (lambda w, grad, rate: w + rate * grad, "wrong", ["steps uphill"]),
    (lambda w, grad, rate: w - grad, "wrong", ["learning rate is missing"]),
    (lambda w, grad, rate: w - grad / rate, "wrong", ["do not divide"]),
    (lambda w, grad, rate: -rate * grad, "wrong", ["only the step"]),
    (lambda w, grad, rate: w - rate * grad ** 2, "wrong", ["square"]),
    (lambda w, grad, rate: w - 0.1 * grad, "wrong", ["single weight", "use the argument"]),
    (lambda w, grad, rate: w - rate * w, "wrong", ["not the weights"]),
    (step_in_place, "wrong", ["changed its input", "w was"]),
    (step_with_momentum, "wrong", ["called again"]),
    (step_until_small, "wrong", ["did not finish"]),
    (lambda w, grad, rate: np.array([a - rate * g for a, g in zip(w, grad)]),  # noqa: B905
     "wrong",
     ["TypeError", "single weight"]),
    (lambda w, grad, rate: w[0] - rate * grad[0], "wrong", ["shape"]),
]

TABLES = [(check_numerical_derivative, NUMERICAL_DERIVATIVE), (check_chain_rule, CHAIN_RULE),
          (check_multivariate_chain_rule, MULTIVARIATE),
          (check_gradient_descent_step, GRADIENT_DESCENT_STEP)]


@pytest.mark.parametrize("check, answer, status, words", [
    pytest.param(check, *row.values, id=f"{check.__name__}-{row.id}")
    for check, table in TABLES for row in rows(table)])
def test_each_answer_gets_its_verdict(check, answer, status, words, short_guard):  # noqa: F811
    calls.clear()
    velocity.clear()
    assert_row(check, answer, status, words)


@pytest.mark.parametrize("check, table", TABLES, ids=[c.__name__ for c, _ in TABLES])
def test_different_mistakes_get_different_messages(check, table, short_guard):  # noqa: F811
    calls.clear()
    velocity.clear()
    assert_messages_differ(check, table)
    assert sum(status == "wrong" for _, status, _ in table) >= 10
    assert sum(status == "correct" for _, status, _ in table) >= 3


# -- parameter count -------------------------------------------------------------------------

def right_count(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def test_parameter_count_passes():
    assert check_parameter_count(right_count).ok


def test_parameter_count_mistakes_get_their_own_hints():
    weights_only = check_parameter_count(
        lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])))
    neurons = check_parameter_count(lambda s: sum(s))
    input_biases = check_parameter_count(lambda s: right_count(s) + s[0])
    assert_wrong(weights_only, "weights only")
    assert_wrong(neurons, "counts neurons")
    assert_wrong(input_biases, "input layer has no biases")
    assert_distinct([weights_only, neurons, input_biases])


# -- cost gradient ---------------------------------------------------------------------------

def sample_gradient(w, b, x, t):
    z = w @ x + b
    z_bar = (sigma(z) - t) * sigma_prime(z)
    return z_bar * x, z_bar


def right_cost_gradient(w, b, X, T):
    grads = [sample_gradient(w, b, x, t) for x, t in zip(X, T)]
    return np.mean([g[0] for g in grads], axis=0), np.mean([g[1] for g in grads])


def test_cost_gradient_passes():
    assert check_cost_gradient(right_cost_gradient).ok


def test_cost_gradient_mistakes_get_their_own_hints():
    def summed(w, b, X, T):
        dw, db = right_cost_gradient(w, b, X, T)
        return len(X) * dw, len(X) * db

    def per_sample(w, b, X, T):
        grads = [sample_gradient(w, b, x, t) for x, t in zip(X, T)]
        return np.array([g[0] for g in grads]), np.array([g[1] for g in grads])

    first = check_cost_gradient(lambda w, b, X, T: sample_gradient(w, b, X[0], T[0]))
    summed, per_sample = check_cost_gradient(summed), check_cost_gradient(per_sample)
    none = check_cost_gradient(lambda w, b, X, T: None)
    one_value = check_cost_gradient(lambda w, b, X, T: right_cost_gradient(w, b, X, T)[0])
    assert_wrong(first, "first sample only")
    assert_wrong(summed, "sum over the samples")
    assert_wrong(per_sample, "one gradient per sample")
    assert_wrong(none, "returned None")
    assert_wrong(one_value, "should return 2 values")
    assert_distinct([first, summed, per_sample, none, one_value])


# -- brute-force derivatives -----------------------------------------------------------------

def right_dL_dw(w, x, b, t):
    z = w * x + b
    return (sigma(z) - t) * sigma_prime(z) * x


def right_dL_db(w, x, b, t):
    z = w * x + b
    return (sigma(z) - t) * sigma_prime(z)


def test_brute_force_gradients_pass():
    assert check_brute_force_gradients(right_dL_dw, right_dL_db).ok


def test_brute_force_mistakes_get_their_own_hints():
    def with_sigma(w, x, b, t):
        return (sigma(w * x + b) - t) * sigma(w * x + b) * x

    def with_sign(w, x, b, t):
        return -right_dL_dw(w, x, b, t)

    def without_x(w, x, b, t):
        return right_dL_db(w, x, b, t)

    def without_sigma_prime(w, x, b, t):
        return (sigma(w * x + b) - t) * x

    verdicts = [check_brute_force_gradients(f, right_dL_db)
                for f in (with_sigma, with_sign, without_x, without_sigma_prime)]
    assert_wrong(verdicts[0], "dL_dw", "uses σ where the chain rule needs σ'")
    assert_wrong(verdicts[1], "wrong sign")
    assert_wrong(verdicts[2], "∂(wx + b)/∂w is x")
    assert_wrong(verdicts[3], "σ'(wx + b) from the middle of the chain is missing")
    assert_distinct(verdicts)


def test_brute_force_dL_db_with_an_extra_x_is_named():
    verdict = check_brute_force_gradients(right_dL_dw, right_dL_dw)
    assert_wrong(verdict, "dL_db", "∂(wx + b)/∂b is 1, not x")


# -- bar notation, unregularised -------------------------------------------------------------

def bars(w, x, b, t, sigma_in_z=False, sign=1.0, w_local=None, b_local=1.0):
    z = w * x + b
    y = sigma(z)
    y_bar = sign * (y - t)
    z_bar = y_bar * (sigma(z) if sigma_in_z else sigma_prime(z))
    w_bar = z_bar * (x if w_local is None else w_local)
    b_bar = z_bar * b_local
    return y_bar, z_bar, w_bar, b_bar


def test_bar_notation_passes():
    verdict = check_bar_notation(bars)
    assert verdict.ok
    assert "z_bar = -0.04679" in verdict.message


def test_bar_notation_names_the_first_wrong_line_with_expected_and_got():
    verdict = check_bar_notation(lambda w, x, b, t: bars(w, x, b, t, sigma_in_z=True))
    assert verdict.message.startswith("z_bar (at w=0.5, x=2.0, b=0.1, t=1.0) is off: "
                                      "expected y_bar·σ'(z) = -0.04679, got -0.1874.")
    assert "uses σ(z) where the chain rule needs σ'(z)" in verdict.message


def test_bar_notation_mistakes_get_their_own_hints():
    sign = check_bar_notation(lambda w, x, b, t: bars(w, x, b, t, sign=-1.0))
    w_local = check_bar_notation(lambda w, x, b, t: bars(w, x, b, t, w_local=w))
    b_local = check_bar_notation(lambda w, x, b, t: bars(w, x, b, t, b_local=x))
    none = check_bar_notation(lambda w, x, b, t: None)
    shape = check_bar_notation(
        lambda w, x, b, t: tuple(np.array([v]) for v in bars(w, x, b, t)))
    three = check_bar_notation(lambda w, x, b, t: bars(w, x, b, t)[:3])
    assert_wrong(sign, "y_bar", "not (t − y)")
    assert_wrong(w_local, "w_bar", "is x, not w")
    assert_wrong(b_local, "b_bar", "without x")
    assert_wrong(none, "returned None", "return y_bar, z_bar, w_bar, b_bar")
    assert_wrong(shape, "y_bar", "has shape (1,), expected ()")
    assert_wrong(three, "should return 4 values")
    assert_distinct([sign, w_local, b_local, none, shape, three])


# -- bar notation, regularised (the main exercise) -------------------------------------------

def regularised_bars(w, x, b, t, lam, w_bar_form="sum", R_bar_form="lam", sigma_in_z=False):
    z = w * x + b
    y = sigma(z)
    L_reg_bar = 1.0
    R_bar = L_reg_bar * lam if R_bar_form == "lam" else 1.0
    L_bar = L_reg_bar
    y_bar = L_bar * (y - t)
    z_bar = y_bar * (sigma(z) if sigma_in_z else sigma_prime(z))
    w_bar = {"sum": z_bar * x + R_bar * w,
             "slide": z_bar * x * R_bar * w,       # the slide's missing plus
             "z only": z_bar * x,
             "R only": R_bar * w}[w_bar_form]
    b_bar = z_bar
    return L_reg_bar, R_bar, L_bar, y_bar, z_bar, w_bar, b_bar


def test_regularised_bar_notation_passes():
    verdict = check_bar_notation_regularised(regularised_bars)
    assert verdict.ok
    assert "z_bar·x + R_bar·w" in verdict.message


def test_slides_missing_plus_is_recognised():
    verdict = check_bar_notation_regularised(
        lambda *a: regularised_bars(*a, w_bar_form="slide"))
    assert_wrong(verdict, "w_bar", "expected z_bar·x + R_bar·w = -0.04359",
                 "missing plus", "ADDED")


def test_regularised_mistakes_get_their_own_hints():
    no_R = check_bar_notation_regularised(lambda *a: regularised_bars(*a, w_bar_form="z only"))
    no_z = check_bar_notation_regularised(lambda *a: regularised_bars(*a, w_bar_form="R only"))
    R_one = check_bar_notation_regularised(lambda *a: regularised_bars(*a, R_bar_form="one"))
    sigma_z = check_bar_notation_regularised(lambda *a: regularised_bars(*a, sigma_in_z=True))
    none = check_bar_notation_regularised(lambda *a: None)
    assert_wrong(no_R, "w_bar", "Add R's message R_bar·w")
    assert_wrong(no_z, "w_bar", "Add z's message z_bar·x")
    assert_wrong(R_one, "R_bar", "dL_reg/dR = λ")
    assert_wrong(sigma_z, "z_bar", "σ'(z)")
    assert_wrong(none, "returned None")
    assert_distinct([no_R, no_z, R_one, sigma_z, none])


def test_regularised_check_uses_a_second_point_to_catch_coincidences():
    def right_only_at_defaults(w, x, b, t, lam):
        bars_ = list(regularised_bars(w, x, b, t, lam))
        bars_[-1] = bars_[4] if lam == 0.1 else 0.123
        return tuple(bars_)
    assert_wrong(check_bar_notation_regularised(right_only_at_defaults), "b_bar", "lam=0.3")


def test_right_bars_in_the_wrong_order_get_an_order_hint():
    verdict = check_bar_notation(lambda w, x, b, t: bars(w, x, b, t)[::-1])
    assert_wrong(verdict, "right but in another order", "y_bar, z_bar, w_bar, b_bar")


# -- more typical mistakes, each named ---------------------------------------------------------

def test_parameter_count_missing_layer_is_not_mistaken_for_weights_only():
    # at 2-2-1, skipping the last layer gives 6 = the number of weights: only the second
    # network tells the two mistakes apart, and the hint must name the missing layer
    missing_last = check_parameter_count(
        lambda s: sum(a * b + b for a, b in zip(s[:-2], s[1:-1])))
    input_biases = check_parameter_count(
        lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:])))
    assert_wrong(missing_last, "count_parameters([2, 2, 1])", "a layer is missing")
    assert "weights only" not in missing_last.message
    assert_wrong(input_biases, "biases belong to a layer's outputs")


def test_cost_gradient_swapped_unaxed_mean_and_loop_mistakes_are_named():
    swapped = check_cost_gradient(lambda w, b, X, T: right_cost_gradient(w, b, X, T)[::-1])

    def mean_of_everything(w, b, X, T):
        grads = [sample_gradient(w, b, x, t) for x, t in zip(X, T)]
        return np.mean([g[0] for g in grads]), np.mean([g[1] for g in grads])

    def last_survives(w, b, X, T):
        for x, t in zip(X, T):
            dw, db = sample_gradient(w, b, x, t)
        return dw / len(X), db / len(X)

    def skips_last(w, b, X, T):
        grads = [sample_gradient(w, b, X[i], T[i]) for i in range(len(X) - 1)]
        return np.mean([g[0] for g in grads], axis=0), np.mean([g[1] for g in grads])

    verdicts = [check_cost_gradient(f) for f in (mean_of_everything, last_survives, skips_last)]
    assert_wrong(swapped, "swapped")
    assert_wrong(verdicts[0], "mean of all 8 numbers", "axis=0")
    assert_wrong(verdicts[1], "only the last sample's gradient survives your loop")
    assert_wrong(verdicts[2], "the last sample is missing")
    assert_distinct([swapped] + verdicts)


def test_brute_force_sigma_prime_of_the_wrong_thing_and_missing_t_are_named():
    def prime_of_affine(w, x, b, t):
        a = w * x + b
        return (sigma(a) - t) * a * (1 - a) * x

    def prime_at_x(w, x, b, t):
        return (sigma(w * x + b) - t) * sigma_prime(x) * x

    def without_t(w, x, b, t):
        return sigma(w * x + b) * sigma_prime(w * x + b) * x

    def times_w(w, x, b, t):
        return right_dL_db(w, x, b, t) * w

    verdicts = [check_brute_force_gradients(f, right_dL_db)
                for f in (prime_of_affine, prime_at_x, without_t, times_w)]
    assert_wrong(verdicts[0], "apply σ inside")
    assert_wrong(verdicts[1], "evaluate σ' at wx + b, not at x")
    assert_wrong(verdicts[2], "the − t is missing")
    assert_wrong(verdicts[3], "∂(wx + b)/∂w is x, not w")
    assert_distinct(verdicts)


def test_bar_notation_hint_needs_the_mistake_at_both_points():
    # at the lecture's values x·w = 1, so z_bar·x·w equals z_bar ("∂z/∂w = x is missing"),
    # but not at the second point: that hint would be false and must not be given
    verdict = check_bar_notation(lambda w, x, b, t: bars(w, x, b, t, w_local=x * w))
    assert_wrong(verdict, "w_bar", "expected z_bar·x")
    assert "is missing" not in verdict.message


def test_bar_notation_z_times_one_minus_z_and_y_bar_for_z_bar_are_named():
    def z_one_minus_z(w, x, b, t):
        z = w * x + b
        y_bar = sigma(z) - t
        z_bar = y_bar * z * (1 - z)
        return y_bar, z_bar, z_bar * x, z_bar

    def from_y_bar(w, x, b, t):
        y_bar, z_bar, _, b_bar = bars(w, x, b, t)
        return y_bar, z_bar, y_bar * x, b_bar

    first, second = check_bar_notation(z_one_minus_z), check_bar_notation(from_y_bar)
    assert_wrong(first, "z_bar", "not z(1 − z)")
    assert_wrong(second, "w_bar", "starts from z_bar, not y_bar")
    assert_distinct([first, second])


def test_regularised_R_message_mistakes_are_named():
    def with_w_bar(w_bar_of):
        def backward(w, x, b, t, lam):
            z = w * x + b
            y = sigma(z)
            R_bar = lam
            y_bar = y - t
            z_bar = y_bar * sigma_prime(z)
            return 1.0, R_bar, 1.0, y_bar, z_bar, w_bar_of(z_bar, x, R_bar, w, lam), z_bar
        return backward

    no_local = check_bar_notation_regularised(with_w_bar(lambda zb, x, Rb, w, lam: zb * x + Rb))
    minus = check_bar_notation_regularised(with_w_bar(lambda zb, x, Rb, w, lam: zb * x - Rb * w))
    lam_twice = check_bar_notation_regularised(
        with_w_bar(lambda zb, x, Rb, w, lam: zb * x + Rb * w * lam))
    value_of_R = check_bar_notation_regularised(
        with_w_bar(lambda zb, x, Rb, w, lam: zb * x + 0.5 * w ** 2))
    assert_wrong(no_local, "dR/dw = w is missing")
    assert_wrong(minus, "wrong sign", "added")
    assert_wrong(lam_twice, "do not multiply by λ again")
    assert_wrong(value_of_R, "not the value of R")
    assert_distinct([no_local, minus, lam_twice, value_of_R])


def test_regularised_seed_and_R_bar_mistakes_are_named():
    def right(w, x, b, t, lam):
        z = w * x + b
        y = sigma(z)
        z_bar = (y - t) * sigma_prime(z)
        return [1.0, lam, 1.0, y - t, z_bar, z_bar * x + lam * w, z_bar]

    def seed_is_value(w, x, b, t, lam):
        bars_ = right(w, x, b, t, lam)
        y = sigma(w * x + b)
        bars_[0] = 0.5 * (y - t) ** 2 + lam * 0.5 * w ** 2
        return tuple(bars_)

    def divides(w, x, b, t, lam):
        bars_ = right(w, x, b, t, lam)
        bars_[1] = 1 / lam
        return tuple(bars_)

    assert check_bar_notation_regularised(lambda *a: tuple(right(*a))).ok
    seed, divided = check_bar_notation_regularised(seed_is_value), \
        check_bar_notation_regularised(divides)
    assert_wrong(seed, "L_reg_bar", "that is the value of L_reg")
    assert_wrong(divided, "R_bar", "do not divide")


def test_a_dict_instead_of_a_tuple_is_named():
    verdict = check_bar_notation(lambda w, x, b, t: {"y_bar": 0.0})
    assert_wrong(verdict, "should return 4 values", "got one dict")
