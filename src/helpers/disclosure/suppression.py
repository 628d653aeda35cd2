"""Statistical disclosure control at publication; the stored data stay complete.

One configurable rule (config/monitoring.yml, key `disclosure`) for everything the report publishes: tables,
maps, figure labels, key sentences and the exported tables.

Primary suppression: a count of 1 .. min_count-1 is secret; a rate is not shown when its
numerator is such a count, its denominator is below `min_denominator`, or its area (one of the
city's base level, Münster's Stadtteile, or finer; helpers.core.levels) has fewer than
`min_population` residents.

Secondary suppression: the counts behind published cells add up (base areas to their parent
areas over the declared hierarchy, those to the city, the two compared groups to the total). A single
secret cell in such a sum could be recovered by subtraction, so a second cell of the sum
is suppressed too: the part with the smallest numerator (ties by area code, so the choice
is reproducible). This repeats until no sum has exactly one secret cell, which is the
classic hypercube-free heuristic used by statistics offices for small linked tables; it
over-suppresses a little rather than under-suppressing.

Suppressed cells get the official symbol "." ("Zahlenwert unbekannt oder geheim zu halten")
and a reason in the column `suppressed` ("primär" or "sekundär").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core import config, levels, paths

PRIMARY, SECONDARY = "primär", "sekundär"
#: Pairs of groups that add up to "total" (counts), for secondary suppression.
PARTITIONS = {frozenset({"male", "female"}), frozenset({"migration", "no_migration"}), frozenset({"foreign", "german"})}


class DisclosureError(ValueError):
    """An invalid rule file."""


@dataclass(frozen=True)
class Rule:
    min_count: int = 3  # counts 1 and 2 are secret; 0 is shown as "-"
    min_denominator: int = 30  # no rate on fewer than this many persons
    min_population: int = 300  # no rate for a base area (Münster: Stadtteil) with fewer residents
    population_measure: str = "population"

    def describe(self) -> str:
        h = levels.hierarchy()
        larger = ", ".join(lv.plural for lv in h.levels[1:])
        larger = f"{larger} und die Gesamtstadt" if larger else "die Gesamtstadt"
        return (
            f"Anzahlen von 1 bis {self.min_count - 1} und Quoten, deren Zähler 1 bis {self.min_count - 1} beträgt "
            f"oder deren Nenner kleiner als {self.min_denominator} ist, werden nicht ausgewiesen (\".\"). "
            f"{h.base.plural} mit weniger als {self.min_population} Einwohnerinnen und Einwohnern erhalten keine "
            f"Quote. Damit ein geheimer Wert nicht aus einer Summe zurückgerechnet werden kann ({h.base.plural} "
            f"ergeben {larger}, Frauen und Männer ergeben alle), wird in jeder solchen Summe mindestens ein weiterer "
            "Wert nicht ausgewiesen (sekundäre Geheimhaltung)."
        )


DEFAULT_RULE = Rule()


def load_rule(path: Path | None = None) -> Rule:
    """The rule from config/monitoring.yml (or `path`), read and checked by helpers.core.config;
    keys the file leaves out keep their defaults."""
    try:
        return Rule(**config.disclosure(path))
    except config.ConfigError as exc:
        raise DisclosureError(str(exc)) from None


@lru_cache(maxsize=1)
def _active(signature: tuple) -> Rule:
    return load_rule()


def active_rule() -> Rule:
    """The configured rule, re-read when config/monitoring.yml changes."""
    p = paths.CONFIG_YAML
    return _active((str(p), p.stat().st_mtime_ns if p.exists() else 0))


def _small(counts: pd.Series, rule: Rule) -> pd.Series:
    c = counts.astype("Float64")
    return ((c > 0) & (c < rule.min_count)).fillna(False).astype(bool)


def primary(vals: pd.DataFrame, rule: Rule, population: pd.Series | None = None) -> pd.Series:
    """Cells that the rule itself forbids (True = suppress)."""
    hit = _small(vals["numerator"], rule)
    hit |= (vals["denominator"].astype("Float64") < rule.min_denominator).fillna(False).astype(bool)
    if population is not None and rule.min_population:
        small_area = vals["area_level"].isin(levels.hierarchy().small).to_numpy()
        key = pd.MultiIndex.from_arrays([vals["year"], vals["area_level"], vals["area_code"].astype(str)])
        pop = pd.Series(population.reindex(key).to_numpy(), index=vals.index).astype("Float64")
        hit |= pd.Series(small_area, index=vals.index) & (pop < rule.min_population).fillna(False).astype(bool)
    return hit & vals["value"].notna()


def suppress_rates(vals: pd.DataFrame, rule: Rule | None = None, population: pd.Series | None = None) -> pd.DataFrame:
    """Copy of indicator values with primary-suppressed rates replaced by <NA> and flag '.'.

    For one table without its sums; `protect` adds secondary suppression across levels and groups.
    """
    rule = rule or active_rule()
    out = vals.copy()
    hit = primary(out, rule, population)
    out["suppressed"] = np.where(hit, PRIMARY, "")
    out.loc[hit, "value"] = pd.NA
    out.loc[hit, "flag"] = "."
    return out


def suppress_counts(counts: pd.Series, rule: Rule | None = None) -> pd.Series:
    """Counts with 1 .. min_count-1 replaced by <NA> (shown as '.')."""
    c = counts.astype("Int64")
    return c.mask(_small(c, rule or active_rule()))


# --- secondary suppression -------------------------------------------------------------------

#: (level, code) of an area -> (level, code) of the area it is part of.
Parents = dict[tuple[str, str], tuple[str, str]]


def sums(vals: pd.DataFrame, parents: Parents) -> list[tuple[int, list[int]]]:
    """Every additive relation among the rows of `vals`: (position of the total, positions of its parts).

    Areas: within one indicator, year and group, the parts of an area are the areas whose
    parent it is. Groups: within one indicator, year and area, a partition pair adds up to total.
    """
    v = vals.reset_index(drop=True)[["indicator", "year", "group", "area_level", "area_code"]].astype(str)
    v["pos"] = np.arange(len(v))
    up = [parents.get((lvl, code), (None, None)) for lvl, code in zip(v["area_level"], v["area_code"])]
    v["parent_level"] = [p[0] for p in up]
    v["parent_code"] = [p[1] for p in up]
    keys = ["indicator", "year", "group"]
    linked = v.dropna(subset=["parent_level"]).merge(
        v[[*keys, "area_level", "area_code", "pos"]],
        left_on=[*keys, "parent_level", "parent_code"], right_on=[*keys, "area_level", "area_code"],
        suffixes=("", "_total"))
    relations = [(int(total), sorted(int(p) for p in parts))
                 for total, parts in linked.groupby("pos_total")["pos"]]
    wide = v.pivot_table(index=["indicator", "year", "area_level", "area_code"], columns="group",
                         values="pos", aggfunc="first")
    for pair in PARTITIONS:
        cols = ["total", *sorted(pair)]
        if set(cols) <= set(wide.columns):
            rows = wide[cols].dropna()
            relations += [(int(t), [int(a), int(b)]) for t, a, b in rows.itertuples(index=False)]
    return relations


def secondary(vals: pd.DataFrame, secret: pd.Series, parents: Parents) -> pd.Series:
    """Cells to suppress in addition to `secret` so that no sum has exactly one secret cell.

    A sum with a cell that has no value at all (missing data) is already protected.
    """
    vals = vals.reset_index(drop=True)
    hidden = secret.to_numpy(dtype=bool).copy()
    known = vals["value"].notna().to_numpy(dtype=bool)
    numerator = vals["numerator"].astype("Float64").fillna(np.inf).to_numpy(dtype=float)
    order = vals["area_code"].astype(str).to_numpy()
    relations = [(t, parts) for t, parts in sums(vals, parents) if known[[t, *parts]].all()]
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            if hidden[[total, *parts]].sum() != 1:
                continue
            candidates = [c for c in parts if not hidden[c]] or [total]
            pick = min(candidates, key=lambda c: (numerator[c], order[c]))
            hidden[pick] = changed = True
    return pd.Series(hidden, index=secret.index)


def protect(vals: pd.DataFrame, parents: Parents, rule: Rule | None = None,
            population: pd.Series | None = None) -> pd.DataFrame:
    """Primary and secondary suppression of indicator values over all levels and groups.

    `vals` stacks indicators.values() of several levels; returns a copy with suppressed values
    set to <NA>, flag '.', and the reason in `suppressed`.
    """
    rule = rule or active_rule()
    out = vals.reset_index(drop=True).copy()
    if out.empty:  # e.g. a published rate the city has no figures of
        return out.assign(suppressed=pd.Series(dtype=str))
    first = primary(out, rule, population)
    both = secondary(out, first, parents)
    out["suppressed"] = np.select([first.to_numpy(), both.to_numpy()], [PRIMARY, SECONDARY], default="")
    hit = both.to_numpy()
    out.loc[hit, "value"] = pd.NA
    out.loc[hit, "flag"] = "."
    return out
