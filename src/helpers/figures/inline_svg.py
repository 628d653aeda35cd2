"""Small inline SVG drawings for the area profiles: a locator map and a sparkline (no script, no network).

The locator map is drawn from the committed boundaries (helpers.core.areas.boundaries): the largest
declared level's areas as the frame, the one area filled. The sparkline draws published values only:
one circle per value (`data-year`; the series in the svg's `data-row`), its height an affine function
of the value (the highest at the top), joined by a line; a year without a published value leaves a gap.
The disclosure checker reads the circles back against the published tables
(helpers.disclosure.profile_numbers), so the drawing can hold no other number.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from helpers.core import areas, levels

#: The locator map's width in SVG units (its height follows the city's shape).
MAP_WIDTH = 220.0
#: Boundaries are simplified to this many metres before drawing (a locator shows where, not exactly where).
SIMPLIFY = 40.0
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120.0, 30.0, 4.0


def _ring(coords, x0: float, y1: float, scale: float) -> str:
    points = [f"{(x - x0) * scale:.1f} {(y1 - y) * scale:.1f}" for x, y in coords]
    return "M" + " L".join(points) + "Z"


def _path(geometry, x0: float, y1: float, scale: float) -> str:
    polygons = getattr(geometry, "geoms", [geometry])
    parts = []
    for polygon in polygons:
        parts.append(_ring(polygon.exterior.coords, x0, y1, scale))
        parts += [_ring(hole.coords, x0, y1, scale) for hole in polygon.interiors]
    return "".join(parts)


@functools.lru_cache(maxsize=4)
def _shapes(key: tuple) -> tuple[str, float, dict[str, str], tuple[str, ...]]:
    """(viewBox, height, base area code -> path, frame paths), for the boundaries identified by `key`."""
    h = levels.hierarchy()
    base = areas.boundaries(h.base.code)
    frame_level = h.outline
    frame = areas.boundaries(frame_level.code) if frame_level is not None else base
    x0, y0, x1, y1 = frame.total_bounds
    scale = MAP_WIDTH / (x1 - x0)
    height = (y1 - y0) * scale
    own = {str(code): _path(geom.simplify(SIMPLIFY), x0, y1, scale) for code, geom in zip(base["code"], base.geometry)}
    outline = tuple(_path(geom.simplify(SIMPLIFY), x0, y1, scale) for geom in frame.geometry)
    return f"0 0 {MAP_WIDTH:.0f} {height:.0f}", height, own, outline


def _boundaries_key() -> tuple:
    from helpers.core import paths

    files = sorted(paths.GEO_DIR.glob("*.geojson")) if paths.GEO_DIR.is_dir() else []
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def locator(code: str, label: str) -> str:
    """The locator map of one base area as inline SVG ('' if the area has no boundary); `label` names it."""
    import html

    if not levels.hierarchy().base.boundaries:
        return ""
    view, _, own, outline = _shapes(_boundaries_key())
    if code not in own:
        return ""
    frame = "".join(f'<path d="{d}"/>' for d in outline)
    return (f'<svg class="locator" viewBox="{view}" role="img" aria-label="{html.escape(label, quote=True)}" '
            'xmlns="http://www.w3.org/2000/svg">'
            f'<g class="locator-frame">{frame}</g><path class="locator-area" d="{own[code]}"/></svg>')


def sparkline(row: str, values: Sequence[tuple[int, float | None]], label: str) -> str:
    """A sparkline of one series (`row`: indicator|level|code|group) from (year, value) pairs in order ('' with
    fewer than two values): a circle per published value, `data-year` naming its cell, joined where consecutive
    years both have values."""
    import html

    present = [v for _, v in values if v is not None]
    if len(present) < 2:
        return ""
    low, high = min(present), max(present)
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(1, len(values) - 1)

    def y(value: float) -> float:
        if high == low:
            return SPARK_HEIGHT / 2
        return SPARK_PAD + (high - value) / (high - low) * (SPARK_HEIGHT - 2 * SPARK_PAD)

    circles, segments, current = [], [], []
    for i, (year, value) in enumerate(values):
        if value is None:
            if len(current) > 1:
                segments.append(current)
            current = []
            continue
        point = (SPARK_PAD + i * step, y(value))
        circles.append(f'<circle data-year="{year}" cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="1.6"/>')
        current.append(point)
    if len(current) > 1:
        segments.append(current)
    lines = "".join('<polyline points="' + " ".join(f"{x:.1f},{yy:.1f}" for x, yy in seg) + '"/>' for seg in segments)
    return (f'<svg class="sparkline" data-row="{html.escape(row, quote=True)}" viewBox="0 0 {SPARK_WIDTH:.0f} '
            f'{SPARK_HEIGHT:.0f}" role="img" aria-label="{html.escape(label, quote=True)}">{lines}{"".join(circles)}</svg>')
