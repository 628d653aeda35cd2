"""Correlation engine and explorer: hand-checked coefficients, weights, BH adjustment, groups, errors, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from helpers.core import context, observations
from helpers.figures import charts
from helpers.sections import correlation_export, correlation_values, explorer
from helpers.stats import correlation
from helpers.stats.correlation import CorrelationError
from notebook_execution import execute_notebook


def _table(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    index = pd.Index([str(10 + i) for i in range(n)], name="area_code")
    table = pd.DataFrame({k: np.asarray(v, dtype="float64") for k, v in columns.items()}, index=index)
    table.insert(0, "area_name", [f"Gebiet {c}" for c in index])
    return table


def _one(result: correlation.CorrelationMatrix | pd.DataFrame, a: str, b: str) -> pd.Series:
    long = getattr(result, "long", result)
    return long[(long["indicator_a"] == a) & (long["indicator_b"] == b)].iloc[0]


def test_perfectly_linear_gives_r_one():
    long = correlation.matrix(_table(a=[1, 2, 3, 4, 5], b=[3, 5, 7, 9, 11]), ["a", "b"])
    assert _one(long, "a", "b")["r"] == pytest.approx(1.0)


def test_five_point_pearson_by_hand():
    # x = 1..5 (mean 3), y = 2,4,5,4,5 (mean 4): dx = -2,-1,0,1,2; dy = -2,0,1,0,1
    # Sxy = 4+0+0+0+2 = 6, Sxx = 10, Syy = 4+0+1+0+1 = 6  ->  r = 6 / sqrt(60) = sqrt(0.6) = 0.774597
    long = correlation.matrix(_table(x=[1, 2, 3, 4, 5], y=[2, 4, 5, 4, 5]), ["x", "y"])
    row = _one(long, "x", "y")
    assert row["r"] == pytest.approx(np.sqrt(0.6))
    # t = r sqrt(3 / (1 - r^2)) = sqrt(0.6) sqrt(7.5) = sqrt(4.5) = 2.1213 with 3 df
    assert row["p"] == pytest.approx(2 * stats.t.sf(np.sqrt(4.5), 3))
    assert row["n"] == 5 and row["method"] == "pearson" and not row["weighted"]


def test_spearman_is_one_on_monotone_nonlinear_data_where_pearson_is_not():
    table = _table(x=[1, 2, 3, 4, 5, 6], y=[1, 8, 27, 64, 125, 216])
    assert _one(correlation.matrix(table, ["x", "y"], "spearman"), "x", "y")["r"] == pytest.approx(1.0)
    assert _one(correlation.matrix(table, ["x", "y"], "pearson"), "x", "y")["r"] < 0.95


VALUES = dict(a=[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0],  # ties in a, b and c test the weighted average ranks
              b=[2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0],
              c=[5.0, 3.0, 5.0, 8.0, 9.0, 7.0, 9.0])


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_equal_weights_equal_unweighted(method):
    table = _table(**VALUES)
    plain = correlation.matrix(table, ["a", "b", "c"], method).long
    weighted = correlation.matrix(table, ["a", "b", "c"], method, weights=pd.Series(7.0, index=table.index)).long
    assert weighted["weighted"].all() and not plain["weighted"].any()
    np.testing.assert_allclose(weighted["r"], plain["r"], rtol=1e-12)
    np.testing.assert_allclose(weighted["p"], plain["p"], rtol=1e-9)  # n_eff = n for equal weights
    assert (weighted["n_eff"] == 7).all()


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_integer_weights_equal_repeated_rows(method):
    # Independent check: weight k must act like k copies of the row (ties included, see a and b).
    table = _table(**VALUES)
    w = pd.Series([1, 2, 3, 1, 4, 2, 1], index=table.index, dtype="float64")
    weighted = correlation.matrix(table, ["a", "b", "c"], method, weights=w).long
    repeated = pd.DataFrame({k: np.repeat(table[k].to_numpy(), w.astype(int)) for k in ["a", "b", "c"]})
    plain = correlation.matrix(repeated, ["a", "b", "c"], method).long
    np.testing.assert_allclose(weighted["r"], plain["r"], rtol=1e-12)
    # p is deliberately not that of 14 rows: the t-test uses Kish's n_eff = 14^2 / 36
    assert weighted["n_eff"].iloc[0] == pytest.approx(14**2 / 36)
    assert (weighted["p"] > plain["p"]).all()


def test_weighted_p_uses_effective_n():
    table = _table(x=[1, 2, 3, 4, 5], y=[2, 4, 5, 4, 5])
    w = pd.Series([1.0, 1.0, 1.0, 1.0, 4.0], index=table.index)
    row = _one(correlation.matrix(table, ["x", "y"], weights=w), "x", "y")
    n_eff = 8**2 / 20  # (Σw)² / Σw² = 3.2
    assert row["n_eff"] == pytest.approx(n_eff)
    t = row["r"] * np.sqrt((n_eff - 2) / (1 - row["r"] ** 2))
    assert row["p"] == pytest.approx(2 * stats.t.sf(abs(t), n_eff - 2))


def test_bh_by_hand():
    # m = 4: p·m/rank = 0.04, 0.04, 0.04, 0.5; running minimum from the top keeps them.
    adjusted = correlation.bh_adjust(pd.Series([0.01, 0.02, 0.03, 0.5]))
    np.testing.assert_allclose(adjusted, [0.04, 0.04, 0.04, 0.5])
    with_gap = correlation.bh_adjust(pd.Series([0.03, np.nan, 0.01, 0.5, 0.02]))
    np.testing.assert_allclose(with_gap, [0.04, np.nan, 0.04, 0.5, 0.04])


def test_matrix_adjusts_over_all_distinct_pairs():
    table = _table(**VALUES)
    long = correlation.matrix(table, ["a", "b", "c"]).long
    assert len(long) == 3 and set(zip(long["indicator_a"], long["indicator_b"])) == {("a", "b"), ("a", "c"), ("b", "c")}
    np.testing.assert_allclose(long["p_bh"], stats.false_discovery_control(long["p"], method="bh"))
    assert (long["p_bh"] >= long["p"]).all()


def test_pairwise_deletion_counts_complete_pairs():
    table = _table(a=[1, np.nan, 3, 4, 5, 6], b=[2, 1, np.nan, 3, 5, 4], c=[1, 2, 3, 4, 5, 7])
    long = correlation.matrix(table, ["a", "b", "c"])
    assert _one(long, "a", "b")["n"] == 4
    assert _one(long, "a", "c")["n"] == 5 and _one(long, "b", "c")["n"] == 5
    expected = stats.pearsonr([1, 4, 5, 6], [2, 3, 5, 4]).statistic
    assert _one(long, "a", "b")["r"] == pytest.approx(expected)
    w = pd.Series([1, 1, 1, np.nan, 1, 1], index=table.index, dtype="float64")
    assert _one(correlation.matrix(table, ["a", "b", "c"], weights=w), "a", "b")["n"] == 3


def test_too_few_pairs_or_constant_give_missing_r():
    table = _table(a=[1, 2, np.nan, np.nan], b=[1, 2, 3, 4], c=[5, 5, 5, 5])
    long = correlation.matrix(table, ["a", "b", "c"])
    assert np.isnan(_one(long, "a", "b")["r"]) and _one(long, "a", "b")["n"] == 2
    assert np.isnan(_one(long, "b", "c")["r"]) and np.isnan(_one(long, "b", "c")["p_bh"])


def test_square_is_symmetric_with_unit_diagonal():
    table = _table(**VALUES)
    sq = correlation.matrix(table, ["a", "b", "c"], "spearman").square()
    assert list(sq.index) == ["a", "b", "c"] == list(sq.columns)
    np.testing.assert_allclose(sq.to_numpy(), sq.to_numpy().T)
    assert (np.diag(sq) == 1).all()
    assert np.isnan(np.diag(correlation.matrix(table, ["a", "b", "c"]).square("p"))).all()


def test_matrix_errors_in_german():
    table = _table(**VALUES)
    with pytest.raises(CorrelationError, match="Unbekannte Methode 'kendall'; erlaubt: pearson, spearman"):
        correlation.matrix(table, ["a", "b"], "kendall")
    with pytest.raises(CorrelationError, match="mindestens zwei Indikatoren"):
        correlation.matrix(table, ["a"])
    with pytest.raises(CorrelationError, match="nicht in der Tabelle: z"):
        correlation.matrix(table, ["a", "z"])
    with pytest.raises(CorrelationError, match="nicht negativ"):
        correlation.matrix(table, ["a", "b"], weights=pd.Series(-1.0, index=table.index))


def test_indicator_table_errors_in_german():
    unknown = r"Unbekannte\(r\) Indikator\(en\): nope\. Auf der Ebene 'stadtteil' verfügbar: .*alo_dichte"
    with pytest.raises(CorrelationError, match=unknown):
        correlation_values.indicator_table(["nope", "alo_dichte"], 2014)
    with pytest.raises(CorrelationError, match=r"einbuergerungsquote \(nur Ebene 'stadt'\)"):
        correlation_values.indicator_table(["einbuergerungsquote"], 2014)
    with pytest.raises(CorrelationError, match=r"hat für 1990 keine Werte .*Jahre mit Werten: 2006, 2007"):
        correlation_values.indicator_table(["alo_dichte"], 1990)
    with pytest.raises(CorrelationError, match="nur 1 Gebiet.*mindestens 3 nötig"):
        correlation_values.indicator_table(["alo_dichte"], 2014, level="stadt")
    with pytest.raises(CorrelationError, match="keine Gruppe 'female'; verfügbar: total .*foreign"):
        correlation_values.indicator_table(["alo_dichte:female"], 2014)
    with pytest.raises(CorrelationError, match="doppelt"):
        correlation_values.indicator_table(["alo_dichte", "alo_dichte"], 2014)


def test_indicator_table_marks_synthetic_and_carries_population():
    table = correlation_values.indicator_table(["alo_dichte", "kinderarmut"], 2014)
    assert len(table) == 45 and table.index.name == "area_code"
    assert correlation_values.synthetic_ids(table) == ["kinderarmut"]
    assert table.attrs["year"] == 2014 and table.attrs["level"] == "stadtteil"
    assert table["population"].notna().all() and (table["population"] > 1000).all()
    pairs = correlation_export.pairs_frame(correlation.matrix(table, ["alo_dichte", "kinderarmut"]), table)
    assert pairs["synthetic"].all()


def test_real_data_pearson_equals_numpy_from_raw_observations():
    table = correlation_values.indicator_table(["mv_anteil", "alo_dichte"], 2014)
    row = _one(correlation.matrix(table, ["mv_anteil", "alo_dichte"]), "mv_anteil", "alo_dichte")
    obs = observations.observations()
    rows = obs[(obs["year"] == 2014) & (obs["area_level"] == "stadtteil")
               & (obs["sex"] == "total") & (obs["age"] == "total")]

    def counts(measure: str, origin: str) -> pd.Series:
        sel = rows[(rows["measure"] == measure) & (rows["origin"] == origin)]
        return sel.set_index("area_code")["value"].astype(float)

    population = counts("population", "total")
    mv = counts("population", "migration") / population * 100
    alo = (counts("unemployed", "total") / population * 100).reindex(mv.index)
    assert len(mv) == 45 and mv.notna().all() and alo.notna().all()
    assert row["n"] == 45
    assert row["r"] == pytest.approx(np.corrcoef(mv.to_numpy(), alo.to_numpy())[0, 1], rel=1e-12)


def test_to_csv_is_machine_readable(tmp_path):
    table = correlation_values.indicator_table(["mv_anteil", "alo_dichte", "alo_sgb2_dichte"], 2014)
    result = correlation.matrix(table, ["mv_anteil", "alo_dichte", "alo_sgb2_dichte"], "spearman",
                                weights=table["population"])
    path = correlation_export.to_csv(correlation_export.pairs_frame(result, table), tmp_path / "korrelationen.csv")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(correlation_export.EXPORT_COLUMNS)
    assert text.splitlines()[0].startswith("year,level,indicator_a,group_a,indicator_b,group_b,method,")
    back = pd.read_csv(path)
    assert len(back) == 3 and (back["year"] == 2014).all() and (back["level"] == "stadtteil").all()
    assert (back["weighting"] == "population").all() and back["weighted"].all()
    assert (back["group_a"] == "total").all() and (back["group_b"] == "total").all()
    np.testing.assert_allclose(back["r"], result.long["r"], rtol=1e-9)
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


@pytest.mark.parametrize("weighted", [False, True])
def test_scatter_labels_every_area_and_states_german_r(weighted):
    table = _table(x=[1, 2, 3, 4, 5], y=[2, 4, 5, 4, 5], pop=[100, 100, 100, 100, 100])
    weights = table["pop"] if weighted else None
    fig = charts.scatter_labelled(table, "x", "y", "X in %", "Y in %", "Titel", "Quelle Z", synthetic=weighted,
                                   weights=weights)
    ax = fig.axes[0]
    texts = {t.get_text() for t in ax.texts}
    assert texts == set(table["area_name"])
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "r\u00a0=\u00a00,77" in legend  # sqrt(0.6) = 0.7746; equal weights change nothing
    assert ("gewichtet" in legend) is weighted
    footer = " ".join(t.get_text() for t in fig.texts)
    assert "Quelle: Quelle Z" in footer and ("Demodaten – synthetisch" in footer) is weighted
    assert charts.png(fig) == charts.png(charts.scatter_labelled(
        table, "x", "y", "X in %", "Y in %", "Titel", "Quelle Z", synthetic=weighted, weights=weights))


def _label_boxes(fig):
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    return renderer, ax, [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]


@pytest.mark.parametrize("pair", [("mv_anteil", "auslaender_anteil"), ("mv_anteil", "alo_dichte")])
def test_chapter_scatter_names_stay_inside_and_apart_and_the_legend_hides_no_point(pair):
    """Chapter 14's scatter plots (2014, the report's common year): 45 names, none cut, none on another."""
    table = correlation_values.indicator_table(list(pair), 2014)
    fig = charts.scatter_labelled(table, *pair, "X (%)", "Y (%)", "Titel", "Quelle Z", synthetic=False)
    renderer, ax, boxes = _label_boxes(fig)
    frame = ax.get_window_extent(renderer)
    assert len(boxes) == 45 and "Kinderhaus-West" in {t.get_text() for t in ax.texts}
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]
    assert not ax.get_legend().get_window_extent(renderer).overlaps(frame)  # below the axes, beside no point


def test_matrix_result_carries_its_parameters():
    table = _table(x=[1, 2, 3, 4, 5], y=[2, 4, 5, 4, 5])
    plain = correlation.matrix(table, ["x", "y"])
    assert (plain.method, plain.weighted, plain.weighting, plain.n, plain.n_eff) == ("pearson", False, "none", 5, 5.0)
    w = pd.Series([1.0, 1.0, 1.0, 1.0, 4.0], index=table.index, name="population")
    weighted = correlation.matrix(table, ["x", "y"], "spearman", weights=w)
    assert (weighted.method, weighted.weighted, weighted.weighting, weighted.n) == ("spearman", True, "population", 5)
    assert weighted.n_eff == pytest.approx(64 / 20)  # (Σw)² / Σw² = 8² / 20
    assert weighted.pair("y", "x")["r"] == weighted.pair("x", "y")["r"] == weighted.square().loc["y", "x"]
    with pytest.raises(CorrelationError, match="Kein Paar 'x'/'z'"):
        weighted.pair("x", "z")


def test_docstring_examples_run():
    import doctest

    assert doctest.testmod(correlation).failed == 0


def test_correlation_module_reads_no_data():
    """Pure statistics: frames in, results out; the data access lives in sections.correlation_values and disclosure.tidy."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(correlation))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.startswith("helpers")}, imported


def _researchers_answer_by_hand(year: int = 2012) -> tuple[float, int, float]:
    """Weighted Pearson r, n and Kish n_eff from the disclosed values, with numpy only."""
    from helpers.disclosure import disclosed

    def published(ind: str, group: str) -> pd.DataFrame:
        vals = disclosed.values(ind, "stadtteil")
        return vals[(vals["year"] == year) & (vals["group"] == group)].set_index("area_code")

    alo = published("alo_dichte", "foreign")["value"].astype("float64")
    mv = published("mv_anteil", "total")
    population = mv["denominator"].astype("float64")  # mv_anteil = residents with MV / residents
    both = pd.DataFrame({"x": alo, "y": mv["value"].astype("float64"), "w": population}).dropna()
    x, y, w = both["x"].to_numpy(), both["y"].to_numpy(), both["w"].to_numpy()
    mx, my = np.sum(w * x) / w.sum(), np.sum(w * y) / w.sum()
    cov = np.sum(w * (x - mx) * (y - my))
    r = cov / np.sqrt(np.sum(w * (x - mx) ** 2) * np.sum(w * (y - my) ** 2))
    return float(r), len(both), float(w.sum() ** 2 / np.sum(w**2))


def test_researchers_question_foreigners_unemployment_vs_mv_share_2012_weighted():
    """Across Stadtteile in 2012, population-weighted: the foreigners' unemployment density vs the MV share."""
    res = explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2012, weighted=True, methods=["pearson"])
    row = res.pairs.iloc[0]
    assert (row["indicator_a"], row["group_a"], row["indicator_b"], row["group_b"]) == (
        "alo_dichte", "foreign", "mv_anteil", "total")
    assert row["weighted"] and row["weighting"] == "population" and row["year"] == 2012
    r, n, n_eff = _researchers_answer_by_hand()
    assert row["r"] == pytest.approx(r, rel=1e-12)
    assert row["n"] == n and row["n_eff"] == pytest.approx(n_eff, rel=1e-12)
    # Pinned: four Stadtteile have no published rate for foreigners in 2012 (too few foreign residents).
    assert (round(row["r"], 4), row["n"], round(row["n_eff"], 4)) == (0.3843, 41, 32.6486)
    assert res.matrices["pearson"].n == 45 and res.values["alo_dichte:foreign"].notna().sum() == 41
    texts = " ".join(part.content for part in res.parts if part.kind == "markdown")
    assert "Mit 41 Gebieten sind die Schätzungen unsicher" in texts  # the areas behind r, not all 45
    assert res.figures["korrelationen_pearson"].get_suptitle() == (
        "Korrelationen (Pearson, gewichtet nach Einwohnerzahl), 41 Gebiete, 2012")
    with pytest.raises(CorrelationError, match="Kein Verfahren angegeben; erlaubt: pearson, spearman"):
        explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2012, methods=[])


def test_mixed_groups_are_labelled_and_kept_apart():
    res = explorer.correlation_section(["alo_dichte:foreign", "alo_dichte", "mv_anteil:female"], 2014,
                                       methods=["spearman"], scatter_pairs=[["alo_dichte:total", "alo_dichte:foreign"]])
    names = res.values.attrs["names"]
    assert names == {"alo_dichte:foreign": "Arbeitslose je 100 Einwohner/-innen – Ausländer/-innen",
                     "alo_dichte": "Arbeitslose je 100 Einwohner/-innen – Insgesamt",
                     "mv_anteil:female": "Anteil der Bevölkerung mit Migrationsvorgeschichte – Frauen"}
    assert list(zip(res.pairs["group_a"], res.pairs["group_b"])) == [("foreign", "total"), ("foreign", "female"),
                                                                     ("total", "female")]
    assert list(res.figures) == ["korrelationen_spearman", "streudiagramm_alo_dichte_alo_dichte:foreign"]
    # The foreigners' rate is not the total rate: r < 1, and every Stadtteil's value differs.
    assert res.pairs.iloc[0]["r"] < 0.99
    assert (res.values["alo_dichte:foreign"] != res.values["alo_dichte"]).sum() >= 40
    with pytest.raises(CorrelationError, match="beide Indikatoren müssen in der Auswahl stehen"):
        explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2014, scatter_pairs=[["alo_dichte", "mv_anteil"]])


@pytest.mark.parametrize("level", ["teilbereich", "stadtbezirk"])
def test_any_level(level):
    res = explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2013, level=level, methods=["pearson"])
    expected = {"teilbereich": 9, "stadtbezirk": 6}[level]  # codes in data/areas.csv
    assert len(res.values) == expected and res.pairs.iloc[0]["n"] == expected and res.pairs.iloc[0]["level"] == level


def test_display_records_what_it_shows(monkeypatch, tmp_path):
    from helpers.core import paths
    from helpers.disclosure import register

    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    monkeypatch.setenv(context.ENV, context.RunContext(chapter="14_test", year=2012).to_json())
    register.reset_records()
    res = explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2012, methods=["pearson"])
    assert not (tmp_path / "2012" / "published").exists()  # computing publishes nothing
    res._ipython_display_()
    recorded = register.read_records(tmp_path / "2012")
    register.reset_records()
    assert set(recorded["what"]) == {"Korrelationen", "Streudiagramm", "Zusammenhänge (interaktiv)"}
    static = recorded[recorded["what"] != "Zusammenhänge (interaktiv)"]
    groups = static.groupby(["indicator", "group"]).size().to_dict()
    assert groups == {("alo_dichte", "foreign"): 90, ("mv_anteil", "total"): 90}  # 45 areas, table and scatter
    # the linked view (HTML) embeds both indicators in each of their groups: 45 areas each
    view = recorded[recorded["what"] == "Zusammenhänge (interaktiv)"].groupby(["indicator", "group"]).size().to_dict()
    assert view == {("alo_dichte", g): 45 for g in ("foreign", "german", "total")} | \
        {("mv_anteil", g): 45 for g in ("female", "male", "total")}


def _said(res) -> str:
    return " ".join(part.content for part in res.parts if part.kind == "markdown")


def test_a_research_export_is_named_after_its_selection_and_lands_in_forschung(tmp_path, monkeypatch):
    """Outside the report build the table of pairs goes to outputs/<year>/forschung/ (issue 26), under a name
    that states the selection: another selection never overwrites it, the same one replaces its own file."""
    from helpers.core import paths

    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    monkeypatch.delenv(context.ENV, raising=False)  # interactive: JupyterLab, papermill by hand
    pair = ["alo_dichte:foreign", "mv_anteil"]
    weighted = explorer.correlation_section(pair, 2012, weighted=True, methods=["pearson"], export=True)
    research = tmp_path / "2012" / "forschung"
    assert weighted.export_path == research / "korrelationen_stadtteil_2012_alo_dichte-foreign+mv_anteil_pearson_gewichtet.csv"
    assert f"**Forschungsausgabe** (nicht Teil des Berichts): Die Tabelle aller Paare steht als CSV unter " \
           f"`{weighted.export_path}`." in _said(weighted)
    first = weighted.export_path.read_bytes()
    unweighted = explorer.correlation_section(pair, 2012, export=True)
    assert unweighted.export_path == research / "korrelationen_stadtteil_2012_alo_dichte-foreign+mv_anteil.csv"
    assert weighted.export_path.read_bytes() == first  # another selection: another file
    again = explorer.correlation_section(pair, 2012, weighted=True, methods=["pearson"], export=True)
    assert again.export_path == weighted.export_path and "(ersetzt die frühere Ausgabe derselben Auswahl)" in _said(again)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [weighted.export_path.name, unweighted.export_path.name])  # nothing in tables/, no temporary left
    own = explorer.correlation_section(pair, 2012, export_dir=tmp_path / "eigene")
    assert own.export_path == tmp_path / "eigene" / unweighted.export_path.name
    for folder in (tmp_path / "2012" / "tables", tmp_path / "berlin" / "2019" / "tables" / "x"):
        with pytest.raises(CorrelationError, match="gehört zu den Tabellen eines Berichts"):
            explorer.correlation_section(pair, 2012, export_dir=folder)
    assert not list(tmp_path.rglob("tables"))
    assert not explorer.correlation_section(pair, 2012).export_path  # no export unless asked for


def test_a_long_selection_gets_a_short_name_that_still_tells_selections_apart():
    six = ["mv_anteil", "auslaender_anteil", "alo_dichte", "alo_sgb2_dichte", "langzeit_alo_dichte", "haushaltsgroesse_mv"]
    name = correlation_export.research_file_name(six, "stadtteil", 2014)
    assert name.startswith("korrelationen_stadtteil_2014_mv_anteil+5-weitere-") and len(name) < 70
    assert correlation_export.research_file_name([*six[:5], "kinderarmut"], "stadtteil", 2014) != name
    assert correlation_export.research_file_name(six[::-1], "stadtteil", 2014) != name  # the order of the pairs differs
    assert correlation_export.research_file_name(["a:b", "c"], "bezirk", 2020, ["spearman", "pearson"]) == \
        "korrelationen_bezirk_2020_a-b+c.csv"


def test_the_report_build_writes_the_reports_table(tmp_path, monkeypatch):
    """A chapter kernel of the runner (recording) writes korrelationen_<level>_<year>.csv into its tables/,
    which the runner publishes with the report; a research folder is refused there."""
    from helpers.core import paths

    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    monkeypatch.setenv(context.ENV, context.RunContext(outputs=tmp_path, chapter="14_zusammenhaenge", year=2014).to_json())
    res = explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2014, export=True)
    assert res.export_path == tmp_path / "2014" / "tables" / "korrelationen_stadtteil_2014.csv"
    assert "Die vollständige Tabelle steht als CSV unter `korrelationen_stadtteil_2014.csv` im Ausgabeordner " \
           "`tables/`." in _said(res)
    assert not (tmp_path / "2014" / "forschung").exists()
    with pytest.raises(CorrelationError, match="gilt nur für Forschungsläufe"):
        explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2014, export_dir=tmp_path / "eigene")


@pytest.mark.notebooks
def test_notebook_14_answers_the_researchers_question(tmp_path, monkeypatch):
    import papermill as pm

    from helpers.core import paths

    monkeypatch.setenv(context.ENV, context.RunContext(outputs=tmp_path).to_json())  # the kernel exports its table here
    nb = paths.NOTEBOOKS / "14_zusammenhaenge.ipynb"
    params = {"report_year": 2012, "gewichtet": True, "indikatoren": ["alo_dichte:foreign", "mv_anteil"]}
    out = execute_notebook(str(nb), str(tmp_path / "out.ipynb"), parameters=params, kernel_name="python3",
                              progress_bar=False, cwd=str(nb.parent))
    html = [o["data"]["text/html"] for c in out.cells if c.cell_type == "code" for o in c.outputs
            if "Alle Paare" in o.get("data", {}).get("text/html", "") and "<table" in o["data"]["text/html"]]
    assert len(html) == 1
    r, n, n_eff = _researchers_answer_by_hand()
    row = ("<td>Arbeitslose je 100 Einwohner/-innen – Ausländer/-innen</td>"
           "<td>Anteil der Bevölkerung mit Migrationsvorgeschichte – Insgesamt</td>"
           f"<td>Pearson</td><td>{f'{r:.2f}'.replace('.', ',')}</td>")
    assert row in html[0] and "<td>0,38</td>" in html[0]
    assert f"<td>{n}</td>" in html[0] and f"<td>{f'{n_eff:.1f}'.replace('.', ',')}</td>" in html[0]
    assert not (tmp_path / "2012" / "tables").exists()  # a research run: forschung/, named after the selection
    exported = pd.read_csv(tmp_path / "2012" / "forschung" /
                           "korrelationen_stadtteil_2012_alo_dichte-foreign+mv_anteil_gewichtet.csv")
    pearson = exported[exported["method"] == "pearson"].iloc[0]
    assert (pearson["group_a"], pearson["group_b"]) == ("foreign", "total")
    assert pearson["r"] == pytest.approx(r, rel=1e-9)

    params["indikatoren"] = ["alo_dichte:female", "mv_anteil"]
    with pytest.raises(pm.PapermillExecutionError) as info:
        execute_notebook(str(nb), str(tmp_path / "bad.ipynb"), parameters=params, kernel_name="python3",
                            progress_bar=False, cwd=str(nb.parent))
    assert info.value.ename == "CorrelationError"
    assert info.value.traceback == [
        "CorrelationError: Indikator 'alo_dichte' hat keine Gruppe 'female'; verfügbar: total (Insgesamt), "
        "foreign (Ausländer/-innen), german (Deutsche). Schreibweise: 'alo_dichte' (insgesamt) oder z. B. "
        "'alo_dichte:foreign'."]


def _files(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.notebooks
def test_a_research_run_of_notebook_14_leaves_the_reports_tables_unchanged(tmp_path, monkeypatch):
    """Issue 26: notebook 14 run by hand with its defaults, beside a built report, writes into forschung/ and
    leaves tables/ byte for byte as the build published it; the next build keeps the research export."""
    from helpers.core import paths
    from helpers.indicators import years
    from helpers.runner import report

    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    year = years.report_years({}).default  # what the notebook's report_year = None means
    assert report.run(year, chapters=["14"], pdf=False) == 0
    year_dir = tmp_path / str(year)
    published = _files(year_dir / "tables")
    untouched = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (year_dir / "tables").iterdir()}
    assert [n for n in published if n.startswith("korrelationen_")] == ["korrelationen_stadtteil_2014.csv"]
    assert len(published["korrelationen_stadtteil_2014.csv"].decode().splitlines()) == 31  # 15 pairs, 2 methods

    monkeypatch.setenv(context.ENV, context.RunContext(outputs=tmp_path).to_json())  # papermill by hand
    nb = paths.NOTEBOOKS / "14_zusammenhaenge.ipynb"
    out = execute_notebook(str(nb), str(tmp_path / "aus.ipynb"), kernel_name="python3", progress_bar=False,
                           cwd=str(nb.parent))
    assert _files(year_dir / "tables") == published
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (year_dir / "tables").iterdir()} == untouched
    research = _files(year_dir / "forschung")
    assert len(research) == 1
    name, content = next(iter(research.items()))
    assert name.startswith("korrelationen_stadtteil_2014_mv_anteil+5-weitere-") and name.endswith(".csv")
    assert content == published["korrelationen_stadtteil_2014.csv"]  # the same selection as the report's
    said = " ".join(o["data"]["text/markdown"] for c in out.cells if c.cell_type == "code" for o in c.outputs
                    if "text/markdown" in o.get("data", {}))
    assert f"Die Tabelle aller Paare steht als CSV unter `{year_dir / 'forschung' / name}`." in said

    monkeypatch.delenv(context.ENV)
    assert report.run(year, chapters=["14"], pdf=False, force=True) == 0  # publishes again, deletes stale tables
    assert _files(year_dir / "forschung") == research
    assert _files(year_dir / "tables") == published


def test_left_out_areas_are_named_with_their_symbol():
    """2012: the foreigners' unemployment density has no stored count for Dom, Martini, Pluggendorf and Schloss
    (checked in data/muenster: numerator missing, published as "."); n = 41 of 45."""
    res = explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2012, weighted=True, methods=["pearson"])
    said = _said(res)
    assert ("**Nicht in allen Paaren enthalten:** Für 2012 ohne veröffentlichten Wert sind bei „Arbeitslose je 100 "
            "Einwohner/-innen – Ausländer/-innen“ (Zeichen „.“: Zahlenwert geheim zu halten oder nicht verfügbar): "
            "Dom, Martini, Pluggendorf, Schloss.") in said
    fig = res.figures["streudiagramm_alo_dichte:foreign_mv_anteil"]
    note = next(t.get_text() for t in fig.texts if t.get_text().startswith("Nicht enthalten"))
    assert note.replace("\n", " ").endswith("Dom, Martini, Pluggendorf, Schloss.")
    assert res.pairs.iloc[0]["n"] == 45 - 4


def test_left_out_lists_secret_values_per_indicator():
    """2019, Betreuungsquote U3: secret for seven Stadtteile (data/muenster: 6 of 17 children in Aegidii, 6 of 25 in
    Überwasser, 6/20 Martini, 12/28 Bahnhof, 9/30 Schloss, 7/21 Hafen; Uppenberg, 65/192, suppressed as well)."""
    specs = correlation_values.parse_specs(["mv_anteil", "betreuung_u3"], "stadtteil")
    table, used = correlation_values.gather(specs, 2019, "stadtteil")
    missing = correlation_values.left_out(table, used, ["mv_anteil", "betreuung_u3"])
    assert missing["mv_anteil"] == []
    assert [(code, name) for code, name, _ in missing["betreuung_u3"]] == [
        ("11", "Aegidii"), ("12", "Überwasser"), ("15", "Martini"), ("23", "Bahnhof"), ("29", "Schloss"),
        ("43", "Hafen"), ("47", "Uppenberg")]
    assert {symbol for _, _, symbol in missing["betreuung_u3"]} == {"."}
    res = explorer.correlation_section(["mv_anteil", "betreuung_u3"], 2019, methods=["pearson"])
    assert res.pairs.iloc[0]["n"] == 38
    assert "Aegidii, Überwasser, Martini, Bahnhof, Schloss, Hafen, Uppenberg" in _said(res)


def test_nothing_is_said_when_no_area_is_left_out():
    res = explorer.correlation_section(["mv_anteil", "auslaender_anteil"], 2014, methods=["pearson"])
    assert "Nicht in allen Paaren enthalten" not in _said(res)
    assert not any(t.get_text().startswith("Nicht enthalten") for t in res.figures[
        "streudiagramm_mv_anteil_auslaender_anteil"].texts)
