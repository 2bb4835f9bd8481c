"""The student edition: the notebooks of the series without their solutions.

    python -m course_utils.student_edition OUTDIR

writes every notebook of notebooks/ to OUTDIR under the same file name. In each code cell,
every region from a `### BEGIN SOLUTION` line to its `### END SOLUTION` line becomes

    # YOUR CODE HERE
    raise NotImplementedError()

at the indentation of the BEGIN line (nbgrader's convention, so nbgrader can take the
instructor notebooks as they are). As in nbgrader, any line that contains "BEGIN SOLUTION" or
"END SOLUTION" is a marker (`## BEGIN SOLUTION (part a)` too); in a markdown or raw cell such
a line is refused, naming the notebook, the cell and the line. Outputs, execution counts and
saved widget state are cleared. Other files next to the notebooks (pictures, data) are copied
as they are.

The edition is written to a temporary folder beside OUTDIR and moved into place only when
every notebook succeeded: a failed run leaves OUTDIR as it was, a successful one leaves
nothing from an earlier run. OUTDIR may be new, empty, or an earlier student edition.

From Python: `strip_solutions(source)` for one cell's text, `student_notebook(nb)` for one
notebook, `write_student_edition(outdir)` for the whole series.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_WORDS, END_WORDS = "BEGIN SOLUTION", "END SOLUTION"  # what makes a line a marker
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


def default_notebooks() -> Path:
    """notebooks/ of the repository this package sits in, else notebooks/ of the current folder."""
    beside = Path(__file__).resolve().parent.parent / "notebooks"
    return beside if beside.is_dir() else Path("notebooks")


class MarkerError(ValueError):
    """A solution marker without its partner, one region inside another, or a marker outside
    a code cell."""


def strip_solutions(source: str, where: str = "this cell") -> str:
    """Replace each BEGIN … END SOLUTION region of `source` by the stub; keep everything else.

    `where` names the cell in the error raised for an unbalanced or nested marker.
    """
    kept: list[str] = []
    opened_at = None
    for number, line in enumerate(source.split("\n"), start=1):
        if BEGIN_WORDS in line:
            if opened_at is not None:
                raise MarkerError(f"{where}: the marker `{line.strip()}` on line {number} is "
                                  f"nested inside the region opened on line {opened_at}; close "
                                  f"that one first with `{END}`.")
            opened_at = number
            indent = line[:len(line) - len(line.lstrip())]
            kept += [indent + stub for stub in STUB]
        elif END_WORDS in line:
            if opened_at is None:
                raise MarkerError(f"{where}: the marker `{line.strip()}` on line {number} has "
                                  f"no `{BEGIN}` before it.")
            opened_at = None
        elif opened_at is None:
            kept.append(line)
    if opened_at is not None:
        raise MarkerError(f"{where}: the region opened on line {opened_at} is never closed; "
                          f"expected a `{END}` line after it.")
    return "\n".join(kept)


def refuse_markers(source: str, where: str) -> None:
    """A markdown or raw cell holds no solution: a marker there would ship the answer."""
    for number, line in enumerate(source.split("\n"), start=1):
        if BEGIN_WORDS in line or END_WORDS in line:
            raise MarkerError(f"{where}: the marker `{line.strip()}` on line {number} is in a "
                              "markdown or raw cell, where nothing is stripped; solutions go in "
                              "code cells.")


def describe_cell(notebook_name: str, index: int, source: str) -> str:
    """'03_x.ipynb, cell 12 (`def backward_pass(...):`)': how errors name a cell."""
    first = next((line.strip() for line in source.split("\n") if line.strip()), "")
    return f"{notebook_name}, cell {index} (`{first[:60]}`)"


def student_notebook(nb, name: str = "notebook"):
    """A copy of `nb` with the solutions replaced and every output and widget state cleared."""
    nb = nbformat.from_dict(nb)  # a deep copy: the instructor's notebook stays as it is
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            refuse_markers(cell.source, describe_cell(name, index, cell.source))
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


def unsafe_outdir(outdir: Path, notebooks_dir: Path, companions: set[str]) -> str | None:
    """Why `outdir` must not receive the edition, or None when it may."""
    out, source = outdir.resolve(), notebooks_dir.resolve()
    if out == source or source in out.parents:
        return (f"OUTDIR {outdir} is inside the notebooks folder {notebooks_dir}: the edition "
                "would overwrite the solutions or be copied into itself; choose a folder "
                "outside it")
    if out in source.parents:
        return (f"OUTDIR {outdir} contains the notebooks folder {notebooks_dir}, which would be "
                "replaced; choose a folder of its own")
    if out.exists() and not out.is_dir():
        return f"OUTDIR {outdir} is an existing file, not a folder; choose a folder"
    if out.is_dir():
        foreign = sorted(p.name for p in out.iterdir() if p.suffix != ".ipynb"
                         and p.name not in companions and p.name != ".ipynb_checkpoints")
        if foreign:
            return (f"OUTDIR {outdir} holds files that are not part of a student edition "
                    f"({', '.join(foreign[:3])}); choose a new or empty folder")
    return None


def write_student_edition(outdir, notebooks_dir=None) -> list[Path]:
    """Write the student edition of every notebook in `notebooks_dir` to `outdir`.

    All of it is written to a temporary folder first and moved into place only when every
    notebook succeeded; returns the notebooks written.
    """
    notebooks_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks()
    outdir = Path(outdir)
    sources = sorted(notebooks_dir.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {notebooks_dir}")
    companions = {p.name for p in notebooks_dir.iterdir()  # pictures or data the notebooks open
                  if p.suffix != ".ipynb" and not p.name.startswith((".", "__"))}
    problem = unsafe_outdir(outdir, notebooks_dir, companions)
    if problem:
        raise ValueError(problem)
    editions = {path.name: student_notebook(read_notebook(path), path.name)
                for path in sources}
    outdir.resolve().parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-new-", dir=outdir.resolve().parent))
    try:
        staging.chmod(0o755)
        for name in sorted(companions):
            if (notebooks_dir / name).is_dir():
                shutil.copytree(notebooks_dir / name, staging / name)
            else:
                shutil.copy2(notebooks_dir / name, staging / name)
        for name, nb in editions.items():
            nbformat.write(nb, staging / name)
        move_into_place(staging, outdir)
    except OSError as error:
        raise OSError(f"writing the student edition to {outdir} failed ({error}); "
                      f"{outdir} was left as it was") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [outdir / name for name in editions]


def move_into_place(staging: Path, outdir: Path) -> None:
    """Rename `staging` to `outdir`; an earlier edition there is set aside first, removed after
    the rename, and put back if the rename fails."""
    earlier = staging.with_name(staging.name.replace("-new-", "-old-"))
    if outdir.exists():
        outdir.rename(earlier)  # an earlier edition: checked to hold nothing else
    try:
        staging.rename(outdir)
    except OSError:
        if earlier.exists():
            earlier.rename(outdir)
        raise
    shutil.rmtree(earlier, ignore_errors=True)


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
    except (OSError, ValueError) as error:  # a MarkerError is a ValueError
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {len(written)} notebooks to {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
