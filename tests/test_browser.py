"""The widgets in a real browser: JupyterLab 4 and Notebook 7 in headless Chromium.

For each front end one Jupyter server is started on 127.0.0.1 (random free port, random token),
an output-free notebook showing the BackpropStepper and both explorers is written into a
temporary folder, opened, and all its cells are run; the tests then drive each widget with clicks
and typing, and compare what the browser shows with what the engine and the explorers' state
classes compute in Python for the same settings. Each test saves a screenshot in its temporary
folder. With CI=true these tests must run; elsewhere they skip when Chromium or playwright is
missing.
"""
import base64
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from course_utils.lecture import regularised_example
from course_utils.notation import number
from course_utils.widgets.explorers import (
    DescentState,
    SensitivityState,
    _png,
    descent_figure,
    descent_html,
    sensitivity_figure,
    sensitivity_html,
)

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[1]
N_STEPS = 19
TIMEOUT_MS = 60_000
NOTEBOOK = "widgets.ipynb"

# The explorers' settings in the notebook; the expected views are computed from the same ones.
SENSITIVITY = dict(x=1.0, dx=0.1)
NEW_X = 1.5             # where a click on the x slider's track moves x
DESCENT = dict(rate=0.1, start=-1.0, steps=20)
TOO_LARGE_RATE = 1.5    # diverges on the default bowl (any rate above 1 does)
DIVERGED_STEP = 5       # where a click on the step slider's track moves the step


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(folder: Path) -> Path:
    """An output-free notebook (no saved widget state): the stepper and both explorers.

    Each explorer's box gets a CSS class, so the tests find it whatever the front end's layout.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (
        "from course_utils.lecture import regularised_example\n"
        "from course_utils.widgets import BackpropStepper\n"
        "example = regularised_example()\n"
        "BackpropStepper(example.L_reg)",
        "from course_utils.widgets import SensitivityExplorer\n"
        f"sensitivity = SensitivityExplorer(**{SENSITIVITY!r})\n"
        "sensitivity.add_class('test-sensitivity')\n"
        "sensitivity",
        "from course_utils.widgets import GradientDescentExplorer\n"
        f"descent = GradientDescentExplorer(**{DESCENT!r})\n"
        "descent.add_class('test-descent')\n"
        "descent")]
    path = folder / NOTEBOOK
    nbformat.write(nb, path)
    return path


class JupyterServer:
    """`jupyter lab` or `jupyter notebook` of our own, isolated in a temporary folder."""

    def __init__(self, app: str, folder: Path):
        self.port, self.token = free_port(), secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        root, home = folder / "root", folder / "home"
        root.mkdir()
        settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        # No "would you like to receive news?" pop-up, no update check.
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        self.root = root
        env = dict(os.environ,
                   JUPYTER_CONFIG_DIR=str(home / "config"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                   IPYTHONDIR=str(home / "ipython"),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO),
                                                            os.environ.get("PYTHONPATH")])))
        self.log = open(folder / f"{app}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", app, "--no-browser", "--allow-root",
             "--ip=127.0.0.1", f"--port={self.port}", "--port-retries=0",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--LabApp.news_url=", "--ServerApp.open_browser=False"],
            env=env, cwd=root, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status

    def _wait_until_up(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Jupyter server stopped: see {self.log.name}")
            try:
                if self._api("/api/status") == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the Jupyter server did not answer within 60 s: see {self.log.name}")

    def stop(self):
        """Shut down through the REST API; only if that fails, end our own process."""
        try:
            self._api("/api/shutdown", method="POST")
            self.process.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def open_notebook(page, server: JupyterServer, front_end: str) -> None:
    if front_end == "jupyterlab":
        page.goto(f"{server.url}/lab/tree/{NOTEBOOK}?token={server.token}")
    else:  # Notebook 7: log in on the file browser, then open the notebook on its own page
        page.goto(f"{server.url}/tree?token={server.token}")
        page.locator(".jp-DirListing-itemText", has_text=NOTEBOOK).wait_for()
        page.goto(f"{server.url}/notebooks/{NOTEBOOK}")


def run_all(page) -> None:
    # The kernel's name first (else a "Select Kernel" dialog may block Run All), then idle.
    page.locator(".jp-Toolbar-kernelName", has_text="Python 3").first.wait_for()
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator("li[data-command='runmenu:run-all']").click()


@pytest.fixture(scope="module", params=["jupyterlab", "notebook7"])
def page(request, tmp_path_factory):
    """A browser page on the notebook, all cells run: one server per front end for all tests."""
    sync_playwright = playwright_or_skip()
    folder = tmp_path_factory.mktemp(request.param)
    server = JupyterServer("lab" if request.param == "jupyterlab" else "notebook", folder)
    try:
        write_notebook(server.root)
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(folder / "chromium-profile"), executable_path=CHROMIUM, headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(TIMEOUT_MS)
            try:
                page = context.pages[0] if context.pages else context.new_page()
                open_notebook(page, server, request.param)
                run_all(page)
                yield page
            finally:
                context.close()
    finally:
        server.stop()


# -- reading what the browser shows ------------------------------------------------------------

def as_the_browser_shows(page, html: str) -> str:
    """The HTML string as the browser serialises it once shown (quotes, entities normalised)."""
    return page.evaluate("html => { const d = document.createElement('div');"
                         " d.innerHTML = html; return d.innerHTML; }", html)


def assert_shows(page, widget, html: str, picture: Path | None = None,
                 timeout: float = 30.0) -> str:
    """Wait until the widget's HTML shows `html`, save a screenshot, and assert it; return it."""
    expected = as_the_browser_shows(page, html)
    content = widget.locator(".widget-html-content")
    deadline = time.monotonic() + timeout
    shown = content.inner_html()
    while shown != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        shown = content.inner_html()
    if picture is not None:
        screenshot(widget, picture)
    assert shown == expected
    return shown


def shown_png(widget) -> bytes:
    """The bytes of the picture the Image widget currently shows."""
    data = widget.locator("img").evaluate(
        "async img => { const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());"
        " let s = ''; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); }")
    return base64.b64decode(data)


def click_slider_at(slider, value: float, low: float, high: float) -> None:
    """Click the slider's track where `value` lies, as a student would.

    (Not the arrow keys on its handle: Notebook 7 swallows ArrowLeft/ArrowRight at the document
    before the handle sees them, so only JupyterLab would pass.)
    """
    track = slider.locator(".noUi-base")
    box = track.bounding_box()
    track.click(position={"x": (value - low) / (high - low) * box["width"],
                          "y": box["height"] / 2})


def readout(slider) -> str:
    return slider.locator(".widget-readout").inner_text()


def shown_step(widget) -> int:
    match = re.match(r"step (\d+) of", widget.locator(".widget-html-content").inner_text())
    assert match, "the descent explorer shows no step number"
    return int(match.group(1))


def screenshot(widget, path: Path) -> None:
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


# -- the tests ---------------------------------------------------------------------------------

def engine_w_bar() -> str:
    example = regularised_example()
    example.L_reg.backward()
    return "w̄ = " + number(example.w.bar)


def test_stepper_clicked_through_shows_the_engines_w_bar(page, tmp_path):
    widget = page.locator(".bp-stepper-widget")
    widget.locator(".bp-stepper[data-step='0']").wait_for()
    next_button = widget.locator("button", has_text="next")
    for step in range(1, N_STEPS):
        next_button.click()
        widget.locator(f".bp-stepper[data-step='{step}']").wait_for()
    assert next_button.is_disabled()
    screenshot(widget, tmp_path / "stepper.png")
    assert widget.locator("[data-node='w'] .bp-bar").text_content() == engine_w_bar()


def test_sensitivity_x_slider_moves_the_shown_numbers_to_the_states(page, tmp_path):
    widget = page.locator(".test-sensitivity")
    before = SensitivityState(**SENSITIVITY)
    assert_shows(page, widget, sensitivity_html(before))
    x_slider = widget.locator(".widget-slider").first
    click_slider_at(x_slider, NEW_X, *before.x_range)
    x = float(readout(x_slider))   # a click lands within one slider step (0.05) of NEW_X
    assert abs(x - NEW_X) <= 0.05 + 1e-9, f"the click moved x to {x}, not near {NEW_X}"
    after = SensitivityState(**dict(SENSITIVITY, x=x))
    shown = assert_shows(page, widget, sensitivity_html(after), tmp_path / "sensitivity.png")
    assert f"<b>{after.numbers()['dz_dx']:.4f}</b>" in shown
    assert after.numbers()["dz_dx"] != pytest.approx(before.numbers()["dz_dx"], abs=1e-3)
    assert shown_png(widget) == _png(sensitivity_figure(after))


def test_descent_play_advances_the_step_and_the_shown_numbers(page, tmp_path):
    widget = page.locator(".test-descent")
    assert_shows(page, widget, descent_html(DescentState(**DESCENT)))
    play_pause = widget.locator(".widget-play button").first
    play_pause.click()
    seen = [0]
    deadline = time.monotonic() + 30
    while seen[-1] < 3 and time.monotonic() < deadline:
        step = shown_step(widget)
        if step != seen[-1]:
            seen.append(step)
        time.sleep(0.05)
    play_pause.click()   # pause
    assert seen[-1] >= 3, f"Play did not advance the steps: saw {seen}"
    assert seen == sorted(seen), f"the steps did not advance in order: {seen}"
    # Paused, the view settles on the step the step slider (linked to Play) shows.
    step = int(readout(widget.locator(".widget-slider").last))
    assert step >= seen[-1]
    assert_shows(page, widget, descent_html(DescentState(**DESCENT, step=step)),
                 tmp_path / "descent-played.png")
    assert shown_png(widget) == _png(descent_figure(DescentState(**DESCENT, step=step)))


def test_descent_too_large_rate_shows_the_divergence_message(page, tmp_path):
    widget = page.locator(".test-descent")
    widget.locator(".widget-play button").nth(1).click()   # stop: back to step 0
    # The rate typed into its slider's readout, the step set by a click on its slider.
    widget.locator(".widget-slider").first.locator(".widget-readout").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(str(TOO_LARGE_RATE))
    page.keyboard.press("Enter")
    assert float(readout(widget.locator(".widget-slider").first)) == TOO_LARGE_RATE
    step_slider = widget.locator(".widget-slider").last
    click_slider_at(step_slider, DIVERGED_STEP, 0, DESCENT["steps"])
    step = int(readout(step_slider))
    assert abs(step - DIVERGED_STEP) <= 1, f"the click moved the step to {step}"
    state = DescentState(**dict(DESCENT, rate=TOO_LARGE_RATE), step=step)
    assert state.diverged
    shown = assert_shows(page, widget, descent_html(state), tmp_path / "descent-diverges.png")
    assert "<b>diverges</b>" in shown
    assert f"step {step} of {len(state.path) - 1}:" in shown
    assert shown_png(widget) == _png(descent_figure(state))
