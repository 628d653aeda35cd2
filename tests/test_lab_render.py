"""Sections in JupyterLab look as in the report, and the report stays as it was.

A displayed result carries its look for JupyterLab (one <style>, scoped under the class of its outputs' root
elements: helpers.sections.lab_style) and offers its interactive figures as JupyterLab's Vega-Lite mimetype
with the areas inline (helpers.figures.lab_view). The stitched report takes both out again: a section's HTML in
the report is byte for byte what the display before this change gave.
"""

from __future__ import annotations

import json

import nbformat
import pytest
import tinycss2
from IPython.core.interactiveshell import InteractiveShell
from IPython.display import HTML, Markdown, display
from IPython.utils.capture import capture_output
from nbformat.v4 import new_code_cell, new_output

from helpers.figures import charts, interactive, lab_view, linked
from helpers.publish import stitch
from helpers.sections import blocks, lab_style
from helpers.sections.shown import Shown

YEAR = 2014
REPORT_CSS = stitch.TEMPLATES / "monitoring" / "report.css"


def _shown(result) -> list:
    """What IPython displays for a result, as in a notebook."""
    InteractiveShell.instance()
    with capture_output() as captured:
        display(result)
    return captured.outputs


def _html(outputs) -> list[str]:
    return [o.data["text/html"] for o in outputs if "text/html" in o.data]


@pytest.fixture(scope="module")
def section():
    return blocks.indicator_section("mv_anteil", YEAR)  # definition box, tables, a map with its interactive twin


# --- the style ------------------------------------------------------------------------------------

def _rules(css: str) -> dict[str, str]:
    """selector -> declarations (whitespace normalised) of the top-level rules of a stylesheet."""
    found = {}
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule":
            selector = " ".join(tinycss2.serialize(rule.prelude).split())
            found[selector] = " ".join(tinycss2.serialize(rule.content).split())
    return found


def test_the_style_is_given_once_scoped_and_every_html_output_has_its_root(section):
    html = _html(_shown(section))
    # definition box, chart, break note, gap table, map; the Teilbereiche's and the Stadtbezirke's table
    assert len(html) == 7
    assert all(h.startswith(lab_style.OPEN) and h.endswith(lab_style.CLOSE) for h in html)
    assert [h.count(lab_style.STYLE_OPEN) for h in html] == [1, 0, 0, 0, 0, 0, 0]
    assert html[0].startswith(lab_style.OPEN + lab_style.STYLE_OPEN)  # before the definition box it styles
    css = html[0][html[0].index(lab_style.STYLE_OPEN) + len(lab_style.STYLE_OPEN):html[0].index("</style>")]
    selectors = [s.strip() for sel in _rules(css) for s in sel.split(",")]
    assert len(selectors) > 30
    assert all(s == ".im-abschnitt" or s.startswith((".im-abschnitt ", ".jp-RenderedHTMLCommon .im-abschnitt "))
               for s in selectors), selectors
    # what the issue saw unstyled: the box's frame, its left-aligned cells, the hidden caption, the staff's box
    rules = _rules(css)
    assert "border-left: 4px solid var(--accent)" in rules[".im-abschnitt .definition-box"]
    assert "text-align: left" in rules[".im-abschnitt .definition-box th"]
    assert "text-align: left" in rules[".jp-RenderedHTMLCommon .im-abschnitt td"]  # undoes JupyterLab's rule
    assert "clip-path: inset(50%)" in rules[".im-abschnitt .visually-hidden"]
    assert "border-left: 4px solid #6b4f9e" in rules[".im-abschnitt .im-staff-text"]


def test_a_nested_result_shows_the_style_once_in_all():
    outer = Shown("außen").html("<p>eins</p>")
    outer.add(Shown("innen").html("<p>zwei</p>").markdown("*drei*"))
    outer.add(Shown().html('<div class="im-staff-text" role="note"><p>vier</p></div>'))
    html = _html(_shown(outer))
    assert sum(h.count(lab_style.STYLE_OPEN) for h in html) == 1 and lab_style.STYLE_OPEN in html[0]
    assert [lab_style.unwrap(h) for h in html][:2] == ["<p>eins</p>", "<p>zwei</p>"]
    assert len(_html(_shown(Shown().markdown("nur Text")))) == 0  # nothing to style: no style


def test_the_rules_are_the_reports():
    """The section rules for JupyterLab are report.css's rules for the same selectors, declaration by declaration."""
    report = _rules(REPORT_CSS.read_text(encoding="utf-8"))
    mine = _rules(lab_style.RULES)
    assert len(mine) >= 25
    differ = {sel: (decl, report.get(sel)) for sel, decl in mine.items() if report.get(sel) != decl}
    assert not differ, differ
    root = _rules(REPORT_CSS.read_text(encoding="utf-8"))[":root"]
    assert " ".join(lab_style.VARIABLES.split()) == root


def test_scoping_puts_every_selector_of_a_list_under_the_scope():
    assert lab_style.scoped("td, th { a: b; }\n.x  .y {\n c: d;\n}") == (
        ".im-abschnitt td, .im-abschnitt th { a: b; }\n.im-abschnitt .x  .y { c: d; }")


def test_unwrap_gives_back_exactly_the_fragment_and_leaves_other_html_alone():
    fragment = '<div class="definition-box"><p>x</p></div>'
    assert lab_style.unwrap(lab_style.wrap(fragment, styled=True)) == fragment
    assert lab_style.unwrap(lab_style.wrap(fragment)) == fragment
    assert lab_style.unwrap(fragment) == fragment
    assert lab_style.unwrap('<div class="im-abschnitt"><p>offen') == '<div class="im-abschnitt"><p>offen'


# --- the interactive figures ------------------------------------------------------------------------

def test_a_map_with_an_interactive_twin_is_followed_by_its_view_for_jupyterlab(section):
    outputs = _shown(section)
    lab = [i for i, o in enumerate(outputs) if lab_view.is_lab_only({"metadata": o.metadata})]
    assert len(lab) == 1
    before = outputs[lab[0] - 1].data["text/html"]
    assert 'data-art="karte"' in before and f'class="{interactive.SPEC_CLASS}"' in before  # right after its map
    out = outputs[lab[0]]
    assert sorted(out.data) == [lab_view.VEGALITE_MIME, "text/plain"]
    assert out.metadata[lab_view.VEGALITE_MIME]["embed_options"]["renderer"] == "svg"
    assert out.data["text/plain"].startswith("Interaktive Abbildung: Karte: Anteil der Bevölkerung mit")


def test_a_report_builds_kernel_shows_no_views(section, tmp_path, monkeypatch):
    # the stitch would drop them: a chapter kernel of the runner (it records what it shows) leaves them out
    from helpers.core import context
    from helpers.disclosure import register

    running = context.current().replace(chapter="07_test", year=YEAR, outputs=tmp_path)
    monkeypatch.setenv(context.ENV, running.to_json())
    assert context.current().recording
    try:
        outputs = _shown(section)
    finally:
        register.reset_records()  # the cells it recorded went to tmp_path; forget them
    assert not any(lab_view.is_lab_only({"metadata": o.metadata}) for o in outputs)
    assert any('data-art="karte"' in h for h in _html(outputs))  # the map itself is still shown


def test_the_view_draws_from_inline_areas_without_the_pages_parts(section):
    (key, view), = section.views.items()
    assert key == f"im-mv_anteil-total-{YEAR}" and view.level == "stadtteil"
    data, meta = view._repr_mimebundle_()
    spec = data[lab_view.VEGALITE_MIME]
    (lookup,) = [t for t in spec["transform"] if "lookup" in t]
    assert lookup["from"]["data"]["format"] == {"type": "json", "property": "features"}
    areas = json.loads(lookup["from"]["data"]["values"])["features"]  # one text: a notebook indents a list per point
    assert len(areas) == 45 and {"code", "name"} == set(areas[0]["properties"])
    assert "gebiete" not in spec["datasets"]
    assert spec["datasets"]["werte"] == section.specs["karte"]["datasets"]["werte"]  # the published values, as embedded
    assert "usermeta" not in spec and "href" not in spec["encoding"]
    assert not any(t.get("as") == "profil" for t in spec["transform"])
    assert spec["width"] == lab_view.WIDTH  # not "container": a fresh output is a few pixels wide
    assert "$schema" not in spec  # drawn by JupyterLab's Vega-Lite 5, whatever Altair writes for
    assert [p["name"] for p in spec["params"]] == ["jahr"] and spec["params"][0]["bind"]["input"] == "range"
    assert "gebiete" not in section.specs["karte"]["datasets"]  # the report's spec itself is untouched
    json.dumps(data)  # the bundle is JSON, as a notebook stores it


def test_the_linked_view_gets_its_lists_as_selects():
    rows = [{"code": "11", "jahr": 2014, "wert": 1.5, "zeichen": "", "indikator": "a", "gruppe": "total"},
            {"code": "11", "jahr": 2014, "wert": 2.5, "zeichen": "", "indikator": "b", "gruppe": "total"}]
    spec = linked.view_spec(rows, [{"a": "a", "b": "b", "r": 0.5, "n": 1}], ("a", "b"), "Stadtteil", "Beschreibung")
    html = linked.view_html(spec, "im-zusammenhang-stadtteil-2014", "stadtteil", {"a": "A (%)", "b": "B („x“)"},
                            "ungewichtet")
    (view,) = lab_view.views(html).values()
    params = {p["name"]: p for p in view.lab_spec()["params"]}
    assert params["xwahl"]["bind"] == {"input": "select", "options": ["a", "b"], "labels": ["A (%)", "B („x“)"],
                                       "name": "x-Achse "}
    assert params["xwahl"]["value"] == "a" and params["ywahl"]["value"] == "b"
    assert params["yname"] == {"name": "yname", "expr": '{"a": "A (%)", "b": "B („x“)"}[ywahl]'}


# --- the report ------------------------------------------------------------------------------------

def _old_display(result: Shown) -> None:
    """The display before this change (its code, as it was), whose outputs the report showed."""
    for part in result.parts:
        if part.kind == "markdown":
            display(Markdown(part.content))
        elif part.kind == "html":
            display(HTML(part.content))
        elif part.kind == "figure":
            display(HTML(charts.figure_tag(part.content, part.alt, part.data) + (part.interactive or "")))
        else:
            _old_display(part.content)


def _before(result: Shown) -> list:
    InteractiveShell.instance()
    with capture_output() as captured:
        _old_display(result)
    return [new_output("display_data", data=dict(o.data), metadata=dict(o.metadata)) for o in captured.outputs]


def _now(result: Shown) -> list:
    return [new_output("display_data", data=dict(o.data), metadata=dict(o.metadata)) for o in _shown(result)]


def _section_html(outputs: list, tmp_path, name: str) -> str:
    """The HTML the stitched report makes of one cell with these outputs (through a written notebook)."""
    nb = nbformat.v4.new_notebook(cells=[new_code_cell("blocks.indicator_section(...)", outputs=outputs)])
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    converter = stitch.PartConverter("Bericht")
    return stitch._chapter_part(converter, path, "kapitel-1")[1]


def test_the_stitched_section_is_byte_for_byte_as_before(section, tmp_path):
    before = _section_html(_before(section), tmp_path, "vorher")
    after = _section_html(_now(section), tmp_path, "nachher")
    assert after == before
    assert "definition-box" in after and 'class="im-spec"' in after
    assert "im-abschnitt" not in after and lab_view.VEGALITE_MIME not in after and '"gebiete":[' not in after


def test_the_stitched_correlation_section_with_its_linked_view_is_as_before(tmp_path):
    from helpers.sections import explorer

    result = explorer.correlation_section(["mv_anteil", "alo_dichte"], YEAR)
    assert len(result.views) == 1  # the linked view
    now = _now(result)
    assert sum(lab_view.is_lab_only(o) for o in now) == 1
    assert _section_html(now, tmp_path, "nachher") == _section_html(_before(result), tmp_path, "vorher")


def test_the_stitch_drops_jupyterlabs_outputs_and_unwraps_by_their_marks_only():
    cell = new_code_cell("x", outputs=[
        new_output("display_data", data={"text/html": lab_style.wrap("<p>a</p>", styled=True)}),
        new_output("display_data", data={lab_view.VEGALITE_MIME: {"mark": "point"}, "text/plain": "v"},
                   metadata=lab_view.LAB_ONLY),
        new_output("display_data", data={lab_view.VEGALITE_MIME: {"mark": "point"}, "text/plain": "eigene"}),
        new_output("display_data", data={"text/html": '<div class="im-abschnitt">eigenes'})])
    (kept,) = stitch._report_cells(nbformat.v4.new_notebook(cells=[cell]))
    assert [o.data.get("text/html") or o.data["text/plain"] for o in kept.outputs] == [
        "<p>a</p>", "eigene", '<div class="im-abschnitt">eigenes']


def test_the_manifest_reads_the_same_numbers(section, tmp_path):
    """The published numbers' fingerprints (helpers.publish.manifest) do not see the style or the view."""
    from helpers.publish import manifest

    numbers = {}
    for name, outputs in (("vorher", _before(section)), ("nachher", _now(section))):
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[new_code_cell("x", outputs=outputs)]), path)
        numbers[name] = manifest.chapter_numbers(path)
    assert numbers["nachher"] == numbers["vorher"] and len(numbers["vorher"]) > 10


def test_the_sections_doctests_pass():
    import doctest

    assert doctest.testmod(lab_style).failed == 0
    assert doctest.testmod(lab_view).failed == 0
