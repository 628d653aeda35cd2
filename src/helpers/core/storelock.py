"""Commands that run at once on one data folder: ingests one after the other, no commit under a report.

Two people, two terminals: commands coordinate through two locks in the data folder, as a
database orders its writers and readers:

- `.ingest.lock`: one ingest at a time, for its whole run, checks included, so that a second
  ingest checks its files against what the first stored. The second waits (INGEST_WAIT_S, saying
  who holds the lock since when, from `.ingest-holder.json`) and then runs on the new state, or
  gives up with a message. A killed ingest's lock is released by the system; its holder record
  stays behind, and the next ingest says that it took the lock over.
- `.store.lock`: held shared by a report build from the checksums of its inputs to its last page,
  so that all its processes read one state; held exclusive by an ingest only while it commits
  (journal and moves), which therefore waits for running builds (COMMIT_WAIT_S) or stores nothing
  and says why. A build that starts during a commit waits the few milliseconds it takes.

Readers without a lock (a notebook in JupyterLab, the checker run by hand) still never see a
half-committed store: `helpers.core.observations` reads deliveries.csv once and counts only the
log entries whose result hash is that of the bytes it read (`committed_log(store, current)`); the
logs are replaced before deliveries.csv, so a reader during a commit sees the state before it.
The waits are bounded; IM_LOCK_WAIT (seconds) overrides them all (tests, impatient users).

Standard library only (and psutil, lazily): the report's main process takes the store lock before
anything heavy is imported. helpers.core.store names the files for a Store; the intake
(helpers.intake.storage) and the runner (helpers.runner.report) hold the locks.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.core.fileio import alive, open_lock_file, try_lock, write_text_atomic

#: Hidden (git-ignored) files of the data folder through which commands coordinate (see the module doc).
INGEST_LOCK = ".ingest.lock"
STORE_LOCK = ".store.lock"
INGEST_HOLDER = ".ingest-holder.json"
#: How long a command waits for another before it gives up with a message, in seconds.
INGEST_WAIT_S = 300.0  # a second ingest for the first (checks of a large delivery take up to a quarter minute)
COMMIT_WAIT_S = 900.0  # an ingest's commit for the report builds reading the store
READ_WAIT_S = 120.0  # a report build for a commit in progress (milliseconds, unless a disk hangs)
WAIT_ENV = "IM_LOCK_WAIT"
POLL_S = 0.05


class Busy(RuntimeError):
    """Another command held a lock of this data folder longer than the wait allowed (message in German)."""


def wait_seconds(default: float) -> float:
    """The bounded wait: `default`, or IM_LOCK_WAIT if it is set to a number of seconds."""
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, "")))
    except ValueError:
        return default


def to_stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _seconds(value: float) -> str:
    return f"{value:g} s" if value < 120 else f"{value / 60:g} min"


@contextmanager
def _holding(path: Path, shared: bool, wait: float, waiting: Callable[[], str], refused: Callable[[], str],
             say: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock on `path`; if another holder is in the way, say so and wait up to `wait` seconds (Busy)."""
    with open_lock_file(path) as handle:
        release = try_lock(handle, shared)
        if release is None:
            say(waiting())
            deadline = time.monotonic() + wait
            while release is None and time.monotonic() < deadline:
                time.sleep(POLL_S)
                release = try_lock(handle, shared)
            if release is None:
                raise Busy(refused())
        try:
            yield
        finally:
            release()


def _holder(data_dir: Path, patience: float = 0.0) -> dict | None:
    """Who holds the ingest lock (None: nobody wrote it down); `patience`: how long to wait for a holder
    that has just taken the lock to write its record."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return json.loads((data_dir / INGEST_HOLDER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_S)


def _describe(holder: dict | None) -> str:
    if not holder:
        return "Prozess unbekannt"
    since = str(holder.get("since", "?")).replace("T", " ").replace("Z", " UTC")
    return f"seit {since}, Prozess {holder.get('pid', '?')}"


@contextmanager
def ingest_lock(data_dir: Path, say: Callable[[str], None] = to_stderr) -> Iterator[None]:
    """One ingest at a time: wait for a running one (bounded, saying so), take over the lock of a killed one."""
    wait = wait_seconds(INGEST_WAIT_S)
    with _holding(data_dir / INGEST_LOCK, False, wait,
                  lambda: f"Ein anderes Einlesen läuft ({_describe(_holder(data_dir, patience=1.0))}); warte bis zu {_seconds(wait)} "
                          "und prüfe dann gegen den Stand, den es gespeichert hat …",
                  lambda: f"Ein anderes Einlesen läuft noch ({_describe(_holder(data_dir))}); nach {_seconds(wait)} "
                          "Warten aufgegeben, nichts gespeichert. Bitte den Befehl erneut ausführen, wenn es fertig ist.",
                  say):
        left = _holder(data_dir)
        if left is not None:  # its holder died without releasing it (the system did that)
            gone = "" if alive(int(left.get("pid", 0) or 0)) else ", der Prozess läuft nicht mehr"
            say(f"Ein früheres Einlesen wurde abgebrochen ({_describe(left)}{gone}); seine Sperre ist aufgehoben.")
        holder = {"pid": os.getpid(), "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        write_text_atomic(data_dir / INGEST_HOLDER, json.dumps(holder))
        try:
            yield
        finally:
            (data_dir / INGEST_HOLDER).unlink(missing_ok=True)


@contextmanager
def committing(data_dir: Path, say: Callable[[str], None] = to_stderr) -> Iterator[None]:
    """While an ingest moves its files into place: no report build reads the store (bounded wait, Busy)."""
    wait = wait_seconds(COMMIT_WAIT_S)
    with _holding(data_dir / STORE_LOCK, False, wait,
                  lambda: f"Ein Bericht wird gerade aus diesem Datenordner erstellt; das Speichern wartet bis zu "
                          f"{_seconds(wait)}, bis er fertig ist (der Bericht zeigt den Stand vor diesem Einlesen) …",
                  lambda: f"Nichts gespeichert: ein Bericht wird seit über {_seconds(wait)} aus diesem Datenordner "
                          "erstellt. Bitte das Einlesen erneut ausführen, wenn der Bericht fertig ist.",
                  say):
        yield


@contextmanager
def reading(data_dir: Path, say: Callable[[str], None] = to_stderr) -> Iterator[None]:
    """While a report build reads the store: no ingest commits (one waiting is told so). Waits for a commit
    in progress (bounded, Busy). Without access to the lock file (a read-only data folder) it reads unlocked."""
    wait = wait_seconds(READ_WAIT_S)
    try:
        open_lock_file(data_dir / STORE_LOCK).close()
    except OSError:
        usable = False
    else:
        usable = True
    if not usable:
        yield
        return
    with _holding(data_dir / STORE_LOCK, True, wait,
                  lambda: f"Ein Einlesen speichert gerade in diesen Datenordner; der Bericht wartet bis zu {_seconds(wait)}, "
                          "bis es fertig ist, und zeigt dann den neuen Stand …",
                  lambda: f"Ein Einlesen speichert seit über {_seconds(wait)} in diesen Datenordner; kein Bericht erstellt. "
                          "Bitte erneut ausführen, wenn es fertig ist.",
                  say):
        yield
