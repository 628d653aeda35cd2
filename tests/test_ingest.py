"""Intake of deliveries: formats, the broken corpus, storage without loss, revisions, crashes, templates.

Every test works on a temporary copy of a small part of the committed observations (paths
redirected with monkeypatch); the committed data are never written.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from helpers.core import catalogue, fileio, model, observations, paths, storelock
from helpers.core import store as core_store
from helpers.intake import cells, ingest, storage, templates, validation
from helpers.intake.problems import report

CORPUS = Path(__file__).parent / "deliveries"
VALID = CORPUS / "valid"
BROKEN = CORPUS / "broken"
EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))
# The seven values of every file in valid/ (year 2018, measure unemployed).
SEVEN = {
    ("stadtteil", "11", "total", "total"): 40,
    ("stadtteil", "11", "male", "total"): 24,
    ("stadtteil", "11", "female", "total"): 16,
    ("stadtteil", "12", "total", "total"): 22,
    ("stadtteil", "34", "total", "total"): 170,
    ("stadtteil", "34", "total", "foreign"): 30,
    ("stadt", "05515000", "total", "total"): 9010,
}


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the data folder but the (empty) lock files, which stay once an ingest has run."""
    locks = {storelock.INGEST_LOCK, storelock.STORE_LOCK}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "data").rglob("*"))
            if p.is_file() and p.name not in locks}


def run(argv: list[str], capsys) -> tuple[int, str]:
    code = ingest.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def write_csv(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


HEADER = "Jahr;Gebiet-Nr;Gebiet;Merkmal;Geschlecht;Herkunft;Alter;Wert;Zeichen\n"


# --- formats ---------------------------------------------------------------------------------------


def _values(delivery) -> dict:
    rows = delivery.rows
    assert (rows["year"] == 2018).all() and (rows["measure"] == "unemployed").all() and (rows["age"] == "total").all()
    return {(r.area_level, r.area_code, r.sex, r.origin): int(r.value) for r in rows.itertuples()}


@pytest.mark.parametrize("name", ["semikolon_utf8.csv", "semikolon_utf8_bom.csv", "semikolon_windows1252.csv",
                                  "komma_utf8.csv", "tausender_leerzeichen.csv", "englische_codes.csv",
                                  "unicode_text_utf16.txt"])
def test_every_csv_format_gives_the_same_values(name):
    delivery = validation.validate(VALID / name, validation.Context.load())
    assert delivery.problems == []
    assert _values(delivery) == SEVEN
    assert set(delivery.rows["flag"]) == {""}


def test_windows_1252_and_bom_are_detected():
    from helpers.intake.read import read_table

    assert read_table(VALID / "semikolon_windows1252.csv").encoding == "Windows-1252"
    assert read_table(VALID / "semikolon_utf8_bom.csv").encoding == "UTF-8 mit BOM"
    assert read_table(VALID / "komma_utf8.csv").separator == ","


def test_csv_title_rows_are_skipped(tmp_path):
    text = "Arbeitslose 2018, Stadt Münster\n\n" + (VALID / "semikolon_utf8.csv").read_text(encoding="utf-8")
    delivery = validation.validate(write_csv(tmp_path, "mit_titel.csv", text), validation.Context.load())
    assert delivery.problems == [] and _values(delivery) == SEVEN and delivery.rows["row"].min() == 4


def _excel(path: Path, rows: list[list], sheets: tuple[str, ...] = ("Daten",), title: bool = False) -> Path:
    book = openpyxl.Workbook()
    book.active.title = sheets[0]
    for extra in sheets[1:]:
        book.create_sheet(extra)
    sheet = book[sheets[0]]
    if title:
        sheet.append(["Arbeitslose in Münster 2018"])
        sheet.append([])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


EXCEL_ROWS = [
    ["Jahr", "Gebiet-Nr", "Gebiet", "Merkmal", "Geschlecht", "Herkunft", "Alter", "Wert", "Zeichen"],
    [2018, 11, "Aegidii", "unemployed", "insgesamt", "insgesamt", "insgesamt", 40, None],
    [2018, 11, "Aegidii", "unemployed", "männlich", "insgesamt", "insgesamt", 24.0, None],
    [2018, "11", "Aegidii", "unemployed", "weiblich", "insgesamt", "insgesamt", "16", None],
    [2018, 12, "Überwasser", "unemployed", "insgesamt", "insgesamt", "insgesamt", 22, ""],
    [2018, 34, "Düesberg", "unemployed", "insgesamt", "insgesamt", "insgesamt", 170, None],
    [2018, 34, "Düesbergweg", "unemployed", "insgesamt", "Ausländer/-innen", "insgesamt", 30, None],
    [2018, "05515000", "Stadt Münster", "unemployed", "insgesamt", "insgesamt", "insgesamt", "9.010", None],
]


def test_excel_gives_the_same_values_and_skips_title_rows(tmp_path):
    path = _excel(tmp_path / "lieferung.xlsx", EXCEL_ROWS, sheets=("Daten", "Angaben", "Erläuterung"), title=True)
    delivery = validation.validate(path, validation.Context.load())
    assert delivery.problems == []
    assert _values(delivery) == SEVEN
    assert delivery.rows["row"].min() == 4  # two title rows, the header in row 3


def test_excel_problems_name_sheet_and_column_letter(tmp_path):
    rows = [r[:] for r in EXCEL_ROWS]
    rows[1][7] = 12.5
    rows[2][6] = pd.Timestamp("2025-05-03").to_pydatetime()  # Excel read "3-5" as a date
    path = _excel(tmp_path / "lieferung.xlsx", rows)
    text = report(validation.validate(path, validation.Context.load()).problems)
    assert "lieferung.xlsx, Blatt „Daten“, Zeile 2, Spalte H „Wert“: Anzahl mit Nachkommastellen. Gefunden: „12,5“" in text
    assert "Blatt „Daten“, Zeile 3, Spalte G „Alter“: Datum statt Altersgruppe" in text
    assert "als Text formatieren" in text


def test_excel_with_several_sheets_needs_a_daten_sheet(tmp_path):
    path = _excel(tmp_path / "zwei.xlsx", EXCEL_ROWS, sheets=("Tabelle1", "Tabelle2"))
    text = report(validation.validate(path, validation.Context.load()).problems)
    assert "zwei.xlsx: Mehrere Tabellenblätter, keines heißt „Daten“. Gefunden: „Tabelle1, Tabelle2“" in text


def test_symbols_become_flags():
    delivery = validation.validate(VALID / "zeichen.csv", validation.Context.load())
    assert delivery.problems == []
    got = {(r.measure, r.area_level, r.area_code): (None if pd.isna(r.value) else int(r.value), r.flag)
           for r in delivery.rows.itertuples()}
    assert got == {
        ("unemployed_under25", "stadtteil", "11"): (0, "-"),
        ("unemployed_under25", "stadtteil", "12"): (0, "-"),  # en dash
        ("unemployed_55plus", "stadtteil", "11"): (None, "."),
        ("unemployed_55plus", "stadtteil", "12"): (None, "."),  # symbol in the Zeichen column
        ("unemployed_55plus", "stadtteil", "34"): (None, "…"),
        ("unemployed_sgb3", "stadtteil", "11"): (None, "x"),
        ("unemployed_sgb3", "stadtteil", "12"): (12, "p"),
        ("unemployed_sgb3", "stadtteil", "34"): (60, "r"),
        ("unemployed_under25", "stadtteil", "34"): (0, "-"),
        ("unemployed_under25", "stadt", "05515000"): (None, "…"),  # "..." and no number for the city
        ("unemployed_sgb3", "unzugeordnet", "0"): (12, "r"),
    }


def test_consistent_parts_and_sums_pass(tmp_path):
    """Stadtteile + „nicht zuzuordnen“ = city, male + female = total, numerator ≤ denominator."""
    from helpers.sources.muenster.hierarchy import STADTTEILE

    lines = ["Jahr;Ebene;Gebiet-Nr;Merkmal;Geschlecht;Wert"]
    lines += [f"2018;Stadtteil;{c};seu_examined;insgesamt;10" for c in STADTTEILE]
    lines += [f"2018;Stadtteil;{c};seu_language_support;insgesamt;4" for c in STADTTEILE]
    lines += ["2018;nicht zuzuordnen;0;seu_examined;insgesamt;3", "2018;Stadt;05515000;seu_examined;insgesamt;453",
              "2018;Stadt;05515000;seu_examined;männlich;200", "2018;Stadt;05515000;seu_examined;weiblich;253"]
    path = write_csv(tmp_path, "gesundheitsamt.csv", "\n".join(lines) + "\n")
    delivery = validation.validate(path, validation.Context.load())
    assert delivery.problems == [] and len(delivery.rows) == 94


# --- the broken corpus -----------------------------------------------------------------------------


def test_corpus_is_complete():
    files = sorted(p.name for p in BROKEN.iterdir())
    assert files == sorted(EXPECTED) and len(files) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_delivery_is_refused_with_its_message(name, root):
    before = snapshot(root)
    outcome = ingest.ingest([BROKEN / name])
    text = report(outcome.problems)
    assert outcome.errors and not outcome.stored
    for phrase in EXPECTED[name]:
        assert phrase in text, f"{name}: {phrase!r} fehlt in\n{text}"
    assert snapshot(root) == before


def test_broken_delivery_exits_1_and_says_what_to_do(root, capsys):
    code, text = run([BROKEN / "26_drei_probleme.csv"], capsys)
    assert code == 1
    assert text.count("FEHLER") == 3  # all problems of the file, not only the first
    assert "Nichts gespeichert: 3 Fehler" in text and "make ingest FILE=" in text
    assert not (paths.DATA / "raw").exists()


def test_problems_are_sorted_by_row(root):
    text = report(ingest.ingest([BROKEN / "26_drei_probleme.csv"]).problems)
    assert text.index("Zeile 2,") < text.index("Zeile 4,") < text.index("Zeile 5,")


def test_good_and_broken_file_together_store_nothing(root, capsys):
    before = snapshot(root)
    code, text = run([VALID / "semikolon_utf8.csv", BROKEN / "03_text_im_wert.csv"], capsys)
    assert code == 1 and snapshot(root) == before


# --- storing ----------------------------------------------------------------------------------------


def test_ingest_keeps_the_raw_file_and_stores_the_values(root, capsys):
    before = observations.observations()
    code, text = run([VALID / "semikolon_utf8.csv"], capsys)
    assert code == 0, text
    assert ("semikolon_utf8.csv: 7 Werte neu, 0 unverändert, 0 revidiert; "
            "Rohdatei gespeichert unter data/muenster/raw/2018/semikolon_utf8.csv.") in text
    raw = paths.DATA / "raw" / "2018" / "semikolon_utf8.csv"
    original = (VALID / "semikolon_utf8.csv").read_bytes()
    assert raw.read_bytes() == original
    sha = hashlib.sha256(original).hexdigest()
    assert (paths.DATA / "raw" / "SHA256SUMS").read_text() == f"{sha}  2018/semikolon_utf8.csv\n"
    delivered = observations.read_observation_file(paths.DATA / "observations" / "deliveries.csv")
    assert len(delivered) == 7 and not delivered["synthetic"].any()
    assert set(delivered["source"]) == {f"Lieferung raw/2018/semikolon_utf8.csv (sha256 {sha[:12]})"}
    after = observations.observations()  # no cache clearing needed: the file state is part of the cache key
    assert len(after) == len(before) + 7
    log = core_store.committed_log(core_store.Store.current())
    assert log[["sha256", "file", "new", "unchanged", "revised"]].values.tolist() == [[sha, "semikolon_utf8.csv", "7", "0", "0"]]


def test_reingesting_the_same_file_changes_nothing(root, capsys):
    assert run([VALID / "semikolon_utf8.csv"], capsys)[0] == 0
    before = snapshot(root)
    code, text = run([VALID / "semikolon_utf8.csv"], capsys)
    assert code == 0 and "semikolon_utf8.csv: bereits eingelesen am " in text and "nichts geändert" in text
    assert snapshot(root) == before


def test_same_values_from_another_file_change_no_observation(root, capsys):
    assert run([VALID / "semikolon_utf8.csv"], capsys)[0] == 0
    deliveries = (paths.DATA / "observations" / "deliveries.csv").read_bytes()
    code, text = run([VALID / "komma_utf8.csv"], capsys)
    assert code == 0 and "komma_utf8.csv: 0 Werte neu, 7 unverändert, 0 revidiert" in text
    assert (paths.DATA / "observations" / "deliveries.csv").read_bytes() == deliveries
    assert (paths.DATA / "raw" / "2018" / "komma_utf8.csv").exists()  # kept all the same


def test_a_different_file_with_the_same_name_is_kept_beside(root, tmp_path, capsys):
    first = write_csv(tmp_path, "arbeitslose.csv", HEADER + "2018;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;40;\n")
    assert run([first], capsys)[0] == 0
    other = tmp_path / "zweite"
    other.mkdir()
    second = write_csv(other, "arbeitslose.csv", HEADER + "2018;12;Überwasser;unemployed;insgesamt;insgesamt;insgesamt;22;\n")
    code, text = run([second], capsys)
    sha = hashlib.sha256(second.read_bytes()).hexdigest()
    assert code == 0 and f"data/muenster/raw/2018/arbeitslose.{sha[:8]}.csv" in text
    assert (paths.DATA / "raw" / "2018" / "arbeitslose.csv").read_bytes() == first.read_bytes()


def test_two_files_of_the_same_name_in_one_run(root, tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_csv(tmp_path / "a", "x.csv", HEADER + "2018;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;40;\n")
    second = write_csv(tmp_path / "b", "x.csv", HEADER + "2018;12;Überwasser;unemployed;insgesamt;insgesamt;insgesamt;22;\n")
    assert run([first, second], capsys)[0] == 0
    stored = sorted(p.name for p in (paths.DATA / "raw" / "2018").iterdir())
    assert len(stored) == 2 and "x.csv" in stored
    assert len((paths.DATA / "raw" / "SHA256SUMS").read_text().splitlines()) == 2


# --- revisions ----------------------------------------------------------------------------------------


def _revision_2014(tmp_path: Path, value: int = 37) -> Path:
    """Aegidii's unemployed 2014 are 36 in sms.csv."""
    return write_csv(tmp_path, "korrektur_2014.csv", HEADER + f"2014;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;{value};\n")


def _aegidii_2014() -> pd.Series:
    obs = observations.observations()
    hit = obs[(obs["year"] == 2014) & (obs["area_code"] == "11") & (obs["area_level"] == "stadtteil")
              & (obs["measure"] == "unemployed") & (obs["sex"] == "total") & (obs["origin"] == "total")]
    assert len(hit) == 1
    return hit.iloc[0]


def test_a_different_value_needs_revise(root, tmp_path, capsys):
    before = snapshot(root)
    code, text = run([_revision_2014(tmp_path)], capsys)
    assert code == 1
    assert "korrektur_2014.csv, Zeile 2, Spalte „Wert“: Wert weicht vom bereits gespeicherten Wert ab" in text
    assert "neu 37, gespeichert 36 aus „SMS Arbeitslose 2014" in text and "--revise" in text
    assert snapshot(root) == before


def test_revise_stores_logs_and_flags_r(root, tmp_path, capsys):
    sms = (paths.DATA / "observations" / "sms.csv").read_bytes()
    path = _revision_2014(tmp_path)
    code, text = run([path, "--revise"], capsys)
    assert code == 0 and "0 Werte neu, 0 unverändert, 1 revidiert" in text
    row = _aegidii_2014()
    assert (row["value"], row["flag"]) == (37, "r") and row["source"].startswith("Lieferung raw/2014/korrektur_2014.csv")
    assert (paths.DATA / "observations" / "sms.csv").read_bytes() == sms  # the old file is untouched
    log = core_store.committed_revisions(core_store.Store.current())
    entry = log.iloc[0].to_dict()
    assert len(log) == 1 and entry["old_value"] == "36" and entry["new_value"] == "37" and entry["new_flag"] == "r"
    assert entry["old_source"] == 'SMS Arbeitslose 2014, "Arbeitslose"' and entry["file"] == "korrektur_2014.csv"
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and entry["time"].endswith("Z")
    assert entry["kind"] == core_store.REVISION


def test_revising_a_delivered_value_names_the_earlier_delivery(root, tmp_path, capsys):
    assert run([VALID / "semikolon_utf8.csv"], capsys)[0] == 0
    path = write_csv(tmp_path, "nachlieferung.csv", HEADER + "2018;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;41;\n")
    code, text = run([path], capsys)
    assert code == 1 and "neu 41, gespeichert 40 aus „Lieferung raw/2018/semikolon_utf8.csv" in text
    code, text = run([path, "--revise"], capsys)
    assert code == 0
    delivered = observations.read_observation_file(paths.DATA / "observations" / "deliveries.csv")
    assert len(delivered) == 7 and delivered["flag"].eq("r").sum() == 1
    log = core_store.committed_revisions(core_store.Store.current())
    assert log.iloc[0]["old_source"].startswith("Lieferung raw/2018/semikolon_utf8.csv")


def test_demo_values_are_replaced_without_revise(root, tmp_path, capsys):
    path = write_csv(tmp_path, "schulamt.csv", HEADER + "2014;11;Aegidii;transition_pupils;insgesamt;insgesamt;insgesamt;30;\n")
    code, text = run([path], capsys)
    assert code == 0 and "1 Demowerte ersetzt" in text
    obs = observations.observations()
    hit = obs[(obs["year"] == 2014) & (obs["area_code"] == "11") & (obs["measure"] == "transition_pupils") & (obs["origin"] == "total")]
    assert hit[["value", "synthetic", "flag"]].values.tolist() == [[30, False, ""]]
    assert core_store.committed_revisions(core_store.Store.current())["kind"].tolist() == [core_store.REPLACES_SYNTHETIC]


def test_values_not_yet_available_are_filled_without_revise(root, tmp_path, capsys):
    first = write_csv(tmp_path, "vorab.csv", HEADER + "2018;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;…;\n")
    assert run([first], capsys)[0] == 0
    later = write_csv(tmp_path, "nachlieferung.csv", HEADER + "2018;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;41;\n")
    code, text = run([later], capsys)
    assert code == 0 and "1 bisher „…“ nachgeliefert" in text
    assert core_store.committed_revisions(core_store.Store.current())["kind"].tolist() == [core_store.FILLS_PENDING]


def test_a_duplicate_without_logged_revision_stays_an_error(root):
    folder = paths.DATA / "observations"
    sms = pd.read_csv(folder / "sms.csv", dtype=str, keep_default_na=False)
    sms.head(1).assign(value="999", flag="r", source="von Hand").to_csv(folder / "deliveries.csv", index=False)
    with pytest.raises(model.DataError, match="kommen in mehreren Dateien vor.*REVISE=1"):
        observations.observations()


def test_a_hand_edited_deliveries_file_voids_the_logged_revisions(root, tmp_path, capsys):
    assert run([_revision_2014(tmp_path), "--revise"], capsys)[0] == 0
    target = paths.DATA / "observations" / "deliveries.csv"
    target.write_text(target.read_text(encoding="utf-8").replace("\n", "\r\n"), encoding="utf-8")
    with pytest.raises(model.DataError, match="kommen in mehreren Dateien vor"):
        observations.observations()  # the log no longer matches: the revision is not a logged one


def test_a_changed_flag_is_a_revision(root, tmp_path, capsys):
    """36 stored without flag; 36 delivered as provisional (p) is a different statement."""
    code, text = run([_revision_2014(tmp_path, "36 p")], capsys)
    assert code == 1 and "neu 36 p, gespeichert 36 aus" in text


# --- jumps --------------------------------------------------------------------------------------------


def test_large_jumps_need_confirmation(root, tmp_path, capsys):
    path = write_csv(tmp_path, "sprung.csv", HEADER + "2018;34;Düesberg;unemployed;insgesamt;insgesamt;insgesamt;400;\n")
    before = snapshot(root)
    code, text = run([path], capsys)
    assert code == 1 and snapshot(root) == before
    assert "WARNUNG  sprung.csv, Zeile 2, Spalte „Wert“: großer Sprung gegenüber dem letzten gespeicherten Jahr" in text
    assert "2018: 400 gegenüber 2014: 163 (+145 %, +237)" in text and "CONFIRM=1" in text
    code, text = run([path, "--confirm-jumps"], capsys)
    assert code == 0 and "1 Werte neu" in text
    # said as confirmed and stored, not as a warning with a fix still to apply
    assert ("BESTÄTIGT  sprung.csv, Zeile 2, Spalte „Wert“: großer Sprung gegenüber dem letzten gespeicherten Jahr. "
            "Gefunden: 2018: 400 gegenüber 2014: 163 (+145 %, +237)") in text
    assert "WARNUNG" not in text and "So beheben" not in text
    assert core_store.committed_log(core_store.Store.current())["confirmed_jumps"].tolist() == ["True"]


def test_small_counts_do_not_jump(root, tmp_path):
    path = write_csv(tmp_path, "klein.csv", HEADER + "2018;12;Überwasser;unemployed;insgesamt;insgesamt;insgesamt;40;\n")
    assert ingest.ingest([path]).warnings == []  # 21 -> 40: +90 %, but only +19


# --- an interrupted run --------------------------------------------------------------------------------


def test_an_interrupted_write_leaves_the_previous_state(root, tmp_path, monkeypatch, capsys):
    assert run([VALID / "semikolon_utf8.csv"], capsys)[0] == 0
    observations_before = {p.name: p.read_bytes() for p in (paths.DATA / "observations").iterdir()}
    obs_before = observations.observations()

    def crash(target, content):
        raise KeyboardInterrupt("Stromausfall")

    original = storage.write_deliveries
    monkeypatch.setattr(storage, "write_deliveries", crash)
    path = _revision_2014(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        ingest.ingest([path], revise=True)
    assert {p.name: p.read_bytes() for p in (paths.DATA / "observations").iterdir()} == observations_before
    pd.testing.assert_frame_equal(observations.observations(), obs_before)
    store = core_store.Store.current()
    assert len(core_store._read_log(store.ingest_log, core_store.LOG_COLUMNS)) == 1  # the crash came before the commit point
    assert core_store.committed_revisions(store).empty
    assert (paths.DATA / storage.STAGING_DIR).is_dir()  # what was staged stays until the next ingest …

    monkeypatch.setattr(storage, "write_deliveries", original)
    code, text = run([path, "--revise"], capsys)
    assert code == 0 and "1 revidiert" in text
    assert "Reste eines abgebrochenen Einlesens entfernt (.ingest-staging); gespeichert war davon nichts." in text
    assert not (paths.DATA / storage.STAGING_DIR).exists()  # … which removes it and says so
    assert len(core_store._read_log(store.ingest_log, core_store.LOG_COLUMNS)) == 2
    assert len(core_store._read_log(store.revisions, core_store.REVISION_LOG_COLUMNS)) == 1
    assert (_aegidii_2014()["value"], _aegidii_2014()["flag"]) == (37, "r")


# --- command line and Makefile -------------------------------------------------------------------------


def test_a_second_ingest_waits_for_the_first_and_gives_up_after_the_bound(root, capsys, monkeypatch):
    monkeypatch.setenv(storelock.WAIT_ENV, "0.3")
    with storage.locked(core_store.Store.current(), say=print):
        capsys.readouterr()
        code, text = run([VALID / "semikolon_utf8.csv"], capsys)
    assert code == 1
    assert re.search(rf"Ein anderes Einlesen läuft \(seit 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC, Prozess {os.getpid()}\); "
                     r"warte bis zu 0.3 s", text), text
    assert "nach 0.3 s Warten aufgegeben, nichts gespeichert" in text
    assert not core_store.Store.current().deliveries_csv.exists()
    code, text = run([VALID / "semikolon_utf8.csv"], capsys)
    assert code == 0 and "warte" not in text and "abgebrochen" not in text  # a released lock leaves no record
    assert not (paths.DATA / storelock.INGEST_HOLDER).exists()


class _FakeMsvcrt:
    """msvcrt.locking's behaviour for the Windows branch of helpers.core.fileio.try_lock: byte ranges, each
    byte held by one open file at a time (across processes on Windows), refused at once with LK_NBLCK."""

    LK_NBLCK, LK_UNLCK = 2, 0

    def __init__(self) -> None:
        self.held: dict[tuple[int, int], int] = {}  # (inode, byte) -> fd holding it
        self.calls: list[str] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        inode, start = os.fstat(fd).st_ino, os.lseek(fd, 0, os.SEEK_CUR)
        assert start >= fileio._LOCK_OFFSET  # past any content: the holder record stays readable
        span = [(inode, start + i) for i in range(nbytes)]
        if mode == self.LK_NBLCK:
            if any(b in self.held for b in span):
                self.calls.append("refused")
                raise PermissionError(13, "Permission denied")
            self.held.update(dict.fromkeys(span, fd))
            self.calls.append(f"locked {nbytes}")
        else:
            assert all(self.held.pop(b) == fd for b in span)
            self.calls.append(f"unlocked {nbytes}")


def test_the_locks_work_without_fcntl_as_on_windows(root, monkeypatch, capsys):
    fake = _FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "fcntl", None)  # import fcntl -> ImportError, as on Windows
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setenv(storelock.WAIT_ENV, "0")
    with storage.locked(core_store.Store.current()):
        code, text = run([VALID / "semikolon_utf8.csv"], capsys)
    assert code == 1 and "Ein anderes Einlesen läuft" in text and "aufgegeben, nichts gespeichert" in text
    assert fake.calls[:2] == ["locked 64", "refused"] and not fake.held
    data = paths.DATA
    with storelock.reading(data), storelock.reading(data):  # readers share the store …
        with pytest.raises(storelock.Busy, match="Nichts gespeichert: ein Bericht wird"):
            with storelock.committing(data):  # … and keep a commit out
                pass
    assert not fake.held
    with storelock.committing(data), pytest.raises(storelock.Busy, match="kein Bericht erstellt"):
        with storelock.reading(data):
            pass
    assert run([VALID / "semikolon_utf8.csv"], capsys)[0] == 0
    assert not fake.held


def test_no_file_given(root, capsys):
    code, text = run([], capsys)
    assert code == 1 and "keine Datei angegeben" in text


def test_missing_file(root, capsys):
    code, text = run([root / "gibt_es_nicht.csv"], capsys)
    assert code == 1 and "Datei nicht gefunden" in text


def test_check_only_stores_nothing(root, capsys):
    before = snapshot(root)
    code, text = run([VALID / "semikolon_utf8.csv", "--check"], capsys)
    assert code == 0 and "würde speichern: 7 Werte neu" in text and snapshot(root) == before


def test_make_targets_call_the_modules():
    if shutil.which("make") is None:
        pytest.skip("make fehlt")
    out = subprocess.run(["make", "-n", "-o", ".venv/.installed", "ingest", "FILE=a.csv b.xlsx", "REVISE=1", "CONFIRM=1"],
                         cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=True).stdout
    assert "-m helpers ingest --files-from-env IM_INGEST_FILE --revise --confirm-jumps" in out
    assert "a.csv" not in out  # the names travel in the environment, never through the shell
    out = subprocess.run(["make", "-n", "-o", ".venv/.installed", "templates", "YEAR=2018"],
                         cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=True).stdout
    assert "-m helpers templates --jahr 2018" in out


# --- templates -------------------------------------------------------------------------------------------


def test_measures_belong_to_their_data_owner():
    owners = templates.measure_owners(catalogue.load(paths.CATALOGUE_YAML))
    assert owners["unemployed"] == "Bundesagentur für Arbeit"
    assert owners["population"] == templates.reference_owner()
    assert owners["residents"] == templates.reference_owner()  # divided by in many owners' indicators
    assert owners["seu_examined"] == "Gesundheits- und Veterinäramt"  # a denominator of one owner only


def test_templates_explain_and_pass_the_intake_when_filled(root, tmp_path):
    written = templates.write_all(2018, tmp_path)
    # a published rate (the Einbürgerungsquote) has no counts to deliver: its owner gets no template
    owners = {i.data_owner.split(";")[0].strip() for i in catalogue.load(paths.CATALOGUE_YAML).indicators if i.counted}
    assert len(written) == len(owners | {templates.reference_owner()})
    path = next(p for p in written if "Bundesagentur_fuer_Arbeit_2018" in p.name)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Daten", "Angaben", "Erläuterung"]
    sheet = book["Daten"]
    header = [c.value for c in sheet[1]]
    assert header == templates.COLUMNS
    assert None not in [cells.header_role(h) for h in header]  # the reader knows every template column
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6 * 46  # 6 measure/groups x (45 Stadtteile + city)
    assert all(r[header.index("Wert")] is None for r in rows)
    explanation = " ".join(str(c.value) for row in book["Erläuterung"].iter_rows() for c in row if c.value)
    for phrase in ("Senden an", "Zeichenerklärung", "Zahlenwert genau null", "Gebiet-Nr", "unemployed_longterm"):
        assert phrase in explanation
    info = {r[0]: r[1] for r in book["Angaben"].iter_rows(values_only=True)}
    assert info["Datenhalter"] == "Bundesagentur für Arbeit" and info["Quelle"]
    # fill: every Stadtteil the same, the city the sum
    per_stadtteil = {("unemployed", "insgesamt"): 100, ("unemployed", "Ausländer/-innen"): 30}
    for (cell_row, values) in zip(sheet.iter_rows(min_row=2), rows):
        measure, origin, level = values[4], values[7], values[1]
        value = per_stadtteil.get((measure, origin), 20)
        cell_row[header.index("Wert")].value = value * (45 if level == "Stadt" else 1)
    book.save(path)
    delivery = validation.validate(path, validation.Context.load(observations.observations()))
    assert delivery.problems == [] and len(delivery.rows) == 6 * 46
    assert delivery.info["Quelle"] == info["Quelle"]


def test_templates_command(root, capsys):
    assert templates.main(["--year", "2018"]) == 0
    out = capsys.readouterr().out
    assert "Vorlagen für das Berichtsjahr 2018 geschrieben" in out
    assert (paths.TEMPLATES_DIR / "Vorlage_Jobcenter_Muenster_2018.xlsx").exists()
    assert paths.TEMPLATES_DIR == root / "outputs" / "muenster" / "templates"


def test_delivery_text_cannot_start_a_formula_in_the_logs(root, tmp_path, capsys):
    """Issue 14: text from a delivery's "Angaben" sheet and its file name reach data/ingest_log.csv,
    which staff open in Excel; there it must stay text, as in the exported tables."""
    path = _excel(tmp_path / "=lieferung.xlsx", EXCEL_ROWS, sheets=("Daten", "Angaben"))
    book = openpyxl.load_workbook(path)
    info = book["Angaben"]
    info["A1"] = "Quelle"
    info["B1"] = '=HYPERLINK("http://example.org";"Melderegister")'
    info["B1"].data_type = "s"  # typed as text (as '=… in Excel), not a formula
    book.save(path)
    code, text = run([path, "--confirm-jumps"], capsys)
    assert code == 0, text
    log = core_store.committed_log(core_store.Store.current())
    assert log["quelle"].tolist() == ['\'=HYPERLINK("http://example.org";"Melderegister")']
    assert log["file"].tolist() == ["'=lieferung.xlsx"]
    raw = (paths.DATA / "ingest_log.csv").read_text(encoding="utf-8")
    assert ",=" not in raw and ',"=' not in raw  # no field starts with "="
    # the stored values keep naming their delivery, and a second ingest of the same file changes nothing
    assert run([path, "--confirm-jumps"], capsys)[0] == 0
    assert len(core_store.committed_log(core_store.Store.current())) == 1


WEIRD_NAME = "Lieferung 2015 (Stand 31.12.) – Bevölkerung & Co; $HOME 'ä' \"x\".csv"


def test_file_names_from_make_keep_spaces_quotes_and_shell_characters(tmp_path):
    """Issue 14: `make ingest FILE=…` passes the value through the environment; nothing splits or expands it."""
    weird = tmp_path / WEIRD_NAME
    weird.write_text("x", encoding="utf-8")
    other = tmp_path / "b.csv"
    other.write_text("x", encoding="utf-8")
    (tmp_path / "notiz.txt").write_text("x", encoding="utf-8")
    assert ingest.paths_from_value(str(weird)) == [str(weird)]
    assert ingest.paths_from_value(str(tmp_path)) == sorted([str(other), str(weird)])  # a folder: its deliveries
    assert ingest.paths_from_value(str(tmp_path / "*.csv")) == sorted([str(other), str(weird)])
    assert ingest.paths_from_value(f"{shlex.quote(str(weird))} {other}") == [str(weird), str(other)]  # several, quoted
    assert ingest.paths_from_value("  ") == []


@pytest.mark.slow
@pytest.mark.skipif(not (paths.ROOT / ".venv" / ".installed").exists(), reason="make's environment not set up")
def test_make_ingest_takes_a_file_name_with_shell_characters(tmp_path):
    weird = tmp_path / WEIRD_NAME
    shutil.copyfile(VALID / "semikolon_utf8.csv", weird)
    before = {p.name: p.read_bytes() for p in (paths.OBSERVATIONS_DIR).iterdir()}
    done = subprocess.run(["make", "-s", "-o", ".venv/.installed", "ingest", f"FILE={weird}", "CHECK=1"], cwd=paths.ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Nur geprüft, nichts gespeichert." in done.stdout
    assert "Syntax error" not in done.stderr and "nicht gefunden" not in done.stdout + done.stderr
    assert {p.name: p.read_bytes() for p in (paths.OBSERVATIONS_DIR).iterdir()} == before
