"""The real structure the demo data are tied to: population, group shares and z-scores per Stadtteil and year.

Read from the real observations (measure ``population`` by origin and sex, ``unemployed``), one
row per demo year (a year without Stadtteil figures takes the nearest year), so that the
generator can size its denominators and let its rates follow the real social structure.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.sources.demo.parameters import Parameters
from helpers.sources.demo.terms import STADTTEIL, SyntheticDataError


@dataclass
class Structure:
    """Real population and unemployment per year (rows, the demo years) and Stadtteil (columns)."""

    codes: list[str]
    pop: np.ndarray
    mv_share: np.ndarray
    foreign_share: np.ndarray
    female_share: np.ndarray
    z: dict[str, np.ndarray]
    child_factor: np.ndarray  # per Stadtteil
    old_factor: np.ndarray


def _wide(obs: pd.DataFrame, measure: str, sex: str, origin: str, codes: list[str]) -> pd.DataFrame:
    """Stadtteil values (years x codes) of one real series; only years with all Stadtteile."""
    sel = obs[(obs["measure"] == measure) & (obs["sex"] == sex) & (obs["origin"] == origin)
              & (obs["age"] == "total") & (obs["area_level"] == STADTTEIL)]
    wide = sel.pivot(index="year", columns="area_code", values="value").reindex(columns=codes).astype(float)
    wide = wide[wide.notna().all(axis=1)]
    if wide.empty:
        raise SyntheticDataError(f"Keine vollständigen Stadtteilwerte für {measure}/{sex}/{origin} in den realen Daten.")
    return wide


def _nearest(wide: pd.DataFrame, years: tuple[int, ...]) -> np.ndarray:
    """Rows for the demo years; a missing year takes the nearest year with data (the later one on a tie)."""
    have = np.array(wide.index)
    picks = [have[np.lexsort((-have, np.abs(have - y)))[0]] for y in years]
    return wide.loc[picks].to_numpy()


def real_structure(obs: pd.DataFrame, params: Parameters, table: pd.DataFrame) -> Structure:
    """The real structure the synthetic data are tied to (population, shares, z-scores), on the areas of `table`."""
    st = table[table["level"] == STADTTEIL]
    codes = st["code"].tolist()
    inner = st["parent_code"].isin(params.inner_teilbereiche).to_numpy()
    total = _wide(obs, "population", "total", "total", codes)

    def share(sex: str, origin: str) -> np.ndarray:  # within the same year, then nearest year
        part = _wide(obs, "population", sex, origin, codes)
        return _nearest((part / total).dropna(), params.years)

    pop = _nearest(total, params.years)
    mv_share, foreign_share, female_share = share("total", "migration"), share("total", "foreign"), share("female", "total")
    alo = _nearest(_wide(obs, "unemployed", "total", "total", codes), params.years) / pop
    z = {"mv": _z(mv_share), "alo": _z(alo), "inner": np.broadcast_to(inner.astype(float), pop.shape).copy()}
    rng = np.random.default_rng([params.seed, zlib.crc32(b"structure")])
    child = np.exp(0.15 * z["mv"].mean(axis=0) + rng.normal(0, 0.2, len(codes))) * np.where(inner, 0.55, 1.0)
    old = np.exp(rng.normal(0, 0.2, len(codes))) * np.where(inner, 0.8, 1.0)
    return Structure(codes, pop, mv_share, foreign_share, female_share, z, child, old)


def _z(a: np.ndarray) -> np.ndarray:
    """Each year's values as z-scores across the Stadtteile (a constant row stays 0)."""
    sd = a.std(axis=1, keepdims=True)
    return (a - a.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1)
