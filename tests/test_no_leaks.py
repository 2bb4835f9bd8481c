"""No answer given away: no line of any solution appears anywhere in the student edition.

A stuck student scrolls down; if a later cell (or another notebook) wrote out the solution's
lines, the exercise would be answered there. So for every `### BEGIN SOLUTION` region of every
notebook, each of its lines must be absent from the whole student edition of the series: code
and markdown of every notebook.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course_utils.student_edition import BEGIN, END, write_student_edition

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SERIES = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))

#: Lines this short (`return`, `else:`, `x = 0`) say nothing about an answer.
SHORT = 8
#: Longer lines that give nothing away. `for p in params:` (07's update step) is the exercise's
#: own wording ("for every node `p` in `params`") and stands in any loop over parameters.
TRIVIAL = {"for p in params:"}


def normalise(line: str) -> str:
    """The code of a line: no inline comment (two spaces and #), single spaces, no ends."""
    code = re.split(r"\s{2,}#", line)[0] if not line.lstrip().startswith("#") else line
    return " ".join(code.split())


def solution_regions(name: str) -> list[tuple[int, list[str]]]:
    """(cell index, the region's normalised lines worth checking) for each region of `name`."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    regions = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        lines = None
        for line in cell.source.split("\n"):
            if line.strip() == BEGIN:
                lines = []
            elif line.strip() == END and lines is not None:
                regions.append((index, lines))
                lines = None
            elif lines is not None:
                code = normalise(line)
                if len(code) > SHORT and code not in TRIVIAL and not code.startswith("#"):
                    lines.append(code)
    return regions


REGIONS = [pytest.param(name, index, lines, id=f"{name}-cell{index}")
           for name in SERIES for index, lines in solution_regions(name)]


@pytest.fixture(scope="module")
def student_lines(tmp_path_factory) -> list[tuple[str, int, str]]:
    """(notebook, cell index, normalised line) for every line of the student edition."""
    out = tmp_path_factory.mktemp("no_leaks")
    found = []
    for path in write_student_edition(out, NOTEBOOKS):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            found += [(path.name, index, normalise(line)) for line in cell.source.split("\n")]
    return found


def occurs_in(code: str, line: str) -> bool:
    """`code` in `line` as whole tokens: `b_bar = z_bar` is not inside `b_bar = z_bar_2`."""
    return re.search(rf"(?<![\w.]){re.escape(code)}(?!\w)", line) is not None


def test_every_notebook_with_an_exercise_has_regions_to_check():
    assert len({param.values[0] for param in REGIONS}) >= 8, REGIONS


def test_the_matcher_finds_a_line_inside_a_longer_one_and_respects_token_edges():
    assert occurs_in("w_bar = z_bar * x", "print(w_bar = z_bar * x)")
    assert occurs_in("return w - rate * grad", "    return w - rate * grad  ")
    assert not occurs_in("b_bar = z_bar", "b_bar = z_bar_old")
    assert not occurs_in("y_bar = y - t", "z.y_bar = y - t")
    assert normalise("    dy_dx = 2 * x           # g'(x)") == "dy_dx = 2 * x"


@pytest.mark.parametrize("name, index, lines", REGIONS)
def test_no_solution_line_appears_in_the_student_edition(name, index, lines, student_lines):
    leaks = [f"  `{code}` in {where}, cell {at}: `{line}`"
             for code in lines for where, at, line in student_lines if occurs_in(code, line)]
    assert not leaks, (f"{name}, cell {index}: a line of this solution stands in the student "
                       "edition; use a reference function (course_utils.reference, the engine) "
                       "or restructure the cell:\n" + "\n".join(leaks))
