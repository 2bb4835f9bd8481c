"""The engine's `maximum`: max routes the bar to the larger argument, half each at a tie."""
import numpy as np
import pytest

from course_utils.engine import OPERATIONS, Node, maximum, relu
from course_utils.gradcheck import check_graph, numerical_gradient


def test_maximum_is_a_row_of_the_table():
    assert OPERATIONS["maximum"] is maximum
    assert maximum.formula.format("a", "b") == "max(a, b)"


def test_maximum_computes_the_larger_entry():
    a, b = Node([1.0, 5.0, -2.0]), Node([3.0, 4.0, -2.0])
    np.testing.assert_array_equal(maximum(a, b).value, [3.0, 5.0, -2.0])


def test_max_routes_the_whole_bar_to_the_larger_argument():
    a, b = Node([1.0, 5.0], name="a"), Node([3.0, 4.0], name="b")
    weights = np.array([2.0, 7.0])
    (maximum(a, b) * weights).sum().backward()
    np.testing.assert_array_equal(a.bar, [0.0, 7.0])
    np.testing.assert_array_equal(b.bar, [2.0, 0.0])


def test_a_tie_splits_the_bar_in_half_as_central_differences_do():
    a, b = Node(2.0, name="a"), Node(2.0, name="b")
    out = 3.0 * maximum(a, b)
    out.backward()
    assert float(a.bar) == float(b.bar) == 1.5
    central = numerical_gradient(lambda v: 3.0 * max(float(v), 2.0), np.array(2.0))
    assert float(a.bar) == pytest.approx(float(central))


def test_the_two_messages_always_add_up_to_the_bar():
    rng = np.random.default_rng(3)
    a = Node(rng.integers(-2, 3, size=20).astype(float), name="a")  # many ties
    b = Node(rng.integers(-2, 3, size=20).astype(float), name="b")
    weights = rng.normal(size=20)
    (maximum(a, b) * weights).sum().backward()
    np.testing.assert_allclose(a.bar + b.bar, weights, rtol=0, atol=0)


def test_maximum_with_a_constant_is_relu():
    values = np.array([-1.5, -0.2, 0.4, 2.0])
    z1, z2 = Node(values, name="z"), Node(values, name="z")
    (maximum(z1, 0.0) ** 2).sum().backward()
    (relu(z2) ** 2).sum().backward()
    np.testing.assert_array_equal(z1.bar, z2.bar)


def test_a_broadcast_argument_sums_the_routed_messages():
    rng = np.random.default_rng(4)
    A, c = Node(rng.normal(size=(4, 3)), name="A"), Node(rng.normal(size=3), name="c")
    out = (maximum(A, c) * rng.normal(size=(4, 3))).sum()
    assert check_graph(out).ok
    out.backward()
    assert c.bar.shape == (3,)


def test_maximum_bars_agree_with_finite_differences_away_from_ties():
    rng = np.random.default_rng(5)
    a, b = Node(rng.normal(size=(3, 2)), name="a"), Node(rng.normal(size=(3, 2)), name="b")
    report = check_graph((maximum(a, b) * maximum(b, 0.3)).sum())
    assert report.ok, report
