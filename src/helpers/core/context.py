"""The run context: where a process reads and writes, and for which chapter and year it records.

One frozen object instead of scattered environment variables. The runner creates one per
chapter and hands it to that chapter's kernel in ONE environment variable (IM_CONTEXT, JSON),
the same way on a local process pool and on Dask workers; every module reads it through
`current()`. Without the variable a process works interactively: the repository's data and
outputs, no chapter, nothing recorded as published, no shared value cache.

Every city has the same shape in a root: data/<city>/, config/<city>/ (extending the shared
config/monitoring.yml), notebooks/<city>/, outputs/<city>/. Which city a process works on is part of
its context: the default city is one setting (`city:` in the root's config/monitoring.yml), another
one is chosen by IM_CITY (`make report CITY=berlin`).

Another root (`make verify`, benchmarks, tests on a copy of the data) is one variable, too:

    IM_CONTEXT='{"root": "/tmp/kopie", "city": "berlin"}' python -m helpers.runner

Fields left out keep their interactive default (city: the root's default city; outputs:
<root>/outputs/<city>). helpers.core.paths derives every folder from the context once, when imported.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

#: The one environment variable that carries a run context into a process (and its kernels).
ENV = "IM_CONTEXT"
#: The city to work on when no run context is given (`make report CITY=berlin`).
CITY_ENV = "IM_CITY"
#: The settings every city shares and extends; its `city:` names the default city.
SHARED_CONFIG = Path("config") / "monitoring.yml"
#: What makes a city a city: config/<name>/city.yml.
CITY_FILE = "city.yml"
#: The repository root of this installation: src/helpers/core/context.py -> parents[3].
REPOSITORY = Path(__file__).resolve().parents[3]


class ContextError(ValueError):
    """IM_CONTEXT holds something that is not a run context."""


@dataclass(frozen=True)
class RunContext:
    """Where and for what a process works.

    root: repository root with data/, notebooks/ and config/ (each with one folder per city).
    city: the city worked on: data/<city>/, config/<city>/, notebooks/<city>/ ("" : the root's default city).
    outputs: where the <year>/ folders are written (default outputs/<city>; a chapter kernel: its own side folder).
    year: report year being built (None: interactive). In a chapter kernel this is the one route by which
        the year arrives: the runner checked it before any kernel started, papermill passes no second
        report_year, and the notebook's check cell takes it from here (helpers.sections.parameters.report_year).
    chapter: the chapter (notebook stem) a kernel records its published cells under (None: nothing recorded).
    values_cache: folder where the processes of one run share computed indicator values (None: not shared).
    """

    root: Path = REPOSITORY
    city: str = ""
    outputs: Path | None = None
    year: int | None = None
    chapter: str | None = None
    values_cache: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))
        object.__setattr__(self, "city", self.city or default_city(self.root))
        object.__setattr__(self, "outputs", Path(self.outputs) if self.outputs else self.root / "outputs" / self.city)
        if self.values_cache is not None:
            object.__setattr__(self, "values_cache", Path(self.values_cache))

    @property
    def recording(self) -> bool:
        """True in a chapter kernel of the runner: what is displayed is written to the register."""
        return bool(self.chapter) and self.year is not None

    def to_json(self) -> str:
        return json.dumps({k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()},
                          sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> RunContext:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise ContextError(f"{ENV} ist kein gültiges JSON ({exc}); bitte die Variable prüfen oder entfernen.") from None
        if not isinstance(raw, dict):
            raise ContextError(f"{ENV} muss ein JSON-Objekt sein, gefunden: {text[:80]!r}.")
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            raise ContextError(f"{ENV}: unbekannte(s) Feld(er) {', '.join(unknown)}; "
                               f"erlaubt: {', '.join(cls.__dataclass_fields__)}.")
        year = raw.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise ContextError(f"{ENV}: 'year' muss eine ganze Zahl sein, gefunden: {year!r}.")
        return cls(**{k: v for k, v in raw.items() if v is not None})

    def replace(self, **changes: object) -> RunContext:
        return replace(self, **changes)

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment for a subprocess that works in this context."""
        return {**(os.environ if base is None else base), ENV: self.to_json()}


@lru_cache(maxsize=8)
def _parse(text: str) -> RunContext:
    return RunContext.from_json(text)


@lru_cache(maxsize=8)
def _default_city(shared: Path, signature: tuple) -> str:
    import yaml  # here, not at the top: most processes never read the file

    from helpers.core import fileio

    try:
        raw = fileio.load_yaml(shared.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ContextError(f"{shared}: nicht lesbar ({' '.join(str(exc).split())}); diese Datei nennt mit "
                           "'city:' die Stadt, für die ohne Angabe gearbeitet wird.") from None
    city = raw.get("city") if isinstance(raw, dict) else None
    if not isinstance(city, str) or not city.strip():
        raise ContextError(f"{shared}: 'city:' fehlt oder ist leer; bitte die Stadt eintragen, für die ohne "
                           "CITY=… gearbeitet wird (ein Ordner unter config/, z. B. city: muenster).")
    return city.strip()


def default_city(root: Path = REPOSITORY) -> str:
    """The city a root works on when none is named: `city:` in its config/monitoring.yml (one setting)."""
    shared = Path(root) / SHARED_CONFIG
    try:
        stat = shared.stat()
    except OSError:
        raise ContextError(f"{shared} fehlt: Diese Datei hält die gemeinsamen Einstellungen aller Städte und "
                           "nennt mit 'city:' die Standardstadt. Bitte aus dem Repository wiederherstellen.") from None
    return _default_city(shared, (stat.st_mtime_ns, stat.st_size))


def cities(root: Path = REPOSITORY) -> list[str]:
    """The cities set up in a root: the folders config/<name>/ with a city.yml."""
    folder = Path(root) / "config"
    return sorted(p.name for p in folder.iterdir() if (p / CITY_FILE).is_file()) if folder.is_dir() else []


def for_city(name: str) -> RunContext:
    """The context of one city of this repository: data/<name>/, config/<name>/, notebooks/<name>/ and
    outputs/<name>/ (so no two cities' reports overwrite each other); "" is the default city."""
    name = name or default_city()
    if not (REPOSITORY / "config" / name / CITY_FILE).is_file():  # data/ may still be to be derived (make data)
        offered = ", ".join(cities()) or "keine"
        raise ContextError(f"{CITY_ENV}={name!r}: Die Stadt ist nicht eingerichtet (config/{name}/{CITY_FILE} fehlt). "
                           f"Eingerichtet: {offered} (ohne Angabe: {default_city()}, laut {SHARED_CONFIG}).")
    return RunContext(city=name)


def current() -> RunContext:
    """The context of this process: from IM_CONTEXT; else the city named in IM_CITY (`make ... CITY=berlin`);
    else interactive work on the default city of this repository."""
    text = os.environ.get(ENV)
    if text:
        return _parse(text)
    return for_city(os.environ.get(CITY_ENV, "").strip())
