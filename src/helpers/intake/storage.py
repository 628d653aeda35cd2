"""Storage that loses nothing: raw files as received, one observations file, two logs, one commit point.

Layout (paths in `helpers.core.paths`):

- `data/raw/<year>/<file>`          the delivered file, byte for byte (year = latest year in it);
                                    a different file of the same name is kept beside it as
                                    `<name>.<first 8 hex of its sha256><suffix>`, never overwritten
- `data/raw/SHA256SUMS`             checksum of every raw file (`sha256sum -c SHA256SUMS` in data/raw)
- `data/observations/deliveries.csv` the observations the deliveries yielded (observation schema;
                                    `source` names the raw file and its checksum)
- `data/ingest_log.csv`             one line per ingested file: time, checksum, counts, and the
                                    sha256 of deliveries.csv after the ingest (`result_sha256`)
- `data/delivery_revisions.csv`     every changed value: old and new value/flag/source, file, time

Commit protocol: raw copies, checksums, revision log and ingest log are written first (each
file atomically), then deliveries.csv is replaced in one `os.replace` – the commit point. The
logs' trailing entries whose `result_sha256` is not the hash of the current deliveries.csv
belong to an interrupted run: readers ignore them and the next ingest removes them. (A test
"is the delivery's sha256 in deliveries.csv?" would fail for deliveries that add no row or
whose rows were all revised later; the result hash does not.)

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from helpers.core.fileio import csv_safe, sha256_bytes, write_atomic
from helpers.core.model import KEY, OBSERVATION_COLUMNS
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

if TYPE_CHECKING:
    from helpers.intake.problems import Problem
    from helpers.intake.validation import Delivery

class Busy(RuntimeError):
    """Another ingest holds the lock of this data folder."""


@contextmanager
def locked(store: Store) -> Iterator[None]:
    """One ingest at a time per data folder (an advisory lock, released even if the process dies)."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: no lock, as before
        yield
        return
    store.lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(store.lock_file, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy("Ein anderer Einlesevorgang läuft gerade für diesen Datenordner; bitte warten und "
                       "den Befehl danach erneut ausführen.") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    """data/raw/<year>/<name>; a different file of that name goes beside it, suffixed by its checksum.

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
    """The commit point: one os.replace (a test replaces this function to simulate a crash)."""
    write_atomic(target, lambda p: p.write_bytes(content))


#: Free text in the logs that comes from a delivery (its file name, its "Angaben" sheet) or names it.
#: Staff open the logs in Excel: such text never starts a formula there (`=HYPERLINK(…)`).
#: `new_source` is left out: readers match it against deliveries.csv, and source_text() always
#: starts it with "Lieferung".
LOG_TEXT_COLUMNS = ("file", "raw_path", "quelle", "old_source")


def _write_csv(target: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    frame = frame.reindex(columns=columns)
    for column in set(LOG_TEXT_COLUMNS) & set(columns):
        frame[column] = frame[column].map(lambda v: csv_safe(v) if isinstance(v, str) else v)
    write_atomic(target, lambda p: frame.to_csv(p, index=False, lineterminator="\n"))


def _write_checksums(store: Store, copies: dict[Path, str]) -> None:
    sums: dict[str, str] = {}
    if store.checksums.exists():
        for line in store.checksums.read_text(encoding="utf-8").splitlines():
            if line.strip():
                sha, _, rel = line.partition("  ")
                sums[rel] = sha
    for target, sha in copies.items():
        sums[target.relative_to(store.raw_dir).as_posix()] = sha
    text = "".join(f"{sha}  {rel}\n" for rel, sha in sorted(sums.items()))
    write_atomic(store.checksums, lambda p: p.write_text(text, encoding="utf-8"))


def commit(store: Store, deliveries: pd.DataFrame, changed: bool, raw_copies: dict[Path, Path],
           log_rows: list[dict], revision_rows: list[dict]) -> None:
    """Write everything; replacing deliveries.csv last makes the ingest take effect at once or not at all."""
    log = committed_log(store)  # drops the entries of an interrupted run …
    revisions = committed_revisions(store)  # … and their revisions
    shas = {}
    for source, target in raw_copies.items():
        data = Path(source).read_bytes()
        if not target.exists():
            write_atomic(target, lambda p, data=data: p.write_bytes(data))
        shas[target] = sha256_bytes(data)
    if shas:
        _write_checksums(store, shas)
    content = observations_csv(deliveries) if changed else None
    result = sha256_bytes(content) if content is not None else current_result_hash(store)
    new_revisions = pd.DataFrame(revision_rows, columns=REVISION_LOG_COLUMNS, dtype=object)
    _write_csv(store.revisions, pd.concat([revisions, new_revisions.astype(str)], ignore_index=True), REVISION_LOG_COLUMNS)
    new_log = pd.DataFrame([{**row, "result_sha256": result} for row in log_rows], columns=LOG_COLUMNS).astype(str)
    _write_csv(store.ingest_log, pd.concat([log, new_log], ignore_index=True), LOG_COLUMNS)
    if content is not None:
        write_deliveries(store.deliveries_csv, content)
