"""Seeded synthetic demo data for the indicators that have no public source yet.

Run: ``python -m helpers.sources.demo.synthetic --out data`` (``make data`` runs it after the SMS data).

THESE NUMBERS ARE NOT OFFICIAL. They are invented, plausible counts so that every chapter of
the report can be built and tried out before the departments deliver their real data. Every
row carries ``synthetic=True`` and the source "Demodaten – synthetisch (...)"; the report marks
them visibly.

What is generated
    For every indicator of ``data/catalogue.yml`` with ``synthetic: true``: the counts of its
    numerator AND denominator (like a real delivery), for 2010–2019 (or only the indicator's
    ``survey_years``, e.g. election years), per Stadtteil (45 codes of ``data/areas.csv``) when
    the indicator's level is ``stadtteil``, otherwise only for the city (05515000). Small-area
    measures get no Stadtbezirk or city rows: ``helpers.indicators.compute`` sums the Stadtteile.
    Groups are stored like the real data: ``total`` + ``migration`` (no_migration is computed),
    ``total`` + ``foreign`` (german is computed), or ``total``/``male``/``female`` with
    male + female = total.

How it is tied to the real data
    Denominators of population type (measure ``residents`` by age group – a stand-in for the
    age tables that are not parsed yet – and everything derived from it: children at the school
    entry examination, transitions, school leavers, foreigners in the Ausländerzentralregister …)
    are sized from the real population per Stadtteil and year (measure ``population``, origins
    total/migration/foreign; a year without Stadtteil figures uses the nearest year). For age
    ``total``, ``residents`` equals the real population. The share with a migration history
    is higher among children than overall and lower among the elderly. Rates depend on the real
    structure of the Stadtteil: the z-scores across Stadtteile of the share with migration
    history (``mv``) and of the unemployment density (unemployed per resident, ``alo``), plus a
    flag for the inner city (``inner``). E.g. language-support need rises with ``mv``, SGB II
    and child poverty rise with ``alo``, the Gymnasium share falls with it. On top: a gentle
    logistic time trend, a gap between groups that shrinks slowly, a fixed Stadtteil effect and
    yearly noise. Numerators are drawn binomially from their denominators (parts separately),
    so counts are integers and numerator <= denominator holds in every group. City-only
    measures without a population base (staff, applications, surveys, …) have a size, growth
    and group share of their own.

Rules
    Real series are never extended or filled: a generated measure whose name occurs in
    ``data/observations/sms.csv`` is an error, and so is a synthetic indicator that uses a real
    measure (or a real indicator a synthetic one). The ``seed`` of ``parameters.yml`` and
    ``numpy.random.default_rng`` (one stream per measure and age group) make the output
    byte-identical for the same seed, catalogue and real data.
"""

from __future__ import annotations

import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core import areas, arguments, catalogue, model, observations, paths
from helpers.core.catalogue import Catalogue
from helpers.core.fileio import write_atomic
from helpers.sources.demo import parameters
from helpers.sources.demo.parameters import Amount, City, Derived, Drawn, Residents, Spec

#: The tuned parameters, read from parameters.yml beside this module (its comments say what each shapes).
PARAMETERS = parameters.load()
SEED = PARAMETERS.seed
#: The ten years up to the default report year: the latest year with real population figures by
#: migration history (main checks this against the real data).
YEARS = PARAMETERS.years
#: The label every generated row carries. It names the module's path before the source families
#: became subpackages (now helpers.sources.demo.synthetic); kept, since it is published in
#: data/observations/synthetic.csv and in the editions built from it.
SOURCE = f"Demodaten – synthetisch (helpers.sources.synthetic, Seed {SEED})"
SORT_KEYS = ["measure", "year", "area_level", "area_code", "sex", "origin", "age"]
STADTTEIL, STADT = "stadtteil", "stadt"
#: Teilbereiche of the inner city (Altstadt, Innenstadtring): few children, many students.
INNER_TEILBEREICHE = PARAMETERS.inner_teilbereiche
#: A stored part and the complement computed by helpers.indicators.compute.
COMPLEMENT = {"no_migration": "migration", "german": "foreign"}
FOCUS_ORIGINS = {"migration", "foreign"}
#: How each synthetic measure is made (Residents, Derived, Drawn, Amount or City).
MEASURES: dict[str, Spec] = PARAMETERS.measures
#: Residents by age: (share of all residents, migration-share factor, foreign-share factor,
#: female share, child age group). "0-64" is total minus "65+"; "15-64" is 1 - "0-14" - "65+".
AGE_PROFILE = PARAMETERS.age_profile


class SyntheticDataError(ValueError):
    """The catalogue and the generator's specifications do not fit together."""


# --------------------------------------------------------------------------------------------
# Real structure
# --------------------------------------------------------------------------------------------


@dataclass
class Structure:
    """Real population and unemployment per year (rows, YEARS) and Stadtteil (columns)."""

    codes: list[str]
    pop: np.ndarray
    mv_share: np.ndarray
    foreign_share: np.ndarray
    female_share: np.ndarray
    z: dict[str, np.ndarray]
    child_factor: np.ndarray  # per Stadtteil
    old_factor: np.ndarray


def _wide(obs: pd.DataFrame, measure: str, sex: str, origin: str, codes: list[str]) -> pd.DataFrame:
    """Stadtteil values (years x codes) of one real series; only years with all Stadtteile."""
    sel = obs[(obs["measure"] == measure) & (obs["sex"] == sex) & (obs["origin"] == origin)
              & (obs["age"] == "total") & (obs["area_level"] == STADTTEIL)]
    wide = sel.pivot(index="year", columns="area_code", values="value").reindex(columns=codes).astype(float)
    wide = wide[wide.notna().all(axis=1)]
    if wide.empty:
        raise SyntheticDataError(f"Keine vollständigen Stadtteilwerte für {measure}/{sex}/{origin} in den realen Daten.")
    return wide


def _nearest(wide: pd.DataFrame) -> np.ndarray:
    """Rows for YEARS; a missing year takes the nearest year with data (the later one on a tie)."""
    have = np.array(wide.index)
    picks = [have[np.lexsort((-have, np.abs(have - y)))[0]] for y in YEARS]
    return wide.loc[picks].to_numpy()


def real_structure(obs: pd.DataFrame | None = None) -> Structure:
    """The real structure the synthetic data are tied to (population, shares, z-scores)."""
    obs = observations.observations() if obs is None else obs
    table = areas.areas()
    st = table[table["level"] == STADTTEIL]
    codes = st["code"].tolist()
    inner = st["parent_code"].isin(INNER_TEILBEREICHE).to_numpy()
    total = _wide(obs, "population", "total", "total", codes)

    def share(sex: str, origin: str) -> np.ndarray:  # within the same year, then nearest year
        part = _wide(obs, "population", sex, origin, codes)
        return _nearest((part / total).dropna())

    pop = _nearest(total)
    mv_share, foreign_share, female_share = share("total", "migration"), share("total", "foreign"), share("female", "total")
    alo = _nearest(_wide(obs, "unemployed", "total", "total", codes)) / pop
    z = {"mv": _z(mv_share), "alo": _z(alo), "inner": np.broadcast_to(inner.astype(float), pop.shape).copy()}
    rng = np.random.default_rng([SEED, zlib.crc32(b"structure")])
    child = np.exp(0.15 * z["mv"].mean(axis=0) + rng.normal(0, 0.2, len(codes))) * np.where(inner, 0.55, 1.0)
    old = np.exp(rng.normal(0, 0.2, len(codes))) * np.where(inner, 0.8, 1.0)
    return Structure(codes, pop, mv_share, foreign_share, female_share, z, child, old)


def _z(a: np.ndarray) -> np.ndarray:
    sd = a.std(axis=1, keepdims=True)
    return (a - a.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1)


# --------------------------------------------------------------------------------------------
# What the catalogue needs
# --------------------------------------------------------------------------------------------

SEX_SPLITS = {frozenset({"total"}): ("total",), frozenset({"female"}): ("female",), frozenset({"male"}): ("male",)}
ORIGIN_SPLITS = {"migration": ("migration", "no_migration"), "foreign": ("foreign", "german")}


@dataclass
class Need:
    """What one measure has to provide for one age group."""

    sexes: set[str] = field(default_factory=set)  # requested sex values
    origins: set[str] = field(default_factory=set)  # requested origin values (complements included)
    stored: set[tuple[str, str]] = field(default_factory=set)  # (sex, origin) rows to write

    def sex_parts(self) -> tuple[str, ...]:
        return SEX_SPLITS.get(frozenset(self.sexes), ("male", "female"))

    def origin_parts(self, measure: str) -> tuple[str, ...]:
        kinds = {k for k, parts in ORIGIN_SPLITS.items() if self.origins & set(parts)}
        if len(kinds) > 1:
            raise SyntheticDataError(f"{measure}: Gruppen migration und foreign zugleich werden nicht unterstützt.")
        return ORIGIN_SPLITS[kinds.pop()] if kinds else ("total",)


@dataclass
class Plan:
    needs: dict[str, dict[str, Need]]  # measure -> age -> Need
    level: dict[str, str]  # measure -> stadtteil | stadt (output level)
    years: dict[str, set[int]]  # measure -> output years


def indicator_years(ind) -> tuple[int, ...]:
    years = tuple(int(y) for y in ind.extra.get("survey_years") or YEARS)
    outside = set(years) - set(YEARS)
    if outside:
        raise SyntheticDataError(f"{ind.id}: survey_years {sorted(outside)} liegen außerhalb von {YEARS[0]}–{YEARS[-1]}.")
    return years


def check_years(real: pd.DataFrame) -> None:
    """The demo years end where the real population by migration history ends (the default report year)."""
    mv = real[(real["measure"] == "population") & (real["origin"] == "migration") & real["value"].notna()]
    last = int(mv["year"].max()) if len(mv) else None
    if last != YEARS[-1]:
        raise SyntheticDataError(
            f"Die Demodaten decken {YEARS[0]}–{YEARS[-1]} ab, die realen Daten zur Bevölkerung mit "
            f"Migrationsvorgeschichte enden {last}. Bitte years in helpers/sources/demo/parameters.yml auf die zehn "
            "Jahre bis dahin setzen, damit Demo- und Realdaten im Standardbericht dasselbe Jahr zeigen.")


def check_catalogue(cat: Catalogue, real_measures: set[str]) -> None:
    """Synthetic and real data never meet in one indicator; every synthetic measure has a spec."""
    overlap = sorted(set(MEASURES) & real_measures)
    if overlap:
        raise SyntheticDataError(
            f"Synthetische Messgrößen kommen auch in den realen Daten (sms.csv) vor: {', '.join(overlap)}. "
            "Reale Reihen werden nie ergänzt – bitte die synthetische Messgröße umbenennen."
        )
    for ind in cat.indicators:
        for side, term in zip(("numerator", "denominator"), ind.terms):
            if ind.synthetic and term.measure not in MEASURES:
                raise SyntheticDataError(
                    f"{ind.id} ist synthetisch, aber {side} {term.measure!r} ist keine synthetische Messgröße "
                    "(reale und synthetische Zahlen dürfen nicht gemischt werden; sonst fehlt die Spezifikation in parameters.yml)."
                )
            if not ind.synthetic and term.measure in MEASURES:
                raise SyntheticDataError(f"{ind.id} ist real, verwendet aber die synthetische Messgröße {term.measure!r} ({side}).")


def plan(cat: Catalogue) -> Plan:
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
            years.setdefault(term.measure, set()).update(indicator_years(ind))
    for by_age in needs.values():  # make sure the parts asked for are stored consistently
        for need in by_age.values():
            if {"male", "female"} & need.sexes and "total" in need.sexes:
                need.stored |= {(s, o) for _, o in need.stored for s in ("total", "male", "female")}
    # Bases must provide the split of everything drawn or derived from them (to a fixed point).
    changed = True
    while changed:
        changed = False
        for measure in sorted(needs):
            spec = MEASURES[measure]
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
        if measure not in MEASURES:
            raise SyntheticDataError(f"Keine Spezifikation für die synthetische Messgröße {measure!r} in parameters.yml.")
    return Plan(needs, level, years)


# --------------------------------------------------------------------------------------------
# Generation: atomic parts (sex part x origin part) as arrays years x areas
# --------------------------------------------------------------------------------------------

Parts = dict[tuple[str, str], np.ndarray]


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


class Generator:
    def __init__(self, structure: Structure, the_plan: Plan):
        self.s = structure
        self.plan = the_plan
        self.cache: dict[tuple[str, str], Parts] = {}
        self.t = np.arange(len(YEARS), dtype=float)[:, None]

    # resolution: stadtteil (45 columns) or stadt (1 column)
    def resolution(self, measure: str) -> str:
        spec = MEASURES[measure]
        if isinstance(spec, Residents):
            return STADTTEIL
        if isinstance(spec, City):
            return STADT
        return self.resolution(spec.base)

    def rng(self, measure: str, age: str) -> np.random.Generator:
        return np.random.default_rng([SEED, zlib.crc32(f"{measure}|{age}".encode())])

    def parts(self, measure: str, age: str) -> Parts:
        """All atomic parts of one measure and age group (cached: drawn exactly once)."""
        key = (measure, age)
        if key not in self.cache:
            need = self.plan.needs[measure][age]
            sexes, origins = need.sex_parts(), need.origin_parts(measure)
            spec = MEASURES[measure]
            rng = self.rng(measure, age)
            if isinstance(spec, Residents):
                out = self._residents(age, sexes, origins)
            elif isinstance(spec, City):
                out = self._city(spec, sexes, origins, rng)
            elif isinstance(spec, Derived):
                out = self._derived(measure, spec, age, sexes, origins, rng)
            elif isinstance(spec, Drawn):
                out = self._drawn(measure, spec, age, sexes, origins, rng)
            else:
                out = self._amount(measure, spec, age, sexes, origins, rng)
            for part, values in out.items():
                if (values < 0).any():
                    raise SyntheticDataError(f"{measure} {age} {part}: negative Werte erzeugt.")
            self.cache[key] = out
        return self.cache[key]

    def value(self, measure: str, age: str, sex: str, origin: str) -> np.ndarray:
        """A stored (sex, origin) combination as the sum of matching atomic parts."""
        if isinstance(MEASURES[measure], Residents):  # deterministic: any group on demand
            return self._residents(age, (sex,), (origin,))[(sex, origin)]
        parts = self.parts(measure, age)
        hits = [v for (s, o), v in parts.items() if sex in ("total", s) and origin in ("total", o)]
        if not hits:
            raise SyntheticDataError(f"{measure} {age}: {sex}/{origin} ist aus den Teilen {sorted(parts)} nicht bildbar.")
        return np.sum(hits, axis=0)

    def base_parts(self, measure: str, spec, age: str, sexes, origins) -> Parts:
        base_age = getattr(spec, "base_age", None) or age
        base_origin = getattr(spec, "base_origin", None)
        out = {}
        for s in sexes:
            for o in origins:
                out[(s, o)] = self.value(spec.base, base_age, s, base_origin or o)
        if self.resolution(spec.base) == STADTTEIL and self.resolution(measure) == STADT:
            raise SyntheticDataError(f"{measure}: Auflösung passt nicht zur Basis {spec.base}.")
        return out

    # -- residents -------------------------------------------------------------------------
    def _residents(self, age: str, sexes, origins) -> Parts:
        s = self.s
        if age == "0-64":
            full, old = self._residents("total", sexes, origins), self._residents("65+", sexes, origins)
            return {k: full[k] - old[k] for k in full}
        if age == "total":
            total = s.pop.round()
            shares = {"migration": s.mv_share, "foreign": s.foreign_share}
            female = s.female_share
        else:
            if age not in AGE_PROFILE:
                raise SyntheticDataError(f"residents: Altersgruppe {age!r} ist nicht definiert (age_profile in parameters.yml).")
            share, k_mig, k_for, f, child = AGE_PROFILE[age]
            child_share = 0.125 * s.child_factor[None, :] * (1 - 0.005 * self.t)
            old_share = 0.17 * s.old_factor[None, :] * (1 + 0.008 * self.t)
            if age == "15-64":
                a = 1 - child_share - old_share
            elif child:
                a = child_share * share / 0.125
            else:
                a = old_share
            total = (s.pop * a).round()
            shares = {"migration": np.clip(s.mv_share * k_mig, 0, 0.92), "foreign": np.clip(s.foreign_share * k_for, 0, 0.9)}
            female = np.full_like(total, f)
        out: Parts = {}
        for o in origins:
            base = {"total": total}
            if o != "total":
                focus = o if o in FOCUS_ORIGINS else COMPLEMENT[o]
                part = (total * shares[focus]).round()
                base = {focus: part, {"migration": "no_migration", "foreign": "german"}[focus]: total - part}
            for sx in sexes:
                if sx == "total":
                    out[(sx, o)] = base[o]
                else:
                    fem_total = (total * female).round()
                    if o == "total":
                        fem = fem_total
                    else:
                        focus = o if o in FOCUS_ORIGINS else COMPLEMENT[o]
                        fem_focus = (base[focus] * female).round()
                        fem = fem_focus if o == focus else fem_total - fem_focus
                    out[(sx, o)] = fem if sx == "female" else base[o] - fem
        return {k: v.astype(np.int64) for k, v in out.items()}

    # -- city counts -----------------------------------------------------------------------
    def _city(self, spec: City, sexes, origins, rng) -> Parts:
        t = self.t
        total = np.round(spec.size * spec.growth ** t * np.exp(rng.normal(0, spec.sd, t.shape))).astype(np.int64)
        out: Parts = {}
        by_sex = {"total": total}
        if sexes != ("total",):
            female = rng.binomial(total, spec.female)
            by_sex = {"female": female, "male": total - female}
        for sx in sexes:
            n = by_sex[sx]
            if origins == ("total",):
                out[(sx, "total")] = n
                continue
            focus = origins[0]
            if focus not in spec.share:
                raise SyntheticDataError(f"City-Messgröße ohne Anteil für {focus!r}.")
            s0, ds = spec.share[focus]
            part = rng.binomial(n, np.clip(s0 + ds * t, 0, 1))
            out[(sx, origins[0])], out[(sx, origins[1])] = part, n - part
        return out

    # -- derived ---------------------------------------------------------------------------
    def _derived(self, measure, spec: Derived, age, sexes, origins, rng) -> Parts:
        base = self.base_parts(measure, spec, age, sexes, origins)
        shape = next(iter(base.values())).shape
        mult = spec.factor * np.exp(spec.trend * self.t + rng.normal(0, spec.sd, shape))
        return {k: (v * mult).round().astype(np.int64) for k, v in base.items()}

    # -- covariates and rates --------------------------------------------------------------
    def _cov(self, cov: dict[str, float], shape) -> np.ndarray:
        out = np.zeros(shape)
        if shape[1] == len(self.s.codes):
            for name, coef in cov.items():
                out = out + coef * self.s.z[name]
        return out

    def _drawn(self, measure, spec: Drawn, age, sexes, origins, rng) -> Parts:
        rate = spec.rate
        if isinstance(rate, dict):
            if age not in rate:
                raise SyntheticDataError(f"{measure}: keine Rate für Altersgruppe {age!r}.")
            rate = rate[age]
        base = self.base_parts(measure, spec, age, sexes, origins)
        shape = next(iter(base.values())).shape
        area = rng.normal(0, rate.sd_area, (1, shape[1]))
        common = _logit(rate.p) + rate.trend * self.t + self._cov(rate.cov, shape) + area
        out: Parts = {}
        for (sx, o), n in sorted(base.items()):
            focus = np.log(rate.odds) if o in FOCUS_ORIGINS else 0.0
            focus += np.log(rate.odds_female) if sx == "female" else 0.0
            lo = common + focus * np.clip(1 - rate.shrink * self.t, 0, None) + rng.normal(0, rate.sd_noise, shape)
            out[(sx, o)] = rng.binomial(n, 1 / (1 + np.exp(-lo))).astype(np.int64)
        return out

    def _amount(self, measure, spec: Amount, age, sexes, origins, rng) -> Parts:
        base = self.base_parts(measure, spec, age, sexes, origins)
        shape = next(iter(base.values())).shape
        area = rng.normal(0, spec.sd_area, (1, shape[1]))
        common = spec.per_unit + spec.trend * self.t + self._cov(spec.cov, shape) + area
        out: Parts = {}
        for (sx, o), n in sorted(base.items()):
            per = common + (spec.focus if o in FOCUS_ORIGINS else 0.0) + rng.normal(0, spec.sd_noise, shape)
            out[(sx, o)] = (n * np.clip(per, 10, None)).round().astype(np.int64)
        return out


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def generate(cat: Catalogue | None = None, obs: pd.DataFrame | None = None) -> pd.DataFrame:
    """All synthetic observations for the synthetic indicators of the catalogue (schema-valid)."""
    cat = catalogue.load() if cat is None else cat
    obs = observations.observations() if obs is None else obs
    real = obs[~obs["synthetic"]]
    check_catalogue(cat, set(real["measure"].unique()))
    the_plan = plan(cat)
    gen = Generator(real_structure(real), the_plan)
    frames = []
    for measure in sorted(the_plan.level):
        level = the_plan.level[measure]
        if level == STADTTEIL and gen.resolution(measure) != STADTTEIL:
            raise SyntheticDataError(f"{measure}: auf Stadtteilebene verlangt, aber nur gesamtstädtisch spezifiziert.")
        year_mask = np.isin(YEARS, sorted(the_plan.years[measure]))
        codes = gen.s.codes if level == STADTTEIL else [schema_city_code()]
        for age, need in sorted(the_plan.needs[measure].items()):
            for sex, origin in sorted(need.stored):
                values = gen.value(measure, age, sex, origin)
                if level == STADT and values.shape[1] > 1:
                    values = values.sum(axis=1, keepdims=True)
                values = values[year_mask]
                years = np.repeat(np.array(YEARS)[year_mask], len(codes))
                frames.append(pd.DataFrame({
                    "year": years,
                    "area_level": level,
                    "area_code": np.tile(codes, int(year_mask.sum())),
                    "measure": measure, "sex": sex, "origin": origin, "age": age,
                    "value": values.reshape(-1),
                }))
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype("Int64")
    out["flag"] = ""
    out["synthetic"] = True
    out["source"] = SOURCE
    out = out[model.OBSERVATION_COLUMNS].sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    return model.OBSERVATIONS.validate(out)


def schema_city_code() -> str:
    table = areas.areas()
    return table.loc[table["level"] == STADT, "code"].iloc[0]


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=paths.DATA, help="data folder to write (default: data/)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    target = args.out / "observations" / "synthetic.csv"
    real_files = [p for p in observations.observation_files(args.out / "observations") if p != target]
    if not any(p.name == "sms.csv" for p in real_files):
        print(f"Fehler: {args.out / 'observations' / 'sms.csv'} fehlt – die synthetischen Daten hängen von den "
              "realen ab (erst `make data`).", file=sys.stderr)
        return 2
    try:
        real = pd.concat([observations.read_observation_file(p) for p in real_files], ignore_index=True)
        check_years(real)
        obs = generate(catalogue.load(), real)
    except SyntheticDataError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1
    write_atomic(target, lambda p: obs.to_csv(p, index=False))
    print(f"Demodaten: {len(obs)} Zeilen, {obs['measure'].nunique()} Messgrößen -> {target} "
          f"({time.perf_counter() - started:.1f} s, Seed {SEED})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
