"""What the tests of every part's checks share: an untouched exercise, a short time guard and
the table of answers each check is tried on."""
from contextlib import contextmanager

import numpy as np
import pytest

from course_utils.checks import _runner, own_engine
from course_utils.engine import Operation


def untouched(*args, **kwargs):
    """A student's exercise as the student edition hands it out."""
    raise NotImplementedError()


#: The checks' own time guard, which every answer that ends gets (see `guard_for`).
CHECKS_GUARD = _runner.GUARD_SECONDS


@pytest.fixture
def short_guard(monkeypatch):
    """Infinite loops stop after 0.1 s (of spinning), so the suite does not wait on them."""
    monkeypatch.setattr(_runner, "GUARD_SECONDS", 0.1)


@pytest.fixture
def references_allowed(monkeypatch):
    """The answer tables write many a wrong answer as the reference changed in one place: from
    the test file, which the checks take for the student's code, those calls would be refused
    (tests/test_checks_refused.py proves the refusal)."""
    monkeypatch.setattr(_runner, "_refused_codes", lambda references: {})
    monkeypatch.setattr(_runner, "_solution_handed_in", lambda rules, handed_in: None)


@contextmanager
def guard_for(words):
    """The short guard only for an answer a table expects never to end ("did not finish");
    every other answer gets the checks' own guard, so that a busy machine (CI runs three
    workers on two cores) cannot stop a correct answer that waited for the processor."""
    if any("did not finish" in word for word in words):
        yield
        return
    saved, _runner.GUARD_SECONDS = _runner.GUARD_SECONDS, CHECKS_GUARD
    try:
        yield
    finally:
        _runner.GUARD_SECONDS = saved


def assert_wrong(verdict, *phrases):
    assert verdict.status == "wrong", repr(verdict)
    for phrase in phrases:
        assert phrase in verdict.message, repr(verdict)


def assert_distinct(verdicts):
    """Every verdict is "wrong", each with a message of its own."""
    messages = [v.message for v in verdicts]
    assert all(v.status == "wrong" for v in verdicts), messages
    assert len(set(messages)) == len(messages), messages


def rows(table):
    """pytest parameters from a table of (answer, status, key words): one test per answer."""
    return [pytest.param(answer, status, words,
                         id=f"{i}-{status}-{getattr(answer, '__name__', '')}")
            for i, (answer, status, words) in enumerate(table)]


def assert_row(check, answer, status, words):
    """The check gives `status` to `answer`, in one line that holds every key word."""
    with guard_for(words):
        verdict = check(*answer) if isinstance(answer, tuple) else check(answer)
    assert verdict.status == status, repr(verdict)
    assert "\n" not in verdict.message and "Traceback" not in verdict.message, repr(verdict)
    for word in words:
        assert word in verdict.message, repr(verdict)


def assert_messages_differ(check, table):
    """Different mistakes get different messages."""
    verdicts = []
    for answer, status, words in table:
        if status == "wrong":
            with guard_for(words):
                verdicts.append(check(*answer) if isinstance(answer, tuple) else check(answer))
    assert_distinct(verdicts)


def table_tests(tables, reset=lambda: None):
    """The two tests every part's answer tables get, for `tables` of (check, table): each answer
    gets its verdict, and different mistakes get different messages (with at least 10 wrong and
    3 correct answers a check). `reset` clears the state the stateful answers keep."""
    @pytest.mark.parametrize("check, answer, status, words", [
        pytest.param(check, *row.values, id=f"{check.__name__}-{row.id}")
        for check, table in tables for row in rows(table)])
    def test_each_answer_gets_its_verdict(check, answer, status, words, short_guard):
        reset()
        assert_row(check, answer, status, words)

    @pytest.mark.parametrize("check, table", tables, ids=[c.__name__ for c, _ in tables])
    def test_different_mistakes_get_different_messages(check, table, short_guard):
        reset()
        assert_messages_differ(check, table)
        assert sum(status == "wrong" for _, status, _ in table) >= 10
        assert sum(status == "correct" for _, status, _ in table) >= 3

    return test_each_answer_gets_its_verdict, test_different_mistakes_get_different_messages


#: How a student hands in the functions of the checks that take something else than them: an
#: engine Operation built around the message functions the student wrote.
def scalar_class(answer):
    """check_scalar_engine takes a class: a function handed to it becomes the backward pass of
    an otherwise right class, so an untouched, crashing or endless function stays one."""
    if isinstance(answer, type):
        return answer

    class Handed(own_engine._Right):
        def backward(self):
            answer()
    return Handed


HAND_IN = {
    "check_scalar_engine": scalar_class,
    "check_new_operation": lambda message: Operation(
        "softplus", lambda a: np.logaddexp(0.0, a), (message,), "softplus({0})",
        ("softplus'({0})",)),
    "check_maximum_message": lambda message_a, message_b: Operation(
        "my_maximum", np.maximum, (message_a, message_b), "max({0}, {1})",
        ("∂max/∂{0}", "∂max/∂{1}")),
}


def handed(name: str, functions) -> list:
    """What a student hands in to the check named `name`, given the function(s) they wrote."""
    functions = list(functions) if isinstance(functions, (tuple, list)) else [functions]
    return [HAND_IN[name](*functions)] if name in HAND_IN else functions
