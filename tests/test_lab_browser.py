"""An executed chapter opened in the project's JupyterLab, offline, in a real headless Chromium.

JupyterLab is started from the project's environment on a free local port with a temporary Jupyter
configuration; the browser may reach nothing but that server (every other request is aborted and named). The
notebook shows a staff text (the demo data's example), one indicator section and the correlation section,
executed on the project's kernel (nbclient) and trusted as a user's own run is: JupyterLab strips <style>
from the HTML of an untrusted notebook. The test sees what the issue missed:
the definition box framed, its cells left-aligned, the screen-reader caption hidden, and the interactive map
and the correlation chapter's linked view drawn as SVG by JupyterLab's own Vega renderer (Vega-Lite 5.6, the
specs are Altair's for 6.x) with the areas' shapes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]

TOKEN = "im-test"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
CELLS = ('from helpers.sections import commentary\ncommentary.section("handlungsfeld", "arbeit_wirtschaft", 2019)',
         'from helpers.sections import blocks\nblocks.indicator_section("mv_anteil", 2014)',
         'from helpers.sections import explorer\nexplorer.correlation_section(["mv_anteil", "alo_dichte"], 2014)')

# What the reader sees of the first definition box and of the first Vega view, measured in the page.
_LOOK_JS = """() => {
    const box = document.querySelector('.jp-OutputArea-output .definition-box');
    if (!box) return null;
    const style = getComputedStyle(box);
    const cell = getComputedStyle(box.querySelector('td'));
    const caption = box.querySelector('caption.visually-hidden').getBoundingClientRect();
    const table = box.querySelector('table').getBoundingClientRect();
    const view = document.querySelector('.jp-RenderedVegaLite svg.marks');
    return {border: style.borderLeftWidth + ' ' + style.borderLeftStyle, background: style.backgroundColor,
            cellAlign: cell.textAlign, captionSize: [caption.width, caption.height],
            tableLeft: table.left - box.getBoundingClientRect().left,
            shapes: view ? view.querySelectorAll('path[aria-roledescription="geoshape"]').length : 0,
            width: view ? view.getBoundingClientRect().width : 0,
            label: view ? view.parentElement.getAttribute('aria-label') : null,
            control: !!document.querySelector('.jp-RenderedVegaLite .vega-bind input[type=range]'),
            staff: (s => s && [s.borderLeftWidth + ' ' + s.borderLeftStyle, s.backgroundColor])(
                document.querySelector('.im-staff-text') && getComputedStyle(document.querySelector('.im-staff-text')))};
}"""

# The linked view (the last Vega output): its lists, its points and areas.
_LINKED_JS = """() => {
    const views = document.querySelectorAll('.jp-RenderedVegaLite');
    const view = views[views.length - 1];
    return {views: views.length,
            lists: Array.from(view.querySelectorAll('.vega-bind select')).map(s => s.options.length),
            labels: Array.from(view.querySelectorAll('.vega-bind-name')).map(l => l.textContent.trim()),
            points: view.querySelectorAll('svg.marks path[aria-roledescription="point"]').length,
            shapes: view.querySelectorAll('svg.marks path[aria-roledescription="geoshape"]').length};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _executed_chapter(folder: Path, data_dir: Path) -> Path:
    """A notebook with one section, run on the project's kernel and signed, as JupyterLab trusts a user's run."""
    from nbclient import NotebookClient
    from nbformat.sign import NotebookNotary

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    NotebookNotary(data_dir=str(data_dir)).sign(nb)
    path = folder / "kapitel.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(url of the executed chapter in JupyterLab, port); the server stops after the module."""
    if shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium nicht installiert – JupyterLab-Test übersprungen")
    pytest.importorskip("jupyterlab", reason="JupyterLab nicht installiert")
    base = tmp_path_factory.mktemp("lab")
    root, data, config, runtime = (base / name for name in ("root", "data", "config", "runtime"))
    for folder in (root, data, config, runtime):
        folder.mkdir()
    env = {**os.environ, "JUPYTER_DATA_DIR": str(data), "JUPYTER_CONFIG_DIR": str(config),
           "JUPYTER_RUNTIME_DIR": str(runtime)}
    _executed_chapter(root, data)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                               f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--allow-root"],
                              env=env, stdout=subprocess.DEVNULL, stderr=(base / "server.log").open("w"))
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("JupyterLab startet nicht:\n" + (base / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/lab/tree/kapitel.ipynb?token={TOKEN}&reset", port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_a_chapter_in_jupyterlab_looks_as_in_the_report_and_draws_its_map_offline(lab, tmp_path):
    url, port = lab
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright nicht installiert")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    local = f"http://127.0.0.1:{port}"
    blocked: list[str] = []

    def only_local(route):
        if route.request.url.startswith((local, "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.route("**/*", only_local)
            page.goto(url)
            page.wait_for_selector(".jp-OutputArea-output .definition-box", timeout=120_000)
            page.locator(".jp-RenderedVegaLite").first.scroll_into_view_if_needed(timeout=60_000)
            page.wait_for_selector('.jp-RenderedVegaLite svg.marks path[aria-roledescription="geoshape"]',
                                   timeout=60_000)
            look = page.evaluate(_LOOK_JS)
            page.locator(".jp-RenderedVegaLite").last.scroll_into_view_if_needed(timeout=60_000)
            page.wait_for_selector('.jp-RenderedVegaLite >> nth=-1 >> path[aria-roledescription="point"]',
                                   timeout=60_000)
            linked = page.evaluate(_LINKED_JS)
            page.screenshot(path=str(tmp_path / "jupyterlab.png"))
        finally:
            browser.close()
    assert look is not None
    assert look["border"] == "4px solid"  # framed as in the report (issue 30: unframed)
    assert look["background"] == "rgb(244, 248, 251)"
    assert look["cellAlign"] == "left"  # not JupyterLab's right-aligned cells
    assert look["tableLeft"] < 40  # at the box's left (padding 1rem), not centred
    assert look["captionSize"][0] <= 1 and look["captionSize"][1] <= 1  # "Definition: …" hidden, for screen readers
    assert look["staff"] == ["4px solid", "rgb(246, 243, 250)"]  # the staff's text in its box (issue 30: no box)
    assert look["shapes"] >= 45  # every Stadtteil drawn, from the areas inline in the output
    assert look["width"] >= 500  # as wide as set, not the few pixels of "container" in a fresh output
    assert look["label"].startswith("Karte: Anteil der Bevölkerung mit Migrationsvorgeschichte, 2014")  # alt text
    assert look["control"]  # the year control
    # the correlation chapter's linked view: two lists of its series, the scatter's points and the map's areas
    assert linked["views"] == 2 and linked["labels"] == ["x-Achse", "y-Achse"], linked
    assert len(linked["lists"]) == 2 and min(linked["lists"]) >= 2, linked
    assert linked["points"] >= 40 and linked["shapes"] == 45, linked
    assert not blocked, blocked  # nothing but the local server
