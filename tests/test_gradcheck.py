"""Gradient checking: finite differences as an independent witness of the bars."""
import numpy as np
import pytest

from course_utils.engine import Node, Operation, sigmoid
from course_utils.gradcheck import (
    RIGHT_THRESHOLD,
    check_graph,
    numerical_gradient,
    reading,
    rel_error,
)
from course_utils.lecture import regularised_example


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)


def test_numerical_gradient_leaves_its_input_unchanged():
    x = np.array([1.0, 2.0])
    numerical_gradient(lambda v: v.sum(), x)
    assert np.array_equal(x, [1.0, 2.0])


def test_rel_error_is_zero_for_equal_and_one_for_opposite():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [-1.0]) == 1.0
    assert rel_error([1.0, 1e-9], [1.0 + 1e-9, 1e-9]) == pytest.approx(5e-10, rel=1e-3)


def test_rel_error_refuses_different_shapes():
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\)"):
        rel_error(np.ones(2), np.ones(3))


@pytest.mark.parametrize("error, words", [(1e-9, "right"), (1e-5, "probably right"),
                                          (1e-3, "suspicious"), (0.3, "wrong")])
def test_reading_puts_the_size_of_an_error_in_words(error, words):
    assert reading(error).startswith(words)


def test_right_means_below_the_one_threshold():
    assert reading(RIGHT_THRESHOLD * 0.99).startswith("right")
    assert not reading(RIGHT_THRESHOLD).startswith("right")


def test_check_graph_passes_the_lecture_example():
    report = check_graph(regularised_example().L_reg)
    assert report.ok and set(report.errors) == {"w", "x", "b", "t"}
    assert "right" in repr(report)


def test_check_graph_names_the_leaf_with_a_wrong_local_derivative():
    wrong_square = Operation("square", lambda a: a ** 2, (lambda bar, out, a: bar * a,),
                             "{0}²", ("{0}",))  # forgot the factor 2
    u, v = Node(1.5, name="u"), Node(0.7, name="v")
    report = check_graph(sigmoid(wrong_square(u) + v))
    assert not report.ok
    assert report.worst[0] == "u" and report.errors["v"] < RIGHT_THRESHOLD
    assert "worst leaf u" in repr(report) and "wrong" in repr(report)
