"""Berlin's 2021 reorganisation of the LOR areas: which old and new areas cover the same ground.

Berlin renumbered and partly redrew its Lebensweltlich orientierte Räume in 2021 (Prognoseräume
60 -> 58, Bezirksregionen 138 -> 143). A time series across 2020/2021 may only be shown on a
geography that is the same on both sides: groups of old areas and groups of new areas that cover
the same territory ("components"). This module derives them; it does not decide how a chapter
shows them.

Two sources, checked against each other:

- `berlin-lor-matches.json` (Open Data Product). Contrary to its description it holds entries in
  both directions (old id -> new ids, and new id -> old ids); `matched_pairs` reads both. It is
  incomplete: e.g. the old Prognoseraum 0406 appears in no entry, and 1222 + 1223 -> 1240 leaves
  out other old land that 1240 also covers.
- The boundaries of both vintages (Prognoseräume only; the 143 new Bezirksregionen have none):
  `overlay_components` joins every old and new area that share more than a sliver of land, which
  is complete by construction. `compare_areas` says for each mapping component whether both
  sides cover the same area.

A component has a kind: `unchanged` (same id), `renumbered`, `split` (one old, several new),
`merged` (several old, one new), `reorganised` (several on both sides) or `unmatched` (one side
empty: a visible break).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

OLD, NEW = "bis 2020", "ab 2021"
#: Share of the smaller area two polygons must share to belong together (digitising slivers stay below).
MIN_SHARED = 0.01
#: Metric CRS for areas in Berlin (ETRS89 / UTM 33N).
BERLIN_CRS = 25833


def read_matches(path: Path) -> dict[str, list[str]]:
    """The Open Data Product's id -> ids entries, as read."""
    return {str(k): [str(v) for v in vs] for k, vs in json.loads(Path(path).read_text(encoding="utf-8")).items()}


def matched_pairs(matches: dict[str, list[str]], old_ids: Iterable[str], new_ids: Iterable[str]) -> set[tuple[str, str]]:
    """(old id, new id) pairs of one level, from entries in either direction."""
    old, new = set(old_ids), set(new_ids)
    pairs = set()
    for key, values in matches.items():
        for value in values:
            if key in old and value in new:
                pairs.add((key, value))
            elif key in new and value in old:
                pairs.add((value, key))
    return pairs


def components(pairs: Iterable[tuple[str, str]], old_ids: Iterable[str], new_ids: Iterable[str]) -> pd.DataFrame:
    """Connected groups of old and new areas: columns component, vintage, code (one row per area).

    A component is named after its smallest old id (or new id when it has no old one), e.g. "K0307".
    """
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(node: tuple[str, str]) -> tuple[str, str]:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for old, new in pairs:
        parent[root((OLD, old))] = root((NEW, new))
    nodes = [(OLD, c) for c in sorted(set(old_ids))] + [(NEW, c) for c in sorted(set(new_ids))]
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for node in nodes:
        groups.setdefault(root(node), []).append(node)
    rows = []
    for members in groups.values():
        olds = sorted(c for v, c in members if v == OLD)
        name = "K" + (olds[0] if olds else min(c for _, c in members))
        rows += [{"component": name, "vintage": vintage, "code": code} for vintage, code in members]
    return pd.DataFrame(rows, columns=["component", "vintage", "code"]).sort_values(
        ["component", "vintage", "code"], ascending=[True, False, True]).reset_index(drop=True)


def kinds(table: pd.DataFrame) -> pd.DataFrame:
    """Per component: old codes, new codes and the kind of change."""
    out = []
    for name, rows in table.groupby("component", sort=True):
        old = tuple(rows.loc[rows["vintage"] == OLD, "code"])
        new = tuple(rows.loc[rows["vintage"] == NEW, "code"])
        if not old or not new:
            kind = "unmatched"
        elif len(old) == 1 and len(new) == 1:
            kind = "unchanged" if old == new else "renumbered"
        elif len(old) == 1:
            kind = "split"
        elif len(new) == 1:
            kind = "merged"
        else:
            kind = "reorganised"
        out.append({"component": name, "old": old, "new": new, "kind": kind})
    return pd.DataFrame(out, columns=["component", "old", "new", "kind"])


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.to_crs(BERLIN_CRS)
    frame["id"] = frame["id"].astype(str)
    return frame.set_index("id")


def compare_areas(changes: pd.DataFrame, old_geo: gpd.GeoDataFrame, new_geo: gpd.GeoDataFrame,
                  tolerance: float = 0.01) -> pd.DataFrame:
    """Each component's land on both sides (km²) and whether they agree within `tolerance`."""
    old, new = _metric(old_geo), _metric(new_geo)
    out = changes.copy()
    out["old_km2"] = [old.loc[list(o)].union_all().area / 1e6 if o else 0.0 for o in out["old"]]
    out["new_km2"] = [new.loc[list(n)].union_all().area / 1e6 if n else 0.0 for n in out["new"]]
    larger = out[["old_km2", "new_km2"]].max(axis=1)
    out["same_land"] = ((out["old_km2"] - out["new_km2"]).abs() <= tolerance * larger) & (larger > 0)
    return out


def overlay_pairs(old_geo: gpd.GeoDataFrame, new_geo: gpd.GeoDataFrame, min_shared: float = MIN_SHARED
                  ) -> set[tuple[str, str]]:
    """(old id, new id) of areas that share more than `min_shared` of the smaller one's land."""
    old, new = _metric(old_geo), _metric(new_geo)
    hits = gpd.sjoin(old.reset_index()[["id", "geometry"]], new.reset_index()[["id", "geometry"]],
                     predicate="intersects")
    pairs = set()
    for a, b in zip(hits["id_left"], hits["id_right"]):
        shared = old.at[a, "geometry"].intersection(new.at[b, "geometry"]).area
        if shared > min_shared * min(old.at[a, "geometry"].area, new.at[b, "geometry"].area):
            pairs.add((a, b))
    return pairs
