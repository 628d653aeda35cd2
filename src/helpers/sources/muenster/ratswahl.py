"""Münster's council election of 2009 by Kommunalwahlbezirk: turnout counts, ward boundaries, ward areas.

    python -m helpers.sources.muenster.ratswahl --src ../shared/data/muenster --out data

Source material `more/ratswahl2009/` (read its README): the official results of the Ratswahl of
30 August 2009 as published by the city's Wahlamt and kept by Code for Münster (repository
codeformuenster/wahlkarte, `results.csv`, a byte-exact copy; every non-ASCII letter was already
lost there, `MANGLED`), and the 33 Kommunalwahlbezirke as polygons (WGS84) from the
same repository. What is read:

- the 33 ward rows ("01 Altstadt ges" .. "33 Nienberge ges": totals *including postal votes*) and
  the six Stadtbezirk rows ("1 Mitte ges" ..); Stimmbezirke and Briefwahlbezirke are left out
  (a Stimmbezirk has no turnout of its own: its postal voters are counted in a Briefwahlbezirk);
- two counts per row, as printed: Wahlberechtigte insgesamt (`council_electorate`: without and
  with the Sperrvermerk W of a Wahlschein, and after § 9) and Wähler insgesamt (`council_voters`,
  urn and postal). The turnout is an indicator of the catalogue over them, never stored.

The city has no row of its own: its counts are the sum of the six Stadtbezirke (which equals the
sum of the 33 wards), said in `source`. Checked before anything is written: the 33 codes of the
results and of the boundaries are the same and name the same wards; each ward lies in one
Stadtbezirk of the statistical area division (at least `MIN_IN_STADTBEZIRK` of its area) and
the wards of each Stadtbezirk add up to its printed row; within a row the eligible add up and
valid + invalid votes are the voters. Wards are not Stadtteile: they are stored as a level of
their own (`kommunalwahlbezirk` beside the hierarchy, parent: their Stadtbezirk), never summed
into or split onto Stadtteile.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

from helpers.core import arguments, model
from helpers.core.fileio import write_atomic
from helpers.sources.geojson import write_geojson
from helpers.sources.muenster import DATA
from helpers.sources.muenster.boundaries import CRS, dissolve, read_stadtteile
from helpers.sources.muenster.hierarchy import CITY_CODE, STADTBEZIRKE

FOLDER = "more/ratswahl2009"
RESULTS_FILE = f"{FOLDER}/results_ratswahl2009_stimmbezirke_original.csv"
WARDS_FILE = f"{FOLDER}/wahlbezirke2009.geojson"
LEVEL = "kommunalwahlbezirk"
LAYER = "kommunalwahlbezirke"
OBSERVATIONS_FILE = "ratswahl2009.csv"
YEAR = 2009
ELECTORATE, VOTERS = "council_electorate", "council_voters"
#: Printed column -> what it holds; the first two are stored.
COLUMNS = {"Wahlb insges": ELECTORATE, "waehler_insgesamt": VOTERS, "Wahlb ohne Sperrv": "without_w",
           "Wahlb mit Sperrv": "with_w", "invalid": "invalid", "valid": "valid"}
SOURCE = ("Stadt Münster, Wahlamt: Ratswahl am 30.08.2009, Ergebnisse nach Kommunalwahlbezirken "
          "(einschließlich Briefwahl) und Stadtbezirken; Code for Münster, Repository "
          "codeformuenster/wahlkarte, Datei results.csv")
CITY_SOURCE = f"{SOURCE}; Stadt: Summe der sechs Stadtbezirke (keine eigene Zeile in der Quelle)"
#: A ward must lie at least this share (by area) inside one Stadtbezirk of the statistical division.
MIN_IN_STADTBEZIRK = 0.9
GEOMETRY_SOURCE = ("Stadt Münster: Kommunalwahlbezirke der Ratswahl 2009 (Code for Münster, Repository "
                   "codeformuenster/wahlkarte, wahlbezirke.geojson); vom Projekt nach EPSG:25832 umprojiziert")
#: How the source spells a letter it lost (UTF-8 of U+FFFD read as Mac Roman, written again as UTF-8).
MANGLED = "\u00d4\u00f8\u03a9"
#: The columns whose names lost a letter: invalid and valid votes, eligible after § 9.
HEADER_PATTERNS = {"invalid": f"Ung{MANGLED}lt Stimmen", "valid": f"G{MANGLED}ltige Stimmen",
                   "after": f"Wahlb nach{MANGLED}9"}
#: A row of the results: two digits a ward, one digit a Stadtbezirk, both named "<name> ges".
WARD_ROW, STADTBEZIRK_ROW = re.compile(r"\d\d"), re.compile(r"\d")


class ElectionSourceError(ValueError):
    """The election material does not read or fit as described (file, row, what was found)."""


def _count(path: Path, line: int, column: str, text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()):
        raise ElectionSourceError(f"{path}, Zeile {line}, Spalte {column!r}: {text!r} ist keine Anzahl.")
    return int(text)


def read_results(src: Path) -> pd.DataFrame:
    """The ward and Stadtbezirk rows as printed (code, name as in the file, level, the counts of COLUMNS).

    The file repeats its rows several times; an identical repetition is dropped, a code printed
    with two different rows is an error.
    """
    path = Path(src) / RESULTS_FILE
    if not path.is_file():
        raise ElectionSourceError(f"{path}: Datei fehlt.")
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    index = {name: header.index(name) for name in ("wahlbezirk_nr", "wahlbezirk", "Wahlb insges",
                                                     "waehler_insgesamt", "Wahlb ohne Sperrv", "Wahlb mit Sperrv")
             if name in header}
    found = {what: [i for i, name in enumerate(header) if re.fullmatch(pattern, name)]
             for what, pattern in HEADER_PATTERNS.items()}
    if len(index) != 6 or any(len(hits) != 1 for hits in found.values()):
        raise ElectionSourceError(f"{path}: Spalten {header} entsprechen nicht der Beschreibung im README.")
    invalid_at, valid_at, after_at = found["invalid"][0], found["valid"][0], found["after"][0]
    seen: dict[str, list[str]] = {}
    out = []
    for line, row in enumerate(rows, start=2):
        code, name = row[index["wahlbezirk_nr"]], row[index["wahlbezirk"]]
        level = "kommunalwahlbezirk" if WARD_ROW.fullmatch(code) else "stadtbezirk" if STADTBEZIRK_ROW.fullmatch(code) else None
        if level is None:
            continue
        if not name.endswith(" ges"):
            raise ElectionSourceError(f"{path}, Zeile {line}: {code} {name!r} ist keine Gesamtzeile („… ges“).")
        if code in seen and seen[code] != row:
            raise ElectionSourceError(f"{path}, Zeile {line}: {code} steht zweimal mit verschiedenen Zahlen.")
        if code in seen:
            continue
        seen[code] = row
        counts = {COLUMNS[col]: _count(path, line, col, row[index[col]])
                  for col in ("Wahlb insges", "waehler_insgesamt", "Wahlb ohne Sperrv", "Wahlb mit Sperrv")}
        counts["invalid"] = _count(path, line, header[invalid_at], row[invalid_at])
        counts["valid"] = _count(path, line, header[valid_at], row[valid_at])
        later = _count(path, line, header[after_at], row[after_at])
        if counts["without_w"] + counts["with_w"] + later != counts[ELECTORATE] or counts[VOTERS] > counts[ELECTORATE] \
                or counts["invalid"] + counts["valid"] != counts[VOTERS]:
            raise ElectionSourceError(f"{path}, Zeile {line}: {code} {name}: die Zahlen passen nicht zusammen {counts}.")
        out.append(dict(level=level, code=code, printed_name=name.removesuffix(" ges"), line=line, **counts))
    table = pd.DataFrame(out)
    wards = table[table["level"] == LEVEL]
    if sorted(wards["code"]) != [f"{i:02d}" for i in range(1, 34)]:
        raise ElectionSourceError(f"{path}: erwartet die Kommunalwahlbezirke 01–33, gefunden {sorted(wards['code'])}.")
    if set(table.loc[table["level"] == "stadtbezirk", "code"]) != set(STADTBEZIRKE):
        raise ElectionSourceError(f"{path}: Stadtbezirke {sorted(table.loc[table['level'] == 'stadtbezirk', 'code'])}, "
                                  f"erwartet {sorted(STADTBEZIRKE)}.")
    return table.sort_values(["level", "code"]).reset_index(drop=True)


def _same_name(printed: str, name: str) -> bool:
    """Whether a name of the results (non-ASCII letters lost as MANGLED) is `name`."""
    return printed == "".join(c if c.isascii() else MANGLED for c in name)


def read_wards(src: Path, stadtteile: gpd.GeoDataFrame, results: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The 33 wards (code, name, stadtbezirk, geometry) in EPSG:25832, checked against the results.

    The Stadtbezirk of a ward is the one of the statistical division (dissolved from `stadtteile`)
    that holds most of its area; it must hold at least MIN_IN_STADTBEZIRK, and the results of the
    wards of each Stadtbezirk must add up to its printed row.
    """
    results = read_results(src) if results is None else results
    path = Path(src) / WARDS_FILE
    raw = gpd.read_file(path)
    raw["code"] = raw["wahlbezirk"].astype(str).str.strip().str.zfill(2)
    printed = results[results["level"] == LEVEL].set_index("code")["printed_name"]
    problems = []
    if raw["code"].duplicated().any() or set(raw["code"]) != set(printed.index):
        problems.append(f"Nummern der Grenzen {sorted(raw['code'])} sind nicht die 33 der Ergebnisse")
    for code, name in zip(raw["code"], raw["bezirkname"].astype(str).str.strip()):
        if code in printed.index and not _same_name(printed[code], name):
            problems.append(f"Kommunalwahlbezirk {code} heißt in den Grenzen {name!r}, in den Ergebnissen {printed[code]!r}")
    gdf = raw.to_crs(CRS).sort_values("code").reset_index(drop=True)
    gdf["geometry"] = _without_overlaps(gdf.geometry.make_valid())
    gdf["name"] = gdf["bezirkname"].astype(str).str.strip()
    bezirke = dissolve(stadtteile, "stadtbezirk")
    pieces = gpd.overlay(gdf[["code", "geometry"]], bezirke[["code", "geometry"]].rename(columns={"code": "stadtbezirk"}),
                         how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.area / pieces["code"].map(gdf.set_index("code").area)
    home = pieces.sort_values(["code", "share"]).groupby("code").tail(1).set_index("code")
    for code, row in home.iterrows():
        if row["share"] < MIN_IN_STADTBEZIRK:
            problems.append(f"Kommunalwahlbezirk {code}: nur {row['share']:.0%} in Stadtbezirk {row['stadtbezirk']}")
    gdf["stadtbezirk"] = gdf["code"].map(home["stadtbezirk"])
    if problems:
        raise ElectionSourceError(f"{path}: " + "; ".join(problems))
    _check_sums(results, gdf.set_index("code")["stadtbezirk"], path)
    return gdf[["code", "name", "stadtbezirk", "geometry"]].sort_values("code").reset_index(drop=True)


def _without_overlaps(shapes: gpd.GeoSeries) -> gpd.GeoSeries:
    """Each shape without what an earlier one (lower code) already covers.

    The digitised wards overlap in a few slivers (17/18 and 17/19, about 100 m² each, at the
    scale of a digitising error); a place belongs to one ward, so the sliver stays with the first.
    """
    out, covered = [], None
    for shape in shapes:
        out.append(shape if covered is None else shape.difference(covered))
        covered = shape if covered is None else covered.union(shape)
    return gpd.GeoSeries(out, index=shapes.index, crs=shapes.crs).make_valid()


def _check_sums(results: pd.DataFrame, parent: pd.Series, where: Path) -> None:
    """The wards of each Stadtbezirk (by geometry) add up to its printed row, in every count."""
    wards = results[results["level"] == LEVEL].assign(stadtbezirk=lambda t: t["code"].map(parent))
    summed = wards.groupby("stadtbezirk")[list(COLUMNS.values())].sum()
    printed = results[results["level"] == "stadtbezirk"].set_index("code")[list(COLUMNS.values())]
    differ = summed.reindex(printed.index).ne(printed).any(axis=1)
    if differ.any():
        bad = ", ".join(f"{code}: Summe {summed.loc[code].to_dict()}, gedruckt {printed.loc[code].to_dict()}"
                        for code in printed.index[differ])
        raise ElectionSourceError(f"{where}: die Kommunalwahlbezirke ergeben nicht ihren Stadtbezirk ({bad}).")


def area_rows(wards: gpd.GeoDataFrame) -> pd.DataFrame:
    """The wards' rows of data/muenster/areas.csv: a level beside the hierarchy, parent their Stadtbezirk."""
    return pd.DataFrame({"level": LEVEL, "code": wards["code"], "name": wards["name"], "parent_level": "stadtbezirk",
                         "parent_code": wards["stadtbezirk"], "aliases": ""})


def write_layer(wards: gpd.GeoDataFrame, geo_dir: Path) -> Path:
    """The wards as data/muenster/geo/kommunalwahlbezirke.geojson (EPSG:25832, centimetre precision)."""
    target = Path(geo_dir) / f"{LAYER}.geojson"
    write_geojson(wards, target, LAYER)
    return target


def observations(results: pd.DataFrame) -> pd.DataFrame:
    """Tidy counts: the 33 wards and six Stadtbezirke as printed, the city as their sum."""
    printed = results.assign(area_level=results["level"], area_code=results["code"], source=SOURCE)
    bezirke = printed[printed["level"] == "stadtbezirk"]
    city = pd.DataFrame([{"area_level": "stadt", "area_code": CITY_CODE, "source": CITY_SOURCE,
                          ELECTORATE: bezirke[ELECTORATE].sum(), VOTERS: bezirke[VOTERS].sum()}])
    wide = pd.concat([printed, city], ignore_index=True)
    rows = []
    for measure in (ELECTORATE, VOTERS):
        rows.append(pd.DataFrame({"year": YEAR, "area_level": wide["area_level"], "area_code": wide["area_code"],
                                  "measure": measure, "sex": "total", "origin": "total", "age": "total",
                                  "value": wide[measure].astype("Int64"), "flag": "", "synthetic": False,
                                  "source": wide["source"]}))
    order = {LEVEL: 0, "stadtbezirk": 1, "stadt": 2}
    out = pd.concat(rows, ignore_index=True)
    out = out.sort_values(["measure", "area_level", "area_code"], key=lambda s: s.map(order) if s.name == "area_level" else s)
    return model.OBSERVATIONS.validate(out.reset_index(drop=True))


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True, help="Ordner mit more/ratswahl2009/ (Münster)")
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    try:
        results = read_results(args.src)
        read_wards(args.src, read_stadtteile(args.src), results)  # the same checks as for data/muenster/areas.csv
        obs = observations(results)
    except ElectionSourceError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1
    target = args.out / "observations" / OBSERVATIONS_FILE
    write_atomic(target, lambda p: obs.to_csv(p, index=False))
    city = obs[obs["area_level"] == "stadt"].set_index("measure")["value"]
    print(f"Ratswahl 2009: {len(obs)} Werte (33 Kommunalwahlbezirke, 6 Stadtbezirke, Stadt), Wahlbeteiligung der "
          f"Stadt {city[VOTERS]} / {city[ELECTORATE]} -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
