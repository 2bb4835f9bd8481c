"""The nbgrader metadata command, on a copy of notebook 03: solution cells, test cells worth a
point each with a hidden assert, and nothing changed by a second run."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from course_utils.grade.nbgrader import HIDDEN, main

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_sigmoid_least_squares.ipynb"


def test_metadata_marks_solutions_and_tests_and_a_second_run_changes_nothing(tmp_path, capsys):
    copy = tmp_path / NOTEBOOK.name
    shutil.copy(NOTEBOOK, copy)
    assert main([str(copy)]) == 0
    first = copy.read_text()
    assert main([str(copy)]) == 0
    assert copy.read_text() == first and "already has it" in capsys.readouterr().out
    cells = nbformat.read(copy, as_version=4).cells
    solutions = [c for c in cells if c.metadata.get("nbgrader", {}).get("solution")]
    tests = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(solutions) == sum("BEGIN SOLUTION" in c.source for c in cells) > 0
    assert [c.metadata.nbgrader["grade_id"] for c in tests] == [
        "03-dL_dw-dL_db", "03-backward_pass", "03-backward_pass_regularised"]
    assert all(c.metadata.nbgrader["points"] == 1 for c in tests)
    assert tests[1].source.split("\n") == [
        HIDDEN[0], "assert check_bar_notation(backward_pass).ok, \"the check's verdict is not ✔\"",
        HIDDEN[1], "check_bar_notation(backward_pass)"]
