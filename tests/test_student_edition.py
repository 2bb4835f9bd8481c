"""The student edition: solutions replaced nbgrader's way, and the result runs top to bottom."""
from __future__ import annotations

import ast
import os
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


# --- the command: written into a folder where a student works --------------------------------

STUB_LINES = "    # YOUR CODE HERE\n    raise NotImplementedError()"
MINE = "    y_bar = y - t  # mine\n    z_bar = y_bar * y * (1 - y)"
QUESTION = "**Q:** Which values does the bar of z need from the forward pass?"
PLACEHOLDER = "*Your answer:* (double-click this cell and write it here)"
ANSWERED = "*Your answer:* y, and nothing else: mine"


def lesson(*, first=(), intro="## The backward pass", doc="Return y_bar and z_bar.",
           name="backward_pass", question=QUESTION):
    """An instructor notebook: an exercise, then a question and its prediction cell."""
    code = EXERCISE.replace("Return y_bar and z_bar.", doc).replace("backward_pass", name)
    return new_notebook(cells=[*map(new_markdown_cell, first), new_markdown_cell(intro),
                               new_code_cell(code), new_markdown_cell(question),
                               new_markdown_cell(PLACEHOLDER), new_code_cell(f"check({name})")])


def series(folder, *names, nb=None):
    folder.mkdir(exist_ok=True)
    for name in names:
        nbformat.write(nb or exercise_notebook(EXERCISE), folder / name)
    return folder


def edit(path, change):
    """Change the notebook at `path` as a student would in Jupyter."""
    nb = nbformat.read(path, as_version=4)
    change(nb)
    nbformat.write(nb, path)


def fill_in(nb, answer=ANSWERED):
    """The student writes the exercise's code and answers the prediction."""
    for cell in nb.cells:
        cell.source = cell.source.replace(STUB_LINES, MINE)
        if cell.source == PLACEHOLDER:
            cell.source = answer


def run_cells(nb):
    """What running every cell leaves: outputs, counts, and the empty cell Shift+Enter adds."""
    for count, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            cell.execution_count = count
            cell.outputs = [new_output("stream", name="stdout", text="ran\n")]
    nb.cells.append(new_code_cell(""))


def tree(folder):
    """Every path under `folder`, with the bytes of each file: to show nothing changed."""
    return {str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None
            for path in sorted(folder.rglob("*"))}


def sources(path):
    return [cell.source for cell in nbformat.read(path, as_version=4).cells]


def test_command_writes_every_notebook_under_its_own_name_and_what_it_wrote(tmp_path):
    source_dir, out = tmp_path / "instructor", tmp_path / "student"
    series(source_dir, "01_a.ipynb", "02_b.ipynb")
    (source_dir / "picture.svg").write_text("<svg/>")
    assert main([str(out), "--notebooks", str(source_dir)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        ".student_edition.json", "01_a.ipynb", "02_b.ipynb", "picture.svg"]
    written = nbformat.read(out / "02_b.ipynb", as_version=4)
    assert "raise NotImplementedError()" in written.cells[1].source
    nbformat.validate(written)


def test_command_reports_a_bad_marker_and_writes_nothing(tmp_path, capsys):
    source_dir, out = tmp_path / "instructor", tmp_path / "student"
    series(source_dir, "01_a.ipynb")
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


@pytest.mark.parametrize("where, words", [
    ("instructor/student", "is inside the notebooks folder"),
    (".", "contains the notebooks folder"),
    ("notes.txt", "is an existing file, not a folder"),
])
def test_an_unsafe_outdir_is_refused_with_one_line_and_nothing_written(tmp_path, capsys,
                                                                       where, words):
    source = series(tmp_path / "instructor", "01_a.ipynb")
    (tmp_path / "notes.txt").write_text("mine")
    before = tree(tmp_path)
    assert main([str(tmp_path / where), "--notebooks", str(source)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and re.search(words, error), error
    assert tree(tmp_path) == before


def test_a_second_run_over_a_filled_in_notebook_refuses_naming_it_and_changes_nothing(
        tmp_path, capsys):
    source, out = series(tmp_path / "instructor", "01_a.ipynb", "02_b.ipynb"), tmp_path / "out"
    write_student_edition(out, source)
    edit(out / "02_b.ipynb", fill_in)
    series(source, "01_a.ipynb", "02_b.ipynb", nb=lesson())  # a new version of both
    before = tree(out)
    assert main([str(out), "--notebooks", str(source)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error
    assert "02_b.ipynb" in error and "01_a.ipynb" not in error
    assert "new folder" in error and "--update" in error and "--force" in error
    assert tree(out) == before


def test_force_replaces_a_filled_in_notebook_and_says_so(tmp_path, capsys):
    source, out = series(tmp_path / "instructor", "01_a.ipynb"), tmp_path / "out"
    write_student_edition(out, source)
    edit(out / "01_a.ipynb", fill_in)
    assert main([str(out), "--notebooks", str(source), "--force"]) == 0
    assert "01_a.ipynb: replaced the changes" in capsys.readouterr().out
    assert sources(out / "01_a.ipynb") == [cell.source for cell in student_notebook(
        nbformat.read(source / "01_a.ipynb", as_version=4)).cells]


def test_a_notebook_whose_cells_were_only_run_is_refreshed(tmp_path):
    source, out = series(tmp_path / "instructor", "01_a.ipynb", nb=lesson()), tmp_path / "out"
    write_student_edition(out, source)
    edit(out / "01_a.ipynb", run_cells)
    series(source, "01_a.ipynb", nb=lesson(intro="## The backward pass, new"))
    assert write_student_edition(out, source) == {out / "01_a.ipynb": []}
    assert sources(out / "01_a.ipynb")[0] == "## The backward pass, new"


def test_without_a_record_a_notebook_is_compared_with_the_new_edition(tmp_path, capsys):
    source, out = series(tmp_path / "instructor", "01_a.ipynb", "02_b.ipynb"), tmp_path / "out"
    write_student_edition(out, source)
    (out / ".student_edition.json").unlink()  # an edition from before the record
    edit(out / "01_a.ipynb", run_cells)
    edit(out / "02_b.ipynb", fill_in)
    assert main([str(out), "--notebooks", str(source)]) == 1
    error = capsys.readouterr().err
    assert "02_b.ipynb" in error and "01_a.ipynb" not in error


def test_a_folder_named_like_a_notebook_is_an_error_and_is_left_alone(tmp_path, capsys):
    source, out = series(tmp_path / "instructor", "01_a.ipynb", "02_b.ipynb"), tmp_path / "out"
    (out / "02_b.ipynb").mkdir(parents=True)
    (out / "02_b.ipynb" / "draft.txt").write_text("mine")
    before = tree(out)
    assert main([str(out), "--notebooks", str(source), "--force"]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "02_b.ipynb is a folder" in error
    assert tree(out) == before


def test_the_students_own_files_survive_every_kind_of_run(tmp_path):
    source, out = series(tmp_path / "instructor", "01_a.ipynb"), tmp_path / "out"
    write_student_edition(out, source)
    (out / "notes.md").write_text("my notes")
    nbformat.write(lesson(), out / "scratch.ipynb")
    (out / "data").mkdir()
    (out / "data" / "mine.csv").write_text("1,2\n")
    own = {name: data for name, data in tree(out).items()
           if name.startswith(("notes", "scratch", "data"))}
    for flags in ({}, {"update": True}, {"force": True}):
        write_student_edition(out, source, **flags)
        assert {name: tree(out)[name] for name in own} == own


def test_a_changed_picture_is_not_replaced_without_force(tmp_path, capsys):
    source, out = series(tmp_path / "instructor", "01_a.ipynb"), tmp_path / "out"
    (source / "picture.svg").write_text("<svg/>")
    write_student_edition(out, source)
    (out / "picture.svg").write_text("<svg>my drawing</svg>")
    assert main([str(out), "--notebooks", str(source), "--update"]) == 1
    assert "picture.svg, which --update cannot merge" in capsys.readouterr().err
    assert (out / "picture.svg").read_text() == "<svg>my drawing</svg>"


def test_notebooks_of_an_earlier_run_that_left_the_series_go_unless_changed(tmp_path):
    source = series(tmp_path / "instructor", "01_a.ipynb", "02_b.ipynb", "03_c.ipynb")
    out = tmp_path / "out"
    write_student_edition(out, source)
    edit(out / "03_c.ipynb", fill_in)
    (source / "02_b.ipynb").unlink()
    (source / "03_c.ipynb").unlink()
    write_student_edition(out, source)
    assert sorted(p.name for p in out.iterdir()) == [".student_edition.json", "01_a.ipynb",
                                                     "03_c.ipynb"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instructor", "out"]  # no leftovers


def test_a_write_failing_midway_leaves_every_file_whole_and_the_next_run_completes(
        tmp_path, monkeypatch):
    source, out = series(tmp_path / "instructor", "01_a.ipynb", "02_b.ipynb"), tmp_path / "out"
    write_student_edition(out, source)
    before = tree(out)
    series(source, "01_a.ipynb", "02_b.ipynb", nb=lesson())
    real_replace = os.replace

    def replace_then_fail(temporary, path):
        if Path(path).name == "02_b.ipynb":
            raise OSError("No space left on device")
        real_replace(temporary, path)

    monkeypatch.setattr(os, "replace", replace_then_fail)
    with pytest.raises(OSError, match="No space left on device.*every file there is whole"):
        write_student_edition(out, source)
    assert sorted(tree(out)) == sorted(before)  # no temporary file left
    assert (out / "02_b.ipynb").read_bytes() == before["02_b.ipynb"]
    monkeypatch.undo()
    write_student_edition(out, source)  # 01_a is the new edition, 02_b the old: neither refused
    assert sources(out / "02_b.ipynb")[0] == "## The backward pass"


# --- --update: the new version, with the student's work kept ----------------------------------

def test_update_keeps_the_code_and_the_answer_when_cells_shift_and_the_text_around_changes(
        tmp_path, capsys):
    source, out = series(tmp_path / "instructor", "01_a.ipynb", nb=lesson()), tmp_path / "out"
    write_student_edition(out, source)
    edit(out / "01_a.ipynb", fill_in)
    new = lesson(first=["## A warm-up first"], intro="## The backward pass, in two lines",
                 doc="Return the bars of y and z.", question=QUESTION + " Say why.")
    series(source, "01_a.ipynb", nb=new)
    assert main([str(out), "--notebooks", str(source), "--update"]) == 0
    report = capsys.readouterr().out
    assert "01_a.ipynb: kept your code in `backward_pass`; kept your answer to" in report
    expected = [cell.source for cell in student_notebook(new).cells]
    expected[2] = expected[2].replace(STUB_LINES, MINE)   # the exercise, one cell further down
    expected[4] = ANSWERED
    assert sources(out / "01_a.ipynb") == expected
    assert "Return the bars of y and z." in expected[2] and "mine" in expected[2]
    updated = (out / "01_a.ipynb").read_bytes()
    write_student_edition(out, source, update=True)
    assert (out / "01_a.ipynb").read_bytes() == updated  # updating again changes nothing


def test_update_keeps_a_cell_it_cannot_place_at_the_end_and_says_so(tmp_path, capsys):
    source, out = series(tmp_path / "instructor", "01_a.ipynb", nb=lesson()), tmp_path / "out"
    write_student_edition(out, source)

    def fill_in_and_add_a_cell(nb):
        fill_in(nb)
        nb.cells.insert(2, new_code_cell("scratch = backward_pass(0.7, 1.0, 0.8)"))

    edit(out / "01_a.ipynb", fill_in_and_add_a_cell)
    series(source, "01_a.ipynb", nb=lesson(name="backward"))  # the exercise renamed
    assert main([str(out), "--notebooks", str(source), "--update"]) == 0
    report = capsys.readouterr().out
    assert "kept your answer" in report
    assert "kept 2 cells that the new version has no place for at the end" in report
    assert "`import numpy as np`" in report and "`scratch = backward_pass" in report
    cells = sources(out / "01_a.ipynb")
    assert STUB_LINES in cells[1] and "def backward(" in cells[1]
    assert cells[-3].startswith("**Kept from your earlier copy of this notebook.**")
    assert MINE in cells[-2] and "def backward_pass(" in cells[-2]
    assert cells[-1] == "scratch = backward_pass(0.7, 1.0, 0.8)"
    nbformat.validate(nbformat.read(out / "01_a.ipynb", as_version=4))  # cell ids unique
    write_student_edition(out, source, update=True)
    assert sources(out / "01_a.ipynb") == cells  # one note, the same cells below it


def test_update_of_the_real_series_keeps_every_exercise_and_answer_in_its_place(tmp_path,
                                                                             capsys):
    out = tmp_path / "student"
    write_student_edition(out, NOTEBOOKS)
    before = tree(out)
    notebook = out / "03_sigmoid_least_squares.ipynb"

    def fill_in_every_exercise_and_answer(nb):
        for number, cell in enumerate(nb.cells):
            cell.source = cell.source.replace(STUB_LINES, f"    return {number}  # mine")
            if cell.source.startswith("*Your answer:*"):
                cell.source = f"*Your answer:* mine, {number}"

    edit(notebook, fill_in_every_exercise_and_answer)
    filled = sources(notebook)
    assert main([str(out), "--notebooks", str(NOTEBOOKS), "--update"]) == 0
    report = capsys.readouterr().out.splitlines()
    assert [line[:3] for line in report[:-1]] == ["03_"]
    assert report[0].count("kept your code") == sum("# mine" in s for s in filled) >= 3
    assert report[0].count("kept your answer") == sum(", mine" in s or "mine," in s
                                                      for s in filled) >= 6
    assert "no place" not in report[0]
    assert sources(notebook) == filled
    assert {name: data for name, data in tree(out).items() if not name.startswith("03")} == {
        name: data for name, data in before.items() if not name.startswith("03")}


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
