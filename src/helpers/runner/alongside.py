"""What the run's main process does while the kernels work: the PDF worker, the tables export, parts ahead.

On two cores a clean run is bound by CPU time, so nothing waits for the last chapter that need not:
once the chapters are submitted, the PDF worker starts and sets the closing pages, the tables are
exported (in a thread), the area profiles staged and checked in a niced process of their own
(ProfilesProcess), and each finished chapter is converted to its part of the report
(helpers.publish.stitch.prepare_chapter), its PDF part queued (helpers.publish.pdf.prerender) and its numbers
read for the manifest (helpers.publish.manifest.cached_chapter_numbers).
After the last chapter, stitching and rendering find those parts in their caches and do only the
rest. Everything here is a head start: a part that fails to convert is converted again (and its
error reported) by the release. Heavy imports stay inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from helpers.core import paths
from helpers.runner import inputs
from helpers.runner import state as run_state
from helpers.runner.plan import Plan
from helpers.runner.state import RunState, TablesRecord


@dataclass
class Alongside:
    """What runs beside the kernels, and what it leaves for the release."""

    pdf_worker: object | None = None  # helpers.runner.release.PdfWorker, when the run makes a PDF
    export: Future | None = None  # the tables export while it runs (_export_tables)
    table: object | None = None  # the exported tables' frame, once the export is done
    profiles: ProfilesProcess | None = None  # stages and checks the area profiles once the tables are exported

    @property
    def exporting(self) -> bool:
        return self.export is not None

    def start(self, p: Plan, pdf: bool) -> None:
        """Start the PDF worker and the tables export (if their inputs changed); import what the release needs."""
        if pdf:
            from helpers.runner.release import PdfWorker

            # a second process pays off only when several chapters finish and have their parts rendered ahead
            self.pdf_worker = PdfWorker(processes=1 if len(p.todo) <= 1 else None)
            _prepare_closing(p, self.pdf_worker)
        if not p.tables_ok:
            self.profiles = ProfilesProcess()
            self.export = _in_thread(_export_tables, p, self.profiles)
        from helpers.publish import stitch  # noqa: F401 - import (nbconvert) while the kernels work
        from helpers.runner import release  # noqa: F401 - import (pandas) while the kernels work

    def chapter_done(self, p: Plan, nb: Path) -> None:
        """Convert the finished chapter, queue its PDF part and read its numbers for the manifest."""
        prepare_part(p, nb, self.pdf_worker, exporting=self.exporting)
        read_numbers(p, nb)

    def record_tables(self, p: Plan, state: RunState) -> None:
        """Wait for the tables export (its error, if any, is raised here) and note what it wrote."""
        from helpers.runner import release

        export, self.export = self.export, None
        self.table, files = export.result()
        # Checksums of the staged files: they count once published at the same names in outputs/<city>/<year>/.
        state.tables = TablesRecord(p.tables_key, inputs.checksums(release.staging_dir(p.out), files))
        run_state.save(p.out, state)

    def wait_for_profiles(self) -> None:
        """Keep the profiles' findings for the release's check once their process is done (the release stages and
        checks them itself if it failed)."""
        if self.profiles is not None:
            self.profiles.keep_findings()

    def close(self) -> None:
        """End the PDF worker's and the profiles' processes (the release has used them, or the run stopped before)."""
        if self.pdf_worker is not None:
            self.pdf_worker.close()
        if self.profiles is not None:
            self.profiles.close()


class ProfilesProcess:
    """The area profiles staged and checked in a process of its own (helpers.runner.release.profiles_ahead),
    started as soon as the tables are exported: about 4 CPU seconds for Münster's 45 profiles that ran in the
    main process beside the kernels, competing with them for the two cores. The process is niced, so it takes a
    core where one is free (between chapters, while the last chapter runs alone); it is forked like the PDF
    worker, and so starts with the values the export computed."""

    def __init__(self) -> None:
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(max_workers=1)
        self._job: Future | None = None

    def start(self, out: Path, year: int) -> None:
        from helpers.runner import release

        self._job = self._pool.submit(release.profiles_ahead, out, year)

    def keep_findings(self) -> None:
        """Wait for the process and hand its findings to the checker; an error leaves the work to the release."""
        from helpers.disclosure import checker

        job, self._job = self._job, None
        try:
            done = job.result() if job is not None else None
        except Exception:  # noqa: BLE001 - only a head start: the release stages, checks and reports it again
            return
        if done is not None:
            checker.keep_profile_findings(*done)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _in_thread(function: Callable, *args: object) -> Future:
    """A future of function(*args) running in a thread of its own."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="im-export")
    try:
        return pool.submit(function, *args)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one job


def _export_tables(p: Plan, profiles: ProfilesProcess) -> tuple[object, list[str]]:
    """Stage the year's tables (helpers.runner.release.export_tables) and start the profiles' process on them; the
    frame and the staged files' names."""
    from helpers.runner import release

    table = release.export_tables(p.year, p.out)
    release.save_table_frame(p.out, table)
    profiles.start(p.out, p.year)  # while the chapters run; the release finds them staged and checked
    return table, [f"tables/{f.name}" for f in release.table_files(p.out, p.year)]


def _render_ahead(p: Plan, pdf_worker: object, part: tuple[str, str, str]) -> None:
    """Queue one part (head, body, tail) on the PDF worker, in the cache and with the base the report's
    rendering uses (helpers.runner.release.finish), so that it finds the part there."""
    from helpers.runner import publication

    base_url = publication.staging_dir(p.out).resolve().as_uri() + "/"
    pdf_worker.prerender(*part, paths.work_dir(p.out) / "pdf", base_url)


def _prepare_closing(p: Plan, pdf_worker: object) -> None:
    """Have the PDF worker set the closing pages first: they do not depend on the chapters' results."""
    from helpers.publish import stitch

    try:
        part = stitch.prepare_closing(p.year, paths.work_dir(p.out) / "html")
    except Exception:  # noqa: BLE001 - only a head start: the stitching makes them again and reports the error
        return
    _render_ahead(p, pdf_worker, part)


def read_numbers(p: Plan, nb: Path) -> None:
    """Read the finished chapter's numbers into the manifest's cache (helpers.publish.manifest), which the
    release's manifest reads from there: otherwise they are read after the last chapter, one chapter after
    the other, while nothing else runs."""
    from helpers.publish import manifest

    try:
        manifest.cached_chapter_numbers(p.out / "notebooks" / nb.name, paths.work_dir(p.out) / "numbers")
    except Exception:  # noqa: BLE001 - only a head start: the manifest reads the chapter again and reports the error
        return


def prepare_part(p: Plan, nb: Path, pdf_worker: object | None, exporting: bool = False) -> None:
    """Convert a finished chapter to its part of the report, and have the PDF worker render that part,
    while the other chapters still run; after the last chapter, stitching and rendering find them in
    their caches (helpers.publish.stitch, helpers.publish.pdf) and do only the rest.

    `exporting`: the tables export still runs; the part links the files it will write, as the report will.
    """
    from helpers.publish import stitch, tables
    from helpers.runner import publication

    stage = publication.staging_dir(p.out)
    names = stitch.published_tables(stage / "tables", p.out / "tables")
    if exporting:
        names = sorted({*names, *tables.file_names(p.year)})
    try:
        part = stitch.prepare_chapter(p.out / "notebooks" / nb.name, p.year, p.notebooks.index(nb) + 1,
                                      paths.work_dir(p.out) / "html", names)
    except Exception:  # noqa: BLE001 - only a head start: the stitching converts it again and reports the error
        return
    if pdf_worker is not None:
        _render_ahead(p, pdf_worker, part)
