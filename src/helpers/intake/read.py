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
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

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
#: Limits that keep a hostile or accidentally huge file from hanging the intake; each ends in a German message.
#: A delivery has about a dozen columns; anything beyond MAX_COLUMNS is a stray cell, not data.
MAX_COLUMNS = 64
#: Excel's own limit for the text of one cell; longer text is no value of a delivery.
MAX_CELL_CHARS = 32_767
#: Reading more than this many seconds means a file far larger than any delivery (200,000 rows take a few).
READ_SECONDS = 60
#: The unpacked size of an .xlsx (its XML); larger means a zip bomb or a file of other content.
MAX_UNPACKED_BYTES = 1 << 30
#: Problems of one kind listed one by one before the rest is only counted.
MAX_LISTED = 50


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


def _unreadable(name: str, what: str, found: str | None, fix: str, sheet: str | None = None,
                expected: str = "eine Excel-Datei (.xlsx) oder eine CSV-Datei (.csv) nach der Vorlage") -> ReadError:
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
    _refuse_other_content(data, name, suffix)
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
    _refuse_long_cells(table)
    return table


#: What a file's first bytes say it is, whatever its name says.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
#: An encrypted Office file is an OLE container with this stream (its name in UTF-16LE).
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
SAVE_AS_XLSX = "die Datei in Excel öffnen und als „Excel-Arbeitsmappe (.xlsx)“ speichern"


def content_kind(data: bytes) -> str:
    """'encrypted', 'xls', 'xlsx', 'ods', 'zip', 'pdf' or 'text', from the content, not the name."""
    if data.startswith(OLE_MAGIC):
        return "encrypted" if ENCRYPTION_STREAM in data else "xls"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "xlsx"  # damaged; the Excel reader names the problem
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "ods" if "mimetype" in names and b"opendocument.spreadsheet" in data[:200] else "zip"
    return "text"


KIND_DE = {"xls": "eine alte Excel-Datei (.xls)", "xlsx": "eine Excel-Arbeitsmappe (.xlsx)",
           "ods": "eine LibreOffice-Tabelle (.ods)", "zip": "ein ZIP-Archiv", "pdf": "ein PDF-Dokument",
           "text": "eine Textdatei (CSV)"}


def _refuse_other_content(data: bytes, name: str, suffix: str) -> None:
    """Name the real cause when the content is not what the extension says (or is password protected)."""
    kind = content_kind(data)
    if kind == "encrypted":
        raise _unreadable(name, "Die Excel-Datei ist mit einem Kennwort geschützt und kann nicht gelesen werden", None,
                          "in Excel öffnen, Datei › Informationen › Arbeitsmappe schützen › Mit Kennwort "
                          "verschlüsseln: das Kennwort löschen, speichern und erneut liefern (für den Versand "
                          "einen geschützten Weg wählen statt eines Kennworts in der Datei)",
                          expected="eine Excel-Datei ohne Kennwortschutz")
    expected = "xlsx" if suffix in EXCEL_SUFFIXES else "text" if suffix in CSV_SUFFIXES else None
    if expected is None or kind == expected:
        return
    if kind == "xlsx":
        fix = f"die Datei in „{Path(name).stem}.xlsx“ umbenennen und erneut liefern"
    elif kind == "text":
        fix = f"die Datei in „{Path(name).stem}.csv“ umbenennen, oder in Excel öffnen und als .xlsx speichern"
    else:
        fix = SAVE_AS_XLSX if kind in ("xls", "ods") else "die Werte als .xlsx (Vorlage) oder .csv liefern"
    raise _unreadable(name, f"Die Datei heißt „{suffix}“, ist aber {KIND_DE[kind]}", suffix, fix,
                      expected=f"eine Datei, deren Inhalt zur Endung „{suffix}“ passt")


def _refuse_long_cells(table: Table) -> None:
    """No cell of a delivery holds more text than Excel allows in one cell."""
    problems = []
    for number, cells in [(table.header_row, table.header), *table.rows]:
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                letter = table.letters[index] if index < len(table.letters) else None
                column = str(table.header[index]) if number != table.header_row and index < len(table.header) else None
                problems.append(Problem(
                    file=table.file, sheet=table.sheet, row=number, letter=letter, column=column,
                    what=f"Zelle mit {len(cell):,} Zeichen Text".replace(",", "."), found=cell[:40] + " …",
                    expected=f"höchstens {MAX_CELL_CHARS:,} Zeichen je Zelle".replace(",", "."),
                    fix="den Inhalt der Zelle prüfen (versehentlich eingefügter Text?) und kürzen"))
    if problems:
        raise ReadError(problems[:MAX_LISTED])


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
        if "field larger than field limit" in str(exc):
            raise ReadError([Problem(
                file=name, row=start, what=f"Zelle mit mehr als {csv.field_size_limit():,} Zeichen".replace(",", "."),
                expected=f"höchstens {MAX_CELL_CHARS:,} Zeichen je Zelle".replace(",", "."),
                fix="den Inhalt der Zeile prüfen (versehentlich eingefügter Text? ein nicht geschlossenes "
                    "Anführungszeichen?) und kürzen")]) from None
        raise _unreadable(name, f"CSV-Datei nicht lesbar ab Zeile {start} ({exc})", None,
                          "Anführungszeichen in dieser Zeile prüfen (jedes geöffnete \" muss geschlossen werden)") from None
    header_row, header, body = _split_header(name, None, rows)
    return Table(file=name, sheet=None, header=header, header_row=header_row, rows=body,
                 encoding=encoding, separator=separator)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's „Unicode-Text“), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16 (Unicode-Text)"
        except UnicodeDecodeError:
            raise _unreadable(name, "UTF-16-Datei beschädigt (ungerade Länge oder ungültige Zeichen)", None,
                              "die Datei als „CSV UTF-8“ speichern (Excel: Datei › Speichern unter › CSV UTF-8)") from None
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
    from openpyxl.utils import get_column_letter

    from helpers.intake.xlsx import Workbook

    _check_unpacked_size(data, name)
    try:
        book = Workbook(data)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError, EOFError, zlib.error,
            etree.LxmlError) as exc:
        raise _unreadable(name, f"Excel-Datei nicht lesbar ({type(exc).__name__})", None,
                          "die Datei in Excel öffnen, als „Excel-Arbeitsmappe (.xlsx)“ neu speichern und erneut liefern",
                          ) from None
    sheet = None
    try:
        _refuse_hidden_sheets(book, name)
        sheet = _data_sheet(book, name)
        deadline = time.monotonic() + READ_SECONDS
        sheet_cells = _sheet_cells(book, sheet, name, deadline)
        info = _info(book, name, deadline)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError, EOFError, zlib.error,
            IndexError, etree.LxmlError) as exc:
        raise _unreadable(name, f"Tabellenblatt beschädigt, Inhalt nicht lesbar ({type(exc).__name__})", None,
                          "die Datei in Excel öffnen, als „Excel-Arbeitsmappe (.xlsx)“ neu speichern und erneut liefern",
                          sheet) from None
    finally:
        book.close()
    problems = sheet_cells.problems(name, sheet)
    if problems:
        raise ReadError(problems)
    header_row, header, body = _split_header(name, sheet, sheet_cells.rows)
    letters = [get_column_letter(i + 1) for i in range(max([len(header)] + [len(c) for _, c in body]))]
    return Table(file=name, sheet=sheet, header=header, header_row=header_row, rows=body, letters=letters, info=info)


def _check_unpacked_size(data: bytes, name: str) -> None:
    """A zip whose members unpack to more than MAX_UNPACKED_BYTES is refused before reading (zip bomb)."""
    try:
        size = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except zipfile.BadZipFile:
        return  # load_workbook names the problem
    if size > MAX_UNPACKED_BYTES:
        raise _unreadable(name, f"Excel-Datei zu groß (entpackt {size // 2**20:,} MB, höchstens "
                                f"{MAX_UNPACKED_BYTES // 2**20:,} MB)".replace(",", "."), None,
                          "nur das Blatt „Daten“ mit den Werten liefern; große Lieferungen auf mehrere Dateien aufteilen")


def _refuse_hidden_sheets(book, name: str) -> None:
    """A delivery must be what its sender saw: a hidden sheet may hold outdated values."""
    hidden = [s.name for s in book.sheets if s.state != "visible"]
    if hidden:
        raise ReadError([Problem(
            file=name, what="Ausgeblendete Tabellenblätter", found=", ".join(hidden),
            expected="nur sichtbare Blätter (eine Lieferung enthält, was der Absender gesehen hat)",
            fix="in Excel mit Rechtsklick auf einen Blattnamen › Einblenden prüfen; nicht gemeinte Blätter löschen, "
                "dann speichern und erneut liefern")])


@dataclass
class SheetCells:
    """The cells of one sheet as rows, plus what makes them unfit for a delivery (found while reading)."""

    rows: Rows
    formulas: list[tuple[int, str, str]] = field(default_factory=list)  # (row, letter, formula)
    far: list[tuple[int, str]] = field(default_factory=list)  # cells beyond MAX_COLUMNS: (row, letter)
    hidden_rows: list[int] = field(default_factory=list)  # hidden rows that hold values
    hidden_letters: list[str] = field(default_factory=list)  # hidden columns that hold values

    def problems(self, name: str, sheet: str) -> list[Problem]:
        out = [Problem(file=name, sheet=sheet, row=row, letter=letter, what="Formel statt Wert", found=formula,
                       expected="Werte (Zahlen oder Text), keine Formeln",
                       fix="die Zellen kopieren und als Werte einfügen (Start › Einfügen › Werte einfügen), speichern "
                           "und erneut liefern")
               for row, letter, formula in self.formulas[:MAX_LISTED]]
        if self.far:
            row, letter = self.far[0]
            out.append(Problem(
                file=name, sheet=sheet, row=row, letter=letter,
                what=f"Inhalt weit rechts außerhalb der Tabelle ({len(self.far)} Zelle(n) jenseits von Spalte "
                     f"{MAX_COLUMNS})", found=", ".join(f"{lt}{r}" for r, lt in self.far[:5]),
                expected=f"alle Angaben in den ersten {MAX_COLUMNS} Spalten",
                fix="die genannten Zellen prüfen und leeren (Strg+Ende zeigt die letzte benutzte Zelle), speichern "
                    "und erneut liefern"))
        if self.hidden_rows:
            rows = self.hidden_rows
            out.append(Problem(
                file=name, sheet=sheet, row=rows[0], what=f"Ausgeblendete oder weggefilterte Zeilen mit Werten "
                                                          f"({len(rows)} Zeile(n))",
                found="Zeilen " + ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else ""), quoted=False,
                expected="alle Zeilen sichtbar (eine Lieferung enthält, was der Absender gesehen hat)",
                fix="Filter aufheben und alle Zeilen einblenden (alles markieren › Rechtsklick › Einblenden); nicht "
                    "gemeinte Zeilen löschen, dann speichern und erneut liefern"))
        if self.hidden_letters:
            letters = self.hidden_letters
            out.append(Problem(
                file=name, sheet=sheet, letter=letters[0], what="Ausgeblendete Spalten mit Werten",
                found="Spalten " + ", ".join(letters[:10]), quoted=False,
                expected="alle Spalten sichtbar (eine Lieferung enthält, was der Absender gesehen hat)",
                fix="alle Spalten einblenden (alles markieren › Rechtsklick › Einblenden); nicht gemeinte Spalten "
                    "löschen, dann speichern und erneut liefern"))
        return out


def _sheet_cells(book, title: str, name: str, deadline: float, max_col: int = MAX_COLUMNS) -> SheetCells:
    """The cells present in the sheet, row by row, and what makes them unfit for a delivery."""
    from openpyxl.utils import get_column_letter

    found = SheetCells(rows=[])
    used: set[int] = set()
    for count, row in enumerate(book.rows(title)):
        if count % 1024 == 0 and time.monotonic() > deadline:
            raise _unreadable(name, f"Lesen abgebrochen nach {READ_SECONDS} s (bis Zeile {row.number})", None,
                              "nur das Blatt „Daten“ mit den Werten liefern; große Lieferungen auf mehrere Dateien "
                              "aufteilen", title)
        values: dict[int, object] = {}
        for cell in row.cells:
            if cell.column > max_col:
                found.far.append((row.number, get_column_letter(cell.column)))
                continue
            if cell.formula:
                found.formulas.append((row.number, get_column_letter(cell.column), str(cell.value)))
            values[cell.column] = cell.value
        if not values:
            continue
        used |= values.keys()
        if row.hidden:
            found.hidden_rows.append(row.number)
        cells: list[object] = [None] * max(values)
        for column, value in values.items():
            cells[column - 1] = value
        found.rows.append((row.number, _trim(cells)))
    hidden = {c for low, high in book.hidden_columns(title) for c in used if low <= c <= high}
    found.hidden_letters = [get_column_letter(c) for c in sorted(hidden)]
    return found


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


def _info(book, name: str, deadline: float) -> dict[str, str]:
    """Label/value pairs of the sheet "Angaben" (column A: label, column B: value)."""
    if INFO_SHEET not in book.sheetnames:
        return {}
    info = {}
    for _, cells in _sheet_cells(book, INFO_SHEET, name, deadline, max_col=2).rows:
        if cells and cells[0] is not None and len(cells) > 1 and cells[1] not in (None, ""):
            info[str(cells[0]).strip().rstrip(":")] = str(cells[1]).strip()
    return info
