"""The one runner behind every exercise check, and the registry of checks.

A check is data (`@check(...)` on a function with the public name and signature): the
configurations it tries, a `make` that builds one configuration's arguments afresh, the reference
`solution` (a function with the student's signature), the typical `mistakes` as (a function
computing that mistake, hint) rows, and `crash_hints` as (text in the error, hint) rows.

For each configuration the runner calls the student's function on the real objects, under a time
guard, and compares all it can observe (what came back, the state of the arguments) with what
the solution leaves on a fresh copy; then calls again, to catch state kept between calls. It
names, in this order: a crash or a loop that never ends; an input changed that the solution
leaves alone; a wrong value a typical mistake explains; a different answer to the same call; any
other wrong value. A check never shows a traceback.
"""
from __future__ import annotations

import functools
import inspect
import linecache
import numbers
import signal
import sys
import sysconfig
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..engine import Node, topological_order
from ..notation import compared, factor

#: How long the student's function may run before the check gives up on it (seconds).
GUARD_SECONDS = 3.0

#: Where library code lives: an error's line is quoted from the student's code, not from these.
_LIBRARIES = (str(Path(__file__).resolve().parents[1]), sysconfig.get_paths()["purelib"],
              sysconfig.get_paths()["stdlib"])


class Verdict:
    """The outcome of a check; shown as one short text in the notebook."""

    MARKS = {"correct": "✔ Correct", "wrong": "✘ Not yet", "not attempted": "… Not attempted yet",
             "interrupted": "⏹ Interrupted"}

    def __init__(self, status: str, message: str):
        self.status, self.message = status, message

    @property
    def ok(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        return f"{self.MARKS[self.status]}: {self.message}"


class _Stop(Exception):
    """Ends a run with a verdict (raised and caught inside this module only)."""

    def __init__(self, status: str, message: str):
        self.verdict = Verdict(status, message)


class _OutOfTime(BaseException):
    """Raised in the student's code by the guard; a BaseException: `except Exception` misses it."""


def stop(message: str):
    """End the check now with a ✘ verdict (for a `judge` or a `prepare` step)."""
    raise _Stop("wrong", message)


def same(a, b, rtol: float = 1e-6) -> bool:
    """Equal as numbers (to rtol), shapes included; None only equals None."""
    if a is None or b is None:
        return a is b
    try:
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return bool(type(a) is type(b) and repr(a) == repr(b))
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=rtol, atol=1e-10, equal_nan=True))


# -- calling the student's code: time guard, crashes quoted at the student's line -------------

def _library(code) -> bool:
    return code.co_filename.startswith(_LIBRARIES)  # where a student's code is not


def guarded(function, *args):
    """Call `function(*args)`, stopped by _OutOfTime after GUARD_SECONDS.

    Two guards, since neither covers everything: a trace function (works in any thread, but a
    bare `while True: pass` emits no line events) and, in the main thread (the kernel's and
    pytest's), a SIGALRM timer (the interpreter checks it on every backward jump). Both are
    undone afterwards, so the kernel stays usable.
    """
    deadline = time.monotonic() + GUARD_SECONDS
    active = True

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise _OutOfTime
        return None if _library(frame.f_code) else tracer

    def alarm(signum, frame):
        if active:
            raise _OutOfTime

    timer = threading.current_thread() is threading.main_thread() and \
        hasattr(signal, "setitimer")
    if timer:
        previous_handler = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, GUARD_SECONDS)
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return function(*args)
    finally:
        active = False
        sys.settrace(previous)
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)


def _name(function) -> str:
    """`name` of a function (or code object); "your function" for a lambda."""
    name = getattr(function, "__name__", None) or getattr(function, "co_name", None) or \
        type(function).__name__
    return "your function" if name == "<lambda>" else f"`{name}`"


def call(function, *args, hints: Sequence = (), state: Any = None, where: str = ""):
    """The student's function applied to args, or a _Stop with a one-line verdict."""
    name = _name(function)
    where = f"on {where}: " if where else ""
    try:
        return guarded(function, *args)
    except _OutOfTime:
        raise _Stop("wrong", f"{where}{name} did not finish within {GUARD_SECONDS:g} s: look for a "
                    "loop that never ends (a `while` whose condition never changes, a stack "
                    "that never empties, a recursion without a base case).") from None
    except KeyboardInterrupt:
        raise _Stop("interrupted", f"you interrupted {name} before it finished; if it seemed "
                    "stuck, look for a loop that never ends.") from None
    except NotImplementedError as error:
        frames = [f for f, _ in traceback.walk_tb(error.__traceback__) if not _library(f.f_code)]
        which = _name(frames[-1].f_code) if frames else name
        raise _Stop("not attempted", f"{which} still raises NotImplementedError. Replace "
                    "`raise NotImplementedError()` with your code.") from None
    except Exception as error:  # the student's bug, reported without a traceback
        raise _Stop("wrong", where + _crash(function, error, hints, state)) from None


def _crash(function, error: Exception, hints: Sequence, state: Any) -> str:
    """One line: the error, the student's line it came from, and a hint if one fits.

    When the error comes from a helper the student called (a function of the notebook), the
    student's call is quoted with the helper's signature: the mistake is in the call.
    """
    said = f"{type(error).__name__}: {error}"
    frames = [(f, n) for f, n in traceback.walk_tb(error.__traceback__) if not _library(f.f_code)]
    at = ""
    if frames:
        deepest, line = frames[-1]
        at = f" (in `{deepest.f_code.co_name}`, line {line}{_source(deepest, line)})"
        mine = [(f, n) for f, n in frames[:-1] if f.f_code is getattr(function, "__code__", 0)]
        if mine and deepest.f_code is not mine[-1][0].f_code and \
                not deepest.f_code.co_name.startswith("<"):  # not a lambda or comprehension
            helper, (caller, n) = deepest.f_code.co_name, mine[-1]
            defined = deepest.f_globals.get(helper)
            signature = inspect.signature(defined) if inspect.isfunction(defined) else "(...)"
            at = (f" inside `{helper}`, called from your line {n}{_source(caller, n)}; "
                  f"`{helper}` is defined as `{helper}{signature}`: check what you give it")
    hint = ""
    for text, advice in hints:
        hint = (advice(state) if callable(advice) else advice) if text in said else ""
        if hint:
            break
    return f"{_name(function)} raised {said}{at}." + (f" Hint: {hint}" if hint else "")


def _source(frame, line: int) -> str:
    code = linecache.getline(frame.f_code.co_filename, line, frame.f_globals).strip()
    return f": `{code}`" if code else ""


# -- observing everything a call can change ----------------------------------------------------

def snapshot(value):
    """A copy of a value as it is now: None, text, an array of floats, or its repr."""
    if value is None or isinstance(value, (str, bytes)):
        return value
    try:
        return np.array(value, dtype=float)
    except (TypeError, ValueError):
        return repr(value)


def observe(value, name: str, into: dict, graph: bool = True) -> dict:
    """Record under readable names what can be seen of `value`: numbers, arrays, the items of a
    list or a dict (a dict's keys in any order), and for a node its graph's values, bars and
    parents."""
    if isinstance(value, Node):
        nodes = topological_order(value) if graph else [value]
        for node in nodes:
            into[f"{node.label}.value"] = snapshot(node.value)
            into[f"{node.label}.bar"] = snapshot(node.bar)
            parents: tuple = node.parents
            into[f"the parents of {node.label}"] = tuple(p.label for p in parents)
    elif isinstance(value, np.ndarray):
        into[name] = value.copy()
    elif isinstance(value, (list, tuple, dict)):
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        into[name] = "a dict with the keys " + ", ".join(sorted(map(str, value))) \
            if isinstance(value, dict) else \
            tuple(v.label if isinstance(v, Node) else k for k, v in items)  # a list in order
        for key, item in items:
            observe(item, f"{name}[{key!r}]" if isinstance(key, str) else f"{name}[{key}]", into,
                    graph=False)
    elif isinstance(value, numbers.Number):
        into[name] = value
    return into


# -- a check as data -------------------------------------------------------------------------

@dataclass
class Exercise:
    """Everything a check knows, as data; see the module's docstring and README's recipe."""
    notebook: str
    exercise: str
    solution: Callable | tuple                   # one per student function, their signature
    configurations: Sequence[dict]               # the inputs tried; each names its `label`
    make: Callable[[dict], tuple]                # a configuration -> fresh arguments
    mistakes: Sequence[tuple] = ()               # (function(s) of a mistake, hint or hint(name))
    crash_hints: Sequence[tuple] = ()            # (text in the error, hint or hint(arguments))
    returns: tuple = ("the result",)             # names of the returned values (a dict's
    #                                              compared key by key); () = ignored
    formulas: dict = field(default_factory=dict)  # name (or ".value") -> how it is computed
    judge: Callable | None = None                # (args, returned) -> problem or None; then
    judged: tuple | None = None                  # these returned values (default: all) are
    #                                              judged, not compared
    observed: Callable | None = None             # arguments -> {name: value}, else observe()
    prepare: Callable | None = None              # (rules, *handed in) -> (rules, functions)
    hand_in: Callable | None = None              # solution-like function(s) -> what is handed in
    same_inputs_twice: bool = True               # call again on the same objects (else fresh)
    rtol: float = 1e-6
    success: str | Callable = "right on every configuration tried."


#: Every registered check by its public name, for the registry-wide tests.
REGISTRY: dict[str, Exercise] = {}


def check(notebook: str, exercise: str, **spec):
    """Register the decorated function as the check of `exercise` in `notebook`.

    The function gives the public name, signature and docstring; its body is not used.
    """
    def register(function):
        rules = Exercise(notebook, exercise, **spec)
        REGISTRY[function.__name__] = rules

        @functools.wraps(function)
        def run_check(*handed_in) -> Verdict:
            try:
                return run(rules, *handed_in)
            except _Stop as stopped:
                return stopped.verdict
            except KeyboardInterrupt:
                return Verdict("interrupted", "you interrupted the check before it finished.")
        return run_check
    return register


def _tuple(functions) -> tuple:
    return tuple(functions) if isinstance(functions, (tuple, list)) else (functions,)


def _seen(rules: Exercise, args: tuple) -> dict:
    """What can be observed of the arguments, by name."""
    if rules.observed:
        return dict(rules.observed(*args))
    seen: dict = {}
    parameters = inspect.signature(_tuple(rules.solution)[0]).parameters
    for name, arg in zip(parameters, args, strict=False):
        observe(arg, name, seen)
    return seen


def _outcome(rules: Exercise, functions: tuple, args: tuple, student: str = "") -> tuple[dict, Any]:
    """Call the function(s) on args: ({name: value} of everything observable, returned).

    `student` is the configuration's label when the functions are the student's."""
    returned = [call(f, *args, hints=rules.crash_hints, state=args, where=student) if student
                else f(*args) for f in functions]
    seen: dict = {}
    values = _unpack(returned[0], rules.returns, _name(functions[0])) \
        if len(functions) == 1 and len(rules.returns) > 1 else returned
    for name, value in zip(rules.returns, values, strict=False):  # returns=(): none
        if isinstance(value, dict) and not rules.judge:  # compared key by key
            observe(value, name, seen)
        else:
            seen[name] = value
    seen.update(_seen(rules, args))
    return seen, returned[0] if len(returned) == 1 else tuple(returned)


def _unpack(result, names, function_name) -> list:
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = "None" if result is None else (
            f"{len(result)} values" if isinstance(result, (tuple, list)) else
            f"one {type(result).__name__}")
        raise _Stop("wrong", f"{function_name} should return {len(names)} values "
                    f"({', '.join(names)}), in this order; got {got}.")
    return list(result)


def run(rules: Exercise, *handed_in) -> Verdict:
    """Apply the rules to what the student handed in: see the module's docstring."""
    if rules.prepare:
        rules, handed_in = rules.prepare(rules, *handed_in)
    functions = _tuple(handed_in)
    runs: list = []
    for configuration in rules.configurations:
        args = rules.make(configuration)
        before = _seen(rules, args)
        try:
            got, returned = _outcome(rules, functions, args, configuration["label"])
        except _Stop as crash:  # a wrong value on an earlier configuration says more
            wrong = _first_wrong(rules, runs, {})
            raise _Stop("wrong", wrong[0]) if wrong and crash.verdict.status == "wrong" \
                else crash from None
        want = _outcome(rules, _tuple(rules.solution), rules.make(configuration))[0]
        where = f"on {configuration['label']}"
        for name in before:
            if same(want.get(name), before[name]) and not same(got.get(name), before[name]):
                at, was, now = compared(before[name], got.get(name))
                now = now if name in got else "gone (no longer reached)"
                raise _Stop("wrong", f"{where}, your function changed its input: {name}{at} was "
                            f"{was}, is now {now}. Leave what you are given as it is: build new "
                            "values (`a = a - ...`, `sorted(x)`) instead of changing them in "
                            "place (`a -= ...`, `x.sort()`, `.pop()`).")
        problem = rules.judge(args, returned) if rules.judge else None
        if problem:
            raise _Stop("wrong", f"{where}: {problem}")
        runs.append((configuration, got, want, args))
    wrong = _first_wrong(rules, runs, {})
    if wrong and wrong[1]:
        raise _Stop("wrong", wrong[0])
    for configuration, got, _, args in runs:
        again = _outcome(rules, functions, args if rules.same_inputs_twice
                         else rules.make(configuration), configuration["label"])[0]
        changed = [name for name in got if not same(again.get(name), got[name], rules.rtol)]
        if changed:
            at, first, second = compared(got[changed[0]], again.get(changed[0]))
            raise _Stop("wrong", f"called again on {configuration['label']}, your function "
                        f"gave {changed[0]}{at} = {second} instead of {first}: it carries "
                        "something over from one call to the next (a global variable, a default "
                        "argument that is a list or a dict, a bar that keeps growing). Each call "
                        "must start afresh.")
    if wrong:
        raise _Stop("wrong", wrong[0])
    return Verdict("correct", rules.success(runs[0][1]) if callable(rules.success)
                   else rules.success)


def _first_wrong(rules: Exercise, runs: list, explained: dict) -> tuple[str, str] | None:
    """(message, hint) for the first observable that differs from the solution's, or None."""
    judged = (rules.returns if rules.judged is None else rules.judged) if rules.judge else ()
    for configuration, got, want, _ in runs:
        for name in (n for n in want if n not in judged):
            if not same(got.get(name), want.get(name), rules.rtol):
                hint = _hint(rules, name, runs, explained)
                return f"on {configuration['label']}: " + _wrong_value(
                    rules, name, want.get(name), got.get(name), hint), hint
    return None


def _hint(rules: Exercise, name: str, runs: list, explained: dict) -> str:
    """The hint of the mistake that explains the student's answer at every configuration (up
    to `name` where there is one; all the returned values if one does) and differs from the
    solution at `name` at one at least: at one point alone a match can be chance."""
    partial = ""
    for i, (mistake, hint) in enumerate(rules.mistakes):
        differs, whole = False, True
        for configuration, got, want, _ in runs:
            key = (i, configuration["label"])
            if key not in explained:
                try:
                    explained[key] = _outcome(rules, _tuple(mistake), rules.make(configuration))[0]
                except Exception:  # a mistake that cannot happen on this configuration
                    explained[key] = {}
            theirs, names = explained[key], list(want)
            upto = names[:names.index(name) + 1] if name in names else names
            if any(not same(theirs.get(n), got.get(n), rules.rtol) for n in upto):
                break
            differs = differs or not same(theirs.get(name), want.get(name), rules.rtol)
            whole = whole and all(same(theirs.get(n), got.get(n), rules.rtol)
                                  for n in rules.returns)
        else:
            hint = hint(name) if callable(hint) else hint
            if differs and whole:
                return hint
            partial = partial or (hint if differs else "")
    return partial


def _wrong_value(rules: Exercise, name: str, expected, got, hint: str) -> str:
    tail = f" Hint: {hint}" if hint else ""
    if got is None:
        return f"{name} is None: did you forget to compute or `return` it?{tail}"
    if isinstance(expected, str):  # what a dict holds
        return (f"{name} should be {expected}; got "
                f"{got if isinstance(got, str) else type(got).__name__}.{tail}")
    if isinstance(got, (str, bytes)):
        return f"{name} should be a number, got the text {got!r}.{tail}"
    try:
        array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{name} should be a number or an array, got {type(got).__name__}.{tail}"
    formula = rules.formulas.get(name, rules.formulas.get(name[name.find("."):], ""))
    if array.shape != np.shape(expected):
        where = f" (the shape of {formula})" if formula else ""
        return f"{name} has shape {array.shape}, expected {np.shape(expected)}{where}.{tail}"
    at, want, have = compared(expected, array, rules.rtol)
    formula = factor(formula) + at if formula and at else formula
    return (f"{name}{at} is off: expected {formula + ' = ' if formula else ''}{want}, got "
            f"{have}.{tail}")
