"""How long and how much memory the intake needs to check a large delivery, for ordinary and adversarial shapes.

`.venv/bin/python benchmarks/bench_ingest.py [ROWS] [--form NAME …]` (also the second part of `make bench`;
`make bench ONLY=ingest` runs only this one).

For every shape it writes a delivery of about ROWS rows (default 200,000) into a temporary folder and runs
what `make ingest CHECK=1` does (`ingest.ingest(..., check_only=True)`) against an empty store in another
temporary folder (the committed data are neither read nor written), each shape in a subprocess of its own,
so the time and the peak resident memory (RSS) are those of that check alone. Issue 14 asks for 200,000
rows in under 20 s on 2 cores; issue 27 for any shape of 200,000 rows within 20 s and 1 GB peak RSS.

Shapes (`SHAPES`):
- standard: residents and population by sex, origin and age for the 45 Stadtteile and the city over many
  years, every part adding up (what the README's figure was measured on until issue 27);
- altersgruppen: issue 27's report: residents of one Stadtteil by ROWS distinct age bands (one-year
  bands and every wider band, all different, the values adding up), only the last line broken (`12a`);
- altersgruppen_widerspruch: the same bands with random values, so that nearly every band is larger
  than some band it lies in and most chains do not add up (findings that could explode);
- gebiete: every Stadtteil, Teilbereich, Stadtbezirk, the city and „nicht zuzuordnen“, many measures and
  years, random values (every area relation in play, many violations);
- gruppen: every sex × every origin × nested age groups, random values (every group relation in play);
- breit: a wide file: the standard delivery with 56 more columns („Spalte 1“ …, unknown, each cell a digit),
  so every row has 64 cells (excel_file.MAX_COLUMNS);
- riesenzelle: the standard delivery with one cell of 10 MB text in the note column.

The files are generated here, never committed. The subprocess runs with an address-space limit
(`--limit-mb`, default 4096, POSIX only) and a timeout (`--timeout`, default 300 s) so a shape that runs
away ends with a message instead of taking the machine down.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from helpers.core import areas, arguments  # noqa: E402

try:
    import resource
except ImportError:  # Windows: no address-space limit, peak memory from psutil
    resource = None

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
#: Issue 27's budget for any shape of 200,000 rows on 2 cores.
BUDGET_S = 20
BUDGET_MB = 1024


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


def age_bands(rows: int) -> list[tuple[int, int]]:
    """`rows` distinct bands (low, high): the one-year bands 0-0, 1-1, …, then every band two years wide, …"""
    top = 1
    while top * (top + 1) // 2 < rows:
        top += 1
    bands = [(low, low + width) for width in range(top) for low in range(top - width)]
    return bands[:rows]


def age_band_text(rows: int, consistent: bool = True, broken: bool = True, seed: int = 27, year: int = 2018) -> str:
    """Issue 27's delivery: residents of Stadtteil 11 in `year` by `rows` distinct age bands.

    consistent: every band is the sum of its one-year counts (all relations hold); else random values.
    broken: the last line's value is `12a` (the only error of a consistent file).
    """
    rng = np.random.default_rng(seed)
    bands = age_bands(rows)
    top = max(high for _, high in bands) + 1
    single = rng.integers(0, 60, size=top)
    cumulative = np.concatenate([[0], np.cumsum(single)])
    lines = [HEADER]
    for low, high in bands:
        value = int(cumulative[high + 1] - cumulative[low]) if consistent else int(rng.integers(0, 10_000))
        lines.append(f"{year};Stadtteil;11;residents;insgesamt;insgesamt;{low}-{high};{value}\n")
    if broken:
        lines[-1] = lines[-1].rsplit(";", 1)[0] + ";12a\n"
    return "".join(lines)


def areas_text(rows: int, seed: int = 27) -> str:
    """Every area level the intake knows, many measures and years, random values."""
    rng = np.random.default_rng(seed)
    table = areas.areas()
    level_de = {"stadtteil": "Stadtteil", "teilbereich": "Teilbereich", "stadtbezirk": "Stadtbezirk",
                "stadt": "Stadt", "unzugeordnet": "nicht zuzuordnen"}
    places = [(level_de[a.level], a.code) for a in table.itertuples() if a.level in level_de]
    measures = ("residents", "population", "unemployed", "unemployed_longterm", "foreigners_azr")
    lines = [HEADER]
    year = 2025
    while len(lines) <= rows:
        for measure in measures:
            for sex in ("insgesamt", "männlich", "weiblich"):
                for level, code in places:
                    lines.append(f"{year};{level};{code};{measure};{sex};insgesamt;insgesamt;{int(rng.integers(0, 1000))}\n")
        year -= 1
        year = year if year >= 1991 else 2025  # wrap: the duplicates are findings too
    return "".join(lines[:rows + 1])


def groups_text(rows: int, seed: int = 27) -> str:
    """Every sex × every origin × nested age groups for the Stadtteile over many years, random values."""
    from helpers.core.model import ORIGINS as ALL_ORIGINS
    from helpers.intake.cells import origin_label

    rng = np.random.default_rng(seed)
    stadtteile = sorted(areas.areas().query("level == 'stadtteil'")["code"])
    ages = ("insgesamt", "0-14", "15-64", "65+", "15-24", "25-44", "45-64", "0-5", "6-14", "0-17", "18+")
    lines = [HEADER]
    year = 2025
    while len(lines) <= rows:
        for code in stadtteile:
            for sex in ("insgesamt", "männlich", "weiblich"):
                for origin in ALL_ORIGINS:
                    for age in ages:
                        lines.append(f"{year};Stadtteil;{code};residents;{sex};{origin_label(origin)};{age};"
                                     f"{int(rng.integers(0, 1000))}\n")
        year -= 1
    return "".join(lines[:rows + 1])


def wide_text(rows: int, columns: int = 64) -> str:
    """The standard delivery with as many columns as a delivery may have: 56 more, unknown, each with a number."""
    extra = columns - 8
    header = HEADER.rstrip("\n") + "".join(f";Spalte {k}" for k in range(1, extra + 1)) + "\n"
    cells = "".join(f";{k % 10}" for k in range(1, extra + 1))
    body = delivery_text(rows).splitlines()[1:]
    return header + "".join(f"{line}{cells}\n" for line in body)


def giant_cell_text(rows: int, megabytes: int = 10) -> str:
    """The standard delivery with a note column, one of whose cells holds `megabytes` MB of text."""
    lines = delivery_text(rows).splitlines()
    out = [lines[0] + ";Beschreibung\n"] + [f"{line};\n" for line in lines[1:]]
    out[len(out) // 2] = out[len(out) // 2].rstrip("\n") + "x" * (megabytes * 1_000_000) + "\n"
    return "".join(out)


SHAPES = {
    "standard": delivery_text,
    "altersgruppen": age_band_text,
    "altersgruppen_widerspruch": lambda rows: age_band_text(rows, consistent=False, broken=False),
    "gebiete": areas_text,
    "gruppen": groups_text,
    "breit": wide_text,
    "riesenzelle": giant_cell_text,
}


# --- the measured check (in a subprocess) ----------------------------------------------------------


def _peak_mb() -> float:
    """This process's peak resident memory in MB."""
    if resource is not None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1024 if sys.platform != "darwin" else peak / 2**20  # kB on Linux, bytes on macOS
    import psutil

    info = psutil.Process().memory_info()
    return getattr(info, "peak_wset", info.rss) / 2**20


def check_one(path: Path) -> dict:
    """`make ingest CHECK=1` on `path` against an empty store: seconds, rows, problems, peak RSS."""
    from helpers.core.model import OBSERVATION_COLUMNS
    from helpers.core.store import Store
    from helpers.intake import ingest
    from helpers.intake.problems import report

    with tempfile.TemporaryDirectory() as tmp:
        store_dir = Path(tmp) / "data" / "observations"
        store_dir.mkdir(parents=True)
        (store_dir / "leer.csv").write_text(",".join(OBSERVATION_COLUMNS) + "\n", encoding="utf-8")
        store = Store.for_observations(store_dir)
        start = time.perf_counter()
        outcome = ingest.ingest([path], check_only=True, store=store)
        seconds = time.perf_counter() - start
    first = report(outcome.errors, limit=1).splitlines()
    return {"seconds": round(seconds, 2), "errors": len(outcome.errors), "warnings": len(outcome.warnings),
            "first_error": first[0] if first else "", "peak_rss_mb": round(_peak_mb(), 1)}


def _limit(megabytes: int):
    def apply() -> None:
        if resource is not None and megabytes:
            resource.setrlimit(resource.RLIMIT_AS, (megabytes * 2**20, megabytes * 2**20))
    return apply


def measure(path: Path, limit_mb: int = 4096, timeout: float = 300) -> dict:
    """check_one(path) in a subprocess under an address-space limit and a timeout."""
    command = [sys.executable, str(Path(__file__).resolve()), "--check-file", str(path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    start = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                              preexec_fn=_limit(limit_mb) if resource is not None else None)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "wall_s": round(time.perf_counter() - start, 1), "failed": f"nach {timeout:.0f} s abgebrochen"}
    wall = round(time.perf_counter() - start, 1)
    children = (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024) if resource is not None else None
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"seconds": None, "wall_s": wall, "failed": f"Rückgabewert {done.returncode}: {tail}",
                "children_peak_rss_mb": children}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {**result, "wall_s": wall}


def machine() -> str:
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{cpu}, {os.cpu_count()} Kerne, Python {platform.python_version()}, Last (1/5/15 min) {load}"


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Die Prüfung beim Einlesen (make ingest CHECK=1) für gewöhnliche "
                                                 "und bösartige Lieferungen messen: Zeit und Spitzen-Arbeitsspeicher.")
    parser.add_argument("rows", type=int, nargs="?", default=200_000, metavar="ZEILEN")
    parser.add_argument("--form", action="append", choices=sorted(SHAPES), help="nur diese Form(en) (mehrfach möglich)")
    parser.add_argument("--limit-mb", type=int, default=4096, help="Adressraum-Grenze je Prüfung (nur POSIX)")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--check-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.check_file:  # the subprocess: one check, one JSON line
        print(json.dumps(check_one(args.check_file)))
        return 0
    shapes = args.form or list(SHAPES)
    print(f"Einlesen prüfen (make ingest CHECK=1), {args.rows:,} Zeilen je Form; Maschine: {machine()}".replace(",", "."),
          flush=True)
    print(f"{'Form':<27} {'MB Datei':>8} {'Sekunden':>9} {'Spitze MB':>10} {'Fehler':>8}  erste Meldung")
    results = {}
    within = True
    with tempfile.TemporaryDirectory(prefix="im-bench-ingest-") as tmp:
        for name in shapes:
            path = Path(tmp) / f"{name}.csv"
            path.write_text(SHAPES[name](args.rows), encoding="utf-8")
            size = path.stat().st_size / 1e6
            result = measure(path, args.limit_mb, args.timeout)
            path.unlink()
            results[name] = {**result, "file_mb": round(size, 1)}
            if result.get("failed"):
                within = False
                print(f"{name:<27} {size:8.1f} {'–':>9} {'–':>10} {'–':>8}  FEHLGESCHLAGEN: {result['failed']}", flush=True)
                continue
            ok = result["seconds"] <= BUDGET_S and result["peak_rss_mb"] <= BUDGET_MB
            within &= ok
            first = result["first_error"][:90]
            print(f"{name:<27} {size:8.1f} {result['seconds']:9.1f} {result['peak_rss_mb']:10.0f} {result['errors']:8d}  "
                  f"{first}{'' if ok else '  (über dem Budget)'}", flush=True)
    print(f"Budget aus Issue 27 (200.000 Zeilen, 2 Kerne): ≤ {BUDGET_S} s und ≤ {BUDGET_MB} MB je Form: "
          f"{'eingehalten' if within else 'NICHT eingehalten'} (Zeit ohne Start des Prozesses; Spitze: ganzer Prozess).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
