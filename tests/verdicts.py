"""What the tests of every part's checks share: an untouched exercise and verdict assertions."""


def untouched(*args, **kwargs):
    """A student's exercise as the student edition hands it out."""
    raise NotImplementedError()


def assert_wrong(verdict, *phrases):
    assert verdict.status == "wrong", repr(verdict)
    for phrase in phrases:
        assert phrase in verdict.message, repr(verdict)


def assert_distinct(verdicts):
    """Every verdict is "wrong", each with a message of its own."""
    messages = [v.message for v in verdicts]
    assert all(v.status == "wrong" for v in verdicts), messages
    assert len(set(messages)) == len(messages), messages
