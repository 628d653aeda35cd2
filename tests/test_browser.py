"""The stitched report opened from disk in a real headless Chromium (Debian's, no download), as a reader would.

Catches what parsing the HTML cannot: requests that fail or leave the machine, script and console errors,
images the browser cannot decode, and table-of-contents links that do not land on their chapter. And what
BITV 2.0 / WCAG 2.1 AA ask of a publication: axe-core (pinned, bundled by axe-playwright-python, run offline)
finds no violation of any impact on a desktop and a phone screen, the side contents follow the reader, the
links to the tables resolve, nothing scrolls sideways on a phone, and every tab stop has a purpose.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.notebooks

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
LOCAL_SCHEMES = ("file:", "data:")

# Every <img> of the page: (src, embedded data shortened; complete, naturalWidth). The report's figures load
# lazily (only when a reader nears them): each is asked to load now and awaited, so a broken one is still found.
_IMAGES_JS = """async () => {
    const images = Array.from(document.images);
    images.forEach(i => { i.loading = 'eager'; });
    await Promise.all(images.map(i => i.decode().catch(() => null)));
    return images.map(i => {
        const src = i.currentSrc || i.src || '';
        return [src.startsWith('data:') ? src.slice(0, 80) : src, i.complete, i.naturalWidth];
    });
}"""

# After a TOC click: the hash and the first <h1> after the target anchor in document order, with its position.
_LANDING_JS = """(id) => {
    const anchor = document.getElementById(id);
    if (!anchor) return {hash: location.hash, found: false};
    const h1 = Array.from(document.querySelectorAll('h1')).find(
        h => anchor.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING);
    if (!h1) return {hash: location.hash, found: true, heading: null};
    const copy = h1.cloneNode(true);
    copy.querySelectorAll('.anchor-link, .chapter-number').forEach(a => a.remove());
    const number = h1.querySelector('.chapter-number');
    return {hash: location.hash, found: true, heading: copy.textContent.trim(),
            number: number ? number.textContent.trim() : null,
            top: h1.getBoundingClientRect().top, height: window.innerHeight};
}"""

# Every element a keyboard user can tab to, with what makes it worth a stop: a link's target, a menu's summary,
# or a table box that really scrolls. Hidden elements (no layout box) are not tab stops.
_TAB_STOPS_JS = """() => Array.from(document.querySelectorAll(
        'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])'))
    .filter(e => e.getClientRects().length > 0)
    .map(e => ({tag: e.tagName.toLowerCase(), cls: e.className, href: e.getAttribute('href'),
                scrolls: e.scrollWidth > e.clientWidth + 1, role: e.getAttribute('role'),
                label: e.getAttribute('aria-label'), html: e.outerHTML.slice(0, 120),
                labelled: !!(e.labels && e.labels.length && e.labels[0].textContent.trim())}))"""


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

        links = page.eval_on_selector_all('nav.toc a[href^="#kapitel-"]',
                                          "els => els.map(a => [a.getAttribute('href'), a.textContent.trim()])")
        assert len(links) >= 5, f"Inhaltsverzeichnis hat nur {len(links)} Kapitel-Links"
        misses = _landing_misses(page, "nav.toc", links)
        assert not misses, "Inhaltsverzeichnis-Links landen nicht auf ihrem Kapitel:\n" + "\n".join(misses)
        assert not check.problems(), "\n".join(check.problems())  # nothing new while clicking through
        print(f"{len(links)} Kapitel-Links geprüft; Browser-Prüfung {time.perf_counter() - start:.1f} s")
    finally:
        page.close()


def _landing_misses(page, container: str, links: list[list[str]]) -> list[str]:
    """Click each chapter link inside `container`; the links whose chapter heading (with the number the
    contents give it, from 1) is not at the top of the screen afterwards."""
    misses = []
    for number, (href, text) in enumerate(links, start=1):
        page.evaluate("() => { history.replaceState(null, '', location.pathname); window.scrollTo(0, 0); }")
        page.click(f'{container} a[href="{href}"]')
        page.wait_for_function("(h) => location.hash === h", arg=href, timeout=5_000)
        landed = page.evaluate(_LANDING_JS, href[1:])
        heading = landed.get("heading")
        on_top = landed.get("top") is not None and -5 <= landed["top"] <= landed["height"] / 3
        if not (landed["found"] and heading and on_top and heading in text and landed["number"] == str(number)):
            misses.append(f"{href} „{text}“ -> {landed}")
    return misses


def _axe_violations(page) -> list[str]:
    """axe-core's violations of every rule it runs by default (WCAG 2.0/2.1 A and AA and best practice)."""
    base = pytest.importorskip("axe_playwright_python.base",
                               reason="axe-playwright-python nicht installiert – Barrierefreiheitsprüfung übersprungen")
    page.evaluate(base.AXE_SCRIPT)
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["version"].startswith("4."), result["testEngine"]
    return [f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} – z. B. {v['nodes'][0]['html'][:160]}"
            for v in result["violations"]]


def _tab_stops_without_purpose(page) -> list[dict]:
    """Tab stops that do nothing: not a link, not a menu's summary, not a table box that scrolls."""
    stops = page.evaluate(_TAB_STOPS_JS)
    assert stops, "keine Tab-Stopps gefunden"
    return [s for s in stops if not (
        (s["tag"] == "a" and s["href"]) or s["tag"] == "summary" or (s["tag"] in ("input", "select") and s["labelled"])
        or ("table-scroll" in s["cls"] and s["scrolls"] and s["role"] == "region" and s["label"]))]


def _open(context, path: Path, viewport: dict, maps: bool = False):
    """A page of `path` at `viewport`; with `maps`, every interactive map drawn (they are drawn as they come
    near the screen) and its table opened, so that checks see them."""
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.goto(path.as_uri(), wait_until="load")
    if maps:
        count = page.evaluate("() => document.querySelectorAll('.im-interaktiv').length")
        page.evaluate("() => document.querySelectorAll('.im-interaktiv').forEach(b => window.imKarteZeichnen(b))")
        page.wait_for_function(f"() => document.querySelectorAll('.im-interaktiv .im-tabelle').length === {count}",
                               timeout=60_000)
        page.evaluate("() => document.querySelectorAll('.im-tabelle').forEach(d => { d.open = true; })")
    return page


def test_axe_finds_nothing_on_desktop_and_phone(browser_context, built_report):
    """axe-core on the whole report, at 1280 px and at 375 px (where wide tables scroll in their box)."""
    year_dir, _ = built_report
    start = time.perf_counter()
    for viewport in (VIEWPORT, PHONE):
        page = _open(browser_context, year_dir / "report.html", viewport, maps=True)
        try:
            found = _axe_violations(page)
            assert not found, f"axe-core bei {viewport['width']} px:\n" + "\n".join(found)
        finally:
            page.close()
    print(f"\naxe-core: keine Verstöße bei 1280 und 375 px ({time.perf_counter() - start:.1f} s)")


def test_axe_check_reports_a_violation(browser_context, tmp_path):
    """The check itself can fail: an image without alternative text and an empty table header are found."""
    page_file = tmp_path / "kaputt.html"
    page_file.write_text('<!doctype html><html lang="de"><head><title>t</title></head><body><main><h1>t</h1>'
                         '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                         "<table><tr><th></th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"
                         "</main></body></html>", encoding="utf-8")
    page = _open(browser_context, page_file, VIEWPORT)
    try:
        found = " ".join(_axe_violations(page))
    finally:
        page.close()
    assert "image-alt" in found and "empty-table-header" in found, found


def test_side_contents_follow_the_reader_and_land(browser_context, built_report):
    """Beside the text the contents stay in view at the end of the report, mark the chapter being read
    and every chapter link lands on its numbered heading."""
    year_dir, _ = built_report
    page = _open(browser_context, year_dir / "report.html", VIEWPORT)
    try:
        links = page.eval_on_selector_all('nav.side-nav a[href^="#kapitel-"]', "els => els.map(a => "
                                          "[a.getAttribute('href'), a.textContent.replace(/^\\s*\\d+\\s*/, '').trim()])")
        toc = page.eval_on_selector_all('nav.toc a[href^="#kapitel-"]', "els => els.map(a => a.getAttribute('href'))")
        assert [h for h, _ in links] == toc and len(toc) >= 5
        page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_timeout(200)
        box = page.evaluate("() => { const r = document.querySelector('nav.side-nav').getBoundingClientRect();"
                            " return {top: r.top, left: r.left, width: r.width, height: window.innerHeight}; }")
        assert 0 <= box["top"] < 50 and box["width"] > 150, f"Seitenleiste nicht im Blick: {box}"
        assert page.is_visible('nav.side-nav a[href="#zeichen"]')
        misses = _landing_misses(page, "nav.side-nav", links)
        assert not misses, "Seitenleisten-Links landen nicht auf ihrem Kapitel:\n" + "\n".join(misses)
        page.wait_for_function("() => document.querySelector('nav.side-nav a[aria-current]') !== null", timeout=5_000)
        current = page.eval_on_selector("nav.side-nav a[aria-current]", "a => a.getAttribute('href')")
        assert current == links[-1][0], f"markiert ist {current}, gelesen wird {links[-1][0]}"
        back = page.eval_on_selector_all("p.back-to-toc a", "els => els.map(a => a.getAttribute('href'))")
        assert back == ["#inhalt"] * len(toc)
        assert page.evaluate("() => document.getElementById('inhalt') !== null")
    finally:
        page.close()


def test_links_to_tables_resolve_to_published_files(browser_context, built_report):
    """Every link into tables/ is relative and names a file in the year's folder; each chart or map of an
    indicator has one (the folder can be copied anywhere, e.g. to a USB stick)."""
    year_dir, _ = built_report
    page = _open(browser_context, year_dir / "report.html", VIEWPORT)
    try:
        hrefs = page.eval_on_selector_all('a[href*="tables/"]', "els => els.map(a => [a.getAttribute('href'), a.href])")
        figures = page.eval_on_selector_all('img[data-tabelle="indikatoren"]', "els => els.length")
        links_after = page.eval_on_selector_all('img[data-tabelle="indikatoren"] + p.figure-data a', "els => els.length")
    finally:
        page.close()
    assert figures >= 30 and links_after == 2 * figures
    missing = [raw for raw, resolved in hrefs
               if not raw.startswith("tables/") or not Path(resolved.removeprefix("file://")).is_file()]
    assert not missing, f"Tabellen-Links ohne Datei: {sorted(set(missing))}"
    assert {f"tables/indikatoren_{year_dir.name}.xlsx", f"tables/indikatoren_{year_dir.name}.csv"} <= {h for h, _ in hrefs}


def test_phone_width_scrolls_only_tables_and_has_a_compact_menu(browser_context, built_report):
    """At 375 px the page itself never scrolls sideways; the contents are a closed menu at the top."""
    year_dir, _ = built_report
    page = _open(browser_context, year_dir / "report.html", PHONE, maps=True)
    try:
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] == PHONE["width"], f"Seite scrollt seitlich: {width}"
        assert page.evaluate("() => document.querySelector('nav.side-nav details').open") is False
        assert not page.is_visible('nav.side-nav a[href="#kapitel-1"]')
        page.click("nav.side-nav summary")
        assert page.is_visible('nav.side-nav a[href="#kapitel-1"]')
        scrolling = page.eval_on_selector_all(".table-scroll[tabindex='0']", "els => els.length")
        assert scrolling >= 1  # the wide tables scroll in their box instead
    finally:
        page.close()


def test_tab_stop_check_finds_an_idle_block(browser_context, tmp_path):
    """The check itself can fail: a focusable block without a purpose is reported, a link is not."""
    page_file = tmp_path / "tabstopps.html"
    page_file.write_text('<!doctype html><html lang="de"><body><a href="#x">Link</a>'
                         '<div class="jp-OutputArea-output" tabindex="0">Text</div>'
                         '<div class="table-scroll" tabindex="0"><p>passt</p></div></body></html>', encoding="utf-8")
    page = _open(browser_context, page_file, VIEWPORT)
    try:
        idle = _tab_stops_without_purpose(page)
    finally:
        page.close()
    assert [s["cls"] for s in idle] == ["jp-OutputArea-output", "table-scroll"], idle


def test_every_tab_stop_has_a_purpose(browser_context, built_report):
    """No focusable block that does nothing (nbconvert's tabindex on output areas), on desktop and phone."""
    year_dir, _ = built_report
    for viewport in (VIEWPORT, PHONE):
        page = _open(browser_context, year_dir / "report.html", viewport, maps=True)
        try:
            idle = _tab_stops_without_purpose(page)
        finally:
            page.close()
        assert not idle, f"{len(idle)} Tab-Stopps ohne Zweck bei {viewport['width']} px, z. B. {idle[:3]}"


def test_area_profiles_open_offline_pass_axe_and_filter_by_name(browser_context, built_report):
    """Coerde's profile and the list of all profiles: offline, axe-core without violations at 1280 and 375 px,
    the list filtered by typing, Coerde's page reached from the list by keyboard, its 2019 share (53,1 %) and
    rank there, and its CSV downloaded."""
    year_dir, _ = built_report
    folder = year_dir / "profile"
    for name in ("61.html", "index.html"):
        page, check = open_and_check(browser_context, folder / name)
        try:
            assert not check.problems(), check.problems()
        finally:
            page.close()
        for viewport in (VIEWPORT, PHONE):
            page = _open(browser_context, folder / name, viewport)
            try:
                found = _axe_violations(page)
                assert not found, f"axe-core, {name} bei {viewport['width']} px:\n" + "\n".join(found)
            finally:
                page.close()
    page = _open(browser_context, folder / "index.html", VIEWPORT)
    try:
        assert page.locator("#gebiete li:visible").count() == 45
        page.fill("#suche", "coer")
        assert page.locator("#gebiete li:visible").all_inner_texts() == ["Coerde (Stadtbezirk Nord)"]
        assert page.inner_text("#treffer") == "1 von 45 angezeigt"
        page.focus("#suche")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Coerde"
        with page.expect_navigation(wait_until="load"):  # not wait_for_load_state: the old page is loaded already
            page.keyboard.press("Enter")
        assert page.url.endswith("/profile/61.html") and page.inner_text("h1") == "Coerde"
        # Coerde's 2019 share and its rank, as the tables publish them (test_profiles checks them cell by cell)
        row = page.locator("tr", has_text="Anteil der Bevölkerung mit Migrationsvorgeschichte, %").first
        assert "53,1\u00a0%" in row.inner_text() and "Rang 1 von 45" in row.inner_text(), row.inner_text()
        with page.expect_download() as download:  # the CSV link downloads exactly the file beside the page
            page.get_by_role("link", name="Alle veröffentlichten Werte von Coerde (CSV)").click()
        assert download.value.suggested_filename == "61.csv"
        assert Path(download.value.path()).read_bytes() == (folder / "61.csv").read_bytes()
    finally:
        page.close()


def _screenshots_module():
    """docs/screenshots.py, which finds a point inside an area of an interactive map the same way (the centre of
    its box may lie in a neighbour): one copy of that script, and the import proves the README's picture
    script still loads."""
    spec = importlib.util.spec_from_file_location("screenshots", Path(__file__).resolve().parents[1] / "docs" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_POINT_IN_AREA_JS = _screenshots_module().POINT_IN_AREA


def test_interactive_map_shows_area_and_value_follows_the_year_and_has_its_table(browser_context, built_report):
    """Offline (no request leaves the machine): the first indicator map is drawn in place of the static one as
    it comes into view; hovering Coerde shows its name, 2019 share (53,1 %) and year; the labelled year control
    moved to 2014 shows 49,7 %; the equivalent table follows the year and links Coerde's profile."""
    year_dir, _ = built_report
    page, check = open_and_check(browser_context, year_dir / "report.html")
    try:
        page.locator('img.figure[data-art="karte"]').first.scroll_into_view_if_needed()
        box = page.locator(".im-interaktiv.im-bereit").first
        box.locator("svg path[aria-label]").first.wait_for(timeout=20_000)
        assert box.get_attribute("data-spec") == "im-mv_anteil-total-2019"
        assert "im-ersetzt" in page.locator('img.figure[data-art="karte"]').first.get_attribute("class")
        assert box.locator("svg path[aria-label]").count() == 45
        box.scroll_into_view_if_needed()
        point = page.evaluate(_POINT_IN_AREA_JS, "Coerde:")
        assert point, "Coerde nicht auf der Karte"
        page.mouse.move(*point)
        tooltip = page.locator("#vg-tooltip-element")
        tooltip.wait_for(state="visible", timeout=5_000)
        text = " ".join(tooltip.inner_text().split())
        assert "Coerde" in text and "53,1\u00a0%" in tooltip.inner_text() and "2019" in text, text
        slider = box.get_by_label("Jahr")
        assert slider.evaluate("e => e.tagName") == "INPUT" and slider.input_value() == "2019"
        slider.fill("2014")  # a range input: fill sets the value and fires input, as moving it does
        page.wait_for_function("() => Array.from(document.querySelectorAll('.im-interaktiv svg path[aria-label]'))"
                               ".some(p => p.getAttribute('aria-label') === 'Coerde: 49,7\u00a0%, 2014')", timeout=5_000)
        box.locator("details.im-tabelle summary").click()
        caption = box.locator("details.im-tabelle caption").inner_text()
        assert caption.endswith(", 2014"), caption
        row = box.locator("details.im-tabelle tr", has_text="Coerde")
        assert " ".join(row.inner_text().split()) == "Coerde 49,7\u00a0%".replace("\u00a0", " ")
        assert row.locator("a").get_attribute("href") == "profile/61.html"
        assert not check.problems(), "\n".join(check.problems())
    finally:
        page.close()


def _first_map(page):
    """The first indicator map (the share with migration history), drawn as it comes into view."""
    page.locator('img.figure[data-art="karte"]').first.scroll_into_view_if_needed()
    box = page.locator(".im-interaktiv.im-bereit").first
    box.locator("svg path[aria-label]").first.wait_for(timeout=20_000)
    return box


def _change_view(page, box, since: int) -> None:
    """Switch `box` to its change view (the labelled select) and choose the earlier year."""
    box.get_by_label("Ansicht", exact=True).select_option("veraenderung")
    page.wait_for_function("(id) => document.querySelector(`[data-spec='${id}']`).getAttribute('data-ansicht') "
                           "=== 'veraenderung'", arg=box.get_attribute("data-spec"), timeout=10_000)
    box.locator("select[name='seit']").select_option(str(since))


def test_change_view_shows_the_difference_and_its_table_follows(browser_context, built_report):
    """Coerde 2014 49,7 %, 2019 53,1 %: the change view since 2014 says +3,4 percentage points on the map and in
    its table; on a map with secret cells every difference beside a secret value is the symbol, every other is
    the difference of the two published values (what the map says of each area, too)."""
    year_dir, _ = built_report
    page, check = open_and_check(browser_context, year_dir / "report.html")
    try:
        box = _first_map(page)
        _change_view(page, box, 2014)
        page.wait_for_function("() => Array.from(document.querySelectorAll('.im-interaktiv svg path[aria-label]'))"
                               ".some(p => p.getAttribute('aria-label') === "
                               "'Coerde: Veränderung 2014–2019 +3,4\u00a0Prozentpunkte')", timeout=5_000)
        box.locator("details.im-tabelle summary").click()
        heads = box.locator("details.im-tabelle thead th").all_inner_texts()
        assert heads == ["Stadtteil", "Wert 2014", "Wert 2019", "Veränderung (Prozentpunkte)"], heads
        row = box.locator("details.im-tabelle tbody tr", has_text="Coerde").locator("th, td").all_inner_texts()
        assert [" ".join(c.split()) for c in row] == ["Coerde", "49,7 %", "53,1 %", "+3,4"], row
        box.get_by_role("slider", name="Jahr").fill("2016")  # the table follows the year shown, too
        page.wait_for_function("() => document.querySelector('.im-tabelle caption').textContent.endsWith('2014–2016')")

        secret = page.locator(".im-interaktiv[data-spec='im-alo_auslaender_anteil-total-2014']")
        page.evaluate("(id) => window.imKarteZeichnen(document.querySelector(`[data-spec='${id}']`))",
                      "im-alo_auslaender_anteil-total-2014")
        secret.locator("svg path[aria-label]").first.wait_for(timeout=20_000)
        _change_view(page, secret, 2010)
        page.wait_for_function("(id) => Array.from(document.querySelectorAll(`[data-spec='${id}'] svg path[aria-label]`))"
                               ".some(p => p.getAttribute('aria-label').includes('2010–2014'))",
                               arg="im-alo_auslaender_anteil-total-2014", timeout=5_000)
        said = dict(label.split(": Veränderung 2010–2014 ") for label in secret.locator("svg path[aria-label]")
                    .evaluate_all("els => els.map(e => e.getAttribute('aria-label'))") if "2010–2014" in label)
        rows = secret.locator("details.im-tabelle tbody tr").evaluate_all(
            "trs => trs.map(tr => Array.from(tr.cells).map(c => c.textContent))")
        assert len(rows) == len(said) == 45
        symbols = 0
        for name, before, after, diff in rows:
            if "%" not in before or "%" not in after:
                assert diff in (".", "-", "…", "x"), (name, before, after, diff)
                symbols += 1
            else:
                number = lambda t: float(t.split("\u00a0")[0].replace(".", "").replace(",", "."))  # noqa: E731
                expected = round(number(after) - number(before), 1) + 0
                assert diff == ("\u2212" if expected < 0 else "+") + f"{abs(expected):.1f}".replace(".", ","), diff
            assert said[name].split("\u00a0")[0] == diff, (name, said[name], diff)
        assert symbols > 0  # the map has secret cells, and none of them became a number
        assert not check.problems(), "\n".join(check.problems())
    finally:
        page.close()


def test_an_area_on_the_map_opens_its_profile_by_click_and_keyboard(browser_context, built_report):
    """A real click on Coerde's shape lands on profile/61.html; the shapes take no keyboard focus (Vega's SVG
    marks are not focusable), so the keyboard's way is the equivalent table's link, which lands there too."""
    year_dir, _ = built_report
    page, check = open_and_check(browser_context, year_dir / "report.html")
    try:
        box = _first_map(page)
        box.scroll_into_view_if_needed()
        point = page.evaluate(_POINT_IN_AREA_JS, "Coerde:")
        assert point, "Coerde nicht auf der Karte"
        with page.expect_navigation(wait_until="load"):
            page.mouse.click(*point)
        assert page.url.endswith("/profile/61.html") and page.inner_text("h1") == "Coerde"
        assert not check.problems(), "\n".join(check.problems())
    finally:
        page.close()
    page, check = open_and_check(browser_context, year_dir / "report.html")
    try:
        box = _first_map(page)
        box.locator("details.im-tabelle summary").focus()
        page.keyboard.press("Enter")  # opens the table
        link = box.locator("details.im-tabelle a", has_text="Coerde")
        link.focus()
        assert page.evaluate("document.activeElement.textContent") == "Coerde"
        with page.expect_navigation(wait_until="load"):
            page.keyboard.press("Enter")
        assert page.url.endswith("/profile/61.html")
        assert not check.problems(), "\n".join(check.problems())
    finally:
        page.close()
