"""City facts (Integrationsrat election, pupils with Zuwanderungsgeschichte): the source re-read, every value compared."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import catalogue, rates
from helpers.disclosure import disclosed
from helpers.sections import blocks
from helpers.sources.muenster import city_facts

# The source's indicator column -> the stored measure, written out here and not taken from the parser.
MEASURES = {
    "integrationsrat_wahlbeteiligung": "ir_turnout",
    "integrationsrat_wahlberechtigte": "ir_electorate",
    "schueler_zuwanderungsgeschichte_anteil_alle_schulformen": "pupils_zg_share",
    "schueler_zuwanderungsgeschichte_anteil_grundschule": "pupils_zg_share_grundschule",
    "schueler_zuwanderungsgeschichte_anteil_hauptschule": "pupils_zg_share_hauptschule",
    "schueler_zuwanderungsgeschichte_anteil_realschule": "pupils_zg_share_realschule",
    "schueler_zuwanderungsgeschichte_anteil_gymnasium": "pupils_zg_share_gymnasium",
}
# Read by eye in more/city_facts/city_anchors.csv: (measure, year) -> value.
BY_HAND = {("ir_turnout", 2010): 9.4, ("ir_turnout", 2014): 19.8, ("ir_turnout", 2020): 20.67,
           ("ir_electorate", 2014): 34800, ("ir_electorate", 2020): 48168,
           ("pupils_zg_share", 2016): 23.8, ("pupils_zg_share", 2019): 27.6, ("pupils_zg_share", 2023): 30.9,
           ("pupils_zg_share_hauptschule", 2019): 68.5, ("pupils_zg_share_gymnasium", 2016): 19.1}


def _source_cells(src: Path) -> dict[tuple[str, int], float]:
    """Every selected cell of the source, read with the csv module alone: a date or a school year
    (2019/20) both begin with the year it counts in."""
    with (src / "more" / "city_facts" / "city_anchors.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    cells = {}
    for row in rows:
        if row["indicator"] in MEASURES:
            assert row["area"] == "Münster (Stadt)", row
            cells[(MEASURES[row["indicator"]], int(row["period"][:4]))] = float(row["value"])
    return cells


def _stored() -> dict[tuple[str, int], float]:
    table = rates.published_rates()
    table = table[table["measure"].isin(MEASURES.values())]
    assert (table["area_level"] == "stadt").all() and (table["area_code"] == "05515000").all()
    assert (table["flag"] == "").all() and not table["synthetic"].any()
    return {(m, int(y)): float(v) for m, y, v in zip(table["measure"], table["year"], table["value"])}


def test_every_committed_value_equals_its_source_cell(muenster_source):
    source = _source_cells(muenster_source)
    assert len(source) == 14
    assert _stored() == source


def test_the_values_read_by_hand():
    stored = _stored()
    assert {k: stored[k] for k in BY_HAND} == BY_HAND


def test_single_schools_are_not_school_types():
    assert not rates.published_rates()["measure"].str.contains("gesamtschule|primus").any()


def test_the_derivation_reproduces_the_committed_rates(muenster_source):
    derived = city_facts.read_city_facts(muenster_source)
    committed = rates.published_rates()
    committed = committed[committed["measure"].isin(MEASURES.values())].reset_index(drop=True)
    pd.testing.assert_frame_equal(derived.sort_values(["measure", "year"]).reset_index(drop=True),
                                  committed.sort_values(["measure", "year"]).reset_index(drop=True))
    assert derived["source"].str.startswith(("Stadt Münster, Wahlamt", "IT.NRW, Schulstatistik")).all()


@pytest.mark.parametrize("indicator, measure", [
    ("integrationsrat_wahlbeteiligung", "ir_turnout"), ("schueler_zg_anteil", "pupils_zg_share"),
    ("schueler_zg_grundschule", "pupils_zg_share_grundschule"), ("schueler_zg_hauptschule", "pupils_zg_share_hauptschule"),
    ("schueler_zg_realschule", "pupils_zg_share_realschule"), ("schueler_zg_gymnasium", "pupils_zg_share_gymnasium"),
])
def test_the_indicators_publish_the_stored_rates_for_the_city_only(indicator, measure):
    ind = catalogue.load().indicator(indicator)
    assert not ind.synthetic and not ind.counted and ind.published.measure == measure and ind.level == "stadt"
    shown = disclosed.values(ind, "stadt")
    expected = {y: v for (m, y), v in _stored().items() if m == measure}
    assert {int(y): float(v) for y, v in zip(shown["year"], shown["value"])} == expected
    assert (shown["suppressed"] == "").all()
    assert disclosed.values(ind, "stadtteil").empty


def test_the_school_year_convention_is_stated():
    for ind in catalogue.load().for_handlungsfeld("bildung_sprache"):
        if ind.id.startswith("schueler_zg"):
            assert "2019/20 → 2019" in ind.notes, ind.id


def test_the_report_shows_the_latest_election_before_the_report_year():
    section = blocks.indicator_section("integrationsrat_wahlbeteiligung", 2019)
    assert section.year == 2014 and not section.indicator.synthetic
    text = " ".join(section.sentences)
    assert "bei **19,8\u00a0%**" in text and "2010 waren es 9,4\u00a0%" in text


def test_the_report_shows_the_school_share_of_2019_20_in_2019():
    section = blocks.indicator_section("schueler_zg_anteil", 2019)
    assert section.year == 2019
    assert "bei **27,6\u00a0%**" in " ".join(section.sentences) and "2016 waren es 23,8\u00a0%" in " ".join(section.sentences)


@pytest.mark.parametrize("text, message", [
    ("indicator,area,period,value,unit,note,source_url\n"
     "integrationsrat_wahlbeteiligung,Münster (Stadt),2010,9.4,percent,,u\n", r"Zeile 2, Spalte period: '2010' ist kein Datum"),
    ("indicator,area,period,value,unit,note,source_url\n"
     "schueler_zuwanderungsgeschichte_anteil_gymnasium,Münster (Stadt),2019/21,23.4,percent,,u\n",
     r"Zeile 2, Spalte period: '2019/21' ist kein Schuljahr"),
    ("indicator,area,period,value,unit,note,source_url\n"
     "integrationsrat_wahlbeteiligung,Münster (Stadt),2010-02-07,\"9,4\",percent,,u\n",
     r"Zeile 2, Spalte value: '9,4' ist keine Zahl mit Dezimalpunkt"),
    ("indicator,area,period,value,unit,note,source_url\n"
     "integrationsrat_wahlbeteiligung,61 Coerde,2010-02-07,9.4,percent,,u\n", r"Zeile 2, Spalte area: '61 Coerde'"),
    ("indicator,area,period,value\n", r"Spalten \['indicator', 'area', 'period', 'value'\]"),
])
def test_a_source_that_does_not_fit_is_refused_with_line_and_column(tmp_path, text, message):
    target = tmp_path / city_facts.FACTS_FILE
    target.parent.mkdir(parents=True)
    target.write_text(text, encoding="utf-8")
    with pytest.raises(city_facts.CityFactsError, match=message):
        city_facts.read_city_facts(tmp_path)
