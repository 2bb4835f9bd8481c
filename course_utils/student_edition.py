"""The student edition: the notebooks of the series without their solutions.

    python -m course_utils.student_edition OUTDIR

writes every notebook of notebooks/ to OUTDIR under the same file name. In each code cell,
every region from a `### BEGIN SOLUTION` line to its `### END SOLUTION` line becomes

    # YOUR CODE HERE
    raise NotImplementedError()

at the indentation of the BEGIN line (nbgrader's convention, so nbgrader can take the
instructor notebooks as they are). Outputs, execution counts and saved widget state are
cleared. Other files next to the notebooks (pictures, data) are copied as they are.

From Python: `strip_solutions(source)` for one cell's text, `student_notebook(nb)` for one
notebook, `write_student_edition(outdir)` for the whole series.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


def default_notebooks() -> Path:
    """notebooks/ of the repository this package sits in, else notebooks/ of the current folder."""
    beside = Path(__file__).resolve().parent.parent / "notebooks"
    return beside if beside.is_dir() else Path("notebooks")


class MarkerError(ValueError):
    """A solution marker without its partner, or one region inside another."""


def strip_solutions(source: str, where: str = "this cell") -> str:
    """Replace each BEGIN … END SOLUTION region of `source` by the stub; keep everything else.

    `where` names the cell in the error raised for an unbalanced or nested marker.
    """
    kept, opened_at = [], None
    for number, line in enumerate(source.split("\n"), start=1):
        marker = line.strip()  # a marker is a line of its own, as nbgrader reads it
        if marker == BEGIN:
            if opened_at is not None:
                raise MarkerError(f"{where}: `{BEGIN}` on line {number} is nested inside the "
                                  f"region opened on line {opened_at}; close that one first "
                                  f"with `{END}`.")
            opened_at = number
            indent = line[:len(line) - len(line.lstrip())]
            kept += [indent + stub for stub in STUB]
        elif marker == END:
            if opened_at is None:
                raise MarkerError(f"{where}: `{END}` on line {number} has no `{BEGIN}` "
                                  "before it.")
            opened_at = None
        elif opened_at is None:
            kept.append(line)
    if opened_at is not None:
        raise MarkerError(f"{where}: `{BEGIN}` on line {opened_at} is never closed; "
                          f"expected a `{END}` line after it.")
    return "\n".join(kept)


def describe_cell(notebook_name: str, index: int, source: str) -> str:
    """'03_x.ipynb, cell 12 (`def backward_pass(...):`)': how errors name a cell."""
    first = next((line.strip() for line in source.split("\n") if line.strip()), "")
    return f"{notebook_name}, cell {index} (`{first[:60]}`)"


def student_notebook(nb, name: str = "notebook"):
    """A copy of `nb` with the solutions replaced and every output and widget state cleared."""
    nb = nbformat.from_dict(nb)  # a deep copy: the instructor's notebook stays as it is
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.source = strip_solutions(cell.source, describe_cell(name, index, cell.source))
        cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def read_notebook(path: Path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # not JSON, or not a notebook
        raise ValueError(f"{path.name} is not a readable notebook: {error}") from None


def write_student_edition(outdir, notebooks_dir=None) -> list[Path]:
    """Write the student edition of every notebook in `notebooks_dir` to `outdir`.

    All notebooks are checked before any file is written; returns the notebooks written.
    """
    notebooks_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks()
    outdir = Path(outdir)
    sources = sorted(notebooks_dir.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {notebooks_dir}")
    if outdir.resolve() == notebooks_dir.resolve():
        raise ValueError(f"OUTDIR must differ from {notebooks_dir}: the student edition would "
                         "overwrite the solutions")
    editions = {path.name: student_notebook(read_notebook(path), path.name)
                for path in sources}
    outdir.mkdir(parents=True, exist_ok=True)
    for other in notebooks_dir.iterdir():  # pictures or data the notebooks open
        if other.suffix != ".ipynb" and not other.name.startswith((".", "__")):
            if other.is_dir():
                shutil.copytree(other, outdir / other.name, dirs_exist_ok=True)
            else:
                shutil.copy2(other, outdir / other.name)
    for name, nb in editions.items():
        nbformat.write(nb, outdir / name)
    return [outdir / name for name in editions]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.student_edition",
        description="Write the student edition of the notebooks: each `### BEGIN SOLUTION` … "
                    "`### END SOLUTION` region replaced by `# YOUR CODE HERE` and "
                    "`raise NotImplementedError()`, outputs and widget state cleared.")
    parser.add_argument("outdir", help="folder to write the notebooks to (created if missing)")
    parser.add_argument("--notebooks", default=None, help="folder of the instructor notebooks "
                        f"(default: {default_notebooks()})")
    args = parser.parse_args(argv)
    try:
        written = write_student_edition(args.outdir, args.notebooks)
    except (FileNotFoundError, ValueError) as error:  # a MarkerError is a ValueError
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {len(written)} notebooks to {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
