"""What the catalogue asks of the demo generator: measures, age groups, groups, level and years.

`plan` turns the synthetic indicators of the catalogue into the rows to write and the splits
each measure must be drawn in (a base measure provides the split of everything drawn or
derived from it). The checks beside it keep synthetic and real numbers apart: no synthetic
measure with a real name, no indicator mixing both, demo years that end where the real
population by migration history ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from helpers.core.catalogue import Catalogue, Indicator
from helpers.sources.demo.parameters import Amount, Derived, Drawn, Parameters, Spec
from helpers.sources.demo.terms import COMPLEMENT, STADT, STADTTEIL, SyntheticDataError

SEX_SPLITS = {frozenset({"total"}): ("total",), frozenset({"female"}): ("female",), frozenset({"male"}): ("male",)}
ORIGIN_SPLITS = {"migration": ("migration", "no_migration"), "foreign": ("foreign", "german")}


@dataclass
class Need:
    """What one measure has to provide for one age group."""

    sexes: set[str] = field(default_factory=set)  # requested sex values
    origins: set[str] = field(default_factory=set)  # requested origin values (complements included)
    stored: set[tuple[str, str]] = field(default_factory=set)  # (sex, origin) rows to write

    def sex_parts(self) -> tuple[str, ...]:
        """The sex parts to draw: the one asked for, else male and female (which sum to total)."""
        return SEX_SPLITS.get(frozenset(self.sexes), ("male", "female"))

    def origin_parts(self, measure: str) -> tuple[str, ...]:
        """The origin parts to draw: a focus group and its complement, or the total alone."""
        kinds = {k for k, parts in ORIGIN_SPLITS.items() if self.origins & set(parts)}
        if len(kinds) > 1:
            raise SyntheticDataError(f"{measure}: Gruppen migration und foreign zugleich werden nicht unterstützt.")
        return ORIGIN_SPLITS[kinds.pop()] if kinds else ("total",)


@dataclass
class Plan:
    """Per measure: what each age group needs, the level written and the years written."""

    needs: dict[str, dict[str, Need]]  # measure -> age -> Need
    level: dict[str, str]  # measure -> stadtteil | stadt (output level)
    years: dict[str, set[int]]  # measure -> output years


def indicator_years(ind: Indicator, span: tuple[int, ...]) -> tuple[int, ...]:
    """The years an indicator is generated for: its survey years (e.g. election years), else the whole span."""
    years = tuple(int(y) for y in ind.extra.get("survey_years") or span)
    outside = set(years) - set(span)
    if outside:
        raise SyntheticDataError(f"{ind.id}: survey_years {sorted(outside)} liegen außerhalb von {span[0]}–{span[-1]}.")
    return years


def check_years(real: pd.DataFrame, years: tuple[int, ...]) -> None:
    """The demo years end where the real population by migration history ends (the default report year)."""
    mv = real[(real["measure"] == "population") & (real["origin"] == "migration") & real["value"].notna()]
    last = int(mv["year"].max()) if len(mv) else None
    if last != years[-1]:
        raise SyntheticDataError(
            f"Die Demodaten decken {years[0]}–{years[-1]} ab, die realen Daten zur Bevölkerung mit "
            f"Migrationsvorgeschichte enden {last}. Bitte years in helpers/sources/demo/parameters.yml auf die zehn "
            "Jahre bis dahin setzen, damit Demo- und Realdaten im Standardbericht dasselbe Jahr zeigen.")


def check_catalogue(cat: Catalogue, real_measures: set[str], measures: Mapping[str, Spec]) -> None:
    """Synthetic and real data never meet in one indicator; every synthetic measure has a spec."""
    overlap = sorted(set(measures) & real_measures)
    if overlap:
        raise SyntheticDataError(
            f"Synthetische Messgrößen kommen auch in den realen Daten (sms.csv) vor: {', '.join(overlap)}. "
            "Reale Reihen werden nie ergänzt – bitte die synthetische Messgröße umbenennen."
        )
    for ind in cat.indicators:
        for side, term in zip(("numerator", "denominator"), ind.terms):
            if ind.synthetic and term.measure not in measures:
                raise SyntheticDataError(
                    f"{ind.id} ist synthetisch, aber {side} {term.measure!r} ist keine synthetische Messgröße "
                    "(reale und synthetische Zahlen dürfen nicht gemischt werden; sonst fehlt die Spezifikation in parameters.yml)."
                )
            if not ind.synthetic and term.measure in measures:
                raise SyntheticDataError(f"{ind.id} ist real, verwendet aber die synthetische Messgröße {term.measure!r} ({side}).")


def plan(cat: Catalogue, params: Parameters) -> Plan:
    """The rows to write and the splits to draw, for every synthetic indicator of the catalogue."""
    needs: dict[str, dict[str, Need]] = {}
    level: dict[str, str] = {}
    years: dict[str, set[int]] = {}
    for ind in (i for i in cat.indicators if i.synthetic):
        for term in ind.terms:
            terms = [term] + [term.with_group(ind.group_dimension, g) for g in ind.group_values]
            for t in terms:
                need = needs.setdefault(t.measure, {}).setdefault(t.age, Need())
                need.sexes.add(t.sex)
                need.origins.add(t.origin)
                if t.origin in COMPLEMENT:
                    need.stored |= {(t.sex, "total"), (t.sex, COMPLEMENT[t.origin])}
                else:
                    need.stored.add((t.sex, t.origin))
            if ind.level not in (STADTTEIL, STADT):
                raise SyntheticDataError(f"{ind.id}: level {ind.level!r}; synthetisch nur stadtteil oder stadt.")
            if ind.level == STADTTEIL or level.get(term.measure) == STADTTEIL:
                level[term.measure] = STADTTEIL
            else:
                level[term.measure] = STADT
            years.setdefault(term.measure, set()).update(indicator_years(ind, params.years))
    for by_age in needs.values():  # make sure the parts asked for are stored consistently
        for need in by_age.values():
            if {"male", "female"} & need.sexes and "total" in need.sexes:
                need.stored |= {(s, o) for _, o in need.stored for s in ("total", "male", "female")}
    # Bases must provide the split of everything drawn or derived from them (to a fixed point).
    changed = True
    while changed:
        changed = False
        for measure in sorted(needs):
            spec = params.measures[measure]
            if not isinstance(spec, (Derived, Drawn, Amount)):
                continue
            for age, need in sorted(needs[measure].items()):
                base_age = getattr(spec, "base_age", None) or age
                base_origin = getattr(spec, "base_origin", None)
                origins = need.origin_parts(measure)
                if base_origin is not None:
                    if origins != ("total",):
                        raise SyntheticDataError(f"{measure}: Gruppen sind bei base_origin nicht möglich.")
                    origins = (base_origin,)
                base_need = needs.setdefault(spec.base, {}).setdefault(base_age, Need())
                before = (set(base_need.sexes), set(base_need.origins))
                base_need.sexes |= set(need.sex_parts())
                base_need.origins |= set(origins)
                changed |= before != (base_need.sexes, base_need.origins)
    for measure in needs:
        if measure not in params.measures:
            raise SyntheticDataError(f"Keine Spezifikation für die synthetische Messgröße {measure!r} in parameters.yml.")
    return Plan(needs, level, years)
