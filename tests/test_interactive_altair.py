"""The interactive maps' specs are written without Altair (a build saves its import and chart objects), as the
dictionaries Altair's `to_dict` makes of the same charts: here each variant is built both ways, compared as the
JSON the report embeds, and validated against the Vega-Lite schema."""

from __future__ import annotations

import json
import textwrap

import matplotlib
import numpy as np
import pandas as pd
import pytest

from helpers.figures import interactive, maps
from helpers.figures.charts import SYNTHETIC_MARK

alt = pytest.importorskip("altair")


def _year_binding(years):
    years = [int(y) for y in years]
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 1:
        return alt.binding_range(min=years[0], max=years[-1], step=1, name="Jahr ")
    return alt.binding_select(options=years, name="Jahr ")


def _chart(transforms, tooltip, color, params, title, description, synthetic, profiles):
    """The chart as the maps' code built it with Altair before it wrote the dictionaries itself."""
    tooltip = [alt.Tooltip(f"{field}:{kind}", title=text) for field, text, kind in tooltip]
    chart = alt.Chart(alt.NamedData(name=interactive.VALUES)).mark_geoshape(stroke="white", strokeWidth=0.6).encode(
        shape=alt.Shape("geo:G"),
        color=alt.Color("klasse_text:N", title=color["title"],
                        scale=alt.Scale(domain=color["domain"], range=color["range"]),
                        legend=alt.Legend(orient="bottom", direction="vertical", symbolType="square",
                                          labelLimit=240, titleLimit=240)),
        tooltip=tooltip, description=alt.Description("beschreibung:N"))
    if profiles:
        chart = chart.encode(href=alt.Href("profil:N"))
    chart = chart.add_params(*params).project(type="identity", reflectY=True).properties(
        width="container", height=360, title=alt.Title(textwrap.wrap(title, 40), anchor="start", fontSize=13,
                                                        subtitle=SYNTHETIC_MARK if synthetic else ""),
        description=description)
    spec = chart.to_dict(validate=True)
    spec["transform"] = transforms
    spec.pop("$schema", None)
    return spec


def _reference(values, year, title, description, unit, value_title, bins, colours, synthetic, area_title,
               decimals, profiles, built):
    """Altair's map and change view, with the transforms and datasets of the spec built without it (those were
    never Altair's: they are added to its dictionary)."""
    years = sorted(int(y) for y in values["year"].unique())
    labels = interactive.class_labels(bins, unit, decimals)
    jahr = alt.param(name="jahr", value=int(year), bind=_year_binding(years))
    tooltip = [("gebiet", area_title, "N"), ("wert_text", value_title, "N"), ("jahr", "Jahr", "O")]
    if synthetic:
        tooltip.append(("hinweis", "Hinweis", "N"))
    color = {"title": f"Klassen der Karte {year}", "domain": [*labels, maps.MISSING_LABEL],
             "range": [*(interactive._hex(c) for c in colours), interactive.MISSING_COLOUR]}
    spec = _chart(built["transform"], tooltip, color, [jahr], title, description, synthetic, profiles)
    spec["datasets"] = built["datasets"]
    if len(years) > 1:
        change = built["usermeta"][interactive.CHANGE]
        bins_c = interactive.change_bins(values)
        labels_c = interactive.change_labels(bins_c, unit, decimals)
        palette = matplotlib.colormaps["RdBu_r"]
        colours_c = [interactive._hex(palette(p)) for p in np.linspace(0.08, 0.92, len(labels_c))]
        earlier = years[:-1]
        seit = alt.param(name="seit", value=earlier[0],
                         bind=alt.binding_select(options=earlier, name="Veränderung seit "))
        change_title = title.replace(" (interaktiv)", "") + ": Veränderung seit einem früheren Jahr (interaktiv)"
        tooltip = [("gebiet", area_title, "N"), ("text_seit", f"{value_title}, früher", "N"),
                   ("text_jahr", f"{value_title}, gezeigtes Jahr", "N"), ("differenz_text", "Veränderung", "N")]
        if synthetic:
            tooltip.append(("hinweis", "Hinweis", "N"))
        color = {"title": f"Veränderung ({interactive.change_unit(unit)})" if unit else "Veränderung",
                 "domain": [*labels_c, maps.MISSING_LABEL], "range": [*colours_c, interactive.MISSING_COLOUR]}
        description_c = (f"Karte: {change_title}. Rot: Zunahme, Blau: Abnahme; die Farbe sagt nichts über besser "
                         "oder schlechter. Die Tabelle unter der Karte nennt jeden Wert.")
        spec["usermeta"] = {interactive.CHANGE: _chart(change["transform"], tooltip, color, [jahr, seit],
                                                       change_title, description_c, synthetic, profiles)}
    return spec


def _values(years: list[int]) -> pd.DataFrame:
    rows = [{"area_code": code, "year": y, "value": v, "flag": "" if v is not None else "."}
            for y in years for code, v in (("11", 12.34 + y % 7), ("12", None), ("13", 30.0 - y % 5))]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("years", "unit", "synthetic", "profiles"), [
    ([2015, 2016, 2017, 2018, 2019], "%", False, True),  # a slider, with the change view
    ([2015, 2017, 2019], "Personen je 1.000", True, True),  # a select of the years with values, demo data
    ([2019], "", False, False),  # one year: no change view; a level without profiles
])
def test_the_specs_are_altairs_dictionaries_key_for_key(years, unit, synthetic, profiles):
    values = _values(years)
    args = dict(values=values, year=years[-1], title="Anteil der Bevölkerung mit Migrationsvorgeschichte, nach "
                "Stadtteilen (interaktiv)", description="Karte: Anteil …", unit=unit, value_title="Anteil",
                bins=[10.0, 20.0, 40.0], colours=["#ffffcc", "#41b6c4", "#253494"], synthetic=synthetic,
                area_title="Stadtteil", decimals=1, profiles=profiles)
    built = interactive.map_spec(**args)
    reference = _reference(**args, built=built)
    # the bytes the report embeds: key order counts
    assert json.dumps(built, ensure_ascii=False) == json.dumps(reference, ensure_ascii=False)
    assert ("usermeta" in built) == (len(years) > 1)
    assert ("href" in built["encoding"]) == profiles
    alt.Chart.from_dict(built)  # valid Vega-Lite
    if len(years) > 1:
        alt.Chart.from_dict({**built["usermeta"][interactive.CHANGE], "datasets": built["datasets"]})


def test_the_page_bundles_the_vega_lite_of_altairs_schema():
    from helpers.publish import interactive as page

    assert page.vega_version() == ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
