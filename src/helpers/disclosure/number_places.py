"""Where a typed number stands in a staff text: the area its sentence names for it, and the years it names.

A map shows every area's value, so a number beside a named area is compared with that area's
values (helpers.disclosure.textcheck). This module only finds the place: it splits a Markdown body
into sentences and clauses, finds the areas named (every name and alias of the hierarchy, and the
city's own words, helpers.disclosure.citations; a name used as a common noun, "im Hafen", is left
out) and gives each typed number the nearest one: before it in its clause, else after it in its
clause, else before it in its sentence. Near-linear in the body's length (positions found by
bisection).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from helpers.disclosure import citations
from helpers.disclosure.typed_numbers import LIST_MARKER, PLACEHOLDER, TypedNumber, blank, typed_at

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


def area_names() -> dict[str, tuple[tuple[str, str, str], ...]]:
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


def mention_pattern(names: dict) -> re.Pattern:
    """The pattern `mentions` finds area names with; build it once for many texts (compiling it is most of
    reading a short text)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def mentions(sentence: str, names: dict | None = None, pattern: re.Pattern | None = None) -> list[Mention]:
    """The areas a sentence names (whole words, longest name first; common-noun uses left out)."""
    names = names if names is not None else area_names()
    pattern = pattern or mention_pattern(names)
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
    names = names if names is not None else area_names()
    pattern = mention_pattern(names)
    blanked = PLACEHOLDER.sub(blank, body)
    blanked = "\n".join(LIST_MARKER.sub(blank, line, count=1) for line in blanked.split("\n"))
    found = []
    for start, end in _spans(blanked, SENTENCE_END):
        sentence = blanked[start:end]
        numbers = typed_at(sentence)
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
