"""One run of the report: `make report [YEAR=2013]` / `python -m helpers.runner --jahr 2013`.

The run in order: the parameters and the plan (helpers.runner.plan), the checks of the staff texts
before any kernel (helpers.runner.gates), the chapters that changed on warm kernels (helpers.runner.
schedulers, helpers.runner.chapter) while the PDF worker and the tables export work beside them
(helpers.runner.alongside), the text check after the chapters, and the release (helpers.runner.
publish_step). Every step records what it finished in the run state (helpers.runner.state), so an
interrupted run keeps it. If a chapter fails, the others still finish, the run names the notebook,
cell and error in one line, exits non-zero and leaves the previous report in view. Every run that got
past its parameters ends with a summary (helpers.runner.summary).

Incremental: a chapter runs again only when its source, the report year, its parameters, the
disclosure rule, the helpers code it can reach or the data changed (content checksums,
helpers.runner.inputs), or its executed file is missing or came from a failed run; the report is
redone only when a part of it changed or an output file is missing or altered. With nothing changed
the run ends after hashing (well under two seconds), which is why no module of the run imports
anything heavy at module level. `--neu` rebuilds all.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from helpers.core import arguments, context, fileio, paths, storelock, texts
from helpers.runner import gates, inputs, plan, publish_step, schedulers
from helpers.runner import state as run_state
from helpers.runner.alongside import Alongside
from helpers.runner.chapter import ChapterResult, Task, warm_modules
from helpers.runner.plan import Plan, longest_first, side_dir
from helpers.runner.state import ChapterRecord, RunState
from helpers.runner.summary import Summary, shown_path
from helpers.runner.values import use_values_cache, values_cache


def _status_line(name: str, seconds: float, status: str) -> None:
    print(f"  {name:<45} {seconds:6.1f} s  {status}", flush=True)


def _report_failures(out: Path, failed: list[ChapterResult]) -> None:
    print(f"\n{len(failed)} Kapitel fehlgeschlagen; kein Bericht erstellt:", file=sys.stderr)
    for r in failed:
        print(f"  {r.notebook}: {r.error}", file=sys.stderr)
        if r.log:
            print(f"    Vollständige Fehlermeldung: {shown_path(Path(r.log))}", file=sys.stderr)
    print(f"  Ausgeführte Notebooks zur Fehlersuche: {out / 'notebooks'}", file=sys.stderr)


def _prepare(p: Plan, state: RunState) -> None:
    """Forget what is about to be rebuilt, before any kernel starts. The report in view stays: it is the
    last complete, checked one, and a new one replaces it only once it is complete and checked
    (helpers.runner.publication); a refused or failed run leaves it untouched."""
    state.report = None
    if not p.tables_ok:
        state.tables = None
    for nb in p.todo:
        state.chapters.pop(nb.name, None)
        shutil.rmtree(side_dir(p.out, nb), ignore_errors=True)
    run_state.save(p.out, state)


def _record_chapter(p: Plan, state: RunState, nb: Path, result: ChapterResult) -> None:
    """A successful chapter counts as built with its key; saved at once, so an interrupted run keeps it."""
    side = side_dir(p.out, nb)
    side_files = [f.relative_to(side).as_posix() for f in side.rglob("*") if f.is_file()]
    state.chapters[nb.name] = ChapterRecord(
        key=p.keys[nb.name], seconds=round(result.seconds, 2),
        output=fileio.sha256_file(p.out / "notebooks" / nb.name),
        side=inputs.checksums(side, side_files), texts=texts.read_log(side))
    run_state.save(p.out, state)


def _kernel_context(p: Plan, nb: Path) -> context.RunContext:
    """What one chapter's kernel works with: this root and city, its own side folder, the year, its name, the
    shared values."""
    return context.RunContext(root=paths.ROOT, city=paths.CITY, outputs=side_dir(p.out, nb), year=p.year,
                              chapter=nb.stem, values_cache=values_cache(p))


def tasks(p: Plan) -> list[Task]:
    """The chapters to run, longest first, each with everything its kernel needs."""
    modules = warm_modules(p.todo)
    return [Task(nb, p.out / "notebooks" / nb.name, _kernel_context(p, nb), plan.chapter_parameters(nb), modules)
            for nb in longest_first(p.todo, p.durations)]


def _execute_all(p: Plan, state: RunState, jobs: int, scheduler: str | None, beside: Alongside,
                 pdf: bool) -> list[ChapterResult]:
    """Run the chapters that changed; meanwhile start the PDF worker and export the tables if their inputs
    changed (in a thread of its own, so that each chapter is converted and its PDF part queued as soon as
    it finishes, not after the export)."""
    results = []
    by_name = {nb.name: nb for nb in p.todo}
    for result in schedulers.run_tasks(tasks(p), jobs, scheduler, lambda: beside.start(p, pdf)):
        results.append(result)
        if not result.error:
            _record_chapter(p, state, by_name[result.notebook], result)
        _status_line(result.notebook, result.seconds, "FEHLER" if result.error else "ok")
        if not result.error:
            beside.chapter_done(p, by_name[result.notebook])
    if beside.exporting:
        beside.record_tables(p, state)
    return results


def _execute_and_publish(p: Plan, state: RunState, jobs: int, scheduler: str | None, pdf: bool, final: bool,
                         summary: Summary) -> int:
    """The chapters, the text check after them and the release; 0 published, 1 failed or refused."""
    beside = Alongside()
    try:
        results = _execute_all(p, state, jobs, scheduler, beside, pdf)
        failed = [r for r in results if r.error]
        summary.failed = len(failed)
        if failed:
            _report_failures(p.out, failed)
            return 1
        publish_step.stage_side_outputs(p)  # the chapters' records, which the texts' typed numbers are checked against
        findings = gates.text_findings(p, final)
        state.hints = findings.hints  # for a run with nothing to do
        run_state.save(p.out, state)
        if gates.findings_refused(findings, summary):
            return 1
        durations = {nb.name: state.chapters[nb.name].seconds for nb in p.notebooks}
        beside.wait_for_profiles()
        if not publish_step.publish(p, state, durations, beside.table, beside.pdf_worker, pdf):
            return 1
        summary.published = True
    finally:
        beside.close()
    return 0


def _nothing_to_do(p: Plan, state: RunState, summary: Summary, final: bool) -> int:
    """The report in view is up to date; a release still checks the texts against it."""
    if final and gates.findings_refused(gates.text_findings(p, final), summary):
        return 1
    if not final:
        summary.hints = list(state.hints)
    summary.unchanged = True
    print(f"Nichts zu tun: Berichtsjahr {p.year}, {len(p.notebooks)} Kapitel, Daten, Code und Notebooks "
          "unverändert", flush=True)
    return 0


def _run_planned(p: Plan, state: RunState, summary: Summary, jobs: int | None, scheduler: str | None, pdf: bool,
                 final: bool) -> int:
    if final and gates.unfinished_refused(p.year, summary.texts):
        return 1
    if not p.nothing_to_do and state.texts_checked != p.texts_key:
        if gates.texts_refused(p.year):
            return 1
        state.texts_checked = p.texts_key  # saved with the state below
    if p.nothing_to_do:
        return _nothing_to_do(p, state, summary, final)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(p.todo) or 1))
    where = f" (Scheduler {scheduler})" if scheduler else f" ({jobs} parallel)" if p.todo else ""
    print(f"Berichtsjahr {p.year}: {len(p.todo)} von {len(p.notebooks)} Kapiteln werden ausgeführt{where}, "
          f"{len(p.notebooks) - len(p.todo)} unverändert", flush=True)
    _prepare(p, state)
    for nb in p.notebooks:
        if nb not in p.todo:
            _status_line(nb.name, state.chapters[nb.name].seconds, "unverändert")
    summary.ran = len(p.todo)
    with use_values_cache(p):
        return _execute_and_publish(p, state, jobs, scheduler, pdf, final, summary)


def _run(year: int | None, notebooks: list[Path] | None, chapters: list[str] | None, pdf: bool, force: bool,
         scheduler: str | None, final: bool, started: float, jobs: int | None = None, profile_pdf: bool = False) -> int:
    try:
        p, state = plan.plan_run(year, notebooks, chapters, pdf, force, profile_pdf)
    except ValueError as exc:  # ParameterError (helpers.sections.parameters) is a ValueError
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    summary = Summary(p.year, p.out, len(p.notebooks), texts=gates.text_state(p.year))
    code = _run_planned(p, state, summary, jobs, scheduler, pdf, final)
    if not summary.published and not summary.unchanged:
        publish_step.clear_staging(p.out)  # nothing of this run is half in view
    summary.seconds = time.perf_counter() - started
    summary.print()
    return code


def run(year: int | None = None, jobs: int | None = None, notebooks: list[Path] | None = None,
        chapters: list[str] | None = None, pdf: bool = True, force: bool = False,
        scheduler: str | None = None, final: bool = False, profile_pdf: bool = False) -> int:
    """Bring the report of one year up to date: 0 done, 1 a chapter or a check failed, 2 bad parameters.

    `final`: the checks of a release (helpers.runner.edition): refused while a staff text is a draft or an
    example, and every hint of the text check (a typed number that is not the value at its place, a
    placeholder that shows no number) stops it. Every run that got past its parameters ends with a
    summary (helpers.runner.summary); one that publishes nothing leaves the previous report in view.

    `profile_pdf`: also the area profiles as one PDF (helpers.publish.profiles_pdf; with `pdf` only).
    """
    started = time.perf_counter()
    # From the checksums of the inputs to the last page, every process of the run reads one state of the
    # store: an ingest's commit waits for the run (helpers.core.storelock), and it for a commit in progress.
    try:
        with storelock.reading(paths.DATA, say=lambda text: print(text, flush=True)):
            return _run(year, notebooks, chapters, pdf, force, scheduler, final, started, jobs, profile_pdf)
    except storelock.Busy as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    """The command line of `make report` (German options; English aliases for the old ones)."""
    parser = arguments.ArgumentParser(description="Integrationsmonitoring-Bericht erstellen (nur Geändertes wird neu gebaut)")
    parser.add_argument("--jahr", "--year", dest="year", metavar="JAHR", type=int, default=None,
                        help="Berichtsjahr (Standard: default_year in config/monitoring.yml)")
    parser.add_argument("--jobs", type=int, default=None, help="parallele Kernel (Standard: Zahl der Kerne)")
    parser.add_argument("--kapitel", nargs="*", default=None,
                        help="nur diese Kapitel (Dateiname oder Nummer, z. B. 00 02); Standard: alle")
    parser.add_argument("--ohne-pdf", action="store_true", help="kein PDF erzeugen (schneller beim Arbeiten)")
    parser.add_argument("--profil-pdf", "--profile-pdf", dest="profile_pdf", action="store_true",
                        help="auch die Gebietsprofile als ein PDF (stadtteilprofile_<jahr>.pdf) erzeugen; dauert "
                             "ein Vielfaches des Berichts-PDF, make release erzeugt es immer")
    parser.add_argument("--neu", "--force", dest="force", action="store_true",
                        help="alles neu ausführen, auch unveränderte Kapitel, Tabellen und Bericht")
    parser.add_argument("--endgueltig", "--final", dest="final", action="store_true",
                        help="die Prüfungen einer Ausgabe, ohne eine zu schreiben (make release schreibt sie): keine "
                             "Entwürfe und keine Beispieltexte unter den Texten der Verwaltung, kein Hinweis der "
                             "Textprüfung")
    parser.add_argument("--scheduler", default=None, metavar="tcp://host:port",
                        help="Kapitel auf einem laufenden Dask-Scheduler ausführen statt lokal; die Worker "
                             "brauchen dieses Projekt installiert und dasselbe Dateisystem (gleiche Pfade)")
    args = parser.parse_args(argv)
    return run(args.year, args.jobs, chapters=args.kapitel, pdf=not args.ohne_pdf, force=args.force,
               scheduler=args.scheduler, final=args.final, profile_pdf=args.profile_pdf)
