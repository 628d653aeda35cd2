"""Which values a section shows: picking cells out of the disclosed values, no wording, no HTML.

The sections' text, tables and figures all start from the frames chosen here (a value of one
cell, the year the key sentences compare with, the gap table's rows, the latest year several
indicators share, the composition's shares), so a figure and the sentence beside it cannot
pick different cells.

    >>> import pandas as pd
    >>> city = pd.DataFrame({"year": [2010, 2014], "group": "total", "area_code": city_code(),
    ...                      "value": [20.0, 21.7]})
    >>> value_at(city, 2014), first_compared_year(city, 2014)
    (21.7, 2010)
"""

from __future__ import annotations

import pandas as pd

from helpers.core import areas, catalogue, levels
from helpers.core.catalogue import Indicator
from helpers.disclosure import disclosed
from helpers.indicators import compute
from helpers.sections.lookback import window


def city_code() -> str:
    """The code of the one area of level 'stadt' (Münster: 05515000; any other city: its own)."""
    return areas.city().code


def value_at(vals: pd.DataFrame, year: int, group: str = "total", area: str | None = None) -> float | None:
    """The value of one cell (default: the city's), None where it is missing or suppressed."""
    area = area or city_code()
    row = vals[(vals["year"] == year) & (vals["group"] == group) & (vals["area_code"] == area)]
    if row.empty or pd.isna(row.iloc[0]["value"]):
        return None
    return float(row.iloc[0]["value"])


def first_compared_year(city: pd.DataFrame, year: int) -> int | None:
    """The earliest year of the look back before `year` with a city value: the key sentences' comparison."""
    present = city.loc[city["value"].notna() & (city["group"] == "total"), "year"]
    earlier = [y for y in sorted(present) if window(year)[0] <= y < year]
    return int(earlier[0]) if earlier else None


def gap_frame(ind: Indicator, city: pd.DataFrame, year: int) -> pd.DataFrame:
    """The gap table as data: one row per year of the look back with a value for either group.

    Columns: `year`, each compared group's disclosed value and its flag (`<group>`,
    `flag_<group>`), `difference` (first minus second group) and `ratio`.
    """
    g = compute.gap(city, ind)
    lo, hi = window(year)
    a, b = ind.group_values
    g = g[(g["year"] >= lo) & (g["year"] <= hi) & (g[a].notna() | g[b].notna())].sort_values("year")
    flags = city.set_index(["year", "group"])["flag"]
    return pd.DataFrame({
        "year": g["year"].to_numpy(),
        a: g[a].to_numpy(), f"flag_{a}": [flags.get((y, a), "") for y in g["year"]],
        b: g[b].to_numpy(), f"flag_{b}": [flags.get((y, b), "") for y in g["year"]],
        "difference": g["difference"].to_numpy(), "ratio": g["ratio"].to_numpy(),
    })


def gap_cells(ind: Indicator, city: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The disclosed city cells a gap table shows (both groups in its years), for the register."""
    return city[city["year"].isin(frame["year"]) & city["group"].isin(ind.group_values)]


def nonempty_concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames stacked, leaving out empty ones (pandas warns on them); the first one's columns if all are."""
    present = [f for f in frames if not f.empty]
    return pd.concat(present, ignore_index=True) if present else frames[0].iloc[0:0]


def latest_common_year(indicator_ids: list[str], report_year: int, level: str | None = None) -> int | None:
    """Latest year up to the report year in which every indicator has values at `level` (default: base)."""
    common: set[int] | None = None
    for ind_id in indicator_ids:
        vals = disclosed.values(catalogue.load().indicator(ind_id), level)
        years = set(vals.loc[vals["value"].notna() & (vals["group"] == "total"), "year"].astype(int))
        common = years if common is None else common & years
    candidates = [y for y in (common or set()) if y <= report_year]
    return max(candidates) if candidates else None


def declared_levels_shown(ind: Indicator) -> tuple[levels.Level, ...]:
    """The declared levels an indicator section shows as a table (and a map) of their own, smallest first: every
    declared level from the indicator's own level up, without the base level (its maps show it) and without the
    city (its series shows it). Münster: Teilbereiche and Stadtbezirke; Berlin: Prognoseräume and Bezirke; a city
    with one level: none."""
    h = levels.hierarchy()
    if ind.level not in h.codes or ind.level == levels.CITY:
        return ()
    own = h.rank(ind.level)
    return tuple(lv for i, lv in enumerate(h.levels) if i >= own and lv.code != h.base.code)


def level_cells(ind: Indicator, level: str, year: int) -> pd.DataFrame:
    """The disclosed cells of one level's table in `year`: the total and the indicator's compared groups, by area
    code; empty when no area of the level has a published total value that year (a level whose series ended
    earlier, e.g. Berlin's Prognoseräume of the LOR 2006 after 2020, or whose values are all withheld)."""
    vals = disclosed.values(ind, level)
    cells = vals[(vals["year"] == year) & vals["group"].isin(["total", *ind.group_values])]
    if cells.loc[cells["group"] == "total", "value"].notna().sum() == 0:
        return cells.iloc[0:0]
    return cells.sort_values(["area_code", "group"], kind="stable").reset_index(drop=True)


def composition_levels() -> tuple[str, ...]:
    """The levels the composition compares: the city and, if the city has one, its outline level."""
    outline = levels.hierarchy().outline
    return (levels.CITY,) if outline is None else (levels.CITY, outline.code)


def composition_years(origins: list[str], report_year: int) -> set[int]:
    """The years up to the report year with a stored city count for every origin group."""
    city_parts = [compute.counts(catalogue.Term("population", origin=o), levels.CITY) for o in origins]
    years = set.intersection(*(set(c.loc[c["count"].notna(), "year"]) for c in city_parts))
    return {y for y in years if y <= report_year}


def composition_shares(level: str, year: int, parts: dict[str, str]) -> dict[str, dict[str, float]]:
    """Each area of `level` under its name: its parts (origin group -> label) in % of all residents."""
    rows: dict[str, dict[str, float]] = {}
    total = compute.counts(catalogue.Term("population"), level)
    total = total[total["year"] == year].set_index("area_code")["count"]
    names = areas.area_names(level)
    for origin, label in parts.items():
        c = compute.counts(catalogue.Term("population", origin=origin), level)
        c = c[c["year"] == year].set_index("area_code")["count"]
        for code, value in c.items():
            rows.setdefault(names.get(code, code), {})[label] = float(value) / float(total[code]) * 100
    return rows
