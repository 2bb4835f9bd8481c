"""The student edition: the notebooks of the series without their solutions.

    python -m course_utils.student_edition OUTDIR [--update | --force]

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

OUTDIR is where a student works, so running again never loses their work. Each file is
written on its own (a temporary file beside it, renamed over it), and nothing the edition did
not write is deleted or changed: the student's notes and scratch notebooks stay, and a folder
where a notebook goes is an error. OUTDIR/.student_edition.json records what the edition wrote
(a hash of each cell's source). A notebook whose sources are neither that nor the new edition
holds the student's work (outputs and execution counts do not count: running cells loses
nothing), and the run is refused, naming it, before anything is written, unless

    --update  brings in the new edition with the student's work kept: their code in each
              exercise (found by the function around it, not by the cell's position), their
              answer in each prediction cell (found by the question before it), and every
              other cell of theirs at the end of the notebook, under a note;
    --force   replaces it by the new edition.

Unchanged notebooks are refreshed; those an earlier run wrote that left the series are removed.

From Python: `strip_solutions(source)` for one cell's text, `student_notebook(nb)` for one
notebook, `carry_over(theirs, edition)` for the student's work in one notebook,
`write_student_edition(outdir)` for the whole series.
"""
from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell
from nbformat.v4.nbbase import random_cell_id

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_WORDS, END_WORDS = "BEGIN SOLUTION", "END SOLUTION"  # what makes a line a marker
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MANIFEST = ".student_edition.json"  # in OUTDIR: what the edition wrote there
ANSWER = re.compile(r"\*{1,2}Your answer:\*{1,2}")  # how a prediction cell starts
DEFINITION = re.compile(r"(?:async\s+)?(?:def|class)\s+(\w+)")  # a top-level def or class
SIMILAR = 0.6  # a question reworded by a new version still reads this much alike
NOTE = ("**Kept from your earlier copy of this notebook.** The new version has no place for "
        "the cells below, so they are here as you left them: move what you need where it "
        "belongs.")


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


def first_line(source: str) -> str:
    return next((line.strip() for line in source.split("\n") if line.strip()), "")


def describe_cell(notebook_name: str, index: int, source: str) -> str:
    """'03_x.ipynb, cell 12 (`def backward_pass(...):`)': how errors name a cell."""
    return f"{notebook_name}, cell {index} (`{first_line(source)[:60]}`)"


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


# --- the student's work: what differs from what the edition wrote ---------------------------

def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def cell_hash(cell) -> str:
    return digest(f"{cell['cell_type']}\n{cell['source']}".encode())


def fingerprint(nb) -> list[str]:
    """A hash of each non-empty cell's type and source: what a student's work changes and
    running the cells does not (outputs, execution counts, the empty cell Shift+Enter adds)."""
    return [cell_hash(cell) for cell in nb.cells if cell.source.strip()]


def stubs(source: str) -> int:
    """How many stubs the student-edition cell `source` holds."""
    lines = [line.strip() for line in source.split("\n")]
    return list(zip(lines, lines[1:], strict=False)).count(STUB)


def fill_stubs(source: str, regions: list[list[str]]) -> str:
    """The student-edition cell `source` with its stubs replaced, in order, by `regions`."""
    lines, filled, todo, i = source.split("\n"), [], iter(regions), 0
    while i < len(lines):
        if tuple(line.strip() for line in lines[i:i + 2]) == STUB:
            filled += next(todo)
            i += 2
        else:
            filled.append(lines[i])
            i += 1
    return "\n".join(filled)


def exercise_key(source: str) -> str:
    """What names an exercise cell from one version to the next: the function (or class) its
    first stub stands in, else its first line."""
    key = first_line(source)
    for line in source.split("\n"):
        if line.strip() == STUB[0]:
            break
        if definition := DEFINITION.match(line):
            key = definition.group(1)
    return key


def exercise_cells(nb) -> dict[str, int]:
    """{key: cell index} of the cells of a student edition that hold a stub."""
    found: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and stubs(cell.source):
            found.setdefault(exercise_key(cell.source), index)
    return found


def question_before(nb, index: int) -> str:
    """The last non-empty cell before cell `index`: for a prediction cell, its question."""
    return next((cell.source for cell in reversed(nb.cells[:index]) if cell.source.strip()), "")


def prediction_cells(nb) -> dict[int, str]:
    """{cell index: its question} of the prediction cells ("*Your answer:* …")."""
    return {index: question_before(nb, index) for index, cell in enumerate(nb.cells)
            if cell.cell_type == "markdown" and ANSWER.match(cell.source.lstrip())}


def carry_over(theirs, edition, record: dict | None = None) -> tuple[object, list[str]]:
    """`edition` with the student's work from `theirs` put in, and what was kept, in words.

    The student's cells are the non-empty ones that are neither in `record` (what the edition
    wrote there before: {"cells": fingerprint, "exercises": {key: source}}) nor in `edition`.
    A student's cell defining an exercise's function gives that exercise its code, region by
    region; a student's answer goes to the prediction cell whose question is most like theirs.
    Every other cell of theirs goes at the end, under a note, rather than be lost.
    """
    record = record or {}
    nb = nbformat.from_dict(edition)
    exercises, predictions = exercise_cells(nb), prediction_cells(nb)
    ours = {*record.get("cells", []), *fingerprint(nb), cell_hash(new_markdown_cell(NOTE))}
    kept, unplaced = [], []
    for index, cell in enumerate(theirs.cells):
        if not cell.source.strip() or cell_hash(cell) in ours:
            continue
        if cell.cell_type == "code":
            placed = _place_code(cell.source, nb, exercises, record.get("exercises", {}))
        elif cell.cell_type == "markdown" and ANSWER.match(cell.source.lstrip()):
            placed = _place_answer(cell.source, question_before(theirs, index), nb, predictions)
        else:
            placed = None
        if placed:
            kept.append(placed)
        else:
            unplaced.append(cell)
    if unplaced:
        nb.cells.append(new_markdown_cell(NOTE))
        nb.cells += [nbformat.from_dict({**cell, "id": random_cell_id()}) for cell in unplaced]
        shown = ", ".join(f"`{first_line(cell.source)[:40]}`" for cell in unplaced[:3])
        kept.append(f"kept {len(unplaced)} cell{'s' * (len(unplaced) > 1)} that the new version "
                    f"has no place for at the end ({shown}{', …' * (len(unplaced) > 3)})")
    return nb, kept


def _place_code(source: str, nb, exercises: dict[str, int], wrote: dict[str, str]) -> str | None:
    """Put the student's cell `source` into the exercise of `nb` whose function it defines,
    when it differs from what the edition wrote (before, or now) only inside the regions."""
    from .grade.submissions import student_regions  # the grader's alignment; it imports us

    names = {first_line(source)} | {d.group(1) for d in map(DEFINITION.match,
                                                            source.split("\n")) if d}
    key = next((key for key in exercises if key in names), None)
    if key is None:
        return None
    target = nb.cells[exercises[key]]
    for edition in dict.fromkeys([wrote.get(key, target.source), target.source]):
        regions = student_regions(edition, source)
        if fill_stubs(edition, regions) == source and len(regions) == stubs(target.source):
            target.source = fill_stubs(target.source, regions)
            del exercises[key]
            return f"kept your code in `{key}`"
    return None


def _place_answer(answer: str, question: str, nb, predictions: dict[int, str]) -> str | None:
    """Put the student's `answer` into the prediction cell of `nb` whose question is most like
    `question`, the one the student answered."""
    likeness = {index: difflib.SequenceMatcher(None, question, theirs).ratio()
                for index, theirs in predictions.items()}
    best = max(likeness, key=likeness.__getitem__, default=None)
    if best is None or likeness[best] < SIMILAR:
        return None
    nb.cells[best].source = answer
    del predictions[best]
    return f"kept your answer to “{first_line(question)[:50]}”"


# --- writing into the student's folder -------------------------------------------------------

def unsafe_outdir(outdir: Path, notebooks_dir: Path) -> str | None:
    """Why `outdir` must not receive the edition, or None when it may."""
    out, source = outdir.resolve(), notebooks_dir.resolve()
    if out == source or source in out.parents:
        return (f"OUTDIR {outdir} is inside the notebooks folder {notebooks_dir}: the edition "
                "would overwrite the solutions or be copied into itself; choose a folder "
                "outside it")
    if out in source.parents:
        return (f"OUTDIR {outdir} contains the notebooks folder {notebooks_dir}: the edition "
                "would lie among the instructor's files; choose a folder of its own")
    if out.exists() and not out.is_dir():
        return f"OUTDIR {outdir} is an existing file, not a folder; choose a folder"
    return None


def companion_files(notebooks_dir: Path) -> dict[str, Path]:
    """The pictures and data beside the notebooks, by their path inside the folder (hidden
    files and __pycache__ left out)."""
    found = {}
    for path in sorted(notebooks_dir.rglob("*")):
        parts = path.relative_to(notebooks_dir).parts
        if path.is_file() and not (len(parts) == 1 and path.suffix == ".ipynb") \
                and not any(part.startswith((".", "__")) for part in parts):
            found["/".join(parts)] = path
    return found


def in_the_way(outdir: Path, names: list[str]) -> list[str]:
    """A folder where the edition writes a file, or a file where it needs a folder: someone's,
    so an error, never deleted."""
    problems = []
    for name in names:
        if (outdir / name).is_dir():
            problems.append(f"{outdir / name} is a folder, where the edition writes the file "
                            f"{name}")
        problems += [f"{outdir / parent} is a file, where the edition needs a folder"
                     for parent in list(Path(name).parents)[:-1]
                     if (outdir / parent).exists() and not (outdir / parent).is_dir()]
    return list(dict.fromkeys(problems))


def read_manifest(outdir: Path) -> dict:
    """What an earlier run wrote to `outdir`: {"notebooks": {name: {"cells", "exercises"}},
    "files": {name: digest}}; empty where there is none (or it cannot be read), so that each
    file is compared with the new edition alone."""
    try:
        manifest = as_dict(json.loads((outdir / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        manifest = {}
    notebooks = {}
    for name, entry in as_dict(manifest.get("notebooks")).items():
        cells, exercises = as_dict(entry).get("cells"), as_dict(entry).get("exercises")
        notebooks[name] = {"cells": cells if isinstance(cells, list) else [],
                           "exercises": {key: source for key, source in as_dict(exercises).items()
                                         if isinstance(source, str)}}
    return {"notebooks": notebooks, "files": as_dict(manifest.get("files"))}


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def leftover(path: Path, entry: dict) -> bool:
    """Whether `path`, of a notebook no longer in the series, is as an earlier run wrote it."""
    try:
        return path.is_file() and fingerprint(read_notebook(path)) == entry["cells"]
    except ValueError:
        return False


def write_atomically(path: Path, data: bytes) -> None:
    """Write `path` through a temporary file beside it, so that it is never half written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def refusal(outdir: Path, names: list[str], update: bool) -> str:
    if update:
        return (f"{outdir} holds {', '.join(names)}, which --update cannot merge; nothing was "
                "written. Move them away, or add --force to replace them")
    return (f"{outdir} holds changes to {', '.join(names)} since the edition wrote them, which "
            "this run would replace; nothing was written. Write to a new folder, add --update "
            "to bring in the new version and keep those changes, or --force to replace them")


def write_student_edition(outdir, notebooks_dir=None, *, update: bool = False,
                          force: bool = False) -> dict[Path, list[str]]:
    """Write the student edition of every notebook in `notebooks_dir` to `outdir`.

    Everything is checked before anything is written: the markers, and whether `outdir` holds
    changes the run would replace (refused, unless `update` keeps them or `force` replaces
    them). Returns each notebook written, with what was kept (or replaced) there, in words.
    """
    notebooks_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks()
    outdir = Path(outdir)
    sources = sorted(notebooks_dir.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {notebooks_dir}")
    problem = unsafe_outdir(outdir, notebooks_dir)
    if problem:
        raise ValueError(problem)
    editions = {path.name: student_notebook(read_notebook(path), path.name) for path in sources}
    files = {name: path.read_bytes() for name, path in companion_files(notebooks_dir).items()}
    problems = in_the_way(outdir, [*editions, *files, MANIFEST])
    if problems:
        raise ValueError("; ".join(problems) + "; nothing was written. Move it away, or choose "
                         "another folder")
    record = read_manifest(outdir)
    notebooks: dict[Path, object] = {}
    notes: dict[Path, list[str]] = {}
    changed: list[str] = []
    unmergeable: list[str] = []
    for name, edition in editions.items():
        target, entry = outdir / name, record["notebooks"].get(name) or {}
        notebooks[target], notes[target] = edition, []
        if not target.exists():
            continue
        try:
            theirs = read_notebook(target)
        except ValueError:
            unmergeable.append(f"{name} (not a readable notebook)")
            notes[target] = ["replaced what was there, not a readable notebook"]
            continue
        if fingerprint(theirs) in (entry.get("cells"), fingerprint(edition)):
            continue  # as the edition wrote it, perhaps run: refreshed
        changed.append(name)
        if update:
            notebooks[target], notes[target] = carry_over(theirs, edition, entry)
        else:
            notes[target] = ["replaced the changes made there"]
    for name, data in files.items():
        target = outdir / name
        if target.exists() and digest(target.read_bytes()) not in (record["files"].get(name),
                                                                    digest(data)):
            unmergeable.append(name)
    refused = [] if force else unmergeable if update else changed + unmergeable
    if refused:
        raise ValueError(refusal(outdir, refused, update))
    stale = [outdir / name for name, entry in record["notebooks"].items()
             if name not in editions and Path(name).name == name and name.endswith(".ipynb")
             and leftover(outdir / name, entry)]
    manifest = {
        "about": "What python -m course_utils.student_edition wrote to this folder, so that "
                 "running it again can tell your work from its own.",
        "notebooks": {name: {"cells": fingerprint(nb),
                             "exercises": {key: nb.cells[index].source
                                           for key, index in exercise_cells(nb).items()}}
                      for name, nb in editions.items()},
        "files": {name: digest(data) for name, data in files.items()},
    }
    try:
        for name, data in files.items():
            write_atomically(outdir / name, data)
        for target, nb in notebooks.items():
            write_atomically(target, nbformat.writes(nb).encode() + b"\n")
        for path in stale:
            path.unlink()
        write_atomically(outdir / MANIFEST, json.dumps(manifest, indent=1,
                                                       ensure_ascii=False).encode())
    except OSError as error:
        raise OSError(f"writing the student edition to {outdir} failed ({error}); every file "
                      "there is whole, as it was or as the new edition: run again") from None
    return notes


def move_into_place(staging: Path, outdir: Path) -> None:
    """Rename `staging` to `outdir`, replacing a folder there whole (the course site's build
    is written this way): that folder is set aside first, removed after the rename, and put
    back if the rename fails."""
    earlier = staging.with_name(staging.name.replace("-new-", "-old-"))
    if outdir.exists():
        outdir.rename(earlier)  # the caller checked that it may be replaced
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
                    "`raise NotImplementedError()`, outputs and widget state cleared. A "
                    "notebook changed since the edition wrote it is never replaced silently.")
    parser.add_argument("outdir", help="folder to write the notebooks to (created if missing)")
    parser.add_argument("--notebooks", default=None, help="folder of the instructor notebooks "
                        f"(default: {default_notebooks()})")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--update", action="store_true",
                      help="bring a new version of the series into OUTDIR, keeping the code "
                           "written in each exercise, the answers to the predictions and every "
                           "other cell added or changed")
    mode.add_argument("--force", action="store_true",
                      help="replace notebooks changed since the edition wrote them (the "
                           "changes are lost)")
    args = parser.parse_args(argv)
    try:
        written = write_student_edition(args.outdir, args.notebooks, update=args.update,
                                        force=args.force)
    except (OSError, ValueError) as error:  # a MarkerError is a ValueError
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path, kept in written.items():
        if kept:
            print(f"{path.name}: {'; '.join(kept)}")
    print(f"Wrote {len(written)} notebooks to {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
