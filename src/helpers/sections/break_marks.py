"""The mark of a series break in the report's tables and below its charts: which values carry it, what a
screen reader hears for it, and the note that names the break's year and the catalogue's reason.

The official symbol "|" (helpers.core.model.BREAK_MARK, "grundsätzliche Änderung innerhalb einer Reihe")
stands before every value of the first year after a break the catalogue declares (`breaks`), as the
tidy data's `series_break` and the workbook's column "Bruch" mark it; the symbols page explains it.
Under the table or chart a note says, for each break shown, from which year and why, so the reason is
reachable where the mark is. The mark itself is hidden from screen readers, which hear its words instead.

    >>> from types import SimpleNamespace
    >>> ind = SimpleNamespace(breaks=("2011: Register statt Fortschreibung.",), break_years=(2011,))
    >>> break_note(ind, [2010, 2011])
    '„|“ Bruch in der Reihe ab 2011: Register statt Fortschreibung.'
    >>> marked_years(ind, [2009, 2010, 2011])
    [2011]
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from helpers.core import catalogue
from helpers.core.catalogue import Indicator
from helpers.core.model import BREAK_MARK

#: What a screen reader hears instead of the mark, before the value.
SPOKEN = "Bruch in der Reihe:"


def marked_years(ind: Indicator, years: Iterable[int]) -> list[int]:
    """The years among `years` whose values carry the mark: the first years after a declared break."""
    declared = set(ind.break_years)
    return sorted({int(y) for y in years} & declared)


def reason(text: str) -> str:
    """A catalogue break without its leading year ("2011: Register …" -> "Register …")."""
    return text.split(":", 1)[1].strip() if ":" in text else text.strip()


#: How a chart's note begins: the chart draws a break as a dotted vertical line, not as the mark.
CHART_LEAD = "Gepunktete senkrechte Linie:"


def break_notes(ind: Indicator, years: Iterable[int], named: bool = False, lead: str = "") -> list[str]:
    """One note per declared break among `years`: its first year and the catalogue's reason (`named`: after
    the indicator's name, for a table of several indicators; `lead`: instead of the mark, e.g. CHART_LEAD)."""
    shown = set(marked_years(ind, years))
    return [note(b, ind.name if named else "", lead) for b in ind.breaks if catalogue.break_year(b) in shown]


def note(declared: str, name: str = "", lead: str = "") -> str:
    """The note of one declared break: the mark (or `lead`), from which year and why (after `name`, if given)."""
    who = f"{name}: " if name else ""
    return f"{lead or f'„{BREAK_MARK}“'} {who}Bruch in der Reihe ab {catalogue.break_year(declared)}: {reason(declared)}"


def break_note(ind: Indicator, years: Iterable[int]) -> str:
    """The notes of `break_notes` as one paragraph's text ("" without a break among `years`)."""
    return " ".join(break_notes(ind, years))


def marked_cell(cell_html: str) -> str:
    """A table cell's escaped content with the mark before it, and its words for screen readers."""
    return (f'<span class="break-mark" aria-hidden="true">{html.escape(BREAK_MARK)}</span>'
            f'<span class="visually-hidden">{SPOKEN}</span> {cell_html}')


def notes_html(notes: Iterable[str]) -> str:
    """The notes under a table or chart, one paragraph each."""
    return "".join(f'<p class="table-note">{html.escape(n)}</p>' for n in notes)


def population_shares() -> list[Indicator]:
    """The counted shares of the population with a migration history (Münster's mv_anteil and its age
    bands): their breaks are those of the population counts that the spatial analyses use."""
    return [ind for ind in catalogue.load().indicators
            if ind.counted and ind.numerator.measure == "population" and ind.numerator.origin == "migration"
            and ind.denominator.measure == "population"]  # a share of the population, not persons per household


def population_breaks() -> list[str]:
    """The breaks the catalogue declares for the population shares, each once, in catalogue order."""
    return list(dict.fromkeys(b for ind in population_shares() for b in ind.breaks))
