"""What a delivery is checked against: the city's areas with their spellings, the known measures, the part-whole rules.

Loaded once per ingest (`Context.load`) from data/<city>/areas.csv, the catalogue and the stored observations,
and shared by every file of it; `Context.label` words an area the way every message names it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.core import areas, levels, observations, paths
from helpers.core import catalogue as catalogue_module
from helpers.intake.cells import level_names
from helpers.intake.relations import Rules
from helpers.sources.area_names import normalise_name


@dataclass(frozen=True)
class Context:
    """What a delivery is checked against: areas, known measures, the part-whole rules (`relations.Rules`)."""

    names: dict[tuple[str, str], str]
    variants: dict[tuple[str, str], frozenset[str]]
    by_name: dict[str, tuple[tuple[str, str], ...]]
    members: dict[tuple[str, str], tuple[str, ...]]  # aggregate area -> the codes of its areas of the smallest level
    measures: frozenset[str]
    rules: Rules
    level_names: dict[str, str]  # level code -> its German name in messages (cells.level_names)

    @classmethod
    def load(cls, stored: pd.DataFrame | None = None) -> Context:
        """Areas from areas.csv; measures from the catalogue and the stored observations (default: all)."""
        stored = observations.observations() if stored is None else stored
        table = areas.areas()
        h = levels.hierarchy()
        named = level_names(h)
        # Deliveries come per declared level or city; finer or crossing levels (Münster's Stadtzellen) share names.
        table = table[table["level"].isin(named)]
        names, variants, by_name, parents = {}, {}, {}, {}
        for a in table.itertuples(index=False):
            key = (a.level, a.code)
            names[key] = a.name
            spellings = {normalise_name(a.name)} | {normalise_name(s) for s in a.aliases.split("|") if s}
            variants[key] = frozenset(spellings)
            for s in spellings:
                by_name[s] = by_name.get(s, ()) + (key,)
            if a.parent_level:
                parents[key] = (a.parent_level, a.parent_code)
        members: dict[tuple[str, str], tuple[str, ...]] = {}
        for level, code in names:
            if level != h.base.code:
                continue
            node = (level, code)
            while node in parents:  # the larger levels and the city
                node = parents[node]
                members[node] = members.get(node, ()) + (code,)
        cat = catalogue_module.load(paths.CATALOGUE_YAML)
        measures = {t.measure for i in cat.indicators for t in i.terms}
        measures |= set(stored["measure"].unique())
        return cls(names, variants, by_name, members, frozenset(measures), Rules.load(cat, members, h), named)

    def label(self, level: str, code: str) -> str:
        """'Stadtteil 34 Düesberg', 'Stadtbezirk 1 Mitte', 'Stadt Münster'."""
        name = self.names.get((level, code), code)
        if level in ("stadt", "unzugeordnet"):
            return name
        return f"{self.level_names[level]} {code} {name}"
