"""What every notebook of the series carries: slides, balanced markers, a clean run, goals
and a recap."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course_utils.student_edition import MarkerError, student_notebook

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

SERIES = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip"}
GOALS = re.compile(r"goal|objective|you will (learn|be able)|after this notebook", re.I)
RECAP = re.compile(r"recap|summary|wrap.?up|take.?aways?|what you (have )?learn", re.I)


@pytest.fixture(params=SERIES)
def notebook(request):
    return request.param, nbformat.read(NOTEBOOKS / request.param, as_version=4)


def headings(cell) -> list[str]:
    """The headings of a markdown cell: `# ...` to `###### ...`, or a bold lead-in `**...**`."""
    if cell.cell_type != "markdown":
        return []
    return [match.group(1) or match.group(2) for line in cell.source.split("\n")
            if (match := re.match(r"#{1,6}\s+(.*)|\*\*(.+?)\*\*", line.strip()))]


def where(name, index, cell) -> str:
    first = next((line for line in cell.source.split("\n") if line.strip()), "")
    return f"{name}, cell {index} ({first[:50]!r})"


def test_the_series_is_numbered_from_01_without_gaps():
    assert SERIES, f"no notebooks in {NOTEBOOKS}"
    numbers = [name.split("_", 1)[0] for name in SERIES]
    assert numbers == [f"{i:02d}" for i in range(1, len(SERIES) + 1)], SERIES


def test_every_cell_has_a_valid_slide_type(notebook):
    name, nb = notebook
    wrong = [f"{where(name, index, cell)}: {cell.metadata.get('slideshow')}"
             for index, cell in enumerate(nb.cells)
             if cell.metadata.get("slideshow", {}).get("slide_type") not in SLIDE_TYPES]
    assert not wrong, f"slide_type must be one of {sorted(SLIDE_TYPES)}:\n" + "\n".join(wrong)


def test_the_deck_opens_with_a_slide(notebook):
    name, nb = notebook
    shown = [cell for cell in nb.cells if cell.metadata.get("slideshow", {}).get("slide_type")
             != "skip"]
    assert shown and shown[0].metadata["slideshow"]["slide_type"] == "slide", name


def test_every_section_heading_starts_a_slide_or_subslide(notebook):
    name, nb = notebook
    wrong = [where(name, index, cell) for index, cell in enumerate(nb.cells)
             if cell.cell_type == "markdown" and re.match(r"#{1,2}\s", cell.source.lstrip())
             and cell.metadata.get("slideshow", {}).get("slide_type") not in ("slide", "subslide")]
    assert not wrong, "a cell opening with a # or ## heading should be a slide or subslide:\n" \
        + "\n".join(wrong)


def test_solution_markers_are_balanced_and_never_nested(notebook):
    name, nb = notebook
    try:
        student_notebook(nb, name)
    except MarkerError as error:
        pytest.fail(str(error))


def test_markdown_cells_hold_no_marker_lines(notebook):
    name, nb = notebook  # nbgrader would replace such a line in markdown too
    found = [where(name, index, cell) for index, cell in enumerate(nb.cells)
             if cell.cell_type == "markdown" and re.search(r"^\s*### (BEGIN|END) SOLUTION\s*$",
                                                           cell.source, re.M)]
    assert not found, "a solution marker on a line of its own in markdown:\n" + "\n".join(found)


def test_solutions_stand_inside_a_function_body(notebook):
    name, nb = notebook
    flush_left = [where(name, index, cell) for index, cell in enumerate(nb.cells)
                  if cell.cell_type == "code" and re.search(r"^### BEGIN SOLUTION", cell.source,
                                                            re.M)]
    assert not flush_left, "a solution must be indented inside a function body:\n" \
        + "\n".join(flush_left)


def test_executed_top_to_bottom_in_one_run(notebook):
    name, nb = notebook
    counts = [cell.execution_count for cell in nb.cells
              if cell.cell_type == "code" and cell.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{name}: execution counts {counts}; run it top to bottom in a fresh kernel "
        "(jupyter nbconvert --to notebook --execute --inplace "
        f"--ExecutePreprocessor.store_widget_state=False notebooks/{name})")


def test_learning_goals_at_the_top(notebook):
    name, nb = notebook
    top = [heading for cell in nb.cells[:3] for heading in headings(cell)]
    assert any(GOALS.search(heading) for heading in top), (
        f"{name}: no learning-goals heading in the first three cells (headings: {top})")


def test_recap_at_the_end(notebook):
    name, nb = notebook
    end = [heading for cell in nb.cells[-3:] for heading in headings(cell)]
    assert any(RECAP.search(heading) for heading in end), (
        f"{name}: no recap heading in the last three cells (headings: {end})")


# -- what the deck, the static readers and Run All rely on --------------------------------------

def slide_type(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def test_code_that_shows_something_appears_in_the_deck(notebook):
    """jupyterlab-slideshow hides every cell whose slide type is "-": a cell with an output (a
    number, a verdict, a picture, a widget) is a slide, subslide or fragment, so that the sentence
    before it does not introduce nothing; "skip" is left for a deliberate duplicate."""
    name, nb = notebook
    hidden = [where(name, index, cell) for index, cell in enumerate(nb.cells)
              if cell.cell_type == "code" and slide_type(cell) == "-" and cell.get("outputs")]
    assert not hidden, ("a cell with an output should be a slide, subslide or fragment, "
                        "not \"-\":\n" + "\n".join(hidden))


def test_plots_are_shown_with_show_figure(notebook):
    name, nb = notebook  # plt.show() gives a PNG without a text alternative
    wrong = [where(name, index, cell) for index, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (
                 "plt.show()" in cell.source
                 or (re.search(r"plt\.(subplots|figure)\(", cell.source)
                     and "show_figure(" not in cell.source)
                 or any(output.get("data", {}).get("text/plain", "").startswith("<Figure size")
                        for output in cell.outputs))]
    assert not wrong, "a plot should end with show_figure(fig), not plt.show():\n" \
        + "\n".join(wrong)


def test_no_saved_widget_state(notebook):
    """Every widget's output carries a static copy of itself; with saved widget state, nbconvert
    and nbviewer would show the widget through a widget manager fetched from a CDN instead (and
    nothing offline), so the notebooks are stored without it, as JupyterLab saves by default."""
    name, nb = notebook
    assert "widgets" not in nb.metadata, (
        f"{name} holds saved widget state: run it with jupyter nbconvert --to notebook --execute "
        f"--inplace --ExecutePreprocessor.store_widget_state=False notebooks/{name}, after "
        "removing metadata.widgets")


def test_no_cell_stores_when_it_ran(notebook):
    """Stored outputs are proof, not a log: without timestamps a re-run that changes nothing
    changes no byte, and a diff shows only what changed."""
    name, nb = notebook
    timed = [i for i, cell in enumerate(nb.cells) if "execution" in cell.metadata]
    assert not timed, (
        f"{name}: cells {timed} store their run times; re-execute with "
        "--ExecutePreprocessor.record_timing=False after removing each cell's metadata.execution")


def test_run_all_leaves_notebook_05s_stepper_at_its_first_step():
    nb = nbformat.read(NOTEBOOKS / "05_backprop_algorithm.ipynb", as_version=4)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    created = next(i for i, source in enumerate(code) if "BackpropStepper(" in source)
    moved = [source for source in code[created:] if re.search(r"\.step\s*=(?!=)", source)]
    assert not moved, ("after the stepper is created, show a step with `stepper.picture(i)` "
                       "instead of setting `.step`:\n" + "\n---\n".join(moved))


def test_nbval_ignores_the_png_inside_an_html_picture():
    from configparser import ConfigParser
    config = ConfigParser()
    config.read(NOTEBOOKS.parent / "tests" / "nbval_sanitize.cfg")

    def sanitized(text: str) -> str:
        for section in config.sections():
            text = re.sub(config[section]["regex"], config[section]["replace"], text)
        return text

    one, other = (f'<img src="data:image/png;base64,{payload}" alt="Figure: a plot.">'
                  for payload in ("iVBORw0KGgoAAA+/=", "iVBORw0KGgoBBB/+="))
    assert sanitized(one) == sanitized(other)
    assert 'alt="Figure: a plot."' in sanitized(one)
