"""Do the areas of one level fit together? Invalid polygons, overlaps and gaps between neighbours.

Shared by `stadt neu` (before anything is written) and `make check-city` (the committed layers):
areas of one level must neither overlap (a person would be counted twice on the map and in the
neighbourhoods) nor leave gaps between neighbours (slivers show as specks on every map and cut
neighbourhoods that Moran's I and LISA rely on). A gap is a hole in the union of the layer that
touches at least two areas; a hole inside one area (a lake, an enclave of another municipality)
is not a gap. Digitising noise along shared edges is tolerated up to `SLIVER_M2` per piece; every
larger piece is a problem naming the areas, its size and where it is. `boundary_repair` removes
them on request.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from helpers.core.problems import Location, Problem

#: Overlap or gap of one piece that counts as a problem (m², metric CRS): digitising noise along shared
#: edges stays below it (Münster's committed layers: gaps up to 55 m², overlaps up to about 100 m²).
SLIVER_M2 = 100.0
#: The remedy a message offers: `stadt neu` repairs on request, check-city reads the committed layers.
SETUP, COMMITTED = "setup", "committed"
REMEDY = {
    ("overlap", SETUP): "Bitte im GIS berichtigen oder mit --bereinigen schmale Überlappungen entfernen lassen.",
    ("gap", SETUP): "Bitte im GIS schließen oder mit --bereinigen schmale Lücken dem Nachbarn mit der längsten "
                    "gemeinsamen Grenze zuschlagen lassen.",
    ("overlap", COMMITTED): "Bitte die Grenzen berichtigen (im GIS, oder neu einlesen mit integrationsmonitoring "
                            "stadt neu … --bereinigen --ersetzen).",
    ("gap", COMMITTED): "Bitte die Grenzen berichtigen (im GIS, oder neu einlesen mit integrationsmonitoring "
                        "stadt neu … --bereinigen --ersetzen).",
}
#: How far a gap may be from an area's edge and still border it (m; the GeoJSON's centimetre precision).
TOUCH_M = 0.05


@dataclass(frozen=True)
class Piece:
    """An overlap of two areas or a gap between two or more: the areas (codes, file order), its polygon."""

    codes: tuple[str, ...]
    shape: BaseGeometry

    @property
    def area(self) -> float:
        return float(self.shape.area)

    def at(self) -> str:
        """Where it is, as metres of the layer's CRS (for the GIS's coordinate search)."""
        point = self.shape.representative_point()
        return f"{point.x:.0f}, {point.y:.0f}"


def _m2(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".") if value >= 1 else f"{value:.2f}".replace(".", ",")


def invalid(layer: gpd.GeoDataFrame) -> list[tuple[int, str]]:
    """Position and shapely's reason (e.g. "Self-intersection[…]") of every invalid polygon."""
    reasons = shapely.is_valid_reason(layer.geometry.values)
    return [(i, str(r)) for i, r in enumerate(reasons) if r != "Valid Geometry"]


def overlaps(layer: gpd.GeoDataFrame) -> list[Piece]:
    """Every overlap with an area (any size), per pair of areas, in the layer's order."""
    geoms = shapely.make_valid(layer.geometry.values)
    codes = list(layer["code"])
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    # neighbours that only touch share no interior: skip their (costly) intersection
    inner = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    out = []
    for i, j in sorted((int(a), int(b)) for a, b in zip(left[inner], right[inner])):
        shared = _polygonal(shapely.intersection(geoms[i], geoms[j]))
        if shared is not None:
            out.append(Piece((codes[i], codes[j]), shared))
    return out


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    """The polygons of a geometry collection, None if it has no area."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0]
    return shapely.union_all(parts) if parts else None


def gaps(layer: gpd.GeoDataFrame) -> list[Piece]:
    """Every hole of the layer's union that borders two or more areas (any size)."""
    geoms = shapely.make_valid(layer.geometry.values)
    union = shapely.union_all(geoms)
    holes = [shapely.Polygon(ring) for part in shapely.get_parts(union) if part.geom_type == "Polygon"
             for ring in part.interiors]
    if not holes:
        return []
    codes = list(layer["code"])
    tree = shapely.STRtree(geoms)
    out = []
    for hole in holes:
        near = sorted(int(i) for i in tree.query(hole.buffer(TOUCH_M), predicate="intersects"))
        if len(near) >= 2:
            out.append(Piece(tuple(codes[i] for i in near), hole))
    return out


def _grouped(pieces: list[Piece]) -> dict[tuple[str, ...], list[Piece]]:
    groups: dict[tuple[str, ...], list[Piece]] = {}
    for piece in pieces:
        groups.setdefault(piece.codes, []).append(piece)
    return groups


def _areas(codes: tuple[str, ...], names: dict[str, str]) -> str:
    labels = [names.get(c, c) for c in codes]
    return ", ".join(labels[:-1]) + f" und {labels[-1]}" if len(labels) > 1 else labels[0]


def overlap_problems(layer: gpd.GeoDataFrame, where: str, names: dict[str, str], mode: str = SETUP) -> list[Problem]:
    """Overlaps larger than SLIVER_M2, one problem per pair of areas."""
    out = []
    for codes, pieces in _grouped([p for p in overlaps(layer) if p.area > SLIVER_M2]).items():
        total = sum(p.area for p in pieces)
        largest = max(pieces, key=lambda p: p.area)
        out.append(Problem(Location(where, key="geometry"),
                           f"Flächen {_areas(codes, names)} überlappen sich ({_m2(total)} m², größtes Stück bei "
                           f"{largest.at()}); Gebiete einer Ebene dürfen sich nicht überdecken. "
                           + REMEDY["overlap", mode]))
    return out


def gap_problems(layer: gpd.GeoDataFrame, where: str, names: dict[str, str], mode: str = SETUP) -> list[Problem]:
    """Gaps larger than SLIVER_M2, one problem per group of bordering areas."""
    out = []
    for codes, pieces in _grouped([p for p in gaps(layer) if p.area > SLIVER_M2]).items():
        total = sum(p.area for p in pieces)
        largest = max(pieces, key=lambda p: p.area)
        count = f"{len(pieces)} Lücken" if len(pieces) > 1 else "eine Lücke"
        out.append(Problem(Location(where, key="geometry"),
                           f"Zwischen {_areas(codes, names)} liegt {count} ({_m2(total)} m², größte bei "
                           f"{largest.at()}), die zu keinem Gebiet gehört. " + REMEDY["gap", mode]))
    return out


def invalid_problems(layer: gpd.GeoDataFrame, where: str, names: list[str]) -> list[Problem]:
    """Invalid polygons with shapely's reason."""
    return [Problem(Location(where, key="geometry"),
                    f"Fläche {names[i]} ist geometrisch ungültig ({reason}). Bitte im GIS reparieren (QGIS: "
                    "Geometrien reparieren) oder mit --bereinigen reparieren lassen (make_valid).")
            for i, reason in invalid(layer)]


def noise(layer: gpd.GeoDataFrame) -> tuple[int, float, int, float]:
    """Overlaps and gaps at or below SLIVER_M2: their numbers and total m² (said, never a problem)."""
    small_overlaps = [p.area for p in overlaps(layer) if p.area <= SLIVER_M2]
    small_gaps = [p.area for p in gaps(layer) if p.area <= SLIVER_M2]
    return len(small_overlaps), sum(small_overlaps), len(small_gaps), sum(small_gaps)


def layer_problems(layer: gpd.GeoDataFrame, where: str) -> list[Problem]:
    """What check-city reports of a committed layer beyond validity: overlaps and gaps between neighbours."""
    names = dict(zip(layer["code"], layer["code"]))
    return overlap_problems(layer, where, names, COMMITTED) + gap_problems(layer, where, names, COMMITTED)
