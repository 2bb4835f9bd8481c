"""The widgets in a real browser: JupyterLab 4 and Notebook 7 in headless Chromium.

For each front end one Jupyter server is started on 127.0.0.1 (random free port, random token),
an output-free notebook showing the BackpropStepper and both explorers is written into a
temporary folder, opened, and all its cells are run; the tests then drive each widget with clicks
and typing, and compare what the browser shows with what the engine and the explorers' state
classes compute in Python for the same settings. Each test saves a screenshot in its temporary
folder. With CI=true these tests must run; elsewhere they skip when Chromium or playwright is
missing.

Where the series is used is tested too, on output-free copies of the notebooks (the
notebooks themselves are not touched): outputs fit a laptop's column, the lecture stepper fits
a projector, text contrast in the dark theme, axe-core (from npm, see AXE) on the outputs of 01
and 05, and the jupyterlab-slideshow decks. What a reader without a kernel gets is tested on
the committed notebooks as they are: opened before they are run, and exported to HTML and
opened offline.
"""
import base64
import io
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

import matplotlib.image
import nbformat
import numpy as np
import pytest
from headless import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    axe_or_skip,
    grave_violations,
    playwright_or_skip,
)
from stored import stored_pictures

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

N_STEPS = 19
TIMEOUT_MS = 60_000
NOTEBOOK = "widgets.ipynb"
SERIES = REPO / "notebooks"
LAPTOP = {"width": 1366, "height": 768}       # JupyterLab's file browser open, as by default
PROJECTOR = {"width": 1280, "height": 720}

# The explorers' settings in the notebook; the expected views are computed from the same ones.
SENSITIVITY = dict(x=1.0, dx=0.1)
NEW_X = 1.5             # where a click on the x slider's track moves x
DESCENT = dict(rate=0.1, start=-1.0, steps=20)
TOO_LARGE_RATE = 1.5    # diverges on the default bowl (any rate above 1 does)
DIVERGED_STEP = 5       # the step typed into the descent's step box


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
        "descent",
        "lecture = BackpropStepper(example.L_reg, lecture=True)\n"
        "lecture.add_class('test-lecture')\n"
        "lecture",
        "from IPython.display import HTML\n"
        "from course_utils.style import verdict_html\n"
        "HTML(''.join(verdict_html(status, 'the message, with `code`') for status in\n"
        "             ('correct', 'wrong', 'not attempted')))")]
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
        # Every cell laid out, also off screen, so that the tests can measure every output.
        tracker = home / "lab-settings" / "@jupyterlab" / "notebook-extension"
        tracker.mkdir(parents=True)
        (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
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
             "--LabApp.news_url=", "--ServerApp.open_browser=False",
             f"--{'LabApp' if app == 'lab' else 'JupyterNotebookApp'}.expose_app_in_browser=True"],
            env=env, cwd=root, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status

    def end_sessions(self, keep: str | None = None) -> None:
        """Shut down the kernels of the notebooks opened so far (one runs at a time), but for
        the notebook `keep`."""
        request = urllib.request.Request(f"{self.url}/api/sessions",
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            sessions = json.load(response)
        for session in sessions:
            if session.get("path") != keep:
                self._api(f"/api/sessions/{session['id']}", method="DELETE")

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


# JupyterLab already loaded: close what is open (saved first, so no dialog asks) and open the
# notebook in the same app, as the file browser does, instead of loading the whole app again;
# the file browser shown, as in the default layout (a deck, once left, keeps the sidebar closed).
OPEN_IN_LAB = """async path => { const commands = window.jupyterapp.commands;
    await commands.execute('docmanager:save-all');
    await commands.execute('application:close-all');
    await commands.execute('docmanager:open', {path});
    await commands.execute('filebrowser:activate'); }"""


def open_notebook(page, server: JupyterServer, front_end: str, name: str = NOTEBOOK) -> None:
    """Open `name` alone, its kernel the only one: the kernels of notebooks opened before are
    shut down once their panels are closed."""
    if front_end == "jupyterlab":
        if page.url.startswith(f"{server.url}/lab"):
            page.evaluate(OPEN_IN_LAB, name)
            server.end_sessions(keep=name)
        else:                       # ?reset: this notebook alone, not those opened before
            server.end_sessions()
            page.goto(f"{server.url}/lab/tree/{name}?reset&token={server.token}")
    else:  # Notebook 7: each notebook on its own page; the file browser once, to log in
        server.end_sessions()
        if not getattr(page, "logged_in", False):
            page.goto(f"{server.url}/tree?token={server.token}")
            page.locator(".jp-DirListing-itemText", has_text=NOTEBOOK).wait_for()
            page.logged_in = True
        page.goto(f"{server.url}/notebooks/{name}")


def run_all(page) -> None:
    # The kernel's name first (else a "Select Kernel" dialog may block Run All), then idle.
    page.locator(".jp-Toolbar-kernelName", has_text="Python 3").first.wait_for()
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator("li[data-command='runmenu:run-all']").click()


def copy_series(root: Path) -> None:
    """The series' notebooks into `root`, without outputs or saved widget state, so that what
    the browser shows comes from a run."""
    for path in SERIES.glob("[0-9][0-9]_*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.metadata.pop("widgets", None)
        nbformat.write(nb, root / path.name)


@pytest.fixture(scope="module", params=["jupyterlab", "notebook7"])
def page(request, tmp_path_factory):
    """A browser page on the notebook, all cells run: one server per front end for all tests."""
    sync_playwright = playwright_or_skip()
    folder = tmp_path_factory.mktemp(request.param)
    server = JupyterServer("lab" if request.param == "jupyterlab" else "notebook", folder)
    try:
        write_notebook(server.root)
        copy_series(server.root)
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(folder / "chromium-profile"), executable_path=CHROMIUM, headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(TIMEOUT_MS)
            try:
                page = context.pages[0] if context.pages else context.new_page()
                open_notebook(page, server, request.param)
                run_all(page)
                page.front_end, page.server, page.current = request.param, server, NOTEBOOK
                yield page
            finally:
                context.close()
    finally:
        server.stop()


#: For a test that applies to one front end: no test is generated for the other.
JUPYTERLAB_ONLY = pytest.mark.parametrize("page", ["jupyterlab"], indirect=True)
NOTEBOOK7_ONLY = pytest.mark.parametrize("page", ["notebook7"], indirect=True)


# -- reading what the browser shows ------------------------------------------------------------

def as_the_browser_shows(page, html: str) -> str:
    """The HTML string as the browser serialises it once shown (quotes, entities normalised)."""
    return page.evaluate("html => { const d = document.createElement('div');"
                         " d.innerHTML = html; return d.innerHTML; }", html)


def assert_shows(page, widget, html: str, picture: Path | None = None,
                 timeout: float = 30.0) -> str:
    """Wait until the widget's HTML shows `html`, save a screenshot, and assert it; return it."""
    expected = as_the_browser_shows(page, html)
    content = widget.locator(".bp-numbers")   # the numbers, above the picture in one widget
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


def pixels(png: bytes) -> np.ndarray:
    """A PNG decoded: what it shows, whatever the encoder wrote around it."""
    return matplotlib.image.imread(io.BytesIO(png), format="png")


def assert_picture(widget, figure) -> None:
    """Assert that the widget's picture shows the pixels of `figure`. The explorer's numbers
    and picture arrive in one message (one HTML widget): once `assert_shows` has seen the
    numbers of a state, the picture beside them is that state's, or wrong."""
    expected, shown = pixels(_png(figure)), pixels(shown_png(widget))
    assert shown.shape == expected.shape, f"picture of {shown.shape}, expected {expected.shape}"
    differ = np.any(shown != expected, axis=-1)
    assert not differ.any(), f"{int(differ.sum())} of {differ.size} pixels differ"


def type_into(box, value) -> None:
    """Type a number into a labelled number box and press Enter, as a student would."""
    field = box.locator("input")
    field.fill(str(value))
    field.press("Enter")


def typed(box) -> str:
    return box.locator("input").input_value()


def shown_step(widget) -> int:
    match = re.match(r"step (\d+) of",
                     widget.locator(".bp-numbers").inner_text())
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
    open_and_run(page, NOTEBOOK)                         # unless a test opened another one
    widget = page.locator(".bp-stepper-widget").first
    widget.locator(".bp-stepper[data-step='0']").wait_for()
    next_button = widget.locator("button", has_text="next")
    for step in range(1, N_STEPS):
        next_button.click()
        widget.locator(f".bp-stepper[data-step='{step}']").wait_for()
    # the button's state reaches the page in a message of its own, after the last step's picture
    widget.locator("button:disabled", has_text="next").wait_for()
    assert next_button.is_disabled()
    screenshot(widget, tmp_path / "stepper.png")
    assert widget.locator("[data-node='w'] .bp-bar").text_content() == engine_w_bar()


def test_sensitivity_x_box_moves_the_shown_numbers_to_the_states(page, tmp_path):
    open_and_run(page, NOTEBOOK)
    widget = page.locator(".test-sensitivity")
    before = SensitivityState(**SENSITIVITY)
    assert_shows(page, widget, sensitivity_html(before))
    x_box = widget.locator(".widget-text").first
    type_into(x_box, NEW_X)
    assert float(typed(x_box)) == NEW_X
    after = SensitivityState(**dict(SENSITIVITY, x=NEW_X))
    shown = assert_shows(page, widget, sensitivity_html(after), tmp_path / "sensitivity.png")
    assert f"<b>{after.numbers()['dz_dx']:.4f}</b>" in shown
    assert after.numbers()["dz_dx"] != pytest.approx(before.numbers()["dz_dx"], abs=1e-3)
    assert_picture(widget, sensitivity_figure(after))


def test_descent_play_advances_the_step_and_the_shown_numbers(page, tmp_path):
    open_and_run(page, NOTEBOOK)
    widget = page.locator(".test-descent")
    assert_shows(page, widget, descent_html(DescentState(**DESCENT)))
    play_pause = widget.locator("button", has_text="play")
    play_pause.click()
    seen = [0]
    deadline = time.monotonic() + 30
    while seen[-1] < 3 and time.monotonic() < deadline:
        step = shown_step(widget)
        if step != seen[-1]:
            seen.append(step)
        time.sleep(0.05)
    widget.locator("button", has_text="pause").click()
    assert seen[-1] >= 3, f"Play did not advance the steps: saw {seen}"
    assert seen == sorted(seen), f"the steps did not advance in order: {seen}"
    # Paused, the view settles on the step the step box shows.
    widget.locator("button", has_text="play").wait_for()
    step = int(typed(widget.locator(".widget-text").last))
    assert step >= seen[-1]
    assert_shows(page, widget, descent_html(DescentState(**DESCENT, step=step)),
                 tmp_path / "descent-played.png")
    assert_picture(widget, descent_figure(DescentState(**DESCENT, step=step)))


def test_descent_too_large_rate_shows_the_divergence_message(page, tmp_path):
    open_and_run(page, NOTEBOOK)
    widget = page.locator(".test-descent")
    rate_box, step_box = widget.locator(".widget-text").first, widget.locator(".widget-text").last
    # One change at a time, each seen through before the next, as a student watches the
    # explorer: a number typed while the last change is still on its way may be overwritten
    # by it (the explorer keeps the step where the play test before this one paused it).
    type_into(rate_box, TOO_LARGE_RATE)
    assert float(typed(rate_box)) == TOO_LARGE_RATE
    at_new_rate = DescentState(**dict(DESCENT, rate=TOO_LARGE_RATE), step=int(typed(step_box)))
    assert_shows(page, widget, descent_html(at_new_rate))
    type_into(step_box, DIVERGED_STEP)
    assert int(typed(step_box)) == DIVERGED_STEP
    state = DescentState(**dict(DESCENT, rate=TOO_LARGE_RATE), step=DIVERGED_STEP)
    assert state.diverged
    shown = assert_shows(page, widget, descent_html(state), tmp_path / "descent-diverges.png")
    assert "<b>diverges</b>" in shown
    assert f"step {DIVERGED_STEP} of {len(state.path) - 1}:" in shown
    assert_picture(widget, descent_figure(state))


# -- where the series is used: screens, projectors, themes, screen readers, decks, exports ------

VISIBLE_PANEL = """() => [...document.querySelectorAll('.jp-NotebookPanel')]
    .find(p => !p.classList.contains('lm-mod-hidden') && p.offsetParent !== null)"""

ALL_RUN = f"""() => {{ const panel = ({VISIBLE_PANEL})();
    if (!panel) return false;
    const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)); }}"""

# Every widget output has rendered its view, every image has loaded, and two frames have been
# laid out since: what the tests measure is what a student sees once the run has settled.
RENDERED = f"""() => {{ const panel = ({VISIBLE_PANEL})();
    if (!panel) return false;
    const views = [...panel.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.widget-view+json"]')];
    const images = [...panel.querySelectorAll('.jp-OutputArea-output img')];
    if (!views.every(v => v.querySelector('.jupyter-widgets, .widget-box, .lm-Widget'))
        || !images.every(i => i.complete)) return false;
    return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
        () => done(true)))); }}"""

# The notebook area and every output in it at the same place and size over five frames: a
# layout change (a mode, a sidebar closed) has ended.
STILL = f"""() => new Promise(done => {{
    const boxes = () => {{ const panel = ({VISIBLE_PANEL})();
        return JSON.stringify([panel, ...panel.querySelectorAll('.jp-OutputArea-output')]
            .map(e => {{ const r = e.getBoundingClientRect(); return [r.x, r.y, r.width,
                                                                    r.height]; }})); }};
    let last = boxes(), still = 0;
    const look = () => {{ const now = boxes(); still = now === last ? still + 1 : 0; last = now;
        if (still >= 5) done(true); else requestAnimationFrame(look); }};
    requestAnimationFrame(look); }})"""

# The dark theme's style sheet applied: its first layout colour, as the page computes it, is dark.
DARK = """() => { const probe = document.createElement('div');
    probe.style.background = 'var(--jp-layout-color0)'; document.body.appendChild(probe);
    const c = getComputedStyle(probe).backgroundColor.match(/[\\d.]+/g).map(Number);
    probe.remove(); return c[0] + c[1] + c[2] < 3 * 96; }"""

# Two frames laid out: a change just made (a theme, a mode, a deck step) is on screen.
SETTLED = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
    () => done(true))))"""

# Per output: how far it or anything in it reaches past the output area, and for its graph
# pictures (inline, as in the stepper, or an image, as from draw, decoded and laid out off screen
# to be measured): how many, their smallest text once scaled to the shown width, and the texts
# that run out of their node's box.
MEASURE = f"""() => {{ const panel = ({VISIBLE_PANEL})();
    return [...panel.querySelectorAll('.jp-OutputArea-output')].map(o => {{
      const area = o.getBoundingClientRect();
      let right = area.right;
      for (const e of o.querySelectorAll('*')) {{
        const r = e.getBoundingClientRect();
        if (r.width > 0) right = Math.max(right, r.right);
      }}
      const graphs = [...o.querySelectorAll('svg.bp-graph')]
          .map(svg => [svg, svg.getBoundingClientRect().width]);
      const holders = [];
      for (const img of o.querySelectorAll('img[src^="data:image/svg+xml"]')) {{
        const holder = document.createElement('div');
        holder.style.cssText = 'position:absolute;left:-20000px;top:0';
        const bytes = Uint8Array.from(atob(img.src.split(',')[1]), c => c.charCodeAt(0));
        holder.innerHTML = new TextDecoder().decode(bytes);
        document.body.appendChild(holder);
        holders.push(holder);
        graphs.push([holder.querySelector('svg'), img.getBoundingClientRect().width]);
      }}
      let smallest = null; const outside = [];
      for (const [svg, shown] of graphs) {{
        const scale = shown / svg.viewBox.baseVal.width;
        for (const t of svg.querySelectorAll('text')) {{
          const size = parseFloat(getComputedStyle(t).fontSize) * scale;
          smallest = smallest === null ? size : Math.min(smallest, size);
        }}
        for (const g of svg.querySelectorAll('g.bp-node')) {{
          const box = g.querySelector('rect').getBBox();
          for (const t of g.querySelectorAll('text')) {{
            const r = t.getBBox();
            if (r.x < box.x || r.x + r.width > box.x + box.width) outside.push(t.textContent);
          }}
        }}
      }}
      holders.forEach(h => h.remove());
      return {{area: Math.round(area.width), widest: Math.round(right - area.left),
               scroll: o.scrollWidth - o.clientWidth, pictures: graphs.length, smallest,
               plots: o.querySelectorAll('img[src^="data:image/png"]').length,
               outside}};
    }}); }}"""


def command(page, name: str, args: dict | None = None) -> None:
    """Run a JupyterLab command, as its menu item or shortcut would."""
    page.evaluate("([name, args]) => window.jupyterapp.commands.execute(name, args)",
                  [name, args or {}])


def open_and_run(page, name: str) -> None:
    """Open a notebook of the series (the copy in the server's folder) and run all its cells,
    unless it is the one run last."""
    if getattr(page, "current", None) == name:
        return
    open_notebook(page, page.server, page.front_end, name)
    run_all(page)
    try:
        page.wait_for_function(ALL_RUN, timeout=60_000)
    except Exception:
        page.screenshot(path=str(page.server.root.parent / f"not-run-{name}.png"))
        raise
    page.wait_for_function(RENDERED, timeout=60_000)     # widgets render after their cell
    page.current = name


#: The notebooks with graph pictures and the stepper, measured on a laptop in both front ends.
GRAPH_NOTEBOOKS = ["04_computational_graphs.ipynb", "06_modularity_and_tensors.ipynb",
                   "07_training_xor.ipynb", "05_backprop_algorithm.ipynb"]
#: ... and notebook 09, whose outputs are plots and tables of numbers, in JupyterLab.
LAPTOP_NOTEBOOKS = [*GRAPH_NOTEBOOKS, "09_digits_classifier.ipynb"]


@JUPYTERLAB_ONLY
@pytest.mark.parametrize("name", LAPTOP_NOTEBOOKS)
def test_no_output_is_wider_than_its_output_area_on_a_laptop(page, name, tmp_path):
    outputs_fit_a_laptop(page, name, tmp_path)


def outputs_fit_a_laptop(page, name: str, tmp_path: Path) -> None:
    page.set_viewport_size(LAPTOP)
    open_and_run(page, name)
    if page.front_end == "jupyterlab":                   # the file browser open, as by default
        assert page.locator("#filebrowser").is_visible()
    outputs = page.evaluate(MEASURE)
    print(f"\n{page.front_end} {name}: output area {max(o['area'] for o in outputs)} px, "
          f"widest output {max(o['widest'] for o in outputs)} px, "
          f"{sum(o['pictures'] for o in outputs)} graph pictures, smallest picture text "
          f"{min((o['smallest'] for o in outputs if o['smallest']), default=None)} px")
    page.screenshot(path=str(tmp_path / "laptop.png"), full_page=True)
    too_wide = [o for o in outputs if o["widest"] > o["area"] + 1 or o["scroll"] > 1]
    assert not too_wide, f"outputs wider than their area: {too_wide}"
    if name in GRAPH_NOTEBOOKS:
        assert sum(o["pictures"] for o in outputs) > 0, "no graph picture was measured"
    else:
        assert sum(o["plots"] for o in outputs) > 0, "no plot was measured"
    assert all(o["smallest"] >= 11 for o in outputs if o["smallest"] is not None)
    outside = [text for o in outputs for text in o["outside"]]
    assert not outside, f"texts wider than their node's box: {outside}"


# Whether an element is really shown: no ancestor hides it or makes it transparent.
SHOWN = """e => { for (let a = e; a; a = a.parentElement) { const s = getComputedStyle(a);
        if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) < 0.5)
            return false; }
    return e.getBoundingClientRect().height > 0; }"""


# What the deck shows now: the height from the top of the first cell to the bottom of the last,
# the first line of the first (to name the slide), and each cell shown as "index: height".
SLIDE = f"""() => {{ const shown = {SHOWN};
    const all = [...document.querySelectorAll('.jp-Cell')];
    const cells = all.filter(c => shown(c));
    const rects = cells.map(c => c.getBoundingClientRect());
    return {{cells: cells.map((c, i) => `${{all.indexOf(c)}}: ${{Math.round(rects[i].height)}}`),
            height: rects.length ? Math.max(...rects.map(r => r.bottom))
                 - Math.min(...rects.map(r => r.top)) : 0,
            first: cells.length ? cells[0].innerText.trim().split('\\n')[0].slice(0, 60) : ''}};
    }}"""

#: Every deck: each shows outputs, pictures, plots or widgets.
DECKS = ["01_chain_rule.ipynb", "02_training_and_gradient_descent.ipynb",
         "03_sigmoid_least_squares.ipynb", "04_computational_graphs.ipynb",
         "05_backprop_algorithm.ipynb", "06_modularity_and_tensors.ipynb", "07_training_xor.ipynb",
         "08_why_backprop_is_efficient.ipynb", "09_digits_classifier.ipynb"]

#: The slide types the deck stops at; "-" continues the slide before, "skip" is never shown.
STOPS = ("slide", "subslide", "fragment")

#: The index of the cell the deck is on: the walk has ended when going on does not move it.
ACTIVE = """() => [...document.querySelectorAll('.jp-Cell')]
    .findIndex(c => c.classList.contains('jp-mod-active'))"""


# The walk itself, in the page: measure the slide (two frames after it is shown), then press
# the space bar until the deck has moved, up to the last stop; pause where `pause()` holds, so
# that the test can act there. One call per walk, not four round trips per step.
WALK = f"""async ([last, pause]) => {{
    const active = {ACTIVE}, slide = {SLIDE}, shown = {SHOWN};
    const frame = () => new Promise(done => requestAnimationFrame(done));
    const seen = [];
    for (;;) {{
        await frame(); await frame();
        seen.push(slide());
        if (pause && [...document.querySelectorAll(pause)].some(shown))
            return {{seen, paused: true}};
        const before = active();
        if (before >= last) return {{seen, paused: false}};  // the last stop of the deck
        // the space bar: down into a sub-slide or fragment, else forward to the next slide
        await window.jupyterapp.commands.execute('deck:go',
                                                 {{direction: 'down', alternate: 'forward'}});
        const began = performance.now();
        while (active() === before) {{
            if (performance.now() - began > 10000)
                throw new Error(`the deck stayed on cell ${{before}}`);
            await frame();
        }}
    }} }}"""


def walk_the_deck(page, name: str, pause: str | None = None, on_pause=None) -> list[dict]:
    """Start the deck on the notebook's first cell and measure every slide, sub-slide and
    fragment, as the space bar steps, up to the last; the first time an element matching the
    CSS selector `pause` is shown, call `on_pause()` there. Then leave the deck; return each
    step's SLIDE measure."""
    page.set_viewport_size(PROJECTOR)
    open_and_run(page, name)
    page.locator(".jp-Cell").first.click()              # the deck starts at the active cell
    presenting = page.locator("body[data-jp-deck-mode='presenting']")
    command(page, "deck:start")
    seen: list[dict] = []
    # The deck fades cells in and out; without the fades each step is measured as it ends.
    still = page.add_style_tag(content="*, *::before, *::after { transition: none !important; "
                                        "animation: none !important; }")
    try:
        presenting.wait_for(state="attached")
        cells = nbformat.read(page.server.root / name, as_version=4).cells
        last = max(i for i, cell in enumerate(cells)
                   if cell.metadata.get("slideshow", {}).get("slide_type") in STOPS)
        walked = page.evaluate(WALK, [last, pause])
        seen += walked["seen"]
        if walked["paused"]:
            on_pause()
            seen += page.evaluate(WALK, [last, None])["seen"]
    finally:
        command(page, "deck:stop")                       # leaving the deck, as the README says
        still.evaluate("style => style.remove()")
    presenting.wait_for(state="detached")
    return seen


@JUPYTERLAB_ONLY
@pytest.mark.parametrize("name", DECKS)
def test_every_slide_of_the_deck_fits_a_projector(page, name, tmp_path):
    deck_fits_a_projector(page, name, tmp_path)


def deck_fits_a_projector(page, name: str, tmp_path: Path) -> None:
    if os.environ.get("CI") != "true":
        pytest.importorskip("jupyterlab_slideshow", reason="pip install -r requirements.txt")
    stepper, stepped = page.locator(".bp-stepper-widget"), []

    def step_the_stepper_once() -> None:
        page.screenshot(path=str(tmp_path / "deck.png"))
        box = stepper.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], box
        stepper.locator("button", has_text="next").click()
        stepper.locator(".bp-stepper[data-step='1']").wait_for()
        stepped.append(True)

    with_stepper = name == "05_backprop_algorithm.ipynb"
    slides = walk_the_deck(page, name, ".bp-stepper-widget" if with_stepper else None,
                           step_the_stepper_once)
    tallest = max(slides, key=lambda slide: slide["height"])
    print(f"\ndeck of {name}: {len(slides)} steps, tallest {tallest['height']:.0f} px "
          f"({tallest['first']!r})")
    too_tall = [f"{slide['height']:.0f} px: {slide['first']!r} (cell: px {slide['cells']})"
                for slide in slides
                if slide["height"] > PROJECTOR["height"]]
    assert not too_tall, f"{name}: slides taller than {PROJECTOR['height']} px: {too_tall}"
    if with_stepper:
        assert stepped, "the deck never showed the stepper"
        page.reload()                                    # the deck remembers it was left
        page.locator(".jp-NotebookPanel").first.wait_for()
        # the app restored with the deck's commands: a deck it remembered would have started
        page.wait_for_function("async () => { await window.jupyterapp.restored; return "
                               "window.jupyterapp.commands.hasCommand('deck:start'); }")
        page.wait_for_function(SETTLED)
        assert page.locator("body[data-jp-deck-mode='presenting']").count() == 0
        page.current = None
        page.goto("about:blank")   # the restored app may reopen 05 late: the next starts afresh


#: Where axe looks: 01 and 05 in JupyterLab; in Notebook 7, whose output areas are JupyterLab's
#: own components, 05 (the stepper, the richest outputs), which Notebook 7 runs anyway.
AXE_RUNS = [("jupyterlab", "05_backprop_algorithm.ipynb"), ("jupyterlab", "01_chain_rule.ipynb"),
            ("notebook7", "05_backprop_algorithm.ipynb")]


@pytest.mark.parametrize("page, name", AXE_RUNS, indirect=["page"])
def test_axe_finds_no_serious_or_critical_violation_in_the_outputs(page, name):
    axe_or_skip()
    open_and_run(page, name)
    print(f"\n{name} in {page.front_end}:", end="")
    grave = grave_violations(page, f"({VISIBLE_PANEL})().querySelectorAll('.jp-OutputArea')")
    assert not grave, f"axe-core: {grave}"


def test_lecture_stepper_fits_a_projector(page, tmp_path):
    """JupyterLab in Presentation Mode, Simple Interface, sidebar closed; Notebook 7 (which has
    none of these) as it opens."""
    page.set_viewport_size(PROJECTOR)
    open_and_run(page, NOTEBOOK)
    toggles = ["application:toggle-presentation-mode", "application:toggle-mode",
               "application:toggle-left-area"] if page.front_end == "jupyterlab" else []
    for name in toggles:
        command(page, name)
    try:
        page.wait_for_function(STILL, timeout=10_000)   # the modes' new layout has settled
        stepper = page.locator(".test-lecture")
        stepper.scroll_into_view_if_needed()
        area = page.evaluate(f"() => {{ const r = ({VISIBLE_PANEL})()"
                             ".querySelector('.jp-WindowedPanel-outer, .jp-Notebook')"
                             ".getBoundingClientRect(); return [r.width, r.height]; }")
        box = stepper.bounding_box()
        # Text wraps to any width; the picture and the controls do not.
        content = page.evaluate("root => Math.max(...[...root.querySelectorAll('svg, button, "
                                "input')].map(e => e.getBoundingClientRect().right)) - "
                                "root.getBoundingClientRect().left", stepper.element_handle())
        sizes = page.evaluate(FONT_SIZES, stepper.element_handle())
        page.screenshot(path=str(tmp_path / "projector.png"))
        print(f"\n{page.front_end}: lecture stepper {box['width']:.0f}×{box['height']:.0f} px "
              f"(picture and "
              f"controls {content:.0f} px wide) in a notebook area of "
              f"{area[0]:.0f}×{area[1]:.0f} px; smallest text {min(sizes):.1f} px")
        assert box["width"] <= area[0] and box["height"] <= area[1]
        assert content <= 1024 and box["height"] <= 600  # the lecture option's promise
        assert round(min(sizes), 1) >= 18              # to a tenth: the scale is 0.99999
    finally:
        for name in toggles:
            command(page, name)


# Every text's size as shown (a picture's text scaled with the picture), subscripts aside.
FONT_SIZES = """root => [...root.querySelectorAll('*')].filter(e =>
        [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
        && e.getClientRects().length && !e.closest('style')
        && !(e.getAttribute('baseline-shift') === 'sub')).map(e => {
      const svg = e.closest('svg');
      const scale = svg ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1;
      return parseFloat(getComputedStyle(e).fontSize) * scale; })"""

# Every text's contrast with what lies behind it: HTML against its first opaque ancestor
# (semi-transparent layers blended in), a picture's text against the box it sits in.
CONTRASTS = """root => {
    const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
        const v = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
        return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
    const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3]))
        .concat([1]);
    const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92
        : Math.pow((x + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1])
        + 0.0722 * f(c[2]); };
    const ratio = (a, b) => { const [h, l] = [lum(a), lum(b)].sort((x, y) => y - x);
        return (h + 0.05) / (l + 0.05); };
    const behind = e => { const layers = [];
        for (let a = e; a; a = a.parentElement) { const c = parse(getComputedStyle(a)
            .backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
        return layers.reverse().reduce((under, c) => over(c, under), [255, 255, 255, 1]); };
    return [...root.querySelectorAll('*')].filter(e =>
        [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
        && e.getClientRects().length && !e.closest('style')).map(e => {
      const text = e.closest('text');
      let ink, ground;
      if (text) {
        ink = parse(getComputedStyle(e).fill);
        const box = text.parentElement.querySelector(':scope > rect');
        ground = box ? parse(getComputedStyle(box).fill) : behind(text.closest('svg'));
      } else {
        ground = behind(e);
        ink = over(parse(getComputedStyle(e).color), ground);
      }
      return {text: e.textContent.trim().slice(0, 40), ratio: ratio(ink, ground)}; }); }"""


def test_dark_theme_contrast_of_the_stepper_and_the_verdicts(page, tmp_path):
    page.set_viewport_size(LAPTOP)
    open_and_run(page, NOTEBOOK)
    command(page, "apputils:change-theme", {"theme": "JupyterLab Dark"})
    try:
        page.locator("body[data-jp-theme-light='false']").wait_for(state="attached")
        page.wait_for_function(DARK, timeout=10_000)     # the theme's style sheet has loaded
        stepper = page.locator(".bp-stepper-widget").first
        reset = stepper.locator("button", has_text="reset")
        if reset.is_enabled():                           # an earlier test left it further on
            reset.click()
        stepper.locator(".bp-stepper[data-step='0']").wait_for()
        for step in range(1, 13):                        # into the backward pass: messages
            stepper.locator("button", has_text="next").click()
            stepper.locator(f".bp-stepper[data-step='{step}']").wait_for()
        shown = {"stepper": page.evaluate(CONTRASTS, stepper.element_handle())}
        verdicts = page.locator(".bp-verdict")
        assert verdicts.count() == 3
        shown["verdicts"] = [c for i in range(3)
                             for c in page.evaluate(CONTRASTS, verdicts.nth(i).element_handle())]
        screenshot(stepper, tmp_path / "stepper-dark.png")
        for what, contrasts in shown.items():
            print(f"\n{page.front_end} dark theme, {what}: {len(contrasts)} texts, lowest "
                  f"contrast {min(c['ratio'] for c in contrasts):.2f}:1")
            low = [c for c in contrasts if c["ratio"] < 4.5]
            assert not low, f"{what}: text below 4.5:1 in the dark theme: {low}"
        assert len(shown["stepper"]) > 20
    finally:
        command(page, "apputils:change-theme", {"theme": "JupyterLab Light"})


# Every image in the outputs: how many, and how many of them loaded.
IMAGES = """root => { const images = [...root.querySelectorAll('.jp-OutputArea-output img')];
    return [images.length, images.filter(i => i.complete && i.naturalWidth > 0).length]; }"""


#: The committed notebooks opened before they are run: 05 and 07 in JupyterLab, 07 (the most
#: pictures, the stepper among them) in Notebook 7, which sanitises with JupyterLab's sanitiser.
STORED_RUNS = [("jupyterlab", "05_backprop_algorithm.ipynb"),
               ("jupyterlab", "07_training_xor.ipynb"), ("notebook7", "07_training_xor.ipynb")]


@pytest.mark.parametrize("page, name", STORED_RUNS, indirect=["page"])
def test_a_stored_notebook_opened_before_it_is_run_shows_every_picture(page, name, tmp_path):
    """As a student first opens it on Binder: the committed notebook, outputs and all, not yet
    run, so untrusted, its HTML sanitised. Every graph, stepper step, plot and explorer still
    shows as a picture."""
    copy = f"as-stored-{name}"
    (page.server.root / copy).write_bytes((SERIES / name).read_bytes())
    page.set_viewport_size(LAPTOP)
    open_notebook(page, page.server, page.front_end, copy)
    page.current = None
    expected = stored_pictures(name)
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    panel.wait_for()
    page.wait_for_function(f"""() => {{ const images = [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img')];
        return images.length >= {expected} && images.every(i => i.complete); }}""")
    images, loaded = page.evaluate(IMAGES, panel.element_handle())
    page.screenshot(path=str(tmp_path / "stored.png"), full_page=True)
    print(f"\n{page.front_end} {name} before it is run: {loaded} of {images} images shown, "
          f"{expected} stored")
    assert images == loaded == expected


# Last in the file: pytest groups a test given one front end with the fixture's first front end,
# so placed here it runs right before the other Notebook 7 tests, on the same server.
#: Notebook 7's laptop widths: the two notebooks with the widest outputs (07's XOR network and
#: its cost, 05's stepper); its notebook area is wider than JupyterLab's with the file browser
#: open, where all four are measured.
LAPTOP_NOTEBOOKS_7 = ["07_training_xor.ipynb", "05_backprop_algorithm.ipynb"]


@NOTEBOOK7_ONLY
@pytest.mark.parametrize("name", LAPTOP_NOTEBOOKS_7)
def test_no_output_is_wider_than_its_output_area_on_a_laptop_in_notebook_7(page, name, tmp_path):
    outputs_fit_a_laptop(page, name, tmp_path)


@NOTEBOOK7_ONLY   # the deck with the stepper: it fits, the stepper steps, the deck is left
@pytest.mark.parametrize("name", ["05_backprop_algorithm.ipynb"])
def test_the_deck_of_05_fits_a_projector_in_notebook_7(page, name, tmp_path):
    deck_fits_a_projector(page, name, tmp_path)
