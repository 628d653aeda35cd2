"""The staff's own words: commentary and recommendations written for one report year.

The statistics office's colleagues (in Münster the Kommunales Integrationszentrum) interpret the
results and give recommendations. These texts belong to a report year, not to a chapter notebook:
written into a notebook they would reappear, unchanged, in next year's report beside next year's
numbers. So they live as Markdown files in the city's data folder, one folder per year:

    data/<city>/texte/<jahr>/einleitung.md                          introduction to the report
    data/<city>/texte/<jahr>/handlungsfelder/<handlungsfeld>.md     commentary on a Handlungsfeld
    data/<city>/texte/<jahr>/empfehlungen/<handlungsfeld>.md        recommendations for a Handlungsfeld
    data/<city>/texte/<jahr>/indikatoren/<indikator>.md             commentary on one indicator

Each file may start with a front matter block between two `---` lines:

    ---
    status: entwurf        # or: freigegeben (released); a draft is marked as such in the report
    von: Kommunales Integrationszentrum
    beispiel: true         # a demo text, marked as an example
    ---

This module only reads and checks the files (the command that copies and releases them is
helpers.intake.staff_texts) (names against the catalogue, the front matter); the
sections layer renders them with their placeholders (helpers.sections.commentary). Every problem
names the file, the line and what to do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers.core import context, fileio, paths
from helpers.core.fileio import sha256_file, write_text_atomic

FOLDER = "texte"
#: A placeholder citing a published number, `{{mv_anteil 2019 Coerde}}` (helpers.disclosure.citations resolves
#: it; the city's setup check reads its indicator id).
PLACEHOLDER = re.compile(r"\{\{\s*(?P<inner>[^{}]*?)\s*\}\}")
#: The places a text can have: sub-folder (None: the year folder itself) and what its file names are.
PLACES = {"einleitung": None, "handlungsfeld": "handlungsfelder", "empfehlungen": "empfehlungen",
          "indikator": "indikatoren"}
STATUSES = ("entwurf", "freigegeben")
FRONT_KEYS = ("status", "von", "beispiel")
#: In a chapter kernel: the text files the chapter looked for and what they held (see note_read).
READ_LOG = "texts-read.json"


class TextError(ValueError):
    """A staff text cannot be used; the message names the file, the line and what to do."""


@dataclass(frozen=True)
class StaffText:
    """One text as written: where it belongs, its Markdown body and where the body starts in the file."""

    path: Path
    place: str  # "einleitung" | "handlungsfeld" | "empfehlungen" | "indikator"
    key: str  # the Handlungsfeld or indicator id; "" for the introduction
    year: int
    body: str
    first_line: int  # the file's line number of the body's first line
    status: str = "entwurf"
    author: str = ""
    example: bool = False

    @property
    def draft(self) -> bool:
        return self.status != "freigegeben"


def folder(year: int, data_dir: Path | None = None) -> Path:
    """The folder of one report year's texts."""
    return Path(data_dir or paths.DATA) / FOLDER / str(year)


def path_of(place: str, key: str, year: int, data_dir: Path | None = None) -> Path:
    """Where the text of one place is written (whether or not it exists)."""
    base = folder(year, data_dir)
    return base / "einleitung.md" if place == "einleitung" else base / PLACES[place] / f"{key}.md"


def data_relative(text: StaffText) -> str:
    """A text's file relative to the data folder ("texte/2019/einleitung.md"), as note_read names it."""
    depth = 3 if text.place == "einleitung" else 4  # texte/<jahr>/[<sub>/]<name>.md
    return "/".join(text.path.parts[-depth:])


_read: dict[str, dict[str, str]] = {}  # chapter -> {file relative to data/: sha256, "" when missing}


def note_read(place: str, key: str, year: int) -> None:
    """In a chapter kernel, note which text file the chapter looked for and what it held ("" when
    there was none). The runner re-runs a chapter when exactly these files change (a new text where
    none was counts), not all chapters for any edited text, and knows which chapter shows a text
    (its typed numbers are checked against that chapter's numbers). Interactive work notes nothing."""
    run = context.current()
    if not run.recording:
        return
    path = path_of(place, key, year)
    relative = f"{FOLDER}/{year}/{path.relative_to(folder(year)).as_posix()}"  # as the runner's checksums name it
    checksum = sha256_file(path) if path.is_file() else ""
    seen = _read.setdefault(str(run.chapter), {})
    if seen.get(relative) == checksum:
        return
    seen[relative] = checksum
    write_text_atomic(Path(run.outputs) / READ_LOG, json.dumps(dict(sorted(seen.items())), indent=1) + "\n")


def read_log(side: Path) -> dict[str, str]:
    """What one chapter's kernel noted (note_read) in its side folder: {file relative to data/: sha256 or ""}."""
    try:
        noted = json.loads((Path(side) / READ_LOG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in noted.items()} if isinstance(noted, dict) else {}


def _fail(path: Path, line: int | None, message: str) -> TextError:
    where = f"{path}, Zeile {line}" if line else str(path)
    return TextError(f"{where}: {message}")


def front_matter(path: Path, text: str) -> tuple[dict, str, int]:
    """The front matter (a mapping), the body and the body's first line number."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text, 1
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
    if end is None:
        raise _fail(path, 1, "Der Kopf beginnt mit '---', endet aber nicht mit einer zweiten Zeile '---'.")
    try:
        front = fileio.load_yaml("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise _fail(path, (mark.line + 2) if mark else 1, f"Der Kopf ist kein gültiges YAML ({getattr(err, 'problem', err)}).") from None
    if not isinstance(front, dict):
        raise _fail(path, 2, "Der Kopf muss aus Zeilen 'schlüssel: wert' bestehen.")
    unknown = sorted(set(front) - set(FRONT_KEYS))
    if unknown:
        raise _fail(path, 2, f"Unbekannte Angabe im Kopf: {', '.join(unknown)}; erlaubt: {', '.join(FRONT_KEYS)}.")
    return front, "\n".join(lines[end + 1:]), end + 2


#: Markdown images: inline `![alt](target)` and by reference `![alt][id]` / `![id]` with `[id]: target`.
_INLINE_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?(?P<target>[^)\s>]*)")
_REFERENCE_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\](?:\[(?P<id>[^\]]*)\])?")
_DEFINITION = re.compile(r"^\s{0,3}\[(?P<id>[^\]]+)\]:\s*<?(?P<target>\S*?)>?(?:\s|$)")


def images(body: str, first_line: int = 1) -> list[tuple[int, str]]:
    """(line, target) of every image a Markdown body would show."""
    lines = body.splitlines()
    defined = {m.group("id").casefold(): m.group("target") for line in lines if (m := _DEFINITION.match(line))}
    found = []
    for offset, line in enumerate(lines):
        for match in _INLINE_IMAGE.finditer(line):
            found.append((first_line + offset, match.group("target")))
        for match in _REFERENCE_IMAGE.finditer(line):
            if line[match.end():match.end() + 1] == "(":
                continue  # inline, above
            ref = (match.group("id") or match.group("alt")).casefold()
            if ref in defined:
                found.append((first_line + offset, defined[ref]))
    return found


def _refuse_images(path: Path, body: str, first_line: int) -> None:
    """An image in a staff text is refused before any kernel starts: one from the web breaks the promise
    that the report opens offline (and the PDF step would fail late), a local file is not carried into
    the report's folder. Figures belong in the chapters; a text may link to a page instead."""
    for line, target in images(body, first_line):
        outside = bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//", target))
        why = ("liegt außerhalb des Berichts; der Bericht lädt nichts aus dem Netz (er öffnet ohne Internet, "
               "auch vom USB-Stick)") if outside else "wird nicht in den Bericht übernommen"
        raise _fail(path, line, f"Das Bild „{target}“ {why}. Bilder gehören in die Kapitel; im Text statt des Bildes "
                                "einen Link setzen: [Beschreibung](Adresse).")


def read(path: Path, place: str, key: str, year: int) -> StaffText:
    """One text file with its front matter checked, and no image in it (_refuse_images)."""
    front, body, first = front_matter(path, path.read_text(encoding="utf-8"))
    _refuse_images(path, body, first)
    status = str(front.get("status", "entwurf")).strip().lower()
    if status not in STATUSES:
        raise _fail(path, 2, f"status ist {status!r}; erlaubt: {', '.join(STATUSES)}.")
    example = front.get("beispiel", False)
    if not isinstance(example, bool):
        raise _fail(path, 2, "beispiel ist 'true' oder 'false'.")
    return StaffText(path, place, key, year, body.strip("\n"), first, status, str(front.get("von") or "").strip(), example)


def load(year: int, handlungsfelder: set[str], indicators: set[str], data_dir: Path | None = None) -> list[StaffText]:
    """Every text of one report year, checked: a file whose name is no Handlungsfeld or indicator of
    the catalogue, or that lies where no text belongs, stops with its name and what is offered."""
    base = folder(year, data_dir)
    if not base.is_dir():
        return []
    found = []
    known = {"handlungsfeld": handlungsfelder, "empfehlungen": handlungsfelder, "indikator": indicators}
    for path in sorted(p for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")):
        relative = path.relative_to(base)
        place = next((p for p, sub in PLACES.items() if sub is not None and relative.parts[:-1] == (sub,)), None)
        if relative.parts == ("einleitung.md",):
            found.append(read(path, "einleitung", "", year))
        elif place is not None and path.suffix == ".md":
            if path.stem not in known[place]:
                noun = "Indikator" if place == "indikator" else "Handlungsfeld"
                raise _fail(path, None, f"'{path.stem}' ist kein {noun} des Katalogs (data/{paths.CITY}/catalogue.yml); "
                                        f"möglich: {', '.join(sorted(known[place]))}.")
            found.append(read(path, place, path.stem, year))
        else:
            places = ", ".join(["einleitung.md", *(f"{sub}/<name>.md" for sub in PLACES.values() if sub)])
            raise _fail(path, None, f"Hier gehört kein Text hin. Texte eines Jahres: {places}.")
    return found


# --- a new year: last year's texts as drafts; releasing --------------------------------------------------


def files_of(base: Path) -> list[Path]:
    return sorted(p for p in base.rglob("*.md") if p.is_file() and not p.name.startswith(".")) if base.is_dir() else []


def drafts(year: int, data_dir: Path | None = None) -> list[Path]:
    """The texts of a year that are not released (a final publication refuses them)."""
    found = []
    for path in files_of(folder(year, data_dir)):
        front, _, _ = front_matter(path, path.read_text(encoding="utf-8"))
        if str(front.get("status", "entwurf")).strip().lower() != "freigegeben":
            found.append(path)
    return found


def listing(year: int, root: Path | None = None, data_dir: Path | None = None) -> list[dict[str, object]]:
    """The texts of a year as the manifest lists them: file (relative to the root), status, example, sha256."""
    root = Path(root or paths.ROOT)
    found = []
    for path in files_of(folder(year, data_dir or paths.DATA)):
        content = path.read_text(encoding="utf-8")
        front, _, _ = front_matter(path, content)
        found.append({"file": path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix(),
                      "status": str(front.get("status", "entwurf")).strip().lower(),
                      "example": bool(front.get("beispiel", False)), "sha256": sha256_file(path)})
    return found
