"""A notebook as a web page that needs neither a kernel nor a network.

The page is nbconvert's JupyterLab export of the notebook as committed (its stored outputs, no
re-execution), through the template in templates/course_site, which loads nothing from another
host. Each output shows the first of PRIORITY it carries: a widget's `text/html` static copy,
never its view (a view needs a widget manager, which only a CDN would provide), and no
JavaScript output (it could fetch anything). Links to the series' other notebooks lead to their
pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

TEMPLATES = Path(__file__).with_name("templates")
PRIORITY = ["text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png",
            "image/jpeg", "text/plain"]
#: MathJax, copied beside the pages (folder.copy_mathjax); Safe forbids links that run scripts.
MATHJAX = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


@dataclass(frozen=True)
class Page:
    """One page of the site: the file it is written to and the title its links show."""

    href: str
    title: str


def exporter() -> HTMLExporter:
    """nbconvert's HTML exporter set up for the series: the course_site template, no prompts."""
    config = Config({"NbConvertBase": {"display_data_priority": PRIORITY}})
    return HTMLExporter(config=config, template_name="course_site",
                        extra_template_basedirs=[str(TEMPLATES)], mathjax_url=MATHJAX,
                        exclude_input_prompt=True, exclude_output_prompt=True)


def read(path: Path) -> nbformat.NotebookNode:
    """The notebook at `path`, or a one-line error naming it."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # not JSON, or not a notebook
        raise ValueError(f"{path} is not a readable notebook: {error}") from None


def heading(markdown: str) -> str | None:
    """The first `# heading` of `markdown`: the title of a notebook or of the README."""
    match = HEADING.search(markdown)
    return match.group(1) if match else None


def title_of(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The notebook's title, its first `# heading`, else `fallback`."""
    titles = (heading(cell.source) for cell in nb.cells if cell.cell_type == "markdown")
    return next((title for title in titles if title), fallback)


def render(html_exporter: HTMLExporter, nb: nbformat.NotebookNode, title: str,
           site: dict | None = None) -> str:
    """The page of `nb`, titled `title`; `site` is the navigation (None for an export)."""
    nb = nbformat.from_dict(nb)  # a copy: the title is the page's, not the notebook's
    nb.metadata["title"] = title
    html, _ = html_exporter.from_notebook_node(nb, resources={"site": site})
    return html


def link_pages(html: str, pages: dict[str, str]) -> str:
    """`html` with each relative link to a notebook in `pages` (its file name → its page) led
    to that page: `notebooks/05_x.ipynb#part` (from the README) and `05_x.ipynb` alike.

    nbconvert writes every attribute in double quotes, so a link is `href="…"`.
    """
    def to_page(match: re.Match) -> str:
        name, fragment = Path(match.group(1)).name, match.group(2) or ""
        return f'href="{pages[name]}{fragment}"' if name in pages else match.group(0)
    return re.sub(r'href="([^"#?:]+\.ipynb)(#[^"]*)?"', to_page, html)


def introduction(readme: str) -> str:
    """The README's introduction: its text from the title to the first section, without
    paragraphs that show an image from another host (a badge would be a request to it)."""
    body = HEADING.split(readme, maxsplit=1)[-1]
    intro = re.split(r"^##\s", body, maxsplit=1, flags=re.M)[0]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", intro)]
    return "\n\n".join(p for p in paragraphs
                       if p and not re.search(r"!\[[^\]]*\]\(\s*<?(?:[a-z]+:)?//", p))


def front_page(title: str, readme: str, pages: list[Page]) -> nbformat.NotebookNode:
    """The site's front page as a one-cell notebook, so it renders as the others do: the
    README's introduction, then the notebooks in order."""
    contents = "\n".join(f"- [{page.title}]({page.href})" for page in pages)  # titles count
    source = f"# {title}\n\n{introduction(readme)}\n\n## The notebooks\n\n{contents}\n"
    cell = nbformat.v4.new_markdown_cell(source, id="front-page")  # not a random id: the
    return nbformat.v4.new_notebook(cells=[cell])                  # same README, same bytes
