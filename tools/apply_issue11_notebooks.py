"""Bring the notebooks in line with issue 11: slides that work in jupyterlab-slideshow, pictures
with text alternatives, and notebook 05's stepper left at step 1 after Run All.

    python tools/apply_issue11_notebooks.py [FOLDER]     (default: notebooks/)

Cells are found by what they contain, not by their position, so the script applies to versions
of the notebooks edited since; running it twice changes nothing the second time. It changes
sources and slide metadata only: re-execute the notebooks it names afterwards (their stored
outputs then show the new pictures), e.g.
`jupyter nbconvert --to notebook --execute --inplace notebooks/NAME.ipynb`.

What it changes, and why:
- jupyterlab-slideshow hides every cell whose slide type is "-" (it knows only slide,
  subslide, fragment, notes, skip and none). A markdown cell with "-" and a code cell that
  shows something (a picture, a plot, a widget) become "fragment", so they appear on their
  slide; code that only computes stays "-" (hidden in the deck, shown in the notebook).
- A plot ends with `show_figure(fig)` instead of `plt.show()`: the figure is shown as an image
  with a text alternative (JupyterLab gives a PNG output none).
- "Show the last step" cells render it with `stepper.render(i)` instead of setting
  `stepper.step`, so Run All leaves the live stepper at step 1; the text before them starts a
  sub-slide, so that the stepper's slide is not overfull.
- tests/nbval_sanitize.cfg (next to the folder, if there) gets a rule that hides the PNG inside
  an HTML output, as nbval already ignores every image/png output: a plot or an explorer now
  comes as an HTML image with its text alternative, and a plot of timings differs every run.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

IMPORT = "from course_utils.style import show_figure"
SHOWS = re.compile(r"^(draw\(.*\)|HTML\(.*\)|[A-Za-z]\w*(Stepper|Explorer)\(.*\)|stepper|explorer"
                   r"|show_figure\(.*\))$")
LAST_STEP = "stepper.step = len(stepper.steps) - 1\nHTML(stepper.render())"
RENDER_LAST = "HTML(stepper.render(len(stepper.steps) - 1))"
OLD_SENTENCE = "`.step` is the current one. Here is the"
NEW_SENTENCE = ("`.step` is the current one, and `.render(i)` draws step i without moving the "
                "stepper. Here is the")


def slide_type(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def set_slide_type(cell, kind: str) -> bool:
    if slide_type(cell) == kind:
        return False
    cell.metadata.setdefault("slideshow", {})["slide_type"] = kind
    return True


def last_line(source: str) -> str:
    lines = [line for line in source.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def shows_something(source: str) -> bool:
    """Whether a code cell's result is a picture, a plot or a widget (it belongs on a slide)."""
    return bool(SHOWS.match(last_line(source))) or "plt.subplots(" in source


def with_show_figure(source: str) -> str:
    """A plot cell ending in `show_figure(fig)`; other cells unchanged."""
    if not re.search(r"^fig\s*,.*=\s*plt\.subplots\(", source, re.M):
        return source
    if "show_figure(fig" in source:
        return source
    lines = source.rstrip("\n").splitlines()
    if lines[-1].strip() == "plt.show()":
        lines[-1] = "show_figure(fig)"
    else:
        lines.append("show_figure(fig)")
    return "\n".join(lines)


def with_import(source: str) -> str:
    """The set-up cell with the import of show_figure, in order among the course_utils ones."""
    if IMPORT in source:
        return source
    lines = source.splitlines()
    ours = [i for i, line in enumerate(lines) if line.startswith("from course_utils")]
    later = [i for i in ours if lines[i].split()[1] > "course_utils.style"]
    if later:
        at = later[0]
    else:
        at = ours[-1] + 1
        while at < len(lines) and lines[at - 1].rstrip().endswith(("(", ",")):
            at += 1                                # a parenthesised import goes on
    lines.insert(at, IMPORT)
    return "\n".join(lines)


def apply(nb) -> list[str]:
    """Apply every change to one notebook in place; return what changed."""
    changes: list[str] = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.strip() == LAST_STEP:
            cell.source = RENDER_LAST
            changes.append(f"cell {index}: the last step rendered without moving the stepper")
            before = nb.cells[index - 1]
            if before.cell_type == "markdown":
                if OLD_SENTENCE in before.source:
                    before.source = before.source.replace(OLD_SENTENCE, NEW_SENTENCE)
                if set_slide_type(before, "subslide"):
                    changes.append(f"cell {index - 1}: starts a sub-slide")
    plots = False
    for index, cell in enumerate(code):
        new = with_show_figure(cell.source)
        if new != cell.source:
            cell.source = new
            changes.append(f"code cell {index}: the plot shown with a text alternative")
        plots = plots or "show_figure(fig" in cell.source
    if plots:
        setup = next(c for c in code if "from course_utils" in c.source)
        new = with_import(setup.source)
        if new != setup.source:
            setup.source = new
            changes.append("set-up cell: imports show_figure")
    for index, cell in enumerate(nb.cells):
        if slide_type(cell) != "-":
            continue
        if cell.cell_type == "markdown" or shows_something(cell.source):
            set_slide_type(cell, "fragment")
            changes.append(f"cell {index}: a fragment, shown in the deck")
    return changes


PNG_RULE = """
[PNG inside HTML: a picture with its text alternative; nbval ignores image/png alike]
regex: data:image/png;base64,[A-Za-z0-9+/=]+
replace: data:image/png;base64,<PNG>
"""


def sanitize_png(folder: Path) -> None:
    """Add the PNG rule to tests/nbval_sanitize.cfg beside `folder`, once."""
    config = folder.resolve().parent / "tests" / "nbval_sanitize.cfg"
    if config.exists() and "data:image/png;base64,<PNG>" not in config.read_text():
        with config.open("a") as out:
            out.write(PNG_RULE)
        print(f"{config}: the rule for PNGs inside HTML added")


def main(folder: str = "notebooks") -> int:
    paths = sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print(f"apply_issue11_notebooks: no notebooks NN_*.ipynb in {folder}", file=sys.stderr)
        return 1
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        changes = apply(nb)
        if changes:
            nbformat.write(nb, path)
        print(f"{path.name}: {len(changes)} change(s)" + "".join(f"\n  {c}" for c in changes))
    sanitize_png(Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
