"""Read an Excel delivery (.xlsx/.xlsm) into a Table: the data sheet's cells as its sender saw them.

The sheet "Daten" if present, else the only sheet; the sheet "Angaben" as label/value pairs. Cells keep
their Python type (numbers stay numbers). What makes a workbook unfit for a delivery is refused with its
cells named: hidden sheets, rows or columns that hold values, formulas, content far beyond the table, a
zip that unpacks to too much, a read that takes too long.
"""

from __future__ import annotations

import functools
import io
import time
import zipfile
import zlib
from dataclasses import dataclass, field

from lxml import etree

from helpers.core import config
from helpers.core.problems import Location
from helpers.intake.problems import Problem
from helpers.intake.read_limits import MAX_LISTED, Collector
from helpers.intake.table import ReadError, Table, trim, unreadable

DATA_SHEET = "Daten"
INFO_SHEET = "Angaben"
EXPLANATION_SHEET = "Erläuterung"


#: Limits that keep a hostile or accidentally huge file from hanging the intake; each ends in a German message.
#: A delivery has about a dozen columns; anything beyond MAX_COLUMNS is a stray cell, not data.
MAX_COLUMNS = 64

#: Reading more than this many seconds means a file far larger than any delivery (200,000 rows take a few).
READ_SECONDS = 60

#: The unpacked size of an .xlsx (its XML); larger means a zip bomb or a file of other content.
MAX_UNPACKED_BYTES = 1 << 30

#: Cells or rows of one kind (beyond the table, hidden) named in a message; the rest is counted.
SHOWN_CELLS = 10


def read_excel(data: bytes, name: str, limits: config.IntakeLimits) -> Table:
    from openpyxl.utils import get_column_letter

    from helpers.intake.xlsx import Workbook

    _check_unpacked_size(data, name)
    try:
        book = Workbook(data)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError, EOFError, zlib.error,
            etree.LxmlError) as exc:
        raise unreadable(name, f"Excel-Datei nicht lesbar ({type(exc).__name__})", None,
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
        raise unreadable(name, f"Tabellenblatt beschädigt, Inhalt nicht lesbar ({type(exc).__name__})", None,
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
        raise unreadable(name, f"Excel-Datei zu groß (entpackt {size // 2**20:,} MB, höchstens "
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
                message=f"Ausgeblendete oder weggefilterte Zeilen mit Werten ({self.hidden_count} Zeile(n))",
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
            raise unreadable(name, f"Lesen abgebrochen nach {READ_SECONDS} s (bis Zeile {row.number})", None,
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
        collector.add(row.number, trim(cells), _letters(len(cells)))
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
