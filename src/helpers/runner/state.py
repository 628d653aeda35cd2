"""What earlier runs left for the next one to decide on: the run state of a year and the offered years.

The run state (outputs/<city>/<year>/.work/state.json) says which chapters were built with which key, what
their kernels wrote, which tables and report are in view, the last passed disclosure check, the last
passed check of the staff texts and the text check's hints. The next run compares it with the keys of
its inputs (helpers.runner.inputs) and redoes only what differs (helpers.runner.plan).

The file is generated state, not a record to keep: one of another version, or of a shape these
classes do not read (an older runner's), counts as "nothing built", and the next run rebuilds all.
Only the standard library here: the no-change path reads this file and must stay light.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from helpers.core import paths
from helpers.core.fileio import write_text_atomic
from helpers.runner.inputs import STATE_VERSION

#: The run state's file, inside outputs/<city>/<year>/.work/.
STATE_FILE = "state.json"
#: The offered years' cache, inside outputs/.work/.
YEARS_FILE = "years.json"


@dataclass
class ChapterRecord:
    """One chapter built by a successful run: its key, time, executed file and what its kernel wrote."""

    key: str
    seconds: float
    output: str  # sha256 of the executed notebook in outputs/<city>/<year>/notebooks/
    side: dict[str, str] = field(default_factory=dict)  # its side folder's files -> sha256
    texts: dict[str, str] = field(default_factory=dict)  # staff texts it looked for -> sha256 ("" missing)


@dataclass
class TablesRecord:
    """The exported tables: the key they were made with and their files' checksums."""

    key: str
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class ReportRecord:
    """The published report: its key and the checksums of every output file (report, records, tables)."""

    key: str
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckRecord:
    """What the last passed disclosure check covered (helpers.runner.release.check_fingerprint makes it and
    compares with it): its basis (Plan.tables_key: data, code, year), the table files' and each chapter's
    records' checksums. A later run re-checks only the chapters whose records changed against it."""

    basis: str
    tables: dict[str, str] = field(default_factory=dict)
    records: dict[str, str] = field(default_factory=dict)


@dataclass
class RunState:
    """Everything the runs of one year recorded (state.json; its key for `chapters` is "notebooks")."""

    chapters: dict[str, ChapterRecord] = field(default_factory=dict)  # notebook file name -> record
    tables: TablesRecord | None = None
    report: ReportRecord | None = None
    check: CheckRecord | None = None  # the last passed disclosure check
    texts_checked: str = ""  # Plan.texts_key of the last passed check of the staff texts
    hints: list[tuple[str, str]] = field(default_factory=list)  # (kind, message): the text check's findings

    def durations(self) -> dict[str, float]:
        """Each chapter's seconds in its last successful run."""
        return {name: record.seconds for name, record in self.chapters.items()}

    def to_json(self) -> dict:
        """The file's content (the shape state.json has had since version 3)."""
        found: dict = {"version": STATE_VERSION,
                       "notebooks": {name: vars(record) for name, record in self.chapters.items()}}
        if self.tables is not None:
            found["tables"] = vars(self.tables)
        if self.report is not None:
            found["report"] = vars(self.report)
        if self.check is not None:
            found["check"] = {"basis": self.check.basis, "tables": dict(self.check.tables),
                              "records": dict(self.check.records)}
        if self.texts_checked:
            found["texts_checked"] = self.texts_checked
        found["hints"] = [list(hint) for hint in self.hints]
        return found

    @classmethod
    def from_json(cls, found: dict) -> RunState:
        """The state a file holds; KeyError, TypeError or ValueError if it is not one this runner wrote."""
        tables, report, check = found.get("tables"), found.get("report"), found.get("check")
        return cls(
            chapters={name: ChapterRecord(entry["key"], float(entry["seconds"]), entry["output"],
                                          dict(entry.get("side", {})), dict(entry.get("texts", {})))
                      for name, entry in found.get("notebooks", {}).items()},
            tables=TablesRecord(tables["key"], dict(tables["files"])) if tables else None,
            report=ReportRecord(report["key"], dict(report["outputs"])) if report else None,
            check=CheckRecord(str(check["basis"]), dict(check["tables"]), dict(check["records"])) if check else None,
            texts_checked=str(found.get("texts_checked", "")),
            hints=[(str(kind), str(message)) for kind, message in found.get("hints", [])])


def load(year_dir: Path) -> RunState:
    """The state of the last runs for one year; empty (nothing built) if missing, unreadable or of another shape."""
    try:
        found = json.loads((paths.work_dir(year_dir) / STATE_FILE).read_text(encoding="utf-8"))
        if found.get("version") != STATE_VERSION:
            return RunState()
        return RunState.from_json(found)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return RunState()


def save(year_dir: Path, state: RunState) -> None:
    """Write the state at once (atomically): an interrupted run keeps what it finished."""
    write_text_atomic(paths.work_dir(year_dir) / STATE_FILE,
                      json.dumps(state.to_json(), ensure_ascii=False, indent=1) + "\n")


def cached_years(outputs: Path, key: str) -> dict | None:
    """The offered years (and reasons for the others) as found by the last run with the same key."""
    try:
        cache = json.loads((paths.work_dir(Path(outputs)) / YEARS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return cache.get("years") if cache.get("key") == key and isinstance(cache.get("years"), dict) else None


def save_years(outputs: Path, key: str, years: dict) -> None:
    """Keep the offered years for the next run with the same inputs (helpers.indicators.years decides them)."""
    write_text_atomic(paths.work_dir(Path(outputs)) / YEARS_FILE,
                      json.dumps({"key": key, "years": years}, ensure_ascii=False) + "\n")
