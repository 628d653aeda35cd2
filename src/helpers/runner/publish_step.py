"""The run's last step: stage what the chapters wrote, hand it to the release, record what was published.

The chapters' kernels write their records (published/) and exports (tables/) into side folders of
their own (helpers.runner.plan.side_dir). Staging copies them into the publish folder, where the text
check and the disclosure check read them; the release (helpers.runner.release.finish) stitches, renders,
checks and publishes them with the report, or nothing. The run state then records the passed check and
the report's outputs, so that the next run with nothing changed does nothing.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from helpers.core import fileio, paths
from helpers.runner import inputs
from helpers.runner import state as run_state
from helpers.runner.plan import Plan, side_dir
from helpers.runner.state import ReportRecord, RunState
from helpers.runner.summary import shown_path

#: Files of a finished run; removed at the start of a rebuild so a failed run never leaves one that looks complete.
RESULT_FILES = ("report.html", "report.pdf", "manifest.json")
#: Folders filled from what the chapters' kernels wrote (plus the exported tables).
SIDE_FOLDERS = ("published", "tables")
#: Folders the release writes beside the report (the area profiles, helpers.publish.profiles).
RELEASE_FOLDERS = (paths.PROFILES,)


def stage_side_outputs(p: Plan) -> None:
    """Stage what the chosen chapters recorded (published/) and exported (tables/): the text check and the
    disclosure check read them there, and only a passed check publishes them with the report
    (helpers.runner.publication), so a refused run leaves the records beside the report in view as they were."""
    from helpers.runner import publication

    wanted: dict[str, Path] = {}
    for nb in p.notebooks:
        side = side_dir(p.out, nb) / str(p.year)
        for f in (side.rglob("*") if side.is_dir() else []):
            if f.is_file():
                wanted[f.relative_to(side).as_posix()] = f
    stage = publication.staging_dir(p.out)
    (stage / "published").mkdir(parents=True, exist_ok=True)  # also when no chapter recorded anything
    for f in (stage / "published").rglob("*"):
        if f.is_file() and f.relative_to(stage).as_posix() not in wanted:
            f.unlink()
    for rel, source in wanted.items():
        target = stage / rel
        if not target.is_file() or fileio.sha256_file(target) != fileio.sha256_file(source):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


def _report_outputs(out: Path) -> list[str]:
    """The published report's files, relative to outputs/<city>/<year>/: what the run state keeps checksums of."""
    from helpers.runner import publication

    names = [n for n in RESULT_FILES if (out / n).is_file()] + publication.profile_pdfs(out)
    for folder in (*SIDE_FOLDERS, *RELEASE_FOLDERS):
        names += sorted(f.relative_to(out).as_posix() for f in (out / folder).rglob("*") if f.is_file())
    return names


def _finish(p: Plan, state: RunState, durations: dict[str, float], table: object | None, pdf_worker: object | None,
            pdf: bool) -> bool:
    """release.finish, with an unexpected error (the PDF step, a broken file) reported in one German line
    and its log, like a failed chapter; False if nothing was published."""
    from helpers.runner import release

    executed = [p.out / "notebooks" / nb.name for nb in p.notebooks]
    try:
        if table is None:
            table = release.load_table_frame(p.out)
        return release.finish(p.year, p.out, executed, table, durations, [nb.stem for nb in p.notebooks],
                              pdf=pdf, previous_check=state.check, check_basis=p.tables_key, pdf_worker=pdf_worker,
                              profile_pdf=p.profile_pdf)
    except Exception as exc:  # noqa: BLE001 - reported like a failed chapter, with the traceback in a log
        import traceback

        log = p.out / "logs" / "bericht.log"
        fileio.write_text_atomic(log, "".join(traceback.format_exception(exc)))
        print(f"\nFehler beim Zusammenstellen des Berichts: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"  Vollständige Fehlermeldung: {shown_path(log)}", file=sys.stderr)
        return False


def publish(p: Plan, state: RunState, durations: dict[str, float], table: object | None,
            pdf_worker: object | None, pdf: bool) -> bool:
    """Stitch, render, check and publish (helpers.runner.release.finish); False if nothing was published,
    and the previous report stays in view. The state forgets the last passed check then, and records the
    new check and the report's outputs otherwise."""
    from helpers.runner import release

    if not _finish(p, state, durations, table, pdf_worker, pdf):
        state.check = None
        run_state.save(p.out, state)
        return False
    state.check = release.check_fingerprint(p.out, p.tables_key)
    state.report = ReportRecord(p.report_key, inputs.checksums(p.out, _report_outputs(p.out)))
    run_state.save(p.out, state)
    return True


def clear_staging(out: Path) -> None:
    """Remove the publish folder of a run that published nothing: nothing of it is half in view."""
    from helpers.runner import publication

    shutil.rmtree(publication.staging_dir(out), ignore_errors=True)

