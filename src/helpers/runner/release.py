"""From executed chapters to a publication: tables, HTML and PDF report, disclosure check, manifest.

Nothing a reader opens is written in place. The exported tables, the chapters' own tables, the
HTML, the PDF and the manifest are written into a staging folder (`outputs/<city>/<year>/.work/publish`),
the checker reads them there as a reader would get them, and only a passed check publishes them:
one atomic write of a journal (`.work/publish.json`) lists what moves where and which stale
tables go, then each file is moved into place with `os.replace` – report.html last, so that a
report a reader can open always has its PDF, tables and manifest beside it. A crash before the
journal leaves no new file in view (the next build removes the staging folder and says so); a
crash after it leaves a journal that the next build completes (helpers.runner.publication). A violation removes
the staged files; the report in view (checked when it was published) stays, unless the violation is in
the tables in view themselves.

Rebuilding after one chapter changed should cost little more than that chapter: the PDF
renders in a separate process while the checker runs (only the changed parts, helpers.publish.pdf), the
HTML reuses every unchanged chapter's conversion (helpers.publish.stitch), and the checker re-checks only the
chapters whose records changed when the tables and their inputs are the same as at the last
passed check (`previous_check`, from the run state, helpers.runner.state).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor, wait
from pathlib import Path

import pandas as pd

from helpers.core import areas, catalogue, fileio, paths
from helpers.core import city as city_profile
from helpers.core.model import BREAK_MARK, BREAK_MEANING, FLAGS
from helpers.disclosure import checker, disclosed, register, suppression
from helpers.publish import manifest, tables
from helpers.runner.publication import (
    ENTRY,
    OUTPUT_FILES,
    profile_pdfs,
    publish,
    published_tables,
    records_dir,
    staging_dir,
)
from helpers.runner.state import CheckRecord

#: The exported frame as written, so a run with unchanged tables need not recompute it.
TABLE_FRAME = "table.pkl"


def table_notes(year: int, first_year: int, earlier: Mapping[str, int] | None = None) -> list[tuple[str, str]]:
    """The explanation sheet of the workbook (German); `earlier`: the indicators shown with a year before
    `first_year` (lookback.earlier_years_shown), named with that year."""
    cat = catalogue.load()
    synthetic = [i.name for i in cat.indicators if i.synthetic]
    city = areas.city()
    symbols = "; ".join(f"„{s}“ = {m}" for s, m in FLAGS.items() if s)
    before = "; ".join(f"{cat.indicator(i).name} ({y})" for i, y in (earlier or {}).items())
    also = (f" Dazu aus früheren Jahren die Werte, die der Bericht zeigt, weil die Reihe vor {first_year} endet: "
            f"{before}.") if before else ""
    return [
        ("Inhalt", f"Alle im Integrationsmonitoring {city.short} {year} veröffentlichten Indikatorwerte, "
                   f"{first_year}–{year}, nach Gebiet, Jahr und Gruppe; ein Blatt je Handlungsfeld.{also}"),
        ("Quelle", f"{city_profile.statistics_name()}, und die in jeder Zeile genannten "
                   f"Indikatoren des Katalogs (data/{paths.CITY}/catalogue.yml); Berechnung: Integrationsmonitoring-Werkbank."),
        ("Geheimhaltung", suppression.active_rule().describe()),
        ("Zeichenerklärung", symbols + f"; „r“ = revidiert; „p“ = vorläufig; „{BREAK_MARK}“ (Spalte „Bruch“) = "
                             f"{BREAK_MEANING}."),
        ("Demodaten", (f"Synthetische Demodaten (Spalte „Demodaten“), keine Aussage über {city.short}: "
                       + ", ".join(synthetic) + ".") if synthetic else "Keine synthetischen Demodaten."),
    ]


def export_tables(year: int, out: Path) -> pd.DataFrame:
    """Stage tables/indikatoren_<year>.xlsx and .csv for outputs/<city>/<year>/; return the published frame."""
    from helpers.sections.lookback import earlier_years_shown, first_year_shown  # not blocks: the figures stack

    first, earlier = first_year_shown(year), earlier_years_shown(year)
    frame = disclosed.table_frame(first, year, earlier)
    tables.write_tables(frame, staging_dir(out) / "tables", year, notes=table_notes(year, first, earlier))
    return frame


def stage_profiles(table: pd.DataFrame, year: int, out: Path) -> bool:
    """Stage the area profiles (helpers.publish.profiles) unless those in view are current; True if staged."""
    from helpers.publish import profiles

    return profiles.stage(table, year, out, staging_dir(out))


#: The profiles' process yields to the kernels (nice): it works where a core is free (between chapters, while the
#: last chapter runs alone), not in their time.
PROFILES_NICE = 10


def profiles_ahead(out: Path, year: int) -> tuple[str, list] | None:
    """The profiles' process: stage the area profiles from the exported frame (save_table_frame) and check them;
    (profiles_key, findings) for helpers.disclosure.checker.keep_profile_findings, None if none were staged."""
    os.nice(PROFILES_NICE)
    if not stage_profiles(load_table_frame(out), year, out):
        return None
    tables = [p for p in table_files(out, year) if p.suffix == ".csv"]
    return checker.profile_findings(staging_dir(out) / checker.PROFILES, tables) if tables else None


def table_files(out: Path, year: int) -> list[Path]:
    """The staged files export_tables wrote (other files in tables/ come from chapters)."""
    return sorted((staging_dir(out) / "tables").glob(f"indikatoren_{year}.*"))


def indicator_tables(out: Path) -> list[Path]:
    """The indicator tables this run publishes: the staged ones if it exported them, else the published ones."""
    staged = sorted((staging_dir(out) / "tables").glob("indikatoren_*.csv"))
    return staged or sorted((Path(out) / "tables").glob("indikatoren_*.csv"))


def save_table_frame(out: Path, table: pd.DataFrame) -> None:
    from helpers.core.fileio import write_atomic

    write_atomic(paths.work_dir(out) / TABLE_FRAME, lambda tmp: table.to_pickle(tmp))


def load_table_frame(out: Path) -> pd.DataFrame:
    """The frame of the last export (the runner only reuses it while its files are unchanged)."""
    return pd.read_pickle(paths.work_dir(out) / TABLE_FRAME)


def _withdraw(out: Path, problems: list) -> bool:
    """After a violation nothing of this run is published. The report in view stays (it passed its own
    check) unless the violation is in a table in view (tables this run did not export again, checked
    under today's data and rule): then it leaves view with its tables. True if files in view were removed."""
    out = Path(out)
    re_exported = bool(list((staging_dir(out) / "tables").glob("indikatoren_*.csv")))
    shutil.rmtree(staging_dir(out), ignore_errors=True)
    if re_exported or not any(str(p.file).startswith("tables/") for p in problems):
        return False
    (out / "manifest.json").unlink(missing_ok=True)
    for name in (*OUTPUT_FILES, *profile_pdfs(out)):
        (out / name).unlink(missing_ok=True)
    for path in (out / "tables").glob("*"):
        path.unlink()
    return True


# --- disclosure check, incremental ---------------------------------------------------------------

def check_fingerprint(out: Path, basis: str) -> CheckRecord:
    """What a passed check covered: its basis (data, code, year), the table files and each chapter's records."""
    out = Path(out)
    return CheckRecord(basis,
                       tables={p.name: fileio.sha256_file(p) for p in indicator_tables(out)},
                       records={p.stem: fileio.sha256_file(p)
                                for p in sorted((records_dir(out) / "published").glob("*.csv"))
                                if not fileio.is_temporary(p)})


def check_chapters(year_dir: Path, chapters: list[str], rule: suppression.Rule | None = None) -> list:
    """check_run restricted to the records of some chapters, for tables that passed the check before.

    Primary suppression and consistency with the tables are per record, so the records of
    unchanged chapters against unchanged tables need no second look.
    """
    year_dir = Path(year_dir)
    records = register.read_records(records_dir(year_dir))
    records = records[records["chapter"].isin(chapters)]
    if records.empty:
        return []
    rule = rule or suppression.active_rule()
    ids = set(records["indicator"]) - {""}
    known = {ind.id for ind in catalogue.load().indicators}
    out: list = [checker.Violation("", 0, ind, "Indikator fehlt im Katalog; seine Werte können nicht "
                                                        "geprüft werden.") for ind in sorted(ids - known)]
    stored = checker.stored_cells(ids)
    population = disclosed.population(rule)
    for path in indicator_tables(year_dir):
        frame = checker.read_table_csv(path)
        out += checker.check_consistency(records, frame, f"tables/{path.name}")
    for chapter, rows in records.groupby("chapter", sort=True):
        rows = rows[rows["indicator"] != ""]
        out += checker.check_primary(rows, stored, rule, population, f"published/{chapter}.csv")
    return out


def profiles_dir(out: Path) -> Path:
    """The area profiles this run publishes: the staged ones if it made them, else those in view."""
    staged = staging_dir(out) / checker.PROFILES
    return staged if staged.is_dir() else Path(out) / checker.PROFILES


def check(out: Path, previous: CheckRecord | None = None, basis: str | None = None) -> list:
    """All violations of this run; only the changed chapters' records (and the profiles, if this run made them)
    if the last passed check covered the rest. The numbers the staged report embeds (interactive maps) are read
    every time."""
    report = staging_dir(out) / ENTRY
    if previous is None or basis is None:
        return checker.check_run(out, tables=indicator_tables(out), records_from=records_dir(out),
                                 profiles=profiles_dir(out), report=report)
    current = check_fingerprint(out, basis)
    if previous.basis != basis or previous.tables != current.tables:
        return checker.check_run(out, tables=indicator_tables(out), records_from=records_dir(out),
                                 profiles=profiles_dir(out), report=report)
    changed = [name for name, sha in current.records.items() if previous.records.get(name) != sha]
    tables = [checker.read_table_csv(p) for p in indicator_tables(out)]
    problems = check_chapters(out, changed) + checker.check_embedded(
        report, tables, pair_tables=checker.published_pairs(out, staging_dir(out)))
    staged = staging_dir(out) / checker.PROFILES
    if staged.is_dir():
        problems += checker.checked_profiles(staged, pd.concat(tables, ignore_index=True))
    return problems


# --- the whole step ---------------------------------------------------------------------------------

class PdfWorker:
    """The processes that render the PDF. Started while the chapters run, they have imported WeasyPrint
    and loaded the fonts by the time the first chapter is done; they render each finished chapter's part
    ahead (prerender) and then the report, while the checker runs.

    Two processes on a machine with two or more cores: the parts rendered ahead queue up while the
    chapters run, and one process alone left the other core idle after the last chapter.
    """

    def __init__(self, processes: int | None = None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from helpers.publish import pdf as pdf_writer

        processes = processes or max(1, min(2, os.cpu_count() or 1))
        self._processes = processes
        # The platform's default start method, like the kernel pool: "spawn" would re-run a caller's
        # script that lacks an `if __name__ == "__main__"` guard.
        self._pool = ProcessPoolExecutor(max_workers=processes, initializer=pdf_writer.warm_up)
        self._ahead: list[Future] = []
        self._waiter = ThreadPoolExecutor(max_workers=1)  # queues the report behind the parts rendered ahead
        for _ in range(processes):
            self._pool.submit(int)  # start the processes and their warm-up now, not at the first real job

    def prerender(self, head: str, body: str, tail: str, cache: Path, base_url: str) -> Future:
        """Render one chapter's part ahead of the report (helpers.publish.pdf.prerender), while other
        chapters still run; the report's rendering waits for these and finds them in the cache."""
        from helpers.publish import pdf as pdf_writer

        future = self._pool.submit(pdf_writer.prerender, head, body, tail, cache, base_url)
        self._ahead.append(future)
        return future

    def render(self, html_path: Path, target: Path | None = None, cache: Path | None = None) -> Future:
        """The report's PDF, started once the parts rendered ahead are done (else it would render them
        a second time); returns at once, so the checker runs meanwhile."""
        from helpers.publish import pdf as pdf_writer

        ahead, folder = list(self._ahead), cache or paths.work_dir(Path(html_path).parent) / "pdf"
        if self._processes > 1:  # with one process these would only queue before the report
            # the opening pages' first try needs only the report's HTML: set while the last parts still are
            ahead.append(self._pool.submit(pdf_writer.prerender_opening, html_path, folder))

        def after_the_parts() -> Path:
            wait(ahead)  # a part that failed ahead is rendered (and its error reported) by write_pdf
            if self._processes > 1:  # the page-number layer beside the opening pages' second try
                self._pool.submit(pdf_writer.prerender_overlay, html_path, folder)
            return self._pool.submit(pdf_writer.write_pdf, html_path, target, cache).result()

        return self._waiter.submit(after_the_parts)

    def render_profiles(self, out: Path, folder: Path, target: Path) -> Future:
        """The area profiles' PDF from the pages in `folder` (helpers.publish.profiles_pdf), beside the report's
        PDF and the check; returns at once."""
        from helpers.publish import profiles_pdf

        return self._pool.submit(profiles_pdf.build, out, folder, target)

    def close(self) -> None:
        self._waiter.shutdown(wait=True, cancel_futures=True)
        self._pool.shutdown(wait=True, cancel_futures=True)


def first_year_of(table: pd.DataFrame, year: int) -> int:
    """First year of the look back, read off the exported table (which starts there by construction);
    recomputing it would evaluate every indicator at every level again (about 15 s)."""
    city = table[(table["area_level"] == "stadt") & table["value"].notna()]
    return int(city["year"].min()) if len(city) else year


def finish(year: int, out: Path, executed: list[Path], table: pd.DataFrame, durations: dict[str, float],
           chapters: list[str], pdf: bool = True, previous_check: CheckRecord | None = None,
           check_basis: str | None = None, pdf_worker: PdfWorker | None = None, profile_pdf: bool = False) -> bool:
    """Stitch, render, check and record one run; False (with the reasons printed) if it must not be published.

    `pdf_worker`: a PdfWorker started earlier (the caller closes it); without one, one is started here.
    `profile_pdf`: also the area profiles' PDF (with `pdf`), from the profile pages this run checks (the staged
    ones, or those in view, checked when they were published): it shows nothing the pages do not.
    """
    from helpers.publish import profiles, profiles_pdf, stitch

    first = first_year_of(table, year)
    stage = staging_dir(out)
    stage_profiles(table, year, out)
    html_path = stitch.write_report(executed, year, first, target=stage / ENTRY, cache=paths.work_dir(out) / "html",
                                    table=table)  # the linked view's further series come from the published table
    worker = (pdf_worker or PdfWorker()) if pdf else None
    try:
        rendering = worker.render(html_path, stage / "report.pdf", paths.work_dir(out) / "pdf") if worker else None
        profile_rendering = (worker.render_profiles(out, profiles_dir(out), stage / profiles_pdf.file_name(year))
                             if worker and profile_pdf else None)
        problems = check(out, previous_check, check_basis)
        if rendering:
            rendering.result()
        if profile_rendering:
            profile_rendering.result()
    finally:
        if worker and worker is not pdf_worker:
            worker.close()
    if problems:
        removed = _withdraw(out, problems)
        print(f"\n{len(problems)} Verstoß/Verstöße gegen die Geheimhaltungsregel; Bericht und Tabellen "
              "wurden nicht veröffentlicht:", file=sys.stderr)
        for p in problems[:30]:
            print(f"  {p}", file=sys.stderr)
        if removed:
            print("  Der Bericht und die Tabellen in diesem Ordner wurden entfernt (sie verstoßen selbst gegen die "
                  "Regel).", file=sys.stderr)
        return False
    staged_tables = sorted(f"tables/{p.name}" for p in (stage / "tables").glob("*") if p.is_file())
    keep = not any(name.startswith("tables/indikatoren_") for name in staged_tables)
    outputs = {name: fileio.sha256_file(stage / name) for name in OUTPUT_FILES if (stage / name).is_file()}
    staged_pdfs = profile_pdfs(stage)
    kept_pdfs = [] if (stage / profiles.FOLDER).is_dir() else profile_pdfs(out)  # publish removes those of old pages
    for name in staged_pdfs or kept_pdfs:
        outputs[name] = fileio.sha256_file(stage / name if name in staged_pdfs else out / name)
    for name in published_tables(out, staged_tables, keep):
        outputs[name] = fileio.sha256_file(stage / name if (stage / name).is_file() else out / name)
    for name in profiles.in_view(stage) or profiles.in_view(out):
        outputs[name] = fileio.sha256_file(stage / name if (stage / name).is_file() else out / name)
    params = {"report_year": year, "first_year": first, "chapters": chapters,
              "disclosure_rule": suppression.active_rule().__dict__}
    manifest.write(stage, manifest.build(params, durations, table, executed, outputs,
                                         cache=paths.work_dir(out) / "numbers", profiles=profiles_dir(out)))
    publish(out)
    profiles.published(out)
    return True
