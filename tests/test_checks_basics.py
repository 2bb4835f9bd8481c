"""The checks of notebooks 01-03: right answers pass, typical mistakes get their own hint."""
import numpy as np
import pytest

from course_utils.checks.basics import (
    check_bar_notation, check_bar_notation_regularised, check_brute_force_gradients,
    check_chain_rule, check_cost_gradient, check_gradient_descent_step,
    check_multivariate_chain_rule, check_numerical_derivative, check_parameter_count)
from verdicts import assert_distinct, assert_wrong, untouched


def sigma(z):
    return 1 / (1 + np.exp(-z))


def sigma_prime(z):
    return sigma(z) * (1 - sigma(z))


# -- every check says "not attempted" for untouched code -------------------------------------

@pytest.mark.parametrize("check, arguments", [
    (check_numerical_derivative, 1), (check_chain_rule, 1), (check_multivariate_chain_rule, 1),
    (check_gradient_descent_step, 1), (check_parameter_count, 1), (check_cost_gradient, 1),
    (check_brute_force_gradients, 2), (check_bar_notation, 1),
    (check_bar_notation_regularised, 1)])
def test_untouched_exercise_is_untouched(check, arguments):
    verdict = check(*[untouched] * arguments)
    assert verdict.status == "not attempted"
    assert "Not attempted yet" in repr(verdict)


# -- numerical derivative --------------------------------------------------------------------

def test_central_difference_passes():
    assert check_numerical_derivative(lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h)).ok


def test_numerical_derivative_mistakes_get_their_own_hints():
    forward = check_numerical_derivative(lambda f, x, h: (f(x + h) - f(x)) / h)
    by_h = check_numerical_derivative(lambda f, x, h: (f(x + h) - f(x - h)) / h)
    sign = check_numerical_derivative(lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h))
    none = check_numerical_derivative(lambda f, x, h: None)
    assert_wrong(forward, "forward difference")
    assert_wrong(by_h, "divide by 2h")
    assert_wrong(sign, "wrong sign")
    assert_wrong(none, "is None")
    assert_distinct([forward, by_h, sign, none])


def test_numerical_derivative_that_ignores_h_is_caught():
    verdict = check_numerical_derivative(
        lambda f, x, h: (f(x + 0.1) - f(x - 0.1)) / 0.2)
    assert_wrong(verdict, "h=0.01", "expected")


# -- chain rule ------------------------------------------------------------------------------

def test_chain_rule_passes():
    assert check_chain_rule(lambda x: np.cos(x ** 2) * 2 * x).ok


def test_chain_rule_mistakes_get_their_own_hints():
    outer_at_x = check_chain_rule(lambda x: np.cos(x) * 2 * x)
    f_not_f_prime = check_chain_rule(lambda x: np.sin(x ** 2) * 2 * x)
    no_inner = check_chain_rule(lambda x: np.cos(x ** 2))
    added = check_chain_rule(lambda x: np.cos(x ** 2) + 2 * x)
    assert_wrong(outer_at_x, "evaluate f' at y = g(x)")
    assert_wrong(f_not_f_prime, "instead of its derivative")
    assert_wrong(no_inner, "inner derivative")
    assert_wrong(added, "multiplies")
    assert_distinct([outer_at_x, f_not_f_prime, no_inner, added])


def test_chain_rule_error_in_student_code_is_one_line_not_a_traceback():
    verdict = check_chain_rule(lambda x: undefined_name)  # noqa: F821
    assert_wrong(verdict, "NameError")
    assert "Traceback" not in verdict.message


# -- multivariate chain rule -----------------------------------------------------------------

def right_df_dt(t):
    x, y = np.cos(t), 2 * np.sin(t)
    return 2 * x * -np.sin(t) + 2 * y * 2 * np.cos(t)


def test_multivariate_chain_rule_passes():
    assert check_multivariate_chain_rule(right_df_dt).ok


def test_multivariate_chain_rule_mistakes_get_their_own_hints():
    only_x = check_multivariate_chain_rule(lambda t: 2 * np.cos(t) * -np.sin(t))
    only_y = check_multivariate_chain_rule(lambda t: 2 * 2 * np.sin(t) * 2 * np.cos(t))
    product = check_multivariate_chain_rule(
        lambda t: (2 * np.cos(t) * -np.sin(t)) * (2 * 2 * np.sin(t) * 2 * np.cos(t)))
    sign = check_multivariate_chain_rule(
        lambda t: 2 * np.cos(t) * np.sin(t) + 2 * 2 * np.sin(t) * 2 * np.cos(t))
    assert_wrong(only_x, "only the path through x")
    assert_wrong(only_y, "only the path through y")
    assert_wrong(product, "added, not multiplied")
    assert_wrong(sign, "−sin t")
    assert_distinct([only_x, only_y, product, sign])


# -- gradient descent step -------------------------------------------------------------------

def test_gradient_descent_step_passes():
    assert check_gradient_descent_step(lambda w, grad, rate: w - rate * grad).ok


def test_gradient_descent_step_mistakes_get_their_own_hints():
    uphill = check_gradient_descent_step(lambda w, grad, rate: w + rate * grad)
    no_rate = check_gradient_descent_step(lambda w, grad, rate: w - grad)
    step_only = check_gradient_descent_step(lambda w, grad, rate: -rate * grad)
    shape = check_gradient_descent_step(lambda w, grad, rate: (w - rate * grad).sum())
    assert_wrong(uphill, "uphill")
    assert_wrong(no_rate, "learning rate is missing")
    assert_wrong(step_only, "only the step")
    assert_wrong(shape, "has shape ()")
    assert_distinct([uphill, no_rate, step_only, shape])


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

def test_numerical_derivative_precedence_backward_difference_and_text_are_named():
    precedence = check_numerical_derivative(lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h)
    backward = check_numerical_derivative(lambda f, x, h: (f(x) - f(x - h)) / h)
    ignores_h = check_numerical_derivative(lambda f, x, h: (f(x + 1e-5) - f(x - 1e-5)) / 2e-5)
    text = check_numerical_derivative(lambda f, x, h: "3")
    assert_wrong(precedence, "operator precedence", "/ (2 * h)")
    assert_wrong(backward, "backward difference")
    assert_wrong(ignores_h, "with the step h you are given")
    assert_wrong(text, "should be a number, got the text '3'")
    assert_distinct([precedence, backward, ignores_h, text])


def test_chain_rule_half_inner_derivative_minus_sin_and_z_itself_are_named():
    inner_x = check_chain_rule(lambda x: np.cos(x ** 2) * x)
    minus_sin = check_chain_rule(lambda x: -np.sin(x ** 2) * 2 * x)
    z_itself = check_chain_rule(lambda x: np.sin(x ** 2))
    assert_wrong(inner_x, "g'(x) = 2x, not x")
    assert_wrong(minus_sin, "−sin is the derivative of cos")
    assert_wrong(z_itself, "that is z = sin(x²) itself")
    assert_distinct([inner_x, minus_sin, z_itself])


def test_multivariate_lost_factor_halves_and_f_itself_are_named():
    lost_2 = check_multivariate_chain_rule(
        lambda t: 2 * np.cos(t) * -np.sin(t) + 2 * 2 * np.sin(t) * np.cos(t))
    halves = check_multivariate_chain_rule(lambda t: right_df_dt(t) / 2)
    f_itself = check_multivariate_chain_rule(lambda t: np.cos(t) ** 2 + 4 * np.sin(t) ** 2)
    minus = check_multivariate_chain_rule(
        lambda t: 2 * np.cos(t) * -np.sin(t) - 2 * 2 * np.sin(t) * 2 * np.cos(t))
    assert_wrong(lost_2, "a factor 2 of y(t) = 2 sin t is lost")
    assert_wrong(halves, "half the right value")
    assert_wrong(f_itself, "f(x(t), y(t)) itself")
    assert_wrong(minus, "contributions are added")
    assert_distinct([lost_2, halves, f_itself, minus])


def test_gradient_divided_by_the_rate_is_named():
    assert_wrong(check_gradient_descent_step(lambda w, grad, rate: w - grad / rate),
                 "do not divide")


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
