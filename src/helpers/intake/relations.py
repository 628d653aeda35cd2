"""Which part-whole relations hold among counts, derived from the catalogue and the area hierarchy.

The catalogue's `groups:` section (male + female = total; foreign + german = total; …), every group within
"total" and `within` made transitive (foreign within migration within total); numerator within denominator
of every rate indicator (unless listed under `groups.not_subsets`); the areas of the smallest declared level
(Münster's Stadtteile) in every aggregate area.
Age groups are not listed here: they come from the delivery (`age_bands`).
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.core import levels
from helpers.core.catalogue import Catalogue, Term

TOTAL_REASON = "eine Teilgruppe ist höchstens so groß wie insgesamt"


@dataclass(frozen=True)
class Rules:
    """What is checked: group relations, measure pairs and the area hierarchy."""

    within: tuple[tuple[str, str, str, str], ...]  # (dimension, part, whole, reason), transitive
    partitions: tuple[tuple[str, str, tuple[str, ...], str, int], ...]  # (dimension, whole, parts, reason, n)
    measure_pairs: tuple[tuple[Term, Term, str], ...]  # (numerator, denominator, indicator name)
    area_members: dict[str, tuple[str, ...]]  # "level|code" of an aggregate -> its "<smallest level>|code"s
    bezirke: tuple[str, ...]  # the areas of the largest declared level (Münster's Stadtbezirke), which make the city
    base_plural: str = "Stadtteile"  # the smallest and the largest level's plurals, as messages name them
    top_plural: str = "Stadtbezirke"

    @classmethod
    def load(cls, cat: Catalogue, members: dict[tuple[str, str], tuple[str, ...]],
             hierarchy: levels.Hierarchy | None = None) -> Rules:
        h = levels.hierarchy() if hierarchy is None else hierarchy
        partitions, within = [], {}
        for r in cat.groups.relations:
            if r.partition:
                partitions.append((r.dimension, r.whole, r.parts, r.reason, len(r.parts)))
            for part in r.parts:
                within.setdefault((r.dimension, part, r.whole), r.reason)
        for dimension in ("sex", "origin"):
            values = {v for (d, p, w) in within if d == dimension for v in (p, w)} - {"total"}
            for value in values:
                within.setdefault((dimension, value, "total"), TOTAL_REASON)
        changed = True
        while changed:  # transitive closure: foreign within migration within total
            changed = False
            for (d, p, w), reason in list(within.items()):
                for (d2, p2, w2) in list(within):
                    if d2 == d and p2 == w and p != w2 and (d, p, w2) not in within:
                        within[(d, p, w2)] = reason
                        changed = True
        base = h.base.code
        area_members = {f"{lvl}|{code}": tuple(f"{base}|{c}" for c in parts) for (lvl, code), parts in members.items()}
        top = h.levels[-1]
        bezirke = tuple(sorted(a for a in area_members if a.startswith(f"{top.code}|"))) if h.levels[1:] else ()
        return cls(tuple((d, p, w, r) for (d, p, w), r in within.items()), tuple(partitions),
                   _measure_pairs(cat), area_members, bezirke, h.base.plural, top.plural)


def _measure_pairs(cat: Catalogue) -> tuple[tuple[Term, Term, str], ...]:
    """(numerator, denominator, indicator name) of every rate indicator whose numerator is a subset."""
    excluded = {i for i, _ in cat.groups.not_subsets}
    pairs: dict[tuple[Term, Term], str] = {}
    for ind in cat.indicators:
        if not ind.is_rate or not ind.counted or ind.id in excluded or ind.numerator.measure == ind.denominator.measure:
            continue  # a published rate has no counts; a group of a measure against another: a group relation
        pairs.setdefault((ind.numerator, ind.denominator), ind.name)
        for value in ind.group_values:
            pair = (ind.numerator.with_group(ind.group_dimension, value), ind.denominator.with_group(ind.group_dimension, value))
            pairs.setdefault(pair, ind.name)
    return tuple((n, d, name) for (n, d), name in pairs.items())
