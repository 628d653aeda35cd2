"""The generic chapters: the report of a city without notebooks of its own, derived from its catalogue.

A city that has no notebooks/<city>/ and whose config/<city>/monitoring.yml lists no `chapters` gets the
chapters of notebooks/generic/, each of which takes every word from the city's settings and catalogue:

- 00_<kontext>: who lives where (the Handlungsfeld of category "Kontext" that has indicators);
- 01_<hf> … : one chapter per further Handlungsfeld with indicators, all executed from one notebook
  (handlungsfeld.ipynb) with the Handlungsfeld's id as its parameter `handlungsfeld`;
- 80_raeumliche_muster: segregation and Moran's I / LISA (the sections say when there are too few areas);
- 90_zusammenhaenge: correlations, when the catalogue has at least two indicators.

The runner knows a chapter by its file name (its executed copy, its cache key, its side folder), so the
fan-out is declared as files: each chapter is a copy of its template under the chapter's own name in the
city's generated folder (outputs/<city>/.kapitel/, never committed), written only when its text changed,
and the Handlungsfeld is both in the name and in the parameters (part of the chapter's cache key). Reads
the catalogue as YAML only (no pandas): the runner's no-change path stays light.
"""

from __future__ import annotations

from pathlib import Path

from helpers.core import fileio

#: The generic chapters' templates, relative to the repository root.
FOLDER = Path("notebooks") / "generic"
#: Where a city's generic chapters are written, relative to the root (outputs/<city>/.kapitel).
GENERATED = ".kapitel"
CONTEXT = "kontext.ipynb"
HANDLUNGSFELD = "handlungsfeld.ipynb"
SPATIAL = "raeumliche_muster.ipynb"
CORRELATIONS = "zusammenhaenge.ipynb"
#: The category that marks the context Handlungsfeld in a catalogue (as `stadt daten` writes it).
CONTEXT_CATEGORY = "Kontext"
SPATIAL_NUMBER, CORRELATIONS_NUMBER = 80, 90
#: Handlungsfeld chapters are numbered 01 … 79.
MAX_HANDLUNGSFELDER = SPATIAL_NUMBER - 1


def templates(repository: Path) -> Path:
    """The templates' folder of the repository whose code runs (the root of a test city has none)."""
    return Path(repository) / FOLDER


def generated_folder(root: Path, city: str) -> Path:
    """Where the city's generic chapters are written: outputs/<city>/.kapitel of its root."""
    return Path(root) / "outputs" / city / GENERATED


def _catalogue(path: Path) -> tuple[list[dict], list[dict]]:
    """(Handlungsfelder, indicators) of the catalogue as written; empty when there is none or it is not a mapping
    (its own check names the defect)."""
    if not path.is_file():
        return [], []
    try:
        raw = fileio.load_yaml(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - a broken catalogue is reported by the catalogue's own check
        return [], []
    if not isinstance(raw, dict):
        return [], []
    fields = [entry for entry in raw.get("handlungsfelder") or [] if isinstance(entry, dict) and entry.get("id")]
    indicators = [entry for entry in raw.get("indicators") or [] if isinstance(entry, dict) and entry.get("id")]
    return fields, indicators


def entries(catalogue_file: Path) -> list[tuple[str, str, dict, str]]:
    """(chapter file name, title, parameters, template) of each generic chapter the catalogue supports, in order."""
    fields, indicators = _catalogue(Path(catalogue_file))
    used = [f for f in fields if any(i.get("handlungsfeld") == f["id"] for i in indicators)]
    context = next((f for f in used if str(f.get("category", "")) == CONTEXT_CATEGORY), None)
    out: list[tuple[str, str, dict, str]] = []
    if context is not None:
        out.append((f"00_{context['id']}.ipynb", str(context.get("name", context["id"])),
                    {"handlungsfeld": str(context["id"])}, CONTEXT))
    others = [f for f in used if f is not context][:MAX_HANDLUNGSFELDER]
    out += [(f"{number:02d}_{f['id']}.ipynb", str(f.get("name", f["id"])), {"handlungsfeld": str(f["id"])},
             HANDLUNGSFELD) for number, f in enumerate(others, start=1)]
    if indicators:
        out.append((f"{SPATIAL_NUMBER}_raeumliche_muster.ipynb", "Räumliche Muster", {}, SPATIAL))
    if len(indicators) >= 2:
        out.append((f"{CORRELATIONS_NUMBER}_zusammenhaenge.ipynb", "Zusammenhänge zwischen Indikatoren", {},
                    CORRELATIONS))
    return out


def materialise(repository: Path, folder: Path, chapters: list[tuple[str, str, dict, str]]) -> None:
    """Each chapter as a copy of its template in `folder`, written (atomically) only where its text differs, so
    that an unchanged chapter keeps its checksum; copies of chapters the catalogue no longer has are removed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for name, _, _, template in chapters:
        wanted.add(name)
        text = (templates(repository) / template).read_text(encoding="utf-8")
        target = folder / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            fileio.write_text_atomic(target, text)
    for stale in folder.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
