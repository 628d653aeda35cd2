"""Area maps (default: the base level, Münster's Stadtteile): classed choropleths, change maps,
small multiples and category maps.

No web tiles: everything is drawn from the committed boundaries (EPSG:25832, metres), so
the scale bar is exact and the report opens offline. Missing and suppressed areas are
hatched grey and explained in the legend, never given a class colour. All maps share one
frame (`_frame`): the borders of the hierarchy's outline level (Münster: Stadtbezirke), labels,
scale bar, north arrow, source line and, where demo data are shown, the synthetic mark.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import mapclassify
import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from helpers.core import areas, formatting, levels
from helpers.core import city as city_profile
from helpers.figures import map_key
from helpers.figures.charts import DPI, MAP_LABEL, footer

SCHEMES = {"quantiles": mapclassify.Quantiles, "fisher_jenks": mapclassify.FisherJenks,
           "equal_interval": mapclassify.EqualInterval, "std_mean": mapclassify.StdMean}
SCHEME_NAMES = {"quantiles": "Quantile", "fisher_jenks": "natürliche Brüche (Fisher-Jenks)",
                "equal_interval": "gleiche Intervalle", "std_mean": "Standardabweichung vom Mittelwert",
                "user": "feste Klassengrenzen"}
STD_MULTIPLES = (-2, -1, 1, 2)
MISSING_STYLE = dict(facecolor="#eeeeee", edgecolor="#999999", hatch="////", linewidth=0.3)
MISSING_LABEL = "keine Angabe / geheim (.)"


def geometry_source(level: str | None = None) -> str:
    """Where the boundaries come from: as config/<city>/city.yml says (`geometry`), else the city's own
    statistical area division; a mapped `level` whose boundaries come from elsewhere (its own `geometry`,
    e.g. the wards of a council election) is named first, the outlines drawn around it after it."""
    said = city_profile.profile().geometry or f"{areas.city().name}, Statistische Gebietsgliederung"
    shown = levels.hierarchy().level(level) if level else None
    if shown is None or not shown.geometry:
        return f"Geometrie: {said}"
    outline = _outline(shown.code)
    rest = f"; {outline.plural}: {said}" if outline else ""
    return f"Geometrie: {shown.plural}: {shown.geometry}{rest}"


class MapError(ValueError):
    """A map request that cannot be drawn (unknown scheme, no values)."""


@dataclass(frozen=True)
class Classes:
    """Class membership of every area plus the legend entries, independent of drawing."""

    yb: np.ndarray          # class index per area, -1 = missing
    labels: list[str]       # legend text per class, with the count of areas
    colours: list
    title: str


def classify(values: pd.Series, scheme: str = "quantiles", k: int = 5, bins: Sequence[float] | None = None):
    """mapclassify classifier over the non-missing values (user-defined bins if given)."""
    valid = values.dropna().astype(float).to_numpy()
    if len(valid) == 0:
        raise MapError("Keine Werte zum Klassifizieren: alle Gebiete sind ohne Angabe oder geheim.")
    if bins is not None:
        return mapclassify.UserDefined(valid, bins=list(bins))
    if scheme not in SCHEMES:
        raise MapError(f"Unbekanntes Klassifikationsverfahren {scheme!r}; möglich: {', '.join(SCHEMES)} "
                       "oder feste Klassengrenzen über `bins`.")
    if scheme == "std_mean":
        return mapclassify.StdMean(valid, multiples=list(STD_MULTIPLES))
    k = max(1, min(k, len(np.unique(valid))))
    with warnings.catch_warnings():
        # Fisher-Jenks without numba is pure Python: fine for tens of areas (no numba: its JIT costs 17 s per kernel).
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        return SCHEMES[scheme](valid, k=k)


def shared_bins(frames: Sequence[pd.Series], scheme: str = "quantiles", k: int = 5) -> list[float]:
    """Class bounds from several years pooled, so that maps of those years share one scale."""
    pooled = pd.concat([f.dropna().astype(float) for f in frames], ignore_index=True)
    return [float(b) for b in classify(pooled, scheme, k).bins]


def _std_band(i: int, k: int, bins: np.ndarray, mean: float, sd: float) -> str:
    """'−1 bis +1 SD' for class i of a StdMean classifier (bounds recovered from the bins)."""
    def as_sd(b: float) -> str:
        m = round((b - mean) / sd) if sd else 0
        return f"{'+' if m > 0 else ('−' if m < 0 else '')}{abs(m)}"
    lower = "" if i == 0 else as_sd(bins[i - 1])
    if i == 0:
        return f"unter {as_sd(bins[0])} SD"
    if i == k - 1 and bins[i] > mean + max(STD_MULTIPLES) * sd + 1e-9:
        return f"über {lower} SD"
    return f"{lower} bis {as_sd(bins[i])} SD"


def legend_labels(classifier, unit: str, decimals: int, scheme: str) -> list[str]:
    """'lo – hi unit (n)' per class; bounds as the classifier has them (upper bound inclusive)."""
    fmt = lambda v: formatting.number(v, decimals)  # noqa: E731
    y_min = float(classifier.y.min())
    labels = []
    for i, (hi, n) in enumerate(zip(classifier.bins, classifier.counts)):
        lo = y_min if i == 0 else classifier.bins[i - 1]
        text = f"≤ {fmt(hi)}" if (i == 0 and lo > hi) or (scheme == "user" and i == 0) else f"{fmt(lo)} – {fmt(hi)}"
        text += f"{formatting.NBSP}{unit}" if unit else ""
        if scheme == "std_mean":
            text += f" [{_std_band(i, classifier.k, classifier.bins, classifier.y.mean(), classifier.y.std(ddof=1))}]"
        labels.append(f"{text} ({n})")
    return labels


def colours(cmap: str, k: int) -> list:
    colormap = matplotlib.colormaps[cmap]
    return [colormap(x) for x in np.linspace(0.15, 0.95, k)]


matplotlib_colours = colours  # name used by earlier notebooks


def classes_for(values: pd.Series, unit: str, scheme: str = "quantiles", k: int = 5,
                bins: Sequence[float] | None = None, decimals: int = 1, cmap: str = "YlGnBu") -> Classes:
    missing = values.isna().to_numpy()
    classifier = classify(values, scheme, k, bins)
    used = "user" if bins is not None else scheme
    yb = np.full(len(values), -1)
    yb[~missing] = classifier.yb
    title = f"Klassen: {SCHEME_NAMES[used]}\nin Klammern: Zahl der Gebiete"
    if used == "std_mean":
        title += (f"\nMittelwert {formatting.number(classifier.y.mean(), decimals)}, "
                  f"SD {formatting.number(classifier.y.std(ddof=1), decimals)}")
    return Classes(yb, legend_labels(classifier, unit, decimals, used), colours(cmap, classifier.k), title)


@lru_cache(maxsize=4)
def _label_points(level: str) -> tuple[tuple[str, str, float, float], ...]:
    gdf = areas.boundaries(level)
    pts = gdf.geometry.representative_point()
    return tuple(zip(gdf["code"], gdf["name"], pts.x, pts.y))


def _luminance(rgba) -> float:
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


#: Above this many areas the numbers would cover each other (and the scale bar): maps go unlabelled.
MAX_LABELS = 200


def _level(level: str | None) -> str:
    """The level mapped: `level`, or the base level for None."""
    return levels.base() if level is None else level


def _outline(level: str) -> levels.Level | None:
    """The level whose borders frame a map of `level` (None: no outlines, e.g. a map of that level itself)."""
    outline = levels.hierarchy().outline
    return None if outline is None or outline.code == level else outline


def _draw(ax, gdf: gpd.GeoDataFrame, fill: list, missing: np.ndarray, labels: str | None, level: str,
          fontsize: float = 6) -> None:
    """Areas in their colours (missing hatched), the outline level's borders and labels on one axes."""
    ax.set_axis_off()
    ax.set_aspect("equal")
    if (~missing).any():
        gdf[~missing].plot(ax=ax, color=[fill[i] for i in np.flatnonzero(~missing)], edgecolor="white", linewidth=0.5)
    if missing.any():
        gdf[missing].plot(ax=ax, **MISSING_STYLE)
    outline = _outline(level)
    if outline is not None:
        areas.boundaries(outline.code).boundary.plot(ax=ax, color="#222222", linewidth=1.2)
    if labels and len(gdf) <= MAX_LABELS:
        colour_of = dict(zip(gdf["code"], fill))
        drawn = []
        for code, name, x, y in _label_points(level):
            fc = colour_of.get(code)
            dark = fc is not None and not isinstance(fc, str) and _luminance(fc) < 0.45
            drawn.append(ax.annotate(code if labels == "code" else name, (x, y), ha="center", va="center",
                                     fontsize=fontsize, color="white" if dark else "#111111"))
        if len(drawn) > map_key.MAX_ENTRIES:
            _drop_crowded(ax, drawn, gdf.set_index("code").geometry.area)


def _drop_crowded(ax, labels: list, sizes: pd.Series) -> None:
    """Keep a label only where it covers no label already kept, larger areas first: with more areas than a key
    can name (Berlin's 138 Bezirksregionen) the centre's numbers would print over each other. The register
    at the end names every area; the HTML's interactive map names each on hover."""
    ax.apply_aspect()
    renderer = map_key.renderer(ax.figure)
    kept: list = []
    for label in sorted(labels, key=lambda t: -sizes.get(t.get_text(), 0.0)):
        box = label.get_window_extent(renderer).expanded(1.15, 1.3)
        if any(box.overlaps(other) for other in kept):
            label.remove()
        else:
            kept.append(box)


def _scale_bar(ax, length_m: int = 2000) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    height = 0.008 * (y1 - y0)
    for i in range(2):
        ax.add_patch(Rectangle((x + i * length_m / 2, y), length_m / 2, height,
                               facecolor="black" if i == 0 else "white", edgecolor="black", lw=0.6))
    ax.text(x, y + 2.2 * height, "0", fontsize=7, ha="center")
    ax.text(x + length_m, y + 2.2 * height, f"{length_m // 1000} km", fontsize=7, ha="center")


def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.95, 0.97), xytext=(0.95, 0.88), xycoords="axes fraction", ha="center", va="center",
                fontsize=9, fontweight="bold", arrowprops=dict(arrowstyle="-|>", color="black", lw=1.2))


def _merge(vals: pd.DataFrame, level: str, column: str = "value") -> gpd.GeoDataFrame:
    keep = ["area_code", column] + (["synthetic"] if "synthetic" in vals.columns else [])
    return areas.boundaries(level).merge(vals[keep], left_on="code", right_on="area_code", how="left")


def _legend(fig: Figure, entries: list[tuple], title: str, missing: int, level: str, y: float = 0.9,
            missing_label: str = MISSING_LABEL):
    handles = [Patch(facecolor=c, edgecolor="#666666", lw=0.3, label=lab) for c, lab in entries]
    if missing:
        handles.append(Patch(**MISSING_STYLE, label=f"{missing_label} ({missing})"))
    outline = _outline(level)
    if outline is not None:
        handles.append(Patch(facecolor="none", edgecolor="#222222", lw=1.2, label=f"Grenzen der {outline.plural}"))
    return fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.66, y), frameon=False, fontsize=8,
                      title=title, title_fontsize=8, alignment="left")


def _key(fig: Figure, legend, level: str, labels: str | None) -> list[str]:
    """The number -> name key of a map labelled with numbers, below its legend (or beside the figure).

    Print has no hover: without the key a reader of the PDF sees "61" and cannot tell it is Coerde.
    Returns the key's lines (empty for a map without numbers)."""
    numbered = len(_label_points(level))
    if labels != "code" or numbered > MAX_LABELS:
        return []
    renderer = map_key.renderer(fig)
    dpi, (width, height) = fig.dpi, fig.get_size_inches()
    top = legend.get_window_extent(renderer).y0 / dpi - 1.5 * map_key.GAP
    if numbered > map_key.MAX_ENTRIES:  # the register at the end names them (the base level's only)
        return map_key.register_note(fig, 0.66 * width + 0.07, top) if level == levels.base() else []
    footers = [t.get_window_extent(renderer).y1 / dpi for t in fig.texts if t.get_position()[1] < 0.3]
    bottom = max([0.08 * height, *footers]) + map_key.GAP
    plural = levels.hierarchy().level(level).plural
    return map_key.draw(fig, map_key.number_key(level), f"Nummern der {plural}", 0.66 * width + 0.07, top, bottom)


def _single(title: str, source: str, synthetic: bool, level: str | None = None) -> tuple[Figure, object]:
    fig = Figure(figsize=(8, 7.2), dpi=DPI)
    fig.set_label(MAP_LABEL)
    ax = fig.add_axes((0.0, 0.08, 0.66, 0.84))
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    footer(fig, f"{source}. {geometry_source(level)}", synthetic)
    return fig, ax


def _is_synthetic(gdf: gpd.GeoDataFrame) -> bool:
    return "synthetic" in gdf.columns and bool(gdf["synthetic"].astype("boolean").fillna(False).any())


def choropleth(vals: pd.DataFrame, title: str, unit: str, source: str, scheme: str = "quantiles", k: int = 5,
               bins: Sequence[float] | None = None, decimals: int = 1, cmap: str = "YlGnBu",
               labels: str | None = "code", level: str | None = None, synthetic: bool | None = None) -> Figure:
    """Map of one value per area of `level` (default: base; `vals`: area_code, value[, synthetic]; one year).

    `bins` fixes the class bounds (e.g. from `shared_bins`) so maps of several years compare.
    """
    level = _level(level)
    gdf = _merge(vals, level)
    values = gdf["value"].astype("Float64")
    missing = values.isna().to_numpy()
    fig, ax = _single(title, source, _is_synthetic(gdf) if synthetic is None else synthetic, level)
    if (~missing).any():
        cls = classes_for(values, unit, scheme, k, bins, decimals, cmap)
        fill = [cls.colours[c] if c >= 0 else None for c in cls.yb]
        entries, legend_title = list(zip(cls.colours, cls.labels)), cls.title
    else:
        fill, entries, legend_title = [None] * len(gdf), [], "Klassen"
    _draw(ax, gdf, fill, missing, labels, level)
    _scale_bar(ax)
    _north_arrow(ax)
    _key(fig, _legend(fig, entries, legend_title, int(missing.sum()), level), level, labels)
    return fig


def _nice_step(max_abs: float, classes_per_side: int) -> float:
    raw = max_abs / classes_per_side if max_abs > 0 else 1.0
    magnitude = 10 ** np.floor(np.log10(raw))
    return float(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw - 1e-12))


def diverging_bins(differences: pd.Series, classes_per_side: int = 3) -> list[float]:
    """Symmetric class bounds around zero (…, −s, 0, s, …) with a round step s."""
    max_abs = float(differences.dropna().abs().max() or 0.0)
    step = _nice_step(max_abs, classes_per_side)
    return [step * i for i in range(-classes_per_side + 1, classes_per_side + 1)]


def change_map(before: pd.DataFrame, after: pd.DataFrame, title: str, source: str, year_before: int,
               year_after: int, unit: str = "%", decimals: int = 1, labels: str | None = "code",
               level: str | None = None, classes_per_side: int = 3) -> Figure:
    """Change between two years per area (percentage points for shares) on a scale centred on zero.

    Red = increase, blue = decrease; the colour says nothing about better or worse. An area
    missing in either year is hatched.
    """
    level = _level(level)
    a = before.set_index("area_code")["value"].astype("Float64")
    b = after.set_index("area_code")["value"].astype("Float64")
    diff = (b - a).rename("value").reset_index()
    diff["synthetic"] = bool(before.get("synthetic", pd.Series([False])).any() or
                             after.get("synthetic", pd.Series([False])).any())
    gdf = _merge(diff, level)
    values = gdf["value"].astype("Float64")
    missing = values.isna().to_numpy()
    change_unit = "Prozentpunkte" if unit == "%" else unit
    fig, ax = _single(title, source, _is_synthetic(gdf))
    entries = []
    if (~missing).any():
        bins = diverging_bins(values, classes_per_side)
        classifier = mapclassify.UserDefined(values.dropna().astype(float).to_numpy(), bins=bins)
        palette = matplotlib.colormaps["RdBu_r"]
        # Bins run from -(c-1)s to cs and every value lies within ±cs: always 2c classes, c per side.
        cols = [palette(p) for p in np.linspace(0.08, 0.92, classifier.k)]
        yb = np.full(len(gdf), -1)
        yb[~missing] = classifier.yb
        fill = [cols[c] if c >= 0 else None for c in yb]
        lower = [-np.inf, *classifier.bins[:-1]]
        fmt = lambda v: formatting.number(v, decimals)  # noqa: E731
        for lo, hi, colour, count in zip(lower, classifier.bins, cols, classifier.counts):
            text = f"≤ {fmt(hi)}" if lo == -np.inf else f"über {fmt(lo)} bis {fmt(hi)}"
            entries.append((colour, f"{text} ({count})"))
    else:
        fill = [None] * len(gdf)
    _draw(ax, gdf, fill, missing, labels, level)
    _scale_bar(ax)
    _north_arrow(ax)
    legend = _legend(fig, entries, f"Veränderung {year_before}–{year_after}\nin {change_unit} (Zahl der Gebiete)",
                     int(missing.sum()), level)
    _key(fig, legend, level, labels)
    return fig


def small_multiples(vals: pd.DataFrame, years: Sequence[int], title: str, unit: str, source: str,
                    scheme: str = "quantiles", k: int = 5, decimals: int = 1, cmap: str = "YlGnBu",
                    level: str | None = None, ncols: int = 3) -> Figure:
    """One small map per year on one shared scale (class bounds from all shown years pooled)."""
    level = _level(level)
    years = [y for y in years if vals.loc[vals["year"] == y, "value"].notna().any()]
    if not years:
        raise MapError("Für keines der gewünschten Jahre liegen Werte vor.")
    bins = shared_bins([vals.loc[vals["year"] == y, "value"] for y in years], scheme, k)
    nrows = int(np.ceil(len(years) / ncols))
    fig = Figure(figsize=(8, 2.0 * nrows + 1.1), dpi=DPI)
    fig.set_label(MAP_LABEL)
    width = 0.66 / ncols
    height = (1 - 1.1 / (2.0 * nrows + 1.1)) / nrows
    missing_total, cls = 0, None
    for i, year in enumerate(years):
        gdf = _merge(vals[vals["year"] == year], level)
        values = gdf["value"].astype("Float64")
        missing = values.isna().to_numpy()
        cls = classes_for(values, unit, scheme, k, bins, decimals, cmap)
        ax = fig.add_axes((width * (i % ncols), 0.5 / fig.get_figheight() + height * (nrows - 1 - i // ncols), width, height * 0.9))
        _draw(ax, gdf, [cls.colours[c] if c >= 0 else None for c in cls.yb], missing, None, level)
        ax.set_title(str(year), fontsize=9)
        missing_total = max(missing_total, int(missing.sum()))
    # Legend: the shared bounds (counts differ per year, so they are left out).
    shared = [lab.rsplit(" (", 1)[0] for lab in cls.labels]
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    _legend(fig, list(zip(cls.colours, shared)), f"Klassen für alle Jahre gleich\n({SCHEME_NAMES['user']})",
            missing_total, level, y=0.92)
    footer(fig, f"{source}. {geometry_source()}", bool(vals.get("synthetic", pd.Series([False])).any()))
    return fig


def category_map(categories: pd.Series, palette: dict[str, object], title: str, source: str,
                 legend_title: str, synthetic: bool = False, labels: str | None = "code",
                 level: str | None = None, missing_label: str = MISSING_LABEL) -> Figure:
    """Areas coloured by a category (e.g. LISA clusters, social-space groups); order of `palette` = legend order."""
    level = _level(level)
    unknown = set(categories.dropna()) - set(palette)
    if unknown:
        raise MapError(f"Kategorien ohne Farbe: {', '.join(sorted(map(str, unknown)))}.")
    gdf = areas.boundaries(level)
    cat = gdf["code"].map(categories)
    missing = cat.isna().to_numpy()
    fill = [palette[c] if isinstance(c, str) else None for c in cat]
    fig, ax = _single(title, source, synthetic)
    _draw(ax, gdf, fill, missing, labels, level)
    _scale_bar(ax)
    _north_arrow(ax)
    counts = cat.value_counts()
    entries = [(colour, f"{name} ({int(counts.get(name, 0))})") for name, colour in palette.items()]
    _key(fig, _legend(fig, entries, legend_title, int(missing.sum()), level, missing_label=missing_label), level, labels)
    return fig
