"""The correlation chapter's linked view: it embeds only published values and the table's pairs, the checker reads
every number of it, and a planted secret is found."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.core import levels
from helpers.disclosure import checker, disclosed, embedded
from helpers.figures import charts, interactive, linked
from helpers.publish import interactive as page
from helpers.publish import linked as linked_page
from helpers.sections import explorer
from helpers.stats import correlation

#: The report's chapter 14 (Münster): six indicators, unweighted; 2019 asked, 2014 the latest common year.
CHAPTER = ["mv_anteil", "auslaender_anteil", "alo_dichte", "alo_sgb2_dichte", "langzeit_alo_dichte",
           "haushaltsgroesse_mv"]


@pytest.fixture(scope="module")
def result():
    return explorer.correlation_section(CHAPTER, 2019)


@pytest.fixture(scope="module")
def gaps():
    """Ausländeranteil an den Arbeitslosen 2014 beside the share with Migrationsvorgeschichte: Stadtteile with
    suppressed cells, which the view leaves out and names."""
    return explorer.correlation_section(["mv_anteil", "alo_auslaender_anteil"], 2014)


def _view(result) -> str:
    return next(p.content for p in result.parts if p.kind == "html" and linked.VIEW_CLASS in p.content)


def _spec(view: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" class="im-spec"[^>]*>(.*?)</script>', view, re.S)[1])


def _series(view: str) -> dict[str, str]:
    return json.loads(html.unescape(re.search(r'data-reihen="([^"]*)"', view)[1]))


def test_the_view_is_valid_vega_lite_and_offers_the_chapters_series_and_their_groups(result):
    import altair as alt

    view = _view(result)
    spec = _spec(view)
    alt.HConcatChart.from_dict(spec)  # raises on anything the Vega-Lite schema does not allow
    series = _series(view)
    assert list(series)[:6] == CHAPTER  # the chapter's own first, in its order, then the other groups
    assert series["alo_dichte:foreign"] == "Arbeitslose je 100 Einwohner/-innen – Ausländer/-innen (%)"
    assert "mv_anteil:female" in series and len(series) == 12
    assert not any(charts.SYNTHETIC_MARK in label for label in series.values())  # the chapter's series are real
    assert [p["value"] for p in spec["params"][:2]] == ["mv_anteil", "auslaender_anteil"]
    assert 'data-gewichtung="ungewichtet"' in view and interactive.AREAS not in spec["datasets"]
    assert "$schema" not in spec


def test_only_published_values_of_the_chapters_year_are_embedded(result):
    view = _view(result)
    rows = pd.DataFrame(_spec(view)["datasets"][linked.VALUES])
    assert set(rows["jahr"]) == {2014} == {result.year} and len(rows) == 12 * 45
    for key in ("alo_dichte:foreign", "mv_anteil"):
        ind, _, group = key.partition(":")
        shown = disclosed.values(ind)
        shown = shown[(shown["year"] == 2014) & (shown["group"] == (group or "total"))
                      & (shown["area_level"] == levels.base())]
        mine = rows[(rows["indikator"] == ind) & (rows["gruppe"] == (group or "total"))]
        merged = mine.merge(shown.rename(columns={"area_code": "code"}), on="code")
        assert len(merged) == 45
        given = merged[merged["value"].notna()]
        assert (given["wert"] == given["value"].astype(float).round(1)).all()
        assert merged.loc[merged["value"].isna(), "wert"].isna().all()
    assert rows["wert"].notna().all()  # in the report's chapter every Stadtteil has every value
    recorded = [r for p in result.parts for r in p.records if r.what == "Zusammenhänge (interaktiv)"]
    assert len(recorded) == 1 and len(recorded[0].values) == len(rows)  # the register sees every embedded cell


def test_suppressed_cells_travel_as_their_symbol(gaps):
    rows = pd.DataFrame(_spec(_view(gaps))["datasets"][linked.VALUES])
    secret = rows[rows["wert"].isna()]
    assert len(secret) > 0 and (secret["zeichen"] == ".").all() and set(secret["indikator"]) == {"alo_auslaender_anteil"}
    shown = disclosed.values("alo_auslaender_anteil")
    shown = shown[(shown["year"] == 2014) & (shown["group"] == "total") & (shown["area_level"] == levels.base())]
    assert sorted(secret.loc[secret["gruppe"] == "total", "code"]) == sorted(shown.loc[shown["value"].isna(), "area_code"])


def test_the_pairs_are_the_tables_pearson_r_and_n(result):
    pairs = pd.DataFrame(_spec(_view(result))["datasets"][linked.PAIRS])
    table = result.matrices["pearson"].long
    assert len(pairs) == len(table) == 15
    assert pairs["r"].tolist() == [round(float(r), 2) for r in table["r"]] and pairs["n"].tolist() == table["n"].tolist()
    first = pairs[(pairs["a"] == "mv_anteil") & (pairs["b"] == "langzeit_alo_dichte")].iloc[0]
    assert (first["r"], first["n"]) == (0.81, 45)  # the table's 0,81; from the rounded values it would be 0,80


def test_r_from_the_published_values_is_what_the_page_computes(result):
    """The page computes r of a pair the chapter did not (here a group) from the embedded values: Pearson of the
    rounded values, the same as helpers.stats.correlation on them (the browser test reads the page's)."""
    rows = pd.DataFrame(_spec(_view(result))["datasets"][linked.VALUES])
    rows["key"] = np.where(rows["gruppe"] == "total", rows["indikator"], rows["indikator"] + ":" + rows["gruppe"])
    wide = rows.pivot(index="code", columns="key", values="wert").astype("float64")
    r = correlation.matrix(wide, ["mv_anteil", "alo_dichte:foreign"]).pair("mv_anteil", "alo_dichte:foreign")
    assert (round(float(r["r"]), 2), int(r["n"])) == (0.45, 45)


def test_the_checker_reads_every_number_of_the_view_and_finds_a_planted_secret(result, gaps, tmp_path):
    cells, strays = embedded.read(_view(result))
    assert len(cells) == 12 * 45 and strays == []
    assert set(cells["indicator"]) == set(CHAPTER) and "foreign" in set(cells["group"])
    view = _view(gaps)
    spec = _spec(view)
    cells, strays = embedded.read(view)
    assert strays == [] and len(cells) == len(spec["datasets"][linked.VALUES])
    report = tmp_path / "report.html"
    report.write_text(view, encoding="utf-8")
    ids = sorted(set(cells["indicator"]))
    tables = []
    for ind in ids:
        table = disclosed.values(ind)
        tables.append(table.assign(indicator=ind, value=disclosed.rounded(table["value"])))
    assert checker.check_embedded(report, tables) == []

    # a cell the rule keeps secret, planted with its stored value
    stored = pd.concat([disclosed.protected(i).assign(indicator=i) for i in ids], ignore_index=True)
    secret = stored[(stored["suppressed"] == "primär") & (stored["year"] == 2014)
                    & (stored["area_level"] == levels.base())].iloc[0]
    raw = checker.stored_cells(set(ids)).set_index(checker.KEY)["value"]
    value = round(float(raw[(secret["indicator"], levels.base(), secret["area_code"], 2014, secret["group"])]), 1)
    planted = json.loads(json.dumps(spec))
    hits = 0
    for row in planted["datasets"][linked.VALUES]:
        if (row["code"], row["indikator"], row["gruppe"]) == (secret["area_code"], secret["indicator"], secret["group"]):
            row["wert"], row["zeichen"], hits = value, "", hits + 1
    assert hits == 1
    planted["datasets"][linked.PAIRS][0]["r"] = 53.1  # no r can be that: a value hidden in the pairs is found
    report.write_text(linked.view_html(planted, "k", levels.base(), _series(view), "ungewichtet"), encoding="utf-8")
    found = checker.check_embedded(report, tables)
    assert any(f"zeigt {value}, die Tabellen" in v.problem and secret["area_code"] in v.cell for v in found), found
    assert any("paare/0/r = 53.1" in v.problem for v in found), found


def test_the_page_carries_the_script_once_after_vega_and_loads_nothing(result):
    view = _view(result)
    parts = page.page_parts(view) + linked_page.page_parts(view)
    assert parts.count("window.vegaEmbed=") == 1 and parts.count(linked_page.MARK) == 1
    assert parts.index("window.vegaEmbed=") < parts.index("imZusammenhangZeichnen")
    assert linked_page.page_parts(view + parts) == "" and linked_page.page_parts("<p>nichts</p>") == ""
    assert "@media print { .im-zusammenhang { display: none !important; } }" in parts
    remote = re.findall(r"""(?:src|href)\s*=\s*["']https?:|url\(\s*["']?https?:|cdn\.jsdelivr|unpkg\.com""",
                        linked_page.page_parts(view) + view)
    assert remote == []


def test_a_series_with_demo_data_is_marked_in_the_lists():
    res = explorer.correlation_section(["mv_anteil", "kinderarmut"], 2019)
    series = _series(_view(res))
    assert series["kinderarmut"].endswith(f"[{charts.SYNTHETIC_MARK}]")
    assert not series["mv_anteil"].endswith("]")


def test_no_view_off_the_base_level_and_with_weights_the_view_says_so():
    res = explorer.correlation_section(["mv_anteil", "auslaender_anteil"], 2019, level="stadtbezirk")
    assert not any(p.kind == "html" and linked.VIEW_CLASS in p.content for p in res.parts)
    weighted = explorer.correlation_section(["mv_anteil", "auslaender_anteil"], 2019, weighted=True)
    view = _view(weighted)
    assert 'data-gewichtung="gewichtet"' in view
    pair = _spec(view)["datasets"][linked.PAIRS][0]
    assert pair["r"] == round(float(weighted.matrices["pearson"].long["r"].iloc[0]), 2)  # the weighted table's
    assert {r["indikator"] for r in _spec(view)["datasets"][linked.VALUES]} == {"mv_anteil", "auslaender_anteil"}  # no weights


def _copy_with_a_secret(built_report, tmp_path, monkeypatch) -> tuple[Path, bytes, pd.Series, float]:
    """A copy of the built year (outputs pointed at it), its report's bytes, and a primary-secret Stadtteil cell of
    2014 with its stored value as the page would round it: what the planting tests put where it must not be."""
    from helpers.core import paths

    year_dir, _ = built_report
    out = tmp_path / "2019"
    shutil.copytree(year_dir, out)
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    stored = disclosed.protected("alo_auslaender_anteil")
    secret = stored[(stored["suppressed"] == "primär") & (stored["year"] == 2014)
                    & (stored["area_level"] == levels.base()) & (stored["group"] == "total")].iloc[0]
    raw = checker.stored_cells({"alo_auslaender_anteil"}).set_index(checker.KEY)["value"]
    value = round(float(raw[("alo_auslaender_anteil", levels.base(), secret["area_code"], 2014, "total")]), 1)
    return out, (out / "report.html").read_bytes(), secret, value


@pytest.mark.slow
def test_a_planted_secret_in_the_views_data_withdraws_the_run(built_report, tmp_path, capsys, monkeypatch):
    """A secret cell (stored value, no symbol) added to the view's data in the executed chapter: the run is not
    published and the published report stays as it was."""
    import nbformat

    from helpers.runner import publication, release

    out, before, secret, value = _copy_with_a_secret(built_report, tmp_path, monkeypatch)
    planted = {"code": secret["area_code"], "jahr": 2014, "wert": value, "zeichen": "",
               "indikator": "alo_auslaender_anteil", "gruppe": "total"}
    path = out / "notebooks" / "14_zusammenhaenge.ipynb"
    notebook = nbformat.read(path, as_version=4)
    hits = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html", "")
            if linked.VIEW_CLASS in text:
                marker = f'"datasets":{{"{linked.VALUES}":['
                assert marker in text
                output["data"]["text/html"] = text.replace(marker, marker + json.dumps(planted, separators=(",", ":")) + ",")
                hits += 1
    assert hits == 1
    nbformat.write(notebook, path)
    executed = sorted((out / "notebooks").glob("*.ipynb"))
    assert not release.finish(2019, out, executed, release.load_table_frame(out), {}, [p.stem for p in executed], pdf=False)
    err = capsys.readouterr().err
    assert "Geheimhaltungsregel" in err and secret["area_code"] in err, err
    assert (out / "report.html").read_bytes() == before
    assert not publication.staging_dir(out).exists()


def test_every_pair_the_view_shows_is_a_row_of_the_published_table_of_pairs(result, tmp_path):
    """r (two decimals) and n of each embedded pair must stand in tables/korrelationen_*.csv, in either order:
    a well-formed r the chapter did not publish (0,12) or another n is found."""
    view = _view(result)
    shown = embedded.pairs(view)
    assert len(shown) == 15 and shown["r"].notna().all()
    published = pd.DataFrame([{"indicator_a": checker._series(p.b)[0], "group_a": checker._series(p.b)[1],
                               "indicator_b": checker._series(p.a)[0], "group_b": checker._series(p.a)[1],
                               "method": "pearson", "r": p.r + 0.0004, "n": p.n} for p in shown.itertuples()])
    assert checker.check_pairs("report.html", shown, [published]) == []
    wrong = shown.copy()
    wrong.loc[0, "r"], wrong.loc[1, "n"] = 0.12, 44
    found = checker.check_pairs("report.html", wrong, [published])
    assert [v.row for v in found] == [1, 2] and "zeigt r = 0.12" in found[0].problem, found
    assert checker.check_pairs("report.html", shown, []) != []  # no table of pairs: nothing to show


# --- the further series: every other published series of the view's year, from the exported table -------------

def _table_rows(*rows) -> pd.DataFrame:
    """A made-up exported table (the columns helpers.publish.linked reads)."""
    return pd.DataFrame(rows, columns=["handlungsfeld_name", "indicator", "area_level", "area_code", "year", "group",
                                       "value", "flag", "synthetic"])


def test_the_further_cells_are_the_levels_year_outside_the_chapter_with_enough_values():
    """Four Stadtteile of 2014: a series the chapter holds, one of another year or level, and one with only two
    published values (fewer than MIN_AREAS = 3) are left out; the rest keep the table's order, by area code."""
    base, other = levels.base(), "stadtbezirk"
    rows = []
    for code, held, far, few in (("12", 1.0, 2.0, None), ("11", 1.5, 2.5, 4.0), ("13", 2.0, 3.5, 5.0),
                                 ("14", 2.5, None, None)):
        rows += [("A", "mv_anteil", base, code, 2014, "total", held, "", False),
                 ("B", "alo_auslaender_anteil", base, code, 2014, "total", far, "" if far is not None else ".", False),
                 ("B", "alo_auslaender_anteil", base, code, 2013, "total", 9.0, "", False),
                 ("B", "alo_auslaender_anteil", other, code, 2014, "total", 9.0, "", False),
                 ("C", "kinderarmut", base, code, 2014, "foreign", few, "" if few is not None else ".", True)]
    table = _table_rows(*rows)
    assert correlation.MIN_AREAS == 3
    cells = linked_page.further_cells(table, base, 2014, {"mv_anteil"})
    assert cells["key"].tolist() == ["alo_auslaender_anteil"] * 4
    assert cells["area_code"].tolist() == ["11", "12", "13", "14"]
    assert cells["value"].tolist()[:3] == [2.5, 2.0, 3.5] and pd.isna(cells["value"].iloc[3])
    series = linked_page.further_series(cells)
    assert series == [{"schluessel": "alo_auslaender_anteil",
                       "name": "Anteil der Ausländer/-innen an den Arbeitslosen – Insgesamt (%)", "thema": "B"}]
    with_demo = linked_page.further_cells(table.assign(value=table["value"].fillna(7.0)), base, 2014, {"mv_anteil"})
    labels = {s["schluessel"]: s["name"] for s in linked_page.further_series(with_demo)}
    assert labels["kinderarmut:foreign"].endswith(f"[{charts.SYNTHETIC_MARK}]")  # demo data marked as in the chapter


def _further_block(page: str) -> tuple[dict[str, str], dict]:
    blocks = {attrs["id"]: (attrs, text) for attrs, text in embedded.blocks(page)}
    attrs, text = blocks[linked.view_key(levels.base(), 2014) + linked.MORE_SUFFIX]
    return attrs, json.loads(text)


@pytest.mark.slow
def test_the_stitched_page_offers_every_other_published_series_of_the_year(built_report):
    """Münster 2019 (the view shows 2014): the further block holds exactly the published Stadtteil cells of 2014 in
    tables/indikatoren_2019.csv of every series outside the chapter's spec with three values or more, each as
    published, and the checker reads every number of it."""
    year_dir, page = built_report
    attrs, block = _further_block(page)
    assert attrs["data-ebene"] == levels.base() == "stadtteil"
    rows = pd.DataFrame(block["datasets"][linked.VALUES])
    assert set(rows.columns) == {"code", "jahr", "wert", "zeichen", "indikator", "gruppe"}  # no counts, no weights
    table = checker.read_table_csv(year_dir / "tables" / "indikatoren_2019.csv")
    table = table[(table["area_level"] == "stadtteil") & (table["year"] == 2014)]
    table = table.assign(key=[linked.series_key(i, g) for i, g in zip(table["indicator"], table["group"])])
    spec = json.loads(dict((a["id"], t) for a, t in embedded.blocks(page))[linked.view_key("stadtteil", 2014)])
    chapter = {linked.series_key(r["indikator"], r["gruppe"]) for r in spec["datasets"][linked.VALUES]}
    assert len(chapter) == 12  # the chapter's six indicators in their groups
    counts = table.groupby("key")["value"].count()
    expected = table[~table["key"].isin(chapter) & table["key"].map(counts >= correlation.MIN_AREAS)]
    assert len(rows) == len(expected) > 40 * 45 and not set(rows["indikator"]) & set(CHAPTER)
    merged = rows.merge(expected, left_on=["indikator", "gruppe", "code"], right_on=["indicator", "group", "area_code"],
                        validate="one_to_one")
    assert len(merged) == len(rows)
    assert (merged["wert"].astype("Float64").fillna(-1) == merged["value"].fillna(-1)).all()
    assert (merged.loc[merged["wert"].isna(), "zeichen"] == merged.loc[merged["wert"].isna(), "flag"]).all()
    # by hand from the CSV: Coerde (61), Anteil der Langzeitarbeitslosen an den Arbeitslosen 2014 (Arbeit und Wirtschaft)
    coerde = rows[(rows["code"] == "61") & (rows["indikator"] == "langzeit_alo_anteil")].iloc[0]
    assert (coerde["wert"], coerde["zeichen"], coerde["jahr"]) == (47.1, "", 2014)
    # svb_beschaeftigungsquote has no published Stadtteil value in 2014: left out, as the chapter would
    assert "svb_beschaeftigungsquote" not in set(rows["indikator"])
    series = {s["schluessel"]: s for s in block[linked.SERIES]}
    assert set(series) == set(expected["key"])
    assert series["langzeit_alo_anteil"]["name"] == "Anteil der Langzeitarbeitslosen an den Arbeitslosen – Insgesamt (%)"
    assert series["langzeit_alo_anteil"]["thema"] == "Arbeit und Wirtschaft"
    assert series["kinderarmut"]["name"].endswith(f"[{charts.SYNTHETIC_MARK}]")
    cells, strays = embedded.read(page)
    assert strays == []
    assert (cells["block"] == linked.view_key("stadtteil", 2014) + linked.MORE_SUFFIX).sum() == len(rows)
    tables = [checker.read_table_csv(year_dir / "tables" / "indikatoren_2019.csv")]
    assert checker.check_embedded(year_dir / "report.html", tables) == []


@pytest.mark.slow
def test_a_planted_secret_among_the_further_series_withdraws_the_run(built_report, tmp_path, capsys, monkeypatch):
    """A secret Stadtteil cell of a series outside the chapter (stored value, no symbol) in the table frame the page
    takes the further series from: it stands in the further block, and the run is not published."""
    from helpers.runner import publication, release

    out, before, secret, value = _copy_with_a_secret(built_report, tmp_path, monkeypatch)
    _, shown = built_report
    table = release.load_table_frame(out)
    where = ((table["indicator"] == "alo_auslaender_anteil") & (table["area_level"] == levels.base())
             & (table["area_code"] == secret["area_code"]) & (table["year"] == 2014) & (table["group"] == "total"))
    assert where.sum() == 1 and pd.isna(table.loc[where, "value"]).all()  # published as a symbol
    found = linked_page.further_cells

    def planted_cells(frame, *args):  # only the further block gets the secret; tables and profiles stay as published
        frame = frame.copy()
        frame.loc[where, ["value", "flag"]] = [value, ""]
        return found(frame, *args)

    monkeypatch.setattr(linked_page, "further_cells", planted_cells)
    planted = {"code": secret["area_code"], "jahr": 2014, "wert": value, "zeichen": "",
               "indikator": "alo_auslaender_anteil", "gruppe": "total"}
    assert json.dumps(planted, ensure_ascii=False, separators=(",", ":")) in linked_page.further_blocks(shown, table)
    executed = sorted((out / "notebooks").glob("*.ipynb"))
    assert not release.finish(2019, out, executed, table, {}, [p.stem for p in executed], pdf=False)
    err = capsys.readouterr().err
    assert "Geheimhaltungsregel" in err and secret["area_code"] in err and "weitere" in err, err
    assert (out / "report.html").read_bytes() == before
    assert not publication.staging_dir(out).exists()
