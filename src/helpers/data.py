"""Data access: areas, boundaries and observations, validated on load.

Everything a notebook or researcher needs is one call away::

    from helpers import data
    obs = data.observations()          # all tidy counts, schema-checked
    gdf = data.boundaries("stadtteil")  # polygons in EPSG:25832
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pandera.errors

from helpers import paths
from helpers.schema import OBSERVATION_COLUMNS, OBSERVATIONS
from helpers.sources.areas import CITY_CODE as MUENSTER_CODE

GEO_LAYERS = {"stadtteil": "stadtteile", "teilbereich": "teilbereiche", "stadtbezirk": "stadtbezirke",
              "stadtzelle": "stadtzellen"}


class DataError(ValueError):
    """Input data that cannot be used; the message names file, row, column and the fix."""


def _areas_key() -> tuple[str, int, int]:
    """areas.csv by path, modification time and size: an edited file is read again."""
    p = Path(paths.AREAS_CSV)
    stat = p.stat()
    return str(p), stat.st_mtime_ns, stat.st_size


def areas() -> pd.DataFrame:
    """All areas of all levels (level, code, name, parent_level, parent_code, aliases)."""
    return _areas_cached(*_areas_key()).copy()


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
    return _city_cached(*_areas_key())


@lru_cache(maxsize=4)
def _city_cached(path: str, mtime: int, size: int) -> City:
    table = _areas_cached(path, mtime, size)
    rows = table[table["level"] == "stadt"]
    if len(rows) != 1:
        found, fix = (("keine Zeile hat", "Bitte die Zeile der Stadt ergänzen") if rows.empty else
                      (f"{len(rows)} Zeilen haben", f"Bitte bis auf eine entfernen (Codes: {', '.join(rows['code'])})"))
        raise DataError(
            f"{path}: {found} in der Spalte level den Wert „stadt“; es muss genau eine sein, mit dem "
            "Gemeindeschlüssel als code und dem amtlichen Namen als name (z. B. `stadt,05515000,Stadt Münster,,,`). "
            f"{fix}."
        )
    row = rows.iloc[0]
    return City(code=row["code"], name=row["name"])


def statistics_source() -> str:
    """The city's own small-area statistics, as the start of a source line.

    The one place that decides this: Münster's real series is named ("SMS – Statistik für
    Münsters Stadtteile"); any other city gets its own statistics office, generically, so no
    other city's text claims a Münster source.
    """
    c = city()
    if c.code == MUENSTER_CODE:
        return "Stadt Münster, SMS – Statistik für Münsters Stadtteile"
    return f"{c.name}, Kommunalstatistik"


def stadtteil_parents() -> pd.DataFrame:
    """Stadtteil code -> its Teilbereich, Stadtbezirk and the city, as columns."""
    return _parents_cached(*_areas_key()).copy()


@lru_cache(maxsize=4)
def _parents_cached(path: str, mtime: int, size: int) -> pd.DataFrame:
    table = _areas_cached(path, mtime, size)
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


KEY = ["year", "area_level", "area_code", "measure", "sex", "origin", "age"]


def _signature(folder: Path) -> tuple:
    """Names, sizes and modification times of the files observations() reads: a new ingest
    (in this process or another) changes it, so the cache never serves stale data."""
    from helpers.intake.storage import Store

    store = Store.for_observations(folder)
    files = [*observation_files(folder), store.ingest_log, store.revisions]
    return tuple((f.name, s.st_mtime_ns, s.st_size) for f in files if f.exists() for s in [f.stat()])


@lru_cache(maxsize=2)
def _observations_cached(folder: Path, signature: tuple) -> pd.DataFrame:
    files = observation_files(folder)
    if not files:
        raise DataError(f"Keine Beobachtungsdateien in {folder}; bitte `make data` ausführen.")
    frames = [read_observation_file(f).assign(_file=f.name) for f in files]
    obs = pd.concat(frames, ignore_index=True)
    if obs.duplicated(KEY).any():
        obs = _apply_revisions(obs, folder)
    dup = obs.duplicated(KEY, keep=False)
    if dup.any():
        first = obs[dup].iloc[0]
        raise DataError(
            f"{folder}: {int(dup.sum())} Beobachtungen kommen in mehreren Dateien vor, z. B. "
            f"{first['measure']} {first['year']} Gebiet {first['area_code']} ({first['source']}). "
            "Jeder Wert darf nur aus einer Quelle stammen; ein gelieferter Wert ersetzt einen anderen "
            "nur als protokollierte Revision (`make ingest FILE=… REVISE=1`)."
        )
    return obs.drop(columns="_file")


def _apply_revisions(obs: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """Drop rows of other files that a logged revision in deliveries.csv supersedes.

    A delivered row replaces another file's row only if the revision log (committed entries)
    records that change with this row's source; any other duplicate stays an error.
    """
    from helpers.intake.storage import Store, logged_revision_keys

    store = Store.for_observations(folder)
    delivered = obs[obs["_file"] == store.deliveries_csv.name]
    if delivered.empty:
        return obs
    logged = logged_revision_keys(store).rename(columns={"new_source": "source"})
    superseding = delivered[KEY + ["source"]].merge(logged, on=KEY + ["source"])[KEY].drop_duplicates()
    if superseding.empty:
        return obs
    hit = obs[KEY].merge(superseding.assign(_hit=1), on=KEY, how="left")["_hit"].notna().to_numpy()
    superseded = hit & (obs["_file"] != store.deliveries_csv.name).to_numpy()
    return obs[~superseded].reset_index(drop=True)


def clear_cache() -> None:
    """Forget loaded observations (after an ingest; tests that switch data folders)."""
    _observations_cached.cache_clear()
    _by_term_cached.cache_clear()
    _areas_cached.cache_clear()
    _parents_cached.cache_clear()
    _city_cached.cache_clear()


def observations(folder: Path | None = None) -> pd.DataFrame:
    """All observations (copy), validated; cached per folder and file state within a process.

    Values delivered by departments (deliveries.csv) supersede values of the other files only
    where the revision log records the change; those rows carry the flag `r`.
    """
    folder = Path(folder or paths.OBSERVATIONS_DIR)
    return _observations_cached(folder, _signature(folder)).copy()


TERM = ["measure", "sex", "origin", "age"]


@lru_cache(maxsize=2)
def _by_term_cached(folder: Path, signature: tuple) -> dict[tuple, pd.DataFrame]:
    obs = _observations_cached(folder, signature)
    cols = ["year", "area_level", "area_code", "value", "flag", "synthetic"]
    return {key: rows[cols].reset_index(drop=True) for key, rows in obs.groupby(TERM, sort=False)}


def counts_key() -> tuple:
    """What stored counts depend on (observation files, areas.csv), for caches of derived counts."""
    folder = Path(paths.OBSERVATIONS_DIR)
    return (str(folder), _signature(folder), _areas_key())


def observations_of(measure: str, sex: str, origin: str, age: str, folder: Path | None = None) -> pd.DataFrame:
    """The observations of one term (copy): indicators ask for hundreds of terms per report, and a
    dictionary lookup is much cheaper than filtering the whole table each time."""
    folder = Path(folder or paths.OBSERVATIONS_DIR)
    found = _by_term_cached(folder, _signature(folder)).get((measure, sex, origin, age))
    if found is None:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             [("year", "int64"), ("area_level", "str"), ("area_code", "str"), ("value", "float64"),
                              ("flag", "str"), ("synthetic", "bool")]})
    return found.copy()
