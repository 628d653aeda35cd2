"""Stadtteil boundaries from the city's statistical area division, reprojected to EPSG:25832.

Stadtteile come from `Ebene_2_Stadtteil.geojson` (WGS84); Teilbereich and Stadtbezirk outlines
are dissolved from them, so the levels nest exactly (the source's own level-1 file is not
needed and would not share the Stadtteil edges to the centimetre).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from helpers.io import atomic_path
from helpers.sources.areas import (
    STADTBEZIRKE,
    STADTTEILE,
    TEILBEREICHE,
    area_table,
    normalise_name,
    stadtbezirk_of,
    teilbereich_of,
)

CRS = "EPSG:25832"  # ETRS89 / UTM zone 32N, the official CRS for NRW
STADTTEIL_FILE = "gebietsgliederung/Ebene_2_Stadtteil.geojson"
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
                "bitte als Alias in helpers/sources/areas.py eintragen."
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


def dissolve(stadtteile: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Outline of every Teilbereich or Stadtbezirk as the union of its Stadtteile."""
    names = {"teilbereich": TEILBEREICHE, "stadtbezirk": STADTBEZIRKE}[level]
    out = stadtteile.dissolve(by=level, as_index=False)[[level, "geometry"]]
    out = out.rename(columns={level: "code"})
    out["name"] = out["code"].map(names)
    return out[["code", "name", "geometry"]].sort_values("code").reset_index(drop=True)


def write_layers(stadtteile: gpd.GeoDataFrame, geo_dir: Path) -> list[Path]:
    """GeoJSON (text, diffable, deterministic) per level in EPSG:25832, centimetre precision."""
    layers = {
        "stadtteile": stadtteile,
        "teilbereiche": dissolve(stadtteile, "teilbereich"),
        "stadtbezirke": dissolve(stadtteile, "stadtbezirk"),
    }
    written = []
    for name, gdf in layers.items():
        target = Path(geo_dir) / f"{name}.geojson"
        with atomic_path(target) as tmp:
            tmp.unlink()  # GDAL will not write over an existing file
            gdf.to_file(tmp, driver="GeoJSON", engine="pyogrio", layer=name, layer_options={"COORDINATE_PRECISION": 2, "RFC7946": "NO", "WRITE_BBOX": "NO"})
        written.append(target)
    return written
