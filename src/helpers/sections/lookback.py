"""The report's look back: which years a chapter's series and the exported tables cover.

Apart from helpers.sections.blocks and its parts (which import the figures stack: matplotlib, seaborn) so that the
build's main process can size the tables' years without importing what only the chapters' kernels need.
"""

from __future__ import annotations

from helpers.core import catalogue, levels
from helpers.disclosure import disclosed

LOOK_BACK = 10  # years shown in a series, report year included


def window(report_year: int) -> tuple[int, int]:
    """First and last year of a series in the report of `report_year`."""
    return report_year - LOOK_BACK + 1, report_year


def first_year_shown(report_year: int) -> int:
    """First year of the look back for which any indicator has a city value."""
    lo, hi = window(report_year)
    years = []
    for ind in catalogue.load().indicators:
        city = disclosed.values(ind, levels.CITY)
        present = city.loc[city["value"].notna() & city["year"].between(lo, hi), "year"]
        years += present.tolist()
    return min(years) if years else lo


def earlier_years_shown(report_year: int) -> dict[str, int]:
    """Indicators whose values end before the look back but which the report shows all the same (a chapter
    shows an indicator's latest year, labelled, and a map of another level its latest year there): indicator
    id -> that year, so the exported tables hold the values the report shows and its maps link to."""
    lo, _ = window(report_year)
    out = {}
    for ind in catalogue.load().indicators:
        vals = disclosed.protected(ind)
        known = vals.loc[vals["value"].notna() & (vals["year"] <= report_year), "year"]
        if len(known) and int(known.max()) < lo:
            out[ind.id] = int(known.max())
    return out
