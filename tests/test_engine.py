"""The reference engine: the lecture's algorithm, every local derivative, and its error messages."""
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import engine
from course_utils.engine import (
    Node,
    Operation,
    exp,
    log,
    sigmoid,
    tanh,
    topological_order,
)
from course_utils.gradcheck import numerical_bar
from course_utils.lecture import regularised_example
from course_utils.tensors import unbroadcast
from course_utils.widgets.recording import record_backward, record_forward

RNG = np.random.default_rng(0)


def assert_bars_match_finite_differences(output, leaves):
    """Within central differences' own noise: about 1e-10 absolute on these O(1) functions."""
    output.backward()
    for leaf in leaves:
        assert leaf.bar.shape == leaf.value.shape
        np.testing.assert_allclose(leaf.bar, numerical_bar(output, leaf), rtol=1e-6, atol=1e-8,
                                   err_msg=f"bar of {leaf.label}")


# -- the lecture's example (slide 13) ---------------------------------------------------------

def test_lecture_example_matches_the_closed_form_of_slide_13():
    g = regularised_example(w=0.5, x=2.0, b=0.1, t=1.0, lam=0.1)
    g.L_reg.backward()
    y = 1 / (1 + np.exp(-(0.5 * 2.0 + 0.1)))
    R_bar, L_bar = 0.1, 1.0
    y_bar = L_bar * (y - 1.0)
    z_bar = y_bar * y * (1 - y)
    assert g.L_reg.bar == 1.0
    assert g.R.bar == pytest.approx(R_bar)
    assert g.L.bar == pytest.approx(L_bar)
    assert g.y.bar == pytest.approx(y_bar)
    assert g.z.bar == pytest.approx(z_bar)
    assert g.w.bar == pytest.approx(z_bar * 2.0 + R_bar * 0.5)
    assert g.b.bar == pytest.approx(z_bar)


def test_w_receives_messages_from_both_children():
    g = regularised_example()
    record = record_backward(g.L_reg)
    w_step = next(step for step in record if step.node is g.w)
    assert [m.child for m in w_step.messages] == [g.z, g.R]
    from_z, from_R = w_step.messages
    assert from_z.local == pytest.approx(g.x.value) and from_R.local == pytest.approx(g.w.value)
    assert from_z.product == pytest.approx(g.z.bar * g.x.value)
    assert from_R.product == pytest.approx(g.R.bar * g.w.value)
    assert g.w.bar == pytest.approx(from_z.product + from_R.product)


def test_the_slides_missing_plus_would_be_wrong():
    g = regularised_example()
    g.L_reg.backward()
    slip = g.z.bar * g.x.value * g.R.bar * g.w.value  # "w̄ = z̄ x R̄ w" as printed
    assert g.w.bar != pytest.approx(slip)
    assert g.w.bar == pytest.approx(numerical_bar(g.L_reg, g.w))


def test_topological_order_puts_every_node_after_its_parents():
    g = regularised_example()
    order = topological_order(g.L_reg)
    assert len(order) == 9 and order[-1] is g.L_reg
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        assert all(position[p] < position[node] for p in node.parents)


def test_backward_records_the_seed_then_reverse_topological_order():
    g = regularised_example()
    record = record_backward(g.L_reg)
    assert [s.node for s in record] == topological_order(g.L_reg)[::-1]
    assert record[0].bar == 1.0 and record[0].messages == ()


def test_forward_records_one_step_per_node_with_its_value():
    g = regularised_example()
    record = record_forward(g.L_reg)
    assert [s.node for s in record] == topological_order(g.L_reg)
    assert all(np.array_equal(s.value, s.node.value) for s in record)


# -- every operation against finite differences --------------------------------------------------

def leaf(shape, name, low=0.5, high=2.0, signs=True, seed=0):
    """A leaf with entries of size low..high (random signs unless `signs` is False): away from
    0, the kinks of relu and the ties of maximum, so that finite differences are smooth."""
    rng = np.random.default_rng(seed)
    value = rng.uniform(low, high, size=shape)
    return Node(value * rng.choice([-1, 1], size=shape) if signs else value, name=name)


def positive(shape, name, seed=0):
    return leaf(shape, name, signs=False, seed=seed)


#: Per row of OPERATIONS: cases of (arguments, parameters). Leaves are checked against finite
#: differences; constants stand on either side; broadcasting and every rank where a row has them.
BROADCAST = [((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 1, 3), (4, 1))]
ELEMENTWISE = [(3, 4), ()]
CASES = {
    "add": [((leaf(a, "a"), leaf(b, "b", seed=1)), {}) for a, b in BROADCAST]
           + [((leaf((2, 3), "a"), np.arange(3.0)), {}), ((1.5, leaf((2,), "b")), {})],
    "sub": [((leaf(a, "a"), leaf(b, "b", seed=1)), {}) for a, b in BROADCAST]
           + [((np.ones((2, 3)), leaf((3,), "b")), {})],
    "mul": [((leaf(a, "a"), leaf(b, "b", seed=1)), {}) for a, b in BROADCAST]
           + [((0.5, leaf((2, 3), "w")), {})],                    # a constant first: 0.5 * w
    "div": [((leaf(a, "a"), leaf(b, "b", seed=1)), {}) for a, b in BROADCAST]
           + [((2.0, leaf((3,), "b")), {})],
    "matmul": [((leaf(a, "a"), leaf(b, "b", seed=1)), {}) for a, b in
               [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2))]]
           + [((np.ones((2, 3)), leaf((3, 2), "W")), {})],
    "neg": [((leaf(shape, "a"),), {}) for shape in ELEMENTWISE],
    "pow": [((positive((3, 4), "a"), k), {}) for k in (3.0, 0.5, -1.5, 0.0)]
           + [((leaf((2, 2), "a"), 2), {})],
    "rpow": [((2.0, leaf((3, 4), "a")), {}), ((np.array([0.5, 2.0, 3.0]), leaf((2, 3), "a")), {})],
    "sigmoid": [((leaf(shape, "a"),), {}) for shape in ELEMENTWISE],
    "tanh": [((leaf(shape, "a"),), {}) for shape in ELEMENTWISE],
    "relu": [((leaf(shape, "a"),), {}) for shape in ELEMENTWISE],
    "maximum": [((leaf((3, 4), "a"), leaf((4,), "b", low=2.5, high=3.0)), {}),
                ((leaf((3,), "a"), 0.25), {})],
    "exp": [((leaf(shape, "a"),), {}) for shape in ELEMENTWISE],
    "log": [((positive(shape, "a"),), {}) for shape in ELEMENTWISE],
    "log_softmax": [((leaf((3, 4), "z"),), {"axis": axis}) for axis in (-1, 0, 1)]
                   + [((leaf((5,), "z"),), {}), ((leaf((2, 3, 4), "z"),), {"axis": 1})],
    "sum": [((leaf((2, 3, 4), "a"),), {"axis": axis}) for axis in (None, 0, -1, (0, 2))]
           + [((leaf((), "a"),), {})],
    "mean": [((leaf((2, 3, 4), "a"),), {"axis": axis}) for axis in (None, 1, (0, 1))],
}


def cases_of(name: str) -> list:
    """The test inputs of a row; a row added to the table without them fails here, named."""
    if name not in CASES:
        pytest.fail(f"the row {name!r} of OPERATIONS has no test inputs: add its cases to CASES "
                    "in tests/test_engine.py, so that its messages are checked against finite "
                    "differences")
    return CASES[name]


@pytest.mark.parametrize("name", sorted(engine.OPERATIONS))
def test_every_row_of_the_table_matches_finite_differences(name):
    for k, (args, params) in enumerate(cases_of(name)):
        out = engine.OPERATIONS[name](*args, **params)
        leaves = [a for a in args if isinstance(a, Node)]
        assert leaves, f"case {k} of {name} has no leaf to check"
        weights = np.random.default_rng(k).normal(size=out.shape)
        assert_bars_match_finite_differences((out * weights).sum(), leaves)


def test_log_softmax_stays_finite_at_logits_of_a_thousand():
    """exp(1000) is inf in float64: the row must never take it, forward or backward."""
    z = Node([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [999.0, 1000.0, 998.0]],
             name="z")
    labels = np.eye(3)[[0, 2, 1]]
    cost = -(engine.OPERATIONS["log_softmax"](z, axis=1) * labels).sum() / 3
    cost.backward()
    shifted = np.exp(z.value - z.value.max(axis=1, keepdims=True))
    softmax = shifted / shifted.sum(axis=1, keepdims=True)
    assert np.isfinite(cost.value) and np.isfinite(z.bar).all()
    assert np.allclose(z.bar, (softmax - labels) / 3, rtol=0, atol=1e-15)
    assert np.allclose(z.bar.sum(axis=1), 0, atol=1e-15)


def test_a_row_without_test_inputs_fails_with_its_name():
    with pytest.raises(pytest.fail.Exception, match="the row 'softmax' of OPERATIONS has no"):
        cases_of("softmax")


def test_numpy_arrays_on_the_left_give_nodes():
    W = Node(RNG.normal(size=(2, 3)), name="W")
    X = RNG.normal(size=(4, 2))
    assert isinstance(X @ W, Node) and (X @ W).shape == (4, 3)
    assert isinstance(np.ones(3) + W, Node)
    assert isinstance(2.0 * W - np.ones((2, 3)), Node)
    assert isinstance(1.0 / (W * W + 1), Node)


def test_constants_are_not_nodes_and_get_no_bar():
    W = Node(RNG.normal(size=(2, 3)), name="W")
    X = RNG.normal(size=(4, 2))
    loss = (X @ W).sum()
    assert loss.parents == (loss.parents[0],) and loss.parents[0].parents == (W,)
    loss.backward()
    assert np.allclose(W.bar, X.T @ np.ones((4, 3)))


def test_unbroadcast_sums_a_bias_bar_over_the_batch():
    message = np.arange(12.0).reshape(4, 3)
    assert np.array_equal(unbroadcast(message, (3,)), message.sum(axis=0))
    assert np.array_equal(unbroadcast(message, (1, 3)), message.sum(axis=0, keepdims=True))
    assert np.array_equal(unbroadcast(message, (4, 1)), message.sum(axis=1, keepdims=True))
    assert unbroadcast(message, ()) == message.sum()


def test_a_new_operation_needs_only_its_local_derivative():
    softplus = Operation("softplus", lambda a: np.log1p(np.exp(a)),
                         (lambda bar, out, a: bar / (1 + np.exp(-a)),), "softplus({0})",
                         ("σ({0})",))
    a = Node(RNG.normal(size=5), name="a")
    assert_bars_match_finite_differences(softplus(a).sum(), [a])


# -- random expression graphs ----------------------------------------------------------------------

SAFE_OPS = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
            lambda a, b: a * sigmoid(b), lambda a, b: tanh(a) + b ** 2,
            lambda a, b: a / (1 + b * b), lambda a, b: exp(-a * a) * b]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(choices=st.lists(st.tuples(st.integers(0, len(SAFE_OPS) - 1),
                                  st.integers(0, 50), st.integers(0, 50)),
                        min_size=1, max_size=12),
       values=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_random_expression_graphs_match_finite_differences(choices, values):
    leaves = [Node(np.array([v, v / 2 + 0.3]), name=f"x{i}") for i, v in enumerate(values)]
    nodes = list(leaves)
    for op, i, j in choices:  # each new node combines two earlier ones: shared sub-expressions
        nodes.append(SAFE_OPS[op](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    output = nodes[-1].sum() + sum(leaf.sum() for leaf in leaves) * 0.0
    assert_bars_match_finite_differences(output, leaves)


def test_shared_subexpressions_sum_their_messages():
    a = Node(3.0, name="a")
    b = a + a
    c = b + b
    c.backward()
    assert b.bar == 2.0 and a.bar == 4.0


def test_a_node_used_twice_by_one_operation():
    x = Node(3.0, name="x")
    (x * x).backward()
    assert x.bar == 6.0


# -- forward, backward twice, deep graphs ------------------------------------------------------

def test_forward_reevaluates_after_a_leaf_changes():
    g = regularised_example(w=0.5)
    before = float(g.L_reg.value)
    g.w.value = 0.7
    g.L_reg.forward()
    assert float(g.z.value) == pytest.approx(0.7 * 2.0 + 0.1)
    assert float(g.L_reg.value) == pytest.approx(float(regularised_example(w=0.7).L_reg.value))
    assert float(g.L_reg.value) != pytest.approx(before)


def test_backward_twice_recomputes_instead_of_accumulating():
    g = regularised_example()
    g.L_reg.backward()
    first = {name: float(getattr(g, name).bar) for name in ("w", "b", "z", "y")}
    g.L_reg.backward()
    assert {name: float(getattr(g, name).bar) for name in first} == first


def test_a_chain_far_deeper_than_the_recursion_limit_needs_no_recursion():
    """2,000 nodes under a recursion limit of 100 frames above this one: a recursive sort or
    pass would fail; the engine's explicit stacks go as deep as the memory allows."""
    x = Node(1.0, name="x")
    node = x
    for _ in range(2_000):
        node = node * 1.0
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)
    try:
        order = topological_order(node)
        node.forward()
        node.backward()
        text = repr(node)
    finally:
        sys.setrecursionlimit(limit)
    assert len(order) == 2_001 and order[0] is x and x.bar == 1.0 and "…" in text


# -- values and printing -------------------------------------------------------------------------

def test_values_are_float64_arrays_and_leaves_copy_their_input():
    data = np.array([1, 2, 3])
    node = Node(data)
    data[0] = 100
    assert node.value.dtype == np.float64 and node.value[0] == 1.0
    assert Node(0.5).value.shape == ()


def test_scalar_nodes_print_plain_numbers():
    g = regularised_example()
    g.L_reg.backward()
    assert repr(g.x) == "Node(x, value=2, bar=-0.0234)"
    assert str(g.w.value) == "0.5"
    assert repr(g.w * g.x) == "Node(w·x, value=1)"
    assert "shape (2, 3)" in repr(Node(np.zeros((2, 3)), name="W"))


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, words", [("0.5", "str"), (None, "NoneType"),
                                        ([[1, 2], [3]], "ragged"), (1j, "complex"),
                                        (["a", "b"], "<U1")])
def test_bad_leaf_values_raise_type_error_naming_what_was_given(bad, words):
    with pytest.raises(TypeError, match="expected a number") as error:
        Node(bad)
    assert words in str(error.value)


def test_a_node_inside_node_is_refused():
    with pytest.raises(TypeError, match="got a Node"):
        Node(Node(1.0, name="w"))


def test_matmul_shape_mismatch_names_the_operation_and_both_shapes():
    W = Node(np.ones((2, 3)), name="W")
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) @ \(2, 3\)"):
        W @ W


def test_broadcast_mismatch_names_the_operation_and_both_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) \+ \(2,\)"):
        Node(np.ones((2, 3))) + np.ones(2)


def test_backward_on_a_non_scalar_asks_for_a_scalar():
    with pytest.raises(ValueError, match="must be a scalar.*shape \\(3,\\)"):
        (Node(np.ones(3), name="v") * 2).backward()


def test_exponent_must_be_a_constant():
    w = Node(2.0, name="w")
    with pytest.raises(TypeError, match="exponent must be a constant"):
        w ** w


def test_a_node_where_an_operation_wants_a_constant_is_refused():
    w = Node(2.0, name="w")
    with pytest.raises(TypeError, match="pow: argument 2 must be a constant number"):
        engine.power(w, w)


def test_non_finite_values_are_caught_at_the_first_node():
    x = Node(0.0, name="x")
    with np.errstate(divide="ignore"):
        y = log(x)
        y.name = "log_x"
        out = (y * 2).sum()
        with pytest.raises(FloatingPointError, match="value of node 'log_x'.*inf"):
            out.forward(check_finite=True)


def test_non_finite_bars_are_caught_at_the_first_node():
    x = Node(-1.0, name="x")
    with np.errstate(invalid="ignore", divide="ignore"):
        root = Node(0.0, name="zero") ** 0.5 * x
        with pytest.raises(FloatingPointError, match="bar of node 'zero'"):
            root.backward(check_finite=True)


def test_operation_table_has_one_message_per_argument():
    for op in engine.OPERATIONS.values():
        assert len(op.vjps) == op.formula.count("{") == len(op.local), op.name
