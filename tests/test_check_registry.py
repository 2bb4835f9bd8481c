"""Every registered check, whatever it checks: an untouched exercise is "not attempted", the
reference passes, and a crash, an infinite loop or a change of the inputs gets a one-line ✘;
every mistake row of every check, handed in as a student would, gets its own hint and id back."""
import time

import numpy as np
import pytest
import verdicts
from verdicts import short_guard, untouched  # noqa: F401

from course_utils import checks
from course_utils.checks._runner import REGISTRY
from course_utils.engine import Node, topological_order

NAMES = sorted(REGISTRY)


def handed(name, function) -> list:
    """What a student hands in to the check named `name`: `function(i)` for each function it
    takes, as the notebook hands them in."""
    rules = REGISTRY[name]
    count = len(rules.solution) if isinstance(rules.solution, tuple) else 1
    return verdicts.handed(name, [function(i) for i in range(count)])


def hand_in(name, function):
    """Run the check named `name` on `function`, one copy per student function it takes."""
    return getattr(checks, name)(*handed(name, function))


def solution(name, i):
    rules = REGISTRY[name]
    return rules.solution[i] if isinstance(rules.solution, tuple) else rules.solution


def one_line(verdict):
    assert "\n" not in verdict.message and "Traceback" not in verdict.message, repr(verdict)


def test_every_check_is_registered_with_its_notebook():
    assert len(NAMES) >= 4
    for name in NAMES:
        assert hasattr(checks, name) and REGISTRY[name].notebook[:2].isdigit(), name


@pytest.mark.parametrize("name", NAMES)
def test_untouched_exercise_is_not_attempted(name):
    verdict = hand_in(name, lambda i: untouched)
    assert verdict.status == "not attempted" and "Not attempted yet" in repr(verdict)
    assert verdict.mistake is None and verdict.check == name


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_passes(name):
    verdict = hand_in(name, lambda i: solution(name, i))
    assert verdict.status == "correct" and verdict.ok, repr(verdict)
    assert verdict.mistake is None and verdict.check == name


@pytest.mark.parametrize("name", NAMES)
def test_a_crash_is_one_line(name):
    def crashing(*args):
        return 1 / 0
    verdict = hand_in(name, lambda i: crashing)
    assert verdict.status == "wrong" and "ZeroDivisionError" in verdict.message
    assert verdict.mistake == "crash", repr(verdict)
    one_line(verdict)


@pytest.mark.parametrize("name", NAMES)
def test_an_infinite_loop_is_stopped_by_the_guard(name, short_guard):  # noqa: F811
    def looping(*args):
        while True:
            pass
    start = time.monotonic()
    verdict = hand_in(name, lambda i: looping)
    assert time.monotonic() - start < 2.0
    assert verdict.status == "wrong" and "did not finish" in verdict.message
    assert verdict.mistake == "time-out"
    one_line(verdict)


def mutate(args) -> bool:
    """Change the first argument that can be changed in place; False if none can."""
    for arg in args:
        if isinstance(arg, dict) and mutate(list(arg.values())):
            return True
        if isinstance(arg, list) and len(arg) > 1:
            arg.reverse()
            return True
        if isinstance(arg, np.ndarray) and arg.flags.writeable and arg.size:
            arg += 1.0
            return True
        if isinstance(arg, Node):
            leaf = next(n for n in topological_order(arg) if n.op is None)
            leaf.value = leaf.value + 1.0
            return True
    return False


@pytest.mark.parametrize("name", NAMES)
def test_a_change_of_the_inputs_is_named(name):
    rules = REGISTRY[name]
    if rules.prepare:
        rules = rules.prepare(rules, *handed(name, lambda i: solution(name, i)))[0]
    if not any(mutate(rules.make(c)) for c in rules.configurations):
        pytest.skip("every input is a number or a function: nothing can change in place")

    def mutating(i):
        def answer(*args):
            result = solution(name, i)(*args)
            mutate(args)
            return result
        return answer
    verdict = hand_in(name, mutating)
    assert verdict.status == "wrong" and "changed" in verdict.message, repr(verdict)
    assert verdict.mistake == "changed-input"
    one_line(verdict)


ROWS = [(name, mistake) for name in NAMES for mistake in REGISTRY[name].mistakes]


def test_mistake_ids_are_unique_within_each_check():
    for name in NAMES:
        ids = [mistake.id for mistake in REGISTRY[name].mistakes]
        assert len(ids) == len(set(ids)), (name, ids)


@pytest.mark.parametrize("name, mistake", [
    pytest.param(name, mistake, id=f"{name}/{mistake.id}") for name, mistake in ROWS])
def test_every_mistake_row_gets_its_own_hint(name, mistake):
    """Handed in as a student would, a row is ✘ with its own id and its own hint: it differs
    from the reference on some configuration (else it could never fire), it runs where the
    student's function runs, and no row before it explains the same answer."""
    verdict = getattr(checks, name)(*verdicts.handed(name, mistake.computes))
    assert verdict.status != "correct", \
        f"{name}/{mistake.id} equals the reference on every configuration: it can never fire"
    short = name.removeprefix("check_")
    assert verdict.mistake == f"{short}/{mistake.id}", repr(verdict)
    if isinstance(mistake.hint, str):
        assert f"Hint: {mistake.hint}" in verdict.message, repr(verdict)
    assert verdict.check == name
    one_line(verdict)
