"""The course website and exports (course_utils.site): built from the notebooks as committed,
read with no kernel and no network.

The command's contract is tested on small notebooks written here: what OUT it refuses and why,
that nothing is half written, that a broken link or a load from another host fails the build,
that a widget shows its static copy, that two builds are byte for byte the same. The real site
is built once per session, and opened in one headless Chromium at 1366×768: every page from
disk, and the front page, 05 and 09 from a local server with every other host blocked; one
export of notebook 05 too. Each page opened is measured: it loads, no request leaves for
another host, no request fails, every image loads, every link inside the site leads to a page
and a part of it that exist, every formula is typeset and no raw TeX is left in the text,
every widget's static copy shows and none waits for a widget manager, every stored picture is
shown (as many as the notebook stores), every stepper shows its picture and equation, and
nothing scrolls sideways.
"""
from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from headless import CHROMIUM, CHROMIUM_ARGS, REPO, playwright_or_skip
from stored import SERIES, stored_pictures, stored_steppers

from course_utils.site import build_site, export, pages
from course_utils.site.__main__ import main
from course_utils.site.folder import MARKER

pytestmark = pytest.mark.xdist_group("site")   # one build and one browser, on one worker

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
LAPTOP = {"width": 1366, "height": 768}
TIMEOUT_MS = 30_000


# --- the command, on small notebooks -------------------------------------------------------

def small_series(root: Path, link: str = "second.ipynb#Second", output: str = "<b>4</b>"):
    """notebooks/ with two small notebooks (the first links `link`, its cell shows `output`)
    and a README beside it, with a badge from another host in its introduction."""
    notebooks = root / "notebooks"
    notebooks.mkdir(parents=True)
    first = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(f"# First\n\nSee [the second]({link}): $\\bar y = 1$."),
        nbformat.v4.new_code_cell("2 + 2", outputs=[nbformat.v4.new_output(
            "execute_result", {"text/html": output, "text/plain": "4"}, execution_count=1)])])
    second = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Second\n\nEnd.")])
    nbformat.write(first, notebooks / "first.ipynb")
    nbformat.write(second, notebooks / "second.ipynb")
    (root / "README.md").write_text(
        "# A course\n\nIt teaches $x$, see [first](notebooks/first.ipynb).\n\n"
        "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/o/r)\n"
        "← opens it on Binder.\n\n## Quick start\n\nNot on the front page.\n")
    return notebooks


def run(*args) -> tuple[int, str, str]:
    """`python -m course_utils.site ARGS` in this process: (exit status, stdout, stderr)."""
    import contextlib
    import io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(arg) for arg in args])
    return status, out.getvalue(), err.getvalue()


def one_line_error(err: str, *words: str) -> None:
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, err


def test_out_that_is_a_file_is_refused_in_one_line(tmp_path):
    notebooks = small_series(tmp_path)
    (tmp_path / "site").write_text("my notes")
    status, _, err = run(tmp_path / "site", "--notebooks", notebooks)
    assert status == 1
    one_line_error(err, "is an existing file")
    assert (tmp_path / "site").read_text() == "my notes"


def test_a_folder_holding_someones_files_is_kept_unless_forced(tmp_path):
    notebooks = small_series(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "lecture-notes.md").write_text("mine")
    status, _, err = run(tmp_path / "site", "--notebooks", notebooks)
    assert status == 1
    one_line_error(err, "did not make", "--force")
    assert (tmp_path / "site" / "lecture-notes.md").read_text() == "mine"
    status, out, _ = run(tmp_path / "site", "--notebooks", notebooks, "--force")
    assert status == 0 and "Wrote 3 pages" in out
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [
        MARKER, "first.html", "index.html", "mathjax", "second.html"]


def test_a_folder_holding_the_notebooks_or_inside_them_is_refused_even_with_force(tmp_path):
    notebooks = small_series(tmp_path)
    for out, words in ((tmp_path, "which a build would replace"),
                       (notebooks / "site", "is inside")):
        status, _, err = run(out, "--notebooks", notebooks, "--force")
        assert status == 1
        one_line_error(err, words)
    assert sorted(p.name for p in notebooks.iterdir()) == ["first.ipynb", "second.ipynb"]


def test_a_rebuild_replaces_its_own_site_and_writes_the_same_bytes(tmp_path):
    notebooks = small_series(tmp_path)
    build_site(tmp_path / "a", notebooks)
    (tmp_path / "a" / "left-over.html").write_text("from an earlier build")
    build_site(tmp_path / "a", notebooks)           # a folder it made: replaced, no --force
    build_site(tmp_path / "b", notebooks)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))
    assert Path("left-over.html") not in files
    different = [f for f in files if (tmp_path / "a" / f).is_file()
                 and (tmp_path / "a" / f).read_bytes() != (tmp_path / "b" / f).read_bytes()]
    assert different == []


def test_a_broken_link_fails_the_build_and_leaves_the_earlier_site(tmp_path):
    build_site(tmp_path / "site", small_series(tmp_path / "good"))
    before = (tmp_path / "site" / "first.html").read_bytes()
    broken = small_series(tmp_path / "broken", link="third.ipynb")
    status, _, err = run(tmp_path / "site", "--notebooks", broken)
    assert status == 1
    one_line_error(err, "first.html", "third.ipynb", "does not have")
    assert (tmp_path / "site" / "first.html").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging


def test_a_link_to_a_part_that_does_not_exist_fails_the_build(tmp_path):
    notebooks = small_series(tmp_path, link="second.ipynb#Third")
    status, _, err = run(tmp_path / "site", "--notebooks", notebooks)
    assert status == 1
    one_line_error(err, "second.html has no #Third")


def test_an_output_that_loads_from_another_host_fails_the_build(tmp_path):
    notebooks = small_series(tmp_path, output='<img src="https://example.org/plot.png" alt="p">')
    status, _, err = run(tmp_path / "site", "--notebooks", notebooks)
    assert status == 1
    one_line_error(err, "loads https://example.org/plot.png from another host")
    assert not (tmp_path / "site").exists()


def test_front_page_is_the_readme_introduction_without_its_badge_then_the_notebooks(tmp_path):
    build_site(tmp_path / "site", small_series(tmp_path))
    front = (tmp_path / "site" / "index.html").read_text()
    assert "It teaches $x$" in front and 'href="first.html"' in front
    assert "mybinder" not in front and "Not on the front page" not in front
    assert front.index('href="first.html">First') < front.index('href="second.html">Second')


def test_links_between_notebooks_lead_to_their_pages_and_each_page_to_its_neighbours(tmp_path):
    build_site(tmp_path / "site", small_series(tmp_path))
    first = (tmp_path / "site" / "first.html").read_text()
    assert 'href="second.html#Second"' in first and ".ipynb" not in first
    neighbours = {rel: href for tag in re.findall(r"<a [^>]*>", first)
                  for rel in re.findall(r'rel="(\w+)"', tag)
                  for href in re.findall(r'href="([^"]*)"', tag)}
    assert neighbours == {"prev": "index.html", "next": "second.html"}


def test_a_widget_shows_its_static_copy_even_when_its_state_was_saved(tmp_path):
    """With saved widget state nbconvert would show the view through a widget manager from a
    CDN; the site shows the `text/html` copy the widget stores beside it."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("w", outputs=[
        nbformat.v4.new_output("display_data", {
            WIDGET_VIEW: {"model_id": "m1", "version_major": 2, "version_minor": 0},
            "text/html": '<img src="data:image/png;base64,iVBORw0KGgo=" alt="the copy">',
            "text/plain": "Widget(...)"})])])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {"m1": {}}, "version_major": 2, "version_minor": 0}}
    nbformat.write(nb, tmp_path / "widget.ipynb")
    export(tmp_path / "out", [tmp_path / "widget.ipynb"])
    html = (tmp_path / "out" / "widget.html").read_text()
    assert 'alt="the copy"' in html and 'class="cu-widget-copy"' in html
    assert WIDGET_VIEW not in html and "html-manager" not in html and "require.js" not in html


def test_an_unreadable_notebook_is_named_in_one_line(tmp_path):
    (tmp_path / "broken.ipynb").write_text("{ not json")
    status, _, err = run(tmp_path / "out", "--export", tmp_path / "broken.ipynb")
    assert status == 1
    one_line_error(err, "broken.ipynb is not a readable notebook")


# --- the real site, in the browser ----------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The website of the committed notebooks, built once."""
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(out)
    return out


@pytest.fixture(scope="module")
def browser():
    with playwright_or_skip()() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def server(site):
    """A static host for the site on 127.0.0.1, as GitHub Pages would serve it."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def expected_pages(folder: Path) -> dict[str, dict]:
    """Each page of a built folder: its title and how many widget copies it must show."""
    found = {"index.html": {"title": pages.heading((REPO / "README.md").read_text()),
                            "widgets": 0, "pictures": 0, "steppers": 0}}
    for path in sorted(SERIES.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        widgets = sum(WIDGET_VIEW in output.get("data", {})
                      for cell in nb.cells for output in cell.get("outputs", []))
        found[path.stem + ".html"] = {"title": pages.title_of(nb, path.stem), "widgets": widgets,
                                      "pictures": stored_pictures(path.name),
                                      "steppers": stored_steppers(path.name)}
    return {name: facts for name, facts in found.items() if (folder / name).exists()}


#: What a reader sees on a page, measured once MathJax has finished.
SURVEY = r"""() => {
  const skip = 'script, style, pre, code, textarea, .MathJax, .MathJax_Display, '
             + '.MJX_Assistive_MathML, .MathJax_Preview';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const text = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.closest(skip)) text.push(node.textContent);
  }
  const raw = text.join(' ').match(/\$\$|\$[^$\s][^$]*\$|\\\(|\\\[|\\begin\{|\\[a-zA-Z]+\{/g) || [];
  const images = [...document.images];
  const copies = [...document.querySelectorAll('.cu-widget-copy')];
  const shown = copies.filter(c => c.getBoundingClientRect().height > 0 &&
      [...c.querySelectorAll('img')].some(i => i.complete && i.naturalWidth > 0));
  const pictures = [...document.querySelectorAll('.jp-OutputArea-output img')];
  const steppers = [...document.querySelectorAll('.bp-stepper')];
  const jax = MathJax.Hub.getAllJax();
  return {
    h1: (document.querySelector('h1') || {textContent: ''}).textContent.replace('¶', '').trim(),
    raw_tex: raw.slice(0, 5),
    formulas: jax.length,
    tex_errors: jax.filter(j => j.root && j.root.texError).length,
    images: images.length,
    broken_images: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    widget_copies: shown.length,
    pictures: [pictures.length, pictures.filter(i => i.complete && i.naturalWidth > 0).length],
    steppers: steppers.length,
    steppers_shown: steppers.filter(s => {
      const svg = s.querySelector("img[src^='data:image/svg+xml']");
      const equation = s.querySelector('.bp-equation');
      return svg && svg.getBoundingClientRect().height > 0 && equation &&
             equation.textContent.trim() !== '';
    }).length,
    widget_managers: document.querySelectorAll(
      "script[type='application/vnd.jupyter.widget-view+json']").length,
    sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.name),
  };
}"""

MATHJAX_DONE = """() => new Promise((done, fail) => {
  setTimeout(() => fail(new Error('MathJax did not finish within 20 s')), 20000);
  MathJax.Hub.Register.StartupHook('End', done);
})"""


def survey(browser, base: str, names: list[str]) -> dict[str, dict]:
    """Open each page under `base` in one tab, every other host blocked, and measure it."""
    context = browser.new_context(viewport=LAPTOP)
    requests: list[str] = []
    failed: list[str] = []
    errors: list[str] = []

    def local(url: str) -> bool:
        return url.startswith((base, "data:"))

    context.route("**/*", lambda route: route.continue_() if local(route.request.url)
                  else route.abort())
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    found = {}
    try:
        for name in names:
            for log in (requests, failed, errors):
                log.clear()
            page.goto(base + name)
            page.evaluate(MATHJAX_DONE)
            found[name] = page.evaluate(SURVEY)
            found[name].update(external=[u for u in requests if not local(u)],
                               failed=list(failed), errors=list(errors))
    finally:
        context.close()
    return found


def broken_links(found: dict[str, dict], base: str, folder: Path | None = None) -> list[str]:
    """Links to the site's own pages whose page or part does not exist, named by page. A page
    that was not opened (given the site's `folder`) must exist; its parts were checked from
    disk."""
    ids = {base + name: set(facts["ids"]) for name, facts in found.items()}
    broken = []
    for name, facts in found.items():
        for link in facts["links"]:
            target, _, part = link.partition("#")
            if not target.startswith(base):
                continue  # another site: a link, never followed offline
            target = target if target != base else base + "index.html"
            if target not in ids and folder is not None and \
                    (folder / unquote(target[len(base):])).is_file():
                continue
            if target not in ids or (part and not {part, unquote(part)} & ids[target]):
                broken.append(f"{name} → {link}")
    return broken


def assert_readable(found: dict[str, dict], expected: dict[str, dict]) -> None:
    """Every page as a reader without a kernel or network must get it."""
    assert sorted(found) == sorted(expected)
    for name, facts in found.items():
        want = expected[name]
        assert facts["h1"] == want["title"], f"{name} shows {facts['h1']!r}"
        assert facts["external"] == [], f"{name} asked other hosts for {facts['external']}"
        assert facts["failed"] == [], f"{name}: these loads failed: {facts['failed']}"
        assert facts["errors"] == [], f"{name}: errors in the console: {facts['errors']}"
        assert facts["broken_images"] == [], f"{name}: images not shown {facts['broken_images']}"
        assert facts["formulas"] > 0 and facts["tex_errors"] == 0, \
            f"{name}: {facts['formulas']} formulas, {facts['tex_errors']} with TeX errors"
        assert facts["raw_tex"] == [], f"{name} shows raw TeX: {facts['raw_tex']}"
        assert facts["widget_copies"] == want["widgets"], \
            f"{name} shows {facts['widget_copies']} of {want['widgets']} widget copies"
        assert facts["widget_managers"] == 0, f"{name}: a widget waits for a widget manager"
        assert facts["pictures"] == [want["pictures"]] * 2, \
            f"{name}: [pictures, shown] {facts['pictures']}, stored {want['pictures']}"
        assert facts["steppers"] == facts["steppers_shown"] == want["steppers"], \
            f"{name}: {facts['steppers_shown']} of {facts['steppers']} steppers shown with " \
            f"their picture and equation, stored {want['steppers']}"
        assert facts["sideways"] <= 0, f"{name} scrolls {facts['sideways']} px sideways"


@pytest.mark.browser
def test_the_site_opened_from_disk_shows_everything_with_no_network(browser, site):
    expected = expected_pages(site)
    base = site.as_uri() + "/"
    found = survey(browser, base, list(expected))
    assert_readable(found, expected)
    assert broken_links(found, base) == []


#: The pages opened on the static host: the front page, 05 (the stepper's pictures and
#: equations, a widget's static copy) and 09 (the most plots). Every page is opened from disk
#: above, where loads are stricter; here each kind of content once, over HTTP, since each page
#: costs the machine seconds of MathJax.
ON_A_HOST = ["index.html", "05_backprop_algorithm.html", "09_digits_classifier.html"]


@pytest.mark.browser
def test_the_site_on_a_static_host_shows_everything_with_other_hosts_blocked(browser, site,
                                                                            server):
    expected = {name: facts for name, facts in expected_pages(site).items() if name in ON_A_HOST}
    assert sorted(expected) == sorted(ON_A_HOST)
    found = survey(browser, server, list(expected))
    assert_readable(found, expected)
    assert broken_links(found, server, site) == []
    assert found["05_backprop_algorithm.html"]["widget_copies"] >= 1
    assert found["05_backprop_algorithm.html"]["steppers_shown"] >= 1


@pytest.mark.browser
def test_an_export_opened_from_disk_renders_its_formulas_and_widget_copy(browser,
                                                                        tmp_path):
    notebook = SERIES / "05_backprop_algorithm.ipynb"
    export(tmp_path / "export", [notebook])
    expected = {name: facts for name, facts in expected_pages(tmp_path / "export").items()
                if name != "index.html"}
    assert list(expected) == ["05_backprop_algorithm.html"]
    found = survey(browser, (tmp_path / "export").as_uri() + "/", list(expected))
    assert_readable(found, expected)
    assert found["05_backprop_algorithm.html"]["widget_copies"] == 1
