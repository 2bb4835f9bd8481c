"""How the suite (tests/ and notebooks/) is laid out over the cores: pytest-xdist with
`--dist loadgroup` (pyproject.toml). It lives at the top so that it sees nbval's items too.

- nbval's cells of one notebook form one group: they run in order on one worker, since each
  cell depends on those above it.
- The browser tests of one front end form one group (JupyterLab's, the longest, two): they
  share one Jupyter server and one browser. Within it they are ordered by the notebook they
  look at, so that each notebook is run once per front end and every measurement is taken from
  that one run; the tests that present a deck come last for their notebook (leaving the deck
  reloads the page), and the tests of the committed notebooks as stored (nothing run) come
  last of all.
- Everything else is spread over the workers one test at a time.
"""
from __future__ import annotations

import pytest

#: JupyterLab's browser tests of these notebooks (graphs, the stepper, the laptop widths) run on
#: a server of their own, beside the rest, so that the longest group is split in two.
GRAPHS = ("04_", "05_", "06_", "07_")

#: The notebook written by test_browser for its widget tests: run first, as the fixture does.
WIDGETS = "widgets.ipynb"


def _browser_order(item) -> tuple:
    params = item.callspec.params if hasattr(item, "callspec") else {}
    stored = "stored" in item.name or "export" in item.name   # committed notebooks, not run
    notebook = params.get("name", WIDGETS)
    return (params.get("page", ""), stored, notebook != WIDGETS, notebook, "deck" in item.name)


@pytest.hookimpl(trylast=True)   # after pytest's own grouping by fixture
def pytest_collection_modifyitems(items):
    browser = [i for i, item in enumerate(items) if item.get_closest_marker("browser")]
    ordered = sorted((items[i] for i in browser), key=_browser_order)
    for i, item in zip(browser, ordered, strict=True):
        items[i] = item


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_itemcollected(item):
    if item.path.suffix == ".ipynb":
        item.add_marker(pytest.mark.xdist_group(item.path.name))
    elif item.get_closest_marker("browser") and hasattr(item, "callspec"):
        params = item.callspec.params
        group = f"browser-{params.get('page')}"
        if params.get("page") == "jupyterlab":          # the longest: two servers, two halves
            group += "-graphs" if params.get("name", "").startswith(GRAPHS) else "-rest"
        item.add_marker(pytest.mark.xdist_group(group))
