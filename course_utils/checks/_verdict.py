"""What every exercise check shares: calling the student's code safely and the verdict.

A check never shows a traceback. It says one of three things: correct; the first wrong step,
expected against got, with a hint; or "not attempted yet" while the exercise still raises
NotImplementedError. Each check is a function decorated with `@check`.
"""
from __future__ import annotations

import functools
import sysconfig
import traceback
from pathlib import Path

import numpy as np

#: Where library code lives: an error's line is quoted from the student's code, not from these.
_LIBRARIES = (str(Path(__file__).resolve().parents[1]), sysconfig.get_paths()["purelib"],
              sysconfig.get_paths()["stdlib"])


class Verdict:
    """The outcome of a check; shown as one short text in the notebook."""

    MARKS = {"correct": "✔ Correct", "wrong": "✘ Not yet", "not attempted": "… Not attempted yet"}

    def __init__(self, status: str, message: str):
        self.status, self.message = status, message

    @property
    def ok(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        return f"{self.MARKS[self.status]}: {self.message}"


def correct(message: str) -> Verdict:
    return Verdict("correct", message)


def wrong(message: str) -> Verdict:
    return Verdict("wrong", message)


class _Stop(Exception):
    """Raised inside a check to end it with a verdict."""

    def __init__(self, verdict: Verdict):
        self.verdict = verdict


def call_student(function, *args, **kwargs):
    """Call the student's function; stop the check with a verdict if it cannot run.

    NotImplementedError means the exercise is untouched; any other exception is reported as
    one line (its type, message and the line of the student's code it came from).
    """
    name = getattr(function, "__name__", "your function")
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise _Stop(Verdict("not attempted", f"`{name}` still raises NotImplementedError. "
                            "Replace `raise NotImplementedError()` with your code.")) from None
    except Exception as error:  # the student's bug, reported without a traceback
        frames = traceback.extract_tb(error.__traceback__)[1:]  # [0] is this function
        students = [f for f in frames if not f.filename.startswith(_LIBRARIES)]
        where = students[-1] if students else None
        code = f": `{where.line}`" if where and where.line else ""
        line = f" (in `{where.name}`, line {where.lineno}{code})" if where else ""
        raise _Stop(wrong(f"`{name}` raised {type(error).__name__}: {error}{line}")) from None


def check(check_function):
    """Decorator: a check returns a Verdict, or stops early through call_student/stop."""
    @functools.wraps(check_function)
    def run(*args, **kwargs) -> Verdict:
        try:
            return check_function(*args, **kwargs)
        except _Stop as stop:
            return stop.verdict
    return run


def stop(verdict: Verdict):
    """End the check now with this verdict."""
    raise _Stop(verdict)


def fmt(value) -> str:
    """A number with 4 significant digits; an array compactly."""
    array = np.asarray(value, dtype=float) if not isinstance(value, np.ndarray) else value
    if array.ndim == 0:
        return f"{float(array):.4g}"
    return np.array2string(array, precision=4, suppress_small=True, separator=", ")


def compare(name: str, expected, got, formula: str = "", hint: str = "", rtol: float = 1e-6):
    """None if `got` matches `expected`; else a message naming `name`, expected and got.

    `formula` shows how the expected value is computed (e.g. "y_bar·σ'(z)").
    """
    if got is None:
        return (f"{name} is None: did you forget to compute or return it?"
                + (f" Hint: {hint}" if hint else ""))
    try:
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{name} should be a number or an array, got {type(got).__name__}."
    expected = np.asarray(expected, dtype=float)
    if got_array.shape != expected.shape:
        return (f"{name} has shape {got_array.shape}, expected {expected.shape}"
                + (f" (the shape of {formula})" if formula else "") + ".")
    if np.allclose(got_array, expected, rtol=rtol, atol=1e-10):
        return None
    shown = f"{formula} = {fmt(expected)}" if formula else fmt(expected)
    return (f"{name} is off: expected {shown}, got {fmt(got_array)}."
            + (f" Hint: {hint}" if hint else ""))
