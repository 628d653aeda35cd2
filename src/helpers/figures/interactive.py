"""Interactive twins of the base-level maps: Vega-Lite specs and the areas' GeoJSON.

A spec holds only disclosed values, one row per area and year of the look back, in its named dataset
`werte` (keys `code`, `jahr`, `wert`, `zeichen`: a suppressed or missing value is null with its official
symbol). It draws the areas of the named dataset `gebiete`, which is not in the spec: the report carries the
GeoJSON once per page (helpers.publish.interactive) and hands it to every map when it embeds it. Colours and
class bounds are the static map's (helpers.figures.maps), so the interactive map and the printed one agree;
a year control (a labelled form element) shows the other years on that one scale, a tooltip names area,
value with unit or symbol, year and the demo-data mark, and a click opens the area's profile
(`profile/<code>.html` beside the report).

The specs are written as the dictionaries Altair's `to_dict` makes of the same charts, key for key: a test
builds each with Altair and validates it against the Vega-Lite schema (tests/test_interactive.py), while a
build does without Altair (its import and chart objects cost a clean Münster build about 4 CPU seconds in the
kernels; the report's bytes are the same).

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"area_code": ["11", "12"], "year": [2019, 2019], "value": [12.3456, None],
    ...                      "flag": ["", "."]})
    >>> spec_rows(rows)
    [{'code': '11', 'jahr': 2019, 'wert': 12.3, 'zeichen': ''}, {'code': '12', 'jahr': 2019, 'wert': None, 'zeichen': '.'}]
"""

from __future__ import annotations

import html
import json
import textwrap
from collections.abc import Sequence
from functools import lru_cache

import matplotlib.colors
import numpy as np
import pandas as pd
import shapely

from helpers.core import areas, formatting, paths
from helpers.disclosure import embedded
from helpers.disclosure.disclosed import DECIMALS

# helpers.figures.maps and .charts (mapclassify, scikit-learn, SciPy, seaborn) are imported where a spec is built, in a
# chapter's kernel: the run's main process needs only this module's names and the areas' GeoJSON (stitching, the
# embedded-number check), and importing them there cost a clean Münster build about 2 CPU seconds.

#: The named datasets of a spec: the disclosed values (in the spec, read by the disclosure checker as
#: helpers.disclosure.embedded says) and the areas (injected by the page).
VALUES, AREAS = embedded.VALUES, "gebiete"
#: The class of the <script> that carries a spec in the report (the checker finds the specs by it).
SPEC_CLASS = embedded.SPEC_CLASS
#: Where a spec keeps its "change since" view (a second spec without data of its own, helpers.publish.interactive
#: draws it on the same dataset when the reader chooses it).
CHANGE = embedded.CHANGE
#: The class of the element an interactive map is drawn into.
VIEW_CLASS = "im-interaktiv"
#: The id of the <script> that carries the base level's GeoJSON, once per page (another level's: `areas_id`).
AREAS_ID = "im-gebiete"
#: The profile page of an area, relative to report.html.
PROFILE = paths.PROFILES + "/{code}.html"
#: Simplification of the boundaries for the browser (metres, EPSG:25832), and their rounding (whole metres).
TOLERANCE_M = 15.0
MISSING_COLOUR = "#e3e3e3"


def spec_rows(values: pd.DataFrame, bins: Sequence[float] | None = None) -> list[dict]:
    """The disclosed cells as the spec's `werte` rows: value rounded as published, null with its symbol, and
    with `bins` the static map's class of the unrounded value (`klasse`, see `classes`)."""
    rows = []
    value = values["value"].astype("Float64")
    klasse = classes(value, bins) if bins is not None else [None] * len(values)
    for code, year, v, flag, k in zip(values["area_code"].astype(str), values["year"].astype(int), value,
                                      values["flag"].fillna("").astype(str), klasse):
        missing = pd.isna(v)
        row = {"code": code, "jahr": int(year), "wert": None if missing else round(float(v), DECIMALS),
               "zeichen": (flag or ".") if missing else flag}
        if bins is not None:
            row["klasse"] = k
        rows.append(row)
    return rows


def _hex(colour) -> str:
    return matplotlib.colors.to_hex(colour)


def class_labels(bins: Sequence[float], unit: str, decimals: int) -> list[str]:
    """Open-ended labels of the static map's classes ("bis 15,8 %", "über 15,8 bis 17,9 %", …, "über 26,8 %"):
    other years of the look back may lie beyond the report year's lowest and highest value."""
    fmt = lambda v: formatting.number(v, decimals) + (f"{formatting.NBSP}{unit}" if unit else "")  # noqa: E731
    inner = [f"über {formatting.number(lo, decimals)} bis {fmt(hi)}" for lo, hi in zip(bins[:-2], bins[1:-1])]
    return [f"bis {fmt(bins[0])}", *inner, f"über {fmt(bins[-2])}"] if len(bins) > 1 else [f"alle Werte ({unit})"]


def classes(values: pd.Series, bins: Sequence[float]) -> list[int | None]:
    """The static map's class of each value (upper bounds inclusive, as mapclassify classes them; beyond the
    highest bound: the highest class), None where the value is missing or suppressed."""
    upper = np.asarray(bins[:-1], dtype=float)
    return [None if pd.isna(v) else int(np.searchsorted(upper, float(v), side="left")) for v in values]


def _tooltip(field: str, title: str, kind: str = "nominal") -> dict:
    """One tooltip channel entry, as Altair writes `alt.Tooltip("field:N", title=...)`."""
    return {"field": field, "title": title, "type": kind}


def _year_param(year: int, years: Sequence[int]) -> dict:
    """The year control: a slider over contiguous years, else a select of the years with values."""
    years = [int(y) for y in years]
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 1:
        bind = {"input": "range", "max": years[-1], "min": years[0], "name": "Jahr ", "step": 1}
    else:
        bind = {"input": "select", "options": years, "name": "Jahr "}
    return {"name": "jahr", "bind": bind, "value": int(year)}


def _geoshape(description: str, color: dict, tooltip: list[dict], params: list[dict], title: str,
              synthetic: bool, profiles: bool, transforms: list[dict]) -> dict:
    """A geoshape chart of the areas in `werte`, coloured by `klasse_text` (`color`: title, scale domain and
    range), as Altair's `to_dict` writes it; `profiles`: a click opens the area's profile (its link is computed
    in `transforms`)."""
    from helpers.figures.charts import SYNTHETIC_MARK

    encoding = {
        "color": {"field": "klasse_text",
                  "legend": {"direction": "vertical", "labelLimit": 240, "orient": "bottom", "symbolType": "square",
                             "titleLimit": 240},
                  "scale": {"domain": color["domain"], "range": color["range"]}, "title": color["title"],
                  "type": "nominal"},
        "description": {"field": "beschreibung", "type": "nominal"},
    }
    if profiles:
        transforms.append({"calculate": f"'{PROFILE.split('{')[0]}' + datum.code + '.html'", "as": "profil"})
        encoding["href"] = {"field": "profil", "type": "nominal"}
    encoding["shape"] = {"field": "geo", "type": "geojson"}
    encoding["tooltip"] = tooltip
    return {
        "config": {"view": {"continuousWidth": 300, "continuousHeight": 300}},
        "data": {"name": VALUES},
        "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.6},
        "description": description,
        "encoding": encoding,
        "height": 360,
        "params": params,
        "projection": {"reflectY": True, "type": "identity"},
        "title": {"text": textwrap.wrap(title, 40), "anchor": "start", "fontSize": 13,
                  "subtitle": SYNTHETIC_MARK if synthetic else ""},
        "width": "container",
        "transform": transforms,
    }


def map_spec(values: pd.DataFrame, year: int, title: str, description: str, unit: str, value_title: str,
             bins: Sequence[float], colours: Sequence, synthetic: bool, area_title: str,
             decimals: int = DECIMALS, profiles: bool = True) -> dict:
    """The Vega-Lite spec of one interactive map.

    `values`: disclosed base-level cells of every year the control offers (area_code, year, value, flag);
    `bins`, `colours`: the static map's class bounds and colours; `description`: the map's alternative text;
    `profiles`: whether the areas have profiles a click opens (the base level's; a level beside it has none).
    """
    from helpers.figures import maps
    from helpers.figures.charts import SYNTHETIC_MARK

    years = sorted(int(y) for y in values["year"].unique())
    labels = class_labels(bins, unit, decimals)
    value_text = (f"datum.wert == null ? datum.zeichen : format(datum.wert, ',.{decimals}f')"
                  + (f" + '{formatting.NBSP}{unit}'" if unit else ""))
    tooltip = [_tooltip("gebiet", area_title), _tooltip("wert_text", value_title), _tooltip("jahr", "Jahr", "ordinal")]
    transforms = [
        {"filter": "datum.jahr == jahr"},
        {"lookup": "code", "from": {"data": {"name": AREAS}, "key": "properties.code"}, "as": "geo"},
        {"calculate": "datum.geo.properties.name", "as": "gebiet"},
        {"calculate": value_text, "as": "wert_text"},
        {"calculate": f"datum.klasse == null ? {json.dumps(maps.MISSING_LABEL, ensure_ascii=False)} : "
                      f"{json.dumps(labels, ensure_ascii=False)}[datum.klasse]", "as": "klasse_text"},
    ]
    said = "datum.gebiet + ': ' + datum.wert_text + ', ' + datum.jahr"
    if synthetic:
        tooltip.append(_tooltip("hinweis", "Hinweis"))
        transforms.append({"calculate": json.dumps(SYNTHETIC_MARK, ensure_ascii=False), "as": "hinweis"})
        said += " + ' (' + datum.hinweis + ')'"
    transforms.append({"calculate": said, "as": "beschreibung"})  # what a screen reader says of an area
    color = {"title": f"Klassen der Karte {year}", "domain": [*labels, maps.MISSING_LABEL],
             "range": [*(_hex(c) for c in colours), MISSING_COLOUR]}
    spec = _geoshape(description, color, tooltip, [_year_param(year, years)], title, synthetic, profiles, transforms)
    spec["datasets"] = {VALUES: spec_rows(values, bins)}
    if len(years) > 1:
        spec["usermeta"] = {CHANGE: change_spec(values, year, years, title, unit, value_title, synthetic,
                                                area_title, decimals, profiles)}
    return spec


def change_unit(unit: str) -> str:
    """The unit of a difference, as the static change map names it: percentage points for shares."""
    return "Prozentpunkte" if unit == "%" else unit


def change_bins(values: pd.DataFrame, classes_per_side: int = 3) -> list[float]:
    """The static change map's kind of classes (helpers.figures.maps.diverging_bins: symmetric around zero, a
    round step) wide enough for the change between any two years of the control, so that every choice of
    years is coloured on one scale. From the published (rounded) values only, as the browser subtracts them."""
    from helpers.figures import maps

    shown = values.assign(value=values["value"].astype("Float64").round(DECIMALS))
    spread = shown.groupby("area_code")["value"].agg(lambda v: v.max() - v.min() if v.notna().any() else pd.NA)
    return maps.diverging_bins(pd.to_numeric(spread, errors="coerce"), classes_per_side)


def change_labels(bins: Sequence[float], unit: str, decimals: int) -> list[str]:
    """The static change map's legend labels ("≤ −2,0", "über −2,0 bis 0,0", …) with the unit of a difference."""
    fmt = lambda v: formatting.number(v, decimals)  # noqa: E731
    suffix = f"{formatting.NBSP}{change_unit(unit)}" if unit else ""
    return [f"≤ {fmt(bins[0])}{suffix}", *(f"über {fmt(lo)} bis {fmt(hi)}{suffix}" for lo, hi in zip(bins, bins[1:]))]


def change_spec(values: pd.DataFrame, year: int, years: Sequence[int], title: str, unit: str, value_title: str,
                synthetic: bool, area_title: str, decimals: int = DECIMALS, profiles: bool = True) -> dict:
    """The "change since" view of an interactive map: the difference between an earlier year (`seit`, a labelled
    select) and the year shown (`jahr`), on a diverging scale centred on zero (the static change map's colours
    and kind of classes, helpers.figures.maps.change_map).

    It embeds no number of its own: the browser subtracts the published values of the map's dataset `werte`
    (rounded as published; Vega transforms, the page hands it the dataset). A difference where either year is
    secret or missing is no number but that year's symbol; an earlier year not before the year shown gives `x`.
    """
    from helpers.figures import maps
    from helpers.figures.charts import SYNTHETIC_MARK

    bins = change_bins(values)
    labels = change_labels(bins, unit, decimals)
    palette = matplotlib.colormaps["RdBu_r"]
    colours = [_hex(palette(p)) for p in np.linspace(0.08, 0.92, len(labels))]
    with_unit = (f" + '{formatting.NBSP}{unit}'" if unit else "")
    diff_unit = (f" + '{formatting.NBSP}{change_unit(unit)}'" if unit else "")
    scale = 10 ** decimals
    klasse = " + ".join(f"(datum.differenz > {b!r})" for b in bins[:-1])
    missing = json.dumps(maps.MISSING_LABEL, ensure_ascii=False)
    transforms = [
        {"filter": "datum.jahr == jahr || datum.jahr == seit"},
        *({"calculate": f"datum.jahr == {which} ? datum.{field} : null", "as": f"{field}_{which}"}
          for which in ("seit", "jahr") for field in ("wert", "zeichen")),
        {"aggregate": [{"op": "max", "field": f"{field}_{which}", "as": f"{field}_{which}"}
                       for which in ("seit", "jahr") for field in ("wert", "zeichen")], "groupby": ["code"]},
        {"calculate": f"seit >= jahr || datum.wert_seit == null || datum.wert_jahr == null ? null : "
                      f"round((datum.wert_jahr - datum.wert_seit) * {scale}) / {scale} + 0", "as": "differenz"},
        {"calculate": "seit >= jahr ? 'x' : datum.wert_jahr == null ? (datum.zeichen_jahr || '.') : "
                      "datum.wert_seit == null ? (datum.zeichen_seit || '.') : ''", "as": "zeichen"},
        {"lookup": "code", "from": {"data": {"name": AREAS}, "key": "properties.code"}, "as": "geo"},
        {"calculate": "datum.geo.properties.name", "as": "gebiet"},
        *({"calculate": f"(datum.wert_{which} == null ? (datum.zeichen_{which} || '.') : "
                        f"format(datum.wert_{which}, ',.{decimals}f'){with_unit}) + ' (' + {which} + ')'",
           "as": f"text_{which}"} for which in ("seit", "jahr")),
        {"calculate": f"datum.differenz == null ? datum.zeichen : format(datum.differenz, '+,.{decimals}f'){diff_unit}",
         "as": "differenz_text"},
        {"calculate": f"datum.differenz == null ? {missing} : {json.dumps(labels, ensure_ascii=False)}[{klasse}]",
         "as": "klasse_text"},
    ]
    said = "datum.gebiet + ': Veränderung ' + seit + '–' + jahr + ' ' + datum.differenz_text"
    tooltip = [_tooltip("gebiet", area_title), _tooltip("text_seit", f"{value_title}, früher"),
               _tooltip("text_jahr", f"{value_title}, gezeigtes Jahr"), _tooltip("differenz_text", "Veränderung")]
    if synthetic:
        tooltip.append(_tooltip("hinweis", "Hinweis"))
        transforms.append({"calculate": json.dumps(SYNTHETIC_MARK, ensure_ascii=False), "as": "hinweis"})
        said += " + ' (' + datum.hinweis + ')'"
    transforms.append({"calculate": said, "as": "beschreibung"})
    earlier = [int(y) for y in years[:-1]]
    seit = {"name": "seit", "bind": {"input": "select", "options": earlier, "name": "Veränderung seit "},
            "value": earlier[0]}
    change_title = title.replace(" (interaktiv)", "") + ": Veränderung seit einem früheren Jahr (interaktiv)"
    color = {"title": f"Veränderung ({change_unit(unit)})" if unit else "Veränderung",
             "domain": [*labels, maps.MISSING_LABEL], "range": [*colours, MISSING_COLOUR]}
    description = (f"Karte: {change_title}. Rot: Zunahme, Blau: Abnahme; die Farbe sagt nichts über besser "
                   "oder schlechter. Die Tabelle unter der Karte nennt jeden Wert.")
    return _geoshape(description, color, tooltip, [_year_param(year, years), seit], change_title, synthetic,
                     profiles, transforms)


def spec_html(spec: dict, key: str, indicator: str, level: str, group: str, source: str = "", unit: str = "") -> str:
    """The element the page draws the map into (and its source line) and the spec beside it (JSON in a
    <script> the browser does not run); `data-*` name the cells for the disclosure checker (indicator, level,
    group). Without JavaScript, and in print, the static map stands instead (helpers.publish.interactive)."""
    payload = json.dumps(spec, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    attrs = (f'data-indikator="{html.escape(indicator)}" data-ebene="{html.escape(level)}" '
             f'data-gruppe="{html.escape(group)}"')
    # No text of its own: the page writes the source line from `data-quelle` when it draws the map, so the
    # chapter's visible text (and the manifest's fingerprints of its numbers) stay those of the static map.
    box = (f'<div class="{VIEW_CLASS}" data-spec="{html.escape(key)}" data-einheit="{html.escape(unit)}" '
           f'data-ebene="{html.escape(level)}" data-quelle="{html.escape(source)}">')
    return (f'{box}<div class="im-ansicht"></div></div>'
            f'<script type="application/json" class="{SPEC_CLASS}" id="{html.escape(key)}" {attrs}>{payload}</script>')


def areas_id(level: str, base: str) -> str:
    """The id of the <script> with the boundaries of `level` (each level its own: one boundary set per map)."""
    return AREAS_ID if level == base else f"{AREAS_ID}-{level}"


@lru_cache(maxsize=4)
def area_geojson(level: str | None = None, tolerance: float = TOLERANCE_M) -> str:
    """The areas of `level` (default: base) as compact GeoJSON: simplified, coordinates in whole metres of
    EPSG:25832 (the maps draw them with Vega's identity projection), properties `code` and `name` only."""
    gdf = areas.boundaries(level)
    geometry = shapely.set_precision(gdf.geometry.simplify(tolerance, preserve_topology=True).values, 1.0)
    features = [{"type": "Feature", "properties": {"code": str(code), "name": str(name)},
                 "geometry": json.loads(shapely.to_geojson(shape))}
                for code, name, shape in zip(gdf["code"], gdf["name"], geometry)]
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
    return text.replace(".0,", ",").replace(".0]", "]").replace("</", "<\\/")
