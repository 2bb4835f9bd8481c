"""What the tests of every part's checks share: an untouched exercise, a short time guard and
the table of answers each check is tried on."""
import pytest

from course_utils.checks import _runner


def untouched(*args, **kwargs):
    """A student's exercise as the student edition hands it out."""
    raise NotImplementedError()


@pytest.fixture
def short_guard(monkeypatch):
    """Infinite loops stop after 0.3 s, so the suite does not wait on them."""
    monkeypatch.setattr(_runner, "GUARD_SECONDS", 0.3)


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
    verdict = check(*answer) if isinstance(answer, tuple) else check(answer)
    assert verdict.status == status, repr(verdict)
    assert "\n" not in verdict.message and "Traceback" not in verdict.message, repr(verdict)
    for word in words:
        assert word in verdict.message, repr(verdict)


def assert_messages_differ(check, table):
    """Different mistakes get different messages."""
    wrong = [answer for answer, status, _ in table if status == "wrong"]
    verdicts = [check(*a) if isinstance(a, tuple) else check(a) for a in wrong]
    assert_distinct(verdicts)
