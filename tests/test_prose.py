"""The report's own pages: worded in templates a city can override, and explaining exactly the
methods the chapters showed (what a section notes when it is displayed), not what their source mentions."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import context, paths
from helpers.disclosure import register
from helpers.publish import prose, stitch
from helpers.sections import area_results, explorer, overview, shown

YEAR = 2014
SPATIAL_HEADING = "Räumliche Verfahren und Zusammenhänge"


@pytest.fixture
def chapter_kernel(monkeypatch, tmp_path):
    """Display as in a runner's chapter kernel: `show(chapter, result)` records into tmp_path/<year>/published/."""
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)

    def show(chapter: str, result: shown.Shown) -> None:
        monkeypatch.setenv(context.ENV, context.RunContext(chapter=chapter, year=YEAR).to_json())
        register.reset_records()  # a warm kernel's next chapter starts empty
        result._ipython_display_()

    yield show
    register.reset_records()


def _notes(tmp_path: Path, *chapters: str) -> frozenset[str]:
    return stitch.report_notes(tmp_path / str(YEAR), [Path(f"{c}.ipynb") for c in chapters])


def test_a_method_note_appears_exactly_when_its_section_was_shown(chapter_kernel, tmp_path):
    chapter_kernel("07_quartiere", area_results.SegregationSection(YEAR))
    chapter_kernel("00_kontext", shown.Shown("Bevölkerung").markdown("Kein Verfahren."))
    assert (tmp_path / str(YEAR) / "published" / "07_quartiere.notes.json").is_file()
    assert not (tmp_path / str(YEAR) / "published" / "00_kontext.notes.json").exists()

    both = stitch.closing_pages(_notes(tmp_path, "00_kontext", "07_quartiere"))
    assert "Segregationsindex nach Duncan" in both and SPATIAL_HEADING in both
    for absent in ("Moran's I", "Korrelationen", "Sozialraumindex"):  # not shown by any chapter
        assert absent not in both
    alone = stitch.closing_pages(_notes(tmp_path, "00_kontext"))  # a report without the segregation chapter
    assert "Segregationsindex" not in alone and SPATIAL_HEADING not in alone
    assert "Trendbewertung" in alone  # the rules behind every number stay


def test_a_result_kept_but_not_shown_notes_nothing(chapter_kernel, tmp_path, monkeypatch):
    monkeypatch.setenv(context.ENV, context.RunContext(chapter="07_quartiere", year=YEAR).to_json())
    area_results.SpatialSection(["mv_anteil"], YEAR)  # computed, never displayed
    assert _notes(tmp_path, "07_quartiere") == frozenset()


def test_a_nested_result_notes_its_method(chapter_kernel, tmp_path):
    outer = shown.Shown("Kapitel").add(area_results.LisaSection("mv_anteil", YEAR))
    chapter_kernel("01_raeumlich", outer)
    assert _notes(tmp_path, "01_raeumlich") == {"spatial"}
    assert "Moran's I und LISA" in stitch.method_notes(_notes(tmp_path, "01_raeumlich"))


def test_the_summary_sentence_follows_the_summary_shown(chapter_kernel, tmp_path):
    chapter_kernel("01_zusammenfassung", overview.Summary(YEAR, []))
    sentence = "Die Zusammenfassung stellt alle Indikatoren"
    assert sentence in stitch.reading_guide(_notes(tmp_path, "01_zusammenfassung"))
    assert sentence not in stitch.reading_guide(_notes(tmp_path))  # Berlin's report has no summary chapter


def test_interactive_work_notes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    monkeypatch.setenv(context.ENV, context.RunContext().to_json())
    area_results.SegregationSection(YEAR)._ipython_display_()
    assert not (tmp_path / str(YEAR)).exists()


def test_every_key_a_section_notes_has_its_words():
    """A key no template explains would silently print nothing."""
    classes = [c for module in (area_results, explorer, overview) for _, c in inspect.getmembers(module, inspect.isclass)
               if issubclass(c, shown.Shown)]
    keys = {key for c in classes for key in c.notes}
    assert keys == set(stitch.NOTES)
    words = stitch.method_notes(stitch.METHODS)
    assert all(title in words for title in ("Segregationsindex nach Duncan", "Moran's I und LISA", "Korrelationen",
                                            "Sozialraumindex"))


def test_the_checker_reads_the_cells_not_the_notes(chapter_kernel, tmp_path):
    result = shown.Shown("Tabelle")
    cells = pd.DataFrame({"indicator": ["mv_anteil"], "area_level": ["stadt"], "area_code": ["0"], "year": [YEAR],
                          "group": ["total"], "value": [21.7], "flag": [""]})
    result.html("<table></table>", records=[result.record(cells, "Tabelle")])
    result.notes = ("segregation",)
    chapter_kernel("07_quartiere", result)
    records = register.read_records(tmp_path / str(YEAR))
    assert list(records["chapter"]) == ["07_quartiere"] and list(records["what"]) == ["Tabelle"]


# --- templates a city overrides ----------------------------------------------------------------------

def test_a_city_template_replaces_one_prose_block(tmp_path, monkeypatch):
    (tmp_path / "method_notes.html.j2").write_text(
        '{% extends "default/method_notes.html.j2" %}\n'
        "{% block segregation %}<dt>Segregation</dt>\n<dd>Eigene Worte über die {{ base }}.</dd>{% endblock %}\n",
        encoding="utf-8")
    monkeypatch.setattr(prose, "city_folder", lambda: tmp_path)
    notes = stitch.method_notes(["segregation", "spatial"])
    assert "<dt>Segregation</dt><dd>Eigene Worte über die Stadtteile.</dd>" in notes
    assert "Dissimilaritätsindex" not in notes
    assert "Moran's I und LISA" in notes and "Trendbewertung" in notes  # the other blocks are the project's


def test_a_city_template_replaces_a_whole_page(tmp_path, monkeypatch):
    (tmp_path / "symbols.html.j2").write_text(
        "<ul>{% for symbol, meaning in symbols %}<li>{{ symbol }}\n= {{ meaning }}</li>{% endfor %}</ul>\n",
        encoding="utf-8")
    monkeypatch.setattr(prose, "city_folder", lambda: tmp_path)
    assert stitch.symbol_legend().startswith("<ul><li>")
    monkeypatch.setattr(prose, "city_folder", lambda: tmp_path / "none")
    assert stitch.symbol_legend().startswith('<table class="symbols">')


@pytest.mark.parametrize("text, line, what", [
    ("<ul>\n{% for symbol in symbols %}<li>{{ symbol }</li>{% endfor %}</ul>\n", 2, "TemplateSyntaxError"),
    ("<ul>\n\n<li>{{ zeichen_liste[0] }}</li></ul>\n", 3, "UndefinedError"),
])
def test_a_broken_city_template_is_named_with_its_line(tmp_path, monkeypatch, text, line, what):
    """A city's own page that cannot be rendered says which file and line, and what to do."""
    (tmp_path / "symbols.html.j2").write_text(text, encoding="utf-8")
    monkeypatch.setattr(prose, "city_folder", lambda: tmp_path)
    with pytest.raises(prose.TemplateProblem) as refused:
        stitch.symbol_legend()
    message = str(refused.value)
    assert message.startswith(f"{tmp_path / 'symbols.html.j2'}, Zeile {line}: Die Seitenvorlage lässt sich nicht "
                              f"verwenden ({what}: ")
    assert message.endswith("Bitte die Vorlage der Stadt berichtigen oder löschen (dann gilt die des Projekts).")


def test_values_are_escaped_and_html_values_are_not(tmp_path, monkeypatch):
    contents = stitch.table_of_contents([("kapitel-1", "Wohnen & <Umfeld>")])
    assert '<a href="#kapitel-1">Wohnen &amp; &lt;Umfeld&gt;</a>' in contents
    closing = stitch.closing_pages()
    assert '<dl class="method-list">' in closing and "&lt;dl" not in closing  # the pages' HTML passed as Markup


def test_a_template_renders_as_one_line():
    """The pages sit in a markdown cell, where a blank line would end the HTML block."""
    assert prose._one_line("<p>Ein\n   Satz</p>\n\n<p>{{ x }}</p>\n") == "<p>Ein Satz</p><p>{{ x }}</p>"
    for page in (stitch.reading_guide(stitch.NOTES), stitch.closing_pages(stitch.NOTES),
                 stitch.title_page(YEAR, 2005, "01.01.2026")):
        assert "\n" not in page


def test_the_area_register_names_every_base_area_with_its_number_and_outline_area():
    register = stitch.area_register()
    rows = re.findall(r"<tr><td>(\w+)</td><th scope=\"row\">([^<]+)</th><td>([^<]*)</td></tr>", register)
    assert len(rows) == 45 and rows[0] == ("11", "Aegidii", "Mitte") and ("61", "Coerde", "Nord") in rows
    assert "Nummern und Namen der Stadtteile" in register
    closing = stitch.closing_pages()
    assert '<section class="closing" id="gebiete"><h1>Gebietsverzeichnis</h1>' in closing
    assert "Gebietsverzeichnis" in stitch.table_of_contents([])


def test_berlins_register_lists_its_138_bezirksregionen_by_bezirk(tmp_path, monkeypatch):
    from helpers.core import context
    from roots import pointed_at

    with pointed_at(context.REPOSITORY, tmp_path / "outputs", monkeypatch, city="berlin"):
        register = stitch.area_register()
    rows = re.findall(r"<tr><td>(\w+)</td><th scope=\"row\">([^<]+)</th><td>([^<]*)</td></tr>", register)
    assert len(rows) == 138 and ("010111", "Tiergarten Süd", "Mitte") in rows
    assert "<th scope=\"col\">Bezirk</th>" in register
