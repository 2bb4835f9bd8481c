"""What a run writes: grades.csv, grades.json, feedback/<student>.html and report.html.

Everything is sorted and holds no time and no path, so two runs on the same submissions write
the same files. The HTML is self-contained (no script, no font, no request): it opens offline.
Feedback shows a student their own verdicts and hints only: never a check's code, a reference
answer or another student's data.
"""
from __future__ import annotations

import csv
import html
import json
from collections import Counter
from pathlib import Path

from .submissions import Exercise

MARKS = {"correct": "✔ Correct", "wrong": "✘ Not yet", "not attempted": "… Not attempted",
         "time-out": "⏱ Time-out", "error": "⚠ Could not be graded"}
STYLE = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#111}"
         "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3rem .5rem;"
         "text-align:left;vertical-align:top}.correct{color:#146c2e}.wrong,.error,"
         ".time-out{color:#a3260b}")


def table(exercises: list[Exercise], reports: dict) -> dict[str, dict[str, dict]]:
    """{student: {column: result}}; an exercise nothing reported on counts as an error."""
    missing = {"status": "error", "mistake": None, "message": "no result"}
    return {student: {e.column: notebooks.get(e.notebook, {}).get("results", {})
                      .get(e.column, missing) for e in exercises}
            for student, notebooks in reports.items()}


def write(out: Path, exercises: list[Exercise], reports: dict, isolation: str) -> None:
    results = table(exercises, reports)
    columns = [e.column for e in exercises]
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["student", *columns, "total"])
        for student in sorted(results):
            points = [int(results[student][c]["status"] == "correct") for c in columns]
            writer.writerow([student, *points, sum(points)])
    notes = {s: sorted({n for nb in reports[s].values() for n in nb.get("notes", [])})
             for s in reports}
    data = {"isolation": isolation, "exercises": columns, "students": {
        student: {"total": sum(r["status"] == "correct" for r in results[student].values()),
                  "exercises": results[student], "notes": notes[student]}
        for student in sorted(results)}}
    (out / "grades.json").write_text(json.dumps(data, indent=1, sort_keys=True,
                                                ensure_ascii=False) + "\n", encoding="utf-8")
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for old in feedback.glob("*.html"):
        if old.stem not in results:
            old.unlink()
    for student in sorted(results):
        (feedback / f"{student}.html").write_text(
            _feedback(student, exercises, results[student], notes[student]), encoding="utf-8")
    (out / "report.html").write_text(_report(exercises, results, isolation), encoding="utf-8")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(title)}</title><style>{STYLE}</style></head><body><main>\n"
            f"<h1>{html.escape(title)}</h1>\n{body}</main></body></html>\n")


def _feedback(student: str, exercises: list[Exercise], results: dict, notes: list) -> str:
    parts, notebook = [], None
    for e in exercises:
        if e.notebook != notebook:
            if notebook is not None:
                parts.append("</table>")
            notebook = e.notebook
            parts.append(f"<h2>{html.escape(notebook)}</h2><table><tr><th>exercise</th>"
                         "<th>verdict</th></tr>")
        r = results[e.column]
        parts.append(f"<tr><td>{html.escape(e.column)}</td><td class=\"{r['status']}\">"
                     f"{MARKS[r['status']]}: {html.escape(r['message'])}</td></tr>")
    parts.append("</table>")
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
                     + "</ul>")
    total = sum(r["status"] == "correct" for r in results.values())
    return _page(f"Feedback for {student}: {total} of {len(exercises)}", "\n".join(parts))


def _bars(rates: list[tuple[str, float]]) -> str:
    """An SVG bar chart of pass rates, drawn here (no library, nothing fetched)."""
    height = 22 * len(rates) + 10
    rows = []
    for i, (name, rate) in enumerate(rates):
        y = 22 * i + 5
        rows.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(name)}</text>'
                    f'<rect x="260" y="{y}" width="{300 * rate:.1f}" height="16" '
                    f'fill="#2a6fbb"/><text x="{265 + 300 * rate:.1f}" y="{y + 14}" '
                    f'font-size="12">{100 * rate:.0f} %</text>')
    label = "; ".join(f"{n}: {100 * r:.0f} % correct" for n, r in rates)
    return (f'<svg role="img" aria-label="{html.escape(label)}" width="620" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>')


def _report(exercises: list[Exercise], results: dict, isolation: str) -> str:
    n = len(results)
    parts = [f"<p>{n} students. Isolation: {html.escape(isolation)}.</p>"]
    notebook = None
    for e in exercises:
        if e.notebook != notebook:
            if notebook is not None:
                parts.append("</table>")
            notebook = e.notebook
            mine = [x for x in exercises if x.notebook == notebook]
            rates = [(x.column, sum(results[s][x.column]["status"] == "correct"
                                    for s in results) / max(n, 1)) for x in mine]
            parts.append(f"<h2>{html.escape(notebook)}</h2>{_bars(rates)}<table><tr>"
                         "<th>exercise</th><th>correct</th><th>wrong</th><th>not attempted</th>"
                         "<th>time-outs</th><th>errors</th><th>crashes</th>"
                         "<th>most common mistakes</th></tr>")
        statuses = Counter(results[s][e.column]["status"] for s in results)
        mistakes = Counter(results[s][e.column]["mistake"] for s in results
                           if results[s][e.column]["status"] in ("wrong", "time-out")
                           and results[s][e.column]["mistake"])
        common = sorted(mistakes.items(), key=lambda item: (-item[1], item[0]))[:5]
        parts.append(f"<tr><td>{html.escape(e.column)}</td><td>{statuses['correct']} of {n}"
                     f"</td><td>{statuses['wrong']}</td><td>{statuses['not attempted']}</td>"
                     f"<td>{statuses['time-out']}</td><td>{statuses['error']}</td>"
                     f"<td>{mistakes['crash']}</td><td>"
                     + "<br>".join(f"{html.escape(m)}: {c}" for m, c in common) + "</td></tr>")
    if notebook is not None:
        parts.append("</table>")
    return _page("Class report", "\n".join(parts))
