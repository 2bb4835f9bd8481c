"""The checks of notebook 06's backward flow: the messages of maximum, the planted bugs."""
import numpy as np
import pytest
from verdicts import (  # noqa: F401
    assert_messages_differ,
    assert_row,
    references_allowed,
    rows,
    short_guard,
    untouched,
)

from course_utils.checks.flow import check_maximum_message, check_planted_fixes
from course_utils.debugging import bar_and_numerical, graph_around, planted_bugs
from course_utils.engine import OPERATIONS, Operation, maximum
from course_utils.gradcheck import check_graph

#: Answers written as the reference changed in one place (see verdicts.references_allowed).
pytestmark = pytest.mark.usefixtures("references_allowed")


def as_maximum(message_a, message_b):
    return Operation("my_maximum", np.maximum, (message_a, message_b), "max({0}, {1})",
                     ("∂max/∂{0}", "∂max/∂{1}"))


# -- the messages of maximum --------------------------------------------------------------------

def _mutates_bar(bar, out, a, b):
    bar *= (b > a) + 0.5 * (a == b)
    return bar


def _loops(bar, out, a, b):
    while True:
        pass


def _remembers():
    seen = set()

    def message_a(bar, out, a, b):
        key = a.tobytes()
        again = key in seen
        seen.add(key)
        return 0 * bar if again else bar * ((a > b) + 0.5 * (a == b))
    return message_a


def _to_b(bar, out, a, b):
    return bar * ((b > a) + 0.5 * (a == b))


MAXIMUM = [  # (the operation handed in, status, key words)
    (maximum, "correct", ["max routes"]),
    (as_maximum(lambda bar, out, a, b: np.where(a >= b, bar, 0.0),
                lambda bar, out, a, b: np.where(a >= b, 0.0, bar)), "correct", ["max routes"]),
    (as_maximum(lambda bar, out, a, b: bar * np.heaviside(a - b, 0.5),
                lambda bar, out, a, b: bar * np.heaviside(b - a, 0.5)), "correct", []),
    (as_maximum(lambda bar, out, a, b: bar * (a > b), lambda bar, out, a, b: bar * (b >= a)),
     "correct", []),
    (as_maximum(untouched, untouched), "not attempted", ["NotImplementedError"]),
    (as_maximum(lambda g, y, a, b: g, lambda g, y, a, b: g), "wrong", ["add distributes"]),
    (as_maximum(lambda g, y, a, b: g * b, lambda g, y, a, b: g * a), "wrong", ["multiply swaps"]),
    (as_maximum(lambda g, y, a, b: g * (b > a), lambda g, y, a, b: g * (a > b)), "wrong",
     ["smaller argument"]),
    (as_maximum(lambda g, y, a, b: 1.0 * (a > b), lambda g, y, a, b: 1.0 * (b > a)), "wrong",
     ["local derivative alone"]),
    (as_maximum(lambda g, y, a, b: g * (a > 0), lambda g, y, a, b: g * (b > 0)), "wrong",
     ["as relu does"]),
    (as_maximum(lambda g, y, a, b: g * (a > b), lambda g, y, a, b: g * (b > a)), "wrong",
     ["tie", "the bar is lost"]),
    (as_maximum(lambda g, y, a, b: g * (a >= b), lambda g, y, a, b: g * (b >= a)), "wrong",
     ["tie", "counted twice"]),
    (as_maximum(lambda g, y, a, b: -g * (a > b), lambda g, y, a, b: -g * (b > a)), "wrong",
     ["sign is flipped"]),
    (as_maximum(lambda g, y, a, b: g * y * (a > b), lambda g, y, a, b: g * y * (b > a)), "wrong",
     ["the max's value"]),
    (as_maximum(lambda g, y, a, b: g * (a >= b), lambda g, y, a, b: 0 * g), "wrong",
     ["b never receives"]),
    (as_maximum(lambda g, y, a, b: np.array([0.0, 0.5, 2.0, -1.0]), _to_b), "wrong",
     ["the message to a has shape (4,)"]),
    (as_maximum(lambda g, y, a, b: np.sum(g * (a > b)), _to_b), "wrong",
     ["the message to a has shape ()"]),
    (as_maximum(lambda g, y, a, b: g * (a > b) + 0.5 * g * (a == b), _mutates_bar), "wrong",
     ["changed its input", "bar was"]),
    (as_maximum(_remembers(), _to_b), "wrong", ["called again", "carries something over"]),
    (as_maximum(_loops, _to_b), "wrong", ["did not finish"]),
    (as_maximum(lambda g, y, a, b: g * (a > b), lambda g, y, a, b: g * (b > a)[0, 0]), "wrong",
     ["raised IndexError"]),
    (np.maximum, "wrong", ["expected an engine Operation"]),
    (OPERATIONS["relu"], "wrong", ["a tuple of two functions"]),
]


@pytest.mark.parametrize("answer, status, words", rows(MAXIMUM))
def test_maximum_message(answer, status, words, short_guard):  # noqa: F811
    assert_row(check_maximum_message, answer, status, words)


def test_maximum_message_mistakes_get_messages_of_their_own(short_guard):  # noqa: F811
    assert_messages_differ(check_maximum_message, MAXIMUM)


# -- the planted bugs -------------------------------------------------------------------------

def test_each_planted_bug_shows_at_its_own_leaf_and_the_engine_rows_pass():
    wrong_leaves = {"sub": ["b"], "sigmoid": ["a"], "matmul": ["b"]}
    for name, op in planted_bugs().items():
        report = check_graph(graph_around(op))
        assert [leaf for leaf, error in report.errors.items() if error > 1e-4] == \
            wrong_leaves[name], (name, report)
        assert check_graph(graph_around(OPERATIONS[name])).ok, name


def test_the_numbers_side_by_side_show_the_kind_of_each_bug():
    bugged = planted_bugs()
    bar, numerical = bar_and_numerical(graph_around(bugged["sub"]), "b")
    np.testing.assert_allclose(bar, -numerical, rtol=1e-6)
    bar, numerical = bar_and_numerical(graph_around(bugged["matmul"]), "b")
    np.testing.assert_allclose(bar, numerical.T, rtol=1e-6)


SOLUTION = (lambda bar, out, a, b: -bar, lambda bar, out, a: bar * out * (1 - out),
            lambda bar, out, a, b: a.T @ bar)


def _fix(which, wrong):
    three = dict(zip(("sub", "sigmoid", "matmul"), SOLUTION, strict=True))
    three[which] = wrong
    return tuple(three.values())


def _mutating_sub(bar, out, a, b):
    bar *= -1
    return bar


def _stateful_sigmoid():
    calls = []

    def sigmoid_message(bar, out, a):
        calls.append(1)
        return bar * out * (1 - out) * (1 if len(calls) <= 2 else 2)
    return sigmoid_message


def _looping_matmul(bar, out, a, b):
    total = 0
    while total >= 0:
        total += 1
    return total


FIXES = [  # (the three messages handed in, status, key words)
    (SOLUTION, "correct", ["all three messages fixed"]),
    ((lambda bar, out, a, b: np.negative(bar), lambda bar, out, a: bar * (out - out ** 2),
      lambda bar, out, a, b: np.dot(a.T, bar)), "correct", []),
    ((lambda bar, out, a, b: -1 * bar, lambda bar, out, a: out * (1 - out) * bar,
      lambda bar, out, a, b: (bar.T @ a).T), "correct", []),
    ((lambda bar, out, a, b: 0 - bar,
      lambda bar, out, a: bar * np.exp(-a) / (1 + np.exp(-a)) ** 2,
      lambda bar, out, a, b: np.einsum("nd,nm->dm", a, bar)), "correct", []),
    ((untouched, untouched, untouched), "not attempted", ["NotImplementedError"]),
    (_fix("sub", lambda bar, out, a, b: bar), "wrong", ["still the planted bug", "which sign"]),
    (_fix("sub", lambda bar, out, a, b: -1 + 0 * bar), "wrong", ["−1", "alone"]),
    (_fix("sub", _mutating_sub), "wrong", ["changed its input"]),
    (_fix("sigmoid", lambda bar, out, a: out * (1 - out)), "wrong",
     ["still the planted bug", "bar is missing"]),
    (_fix("sigmoid", lambda bar, out, a: bar * a * (1 - a)), "wrong",
     ["which argument of the message holds the output"]),
    (_fix("sigmoid", lambda bar, out, a: bar * out), "wrong", ["only out is left"]),
    (_fix("sigmoid", lambda bar, out, a: bar * (1 - out)), "wrong", ["only (1 − out) is left"]),
    (_fix("sigmoid", lambda bar, out, a: np.full((3, 2), 0.2)), "wrong",
     ["sigmoid's message", "is off"]),
    (_fix("sigmoid", _stateful_sigmoid()), "wrong", ["called again"]),
    (_fix("matmul", lambda bar, out, a, b: bar.T @ a), "wrong",
     ["still the planted bug", "shape (4, 2)"]),
    (_fix("matmul", lambda bar, out, a, b: bar @ b.T), "wrong", ["the message to a"]),
    (_fix("matmul", lambda bar, out, a, b: a.T @ np.ones_like(bar)), "wrong",
     ["the bar is missing"]),
    (_fix("matmul", lambda bar, out, a, b: a @ bar), "wrong",
     ["raised ValueError", "match the shapes"]),
    (_fix("matmul", _looping_matmul), "wrong", ["did not finish"]),
]


@pytest.mark.parametrize("answer, status, words", rows(FIXES))
def test_planted_fixes(answer, status, words, short_guard):  # noqa: F811
    assert_row(check_planted_fixes, answer, status, words)


def test_planted_fixes_mistakes_get_messages_of_their_own(short_guard):  # noqa: F811
    assert_messages_differ(check_planted_fixes, FIXES)
