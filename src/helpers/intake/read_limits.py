"""The intake's limits, enforced while a file is read, each ending in a German message.

A file larger than `max_file_mb` is refused before a byte is read (`check_file_size`); the rows, their
distinct keys and the length of every cell are counted as they arrive (`Collector`, which also finds the
header among the first rows), so a delivery beyond a limit is refused while it is read, not after. The
limits come from config/monitoring.yml (section intake).
"""

from __future__ import annotations

from pathlib import Path

from helpers.core import config
from helpers.core.problems import Location
from helpers.intake.cells import header_role
from helpers.intake.problems import Problem
from helpers.intake.table import ReadError, Rows, unreadable

#: A header is the first row with at least this many known column names (title rows above are skipped).
HEADER_MIN_KNOWN = 2
HEADER_SEARCH_ROWS = 20

#: Problems of one kind listed one by one before the rest is only counted.
MAX_LISTED = 50


def german_number(number: float) -> str:
    """1234567 -> '1.234.567', 2.5 -> '2,5' (German notation for messages)."""
    text = f"{number:,.1f}" if isinstance(number, float) and not number.is_integer() else f"{int(number):,}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def file_size_text(size: int, up: bool = False) -> str:
    """A file size the German way: '250,3 MB', '2,7 KB', '812 Bytes' (`up`: rounded up, never below the real size)."""
    for unit, name in ((2**20, "MB"), (2**10, "KB")):
        if size >= unit:
            tenths = -(-size * 10 // unit) if up else round(size * 10 / unit)
            return f"{german_number(tenths / 10)} {name}"
    return f"{german_number(size)} Bytes"


def raise_hint(key: str) -> str:
    return (f"ist die Lieferung richtig so groß, die Grenze in {config.RELATIVE} erhöhen (Abschnitt intake, "
            f"Schlüssel {key})")


SPLIT_HINT = "große Lieferungen auf mehrere Dateien aufteilen (etwa je Merkmal oder Jahr)"


def check_file_size(path: Path, limits: config.IntakeLimits) -> None:
    """A file larger than `max_file_mb` is refused before it is read (also before its checksum)."""
    size = Path(path).stat().st_size
    if size > limits.max_file_bytes:
        raise ReadError([Problem(
            where=Location(file=Path(path).name),
            message=f"Datei zu groß: {file_size_text(size, up=True)} (Grenze: {file_size_text(limits.max_file_bytes)}, "
                                       f"intake: max_file_mb in {config.RELATIVE})",
            found=None, expected=f"eine Datei bis {file_size_text(limits.max_file_bytes)}",
            fix=f"nur das Blatt „Daten“ mit den Werten liefern, {SPLIT_HINT}; {raise_hint('max_file_mb')}")])


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
                message=f"Lieferung zu groß: mehr als {german_number(self.limits.max_rows)} Datenzeilen (Grenze: intake: max_rows "
                        f"in {config.RELATIVE}); Lesen bei dieser Zeile abgebrochen",
                expected=f"höchstens {german_number(self.limits.max_rows)} Datenzeilen je Datei",
                fix=f"{SPLIT_HINT}; {raise_hint('max_rows')}")])
        if self.key_columns:
            self.keys.add(tuple(cells[i] if i < len(cells) else None for i in self.key_columns))
            if len(self.keys) > self.limits.max_keys:
                raise ReadError([Problem(
                    where=Location(file=self.name, sheet=self.sheet, row=number),
                    message=f"Lieferung zu groß: mehr als {german_number(self.limits.max_keys)} verschiedene Kombinationen aus Jahr, "
                            f"Gebiet, Merkmal und Gruppe (Grenze: intake: max_keys in {config.RELATIVE}); Lesen bei "
                            "dieser Zeile abgebrochen",
                    expected=f"höchstens {german_number(self.limits.max_keys)} verschiedene Werte je Datei",
                    fix=f"{SPLIT_HINT}; {raise_hint('max_keys')}")])

    def _long_cell(self, number: int, index: int, cell: str, letters: list[str] | None) -> None:
        letter = letters[index] if letters and index < len(letters) else None
        header = self.header if self.header is not None and self.header_row != number else None
        column = str(header[index]) if header is not None and index < len(header) else None
        self.long.append(Problem(
            where=Location(file=self.name, sheet=self.sheet, row=number, letter=letter, column=column),
            message=f"Zelle mit {german_number(len(cell))} Zeichen Text", found=cell[:40] + " …",
            expected=f"höchstens {german_number(self.limits.max_cell_chars)} Zeichen je Zelle (intake: max_cell_chars in "
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
                raise unreadable(self.name, "Die Datei enthält keine Zeilen", None,
                                 "die Werte in die Vorlage eintragen (eine Kopfzeile, darunter eine Zeile je Wert)",
                                 self.sheet)
            self._set_header(*self.pending[0], self.pending[1:])
        return self.header_row, self.header, self.rows
