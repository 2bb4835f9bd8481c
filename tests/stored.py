"""What the committed notebooks store: the outputs a reader without a kernel gets, for the browser
tests (a notebook opened before it is run) and the site tests (its page on the website)."""
from __future__ import annotations

from pathlib import Path

import nbformat

SERIES = Path(__file__).resolve().parents[1] / "notebooks"


def stored_html(name: str) -> list[str]:
    """The HTML of each output of a committed notebook, as stored: what a reader without a
    kernel gets (a widget's output included, through its static copy)."""
    nb = nbformat.read(SERIES / name, as_version=4)
    return [output["data"]["text/html"] for cell in nb.cells if cell.cell_type == "code"
            for output in cell.outputs if "text/html" in output.get("data", {})]


def stored_pictures(name: str) -> int:
    """How many pictures the stored HTML holds, as images or as inline SVG."""
    return sum(html.count("<img") + html.count("<svg") for html in stored_html(name))


def stored_steppers(name: str) -> int:
    """How many stepper pictures (05's and 07's walks through the passes) the outputs hold."""
    return sum(html.count('class="bp-stepper"') for html in stored_html(name))
