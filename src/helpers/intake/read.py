"""Read a delivery file (Excel or German CSV) into a header and rows of raw cells.

Nothing is interpreted here except the file format: cells keep their Python type (Excel
numbers stay numbers, CSV cells stay text), and every row keeps its number in the file, so
that each problem can name the row a person sees in Excel or an editor.

CSV as German offices write it: `;` (or `,` or tab) separated, UTF-8 with or without BOM,
or Windows-1252. Excel: .xlsx/.xlsm; the sheet "Daten" if present, else the only sheet.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from helpers.intake.cells import header_role
from helpers.intake.problems import Problem

DATA_SHEET = "Daten"
INFO_SHEET = "Angaben"
EXPLANATION_SHEET = "Erläuterung"
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt"}
#: A header is the first row with at least this many known column names (title rows above are skipped).
HEADER_MIN_KNOWN = 2
HEADER_SEARCH_ROWS = 20


@dataclass
class Table:
    """The cells of one delivery: header, data rows with their file row numbers, metadata."""

    file: str
    sheet: str | None
    header: list[object]
    header_row: int
    rows: list[tuple[int, list[object]]]
    letters: list[str] = field(default_factory=list)  # Excel column letters, empty for CSV
    info: dict[str, str] = field(default_factory=dict)  # sheet "Angaben": Quelle, Stand, …
    encoding: str = ""
    separator: str = ""


class ReadError(Exception):
    """The file cannot be read as a delivery at all; carries the problems to show."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(p.text() for p in problems))
        self.problems = problems


def _unreadable(name: str, what: str, found: str | None, fix: str, sheet: str | None = None) -> ReadError:
    expected = "eine Excel-Datei (.xlsx) oder eine CSV-Datei (.csv) nach der Vorlage"
    return ReadError([Problem(file=name, sheet=sheet, what=what, found=found, expected=expected, fix=fix)])


def read_table(path: Path) -> Table:
    """The delivery's cells; raises ReadError when the file cannot be read as a table."""
    path = Path(path)
    name = path.name
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if not data.strip():
        raise _unreadable(name, "Die Datei ist leer", None,
                          "die Datei erneut aus dem Fachverfahren exportieren bzw. die Vorlage ausfüllen und speichern")
    if suffix in EXCEL_SUFFIXES:
        table = _read_excel(data, name)
    elif suffix in CSV_SUFFIXES:
        table = _read_csv(data, name)
    elif suffix in {".xls", ".ods"}:
        raise _unreadable(name, f"Dateiformat {suffix} wird nicht gelesen", suffix,
                          "die Datei in Excel oder LibreOffice öffnen und als „Excel-Arbeitsmappe (.xlsx)“ speichern")
    else:
        raise _unreadable(name, f"unbekanntes Dateiformat „{suffix or '(keine Endung)'}“", suffix or None,
                          "die Lieferung als .xlsx (Vorlage) oder als .csv speichern")
    return table


def _trim(cells: list[object]) -> list[object]:
    cells = [c.strip() if isinstance(c, str) else c for c in cells]
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    return cells


Rows = list[tuple[int, list[object]]]


def _split_header(name: str, sheet: str | None, rows: Rows) -> tuple[int, list[object], Rows]:
    """Find the header row (skipping title rows); the rows below it are the data."""
    nonempty = [(n, cells) for n, cells in rows if cells]
    if not nonempty:
        raise _unreadable(name, "Die Datei enthält keine Zeilen", None,
                          "die Werte in die Vorlage eintragen (eine Kopfzeile, darunter eine Zeile je Wert)", sheet)
    for n, cells in nonempty[:HEADER_SEARCH_ROWS]:
        if sum(header_role(c) is not None for c in cells) >= HEADER_MIN_KNOWN:
            return n, cells, [(m, c) for m, c in nonempty if m > n]
    n, cells = nonempty[0]
    return n, cells, [(m, c) for m, c in nonempty if m > n]


def _read_csv(data: bytes, name: str) -> Table:
    text, encoding = _decode(data, name)
    head = "\n".join([line for line in text.splitlines() if line.strip()][:5])  # title rows may hold a comma
    separator = max([";", "\t", ","], key=lambda s: (head.count(s), s == ";"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[tuple[int, list[object]]] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, _trim(list(cells))))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _unreadable(name, f"CSV-Datei nicht lesbar ab Zeile {start} ({exc})", None,
                          "Anführungszeichen in dieser Zeile prüfen (jedes geöffnete \" muss geschlossen werden)") from None
    header_row, header, body = _split_header(name, None, rows)
    return Table(file=name, sheet=None, header=header, header_row=header_row, rows=body,
                 encoding=encoding, separator=separator)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else Windows-1252 – the encodings German offices use."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 mit BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise _unreadable(name, f"Zeichenkodierung nicht erkannt (Byte {data[exc.start]:#04x} an Stelle {exc.start})", None,
                          "die Datei als „CSV UTF-8“ speichern (Excel: Datei › Speichern unter › CSV UTF-8)") from None


def _read_excel(data: bytes, name: str) -> Table:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise _unreadable(name, f"Excel-Datei nicht lesbar ({type(exc).__name__})", None,
                          "die Datei in Excel öffnen, als „Excel-Arbeitsmappe (.xlsx)“ neu speichern und erneut liefern",
                          ) from None
    try:
        sheet = _data_sheet(book, name)
        rows = [(n, _trim(list(cells))) for n, cells in enumerate(book[sheet].iter_rows(values_only=True), start=1)]
        info = _info(book)
    finally:
        book.close()
    header_row, header, body = _split_header(name, sheet, rows)
    letters = [get_column_letter(i + 1) for i in range(max([len(header)] + [len(c) for _, c in body]))]
    return Table(file=name, sheet=sheet, header=header, header_row=header_row, rows=body, letters=letters, info=info)


def _data_sheet(book, name: str) -> str:
    names = book.sheetnames
    if DATA_SHEET in names:
        return DATA_SHEET
    candidates = [s for s in names if s not in (INFO_SHEET, EXPLANATION_SHEET)]
    if len(candidates) == 1:
        return candidates[0]
    raise ReadError([Problem(
        file=name, what="Mehrere Tabellenblätter, keines heißt „Daten“", found=", ".join(names),
        expected="die Werte im Blatt „Daten“ (weitere Blätter nur „Angaben“ und „Erläuterung“)",
        fix="das Blatt mit den Werten in „Daten“ umbenennen; Werte aus weiteren Blättern dort anfügen",
    )])


def _info(book) -> dict[str, str]:
    """Label/value pairs of the sheet "Angaben" (column A: label, column B: value)."""
    if INFO_SHEET not in book.sheetnames:
        return {}
    info = {}
    for cells in book[INFO_SHEET].iter_rows(min_col=1, max_col=2, values_only=True):
        if cells and cells[0] is not None and len(cells) > 1 and cells[1] not in (None, ""):
            info[str(cells[0]).strip().rstrip(":")] = str(cells[1]).strip()
    return info
