"""The runner: incremental builds from content checksums, progress, failures, and a Dask scheduler."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from helpers.core import config, context, paths
from helpers.indicators import years
from helpers.intake import staff_texts
from helpers.runner import alongside, gates, kernels, report
from helpers.runner import chapter as run_chapter
from helpers.runner import inputs as run_inputs
from helpers.runner import plan as run_plan
from helpers.runner import state as run_state

CHAPTERS = ["05", "06"]  # two of the fastest chapters


# --- the inputs' checksums on a temporary tree ----------------------------------------------------

CONFIG = "chapters:\n  - notebook: 05_test.ipynb\ndisclosure:\n  min_count: {}\n"


def _tree(tmp_path: Path) -> tuple[Path, Path, Path]:
    data = tmp_path / "data"
    (data / "observations").mkdir(parents=True)
    (data / "observations" / "a.csv").write_text("year,value\n2014,1\n")
    (tmp_path / "config" / paths.CITY).mkdir(parents=True)
    (tmp_path / "config" / paths.CITY / "monitoring.yml").write_text(CONFIG.format(3))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("report_year = None"),
                                         nbformat.v4.new_code_cell("print(report_year)")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    path = tmp_path / "05_test.ipynb"
    nbformat.write(nb, path)
    return tmp_path, data, path


def _key(root: Path, data: Path, nb: Path, year: int = 2014, parameters: str = "{}") -> str:
    return run_inputs.collect_inputs([nb], root=root, data=data, parameters={nb.name: parameters},
                                     cache=root / "cache").notebook_key(nb.name, year)


def test_key_ignores_outputs_and_counts_but_follows_source_and_tags(tmp_path):
    root, data, path = _tree(tmp_path)
    before = _key(root, data, path)
    assert _key(root, data, path) == before
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2014\n")]
    nb.cells[1].execution_count = 7
    nbformat.write(nb, path)
    os.utime(path, (1, 1))
    assert _key(root, data, path) == before
    assert _key(root, data, path, year=2013) != before
    assert _key(root, data, path, parameters='{"x": 1}') != before
    nb.cells[1].metadata["tags"] = ["remove"]
    nbformat.write(nb, path)
    tagged = _key(root, data, path)
    assert tagged != before
    nb.cells[1].source = "print(report_year + 1)"
    nbformat.write(nb, path)
    assert _key(root, data, path) not in (before, tagged)


def test_key_follows_data_rule_and_code(tmp_path, monkeypatch):
    root, data, path = _tree(tmp_path)
    before = _key(root, data, path)
    (data / "observations" / "a.csv").write_text("year,value\n2014,2\n")
    changed_data = _key(root, data, path)
    (root / "config" / paths.CITY / "monitoring.yml").write_text(CONFIG.format(4))
    changed_rule = _key(root, data, path)
    code = tmp_path / "helpers"
    (code / "publish" / "templates").mkdir(parents=True)
    (code / "__init__.py").write_text("")
    monkeypatch.setattr(run_inputs, "code_folder", lambda: code)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import helpers"))
    nbformat.write(nb, path)
    base = _key(root, data, path)
    (code / "__init__.py").write_text("X = 1\n")
    assert len({before, changed_data, changed_rule, base, _key(root, data, path)}) == 5
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\0")
    assert _key(root, data, path) == _key(root, data, path)  # caches do not count
    inputs = run_inputs.collect_inputs([path], root=root, data=data, cache=root / "cache")
    assert inputs.tables_key(2014) != inputs.notebook_key(path.name, 2014)


# --- keys that follow the code a chapter reaches ----------------------------------------------------

@pytest.fixture
def code_copy(tmp_path, monkeypatch):
    """A copy of the helpers package whose files the tests edit (the import graph is the same)."""
    code = tmp_path / "helpers"
    shutil.copytree(run_inputs.code_folder(), code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(run_inputs, "code_folder", lambda: code)
    return code


def _chapter_keys(tmp_path: Path) -> tuple[dict[str, str], str]:
    notebooks = run_plan.chapter_notebooks()
    inputs = run_inputs.collect_inputs(notebooks, cache=tmp_path / "cache")
    return {nb.stem[:2]: inputs.notebook_key(nb.name, 2014) for nb in notebooks}, inputs.tables_key(2014)


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def test_editing_a_module_reached_by_one_chapter_changes_only_its_key(tmp_path, code_copy):
    keys, tables = _chapter_keys(tmp_path)
    assert len(keys) == 15
    with open(code_copy / "sections" / "explorer.py", "a", encoding="utf-8") as f:
        f.write("# a comment\n")
    after, after_tables = _chapter_keys(tmp_path)
    assert _changed(keys, after) == {"14"}
    assert after_tables != tables  # the tables (and check and report) still depend on all code
    with open(code_copy / "stats" / "segregation.py", "a", encoding="utf-8") as f:
        f.write("# a comment\n")
    assert _changed(after, _chapter_keys(tmp_path)[0]) == {"07"}


def test_editing_core_changes_every_key_and_templates_none(tmp_path, code_copy):
    keys, _ = _chapter_keys(tmp_path)
    (code_copy / "publish" / "templates" / "monitoring" / "report.css").write_text("body {}\n")
    assert _changed(keys, _chapter_keys(tmp_path)[0]) == set()  # the report's styles reach no chapter
    with open(code_copy / "core" / "model.py", "a", encoding="utf-8") as f:
        f.write("# a comment\n")
    assert _changed(keys, _chapter_keys(tmp_path)[0]) == set(keys)


def test_reach_follows_imports_and_parent_packages():
    imports = {"helpers": [], "helpers.a": ["helpers.b.c"], "helpers.b": [], "helpers.b.c": ["helpers.d"],
               "helpers.d": [], "helpers.e": []}
    assert run_inputs.reach({"helpers.a"}, imports) == {"helpers", "helpers.a", "helpers.b", "helpers.b.c", "helpers.d"}
    assert run_inputs.reach({"helpers.b.c.NAME"}, imports) == {"helpers", "helpers.b", "helpers.b.c", "helpers.d"}
    assert run_inputs.module_of("sections/explorer.py") == "helpers.sections.explorer"
    assert run_inputs.module_of("core/__init__.py") == "helpers.core"
    assert run_inputs.module_of("publish/templates/monitoring/report.css") == "helpers.publish"


def test_notebook_imports_are_read_from_code_cells(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\nfrom helpers.sections import explorer, parameters\n"
                                  "import pandas as pd\nimport helpers.core.paths"),
        nbformat.v4.new_markdown_cell("from helpers.stats import spatial"),
        nbformat.v4.new_code_cell("def f():\n    from helpers.core.paths import ROOT\n    return ROOT")])
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert run_inputs.notebook_imports(path) == {
        "helpers.sections", "helpers.sections.explorer", "helpers.sections.parameters", "helpers.core.paths",
        "helpers.core.paths.ROOT"}


# --- declared chapters (config/monitoring.yml) -----------------------------------------------------

def _declared(tmp_path: Path, text: str) -> tuple[Path, Path]:
    """A notebooks folder with 00_a and 01_b and a configuration with `text`."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("00_a.ipynb", "01_b.ipynb"):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("report_year = None\nebene = 'stadtteil'")])
        nb.cells[0].metadata["tags"] = ["parameters"]
        nbformat.write(nb, folder / name)
    path = tmp_path / "monitoring.yml"
    path.write_text(text, encoding="utf-8")
    return folder, path


def test_the_committed_configuration_declares_every_chapter_in_order():
    chapters = config.chapters()
    assert [c.number for c in chapters] == [f"{i:02d}" for i in range(15)]
    assert run_plan.chapter_notebooks() == [paths.NOTEBOOKS / c.notebook for c in chapters]
    for chapter in chapters:  # the title of each entry is the notebook's heading
        nb = nbformat.read(paths.NOTEBOOKS / chapter.notebook, as_version=4)
        heading = next(c.source for c in nb.cells if c.cell_type == "markdown").splitlines()[0]
        assert heading == f"# {chapter.title}"
    assert run_plan.chapter_parameters(paths.NOTEBOOKS / "07_stadtteil_und_quartiersentwicklung.ipynb") == {
        "sozialraum_zeitraum": 2, "sozialraum_mindestbevoelkerung": 300}
    assert run_plan.chapter_parameters(paths.NOTEBOOKS / "02_arbeit_und_wirtschaft.ipynb") == {}


def test_a_chapter_missing_from_the_configuration_is_not_run(tmp_path):
    folder, path = _declared(tmp_path, "chapters:\n  - notebook: 01_b.ipynb\n")
    assert [c.notebook for c in config.chapters(folder, path)] == ["01_b.ipynb"]


@pytest.mark.parametrize("text, message", [
    ("chapters:\n  - notebook: 01_b.ipynb\n  - notebook: 02_fehlt.ipynb\n",
     r"monitoring.yml: Kapitel-Notebook\(s\) 02_fehlt.ipynb fehlen in .*notebooks. Bitte den Dateinamen in "
     r"'chapters' berichtigen oder den Eintrag entfernen."),
    ("chapters:\n  - notebook: 00_a.ipynb\n    parameters: {ebne: stadtbezirk}\n",
     r"monitoring.yml: chapters\[00_a.ipynb\].parameters: ebne kennt das Notebook nicht \(seine Parameterzelle: "
     r"report_year, ebene\)"),
    ("chapters:\n  - notebook: 00_a.ipynb\n    parameters: {report_year: 2013}\n",
     r"report_year setzt der Runner \(make report YEAR=…\); bitte hier entfernen"),
    ("chapters:\n  - notebook: 00_a.ipynb\n    titel: A\n",
     r"'chapters\[1\]': unbekannte\(r\) Schlüssel titel; erlaubt: notebook, title, parameters, requires"),
    ("kapitel:\n  - notebook: 00_a.ipynb\n", r"'\(Datei\)': unbekannte\(r\) Schlüssel kapitel"),
    ("chapters: [\n", "kein gültiges YAML"),
    ("chapters:\n  - notebook: 00_a.ipynb\ndefault_year: {indicators: []}\n",
     r"'default_year.indicators' muss mindestens eine Katalog-ID nennen"),
    ("chapters:\n  - notebook: 00_a.ipynb\ndefault_year: {indikator: mv_anteil}\n",
     r"'default_year': unbekannte\(r\) Schlüssel indikator; erlaubt: indicators, level"),
])
def test_a_bad_configuration_is_refused_with_file_key_and_remedy(tmp_path, text, message):
    folder, path = _declared(tmp_path, text)
    with pytest.raises(config.ConfigError, match=message):
        config.chapters(folder, path)


@pytest.mark.notebooks
def test_a_config_naming_a_missing_notebook_stops_before_any_kernel(tmp_path, monkeypatch, capsys):
    folder, path = _declared(tmp_path, "chapters:\n  - notebook: 00_a.ipynb\n  - notebook: 09_fehlt.ipynb\n")
    monkeypatch.setattr(paths, "NOTEBOOKS", folder)
    monkeypatch.setattr(paths, "CONFIG_YAML", path)
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    start = time.perf_counter()
    assert report.main(["--year", "2014", "--ohne-pdf"]) == 2
    assert time.perf_counter() - start < 5
    assert "Fehler:" in (err := capsys.readouterr().err) and "09_fehlt.ipynb fehlen" in err
    assert not (tmp_path / "outputs" / "2014").exists()


# --- the run context ---------------------------------------------------------------------------------

def test_the_run_context_travels_as_one_json_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(context.ENV, raising=False)
    monkeypatch.delenv(context.CITY_ENV, raising=False)
    interactive = context.current()
    assert (interactive.root, interactive.city) == (context.REPOSITORY, "muenster")  # city: in config/monitoring.yml
    assert interactive.outputs == context.REPOSITORY / "outputs" / "muenster"
    assert not interactive.recording and interactive.values_cache is None
    run = context.RunContext(root=tmp_path, city="berlin", year=2014, chapter="05_x", values_cache=tmp_path / "v")
    assert run.outputs == tmp_path / "outputs" / "berlin" and run.recording
    env = run.environ({})
    assert list(env) == [context.ENV]
    monkeypatch.setenv(context.ENV, env[context.ENV])
    assert context.current() == run
    monkeypatch.setenv(context.ENV, '{"root": "/x", "jahr": 2014}')
    with pytest.raises(context.ContextError, match="IM_CONTEXT: unbekannte.*jahr"):
        context.current()
    with pytest.raises(context.ContextError, match="monitoring.yml fehlt: .*'city:' die Standardstadt"):
        context.RunContext(root=tmp_path)  # a root without its shared settings names no default city
    code = "from helpers.core import paths; print(paths.ROOT, paths.CITY, paths.DATA, paths.OUTPUTS)"
    done = subprocess.run([sys.executable, "-c", code], env=run.replace(chapter=None).environ(), capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == [str(tmp_path), "berlin", str(tmp_path / "data" / "berlin"),
                                   str(tmp_path / "outputs" / "berlin")]


# --- report years -----------------------------------------------------------------------------------

def test_offered_years_follow_population_and_the_chapters_needs(monkeypatch):
    """Hand-checked on the committed data: population (total) 1999-2020 (SMS 2000-2014, the city's open
    data 1999 and 2015-2020), with a migration history 2006-2019; mv_anteil and alo_dichte from 2006,
    haushaltsgroesse_mv from 2008."""
    assert years.population_years() == list(range(1999, 2021))
    assert years.report_years({}).years == list(range(1999, 2021))
    assert years.report_years({"x": config.Requirement(("alo_dichte",))}).years == list(range(2006, 2021))
    explorer = config.Requirement(("mv_anteil", "haushaltsgroesse_mv"), "stadtteil")
    available = years.report_years({"14_x": explorer, "02_y": None})
    assert available.years == list(range(2008, 2021))
    # the default (config default_year: mv_anteil): 2019, the last year with a migration history;
    # 2020 has residents only and is offered on request
    assert available.default == 2019
    assert years.refusal(2005, available) == (
        "Für das Berichtsjahr 2005 lässt sich kein Bericht erstellen. Kapitel 14_x braucht Werte von mv_anteil, "
        "haushaltsgroesse_mv (Ebene stadtteil) in einem gemeinsamen Jahr bis 2005; diese haben erst ab 2008 "
        f"gemeinsame Werte. Verfügbare Jahre: 2008–2020 ({', '.join(map(str, range(2008, 2021)))}).")
    assert years.refusal(1990, available).startswith("Für das Berichtsjahr 1990 liegen keine Daten vor. "
                                                     "Verfügbare Jahre: 2008–2020 (2008, 2009,")
    # a year with other data but no residents is refused for that reason
    monkeypatch.setattr(years, "population_years", lambda measure=None: list(range(2000, 2021)))
    assert years.report_years({}).reasons[1999] == (
        "Für 1999 liegen keine Einwohnerzahlen (population) vor; ohne sie gibt es keine Quoten und keine Tabellen.")


def test_the_default_year_follows_the_configured_indicators(monkeypatch):
    assert years.default_year([2018, 2019, 2020]) == 2019
    assert years.default_year([2012, 2013]) == 2013  # mv_anteil has values in both
    assert years.default_year([]) is None
    settings = config.load()
    monkeypatch.setattr(config, "load", lambda path=None: dataclasses.replace(settings, default_year=None))
    assert years.default_year([2018, 2019, 2020]) == 2020  # without the setting: the latest offered


@pytest.mark.slow
@pytest.mark.parametrize("year, reason", [
    (1990, "Für das Berichtsjahr 1990 liegen keine Daten vor."),
    (2021, "Für das Berichtsjahr 2021 liegen keine Daten vor."),
    (2005, "Für das Berichtsjahr 2005 lässt sich kein Bericht erstellen. Kapitel 14_zusammenhaenge braucht")])
def test_a_refused_year_exits_2_with_the_available_years_and_no_kernel(tmp_path, year, reason):
    env = context.RunContext(outputs=tmp_path).environ()
    done = subprocess.run([sys.executable, "-m", "helpers.runner", "--year", str(year), "--ohne-pdf"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"Fehler: {reason}")
    assert f"Verfügbare Jahre: 2008–2020 ({', '.join(map(str, range(2008, 2021)))})." in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / str(year)).exists()


@pytest.mark.notebooks
def test_the_first_offered_year_builds(tmp_path, monkeypatch):
    """2008: the context chapter and the one whose needs decide the first year (14)."""
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    assert report.run(2008, chapters=["00", "14"], pdf=False) == 0
    assert (tmp_path / "2008" / "report.html").is_file() and (tmp_path / "2008" / "manifest.json").is_file()


# --- the runner on two small chapters ---------------------------------------------------------------

def _status(text: str) -> dict[str, str]:
    """Progress lines "  <notebook>  <seconds> s  <status>" by notebook."""
    return {line.split()[0]: line.split()[-1] for line in text.splitlines()
            if line.startswith("  ") and line.split()[0].endswith(".ipynb") and " s  " in line}


def _executed(text: str) -> set[str]:
    return {name for name, status in _status(text).items() if status in ("ok", "FEHLER")}


def _reused(text: str) -> set[str]:
    return {name for name, status in _status(text).items() if status == "unverändert"}


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """Two chapters built once into a temporary outputs folder; the manifest as it was then."""
    out = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "OUTPUTS", out)
        assert report.run(2014, chapters=CHAPTERS, pdf=False) == 0
    manifest = json.loads((out / "2014" / "manifest.json").read_text(encoding="utf-8"))
    return out, manifest


@pytest.mark.notebooks
def test_incremental_rebuilds(first_build, tmp_path, monkeypatch, capsys):
    out, _ = first_build
    year_dir = out / "2014"
    monkeypatch.setattr(paths, "OUTPUTS", out)
    capsys.readouterr()
    names = {nb.name for nb in run_plan.select_notebooks(CHAPTERS)}

    start = time.perf_counter()
    assert report.run(2014, chapters=CHAPTERS, pdf=False) == 0
    took = time.perf_counter() - start
    text = capsys.readouterr().out
    print(f"nothing changed, in-process: {took:.2f} s")
    assert "Nichts zu tun" in text and "unverändert" in text and took < 2

    env = context.RunContext(outputs=out).environ()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "helpers.runner", "--year", "2014", "--kapitel", *CHAPTERS,
                           "--ohne-pdf"], env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    print(f"nothing changed, command: {took:.2f} s")
    assert done.returncode == 0 and "Nichts zu tun" in done.stdout, done.stderr
    assert took < 3  # < 2 s on a quiet machine; loaded CI workers get some slack
    assert report.run(1990, chapters=CHAPTERS, pdf=False) == 2  # a recorded state never skips the year check

    for path in [*year_dir.rglob("*")]:  # new file times, same contents
        if path.is_file():
            os.utime(path, None)
    assert report.run(2014, chapters=CHAPTERS, pdf=False) == 0
    assert "Nichts zu tun" in capsys.readouterr().out

    (year_dir / "report.html").unlink()  # re-stitched from the executed chapters, none re-executed
    assert report.run(2014, chapters=CHAPTERS, pdf=False) == 0
    text = capsys.readouterr().out
    assert _executed(text) == set() and _reused(text) == names and (year_dir / "report.html").is_file()
    assert "0 von 2 Kapiteln werden ausgeführt" in text

    copies = tmp_path / "notebooks"
    shutil.copytree(paths.NOTEBOOKS, copies)
    chosen = [copies / name for name in sorted(names)]
    assert report.run(2014, notebooks=chosen, pdf=False) == 0  # same sources: nothing to do
    assert "Nichts zu tun" in capsys.readouterr().out
    nb = nbformat.read(chosen[0], as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Ein neuer Absatz."))
    nbformat.write(nb, chosen[0])
    assert report.run(2014, notebooks=chosen, pdf=False) == 0
    text = capsys.readouterr().out
    assert _executed(text) == {chosen[0].name} and _reused(text) == {chosen[1].name}
    assert "Ein neuer Absatz." in (year_dir / "report.html").read_text(encoding="utf-8")

    assert report.main(["--year", "2014", "--kapitel", *CHAPTERS, "--ohne-pdf", "--force"]) == 0
    text = capsys.readouterr().out
    assert _executed(text) == names and "2 von 2 Kapiteln werden ausgeführt" in text
    state = run_state.load(year_dir)
    assert set(state.chapters) == names and all(e.seconds > 0 for e in state.chapters.values())


@pytest.mark.notebooks
def test_a_failing_chapter_beside_a_good_one(tmp_path, monkeypatch, capfd):
    """capfd: the kernels' own output (inherited stderr) counts too – the console shows only the runner's lines."""
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    broken = tmp_path / "nb" / "99_kaputt.ipynb"
    broken.parent.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("report_year = None"),
                                         nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, broken)
    good = run_plan.select_notebooks(["05"])[0]
    year_dir = tmp_path / "outputs" / "2014"
    year_dir.mkdir(parents=True)
    (year_dir / "report.html").write_text("old report")
    (year_dir / "manifest.json").write_text("{}")  # a complete earlier report: it stays

    assert report.run(2014, notebooks=[good, broken], pdf=False) == 1
    captured = capfd.readouterr()
    assert _executed(captured.out) == {good.name, broken.name}
    assert f"{good.name}" in captured.out and "FEHLER" in captured.out
    # the cell as its author counts it (third cell), not papermill's with its injected parameter cell
    assert "99_kaputt.ipynb: Zelle 3: ZeroDivisionError: division by zero" in captured.err, captured.err
    assert "kein Bericht" in captured.err
    assert "IPKernelApp" not in captured.err and "KeyboardInterrupt" not in captured.err, captured.err
    assert "Traceback" not in captured.err and "Traceback" not in captured.out  # it is in the log
    log = year_dir / "logs" / "99_kaputt.log"
    assert re.search(r"Vollständige Fehlermeldung: \S*outputs/2014/logs/99_kaputt\.log", captured.err), captured.err
    text = log.read_text(encoding="utf-8")
    assert f"Kapitel: {broken}" in text and "Zelle 3 des Kapitels" in text and "    1 / 0" in text
    assert "ZeroDivisionError" in text and "\x1b[" not in text  # the traceback, without terminal colours
    assert (year_dir / "report.html").read_text() == "old report" and (year_dir / "manifest.json").read_text() == "{}"
    assert "  Kapitel:  2 (2 ausgeführt, 0 unverändert, 1 fehlgeschlagen)" in captured.out
    assert "  Bericht:  kein neuer erstellt; der vorherige vom " in captured.out
    assert "bleibt unverändert: " in captured.out and not (year_dir / ".work" / "publish").exists()
    state = run_state.load(year_dir)
    assert good.name in state.chapters and broken.name not in state.chapters

    assert report.run(2014, notebooks=[good, broken], pdf=False) == 1  # the failed one runs again, the good one not
    captured = capfd.readouterr()
    assert _executed(captured.out) == {broken.name} and _reused(captured.out) == {good.name}


@pytest.mark.notebooks
def test_unknown_chapter_is_refused_before_any_kernel(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    assert report.run(2014, chapters=["77"]) == 2
    assert "Unbekanntes Kapitel '77'" in capsys.readouterr().err
    assert not (tmp_path / "2014").exists()


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in ("report_year = None", *sources)])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="Unix sockets only where the system has them")
def test_chapter_kernels_talk_over_private_unix_sockets_not_tcp_ports(tmp_path):
    """Parallel kernels on TCP could take each other's ports (CI: "Address already in use")."""
    nb = _notebook(tmp_path / "nb" / "98_transport.ipynb",
                   "from ipykernel.connect import get_connection_info\n"
                   "info = get_connection_info(unpack=True)\nprint(info['transport'], info['ip'])")
    try:
        result = run_chapter.execute(nb, tmp_path / "out.ipynb", context.RunContext(root=tmp_path, city="muenster", year=2014))
        assert result.error == ""
        transport, ip = nbformat.read(tmp_path / "out.ipynb", 4).cells[-1].outputs[0]["text"].split()
        assert transport == "ipc" and Path(ip).name == "k" and Path(ip).parent.name.startswith("im-kernel-")
    finally:
        kernels.close_all()
    assert not Path(ip).parent.exists()  # the socket folder goes with the kernel


@pytest.mark.slow
def test_a_kernel_slow_to_start_is_waited_for_not_taken_for_dead(tmp_path, monkeypatch):
    """On a busy machine (CI, parallel tests) a kernel may take more than a second to answer. The
    set-up client must then ask the kernel's process whether it lives, not the heartbeat, which had
    called it dead ("Kernel died before replying to kernel_info") after one unanswered second."""
    from jupyter_client.channels import HBChannel

    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "sitecustomize.py").write_text("import time\ntime.sleep(2.5)\n")  # every Python here starts late
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "slow"))
    monkeypatch.setattr(HBChannel, "time_to_dead", 0.05)  # the heartbeat gives up long before the kernel is up
    try:
        kernel = kernels.kernel_for(context.RunContext(root=tmp_path, city="muenster", year=2014), tmp_path, ())
        assert kernel.alive() and kernel.kc.is_alive()
    finally:
        kernels.close_all()


class _FakeKernel:
    km = None

    def begin(self, run):
        pass

    def alive(self):
        return True


@pytest.mark.parametrize("message", ["Kernel didn't respond in 60 seconds", "Kernel died before replying to kernel_info"])
def test_a_kernel_that_never_answers_is_replaced_once_then_reported(tmp_path, monkeypatch, message):
    import papermill as pm

    starts = []

    def kernel_silent_once(run, cwd, modules):
        starts.append(cwd)
        if len(starts) == 1:
            raise RuntimeError(message)
        return _FakeKernel()

    monkeypatch.setattr(kernels, "kernel_for", kernel_silent_once)
    monkeypatch.setattr(pm, "execute_notebook", lambda source, target, **kwargs: Path(target).write_text("{}"))
    nb = _notebook(tmp_path / "nb" / "97_x.ipynb")
    assert run_chapter.execute(nb, tmp_path / "out.ipynb", context.RunContext(root=tmp_path, city="muenster", year=2014)).error == ""
    assert len(starts) == 2 and (tmp_path / "out.ipynb").read_text() == "{}"

    starts.clear()

    def kernel_always_silent(run, cwd, modules):
        starts.append(cwd)
        raise RuntimeError(message)

    monkeypatch.setattr(kernels, "kernel_for", kernel_always_silent)
    result = run_chapter.execute(nb, tmp_path / "out2.ipynb", context.RunContext(root=tmp_path, city="muenster", year=2014))
    assert len(starts) == 2
    assert result.error == f"RuntimeError: {message}"


def test_a_failing_cell_is_not_retried(tmp_path, monkeypatch):
    import papermill as pm

    calls = []

    def failing(source, target, **kwargs):
        calls.append(1)
        raise RuntimeError("some other problem")

    monkeypatch.setattr(kernels, "kernel_for", lambda run, cwd, modules: _FakeKernel())
    monkeypatch.setattr(pm, "execute_notebook", failing)
    nb = _notebook(tmp_path / "nb" / "96_x.ipynb")
    run = context.RunContext(root=tmp_path, city="muenster", year=2014)
    result = run_chapter.execute(nb, tmp_path / "2014" / "notebooks" / "96_x.ipynb", run)
    assert result.error == "RuntimeError: some other problem"
    assert len(calls) == 1
    assert result.log == str(tmp_path / "2014" / "logs" / "96_x.log")
    assert "RuntimeError: some other problem" in Path(result.log).read_text(encoding="utf-8")  # with its traceback


@pytest.mark.slow
def test_a_chapter_does_not_see_what_the_chapter_before_it_left_in_the_warm_kernel(tmp_path):
    """Variables, figures, matplotlib and pandas settings, working folder, environment, random state:
    the second chapter runs in the first one's kernel (same process id) and finds a fresh start."""
    first = _notebook(tmp_path / "nb" / "01_a.ipynb",
                      "import os, random, sys, warnings\nimport matplotlib as mpl, matplotlib.pyplot as plt, numpy as np, pandas as pd\n"
                      "print(os.getpid(), os.getcwd(), mpl.rcParams['lines.linewidth'], pd.get_option('display.max_rows'),"
                      " random.random(), np.random.random(), len(sys.path), len(warnings.filters))",
                      "left_over = 42\nfig = plt.figure()\nmpl.rcParams['lines.linewidth'] = 9\n"
                      "pd.set_option('display.max_rows', 3)\nos.chdir('/')\nos.environ['IM_LEFT'] = '1'\n"
                      "sys.path.append('/nirgends')\nwarnings.simplefilter('ignore')\nrandom.random(); np.random.random()")
    second = _notebook(tmp_path / "nb" / "02_b.ipynb",
                       "import os, random, sys, warnings\nimport matplotlib as mpl, matplotlib.pyplot as plt, numpy as np, pandas as pd\n"
                       "print(os.getpid(), os.getcwd(), mpl.rcParams['lines.linewidth'], pd.get_option('display.max_rows'),"
                       " random.random(), np.random.random(), len(sys.path), len(warnings.filters))",
                       "print('left_over' in globals(), 'fig' in globals(), plt.get_fignums(), 'IM_LEFT' in os.environ)",
                       "from helpers.core import context, paths\nprint(context.current().chapter, paths.OUTPUTS.name)")
    run = context.RunContext(root=tmp_path, city="muenster", year=2014, outputs=tmp_path / "side" / "01_a", chapter="01_a")
    try:
        assert run_chapter.execute(first, tmp_path / "out" / "01_a.ipynb", run).error == ""
        after = run.replace(outputs=tmp_path / "side" / "02_b", chapter="02_b")
        assert run_chapter.execute(second, tmp_path / "out" / "02_b.ipynb", after).error == ""
    finally:
        kernels.close_all()
    seen_first = nbformat.read(tmp_path / "out" / "01_a.ipynb", 4).cells
    seen_second = nbformat.read(tmp_path / "out" / "02_b.ipynb", 4).cells
    start = [cell for cell in seen_first if cell.cell_type == "code"][-2].outputs[0]["text"]
    code = [cell for cell in seen_second if cell.cell_type == "code"]
    assert code[-3].outputs[0]["text"] == start  # same kernel (pid), same folder, settings and random state
    assert code[-2].outputs[0]["text"] == "False False [] False\n"
    assert code[-1].outputs[0]["text"] == "02_b 02_b\n"  # its own run context and side folder
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))  # counted from 1 as in a fresh kernel


@pytest.mark.slow
def test_a_chapter_that_crashes_its_kernel_costs_only_that_chapter(tmp_path):
    crash = _notebook(tmp_path / "nb" / "01_crash.ipynb", "print('bis hier')", "import os\nos._exit(1)")
    after = _notebook(tmp_path / "nb" / "02_after.ipynb", "print('weiter')")
    run = context.RunContext(root=tmp_path, city="muenster", year=2014)
    try:
        failed = run_chapter.execute(crash, tmp_path / "2014" / "notebooks" / "01_crash.ipynb", run)
        assert "DeadKernelError" in failed.error
        assert run_chapter.execute(after, tmp_path / "2014" / "notebooks" / "02_after.ipynb", run).error == ""
    finally:
        kernels.close_all()
    assert nbformat.read(tmp_path / "2014" / "notebooks" / "02_after.ipynb", 4).cells[-1].outputs[0]["text"] == "weiter\n"
    # the crashed chapter's executed notebook is there for debugging, with the outputs up to the crash
    crashed = nbformat.read(tmp_path / "2014" / "notebooks" / "01_crash.ipynb", 4).cells
    assert crashed[-2].outputs[0]["text"] == "bis hier\n" and crashed[-1].outputs == []


def test_the_longest_chapters_go_first():
    names = [Path(n) for n in ("00_a.ipynb", "01_b.ipynb", "02_c.ipynb", "03_new.ipynb")]
    order = run_plan.longest_first(names, {"00_a.ipynb": 3.0, "01_b.ipynb": 11.7, "02_c.ipynb": 3.0})
    assert [nb.name for nb in order] == ["03_new.ipynb", "01_b.ipynb", "00_a.ipynb", "02_c.ipynb"]


def test_a_never_run_summary_goes_last(tmp_path):
    """In a clean build the summary (it shows every indicator) would wait for the tables export's values."""
    def notebook(name: str, code: str) -> Path:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nbformat.write(nb, tmp_path / name)
        return tmp_path / name

    names = [notebook("00_a.ipynb", "from helpers.sections import blocks"),
             notebook("01_summary.ipynb", "from helpers.sections import overview\noverview.summary(2019)"),
             notebook("02_b.ipynb", "from helpers.sections import blocks")]
    assert [nb.name for nb in run_plan.longest_first(names, {})] == ["00_a.ipynb", "02_b.ipynb", "01_summary.ipynb"]
    known = {"00_a.ipynb": 2.0, "01_summary.ipynb": 6.0, "02_b.ipynb": 3.0}  # then longest first, as every chapter
    assert [nb.name for nb in run_plan.longest_first(names, known)] == ["01_summary.ipynb", "02_b.ipynb", "00_a.ipynb"]


@pytest.mark.notebooks
def test_dask_scheduler_gives_the_local_result(first_build, tmp_path, monkeypatch, capsys):
    distributed = pytest.importorskip("distributed")
    built, local = first_build
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    # A copy of the local run without its executed chapters: these run on the cluster, the tables are reused.
    shutil.copytree(built / "2014", tmp_path / "2014", ignore=shutil.ignore_patterns("notebooks"))
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        assert report.run(2014, chapters=CHAPTERS, pdf=False, scheduler=cluster.scheduler_address) == 0
    text = capsys.readouterr().out
    assert f"Scheduler {cluster.scheduler_address}" in text
    assert _executed(text) == {nb.name for nb in run_plan.select_notebooks(CHAPTERS)}
    assert len(list((tmp_path / "2014" / "notebooks").glob("*.ipynb"))) == 2
    remote = json.loads((tmp_path / "2014" / "manifest.json").read_text(encoding="utf-8"))
    assert (tmp_path / "2014" / "report.html").is_file()
    assert remote["parameters"]["chapters"] == local["parameters"]["chapters"]
    assert remote["published"]["sha256"] == local["published"]["sha256"]
    assert sorted((tmp_path / "2014" / "published").glob("*.csv")) != []


def test_the_correlation_chapters_requirement_follows_its_indicators():
    """config/monitoring.yml repeats chapter 14's indicators for the offered years; they must not drift apart."""
    import ast
    import json

    from helpers.core import config

    chapter = next(c for c in config.chapters() if c.notebook.startswith("14_"))
    nb = json.loads((paths.NOTEBOOKS / chapter.notebook).read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    defaults = {t.id: ast.literal_eval(node.value) for node in ast.parse("".join(cell["source"])).body
                if isinstance(node, ast.Assign) for t in node.targets}
    shown = chapter.parameters.get("indikatoren", defaults["indikatoren"])
    assert list(chapter.requires.indicators) == [spec.split(":", 1)[0] for spec in shown]
    assert chapter.requires.level == chapter.parameters.get("ebene", defaults["ebene"])


@pytest.mark.parametrize("before", [0, 1, 3])
def test_a_failed_cell_is_counted_as_in_the_chapter(tmp_path, before):
    """papermill counts its injected parameter cell and writes two marker cells into the executed
    notebook; the message counts the cells of the chapter as its author sees them."""
    from papermill.exceptions import PapermillExecutionError
    from papermill.execute import raise_for_execution_errors

    cells = [nbformat.v4.new_code_cell("report_year = None"), nbformat.v4.new_code_cell("report_year = 2014")]
    cells[0].metadata["tags"], cells[1].metadata["tags"] = ["parameters"], ["injected-parameters"]
    cells += [nbformat.v4.new_code_cell(f"x = {i}") for i in range(before)]
    failing = nbformat.v4.new_code_cell("def f():\n    return 1 / 0\nf()")
    failing.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                              traceback=["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"])]
    nb = nbformat.v4.new_notebook(cells=[*cells, failing, nbformat.v4.new_code_cell("y = 2")])
    executed = tmp_path / "outputs" / "2014" / "notebooks" / "07_x.ipynb"
    executed.parent.mkdir(parents=True)
    with pytest.raises(PapermillExecutionError) as caught:
        raise_for_execution_errors(nb, str(executed))  # writes the executed notebook as papermill does
    line, log = run_chapter.describe_failure(caught.value, tmp_path / "07_x.ipynb", executed)
    assert line == f"Zelle {2 + before}: ZeroDivisionError: division by zero"
    assert "    def f():\n        return 1 / 0\n    f()" in log
    assert "ZeroDivisionError: division by zero" in log and "\x1b" not in log
    assert run_chapter.failure_log(executed) == tmp_path / "outputs" / "2014" / "logs" / "07_x.log"


@pytest.mark.notebooks
def test_a_successful_build_prints_only_the_runners_lines(tmp_path):
    """As a user runs it (the command, a new process): one line per chapter and the result; no kernel
    warning, no IProgress/TqdmWarning, nothing on stderr."""
    env = {**os.environ, **context.RunContext(outputs=tmp_path).environ()}
    env.pop(context.CITY_ENV, None)
    done = subprocess.run([sys.executable, "-m", "helpers", "report", "--kapitel", "00", "--ohne-pdf"],
                          cwd=paths.ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    gate, lines = done.stdout.splitlines()[:2], done.stdout.splitlines()[2:]  # the city check first (its one warning)
    assert gate == ["Stadt muenster (config/muenster/, data/muenster/) vollständig eingerichtet: keine Probleme gefunden, "
                    "1 Warnung(en).", gate[1]] and gate[1].startswith("  Warnung: data/muenster/areas.csv, Spalte name: ")
    assert re.fullmatch(r"Berichtsjahr \d{4}: 1 von 1 Kapiteln werden ausgeführt \(1 parallel\), 0 unverändert", lines[0])
    assert re.fullmatch(r"  00_kontext_bevoelkerung\.ipynb +\d+\.\d s  ok", lines[1])
    assert lines[2:6] == ["Zusammenfassung, Berichtsjahr 2019:", "  Kapitel:  1 (1 ausgeführt, 0 unverändert)",
                          "  Texte:    4, alle freigegeben und 4 Beispieltexte (vor einer Ausgabe ersetzen oder löschen)",
                          "  Hinweise: keine"]
    assert re.fullmatch(rf"  Bericht:  {re.escape(str(tmp_path))}/2019/report\.html \(neu erstellt, \d+\.\d s\)", lines[6])
    assert len(lines) == 7, done.stdout


@pytest.mark.notebooks
def test_a_final_publication_refuses_drafts_and_stale_typed_numbers(first_build, tmp_path, monkeypatch, capsys):
    from helpers.core import texts

    out, _ = first_build
    monkeypatch.setattr(paths, "OUTPUTS", out)
    monkeypatch.setattr(texts, "folder", lambda year, data_dir=None: tmp_path / "texte" / str(year))
    # an indicator of chapter 05, which the first build ran: 2014 city value 52,8 % (28 of 53 reports, demo data)
    text = tmp_path / "texte" / "2014" / "indikatoren" / "diskriminierung_rassistisch_anteil.md"
    text.parent.mkdir(parents=True)
    text.write_text("Der Anteil lag 2014 bei 52,3 %.\n", encoding="utf-8")  # a draft, with a typo
    capsys.readouterr()

    assert report.run(2014, chapters=CHAPTERS, pdf=False, final=True) == 1  # refused before anything runs
    err = capsys.readouterr().err
    assert "Eine Ausgabe für 2014 ist nicht möglich, solange Texte Entwürfe sind:" in err
    assert str(text.name) in err and "texts freigeben --jahr 2014" in err

    staff_texts.release(2014, None)
    assert report.run(2014, chapters=CHAPTERS, pdf=False, final=True) == 1  # nothing else changed: still checked
    err = capsys.readouterr().err
    assert "1 Problem(e) in den Texten der Verwaltung (data/muenster/texte/); kein Bericht erstellt:" in err
    assert f"{text}, Zeile 4: „52,3 %“ passt zu keiner veröffentlichten Zahl" in err and "am nächsten: 52,8" in err

    assert report.run(2014, chapters=CHAPTERS, pdf=False, force=True) == 0  # not final: "warnen" lets it pass …
    assert f"  Hinweis: {text}, Zeile 4: „52,3 %“ passt zu keiner" in capsys.readouterr().out  # … with a hint
    text.write_text("---\nstatus: freigegeben\n---\nDer Anteil lag 2014 bei 52,8 %.\n", encoding="utf-8")
    assert report.run(2014, chapters=CHAPTERS, pdf=False, final=True) == 0


@pytest.mark.notebooks
def test_a_changed_text_reruns_only_the_chapter_that_looked_for_it(first_build, monkeypatch):
    """Each chapter kernel notes the text files it looked for (a missing one as ""); a new or edited
    text re-runs only the chapters that looked for it, a text of another year none."""
    out, _ = first_build
    monkeypatch.setattr(paths, "OUTPUTS", out)
    plan, state = run_plan.plan_run(2014, None, CHAPTERS, pdf=False, force=False)
    assert plan.nothing_to_do
    first, second = plan.notebooks
    noted = {nb.name: state.chapters[nb.name].texts for nb in plan.notebooks}
    assert all(noted[nb.name] and set(noted[nb.name].values()) == {""} for nb in plan.notebooks)  # 2014 has no texts
    assert all(name.startswith("texte/2014/") for nb in plan.notebooks for name in noted[nb.name])
    looked_for = sorted(set(noted[first.name]) - set(noted[second.name]))[0]

    real = run_inputs.collect_inputs

    def with_texts(extra: dict[str, str]):
        def collect(*args, **kwargs):
            inputs = real(*args, **kwargs)
            return dataclasses.replace(inputs, texts={**inputs.texts, **extra})
        return collect

    monkeypatch.setattr(run_inputs, "collect_inputs", with_texts({"texte/2019/einleitung.md": "0" * 64}))
    assert run_plan.plan_run(2014, None, CHAPTERS, pdf=False, force=False)[0].nothing_to_do  # another year's text
    monkeypatch.setattr(run_inputs, "collect_inputs", with_texts({looked_for: "1" * 64}))
    plan = run_plan.plan_run(2014, None, CHAPTERS, pdf=False, force=False)[0]
    assert plan.todo == [first] and not plan.report_ok
    monkeypatch.setattr(run_inputs, "collect_inputs", with_texts({"texte/2014/indikatoren/mv_anteil.md": "2" * 64}))
    plan = run_plan.plan_run(2014, None, CHAPTERS, pdf=False, force=False)[0]
    assert plan.todo == [] and not plan.report_ok  # shown by neither chapter: only the manifest changes


@pytest.mark.parametrize("relative, content, message", [
    ("handlungsfelder/arbeit.md", "Ein Text.\n", ": 'arbeit' ist kein Handlungsfeld des Katalogs"),
    # an outside image failed the PDF step after every chapter had run (issue 26); now refused first
    ("empfehlungen/arbeit_wirtschaft.md", "Text.\n\n![Bild](https://example.org/pixel.png)\n",
     ", Zeile 3: Das Bild „https://example.org/pixel.png“ liegt außerhalb des Berichts; der Bericht lädt nichts aus "
     "dem Netz (er öffnet ohne Internet, auch vom USB-Stick). Bilder gehören in die Kapitel; im Text statt des Bildes "
     "einen Link setzen: [Beschreibung](Adresse)."),
    ("empfehlungen/arbeit_wirtschaft.md", "Ein Logo: ![Logo][l]\n\n[l]: logo.png\n",
     ", Zeile 1: Das Bild „logo.png“ wird nicht in den Bericht übernommen."),
    ("einleitung.md", "---\nstatus: entwurf\n---\nIn Coerde: {{mv_anteil Coerd}}.\n",
     ", Zeile 4: Gebiet 'Coerd' ist unbekannt. Meinten Sie Coerde?"),
])
def test_a_broken_text_stops_the_run_before_any_kernel(tmp_path, monkeypatch, capsys, relative, content, message):
    from helpers.core import texts

    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    monkeypatch.setattr(texts, "folder", lambda year, data_dir=None: tmp_path / "texte" / str(year))
    bad = tmp_path / "texte" / "2014" / relative
    bad.parent.mkdir(parents=True)
    bad.write_text(content, encoding="utf-8")
    assert report.run(2014, chapters=CHAPTERS, pdf=False) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"Fehler in den Texten der Verwaltung: {bad}{message}")
    assert "Traceback" not in captured.err
    assert _status(captured.out) == {} and not (tmp_path / "outputs" / "2014" / ".work" / "side").exists()


def test_the_texts_are_checked_again_only_after_a_change(tmp_path, monkeypatch):
    """The check imports pandas (about a second before the first kernel): a rebuild whose texts, data and
    code are those of the last passed check skips it; any change of a text checks again."""
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    checks = []
    monkeypatch.setattr(gates, "texts_refused", lambda year: checks.append(year) or False)
    monkeypatch.setattr(report, "_execute_and_publish", lambda *args: 0)  # no kernels: only the decision before them
    assert report.run(2014, chapters=CHAPTERS, pdf=False) == 0
    assert report.run(2014, chapters=CHAPTERS, pdf=False) == 0
    assert checks == [2014]
    real = run_inputs.collect_inputs

    def with_text(*args, **kwargs):
        inputs = real(*args, **kwargs)
        return dataclasses.replace(inputs, texts={**inputs.texts, "texte/2014/einleitung.md": "3" * 64})

    monkeypatch.setattr(run_inputs, "collect_inputs", with_text)
    assert report.run(2014, chapters=CHAPTERS, pdf=False) == 0
    assert checks == [2014, 2014]


def test_a_part_prepared_during_the_tables_export_links_the_tables_it_will_write(tmp_path, monkeypatch):
    """The export runs beside the chapters' conversion: a part converted before it is done must link the
    workbook and CSV as the stitched report will, or its PDF part is rendered a second time at the end."""
    from helpers.publish import stitch

    seen = []
    monkeypatch.setattr(stitch, "prepare_chapter", lambda path, year, number, cache, tables: seen.append(list(tables)))
    nb = tmp_path / "notebooks" / "01_a.ipynb"
    plan = run_plan.Plan(2014, tmp_path / "out" / "2014", [nb], {}, [nb], "", False, "", False)
    (plan.out / "tables").mkdir(parents=True)
    (plan.out / "tables" / "eigene_tabelle.csv").write_text("a\n", encoding="utf-8")  # a chapter's own, published
    alongside.prepare_part(plan, nb, None, exporting=True)
    alongside.prepare_part(plan, nb, None, exporting=False)
    assert seen == [["eigene_tabelle.csv", "indikatoren_2014.csv", "indikatoren_2014.xlsx"], ["eigene_tabelle.csv"]]
