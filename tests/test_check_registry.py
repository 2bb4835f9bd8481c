"""Every registered check, whatever it checks: an untouched exercise is "not attempted", the
reference passes, and a crash, an infinite loop or a change of the inputs gets a one-line ✘;
every mistake row of every check, handed in as a student would, gets its own hint and id back."""
import re
import time

import numpy as np
import pytest
import verdicts
from verdicts import references_allowed, short_guard, untouched  # noqa: F401

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


@pytest.mark.usefixtures("references_allowed")   # a solution may be a refused reference
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


@pytest.mark.usefixtures("references_allowed")   # its answers wrap the reference
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


@pytest.mark.usefixtures("references_allowed")
@pytest.mark.parametrize("name, mistake", [
    pytest.param(name, mistake, id=f"{name}/{mistake.id}") for name, mistake in ROWS])
def test_every_mistake_row_gets_its_own_hint(name, mistake):
    """Handed in as a student would, a row is ✘ with its own id and its own hint: it differs
    from the reference on some configuration (else it could never fire), it runs where the
    student's function runs, and no row before it explains the same answer. (A row made by the
    same factory as the reference runs the reference's code, which the check refuses to a
    student: here the refusal is off; tests/test_checks_refused.py proves it.)"""
    verdict = getattr(checks, name)(*verdicts.handed(name, mistake.computes))
    assert verdict.status != "correct", \
        f"{name}/{mistake.id} equals the reference on every configuration: it can never fire"
    short = name.removeprefix("check_")
    assert verdict.mistake == f"{short}/{mistake.id}", repr(verdict)
    if isinstance(mistake.hint, str):
        assert f"Hint: {mistake.hint}" in verdict.message, repr(verdict)
    assert verdict.check == name
    one_line(verdict)


# -- a first ✘ says what is wrong and where, not what the answer is ---------------------------

def _plain(text: str) -> str:
    return "".join(text.split())


_NAME = re.compile(r"^[\w\u0304\u0305ᵀ']+$")   # y_bar, z̄₂, W̄: a value's name, not a formula


def leaked(rules, message: str, anywhere: bool = False) -> list[str]:
    """The check's own formulas (how its solution computes each value, `formulas`) that the
    message writes out, spaces aside: a formula anywhere ("y − t", "Xᵀ Ȳ"), but a bare name
    ("b_bar = z_bar") or a short one with a number in it ("1/N", "P + 1", which prose uses to
    name a factor) only where the message gives it as a value, after an equals sign (or
    `anywhere`, for a docstring, which has no factor to name)."""
    said = _plain(message)
    found = []
    for formula in rules.formulas.values():
        f = _plain(formula)
        short = len(f) <= 3 and any(c.isdigit() for c in f)
        if (f"={f}" if _NAME.match(formula) or (short and not anywhere) else f) in said:
            found.append(formula)
    return found


def test_every_check_with_mistake_rows_writes_down_its_formulas():
    """The leak test below has something to look for in every check that explains mistakes."""
    bare = [name for name in NAMES if REGISTRY[name].mistakes and not REGISTRY[name].formulas]
    assert not bare, (f"checks without `formulas`: {bare}; write down how the solution computes "
                      "each value (never shown), so that no hint can write it out unnoticed")


@pytest.mark.parametrize("name, mistake", [
    pytest.param(name, mistake, id=f"{name}/{mistake.id}") for name, mistake in ROWS])
def test_no_mistake_row_writes_the_solution_out(name, mistake):
    """Handed in as a student would, a mistake row's ✘ names the value, the configuration and
    the kind of mistake, but none of the formulas the check's solution computes."""
    rules = REGISTRY[name]
    verdict = getattr(checks, name)(*verdicts.handed(name, mistake.computes), show=False)
    assert not leaked(rules, verdict.message), (leaked(rules, verdict.message), repr(verdict))


@pytest.mark.parametrize("name", NAMES)
def test_no_checks_docstring_writes_the_solution_out(name):
    """`help(check_x)` is what a stuck student types first: it gives the contract, not the
    formula (the old docstrings of check_numerical_derivative and check_gradient_descent_step
    did)."""
    assert not leaked(REGISTRY[name], getattr(checks, name).__doc__ or "", anywhere=True), name


@pytest.mark.parametrize("name", NAMES)
def test_no_crash_hint_writes_the_solution_out(name):
    rules = REGISTRY[name]
    for text, hint in rules.crash_hints:
        if isinstance(hint, str):
            assert not leaked(rules, hint), (text, leaked(rules, hint))


def test_the_leaking_messages_of_before_are_gone():
    """Three ✘ that wrote the answer out: notebook 03's dL_dw (with a λ its model does not have),
    06's W̄ and 01's chain rule."""
    def dL_dw(w, x, b, t):
        y = 1 / (1 + np.exp(-(w * x + b)))
        return (y - t) * x                         # σ' is missing

    def dL_db(w, x, b, t):
        y = 1 / (1 + np.exp(-(w * x + b)))
        return (y - t) * y * (1 - y)
    message = checks.check_brute_force_gradients(dL_dw, dL_db, show=False).message
    assert "dL_dw is off: expected −0.09359" in message
    assert "σ'(wx+b)" not in message and "λ" not in message
    message = checks.check_matmul_bar(lambda X, Y_bar: Y_bar.T @ X, show=False).message
    assert "W̄ must have W's shape" in message
    assert "Xᵀ" not in message and "Ȳᵀ" not in message
    message = checks.check_chain_rule(lambda x: 1.2833, show=False).message
    assert message == "on x = 0.8: dz_dx(x) is off: expected 1.2834, got 1.2833."


# -- false accepts: what a check once took for a right answer ---------------------------------

def _formatted(value):
    """`value` with every number in it written as text, as f"{x}" would; None if it holds none."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.number)) or (isinstance(value, np.ndarray) and
                                                      value.ndim == 0):
        return repr(float(value))
    if isinstance(value, (tuple, list)):
        items = [_formatted(v) for v in value]
        return None if all(i is None for i in items) else type(value)(
            v if i is None else i for v, i in zip(value, items, strict=True))
    if isinstance(value, dict):
        items = {k: _formatted(v) for k, v in value.items()}
        return None if all(i is None for i in items.values()) else {
            k: value[k] if items[k] is None else items[k] for k in value}
    return None


def _numbers_of(name):
    """The checks whose solution returns a number somewhere, on their first configuration (not
    those handed something else than functions, a class or an Operation, nor those whose
    `adapt` makes the student's function into another that returns more)."""
    rules = REGISTRY[name]
    if name in verdicts.HAND_IN or rules.adapt:
        return False
    if rules.prepare or not rules.returns:
        rules = rules if not rules.prepare else \
            rules.prepare(rules, *handed(name, lambda i: solution(name, i)))[0]
    if not rules.returns:
        return False
    answer = [f(*rules.make(rules.configurations[0])) for f in
              (rules.solution if isinstance(rules.solution, tuple) else (rules.solution,))]
    return any(_formatted(a) is not None for a in answer)


@pytest.mark.usefixtures("references_allowed")   # its answers wrap the reference
@pytest.mark.parametrize("name", [name for name in NAMES if _numbers_of(name)])
def test_a_number_written_as_text_is_refused(name):
    """numpy reads "1.2834" as 1.2834: a check that compared with it took the text for the
    number. Every number the solution returns, handed back as text, is refused as text."""
    def as_text(i):
        def answer(*args):
            return _formatted(solution(name, i)(*args))
        return answer
    verdict = hand_in(name, as_text)
    assert verdict.status == "wrong" and "number" in verdict.message, repr(verdict)
    one_line(verdict)


CHANGING = [name for name in NAMES if not REGISTRY[name].same_inputs_twice]


def test_the_checks_of_functions_that_change_their_inputs_are_known():
    assert {"check_update_step", "check_sgd_epoch"} <= set(CHANGING)


@pytest.mark.usefixtures("references_allowed")   # its answers wrap the solution
@pytest.mark.parametrize("name", CHANGING)
def test_state_kept_on_the_inputs_is_caught_by_a_second_call_on_them(name):
    """A function that remembers the very objects it was handed (a momentum kept by the
    parameters' ids, say) is right on every first call; called a second time on the same
    objects, it takes a step more than asked, and the check sees it."""
    seen: set = set()

    def remembering(i):
        def answer(*args):
            key = tuple(map(id, args))
            if key in seen:
                solution(name, i)(*args)
            seen.add(key)
            return solution(name, i)(*args)
        return answer
    verdict = hand_in(name, remembering)
    assert verdict.mistake == "carried-over" and "called again" in verdict.message, repr(verdict)
    one_line(verdict)
