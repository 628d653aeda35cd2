"""The trend rule on hand-made cases (tolerance 5 % of the earlier value, five years back)."""

from __future__ import annotations

import pytest

from helpers.indicators import trend
from helpers.indicators.trend import assess


@pytest.mark.parametrize(
    "direction, then, now, expected",
    [
        ("higher_better", 40.0, 45.0, "verbessert"),  # +12.5 %
        ("higher_better", 40.0, 41.9, "stabil"),  # +4.75 %
        ("higher_better", 40.0, 42.0, "stabil"),  # exactly 5 %: still stable
        ("higher_better", 40.0, 37.0, "verschlechtert"),
        ("lower_better", 10.0, 8.0, "verbessert"),
        ("lower_better", 10.0, 10.4, "stabil"),
        ("lower_better", 10.0, 11.0, "verschlechtert"),
        ("gap_shrink", 6.0, 4.0, "verbessert"),
        ("gap_shrink", -6.0, 4.0, "verbessert"),  # the size of the gap counts, not its sign
        ("gap_shrink", 4.0, 6.0, "verschlechtert"),
    ],
)
def test_rule(direction, then, now, expected):
    got = assess(direction, {2009: then, 2014: now}, 2014)
    assert got.label == expected and got.base_year == 2009


def test_descriptive_is_not_assessed():
    assert assess("descriptive", {2009: 1.0, 2014: 9.0}, 2014).label == "beschreibend"


def test_falls_back_to_earliest_year_at_least_three_back():
    series = {2011: 50.0, 2012: 52.0, 2014: 60.0}
    got = assess("higher_better", series, 2014)
    assert got.base_year == 2011 and got.label == "verbessert"


def test_too_short_series_is_not_assessed():
    got = assess("higher_better", {2012: 50.0, 2013: 52.0, 2014: 60.0}, 2014)
    assert got.label == "keine Bewertung" and got.base_year is None


def test_missing_current_value_is_not_assessed():
    assert assess("lower_better", {2009: 3.0, 2014: float("nan")}, 2014).label == "keine Bewertung"


def test_rule_text_states_tolerance_and_period():
    assert "5 %" in trend.RULE_TEXT and "5 Jahre" in trend.RULE_TEXT
