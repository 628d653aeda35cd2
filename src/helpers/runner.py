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

from helpers import paths, publication

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


def select_notebooks(names: list[str] | None) -> list[Path]:
    """Chapters by file name or its leading number ("02", "02_arbeit_und_wirtschaft"); all when empty."""
    from helpers.notebook import ParameterError

    every = chapter_notebooks()
    if not names:
        return every
    chosen = []
    for name in names:
        hits = [nb for nb in every if nb.stem == name or nb.name == name or nb.stem.split("_", 1)[0] == name]
        if not hits:
            raise ParameterError(f"Unbekanntes Kapitel {name!r}. Verfügbar: {', '.join(nb.stem for nb in every)}.")
        chosen += [nb for nb in hits if nb not in chosen]
    return sorted(chosen)


def execute(notebook: Path, target: Path, year: int) -> Result:
    """Run one notebook with papermill; the output is moved into place even on failure (for debugging)."""
    import papermill as pm

    from helpers.io import atomic_path
    from helpers.published import CHAPTER_ENV

    os.environ[CHAPTER_ENV] = notebook.stem  # the kernel records its published cells under this name
    os.environ["IM_REPORT_YEAR"] = str(year)
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


#: Files of a finished run; removed at the start so a failed run never leaves one that looks complete.
RESULT_FILES = ("report.html", "report.pdf", "manifest.json")


def _clear_previous(out: Path) -> None:
    import shutil

    for name in RESULT_FILES:
        (out / name).unlink(missing_ok=True)
    for folder in ("published", "tables"):
        shutil.rmtree(out / folder, ignore_errors=True)


def run(year: int | None = None, jobs: int | None = None, notebooks: list[Path] | None = None,
        chapters: list[str] | None = None, pdf: bool = True) -> int:
    from helpers.notebook import ParameterError

    try:
        year = check_year(year)
        notebooks = notebooks or select_notebooks(chapters)
    except ParameterError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    out = paths.year_outputs(year)
    _clear_previous(out)
    os.environ["IM_OUTPUTS"] = str(paths.OUTPUTS)  # kernels write their tables where this run writes
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(notebooks)))
    print(f"Berichtsjahr {year}: {len(notebooks)} Kapitel, {jobs} parallel")
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(execute, nb, out / "notebooks" / nb.name, year) for nb in notebooks]
        table = publication.export_tables(year, out)  # meanwhile, in this process
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
    executed = [out / "notebooks" / nb.name for nb in notebooks]
    if not publication.finish(year, out, executed, table, {r.notebook: r.seconds for r in results},
                              [nb.stem for nb in notebooks], pdf=pdf):
        return 1
    print(f"Bericht: {out / 'report.html'} ({time.perf_counter() - started:.1f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Integrationsmonitoring-Bericht erstellen")
    parser.add_argument("--year", type=int, default=None, help="Berichtsjahr (Standard: letztes Jahr mit Daten)")
    parser.add_argument("--jobs", type=int, default=None, help="parallele Kernel (Standard: Zahl der Kerne)")
    parser.add_argument("--kapitel", nargs="*", default=None,
                        help="nur diese Kapitel (Dateiname oder Nummer, z. B. 00 02); Standard: alle")
    parser.add_argument("--ohne-pdf", action="store_true", help="kein PDF erzeugen (schneller beim Arbeiten)")
    args = parser.parse_args(argv)
    return run(args.year, args.jobs, chapters=args.kapitel, pdf=not args.ohne_pdf)


if __name__ == "__main__":
    raise SystemExit(main())
