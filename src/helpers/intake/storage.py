"""Storage that loses nothing: raw files as received, one observations file, two logs, one commit point.

Layout (paths in `helpers.core.paths`):

- `data/<city>/raw/<year>/<file>`          the delivered file, byte for byte (year = latest year in it);
                                    a different file of the same name is kept beside it as
                                    `<name>.<first 8 hex of its sha256><suffix>`, never overwritten
- `data/<city>/raw/SHA256SUMS`             checksum of every raw file (`sha256sum -c SHA256SUMS` in data/<city>/raw)
- `data/<city>/observations/deliveries.csv` the observations the deliveries yielded (observation schema;
                                    `source` names the raw file and its checksum)
- `data/<city>/ingest_log.csv`             one line per ingested file: time, checksum, counts, and the
                                    sha256 of deliveries.csv after the ingest (`result_sha256`)
- `data/<city>/delivery_revisions.csv`     every changed value: old and new value/flag/source, file, time

Commit protocol (`commit`): every file the ingest changes (raw copies, SHA256SUMS, revision log,
ingest log, deliveries.csv) is first written in full into `data/.ingest-staging/`; then one
atomic write of `data/.ingest-journal.json`, listing target, staged file and checksum of each,
is the commit point; then the staged files are moved into place (`os.replace`, deliveries.csv
last) and the journal is deleted. A crash before the journal leaves the previous state and a
staging folder that the next ingest removes; a crash after it leaves a journal that the next
ingest completes (`recover`, which says what it did). Readers need no recovery: until
deliveries.csv is replaced they see the previous state, because the logs' entries whose
`result_sha256` is not the hash of the deliveries.csv they read do not count (they read it first,
and once: `committed_log(store, current)`). The journal is written and applied under the store
lock (`helpers.core.storelock.committing`), so no report build reads while files move; staging is not. (A test "is the
delivery's sha256 in deliveries.csv?" would fail for deliveries that add no row or whose rows
were all revised later; the result hash does not.) The staging folder, the journal and the
temporary files of atomic writes are hidden and git-ignored, so `git add data` never takes them.

A value already stored is never overwritten silently: a different value for the same key is
a conflict unless the user passes --revise; a revised value is stored with flag `r` (unless
it is now missing) and logged. Values from other observation files (sms.csv, synthetic.csv)
stay there; `helpers.core.observations` lets a logged revision in deliveries.csv supersede them. Demo
values (synthetic) and values stored as "…" (not yet available) are replaced by delivered
values without --revise, and logged as such.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from helpers.core.fileio import csv_safe, remove_stale_temporaries, sha256_bytes, sha256_file, write_atomic
from helpers.core.fileio import replace as replace_file
from helpers.core.model import KEY, OBSERVATION_COLUMNS, DataError
from helpers.core.store import (
    FILLS_PENDING,
    LOG_COLUMNS,
    REPLACES_SYNTHETIC,
    REVISION,
    REVISION_LOG_COLUMNS,
    Store,
    committed_log,
    committed_revisions,
    current_result_hash,
)
from helpers.core.storelock import Busy, committing, ingest_lock, to_stderr

if TYPE_CHECKING:
    from helpers.intake.delivery import Delivery
    from helpers.intake.problems import Problem

@contextmanager
def locked(store: Store, say: Callable[[str], None] = to_stderr) -> Iterator[None]:
    """One ingest at a time per data folder, for the whole run (helpers.core.storelock.ingest_lock): a second
    one waits (bounded, saying for whom) and then checks against what the first stored, or raises Busy."""
    with ingest_lock(store.data_dir, say):
        yield


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- reading the committed state --------------------------------------------------------------


def read_deliveries(store: Store) -> pd.DataFrame:
    from helpers.core import observations

    if not store.deliveries_csv.exists():
        return empty_observations()
    return observations.read_observation_file(store.deliveries_csv)


def empty_observations() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in OBSERVATION_COLUMNS})
    return frame.astype({"year": int, "value": "Int64", "synthetic": bool})


# --- deciding what a delivery changes -----------------------------------------------------------


def _flag_kind(flag: str) -> str:
    """'r' on a stored value only says it was revised once; it is the same value as without."""
    return "" if flag in ("", "r") else flag


def show(value, flag: str) -> str:
    """A stored value as a person reads it: 1.234, 0 (-), . (geheim …), 1.234 p."""
    from helpers.intake.problems import fmt_int

    if pd.isna(value):
        return f"„{flag}“ (kein Wert)"
    text = fmt_int(int(value))
    return f"{text} {flag}" if flag and flag != "-" else text


@dataclass
class Plan:
    """What one delivery does to the stored observations."""

    delivery: Delivery
    raw_target: Path
    source: str
    stored_rows: pd.DataFrame  # rows to put into deliveries.csv (new, revised, replacing demo data)
    new: int = 0
    unchanged: int = 0
    revised: int = 0
    replaced_synthetic: int = 0
    filled_pending: int = 0
    revision_rows: list[dict] = field(default_factory=list)
    conflicts: list[Problem] = field(default_factory=list)


def raw_target(store: Store, year: int, name: str, sha: str, planned: dict[Path, str] | None = None) -> Path:
    """data/<city>/raw/<year>/<name>; a different file of that name goes beside it, suffixed by its checksum.

    `planned` holds the targets of other files of the same run (not written yet).
    """
    target = store.raw_dir / str(year) / name
    other = (planned or {}).get(target)
    if other is not None:
        free = other == sha
    else:
        free = not target.exists() or sha256_bytes(target.read_bytes()) == sha
    if free:
        return target
    return target.with_name(f"{target.stem}.{sha[:8]}{target.suffix}")


def source_text(store: Store, target: Path, sha: str, quelle: str = "") -> str:
    rel = target.relative_to(store.data_dir).as_posix()
    quelle = " ".join(quelle.split())
    return f"Lieferung {rel} (sha256 {sha[:12]})" + (f"; Quelle: {quelle}" if quelle else "")


def plan(delivery: Delivery, state: pd.DataFrame, store: Store, revise: bool,
         planned: dict[Path, str] | None = None) -> Plan:
    """Sort the delivery's rows into new, unchanged, revised (or conflicts) against `state`."""
    rows = delivery.rows.drop_duplicates(KEY)
    year = int(rows["year"].max()) if len(rows) else 0
    target = raw_target(store, year, delivery.name, delivery.sha256, planned)
    source = source_text(store, target, delivery.sha256, delivery.info.get("Quelle", ""))
    merged = rows.merge(state[[*KEY, "value", "flag", "synthetic", "source"]], on=KEY, how="left",
                        suffixes=("", "_old"), indicator="match")
    result = Plan(delivery=delivery, raw_target=target, source=source, stored_rows=empty_observations())
    kept: list[dict] = []

    def keep(r, flag: str, kind: str | None = None) -> None:
        kept.append({**{k: getattr(r, k) for k in KEY}, "value": r.value, "flag": flag})
        if kind:
            result.revision_rows.append(_revision_row(r, flag, source, kind))

    for r in merged.itertuples(index=False):
        if r.match == "left_only":
            result.new += 1
            keep(r, r.flag)
        elif bool(r.synthetic):
            result.replaced_synthetic += 1
            keep(r, r.flag, REPLACES_SYNTHETIC)
        elif _same(r.value, r.flag, r.value_old, r.flag_old):
            result.unchanged += 1
        elif r.flag_old == "…":
            result.filled_pending += 1
            keep(r, r.flag, FILLS_PENDING)
        elif revise:
            result.revised += 1
            keep(r, r.flag if pd.isna(r.value) else "r", REVISION)
        else:
            result.conflicts.append(delivery.at_value(
                int(r.row), "Wert weicht vom bereits gespeicherten Wert ab",
                f"neu {show(r.value, r.flag)}, gespeichert {show(r.value_old, r.flag_old)} aus „{r.source}“",
                "derselbe Wert wie gespeichert – oder eine ausdrücklich gewollte Revision",
                "ist der neue Wert richtig, mit --revise einlesen (make ingest FILE=… REVISE=1): die Änderung "
                "wird mit altem und neuem Wert protokolliert und mit „r“ gekennzeichnet; sonst den Wert korrigieren"))
    if kept:
        frame = pd.DataFrame(kept).assign(synthetic=False, source=source)
        result.stored_rows = frame[OBSERVATION_COLUMNS].astype({"value": "Int64", "year": int})
    return result


def _same(value, flag: str, old_value, old_flag: str) -> bool:
    both_missing = pd.isna(value) and pd.isna(old_value)
    equal = pd.notna(value) and pd.notna(old_value) and int(value) == int(old_value)
    return (both_missing or equal) and _flag_kind(flag) == _flag_kind(old_flag)


def _revision_row(r, new_flag: str, source: str, kind: str) -> dict:
    def text(value) -> str:
        return "" if pd.isna(value) else str(int(value))

    return {**{k: getattr(r, k) for k in KEY}, "old_value": text(r.value_old), "old_flag": r.flag_old, "old_source": r.source,
            "new_value": text(r.value), "new_flag": new_flag, "new_source": source, "kind": kind}


def upsert(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """`frame` with `rows` added; rows with a key already in `frame` replace it."""
    if rows.empty:
        return frame
    if frame.empty:
        return rows.reset_index(drop=True)
    merged = pd.concat([frame, rows[frame.columns.intersection(rows.columns)]], ignore_index=True)
    return merged.drop_duplicates(KEY, keep="last").reset_index(drop=True)


# --- writing ----------------------------------------------------------------------------------------


def observations_csv(frame: pd.DataFrame) -> bytes:
    """deliveries.csv as bytes, sorted by key so the same content always gives the same hash."""
    ordered = frame[OBSERVATION_COLUMNS].sort_values(KEY, kind="stable")
    buffer = io.StringIO()
    ordered.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def write_deliveries(target: Path, content: bytes) -> None:
    """Stage deliveries.csv's new content (a test replaces this function to simulate a crash before the commit point)."""
    write_atomic(target, lambda p: p.write_bytes(content))


#: Free text in the logs that comes from a delivery (its file name, its "Angaben" sheet) or names it.
#: Staff open the logs in Excel: such text never starts a formula there (`=HYPERLINK(…)`).
#: `new_source` is left out: readers match it against deliveries.csv, and source_text() always
#: starts it with "Lieferung".
LOG_TEXT_COLUMNS = ("file", "raw_path", "quelle", "old_source")
#: Hidden names in the data folder (git-ignored): the new files of a commit, and the list that commits them.
STAGING_DIR = ".ingest-staging"
JOURNAL = ".ingest-journal.json"


def _csv_bytes(frame: pd.DataFrame, columns: list[str]) -> bytes:
    frame = frame.reindex(columns=columns)
    for column in set(LOG_TEXT_COLUMNS) & set(columns):
        frame[column] = frame[column].map(lambda v: csv_safe(v) if isinstance(v, str) else v)
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _checksums_text(store: Store, copies: dict[Path, str]) -> bytes:
    sums: dict[str, str] = {}
    if store.checksums.exists():
        for line in store.checksums.read_text(encoding="utf-8").splitlines():
            if line.strip():
                sha, _, rel = line.partition("  ")
                sums[rel] = sha
    for target, sha in copies.items():
        sums[target.relative_to(store.raw_dir).as_posix()] = sha
    return "".join(f"{sha}  {rel}\n" for rel, sha in sorted(sums.items())).encode("utf-8")


def _new_files(store: Store, deliveries: pd.DataFrame, changed: bool, raw_copies: dict[Path, Path],
               log_rows: list[dict], revision_rows: list[dict]) -> list[tuple[Path, bytes]]:
    """Every file the commit writes, with its new content; deliveries.csv last (it makes log entries count)."""
    log = committed_log(store)  # drops the entries of an interrupted run …
    revisions = committed_revisions(store)  # … and their revisions
    files: list[tuple[Path, bytes]] = []
    shas = {}
    for source, target in raw_copies.items():
        data = Path(source).read_bytes()
        if not target.exists():
            files.append((target, data))
        shas[target] = sha256_bytes(data)
    if shas:
        files.append((store.checksums, _checksums_text(store, shas)))
    content = observations_csv(deliveries) if changed else None
    result = sha256_bytes(content) if content is not None else current_result_hash(store)
    new_revisions = pd.DataFrame(revision_rows, columns=REVISION_LOG_COLUMNS, dtype=object)
    files.append((store.revisions, _csv_bytes(pd.concat([revisions, new_revisions.astype(str)], ignore_index=True),
                                               REVISION_LOG_COLUMNS)))
    new_log = pd.DataFrame([{**row, "result_sha256": result} for row in log_rows], columns=LOG_COLUMNS).astype(str)
    files.append((store.ingest_log, _csv_bytes(pd.concat([log, new_log], ignore_index=True), LOG_COLUMNS)))
    if content is not None:
        files.append((store.deliveries_csv, content))
    return files


def commit(store: Store, deliveries: pd.DataFrame, changed: bool, raw_copies: dict[Path, Path],
           log_rows: list[dict], revision_rows: list[dict]) -> None:
    """Stage every new file, write the journal (the commit point), then move the files into place.

    A crash before the journal exists leaves the previous state (the next ingest removes the staged
    files); a crash after it leaves a journal that the next ingest completes (`recover`). While the
    files are being moved, readers still see the previous state: deliveries.csv moves last, and log
    entries whose result_sha256 is not its hash do not count.
    """
    staging = store.data_dir / STAGING_DIR
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    entries = []
    for number, (target, content) in enumerate(_new_files(store, deliveries, changed, raw_copies, log_rows, revision_rows)):
        staged = staging / f"{number:04d}{target.suffix}"
        if target == store.deliveries_csv:
            write_deliveries(staged, content)
        else:
            write_atomic(staged, lambda p, content=content: p.write_bytes(content))
        entries.append({"target": _relative(store, target), "staged": _relative(store, staged),
                        "sha256": sha256_bytes(content)})
    journal = {"time": now_utc(), "files": entries}
    try:
        with committing(store.data_dir):  # wait for the report builds reading the store (bounded)
            write_atomic(store.data_dir / JOURNAL,
                         lambda p: p.write_text(json.dumps(journal, ensure_ascii=False, indent=1), encoding="utf-8"))
            _apply_journal(store)
    except Busy:
        shutil.rmtree(staging, ignore_errors=True)  # before the commit point: nothing is stored
        raise


def _relative(store: Store, path: Path) -> str:
    return Path(path).relative_to(store.data_dir).as_posix()


def _apply_journal(store: Store) -> int:
    """Move every staged file of the journal into place (again, if a crash interrupted it); return how many moved."""
    journal_path = store.data_dir / JOURNAL
    journal = json.loads(journal_path.read_text(encoding="utf-8"))
    moved = 0
    for entry in journal["files"]:
        target, staged = store.data_dir / entry["target"], store.data_dir / entry["staged"]
        if staged.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            replace_file(staged, target)
            moved += 1
        elif not (target.exists() and sha256_file(target) == entry["sha256"]):
            raise DataError(
                f"{_relative(store, journal_path)}: das unterbrochene Einlesen vom {journal['time']} kann nicht "
                f"abgeschlossen werden, weil {entry['staged']} fehlt und {entry['target']} nicht den neuen Inhalt hat. "
                "Den Datenordner aus der Versionsverwaltung wiederherstellen (git checkout data/) und die "
                "Lieferungen erneut einlesen.")
    journal_path.unlink()
    shutil.rmtree(store.data_dir / STAGING_DIR, ignore_errors=True)
    return moved


def recover(store: Store) -> list[str]:
    """Finish or undo what a crashed ingest left in the data folder; say what was done (German)."""
    said = []
    if (store.data_dir / JOURNAL).exists():
        time = json.loads((store.data_dir / JOURNAL).read_text(encoding="utf-8")).get("time", "?")
        with committing(store.data_dir):
            moved = _apply_journal(store)
        said.append(f"Unterbrochenes Einlesen vom {time} abgeschlossen ({moved} Datei(en) an ihren Platz gebracht).")
    staging = store.data_dir / STAGING_DIR
    if staging.exists():
        shutil.rmtree(staging)
        said.append(f"Reste eines abgebrochenen Einlesens entfernt ({_relative(store, staging)}); "
                    "gespeichert war davon nichts.")
    for path in remove_stale_temporaries(store.data_dir):
        said.append(f"Unvollständig geschriebene Datei eines abgebrochenen Laufs entfernt: {_relative(store, path)}.")
    return said
