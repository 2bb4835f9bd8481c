"""Grading throughput: a class of N students × the eight notebooks, graded from scratch.

    python tests/benchmarks/bench_grade.py [--students 30] [--jobs 2]

The class is synthetic and seeded: each student hands in every notebook of the student edition,
each exercise's region either solved (the instructor's solution) or left as the stub, chosen at
random per student. Prints the wall time and students per minute.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        submissions = build(root, args.students)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "course_utils.grade", str(submissions),
                        str(root / "out"), "--jobs", str(args.jobs), "--quiet"], check=True,
                       cwd=REPO)
        ours = time.perf_counter() - started
        print(f"course_utils.grade: {args.students} students × 8 notebooks in {ours:.0f} s "
              f"wall, {args.students / ours * 60:.1f} students per minute "
              f"(--jobs {args.jobs})")


if __name__ == "__main__":
    main()
