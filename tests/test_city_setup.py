"""What a new city gets wrong, refused before any kernel: the city check's report checks and its gate before a build.

The made-up city "Stadt Zweinamen" has Stadtteile in Stadtbezirke, and one name on both levels, as in
the issue that asked for this: Stadtteil Kalk (11) lies in Stadtbezirk Kalk (1) beside Stadtteil
Humboldt (12). Counts of 2020, summed by hand:

    Stadtteil Kalk       579 of 1000 with migration background  57,9 %
    Stadtteil Humboldt   383 of 1000                            38,3 %
    Stadtbezirk Kalk     962 of 2000                            48,1 %

One chapter notebook uses the indicator, the Handlungsfeld and a list of indicators from its
parameters cell; one staff text cites a number. Each test breaks one thing in a fresh copy.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import nbformat
import pandas as pd
import pytest
import shapely

from helpers import cli
from helpers.core import context, paths, texts
from helpers.core.problems import Severity
from helpers.disclosure import citations
from helpers.intake import citycheck, citygate
from helpers.runner import gates
from roots import mh_catalogue, new_city, pointed_at

CITY = "zweinamen"
CITY_YML = """\
concept: Migrationshintergrund
levels:
  - {level: stadtteil, name: Stadtteil, plural: Stadtteile, boundaries: stadtteile}
  - {level: stadtbezirk, name: Stadtbezirk, plural: Stadtbezirke, boundaries: stadtbezirke}
terms:
  - {match: Zweinamen, terms: Datenlizenz Deutschland – Namensnennung – 2.0}
"""
MONITORING_YML = """\
chapters:
  - {notebook: 00_kontext.ipynb, title: Bevölkerung}
"""
AREAS = """\
level,code,name,parent_level,parent_code,aliases
stadtteil,11,Kalk,stadtbezirk,1,
stadtteil,12,Humboldt,stadtbezirk,1,
stadtteil,21,Poll,stadtbezirk,2,
stadtteil,22,Deutz,stadtbezirk,2,
stadtbezirk,1,Kalk,stadt,09999002,
stadtbezirk,2,Innenstadt,stadt,09999002,
stadt,09999002,Stadt Zweinamen,,,
"""
COUNTS = {"11": (1000, 579), "12": (1000, 383), "21": (1000, 200), "22": (1000, 300)}
CATALOGUE = mh_catalogue("stadtteil", "Bevölkerung")
CELLS = ('report_year = None\nindikatoren = ["mh_anteil"]',
         'blocks.opening("kontext", report_year)',
         'blocks.indicator_section("mh_anteil", report_year)',
         "explorer.correlation_section(indikatoren, report_year)")
TEXT = "---\nstatus: freigegeben\n---\nIn Humboldt lag der Anteil bei {{mh_anteil 2020 Humboldt}}.\n"
NOTEBOOK = Path("notebooks") / CITY / "00_kontext.ipynb"


def write_notebook(path: Path, cells: tuple[str, ...] = CELLS) -> None:
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    book.cells[0].metadata["tags"] = ["parameters"]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(book, path)


#: Where the test city's squares lie (metres, EPSG:25832): in Germany.
IN_GERMANY = (400_000, 5_750_000)


def write_city(root: Path) -> Path:
    """Stadt Zweinamen in `root` (its default city)."""
    data = new_city(root, CITY, MONITORING_YML, CITY_YML)
    (data / "areas.csv").write_text(AREAS, encoding="utf-8")
    (data / "catalogue.yml").write_text(CATALOGUE, encoding="utf-8")
    (data / "geo").mkdir()
    corners = {"11": (0, 1000), "12": (1000, 1000), "21": (0, 0), "22": (1000, 0)}
    # placed in Germany (near Münster), as check-city asks of every city's boundaries
    teile = gpd.GeoSeries([shapely.box(x, y, x + 1000, y + 1000) for x, y in corners.values()]).translate(*IN_GERMANY)
    gpd.GeoDataFrame({"code": list(corners)}, geometry=teile.values,
                     crs="EPSG:25832").to_file(data / "geo" / "stadtteile.geojson", driver="GeoJSON")
    bezirke = gpd.GeoSeries([shapely.box(0, 1000, 2000, 2000), shapely.box(0, 0, 2000, 1000)]).translate(*IN_GERMANY)
    gpd.GeoDataFrame({"code": ["1", "2"]}, geometry=bezirke.values,
                     crs="EPSG:25832").to_file(data / "geo" / "stadtbezirke.geojson", driver="GeoJSON")
    rows = [dict(year=2020, area_level="stadtteil", area_code=code, measure="population", sex="total", origin=origin,
                 age="total", value=value, flag="", synthetic=False, source="Testquelle")
            for code, (total, migration) in COUNTS.items() for origin, value in (("total", total), ("migration", migration))]
    (data / "observations").mkdir()
    pd.DataFrame(rows).to_csv(data / "observations" / "test.csv", index=False)
    (data / "texte" / "2020").mkdir(parents=True)
    (data / "texte" / "2020" / "einleitung.md").write_text(TEXT, encoding="utf-8")
    write_notebook(root / NOTEBOOK)
    return root


@pytest.fixture(scope="module")
def made_up(tmp_path_factory) -> Path:
    return write_city(tmp_path_factory.mktemp("zweinamen"))


@pytest.fixture
def city(made_up, tmp_path) -> Path:
    """A fresh copy of the made-up city to break."""
    shutil.copytree(made_up, tmp_path / "stadt")
    return tmp_path / "stadt"


@pytest.fixture
def pointed(city, monkeypatch) -> Path:
    """helpers.core.paths pointed at the fresh copy (outputs in its outputs/zweinamen/)."""
    with pointed_at(city, city / "outputs" / CITY, monkeypatch) as root:
        yield root


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_made_up_city_passes_with_a_warning_about_kalk(made_up):
    problems = citycheck.check(made_up, CITY)
    assert [(p.severity, str(p)) for p in problems] == [(Severity.WARNING, (
        "data/zweinamen/areas.csv, Spalte name: 1 Name(n) gibt es auf zwei Ebenen: Kalk (Stadtteil, Stadtbezirk). Ein "
        "Platzhalter in den Texten muss bei diesen Namen die Ebene nennen, z. B. {{indikator Stadtteil Kalk}}; ohne sie "
        "wird er abgelehnt."))]


def _missing_notebook(root: Path) -> None:
    _replace(root / "config" / CITY / "monitoring.yml", "title: Bevölkerung}",
             "title: Bevölkerung}\n  - {notebook: 01_wohnen.ipynb, title: Wohnen}")


def _unknown_id_in_a_call(root: Path) -> None:
    write_notebook(root / NOTEBOOK, (*CELLS[:2], 'blocks.indicator_section("mh_antiel", report_year)', CELLS[3]))


def _unknown_id_in_the_parameters(root: Path) -> None:
    _replace(root / "config" / CITY / "monitoring.yml", "title: Bevölkerung}",
             "title: Bevölkerung, parameters: {indikatoren: [mh_anteil, 'alo_dichte:foreign']}}")


def _unknown_handlungsfeld(root: Path) -> None:
    write_notebook(root / NOTEBOOK, (CELLS[0], 'blocks.opening(hf_id="wohnen")', *CELLS[2:]))


def _unknown_id_in_a_text(root: Path) -> None:
    _replace(root / "data" / CITY / "texte" / "2020" / "einleitung.md", "{{mh_anteil 2020", "{{mv_anteil 2020")


def _missing_parent(root: Path) -> None:
    _replace(root / "data" / CITY / "areas.csv", "stadtbezirk,1,Kalk,stadt,09999002,\n", "")


def _unknown_measure(root: Path) -> None:
    path = root / "data" / CITY / "observations" / "test.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[len(frame)] = frame.loc[0].to_dict() | {"measure": "einwohner"}
    frame.to_csv(path, index=False)


MISTAKES = {
    "missing notebook": (_missing_notebook, [
        "config/zweinamen/monitoring.yml, Spalte chapters: Kapitel 01_wohnen.ipynb („Wohnen“) hat kein Notebook in "
        "notebooks/zweinamen/. Bitte das Notebook anlegen oder den Eintrag entfernen."]),
    "unknown indicator id": (_unknown_id_in_a_call, [
        "notebooks/zweinamen/00_kontext.ipynb: Zelle 3: indicator_section nennt den Indikator 'mh_antiel', den der "
        "Katalog (data/zweinamen/catalogue.yml) nicht kennt. Meinten Sie mh_anteil? Bitte die id im Notebook "
        "berichtigen oder im Katalog ergänzen."]),
    "unknown id from monitoring.yml's parameters": (_unknown_id_in_the_parameters, [
        "notebooks/zweinamen/00_kontext.ipynb: Zelle 4: correlation_section nennt den Indikator 'alo_dichte', den der "
        "Katalog (data/zweinamen/catalogue.yml) nicht kennt. Bitte die id im Notebook berichtigen oder im Katalog "
        "ergänzen."]),
    "unknown Handlungsfeld": (_unknown_handlungsfeld, [
        "notebooks/zweinamen/00_kontext.ipynb: Zelle 2: opening nennt das Handlungsfeld 'wohnen', das der Katalog "
        "(data/zweinamen/catalogue.yml) nicht kennt. Bitte die id im Notebook berichtigen oder im Katalog ergänzen."]),
    "unknown indicator in a text": (_unknown_id_in_a_text, [
        "data/zweinamen/texte/2020/einleitung.md, Zeile 4: {{mv_anteil 2020 Humboldt}}: Indikator 'mv_anteil' steht "
        "nicht im Katalog (data/zweinamen/catalogue.yml). Meinten Sie mh_anteil? Bitte den Platzhalter berichtigen."]),
    "missing parent": (_missing_parent, [
        "data/zweinamen/areas.csv, Zeile 2, Spalte parent_code: stadtteil 11 (Kalk) gehört laut Datei zu stadtbezirk 1, "
        "das es nicht gibt. Bitte das übergeordnete Gebiet ergänzen oder den Verweis berichtigen.",
        "data/zweinamen/areas.csv, Zeile 3, Spalte parent_code: stadtteil 12 (Humboldt) gehört laut Datei zu "
        "stadtbezirk 1, das es nicht gibt. Bitte das übergeordnete Gebiet ergänzen oder den Verweis berichtigen.",
        "data/zweinamen/geo/stadtbezirke.geojson, Zeile 1, Spalte code: Fläche 1 ist kein Gebiet der Ebene stadtbezirk "
        "in data/zweinamen/areas.csv."]),
    "unknown measure": (_unknown_measure, [
        "data/zweinamen/catalogue.yml, Spalte measures: Merkmal 'einwohner' steht in den Beobachtungen "
        "(data/zweinamen/observations/), aber nicht im Katalog (Abschnitt measures, mit deutschem Namen). Bitte "
        "„einwohner: …“ ergänzen oder das Merkmal in den Daten berichtigen."]),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_is_an_error_with_file_place_and_what_to_do(city, mistake):
    breaking, expected = MISTAKES[mistake]
    breaking(city)
    assert [str(p) for p in citycheck.errors(citycheck.check(city, CITY))] == expected


def test_a_missing_parent_stadtbezirk_is_caught_however_the_file_says_it(city):
    """The issue's case: a Stadtteil whose Stadtbezirk is not in areas.csv would be published as an area "1"
    without a name. Also when the Stadtteil names no parent at all."""
    _replace(city / "data" / CITY / "areas.csv", "stadtteil,21,Poll,stadtbezirk,2,", "stadtteil,21,Poll,,,")
    assert [str(p) for p in citycheck.errors(citycheck.check(city, CITY))] == [
        "data/zweinamen/areas.csv, Zeile 4, Spalte parent_level: stadtteil 21 (Poll) hat die übergeordnete Ebene "
        "'(leer)'; nach config/zweinamen/city.yml erwartet: stadtbezirk."]


def _text(root: Path, line: str) -> texts.StaffText:
    path = root / "data" / CITY / "texte" / "2020" / "einleitung.md"
    path.write_text(f"---\nstatus: freigegeben\n---\n{line}\n", encoding="utf-8")
    return texts.read(path, "einleitung", "", 2020)


AMBIGUOUS = ("data/zweinamen/texte/2020/einleitung.md, Zeile 4: {{mh_anteil 2020 Kalk}}: Kalk ist Stadtteil (57,9\u00a0%) und "
             "Stadtbezirk (48,1\u00a0%) — bitte {{mh_anteil 2020 Stadtteil Kalk}} oder {{mh_anteil 2020 Stadtbezirk Kalk}} "
             "schreiben (ein Name, den es auf zwei Ebenen gibt, braucht die Ebene).")


def test_a_name_on_two_levels_is_refused_with_both_candidates(pointed):
    text = _text(pointed, "Kalk: {{mh_anteil 2020 Kalk}}.")
    with pytest.raises(texts.TextError) as refused:
        citations.references(text)
    assert str(refused.value).endswith(AMBIGUOUS)


def test_the_runner_refuses_the_ambiguous_text_before_any_kernel(pointed, capsys):
    _text(pointed, "Kalk: {{mh_anteil 2020 Kalk}}.")
    assert gates.texts_refused(2020) is True
    assert capsys.readouterr().err.strip().endswith(AMBIGUOUS)


@pytest.mark.parametrize(("written", "level", "value", "shown"), [
    ("mh_anteil 2020 Stadtteil Kalk", "stadtteil", 57.9, "57,9\u00a0%"),
    ("mh_anteil 2020 Stadtbezirk Kalk", "stadtbezirk", 48.1, "48,1\u00a0%"),
    ("mh_anteil 2020 stadtbezirk Kalk", "stadtbezirk", 48.1, "48,1\u00a0%"),  # the level's code, as in areas.csv
    ("mh_anteil 2020 Humboldt", "stadtteil", 38.3, "38,3\u00a0%"),  # one level only: no level needed
    ("mh_anteil 2020 Stadtteil Humboldt", "stadtteil", 38.3, "38,3\u00a0%"),
])
def test_a_placeholder_with_the_level_cites_that_level(pointed, written, level, value, shown):
    ref = citations.reference(_text(pointed, "x"), 4, written)
    citation = citations.resolve(ref)
    assert (ref.level, round(citation.value, 1), citation.rendered()) == (level, value, shown)


def test_a_level_without_that_area_is_refused(pointed):
    with pytest.raises(texts.TextError, match="Gebiet 'Humboldt' ist als Stadtbezirk unbekannt."):
        citations.reference(_text(pointed, "x"), 4, "mh_anteil 2020 Stadtbezirk Humboldt")


# --- the gate before a build ------------------------------------------------------------------------------


def test_the_gate_remembers_a_passed_check_and_checks_again_after_a_change(pointed, monkeypatch, capsys):
    stamp = paths.OUTPUTS / citygate.STAMP
    assert citygate.gate("report") == 0
    assert json.loads(stamp.read_text(encoding="utf-8"))["warnings"] == [
        str(p) for p in citycheck.check(pointed, CITY)]
    capsys.readouterr()
    checked = []
    real = citycheck.check
    monkeypatch.setattr(citycheck, "check", lambda root, city: checked.append(city) or real(root, city))
    assert citygate.gate("report") == 0  # nothing changed: not checked, the warning said again
    out = capsys.readouterr().out
    assert checked == []
    assert out.startswith("Einrichtung der Stadt zweinamen unverändert seit der letzten Prüfung ohne Fehler "
                          "(1 Warnung(en)).\n  Warnung: data/zweinamen/areas.csv, Spalte name: 1 Name(n)")
    assert citygate.gate("report", force=True) == 0 and checked == [CITY]  # make report FORCE=1 checks again
    write_notebook(pointed / NOTEBOOK, (*CELLS[:2], 'blocks.indicator_section("mh_antiel", report_year)', CELLS[3]))
    before = stamp.read_text(encoding="utf-8")
    assert citygate.gate("report") == 1  # a changed notebook is checked again, and refused
    assert checked == [CITY, CITY]
    assert stamp.read_text(encoding="utf-8") == before  # a failed check is not remembered
    write_notebook(pointed / NOTEBOOK)
    assert citygate.gate("report") == 0 and checked == [CITY, CITY, CITY]
    _replace(pointed / "data" / CITY / "catalogue.yml", "aim: Testkapitel.", "aim: Ein Testkapitel.")
    assert citygate.gate("report") == 0 and checked == [CITY] * 4  # any file the check reads counts


@pytest.mark.parametrize(("command", "module", "closing"), [
    ("report", "helpers.runner.__main__", "Der Bericht wird nicht erstellt"),
    ("release", "helpers.runner.edition", "Es wird keine Ausgabe veröffentlicht"),
    ("verify", "helpers.runner.verify", "Die Nachprüfung beginnt nicht"),
])
def test_a_build_is_refused_before_the_runner_starts(pointed, monkeypatch, capsys, command, module, closing):
    _missing_parent(pointed)
    started = []
    monkeypatch.setattr(importlib.import_module(module), "main", lambda argv: started.append(argv) or 0)
    assert cli.main([command]) == 1
    assert started == []  # the runner (and with it any kernel) never started
    err = capsys.readouterr().err
    assert err.startswith("3 Problem(e) in der Einrichtung der Stadt zweinamen (config/zweinamen/, data/zweinamen/):\n"
                          "  data/zweinamen/areas.csv, Zeile 2, Spalte parent_code: stadtteil 11 (Kalk) gehört laut "
                          "Datei zu stadtbezirk 1, das es nicht gibt.")
    assert err.rstrip().endswith(f"{closing}, solange die Einrichtung der Stadt Fehler hat; es wurde nichts ausgeführt "
                                 "und nichts geschrieben. Bitte die Fehler oben berichtigen und mit make check-city "
                                 "(oder integrationsmonitoring check-city) erneut prüfen.")
    assert not paths.OUTPUTS.exists()  # nothing written, not even the gate's record
    _replace(pointed / "data" / CITY / "areas.csv", "\nstadt,", "\nstadtbezirk,1,Kalk,stadt,09999002,\nstadt,")
    assert cli.main([command]) == 0 and len(started) == 1  # repaired: the runner starts


def test_a_file_the_check_cannot_read_refuses_the_build_too(pointed, capsys):
    (pointed / "data" / CITY / "areas.csv").write_text("level;code;name\nstadt;09999002;Stadt Zweinamen\n",
                                                        encoding="utf-8")
    assert citygate.gate("report") == 1
    err = capsys.readouterr().err
    assert err.startswith("Die Prüfung der Stadt zweinamen brach ab: KeyError: 'level'\n")
    assert "Der Bericht wird nicht erstellt, solange die Einrichtung der Stadt Fehler hat" in err
    assert not (paths.OUTPUTS / citygate.STAMP).exists()


def test_a_commands_help_needs_no_check(pointed, monkeypatch):
    _missing_parent(pointed)
    monkeypatch.setattr(citygate, "gate", lambda *a, **k: pytest.fail("checked for --help"))
    with pytest.raises(SystemExit) as ended:
        cli.main(["report", "--help"])
    assert ended.value.code == 0


@pytest.mark.slow
def test_make_report_on_a_broken_city_starts_no_kernel_and_writes_nothing(city):
    """The command as the Makefile runs it, in a process of its own on the made-up city."""
    _missing_parent(city)
    done = subprocess.run([sys.executable, "-m", "helpers", "report", "--ohne-pdf"], capture_output=True, text=True,
                          timeout=300, env=context.RunContext(root=city).environ(), cwd=city)
    assert done.returncode == 1, done.stderr
    assert "stadtteil 11 (Kalk) gehört laut Datei zu stadtbezirk 1, das es nicht gibt." in done.stderr
    assert "Der Bericht wird nicht erstellt, solange die Einrichtung der Stadt Fehler hat" in done.stderr
    assert "Berichtsjahr" not in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert not (city / "outputs").exists()
