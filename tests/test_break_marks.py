"""The series-break mark in the report's own tables and under its charts (issue 29).

A value of the first year after a break that the catalogue declares carries the official mark "|" (the
workbook's column "Bruch" uses the same), a screen reader hears "Bruch in der Reihe:" instead, and a note
under the table names the year and the catalogue's reason. A table without a declared break in its years
has neither mark nor note. Values by hand from data/muenster/catalogue.yml and the committed data.
"""

from __future__ import annotations

import re

import pandas as pd

from helpers.core import catalogue, levels
from helpers.core.model import BREAK_MARK
from helpers.disclosure import disclosed
from helpers.publish import stitch
from helpers.sections import area_tables, blocks, break_marks, html_tables

MARK = '<span class="break-mark" aria-hidden="true">|</span><span class="visually-hidden">Bruch in der Reihe:</span> '
#: mv_anteil's declared break (catalogue), the reason as the note repeats it.
REGISTER = ("Die wohnberechtigte Bevölkerung wird ab 2011 aus allen gemeldeten Wohnsitzen des Melderegisters "
            "ausgezählt, bis 2010 auf Basis der Volkszählung 1987 fortgeschrieben.")


def _rows(table: str) -> dict[str, str]:
    """Body rows of a table by their first cell."""
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return {re.match(r"<tr><td>([^<]*)</td>", r).group(1): r for r in re.findall(r"<tr>.*?</tr>", body)}


def test_the_gap_table_marks_the_first_year_after_a_declared_break_and_names_its_reason():
    ind = catalogue.load().indicator("mv_anteil")
    city = disclosed.values(ind, levels.CITY)
    table = html_tables.gap_table(ind, city, 2014)
    rows = _rows(table)
    assert sorted(rows) == [str(y) for y in range(2010, 2015)]  # by sex from 2010
    # 2011, both groups (hand-checked: Männer 21,0 %, Frauen 20,5 %); the gap and ratio stay unmarked
    assert rows["2011"].count(MARK) == 2
    assert f"<td>{MARK}21,0\u00a0%</td><td>{MARK}20,5\u00a0%</td>" in rows["2011"]
    assert all(MARK not in rows[y] for y in rows if y != "2011")
    note = f'<p class="table-note">„|“ Bruch in der Reihe ab 2011: {REGISTER}</p>'
    assert note in table and table.index(note) < table.index('<p class="source">')


def test_a_table_without_a_declared_break_has_no_mark_and_no_note():
    ind = catalogue.load().indicator("langzeit_alo_anteil")  # breaks: none
    assert not ind.breaks
    section = blocks.extremes_table("langzeit_alo_anteil", 2011)
    table = next(p.content for p in section.parts if p.kind == "html")
    assert "break-mark" not in table and "table-note" not in table
    ind = catalogue.load().indicator("alo_dichte")  # a break in 2011, not in 2008 or 2014
    for year in (2008, 2014):
        table = next(p.content for p in blocks.extremes_table("alo_dichte", year).parts if p.kind == "html")
        assert "break-mark" not in table and "table-note" not in table, year


def test_a_table_of_a_break_year_marks_each_value_of_that_year():
    table = next(p.content for p in blocks.extremes_table("alo_dichte", 2011).parts if p.kind == "html")
    rows = re.findall(r"<tr><td>.*?</tr>", table)
    assert len(rows) == 10 and all(r.count(MARK) == 1 for r in rows)  # the indicator's value, not the counts
    assert ('„|“ Bruch in der Reihe ab 2011: Bezugsbevölkerung ab 2011 aus dem Melderegister ausgezählt '
            "(siehe Bevölkerungsindikatoren).") in table


def test_the_chart_of_a_series_has_its_break_below_and_in_its_alternative_text():
    section = blocks.indicator_section("alo_dichte", 2014)
    figure_at = next(i for i, p in enumerate(section.parts) if p.kind == "figure")
    assert "Bruch in der Reihe: 2010/2011 (Grund im Hinweis unter der Abbildung)." in section.parts[figure_at].alt
    below = section.parts[figure_at + 1]
    assert below.kind == "html" and below.content == (
        '<p class="table-note">Gepunktete senkrechte Linie: Bruch in der Reihe ab 2011: Bezugsbevölkerung ab 2011 '
        "aus dem Melderegister ausgezählt (siehe Bevölkerungsindikatoren).</p>")
    # a series without a break in its years: no note under the chart
    plain = blocks.indicator_section("langzeit_alo_anteil", 2014)
    assert not any(p.kind == "html" and "table-note" in p.content for p in plain.parts)


def test_the_area_tables_mark_the_break_year_of_their_indicators():
    cat = catalogue.load()
    table = pd.DataFrame({"indicator": ["mv_anteil"] * 3 + ["langzeit_alo_anteil"] * 3,
                          "name": [cat.indicator("mv_anteil").name] * 3 + [cat.indicator("langzeit_alo_anteil").name] * 3,
                          "year": [2010, 2011, 2012] * 2,
                          "moran_i": [0.5] * 6, "p_sim": [0.001] * 6, "synthetic": [False] * 6})
    html = area_tables.moran_html(table, ["mv_anteil", "langzeit_alo_anteil"])
    rows = _rows(html)
    assert rows["2011"].count(MARK) == 1 and MARK not in rows["2010"] + rows["2012"]
    name = catalogue.load().indicator("mv_anteil").name
    assert f"„|“ {name}: Bruch in der Reihe ab 2011: {REGISTER}" in html
    seg = pd.DataFrame({"label": ["A und B"] * 2, "year": [2010, 2011], "share": [0.2, 0.2],
                        "dissimilarity": [0.3, 0.3], "isolation": [0.3, 0.3], "isolation_corrected": [0.1, 0.1],
                        "exposure": [0.7, 0.7]})
    html = area_tables.segregation_html(seg)
    rows = re.findall(r"<tr><td>.*?</tr>", html)
    assert rows[0].count(MARK) == 0 and rows[1].count(MARK) == 5  # the share and the four indices of 2011
    assert f"„|“ Bruch in der Reihe ab 2011: {REGISTER}" in html


def test_the_symbols_page_explains_the_break_mark_as_the_workbook_uses_it():
    from helpers.publish import tables

    page = stitch.symbol_legend()
    assert ('<tr><th scope="row">|</th><td>grundsätzliche Änderung innerhalb einer Reihe, die den zeitlichen '
            "Vergleich beeinträchtigt; steht vor jedem Wert des ersten Jahres nach einem Bruch") in page
    assert "Spalte „Bruch“ der Excel-Tabelle" in page
    assert BREAK_MARK == "|" and tables.BREAK_MARK == BREAK_MARK  # one symbol: report, workbook, symbols page
    assert break_marks.marked_cell("x").startswith('<span class="break-mark" aria-hidden="true">|</span>')


def test_the_development_maps_name_the_break_in_their_years_with_its_reason():
    notes = [p.content for p in blocks.development_maps("mv_anteil", 2014).parts if p.kind == "markdown"]
    assert (f"*Hinweis: In diesem Zeitraum liegt ein Bruch in der Reihe (ab 2011: {REGISTER.rstrip('.')}); ein Teil "
            "der Veränderung kann auf die Umstellung zurückgehen.*") in notes
    later = [p.content for p in blocks.development_maps("mv_anteil", 2019).parts if p.kind == "markdown"]  # 2015–2019
    assert not any("Bruch" in n for n in later)
