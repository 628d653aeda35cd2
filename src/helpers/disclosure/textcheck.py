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

import bisect
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.core import catalogue, formatting, texts
from helpers.core import problems as core_problems
from helpers.core.problems import Location, Severity
from helpers.core.texts import StaffText
from helpers.disclosure import citations, disclosed

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


@dataclass(frozen=True)
class Problem(core_problems.Problem):
    """A finding in a staff text (its file and line, None for the text as a whole); fatal ones stop the build,
    the others are hints. What it adds: its kind, by which the build's summary counts the hints."""

    kind: str = "zahl"  # "zahl": a typed number; "geheim": a hidden value; "platzhalter": a placeholder; "ort": shown nowhere

    @property
    def fatal(self) -> bool:
        return self.severity is Severity.ERROR


def _problem(path: Path, line: int | None, message: str, fatal: bool, kind: str = "zahl") -> Problem:
    """A finding at a line of a text file (the whole text for None)."""
    return Problem(Location(str(path), row=line), message, Severity.ERROR if fatal else Severity.HINT, kind)


@dataclass(frozen=True)
class Known:
    """The numbers of a place: published rates and counts, and those the rule hides."""

    rates: tuple[float, ...]
    counts: tuple[float, ...]
    hidden_rates: tuple[float, ...]
    hidden_counts: tuple[float, ...]
    #: Every published cell of these indicators up to the year (all levels, shown or not), for the rule
    #: that a number standing by a named area is that area's value: indicator, KEY, value, counts.
    cells: pd.DataFrame | None = field(default=None, compare=False, repr=False)


def _blank(match: re.Match) -> str:
    return " " * len(match.group(0))


def _typed_at(line: str) -> list[tuple[int, TypedNumber]]:
    """(position, number) of the numbers typed in Markdown; placeholders and leading list numbers are
    blanked out first (same length, so positions stay those of the text)."""
    line = PLACEHOLDER.sub(_blank, line)
    line = LIST_MARKER.sub(_blank, line, count=1)
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
    return [number for _, number in _typed_at(line)]


# --- which area a number belongs to ------------------------------------------------------------------

#: Words before a name that make it a common noun ("im Hafen", "der Dom", "die Mitte"), after it too
#: ("Mitte der 2010er Jahre"): such a name is no area mention (the city's names are, "in der Stadt").
ARTICLES_BEFORE = frozenset("der die das dem den des ein eine einer einem eines im am zum zur vom beim ins ans".split())
ARTICLES_AFTER = frozenset("der des".split())
#: Where a sentence ends: a full stop, ! or ? before a capital or a digit; a blank line; a list item.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"(\d])|\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)")
#: Where a clause ends inside a sentence: ; or a comma before a space (not a decimal comma), a dash.
CLAUSE_END = re.compile(r";|,(?=\s)|\s[–—]\s")
YEAR = re.compile(r"(?<![\d,.])(1[9]\d\d|20\d\d|2100)(?![\d,])")


@dataclass(frozen=True)
class Mention:
    """An area named in a text: where, as written, and the areas the name stands for (level, code, name)."""

    start: int
    written: str
    areas: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Place:
    """Where a typed number stands: its sentence's area (if it names one) and the years it names."""

    mention: Mention | None
    years: tuple[int, ...]


def _names() -> dict[str, tuple[tuple[str, str, str], ...]]:
    """Every name and alias of the hierarchy's areas (and the city's words) -> the areas it stands for."""
    table = citations.area_table()
    names: dict[str, list[tuple[str, str, str]]] = {}
    for row in table.itertuples():
        for name in row.names:
            names.setdefault(name, []).append((str(row.level), str(row.code), str(row.name)))
    city = citations.find_area("Stadt")[0]
    for word in ("Stadt", "Gesamtstadt", city[2]):
        names[word] = [city]
    return {name: tuple(found) for name, found in names.items()}


def _mention_pattern(names: dict) -> re.Pattern:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def mentions(sentence: str, names: dict | None = None, pattern: re.Pattern | None = None) -> list[Mention]:
    """The areas a sentence names (whole words, longest name first; common-noun uses left out)."""
    names = names if names is not None else _names()
    pattern = pattern or _mention_pattern(names)
    found = []
    for match in pattern.finditer(sentence):
        areas = names[match.group(0)]
        city = all(level == "stadt" for level, _, _ in areas)
        # the word before and after, from a short window (a whole long sentence per name was quadratic)
        before = re.findall(r"[\wÄÖÜäöüß]+", sentence[max(0, match.start() - 40):match.start()])[-1:]
        after = re.findall(r"[\wÄÖÜäöüß]+", sentence[match.end():match.end() + 40])[:1]
        single = " " not in match.group(0)  # "im Stadtbezirk Mitte" names the area with its level
        if not city and single and ((before and before[0].casefold() in ARTICLES_BEFORE)
                         or (after and after[0].casefold() in ARTICLES_AFTER)):
            continue
        found.append(Mention(match.start(), match.group(0), areas))
    return found


def _spans(text: str, boundary: re.Pattern, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of the pieces of text[start:] between boundaries, in positions of `text`."""
    spans, begin = [], start
    for match in boundary.finditer(text, start):
        spans.append((begin, match.start()))
        begin = match.end()
    spans.append((begin, len(text)))
    return spans


def _attributed(number_at: int, clause: tuple[int, int], named: list[Mention], starts: list[int]) -> Mention | None:
    """The area a number belongs to: the nearest named before it in its clause, else after it in its clause,
    else the nearest named before it in its sentence (`named` in order, `starts` their positions)."""
    preceding = bisect.bisect_left(starts, number_at)  # mentions before the number: named[:preceding]
    if preceding and starts[preceding - 1] >= clause[0]:
        return named[preceding - 1]
    following = bisect.bisect_right(starts, number_at)
    if following < len(named) and starts[following] < clause[1]:
        return named[following]
    before_clause = bisect.bisect_left(starts, clause[0])
    return named[before_clause - 1] if before_clause else None


def placed_numbers(body: str, names: dict | None = None) -> list[tuple[int, TypedNumber, Place]]:
    """(offset in body, number, its place) for every number typed in a Markdown body; near-linear in the body's
    length (positions found by bisection, not by scanning the sentence per number)."""
    names = names if names is not None else _names()
    pattern = _mention_pattern(names)
    blanked = PLACEHOLDER.sub(_blank, body)
    blanked = "\n".join(LIST_MARKER.sub(_blank, line, count=1) for line in blanked.split("\n"))
    found = []
    for start, end in _spans(blanked, SENTENCE_END):
        sentence = blanked[start:end]
        numbers = _typed_at(sentence)
        if not numbers:
            continue
        named = mentions(sentence, names, pattern)
        starts = [m.start for m in named]
        years = tuple(sorted({int(y) for y in YEAR.findall(sentence)}))
        clauses = _spans(sentence, CLAUSE_END)
        clause_starts = [c[0] for c in clauses]
        for at, number in numbers:
            clause = clauses[max(0, bisect.bisect_right(clause_starts, at) - 1)]
            found.append((start + at, number, Place(_attributed(at, clause, named, starts), years)))
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
    published, hidden, everywhere = [], [], []
    for ind in indicators:
        protected = disclosed.protected(ind)
        stored = disclosed.stored(ind)
        both = protected[KEY + ["area_name", "suppressed"]].merge(stored[KEY + ["numerator", "denominator", "value"]], on=KEY)
        both = both[both["year"] <= year]
        secret = both["suppressed"].ne("")
        visible = both[~secret]
        everywhere.append(visible.assign(indicator=ind.id, indicator_name=ind.name, unit=ind.unit))
        published.append(visible if shown is None else visible.merge(_shown_cells(shown, ind.id), on=KEY))
        hidden.append(both[secret])
    shown = pd.concat(published) if published else pd.DataFrame(columns=["value", "numerator", "denominator"])
    secret = pd.concat(hidden) if hidden else shown.iloc[0:0]

    def numbers(frame: pd.DataFrame, columns: list[str]) -> tuple[float, ...]:
        values = pd.concat([pd.to_numeric(frame[c], errors="coerce") for c in columns]) if len(frame) else pd.Series(dtype=float)
        return tuple(sorted(set(values.dropna().astype(float))))

    cells = pd.concat(everywhere, ignore_index=True) if everywhere else None
    return Known(numbers(shown, ["value"]), numbers(shown, ["numerator", "denominator"]),
                 numbers(secret, ["value"]), numbers(secret, ["numerator", "denominator"]), cells)


_ROUNDED: dict[tuple[int, int], tuple[tuple[float, ...], frozenset[float]]] = {}


def _rounded(candidates: tuple[float, ...], decimals: int) -> frozenset[float]:
    """The candidates rounded to `decimals`, as a set built once per tuple: a long text compared thousands
    of numbers with every published value one by one."""
    key = (id(candidates), decimals)
    kept = _ROUNDED.get(key)
    if kept is None or kept[0] is not candidates:
        if len(_ROUNDED) > 64:
            _ROUNDED.clear()
        kept = (candidates, frozenset(round(float(c), decimals) for c in candidates))
        _ROUNDED[key] = kept
    return kept[1]


def _matches(number: TypedNumber, candidates: tuple[float, ...]) -> bool:
    if len(candidates) > 64:
        return round(number.value, number.decimals) in _rounded(candidates, number.decimals)
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


def _line_of(text: StaffText, offset: int, newlines: list[int] | None = None) -> int:
    """The file's line of a position in the body (`newlines`: the body's line breaks, found once per text)."""
    if newlines is None:
        return text.first_line + text.body.count("\n", 0, offset)
    return text.first_line + bisect.bisect_left(newlines, offset)


def _differences(at: pd.DataFrame, city: pd.DataFrame, decimals: int) -> list[float]:
    """Differences a "Prozentpunkte" number can state about an area: between two of its years, and
    between it and the city in the same year (same indicator and group); of the exact values and of
    the values as the report shows them (a reader subtracts those)."""
    found = []
    both = at.merge(city, on=["indicator", "group", "year"], suffixes=("", "_city"))
    for places in (None, decimals):
        for _, series in at.groupby(["indicator", "group"]):
            values = series["value"].astype(float).round(places or 15).tolist()
            found += [abs(a - b) for i, a in enumerate(values) for b in values[i + 1:]]
        area, whole = both["value"].astype(float), both["value_city"].astype(float)
        found += (area.round(places or 15) - whole.round(places or 15)).abs().tolist()
    return found


def _shown_value(row: pd.Series, number: TypedNumber, several: bool) -> str:
    """"41,4 % (2019)", with the group and, for a text on several indicators, the indicator."""
    value = formatting.number(float(row["value"]), max(number.decimals, 1))
    unit = f"\u00a0{row['unit']}" if row["unit"] else ""
    about = [str(row["year"])]
    if row["group"] != "total":
        about.append(catalogue.GROUP_LABELS.get(row["group"], row["group"]))
    if several:
        about.append(str(row["indicator_name"]))
    return f"{value}{unit} ({', '.join(about)})"


def _by_area(cells: pd.DataFrame | None) -> dict[tuple[str, str], pd.DataFrame]:
    """The published cells per area (level, code), grouped once per text instead of filtered per number."""
    if cells is None or cells.empty:
        return {}
    return {(str(level), str(code)): frame for (level, code), frame in cells.groupby(["area_level", "area_code"],
                                                                                      sort=False)}


def _area_values(number: TypedNumber, place: Place, text: StaffText, by_area: dict,
                 memo: dict) -> tuple[pd.DataFrame, tuple[float, ...], set[int]] | None:
    """The published cells of the named area in the sentence's years, and the values a number of this kind can
    be (rates, counts or differences); None when there are none. Kept per area, years and kind in `memo`."""
    years = {y for y in (*place.years, text.year) if y <= text.year}
    kind = "points" if number.points else "rate" if number.is_rate else "count"
    key = (place.mention.areas, frozenset(years), kind, max(number.decimals, 1) if number.points else 0)
    if key in memo:
        return memo[key]
    found = [by_area[(level, code)] for level, code, _ in place.mention.areas if (level, code) in by_area]
    at = (pd.concat(found) if len(found) > 1 else found[0]) if found else None
    if at is not None:
        at = at[at["year"].isin(years)]
        if number.is_rate:  # a cell with no value (the sign "." or "…") has nothing to compare
            at = at[at["value"].notna()]
    if at is None or at.empty:
        memo[key] = None
        return None
    if number.points:
        city = pd.concat([f for (level, _), f in by_area.items() if level == "stadt"] or [at.iloc[0:0]])
        city = city[city["year"].isin(years) & city["value"].notna()]
        candidates = tuple(_differences(at, city, max(number.decimals, 1)))
    elif number.is_rate:
        candidates = tuple(at["value"].astype(float))
    else:
        candidates = tuple(pd.to_numeric(pd.concat([at["numerator"], at["denominator"]]), errors="coerce").dropna())
    memo[key] = (at, candidates, years)
    return memo[key]


def _area_problem(number: TypedNumber, place: Place, text: StaffText, known: Known,
                  by_area: dict[tuple[str, str], pd.DataFrame], memo: dict, word: bool = True) -> str | None:
    """None when the number does not stand by a named area with published values to compare (the general
    rule decides), "" when it is that area's value, else why not (German; "x" when `word` is False)."""
    cells = known.cells
    if place.mention is None or cells is None or not by_area:
        return None
    values = _area_values(number, place, text, by_area, memo)
    if values is None:
        return None
    at, candidates, years = values
    if _matches(number, candidates):
        return ""
    if not word:
        return "x"
    cells = cells[cells["value"].notna()]
    name = place.mention.areas[0][2]
    several = at["indicator"].nunique() > 1
    message = f"„{number.text}“ steht bei {name}"
    if number.is_rate and not number.points:
        near = at.assign(distance=(at["value"].astype(float) - number.value).abs()).sort_values(["distance", "year"])
        shown = list(dict.fromkeys(_shown_value(row, number, several) for _, row in near.head(3).iterrows()))
        message += f"; veröffentlicht ist dort {', '.join(shown)}"
        owners = cells[(cells["value"].astype(float).round(number.decimals) - number.value).abs() < 1e-9]
        owners = owners.assign(other_group=owners["group"].ne("total")).sort_values(["other_group", "year"],
                                                                                   ascending=[True, False])
        named = [f"{n} {y}" for n, y in dict.fromkeys(zip(owners["area_name"].fillna("").astype(str), owners["year"]))
                 if n and n != name][:2]
        if named:
            message += f" ({number.text} ist z. B. der Wert von {' und '.join(named)})"
    else:
        message += f" und passt zu keiner veröffentlichten Zahl dieses Gebiets ({', '.join(str(y) for y in sorted(years))})"
        message += f"; am nächsten: {_closest(number, candidates)}"
    cite = f"{{{{{text.key} {place.mention.written}}}}}" if text.place == "indikator" else "{{indikator jahr gebiet}}"
    return f"{message}. Tippfehler oder nach einer Revision veraltet? Besser als Platzhalter zitieren, z. B. {cite}."


#: Worded problems of typed numbers per text; the rest are counted in one more problem.
WORDED_AT_MOST = 100


def check_text(text: StaffText, known: Known, stop_on_stale: bool, names: dict | None = None) -> list[Problem]:
    """The problems of one text's typed numbers (see the module docstring); at most WORDED_AT_MOST of them
    worded, the rest counted (a text of thousands of numbers is answered in seconds, not minutes)."""
    problems, unworded = _check_text(text, known, stop_on_stale, names)
    if not unworded:
        return problems
    summary = _problem(text.path, unworded[0], f"… und {len(unworded)} weitere Zahlen dieses Texts ab dieser Zeile, "
                                               "die nicht zu ihrer Stelle passen (nicht einzeln aufgeführt).",
                       fatal=stop_on_stale)
    return [*problems, summary]


def _check_text(text: StaffText, known: Known, stop_on_stale: bool,
                names: dict | None) -> tuple[list[Problem], list[int]]:
    """The worded problems, and the lines of the stale ones beyond WORDED_AT_MOST (a secret one is always worded)."""
    problems: list[Problem] = []
    unworded: list[int] = []
    by_area, memo = _by_area(known.cells), {}
    newlines = [i for i, char in enumerate(text.body) if char == "\n"]
    for offset, number, place in placed_numbers(text.body, names):
        if number.year_like:
            continue
        published = known.rates if number.is_rate else known.counts
        hidden = known.hidden_rates if number.is_rate else known.hidden_counts
        where = _line_of(text, offset, newlines)
        if not _matches(number, published) and _matches(number, hidden):
            problems.append(_problem(text.path, where, f"„{number.text}“ gleicht einem Wert, den die Geheimhaltungsregel "
                                                       "hier nicht veröffentlicht. Bitte streichen (eine kleine Zahl, die "
                                                       "keine Fallzahl ist, als Wort schreiben).", fatal=True, kind="geheim"))
            continue
        if not number.statistic:
            continue
        word = sum(p.kind == "zahl" for p in problems) < WORDED_AT_MOST
        at_area = _area_problem(number, place, text, known, by_area, memo, word)
        stale = at_area is None and not _matches(number, published)
        if (at_area or stale) and not word:
            unworded.append(where)
        elif at_area:
            problems.append(_problem(text.path, where, at_area, fatal=stop_on_stale))
        elif stale:
            problems.append(_problem(text.path, where, f"„{number.text}“ passt zu keiner veröffentlichten Zahl dieser Stelle "
                                                       f"(bis {text.year}); am nächsten: {_closest(number, published)}. "
                                                       "Tippfehler oder nach einer Revision veraltet? Besser als Platzhalter "
                                                       "zitieren, z. B. {{indikator jahr gebiet}}.", fatal=stop_on_stale))
    return problems, unworded


def placeholder_problems(text: StaffText, fatal: bool) -> list[Problem]:
    """Placeholders that show no number: a secret value or none (helpers.disclosure.citations); hints in a
    working build, refused in a release (`fatal`)."""
    return [_problem(text.path, citation.reference.line, hint, fatal=fatal, kind="platzhalter")
            for citation in citations.citations(text) if (hint := citation.hint())]


def _nowhere(text: StaffText, stop_on_stale: bool) -> Problem:
    what = {"indikator": f"den Indikator '{text.key}' mit seinem Abschnitt (blocks.indicator_section)",
            "handlungsfeld": f"die Einordnung des Handlungsfelds '{text.key}' (blocks.opening)",
            "empfehlungen": f"die Empfehlungen des Handlungsfelds '{text.key}' (blocks.recommendations)",
            "einleitung": "die Einleitung (commentary.introduction)"}[text.place]
    return _problem(text.path, None, f"Dieser Text erscheint in keinem Kapitel des Berichts: kein Kapitel zeigt {what}. "
                                     "Datei umbenennen oder den Abschnitt in ein Kapitel aufnehmen.", fatal=stop_on_stale, kind="ort")


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
                problems.append(_nowhere(text, stop_on_stale))
                continue
            if cells is not None and "chapter" in cells:
                cells = cells[cells["chapter"].isin(chapters)]
        problems += placeholder_problems(text, fatal=final)
        typed = [n for line in text.body.splitlines() for n in typed_numbers(line) if not n.year_like]
        if typed:  # the published numbers of a place are gathered only for texts that type one
            names = names if names is not None else _names()
            problems += check_text(text, known_numbers(_indicators(text, cat), year, cells), stop_on_stale, names)
    return sorted(problems, key=lambda p: (p.where.file, p.where.row or 0))
