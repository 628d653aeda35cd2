"""File I/O for everything the project writes: atomic writes and content checksums.

An interrupted run never leaves a half-written file behind; checksums (sha256) identify content
for caches, build keys, the manifest and the intake's raw copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it into place only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Keep the target's suffix: some writers (GDAL) pick the format by extension.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_atomic(target: Path, writer: Callable[[Path], None]) -> None:
    """Call `writer(tmp)` and move the result onto `target` in one step."""
    with atomic_path(target) as tmp:
        writer(tmp)


def write_text_atomic(target: Path, text: str) -> None:
    write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))


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
