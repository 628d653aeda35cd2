"""The numbers typed by hand in a line of a staff text: read from Markdown, with what kind each is.

A placeholder ({{…}}) cites a number and is no typed one, and neither is a leading list number
("1. …"): both are blanked out (by spaces of the same length, so positions stay those of the text)
before the numbers are read. Each number keeps how it was written, because the check compares at
the typed precision and tells rates from counts by a decimal or a unit
(helpers.disclosure.textcheck).

    >>> [n.text for n in typed_numbers("1. 23,2 % ({{mv_anteil 2019}}), 72 501 Personen, 2019")]
    ['23,2 %', '72 501', '2019']
    >>> [(n.statistic, n.year_like) for n in typed_numbers("2019 waren es 3 Stadtteile und 1.200 Personen")]
    [(False, True), (False, False), (True, False)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
NUMBER = re.compile(r"(?<![\w.,])(?P<whole>\d{1,3}(?:[.\u202f\u00a0 ]\d{3})+|\d+)(?:,(?P<decimals>\d+))?(?![\d])"
                    r"(?P<unit>\s?(?:%|Prozentpunkte|Prozent))?")
LIST_MARKER = re.compile(r"^\s*\d+[.)]\s")
YEARS = range(1900, 2101)


@dataclass(frozen=True)
class TypedNumber:
    text: str  # as typed, e.g. "23,2 %"
    value: float
    decimals: int
    unit: bool
    grouped: bool  # written with a thousands separator
    points: bool = False  # "Prozentpunkte": a difference of two rates, not a rate

    @property
    def year_like(self) -> bool:
        return self.decimals == 0 and not self.unit and not self.grouped and int(self.value) in YEARS

    @property
    def statistic(self) -> bool:
        """Looks like a published figure: a decimal, a percentage, or a count of 1 000 and more."""
        return not self.year_like and (self.decimals > 0 or self.unit or self.value >= 1000)

    @property
    def is_rate(self) -> bool:
        return self.decimals > 0 or self.unit


def blank(match: re.Match) -> str:
    """Spaces in place of a match, so that the positions after it do not move."""
    return " " * len(match.group(0))


def typed_at(line: str) -> list[tuple[int, TypedNumber]]:
    """(position, number) of the numbers typed in Markdown; placeholders and leading list numbers are
    blanked out first (same length, so positions stay those of the text)."""
    line = PLACEHOLDER.sub(blank, line)
    line = LIST_MARKER.sub(blank, line, count=1)
    found = []
    for match in NUMBER.finditer(line):
        whole = re.sub(r"[.\u202f\u00a0 ]", "", match.group("whole"))
        decimals = match.group("decimals") or ""
        unit = (match.group("unit") or "").strip()
        found.append((match.start(), TypedNumber(match.group(0).strip(), float(f"{whole}.{decimals or 0}"), len(decimals),
                                                 bool(unit), whole != match.group("whole"), unit == "Prozentpunkte")))
    return found


def typed_numbers(line: str) -> list[TypedNumber]:
    """The numbers typed in one line of Markdown, without placeholders and a leading list number."""
    return [number for _, number in typed_at(line)]
