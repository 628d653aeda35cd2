"""Trend assessment against an indicator's desired direction, by one written rule.

The rule (shown next to the summary table):
- compare the latest value with the value five years earlier; if that year is missing,
  with the earliest year of the look back that is at least three years earlier;
- a change of at most TOLERANCE (5 %) of the earlier value counts as "stabil";
- otherwise the direction decides: higher_better -> up is "verbessert", lower_better ->
  down is "verbessert"; gap_shrink compares the absolute gap between the two groups
  (percentage points): a smaller gap is "verbessert";
- descriptive indicators are not assessed ("beschreibend").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TOLERANCE = 0.05
COMPARE_YEARS = 5
MIN_YEARS = 3

IMPROVING, STABLE, WORSENING = "verbessert", "stabil", "verschlechtert"
DESCRIPTIVE, NOT_ASSESSED = "beschreibend", "keine Bewertung"

RULE_TEXT = (
    f"Bewertungsregel: Verglichen wird der aktuelle Wert mit dem Wert {COMPARE_YEARS} Jahre zuvor "
    f"(fehlt dieser, mit dem frühesten Jahr des Rückblicks, mindestens {MIN_YEARS} Jahre zuvor). "
    f"Ändert er sich um höchstens {int(TOLERANCE * 100)} % des früheren Werts, gilt er als „stabil“. "
    "Sonst entscheidet die Zielrichtung: „höher ist besser“ – ein Anstieg ist eine Verbesserung; "
    "„niedriger ist besser“ – ein Rückgang ist eine Verbesserung; „Abstand soll sinken“ – bewertet wird "
    "der Betrag des Abstands zwischen den Vergleichsgruppen in Prozentpunkten. Beschreibende Indikatoren "
    "werden nicht bewertet."
)


@dataclass(frozen=True)
class Assessment:
    label: str
    base_year: int | None
    base_value: float | None
    value: float | None

    @property
    def symbol(self) -> str:
        return {IMPROVING: "▲", STABLE: "►", WORSENING: "▼"}.get(self.label, "–")


def _missing(v: float | None) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def base_year(series: dict[int, float], year: int) -> int | None:
    """The comparison year for `year` under the rule, or None."""
    preferred = year - COMPARE_YEARS
    if not _missing(series.get(preferred)):
        return preferred
    candidates = [y for y, v in series.items() if not _missing(v) and year - 9 <= y <= year - MIN_YEARS]
    return min(candidates) if candidates else None


def classify(direction: str, then: float, now: float) -> str:
    """Label for a change from `then` to `now` (for gap_shrink: both are absolute gaps)."""
    change = now - then
    if abs(change) <= TOLERANCE * abs(then):
        return STABLE
    better = {"higher_better": change > 0, "lower_better": change < 0, "gap_shrink": change < 0}[direction]
    return IMPROVING if better else WORSENING


def assess(direction: str, series: dict[int, float], year: int) -> Assessment:
    """Assess `series` (year -> value; for gap_shrink year -> gap) at `year`."""
    now = series.get(year)
    if direction == "descriptive":
        return Assessment(DESCRIPTIVE, None, None, now)
    base = base_year(series, year)
    if _missing(now) or base is None:
        return Assessment(NOT_ASSESSED, base, None, now)
    then = series[base]
    if direction == "gap_shrink":
        now, then = abs(now), abs(then)
    return Assessment(classify(direction, then, now), base, then, now)
