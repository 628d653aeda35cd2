"""Build the monitoring report: `make report [YEAR=2013]` / `python -m helpers.runner.runner --year 2013`.

Checks the parameters before any kernel starts: the chapters are those declared in
config/monitoring.yml (helpers.core.config), the year must be one a report can be built for
(helpers.indicators.years). Then it executes the chapter notebooks with papermill (in parallel,
one kernel each, each handed its run context, helpers.core.context) into
outputs/<year>/notebooks/, and stitches them into
outputs/<year>/report.html and publishes (helpers.runner.release). If a chapter fails, the others
still finish, the run names the notebook, cell and error in one line (the full traceback goes
to outputs/<year>/logs/<chapter>.log, which the line names), exits non-zero and leaves no report
that looks complete.

Incremental: a chapter runs again only when its source, the report year, its parameters, the
disclosure rule, the helpers code it can reach or the data changed (content checksums,
helpers.runner.buildstate), or its executed file is missing or
came from a failed run; the report is redone only when a part of it changed or an output file
is missing or altered. With nothing changed the run ends after hashing (well under two
seconds), which is why this module imports nothing heavy at module level. `--force` rebuilds all.

Beyond one machine: `--scheduler tcp://host:port` hands the same `execute` jobs to a running
Dask distributed scheduler. Its workers must have this project installed (same environment)
and see the same file system as this process (paths are passed, not files).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from helpers.core import arguments, config, context, fileio, paths, storelock, texts
from helpers.runner import buildstate
from helpers.runner.summary import Summary, TextState, shown_path

#: Files of a finished run; removed at the start of a rebuild so a failed run never leaves one that looks complete.
RESULT_FILES = ("report.html", "report.pdf", "manifest.json")
#: Folders filled from what the chapters' kernels wrote (plus the exported tables).
SIDE_FOLDERS = ("published", "tables")


@dataclass
class Result:
    notebook: str
    seconds: float
    error: str = ""
    log: str = ""  # a failed chapter: the file with its full traceback


@dataclass
class Plan:
    """What this run must do; decided from checksums before anything heavy is imported."""

    year: int
    out: Path
    notebooks: list[Path]
    keys: dict[str, str]
    todo: list[Path]
    tables_key: str
    tables_ok: bool
    report_key: str
    report_ok: bool
    values_key: str = ""
    durations: dict[str, float] = field(default_factory=dict)  # each chapter's seconds in its last successful run
    texts_key: str = ""  # what the check of the staff texts depends on (_texts_refused)

    @property
    def nothing_to_do(self) -> bool:
        return not self.todo and self.tables_ok and self.report_ok


def chapter_notebooks(folder: Path | None = None) -> list[Path]:
    """The report's chapters in the order config/monitoring.yml declares them (each file checked)."""
    folder = Path(folder or paths.NOTEBOOKS)
    return [folder / chapter.notebook for chapter in config.chapters(folder)]


def _chapters_by_name() -> dict[str, config.Chapter]:
    return {chapter.notebook: chapter for chapter in config.load().chapters}


def _parameter_error(message: str) -> Exception:
    from helpers.sections.parameters import (
        ParameterError,  # imports pandas: only when there is an error to raise
    )

    return ParameterError(message)


def _offered_years(inputs: buildstate.Inputs, notebooks: list[Path]) -> dict:
    """The years a report of these chapters can be built for (helpers.indicators.years), with the
    reasons for the others; from the cache of the last run with the same data, configuration and
    rule code, else decided now (about two seconds: stored counts and a few indicators)."""
    names = [nb.name for nb in notebooks]
    key = fileio.digest({"years": inputs.years_key(), "chapters": names})
    found = buildstate.cached_years(paths.OUTPUTS, key)
    if found is None:
        from helpers.indicators import years

        declared = _chapters_by_name()
        needs = {Path(name).stem: declared[name].requires if name in declared else None for name in names}
        found = years.report_years(needs).to_dict()
        buildstate.save_years(paths.OUTPUTS, key, found)
    return found


def _resolve_year(year: int | None, offered: dict) -> int:
    """The requested year, or the default (config default_year, else the latest offered); any other
    year stops here, before any kernel. (The message needs pandas, the answer does not: the
    no-change path stays light.)"""
    available = [int(y) for y in offered["years"]]
    if available and year is None:
        return int(offered.get("default") or available[-1])
    if year in available:
        return year
    from helpers.indicators import years

    if not available and year is None:
        raise _parameter_error("Es liegen keine Daten vor, aus denen sich ein Bericht erstellen lässt.")
    raise _parameter_error(years.refusal(year, years.Availability.from_dict(offered)))


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def failure_log(target: Path) -> Path:
    """Where the full traceback of a failed chapter goes: outputs/<year>/logs/<chapter>.log."""
    return target.parent.parent / "logs" / f"{target.stem}.log"


def _source_cell(executed: Path, cell_index: int) -> int:
    """The failing cell's number (1-based) in the chapter as its author sees it: papermill's
    injected parameter cell, if it comes before, is not counted."""
    import nbformat

    try:
        cells = nbformat.read(executed, as_version=4).cells
    except Exception:  # noqa: BLE001 - the number stays papermill's then
        return cell_index + 1
    # papermill's index counts the cells before it added its two error-marker cells
    cells = [c for c in cells if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    injected = [i for i, c in enumerate(cells) if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    return cell_index + (0 if injected and injected[0] < cell_index else 1)


def _describe_failure(exc: BaseException, notebook: Path, executed: Path) -> tuple[str, str]:
    """The one-line German description of a failed chapter and the text of its log file."""
    import traceback

    import papermill.exceptions as pmx

    if isinstance(exc, pmx.PapermillExecutionError):
        cell = _source_cell(executed, exc.cell_index)
        line = f"Zelle {cell}: {exc.ename}: {exc.evalue}"
        code = "\n".join(f"    {row}" for row in exc.source.splitlines())
        trace = ANSI_ESCAPE.sub("", "\n".join(exc.traceback))
        detail = f"Zelle {cell} des Kapitels (Zählung wie in JupyterLab, von oben):\n{code}\n\n{trace}"
    else:
        line = f"{type(exc).__name__}: {exc}"
        detail = "".join(traceback.format_exception(exc))
    header = (f"Kapitel: {notebook}\nAusgeführtes Notebook (mit Ausgaben bis zum Fehler): {executed}\n"
              f"Fehler: {line}\n\n")
    return line, header + detail + "\n"


def select_notebooks(names: list[str] | None) -> list[Path]:
    """Chapters by file name or its leading number ("02", "02_arbeit_und_wirtschaft"); all declared when empty."""
    every = chapter_notebooks()
    if not names:
        return every
    chosen = []
    for name in names:
        hits = [nb for nb in every if nb.stem == name or nb.name == name or nb.stem.split("_", 1)[0] == name]
        if not hits:
            raise _parameter_error(f"Unbekanntes Kapitel {name!r}. Verfügbar (laut {config.RELATIVE}): "
                                   f"{', '.join(nb.stem for nb in every)}.")
        chosen += [nb for nb in hits if nb not in chosen]
    return [nb for nb in every if nb in chosen]  # in the declared order


def chapter_parameters(notebook: Path) -> dict[str, object]:
    """The papermill parameters of a chapter besides the year: from the configuration when the
    notebook is a declared chapter of this root, none for other notebooks (tests, copies)."""
    declared = _chapters_by_name().get(notebook.name)
    if declared is None or Path(notebook).resolve() != (paths.NOTEBOOKS / notebook.name).resolve():
        return {}
    return dict(declared.parameters)


#: jupyter_client's words for a kernel that never answered its first request: it gave no sign
#: within the start timeout, or its process ended while starting (a passing shortage of memory).
KERNEL_NOT_STARTED = ("didn't respond", "Kernel died before replying to kernel_info")


def _kernel_did_not_start(exc: BaseException) -> bool:
    """Whether a chapter failed before any of its cells ran because its kernel never answered."""
    return isinstance(exc, RuntimeError) and any(words in str(exc) for words in KERNEL_NOT_STARTED)


def execute(notebook: Path, target: Path, run: context.RunContext,
            parameters: dict[str, object] | None = None, modules: tuple[str, ...] = ()) -> Result:
    """Run one notebook with papermill on this worker's warm kernel (helpers.runner.kernels); the
    output is moved into place even on failure (for debugging; papermill's engine writes it when the
    chapter ends, also when it crashed its kernel: helpers.runner.chapter_engine).

    Runs in a local worker process or on a Dask worker, so everything the kernel needs comes in as
    arguments: the run context (root, outputs: the chapter's side folder for its published records
    and exports, year, chapter, shared values cache), set in the kernel before the chapter's first
    cell (helpers.runner.chapter_kernel.begin; the year reaches the chapter only this way, papermill gets
    only the chapter's other parameters), and the modules the build's chapters import (what a
    new kernel imports before its first chapter). A kernel that never answered is replaced once;
    a kernel the chapter crashed is replaced for the next chapter.
    """
    import papermill as pm

    from helpers.core.fileio import atomic_path
    from helpers.runner import chapter_engine, kernels

    start = time.perf_counter()
    error, failure = "", None
    with atomic_path(target) as tmp:
        for attempt in (1, 2):
            kernel = None
            try:
                kernel = kernels.kernel_for(run, notebook.parent, modules)
                kernel.begin(run)
                pm.execute_notebook(str(notebook), str(tmp), parameters=dict(parameters or {}),
                                    kernel_name="python3", km=kernel.km, progress_bar=False, log_output=False,
                                    engine_name=chapter_engine.register())
                error, failure = "", None
            except Exception as exc:  # noqa: BLE001 - reported per notebook, the others go on
                error, failure = "failed", exc
                if kernel is None or not kernel.alive():
                    kernels.discard(kernel)  # the next chapter (or attempt) gets a new kernel
                if attempt == 1 and _kernel_did_not_start(exc):
                    continue  # nothing of the chapter ran yet: one more kernel, then report
            finally:
                if kernel is not None and kernel.km is not None:
                    kernel.end_chapter()
            break
    log = failure_log(target)
    if failure is None:
        log.unlink(missing_ok=True)  # an earlier failure's log would mislead
        return Result(notebook.name, time.perf_counter() - start)
    error, text = _describe_failure(failure, notebook, target)
    fileio.write_text_atomic(log, text)
    return Result(notebook.name, time.perf_counter() - start, error, str(log))


def warm_modules(notebooks: list[Path]) -> tuple[str, ...]:
    """The helpers modules the chapters import, which a warm kernel imports before its first chapter."""
    return tuple(sorted({name for nb in notebooks for name in buildstate.notebook_imports(nb)}))


# --- planning (light: no pandas, no papermill) ----------------------------------------------------

def _side_dir(out: Path, notebook: Path) -> Path:
    """Where one chapter's kernel writes (its context's outputs): published records and exports of that chapter."""
    return paths.work_dir(out) / "side" / notebook.stem


def _notebook_built(entry: dict | None, key: str, out: Path, notebook: Path, inputs: buildstate.Inputs) -> bool:
    """Built with this key by a successful run, the texts it looked for unchanged, and its executed
    file and side outputs intact."""
    if not entry or entry.get("key") != key or not inputs.texts_unchanged(entry.get("texts", {})):
        return False
    return (buildstate.files_match(out / "notebooks", {notebook.name: entry.get("output", "")})
            and buildstate.files_match(_side_dir(out, notebook), entry.get("side", {})))


def plan(year: int, notebooks: list[Path], inputs: buildstate.Inputs, state: dict, pdf: bool,
         force: bool = False) -> Plan:
    out = paths.year_outputs(year)
    keys = {nb.name: inputs.notebook_key(nb.name, year) for nb in notebooks}
    built = state.get("notebooks", {})
    todo = [nb for nb in notebooks if force or not _notebook_built(built.get(nb.name), keys[nb.name], out, nb, inputs)]
    tables_key = inputs.tables_key(year)
    tables = state.get("tables", {})
    tables_ok = not force and tables.get("key") == tables_key and buildstate.files_match(out, tables.get("files", {}))
    report_key = fileio.digest({"year": year, "chapters": [nb.name for nb in notebooks], "notebooks": keys,
                                    "tables": tables_key, "pdf": pdf, "git": buildstate.git_commit(),
                                    "code": inputs.code, "settings": inputs.settings,
                                    "texts": inputs.texts_of(year)})  # the manifest lists them
    report = state.get("report", {})
    report_ok = (not force and not todo and tables_ok and report.get("key") == report_key
                 and bool(report.get("outputs")) and buildstate.files_match(out, report["outputs"]))
    durations = {name: float(entry["seconds"]) for name, entry in built.items() if isinstance(entry.get("seconds"), (int, float))}
    texts_key = fileio.digest({"year": year, "texts": inputs.texts, "data": inputs.data, "code": inputs.code})
    return Plan(year, out, notebooks, keys, todo, tables_key, tables_ok, report_key, report_ok,
                inputs.values_key(), durations, texts_key)


def longest_first(notebooks: list[Path], durations: dict[str, float]) -> list[Path]:
    """The chapters in the order the workers should take them: longest first (by their last run), so
    that the workers finish together instead of one starting the longest chapter last. A chapter never
    run counts as the longest (its time is unknown); ties keep the declared order."""
    longest = max(durations.values(), default=0.0)
    return sorted(notebooks, key=lambda nb: -durations.get(nb.name, longest + 1))


# --- execution --------------------------------------------------------------------------------------

Task = tuple[Path, Path, context.RunContext, dict, tuple[str, ...]]


def _run_local(tasks: list[Task], jobs: int, meanwhile: Callable[[], None]) -> Iterator[Result]:
    """One process (and kernel) per chapter on this machine; results as they finish."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute, *task): task[0] for task in tasks}
        meanwhile()
        for future in as_completed(futures):
            yield _result_of(future, futures[future])


def _run_dask(tasks: list[Task], address: str, meanwhile: Callable[[], None]) -> Iterator[Result]:
    """The same jobs on a Dask distributed scheduler (workers: project installed, same file system)."""
    from distributed import Client, as_completed

    from helpers.runner import kernels

    with Client(address) as client:
        # tasks come longest first; the scheduler follows priorities, not the order of submission
        futures = {client.submit(execute, *task, pure=False, priority=len(tasks) - i): task[0]
                   for i, task in enumerate(tasks)}
        meanwhile()
        try:
            for future in as_completed(list(futures)):
                yield _result_of(future, futures[future])
        finally:
            client.run(kernels.close_all)  # the workers outlive the build; their warm kernels must not


def _result_of(future, notebook: Path) -> Result:
    """A job that died (worker lost, pickling) counts as a failed chapter, not as a crash of the run."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001
        return Result(notebook.name, 0.0, f"{type(exc).__name__}: {exc}")


def values_cache(p: Plan) -> Path:
    """The folder where this run's processes share indicator values: named after the checksums of
    code and data, so nothing in it can be stale (older folders are removed by _use_values_cache)."""
    return paths.work_dir(paths.OUTPUTS) / "values" / p.values_key[:20]


@contextmanager
def _use_values_cache(p: Plan) -> Iterator[None]:
    """Point this process (the tables export, the checker) and its workers at the shared values."""
    folder = values_cache(p)
    for old in folder.parent.glob("*") if folder.parent.is_dir() else []:
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    before = os.environ.get(context.ENV)
    os.environ[context.ENV] = context.current().replace(values_cache=folder).to_json()
    try:
        yield
    finally:  # a caller in the same process (a test, a notebook) must not keep reading this folder
        if before is None:
            os.environ.pop(context.ENV, None)
        else:
            os.environ[context.ENV] = before


def _status_line(name: str, seconds: float, status: str) -> None:
    print(f"  {name:<45} {seconds:6.1f} s  {status}", flush=True)


def _prepare(p: Plan, state: dict) -> None:
    """Forget what is about to be rebuilt, before any kernel starts. The report in view stays: it is the
    last complete, checked one, and a new one replaces it only once it is complete and checked
    (helpers.runner.publication); a refused or failed build leaves it untouched."""
    state.pop("report", None)
    if not p.tables_ok:
        state.pop("tables", None)
    for nb in p.todo:
        state["notebooks"].pop(nb.name, None)
        shutil.rmtree(_side_dir(p.out, nb), ignore_errors=True)
    buildstate.save_state(p.out, state)


def _record_notebook(p: Plan, state: dict, nb: Path, result: Result) -> None:
    """A successful chapter counts as built with its key; saved at once, so an interrupted run keeps it."""
    side = _side_dir(p.out, nb)
    side_files = [f.relative_to(side).as_posix() for f in side.rglob("*") if f.is_file()]
    state["notebooks"][nb.name] = {
        "key": p.keys[nb.name], "seconds": round(result.seconds, 2),
        "output": fileio.sha256_file(p.out / "notebooks" / nb.name),
        "side": buildstate.checksums(side, side_files),
        "texts": texts.read_log(side),
    }
    buildstate.save_state(p.out, state)


def _sync_side_outputs(p: Plan, state: dict) -> None:
    """Stage what the chosen chapters recorded (published/) and exported (tables/): the text check and the
    disclosure check read them there, and only a passed check publishes them with the report
    (helpers.runner.publication), so a refused build leaves the records beside the report in view as they were."""
    from helpers.runner import publication

    wanted: dict[str, Path] = {}
    for nb in p.notebooks:
        side = _side_dir(p.out, nb) / str(p.year)
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
    names = [n for n in RESULT_FILES if (out / n).is_file()]
    for folder in SIDE_FOLDERS:
        names += sorted(f.relative_to(out).as_posix() for f in (out / folder).rglob("*") if f.is_file())
    return names


def _execute_all(p: Plan, state: dict, jobs: int, scheduler: str | None, table_box: dict,
                 pdf: bool) -> list[Result]:
    """Run the chapters that changed; meanwhile start the PDF worker and export the tables if their inputs
    changed (in a thread of its own, so that each chapter is converted and its PDF part queued as soon as
    it finishes, not after the export)."""
    def meanwhile() -> None:
        if pdf:
            from helpers.runner.release import PdfWorker

            # a second process pays off only when several chapters finish and have their parts rendered ahead
            table_box["pdf_worker"] = PdfWorker(processes=1 if len(p.todo) <= 1 else None)
            _prepare_closing(p, table_box["pdf_worker"])
        if not p.tables_ok:
            table_box["export"] = _in_thread(_export_tables, p)
        from helpers.publish import stitch  # noqa: F401 - import (nbconvert) while the kernels work
        from helpers.runner import release  # noqa: F401 - import (pandas) while the kernels work

    modules = warm_modules(p.todo)
    tasks = [(nb, p.out / "notebooks" / nb.name, _kernel_context(p, nb), chapter_parameters(nb), modules)
             for nb in longest_first(p.todo, p.durations)]
    results = []
    runner = (_run_dask(tasks, scheduler, meanwhile) if scheduler else _run_local(tasks, jobs, meanwhile)) if tasks else []
    if not tasks:
        meanwhile()
    by_name = {nb.name: nb for nb in p.todo}
    for result in runner:
        results.append(result)
        if not result.error:
            _record_notebook(p, state, by_name[result.notebook], result)
        _status_line(result.notebook, result.seconds, "FEHLER" if result.error else "ok")
        if not result.error:
            _prepare_part(p, by_name[result.notebook], table_box.get("pdf_worker"), exporting="export" in table_box)
    if "export" in table_box:
        _record_tables(p, state, table_box)
    return results


def _in_thread(function: Callable, *args: object) -> object:
    """A future of function(*args) running in a thread of its own."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="im-export")
    try:
        return pool.submit(function, *args)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one job


def _export_tables(p: Plan) -> tuple[object, list[str]]:
    """Stage the year's tables (helpers.runner.release.export_tables); the frame and the staged files' names."""
    from helpers.runner import release

    table = release.export_tables(p.year, p.out)
    release.save_table_frame(p.out, table)
    return table, [f"tables/{f.name}" for f in release.table_files(p.out, p.year)]


def _record_tables(p: Plan, state: dict, table_box: dict) -> None:
    """Wait for the tables export (its error, if any, is raised here) and note what it wrote."""
    from helpers.runner import release

    table_box["table"], files = table_box.pop("export").result()
    # Checksums of the staged files: they count once published at the same names in outputs/<year>/.
    state["tables"] = {"key": p.tables_key, "files": buildstate.checksums(release.staging_dir(p.out), files)}
    buildstate.save_state(p.out, state)


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


def _prepare_part(p: Plan, nb: Path, pdf_worker: object | None, exporting: bool = False) -> None:
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


def _kernel_context(p: Plan, nb: Path) -> context.RunContext:
    """What one chapter's kernel works with: this root, its own side folder, the year, its name, the shared values."""
    return context.RunContext(root=paths.ROOT, outputs=_side_dir(p.out, nb), year=p.year, chapter=nb.stem,
                              values_cache=values_cache(p))


@dataclass(frozen=True)
class TextProblem:
    """One finding of the text check as the runner reports it (helpers.disclosure.textcheck.Problem)."""

    message: str
    fatal: bool
    kind: str


def _text_problems(p: Plan, final: bool) -> list[TextProblem]:
    """The year's staff texts against what the report shows (the chapters' records in out/published):
    typed numbers that match no number at their place or not the area their sentence names, placeholders
    that show no number, texts no chapter shows (fatal if the setting or a release says so), typed
    numbers that reveal a hidden value (always fatal)."""
    from helpers.disclosure import register, textcheck
    from helpers.runner import publication

    stop = final or config.load().typed_numbers == "abbrechen"
    records = register.read_records(publication.records_dir(p.out))
    shown_in: dict[str, set[str]] = {}  # text (relative to data/) -> chapters that show it
    for nb in p.notebooks:
        for name, checksum in texts.read_log(_side_dir(p.out, nb)).items():
            if checksum:
                shown_in.setdefault(name, set()).add(nb.stem)
    every_chapter = [nb.name for nb in p.notebooks] == [nb.name for nb in chapter_notebooks()]
    try:
        return [TextProblem(str(problem), problem.fatal, problem.kind)
                for problem in textcheck.check(p.year, stop, shown=records if len(records) else None,
                                               shown_in=shown_in if every_chapter else None, final=final)]
    except texts.TextError as err:
        return [TextProblem(str(err), True, "text")]


def _report_text_problems(problems: list[TextProblem], summary: Summary) -> bool:
    """Print hints as the run's own lines and the fatal problems as the failure; True if any is fatal."""
    summary.hints = [(problem.kind, problem.message) for problem in problems]
    for problem in problems:
        if not problem.fatal:
            print(f"  Hinweis: {problem.message}", flush=True)
    fatal = [problem.message for problem in problems if problem.fatal]
    if fatal:
        print(f"\n{len(fatal)} Problem(e) in den Texten der Verwaltung (data/texte/); kein Bericht erstellt:", file=sys.stderr)
        for message in fatal:
            print(f"  {message}", file=sys.stderr)
    return bool(fatal)


def _texts_refused(year: int) -> bool:
    """A text that cannot be used (misplaced, unknown name, bad front matter, an image, a placeholder naming
    something unknown) stops the run before any kernel starts, with one message instead of one failed
    chapter per text place.

    The run checks again only when a text, the data (the catalogue's names) or the code changed since the
    last check passed (Plan.texts_key): the check imports the catalogue and with it pandas, about a second
    before the first kernel can start, which a rebuild after a notebook edit would otherwise wait for."""
    from helpers.core import catalogue
    from helpers.disclosure import citations

    cat = catalogue.load()
    try:
        for text in texts.load(year, {h.id for h in cat.handlungsfelder}, {i.id for i in cat.indicators}):
            citations.references(text)  # every placeholder names a known indicator, group, year and area
    except texts.TextError as err:
        print(f"Fehler in den Texten der Verwaltung: {err}", file=sys.stderr)
        return True
    return False


def _unfinished_refused(year: int, state: TextState) -> bool:
    """A release refuses texts not yet released and example texts (also released ones), naming them
    (before any kernel starts)."""
    def listed(files: list[str]) -> None:
        for name in files:
            print(f"  {shown_path(paths.ROOT / name)}", file=sys.stderr)

    if state.drafts:
        print(f"Fehler: Eine Ausgabe für {year} ist nicht möglich, solange Texte Entwürfe sind:", file=sys.stderr)
        listed(state.drafts)
        print(f"  Freigeben mit: integrationsmonitoring texts freigeben --jahr {year} (make texts-release YEAR={year})",
              file=sys.stderr)
    if state.examples:
        print(f"Fehler: Eine Ausgabe für {year} ist nicht möglich, solange Beispieltexte der Demodaten darunter sind "
              "(Kopf „beispiel: true“):", file=sys.stderr)
        listed(state.examples)
        print("  Bitte durch eigene Texte ersetzen (und „beispiel: true“ aus dem Kopf entfernen) oder löschen.",
              file=sys.stderr)
    return bool(state.drafts or state.examples)


def _report_failures(out: Path, failed: list[Result]) -> None:
    print(f"\n{len(failed)} Kapitel fehlgeschlagen; kein Bericht erstellt:", file=sys.stderr)
    for r in failed:
        print(f"  {r.notebook}: {r.error}", file=sys.stderr)
        if r.log:
            print(f"    Vollständige Fehlermeldung: {shown_path(Path(r.log))}", file=sys.stderr)
    print(f"  Ausgeführte Notebooks zur Fehlersuche: {out / 'notebooks'}", file=sys.stderr)


def _publish(p: Plan, state: dict, durations: dict[str, float], side: dict, pdf: bool) -> bool:
    """Stitch, render, check and publish (helpers.runner.release.finish); False if nothing was published.
    An unexpected error (the PDF step, a broken file) is reported in one German line with its log, like a
    failed chapter, and the previous report stays in view."""
    from helpers.runner import release

    table = side.get("table")
    executed = [p.out / "notebooks" / nb.name for nb in p.notebooks]
    previous_check = state.get("check")
    try:
        if table is None:
            table = release.load_table_frame(p.out)
        published = release.finish(p.year, p.out, executed, table, durations, [nb.stem for nb in p.notebooks],
                                   pdf=pdf, previous_check=previous_check, check_basis=p.tables_key,
                                   pdf_worker=side.get("pdf_worker"))
    except Exception as exc:  # noqa: BLE001 - reported like a failed chapter, with the traceback in a log
        import traceback

        log = p.out / "logs" / "bericht.log"
        fileio.write_text_atomic(log, "".join(traceback.format_exception(exc)))
        print(f"\nFehler beim Zusammenstellen des Berichts: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"  Vollständige Fehlermeldung: {shown_path(log)}", file=sys.stderr)
        published = False
    if not published:
        state.pop("check", None)
        buildstate.save_state(p.out, state)
        return False
    state["check"] = release.check_fingerprint(p.out, p.tables_key)
    state["report"] = {"key": p.report_key, "outputs": buildstate.checksums(p.out, _report_outputs(p.out))}
    buildstate.save_state(p.out, state)
    return True


def report_year(year: int | None) -> int:
    """The year a run for `year` builds: the year itself, or the default (ValueError when none can be built)."""
    notebooks = select_notebooks(None)
    parameters = {nb.name: json.dumps(chapter_parameters(nb), sort_keys=True, ensure_ascii=False) for nb in notebooks}
    inputs = buildstate.collect_inputs(notebooks, parameters=parameters, cache=paths.work_dir(paths.OUTPUTS),
                                       config_file=paths.CONFIG_YAML)
    return _resolve_year(year, _offered_years(inputs, notebooks))


def _plan_run(year: int | None, notebooks: list[Path] | None, chapters: list[str] | None, pdf: bool,
              force: bool) -> tuple[Plan, dict]:
    """Check the parameters and decide what to do, from checksums and the state of earlier runs."""
    notebooks = notebooks or select_notebooks(chapters)
    parameters = {nb.name: json.dumps(chapter_parameters(nb), sort_keys=True, ensure_ascii=False) for nb in notebooks}
    inputs = buildstate.collect_inputs(notebooks, parameters=parameters, cache=paths.work_dir(paths.OUTPUTS),
                                       config_file=paths.CONFIG_YAML)
    year = _resolve_year(year, _offered_years(inputs, notebooks))
    from helpers.runner import publication

    for line in publication.recover(paths.year_outputs(year)):  # what a crashed run left, before deciding what to do
        print(line, flush=True)
    state = buildstate.load_state(paths.year_outputs(year))
    return plan(year, notebooks, inputs, state, pdf, force), state


def _text_state(year: int) -> TextState:
    try:
        return TextState.of_year(year)
    except texts.TextError:
        return TextState()  # a broken front matter: _texts_refused names it


def run(year: int | None = None, jobs: int | None = None, notebooks: list[Path] | None = None,
        chapters: list[str] | None = None, pdf: bool = True, force: bool = False,
        scheduler: str | None = None, final: bool = False) -> int:
    """Build (or bring up to date) the report of one year: 0 done, 1 a chapter or a check failed, 2 bad parameters.

    `final`: the checks of a release (helpers.runner.edition): refused while a staff text is a draft or an
    example, and every hint of the text check (a typed number that is not the value at its place, a
    placeholder that shows no number) stops it. Every run that got past its parameters ends with a
    summary (helpers.runner.summary); one that publishes nothing leaves the previous report in view.
    """
    started = time.perf_counter()
    # From the checksums of the inputs to the last page, every process of the build reads one state of the
    # store: an ingest's commit waits for the build (helpers.core.storelock), and it for a commit in progress.
    try:
        with storelock.reading(paths.DATA, say=lambda text: print(text, flush=True)):
            return _run(year, notebooks, chapters, pdf, force, scheduler, final, started, jobs)
    except storelock.Busy as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1


def _run(year: int | None, notebooks: list[Path] | None, chapters: list[str] | None, pdf: bool, force: bool,
         scheduler: str | None, final: bool, started: float, jobs: int | None = None) -> int:
    try:
        p, state = _plan_run(year, notebooks, chapters, pdf, force)
    except ValueError as exc:  # ParameterError (helpers.sections.parameters) is a ValueError
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    summary = Summary(p.year, p.out, len(p.notebooks), texts=_text_state(p.year))
    code = _run_planned(p, state, summary, jobs, scheduler, pdf, final)
    if not summary.published and not summary.unchanged:
        from helpers.runner import publication

        shutil.rmtree(publication.staging_dir(p.out), ignore_errors=True)  # nothing of this run is half in view
    summary.seconds = time.perf_counter() - started
    summary.print()
    return code


def _run_planned(p: Plan, state: dict, summary: Summary, jobs: int | None, scheduler: str | None, pdf: bool,
                 final: bool) -> int:
    if final and _unfinished_refused(p.year, summary.texts):
        return 1
    if not p.nothing_to_do and state.get("texts_checked") != p.texts_key:
        if _texts_refused(p.year):
            return 1
        state["texts_checked"] = p.texts_key  # saved with the state below
    if p.nothing_to_do:
        if final and _report_text_problems(_text_problems(p, final), summary):
            return 1
        if not final:
            summary.hints = [(str(kind), str(message)) for kind, message in state.get("hints", [])]
        summary.unchanged = True
        print(f"Nichts zu tun: Berichtsjahr {p.year}, {len(p.notebooks)} Kapitel, Daten, Code und Notebooks "
              "unverändert", flush=True)
        return 0
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(p.todo) or 1))
    where = f" (Scheduler {scheduler})" if scheduler else f" ({jobs} parallel)" if p.todo else ""
    print(f"Berichtsjahr {p.year}: {len(p.todo)} von {len(p.notebooks)} Kapiteln werden ausgeführt{where}, "
          f"{len(p.notebooks) - len(p.todo)} unverändert", flush=True)
    _prepare(p, state)
    for nb in p.notebooks:
        if nb not in p.todo:
            _status_line(nb.name, state["notebooks"][nb.name]["seconds"], "unverändert")
    summary.ran = len(p.todo)
    with _use_values_cache(p):
        return _build(p, state, jobs, scheduler, pdf, final, summary)


def _build(p: Plan, state: dict, jobs: int, scheduler: str | None, pdf: bool, final: bool, summary: Summary) -> int:
    side: dict = {}  # what runs alongside the kernels leaves its results here
    try:
        results = _execute_all(p, state, jobs, scheduler, side, pdf)
        failed = [r for r in results if r.error]
        summary.failed = len(failed)
        if failed:
            _report_failures(p.out, failed)
            return 1
        _sync_side_outputs(p, state)  # the chapters' records, which the texts' typed numbers are checked against
        problems = _text_problems(p, final)
        state["hints"] = [[problem.kind, problem.message] for problem in problems]  # for a run with nothing to do
        buildstate.save_state(p.out, state)
        if _report_text_problems(problems, summary):
            return 1
        durations = {nb.name: state["notebooks"][nb.name]["seconds"] for nb in p.notebooks}
        if not _publish(p, state, durations, side, pdf):
            return 1
        summary.published = True
    finally:
        if "pdf_worker" in side:
            side["pdf_worker"].close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Integrationsmonitoring-Bericht erstellen (nur Geändertes wird neu gebaut)")
    parser.add_argument("--jahr", "--year", dest="year", metavar="JAHR", type=int, default=None,
                        help="Berichtsjahr (Standard: default_year in config/monitoring.yml)")
    parser.add_argument("--jobs", type=int, default=None, help="parallele Kernel (Standard: Zahl der Kerne)")
    parser.add_argument("--kapitel", nargs="*", default=None,
                        help="nur diese Kapitel (Dateiname oder Nummer, z. B. 00 02); Standard: alle")
    parser.add_argument("--ohne-pdf", action="store_true", help="kein PDF erzeugen (schneller beim Arbeiten)")
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
               scheduler=args.scheduler, final=args.final)


if __name__ == "__main__":
    raise SystemExit(main())
