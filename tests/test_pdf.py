"""The PDF report and the report's opening and closing pages, checked as a reader would.

The PDF tests build a small report from two executed chapters (about 20 s, marked `notebooks`), not the
whole one; the opening-page and renderer tests need no kernel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pikepdf
import pytest
from pypdf import PdfReader

from helpers.core import catalogue, context, paths
from helpers.disclosure import suppression
from helpers.indicators import trend
from helpers.publish import pdf, stitch, tagged
from helpers.publish.parts import split_parts
from helpers.sections.lookback import first_year_shown
from notebook_execution import execute_notebook

YEAR = 2014
STAND = "01.02.2026"
CHAPTERS = ("00_kontext_bevoelkerung.ipynb", "05_rassismus_und_diskriminierung.ipynb")


def _flat(text: str) -> str:
    """Text without whitespace: PDF line breaks fall anywhere, also after dashes."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def small_pdf(tmp_path_factory) -> tuple[Path, PdfReader, list[str]]:
    """Two chapters executed for 2014, stitched, rendered: (PDF path, reader, chapter titles)."""
    out = tmp_path_factory.mktemp("outputs")
    executed = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "OUTPUTS", out)
        mp.setenv(context.ENV, context.RunContext(outputs=out).to_json())
        for name in CHAPTERS:
            target = out / str(YEAR) / "notebooks" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            execute_notebook(str(paths.NOTEBOOKS / name), str(target), parameters={"report_year": YEAR},
                                kernel_name="python3", progress_bar=False, cwd=str(paths.NOTEBOOKS))
            executed.append(target)
        html_path = stitch.write_report(executed, YEAR, first_year_shown(YEAR), stand=STAND)
        pdf_path = pdf.write_pdf(html_path)
    titles = [stitch.chapter_title(nbformat.read(p, as_version=4), p.stem) for p in executed]
    return pdf_path, PdfReader(pdf_path), titles


def _texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def _outline(reader: PdfReader) -> list[tuple[str, int]]:
    """Top-level bookmarks: (title, page number from 1)."""
    return [(item.title, reader.get_destination_page_number(item) + 1)
            for item in reader.outline if not isinstance(item, list)]


@pytest.mark.notebooks
def test_pdf_is_written_beside_the_html(small_pdf):
    pdf_path, reader, _ = small_pdf
    assert pdf_path.name == "report.pdf" and (pdf_path.parent / "report.html").exists()
    assert len(reader.pages) > 5
    assert not list(pdf_path.parent.glob(".report*"))  # no temporary file left behind


@pytest.mark.notebooks
def test_title_page_and_page_numbers(small_pdf):
    _, reader, _ = small_pdf
    texts = _texts(reader)
    assert f"Integrationsmonitoring Münster {YEAR}" in texts[0]
    assert STAND in texts[0]
    assert "Seite" not in texts[0]  # the title page has no number
    total = len(texts)
    for number, text in enumerate(texts[1:], start=2):
        assert f"Seite {number} von {total}" in text, number


@pytest.mark.notebooks
def test_bookmarks_and_contents_point_to_the_chapters(small_pdf):
    _, reader, titles = small_pdf
    outline = _outline(reader)
    names = [title for title, _ in outline]
    assert [n for n in names if n in titles] == titles  # every chapter, in order
    assert {"Inhalt", "Lesehilfe", "Methodische Hinweise", "Zeichenerklärung"} <= set(names)
    texts = _texts(reader)
    toc = next(t for t in texts if t.lstrip().startswith("Inhalt"))
    for title in titles:
        match = re.search(re.escape(title) + r"\s*\.{3,}\s*(\d+)", toc)
        assert match, f"{title} fehlt im Inhaltsverzeichnis"
        page = int(match.group(1))
        assert texts[page - 1].lstrip().startswith(title), f"{title} steht nicht oben auf Seite {page}"
        assert dict(outline)[title] == page


@pytest.mark.notebooks
def test_closing_pages(small_pdf):
    _, reader, _ = small_pdf
    texts = _texts(reader)
    start = next(i for i, t in enumerate(texts) if t.lstrip().startswith("Methodische Hinweise"))
    closing = _flat("".join(texts[start:]))
    for needle in ("Zeichenerklärung", "Quellen und Nutzungsbedingungen", "Prozentpunkte",
                   "SMS – Statistik für Münsters Stadtteile", "Für nicht gewerbliche Zwecke",
                   "Bundesagentur für Arbeit", "Code for Münster", "Nutzungsbedingungen: siehe Quelle",
                   "Vergleichsgruppen", "Brüche in Zeitreihen"):
        assert _flat(needle) in closing, needle
    # neither chapter shows a spatial method (their notes: tests/test_prose.py, test_report.py), nor the summary
    for needle in ("Räumliche Verfahren", "Moran's I", "Spearman", "Sozialraumindex", "Duncan"):
        assert _flat(needle) not in closing, needle
    assert _flat("Die Zusammenfassung stellt") not in _flat("".join(texts[:start]))
    assert _flat(suppression.active_rule().describe()) in closing
    assert _flat(trend.RULE_TEXT) in closing


@pytest.mark.notebooks
def test_figures_are_embedded_at_full_resolution(small_pdf):
    _, reader, titles = small_pdf
    first_chapter = dict(_outline(reader))[titles[0]]
    images = [img for page in reader.pages[first_chapter - 1:] for img in page.images[:1]]
    assert images, "no figure in the chapters"
    assert images[0].image.width >= 1000  # the PNG's own pixels, not a downsampled copy


@pytest.mark.slow
def test_pdf_refuses_resources_from_the_network(tmp_path):
    page = tmp_path / "report.html"
    page.write_text('<html><body><p>x</p><img src="https://example.invalid/a.png"></body></html>')
    with pytest.raises(pdf.PdfError, match="nicht eingebettet"):
        pdf.write_pdf(page)
    assert not (tmp_path / "report.pdf").exists()


def test_ignored_css_is_quiet_but_real_problems_are_logged(tmp_path, caplog):
    page = tmp_path / "report.html"
    page.write_text('<html><head><style>p { text-stroke-width: 1px; }</style></head><body>'
                    '<p id="a">x</p><p id="a">y</p></body></html>')
    pdf.write_pdf(page)
    messages = [r.getMessage() for r in caplog.records]
    assert not any("text-stroke-width" in m for m in messages)
    assert any("Anchor defined twice" in m for m in messages)


# --- opening pages (HTML only, no kernel) ------------------------------------------------------

def _chapter(path: Path, title: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {title}\n\nText.")])
    nbformat.write(nb, path)
    return path


def test_opening_pages_name_year_look_back_date_and_synthetic_indicators(tmp_path):
    notebooks = [_chapter(tmp_path / "a.ipynb", "Erstes Kapitel"), _chapter(tmp_path / "b.ipynb", "Zweites Kapitel")]
    html_text = stitch.stitch(notebooks, 2013, 2004, stand="22.11.2026")
    title = html_text.split('class="title-page"', 1)[1].split("</section>", 1)[0]
    assert "Integrationsmonitoring Münster 2013" in title and "Rückblick 2004–2013" in title
    assert "<dt>Stand</dt><dd>22.11.2026</dd>" in title
    toc = html_text.split('class="toc"', 1)[1].split("</nav>", 1)[0]
    assert toc.index("#kapitel-1") < toc.index("#kapitel-2") < toc.index("#methoden")
    guide = html_text.split('class="reading-guide"', 1)[1].split("</section>", 1)[0]
    cat = catalogue.load()
    for hf in cat.handlungsfelder:
        listed = [i for i in cat.for_handlungsfeld(hf.id) if i.synthetic]
        if not listed:
            assert f"<dt>{hf.name}</dt>" not in guide, hf.id
            continue
        block = guide.split(f"<dt>{hf.name}</dt>", 1)[1].split("</dd>", 1)[0]
        assert [i.name for i in listed] == re.findall(r"<li>(.*?)</li>", block), hf.id
    closing = html_text.split('class="closing', 1)[1]
    assert closing.index("Zeichenerklärung") < closing.index("Gebietsverzeichnis")  # the register comes last


def test_the_title_page_gives_the_datenstand_unless_a_stand_is_given(tmp_path):
    notebooks = [_chapter(tmp_path / "a.ipynb", "Erstes Kapitel")]
    title = stitch.stitch(notebooks, 2013, 2004).split('class="title-page"', 1)[1].split("</section>", 1)[0]
    assert "<dt>Datenstand</dt><dd>31.12.2013</dd>" in title  # Münster's counts refer to 31.12.
    assert "Datengrundlage: " in title


# --- incremental rendering (parts cached by content; no kernel) ----------------------------------

def _long_chapter(path: Path, title: str, paragraphs: int) -> Path:
    text = "\n\n".join(f"Absatz {n}: " + "Werte der Stadtteile im Vergleich. " * 12 for n in range(paragraphs))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {title}\n\n{text}")])
    nbformat.write(nb, path)
    return path


def _toc_page(texts: list[str], title: str) -> int:
    toc = next(t for t in texts if t.lstrip().startswith("Inhalt"))
    return int(re.search(re.escape(title) + r"\s*\.{3,}\s*(\d+)", toc).group(1))


@pytest.mark.slow
def test_pdf_renders_only_changed_parts_and_keeps_numbers_right(tmp_path):
    a = _long_chapter(tmp_path / "a.ipynb", "Erstes Kapitel", 3)
    b = _long_chapter(tmp_path / "b.ipynb", "Zweites Kapitel", 3)
    html_path = stitch.write_report([a, b], 2014, 2005, target=tmp_path / "out" / "report.html", stand=STAND)
    cache = tmp_path / "cache"
    first = tmp_path / "first.pdf"
    # opening pages (at least once), two chapters, closing pages, page-number overlay
    assert pdf.render_parts(html_path, first, cache) >= 5
    again = tmp_path / "again.pdf"
    assert pdf.render_parts(html_path, again, cache) == 0  # everything from the cache
    assert again.read_bytes() == first.read_bytes()  # and byte for byte the same document

    _long_chapter(b, "Zweites Kapitel", 4)  # same length in pages: only this chapter is laid out again
    stitch.write_report([a, b], 2014, 2005, target=html_path, stand=STAND)
    assert pdf.render_parts(html_path, tmp_path / "b.pdf", cache) == 1

    _long_chapter(a, "Erstes Kapitel", 40)  # several pages longer: the chapter, the contents, the numbers
    stitch.write_report([a, b], 2014, 2005, target=html_path, stand=STAND)
    longer = tmp_path / "longer.pdf"
    assert pdf.render_parts(html_path, longer, cache) >= 3
    reader = PdfReader(longer)
    texts = _texts(reader)
    total = len(texts)
    assert total > len(PdfReader(first).pages)
    for number, text in enumerate(texts[1:], start=2):
        assert f"Seite {number} von {total}" in text, number
    for title, anchor in (("Erstes Kapitel", "kapitel-1"), ("Zweites Kapitel", "kapitel-2")):
        page = _toc_page(texts, title)
        assert texts[page - 1].lstrip().startswith(title), f"{title} steht nicht auf Seite {page}"
        assert dict(_outline(reader))[title] == page  # bookmark
        assert reader.get_destination_page_number(reader.named_destinations[anchor]) + 1 == page  # link target
    assert len(list(cache.glob("*.pdf"))) == 5  # parts of older versions are removed


@pytest.mark.slow
def test_a_chapter_rendered_ahead_is_not_rendered_again(tmp_path):
    """The runner renders a finished chapter's part while the others run (stitch.prepare_chapter,
    pdf.prerender): the report's rendering must find exactly that document in the cache."""
    a = _long_chapter(tmp_path / "a.ipynb", "Erstes Kapitel", 3)
    b = _long_chapter(tmp_path / "b.ipynb", "Zweites Kapitel", 3)
    out, html_cache, cache = tmp_path / "out", tmp_path / "html", tmp_path / "pdf"
    base_url = out.resolve().as_uri() + "/"
    for number, chapter in enumerate([a, b], start=1):
        head, body, tail = stitch.prepare_chapter(chapter, 2014, number, html_cache, tables=[])
        assert "im:aids" not in head and "<nav class=\"side-nav" not in head  # screen-only aids stay out of the parts
        assert pdf.prerender(head, body, tail, cache, base_url) is True
        assert pdf.prerender(head, body, tail, cache, base_url) is False  # already there
    # the closing pages, with the notes recorded beside the report (none here), as write_report reads them
    assert pdf.prerender(*stitch.prepare_closing(2014, html_cache, records=out), cache, base_url) is True
    html_path = stitch.write_report([a, b], 2014, 2005, target=out / "report.html", stand=STAND, cache=html_cache)
    assert "<!-- im:aids -->" in html_path.read_text(encoding="utf-8")
    # the opening pages' first try (no page numbers yet in a clean cache), while the last parts are set
    assert pdf.prerender_overlay(html_path, cache) is False  # the opening pages' first try is not there yet
    assert pdf.prerender_opening(html_path, cache) is True
    assert pdf.prerender_opening(html_path, cache) is False
    # the page-number layer, beside the opening pages' second try
    assert pdf.prerender_overlay(html_path, cache) is True
    ahead = pdf.render_parts(html_path, tmp_path / "ahead.pdf", cache)
    again = tmp_path / "again.pdf"
    # nothing ahead: the two chapters, the closing pages, the opening pages' first try and the layer too
    assert pdf.render_parts(html_path, again, tmp_path / "fresh") == ahead + 5
    assert again.read_bytes() == (tmp_path / "ahead.pdf").read_bytes()  # and the same document


#: Renders the part (head, body, tail in the JSON file argv[1]) into the cache folder argv[2], as a PDF worker.
RENDER_PART = ("import json, sys; from helpers.publish import pdf; "
               "head, body, tail, base_url = json.load(open(sys.argv[1], encoding='utf-8')); "
               "assert pdf.prerender(head, body, tail, sys.argv[2], base_url)")


@pytest.mark.slow
def test_a_part_renders_to_the_same_bytes_in_any_process(tmp_path):
    """Same inputs, same bytes: one part rendered in two processes with different hash seeds (the order
    of sets and dicts), the second started in a later second than the first ended (a date of rendering,
    as fontTools wrote into the subset fonts), is byte for byte the same PDF."""
    rows = "".join(f"<tr><td>Stadtteil {n}</td><td>{n},5 %</td></tr>" for n in range(8))
    outputs = ['<figure class="im-table-figure"><figcaption>Stadtteile</figcaption><table class="im-table">'
               f"<thead><tr><th>Stadtteil</th><th>Anteil</th></tr></thead><tbody>{rows}</tbody></table></figure>",
               f'<img alt="Ein Diagramm der Anteile" class="figure" src="data:image/png;base64,{_png(200, 120)}"/>',
               '<ul><li>Erster Punkt</li><li>Zweiter Punkt</li></ul><p>Siehe <a href="#methoden">Methoden</a>.</p>']
    chapter = _html_chapter(tmp_path / "a.ipynb", "Erstes Kapitel", outputs)
    head, body, tail = stitch.prepare_chapter(chapter, 2014, 1, tmp_path / "html", tables=[])
    part = tmp_path / "part.json"
    part.write_text(json.dumps([head, body, tail, (tmp_path / "out").as_uri() + "/"]), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}  # fontTools' date switch: not from outside
    rendered = []
    for seed in ("1", "2"):
        if rendered:
            time.sleep(1.05 - time.time() % 1)  # into the next second of the clock
        cache = tmp_path / f"cache-{seed}"
        subprocess.run([sys.executable, "-c", RENDER_PART, str(part), str(cache)], env={**env, "PYTHONHASHSEED": seed},
                       check=True, capture_output=True)
        (path,) = cache.glob("*.pdf")
        rendered.append(path)
    assert rendered[0].name == rendered[1].name  # the same part (its cache key)
    assert rendered[0].read_bytes() == rendered[1].read_bytes()


def test_report_converts_only_changed_chapters(tmp_path, monkeypatch):
    a = _chapter(tmp_path / "a.ipynb", "Erstes Kapitel")
    b = _chapter(tmp_path / "b.ipynb", "Zweites Kapitel")
    cache = tmp_path / "html"
    whole = stitch.stitch([a, b], 2014, 2005, stand=STAND)  # without a cache
    assert stitch.stitch([a, b], 2014, 2005, stand=STAND, cache=cache) == whole
    exported = []
    real = stitch.PartConverter._export
    monkeypatch.setattr(stitch.PartConverter, "_export", lambda self, cells: exported.append(len(cells)) or real(self, cells))
    assert stitch.stitch([a, b], 2014, 2005, stand=STAND, cache=cache) == whole
    assert exported == []  # nothing converted again
    _chapter(b, "Zweites Kapitel, neu")
    changed = stitch.stitch([a, b], 2014, 2005, stand=STAND, cache=cache)
    assert len(exported) == 2  # the changed chapter, and the opening pages whose contents name it
    assert "Zweites Kapitel, neu" in changed
    head, parts, tail = split_parts(changed)
    assert [name for name, _ in parts] == ["vorspann", "kapitel-1", "kapitel-2", "anhang"]
    assert head.endswith("<main>") and tail.startswith("</main>")


# --- tagged PDF (PDF/UA-1): the structure tree checked directly -------------------------------------

def _marked_content(page) -> tuple[list[int], list[str]]:
    """The page's MCIDs (in content order) and the names drawn as XObjects inside /Artifact sequences."""
    mcids, artifact_draws, stack = [], [], []
    for instruction in pikepdf.parse_content_stream(page):
        op = str(instruction.operator)
        if op in ("BDC", "BMC"):
            operands = instruction.operands
            stack.append(str(operands[0]))
            if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                mcids.append(int(operands[1].MCID))
        elif op == "EMC":
            stack.pop()
        elif op == "Do" and "/Artifact" in stack:
            artifact_draws.append(str(instruction.operands[0]))
    assert not stack, "marked content not closed"
    return mcids, artifact_draws


def _first_page(element, pages: dict) -> int:
    """Page index (from 0) of the first content of a structure element."""
    for kid in [element, *tagged._elements(element)]:
        if "/Pg" in kid:
            return pages[kid.Pg.objgen]
    raise AssertionError("element without page")


def _check_tagged(path: Path, title: str) -> tuple[pikepdf.Pdf, list]:
    """Everything PDF/UA-1 asks of the document as a whole; returns (pdf, the top-level parts)."""
    doc = pikepdf.open(path)
    assert doc.pdf_version >= "1.7"
    root = doc.Root
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == "de"
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert str(doc.docinfo.Title) == title
    with doc.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        assert meta["dc:title"] == title
        assert meta["pdfuaid:part"] == "1"
    tree = root.StructTreeRoot
    elements = tagged._elements(tree)
    inside = {e.objgen for e in elements}
    pages = {page.objgen: n for n, page in enumerate(doc.pages)}
    assert all(e.Pg.objgen in pages for e in elements if "/Pg" in e)  # pages of this document
    parent_tree = tagged._numbers(tree.ParentTree)
    assert int(tree.ParentTreeNextKey) > max(parent_tree)
    for n, page in enumerate(doc.pages):
        key = int(page.obj.StructParents)
        assert key in parent_tree, f"page {n + 1}: /StructParents {key} fehlt im ParentTree"
        mcids, artifacts = _marked_content(page)
        owners = list(parent_tree[key])
        assert sorted(mcids) == list(range(len(owners))), f"page {n + 1}: MCIDs without an element"
        for mcid in mcids:
            owner = owners[mcid]
            assert owner.objgen in inside, f"page {n + 1}: MCID {mcid} belongs to no element of the tree"
            assert mcid in [int(k) for k in tagged._kids(owner) if isinstance(k, int)]
        if n > 0:  # "Seite n von N": drawn as an artifact on every page but the title page
            assert artifacts == [f"/ImSeitenzahl{n}"], n
        for annotation in page.obj.get("/Annots", []):
            owner = parent_tree[int(annotation.StructParent)]
            assert owner.objgen in inside and owner.S == "/Link"
            assert any(k.get("/Obj") is not None and k.Obj.objgen == annotation.objgen
                       for k in tagged._kids(owner) if isinstance(k, pikepdf.Dictionary))
    keys = set(parent_tree)
    for key, value in parent_tree.items():
        for owner in (value if isinstance(value, pikepdf.Array) else [value]):
            assert owner.objgen in inside, f"ParentTree {key} points outside the tree"
    assert keys >= {int(p.obj.StructParents) for p in doc.pages}
    figures = [e for e in elements if e.S == "/Figure"]
    assert all(str(f.get("/Alt", "")).strip() for f in figures), "a figure without alt text"
    kinds = {str(e.S) for e in elements}
    assert {"/H1", "/H2"} <= kinds
    ids = dict(pikepdf.NameTree(tree.IDTree).items()) if "/IDTree" in tree else {}
    for element in elements:
        if "/ID" in element:
            assert ids[str(element.ID)].objgen == element.objgen
        for header in element.get("/A", {}).get("/Headers", []) if isinstance(element.get("/A"), pikepdf.Dictionary) else []:
            assert str(header) in ids, "a table cell points to a header that does not exist"
    (document,) = tree.K
    assert document.S == "/Document"
    parts = list(document.K)
    assert all(part.S == "/Part" for part in parts)
    starts = [_first_page(part, pages) for part in parts]
    assert starts == sorted(starts) and starts[0] == 0  # reading order: the parts as they follow each other
    return doc, parts


@pytest.mark.slow
def test_pdf_is_tagged_for_screen_readers(tmp_path):
    a = _long_chapter(tmp_path / "a.ipynb", "Erstes Kapitel", 12)
    b = _long_chapter(tmp_path / "b.ipynb", "Zweites Kapitel", 3)
    html_path = stitch.write_report([a, b], 2014, 2005, target=tmp_path / "out" / "report.html", stand=STAND)
    pdf_path = pdf.write_pdf(html_path)
    doc, parts = _check_tagged(pdf_path, "Integrationsmonitoring Münster 2014")
    assert len(parts) == 4  # opening pages, two chapters, closing pages
    texts = _texts(PdfReader(pdf_path))
    pages = {page.objgen: n for n, page in enumerate(doc.pages)}
    for part, title in zip(parts[1:3], ("Erstes Kapitel", "Zweites Kapitel")):
        start = _first_page(part, pages)
        assert texts[start].lstrip().startswith(title)
        assert "/H1" in {str(e.S) for e in tagged._elements(part)}
    # the running heads are artifacts: every page after the first of a chapter repeats its title
    # in the margin, yet only its pages' own text is tagged
    first = _first_page(parts[1], pages)
    assert "Erstes Kapitel" in texts[first + 1]


def test_whole_document_without_parts_is_tagged_too(tmp_path):
    page = tmp_path / "report.html"
    page.write_text('<html lang="de"><head><title>Bericht</title></head><body><h1>Titel</h1><h2>Teil</h2>'
                    '<p>Text</p><img alt="Eine Karte" src="data:image/png;base64,'
                    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="></body></html>')
    doc = pikepdf.open(pdf.write_pdf(page))
    figures = [e for e in tagged._elements(doc.Root.StructTreeRoot) if e.S == "/Figure"]
    assert [str(f.Alt) for f in figures] == ["Eine Karte"]


@pytest.mark.notebooks
def test_report_pdf_is_tagged(small_pdf):
    pdf_path, reader, titles = small_pdf
    doc, parts = _check_tagged(pdf_path, f"Integrationsmonitoring Münster {YEAR}")
    pages = {page.objgen: n for n, page in enumerate(doc.pages)}
    outline = dict(_outline(reader))
    assert len(parts) == len(titles) + 2
    assert [_first_page(part, pages) + 1 for part in parts[1:-1]] == [outline[t] for t in titles]  # contents' order
    assert _first_page(parts[-1], pages) + 1 == outline["Methodische Hinweise"]
    figures = [e for part in parts[1:-1] for e in tagged._elements(part) if e.S == "/Figure"]
    assert figures and all(len(str(f.Alt)) > 10 for f in figures)


@pytest.mark.skipif(shutil.which("verapdf") is None, reason="veraPDF (Java) ist nicht installiert: "
                    "PDF/UA-1 nur mit den eigenen Prüfungen der Strukturbaum-Tests geprüft")
@pytest.mark.notebooks
def test_report_pdf_passes_verapdf(small_pdf):
    pdf_path, _, _ = small_pdf
    result = subprocess.run(["verapdf", "--flavour", "ua1", "--format", "text", str(pdf_path)],
                            capture_output=True, text=True, check=False)
    assert result.stdout.startswith("PASS"), result.stdout + result.stderr


# --- page fill: no page left almost empty before the end of a chapter -------------------------------

#: The text area of an A4 page within report.css's @page margins (22 mm top, 20 mm bottom), in pt.
MM = 72 / 25.4
BODY_TOP, BODY_BOTTOM = 297 * MM - 22 * MM, 20 * MM


def _page_fill(page) -> float:
    """How far down the text area the page's own content reaches (0 empty, 1 full): the lowest text
    line or image drawn outside artifacts (so neither the running heads nor the page number count)."""
    def times(a, b):
        return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
                a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]

    ctm, saved, marks, lowest = [1, 0, 0, 1, 0, 0], [], [], BODY_TOP
    for instruction in pikepdf.parse_content_stream(page):
        op, operands = str(instruction.operator), instruction.operands
        if op == "q":
            saved.append(ctm)
        elif op == "Q":
            ctm = saved.pop()
        elif op == "cm":
            ctm = times([float(x) for x in operands], ctm)
        elif op in ("BDC", "BMC"):
            marks.append(str(operands[0]))
        elif op == "EMC":
            marks.pop()
        elif "/Artifact" in marks:
            continue
        elif op == "Tm":  # WeasyPrint places every line of text with its own Tm
            lowest = min(lowest, times([float(x) for x in operands], ctm)[5])
        elif op == "Do":  # an image fills the unit square of its matrix
            lowest = min([lowest, ctm[5], ctm[3] + ctm[5], ctm[1] + ctm[5], ctm[1] + ctm[3] + ctm[5]])
    return (BODY_TOP - lowest) / (BODY_TOP - BODY_BOTTOM)


def _half_empty(path: Path, starts: list[int]) -> list[tuple[int, float]]:
    """Pages (from 1) less than half full that are not the last page of their part; `starts` are the
    first pages (from 1) of the parts that begin on a new page (chapters, closing pages)."""
    doc = pikepdf.open(path)
    ends = {start - 1 for start in starts} | {len(doc.pages)}
    fills = [(n, _page_fill(page)) for n, page in enumerate(doc.pages, start=1)]
    return [(n, round(fill, 2)) for n, fill in fills if n >= min(starts) and n not in ends and fill < 0.5]


def _png(width: int, height: int) -> str:
    import base64
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (31, 95, 139)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _html_chapter(path: Path, title: str, outputs: list[str]) -> Path:
    """A chapter whose cells show `outputs` (HTML, as the helpers' figures and tables display)."""
    cells = [nbformat.v4.new_markdown_cell(f"# {title}")]
    for html_text in outputs:
        cell = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": html_text, "text/plain": ""})])
        cells.append(cell)
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


@pytest.mark.slow
def test_no_page_before_a_chapters_end_is_left_half_empty(tmp_path):
    text = "<p>" + "Werte der Stadtteile im Vergleich, mit ihren Abständen und Entwicklungen. " * 30 + "</p>"
    rows = "".join(f"<tr><td>Stadtteil {n}</td><td>{n},0 %</td></tr>" for n in range(70))
    table = ('<figure class="im-table-figure"><figcaption>Alle Stadtteile</figcaption><table class="im-table">'
             f"<thead><tr><th>Stadtteil</th><th>Wert</th></tr></thead><tbody>{rows}</tbody></table></figure>")
    chart, map_ = (f'<img alt="{alt}" class="figure" src="data:image/png;base64,{_png(1000, h)}"/>'
                   for alt, h in (("Ein Diagramm", 520), ("Eine Karte", 900)))
    # a chart and a map after some text (the map is as tall as a page's lower half and more), the
    # summary's paragraph before a table longer than a page
    a = _html_chapter(tmp_path / "a.ipynb", "Erstes Kapitel", [chart, map_, text, map_])
    b = _html_chapter(tmp_path / "b.ipynb", "Zweites Kapitel", [text[:600] + "</p>", table, text])
    html_path = stitch.write_report([a, b], 2014, 2005, target=tmp_path / "out" / "report.html", stand=STAND)
    pdf_path = pdf.write_pdf(html_path)
    reader = PdfReader(pdf_path)
    outline = dict(_outline(reader))
    starts = [outline["Erstes Kapitel"], outline["Zweites Kapitel"], outline["Methodische Hinweise"]]
    assert starts[1] - starts[0] >= 2 and starts[2] - starts[1] >= 2  # the chapters do run over pages
    assert _half_empty(pdf_path, starts) == []
    chapter_b = "".join(_texts(reader)[starts[1] - 1:starts[2] - 1])
    assert "Stadtteil 0" in chapter_b and "Stadtteil 69" in chapter_b  # the whole table is there


@pytest.mark.notebooks
def test_report_chapters_leave_no_page_half_empty(small_pdf):
    pdf_path, reader, titles = small_pdf
    outline = dict(_outline(reader))
    assert _half_empty(pdf_path, [outline[t] for t in titles] + [outline["Methodische Hinweise"]]) == []
