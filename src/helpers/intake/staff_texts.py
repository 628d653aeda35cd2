"""The staff's texts as a command: take over a year's texts as drafts of the next, release them, list them.

`integrationsmonitoring texts entwurf|freigeben|liste` (make texts-draft, make texts-release). These change
the staff's files under data/<city>/texte/<jahr>/, as the intake changes the stored data: never overwriting, each
file written atomically. Reading and checking the texts for a report is helpers.core.texts.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import yaml

from helpers.core import arguments, texts
from helpers.core.fileio import replace, write_text_atomic


def _with_front(front: dict, body: str) -> str:
    """A text file from its front matter (keys in the documented order) and its body."""
    ordered = {key: front[key] for key in texts.FRONT_KEYS if key in front}
    head = yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False).strip()
    return f"---\n{head}\n---\n{body.strip(chr(10))}\n"


def copy_as_drafts(from_year: int, to_year: int, data_dir: Path | None = None) -> list[Path]:
    """Every text of `from_year` as a draft of `to_year` (status: entwurf), so that staff revise them
    for the new numbers. Never overwrites: if the new year has texts already, nothing is copied and
    the error names them."""
    source, target = texts.folder(from_year, data_dir), texts.folder(to_year, data_dir)
    files = texts.files_of(source)
    if not files:
        raise texts.TextError(f"{source}: Für {from_year} gibt es keine Texte, die übernommen werden könnten.")
    existing = [target / f.relative_to(source) for f in files if (target / f.relative_to(source)).exists()]
    if existing:
        raise texts.TextError(f"{target}: Für {to_year} gibt es schon Texte ({', '.join(str(p) for p in existing)}); "
                        "nichts übernommen. Bitte diese Dateien prüfen und ggf. selbst entfernen.")
    # A new year's folder is written beside it and moved into place in one step, so a crash leaves
    # no half set of drafts (which the next run would refuse to complete).
    fresh = not target.exists()
    stage = target.parent / f".{target.name}.{os.getpid()}.entwurf" if fresh else target
    try:
        for path in files:
            front, body, _ = texts.front_matter(path, path.read_text(encoding="utf-8"))
            front["status"] = "entwurf"
            write_text_atomic(stage / path.relative_to(source), _with_front(front, body))
        if fresh:
            replace(stage, target)
    finally:
        if fresh and stage.exists():
            shutil.rmtree(stage)
    return [target / f.relative_to(source) for f in files]


def placeholders_naming(year: int, files: list[Path]) -> list[tuple[Path, int]]:
    """(file, line) of every placeholder that names `year` explicitly: after copying a year's texts
    as drafts, these still cite the old year (a placeholder without a year cites the report year)."""
    naming = re.compile(r"\{\{[^{}]*(?<!\d)" + str(year) + r"(?!\d)[^{}]*\}\}")
    return [(path, number) for path in files
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
            for _ in naming.finditer(line)]


def release(year: int, names: list[str] | None = None, data_dir: Path | None = None) -> list[Path]:
    """Mark texts of a year as released (status: freigegeben): all, or those named (path or file
    name, e.g. 'arbeit_wirtschaft.md' or 'empfehlungen/arbeit_wirtschaft.md'). An unknown name is an error."""
    base = texts.folder(year, data_dir)
    files = texts.files_of(base)
    chosen = files
    if names:
        chosen = []
        for name in names:
            hits = [f for f in files if f.relative_to(base).as_posix() == name or f.name == name or f == Path(name)]
            if not hits:
                raise texts.TextError(f"{base}: Text {name!r} gibt es für {year} nicht; vorhanden: "
                                f"{', '.join(f.relative_to(base).as_posix() for f in files) or 'keine'}.")
            chosen += [h for h in hits if h not in chosen]
    for path in chosen:
        front, body, _ = texts.front_matter(path, path.read_text(encoding="utf-8"))
        if front.get("status") != "freigegeben":
            front["status"] = "freigegeben"
            write_text_atomic(path, _with_front(front, body))
    return chosen


def main(argv: list[str] | None = None) -> int:
    """`integrationsmonitoring texts entwurf|freigeben|liste …` (make texts …)."""
    parser = arguments.ArgumentParser(description="Einordnungen und Handlungsempfehlungen eines Berichtsjahrs "
                                                  "verwalten (Dateien unter data/<stadt>/texte/<jahr>/).")
    commands = parser.add_subparsers(dest="aktion", required=True, metavar="AKTION")
    draft = commands.add_parser("entwurf", help="die Texte eines Jahres als Entwürfe eines neuen Jahres übernehmen")
    draft.add_argument("--von", type=int, required=True, metavar="JAHR", help="Jahr, dessen Texte übernommen werden")
    draft.add_argument("--nach", type=int, required=True, metavar="JAHR", help="neues Berichtsjahr")
    done = commands.add_parser("freigeben", help="Texte freigeben (status: freigegeben)")
    done.add_argument("--jahr", type=int, required=True, metavar="JAHR")
    done.add_argument("namen", nargs="*", metavar="DATEI", help="nur diese Texte (Standard: alle des Jahres)")
    shown = commands.add_parser("liste", help="die Texte eines Jahres mit ihrem Stand")
    shown.add_argument("--jahr", type=int, required=True, metavar="JAHR")
    args = parser.parse_args(argv)
    try:
        if args.aktion == "entwurf":
            written = copy_as_drafts(args.von, args.nach)
            print(f"{len(written)} Texte aus {args.von} als Entwürfe für {args.nach} angelegt unter "
                  f"{texts.folder(args.nach)}. Bitte überarbeiten und dann freigeben.")
            old_year = placeholders_naming(args.von, written)
            if old_year:
                print(f"{len(old_year)} Platzhalter nennen das Jahr {args.von} ausdrücklich und zitieren weiter dessen "
                      "Werte (ohne Jahr zitiert ein Platzhalter das Berichtsjahr):")
                for path, line in old_year:
                    print(f"  {path}, Zeile {line}")
        elif args.aktion == "freigeben":
            released = release(args.jahr, args.namen)
            print(f"{len(released)} Texte für {args.jahr} freigegeben.")
            examples = [t["file"] for t in texts.listing(args.jahr) if t["example"]]
            if examples:
                print(f"{len(examples)} davon sind Beispieltexte der Demodaten (Kopf „beispiel: true“) und bleiben als "
                      "solche gekennzeichnet; eine Ausgabe (make release) lehnt sie ab, bis sie durch eigene Texte "
                      "ersetzt oder gelöscht sind:")
                for name in examples:
                    print(f"  {name}")
        else:
            open_drafts = set(texts.drafts(args.jahr))
            for path in texts.files_of(texts.folder(args.jahr)):
                print(f"  {'Entwurf    ' if path in open_drafts else 'freigegeben'}  {path}")
            print(f"{len(open_drafts)} Entwürfe." if open_drafts else "Alle Texte freigegeben.")
    except texts.TextError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1
    return 0
