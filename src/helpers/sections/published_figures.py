"""A figure a city publishes beside an indicator without the counts behind it, shown as published: Münster's
eligible voters of the Integrationsrat elections beside their turnout.

The figure is stored as a published rate (helpers.core.rates, e.g. measure `ir_electorate`), one value per
year and area with its source. The section shows it for the years the indicator has a city value in the look
back up to the report year, with "." where no figure was published for such a year, each row with its source,
and records the shown cells (without an indicator: a published figure has no counts the disclosure rule
could test, but the checker still reads what the report shows).

    >>> from helpers.sections import published_figures
    >>> section = published_figures.beside("integrationsrat_wahlbeteiligung", "ir_electorate", 2014,
    ...                                    "Wahlberechtigte")                               # doctest: +SKIP
    >>> section.tables["veroeffentlicht"][["year", "value"]].values.tolist()               # doctest: +SKIP
    [[2010, <NA>], [2014, 34800.0]]
"""

from __future__ import annotations

import re

import pandas as pd

from helpers.core import areas, catalogue, formatting, levels, rates
from helpers.disclosure import disclosed
from helpers.sections.html_tables import table_html
from helpers.sections.lookback import window
from helpers.sections.shown import Record, Shown

#: Where no figure was published for a year the indicator has: the official "not available".
NOT_PUBLISHED = "."


def _hosts(source: str) -> str:
    """A stored source with each web address shortened to its site ("https://www.wn.de/…" -> "wn.de"), as the
    catalogue names the press it was reported in: the site says where, the long address is in the data."""
    return re.sub(r"https?://(?:www\.)?([^/\s,;]+)[^\s,;]*", r"\1", source)


def _years(indicator_id: str, report_year: int) -> list[int]:
    """The years with a city value of the indicator in the look back up to `report_year`."""
    city = disclosed.values(catalogue.load().indicator(indicator_id), levels.CITY)
    lo, hi = window(report_year)
    known = city[(city["group"] == "total") & city["value"].notna() & city["year"].between(lo, hi)]
    return sorted(int(y) for y in known["year"].unique())


def beside(indicator_id: str, measure: str, report_year: int, label: str) -> Shown:
    """The published figure `measure` (labelled `label`, e.g. "Wahlberechtigte") of the city for each year of
    the indicator's values shown; `tables["veroeffentlicht"]` holds the shown cells (value <NA> and flag "."
    where none was published)."""
    ind = catalogue.load().indicator(indicator_id)
    city = areas.city()
    result = Shown(f"{label}: {ind.name}")
    years = _years(indicator_id, report_year)
    if not years:
        return result
    stored = rates.rates_of(measure)
    stored = stored[(stored["area_level"] == levels.CITY) & (stored["area_code"] == city.code)].set_index("year")
    cells = result.table("veroeffentlicht", pd.DataFrame({
        "indicator": "", "area_level": levels.CITY, "area_code": city.code, "year": years, "group": "total",
        "value": pd.array([stored["value"].get(y, pd.NA) for y in years], dtype="Float64"),
        "flag": [stored["flag"].get(y, "") if y in stored.index else NOT_PUBLISHED for y in years],
        "source": [stored["source"].get(y, "") for y in years],
    }))
    table = pd.DataFrame({
        "Jahr": [str(y) for y in years],
        f"{label} (wie veröffentlicht)": [formatting.number(v, 0, f) if pd.notna(v) else (f or NOT_PUBLISHED)
                                          for v, f in zip(cells["value"], cells["flag"])],
    })
    missing = [str(y) for y, s in zip(years, cells["source"]) if not s]
    notes = [f"„{NOT_PUBLISHED}“: für {', '.join(missing)} keine Zahl veröffentlicht."] if missing else []
    sources = "; ".join(dict.fromkeys(_hosts(s) for s in cells["source"] if s)) or ind.source  # none: the results
    caption = f"{ind.population_base}, {city.name}"
    result.html(table_html(table, caption, sources, notes=notes), records=[Record(cells, "Tabelle")])
    return result
