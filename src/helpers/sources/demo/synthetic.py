"""Seeded synthetic demo data for the indicators that have no public source yet.

Run: ``python -m helpers.sources.demo.synthetic --out data`` (``make data`` runs it after the SMS data).

THESE NUMBERS ARE NOT OFFICIAL. They are invented, plausible counts so that every chapter of
the report can be built and tried out before the departments deliver their real data. Every
row carries ``synthetic=True`` and the source "Demodaten – synthetisch (...)"; the report marks
them visibly.

What is generated
    For every indicator of ``data/<city>/catalogue.yml`` with ``synthetic: true``: the counts of its
    numerator AND denominator (like a real delivery), for 2010–2019 (or only the indicator's
    ``survey_years``, e.g. election years), per Stadtteil (45 codes of ``data/<city>/areas.csv``) when
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
    ``data/<city>/observations/sms.csv`` is an error, and so is a synthetic indicator that uses a real
    measure (or a real indicator a synthetic one). The ``seed`` of ``parameters.yml`` and
    ``numpy.random.default_rng`` (one stream per measure and age group) make the output
    byte-identical for the same seed, catalogue and real data.

Where it lives
    This module is the command and `generate`, which runs the steps beside it: `needs` (what
    the catalogue asks for, and the checks that keep real and synthetic apart), `structure`
    (the real structure), `generator` (drawing the counts) and `terms` (the words they share);
    the tuned values are read by `parameters`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.core import areas, arguments, catalogue, model, observations, paths
from helpers.core.catalogue import Catalogue
from helpers.core.fileio import write_atomic
from helpers.sources.demo import parameters
from helpers.sources.demo.generator import Generator
from helpers.sources.demo.needs import check_catalogue, check_years, plan
from helpers.sources.demo.parameters import Parameters, Spec
from helpers.sources.demo.structure import real_structure
from helpers.sources.demo.terms import STADT, STADTTEIL, SyntheticDataError

#: The tuned parameters, read from parameters.yml beside this module (its comments say what each shapes).
PARAMETERS = parameters.load()
SEED = PARAMETERS.seed
#: The ten years up to the default report year: the latest year with real population figures by
#: migration history (main checks this against the real data).
YEARS = PARAMETERS.years
#: The label every generated row carries. It names the module's path before the source families
#: became subpackages (now helpers.sources.demo.synthetic); kept, since it is published in
#: data/<city>/observations/synthetic.csv and in the editions built from it.
SOURCE = f"Demodaten – synthetisch (helpers.sources.synthetic, Seed {SEED})"
SORT_KEYS = ["measure", "year", "area_level", "area_code", "sex", "origin", "age"]
#: How each synthetic measure is made (Residents, Derived, Drawn, Amount or City).
MEASURES: dict[str, Spec] = PARAMETERS.measures
#: Residents by age: (share of all residents, migration-share factor, foreign-share factor,
#: female share, child age group). "0-64" is total minus "65+"; "15-64" is 1 - "0-14" - "65+".
AGE_PROFILE = PARAMETERS.age_profile


def generate(cat: Catalogue | None = None, obs: pd.DataFrame | None = None,
             params: Parameters | None = None, source: str | None = None,
             area_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """All synthetic observations for the synthetic indicators of the catalogue (schema-valid).

    `params`, `source` and `area_table` default to parameters.yml, `SOURCE` and the city's areas; the scale
    city passes its own years, seed, label and areas here instead of changing module state.
    """
    area_table = areas.areas() if area_table is None else area_table
    cat = catalogue.load() if cat is None else cat
    obs = observations.observations() if obs is None else obs
    params = PARAMETERS if params is None else params
    source = SOURCE if source is None else source
    real = obs[~obs["synthetic"]]
    check_catalogue(cat, set(real["measure"].unique()), params.measures)
    the_plan = plan(cat, params)
    gen = Generator(real_structure(real, params, area_table), the_plan, params)
    frames = []
    for measure in sorted(the_plan.level):
        level = the_plan.level[measure]
        if level == STADTTEIL and gen.resolution(measure) != STADTTEIL:
            raise SyntheticDataError(f"{measure}: auf Stadtteilebene verlangt, aber nur gesamtstädtisch spezifiziert.")
        year_mask = np.isin(params.years, sorted(the_plan.years[measure]))
        codes = gen.s.codes if level == STADTTEIL else [schema_city_code(area_table)]
        for age, need in sorted(the_plan.needs[measure].items()):
            for sex, origin in sorted(need.stored):
                values = gen.value(measure, age, sex, origin)
                if level == STADT and values.shape[1] > 1:
                    values = values.sum(axis=1, keepdims=True)
                values = values[year_mask]
                years = np.repeat(np.array(params.years)[year_mask], len(codes))
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
    out["source"] = source
    out = out[model.OBSERVATION_COLUMNS].sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    return model.OBSERVATIONS.validate(out)


def schema_city_code(table: pd.DataFrame) -> str:
    """The code of the city's one area of level 'stadt', where city-wide measures are written."""
    return table.loc[table["level"] == STADT, "code"].iloc[0]


def main(argv: list[str] | None = None) -> int:
    """`make data`'s last step: refuse without the real data, else write observations/synthetic.csv."""
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
        check_years(real, YEARS)
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
