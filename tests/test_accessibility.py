"""What the accessible report is built from, without a browser: alternative texts with hand-checked
values, table captions and header cells, and the reading aids the stitching adds (WCAG 2.1 AA)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers.core import catalogue
from helpers.figures import alttext, charts, maps
from helpers.publish import navigation, stitch
from helpers.sections import blocks, html_tables

NB = "\u00a0"


# --- alternative texts ------------------------------------------------------------------------------

def test_map_alt_names_highest_lowest_city_and_missing():
    values = {"Kinderhaus": 9.04, "Mitte": 2.0, "Roxel": None, "Gievenbeck": float("nan"), "Hiltrup": 5.5}
    text = alttext.map_alt("Arbeitslose, 2019,\nnach Stadtteilen", values, "%", 5.06, "Münster insgesamt")
    assert text == (f"Karte: Arbeitslose, 2019, nach Stadtteilen. Höchster Wert Kinderhaus (9,0{NB}%), "
                    f"niedrigster Mitte (2,0{NB}%); Münster insgesamt 5,1{NB}%. 2 Gebiete ohne Angabe oder geheim.")


def test_extremes_name_ties_together_and_equal_values_once():
    assert alttext.extremes({"B": 3.0, "A": 3.0, "C": 1.0}, "") == "höchster Wert A und B (3,0), niedrigster C (1,0)"
    assert alttext.extremes({"A": 2.0, "B": 2.0}, "%") == f"alle Gebiete mit Wert 2,0{NB}%"
    assert alttext.extremes({"A": None}, "%") == ""


def test_series_alt_gives_first_and_last_year_of_each_line():
    lines = {"Insgesamt": {2010: 20.0, 2011: 20.4, 2019: 21.66},
             "Ausländer/-innen": {2010: pd.NA, 2013: 5.0, 2019: 6.04}}
    assert alttext.series_alt("Anteil, Münster 2010–2019", lines, "%") == (
        f"Liniendiagramm: Anteil, Münster 2010–2019. Insgesamt: 2010 20,0{NB}%, 2019 21,7{NB}%; "
        f"Ausländer/-innen: 2013 5,0{NB}%, 2019 6,0{NB}%.")


@pytest.mark.parametrize(("changes", "expected"), [
    ({"A": 0.2, "B": 1.4, "C": None}, "Kein Gebiet hat abgenommen; größte Zunahme B (+1,4\u00a0Prozentpunkte), "
                                      "kleinste A (+0,2\u00a0Prozentpunkte)."),
    ({"A": -0.2, "B": -1.4}, "Kein Gebiet hat zugenommen; größte Abnahme B (−1,4\u00a0Prozentpunkte), "
                             "kleinste A (−0,2\u00a0Prozentpunkte)."),
    ({"A": 0.0, "B": 0.7}, "Kein Gebiet hat abgenommen; größte Zunahme B (+0,7\u00a0Prozentpunkte), "
                           "kleinste A (±0,0\u00a0Prozentpunkte)."),
    ({"A": 0.0, "B": 0.0}, "Kein Gebiet hat sich verändert."),
])
def test_change_alt_when_every_area_moved_one_way(changes, expected):
    # issue 31: "größte Abnahme Junkersdorf (+0,2 Prozentpunkte)" when every area grew
    assert alttext.change_alt("Veränderung 2015–2019", changes, "%") == f"Karte: Veränderung 2015–2019. {expected}"


def test_change_alt_in_percentage_points_with_signs():
    text = alttext.change_alt("Veränderung 2015–2019", {"A": 1.5, "B": -2.0, "C": None, "D": 0.2}, "%")
    assert text == (f"Karte: Veränderung 2015–2019. Größte Zunahme A (+1,5{NB}Prozentpunkte), "
                    f"größte Abnahme B (−2,0{NB}Prozentpunkte).")


def test_small_multiples_alt_gives_each_years_extremes():
    maps = {2010: {"A": 9.0, "B": 1.0}, 2014: {"A": 2.0, "B": 2.0, "C": None}}
    assert alttext.small_multiples_alt("Anteil, 2010–2014,\ngleiche Klassen", maps, "%") == (
        f"Karten: Anteil, 2010–2014, gleiche Klassen. 2010: höchster Wert A (9,0{NB}%), niedrigster B (1,0{NB}%); "
        f"2014: alle Gebiete mit Wert 2,0{NB}%.")


def test_correlation_and_scatter_alt_state_r():
    pairs = {("A", "B"): 0.812, ("A", "C"): -0.4, ("B", "C"): 0.1, ("A", "A"): 1.0}
    assert alttext.correlation_alt("Korrelationen", pairs) == (
        "Korrelationsmatrix: Korrelationen. Stärkster positiver Zusammenhang: A und B (r = 0,81); stärkster "
        "negativer: A und C (r = −0,40). Alle Werte in der Tabelle „Alle Paare“.")
    assert alttext.scatter_alt("B nach A", 0.5349, 45) == "Streudiagramm: B nach A. Korrelation r = 0,53 über 45 Gebiete."


def test_categories_alt_counts_members_in_legend_order():
    cats = {"Coerde": "hoch-hoch", "Kinderhaus": "hoch-hoch", "Roxel": "niedrig-niedrig", "Mitte": None}
    assert alttext.categories_alt("LISA", cats, ["hoch-hoch", "niedrig-niedrig", "hoch-niedrig"], shown=1) == (
        "Karte: LISA. Hoch-hoch: 2 (Coerde u. a.); niedrig-niedrig: 1 (Roxel).")


def test_indicator_map_alt_from_the_disclosed_values():
    """mv_anteil 2014: Coerde 49,7 % highest, Kreuz 10,7 % lowest, Münster 21,7 % (data/observations)."""
    section = blocks.indicator_section("mv_anteil", 2014)
    alts = [part.alt for part in section.parts if part.kind == "figure"]
    assert alts[1] == (f"Karte: Anteil der Bevölkerung mit Migrationsvorgeschichte, 2014, nach Stadtteilen. "
                       f"Höchster Wert Coerde (49,7{NB}%), niedrigster Kreuz (10,7{NB}%); Münster insgesamt 21,7{NB}%.")
    assert all(part.data == "indikatoren" for part in section.parts if part.kind == "figure")


def test_figure_tag_marks_maps_and_keeps_no_break_spaces():
    fig = Figure()
    fig.set_label(charts.MAP_LABEL)
    tag = charts.figure_tag(fig, f"Karte: X,\n2019. Y (1,0{NB}%).", data="indikatoren")
    assert tag.startswith(f'<img class="figure" alt="Karte: X, 2019. Y (1,0{NB}%)." data-art="karte" '
                          'data-tabelle="indikatoren" src="data:image/png;base64,')
    assert 'data-art="abbildung"' in charts.figure_tag(Figure(), "Diagramm")
    assert tag.endswith('" loading="lazy">')  # decoded when a reader nears it: the page's load does not wait
    assert maps._single("T", "Q", False)[0].get_label() == charts.MAP_LABEL


# --- tables ----------------------------------------------------------------------------------------

def test_table_html_has_caption_and_column_headers():
    table = pd.DataFrame({"Rang": ["höchste"], "Stadtteil": ["11 Aaseestadt"], "Wert": [f"3,0{NB}%"]})
    out = html_tables.table_html(table, "Stadtteile <höchste>", "Quelle A", hidden_headers=("Rang",))
    assert "<caption>Stadtteile &lt;höchste&gt;</caption>" in out
    assert '<th scope="col"><span class="visually-hidden">Rang</span></th><th scope="col">Stadtteil</th>' in out
    assert f"<tbody><tr><td>höchste</td><td>11 Aaseestadt</td><td>3,0{NB}%</td></tr></tbody>" in out
    assert "<th></th>" not in out and "figcaption" not in out


def test_definition_box_and_symbols_have_row_headers():
    box = html_tables.definition_box(catalogue.load().indicator("mv_anteil"))
    assert '<caption class="visually-hidden">Definition: Anteil der Bevölkerung mit Migrationsvorgeschichte' in box
    assert box.count('<th scope="row">') >= 8 and "<th>" not in box
    legend = stitch.symbol_legend()
    assert '<th scope="col">Zeichen</th><th scope="col">Bedeutung</th>' in legend
    assert '<th scope="row">.</th>' in legend


# --- reading aids -----------------------------------------------------------------------------------

def test_nbconvert_block_focus_is_removed_and_other_tabindex_kept():
    page = ('<div class="jp-Cell-inputWrapper" tabindex="0"><div class="jp-RenderedHTMLCommon '
            'jp-RenderedHTML jp-OutputArea-output" data-mime-type="text/html" tabindex="0">'
            '<div class="table-scroll" tabindex="0"></div></div></div>')
    assert navigation.drop_block_focus(page) == (
        '<div class="jp-Cell-inputWrapper"><div class="jp-RenderedHTMLCommon jp-RenderedHTML '
        'jp-OutputArea-output" data-mime-type="text/html"><div class="table-scroll" tabindex="0"></div></div></div>')


def test_chapter_number_goes_into_the_first_heading_only():
    body = '<h1 id="Arbeit">Arbeit<a class="anchor-link" href="#Arbeit">¶</a></h1><h1 id="b">B</h1>'
    assert navigation.number_chapter(body, 3) == (
        '<h1 id="Arbeit"><span class="chapter-number">3</span> Arbeit<a class="anchor-link" href="#Arbeit">¶</a>'
        '</h1><h1 id="b">B</h1>')


def test_tables_are_wrapped_and_named_by_caption_and_section():
    body = ('<h2 id="x">Arbeitslose<a class="anchor-link" href="#x">¶</a></h2>'
            '<table><caption>Abstand &amp; Verhältnis</caption></table><table><tr><td>1</td></tr></table>')
    wrapped = navigation.scroll_tables(body)
    assert wrapped.count('<div class="table-scroll"') == 2
    assert 'data-label="Tabelle: Abstand &amp; Verhältnis – Arbeitslose"><table><caption>' in wrapped
    assert 'data-label="Tabelle – Arbeitslose"><table><tr>' in wrapped


def test_figure_links_point_to_existing_tables_only():
    img = '<img alt="a" class="figure" data-art="karte" data-tabelle="indikatoren" src="x">'  # as nbconvert writes it
    plain = '<img class="figure" alt="b" data-art="abbildung" src="y">'
    tables = ["indikatoren_2019.csv", "indikatoren_2019.xlsx", "korrelationen_stadtteil_2019.csv"]
    out = navigation.figure_links(img + plain, tables, 2019)
    assert out == (img + '<p class="figure-data">Zahlen zu dieser Karte: Tabelle aller Indikatoren als '
                   '<a href="tables/indikatoren_2019.xlsx">Excel</a> oder <a href="tables/indikatoren_2019.csv">CSV'
                   "</a></p>" + plain)
    assert navigation.figure_links(img, [], 2019) == img  # nothing published: no dead link
    listed = navigation.downloads(tables, 2019)
    assert '<a href="tables/korrelationen_stadtteil_2019.csv">korrelationen_stadtteil_2019.csv</a>' in listed


def test_side_nav_numbers_chapters_like_the_contents():
    nav = navigation.side_nav([("lesehilfe", "Lesehilfe")], [("kapitel-1", "A & B"), ("kapitel-2", "C")],
                              stitch.CLOSING, ["indikatoren_2019.csv"], 2019)
    assert nav.startswith('<a class="skip-link" href="#titel">')
    assert '<li><a href="#kapitel-2"><span class="chapter-number">2</span> C</a></li>' in nav
    assert "A &amp; B" in nav and "<main>" not in nav  # split_parts finds the body by the first <main>
    assert re.search(r"<script>.*</script>$", nav, flags=re.S)


def test_published_tables_lists_excel_and_csv_of_both_folders(tmp_path):
    staged, published = tmp_path / "stage" / "tables", tmp_path / "out" / "tables"
    staged.mkdir(parents=True)
    published.mkdir(parents=True)
    for path in (staged / "indikatoren_2019.xlsx", staged / "indikatoren_2019.csv",
                 published / "korrelationen_stadtteil_2019.csv", published / "notiz.txt"):
        path.write_text("x")
    assert stitch.published_tables(staged, published, tmp_path / "fehlt") == [
        "indikatoren_2019.csv", "indikatoren_2019.xlsx", "korrelationen_stadtteil_2019.csv"]
