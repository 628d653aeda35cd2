"""The seeded synthetic demo data: deterministic, schema-valid, consistent, tied to the real structure."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import catalogue, observations, paths
from helpers.core.model import OBSERVATIONS
from helpers.indicators import compute
from helpers.sources.demo import needs, synthetic

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
    monkeypatch.setitem(synthetic.MEASURES, "unemployed", synthetic.MEASURES["publications"])
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
               & (real["origin"] == "total") & (real["age"] == "total")]
    merged = res.merge(pop, on=["year", "area_code"], suffixes=("_s", "_r"))
    assert len(merged) == 45 * len(YEARS)
    assert (merged["value_s"] == merged["value_r"]).all()


def test_every_handlungsfeld_has_enough_indicators():
    assert len(CAT.indicators) >= 45
    for hf in CAT.handlungsfelder:
        if hf.id != "kontext":
            assert len(CAT.for_handlungsfeld(hf.id)) >= 3, hf.id


@pytest.mark.slow
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
    needs.check_years(real, synthetic.YEARS)  # the real series ends in 2019 too
    with pytest.raises(synthetic.SyntheticDataError, match="Die Demodaten decken 2010–2019 ab, die realen Daten "
                                                           "zur Bevölkerung mit Migrationsvorgeschichte enden 2014"):
        needs.check_years(real[real["year"] <= 2014], synthetic.YEARS)


def test_the_parameters_are_data_beside_the_generator():
    """The tuned values live in parameters.yml (shipped as package data), not in the code."""
    from helpers.sources.demo import parameters

    assert parameters.PARAMETERS_FILE.name == "parameters.yml" and parameters.PARAMETERS_FILE.is_file()
    assert synthetic.PARAMETERS == parameters.load()
    assert f"Seed {synthetic.SEED})" in synthetic.SOURCE and synthetic.YEARS == tuple(range(2010, 2020))
    # a value the file leaves out takes its kind's default; one it gives overrides it
    assert synthetic.MEASURES["hate_crimes"].rate.p == 0.00006 and synthetic.MEASURES["hate_crimes"].rate.odds == 1.0
    assert synthetic.MEASURES["publications"].growth == 1.02 and synthetic.MEASURES["publications"].female == 0.5
    assert synthetic.MEASURES["seu_examined"].factor == 1 / 3
    assert synthetic.AGE_PROFILE["15-64"] == (None, 1.00, 1.15, 0.510, False)


@pytest.mark.parametrize("change, message", [
    (("p: 0.00006", "p: 6e-5"), "measures.hate_crimes.rate.p: '6e-5' ist keine Zahl"),
    (("kind: city, size: 420", "kind: city, sice: 420"), "measures.publications: unbekannte(r) Schlüssel sice"),
    (("kind: city, size: 420", "kind: town, size: 420"), "measures.publications: kind 'town' unbekannt"),
    (("base: publications,", "base: publication,"), "measures.publications_multilingual: Basis 'publication' ist nicht"),
    (("{kind: derived, base: residents, factor: 0.975, sd: 0.005}", "{kind: derived, base: residents, sd: 0.005}"),
     "measures.persons: es fehlt factor"),
    (("share: {migration: [0.07, 0.006]}", "share: {migration: 0.07}"),
     "measures.volunteers_placed.share.migration: erwartet [Anteil im ersten Jahr, Änderung je Jahr]"),
    (('"65+": {share: 0.170,', '"65+": {anteil: 0.170,'), "age_profile.65+: unbekannt anteil; es fehlt share"),
    (("seed: 20250226", "saat: 20250226"), "unbekannt saat; es fehlt seed"),
])
def test_a_bad_parameter_file_names_the_measure_and_key(tmp_path, change, message):
    from helpers.sources.demo import parameters

    text = parameters.PARAMETERS_FILE.read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "parameters.yml"
    bad.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(parameters.ParameterError) as err:
        parameters.load(bad)
    assert str(err.value).startswith("parameters.yml: ") and message in str(err.value)
