"""Indicator values as the report may publish them: after disclosure control, for every output.

Chapters, maps, figures and the exported tables take their values from `values()`, never
from helpers.indicators directly, so one suppression decision (primary and secondary over
all area levels and groups, helpers.disclosure.suppression) holds for every output of a run.
What an output actually shows is noted in helpers.disclosure.register.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd

from helpers.core import areas, catalogue, context, levels, observations, paths
from helpers.core.catalogue import GROUP_LABELS, Indicator
from helpers.core.fileio import exclusive, write_atomic
from helpers.disclosure import suppression
from helpers.indicators import compute

#: Decimals of published rates (as the report shows them).
DECIMALS = 1


def parents() -> suppression.Parents:
    """(level, code) -> (parent level, parent code), from data/<city>/areas.csv."""
    table = areas.areas()
    table = table[table["parent_level"] != ""]
    return {(lvl, code): (plvl, pcode) for lvl, code, plvl, pcode
            in table[["level", "code", "parent_level", "parent_code"]].itertuples(index=False)}


def population(rule: suppression.Rule | None = None) -> pd.Series:
    """Residents per (year, area level, area code) of the small levels (the base and the other
    declared levels, e.g. Berlin's LOR 2021 areas), for the rule's population floor."""
    rule = rule or suppression.active_rule()
    term = catalogue.Term(rule.population_measure)
    pop = pd.concat([compute.counts(term, level) for level in levels.hierarchy().small], ignore_index=True)
    return pop.set_index(["year", "area_level", "area_code"])["count"].astype("Float64")


def _signature() -> tuple:
    files = [*observations.observation_files(), paths.PUBLISHED_RATES_CSV, paths.CONFIG_YAML, paths.AREAS_CSV,
             paths.CATALOGUE_YAML, paths.CITY_YAML]
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.exists())


def _shared(kind: str, indicator_id: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """A frame computed once per run for all its processes (chapter kernels, export, checker).

    The runner names the folder (the run context's values_cache) after the checksums of all code and data, so
    a file there can only come from the same inputs; without the variable (e.g. in JupyterLab)
    every process computes for itself.
    """
    folder = context.current().values_cache
    if not folder:
        return compute()
    path = Path(folder) / f"{kind}-{indicator_id}.pkl"
    try:
        return pd.read_pickle(path)
    except Exception:  # noqa: BLE001 - missing or unreadable: compute it, once for all processes
        pass
    # One process computes, the others wait for its file: the export, the checker and two chapter
    # kernels asking for the same indicator at once computed it up to four times on two cores.
    with exclusive(path.with_name(f".{path.stem}.lock")):
        try:
            return pd.read_pickle(path)
        except Exception:  # noqa: BLE001 - nobody computed it meanwhile
            pass
        frame = compute()
        write_atomic(path, lambda tmp: frame.to_pickle(tmp))
    return frame


def _other_levels(ind: Indicator) -> set[str]:
    """The levels where the indicator's numerator or denominator is stored (none for a published rate)."""
    if not ind.counted:
        return set()
    obs = observations.observations()
    return set(obs.loc[obs["measure"].isin({ind.numerator.measure, ind.denominator.measure}), "area_level"])


@lru_cache(maxsize=256)
def _stored(indicator_id: str, signature: tuple) -> pd.DataFrame:
    def compute_all() -> pd.DataFrame:
        ind = catalogue.load().indicator(indicator_id)
        h = levels.hierarchy()
        # the indicator's own level and every larger one; also the other declared levels where its
        # counts are stored (Berlin's LOR 2021 areas from 2021, Münster's Kommunalwahlbezirke)
        wanted = [*h.codes[h.rank(ind.level):], *(lv.code for lv in h.other if lv.code in _other_levels(ind))]
        return pd.concat([compute.values(ind, level) for level in wanted], ignore_index=True)

    return _shared("stored", indicator_id, compute_all)


def stored(ind: Indicator | str) -> pd.DataFrame:
    """All levels of one indicator as stored, before any suppression (for the checker)."""
    ind_id = ind if isinstance(ind, str) else ind.id
    return _stored(ind_id, _signature()).copy()


@lru_cache(maxsize=256)
def _protected(indicator_id: str, signature: tuple) -> pd.DataFrame:
    return _shared("protected", indicator_id,
                   lambda: suppression.protect(_stored(indicator_id, signature), parents(), population=population()))


def protected(ind: Indicator | str) -> pd.DataFrame:
    """All levels of one indicator after primary and secondary suppression (column `suppressed`)."""
    ind_id = ind if isinstance(ind, str) else ind.id
    return _protected(ind_id, _signature()).copy()


def values(ind: Indicator | str, level: str | None = None) -> pd.DataFrame:
    """Published values of one indicator at one level (default: the base level; also an other
    declared level with stored counts; same columns as compute.values + suppressed).

    A suppressed cell keeps no trace of its numbers: value, numerator and denominator are <NA>,
    so a frame handed on (a section's tables, a researcher's export) cannot reveal it.
    """
    level = compute.checked_level(level)
    out = protected(ind)
    out = out[out["area_level"] == level].reset_index(drop=True)
    secret = out["suppressed"].ne("").to_numpy()
    if secret.any():
        out.loc[secret, ["numerator", "denominator"]] = pd.NA
    return out


def rounded(value: pd.Series) -> pd.Series:
    return value.astype("Float64").round(DECIMALS)


def table_frame(first_year: int, year: int, earlier: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Every published indicator value of the report window, for the exported tables; `earlier` adds, by
    indicator id, one year before the window that the report shows (a series that ended before it)."""
    cat = catalogue.load()
    earlier = earlier or {}
    frames = []
    for hf in cat.handlungsfelder:
        for ind in cat.for_handlungsfeld(hf.id):
            vals = protected(ind)
            vals = vals[vals["year"].between(first_year, year) | (vals["year"] == earlier.get(ind.id))]
            if vals.empty:
                continue
            frames.append(vals.assign(handlungsfeld=hf.id, handlungsfeld_name=hf.name,
                                      indicator_name=ind.name, unit=ind.unit,
                                      series_break=vals["year"].isin(ind.break_years)))
    out = pd.concat(frames, ignore_index=True)
    out["area_name"] = out["area_name"].fillna("")
    out["group_label"] = out["group"].map(GROUP_LABELS).fillna(out["group"])
    out["value"] = rounded(out["value"])
    out["flag"] = out["flag"].fillna("")
    level_rank = {lvl: i for i, lvl in enumerate(reversed(levels.hierarchy().codes))}
    out["_lvl"] = out["area_level"].map(level_rank)
    out["_code"] = out["area_code"].astype(str).str.zfill(8)
    out["_grp"] = out["group"].ne("total")
    out = out.sort_values(["_grp", "year", "_lvl", "_code"], kind="stable")
    hf_rank = {hf.id: i for i, hf in enumerate(cat.handlungsfelder)}
    ind_rank = {ind.id: i for i, ind in enumerate(cat.indicators)}
    out = out.sort_values(["handlungsfeld", "indicator"], key=lambda s: s.map(hf_rank if s.name == "handlungsfeld" else ind_rank),
                          kind="stable")
    cols = ["handlungsfeld", "handlungsfeld_name", "indicator", "indicator_name", "unit", "area_level",
            "area_code", "area_name", "year", "group", "group_label", "value", "flag", "series_break", "synthetic"]
    return out[cols].reset_index(drop=True)
