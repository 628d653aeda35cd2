"""What makes the report one city's report, beyond its data: config/<city>/city.yml, read here only.

The data root names its city in data/<city>/areas.csv (code and official name, helpers.core.areas.city).
Everything else that is particular to a city lives in `config/<city>/city.yml`: the concept of its
statistics (Migrationsvorgeschichte or Migrationshintergrund), how its small-area statistics are
cited, the terms of its sources, the sources every report uses, and the texts of its delivery
templates. Code never names a city (tests/test_city.py checks this); a data root without the
file gets generic texts, so no other city's report claims Münster's sources.

    from helpers.core import city
    city.profile().statistics_name   # "Stadt Münster, SMS – Statistik für Münsters Stadtteile"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from helpers.core import areas, fileio, levels, paths
from helpers.core import concept as concept_module

#: Where the file lives, relative to the repository root ({city}: the city's folder name; shown in messages).
RELATIVE = "config/{city}/city.yml"
CONCEPTS = concept_module.CONCEPTS
TEXT_KEYS = ("concept", "structure", "geometry", "statistics", "terms", "source_notes", "fixed_sources", "intake",
             "reference_date", "stand")
TOP_KEYS = ("concept", "levels", "other_levels", *TEXT_KEYS[1:])
UNKNOWN_TERMS = "Nutzungsbedingungen: siehe Quelle"
#: `stand:` a date (15.03.2021) or a month (März 2021).
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
          "Dezember")
STAND_PATTERN = rf"(0[1-9]|[12]\d|3[01])\.(0[1-9]|1[0-2])\.\d{{4}}|({'|'.join(MONTHS)}) \d{{4}}"


class CityConfigError(ValueError):
    """config/<city>/city.yml is invalid; the message names the file, the key and what to do."""


@dataclass(frozen=True)
class Profile:
    """A city's texts and sources; `generic` when the data root's config/<city>/city.yml has none (no file,
    or only the area levels, as in the synthetic scale city)."""

    city_name: str
    concept: str = "Migrationsvorgeschichte"
    structure: str = ""  # title page: what the chapters follow (default: `structure_text`)
    geometry: str = ""  # where the boundaries come from, under every map (default: the city's area division)
    statistics_name: str = ""  # start of a source line; default "<city>, Kommunalstatistik"
    statistics_prefix: str = ""  # stored sources of that series start so ("SMS")
    statistics_basis: str = ""  # "Datengrundlage" on the title page
    terms: tuple[tuple[str, str], ...] = ()  # (part of a source name, terms of use)
    source_notes: dict[str, str] = field(default_factory=dict, hash=False)
    fixed_sources: tuple[tuple[str, str], ...] = ()  # (source, terms)
    recipient: str = ""
    reference_owner: str = ""
    area_example: str = "Gebietsnummer wie in der Gebietsliste"
    reference_date: str = "31.12."  # the day and month the city's counts refer to (TT.MM.)
    stand: str = ""  # "Stand" on the title page if the city sets one (a publication date); else the data's date
    generic: bool = True

    def structure_text(self) -> str:
        """The title page's sentence on what the chapters follow."""
        if self.structure:
            return self.structure
        # "der Stadt Münster", "der Hansestadt Rostock"; an official name without its kind gets "Stadt" ("Flensburg")
        named = self.city_name if re.match(r"\w*stadt\b", self.city_name, flags=re.I) else f"Stadt {self.city_name}"
        return f"Gegliedert nach den Handlungsfeldern des Integrationsmonitorings der {named}."

    def terms_of(self, source: str) -> str:
        """The terms of use of a source, or the note that they are to be looked up there."""
        return next((t for match, t in self.terms if match in source), UNKNOWN_TERMS)


def _fail(where: Path, message: str) -> CityConfigError:
    return CityConfigError(f"{where}: {message}")


def _text(raw: dict, key: str, where: Path, default: str = "") -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise _fail(where, f"'{key}' muss ein Text sein, gefunden: {value!r}.")
    return " ".join(value.split())


def _mapping(raw: object, where: Path, key: str, allowed: tuple[str, ...] | None = None) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(where, f"'{key}' muss eine Zuordnung (Schlüssel: Wert) sein, gefunden: {raw!r}.")
    unknown = sorted(str(k) for k in raw if allowed is not None and k not in allowed)
    if unknown:
        raise _fail(where, f"'{key}': unbekannte(r) Schlüssel {', '.join(unknown)}; erlaubt: {', '.join(allowed or ())}.")
    return raw


def _pairs(raw: object, where: Path, key: str, first: str, second: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _fail(where, f"'{key}' muss eine Liste sein (je Eintrag {first}: …).")
    out = []
    for number, entry in enumerate(raw, start=1):
        entry = _mapping(entry, where, f"{key}[{number}]", (first, second))
        head = _text(entry, first, where)
        if not head:
            raise _fail(where, f"'{key}[{number}]' braucht '{first}'.")
        out.append((head, _text(entry, second, where) or UNKNOWN_TERMS))
    return tuple(out)


def parse(text: str, where: Path, city_name: str) -> Profile:
    """The profile from the file's text; CityConfigError naming `where` for anything invalid."""
    try:
        raw = fileio.load_yaml(text)
    except yaml.YAMLError as exc:
        raise _fail(where, f"kein gültiges YAML ({' '.join(str(exc).split())}).") from None
    raw = _mapping(raw, where, "(Datei)", TOP_KEYS)
    try:
        levels.parse(raw, where)  # read by helpers.core.levels; checked here so one check covers the file
    except levels.LevelError as exc:
        raise CityConfigError(str(exc)) from None
    concept = _text(raw, "concept", where, CONCEPTS[0])
    if concept not in CONCEPTS:
        raise _fail(where, f"'concept' ist {concept!r}; erlaubt: {', '.join(CONCEPTS)}.")
    stats = _mapping(raw.get("statistics"), where, "statistics", ("name", "prefix", "basis"))
    notes = _mapping(raw.get("source_notes"), where, "source_notes")
    intake = _mapping(raw.get("intake"), where, "intake", ("recipient", "reference_owner", "area_example"))
    generic = Profile(city_name)
    reference_date = _text(raw, "reference_date", where, generic.reference_date)
    if not re.fullmatch(r"(0[1-9]|[12]\d|3[01])\.(0[1-9]|1[0-2])\.", reference_date):
        raise _fail(where, f"'reference_date' ist {reference_date!r}; erwartet Tag und Monat wie 31.12. (TT.MM.).")
    stand = raw.get("stand")
    if stand is not None and not (isinstance(stand, str) and re.fullmatch(STAND_PATTERN, " ".join(stand.split()))):
        raise _fail(where, f"'stand' ist {stand!r}; erwartet ein Datum wie \"15.03.2021\" (TT.MM.JJJJ, in "
                           "Anführungszeichen) oder einen Monat wie „März 2021“, oder weglassen (dann steht auf der "
                           "Titelseite der Datenstand: Stichtag des neuesten Jahres im Bericht).")
    return Profile(
        city_name=city_name, concept=concept, structure=_text(raw, "structure", where),
        geometry=_text(raw, "geometry", where),
        statistics_name=_text(stats, "name", where), statistics_prefix=_text(stats, "prefix", where),
        statistics_basis=_text(stats, "basis", where),
        terms=_pairs(raw.get("terms"), where, "terms", "match", "terms"),
        source_notes={str(k): " ".join(str(v).split()) for k, v in notes.items()},
        fixed_sources=_pairs(raw.get("fixed_sources"), where, "fixed_sources", "source", "terms"),
        recipient=_text(intake, "recipient", where), reference_owner=_text(intake, "reference_owner", where),
        area_example=_text(intake, "area_example", where, generic.area_example),
        reference_date=reference_date, stand=" ".join(stand.split()) if stand else "",
        generic=not any(key in raw for key in TEXT_KEYS),
    )


@lru_cache(maxsize=4)
def _load(where: Path, signature: tuple, city_name: str) -> Profile:
    if not signature:
        return Profile(city_name)
    return parse(where.read_text(encoding="utf-8"), where, city_name)


def profile() -> Profile:
    """The city's profile from config/<city>/city.yml of the data root (generic without the file)."""
    where = Path(paths.CITY_YAML)
    try:
        stat = where.stat()
        signature: tuple = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        signature = ()
    return _load(where, signature, areas.city().name)


def statistics_name() -> str:
    """The start of a source line for the city's own small-area statistics."""
    found = profile()
    return found.statistics_name or f"{found.city_name}, Kommunalstatistik"


#: How the intake stores a delivery's rows' source (helpers.intake.storage.source_text): the raw file and its
#: checksum, with the source the sender named (a delivery's "Quelle", a mapping's `quelle:`) after it.
DELIVERY_SOURCE = re.compile(r"Lieferung .+? \(sha256 [0-9a-f]+\)(?:; Quelle: (?P<named>.+))?")


def _delivered(source: str) -> str:
    """A delivery's stored source as a reader is given it: the source its sender named, else the city's own
    statistics (its prefix, so that citation() names them once; a file name and checksum are provenance for the
    data's keepers, not a citation)."""
    match = DELIVERY_SOURCE.fullmatch(source)
    if not match:
        return source
    return match.group("named") or profile().statistics_prefix or statistics_name()


def citation(sources: list[str]) -> str:
    """Stored source names as one line under a figure: the tables of the city's statistics
    ("SMS Migration 2014, …", prefix from config/<city>/city.yml) become its series ("…, Migration"),
    other datasets stay as named, those of one publisher joined ("Stadt X, Open Data: A und B")."""
    prefix = profile().statistics_prefix
    sources = sorted({_delivered(s) for s in sources})
    own = [s for s in sources if prefix and (s == prefix or s.startswith(f"{prefix} "))]
    series = sorted({m.group(1) for s in own if (m := re.match(rf"{re.escape(prefix)} (\w+) \d{{4}}", s))})
    datasets: dict[str, list[str]] = {}
    for source in sources:
        if source not in own:
            publisher, _, dataset = source.rpartition(": ")
            datasets.setdefault(publisher, []).append(dataset)
    other = [f"{p}: {' und '.join(d)}" if p else " und ".join(d) for p, d in datasets.items()]
    named = ", ".join([statistics_name(), " und ".join(series)] if series else [statistics_name()])
    return "; ".join(([named] if own else []) + other)
