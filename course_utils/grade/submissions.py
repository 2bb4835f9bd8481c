"""Who handed in what, and the code that is graded: the instructor's notebook, with only the
student's solution regions taken from the student's notebook (as nbgrader does).

Two layouts of SUBMISSIONS are accepted:

    SUBMISSIONS/<student>/<notebook>.ipynb                   the series' own
    SUBMISSIONS/[submitted/]<student>/<assignment>/<notebook>.ipynb   nbgrader's

Every folder in it is a student, and gets a row even when it holds no readable notebook.

A student's regions are found by their place, not by trusting the student's file: the student's
cell is the one with the instructor cell's id (else the most similar code cell), and each
region is what the student wrote where the student edition has `# YOUR CODE HERE` and
`raise NotImplementedError()`, found by aligning the two cells line by line. Lines the student
changed outside the regions are ignored; a missing cell leaves its region as the stub, which
the check reports as not attempted.
"""
from __future__ import annotations

import ast
import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..student_edition import BEGIN_WORDS, END_WORDS, STUB, strip_solutions

#: A notebook larger than this is not read (bytes): a huge output must not stall the run.
MAX_NOTEBOOK = 20 * 2**20


@dataclass
class Exercise:
    """One graded exercise: its column in grades.csv, its check, where its check cell is."""
    column: str          # "03/backward_pass": the notebook's number and the function(s)
    check: str           # "check_bar_notation"
    notebook: str        # "03_sigmoid_least_squares.ipynb"


@dataclass
class Prepared:
    """A notebook ready to run: its code cells (student regions put in) and what to check."""
    cells: list[dict]
    notes: list[str] = field(default_factory=list)   # what the grade should say about it


def students(submissions: Path) -> dict[str, dict[str, Path]]:
    """{student: {notebook file name: path}}, for both layouts, sorted by student."""
    root = submissions / "submitted" if (submissions / "submitted").is_dir() else submissions
    found: dict[str, dict[str, Path]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()
                         and not p.name.startswith(".")):
        notebooks: dict[str, Path] = {}
        for path in sorted(folder.glob("*.ipynb")) + sorted(folder.glob("*/*.ipynb")):
            if ".ipynb_checkpoints" not in path.parts and not path.is_symlink():
                notebooks.setdefault(path.name, path)
        found[folder.name] = notebooks
    return found


def _code(source: str) -> str:
    """A cell's source as Python: IPython's `%magic` and `!shell` lines become `pass`."""
    return "\n".join(line[:len(line) - len(line.lstrip())] + "pass"
                     if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


def _check_calls(source: str, checks: set[str]) -> list[tuple[str, list[str]]]:
    """The check calls of a cell, `check_x(f, g)` as ("check_x", ["f", "g"])."""
    try:
        tree = ast.parse(_code(source))
    except SyntaxError:
        return []
    return [(s.value.func.id, [ast.unparse(a) for a in s.value.args]) for s in tree.body
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
            and isinstance(s.value.func, ast.Name) and s.value.func.id in checks]


def _defined(source: str) -> set[str]:
    try:
        tree = ast.parse(_code(source))
    except SyntaxError:
        return set()
    names = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, ast.Assign):
            names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return names


def exercises(instructor, notebook: str, checks: set[str]) -> list[Exercise]:
    """The exercises of an instructor notebook: each check call whose functions are defined in
    a cell that holds a solution region (a check of the notebook's own demonstration is not)."""
    solved = set().union(*[_defined(c["source"]) for c in instructor["cells"]
                           if c["cell_type"] == "code" and BEGIN_WORDS in c["source"]])
    found = []
    for cell in instructor["cells"]:
        if cell["cell_type"] != "code":
            continue
        for check, args in _check_calls(cell["source"], checks):
            if set(args) & solved:
                found.append(Exercise(column(notebook, args), check, notebook))
    return found


def _regions(source: str) -> list[tuple[int, int]]:
    """(first, last) line of every region's inside (markers excluded), in order."""
    regions, opened = [], None
    for number, line in enumerate(source.split("\n")):
        if BEGIN_WORDS in line:
            opened = number
        elif END_WORDS in line and opened is not None:
            regions.append((opened + 1, number))
            opened = None
    return regions


def student_regions(instructor_source: str, student_source: str) -> list[list[str]]:
    """What the student wrote in place of each stub, found by aligning the student's cell with
    the cell of the student edition."""
    edition = strip_solutions(instructor_source).split("\n")
    theirs = student_source.split("\n")
    stubs = [i for i in range(len(edition) - 1)
             if edition[i].strip() == STUB[0] and edition[i + 1].strip() == STUB[1]]
    same: dict[int, int] = {}   # line of the edition -> the same line of the student's cell
    matcher = difflib.SequenceMatcher(None, edition, theirs, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            same[block.a + k] = block.b + k
    found = []
    for stub in stubs:
        before = max((same[i] for i in same if i < stub), default=-1)
        after = min((same[i] for i in same if i >= stub + 2), default=len(theirs))
        found.append(theirs[before + 1:after] if after > before else [])
    return found


def _student_cell(cell, theirs: list, used: set, ids: set):
    """The student's cell for an instructor cell: same id, else the most similar code cell
    that is no other instructor cell's by its id."""
    for index, candidate in enumerate(theirs):
        if cell.get("id") and candidate.get("id") == cell.get("id") and index not in used:
            return index, candidate
    edition = strip_solutions(cell["source"])
    best, best_ratio = None, 0.6
    for index, candidate in enumerate(theirs):
        if index in used or candidate.get("id") in ids:
            continue
        ratio = difflib.SequenceMatcher(None, edition, candidate["source"],
                                        autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = (index, candidate), ratio
    return best if best else (None, None)


def read_notebook(path: Path) -> dict:
    """A notebook as {"cells": [{"cell_type", "source" (one text), "id"}]}, or a ValueError
    saying why it cannot be read. Read as JSON: nbformat (slow to import) only converts
    another format version."""
    if path.stat().st_size > MAX_NOTEBOOK:
        raise ValueError(f"{path.name} is larger than {MAX_NOTEBOOK // 2**20} MB")
    try:
        nb = json.loads(path.read_bytes())
        if isinstance(nb, dict) and nb.get("nbformat") != 4:
            import nbformat
            nb = nbformat.convert(nbformat.from_dict(nb), 4)
    except Exception as error:  # not JSON, not a notebook, another format version
        raise ValueError(f"{path.name} is not a readable notebook "
                         f"({type(error).__name__})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path.name} is not a notebook: it has no cells")
    cells = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) \
            else source if isinstance(source, str) else ""
        cells.append({"cell_type": cell.get("cell_type"), "source": source,
                      "id": cell.get("id") if isinstance(cell.get("id"), str) else None})
    return {"cells": cells}


def prepare(instructor, name: str, student, checks: set[str]) -> Prepared:
    """The cells to run for a student: the instructor's code cells up to the last check, each
    solution region replaced by the student's, each check call by a hand-in."""
    theirs = [c for c in student["cells"] if c["cell_type"] == "code"]
    prepared, used = Prepared([]), set[int]()
    ids = {c["id"] for c in instructor["cells"] if c["id"]}
    code = [(i, c) for i, c in enumerate(instructor["cells"]) if c["cell_type"] == "code"]
    last = max((i for i, c in code if _check_calls(c["source"], checks)), default=-1)
    for index, cell in code:
        if index > last:
            break
        source = cell["source"]
        if BEGIN_WORDS in source:
            position, match = _student_cell(cell, theirs, used, ids)
            if match is None:
                prepared.notes.append(f"cell {index} of {name} (`{_first_line(source)}`) is "
                                      "missing: its exercise counts as not attempted")
                source = strip_solutions(source)
            else:
                used.add(position)
                source = splice(source, student_regions(source, match["source"]))
        prepared.cells.append({"index": index, "filename": f"<{name} cell {index}>",
                               "source": hand_ins(_code(source), checks, name)})
    return prepared


def _first_line(source: str) -> str:
    return next((line.strip() for line in source.split("\n") if line.strip()), "")[:60]


def splice(source: str, regions: list[list[str]]) -> str:
    """The instructor's cell with the inside of each region replaced by the student's lines."""
    lines = source.split("\n")
    for (first, last), student in reversed(list(zip(_regions(source), regions, strict=False))):
        lines[first - 1:last + 1] = student
    return "\n".join(lines)


def column(notebook: str, args: list[str]) -> str:
    """grades.csv's column of an exercise: "03/backward_pass", "03/dL_dw+dL_db"."""
    return f"{notebook[:2]}/{'+'.join(args)}"


def _adapt_of(check: str) -> str | None:
    """The dotted name of the check's `adapt`, for the worker to find in its course_utils."""
    from ..checks._runner import REGISTRY
    adapt = REGISTRY[check].adapt if check in REGISTRY else None
    return f"{adapt.__module__}.{adapt.__qualname__}" if adapt else None


def hand_ins(source: str, checks: set[str], notebook: str) -> str:
    """Each check call `check_x(f, g)` of the cell becomes `__hand_in__("03/f+g", lambda:
    [f, g])`: the worker records the functions, under the exercise's column, instead of
    checking them. A check with an `adapt` (one taking a class) gets what its adapt makes of
    them there: `__adapt__("course_utils.scalar_graphs.bars_with", [Scalar])`."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source  # a student's syntax error: the worker reports it
    lines = source.split("\n")
    for statement in reversed(tree.body):
        call = statement.value if isinstance(statement, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
                call.func.id in checks and statement.end_lineno is not None:
            args = [ast.unparse(a) for a in call.args]
            indent = lines[statement.lineno - 1][:statement.col_offset]
            handed = f"[{', '.join(args)}]"
            adapt = _adapt_of(call.func.id)
            if adapt:
                handed = f"__adapt__({adapt!r}, {handed})"
            lines[statement.lineno - 1:statement.end_lineno] = \
                [f"{indent}__hand_in__({column(notebook, args)!r}, lambda: {handed})"]
    return "\n".join(lines)
