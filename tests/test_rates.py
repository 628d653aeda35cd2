"""Rates published without counts: the Einbürgerungsquote from the Regionalstatistik, end to end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.core import catalogue, paths, rates
from helpers.core.model import DataError
from helpers.disclosure import disclosed
from helpers.indicators import compute
from helpers.sections import html_tables, wording
from helpers.sources.muenster import rates as rate_source

# kreis_einbuergerungsquote_05515_2011-2024_extract.csv, read by hand: 2011 2.2, 2014 2.3, 2019 1.5, 2024 2.5
BY_HAND = {2011: 2.2, 2014: 2.3, 2019: 1.5, 2024: 2.5}


def test_the_committed_rates_equal_the_source_lines():
    stored = rates.rates_of("naturalisation_rate")
    assert stored["year"].tolist() == list(range(2011, 2025))
    assert (stored["area_level"] == "stadt").all() and (stored["area_code"] == "05515000").all()
    assert {y: float(v) for y, v in zip(stored["year"], stored["value"]) if y in BY_HAND} == BY_HAND
    assert stored["source"].str.contains("Tabelle 12511-04-01-4").all() and not stored["synthetic"].any()


def test_the_derivation_reproduces_the_committed_file(muenster_source, tmp_path):
    assert rate_source.main(["--src", str(muenster_source), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "published_rates.csv").read_bytes() == paths.PUBLISHED_RATES_CSV.read_bytes()


def test_the_indicator_takes_the_published_rate_at_city_level_only():
    ind = catalogue.load().indicator("einbuergerungsquote")
    assert not ind.counted and not ind.synthetic
    city = compute.values(ind, "stadt")
    assert {int(y): float(v) for y, v in zip(city["year"], city["value"]) if y in BY_HAND} == BY_HAND
    assert city["numerator"].isna().all() and city["denominator"].isna().all() and (city["group"] == "total").all()
    for level in ("stadtteil", "stadtbezirk"):
        assert compute.values(ind, level).empty  # nothing to add up or to split


def test_a_published_rate_is_published_as_it_is():
    shown = disclosed.values("einbuergerungsquote", "stadt")
    row = shown[shown["year"] == 2019].iloc[0]
    assert float(row["value"]) == 1.5 and row["suppressed"] == "" and row["flag"] == ""


def test_the_report_says_it_is_a_published_rate_and_shows_no_counts():
    ind = catalogue.load().indicator("einbuergerungsquote")
    box = html_tables.definition_box(ind)
    assert "Veröffentlichte Quote der amtlichen Statistik" in box and "Zähler" not in box
    assert "Regionaldatenbank Deutschland, Tabelle 12511-04-01-4" in box
    city = disclosed.values(ind, "stadt")
    text = wording.key_sentences(ind, city, disclosed.values(ind, "stadtteil"), 2019)
    assert text.startswith("2019 lag der Wert „Einbürgerungsquote“ in Münster bei **1,5\u00a0%** "
                           "(veröffentlichte Quote der amtlichen Statistik); 2011 waren es 2,2\u00a0%")
    assert " von " not in text.split(";")[0]


def _source(tmp_path: Path, text: str) -> Path:
    target = tmp_path / rate_source.NATURALISATION_FILE
    target.parent.mkdir(parents=True)
    target.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("text, message", [
    ("ags,year,rate_pct\n05515,2011,2,2\n", r"Zeile 2: 4 Felder, erwartet 3 \(Dezimalzeichen ist der Punkt"),
    ("ags,year,rate_pct\n05515,2011,2.2\n05515,20x2,2.0\n", r"Zeile 3, Spalte year: '20x2' ist nicht ein Jahr"),
    ("ags,year,rate_pct\n05515,2011,2.2\n05515,2011,2.0\n", r"Zeilen 2, 3: dasselbe Jahr zweimal"),
    ("Kreis,Jahr,Quote\n05515,2011,2.2\n", r"Spalten \['Kreis', 'Jahr', 'Quote'\], erwartet ags, year, rate_pct"),
])
def test_a_source_that_does_not_fit_is_refused_with_line_and_column(tmp_path, text, message):
    with pytest.raises(rate_source.RateSourceError, match=message):
        rate_source.read_naturalisation_rate(_source(tmp_path, text))


def test_a_damaged_rates_file_names_line_and_column(tmp_path):
    table = pd.read_csv(paths.PUBLISHED_RATES_CSV, dtype=str, keep_default_na=False)
    table.loc[3, "value"] = "-1.0"
    table.to_csv(tmp_path / "published_rates.csv", index=False)
    with pytest.raises(DataError, match=r"published_rates\.csv: Zeile 5, Spalte value: -1\.0.*make data"):
        rates.published_rates(tmp_path / "published_rates.csv")


def test_a_city_without_published_rates_has_none():
    assert rates.published_rates(Path("/nonexistent/published_rates.csv")).empty
