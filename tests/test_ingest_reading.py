"""Reading a delivery file: what the sender saw, numbers the store holds, and the real cause of a refusal.

The broken corpus (tests/deliveries/broken/43_* … 59_*, made by tests/deliveries/make_broken.py) holds
one file per kind; this file pins what the corpus cannot: limits, timings of the pathological cases,
what stays accepted, and the cell rules one by one.
"""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl
import pytest

from helpers.intake import cells, excel_file, file_kind, read, validation
from helpers.intake.problems import report

CORPUS = Path(__file__).parent / "deliveries"
HEADER = "Jahr;Gebiet-Nr;Gebiet;Merkmal;Geschlecht;Herkunft;Alter;Wert;Zeichen\n"
ROW = "2018;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;40;\n"


def refusal(path: Path) -> str:
    with pytest.raises(read.ReadError) as caught:
        read.read_table(path)
    return "\n".join(p.text() for p in caught.value.problems)


@pytest.mark.parametrize(("text", "value"), [
    ("40", 40), ("2.000", 2000), ("9 010", 9010), ("170,00", 170), ("12,0", 12), ("1.234,000", 1234),
    ("9007199254740991", 2**53 - 1), ("12 p", 12),
])
def test_german_counts_are_read(text, value):
    assert cells.parse_value(text)[0] == value


@pytest.mark.parametrize(("cell", "what"), [
    ("2,000", "mehrdeutige Schreibweise"),
    ("2,500", "mehrdeutige Schreibweise"),  # 2.5 or 2500: neither is guessed
    ("2,000,000", "englische Tausendertrennzeichen"),
    ("9007199254740992", "Zahl zu groß"),
    ("9" * 5000, "Zahl zu groß"),
    (1e300, "Zahl zu groß"),
    (2**63, "Zahl zu groß"),
    (float("nan"), "keine Zahl"),
    (float("inf"), "keine Zahl"),
])
def test_numbers_the_store_cannot_hold_or_that_are_ambiguous_are_refused(cell, what):
    with pytest.raises(cells.CellError) as caught:
        cells.parse_value(cell)
    assert caught.value.what == what


def test_a_long_number_is_shown_shortened_with_its_length():
    with pytest.raises(cells.CellError) as caught:
        cells.parse_value("9" * 5000)
    assert caught.value.found == "999999999999999999999999999999 … (5.000 Zeichen)"


def test_the_stray_far_cell_is_named_within_a_second():
    started = time.perf_counter()
    text = refusal(CORPUS / "broken" / "56_zelle_weit_aussen.xlsx")
    assert time.perf_counter() - started < 3  # it used to hang: openpyxl filled the whole grid
    assert "Zeile 1048576, Spalte XFD: Inhalt weit rechts außerhalb der Tabelle" in text


def test_a_csv_cell_of_a_megabyte_gets_a_german_message(tmp_path):
    path = tmp_path / "riesig.csv"
    path.write_text(HEADER + ROW + "2018;12;" + "Ü" * 1_000_000 + ";unemployed;insgesamt;insgesamt;insgesamt;3;\n",
                    encoding="utf-8")
    text = refusal(path)
    assert "riesig.csv, Zeile 3: Zelle mit mehr als 131.072 Zeichen" in text
    assert "field larger" not in text


def test_a_utf16_unicode_text_export_is_read_like_utf8():
    table = read.read_table(CORPUS / "valid" / "unicode_text_utf16.txt")
    assert table.encoding == "UTF-16 (Unicode-Text)" and table.separator == "\t"
    assert table.header[:3] == ["Jahr", "Gebiet-Nr", "Gebiet"] and table.rows[3][1][2] == "Überwasser"


def test_an_old_xls_behind_xlsx_is_named(tmp_path):
    path = tmp_path / "lieferung.xlsx"
    path.write_bytes(file_kind.OLE_MAGIC + bytes(1024))
    assert "lieferung.xlsx: Die Datei heißt „.xlsx“, ist aber eine alte Excel-Datei (.xls)" in refusal(path)


def test_a_pdf_behind_csv_is_named(tmp_path):
    path = tmp_path / "lieferung.csv"
    path.write_bytes(b"%PDF-1.7\n...")
    assert "ist aber ein PDF-Dokument" in refusal(path)


def _book(path: Path) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Daten"
    for line in (HEADER + ROW).splitlines():
        sheet.append([int(c) if c.isdigit() else (c or None) for c in line.split(";")])
    return book


def test_hidden_but_empty_rows_and_columns_change_nothing(tmp_path):
    path = tmp_path / "vorlage.xlsx"
    book = _book(path)
    book["Daten"].row_dimensions[10].hidden = True
    book["Daten"].column_dimensions["M"].hidden = True  # templates hide unused columns
    book.save(path)
    delivery = validation.validate(path, validation.Context.load())
    assert delivery.problems == [] and len(delivery.rows) == 1


def test_reading_ends_after_its_time_limit_with_a_german_message(tmp_path, monkeypatch):
    path = tmp_path / "langsam.xlsx"
    _book(path).save(path)
    monkeypatch.setattr(excel_file, "READ_SECONDS", -1)
    text = refusal(path)
    assert "langsam.xlsx, Blatt „Daten“: Lesen abgebrochen nach -1 s" in text and "aufteilen" in text


def test_an_xlsx_that_unpacks_to_too_much_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "bombe.xlsx"
    _book(path).save(path)
    monkeypatch.setattr(excel_file, "MAX_UNPACKED_BYTES", 1000)
    assert "bombe.xlsx: Excel-Datei zu groß (entpackt" in refusal(path)


def test_every_broken_excel_case_is_refused_without_a_traceback():
    """No Python exception name leaks except in the damaged-file message's parenthesis."""
    for path in sorted((CORPUS / "broken").glob("*.xlsx")):
        text = report(validation.validate(path, validation.Context.load()).problems)
        assert "FEHLER" in text and "Traceback" not in text, path.name


def test_a_utf8_bom_file_with_a_byte_that_is_no_utf8_is_refused_with_its_row(tmp_path):
    """Found by tests/test_ingest_fuzz.py: the BOM made the reader decode strictly, and the byte ended in a
    UnicodeDecodeError traceback instead of a message."""
    path = tmp_path / "gemischt.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + ROW).encode("utf-8") + "2018;12;Überwasser".encode("cp1252") + b";x\n")
    text = refusal(path)
    assert ("gemischt.csv, Zeile 3: Die Datei ist als UTF-8 gekennzeichnet (BOM), enthält aber ein Byte, das kein "
            "UTF-8 ist (0xdc an Stelle 141)") in text and "CSV UTF-8" in text


def test_cells_beyond_the_table_are_counted_not_collected(tmp_path, monkeypatch):
    """A sheet may hold millions of stray cells: the reader keeps the first few and counts the rest."""
    path = tmp_path / "streu.xlsx"
    book = _book(path)
    for row in range(1, 201):
        for column in range(100, 110):
            book["Daten"].cell(row=row, column=column, value=1)
    book.save(path)
    kept = []
    original = excel_file._sheet_cells
    monkeypatch.setattr(excel_file, "_sheet_cells", lambda *a, **k: kept.append(original(*a, **k)) or kept[-1])
    text = refusal(path)
    assert "Inhalt weit rechts außerhalb der Tabelle (2000 Zelle(n) jenseits von Spalte 64)" in text
    assert len(kept[0].far) == excel_file.SHOWN_CELLS
