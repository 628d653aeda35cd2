"""The runner: incremental builds from content checksums, progress, failures, and a Dask scheduler."""

from __future__ import annotations

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

from helpers.build import buildstate, runner
from helpers.core import paths

CHAPTERS = ["05", "06"]  # two of the fastest chapters


# --- buildstate on a temporary tree ----------------------------------------------------------------

def _tree(tmp_path: Path) -> tuple[Path, Path, Path]:
    data = tmp_path / "data"
    (data / "observations").mkdir(parents=True)
    (data / "observations" / "a.csv").write_text("year,value\n2014,1\n")
    (data / "disclosure.yml").write_text("min_count: 3\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("report_year = None"),
                                         nbformat.v4.new_code_cell("print(report_year)")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    path = tmp_path / "05_test.ipynb"
    nbformat.write(nb, path)
    return tmp_path, data, path


def _key(root: Path, data: Path, nb: Path, year: int = 2014) -> str:
    return buildstate.collect_inputs([nb], root=root, data=data).notebook_key(nb.name, year)


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
    nb.cells[1].metadata["tags"] = ["remove"]
    nbformat.write(nb, path)
    tagged = _key(root, data, path)
    assert tagged != before
    nb.cells[1].source = "print(report_year + 1)"
    nbformat.write(nb, path)
    assert _key(root, data, path) not in (before, tagged)


def test_key_follows_data_and_code(tmp_path, monkeypatch):
    root, data, path = _tree(tmp_path)
    before = _key(root, data, path)
    (data / "disclosure.yml").write_text("min_count: 4\n")
    changed_data = _key(root, data, path)
    assert changed_data != before
    code = tmp_path / "helpers"
    (code / "publish" / "templates").mkdir(parents=True)
    (code / "__init__.py").write_text("")
    monkeypatch.setattr(buildstate, "code_folder", lambda: code)
    base = _key(root, data, path)
    (code / "publish" / "templates" / "report.css").write_text("body {}")
    with_template = _key(root, data, path)
    (code / "indicators.py").write_text("X = 1\n")
    assert len({changed_data, base, with_template, _key(root, data, path)}) == 4
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "indicators.cpython-311.pyc").write_bytes(b"\0")
    assert _key(root, data, path) == _key(root, data, path)  # caches do not count
    inputs = buildstate.collect_inputs([path], root=root, data=data)
    assert inputs.tables_key(2014) != inputs.notebook_key(path.name, 2014)


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
        assert runner.run(2014, chapters=CHAPTERS, pdf=False) == 0
    manifest = json.loads((out / "2014" / "manifest.json").read_text(encoding="utf-8"))
    return out, manifest


@pytest.mark.notebooks
def test_incremental_rebuilds(first_build, tmp_path, monkeypatch, capsys):
    out, _ = first_build
    year_dir = out / "2014"
    monkeypatch.setattr(paths, "OUTPUTS", out)
    capsys.readouterr()
    names = {nb.name for nb in runner.select_notebooks(CHAPTERS)}

    start = time.perf_counter()
    assert runner.run(2014, chapters=CHAPTERS, pdf=False) == 0
    took = time.perf_counter() - start
    text = capsys.readouterr().out
    print(f"nothing changed, in-process: {took:.2f} s")
    assert "Nichts zu tun" in text and "unverändert" in text and took < 2

    env = {**os.environ, "IM_OUTPUTS": str(out)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "helpers.build.runner", "--year", "2014", "--kapitel", *CHAPTERS,
                           "--ohne-pdf"], env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    print(f"nothing changed, command: {took:.2f} s")
    assert done.returncode == 0 and "Nichts zu tun" in done.stdout, done.stderr
    assert took < 3  # < 2 s on a quiet machine; loaded CI workers get some slack
    assert runner.run(1990, chapters=CHAPTERS, pdf=False) == 2  # a recorded state never skips the year check

    for path in [*year_dir.rglob("*")]:  # new file times, same contents
        if path.is_file():
            os.utime(path, None)
    assert runner.run(2014, chapters=CHAPTERS, pdf=False) == 0
    assert "Nichts zu tun" in capsys.readouterr().out

    (year_dir / "report.html").unlink()  # re-stitched from the executed chapters, none re-executed
    assert runner.run(2014, chapters=CHAPTERS, pdf=False) == 0
    text = capsys.readouterr().out
    assert _executed(text) == set() and _reused(text) == names and (year_dir / "report.html").is_file()
    assert "0 von 2 Kapiteln werden ausgeführt" in text

    copies = tmp_path / "notebooks"
    shutil.copytree(paths.NOTEBOOKS, copies)
    chosen = [copies / name for name in sorted(names)]
    assert runner.run(2014, notebooks=chosen, pdf=False) == 0  # same sources: nothing to do
    assert "Nichts zu tun" in capsys.readouterr().out
    nb = nbformat.read(chosen[0], as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Ein neuer Absatz."))
    nbformat.write(nb, chosen[0])
    assert runner.run(2014, notebooks=chosen, pdf=False) == 0
    text = capsys.readouterr().out
    assert _executed(text) == {chosen[0].name} and _reused(text) == {chosen[1].name}
    assert "Ein neuer Absatz." in (year_dir / "report.html").read_text(encoding="utf-8")

    assert runner.main(["--year", "2014", "--kapitel", *CHAPTERS, "--ohne-pdf", "--force"]) == 0
    text = capsys.readouterr().out
    assert _executed(text) == names and "2 von 2 Kapiteln werden ausgeführt" in text
    state = buildstate.load_state(year_dir)
    assert set(state["notebooks"]) == names and all(e["seconds"] > 0 for e in state["notebooks"].values())


@pytest.mark.notebooks
def test_a_failing_chapter_beside_a_good_one(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path / "outputs")
    broken = tmp_path / "nb" / "99_kaputt.ipynb"
    broken.parent.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("report_year = None"),
                                         nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, broken)
    good = runner.select_notebooks(["05"])[0]
    year_dir = tmp_path / "outputs" / "2014"
    year_dir.mkdir(parents=True)
    (year_dir / "report.html").write_text("old report")

    assert runner.run(2014, notebooks=[good, broken], pdf=False) == 1
    captured = capsys.readouterr()
    assert _executed(captured.out) == {good.name, broken.name}
    assert f"{good.name}" in captured.out and "FEHLER" in captured.out
    assert re.search(r"99_kaputt\.ipynb: Zelle \d+: ZeroDivisionError", captured.err), captured.err
    assert "kein Bericht" in captured.err
    assert not (year_dir / "report.html").exists() and not (year_dir / "manifest.json").exists()
    state = buildstate.load_state(year_dir)
    assert good.name in state["notebooks"] and broken.name not in state["notebooks"]

    assert runner.run(2014, notebooks=[good, broken], pdf=False) == 1  # the failed one runs again, the good one not
    captured = capsys.readouterr()
    assert _executed(captured.out) == {broken.name} and _reused(captured.out) == {good.name}


@pytest.mark.notebooks
def test_unknown_chapter_is_refused_before_any_kernel(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    assert runner.run(2014, chapters=["77"]) == 2
    assert "Unbekanntes Kapitel '77'" in capsys.readouterr().err
    assert not (tmp_path / "2014").exists()


@pytest.mark.notebooks
def test_dask_scheduler_gives_the_local_result(first_build, tmp_path, monkeypatch, capsys):
    distributed = pytest.importorskip("distributed")
    built, local = first_build
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    # A copy of the local run without its executed chapters: these run on the cluster, the tables are reused.
    shutil.copytree(built / "2014", tmp_path / "2014", ignore=shutil.ignore_patterns("notebooks"))
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        assert runner.run(2014, chapters=CHAPTERS, pdf=False, scheduler=cluster.scheduler_address) == 0
    text = capsys.readouterr().out
    assert f"Scheduler {cluster.scheduler_address}" in text
    assert _executed(text) == {nb.name for nb in runner.select_notebooks(CHAPTERS)}
    assert len(list((tmp_path / "2014" / "notebooks").glob("*.ipynb"))) == 2
    remote = json.loads((tmp_path / "2014" / "manifest.json").read_text(encoding="utf-8"))
    assert (tmp_path / "2014" / "report.html").is_file()
    assert remote["parameters"]["chapters"] == local["parameters"]["chapters"]
    assert remote["published"]["sha256"] == local["published"]["sha256"]
    assert sorted((tmp_path / "2014" / "published").glob("*.csv")) != []
