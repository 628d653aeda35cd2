"""Disclosure control on hand-made tables: primary rule, population floor, secondary suppression."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import paths
from helpers.disclosure import suppression
from helpers.disclosure.suppression import PRIMARY, SECONDARY, Rule

RULE = Rule(min_count=3, min_denominator=30, min_population=300)
# Bezirk "B" (in the city "C") has Stadtteile s1, s2, s3; Bezirk "D" has d1, d2.
PARENTS = {("stadtteil", "s1"): ("stadtbezirk", "B"), ("stadtteil", "s2"): ("stadtbezirk", "B"),
           ("stadtteil", "s3"): ("stadtbezirk", "B"), ("stadtteil", "d1"): ("stadtbezirk", "D"),
           ("stadtteil", "d2"): ("stadtbezirk", "D"), ("stadtbezirk", "B"): ("stadt", "C"),
           ("stadtbezirk", "D"): ("stadt", "C")}
LEVEL = {"s1": "stadtteil", "s2": "stadtteil", "s3": "stadtteil", "d1": "stadtteil", "d2": "stadtteil",
         "B": "stadtbezirk", "D": "stadtbezirk", "C": "stadt"}


def table(cells: dict[tuple[str, str], tuple[int | None, int | None]], year: int = 2014) -> pd.DataFrame:
    """Rows from {(area, group): (numerator, denominator)}; value = numerator / denominator * 100."""
    rows = []
    for (area, group), (num, den) in cells.items():
        value = None if num is None or den is None else num / den * 100
        rows.append({"indicator": "x", "year": year, "area_level": LEVEL[area], "area_code": area,
                     "group": group, "numerator": num, "denominator": den, "value": value, "flag": ""})
    out = pd.DataFrame(rows)
    out["numerator"] = out["numerator"].astype("Int64")
    out["denominator"] = out["denominator"].astype("Int64")
    out["value"] = out["value"].astype("Float64")
    return out


def reasons(out: pd.DataFrame) -> dict[tuple[str, str], str]:
    return {(a, g): r for a, g, r in out[["area_code", "group", "suppressed"]].itertuples(index=False) if r}


def test_primary_rule_counts_denominator_and_zero():
    vals = table({("s1", "total"): (0, 100), ("s2", "total"): (1, 100), ("s3", "total"): (2, 100),
                  ("d1", "total"): (3, 29), ("d2", "total"): (3, 30)})
    out = suppression.suppress_rates(vals, RULE)
    assert out["suppressed"].tolist() == ["", PRIMARY, PRIMARY, PRIMARY, ""]
    assert out["value"].isna().tolist() == [False, True, True, True, False]
    assert out.loc[out["suppressed"] != "", "flag"].eq(".").all()
    assert out.loc[0, "value"] == 0  # a true zero is not secret
    assert vals["value"].notna().all(), "the input (stored data) stays complete"


def test_counts_of_one_and_two_become_missing():
    shown = suppression.suppress_counts(pd.Series([0, 1, 2, 3, None]), RULE)
    assert shown.isna().tolist() == [False, True, True, False, True]


def test_population_floor_applies_to_stadtteile_only():
    vals = table({("s1", "total"): (50, 290), ("B", "total"): (50, 290)})
    population = pd.Series({(2014, LEVEL["s1"], "s1"): 299, (2014, LEVEL["B"], "B"): 299})  # year, level, code
    out = suppression.suppress_rates(vals, RULE, population)
    assert out["suppressed"].tolist() == [PRIMARY, ""]
    population = pd.Series({(2014, LEVEL["s1"], "s1"): 300})
    assert suppression.suppress_rates(vals, RULE, population)["suppressed"].tolist() == ["", ""]


def test_secondary_suppression_in_an_area_sum_takes_the_smallest_other_part():
    # s1 (numerator 2) is secret; without a second suppression s1 = B - s2 - s3.
    vals = table({("s1", "total"): (2, 100), ("s2", "total"): (10, 100), ("s3", "total"): (5, 100),
                  ("B", "total"): (17, 300)})
    out = suppression.protect(vals, PARENTS, RULE)
    assert reasons(out) == {("s1", "total"): PRIMARY, ("s3", "total"): SECONDARY}
    assert out.set_index("area_code").loc["B", "value"] == pytest.approx(17 / 3)  # the total stays published


def test_secondary_suppression_between_groups_cascades_over_areas():
    # Women in s1: 1 -> secret; men in s1 = total - women, so men in s1 go too; then the men's
    # Stadtteil sum of B has one secret cell (s1), so the smallest other men's cell (s3) goes as well.
    cells = {}
    for area, (women, men) in {"s1": (1, 40), "s2": (20, 30), "s3": (15, 25)}.items():
        cells[(area, "female")] = (women, 100)
        cells[(area, "male")] = (men, 100)
        cells[(area, "total")] = (women + men, 200)
    cells[("B", "female")], cells[("B", "male")], cells[("B", "total")] = (36, 300), (95, 300), (131, 600)
    out = suppression.protect(table(cells), PARENTS, RULE)
    got = reasons(out)
    assert got[("s1", "female")] == PRIMARY
    assert got[("s1", "male")] == SECONDARY
    assert ("s3", "male") in got or ("s2", "male") in got
    assert_no_sum_has_one_secret_cell(out)


def test_a_missing_cell_already_protects_its_sum():
    vals = table({("s1", "total"): (2, 100), ("s2", "total"): (None, None), ("s3", "total"): (5, 100),
                  ("B", "total"): (17, 300)})
    out = suppression.protect(vals, PARENTS, RULE)
    assert reasons(out) == {("s1", "total"): PRIMARY}


def test_choice_of_secondary_cell_is_reproducible():
    vals = table({("d1", "total"): (2, 100), ("s1", "total"): (7, 100), ("s2", "total"): (7, 100),
                  ("s3", "total"): (1, 100), ("B", "total"): (15, 300), ("d2", "total"): (9, 100),
                  ("D", "total"): (11, 200), ("C", "total"): (26, 500)})
    first = suppression.protect(vals, PARENTS, RULE)
    again = suppression.protect(vals.sample(frac=1, random_state=3), PARENTS, RULE)
    key = ["area_code", "group"]
    pd.testing.assert_frame_equal(first.sort_values(key).reset_index(drop=True)[key + ["suppressed"]],
                                  again.sort_values(key).reset_index(drop=True)[key + ["suppressed"]])
    # s3 secret -> smallest other part of B: s1 and s2 tie at 7, the lower code wins.
    assert reasons(first)[("s1", "total")] == SECONDARY
    assert_no_sum_has_one_secret_cell(first)


def assert_no_sum_has_one_secret_cell(out: pd.DataFrame) -> None:
    hidden = out["suppressed"].ne("").to_numpy()
    known = (out["value"].notna() | out["suppressed"].ne("")).to_numpy()
    for total, parts in suppression.sums(out, PARENTS):
        cells = [total, *parts]
        if known[cells].all():
            assert hidden[cells].sum() != 1, out.iloc[cells]


def test_rule_file_is_read_and_checked(tmp_path):
    """The rule lives under `disclosure:` in config/monitoring.yml; the messages name that file."""
    path = tmp_path / "monitoring.yml"
    chapters = "chapters:\n  - notebook: 00_a.ipynb\n"
    path.write_text(chapters + "disclosure:\n  min_count: 4\n  min_denominator: 50\n  min_population: 0\n",
                    encoding="utf-8")
    rule = suppression.load_rule(path)
    assert rule == Rule(min_count=4, min_denominator=50, min_population=0)
    assert "1 bis 3" in rule.describe() and "kleiner als 50" in rule.describe()
    path.write_text(chapters + "disclosure:\n  min_count: 3\n  mindest_nenner: 30\n", encoding="utf-8")
    with pytest.raises(suppression.DisclosureError,
                       match=r"monitoring.yml: disclosure: unbekannte Einstellung\(en\) mindest_nenner; erlaubt: "
                             r"min_count, min_denominator, min_population, population_measure\."):
        suppression.load_rule(path)
    path.write_text(chapters + "disclosure:\n  min_count: -1\n", encoding="utf-8")
    with pytest.raises(suppression.DisclosureError, match="monitoring.yml: disclosure: 'min_count' muss eine ganze "
                                                          "Zahl ≥ 0 sein, gefunden: -1"):
        suppression.load_rule(path)
    path.write_text(chapters, encoding="utf-8")  # no rule in the file: the defaults
    assert suppression.load_rule(path) == Rule(min_count=3, min_denominator=30, min_population=300)


def test_the_committed_rule_is_the_one_in_the_configuration():
    """Moved from data/disclosure.yml with every key and value."""
    assert suppression.active_rule() == Rule(min_count=3, min_denominator=30, min_population=300,
                                             population_measure="population")
    assert not (paths.DATA / "disclosure.yml").exists()


def test_disclosed_values_keep_no_trace_of_a_suppressed_cell():
    """Section tables and exports hand disclosed frames on: a secret cell has no value, numerator or denominator."""
    from helpers.disclosure import disclosed

    vals = disclosed.values("langzeit_alo_anteil", "stadtteil")
    secret = vals[vals["suppressed"] != ""]
    assert set(secret["suppressed"]) == {"primär", "sekundär"}
    assert secret[["value", "numerator", "denominator"]].isna().all().all()
    shown = vals[vals["suppressed"] == ""]
    assert shown["numerator"].notna().any()  # published cells keep their counts
    row = vals[(vals["year"] == 2006) & (vals["area_code"] == "12") & (vals["group"] == "total")].iloc[0]
    assert row["suppressed"] == "primär" and row["flag"] == "."  # Überwasser 2006: 9 of 28 (denominator < 30)


def test_the_checker_names_each_kind_of_small_number_with_its_row():
    """checker.check_primary on hand-made cells: one value per rule it can break, one that breaks none,
    one at the city level (no population floor), one hidden (not published, not checked)."""
    from helpers.disclosure import checker

    key = {"indicator": "x", "group": "total"}
    cells = pd.DataFrame([
        {**key, "area_level": "stadtteil", "area_code": "11", "year": 2014, "value": 50.0, "row": 7},   # numerator 2
        {**key, "area_level": "stadtteil", "area_code": "12", "year": 2014, "value": 40.0, "row": 8},   # denominator 20
        {**key, "area_level": "stadtteil", "area_code": "13", "year": 2014, "value": 10.0, "row": 9},   # 250 residents
        {**key, "area_level": "stadtteil", "area_code": "14", "year": 2014, "value": 10.0, "row": 10},  # fine
        {**key, "area_level": "stadt", "area_code": "1", "year": 2014, "value": 10.0, "row": 11},       # city: no floor
        {**key, "area_level": "stadtteil", "area_code": "11", "year": 2013, "value": None, "row": 12},  # shown as "."
    ])
    stored = pd.DataFrame({**{k: [v] * 6 for k, v in key.items()},
                           "area_level": ["stadtteil"] * 5 + ["stadt"], "area_code": ["11", "11", "12", "13", "14", "1"],
                           "year": [2014, 2013, 2014, 2014, 2014, 2014], "numerator": [2, 1, 8, 25, 40, 4],
                           "denominator": [4, 4, 20, 250, 400, 40], "value": [50.0, 25.0, 40.0, 10.0, 10.0, 10.0]})
    population = pd.Series([900.0, 250.0, 1000.0, 100.0],
                           index=pd.MultiIndex.from_tuples([(2014, "stadtteil", "12"), (2014, "stadtteil", "13"),
                                                            (2014, "stadtteil", "14"), (2014, "stadt", "1")]))
    found = checker.check_primary(cells, stored, Rule(), population, "published/99_test.csv")
    assert [(v.row, v.cell) for v in found] == [(7, "x, stadtteil 11, 2014, total"), (8, "x, stadtteil 12, 2014, total"),
                                                (9, "x, stadtteil 13, 2014, total")]
    assert [v.problem for v in found] == [
        'Wert 50.0 veröffentlicht, aber Zähler 2 ist kleiner als 3. Der Wert muss als "." erscheinen.',
        'Wert 40.0 veröffentlicht, aber Nenner 20 ist kleiner als 30. Der Wert muss als "." erscheinen.',
        'Wert 10.0 veröffentlicht, aber das Gebiet (Stadtteil) hat 250 Einwohner/-innen, weniger als 300. '
        'Der Wert muss als "." erscheinen.']
    assert checker.check_primary(cells, stored, Rule(min_population=0), population, "f")[-1].row == 8
