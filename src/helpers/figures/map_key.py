"""The key beside a numbered map: which name each area number stands for, grouped by the outline level.

A map labels its areas with numbers (Münster's Stadtteile 11 to 98); in print there is no hover, so
the figure itself names them. `number_key` says what the key holds (every labelled area, sorted by
number, grouped by the area of the outline level that contains it, e.g. the Stadtbezirk), `draw`
sets it as a small text table: below the legend where the column beside the map has room, else in
columns of its own to the right (the figure grows wider, the map keeps its size).

    >>> [(e.group, e.code, e.name) for e in number_key("stadtteil")][:2]     # doctest: +SKIP
    [('Mitte', '11', 'Aegidii'), ('Mitte', '12', 'Überwasser')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from helpers.core import areas, levels
from helpers.figures import canvas

#: Font size of the key (points; the legend has 8) and its line height in font sizes.
FONT_SIZE = 7.0
LINE_HEIGHT = 1.32
#: Space between the key's columns and around it (inches).
GAP = 0.14
#: Above this many areas a key beside the map would take more room than the map (Berlin's 138 Bezirksregionen
#: need four columns of long names): the PDF shows a figure at most 120 mm high and 174 mm wide, so the map
#: would shrink to a third. Such a map of the base level says under its legend where its numbers are named:
#: the report's area register (`REGISTER_NOTE`), a closing page listing every base area (helpers.publish.stitch).
MAX_ENTRIES = 80
#: Under the legend of a numbered base-level map whose key would not fit beside it.
REGISTER_NOTE = "Nummern, wo Platz ist; alle Namen im\nGebietsverzeichnis am Ende des Berichts"


@dataclass(frozen=True)
class KeyEntry:
    """One labelled area: the name of its outline area ("" without one), its number and its name."""

    group: str
    code: str
    name: str


def _code_order(code: str) -> tuple:
    """Numbers in numeric order ("9" before "10"), other codes as text after them."""
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


def _groups(level: str) -> dict[str, str]:
    """Area code -> name of the outline level's area that contains it ({} without outline level)."""
    outline = levels.hierarchy().outline
    if outline is None or outline.code == level:
        return {}
    try:
        chain = areas.ancestors(level)
    except Exception:  # a level areas.csv does not chain up: the key stays ungrouped
        return {}
    if outline.code not in chain.columns:
        return {}
    names = areas.area_names(outline.code)
    return {code: names.get(parent, "") for code, parent in chain[outline.code].dropna().items()}


def number_key(level: str) -> list[KeyEntry]:
    """Every area of `level` that a map labels with its number, grouped by outline area, sorted by number.

    The groups come in the order of their smallest number, so where the numbering follows the outline
    level (Münster: 11–47 Mitte, 51–58 West, …) the whole key reads in ascending numbers.
    """
    shown = areas.boundaries(level)
    group_of = _groups(level)
    entries = [KeyEntry(group_of.get(code, ""), str(code), str(name))
               for code, name in zip(shown["code"], shown["name"])]
    first = {}
    for entry in sorted(entries, key=lambda e: _code_order(e.code)):
        first.setdefault(entry.group, _code_order(entry.code))
    return sorted(entries, key=lambda e: (first[e.group], _code_order(e.code)))


def register_note(fig: Figure, left: float, top: float) -> list[str]:
    """The line under the legend pointing a reader of a map with too many numbers for a key to the register."""
    fig.text(left, top, REGISTER_NOTE, transform=fig.dpi_scale_trans, ha="left", va="top", fontsize=FONT_SIZE,
             color="#111111", linespacing=LINE_HEIGHT)
    return REGISTER_NOTE.splitlines()


def _lines(entries: list[KeyEntry]) -> list[tuple[str, bool]]:
    """The key's lines: (text, is a group heading)."""
    out: list[tuple[str, bool]] = []
    group = None
    for entry in entries:
        if entry.group and entry.group != group:
            out.append((entry.group, True))
        group = entry.group
        out.append((f"{entry.code}\u2002{entry.name}", False))
    return out


def _split(lines: list[tuple[str, bool]], per: int) -> list[list[tuple[str, bool]]]:
    """Lines into columns of at most `per`; a heading never stands in the last two lines of a column."""
    columns: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    for text, heading in lines:
        if current and (len(current) >= per or (heading and len(current) >= per - 2)):
            columns.append(current)
            current = []
        current.append((text, heading))
    columns.append(current)
    return columns


def _columns(lines: list[tuple[str, bool]], rows: int) -> list[list[tuple[str, bool]]]:
    """As few columns of at most `rows` lines as will do, as even as the headings allow."""
    rows = max(rows, 3)
    ncols = math.ceil(len(lines) / rows)
    for per in range(math.ceil(len(lines) / ncols), rows + 1):
        columns = _split(lines, per)
        if len(columns) <= ncols:
            return columns
    return _split(lines, rows)


def renderer(fig: Figure):
    """An Agg renderer of `fig` (a bare Figure has none), to measure text before the figure is saved."""
    return canvas.canvas(fig).get_renderer()


def _width(renderer, text: str, bold: bool, dpi: float) -> float:
    """Width of a key line in inches (the same lines are measured for every map: measured once per process)."""
    return _measured_width(text, bold, float(dpi))


@lru_cache(maxsize=4096)
def _measured_width(text: str, bold: bool, dpi: float) -> float:
    props = FontProperties(family="DejaVu Sans", size=FONT_SIZE, weight="bold" if bold else "normal")
    return _measuring(dpi).get_text_width_height_descent(text, props, ismath=False)[0] / dpi


@lru_cache(maxsize=8)
def _measuring(dpi: float) -> RendererAgg:
    """An Agg renderer that only measures text (its extents depend on the font and the resolution alone)."""
    return RendererAgg(1, 1, dpi)


def _widen(fig: Figure, extra: float) -> None:
    """Make the figure `extra` inches wider on the right, everything else where it was (in inches)."""
    width, height = fig.get_size_inches()
    f = width / (width + extra)
    anchors = [(legend, legend.get_bbox_to_anchor()) for legend in fig.legends]
    anchors = [(legend, (box.x0 / fig.dpi, box.y1 / fig.dpi)) for legend, box in anchors]
    fig.set_size_inches(width + extra, height)
    for legend, point in anchors:  # legends anchored at their upper left corner stay there, in inches
        legend.set_bbox_to_anchor(point, transform=fig.dpi_scale_trans)
    for ax in fig.axes:
        x0, y0, w, h = ax.get_position(original=True).bounds
        ax.set_position((x0 * f, y0, w * f, h))
    for text in fig.texts:
        x, y = text.get_position()
        text.set_position((x * f, y))


def draw(fig: Figure, entries: list[KeyEntry], title: str, left: float, top: float, bottom: float) -> list[str]:
    """Set the key into `fig`: below `top` (inches from the bottom) in the column from `left` (inches) to the
    figure's right edge if it fits there above `bottom`, else in columns of its own to the right of the figure.
    Returns the key's lines as drawn (headings and "number name")."""
    if not entries:
        return []
    renderer_ = renderer(fig)
    width, height = fig.get_size_inches()
    line = FONT_SIZE * LINE_HEIGHT / 72
    lines = _lines(entries)
    col_width = max(_width(renderer_, text, bold, fig.dpi) for text, bold in lines) + GAP
    title_width = _width(renderer_, title, True, fig.dpi) * (FONT_SIZE + 0.5) / FONT_SIZE
    title_height = 1.6 * line

    def fits(space: float) -> int:
        return int((space - title_height) // line)

    def span(columns: list) -> float:
        return max(len(columns) * col_width - GAP, title_width)

    rows = fits(top - bottom)
    columns = _columns(lines, rows) if rows > 0 else []
    if not columns or span(columns) > width - left or max(map(len, columns)) > rows:
        # beside the figure as it was, at full height
        top, left = height * 0.91, width + GAP / 2
        columns = _columns(lines, fits(top - bottom))
        _widen(fig, span(columns) + GAP)
    inches = fig.dpi_scale_trans
    fig.text(left, top, title, transform=inches, ha="left", va="top", fontsize=FONT_SIZE + 0.5, fontweight="bold")
    for c, column in enumerate(columns):
        for r, (text, bold) in enumerate(column):
            fig.text(left + c * col_width, top - title_height - (r + 0.8) * line, text, transform=inches, ha="left",
                     va="baseline", fontsize=FONT_SIZE, fontweight="bold" if bold else "normal",
                     color="#222222" if bold else "#111111")
    return [text for text, _ in lines]
