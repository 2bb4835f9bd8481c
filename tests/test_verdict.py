"""What every check shares: the student's errors are reported in one line, at the student's line."""
import numpy as np

from course_utils.checks._verdict import call_student, check, compare
from course_utils.engine import Node


@check
def run(function):
    call_student(function)


def test_an_untouched_exercise_is_not_attempted():
    def exercise():
        raise NotImplementedError()
    assert run(exercise).status == "not attempted"


def test_an_error_inside_the_library_is_quoted_at_the_students_line():
    def exercise():
        node = Node(1.0)
        node.value = Node(2.0)  # the engine refuses this, deep in as_value
    verdict = run(exercise)
    assert verdict.status == "wrong"
    assert "raised TypeError" in verdict.message
    assert "`node.value = Node(2.0)  # the engine refuses this, deep in as_value`" in verdict.message


def test_an_error_inside_numpy_is_quoted_at_the_students_line():
    def exercise():
        return np.ones(3) @ np.ones(2)
    verdict = run(exercise)
    assert "raised ValueError" in verdict.message and "`return np.ones(3) @ np.ones(2)`" in verdict.message


def test_compare_names_a_wrong_shape_and_a_wrong_value():
    assert compare("w_bar", np.zeros(2), np.zeros(3)) == "w_bar has shape (3,), expected (2,)."
    assert compare("w_bar", 1.0, 2.0, formula="z_bar·x") == "w_bar is off: expected z_bar·x = 1, got 2."
    assert compare("w_bar", 1.0, None).startswith("w_bar is None")
    assert compare("w_bar", 1.0, 1.0) is None
