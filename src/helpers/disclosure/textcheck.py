"""Numbers typed into the staff's texts, checked against the published ones (helpers.core.texts).

A number cited by placeholder is right by construction (helpers.sections.commentary). A number
typed by hand can be a typo, go stale when the data are revised, or reveal a value the disclosure
rule hides. So every typed number of a year's texts is compared with the values the report shows
(the chapters' records) for the indicators of its place (an indicator text: that indicator; a
Handlungsfeld's commentary or recommendations: its indicators; the introduction: all) in the
chapters that show the text (each chapter notes which texts it shows, helpers.core.texts.note_read),
in the years up to the report year; without records (a text checked on its own) with every
published cell at every level. A map shows every area's value, so a typed number equal to any
area's value of that year in that chapter counts as published there:

- A number that looks like a statistic (with a decimal comma, with "%"/"Prozent", or a count of
  1 000 and more that is not a year) and matches none of them is *stale*: reported with file, line,
  the number and the closest published values. Whether that warns or stops the build is the
  setting `texts: typed_numbers` of config/monitoring.yml; a final publication always stops.
- Any typed number (also a small count; not a year or a list number) that equals a value the rule
  hides at that place and no published one *reveals* it: that always stops the build, like any
  other disclosure breach. A small number that is no count ("3 Stadtteile") is best written as a
  word ("drei") if it collides.

Matching is at the typed precision: "23,2 %" matches a published 23.24; an integer without a unit
is compared with the published counts (numerators, denominators), a number with a decimal or a
unit with the rates.

This module is the check: which texts, against which cells, and which findings. The parts live
beside it: reading the typed numbers in helpers.disclosure.typed_numbers, the area and years a
number stands by in helpers.disclosure.number_places, the numbers it is compared with in
helpers.disclosure.known_numbers, the findings and their wording in helpers.disclosure.text_findings.
"""

from __future__ import annotations

import bisect

import pandas as pd

from helpers.core import catalogue, texts
from helpers.core.texts import StaffText
from helpers.disclosure import citations
from helpers.disclosure.known_numbers import (
    Known,
    area_values,
    cells_by_area,
    indicators_of,
    known_numbers,
    matches,
)
from helpers.disclosure.number_places import Place, area_names, placed_numbers
from helpers.disclosure.text_findings import (
    Problem,
    area_message,
    nowhere,
    problem,
    secret_message,
    stale_message,
    unworded_message,
)
from helpers.disclosure.typed_numbers import TypedNumber, typed_numbers

# What callers (the runner's gates, the checker, the tests) import from here, wherever it lives now.
__all__ = ["WORDED_AT_MOST", "Known", "Problem", "TypedNumber", "check", "check_text", "known_numbers",
           "placed_numbers", "placeholder_problems", "typed_numbers"]

#: Worded problems of typed numbers per text; the rest are counted in one more problem.
WORDED_AT_MOST = 100


def _line_of(text: StaffText, offset: int, newlines: list[int] | None = None) -> int:
    """The file's line of a position in the body (`newlines`: the body's line breaks, found once per text)."""
    if newlines is None:
        return text.first_line + text.body.count("\n", 0, offset)
    return text.first_line + bisect.bisect_left(newlines, offset)


def _area_problem(number: TypedNumber, place: Place, text: StaffText, known: Known,
                  by_area: dict[tuple[str, str], pd.DataFrame], memo: dict, word: bool = True) -> str | None:
    """None when the number does not stand by a named area with published values to compare (the general
    rule decides), "" when it is that area's value, else why not (German; "x" when `word` is False)."""
    cells = known.cells
    if place.mention is None or cells is None or not by_area:
        return None
    values = area_values(number, place, text, by_area, memo)
    if values is None:
        return None
    at, candidates, years = values
    if matches(number, candidates):
        return ""
    if not word:
        return "x"
    return area_message(number, place, text, cells, at, candidates, years)


def check_text(text: StaffText, known: Known, stop_on_stale: bool, names: dict | None = None) -> list[Problem]:
    """The problems of one text's typed numbers (see the module docstring); at most WORDED_AT_MOST of them
    worded, the rest counted (a text of thousands of numbers is answered in seconds, not minutes)."""
    problems, unworded = _check_text(text, known, stop_on_stale, names)
    if not unworded:
        return problems
    summary = problem(text.path, unworded[0], unworded_message(len(unworded)), fatal=stop_on_stale)
    return [*problems, summary]


def _check_text(text: StaffText, known: Known, stop_on_stale: bool,
                names: dict | None) -> tuple[list[Problem], list[int]]:
    """The worded problems, and the lines of the stale ones beyond WORDED_AT_MOST (a secret one is always worded)."""
    problems: list[Problem] = []
    unworded: list[int] = []
    by_area, memo = cells_by_area(known.cells), {}
    newlines = [i for i, char in enumerate(text.body) if char == "\n"]
    for offset, number, place in placed_numbers(text.body, names):
        if number.year_like:
            continue
        published = known.rates if number.is_rate else known.counts
        hidden = known.hidden_rates if number.is_rate else known.hidden_counts
        where = _line_of(text, offset, newlines)
        if not matches(number, published) and matches(number, hidden):
            problems.append(problem(text.path, where, secret_message(number), fatal=True, kind="geheim"))
            continue
        if not number.statistic:
            continue
        word = sum(p.kind == "zahl" for p in problems) < WORDED_AT_MOST
        at_area = _area_problem(number, place, text, known, by_area, memo, word)
        stale = at_area is None and not matches(number, published)
        if (at_area or stale) and not word:
            unworded.append(where)
        elif at_area:
            problems.append(problem(text.path, where, at_area, fatal=stop_on_stale))
        elif stale:
            problems.append(problem(text.path, where, stale_message(number, text.year, published), fatal=stop_on_stale))
    return problems, unworded


def placeholder_problems(text: StaffText, fatal: bool) -> list[Problem]:
    """Placeholders that show no number: a secret value or none (helpers.disclosure.citations); hints in a
    working build, refused in a release (`fatal`)."""
    return [problem(text.path, citation.reference.line, hint, fatal=fatal, kind="platzhalter")
            for citation in citations.citations(text) if (hint := citation.hint())]


def check(year: int, stop_on_stale: bool, shown: pd.DataFrame | None = None,
          shown_in: dict[str, set[str]] | None = None, final: bool = False) -> list[Problem]:
    """Every typed number and placeholder of a year's texts (none when the year has no texts), against
    the cells the report shows (`shown`, the chapters' records) or, without them, every published cell.

    `shown_in` ({text relative to data/: chapters showing it}, from a build of all chapters): a
    text's numbers are compared with the cells of the chapters that show it only, and a text no
    chapter shows is reported (stale-like: it would be missing from the report unnoticed).
    `final`: a release; a placeholder that shows no number is refused, not a hint.
    """
    cat = catalogue.load()
    year_texts = texts.load(year, {h.id for h in cat.handlungsfelder}, {i.id for i in cat.indicators})
    problems = []
    names = None
    for text in year_texts:
        cells = shown
        if shown_in is not None:
            chapters = shown_in.get(texts.data_relative(text), set())
            if not chapters:
                problems.append(nowhere(text, stop_on_stale))
                continue
            if cells is not None and "chapter" in cells:
                cells = cells[cells["chapter"].isin(chapters)]
        problems += placeholder_problems(text, fatal=final)
        typed = [n for line in text.body.splitlines() for n in typed_numbers(line) if not n.year_like]
        if typed:  # the published numbers of a place are gathered only for texts that type one
            names = names if names is not None else area_names()
            problems += check_text(text, known_numbers(indicators_of(text, cat), year, cells), stop_on_stale, names)
    return sorted(problems, key=lambda p: (p.where.file, p.where.row or 0))
