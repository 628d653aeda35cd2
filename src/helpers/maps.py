"""Stadtteil choropleth maps: classed colours, Stadtbezirk outlines, numbers, legend, source.

No web tiles: everything is drawn from the committed boundaries (EPSG:25832, metres), so
the scale bar is exact and the report opens offline. Missing and suppressed areas are
hatched grey and explained in the legend, never given a class colour.
"""

from __future__ import annotations

import mapclassify
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from helpers import data, formatting
from helpers.figures import DPI, footer

SCHEMES = {"quantiles": mapclassify.Quantiles, "fisher_jenks": mapclassify.FisherJenks,
           "equal_interval": mapclassify.EqualInterval}
MISSING_STYLE = dict(facecolor="#eeeeee", edgecolor="#999999", hatch="////", linewidth=0.3)


def classify(values: pd.Series, scheme: str = "quantiles", k: int = 5, bins: list[float] | None = None):
    """mapclassify classifier over the non-missing values (user-defined bins if given)."""
    valid = values.dropna().astype(float).to_numpy()
    if bins is not None:
        return mapclassify.UserDefined(valid, bins=bins)
    k = max(1, min(k, len(np.unique(valid))))
    return SCHEMES[scheme](valid, k=k)


def _legend_labels(classifier, unit: str, decimals: int) -> list[str]:
    lower = [classifier.y.min(), *classifier.bins[:-1]]
    labels = []
    for lo, hi, n in zip(lower, classifier.bins, classifier.counts):
        labels.append(f"{formatting.number(lo, decimals)} – {formatting.number(hi, decimals)}{formatting.NBSP}{unit} ({n})")
    return labels


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


def choropleth(vals: pd.DataFrame, title: str, unit: str, source: str, scheme: str = "quantiles", k: int = 5,
               bins: list[float] | None = None, decimals: int = 1, cmap: str = "YlGnBu",
               labels: str = "code") -> Figure:
    """Map of one value per Stadtteil (`vals`: area_code, value, synthetic; one year)."""
    gdf = data.boundaries("stadtteil").merge(vals[["area_code", "value", "synthetic"]], left_on="code",
                                             right_on="area_code", how="left")
    values = gdf["value"].astype("Float64")
    fig = Figure(figsize=(8, 7.2), dpi=DPI)
    ax = fig.add_axes((0.0, 0.08, 0.66, 0.84))
    ax.set_axis_off()
    ax.set_aspect("equal")
    handles = []
    missing = values.isna().to_numpy()
    if (~missing).any():
        classifier = classify(values, scheme, k, bins)
        colours = matplotlib_colours(cmap, classifier.k)
        yb = np.full(len(gdf), -1)
        yb[~missing] = classifier.yb
        for cls in range(classifier.k):
            part = gdf[yb == cls]
            if len(part):
                part.plot(ax=ax, color=colours[cls], edgecolor="white", linewidth=0.5)
        handles += [Patch(facecolor=c, edgecolor="#666666", lw=0.3, label=lab)
                    for c, lab in zip(colours, _legend_labels(classifier, unit, decimals))]
    if missing.any():
        gdf[missing].plot(ax=ax, **MISSING_STYLE)
        handles.append(Patch(**MISSING_STYLE, label=f"keine Angabe / geheim (.) ({int(missing.sum())})"))
    data.boundaries("stadtbezirk").boundary.plot(ax=ax, color="#222222", linewidth=1.4)
    if labels:
        dark = {i for i, c in enumerate(colours) if _luminance(c) < 0.45} if (~missing).any() else set()
        for i, row in gdf.iterrows():
            point = row.geometry.representative_point()
            text = row["code"] if labels == "code" else row["name"]
            colour = "white" if not missing[i] and yb[i] in dark else "#111111"
            ax.annotate(text, (point.x, point.y), ha="center", va="center", fontsize=6, color=colour)
    _scale_bar(ax)
    _north_arrow(ax)
    handles.append(Patch(facecolor="none", edgecolor="#222222", lw=1.4, label="Stadtbezirksgrenze"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.66, 0.9), frameon=False, fontsize=8,
               title=f"Klassen ({SCHEME_NAMES.get(scheme, 'benutzerdefiniert') if bins is None else 'benutzerdefiniert'}),\nin Klammern: Zahl der Stadtteile",
               title_fontsize=8, alignment="left")
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    footer(fig, source + ". Geometrie: Stadt Münster, Statistische Gebietsgliederung",
           bool(gdf["synthetic"].fillna(False).astype(bool).any()))
    return fig


SCHEME_NAMES = {"quantiles": "Quantile", "fisher_jenks": "Fisher-Jenks", "equal_interval": "gleiche Intervalle"}


def _luminance(rgba) -> float:
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def matplotlib_colours(cmap: str, k: int) -> list:
    import matplotlib

    colormap = matplotlib.colormaps[cmap]
    return [colormap(x) for x in np.linspace(0.15, 0.95, k)]
