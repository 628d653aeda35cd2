"""File I/O for everything the project writes: atomic writes and content checksums.

An interrupted run never leaves a half-written file behind; checksums (sha256) identify content
for caches, build keys, the manifest and the intake's raw copies.

A temporary file is named `.<stem>.<pid>.<random>.tmp<suffix>` beside its target: hidden, so
loaders that list a folder skip it (`is_temporary`), ignored by git (.gitignore), and carrying the
writer's process id, so that the next command can tell a crashed writer's leftover from a file
another running process is still writing (`remove_stale_temporaries`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: On Windows a file that another program (a virus scanner, the search indexer, Excel) has open
#: cannot be replaced for a moment; `replace` tries again for about two seconds before it gives up.
WINDOWS = os.name == "nt"
REPLACE_ATTEMPTS = 20
REPLACE_PAUSE_S = 0.1


def replace(source: Path, target: Path) -> None:
    """Move `source` onto `target` in one step (os.replace), patient on Windows (see WINDOWS)."""
    for attempt in range(REPLACE_ATTEMPTS):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if not WINDOWS or attempt == REPLACE_ATTEMPTS - 1:
                raise
            time.sleep(REPLACE_PAUSE_S)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it into place only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Keep the target's suffix: some writers (GDAL) pick the format by extension.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.{os.getpid()}.", suffix=f".tmp{target.suffix}",
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


#: `.<stem>.<pid>.<random>.tmp<suffix>`; files of versions before the pid was added lack it.
_TEMPORARY = re.compile(r"^\..+?(?:\.(?P<pid>\d+))?\.[A-Za-z0-9_]+\.tmp(?:\.[^.]+)?$")


def is_temporary(path: Path) -> bool:
    """True for a temporary file of `atomic_path` (loaders skip these: they are never data)."""
    return _TEMPORARY.match(Path(path).name) is not None


def alive(pid: int) -> bool:
    """Whether a process runs with this id (psutil: os.kill(pid, 0) would end the process on Windows)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    import psutil

    return psutil.pid_exists(pid)


def remove_stale_temporaries(folder: Path, recursive: bool = True) -> list[Path]:
    """Delete the temporary files a crashed writer left in `folder`; return them so the caller can say so.

    A temporary file whose writer still runs is kept (another build or ingest may be writing it).
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for path in sorted(folder.rglob(".*") if recursive else folder.glob(".*")):
        match = _TEMPORARY.match(path.name)
        if match is None or not path.is_file():
            continue
        pid = match.group("pid")
        if pid is not None and alive(int(pid)):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def write_atomic(target: Path, writer: Callable[[Path], None]) -> None:
    """Call `writer(tmp)` and move the result onto `target` in one step."""
    with atomic_path(target) as tmp:
        writer(tmp)


def write_text_atomic(target: Path, text: str) -> None:
    write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))


@contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold the lock on `lock_file` (created if missing), waiting while another process or thread holds
    it. The system releases it when its holder dies, so a crashed holder never blocks the next one.
    For work that several processes of one run would otherwise all do (helpers.disclosure.disclosed)."""
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: msvcrt.locking waits about ten seconds per call
            import msvcrt

            while True:
                handle.seek(0)
                try:
                    msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


#: Where msvcrt's byte-range locks lie (past any content, so that a lock file can still be read), and how
#: many readers can hold a shared lock at once there: msvcrt has no shared mode, so a reader holds one byte
#: of the range and a writer the whole range.
_LOCK_OFFSET = 1 << 30
_READER_SLOTS = 64


def try_lock(handle, shared: bool = False) -> Callable[[], None] | None:  # noqa: ANN001 - an open binary file
    """Lock the open file `handle` without waiting: its release, or None if another holder is in the way.

    Shared: many holders at once, but none while an exclusive one holds it; exclusive: one holder alone.
    An advisory lock that the system releases when its holder dies (fcntl.flock on POSIX; msvcrt.locking
    on Windows, where a reader holds one byte of a range and a writer all of it). Two opens of one file
    in one process are two holders.
    """
    try:
        import fcntl
    except ImportError:  # Windows
        return _try_lock_msvcrt(handle, shared)
    try:
        fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return None
    return lambda: fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock_msvcrt(handle, shared: bool) -> Callable[[], None] | None:  # noqa: ANN001
    import msvcrt

    if shared:  # the first free byte, starting at one of its own so that readers rarely try the same
        first = os.getpid() % _READER_SLOTS
        spans = [(_LOCK_OFFSET + (first + i) % _READER_SLOTS, 1) for i in range(_READER_SLOTS)]
    else:
        spans = [(_LOCK_OFFSET, _READER_SLOTS)]
    for start, length in spans:
        handle.seek(start)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, length)
        except OSError:
            continue

        def release(start: int = start, length: int = length) -> None:
            handle.seek(start)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, length)
        return release
    return None


def open_lock_file(path: Path):  # noqa: ANN201 - an open binary file
    """Open (create) a lock file; read-only if it belongs to someone else: a lock needs no write access."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return open(path, "a+b")  # noqa: SIM115 - the caller closes it
    except PermissionError:
        return open(path, "rb")  # noqa: SIM115


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Checksum of one file, read in blocks (raw deliveries and reports can be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def digest(value: object) -> str:
    """Checksum of a JSON-serialisable value, independent of dict order."""
    return sha256_bytes(json.dumps(value, sort_keys=True, ensure_ascii=False).encode())


#: Leading characters a spreadsheet may interpret as a formula (OWASP "CSV Injection").
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """Prefix text a spreadsheet might run as a formula with `'` (OWASP CSV injection).

    For free text in files staff open in Excel (tables, the intake's logs); never for the
    official symbols ("-" means exactly zero), which are checked against their list instead.
    """
    return "'" + text if text.startswith(DANGEROUS_PREFIXES) else text


def load_yaml(text: str) -> object:
    """YAML as `yaml.safe_load` reads it, with libyaml's C parser where PyYAML has it (about eight times faster
    on the catalogue, which every ingest and chapter reads); the same values and the same `yaml.YAMLError`s."""
    import yaml  # here, not at the top: most processes that write files never read YAML

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
