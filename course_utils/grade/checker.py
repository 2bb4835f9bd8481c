"""One student's notebooks, checked: `python -m course_utils.grade.checker` (started by run).

This process imports the checks and their reference answers, and never runs a line of the
student's code: that runs in the worker (session), reached only through the channel. It reads
its job as JSON on stdin and writes one JSON line per notebook on stdout, so that the notebooks
finished before a failure are kept (and cached).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from .. import checks
from ..checks import _runner
from .session import Options, Session
from .submissions import exercises, prepare, read_notebook

CHECKS = set(_runner.REGISTRY)


def status_of(verdict) -> str:
    """grades.json's status: correct, wrong, not attempted, time-out or error."""
    if verdict.status in ("correct", "not attempted"):
        return verdict.status
    if verdict.status == "wrong":
        return "time-out" if verdict.mistake == "time-out" else "wrong"
    return "error"


def result(status: str, message: str, mistake: str | None = None) -> dict:
    return {"status": status, "mistake": mistake, "message": message}


def grade_notebook(instructor_path: Path, student_path: Path | None, options: Options,
                   runtime: Path, bubblewrap: bool, uid: int | None) -> dict:
    """{"results": {column: result}, "notes": [...]} for one notebook of one student."""
    name = instructor_path.name
    instructor = read_notebook(instructor_path)
    graded = exercises(instructor, name, CHECKS)
    if student_path is None:
        return {"results": {e.column: result("not attempted", f"{name} was not handed in")
                            for e in graded}, "notes": [f"{name} was not handed in"]}
    try:
        student = read_notebook(student_path)
    except (ValueError, OSError) as error:
        return {"results": {e.column: result("error", str(error)) for e in graded},
                "notes": [str(error)]}
    prepared = prepare(instructor, name, student, CHECKS)
    session = Session(prepared.cells, runtime, options, bubblewrap, uid)
    results = {}
    ends = time.monotonic() + options.notebook_seconds
    try:
        for exercise in graded:
            functions = session.functions(exercise.column)
            if functions is None or time.monotonic() > ends:
                why = "; ".join(session.notes) or "the notebook's code did not define it"
                results[exercise.column] = result(
                    "time-out" if "time" in why else "error",
                    f"{exercise.column.partition('/')[2]} could not be checked: {why}.")
                continue
            session.check_deadline = min(time.monotonic() + options.check_seconds, ends)
            adapted = {"adapted": True} if _runner.REGISTRY[exercise.check].adapt else {}
            verdict = getattr(checks, exercise.check)(*functions, **adapted)
            results[exercise.column] = result(status_of(verdict), verdict.message,
                                              verdict.mistake)
    finally:
        session.close()
    regions = {c["index"] for c in prepared.cells if c["index"] in _solution_cells(instructor)}
    notes = prepared.notes + session.notes + [
        f"cell {e.get('index')}: {e.get('type')}: {str(e.get('text'))[:200]}"
        for e in session.errors if isinstance(e, dict) and e.get("index") in regions]
    return {"results": results, "notes": notes}


def _solution_cells(instructor) -> set[int]:
    return {i for i, c in enumerate(instructor["cells"])
            if c["cell_type"] == "code" and "BEGIN SOLUTION" in c["source"]}


def main() -> None:
    job = json.load(sys.stdin)
    options = Options(**{k: v for k, v in job["options"].items() if k != "limits"},
                      limits=_runner_limits(job["options"].get("limits", {})))
    _runner.GUARD_SECONDS = options.call_seconds
    for notebook in job["notebooks"]:
        graded = grade_notebook(Path(notebook["instructor"]),
                                Path(notebook["path"]) if notebook["path"] else None, options,
                                Path(job["runtime"]), job["bubblewrap"], job["uid"])
        print(json.dumps({"key": notebook["key"], "notebook": notebook["name"], **graded}),
              flush=True)


def _runner_limits(limits: dict):
    from .sandbox import Limits
    return Limits(**limits)


if __name__ == "__main__":
    main()
