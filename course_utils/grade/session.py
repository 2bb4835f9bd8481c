"""The grader's side of one worker: start it caged, run a notebook in it, call its functions.

A call that does not come back in time, or a worker that ends (`os._exit`, the memory limit),
costs only that call: the worker is killed and, for the next check, started again on the same
cells. A cell that never finishes (or ends the worker) is skipped on the next start, so the
exercises after it are still graded.
"""
from __future__ import annotations

import keyword
import linecache
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..checks._runner import _OutOfTime, _ReferenceCalled, _refused_now
from . import refusal, sandbox
from .channel import ChannelError, Codec, Peer, Proxy, rebuild_error, receive, send


@dataclass(frozen=True)
class Options:
    call_seconds: float = 3.0       # one call of a student's function
    check_seconds: float = 30.0     # all the calls of one check
    cell_seconds: float = 20.0      # one cell of the notebook
    notebook_seconds: float = 120.0  # all the cells, and all the checks, of one notebook
    restarts: int = 3               # fresh workers per notebook after the first
    limits: sandbox.Limits = sandbox.Limits()


class WorkerEnded(Exception):
    """The worker running the student's code ended (os._exit, a crash, the memory limit)."""


def raise_at(error: Exception, frames: list, cells: dict[str, str]) -> None:
    """Raise `error` as if from the student's innermost line in a notebook cell, so that the
    check quotes that line as it does in the notebook (the source is in linecache)."""
    place = next((f for f in reversed(frames) if isinstance(f, list) and len(f) == 3
                  and f[0] in cells and type(f[1]) is int and f[1] > 0), None)
    if place is None:
        raise error
    filename, line, name = place
    name = name if name.isidentifier() and not keyword.iskeyword(name) else "your_code"
    source = ("\n" * (line - 2) + f"def {name}(error):\n    raise error\n") if line > 1 else \
        f"def {name}(error): raise error\n"
    namespace: dict = {}
    exec(compile(source, filename, "exec"), namespace)
    namespace[name](error)


class Worker(Peer):
    """One sandboxed worker process, and the channel to it."""

    REPORTED = (Exception,)   # the runner's time guard passes through to the check

    def __init__(self, runtime: Path, options: Options, bubblewrap: bool, uid: int | None,
                 sources: dict[str, str]):
        self.sources = sources
        worker_reads, grader_writes = os.pipe()
        grader_reads, worker_writes = os.pipe()
        super().__init__(grader_reads, grader_writes)
        self.options, self.deadline_at = options, time.monotonic() + options.cell_seconds
        scratch = sandbox.scratch_folder()
        self.scratch = scratch
        if uid is not None and not bubblewrap:
            os.chown(scratch, uid, uid)
        self.process = subprocess.Popen(
            sandbox.command(runtime, worker_reads, worker_writes, uid, bubblewrap),
            pass_fds=(worker_reads, worker_writes), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=scratch,
            env=sandbox.environment("/tmp" if bubblewrap else scratch),
            preexec_fn=sandbox.limiter(options.limits, uid is not None))
        os.close(worker_reads)
        os.close(worker_writes)

    def deadline(self) -> float | None:
        """The time the pending answer must arrive by; a call of a function the student's code
        returned (not one it handed in) gets a call's time from now."""
        now = time.monotonic()
        return self.deadline_at if self.deadline_at > now else \
            now + self.options.call_seconds + 0.5

    def refused(self) -> list:
        return refusal.places(_refused_now)

    def failed(self, described: dict) -> Exception:
        if described.get("type") == "ReferenceCalled":   # as the notebook's check says it
            position = str(described.get("text", ""))
            names = list(_refused_now.values())
            if position.isdigit() and int(position) < len(names):
                raise _ReferenceCalled(names[int(position)])
        error = rebuild_error(described)
        raise_at(error, described.get("frames") or [], self.sources)
        return error

    def run(self, cells: list[dict]) -> tuple[dict, list, int | None]:
        """Run the cells: ({check: [handed in]}, [errors], None), or the index of the cell
        that did not finish (or ended the worker) as the third item."""
        send(self.write_fd, {"op": "run", "cells": cells})
        started = time.monotonic()
        current = None
        while True:
            self.deadline_at = min(time.monotonic() + self.options.cell_seconds,
                                   started + self.options.notebook_seconds)
            try:
                message = receive(self.read_fd, self.deadline_at)
            except (TimeoutError, ChannelError):
                self.stop()
                return {}, [], current if current is not None else -1
            if message.get("op") == "call":   # a cell calling a helper of the checks
                try:
                    self.answer(message)
                except ChannelError:
                    self.stop()
                    return {}, [], current if current is not None else -1
            elif message.get("op") == "cell" and type(message.get("index")) is int:
                current = message["index"]
            elif message.get("op") == "ready":
                handed = Codec(self).decode(message.get("handed") or {"nodes": [], "value": {}})
                errors = message.get("errors")
                return (handed if isinstance(handed, dict) else {},
                        errors if isinstance(errors, list) else [], None)
            else:
                self.stop()
                return {}, [], current if current is not None else -1

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        self.process.wait()
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.read_fd = self.write_fd = -1
        shutil.rmtree(self.scratch, ignore_errors=True)

    @property
    def alive(self) -> bool:
        return self.read_fd >= 0 and self.process.poll() is None


class Session:
    """A notebook's worker, restarted as needed; what the checks call the student through."""

    def __init__(self, cells: list[dict], runtime: Path, options: Options, bubblewrap: bool,
                 uid: int | None):
        self.cells, self.runtime, self.options = cells, runtime, options
        self.bubblewrap, self.uid = bubblewrap, uid
        self.sources = {c["filename"]: c["source"] for c in cells}
        for filename, source in self.sources.items():
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        self.skipped: set[int] = set()
        self.notes: list[str] = []
        self.errors: list = []
        self.worker: Worker | None = None
        self.handed: dict = {}
        self.starts = 0
        self.check_deadline = float("inf")

    def start(self) -> bool:
        """A fresh worker with the notebook run in it; False when none could be started."""
        while self.starts <= self.options.restarts:
            self.starts += 1
            self.worker = Worker(self.runtime, self.options, self.bubblewrap, self.uid,
                                 self.sources)
            cells = [c for c in self.cells if c["index"] not in self.skipped]
            self.handed, self.errors, stuck = self.worker.run(cells)
            if stuck is None:
                return True
            if stuck < 0:
                self.notes.append("the worker could not start")
                return False
            self.skipped.add(stuck)
            self.notes.append(f"cell {stuck} did not finish within the time limit or ended "
                              "the worker: skipped")
        return False

    def functions(self, check: str) -> list | None:
        """What the notebook handed to the check of the exercise `check` (its column), as
        functions that call into the worker."""
        if not self.worker or not self.worker.alive:
            if not self.start():
                return None
        handed = self.handed.get(check)
        if not isinstance(handed, list):
            return None
        return [StudentFunction(self, check, i, item.__name__) if isinstance(item, Proxy)
                else item for i, item in enumerate(handed)]

    def call(self, check: str, position: int, args: tuple, kwargs: dict):
        if time.monotonic() > self.check_deadline:
            raise _OutOfTime
        if not self.worker or not self.worker.alive:
            if not self.start():
                raise WorkerEnded("the notebook could not be run again after a time-out")
        worker = self.worker
        assert worker is not None
        handed = self.handed.get(check)
        if not isinstance(handed, list) or not isinstance(handed[position], Proxy):
            raise WorkerEnded("the function is no longer defined after a restart")
        worker.deadline_at = min(time.monotonic() + self.options.call_seconds + 0.5,
                                 self.check_deadline)
        try:
            return worker.call(handed[position].handle, args, kwargs)
        except TimeoutError:
            worker.stop()
            raise _OutOfTime from None
        except ChannelError as error:
            worker.stop()
            raise WorkerEnded(f"the worker running your code ended ({error}): os._exit, "
                              f"a crash, or more than {self.options.limits.memory_mb} MB of "
                              "memory") from None
        except Exception:       # what the student's function raised, rebuilt
            raise
        except BaseException:   # the runner's time guard, during a call: the answer is lost
            worker.stop()
            raise

    def close(self) -> None:
        if self.worker:
            self.worker.stop()
        for filename in self.sources:
            linecache.cache.pop(filename, None)


class StudentFunction:
    """A function the notebook handed to a check: each call runs in the worker."""

    def __init__(self, session: Session, check: str, position: int, name: str):
        self.session, self.check, self.position = session, check, position
        self.__name__ = self.__qualname__ = name

    def __call__(self, *args, **kwargs):
        return self.session.call(self.check, self.position, args, kwargs)

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"
