"""The staff's own words: commentary and recommendations written for one report year.

The statistics office's colleagues (in Münster the Kommunales Integrationszentrum) interpret the
results and give recommendations. These texts belong to a report year, not to a chapter notebook:
written into a notebook they would reappear, unchanged, in next year's report beside next year's
numbers. So they live as Markdown files in the city's data folder, one folder per year:

    data/texte/<jahr>/einleitung.md                          introduction to the report
    data/texte/<jahr>/handlungsfelder/<handlungsfeld>.md     commentary on a Handlungsfeld
    data/texte/<jahr>/empfehlungen/<handlungsfeld>.md        recommendations for a Handlungsfeld
    data/texte/<jahr>/indikatoren/<indikator>.md             commentary on one indicator

Each file may start with a front matter block between two `---` lines:

    ---
    status: entwurf        # or: freigegeben (released); a draft is marked as such in the report
    von: Kommunales Integrationszentrum
    beispiel: true         # a demo text, marked as an example
    ---

This module only reads and checks the files (names against the catalogue, the front matter); the
sections layer renders them with their placeholders (helpers.sections.commentary). Every problem
names the file, the line and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers.core import paths

FOLDER = "texte"
#: The places a text can have: sub-folder (None: the year folder itself) and what its file names are.
PLACES = {"einleitung": None, "handlungsfeld": "handlungsfelder", "empfehlungen": "empfehlungen",
          "indikator": "indikatoren"}
STATUSES = ("entwurf", "freigegeben")
FRONT_KEYS = ("status", "von", "beispiel")


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


def _fail(path: Path, line: int | None, message: str) -> TextError:
    where = f"{path}, Zeile {line}" if line else str(path)
    return TextError(f"{where}: {message}")


def _front_matter(path: Path, text: str) -> tuple[dict, str, int]:
    """The front matter (a mapping), the body and the body's first line number."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text, 1
    end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), None)
    if end is None:
        raise _fail(path, 1, "Der Kopf beginnt mit '---', endet aber nicht mit einer zweiten Zeile '---'.")
    try:
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise _fail(path, (mark.line + 2) if mark else 1, f"Der Kopf ist kein gültiges YAML ({getattr(err, 'problem', err)}).") from None
    if not isinstance(front, dict):
        raise _fail(path, 2, "Der Kopf muss aus Zeilen 'schlüssel: wert' bestehen.")
    unknown = sorted(set(front) - set(FRONT_KEYS))
    if unknown:
        raise _fail(path, 2, f"Unbekannte Angabe im Kopf: {', '.join(unknown)}; erlaubt: {', '.join(FRONT_KEYS)}.")
    return front, "\n".join(lines[end + 1:]), end + 2


def read(path: Path, place: str, key: str, year: int) -> StaffText:
    """One text file with its front matter checked."""
    front, body, first = _front_matter(path, path.read_text(encoding="utf-8"))
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
                raise _fail(path, None, f"'{path.stem}' ist kein {noun} des Katalogs (data/catalogue.yml); "
                                        f"möglich: {', '.join(sorted(known[place]))}.")
            found.append(read(path, place, path.stem, year))
        else:
            places = ", ".join(["einleitung.md", *(f"{sub}/<name>.md" for sub in PLACES.values() if sub)])
            raise _fail(path, None, f"Hier gehört kein Text hin. Texte eines Jahres: {places}.")
    return found
