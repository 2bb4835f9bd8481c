"""The one runner behind every exercise check, and the registry of checks.

A check is data (`@check(...)` on a function with the public name and signature): the
configurations it tries, a `make` that builds one configuration's arguments afresh, the reference
`solution` (a function with the student's signature), the typical `mistakes` as `Mistake` rows
and `crash_hints` as (text in the error, hint) rows.

A mistake row is `Mistake(id, computes, hint)`: `computes` is what the function of a student
with that mistake computes, with the student's signature (a tuple of functions when the student
hands in several); `hint` is the text shown when it explains the student's answer (or a function
of the wrong value's name giving it); `id` names the mistake, stable across rewordings of the
hint (`"forgot-sigma-prime"`). `but(lines, **wrong)` builds "the solution with these lines
wrong" for a solution written as named lines.

For each configuration the runner calls the student's function on the real objects, under a time
guard, and compares all it can observe (what came back, the state of the arguments) with what
the solution leaves on a fresh copy; then calls again on the same objects, to catch state kept
between calls. `run` is a pipeline of stages, each a `Verdict` or None, in this order: a crash
or a loop that never ends (after a wrong value on an earlier configuration, that value says
more); an input changed that the solution leaves alone; an answer a `judge` rejects; a wrong
value a typical mistake explains; for an `exact` check (a derivative by a formula), values right
only to the digits of an estimate (a finite difference); a different answer to the same call;
any other wrong value. A check never shows a traceback.

A `Verdict` is data, shown as one line (its repr) where the check is called, mid-cell too
(`show=False` returns it unseen, for code that reports on it itself):

    status    "correct", "wrong", "not attempted" or "interrupted"
    message   the line after the mark (✔ Correct: ...)
    mistake   for a wrong answer, the id of what explained it: "<check>/<row id>" of the mistake
              row that matched (e.g. "bar_notation/forgot-sigma-prime", the check's name without
              `check_`), or one of the runner's own KINDS; None otherwise
    check     the registry's name of the check ("check_bar_notation")
"""
from __future__ import annotations

import dataclasses
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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np

from ..engine import Node, topological_order
from ..notation import compared

#: How long the student's function may run before the check gives up on it (seconds).
GUARD_SECONDS = 3.0
RETRY_SECONDS = 0.01   # an alarm that lands in library code tries again this much later

#: Where library code lives: an error's line is quoted from the student's code, not from these.
_COURSE_UTILS, _CHECKS = str(Path(__file__).resolve().parents[1]), str(Path(__file__).parent)
_LIBRARIES = (_COURSE_UTILS, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"])

#: The runner's own mistake kinds, when no mistake row explains a wrong answer.
KINDS = {
    "crash": "the function raised an error",
    "time-out": "the function did not finish within GUARD_SECONDS",
    "calls-the-reference": "the function called a reference answer the check refuses",
    "threads-running": "threads the student's code started were still running at the check",
    "computer-algebra": "a computer algebra system worked the derivative out",
    "changed-input": "the function changed an input that the solution leaves alone",
    "carried-over": "a second call on the same inputs gave another answer (state kept)",
    "wrong-value": "a value differs from the solution's (or a judge rejected the answer)",
    "wrong-shape": "an array has another shape than the solution's",
    "returned-none": "a value is None, or the function returned nothing",
    "wrong-type": "a value of the wrong kind: text for a number, not an Operation, ...",
    "wrong-count": "another number of values than the contract asks for",
    "finite-difference": "right only to a finite difference's digits where a formula is asked",
}

#: How close an `exact` check's values must be: a formula in any form agrees to about 1e-15
#: (rounding), a central difference at best to about 1e-11, at the usual steps to 1e-10 or worse.
EXACT_RTOL, EXACT_ATOL = 1e-12, 1e-15
#: Right to this (about 3 digits) but not to EXACT_RTOL, a value is taken for an estimate.
ESTIMATE_RTOL = 1e-3


@dataclass(frozen=True)
class Verdict:
    """The outcome of a check; shown as one short text in the notebook (see the module)."""
    status: str
    message: str
    mistake: str | None = None
    check: str = ""

    MARKS: ClassVar[dict[str, str]] = {
        "correct": "✔ Correct", "wrong": "✘ Not yet", "not attempted": "… Not attempted yet",
        "interrupted": "⏹ Interrupted"}

    @property
    def ok(self) -> bool:
        return self.status == "correct"

    def __repr__(self) -> str:
        return f"{self.MARKS[self.status]}: {self.message}"

    def show(self) -> None:
        """Show the verdict in the notebook now, wherever in its cell the check was called; as
        the cell's last value it is then not shown a second time (see `_ipython_display_`)."""
        shell = _shell()
        if shell is not None:
            from IPython.display import display
            display({"text/plain": repr(self)}, raw=True)
            object.__setattr__(self, "_shown_in", shell.execution_count)

    def _ipython_display_(self) -> None:
        """IPython's hook for showing an object: skipped in the cell that has shown it already."""
        shell = _shell()
        if shell is None or getattr(self, "_shown_in", None) != shell.execution_count:
            self.show()


def _shell():
    """The running IPython shell (a notebook's kernel), or None in plain Python."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


@dataclass(frozen=True)
class Mistake:
    """A typical mistake: its id, what a student's function with it computes, and its hint."""
    id: str
    computes: Callable | tuple
    hint: str | Callable[[str], str]


def but(lines: dict[str, Callable], **wrong: Callable) -> Callable[..., SimpleNamespace]:
    """The solution written as `lines` (name -> how that value is computed from the values so
    far, `v.<name>`), but with the `wrong` lines computed the mistaken way: a function from the
    given values (keywords) to all of them. A wrong line may read the right value of its own
    name (`v.z_bar * ...`: a student who went one step too far)."""
    unknown = set(wrong) - set(lines)
    assert not unknown, f"no such line: {', '.join(unknown)}"

    def values(**given) -> SimpleNamespace:
        v = SimpleNamespace(**given)
        for name, line in lines.items():
            setattr(v, name, line(v))
            if name in wrong:
                setattr(v, name, wrong[name](v))
        return v
    return values


class _Stop(Exception):
    """Ends a check with a verdict, from a `prepare`, `make` or `judge` step (see `stop`)."""

    def __init__(self, verdict: Verdict):
        self.verdict = verdict


class _OutOfTime(BaseException):
    """Raised in the student's code by the guard; a BaseException: `except Exception` misses it."""


class _ReferenceCalled(BaseException):
    """Raised by the guard in a refused reference answer that the student's code called."""


class _Direct(str):
    """The name of a function refused only when the student's code calls it itself: the
    course's own helpers may call it for the student (forward mode's `tangent_message` calls
    the engine's messages, which a hand-made reverse pass would call directly)."""


def directly(references) -> list:
    """`references` ((name, function) pairs) refused only when called by the student's code
    itself, not through the course's helpers."""
    return [(_Direct(name), function) for name, function in references]


class _Estimate(str):
    """The name of one of the course's finite differences, refused where a formula is asked."""


class _Algebra(str):
    """The name of computer algebra's work (sympy's diff, a function lambdify made from it),
    refused where a derivative is to be worked out."""


#: The key under which `_refused_now` refuses every function sympy's lambdify generated.
_LAMBDIFIED = "<lambdifygenerated"


def _estimators() -> dict:
    """{code: name} of the course's finite differences (the gradient check's, through
    `numerical_bar` and `check_graph` too, and the explorers' when no derivative is given), with
    the verdict of an estimate, and, if the student has imported sympy, its derivatives: an
    `exact` check refuses them."""
    from ..gradcheck import numerical_gradient
    from ..widgets.states import _derivative
    quotient = next(c for c in _derivative.__code__.co_consts if inspect.iscode(c))
    refused: dict = {numerical_gradient.__code__: _Estimate("gradcheck.numerical_gradient"),
                     quotient: _Estimate("the explorer's difference quotient")}
    sympy = sys.modules.get("sympy")
    if sympy is not None:
        refused |= {sympy.diff.__code__: _Algebra("sympy.diff"),
                    sympy.Expr.diff.__code__: _Algebra("sympy's diff"),
                    _LAMBDIFIED: _Algebra("a function sympy.lambdify made")}
    return refused


#: The threads alive when the checks were imported (the kernel's own daemons).
_THREADS_BEFORE = {thread.ident for thread in threading.enumerate()}


def _the_students(thread: threading.Thread) -> bool:
    """Whether `thread` is the student's: not a daemon (a thread pool's workers are not), or a
    daemon started since the checks were imported that runs the student's code (IPython's
    history thread, started later in some front ends, runs a library's)."""
    if not thread.daemon:
        return True
    if thread.ident in _THREADS_BEFORE:
        return False
    code = getattr(inspect.unwrap(getattr(thread, "_target", None) or type(thread).run),
                   "__code__", None)
    return code is not None and not _library(code)


def _threads_running() -> Verdict | None:
    """A ✘ when threads the student's code started still run: a reference called in one would
    escape the refusal (only the threads a check's call starts are traced)."""
    here = (threading.current_thread(), threading.main_thread())
    theirs = [t.name for t in threading.enumerate() if t not in here and _the_students(t)]
    if not theirs:
        return None
    return Verdict("wrong", f"threads your code started are still running ({', '.join(theirs)}): "
                   "the check runs your function alone. Stop them (`executor.shutdown()`, "
                   "`thread.join()`) or restart the kernel, then run the check again.",
                   "threads-running")


#: The code of the reference answers refused while a student's function runs (see `refuses`),
#: and how each is named in the verdict.
_refused_now: dict = {}


def stop(message: str, mistake: str = "wrong-value"):
    """End the check now with a ✘ verdict (for a `judge`, a `make` or a `prepare` step)."""
    raise _Stop(Verdict("wrong", message, mistake))


def same(a, b, rtol: float = 1e-6) -> bool:
    """Equal as numbers (to rtol), shapes included; None only equals None, text only text."""
    if a is None or b is None:
        return a is b
    if _text(a) != _text(b):   # numpy reads "1.28" as 1.28: a formatted number is not one
        return False
    try:
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return bool(type(a) is type(b) and repr(a) == repr(b))
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=rtol, atol=1e-10, equal_nan=True))


class _Keys(str):
    """How `observe` records a dict, "a dict with the keys ...": not the student's text."""


def _text(value) -> bool:
    """Text, or a list or array holding text (not `observe`'s description of a dict)."""
    if isinstance(value, _Keys):
        return False
    if isinstance(value, (list, tuple)):
        return any(_text(item) for item in value)
    return isinstance(value, (str, bytes)) or (
        isinstance(value, np.ndarray) and value.dtype.kind in "US")


# -- calling the student's code: time guard, crashes quoted at the student's line -------------

def _library(code) -> bool:
    return code.co_filename.startswith(_LIBRARIES)  # where a student's code is not


def _asked_by_the_student(frame) -> bool:
    """Whether a call made while the student's function runs, from `frame`, is the student's:
    its nearest caller outside the libraries (numpy's `np.vectorize(f)`, the standard library's
    `map(f, ...)`, and course_utils's own helpers, the stepper's recording say, all call for
    the student) is the student's code, the runner's call of what was handed in, or none (in
    another thread); not the checks' own code (a mistake row calling a reference)."""
    below = None
    while frame is not None and _library(frame.f_code) and \
            not frame.f_code.co_filename.startswith(_CHECKS):
        below, frame = frame, frame.f_back
    if frame is not None and frame.f_code is _HANDED_IN_CALL:   # the course's own function
        return below is None or not below.f_code.co_filename.startswith(_COURSE_UTILS)  # a demo
    return frame is None or not frame.f_code.co_filename.startswith(_CHECKS)


def _by_the_students_own_line(frame) -> bool:
    """Whether `frame`, the caller, is the student's code itself (not a library's)."""
    return frame is not None and not _library(frame.f_code)


def guarded(function, *args):
    """Call `function(*args)`, stopped by _OutOfTime after GUARD_SECONDS.

    Two guards, since neither covers everything: a trace function (works in any thread, but a
    bare `while True: pass` emits no line events) and, in the main thread (the kernel's and
    pytest's), a SIGALRM timer (the interpreter checks it on every backward jump). Both stop the
    student's code, not the library's: an alarm that lands in library code is put off by
    RETRY_SECONDS (at most GUARD_SECONDS in all), so that a library `finally` that undoes a
    change (a check's refused references, say) runs to its end. Both are undone afterwards, so
    the kernel stays usable.
    """
    deadline = time.monotonic() + GUARD_SECONDS
    active = True

    def tracer(frame, event, arg):
        if not active:                     # a thread the student's code started outlives it
            return None
        name = _refused_now.get(frame.f_code)
        if name is None and frame.f_code.co_filename.startswith(_LAMBDIFIED):
            name = _refused_now.get(_LAMBDIFIED)
        if name is not None and (_by_the_students_own_line(frame.f_back)
                                 if isinstance(name, _Direct)
                                 else _asked_by_the_student(frame.f_back)):
            raise _ReferenceCalled(name)                   # called by the student's code
        if _library(frame.f_code):
            return None
        if time.monotonic() > deadline:
            raise _OutOfTime
        return tracer

    def alarm(signum, frame):
        if not active:
            return
        if frame is not None and _library(frame.f_code) and \
                time.monotonic() < deadline + GUARD_SECONDS:
            signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
            return
        raise _OutOfTime

    timer = threading.current_thread() is threading.main_thread() and \
        hasattr(signal, "setitimer")
    if timer:
        previous_handler = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, GUARD_SECONDS)
    previous, previous_threads = sys.gettrace(), threading.gettrace()
    sys.settrace(tracer)
    threading.settrace(tracer)             # the threads the student's code starts, guarded too
    try:
        return function(*args)
    finally:
        active = False
        sys.settrace(previous)
        threading.settrace(previous_threads)  # type: ignore[arg-type]
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)


def _name(function) -> str:
    """`name` of a function (or code object); "your function" for a lambda."""
    name = getattr(function, "__name__", None) or getattr(function, "co_name", None) or \
        type(function).__name__
    return "your function" if name == "<lambda>" else f"`{name}`"


def attempt(function, *args, hints: Sequence = (), state: Any = None,
            where: str = "") -> tuple[Any, Verdict | None]:
    """(what the student's function returned, None), or (None, the verdict on its failure)."""
    name = _name(function)
    where = f"on {where}: " if where else ""
    try:
        return guarded(function, *args), None
    except _OutOfTime:
        return None, Verdict("wrong", f"{where}{name} did not finish within {GUARD_SECONDS:g} s: "
                             "look for a loop that never ends (a `while` whose condition never "
                             "changes, a stack that never empties, a recursion without a base "
                             "case), or one that runs once per entry of a large array where a "
                             "formula would do.", "time-out")
    except _ReferenceCalled as called:
        if isinstance(called.args[0], _Algebra):
            return None, Verdict("wrong", f"{where}{name} calls `{called}`, computer algebra: "
                                 "the exercise asks you to work the derivative out yourself "
                                 "(checking it with sympy afterwards is a good habit).",
                                 "computer-algebra")
        if isinstance(called.args[0], _Estimate):
            return None, Verdict("wrong", f"{where}{name} calls `{called}`, an estimate by "
                                 "finite differences: the exercise asks for the derivative "
                                 "itself, by a formula, with no step ε.", "finite-difference")
        return None, Verdict("wrong", f"{where}{name} calls `{called}`, a reference answer of "
                             "this exercise, which the check refuses: the exercise is to compute "
                             "it yourself.", "calls-the-reference")
    except KeyboardInterrupt:
        return None, Verdict("interrupted", f"you interrupted {name} before it finished; if it "
                             "seemed stuck, look for a loop that never ends.")
    except NotImplementedError as error:
        frames = [f for f, _ in traceback.walk_tb(error.__traceback__) if not _library(f.f_code)]
        which = _name(frames[-1].f_code) if frames else name
        return None, Verdict("not attempted", f"{which} still raises NotImplementedError. "
                             "Replace `raise NotImplementedError()` with your code.")
    except Exception as error:  # the student's bug, reported without a traceback
        return None, Verdict("wrong", where + _crash(function, error, hints, state), "crash")


def call(function, *args, hints: Sequence = (), state: Any = None, where: str = ""):
    """The student's function applied to args; a failure ends the check (for `prepare` and
    `make` steps that call the student's code)."""
    returned, failed = attempt(function, *args, hints=hints, state=state, where=where)
    if failed:
        raise _Stop(failed)
    return returned


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
        code = getattr(inspect.unwrap(function), "__code__", 0)
        mine = [(f, n) for f, n in frames[:-1] if f.f_code is code]
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
        into[name] = _Keys("a dict with the keys " + ", ".join(sorted(map(str, value)))) \
            if isinstance(value, dict) else \
            tuple(v.label if isinstance(v, Node) else k for k, v in items)  # a list in order
        for key, item in items:
            item_name = f"{name}[{key!r}]" if isinstance(key, str) else f"{name}[{key}]"
            observe(item, item_name, into, graph=False)
            if isinstance(value, dict) and isinstance(item, Node):
                into[item_name] = item   # a node where an array belongs: named as what it is
    elif isinstance(value, (numbers.Number, str, bytes)):
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
    mistakes: Sequence[Mistake] = ()             # the typical mistakes, tried in this order
    crash_hints: Sequence[tuple] = ()            # (text in the error, hint or hint(arguments))
    returns: tuple = ("the result",)             # names of the returned values (a dict's
    #                                              compared key by key); () = ignored
    formulas: dict = field(default_factory=dict)  # name (or ".value") -> how the solution
    #                                              computes it; never shown (a ✘ must not
    #                                              give the answer away)
    judge: Callable | None = None                # (args, returned) -> problem or None; then
    judged: tuple | None = None                  # these returned values (default: all) are
    #                                              judged, not compared
    observed: Callable | None = None             # arguments -> {name: value}, else observe()
    prepare: Callable | None = None              # (rules, *handed in) -> (rules, functions)
    refuses: Callable[[], Sequence] | None = None  # the reference answers the student's
    #                                              functions may not call: functions, or (name,
    #                                              function); given by a function, resolved
    #                                              when the check runs
    adapt: Callable | None = None                # what is handed in -> the functions tried
    #                                              (a class -> a function of it); runs where
    #                                              the student's code runs: in the grader, the
    #                                              worker (then `adapted=True`); a ValueError
    #                                              is the student's ✘
    same_inputs_twice: bool = True               # a second call gives the first's answer
    #                                              (else the solution's second one)
    rtol: float = 1e-6
    exact: bool = False                          # a formula's value: equal to rounding (see
    #                                              EXACT_RTOL), not only to rtol
    shows_expected: bool = True                  # False: a wrong value's ✘ says which way it
    #                                              is off, not the value (a count, whose value
    #                                              on one network gives its formula away)
    success: str | Callable = "right on every configuration tried."
    name: str = ""                               # the registry's name, set by @check


#: Every registered check by its public name, for the registry-wide tests.
REGISTRY: dict[str, Exercise] = {}


def check(notebook: str, exercise: str, **spec):
    """Register the decorated function as the check of `exercise` in `notebook`.

    The function gives the public name, signature and docstring; its body is not used.
    """
    def register(function):
        rules = Exercise(notebook, exercise, **spec, name=function.__name__)
        REGISTRY[function.__name__] = rules

        @functools.wraps(function)
        def run_check(*handed_in, show: bool = True, adapted: bool = False) -> Verdict:
            try:
                running = _threads_running()
                if running:
                    raise _Stop(running)
                itself = _solution_handed_in(rules, handed_in)
                if itself:
                    raise _Stop(_handed_in_itself(itself))
                if rules.adapt and not adapted:
                    handed_in = _adapted(rules.adapt, handed_in)
                verdict = run(rules, *handed_in)
            except _Stop as stopped:
                verdict = stopped.verdict
            except KeyboardInterrupt:
                verdict = Verdict("interrupted", "you interrupted the check before it finished.")
            verdict = dataclasses.replace(verdict, check=rules.name)
            if show:
                verdict.show()
            return verdict
        return run_check
    return register


def _adapted(adapt: Callable, handed_in: tuple) -> tuple:
    """The functions a check with an `adapt` tries, or its ✘ for what cannot be adapted."""
    try:
        return tuple(adapt(*handed_in))
    except ValueError as error:
        raise _Stop(Verdict("wrong", str(error), "wrong-type")) from None


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


def _outcome(rules: Exercise, functions: tuple, args: tuple,
             student: str | None = None) -> Verdict | tuple[dict, Any]:
    """Call the function(s) on args: ({name: value} of everything observable, returned), or the
    verdict on a failure. `student` is the configuration's label when the functions are the
    student's (then called under the guard)."""
    returned = []
    for f in functions:
        if student is None:
            returned.append(f(*args))
            continue
        value, failed = attempt(f, *args, hints=rules.crash_hints, state=args, where=student)
        if failed:
            return failed
        returned.append(value)
    values: list | Verdict = returned
    if len(functions) == 1 and len(rules.returns) > 1:
        values = _unpacked(returned[0], rules.returns, _name(functions[0]))
    if isinstance(values, Verdict):
        return values
    seen: dict = {}
    judged = (rules.returns if rules.judged is None else rules.judged) if rules.judge else ()
    for name, value in zip(rules.returns, values, strict=False):  # returns=(): none
        if isinstance(value, dict) and name not in judged:  # compared key by key
            observe(value, name, seen)
        else:
            seen[name] = value
    seen.update(_seen(rules, args))
    return seen, returned[0] if len(returned) == 1 else tuple(returned)


def _unpacked(result, names, function_name) -> list | Verdict:
    if isinstance(result, (tuple, list)) and len(result) == len(names):
        return list(result)
    got = "None" if result is None else (
        f"{len(result)} values" if isinstance(result, (tuple, list)) else
        f"one {type(result).__name__}")
    return Verdict("wrong", f"{function_name} should return {len(names)} values "
                   f"({', '.join(names)}), in this order; got {got}.",
                   "returned-none" if result is None else "wrong-count")


def _reference(rules: Exercise, functions: tuple, configuration: dict) -> dict:
    """What the solution (or a mistake) leaves on fresh arguments; {} if it cannot run there."""
    try:
        outcome = _outcome(rules, functions, rules.make(configuration))
    except Exception:  # a mistake that cannot happen on this configuration
        return {}
    return {} if isinstance(outcome, Verdict) else outcome[0]


# -- the pipeline: the runs, then one stage per kind of verdict, in the documented order ------

@dataclass
class Run:
    """One configuration tried: its arguments (as the student's call left them), what could be
    observed after that call (`got`) and after the solution's on a fresh copy (`want`)."""
    configuration: dict
    args: tuple
    got: dict
    want: dict
    returned: Any
    changed: str | None = None     # the first input the student's call changed
    problem: str | None = None     # what the judge found wrong

    @property
    def where(self) -> str:
        return f"on {self.configuration['label']}"


@dataclass
class Attempt:
    """What the student handed in, tried on the configurations until the first that fails."""
    rules: Exercise
    functions: tuple
    runs: list[Run]
    failed: Verdict | None            # the call that crashed, ran out of time, ...
    explained: dict = field(default_factory=dict)   # (row, label) -> what a mistake leaves

    @functools.cached_property
    def first_wrong(self) -> Verdict | None:
        """The first observable that differs from the solution's, with the hint of the mistake
        that explains it, if one does."""
        return _first_wrong(self)


def _tried(rules: Exercise, functions: tuple) -> Attempt:
    """Call the student's functions on each configuration, stopping after the first on which
    they fail, change an input or give an answer the judge rejects."""
    runs: list[Run] = []
    for configuration in rules.configurations:
        args = rules.make(configuration)
        before = _seen(rules, args)
        outcome = _outcome(rules, functions, args, configuration["label"])
        if isinstance(outcome, Verdict):
            return Attempt(rules, functions, runs, outcome)
        got, returned = outcome
        reference = _outcome(rules, _tuple(rules.solution), rules.make(configuration))
        assert not isinstance(reference, Verdict), f"the solution fails: {reference}"
        want = reference[0]
        run = Run(configuration, args, got, want, returned)
        run.changed = next((name for name in before if same(want.get(name), before[name])
                            and not same(got.get(name), before[name])), None)
        if run.changed:
            at, was, now = compared(before[run.changed], got.get(run.changed))
            run.changed = f"{run.changed}{at} was {was}, is now " + (
                now if run.changed in got else "gone (no longer reached)")
        run.problem = rules.judge(args, returned) if rules.judge and not run.changed else None
        runs.append(run)
        if run.changed or run.problem:
            break
    return Attempt(rules, functions, runs, None)


def _failed(attempt: Attempt) -> Verdict | None:
    """A crash or a time-out; a wrong value on an earlier configuration says more, and a crash
    that a typical mistake makes too gets that mistake's hint."""
    failed = attempt.failed
    if failed and failed.status == "wrong" and attempt.first_wrong:
        return attempt.first_wrong
    if failed and failed.mistake == "crash":
        mistake = _crashing(attempt, failed.message)
        if mistake:
            hint = mistake.hint("") if callable(mistake.hint) else mistake.hint
            return Verdict("wrong", f"{failed.message.partition(' Hint: ')[0]} Hint: {hint}",
                           _row_id(attempt.rules, mistake))
    return failed


def _crashing(attempt: Attempt, message: str) -> Mistake | None:
    """The mistake that gives the student's answers before the crash and raises the same error
    on the next configuration."""
    rules = attempt.rules
    configuration = rules.configurations[len(attempt.runs)]
    for mistake in rules.mistakes:
        try:
            _outcome(rules, _tuple(mistake.computes), rules.make(configuration))
            continue
        except Exception as error:
            if f" raised {type(error).__name__}: {error}" not in message:
                continue
        if all(same(_reference(rules, _tuple(mistake.computes), run.configuration).get(n),
                    run.got.get(n), rules.rtol) for run in attempt.runs for n in run.got):
            return mistake
    return None


def _changed_input(attempt: Attempt) -> Verdict | None:
    run = attempt.runs[-1] if attempt.runs else None
    if not run or not run.changed:
        return None
    return Verdict("wrong", f"{run.where}, your function changed its input: {run.changed}. "
                   "Leave what you are given as it is: build new values (`a = a - ...`, "
                   "`sorted(x)`) instead of changing them in place (`a -= ...`, `x.sort()`, "
                   "`.pop()`).", "changed-input")


def _judged(attempt: Attempt) -> Verdict | None:
    """An answer the judge rejects, with the hint of a mistake that gives the same answer on
    every configuration tried (on one alone a match can be chance: an empty answer is every
    row's that finds nothing there)."""
    run = attempt.runs[-1] if attempt.runs else None
    if not run or not run.problem:
        return None
    rules = attempt.rules
    judged = rules.returns if rules.judged is None else rules.judged

    def gives_the_same(i, mistake, tried) -> bool:
        key = (i, tried.configuration["label"])
        if key not in attempt.explained:
            attempt.explained[key] = _reference(rules, _tuple(mistake.computes),
                                                tried.configuration)
        theirs = attempt.explained[key]
        return bool(theirs) and all(same(theirs.get(n), tried.got.get(n), rules.rtol)
                                    for n in judged)
    for i, mistake in enumerate(rules.mistakes):
        if judged and all(gives_the_same(i, mistake, tried) for tried in attempt.runs):
            hint = mistake.hint(judged[0]) if callable(mistake.hint) else mistake.hint
            return Verdict("wrong", f"{run.where}: {run.problem} Hint: {hint}",
                           _row_id(rules, mistake))
    return Verdict("wrong", f"{run.where}: {run.problem}",
                   "returned-none" if run.returned is None else "wrong-value")


def _explained(attempt: Attempt) -> Verdict | None:
    """A wrong value that a typical mistake explains."""
    wrong = attempt.first_wrong
    return wrong if wrong and wrong.mistake not in KINDS else None


def _carried_over(attempt: Attempt) -> Verdict | None:
    """Called again on the same inputs, the function gives another answer: for a function that
    changes its inputs (same_inputs_twice=False: a step, an epoch), another answer than the
    solution's second call on a copy of its own."""
    rules = attempt.rules
    for run in attempt.runs:
        expected = run.got
        if not rules.same_inputs_twice:
            if any(not same(run.got.get(n), run.want[n], rules.rtol) for n in run.want):
                continue                       # a wrong first call says more (a later stage)
            copy, solution = rules.make(run.configuration), _tuple(rules.solution)
            _outcome(rules, solution, copy)
            expected = _outcome(rules, solution, copy)[0]  # type: ignore[index]
        outcome = _outcome(rules, attempt.functions, run.args, run.configuration["label"])
        if isinstance(outcome, Verdict):
            return outcome
        again = outcome[0]
        changed = [name for name in expected if not same(again.get(name), expected[name],
                                                         rules.rtol)]
        if changed:
            at, first, second = compared(expected[changed[0]], again.get(changed[0]))
            return Verdict("wrong", f"called again on {run.configuration['label']}, your "
                           f"function gave {changed[0]}{at} = {second} instead of {first}: it "
                           "carries something over from one call to the next (a global "
                           "variable, a default argument that is a list or a dict, a value kept "
                           "by its inputs' ids, a bar that keeps growing). Each call must start "
                           "afresh.", "carried-over")
    return None


def _unexplained(attempt: Attempt) -> Verdict | None:
    """Any other wrong value."""
    return attempt.first_wrong


def _approximate(attempt: Attempt) -> Verdict | None:
    """For an `exact` check, values all right to a few digits (ESTIMATE_RTOL) but not to
    rounding: an estimate, most often a finite difference, where the exercise asks for the
    derivative by a formula."""
    if not attempt.rules.exact:
        return None
    errors = []
    for run in attempt.runs:
        for name, want in run.want.items():
            if isinstance(want, str):              # a dict's description: its keys compared
                continue
            try:
                got, want = np.asarray(run.got.get(name), dtype=float), np.asarray(want, float)
            except (TypeError, ValueError):        # None, text, another kind of value
                if same(run.got.get(name), want):  # (the order of a graph's labels, say)
                    continue
                return None
            if got.shape != want.shape or not np.allclose(got, want, rtol=ESTIMATE_RTOL):
                return None                        # wrong, not an estimate
            if not np.allclose(got, want, rtol=EXACT_RTOL, atol=EXACT_ATOL):
                # relative, as allclose tells: above EXACT_RTOL wherever allclose fails
                errors.append((run, name, float(np.max(np.abs(got - want) / (
                    np.abs(want) + EXACT_ATOL / EXACT_RTOL)))))
    if not errors:
        return None
    run, name, error = errors[0]
    return Verdict("wrong", f"{run.where}, {name} is right to about "
                   f"{max(0, round(-np.log10(error)))} significant digits only; a formula, in "
                   "any form, is right to about 15 (rounding alone). That is what an estimate "
                   "gives, such as a finite difference: the exercise asks for the derivative "
                   "itself, by a formula, with no step ε.", "finite-difference")


#: The stages of `run`, in the order of the module's docstring.
STAGES: tuple[Callable[[Attempt], Verdict | None], ...] = (
    _failed, _changed_input, _judged, _explained, _approximate, _carried_over, _unexplained)


def run(rules: Exercise, *handed_in) -> Verdict:
    """Apply the rules to what the student handed in: the first verdict of the STAGES, else ✔."""
    codes = _references(rules)
    itself = next((codes[c] for c in map(_code_of, _functions_in(handed_in)) if c in codes),
                  None)
    if itself:
        return _handed_in_itself(itself)
    if rules.prepare:
        rules, handed_in = rules.prepare(rules, *handed_in)
    refused = {**_estimators(), **codes} if rules.exact else codes
    if refused:
        handed_in = tuple(_refusing(f, refused) for f in _tuple(handed_in))
    attempt = _tried(rules, _tuple(handed_in))
    for stage in STAGES:
        verdict = stage(attempt)
        if verdict:
            return verdict
    got = attempt.runs[0].got
    return Verdict("correct", rules.success(got) if callable(rules.success) else rules.success)


def _solution_handed_in(rules: Exercise, handed_in: tuple) -> str | None:
    """The check's own solution handed in, as REGISTRY holds it: a class, or the very function
    objects (one made by a function, or a tuple's; a module's function is refused by `run`)."""
    solution = rules.solution
    if isinstance(solution, type) and solution in handed_in:
        return f"{solution.__module__}.{solution.__qualname__}".removeprefix("course_utils.")
    mine = _tuple(solution)
    if len(handed_in) == len(mine) and all(a is b for a, b in zip(handed_in, mine, strict=True)):
        return _references(rules).get(_code_of(solution), "REGISTRY's solution of this check") if \
            callable(solution) else "REGISTRY's solution of this check"
    return None


def _references(rules: Exercise) -> dict:
    """{code: name} of what the check refuses: its own solution, then its `refuses` (whose
    names win)."""
    return _refused_codes((*_own(rules), *(rules.refuses() if rules.refuses else ())))


def _handed_in_itself(name: str) -> Verdict:
    return Verdict("wrong", f"you handed in `{name}` itself, a reference answer of this "
                   "exercise, which the check refuses: the exercise is to compute it yourself.",
                   "calls-the-reference")


def _refused_codes(references: Sequence) -> dict:
    """{code: name} of the refused references: a function, named by its module and name, or
    (its name, the function or its code)."""
    named = [r if isinstance(r, tuple) else
             (f"{r.__module__}.{r.__qualname__}".removeprefix("course_utils."), r)
             for r in references]
    return {r if inspect.iscode(r) else inspect.unwrap(r).__code__: name for name, r in named}


def with_what_they_make(*objects) -> Iterator:
    """(name, code) of the functions `objects` (and in tables of them: tuples, lists, dicts),
    with the functions defined inside them, which they make and return (a mistake table's
    factory with no mistake switched on, say): refused wherever they were bound."""
    values, pending = list(objects), []
    while values:
        value = values.pop()
        if inspect.isfunction(value):
            pending.append(inspect.unwrap(value).__code__)
        elif isinstance(value, (tuple, list)):
            values += value
        elif isinstance(value, dict):
            values += value.values()
    seen: set = set()
    while pending:
        code = pending.pop()
        if code not in seen:
            seen.add(code)
            stem = Path(code.co_filename).stem
            yield f"checks.{stem}.{getattr(code, 'co_qualname', code.co_name)}", code
            pending += [c for c in code.co_consts if inspect.iscode(c)]


def _own(rules: Exercise) -> Iterator:
    """The check's own solution, refused like a reference (REGISTRY holds it): one function, not
    one made by a function (its mistakes are made alike: `_forward(sequence=...)`, same code)
    nor a tuple (its mistakes reuse the parts)."""
    if isinstance(rules.solution, tuple):
        return
    inner = inspect.unwrap(rules.solution)
    if hasattr(inner, "__code__") and "<locals>" not in inner.__qualname__:
        yield ("REGISTRY's solution of this check", rules.solution) if \
            inner.__name__ == "<lambda>" else rules.solution


def _code_of(function):
    """The code a handed-in function runs: through wrappers and bound arguments (partial)."""
    inner = inspect.unwrap(function)
    while isinstance(inner, functools.partial):
        inner = inner.func
    return getattr(inner, "__code__", None)


def _functions_in(handed_in) -> Iterator:
    """What was handed in, and the message functions inside an engine Operation handed in
    (`Operation("mine", np.maximum, (maximum.vjps[0], ...))` hands in the engine's own)."""
    for item in _tuple(handed_in):
        yield item
        yield from getattr(item, "vjps", None) or ()


def _refusing(function: Callable, codes: dict) -> Callable:
    """`function`, run with the references of `codes` refused: the guard stops a call to one
    of them from the student's code (the checks' own solutions and mistakes may call them)."""
    @functools.wraps(function)
    def yours(*args):
        handed = {_code_of(a) for a in _handed_to(args)}
        _refused_now.update({c: name for c, name in codes.items() if c not in handed})
        try:
            return function(*args)
        finally:
            _refused_now.clear()
    return yours


def _handed_to(args) -> Iterator:
    """The functions among the arguments the check hands the student's function (a pass, a
    sweep), in containers too: the student's code may call them."""
    for arg in args:
        if callable(arg) and not isinstance(arg, type):
            yield arg
        elif isinstance(arg, (tuple, list)):
            yield from _handed_to(arg)
        elif isinstance(arg, dict):
            yield from _handed_to(list(arg.values()))


#: The code of `_refusing`'s wrapper, which calls what the student handed in (`np.vectorize(f)`
#: handed in calls f from numpy, for the student).
_HANDED_IN_CALL = next(c for c in _refusing.__code__.co_consts if inspect.iscode(c))


def _row_id(rules: Exercise, mistake: Mistake) -> str:
    return f"{rules.name.removeprefix('check_')}/{mistake.id}"


def _first_wrong(attempt: Attempt) -> Verdict | None:
    """The verdict on the first observable that differs from the solution's, or None."""
    rules = attempt.rules
    judged = (rules.returns if rules.judged is None else rules.judged) if rules.judge else ()
    for run in attempt.runs:
        for name in (n for n in run.want if n not in judged):
            if not same(run.got.get(name), run.want.get(name), rules.rtol):
                mistake = _explaining(attempt, name)
                hint = "" if mistake is None else \
                    mistake.hint(name) if callable(mistake.hint) else mistake.hint
                message, kind = _wrong_value(rules, name, run.want.get(name), run.got.get(name),
                                             hint, rules.shows_expected and
                                             not _is_the_answer(attempt, name))
                return Verdict("wrong", f"{run.where}: {message}",
                               kind if mistake is None else _row_id(rules, mistake))
    return None


def _is_the_answer(attempt: Attempt, name: str) -> bool:
    """Whether the expected value of `name` would write its answer out: a number the same on
    every configuration (L̄ = 1), or one of the configuration's own numbers (R̄ = λ)."""
    runs = [run for run in attempt.runs if run.want.get(name) is not None]
    try:
        wants = [np.asarray(run.want[name], dtype=float) for run in runs]
    except (TypeError, ValueError):
        return False
    if len(wants) > 1 and all(w.shape == wants[0].shape and np.array_equal(w, wants[0])
                              for w in wants):
        return True
    return any(w.size == 1 and any(
        isinstance(v, numbers.Real) and not isinstance(v, bool) and w.item() == float(v)
        for v in run.configuration.values()) for run, w in zip(runs, wants, strict=True))


def _explaining(attempt: Attempt, name: str) -> Mistake | None:
    """The mistake that explains the student's answer at every configuration (up to `name`
    where there is one; all the returned values if one does) and differs from the solution at
    `name` at one at least: at one point alone a match can be chance."""
    rules, partial = attempt.rules, None
    for i, mistake in enumerate(rules.mistakes):
        differs, whole = False, True
        for run in attempt.runs:
            key = (i, run.configuration["label"])
            if key not in attempt.explained:
                attempt.explained[key] = _reference(rules, _tuple(mistake.computes),
                                                    run.configuration)
            theirs, names = attempt.explained[key], list(run.want)
            upto = names[:names.index(name) + 1] if name in names else names
            if any(not same(theirs.get(n), run.got.get(n), rules.rtol) for n in upto):
                break
            differs = differs or not same(theirs.get(name), run.want.get(name), rules.rtol)
            whole = whole and all(same(theirs.get(n), run.got.get(n), rules.rtol)
                                  for n in rules.returns)
        else:
            if differs and whole:
                return mistake
            partial = partial or (mistake if differs else None)
    return partial


def _described(got) -> str:
    """What a value is, for a verdict: `observe` records a dict as its keys, a list as a tuple."""
    if isinstance(got, str):
        return got if isinstance(got, _Keys) else f"the text {got!r}"
    if isinstance(got, Node):
        return f"the engine Node {got.label}, not an array (its value is `.value`)"
    if isinstance(got, tuple):
        return f"a list or tuple of {len(got)} items"
    if isinstance(got, np.ndarray):
        return f"an array of shape {got.shape}"
    return "a number" if isinstance(got, numbers.Number) else type(got).__name__


def _wrong_value(rules: Exercise, name: str, expected, got, hint: str,
                 shows_expected: bool) -> tuple[str, str]:
    """What is wrong with one value, in one line, and the kind of mistake (see KINDS); the
    expected value shown only where it does not write the answer out."""
    tail = f" Hint: {hint}" if hint else ""
    if got is None:
        return f"{name} is None: did you forget to compute or `return` it?{tail}", "returned-none"
    if isinstance(expected, str):  # what a dict holds
        return f"{name} should be {expected}; got {_described(got)}.{tail}", "wrong-type"
    if _text(got):
        one = isinstance(got, (str, bytes))
        text = got if one else next(v for v in np.ravel(np.asarray(got, dtype=object)) if _text(v))
        return (f"{name} should be {'a number' if one else 'numbers'}, got text ({text!r}): "
                f"return the number itself, not a formatted string.{tail}"), "wrong-type"
    try:
        array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return (f"{name} should be a number or an array, got {_described(got)}.{tail}",
                "wrong-type")
    if array.shape != np.shape(expected):
        return (f"{name} has shape {array.shape}, expected {np.shape(expected)}.{tail}",
                "wrong-shape")
    at, want, have = compared(expected, array, rules.rtol)
    if not shows_expected:
        first = np.argmax(~np.isclose(array, expected, rtol=rules.rtol, atol=1e-10).ravel())
        way = "large" if array.ravel()[first] > np.ravel(expected)[first] else "small"
        size = f"is too {way}" if np.isfinite(array.ravel()[first]) else "is not a number"
        return f"{name}{at} is off: {have} {size}.{tail}", "wrong-value"
    return f"{name}{at} is off: expected {want}, got {have}.{tail}", "wrong-value"
