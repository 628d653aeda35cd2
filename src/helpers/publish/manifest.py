"""Provenance of a run: outputs/<year>/manifest.json, and its comparison for `make verify`.

The manifest names everything a result depends on (parameters, checksums of all inputs
and code, package versions, the git commit) and fingerprints every published number: each
cell of the exported tables and each number in the text and tables of each chapter. Two
runs on the same inputs give the same fingerprints; durations are recorded but never compared.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

import nbformat
import pandas as pd

from helpers.core import paths, texts
from helpers.core.fileio import sha256_bytes, sha256_file, write_text_atomic

#: What a report is built from, relative to the repository root.
INPUT_GLOBS = ("config/**/*", "data/**/*", "notebooks/*.ipynb", "src/helpers/**/*.py", "src/helpers/publish/templates/**/*",
               "requirements.lock", "pyproject.toml")
HIDDEN_TAGS = {"parameters", "injected-parameters", "setup", "remove"}
# German numbers as printed: "65 205", "21,7", "−3,2"; years and counts included.
NUMBER = re.compile(r"(?<![\w,])[−-]?\d{1,3}(?:[\u202f\u00a0 ]\d{3})*(?:,\d+)?(?![\w])|(?<![\w,])[−-]?\d+(?:,\d+)?(?![\w])")


def input_checksums(root: Path | None = None) -> dict[str, str]:
    root = Path(root or paths.ROOT)
    files = sorted({p for pattern in INPUT_GLOBS for p in root.glob(pattern)
                    if p.is_file() and "__pycache__" not in p.parts})
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in files}


def package_versions() -> dict[str, str]:
    found = {(d.metadata["Name"] or "").lower(): d.version for d in metadata.distributions()}
    return dict(sorted((k, v) for k, v in found.items() if k))


def runtime() -> dict[str, str]:
    """The interpreter and platform a report was built with (the numbers must not depend on them)."""
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "machine": platform.machine()}


def environment_differences(published: dict, here: dict) -> list[str]:
    """German lines naming how this environment differs from the one a manifest was built in."""
    lines = []
    old_runtime, new_runtime = published.get("runtime", {}), here.get("runtime", {})
    for key, label in (("python", "Python"), ("platform", "Plattform")):
        if old_runtime.get(key) and old_runtime.get(key) != new_runtime.get(key):
            lines.append(f"{label} {new_runtime.get(key, '?')} statt {old_runtime[key]}")
    old, new = published.get("packages", {}), here.get("packages", {})
    changed = sorted(name for name in old.keys() & new.keys() if old[name] != new[name])
    if changed:
        shown = ", ".join(f"{n} {new[n]} statt {old[n]}" for n in changed[:5])
        lines.append(f"{len(changed)} Paketversion(en) anders: {shown}" + (" …" if len(changed) > 5 else ""))
    return lines


def git_state(root: Path | None = None) -> dict[str, object]:
    """Commit of the code and whether the working tree differed from it."""
    root = Path(root or paths.ROOT)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True,
                               text=True, check=True).stdout.strip() != ""
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unbekannt", "dirty": None}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _visible_text(cell) -> str:
    if cell.cell_type == "markdown":
        return cell.source
    chunks = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if "text/html" in data:
            parser = _Text()
            parser.feed(data["text/html"])
            chunks.append(" ".join(parser.parts))
        elif "text/markdown" in data:
            chunks.append(data["text/markdown"])
        elif output.get("output_type") == "stream" and output.get("name") == "stdout":
            chunks.append(output.get("text", ""))
    return "\n".join(chunks)


def chapter_numbers(notebook: Path) -> list[tuple[str, str]]:
    """(context, number) for every number a reader sees in an executed chapter, in order."""
    nb = nbformat.read(notebook, as_version=4)
    found = []
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])) or cell.cell_type == "raw":
            continue
        text = " ".join(_visible_text(cell).split())
        for match in NUMBER.finditer(text):
            context = text[max(0, match.start() - 40):match.start()].strip()
            found.append((context, match.group(0)))
    return found


def _cell_text(value, flag: str) -> str:
    if value is None or pd.isna(value):
        return flag or "."
    return f"{float(value):.10g}" + (f" {flag}" if flag in ("r", "p") else "")


def cached_chapter_numbers(notebook: Path, cache: Path | None) -> list[tuple[str, str]]:
    """chapter_numbers, kept in `cache` by the checksum of the executed chapter and of this module:
    reading and parsing all chapters took 0.6 s of every rebuild, also when one chapter changed."""
    if cache is None:
        return chapter_numbers(notebook)
    key = sha256_bytes(Path(__file__).read_bytes() + Path(notebook).read_bytes())
    path = Path(cache) / f"{key}.json"
    try:
        return [tuple(pair) for pair in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError):
        found = chapter_numbers(notebook)
        write_text_atomic(path, json.dumps(found, ensure_ascii=False))
        return found


def _prune(cache: Path, keep: set[str]) -> None:
    for path in Path(cache).glob("*.json"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def fingerprints(table: pd.DataFrame, notebooks: list[Path],
                 cache: Path | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Every published number by a stable key (table cells, then each chapter's numbers in order),
    and for chapter numbers the text before them, so a difference can be found in the report.

    `cache`: a folder where each chapter's numbers are kept while the chapter is unchanged."""
    numbers, contexts = {}, {}
    for row in table.itertuples(index=False):
        key = f"tabelle|{row.indicator}|{row.area_level}|{row.area_code}|{row.year}|{row.group}"
        numbers[key] = _cell_text(row.value, row.flag)
    for nb in notebooks:
        for i, (context, number) in enumerate(cached_chapter_numbers(nb, cache)):
            numbers[f"kapitel|{nb.stem}|{i:05d}"] = number
            contexts[f"kapitel|{nb.stem}|{i:05d}"] = context
    if cache is not None and Path(cache).is_dir():
        _prune(cache, {f"{sha256_bytes(Path(__file__).read_bytes() + Path(nb).read_bytes())}.json"
                       for nb in notebooks})
    return numbers, contexts


def digest(numbers: dict[str, str]) -> str:
    h = hashlib.sha256()
    for key in sorted(numbers):
        h.update(f"{key}\t{numbers[key]}\n".encode())
    return h.hexdigest()


def build(params: dict, durations: dict[str, float], table: pd.DataFrame, notebooks: list[Path],
          outputs: dict[str, str], cache: Path | None = None) -> dict:
    numbers, contexts = fingerprints(table, notebooks, cache)
    return {
        "manifest_version": 1,
        "parameters": params,
        "git": git_state(),
        "runtime": runtime(),
        "inputs": input_checksums(),
        # the staff's commentary and recommendations of the year (also among the inputs), with their status
        "texts": texts.listing(params["report_year"]) if "report_year" in params else [],
        "packages": package_versions(),
        "durations_seconds": {k: round(v, 2) for k, v in durations.items()},
        "outputs": outputs,
        "published": {"count": len(numbers), "sha256": digest(numbers), "numbers": numbers, "contexts": contexts},
    }


def write(year_dir: Path, manifest: dict) -> Path:
    target = Path(year_dir) / "manifest.json"
    write_text_atomic(target, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=False) + "\n")
    return target


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def compare(published: dict, rebuilt: dict, limit: int = 40) -> list[str]:
    """German lines naming every published number that differs between two manifests."""
    old, new = published["published"]["numbers"], rebuilt["published"]["numbers"]
    contexts = {**published["published"].get("contexts", {}), **rebuilt["published"].get("contexts", {})}
    lines = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if key in contexts:
            key = f"{key} (nach „…{contexts[key]}“)"
        if a is None:
            lines.append(f"neu: {key} = {b}")
        elif b is None:
            lines.append(f"fehlt: {key} (veröffentlicht: {a})")
        else:
            lines.append(f"geändert: {key}: veröffentlicht {a}, neu berechnet {b}")
    if len(lines) > limit:
        lines = lines[:limit] + [f"… und {len(lines) - limit} weitere Unterschiede"]
    return lines


def changed_inputs(published: dict, rebuilt: dict) -> list[str]:
    old, new = published.get("inputs", {}), rebuilt.get("inputs", {})
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
