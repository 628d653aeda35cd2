"""The indicator catalogue: definitions of the Handlungsfelder and of every indicator.

An indicator is a formula over stored counts: numerator / denominator x scale, each side a
measure with fixed group values (sex, origin, age). `groups` names one dimension whose values
are compared (e.g. origin: foreign vs german); the value replaces that dimension on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from helpers.core import concept, fileio, levels, paths
from helpers.core.model import ORIGINS, SEXES

DIRECTIONS = {
    "higher_better": "höher ist besser",
    "lower_better": "niedriger ist besser",
    "gap_shrink": "Abstand zwischen den Gruppen soll sinken",
    "descriptive": "beschreibend (keine Wertung)",
}
DIMENSIONS = ("sex", "origin", "age")
class ConceptLabels(Mapping[str, str]):
    """German group labels in the concept of the current city's statistics (config/<city>/city.yml
    `concept`): "mit Migrationsvorgeschichte" in Münster, "mit Migrationshintergrund" in Berlin,
    so that no report names one city's concept for another's figures. Read like a dict."""

    def __init__(self, labels: dict[str, str]) -> None:
        self._labels = labels

    def __getitem__(self, key: str) -> str:
        return concept.say(self._labels[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


GROUP_LABELS = ConceptLabels({
    "total": "Insgesamt",
    "male": "Männer",
    "female": "Frauen",
    "migration": "mit Migrationsvorgeschichte",
    "no_migration": "ohne Migrationsvorgeschichte",
    "foreign": "Ausländer/-innen",
    "german": "Deutsche",
    "german_mig_personal": "Deutsche mit persönlicher Migrationsvorgeschichte",
    "german_mig_inherited": "Deutsche mit vererbter Migrationsvorgeschichte",
    "migration_personal": "mit persönlicher Migrationsvorgeschichte",
    "expellee": "Heimatvertriebene",
    "resettler": "Aus-/Spätaussiedler",
    "naturalised_other": "sonstige Eingebürgerte",
    "german_migration": "Deutsche mit Migrationsvorgeschichte",
})
#: Dative forms for sentences ("bei Ausländerinnen und Ausländern ...").
GROUP_LABELS_DATIVE = ConceptLabels({
    "total": "allen Einwohnerinnen und Einwohnern",
    "male": "Männern",
    "female": "Frauen",
    "migration": "Menschen mit Migrationsvorgeschichte",
    "no_migration": "Menschen ohne Migrationsvorgeschichte",
    "foreign": "Ausländerinnen und Ausländern",
    "german": "Deutschen",
})
REQUIRED_FIELDS = (
    "id", "name", "definition", "handlungsfeld", "numerator", "denominator", "scale", "unit",
    "direction", "level", "source", "data_owner", "population_base", "first_year", "synthetic",
)
#: What a published rate (published_rate instead of numerator, denominator and scale) needs.
PUBLISHED_REQUIRED = tuple(f for f in REQUIRED_FIELDS if f not in ("numerator", "denominator", "scale"))


class CatalogueError(ValueError):
    """The catalogue file is inconsistent; the message names the entry and field."""


@dataclass(frozen=True)
class Term:
    """One side of the formula: a measure with fixed group values."""

    measure: str
    sex: str = "total"
    origin: str = "total"
    age: str = "total"

    def with_group(self, dimension: str, value: str) -> Term:
        return Term(**{**self.__dict__, dimension: value})


@dataclass(frozen=True)
class Handlungsfeld:
    id: str
    name: str
    category: str
    aim: str
    order: int


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    definition: str
    handlungsfeld: str
    numerator: Term | None  # None for a published rate
    denominator: Term | None
    scale: float
    unit: str
    direction: str
    level: str
    source: str
    data_owner: str
    population_base: str
    first_year: int
    synthetic: bool
    group_dimension: str | None = None
    group_values: tuple[str, ...] = ()
    breaks: tuple[str, ...] = ()
    notes: str = ""
    map_groups: tuple[str, ...] = ("total",)  # groups mapped by Stadtteil in the chapter
    #: A rate a statistical office publishes without counts (helpers.core.rates), instead of a formula.
    published: Term | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def counted(self) -> bool:
        """Whether the indicator is a formula over stored counts (else a published rate)."""
        return self.published is None

    @property
    def terms(self) -> tuple[Term, ...]:
        """The counted terms (numerator, denominator); none for a published rate."""
        return () if self.numerator is None or self.denominator is None else (self.numerator, self.denominator)

    @property
    def break_years(self) -> tuple[int, ...]:
        """The first year after each declared break ("2011: ..." -> 2011): a value of such a year is not
        directly comparable with the years before it (the exported tables and tidy data mark it)."""
        return tuple(sorted({break_year(b) for b in self.breaks}))

    @property
    def direction_de(self) -> str:
        return DIRECTIONS[self.direction]

    @property
    def is_rate(self) -> bool:
        return self.unit == "%"


@dataclass(frozen=True)
class GroupRelation:
    """Within one measure, year and area: the `parts` of `dimension` lie within `whole`.

    A partition's parts add up to the whole; a `within` relation has one part and says only
    that it is at most the whole. `reason` is German: the intake's messages quote it.
    """

    dimension: str
    whole: str
    parts: tuple[str, ...]
    reason: str
    partition: bool


@dataclass(frozen=True)
class GroupRelations:
    """The catalogue's `groups:` section: declared group relations and non-subset rate indicators."""

    relations: tuple[GroupRelation, ...] = ()
    not_subsets: tuple[tuple[str, str], ...] = ()  # (indicator id, German reason)


@dataclass(frozen=True)
class Catalogue:
    handlungsfelder: tuple[Handlungsfeld, ...]
    indicators: tuple[Indicator, ...]
    groups: GroupRelations = GroupRelations()
    #: German names of the counted measures (section `measures`), for readers of the definition boxes.
    measure_names: tuple[tuple[str, str], ...] = ()

    def measure_name(self, measure: str) -> str:
        """The German name of a measure ("Arbeitslose"); its code if the catalogue names none."""
        return dict(self.measure_names).get(measure, measure)

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        known = ", ".join(i.id for i in self.indicators)
        raise CatalogueError(f"Unbekannter Indikator {indicator_id!r}. Bekannt: {known}.")

    def handlungsfeld(self, hf_id: str) -> Handlungsfeld:
        for hf in self.handlungsfelder:
            if hf.id == hf_id:
                return hf
        known = ", ".join(h.id for h in self.handlungsfelder)
        raise CatalogueError(f"Unbekanntes Handlungsfeld {hf_id!r}. Bekannt: {known}.")

    def at_level(self, indicator_ids: list[str], level: str, usable=lambda ind: True) -> list[Indicator]:
        """The indicators, checked for an analysis at `level` (distinct, known, available there).

        An indicator exists at its finest level and every coarser one (counts are summed up).
        `usable` narrows what the error messages offer (e.g. no descriptive indicators).
        """
        order = levels.hierarchy().codes  # smallest first: an indicator at one level exists at all larger ones
        if level not in order:
            raise CatalogueError(f"Unbekannte Gebietsebene {level!r}; erlaubt: {', '.join(order)}.")
        if not indicator_ids:
            raise CatalogueError("Keine Indikatoren angegeben.")
        dupes = sorted({i for i in indicator_ids if list(indicator_ids).count(i) > 1})
        if dupes:
            raise CatalogueError(f"Indikator(en) doppelt angegeben: {', '.join(dupes)}.")
        known = {i.id: i for i in self.indicators}
        there = lambda ind: order.index(ind.level) <= order.index(level)  # noqa: E731
        offered = ", ".join(i.id for i in self.indicators if there(i) and usable(i))
        unknown = [i for i in indicator_ids if i not in known]
        if unknown:
            raise CatalogueError(f"Unbekannte(r) Indikator(en): {', '.join(unknown)}. "
                                 f"Auf der Ebene {level!r} verfügbar: {offered}.")
        coarse = [i for i in indicator_ids if not there(known[i])]
        if coarse:
            listed = ", ".join(f"{i} (nur Ebene {known[i].level!r})" for i in coarse)
            raise CatalogueError(f"Nicht auf der Ebene {level!r} verfügbar: {listed}. "
                                 f"Auf dieser Ebene verfügbar: {offered}.")
        return [known[i] for i in indicator_ids]

    def for_handlungsfeld(self, hf_id: str) -> list[Indicator]:
        self.handlungsfeld(hf_id)
        return [i for i in self.indicators if i.handlungsfeld == hf_id]


def _term(entry: dict, where: str) -> Term:
    if not isinstance(entry, dict) or "measure" not in entry:
        raise CatalogueError(f"{where}: erwartet eine Zuordnung mit 'measure' (und optional sex/origin/age).")
    unknown = set(entry) - {"measure", *DIMENSIONS}
    if unknown:
        raise CatalogueError(f"{where}: unbekannte Schlüssel {sorted(unknown)}.")
    term = Term(**{k: str(v) for k, v in entry.items()})
    if term.sex not in SEXES:
        raise CatalogueError(f"{where}: sex={term.sex!r} unbekannt; erlaubt: {SEXES}.")
    if term.origin not in ORIGINS:
        raise CatalogueError(f"{where}: origin={term.origin!r} unbekannt; erlaubt: {ORIGINS}.")
    return term


#: A declared break starts with the first year of the new series: "2011: Melderegister statt Fortschreibung".
BREAK_PATTERN = re.compile(r"^(\d{4}):\s*\S")


def break_year(text: str) -> int:
    """The year a declared break starts with ("2011: ..." -> 2011)."""
    return int(text.split(":", 1)[0])


def _breaks(raw: object, where: str) -> tuple[str, ...]:
    breaks = tuple(str(b) for b in raw or ())
    wrong = [b for b in breaks if not BREAK_PATTERN.match(b.strip())]
    if wrong:
        raise CatalogueError(f"{where}: ein Bruch in der Reihe beginnt mit dem ersten Jahr der neuen Reihe und "
                             f"einem Doppelpunkt, z. B. '2011: Melderegister statt Fortschreibung'; gefunden: "
                             f"{wrong[0][:60]!r}.")
    return breaks


def _indicator(entry: dict, hf_ids: set[str], path: Path, declared: tuple[str, ...]) -> Indicator:
    where = f"{path.name}, Indikator {entry.get('id', '?')!r}"
    published = entry.get("published_rate")
    if published is not None:
        mixed = [f for f in ("numerator", "denominator", "scale", "groups") if f in entry]
        if mixed:
            raise CatalogueError(f"{where}: published_rate ist eine veröffentlichte Quote ohne Anzahlen; "
                                 f"{', '.join(mixed)} passen nicht dazu. Bitte entfernen.")
        if entry.get("synthetic"):
            raise CatalogueError(f"{where}: published_rate ist eine veröffentlichte Quote; synthetic muss false sein.")
    required = REQUIRED_FIELDS if published is None else PUBLISHED_REQUIRED
    missing = [f for f in required if f not in entry or entry[f] in (None, "")]
    if missing:
        raise CatalogueError(f"{where}: Pflichtfeld(er) fehlen: {', '.join(missing)}.")
    if entry["handlungsfeld"] not in hf_ids:
        raise CatalogueError(f"{where}: Handlungsfeld {entry['handlungsfeld']!r} ist nicht definiert.")
    if entry["direction"] not in DIRECTIONS:
        raise CatalogueError(f"{where}: direction={entry['direction']!r}; erlaubt: {', '.join(DIRECTIONS)}.")
    if entry["level"] not in declared:
        raise CatalogueError(f"{where}: level={entry['level']!r}; erlaubt (config/{Path(path).parent.name}/city.yml): "
                             f"{', '.join(declared)}.")
    groups = entry.get("groups") or {}
    dimension = groups.get("dimension")
    values = tuple(str(v) for v in groups.get("values", ()))
    if groups and (dimension not in DIMENSIONS or len(values) != 2):
        raise CatalogueError(f"{where}: groups braucht dimension ({', '.join(DIMENSIONS)}) und genau zwei values.")
    if entry["direction"] == "gap_shrink" and not groups:
        raise CatalogueError(f"{where}: direction gap_shrink braucht groups.")
    known = {f for f in Indicator.__dataclass_fields__}
    return Indicator(
        id=str(entry["id"]),
        name=str(entry["name"]),
        definition=str(entry["definition"]).strip(),
        handlungsfeld=str(entry["handlungsfeld"]),
        numerator=None if published is not None else _term(entry["numerator"], f"{where}, numerator"),
        denominator=None if published is not None else _term(entry["denominator"], f"{where}, denominator"),
        scale=float(entry.get("scale", 1)),
        unit=str(entry["unit"]),
        direction=str(entry["direction"]),
        level=str(entry["level"]),
        source=str(entry["source"]).strip(),
        data_owner=str(entry["data_owner"]),
        population_base=str(entry["population_base"]),
        first_year=int(entry["first_year"]),
        synthetic=bool(entry["synthetic"]),
        group_dimension=dimension,
        group_values=values,
        breaks=_breaks(entry.get("breaks", ()), where),
        notes=str(entry.get("notes", "") or "").strip(),
        map_groups=tuple(str(g) for g in entry.get("map_groups", ["total"])),
        published=None if published is None else _term(published, f"{where}, published_rate"),
        extra={k: v for k, v in entry.items() if k not in known and k not in ("groups", "published_rate")},
    )


def _groups(raw: object, ids: set[str], path: Path) -> GroupRelations:
    """The `groups:` section; every group must be a known value of its dimension."""
    if raw is None:
        return GroupRelations()
    where = f"{path.name}, Abschnitt groups"
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: erwartet eine Zuordnung (sex, origin, not_subsets).")
    allowed = {"sex": SEXES, "origin": ORIGINS}
    relations = []
    for dimension, entry in raw.items():
        if dimension == "not_subsets":
            continue
        if dimension not in allowed or not isinstance(entry, dict):
            raise CatalogueError(f"{where}: unbekannte Dimension {dimension!r}; erlaubt: sex, origin, not_subsets "
                                 "(Altersgruppen ergeben sich aus ihren Intervallen).")
        for kind in ("partitions", "within"):
            for item in entry.get(kind) or ():
                parts = tuple(str(p) for p in item.get("parts", [item.get("part")]))
                whole, reason = str(item.get("whole")), str(item.get("reason", "")).strip()
                unknown = [g for g in (whole, *parts) if g not in allowed[dimension]]
                if unknown or not reason or (kind == "partitions" and len(parts) < 2):
                    raise CatalogueError(f"{where}, {dimension}.{kind}: {item!r} braucht bekannte Gruppen "
                                         f"(erlaubt: {allowed[dimension]}), einen Grund (reason) und bei "
                                         "partitions mindestens zwei parts.")
                relations.append(GroupRelation(dimension, whole, parts, reason, kind == "partitions"))
    not_subsets = []
    for item in raw.get("not_subsets") or ():
        if item.get("indicator") not in ids or not str(item.get("reason", "")).strip():
            raise CatalogueError(f"{where}, not_subsets: {item!r} braucht einen bekannten Indikator und einen Grund.")
        not_subsets.append((str(item["indicator"]), " ".join(str(item["reason"]).split())))
    return GroupRelations(tuple(relations), tuple(not_subsets))


def parse(text: str, path: Path, declared: tuple[str, ...] | None = None) -> Catalogue:
    """The catalogue from its text; `declared`: the area levels its entries may name (default: the
    levels of the current data root)."""
    declared = declared or levels.hierarchy().codes
    raw = fileio.load_yaml(text)
    if not isinstance(raw, dict) or "handlungsfelder" not in raw or "indicators" not in raw:
        raise CatalogueError(f"{path.name}: erwartet die Abschnitte 'handlungsfelder' und 'indicators'.")
    hfs = tuple(
        Handlungsfeld(id=str(h["id"]), name=str(h["name"]), category=str(h["category"]),
                      aim=str(h["aim"]).strip(), order=i)
        for i, h in enumerate(raw["handlungsfelder"])
    )
    hf_ids = {h.id for h in hfs}
    indicators = tuple(_indicator(e, hf_ids, path, declared) for e in raw["indicators"])
    ids = [i.id for i in indicators]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CatalogueError(f"{path.name}: doppelte Indikator-IDs: {', '.join(dupes)}.")
    return Catalogue(handlungsfelder=hfs, indicators=indicators, groups=_groups(raw.get("groups"), set(ids), path),
                     measure_names=_measure_names(raw.get("measures"), path))


def _measure_names(raw: object, path: Path) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise CatalogueError(f"{path.name}, Abschnitt measures: erwartet je Merkmal einen deutschen Namen "
                             "(z. B. „unemployed: Arbeitslose“).")
    return tuple(sorted((str(k), " ".join(v.split())) for k, v in raw.items()))


def load(path: Path | None = None) -> Catalogue:
    """The catalogue of the data root (or `path`), cached per file state: an edited file or another
    data root (a second city) is read again."""
    path = Path(path or paths.CATALOGUE_YAML)
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: Path, mtime: int, size: int) -> Catalogue:
    return _parsed(path.read_text(encoding="utf-8"), Path(path.parent.name) / path.name, _declared_levels(path))


@lru_cache(maxsize=8)
def _parsed(text: str, where: Path, declared: tuple[str, ...]) -> Catalogue:
    """One parse per content: a copy of the same catalogue in another root (a test's, a verify's) is not parsed
    again; `where` (<city>/catalogue.yml) is all of the path its messages name."""
    return parse(text, where, declared)


def _declared_levels(path: Path) -> tuple[str, ...]:
    """The levels a catalogue may use: those of its city's config/<city>/city.yml (data/<city>/catalogue.yml of a
    root -> config/<city>/city.yml of the same root), else those of the current city."""
    beside = path.parent.parent.parent / "config" / path.parent.name / "city.yml"
    return (levels.of_file(beside) if beside.is_file() else levels.hierarchy()).codes
