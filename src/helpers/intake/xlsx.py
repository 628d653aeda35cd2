"""The cells of an .xlsx sheet as they are stored: sparse, fast, and with what Excel hides.

openpyxl reads the workbook's parts (sheet names and states, shared strings, which cell styles
are dates); the sheet itself is streamed with lxml. Why not openpyxl's own sheet reader: its
read-only worksheets parse every sheet once more just to find its size when the file has no
`<dimension>` element, and they fill every gap up to that size – one stray cell at XFD1048576
becomes a billion empty cells. Here only the cells present are visited, and each one says
whether it holds a formula, and each row and column whether it is hidden.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ROW, CELL, COL = f"{NS}row", f"{NS}c", f"{NS}col"
VALUE, FORMULA, INLINE, TEXT = f"{NS}v", f"{NS}f", f"{NS}is", f"{NS}t"
TRUE = ("1", "true")


@functools.cache
def _column_number(letters: str) -> int:
    """"A" -> 1, "H" -> 8, "XFD" -> 16384."""
    from openpyxl.utils.cell import column_index_from_string

    return column_index_from_string(letters)


@dataclass(frozen=True)
class SheetRef:
    name: str
    state: str  # visible, hidden, veryHidden
    path: str  # member of the zip archive


@dataclass(frozen=True)
class Cell:
    column: int  # 1-based
    value: object  # str, int, float, bool, datetime; a formula's text ("=A1+B1") if `formula`
    formula: bool = False


@dataclass
class Row:
    number: int  # 1-based, as Excel shows it
    hidden: bool
    cells: list[Cell]


class Workbook:
    """One opened .xlsx: its sheets and what is needed to read their cells."""

    def __init__(self, data: bytes):
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        self.archive: zipfile.ZipFile = reader.archive
        self.sheets = [SheetRef(sheet.name, sheet.state or "visible", rel.target)
                       for sheet, rel in reader.parser.find_sheets() if "chartsheet" not in rel.Type]
        self.shared_strings: list[str] = [str(s) for s in reader.shared_strings]
        self.date_styles: set[int] = set(reader.wb._date_formats)  # style ids whose number format is a date
        self.epoch: dt.datetime = reader.wb.epoch

    @property
    def sheetnames(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> SheetRef:
        return next(s for s in self.sheets if s.name == name)

    def close(self) -> None:
        self.archive.close()

    def rows(self, name: str) -> Iterator[Row]:
        """The rows that hold at least one cell element, in file order."""
        number = 0
        with self.archive.open(self.sheet(name).path) as source:
            for _, element in etree.iterparse(source, events=("end",), tag=ROW, resolve_entities=False,
                                              no_network=True, huge_tree=True):
                number = int(element.get("r") or number + 1)
                cells = list(self._cells(element))
                yield Row(number, element.get("hidden") in TRUE, cells)
                element.clear(keep_tail=False)
                while element.getprevious() is not None:  # keep memory flat on big sheets
                    del element.getparent()[0]

    def hidden_columns(self, name: str) -> list[tuple[int, int]]:
        """(first, last) column numbers of every hidden column range (from the sheet's <cols>)."""
        ranges = []
        with self.archive.open(self.sheet(name).path) as source:
            for event, element in etree.iterparse(source, events=("start", "end"), tag=(COL, f"{NS}sheetData"),
                                                  resolve_entities=False, no_network=True, huge_tree=True):
                if element.tag != COL:
                    break  # <cols> comes before the data: stop where the data starts
                if event == "start":
                    continue
                if element.get("hidden") in TRUE:
                    ranges.append((int(element.get("min")), int(element.get("max"))))
        return ranges

    def _cells(self, row: etree._Element) -> Iterator[Cell]:
        column = 0
        for c in row.iterchildren(CELL):
            ref = c.get("r")
            column = _column_number(ref.rstrip("0123456789")) if ref else column + 1
            formula = c.find(FORMULA)
            if formula is not None:
                yield Cell(column, "=" + (formula.text or "(gemeinsame Formel)"), formula=True)
                continue
            value = self._value(c)
            if value is not None and value != "":
                yield Cell(column, value)

    def _value(self, c: etree._Element) -> object:
        kind = c.get("t", "n")
        if kind == "inlineStr":
            inline = c.find(INLINE)
            return None if inline is None else "".join(t.text or "" for t in inline.iter(TEXT))
        text = c.findtext(VALUE)
        if text is None:
            return None
        if kind == "s":
            return self.shared_strings[int(text)]
        if kind in ("str", "e"):
            return text
        if kind == "b":
            return text in TRUE
        if kind == "d":
            return dt.datetime.fromisoformat(text)
        number = float(text) if any(ch in text for ch in ".eE") or text.lower() in ("inf", "-inf", "nan") else int(text)
        style = int(c.get("s", 0))
        if style and style in self.date_styles:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(number, self.epoch)
            except (OverflowError, ValueError):  # no date: the cell checks say what the number is
                return number
        return number
