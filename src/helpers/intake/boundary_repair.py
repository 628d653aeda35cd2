"""`--bereinigen`: repair invalid polygons, thin overlaps and thin gaps of one layer, and say what moved.

Official boundary files often have slivers where two areas were digitised separately. Repairing
them by hand in a GIS takes an afternoon; here they are repaired by rule, within a tolerance the
user states (metres), and every square metre that moved is reported per area:

- an invalid polygon is replaced by shapely's `make_valid` (its polygonal parts);
- an overlap narrower than the tolerance stays with the area that comes first in the file and is
  cut from the other;
- a gap narrower than the tolerance goes to the bordering area with the longest common edge.

"Narrower than the tolerance" means that the piece vanishes when shrunk by half the tolerance
from every side (its widest inscribed circle is smaller than the tolerance). Wider pieces are not
slivers but real disagreements: they stay and are reported by `boundary_checks`. All results are
computed on a centimetre grid, the precision the boundaries are written with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from helpers.intake import boundary_checks

#: The grid results are snapped to (m): the committed GeoJSON's precision.
GRID_M = 0.01


@dataclass
class Change:
    """What the repair did to one area (m²)."""

    code: str
    made_valid: float | None = None  # area change by make_valid, None: the polygon was valid
    cut: float = 0.0  # overlaps removed from it
    added: float = 0.0  # gaps added to it
    sources: list[str] = field(default_factory=list)  # the areas it gave to or took from

    @property
    def changed(self) -> bool:
        return self.made_valid is not None or self.cut > 0 or self.added > 0


def thin(piece: BaseGeometry, tolerance: float) -> bool:
    """Whether the piece is narrower than `tolerance` metres."""
    return bool(piece.buffer(-tolerance / 2).is_empty)


def _polygons(geom: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0]
    return shapely.union_all(parts, grid_size=GRID_M)


def repair(layer: gpd.GeoDataFrame, tolerance: float) -> tuple[gpd.GeoDataFrame, list[Change]]:
    """The repaired layer (same rows, code and name kept) and one Change per area, in the layer's order."""
    codes = list(layer["code"])
    changes = {code: Change(code) for code in codes}
    geoms = list(layer.geometry.values)
    for i, _ in boundary_checks.invalid(layer):
        fixed = _polygons(shapely.make_valid(geoms[i]))
        changes[codes[i]].made_valid = float(fixed.area - geoms[i].area)
        geoms[i] = fixed
    position = {code: i for i, code in enumerate(codes)}
    for piece in boundary_checks.overlaps(_with(layer, geoms)):
        if thin(piece.shape, tolerance):
            keep, cut = piece.codes
            geoms[position[cut]] = _polygons(shapely.difference(geoms[position[cut]], piece.shape, grid_size=GRID_M))
            changes[cut].cut += piece.area
            changes[cut].sources.append(keep)
    current = _with(layer, geoms)
    for piece in boundary_checks.gaps(current):
        if thin(piece.shape, tolerance):
            edge = piece.shape.boundary
            taker = max(piece.codes, key=lambda c: edge.intersection(
                geoms[position[c]].buffer(boundary_checks.TOUCH_M)).length)
            geoms[position[taker]] = _polygons(shapely.union(geoms[position[taker]], piece.shape, grid_size=GRID_M))
            changes[taker].added += piece.area
            changes[taker].sources.extend(c for c in piece.codes if c != taker)
    return _with(layer, geoms), [changes[c] for c in codes]


def _with(layer: gpd.GeoDataFrame, geoms: list[BaseGeometry]) -> gpd.GeoDataFrame:
    out = layer.copy()
    out["geometry"] = gpd.GeoSeries(geoms, index=layer.index, crs=layer.crs)
    return out.set_geometry("geometry")


def _m2(value: float) -> str:
    text = f"{abs(value):,.2f}" if abs(value) < 10 else f"{abs(value):,.0f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def describe(changes: list[Change], names: dict[str, str]) -> list[str]:
    """One German line per changed area: what moved, in m²."""
    lines = []
    for change in changes:
        if not change.changed:
            continue
        parts = []
        if change.made_valid is not None:
            sign = "+" if change.made_valid >= 0 else "−"
            parts.append(f"repariert (make_valid, Fläche {sign}{_m2(change.made_valid)} m²)")
        if change.cut:
            parts.append(f"{_m2(change.cut)} m² Überlappung abgegeben")
        if change.added:
            parts.append(f"{_m2(change.added)} m² Lücke dazugenommen")
        others = sorted(set(change.sources))
        partners = f" (Nachbarn: {', '.join(names.get(c, c) for c in others)})" if others else ""
        lines.append(f"{names.get(change.code, change.code)}: {', '.join(parts)}{partners}")
    return lines
