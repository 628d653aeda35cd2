"""The interactive maps: their specs hold only disclosed values on the static map's classes, the page carries
Vega and the areas once and loads nothing from the network, and the checker reads every embedded number."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from helpers.core import areas, levels
from helpers.disclosure import checker, disclosed, embedded
from helpers.figures import interactive, maps
from helpers.publish import interactive as page
from helpers.sections import blocks
from helpers.sections.lookback import window


@pytest.fixture(scope="module")
def section():
    """Ausländeranteil an den Arbeitslosen 2014: Stadtteile with suppressed cells in every year."""
    return blocks.indicator_section("alo_auslaender_anteil", 2014)


def _rows(spec: dict) -> pd.DataFrame:
    return pd.DataFrame(spec["datasets"][interactive.VALUES])


def test_the_spec_is_valid_vega_lite_and_names_the_interaction(section):
    import altair as alt

    spec = section.specs["karte"]
    alt.Chart.from_dict(spec)  # raises on anything the Vega-Lite schema does not allow
    param = spec["params"][0]
    assert param["name"] == "jahr" and param["value"] == 2014 and param["bind"]["name"].strip() == "Jahr"
    assert param["bind"]["input"] == "range" and (param["bind"]["min"], param["bind"]["max"]) == (2006, 2014)
    assert spec["encoding"]["href"]["field"] == "profil" and "'profile/' + datum.code + '.html'" in json.dumps(spec)
    assert [t["title"] for t in spec["encoding"]["tooltip"]] == ["Stadtteil", section.indicator.name, "Jahr"]
    assert spec["description"].startswith("Karte: ")  # the static map's alternative text
    assert "$schema" not in spec and interactive.AREAS not in spec.get("datasets", {})  # the areas come from the page


def test_only_disclosed_values_of_the_look_back_are_embedded(section):
    rows = _rows(section.specs["karte"])
    shown = disclosed.values(section.indicator)
    shown = shown[(shown["group"] == "total") & shown["year"].between(window(2014)[0], 2014)]
    merged = rows.merge(shown.rename(columns={"area_code": "code", "year": "jahr"}), on=["code", "jahr"])
    assert len(merged) == len(rows) == 45 * rows["jahr"].nunique()
    secret = merged[merged["value"].isna()]
    assert len(secret) > 0 and secret["wert"].isna().all() and (secret["zeichen"] == ".").all()
    assert secret["klasse"].isna().all()
    given = merged[merged["value"].notna()]
    assert (given["wert"] == given["value"].astype(float).round(1)).all()
    recorded = [r for p in section.parts for r in p.records if r.what == "Karte (interaktiv)"]
    assert len(recorded) == 1 and len(recorded[0].values) == len(rows)  # the register sees every embedded cell


def test_the_classes_are_the_static_maps():
    """For the report year each area has the class (and colour) of the static map; other years on that scale."""
    section = blocks.indicator_section("mv_anteil", 2019)
    spec, rows = section.specs["karte"], _rows(section.specs["karte"])
    shown = section.tables["karte"]
    static = maps.classes_for(shown["value"].astype("Float64"), "%")
    by_code = dict(zip(shown["area_code"], static.yb))
    this_year = rows[rows["jahr"] == 2019]
    assert [by_code[c] for c in this_year["code"]] == this_year["klasse"].astype(int).tolist()
    colours = spec["encoding"]["color"]["scale"]["range"]
    assert colours[:-1] == [interactive._hex(c) for c in static.colours]
    labels = spec["encoding"]["color"]["scale"]["domain"]
    assert labels[0].startswith("bis 15,8") and labels[-2].startswith("über 26,8") and labels[-1] == maps.MISSING_LABEL
    assert rows["klasse"].dropna().between(0, len(static.colours) - 1).all()


def test_area_geojson_is_compact_and_complete():
    text = interactive.area_geojson()
    collection = json.loads(text)
    base = areas.boundaries(levels.base())
    assert [f["properties"]["code"] for f in collection["features"]] == base["code"].tolist()
    assert set(collection["features"][0]["properties"]) == {"code", "name"}
    assert not re.search(r"\d\.\d", text)  # whole metres
    assert len(text) < 80_000


def test_the_page_carries_vega_and_the_areas_once_and_loads_nothing(section):
    body = "".join(p.interactive for p in section.parts if p.kind == "figure" and p.interactive) * 2
    parts = page.page_parts(body)
    assert parts.count(f'id="{interactive.AREAS_ID}"') == 1 and parts.count("window.vegaEmbed=") == 1
    assert page.page_parts(body + parts) == ""  # a page that has them gets them no second time
    assert page.page_parts("<p>keine Karte</p>") == ""
    # Nothing the browser would fetch: no src/href/url()/import of a remote address, no CDN.
    remote = re.findall(r"""(?:src|href)\s*=\s*["']https?:|url\(\s*["']?https?:|import\s*\(?\s*["']https?:"""
                        r"""|cdn\.jsdelivr|unpkg\.com""", parts + body)
    assert remote == []


def _page(section) -> str:
    return "".join(p.interactive for p in section.parts if p.kind == "figure" and p.interactive)


def test_the_checker_reads_every_embedded_number(section, tmp_path):
    report = tmp_path / "report.html"
    table = disclosed.values(section.indicator)  # as the exported tables have it: rounded as shown
    table = table.assign(indicator=section.indicator.id, value=disclosed.rounded(table["value"]))
    report.write_text(_page(section), encoding="utf-8")
    assert checker.check_embedded(report, [table]) == []
    spec = section.specs["karte"]
    cells, strays = embedded.read(_page(section))
    assert len(cells) == len(spec["datasets"]["werte"]) and strays == []

    stored = disclosed.protected(section.indicator.id)
    secret = stored[(stored["suppressed"] == "primär") & (stored["year"] == 2014)
                    & (stored["area_level"] == levels.base()) & (stored["group"] == "total")].iloc[0]
    raw = checker.stored_cells({section.indicator.id}).set_index(checker.KEY)["value"]
    value = round(float(raw[(section.indicator.id, levels.base(), secret["area_code"], 2014, "total")]), 1)
    planted = json.loads(json.dumps(spec))
    for row in planted["datasets"]["werte"]:
        if row["code"] == secret["area_code"] and row["jahr"] == 2014:
            row["wert"], row["zeichen"] = value, ""
    planted["title"]["offset"] = 3  # a layout number where a spec may have one
    planted["encoding"]["tooltip"][0]["bandPosition"] = 0.25  # a number where no spec of ours has one
    report.write_text(interactive.spec_html(planted, "k", section.indicator.id, levels.base(), "total"), encoding="utf-8")
    found = checker.check_embedded(report, [table])
    assert any(f"zeigt {value}, die Tabellen" in v.problem and secret["area_code"] in v.cell for v in found), found
    assert any(("Zähler" in v.problem or "Nenner" in v.problem) and secret["area_code"] in v.cell for v in found), found
    assert [v.problem for v in found if "außerhalb" in v.problem] == [
        "Zahl außerhalb der Werte einer Karte: k: encoding/tooltip/0/bandPosition = 0.25"]


def _drawn(spec: dict, **params) -> dict[str, str]:
    """The change view drawn offline (vl-convert) with `params` set: area name -> what a screen reader hears."""
    import html as html_module

    import vl_convert

    view = json.loads(json.dumps(spec["usermeta"][interactive.CHANGE]))
    view["datasets"] = {interactive.VALUES: spec["datasets"][interactive.VALUES],
                        interactive.AREAS: json.loads(interactive.area_geojson())["features"]}
    for param in view["params"]:
        param["value"] = params.get(param["name"], param["value"])
    svg = vl_convert.vegalite_to_svg(view, vl_version=page.vega_version())
    said = (html_module.unescape(s) for s in re.findall(r'aria-label="([^"]*: Veränderung [^"]*)"', svg))
    return dict(s.split(": ", 1) for s in said if not s.startswith("Title text"))


def test_the_change_view_subtracts_published_values_in_the_browser():
    """Coerde's share 2014 49,7 %, 2019 53,1 % (the browser test reads both): +3,4 percentage points, computed by
    Vega from the embedded values; the view embeds no number of its own, on the static change map's colours."""
    spec = blocks.indicator_section("mv_anteil", 2019).specs["karte"]
    view = spec["usermeta"][interactive.CHANGE]
    assert interactive.CHANGE not in view.get("usermeta", {}) and "datasets" not in view
    names = {p["name"]: p for p in view["params"]}
    assert names["seit"]["bind"] == {"input": "select", "options": list(range(2010, 2019)), "name": "Veränderung seit "}
    assert names["jahr"]["value"] == 2019 and names["seit"]["value"] == 2010
    said = _drawn(spec, seit=2014)
    assert said["Coerde"] == "Veränderung 2014–2019 +3.4\u00a0Prozentpunkte"  # vl-convert formats in English
    assert len(said) == 45
    assert _drawn(spec, seit=2019)["Coerde"] == "Veränderung 2019–2019 x"  # not an earlier year: not meaningful
    # a spread of 13,0 − 10,0 = 3,0 (the published, rounded values): a step of 1 for three classes a side
    bins = interactive.change_bins(pd.DataFrame({"area_code": ["a", "a", "b"], "value": [10.04, 12.96, 5.0]}))
    assert bins == [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    assert interactive.change_labels(bins, "%", 1)[:2] == ["≤ −2,0\u00a0Prozentpunkte", "über −2,0 bis −1,0\u00a0Prozentpunkte"]
    colours = view["encoding"]["color"]["scale"]["range"]
    assert len(colours) == 7 and colours[-1] == interactive.MISSING_COLOUR  # six classes, three a side, and missing


def test_the_change_view_shows_the_symbol_where_a_year_is_secret(section):
    """Where either year's value is secret the difference is its symbol, never a number from the hidden cell."""
    spec = section.specs["karte"]
    rows = _rows(spec)
    secret_now = set(rows.loc[(rows["jahr"] == 2014) & rows["wert"].isna(), "code"])
    cases = []  # (earlier year, area): secret in one of the two years, published in the other
    for year in sorted(rows["jahr"].unique())[:-1]:
        then = rows[rows["jahr"] == year]
        cases += [(int(year), c) for c in then.loc[then["wert"].notna(), "code"] if c in secret_now]
        cases += [(int(year), c) for c in then.loc[then["wert"].isna(), "code"] if c not in secret_now]
    assert len({y for y, _ in cases}) > 1
    names = dict(zip(areas.boundaries(levels.base())["code"], areas.boundaries(levels.base())["name"]))
    for year in sorted({y for y, _ in cases})[:2]:
        said = _drawn(spec, seit=year)
        for code in [c for y, c in cases if y == year]:
            assert said[names[code]] == f"Veränderung {year}–2014 .", said[names[code]]


def test_a_number_planted_in_the_change_view_is_reported(section, tmp_path):
    """The change view may hold layout numbers only: a value written into it is a number outside a map's values."""
    planted = json.loads(json.dumps(section.specs["karte"]))
    planted["usermeta"][interactive.CHANGE]["encoding"]["tooltip"][1]["wert"] = 12.3
    report = tmp_path / "report.html"
    report.write_text(interactive.spec_html(planted, "k", section.indicator.id, levels.base(), "total"), encoding="utf-8")
    table = disclosed.values(section.indicator)
    table = table.assign(indicator=section.indicator.id, value=disclosed.rounded(table["value"]))
    assert [v.problem for v in checker.check_embedded(report, [table])] == [
        "Zahl außerhalb der Werte einer Karte: k: usermeta/veraenderung/encoding/tooltip/1/wert = 12.3"]


def test_a_map_of_another_level_gets_that_levels_boundaries_and_no_profile_links(section):
    """One boundary set per map: a page with maps of two levels carries each level's GeoJSON once, under its own
    id, and only the base level's areas link to profiles (Berlin's LOR 2021 map beside the LOR 2006 ones)."""
    spec = blocks.indicator_section("mv_anteil", 2019).specs["karte"]
    body = _page(section) + interactive.spec_html(spec, "k", "mv_anteil", "stadtbezirk", "total")
    parts = page.page_parts(body)
    assert re.findall(r'<script type="application/json" id="([^"]+)"', parts) == ["im-gebiete", "im-gebiete-stadtbezirk"]
    other = json.loads(re.search(r'id="im-gebiete-stadtbezirk">(.*?)</script>', parts).group(1))
    assert [f["properties"]["code"] for f in other["features"]] == areas.boundaries("stadtbezirk")["code"].tolist()
    shapes = json.loads(re.search(r"var shapes = (.*?);\n", parts).group(1))
    assert {lv: s["profiles"] for lv, s in shapes.items()} == {"stadtteil": True, "stadtbezirk": False}
    without = interactive.map_spec(section.tables["karte"], 2014, "t", "Karte: t", "%", "Wert", [1.0, 2.0, 3.0],
                                   ["#000000", "#111111", "#222222"], False, "Stadtbezirk", profiles=False)
    assert "href" not in without["encoding"] and "profil" not in json.dumps(without)
