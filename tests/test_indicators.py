"""Indicator computation on small hand-checked fixtures: aggregation, flags, groups, gaps."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import catalogue, observations
from helpers.core.catalogue import Indicator, Term
from helpers.core.model import OBSERVATIONS
from helpers.indicators import compute
from helpers.indicators.compute import counts, gap, values
from helpers.sources.muenster.hierarchy import CITY_CODE, STADTTEILE

# Altstadt (Teilbereich 1 = Stadtteile 11-15), SMS Migration 2014, hand-copied.
ALTSTADT_2014 = {"11": (1450, 108), "12": (1354, 111), "13": (2199, 184), "14": (2432, 180), "15": (1384, 137)}


def _row(year, level, code, measure, origin, value, flag=""):
    return dict(year=year, area_level=level, area_code=code, measure=measure, sex="total", origin=origin,
                age="total", value=value, flag=flag, synthetic=False, source="test")


def _obs(rows) -> pd.DataFrame:
    return OBSERVATIONS.validate(pd.DataFrame(rows))


@pytest.fixture
def altstadt() -> list[dict]:
    rows = []
    for code, (total, foreign) in ALTSTADT_2014.items():
        rows.append(_row(2014, "stadtteil", code, "population", "total", total))
        rows.append(_row(2014, "stadtteil", code, "population", "foreign", foreign))
    return rows


def _share(**kw) -> Indicator:
    base = dict(
        id="share", name="Anteil", definition="d", handlungsfeld="kontext",
        numerator=Term("population", origin="foreign"), denominator=Term("population"),
        scale=100.0, unit="%", direction="descriptive", level="stadtteil", source="s", data_owner="o",
        population_base="p", first_year=2000, synthetic=False,
    )
    return Indicator(**{**base, **kw})


def test_teilbereich_sums_counts_then_divides(altstadt):
    vals = values(_share(), "teilbereich", _obs(altstadt))
    row = vals[(vals["area_code"] == "1") & (vals["group"] == "total")].iloc[0]
    assert row["numerator"] == 720 and row["denominator"] == 8819  # the published Altstadt row
    assert row["value"] == pytest.approx(720 / 8819 * 100)
    assert round(row["value"], 1) == 8.2  # as printed in the source
    # Averaging the five Stadtteil rates would give another (wrong) answer.
    mean_of_rates = sum(f / t * 100 for t, f in ALTSTADT_2014.values()) / 5
    assert abs(mean_of_rates - row["value"]) > 0.05


def test_incomplete_teilbereich_is_missing_not_partial(altstadt):
    vals = values(_share(), "stadtbezirk", _obs(altstadt))  # Mitte needs Stadtteile 11-47
    row = vals[(vals["area_code"] == "1") & (vals["group"] == "total")].iloc[0]
    assert pd.isna(row["value"]) and row["flag"] == "."


def test_secret_part_makes_sum_secret(altstadt):
    for r in altstadt:
        if r["area_code"] == "13" and r["origin"] == "foreign":
            r.update(value=pd.NA, flag=".")
    got = counts(Term("population", origin="foreign"), "teilbereich", _obs(altstadt))
    assert pd.isna(got.iloc[0]["count"]) and got.iloc[0]["flag"] == "."
    total = counts(Term("population"), "teilbereich", _obs(altstadt))
    assert total.iloc[0]["count"] == 8819  # the other measure is unaffected


def test_zero_symbol_counts_as_zero(altstadt):
    for r in altstadt:
        if r["area_code"] == "15" and r["origin"] == "foreign":
            r.update(value=0, flag="-")
    got = counts(Term("population", origin="foreign"), "teilbereich", _obs(altstadt))
    assert got.iloc[0]["count"] == 720 - 137


def test_published_aggregate_wins_over_sum(altstadt):
    altstadt.append(_row(2014, "teilbereich", "1", "population", "foreign", 725))
    got = counts(Term("population", origin="foreign"), "teilbereich", _obs(altstadt))
    assert got.iloc[0]["count"] == 725


def test_complement_group_is_total_minus_part(altstadt):
    got = counts(Term("population", origin="german"), "teilbereich", _obs(altstadt))
    assert got.iloc[0]["count"] == 8819 - 720
    st = counts(Term("population", origin="german"), "stadtteil", _obs(altstadt)).set_index("area_code")
    assert st.loc["11", "count"] == 1450 - 108


def test_city_adds_unassigned_persons():
    rows = [_row(2014, "stadtteil", code, "unemployed", "total", 10) for code in STADTTEILE]
    rows.append(_row(2014, "unzugeordnet", "0", "unemployed", "total", 5))
    got = counts(Term("unemployed"), "stadt", _obs(rows))
    assert got.iloc[0]["area_code"] == CITY_CODE
    assert got.iloc[0]["count"] == 45 * 10 + 5


def test_zero_denominator_is_not_meaningful():
    rows = [_row(2014, "stadtteil", "11", "population", "total", 0, "-"),
            _row(2014, "stadtteil", "11", "population", "foreign", 0, "-")]
    vals = values(_share(), "stadtteil", _obs(rows))
    assert vals.iloc[0]["flag"] == "x" and pd.isna(vals.iloc[0]["value"])


def test_groups_and_gap(altstadt):
    altstadt += [
        _row(2014, "stadtteil", code, "unemployed", origin, n)
        for code, origin, n in [("11", "total", 36), ("11", "foreign", 8), ("12", "total", 21), ("12", "foreign", 8)]
    ]
    ind = _share(id="alo", numerator=Term("unemployed"), denominator=Term("population"),
                 group_dimension="origin", group_values=("foreign", "german"), direction="gap_shrink")
    vals = values(ind, "stadtteil", _obs(altstadt))
    aeg = vals[vals["area_code"] == "11"].set_index("group")["value"]
    assert aeg["total"] == pytest.approx(36 / 1450 * 100)
    assert aeg["foreign"] == pytest.approx(8 / 108 * 100)
    assert aeg["german"] == pytest.approx(28 / 1342 * 100)
    g = gap(vals, ind).set_index("area_code")
    assert g.loc["11", "difference"] == pytest.approx(8 / 108 * 100 - 28 / 1342 * 100)
    assert g.loc["11", "ratio"] == pytest.approx((8 / 108) / (28 / 1342))
    assert pd.isna(g.loc["13", "difference"])  # no unemployment counts for 13 in the fixture


def test_unknown_level_is_refused(altstadt):
    with pytest.raises(compute.IndicatorError, match="Gebietsebene"):
        counts(Term("population"), "bezirk", _obs(altstadt))


def test_revised_and_provisional_counts_mark_every_sum_and_rate_built_from_them():
    """A revised Stadtteil count makes its Stadtbezirk, the city and each rate from them 'r'."""
    from helpers.core import formatting

    obs = observations.observations()
    # Published aggregates win over sums (and carry their own flag): keep only the parts here.
    obs = obs[(obs["year"] == 2014) & obs["area_level"].isin(["stadtteil", "unzugeordnet"])].copy()
    pick = (obs["measure"] == "population") & (obs["area_code"] == "11") & (obs["origin"] == "migration") \
        & (obs["sex"] == "total") & (obs["age"] == "total") & (obs["area_level"] == "stadtteil")
    assert pick.sum() == 1
    obs.loc[pick, "flag"] = "r"
    ind = catalogue.load().indicator("mv_anteil")
    for level, code in [("stadtteil", "11"), ("stadtbezirk", "1"), ("stadt", "05515000")]:
        vals = compute.values(ind, level, obs)
        row = vals[(vals["group"] == "total") & (vals["area_code"] == code)].iloc[0]
        assert row["flag"] == "r", level
    vals = compute.values(ind, "stadtteil", obs)
    other = vals[(vals["group"] == "total") & (vals["area_code"] == "12")].iloc[0]
    assert other["flag"] == ""
    # Complement: people without MV = total − migration, so it is revised too.
    no_mig = compute.counts(catalogue.Term("population", origin="no_migration"), "stadtteil", obs)
    assert no_mig.loc[no_mig["area_code"] == "11", "flag"].iloc[0] == "r"
    assert formatting.with_unit(21.7, "%", flag="r") == "21,7\u00a0%\u00a0r"
    assert formatting.with_unit(None, "%", flag=".") == "."


def test_counts_are_computed_once_and_callers_get_their_own_copy():
    from helpers.core.catalogue import Term
    from helpers.disclosure import suppression

    term = Term(suppression.active_rule().population_measure)
    first = compute.counts(term, "stadtbezirk")
    hits = compute._counts_cached.cache_info().hits
    first.loc[:, "count"] = -1  # a caller changing its frame must not change the next caller's
    second = compute.counts(term, "stadtbezirk")
    assert compute._counts_cached.cache_info().hits == hits + 1
    assert (second["count"].dropna() > 0).all()
