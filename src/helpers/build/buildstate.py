"""What a report was built from: content checksums of its inputs and outputs/<year>/.build/state.json.

The runner re-executes a chapter only when something it depends on changed: its source
(cells' type, source and tags, never outputs or execution counts), the report year, the
helpers code (src/helpers/**, .py and templates, plus the lock file) or the data (all of
data/). Checksums (sha256), never file times: a checkout, a copy or `touch` changes times,
not results. Everything here uses only the standard library, so that `make report` with
nothing changed can say so in well under two seconds, before pandas or papermill are imported.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import helpers
from helpers.core import paths
from helpers.core.fileio import digest, sha256_file, write_text_atomic
from helpers.core.paths import build_dir

STATE_VERSION = 1
#: Code a notebook's result depends on, relative to the helpers package folder.
CODE_GLOBS = ("**/*.py", "publish/templates/**/*")
#: Environment files, relative to the repository root (missing ones are skipped).
ENV_FILES = ("requirements.lock", "pyproject.toml")


def tree_checksums(base: Path, globs: tuple[str, ...]) -> dict[str, str]:
    """{relative path: sha256} of every file under `base` matching `globs` (no caches)."""
    base = Path(base)
    files = {p for pattern in globs for p in base.glob(pattern)
             if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")}
    return {p.relative_to(base).as_posix(): sha256_file(p) for p in sorted(files)}


def notebook_source(path: Path) -> str:
    """Checksum of what a notebook computes: cell types, sources and tags, not outputs or counts."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        cells.append([cell.get("cell_type", ""), "".join(source) if isinstance(source, list) else source,
                      sorted(cell.get("metadata", {}).get("tags", []))])
    return digest({"kernel": nb.get("metadata", {}).get("kernelspec", {}).get("name", ""), "cells": cells})


@dataclass
class Inputs:
    """Checksums of everything a run depends on, grouped as the keys need them."""

    code: str
    data: str
    notebooks: dict[str, str] = field(default_factory=dict)  # file name -> source checksum

    def notebook_key(self, name: str, year: int) -> str:
        return digest({"v": STATE_VERSION, "notebook": name, "source": self.notebooks[name], "year": year,
                       "code": self.code, "data": self.data})

    def tables_key(self, year: int) -> str:
        """The exported tables depend on the data and code only, not on any notebook."""
        return digest({"v": STATE_VERSION, "tables": year, "code": self.code, "data": self.data})

    def values_key(self) -> str:
        """Indicator values depend on code and data only, not on the year or any notebook."""
        return digest({"v": STATE_VERSION, "values": True, "code": self.code, "data": self.data})

    def years_key(self) -> str:
        return digest({"v": STATE_VERSION, "years": True, "code": self.code, "data": self.data})


def code_folder() -> Path:
    """The helpers package actually imported (also right when IM_ROOT points at a copy)."""
    return Path(helpers.__file__).resolve().parent


def collect_inputs(notebooks: list[Path], root: Path | None = None, data: Path | None = None) -> Inputs:
    """Hash code, data and the given notebooks (about 80 files, 8 MB: some 20 ms)."""
    root = Path(root or paths.ROOT)
    code = tree_checksums(code_folder(), CODE_GLOBS)
    code.update({f"<root>/{name}": sha256_file(root / name) for name in ENV_FILES if (root / name).is_file()})
    data_sums = tree_checksums(Path(data or paths.DATA), ("**/*",))
    return Inputs(code=digest(code), data=digest(data_sums),
                  notebooks={Path(nb).name: notebook_source(nb) for nb in notebooks})


def git_commit(root: Path | None = None) -> dict[str, object]:
    """Commit and dirty flag, as the manifest records them (the report prints the commit date)."""
    root = Path(root or paths.ROOT)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip() != ""
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unbekannt", "dirty": None}


def files_match(base: Path, recorded: dict[str, str]) -> bool:
    """True if every recorded file exists under `base` with the recorded content."""
    base = Path(base)
    for rel, expected in recorded.items():
        path = base / rel
        if not path.is_file() or sha256_file(path) != expected:
            return False
    return True


def checksums(base: Path, relative: list[str]) -> dict[str, str]:
    base = Path(base)
    return {rel: sha256_file(base / rel) for rel in sorted(relative)}


# --- state files -------------------------------------------------------------------------------

def load_state(year_dir: Path) -> dict:
    """The state of the last runs for one year; empty (nothing built) if missing or unreadable."""
    path = build_dir(year_dir) / "state.json"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": STATE_VERSION, "notebooks": {}}
    if state.get("version") != STATE_VERSION:
        return {"version": STATE_VERSION, "notebooks": {}}
    state.setdefault("notebooks", {})
    return state


def save_state(year_dir: Path, state: dict) -> None:
    write_text_atomic(build_dir(year_dir) / "state.json", json.dumps(state, ensure_ascii=False, indent=1) + "\n")


def cached_years(outputs: Path, key: str) -> list[int] | None:
    """Years with data as found by the last run on the same data and code (None: unknown)."""
    try:
        cache = json.loads((Path(outputs) / ".build" / "years.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return [int(y) for y in cache["years"]] if cache.get("key") == key else None


def save_years(outputs: Path, key: str, years: list[int]) -> None:
    write_text_atomic(Path(outputs) / ".build" / "years.json", json.dumps({"key": key, "years": years}) + "\n")
