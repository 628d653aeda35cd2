"""The numbers a typed number is compared with: published and hidden values of a place, matched at typed precision.

Published are the cells the report shows (the chapters' records, helpers.disclosure.register), or,
without records, every published cell at every level; hidden is every cell the rule suppresses
(helpers.disclosure.disclosed). For a number that stands by a named area
(helpers.disclosure.number_places) the candidates are that area's values in the sentence's years:
rates, counts, or for "Prozentpunkte" the differences a reader can form. No wording here: what a
mismatch is called is helpers.disclosure.text_findings' business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from helpers.core import catalogue
from helpers.core.texts import StaffText
from helpers.disclosure import disclosed
from helpers.disclosure.number_places import Place
from helpers.disclosure.typed_numbers import TypedNumber

KEY = ["year", "area_level", "area_code", "group"]


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


def indicators_of(text: StaffText, cat: catalogue.Catalogue) -> list:
    """The indicators a text's place speaks about: its indicator, its Handlungsfeld's, or (the introduction) all."""
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


def matches(number: TypedNumber, candidates: tuple[float, ...]) -> bool:
    """Whether one of the candidates, rounded to the number's typed decimals, is the number."""
    if len(candidates) > 64:
        return round(number.value, number.decimals) in _rounded(candidates, number.decimals)
    return any(math.isclose(round(c, number.decimals), number.value, abs_tol=1e-9) for c in candidates)


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


def cells_by_area(cells: pd.DataFrame | None) -> dict[tuple[str, str], pd.DataFrame]:
    """The published cells per area (level, code), grouped once per text instead of filtered per number."""
    if cells is None or cells.empty:
        return {}
    return {(str(level), str(code)): frame for (level, code), frame in cells.groupby(["area_level", "area_code"],
                                                                                      sort=False)}


def area_values(number: TypedNumber, place: Place, text: StaffText, by_area: dict,
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
