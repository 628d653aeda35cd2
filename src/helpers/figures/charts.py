"""Figures in one house style: German labels, source line under every figure, synthetic mark.

Figures are built on `matplotlib.figure.Figure` (not pyplot) so that notebooks show each
exactly once through `show()`, as a PNG embedded in the report.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.ticker as mticker  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from helpers.core import formatting, levels, model  # noqa: E402
from helpers.core.catalogue import GROUP_LABELS, Indicator  # noqa: E402
from helpers.figures.canvas import SharedCanvas, canvas  # noqa: E402

SYNTHETIC_MARK = model.SYNTHETIC_MARK
PALETTE = sns.color_palette("colorblind")
GROUP_COLOURS = {"total": "#4d4d4d", "foreign": PALETTE[0], "german": PALETTE[1], "migration": PALETTE[0],
                 "no_migration": PALETTE[1], "male": PALETTE[2], "female": PALETTE[4]}
DPI = 150

sns.set_theme(style="whitegrid", context="notebook", font="DejaVu Sans")


def german_axis(ax, decimals: int = 0, unit: str = "") -> None:
    """Decimal comma on the y axis; as many decimals as the ticks need (never '12 %' for 12.5)."""
    suffix = f"{formatting.NBSP}{unit}" if unit == "%" else ""

    def label(v: float, _pos: int) -> str:
        places = decimals if float(v).is_integer() else max(decimals, 1)
        return formatting.number(v, places) + suffix

    ax.yaxis.set_major_formatter(mticker.FuncFormatter(label))


def footer(fig: Figure, source: str, synthetic: bool = False) -> None:
    """Source line under the figure; a red synthetic mark where demo data are shown."""
    fig.text(0.01, 0.01, f"Quelle: {source}", ha="left", va="bottom", fontsize=7.5, color="#444444", wrap=True)
    if synthetic:
        # Bottom right, above the source line: clear of titles, legends and axes.
        fig.text(0.99, 0.075, SYNTHETIC_MARK, ha="right", va="bottom", fontsize=10, color="#b2182b",
                 fontweight="bold", bbox=dict(facecolor="white", edgecolor="#b2182b", boxstyle="round,pad=0.3"))


def short_source(indicator: Indicator) -> str:
    return " ".join(indicator.source.split())


def time_series(vals: pd.DataFrame, indicator: Indicator, title: str, report_year: int,
                groups: Sequence[str] | None = None) -> Figure:
    """Lines over the years for the city (one per group); series breaks marked."""
    groups = list(groups or ["total", *indicator.group_values])
    fig = Figure(figsize=(8, 4.2), dpi=DPI)
    ax = fig.add_axes((0.08, 0.2, 0.6, 0.68))
    shown = vals[vals["group"].isin(groups) & (vals["year"] <= report_year)]
    for group in groups:
        line = shown[shown["group"] == group].sort_values("year")
        ax.plot(line["year"], line["value"].astype(float), marker="o", lw=2, ms=4,
                color=GROUP_COLOURS.get(group, "#333333"), label=GROUP_LABELS.get(group, group))
    within = [year for year in indicator.break_years if shown["year"].min() < year <= report_year]
    for i, year in enumerate(within):
        ax.axvline(year - 0.5, color="#999999", ls=":", lw=1)
        # breaks in neighbouring years (households 2010 and 2011): labels named by their years, set to the
        # left and the right of their lines in turn, so that they do not overlap
        label, align = ("Bruch in der Reihe", "center") if len(within) == 1 else \
            (f"Bruch {year - 1}/{year}", ("right", "left")[i % 2])
        ax.annotate(label, (year - 0.5, 1), xycoords=("data", "axes fraction"), fontsize=7.5, color="#666666",
                    ha=align, va="bottom")
    ax.set_xticks(sorted(shown["year"].unique()))
    ax.tick_params(axis="x", labelrotation=0, labelsize=8)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_ylim(bottom=0)  # honest baseline: shares start at zero
    german_axis(ax, 0 if shown["value"].max() >= 10 else 1, indicator.unit)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=8.5)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    footer(fig, short_source(indicator), bool(shown["synthetic"].any()))
    return fig


def stacked_composition(table: pd.DataFrame, title: str, source: str, unit_label: str = "Anteil an der Bevölkerung in %",
                        synthetic: bool = False) -> Figure:
    """Horizontal stacked bars: rows are areas, columns the parts (values already in %)."""
    height = 0.45 * len(table) + 2.2
    fig = Figure(figsize=(8, height), dpi=DPI)
    ax = fig.add_axes((0.2, 1.5 / height, 0.75, 1 - 2.1 / height))
    left = pd.Series(0.0, index=table.index)
    for i, column in enumerate(table.columns):
        ax.barh(table.index, table[column], left=left, color=PALETTE[i], label=column, height=0.65)
        left = left + table[column].fillna(0)
    ax.invert_yaxis()
    ax.set_xlabel(unit_label, fontsize=8.5)
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: formatting.number(v, 0)))
    ax.legend(loc="upper center", bbox_to_anchor=(0.4, -0.22), ncol=len(table.columns), frameon=False, fontsize=8)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    footer(fig, source, synthetic)
    return fig



def png(fig: Figure) -> bytes:
    """The figure as a palette PNG (256 colours, no dithering): the flat colours of charts and maps lose
    nothing visible, and the file is about a quarter of matplotlib's RGBA PNG (the report's size budget).

    The palette is taken from the canvas's pixels directly: going through savefig's RGBA PNG encoded and
    decoded every figure once more for nothing (a third of the time of a map; the bytes are the same, test)."""
    from PIL import Image

    if fig.dpi != DPI:  # drawn at another resolution: savefig renders it at the report's
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    else:
        agg = SharedCanvas(fig)  # measured text is kept between figures (helpers.figures.canvas)
        agg.draw()
        image = Image.frombuffer("RGBA", agg.get_width_height(physical=True), agg.buffer_rgba(), "raw", "RGBA",
                                 0, 1).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG")
    return out.getvalue()


#: Published tables a figure's numbers can be found in (`show(data=...)`); the stitched report links them.
DATA_TABLES = ("indikatoren",)
#: The figure label (Figure.set_label) that marks a map, so the report says "Karte", not "Abbildung".
MAP_LABEL = "karte"


def figure_tag(fig: Figure, alt: str | None = None, data: str | None = None) -> str:
    """The <img> of a figure: embedded PNG, German alternative text (default: its title), and as data
    attributes whether it is a map and which published table holds its numbers; loaded lazily."""
    import base64
    import html

    if data is not None and data not in DATA_TABLES:
        raise ValueError(f"Unbekannte Tabelle {data!r} für die Zahlen einer Abbildung; möglich: {', '.join(DATA_TABLES)}")
    # A title set on two lines is one sentence; the no-break spaces between number and unit stay.
    text = re.sub(r"[ \t\r\n]+", " ", alt or fig.get_suptitle() or "Abbildung").strip()
    kind = "karte" if fig.get_label() == MAP_LABEL else "abbildung"
    table = f' data-tabelle="{data}"' if data else ""
    encoded = base64.b64encode(png(fig)).decode("ascii")
    # loading="lazy": the browser decodes a figure when the reader nears it, so the report's 100 embedded PNGs do
    # not hold back its `load` (Münster 2019: about a quarter of a second); print and WeasyPrint load them all
    return (f'<img class="figure" alt="{html.escape(text)}" data-art="{kind}"{table} '
            f'src="data:image/png;base64,{encoded}" loading="lazy">')


def show(fig: Figure, alt: str | None = None, data: str | None = None, after: str = "") -> None:
    """Display a figure once (see figure_tag); `after`: HTML shown with it (its interactive twin)."""
    from IPython.display import HTML, display

    display(HTML(figure_tag(fig, alt, data) + after))


#: Above this many points the area names would be an illegible tangle: points stay unnamed.
MAX_POINT_LABELS = 200


def area_plural(code: str) -> str:
    """The German plural of a declared level ("Stadtteile"); "Gebiete" for any other code."""
    return next((lv.plural for lv in levels.hierarchy().levels if lv.code == code), "Gebiete")


#: Iterations of adjustText's label placement: a fixed number, not its default time limit, so that a figure is
#: the same on every machine; what it leaves overlapping, `_settle` moves.
LABEL_ITERATIONS = 40


def _candidates(px: float, py: float, box, step: float):
    """Boxes of `box`'s size around the point (px, py) in display units, nearest first, in eight directions."""
    import math

    from matplotlib.transforms import Bbox

    w, h = box.width, box.height
    for k in range(1, 60):
        r = k * step
        for angle in range(0, 360, 45):
            cx = px + math.cos(math.radians(angle)) * (r + w / 2)
            cy = py + math.sin(math.radians(angle)) * (r + h / 2)
            yield Bbox.from_bounds(cx - w / 2, cy - h / 2, w, h)


def _settle(fig: Figure, ax, texts: list, x, y) -> None:
    """Make sure that no name overlaps another or leaves the axes: a name that does is moved to the nearest free
    place around its point (in a fixed order, so the figure is the same every time); a name set apart from its
    point gets a thin line to it."""
    import numpy as np

    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    to_data = ax.transData.inverted()
    points = ax.transData.transform(np.column_stack([x, y]))
    placed = []

    def free(box) -> bool:
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        return inside and not any(box.overlaps(other) for other in placed)

    for text, (px, py) in zip(texts, points):
        box = text.get_window_extent(renderer)
        if not free(box):
            spot = next((c for c in _candidates(px, py, box, 2.0 * fig.dpi / 72) if free(c)), box)
            anchor = ax.transData.transform(text.get_position())
            text.set_position(to_data.transform((anchor[0] + spot.x0 - box.x0, anchor[1] + spot.y0 - box.y0)))
            box = spot
        placed.append(box)
        nx, ny = min(max(px, box.x0), box.x1), min(max(py, box.y0), box.y1)  # the box's point nearest the point
        if np.hypot(nx - px, ny - py) > 6 * fig.dpi / 72:
            ends = to_data.transform([(px, py), (nx, ny)])
            ax.plot(ends[:, 0], ends[:, 1], color="#999999", lw=0.4, zorder=1)


def _place_labels(fig: Figure, ax, x, y, names) -> list:
    """Area names beside their points: spread by adjustText, then settled so that none overlaps another or
    leaves the axes, each joined to its point by a thin line where it stands apart."""
    from adjustText import adjust_text

    canvas(fig)  # both measure the names with the figure's renderer
    texts = [ax.text(xi, yi, name, fontsize=5.5, color="#333333", zorder=4) for xi, yi, name in zip(x, y, names)]
    if texts:
        adjust_text(texts, x=x, y=y, ax=ax, expand=(1.08, 1.25), ensure_inside_axes=True, iter_lim=LABEL_ITERATIONS,
                    prevent_crossings=False)
        _settle(fig, ax, texts, x, y)
    return texts


def scatter_labelled(table: pd.DataFrame, x_id: str, y_id: str, x_label: str, y_label: str, title: str,
                     source: str, synthetic: bool, weights: pd.Series | None = None,
                     label_column: str = "area_name", note: str = "") -> Figure:
    """Scatter of two indicators with every area named, OLS line and r in the legend.

    With `weights` (population) the line is weighted least squares, r is the weighted Pearson
    r and the point area grows with the weight, so the picture matches the weighted statistic.
    The names are placed so that none overlaps another or is cut at the edge; the legend stands
    below the axes, where it hides no point; `note` (e.g. the areas left out) below it.
    """
    import textwrap

    import numpy as np

    from helpers.stats.correlation import weighted_pearson

    frame = pd.DataFrame({"x": table[x_id], "y": table[y_id], "label": table[label_column]})
    frame[["x", "y"]] = frame[["x", "y"]].astype("float64")
    frame["w"] = 1.0 if weights is None else pd.Series(weights, dtype="float64").reindex(table.index)
    frame = frame.dropna(subset=["x", "y", "w"])
    frame = frame[frame["w"] > 0]
    x, y, w = frame["x"].to_numpy(), frame["y"].to_numpy(), frame["w"].to_numpy()
    note_lines = textwrap.wrap(note, 125) if note else []
    below = 1.3 + 0.15 * len(note_lines)  # inches under the axes: ticks, axis label, legend, note, source
    height = below + 4.5 + 0.7  # the axes 4.5 inches high, above them a title of two lines
    fig = Figure(figsize=(8, height), dpi=DPI)
    ax = fig.add_axes((0.1, below / height, 0.86, 4.5 / height))
    sizes = 18.0 if weights is None else 15.0 + 285.0 * w / w.max()
    points = area_plural(table.attrs.get("level", ""))
    if weights is not None:
        points += " (Fläche ∝ Einwohnerzahl)"
    ax.scatter(x, y, s=sizes, color=PALETTE[0], alpha=0.7, edgecolor="white", linewidth=0.5, label=points, zorder=2)
    if len(frame) >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
        wn = w / w.sum()
        mx, my = np.sum(wn * x), np.sum(wn * y)
        slope = np.sum(wn * (x - mx) * (y - my)) / np.sum(wn * (x - mx) ** 2)
        grid = np.array([x.min(), x.max()])
        r = weighted_pearson(x, y, w)
        kind = "gewichtet nach Einwohnerzahl, " if weights is not None else ""
        ax.plot(grid, my + slope * (grid - mx), color="#b2182b", lw=1.5, zorder=3,
                label=f"Ausgleichsgerade ({kind}r\u00a0=\u00a0{formatting.number(r, 2)}, n\u00a0=\u00a0{len(frame)})")
    ax.set_xlabel(x_label, fontsize=9)
    ax.set_ylabel(y_label, fontsize=9)
    ax.tick_params(labelsize=8)

    def label(v: float, _pos: int) -> str:
        return formatting.number(v, 0 if float(v).is_integer() else 1)

    ax.xaxis.set_major_formatter(mticker.FuncFormatter(label))
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(label))
    ax.margins(0.06)
    # below the axes: a legend inside would hide the points in its corner
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.5 / 4.5), frameon=False, fontsize=8, ncol=2, borderaxespad=0.0)
    if note_lines:
        fig.text(0.01, (0.4 + 0.15 * len(note_lines)) / height, "\n".join(note_lines), ha="left", va="top",
                 fontsize=7.5, color="#333333")
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    footer(fig, source, synthetic)
    if len(frame) <= MAX_POINT_LABELS:
        _place_labels(fig, ax, x, y, frame["label"].astype(str).tolist())
    return fig


def lines(frame: pd.DataFrame, x: str, y: str, series: str, title: str, source: str, decimals: int = 1,
          y_label: str = "", synthetic: bool = False) -> Figure:
    """One line per series over x (e.g. an index over the years); y axis from zero."""
    fig = Figure(figsize=(8, 4.0), dpi=DPI)
    ax = fig.add_axes((0.1, 0.2, 0.58, 0.68))
    for i, (name, part) in enumerate(frame.groupby(series, sort=False)):
        part = part.sort_values(x)
        ax.plot(part[x], part[y].astype(float), marker="o", lw=2, ms=4, color=PALETTE[i], label=str(name))
    ax.set_xticks(sorted(frame[x].unique()))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel("")
    ax.set_ylabel(y_label, fontsize=8)
    ax.set_ylim(bottom=0)
    german_axis(ax, decimals)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=8.5)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    footer(fig, source, synthetic)
    return fig


def correlation_heatmap(square: pd.DataFrame, labels: Sequence[str], title: str, source: str,
                        synthetic: bool = False, decimals: int = 2) -> Figure:
    """Correlation matrix with r in each cell on a diverging scale fixed to −1…+1.

    Indicator names are long: rows carry "1 Name" (wrapped), columns only the number.
    """
    import textwrap

    n = len(square)
    cell = min(0.6, 3.8 / n)  # inches per cell: the matrix never grows past half the width
    fig = Figure(figsize=(8, n * cell + 1.9), dpi=DPI)
    height = n * cell / fig.get_figheight()
    bottom = 1.0 / fig.get_figheight()
    ax = fig.add_axes((0.42, bottom, n * cell / 8, height))
    cax = fig.add_axes((0.42 + n * cell / 8 + 0.03, bottom, 0.02, height))
    row_labels = [textwrap.fill(f"{i} {name}", 40) for i, name in enumerate(labels, start=1)]
    sns.heatmap(square.astype(float), ax=ax, cbar_ax=cax, vmin=-1, vmax=1, center=0, cmap="RdBu_r",
                annot=square.map(lambda v: formatting.number(v, decimals) if pd.notna(v) else "").to_numpy(),
                fmt="", annot_kws={"fontsize": 8}, linewidths=0.5, linecolor="white",
                xticklabels=[str(i) for i in range(1, n + 1)], yticklabels=row_labels)
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", labelrotation=0, labelsize=8, length=0)
    ax.tick_params(axis="y", labelrotation=0, labelsize=7.5, length=0)
    cax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: formatting.number(v, 1)))
    cax.tick_params(labelsize=7.5)
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    footer(fig, source, synthetic)
    return fig
