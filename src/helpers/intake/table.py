"""What reading a delivery yields: its cells with their file row numbers (`Table`), or the refusal (`ReadError`).

Shared by the readers of each format (`csv_file`, `excel_file`) and the limits checked while they read
(`read_limits`); `read.read_table` is the entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from helpers.core.problems import Location
from helpers.intake.problems import Problem

Rows = list[tuple[int, list[object]]]


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


def unreadable(name: str, what: str, found: str | None, fix: str, sheet: str | None = None,
               expected: str = "eine Excel-Datei (.xlsx) oder eine CSV-Datei (.csv) nach der Vorlage") -> ReadError:
    return ReadError([Problem(where=Location(file=name, sheet=sheet), message=what, found=found, expected=expected, fix=fix)])


def trim(cells: list[object]) -> list[object]:
    cells = [c.strip() if isinstance(c, str) else c for c in cells]
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    return cells
