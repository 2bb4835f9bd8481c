"""The student edition: solutions replaced nbgrader's way, and the result runs top to bottom."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils.student_edition import (
    BEGIN,
    END,
    MarkerError,
    main,
    strip_solutions,
    student_notebook,
    write_student_edition,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

EXERCISE = f"""\
import numpy as np

def backward_pass(y, t, z):
    \"\"\"Return y_bar and z_bar.\"\"\"
    {BEGIN}
    y_bar = y - t
    z_bar = y_bar * y * (1 - y)
    {END}
    return y_bar, z_bar
"""


def exercise_notebook(*sources):
    nb = new_notebook(cells=[new_markdown_cell("## An exercise\nWrite the backward pass.")])
    for count, source in enumerate(sources, start=1):
        cell = new_code_cell(source, execution_count=count)
        cell.outputs = [new_output("execute_result", {"text/plain": "✔ Correct: well done"},
                                   execution_count=count)]
        nb.cells.append(cell)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


# --- the marker logic ---------------------------------------------------------------------

def test_region_becomes_the_stub_at_the_indentation_of_begin():
    lines = strip_solutions(EXERCISE).split("\n")
    assert lines[4:6] == ["    # YOUR CODE HERE", "    raise NotImplementedError()"]
    assert "y_bar = y - t" not in "\n".join(lines)


def test_text_outside_the_markers_is_kept_exactly():
    stripped = strip_solutions(EXERCISE)
    before, after = EXERCISE.split(f"    {BEGIN}\n")[0], EXERCISE.split(f"    {END}\n")[1]
    assert stripped.startswith(before)
    assert stripped.endswith(after)


def test_source_without_markers_is_unchanged():
    source = "def f(x):\n    return 2 * x  # a solution, not a marker\n\n"
    assert strip_solutions(source) == source


@pytest.mark.parametrize("begin, end", [("#### BEGIN SOLUTION", "#### END SOLUTION"),
                                        ("## BEGIN SOLUTION", "## END SOLUTION"),
                                        ("###BEGIN SOLUTION", "###END SOLUTION"),
                                        ("### BEGIN SOLUTION (part a)", "### END SOLUTION"),
                                        ("x = 1  # BEGIN SOLUTION", "pass  # END SOLUTION")])
def test_any_line_containing_the_marker_words_is_a_marker_as_in_nbgrader(begin, end):
    stripped = strip_solutions(f"def f():\n    {begin}\n    return 42\n    {end}\n")
    assert stripped == "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"


def test_deeper_and_several_regions_each_keep_their_own_indentation():
    source = (f"def f(x):\n    {BEGIN}\n    a = 1\n    {END}\n    for i in x:\n"
              f"        {BEGIN}\n        a += i\n        {END}\n    return a")
    assert strip_solutions(source) == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n    for i in x:\n"
        "        # YOUR CODE HERE\n        raise NotImplementedError()\n    return a")


def test_the_stripped_exercise_still_defines_a_function_that_says_not_implemented():
    namespace = {}
    exec(strip_solutions(EXERCISE), namespace)  # the defining cell must not raise
    with pytest.raises(NotImplementedError):
        namespace["backward_pass"](0.7, 1.0, 0.8)


def test_begin_without_end_names_the_line_and_the_cell():
    with pytest.raises(MarkerError, match=r"cell 3.*line 2 is never closed"):
        strip_solutions(f"def f():\n    {BEGIN}\n    return 1\n", where="cell 3")


def test_end_without_begin_is_an_error():
    with pytest.raises(MarkerError, match=r"line 2 has no `### BEGIN SOLUTION`"):
        strip_solutions(f"def f():\n    {END}\n    return 1\n")


def test_nested_begin_is_an_error():
    source = f"def f():\n    {BEGIN}\n    {BEGIN}\n    return 1\n    {END}\n    {END}\n"
    with pytest.raises(MarkerError, match=r"line 3 is nested inside the region opened on line 2"):
        strip_solutions(source)


def test_notebook_error_names_the_notebook_the_cell_index_and_its_first_line():
    nb = exercise_notebook("x = 1", f"\ndef broken():\n    {BEGIN}\n    return 1\n")
    with pytest.raises(MarkerError) as error:
        student_notebook(nb, "03_sigmoid_least_squares.ipynb")
    message = str(error.value)
    assert "03_sigmoid_least_squares.ipynb, cell 2" in message
    assert "`def broken():`" in message


@pytest.mark.parametrize("kind", ["markdown", "raw"])
def test_a_marker_in_a_markdown_or_raw_cell_is_refused_naming_notebook_cell_and_line(kind):
    nb = exercise_notebook(EXERCISE)
    nb.cells.append(nbformat.from_dict({"cell_type": kind, "metadata": {},
                                        "source": f"The answer:\n{BEGIN}\n42\n{END}"}))
    with pytest.raises(MarkerError, match=r"04_x.ipynb, cell 2 \(`The answer:`\): the marker "
                                          r"`### BEGIN SOLUTION` on line 2 is in a markdown"):
        student_notebook(nb, "04_x.ipynb")


def test_outputs_execution_counts_and_widget_state_are_cleared():
    student = student_notebook(exercise_notebook("x = 1", EXERCISE))
    code = [cell for cell in student.cells if cell.cell_type == "code"]
    assert [cell.outputs for cell in code] == [[], []]
    assert [cell.execution_count for cell in code] == [None, None]
    assert "widgets" not in student.metadata


def test_the_instructor_notebook_is_left_as_it_was():
    nb = exercise_notebook(EXERCISE)
    student_notebook(nb)
    assert BEGIN in nb.cells[1].source and nb.cells[1].outputs
    assert "widgets" in nb.metadata


def test_markdown_and_cell_metadata_are_kept():
    nb = exercise_notebook(EXERCISE)
    nb.cells[1].metadata["slideshow"] = {"slide_type": "fragment"}
    student = student_notebook(nb)
    assert student.cells[0].source == nb.cells[0].source
    assert student.cells[1].metadata["slideshow"] == {"slide_type": "fragment"}


def test_command_writes_every_notebook_under_its_own_name(tmp_path):
    source_dir, out = tmp_path / "instructor", tmp_path / "student"
    source_dir.mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        nbformat.write(exercise_notebook(EXERCISE), source_dir / name)
    (source_dir / "picture.svg").write_text("<svg/>")
    assert main([str(out), "--notebooks", str(source_dir)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["01_a.ipynb", "02_b.ipynb", "picture.svg"]
    written = nbformat.read(out / "02_b.ipynb", as_version=4)
    assert "raise NotImplementedError()" in written.cells[1].source
    nbformat.validate(written)


def test_command_reports_a_bad_marker_and_writes_nothing(tmp_path, capsys):
    source_dir, out = tmp_path / "instructor", tmp_path / "student"
    source_dir.mkdir()
    nbformat.write(exercise_notebook(EXERCISE), source_dir / "01_a.ipynb")
    nbformat.write(exercise_notebook(f"def f():\n    {END}\n"), source_dir / "02_b.ipynb")
    assert main([str(out), "--notebooks", str(source_dir)]) == 1
    assert "02_b.ipynb, cell 1 (`def f():`)" in capsys.readouterr().err
    assert not out.exists()


def test_an_unreadable_notebook_is_named(tmp_path):
    (tmp_path / "nbs").mkdir()
    (tmp_path / "nbs" / "01_a.ipynb").write_text("{ not json")
    with pytest.raises(ValueError, match=r"01_a.ipynb is not a readable notebook"):
        write_student_edition(tmp_path / "out", tmp_path / "nbs")


def test_command_refuses_to_overwrite_the_instructor_notebooks(tmp_path):
    nbformat.write(exercise_notebook(EXERCISE), tmp_path / "01_a.ipynb")
    with pytest.raises(ValueError, match="overwrite the solutions"):
        write_student_edition(tmp_path, tmp_path)


def series(folder, *names):
    folder.mkdir(exist_ok=True)
    for name in names:
        nbformat.write(exercise_notebook(EXERCISE), folder / name)
    return folder


def test_notebooks_of_an_earlier_run_do_not_remain(tmp_path):
    source, out = series(tmp_path / "instructor", "01_a.ipynb", "02_b.ipynb"), tmp_path / "out"
    write_student_edition(out, source)
    (source / "02_b.ipynb").unlink()
    write_student_edition(out, source)
    assert sorted(p.name for p in out.iterdir()) == ["01_a.ipynb"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instructor", "out"]  # no leftovers


def test_a_write_failing_midway_leaves_the_earlier_edition_as_it_was(tmp_path, monkeypatch):
    source, out = series(tmp_path / "instructor", "01_a.ipynb", "02_b.ipynb"), tmp_path / "out"
    write_student_edition(out, source)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    series(source, "03_c.ipynb")
    real_write = nbformat.write

    def write_then_fail(nb, path):
        if Path(path).name == "02_b.ipynb":
            raise OSError("No space left on device")
        real_write(nb, path)

    monkeypatch.setattr(nbformat, "write", write_then_fail)
    with pytest.raises(OSError, match="No space left on device.*out was left as it was"):
        write_student_edition(out, source)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instructor", "out"]


@pytest.mark.parametrize("where, words", [
    ("instructor/student", "is inside the notebooks folder"),
    (".", "contains the notebooks folder"),
    ("notes.txt", "is an existing file, not a folder"),
    ("thesis", r"holds files that are not part of a student edition \(thesis.tex\)"),
])
def test_an_unsafe_outdir_is_refused_with_one_line_and_nothing_written(tmp_path, capsys,
                                                                       where, words):
    source = series(tmp_path / "instructor", "01_a.ipynb")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "thesis").mkdir()
    (tmp_path / "thesis" / "thesis.tex").write_text("mine")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert main([str(tmp_path / where), "--notebooks", str(source)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and re.search(words, error), error
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


# --- the real series: the student edition runs top to bottom --------------------------------

SERIES = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def student_edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student_edition") / "notebooks"
    write_student_edition(out, NOTEBOOKS)
    return out


def parse(source: str) -> list[ast.stmt]:
    """The statements of a code cell, its IPython magics (% and ! lines) left out."""
    return ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                               for line in source.split("\n"))).body


def exercise_names(source: str) -> set[str]:
    """Names of the top-level functions and classes whose body holds a solution region."""
    marker_lines = {number for number, line in enumerate(source.split("\n"), start=1)
                    if line.strip() == BEGIN}
    if not marker_lines:
        return set()
    return {node.name for node in parse(source)
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))
            and any(node.lineno <= line <= node.end_lineno for line in marker_lines)}


def checked_names(source: str) -> set[str] | None:
    """The names passed to the check call on the cell's last line; None if it has none."""
    body = parse(source)
    last = body[-1] if body else None
    if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
            and isinstance(last.value.func, ast.Name) and last.value.func.id.startswith("check")):
        return None
    arguments = last.value.args + [keyword.value for keyword in last.value.keywords]
    return {node.id for argument in arguments for node in ast.walk(argument)
            if isinstance(node, ast.Name)}


def shown_text(cell) -> str:
    return "\n".join(output.get("text", "") if output.output_type == "stream"
                     else output.get("data", {}).get("text/plain", "")
                     for output in cell.outputs)


@pytest.mark.parametrize("name", SERIES)
def test_student_edition_runs_and_every_check_says_not_attempted(name, student_edition):
    from nbclient import NotebookClient

    instructor = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb = nbformat.read(student_edition / name, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(student_edition)}}).execute()

    assert not [cell for cell in nb.cells if cell.cell_type == "code"
                and any(output.output_type == "error" for output in cell.outputs)]
    # A check is the exercise's when it names a function holding a solution region, or when it
    # is the first check after such a function (it may pass the exercise under another name).
    exercises, waiting = set(), None
    for index, (ours, theirs) in enumerate(zip(nb.cells, instructor.cells, strict=True)):
        if theirs.cell_type != "code":
            continue
        defined = exercise_names(theirs.source)
        exercises |= defined
        waiting = waiting or (sorted(defined) or None)
        names = checked_names(ours.source)
        if names is not None and (waiting or names & exercises):
            waiting = None
            assert shown_text(ours).startswith("… Not attempted yet"), (
                f"{name}, cell {index} (`{ours.source.strip().splitlines()[-1]}`) shows "
                f"{shown_text(ours)[:200]!r}")
    assert waiting is None, f"{name}: no check cell after the exercise {waiting}"
