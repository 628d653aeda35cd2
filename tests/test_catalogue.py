"""The catalogue is complete and consistent with the data; bad entries give clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.core import catalogue, observations, rates
from helpers.core.catalogue import CatalogueError, parse

CAT = catalogue.load()


def test_every_indicator_names_measures_that_exist():
    obs = observations.observations()
    for ind in CAT.indicators:
        if not ind.counted:  # a published rate: its measure is in the published rates
            assert len(rates.rates_of(ind.published.measure)), ind.id
        for term in ind.terms:
            origins = {term.origin} if term.origin not in ("german", "no_migration") else {"total"}
            if ind.group_dimension == "origin":
                origins |= {g for g in ind.group_values if g not in ("german", "no_migration")}
            for origin in origins:
                found = obs[(obs["measure"] == term.measure) & (obs["origin"] == origin) & (obs["sex"] == term.sex)]
                assert len(found), f"{ind.id}: no observations for {term.measure}/{origin}/{term.sex}"


def test_every_handlungsfeld_has_indicators_and_a_notebook():
    sources = {p.name: p.read_text(encoding="utf-8") for p in Path(observations.paths.NOTEBOOKS).glob("*.ipynb")}
    assert len(CAT.indicators) >= 45
    fields = [hf for hf in CAT.handlungsfelder if hf.id != "kontext"]
    assert len(fields) == 12
    for hf in fields:
        assert len(CAT.for_handlungsfeld(hf.id)) >= 2, f"{hf.id} has fewer than two indicators"
        # a chapter opens its Handlungsfeld (blocks.opening) or shows it whole (blocks.handlungsfeld)
        calls = [name for name, text in sources.items()
                 if f'handlungsfeld(\\"{hf.id}\\"' in text or f'opening(\\"{hf.id}\\"' in text]
        assert len(calls) == 1, f"{hf.id}: expected exactly one chapter notebook, found {calls}"


def test_synthetic_flag_matches_the_data():
    obs = observations.observations()
    synthetic_measures = set(obs.loc[obs["synthetic"], "measure"])
    for ind in CAT.indicators:
        measures = {t.measure for t in ind.terms}
        assert (bool(measures) and measures <= synthetic_measures) is ind.synthetic, ind.id
        if ind.synthetic:
            assert ind.source.startswith("Demodaten – synthetisch"), ind.id


def test_first_year_is_covered_by_data():
    obs = observations.observations()
    published = rates.published_rates()
    for ind in CAT.indicators:
        if ind.counted:
            years = obs.loc[obs["measure"] == ind.numerator.measure, "year"]
        else:
            years = published.loc[published["measure"] == ind.published.measure, "year"]
        assert years.min() <= ind.first_year, ind.id


MINIMAL = """
handlungsfelder:
  - {id: hf, name: HF, category: Kontext, aim: Ziel}
indicators:
  - id: x
    name: X
    definition: d
    handlungsfeld: hf
    numerator: {measure: population, origin: foreign}
    denominator: {measure: population}
    scale: 100
    unit: "%"
    direction: descriptive
    level: stadtteil
    source: s
    data_owner: o
    population_base: p
    first_year: 2010
    synthetic: false
"""


def test_minimal_entry_parses():
    cat = parse(MINIMAL, Path("catalogue.yml"))
    assert cat.indicator("x").numerator.origin == "foreign"


def test_break_years_are_the_first_years_of_the_new_series():
    text = MINIMAL.replace("first_year: 2010", 'first_year: 2010\n    breaks: ["2011: Register", "2010: Methode"]')
    assert parse(text, Path("catalogue.yml")).indicator("x").break_years == (2010, 2011)
    assert parse(MINIMAL, Path("catalogue.yml")).indicator("x").break_years == ()


@pytest.mark.parametrize(
    "change, message",
    [
        (("handlungsfeld: hf", "handlungsfeld: nope"), "Handlungsfeld 'nope' ist nicht definiert"),
        (("direction: descriptive", "direction: up"), "direction='up'"),
        (("    source: s\n", ""), "Pflichtfeld(er) fehlen: source"),
        (("origin: foreign", "origin: alien"), "origin='alien' unbekannt"),
        (("level: stadtteil", "level: kiez"), "level='kiez'"),
        (("first_year: 2010", "first_year: 2010\n    breaks: [ab 2011 Melderegister]"),
         "beginnt mit dem ersten Jahr der neuen Reihe"),
    ],
)
def test_broken_entries_name_the_field(change, message):
    with pytest.raises(CatalogueError) as err:
        parse(MINIMAL.replace(*change), Path("catalogue.yml"))
    assert message in str(err.value) and "Indikator 'x'" in str(err.value)


def test_unknown_indicator_lists_known_ids():
    with pytest.raises(CatalogueError, match="mv_anteil"):
        CAT.indicator("does_not_exist")


def test_every_measure_has_a_german_name_for_the_definition_boxes():
    from helpers.sections import html_tables, wording

    cat = catalogue.load()
    used = {t.measure for i in cat.indicators for t in i.terms}
    assert used - dict(cat.measure_names).keys() == set()
    assert wording.term_text(catalogue.Term("unemployed", origin="foreign", age="15-64")) == \
        "Arbeitslose (Ausländer/-innen, 15 bis 64 Jahre)"
    assert wording.term_text(catalogue.Term("population", age="65+")) == "wohnberechtigte Einwohner/-innen (65 Jahre und älter)"
    box = html_tables.definition_box(cat.indicator("alo_auslaender_anteil"))
    assert "Zähler: Arbeitslose (Ausländer/-innen) / Nenner: Arbeitslose × 100" in box


def test_a_measure_name_that_is_not_text_is_refused():
    text = Path(catalogue.paths.CATALOGUE_YAML).read_text(encoding="utf-8").replace(
        "  unemployed: Arbeitslose\n", "  unemployed: [Arbeitslose]\n")
    with pytest.raises(CatalogueError, match="Abschnitt measures: erwartet je Merkmal einen deutschen Namen"):
        parse(text, Path("catalogue.yml"))


PUBLISHED = MINIMAL.replace("""    numerator: {measure: population, origin: foreign}
    denominator: {measure: population}
    scale: 100
""", "    published_rate: {measure: naturalisation_rate}\n").replace("level: stadtteil", "level: stadt")


def test_a_published_rate_takes_no_formula():
    ind = parse(PUBLISHED, Path("catalogue.yml")).indicator("x")
    assert not ind.counted and ind.published == catalogue.Term("naturalisation_rate")
    assert ind.numerator is None and ind.denominator is None and ind.terms == ()


@pytest.mark.parametrize("change, message", [
    (("    published_rate:", "    scale: 100\n    published_rate:"), "published_rate ist eine veröffentlichte Quote "
                                                                   "ohne Anzahlen; scale passen nicht dazu"),
    (("synthetic: false", "synthetic: true"), "published_rate ist eine veröffentlichte Quote; synthetic muss false"),
    (("    source: s\n", ""), "Pflichtfeld(er) fehlen: source"),
])
def test_a_published_rate_with_counts_or_demo_data_is_refused(change, message):
    with pytest.raises(CatalogueError) as err:
        parse(PUBLISHED.replace(*change), Path("catalogue.yml"))
    assert message in str(err.value) and "Indikator 'x'" in str(err.value)
