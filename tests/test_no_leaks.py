"""No answer given away: nothing of a solution stands where a student sees it before trying.

A stuck student scrolls down; if a later cell (or another notebook) wrote out the solution's
lines, the exercise would be answered there. So for every `### BEGIN SOLUTION` region of every
notebook, each of its lines must be absent from the whole student edition of the series: code
and markdown of every notebook.

Before the exercise's check (the first cell after it that calls a registered check), two more
ways give an answer away, and both are tested per exercise:

- a stored output: the instructor edition is read with its outputs (and a student who runs the
  cells above gets them too), so no output of a cell before the check may hold a line of the
  solution, a formula the check writes down for it (`REGISTRY[name].formulas`), or a result of
  the solution on the check's first configuration, the notebook's own case (an order of nodes,
  or a distinctive number: four significant digits or more, five for an entry of an array, and
  not a result of an earlier exercise of the notebook);
- a formula in the text: no cell before the check (markdown, or code outside the regions, as
  the student edition has it) may write out one of the exercise's give-aways, listed in
  GIVEAWAYS (the check's formulas as the notebook's LaTeX, Unicode or prose would spell them).
  A formula the student needs (a definition, the lecture's general rule) is not a give-away; the
  exercise's own case, filled in, is.

NO_LEAKS_NOTEBOOKS=<folder> runs the tests on another copy of the series (an older commit's, to
see that they catch what they should).
"""
from __future__ import annotations

import functools
import html
import math
import numbers
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_utils.checks._runner import REGISTRY, _reference, _seen, _tuple, same
from course_utils.engine import Node
from course_utils.student_edition import BEGIN, END, strip_solutions, write_student_edition

NOTEBOOKS = Path(os.environ.get("NO_LEAKS_NOTEBOOKS")
                 or Path(__file__).resolve().parent.parent / "notebooks")
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


def solution_regions(name: str, nb=None) -> list[tuple[int, list[str]]]:
    """(cell index, the region's normalised lines worth checking) for each region of `name`
    (or of `nb`, a notebook already read)."""
    nb = nb if nb is not None else nbformat.read(NOTEBOOKS / name, as_version=4)
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


# -- before the check: what the cells above an exercise's check show ----------------------------

#: Each exercise's give-aways: how the check's formulas (`REGISTRY[name].formulas`) for the
#: exercise's own case read when written out, in the notebooks' LaTeX, in Unicode or in prose.
#: Compared with spaces, braces, `$`, backticks and LaTeX spacing removed (see `squeeze`).
GIVEAWAYS = {
    "check_numerical_derivative": [
        r"\frac{f(x + \varepsilon) - f(x - \varepsilon)}{2\varepsilon}",
        "(f(x + ε) − f(x − ε)) / 2ε", "(f(x + eps) - f(x - eps)) / (2 * eps)"],
    "check_chain_rule": [
        r"\cos(x^2)\cdot 2x", r"\cos(x^2)\,2x", r"2x\cos(x^2)", r"2x\,\cos(x^2)",
        "cos(x²)·2x", "cos(x²)2x", "2x·cos(x²)", "np.cos(x ** 2) * 2 * x"],
    "check_sigmoid_chain_derivative": [
        r"\prod_{k=1}^{d} \sigma'(a_k)", r"a_{k+1} = \sigma(a_k)",
        "σ'(a₁)·σ'(a₂)", "product * σ(a) * (1 - σ(a))", "product * sigma(a) * (1 - sigma(a))"],
    "check_multivariate_chain_rule": [
        r"\frac{dx}{dt} = -\sin t", r"\frac{dy}{dt} = 2\cos t",
        r"\frac{\partial f}{\partial x} = 2x", r"\frac{\partial f}{\partial y} = 2y",
        r"2x\,(-\sin t)", r"2x \cdot (-\sin t)", "2x·(−sin t) + 2y·(2 cos t)"],
    "check_gradient_descent_step": [
        r"w \leftarrow w - \eta", r"w - \eta\,\frac{d\mathcal{E}}{dw}", "w − rate·grad",
        "w − η·grad"],
    "check_parameter_count": [
        r"$a \cdot b$ weights and $b$ biases", r"\sum (a \cdot b + b)", "Σ (a·b + b)",
        "zip(sizes[:-1], sizes[1:])"],
    "check_cost_gradient": [
        r"= \frac{1}{N}\sum_{n=1}^{N} \frac{d\mathcal{L}_n}{d\mathbf{w}}",
        "the averages of `sample_gradient`"],
    "check_brute_force_gradients": [
        r"(\sigma(wx+b) - t)\,\sigma'(wx+b)", "(σ(wx+b) − t)·σ'(wx+b)",
        "(sigma(w * x + b) - t) * sigma_prime(w * x + b)"],
    "check_bar_notation": [
        r"\bar{y} = y - t", r"\bar{z} = \bar{y}\,\sigma'(z)", r"\bar{w} = \bar{z}\,x",
        r"\frac{d\mathcal{L}}{dy} = y - t",
        r"\frac{d\mathcal{L}}{dz} = \frac{d\mathcal{L}}{dy}\,\sigma'(z)",
        r"\frac{d\mathcal{L}}{dw} = \frac{d\mathcal{L}}{dz}\,x", "y_bar·σ'(z)", "z_bar·x"],
    "check_bar_notation_regularised": [
        r"\bar{w} = \bar{z}\,x + \overline{\mathcal{R}}\,w",
        r"\bar{w} = \bar{z}\,\frac{\partial z}{\partial w} + \overline{\mathcal{R}}",
        r"\overline{\mathcal{R}} = \overline{\mathcal{L}_{reg}}\,\lambda",
        r"\bar{y} = \overline{\mathcal{L}}\,(y - t)", "z_bar·x + R_bar·w", "L_bar·(y − t)"],
    "check_topological_sort": [
        "first visit each of its parents, then append the node", "visited.add(node)"],
    "check_reached_by": [
        "a node is reached when one of its parents is `leaf` or is reached already",
        "parent is leaf or parent in reached"],
}

#: Formulas of a check shorter than this (squeezed) are names or single terms ('z_bar', 'P + 1').
FORMULA = 8
#: A number written with fewer significant digits (0.5, 0.125, 9) is too common to be an answer;
#: an entry of an array, one of many, needs one digit more (else some cost 0.1372 would match).
DIGITS = 4

CHECK_CALL = re.compile(r"\b(check_\w+)\(")


def squeeze(text: str) -> str:
    """Text as compared with a give-away: entities read, − as -, no LaTeX spacing (\\, \\left),
    no spaces, braces, `$` or backticks; \\tfrac and \\dfrac are \\frac."""
    text = html.unescape(text).replace("−", "-")
    text = text.replace(r"\tfrac", r"\frac").replace(r"\dfrac", r"\frac")
    text = re.sub(r"\\(?:left|right|quad|qquad)(?![A-Za-z])|\\[,;:! ]", "", text)
    return re.sub(r"[\s{}$`]", "", text)


@dataclass(frozen=True)
class Exercise:
    """An exercise: the cell with its region(s), its lines worth checking, and its check."""
    notebook: str
    cell: int
    lines: tuple[str, ...]
    check: str
    check_cell: int

    def __str__(self) -> str:
        return f"{self.notebook}-cell{self.cell}-{self.check}"


@functools.cache
def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def exercises(name: str, nb=None) -> list[Exercise]:
    """Every exercise of `name` (or of `nb`), with the first cell after it that calls a
    registered check."""
    nb = nb if nb is not None else read(name)
    cells, found = nb.cells, []
    by_cell: dict[int, list[str]] = {}
    for index, lines in solution_regions(name, nb):
        by_cell.setdefault(index, []).extend(lines)
    for index, lines in by_cell.items():
        check, at = next(((call, at) for at in range(index + 1, len(cells))
                          if cells[at].cell_type == "code"
                          for call in CHECK_CALL.findall(cells[at].source) if call in REGISTRY),
                         (None, None))
        found.append(Exercise(name, index, tuple(lines), check, at))
    return found


EXERCISES = [exercise for name in SERIES for exercise in exercises(name)]


def output_text(cell) -> str:
    """What a cell's stored outputs show as text: streams and text/* data, tags and embedded
    pictures removed, entities read, − as -."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts += [value if isinstance(value, str) else "".join(value)
                  for kind, value in output.get("data", {}).items() if kind.startswith("text/")]
    text = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "", "\n".join(parts))
    return html.unescape(re.sub(r"<[^>]+>", " ", text)).replace("−", "-")


def number_forms(value: float, digits: int = DIGITS) -> set[str]:
    """How a computed number may be written out, if it is distinctive (see DIGITS)."""
    if not math.isfinite(value):
        return set()
    size = abs(float(value))
    if size == round(size) and size < 1e15:
        whole = int(round(size))
        if len(str(whole).rstrip("0")) < digits - 1:    # 9, 100, 2000
            return set()
        grouped = f"{whole:,}"
        return {str(whole), grouped, grouped.replace(",", " "), grouped.replace(",", "\u202f")}
    forms = {format(size, spec) for spec in (".4g", ".5g", ".6g", ".4f", ".5f", ".6f")}
    return {form for form in forms if "e" not in form
            and len(form.replace(".", "").strip("0")) >= digits}


def written_forms(value) -> set[str]:
    """The forms of a computed value worth looking for: its distinctive numbers, or the names of
    a list of nodes (an order) as Python prints them."""
    if isinstance(value, (list, tuple)) and len(value) >= 3 and all(
            isinstance(item, Node) for item in value):
        return {repr([item.name for item in value])}
    if isinstance(value, (list, tuple, dict)):
        items = value.values() if isinstance(value, dict) else value
        return set().union(*(written_forms(item) for item in items)) if items else set()
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return number_forms(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "iuf" and value.size <= 50:
        digits = DIGITS if value.size == 1 else DIGITS + 1
        return set().union(*(number_forms(v, digits) for v in value.ravel())) if value.size \
            else set()
    return set()


@functools.cache
def computed(check: str) -> dict[str, str]:
    """{written form: what it is} of what the check's solution computes on its first
    configuration (the notebook's own case, which a cell above would show): what it returns
    and what it changes in its arguments (not the arguments as handed in)."""
    rules, found = REGISTRY[check], {}
    for configuration in rules.configurations[:1]:
        try:
            given = _seen(rules, rules.make(configuration))
            after = _reference(rules, _tuple(rules.solution), configuration)
        except Exception:  # noqa: BLE001 - what cannot be computed here cannot be looked for
            continue
        for name, value in after.items():
            try:
                unchanged = name in given and same(given[name], value)
            except Exception:  # noqa: BLE001
                unchanged = False
            if not unchanged:
                for form in written_forms(value):
                    found.setdefault(form, f"{name} on {configuration['label']}")
    return found


def output_leaks(nb, exercise: Exercise, earlier: tuple[str, ...] = ()) -> list[str]:
    """What the stored outputs of the cells before the exercise's check give away: a line of
    the solution, one of the check's formulas, a number the solution computes (unless one of
    the `earlier` checks of the notebook computes it too: then it is that exercise's result)."""
    shown_before = set().union(*(computed(check) for check in earlier)) if earlier else set()
    results = {form: what for form, what in computed(exercise.check).items()
               if form not in shown_before}
    formulas = [squeeze(formula) for formula in REGISTRY[exercise.check].formulas.values()
                if len(squeeze(formula)) >= FORMULA]
    leaks = []
    for index, cell in enumerate(nb.cells[:exercise.check_cell]):
        text = output_text(cell)
        if not text.strip():
            continue
        leaks += [f"cell {index}: the solution's line `{code}`" for code in exercise.lines
                  if any(occurs_in(code, normalise(line)) for line in text.split("\n"))]
        leaks += [f"cell {index}: the check's formula `{formula}`" for formula in formulas
                  if formula in squeeze(text)]
        leaks += [f"cell {index}: {form} ({what})" for form, what in results.items()
                  if re.search(rf"(?<![\d.]){re.escape(form)}(?!\d)", text)]
    return leaks


def text_leaks(nb, exercise: Exercise) -> list[str]:
    """The give-aways of GIVEAWAYS that a cell before the exercise's check writes out, in its
    markdown or in its code as the student edition has it."""
    wanted = {squeeze(giveaway): giveaway for giveaway in GIVEAWAYS.get(exercise.check, [])}
    leaks = []
    for index, cell in enumerate(nb.cells[:exercise.check_cell]):
        source = cell.source if cell.cell_type != "code" else strip_solutions(cell.source)
        leaks += [f"cell {index}: `{giveaway}`" for squeezed, giveaway in wanted.items()
                  if squeezed in squeeze(source)]
    return leaks


def test_every_exercise_is_followed_by_its_check():
    assert len(EXERCISES) >= 30
    assert not [str(exercise) for exercise in EXERCISES if exercise.check is None]


def test_every_exercise_of_notebooks_01_to_04_lists_its_giveaways_and_no_list_is_stale():
    checks = {exercise.check for exercise in EXERCISES}
    assert not [exercise.check for exercise in EXERCISES
                if exercise.notebook[:2] in {"01", "02", "03", "04"}
                and exercise.check not in GIVEAWAYS]
    assert set(GIVEAWAYS) <= checks, set(GIVEAWAYS) - checks


def test_the_number_forms_are_the_distinctive_ones():
    assert number_forms(1.283353) >= {"1.283", "1.2834", "1.28335"}
    assert number_forms(-0.0467934) >= {"0.04679"} and "0.0468" not in number_forms(0.0467934)
    assert number_forms(0.125) == number_forms(9) == number_forms(2000) == set()
    assert number_forms(203530) >= {"203530", "203,530"}


def test_the_finders_see_a_leak_in_an_output_and_in_the_text():
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
    region = f"def backward_pass(w, x, b, t):\n    {BEGIN}\n    z_bar = y_bar * sigma_prime(z)\n" \
             f"    {END}\n"
    nb = new_notebook(cells=[
        new_markdown_cell("The bars: $\\bar{z} = \\bar{y}\\, \\sigma'(z)$."),
        new_code_cell("print(y_bar, z_bar)", outputs=[new_output(
            "stream", text="-0.24974 z_bar = y_bar * sigma_prime(z)\n")]),
        new_code_cell(region), new_code_cell("check_bar_notation(backward_pass)"),
        new_markdown_cell("After the check: $\\bar{y} = y - t$."),
        new_code_cell("", outputs=[new_output("stream", text="y_bar = -0.24974\n")])])
    [exercise] = exercises("synthetic.ipynb", nb)
    assert (exercise.cell, exercise.check, exercise.check_cell) == (2, "check_bar_notation", 3)
    assert text_leaks(nb, exercise) == ["cell 0: `\\bar{z} = \\bar{y}\\,\\sigma'(z)`"]
    assert [leak.split(":")[0] for leak in output_leaks(nb, exercise)] == ["cell 1", "cell 1"]
    assert not output_leaks(nb, exercise, earlier=("check_bar_notation",))[1:]


@pytest.mark.parametrize("exercise", EXERCISES, ids=str)
def test_no_output_before_the_check_gives_the_answer(exercise):
    earlier = tuple(e.check for e in EXERCISES
                    if e.notebook == exercise.notebook and e.check_cell < exercise.check_cell)
    leaks = output_leaks(read(exercise.notebook), exercise, earlier)
    assert not leaks, (f"{exercise.notebook}: before the check of the exercise in cell "
                       f"{exercise.cell} ({exercise.check}, cell {exercise.check_cell}), a stored "
                       "output shows the answer; show it after the check:\n  " + "\n  ".join(leaks))


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if e.check in GIVEAWAYS], ids=str)
def test_no_text_before_the_check_writes_out_the_answer(exercise):
    leaks = text_leaks(read(exercise.notebook), exercise)
    assert not leaks, (f"{exercise.notebook}: before the check of the exercise in cell "
                       f"{exercise.cell} ({exercise.check}, cell {exercise.check_cell}), a cell "
                       "writes out its answer; move it after the check (a <details> block "
                       "'After you tried: ...'), and leave a question or a worked example of "
                       "another case in its place:\n  " + "\n  ".join(leaks))
