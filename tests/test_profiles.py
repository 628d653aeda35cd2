"""The area profiles (helpers.publish.profiles): a page and a CSV per base area, read back by the checker."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from helpers.disclosure import checker, disclosed, profile_numbers
from helpers.figures import inline_svg
from helpers.publish import tables

COERDE = "61"  # Münster's Stadtteil Coerde (data/muenster/areas.csv)


# --- reading a page's numbers (fast) -----------------------------------------------------------------

PAGE = """<html><head><style>td { width: 12rem }</style></head><body>
<p>Stand 2019, <span data-count>45</span> Stadtteile.</p>
<td><data value="53.1" data-cell="mv_anteil|stadtteil|77|2019|total">53,1\u00a0%</data></td>
<td><data value="" data-cell="alo_dichte|stadtteil|77|2014|foreign">.</data></td>
<td><span data-rank="mv_anteil|stadtteil|77|2019|total">Rang 1 von 45</span></td>
<svg class="sparkline" data-row="a|stadtteil|77|total" aria-label="Verlauf 2010–2019"><polyline points="4.0,4.0 20.0,26.0"/>
<circle data-year="2018" cx="4.0" cy="4.0" r="1.6"/><circle data-year="2019" cx="20.0" cy="26.0" r="1.6"/></svg>
<table><tr data-row="b|stadtteil|77|foreign"><td><data value="7.5" data-year="2013">7,5 %</data></td></tr></table>
<div data-text="texte/2019/einleitung.md"><p>Getippt: 12,5 %</p></div>
<p>Hier steht 17,3 % ohne Herkunft.</p>
<script>var n = 99;</script>
</body></html>"""


def test_every_number_of_a_page_is_sorted_by_where_it_comes_from():
    found = profile_numbers.read_page(PAGE)
    assert [(c.key, c.value, c.text) for c in found.cells] == [
        ("mv_anteil|stadtteil|77|2019|total", "53.1", "53,1\u00a0%"), ("alo_dichte|stadtteil|77|2014|foreign", "", "."),
        ("b|stadtteil|77|2013|foreign", "7.5", "7,5\u00a0%")]
    assert [(k, t) for k, t, _ in found.ranks] == [("mv_anteil|stadtteil|77|2019|total", "Rang 1 von 45")]
    assert [t for t, _ in found.counts] == ["45"]
    assert [y for y, _ in found.years] == [2019, 2010, 2019]  # the text's year and the sparkline's spoken label
    assert [n for _, n, _ in found.text_numbers] == ["12,5"]
    assert [s for s, _, _ in found.strays] == ["17,3"]  # style and script are no text
    assert found.drawings[0].circles == [("a|stadtteil|77|2018|total", 4.0, 4.0), ("a|stadtteil|77|2019|total", 20.0, 26.0)]
    assert profile_numbers.german_number("65\u202f205") == 65205 and profile_numbers.german_number("−3,5 %") == -3.5


def _table(values: dict[tuple[str, str, int], float | None]) -> pd.DataFrame:
    return pd.DataFrame([{"indicator": i, "area_level": "stadtteil", "area_code": c, "year": y, "group": "total",
                          "value": v} for (i, c, y), v in values.items()]).astype({"value": "Float64"})


def test_the_checker_holds_ranks_drawings_and_strays_to_the_tables():
    table = _table({("mv_anteil", "77", 2019): 53.1, ("mv_anteil", "11", 2019): 20.0, ("a", "77", 2018): 30.0,
                    ("a", "77", 2019): 10.0})
    published = checker._table_values(table)
    page = profile_numbers.read_page(PAGE)
    problems = checker._page_problems("profile/77.html", page, published, checker.rank_table(table), {2010, 2018, 2019})
    said = [f"{p.cell}: {p.problem}" for p in problems]
    # the rank shown (1 of 45) is not what the table says (1 of 2); the stray number is refused; the drawing
    # (higher value at the top, heights affine in the values) and the cells agree with the table
    assert len(said) == 2, said
    assert "aus den Tabellen folgt „Rang 1 von 2“" in said[0]
    assert said[1].startswith("Zahl: 17,3 ohne Herkunft")
    # a drawing whose heights do not follow the published values is refused
    table2 = _table({("mv_anteil", "77", 2019): 53.1, ("a", "77", 2018): 30.0, ("a", "77", 2019): 10.0,
                     ("a", "77", 2017): 20.0})
    spark = inline_svg.sparkline("a|stadtteil|77|total", [(2017, 20.0), (2018, 30.0), (2019, 10.0)], "Verlauf")
    ok = profile_numbers.read_page(spark)
    assert not checker._page_problems("p", ok, checker._table_values(table2), checker.rank_table(table2), set())
    assert 'cy="4.0"' in spark
    wrong = profile_numbers.read_page(spark.replace('cy="4.0"', 'cy="9.0"'))
    ranks = checker.rank_table(table2)
    assert any("Höhen" in p.problem for p in checker._page_problems("p", wrong, checker._table_values(table2), ranks, set()))


def test_a_page_is_read_as_a_browser_parses_it():
    """Character references are numbers too; a comment is not text, the text after it is; a tagged value split
    by markup is read whole; unclosed paragraphs end where a browser ends them."""
    found = profile_numbers.read_page('<p>Zahl &#49;&#55;,3<!-- 42 --> und 8,5<p><data value="5.5" '
                                      'data-cell="a|stadtteil|77|2019|total">5,<b>5</b></data><p>2019')
    assert [s for s, _, _ in found.strays] == ["17,3", "8,5"]
    assert [(c.key, c.text) for c in found.cells] == [("a|stadtteil|77|2019|total", "5,5")]
    assert [y for y, _ in found.years] == [2019]


def test_the_csvs_together_may_not_reveal_a_secret(tmp_path):
    """A reader who downloads every area's CSV holds them all at once: a secret that neither file gives away
    alone but the two together do (one holds the secret Stadtteil, the other the Teilbereich's total and its
    other Stadtteile) is found; a second secret part of the sum protects it."""
    parts = ["11", "12", "13", "14", "15"]  # Münster's Teilbereich 1 (Altstadt), data/muenster/areas.csv
    stored = pd.DataFrame([{"indicator": "x", "area_level": "stadtteil", "area_code": c, "year": 2019, "group": "total",
                            "value": 10.0 + i, "numerator": 100, "denominator": 1000} for i, c in enumerate(parts)]
                          + [{"indicator": "x", "area_level": "teilbereich", "area_code": "1", "year": 2019,
                              "group": "total", "value": 12.0, "numerator": 500, "denominator": 5000}])
    published = stored.drop(columns=["numerator", "denominator"]).assign(flag="")
    published.loc[published["area_code"] == "11", ["value", "flag"]] = [None, "."]
    published["value"] = published["value"].astype("Float64")
    residents = pd.Series(10_000.0, index=pd.MultiIndex.from_arrays(
        [stored["year"], stored["area_level"], stored["area_code"]]))
    folder = tmp_path / "profile"
    folder.mkdir()
    secret = published["area_code"] == "11"
    published[secret].to_csv(folder / "11.csv", index=False)
    published[~secret].to_csv(folder / "12.csv", index=False)
    for name in ("11.csv", "12.csv"):  # each file alone gives nothing away
        alone = checker.read_table_csv(folder / name)
        assert checker.check_secondary(alone, stored, name) == []
    problems = checker.check_profiles(folder, published, stored, population=residents)
    assert [(p.file, p.row, p.cell) for p in problems] == [("profile/11.csv", 1, "x, stadtteil 11, 2019, total")]
    assert "zurückrechnen" in problems[0].problem
    published.loc[published["area_code"] == "13", ["value", "flag"]] = [None, "."]
    published[~secret].to_csv(folder / "12.csv", index=False)
    assert checker.check_profiles(folder, published, stored, population=residents) == []


def test_each_csv_is_compared_with_the_tables_and_named(tmp_path):
    """All areas' CSVs are compared with the tables at once; a value that differs and a row the tables do not
    have are each reported under their own file, files in order, rows in order."""
    parts = ["11", "12", "13"]
    stored = pd.DataFrame([{"indicator": "x", "area_level": "stadtteil", "area_code": c, "year": 2019, "group": "total",
                            "value": 10.0 + i, "numerator": 100, "denominator": 1000} for i, c in enumerate(parts)])
    published = stored.drop(columns=["numerator", "denominator"]).assign(flag="")
    published["value"] = published["value"].astype("Float64")
    residents = pd.Series(10_000.0, index=pd.MultiIndex.from_arrays(
        [stored["year"], stored["area_level"], stored["area_code"]]))
    folder = tmp_path / "profile"
    folder.mkdir()
    first = published[published["area_code"].isin(["11", "12"])].copy()
    first.loc[first["area_code"] == "12", "year"] = 2018  # a cell the tables do not have
    first.to_csv(folder / "11.csv", index=False)
    second = published[published["area_code"] == "13"].copy()
    second["value"] = 12.5  # the tables publish 12.0
    second.to_csv(folder / "13.csv", index=False)
    problems = [p for p in checker.check_profiles(folder, published, stored, population=residents)
                if "die Tabellen" in p.problem]
    assert [(p.file, p.cell) for p in problems] == [("profile/11.csv", "x, stadtteil 12, 2018, total"),
                                                    ("profile/13.csv", "x, stadtteil 13, 2019, total")]
    assert problems[0].problem == "die Datei zeigt 11.0, die Tabellen keinen solchen Wert."
    assert problems[1].problem == "die Datei zeigt 12.5, die Tabellen 12.0."


# --- the profiles of the built report (Münster 2019; the session's report) ------------------------------

@pytest.mark.slow
def test_coerdes_profile_shows_its_share_and_rank_as_the_tables_publish_them(built_report):
    year_dir, report_html = built_report
    assert year_dir.name == "2019"
    page = (year_dir / "profile" / f"{COERDE}.html").read_text(encoding="utf-8")
    assert "<h1>Coerde</h1>" in page
    cell = re.search(r'<data value="([^"]*)" data-cell="mv_anteil\|stadtteil\|61\|2019\|total">([^<]*)</data>', page)
    assert cell and cell.groups() == ("53.1", "53,1\u00a0%")
    # the rank, recomputed here from the published table: higher shares than Coerde's, and Stadtteile with a value
    table = checker.read_table_csv(year_dir / "tables" / "indikatoren_2019.csv")
    share = table[(table["indicator"] == "mv_anteil") & (table["area_level"] == "stadtteil") & (table["year"] == 2019)
                  & (table["group"] == "total") & table["value"].notna()]
    assert len(share) == 45
    higher = int((share["value"] > 53.1).sum())
    rank = re.search(r'<span data-rank="mv_anteil\|stadtteil\|61\|2019\|total">([^<]*)</span>', page).group(1)
    assert rank == f"Rang {higher + 1} von 45" == "Rang 1 von 45"
    assert 'href="../report.html"' in page and 'href="61.csv"' in page
    assert "Ähnliche Gebiete" in page and page.count('<li><a href="') == 5
    assert '<svg class="locator"' in page and "<script" not in page
    assert 'data-text="texte/2019/indikatoren/mv_anteil.md"' in page  # the text that names Coerde
    # the report links the list, the list every Stadtteil
    assert 'href="profile/index.html"' in report_html
    index = (year_dir / "profile" / "index.html").read_text(encoding="utf-8")
    assert index.count('<li data-name="') == 45 and '<a href="61.html">Coerde</a>' in index


@pytest.mark.slow
def test_coerdes_csv_holds_exactly_its_published_values(built_report):
    year_dir, _ = built_report
    table = pd.read_csv(year_dir / "tables" / "indikatoren_2019.csv", dtype=str, keep_default_na=False)
    own = table[(table["area_level"] == "stadtteil") & (table["area_code"] == COERDE)]
    mine = pd.read_csv(year_dir / "profile" / f"{COERDE}.csv", dtype=str, keep_default_na=False)
    assert list(mine.columns) == tables.COLUMNS
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), own.reset_index(drop=True))
    assert set(mine["year"]) == {str(y) for y in range(2010, 2020)} and len(mine) > 100


@pytest.mark.slow
def test_the_checker_reads_the_profiles_and_refuses_a_planted_secret(built_report, tmp_path):
    year_dir, _ = built_report
    folder = tmp_path / "profile"
    shutil.copytree(year_dir / "profile", folder)
    table = checker.read_table_csv(year_dir / "tables" / "indikatoren_2019.csv")
    assert checker.check_profiles(folder, table) == []
    # a cell the tables keep secret because its numerator is a small count (primary suppression)
    secret = table[(table["area_level"] == "stadtteil") & table["value"].isna() & (table["flag"] == ".")]
    for indicator in secret["indicator"].unique():
        stored = disclosed.stored(indicator)
        small = stored.assign(area_code=stored["area_code"].astype(str)).merge(secret[checker.KEY])
        small = small[small["numerator"].between(1, 2) & small["value"].notna()]
        if len(small):
            cell = small.iloc[0]
            break
    key = f"{cell['indicator']}|stadtteil|{cell['area_code']}|{int(cell['year'])}|{cell['group']}"
    value = round(float(cell["value"]), 1)
    shown = f"{value:.1f}".replace(".", ",")
    page = folder / f"{cell['area_code']}.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</main>", f'<p><data value="{value}" data-cell="{key}">{shown}\u00a0%</data></p></main>'),
                    encoding="utf-8")
    problems = checker.check_profiles(folder, table)
    assert any(p.file == f"profile/{page.name}" and "muss als \".\" erscheinen" in p.problem for p in problems), problems
    # the same value in the area's CSV
    csv_path = folder / f"{cell['area_code']}.csv"
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    at = ((frame["indicator"] == cell["indicator"]) & (frame["year"] == str(int(cell["year"])))
          & (frame["group"] == cell["group"]))
    assert at.any()
    frame.loc[at, ["value", "flag"]] = [str(value), ""]
    page.write_text(text, encoding="utf-8")
    frame.to_csv(csv_path, index=False, lineterminator="\n")
    problems = checker.check_profiles(folder, table)
    assert any(p.file == f"profile/{csv_path.name}" and "muss als \".\" erscheinen" in p.problem for p in problems)


@pytest.mark.slow
def test_a_planted_secret_in_a_staged_profile_withdraws_the_run(built_report, tmp_path, capsys, monkeypatch):
    from helpers.core import paths
    from helpers.runner import publication, release

    year_dir, _ = built_report
    out = tmp_path / "2019"
    shutil.copytree(year_dir, out)
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    before = {p.name: p.read_bytes() for p in (out / "profile").glob("*")}
    stage = publication.staging_dir(out) / "profile"
    stage.mkdir(parents=True)
    page = (out / "profile" / f"{COERDE}.html").read_text(encoding="utf-8")
    (stage / f"{COERDE}.html").write_text(page.replace("</main>", "<p>Geheim: 1,2 %</p></main>"), encoding="utf-8")
    executed = sorted((out / "notebooks").glob("*.ipynb"))
    assert not release.finish(2019, out, executed, release.load_table_frame(out), {}, [p.stem for p in executed], pdf=False)
    assert "1,2 ohne Herkunft" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (out / "profile").glob("*")} == before
    assert not publication.staging_dir(out).exists()


def test_a_city_overrides_a_block_of_the_profile_page(tmp_path, monkeypatch):
    from helpers.core import paths
    from helpers.publish import profiles
    from helpers.sections.profiles import Profile

    own = tmp_path / "templates"
    own.mkdir()
    (own / "profile.html.j2").write_text('{% extends "default/profile.html.j2" %}'
                                         "{% block similar %}<p>Eigene Nachbarn</p>{% endblock %}", encoding="utf-8")
    monkeypatch.setattr(paths, "CITY_TEMPLATES", own)
    page = profiles.render_page(Profile(COERDE, "Coerde", "Stadtteil", "Stadtbezirk", "Nord", 2019, (2018, 2019)), [])
    assert "<p>Eigene Nachbarn</p>" in page and "Ähnliche Gebiete" not in page
    assert "<h1>Coerde</h1>" in page and '<svg class="locator"' in page and 'aria-label="Lage von Coerde im Stadtbezirk Nord"' in page


@pytest.mark.slow
def test_an_unchanged_build_does_not_write_the_profiles_again(built_report, tmp_path):
    from helpers.publish import profiles
    from helpers.runner import release

    year_dir, _ = built_report
    table = release.load_table_frame(year_dir)
    assert profiles.up_to_date(year_dir, profiles.key(table, 2019))
    assert not profiles.stage(table, 2019, year_dir, tmp_path) and not (tmp_path / "profile").exists()


def test_the_release_reuses_the_check_made_beside_the_kernels_only_for_the_same_files(tmp_path, monkeypatch):
    """checker.profile_findings and keep_profile_findings (a build's profiles process) and checked_profiles (its
    release): the findings are reused once, for the same pages, files, tables and rule; a page changed since is checked again."""
    folder = tmp_path / "profile"
    folder.mkdir()
    page = folder / "77.html"
    page.write_text("<p>Hier steht 17,3 % ohne Herkunft.</p>", encoding="utf-8")
    table = _table({("mv_anteil", "77", 2019): 53.1})
    csv = tmp_path / "indikatoren_2019.csv"
    table.assign(flag="").to_csv(csv, index=False)
    checker.keep_profile_findings(*checker.profile_findings(folder, [csv]))
    calls = []
    real = checker.check_profiles
    monkeypatch.setattr(checker, "check_profiles", lambda *a, **k: calls.append(1) or real(*a, **k))
    frame = checker.read_table_csv(csv)
    first = checker.checked_profiles(folder, frame)
    assert calls == [] and [p.cell for p in first] == ["Zahl"]  # the ahead findings, not a second check
    assert [p.cell for p in checker.checked_profiles(folder, frame)] == ["Zahl"] and calls == [1]  # used once
    checker.keep_profile_findings(*checker.profile_findings(folder, [csv]))  # checks (calls: 2) ...
    page.write_text("<p>Ohne Zahlen.</p>", encoding="utf-8")  # ... a page the release no longer sees
    assert checker.checked_profiles(folder, frame) == [] and calls == [1, 1, 1]
