"""Observation storage: where a data folder keeps its deliveries, and which of its log entries count.

The write side (planning, raw copies, the commit protocol) is helpers.intake.storage; this is
what the readers of the store need (helpers.core.observations), so that the core never imports
the intake. Layout and commit protocol are described in helpers.intake.storage.

Commands that run at once coordinate through the locks of helpers.core.storelock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core import paths
from helpers.core.fileio import sha256_bytes
from helpers.core.model import KEY, REVISION_COLUMNS
from helpers.core.storelock import INGEST_LOCK, STORE_LOCK

LOG_COLUMNS = ["time", "sha256", "file", "raw_path", "years", "rows", "new", "unchanged", "revised",
               "replaced_synthetic", "filled_pending", "confirmed_jumps", "quelle", "result_sha256"]
REVISION_LOG_COLUMNS = [*REVISION_COLUMNS, "kind", "file", "sha256", "time"]
#: Revision kinds: a changed real value (needs --revise); a demo value, or a value stored as
#: "…" (not yet available), replaced by a delivered one (expected, so no --revise needed).
REVISION = "revision"
REPLACES_SYNTHETIC = "replaces_synthetic"
FILLS_PENDING = "fills_pending"


@dataclass(frozen=True)
class Store:
    """Where one data folder keeps its deliveries (tests point it at a temporary copy)."""

    observations_dir: Path
    raw_dir: Path
    ingest_log: Path
    revisions: Path

    @classmethod
    def current(cls) -> Store:
        return cls(Path(paths.OBSERVATIONS_DIR), Path(paths.RAW_DIR), Path(paths.INGEST_LOG_CSV), Path(paths.DELIVERY_REVISIONS_CSV))

    @classmethod
    def for_observations(cls, folder: Path) -> Store:
        """The store whose deliveries.csv lies in `folder` (logs and raw/ beside the folder)."""
        folder = Path(folder)
        if folder == Path(paths.OBSERVATIONS_DIR):
            return cls.current()
        data_dir = folder.parent
        return cls(folder, data_dir / Path(paths.RAW_DIR).name, data_dir / Path(paths.INGEST_LOG_CSV).name,
                   data_dir / Path(paths.DELIVERY_REVISIONS_CSV).name)

    @property
    def data_dir(self) -> Path:
        return self.raw_dir.parent

    @property
    def deliveries_csv(self) -> Path:
        return self.observations_dir / Path(paths.DELIVERIES_CSV).name

    @property
    def checksums(self) -> Path:
        return self.raw_dir / Path(paths.RAW_CHECKSUMS).name

    @property
    def lock_file(self) -> Path:
        """The ingest lock: in the data folder, which everyone who ingests shares (a temporary folder is
        per user on Windows and per machine on a network drive)."""
        return self.data_dir / INGEST_LOCK

    @property
    def store_lock_file(self) -> Path:
        return self.data_dir / STORE_LOCK


# --- reading the committed state --------------------------------------------------------------


def _read_log(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=columns, dtype=str)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def current_result_hash(store: Store) -> str:
    """sha256 of deliveries.csv as it is now ('' if there is none yet)."""
    path = store.deliveries_csv
    return sha256_bytes(path.read_bytes()) if path.exists() else ""


def committed_log(store: Store, current: str | None = None) -> pd.DataFrame:
    """The ingest log without the trailing entries of an interrupted run (or of a commit in progress).

    `current`: the hash of the deliveries.csv the caller read (read it before the logs: a commit
    replaces them before deliveries.csv); without it, the file is read again now.
    """
    log = _read_log(store.ingest_log, LOG_COLUMNS)
    if current is None:
        current = current_result_hash(store)
    end = len(log)
    while end and log["result_sha256"].iloc[end - 1] != current:
        end -= 1
    return log.iloc[:end].reset_index(drop=True)


def committed_revisions(store: Store, current: str | None = None) -> pd.DataFrame:
    """Revision log entries of committed deliveries only (`current` as for committed_log)."""
    revisions = _read_log(store.revisions, REVISION_LOG_COLUMNS)
    committed = set(committed_log(store, current)["sha256"])
    return revisions[revisions["sha256"].isin(committed)].reset_index(drop=True)


def logged_revision_keys(store: Store, current: str | None = None) -> pd.DataFrame:
    """(key, new_source) of every committed revision: the rows of deliveries.csv that may supersede others."""
    revisions = committed_revisions(store, current)[[*KEY, "new_source"]].copy()
    revisions["year"] = revisions["year"].astype(int)
    return revisions.drop_duplicates()
