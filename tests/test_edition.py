"""An edition from draft texts to a final, versioned, reproducible report (issue 26), as staff do it.

On a copy of the committed data in a git repository of its own (two chapters: the context and Arbeit und
Wirtschaft, which show the indicator and Handlungsfeld texts of the demo data), with the commands staff type:
last year's texts as drafts of 2020, a working build with a summary, releases refused (uncommitted
inputs; drafts and example texts; a typed number that is another area's value and a placeholder on a
secret value), each leaving the report in view byte-identical, then edition 1, a data revision and
edition 2 with a change note naming the revised numbers.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import context, paths
from helpers.publish import manifest
from helpers.runner import edition, verify

pytestmark = pytest.mark.notebooks
YEAR = 2020
CHAPTERS = ("00_kontext_bevoelkerung", "02_arbeit_und_wirtschaft")


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = context.RunContext(root=root, outputs=root / "outputs").environ()
    return subprocess.run([sys.executable, "-m", "helpers", *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=900)


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Statistikstelle", "-c", "user.email=statistik@example.org", *args],
                          cwd=root, capture_output=True, text=True, check=True).stdout


def _commit(root: Path, message: str) -> None:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ausgabe")
    for name in ("data", "notebooks"):
        shutil.copytree(paths.ROOT / name / paths.CITY, root / name / paths.CITY,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(paths.ROOT / "config", root / "config")
    config = root / "config" / paths.CITY / "monitoring.yml"
    lines = config.read_text(encoding="utf-8").split("\n")
    start = lines.index("chapters:")
    end = next(i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" "))
    chosen = ["chapters:", *(f"  - notebook: {name}.ipynb" for name in CHAPTERS)]
    config.write_text("\n".join([*lines[:start], *chosen, *lines[end:]]), encoding="utf-8")
    (root / ".gitignore").write_text("outputs/\n", encoding="utf-8")
    _git(root, "init", "-q")
    _commit(root, "Stand der Stadt")
    return root


def _text(root: Path, relative: str) -> Path:
    return root / "data" / paths.CITY / "texte" / str(YEAR) / relative


def _view(root: Path) -> dict[str, bytes]:
    """What a reader has in outputs/<city>/2020/ (the report, its manifest, the tables) and the records the checker
    reads beside them (published/), byte for byte."""
    out = root / "outputs" / str(YEAR)
    files = [out / "report.html", out / "manifest.json", *sorted((out / "tables").glob("*")),
             *sorted((out / "published").glob("*"))]
    return {f.relative_to(out).as_posix(): f.read_bytes() for f in files if f.is_file()}


OWN_TEXT = """---
status: entwurf
von: Kommunales Integrationszentrum
---
Die Arbeitslosendichte der Ausländerinnen und Ausländer lag zuletzt bei {{alo_dichte:foreign letztes}}.
2019 stieg der Anteil mit Migrationsvorgeschichte
in Kinderhaus-West auf 23,9 %, in Coerde auf 53,1 %.
Die U9-Teilnahme in Martini: {{u9_teilnahme 2019 Martini}}.
"""


def test_an_edition_from_drafts_to_a_release_and_a_revised_second_edition(city):
    root = city
    drafted = _run(root, "texts", "entwurf", "--von", "2019", "--nach", str(YEAR))
    assert drafted.returncode == 0, drafted.stderr
    assert "4 Texte aus 2019 als Entwürfe für 2020 angelegt" in drafted.stdout
    assert "beispiel: true" in _text(root, "einleitung.md").read_text(encoding="utf-8")  # examples stay examples
    _text(root, "einleitung.md").unlink()  # the summary chapter, which shows it, is not among these two
    _text(root, "indikatoren/mv_anteil.md").write_text(OWN_TEXT, encoding="utf-8")  # the office's own text

    # A working build: published with hints, and a summary that counts what a release would refuse.
    built = _run(root, "report", "--jahr", str(YEAR), "--ohne-pdf")
    assert built.returncode == 0, built.stdout + built.stderr
    summary = built.stdout[built.stdout.index("Zusammenfassung, Berichtsjahr 2020:"):]
    assert "  Kapitel:  2 (2 ausgeführt, 0 unverändert)" in summary
    assert "  Texte:    3, davon 3 Entwürfe und 2 Beispieltexte (vor einer Ausgabe ersetzen oder löschen)" in summary
    assert "  Hinweise: 2 (1 abgetippte Zahl, 1 Platzhalter ohne veröffentlichten Wert; oben einzeln)" in summary
    assert "(neu erstellt," in summary
    own = _text(root, "indikatoren/mv_anteil.md")
    assert f"  Hinweis: {own}, Zeile 7: „23,9 %“ steht bei Kinderhaus-West; veröffentlicht ist dort 41,4\u00a0% (2019)" \
           in built.stdout
    assert f"  Hinweis: {own}, Zeile 8: {{{{u9_teilnahme 2019 Martini}}}} (" in built.stdout
    html = (root / "outputs" / str(YEAR) / "report.html").read_text(encoding="utf-8")
    assert "zuletzt bei 6,6\u00a0% (2014)." in html  # `letztes`: the latest year with a value, named
    first_view = _view(root)

    # A release refuses inputs that are not committed, and says how to commit them.
    refused = _run(root, "release", "--jahr", str(YEAR), "--ohne-pdf")
    assert refused.returncode == 1
    assert "Nicht eingecheckt:\n  nicht eingecheckt: data/muenster/texte/2020/empfehlungen/arbeit_wirtschaft.md\n" in refused.stderr
    assert "  git add data/muenster/texte/2020" in refused.stderr
    assert _view(root) == first_view
    _commit(root, "Entwürfe 2020")

    # Drafts and example texts: refused before any chapter runs.
    refused = _run(root, "release", "--jahr", str(YEAR), "--ohne-pdf")
    assert refused.returncode == 1 and "Kapiteln werden ausgeführt" not in refused.stdout
    assert "Eine Ausgabe für 2020 ist nicht möglich, solange Texte Entwürfe sind:" in refused.stderr
    assert "solange Beispieltexte der Demodaten darunter sind (Kopf „beispiel: true“):" in refused.stderr
    assert "data/muenster/texte/2020/empfehlungen/arbeit_wirtschaft.md" in refused.stderr.split("Beispieltexte")[1]
    assert "kein neuer erstellt; der vorherige vom" in refused.stdout and _view(root) == first_view

    # Released, examples replaced: the typed number and the secret placeholder are refused after the chapters.
    _text(root, "handlungsfelder/arbeit_wirtschaft.md").unlink()
    _text(root, "empfehlungen/arbeit_wirtschaft.md").write_text("1. Beratung in Coerde ausbauen.\n", encoding="utf-8")
    assert _run(root, "texts", "freigeben", "--jahr", str(YEAR)).returncode == 0
    _commit(root, "Texte 2020 freigegeben")
    refused = _run(root, "release", "--jahr", str(YEAR), "--ohne-pdf")
    assert refused.returncode == 1, refused.stdout
    assert "2 Problem(e) in den Texten der Verwaltung (data/muenster/texte/); kein Bericht erstellt:" in refused.stderr
    assert (f"{own}, Zeile 7: „23,9 %“ steht bei Kinderhaus-West; veröffentlicht ist dort 41,4\u00a0% (2019)"
            in refused.stderr)
    assert f"{own}, Zeile 8: {{{{u9_teilnahme 2019 Martini}}}} (" in refused.stderr
    assert "steht für einen Wert, den die Geheimhaltungsregel nicht veröffentlicht (2019)" in refused.stderr
    assert "Keine Ausgabe erstellt." in refused.stderr and not (root / "outputs" / str(YEAR) / "ausgaben").exists()
    assert _view(root) == first_view  # the last good report stays, byte for byte

    # Fixed and committed: edition 1.
    body = own.read_text(encoding="utf-8").replace("23,9 %", "41,4 %").replace(
        "Die U9-Teilnahme in Martini: {{u9_teilnahme 2019 Martini}}.\n", "")
    own.write_text(body, encoding="utf-8")
    _commit(root, "Tippfehler behoben")
    first = _run(root, "release", "--jahr", str(YEAR), "--ohne-pdf")
    assert first.returncode == 0, first.stdout + first.stderr
    one = root / "outputs" / str(YEAR) / "ausgaben" / "1"
    assert f"Ausgabe 1 des Berichtsjahrs 2020: {one}" in first.stdout
    assert "abgebrochenen Laufs" not in first.stdout  # refusals were stopped on purpose, not crashes
    assert "  Hinweise: keine" in first.stdout
    record = json.loads((one / "ausgabe.json").read_text(encoding="utf-8"))
    assert record["ausgabe"] == 1 and record["commit"] == _git(root, "rev-parse", "HEAD").strip()
    built_manifest = json.loads((one / "manifest.json").read_text(encoding="utf-8"))
    assert built_manifest["git"] == {"commit": record["commit"], "dirty": False, "uncommitted": []}
    assert (one / "report.html").read_bytes() == (root / "outputs" / str(YEAR) / "report.html").read_bytes()
    assert "Erste Ausgabe dieses Berichtsjahrs" in (one / "aenderungen.md").read_text(encoding="utf-8")

    # A revised delivery: the city's unemployed foreigners of 2014, 1 701 -> 2 001.
    correction = root / "korrektur_2014.csv"
    correction.write_text("Jahr;Ebene;Gebiet-Nr;Merkmal;Herkunft;Wert\n2014;Stadt;05515000;unemployed;foreign;2001\n",
                          encoding="utf-8")
    ingested = _run(root, "ingest", str(correction), "--revise")
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    correction.unlink()
    _commit(root, "Revision 2014")
    second = _run(root, "release", "--jahr", str(YEAR), "--ohne-pdf")
    assert second.returncode == 0, second.stdout + second.stderr
    two = root / "outputs" / str(YEAR) / "ausgaben" / "2"
    note = (two / "aenderungen.md").read_text(encoding="utf-8")
    assert note.startswith("# Änderungen: Ausgabe 2 des Integrationsmonitorings 2020\n")
    assert "Verglichen mit Ausgabe 1 vom" in note
    # 2 001 of 25 831 foreigners aged 15-64 = 7,7 % (was 1 701: 6,6 %), flagged r (revised)
    assert "- Arbeitslose je 100 Einwohner/-innen, Stadt Münster, 2014, Ausländer/-innen: 6,6 % → 7,7 % r" in note
    assert "- neu: data/muenster/observations/deliveries.csv\n- neu: data/muenster/raw/2014/korrektur_2014.csv" in note
    assert "Keine Änderung an den Texten." in note and "3 Werte der Tabelle geändert" in note
    assert json.loads((one / "ausgabe.json").read_text(encoding="utf-8"))["ausgabe"] == 1  # edition 1 untouched
    assert [e.number for e in edition.editions(root / "outputs" / str(YEAR))] == [1, 2]

    # A partner without the texts: verify names the missing files first, one line per file.
    partner = root.parent / "partnerin"
    shutil.copytree(root, partner, ignore=shutil.ignore_patterns("outputs", ".git"))
    shutil.rmtree(partner / "data" / paths.CITY / "texte" / str(YEAR))
    causes = verify.input_differences(manifest.read(two / "manifest.json"), partner)
    assert causes == ["fehlt: data/muenster/texte/2020/empfehlungen/arbeit_wirtschaft.md",
                      "fehlt: data/muenster/texte/2020/indikatoren/mv_anteil.md"]


def test_the_number_changes_of_a_change_note_are_keyed_by_meaning(tmp_path):
    columns = ["indicator", "indicator_name", "unit", "area_level", "area_code", "area_name", "year", "group",
               "group_label", "value", "flag"]
    old = pd.DataFrame([["a", "Anteil A", "%", "stadt", "1", "Stadt X", 2019, "total", "Insgesamt", "10.0", ""],
                        ["a", "Anteil A", "%", "stadtteil", "11", "Nord", 2019, "female", "Frauen", "12.5", ""],
                        ["a", "Anteil A", "%", "stadtteil", "12", "Süd", 2019, "total", "Insgesamt", "", "."]],
                       columns=columns)
    new = pd.concat([old.iloc[[0]], old.iloc[[1]].assign(value="12.9", flag="r")])  # one revised, Süd dropped
    new = pd.concat([old.iloc[[0]].assign(year=2020, value="11.0"), new])  # one new, in another order
    old.to_csv(tmp_path / "alt.csv", index=False)
    new.to_csv(tmp_path / "neu.csv", index=False)
    assert edition.number_changes(tmp_path / "alt.csv", tmp_path / "neu.csv") == [
        "- Anteil A, Nord, 2019, Frauen: 12,5 % → 12,9 % r", "- neu: Anteil A, Stadt X, 2020: 11,0 %",
        "- entfallen: Anteil A, Süd, 2019 (war .)"]


def test_a_crash_while_writing_an_edition_leaves_the_editions_as_they_were(tmp_path, monkeypatch):
    """An edition is copied beside its folder and renamed in one step: a crash at any write step leaves no
    edition that is half there; the next release removes the leftover and takes the next free number."""
    year_dir = tmp_path / "2020"
    (year_dir / "tables").mkdir(parents=True)
    (year_dir / "report.html").write_text("<p>Bericht</p>", encoding="utf-8")
    (year_dir / "manifest.json").write_text(json.dumps({"git": {"commit": "abc"}, "inputs": {}}), encoding="utf-8")
    header = "indicator,indicator_name,unit,area_level,area_code,area_name,year,group,group_label,value,flag\n"
    (year_dir / "tables" / "indikatoren_2020.csv").write_text(header, encoding="utf-8")
    edition.write_edition(2020, year_dir)
    before = sorted(p.relative_to(year_dir).as_posix() for p in (year_dir / "ausgaben").rglob("*"))
    steps = [(edition.shutil, "copy2", 1), (edition.shutil, "copy2", 2), (edition.shutil, "copytree", 1),
             (edition, "write_text_atomic", 1), (edition, "write_text_atomic", 2), (edition.os, "rename", 1)]
    for owner, name, step in steps:
        real, calls = getattr(owner, name), []

        def crash(*args, real=real, calls=calls, step=step, **kwargs):
            calls.append(args)
            if len(calls) == step:
                raise OSError("Stromausfall")
            return real(*args, **kwargs)

        with monkeypatch.context() as patched:
            patched.setattr(owner, name, crash)
            with pytest.raises(OSError):
                edition.write_edition(2020, year_dir)
        assert [e.number for e in edition.editions(year_dir)] == [1], (name, step)
        assert sorted(p.relative_to(year_dir).as_posix() for p in (year_dir / "ausgaben").rglob("*")) == before
    assert edition.write_edition(2020, year_dir).number == 2


def test_the_stores_locks_and_a_pending_commit_are_not_uncommitted_inputs(tmp_path):
    """A city's own repository need not ignore the project's working files: a release that named
    data/.store.lock (written by every build) as an uncommitted input could never go out."""
    root = tmp_path / "stadt"
    data = root / "data" / "muenster"
    (data / "observations").mkdir(parents=True)
    (data / "observations" / "counts.csv").write_text("year\n2019\n", encoding="utf-8")
    _git(root, "init", "-q")
    _commit(root, "Stand der Stadt")
    for hidden in (".store.lock", ".ingest.lock", ".ingest-journal.json", ".ingest-staging/counts.csv"):
        (data / hidden).parent.mkdir(parents=True, exist_ok=True)
        (data / hidden).write_text("", encoding="utf-8")
    (data / "observations" / "neu.csv").write_text("year\n2020\n", encoding="utf-8")
    assert manifest.uncommitted_inputs(root) == [("nicht eingecheckt", "data/muenster/observations/neu.csv")]
