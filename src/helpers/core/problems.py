"""A finding with its place: the one type every check reports, and the one way a place is written.

The city's setup check (`intake.citycheck`), a department's delivery (`intake`) and the staff's
texts (`disclosure.textcheck`) all report what they find where a person must fix it: a file, and
in it a sheet, a row, a column. A reader learns one way of reading "where" (``Datei, Blatt „…“,
Zeile 3, Spalte C „Wert“``), and a check extends `Problem` only with what it truly adds (a
delivery's expected and found value, a text check's kind of finding).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    """What a finding does to the run that reports it."""

    ERROR = "error"  # stops: the city is not set up, the delivery is refused, the build stops
    WARNING = "warning"  # goes on only when confirmed (a delivery's jump in a series)
    HINT = "hint"  # said, and nothing stops


@dataclass(frozen=True)
class Location:
    """Where a finding is, as precisely as the check knows it; only `file` is always there.

    A column is named in one of two ways: `column` (with `letter`, Excel's column letter) is a
    header as a sender labelled it, free text and so shown in quotes; `key` is an identifier of
    the project's own files (a data file's column such as ``area_code``, a configuration key),
    shown as it is.
    """

    file: str
    sheet: str | None = None
    row: int | None = None  # 1-based line of the file as its editor shows it (header = 1); None: the whole file
    column: str | None = None
    letter: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"Blatt „{self.sheet}“")
        if self.row:
            parts.append(f"Zeile {self.row}")
        parts += self._column()
        return ", ".join(parts)

    def _column(self) -> list[str]:
        if self.column and self.letter:
            return [f"Spalte {self.letter} „{self.column}“"]
        if self.column:
            return [f"Spalte „{self.column}“"]
        if self.letter:
            return [f"Spalte {self.letter}"]
        return [f"Spalte {self.key}"] if self.key else []


@dataclass(frozen=True)
class Problem:
    """One finding: where it is, what is wrong and what to do (German, for the person who fixes it)."""

    where: Location
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
