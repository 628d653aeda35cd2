"""Publishing a checked run: staged files into place together, or nothing (see helpers.runner.release).

Kept apart from release (which imports pandas, the checker and the exporters) because every build,
also one with nothing to do, first asks `recover` whether a crashed run left something behind.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers.core import fileio, paths
from helpers.publish import profiles_pdf

OUTPUT_FILES = ("report.html", "report.pdf")
#: In .work/: the files of a run before they are checked and published, and the list that publishes them.
STAGING = "publish"
JOURNAL = "publish.json"
#: The area profiles' folder beside the report (helpers.publish.profiles).
PROFILES = paths.PROFILES
#: What a reader opens; moved last, so that it never appears without the files beside it.
ENTRY = "report.html"


def profile_pdfs(folder: Path) -> list[str]:
    """The area profiles' PDF in `folder` (helpers.publish.profiles_pdf), if there: published with the report
    as report.pdf is, and leaving view with it."""
    return sorted(p.name for pattern in profiles_pdf.PATTERNS for p in Path(folder).glob(pattern)
                  if p.is_file() and not fileio.is_temporary(p))


def staging_dir(out: Path) -> Path:
    """Where a run writes what it will publish (never opened by readers)."""
    return paths.work_dir(Path(out)) / STAGING


def records_dir(out: Path) -> Path:
    """Where this run's chapter records are (`<dir>/published/`): staged while a build checks them, else the
    published ones beside the report in view."""
    stage = staging_dir(out)
    return stage if (stage / "published").is_dir() else Path(out)


def published_tables(out: Path, staged: list[str], keep_indicator_tables: bool) -> list[str]:
    """The tables/ files after publication: the staged ones, plus the indicator tables kept from before."""
    names = set(staged)
    if keep_indicator_tables:
        names |= {f"tables/{p.name}" for p in (Path(out) / "tables").glob("indikatoren_*") if not fileio.is_temporary(p)}
    return sorted(names)


def publish(out: Path) -> None:
    """Move the checked, staged files into place: first the journal (the commit point), then the files."""
    out = Path(out)
    stage = staging_dir(out)
    staged = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file() and not fileio.is_temporary(p))
    tables_now = sorted(f"tables/{p.name}" for p in (out / "tables").glob("*") if p.is_file())
    keep = not any(name.startswith("tables/indikatoren_") for name in staged)
    final = set(published_tables(out, [n for n in staged if n.startswith("tables/")], keep))
    order = [n for n in staged if n not in ("manifest.json", ENTRY)] + [n for n in ("manifest.json", ENTRY) if n in staged]
    delete = [n for n in tables_now if n not in final]
    if (stage / PROFILES).is_dir():  # the staged area profiles replace those in view as a whole
        delete += sorted(f"{PROFILES}/{p.name}" for p in (out / PROFILES).glob("*")
                         if p.is_file() and f"{PROFILES}/{p.name}" not in staged)
        # and their PDF, made from the old pages, leaves view unless this run made it anew
        delete += [name for name in profile_pdfs(out) if name not in staged]
    if (stage / "published").is_dir():  # the staged records replace the published ones as a whole
        delete += sorted(f"published/{p.name}" for p in (out / "published").glob("*")
                         if p.is_file() and f"published/{p.name}" not in staged)
    journal = {"moves": order, "sha256": {n: fileio.sha256_file(stage / n) for n in order}, "delete": delete}
    fileio.write_text_atomic(paths.work_dir(out) / JOURNAL, json.dumps(journal, ensure_ascii=False, indent=1))
    _apply_journal(out)


def _apply_journal(out: Path) -> int:
    """Carry out the publication journal (again, after a crash); return how many files moved."""
    journal_path = paths.work_dir(out) / JOURNAL
    journal = json.loads(journal_path.read_text(encoding="utf-8"))
    stage = staging_dir(out)
    for name in (ENTRY, "manifest.json"):  # the previous report leaves view first: never old and new mixed
        target = out / name
        if target.exists() and (stage / name).exists():
            target.unlink()
    for name in journal["delete"]:
        (out / name).unlink(missing_ok=True)
    moved = 0
    for name in journal["moves"]:
        source, target = stage / name, out / name
        if source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fileio.replace(source, target)
            moved += 1
        elif not (target.exists() and fileio.sha256_file(target) == journal["sha256"][name]):
            # a ValueError: the runner prints it as a German error, without a traceback
            raise ValueError(f"{journal_path}: die unterbrochene Veröffentlichung kann nicht abgeschlossen werden, "
                             f"weil {name} im Zwischenordner und am Ziel fehlt; bitte den Ordner {journal_path.parent} "
                             "löschen und `make report FORCE=1` ausführen")
    journal_path.unlink()
    shutil.rmtree(stage, ignore_errors=True)
    return moved


def recover(out: Path) -> list[str]:
    """Finish an interrupted publication, remove what a crashed run left unchecked; say what was done (German)."""
    out = Path(out)
    said = []
    if (paths.work_dir(out) / JOURNAL).exists():
        moved = _apply_journal(out)
        said.append(f"Unterbrochene Veröffentlichung abgeschlossen ({moved} Datei(en) an ihren Platz gebracht).")
    if staging_dir(out).exists():
        shutil.rmtree(staging_dir(out))
        said.append("Ungeprüfte Dateien eines abgebrochenen Laufs entfernt (noch nicht veröffentlicht).")
    if (out / ENTRY).exists() and not (out / "manifest.json").exists():
        for name in (*OUTPUT_FILES, *profile_pdfs(out)):
            (out / name).unlink(missing_ok=True)
        said.append(f"{ENTRY} ohne manifest.json (nicht geprüft oder unvollständig) entfernt.")
    for path in fileio.remove_stale_temporaries(out):
        said.append(f"Unvollständig geschriebene Datei eines abgebrochenen Laufs entfernt: {path.relative_to(out)}.")
    return said
