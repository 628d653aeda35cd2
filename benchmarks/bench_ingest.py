"""How long the intake checks a large delivery: `.venv/bin/python benchmarks/bench_ingest.py [ROWS]`.

Writes a consistent delivery of about ROWS rows (default 200,000: residents and population by sex,
origin and age for the 45 Stadtteile and the city over many years) into a temporary folder and times what
`make ingest CHECK=1` does (`ingest.ingest(..., check_only=True)`) against an empty store in
another temporary folder, so the committed data are neither read nor written. Prints the
time of the whole check, of reading the file, and of the consistency checks. Issue 14 asks for
200,000 rows in under 20 s on 2 cores.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from helpers.core import areas, observations
from helpers.core.model import OBSERVATION_COLUMNS
from helpers.core.store import Store
from helpers.intake import ingest, validation
from helpers.intake.problems import fmt_int
from helpers.intake.read import read_table

SEXES = {"male": "männlich", "female": "weiblich"}
#: The finest origin cells; migration = foreign + german_mig, german = german_mig + no_migration.
ORIGINS = ("foreign", "german_mig", "no_migration")
ORIGIN_GROUPS = {"total": ORIGINS, "foreign": ("foreign",), "german": ("german_mig", "no_migration"),
                 "migration": ("foreign", "german_mig"), "no_migration": ("no_migration",)}
ORIGIN_DE = {"total": "insgesamt", "foreign": "Ausländer", "german": "Deutsche",
             "migration": "mit Migrationsvorgeschichte", "no_migration": "ohne Migrationsvorgeschichte"}
AGES = ("0-14", "15-64", "65+")
AGE_GROUPS = {"total": AGES, **{a: (a,) for a in AGES}}
HEADER = "Jahr;Ebene;Gebiet-Nr;Merkmal;Geschlecht;Herkunft;Alter;Wert\n"


def delivery_text(rows: int, seed: int = 14) -> str:
    """A delivery whose parts add up (sex, origin, age, Stadtteile to the city) with about `rows` rows."""
    rng = np.random.default_rng(seed)
    stadtteile = sorted(areas.areas().query("level == 'stadtteil'")["code"])
    per_area_year = 3 * len(ORIGIN_GROUPS) * len(AGE_GROUPS)  # sex incl. total × origins × ages
    measures = ("residents", "population")  # two measures: the years stay within 1990 and 2025
    years = max(1, round(rows / (per_area_year * (len(stadtteile) + 1) * len(measures))))
    lines = [HEADER]
    # counts[area, sex, origin cell, age]; small changes from year to year (no jump warnings)
    base = rng.integers(100, 500, size=(len(stadtteile), 2, len(ORIGINS), len(AGES)))
    for year, measure in ((y, m) for y in range(2025 - years + 1, 2026) for m in measures):
        counts = base + rng.integers(0, 3, size=base.shape)
        for area_index, code in enumerate([*stadtteile, "05515000"]):
            level = "Stadt" if code == "05515000" else "Stadtteil"
            cube = counts.sum(axis=0) if level == "Stadt" else counts[area_index]
            for sex_index, (sex, sex_de) in enumerate([("total", "insgesamt"), *SEXES.items()]):
                by_sex = cube.sum(axis=0) if sex == "total" else cube[sex_index - 1]
                for origin, cells in ORIGIN_GROUPS.items():
                    by_origin = by_sex[[ORIGINS.index(c) for c in cells]].sum(axis=0)
                    for age, ages in AGE_GROUPS.items():
                        value = int(by_origin[[AGES.index(a) for a in ages]].sum())
                        lines.append(f"{year};{level};{code};{measure};{sex_de};{ORIGIN_DE[origin]};"
                                     f"{'insgesamt' if age == 'total' else age};{value}\n")
    return "".join(lines)


def main(rows: int = 200_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "grosse_lieferung.csv"
        path.write_text(delivery_text(rows), encoding="utf-8")
        store_dir = folder / "data" / "observations"
        store_dir.mkdir(parents=True)
        (store_dir / "leer.csv").write_text(",".join(OBSERVATION_COLUMNS) + "\n", encoding="utf-8")
        store = Store.for_observations(store_dir)
        start = time.perf_counter()
        read_table(path)
        read = time.perf_counter() - start
        stored = observations.observations(store_dir)
        context = validation.Context.load(stored)
        start = time.perf_counter()
        delivery = validation.validate(path, context)
        validate = time.perf_counter() - start
        start = time.perf_counter()
        validation.cross_checks(delivery, context)
        checks = time.perf_counter() - start
        start = time.perf_counter()
        outcome = ingest.ingest([path], check_only=True, store=store)
        whole = time.perf_counter() - start
    n = len(delivery.rows)
    print(f"{fmt_int(n)} Zeilen, {len(outcome.errors)} Fehler, {len(outcome.warnings)} Warnungen")
    print(f"make ingest CHECK=1 (ingest.ingest, nur prüfen): {whole:.1f} s (Ziel aus Issue 14: unter 20 s)")
    print(f"  davon Datei lesen: {read:.1f} s; validate() mit Lesen: {validate:.1f} s; "
          f"Prüfungen über Zeilen (cross_checks): {checks:.1f} s; {fmt_int(round(n / whole))} Zeilen/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
