"""What every check shares: the student's errors in one line at the student's line, a time guard
that leaves the kernel usable, and numbers shown with the digits it takes to tell them apart."""
import dataclasses
import signal
import sys
import threading

import numpy as np
import pytest
from verdicts import short_guard  # noqa: F401

from course_utils.checks import _runner, check_chain_rule
from course_utils.checks._runner import KINDS, Verdict, _Stop, call, guarded
from course_utils.engine import Node
from course_utils.notation import compared


def verdict_of(function, *args):
    with pytest.raises(_Stop) as stopped:
        call(function, *args)
    return stopped.value.verdict


def test_an_untouched_exercise_is_not_attempted():
    def exercise():
        raise NotImplementedError()
    assert verdict_of(exercise).status == "not attempted"


def test_an_error_inside_the_library_is_quoted_at_the_students_line():
    def exercise():
        node = Node(1.0)
        node.value = Node(2.0)  # the engine refuses this, deep in as_value
    verdict = verdict_of(exercise)
    assert verdict.status == "wrong" and "raised TypeError" in verdict.message
    assert "`node.value = Node(2.0)  # the engine refuses this, deep in as_value`" \
        in verdict.message


def test_an_error_inside_numpy_is_quoted_at_the_students_line():
    def exercise():
        return np.ones(3) @ np.ones(2)
    verdict = verdict_of(exercise)
    assert "raised ValueError" in verdict.message
    assert "`return np.ones(3) @ np.ones(2)`" in verdict.message


def values_of(node):
    return [a.value for a in node.args]


def test_a_helper_called_wrongly_is_quoted_at_the_students_call():
    def forward_pass(order):
        for node in order:
            node.value = values_of(node.parents)[0]
    verdict = verdict_of(forward_pass, [Node(1.0) + Node(2.0)])
    assert "inside `values_of`, called from your line" in verdict.message
    assert "`node.value = values_of(node.parents)[0]`" in verdict.message
    assert "defined as `values_of(node)`" in verdict.message


def test_an_infinite_loop_stops_and_leaves_the_trace_and_alarm_as_they_were(short_guard):  # noqa: F811
    def spin():
        while True:
            pass
    trace, handler = sys.gettrace(), signal.getsignal(signal.SIGALRM)
    verdict = verdict_of(spin)
    assert verdict.status == "wrong" and "did not finish within 0.1 s" in verdict.message
    assert sys.gettrace() is trace and signal.getsignal(signal.SIGALRM) is handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_guard_works_outside_the_main_thread_too(short_guard):  # noqa: F811
    def count_forever():
        i = 0
        while i >= 0:
            i += 1
    verdicts = []
    thread = threading.Thread(target=lambda: verdicts.append(verdict_of(count_forever)))
    thread.start()
    thread.join(5)
    assert verdicts and "did not finish" in verdicts[0].message


def test_a_fast_function_is_not_stopped_by_a_guard_left_behind(monkeypatch):
    monkeypatch.setattr(_runner, "GUARD_SECONDS", 0.05)
    assert guarded(lambda: 7) == 7
    sum(range(10 ** 6))          # well past 0.05 s later, nothing fires


def test_an_interrupt_is_a_verdict_without_a_traceback():
    def interrupted():
        raise KeyboardInterrupt
    verdict = verdict_of(interrupted)
    assert verdict.status == "interrupted" and "interrupted" in repr(verdict)


def test_numbers_are_shown_with_the_digits_that_tell_them_apart():
    assert compared(1.2833, 1.28335) == ("", "1.2833", "1.28335")
    assert compared(3.0, -2.0) == ("", "3", "−2")
    where, expected, got = compared(np.array([1.0, 2.0]), np.array([1.0, 2.0000001]))
    assert where == "" and expected != got


def test_a_matrix_is_shown_on_one_line_at_its_first_entry_that_differs():
    want = np.arange(6.0).reshape(3, 2)
    got = want.copy()
    got[2, 0] += 0.001
    assert compared(want, got) == ("[2, 0]", "4", "4.001")
    assert compared(want, want.T) == ("", "[[0, 1], [2, 3], [4, 5]]", "[[0, 2, 4], [1, 3, 5]]")


def test_a_verdict_is_data_shown_as_one_line():
    verdict = Verdict("wrong", "w_bar is off", "bar_notation/forgot-sigma-prime",
                      "check_bar_notation")
    assert repr(verdict) == "✘ Not yet: w_bar is off" and not verdict.ok
    assert Verdict("correct", "right").mistake is None and Verdict("correct", "right").ok
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.status = "correct"  # type: ignore[misc]


def test_a_verdict_names_its_check_and_the_mistake_that_explains_it():
    verdict = check_chain_rule(lambda x: np.cos(x ** 2))
    assert verdict.check == "check_chain_rule"
    assert verdict.mistake == "chain_rule/no-inner-derivative"
    unexplained = check_chain_rule(lambda x: x + 1.0)
    assert unexplained.mistake == "wrong-value" and unexplained.mistake in KINDS


def test_state_kept_between_calls_is_carried_over():
    calls = []

    def dz_dx(x):
        calls.append(x)
        return np.cos(x ** 2) * 2 * x + (len(calls) > 4)
    verdict = check_chain_rule(dz_dx)
    assert verdict.mistake == "carried-over" and "called again" in verdict.message, repr(verdict)


def _shown(shell, cell: str) -> list[str]:
    """The verdict lines a notebook would show for `cell`, run in `shell`."""
    from IPython.utils.capture import capture_output
    with capture_output() as captured:
        shell.run_cell(cell, store_history=True)   # as a kernel runs a cell: counted
    return [output.data["text/plain"] for output in captured.outputs]


def test_a_verdict_shows_where_the_check_is_called_and_once_as_the_cells_last_value():
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    shell.user_ns.update(check_chain_rule=check_chain_rule, answer=lambda x: x + 1.0)
    expected = repr(check_chain_rule(lambda x: x + 1.0))
    assert _shown(shell, "check_chain_rule(answer)\nprint('then this')") == [expected]
    assert _shown(shell, "check_chain_rule(answer)") == [expected]
    assert _shown(shell, "verdict = check_chain_rule(answer)") == [expected]
    assert _shown(shell, "verdict") == [expected]    # asked for again in a later cell
    assert _shown(shell, "check_chain_rule(answer, show=False).status") == []


def test_an_expected_value_that_is_the_answer_itself_is_not_shown():
    """L̄ is 1 on every configuration and R̄ is λ, a number of the configuration: "expected 1"
    or "expected 0.1" would write the line's answer out; the ✘ says which way it is off."""
    import numpy as np

    from course_utils.checks import check_bar_notation_regularised

    def bars(w, x, b, t, lam, L_bar=1.0, R_bar=None):
        y = 1 / (1 + np.exp(-(w * x + b)))
        R_bar = lam if R_bar is None else R_bar
        y_bar = L_bar * (y - t)
        z_bar = y_bar * y * (1 - y)
        return 1.0, R_bar, L_bar, y_bar, z_bar, z_bar * x + R_bar * w, z_bar

    for wrong, name in ((dict(L_bar=0.9), "L_bar"), (dict(R_bar=0.05), "R_bar")):
        verdict = check_bar_notation_regularised(
            lambda w, x, b, t, lam, wrong=wrong: bars(w, x, b, t, lam, **wrong), show=False)
        assert f"{name} is off" in verdict.message and "expected" not in verdict.message, \
            repr(verdict)
        assert "too small" in verdict.message
