"""The stitched report opened from disk in a real headless Chromium (Debian's, no download), as a reader would.

Catches what parsing the HTML cannot: requests that fail or leave the machine, script and console errors,
images the browser cannot decode, and table-of-contents links that do not land on their chapter.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.notebooks

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 900}
LOCAL_SCHEMES = ("file:", "data:")

# Every <img> of the page: (src, embedded data shortened; complete, naturalWidth).
_IMAGES_JS = """() => Array.from(document.images).map(i => {
    const src = i.currentSrc || i.src || '';
    return [src.startsWith('data:') ? src.slice(0, 80) : src, i.complete, i.naturalWidth];
})"""

# After a TOC click: the hash and the first <h1> after the target anchor in document order, with its position.
_LANDING_JS = """(id) => {
    const anchor = document.getElementById(id);
    if (!anchor) return {hash: location.hash, found: false};
    const h1 = Array.from(document.querySelectorAll('h1')).find(
        h => anchor.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (!h1) return {hash: location.hash, found: true, heading: null};
    const copy = h1.cloneNode(true);
    copy.querySelectorAll('.anchor-link').forEach(a => a.remove());
    return {hash: location.hash, found: true, heading: copy.textContent.trim(),
            top: h1.getBoundingClientRect().top, height: window.innerHeight};
}"""


def _chromium() -> str | None:
    """Debian's Chromium, which `.ci/run` installs; playwright's own browser download is not used."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """One headless Chromium with a fresh profile; skips visibly where the browser is missing or cannot start."""
    executable = _chromium()
    if executable is None:
        pytest.skip("Chromium nicht installiert (apt-get install chromium) – Browser-Test übersprungen")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright nicht installiert – Browser-Test übersprungen")
    with sync_api.sync_playwright() as p:
        try:
            context = p.chromium.launch_persistent_context(
                str(tmp_path_factory.mktemp("chromium-profile")), executable_path=executable, headless=True,
                args=ARGS, viewport=VIEWPORT, offline=True)
        except Exception as exc:  # noqa: BLE001 - any launch failure means: cannot test here, say so
            pytest.skip(f"Chromium ({executable}) lässt sich nicht starten – Browser-Test übersprungen: "
                        f"{str(exc).strip().splitlines()[0]}")
        try:
            yield context
        finally:
            context.close()


@dataclass
class PageCheck:
    """What a reader's browser saw while opening one file: everything the assertions need, kept for messages."""
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    console_warnings: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    images: list[list] = field(default_factory=list)

    @property
    def remote(self) -> list[str]:
        return [u[:120] for u in self.requests if not u.startswith(LOCAL_SCHEMES)]

    @property
    def broken_images(self) -> list[list]:
        return [img for img in self.images if not (img[1] and img[2] > 0)]

    def problems(self) -> list[str]:
        """Human-readable findings; empty when the page opened cleanly."""
        found = []
        for label, items in [("Fehlgeschlagene Anfragen", self.failed), ("HTTP-Fehler", self.bad_responses),
                             ("Konsolenfehler", self.console_errors), ("Skriptfehler", self.page_errors),
                             ("Anfragen ins Netz", self.remote), ("Nicht geladene Bilder", self.broken_images)]:
            if items:
                found.append(f"{label}: {items}")
        return found


def open_and_check(context, path: Path):
    """Open a file as a reader would and record requests, console and images; returns (page, PageCheck)."""
    check = PageCheck()
    page = context.new_page()
    page.on("request", lambda r: check.requests.append(r.url))
    page.on("requestfailed", lambda r: check.failed.append(f"{r.url[:120]} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and check.bad_responses.append(f"{r.status} {r.url[:120]}"))
    page.on("pageerror", lambda e: check.page_errors.append(str(e)))

    def on_console(msg):
        if msg.type == "error":
            check.console_errors.append(msg.text)
        elif msg.type == "warning":
            check.console_warnings.append(msg.text)

    page.on("console", on_console)
    page.goto(path.as_uri(), wait_until="load")
    check.images = page.evaluate(_IMAGES_JS)
    return page, check


def test_check_catches_broken_image_and_console_error(browser_context, tmp_path):
    """The checker itself can fail: a missing image and a console error in a hand-made page are both reported."""
    page_file = tmp_path / "kaputt.html"
    page_file.write_text('<!doctype html><html><body><img src="missing.png">'
                         '<script>console.error("absichtlicher Fehler")</script></body></html>', encoding="utf-8")
    page, check = open_and_check(browser_context, page_file)
    page.close()
    assert any("missing.png" in f for f in check.failed), check
    assert "absichtlicher Fehler" in check.console_errors, check
    assert [img[0] for img in check.broken_images] == [(tmp_path / "missing.png").as_uri()], check
    assert len(check.problems()) == 3, check.problems()


def test_report_opens_cleanly_in_chromium(browser_context, built_report, tmp_path):
    """No failed or remote request, no console or script error, every image decoded, every TOC link lands."""
    year_dir, _ = built_report
    start = time.perf_counter()
    page, check = open_and_check(browser_context, year_dir / "report.html")
    try:
        page.screenshot(path=str(tmp_path / "titelseite.png"))  # for debugging only
        assert not check.problems(), "\n".join(check.problems())
        assert len(check.images) >= 30, f"nur {len(check.images)} Bilder im Bericht"
        print(f"\n{len(check.images)} Bilder geladen, {len(check.requests)} Anfragen (alle lokal)")
        if check.console_warnings:
            print(f"Konsolenwarnungen: {check.console_warnings}")

        links = page.eval_on_selector_all('a[href^="#kapitel-"]',
                                          "els => els.map(a => [a.getAttribute('href'), a.textContent.trim()])")
        assert len(links) >= 5, f"Inhaltsverzeichnis hat nur {len(links)} Kapitel-Links"
        misses = []
        for href, text in links:
            page.evaluate("() => { history.replaceState(null, '', location.pathname); window.scrollTo(0, 0); }")
            page.click(f'a[href="{href}"]')
            page.wait_for_function("(h) => location.hash === h", arg=href, timeout=5_000)
            landed = page.evaluate(_LANDING_JS, href[1:])
            heading = landed.get("heading")
            on_top = landed.get("top") is not None and -5 <= landed["top"] <= landed["height"] / 3
            if not (landed["found"] and heading and on_top and (heading == text or heading in text)):
                misses.append(f"{href} „{text}“ -> {landed}")
        assert not misses, "Inhaltsverzeichnis-Links landen nicht auf ihrem Kapitel:\n" + "\n".join(misses)
        assert not check.problems(), "\n".join(check.problems())  # nothing new while clicking through
        print(f"{len(links)} Kapitel-Links geprüft; Browser-Prüfung {time.perf_counter() - start:.1f} s")
    finally:
        page.close()
