"""The table export on a hand-made frame: layout, value types, formula safety, determinism."""

from __future__ import annotations

import datetime
import io
import time
import types
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from helpers.publish import tables
from helpers.publish.tables import sheet_names, write_tables

YEAR = 2014
HYPERLINK = '=HYPERLINK("http://x")'
DANGEROUS = [HYPERLINK, "+Plusviertel", "-Minusdorf", "@Atfeld", "\tTabheim"]


def _row(hf, hf_name, area_code, area_name, value, flag="", synthetic=False, group="total", series_break=False):
    return {
        "handlungsfeld": hf, "handlungsfeld_name": hf_name, "indicator": f"{hf}_quote",
        "indicator_name": f"Quote {hf_name}", "unit": "%", "area_level": "stadtteil" if len(area_code) == 2 else "stadt",
        "area_code": area_code, "area_name": area_name, "year": YEAR, "group": group,
        "group_label": "Insgesamt" if group == "total" else "Ausländer/-innen",
        "value": value, "flag": flag, "series_break": series_break, "synthetic": synthetic,
    }


@pytest.fixture
def frame() -> pd.DataFrame:
    rows = [
        _row("kontext", "Bevölkerung mit Migrationsvorgeschichte", "05515000", "Münster", 21.7),
        _row("kontext", "Bevölkerung mit Migrationsvorgeschichte", "11", HYPERLINK, 30.2),
        _row("kontext", "Bevölkerung mit Migrationsvorgeschichte", "12", "+Plusviertel", None, flag="."),
        _row("arbeit_wirtschaft", "Arbeit und Wirtschaft", "05515000", "Münster", -2.5, group="foreign"),
        _row("arbeit_wirtschaft", "Arbeit und Wirtschaft", "11", "-Minusdorf", 0.0, flag="-", series_break=True),
        _row("arbeit_wirtschaft", "Arbeit und Wirtschaft", "12", "@Atfeld", 7.25, synthetic=True),
        _row("kontext", "Bevölkerung mit Migrationsvorgeschichte", "13", "\tTabheim", 4.0, flag="p"),
    ]
    df = pd.DataFrame(rows)
    df["value"] = df["value"].astype("Float64")
    return df


NOTES = [("Quelle", "Stadt Münster, Amt für Stadtentwicklung"), ("Formel?", "=1+1 bleibt Text")]


@pytest.fixture
def written(frame, tmp_path):
    paths = write_tables(frame, tmp_path, YEAR, notes=NOTES)
    return paths, load_workbook(paths[0])


def _rows(ws):
    return list(ws.iter_rows(min_row=2))


def test_paths_and_sheet_order(written, tmp_path):
    paths, wb = written
    assert paths == [tmp_path / f"indikatoren_{YEAR}.xlsx", tmp_path / f"indikatoren_{YEAR}.csv"]
    # First appearance in the frame decides the order, not the alphabet.
    assert wb.sheetnames == ["Erläuterung", "Bevölkerung mit Migrationsvorg…", "Arbeit und Wirtschaft"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_headers_frozen_filter(written):
    _, wb = written
    for ws in wb.worksheets[1:]:
        headers = [c.value for c in ws[1]]
        assert headers == ["Handlungsfeld", "Indikator", "Einheit", "Gebietsebene", "Gebietsschlüssel",
                           "Gebiet", "Jahr", "Gruppe", "Wert", "Zeichen", "Bruch", "Demodaten"]
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:L{ws.max_row}"
        assert ws.column_dimensions["F"].width >= len("Gebiet")


def test_cell_types(written):
    _, wb = written
    ws = wb["Bevölkerung mit Migrationsvorg…"]
    rows = _rows(ws)
    assert len(rows) == 4
    city = rows[0]
    assert city[8].value == 21.7 and isinstance(city[8].value, float) and city[8].data_type == "n"
    assert city[6].value == YEAR and isinstance(city[6].value, int)
    assert city[4].value == "05515000" and city[4].data_type == "s"
    assert city[3].value == "Gesamtstadt" and rows[1][3].value == "Stadtteil"
    suppressed = rows[2]
    assert suppressed[8].value is None and suppressed[9].value == "."
    assert rows[3][9].value == "p" and rows[3][8].value == 4.0


def test_negative_and_synthetic(written):
    _, wb = written
    rows = _rows(wb["Arbeit und Wirtschaft"])
    assert rows[0][8].value == -2.5 and rows[0][8].data_type == "n"
    assert rows[0][7].value == "Ausländer/-innen"
    assert rows[1][8].value == 0.0 and rows[1][9].value == "-"
    assert [r[11].value for r in rows] == [None, None, "synthetisch"]
    assert [r[10].value for r in rows] == [None, "|", None]  # the first year after a break in the series


def test_dangerous_text_stays_text(written):
    paths, wb = written
    names = {c.value: c.data_type for ws in wb.worksheets[1:] for r in _rows(ws) for c in r[5:6]}
    for text in DANGEROUS:
        assert names[text] == "s"
    intro = wb["Erläuterung"]
    assert intro["A1"].value == f"Integrationsmonitoring Münster {YEAR} – Tabellen"
    texts = {c.value: c.data_type for r in intro.iter_rows() for c in r if c.value is not None}
    assert texts["=1+1 bleibt Text"] == "s" and "Quelle" in texts
    assert {"Gebietsschlüssel", "area_code", "Demodaten", "synthetic", "Bruch", "series_break"} <= set(texts)
    with zipfile.ZipFile(paths[0]) as zf:
        xml = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert len(xml) == 3
        assert not any(b"<f>" in x or b"<f " in x for x in xml)



def test_error_like_text_stays_text(frame, tmp_path):
    """Text that a spreadsheet would read as an error value ("#N/A") or a formula is a string cell too."""
    texts = ["#N/A", "#DIV/0!", "=A1", "#REF!", "#NAME?", "=SUMME(1)", "#NULL!"]
    frame = frame.assign(area_name=texts, unit="#VALUE!")
    path = write_tables(frame, tmp_path, YEAR, notes=[("#NUM!", "=1+1")])[0]
    wb = load_workbook(path)
    cells = [c for ws in wb.worksheets[1:] for r in _rows(ws) for c in (r[2], r[5])]
    assert sorted(c.value for c in cells) == sorted(texts + ["#VALUE!"] * len(texts))
    assert {c.data_type for c in cells} == {"s"}
    assert wb["Erläuterung"]["A3"].value == "#NUM!" and wb["Erläuterung"]["A3"].data_type == "s"
    with zipfile.ZipFile(path) as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml and b't="e"' not in xml


def test_layout(written):
    """Widths, fonts, alignment and sheet sizes, as the workbook had them before it was written in write-only mode."""
    paths, wb = written
    intro = wb["Erläuterung"]
    assert {k: d.width for k, d in intro.column_dimensions.items()} == {"A": 28, "B": 100, "C": 20}
    assert intro["A1"].font.bold and intro["A1"].font.size == 14 and intro.freeze_panes is None
    assert [intro.cell(r, 1).value for r in (3, 4, 5)] == ["Quelle", "Formel?", "CSV-Datei"]
    for r in (3, 4, 5):  # notes and the CSV note: bold label at the top, wrapped text
        label, text = intro.cell(r, 1), intro.cell(r, 2)
        assert label.font.bold and label.alignment.vertical == "top"
        assert not text.font.bold and text.alignment.wrap_text and text.alignment.vertical == "top"
    assert [c.value for c in intro[7]] == ["Spalte", "Bedeutung", "CSV-Spalte"] and all(c.font.bold for c in intro[7])
    assert intro.max_row == 7 + len(tables.SHEET_COLUMNS)
    for label, text, column in intro.iter_rows(min_row=8):
        assert not label.font.bold and label.alignment.vertical == "top" and text.alignment.wrap_text
        assert column.value in tables.COLUMNS
    widths = {ws.title: [ws.column_dimensions[get_column_letter(c)].width for c in range(1, 13)] for ws in wb.worksheets[1:]}
    assert widths == {  # longest shown text + 1, at least 8, at most 60; headers +3 for the filter button
        "Bevölkerung mit Migrationsvorg…": [40, 46, 11, 16, 20, 23, 8, 10, 8, 11, 9, 13],
        "Arbeit und Wirtschaft": [22, 28, 11, 16, 20, 11, 8, 17, 8, 11, 9, 13],
    }
    assert {c.number_format for ws in wb for r in ws.iter_rows() for c in r} == {"General"}
    sized = load_workbook(paths[0], read_only=True)  # read-only readers size a sheet by its <dimension>
    assert [(ws.max_row, ws.max_column) for ws in sized.worksheets] == [(19, 3), (5, 12), (4, 12)]
    sized.close()


def test_csv(written, frame):
    paths, _ = written
    raw = paths[1].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw.replace(b"\tTabheim", b"")
    lines = raw.decode("utf-8").split("\n")
    assert lines[0] == ",".join(tables.COLUMNS) and lines[-1] == ""
    assert lines[1] == ("kontext,Bevölkerung mit Migrationsvorgeschichte,kontext_quote,"
                        "Quote Bevölkerung mit Migrationsvorgeschichte,%,stadt,05515000,Münster,2014,"
                        "total,Insgesamt,21.7,,false,false")
    back = pd.read_csv(io.BytesIO(raw), dtype={"area_code": str}, keep_default_na=False)
    assert back["area_name"].tolist() == [
        "Münster", "'" + HYPERLINK, "'+Plusviertel", "Münster", "'-Minusdorf", "'@Atfeld", "'\tTabheim"]
    assert back["value"].tolist()[2:4] == ["", "-2.5"]  # suppressed: empty; numbers never prefixed ...
    assert back["flag"].tolist() == ["", "", ".", "", "-", "", "p"]  # ... and symbols unprefixed
    assert [line.rsplit(",", 1)[1] for line in lines[1:-1]] == ["false"] * 5 + ["true", "false"]
    assert [line.split(",")[-2] for line in lines[1:-1]] == ["false"] * 4 + ["true"] + ["false"] * 2
    typed = pd.read_csv(io.BytesIO(raw), dtype={"area_code": str})
    assert typed["value"].dtype == "float64" and typed["synthetic"].dtype == bool and typed["series_break"].dtype == bool
    assert typed["value"].iloc[3] == -2.5 and typed["value"].isna().tolist() == [False, False, True] + [False] * 4
    assert typed["area_code"].iloc[0] == "05515000" and typed["year"].dtype == "int64"


def _shift_clock(monkeypatch, seconds: float) -> None:
    """Move every clock the writers read (zip entry stamps, openpyxl's document dates) forward."""
    import openpyxl.packaging.core
    import openpyxl.writer.excel

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + seconds)

    class Later(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime.now(tz) + datetime.timedelta(seconds=seconds)

    fake = types.SimpleNamespace(datetime=Later, timezone=datetime.timezone)
    monkeypatch.setattr(openpyxl.writer.excel, "datetime", fake)
    monkeypatch.setattr(openpyxl.packaging.core, "datetime", fake)


def test_repeat_writes_identical(frame, tmp_path, monkeypatch):
    first = [p.read_bytes() for p in write_tables(frame, tmp_path / "a", YEAR, notes=NOTES)]
    _shift_clock(monkeypatch, 3 * 86400 + 7)
    second = [p.read_bytes() for p in write_tables(frame, tmp_path / "b", YEAR, notes=NOTES)]
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first[0])) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
        assert f"{YEAR}-12-31T00:00:00Z" in core


def test_missing_columns(frame, tmp_path):
    with pytest.raises(ValueError, match=r"fehlen.*area_code, flag"):
        write_tables(frame.drop(columns=["flag", "area_code"]), tmp_path, YEAR)
    assert not list(tmp_path.iterdir())


def test_bad_input_rejected(frame, tmp_path):
    with pytest.raises(ValueError, match="unbekannte Zeichen"):
        write_tables(frame.assign(flag="=1"), tmp_path, YEAR)
    with pytest.raises(ValueError, match="area_code.*Text"):
        write_tables(frame.assign(area_code=5515000), tmp_path, YEAR)
    blank = frame.copy()
    blank.loc[2, "flag"] = ""
    with pytest.raises(ValueError, match="ohne Zeichen"):
        write_tables(blank, tmp_path, YEAR)


def test_sheet_names_sanitised_and_unique():
    long = "(Politische) Partizipation und zivilgesellschaftliches Engagement"
    names = sheet_names([long, long + " II", "Arbeit/Wirtschaft: [neu]*?\\", "erläuterung", "ARBEIT-Wirtschaft- (neu)---"])
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names} | {"erläuterung"}) == len(names) + 1
    assert names[0] == "(Politische) Partizipation und…"
    assert names[1] == "(Politische) Partizipation… (2)"
    assert names[2] == "Arbeit-Wirtschaft- (neu)---"
    assert names[3] == "erläuterung (2)"  # the explanation sheet's name is reserved
    assert names[4] == "ARBEIT-Wirtschaft- (neu)--- (2)"  # Excel compares case-insensitively
    assert not any(set(n) & set("[]:*?/\\") for n in names)


def test_long_names_in_workbook(frame, tmp_path):
    frame = frame.assign(handlungsfeld_name=frame["handlungsfeld"].map(
        {"kontext": "A" * 40, "arbeit_wirtschaft": "A" * 40 + "/B"}))
    wb = load_workbook(write_tables(frame, tmp_path, YEAR)[0])
    assert wb.sheetnames == ["Erläuterung", "A" * 30 + "…", "A" * 26 + "… (2)"]
