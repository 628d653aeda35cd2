"""Münster's open-data exports: residents per Stadtteil 1999-2020 and by migration group 2006-2019.

    python -m helpers.sources.muenster.opendata --src ../shared/data/muenster --out data

Two datasets of the city's open-data portal (folder `opendata/` of the source material):

- "Wohnberechtigte Bevölkerung pro Stadtteil im Verlauf" (`ZEIT;RAUM;MERKMAL;WERT`): the total;
- "Bevölkerungsindikatoren – Migration" (`ZEIT,RAUM,MERKMAL,WERT`): four groups that add up to
  the total: Ausländer, Deutsche mit persönlicher / vererbter / ohne erkennbare
  Migrationsvorgeschichte. The total with a migration history is their sum without the last.

Both cover the 45 Stadtteile only (no Stadtbezirk or city rows, no persons without a Stadtteil);
larger areas are sums of the Stadtteile (helpers.indicators.compute).

The years 2006-2014 are also printed in the SMS publications, already parsed into
`observations/sms.csv`. The printed edition stays the stored figure; every overlapping cell is
compared, and a difference is written to `opendata_checks.csv` and printed, never stored over
the SMS value. Only cells the SMS do not hold go to `observations/opendata.csv`, each with its
dataset named in `source`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core import arguments, model
from helpers.core.fileio import write_atomic
from helpers.sources.muenster import DATA

POPULATION_FILE = "opendata/wohnberechtigte_bevoelkerung_1999-2020.csv"
MIGRATION_FILE = "opendata/bevoelkerungsindikatoren_migration_2006-2019.csv"
PUBLISHER = "Stadt Münster, Open Data"
POPULATION_DATASET = f"{PUBLISHER}: Wohnberechtigte Bevölkerung pro Stadtteil im Verlauf"
MIGRATION_DATASET = f"{PUBLISHER}: Bevölkerungsindikatoren – Migration"

POPULATION_FEATURE = "Wohnberechtigte Bevölkerung"
#: MERKMAL of the migration dataset -> origin group of the data model (None: only summed).
MIGRATION_FEATURES: dict[str, str | None] = {
    "Ausländer": "foreign",
    "Deutsche mit persönlicher Migrationsvorgeschichte": "german_mig_personal",
    "Deutsche mit vererbter Migrationsvorgeschichte": "german_mig_inherited",
    "Deutsche ohne erkennbare Migrationsvorgeschichte": None,
}
MIGRATION_PARTS = ["foreign", "german_mig_personal", "german_mig_inherited"]
CELL = ["year", "area_code", "origin"]
CHECK_COLUMNS = ["year", "area_level", "area_code", "measure", "sex", "origin", "age",
                 "opendata_value", "compared_value", "compared_flag", "compared_with", "kept"]


class OpenDataError(ValueError):
    """A source file that does not read as described (file, line and what was found)."""


@dataclass(frozen=True)
class Derived:
    """What the open data add, and how they compare with the SMS figures of the same cells."""

    observations: pd.DataFrame  # cells the SMS do not hold (model.OBSERVATION_COLUMNS)
    checks: pd.DataFrame  # every difference found (CHECK_COLUMNS); empty when all agree
    compared: int  # overlapping cells compared with the SMS


def _read_long(path: Path, sep: str, stadtteile: set[str]) -> pd.DataFrame:
    """ZEIT, RAUM, MERKMAL, WERT as year, area_code, feature, value (with the file's line numbers)."""
    if not path.is_file():
        raise OpenDataError(f"{path}: Datei fehlt.")
    raw = pd.read_csv(path, sep=sep, dtype=str, encoding="utf-8", keep_default_na=False)
    if list(raw.columns) != ["ZEIT", "RAUM", "MERKMAL", "WERT"]:
        raise OpenDataError(f"{path}: Spalten {list(raw.columns)}, erwartet ZEIT, RAUM, MERKMAL, WERT.")
    raw["line"] = raw.index + 2
    date = raw["ZEIT"].str.fullmatch(r"31\.12\.(\d{4})")
    area = raw["RAUM"].str.extract(r"^(\d{2}) (.+)$")
    value = raw["WERT"].str.fullmatch(r"\d+")
    for ok, column, what in [(date, "ZEIT", "ein Stichtag 31.12.JJJJ"), (area[0].notna(), "RAUM", "'<Nr> <Name>'"),
                             (value, "WERT", "eine ganze Zahl ≥ 0")]:
        if not ok.all():
            bad = raw[~ok].iloc[0]
            raise OpenDataError(f"{path}, Zeile {bad['line']}, Spalte {column}: {bad[column]!r} ist nicht {what}.")
    unknown = ~area[0].isin(stadtteile)
    if unknown.any():
        bad = raw[unknown].iloc[0]
        raise OpenDataError(f"{path}, Zeile {bad['line']}, Spalte RAUM: Stadtteil {bad['RAUM']!r} "
                            "steht nicht in data/muenster/areas.csv.")
    out = pd.DataFrame({"year": raw["ZEIT"].str[-4:].astype(int), "area_code": area[0],
                        "feature": raw["MERKMAL"], "value": raw["WERT"].astype(int), "line": raw["line"]})
    twice = out.duplicated(["year", "area_code", "feature"], keep=False)
    if twice.any():
        bad = out[twice].sort_values("line")
        raise OpenDataError(f"{path}, Zeilen {', '.join(map(str, bad['line'].head(2)))}: derselbe Wert "
                            f"({bad.iloc[0]['feature']}, {bad.iloc[0]['area_code']}, {bad.iloc[0]['year']}) zweimal.")
    return out


def _complete(frame: pd.DataFrame, path: Path, stadtteile: set[str], features: list[str]) -> None:
    """Every Stadtteil and feature in every year: a gap would make every city sum missing."""
    for year, rows in frame.groupby("year"):
        have = set(zip(rows["area_code"], rows["feature"]))
        missing = sorted({(a, f) for a in stadtteile for f in features} - have)
        if missing:
            raise OpenDataError(f"{path}: für 31.12.{year} fehlt {missing[0][1]!r} für Stadtteil {missing[0][0]} "
                                f"({len(missing)} Werte fehlen).")


def read_population(src: Path, stadtteile: set[str]) -> pd.DataFrame:
    """Residents (wohnberechtigte Bevölkerung) per Stadtteil and year: year, area_code, origin, value, source."""
    path = Path(src) / POPULATION_FILE
    long = _read_long(path, ";", stadtteile)
    other = long[long["feature"] != POPULATION_FEATURE]
    if len(other):
        bad = other.iloc[0]
        raise OpenDataError(f"{path}, Zeile {bad['line']}, Spalte MERKMAL: {bad['feature']!r}, "
                            f"erwartet {POPULATION_FEATURE!r}.")
    _complete(long, path, stadtteile, [POPULATION_FEATURE])
    return long.assign(origin="total", source=POPULATION_DATASET)[["year", "area_code", "origin", "value", "source",
                                                                    "line"]]


def read_migration(src: Path, stadtteile: set[str]) -> pd.DataFrame:
    """The four groups per Stadtteil and year, plus their sums: the total with a migration history
    and the total of all four (year, area_code, origin, value, source; origin "all" for the latter)."""
    path = Path(src) / MIGRATION_FILE
    long = _read_long(path, ",", stadtteile)
    unknown = ~long["feature"].isin(list(MIGRATION_FEATURES))
    if unknown.any():
        bad = long[unknown].iloc[0]
        raise OpenDataError(f"{path}, Zeile {bad['line']}, Spalte MERKMAL: unbekanntes Merkmal {bad['feature']!r}; "
                            f"erwartet eines von {', '.join(MIGRATION_FEATURES)}.")
    _complete(long, path, stadtteile, list(MIGRATION_FEATURES))
    wide = long.pivot(index=["year", "area_code"], columns="feature", values="value")
    parts = wide.rename(columns=MIGRATION_FEATURES)[MIGRATION_PARTS]
    rows = parts.stack().rename("value").reset_index().rename(columns={"feature": "origin"})
    rows["source"] = MIGRATION_DATASET
    summed = pd.DataFrame({"migration": parts.sum(axis=1), "all": wide.sum(axis=1)}).stack()
    summed = summed.rename("value").reset_index().rename(columns={"level_2": "origin"})
    summed["source"] = summed["origin"].map({
        "migration": f"{MIGRATION_DATASET}, abgeleitet: migration = {' + '.join(MIGRATION_PARTS)}",
        "all": f"{MIGRATION_DATASET}, Summe der vier Gruppen"})
    return pd.concat([rows, summed], ignore_index=True)[["year", "area_code", "origin", "value", "source"]]


def check_groups_add_up(population: pd.DataFrame, migration: pd.DataFrame) -> pd.DataFrame:
    """Cells where the four migration groups do not add up to the population dataset's total."""
    both = migration[migration["origin"] == "all"].merge(
        population[["year", "area_code", "value"]], on=["year", "area_code"], suffixes=("_groups", "_total"))
    off = both[both["value_groups"] != both["value_total"]]
    return pd.DataFrame({
        "year": off["year"], "area_level": "stadtteil", "area_code": off["area_code"], "measure": "population",
        "sex": "total", "origin": "total", "age": "total", "opendata_value": off["value_groups"],
        "compared_value": off["value_total"], "compared_flag": "",
        "compared_with": f"Summe der vier Gruppen ({MIGRATION_DATASET}) ≠ {POPULATION_DATASET}",
        "kept": POPULATION_DATASET}, columns=CHECK_COLUMNS)


def tidy(cells: pd.DataFrame) -> pd.DataFrame:
    """Open-data cells (year, area_code, origin, value, source) in the data model's long form."""
    out = cells.assign(area_level="stadtteil", measure="population", sex="total", age="total", flag="",
                       synthetic=False)
    out["value"] = out["value"].astype("Int64")
    out["year"] = out["year"].astype(int)
    return out[model.OBSERVATION_COLUMNS]


def compare_with_sms(cells: pd.DataFrame, sms: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(cells the SMS do not hold, differences, number of overlapping cells compared).

    A cell is year x Stadtteil x origin of the population (both sexes, all ages). The SMS zero
    symbol "-" equals an open-data 0; an SMS cell without a value ("." and the like) that the open
    data fill is reported as a difference too, and the SMS cell is kept as printed.
    """
    printed = sms[(sms["measure"] == "population") & (sms["area_level"] == "stadtteil") & (sms["sex"] == "total")
                  & (sms["age"] == "total")][["year", "area_code", "origin", "value", "flag"]]
    printed = printed.astype({"year": int, "area_code": str})
    joined = cells.merge(printed, on=CELL, how="left", suffixes=("", "_sms"), indicator=True)
    overlap = joined["_merge"] == "both"
    differs = overlap & ~joined["value_sms"].astype("Int64").eq(joined["value"]).fillna(False).astype(bool)
    bad = joined[differs]
    checks = pd.DataFrame({
        "year": bad["year"], "area_level": "stadtteil", "area_code": bad["area_code"], "measure": "population",
        "sex": "total", "origin": bad["origin"], "age": "total", "opendata_value": bad["value"],
        "compared_value": bad["value_sms"].astype("Int64"), "compared_flag": bad["flag"],
        "compared_with": "SMS (observations/sms.csv)", "kept": "SMS"}, columns=CHECK_COLUMNS)
    new = joined.loc[~overlap, cells.columns]
    return new, checks, int(overlap.sum())


def derive(src: Path, sms: pd.DataFrame, stadtteile: set[str]) -> Derived:
    """The open-data cells beyond the SMS, and every difference found on the way."""
    population = read_population(src, stadtteile)
    migration = read_migration(src, stadtteile)
    sums = check_groups_add_up(population, migration)
    cells = pd.concat([population.drop(columns="line"), migration[migration["origin"] != "all"]],
                      ignore_index=True)
    new, differences, compared = compare_with_sms(cells, sms)
    obs = tidy(new).sort_values(["year", "area_code", "origin"], kind="stable").reset_index(drop=True)
    checks = pd.concat([sums, differences], ignore_index=True).sort_values(["year", "area_code", "origin"])
    return Derived(model.OBSERVATIONS.validate(obs), checks.reset_index(drop=True), compared)


def summary(derived: Derived) -> str:
    obs = derived.observations
    lines = [f"Open Data: {len(obs)} neue Werte"]
    for origin, g in obs.groupby("origin"):
        lines.append(f"  population/{origin}: Jahre {g['year'].min()}–{g['year'].max()}")
    lines.append(f"Mit den SMS verglichen: {derived.compared} Zellen, Abweichungen: {len(derived.checks)}")
    for _, row in derived.checks.head(10).iterrows():
        lines.append(f"  {row['year']} Stadtteil {row['area_code']} {row['origin']}: Open Data "
                     f"{row['opendata_value']}, verglichen mit {row['compared_with']}: {row['compared_value']}"
                     f"{row['compared_flag']} (gespeichert bleibt: {row['kept']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True, help="Ordner mit opendata/ (Münster)")
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    for needed in (args.out / "observations" / "sms.csv", args.out / "areas.csv"):
        if not needed.is_file():
            print(f"Fehler: {needed} fehlt; die Open-Data-Reihen werden mit den SMS-Daten verglichen. "
                  "Bitte zuerst `make data` (oder python -m helpers.sources.derive) ausführen.", file=sys.stderr)
            return 2
    sms = pd.read_csv(args.out / "observations" / "sms.csv", dtype={"area_code": str, "flag": str},
                      keep_default_na=False, na_values={"value": [""]})
    areas = pd.read_csv(args.out / "areas.csv", dtype=str)
    stadtteile = set(areas.loc[areas["level"] == "stadtteil", "code"])
    try:
        derived = derive(args.src, sms, stadtteile)
    except OpenDataError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1
    write_atomic(args.out / "observations" / "opendata.csv", lambda p: derived.observations.to_csv(p, index=False))
    write_atomic(args.out / "opendata_checks.csv", lambda p: derived.checks.to_csv(p, index=False))
    print(summary(derived))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
