"""The BackpropStepper in a real browser: JupyterLab 4 and Notebook 7 in headless Chromium.

Each test starts its own Jupyter server on 127.0.0.1 (random free port, random token), writes an
output-free notebook into a temporary folder, runs all its cells, clicks "next" through the
whole forward and backward pass, and checks that the w̄ shown equals the engine's. A screenshot
is saved in the test's temporary folder. With CI=true these tests must run; elsewhere they skip
when Chromium or playwright is missing.
"""
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from course_utils.draw import number
from course_utils.lecture import regularised_example

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[1]
N_STEPS = 19
TIMEOUT_MS = 60_000


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
    """An output-free notebook (no saved widget state) that shows a stepper."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "from course_utils.lecture import regularised_example\n"
        "from course_utils.widgets import BackpropStepper\n"
        "example = regularised_example()\n"
        "BackpropStepper(example.L_reg)")]
    path = folder / "stepper.ipynb"
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


@pytest.fixture
def browser_page(tmp_path):
    sync_playwright = playwright_or_skip()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.pages[0] if context.pages else context.new_page()
        try:
            yield page
        finally:
            context.close()


def run_all_and_step_through(page, screenshot: Path) -> str:
    """Run all cells, click next through every step; return the shown w̄ text."""
    # The kernel's name first (else a "Select Kernel" dialog may block Run All), then idle.
    page.locator(".jp-Toolbar-kernelName", has_text="Python 3").first.wait_for()
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator("li[data-command='runmenu:run-all']").click()
    widget = page.locator(".bp-stepper-widget")
    widget.locator(".bp-stepper[data-step='0']").wait_for()
    next_button = widget.locator("button", has_text="next")
    for step in range(1, N_STEPS):
        next_button.click()
        widget.locator(f".bp-stepper[data-step='{step}']").wait_for()
    assert next_button.is_disabled()
    widget.locator(".bp-stepper").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot), full_page=True)
    return widget.locator("[data-node='w'] .bp-bar").text_content()


def engine_w_bar() -> str:
    example = regularised_example()
    example.L_reg.backward()
    return "w̄ = " + number(example.w.bar)


def test_stepper_in_jupyterlab_shows_the_engines_w_bar(browser_page, tmp_path):
    server = JupyterServer("lab", tmp_path)
    try:
        write_notebook(server.root)
        browser_page.goto(f"{server.url}/lab/tree/stepper.ipynb?token={server.token}")
        shown = run_all_and_step_through(browser_page, tmp_path / "jupyterlab.png")
    finally:
        server.stop()
    assert shown == engine_w_bar()
    assert (tmp_path / "jupyterlab.png").stat().st_size > 10_000


def test_stepper_in_notebook_7_shows_the_engines_w_bar(browser_page, tmp_path):
    server = JupyterServer("notebook", tmp_path)
    try:
        write_notebook(server.root)
        browser_page.goto(f"{server.url}/tree?token={server.token}")
        browser_page.locator(".jp-DirListing-itemText", has_text="stepper.ipynb").wait_for()
        browser_page.goto(f"{server.url}/notebooks/stepper.ipynb")
        shown = run_all_and_step_through(browser_page, tmp_path / "notebook7.png")
    finally:
        server.stop()
    assert shown == engine_w_bar()
    assert (tmp_path / "notebook7.png").stat().st_size > 10_000
