"""The checks of notebook 06's backward flow: the messages of maximum, the planted bugs."""
import numpy as np
import pytest
from verdicts import assert_wrong, untouched

from course_utils.checks.flow import (
    bar_and_numerical,
    check_maximum_message,
    check_planted_fixes,
    graph_around,
    planted_bugs,
)
from course_utils.engine import OPERATIONS, Operation, maximum
from course_utils.gradcheck import check_graph


def as_maximum(message_a, message_b):
    return Operation("my_maximum", np.maximum, (message_a, message_b), "max({0}, {1})",
                     ("∂max/∂{0}", "∂max/∂{1}"))


def test_untouched_exercises_are_not_attempted():
    for verdict in (check_maximum_message(as_maximum(untouched, untouched)),
                    check_planted_fixes(untouched, untouched, untouched)):
        assert verdict.status == "not attempted", repr(verdict)
        assert "NotImplementedError" in verdict.message


# -- the messages of maximum --------------------------------------------------------------------

RIGHT_MAXIMUMS = {
    "the engine's own row (half each at a tie)": maximum,
    "np.where, a tie to a": as_maximum(lambda bar, out, a, b: np.where(a >= b, bar, 0.0),
                                       lambda bar, out, a, b: np.where(a >= b, 0.0, bar)),
    "heaviside, half each at a tie": as_maximum(
        lambda bar, out, a, b: bar * np.heaviside(a - b, 0.5),
        lambda bar, out, a, b: bar * np.heaviside(b - a, 0.5)),
    "a tie to b": as_maximum(lambda bar, out, a, b: bar * (a > b),
                             lambda bar, out, a, b: bar * (b >= a)),
}


@pytest.mark.parametrize("name", RIGHT_MAXIMUMS)
def test_every_way_of_routing_the_bar_passes(name):
    verdict = check_maximum_message(RIGHT_MAXIMUMS[name])
    assert verdict.ok, repr(verdict)
    assert "max routes" in verdict.message


def _mutates_bar(bar, out, a, b):
    bar *= (b > a) + 0.5 * (a == b)
    return bar


def _loops(bar, out, a, b):
    while True:
        pass


def _stateful():
    seen = set()

    def message(bar, out, a, b):
        key = a.tobytes()
        again = key in seen
        seen.add(key)
        return 0 * bar if again else bar * ((a > b) + 0.5 * (a == b))
    return message


def _to_b(bar, out, a, b):
    return bar * ((b > a) + 0.5 * (a == b))


WRONG_MAXIMUMS = [
    ("add distributes", lambda g, y, a, b: g, lambda g, y, a, b: g, ["add distributes"]),
    ("multiply swaps", lambda g, y, a, b: g * b, lambda g, y, a, b: g * a, ["multiply swaps"]),
    ("to the smaller", lambda g, y, a, b: g * (b > a), lambda g, y, a, b: g * (a > b),
     ["smaller argument"]),
    ("no bar", lambda g, y, a, b: 1.0 * (a > b), lambda g, y, a, b: 1.0 * (b > a),
     ["local derivative alone"]),
    ("relu", lambda g, y, a, b: g * (a > 0), lambda g, y, a, b: g * (b > 0), ["as relu does"]),
    ("tie lost", lambda g, y, a, b: g * (a > b), lambda g, y, a, b: g * (b > a),
     ["tie", "the bar is lost"]),
    ("tie twice", lambda g, y, a, b: g * (a >= b), lambda g, y, a, b: g * (b >= a),
     ["tie", "counted twice"]),
    ("sign", lambda g, y, a, b: -g * (a > b), lambda g, y, a, b: -g * (b > a),
     ["sign is flipped"]),
    ("times the value", lambda g, y, a, b: g * y * (a > b), lambda g, y, a, b: g * y * (b > a),
     ["the max's value"]),
    ("b forgotten", lambda g, y, a, b: g * (a >= b), lambda g, y, a, b: 0 * g,
     ["b never receives"]),
    ("hard-coded", lambda g, y, a, b: np.array([0.0, 0.5, 2.0, -1.0]), _to_b,
     ["the message to a", "shape"]),
    ("summed to one number", lambda g, y, a, b: np.sum(g * (a > b)), _to_b,
     ["the message to a has shape ()"]),
    ("mutates its input", lambda g, y, a, b: g * (a > b) + 0.5 * g * (a == b), _mutates_bar,
     ["changed its input", "bar was"]),
    ("crashes", lambda g, y, a, b: g * (a > b), lambda g, y, a, b: g * (b > a)[0, 0],
     ["raised IndexError"]),
]


@pytest.mark.parametrize("name, message_a, message_b, phrases", WRONG_MAXIMUMS,
                         ids=[row[0] for row in WRONG_MAXIMUMS])
def test_each_wrong_maximum_gets_its_own_message(name, message_a, message_b, phrases):
    assert_wrong(check_maximum_message(as_maximum(message_a, message_b)), *phrases)


def test_a_message_that_remembers_its_last_call_is_named():
    assert_wrong(check_maximum_message(as_maximum(_stateful(), _to_b)), "called again",
                 "carries something over")


def test_a_message_that_never_returns_is_stopped():
    assert_wrong(check_maximum_message(as_maximum(_loops, _to_b)), "did not finish")


def test_something_else_than_an_operation_is_refused_in_one_line():
    assert_wrong(check_maximum_message(np.maximum), "expected an engine Operation")
    assert_wrong(check_maximum_message(OPERATIONS["relu"]), "a tuple of two functions")


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


RIGHT_FIXES = {
    "the solution": (lambda bar, out, a, b: -bar, lambda bar, out, a: bar * out * (1 - out),
                     lambda bar, out, a, b: a.T @ bar),
    "numpy spellings": (lambda bar, out, a, b: np.negative(bar),
                        lambda bar, out, a: bar * (out - out ** 2),
                        lambda bar, out, a, b: np.dot(a.T, bar)),
    "the transpose transposed back": (lambda bar, out, a, b: -1 * bar,
                                      lambda bar, out, a: out * (1 - out) * bar,
                                      lambda bar, out, a, b: (bar.T @ a).T),
    "einsum, σ from a": (lambda bar, out, a, b: 0 - bar,
                         lambda bar, out, a: bar * np.exp(-a) / (1 + np.exp(-a)) ** 2,
                         lambda bar, out, a, b: np.einsum("nd,nm->dm", a, bar)),
}


@pytest.mark.parametrize("name", RIGHT_FIXES)
def test_every_right_fix_passes(name):
    verdict = check_planted_fixes(*RIGHT_FIXES[name])
    assert verdict.ok, repr(verdict)
    assert "all three messages fixed" in verdict.message


def _fix(which, wrong):
    three = dict(zip(("sub", "sigmoid", "matmul"), RIGHT_FIXES["the solution"], strict=True))
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


WRONG_FIXES = [
    ("sub unchanged", _fix("sub", lambda bar, out, a, b: bar), ["still the planted bug", "−bar"]),
    ("sub without bar", _fix("sub", lambda bar, out, a, b: -1 + 0 * bar), ["−1", "alone"]),
    ("sub mutates bar", _fix("sub", _mutating_sub), ["changed its input"]),
    ("sigmoid unchanged", _fix("sigmoid", lambda bar, out, a: out * (1 - out)),
     ["still the planted bug", "bar times it"]),
    ("sigmoid of the input", _fix("sigmoid", lambda bar, out, a: bar * a * (1 - a)),
     ["`out`, not the input a"]),
    ("sigmoid without 1 − out", _fix("sigmoid", lambda bar, out, a: bar * out),
     ["(1 − out) is missing"]),
    ("sigmoid without out", _fix("sigmoid", lambda bar, out, a: bar * (1 - out)),
     ["factor out is missing"]),
    ("sigmoid hard-coded", _fix("sigmoid", lambda bar, out, a: np.full((3, 2), 0.2)),
     ["sigmoid's message", "is off"]),
    ("matmul unchanged", _fix("matmul", lambda bar, out, a, b: bar.T @ a),
     ["still the planted bug", "shape (4, 2)"]),
    ("matmul message to a", _fix("matmul", lambda bar, out, a, b: bar @ b.T),
     ["the message to a"]),
    ("matmul without bar", _fix("matmul", lambda bar, out, a, b: a.T @ np.ones_like(bar)),
     ["the bar is missing"]),
    ("matmul shapes that do not fit", _fix("matmul", lambda bar, out, a, b: a @ bar),
     ["raised ValueError", "match the shapes"]),
    ("matmul never returns", _fix("matmul", _looping_matmul), ["did not finish"]),
]


@pytest.mark.parametrize("name, fixes, phrases", WRONG_FIXES, ids=[row[0] for row in WRONG_FIXES])
def test_each_wrong_fix_gets_its_own_message(name, fixes, phrases):
    assert_wrong(check_planted_fixes(*fixes), *phrases)


def test_a_fix_that_changes_between_calls_is_named():
    assert_wrong(check_planted_fixes(*_fix("sigmoid", _stateful_sigmoid())), "called again")
