"""nbgrader cell metadata for the instructor notebooks, so a course on nbgrader gets true scores.

    python -m course_utils.grade.nbgrader NOTEBOOK.ipynb [...]

changes each notebook in place, and changes nothing on a second run:

- every code cell holding a solution region becomes an nbgrader solution cell;
- every exercise's check cell becomes an autograded test cell worth one point, and gets a
  hidden test before its visible call: `assert check_x(f).ok`. nbgrader's autograder gives a
  test cell full credit unless it raises, and a check shows a verdict instead of raising; the
  assert raises for every verdict but ✔. nbgrader's `generate_assignment` removes the hidden
  test from what students get, and `autograde` puts it back, so students still see one line.

Each cell's `grade_id` is the exercise's column in grades.csv (or the cell's id for a solution
cell), stable across runs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..checks._runner import REGISTRY
from .submissions import BEGIN_WORDS, _check_calls, column, exercises, read_notebook

HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def with_metadata(nb: dict, name: str) -> dict:
    """The notebook (as JSON) with nbgrader's metadata and hidden tests; the same if it has
    them already."""
    checks = set(REGISTRY)
    graded = {e.column for e in exercises(read_notebook_dict(nb), name, checks)}
    for index, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        meta = {"schema_version": 3, "task": False, "locked": False, "grade": False,
                "solution": False, "grade_id": str(cell.get("id") or f"cell-{index}")}
        if BEGIN_WORDS in source:
            cell.setdefault("metadata", {})["nbgrader"] = {**meta, "solution": True}
            continue
        calls = [(check, args) for check, args in _check_calls(source, checks)
                 if column(name, args) in graded]
        if not calls:
            continue
        check, args = calls[0]
        cell.setdefault("metadata", {})["nbgrader"] = {
            **meta, "grade": True, "locked": True, "points": 1,
            "grade_id": column(name, args).replace("/", "-").replace("+", "-")}
        if HIDDEN[0] not in source:
            assertion = (f"assert {check}({', '.join(args)}).ok, "
                         "\"the check's verdict is not ✔\"")
            cell["source"] = f"{HIDDEN[0]}\n{assertion}\n{HIDDEN[1]}\n{source}"
    return nb


def read_notebook_dict(nb: dict) -> dict:
    """The shape submissions.read_notebook gives, from JSON already loaded."""
    return {"cells": [{"cell_type": c.get("cell_type"), "source": _source(c),
                       "id": c.get("id")} for c in nb["cells"]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grade.nbgrader",
                                     description="Add nbgrader cell metadata (solution cells, "
                                     "autograded test cells with hidden tests) in place.")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    import nbformat
    for path in args.notebooks:
        try:
            read_notebook(path)
            nb = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            return 2
        text = nbformat.writes(with_metadata(nb, path.name)) + "\n"
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            print(f"{path}: nbgrader metadata added")
        else:
            print(f"{path}: already has it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
