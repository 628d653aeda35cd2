"""The seeded synthetic demo data: deterministic, schema-valid, consistent, tied to the real structure."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import catalogue, observations, paths
from helpers.core.model import OBSERVATIONS
from helpers.indicators import compute
from helpers.sources.demo import synthetic

CAT = catalogue.load()
SYNTHETIC = [i for i in CAT.indicators if i.synthetic]
YEARS = list(synthetic.YEARS)


REAL_FILES = ("sms.csv", "opendata.csv")


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return pd.concat([observations.read_observation_file(paths.OBSERVATIONS_DIR / name) for name in REAL_FILES],
                     ignore_index=True)


@pytest.fixture(scope="module")
def generated(real) -> pd.DataFrame:
    return synthetic.generate(CAT, real)


@pytest.fixture(scope="module")
def obs(real, generated) -> pd.DataFrame:
    return pd.concat([real, generated], ignore_index=True)


def test_deterministic(real, generated):
    again = synthetic.generate(CAT, real)
    pd.testing.assert_frame_equal(generated, again)


def test_committed_file_is_current(generated):
    committed = observations.read_observation_file(paths.OBSERVATIONS_DIR / "synthetic.csv")
    pd.testing.assert_frame_equal(committed.reset_index(drop=True), generated.reset_index(drop=True),
                                  check_dtype=False)


def test_schema_valid_and_all_synthetic(generated):
    OBSERVATIONS.validate(generated)
    assert generated["synthetic"].all()
    assert (generated["flag"] == "").all()
    assert generated["source"].str.startswith("Demodaten – synthetisch").all()
    assert generated["value"].notna().all()


def test_no_measure_overlaps_the_real_data(real, generated):
    assert not set(generated["measure"]) & set(real["measure"])


def test_guard_rejects_a_real_measure_name(real, monkeypatch):
    monkeypatch.setitem(synthetic.MEASURES, "unemployed", synthetic.City(size=10))
    with pytest.raises(synthetic.SyntheticDataError, match="unemployed"):
        synthetic.generate(CAT, real)


def test_synthetic_indicators_use_only_synthetic_measures(generated):
    measures = set(generated["measure"])
    for ind in CAT.indicators:
        for term in ind.terms:
            assert (term.measure in measures) == ind.synthetic, (ind.id, term.measure)
        if ind.synthetic:
            assert ind.source.startswith("Demodaten – synthetisch"), ind.id
            assert ind.first_year <= YEARS[0] or ind.extra.get("survey_years"), ind.id


def test_small_area_measures_have_no_larger_area_rows(generated):
    levels = generated.groupby("measure")["area_level"].agg(set)
    assert all(len(s) == 1 for s in levels), levels[levels.map(len) > 1]
    assert set(generated["area_level"]) == {"stadtteil", "stadt"}
    st = generated[generated["area_level"] == "stadtteil"]
    assert st.groupby(["measure", "year", "sex", "origin", "age"])["area_code"].nunique().eq(45).all()


def test_male_plus_female_is_total(generated):
    key = ["year", "area_level", "area_code", "measure", "origin", "age"]
    wide = generated.pivot_table(index=key, columns="sex", values="value", aggfunc="first")
    both = wide.dropna(subset=["male", "female"]) if {"male", "female"} <= set(wide.columns) else wide.iloc[:0]
    assert len(both), "no sex-split measure generated"
    assert (both["male"] + both["female"] == both["total"]).all()


@pytest.mark.parametrize("ind", SYNTHETIC, ids=lambda i: i.id)
def test_indicator_computes_for_every_year_at_city_level(ind, obs):
    vals = compute.values(ind, "stadt", obs)
    expected_years = [int(y) for y in ind.extra.get("survey_years") or YEARS]
    for group in ["total", *ind.group_values]:
        rows = vals[vals["group"] == group]
        assert sorted(rows["year"]) == expected_years, (ind.id, group)
        assert rows["value"].notna().all() and (rows["flag"] == "").all(), (ind.id, group)
        assert rows["synthetic"].all()
        if ind.unit != "m²":  # a count of a subset: never more than its base
            assert (rows["numerator"] <= rows["denominator"]).all(), (ind.id, group)


@pytest.mark.parametrize("ind", [i for i in SYNTHETIC if i.level == "stadtteil"], ids=lambda i: i.id)
def test_small_area_indicator_computes_per_stadtteil(ind, obs):
    vals = compute.values(ind, "stadtteil", obs)
    for group in ["total", *ind.group_values]:
        rows = vals[vals["group"] == group]
        assert len(rows) == 45 * len(YEARS), (ind.id, group)
        assert rows["numerator"].notna().all() and rows["denominator"].notna().all()
        if ind.unit != "m²":
            assert (rows["numerator"] <= rows["denominator"]).all(), (ind.id, group)
        assert (rows["numerator"] >= 0).all()


def _pooled(ind_id: str, obs: pd.DataFrame) -> pd.Series:
    vals = compute.values(CAT.indicator(ind_id), "stadtteil", obs)
    vals = vals[(vals["group"] == "total") & vals["year"].isin(YEARS)]
    sums = vals.groupby("area_code")[["numerator", "denominator"]].sum().astype(float)
    return sums["numerator"] / sums["denominator"]


def test_language_support_need_follows_the_real_migration_share(obs):
    need = _pooled("sprachfoerderbedarf_seu", obs)
    mv = _pooled("mv_anteil", obs)
    assert need.corr(mv.reindex(need.index), method="spearman") > 0.5


def test_poverty_and_gymnasium_follow_the_real_unemployment_density(obs):
    alo = _pooled("alo_dichte", obs)
    assert _pooled("kinderarmut", obs).corr(alo, method="spearman") > 0.5
    assert _pooled("sgb2_quote", obs).corr(alo, method="spearman") > 0.5
    assert _pooled("gymnasium_uebergang", obs).corr(alo, method="spearman") < -0.3


def test_residents_of_all_ages_equal_the_real_population(real, generated):
    res = generated[(generated["measure"] == "residents") & (generated["age"] == "total")
                    & (generated["sex"] == "total") & (generated["origin"] == "total")]
    pop = real[(real["measure"] == "population") & (real["area_level"] == "stadtteil") & (real["sex"] == "total")
               & (real["origin"] == "total")]
    merged = res.merge(pop, on=["year", "area_code"], suffixes=("_s", "_r"))
    assert len(merged) == 45 * len(YEARS)
    assert (merged["value_s"] == merged["value_r"]).all()


def test_every_handlungsfeld_has_enough_indicators():
    assert len(CAT.indicators) >= 45
    for hf in CAT.handlungsfelder:
        if hf.id != "kontext":
            assert len(CAT.for_handlungsfeld(hf.id)) >= 3, hf.id


def test_cli_writes_identical_file(tmp_path, real):
    (tmp_path / "observations").mkdir()
    for name in REAL_FILES:
        (tmp_path / "observations" / name).write_bytes((paths.OBSERVATIONS_DIR / name).read_bytes())
    assert synthetic.main(["--out", str(tmp_path)]) == 0
    first = (tmp_path / "observations" / "synthetic.csv").read_bytes()
    assert synthetic.main(["--out", str(tmp_path)]) == 0
    assert (tmp_path / "observations" / "synthetic.csv").read_bytes() == first
    assert first == (paths.OBSERVATIONS_DIR / "synthetic.csv").read_bytes()


def test_the_demo_years_end_with_the_real_population_by_migration_history(real):
    assert YEARS == list(range(2010, 2020))
    synthetic.check_years(real)  # the real series ends in 2019 too
    with pytest.raises(synthetic.SyntheticDataError, match="Die Demodaten decken 2010–2019 ab, die realen Daten "
                                                           "zur Bevölkerung mit Migrationsvorgeschichte enden 2014"):
        synthetic.check_years(real[real["year"] <= 2014])
