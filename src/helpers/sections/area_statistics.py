"""The numbers of the spatial analyses: this city's data fetched for helpers.stats, and its results as tables.

The statistics (helpers.stats `segregation`, `spatial`, `socialspace`) have no data access of
their own. This module fetches what they need (stored population counts, disclosed values,
the Queen neighbours of a level's boundaries, area names), calls them and gathers their
results over the years of a look back. No German wording and no layout: those are in
helpers.sections.area_wording and helpers.sections.area_tables, the sections that show the
results in helpers.sections.area_patterns.

    >>> from helpers.sections import area_statistics
    >>> [(a, b) for a, b, _ in area_statistics.PAIRS]
    [('migration', 'no_migration'), ('foreign', 'german')]
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from libpysal.weights import W

from helpers.core import areas, catalogue, concept, levels
from helpers.disclosure import disclosed
from helpers.indicators import compute
from helpers.sections.lookback import window
from helpers.sections.shown import Record
from helpers.stats import segregation, socialspace, spatial

#: Group pairs compared by the segregation indices; labels in Münster's concept, see `pairs`.
PAIRS = (("migration", "no_migration", "Menschen mit und ohne Migrationsvorgeschichte"),
         ("foreign", "german", "Ausländer/-innen und Deutsche"))
#: What the register calls the cells an analysis is computed from.
ANALYSIS = "Analyse"


def pairs() -> tuple[tuple[str, str, str], ...]:
    """`PAIRS` with their labels in the city's concept (Migrationshintergrund in Berlin)."""
    return tuple((a, b, concept.say(label)) for a, b, label in PAIRS)


def base_level() -> levels.Level:
    """The smallest level with indicators: every analysis of the area sections runs on it."""
    return levels.hierarchy().base


def n_areas(level: str | None = None) -> int:
    """How many areas a level has (default the base: 45 Stadtteile in Münster; any number elsewhere)."""
    return len(areas.area_names(levels.resolve(level)))


# --- Segregation -----------------------------------------------------------------------------

def population_counts(origins: list[str], level: str | None = None) -> pd.DataFrame:
    """Stored (complete) population counts of origin groups (default: base level), long: year, area_code, origin, count, …"""
    level = levels.resolve(level)
    frames = [compute.counts(catalogue.Term("population", origin=o), level).assign(origin=o) for o in origins]
    return pd.concat(frames, ignore_index=True)


def segregation_indices(group: str, reference: str, level: str | None = None,
                        years: range | None = None) -> segregation.SegregationResult:
    """`segregation.indices_by_year` on the stored population counts of all areas of `level` (default: base)."""
    level = levels.base() if level is None else level
    segregation.check_request(group, reference, level)
    counts = population_counts(["total", group, reference], level)
    return segregation.indices_by_year(counts, group, reference, level, years, sorted(areas.area_names(level)))


def segregation_table(report_year: int, level: str | None = None,
                      results: dict[str, segregation.SegregationResult] | None = None) -> pd.DataFrame:
    """Both group pairs, every year of the look back with complete counts."""
    lo, hi = window(report_year)
    if results is None:
        results = {label: segregation_indices(a, b, level) for a, b, label in pairs()}
    frames = [result.table.assign(label=label) for label, result in results.items()]
    table = pd.concat(frames, ignore_index=True)
    return table[table["year"].between(lo, hi)].sort_values(["label", "year"], ignore_index=True)


# --- Spatial autocorrelation ------------------------------------------------------------------

@lru_cache(maxsize=8)
def _level_neighbours(level: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Queen neighbours of one level, computed once per process (immutable for the cache)."""
    layers = levels.hierarchy().with_boundaries
    if level not in layers:
        raise spatial.SpatialError(f"Keine Grenzen für die Ebene {level!r}; verfügbar: {', '.join(layers)}.")
    return tuple(spatial.queen_neighbours(areas.boundaries(level), "code").items())


def clear_cache() -> None:
    """Forget the neighbours computed so far (a test that points the data at another city)."""
    _level_neighbours.cache_clear()


def level_neighbours(level: str | None = None) -> dict[str, tuple[str, ...]]:
    """Queen neighbours (shared boundary point) of every area of a level (default: base), from the stored boundaries."""
    return dict(_level_neighbours(levels.base() if level is None else level))


def level_weights(level: str | None = None, codes: list[str] | None = None) -> W:
    """Fresh row-standardised Queen weights (libpysal W) of a level, optionally of some of its areas."""
    return spatial.weights(level_neighbours(level), codes)


def published_values(ind: catalogue.Indicator, year: int, level: str | None = None) -> pd.DataFrame:
    """Disclosed values (group total) of one indicator and year at a level: the cells an analysis shows."""
    vals = disclosed.values(ind, level)
    return vals[(vals["year"] == year) & (vals["group"] == "total")]


def by_area(vals: pd.DataFrame) -> pd.Series:
    """The values of `published_values` by area code, as the statistics take them."""
    return vals.set_index("area_code")["value"].astype("Float64")


def moran(indicator_id: str, year: int, level: str | None = None, **kwargs) -> spatial.MoranResult:
    """Moran's I of one indicator's disclosed values (Queen weights of `level`, default: base); kwargs go to `spatial.moran`."""
    level = levels.resolve(level)
    vals = published_values(catalogue.load().indicator(indicator_id), year, level)
    return spatial.moran(by_area(vals), level_neighbours(level), weights_kind="queen", **kwargs)


def moran_rows(indicator_ids: list[str], report_year: int) -> tuple[pd.DataFrame, list[Record]]:
    """Moran's I per indicator and year of the look back, and the records of the values analysed."""
    cat = catalogue.load()
    lo, hi = window(report_year)
    rows, records = [], []
    for ind_id in indicator_ids:
        ind = cat.indicator(ind_id)
        years = disclosed.values(ind).dropna(subset=["value"])["year"].unique()
        for year in sorted(y for y in years if lo <= y <= hi):
            vals = published_values(ind, int(year))
            records.append(Record(vals, ANALYSIS))
            result = spatial.moran(by_area(vals), level_neighbours(), weights_kind="queen")
            rows.append(dict(indicator=ind_id, name=ind.name, synthetic=ind.synthetic, year=int(year),
                             moran_i=result.moran_i, p_sim=result.p_sim, n=result.n, result=result))
    return pd.DataFrame(rows), records


def moran_table(indicator_ids: list[str], report_year: int) -> pd.DataFrame:
    """Moran's I and its permutation p-value per indicator and year of the look back."""
    return moran_rows(indicator_ids, report_year)[0]


# --- Social-space index -----------------------------------------------------------------------

def social_space_inputs(indicator_ids: list[str], year: int, period: int, level: str,
                        ) -> tuple[list[catalogue.Indicator], pd.DataFrame, pd.Series, dict[str, str], list[Record]]:
    """Catalogue entries, disclosed values (long, group total), population and area names for the index."""
    try:
        inds = catalogue.load().at_level(list(indicator_ids), level, usable=lambda i: i.direction != "descriptive")
    except catalogue.CatalogueError as exc:
        raise socialspace.SocialSpaceError(str(exc)) from None
    totals = []
    for ind in inds:
        vals = disclosed.values(ind, level)
        totals.append(vals[vals["group"] == "total"])
    values = pd.concat(totals, ignore_index=True)
    pop = compute.counts(catalogue.Term("population"), level)
    pop = pop[pop["year"] == year].set_index("area_code")["count"].astype("float64")
    base_year = int(year) - int(period)
    records = [Record(v[v["year"] == y], ANALYSIS) for y in (year, base_year) for v in totals]
    return inds, values, pop, areas.area_names(level), records


def social_space(indicator_ids: list[str], year: int, period: int = 2, population_floor: int = 300,
                 level: str | None = None, directions: dict[str, str] | None = None) -> socialspace.SocialSpaceResult:
    """`socialspace.compute` on the disclosed values, stored population and area names of `level` (default: base)."""
    level = levels.resolve(level)
    inds, values, pop, names, _ = social_space_inputs(indicator_ids, year, period, level)
    return socialspace.compute(values, pop, inds, year, period=period, population_floor=population_floor,
                               area_names=names, level=level, directions=directions)
