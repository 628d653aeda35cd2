"""`integrationsmonitoring stadt daten`: a made-up city's own long and wide files, through a mapping, into its store.

The test city "Stadt Musterau" has three Stadtteile (1 Altmarkt, 2 Hafenviertel with the known spelling
"Hafen", 3 Nordfeld) and counts for 2021 and 2022 written by hand below, once long (one row per year,
Stadtteil, characteristic and group) and once wide (one column per characteristic). Every message the
command prints is asserted as the user reads it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from helpers import cli
from helpers.core import catalogue, observations, paths
from helpers.indicators import compute
from helpers.intake import city_data
from roots import new_city, pointed_at

CITY = "musterau"
CITY_YML = """\
concept: Migrationshintergrund
levels:
  - {level: stadtteil, name: Stadtteil, plural: Stadtteile}
statistics:
  name: Stadt Musterau, Kommunalstatistik
"""
MONITORING_YML = """\
# no chapters: a city without notebooks of its own gets the generic ones of its catalogue
"""
AREAS = """\
level,code,name,parent_level,parent_code,aliases
stadt,09999002,Stadt Musterau,,,
stadtteil,1,Altmarkt,stadt,09999002,
stadtteil,2,Hafenviertel,stadt,09999002,Hafen
stadtteil,3,Nordfeld,stadt,09999002,
"""
#: Stadtteil (as the file names it) -> year -> (Einwohner, mit Migrationshintergrund, Ausländer, Arbeitslose).
COUNTS = {
    "Altmarkt": {2021: (1000, 300, 120, 40), 2022: (1010, 320, 130, 42)},
    "Hafen": {2021: (2000, 900, 500, 110), 2022: (2050, 950, 520, 115)},
    "Nordf.": {2021: (1500, 300, 100, 50), 2022: (1520, 310, 105, 52)},
}
LONG_MAPPING = """\
quelle: Stadt Musterau, Kommunalstatistik, Einwohnerregister
datenhalter: Stadt Musterau, Statistikstelle
spalten: {jahr: Jahr, gebiet: Stadtteil, merkmal: Merkmal, gruppe: Gruppe, wert: Anzahl}
merkmale:
  Einwohner: {merkmal: population}
  Arbeitslose: {merkmal: unemployed}
  Hunde: weglassen
gruppen:
  insgesamt: {}
  mit Migrationshintergrund: {herkunft: mit Migrationshintergrund}
  Ausländer: {herkunft: Ausländer}
gebiete:
  Nordf.: Nordfeld
"""
WIDE_MAPPING = """\
quelle: Stadt Musterau, Kommunalstatistik, Einwohnerregister
datenhalter: Stadt Musterau, Statistikstelle
spalten: {jahr: Jahr, gebiet: Stadtteil}
merkmale:
  Einwohner: {merkmal: population}
  Einwohner mit MH: {merkmal: population, herkunft: mit Migrationshintergrund}
  Ausländer: {merkmal: population, herkunft: Ausländer}
  Arbeitslose: {merkmal: unemployed}
gebiete:
  Nordf.: Nordfeld
"""


def long_csv(counts: dict = COUNTS, extra: str = "") -> str:
    lines = ["Jahr;Stadtteil;Merkmal;Gruppe;Anzahl"]
    for area, years in counts.items():
        for year, (total, mig, foreign, unemployed) in years.items():
            lines += [f"{year};{area};Einwohner;insgesamt;{total}", f"{year};{area};Einwohner;mit Migrationshintergrund;{mig}",
                      f"{year};{area};Einwohner;Ausländer;{foreign}", f"{year};{area};Arbeitslose;insgesamt;{unemployed}"]
    return "\n".join(lines) + "\n" + extra


def wide_csv() -> str:
    lines = ["Jahr;Stadtteil;Einwohner;Einwohner mit MH;Ausländer;Arbeitslose"]
    for area, years in COUNTS.items():
        for year, values in years.items():
            lines.append(";".join([str(year), area, *map(str, values)]))
    return "\n".join(lines) + "\n"


@pytest.fixture
def city(tmp_path, monkeypatch):
    """The test city in a fresh root, helpers.core.paths pointed at it; yields the folder for the user's files."""
    root = tmp_path / "root"
    data = new_city(root, CITY, MONITORING_YML, CITY_YML)
    (data / "areas.csv").write_text(AREAS, encoding="utf-8")
    files = tmp_path / "dateien"
    files.mkdir()
    with pointed_at(root, tmp_path / "outputs", monkeypatch, CITY):
        yield files


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = city_data.main([CITY, *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def stored() -> pd.DataFrame:
    observations.clear_cache()
    frame = observations.observations()
    return frame.drop(columns="source").sort_values(["year", "area_code", "measure", "origin"]).reset_index(drop=True)


def load_long(files: Path, capsys) -> tuple[Path, Path, str]:
    data = write(files, "zahlen.csv", long_csv())
    mapping = write(files, "zuordnung.yml", LONG_MAPPING)
    code, out, err = run(capsys, data, "--zuordnung", mapping)
    assert (code, err) == (0, ""), err
    return data, mapping, out


# --- the draft -------------------------------------------------------------------------------------------


def test_first_run_without_mapping_writes_a_draft_and_stops(city, capsys):
    data = write(city, "zahlen.csv", long_csv(extra="2022;Südhafen;Einwohner;insgesamt;5\n"))
    code, out, err = run(capsys, data)
    draft = city / "zahlen.zuordnung.yml"
    assert code == 1 and err == ""
    assert out == (f"Entwurf der Zuordnung geschrieben: {draft}. Bitte öffnen, jede Zeile prüfen und jedes „null“ "
                   "ausfüllen (was jede Spalte und jedes Merkmal der Datei im Monitoring ist); dann erneut aufrufen: "
                   f"integrationsmonitoring stadt daten {CITY} {data} --zuordnung {draft}\n"
                   "Nichts eingelesen: erst die Zuordnung ausfüllen.\n")
    text = draft.read_text(encoding="utf-8")
    assert "spalten:\n  jahr: Jahr\n  gebiet: Stadtteil\n  ebene: null\n  merkmal: Merkmal\n  gruppe: Gruppe\n" in text
    # with what the values look like (the smallest Einwohner value is Südhafen's 5 of 2022)
    assert "  Einwohner: {merkmal: population}   # Vorschlag, bitte prüfen; Werte 5 bis 2.050, ganze Zahlen, Jahre 2021–2022\n" in text
    assert "  Arbeitslose: {merkmal: unemployed}   # Vorschlag, bitte prüfen; Werte 40 bis 115, ganze Zahlen, Jahre 2021–2022\n" in text
    assert "  Ausländer: {herkunft: Ausländer}   # Vorschlag, bitte prüfen\n" in text
    assert "  insgesamt: {}   # insgesamt\n" in text
    assert "gebiete:\n  Nordf.: null\n  Südhafen: null\n" in text  # Altmarkt and Hafen are known
    assert len(observations.observations()) == 0  # nothing stored
    code, out, err = run(capsys, data)  # the draft is never overwritten; its nulls are refused
    assert code == 1
    assert "FEHLER  zahlen.zuordnung.yml, Spalte merkmale.„Einwohner“" not in err
    assert ("FEHLER  zahlen.zuordnung.yml, Spalte spalten.ebene" not in err)
    assert "zahlen.zuordnung.yml, Spalte quelle" not in err
    assert "FEHLER  zahlen.csv, Zeile 26, Spalte „Stadtteil“: unbekannter Gebietsname. Gefunden: „Südhafen“." in err


def test_the_draft_of_a_wide_file_tells_shares_from_counts(city, capsys):
    lines = ["Jahr;Stadtteil;Einwohner;Anteil MH in %", "2019;Altmarkt;1000;30,0", "2021;Altmarkt;1010;31,7",
             "2022;Hafen;2050;46,3"]
    data = write(city, "breit.csv", "\n".join(lines) + "\n")
    assert run(capsys, data)[0] == 1
    text = (city / "breit.zuordnung.yml").read_text(encoding="utf-8")
    assert "; Werte 1.000 bis 2.050, ganze Zahlen, Jahre 2019, 2021–2022\n" in text
    assert ("  Anteil MH in %: null   # ausfüllen: {merkmal: …, herkunft: …} oder weglassen; Werte 30,0 bis 46,3, mit "
            "Nachkommastellen: eher ein Anteil oder eine Quote (weglassen) als eine Anzahl, Jahre 2019, 2021–2022\n") in text


def test_the_drafts_value_range_ignores_what_is_no_finite_number():
    from helpers.intake import mapping

    assert mapping._seen(["nan", "inf", "9" * 5000, "abc", "", None, "-3", "1,5"]) == (
        "Werte -3,0 bis 1,5, mit Nachkommastellen: eher ein Anteil oder eine Quote (weglassen) als eine Anzahl")
    assert mapping._seen(["nan", "inf"]) == ""


def test_a_mapping_left_unfilled_is_refused_naming_its_key(city, capsys):
    data = write(city, "zahlen.csv", long_csv())
    mapping = write(city, "zuordnung.yml", LONG_MAPPING.replace("{merkmal: unemployed}", "null"))
    code, out, err = run(capsys, data, "--zuordnung", mapping)
    assert code == 1
    assert err.startswith("FEHLER  zuordnung.yml, Spalte merkmale.„Arbeitslose“: noch nicht zugeordnet. Erwartet: eine "
                          "vollständig ausgefüllte Zuordnung.\n         So beheben: eintragen, was der Wert ist, z. B. "
                          "{merkmal: population, herkunft: Ausländer}, oder „weglassen“\n")


# --- loading ---------------------------------------------------------------------------------------------


def test_long_and_wide_files_load_to_the_same_observations(city, capsys, tmp_path, monkeypatch):
    _, _, out = load_long(city, capsys)
    assert out.splitlines()[0] == ("zahlen.csv: 24 Werte neu, 0 unverändert, 0 revidiert; Rohdatei gespeichert unter "
                                   f"data/{CITY}/raw/2022/zahlen.csv.")
    long = stored()
    assert len(long) == 24
    raw = Path(paths.RAW_DIR) / "2022"
    assert (raw / "zahlen.zuordnung.yml").read_text(encoding="utf-8") == LONG_MAPPING  # kept beside the raw copy
    assert "  2022/zahlen.zuordnung.yml" in (Path(paths.RAW_DIR) / "SHA256SUMS").read_text(encoding="utf-8")
    root = tmp_path / "wide"
    data = new_city(root, CITY, MONITORING_YML, CITY_YML)
    (data / "areas.csv").write_text(AREAS, encoding="utf-8")
    with pointed_at(root, tmp_path / "outputs2", monkeypatch, CITY):
        wide_file = write(city, "breit.csv", wide_csv())
        code, out, err = run(capsys, wide_file, "--zuordnung", write(city, "breit.yml", WIDE_MAPPING))
        assert (code, err) == (0, "")
        pd.testing.assert_frame_equal(stored(), long)
    row = long[(long.year == 2022) & (long.area_code == "2") & (long.origin == "migration")].iloc[0]
    assert (row.measure, row.value, row.flag) == ("population", 950, "")  # "Hafen", the known spelling


def test_hand_checked_share_with_migration_background_2022(city, capsys):
    load_long(city, capsys)
    values = compute.values("mh_anteil", "stadtteil")
    v = values[(values.year == 2022) & (values.group == "total")].set_index("area_code")["value"]
    assert v["1"] == pytest.approx(100 * 320 / 1010)  # Altmarkt 31,68 %
    assert v["3"] == pytest.approx(100 * 310 / 1520)  # Nordfeld ("Nordf." in the file) 20,39 %
    town = compute.values("mh_anteil", "stadt")
    assert town[(town.year == 2022) & (town.group == "total")]["value"].iloc[0] == pytest.approx(
        100 * (320 + 950 + 310) / (1010 + 2050 + 1520))  # 34,50 %


def test_an_unknown_area_name_is_refused_with_its_row_and_the_nearest_names(city, capsys):
    data = write(city, "zahlen.csv", long_csv(extra="2022;Altmarkk;Arbeitslose;insgesamt;3\n"))
    code, out, err = run(capsys, data, "--zuordnung", write(city, "zuordnung.yml", LONG_MAPPING))
    assert code == 1 and out == ""
    assert err == (
        "FEHLER  zahlen.csv, Zeile 26, Spalte „Stadtteil“: unbekannter Gebietsname. Gefunden: „Altmarkk“. Erwartet: "
        "ein amtlicher Gebietsname oder eine bekannte Schreibweise (ähnlich: Altmarkt).\n"
        "         So beheben: die Gebiet-Nr eintragen (maßgeblich ist die Nummer) oder den Namen wie in der Vorlage "
        "schreiben\n\n"
        "Nichts gespeichert: 1 Fehler. Bitte jeden Fehler wie angegeben in der Datei oder in der Zuordnung beheben und "
        f"dann erneut ausführen: integrationsmonitoring stadt daten {CITY} {data} --zuordnung {city / 'zuordnung.yml'}\n")
    assert len(observations.observations()) == 0


def test_an_unknown_characteristic_is_refused_and_a_dropped_one_read_over(city, capsys):
    extra = "2022;Altmarkt;Hunde;insgesamt;7\n2022;Altmarkt;Katzen;insgesamt;9\n2021;Hafen;Katzen;insgesamt;8\n"
    data = write(city, "zahlen.csv", long_csv(extra=extra))
    code, out, err = run(capsys, data, "--zuordnung", write(city, "zuordnung.yml", LONG_MAPPING))
    assert code == 1
    assert err.startswith(
        "FEHLER  zahlen.csv, Zeile 27, Spalte „Merkmal“: unbekanntes Merkmal (in 2 Zeilen, zuerst hier). Gefunden: "
        "„Katzen“. Erwartet: ein Wert, den zuordnung.yml unter merkmale: nennt.\n"
        "         So beheben: in zuordnung.yml unter merkmale: „Katzen“ eintragen (was es im Monitoring ist, oder "
        "weglassen)\n\nNichts gespeichert: 1 Fehler.")  # Hunde (row 26) is `weglassen`


def test_an_unknown_column_of_a_wide_file_is_refused(city, capsys):
    data = write(city, "breit.csv", wide_csv().replace("Arbeitslose\n", "Arbeitslose;Hunde\n", 1))
    code, out, err = run(capsys, data, "--zuordnung", write(city, "breit.yml", WIDE_MAPPING))
    assert code == 1
    assert err.startswith("FEHLER  breit.csv, Zeile 1, Spalte „Hunde“: unbekannte Spalte (in 6 Zeilen, zuerst hier). "
                          "Gefunden: „Hunde“. Erwartet: eine Spalte, die breit.yml unter merkmale: nennt.\n")


def test_a_sum_gives_a_group_the_file_lacks(city, capsys):
    text = "Jahr;Stadtteil;Ausländer;Deutsche mit MH;Einwohner\n2022;1;130;190;1010\n2022;2;520;430;2050\n2022;3;105;.;1520\n"
    mapping = (WIDE_MAPPING.replace("  Einwohner mit MH: {merkmal: population, herkunft: mit Migrationshintergrund}\n",
                                    "  Deutsche mit MH: {merkmal: population, herkunft: Deutsche mit Migrationshintergrund}\n")
               .replace("  Arbeitslose: {merkmal: unemployed}\n", "")
               + "summen:\n  - ergibt: {merkmal: population, herkunft: mit Migrationshintergrund}\n    aus:\n"
                 "      - {merkmal: population, herkunft: Ausländer}\n"
                 "      - {merkmal: population, herkunft: Deutsche mit Migrationshintergrund}\n")
    code, out, err = run(capsys, write(city, "breit.csv", text), "--zuordnung", write(city, "breit.yml", mapping))
    assert (code, err) == (0, ""), err
    mig = stored().query("origin == 'migration'").set_index("area_code")["value"]
    assert mig.to_dict() == {"1": 320, "2": 950}  # Nordfeld's part „.“ is unknown: no sum, never a partial one


# --- a second run ----------------------------------------------------------------------------------------


def test_a_second_run_with_the_same_file_and_mapping_changes_nothing(city, capsys):
    data, mapping, _ = load_long(city, capsys)
    before = {p.name: p.read_bytes() for p in Path(paths.DATA).rglob("*") if p.is_file()}
    code, out, err = run(capsys, data, "--zuordnung", mapping)
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("zahlen.csv: bereits eingelesen am ")
    assert f"(Rohdatei data/{CITY}/raw/2022/zahlen.csv)" in out.splitlines()[0]
    assert out.splitlines()[0].endswith("; nichts geändert.")
    assert out.splitlines()[1] == (f"Katalog data/{CITY}/catalogue.yml: schon vorhanden und unverändert gelassen: "
                                   "mh_anteil, auslaender_anteil, alo_dichte.")
    assert {p.name: p.read_bytes() for p in Path(paths.DATA).rglob("*") if p.is_file()} == before


def test_a_changed_value_needs_ueberarbeiten(city, capsys):
    data, mapping, _ = load_long(city, capsys)
    changed = dict(COUNTS, Altmarkt={2021: (1000, 300, 120, 40), 2022: (1010, 320, 130, 44)})
    data.write_text(long_csv(changed), encoding="utf-8")
    code, out, err = run(capsys, data, "--zuordnung", mapping)
    assert code == 1
    assert err.startswith(
        "FEHLER  zahlen.csv, Zeile 9, Spalte „Anzahl“: Wert weicht vom bereits gespeicherten Wert ab. Gefunden: neu 44, "
        "gespeichert 42 aus „Lieferung raw/2022/zahlen.csv")
    assert ("So beheben: ist der neue Wert richtig, mit --ueberarbeiten einlesen: die Änderung wird mit altem und "
            "neuem Wert protokolliert und mit „r“ gekennzeichnet; sonst den Wert korrigieren\n") in err
    code, out, err = run(capsys, data, "--zuordnung", mapping, "--ueberarbeiten")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("zahlen.csv: 0 Werte neu, 23 unverändert, 1 revidiert; Rohdatei gespeichert "
                                          f"unter data/{CITY}/raw/2022/zahlen.")
    row = stored().query("year == 2022 and area_code == '1' and measure == 'unemployed'").iloc[0]
    assert (row.value, row.flag) == (44, "r")
    revisions = pd.read_csv(Path(paths.DELIVERY_REVISIONS_CSV), dtype=str)
    assert revisions[["old_value", "new_value", "kind"]].values.tolist() == [["42", "44", "revision"]]


def test_only_checking_stores_nothing(city, capsys):
    data = write(city, "zahlen.csv", long_csv())
    code, out, err = run(capsys, data, "--zuordnung", write(city, "zuordnung.yml", LONG_MAPPING), "--nur-pruefen")
    assert (code, err) == (0, "")
    assert out == ("zahlen.csv: geprüft, würde speichern: 24 Werte neu, 0 unverändert, 0 revidiert.\n"
                   "Nur geprüft, nichts gespeichert.\n")
    assert len(observations.observations()) == 0


# --- the catalogue ---------------------------------------------------------------------------------------


def test_the_catalogue_is_written_for_what_was_loaded(city, capsys):
    _, _, out = load_long(city, capsys)
    assert out.splitlines()[2] == (
        f"Katalog data/{CITY}/catalogue.yml: 3 Einträge ergänzt (mh_anteil, auslaender_anteil, alo_dichte). Bitte "
        "Namen, Definitionen, Einheiten und Quellen prüfen und in eigenen Worten fassen; ein erneuter Lauf ändert "
        "keinen vorhandenen Eintrag.")
    cat = catalogue.load(paths.CATALOGUE_YAML)
    names = {i.id: (i.name, i.unit, i.first_year, i.source) for i in cat.indicators}
    source = "Stadt Musterau, Kommunalstatistik, Einwohnerregister"
    assert names == {
        "mh_anteil": ("Anteil der Einwohner/-innen mit Migrationshintergrund", "%", 2021, source),
        "auslaender_anteil": ("Anteil der Ausländerinnen und Ausländer", "%", 2021, source),
        "alo_dichte": ("Arbeitslose je 100 Einwohner/-innen", "%", 2021, source),
    }
    assert cat.indicator("alo_dichte").notes == ("Bezug auf die Einwohner/-innen aller Altersgruppen: eine Bevölkerung "
                                                 "von 15 bis unter 65 Jahren ist nicht eingelesen.")
    assert dict(cat.measure_names) == {"population": "Einwohner/-innen", "unemployed": "Arbeitslose"}
    assert [h.name for h in cat.handlungsfelder] == ["Bevölkerung mit Migrationshintergrund", "Arbeit und Wirtschaft"]


def test_an_edited_catalogue_is_kept_and_only_missing_entries_are_added(city, capsys):
    data, mapping, _ = load_long(city, capsys)
    path = Path(paths.CATALOGUE_YAML)
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: alo_dichte")
    end = text.index("\nmeasures:")
    edited = (text[:start] + text[end + 1:]).replace("name: Anteil der Einwohner/-innen mit Migrationshintergrund",
                                                     "name: Migrationshintergrund (unser Name)  # von Hand")
    edited = edited.replace("  - id: auslaender_anteil", "  - id: ausl_quote")  # renamed: its formula is kept
    path.write_text(edited, encoding="utf-8")
    mapping.write_text(LONG_MAPPING + "# geändert\n", encoding="utf-8")  # a new identity: read again
    code, out, err = run(capsys, data, "--zuordnung", mapping)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == ("zahlen.csv: 0 Werte neu, 24 unverändert, 0 revidiert; Rohdatei gespeichert unter "
                                   f"data/{CITY}/raw/2022/zahlen.{city_data.identity(data, mapping)[:8]}.csv.")
    assert out.splitlines()[2:4] == [
        f"Katalog data/{CITY}/catalogue.yml: 1 Einträge ergänzt (alo_dichte). Bitte Namen, Definitionen, Einheiten und "
        "Quellen prüfen und in eigenen Worten fassen; ein erneuter Lauf ändert keinen vorhandenen Eintrag.",
        f"Katalog data/{CITY}/catalogue.yml: schon vorhanden und unverändert gelassen: mh_anteil, auslaender_anteil."]
    now = path.read_text(encoding="utf-8")
    assert now.startswith(edited[:edited.index("\nmeasures:")])  # every line the user wrote, as written
    assert "name: Migrationshintergrund (unser Name)  # von Hand" in now
    assert [i.id for i in catalogue.load(path).indicators] == ["mh_anteil", "ausl_quote", "alo_dichte"]


# --- the command line ------------------------------------------------------------------------------------


def test_the_command_chooses_the_city_named_after_daten(monkeypatch):
    calls = []
    monkeypatch.setattr(city_data, "main", lambda argv: calls.append(argv) or 5)
    monkeypatch.setenv("IM_CITY", "")  # restored afterwards: the command sets it
    assert cli.main(["stadt", "daten", "berlin", "zahlen.csv", "--nur-pruefen"]) == 5
    assert calls == [["berlin", "zahlen.csv", "--nur-pruefen"]]
    assert os.environ["IM_CITY"] == "berlin"


def test_the_command_refuses_a_city_not_set_up(capsys, monkeypatch):
    monkeypatch.setenv("IM_CITY", "")  # restored afterwards: the command sets it
    assert cli.main(["stadt", "daten", "nirgendwo", "zahlen.csv"]) == 2
    assert capsys.readouterr().err.startswith("Fehler: IM_CITY='nirgendwo': Die Stadt ist nicht eingerichtet "
                                              "(config/nirgendwo/city.yml fehlt).")


def test_a_city_other_than_the_one_set_up_is_refused(city, capsys):
    assert city_data.main(["berlin", "x.csv"]) == 2
    err = capsys.readouterr().err
    assert err == (f"Fehler: Stadt „berlin“ angegeben, eingestellt ist „{CITY}“. Aufruf: integrationsmonitoring stadt "
                   "daten STADT DATEI (die Stadt steht direkt nach „daten“).\n")


def test_a_wide_excel_file_loads_the_same_and_its_problems_name_sheet_and_letter(city, capsys, tmp_path, monkeypatch):
    import openpyxl

    def workbook(path: Path, bad: bool = False) -> Path:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Bevölkerung"
        for line in wide_csv().splitlines():
            cells_ = line.split(";")
            sheet.append([int(c) if c.isdigit() else c for c in cells_])
        if bad:
            sheet["E3"] = "viele"  # Ausländer, Altmarkt 2022
        book.save(path)
        return path

    mapping = write(city, "breit.yml", WIDE_MAPPING)
    code, out, err = run(capsys, workbook(city / "breit.xlsx", bad=True), "--zuordnung", mapping)
    assert code == 1
    assert err.startswith("FEHLER  breit.xlsx, Blatt „Bevölkerung“, Zeile 3, Spalte E „Ausländer“: Text statt Zahl. "
                          "Gefunden: „viele“.")
    code, out, err = run(capsys, workbook(city / "breit2.xlsx"), "--zuordnung", mapping)
    assert (code, err) == (0, "")
    excel = stored()
    root = tmp_path / "long"
    data = new_city(root, CITY, MONITORING_YML, CITY_YML)
    (data / "areas.csv").write_text(AREAS, encoding="utf-8")
    with pointed_at(root, tmp_path / "outputs2", monkeypatch, CITY):
        load_long(city, capsys)
        pd.testing.assert_frame_equal(stored(), excel)


# --- every other message -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    (("spalten: {jahr: Jahr,", "spalten: {jahr: Jahre,"),
     "FEHLER  zuordnung.yml, Spalte spalten.jahr: die Spalte „Jahre“ gibt es in zahlen.csv nicht. Erwartet: eine "
     "vollständig ausgefüllte Zuordnung.\n         So beheben: eine der Spalten Jahr, Stadtteil, Merkmal, Gruppe, Anzahl "
     "eintragen\n"),
    ((", wert: Anzahl}", "}"),
     "FEHLER  zuordnung.yml, Spalte spalten.wert: fehlt: welche Spalte die Anzahl (lange Datei) enthält. Erwartet: eine "
     "vollständig ausgefüllte Zuordnung.\n         So beheben: eine der Spalten Jahr, Stadtteil, Merkmal, Gruppe, Anzahl "
     "eintragen\n"),
    (("{merkmal: unemployed}", "{merkmal: Arbeitslose}"),
     "FEHLER  zuordnung.yml, Spalte merkmale.„Arbeitslose“.merkmal: Kennung 'Arbeitslose' ist keine Merkmal-Kennung. "
     "Erwartet: eine vollständig ausgefüllte Zuordnung.\n         So beheben: eine Kennung aus Kleinbuchstaben, Ziffern "
     "und _ eintragen, z. B. population (Einwohner/-innen), unemployed (Arbeitslose), sgb2_recipients "
     "(Leistungsberechtigte nach dem SGB II)\n"),
    (("{merkmal: unemployed}", "{merkmal: births}"),
     "FEHLER  zuordnung.yml, Spalte merkmale.„Arbeitslose“: das Merkmal 'births' ist dem Projekt neu und hat keinen "
     "deutschen Namen. Erwartet: eine vollständig ausgefüllte Zuordnung.\n         So beheben: name: mit dem Namen "
     "eintragen, wie er im Bericht stehen soll (z. B. name: Geburten)\n"),
    (("{herkunft: Ausländer}", "{herkunft: Marsianer}"),
     "FEHLER  zuordnung.yml, Spalte gruppen.„Ausländer“.herkunft: unbekannte Angabe für Herkunft ('Marsianer'). Erwartet: "
     "eine vollständig ausgefüllte Zuordnung.\n         So beheben: erlaubt: insgesamt, mit Migrationshintergrund, "),
    (("gebiete:", "gebite:"),
     "FEHLER  zuordnung.yml, Spalte gebite: unbekannter Abschnitt. Erwartet: eine vollständig ausgefüllte Zuordnung.\n"
     "         So beheben: nur quelle, datenhalter, spalten, merkmale, gruppen, gebiete, summen verwenden\n"),
    (("spalten: {", "spalten: {{"),
     "FEHLER  zuordnung.yml: kein gültiges YAML ("),
])
def test_a_broken_mapping_is_refused_naming_its_key(city, capsys, change, message):
    data = write(city, "zahlen.csv", long_csv())
    mapping = write(city, "zuordnung.yml", LONG_MAPPING.replace(*change))
    code, out, err = run(capsys, data, "--zuordnung", mapping)
    assert code == 1 and out == ""
    assert err.startswith(message)
    assert "\n\nNichts gespeichert: 1 Fehler." in err


def test_a_group_the_mapping_lacks_and_a_group_given_twice_are_refused(city, capsys):
    extra = "2022;Altmarkt;Einwohner;Deutsche;890\n"
    mapping = LONG_MAPPING.replace("  Arbeitslose: {merkmal: unemployed}\n",
                                   "  Arbeitslose: {merkmal: unemployed, herkunft: Deutsche}\n")
    code, out, err = run(capsys, write(city, "zahlen.csv", long_csv(extra=extra)), "--zuordnung",
                         write(city, "zuordnung.yml", mapping))
    assert code == 1
    assert ("FEHLER  zahlen.csv, Zeile 5, Spalte „Merkmal“: Merkmal und Gruppe widersprechen sich. Gefunden: Arbeitslose "
            "/ insgesamt. Erwartet: eine Gruppe entweder beim Merkmal oder in der Gruppen-Spalte.\n") not in err  # {} adds none
    assert err.startswith(
        "FEHLER  zahlen.csv, Zeile 26, Spalte „Gruppe“: unbekannte Gruppe. Gefunden: „Deutsche“. Erwartet: ein Wert, den "
        "zuordnung.yml unter gruppen: nennt.\n         So beheben: in zuordnung.yml unter gruppen: „Deutsche“ eintragen "
        "(was es im Monitoring ist, oder weglassen)\n")
    clash = LONG_MAPPING.replace("  Arbeitslose: {merkmal: unemployed}\n",
                                 "  Arbeitslose: {merkmal: unemployed, herkunft: Ausländer}\n")
    text = long_csv().replace("2021;Altmarkt;Arbeitslose;insgesamt;40", "2021;Altmarkt;Arbeitslose;mit Migrationshintergrund;40")
    code, out, err = run(capsys, write(city, "zahlen.csv", text), "--zuordnung", write(city, "zuordnung.yml", clash))
    assert err.startswith(
        "FEHLER  zahlen.csv, Zeile 5, Spalte „Merkmal“: Merkmal und Gruppe widersprechen sich. Gefunden: „Arbeitslose / mit "
        "Migrationshintergrund“. Erwartet: eine Gruppe entweder beim Merkmal oder in der Gruppen-Spalte.\n         So "
        "beheben: in zuordnung.yml die Gruppe bei merkmale: oder gruppen: streichen\n")


def test_a_file_that_yields_nothing_and_a_missing_file_are_refused(city, capsys):
    mapping = write(city, "zuordnung.yml", LONG_MAPPING.replace("{merkmal: population}", "weglassen")
                    .replace("{merkmal: unemployed}", "weglassen"))
    code, out, err = run(capsys, write(city, "zahlen.csv", long_csv()), "--zuordnung", mapping)
    assert code == 1
    assert err.startswith("FEHLER  zahlen.csv: keine Werte eingelesen. Erwartet: mindestens ein Merkmal, das nicht "
                          "weggelassen wird.\n         So beheben: in zuordnung.yml unter merkmale: Merkmale zuordnen\n")
    code, out, err = run(capsys, city / "fehlt.csv")
    assert code == 1
    assert err == (f"Fehler: {city / 'fehlt.csv'} nicht gefunden. Den Pfad der Datei mit den Zahlen angeben (relativ zum "
                   "aktuellen Ordner oder absolut).\n")


def test_counts_that_allow_no_indicator_say_so(city, capsys):
    text = "Jahr;Stadtteil;Arbeitslose\n2022;1;40\n2022;2;110\n2022;3;50\n"
    mapping = "spalten: {jahr: Jahr, gebiet: Stadtteil}\nmerkmale:\n  Arbeitslose: {merkmal: unemployed}\n"
    code, out, err = run(capsys, write(city, "breit.csv", text), "--zuordnung", write(city, "breit.yml", mapping))
    assert (code, err) == (0, "")
    assert out.splitlines()[2] == (f"Katalog data/{CITY}/catalogue.yml: die eingelesenen Zahlen erlauben noch keinen "
                                   "Indikator (es fehlt etwa die Einwohnerzahl insgesamt); Einträge von Hand ergänzen.")


def test_a_broken_catalogue_stops_before_anything_is_read(city, capsys):
    path = Path(paths.CATALOGUE_YAML)
    path.write_text("handlungsfelder: []\nindicators: [{id: kaputt}]\n", encoding="utf-8")
    code, out, err = run(capsys, write(city, "zahlen.csv", long_csv()), "--zuordnung",
                         write(city, "zuordnung.yml", LONG_MAPPING))
    assert (code, out) == (1, "")
    assert err.startswith(f"Fehler im Katalog data/{CITY}/catalogue.yml: catalogue.yml, Indikator 'kaputt': "
                          "Pflichtfeld(er) fehlen: name, definition,")
    assert err.endswith("Nichts eingelesen; bitte den Katalog berichtigen (oder die Datei löschen: dann schreibt der "
                        "Befehl einen neuen).\n")
    assert len(observations.observations()) == 0


def test_a_catalogue_that_cannot_be_extended_safely_is_left_alone(city, capsys):
    path = Path(paths.CATALOGUE_YAML)
    text = ("handlungsfelder: [{id: x, name: X, category: K, aim: A}]\n"
            "indicators: [{id: eigen, name: Eigen, definition: D, handlungsfeld: x, numerator: {measure: unemployed}, "
            "denominator: {measure: population}, scale: 100, unit: '%', direction: descriptive, level: stadtteil, "
            "source: S, data_owner: O, population_base: P, first_year: 2021, synthetic: false}]\n")
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, write(city, "zahlen.csv", long_csv()), "--zuordnung",
                         write(city, "zuordnung.yml", LONG_MAPPING))
    assert (code, err) == (0, "")
    assert out.splitlines()[2] == (f"Katalog data/{CITY}/catalogue.yml nicht ergänzt: er ließe sich danach nicht mehr "
                                   "lesen. Diese Einträge bitte von Hand einfügen:")
    assert "  - id: mh_anteil\n" in out
    assert path.read_text(encoding="utf-8") == text
