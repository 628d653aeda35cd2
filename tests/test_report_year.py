"""The report year has one route into a chapter and one rule for which years a chapter can show.

The runner plans and checks the year before any kernel starts (helpers.indicators.years.report_years over
the chapters' `requires:`) and hands it to each kernel in its run context (helpers.core.context); the
notebook's check cell takes it from there (helpers.sections.parameters.report_year) instead of a second
papermill parameter. A chapter run on its own (JupyterLab, papermill) is checked by the same rule.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from helpers.core import config, context
from helpers.indicators import years
from helpers.runner import chapter, kernels, plan, report
from helpers.sections import parameters
from helpers.sections.parameters import ParameterError

SEEN = ("import json, os\nfrom helpers.core import context\n"
        "open(os.environ['SEEN_FILE'], 'w').write(json.dumps({'report_year': report_year, "
        "'context': context.current().year}))")
CHECK = ("from helpers.sections import parameters\n"
         "report_year = parameters.check_parameters(globals(), {'report_year': int})['report_year']")


def _chapter(path: Path) -> Path:
    """A chapter as the report's are written: a parameters cell, the check cell, a cell that uses the year."""
    cells = [nbformat.v4.new_code_cell(source) for source in ("report_year = None", CHECK, SEEN)]
    cells[0].metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def seen_file(tmp_path, monkeypatch):
    """The file the chapter writes what it saw into (the kernel inherits this process's environment)."""
    target = tmp_path / "seen.json"
    monkeypatch.setenv("SEEN_FILE", str(target))
    return target


def test_a_chapter_kernel_sees_the_year_the_runner_planned(tmp_path, seen_file):
    """The year reaches the kernel once, in its run context; papermill injects no second report_year."""
    planned = 2014
    nb = _chapter(tmp_path / "nb" / "97_jahr.ipynb")
    target = tmp_path / "out" / "notebooks" / nb.name
    run = context.RunContext(year=planned, chapter=nb.stem, outputs=tmp_path / "side")
    try:
        result = chapter.execute(nb, target, run)
    finally:
        kernels.close_all()
    assert result.error == ""
    assert json.loads(seen_file.read_text(encoding="utf-8")) == {"report_year": planned, "context": planned}
    executed = nbformat.read(target, as_version=4)
    assert not any("injected-parameters" in cell.metadata.get("tags", []) for cell in executed.cells)


def test_a_different_year_in_a_runner_kernel_is_an_error_not_a_second_choice(tmp_path, seen_file):
    """A chapter that asks for another year than the run's (a stray papermill parameter) fails, naming both."""
    nb = _chapter(tmp_path / "nb" / "97_jahr.ipynb")
    run = context.RunContext(year=2014, chapter=nb.stem, outputs=tmp_path / "side")
    try:
        result = chapter.execute(nb, tmp_path / "out" / "notebooks" / nb.name, run, parameters={"report_year": 2013})
    finally:
        kernels.close_all()
    assert "ParameterError: report_year = 2013, aber dieses Kapitel läuft im Bericht 2014" in result.error
    assert not seen_file.exists()  # nothing after the check ran


def test_the_plan_hands_each_kernel_the_planned_year(tmp_path, monkeypatch):
    """Every chapter's task carries the year of the plan in its run context (the one route into its kernel)
    and no report_year among its papermill parameters."""
    monkeypatch.setattr(plan.paths, "OUTPUTS", tmp_path)
    notebooks = plan.chapter_notebooks()
    planned = plan.Plan(2014, tmp_path / "2014", notebooks, {}, notebooks, "", False, "", False)
    tasks = report.tasks(planned)
    assert sorted(task.notebook.name for task in tasks) == sorted(nb.name for nb in notebooks)
    assert {task.run.year for task in tasks} == {2014}
    assert {task.run.chapter for task in tasks} == {nb.stem for nb in notebooks}
    assert not [task for task in tasks if "report_year" in task.parameters]
    assert {(task.run.root, task.run.city) for task in tasks} == {(plan.paths.ROOT, plan.paths.CITY)}


def test_a_kernel_works_on_the_city_of_its_build(tmp_path, monkeypatch):
    """The city travels with the year: a Berlin build's kernels read Berlin's data, not the default city's."""
    monkeypatch.setattr(plan.paths, "OUTPUTS", tmp_path)
    notebooks = plan.chapter_notebooks()[:1]
    monkeypatch.setattr(plan.paths, "CITY", "berlin")
    planned = plan.Plan(2014, tmp_path / "2014", notebooks, {}, notebooks, "", False, "", False)
    assert {task.run.city for task in report.tasks(planned)} == {"berlin"}


def test_on_its_own_a_chapter_is_checked_by_the_runners_rule(monkeypatch):
    """JupyterLab or papermill without the runner: the same years as `make report` offers, the same refusal."""
    monkeypatch.delenv(context.ENV, raising=False)
    monkeypatch.delenv(context.CITY_ENV, raising=False)
    offered = years.report_years({"00_kontext_bevoelkerung": None})
    assert parameters.report_year(None) == offered.default
    assert parameters.report_year(offered.years[0]) == offered.years[0]
    with pytest.raises(ParameterError) as refused:
        parameters.report_year(1990)
    assert str(refused.value) == years.refusal(1990, offered)


def test_a_chapters_declared_requirement_applies_on_its_own_too(monkeypatch):
    """The correlation chapter declares the indicators it needs: run alone it offers the years the
    runner offers for it, found from the chapter's name or from the notebook JupyterLab names."""
    monkeypatch.delenv(context.ENV, raising=False)
    monkeypatch.delenv(context.CITY_ENV, raising=False)
    declared = {Path(c.notebook).stem: c.requires for c in config.load().chapters}
    assert declared["14_zusammenhaenge"] is not None
    expected = years.report_years({"14_zusammenhaenge": declared["14_zusammenhaenge"]})
    assert parameters.chapter_years("14_zusammenhaenge").years == expected.years
    lab = {"__session__": "/home/amt/integrationsmonitoring/notebooks/14_zusammenhaenge.ipynb"}
    assert parameters.report_year(None, lab) == expected.default
    with pytest.raises(ParameterError, match="Für das Berichtsjahr 1990"):
        parameters.report_year(1990, chapter="14_zusammenhaenge")
