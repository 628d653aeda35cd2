"""The city's areas: the hierarchy of areas.csv, the city itself and the boundaries.

Codes, not names, are keys (names differ between sources). Everything here is cached per
file state (path, modification time, size), so an edited areas.csv is read again.

    from helpers.core import areas
    areas.city().name                  # "Stadt Münster"
    gdf = areas.boundaries()           # polygons of the base level in EPSG:25832
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd

from helpers.core import levels, paths
from helpers.core.model import DataError


def file_key() -> tuple[str, int, int]:
    """areas.csv by path, modification time and size: an edited file is read again."""
    p = Path(paths.AREAS_CSV)
    stat = p.stat()
    return str(p), stat.st_mtime_ns, stat.st_size


def areas() -> pd.DataFrame:
    """All areas of all levels (level, code, name, parent_level, parent_code, aliases)."""
    return _areas_cached(*file_key()).copy()


@lru_cache(maxsize=4)
def _areas_cached(path: str, mtime: int, size: int) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def area_names(level: str) -> dict[str, str]:
    table = areas()
    return dict(table.loc[table["level"] == level, ["code", "name"]].itertuples(index=False))


@dataclass(frozen=True)
class City:
    """The city a data root describes: the one row of level 'stadt' in areas.csv."""

    code: str  # e.g. "05515000" (Amtlicher Gemeindeschlüssel)
    name: str  # official, e.g. "Stadt Münster"

    @property
    def short(self) -> str:
        """The name as used in running text: "Münster" for "Stadt Münster"."""
        return self.name.removeprefix("Stadt ")


def city() -> City:
    """Code and official name of the city (areas.csv, level 'stadt'); cached like `areas()`."""
    return _city_cached(*file_key())


@lru_cache(maxsize=4)
def _city_cached(path: str, mtime: int, size: int) -> City:
    table = _areas_cached(path, mtime, size)
    rows = table[table["level"] == "stadt"]
    if len(rows) != 1:
        found, fix = (("keine Zeile hat", "Bitte die Zeile der Stadt ergänzen") if rows.empty else
                      (f"{len(rows)} Zeilen haben", f"Bitte bis auf eine entfernen (Codes: {', '.join(rows['code'])})"))
        raise DataError(
            f"{path}: {found} in der Spalte level den Wert „stadt“; es muss genau eine sein, mit dem "
            "Gemeindeschlüssel als code und dem amtlichen Namen als name (z. B. `stadt,09999000,Stadt Beispielstadt,,,`). "
            f"{fix}."
        )
    row = rows.iloc[0]
    return City(code=row["code"], name=row["name"])


def ancestors(base: str | None = None) -> pd.DataFrame:
    """Every area of the level `base` (default: the hierarchy's base) -> the area containing it on
    each level above, one column per level (the base level itself and "stadt" included).

    The chain follows parent_level/parent_code of areas.csv, so a city's hierarchy is whatever its
    file says; a level an area does not reach stays empty (NaN)."""
    h = levels.hierarchy()
    return _ancestors_cached(*file_key(), h.base.code if base is None else h.check(base, h.stored)).copy()


@lru_cache(maxsize=8)
def _ancestors_cached(path: str, mtime: int, size: int, base: str) -> pd.DataFrame:
    table = _areas_cached(path, mtime, size)
    parent = {(r.level, r.code): (r.parent_level, r.parent_code)
              for r in table.itertuples(index=False) if r.parent_level}
    rows = []
    for code in table.loc[table["level"] == base, "code"]:
        row, key, seen = {base: code}, (base, code), set()
        while key in parent and key not in seen:  # `seen`: a cycle in a broken file ends the walk
            seen.add(key)
            key = parent[key]
            row[key[0]] = key[1]
        rows.append(row)
    out = pd.DataFrame(rows, index=pd.Index([r[base] for r in rows], name="code"), dtype=object)
    return out.reindex(columns=[c for c in levels.hierarchy().codes if c in out.columns] +
                       [c for c in out.columns if c not in levels.hierarchy().codes])


def boundaries(level: str | None = None) -> gpd.GeoDataFrame:
    """Polygons of one level (code, name, geometry) in EPSG:25832; default the base level."""
    level = levels.resolve(level) if level is None else level
    layers = levels.hierarchy().with_boundaries
    if level not in layers:
        raise DataError(f"Keine Grenzen für die Ebene {level!r}; verfügbar: {', '.join(layers)}.")
    return _read_geo(paths.GEO_DIR / f"{layers[level]}.geojson").copy()


@lru_cache(maxsize=8)
def _read_geo(path: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    gdf["code"] = gdf["code"].astype(str)
    return gdf


def clear_cache() -> None:
    """Forget the loaded areas (tests that switch data folders)."""
    _areas_cached.cache_clear()
    _ancestors_cached.cache_clear()
    _city_cached.cache_clear()
