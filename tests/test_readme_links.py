"""Every relative link in the README and in the notebooks' markdown leads to a file that exists."""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"  # [text](target)
                  r"|^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)"                   # [ref]: target
                  r"|(?:href|src)=[\"']([^\"']+)[\"']", re.M)                # <a href=...>


def relative_links(markdown: str) -> list[str]:
    """The link targets of `markdown` that point into the repository (code spans left out)."""
    text = re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.M | re.S)  # fenced code
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code
    targets = [next(group for group in match.groups() if group) for match in LINK.finditer(text)]
    return [target for target in targets
            if not re.match(r"[a-z][a-z0-9+.-]*:|#|//", target, re.I)]  # URLs, anchors


def missing(markdown: str, base: Path) -> list[str]:
    broken = []
    for target in relative_links(markdown):
        path = unquote(target.split("#")[0].split("?")[0])
        if path and not (base / path).exists():
            broken.append(target)
    return broken


def test_link_finder_sees_inline_reference_and_html_links_but_not_urls_or_code():
    markdown = ("[a](notebooks/a.ipynb) ![b](img/b.svg \"title\") <a href=\"c.md\">c</a>\n"
                "[ref]: docs/d.md\n[web](https://example.org) [anchor](#top) `[x](code.md)`\n"
                "```\n[y](fenced.md)\n```\n")
    assert relative_links(markdown) == ["notebooks/a.ipynb", "img/b.svg", "c.md", "docs/d.md"]


def test_a_broken_link_is_reported(tmp_path):
    (tmp_path / "here.md").write_text("")
    assert missing("[ok](here.md#part) [gone](nowhere.md)", tmp_path) == ["nowhere.md"]


def test_every_relative_link_in_the_readme_resolves():
    links = relative_links(README.read_text(encoding="utf-8"))
    assert links, "the README links no file of the repository"
    assert missing(README.read_text(encoding="utf-8"), ROOT) == []


def test_readme_links_every_notebook_of_the_series():
    linked = {Path(target).name for target in relative_links(README.read_text(encoding="utf-8"))}
    assert not [path.name for path in NOTEBOOKS if path.name not in linked]


def test_binder_badge_opens_the_student_edition_its_post_build_makes():
    """Binder opens student/, which binder/postBuild writes: a notebook of the series there."""
    readme = README.read_text(encoding="utf-8")
    paths = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+\?urlpath=lab/tree/([^)\s&]+)", readme)
    assert paths, "no Binder launch link with ?urlpath=lab/tree/... in the README"
    post_build = ROOT / "binder" / "postBuild"
    assert "python -m course_utils.student_edition student/" in post_build.read_text()
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    for path in map(unquote, paths):
        assert path.startswith("student/") and (ROOT / "notebooks" / path[8:]).is_file(), path


def requirement_names(path: Path) -> set[str]:
    """The package names a requirements file installs (not `-e .` or `.`, the series itself)."""
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {re.split(r"[<>=\[ ]", line)[0].lower() for line in lines
            if line and not line.startswith(("-e", "."))}


def test_binder_has_what_the_readme_presents_with():
    """Binder's environment holds every front end and the slide deck that requirements.txt
    installs, so an instructor can present from Binder as the README says."""
    wanted = requirement_names(ROOT / "requirements.txt")
    assert {"jupyterlab-slideshow", "notebook", "jupyterlab"} <= wanted
    assert wanted <= requirement_names(ROOT / "binder" / "requirements.txt")


def test_quick_start_keeps_the_two_commands_ci_relies_on():
    readme = README.read_text(encoding="utf-8")
    assert ("```bash\n"
            "pip install -r requirements.txt && python -m course_utils.student_edition student/ "
            "--update && jupyter lab student/01_chain_rule.ipynb\n"
            "python -m pytest\n```") in readme


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_every_relative_link_in_the_notebook_resolves(path):
    nb = nbformat.read(path, as_version=4)
    broken = [f"cell {index}: {target}" for index, cell in enumerate(nb.cells)
              if cell.cell_type == "markdown" for target in missing(cell.source, path.parent)]
    assert not broken, f"{path.name}: links to missing files:\n" + "\n".join(broken)
