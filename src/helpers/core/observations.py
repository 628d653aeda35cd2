"""The stored observations: tidy counts in long form, read from data/<city>/observations/ and validated.

One row is one count: year x area x measure x group (see helpers.core.model). Values that
departments delivered (deliveries.csv, helpers.intake) supersede other files' values only where
the committed revision log records the change (helpers.core.store).

    from helpers.core import observations
    obs = observations.observations()   # all tidy counts, schema-checked
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pandera.errors

from helpers.core import areas, levels, paths
from helpers.core.fileio import sha256_bytes
from helpers.core.model import AREA_YEAR, KEY, OBSERVATION_COLUMNS, OBSERVATIONS, TERM, DataError
from helpers.core.store import Store, logged_revision_keys


def observation_files(folder: Path | None = None) -> list[Path]:
    """The folder's observation files; hidden files (an interrupted write's temporaries) are never data."""
    return sorted(p for p in Path(folder or paths.OBSERVATIONS_DIR).glob("*.csv") if not p.name.startswith("."))


def read_observation_file(path: Path, content: bytes | None = None) -> pd.DataFrame:
    """One observations CSV, checked against the schema with errors that name file, row, column.

    `content`: the file's bytes, if the caller has read them already (named `path` in messages)."""
    raw = pd.read_csv(
        path if content is None else io.BytesIO(content),
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
        checked = OBSERVATIONS.validate(raw, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        raise DataError(_describe_schema_errors(path, exc)) from None
    levels.check_stored(checked["area_level"], path)
    return checked


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


def _signature(folder: Path) -> tuple:
    """Names, sizes and modification times of the files observations() reads: a new ingest
    (in this process or another) changes it, so the cache never serves stale data."""
    store = Store.for_observations(folder)
    files = [*observation_files(folder), store.ingest_log, store.revisions]
    return tuple((f.name, s.st_mtime_ns, s.st_size) for f in files if f.exists() for s in [f.stat()])


@lru_cache(maxsize=2)
def _observations_cached(folder: Path, signature: tuple) -> pd.DataFrame:
    files = observation_files(folder)
    if not files:
        raise DataError(f"Keine Beobachtungsdateien in {folder}; bitte `make data` ausführen.")
    # One state even while an ingest commits: deliveries.csv is read once and first, and only the log
    # entries whose result hash is that of these bytes count (the commit replaces the logs before it).
    delivered = Store.for_observations(folder).deliveries_csv
    content = delivered.read_bytes() if delivered in files else b""
    frames = [read_observation_file(f, content if f == delivered else None).assign(_file=f.name)
              for f in sorted(files, key=lambda f: f != delivered)]
    obs = pd.concat(frames, ignore_index=True)
    if obs.duplicated(KEY).any():
        obs = _apply_revisions(obs, folder, sha256_bytes(content) if delivered in files else "")
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


def _apply_revisions(obs: pd.DataFrame, folder: Path, current: str) -> pd.DataFrame:
    """Drop rows of other files that a logged revision in deliveries.csv supersedes.

    A delivered row replaces another file's row only if the revision log (committed entries)
    records that change with this row's source; any other duplicate stays an error. `current`: the hash
    of the deliveries.csv read (which log entries count, helpers.core.store.committed_log).
    """
    store = Store.for_observations(folder)
    delivered = obs[obs["_file"] == store.deliveries_csv.name]
    if delivered.empty:
        return obs
    logged = logged_revision_keys(store, current).rename(columns={"new_source": "source"})
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
    areas.clear_cache()


def observations(folder: Path | None = None) -> pd.DataFrame:
    """All observations (copy), validated; cached per folder and file state within a process.

    Values delivered by departments (deliveries.csv) supersede values of the other files only
    where the revision log records the change; those rows carry the flag `r`.
    """
    folder = Path(folder or paths.OBSERVATIONS_DIR)
    return _observations_cached(folder, _signature(folder)).copy()


@lru_cache(maxsize=2)
def _by_term_cached(folder: Path, signature: tuple) -> dict[tuple, pd.DataFrame]:
    obs = _observations_cached(folder, signature)
    cols = [*AREA_YEAR, "value", "flag", "synthetic"]
    return {key: rows[cols].reset_index(drop=True) for key, rows in obs.groupby(TERM, sort=False)}


def counts_key() -> tuple:
    """What stored counts depend on (observation files, areas.csv), for caches of derived counts."""
    folder = Path(paths.OBSERVATIONS_DIR)
    return (str(folder), _signature(folder), areas.file_key())


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


#: How a stored source names a derivation after the dataset ("…, abgeleitet: migration = …").
_DERIVATION = re.compile(r", (abgeleitet|Summe)\b.*$")


def cited_sources(measure: str, origins: list[str], years: Iterable[int], folder: Path | None = None) -> list[str]:
    """The datasets the stored counts of `measure` (both sexes, all ages) in `years` come from, as
    cited under a figure: the `source` column of the rows without the derivation remark, each once.

    A series can change its source between years (Münster: the SMS publications to 2014, the
    city's open-data exports from 2015), so a caption names the sources of the year it shows.
    """
    obs = observations(folder)
    rows = obs[(obs["measure"] == measure) & (obs["sex"] == "total") & (obs["age"] == "total")
               & obs["origin"].isin(origins) & obs["year"].isin(list(years))]
    return sorted({_DERIVATION.sub("", s) for s in rows["source"]})
