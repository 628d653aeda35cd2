"""The register of published cells: what every displayed table, map, figure and text shows.

Each output notes the cells it shows (`record`). In a chapter kernel started by the runner
the notes go to outputs/<city>/<year>/published/<chapter>.csv; the checker (helpers.disclosure.checker)
tests them against the rule, and the manifest fingerprints them. Interactive work (no chapter
set) records nothing.

Beside the cells, a chapter notes which of the report's explanations its results need (`note`:
the method of a segregation index, Moran's I, …): published/<chapter>.notes.json, a sorted list
of keys, which helpers.publish.stitch reads to print the method notes of what was shown. It holds
no numbers; the checker reads only the .csv records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from helpers.core import context, fileio, paths
from helpers.core.fileio import write_text_atomic
from helpers.disclosure.disclosed import rounded

RECORD_COLUMNS = ["what", "indicator", "area_level", "area_code", "year", "group", "value", "flag"]

#: The file a chapter's notes go to, beside its records: published/<chapter><NOTES_SUFFIX>.
NOTES_SUFFIX = ".notes.json"

_records: list[pd.DataFrame] = []
#: The CSV text of `_records` so far (the header once): each record appends its rows' text instead of writing all
#: records through pandas again, which grew with the square of a chapter's records (its interactive maps record
#: every year of the look back).
_written: list[str] = []
_notes: set[str] = set()


def record(vals: pd.DataFrame, what: str, value: str = "value") -> None:
    """Note the cells a table, map or figure shows; written to outputs/<city>/<year>/published/<chapter>.csv.

    Outside a runner kernel (a run context without chapter) nothing is written: interactive work
    publishes nothing.
    """
    run = context.current()
    if not run.recording or vals.empty:
        return
    chapter, year = run.chapter, run.year
    rows = pd.DataFrame({
        "what": what,
        "indicator": vals.get("indicator", pd.Series("", index=vals.index)).astype(str),
        "area_level": vals.get("area_level", pd.Series("", index=vals.index)).astype(str),
        "area_code": vals.get("area_code", pd.Series("", index=vals.index)).astype(str),
        "year": vals["year"].astype("Int64"),
        "group": vals.get("group", pd.Series("total", index=vals.index)).astype(str),
        "value": rounded(vals[value]),
        "flag": vals.get("flag", pd.Series("", index=vals.index)).fillna("").astype(str),
    })
    _records.append(rows)
    text = rows.to_csv(index=False, lineterminator="\n")  # the columns' types are fixed above: as one frame's CSV
    _written.append(text if not _written else text.split("\n", 1)[1])
    target = paths.year_outputs(int(year)) / "published" / f"{chapter}.csv"
    write_text_atomic(target, "".join(_written))


def read_records(year_dir: Path) -> pd.DataFrame:
    """All recorded cells of a run, with the chapter they appear in."""
    folder = Path(year_dir) / "published"
    frames = [pd.read_csv(p, dtype={"area_code": str, "indicator": str, "group": str, "flag": str},
                          keep_default_na=False, na_values={"value": [""], "year": [""]})
              .pipe(lambda f, name=p.stem: f.assign(chapter=name, row=range(1, len(f) + 1)))
              for p in sorted(folder.glob("*.csv")) if not fileio.is_temporary(p)]  # a crashed write is no record
    if not frames:
        return pd.DataFrame(columns=[*RECORD_COLUMNS, "chapter", "row"])
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype("Float64")
    return out


def note(key: str) -> None:
    """Note that this chapter showed something the report explains on its closing pages (`key`, e.g.
    "segregation"); written to outputs/<city>/<year>/published/<chapter>.notes.json, like `record` only in a
    runner kernel."""
    run = context.current()
    if not run.recording or key in _notes:
        return
    _notes.add(key)
    target = paths.year_outputs(int(run.year)) / "published" / f"{run.chapter}{NOTES_SUFFIX}"
    write_text_atomic(target, json.dumps(sorted(_notes)) + "\n")


def read_notes(folder: Path, chapters: Iterable[str] | None = None) -> set[str]:
    """The notes recorded in `folder`/published/ (all chapters, or those named): what the report explains."""
    wanted = None if chapters is None else set(chapters)
    found: set[str] = set()
    for path in sorted((Path(folder) / "published").glob(f"*{NOTES_SUFFIX}")):
        chapter = path.name[:-len(NOTES_SUFFIX)]
        if fileio.is_temporary(path) or (wanted is not None and chapter not in wanted):
            continue
        found.update(json.loads(path.read_text(encoding="utf-8")))
    return found


def reset_records() -> None:
    """Forget this kernel's records and notes (a warm kernel's next chapter starts empty)."""
    _records.clear()
    _written.clear()
    _notes.clear()

