"""Berlin's report (`make report CITY=berlin`), built once on the committed data in a temporary
outputs folder: its own concept and levels, the numbers of the source, the visible LOR break, and
`make verify` confirming it.

The segregation index is recomputed here from the raw source file of 31 December 2020, without
the workbench's code (D = ½ Σ |a_i/A − b_i/B| over the 138 Bezirksregionen).
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import context
from helpers.runner import verify

YEAR = 2024  # the default year: the latest with the share of the Bezirke
pytestmark = pytest.mark.slow  # builds Berlin's report in a subprocess


@pytest.fixture(scope="module")
def berlin_report(tmp_path_factory) -> tuple[Path, str]:
    """(year folder, report text without tags) of Berlin's default report, built without the PDF."""
    out = tmp_path_factory.mktemp("berlin-outputs")
    env = context.RunContext(city="berlin", outputs=out).environ()
    done = subprocess.run([sys.executable, "-m", "helpers.runner", "--ohne-pdf"], env=env, cwd=context.REPOSITORY,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    year_dir = out / str(YEAR)
    page = (year_dir / "report.html").read_text(encoding="utf-8")
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return year_dir, re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_report_speaks_berlins_terms_only(berlin_report):
    _, text = berlin_report
    for foreign in ("Münster", "Migrationsvorgeschichte", "Stadtteil", "Stadtbezirk", "Teilbereich", "SMS",
                    "Melderegister", "Migrationsleitbilds"):
        assert foreign not in text, foreign
    assert "Menschen mit und ohne Migrationshintergrund" in text
    assert "Stand jeweils 31. Dezember" in text and "138 Bezirksregionen" in text
    assert "Integrationsmonitoring Berlin 2024" in text
    assert "Zähler: Einwohner/-innen mit Hauptwohnsitz (mit Migrationshintergrund) / Nenner: Einwohner/-innen " \
           "mit Hauptwohnsitz × 100" in text  # German names, not the stored measure "population"


def test_the_chapters_are_those_with_data(berlin_report):
    year_dir, text = berlin_report
    executed = sorted(p.name for p in (year_dir / "notebooks").glob("*.ipynb"))
    assert executed == ["00_kontext_bevoelkerung.ipynb", "01_raeumliche_muster.ipynb", "02_zusammenhaenge.ipynb"]
    assert "Moran's I und LISA" in text and "Sozialraumindex" not in text  # method notes of the analyses shown
    assert "Segregationsindex nach Duncan" in text and "Spearman" in text
    assert "Die Zusammenfassung stellt" not in text  # no chapter shows the summary
    assert "Demodaten" not in text.replace("Indikatoren mit synthetischen Demodaten", "").replace(
        "synthetische Demodaten sind nicht enthalten", "")


def test_the_city_share_is_the_sources_and_the_lor_break_is_visible(berlin_report):
    year_dir, text = berlin_report
    assert "2024 lag der Wert „Anteil der Einwohner/-innen mit Migrationshintergrund“ in Berlin bei 41,1 % " \
           "(1 601 865 von 3 897 145)" in text
    assert "Für 2024 liegen keine Werte der Bezirksregionen vor; gezeigt wird 2020." in text
    assert "Bruch in der Reihe 2021: Die Lebensweltlich orientierten Räume (LOR) wurden neu gegliedert" in text
    # the report year's map is drawn on that year's boundaries: the Prognoseräume of the LOR 2021
    page = (year_dir / "report.html").read_text(encoding="utf-8")
    assert ('alt="Karte: Anteil der Einwohner/-innen mit Migrationshintergrund, 2024, nach Prognoseräumen (LOR 2021). '
            "Höchster Wert ") in page
    assert "Berlin insgesamt 41,1\u00a0%." in page  # the city value in the map's alternative text
    # every declared level with values in the report year (issue 31): the Bezirke, Mitte 231 961 of 397 004
    assert "Anteil der Einwohner/-innen mit Migrationshintergrund nach Bezirken, 2024 Bezirk Insgesamt 01 Mitte 58,4 %" \
        in text


def test_segregation_equals_a_recomputation_from_the_source(berlin_report, berlin_source):
    _, text = berlin_report
    raw = pd.read_csv(berlin_source / "population_t1" / "berlin-lor-population-2020-02-t1-district-regions.csv")
    a = raw["inhabitants_with_migration_background"]
    b = raw["inhabitants"] - a
    d = 0.5 * (a / a.sum() - b / b.sum()).abs().sum()
    shown = f"{d:.3f}".replace(".", ",")
    assert f"Menschen mit und ohne Migrationshintergrund: 2020 D = {shown}" in text


def test_verify_confirms_berlins_report(berlin_report, tmp_path):
    year_dir, _ = berlin_report
    assert verify.verify(year_dir / "manifest.json", city="berlin") == 0


def test_every_bezirksregion_has_a_profile_built_by_the_same_code(berlin_report):
    """The area profiles of Berlin's base level, written by the code that writes Münster's (helpers.publish.profiles)."""
    year_dir, text = berlin_report
    regions = pd.read_csv(context.REPOSITORY / "data" / "berlin" / "areas.csv", dtype=str, keep_default_na=False)
    codes = set(regions.loc[regions["level"] == "bezirksregion", "code"])
    folder = year_dir / "profile"
    assert {p.stem for p in folder.glob("*.html")} - {"index"} == codes
    assert {p.stem for p in folder.glob("*.csv")} == codes
    assert "Profile der Bezirksregionen" in text  # the report links the list
    code = sorted(codes)[0]
    page = (folder / f"{code}.html").read_text(encoding="utf-8")
    assert "Bezirksregion" in page and "<th scope=\"col\">Bezirk " in page and "Stadtteil" not in page
    assert "(2020; Reihe endet)" in page  # the Bezirksregionen end with the LOR 2006 in 2020
    assert re.search(r'data-rank="mh_anteil\|bezirksregion\|' + code + r'\|2020\|total">Rang \d+ von \d+<', page)
    table = pd.read_csv(year_dir / "tables" / "indikatoren_2024.csv", dtype=str, keep_default_na=False)
    own = table[(table["area_level"] == "bezirksregion") & (table["area_code"] == code)].reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.read_csv(folder / f"{code}.csv", dtype=str, keep_default_na=False), own)


def test_every_map_is_interactive_on_its_own_boundaries(berlin_report):
    """The indicator sections map the Bezirksregionen's last year (2020, LOR 2006) with an interactive twin whose
    year control and change view stay on the LOR 2006 boundaries (only their codes, only 2015–2020); the map of
    the Prognoseräume of the LOR 2021 has its twin on those boundaries (2021–2024), without profile links; the
    correlation chapter's linked view shows the Bezirksregionen's 2020."""
    import json

    from helpers.disclosure import embedded

    year_dir, text = berlin_report
    assert "Für 2024 liegen keine Werte der Bezirksregionen vor; die Karten zeigen 2020, das letzte Jahr der " \
           "Bezirksregionen." in text
    page = (year_dir / "report.html").read_text(encoding="utf-8")
    cells, strays = embedded.read(page)
    assert strays == []
    old = ["im-auslaender_anteil-total-2020", "im-deutsche_mh_anteil-total-2020", "im-mh_anteil-total-2020"]
    new = "im-mh_anteil-prognoseraum_2021-total-2024"
    linked = "im-zusammenhang-bezirksregion-2020"  # the correlation chapter's linked scatter and map (one year)
    assert sorted(cells["block"].unique()) == sorted([*old, new, linked])
    regions = pd.read_csv(context.REPOSITORY / "data" / "berlin" / "areas.csv", dtype=str, keep_default_na=False)
    for blocks, level, years in ((old, "bezirksregion", range(2015, 2021)), ([new], "prognoseraum_2021", range(2021, 2025)),
                                 ([linked], "bezirksregion", [2020])):
        shown = cells[cells["block"].isin(blocks)]
        assert set(shown["area_level"]) == {level}
        assert set(shown["area_code"]) == set(regions.loc[regions["level"] == level, "code"])
        assert sorted(shown["year"].unique()) == list(years)
    assert page.count('id="im-gebiete"') == 1 and page.count('id="im-gebiete-prognoseraum_2021"') == 1
    spec = json.loads(dict((a["id"], t) for a, t in embedded.blocks(page))[new])
    assert "href" not in spec["encoding"]  # the LOR 2021 areas have no profiles


def test_the_linked_view_offers_what_berlin_publishes_for_its_year(berlin_report):
    """The same code that gives Münster's view its further series: Berlin publishes only the chapter's three series
    for its Bezirksregionen in 2020, so the page has no further block; were the chapter to hold one of them only, the
    other two (all 138 cells each, 136 of them with a value, as in tables/indikatoren_2024.csv) would be offered."""
    from helpers.disclosure import checker
    from helpers.publish import linked

    year_dir, _ = berlin_report
    page = (year_dir / "report.html").read_text(encoding="utf-8")
    table = checker.read_table_csv(year_dir / "tables" / f"indikatoren_{YEAR}.csv")
    [(key, level, year, held)] = linked.views(page)
    assert (key, level, year) == ("im-zusammenhang-bezirksregion-2020", "bezirksregion", 2020)
    assert held == {"mh_anteil", "auslaender_anteil", "deutsche_mh_anteil"}
    assert linked.further_blocks(page, table) == "" and f"{key}-weitere" not in page
    cells = linked.further_cells(table, level, year, {"mh_anteil"})
    assert set(cells["key"]) == {"auslaender_anteil", "deutsche_mh_anteil"}
    assert cells.groupby("key").size().tolist() == [138, 138] and set(cells["year"]) == {2020}
    assert cells.groupby("key")["value"].count().tolist() == [136, 136]  # two Bezirksregionen without a value
    shown = table[(table["area_level"] == level) & (table["year"] == 2020) & (table["indicator"] == "auslaender_anteil")]
    mine = cells[cells["key"] == "auslaender_anteil"]
    assert mine.set_index("area_code")["value"].sort_index().equals(shown.set_index("area_code")["value"].sort_index())
