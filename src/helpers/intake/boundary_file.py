"""A city's own boundary file as `stadt neu` reads it: Shapefile (also zipped), GeoPackage or GeoJSON.

A statistics office exports its areas from a GIS in whatever format and coordinate system it uses.
This reads one such file with pyogrio, keeps the code and name columns the user names and refuses,
with the file, the feature and what to do, what no later step can repair: a missing file or column,
several layers to choose from, features without geometry, code or name, codes that occur twice.
Whether the coordinates fit the declared CRS is `boundary_crs`'s question, the geometry's
`boundary_checks`'.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

#: Files a GIS exports polygons to, by ending (a Shapefile's companions .dbf/.shx/.prj lie beside it).
READABLE = (".shp", ".gpkg", ".geojson", ".json")


class BoundaryFileError(ValueError):
    """The boundary file cannot be read as areas; the message names the file and what to do."""


@dataclass(frozen=True)
class Boundaries:
    """A boundary file's areas: columns code, name, geometry (as in the file, in its declared CRS)."""

    layer: gpd.GeoDataFrame
    label: str  # the file as the user named it, for messages

    def feature(self, code: str) -> str:
        """An area as messages name it: code and name as in the file."""
        names = self.layer.set_index("code")["name"]
        return f"{code} „{names.get(code, '')}“"


def _inner(path: Path) -> str:
    """The one readable file inside a zip archive, as GDAL's /vsizip/ path."""
    with zipfile.ZipFile(path) as archive:
        found = [n for n in archive.namelist() if n.lower().endswith(READABLE) and not n.startswith("__MACOSX")]
    if len(found) != 1:
        listed = ", ".join(found) or "keine"
        raise BoundaryFileError(f"{path}: das Archiv enthält {len(found)} Grenzdateien ({listed}); erwartet genau "
                                "eine (.shp mit .dbf/.shx/.prj, .gpkg oder .geojson). Bitte die gewünschte Datei "
                                "auspacken und direkt angeben.")
    return f"/vsizip/{path}/{found[0]}"


def source(path: Path) -> str:
    """What GDAL opens for `path`: the file itself, or the one boundary file inside a .zip."""
    if not path.is_file():
        raise BoundaryFileError(f"{path}: Datei nicht gefunden. Bitte den Pfad prüfen (Shapefile, GeoPackage, "
                                "GeoJSON oder ein .zip mit einem Shapefile).")
    if path.suffix.lower() == ".zip":
        return _inner(path)
    if path.suffix.lower() not in READABLE:
        raise BoundaryFileError(f"{path}: unbekanntes Format {path.suffix or '(ohne Endung)'}; lesbar sind "
                                f"{', '.join(READABLE)} und .zip.")
    return str(path)


def _one_layer(opened: str, label: str) -> None:
    try:
        layers = pyogrio.list_layers(opened)
    except pyogrio.errors.DataSourceError as err:
        raise BoundaryFileError(f"{label}: nicht lesbar ({err}). Ist die Datei vollständig (bei Shapefiles auch "
                                ".dbf und .shx daneben)?") from None
    if len(layers) > 1:
        names = ", ".join(str(name) for name, _ in layers)
        raise BoundaryFileError(f"{label}: die Datei enthält {len(layers)} Layer ({names}); bitte den Layer der "
                                "Gebiete allein exportieren (z. B. in QGIS: Exportieren → Objekte speichern als).")


def _text(column: pd.Series) -> pd.Series:
    """A code or name column as text: whole numbers without ".0", blanks as empty."""
    def one(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return " ".join(str(value).split())
    return column.map(one)


def read(path: Path, code: str, name: str, extra: tuple[str, ...] = ()) -> Boundaries:
    """The areas of one boundary file: its `code` and `name` columns (and `extra` ones, as text) and the
    geometry, declared CRS kept."""
    label = str(path)
    opened = source(Path(path))
    _one_layer(opened, label)
    frame = gpd.read_file(opened, engine="pyogrio")
    if frame.empty:
        raise BoundaryFileError(f"{label}: die Datei enthält keine Flächen.")
    missing = [c for c in (code, name, *extra) if c not in frame.columns]
    if missing:
        columns = ", ".join(c for c in frame.columns if c != "geometry")
        raise BoundaryFileError(f"{label}: Spalte {', '.join(missing)} gibt es nicht; vorhanden: {columns}. Bitte "
                                "die Spaltennamen berichtigen (--code, --name, --eltern-spalte).")
    columns = {"code": _text(frame[code]), "name": _text(frame[name]), **{c: _text(frame[c]) for c in extra}}
    layer = gpd.GeoDataFrame(columns,
                             geometry=frame.geometry.values, crs=frame.crs)
    problems = _feature_problems(layer, label, code, name)
    if problems:
        raise BoundaryFileError("\n".join(problems))
    return Boundaries(layer.reset_index(drop=True), label)


def _feature_problems(layer: gpd.GeoDataFrame, label: str, code: str, name: str) -> list[str]:
    """Features without code, name or geometry, and codes that occur twice (objects counted from 1)."""
    out = []
    for index, row in layer.iterrows():
        where = f"{label}, Objekt {int(index) + 1}"
        if not row["code"]:
            out.append(f"{where}: Spalte {code} ist leer; jede Fläche braucht einen Code.")
        if not row["name"]:
            out.append(f"{where} ({row['code']}): Spalte {name} ist leer; jede Fläche braucht einen Namen.")
        if row.geometry is None or row.geometry.is_empty:
            out.append(f"{where} ({row['code']}): keine Geometrie. Bitte die Fläche zeichnen oder das Objekt löschen.")
        elif row.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            out.append(f"{where} ({row['code']}): {row.geometry.geom_type} statt einer Fläche (Polygon).")
    for value, rows in layer.groupby("code").groups.items():
        if value and len(rows) > 1:
            numbers = ", ".join(str(int(i) + 1) for i in rows)
            out.append(f"{label}: Code {value} steht in {len(rows)} Objekten ({numbers}); ein Gebiet aus mehreren "
                       "Teilen bitte zu einem Objekt zusammenfassen (z. B. QGIS: Auflösen nach der Spalte "
                       f"{code}) oder die Codes berichtigen.")
    return out
