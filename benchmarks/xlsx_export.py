"""The Excel export before and after write-only mode: `.venv/bin/python benchmarks/xlsx_export.py`.

Builds the real indicator table of the default report year as `build.release.export_tables`
does, then writes the workbook with `publish.tables.workbook_bytes` of the working tree and of
the last commit whose tables.py did not yet use openpyxl's write-only mode (or `--old REV`),
alternately, and prints time and peak memory of both and their ratios old/new. Memory is
Python's allocations (tracemalloc, a run of its own), not the process size.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = "src/helpers/publish/tables.py"


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def old_revision() -> str:
    """The newest commit whose tables.py writes the workbook in openpyxl's normal mode."""
    for rev in _git("log", "--format=%H", "--", MODULE).split():
        if "write_only=True" not in _git("show", f"{rev}:{MODULE}"):
            return rev
    raise SystemExit(f"Kein Commit mit {MODULE} ohne write_only gefunden; --old angeben.")


def load_old(rev: str) -> types.ModuleType:
    module = types.ModuleType("helpers.publish.tables_old")
    module.__file__ = f"{rev}:{MODULE}"
    exec(compile(_git("show", f"{rev}:{MODULE}"), module.__file__, "exec"), module.__dict__)
    return module


def real_table(year: int | None):
    from helpers.disclosure import disclosed
    from helpers.indicators.years import default_year
    from helpers.publish import tables
    from helpers.runner.release import table_notes
    from helpers.sections.lookback import first_year_shown
    from helpers.sections.parameters import available_report_years

    year = year or default_year(available_report_years())
    first = first_year_shown(year)
    frame = tables._checked(disclosed.table_frame(first, year))
    return year, frame, table_notes(year, first)


def peak_mib(write) -> float:
    tracemalloc.start()
    try:
        write()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, help="Berichtsjahr (Standard: das Standard-Berichtsjahr)")
    parser.add_argument("--old", help="Commit der alten tables.py (Standard: der letzte ohne write-only)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from helpers.publish import tables as new

    rev = args.old or old_revision()
    old = load_old(rev)
    year, frame, notes = real_table(args.year)
    writers = {"old": lambda: old.workbook_bytes(frame, year, notes), "new": lambda: new.workbook_bytes(frame, year, notes)}
    sizes = {name: len(write()) for name, write in writers.items()}  # warm-up
    times: dict[str, list[float]] = {name: [] for name in writers}
    for _ in range(args.repeats):
        for name, write in writers.items():
            start = time.perf_counter()
            write()
            times[name].append(time.perf_counter() - start)
    peaks = {name: peak_mib(write) for name, write in writers.items()}

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    print(f"Rechner: {cpu}, {os.cpu_count()} Kerne, Python {sys.version.split()[0]}")
    print(f"Tabelle {year}: {len(frame)} Zeilen, {frame['handlungsfeld'].nunique()} Handlungsfelder; alt = {rev[:10]}")
    for name in writers:
        print(f"  {name}: Median {statistics.median(times[name]):.2f} s (min {min(times[name]):.2f} s, "
              f"{args.repeats} Läufe), Spitze {peaks[name]:.1f} MiB, Datei {sizes[name]:,} Bytes")
    print(f"Verhältnis alt/neu: Zeit {statistics.median(times['old']) / statistics.median(times['new']):.2f}, "
          f"Speicher {peaks['old'] / peaks['new']:.2f}")


if __name__ == "__main__":
    main()
