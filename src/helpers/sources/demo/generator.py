"""Drawing the demo counts: each measure's atomic parts (sex part x origin part) as arrays years x areas.

A `Generator` makes every (measure, age group) once, from its specification in parameters.yml:
residents sized from the real structure, measures derived from a base by a factor, counts
drawn binomially at a logistic rate, amounts per unit, and city-wide counts with a size and
growth of their own. A stored group is the sum of the parts it covers, so parts always add up.
Each (measure, age group) draws from its own seeded stream, so the output does not depend on
the order of the catalogue.
"""

from __future__ import annotations

import zlib

import numpy as np

from helpers.sources.demo.needs import Plan
from helpers.sources.demo.parameters import Amount, City, Derived, Drawn, Parameters, Residents
from helpers.sources.demo.structure import Structure
from helpers.sources.demo.terms import COMPLEMENT, FOCUS_ORIGINS, STADT, STADTTEIL, SyntheticDataError

Parts = dict[tuple[str, str], np.ndarray]


def _logit(p: float) -> float:
    """Log-odds: the generator's rates are set as a share and moved on the logit scale."""
    return float(np.log(p / (1 - p)))


class Generator:
    """Draws every measure the plan needs, each (measure, age group) once, tied to the real structure."""

    def __init__(self, structure: Structure, the_plan: Plan, params: Parameters):
        self.s = structure
        self.plan = the_plan
        self.params = params
        self.cache: dict[tuple[str, str], Parts] = {}
        self.t = np.arange(len(params.years), dtype=float)[:, None]

    # resolution: stadtteil (45 columns) or stadt (1 column)
    def resolution(self, measure: str) -> str:
        spec = self.params.measures[measure]
        if isinstance(spec, Residents):
            return STADTTEIL
        if isinstance(spec, City):
            return STADT
        return self.resolution(spec.base)

    def rng(self, measure: str, age: str) -> np.random.Generator:
        return np.random.default_rng([self.params.seed, zlib.crc32(f"{measure}|{age}".encode())])

    def parts(self, measure: str, age: str) -> Parts:
        """All atomic parts of one measure and age group (cached: drawn exactly once)."""
        key = (measure, age)
        if key not in self.cache:
            need = self.plan.needs[measure][age]
            sexes, origins = need.sex_parts(), need.origin_parts(measure)
            spec = self.params.measures[measure]
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
        if isinstance(self.params.measures[measure], Residents):  # deterministic: any group on demand
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
            if age not in self.params.age_profile:
                raise SyntheticDataError(f"residents: Altersgruppe {age!r} ist nicht definiert (age_profile in parameters.yml).")
            share, k_mig, k_for, f, child = self.params.age_profile[age]
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
