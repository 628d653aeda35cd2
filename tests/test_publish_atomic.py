"""Publication under crashes: a report a reader can open has passed the check and has its manifest beside it.

The publishing step (helpers.runner.release.finish: stitch into the staging folder, check, manifest,
publish) is run in a forked child that dies at its k-th write step, for every k (tests/faults.py).
After each crash: a report.html in view belongs to a complete publication (its manifest lists every
file with the checksum it has), the files in view are the previous run's or this run's checked ones,
and the next build's recovery leaves exactly one complete report (the previous or the new one) and
nothing unchecked.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from faults import CRASHED, run_crashing_at
from helpers.core import fileio, paths
from helpers.disclosure import checker, disclosed
from helpers.runner import publication, release, report

pytestmark = [pytest.mark.notebooks, pytest.mark.skipif(not hasattr(os, "fork"), reason="forks the process")]
CHAPTERS = ["05", "06"]  # two of the fastest chapters


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "OUTPUTS", out)
        assert report.run(2014, chapters=CHAPTERS, pdf=False) == 0
    return out / "2014"


def _view(out: Path) -> dict[str, str]:
    """What a reader sees in outputs/<year>/: the report files and tables with their checksums."""
    names = [n for n in ("report.html", "report.pdf", "manifest.json") if (out / n).exists()]
    names += sorted(f"tables/{p.name}" for p in (out / "tables").glob("*")) if (out / "tables").is_dir() else []
    return {n: fileio.sha256_file(out / n) for n in names}


def _complete(out: Path) -> bool:
    """report.html in view with a manifest whose every output is there with its checksum."""
    if not (out / "report.html").exists() or not (out / "manifest.json").exists():
        return False
    listed = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    return "report.html" in listed and all((out / n).exists() and fileio.sha256_file(out / n) == sha
                                           for n, sha in listed.items())


def _finish(out: Path, table) -> bool:
    executed = sorted((out / "notebooks").glob("*.ipynb"))
    return release.finish(2014, out, executed, table, {}, [p.stem for p in executed], pdf=False)


def test_a_crash_at_any_publication_step_never_shows_an_unchecked_or_half_report(published, tmp_path):
    table = release.load_table_frame(published)
    template = tmp_path / "template"
    shutil.copytree(published, template)
    stage = publication.staging_dir(template) / "tables"  # a new run: its tables staged, one of them changed
    stage.mkdir(parents=True)
    for path in (published / "tables").glob("*"):
        shutil.copy(path, stage / path.name)
    (stage / "kapitel_05_zusatz.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    old = _view(template)
    assert _complete(template)

    fresh = tmp_path / "fresh"
    shutil.copytree(template, fresh)
    assert _finish(fresh, table)
    new = _view(fresh)
    assert _complete(fresh) and new != old and not publication.staging_dir(fresh).exists()

    crashes = 0
    for at in range(1, 200):
        out = tmp_path / f"crash_{at}"
        shutil.copytree(template, out)
        code = run_crashing_at(lambda out=out: _finish(out, table), at)
        if code == 0:
            break
        assert code == CRASHED, f"Schritt {at}: Exit-Code {code}"
        crashes += 1
        seen = _view(out)
        if "report.html" in seen:
            assert _complete(out), f"Schritt {at}: report.html ohne vollständiges Manifest"
        for name, sha in seen.items():
            assert sha in (old.get(name), new.get(name)), f"Schritt {at}: {name} ist weder alt noch neu geprüft"
        publication.recover(out)
        assert _complete(out), f"Schritt {at}: nach der Aufräumung kein vollständiger Bericht"
        assert _view(out) in (old, new), f"Schritt {at}: Mischung aus altem und neuem Bericht"
        assert not publication.staging_dir(out).exists() and not (paths.work_dir(out) / publication.JOURNAL).exists()
        assert not [p for p in out.rglob(".*") if fileio.is_temporary(p)], at
        shutil.rmtree(out)
    else:
        pytest.fail("die Veröffentlichung kam nie ohne Absturz durch")
    assert crashes >= 8  # staging writes, the journal, each move, the clean-up


def test_the_next_build_removes_an_unchecked_report_and_says_so(published, tmp_path):
    out = tmp_path / "2014"
    shutil.copytree(published, out)
    (out / "manifest.json").unlink()  # an old version's crash: report.html written, check and manifest not
    stage = publication.staging_dir(out)
    stage.mkdir(parents=True)
    (stage / "report.html").write_text("<p>ungeprüft</p>")
    said = publication.recover(out)
    assert said == ["Ungeprüfte Dateien eines abgebrochenen Laufs entfernt (noch nicht veröffentlicht).",
                    "report.html ohne manifest.json (nicht geprüft oder unvollständig) entfernt."]
    assert not (out / "report.html").exists() and not stage.exists()


def test_a_violation_publishes_nothing_of_the_run(published, tmp_path, capsys):
    out = tmp_path / "2014"
    shutil.copytree(published, out)
    table = release.load_table_frame(published)
    stage = publication.staging_dir(out) / "tables"
    stage.mkdir(parents=True)
    frame = checker.read_table_csv(published / "tables" / "indikatoren_2014.csv")
    stored = disclosed.protected("alo_auslaender_anteil")
    cell = stored[(stored["suppressed"] == "primär") & (stored["year"] == 2014)].iloc[0]
    secret = ((frame["indicator"] == "alo_auslaender_anteil") & (frame["area_code"] == cell["area_code"])
              & (frame["area_level"] == cell["area_level"]) & (frame["year"] == 2014) & (frame["group"] == cell["group"]))
    frame.loc[secret, ["value", "flag"]] = [50.0, ""]  # a suppressed cell published in the staged table
    frame.to_csv(stage / "indikatoren_2014.csv", index=False, lineterminator="\n")
    before = _view(out)
    assert not _finish(out, table)
    assert "Geheimhaltungsregel" in capsys.readouterr().err
    assert _view(out) == before and _complete(out)  # the previous, checked report stays as it was
    assert not publication.staging_dir(out).exists()


def test_a_journal_whose_staged_file_is_lost_ends_in_a_german_error(published, tmp_path, monkeypatch, capsys):
    out_root = tmp_path / "outputs"
    shutil.copytree(published, out_root / "2014")
    build = paths.work_dir(out_root / "2014")
    (build / publication.JOURNAL).write_text(json.dumps({"moves": ["report.pdf"], "sha256": {"report.pdf": "0" * 64},
                                                         "delete": []}), encoding="utf-8")
    monkeypatch.setattr(paths, "OUTPUTS", out_root)
    assert report.run(2014, chapters=CHAPTERS, pdf=False) == 2
    err = capsys.readouterr().err
    assert "die unterbrochene Veröffentlichung kann nicht abgeschlossen werden, weil report.pdf" in err
    assert "make report FORCE=1" in err and "Traceback" not in err
