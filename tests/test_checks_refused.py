"""An answer that hands the exercise to its reference (the one the check compares with, or
the engine's own pass) is told so, not given a ✔: each routes a student who wants a ✔ without
the work would try, one per check that refuses references."""
from __future__ import annotations

import numpy as np
import pytest
from verdicts import short_guard  # noqa: F401

from course_utils import checks, network, reference, tensors
from course_utils.checks import basics, modes
from course_utils.engine import topological_order


def backward_by_the_engine(order):
    order[-1].backward()


def forward_by_the_engine(order):
    order[-1].forward()


def matmul_by_the_engine(X, Y_bar):
    W = np.zeros((X.shape[1], Y_bar.shape[1]))
    return tensors.matmul_message_b(Y_bar, X @ W, X, W)


def X_bar_by_the_engine(Y_bar, W):
    X = np.zeros((Y_bar.shape[0], W.shape[0]))
    return tensors.matmul_message_a(Y_bar, X @ W, X, W)


ROUTES = [
    ("check_sigmoid_chain_derivative", lambda *args: basics.sigmoid_chain_derivative(*args),
     "checks.basics.sigmoid_chain_derivative"),
    ("check_cost_gradient", lambda w, b, X, T: reference.cost_gradient(w, b, X, T),
     "reference.cost_gradient"),
    ("check_bar_notation_regularised",
     lambda w, x, b, t, lam: reference.backward_pass_regularised(w, x, b, t, lam),
     "reference.backward_pass_regularised"),
    ("check_topological_sort", lambda output: topological_order(output),
     "engine.topological_order"),
    ("check_forward_pass", forward_by_the_engine, "engine.Node.forward"),
    ("check_forward_pass", lambda order: [node._evaluate() for node in order],
     "engine.Node._evaluate"),
    ("check_backward_pass", backward_by_the_engine, "engine.Node.backward"),
    ("check_X_bar_entries", X_bar_by_the_engine, "tensors.matmul_message_a"),
    ("check_matmul_bar", matmul_by_the_engine, "tensors.matmul_message_b"),
    ("check_update_step", lambda params, rate: network.update_step(params, rate),
     "network.update_step"),
    ("check_network_forward",
     lambda X, T, W1, b1, W2, b2: network.forward(X, T, W1, b1, W2, b2), "network.forward"),
    ("check_forward_mode", lambda output, leaf, direction: modes.every_tangent(
        output, leaf, direction)[output], "checks.modes.every_tangent"),
    ("check_gradient_by_forward_mode", lambda output, params, sweep: output.backward(),
     "engine.Node.backward"),
    ("check_gradient_by_forward_mode",
     lambda output, params, sweep: modes.gradient_by_forward_mode(output, params, sweep),
     "checks.modes.gradient_by_forward_mode"),
]


@pytest.mark.parametrize("name, answer, called", ROUTES, ids=[r[0] for r in ROUTES])
def test_an_answer_that_calls_the_reference_is_told_so(name, answer, called):
    verdict = getattr(checks, name)(answer, show=False)
    assert verdict.status == "wrong" and verdict.mistake == "calls-the-reference", repr(verdict)
    assert f"calls `{called}`" in verdict.message and "compute it yourself" in verdict.message


def test_the_reference_handed_in_as_the_answer_is_told_so():
    """`network_forward = reference.forward` in a cell of its own, then the check."""
    verdict = checks.check_network_forward(network.forward, show=False)
    assert verdict.mistake == "calls-the-reference" and "`network.forward`" in verdict.message


def test_the_engines_own_rows_handed_in_as_the_planted_fixes_are_told_so():
    from course_utils.engine import OPERATIONS
    rows = (OPERATIONS["sub"].vjps[1], OPERATIONS["sigmoid"].vjps[0], OPERATIONS["matmul"].vjps[1])
    verdict = checks.check_planted_fixes(*rows, show=False)
    assert verdict.mistake == "calls-the-reference" and "handed in" in verdict.message, \
        repr(verdict)
    called = checks.check_planted_fixes(lambda bar, out, a, b: rows[0](bar, out, a, b), *rows[1:],
                                        show=False)
    assert called.mistake == "calls-the-reference", repr(called)


def test_with_the_references_refused_the_answer_tables_rows_still_get_their_hints():
    """A mistake row of the table, which calls the reference from library code, is explained
    as before: only the student's own calls are refused."""
    from course_utils.checks._runner import REGISTRY
    row = REGISTRY["check_network_forward"].mistakes[0]
    verdict = checks.check_network_forward(row.computes, show=False)
    assert verdict.mistake == f"network_forward/{row.id}", repr(verdict)


def test_the_reference_with_its_arguments_bound_is_told_so_too():
    import functools
    verdict = checks.check_backward_pass(functools.partial(reference.backward_pass, combine=sum),
                                         show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)


def test_notebook_05s_overwriting_bug_from_the_reference_gets_its_hint():
    verdict = checks.check_backward_pass(reference.backward_overwrite, show=False)
    assert verdict.mistake == "backward_pass/last-message-only", repr(verdict)


def test_the_engines_own_messages_inside_an_operation_handed_in_are_told_so():
    """`Operation("my_maximum", np.maximum, (maximum.vjps[0], maximum.vjps[1]), ...)`: the
    engine's messages wrapped in the student's operation are the engine's all the same."""
    from course_utils.engine import OPERATIONS, Operation
    engines = OPERATIONS["maximum"].vjps

    def mine(bar, out, a, b):
        return bar * ((b > a) + 0.5 * (a == b))

    for vjps in (engines, (engines[0], mine)):
        operation = Operation("my_maximum", np.maximum, tuple(vjps), "max({0}, {1})",
                              ("∂max/∂{0}", "∂max/∂{1}"))
        verdict = checks.check_maximum_message(operation, show=False)
        assert verdict.mistake == "calls-the-reference", repr(verdict)
        assert "`OPERATIONS['maximum'].vjps[0]`" in verdict.message


def test_the_passes_by_hand_built_on_the_engine_are_told_so():
    """Notebook 07 asks for the passes in numpy alone: the engine's graph on screen, handed
    the parameters, and its backward pass read off, is refused."""
    from course_utils.engine import Node, add, matmul, sigmoid

    def by_the_engine(X, T, W1, b1, W2, b2, values):
        w1, c1, w2, c2 = Node(W1), Node(b1), Node(W2), Node(b2)
        y = sigmoid(add(matmul(sigmoid(add(matmul(X, w1), c1)), w2), c2))
        (0.5 * ((y - T) ** 2)).mean().backward()
        return {"W1_bar": w1.bar, "b1_bar": c1.bar, "W2_bar": w2.bar, "b2_bar": c2.bar}

    verdict = checks.check_network_backward(by_the_engine, show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)
    assert "`engine.Node`" in verdict.message


def W_bar_by_an_engine_graph(X, Y_bar):
    from course_utils.engine import Node
    X, W = Node(X), Node(np.zeros((X.shape[1], Y_bar.shape[1])))
    ((X @ W) * Y_bar).sum().backward()
    return W.bar


def X_bar_by_an_engine_graph(Y_bar, W):
    from course_utils.engine import Node
    X, W = Node(np.zeros((Y_bar.shape[0], W.shape[0]))), Node(W)
    ((X @ W) * Y_bar).sum().backward()
    return X.bar


@pytest.mark.parametrize("name, answer", [("check_matmul_bar", W_bar_by_an_engine_graph),
                                          ("check_X_bar_entries", X_bar_by_an_engine_graph)])
def test_the_bars_of_a_matrix_product_read_off_an_engine_graph_are_told_so(name, answer):
    """Notebook 06 shows Y = XW in the engine after the exercises: a graph built from the
    student's code, whose backward pass gives the bars, is refused before it runs."""
    verdict = getattr(checks, name)(answer, show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)
    assert "`engine.Node`" in verdict.message


@pytest.mark.parametrize("answer", [lambda z: __import__("scipy.special").special.log_softmax(
    z, axis=1), lambda z: np.log(__import__("scipy.special").special.softmax(z, axis=1))])
def test_a_librarys_log_softmax_is_told_so(answer):
    """Notebook 09's first exercise is the stable log softmax: scipy's, called, is refused."""
    verdict = checks.check_log_softmax(answer, show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)
    assert "`scipy.special." in verdict.message


def test_the_regularised_bars_read_off_the_engines_messages_are_told_so():
    """Notebook 03's last exercise: the lecture's graph built, each bar summed from the engine's
    messages (reference.backward_pass's body), is refused."""
    from course_utils.engine import children_of, message, topological_order
    from course_utils.lecture import regularised_example

    def by_messages(w, x, b, t, lam):
        g = regularised_example(w, x, b, t, lam)
        order = topological_order(g.L_reg)
        children = children_of(order)
        for node in reversed(order):
            node.bar = 1.0 if node is g.L_reg else sum(message(c, i) for c, i in children[node])
        return tuple(n.bar for n in (g.L_reg, g.R, g.L, g.y, g.z, g.w, g.b))

    verdict = checks.check_bar_notation_regularised(by_messages, show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)
    assert "`engine.children_of`" in verdict.message


def test_a_reference_called_through_numpy_or_another_thread_is_told_so():
    """The refusal follows a call through the libraries that make it for the student's code
    (np.vectorize, handed in or wrapped) and into the threads it starts."""
    from concurrent.futures import ThreadPoolExecutor

    def by_a_thread(w, b, X, T):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(reference.cost_gradient, w, b, X, T).result()

    answers = [(checks.check_sigmoid_chain_derivative, np.vectorize(
                    basics.sigmoid_chain_derivative)),
               (checks.check_sigmoid_chain_derivative,
                lambda x, depth: np.vectorize(basics.sigmoid_chain_derivative)(x, depth)),
               (checks.check_cost_gradient, by_a_thread)]
    for check, answer in answers:
        verdict = check(answer, show=False)
        assert verdict.mistake == "calls-the-reference", repr(verdict)


def _registry():
    from course_utils.checks._runner import REGISTRY
    return REGISTRY


@pytest.mark.parametrize("name", sorted(_registry()))
def test_a_checks_own_solution_handed_in_is_told_so(name):
    """REGISTRY holds every check's solution (a function, a tuple of them, a class): handed in
    as it is, it is refused like a reference."""
    solution = _registry()[name].solution
    verdict = getattr(checks, name)(*(solution if isinstance(solution, tuple) else (solution,)),
                                    show=False)
    assert verdict.mistake == "calls-the-reference" and "handed in" in verdict.message, \
        repr(verdict)


def test_an_engine_graph_for_a_message_is_told_so():
    """06's softplus message read off the engine's graph of log(1 + e^a), and 07's passes
    from the checks' own engine answers, are refused."""
    from course_utils.checks import capstone
    from course_utils.engine import Node, Operation, exp, log

    def by_the_engine(bar, out, a):
        node = Node(a)
        (log(1 + exp(node)) * bar).sum().backward()
        return node.bar

    softplus = Operation("softplus", lambda a: np.logaddexp(0.0, a), (by_the_engine,),
                         "softplus({0})", ("softplus'({0})",))
    verdict = checks.check_new_operation(softplus, show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)
    verdict = checks.check_network_forward(
        lambda X, T, W1, b1, W2, b2: capstone.engine_answers(X, T, W1, b1, W2, b2)[0],
        show=False)
    assert verdict.mistake == "calls-the-reference" and "engine_answers" in verdict.message, \
        repr(verdict)


@pytest.mark.parametrize("name", ["log_softmax", "cross_entropy_backward", "forward", "backward",
                                  "sgd_epoch", "accumulate_gradient"])
def test_notebook_09s_references_bound_to_a_name_are_told_so(name):
    """09 imports its checks' module as `reference`: its answers handed in as they are, or
    called under a name bound before the check, are refused (not only `reference.…`)."""
    from course_utils.checks import classifier
    check = {"log_softmax": checks.check_log_softmax,
             "cross_entropy_backward": checks.check_cross_entropy_backward,
             "forward": checks.check_classifier_forward,
             "backward": checks.check_classifier_backward, "sgd_epoch": checks.check_sgd_epoch,
             "accumulate_gradient": checks.check_accumulate_gradient}[name]
    ref = getattr(classifier, name)
    for answer in (ref, lambda *args: ref(*args)):
        verdict = check(answer, show=False)
        assert verdict.mistake == "calls-the-reference", repr(verdict)
        assert f"`reference.{name}`" in verdict.message, repr(verdict)


def test_forward_mode_by_a_backward_pass_with_its_bars_wiped_is_told_so():
    """Reverse mode dressed as forward mode (the bars set to None again) is refused."""
    from course_utils.engine import topological_order as order_of

    def by_backward(output, leaf, direction):
        output.backward()
        tangent = np.sum(leaf.bar * direction)
        for node in order_of(output):
            node.bar = None
        return tangent

    verdict = checks.check_forward_mode(by_backward, show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)


def test_a_pass_handed_to_the_courses_own_helpers_is_told_so():
    """The stepper's recording, the stepper and the gradient check run the engine's passes for
    whoever calls them: called from the student's pass, those passes are refused too."""
    from course_utils.gradcheck import check_graph
    from course_utils.widgets import BackpropStepper
    from course_utils.widgets.recording import record_backward, record_forward
    answers = [(checks.check_forward_pass, lambda order: record_forward(order[-1])),
               (checks.check_backward_pass, lambda order: record_backward(order[-1])),
               (checks.check_backward_pass, lambda order: BackpropStepper(order[-1]) and None),
               (checks.check_backward_pass, lambda order: check_graph(order[-1]) and None)]
    for check, answer in answers:
        verdict = check(answer, show=False)
        assert verdict.mistake == "calls-the-reference", repr(verdict)


def test_the_bars_of_a_matrix_product_by_finite_differences_are_told_so():
    """06's X̄ and W̄ are asked for by a formula: the gradient check's numbers, nudged around
    some W, are an estimate (around W = 0 the sum is so small that rounding spares them)."""
    from course_utils.gradcheck import numerical_gradient

    def W_bar_nudged(X, Y_bar):
        W = np.ones((X.shape[1], Y_bar.shape[1]))
        return numerical_gradient(lambda W: np.sum((X @ W) * Y_bar), W)

    verdict = checks.check_matmul_bar(W_bar_nudged, show=False)
    assert verdict.mistake == "finite-difference", repr(verdict)


def test_accumulation_by_the_reference_epoch_is_told_so():
    """09 binds the reference epoch (until the student's own passes) before the accumulation
    exercise: a step of it on each micro-batch, at rate 1, is refused."""
    from course_utils.checks import classifier
    epoch_step = classifier.sgd_epoch                  # bound before the check, as 09 does

    def by_epochs(X, t, params, grad, micro_batch, forward, backward):
        return epoch_step(X, t, params, 1.0, micro_batch, np.random.default_rng(0), forward,
                          backward)

    verdict = checks.check_accumulate_gradient(by_epochs, show=False)
    assert verdict.mistake == "calls-the-reference" and "`reference.sgd_epoch`" in \
        verdict.message, repr(verdict)


def test_the_courses_finite_differences_where_a_formula_is_asked_are_an_estimate():
    """Around X = 0 (or W = 0) the sum of a matrix product is so small that rounding spares
    its central differences: the gradient check's numbers still are an estimate, and told so.
    The same for the max's messages and the explorer's quotient (no derivatives given)."""
    from course_utils.engine import Operation
    from course_utils.gradcheck import numerical_gradient
    from course_utils.widgets.explorers import SensitivityState

    def X_bar_at_zero(Y_bar, W):
        return numerical_gradient(lambda X: np.sum((X @ W) * Y_bar), np.zeros((2, 2)))

    def W_bar_at_zero(X, Y_bar):
        W = np.zeros((X.shape[1], Y_bar.shape[1]))
        return numerical_gradient(lambda W: np.sum((X @ W) * Y_bar), W)

    def nudged(k):
        def message(bar, out, a, b):
            args = [np.array(a, float), np.array(b, float)]

            def total(v):
                return np.sum(bar * np.maximum(*(v if i == k else x for i, x in enumerate(args))))
            return numerical_gradient(total, args[k])
        return message

    maximum = Operation("my_maximum", np.maximum, (nudged(0), nudged(1)), "max({0}, {1})",
                        ("∂max/∂{0}", "∂max/∂{1}"))
    answers = [(checks.check_X_bar_entries, X_bar_at_zero),
               (checks.check_matmul_bar, W_bar_at_zero),
               (checks.check_maximum_message, maximum),
               (checks.check_chain_rule,
                lambda x: SensitivityState(g=np.square, f=np.sin).df(x ** 2) * 2 * x)]
    for check, answer in answers:
        verdict = check(answer, show=False)
        assert verdict.mistake == "finite-difference", repr(verdict)
        assert "calls `" in verdict.message and "by a formula" in verdict.message


def test_the_explorer_applying_the_chain_rule_is_told_so():
    """Given both derivatives, the explorer multiplies them at the right points: notebook
    01's derivative checks refuse it."""
    from course_utils.widgets import SensitivityExplorer

    def dz_dx(x):
        return SensitivityExplorer(g=np.square, f=np.sin, dg=lambda x: 2 * x, df=np.cos, x=x,
                                   x_range=(-3, 3)).numbers()["dz_dx"]

    verdict = checks.check_chain_rule(dz_dx, show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)
    assert "SensitivityExplorer's dz/dx" in verdict.message


def test_the_planted_messages_corrected_after_the_fact_are_told_so():
    """The fixes are written, not made by flipping, scaling or transposing what a planted
    message returns (notebook 06 hands the planted operations out before the exercise)."""
    from course_utils.debugging import planted_bugs
    bugged = planted_bugs()
    fixes = (lambda bar, out, a, b: -bugged["sub"].vjps[1](bar, out, a, b),
             lambda bar, out, a: bar * bugged["sigmoid"].vjps[0](bar, out, a),
             lambda bar, out, a, b: bugged["matmul"].vjps[1](bar, out, a, b).T)
    verdict = checks.check_planted_fixes(*fixes, show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)
    assert "`bugged['sub'].vjps[1]`" in verdict.message


def test_the_max_by_relus_message_is_told_so():
    """max(a, b) = relu(a − b) + b: relu's message from the table is the engine's, refused."""
    from course_utils.engine import OPERATIONS, Operation
    relu_message = OPERATIONS["relu"].vjps[0]
    operation = Operation(
        "my_maximum", np.maximum,
        (lambda bar, out, a, b: relu_message(bar, None, a - b),
         lambda bar, out, a, b: bar - relu_message(bar, None, a - b)),
        "max({0}, {1})", ("∂max/∂{0}", "∂max/∂{1}"))
    verdict = checks.check_maximum_message(operation, show=False)
    assert verdict.mistake == "calls-the-reference", repr(verdict)
    assert "`OPERATIONS['relu'].vjps[0]`" in verdict.message


@pytest.mark.usefixtures("short_guard")
def test_forward_evaluations_counted_by_running_the_differences_do_not_finish():
    """Counting the calls of one_sided and central (notebook 08's cell) instead of predicting:
    on a layer of 250,500 entries the count does not finish in time."""
    def one_sided(f, theta, eps=1e-6):          # as notebook 08 has them
        base = f(theta)
        grad = np.empty_like(theta)
        for i in range(theta.size):
            shifted = theta.copy()
            shifted[i] += eps
            grad[i] = (f(shifted) - base) / eps
        return grad

    def counted(params):
        calls = []
        P = sum(p.value.size for p in params)
        one_sided(lambda theta: calls.append(1) or 0.0, np.zeros(P))
        return len(calls), 2 * P

    verdict = checks.check_forward_evaluations(counted, show=False)
    assert verdict.mistake == "time-out" and "500 × 500" in verdict.message, repr(verdict)


def test_the_operations_messages_chained_by_hand_are_told_so():
    """03 asks for the bars by the chain rule: the lecture's operations (`linear`, `sigmoid`,
    `half_squared_error`, which the notebook imports) carry them as their messages."""
    from course_utils.engine import sigmoid
    from course_utils.lecture import half_squared_error, linear

    def bars(w, x, b, t):
        z = linear.forward(w, x, b)
        y = sigmoid.forward(z)
        y_bar = half_squared_error.vjps[0](1.0, half_squared_error.forward(y, t), y, t)
        z_bar = sigmoid.vjps[0](y_bar, y, z)
        return y_bar, z_bar, linear.vjps[0](z_bar, z, w, x, b), linear.vjps[2](z_bar, z, w, x, b)

    answers = [(checks.check_brute_force_gradients,
                (lambda w, x, b, t: bars(w, x, b, t)[2], lambda w, x, b, t: bars(w, x, b, t)[3])),
               (checks.check_bar_notation, (bars,))]
    for check, answer in answers:
        verdict = check(*answer, show=False)
        assert verdict.mistake == "calls-the-reference", repr(verdict)
        assert "half_squared_error.vjps[0]" in verdict.message


def test_a_step_by_the_descent_explorer_is_told_so():
    from course_utils.widgets.explorers import DescentState

    def step(w, grad, rate):
        flat = np.array(w, dtype=float).ravel()
        new = [DescentState(df=lambda u, g=g: g, rate=rate, start=float(v), steps=1, step=1).w
               for v, g in zip(flat, np.ravel(grad), strict=True)]
        return np.reshape(new, np.shape(w))

    verdict = checks.check_gradient_descent_step(step, show=False)
    assert verdict.mistake == "calls-the-reference" and "descent explorer" in verdict.message, \
        repr(verdict)


def test_notebook_09s_reference_pieces_are_told_so():
    """The reference module's pieces, bound before the check: its engine answers, a mistake
    table's factory with no mistake switched on, the table's log-softmax message, and scipy's
    logsumexp."""
    from scipy.special import logsumexp

    from course_utils.checks import classifier
    from course_utils.engine import OPERATIONS
    epoch = classifier._epoch()                         # made before the check, handed in
    vjp = OPERATIONS["log_softmax"].vjps[0]             # looked up before the check

    def z_bar_by_the_table(z, t):
        N, K = z.shape
        logp = z - logsumexp(z, axis=1, keepdims=True)
        logp_bar = -np.eye(K)[t] / N
        return {"L_bar": 1.0, "logp_bar": logp_bar, "z_bar": vjp(logp_bar, logp, z, axis=1)}

    answers = [
        (checks.check_classifier_forward,
         lambda X, t, W1, b1, W2, b2: classifier.engine_answers(X, t, W1, b1, W2, b2)[0],
         "engine_answers"),
        (checks.check_sgd_epoch, epoch, "_epoch.<locals>.sgd_epoch"),
        (checks.check_cross_entropy_backward, z_bar_by_the_table,
         "OPERATIONS['log_softmax'].vjps[0]"),
        (checks.check_log_softmax,
         lambda z: z - logsumexp(z, axis=1, keepdims=True), "scipy.special.logsumexp")]
    for check, answer, name in answers:
        verdict = check(answer, show=False)
        assert verdict.mistake == "calls-the-reference" and name in verdict.message, \
            repr(verdict)


def test_bars_by_hand_made_differences_where_a_formula_is_asked_are_an_estimate():
    """05's backward pass and 07's backward pass by hand ask for the bars by the chain rule:
    central differences written out by hand are right to a few digits only."""
    from course_utils.engine import value_of

    def nudged_bars(order):
        output = order[-1]

        def output_at(k, value):                   # node k set to value, the rest recomputed
            saved = [n.value for n in order]
            order[k].value = value
            for node in order[k + 1:]:
                if node.op is not None:
                    node.value = node.op.forward(*map(value_of, node.args), **node.params)
            result = float(output.value)
            for node, was in zip(order, saved, strict=True):
                node.value = was
            return result

        for k, node in enumerate(order):
            value, bar = np.array(node.value, dtype=float), np.zeros(np.shape(node.value))
            for i in np.ndindex(bar.shape):
                up, down = value.copy(), value.copy()
                up[i] += 1e-6
                down[i] -= 1e-6
                bar[i] = (output_at(k, up) - output_at(k, down)) / 2e-6
            node.bar = bar

    verdict = checks.check_backward_pass(nudged_bars, show=False)
    assert verdict.mistake == "finite-difference", repr(verdict)


def test_07s_backward_pass_by_the_engines_messages_is_told_so():
    from course_utils.engine import OPERATIONS, unbroadcast
    sigmoid_message = OPERATIONS["sigmoid"].vjps[0]

    def network_backward(X, T, W1, b1, W2, b2, values):
        y_bar = (values["y"] - T) / len(X)
        z2_bar = sigmoid_message(y_bar, values["y"], values["z2"])
        h_bar = z2_bar @ W2.T
        z1_bar = sigmoid_message(h_bar, values["h"], values["z1"])
        return dict(y_bar=y_bar, z2_bar=z2_bar, W2_bar=values["h"].T @ z2_bar,
                    b2_bar=unbroadcast(z2_bar, b2.shape), h_bar=h_bar, z1_bar=z1_bar,
                    W1_bar=X.T @ z1_bar, b1_bar=unbroadcast(z1_bar, b1.shape))

    verdict = checks.check_network_backward(network_backward, show=False)
    assert verdict.mistake == "calls-the-reference" and \
        "OPERATIONS['sigmoid'].vjps[0]" in verdict.message, repr(verdict)


def test_the_matrix_bars_from_the_planted_operations_are_told_so():
    from course_utils.debugging import planted_bugs
    matmul = planted_bugs()["matmul"]
    verdict = checks.check_X_bar_entries(lambda Y_bar, W: matmul.vjps[0](Y_bar, None, None, W),
                                         show=False)
    assert verdict.mistake == "calls-the-reference" and "bugged['matmul'].vjps[0]" in \
        verdict.message, repr(verdict)


def _by_reverse_passes(message):
    """Forward mode's answer by one reverse pass per output entry, each message computed by
    `message(node, i, bar)`: no tangent at all."""
    def forward_mode(output, leaf, direction):
        order = topological_order(output)
        result = np.zeros(np.shape(output.value))
        for k in np.ndindex(result.shape):
            bars = {id(n): np.zeros(np.shape(n.value)) for n in order}
            bars[id(output)][k] = 1.0
            for node in reversed(order):
                for i, arg in enumerate(node.args):
                    if id(arg) in bars and node.op.vjps[i] is not None:
                        bars[id(arg)] = bars[id(arg)] + message(node, i, bars[id(node)])
            result[k] = np.sum(bars[id(leaf)] * direction)
        return result
    return forward_mode


def _the_message_itself(node, i, bar):
    """The operation's message called by the student's own line, not through the engine."""
    values = [getattr(a, "value", a) for a in node.args]
    return np.broadcast_to(node.op.vjps[i](bar, node.value, *values, **node.params),
                           np.shape(node.args[i].value))


@pytest.mark.parametrize("message, named", [("engine.message", "engine.message"),
                                            (_the_message_itself, ".vjps[")])
def test_forward_mode_by_reverse_passes_of_the_messages_is_told_so(message, named):
    """The engine's messages are refused in forward mode when the student's own line calls
    them, or `engine.message`; through `tangent_message`, which the exercise builds on, not."""
    from course_utils import engine
    answer = _by_reverse_passes(engine.message if message == "engine.message" else message)
    verdict = checks.check_forward_mode(answer, show=False)
    assert verdict.mistake == "calls-the-reference" and named in verdict.message, \
        repr(verdict)


def test_the_max_by_rounded_differences_misses_a_near_tie():
    """Rounded to six digits, a difference quotient of max is exactly 0, ½ or 1, except where a
    and b are closer than its step."""
    def rounded(k):
        def message(bar, out, a, b):
            h = 1e-6
            args = [np.array(a, float), np.array(b, float)]
            up, down = [x.copy() for x in args], [x.copy() for x in args]
            up[k], down[k] = args[k] + h, args[k] - h
            return bar * np.round((np.maximum(*up) - np.maximum(*down)) / (2 * h), 6)
        return message

    from course_utils.engine import Operation
    operation = Operation("my_maximum", np.maximum, (rounded(0), rounded(1)), "max({0}, {1})",
                          ("∂max/∂{0}", "∂max/∂{1}"))
    verdict = checks.check_maximum_message(operation, show=False)
    assert verdict.status == "wrong" and "1e-12 apart" in verdict.message, repr(verdict)


def test_the_log_softmax_row_looked_up_inside_the_answer_is_told_so():
    """`OPERATIONS["log_softmax"].forward` inside the student's function is the engine's stable
    log softmax: told so, not a crash."""
    from course_utils.engine import OPERATIONS
    verdict = checks.check_log_softmax(lambda z: OPERATIONS["log_softmax"].forward(z, axis=1),
                                       show=False)
    assert verdict.mistake == "calls-the-reference" and "log_softmax" in verdict.message, \
        repr(verdict)


def test_the_bars_as_a_tuple_are_a_right_form():
    """`gradient_by_forward_mode` may hand back its bars as a tuple as well as a list."""
    def sweeps(output, params, sweep):
        bars, count = [], 0
        for p in params:
            bar = np.zeros(p.shape)
            for i in np.ndindex(p.shape):
                direction = np.zeros(p.shape)
                direction[i] = 1.0
                bar[i] = np.sum(sweep(output, p, direction))
                count += 1
            bars.append(bar)
        return tuple(bars), count

    assert checks.check_gradient_by_forward_mode(sweeps, show=False).ok


def test_a_reference_run_in_a_thread_started_before_the_check_is_told_so():
    """Threads started before the check are out of the tracer's reach: while one runs, the
    check does not run the student's function, and says why."""
    import concurrent.futures

    pool = concurrent.futures.ThreadPoolExecutor(2)
    pool.submit(lambda: 0).result()                  # its threads now exist, before the check
    try:
        verdict = checks.check_cost_gradient(
            lambda w, b, X, T: pool.submit(reference.cost_gradient, w, b, X, T).result(),
            show=False)
    finally:
        pool.shutdown()
    assert verdict.mistake == "threads-running" and "shutdown()" in verdict.message, \
        repr(verdict)
    after = checks.check_cost_gradient(lambda w, b, X, T: reference.cost_gradient(w, b, X, T),
                                       show=False)
    assert after.mistake == "calls-the-reference", repr(after)


def test_a_derivative_worked_out_by_computer_algebra_is_told_so():
    """sympy differentiates for the student: its diff, or a function lambdify made from it
    before the check, is refused where the derivative is the exercise."""
    import sympy as sp

    from course_utils.engine import Operation
    a, x = sp.Symbol("a"), sp.Symbol("x")
    slope = sp.lambdify(a, sp.diff(sp.log(1 + sp.exp(a)), a), "numpy")   # before the check
    softplus = Operation("softplus", lambda v: np.log1p(np.exp(v)),
                         (lambda bar, out, v: bar * slope(v),), "softplus({0})", ("σ({0})",))
    answers = [(checks.check_new_operation, softplus),
               (checks.check_chain_rule, lambda v: float(sp.diff(sp.sin(x ** 2), x).subs(x, v)))]
    for check, answer in answers:
        verdict = check(answer, show=False)
        assert verdict.mistake == "computer-algebra", repr(verdict)
