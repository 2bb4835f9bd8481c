"""Grading throughput: a class of N students × every notebook, graded from scratch.

    python tests/benchmarks/bench_grade.py [--students 30] [--jobs 2]
    python tests/benchmarks/bench_grade.py --nbgrader /tmp/nbgrader-venv

The class is synthetic and seeded: each student hands in every notebook of the student edition,
each exercise's region either solved (the instructor's solution) or left as the stub, chosen at
random per student. Prints the wall time and students per minute.

With --nbgrader VENV (a virtual environment holding nbgrader 0.9, numpy, matplotlib, ipywidgets
and sympy), it proves the nbgrader metadata instead: notebook 03 with the metadata of
`python -m course_utils.grade.nbgrader`, released by `nbgrader generate_assignment`, handed in
right, untouched, with a typical mistake and with an endless loop, then graded by
`nbgrader autograde` and by course_utils.grade: it prints both sets of totals (they must agree:
3, 0, 1, 1) and the ratio of their wall times.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from course_utils.student_edition import strip_solutions  # noqa: E402

NOTEBOOK = "03_sigmoid_least_squares.ipynb"


def student_notebook(instructor: dict, rng: random.Random) -> dict:
    """The instructor's notebook with each solution cell kept or stripped at random."""
    nb = json.loads(json.dumps(instructor))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            if "BEGIN SOLUTION" in source and rng.random() < 0.5:
                cell["source"] = strip_solutions(source)
            cell["outputs"], cell["execution_count"] = [], None
    return nb


def build(root: Path, students: int) -> Path:
    rng = random.Random(0)
    submissions = root / "submitted"
    notebooks = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    instructor = {p.name: json.loads(p.read_text()) for p in notebooks}
    for i in range(students):
        folder = submissions / f"student{i:02d}" / "backprop"
        folder.mkdir(parents=True)
        for name, nb in instructor.items():
            (folder / name).write_text(json.dumps(student_notebook(nb, rng)))
    return submissions


def nbgrader_proof(venv: Path, root: Path) -> None:
    """Grade four students of notebook 03 with nbgrader and with course_utils.grade."""
    import csv
    import os

    import nbformat
    sys.path.insert(0, str(REPO / "tests"))
    from test_grade import SOLUTIONS, fill
    course = root / "course"
    source = course / "source" / "backprop"
    source.mkdir(parents=True)
    (source / NOTEBOOK).write_bytes((REPO / "notebooks" / NOTEBOOK).read_bytes())
    subprocess.run([sys.executable, "-m", "course_utils.grade.nbgrader", str(source / NOTEBOOK)],
                   check=True, cwd=REPO, capture_output=True)
    (course / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "backprop"\n'
        'c.CourseDirectory.db_assignments = [dict(name="backprop")]\n')
    env = {**os.environ, "PYTHONPATH": str(REPO), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    nbgrader = [str(venv / "bin" / "nbgrader")]
    subprocess.run([*nbgrader, "generate_assignment", "backprop", "--force"], cwd=course,
                   env=env, check=True, capture_output=True)
    release = nbformat.read(course / "release" / "backprop" / NOTEBOOK, as_version=4)
    mistake = ["    y_bar = y - t", "    z_bar = y_bar",   # σ'(z) forgotten
               "    w_bar = z_bar * x", "    b_bar = z_bar"]
    first = {"def dL_dw(": SOLUTIONS["def dL_dw("]}
    students = {"correct": fill(release, SOLUTIONS), "untouched": release,
                "forgot_sigma_prime": fill(release, {**first, "def backward_pass(": mistake}),
                "endless_loop": fill(release, {**first,
                                               "def backward_pass(": ["    while True: pass"]})}
    for name, nb in students.items():
        for folder in (course / "submitted", root / "ours"):
            (folder / name / "backprop").mkdir(parents=True)
            nbformat.write(nb, folder / name / "backprop" / NOTEBOOK)
    started = time.perf_counter()
    subprocess.run([*nbgrader, "autograde", "backprop", "--create", "--force"], cwd=course,
                   env=env, check=True, capture_output=True)
    theirs = time.perf_counter() - started
    subprocess.run([*nbgrader, "export", "--to", str(root / "nbgrader.csv")], cwd=course,
                   env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "course_utils.grade", str(root / "ours"),
                    str(root / "out"), "--notebooks", str(source), "--quiet"], check=True,
                   cwd=REPO)
    ours = time.perf_counter() - started
    nbgrader_totals = {r["student_id"]: float(r["score"])
                       for r in csv.DictReader(open(root / "nbgrader.csv"))}
    our_totals = {r["student"]: float(r["total"])
                  for r in csv.DictReader(open(root / "out" / "grades.csv"))}
    print(f"nbgrader autograde: {nbgrader_totals} in {theirs:.0f} s")
    print(f"course_utils.grade: {our_totals} in {ours:.0f} s; ratio {theirs / ours:.1f}")
    print("the same totals" if nbgrader_totals == our_totals else "THE TOTALS DIFFER")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--nbgrader", type=Path, default=None,
                        help="a virtual environment with nbgrader: prove its scores instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if args.nbgrader:
            nbgrader_proof(args.nbgrader, root)
            return
        submissions = build(root, args.students)
        notebooks = len(list((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")))
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "course_utils.grade", str(submissions),
                        str(root / "out"), "--jobs", str(args.jobs), "--quiet"], check=True,
                       cwd=REPO)
        ours = time.perf_counter() - started
        print(f"course_utils.grade: {args.students} students × {notebooks} notebooks in "
              f"{ours:.0f} s wall, {args.students / ours * 60:.1f} students per minute "
              f"(--jobs {args.jobs})")


if __name__ == "__main__":
    main()
