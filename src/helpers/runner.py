"""Build the monitoring report: `make report [YEAR=2013]` / `python -m helpers.runner --year 2013`.

Checks the parameters before any kernel starts, executes every chapter notebook with
papermill (in parallel, one kernel each) into outputs/<year>/notebooks/, then stitches them
into outputs/<year>/report.html. If a chapter fails, the others still finish, the run names
the notebook, cell and error, exits non-zero and leaves no report that looks complete.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from helpers import paths

#: A report year needs some data; what a new year still lacks, the chapters show from the
#: latest earlier year and the summary lists (deliveries rarely arrive complete).
REQUIRED_MEASURES: list[str] = []


@dataclass
class Result:
    notebook: str
    seconds: float
    error: str = ""


def chapter_notebooks(folder: Path | None = None) -> list[Path]:
    """The report's chapters in order: notebooks/NN_*.ipynb."""
    return sorted(p for p in Path(folder or paths.NOTEBOOKS).glob("[0-9][0-9]_*.ipynb"))


def check_year(year: int | None) -> int:
    """Resolve the report year (default: latest with data) or stop with the available years."""
    from helpers.notebook import ParameterError, available_report_years

    years = available_report_years(REQUIRED_MEASURES)
    if year is None:
        return years[-1]
    if year not in years:
        raise ParameterError(
            f"Für das Berichtsjahr {year} liegen keine Daten vor. Verfügbare Jahre: {', '.join(map(str, years))}."
        )
    return year


def _describe_failure(exc: BaseException) -> str:
    import papermill.exceptions as pmx

    if isinstance(exc, pmx.PapermillExecutionError):
        return f"Zelle {exc.exec_count}: {exc.ename}: {exc.evalue}"
    return f"{type(exc).__name__}: {exc}"


def execute(notebook: Path, target: Path, year: int) -> Result:
    """Run one notebook with papermill; the output is moved into place even on failure (for debugging)."""
    import papermill as pm

    from helpers.io import atomic_path

    start = time.perf_counter()
    error = ""
    with atomic_path(target) as tmp:
        try:
            pm.execute_notebook(str(notebook), str(tmp), parameters={"report_year": year}, kernel_name="python3",
                                cwd=str(notebook.parent), progress_bar=False, log_output=False,
                               # outputs are complete by now; a graceful shutdown under load ends in
                               # a SIGINT and a "KeyboardInterrupt caught in kernel" message
                               shutdown_kernel="immediate")
        except Exception as exc:  # noqa: BLE001 - reported per notebook, the others go on
            error = _describe_failure(exc)
    return Result(notebook.name, time.perf_counter() - start, error)


def run(year: int | None = None, jobs: int | None = None, notebooks: list[Path] | None = None) -> int:
    from helpers.notebook import ParameterError

    try:
        year = check_year(year)
    except ParameterError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    notebooks = notebooks or chapter_notebooks()
    out = paths.year_outputs(year)
    report = out / "report.html"
    if report.exists():
        report.unlink()  # never leave an old report that looks like the result of this run
    os.environ["IM_OUTPUTS"] = str(paths.OUTPUTS)  # kernels write their tables where this run writes
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(notebooks)))
    print(f"Berichtsjahr {year}: {len(notebooks)} Kapitel, {jobs} parallel")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(execute, nb, out / "notebooks" / nb.name, year) for nb in notebooks]
        results = []
        for future in futures:
            result = future.result()
            results.append(result)
            status = "FEHLER" if result.error else "ok"
            print(f"  {result.notebook:<45} {result.seconds:6.1f} s  {status}", flush=True)
    failed = [r for r in results if r.error]
    if failed:
        print(f"\n{len(failed)} Kapitel fehlgeschlagen; kein Bericht erstellt:", file=sys.stderr)
        for r in failed:
            print(f"  {r.notebook}: {r.error}", file=sys.stderr)
        print(f"  Ausgeführte Notebooks zur Fehlersuche: {out / 'notebooks'}", file=sys.stderr)
        return 1
    from helpers import report
    from helpers.chapter import first_year_shown

    target = report.write_report([out / "notebooks" / nb.name for nb in notebooks], year, first_year_shown(year))
    print(f"Bericht: {target} ({time.perf_counter() - started:.1f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Integrationsmonitoring-Bericht erstellen")
    parser.add_argument("--year", type=int, default=None, help="Berichtsjahr (Standard: letztes Jahr mit Daten)")
    parser.add_argument("--jobs", type=int, default=None, help="parallele Kernel (Standard: Zahl der Kerne)")
    args = parser.parse_args(argv)
    return run(args.year, args.jobs)


if __name__ == "__main__":
    raise SystemExit(main())
