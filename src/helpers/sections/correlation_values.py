"""Which values the correlation explorer analyses: disclosed values of indicators and groups, one row per area.

Indicators are given as "id" (group total) or "id:group" (helpers.disclosure.tidy); this module
resolves the level, reads their disclosed values, finds the latest year they share and builds
the table the statistics (helpers.stats.correlation) take: one row per area, a column per
indicator key, the population as weights. A request the data cannot answer raises
`CorrelationError` with a German message that says why. The explorer's section is
helpers.sections.explorer.

    >>> from helpers.disclosure import tidy
    >>> labels(tidy.specs(["alo_dichte"], "stadtteil"))
    {'alo_dichte': 'Arbeitslose je 100 Einwohner/-innen'}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from helpers.core import areas, catalogue, levels
from helpers.disclosure import tidy
from helpers.indicators import compute
from helpers.stats import correlation
from helpers.stats.correlation import CorrelationError


def resolve_level(level: str | None) -> str:
    """`level`, or the base level for None; CorrelationError naming the declared levels if unknown."""
    try:
        return levels.resolve(level)
    except levels.LevelError as exc:
        raise CorrelationError(str(exc)) from None


def parse_specs(indicators: Iterable[str | tidy.Spec] | str, level: str) -> list[tidy.Spec]:
    """The indicators asked for as specifications ("id" or "id:group"); CorrelationError if one is unusable."""
    try:
        return tidy.specs(indicators, level)
    except tidy.TidyError as exc:
        raise CorrelationError(str(exc)) from None


def labels(specs: Sequence[tidy.Spec]) -> dict[str, str]:
    """German label per key; with the group as soon as one indicator is not the total."""
    with_group = any(s.group != "total" for s in specs)
    return {s.key: s.label(with_group) for s in specs}


def disclosed_values(specs: Sequence[tidy.Spec], level: str) -> pd.DataFrame:
    """Disclosed values of all years, with the key of each row's specification."""
    frame = tidy.indicators(specs, level=level, disclosed=True)
    keys = {(s.id, s.group): s.key for s in specs}
    return frame.assign(key=[keys[pair] for pair in zip(frame["indicator"], frame["group"])])


def latest_common_year(specs: Sequence[tidy.Spec], year: int, level: str | None = None,
                       values: pd.DataFrame | None = None) -> int | None:
    """Latest year up to `year` in which every indicator (in its group) has values at `level` (default: base)."""
    values = disclosed_values(specs, resolve_level(level)) if values is None else values
    present = values[values["value"].notna()]
    common = set.intersection(*(set(present.loc[present["key"] == s.key, "year"].astype(int)) for s in specs))
    candidates = [y for y in common if y <= year]
    return max(candidates) if candidates else None


def gather(specs: Sequence[tidy.Spec], year: int, level: str,
           values: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table with one row per area, the disclosed rows of `year` it was built from)."""
    values = disclosed_values(specs, level) if values is None else values
    table = pd.DataFrame({"area_name": pd.Series(areas.area_names(level))}).sort_index()
    table.index.name = "area_code"
    synthetic: dict[str, bool] = {}
    used = []
    for spec in specs:
        vals = values[values["key"] == spec.key]
        present = vals[vals["value"].notna()]
        if year not in set(present["year"]):
            years = sorted(int(y) for y in present["year"].unique())
            shown = ", ".join(map(str, years)) if years else "keine"
            raise CorrelationError(f"Indikator {spec.key!r} hat für {year} keine Werte (Ebene {level!r}); "
                                   f"Jahre mit Werten: {shown}.")
        this_year = vals[vals["year"] == year]
        n_areas = int(this_year["value"].notna().sum())
        if n_areas < correlation.MIN_AREAS:
            raise CorrelationError(f"Indikator {spec.key!r}: {year} nur {n_areas} Gebiet(e) mit Werten auf der "
                                   f"Ebene {level!r}; für Korrelationen sind mindestens {correlation.MIN_AREAS} nötig.")
        table[spec.key] = this_year.set_index("area_code")["value"].astype("float64").reindex(table.index)
        synthetic[spec.key] = bool(this_year["synthetic"].any() or spec.indicator.synthetic)
        used.append(this_year)
    pop = compute.counts(catalogue.Term("population"), level)
    pop = pop[pop["year"] == year].set_index("area_code")["count"].astype("float64")
    table["population"] = pop.reindex(table.index)
    table.attrs = {"year": int(year), "level": level, "keys": [s.key for s in specs], "synthetic": synthetic,
                   "names": labels(specs), "units": {s.key: s.indicator.unit for s in specs},
                   "indicators": {s.key: s.id for s in specs}, "groups": {s.key: s.group for s in specs}}
    return table, pd.concat(used, ignore_index=True)


def indicator_table(indicators: Iterable[str | tidy.Spec] | str, year: int, level: str | None = None) -> pd.DataFrame:
    """One row per area (index area_code): area_name, each indicator's disclosed value, population.

    Columns are named by the indicators' keys ("alo_dichte:foreign", "mv_anteil"). `attrs`
    records year, level and, per key, `synthetic`, `names` (labels), `units`, `indicators`
    and `groups`, so a caller can mark demo data and label axes without a second lookup.
    Population is the stored count (it weights areas; it is not shown).
    """
    level = resolve_level(level)
    return gather(parse_specs(indicators, level), year, level)[0]


def synthetic_ids(table: pd.DataFrame) -> list[str]:
    """Keys of `indicator_table` output that contain demo data (to be marked)."""
    return [i for i, syn in table.attrs.get("synthetic", {}).items() if syn]


def left_out(table: pd.DataFrame, used: pd.DataFrame, keys: Sequence[str],
             weighted: bool = False) -> dict[str, list[tuple[str, str, str]]]:
    """The areas without a published value, per key of `keys`: [(area_code, area_name, official symbol)].

    The symbol is the value's flag in the published data ("." secret or not available); "" where the year
    has no row for that area at all. With `weighted`, "population" lists the areas without a population.
    A pair leaves out the areas of both its keys (pairwise deletion), so its n is the areas less these.
    """
    out: dict[str, list[tuple[str, str, str]]] = {}
    for key in keys:
        rows = used[used["key"] == key].set_index("area_code")
        missing = table.index[table[key].isna()]
        out[key] = [(code, str(table.at[code, "area_name"]),
                     str(rows.at[code, "flag"]) if code in rows.index else "") for code in missing]
    if weighted:
        no_weight = table.index[~(table["population"] > 0)]
        out["population"] = [(code, str(table.at[code, "area_name"]), "") for code in no_weight]
    return out
