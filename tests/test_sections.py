"""Sections as result objects, and the Handlungsfeld notebooks that show them cell by cell.

A section's result holds the disclosed values it shows, records nothing while it is only
computed, records its cells when displayed, and displays what the report always showed.
"""

from __future__ import annotations

import doctest
import importlib
import json
import pkgutil
import re
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import display
from IPython.utils.capture import capture_output

from helpers import sections
from helpers.core import catalogue, context, paths
from helpers.disclosure import disclosed, register
from helpers.figures import lab_view
from helpers.sections import blocks, html_tables, lab_style, overview
from helpers.sections.results import HandlungsfeldSection, IndicatorSection
from helpers.sections.shown import Shown

YEAR = 2014
NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("*.ipynb"))
OPENING = re.compile(r'^blocks\.opening\("(\w+)", report_year\)$')
SECTION = re.compile(r'^blocks\.indicator_section\("(\w+)", report_year\)$')
WHOLE = re.compile(r'blocks\.handlungsfeld\("(\w+)"')


# --- the notebooks ------------------------------------------------------------------------------

def _code(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]).strip() for c in nb["cells"] if c["cell_type"] == "code"]


def _opened() -> dict[str, Path]:
    """Handlungsfeld id -> the notebook whose opening cell names it."""
    found: dict[str, Path] = {}
    for path in NOTEBOOKS:
        for source in _code(path):
            match = OPENING.match(source)
            if match:
                assert match.group(1) not in found, f"{match.group(1)} opened by {found[match.group(1)].name} and {path.name}"
                found[match.group(1)] = path
    return found


def test_handlungsfeld_notebooks_are_cell_by_cell():
    opened = _opened()
    # 00 (context) and the Handlungsfelder 02-13; 07 is converted on its own branch.
    assert len(opened) >= 12, sorted(p.name for p in opened.values())
    names = {p.name[:2] for p in opened.values()}
    assert {"00", "02", "03", "04", "05", "06", "08", "09", "10", "11", "12", "13"} <= names
    for hf in catalogue.load().handlungsfelder:
        whole = [p.name for p in NOTEBOOKS for s in _code(p) if (m := WHOLE.search(s)) and m.group(1) == hf.id]
        assert (hf.id in opened) + len(whole) == 1, (hf.id, whole)
    for hf_id, path in opened.items():  # the staff's recommendations close each chapter (helpers.sections.commentary)
        assert _code(path)[-1] == f'blocks.recommendations("{hf_id}", report_year)', path.name


def _problems(cells: list[dict], hf_id: str, lead_ins: bool = True) -> list[str]:
    """What is wrong with a notebook's indicator cells for its Handlungsfeld (empty: nothing)."""
    problems = []
    shown = [m.group(1) for c in cells if c["cell_type"] == "code" and (m := SECTION.match("".join(c["source"]).strip()))]
    expected = [ind.id for ind in catalogue.load().for_handlungsfeld(hf_id)]
    if shown != expected:
        problems.append(f"indicator cells {shown}, catalogue {expected}")
    for n, cell in enumerate(cells):
        if cell["cell_type"] != "code" or not SECTION.match("".join(cell["source"]).strip()):
            continue
        if cell["metadata"].get("tags") or cell["metadata"].get("jupyter"):
            problems.append(f"cell {n} hidden or tagged")
        if lead_ins and not (cells[n - 1]["cell_type"] == "markdown" and "".join(cells[n - 1]["source"]).strip()):
            problems.append(f"cell {n} without a markdown lead-in")
    return problems


@pytest.mark.parametrize("hf_id", sorted(_opened()))
def test_indicator_cells_equal_the_catalogue(hf_id):
    path = _opened()[hf_id]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    # 00 (context) interleaves its two indicators with the composition and the extremes.
    assert _problems(cells, hf_id, lead_ins=path.name[:2] != "00") == [], path.name


def test_the_check_catches_a_notebook_out_of_catalogue_order_or_incomplete():
    cells = json.loads(_opened()["sport"].read_text(encoding="utf-8"))["cells"]
    sections = [n for n, c in enumerate(cells) if SECTION.match("".join(c["source"]).strip())]
    swapped = list(cells)
    swapped[sections[0]], swapped[sections[1]] = cells[sections[1]], cells[sections[0]]
    assert _problems(swapped, "sport")[0].startswith("indicator cells ['sportverein_maedchen_mv'")
    missing = [c for n, c in enumerate(cells) if n != sections[-1]]
    assert len(_problems(missing, "sport")) == 1
    no_lead = [c for n, c in enumerate(cells) if n != sections[1] - 1]
    assert _problems(no_lead, "sport") == [f"cell {sections[1] - 1} without a markdown lead-in"]


# --- result objects -----------------------------------------------------------------------------

@pytest.fixture
def chapter_env(tmp_path, monkeypatch):
    """A runner kernel's context: records go to tmp_path/<year>/published/<chapter>.csv."""
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    monkeypatch.setenv(context.ENV, context.RunContext(chapter="99_test", year=YEAR).to_json())
    register.reset_records()
    yield tmp_path / str(YEAR) / "published" / "99_test.csv"
    register.reset_records()


def _shown(result: Shown) -> list:
    """What IPython displays for a result (its own display machinery, as in a notebook)."""
    InteractiveShell.instance()
    with capture_output() as captured:
        display(result)
    return captured.outputs


def test_indicator_section_holds_the_disclosed_values_it_shows():
    section = blocks.indicator_section("mv_anteil", YEAR)
    assert isinstance(section, IndicatorSection)
    assert (section.indicator.id, section.report_year, section.year) == ("mv_anteil", YEAR, YEAR)
    assert sorted(section.tables) == ["abstand", "ebene_stadtbezirk", "ebene_teilbereich", "karte", "text", "zeitreihe"]
    # the further levels get tables; their maps would repeat the Stadtteil map of the same year (blocks._add_level)
    assert sorted(section.figures) == ["karte", "zeitreihe"]
    # SMS Migration 2014: 65 205 of 300 267 residents have a migration history, 21,7 %.
    series = section.tables["zeitreihe"].set_index(["year", "group"])
    row = series.loc[(2014, "total")]
    assert (row["numerator"], row["denominator"]) == (65205, 300267)
    assert row["value"] == pytest.approx(65205 / 300267 * 100)
    city = disclosed.values("mv_anteil", "stadt").set_index(["year", "group"])
    assert row["value"] == city.loc[(2014, "total"), "value"] and row["flag"] == city.loc[(2014, "total"), "flag"]
    assert set(series.index.get_level_values("year")) <= set(range(2005, 2015))
    assert "flag" in section.tables["karte"] and len(section.tables["karte"]) == 45
    assert section.sentences[0].startswith("2014 lag der Wert „Anteil der Bevölkerung mit Migrationsvorgeschichte“ "
                                           "in Münster bei **21,7\u00a0%** (65\u202f205 von 300\u202f267)")
    assert "IndicatorSection('Anteil der Bevölkerung mit Migrationsvorgeschichte'" in repr(section)
    # Every further declared level in the year shown (issue 31): Stadtbezirk Nord 2014 = its Stadtteile Coerde,
    # Kinderhaus-Ost, Kinderhaus-West and Sprakel: 5 242 + 1 335 + 4 138 + 609 = 11 324 of
    # 10 555 + 4 998 + 10 513 + 3 102 = 29 168 residents, 38,8 %.
    nord = section.tables["ebene_stadtbezirk"].set_index(["area_code", "group"]).loc[("6", "total")]
    assert (nord["numerator"], nord["denominator"]) == (11324, 29168)
    assert sorted(section.tables["ebene_teilbereich"]["area_code"].unique()) == [str(c) for c in range(1, 10)]


def test_gap_table_data_hand_checked():
    # Unemployed per 100 residents, 2014: foreigners 1 701 / 25 831, Germans 7 222 / 274 436.
    section = blocks.indicator_section("alo_dichte", YEAR)
    gap = section.tables["abstand"].set_index("year")
    assert list(gap.columns) == ["foreign", "flag_foreign", "german", "flag_german", "difference", "ratio"]
    assert gap.loc[2014, "foreign"] == pytest.approx(1701 / 25831 * 100)
    assert gap.loc[2014, "german"] == pytest.approx(7222 / 274436 * 100)
    assert gap.loc[2014, "difference"] == pytest.approx(1701 / 25831 * 100 - 7222 / 274436 * 100)
    assert gap.loc[2014, "ratio"] == pytest.approx((1701 / 25831) / (7222 / 274436))
    assert list(gap.index) == list(range(2006, 2015))  # the look back 2005-2014; the series starts 2006
    # A second mapped group gets a map of its own.
    assert section.indicator.map_groups == ("total", "foreign")
    assert sorted(section.figures) == ["karte", "karte_foreign", "zeitreihe"]
    assert set(section.tables["karte_foreign"]["group"]) == {"foreign"}
    # the further levels' tables show the total and both compared groups
    assert set(section.tables["ebene_stadtbezirk"]["group"]) == {"total", "foreign", "german"}


def test_computing_records_nothing_and_displaying_records_what_is_shown(chapter_env):
    section = blocks.indicator_section("mv_anteil", YEAR)
    html_tables.gap_table(section.indicator, section.city, YEAR)
    assert not chapter_env.exists(), "a result that is only computed must publish nothing"

    _shown(section)
    records = pd.read_csv(chapter_env, dtype={"area_code": str})
    assert records["what"].drop_duplicates().tolist() == ["Text", "Zeitreihe", "Tabelle", "Karte", "Karte (interaktiv)"]
    counts = records["what"].value_counts()
    # Text: the city in 2014 and in 2006, the first year it is compared with (three groups each),
    # and the 45 Stadtteile; the series 2006-2014; the gap table both sexes in five years; the map, and its
    # interactive twin's 45 Stadtteile in each year of the look back with values (2006-2014); then the tables of the
    # 9 Teilbereiche and 6 Stadtbezirke with the city (three groups each), without maps of their own.
    assert counts.to_dict() == {"Text": 3 + 3 + 45, "Zeitreihe": len(section.tables["zeitreihe"]),
                                "Tabelle": 10 + (9 + 1) * 3 + (6 + 1) * 3, "Karte": 45,
                                "Karte (interaktiv)": 45 * 9}
    assert len(section.tables["zeitreihe"]) == 25
    city = records[(records["what"] == "Text") & (records["area_level"] == "stadt") & (records["group"] == "total")]
    assert city.set_index("year")["value"].to_dict() == {2006: 20.8, 2014: 21.7}  # both in the key sentences
    assert "2006 waren es 20,8\u00a0%" in section.sentences[0]

    _shown(section)  # shown twice, recorded twice
    assert len(pd.read_csv(chapter_env)) == 2 * len(records)


def test_the_register_file_is_all_records_as_one_csv(chapter_env):
    """Each record appends its rows' text: the file is byte for byte the CSV of all records as one frame (as it was
    written before), also with secret cells (no value) and several outputs."""
    secret = pd.DataFrame({"indicator": ["x", "x"], "area_level": ["stadtteil"] * 2, "area_code": ["11", "12"],
                           "year": [2014, 2014], "group": ["total"] * 2, "value": [12.345, None], "flag": ["", "."]})
    register.record(secret, "Tabelle")
    register.record(secret.assign(value=[None, None], flag=[".", "."]), "Karte")
    register.record(secret.iloc[:1], "Text, mit Komma")
    expected = pd.concat(register._records, ignore_index=True).to_csv(index=False, lineterminator="\n")
    assert chapter_env.read_text(encoding="utf-8") == expected
    assert expected.splitlines()[1:3] == ["Tabelle,x,stadtteil,11,2014,total,12.3,", "Tabelle,x,stadtteil,12,2014,total,,."]
    assert expected.count("what,") == 1 and '"Text, mit Komma"' in expected


def test_displaying_shows_what_the_report_always_showed():
    # as the report has them: without JupyterLab's own outputs, root elements and style (tests/test_lab_render.py)
    outputs = [o for o in _shown(blocks.indicator_section("mv_anteil", YEAR))
               if not lab_view.is_lab_only({"metadata": o.metadata})]
    kinds = [next(k for k in ("text/markdown", "text/html") if k in o.data) for o in outputs]
    texts = [o.data.get("text/markdown") or lab_style.unwrap(o.data["text/html"]) for o in outputs]
    assert kinds == ["text/markdown", "text/html", "text/markdown", "text/html", "text/html", "text/html", "text/html",
                     "text/html", "text/html"]
    assert texts[0] == "## Anteil der Bevölkerung mit Migrationsvorgeschichte"
    assert texts[1].startswith('<div class="definition-box" id="def-mv_anteil">')
    assert texts[2].startswith("2014 lag der Wert „Anteil der Bevölkerung mit Migrationsvorgeschichte“")
    # Alternative texts with the key values (hand-checked against the stored data: city 2006 and 2014,
    # Männer/Frauen from 2010, Stadtteile Coerde highest, Kreuz lowest); the 2011 break the chart marks.
    assert texts[3].startswith('<img class="figure" alt="Liniendiagramm: Anteil der Bevölkerung mit '
                               "Migrationsvorgeschichte, Stadt Münster 2006–2014. Insgesamt: 2006 20,8\xa0%, 2014 "
                               "21,7\xa0%; Männer: 2010 21,3\xa0%, 2014 22,2\xa0%; Frauen: 2010 20,6\xa0%, 2014 21,3\xa0%. "
                               "Bruch in der Reihe: 2010/2011 (Grund im Hinweis unter der Abbildung).\" "
                               'data-art="abbildung" data-tabelle="indikatoren" src="data:image/png;base64,')
    # under the chart, the break it draws with its year and the catalogue's reason
    assert texts[4] == ('<p class="table-note">Gepunktete senkrechte Linie: Bruch in der Reihe ab 2011: Die '
                        "wohnberechtigte Bevölkerung wird ab 2011 aus allen gemeldeten Wohnsitzen des Melderegisters "
                        "ausgezählt, bis 2010 auf Basis der Volkszählung 1987 fortgeschrieben.</p>")
    assert texts[5].startswith('<figure class="im-table-figure"><table class="dataframe im-table"><caption>Abstand '
                               "zwischen den Gruppen „Männer“ und „Frauen“, Stadt Münster</caption>"
                               '<thead><tr><th scope="col">Jahr</th><th scope="col">Männer</th>')
    assert texts[6].startswith('<img class="figure" alt="Karte: Anteil der Bevölkerung mit Migrationsvorgeschichte, '
                               "2014, nach Stadtteilen. Höchster Wert Coerde (49,7\xa0%), niedrigster Kreuz (10,7\xa0%); "
                               'Münster insgesamt 21,7\xa0%." data-art="karte" data-tabelle="indikatoren"')
    # then each further declared level's table (Teilbereich 6 Nord = Stadtbezirk 6 Nord, 11 324 of 29 168, see
    # above), without a map: the Stadtteil map above shows the same year in more detail
    assert texts[7].startswith('<figure class="im-table-figure"><table class="dataframe im-table"><caption>Anteil der '
                               "Bevölkerung mit Migrationsvorgeschichte nach Teilbereichen, 2014</caption>"
                               '<thead><tr><th scope="col">Teilbereich</th><th scope="col">Insgesamt</th>'
                               '<th scope="col">Männer</th><th scope="col">Frauen</th></tr></thead><tbody><tr><td>1 Altstadt')
    assert "<tr><td>6 Nord</td><td>38,8\xa0%</td>" in texts[7] and "<td>Stadt Münster</td><td>21,7\xa0%</td>" in texts[7]
    assert "nach Stadtbezirken, 2014</caption>" in texts[8] and "<tr><td>6 Nord</td><td>38,8\xa0%</td>" in texts[8]
    assert len(texts) == 9


def test_a_level_map_is_drawn_where_no_finer_map_shows_the_year():
    # the council election's turnout is counted by Stadtbezirk: no Stadtteil map, so the Stadtbezirke get one
    section = blocks.indicator_section("ratswahl_wahlbeteiligung", 2009)
    assert "karte_ebene_stadtbezirk" in section.figures and "karte" not in section.figures


def test_latest_year_is_labelled_and_kept():
    section = blocks.indicator_section("integrationsrat_wahlbeteiligung", 2013)  # elected 2010 and 2014
    assert section.year == 2010 and section.report_year == 2013
    notes = [p.content for p in section.parts if p.kind == "markdown"]
    assert "*Für 2013 liegen noch keine Daten vor; gezeigt wird das letzte verfügbare Jahr 2010.*" in notes


def test_a_series_with_one_year_is_shown_as_its_value_not_as_a_chart():
    section = blocks.indicator_section("integrationsrat_wahlbeteiligung", 2013)  # only 2010 in 2004–2013
    assert "zeitreihe" not in section.figures  # a chart titled "2010–2010" with one point, before
    single = section.tables["zeitreihe"]
    assert single["year"].tolist() == [2010] and single["group"].tolist() == ["total"]
    table = next(p for p in section.parts if p.kind == "html" and "einziges Jahr" in p.content)
    assert "Wahlbeteiligung bei der Integrationsratswahl, Stadt Münster 2010 (einziges Jahr mit Werten im Zeitraum" in table.content
    # the published turnout of 2010, the first election of the Integrationsrat: a declared break, marked
    assert re.search(r'<td>Insgesamt</td>\s*<td><span class="break-mark" aria-hidden="true">\|</span>'
                     r'<span class="visually-hidden">Bruch in der Reihe:</span> 9,4\s%</td>', table.content)
    assert [r.what for r in table.records] == ["Tabelle"]  # the checker sees the shown cell
    assert "zeitreihe" in blocks.indicator_section("integrationsrat_wahlbeteiligung", 2014).figures  # 2010 and 2014


def test_handlungsfeld_convenience_returns_the_sections(chapter_env):
    chapter = blocks.handlungsfeld("sport", YEAR)
    assert isinstance(chapter, HandlungsfeldSection)
    assert list(chapter.sections) == [i.id for i in catalogue.load().for_handlungsfeld("sport")]
    assert [p.content for p in chapter.parts][1:] == list(chapter.sections.values())
    assert not chapter_env.exists()
    outputs = _shown(chapter)
    hf = catalogue.load().handlungsfeld("sport")
    assert outputs[0].data["text/markdown"] == f"*{hf.category}*\n\n{hf.aim}"
    headings = [o.data["text/markdown"] for o in outputs if o.data.get("text/markdown", "").startswith("## ")]
    assert headings == [f"## {section.indicator.name}" for section in chapter.sections.values()]
    assert chapter_env.exists()


def test_extremes_and_development_maps_hold_their_values(chapter_env):
    extremes = blocks.extremes_table("mv_anteil", YEAR)
    rows = extremes.tables["extremwerte"]
    assert rows["Rang"].tolist() == ["höchste"] * 5 + ["niedrigste"] * 5
    assert rows.iloc[0]["area_name"] == "Coerde" and round(rows.iloc[0]["value"], 1) == 49.7
    maps = blocks.development_maps("mv_anteil", YEAR)
    assert sorted(maps.figures) == ["entwicklung", "veraenderung"]
    assert sorted(maps.tables["entwicklung"]["year"].unique()) == [2010, 2011, 2012, 2013, 2014]
    assert not chapter_env.exists()
    _shown(extremes)
    _shown(maps)
    records = pd.read_csv(chapter_env)
    assert records["what"].value_counts().to_dict() == {"Tabelle": 10, "Karte": len(maps.tables["entwicklung"])}


@pytest.mark.slow
def test_summary_holds_its_table_and_records_its_cells(chapter_env):
    result = overview.summary(YEAR)
    assert overview.show is overview.summary
    table = result.tables["uebersicht"].set_index("id")
    assert list(table.index) == [i.id for hf in catalogue.load().handlungsfelder
                                 for i in catalogue.load().for_handlungsfeld(hf.id)]
    assert table.loc["mv_anteil", "value"] == pytest.approx(65205 / 300267 * 100)
    assert table.loc["alo_dichte", "assessment"] == "verbessert"
    assert not chapter_env.exists()
    outputs = _shown(result)
    assert 'class="im-table summary-table"' in outputs[0].data["text/html"]
    records = pd.read_csv(chapter_env, dtype={"area_code": str})
    mv = records[(records["indicator"] == "mv_anteil") & (records["group"] == "total")]
    # the value (2014) and its changes over one and five years (no value for 2004)
    assert mv.set_index("year")["value"].to_dict() == {2009: 20.8, 2013: 21.3, 2014: 21.7}


# --- the examples in the docstrings --------------------------------------------------------------------

#: Modules whose docstrings must hold runnable examples (the others may have some, skipped or not).
WITH_EXAMPLES = {"alt_texts", "area_results", "area_statistics", "area_tables", "area_wording", "blocks",
                 "correlation_export", "correlation_values", "correlation_wording", "html_tables",
                 "overview", "results", "selection", "wording"}


@pytest.mark.parametrize("name", sorted(m.name for m in pkgutil.iter_modules(sections.__path__)))
def test_docstring_examples_run(name, chapter_env):
    """The sections' examples are true, as those of helpers.stats; computing a section records nothing."""
    module = importlib.import_module(f"helpers.sections.{name}")
    failures, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
    assert attempted > 0 or name not in WITH_EXAMPLES
    assert not chapter_env.exists()
