"""Provenance of a run: outputs/<city>/<year>/manifest.json, and its comparison for `make verify`.

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

from helpers.core import context, paths, texts
from helpers.core.fileio import sha256_bytes, sha256_file, write_text_atomic

#: What a report is built from, relative to the repository root: shared by every city ...
SHARED_INPUTS = ("config/monitoring.yml", "src/helpers/**/*.py", "src/helpers/publish/templates/**/*",
                 "requirements.lock", "pyproject.toml")
#: ... and the city's own ({city}; {chapters}: the city whose chapters it shows, its own or the default city's).
CITY_INPUTS = ("config/{city}/**/*", "data/{city}/**/*", "notebooks/{chapters}/*.ipynb")
HIDDEN_TAGS = {"parameters", "injected-parameters", "setup", "remove"}
# German numbers as printed: "65 205", "21,7", "−3,2"; years and counts included.
NUMBER = re.compile(r"(?<![\w,])[−-]?\d{1,3}(?:[\u202f\u00a0 ]\d{3})*(?:,\d+)?(?![\w])|(?<![\w,])[−-]?\d+(?:,\d+)?(?![\w])")


def input_globs(root: Path | None = None, city: str | None = None) -> tuple[str, ...]:
    """The patterns of one city's report inputs in `root` (default: this process's root and city)."""
    root, city = Path(root or paths.ROOT), city or paths.CITY
    chapters = city if (root / "notebooks" / city).is_dir() else _default_city(root, city)
    return (*SHARED_INPUTS, *(pattern.format(city=city, chapters=chapters) for pattern in CITY_INPUTS))


def _default_city(root: Path, fallback: str) -> str:
    """The root's default city (whose chapters a city without its own shows); `fallback` where it names none."""
    try:
        return context.default_city(root)
    except context.ContextError:
        return fallback


def input_folders(root: Path | None = None, city: str | None = None) -> list[str]:
    """The files and folders the input patterns start from ("config/monitoring.yml", "data/berlin", "src"):
    what `make verify` copies and `git status` is asked about."""
    tops = []
    for pattern in input_globs(root, city):
        fixed = pattern.split("/**")[0].split("/*")[0]
        tops.append(fixed if not fixed.startswith("src/") else "src")
    return list(dict.fromkeys(tops))


def input_checksums(root: Path | None = None, city: str | None = None) -> dict[str, str]:
    root = Path(root or paths.ROOT)
    files = sorted({p for pattern in input_globs(root, city) for p in root.glob(pattern)  # hidden files are never inputs:
                    if p.is_file() and "__pycache__" not in p.parts  # locks, a pending commit, temporaries
                    and not any(part.startswith(".") for part in p.relative_to(root).parts)})
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


#: git's two-letter status, as a German word for the lists a release and the manifest give.
_STATUS = {"??": "nicht eingecheckt", "A": "neu, nicht eingecheckt", "M": "geändert", "D": "gelöscht",
           "R": "umbenannt", "C": "kopiert", "U": "Konflikt"}


def uncommitted_inputs(root: Path | None = None) -> list[tuple[str, str]]:
    """(status in German, path relative to the checkout's top, as `git add` takes it from there) of every input
    that differs from the commit: modified, staged, deleted or untracked (a year's texts written by `texts
    entwurf`, the files `make ingest` writes), among the inputs of this city (the shared ones and its own).
    Empty outside a git checkout (then the manifest says the commit is unknown)."""
    root = Path(root or paths.ROOT).resolve()
    try:
        listed = subprocess.run(["git", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
                                 *(str(root / name) for name in input_folders(root) if (root / name).exists())],
                                cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    found = []
    entries = iter(listed.split("\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        code, name = entry[:2], entry[3:]
        if code[0] in "RC":
            next(entries, None)  # the old name of a rename follows
        parts = Path(name).parts
        if "__pycache__" in parts or any(part.startswith(".") for part in parts):
            continue  # hidden files are never inputs (input_checksums): the store's locks, a pending commit
        word = _STATUS.get(code) or _STATUS.get(code.strip()[:1], code.strip())
        found.append((word, Path(name).as_posix()))
    return sorted(found, key=lambda item: item[1])


def git_state(root: Path | None = None) -> dict[str, object]:
    """Commit of the code, whether any input differs from it (also an untracked one: a new year's texts,
    ingested deliveries), and which."""
    root = Path(root or paths.ROOT)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unbekannt", "dirty": None, "uncommitted": []}
    uncommitted = uncommitted_inputs(root)
    return {"commit": commit, "dirty": bool(uncommitted), "uncommitted": [{"status": s, "file": f} for s, f in uncommitted]}


#: Marks a heading in the visible text of a chapter (chapter_numbers keys its numbers by the heading above).
HEADING_MARK = "\x00"
HEADINGS = ("h1", "h2", "h3", "h4")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")
        if tag in HEADINGS:
            self.parts.append(HEADING_MARK)

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script") and self._skip > 0
        if tag in HEADINGS:
            self.parts.append(HEADING_MARK)

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _visible_text(cell) -> str:
    """What a reader sees of a cell; headings (Markdown lines with #, HTML h1-h4) between HEADING_MARKs."""
    if cell.cell_type == "markdown":
        return "\n".join(f"{HEADING_MARK}{line.lstrip('#').strip()}{HEADING_MARK}" if line.startswith("#") else line
                         for line in cell.source.splitlines())
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


def _masked(text: str) -> str:
    """A context with its numbers replaced by #: the same words around a changed number keep their key."""
    return " ".join(NUMBER.sub("#", text).split())


def chapter_numbers(notebook: Path) -> list[tuple[str, str, str]]:
    """(context, number, meaning) for every number a reader sees in an executed chapter, in order.

    `meaning` names the number by where it stands, not by its position in the chapter: the heading above
    it and the words around it with every number masked ("Arbeitslosigkeit|lag in Coerde bei # %"). A
    paragraph more or less changes only its own numbers' keys, so `make verify` names what really differs."""
    nb = nbformat.read(notebook, as_version=4)
    found = []
    heading = ""
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])) or cell.cell_type == "raw":
            continue
        pieces = _visible_text(cell).split(HEADING_MARK)
        for index, piece in enumerate(pieces):
            text = " ".join(piece.split())
            if index % 2 == 1:  # between two marks: a heading (its own numbers are published too)
                heading = _masked(text) or heading
            for match in NUMBER.finditer(text):
                context = text[max(0, match.start() - 40):match.start()].strip()
                around = text[max(0, match.start() - 60):match.start()] + "§" + text[match.end():match.end() + 20]
                found.append((context, match.group(0), f"{heading}|{_masked(around)}"))
    return found


def _cell_text(value, flag: str) -> str:
    if value is None or pd.isna(value):
        return flag or "."
    return f"{float(value):.10g}" + (f" {flag}" if flag in ("r", "p") else "")


def cached_chapter_numbers(notebook: Path, cache: Path | None) -> list[tuple[str, str, str]]:
    """chapter_numbers, kept in `cache` by the checksum of the executed chapter and of this module:
    reading and parsing all chapters took 0.6 s of every rebuild, also when one chapter changed."""
    if cache is None:
        return chapter_numbers(notebook)
    key = sha256_bytes(Path(__file__).read_bytes() + Path(notebook).read_bytes())
    path = Path(cache) / f"{key}.json"
    try:
        return [tuple(triple) for triple in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError):
        found = chapter_numbers(notebook)
        write_text_atomic(path, json.dumps(found, ensure_ascii=False))
        return found


def _prune(cache: Path, keep: set[str]) -> None:
    for path in Path(cache).glob("*.json"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


#: Version 2 keys chapter numbers by meaning (heading and masked words); version 1 by position.
VERSION = 2


def fingerprints(table: pd.DataFrame, notebooks: list[Path], cache: Path | None = None,
                 version: int = VERSION) -> tuple[dict[str, str], dict[str, str]]:
    """Every published number by a stable key (table cells by indicator, area, year and group; chapter
    numbers by chapter, heading and the masked words around them, counted where the same words recur),
    and for chapter numbers the text before them, so a difference can be found in the report.

    `cache`: a folder where each chapter's numbers are kept while the chapter is unchanged.
    `version` 1: chapter numbers keyed by their position, as manifests before version 2 (make verify of
    an old manifest)."""
    numbers, contexts = {}, {}
    columns = [table[c].tolist() for c in ("indicator", "area_level", "area_code", "year", "group", "value", "flag")]
    for indicator, level, code, year, group, value, flag in zip(*columns):  # column by column: 34,000 rows
        numbers[f"tabelle|{indicator}|{level}|{code}|{year}|{group}"] = _cell_text(value, flag)
    for nb in notebooks:
        seen: dict[str, int] = {}
        for i, (before, number, meaning) in enumerate(cached_chapter_numbers(nb, cache)):
            if version == 1:
                key = f"kapitel|{nb.stem}|{i:05d}"
            else:
                seen[meaning] = seen.get(meaning, 0) + 1
                key = f"kapitel|{nb.stem}|{meaning}|{seen[meaning]}"
            numbers[key] = number
            contexts[key] = before
    if cache is not None and Path(cache).is_dir():
        _prune(cache, {f"{sha256_bytes(Path(__file__).read_bytes() + Path(nb).read_bytes())}.json"
                       for nb in notebooks})
    return numbers, contexts


def digest(numbers: dict[str, str]) -> str:
    h = hashlib.sha256()
    for key in sorted(numbers):
        h.update(f"{key}\t{numbers[key]}\n".encode())
    return h.hexdigest()


def profile_numbers(folder: Path | None) -> dict[str, str]:
    """The numbers the area profiles add to the tables' (helpers.publish.profiles): each area's rank per
    indicator and group, keyed "profil|<page>|rang|<cell>"; their values are table cells (the checker
    holds every shown value to the tables), so they are fingerprinted there."""
    from helpers.disclosure import profile_numbers as reader

    if folder is None or not Path(folder).is_dir():
        return {}
    found, names = {}, reader.area_names()  # the checker's names: its reading of the page is reused
    for page in sorted(Path(folder).glob("*.html")):
        for key, text, _ in reader.read_page(page.read_text(encoding="utf-8"), names).ranks:
            found[f"profil|{page.stem}|rang|{key}"] = text
    return found


def build(params: dict, durations: dict[str, float], table: pd.DataFrame, notebooks: list[Path],
          outputs: dict[str, str], cache: Path | None = None, profiles: Path | None = None) -> dict:
    numbers, contexts = fingerprints(table, notebooks, cache)
    ranks = profile_numbers(profiles)
    return {
        "manifest_version": VERSION,
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
        # the area profiles' own numbers (ranks), apart: a manifest from before the profiles confirms its numbers
        "profiles": {"count": len(ranks), "sha256": digest(ranks), "numbers": ranks},
    }


def write(year_dir: Path, manifest: dict) -> Path:
    target = Path(year_dir) / "manifest.json"
    write_text_atomic(target, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=False) + "\n")
    return target


def read(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _readable(key: str, context: str | None) -> str:
    """A number's key as a reader finds it: the table cell by its meaning, a chapter number by chapter,
    heading and the words before it."""
    parts = key.split("|")
    if parts[0] == "tabelle" and len(parts) == 6:
        indicator, level, code, year, group = parts[1:]
        return f"Tabelle: {indicator}, {level} {code}, {year}" + ("" if group == "total" else f", Gruppe {group}")
    if parts[0] == "kapitel" and len(parts) >= 5:
        heading = f", Abschnitt „{parts[2]}“" if parts[2] else ""
        return f"Kapitel {parts[1]}{heading}, nach „…{context or ''}“"
    if parts[0] == "profil" and len(parts) == 8:
        return f"Profil {parts[1]}: Rang, {parts[3]}, {parts[6]}" + ("" if parts[7] == "total" else f", Gruppe {parts[7]}")
    return f"{key} (nach „…{context}“)" if context else key


def compare(published: dict, rebuilt: dict, limit: int = 40) -> list[str]:
    """German lines naming every published number that differs between two manifests."""
    old, new = published["published"]["numbers"], rebuilt["published"]["numbers"]
    contexts = {**published["published"].get("contexts", {}), **rebuilt["published"].get("contexts", {})}
    if "profiles" in published:  # a manifest from before the area profiles has none to compare
        old = {**old, **published["profiles"]["numbers"]}
        new = {**new, **rebuilt.get("profiles", {}).get("numbers", {})}
    lines = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: (not k.startswith("tabelle|"), k)):  # values first
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        key = _readable(key, contexts.get(key))
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
