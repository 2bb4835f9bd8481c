"""The checks of notebooks 04-06: a right answer passes, each typical mistake gets its own message."""
import numpy as np
import pytest

from course_utils.checks.graphs import (check_backward_pass, check_forward_pass,
                                        check_matmul_bar, check_new_operation,
                                        check_topological_sort)
from course_utils.engine import Node, Operation, children_of, topological_order
from verdicts import assert_wrong, untouched


# -- topological sort (notebook 04) -----------------------------------------------------------

def depth_first(output):
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
    visit(output)
    return order


def reversed_breadth_first(output):
    """Breadth-first from the output, reversed: puts z before w although z uses w."""
    seen, queue = [output], [output]
    while queue:
        node = queue.pop(0)
        for parent in node.parents:
            if parent not in seen:
                seen.append(parent)
                queue.append(parent)
    return seen[::-1]


def test_a_depth_first_order_is_accepted():
    assert check_topological_sort(depth_first).ok


def test_another_valid_order_is_accepted_too():
    def parents_first_in_a_different_order(output):
        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                for parent in reversed(node.parents):
                    visit(parent)
                order.append(node)
        visit(output)
        return order
    assert parents_first_in_a_different_order(Node(1.0)) is not None
    assert check_topological_sort(parents_first_in_a_different_order).ok


def test_an_order_with_an_edge_backwards_names_that_edge():
    assert_wrong(check_topological_sort(reversed_breadth_first),
                 "z comes before w, but z is computed from w")


def test_the_output_first_order_names_the_output_and_its_parent():
    assert_wrong(check_topological_sort(lambda out: depth_first(out)[::-1]),
                 "L_reg comes before", "but L_reg is computed from")


def test_a_node_visited_twice_is_named_as_duplicated():
    def no_memory(output):
        order = []

        def visit(node):
            for parent in node.parents:
                visit(parent)
            order.append(node)
        visit(output)
        return order
    assert_wrong(check_topological_sort(no_memory), "w appears more than once")


def test_missing_leaves_are_named():
    def only_computed_nodes(output):
        return [n for n in depth_first(output) if n.op is not None]
    assert_wrong(check_topological_sort(only_computed_nodes), "w, x, b, t are missing")


def test_names_instead_of_nodes_are_explained():
    assert_wrong(check_topological_sort(lambda out: [n.name for n in depth_first(out)]),
                 "holds a str", "not their names")


def test_none_returned_is_explained():
    assert_wrong(check_topological_sort(lambda out: None), "returned None")


def test_a_set_of_visited_nodes_returned_as_the_order_is_explained():
    def returns_visited(output):
        return set(depth_first(output))
    assert_wrong(check_topological_sort(returns_visited), "returned a set", "has no order",
                 "return a list")


def test_a_preorder_that_appends_before_the_parents_names_the_output_first():
    def appends_first(output):
        order, visited = [], set()

        def visit(node):
            if node not in visited:
                visited.add(node)
                order.append(node)
                for parent in node.parents:
                    visit(parent)
        visit(output)
        return order
    assert_wrong(check_topological_sort(appends_first), "L_reg comes before L,",
                 "every node must come after all its parents")


def test_an_untouched_topological_sort_is_untouched():
    verdict = check_topological_sort(untouched)
    assert verdict.status == "not attempted"
    assert "Not attempted yet" in repr(verdict)


# -- forward pass (notebook 05) ---------------------------------------------------------------

def values_of(node):
    return [a.value if isinstance(a, Node) else a for a in node.args]


def forward_pass(order):
    for node in order:
        if node.op is not None:
            node.value = node.op.forward(*values_of(node), **node.params)


def test_the_forward_pass_in_topological_order_is_correct():
    assert check_forward_pass(forward_pass).ok


def test_a_forward_pass_in_reverse_order_uses_stale_values():
    assert_wrong(check_forward_pass(lambda order: forward_pass(order[::-1])),
                 "y = ", "computed from the old value of z", "topological order")


def test_a_forward_pass_that_skips_a_node_names_it():
    def skips_R(order):
        forward_pass([n for n in order if n.name != "R"])
    assert_wrong(check_forward_pass(skips_R), "R still holds its old value", "½w²")


def test_a_forward_pass_that_changes_a_leaf_names_the_leaf():
    def overwrites_t(order):
        forward_pass(order)
        order[5].value = 1.0          # t
    assert order_names()[5] == "t"
    assert_wrong(check_forward_pass(overwrites_t), "the leaf t changed")


def test_a_wrong_operation_names_the_first_wrong_node_with_its_formula():
    def sigmoid_twice(order):
        forward_pass(order)
        y = order[4]
        y.value = 1 / (1 + np.exp(-y.value))
    assert_wrong(check_forward_pass(sigmoid_twice), "the value of y is off", "σ(z)")


def test_a_forward_pass_that_crashes_is_reported_in_one_line():
    def evaluates_leaves(order):
        for node in order:
            node.value = node.op.forward(*values_of(node))
    assert_wrong(check_forward_pass(evaluates_leaves), "raised AttributeError")


def test_a_forward_pass_that_evaluates_leaves_gets_a_hint_to_skip_them():
    def evaluates_leaves(order):
        for node in order:
            node.value = node.op.forward(*values_of(node))
    assert_wrong(check_forward_pass(evaluates_leaves), "raised AttributeError",
                 "Hint: a leaf has no operation", "skip it")


def test_a_forward_pass_over_the_parents_only_is_told_about_the_constant():
    def parents_only(order):
        for node in order:
            if node.op is not None:
                node.value = node.op.forward(*[parent.value for parent in node.parents])
    assert_wrong(check_forward_pass(parents_only), "raised TypeError", "constants included",
                 "not node.parents")


def test_a_forward_pass_given_the_nodes_instead_of_values_is_told_so():
    def nodes_as_arguments(order):
        for node in order:
            if node.op is not None:
                node.value = node.op.forward(*node.args)
    assert_wrong(check_forward_pass(nodes_as_arguments), "raised TypeError",
                 "values of its arguments", "not the nodes themselves")


def test_a_forward_pass_that_returns_values_instead_of_setting_them_is_told_so():
    def returns_values(order):
        return [node.op.forward(*values_of(node)) for node in order if node.op is not None]
    assert_wrong(check_forward_pass(returns_values), "z still holds its old value",
                 "returned its values instead", "node.value = ")


def test_an_untouched_forward_pass_is_untouched():
    assert check_forward_pass(untouched).status == "not attempted"


def order_names():
    from course_utils.lecture import regularised_example
    return [n.name for n in topological_order(regularised_example().L_reg)]


# -- backward pass (notebook 05) --------------------------------------------------------------

def message(child, i):
    return child.op.vjps[i](child.bar, child.value, *values_of(child), **child.params)


def backward_pass(order, combine=lambda bar, m: bar + m, seed=1.0, send=message):
    children = children_of(order)
    order[-1].bar = np.full_like(order[-1].value, seed)
    for node in reversed(order[:-1]):
        bar = None
        for child, i in children[node]:
            m = send(child, i)
            bar = m if bar is None else combine(bar, m)
        node.bar = bar


def test_the_backward_pass_with_the_sum_over_children_is_correct():
    assert check_backward_pass(backward_pass).ok


def test_summing_all_entries_with_np_sum_is_caught_on_a_graph_of_vectors():
    def np_sum_of_messages(order):
        children = children_of(order)
        order[-1].bar = np.ones_like(order[-1].value)
        for node in reversed(order[:-1]):
            node.bar = np.sum([message(child, i) for child, i in children[node]])
    assert_wrong(check_backward_pass(np_sum_of_messages), "right on the lecture's graph",
                 "graph of vectors", "has shape ()", "np.sum([...]) adds up every entry")


def test_overwriting_instead_of_summing_is_recognised_on_w():
    verdict = check_backward_pass(lambda order: backward_pass(order, lambda bar, m: m))
    assert_wrong(verdict, "w.bar is off", "only the message from R", "the message from z (z̄·∂z/∂w = ", "lost",
                 "instead of overwriting")


def test_multiplying_the_messages_as_the_slide_slip_reads_is_recognised():
    verdict = check_backward_pass(lambda order: backward_pass(order, lambda bar, m: bar * m))
    assert_wrong(verdict, "w.bar is off", "product of the messages", "sum over children")


def test_forgetting_the_childs_bar_is_recognised():
    def local_only(child, i):
        return child.op.vjps[i](np.ones_like(child.bar), child.value, *values_of(child))
    verdict = check_backward_pass(lambda order: backward_pass(order, send=local_only))
    assert_wrong(verdict, "z.bar is off", "local derivative alone")


def test_a_wrong_seed_is_named():
    assert_wrong(check_backward_pass(lambda order: backward_pass(order, seed=0.0)),
                 "the seed", "should be 1")


def test_a_missing_seed_is_named():
    def no_seed(order):
        backward_pass(order)
        order[-1].bar = None
    assert_wrong(check_backward_pass(no_seed), "L_reg.bar is None", "seed")


def test_leaves_without_a_bar_are_named():
    def skips_leaves(order):
        backward_pass(order)
        for node in order:
            if node.op is None:
                node.bar = None
    assert_wrong(check_backward_pass(skips_leaves), "t.bar is None", "leaves included")


def test_a_flipped_sign_is_named():
    def minus(child, i):
        return -message(child, i)
    assert_wrong(check_backward_pass(lambda order: backward_pass(order, send=minus)),
                 "sign is flipped")


def test_a_backward_pass_in_forward_order_is_told_to_go_in_reverse():
    def forward_order(order):
        children = children_of(order)
        order[-1].bar = np.ones_like(order[-1].value)
        for node in order[:-1]:
            node.bar = sum(message(child, i) for child, i in children[node])
    assert_wrong(check_backward_pass(forward_order), "raised TypeError",
                 "z, y, L, R still had none", "reverse order")


def test_a_skipped_node_is_named_when_its_parent_needs_its_bar():
    def skips_R(order):
        children = children_of(order)
        order[-1].bar = np.ones_like(order[-1].value)
        for node in reversed(order[:-2]):          # off by one: R, order[-2], never gets a bar
            node.bar = sum(message(child, i) for child, i in children[node])
    assert_wrong(check_backward_pass(skips_R), "and R still had none")


def test_adding_to_a_bar_that_is_still_none_gets_a_hint_to_start_at_zero():
    def adds_to_none(order):
        children = children_of(order)
        order[-1].bar = np.ones_like(order[-1].value)
        for node in reversed(order[:-1]):
            for child, i in children[node]:
                node.bar += message(child, i)
    assert_wrong(check_backward_pass(adds_to_none), "raised TypeError", "start the sum at 0")


def test_a_loop_that_also_visits_the_output_overwrites_the_seed():
    def includes_output(order):
        children = children_of(order)
        order[-1].bar = np.ones_like(order[-1].value)
        for node in reversed(order):
            node.bar = sum(message(child, i) for child, i in children[node])
    assert_wrong(check_backward_pass(includes_output), "the seed", "got 0",
                 "overwrites the seed")


def test_step_4_before_the_seed_is_told_to_set_the_seed_first():
    def seed_last(order):
        children = children_of(order)
        for node in reversed(order[:-1]):
            node.bar = sum(message(child, i) for child, i in children[node])
        order[-1].bar = np.ones_like(order[-1].value)
    assert_wrong(check_backward_pass(seed_last), "step 3 comes first")


def test_a_list_of_messages_instead_of_their_sum_is_named():
    def keeps_a_list(order):
        children = children_of(order)
        order[-1].bar = np.ones_like(order[-1].value)
        for node in reversed(order[:-1]):
            node.bar = [message(child, i) for child, i in children[node]]
    assert_wrong(check_backward_pass(keeps_a_list), "L.bar is a list", "sum of the messages")


def test_the_message_to_the_wrong_argument_is_recognised():
    def always_argument_0(order):
        backward_pass(order, send=lambda child, i: message(child, 0))
    assert_wrong(check_backward_pass(always_argument_0), "R.bar is off",
                 "the message L_reg sends its argument 0 (L), not R", "message(child, i)")


def test_an_untouched_backward_pass_is_untouched():
    assert check_backward_pass(untouched).status == "not attempted"


# -- a new operation (notebook 06) ------------------------------------------------------------

def softplus_forward(a):
    return np.logaddexp(0.0, a)


def softplus_with(message):
    return Operation("softplus", softplus_forward, (message,), "softplus({0})", ("σ({0})",))


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_softplus_with_the_right_message_passes_in_plain_words():
    verdict = check_new_operation(softplus_with(lambda bar, out, a: bar * sigmoid(a)))
    assert verdict.ok, repr(verdict)
    assert "right: the two agree" in verdict.message


def test_leaky_relu_with_the_right_message_passes():
    leaky = Operation("leaky_relu", lambda a: np.where(a > 0, a, 0.01 * a),
                      (lambda bar, out, a: bar * np.where(a > 0, 1.0, 0.01),),
                      "lrelu({0})", ("1 or 0.01",))
    assert check_new_operation(leaky).ok


def test_the_operations_own_value_instead_of_its_derivative_is_recognised():
    assert_wrong(check_new_operation(softplus_with(lambda bar, out, a: bar * out)),
                 "wrong: the two gradients disagree", "own value")


def test_forgetting_bar_in_the_message_is_recognised():
    assert_wrong(check_new_operation(softplus_with(lambda bar, out, a: sigmoid(a))),
                 "local derivative alone", "multiply it by bar")


def test_sigmoid_prime_instead_of_sigmoid_gets_the_worst_point_named():
    def sigmoid_prime(bar, out, a):
        return bar * sigmoid(a) * (1 - sigmoid(a))
    assert_wrong(check_new_operation(softplus_with(sigmoid_prime)),
                 "relative error", "At a = 2.9", "finite differences")


def test_a_flipped_sign_in_the_message_is_recognised():
    assert_wrong(check_new_operation(softplus_with(lambda bar, out, a: -bar * sigmoid(a))),
                 "sign is flipped")


def test_a_summed_message_has_the_wrong_shape():
    assert_wrong(check_new_operation(softplus_with(lambda bar, out, a: np.sum(bar * sigmoid(a)))),
                 "shape ()", "do not sum")


def test_a_message_returning_none_is_recognised():
    assert_wrong(check_new_operation(softplus_with(lambda bar, out, a: None)), "is None")


def test_the_derivative_taken_at_minus_a_is_recognised():
    assert_wrong(check_new_operation(softplus_with(lambda bar, out, a: bar * sigmoid(-a))),
                 "derivative at −a instead of at a", "sign inside")


def test_a_message_with_two_parameters_is_told_the_engine_passes_three():
    assert_wrong(check_new_operation(softplus_with(lambda bar, a: bar * sigmoid(a))),
                 "raised TypeError", "three arguments, (bar, out, a)")


def test_something_other_than_an_operation_is_explained():
    assert_wrong(check_new_operation(softplus_forward), "expected an engine Operation")


def test_an_untouched_message_is_untouched():
    assert check_new_operation(softplus_with(untouched)).status == "not attempted"


# -- the bar of W in Y = XW (notebook 06) -----------------------------------------------------

def test_x_transposed_times_y_bar_is_correct():
    assert check_matmul_bar(lambda X, Y_bar: X.T @ Y_bar).ok


def test_the_transposed_product_is_recognised():
    assert_wrong(check_matmul_bar(lambda X, Y_bar: Y_bar.T @ X),
                 "shape (2, 3)", "W has shape (3, 2)", "transpose")


def test_a_product_whose_shapes_do_not_fit_gets_a_shape_hint():
    assert_wrong(check_matmul_bar(lambda X, Y_bar: Y_bar @ X.T),
                 "ValueError", "X is (4, 3)", "W's shape (3, 2)")


def test_a_wrong_shape_names_both_shapes():
    assert_wrong(check_matmul_bar(lambda X, Y_bar: X @ X.T),
                 "shape (4, 4)", "W has shape (3, 2)")


def test_forgetting_y_bar_is_recognised():
    assert_wrong(check_matmul_bar(lambda X, Y_bar: X.T @ np.ones_like(Y_bar)),
                 "does not depend on Ȳ")


def test_a_flipped_sign_in_w_bar_is_recognised():
    assert_wrong(check_matmul_bar(lambda X, Y_bar: -X.T @ Y_bar), "wrong sign")


def test_right_shape_but_wrong_entries_shows_expected_against_got():
    assert_wrong(check_matmul_bar(lambda X, Y_bar: np.outer(X.sum(0), Y_bar.sum(0))),
                 "W̄ is off", "Xᵀ Ȳ")


def test_using_w_which_the_function_is_not_given_gets_a_hint():
    def uses_W(X, Y_bar):
        return Y_bar @ W.T  # noqa: F821  (W is not an input)
    assert_wrong(check_matmul_bar(uses_W), "raised NameError", "from X and Ȳ alone")


def test_w_bar_returned_as_none_is_recognised():
    assert_wrong(check_matmul_bar(lambda X, Y_bar: None), "returned None")


def test_an_untouched_w_bar_is_untouched():
    assert check_matmul_bar(untouched).status == "not attempted"


@pytest.mark.parametrize("check", [check_topological_sort, check_forward_pass,
                                   check_backward_pass, check_matmul_bar])
def test_a_check_never_shows_a_traceback(check):
    def broken(*args):
        return {}["missing"]
    verdict = check(broken)
    assert verdict.status == "wrong"
    assert "Traceback" not in repr(verdict) and "KeyError" in verdict.message


def test_a_correct_operation_states_its_error_as_a_power_of_ten():
    verdict = check_new_operation(softplus_with(lambda bar, out, a: bar * sigmoid(a)))
    assert "relative error below 1e-" in verdict.message, repr(verdict)

