"""Writing a boundary layer as GeoJSON, the same way for every city's data root.

Each city's parser reads and checks its own boundary files (`muenster.boundaries`,
`berlin.population`, the demo's `scale_city`); all of them write through `write_geojson`, so
the committed layers are text, diffable and byte-identical when derived again.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from helpers.core.fileio import atomic_path


def write_geojson(gdf: gpd.GeoDataFrame, target: Path, layer: str) -> None:
    """One boundary layer as GeoJSON: text, diffable and deterministic (centimetre precision, no
    bounding boxes), written atomically."""
    with atomic_path(target) as tmp:
        tmp.unlink()  # GDAL will not write over an existing file
        gdf.to_file(tmp, driver="GeoJSON", engine="pyogrio", layer=layer,
                    layer_options={"COORDINATE_PRECISION": 2, "RFC7946": "NO", "WRITE_BBOX": "NO"})
