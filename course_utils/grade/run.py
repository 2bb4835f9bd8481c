"""The class: `python -m course_utils.grade SUBMISSIONS OUT`.

The notebooks to grade are dealt out to `--jobs` checker processes (checker.py), each with a
user id of its own for its workers when run as root; a checker that ends or stalls costs only
the notebook it was on, and a new one goes on with the rest. What a checker reports for a
notebook is cached in OUT/.cache under a key made of the content that decides it: the grader's
code (course_utils' sources), the instructor notebook, the student's notebook and the limits.
A re-run grades only what changed, and a run that was interrupted resumes where it stopped.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from ..checks._runner import REGISTRY
from ..student_edition import default_notebooks
from . import outputs, sandbox
from .session import Options
from .submissions import Exercise, exercises, read_notebook, students

#: The file that marks OUT as written by this command (so a re-run may overwrite it).
MARK = ".grade-out"


#: What a verdict depends on: the checks, the grader, and the modules the checks and the
#: notebooks' exercises compute with (pictures, widgets and styles do not change a verdict).
VERDICT_SOURCES = ("checks", "grade", "engine.py", "guards.py", "tensors.py", "notation.py",
                   "lecture.py", "network.py", "reference.py", "gradcheck.py",
                   "scalar_graphs.py")


def grader_version() -> str:
    """A hash of the sources a verdict depends on: a change of a check, the engine or the
    grader makes every cached result stale."""
    digest = hashlib.sha256()
    for name in VERDICT_SOURCES:
        root = sandbox.PACKAGE / name
        paths = sorted(root.rglob("*.py")) if root.is_dir() else [root] if root.exists() else []
        for path in paths:
            digest.update(path.relative_to(sandbox.PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(version: str, instructor: Path, student: Path | None, options: Options) -> str:
    digest = hashlib.sha256(version.encode())
    digest.update(hashlib.sha256(instructor.read_bytes()).digest())
    digest.update(hashlib.sha256(student.read_bytes()).digest() if student else b"missing")
    digest.update(json.dumps(asdict(options), sort_keys=True).encode())
    return digest.hexdigest()


def refused(submissions: Path, out: Path) -> str | None:
    """Why these arguments cannot be used, in one line, or None."""
    if not submissions.is_dir():
        return f"SUBMISSIONS {submissions} is not a folder"
    sub, target = submissions.resolve(), out.resolve()
    if target == sub or sub in target.parents or target in sub.parents:
        return "OUT must be a folder outside SUBMISSIONS (and not contain it)"
    if out.exists() and not out.is_dir():
        return f"OUT {out} is a file, not a folder"
    if out.is_dir() and any(out.iterdir()) and not (out / MARK).exists():
        return (f"OUT {out} holds files not written by this command; choose a new or empty "
                "folder")
    return None


class Progress:
    """Notebooks graded and the time left, on one line of the terminal (stderr)."""

    def __init__(self, total: int, quiet: bool):
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.show = not quiet and sys.stderr.isatty()
        self.lock = threading.Lock()

    def step(self) -> None:
        with self.lock:
            self.done += 1
            if not self.show:
                return
            elapsed = time.monotonic() - self.started
            left = elapsed / self.done * (self.total - self.done)
            bar = "#" * (30 * self.done // max(self.total, 1))
            print(f"\r[{bar:<30}] {self.done}/{self.total} notebooks, about {left:.0f} s left",
                  end="" if self.done < self.total else "\n", file=sys.stderr, flush=True)


def run_checker(job: dict, items: list[dict], budget, cache: Path, progress: Progress) -> dict:
    """Grade `items` (notebooks of several students) in checker processes, one after another:
    {key: report}. A checker that ends or stalls costs only the notebook it was grading; the
    next checker goes on with the rest."""
    done: dict = {}
    left = list(items)
    while left:
        process = subprocess.Popen([sys.executable, "-m", "course_utils.grade.checker"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True,
                                   cwd=str(sandbox.PACKAGE.parent))
        assert process.stdin and process.stdout
        process.stdin.write(json.dumps({**job, "notebooks": left}))
        process.stdin.close()
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_forward, args=(process.stdout, lines), daemon=True).start()
        while left:
            try:
                line = lines.get(timeout=budget(left[0]))
            except queue.Empty:
                line = None
            reported = _parsed(line)
            if reported is None or reported.get("key") != left[0]["key"]:
                process.kill()
                left.pop(0)   # the notebook it was grading when it ended: an error
                break
            done[reported["key"]] = reported
            _write_atomically(cache / f"{reported['key']}.json", json.dumps(reported))
            left.pop(0)
            progress.step()
        process.kill()
        process.wait()
    return done


def _forward(stream, lines: queue.Queue) -> None:
    """Hand the checker's lines to the grading loop, then None when it has ended."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _parsed(line: str | None) -> dict | None:
    try:
        reported = json.loads(line) if line else None
    except ValueError:
        return None
    return reported if isinstance(reported, dict) else None


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    partial.replace(path)


def grade_class(submissions: Path, out: Path, options: Options, jobs: int, notebooks: Path,
                bubblewrap: bool, quiet: bool = False, own_users: bool = False) -> dict:
    """Grade every student; the results by student, as outputs.write takes them. With
    `own_users` (the grader as root), each job's worker runs under a user id of its own."""
    instructor = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    graded: list[Exercise] = []
    for path in instructor:
        graded += exercises(read_notebook(path), path.name, set(REGISTRY))
    by_notebook = {path.name: [e for e in graded if e.notebook == path.name]
                   for path in instructor}
    cache = out / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    version = grader_version()
    class_ = students(submissions)
    reports: dict[str, dict[str, dict]] = {s: {} for s in class_}
    todo: dict[str, list[dict]] = {}
    for student, handed in class_.items():
        for path in instructor:
            mine = handed.get(path.name)
            key = cache_key(version, path, mine, options)
            cached = cache / f"{key}.json"
            if mine is None:
                reports[student][path.name] = {"results": {
                    e.column: {"status": "not attempted", "mistake": None,
                               "message": f"{path.name} was not handed in"}
                    for e in by_notebook[path.name]}, "notes": [f"{path.name} was not handed in"]}
            elif cached.exists():
                reports[student][path.name] = json.loads(cached.read_text())
            else:
                todo.setdefault(student, []).append({"name": path.name, "key": key,
                                                     "instructor": str(path.resolve()),
                                                     "path": str(mine.resolve())})
    items = [item for student in sorted(todo) for item in todo[student]]
    progress = Progress(len(items), quiet)
    with tempfile.TemporaryDirectory(prefix="grade-runtime-") as folder:
        os.chmod(folder, 0o755)
        runtime = sandbox.build_runtime(Path(folder))
        job = {"options": asdict(options), "runtime": str(runtime), "bubblewrap": bubblewrap}

        def budget(item: dict) -> float:
            return options.notebook_seconds + options.check_seconds * \
                len(by_notebook[item["name"]]) + 30

        def chunk(slot: int) -> dict:
            uid = sandbox.FIRST_UID + slot if own_users else None
            return run_checker({**job, "uid": uid}, items[slot::jobs], budget, cache, progress)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            finished = {k: v for done in pool.map(chunk, range(jobs)) for k, v in done.items()}
    for student, assigned in todo.items():
        for item in assigned:
            reports[student][item["name"]] = finished.get(item["key"]) or {"results": {
                e.column: {"status": "error", "mistake": None,
                           "message": "grading this notebook did not finish (the checker "
                                      "ended or ran out of time)"}
                for e in by_notebook[item["name"]]},
                "notes": [f"grading {item['name']} did not finish"]}
    return {"exercises": graded, "reports": reports}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.grade",
        description="Grade a class's notebooks with the series' checks, the student's code "
                    "sandboxed: writes OUT/grades.csv, OUT/grades.json, OUT/feedback/ and "
                    "OUT/report.html.")
    parser.add_argument("submissions", type=Path, help="one folder per student (or nbgrader's "
                        "submitted/<student>/<assignment>/)")
    parser.add_argument("out", type=Path, help="folder for the grades (new, empty, or an "
                        "earlier run's)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="students graded at once (default: the number of cores)")
    parser.add_argument("--call-seconds", type=float, default=3.0,
                        help="time for one call of a student's function (default 3)")
    parser.add_argument("--check-seconds", type=float, default=30.0,
                        help="time for all calls of one check (default 30)")
    parser.add_argument("--cell-seconds", type=float, default=20.0,
                        help="time for one notebook cell (default 20)")
    parser.add_argument("--notebook-seconds", type=float, default=120.0,
                        help="time for one notebook, cells and checks (default 120)")
    parser.add_argument("--memory-mb", type=int, default=1024,
                        help="memory of one worker (default 1024)")
    parser.add_argument("--notebooks", type=Path, default=None,
                        help=f"the instructor notebooks (default {default_notebooks()})")
    parser.add_argument("--no-bubblewrap", action="store_true",
                        help="do not use bubblewrap even where it works (weaker isolation)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or default_notebooks()
    problem = refused(args.submissions, args.out)
    if args.jobs < 1:
        problem = "--jobs must be at least 1"
    if min(args.call_seconds, args.check_seconds, args.cell_seconds,
           args.notebook_seconds) <= 0 or args.memory_mb < 256:
        problem = "time limits must be positive and --memory-mb at least 256"
    if not problem and not any(notebooks.glob("[0-9][0-9]_*.ipynb")):
        problem = f"no instructor notebooks in {notebooks}"
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    bubblewrap = not args.no_bubblewrap and sandbox.bubblewrap_works()
    own_users = os.getuid() == 0 and (bubblewrap or sandbox.other_users_can_run_python())
    if bubblewrap:
        isolation = "bubblewrap: own file system view, no network, own process ids" + \
            (", a user id per job" if own_users else "")
    else:
        reader = "any user" if own_users else "the grader's user"
        isolation = ("fallback (no bubblewrap): resource limits, a fresh temporary folder" +
                     (", a user id per job" if own_users else "") + " and time-outs only; the "
                     f"student's code can read what {reader} can read and use the network")
        if os.getuid() == 0 and not own_users:
            isolation += ("; it runs as root, since other users cannot start "
                          f"{os.path.realpath(sys.executable)}: install bubblewrap")
        print(f"warning: {isolation}", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    os.chmod(args.out, 0o700)
    (args.out / MARK).write_text("written by python -m course_utils.grade\n")
    options = Options(args.call_seconds, args.check_seconds, args.cell_seconds,
                      args.notebook_seconds, limits=sandbox.Limits(memory_mb=args.memory_mb))
    graded = grade_class(args.submissions, args.out, options, args.jobs, notebooks,
                         bubblewrap, args.quiet, own_users)
    outputs.write(args.out, graded["exercises"], graded["reports"], isolation)
    if not args.quiet:
        print(f"Graded {len(graded['reports'])} students: {args.out / 'grades.csv'}",
              file=sys.stderr)
    return 0
