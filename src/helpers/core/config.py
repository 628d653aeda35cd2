"""The settings that are not data: config/monitoring.yml and config/<city>/monitoring.yml, read here.

Two files hold what a person running the monitoring decides rather than delivers: the shared one
(config/monitoring.yml: the disclosure rule, the staff texts' and the intake's settings, the default
city) and the city's own (config/<city>/monitoring.yml: its chapters, its default year), which
extends the shared one section by section, key by key (kedro's conf/base + overrides). Together: the
report's chapters (declared, in order, each with its notebook, title, papermill parameters and
what it needs of the data) and the statistical disclosure rule. Declared like a Jupyter Book
table of contents or a ploomber pipeline.yaml, not found by a filename glob: a notebook in
notebooks/<city>/ that the file does not name is not part of the report.

Everything is validated when read; a bad setting raises ConfigError with a German message that
names the file, the key and what to do, before any kernel starts. Only the standard library and
PyYAML are imported, so the runner's no-change path stays fast.

    from helpers.core import config
    config.chapters()            # [Chapter('00_kontext_bevoelkerung.ipynb', ...), ...]
    config.disclosure()          # {'min_count': 3, 'min_denominator': 30, ...}
    config.intake()              # IntakeLimits(max_file_mb=200, max_rows=1000000, ...)
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from helpers.core import context, fileio, generic, paths

#: Where the shared settings live, relative to the repository root (also shown in messages).
RELATIVE = "config/monitoring.yml"
#: Where a city's own settings live (also shown in messages).
CITY_RELATIVE = "config/<stadt>/monitoring.yml"
#: The disclosure rule's keys and their values when the file does not set them.
DISCLOSURE_DEFAULTS: dict[str, object] = {"min_count": 3, "min_denominator": 30, "min_population": 300,
                                          "population_measure": "population"}
TOP_KEYS = ("chapters", "disclosure", "default_year", "texts", "intake")
#: What only the shared file sets (read by helpers.core.context) and what only a city's file sets.
SHARED_ONLY = ("city",)
#: Sections a city's file extends key by key; others (chapters, default_year) it sets as a whole.
MERGED = ("disclosure", "texts", "intake")
#: The intake's limits (helpers.intake) and their values when the file does not set them: generous for
#: real deliveries (the largest measured has 200,000 rows, 13 MB as CSV, and needs about 0.5 GB while
#: checked), so that only a wrong or hostile file meets them. memory_gb 0: no memory cap.
INTAKE_DEFAULTS: dict[str, float] = {"max_file_mb": 200, "max_rows": 1_000_000, "max_keys": 1_000_000,
                                     "max_cell_chars": 32_767, "memory_gb": 8}
#: The limits that are counts (whole numbers); the others may be fractions (0.5 GB).
INTAKE_WHOLE = ("max_rows", "max_keys", "max_cell_chars")
TEXTS_KEYS = ("typed_numbers",)
#: What a typed number that matches no published one does: a hint, or a failed build.
TYPED_NUMBER_MODES = ("warnen", "abbrechen")
CHAPTER_KEYS = ("notebook", "title", "parameters", "requires")
REQUIRES_KEYS = ("indicators", "level")
#: Set by the runner itself, never in the file.
RESERVED_PARAMETERS = ("report_year",)


@dataclass(frozen=True)
class IntakeLimits:
    """How large a delivery may be (file, rows, distinct keys, text of one cell) and how much memory
    the intake command may use; each one is checked before or while reading, with a German refusal."""

    max_file_mb: float = INTAKE_DEFAULTS["max_file_mb"]
    max_rows: int = int(INTAKE_DEFAULTS["max_rows"])
    max_keys: int = int(INTAKE_DEFAULTS["max_keys"])
    max_cell_chars: int = int(INTAKE_DEFAULTS["max_cell_chars"])
    memory_gb: float = INTAKE_DEFAULTS["memory_gb"]

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def memory_bytes(self) -> int | None:
        """The memory cap in bytes; None: no cap."""
        return int(self.memory_gb * 2**30) if self.memory_gb else None


class ConfigError(ValueError):
    """A settings file is missing or invalid; the message says which, where and what to do."""


@dataclass(frozen=True)
class Requirement:
    """What a chapter needs of the data to show something for a report year: values of all
    `indicators` at `level` (None: the city's base level) in a common year at or before it
    (helpers.indicators.years)."""

    indicators: tuple[str, ...] = ()
    level: str | None = None


@dataclass(frozen=True)
class Chapter:
    """One declared chapter: its notebook file, German title, parameters and data needs."""

    notebook: str
    title: str = ""
    parameters: dict[str, object] = field(default_factory=dict, hash=False)
    requires: Requirement | None = None

    @property
    def stem(self) -> str:
        return Path(self.notebook).stem

    @property
    def number(self) -> str:
        return self.stem.split("_", 1)[0]

    def parameters_json(self) -> str:
        """The parameters in a canonical form (for build keys)."""
        return json.dumps(self.parameters, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Settings:
    path: Path
    chapters: tuple[Chapter, ...]
    disclosure: dict[str, object] = field(hash=False)
    #: The report year when none is asked for: the latest offered year in which these indicators
    #: have values (helpers.indicators.years.default_year); None: the latest offered year.
    default_year: Requirement | None = None
    #: The staff texts' typed numbers that match no published one: "warnen" or "abbrechen"
    #: (a final publication always stops, helpers.disclosure.textcheck).
    typed_numbers: str = "warnen"
    #: The intake's limits (section `intake`; defaults for keys the file leaves out).
    intake: IntakeLimits = IntakeLimits()
    #: The chapters are the generic ones of the catalogue (a city without notebooks/<city>/ and without `chapters`).
    generic: bool = False


def config_path(root: Path | None = None, city: str | None = None) -> Path:
    """The city's own settings file: config/<city>/monitoring.yml (of `root`, default: this process's)."""
    if root is None:
        return paths.CONFIG_YAML
    return Path(root) / "config" / (city or paths.CITY) / "monitoring.yml"


def _fail(where: Path, message: str) -> ConfigError:
    return ConfigError(f"{where}: {message}")


def _mapping(value: object, where: Path, key: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, f"'{key}' muss eine Zuordnung (Schlüssel: Wert) sein, gefunden: {value!r}.")
    unknown = sorted(str(k) for k in set(value) - set(allowed))
    if unknown:
        raise _fail(where, f"'{key}': unbekannte(r) Schlüssel {', '.join(unknown)}; erlaubt: {', '.join(allowed)}. "
                           "Bitte die Schreibweise prüfen.")
    return value


def _requirement(entry: object, where: Path, key: str) -> Requirement | None:
    if entry is None:
        return None
    entry = _mapping(entry, where, key, REQUIRES_KEYS)
    indicators = entry.get("indicators", [])
    if not isinstance(indicators, list) or not all(isinstance(i, str) and i for i in indicators):
        raise _fail(where, f"'{key}.indicators' muss eine Liste von Katalog-IDs sein, gefunden: {indicators!r}.")
    level = entry.get("level")
    if level is not None and (not isinstance(level, str) or not level):
        raise _fail(where, f"'{key}.level' muss eine Gebietsebene sein (z. B. stadtteil), gefunden: {level!r}.")
    return Requirement(tuple(indicators), level)


def _chapter(entry: object, where: Path, index: int) -> Chapter:
    key = f"chapters[{index + 1}]"
    entry = _mapping(entry, where, key, CHAPTER_KEYS)
    notebook = entry.get("notebook")
    if not isinstance(notebook, str) or not notebook.endswith(".ipynb"):
        raise _fail(where, f"'{key}.notebook' muss der Dateiname eines Notebooks in notebooks/{paths.CITY}/ sein "
                           f"(z. B. 02_arbeit_und_wirtschaft.ipynb), gefunden: {notebook!r}.")
    key = f"chapters[{notebook}]"
    title = entry.get("title", "")
    if not isinstance(title, str):
        raise _fail(where, f"'{key}.title' muss ein Text sein, gefunden: {title!r}.")
    parameters = entry.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise _fail(where, f"'{key}.parameters' muss eine Zuordnung Name: Wert sein, gefunden: {parameters!r}.")
    reserved = sorted(set(parameters) & set(RESERVED_PARAMETERS))
    if reserved:
        raise _fail(where, f"'{key}.parameters': {', '.join(reserved)} setzt der Runner "
                           "(make report YEAR=…); bitte hier entfernen.")
    return Chapter(notebook, title, dict(parameters), _requirement(entry.get("requires"), where, f"{key}.requires"))


def _disclosure(entries: object, where: Path) -> dict[str, object]:
    """The rule's settings; the messages are those of the former data/disclosure.yml."""
    entries = {} if entries is None else entries
    if not isinstance(entries, dict):
        raise _fail(where, f"'disclosure' muss eine Zuordnung sein, gefunden: {entries!r}.")
    known = set(DISCLOSURE_DEFAULTS)
    unknown = sorted(str(k) for k in set(entries) - known)
    if unknown:
        raise _fail(where, f"disclosure: unbekannte Einstellung(en) {', '.join(unknown)}; "
                           f"erlaubt: {', '.join(sorted(known))}.")
    for key, value in entries.items():
        if key == "population_measure":
            if not isinstance(value, str) or not value:
                raise _fail(where, f"disclosure: '{key}' muss ein Merkmal sein (z. B. population), gefunden: {value!r}.")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _fail(where, f"disclosure: '{key}' muss eine ganze Zahl ≥ 0 sein, gefunden: {value!r}.")
    return {**DISCLOSURE_DEFAULTS, **entries}


def _intake(entries: object, where: Path) -> IntakeLimits:
    """The intake's limits: numbers > 0 (memory_gb may be 0: no cap)."""
    entries = _mapping({} if entries is None else entries, where, "intake", tuple(INTAKE_DEFAULTS))
    for key, value in entries.items():
        whole = key in INTAKE_WHOLE
        number = isinstance(value, int) or (not whole and isinstance(value, float))
        if isinstance(value, bool) or not number or value < 0 or (value == 0 and key != "memory_gb"):
            kind = ("eine ganze Zahl > 0" if whole else "eine Zahl ≥ 0 (0: keine Grenze)" if key == "memory_gb"
                    else "eine Zahl > 0")
            raise _fail(where, f"intake: '{key}' muss {kind} sein, gefunden: {value!r}. Standard: {INTAKE_DEFAULTS[key]}.")
    return IntakeLimits(**{**INTAKE_DEFAULTS, **entries})


def _texts(entries: object, where: Path) -> str:
    """What a typed number that matches no published one does (texts.typed_numbers)."""
    texts = _mapping(entries if entries is not None else {}, where, "texts", TEXTS_KEYS)
    typed = str(texts.get("typed_numbers", "warnen"))
    if typed not in TYPED_NUMBER_MODES:
        raise _fail(where, f"texts: 'typed_numbers' ist {typed!r}; erlaubt: {', '.join(TYPED_NUMBER_MODES)}.")
    return typed


def _read_yaml(text: str, where: Path, allowed: tuple[str, ...]) -> dict:
    try:
        raw = fileio.load_yaml(text)
    except yaml.YAMLError as exc:
        raise _fail(where, f"kein gültiges YAML ({' '.join(str(exc).split())}). Bitte Einrückung und "
                           "Doppelpunkte prüfen.") from None
    return _mapping(raw if raw is not None else {}, where, "(Datei)", allowed)


def merged(shared: dict, own: dict) -> dict:
    """The city's settings over the shared ones: MERGED sections key by key, the rest as a whole."""
    result = {key: value for key, value in shared.items() if key not in SHARED_ONLY}
    for key, value in own.items():
        base = result.get(key)
        if key in MERGED and isinstance(base, dict) and isinstance(value, dict):
            result[key] = {**base, **value}
        else:
            result[key] = value
    return result


def parse(text: str, where: Path, shared: str | None = None, shared_where: Path | None = None,
          derived: list[tuple[str, str, dict, str]] | None = None) -> Settings:
    """Settings from a city's file's text over the shared file's (`shared`, None: none); ConfigError naming
    the file for anything invalid. `derived`: the generic chapters of a city without notebooks of its own
    (helpers.core.generic), its chapters unless its file lists others."""
    raw = _read_yaml(text, where, TOP_KEYS)
    generic_ones = derived is not None and "chapters" not in raw
    if generic_ones:
        raw = {**raw, "chapters": [{"notebook": name, "title": title, "parameters": parameters}
                                   for name, title, parameters, _ in derived or []]}
    if shared is not None:
        base_where = Path(shared_where or where)
        base = _read_yaml(shared, base_where, (*SHARED_ONLY, *MERGED))
        for key, check in (("disclosure", _disclosure), ("texts", _texts), ("intake", _intake)):
            if key in base:  # a section is checked where it is written, so a message names the right file
                check(base[key], base_where)
        raw = merged(base, raw)
    entries = raw.get("chapters")
    if not isinstance(entries, list) or (not entries and not generic_ones):
        raise _fail(where, "'chapters' muss die Kapitel des Berichts als Liste nennen "
                           "(je Eintrag mindestens notebook: <Datei>.ipynb).")
    chapters = tuple(_chapter(entry, where, i) for i, entry in enumerate(entries))
    seen: set[str] = set()
    for chapter in chapters:
        if chapter.notebook in seen or chapter.number in {Path(s).stem.split("_", 1)[0] for s in seen}:
            raise _fail(where, f"Kapitel {chapter.notebook} (oder seine Nummer) steht mehrmals in 'chapters'; "
                               "bitte nur einmal aufführen.")
        seen.add(chapter.notebook)
    default = _requirement(raw.get("default_year"), where, "default_year")
    if default is not None and not default.indicators:
        raise _fail(where, "'default_year.indicators' muss mindestens eine Katalog-ID nennen (z. B. [mv_anteil]).")
    return Settings(where, chapters, _disclosure(raw.get("disclosure"), where), default,
                    _texts(raw.get("texts"), where), _intake(raw.get("intake"), where), generic_ones)


def shared_path(city_file: Path) -> Path:
    """The shared settings a city's file extends: config/monitoring.yml, two folders up."""
    return Path(city_file).parent.parent / "monitoring.yml"


def files(city_file: Path | None = None) -> list[Path]:
    """The files the settings are read from, shared first (the shared one only where it exists)."""
    city_file = Path(city_file or config_path())
    return [f for f in (shared_path(city_file), city_file) if f.is_file() or f == city_file]


def _root_and_city(where: Path) -> tuple[Path, str]:
    """The root and the city of a config/<city>/monitoring.yml."""
    return where.parent.parent.parent, where.parent.name


def generic_chapters(where: Path) -> list[tuple[str, str, dict, str]] | None:
    """The generic chapters (helpers.core.generic) of the city whose settings file `where` is, when it has no
    notebooks/<city>/ of its own; None when it has."""
    root, city = _root_and_city(where)
    if (root / "notebooks" / city).is_dir():
        return None
    return generic.entries(root / "data" / city / "catalogue.yml")


def _stat(path: Path) -> tuple[int, int]:
    return (path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else (0, -1)


@lru_cache(maxsize=4)
def _load(where: Path, signature: tuple) -> Settings:
    base = shared_path(where)
    shared = base.read_text(encoding="utf-8") if base.is_file() else None
    return parse(where.read_text(encoding="utf-8"), where, shared, base, generic_chapters(where))


def load(path: Path | None = None) -> Settings:
    """The settings of the city's config/<city>/monitoring.yml (or `path`) over the shared config/monitoring.yml
    beside its folder; re-read when either file changes. A city without notebooks of its own gets the generic
    chapters of its catalogue (re-derived when the catalogue changes), their files written where the runner
    looks for them (helpers.core.generic.materialise)."""
    where = Path(path or config_path())
    root, city = _root_and_city(where)
    catalogue_file = root / "data" / city / "catalogue.yml"
    try:
        signature = (tuple((f.stat().st_mtime_ns, f.stat().st_size) for f in files(where)), _stat(catalogue_file),
                     (root / "notebooks" / city).is_dir())
    except OSError:
        raise ConfigError(f"{where} fehlt: Diese Datei nennt die Kapitel des Berichts dieser Stadt (die gemeinsamen "
                          f"Einstellungen stehen in {RELATIVE}). Bitte aus dem Repository wiederherstellen "
                          f"oder für eine neue Stadt anlegen ({CITY_RELATIVE}).") from None
    settings = _load(where, signature)
    if settings.generic and settings.chapters:
        generic.materialise(context.REPOSITORY, generic.generated_folder(root, city), generic_chapters(where) or [])
    return settings


def disclosure(path: Path | None = None) -> dict[str, object]:
    """The disclosure rule's settings (defaults for keys the file leaves out)."""
    return dict(load(path).disclosure)


def intake(path: Path | None = None) -> IntakeLimits:
    """The intake's limits (defaults for keys the file leaves out)."""
    return load(path).intake


def notebook_parameters(notebook: Path) -> list[str]:
    """Names assigned in a notebook's cell tagged `parameters` (papermill's defaults)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    names: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        tree = ast.parse("".join(source) if isinstance(source, list) else source)
        names += [t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                  for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                  if isinstance(t, ast.Name)]
    return names


def chapters(folder: Path | None = None, path: Path | None = None) -> list[Chapter]:
    """The declared chapters in order, each checked against its notebook in `folder` (notebooks/<city>/):
    the file exists and knows every configured parameter."""
    settings = load(path)
    folder = Path(folder or paths.NOTEBOOKS)
    if not settings.chapters:
        raise _fail(settings.path, "Der Bericht hat keine Kapitel: Die Stadt hat keine eigenen Notebooks, und ihr "
                                   "Katalog (data/<stadt>/catalogue.yml) nennt keinen Indikator, aus dem die "
                                   "allgemeinen Kapitel entstehen. Bitte zuerst Zahlen mit `integrationsmonitoring "
                                   "stadt daten` einlesen (das schreibt den Katalog) oder Indikatoren im Katalog "
                                   "eintragen.")
    missing = [c.notebook for c in settings.chapters if not (folder / c.notebook).is_file()]
    if missing and folder.name == generic.GENERATED:
        raise _fail(settings.path, f"Kapitel-Notebook(s) {', '.join(missing)} gibt es nicht: Die Stadt hat keinen "
                                   "eigenen Ordner notebooks/<stadt>/. Ohne 'chapters' bekommt sie die allgemeinen "
                                   "Kapitel aus ihrem Katalog (eines je Handlungsfeld mit Indikatoren); bitte "
                                   "'chapters' entfernen oder die eigenen Notebooks in notebooks/<stadt>/ anlegen.")
    if missing:
        raise _fail(settings.path, f"Kapitel-Notebook(s) {', '.join(missing)} fehlen in {folder}. "
                                   "Bitte den Dateinamen in 'chapters' berichtigen oder den Eintrag entfernen.")
    for chapter in settings.chapters:
        if not chapter.parameters:
            continue
        known = notebook_parameters(folder / chapter.notebook)
        unknown = sorted(set(chapter.parameters) - set(known))
        if unknown:
            raise _fail(settings.path, f"chapters[{chapter.notebook}].parameters: {', '.join(unknown)} kennt das "
                                       f"Notebook nicht (seine Parameterzelle: {', '.join(known) or 'leer'}). "
                                       "Bitte die Schreibweise prüfen oder den Parameter entfernen.")
    return list(settings.chapters)
