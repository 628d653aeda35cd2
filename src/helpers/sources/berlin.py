"""Berlin's residents by migration background per LOR area, 31 December 2015-2024 (source parser).

Source: `population_t1/berlin-lor-population-<YYYY>-<0N>-t1-<level>.csv` of the Open Data
Product (Amt für Statistik Berlin-Brandenburg, Einwohnerregisterstatistik). `-02` is the
31 December of the year, `-01` the 30 June; the annual value of the monitoring is the
31 December figure, so only the `-02` files are read.

Levels and codes: `city` (id 0 -> the Gemeindeschlüssel 11000000), `districts` (Bezirke 01-12),
`forecast-areas` (Prognoseräume, 4 digits: Bezirk + 2), `district-regions` (Bezirksregionen,
6 digits: Prognoseraum + 2). Until 2020 the codes are those of the LOR 2006 system, from 2021
those of the LOR 2021 (helpers.sources.lor relates them); a row carries its vintage.

Groups: residents (Einwohner/-innen mit Hauptwohnsitz), with migration background (Berlin's
register-based "Migrationshintergrund", not Münster's "Migrationsvorgeschichte"), foreigners,
Germans with migration background. Every row is checked: residents = Germans + foreigners,
with migration background = Germans with it + foreigners, Germans = with + without; every
level adds up to the city, every area to its parent. The derived `_percentage` columns are
ignored.

Not yet written into a data root: Berlin's areas need the declared area hierarchy of issue 15.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

CITY_CODE = "11000000"
LEVELS = {"city": "stadt", "districts": "bezirk", "forecast-areas": "prognoseraum",
          "district-regions": "bezirksregion"}
#: The parent of each level and how many leading digits of a code name it.
PARENTS = {"bezirksregion": ("prognoseraum", 4), "prognoseraum": ("bezirk", 2), "bezirk": ("stadt", 0)}
COLUMNS = {"inhabitants": "total", "inhabitants_with_migration_background": "migration",
           "inhabitants_foreigners": "foreign", "inhabitants_germans_with_migration_background": "german_migration",
           "inhabitants_germans": "german", "inhabitants_germans_without_migration_background": "german_no_migration"}
#: Groups stored; the others are checked and then left to be computed (total minus a part).
STORED = ("total", "migration", "foreign", "german_migration")
FILE = re.compile(r"berlin-lor-population-(\d{4})-0([12])-t1-([a-z-]+)\.csv")
FIRST_NEW_YEAR = 2021
SOURCE = ("Amt für Statistik Berlin-Brandenburg, Einwohnerregisterstatistik, 31.12.{year} "
          "(Open Data Product berlin-lor-population-source-aligned, CC BY 4.0)")


class BerlinSourceError(ValueError):
    """A source file that does not read or add up as described (file, row, column, what)."""


@dataclass(frozen=True)
class Residents:
    """Residents per area and group, 31 December of each year (long form)."""

    table: pd.DataFrame  # year, vintage, area_level, area_code, origin, value, source

    def value(self, year: int, level: str, code: str, origin: str = "total") -> int:
        t = self.table
        hit = t[(t["year"] == year) & (t["area_level"] == level) & (t["area_code"] == code) & (t["origin"] == origin)]
        if len(hit) != 1:
            raise KeyError((year, level, code, origin))
        return int(hit["value"].iloc[0])


def vintage(year: int) -> str:
    """The LOR system a year's codes belong to."""
    return "LOR 2021" if year >= FIRST_NEW_YEAR else "LOR 2006"


def read_file(path: Path) -> pd.DataFrame:
    """One file as year, area_level, area_code and the six counts (wide), checked row by row."""
    match = FILE.fullmatch(path.name)
    if not match:
        raise BerlinSourceError(f"{path}: Dateiname nicht im Muster berlin-lor-population-JJJJ-0N-t1-<Ebene>.csv.")
    year, level = int(match.group(1)), LEVELS.get(match.group(3))
    if level is None:
        raise BerlinSourceError(f"{path}: unbekannte Ebene {match.group(3)!r}; erwartet: {', '.join(LEVELS)}.")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ["id", *COLUMNS] if c not in raw.columns]
    if missing:
        raise BerlinSourceError(f"{path}: Spalte(n) {', '.join(missing)} fehlen.")
    for column in COLUMNS:
        bad = ~raw[column].str.fullmatch(r"\d+")
        if bad.any():
            row = int(raw.index[bad][0])
            raise BerlinSourceError(f"{path}, Zeile {row + 2}, Spalte {column}: {raw.at[row, column]!r} ist keine "
                                    "Anzahl.")
    counts = raw[list(COLUMNS)].astype(int).rename(columns=COLUMNS)
    for whole, parts in [("total", ("german", "foreign")), ("migration", ("german_migration", "foreign")),
                         ("german", ("german_migration", "german_no_migration"))]:
        off = counts[whole] != counts[list(parts)].sum(axis=1)
        if off.any():
            row = int(counts.index[off][0])
            raise BerlinSourceError(f"{path}, Zeile {row + 2}: {whole} = {counts.at[row, whole]}, aber "
                                    f"{' + '.join(parts)} = {int(counts.loc[row, list(parts)].sum())}.")
    code = CITY_CODE if level == "stadt" else raw["id"]
    return counts.assign(year=year, area_level=level, area_code=code)


def check_sums(wide: pd.DataFrame, year: int) -> None:
    """Every area adds up to its parent (by code prefix), every level to the city."""
    for child, (parent, digits) in PARENTS.items():
        kids = wide[wide["area_level"] == child]
        if kids.empty:
            continue  # a level without a file this year: nothing to add up
        prefix = kids["area_code"].str[:digits] if digits else pd.Series(CITY_CODE, index=kids.index)
        summed = kids.groupby(prefix.rename("area_code"))[list(STORED)].sum().reset_index()
        parents = wide.loc[wide["area_level"] == parent, ["area_code", *STORED]]
        joined = summed.merge(parents, on="area_code", how="outer", suffixes=("", "_parent")).fillna(-1)
        for origin in STORED:
            off = joined[joined[origin] != joined[f"{origin}_parent"]]
            if len(off):
                row = off.iloc[0]
                found = "keine" if row[origin] < 0 else f"{int(row[origin])}"
                published = "keiner" if row[f"{origin}_parent"] < 0 else f"{int(row[f'{origin}_parent'])}"
                raise BerlinSourceError(f"31.12.{year}: die {child} von {parent} {row['area_code']} ergeben {origin} = "
                                        f"{found}, veröffentlicht ist {published}.")


def read_residents(src: Path) -> Residents:
    """All 31 December files of the folder `src` (containing population_t1/)."""
    files = sorted((Path(src) / "population_t1").glob("berlin-lor-population-*-02-t1-*.csv"))
    if not files:
        raise BerlinSourceError(f"{Path(src) / 'population_t1'}: keine Dateien berlin-lor-population-JJJJ-02-t1-*.csv.")
    wide = pd.concat([read_file(p) for p in files], ignore_index=True)
    for year, rows in wide.groupby("year"):
        check_sums(rows, int(year))
    long = wide.melt(id_vars=["year", "area_level", "area_code"], value_vars=list(STORED), var_name="origin",
                     value_name="value")
    long["vintage"] = long["year"].map(vintage)
    long["source"] = long["year"].map(lambda y: SOURCE.format(year=y))
    order = {level: i for i, level in enumerate(["stadt", "bezirk", "prognoseraum", "bezirksregion"])}
    long = long.sort_values(["year", "area_level", "area_code", "origin"], key=lambda s: s.map(order) if s.name ==
                            "area_level" else s).reset_index(drop=True)
    return Residents(long[["year", "vintage", "area_level", "area_code", "origin", "value", "source"]])
