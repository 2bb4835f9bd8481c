"""A check's refusals where the student's code runs while grading: in the worker.

In the notebook a check refuses some course functions to the student's code while it runs (its
reference answers, the engine's pass where the pass is the exercise, a finite difference where a
formula is asked: `checks._runner.guarded`). While grading, the student's code runs in the
worker, out of sight of the grader's tracer. So with each call the grader names what the running
check refuses, by its place in course_utils (file, first line, name), and the worker refuses the
same functions there. A refused call comes back as the error `ReferenceCalled`, whose text is
the position of the refused function in the grader's list: the grader gives the verdict the
notebook gives.
"""
from __future__ import annotations

import functools
import inspect
import sys
import sysconfig
import threading
from pathlib import Path

from .channel import Peer

ROOT = Path(__file__).resolve().parents[1]       # course_utils, the grader's or the worker's
_CHANNEL = str(ROOT / "grade" / "channel.py")
_LIBRARIES = (str(ROOT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["stdlib"])


class ReferenceCalled(BaseException):
    """Raised in a refused course function that the student's code called (a BaseException:
    the student's `except Exception` does not catch it, as in the notebook)."""


class ThreadsRunning(Exception):
    """The student's code left threads running, which the refusal cannot follow."""


def places(refused: dict) -> list:
    """[[file in course_utils, first line, name, position]] of the refused code objects
    `refused` ({code: name}, in order) that live in course_utils."""
    return [[*place, position] for position, code in enumerate(refused)
            if (place := _place(code)) is not None]


@functools.lru_cache(maxsize=4096)
def _place(code) -> tuple | None:
    """(file in course_utils, first line, name) of a code object, or None outside course_utils
    (scipy's log_softmax, sympy's generated functions: refused in the notebook only)."""
    if not inspect.iscode(code):
        return None
    try:
        inside = Path(code.co_filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    return inside.as_posix(), code.co_firstlineno, code.co_name


class RefusingPeer(Peer):
    """The worker's side of the channel: runs the grader's calls of the student's functions
    with the functions the grader names refused to the student's code."""

    def run_export(self, function, args: list, kwargs: dict, refused) -> object:
        others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
        if others:          # untraced: a refused function called there would escape
            raise ThreadsRunning(f"threads your code started are still running "
                                 f"({', '.join(others)}): the check runs your function alone. "
                                 "Stop them (`executor.shutdown()`, `thread.join()`).")
        wanted = {(str(p[0]), p[1], str(p[2])): str(p[3]) for p in refused or ()
                  if isinstance(p, list) and len(p) == 4}
        if not wanted:
            return function(*args, **kwargs)
        seen: dict = {}

        def place(code):
            if code not in seen:
                seen[code] = (Path(code.co_filename).relative_to(ROOT).as_posix(),
                              code.co_firstlineno, code.co_name) \
                    if code.co_filename.startswith(_LIBRARIES[0]) else None
            return seen[code]

        def tracer(frame, event, arg):
            if place(frame.f_code) in wanted and _by_the_student(frame.f_back):
                raise ReferenceCalled(wanted[place(frame.f_code)])
            return None

        previous, previous_threads = sys.gettrace(), threading.gettrace()
        sys.settrace(tracer)
        threading.settrace(tracer)    # the threads the student's code starts, refused too
        try:
            return function(*args, **kwargs)
        finally:
            sys.settrace(previous)
            threading.settrace(previous_threads)  # type: ignore[arg-type]


def _by_the_student(frame) -> bool:
    """Whether a call from `frame` is the student's: its nearest caller outside the libraries is
    the student's code (numpy's `np.vectorize(f)` or the stepper call for the student), or the
    call of what was handed in itself, or none (a thread); not the channel's own work (decoding
    the arguments of a call back to the grader)."""
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARIES):
        if frame.f_code is _EXPORT_CALL:
            return True
        if frame.f_code.co_filename == _CHANNEL:
            return False
        frame = frame.f_back
    return True


#: The code of `run_export`, which calls what the student handed in.
_EXPORT_CALL = RefusingPeer.run_export.__code__
