"""`--bereinigen`: repair invalid polygons, thin overlaps and thin gaps of one layer, and say what moved.

Official boundary files often have slivers where two areas were digitised separately. Repairing
them by hand in a GIS takes an afternoon; here they are repaired by rule, within a tolerance the
user states (metres), and every square metre that moved is reported per area:

- an invalid polygon is replaced by shapely's `make_valid` (its polygonal parts);
- then GEOS's coverage cleaner (`shapely.coverage_clean`, shapely 2.2 / GEOS 3.14) snaps nearby
  vertices so that shared edges are identical, gives each overlap to the area that comes first in
  the file, and each gap narrower than the tolerance to the bordering area with the longest
  common edge.

An overlap wider than the tolerance is not a sliver but a real disagreement about where an area
ends: the cleaner would hand it silently to one side, so a layer with one is not cleaned and the
overlap is reported (`boundary_checks`). Gaps wider than the tolerance stay as they are and are
reported too. "Narrower than the tolerance" means the piece's widest inscribed circle is smaller
than the tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from helpers.intake import boundary_checks

#: Below this many m² a change is shown as "unter 0,01 m²".
SHOWN_M2 = 0.005


@dataclass
class Change:
    """What the repair did to one area (m²)."""

    code: str
    made_valid: float | None = None  # area change by make_valid, None: the polygon was valid
    cut: float = 0.0  # given to neighbours (overlaps)
    added: float = 0.0  # taken from gaps or neighbours
    sources: list[str] = field(default_factory=list)  # the areas it gave to or took from

    @property
    def changed(self) -> bool:
        return self.made_valid is not None or self.cut > 0 or self.added > 0


def thin(piece: BaseGeometry, tolerance: float) -> bool:
    """Whether the piece is narrower than `tolerance` metres."""
    return bool(piece.buffer(-tolerance / 2).is_empty)


def _polygons(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0]
    return shapely.union_all(parts)


def wide_overlaps(layer: gpd.GeoDataFrame, tolerance: float) -> list[boundary_checks.Piece]:
    """Overlaps the repair leaves alone: wider than the tolerance."""
    return [p for p in boundary_checks.overlaps(layer) if not thin(p.shape, tolerance)]


def repair(layer: gpd.GeoDataFrame, tolerance: float) -> tuple[gpd.GeoDataFrame, list[Change]]:
    """The repaired layer (same rows, code and name kept) and one Change per area, in the layer's order.
    With an overlap wider than the tolerance only invalid polygons are repaired."""
    codes = list(layer["code"])
    changes = {code: Change(code) for code in codes}
    geoms = list(layer.geometry.values)
    for i, _ in boundary_checks.invalid(layer):
        fixed = _polygons(shapely.make_valid(geoms[i]))
        changes[codes[i]].made_valid = float(fixed.area - geoms[i].area)
        geoms[i] = fixed
    valid = _with(layer, geoms)
    if wide_overlaps(valid, tolerance):
        return valid, [changes[c] for c in codes]
    cleaned = list(shapely.coverage_clean(geoms, gap_width=tolerance, merge_strategy="min_index"))
    _account(codes, geoms, cleaned, changes)
    return _with(layer, cleaned), [changes[c] for c in codes]


def _account(codes: list[str], before: list[BaseGeometry], after: list[BaseGeometry], changes: dict[str, Change]) -> None:
    """Per area the m² it lost and gained, and the neighbours they came from or went to."""
    old_tree, new_tree = shapely.STRtree(before), shapely.STRtree(after)
    for i, code in enumerate(codes):
        lost = shapely.difference(before[i], after[i])
        gained = shapely.difference(after[i], before[i])
        changes[code].cut += float(lost.area)
        changes[code].added += float(gained.area)
        if lost.area > 0:
            changes[code].sources += [codes[j] for j in new_tree.query(lost, predicate="intersects") if j != i
                                      and after[j].intersection(lost).area > 0]
        if gained.area > 0:
            near = old_tree.query(gained.buffer(boundary_checks.TOUCH_M), predicate="intersects")
            changes[code].sources += [codes[j] for j in near if j != i]


def _with(layer: gpd.GeoDataFrame, geoms: list[BaseGeometry]) -> gpd.GeoDataFrame:
    out = layer.copy()
    out["geometry"] = gpd.GeoSeries(geoms, index=layer.index, crs=layer.crs)
    return out.set_geometry("geometry")


def square_metres(value: float) -> str:
    """m² as the messages write them: German decimals, "unter 0,01" for what only snapping moved."""
    if abs(value) < SHOWN_M2:
        return "unter 0,01"
    text = f"{abs(value):,.2f}" if abs(value) < 10 else f"{abs(value):,.0f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def describe(changes: list[Change], names: dict[str, str]) -> list[str]:
    """One German line per area that changed by at least 0,01 m² (or was made valid): what moved; then one line
    for the areas whose edges were only snapped onto their neighbours'."""
    lines, snapped = [], 0
    for change in changes:
        if not change.changed:
            continue
        parts = []
        if change.made_valid is not None:
            sign = "" if abs(change.made_valid) < SHOWN_M2 else "+" if change.made_valid > 0 else "−"
            parts.append(f"repariert (make_valid, Fläche {sign}{square_metres(change.made_valid)} m²)")
        if change.cut >= SHOWN_M2:
            parts.append(f"{square_metres(change.cut)} m² abgegeben")
        if change.added >= SHOWN_M2:
            parts.append(f"{square_metres(change.added)} m² dazugenommen")
        if not parts:
            snapped += 1
            continue
        others = sorted(set(change.sources))
        partners = f" (Nachbarn: {', '.join(names.get(c, c) for c in others)})" if others else ""
        lines.append(f"{names.get(change.code, change.code)}: {', '.join(parts)}{partners}")
    if snapped:
        lines.append(f"{snapped} weitere Gebiete: nur Kanten auf die der Nachbarn eingerastet (je unter 0,01 m²)")
    return lines
