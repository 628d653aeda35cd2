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
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core import catalogue, formatting, texts
from helpers.core.texts import StaffText
from helpers.disclosure import disclosed

PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
NUMBER = re.compile(r"(?<![\w.,])(?P<whole>\d{1,3}(?:[.\u202f\u00a0 ]\d{3})+|\d+)(?:,(?P<decimals>\d+))?(?![\d])"
                    r"(?P<unit>\s?(?:%|Prozentpunkte|Prozent))?")
LIST_MARKER = re.compile(r"^\s*\d+[.)]\s")
KEY = ["year", "area_level", "area_code", "group"]
YEARS = range(1900, 2101)


@dataclass(frozen=True)
class TypedNumber:
    text: str  # as typed, e.g. "23,2 %"
    value: float
    decimals: int
    unit: bool
    grouped: bool  # written with a thousands separator

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


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None  # None: the text as a whole
    message: str
    fatal: bool

    def __str__(self) -> str:
        return f"{self.path}, Zeile {self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Known:
    """The numbers of a place: published rates and counts, and those the rule hides."""

    rates: tuple[float, ...]
    counts: tuple[float, ...]
    hidden_rates: tuple[float, ...]
    hidden_counts: tuple[float, ...]


def typed_numbers(line: str) -> list[TypedNumber]:
    """The numbers typed in one line of Markdown, without placeholders and a leading list number."""
    line = PLACEHOLDER.sub(" ", line)
    line = LIST_MARKER.sub(" ", line, count=1)
    found = []
    for match in NUMBER.finditer(line):
        whole = re.sub(r"[.\u202f\u00a0 ]", "", match.group("whole"))
        decimals = match.group("decimals") or ""
        found.append(TypedNumber(match.group(0).strip(), float(f"{whole}.{decimals or 0}"), len(decimals),
                                 bool(match.group("unit")), whole != match.group("whole")))
    return found


def _indicators(text: StaffText, cat: catalogue.Catalogue) -> list:
    if text.place == "indikator":
        return [cat.indicator(text.key)]
    if text.place in ("handlungsfeld", "empfehlungen"):
        return list(cat.for_handlungsfeld(text.key))
    return list(cat.indicators)


def _shown_cells(shown: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    cells = shown.loc[shown["indicator"] == indicator_id, KEY].dropna().drop_duplicates()
    return cells.astype({"year": int, "area_code": str})


def known_numbers(indicators: list, year: int, shown: pd.DataFrame | None = None) -> Known:
    """Published and hidden numbers of these indicators, years up to `year`. Published: the cells
    the report shows (`shown`: the chapters' records, helpers.disclosure.register), or, without
    records, every published cell at every level; hidden: every suppressed cell."""
    published, hidden = [], []
    for ind in indicators:
        protected = disclosed.protected(ind)
        stored = disclosed.stored(ind)
        both = protected[KEY + ["suppressed"]].merge(stored[KEY + ["numerator", "denominator", "value"]], on=KEY)
        both = both[both["year"] <= year]
        secret = both["suppressed"].ne("")
        visible = both[~secret]
        published.append(visible if shown is None else visible.merge(_shown_cells(shown, ind.id), on=KEY))
        hidden.append(both[secret])
    shown = pd.concat(published) if published else pd.DataFrame(columns=["value", "numerator", "denominator"])
    secret = pd.concat(hidden) if hidden else shown.iloc[0:0]

    def numbers(frame: pd.DataFrame, columns: list[str]) -> tuple[float, ...]:
        values = pd.concat([pd.to_numeric(frame[c], errors="coerce") for c in columns]) if len(frame) else pd.Series(dtype=float)
        return tuple(sorted(set(values.dropna().astype(float))))

    return Known(numbers(shown, ["value"]), numbers(shown, ["numerator", "denominator"]),
                 numbers(secret, ["value"]), numbers(secret, ["numerator", "denominator"]))


def _matches(number: TypedNumber, candidates: tuple[float, ...]) -> bool:
    return any(math.isclose(round(c, number.decimals), number.value, abs_tol=1e-9) for c in candidates)


def _closest(number: TypedNumber, candidates: tuple[float, ...], n: int = 3) -> str:
    near = sorted(candidates, key=lambda c: abs(c - number.value))
    shown: list[str] = []
    for c in near:
        text = formatting.number(c, number.decimals if number.is_rate else 0)
        if text not in shown:
            shown.append(text)
        if len(shown) == n:
            break
    return ", ".join(shown) or "keine"


def check_text(text: StaffText, known: Known, stop_on_stale: bool) -> list[Problem]:
    """The problems of one text's typed numbers (see the module docstring)."""
    problems = []
    for offset, line in enumerate(text.body.splitlines()):
        for number in typed_numbers(line):
            if number.year_like:
                continue
            published = known.rates if number.is_rate else known.counts
            hidden = known.hidden_rates if number.is_rate else known.hidden_counts
            if _matches(number, published):
                continue
            where = text.first_line + offset
            if _matches(number, hidden):
                problems.append(Problem(text.path, where, f"„{number.text}“ gleicht einem Wert, den die Geheimhaltungsregel "
                                                          "hier nicht veröffentlicht. Bitte streichen (eine kleine Zahl, die "
                                                          "keine Fallzahl ist, als Wort schreiben).", fatal=True))
            elif number.statistic:
                problems.append(Problem(text.path, where, f"„{number.text}“ passt zu keiner veröffentlichten Zahl dieser Stelle "
                                                          f"(bis {text.year}); am nächsten: {_closest(number, published)}. "
                                                          "Tippfehler oder nach einer Revision veraltet? Besser als Platzhalter "
                                                          "zitieren, z. B. {{indikator jahr gebiet}}.", fatal=stop_on_stale))
    return problems


def _nowhere(text: StaffText, stop_on_stale: bool) -> Problem:
    what = {"indikator": f"den Indikator '{text.key}' mit seinem Abschnitt (blocks.indicator_section)",
            "handlungsfeld": f"die Einordnung des Handlungsfelds '{text.key}' (blocks.opening)",
            "empfehlungen": f"die Empfehlungen des Handlungsfelds '{text.key}' (blocks.recommendations)",
            "einleitung": "die Einleitung (commentary.introduction)"}[text.place]
    return Problem(text.path, None, f"Dieser Text erscheint in keinem Kapitel des Berichts: kein Kapitel zeigt {what}. "
                                    "Datei umbenennen oder den Abschnitt in ein Kapitel aufnehmen.", fatal=stop_on_stale)


def check(year: int, stop_on_stale: bool, shown: pd.DataFrame | None = None,
          shown_in: dict[str, set[str]] | None = None) -> list[Problem]:
    """Every typed number of a year's texts (none when the year has no texts), against the cells
    the report shows (`shown`, the chapters' records) or, without them, every published cell.

    `shown_in` ({text relative to data/: chapters showing it}, from a build of all chapters): a
    text's numbers are compared with the cells of the chapters that show it only, and a text no
    chapter shows is reported (stale-like: it would be missing from the report unnoticed).
    """
    cat = catalogue.load()
    year_texts = texts.load(year, {h.id for h in cat.handlungsfelder}, {i.id for i in cat.indicators})
    problems = []
    for text in year_texts:
        cells = shown
        if shown_in is not None:
            chapters = shown_in.get(texts.data_relative(text), set())
            if not chapters:
                problems.append(_nowhere(text, stop_on_stale))
                continue
            if cells is not None and "chapter" in cells:
                cells = cells[cells["chapter"].isin(chapters)]
        typed = [n for line in text.body.splitlines() for n in typed_numbers(line) if not n.year_like]
        if typed:  # the published numbers of a place are gathered only for texts that type one
            problems += check_text(text, known_numbers(_indicators(text, cat), year, cells), stop_on_stale)
    return problems
