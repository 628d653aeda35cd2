"""Texts free of one city's assumptions: the intake, the delivery templates and the report's own pages take
the city's declared levels, concept and reference date (config/<city>/city.yml), and the title page's date
is the data's.

The made-up city "Stadt Beispielheim" counts by Ortsteil (1-4) in Ortsbezirke (10: 1 and 2; 20: 3 and 4),
with the Migrationshintergrund on 30.06.; Berlin's levels are Bezirksregion, Prognoseraum and Bezirk.
Münster's words stay as they were.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from helpers.core import catalogue, context
from helpers.core import city as city_profile
from helpers.intake import cells, city_files, templates, validation
from helpers.intake.area_cells import AreaError, parse_area
from helpers.intake.cells import CellError
from helpers.intake.delivery_context import Context
from helpers.intake.problems import report
from helpers.publish import stitch
from helpers.sections import correlation_wording
from roots import mh_catalogue, new_city, point, pointed_at

CITY = "beispielheim"
CITY_YML = """\
concept: Migrationshintergrund
reference_date: "30.06."
levels:
  - {level: ortsteil, name: Ortsteil, plural: Ortsteile}
  - {level: ortsbezirk, name: Ortsbezirk, plural: Ortsbezirke}
"""
MONITORING_YML = """\
chapters:
  - {notebook: 00_kontext.ipynb, title: Bevölkerung mit Migrationshintergrund}
"""
AREAS = """\
level,code,name,parent_level,parent_code,aliases
ortsteil,1,Nordost,ortsbezirk,10,
ortsteil,2,Nordwest,ortsbezirk,10,
ortsteil,3,Südost,ortsbezirk,20,
ortsteil,4,Südwest,ortsbezirk,20,
ortsbezirk,10,Nord,stadt,09999002,
ortsbezirk,20,Süd,stadt,09999002,
stadt,09999002,Stadt Beispielheim,,,
"""
CATALOGUE = mh_catalogue("ortsteil", "Bevölkerung mit Migrationshintergrund", reference="30.06.", foreigners=True)
#: Ortsteil -> (residents, with migration background, foreigners) in 2020, the newest year stored.
COUNTS = {"1": (1000, 400, 100), "2": (2000, 300, 150), "3": (1500, 600, 200), "4": (900, 50, 20)}
#: Words of Münster's texts that the made-up city's must not contain.
FOREIGN = ("Stadtteil", "Stadtbezirk", "Teilbereich", "Münster", "45", "Migrationsvorgeschichte", "31.12.")


def write_city(root: Path, profile: str = CITY_YML) -> Path:
    data = new_city(root, CITY, MONITORING_YML, profile)
    (data / "observations").mkdir()
    (data / "areas.csv").write_text(AREAS, encoding="utf-8")
    (data / "catalogue.yml").write_text(CATALOGUE, encoding="utf-8")
    rows = [dict(year=2020, area_level="ortsteil", area_code=code, measure="population", sex="total", origin=origin,
                 age="total", value=value, flag="", synthetic=False, source="Testquelle")
            for code, counts in COUNTS.items() for origin, value in zip(("total", "migration", "foreign"), counts)]
    pd.DataFrame(rows).to_csv(data / "observations" / "test.csv", index=False)
    return root


@pytest.fixture(scope="module")
def city_root(tmp_path_factory) -> Path:
    return write_city(tmp_path_factory.mktemp("beispielheim"))


@pytest.fixture
def city(city_root, tmp_path, monkeypatch):
    with pointed_at(city_root, tmp_path / "outputs", monkeypatch) as root:
        yield root


@pytest.fixture
def berlin(tmp_path, monkeypatch):
    with pointed_at(context.REPOSITORY, tmp_path / "outputs", monkeypatch, city="berlin") as root:
        yield root


def _context() -> Context:
    return Context.load(pd.DataFrame({"measure": pd.Series([], dtype=str)}))


def _area(level, code, name="") -> tuple[str, str]:
    cell = {"area_level": level, "area_code": code, "area_name": name}.get
    roles = {"area_code": 1, "area_name": 2} | ({"area_level": 0} if level is not None else {})
    return parse_area(cell, roles, _context())


def _csv(folder: Path, lines: list[str], level: bool = True) -> Path:
    path = folder / ("mit_ebene.csv" if level else "ohne_ebene.csv")
    header = "Jahr;Ebene;Gebiet-Nr;Gebiet;Merkmal;Geschlecht;Herkunft;Alter;Wert;Zeichen"
    path.write_text("\n".join([header if level else header.replace("Ebene;", ""), *lines]) + "\n", encoding="utf-8")
    return path


# --- the intake: the city's levels -----------------------------------------------------------------

def test_muenster_keeps_its_level_words():
    assert cells.level_names() == {"stadtteil": "Stadtteil", "teilbereich": "Teilbereich",
                                   "stadtbezirk": "Stadtbezirk", "stadt": "Stadt", "unzugeordnet": "nicht zuzuordnen"}
    assert [cells.parse_level(w) for w in ("Stadtteil", "Statistischer Bezirk", "Bezirk", "Teilbereich",
                                           "Münster", "Gesamtstadt", "ohne Zuordnung")] == [
        "stadtteil", "stadtteil", "stadtbezirk", "teilbereich", "stadt", "stadt", "unzugeordnet"]
    with pytest.raises(CellError) as err:
        cells.parse_level("Ortsteil")
    assert err.value.expected == "Stadtteil, Teilbereich, Stadtbezirk, Stadt, nicht zuzuordnen"
    with pytest.raises(AreaError) as err:
        _area(None, "99")
    assert err.value.error.what == ("unbekannte Gebiet-Nr; für Stadtbezirke, Teilbereiche und „nicht zuzuordnen“ "
                                    "die Spalte „Ebene“ angeben")


def test_berlin_deliveries_name_berlins_levels(berlin):
    assert cells.level_names() == {"bezirksregion": "Bezirksregion", "prognoseraum": "Prognoseraum", "bezirk": "Bezirk",
                                   "stadt": "Stadt", "unzugeordnet": "nicht zuzuordnen"}
    assert [cells.parse_level(w) for w in ("Bezirksregion", "Prognoseräume", "Bezirk", "Berlin")] == [
        "bezirksregion", "prognoseraum", "bezirk", "stadt"]
    with pytest.raises(CellError) as err:
        cells.parse_level("Stadtbezirk")
    assert err.value.expected == "Bezirksregion, Prognoseraum, Bezirk, Stadt, nicht zuzuordnen"
    # a number without „Ebene“ is a Bezirksregion's, with its leading zero even where Excel dropped it
    assert _area(None, "010111") == _area(None, 10111) == ("bezirksregion", "010111")
    assert _area("Bezirk", "01")[0] == "bezirk"
    assert _context().label("bezirk", "01").startswith("Bezirk 01 ")
    with pytest.raises(AreaError) as err:
        _area(None, "999999")
    assert err.value.error.what == ("unbekannte Gebiet-Nr; für Bezirke, Prognoseräume und „nicht zuzuordnen“ "
                                    "die Spalte „Ebene“ angeben")


def test_a_made_up_city_delivers_by_its_own_levels(city, tmp_path):
    assert _area(None, "3") == ("ortsteil", "3")
    assert _area("Ortsbezirk", "10") == ("ortsbezirk", "10")
    assert _area("Ortsbezirke", "", "Süd") == ("ortsbezirk", "20")
    without = _csv(tmp_path, ["2020;10;;population;insgesamt;insgesamt;insgesamt;5;",
                              "2020;;;population;insgesamt;insgesamt;insgesamt;5;"], level=False)
    text = report(validation.validate(without, _context()).problems)
    assert "unbekannte Gebiet-Nr; für Ortsbezirke und „nicht zuzuordnen“ die Spalte „Ebene“ angeben" in text
    assert "die Ortsteil-Nummer (bzw. Gebiet-Nr mit Ebene)" in text
    refused = _csv(tmp_path, ["2020;Stadtteil;3;;population;insgesamt;insgesamt;insgesamt;5;",
                              "2020;Ortsbezirk;30;;population;insgesamt;insgesamt;insgesamt;5;"])
    text += report(validation.validate(refused, _context()).problems)
    assert "Erwartet: Ortsteil, Ortsbezirk, Stadt, nicht zuzuordnen" in text  # what „Ebene“ may say
    assert "unbekannte Gebiet-Nr auf der Ebene Ortsbezirk" in text
    # the sums: 1000 + 2000 are not 3500; the city has no „nicht zuzuordnen“ row
    summed = _csv(tmp_path, ["2020;Ortsteil;1;Nordost;population;insgesamt;insgesamt;insgesamt;1000;",
                             "2020;Ortsteil;2;Nordwest;population;insgesamt;insgesamt;insgesamt;2000;",
                             "2020;Ortsbezirk;10;Nord;population;insgesamt;insgesamt;insgesamt;3500;",
                             "2020;Ortsteil;3;;population;insgesamt;insgesamt;insgesamt;1500;",
                             "2020;Ortsteil;4;;population;insgesamt;insgesamt;insgesamt;900;",
                             "2020;Stadt;09999002;;population;insgesamt;insgesamt;insgesamt;5000;"])
    text = report(validation.validate(summed, _context()).problems)
    assert "Summe der 2 Ortsteile stimmt nicht mit dem Wert für Ortsbezirk 10 Nord überein" in text
    assert "3.500, Summe der 2 Ortsteile: 3.000 (Differenz 500)" in text
    assert "Summe der 4 Ortsteile stimmt nicht mit dem Wert für Stadt Beispielheim überein" in text
    assert "Personen ohne Ortsteil als Zeile mit Ebene „nicht zuzuordnen“ liefern" in text
    for word in FOREIGN[:4]:
        assert word not in text, word


# --- the delivery templates ------------------------------------------------------------------------

def _cells(path: Path) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in book.worksheets}


def test_muenster_templates_keep_their_words(tmp_path):
    [path] = [p for p in templates.write_all(2018, tmp_path) if "Statistik" in p.name]
    sheets = _cells(path)
    explained = dict((r[0], r[1]) for r in sheets["Erläuterung"])
    assert explained["Ebene"] == ("Gebietsebene: Stadtteil, Teilbereich, Stadtbezirk, Stadt, nicht zuzuordnen. "
                                  "Ohne diese Spalte ist die Gebiet-Nr eine Stadtteil-Nummer.")
    assert explained["Jahr"].startswith("Jahr, für das die Werte gelten (Stichtag 31.12.), vierstellig;")
    assert explained["Herkunft"] == "insgesamt, Ausländer/-innen, mit Migrationsvorgeschichte usw. wie vorbelegt."
    assert "(45 Stadtteile und Stadt)" in explained["population"]
    assert "die Stadt ist die Summe der Stadtteile und dieser Zeile" in explained["So geht es"]
    assert dict((r[0], r[1]) for r in sheets["Angaben"])["Stichtag"] == "31.12.2018"
    assert {r[1] for r in sheets["Daten"][1:]} == {"Stadtteil", "Stadt"}


def test_a_made_up_citys_template_speaks_its_words(city, tmp_path):
    [path] = templates.write_all(2021, tmp_path)
    sheets = _cells(path)
    explained = dict((r[0], r[1]) for r in sheets["Erläuterung"])
    assert explained["Ebene"] == ("Gebietsebene: Ortsteil, Ortsbezirk, Stadt, nicht zuzuordnen. "
                                  "Ohne diese Spalte ist die Gebiet-Nr eine Ortsteil-Nummer.")
    assert explained["Jahr"].startswith("Jahr, für das die Werte gelten (Stichtag 30.06.), vierstellig;")
    assert explained["Herkunft"] == "insgesamt, Ausländer/-innen, mit Migrationshintergrund usw. wie vorbelegt."
    assert "(4 Ortsteile und Stadt)" in explained["population"]
    assert "Personen, die keinem Ortsteil zugeordnet" in explained["So geht es"]
    assert "Ortsteile ≠ Stadt" in explained["Prüfung beim Einlesen"]
    assert dict((r[0], r[1]) for r in sheets["Angaben"])["Stichtag"] == "30.06.2021"
    data = sheets["Daten"][1:]
    assert [(r[1], r[2]) for r in data[:5]] == [("Ortsteil", "1"), ("Ortsteil", "2"), ("Ortsteil", "3"),
                                                ("Ortsteil", "4"), ("Stadt", "09999002")]
    text = " ".join(str(c) for rows in sheets.values() for row in rows for c in row if c is not None)
    for word in FOREIGN:
        assert word not in text, word


def test_a_filled_template_of_the_made_up_city_passes_the_intake(city, tmp_path):
    [path] = templates.write_all(2021, tmp_path)
    book = openpyxl.load_workbook(path)
    sheet = book["Daten"]
    for (value_cell,) in sheet.iter_rows(min_row=2, min_col=10, max_col=10):
        value_cell.value = "."
    book.save(path)
    assert validation.validate(path, _context()).problems == []


# --- the report's own pages ------------------------------------------------------------------------

def _pages() -> str:
    notes = (*stitch.METHODS, stitch.SUMMARY)
    stand_label, stand = stitch.report_stand(2021)
    return " ".join([stitch.title_page(2021, 2020, stand, stand_label), stitch.reading_guide(notes),
                     stitch.table_of_contents([("kapitel-1", "Bevölkerung")]), stitch.closing_pages(notes),
                     correlation_wording.caveat("Ortsteile", pd.Series([4, 4]))])


def test_a_made_up_citys_pages_use_its_levels_concept_and_examples(city):
    pages = _pages()
    for word in FOREIGN:
        assert word not in pages, word
    for word in ("Ortsteile", "Ortsbezirke", "Migrationshintergrund"):
        assert word in pages, word
    # the ecological fallacy on two of the city's own indicators, not on unemployment it does not count
    assert ("Dass Ortsteile mit hohen Werten für „Anteil der Bevölkerung mit Migrationshintergrund“ auch hohe Werte "
            "für „Anteil der Ausländerinnen und Ausländer“ haben, heißt nicht, dass dasselbe für die einzelnen "
            "Menschen gilt (ökologischer Fehlschluss). Mit 4 Gebieten") in pages
    assert "Arbeitslos" not in pages


def test_the_title_page_gives_the_datenstand_of_the_newest_year_shown(city):
    # report year 2021, newest counts 2020, counted on 30.06.
    assert stitch.report_stand(2021) == ("Datenstand", "30.06.2020")
    assert stitch.report_stand(2019) == ("Datenstand", "30.06.2019")  # no counts yet: the report year's date
    assert "<dt>Datenstand</dt><dd>30.06.2020</dd>" in _pages()


def test_a_city_may_set_the_stand_itself(tmp_path, monkeypatch):
    root = write_city(tmp_path / "gesetzt", CITY_YML + 'stand: "15.03.2022"\n')
    with pointed_at(root, tmp_path / "outputs", monkeypatch):
        assert stitch.report_stand(2021) == ("Stand", "15.03.2022")
        assert "<dt>Stand</dt><dd>15.03.2022</dd>" in _pages()


@pytest.mark.parametrize("stand", ["2022-03-15", "15.3.2022", "Frühjahr 2022"])
def test_a_stand_that_is_no_date_is_refused(stand, tmp_path):
    with pytest.raises(city_profile.CityConfigError, match="'stand' ist .*TT.MM.JJJJ"):
        city_profile.parse(f"stand: {stand}\n", tmp_path / "city.yml", "Stadt X")
    assert city_profile.parse('stand: "März 2022"\n', tmp_path / "city.yml", "Stadt X").stand == "März 2022"


def test_muenster_and_berlin_show_the_data_of_their_report_year(monkeypatch, tmp_path):
    assert stitch.report_stand(2019) == ("Datenstand", "31.12.2019")
    point(monkeypatch, context.REPOSITORY, tmp_path, city="berlin")
    assert stitch.report_stand(2024) == ("Datenstand", "31.12.2024")


def test_muensters_correlation_caveat_keeps_its_unemployment_example():
    text = correlation_wording.caveat("Stadtteile", pd.Series([45, 45]))
    assert ("Dass Stadtteile mit hohem Anteil von Menschen mit Migrationsvorgeschichte auch mehr Arbeitslose haben, "
            "heißt nicht, dass Menschen mit Migrationsvorgeschichte häufiger arbeitslos sind (ökologischer "
            "Fehlschluss). Mit 45 Gebieten") in text


def test_a_catalogue_of_one_indicator_gives_the_plain_example(city):
    one = dataclasses.replace(catalogue.load(), indicators=catalogue.load().indicators[:1])
    assert correlation_wording.example_sentence("Ortsteile", one) == (
        "Dass Ortsteile mit hohen Werten des einen Indikators auch hohe Werte des anderen haben, heißt nicht, dass "
        "dasselbe für die einzelnen Menschen gilt (ökologischer Fehlschluss).")


def test_stadt_neu_writes_the_stand_setting_commented_out():
    text = city_files.city_yml("flensburg", "Migrationshintergrund", "31.12.", city_files.LevelNames("Ortsteil", "Ortsteile"),
                               None, "Stadt X: Grenzen")
    where = Path("config/flensburg/city.yml")
    assert city_profile.parse(text, where, "Stadt X").stand == ""  # the title page gives the Datenstand
    assert city_profile.parse(text.replace('# stand: "', 'stand: "'), where, "Stadt X").stand == "15.03.2024"
