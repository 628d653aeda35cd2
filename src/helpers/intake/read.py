"""Read a delivery file (Excel or German CSV) into a header and rows of raw cells.

Nothing is interpreted here except the file format: cells keep their Python type (Excel
numbers stay numbers, CSV cells stay text), and every row keeps its number in the file, so
that each problem can name the row a person sees in Excel or an editor.

CSV as German offices write it: `;` (or `,` or tab) separated, UTF-8 with or without BOM,
or Windows-1252. Excel: .xlsx/.xlsm; the sheet "Daten" if present, else the only sheet.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from helpers.core import config
from helpers.core.problems import Location
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
#: Reading more than this many seconds means a file far larger than any delivery (200,000 rows take a few).
READ_SECONDS = 60
#: The unpacked size of an .xlsx (its XML); larger means a zip bomb or a file of other content.
MAX_UNPACKED_BYTES = 1 << 30
#: Problems of one kind listed one by one before the rest is only counted.
MAX_LISTED = 50
#: csv's own default field limit: a field this long ends reading (a quote that never closes).
CSV_FIELD_LIMIT = 131_072
#: Cells or rows of one kind (beyond the table, hidden) named in a message; the rest is counted.
SHOWN_CELLS = 10


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
    return ReadError([Problem(where=Location(file=name, sheet=sheet), message=what, found=found, expected=expected, fix=fix)])


def read_table(path: Path, limits: config.IntakeLimits | None = None) -> Table:
    """The delivery's cells; raises ReadError when the file cannot be read as a table or exceeds a limit
    of `limits` (default: config/monitoring.yml, section intake)."""
    path = Path(path)
    name = path.name
    limits = limits or config.intake()
    check_file_size(path, limits)  # before reading a byte
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if not data or data.isspace():
        raise _unreadable(name, "Die Datei ist leer", None,
                          "die Datei erneut aus dem Fachverfahren exportieren bzw. die Vorlage ausfüllen und speichern")
    _refuse_other_content(data, name, suffix)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(data, name, limits)
    if suffix in CSV_SUFFIXES:
        return _read_csv(data, name, limits)
    if suffix in {".xls", ".ods"}:
        raise _unreadable(name, f"Dateiformat {suffix} wird nicht gelesen", suffix,
                          "die Datei in Excel oder LibreOffice öffnen und als „Excel-Arbeitsmappe (.xlsx)“ speichern")
    raise _unreadable(name, f"unbekanntes Dateiformat „{suffix or '(keine Endung)'}“", suffix or None,
                      "die Lieferung als .xlsx (Vorlage) oder als .csv speichern")


# --- limits -------------------------------------------------------------------------------------------


def _de(number: float) -> str:
    """1234567 -> '1.234.567', 2.5 -> '2,5' (German notation for messages)."""
    text = f"{number:,.1f}" if isinstance(number, float) and not number.is_integer() else f"{int(number):,}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _size(size: int, up: bool = False) -> str:
    """A file size the German way: '250,3 MB', '2,7 KB', '812 Bytes' (`up`: rounded up, never below the real size)."""
    for unit, name in ((2**20, "MB"), (2**10, "KB")):
        if size >= unit:
            tenths = -(-size * 10 // unit) if up else round(size * 10 / unit)
            return f"{_de(tenths / 10)} {name}"
    return f"{_de(size)} Bytes"


def _raise_hint(key: str) -> str:
    return (f"ist die Lieferung richtig so groß, die Grenze in {config.RELATIVE} erhöhen (Abschnitt intake, "
            f"Schlüssel {key})")


SPLIT_HINT = "große Lieferungen auf mehrere Dateien aufteilen (etwa je Merkmal oder Jahr)"


def check_file_size(path: Path, limits: config.IntakeLimits) -> None:
    """A file larger than `max_file_mb` is refused before it is read (also before its checksum)."""
    size = Path(path).stat().st_size
    if size > limits.max_file_bytes:
        raise ReadError([Problem(
            where=Location(file=Path(path).name),
            message=f"Datei zu groß: {_size(size, up=True)} (Grenze: {_size(limits.max_file_bytes)}, "
                                       f"intake: max_file_mb in {config.RELATIVE})",
            found=None, expected=f"eine Datei bis {_size(limits.max_file_bytes)}",
            fix=f"nur das Blatt „Daten“ mit den Werten liefern, {SPLIT_HINT}; {_raise_hint('max_file_mb')}")])


#: The columns whose cells together make an observation's key (before they are interpreted).
KEY_ROLES = ("year", "area_level", "area_code", "area_name", "measure", "sex", "origin", "age")


class Collector:
    """Rows as they are read, checked against the limits at once, so that a delivery beyond one is refused
    while it is read, not after: the header among the first rows, then the data rows (counted), their
    distinct keys (the raw cells of the key columns) and the length of every cell."""

    def __init__(self, name: str, sheet: str | None, limits: config.IntakeLimits, header: bool = True):
        self.name, self.sheet, self.limits = name, sheet, limits
        self.find_header = header
        self.pending: Rows = []  # non-empty rows before the header is known
        self.header_row: int | None = None
        self.header: list[object] | None = None
        self.rows: Rows = []
        self.keys: set[tuple] = set()
        self.key_columns: list[int] = []
        self.long: list[Problem] = []

    def add(self, number: int, cells: list[object], letters: list[str] | None = None) -> None:
        """One row (trimmed); `letters` the Excel column letters of its cells, if any."""
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > self.limits.max_cell_chars:
                self._long_cell(number, index, cell, letters)
        if not cells:
            return
        if not self.find_header:
            self._data(number, cells)
        elif self.header is None:
            self.pending.append((number, cells))
            if sum(header_role(c) is not None for c in cells) >= HEADER_MIN_KNOWN:
                self._set_header(*self.pending.pop(), [])
            elif len(self.pending) >= HEADER_SEARCH_ROWS:
                self._set_header(*self.pending[0], self.pending[1:])
        else:
            self._data(number, cells)

    def _set_header(self, number: int, cells: list[object], below: Rows) -> None:
        self.header_row, self.header, self.pending = number, cells, []
        roles = {header_role(c): i for i, c in reversed(list(enumerate(cells)))}
        self.key_columns = [roles[r] for r in KEY_ROLES if r in roles]
        for row in below:
            self._data(*row)

    def _data(self, number: int, cells: list[object]) -> None:
        self.rows.append((number, cells))
        if len(self.rows) > self.limits.max_rows:
            raise ReadError([Problem(
                where=Location(file=self.name, sheet=self.sheet, row=number),
                message=f"Lieferung zu groß: mehr als {_de(self.limits.max_rows)} Datenzeilen (Grenze: intake: max_rows "
                        f"in {config.RELATIVE}); Lesen bei dieser Zeile abgebrochen",
                expected=f"höchstens {_de(self.limits.max_rows)} Datenzeilen je Datei",
                fix=f"{SPLIT_HINT}; {_raise_hint('max_rows')}")])
        if self.key_columns:
            self.keys.add(tuple(cells[i] if i < len(cells) else None for i in self.key_columns))
            if len(self.keys) > self.limits.max_keys:
                raise ReadError([Problem(
                    where=Location(file=self.name, sheet=self.sheet, row=number),
                    message=f"Lieferung zu groß: mehr als {_de(self.limits.max_keys)} verschiedene Kombinationen aus Jahr, "
                            f"Gebiet, Merkmal und Gruppe (Grenze: intake: max_keys in {config.RELATIVE}); Lesen bei "
                            "dieser Zeile abgebrochen",
                    expected=f"höchstens {_de(self.limits.max_keys)} verschiedene Werte je Datei",
                    fix=f"{SPLIT_HINT}; {_raise_hint('max_keys')}")])

    def _long_cell(self, number: int, index: int, cell: str, letters: list[str] | None) -> None:
        letter = letters[index] if letters and index < len(letters) else None
        header = self.header if self.header is not None and self.header_row != number else None
        column = str(header[index]) if header is not None and index < len(header) else None
        self.long.append(Problem(
            where=Location(file=self.name, sheet=self.sheet, row=number, letter=letter, column=column),
            message=f"Zelle mit {_de(len(cell))} Zeichen Text", found=cell[:40] + " …",
            expected=f"höchstens {_de(self.limits.max_cell_chars)} Zeichen je Zelle (intake: max_cell_chars in "
                     f"{config.RELATIVE})",
            fix="den Inhalt der Zelle prüfen (versehentlich eingefügter Text?) und kürzen"))
        if len(self.long) >= MAX_LISTED:
            raise ReadError(self.long)

    def finish(self) -> tuple[int, list[object], Rows]:
        """Header row number, header and data rows; ReadError for long cells or a file without rows."""
        if self.long:
            raise ReadError(self.long)
        if not self.find_header:
            return 0, [], self.rows
        if self.header is None:
            if not self.pending:
                raise _unreadable(self.name, "Die Datei enthält keine Zeilen", None,
                                  "die Werte in die Vorlage eintragen (eine Kopfzeile, darunter eine Zeile je Wert)",
                                  self.sheet)
            self._set_header(*self.pending[0], self.pending[1:])
        return self.header_row, self.header, self.rows


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


def _trim(cells: list[object]) -> list[object]:
    cells = [c.strip() if isinstance(c, str) else c for c in cells]
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    return cells


Rows = list[tuple[int, list[object]]]


def _read_csv(data: bytes, name: str, limits: config.IntakeLimits) -> Table:
    text, encoding = _decode(data, name)
    del data
    head = "\n".join(itertools.islice((line for line in io.StringIO(text) if line.strip()), 5))  # title rows may hold a comma
    separator = max([";", "\t", ","], key=lambda s: (head.count(s), s == ";"))
    collector = Collector(name, None, limits)
    # csv's own limit ends a field that never closes (an unmatched quote) before it swallows the file
    field_limit = max(CSV_FIELD_LIMIT, limits.max_cell_chars + 1)
    previous = csv.field_size_limit(field_limit)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    start = 1
    try:
        for cells in reader:
            collector.add(start, _trim(list(cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ReadError([Problem(
                where=Location(file=name, row=start),
                message=f"Zelle mit mehr als {_de(field_limit)} Zeichen",
                expected=f"höchstens {_de(limits.max_cell_chars)} Zeichen je Zelle (intake: max_cell_chars in "
                         f"{config.RELATIVE})",
                fix="den Inhalt der Zeile prüfen (versehentlich eingefügter Text? ein nicht geschlossenes "
                    "Anführungszeichen?) und kürzen")]) from None
        raise _unreadable(name, f"CSV-Datei nicht lesbar ab Zeile {start} ({exc})", None,
                          "Anführungszeichen in dieser Zeile prüfen (jedes geöffnete \" muss geschlossen werden)") from None
    finally:
        csv.field_size_limit(previous)
    header_row, header, body = collector.finish()
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
        try:
            return data[3:].decode("utf-8"), "UTF-8 mit BOM"
        except UnicodeDecodeError as exc:  # marked as UTF-8, but is not: a damaged or pieced-together file
            at = exc.start + 3
            raise ReadError([Problem(
                where=Location(file=name, row=data.count(b"\n", 0, at) + 1),
                message=f"Die Datei ist als UTF-8 gekennzeichnet (BOM), enthält aber ein Byte, das kein UTF-8 ist "
                        f"({data[at]:#04x} an Stelle {_de(at)})", found=None,
                expected="eine Textdatei in einer Zeichenkodierung (UTF-8 oder Windows-1252)",
                fix="die Datei in Excel oder einem Editor öffnen, die Zeile prüfen und als „CSV UTF-8“ neu speichern "
                    "(Excel: Datei › Speichern unter › CSV UTF-8)")]) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ReadError([Problem(
            where=Location(file=name, row=data.count(b"\n", 0, exc.start) + 1),
            message=f"Zeichenkodierung nicht erkannt (Byte {data[exc.start]:#04x} an Stelle {exc.start})", found=None,
            expected="eine Excel-Datei (.xlsx) oder eine CSV-Datei (.csv) nach der Vorlage",
            fix="die Datei als „CSV UTF-8“ speichern (Excel: Datei › Speichern unter › CSV UTF-8)")]) from None


def _read_excel(data: bytes, name: str, limits: config.IntakeLimits) -> Table:
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
        collector = Collector(name, sheet, limits)
        sheet_cells = _sheet_cells(book, sheet, name, deadline, collector)
        info = _info(book, name, deadline, limits)
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
    header_row, header, body = collector.finish()
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
            where=Location(file=name),
            message="Ausgeblendete Tabellenblätter", found=", ".join(hidden),
            expected="nur sichtbare Blätter (eine Lieferung enthält, was der Absender gesehen hat)",
            fix="in Excel mit Rechtsklick auf einen Blattnamen › Einblenden prüfen; nicht gemeinte Blätter löschen, "
                "dann speichern und erneut liefern")])


@dataclass
class SheetCells:
    """The cells of one sheet as rows, plus what makes them unfit for a delivery (found while reading)."""

    formulas: list[tuple[int, str, str]] = field(default_factory=list)  # (row, letter, formula)
    far: list[tuple[int, str]] = field(default_factory=list)  # the first cells beyond MAX_COLUMNS: (row, letter)
    far_count: int = 0
    hidden_rows: list[int] = field(default_factory=list)  # the first hidden rows that hold values
    hidden_count: int = 0
    hidden_letters: list[str] = field(default_factory=list)  # hidden columns that hold values

    def problems(self, name: str, sheet: str) -> list[Problem]:
        out = [Problem(where=Location(file=name, sheet=sheet, row=row, letter=letter), message="Formel statt Wert", found=formula,
                       expected="Werte (Zahlen oder Text), keine Formeln",
                       fix="die Zellen kopieren und als Werte einfügen (Start › Einfügen › Werte einfügen), speichern "
                           "und erneut liefern")
               for row, letter, formula in self.formulas[:MAX_LISTED]]
        if self.far:
            row, letter = self.far[0]
            out.append(Problem(
                where=Location(file=name, sheet=sheet, row=row, letter=letter),
                message=f"Inhalt weit rechts außerhalb der Tabelle ({self.far_count} Zelle(n) jenseits von Spalte "
                        f"{MAX_COLUMNS})", found=", ".join(f"{lt}{r}" for r, lt in self.far[:5]),
                expected=f"alle Angaben in den ersten {MAX_COLUMNS} Spalten",
                fix="die genannten Zellen prüfen und leeren (Strg+Ende zeigt die letzte benutzte Zelle), speichern "
                    "und erneut liefern"))
        if self.hidden_rows:
            rows = self.hidden_rows
            out.append(Problem(
                where=Location(file=name, sheet=sheet, row=rows[0]),
                message=f"Ausgeblendete oder weggefilterte Zeilen mit Werten "
                                                          f"({self.hidden_count} Zeile(n))",
                found="Zeilen " + ", ".join(map(str, rows)) + (" …" if self.hidden_count > len(rows) else ""),
                quoted=False,
                expected="alle Zeilen sichtbar (eine Lieferung enthält, was der Absender gesehen hat)",
                fix="Filter aufheben und alle Zeilen einblenden (alles markieren › Rechtsklick › Einblenden); nicht "
                    "gemeinte Zeilen löschen, dann speichern und erneut liefern"))
        if self.hidden_letters:
            letters = self.hidden_letters
            out.append(Problem(
                where=Location(file=name, sheet=sheet, letter=letters[0]),
                message="Ausgeblendete Spalten mit Werten",
                found="Spalten " + ", ".join(letters[:10]), quoted=False,
                expected="alle Spalten sichtbar (eine Lieferung enthält, was der Absender gesehen hat)",
                fix="alle Spalten einblenden (alles markieren › Rechtsklick › Einblenden); nicht gemeinte Spalten "
                    "löschen, dann speichern und erneut liefern"))
        return out


def _sheet_cells(book, title: str, name: str, deadline: float, collector: Collector,
                 max_col: int = MAX_COLUMNS) -> SheetCells:
    """The cells present in the sheet, row by row into `collector`, and what makes them unfit for a delivery."""
    from openpyxl.utils import get_column_letter

    found = SheetCells()
    used: set[int] = set()
    for count, row in enumerate(book.rows(title)):
        if count % 1024 == 0 and time.monotonic() > deadline:
            raise _unreadable(name, f"Lesen abgebrochen nach {READ_SECONDS} s (bis Zeile {row.number})", None,
                              "nur das Blatt „Daten“ mit den Werten liefern; große Lieferungen auf mehrere Dateien "
                              "aufteilen", title)
        values: dict[int, object] = {}
        for cell in row.cells:
            if cell.column > max_col:
                found.far_count += 1  # a sheet may hold millions: keep the first few, count the rest
                if len(found.far) < SHOWN_CELLS:
                    found.far.append((row.number, get_column_letter(cell.column)))
                continue
            if cell.formula and len(found.formulas) < MAX_LISTED:
                found.formulas.append((row.number, get_column_letter(cell.column), str(cell.value)))
            values[cell.column] = cell.value
        if not values:
            continue
        used |= values.keys()
        if row.hidden:
            found.hidden_count += 1
            if len(found.hidden_rows) < SHOWN_CELLS:
                found.hidden_rows.append(row.number)
        cells: list[object] = [None] * max(values)
        for column, value in values.items():
            cells[column - 1] = value
        collector.add(row.number, _trim(cells), _letters(len(cells)))
    hidden = {c for low, high in book.hidden_columns(title) for c in used if low <= c <= high}
    found.hidden_letters = [get_column_letter(c) for c in sorted(hidden)]
    return found


@functools.cache
def _letters(count: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i + 1) for i in range(count)]


def _data_sheet(book, name: str) -> str:
    names = book.sheetnames
    if DATA_SHEET in names:
        return DATA_SHEET
    candidates = [s for s in names if s not in (INFO_SHEET, EXPLANATION_SHEET)]
    if len(candidates) == 1:
        return candidates[0]
    raise ReadError([Problem(
        where=Location(file=name),
        message="Mehrere Tabellenblätter, keines heißt „Daten“", found=", ".join(names),
        expected="die Werte im Blatt „Daten“ (weitere Blätter nur „Angaben“ und „Erläuterung“)",
        fix="das Blatt mit den Werten in „Daten“ umbenennen; Werte aus weiteren Blättern dort anfügen",
    )])


def _info(book, name: str, deadline: float, limits: config.IntakeLimits) -> dict[str, str]:
    """Label/value pairs of the sheet "Angaben" (column A: label, column B: value)."""
    if INFO_SHEET not in book.sheetnames:
        return {}
    info = {}
    collector = Collector(name, INFO_SHEET, limits, header=False)
    _sheet_cells(book, INFO_SHEET, name, deadline, collector, max_col=2)
    for _, cells in collector.finish()[2]:
        if cells and cells[0] is not None and len(cells) > 1 and cells[1] not in (None, ""):
            info[str(cells[0]).strip().rstrip(":")] = str(cells[1]).strip()
    return info
