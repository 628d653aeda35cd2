"""The city's area hierarchy: the levels it declares in config/<city>/city.yml, smallest first.

Münster counts by Stadtteil, sums to Teilbereiche and Stadtbezirke; Berlin by Bezirksregion, to
Prognoseräume and Bezirke. Which levels a city has, their German names and their boundary
files are data of the city, not code: `levels:` in config/<city>/city.yml (two to five levels with the
city itself, smallest first). Aggregation, disclosure control, maps, segregation, Moran and the
social-space index all take the hierarchy from here.

    from helpers.core import levels
    h = levels.hierarchy()
    h.base.code, h.base.plural     # ("stadtteil", "Stadtteile")
    h.codes                        # ("stadtteil", "teilbereich", "stadtbezirk", "stadt")

The city ("stadt") is always the top level and areas counted in the city only ("unzugeordnet")
may be stored; neither is declared. Without `levels:` (or without the file) the hierarchy is
Stadtteil -> Stadtbezirk (`DEFAULT`), the common division of a German city's statistics.

This module reads only the keys `levels` and `other_levels` of config/<city>/city.yml; everything else in
that file is read by helpers.core.city (which checks these two keys through `parse`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core import cityfile, paths
from helpers.core.model import LEVEL_PATTERN, DataError

CITY = "stadt"
UNASSIGNED = "unzugeordnet"
KEYS = ("level", "name", "plural", "boundaries", "geometry")
#: A city with its own levels between two and five, the city included.
MIN_LEVELS, MAX_LEVELS = 1, 4


class LevelError(ValueError):
    """The declared hierarchy is invalid or a level is unknown; the message says what to do."""


@dataclass(frozen=True)
class Level:
    """One area level: its code in the data, its German names, its boundary file."""

    code: str  # as in data/<city>/areas.csv and the observations, e.g. "stadtteil"
    name: str  # German singular, e.g. "Stadtteil"
    plural: str  # German plural, e.g. "Stadtteile"
    boundaries: str | None = None  # file stem in data/<city>/geo/, e.g. "stadtteile"; None: no boundaries
    geometry: str | None = None  # where its boundaries come from, if not from the city's area division (maps' footer)

    @property
    def dative(self) -> str:
        """The dative plural ("in den Stadtteilen", "in den Bezirksregionen", "in den Prognoseräumen
        (LOR 2021)": a bracketed addition stays as it is)."""
        word, bracket, rest = self.plural.partition(" (")
        return f"{word if word.endswith('n') else f'{word}n'}{bracket}{rest}"


CITY_LEVEL = Level(CITY, "Gesamtstadt", "Gesamtstadt")
UNASSIGNED_LEVEL = Level(UNASSIGNED, "nicht zuzuordnen", "nicht zuzuordnen")
DEFAULT = (Level("stadtteil", "Stadtteil", "Stadtteile", "stadtteile"),
           Level("stadtbezirk", "Stadtbezirk", "Stadtbezirke", "stadtbezirke"))


@dataclass(frozen=True)
class Hierarchy:
    """The declared levels (smallest first, without the city) and the finer ones without indicators."""

    levels: tuple[Level, ...] = DEFAULT
    other: tuple[Level, ...] = ()  # in areas.csv and data/<city>/geo, carrying no indicator (Münster's Stadtzellen)

    @property
    def base(self) -> Level:
        """The smallest level with indicators: counts are stored here and summed upwards."""
        return self.levels[0]

    @property
    def codes(self) -> tuple[str, ...]:
        """Levels indicators are computed and published at, smallest first, the city last."""
        return (*(lv.code for lv in self.levels), CITY)

    @property
    def stored(self) -> tuple[str, ...]:
        """Levels an observation or area may have."""
        return (*self.codes, UNASSIGNED, *(lv.code for lv in self.other))

    @property
    def small(self) -> tuple[str, ...]:
        """Levels whose areas fall under the disclosure rule's population floor (the base and finer)."""
        return (self.base.code, *(lv.code for lv in self.other))

    @property
    def outline(self) -> Level | None:
        """The largest declared level with boundaries above the base: its borders frame every map."""
        framed = [lv for lv in self.levels[1:] if lv.boundaries]
        return framed[-1] if framed else None

    @property
    def with_boundaries(self) -> dict[str, str]:
        """Level code -> boundary file stem, for every level that has one."""
        return {lv.code: lv.boundaries for lv in (*self.levels, *self.other) if lv.boundaries}

    def level(self, code: str) -> Level:
        """The level of a code (the city and the unassigned included); LevelError if unknown."""
        found = {lv.code: lv for lv in (*self.levels, *self.other, CITY_LEVEL, UNASSIGNED_LEVEL)}
        if code not in found:
            raise LevelError(f"Unbekannte Gebietsebene {code!r}; erlaubt: {', '.join(self.codes)}.")
        return found[code]

    def check(self, code: str, allowed: tuple[str, ...] | None = None) -> str:
        """`code` if it is one of `allowed` (default: the indicator levels), else LevelError."""
        allowed = self.codes if allowed is None else allowed
        if code not in allowed:
            raise LevelError(f"Unbekannte Gebietsebene {code!r}; erlaubt: {', '.join(allowed)}.")
        return code

    def rank(self, code: str) -> int:
        """0 for the base, growing upwards; the city last."""
        return self.codes.index(self.check(code))


def _fail(where: Path, message: str) -> LevelError:
    return LevelError(f"{where}: {message}")


def _level(entry: object, where: Path, key: str) -> Level:
    if not isinstance(entry, dict):
        raise _fail(where, f"'{key}' muss eine Zuordnung mit {', '.join(KEYS)} sein, gefunden: {entry!r}.")
    unknown = sorted(str(k) for k in entry if k not in KEYS)
    if unknown:
        raise _fail(where, f"'{key}': unbekannte(r) Schlüssel {', '.join(unknown)}; erlaubt: {', '.join(KEYS)}.")
    values = {k: entry.get(k) for k in KEYS}
    for k in ("level", "name", "plural"):
        if not isinstance(values[k], str) or not values[k].strip():
            raise _fail(where, f"'{key}.{k}' fehlt oder ist kein Text (z. B. level: stadtteil, name: Stadtteil, "
                               "plural: Stadtteile).")
    code = values["level"].strip()
    if not re.fullmatch(LEVEL_PATTERN, code):
        raise _fail(where, f"'{key}.level' ist {code!r}; erlaubt sind Kleinbuchstaben a–z, Ziffern und _, am Anfang "
                           f"ein Buchstabe (so steht die Ebene in data/{paths.CITY}/areas.csv).")
    if code in (CITY, UNASSIGNED):
        raise _fail(where, f"'{key}.level' ist {code!r}: die Stadt und „{UNASSIGNED}“ gibt es immer, sie werden "
                           "nicht aufgeführt.")
    stem = values["boundaries"]
    if stem is not None and (not isinstance(stem, str) or not stem.strip() or "/" in stem or stem.endswith(".geojson")):
        raise _fail(where, f"'{key}.boundaries' ist {stem!r}; erwartet der Name der Datei in data/{paths.CITY}/geo/ ohne "
                           f"Endung (z. B. stadtteile für data/{paths.CITY}/geo/stadtteile.geojson), oder weglassen.")
    said = values["geometry"]
    if said is not None and (not isinstance(said, str) or not said.strip()):
        raise _fail(where, f"'{key}.geometry' ist {said!r}; erwartet ein Text, woher die Grenzen dieser Ebene stammen "
                           "(er steht unter jeder Karte der Ebene), oder weglassen.")
    return Level(code, values["name"].strip(), values["plural"].strip(), stem.strip() if stem else None,
                 " ".join(said.split()) if said else None)


def parse(raw: dict, where: Path) -> Hierarchy:
    """The hierarchy from the parsed file (keys `levels`, `other_levels`); LevelError naming `where`."""
    declared, other = raw.get("levels"), raw.get("other_levels")
    if declared is None:
        found: tuple[Level, ...] = DEFAULT
    elif not isinstance(declared, list) or not MIN_LEVELS <= len(declared) <= MAX_LEVELS:
        raise _fail(where, f"'levels' muss eine Liste von {MIN_LEVELS} bis {MAX_LEVELS} Ebenen sein, kleinste zuerst "
                           "(die Stadt selbst kommt dazu).")
    else:
        found = tuple(_level(e, where, f"levels[{i}]") for i, e in enumerate(declared, start=1))
    if other is not None and not isinstance(other, list):
        raise _fail(where, "'other_levels' muss eine Liste sein.")
    extra = tuple(_level(e, where, f"other_levels[{i}]") for i, e in enumerate(other or [], start=1))
    codes = [lv.code for lv in (*found, *extra)]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise _fail(where, f"Ebene(n) {', '.join(twice)} mehrfach genannt; jede Ebene nur einmal.")
    return Hierarchy(found, extra)


def hierarchy() -> Hierarchy:
    """The hierarchy of the data root's config/<city>/city.yml (the default without the file or key)."""
    return of_file(Path(paths.CITY_YAML))


def of_file(where: Path) -> Hierarchy:
    """The hierarchy declared in one city.yml (the default if it does not exist). The file is read
    once per file state (helpers.core.cityfile); parsing its few entries costs microseconds."""
    try:
        raw = cityfile.raw(where)
    except cityfile.CityFileError as exc:
        raise LevelError(str(exc)) from None
    return parse(raw, where)


def base() -> str:
    """The code of the smallest level with indicators ("stadtteil" in Münster)."""
    return hierarchy().base.code


def resolve(level: str | None) -> str:
    """`level`, or the base level for None: the default of every function that takes a level."""
    return base() if level is None else hierarchy().check(level)


def check_stored(area_levels: pd.Series, where: Path | str, fix: str = "") -> None:
    """DataError naming the file, the first rows and the declared levels if a row has an undeclared level.

    `area_levels` is the column as read (index 0 = first data row, shown as line 2)."""
    declared = hierarchy().stored
    bad = area_levels[~area_levels.isin(declared)]
    if bad.empty:
        return
    shown = "; ".join(f"Zeile {int(i) + 2}: {v!r}" for i, v in bad.head(5).items())
    more = f" (und {len(bad) - 5} weitere)" if len(bad) > 5 else ""
    raise DataError(f"{where}, Spalte area_level: unbekannte Gebietsebene in {shown}{more}. Erlaubt sind die in "
                    f"config/{paths.CITY}/city.yml unter levels erklärten Ebenen: {', '.join(declared)}. "
                    f"{fix or 'Bitte die Ebene korrigieren oder die Ebene in config/{paths.CITY}/city.yml erklären.'}")
