"""Generic chapters (issue 31): a made-up city without notebooks of its own gets a report in its own words.

"Stadt Beispielhausen" is set up as a statistics office would, with `stadt neu` (nine 1 km squares in Germany,
Ortsteile 11–14 in Stadtbezirk 1 and 21–25 in Stadtbezirk 2), counts of residents, residents with migration
background, foreigners and unemployed for 2020–2022 as `stadt daten` stores them, and the catalogue entries
`stadt daten` writes for them. Its report is built from notebooks/generic/:
a context chapter, one chapter per further Handlungsfeld of the catalogue, spatial patterns and correlations.
Every output file is searched for words of another city, level or concept, and one share is checked by hand.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from helpers.core import config, context, generic, levels, observations
from helpers.intake import chapter_checks, city_catalogue, city_setup
from roots import pointed_at

pytestmark = pytest.mark.notebooks

CITY = "beispielhausen"
YEAR = 2022
X0, Y0 = 525_000.0, 6_070_000.0  # near 54.8° N, 9.4° E (EPSG:25832)
#: Ortsteil -> (column, row) of its square.
CELLS = {"11": (0, 2), "12": (1, 2), "13": (2, 2), "14": (0, 1), "21": (1, 1), "22": (2, 1), "23": (0, 0),
         "24": (1, 0), "25": (2, 0)}
NAMES = {"11": "Altmarkt", "12": "Domviertel", "13": "Hafenkante", "14": "Kirchfeld", "21": "Lindenau",
         "22": "Mühlenbach", "23": "Nordheide", "24": "Ostpark", "25": "Rosengarten"}
#: Ortsteil -> (residents, with migration background, foreigners, unemployed) in 2020; +2 % and +4 % after.
BASE = {"11": (1200, 300, 150, 40), "12": (1500, 600, 320, 70), "13": (900, 450, 260, 60), "14": (2000, 400, 180, 50),
        "21": (1100, 330, 150, 45), "22": (1600, 720, 400, 90), "23": (1300, 260, 110, 35), "24": (1800, 540, 260, 66),
        "25": (1000, 200, 90, 30)}
SOURCE = "Stadt Beispielhausen, Kommunalstatistik, Einwohnerregister"
#: Words of other cities, of the level the city does not use, and of the concept it does not count.
FOREIGN = re.compile(r"Münster|Muenster|Berlin|Stadtteil|Migrationsvorgeschichte|Bezirksregion|\bLOR\b")


def counts(code: str, year: int) -> tuple[int, int, int, int]:
    factor = {2020: 1.0, 2021: 1.02, 2022: 1.04}[year]
    return tuple(round(v * factor) for v in BASE[code])  # type: ignore[return-value]


def make_city(root: Path) -> Path:
    """The city in `root` through the two commands a statistics office runs; returns the root."""
    shared = (context.REPOSITORY / context.SHARED_CONFIG).read_text(encoding="utf-8")
    (root / "config").mkdir(parents=True)
    (root / "config" / "monitoring.yml").write_text(shared, encoding="utf-8")
    layer = gpd.GeoDataFrame({"AREA_ID": list(CELLS), "AREA_NAME": [NAMES[c] for c in CELLS]},
                             geometry=[shapely.box(X0 + 1000 * x, Y0 + 1000 * y, X0 + 1000 * (x + 1), Y0 + 1000 * (y + 1))
                                       for x, y in CELLS.values()], crs="EPSG:25832")
    layer.to_file(root / "teile.gpkg")
    assert city_setup.main([CITY, "--grenzen", str(root / "teile.gpkg"), "--code", "AREA_ID", "--name", "AREA_NAME",
                            "--ebene", "Ortsteil", "--ebene-plural", "Ortsteile", "--eltern-praefix", "1",
                            "--gemeindeschluessel", "01001999", "--amtlicher-name", "Stadt Beispielhausen",
                            "--konzept", "migrationshintergrund", "--ordner", str(root)]) == 0
    settings = root / "config" / CITY / "city.yml"  # the two settings `stadt neu` leaves to the user
    text = settings.read_text(encoding="utf-8")
    text = text.replace('"TODO: Name der Statistikstelle der Stadt"', '"Stadt Beispielhausen, Kommunalstatistik"')
    settings.write_text(text.replace('"TODO: Datenquelle und Stand der Zahlen"', '"Einwohnerregister, Stand 31.12."'),
                        encoding="utf-8")
    # The counts as `stadt daten` stores them (its delivery checks know only Stadtteile so far), and the
    # catalogue entries `stadt daten` writes for them.
    rows = [dict(year=year, area_level="ortsteil", area_code=code, measure=measure, sex="total", origin=origin,
                 age="total", value=value, flag="", synthetic=False, source=SOURCE)
            for code in CELLS for year in (2020, 2021, 2022)
            for measure, origin, value in zip(("population", "population", "population", "unemployed"),
                                              ("total", "migration", "foreign", "total"), counts(code, year))]
    data = root / "data" / CITY
    (data / "observations").mkdir(exist_ok=True)
    pd.DataFrame(rows).to_csv(data / "observations" / "zahlen.csv", index=False)
    (data / "catalogue.yml").write_text(city_catalogue.HEADER + "\nhandlungsfelder: []\n\nindicators: []\n",
                                         encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch, pointed_at(root, root / "outputs" / CITY, patch, CITY):
        stored = observations.observations()
        found = city_catalogue.proposals(stored, "ortsteil", SOURCE, "Stadt Beispielhausen, Statistikstelle", {})
        city_catalogue.add(data / "catalogue.yml", found, levels.hierarchy().codes)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The city's report for 2022 without the PDF; returns its year folder."""
    root = make_city(tmp_path_factory.mktemp("generisch"))
    env = {k: v for k, v in context.RunContext(root=root, city=CITY).environ().items() if k != context.CITY_ENV}
    done = subprocess.run([sys.executable, "-m", "helpers", "report", "--jahr", str(YEAR), "--ohne-pdf"], env=env,
                          cwd=root, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-4000:]
    assert f"Berichtsjahr {YEAR}: 4 von 4 Kapiteln werden ausgeführt" in done.stdout
    again = subprocess.run([sys.executable, "-m", "helpers", "report", "--jahr", str(YEAR), "--ohne-pdf"], env=env,
                           cwd=root, capture_output=True, text=True, timeout=900)
    # the generated chapter files keep their checksums: a second run finds nothing to do
    assert f"Nichts zu tun: Berichtsjahr {YEAR}, 4 Kapitel" in again.stdout, again.stdout + again.stderr
    return root / "outputs" / CITY / str(YEAR)


def test_the_chapters_come_from_the_catalogue_one_per_handlungsfeld(built):
    root = built.parents[2]
    settings = config.load(root / "config" / CITY / "monitoring.yml")
    names = [c.notebook for c in settings.chapters]
    assert names == ["00_kontext.ipynb", "01_arbeit_wirtschaft.ipynb", "80_raeumliche_muster.ipynb",
                     "90_zusammenhaenge.ipynb"]
    assert [c.parameters for c in settings.chapters] == [{"handlungsfeld": "kontext"},
                                                          {"handlungsfeld": "arbeit_wirtschaft"}, {}, {}]
    folder = generic.generated_folder(root, CITY)
    assert sorted(p.name for p in folder.glob("*.ipynb")) == names
    # the two Handlungsfeld chapters run the same notebook, told apart by name and parameter
    assert (folder / names[1]).read_bytes() == (context.REPOSITORY / generic.FOLDER / generic.HANDLUNGSFELD).read_bytes()
    # the city check reads the Handlungsfeld from each chapter's parameter and looks it up in the catalogue
    ids = {"mh_anteil", "auslaender_anteil", "alo_dichte"}
    assert chapter_checks.check_chapters(root, CITY, ids, {"kontext", "arbeit_wirtschaft"}, "catalogue.yml") == []
    refused = chapter_checks.check_chapters(root, CITY, ids, {"kontext"}, "catalogue.yml")
    unknown = ("nennt das Handlungsfeld 'arbeit_wirtschaft', das der Katalog (catalogue.yml) nicht kennt. Bitte die "
               "id im Notebook berichtigen oder im Katalog ergänzen.")
    assert [(p.where.file, p.message) for p in refused] == [
        (f"outputs/{CITY}/.kapitel/01_arbeit_wirtschaft.ipynb", f"Zelle {cell}: {call} {unknown}")
        for cell, call in ((5, "opening"), (7, "recommendations"))]


def test_every_output_speaks_the_citys_words_only(built):
    files = [p for p in built.rglob("*") if p.is_file() and p.suffix in (".html", ".csv", ".ipynb", ".md", ".json")
             and ".work" not in p.parts]
    assert any(p.name == "report.html" for p in files) and any(p.parent.name == "profile" for p in files)
    assert len([p for p in files if p.suffix == ".ipynb"]) == 4
    for path in files:
        found = FOREIGN.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.relative_to(built)}: {sorted(set(found))}"
    report = (built / "report.html").read_text(encoding="utf-8")
    for own in ("Stadt Beispielhausen", "Ortsteile", "Migrationshintergrund", "Arbeit und Wirtschaft", "Räumliche Muster"):
        assert own in report, own


def test_a_share_checked_by_hand(built):
    """Share with migration background 2022: the city 3,952 of 12,896 (counts of 2020 +4 %, rounded per Ortsteil), Altmarkt 312 of 1,248."""
    city_total = sum(counts(c, 2022)[0] for c in CELLS)
    city_mig = sum(counts(c, 2022)[1] for c in CELLS)
    assert (city_mig, city_total) == (3952, 12896)
    frames = [pd.read_csv(p, dtype=str) for p in (built / "tables").glob("*.csv")]
    values = pd.concat([f for f in frames if {"indicator", "area_code", "year", "value"} <= set(f.columns)])
    share = values[(values["indicator"] == "mh_anteil") & (values["year"] == str(YEAR)) & (values["group"] == "total")]
    by_area = dict(zip(share["area_code"], share["value"].astype(float)))
    assert by_area["11"] == pytest.approx(100 * 312 / 1248, abs=0.05)  # 25,0 %
    city_code = next(code for code in by_area if len(code) == 8)
    assert by_area[city_code] == pytest.approx(100 * 3952 / 12896, abs=0.05)  # 30,6 %
    assert "30,6" in (built / "report.html").read_text(encoding="utf-8")



def test_the_stadtbezirke_have_a_table_in_every_indicator_section(built):
    """Every declared level in the report (issue 31): Stadtbezirk 2 = Ortsteile 21–25, 2022 with migration
    background 343 + 749 + 270 + 562 + 208 = 2,132 of 1,144 + 1,664 + 1,352 + 1,872 + 1,040 = 7,072 residents, 30,1 %."""
    assert sum(counts(c, 2022)[1] for c in CELLS if c.startswith("2")) == 2132
    assert sum(counts(c, 2022)[0] for c in CELLS if c.startswith("2")) == 7072
    report = (built / "report.html").read_text(encoding="utf-8")
    caption = "<caption>Anteil der Einwohner/-innen mit Migrationshintergrund nach Stadtbezirken, 2022</caption>"
    assert caption in report
    table = report[report.index(caption):report.index("</table>", report.index(caption))]
    assert re.search(r"<tr><td>2( [^<]*)?</td><td>30,1\xa0%</td></tr>", table), table
    assert "<td>Stadt Beispielhausen</td><td>30,6\xa0%</td>" in table
    # no Stadtbezirk map: the Ortsteil map of the same year shows more (helpers.sections.blocks._add_level)
    assert 'alt="Karte: Anteil der Einwohner/-innen mit Migrationshintergrund, 2022, nach Stadtbezirken.' not in report


def test_a_city_with_its_own_notebooks_keeps_them():
    for city in ("muenster", "berlin"):
        where = context.REPOSITORY / "config" / city / "monitoring.yml"
        assert config.generic_chapters(where) is None
        listed = [c.notebook for c in config.load(where).chapters]
        assert listed == [line.split(":", 1)[1].strip() for line in where.read_text(encoding="utf-8").splitlines()
                          if line.strip().startswith("- notebook:")]


def test_chapters_listed_without_notebooks_are_refused_saying_why(tmp_path):
    (tmp_path / "config" / "ohne").mkdir(parents=True)
    where = tmp_path / "config" / "ohne" / "monitoring.yml"
    where.write_text("chapters:\n  - {notebook: 00_kontext_bevoelkerung.ipynb}\n", encoding="utf-8")
    assert not config.load(where).generic  # the file's list, not the catalogue's chapters
    with pytest.raises(config.ConfigError, match=re.escape(
            "Kapitel-Notebook(s) 00_kontext_bevoelkerung.ipynb gibt es nicht: Die Stadt hat keinen eigenen Ordner "
            "notebooks/<stadt>/. Ohne 'chapters' bekommt sie die allgemeinen Kapitel aus ihrem Katalog")):
        config.chapters(generic.generated_folder(tmp_path, "ohne"), where)
    found = chapter_checks.check_chapters(tmp_path, "ohne", set(), set(), "catalogue.yml")
    assert [p.message for p in found] == [
        "Kapitel 00_kontext_bevoelkerung.ipynb („“): Die Stadt hat keinen eigenen Ordner notebooks/ohne/. Ohne "
        "'chapters' bekommt sie die allgemeinen Kapitel aus ihrem Katalog; bitte 'chapters' entfernen oder die "
        "Notebooks in notebooks/ohne/ anlegen."]


def test_the_generic_notebooks_name_no_city():
    for path in (context.REPOSITORY / generic.FOLDER).glob("*.ipynb"):
        found = FOREIGN.findall(json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False))
        assert not found, f"{path.name}: {found}"


CATALOGUE = """\
handlungsfelder:
  - {id: lage, name: Bevölkerung, category: Kontext, aim: a}
  - {id: arbeit, name: Arbeit, category: Handlungsfeld, aim: b}
  - {id: leer, name: Ohne Indikatoren, category: Handlungsfeld, aim: c}
  - {id: wohnen, name: Wohnen, category: Handlungsfeld, aim: d}
indicators:
  - {id: a_anteil, handlungsfeld: lage}
  - {id: b_dichte, handlungsfeld: wohnen}
  - {id: c_dichte, handlungsfeld: arbeit}
"""


def test_one_chapter_per_handlungsfeld_with_indicators_each_its_own_file(tmp_path):
    (tmp_path / "catalogue.yml").write_text(CATALOGUE, encoding="utf-8")
    chapters = generic.entries(tmp_path / "catalogue.yml")
    assert [(name, title, parameters) for name, title, parameters, _ in chapters] == [
        ("00_lage.ipynb", "Bevölkerung", {"handlungsfeld": "lage"}),
        ("01_arbeit.ipynb", "Arbeit", {"handlungsfeld": "arbeit"}),  # "leer" has no indicator: no chapter
        ("02_wohnen.ipynb", "Wohnen", {"handlungsfeld": "wohnen"}),
        ("80_raeumliche_muster.ipynb", "Räumliche Muster", {}),
        ("90_zusammenhaenge.ipynb", "Zusammenhänge zwischen Indikatoren", {})]
    folder = tmp_path / "kapitel"
    generic.materialise(context.REPOSITORY, folder, chapters)
    written = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.ipynb")}
    assert sorted(written) == [name for name, *_ in chapters]
    generic.materialise(context.REPOSITORY, folder, chapters[1:4])  # the catalogue lost its context field
    assert sorted(p.name for p in folder.glob("*.ipynb")) == [name for name, *_ in chapters[1:4]]
    assert all(written[p.name] == p.stat().st_mtime_ns for p in folder.glob("*.ipynb"))  # unchanged: not rewritten
    (tmp_path / "catalogue.yml").write_text(CATALOGUE.replace("  - {id: b_dichte, handlungsfeld: wohnen}\n", "")
                                            .replace("  - {id: c_dichte, handlungsfeld: arbeit}\n", ""), encoding="utf-8")
    assert [name for name, *_ in generic.entries(tmp_path / "catalogue.yml")] == ["00_lage.ipynb",
                                                                                   "80_raeumliche_muster.ipynb"]


def test_a_chapter_title_comes_from_a_markdown_output_only_without_a_heading_cell():
    import nbformat

    from helpers.publish import stitch

    said = nbformat.v4.new_code_cell("generic_text.context_opening('kontext')")
    said.outputs = [nbformat.v4.new_output("display_data", {"text/markdown": "# Bevölkerung mit X\n\nWer lebt …"})]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("<!-- allgemein -->"), said])
    assert stitch.chapter_title(nb, "00_kontext") == "Bevölkerung mit X"
    nb.cells.append(nbformat.v4.new_markdown_cell("# Eigene Überschrift"))
    assert stitch.chapter_title(nb, "00_kontext") == "Eigene Überschrift"  # a written heading wins, as before
    assert stitch.chapter_title(nbformat.v4.new_notebook(), "00_kontext") == "00_kontext"
