"""Headless Chromium for the tests that open pages: the JupyterLab and Notebook 7 tests, the
website's, the grader's report and feedback. Debian's Chromium, driven by playwright, offline."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
#: Without the background-networking flags Chromium reaches for Google's hosts at every start.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[1]
#: axe-core, installed by .ci/run with npm (the tests run offline); AXE_CORE may point elsewhere.
AXE = Path(os.environ.get("AXE_CORE", REPO / "build/axe/node_modules/axe-core/axe.min.js"))


def playwright_or_skip():
    """The playwright module, or a skip with the reason (never a skip on CI)."""
    on_ci = os.environ.get("CI") == "true"
    if not os.path.exists(CHROMIUM) and not on_ci:
        pytest.skip(f"the browser tests need Debian's Chromium at {CHROMIUM} "
                    "(apt-get install chromium)")
    if on_ci:
        from playwright.sync_api import sync_playwright
    else:
        sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    return sync_playwright


def axe_or_skip() -> Path:
    """axe-core's script, or a skip with the reason (never a skip on CI)."""
    assert AXE.exists() or os.environ.get("CI") != "true", f"axe-core missing at {AXE}"
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (.ci/run installs it with npm)")
    return AXE


def grave_violations(page, context: str = "document") -> list[dict]:
    """axe-core's serious and critical violations in `context` (a JavaScript expression for
    the elements to check) of the page, after printing every violation found."""
    page.add_script_tag(path=str(axe_or_skip()))
    violations = page.evaluate(f"""async () => {{
        const found = await axe.run({context}, {{resultTypes: ['violations']}});
        return found.violations.map(v => ({{id: v.id, impact: v.impact, nodes: v.nodes.length,
                                            target: v.nodes[0].target.join(' ')}})); }}""")
    print("\naxe: " + (", ".join(f"{v['id']} ({v['impact']}, {v['nodes']})"
                               for v in violations) or "no violations"))
    return [v for v in violations if v["impact"] in ("serious", "critical")]
