"""Figures and maps: source line, synthetic mark, classes, legend, missing areas."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import figures, maps
from helpers.catalogue import Indicator, Term
from helpers.sources.areas import CITY_CODE, STADTTEILE

IND = Indicator(
    id="t", name="Test", definition="d", handlungsfeld="kontext", numerator=Term("a"), denominator=Term("b"),
    scale=100.0, unit="%", direction="descriptive", level="stadtteil", source="Quelle X", data_owner="o",
    population_base="p", first_year=2005, synthetic=False, breaks=("2011: Bruch",),
)


def _texts(fig) -> str:
    parts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        parts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend:
            parts += [t.get_text() for t in legend.get_texts()]
    for legend in fig.legends:
        parts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(parts)


def _series(synthetic: bool) -> pd.DataFrame:
    return pd.DataFrame({"year": range(2005, 2015), "group": "total", "area_code": CITY_CODE,
                         "value": [10.0 + i for i in range(10)], "synthetic": synthetic})


@pytest.mark.parametrize("synthetic", [False, True])
def test_time_series_has_source_and_marks_synthetic_data(synthetic):
    fig = figures.time_series(_series(synthetic), IND, "Titel", 2014)
    text = _texts(fig)
    assert "Quelle: Quelle X" in text
    assert ("Demodaten – synthetisch" in text) is synthetic
    assert "Bruch in der Reihe" in text


def _map_values(missing: int = 0, synthetic: bool = False) -> pd.DataFrame:
    codes = sorted(STADTTEILE)
    values = [float(i) for i in range(len(codes))]
    for i in range(missing):
        values[i] = None
    return pd.DataFrame({"area_code": codes, "value": pd.array(values, dtype="Float64"), "synthetic": synthetic})


def test_map_classes_and_legend_counts():
    fig = maps.choropleth(_map_values(), "Karte", "%", "Quelle Y", k=5)
    text = _texts(fig)
    labels = [line for line in text.splitlines() if "(9)" in line]
    assert len(labels) == 5  # 45 Stadtteile in five quantile classes of nine
    # values 0..44: quantile bounds at the 20th, 40th, ... percentile = 8.8, 17.6, ...
    assert labels[0] == "0,0 – 8,8\u00a0% (9)" and labels[-1] == "35,2 – 44,0\u00a0% (9)"
    assert "Stadtbezirksgrenze" in text and "Quelle: Quelle Y" in text
    assert "Demodaten" not in text


def test_map_shows_missing_areas_apart_and_marks_synthetic():
    fig = maps.choropleth(_map_values(missing=3, synthetic=True), "Karte", "%", "Quelle Y")
    text = _texts(fig)
    assert "keine Angabe / geheim (.) (3)" in text
    assert "Demodaten – synthetisch" in text
    counts = sum(int(line.rsplit("(", 1)[1].rstrip(")")) for line in text.splitlines()
                 if "–" in line and line.endswith(")") and "geheim" not in line and "Demodaten" not in line)
    assert counts == 42  # classed areas exclude the three missing ones


def test_user_defined_bins_give_shared_scale():
    classifier = maps.classify(pd.Series([1.0, 5.0, 12.0]), bins=[5, 10, 20])
    assert list(classifier.counts) == [2, 0, 1]
