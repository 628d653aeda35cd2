"""A run as published: exported tables, the disclosure checker, the manifest and `make verify`."""

from __future__ import annotations

import json
import os
import platform
import shutil

import nbformat
import pandas as pd
import pytest

from helpers.core import context, fileio, paths
from helpers.disclosure import checker, disclosed, register
from helpers.publish import manifest
from helpers.runner import plan as run_plan
from helpers.runner import release, report, values, verify

pytestmark = pytest.mark.notebooks
CHAPTERS = ["00", "02"]  # context and Arbeit und Wirtschaft: both have suppressed Stadtteil cells


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "OUTPUTS", out)
        assert report.run(2014, chapters=CHAPTERS, pdf=False) == 0
    return out / "2014"


@pytest.fixture
def copy_of_run(run_dir, tmp_path):
    target = tmp_path / "2014"
    shutil.copytree(run_dir, target)
    return target


def _table(year_dir):
    return checker.read_table_csv(year_dir / "tables" / "indikatoren_2014.csv")


def _write_table(year_dir, frame):
    frame.to_csv(year_dir / "tables" / "indikatoren_2014.csv", index=False, lineterminator="\n")


def test_a_built_run_passes_the_checker_and_records_what_it_shows(run_dir):
    assert checker.check_run(run_dir) == []
    records = register.read_records(run_dir)
    assert set(records["chapter"]) == {"00_kontext_bevoelkerung", "02_arbeit_und_wirtschaft"}
    assert {"Karte", "Zeitreihe", "Text", "Tabelle"} <= set(records["what"])


def test_exported_tables_hold_suppressed_cells_as_dots_and_the_stored_data_stay_complete(run_dir):
    table = _table(run_dir).set_index(checker.KEY)
    stored = disclosed.protected("alo_auslaender_anteil")
    raw = checker.stored_cells({"alo_auslaender_anteil"}).set_index(checker.KEY)["value"]
    for reason in ("primär", "sekundär"):
        cells = stored[(stored["suppressed"] == reason) & stored["year"].between(2005, 2014)]
        assert len(cells) > 0, reason
        for cell in cells.itertuples(index=False):
            key = (cell.indicator, cell.area_level, cell.area_code, cell.year, cell.group)
            assert pd.isna(table.loc[key, "value"]) and table.loc[key, "flag"] == ".", key
            assert pd.notna(raw[key]), "the stored value behind a '.' is still there"


def test_checker_catches_a_planted_small_number(copy_of_run):
    table = _table(copy_of_run)
    stored = disclosed.protected("alo_auslaender_anteil")
    secret = stored[(stored["suppressed"] == "primär") & (stored["year"] == 2014)].iloc[0]
    raw = checker.stored_cells({"alo_auslaender_anteil"}).set_index(checker.KEY)["value"]
    row = table.index[(table["indicator"] == "alo_auslaender_anteil") & (table["area_code"] == secret["area_code"])
                      & (table["area_level"] == secret["area_level"]) & (table["year"] == 2014)
                      & (table["group"] == secret["group"])][0]
    table.loc[row, "value"] = round(raw[("alo_auslaender_anteil", secret["area_level"], secret["area_code"], 2014,
                                          secret["group"])], 1)
    table.loc[row, "flag"] = ""
    _write_table(copy_of_run, table)
    problems = checker.check_run(copy_of_run)
    assert any(p.file == "tables/indikatoren_2014.csv" and p.row == row + 1
               and secret["area_code"] in p.cell and ("Zähler" in p.problem or "Nenner" in p.problem)
               for p in problems), problems


def test_checker_catches_a_recoverable_secret_cell(copy_of_run):
    table = _table(copy_of_run)
    stored = disclosed.protected("alo_auslaender_anteil")
    raw = checker.stored_cells({"alo_auslaender_anteil"}).set_index(checker.KEY)["value"]
    second = stored[(stored["suppressed"] == "sekundär") & stored["year"].between(2005, 2014)].iloc[0]
    key = ("alo_auslaender_anteil", second["area_level"], second["area_code"], int(second["year"]), second["group"])
    row = table.index[(table["indicator"] == key[0]) & (table["area_level"] == key[1]) & (table["area_code"] == key[2])
                      & (table["year"] == key[3]) & (table["group"] == key[4])][0]
    table.loc[row, "value"] = round(raw[key], 1)  # publish the cell that protected its neighbour
    table.loc[row, "flag"] = ""
    _write_table(copy_of_run, table)
    problems = checker.check_run(copy_of_run)
    assert any("zurückrechnen" in p.problem for p in problems), problems


def test_checker_catches_a_chapter_showing_a_secret_value(copy_of_run):
    path = copy_of_run / "published" / "02_arbeit_und_wirtschaft.csv"
    records = pd.read_csv(path, dtype=str, keep_default_na=False)
    stored = disclosed.protected("alo_auslaender_anteil")
    secret = stored[(stored["suppressed"] == "primär") & (stored["year"] == 2014)].iloc[0]
    planted = {"what": "Karte", "indicator": "alo_auslaender_anteil", "area_level": secret["area_level"],
               "area_code": secret["area_code"], "year": "2014", "group": secret["group"], "value": "12.5", "flag": ""}
    pd.concat([records, pd.DataFrame([planted])]).to_csv(path, index=False, lineterminator="\n")
    problems = checker.check_run(copy_of_run)
    assert any(p.file == "published/02_arbeit_und_wirtschaft.csv" and p.row == len(records) + 1 for p in problems), problems
    assert any("Kapitel zeigt 12.5" in p.problem for p in problems), problems


def test_a_violation_withdraws_the_report(copy_of_run, capsys):
    table = _table(copy_of_run)
    stored = disclosed.protected("alo_auslaender_anteil")
    secret = stored[(stored["suppressed"] == "primär") & (stored["year"] == 2014)].iloc[0]
    hit = ((table["indicator"] == "alo_auslaender_anteil") & (table["area_code"] == secret["area_code"])
           & (table["area_level"] == secret["area_level"]) & (table["year"] == 2014) & (table["group"] == secret["group"]))
    table.loc[hit, ["value", "flag"]] = [50.0, ""]
    _write_table(copy_of_run, table)
    executed = sorted((copy_of_run / "notebooks").glob("*.ipynb"))
    (copy_of_run / "manifest.json").unlink()
    ok = release.finish(2014, copy_of_run, executed, table, {}, [p.stem for p in executed], pdf=False)
    assert not ok
    assert not (copy_of_run / "report.html").exists() and not (copy_of_run / "manifest.json").exists()
    assert not list((copy_of_run / "tables").glob("indikatoren_*"))
    assert "Geheimhaltungsregel" in capsys.readouterr().err


def test_a_secret_value_planted_in_an_interactive_map_withdraws_the_report(copy_of_run, capsys):
    """The value of a suppressed Stadtteil cell written into an interactive map's data (the tooltip shows it)
    in an executed chapter: the stitched report's check finds it in the page and nothing is published."""
    stored = disclosed.protected("alo_auslaender_anteil")
    secret = stored[(stored["suppressed"] == "primär") & (stored["year"] == 2014) & (stored["area_level"] == "stadtteil")
                    & (stored["group"] == "total")].iloc[0]
    raw = checker.stored_cells({"alo_auslaender_anteil"}).set_index(checker.KEY)["value"]
    value = round(float(raw[("alo_auslaender_anteil", "stadtteil", secret["area_code"], 2014, "total")]), 1)
    path = copy_of_run / "notebooks" / "02_arbeit_und_wirtschaft.ipynb"
    nb = nbformat.read(path, as_version=4)
    hidden = f'{{"code":"{secret["area_code"]}","jahr":2014,"wert":null,"zeichen":"."'
    planted = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            page = output.get("data", {}).get("text/html", "")
            if 'id="im-alo_auslaender_anteil-total-2014"' in page and hidden in page:
                output["data"]["text/html"] = page.replace(hidden, hidden.replace('null,"zeichen":"."',
                                                                                   f'{value},"zeichen":""'))
                planted += 1
    assert planted == 1
    nbformat.write(nb, path)
    executed = sorted((copy_of_run / "notebooks").glob("*.ipynb"))
    table = _table(copy_of_run)
    (copy_of_run / "manifest.json").unlink()
    before = (copy_of_run / "report.html").read_bytes()
    ok = release.finish(2014, copy_of_run, executed, table, {}, [p.stem for p in executed], pdf=False)
    err = capsys.readouterr().err
    assert not ok and "Geheimhaltungsregel" in err and "eingebettete Kartendaten" in err, err
    assert f"stadtteil {secret['area_code']}, 2014" in err and f"zeigt {value}" in err, err
    assert (copy_of_run / "report.html").read_bytes() == before  # the report in view (checked before) stays
    assert not (release.staging_dir(copy_of_run) / "report.html").exists()


def test_manifest_names_inputs_versions_and_every_published_number(run_dir):
    m = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["parameters"]["report_year"] == 2014 and m["parameters"]["chapters"] == [
        "00_kontext_bevoelkerung", "02_arbeit_und_wirtschaft"]
    assert m["inputs"]["data/muenster/observations/sms.csv"] == fileio.sha256_file(paths.OBSERVATIONS_DIR / "sms.csv")
    assert "notebooks/muenster/02_arbeit_und_wirtschaft.ipynb" in m["inputs"] and "src/helpers/disclosure/suppression.py" in m["inputs"]
    assert m["inputs"]["config/monitoring.yml"] == fileio.sha256_file(paths.SHARED_CONFIG_YAML)  # the rule
    assert m["inputs"]["config/muenster/monitoring.yml"] == fileio.sha256_file(paths.CONFIG_YAML)  # the chapters
    assert not [name for name in m["inputs"] if name.startswith(("data/berlin", "config/berlin", "notebooks/berlin"))]
    assert m["parameters"]["disclosure_rule"] == {"min_count": 3, "min_denominator": 30, "min_population": 300,
                                                  "population_measure": "population"}
    assert m["packages"]["pandas"].startswith("3.") and "papermill" in m["packages"]
    assert m["runtime"]["python"] == platform.python_version() and m["runtime"]["platform"] == platform.platform()
    assert len(m["git"]["commit"]) in (40, len("unbekannt"))
    assert set(m["durations_seconds"]) == {"00_kontext_bevoelkerung.ipynb", "02_arbeit_und_wirtschaft.ipynb"}
    numbers = m["published"]["numbers"]
    table = _table(run_dir)
    assert len([k for k in numbers if k.startswith("tabelle|")]) == len(table)
    city = table[(table["indicator"] == "mv_anteil") & (table["area_level"] == "stadt") & (table["year"] == 2014)
                 & (table["group"] == "total")].iloc[0]
    assert numbers["tabelle|mv_anteil|stadt|05515000|2014|total"] == f"{city['value']:.10g}"
    assert any(k.startswith("kapitel|02_arbeit_und_wirtschaft|") for k in numbers)
    assert m["published"]["sha256"] == manifest.digest(numbers)


def test_verify_confirms_an_unchanged_tree_with_identical_table_files(run_dir, tmp_path, capsys):
    keep = tmp_path / "rebuild"
    assert verify.verify(run_dir / "manifest.json", keep=keep) == 0
    assert "Bestätigt" in capsys.readouterr().out
    for name in ("indikatoren_2014.csv", "indikatoren_2014.xlsx"):
        assert (keep / "outputs" / paths.CITY / "2014" / "tables" / name).read_bytes() == (run_dir / "tables" / name).read_bytes()


def test_verify_fails_and_names_the_number_when_the_data_changed(run_dir, tmp_path, capsys):
    root = tmp_path / "repo"
    root.mkdir()
    verify.copy_inputs(paths.ROOT, root)
    sms = root / "data" / paths.CITY / "observations" / "sms.csv"
    obs = pd.read_csv(sms, dtype=str, keep_default_na=False)
    hit = ((obs["measure"] == "population") & (obs["origin"] == "migration") & (obs["year"] == "2014")
           & (obs["area_level"] == "stadtteil") & (obs["area_code"] == "11") & (obs["sex"] == "total") & (obs["age"] == "total"))
    assert hit.sum() == 1
    obs.loc[hit, "value"] = str(int(obs.loc[hit, "value"].iloc[0]) + 500)
    obs.to_csv(sms, index=False, lineterminator="\n")
    assert verify.verify(run_dir / "manifest.json", root=root) == 1
    err = capsys.readouterr().err
    causes, numbers = err.split(" weichen zwischen veröffentlichtem Bericht und Neuberechnung ab:")
    assert "1 Eingabe(n) anders als bei der Veröffentlichung – sie erklären Abweichungen unten:\n" \
           "  geändert: data/muenster/observations/sms.csv\n" in causes  # the cause first, one line per file
    assert "geändert: Tabelle: mv_anteil, stadtteil 11, 2014: veröffentlicht" in numbers


def test_compare_names_a_changed_chapter_number_with_its_text():
    key = "kapitel|02|Arbeitslosigkeit|lag der Wert bei § %|1"
    old = {"published": {"numbers": {key: "21,7", "tabelle|x|stadt|1|2014|total": "3.5"},
                         "contexts": {key: "lag der Wert bei"}}}
    new = {"published": {"numbers": {key: "21,8", "tabelle|x|stadt|1|2014|female": "3.5"}}}
    assert manifest.compare(old, new) == [
        "neu: Tabelle: x, stadt 1, 2014, Gruppe female = 3.5",  # the tables' values first
        "fehlt: Tabelle: x, stadt 1, 2014 (veröffentlicht: 3.5)",
        "geändert: Kapitel 02, Abschnitt „Arbeitslosigkeit“, nach „…lag der Wert bei“: veröffentlicht 21,7, neu berechnet 21,8"]
    assert manifest.compare(old, old) == []


def _chapter_with(tmp_path, paragraphs: list[str]):
    cells = [nbformat.v4.new_markdown_cell("## Arbeitslosigkeit")]
    for text in paragraphs:
        cell = nbformat.v4.new_code_cell("x")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": f"<p>{text}</p>"})]
        cells.append(cell)
    path = tmp_path / "02_arbeit.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_chapter_numbers_are_keyed_by_meaning_so_a_missing_paragraph_shifts_nothing(tmp_path):
    """Keyed by position, one paragraph less moved every later key (888 'differences' for 5 missing texts)."""
    empty = pd.DataFrame(columns=["indicator", "area_level", "area_code", "year", "group", "value", "flag"])
    paragraphs = ["In Coerde lag der Anteil bei 53,1 %.", "Eine Einordnung mit 12,0 %.",
                  "In Kinderhaus-West lag er bei 41,4 %.", "In Kinderhaus-West lag er bei 41,4 %."]
    before, _ = manifest.fingerprints(empty, [_chapter_with(tmp_path, paragraphs)])
    after, _ = manifest.fingerprints(empty, [_chapter_with(tmp_path, [p for p in paragraphs if "Einordnung" not in p])])
    assert set(before) - set(after) == {"kapitel|02_arbeit|Arbeitslosigkeit|Eine Einordnung mit § %.|1"}
    assert set(after) < set(before) and all(after[k] == before[k] for k in after)
    assert before["kapitel|02_arbeit|Arbeitslosigkeit|In Kinderhaus-West lag er bei § %.|2"] == "41,4"  # recurring words
    positional, _ = manifest.fingerprints(empty, [_chapter_with(tmp_path, paragraphs)], version=1)
    assert sorted(positional) == [f"kapitel|02_arbeit|{i:05d}" for i in range(4)]  # old manifests: verify still works


def test_indicator_values_are_shared_through_the_runs_folder(tmp_path, monkeypatch):
    """The runner names a folder per code and data state; every process of the run reads what one computed."""
    from helpers.core import catalogue

    ind = catalogue.load().indicators[0]
    shared = tmp_path / "values"
    try:
        disclosed._stored.cache_clear()
        disclosed._protected.cache_clear()
        computed = disclosed.protected(ind)
        assert not shared.exists()  # without the runner's folder nothing is shared
        monkeypatch.setenv(context.ENV, context.RunContext(values_cache=shared).to_json())
        disclosed._stored.cache_clear()
        disclosed._protected.cache_clear()
        pd.testing.assert_frame_equal(disclosed.protected(ind), computed)
        assert {p.name for p in shared.glob("*.pkl")} == {f"stored-{ind.id}.pkl", f"protected-{ind.id}.pkl"}
        computed.assign(value=42.0).to_pickle(shared / f"protected-{ind.id}.pkl")  # as if another process wrote it
        disclosed._protected.cache_clear()
        assert (disclosed.protected(ind)["value"] == 42.0).all()  # read, not computed again
    finally:
        disclosed._stored.cache_clear()
        disclosed._protected.cache_clear()


def test_values_asked_for_at_once_are_computed_once(tmp_path, monkeypatch):
    """Two processes (here threads) of one run asking for the same values: one computes, the other waits
    for its file instead of computing them a second time."""
    import threading
    import time

    monkeypatch.setenv(context.ENV, context.RunContext(values_cache=tmp_path).to_json())
    calls = []

    def compute() -> pd.DataFrame:
        calls.append(threading.get_ident())
        time.sleep(0.5)  # long enough for the other thread to ask meanwhile
        return pd.DataFrame({"value": [1.5]})

    results = []
    threads = [threading.Thread(target=lambda: results.append(disclosed._shared("stored", "x", compute))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(results) == 2
    assert all(r["value"].tolist() == [1.5] for r in results)


def test_runner_leaves_no_shared_folder_set_behind(monkeypatch, tmp_path):
    monkeypatch.delenv(context.ENV, raising=False)
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    plan = run_plan.Plan(2014, tmp_path, [], {}, [], "", True, "", True, values_key="abc")
    (tmp_path / ".work" / "values" / "old").mkdir(parents=True)
    with values.use_values_cache(plan):
        assert context.current().values_cache == values.values_cache(plan)
        assert context.current().root == paths.ROOT and context.current().chapter is None  # nothing recorded here
    assert context.ENV not in os.environ and context.current().values_cache is None
    assert not (tmp_path / ".work" / "values" / "old").exists()  # folders of other code or data are removed


def test_verify_names_how_the_environment_differs_from_the_manifests():
    published = {"runtime": {"python": "3.11.7", "platform": "Linux-a"}, "packages": {"pandas": "3.1.0", "numpy": "2.3.1"}}
    here = {"runtime": {"python": "3.13.0", "platform": "Linux-a"}, "packages": {"pandas": "3.1.1", "numpy": "2.3.1"}}
    assert manifest.environment_differences(published, here) == [
        "Python 3.13.0 statt 3.11.7", "1 Paketversion(en) anders: pandas 3.1.1 statt 3.1.0"]
    assert manifest.environment_differences(here, here) == []
    assert manifest.environment_differences({"packages": {}}, here) == []  # manifests before the runtime was recorded


def test_the_manifest_names_inputs_that_are_not_committed_also_untracked_ones(tmp_path):
    """`git status --untracked-files=no` called a tree clean whose year's texts and ingested files were new."""
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    data, notebooks = tmp_path / "data" / "muenster", tmp_path / "notebooks" / "muenster"
    (data / "observations").mkdir(parents=True)
    (data / "observations" / "sms.csv").write_text("year\n2014\n", encoding="utf-8")
    notebooks.mkdir(parents=True)
    (notebooks / "00_a.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "outputs").mkdir()
    (tmp_path / ".gitignore").write_text("outputs/\n", encoding="utf-8")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "x")
    assert manifest.uncommitted_inputs(tmp_path) == []
    assert manifest.git_state(tmp_path)["dirty"] is False
    (data / "texte" / "2020").mkdir(parents=True)
    (data / "texte" / "2020" / "einleitung.md").write_text("Neu.\n", encoding="utf-8")
    (data / "observations" / "sms.csv").write_text("year\n2015\n", encoding="utf-8")
    (notebooks / "00_a.ipynb").unlink()
    (tmp_path / "outputs" / "report.html").write_text("x", encoding="utf-8")  # generated, ignored
    assert manifest.uncommitted_inputs(tmp_path) == [("geändert", "data/muenster/observations/sms.csv"),
                                                     ("nicht eingecheckt", "data/muenster/texte/2020/einleitung.md"),
                                                     ("gelöscht", "notebooks/muenster/00_a.ipynb")]
    state = manifest.git_state(tmp_path)
    new_text = {"status": "nicht eingecheckt", "file": "data/muenster/texte/2020/einleitung.md"}
    assert state["dirty"] is True and new_text in state["uncommitted"]


def test_a_citys_inputs_are_the_shared_ones_and_its_own_not_another_citys(tmp_path):
    """Berlin is built with the repository's code and shared settings: uncommitted code must stop its release
    too, and a change in Münster's data is none of Berlin's inputs."""
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    for city in ("berlin", "muenster"):
        (tmp_path / "data" / city).mkdir(parents=True)
        (tmp_path / "data" / city / "areas.csv").write_text("level,code\n", encoding="utf-8")
        (tmp_path / "notebooks" / city).mkdir(parents=True)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "monitoring.yml").write_text("city: muenster\n", encoding="utf-8")
    (tmp_path / "src" / "helpers").mkdir(parents=True)
    (tmp_path / "src" / "helpers" / "a.py").write_text("x = 1\n", encoding="utf-8")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "x")
    (tmp_path / "src" / "helpers" / "a.py").write_text("x = 2\n", encoding="utf-8")
    (tmp_path / "data" / "berlin" / "neu.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / "data" / "muenster" / "neu.csv").write_text("a\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "CITY", "berlin")
        assert manifest.uncommitted_inputs(tmp_path) == [("nicht eingecheckt", "data/berlin/neu.csv"),
                                                         ("geändert", "src/helpers/a.py")]
