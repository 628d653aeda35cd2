"""What a report depends on: content checksums of its inputs (code, data, configuration, texts, notebooks).

The run state that records them per chapter is helpers.runner.state.

The runner re-executes a chapter only when something it depends on changed: its source
(cells' type, source and tags, never outputs or execution counts), the report year, its
parameters and the disclosure rule from config/monitoring.yml, the helpers code the chapter
can reach, the environment (lock file, pyproject.toml) or the data (all of data/). Checksums
(sha256), never file times: a checkout, a copy or `touch` changes times, not results.

Granularity of the code a chapter reaches: the helpers modules its notebook imports, their
parent packages (importing a module runs every __init__ above it) and, transitively, all
they import (grimp's import graph, which also sees imports inside functions), plus the
non-Python files inside a reached package (the publish templates). Editing the correlation
explorer re-runs chapter 14 only, the segregation statistics chapter 07 only; editing core
re-runs everything. Modules are the unit because that is what Python loads: a finer unit
(functions) would miss module-level state and indirect calls, a coarser one (all of src/)
re-ran all fifteen chapters for any edit. Dynamic imports (importlib) would escape the graph;
helpers has none, and the tables, check and report keys still cover all code.

Data stay coarse on purpose: every chapter reads the catalogue, the areas and the population
(for the disclosure rule's floor), so a finer split would save little and risk a stale chapter.
The staff's texts (data/<city>/texte/, helpers.core.texts) are the exception: each chapter notes in its
kernel which text files it looked for and what they held (texts.note_read, a missing file too),
and is re-run only when one of those changes; an edited recommendation re-runs its own chapter,
not fifteen. The report key holds all texts of the year, so any change reaches the manifest.

Everything here uses only the standard library on the no-change path; the import graph is
built with grimp only when the code changed and is kept in outputs/.work/imports.json per
checksum of all modules, so `make report` with nothing changed ends in well under two seconds.
"""

from __future__ import annotations

import ast
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import helpers
from helpers.core import paths
from helpers.core.fileio import digest, sha256_file, write_text_atomic

STATE_VERSION = 3  # 3: texts tracked per chapter
#: Code a notebook's result depends on, relative to the helpers package folder.
CODE_GLOBS = ("**/*.py", "publish/templates/**/*")
#: Environment files, relative to the repository root (missing ones are skipped).
ENV_FILES = ("requirements.lock", "pyproject.toml")
PACKAGE = "helpers"
#: The staff's texts, relative to the data folder: tracked per chapter, not as part of the data.
TEXTS_PREFIX = "texte/"
#: The module that decides the offered years (its reach is what the cached years depend on).
YEARS_MODULE = "helpers.indicators.years"


def tree_checksums(base: Path, globs: tuple[str, ...]) -> dict[str, str]:
    """{relative path: sha256} of every file under `base` matching `globs` (no caches, nothing hidden: the
    locks, a pending commit's staged files and temporaries in data/ are never data, helpers.core.storelock)."""
    base = Path(base)
    files = {p for pattern in globs for p in base.glob(pattern)
             if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")
             and not any(part.startswith(".") for part in p.relative_to(base).parts)}
    return {p.relative_to(base).as_posix(): sha256_file(p) for p in sorted(files)}


def _cells(path: Path) -> tuple[dict, list]:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    return nb, nb.get("cells", [])


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def notebook_source(path: Path) -> str:
    """Checksum of what a notebook computes: cell types, sources and tags, not outputs or counts."""
    nb, raw = _cells(path)
    cells = [[cell.get("cell_type", ""), _source(cell), sorted(cell.get("metadata", {}).get("tags", []))]
             for cell in raw]
    return digest({"kernel": nb.get("metadata", {}).get("kernelspec", {}).get("name", ""), "cells": cells})


# --- the code a chapter reaches --------------------------------------------------------------------

def module_of(relative: str) -> str:
    """Module (or, for other files, the package) a file under the helpers folder belongs to."""
    parts = relative.split("/")
    if relative.endswith(".py"):
        parts[-1] = parts[-1][:-3]
        if parts[-1] == "__init__":
            parts.pop()
    else:
        parts = parts[:1] if len(parts) > 1 else []  # templates etc.: their top-level subpackage
    return ".".join([PACKAGE, *parts])


def notebook_imports(path: Path) -> set[str]:
    """helpers modules (or names in them) a notebook's code cells import; magics are skipped."""
    found: set[str] = set()
    _, cells = _cells(path)
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        lines = [line for line in _source(cell).splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            found.add(PACKAGE)  # cannot tell: depend on everything
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == PACKAGE:
                found |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
    return found


def import_graph(code: dict[str, str], cache: Path | None) -> dict[str, list[str]]:
    """{module: helpers modules it imports directly}, from grimp; kept per checksum of the code."""
    key = digest({k: v for k, v in code.items() if k.endswith(".py")})
    path = Path(cache) / "imports.json" if cache else None
    if path is not None:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key:
                return stored["imports"]
        except (OSError, ValueError):
            pass
    import grimp  # only when the code changed

    graph = grimp.build_graph(PACKAGE, cache_dir=None)
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    if path is not None:
        write_text_atomic(path, json.dumps({"key": key, "imports": imports}, indent=0) + "\n")
    return imports


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def reach(start: set[str], imports: dict[str, list[str]]) -> set[str]:
    """Modules loaded when `start` is imported: transitively their imports and parent packages.

    A name in `start` that is not a module (`from helpers.core.paths import ROOT`) counts as the
    module that holds it.
    """
    todo = [m for name in start for m in ([name] if name in imports else _ancestors(name)[-1:]) if m in imports]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += [m for m in [*imports.get(module, []), *_ancestors(module)] if m not in seen]
    return seen


def reached_code(code: dict[str, str], modules: set[str]) -> dict[str, str]:
    """The entries of `code` ({file: sha}) that belong to the reached modules."""
    return {f: sha for f, sha in code.items() if module_of(f) in modules}


@dataclass
class Inputs:
    """Checksums of everything a run depends on, grouped as the keys need them."""

    code: str
    data: str
    notebooks: dict[str, str] = field(default_factory=dict)  # file name -> source checksum
    chapter_code: dict[str, str] = field(default_factory=dict)  # file name -> code the chapter reaches
    parameters: dict[str, str] = field(default_factory=dict)  # file name -> configured parameters (JSON)
    rule: str = ""  # the disclosure settings of config/monitoring.yml
    settings: str = ""  # the whole configuration file (chapter list, titles, order, rule)
    years_code: str = ""  # the code that decides the offered years
    texts: dict[str, str] = field(default_factory=dict)  # staff text (relative to data/) -> sha256

    def texts_of(self, year: int) -> dict[str, str]:
        """The checksums of one report year's texts."""
        prefix = f"{TEXTS_PREFIX}{year}/"
        return {name: sha for name, sha in self.texts.items() if name.startswith(prefix)}

    def texts_unchanged(self, noted: dict[str, str]) -> bool:
        """True if every text a chapter looked for is as it was then ("" noted: still missing)."""
        return all(self.texts.get(name, "") == sha for name, sha in noted.items())

    def notebook_key(self, name: str, year: int) -> str:
        return digest({"v": STATE_VERSION, "notebook": name, "source": self.notebooks[name], "year": year,
                       "code": self.chapter_code.get(name, self.code), "data": self.data, "rule": self.rule,
                       "parameters": self.parameters.get(name, "{}")})

    def tables_key(self, year: int) -> str:
        """The exported tables depend on the data, the rule and all code, not on any notebook."""
        return digest({"v": STATE_VERSION, "tables": year, "code": self.code, "data": self.data, "rule": self.rule})

    def values_key(self) -> str:
        """Indicator values depend on code, data and rule only, not on the year or any notebook."""
        return digest({"v": STATE_VERSION, "values": True, "code": self.code, "data": self.data, "rule": self.rule})

    def years_key(self) -> str:
        """The offered years depend on the data, the configuration and the code of the years rule."""
        return digest({"v": STATE_VERSION, "years": True, "code": self.years_code or self.code, "data": self.data,
                       "settings": self.settings})


def code_folder() -> Path:
    """The helpers package actually imported (also right when the run context points at a copy)."""
    return Path(helpers.__file__).resolve().parent


def collect_inputs(notebooks: list[Path], root: Path | None = None, data: Path | None = None,
                   parameters: dict[str, str] | None = None, cache: Path | None = None,
                   config_file: Path | None = None) -> Inputs:
    """Hash code, data, configuration and the given notebooks (about 90 files, 8 MB: some 30 ms).

    `parameters`: each notebook's configured parameters as canonical JSON; `cache`: where the
    import graph is kept (outputs/.work); `config_file`: the city's config/<city>/monitoring.yml (the shared
    config/monitoring.yml beside it, which it extends, is hashed with it).
    """
    own_config = paths.CONFIG_YAML if root is None else Path(root) / "config" / paths.CITY / "monitoring.yml"
    root = Path(root or paths.ROOT)
    code = tree_checksums(code_folder(), CODE_GLOBS)
    env = {f"<root>/{name}": sha256_file(root / name) for name in ENV_FILES if (root / name).is_file()}
    every_data_file = tree_checksums(Path(data or paths.DATA), ("**/*",))
    data_sums = {name: sha for name, sha in every_data_file.items() if not name.startswith(TEXTS_PREFIX)}
    imports = import_graph(code, cache)
    chapter_code = {Path(nb).name: digest({**reached_code(code, reach(notebook_imports(nb), imports)), **env})
                    for nb in notebooks}
    config_file = Path(config_file or own_config)
    rule, settings = "", ""
    if config_file.is_file():
        from helpers.core import config

        settings = digest({str(i): sha256_file(f) for i, f in enumerate(config.files(config_file))})
        rule = digest(config.load(config_file).disclosure)
    return Inputs(code=digest({**code, **env}), data=digest(data_sums),
                  notebooks={Path(nb).name: notebook_source(nb) for nb in notebooks},
                  chapter_code=chapter_code, parameters=dict(parameters or {}), rule=rule, settings=settings,
                  years_code=digest({**reached_code(code, reach({YEARS_MODULE}, imports)), **env}),
                  texts={name: sha for name, sha in every_data_file.items() if name.startswith(TEXTS_PREFIX)})


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
    """{relative path: sha256} of the given files under `base`, as the run state records outputs."""
    base = Path(base)
    return {rel: sha256_file(base / rel) for rel in sorted(relative)}
