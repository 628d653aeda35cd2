"""Segregation indices on hand-computed examples, their input checks, their result objects, and the real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.core import areas, observations
from helpers.core.model import OBSERVATIONS
from helpers.sections import area_patterns, area_statistics
from helpers.stats import segregation
from helpers.stats.segregation import (
    SegregationError,
    SegregationIndices,
    check_request,
    dissimilarity,
    exposure,
    indices,
    indices_by_year,
    isolation,
    isolation_corrected,
)

# Three areas, group a, reference b, population t = a + b:
#   a = 10, 20, 70  (A = 100)    b = 40, 40, 20  (B = 100)    t = 50, 60, 90  (T = 200)
#   D   = 1/2 (|.1 − .4| + |.2 − .4| + |.7 − .2|) = 1/2 (.3 + .2 + .5)           = 0.5
#   xPx = .1·10/50 + .2·20/60 + .7·70/90 = 1.8/90 + 6/90 + 49/90 = 56.8/90     = 142/225
#   xPy = .1·40/50 + .2·40/60 + .7·20/90 = 7.2/90 + 12/90 + 14/90 = 33.2/90    = 1 − xPx
#   P   = 100/200 = 1/2;  eta² = (142/225 − 1/2) / (1/2) = 284/225 − 1          = 59/225
A = [10, 20, 70]
B = [40, 40, 20]
T = [50, 60, 90]


def test_hand_computed_three_areas():
    assert dissimilarity(A, B) == pytest.approx(0.5)
    assert isolation(A, T) == pytest.approx(142 / 225)
    assert exposure(A, B, T) == pytest.approx(33.2 / 90)
    assert isolation(A, T) + exposure(A, B, T) == pytest.approx(1)  # two complementary groups
    assert isolation_corrected(A, T) == pytest.approx(59 / 225)


def test_dissimilarity_is_symmetric_and_scale_free():
    assert dissimilarity(B, A) == pytest.approx(dissimilarity(A, B))
    assert dissimilarity([x * 7 for x in A], B) == pytest.approx(0.5)


def test_complete_segregation():
    group, reference = [30, 0, 10], [0, 50, 0]
    total = [g + r for g, r in zip(group, reference)]
    assert dissimilarity(group, reference) == pytest.approx(1)
    assert isolation(group, total) == pytest.approx(1)
    assert exposure(group, reference, total) == pytest.approx(0)
    assert isolation_corrected(group, total) == pytest.approx(1)


def test_identical_distributions():
    assert dissimilarity([10, 20, 30], [20, 40, 60]) == pytest.approx(0)


def test_even_distribution_isolation_is_city_share():
    group, total = [10, 20, 30], [50, 100, 150]  # 20 % everywhere
    assert isolation(group, total) == pytest.approx(0.2)
    assert isolation_corrected(group, total) == pytest.approx(0)
    # Raw isolation follows the city share although nothing is uneven: why eta² is reported too.
    assert isolation([30, 60, 90], total) == pytest.approx(0.6)
    assert isolation_corrected([30, 60, 90], total) == pytest.approx(0)


def test_area_without_population_contributes_nothing():
    assert isolation([0, 10, 10], [0, 20, 40]) == pytest.approx(0.5 * 0.5 + 0.5 * 0.25)


def test_series_are_aligned_by_area_code():
    group = pd.Series([10, 20, 70], index=["11", "12", "13"])
    reference = pd.Series([20, 40, 40], index=["13", "11", "12"])  # same as B, other order
    total = pd.Series([90, 50, 60], index=["13", "11", "12"])
    assert dissimilarity(group, reference) == pytest.approx(0.5)
    assert isolation(group, total) == pytest.approx(142 / 225)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dissimilarity([1, 2, 3], [1, 2]), "ungleiche Länge"),
        (lambda: dissimilarity([1, -2, 3], [1, 2, 3]), "negativ in den Gebieten 1"),
        (lambda: dissimilarity([0, 0, 0], [1, 2, 3]), "in allen Gebieten null"),
        (lambda: isolation([10, 70, 3], [50, 60, 90]), "größer als die Bevölkerung insgesamt in den Gebieten 1"),
        (lambda: exposure([1, 2], [1, 9], [5, 5]), "'other' ist größer als die Bevölkerung"),
        (lambda: isolation_corrected([5, 5], [5, 5]), "ganze Bevölkerung"),
        (lambda: dissimilarity([1], [2]), "mindestens zwei Gebiete"),
        (lambda: dissimilarity(["a", "b"], [1, 2]), "nicht-numerische"),
    ],
)
def test_bad_input_is_refused_in_german(call, message):
    with pytest.raises(SegregationError, match=message):
        call()


def test_missing_count_names_the_area_codes():
    group = pd.Series([10, pd.NA, 70, pd.NA], index=["11", "12", "13", "45"], dtype="Int64")
    reference = pd.Series([40, 40, 20, 5], index=["11", "12", "13", "45"])
    with pytest.raises(SegregationError, match=r"'group' fehlt für die Gebiete 12, 45"):
        dissimilarity(group, reference)


def test_different_areas_are_refused():
    group = pd.Series([10, 20], index=["11", "12"])
    reference = pd.Series([10, 20], index=["11", "13"])
    with pytest.raises(SegregationError, match="stimmen nicht .* überein: 12, 13"):
        dissimilarity(group, reference)


def test_duplicate_area_codes_are_refused():
    group = pd.Series([10, 20, 30], index=["11", "12", "13"])
    reference = pd.Series([10, 20, 30], index=["11", "12", "12"])
    with pytest.raises(SegregationError, match="Gebiete kommen mehrfach vor: 12"):
        dissimilarity(group, reference)


def test_segregation_error_is_a_value_error():
    assert issubclass(SegregationError, ValueError)


def _long(counts: dict[str, list], codes=("1", "2", "3"), year: int = 2014) -> pd.DataFrame:
    """Counts per origin in the long form indices_by_year takes (year, area_code, origin, count)."""
    return pd.DataFrame([{"year": year, "area_code": c, "origin": o, "count": v}
                         for o, values in counts.items() for c, v in zip(codes, values)])


HAND = {"total": T, "foreign": A, "german": B}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("migration", "migration"), "beide 'migration'"),
        (("migrants", "no_migration"), "Unbekannte Herkunftsgruppe 'migrants'"),
        (("migration", "no_migration", "stadt"), "Gebietsgliederung"),
    ],
)
def test_indices_by_year_refuses_bad_requests(args, message):
    with pytest.raises(SegregationError, match=message):
        check_request(*(args + ("stadtteil",))[:3])
    with pytest.raises(SegregationError, match=message):
        indices_by_year(_long(HAND), *args)
    with pytest.raises(SegregationError, match=message):
        area_statistics.segregation_indices(*args)


def test_indices_carry_their_parameters():
    result = indices(pd.Series(A, index=["1", "2", "3"]), B, T, group_name="foreign", reference_name="german",
                     year=2014)
    assert result == SegregationIndices(group="foreign", reference="german", year=2014, n_areas=3, share=0.5,
                                        dissimilarity=pytest.approx(0.5), isolation=pytest.approx(142 / 225),
                                        isolation_corrected=pytest.approx(59 / 225), exposure=pytest.approx(33.2 / 90))
    assert list(result.row()) == segregation.COLUMNS


def test_indices_by_year_on_a_hand_made_frame():
    counts = pd.concat([_long(HAND, year=2013), _long(HAND, year=2014)], ignore_index=True)
    counts.loc[(counts["year"] == 2013) & (counts["area_code"] == "2") & (counts["origin"] == "german"), "count"] = pd.NA
    result = indices_by_year(counts, "foreign", "german", "stadtbezirk", area_codes=["3", "1", "2"])
    assert (result.group, result.reference, result.level, result.area_codes, result.n_areas) == (
        "foreign", "german", "stadtbezirk", ("1", "2", "3"), 3)
    assert result.skipped_years == (2013,) and result.table.attrs["skipped_years"] == [2013]
    assert result.table["year"].tolist() == [2014] and list(result.by_year) == [2014]
    assert result.table.loc[0, "dissimilarity"] == pytest.approx(0.5)
    assert result.by_year[2014].isolation_corrected == pytest.approx(59 / 225)
    assert list(result.table.columns) == segregation.COLUMNS
    # An area of the level without any count makes every year incomplete: nothing is computed from part of it.
    assert indices_by_year(counts, "foreign", "german", area_codes=["1", "2", "3", "4"]).table.empty
    assert indices_by_year(counts, "foreign", "german", years=[2013]).skipped_years == (2013,)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"year": [2014], "area_code": ["1"], "count": [1]}), "fehlen die Spalten origin"),
        (_long({"total": T, "foreign": A}), "Für die Gruppe 'german' sind keine Anzahlen übergeben"),
    ],
)
def test_indices_by_year_refuses_incomplete_frames(frame, message):
    with pytest.raises(SegregationError, match=message):
        indices_by_year(frame, "foreign", "german")


def _row(year: int, code: str, origin: str, value, flag: str = "") -> dict:
    return dict(year=year, area_level="stadtteil", area_code=code, measure="population", sex="total",
                origin=origin, age="total", value=value, flag=flag, synthetic=False, source="test")


def test_year_with_a_missing_area_is_skipped_not_partial(monkeypatch):
    codes = sorted(areas.area_names("stadtteil"))
    rows = []
    for year in (2013, 2014):
        for i, code in enumerate(codes):
            rows.append(_row(year, code, "total", 100 + i))
            secret = year == 2014 and code == codes[0]
            rows.append(_row(year, code, "foreign", pd.NA if secret else 10 + i % 7, "." if secret else ""))
    fixture = OBSERVATIONS.validate(pd.DataFrame(rows))
    monkeypatch.setattr(observations, "observations", lambda folder=None: fixture.copy())
    from helpers.core.catalogue import Term
    from helpers.indicators import compute

    monkeypatch.setattr(observations, "observations_of", lambda m, s, o, a, folder=None: compute._select(fixture, Term(m, s, o, a)))
    result = area_statistics.segregation_indices("foreign", "german")
    assert result.table["year"].tolist() == [2013]
    assert result.skipped_years == (2014,)
    assert result.table.loc[0, "n_areas"] == result.n_areas == len(codes) == 45


@pytest.fixture(scope="module")
def real() -> dict[str, pd.DataFrame]:
    return {pair: area_statistics.segregation_indices(*pair.split("/")).table
            for pair in ("migration/no_migration", "foreign/german")}


def test_real_data_years_and_plausible_ranges(real):
    for result in real.values():
        assert result["year"].tolist() == list(range(2006, 2020))  # SMS to 2014, the city's open data after
        assert (result["n_areas"] == 45).all()
        assert result["dissimilarity"].between(0.1, 0.35).all()
        assert result["isolation_corrected"].between(0, 0.1).all()
        assert (result["isolation"] > result["share"]).all()  # xPx >= P always, > with any unevenness
        assert (result["isolation"] + result["exposure"]).to_numpy() == pytest.approx(np.ones(14))
    assert real["migration/no_migration"]["share"].between(0.2, 0.235).all()
    assert real["foreign/german"]["share"].between(0.07, 0.11).all()


def test_real_dissimilarity_2014_matches_raw_observation_rows(real):
    obs = observations.observations()
    rows = obs[(obs["measure"] == "population") & (obs["sex"] == "total") & (obs["age"] == "total")
               & (obs["area_level"] == "stadtteil") & (obs["year"] == 2014)
               & obs["origin"].isin(["total", "migration"])]
    wide = rows.pivot(index="area_code", columns="origin", values="value").astype(float)
    assert len(wide) == 45 and wide.notna().all().all()
    mig = wide["migration"]
    non_mig = wide["total"] - wide["migration"]
    expected = 0.5 * (mig / mig.sum() - non_mig / non_mig.sum()).abs().sum()
    got = real["migration/no_migration"].set_index("year").loc[2014, "dissimilarity"]
    assert got == pytest.approx(expected, abs=1e-12)


def test_module_exports_the_documented_columns(real):
    assert list(real["foreign/german"].columns) == segregation.COLUMNS


def test_section_holds_its_table_results_and_sentences(real):
    section = area_patterns.segregation_section(2014)
    table = section.tables["indizes"]
    assert table["year"].between(2005, 2014).all() and set(table["label"]) == {p[2] for p in area_statistics.PAIRS}
    mv = table[table["label"] == area_statistics.PAIRS[0][2]].set_index("year")
    # The shown D is the one checked against the raw observation rows above (0.2039 in 2014).
    assert mv.loc[2014, "dissimilarity"] == real["migration/no_migration"].set_index("year").loc[2014, "dissimilarity"]
    assert round(mv.loc[2014, "dissimilarity"], 3) == 0.204
    assert section.results[area_statistics.PAIRS[1][2]].group == "foreign"
    assert section.coarse.level == "stadtbezirk" and section.coarse.n_areas == 6
    assert section.sentences[0].startswith("Ausländer/-innen und Deutsche: 2014 D = 0,181 (2006: 0,187)")
    assert section.sentences[1].startswith("Menschen mit und ohne Migrationsvorgeschichte: 2014 D = 0,204 (2006:")
    assert list(section.figures) == ["dissimilaritaet"]
    assert [p.kind for p in section.parts] == ["markdown", "markdown", "figure", "html", "markdown"]
    assert "auf Ebene der 6 Stadtbezirke nur D = 0,167" in section.parts[-1].content


def test_docstring_examples_run():
    import doctest

    from helpers.stats import segregation as module

    failures, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted >= 3 and failures == 0
