"""Berlin's residents by migration background per LOR area, 31 December 2015-2024 (source parser).

Source: `population_t1/berlin-lor-population-<YYYY>-<0N>-t1-<level>.csv` of the Open Data
Product (Amt für Statistik Berlin-Brandenburg, Einwohnerregisterstatistik). `-02` is the
31 December of the year, `-01` the 30 June; the annual value of the monitoring is the
31 December figure, so only the `-02` files are read.

Levels and codes: `city` (id 0 -> the Gemeindeschlüssel 11000000), `districts` (Bezirke 01-12),
`forecast-areas` (Prognoseräume, 4 digits: Bezirk + 2), `district-regions` (Bezirksregionen,
6 digits: Prognoseraum + 2). Until 2020 the codes are those of the LOR 2006 system, from 2021
those of the LOR 2021 (helpers.sources.berlin.lor relates them); a row carries its vintage.

Groups: residents (Einwohner/-innen mit Hauptwohnsitz), with migration background (Berlin's
register-based "Migrationshintergrund", not Münster's "Migrationsvorgeschichte"), foreigners,
Germans with migration background. Every row is checked: residents = Germans + foreigners,
with migration background = Germans with it + foreigners, Germans = with + without; every
level adds up to the city, every area to its parent. The derived `_percentage` columns are
ignored.

`write_city` derives Berlin's data root (data/berlin: areas, boundaries, observations) from
these files; the hierarchy it fills is declared in config/berlin/city.yml:

- Bezirksregion -> Prognoseraum -> Bezirk -> Stadt in the LOR 2006 codes: the levels with
  boundaries for all three, so maps, segregation and Moran's I work on the 138 Bezirksregionen,
  for 2015-2020;
- the LOR 2021 areas as levels of their own (`bezirksregion_2021`, `prognoseraum_2021`), so a
  series never mixes old and new codes: the Bezirksregion series ends in 2020 (a visible break),
  the Bezirke and the city, which did not change, go on to 2024.

    python -m helpers.sources.berlin.population --src ../shared/data/berlin --out data/berlin
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from helpers.core import arguments, model
from helpers.core.fileio import write_atomic
from helpers.sources.geojson import write_geojson

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
#: The same for every year (the row's year is the 31 December counted), so a caption over several
#: years names the dataset once.
SOURCE = ("Amt für Statistik Berlin-Brandenburg, Einwohnerregisterstatistik, Stand 31.12. "
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
    long["source"] = SOURCE
    order = {level: i for i, level in enumerate(["stadt", "bezirk", "prognoseraum", "bezirksregion"])}
    long = long.sort_values(["year", "area_level", "area_code", "origin"], key=lambda s: s.map(order) if s.name ==
                            "area_level" else s).reset_index(drop=True)
    return Residents(long[["year", "vintage", "area_level", "area_code", "origin", "value", "source"]])


# --- Berlin's data root ---------------------------------------------------------------------------

CITY_NAME = "Berlin"
#: Metric CRS for Berlin's maps (ETRS89 / UTM 33N).
CRS = "EPSG:25833"
#: Level of a stored row by (source level, vintage): the LOR 2021 areas are levels of their own.
NEW_LEVELS = {"bezirksregion": "bezirksregion_2021", "prognoseraum": "prognoseraum_2021"}
#: Boundary file of the source -> (level, file stem in data/<city>/geo).
GEO_FILES = {
    "berlin-lor-districts.geojson": ("bezirk", "bezirke"),
    "berlin-lor-forecast-areas-until-2020.geojson": ("prognoseraum", "prognoseraeume"),
    "berlin-lor-district-regions-until-2020.geojson": ("bezirksregion", "bezirksregionen"),
    "berlin-lor-forecast-areas-from-2021.geojson": ("prognoseraum_2021", "prognoseraeume_2021"),
}
#: Parent of each stored level and how many leading digits of a code name it.
STORED_PARENTS = {"bezirksregion": ("prognoseraum", 4), "prognoseraum": ("bezirk", 2),
                  "bezirksregion_2021": ("prognoseraum_2021", 4), "prognoseraum_2021": ("bezirk", 2),
                  "bezirk": ("stadt", 0)}
GEO_SOURCE = "Geoportal Berlin / LOR, Open Data Product open-data-product-berlin-lor-geodata (CC BY 4.0)"


def stored_level(level: str, year: int) -> str:
    """The level a row is stored at: LOR 2021 areas apart from the LOR 2006 ones."""
    return NEW_LEVELS.get(level, level) if year >= FIRST_NEW_YEAR else level


def read_boundaries(src: Path) -> dict[str, gpd.GeoDataFrame]:
    """Level -> boundaries (code, name, geometry) in EPSG:25833, one polygon per code."""
    out = {}
    for name, (level, _stem) in GEO_FILES.items():
        path = Path(src) / "geo" / name
        if not path.is_file():
            raise BerlinSourceError(f"{path}: Datei fehlt (Grenzen der Ebene {level}).")
        raw = gpd.read_file(path)
        missing = {"id", "name"} - set(raw.columns)
        if missing:
            raise BerlinSourceError(f"{path}: Spalte(n) {', '.join(sorted(missing))} fehlen.")
        twice = raw["id"][raw["id"].duplicated()]
        if len(twice):
            raise BerlinSourceError(f"{path}: id {twice.iloc[0]!r} kommt mehrfach vor.")
        gdf = raw.rename(columns={"id": "code"})[["code", "name", "geometry"]].to_crs(CRS)
        out[level] = gdf.sort_values("code").reset_index(drop=True)
    return out


def observations(residents: Residents) -> pd.DataFrame:
    """The residents as observations of the data model (measure population, all sexes and ages)."""
    t = residents.table
    levels = [stored_level(lvl, y) for lvl, y in zip(t["area_level"], t["year"])]
    obs = pd.DataFrame({
        "year": t["year"].astype(int), "area_level": levels, "area_code": t["area_code"], "measure": "population",
        "sex": "total", "origin": t["origin"], "age": "total", "value": t["value"].astype("Int64"), "flag": "",
        "synthetic": False, "source": t["source"],
    })
    obs = obs.sort_values(["year", "area_level", "area_code", "origin"], kind="stable").reset_index(drop=True)
    return model.OBSERVATIONS.validate(obs)


def area_table(geo: dict[str, gpd.GeoDataFrame], obs: pd.DataFrame) -> pd.DataFrame:
    """areas.csv: every area with boundaries (names from the boundary files) and the LOR 2021
    Bezirksregionen, which have none and no name in the source ("Bezirksregion <code>")."""
    rows = [dict(level="stadt", code=CITY_CODE, name=CITY_NAME, parent_level="", parent_code="")]
    named = {level: dict(zip(g["code"], g["name"])) for level, g in geo.items()}
    new_regions = sorted(obs.loc[obs["area_level"] == "bezirksregion_2021", "area_code"].unique())
    named["bezirksregion_2021"] = {c: f"Bezirksregion {c} (LOR 2021)" for c in new_regions}
    for level in ("bezirk", "prognoseraum", "bezirksregion", "prognoseraum_2021", "bezirksregion_2021"):
        parent, digits = STORED_PARENTS[level]
        for code, name in sorted(named[level].items()):
            parent_code = code[:digits] if digits else CITY_CODE
            if parent != "stadt" and parent_code not in named[parent]:
                raise BerlinSourceError(f"{level} {code} ({name}): das übergeordnete Gebiet {parent} {parent_code} "
                                        "fehlt in den Grenzdateien.")
            rows.append(dict(level=level, code=code, name=name, parent_level=parent, parent_code=parent_code))
    return pd.DataFrame(rows).assign(aliases="")


def check_codes(table: pd.DataFrame, obs: pd.DataFrame) -> None:
    """Every (level, code) of the observations is an area, and every area with boundaries has data."""
    areas = set(zip(table["level"], table["code"]))
    used = set(zip(obs["area_level"], obs["area_code"]))
    unknown = sorted(used - areas)
    if unknown:
        raise BerlinSourceError(f"{len(unknown)} Gebiet(e) der Einwohnerdateien ohne Grenze, z. B. {unknown[0]}.")
    unused = sorted((lvl, c) for lvl, c in areas - used if lvl != "stadt")
    if unused:
        raise BerlinSourceError(f"{len(unused)} Gebiet(e) der Grenzdateien ohne Einwohnerzahlen, z. B. {unused[0]}.")


def write_city(src: Path, data_dir: Path) -> list[Path]:
    """Berlin's areas.csv, data/<city>/geo/*.geojson and observations/berlin.csv, all checked before any is written."""
    residents = read_residents(src)
    obs = observations(residents)
    geo = read_boundaries(src)
    table = area_table(geo, obs)
    check_codes(table, obs)
    data_dir = Path(data_dir)
    (data_dir / "geo").mkdir(parents=True, exist_ok=True)
    (data_dir / "observations").mkdir(parents=True, exist_ok=True)
    written = [data_dir / "areas.csv", data_dir / "observations" / "berlin.csv"]
    write_atomic(written[0], lambda p: table.to_csv(p, index=False))
    write_atomic(written[1], lambda p: obs.to_csv(p, index=False))
    for level, stem in GEO_FILES.values():
        target = data_dir / "geo" / f"{stem}.geojson"
        write_geojson(geo[level], target, stem)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Berlins Datenwurzel aus dem Quellmaterial ableiten")
    parser.add_argument("--src", type=Path, required=True, help="Ordner mit population_t1/ und geo/")
    parser.add_argument("--out", type=Path, required=True, help="data-Ordner der Stadt, z. B. data/berlin")
    args = parser.parse_args(argv)
    try:
        written = write_city(args.src, args.out)
    except BerlinSourceError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1
    print(f"Berlin: {len(written)} Dateien geschrieben nach {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
