"""Indicators from counts: aggregate counts over the area hierarchy first, then divide.

Rates are never averaged. Counts are stored at the city's base level (Münster: Stadtteil; the
hierarchy is declared in config/<city>/city.yml, helpers.core.levels). At every larger level the sum of
the base areas is used unless the city published a figure for that area (e.g. the city total,
which includes persons that could not be assigned to a base area); the published figure wins.
A sum with a missing or secret part is missing ("."), never a partial sum.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from helpers.core import areas, catalogue, levels, observations, rates
from helpers.core.catalogue import Indicator, Term

#: Groups computed as total minus a stored part.
COMPLEMENTS = {"german": "foreign", "no_migration": "migration"}
COUNT_COLUMNS = ["year", "area_level", "area_code", "count", "flag", "synthetic"]


class IndicatorError(ValueError):
    """A request that cannot be answered from the data (unknown level, no data)."""


def checked_level(level: str | None) -> str:
    """`level`, or the base level for None; IndicatorError naming the declared levels if unknown.

    Besides the hierarchy's levels an other declared level is allowed (Berlin's LOR 2021 areas):
    its counts are used as stored, never summed from the base (they do not nest in it)."""
    h = levels.hierarchy()
    try:
        return h.base.code if level is None else h.check(level, (*h.codes, *(lv.code for lv in h.other)))
    except levels.LevelError as exc:
        raise IndicatorError(str(exc)) from None


def _select(obs: pd.DataFrame, term: Term) -> pd.DataFrame:
    mask = (
        (obs["measure"] == term.measure)
        & (obs["sex"] == term.sex)
        & (obs["origin"] == term.origin)
        & (obs["age"] == term.age)
    )
    return obs.loc[mask, ["year", "area_level", "area_code", "value", "flag", "synthetic"]]


#: Flags that travel from a count to every sum and rate built from it (revised, provisional).
CARRIED_FLAGS = {"r": 2, "p": 1}


def _carried(*flags: pd.Series) -> np.ndarray:
    """'r' if any input is revised, else 'p' if any is provisional, else ''."""
    rank = np.max([f.map(CARRIED_FLAGS).fillna(0).to_numpy() for f in flags], axis=0)
    return np.select([rank == 2, rank == 1], ["r", "p"], default="")


def _sum_base(parts: pd.DataFrame, parent: pd.Series, level: str) -> pd.DataFrame:
    """Sum base-level counts to `level`; a missing, secret or absent base area gives a missing sum."""
    parts = parts.assign(parent=parts["area_code"].map(parent), carried=parts["flag"].map(CARRIED_FLAGS).fillna(0))
    parts = parts.dropna(subset=["parent"])
    expected = parent.value_counts()
    out = (
        parts.groupby(["year", "parent"], sort=True)
        .agg(total=("value", "sum"), n_valid=("value", "count"), synthetic=("synthetic", "any"),
             carried=("carried", "max"))
        .reset_index()
    )
    out["carried"] = np.select([out["carried"] == 2, out["carried"] == 1], ["r", "p"], default="")
    complete = out["n_valid"].to_numpy() == out["parent"].map(expected).to_numpy()
    out["count"] = out["total"].astype("Int64").where(complete)
    out = out.rename(columns={"parent": "area_code"}).assign(area_level=level)
    return _with_flags(out)


def _with_flags(frame: pd.DataFrame) -> pd.DataFrame:
    carried = frame["carried"] if "carried" in frame else ""
    frame["flag"] = np.where(frame["count"].isna(), ".", carried)
    return frame[COUNT_COLUMNS]


def _add_unassigned(city: pd.DataFrame, unassigned: pd.DataFrame) -> pd.DataFrame:
    """Persons not assignable to a base area belong to the city total only."""
    extra = unassigned.groupby("year")["value"].agg(lambda v: v.sum() if v.notna().all() else pd.NA)
    extra_flag = pd.Series(_carried(unassigned["flag"]), index=unassigned.index).groupby(unassigned["year"]).max()
    has_extra = city["year"].isin(extra.index)
    added = city["count"] + city["year"].map(extra).astype("Int64")
    city["count"] = added.where(has_extra, city["count"]).astype("Int64")
    city["carried"] = _carried(city["flag"], city["year"].map(extra_flag).astype(object).fillna(""))
    return _with_flags(city)


def _aggregate(selected: pd.DataFrame, level: str) -> pd.DataFrame:
    published = selected[selected["area_level"] == level].rename(columns={"value": "count"})[COUNT_COLUMNS]
    h = levels.hierarchy()
    base = h.base.code
    if level == base or level not in h.codes:  # an other level's counts are used as stored
        return published.reset_index(drop=True)
    parents = areas.ancestors(base)
    parent = parents[level].dropna() if level in parents else pd.Series(dtype=object)
    summed = _sum_base(selected[selected["area_level"] == base], parent, level)
    if level == levels.CITY:
        summed = _add_unassigned(summed, selected[selected["area_level"] == levels.UNASSIGNED])
    merged = pd.concat([published, summed], ignore_index=True)
    merged = merged.drop_duplicates(["year", "area_code"], keep="first")
    return merged.sort_values(["year", "area_code"]).reset_index(drop=True)


def counts(term: Term, level: str | None = None, obs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts of one term per year and area of `level` (default: the base level; columns: year,
    area_level, area_code, count, flag, synthetic)."""
    level = checked_level(level)
    if obs is not None:
        return _counts(term, level, obs)
    return _counts_cached(term, level, observations.counts_key()).copy()


@lru_cache(maxsize=2048)
def _counts_cached(term: Term, level: str, key: tuple) -> pd.DataFrame:
    """Counts from the stored data, once per term, level and data state: most indicators share
    their denominators, and the tables export asks for every indicator at every level."""
    return _counts(term, level, None)


def clear_cache() -> None:
    """Forget cached counts. The cache follows the data files; code that swaps the data source
    without touching files (tests that monkeypatch helpers.core.observations) must call this."""
    _counts_cached.cache_clear()


def _counts(term: Term, level: str, obs: pd.DataFrame | None) -> pd.DataFrame:
    if term.origin in COMPLEMENTS:
        total = counts(Term(term.measure, term.sex, "total", term.age), level, obs)
        part = counts(Term(term.measure, term.sex, COMPLEMENTS[term.origin], term.age), level, obs)
        both = total.merge(part, on=["year", "area_level", "area_code"], suffixes=("_t", "_p"))
        both["count"] = (both["count_t"] - both["count_p"]).astype("Int64")
        both["flag"] = np.where(both["count"].isna(), ".", _carried(both["flag_t"], both["flag_p"]))
        both["synthetic"] = both["synthetic_t"] | both["synthetic_p"]
        return both[COUNT_COLUMNS]
    if obs is None:
        selected = observations.observations_of(term.measure, term.sex, term.origin, term.age)
    else:
        selected = _select(obs, term)
    return _aggregate(selected, level)


def _ratio(num: pd.DataFrame, den: pd.DataFrame, scale: float) -> pd.DataFrame:
    key = ["year", "area_level", "area_code"]
    merged = num.merge(den, on=key, how="outer", suffixes=("_num", "_den"))
    n = merged["count_num"].astype("Float64")
    d = merged["count_den"].astype("Float64")
    value = (n / d.where(d > 0)) * scale
    merged["value"] = value.astype("Float64")
    merged["flag"] = np.select(
        [merged["count_num"].isna() | merged["count_den"].isna(), d.fillna(1) == 0],
        [".", "x"],
        default=_carried(merged["flag_num"].fillna(""), merged["flag_den"].fillna("")),
    )
    merged["synthetic"] = merged["synthetic_num"].fillna(False).astype(bool) | merged["synthetic_den"].fillna(False).astype(bool)
    return merged.rename(columns={"count_num": "numerator", "count_den": "denominator"})[
        key + ["numerator", "denominator", "value", "flag", "synthetic"]
    ]


def values(indicator: Indicator | str, level: str | None = None, obs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Indicator values per year, area and group ("total" plus the compared groups); default level: the base.

    `indicator` is a catalogue entry or its id (e.g. "alo_dichte"), as in helpers.disclosure.disclosed.
    """
    if isinstance(indicator, str):
        indicator = catalogue.load().indicator(indicator)
    level = checked_level(level)
    if not indicator.counted:
        return _published(indicator, level)
    groups = ["total", *indicator.group_values]
    frames = []
    for group in groups:
        num_term, den_term = indicator.numerator, indicator.denominator
        if group != "total":
            num_term = num_term.with_group(indicator.group_dimension, group)
            den_term = den_term.with_group(indicator.group_dimension, group)
        frame = _ratio(counts(num_term, level, obs), counts(den_term, level, obs), indicator.scale)
        frames.append(frame.assign(group=group))
    out = pd.concat(frames, ignore_index=True)
    out = out[out["year"] >= indicator.first_year]
    out["synthetic"] = out["synthetic"] | indicator.synthetic
    names = areas.area_names(level)
    out["area_name"] = out["area_code"].map(names)
    out["indicator"] = indicator.id
    cols = ["indicator", "year", "area_level", "area_code", "area_name", "group",
            "numerator", "denominator", "value", "flag", "synthetic"]
    return out[cols].sort_values(["group", "year", "area_code"]).reset_index(drop=True)


def _published(indicator: Indicator, level: str) -> pd.DataFrame:
    """A published rate as stored (helpers.core.rates): at the levels it was published for only,
    without numerator and denominator (there are no counts to add up or to divide)."""
    stored = rates.rates_of(indicator.published.measure)
    stored = stored[(stored["area_level"] == level) & (stored["year"] >= indicator.first_year)]
    out = pd.DataFrame({
        "indicator": indicator.id, "year": stored["year"].astype(int), "area_level": level,
        "area_code": stored["area_code"], "area_name": stored["area_code"].map(areas.area_names(level)),
        "group": "total", "numerator": pd.array([pd.NA] * len(stored), dtype="Int64"),
        "denominator": pd.array([pd.NA] * len(stored), dtype="Int64"),
        "value": stored["value"].astype("Float64"), "flag": stored["flag"], "synthetic": stored["synthetic"],
    })
    return out.sort_values(["year", "area_code"]).reset_index(drop=True)


def gap(vals: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Gap between the two compared groups: difference (percentage points for %) and ratio."""
    if not indicator.group_values:
        raise IndicatorError(f"Indikator {indicator.id!r} hat keine Vergleichsgruppen.")
    a, b = indicator.group_values
    key = ["year", "area_level", "area_code"]
    pair = vals[vals["group"].isin([a, b])]
    wide = pair.set_index([*key, "group"])["value"].unstack("group").reindex(columns=[a, b])
    wide.columns.name = None
    wide = wide.reset_index().merge(pair[[*key, "area_name"]].drop_duplicates(key), on=key, how="left")
    wide["difference"] = wide[a] - wide[b]
    wide["ratio"] = wide[a] / wide[b].where(wide[b] > 0)
    return wide


def latest_year(vals: pd.DataFrame, up_to: int | None = None) -> int | None:
    """Latest year with at least one value, at or before `up_to`."""
    present = vals.loc[vals["value"].notna(), "year"]
    if up_to is not None:
        present = present[present <= up_to]
    return int(present.max()) if len(present) else None
