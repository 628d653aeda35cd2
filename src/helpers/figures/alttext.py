"""Alternative texts for the report's charts and maps: what the figure shows, in a sentence or two.

A screen-reader user (and anyone reading the report without images) gets the key values the
picture conveys, not only its title (BITV 2.0 / WCAG 2.1, success criterion 1.1.1): for a map the
highest and lowest areas with their values and the city value, for a time series the first and
the last year of each line. The numbers are German-formatted with `helpers.core.formatting`,
exactly as the tables show them. Every function takes plain values, so the sections that know the
data call them and the figures stay free of text logic.

    >>> series_alt("Anteil, Münster 2010–2014", {"Insgesamt": {2010: 20.0, 2014: 21.7}}, "%")
    'Liniendiagramm: Anteil, Münster 2010–2014. Insgesamt: 2010 20,0\\xa0%, 2014 21,7\\xa0%.'
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from helpers.core import formatting


def _clean(title: str) -> str:
    """One line without a trailing full stop (titles set on two lines are one sentence)."""
    return " ".join(title.split()).rstrip(".")


def _missing(value: object) -> bool:
    """None, NaN or pandas' NA: a value the figure does not show as a number."""
    return value is None or bool(pd.isna(value))


def _present(values: Mapping[str, float | None]) -> dict[str, float]:
    """The values that are shown as numbers (missing and suppressed ones left out)."""
    return {k: float(v) for k, v in values.items() if not _missing(v)}


def _value(value: float, unit: str, decimals: int) -> str:
    return formatting.with_unit(value, unit, decimals)


def extremes(values: Mapping[str, float | None], unit: str, decimals: int = 1) -> str:
    """'höchster Wert A (9,0 %), niedrigster B (1,0 %)' over the areas with a value; '' without any.

    Ties are named together ('A und B'), so the sentence never picks one area arbitrarily.
    """
    present = _present(values)
    if not present:
        return ""
    top, low = max(present.values()), min(present.values())

    def names(target: float) -> str:
        found = sorted(k for k, v in present.items() if v == target)
        return found[0] if len(found) == 1 else f"{', '.join(found[:-1])} und {found[-1]}"

    if top == low:
        return f"alle Gebiete mit Wert {_value(top, unit, decimals)}"
    return (f"höchster Wert {names(top)} ({_value(top, unit, decimals)}), "
            f"niedrigster {names(low)} ({_value(low, unit, decimals)})")


def map_alt(title: str, values: Mapping[str, float | None], unit: str, city_value: float | None = None,
            city_name: str = "Gesamtstadt", decimals: int = 1) -> str:
    """Alternative text of a choropleth: extremes over the areas, the city's value, the areas without a value."""
    parts = [extremes(values, unit, decimals)]
    if not _missing(city_value):
        parts.append(f"{city_name} {_value(city_value, unit, decimals)}")
    text = f"Karte: {_clean(title)}. " + _sentence("; ".join(p for p in parts if p))
    missing = len(values) - len(_present(values))
    if missing:
        text += f" {missing} {'Gebiet' if missing == 1 else 'Gebiete'} ohne Angabe oder geheim."
    return text.strip()


def _sentence(text: str) -> str:
    """Capitalised, with a full stop; '' stays ''."""
    return f"{text[:1].upper()}{text[1:]}." if text else ""


def change_alt(title: str, changes: Mapping[str, float | None], unit: str, decimals: int = 1) -> str:
    """Alternative text of a change map: the largest increase and decrease with their areas."""
    present = _present(changes)
    change_unit = "Prozentpunkte" if unit == "%" else unit
    if not present:
        return f"Karte: {_clean(title)}. Keine Veränderung darstellbar."

    def signed(v: float) -> str:
        sign = "+" if v > 0 else ("−" if v < 0 else "±")
        return f"{sign}{_value(abs(v), change_unit, decimals)}"

    up = max(present, key=lambda k: (present[k], k))
    down = min(present, key=lambda k: (present[k], k))
    head = f"Karte: {_clean(title)}."
    if present[up] > 0 > present[down]:
        return f"{head} Größte Zunahme {up} ({signed(present[up])}), größte Abnahme {down} ({signed(present[down])})."
    # every area moved one way (or not at all): "largest decrease +0,2" would misread the map
    if present[up] == present[down] == 0:
        return f"{head} Kein Gebiet hat sich verändert."
    if present[down] >= 0:
        return f"{head} Kein Gebiet hat abgenommen; größte Zunahme {up} ({signed(present[up])}), " \
               f"kleinste {down} ({signed(present[down])})."
    return f"{head} Kein Gebiet hat zugenommen; größte Abnahme {down} ({signed(present[down])}), " \
           f"kleinste {up} ({signed(present[up])})."


def series_alt(title: str, lines: Mapping[str, Mapping[int, float | None]], unit: str, decimals: int = 1,
               kind: str = "Liniendiagramm") -> str:
    """Alternative text of a time series: per line the first and the last year with a value."""
    described = []
    for label, points in lines.items():
        present = {int(y): v for y, v in _present({str(y): v for y, v in points.items()}).items()}
        if not present:
            continue
        first, last = min(present), max(present)
        span = f"{first} {_value(present[first], unit, decimals)}"
        if last != first:
            span += f", {last} {_value(present[last], unit, decimals)}"
        described.append(f"{label}: {span}")
    return f"{kind}: {_clean(title)}. " + _sentence("; ".join(described)) if described \
        else f"{kind}: {_clean(title)}."


def shares_alt(title: str, parts: Mapping[str, float | None], where: str, unit: str = "%", decimals: int = 1) -> str:
    """Alternative text of a stacked bar chart: the parts of one row (e.g. the city), in order."""
    present = _present(parts)
    listed = ", ".join(f"{k} {_value(v, unit, decimals)}" for k, v in present.items())
    return f"Balkendiagramm: {_clean(title)}. {where}: {listed}." if listed else f"Balkendiagramm: {_clean(title)}."


def categories_alt(title: str, categories: Mapping[str, str | None], order: list[str], shown: int = 3) -> str:
    """Alternative text of a category map: how many areas fall into each category, with examples."""
    groups = []
    for name in order:
        members = sorted(k for k, v in categories.items() if v == name)
        if not members:
            continue
        examples = ", ".join(members[:shown]) + (" u. a." if len(members) > shown else "")
        groups.append(f"{name}: {len(members)} ({examples})")
    return f"Karte: {_clean(title)}. " + _sentence("; ".join(groups)) if groups else f"Karte: {_clean(title)}."


def correlation_alt(title: str, pairs: Mapping[tuple[str, str], float | None], decimals: int = 2) -> str:
    """Alternative text of a correlation matrix: the strongest positive and negative pair."""
    present = {k: float(v) for k, v in pairs.items() if not _missing(v) and k[0] != k[1]}
    if not present:
        return f"Korrelationsmatrix: {_clean(title)}."
    top = max(present, key=lambda k: present[k])
    low = min(present, key=lambda k: present[k])
    text = (f"Korrelationsmatrix: {_clean(title)}. Stärkster positiver Zusammenhang: {top[0]} und {top[1]} "
            f"(r = {formatting.number(present[top], decimals)})")
    if present[low] < 0:
        text += f"; stärkster negativer: {low[0]} und {low[1]} (r = {formatting.number(present[low], decimals)})"
    return text + ". Alle Werte in der Tabelle „Alle Paare“."


def scatter_alt(title: str, r: float | None, n: int, decimals: int = 2) -> str:
    """Alternative text of a scatter plot: the correlation and the number of areas."""
    if _missing(r):
        return f"Streudiagramm: {_clean(title)}. {n} Gebiete."
    return f"Streudiagramm: {_clean(title)}. Korrelation r = {formatting.number(r, decimals)} über {n} Gebiete."


def small_multiples_alt(title: str, maps: Mapping[int, Mapping[str, float | None]], unit: str,
                        decimals: int = 1) -> str:
    """Alternative text of small multiples (one map per year, one scale): each described year's extremes."""
    described = [f"{year}: {extremes(values, unit, decimals)}" for year, values in maps.items()]
    return f"Karten: {' '.join(title.split())}. " + "; ".join(described) + "."
