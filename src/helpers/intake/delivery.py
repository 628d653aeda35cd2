"""One delivery file as the checks see it: the rows it yields, with their file row numbers, and its problems.

The result of `validation.validate`; `Delivery.at_value` and `Delivery.at_row` locate a problem at the
value cell or the row of the file, so that every message names what a person sees in Excel or an editor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.core.model import KEY
from helpers.core.problems import Location, Severity
from helpers.intake.problems import Problem

ROW_COLUMNS = [*KEY, "value", "flag", "row"]


@dataclass
class Delivery:
    """One delivery file: what it yields (rows with their file row numbers) and its problems."""

    path: Path
    sha256: str
    sheet: str | None = None
    value_column: str = "Wert"
    value_letter: str | None = None
    info: dict[str, str] = field(default_factory=dict)
    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROW_COLUMNS))
    problems: list[Problem] = field(default_factory=list)
    #: Files the rows were read with, stored beside the raw copy as `<raw stem>.<label><suffix>` (a city's own file:
    #: its mapping, `zuordnung`), so that the stored values can be derived again from what is kept.
    companions: dict[str, Path] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    def at_value(self, row: int | None, what: str, found: str | None, expected: str, fix: str,
                 severity: Severity = Severity.ERROR) -> Problem:
        """A problem located at the value cell of a row."""
        where = Location(self.name, sheet=self.sheet, row=row, column=self.value_column, letter=self.value_letter)
        return Problem(where, what, severity, found=found, expected=expected, fix=fix, quoted=False)

    def at_row(self, row: int | None, what: str, found: str | None, expected: str, fix: str) -> Problem:
        return Problem(Location(self.name, sheet=self.sheet, row=row), what, found=found, expected=expected, fix=fix,
                       quoted=False)
