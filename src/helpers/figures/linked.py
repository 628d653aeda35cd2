"""The correlation chapter's linked view: a scatter and a map of the base areas, one Vega-Lite spec.

The reader chooses two series (an indicator in a group) from labelled lists that the page writes
(helpers.publish.linked); the spec holds only published values, one row per area and series in its named
dataset `werte` (keys `code`, `jahr`, `wert`, `zeichen`, `indikator`, `gruppe`: a suppressed or missing value
is null with its official symbol), and in `paare` the Pearson r and n of the pairs the chapter computed, as
its table of pairs shows them (r to two decimals). Both are read back by the disclosure checker
(helpers.disclosure.embedded). The areas come from the page's GeoJSON (helpers.figures.interactive.AREAS),
as for the interactive maps.

The page may offer further series beside the chapter's: every other published series of the base areas in the
view's year, in ONE further block beside the spec (`more_html`: the same `werte` rows, read by the checker the same
way, and the series' labels and topics under `reihen`, text only); helpers.publish.linked writes it from the
exported indicator table, and the page's script merges its rows into the spec's `werte`.

The spec's parameters `xwahl` and `ywahl` (the chosen series' keys), `markiert` (the area selected in either
view or in the list) and `zeige` (the area under the pointer) are set by the page's script; both views
highlight the area either names.

    >>> import pandas as pd
    >>> cells = pd.DataFrame({"indicator": ["a", "a"], "group": ["total", "foreign"], "area_code": ["11", "11"],
    ...                       "year": [2014, 2014], "value": [12.345, None], "flag": ["", "."]})
    >>> [(r["wert"], r["zeichen"], r["gruppe"]) for r in value_rows(cells)]
    [(12.3, '', 'total'), (None, '.', 'foreign')]
"""

from __future__ import annotations

import html
import json

import pandas as pd

from helpers.core import model
from helpers.disclosure import embedded
from helpers.disclosure.disclosed import DECIMALS
from helpers.figures import interactive

#: The named datasets of the spec: published values (checked), the chapter's pairs (checked), the areas (page).
VALUES, PAIRS, AREAS = embedded.VALUES, embedded.PAIRS, interactive.AREAS
#: The class of the element the linked view is drawn into (not the maps' class: the maps' script skips it).
VIEW_CLASS = "im-zusammenhang"
#: The id of a view's spec begins with this (then the level and the year: `view_key`).
KEY_PREFIX = "im-zusammenhang-"
#: The further series' block has the view's id with this suffix (`more_html`), so the page's script finds it.
MORE_SUFFIX = "-weitere"
#: The key of the further block's series (key, German label, topic): text only, no number.
SERIES = "reihen"
#: Decimals of r as the table of pairs shows it.
R_DECIMALS = 2
POINT, MARKED, LINE = "#2c7fb8", "#d7301f", "#222222"


def value_rows(cells: pd.DataFrame) -> list[dict]:
    """Published cells (indicator, group, area_code, year, value, flag) as the spec's `werte` rows: the value
    rounded as published, null with its symbol where it is suppressed or missing."""
    rows = []
    value = cells["value"].astype("Float64")
    for ind, group, code, year, v, flag in zip(cells["indicator"], cells["group"], cells["area_code"].astype(str),
                                               cells["year"].astype(int), value, cells["flag"].fillna("").astype(str)):
        missing = pd.isna(v)
        rows.append({"code": code, "jahr": int(year), "wert": None if missing else round(float(v), DECIMALS),
                     "zeichen": (flag or ".") if missing else flag, "indikator": str(ind), "gruppe": str(group)})
    return rows


def pair_rows(pairs: pd.DataFrame) -> list[dict]:
    """The chapter's Pearson pairs (key_a, key_b, r, n) as `paare` rows, r rounded as the table shows it."""
    return [{"a": str(a), "b": str(b), "r": None if pd.isna(r) else round(float(r), R_DECIMALS), "n": int(n)}
            for a, b, r, n in zip(pairs["key_a"], pairs["key_b"], pairs["r"], pairs["n"])]


def _series_transforms() -> list[dict]:
    """From the long rows to one row per area with the chosen series' values `x` and `y` (null: left out) and
    the area's name; `valid` counts keep a suppressed value null (a sum of nothing would be 0)."""
    key = "datum.gruppe === 'total' ? datum.indikator : datum.indikator + ':' + datum.gruppe"
    return [
        {"calculate": key, "as": "reihe"},
        {"filter": "datum.reihe === xwahl || datum.reihe === ywahl"},
        {"calculate": "datum.reihe === xwahl ? datum.wert : null", "as": "xv"},
        {"calculate": "datum.reihe === ywahl ? datum.wert : null", "as": "yv"},
        {"aggregate": [{"op": "sum", "field": "xv", "as": "xs"}, {"op": "valid", "field": "xv", "as": "xn"},
                       {"op": "sum", "field": "yv", "as": "ys"}, {"op": "valid", "field": "yv", "as": "yn"}],
         "groupby": ["code"]},
        {"calculate": "datum.xn > 0 ? datum.xs : null", "as": "x"},
        {"calculate": "datum.yn > 0 ? datum.ys : null", "as": "y"},
        {"lookup": "code", "from": {"data": {"name": AREAS}, "key": "properties.code"}, "as": "geo"},
        {"calculate": "datum.geo.properties.name", "as": "gebiet"},
        {"calculate": "isValid(datum.x) ? format(datum.x, ',.1f') : 'kein Wert'", "as": "x_text"},
        {"calculate": "isValid(datum.y) ? format(datum.y, ',.1f') : 'kein Wert'", "as": "y_text"},
        {"calculate": "datum.gebiet + ': ' + xname + ' ' + datum.x_text + ', ' + yname + ' ' + datum.y_text",
         "as": "beschreibung"},
    ]


_MARKED = "datum.code === markiert || datum.code === zeige"


def view_spec(rows: list[dict], pairs: list[dict], first: tuple[str, str], area_title: str,
              description: str) -> dict:
    """The Vega-Lite spec of the linked view: scatter (x against y) beside the map (coloured by y).

    `rows`: `value_rows`; `pairs`: `pair_rows`; `first`: the series shown first (x, y); `description`: what
    a screen reader hears of the whole view."""
    tooltip = [{"field": "gebiet", "type": "nominal", "title": area_title},
               {"field": "x_text", "type": "nominal", "title": "x-Achse"},
               {"field": "y_text", "type": "nominal", "title": "y-Achse"}]
    marked_colour = {"condition": {"test": _MARKED, "value": MARKED}, "value": POINT}
    scatter = {
        "width": "container", "height": 300,
        "transform": [{"filter": "isValid(datum.x) && isValid(datum.y)"}],
        "mark": {"type": "point", "filled": True, "cursor": "pointer"},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "scale": {"zero": False}, "title": None},
            "y": {"field": "y", "type": "quantitative", "scale": {"zero": False}, "title": None},
            "color": marked_colour,
            "size": {"condition": {"test": _MARKED, "value": 180}, "value": 50},
            "opacity": {"condition": {"test": _MARKED, "value": 1}, "value": 0.75},
            "tooltip": tooltip,
            "description": {"field": "beschreibung", "type": "nominal"},
        },
    }
    area_map = {
        "width": "container", "height": 300,
        "projection": {"type": "identity", "reflectY": True},
        "mark": {"type": "geoshape", "cursor": "pointer", "invalid": "show"},
        "encoding": {
            "shape": {"field": "geo", "type": "geojson"},
            "color": {"condition": {"test": "!isValid(datum.y)", "value": interactive.MISSING_COLOUR},
                      "field": "y", "type": "quantitative", "scale": {"scheme": "yellowgreenblue"},
                      "legend": {"title": None, "orient": "bottom", "direction": "horizontal"}},
            "stroke": {"condition": {"test": _MARKED, "value": LINE}, "value": "white"},
            "strokeWidth": {"condition": {"test": _MARKED, "value": 2.5}, "value": 0.6},
            "tooltip": tooltip,
            "description": {"field": "beschreibung", "type": "nominal"},
        },
    }
    return {
        "description": description,
        "params": [{"name": "xwahl", "value": first[0]}, {"name": "ywahl", "value": first[1]},
                   {"name": "xname", "value": ""}, {"name": "yname", "value": ""},
                   {"name": "markiert", "value": ""}, {"name": "zeige", "value": ""}],
        "datasets": {VALUES: rows, PAIRS: pairs},
        "data": {"name": VALUES},
        "transform": _series_transforms(),
        "hconcat": [scatter, area_map],
        "resolve": {"scale": {"color": "independent"}},
        "config": {"view": {"stroke": None}},
    }


def series_label(name: str, unit: str, synthetic: bool = False) -> str:
    """A series' German label as the chapter's scatter axes and the view's lists say it: its name (with the group),
    the unit in brackets, and the demo-data mark for synthetic data (the static figures mark it too).

    >>> series_label("Ausländeranteil – Frauen", "%"), series_label("Kinderarmut", "%", synthetic=True)
    ('Ausländeranteil – Frauen (%)', 'Kinderarmut (%) [Demodaten – synthetisch]')
    """
    return (f"{name} ({unit})" if unit else name) + (f" [{model.SYNTHETIC_MARK}]" if synthetic else "")


def view_key(level: str, year: int) -> str:
    """The id of the view's spec (the further series' block adds MORE_SUFFIX)."""
    return f"{KEY_PREFIX}{level}-{int(year)}"


def series_key(indicator: str, group: str) -> str:
    """A series' key as the lists and `paare` name it: the bare id for the total, else "id:group"."""
    return indicator if group == "total" else f"{indicator}:{group}"


def more_html(key: str, level: str, rows: list[dict], series: list[dict[str, str]]) -> str:
    """The block of further series for the view `key`: `rows` (`value_rows`) under `werte`, and `series`
    (`{"schluessel", "name", "thema"}` in the lists' order) under `reihen`. A <script> the browser does not run,
    with the specs' class and the level, so the disclosure checker reads every value of it like the view's."""
    payload = json.dumps({"datasets": {VALUES: rows}, SERIES: series}, ensure_ascii=False,
                         separators=(",", ":")).replace("</", "<\\/")
    return (f'<script type="application/json" class="{embedded.SPEC_CLASS}" id="{html.escape(key + MORE_SUFFIX)}" '
            f'data-ebene="{html.escape(level)}">{payload}</script>')


def view_html(spec: dict, key: str, level: str, series: dict[str, str], computed_weighting: str,
              source: str = "") -> str:
    """The element the page draws the view into and the spec beside it (JSON in a <script> the browser does
    not run, with the maps' class, so the disclosure checker reads it). `series`: key -> German label, in the
    lists' order; `computed_weighting`: "ungewichtet" or "gewichtet" (the chapter's table of pairs). Without
    JavaScript, and in print, nothing shows: the static scatter plots stand."""
    payload = json.dumps(spec, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    labels = json.dumps(series, ensure_ascii=False).replace("</", "<\\/")
    box = (f'<div class="{VIEW_CLASS}" data-spec="{html.escape(key)}" data-gewichtung="{html.escape(computed_weighting)}" '
           f'data-quelle="{html.escape(source)}" data-reihen="{html.escape(labels)}"></div>')
    return (f'{box}<script type="application/json" class="{embedded.SPEC_CLASS}" id="{html.escape(key)}" '
            f'data-ebene="{html.escape(level)}">{payload}</script>')
