"""The checks of notebooks 07-08: a right answer passes, each typical mistake gets its own message."""
import numpy as np
import pytest

from course_utils.checks.training import (EPOCHS, check_forward_evaluations,
                                          check_training_setup, check_update_step, train_xor,
                                          xor_network)
from verdicts import assert_distinct, assert_wrong, untouched


@pytest.mark.parametrize("check", [check_update_step, check_training_setup,
                                   check_forward_evaluations])
def test_untouched_exercise_is_untouched(check):
    verdict = check(untouched)
    assert verdict.status == "not attempted"
    assert "Not attempted yet" in repr(verdict)


# -- the network the checks train is notebook 07's -------------------------------------------

def test_xor_network_has_one_coordinate_per_weight_and_bias():
    net = xor_network(4)
    assert [p.name for p in net.params] == ["W1", "b1", "W2", "b2"]
    assert sum(p.value.size for p in net.params) == 2 * 4 + 4 + 4 * 1 + 1


def test_xor_network_cost_is_the_mean_of_the_per_sample_losses():
    net = xor_network(3, seed=2)
    y = net.y.value
    targets = np.array([[1], [0], [0], [1]])
    assert float(net.E.value) == pytest.approx(np.mean(0.5 * (y - targets) ** 2))


def test_notebook_setup_learns_xor_from_seed_0():
    run = train_xor(5.0, 4, seed=0, stop_when_learned=False)
    assert run.learned and run.correct == 4
    assert run.epochs == EPOCHS and run.costs[-1] < 0.01


# -- notebook 07, exercise 1: the update step --------------------------------------------------

def descend(params, learning_rate):
    for p in params:
        p.value = p.value - learning_rate * p.bar


def test_the_update_step_passes():
    assert check_update_step(descend).ok


def test_an_in_place_update_of_the_values_passes_too():
    def in_place(params, learning_rate):
        for p in params:
            p.value -= learning_rate * p.bar
    assert check_update_step(in_place).ok


def test_a_step_uphill_is_called_uphill():
    def uphill(params, learning_rate):
        for p in params:
            p.value = p.value + learning_rate * p.bar
    assert_wrong(check_update_step(uphill), "uphill", "subtract")


def test_a_forgotten_parameter_is_named():
    def skips_biases(params, learning_rate):
        for p in params:
            if p.name.startswith("W"):
                p.value = p.value - learning_rate * p.bar
    assert_wrong(check_update_step(skips_biases), "b1, b2 did not change", "every bias")


def test_updating_the_bar_instead_of_the_value_is_recognised():
    def moves_bars(params, learning_rate):
        for p in params:
            p.bar = p.bar - learning_rate * p.bar
    assert_wrong(check_update_step(moves_bars), "updated the bars instead of the values")


def test_an_in_place_change_of_the_bar_is_recognised_and_names_the_entry():
    def scales_bar_in_place(params, learning_rate):
        for p in params:
            p.bar *= learning_rate
            p.value = p.value - p.bar
    assert_wrong(check_update_step(scales_bar_in_place), "changed W1.bar", "in-place",
                 "W1.bar[0, 0] was", "is now")


def test_a_missing_learning_rate_is_recognised():
    def no_rate(params, learning_rate):
        for p in params:
            p.value = p.value - p.bar
    assert_wrong(check_update_step(no_rate), "learning rate is missing")


def test_new_values_computed_but_not_stored_are_recognised():
    def returns_them(params, learning_rate):
        return [p.value - learning_rate * p.bar for p in params]

    def keeps_them_local(params, learning_rate):
        for p in params:
            value = p.value - learning_rate * p.bar  # noqa: F841
    returned, local = check_update_step(returns_them), check_update_step(keeps_them_local)
    assert_wrong(returned, "returned something", "still hold their old values")
    assert_wrong(local, "local variable")


def test_a_step_that_works_only_on_matrices_fails_on_the_lecture_scalars():
    def rows_only(params, learning_rate):
        for p in params:
            p.value = p.value - learning_rate * p.bar[0]
    verdict = check_update_step(rows_only)
    assert verdict.status == "wrong", repr(verdict)


def test_update_step_mistakes_get_distinct_messages():
    def uphill(params, learning_rate):
        for p in params:
            p.value = p.value + learning_rate * p.bar

    def first_only(params, learning_rate):
        params[0].value = params[0].value - learning_rate * params[0].bar

    def moves_bars(params, learning_rate):
        for p in params:
            p.bar = p.bar - learning_rate * p.bar

    def bar_in_place(params, learning_rate):
        for p in params:
            p.bar *= learning_rate
            p.value = p.value - p.bar
    assert_distinct([check_update_step(f) for f in (uphill, first_only, moves_bars, bar_in_place)])


def test_a_crashing_step_is_reported_in_one_line():
    def crashes(params, learning_rate):
        for p in params:
            p.value = p.value - learning_rate * p.gradient
    assert_wrong(check_update_step(crashes), "AttributeError", "gradient")


# -- notebook 07, exercise 2: a learning rate and a hidden size --------------------------------

def test_the_notebook_setup_passes():
    verdict = check_training_setup(lambda: (5.0, 4))
    assert verdict.ok, repr(verdict)
    assert "all 6 random starts" in verdict.message


def test_one_hidden_unit_is_one_line():
    assert_wrong(check_training_setup(lambda: (5.0, 1)), "one hidden unit", "straight line")


def test_a_too_small_learning_rate_is_too_slow():
    assert_wrong(check_training_setup(lambda: (0.1, 4)), "too small", "without overshooting")


def test_a_too_large_learning_rate_overshoots_and_saturates():
    assert_wrong(check_training_setup(lambda: (500.0, 4)), "too large", "overshoot", "saturate")


def test_two_hidden_units_sometimes_end_in_a_local_minimum():
    assert_wrong(check_training_setup(lambda: (5.0, 2)), "local minimum", "5 of 6")


def test_too_many_hidden_units_saturate_from_the_start():
    assert_wrong(check_training_setup(lambda: (0.5, 256)), "too many", "from the start")


def test_a_non_positive_learning_rate_is_refused():
    assert_wrong(check_training_setup(lambda: (-1.0, 4)), "positive")
    assert_wrong(check_training_setup(lambda: (0, 4)), "positive")


@pytest.mark.parametrize("answer, phrase", [(None, "got None"), (5.0, "got 5.0"),
                                            ((5.0, 2.5), "whole number"),
                                            (("fast", 4), "should be a number")])
def test_malformed_setups_are_explained(answer, phrase):
    assert_wrong(check_training_setup(lambda: answer), phrase)


def test_setup_mistakes_get_distinct_messages():
    assert_distinct([check_training_setup(lambda a=a: a)
                     for a in ((5.0, 1), (0.1, 4), (500.0, 4), (5.0, 2))])


# -- notebook 08: forward evaluations of finite differences ------------------------------------

def size(params):
    return sum(p.value.size for p in params)


def test_the_right_counts_pass():
    verdict = check_forward_evaluations(lambda params: (size(params) + 1, 2 * size(params)))
    assert verdict.ok, repr(verdict)
    assert "P = 17" in verdict.message and "18" in verdict.message and "34" in verdict.message


def test_forgetting_the_unperturbed_evaluation_is_off_by_one():
    verdict = check_forward_evaluations(lambda params: (size(params), 2 * size(params)))
    assert_wrong(verdict, "off by one", "unperturbed")


def test_an_extra_evaluation_for_central_differences_is_off_by_one():
    verdict = check_forward_evaluations(lambda params: (size(params) + 1, 2 * size(params) + 1))
    assert_wrong(verdict, "off by one", "never uses the unperturbed")


def test_forgetting_the_biases_is_recognised():
    def weights_only(params):
        P = sum(p.value.size for p in params if p.name.startswith("W"))
        return P + 1, 2 * P
    assert_wrong(check_forward_evaluations(weights_only), "only the weights", "biases")


def test_counting_nodes_instead_of_numbers_is_recognised():
    verdict = check_forward_evaluations(lambda params: (len(params) + 1, 2 * len(params)))
    assert_wrong(verdict, "parameter nodes (4)")


def test_swapped_counts_are_recognised():
    verdict = check_forward_evaluations(lambda params: (2 * size(params), size(params) + 1))
    assert_wrong(verdict, "swapped")


def test_central_differences_need_two_evaluations_per_parameter():
    verdict = check_forward_evaluations(lambda params: (size(params) + 1, size(params)))
    assert_wrong(verdict, "both ways")


def test_numbers_typed_in_for_one_network_are_caught_on_another():
    assert_wrong(check_forward_evaluations(lambda params: (18, 34)), "2-5-1",
                 "compute P from `params`")


@pytest.mark.parametrize("answer, phrase", [(None, "got None"), (18, "got 18"),
                                            ((18.5, 34), "whole number"),
                                            ((None, 34), "is None")])
def test_malformed_counts_are_explained(answer, phrase):
    assert_wrong(check_forward_evaluations(lambda params: answer), phrase)


def test_counting_mistakes_get_distinct_messages():
    answers = [lambda ps: (size(ps), 2 * size(ps)), lambda ps: (size(ps) + 1, 2 * size(ps) + 1),
               lambda ps: (len(ps) + 1, 2 * len(ps)), lambda ps: (2 * size(ps), size(ps) + 1),
               lambda ps: (size(ps) + 1, size(ps))]
    assert_distinct([check_forward_evaluations(f) for f in answers])


# -- further typical mistakes: each names what went wrong -------------------------------------

def test_a_return_inside_the_loop_is_suspected():
    def returns_early(params, learning_rate):
        for p in params:
            p.value = p.value - learning_rate * p.bar
            return
    assert_wrong(check_update_step(returns_early), "b1, W2, b2 did not change",
                 "`return` inside your loop")


def test_a_learning_rate_of_ones_own_is_named():
    def fixed_rate(params, learning_rate):
        for p in params:
            p.value = p.value - 5.0 * p.bar
    assert_wrong(check_update_step(fixed_rate), "W1[0, 0] should change by", "5·p.bar",
                 "`learning_rate` argument")


def test_a_value_replaced_by_the_step_is_recognised():
    def step_only(params, learning_rate):
        for p in params:
            p.value = learning_rate * p.bar
    assert_wrong(check_update_step(step_only), "η·p.bar alone", "old value minus")


def test_a_step_scaled_by_the_value_is_reported_before_the_unmoved_zero_biases():
    def times_value(params, learning_rate):
        for p in params:
            p.value = p.value - learning_rate * p.bar * p.value
    verdict = check_update_step(times_value)
    assert_wrong(verdict, "W1 moved by the wrong step", "not multiplied by the value")
    assert "did not change" not in verdict.message


def test_one_step_for_a_whole_matrix_is_recognised():
    def mean_step(params, learning_rate):
        for p in params:
            p.value = p.value - learning_rate * p.bar.mean()
    assert_wrong(check_update_step(mean_step), "every entry of W1 by the same amount",
                 "its own entry of the bar")


@pytest.mark.parametrize("reset, phrase", [("none", "set W1.bar to None"),
                                           ("zero", "zeroed W1.bar")])
def test_resetting_the_bars_is_explained(reset, phrase):
    def resets(params, learning_rate):
        for p in params:
            p.value = p.value - learning_rate * p.bar
            if reset == "none":
                p.bar = None
            else:
                p.bar[...] = 0
    assert_wrong(check_update_step(resets), phrase, "recomputes every bar from scratch")


def test_more_update_step_mistakes_get_distinct_messages():
    def fixed_rate(params, learning_rate):
        for p in params:
            p.value = p.value - 5.0 * p.bar

    def step_only(params, learning_rate):
        for p in params:
            p.value = learning_rate * p.bar

    def times_value(params, learning_rate):
        for p in params:
            p.value = p.value - learning_rate * p.bar * p.value

    def mean_step(params, learning_rate):
        for p in params:
            p.value = p.value - learning_rate * p.bar.mean()

    def returns_early(params, learning_rate):
        for p in params:
            p.value = p.value - learning_rate * p.bar
            return
    assert_distinct([check_update_step(f)
                     for f in (fixed_rate, step_only, times_value, mean_step, returns_early)])


def test_a_swapped_setup_is_suspected():
    assert_wrong(check_training_setup(lambda: (4, 0.5)), "whole number", "swap")


def test_a_single_value_is_counted_in_the_singular():
    assert_wrong(check_training_setup(lambda: (5.0,)), "got 1 value.")


def test_a_learning_rate_that_barely_moves_is_not_said_to_descend_steadily():
    verdict = check_training_setup(lambda: (1e-9, 4))
    assert_wrong(verdict, "too small", "barely moved")
    assert "steadily" not in verdict.message


def test_too_small_a_rate_on_the_plateau_names_the_plateau():
    assert_wrong(check_training_setup(lambda: (0.1, 4)), "too small", "plateau near ⅛")


def test_too_small_a_rate_for_a_saturated_start_names_the_saturation():
    assert_wrong(check_training_setup(lambda: (1.0, 100)), "too small", "saturated")


def test_counting_rows_instead_of_entries_is_recognised():
    def rows(params):
        R = sum(len(p.value) for p in params)
        return R + 1, 2 * R
    assert_wrong(check_forward_evaluations(rows), "your P is 11", "len(p.value)", "p.value.size")


def test_a_left_out_parameter_node_is_named():
    def without_last(params):
        P = sum(p.value.size for p in params[:-1])
        return P + 1, 2 * P
    assert_wrong(check_forward_evaluations(without_last), "your P is 16", "without b2")


def test_central_differences_with_the_one_sided_extra_evaluation_are_recognised():
    verdict = check_forward_evaluations(lambda ps: (size(ps) + 1, 2 * (size(ps) + 1)))
    assert_wrong(verdict, "2(P + 1)", "never use f(θ)")


def test_more_counting_mistakes_get_distinct_messages():
    def rows(ps):
        return sum(len(p.value) for p in ps) + 1, 2 * sum(len(p.value) for p in ps)

    def without_last(ps):
        return size(ps[:-1]) + 1, 2 * size(ps[:-1])
    answers = [rows, without_last, lambda ps: (size(ps) + 1, 2 * (size(ps) + 1)),
               lambda ps: (len(ps) + 1, 2 * len(ps))]
    assert_distinct([check_forward_evaluations(f) for f in answers])
