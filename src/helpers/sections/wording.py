"""The sections' German sentences: key figures, changes, how a value is calculated, where it comes from.

Every number in these sentences is formatted from the values passed in (helpers.core.formatting),
never typed; the cells they use are chosen by helpers.sections.selection, so a sentence and the
table beside it show the same cell.

    >>> from helpers.core import catalogue
    >>> term_text(catalogue.Term("unemployed", origin="foreign", age="15-64"))
    'Arbeitslose (Ausländer/-innen, 15 bis 64 Jahre)'
    >>> age_text("65+")
    '65 Jahre und älter'
"""

from __future__ import annotations

import pandas as pd

from helpers.core import areas, catalogue, formatting, levels
from helpers.core.catalogue import GROUP_LABELS, GROUP_LABELS_DATIVE, Indicator, Term
from helpers.figures import charts
from helpers.sections.selection import first_compared_year, value_at


def age_text(age: str) -> str:
    """'15-64' -> '15 bis 64 Jahre', '65+' -> '65 Jahre und älter'."""
    if age.endswith("+"):
        return f"{age[:-1]} Jahre und älter"
    low, _, high = age.partition("-")
    return f"{low} bis {high} Jahre"


def term_text(term: Term) -> str:
    """One side of an indicator's formula for readers: "Arbeitslose (Ausländer/-innen, 15 bis 64 Jahre)"."""
    groups = [GROUP_LABELS.get(v, v) for v in (term.sex, term.origin) if v != "total"]
    groups += [age_text(term.age)] if term.age != "total" else []
    name = catalogue.load().measure_name(term.measure)
    return f"{name} ({', '.join(groups)})" if groups else name


def calculation_text(ind: Indicator) -> str:
    """How the value comes about: the formula over counts, or that it is a published rate."""
    if not ind.counted:
        return ("Veröffentlichte Quote der amtlichen Statistik, übernommen wie veröffentlicht (ohne Anzahlen: "
                "keine eigene Berechnung, keine Werte für kleinere Gebiete)")
    return (f"Zähler: {term_text(ind.numerator)} / Nenner: {term_text(ind.denominator)} "
            f"× {formatting.number(ind.scale)}")


def change_text(ind: Indicator, change: float) -> str:
    """A change or distance in the indicator's unit with its sign: percentage points for shares."""
    if ind.unit == "%":
        return formatting.points(change)
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    return f"{sign}{formatting.with_unit(abs(change), ind.unit)}"


def key_sentences(ind: Indicator, city: pd.DataFrame, small_areas: pd.DataFrame, year: int) -> str:
    """One to three German sentences with the key figures, generated from the values.

    Synthetic indicators say so first: their numbers must never read as facts about the city.
    `small_areas` are the disclosed values of the base level (empty for city-only indicators).
    """
    now = value_at(city, year)
    if now is None:
        return f"Für {year} liegt für den Indikator „{ind.name}“ kein gesamtstädtischer Wert vor."
    return _level_sentence(ind, city, year, now) + _groups_sentence(ind, city, year) + \
        _areas_sentence(ind, small_areas, year)


def _level_sentence(ind: Indicator, city: pd.DataFrame, year: int, now: float) -> str:
    """The city's value in `year` (with its counts for shares) and its change since the compared year."""
    row = city[(city["year"] == year) & (city["group"] == "total")].iloc[0]
    synthetic = ind.synthetic or bool(row["synthetic"])
    where = "in den Demodaten" if synthetic else f"in {areas.city().short}"
    text = f"**{charts.SYNTHETIC_MARK}, keine Aussage über {areas.city().short}.** " if synthetic else ""
    text += f"{year} lag der Wert „{ind.name}“ {where} bei **{_with_unit(ind, now)}**"
    if not ind.counted:
        text += " (veröffentlichte Quote der amtlichen Statistik)"
    elif ind.unit == "%":
        text += f" ({formatting.number(row['numerator'])} von {formatting.number(row['denominator'])})"
    first = first_compared_year(city, year)
    if first is not None:
        before = value_at(city, first)
        text += f"; {first} waren es {_with_unit(ind, before)} (Veränderung: {change_text(ind, now - before)})"
    return text + "."


def _groups_sentence(ind: Indicator, city: pd.DataFrame, year: int) -> str:
    """The two compared groups' values, their distance and, if it is notable, their ratio."""
    if not ind.group_values:
        return ""
    a, b = ind.group_values
    va, vb = value_at(city, year, a), value_at(city, year, b)
    if va is None or vb is None:
        return ""
    text = (f" Bei {GROUP_LABELS_DATIVE[a]} betrug er {_with_unit(ind, va)}, bei {GROUP_LABELS_DATIVE[b]} "
            f"{_with_unit(ind, vb)}; der Abstand beträgt {change_text(ind, abs(va - vb)).lstrip('+')}")
    if vb > 0 and abs(va / vb - 1) >= 0.05:
        return text + f", der Wert ist {formatting.number(va / vb, 1)}-mal so hoch wie bei {GROUP_LABELS_DATIVE[b]}."
    return text + "."


def _areas_sentence(ind: Indicator, small_areas: pd.DataFrame, year: int) -> str:
    """The three highest and lowest base-level areas, where there are at least six to rank."""
    ranked = small_areas[(small_areas["year"] == year) & (small_areas["group"] == "total")].dropna(subset=["value"])
    if len(ranked) < 6:
        return ""
    ranked = ranked.sort_values("value")
    top = ", ".join(f"{r.area_name} ({_with_unit(ind, r.value)})" for r in ranked.tail(3).iloc[::-1].itertuples())
    low = ", ".join(f"{r.area_name} ({_with_unit(ind, r.value)})" for r in ranked.head(3).itertuples())
    return f" Die höchsten Werte der {levels.hierarchy().base.plural} hatten {top}; die niedrigsten {low}."


def _with_unit(ind: Indicator, value: float) -> str:
    return formatting.with_unit(value, ind.unit)


def combined_source(indicator_ids: list[str]) -> str:
    """Several indicators: name the chapters whose definition boxes hold the full sources."""
    cat = catalogue.load()
    if len(indicator_ids) == 1:
        return charts.short_source(cat.indicator(indicator_ids[0]))
    chapters = dict.fromkeys(cat.handlungsfeld(cat.indicator(i).handlungsfeld).name for i in indicator_ids)
    return ("Quellen der Indikatoren siehe Definitionskästen in den Kapiteln " + ", ".join(chapters)
            + "; eigene Berechnung")
