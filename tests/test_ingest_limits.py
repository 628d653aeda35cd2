"""Limits that speak: a delivery beyond a configured limit (file size, rows, distinct keys, cell length) is
refused while or before it is read, with its size, the limit and where to change it; the ingest command
caps its own memory and ends a delivery that needs more in a German message (exit 1, nothing stored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from helpers.core import config, context, paths, storelock
from helpers.intake import ingest, read, read_limits

HEADER = "Jahr;Gebiet-Nr;Gebiet;Merkmal;Geschlecht;Herkunft;Alter;Wert;Zeichen\n"
STADTTEILE = [("11", "Aegidii"), ("12", "Überwasser"), ("13", "Dom"), ("14", "Buddenturm"), ("15", "Martini")]


def rows(count: int) -> str:
    return "".join(f"2018;{code};{name};unemployed;insgesamt;insgesamt;insgesamt;{10 + i};\n"
                   for i, (code, name) in enumerate(STADTTEILE[:count]))


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the data folder but the (empty) lock files, which stay once an ingest has run."""
    locks = {storelock.INGEST_LOCK, storelock.STORE_LOCK}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "data").rglob("*"))
            if p.is_file() and p.name not in locks}


def settings(folder: Path, **intake) -> Path:
    """The city's config/<city>/monitoring.yml as committed, with these intake limits over the shared ones."""
    raw = yaml.safe_load(Path(paths.CONFIG_YAML).read_text(encoding="utf-8"))
    raw["intake"] = {**raw.get("intake", {}), **intake}
    target = folder / "monitoring.yml"
    target.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


@pytest.fixture
def limited(root, tmp_path, monkeypatch):
    """Set intake limits for one test: limited(max_rows=3)."""
    def set_limits(**intake) -> None:
        settings(Path(paths.CONFIG_YAML).parent, **intake)  # the root's copy (fixture root)
    return set_limits


def run(argv: list, capsys) -> tuple[int, str]:
    code = ingest.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_defaults_are_generous_and_set_in_the_config_file():
    limits = config.intake()
    assert limits == config.IntakeLimits()
    assert limits.max_rows >= 1_000_000 and limits.max_file_mb >= 100 and limits.memory_gb >= 4
    assert limits.max_cell_chars == 32_767  # Excel's own limit
    assert "intake:" in Path(paths.SHARED_CONFIG_YAML).read_text(encoding="utf-8")  # one setting for every city


@pytest.mark.parametrize(("text", "message"), [
    ("max_rows: 0", "intake: 'max_rows' muss eine ganze Zahl > 0 sein, gefunden: 0. Standard: 1000000."),
    ("max_keys: 2.5", "intake: 'max_keys' muss eine ganze Zahl > 0 sein, gefunden: 2.5."),
    ("max_file_mb: viel", "intake: 'max_file_mb' muss eine Zahl > 0 sein, gefunden: 'viel'."),
    ("memory_gb: -1", "intake: 'memory_gb' muss eine Zahl ≥ 0 (0: keine Grenze) sein, gefunden: -1."),
    ("max_zeilen: 5", "'intake': unbekannte(r) Schlüssel max_zeilen; erlaubt: max_file_mb, max_rows"),
])
def test_a_bad_limit_is_named_in_german(text, message):
    with pytest.raises(config.ConfigError) as caught:
        config.parse("chapters: [{notebook: 00_a.ipynb}]\nintake: {" + text + "}", Path("config/monitoring.yml"))
    assert str(caught.value).startswith("config/monitoring.yml: ") and message in str(caught.value)


def test_limits_left_out_keep_their_defaults_and_memory_0_means_no_cap():
    limits = config.parse("chapters: [{notebook: 00_a.ipynb}]\nintake: {max_rows: 10, memory_gb: 0}", Path("x")).intake
    assert limits.max_rows == 10 and limits.max_keys == config.INTAKE_DEFAULTS["max_keys"] and limits.memory_bytes is None


def test_a_bad_limit_stops_the_command_before_reading(limited, tmp_path, capsys):
    limited(max_rows="viele")
    path = tmp_path / "lieferung.csv"
    path.write_text(HEADER + rows(1), encoding="utf-8")
    code, text = run([path], capsys)
    assert code == 1 and "Fehler in den Einstellungen" in text and "'max_rows' muss eine ganze Zahl > 0 sein" in text


def test_a_file_beyond_the_size_limit_is_refused_before_it_is_read(root, limited, tmp_path, capsys, monkeypatch):
    limited(max_file_mb=0.001)  # 1 KB
    path = tmp_path / "gross.csv"
    path.write_text(HEADER + rows(5) * 10, encoding="utf-8")
    monkeypatch.setattr(ingest, "sha256_file", lambda p: pytest.fail("the file was read"))
    before = snapshot(root)
    code, text = run([path], capsys)
    assert code == 1, text
    size = path.stat().st_size
    assert ("FEHLER  gross.csv: Datei zu groß: 3,3 KB (Grenze: 1 KB, intake: max_file_mb in config/monitoring.yml)"
            if size == 3380 else "FEHLER  gross.csv: Datei zu groß: ") in text
    assert "die Grenze in config/monitoring.yml erhöhen (Abschnitt intake, Schlüssel max_file_mb)" in text
    assert snapshot(root) == before


def test_read_table_checks_the_size_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "gross.csv"
    path.write_text(HEADER + rows(5), encoding="utf-8")
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(read.ReadError) as caught:
        read.read_table(path, config.IntakeLimits(max_file_mb=100 / 2**20))  # 100 bytes
    assert "Datei zu groß" in caught.value.problems[0].text()


def test_a_delivery_with_too_many_rows_is_refused_where_the_limit_is_passed(root, limited, tmp_path, capsys):
    limited(max_rows=3)
    path = tmp_path / "viele.csv"
    path.write_text("Arbeitslose 2018\n" + HEADER + rows(5), encoding="utf-8")
    before = snapshot(root)
    code, text = run([path], capsys)
    assert code == 1
    assert ("FEHLER  viele.csv, Zeile 6: Lieferung zu groß: mehr als 3 Datenzeilen (Grenze: intake: max_rows in "
            "config/monitoring.yml); Lesen bei dieser Zeile abgebrochen") in text
    assert "Schlüssel max_rows" in text and snapshot(root) == before
    limited(max_rows=5)  # exactly at the limit: stored
    code, text = run([path, "--confirm-jumps"], capsys)
    assert code == 0, text


def test_reading_stops_at_the_row_limit_without_reading_the_rest(tmp_path):
    """The refusal comes from the row that passes the limit: the reader streams, it does not collect first."""
    path = tmp_path / "viele.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Daten"
    sheet.append(HEADER.strip().split(";"))
    for i in range(50):
        sheet.append([2018, 11, "Aegidii", "unemployed", "insgesamt", "insgesamt", "insgesamt", i, None])
    book.save(path)
    with pytest.raises(read.ReadError) as caught:
        read.read_table(path, config.IntakeLimits(max_rows=10))
    problem = caught.value.problems[0]
    assert problem.where.row == 12 and problem.where.sheet == "Daten" and "mehr als 10 Datenzeilen" in problem.message


def test_a_delivery_with_too_many_distinct_keys_is_refused(root, limited, tmp_path, capsys):
    limited(max_keys=2)
    path = tmp_path / "schluessel.csv"
    path.write_text(HEADER + rows(3), encoding="utf-8")
    code, text = run([path], capsys)
    assert code == 1
    assert ("schluessel.csv, Zeile 4: Lieferung zu groß: mehr als 2 verschiedene Kombinationen aus Jahr, Gebiet, "
            "Merkmal und Gruppe (Grenze: intake: max_keys in config/monitoring.yml)") in text
    path.write_text(HEADER + rows(2) * 3, encoding="utf-8")  # repeated keys count once (the duplicates are refused)
    code, text = run([path], capsys)
    assert "Lieferung zu groß" not in text and "Zeile doppelt" in text


def test_a_cell_beyond_the_length_limit_is_named_with_its_column(root, limited, tmp_path, capsys):
    limited(max_cell_chars=20)
    path = tmp_path / "lang.csv"
    path.write_text(HEADER + "2018;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;40;"
                    + "Zeichen, viel zu viele Zeichen\n", encoding="utf-8")
    code, text = run([path], capsys)
    assert code == 1
    assert ("lang.csv, Zeile 2, Spalte „Zeichen“: Zelle mit 30 Zeichen Text. Gefunden: „Zeichen, viel zu viele "
            "Zeichen …“. Erwartet: höchstens 20 Zeichen je Zelle (intake: max_cell_chars in config/monitoring.yml)") in text


def test_the_memory_cap_is_a_no_op_without_resource(monkeypatch):
    monkeypatch.setattr(ingest, "resource", None)
    with ingest.memory_capped(1) as cap:
        assert cap is None
        assert len(bytearray(10**6)) == 10**6


@pytest.mark.skipif(ingest.resource is None, reason="POSIX only: Windows has no RLIMIT_AS")
def test_the_memory_cap_is_restored_afterwards():
    before = ingest.resource.getrlimit(ingest.resource.RLIMIT_AS)
    with ingest.memory_capped(2**30) as cap:
        assert cap is not None and ingest.resource.getrlimit(ingest.resource.RLIMIT_AS)[0] == cap
    assert ingest.resource.getrlimit(ingest.resource.RLIMIT_AS) == before


@pytest.mark.slow
@pytest.mark.skipif(ingest.resource is None, reason="POSIX only: Windows has no RLIMIT_AS")
def test_a_delivery_beyond_the_memory_cap_ends_in_a_german_message(ingest_base, tmp_path):
    """The real command in its own process, with a cap of 30 MB beyond its start: exit 1, no traceback,
    nothing stored."""
    root = tmp_path / "root"
    shutil.copytree(ingest_base, root)
    settings(root / "config" / paths.CITY, memory_gb=0.03)
    path = tmp_path / "speicher.csv"
    codes = [c for c, _ in STADTTEILE]
    path.write_text(HEADER + "".join(f"{1990 + i % 30};{codes[i % 5]};;unemployed;insgesamt;insgesamt;{i % 90}-{i % 90};"
                                     f"{i};\n" for i in range(150_000)), encoding="utf-8")
    before = snapshot(root)
    env = {**os.environ, context.ENV: context.RunContext(root=root, city=paths.CITY).to_json()}
    env.pop(context.CITY_ENV, None)
    done = subprocess.run([sys.executable, "-m", "helpers", "ingest", str(path)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Fehler: Die Lieferung braucht mehr Arbeitsspeicher als erlaubt (0,03 GB; speicher.csv)" in done.stderr
    assert "Traceback" not in done.stderr and "Nichts gespeichert" in done.stderr
    assert "Schlüssel memory_gb" in done.stderr
    assert snapshot(root) == before


def test_the_readme_states_the_defaults():
    text = " ".join((paths.ROOT / "README.md").read_text(encoding="utf-8").split())
    defaults = config.INTAKE_DEFAULTS
    de = read_limits.german_number
    assert (f"Eine Datei über {de(defaults['max_file_mb'])} MB, mit mehr als {de(defaults['max_rows'])} Datenzeilen "
            f"oder {de(defaults['max_keys'])} verschiedenen Kombinationen") in text
    assert f"mit einer Zelle über {de(defaults['max_cell_chars'])} Zeichen" in text
    assert f"höchstens {de(defaults['memory_gb'])} GB Arbeitsspeicher zusätzlich" in text
