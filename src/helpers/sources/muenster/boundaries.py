"""Münster's boundaries from the city's statistical area division, reprojected to EPSG:25832.

Stadtteile come from `Ebene_2_Stadtteil.geojson` (WGS84); Teilbereich and Stadtbezirk outlines
are dissolved from them, so the levels nest exactly (the source's own level-1 file is not
needed and would not share the Stadtteil edges to the centimetre).

Stadtzellen come from `Ebene_3_Stadtzellen.geojson` and are kept as published: they were
digitised separately and do not share the Stadtteil edges exactly (a cell lies 83-100 % inside
its Stadtteil by area). Their parent is read from the number (`hierarchy.stadtteil_of_cell`) and
checked against the geometry: the cell's representative point must lie in that Stadtteil.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from helpers.sources.area_names import normalise_name
from helpers.sources.geojson import write_geojson
from helpers.sources.muenster.hierarchy import (
    STADTBEZIRKE,
    STADTTEILE,
    TEILBEREICHE,
    area_table,
    stadtbezirk_of,
    stadtteil_of_cell,
    teilbereich_of,
)

CRS = "EPSG:25832"  # ETRS89 / UTM zone 32N, the official CRS for NRW
STADTTEIL_FILE = "gebietsgliederung/Ebene_2_Stadtteil.geojson"
STADTZELLE_FILE = "gebietsgliederung/Ebene_3_Stadtzellen.geojson"
#: A Stadtzelle must lie at least this share (by area) inside the Stadtteil its number names.
MIN_CELL_INSIDE = 0.8
ATTRIBUTION = (
    "Geometrie: Stadt Münster, Statistische Gebietsgliederung (Stand 2014), "
    "gesammelt von Code for Münster; umprojiziert nach EPSG:25832"
)


class BoundaryError(ValueError):
    """The boundary file does not match the known area list."""


def read_stadtteile(src: Path) -> gpd.GeoDataFrame:
    """Read, check against the area list, and reproject the 45 Stadtteile."""
    path = Path(src) / STADTTEIL_FILE
    raw = gpd.read_file(path)
    raw["code"] = raw["Nr"].astype(int).astype(str).str.zfill(2)
    aliases = area_table().set_index("code")["aliases"]
    for _, row in raw.iterrows():
        code, name = row["code"], str(row["Name"])
        if code not in STADTTEILE:
            raise BoundaryError(f"{path.name}: unbekannte Stadtteil-Nummer {code} ({name!r}).")
        known = {normalise_name(STADTTEILE[code])} | {
            normalise_name(a) for a in str(aliases.get(code, "")).split("|") if a
        }
        if normalise_name(name) not in known:
            raise BoundaryError(
                f"{path.name}: Stadtteil {code} heißt dort {name!r}, erwartet {STADTTEILE[code]!r}; "
                "bitte als Alias in helpers/sources/muenster/hierarchy.py eintragen."
            )
    missing = sorted(set(STADTTEILE) - set(raw["code"]))
    if missing or raw["code"].duplicated().any():
        raise BoundaryError(f"{path.name}: fehlende oder doppelte Stadtteile: {missing}")
    gdf = raw.to_crs(CRS)
    gdf["geometry"] = gdf.geometry.make_valid()
    gdf["name"] = gdf["code"].map(STADTTEILE)
    gdf["teilbereich"] = gdf["code"].map(teilbereich_of)
    gdf["stadtbezirk"] = gdf["code"].map(stadtbezirk_of)
    return gdf[["code", "name", "teilbereich", "stadtbezirk", "geometry"]].sort_values("code").reset_index(drop=True)


def read_stadtzellen(src: Path, stadtteile: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Read and reproject the Stadtzellen; check that number and geometry name the same Stadtteil.

    All cells that do not fit are reported together, since a wrong parent would silently move
    counts between Stadtteile once cell data exist.
    """
    path = Path(src) / STADTZELLE_FILE
    raw = gpd.read_file(path)
    raw["code"] = raw["Nr"].astype(int).astype(str)
    problems = []
    if raw["code"].duplicated().any():
        problems.append(f"doppelte Nummern {sorted(raw.loc[raw['code'].duplicated(), 'code'])}")
    gdf = raw.to_crs(CRS)
    gdf["geometry"] = gdf.geometry.make_valid()
    gdf["name"] = gdf["Name"].astype(str).str.strip()
    gdf["stadtteil"] = ""
    by_code = stadtteile.set_index("code").geometry
    for i, row in gdf.iterrows():
        try:
            parent = stadtteil_of_cell(row["code"])
        except ValueError as err:
            problems.append(str(err))
            continue
        if parent not in by_code.index:
            problems.append(f"Stadtzelle {row['code']} {row['name']}: Stadtteil {parent} gibt es nicht")
            continue
        home = by_code[parent]
        inside = row.geometry.intersection(home).area / row.geometry.area
        if not home.contains(row.geometry.representative_point()) or inside < MIN_CELL_INSIDE:
            problems.append(f"Stadtzelle {row['code']} {row['name']}: nur {inside:.0%} in Stadtteil {parent}")
        gdf.at[i, "stadtteil"] = parent
    missing = sorted(set(by_code.index) - set(gdf["stadtteil"]))
    if missing:
        problems.append(f"Stadtteile ohne Stadtzelle: {missing}")
    if problems:
        raise BoundaryError(f"{path.name}: " + "; ".join(problems))
    return gdf[["code", "name", "stadtteil", "geometry"]].sort_values("code").reset_index(drop=True)


def dissolve(stadtteile: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Outline of every Teilbereich or Stadtbezirk as the union of its Stadtteile."""
    names = {"teilbereich": TEILBEREICHE, "stadtbezirk": STADTBEZIRKE}[level]
    out = stadtteile.dissolve(by=level, as_index=False)[[level, "geometry"]]
    out = out.rename(columns={level: "code"})
    out["name"] = out["code"].map(names)
    return out[["code", "name", "geometry"]].sort_values("code").reset_index(drop=True)


def write_layers(stadtteile: gpd.GeoDataFrame, geo_dir: Path,
                 stadtzellen: gpd.GeoDataFrame | None = None) -> list[Path]:
    """GeoJSON (text, diffable, deterministic) per level in EPSG:25832, centimetre precision."""
    layers = {
        "stadtteile": stadtteile,
        "teilbereiche": dissolve(stadtteile, "teilbereich"),
        "stadtbezirke": dissolve(stadtteile, "stadtbezirk"),
    }
    if stadtzellen is not None:
        layers["stadtzellen"] = stadtzellen
    written = []
    for name, gdf in layers.items():
        target = Path(geo_dir) / f"{name}.geojson"
        write_geojson(gdf, target, name)
        written.append(target)
    return written
