"""How the areas of two levels with boundaries cover each other, by area (e.g. wards and Stadtteile).

Areas of a level beside the hierarchy (config/<city>/city.yml `other_levels`) do not nest in the base
level; their counts are never summed into or split onto it. What can be said is which areas are
about the same: `shares` gives every pair that overlaps with the share of each area inside the
other, `matching` the pairs where both shares reach a threshold (a base area that is "about one"
area of the other level). Area is a proxy for where people live, no more.

    >>> from helpers.core import overlap
    >>> overlap.matching("stadtteil", "kommunalwahlbezirk", 0.9)["name"].tolist()[:2]
    ['Coerde', 'Wolbeck']
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd

from helpers.core import areas

COLUMNS = ["code", "name", "other_code", "other_name", "km2", "share_of_area", "share_of_other"]


def shares(level: str, other: str) -> pd.DataFrame:
    """Every overlapping pair of an area of `level` and one of `other` (columns COLUMNS): its area in km²,
    the share of the first area inside the second (`share_of_area`) and of the second inside the first."""
    return _shares(level, other, areas.file_key()).copy()


@lru_cache(maxsize=8)
def _shares(level: str, other: str, key: tuple) -> pd.DataFrame:
    first, second = areas.boundaries(level), areas.boundaries(other)
    pieces = gpd.overlay(first[["code", "name", "geometry"]],
                         second[["code", "name", "geometry"]].rename(columns={"code": "other_code", "name": "other_name"}),
                         how="intersection", keep_geom_type=True)
    pieces["km2"] = pieces.area / 1e6
    pieces["share_of_area"] = pieces["km2"] / pieces["code"].map(first.set_index("code").area / 1e6)
    pieces["share_of_other"] = pieces["km2"] / pieces["other_code"].map(second.set_index("code").area / 1e6)
    out = pd.DataFrame(pieces[COLUMNS])
    return out.sort_values(["code", "share_of_area"], ascending=[True, False]).reset_index(drop=True)


def matching(level: str, other: str, threshold: float) -> pd.DataFrame:
    """The pairs where each area lies at least `threshold` (share of its area) inside the other: an area
    of `level` that is about one area of `other`. Sorted by the code of `other`."""
    if not 0.5 < threshold <= 1:
        raise ValueError(f"Schwelle {threshold!r}: erwartet ein Anteil über 0,5 und höchstens 1.")
    pairs = shares(level, other)
    both = pairs[(pairs["share_of_area"] >= threshold) & (pairs["share_of_other"] >= threshold)]
    return both.sort_values("other_code").reset_index(drop=True)
