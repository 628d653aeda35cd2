"""Social-space index (MSS method): hand-made z-scores and classes, boundaries, exclusions, the result
object and its parameters, real data, and the section of chapter 07 (records only when displayed)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from helpers.core import areas, catalogue
from helpers.disclosure import disclosed, register
from helpers.indicators import compute
from helpers.sections import area_patterns, area_statistics
from helpers.stats import socialspace
from helpers.stats.socialspace import (
    SocialSpaceError,
    classify_dynamics,
    classify_status,
    index_from_values,
)

CODES = [str(c) for c in range(11, 21)]
# One indicator: the status index is the z-score itself (mean of one z, standardised again).
# v: mean 5.3, squared deviations 18.49 + 2·1.69 + 4·0.09 + 0.49 + 7.29 + 22.09 = 52.1, SD = sqrt(52.1/9) = 2.40601
#    z(1) = −4.3/2.406 = −1.787 "hoch", z(8) = 2.7/2.406 = 1.122 "niedrig", z(10) = 4.7/2.406 = 1.953 "sehr niedrig"
NOW = [1.0, 4.0, 4.0, 5.0, 5.0, 5.0, 5.0, 6.0, 8.0, 10.0]
# change c: mean 0.1, squared deviations 9.61 + 7·0.01 + 0.81 + 8.41 = 18.9, SD = sqrt(2.1) = 1.44914
#    z(−3) = −3.1/1.449 = −2.139 "positiv", z(3) = 2.9/1.449 = 2.001 "negativ", z(1) = 0.621 "stabil"
CHANGE = [-3.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 3.0]
POP = pd.Series(1000.0, index=CODES)


def _frames(now=NOW, change=CHANGE, column="alo") -> tuple[pd.DataFrame, pd.DataFrame]:
    values = pd.DataFrame({column: now}, index=CODES)
    return values, values - pd.DataFrame({column: change}, index=CODES)


def test_hand_made_z_scores_and_classes():
    now, before = _frames()
    table, excluded = index_from_values(now, before, POP, 300, area_names={c: f"Gebiet {c}" for c in CODES})
    assert excluded.empty and list(table["area_code"]) == CODES
    assert table["alo_z"].iloc[0] == pytest.approx(-4.3 / np.sqrt(52.1 / 9))
    assert table["status_index"].iloc[-1] == pytest.approx(4.7 / np.sqrt(52.1 / 9))
    assert table["dynamics_index"].iloc[0] == pytest.approx(-3.1 / np.sqrt(2.1))
    assert list(table["status_label"]) == ["hoch"] + ["mittel"] * 7 + ["niedrig", "sehr niedrig"]
    assert list(table["dynamics_label"]) == ["positiv"] + ["stabil"] * 8 + ["negativ"]
    assert table["group_label"].iloc[0] == "hoch / positiv"
    assert table["group_label"].iloc[-1] == "sehr niedrig / negativ"
    assert table["alo_change"].tolist() == CHANGE and table["area_name"].iloc[0] == "Gebiet 11"


def test_two_indicators_mean_of_z_standardised_again():
    # a = 1..5: z = (a−3)/sqrt(2.5); b = 1,1,1,1,6: z = (b−2)/sqrt(5); corr(a, b) = 10/sqrt(10·20) = 1/√2.
    # The mean of two z-scores has SD sqrt((1 + r)/2) = 0.92388, so the status index is mean / 0.92388.
    codes = CODES[:5]
    now = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [1.0, 1, 1, 1, 6]}, index=codes)
    table, _ = index_from_values(now, now, POP, 300)
    mean_z = ((now["a"] - 3) / np.sqrt(2.5) + (now["b"] - 2) / np.sqrt(5)) / 2
    expected = mean_z / np.sqrt((1 + 1 / np.sqrt(2)) / 2)
    np.testing.assert_allclose(table["status_index"], expected.to_numpy())
    assert table["status_index"].iloc[-1] == pytest.approx(1.65268595)
    assert list(table["status_label"]) == ["mittel"] * 4 + ["sehr niedrig"]
    assert (table["dynamics_index"] == 0).all()  # no change anywhere: constant, z = 0, "stabil"
    assert (table["dynamics_label"] == "stabil").all()


def test_boundaries_belong_to_the_middle_class():
    eps = 1e-9
    z = pd.Series([-1 - eps, -1.0, 1.0, 1 + eps, 1.5, 1.5 + eps, np.nan])
    assert classify_status(z).tolist() == [1, 2, 2, 3, 3, 4, pd.NA]
    assert classify_dynamics(z).tolist() == [1, 2, 2, 3, 3, 3, pd.NA]


def test_floor_and_missing_values_exclude_before_standardising():
    now, before = _frames()
    pop = POP.copy()
    pop["11"], pop["12"] = 299.0, 300.0  # below the floor / exactly at it (kept, "weniger als 300")
    now.loc["13", "alo"] = np.nan
    before.loc["14", "alo"] = np.nan
    pop["15"] = np.nan
    table, excluded = index_from_values(now, before, pop, 300, year=2014, base_year=2012,
                                        area_names={c: f"Gebiet {c}" for c in CODES})
    reasons = dict(zip(excluded["area_code"], excluded["reason"]))
    assert reasons == {
        "11": "weniger als 300 Einwohner/-innen (299)",
        "13": "Wert fehlt oder geheim (alo 2014)",
        "14": "Wert fehlt oder geheim (alo 2012)",
        "15": "Einwohnerzahl fehlt",
    }
    assert excluded.loc[excluded["area_code"] == "11", "area_name"].item() == "Gebiet 11"
    assert set(table["area_code"]) | set(excluded["area_code"]) == set(CODES)
    assert not set(table["area_code"]) & set(excluded["area_code"])
    kept = now.loc[table["area_code"], "alo"]
    np.testing.assert_allclose(table["alo_z"], ((kept - kept.mean()) / kept.std(ddof=1)).to_numpy())
    assert table["status_index"].mean() == pytest.approx(0.0, abs=1e-12)
    assert table["status_index"].std(ddof=1) == pytest.approx(1.0)


def test_too_few_areas_left_is_an_error():
    now, before = _frames()
    with pytest.raises(SocialSpaceError, match="bleiben 0 Gebiet"):
        index_from_values(now, before, POP, floor=5000)


def test_higher_better_is_flipped():
    now, before = _frames(column="good")
    flipped, _ = index_from_values(now, before, POP, 300, flip=["good"])
    negated, _ = index_from_values(-now, -before, POP, 300)
    np.testing.assert_allclose(flipped["status_index"], negated["status_index"])
    np.testing.assert_allclose(flipped["dynamics_index"], negated["dynamics_index"])
    assert flipped["good"].tolist() == NOW  # the shown value stays the published one
    assert flipped["status_label"].iloc[0] == "sehr niedrig"  # lowest "good" value = lowest status


def test_directions_and_flip_through_compute():
    with pytest.warns(UserWarning, match="Bruch in der Reihe im Zeitraum 2012–2014 bei 'betreuung_u3'"):
        result = area_statistics.social_space(["betreuung_u3", "alo_dichte"], 2014, directions={"betreuung_u3": "higher_better"})
    assert result.flipped == ("betreuung_u3",)
    assert result.synthetic  # betreuung_u3 is demo data


def test_synthetic_flag():
    assert not area_statistics.social_space(socialspace.DEFAULT_INDICATORS, 2014).synthetic
    assert area_statistics.social_space(["alo_dichte", "kinderarmut"], 2014).synthetic


def test_errors_in_german():
    with pytest.raises(SocialSpaceError, match=r"'mv_anteil' .* ist beschreibend \(keine Wertung\)"):
        area_statistics.social_space(["mv_anteil"], 2014)
    with pytest.raises(SocialSpaceError, match=r"nur die Zielrichtung des Gruppenabstands .*directions="):
        area_statistics.social_space(["betreuung_u3"], 2014)
    with pytest.raises(SocialSpaceError, match=r"Unbekannte\(r\) Indikator\(en\): nope\. .*alo_sgb2_dichte"):
        area_statistics.social_space(["nope"], 2014)
    with pytest.raises(SocialSpaceError, match=r"einbuergerungsquote \(nur Ebene 'stadt'\)"):
        area_statistics.social_space(["einbuergerungsquote"], 2014)
    with pytest.raises(SocialSpaceError, match="für das Berichtsjahr 1990 keine Werte"):
        area_statistics.social_space(["alo_dichte"], 1990)
    # Long-term unemployment per Stadtteil was not published for 2011: base year of 2013.
    no_2011 = r"'langzeit_alo_dichte' hat für das Basisjahr 2011 keine Werte .*2010, 2012"
    with pytest.raises(SocialSpaceError, match=no_2011):
        area_statistics.social_space(socialspace.DEFAULT_INDICATORS, 2013)
    with pytest.raises(SocialSpaceError, match="mindestens ein Jahr"):
        area_statistics.social_space(["alo_dichte"], 2014, period=0)


def test_break_in_period_warns():
    with pytest.warns(UserWarning, match="Bruch in der Reihe im Zeitraum 2010–2012"):
        area_statistics.social_space(["alo_dichte"], 2012)


def test_new_catalogue_indicator_is_real_and_per_stadtteil():
    ind = catalogue.load().indicator("langzeit_alo_dichte")
    assert ind.handlungsfeld == "stadtteilentwicklung" and not ind.synthetic and ind.direction == "lower_better"
    vals = compute.values(ind, "stadtteil")
    per_year = vals[vals["value"].notna()].groupby("year").size()
    assert per_year.index.min() == ind.first_year == 2000  # numerator from 1999, population per Stadtteil from 2000
    assert per_year[2014] == 45 and 2011 not in per_year.index


def test_real_data_2014():
    result = area_statistics.social_space(socialspace.DEFAULT_INDICATORS, 2014)
    table, excluded = result.table, result.excluded
    assert (result.year, result.base_year, result.indicator_ids) == (2014, 2012, tuple(socialspace.DEFAULT_INDICATORS))
    assert len(table) == 45 - len(excluded)
    assert sorted([*table["area_code"], *excluded["area_code"]]) == sorted(areas.area_names("stadtteil"))
    assert table["status_class"].notna().all() and table["dynamics_class"].notna().all()
    assert set(table["status_label"]) <= set(socialspace.STATUS_LABELS.values())
    assert (table["group_label"] == table["status_label"] + " / " + table["dynamics_label"]).all()
    counts = table["status_label"].value_counts()
    assert counts["mittel"] > len(table) / 2  # standardised index: most areas within ±1 SD
    assert table["status_index"].std(ddof=1) == pytest.approx(1.0)
    assert result.class_counts().to_numpy().sum() == len(table)
    assert result.class_counts().shape == (4, 3)
    # Plausibility: the Stadtteile with the highest unemployment rank lowest in status.
    worst = table.nlargest(1, "alo_dichte")["area_code"].item()
    assert table.loc[table["area_code"] == worst, "status_label"].item() == "sehr niedrig"


def _stand_in(ind_id: str, direction: str = "lower_better", breaks=(), synthetic: bool = False) -> SimpleNamespace:
    """What compute reads of a catalogue entry."""
    return SimpleNamespace(id=ind_id, name=ind_id.upper(), direction=direction, direction_de=direction,
                           breaks=list(breaks), synthetic=synthetic)


def _long_values(column: str = "alo") -> pd.DataFrame:
    now, before = _frames(column=column)
    return pd.concat([frame[column].rename("value").rename_axis("area_code").reset_index().assign(indicator=column, year=y)
                      for frame, y in ((before, 2012), (now, 2014))], ignore_index=True)


def test_pure_compute_carries_its_parameters():
    values = pd.concat([_long_values(), _long_values("good")], ignore_index=True)
    values.loc[(values["indicator"] == "alo") & (values["area_code"] == "20") & (values["year"] == 2014), "value"] = np.nan
    pop = POP.copy()
    pop["11"], pop["12"] = 260.0, 240.0  # above / below the floor of 250
    with pytest.warns(UserWarning, match="Bruch in der Reihe im Zeitraum 2012–2014 bei 'good': neue Zählung"):
        result = socialspace.compute(
            values, pop, [_stand_in("alo"), _stand_in("good", "gap_shrink", ["2013: neue Zählung"], synthetic=True)],
            2014, period=2, population_floor=250, area_names={c: f"Gebiet {c}" for c in CODES}, level="teilbereich",
            directions={"good": "higher_better"})
    assert (result.year, result.base_year, result.period, result.population_floor, result.level) == (
        2014, 2012, 2, 250, "teilbereich")
    assert result.indicator_ids == ("alo", "good") and result.flipped == ("good",) and result.synthetic
    assert result.directions == {"alo": "lower_better", "good": "higher_better"}
    assert dict(zip(result.excluded["area_code"], result.excluded["reason"])) == {
        "12": "weniger als 250 Einwohner/-innen (240)", "20": "Wert fehlt oder geheim (alo 2014)"}
    assert len(result.table) == 8 and result.table["area_name"].iloc[0] == "Gebiet 11"


def test_pure_compute_hand_made_classes():
    result = socialspace.compute(_long_values(), POP, [_stand_in("alo")], 2014, area_names={c: c for c in CODES})
    assert result.base_year == 2012 and result.excluded.empty
    assert result.table["status_index"].iloc[-1] == pytest.approx(4.7 / np.sqrt(52.1 / 9))
    assert list(result.table["dynamics_label"]) == ["positiv"] + ["stabil"] * 8 + ["negativ"]
    with pytest.raises(SocialSpaceError, match="für das Berichtsjahr 2015 keine Werte .*Jahre mit Werten: 2012, 2014"):
        socialspace.compute(_long_values(), POP, [_stand_in("alo")], 2015)


def test_section_holds_its_table_and_records_only_when_displayed(chapter_register, monkeypatch):
    section = area_patterns.social_space_section(socialspace.DEFAULT_INDICATORS, 2014)
    assert not (chapter_register / "published").exists()  # computed, not shown: nothing published
    result = section.social_space
    assert (result.year, result.base_year, result.period, result.population_floor) == (2014, 2012, 2, 300)
    table = section.tables["sozialraumindex"]
    assert table is result.table and len(table) == 45 and section.tables["ausgeschlossen"].empty
    # Hand check: the table holds the disclosed unemployment density of Stadtteil 11 in 2014.
    alo = disclosed.values("alo_dichte", "stadtteil")
    alo = alo[(alo["year"] == 2014) & (alo["group"] == "total")].set_index("area_code")["value"]
    assert table.set_index("area_code").loc["11", "alo_dichte"] == float(alo["11"])
    assert section.sentences == [
        "45 von 45 Stadtteilen sind eingeordnet: "
        + ", ".join(f"Status {k} {int((table['status_label'] == k).sum())}"
                    for k in ("hoch", "mittel", "niedrig", "sehr niedrig"))
        + ". Kein Stadtteil liegt unter der Mindestbevölkerung von 300 Einwohner/-innen oder ist ohne Wert."]
    assert list(section.figures) == ["sozialraumindex"]
    shown = []
    # a displayed result shows each figure through its image tag (helpers.sections.shown)
    monkeypatch.setattr(area_patterns.charts, "figure_tag", lambda fig, alt=None, data=None: shown.append(fig) or "")
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: None)
    section._ipython_display_()
    assert shown == [section.figures["sozialraumindex"]]
    records = register.read_records(chapter_register)
    # Three indicators in the report year and the base year, 45 Stadtteile each, in that order.
    assert len(records) == 6 * 45 and set(records["what"]) == {"Analyse"}
    assert records["year"].tolist() == [2014] * 135 + [2012] * 135
    assert records["indicator"].drop_duplicates().tolist() == socialspace.DEFAULT_INDICATORS
    assert records.loc[records["area_code"] == "11", "value"].iloc[0] == round(float(alo["11"]), 1)


def test_section_says_why_it_cannot_compute(chapter_register):
    section = area_patterns.social_space_section(["mv_anteil"], 2014)
    assert section.social_space is None and not section.tables
    assert section.parts[-1].content.startswith("*Der Sozialraumindex kann für 2014 nicht berechnet werden: ")
    section._ipython_display_()
    assert not (chapter_register / "published").exists()  # nothing analysed, nothing recorded


def test_docstring_examples_run():
    import doctest

    from helpers.stats import socialspace as module

    failures, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted >= 3 and failures == 0
