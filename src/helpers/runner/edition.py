"""Editions: `make release YEAR=2020` turns a checked build into a numbered edition that is never overwritten.

A working build (`make report`) may be rebuilt at will; what goes to the council is an edition. A
release

1. refuses while an input of the report (data, texts, configuration, notebooks, code) is not committed,
   and says how to commit it: a partner must be able to check out the recorded commit and get the
   same inputs (helpers.publish.manifest.uncommitted_inputs);
2. builds the year with the checks of a release (helpers.runner.report.run, `final`), and the area profiles'
   PDF (stadtteilprofile_<year>.pdf, helpers.publish.profiles_pdf, which a working build makes only on request): no drafts, no
   example texts, no hint of the text check (a typed number that is not its area's value, a placeholder
   on a secret value or on none); nothing is published until all are fixed, and the report in view
   stays as it was;
3. copies the published report (HTML, PDF, tables, area profiles and their PDF, manifest) into `outputs/<city>/<year>/ausgaben/<n>/`, the
   next free number, in one step (written beside it, then renamed: a crash leaves no half edition and
   an existing edition is never touched), with `ausgabe.json` (number, date, commit, the previous
   edition) and `aenderungen.md`, the change note against the previous edition of the year: which
   published numbers changed (by indicator, area, year and group), which staff texts and which data
   and boundary files changed, and whether the code did.

`make verify MANIFEST=outputs/<city>/<year>/ausgaben/<n>/manifest.json` reproduces an edition
(helpers.runner.verify).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.core import arguments, fileio, formatting, paths
from helpers.core.fileio import write_text_atomic

FOLDER = "ausgaben"
RECORD = "ausgabe.json"
NOTE = "aenderungen.md"
#: What an edition holds of the published report (relative to outputs/<city>/<year>/).
CONTENT = ("report.html", "report.pdf", "manifest.json")


@dataclass(frozen=True)
class Edition:
    number: int
    folder: Path

    @property
    def record(self) -> dict:
        return json.loads((self.folder / RECORD).read_text(encoding="utf-8"))

    @property
    def manifest(self) -> dict:
        return json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))


def editions(year_dir: Path) -> list[Edition]:
    """The editions of one year, oldest first (folders named by their number; anything else is ignored)."""
    base = Path(year_dir) / FOLDER
    found = [Edition(int(p.name), p) for p in base.iterdir() if p.is_dir() and p.name.isdigit()] if base.is_dir() else []
    return sorted(found, key=lambda e: e.number)


def _table_of(folder: Path) -> Path | None:
    found = sorted((folder / "tables").glob("indikatoren_*.csv"))
    return found[0] if found else None


def _label(row: dict) -> str:
    group = "" if row["group"] == "total" else f", {row['group_label'] or row['group']}"
    return f"{row['indicator_name']}, {row['area_name'] or row['area_code']}, {row['year']}{group}"


def _shown(value: str, flag: str, unit: str) -> str:
    if value == "":
        return flag or "."
    text = formatting.number(float(value), 1)
    return f"{text}{' ' + unit if unit else ''}{' ' + flag if flag in ('r', 'p') else ''}"


def number_changes(old_table: Path, new_table: Path) -> list[str]:
    """German lines: every published value that differs between two editions' tables, keyed by meaning
    (indicator, area, year, group), not by position."""
    import pandas as pd

    key = ["indicator", "area_level", "area_code", "year", "group"]
    read = {"dtype": str, "keep_default_na": False}
    old, new = pd.read_csv(old_table, **read), pd.read_csv(new_table, **read)
    both = old.merge(new, on=key, how="outer", suffixes=("_alt", ""), indicator=True, sort=False)
    found = []  # (changed before new before dropped, position in the new or old table, line)
    for position, row in enumerate(both.to_dict("records")):
        if row["_merge"] == "both" and (row["value_alt"], row["flag_alt"]) == (row["value"], row["flag"]):
            continue
        if row["_merge"] == "left_only":
            label = row | {k: row[f"{k}_alt"] for k in ("indicator_name", "area_name", "group_label")}
            found.append((2, position, f"- entfallen: {_label(label)} "
                                       f"(war {_shown(row['value_alt'], row['flag_alt'], row['unit_alt'])})"))
        elif row["_merge"] == "right_only":
            found.append((1, position, f"- neu: {_label(row)}: {_shown(row['value'], row['flag'], row['unit'])}"))
        else:
            found.append((0, position, f"- {_label(row)}: {_shown(row['value_alt'], row['flag_alt'], row['unit'])} → "
                                       f"{_shown(row['value'], row['flag'], row['unit'])}"))
    return [line for _, _, line in sorted(found)]


def _changed(old: dict[str, str], new: dict[str, str], prefix: str) -> list[str]:
    names = sorted(n for n in old.keys() | new.keys() if n.startswith(prefix) and old.get(n) != new.get(n))
    return [f"- {'neu' if n not in old else 'entfernt' if n not in new else 'geändert'}: {n}" for n in names]


def change_note(number: int, year: int, record: dict, previous: Edition | None, folder: Path) -> str:
    """The change note (German Markdown) of an edition against the previous edition of the same year."""
    date = datetime.date.fromisoformat(record["datum"][:10]).strftime("%d.%m.%Y")
    head = [f"# Änderungen: Ausgabe {number} des Integrationsmonitorings {year}", "",
            f"Ausgabe {number} vom {date}, Code-Stand {record['commit'][:12]}."]
    if previous is None:
        return "\n".join([*head, "", "Erste Ausgabe dieses Berichtsjahrs; es gibt nichts zu vergleichen.", ""])
    before = previous.record
    old_manifest, new_manifest = previous.manifest, json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    head[-1] += (f" Verglichen mit Ausgabe {previous.number} vom "
                 f"{datetime.date.fromisoformat(before['datum'][:10]).strftime('%d.%m.%Y')} "
                 f"(Code-Stand {before['commit'][:12]}).")
    old_table, new_table = _table_of(previous.folder), _table_of(folder)
    numbers = number_changes(old_table, new_table) if old_table and new_table else []
    old_inputs, new_inputs = old_manifest.get("inputs", {}), new_manifest.get("inputs", {})
    data_dir = f"data/{paths.CITY}/"
    texts = _changed(old_inputs, new_inputs, f"{data_dir}texte/")
    boundaries = _changed(old_inputs, new_inputs, f"{data_dir}geo/")
    data = [line for line in _changed(old_inputs, new_inputs, data_dir)
            if not line.split(": ", 1)[1].startswith((f"{data_dir}texte/", f"{data_dir}geo/"))]
    code = [line for prefix in ("src/", "notebooks/", "config/") for line in _changed(old_inputs, new_inputs, prefix)]
    code += _changed(old_inputs, new_inputs, "requirements.lock") + _changed(old_inputs, new_inputs, "pyproject.toml")
    sections = [
        ("Veröffentlichte Zahlen", numbers, f"{len(numbers)} Werte der Tabelle geändert, neu oder entfallen "
                                            "(alter → neuer Wert; r = berichtigt):", "Keine veröffentlichte Zahl hat sich geändert."),
        ("Texte der Verwaltung", texts, "", "Keine Änderung an den Texten."),
        ("Daten (Lieferungen, Revisionen, abgeleitete Reihen)", data, "", "Keine Änderung an den Daten."),
        ("Gebietsgrenzen", boundaries, "", "Keine Änderung an den Grenzen."),
        ("Kapitel, Einstellungen und Code", code, "", "Keine Änderung an Kapiteln, Einstellungen oder Code."),
    ]
    lines = head
    for title, found, intro, none in sections:
        lines += ["", f"## {title}", ""]
        lines += ([intro] if intro else []) + found if found else [none]
    return "\n".join(lines) + "\n"


def _next_number(year_dir: Path) -> int:
    found = editions(year_dir)
    return found[-1].number + 1 if found else 1


def write_edition(year: int, year_dir: Path) -> Edition:
    """Copy the report in view into the next edition folder, with its record and change note, in one step."""
    from helpers.publish import manifest as manifest_module
    from helpers.runner import publication

    year_dir = Path(year_dir)
    base = year_dir / FOLDER
    base.mkdir(parents=True, exist_ok=True)
    for left in base.glob(".*.neu"):  # a release that crashed while copying: never an edition, removed
        parts = left.name.split(".")
        if len(parts) == 4 and parts[2].isdigit() and not fileio.alive(int(parts[2])):
            shutil.rmtree(left, ignore_errors=True)
    built = manifest_module.read(year_dir / "manifest.json")
    while True:
        number = _next_number(year_dir)
        previous = next((e for e in reversed(editions(year_dir)) if e.number < number), None)
        stage = base / f".{number}.{os.getpid()}.neu"
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
        try:
            for name in (*CONTENT, *publication.profile_pdfs(year_dir)):
                if (year_dir / name).is_file():
                    shutil.copy2(year_dir / name, stage / name)
            shutil.copytree(year_dir / "tables", stage / "tables")
            if (year_dir / paths.PROFILES).is_dir():  # the area profiles, linked from the report (helpers.publish.profiles)
                shutil.copytree(year_dir / paths.PROFILES, stage / paths.PROFILES)
            record = {"ausgabe": number, "berichtsjahr": year,
                      "datum": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                      "commit": built["git"]["commit"], "vorherige": previous.number if previous else None}
            write_text_atomic(stage / RECORD, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
            write_text_atomic(stage / NOTE, change_note(number, year, record, previous, stage))
            try:
                os.rename(stage, base / str(number))  # fails if that number appeared meanwhile: never overwritten
            except OSError:
                if (base / str(number)).exists():
                    continue
                raise
            return Edition(number, base / str(number))
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _commit_advice(uncommitted: list[tuple[str, str]]) -> list[str]:
    texts = f"data/{paths.CITY}/texte/"  # a year's texts are added as their folder: data/<city>/texte/<year>
    folders = sorted({"/".join(name.split("/")[:4]) if name.startswith(texts) else name for _, name in uncommitted})
    return [f"  git add {' '.join(folders[:8])}{' …' if len(folders) > 8 else ''}",
            '  git commit -m "Texte und Daten der Ausgabe"']


def release(year: int | None, pdf: bool = True) -> int:
    """`make release`: refuse uncommitted inputs, build with a release's checks, write the next edition."""
    from helpers.publish import manifest as manifest_module
    from helpers.runner import plan, report

    uncommitted = manifest_module.uncommitted_inputs()
    if uncommitted:
        print("Fehler: Eine Ausgabe muss aus eingecheckten Eingaben entstehen, damit sie jede Partnerin aus dem "
              "Commit nachrechnen kann. Nicht eingecheckt:", file=sys.stderr)
        for status, name in uncommitted[:30]:
            print(f"  {status}: {name}", file=sys.stderr)
        if len(uncommitted) > 30:
            print(f"  … und {len(uncommitted) - 30} weitere", file=sys.stderr)
        print("Einchecken, z. B.:", file=sys.stderr)
        for line in _commit_advice(uncommitted):
            print(line, file=sys.stderr)
        return 1
    code = report.run(year, pdf=pdf, final=True, profile_pdf=pdf)
    if code != 0:
        print("Keine Ausgabe erstellt.", file=sys.stderr)
        return code
    year = plan.report_year(year)
    year_dir = paths.year_outputs(year)
    edition = write_edition(year, year_dir)
    print(f"Ausgabe {edition.number} des Berichtsjahrs {year_dir.name}: {edition.folder} "
          f"(Änderungen gegenüber der vorigen Ausgabe: {edition.folder / NOTE})", flush=True)
    if edition.record["commit"] == "unbekannt":
        print("Hinweis: Dieser Ordner ist kein Git-Checkout; die Ausgabe nennt keinen Commit. Nachrechnen lässt sie "
              "sich nur mit genau diesen Eingaben (ihre Prüfsummen stehen im Manifest).", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Eine Ausgabe des Berichts veröffentlichen: geprüft, nummeriert, "
                                                  f"nie überschrieben (outputs/{paths.CITY}/<jahr>/ausgaben/<n>/)")
    parser.add_argument("--jahr", "--year", dest="year", metavar="JAHR", type=int, default=None,
                        help="Berichtsjahr (Standard: default_year in config/monitoring.yml)")
    parser.add_argument("--ohne-pdf", action="store_true", help="ohne PDF (nur zum Ausprobieren)")
    args = parser.parse_args(argv)
    return release(args.year, pdf=not args.ohne_pdf)


if __name__ == "__main__":
    raise SystemExit(main())
