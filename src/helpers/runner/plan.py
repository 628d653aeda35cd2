"""What a run must do: its chapters and their parameters, its year, and what changed since the last run.

Checks the parameters before any kernel starts: the chapters are those declared in
config/monitoring.yml (helpers.core.config), the year must be one a report can be built for
(helpers.indicators.years). Then the Plan says, from content checksums (helpers.runner.inputs) and
the state of earlier runs (helpers.runner.state), which chapters run again and whether the tables
and the report are still those in view. Light on purpose: no pandas, no papermill, so that a run
with nothing changed ends after hashing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from helpers.core import config, fileio, paths
from helpers.runner import inputs as run_inputs
from helpers.runner import state as run_state
from helpers.runner.inputs import Inputs
from helpers.runner.state import ChapterRecord, RunState


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
    texts_key: str = ""  # what the check of the staff texts depends on (helpers.runner.gates.texts_refused)
    profile_pdf: bool = False  # also the area profiles' PDF (helpers.publish.profiles_pdf): a release, or asked for

    @property
    def nothing_to_do(self) -> bool:
        return not self.todo and self.tables_ok and self.report_ok


def chapter_notebooks(folder: Path | None = None) -> list[Path]:
    """The report's chapters in the order config/monitoring.yml declares them (each file checked)."""
    folder = Path(folder or paths.NOTEBOOKS)
    return [folder / chapter.notebook for chapter in config.chapters(folder)]


def _chapters_by_name() -> dict[str, config.Chapter]:
    return {chapter.notebook: chapter for chapter in config.load().chapters}


def parameter_error(message: str) -> Exception:
    """A ParameterError (helpers.sections.parameters), imported only when there is one to raise (pandas)."""
    from helpers.sections.parameters import ParameterError

    return ParameterError(message)


def select_notebooks(names: list[str] | None) -> list[Path]:
    """Chapters by file name or its leading number ("02", "02_arbeit_und_wirtschaft"); all declared when empty."""
    every = chapter_notebooks()
    if not names:
        return every
    chosen = []
    for name in names:
        hits = [nb for nb in every if nb.stem == name or nb.name == name or nb.stem.split("_", 1)[0] == name]
        if not hits:
            raise parameter_error(f"Unbekanntes Kapitel {name!r}. Verfügbar (laut {config.RELATIVE}): "
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


def _offered_years(inputs: Inputs, notebooks: list[Path]) -> dict:
    """The years a report of these chapters can be built for (helpers.indicators.years), with the
    reasons for the others; from the cache of the last run with the same data, configuration and
    rule code, else decided now (about two seconds: stored counts and a few indicators)."""
    names = [nb.name for nb in notebooks]
    key = fileio.digest({"years": inputs.years_key(), "chapters": names})
    found = run_state.cached_years(paths.OUTPUTS, key)
    if found is None:
        from helpers.indicators import years

        declared = _chapters_by_name()
        needs = {Path(name).stem: declared[name].requires if name in declared else None for name in names}
        found = years.report_years(needs).to_dict()
        run_state.save_years(paths.OUTPUTS, key, found)
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
        raise parameter_error("Es liegen keine Daten vor, aus denen sich ein Bericht erstellen lässt.")
    raise parameter_error(years.refusal(year, years.Availability.from_dict(offered)))


def side_dir(out: Path, notebook: Path) -> Path:
    """Where one chapter's kernel writes (its context's outputs): published records and exports of that chapter."""
    return paths.work_dir(out) / "side" / notebook.stem


def _notebook_built(record: ChapterRecord | None, key: str, out: Path, notebook: Path, inputs: Inputs) -> bool:
    """Built with this key by a successful run, the texts it looked for unchanged, and its executed
    file and side outputs intact."""
    if record is None or record.key != key or not inputs.texts_unchanged(record.texts):
        return False
    return (run_inputs.files_match(out / "notebooks", {notebook.name: record.output})
            and run_inputs.files_match(side_dir(out, notebook), record.side))


def plan(year: int, notebooks: list[Path], inputs: Inputs, state: RunState, pdf: bool,
         force: bool = False, profile_pdf: bool = False) -> Plan:
    """Compare the keys of this run's inputs with what the state says was built with which key.

    `profile_pdf`: the report in view counts as up to date only with the profiles' PDF beside it; a run
    without it keeps one in view (it is not part of the key: a plain run after a release does nothing)."""
    from helpers.publish import profiles_pdf as profiles_pdf_module

    out = paths.year_outputs(year)
    keys = {nb.name: inputs.notebook_key(nb.name, year) for nb in notebooks}
    todo = [nb for nb in notebooks
            if force or not _notebook_built(state.chapters.get(nb.name), keys[nb.name], out, nb, inputs)]
    tables_key = inputs.tables_key(year)
    tables_ok = (not force and state.tables is not None and state.tables.key == tables_key
                 and run_inputs.files_match(out, state.tables.files))
    report_key = fileio.digest({"year": year, "chapters": [nb.name for nb in notebooks], "notebooks": keys,
                                "tables": tables_key, "pdf": pdf, "git": run_inputs.git_commit(),
                                "code": inputs.code, "settings": inputs.settings,
                                "texts": inputs.texts_of(year)})  # the manifest lists them
    report = state.report
    report_ok = (not force and not todo and tables_ok and report is not None and report.key == report_key
                 and bool(report.outputs) and run_inputs.files_match(out, report.outputs)
                 and (not (pdf and profile_pdf) or profiles_pdf_module.file_name(year) in report.outputs))
    texts_key = fileio.digest({"year": year, "texts": inputs.texts, "data": inputs.data, "code": inputs.code})
    return Plan(year, out, notebooks, keys, todo, tables_key, tables_ok, report_key, report_ok,
                inputs.values_key(), state.durations(), texts_key, profile_pdf=pdf and profile_pdf)


#: The module of the chapter that shows every indicator (the summary, helpers.sections.overview).
READS_EVERY_INDICATOR = "helpers.sections.overview"


def longest_first(notebooks: list[Path], durations: dict[str, float]) -> list[Path]:
    """The chapters in the order the workers should take them: longest first (by their last run), so
    that the workers finish together instead of one starting the longest chapter last. A chapter never
    run counts as the longest (its time is unknown); ties keep the declared order.

    Except a never-run chapter that shows every indicator (READS_EVERY_INDICATOR): it goes last. In a clean
    build the tables export computes every indicator's values while the chapters run; started first, the
    summary waited for the export value by value (Münster: about a third of its time), started last it finds
    them computed."""
    longest = max(durations.values(), default=0.0)

    def key(nb: Path) -> float:
        if nb.name in durations:
            return -durations[nb.name]
        return float("inf") if _reads_every_indicator(nb) else -(longest + 1)

    return sorted(notebooks, key=key)


def _reads_every_indicator(notebook: Path) -> bool:
    try:
        return READS_EVERY_INDICATOR in run_inputs.notebook_imports(notebook)
    except (OSError, ValueError):  # a notebook the run cannot read fails where it is run, not here
        return False


def _collect(notebooks: list[Path]) -> Inputs:
    """The checksums of everything these chapters depend on, their configured parameters included."""
    parameters = {nb.name: json.dumps(chapter_parameters(nb), sort_keys=True, ensure_ascii=False) for nb in notebooks}
    return run_inputs.collect_inputs(notebooks, parameters=parameters, cache=paths.work_dir(paths.OUTPUTS),
                                     config_file=paths.CONFIG_YAML)


def report_year(year: int | None) -> int:
    """The year a run for `year` builds: the year itself, or the default (ValueError when none can be built)."""
    notebooks = select_notebooks(None)
    return _resolve_year(year, _offered_years(_collect(notebooks), notebooks))


def plan_run(year: int | None, notebooks: list[Path] | None, chapters: list[str] | None, pdf: bool,
             force: bool, profile_pdf: bool = False) -> tuple[Plan, RunState]:
    """Check the parameters and decide what to do, from checksums and the state of earlier runs."""
    notebooks = notebooks or select_notebooks(chapters)
    inputs = _collect(notebooks)
    year = _resolve_year(year, _offered_years(inputs, notebooks))
    from helpers.runner import publication

    for line in publication.recover(paths.year_outputs(year)):  # what a crashed run left, before deciding what to do
        print(line, flush=True)
    state = run_state.load(paths.year_outputs(year))
    return plan(year, notebooks, inputs, state, pdf, force, profile_pdf), state
