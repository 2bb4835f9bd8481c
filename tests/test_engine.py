"""The reference engine: the lecture's algorithm, every local derivative, and its error messages."""
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
    relu,
    sigmoid,
    tanh,
    topological_order,
    unbroadcast,
)
from course_utils.gradcheck import numerical_bar
from course_utils.lecture import regularised_example

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
    record = []
    g.L_reg.backward(record=record)
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
    record = []
    g.L_reg.backward(record=record)
    assert [s.node for s in record] == topological_order(g.L_reg)[::-1]
    assert record[0].bar == 1.0 and record[0].messages == ()


def test_forward_records_one_step_per_node_with_its_value():
    g = regularised_example()
    record = []
    g.L_reg.forward(record=record)
    assert [s.node for s in record] == topological_order(g.L_reg)
    assert all(np.array_equal(s.value, s.node.value) for s in record)


# -- every operation against finite differences --------------------------------------------------

UNARY = {"sigmoid": sigmoid, "tanh": tanh, "exp": exp, "neg": lambda a: -a,
         "pow3": lambda a: a ** 3, "relu": relu, "log": log,
         "sum": lambda a: a.sum(), "mean": lambda a: a.mean(),
         "sum_axis0": lambda a: a.sum(axis=0), "mean_axis1": lambda a: a.mean(axis=1),
         "sum_axis_tuple": lambda a: a.sum(axis=(0, 1))}


@pytest.mark.parametrize("name", UNARY)
def test_unary_operation_matches_finite_differences(name):
    value = RNG.uniform(0.5, 2.0, size=(3, 4)) * RNG.choice([-1, 1], size=(3, 4))
    if name == "log":
        value = np.abs(value)
    a = Node(value, name="a")
    out = (UNARY[name](a) * RNG.normal(size=UNARY[name](a).shape)).sum()
    assert_bars_match_finite_differences(out, [a])


BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)),
                 ((2, 1, 3), (4, 1))]


@pytest.mark.parametrize("symbol", ["+", "-", "*", "/"])
@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
def test_binary_operation_with_broadcasting_matches_finite_differences(symbol, shapes):
    a = Node(RNG.uniform(0.5, 2.0, size=shapes[0]), name="a")
    b = Node(RNG.uniform(0.5, 2.0, size=shapes[1]), name="b")
    out = {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[symbol]
    loss = (out * RNG.normal(size=out.shape)).sum()
    assert_bars_match_finite_differences(loss, [a, b])


MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_matches_finite_differences(shapes):
    a = Node(RNG.normal(size=shapes[0]), name="a")
    b = Node(RNG.normal(size=shapes[1]), name="b")
    out = a @ b
    loss = (out * RNG.normal(size=out.shape)).sum()
    assert_bars_match_finite_differences(loss, [a, b])


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


def test_a_200000_node_chain_needs_no_recursion():
    x = Node(1.0, name="x")
    node = x
    for _ in range(200_000):
        node = node * 1.0
    order = topological_order(node)
    assert len(order) == 200_001 and order[0] is x
    node.forward()
    node.backward()
    assert x.bar == 1.0


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
