"""The declared area hierarchy (config/city.yml `levels:`), and a small city whose levels are not Münster's.

The test city "Stadt Zweiebenen" has two declared levels, Ortsteile in Bezirke, with different
names and codes from Münster's (4 Ortsteile: 1 and 2 in Bezirk A=10, 3 and 4 in Bezirk B=20),
unit squares as boundaries and hand-made counts, so that aggregation, disclosure control,
segregation and the setup check are pinned on numbers summed by hand.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import nbformat
import pandas as pd
import pytest
import shapely

from helpers.core import areas, catalogue, levels, observations
from helpers.disclosure import disclosed, suppression
from helpers.indicators import compute
from helpers.intake import citycheck
from helpers.sections import area_statistics
from roots import mh_catalogue, new_city, pointed_at

CITY = "zweiebenen"

CITY_YML = """\
concept: Migrationshintergrund
levels:
  - {level: ortsteil, name: Ortsteil, plural: Ortsteile, boundaries: ortsteile}
  - {level: bezirk, name: Bezirk, plural: Bezirke, boundaries: bezirke}
terms:
  - {match: Zweiebenen, terms: Datenlizenz Deutschland – Namensnennung – 2.0}
"""
MONITORING_YML = """\
chapters:
  - {notebook: 00_kontext_bevoelkerung.ipynb, title: Bevölkerung mit Migrationshintergrund}
default_year: {indicators: [mh_anteil], level: bezirk}
"""
AREAS = """\
level,code,name,parent_level,parent_code,aliases
ortsteil,1,Nordost,bezirk,10,
ortsteil,2,Nordwest,bezirk,10,
ortsteil,3,Südost,bezirk,20,
ortsteil,4,Südwest,bezirk,20,
bezirk,10,Nord,stadt,09999001,
bezirk,20,Süd,stadt,09999001,
stadt,09999001,Stadt Zweiebenen,,,
"""
#: Ortsteil -> (residents, with migration background) in 2020; Ortsteil 4 is below the floor of 300.
COUNTS = {"1": (1000, 400), "2": (2000, 300), "3": (1500, 600), "4": (250, 50)}
CATALOGUE = mh_catalogue("ortsteil", "Bevölkerung mit Migrationshintergrund")


def _square(x: float, y: float, size: float = 1000.0) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


#: Where the test city's squares lie (metres, EPSG:25832): in Germany.
IN_GERMANY = (400_000, 5_750_000)


def write_city(root: Path) -> Path:
    """The test city in `root` (config/zweiebenen/, data/zweiebenen/; the root's default city)."""
    data = new_city(root, CITY, MONITORING_YML, CITY_YML)
    (data / "geo").mkdir(parents=True)
    (data / "observations").mkdir()
    (data / "areas.csv").write_text(AREAS, encoding="utf-8")
    (data / "catalogue.yml").write_text(CATALOGUE, encoding="utf-8")
    (root / "notebooks" / CITY).mkdir(parents=True)  # the one chapter, so that the setup check finds it
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('blocks.indicator_section("mh_anteil", 2020)')]),
                   root / "notebooks" / CITY / "00_kontext_bevoelkerung.ipynb")
    corners = {"1": (1000, 1000), "2": (0, 1000), "3": (1000, 0), "4": (0, 0)}
    ortsteile = gpd.GeoDataFrame({"code": list(corners), "name": ["Nordost", "Nordwest", "Südost", "Südwest"]},
                                 geometry=[_square(*c) for c in corners.values()], crs="EPSG:25832")
    # placed in Germany (near Münster), as check-city asks of every city's boundaries
    ortsteile["geometry"] = ortsteile.geometry.translate(*IN_GERMANY)
    ortsteile.to_file(data / "geo" / "ortsteile.geojson", driver="GeoJSON")
    bezirke = gpd.GeoDataFrame({"code": ["10", "20"], "name": ["Nord", "Süd"]},
                               geometry=[shapely.box(0, 1000, 2000, 2000), shapely.box(0, 0, 2000, 1000)], crs="EPSG:25832")
    bezirke["geometry"] = bezirke.geometry.translate(*IN_GERMANY)
    bezirke.to_file(data / "geo" / "bezirke.geojson", driver="GeoJSON")
    rows = []
    for code, (total, migration) in COUNTS.items():
        for origin, value in (("total", total), ("migration", migration)):
            rows.append(dict(year=2020, area_level="ortsteil", area_code=code, measure="population", sex="total",
                             origin=origin, age="total", value=value, flag="", synthetic=False, source="Testquelle"))
    pd.DataFrame(rows).to_csv(data / "observations" / "test.csv", index=False)
    return root


@pytest.fixture(scope="module")
def city_root(tmp_path_factory) -> Path:
    return write_city(tmp_path_factory.mktemp("zweiebenen"))


@pytest.fixture
def city(city_root, tmp_path, monkeypatch):
    """helpers.core.paths pointed at the test city."""
    with pointed_at(city_root, tmp_path / "outputs", monkeypatch) as root:
        yield root


# --- The declaration ------------------------------------------------------------------------------

def test_muenster_declares_its_four_levels():
    h = levels.hierarchy()
    assert h.codes == ("stadtteil", "teilbereich", "stadtbezirk", "stadt")
    assert (h.base.name, h.base.plural, h.base.dative) == ("Stadtteil", "Stadtteile", "Stadtteilen")
    assert h.outline.code == "stadtbezirk" and h.small == ("stadtteil", "stadtzelle", "kommunalwahlbezirk")
    assert h.with_boundaries["stadtzelle"] == "stadtzellen"
    assert "unzugeordnet" in h.stored and "stadtzelle" in h.stored


@pytest.mark.parametrize(("text", "message"), [
    ("levels: stadtteil\n", "'levels' muss eine Liste von 1 bis 4 Ebenen sein"),
    ("levels: [{level: a, name: A, plural: As}, {level: b, name: B, plural: Bs}, {level: c, name: C, plural: Cs},"
     " {level: d, name: D, plural: Ds}, {level: e, name: E, plural: Es}]\n", "Liste von 1 bis 4 Ebenen"),
    ("levels: [{level: Ortsteil, name: Ortsteil, plural: Ortsteile}]\n", "'levels[1].level' ist 'Ortsteil'"),
    ("levels: [{level: stadt, name: Stadt, plural: Städte}]\n", "die Stadt und „unzugeordnet“ gibt es immer"),
    ("levels: [{level: ortsteil, name: Ortsteil}]\n", "'levels[1].plural' fehlt"),
    ("levels: [{level: ortsteil, name: O, plural: Os, boundaries: geo/ortsteile.geojson}]\n",
     "'levels[1].boundaries' ist 'geo/ortsteile.geojson'"),
    ("levels: [{level: ortsteil, name: O, plural: Os, grenzen: x}]\n", "unbekannte(r) Schlüssel grenzen"),
    ("levels: [{level: ortsteil, name: O, plural: Os}]\nother_levels: [{level: ortsteil, name: O, plural: Os}]\n",
     "Ebene(n) ortsteil mehrfach genannt"),
])
def test_a_bad_declaration_names_file_and_key(tmp_path, text, message):
    where = tmp_path / "city.yml"
    where.write_text(text, encoding="utf-8")
    with pytest.raises(levels.LevelError) as err:
        levels.of_file(where)
    assert str(err.value).startswith(f"{where}: ") and message in str(err.value)


def test_without_a_declaration_the_hierarchy_is_stadtteil_and_stadtbezirk(tmp_path):
    assert levels.of_file(tmp_path / "missing.yml").codes == ("stadtteil", "stadtbezirk", "stadt")


def test_an_undeclared_level_in_the_observations_is_refused_with_file_and_row(city, tmp_path):
    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(city / "data" / CITY / "observations" / "test.csv", dtype=str, keep_default_na=False)
    frame.loc[2, "area_level"] = "stadtteil"
    frame.to_csv(bad, index=False)
    with pytest.raises(observations.DataError) as err:
        observations.read_observation_file(bad)
    assert f"{bad}, Spalte area_level: unbekannte Gebietsebene in Zeile 4: 'stadtteil'" in str(err.value)
    assert "ortsteil, bezirk, stadt, unzugeordnet" in str(err.value)


# --- A city with other levels -----------------------------------------------------------------

def test_counts_sum_over_the_declared_levels(city):
    term = catalogue.Term("population", origin="migration")
    by_bezirk = compute.counts(term, "bezirk").set_index("area_code")["count"]
    assert by_bezirk.to_dict() == {"10": 400 + 300, "20": 600 + 50}
    assert compute.counts(term, "stadt")["count"].tolist() == [1350]
    assert compute.counts(term)["area_level"].unique().tolist() == ["ortsteil"]  # default: the base level
    with pytest.raises(compute.IndicatorError, match="Unbekannte Gebietsebene 'stadtteil'; erlaubt: ortsteil, bezirk, stadt"):
        compute.counts(term, "stadtteil")


def test_shares_at_every_level(city):
    vals = compute.values("mh_anteil", "bezirk").set_index("area_code")["value"]
    assert vals["10"] == pytest.approx(700 / 3000 * 100) and vals["20"] == pytest.approx(650 / 1750 * 100)


def test_disclosure_runs_over_the_declared_hierarchy(city):
    """Ortsteil 4 (250 residents) is below the floor: primary. Bezirk Süd = 3 + 4 would reveal it,
    so its sibling 3 is suppressed too (secondary); Bezirk and city values stay."""
    shown = disclosed.protected("mh_anteil")
    total = shown[shown["group"] == "total"].set_index(["area_level", "area_code"])["suppressed"]
    assert total[("ortsteil", "4")] == suppression.PRIMARY
    assert total[("ortsteil", "3")] == suppression.SECONDARY
    assert total[("ortsteil", "1")] == "" and total[("ortsteil", "2")] == ""
    assert total[("bezirk", "20")] == "" and total[("stadt", "09999001")] == ""
    assert disclosed.values("mh_anteil")["area_level"].unique().tolist() == ["ortsteil"]
    assert "Ortsteile mit weniger als 300 Einwohnerinnen" in suppression.active_rule().describe()
    assert "Ortsteile ergeben Bezirke und die Gesamtstadt" in suppression.active_rule().describe()


def test_segregation_and_neighbours_at_the_base_level(city):
    result = area_statistics.segregation_indices("migration", "no_migration")
    assert result.level == "ortsteil" and result.n_areas == 4
    # D = 1/2 * sum |a_i/A - b_i/B| with a = 400, 300, 600, 50 (A = 1350) and b = total - a (B = 3400)
    a, b = [400, 300, 600, 50], [600, 1700, 900, 200]
    expected = 0.5 * sum(abs(x / 1350 - y / 3400) for x, y in zip(a, b))
    assert result.table["dissimilarity"].iloc[0] == pytest.approx(expected)
    neighbours = area_statistics.level_neighbours()
    assert sorted(neighbours["1"]) == ["2", "3", "4"]  # Queen: the corner counts


def test_ancestors_follow_the_file(city):
    up = areas.ancestors()
    assert list(up.columns) == ["ortsteil", "bezirk", "stadt"]
    assert up.loc["4", "bezirk"] == "20" and up.loc["4", "stadt"] == "09999001"


def test_the_setup_check_passes_and_finds_a_wrong_parent_level(city_root, tmp_path):
    assert citycheck.check(city_root, CITY) == []
    broken = tmp_path / "broken"
    write_city(broken)
    table = (broken / "data" / CITY / "areas.csv").read_text(encoding="utf-8")
    (broken / "data" / CITY / "areas.csv").write_text(table.replace("ortsteil,4,Südwest,bezirk,20,", "ortsteil,4,Südwest,stadt,09999001,"),
                                               encoding="utf-8")
    found = [str(p) for p in citycheck.check(broken, CITY)]
    assert found == ["data/zweiebenen/areas.csv, Zeile 5, Spalte parent_level: ortsteil 4 (Südwest) hat die übergeordnete "
                     "Ebene 'stadt'; nach config/zweiebenen/city.yml erwartet: bezirk."]


# --- Every declared level in the report (issue 31) ------------------------------------------------

ONE_LEVEL_YML = """\
concept: Migrationshintergrund
levels:
  - {level: ortsteil, name: Ortsteil, plural: Ortsteile, boundaries: ortsteile}
"""


def write_one_level_city(root: Path) -> Path:
    """The test city with its Ortsteile directly in the city: one declared level, no Bezirke."""
    write_city(root)
    (root / "config" / CITY / "city.yml").write_text(ONE_LEVEL_YML, encoding="utf-8")
    (root / "config" / CITY / "monitoring.yml").write_text(MONITORING_YML.replace("level: bezirk", "level: ortsteil"),
                                                           encoding="utf-8")
    data = root / "data" / CITY
    table = [line.replace("bezirk,10,", "stadt,09999001,").replace("bezirk,20,", "stadt,09999001,")
             for line in AREAS.splitlines() if not line.startswith("bezirk,")]
    (data / "areas.csv").write_text("\n".join(table) + "\n", encoding="utf-8")
    (data / "geo" / "bezirke.geojson").unlink()
    return root


def _section_html(section) -> str:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    with capture_output() as captured:
        display(section)
    return "\n".join(str(o.data.get("text/html", o.data.get("text/markdown", ""))) for o in captured.outputs)


def test_an_indicator_section_shows_every_declared_level_with_a_table(city):
    """Bezirk Nord: 400 + 300 of 1,000 + 2,000 residents = 23,3 %; Süd: 600 + 50 of 1,500 + 250 = 37,1 %; the city
    1,350 of 4,750 = 28,4 %. Both Bezirke are published (Ortsteile 3 and 4 are withheld, their sum is not)."""
    from helpers.sections import blocks

    section = blocks.indicator_section("mh_anteil", 2020)
    assert sorted(section.tables) == ["ebene_bezirk", "karte", "text", "zeitreihe"]
    assert "karte_ebene_bezirk" not in section.figures  # the Ortsteil map shows 2020 already
    table = section.tables["ebene_bezirk"].set_index("area_code")["value"]
    assert table.to_dict() == pytest.approx({"10": 700 / 3000 * 100, "20": 650 / 1750 * 100})
    shown = _section_html(section)
    assert "<caption>Anteil der Bevölkerung mit Migrationshintergrund nach Bezirken, 2020</caption>" in shown
    nbsp = "\u00a0"
    for row in (f"<td>10 Nord</td><td>23,3{nbsp}%</td>", f"<td>20 Süd</td><td>37,1{nbsp}%</td>",
                f"<td>Stadt Zweiebenen</td><td>28,4{nbsp}%</td>"):
        assert row in shown, row
    assert "Karte: Anteil der Bevölkerung mit Migrationshintergrund, 2020, nach Ortsteilen." in shown
    assert "nach Bezirken." not in shown


def test_a_city_with_one_level_gets_no_table_or_map_of_a_level_it_does_not_have(tmp_path, monkeypatch):
    """The generic context chapter's cells (notebooks/generic/kontext.ipynb) on a city of Ortsteile only: maps of
    the Ortsteile, no table or map of a Bezirk or Stadtbezirk."""
    import json

    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from helpers.core import context

    root = write_one_level_city(tmp_path / "einebene")
    with pointed_at(root, tmp_path / "outputs", monkeypatch):
        assert [lv.code for lv in levels.hierarchy().levels] == ["ortsteil"]
        chapter = json.loads((context.REPOSITORY / "notebooks" / "generic" / "kontext.ipynb").read_text(encoding="utf-8"))
        shell = InteractiveShell.instance()
        shell.user_ns.update(report_year=2020, handlungsfeld="kontext")
        with capture_output() as captured:
            for cell in chapter["cells"]:
                tags = cell.get("metadata", {}).get("tags", [])
                if cell["cell_type"] == "code" and "parameters" not in tags:
                    source = "".join(cell["source"])
                    if "setup" in tags:  # the runner's parameters, without papermill's cell
                        source = "from helpers.sections import blocks, generic_text"
                    assert shell.run_cell(source).success, source
        shown = "\n".join(str(o.data.get("text/html", o.data.get("text/markdown", ""))) for o in captured.outputs)
    assert "nach Ortsteilen" in shown  # the base level's map is there
    assert "Bezirk" not in shown and "ebene_" not in shown
