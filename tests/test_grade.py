"""The grader on one synthetic class, graded once: notebook 03 handed in right, untouched,
partly done, with a typical mistake, broken in every way the issue lists, and attacked in
every way it lists. Each attack is a `backward_pass` that tries to get a ✔ without the answer;
none may. The run uses short time limits; many tests read its one result."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from headless import CHROMIUM, CHROMIUM_ARGS, grave_violations, playwright_or_skip

from course_utils.grade import sandbox
from course_utils.grade.run import grader_version
from course_utils.student_edition import write_student_edition

pytestmark = pytest.mark.xdist_group("grade")

NOTEBOOK = "03_sigmoid_least_squares.ipynb"
REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = {  # the body of each region, as a student who got it right writes it
    "def dL_dw(": ["    return (sigma(w * x + b) - t) * sigma_prime(w * x + b) * x",
                   "    return (sigma(w * x + b) - t) * sigma_prime(w * x + b)"],
    "def backward_pass(": ["    y_bar = y - t", "    z_bar = y_bar * sigma_prime(z)",
                           "    w_bar = z_bar * x", "    b_bar = z_bar"],
    "def backward_pass_regularised(": [
        "    R_bar, L_reg_bar = lam, 1.0", "    L_bar = 1.0", "    y_bar = y - t",
        "    z_bar = y_bar * sigma_prime(z)", "    w_bar = z_bar * x + lam * w",
        "    b_bar = z_bar"]}
ANSWER = "    return y_bar, z_bar, w_bar, b_bar"   # after the region, in the instructor's cell


def attack(*lines: str) -> list[str]:
    """A backward_pass region that does `lines` and then hands back wrong bars."""
    return [*lines, "    y_bar = z_bar = w_bar = b_bar = 0.0"]


#: A marker file each writing attack tries to leave on the grader's machine.
ESCAPED = Path("/tmp/grade-test-escaped")

ATTACKS = {
    "attack_print": attack("    print('✔ Correct: right on every configuration tried.')"),
    "attack_patch_checks": attack(
        "    import course_utils.checks as c, course_utils.checks._runner as r",
        "    c.check_bar_notation = lambda f: None",
        "    r.Verdict.ok = property(lambda self: True)"),
    "attack_exit": attack("    import sys", "    sys.exit(0)"),
    "attack_os_exit": attack("    import os", "    os._exit(0)"),
    "attack_kill_parent": attack("    import os, signal",
                                 "    for pid in (os.getppid(), 1, -1):",
                                 "        try: os.kill(pid, signal.SIGKILL)",
                                 "        except OSError: pass"),
    "attack_ignore_signals": attack(
        "    import signal", "    for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT):",
        "        signal.signal(s, signal.SIG_IGN)", "    while True: pass"),
    "attack_write_files": attack(
        f"    for p in ({str(ESCAPED)!r}, {str(REPO / 'grade-escaped')!r}):",
        "        try: open(p, 'w').write('escaped')", "        except OSError: pass"),
    "attack_numpy": attack("    import numpy", "    numpy.allclose = lambda *a, **k: True",
                           "    numpy.isclose = lambda *a, **k: True",
                           "    numpy.array_equal = lambda *a, **k: True"),
    "attack_reference": [
        "    from course_utils.reference import backward_pass_regularised as solved",
        "    _, _, _, y_bar, z_bar, w_bar, b_bar = solved(w, x, b, t, 0.0)"],
    "attack_engine": [                      # refused in the notebook: in the worker too
        "    wn, bn = Node(w, name='w'), Node(b, name='b')",
        "    zn = wn * x + bn",
        "    yn = sigmoid(zn)",
        "    (0.5 * (yn - t) ** 2).backward()",
        "    y_bar, z_bar, w_bar, b_bar = float(yn.bar), float(zn.bar), float(wn.bar), "
        "float(bn.bar)"],
    "attack_read_solution": [
        f"    text = open({str(REPO / 'notebooks' / NOTEBOOK)!r}).read()",
        "    y_bar = y - t; z_bar = y_bar * sigma_prime(z); w_bar = z_bar * x; b_bar = z_bar"],
    "attack_memory": attack("    hog = bytearray(8 * 2**30)"),
    "attack_fork_bomb": attack("    import os", "    while True:", "        try: os.fork()",
                               "        except OSError: break"),
    "attack_cell_loop": ["    pass", "while True: pass", "def _():"],  # top level: never ends
}


def edition_cells(folder: Path):
    return nbformat.read(folder / NOTEBOOK, as_version=4)


def fill(nb, regions: dict[str, list[str]]):
    """The student edition with the stub of each named function's cell replaced."""
    nb = nbformat.from_dict(nb)
    stub = "    # YOUR CODE HERE\n    raise NotImplementedError()"
    for cell in nb.cells:
        for start, lines in regions.items():
            if cell.cell_type == "code" and start in cell.source and "YOUR CODE" in cell.source:
                if start == "def dL_dw(":
                    first, second = lines
                    parts = cell.source.split(stub)
                    cell.source = parts[0] + first + parts[1] + second + parts[2]
                else:
                    cell.source = cell.source.replace(stub, "\n".join(lines))
    return nb


def build_class(root: Path) -> tuple[Path, Path]:
    """SUBMISSIONS in nbgrader's layout (submitted/<student>/[ps1/]) and a notebooks folder
    holding 03 alone."""
    edition = root / "edition"
    write_student_edition(edition)
    stub = edition_cells(edition)
    notebooks = root / "notebooks"
    notebooks.mkdir()
    shutil.copy(REPO / "notebooks" / NOTEBOOK, notebooks / NOTEBOOK)
    submitted = root / "class" / "submitted"
    right = fill(stub, SOLUTIONS)
    students = {
        "correct": right,
        "untouched": stub,
        "partial": fill(stub, {"def dL_dw(": SOLUTIONS["def dL_dw("]}),
        "forgot_sigma_prime": fill(stub, {"def backward_pass(": [
            "    y_bar = y - t", "    z_bar = y_bar", "    w_bar = z_bar * x",
            "    b_bar = z_bar"]}),
        **{name: fill(stub, {"def dL_dw(": SOLUTIONS["def dL_dw("],
                             "def backward_pass(": lines}) for name, lines in ATTACKS.items()},
    }
    deleted = nbformat.from_dict(right)
    deleted.cells = [c for c in deleted.cells if "def backward_pass(w" not in c.source]
    reordered = nbformat.from_dict(right)
    reordered.cells = reordered.cells[::-1]
    renamed = nbformat.from_dict(right)
    for cell in renamed.cells:
        cell.source = cell.source.replace("def backward_pass(w", "def my_backward(w")
    huge = nbformat.from_dict(right)
    next(c for c in huge.cells if c.cell_type == "code").outputs = [
        nbformat.v4.new_output("stream", text="x" * 5_000_000)]
    students.update(deleted_cell=deleted, reordered_cells=reordered, renamed_function=renamed,
                    huge_output=huge)
    for name, nb in students.items():
        folder = submitted / name / ("ps1" if name == "correct" else "")
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / NOTEBOOK)
    (submitted / "version_3").mkdir()
    nbformat.write(nbformat.convert(right, 3), submitted / "version_3" / NOTEBOOK, version=3)
    (submitted / "broken_json").mkdir()
    (submitted / "broken_json" / NOTEBOOK).write_text('{"cells": [')
    (submitted / "nothing_handed_in").mkdir()
    return root / "class", notebooks


def grade(submissions: Path, out: Path, notebooks: Path, *extra: str):
    return subprocess.run([sys.executable, "-m", "course_utils.grade", str(submissions),
                           str(out), "--notebooks", str(notebooks), "--jobs", "2",
                           "--call-seconds", "1", "--cell-seconds", "4", "--check-seconds", "6",
                           "--notebook-seconds", "30", "--quiet", *extra],
                          capture_output=True, text=True, cwd=REPO, timeout=600)


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grade")
    ESCAPED.unlink(missing_ok=True)
    submissions, notebooks = build_class(root)
    version = grader_version()
    done = grade(submissions, root / "out", notebooks)
    return {"version": version, "root": root, "out": root / "out", "run": done,
            "submissions": submissions, "notebooks": notebooks}


EXPECTED_CSV = """\
student,03/dL_dw+dL_db,03/backward_pass,03/backward_pass_regularised,total
attack_cell_loop,1,0,0,1
attack_engine,1,0,0,1
attack_exit,1,0,0,1
attack_fork_bomb,1,0,0,1
attack_ignore_signals,1,0,0,1
attack_kill_parent,1,0,0,1
attack_memory,1,0,0,1
attack_numpy,1,0,0,1
attack_os_exit,1,0,0,1
attack_patch_checks,1,0,0,1
attack_print,1,0,0,1
attack_read_solution,1,0,0,1
attack_reference,1,0,0,1
attack_write_files,1,0,0,1
broken_json,0,0,0,0
correct,1,1,1,3
deleted_cell,1,0,1,2
forgot_sigma_prime,0,0,0,0
huge_output,1,1,1,3
nothing_handed_in,0,0,0,0
partial,1,0,0,1
renamed_function,1,1,1,3
reordered_cells,1,1,1,3
untouched,0,0,0,0
version_3,1,1,1,3
"""


def test_the_run_completes_with_exit_0_whatever_the_students_did(graded):
    assert graded["run"].returncode == 0, graded["run"].stderr


def test_grades_csv_is_exactly_one_row_per_student_folder(graded):
    assert (graded["out"] / "grades.csv").read_text() == EXPECTED_CSV


def test_no_attack_turns_a_wrong_answer_into_a_tick(graded):
    rows = {r["student"]: r for r in csv.DictReader(open(graded["out"] / "grades.csv"))}
    assert all(rows[name]["03/backward_pass"] == "0" for name in ATTACKS)


def test_nothing_the_student_wrote_reached_the_grader_s_files(graded):
    assert not ESCAPED.exists()
    assert not (REPO / "grade-escaped").exists()


def results(graded) -> dict:
    return json.loads((graded["out"] / "grades.json").read_text())["students"]


@pytest.mark.parametrize("student, status, mistake", [
    ("correct", "correct", None),
    ("untouched", "not attempted", None),
    ("forgot_sigma_prime", "wrong", "bar_notation/forgot-sigma-prime"),
    ("attack_ignore_signals", "time-out", "time-out"),
    ("attack_exit", "wrong", "crash"),
    ("attack_engine", "wrong", "calls-the-reference"),
    ("attack_os_exit", "wrong", "crash"),
    ("attack_memory", "wrong", "crash"),
    ("broken_json", "error", None),
    ("nothing_handed_in", "not attempted", None),
])
def test_grades_json_holds_the_status_and_the_mistake_id(graded, student, status, mistake):
    verdict = results(graded)[student]["exercises"]["03/backward_pass"]
    assert (verdict["status"], verdict["mistake"]) == (status, mistake)


def test_an_answer_that_calls_the_reference_is_told_it_is_not_there(graded):
    message = results(graded)["attack_reference"]["exercises"]["03/backward_pass"]["message"]
    assert "not available while grading" in message


def test_a_cell_that_never_finishes_is_skipped_and_named(graded):
    notes = results(graded)["attack_cell_loop"]["notes"]
    assert any("did not finish" in note for note in notes)


def test_a_deleted_cell_is_named_in_the_notes(graded):
    assert any("missing" in note for note in results(graded)["deleted_cell"]["notes"])


def test_feedback_shows_verdicts_and_hints_never_the_solution(graded):
    feedback = graded["out"] / "feedback"
    assert sorted(p.stem for p in feedback.glob("*.html")) == \
        sorted(line.split(",")[0] for line in EXPECTED_CSV.splitlines()[1:])
    mine = (feedback / "forgot_sigma_prime.html").read_text()
    assert "✘ Not yet" in mine and "Hint" in mine
    for page in feedback.glob("*.html"):
        text = page.read_text()
        assert "sigma_prime(w * x + b) * x" not in text and "y_bar * sigma_prime" not in text
        assert "forgot_sigma_prime" not in text or page.stem == "forgot_sigma_prime"


def test_report_counts_pass_rates_mistakes_time_outs_and_crashes_offline(graded):
    report = (graded["out"] / "report.html").read_text()
    assert "bar_notation/forgot-sigma-prime: 1" in report
    assert "5 of 25" in report               # 03/backward_pass right for five students
    assert "calls-the-reference: 1" in report  # the engine's pass, refused in the worker
    assert "Isolation: bubblewrap" in report or "Isolation: fallback" in report
    assert "http://" not in report.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in report and "<script" not in report


#: What a reader of a page sees: how far it scrolls sideways, its pictures (drawn and not),
#: and whether a piece of text is on screen.
SEEN = """text => ({
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    pictures: [...document.querySelectorAll('svg[role=img], img')].map(
        e => e.getBoundingClientRect().height > 0),
    shows: [...document.querySelectorAll('body *')].some(
        e => e.textContent.includes(text) && e.getBoundingClientRect().height > 0
             && ![...e.children].some(c => c.textContent.includes(text)))})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_report_and_a_feedback_page_read_well_in_a_browser_offline(graded, scheme):
    """What a teaching assistant and a student open, from disk in headless Chromium at
    1366×768, in the light and the dark colour scheme, with every request beyond the page's
    own file refused: no request is made, nothing scrolls sideways, every picture is drawn,
    the finding is on screen, and axe-core finds no serious or critical violation."""
    pages = {"report.html": "bar_notation/forgot-sigma-prime",
             "feedback/forgot_sigma_prime.html": "Not yet"}
    with playwright_or_skip()() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
        elsewhere: list[str] = []
        page.route(lambda url: not url.startswith("file://"),
                   lambda route: (elsewhere.append(route.request.url), route.abort()))
        for name, finding in pages.items():
            page.goto((graded["out"] / name).as_uri())
            seen = page.evaluate(SEEN, finding)
            assert seen["sideways"] <= 0, f"{name} scrolls {seen['sideways']} px sideways"
            assert all(seen["pictures"]), f"{name}: a picture is not drawn"
            assert seen["pictures"] or name != "report.html", "the report has no plot"
            assert seen["shows"], f"{name} does not show {finding!r}"
            print(f"\n{name} ({scheme}, {len(seen['pictures'])} pictures):", end="")
            grave = grave_violations(page)
            assert not grave, f"axe-core on {name}: {grave}"
        browser.close()
    assert elsewhere == [], f"requests beyond the page's own file: {elsewhere}"


def test_a_rerun_reads_the_cache_and_writes_the_same_files(graded):
    out = graded["out"]
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    cached = len(list((out / ".cache").glob("*.json")))
    if grader_version() != graded["version"]:
        pytest.skip("course_utils changed during the test: every result is stale, rightly")
    again = grade(graded["submissions"], out, graded["notebooks"])
    assert again.returncode == 0
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert len(list((out / ".cache").glob("*.json"))) == cached


def test_bad_arguments_get_one_line_and_a_foreign_out_is_not_touched(graded, tmp_path):
    missing = grade(tmp_path / "nowhere", tmp_path / "out", graded["notebooks"])
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    refused = grade(graded["submissions"], foreign, graded["notebooks"])
    assert refused.returncode == 2 and "not written by this command" in refused.stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]


def test_the_worker_s_course_utils_holds_no_reference_answer(tmp_path):
    runtime = sandbox.build_runtime(tmp_path)
    assert (runtime / "reference.py").read_text() == sandbox.STAND_IN
    assert all(p.read_text() == sandbox.STAND_IN for p in (runtime / "checks").glob("*.py"))
    assert (runtime / "network.py").read_text().startswith(sandbox.STAND_IN)
    assert "def forward" not in (runtime / "network.py").read_text()
    assert not (runtime / "grade" / "checker.py").exists()


def test_without_bubblewrap_it_warns_and_the_report_says_so(graded, tmp_path):
    submissions = tmp_path / "class"
    for student in ("correct", "untouched"):
        shutil.copytree(graded["submissions"] / "submitted" / student, submissions / student)
    # limits of their own, generous: this run is about the fallback, not about time-outs (with
    # the class run's 1-second calls, a loaded machine once graded the right answer 0)
    done = grade(submissions, tmp_path / "out", graded["notebooks"], "--no-bubblewrap",
                 "--call-seconds", "5", "--cell-seconds", "20", "--check-seconds", "30")
    assert done.returncode == 0 and done.stderr.startswith("warning: fallback")
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()[1:]
    assert rows == ["correct,1,1,1,3", "untouched,0,0,0,0"]   # the workers ran: not all 0
    assert "Isolation: fallback (no bubblewrap)" in (tmp_path / "out" / "report.html").read_text()


def test_a_class_handed_in_is_tried_in_the_worker_and_checked_outside_it(tmp_path):
    """Notebook 05's own engine is a class: the worker turns it into the function the check
    tries (the check's adapt), and the check, in the grader, compares what comes back."""
    name = "05_backprop_algorithm.ipynb"
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(REPO / "notebooks" / name, notebooks / name)
    right = nbformat.read(notebooks / name, as_version=4)
    overwrite = nbformat.from_dict(right)
    line = "                parent.bar += node.bar * local"
    cell = next(c for c in overwrite.cells if line in c.source)
    cell.source = cell.source.replace(line, line.replace("+=", "="))
    for student, nb in (("right", right), ("overwrite", overwrite)):
        (tmp_path / "class" / student).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "class" / student / name)
    done = grade(tmp_path / "class", tmp_path / "out", notebooks)
    assert done.returncode == 0, done.stderr
    graded = json.loads((tmp_path / "out" / "grades.json").read_text())
    found = {student: graded["students"][student]["exercises"]["05/Scalar"]
             for student in ("right", "overwrite")}
    assert found["right"]["status"] == "correct", found
    assert found["overwrite"]["status"] == "wrong", found
    assert found["overwrite"]["mistake"] == "scalar_engine/overwrite", found
