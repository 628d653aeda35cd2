"""Data access: areas, boundaries and observations, validated on load.

Everything a notebook or researcher needs is one call away::

    from helpers import data
    obs = data.observations()          # all tidy counts, schema-checked
    gdf = data.boundaries("stadtteil")  # polygons in EPSG:25832
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pandera.errors

from helpers import paths
from helpers.schema import OBSERVATION_COLUMNS, OBSERVATIONS

GEO_LAYERS = {"stadtteil": "stadtteile", "teilbereich": "teilbereiche", "stadtbezirk": "stadtbezirke"}


class DataError(ValueError):
    """Input data that cannot be used; the message names file, row, column and the fix."""


def areas() -> pd.DataFrame:
    """All areas of all levels (level, code, name, parent_level, parent_code, aliases)."""
    return pd.read_csv(paths.AREAS_CSV, dtype=str, keep_default_na=False)


def area_names(level: str) -> dict[str, str]:
    table = areas()
    return dict(table.loc[table["level"] == level, ["code", "name"]].itertuples(index=False))


def stadtteil_parents() -> pd.DataFrame:
    """Stadtteil code -> its Teilbereich, Stadtbezirk and the city, as columns."""
    table = areas()
    st = table[table["level"] == "stadtteil"][["code", "parent_code"]].rename(
        columns={"parent_code": "teilbereich"}
    )
    tb = table[table["level"] == "teilbereich"].set_index("code")["parent_code"]
    st["stadtbezirk"] = st["teilbereich"].map(tb)
    st["stadt"] = table.loc[table["level"] == "stadt", "code"].iloc[0]
    st["stadtteil"] = st["code"]
    return st.set_index("code")


def boundaries(level: str = "stadtteil") -> gpd.GeoDataFrame:
    """Polygons of one level (code, name, geometry) in EPSG:25832."""
    if level not in GEO_LAYERS:
        raise DataError(f"Keine Grenzen für die Ebene {level!r}; verfügbar: {', '.join(GEO_LAYERS)}.")
    return _read_geo(paths.GEO_DIR / f"{GEO_LAYERS[level]}.geojson").copy()


@lru_cache(maxsize=8)
def _read_geo(path: Path) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(path)
    gdf["code"] = gdf["code"].astype(str)
    return gdf


def observation_files(folder: Path | None = None) -> list[Path]:
    return sorted(Path(folder or paths.OBSERVATIONS_DIR).glob("*.csv"))


def read_observation_file(path: Path) -> pd.DataFrame:
    """One observations CSV, checked against the schema with errors that name file, row, column."""
    raw = pd.read_csv(
        path,
        dtype={"area_code": str, "flag": str, "age": str, "source": str},
        keep_default_na=False,
        na_values={"value": [""]},
    )
    missing = [c for c in OBSERVATION_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{path}: Spalte(n) {', '.join(missing)} fehlen; erwartet: {', '.join(OBSERVATION_COLUMNS)}.")
    if raw["synthetic"].dtype != bool:
        raw["synthetic"] = raw["synthetic"].astype(str).str.lower().map({"true": True, "false": False})
    try:
        return OBSERVATIONS.validate(raw, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        raise DataError(_describe_schema_errors(path, exc)) from None


def _describe_schema_errors(path: Path, exc: pandera.errors.SchemaErrors, limit: int = 10) -> str:
    cases = exc.failure_cases
    lines = [f"{path}: {len(cases)} Problem(e) in den Beobachtungen. Bitte die genannten Zellen korrigieren:"]
    for _, case in cases.head(limit).iterrows():
        row = case.get("index")
        where = f"Zeile {int(row) + 2}" if pd.notna(row) else "Datei"  # +1 header, +1 one-based
        column = case.get("column") or "-"
        lines.append(f"  {where}, Spalte {column}: Wert {case.get('failure_case')!r} verletzt {case.get('check')}")
    if len(cases) > limit:
        lines.append(f"  … und {len(cases) - limit} weitere.")
    return "\n".join(lines)


@lru_cache(maxsize=2)
def _observations_cached(folder: Path) -> pd.DataFrame:
    files = observation_files(folder)
    if not files:
        raise DataError(f"Keine Beobachtungsdateien in {folder}; bitte `make data` ausführen.")
    frames = [read_observation_file(f) for f in files]
    obs = pd.concat(frames, ignore_index=True)
    key = ["year", "area_level", "area_code", "measure", "sex", "origin", "age"]
    dup = obs.duplicated(key, keep=False)
    if dup.any():
        first = obs[dup].iloc[0]
        raise DataError(
            f"{folder}: {int(dup.sum())} Beobachtungen kommen in mehreren Dateien vor, z. B. "
            f"{first['measure']} {first['year']} Gebiet {first['area_code']} ({first['source']}). "
            "Jeder Wert darf nur aus einer Quelle stammen."
        )
    return obs


def observations(folder: Path | None = None) -> pd.DataFrame:
    """All observations (copy), validated; cached per folder within a process."""
    return _observations_cached(Path(folder or paths.OBSERVATIONS_DIR)).copy()
