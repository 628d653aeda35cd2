"""Do a layer's coordinates fit its declared CRS, and do they lie in Germany? The fixes a user may choose.

Boundary files of German cities carry typical defects that make a map squashed or misplaced without
any error: degrees stored under a metric CRS, a Gauß-Krüger or UTM zone number in front of the
easting (x larger by 2,000,000 or 32,000,000 m), no CRS at all. Whether a layer fits is decided by
where it lands: transformed to longitude/latitude, every area must lie in a box around Germany.
When it does not, every reinterpretation that would put it there is offered as an option
(`--crs-korrektur`), with the place it would land, so the user recognises the city; none is
applied without being chosen.

The report draws in metres: `metric` picks ETRS89 / UTM 32N or 33N (EPSG:25832/25833), the
official CRS of the German states, by the layer's longitude.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from helpers.core.problems import Location, Problem

#: Germany's outline, coarse (its extreme points: Sylt, Flensburger Förde, Fehmarn, Rügen, Usedom, the Oder,
#: Görlitz, Zittau, Passau, Berchtesgaden, Oberstdorf, Lörrach, Aachen, Kleve, Borkum; longitude, latitude) and
#: a margin: a layer must lie inside. Tighter than a box: the North Sea west of Schleswig-Holstein, where a
#: Gauß-Krüger misreading of a northern city lands, is outside.
GERMANY_OUTLINE = ((8.4, 55.1), (9.9, 54.85), (11.3, 54.6), (13.4, 54.7), (14.3, 53.9), (14.45, 53.3), (14.75, 52.5),
                   (15.05, 51.2), (14.8, 50.85), (13.85, 48.75), (13.05, 47.4), (10.2, 47.27), (7.5, 47.55),
                   (5.87, 50.75), (5.95, 51.8), (6.65, 53.6))
MARGIN_DEGREES = 0.2
GERMANY = shapely.Polygon(GERMANY_OUTLINE).convex_hull.buffer(MARGIN_DEGREES)
#: ETRS89 / UTM 32N and 33N: the metric CRS the report draws in; east of 12° E the 33rd zone.
UTM32, UTM33, ZONE_BORDER = "EPSG:25832", "EPSG:25833", 12.0
#: Reinterpretations tried when a layer does not fit: the CRS its numbers may really be in.
READINGS = {
    "EPSG:4326": "Koordinaten in Grad (geografische Länge/Breite, WGS 84)",
    UTM32: "ETRS89 / UTM Zone 32N (Ostwert ohne Zonenziffer)",
    UTM33: "ETRS89 / UTM Zone 33N (Ostwert ohne Zonenziffer)",
    "EPSG:4647": "ETRS89 / UTM Zone 32N mit vorangestellter Zonenziffer 32 im Ostwert",
    "EPSG:5650": "ETRS89 / UTM Zone 33N mit vorangestellter Zonenziffer 33 im Ostwert",
    **{f"EPSG:{31464 + zone}": f"Gauß-Krüger Zone {zone} (DHDN, Ostwert beginnt mit {zone})" for zone in (2, 3, 4, 5)},
}
#: Easting offsets tried under the declared CRS: a zone number written in front of the easting.
SHIFTS = (1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000, 32_000_000, 33_000_000)
SHIFT_OPTION = re.compile(r"ostwert-(\d+)")


class CrsError(ValueError):
    """A `--crs-korrektur` that is not one; the message says what is allowed."""


@dataclass(frozen=True)
class Fix:
    """One way to read a layer's coordinates: the option that chooses it, what it means, where it lands."""

    option: str  # "EPSG:4326" or "ostwert-2000000"
    meaning: str
    lon: float
    lat: float

    def __str__(self) -> str:
        return f"--crs-korrektur {self.option} ({self.meaning}; liegt dann bei {_place(self.lon, self.lat)})"


def _place(lon: float, lat: float) -> str:
    return f"{lon:.2f}° O, {lat:.2f}° N".replace(".", ",")


def _lonlat_bounds(layer: gpd.GeoDataFrame) -> np.ndarray | None:
    """Per area (minx, miny, maxx, maxy) in degrees, None where the CRS cannot be transformed."""
    if layer.crs is None:
        return None
    with np.errstate(all="ignore"):
        try:
            bounds = layer.geometry.to_crs("EPSG:4326").bounds.to_numpy()
        except Exception:  # pyproj refuses coordinates far outside the projection's domain
            return None
    return bounds


def outside(layer: gpd.GeoDataFrame) -> list[int]:
    """Positions of the areas that do not lie in Germany under the layer's CRS (all of them without a CRS)."""
    bounds = _lonlat_bounds(layer)
    if bounds is None:
        return list(range(len(layer)))
    finite = np.isfinite(bounds).all(axis=1)
    boxes = shapely.box(*np.where(finite[:, None], bounds, 0.0).T)
    inside = finite & shapely.contains(GERMANY, boxes)
    return [int(i) for i in np.flatnonzero(~inside)]


def centre(layer: gpd.GeoDataFrame) -> tuple[float, float] | None:
    """The middle of the layer's box in degrees, None if it cannot be transformed."""
    bounds = _lonlat_bounds(layer)
    if bounds is None or not np.isfinite(bounds).all():
        return None
    return (float(bounds[:, 0].min() + bounds[:, 2].max()) / 2, float(bounds[:, 1].min() + bounds[:, 3].max()) / 2)


def apply(layer: gpd.GeoDataFrame, option: str) -> gpd.GeoDataFrame:
    """The layer read as `option` says: another CRS for the same numbers, or the easting shifted back."""
    shift = SHIFT_OPTION.fullmatch(option)
    if shift:
        if layer.crs is None:
            raise CrsError(f"--crs-korrektur {option}: die Datei gibt kein Koordinatensystem an; bitte stattdessen "
                           "das richtige mit --crs-korrektur EPSG:<Nummer> nennen.")
        moved = layer.copy()
        moved["geometry"] = layer.geometry.translate(xoff=-int(shift.group(1)))
        return moved
    try:
        crs = CRS.from_user_input(option)
    except CRSError:
        raise CrsError(f"--crs-korrektur {option}: weder ein Koordinatensystem (z. B. EPSG:25832) noch eine "
                       "Verschiebung des Ostwerts (z. B. ostwert-2000000).") from None
    return layer.set_crs(crs, allow_override=True)


def fixes(layer: gpd.GeoDataFrame) -> list[Fix]:
    """Every reading under which the whole layer lies in Germany, the declared CRS's shifts included."""
    found = []
    options = [o for o in READINGS if layer.crs is None or CRS.from_user_input(o) != layer.crs]
    if layer.crs is not None and layer.crs.is_projected:
        options += [f"ostwert-{s}" for s in SHIFTS]
    for option in options:
        candidate = apply(layer, option)
        if outside(candidate):
            continue
        lon, lat = centre(candidate) or (float("nan"), float("nan"))
        shift = SHIFT_OPTION.fullmatch(option)
        metres = f"{int(shift.group(1)):,}".replace(",", ".") if shift else ""
        meaning = READINGS.get(option) or (f"Ostwert um {metres} m zu groß, zurückgerechnet; Koordinatensystem "
                                           f"{_name(layer.crs)} bleibt")
        found.append(Fix(option, meaning, lon, lat))
    return found


def _name(crs: CRS | None) -> str:
    if crs is None:
        return "(keins angegeben)"
    code = crs.to_epsg()
    return f"EPSG:{code} ({crs.name})" if code else crs.name


def _degrees(layer: gpd.GeoDataFrame) -> bool:
    """Numbers that look like longitude/latitude."""
    minx, miny, maxx, maxy = layer.total_bounds
    return bool(-180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90)


def problems(layer: gpd.GeoDataFrame, where: str, names: list[str], metric_only: bool = False) -> list[Problem]:
    """Why the layer's coordinates do not fit (with the fixes to choose from), or nothing.

    `names` label the areas in the layer's order; `metric_only` (check-city: the layers the report
    draws) also refuses degrees declared as such."""
    crs = layer.crs
    if crs is not None and not outside(layer):
        if metric_only and not crs.is_projected:
            return [Problem(Location(where, key="geometry"), f"Die Grenzen sind in Grad ({_name(crs)}) gespeichert: "
                            "Karten wären gestaucht, Flächen und Maßstab falsch. Bitte in ein metrisches System "
                            f"umprojizieren ({UTM32} oder {UTM33}), z. B. mit integrationsmonitoring stadt neu.")]
        return []
    found = fixes(layer)
    offered = ("Abhilfe, je nachdem, wo die Stadt liegt: " + "; ".join(map(str, found)) + ".") if found else (
        "Keine übliche Verwechslung (Grad, Zonenziffer, Gauß-Krüger) bringt die Flächen nach Deutschland: bitte "
        "das Koordinatensystem der Datei beim Absender erfragen und mit --crs-korrektur EPSG:<Nummer> angeben.")
    if crs is None:
        return [Problem(Location(where), f"Die Datei gibt kein Koordinatensystem an (bei Shapefiles fehlt die "
                                         f".prj-Datei). {offered}")]
    if crs.is_projected and _degrees(layer):
        return [Problem(Location(where), f"Die Koordinaten sind Grad (Länge/Breite), die Datei gibt aber "
                                         f"{_name(crs)} in Metern an. {offered}")]
    away = outside(layer)
    if len(away) < len(layer):
        return [Problem(Location(where, key="geometry"), f"Fläche {names[i]} liegt außerhalb Deutschlands "
                        f"({_where(layer.iloc[[i]])}), die übrigen nicht. Bitte die Fläche im GIS prüfen "
                        "(verschoben, falsch digitalisiert oder aus einer anderen Datei).") for i in away]
    return [Problem(Location(where), f"Die Flächen liegen mit dem angegebenen Koordinatensystem {_name(crs)} "
                                     f"nicht in Deutschland ({_where(layer)}). {offered}")]


def _where(layer: gpd.GeoDataFrame) -> str:
    point = centre(layer)
    if point is None:
        return "außerhalb des Gültigkeitsbereichs des Koordinatensystems"
    return f"bei {_place(*point)}"


def metric(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer in ETRS89 / UTM (32N or 33N by its longitude); a layer already in one of them stays as it is."""
    if layer.crs is not None and layer.crs.to_epsg() in (25832, 25833):
        return layer
    lon = (centre(layer) or (0.0, 0.0))[0]
    return layer.to_crs(UTM33 if lon >= ZONE_BORDER else UTM32)


def describe(crs: CRS | None) -> str:
    """A CRS as messages name it."""
    return _name(crs)
