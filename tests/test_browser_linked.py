"""The correlation chapter's linked view in a real headless Chromium, offline (the context blocks the network):
the r shown for a pair the chapter computed is the table's, another pair's r is Pearson of the embedded published
values, scatter and map mark the same area, the areas left out are named, the table follows the choice, a series
from another chapter can be chosen, and axe-core finds nothing at 1280 and 375 px. Reuses the browser and helpers
of tests/test_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.figures import interactive, linked
from helpers.publish import interactive as page_parts
from helpers.publish import linked as linked_page
from helpers.stats import correlation
from test_browser import PHONE, VIEWPORT, browser_context, open_and_check  # noqa: F401 - the fixture, shared

pytestmark = pytest.mark.notebooks

BOX = ".im-zusammenhang"
#: Pearson's r of the table's row (Indikator A, Indikator B, Verfahren, r, …) for two labels.
_TABLE_R_JS = """([a, b]) => {
    const table = Array.from(document.querySelectorAll('table'))
        .find(t => t.caption && t.caption.textContent.startsWith('Alle Paare'));
    const row = Array.from(table.querySelectorAll('tbody tr')).map(tr => Array.from(tr.cells).map(c => c.textContent.trim()))
        .find(c => c[0] === a && c[1] === b && c[2] === 'Pearson');
    return row ? [row[3], row[6]] : null;
}"""
# The fill and stroke of the mark an area has in each view.
_MARKS_JS = """(name) => Array.from(document.querySelectorAll('.im-zusammenhang .iz-ansicht')).map(v => {
    const p = Array.from(v.querySelectorAll('svg path[aria-label]')).find(e => e.getAttribute('aria-label').startsWith(name + ':'));
    return p ? [p.getAttribute('fill'), p.getAttribute('stroke')] : null;
})"""


def _draw(page) -> None:
    page.evaluate(f"() => window.imZusammenhangZeichnen(document.querySelector('{BOX}'))")
    page.wait_for_selector(f"{BOX}[data-bereit]", timeout=30_000)


def _choose(page, axis: str, key: str) -> str:
    page.select_option(f"{BOX} select[id$='-{axis}']", key)
    page.wait_for_timeout(300)
    return page.inner_text(f"{BOX} .iz-ergebnis")


def _axe(page) -> list[str]:
    base = pytest.importorskip("axe_playwright_python.base", reason="axe-playwright-python nicht installiert")
    page.evaluate(base.AXE_SCRIPT)
    result = page.evaluate(f"() => axe.run(document.querySelector('{BOX}'), {{resultTypes: ['violations']}})")
    return [f"{v['id']} ({v['impact']}): {v['help']} – {v['nodes'][0]['html'][:160]}" for v in result["violations"]]


def test_the_linked_view_shows_the_tables_r_and_marks_an_area_in_both_views(request, built_report):
    year_dir, _ = built_report
    page, check = open_and_check(request.getfixturevalue("browser_context"), year_dir / "report.html")
    try:
        _draw(page)
        assert page.locator(f"{BOX} label", has_text="Indikator auf der x-Achse").count() == 1
        # a pair the chapter computed: the table's r (from unrounded values; the rounded ones give 0,80)
        page.select_option(f"{BOX} select[id$='-x']", "mv_anteil")
        shown = _choose(page, "y", "langzeit_alo_dichte")
        table_r, table_n = page.evaluate(_TABLE_R_JS, ["Anteil der Bevölkerung mit Migrationsvorgeschichte",
                                                       "Langzeitarbeitslose je 100 Einwohner/-innen"])
        assert shown == f"r = {table_r} (Pearson, ungewichtet), n = {table_n} Stadtteile" == \
            "r = 0,81 (Pearson, ungewichtet), n = 45 Stadtteile"
        # a pair it did not: Pearson of the embedded published values, as helpers.stats.correlation has it
        spec = json.loads(page.eval_on_selector(f"script#{page.get_attribute(BOX, 'data-spec')}", "e => e.textContent"))
        rows = pd.DataFrame(spec["datasets"][linked.VALUES])
        rows["key"] = [i if g == "total" else f"{i}:{g}" for i, g in zip(rows["indikator"], rows["gruppe"])]
        wide = rows.pivot(index="code", columns="key", values="wert").astype("float64")
        r = correlation.matrix(wide, ["mv_anteil", "alo_dichte:foreign"]).pair("mv_anteil", "alo_dichte:foreign")
        shown = _choose(page, "y", "alo_dichte:foreign")
        assert shown == f"r = {r['r']:.2f} (Pearson, ungewichtet), n = {r['n']} Stadtteile".replace(".", ",")
        assert "nicht in der Tabelle" in page.inner_text(f"{BOX} .iz-hinweis")
        caption = page.text_content(f"{BOX} details caption")
        assert caption.startswith("Anteil der Bevölkerung mit Migrationsvorgeschichte – Insgesamt (%) und Arbeitslose "
                                  "je 100 Einwohner/-innen – Ausländer/-innen (%)"), caption
        # choosing Coerde in the list marks it in the scatter and on the map, and in the table
        page.select_option(f"{BOX} select[id$='-g']", label="Coerde")
        page.wait_for_timeout(300)
        scatter, area = page.evaluate(_MARKS_JS, "Coerde")
        assert scatter[0] == linked.MARKED and area[1] == linked.LINE, (scatter, area)
        assert page.inner_text(f"{BOX} .iz-markiert-text").startswith("Markiert: Coerde – x: 49,7, y: ")
        assert page.get_attribute(f"{BOX} tr.iz-markiert", "data-code") == "61"
        # clicking Kinderhaus-West's area on the map marks its point in the scatter
        path = page.locator(f"{BOX} .iz-karte svg path[aria-label^='Kinderhaus-West:']")
        path.dispatch_event("click")
        page.wait_for_timeout(300)
        scatter, area = page.evaluate(_MARKS_JS, "Kinderhaus-West")
        assert scatter[0] == linked.MARKED and area[1] == linked.LINE, (scatter, area)
        assert page.evaluate(_MARKS_JS, "Coerde")[0][0] == linked.POINT
        assert page.input_value(f"{BOX} select[id$='-g']") == page.get_attribute(
            f"{BOX} tr.iz-markiert", "data-code")
        # pointing at Coerde's point in the scatter marks its area on the map while pointed
        point = page.locator(f"{BOX} .iz-streu svg path[aria-label^='Coerde:']")
        point.dispatch_event("pointerover")
        page.wait_for_timeout(300)
        assert page.evaluate(_MARKS_JS, "Coerde")[1][1] == linked.LINE
        point.dispatch_event("pointerout")
        page.wait_for_timeout(300)
        assert page.evaluate(_MARKS_JS, "Coerde")[1][1] == "white"
        assert not check.problems(), "\n".join(check.problems())
    finally:
        page.close()


def test_a_series_from_another_chapter_can_be_chosen_and_r_n_and_the_table_follow(request, built_report):
    """The further series (every other one published for the Stadtteile in 2014) stand in the lists, grouped by
    Handlungsfeld after the chapter's own; choosing one from another chapter for x gives Pearson's r of the embedded
    published values with its n, names the Stadtteile left out, and the table shows its values."""
    year_dir, page_text = built_report
    page, check = open_and_check(request.getfixturevalue("browser_context"), year_dir / "report.html")
    try:
        _draw(page)
        groups = page.eval_on_selector(f"{BOX} select[id$='-x']",
                                       "s => Array.from(s.querySelectorAll('optgroup')).map(g => g.label)")
        assert groups[0] == "Indikatoren dieses Kapitels" and "Arbeit und Wirtschaft" in groups, groups
        assert len(groups) == len(set(groups))  # one group per Handlungsfeld
        key = page.get_attribute(BOX, "data-spec")
        spec = json.loads(page.eval_on_selector(f"script#{key}", "e => e.textContent"))
        further = json.loads(page.eval_on_selector(f"script#{key}{linked.MORE_SUFFIX}", "e => e.textContent"))
        rows = pd.DataFrame(spec["datasets"][linked.VALUES] + further["datasets"][linked.VALUES])
        rows["key"] = [linked.series_key(i, g) for i, g in zip(rows["indikator"], rows["gruppe"])]
        wide = rows.pivot(index="code", columns="key", values="wert").astype("float64")
        r = correlation.matrix(wide, ["alo_auslaender_anteil", "mv_anteil"]).pair("alo_auslaender_anteil", "mv_anteil")
        page.select_option(f"{BOX} select[id$='-y']", "mv_anteil")
        shown = _choose(page, "x", "alo_auslaender_anteil")  # Arbeit und Wirtschaft, not in the chapter
        secret = int(wide["alo_auslaender_anteil"].isna().sum())
        assert secret > 0 and r["n"] == 45 - secret
        assert shown == f"r = {r['r']:.2f} (Pearson, ungewichtet), n = {r['n']} Stadtteile".replace(".", ",")
        assert "nicht in der Tabelle" in page.inner_text(f"{BOX} .iz-hinweis")
        assert page.inner_text(f"{BOX} .iz-ausgelassen").count("(.)") == secret
        caption = page.text_content(f"{BOX} details caption")
        assert caption.startswith("Anteil der Ausländer/-innen an den Arbeitslosen – Insgesamt (%) und Anteil der "
                                  "Bevölkerung mit Migrationsvorgeschichte – Insgesamt (%)"), caption
        coerde = page.eval_on_selector(f"{BOX} tr[data-code='61']",
                                       "tr => Array.from(tr.cells).map(c => c.textContent)")
        assert coerde == ["Coerde", "24,6", "49,7"], coerde  # by hand from tables/indikatoren_2019.csv (2014)
        a_secret = wide.index[wide["alo_auslaender_anteil"].isna()][0]
        assert page.eval_on_selector(f"{BOX} tr[data-code='{a_secret}']", "tr => tr.cells[1].textContent") == "."
        assert not check.problems(), "\n".join(check.problems())
    finally:
        page.close()


def test_the_linked_view_passes_axe_and_fits_a_phone(request, built_report):
    year_dir, _ = built_report
    context = request.getfixturevalue("browser_context")
    for viewport in (VIEWPORT, PHONE):
        page = context.new_page()
        page.set_viewport_size(viewport)
        page.goto((year_dir / "report.html").as_uri(), wait_until="load")
        try:
            _draw(page)
            page.evaluate(f"() => document.querySelector('{BOX} details').open = true")
            found = _axe(page)
            assert not found, f"axe-core bei {viewport['width']} px:\n" + "\n".join(found)
            width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], width
        finally:
            page.close()


def test_the_areas_left_out_are_named(request, tmp_path):
    """Ausländeranteil an den Arbeitslosen 2014: the Stadtteile whose value is secret are named with their symbol."""
    from helpers.sections import explorer

    res = explorer.correlation_section(["mv_anteil", "alo_auslaender_anteil"], 2014)
    view = next(p.content for p in res.parts if p.kind == "html" and linked.VIEW_CLASS in p.content)
    rows = pd.DataFrame(json.loads(re.search(r'class="im-spec"[^>]*>(.*?)</script>', view, re.S)[1])
                        ["datasets"][linked.VALUES])
    names = {f["properties"]["code"]: f["properties"]["name"] for f in json.loads(interactive.area_geojson())["features"]}
    secret = [names[c] for c in rows.loc[rows["wert"].isna() & (rows["gruppe"] == "total"), "code"]]
    assert secret
    file = tmp_path / "ansicht.html"
    file.write_text('<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Ansicht</title>'
                    + page_parts.page_parts(view) + linked_page.page_parts(view)
                    + f"</head><body><main><h1>Ansicht</h1>{view}</main></body></html>", encoding="utf-8")
    page, check = open_and_check(request.getfixturevalue("browser_context"), Path(file))
    try:
        _draw(page)
        left = page.inner_text(f"{BOX} .iz-ausgelassen")
        expected = [n for n in names.values() if n in secret]  # in the order of the page's areas
        assert left == "Nicht enthalten (kein veröffentlichter Wert; Zeichen in Klammern): " + \
            ", ".join(f"{n} (.)" for n in expected) + ".", left
        assert page.inner_text(f"{BOX} .iz-ergebnis").endswith(f"n = {45 - len(secret)} Stadtteile")
        assert not check.problems(), "\n".join(check.problems())
    finally:
        page.close()
