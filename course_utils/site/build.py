"""The course website, and exports of single notebooks, from the notebooks as committed.

`build_site(out)` writes out/index.html (the README's introduction and the notebooks in order),
a page per notebook with links to the one before and after it, and out/mathjax, the math
renderer the pages load. `export(out, notebooks)` writes each notebook's page alone (no
navigation), with out/mathjax beside it: a folder to zip and hand on, or to open from disk.
Either checks OUT first (folder.refusal), renders everything, checks every link
(links.problems), and only then replaces OUT.
"""
from __future__ import annotations

from pathlib import Path

from course_utils.site import folder, links, pages
from course_utils.student_edition import default_notebooks


def build_site(out: Path, notebooks_dir: Path | None = None, readme: Path | None = None,
               force: bool = False) -> list[Path]:
    """Write the website to `out`; returns its pages, the front page first."""
    notebooks_dir = notebooks_dir or default_notebooks()
    readme = readme or notebooks_dir.parent / "README.md"
    sources = sorted(notebooks_dir.glob("*.ipynb"))
    if not sources:
        raise folder.FolderError(f"no notebooks (*.ipynb) in {notebooks_dir}")
    if not readme.is_file():
        raise folder.FolderError(f"no README at {readme}: its introduction is the front page")
    refuse(out, [notebooks_dir, readme], force)
    notebooks = [pages.read(path) for path in sources]
    text = readme.read_text(encoding="utf-8")
    title = pages.heading(text) or "The notebooks"
    home = pages.Page("index.html", "Contents")
    chapters = [pages.Page(path.stem + ".html", pages.title_of(nb, path.stem))
                for path, nb in zip(sources, notebooks, strict=True)]
    names = {path.name: page.href for path, page in zip(sources, chapters, strict=True)}
    order = [home, *chapters]
    documents = [pages.front_page(title, text, chapters), *notebooks]
    exporter = pages.exporter()
    with folder.staged(out) as staging:
        for i, (page, nb) in enumerate(zip(order, documents, strict=True)):
            site = {"title": title,
                    "previous": order[i - 1] if i > 0 else None,
                    "next": order[i + 1] if i + 1 < len(order) else None}
            heading = title if page is home else f"{page.title} · {title}"
            html = pages.link_pages(pages.render(exporter, nb, heading, site), names)
            (staging / page.href).write_text(html, encoding="utf-8")
        finish(staging, out, follow_links=True)
    return [out / page.href for page in order]


def export(out: Path, notebooks: list[Path], force: bool = False) -> list[Path]:
    """Write each notebook's page to `out`, standing alone; returns the pages."""
    if not notebooks:
        raise folder.FolderError("no notebook to export")
    names = [path.stem + ".html" for path in notebooks]
    if len(set(names)) < len(names):
        raise folder.FolderError("two of the notebooks have the same name; export them "
                                 "into different folders")
    refuse(out, notebooks, force)
    read = [pages.read(path) for path in notebooks]
    exporter = pages.exporter()
    together = {path.name: name for path, name in zip(notebooks, names, strict=True)}
    with folder.staged(out) as staging:
        for name, path, nb in zip(names, notebooks, read, strict=True):
            html = pages.render(exporter, nb, pages.title_of(nb, path.stem))
            (staging / name).write_text(pages.link_pages(html, together), encoding="utf-8")
        finish(staging, out, follow_links=False)
    return [out / name for name in names]


def refuse(out: Path, sources: list[Path], force: bool) -> None:
    """A one-line error when `out` must not receive the build."""
    problem = folder.refusal(out, sources, force)
    if problem:
        raise folder.FolderError(problem)


def finish(staging: Path, out: Path, follow_links: bool) -> None:
    """MathJax beside the pages, then every load (and, on the website, every link) checked: a
    failure leaves `out` as it was. An export's links to notebooks exported with it lead to
    their pages; links to others stay as the notebook has them, for a reader who has those."""
    folder.copy_mathjax(staging)
    found = links.problems(staging, follow_links)
    if found:
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        raise folder.FolderError(f"not written to {out}: " + "; ".join(found[:3]) + more)
