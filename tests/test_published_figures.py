"""Figures published beside an indicator without counts (the Integrationsrat's eligible voters), and the
other level's map: its footer names its own boundaries, the exported tables hold the years it shows."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import levels
from helpers.figures import maps
from helpers.sections import lookback, published_figures


@pytest.mark.parametrize(("year", "expected"), [
    (2013, [(2010, None, ".")]),                                # one election in 2004–2013, no figure published
    (2014, [(2010, None, "."), (2014, 34800.0, "")]),           # "rund 34 800" (city press release, May 2014)
    (2020, [(2014, 34800.0, ""), (2020, 48168.0, "")]),         # 48 168 (Westfälische Nachrichten, 2020)
])
def test_the_eligible_voters_are_shown_as_published_for_the_elections_in_view(year, expected):
    section = published_figures.beside("integrationsrat_wahlbeteiligung", "ir_electorate", year, "Wahlberechtigte")
    cells = section.tables["veroeffentlicht"]
    got = [(int(y), None if pd.isna(v) else float(v), f) for y, v, f in zip(cells["year"], cells["value"], cells["flag"])]
    assert got == expected
    html = section.parts[0].content
    assert html.startswith('<figure class="im-table-figure"><table class="dataframe im-table"><caption>Wahlberechtigte '
                           "zur Integrationsratswahl (Ausländer/-innen, Eingebürgerte und Spätaussiedler/-innen auf "
                           "Antrag), Stadt Münster</caption>")
    assert ("„.“: für 2010 keine Zahl veröffentlicht." in html) == (year < 2020)
    assert "Quelle: Stadt Münster, Wahlamt: " in html and "Integrationsrat am" in html
    if year in (2014, 2020):  # the press the figure was reported in, by site (the full address is in the data)
        assert ("Wahl zum Integrationsrat am 25.5.2014 (Zahl der Wahlberechtigten, wie berichtet); berichtet in: "
                "wolbeck-muenster.de, presse-service.de") in html and "https://" not in html
    assert [r.what for r in section.parts[0].records] == ["Tabelle"]  # recorded for the checker
    assert (section.parts[0].records[0].values["indicator"] == "").all()  # a published figure, no indicator


def test_before_the_first_election_nothing_is_shown():
    section = published_figures.beside("integrationsrat_wahlbeteiligung", "ir_electorate", 2009, "Wahlberechtigte")
    assert not section.parts and not section.tables


def test_the_ward_map_names_the_wards_source_and_the_outlines_source():
    said = maps.geometry_source("kommunalwahlbezirk")
    assert said == ("Geometrie: Kommunalwahlbezirke: Stadt Münster, Wahlamt: Kommunalwahlbezirke der Ratswahl 2009, "
                    "Stand 2014 (Code for Münster, Repository codeformuenster/wahlkarte); Stadtbezirke: Stadt Münster, "
                    "Statistische Gebietsgliederung")
    # the base level and the default keep the city's area division
    assert maps.geometry_source() == maps.geometry_source("stadtteil") == "Geometrie: Stadt Münster, Statistische Gebietsgliederung"
    fig = maps.choropleth(pd.DataFrame({"area_code": ["16"], "value": [39.4]}), "Titel", "%", "Quelle A",
                          level="kommunalwahlbezirk")
    assert any(t.get_text() == f"Quelle: Quelle A. {said}" for t in fig.texts)


def test_a_level_declares_its_geometry_as_text():
    where = levels.Path("city.yml")
    entry = {"level": "wahlbezirk", "name": "Wahlbezirk", "plural": "Wahlbezirke", "boundaries": "wb"}
    assert levels.parse({"other_levels": [{**entry, "geometry": "Wahlamt,\n  Stand 2014"}]}, where).other[0].geometry \
        == "Wahlamt, Stand 2014"
    with pytest.raises(levels.LevelError, match=r"'other_levels\[1\].geometry' ist ''; erwartet ein Text"):
        levels.parse({"other_levels": [{**entry, "geometry": ""}]}, where)


@pytest.mark.slow  # every indicator's disclosed values: about 25 s of CPU
def test_the_exported_tables_hold_the_years_an_earlier_series_is_shown_with():
    """A 2019 report shows the 2009 council election (the latest before its look back 2010–2019): the tables
    get 2009 for that indicator only; a 2014 report has 2009 in its look back anyway."""
    assert lookback.earlier_years_shown(2019) == {"ratswahl_wahlbeteiligung": 2009}
    assert lookback.earlier_years_shown(2014) == {}
