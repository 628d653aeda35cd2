"""The PDF report and the report's opening and closing pages, checked as a reader would.

The PDF tests build a small report from two executed chapters (about 20 s, marked `notebooks`), not the
whole one; the opening-page and renderer tests need no kernel.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from helpers.core import catalogue, context, paths
from helpers.disclosure import suppression
from helpers.indicators import trend
from helpers.publish import pdf, stitch
from helpers.sections.blocks import first_year_shown
from kernels import execute_notebook

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
                   "Moran's I", "Benjamini-Hochberg", "Spearman", "Sozialraumindex", "Duncan"):
        assert _flat(needle) in closing, needle
    assert _flat(suppression.active_rule().describe()) in closing
    assert _flat(trend.RULE_TEXT) in closing


@pytest.mark.notebooks
def test_figures_are_embedded_at_full_resolution(small_pdf):
    _, reader, titles = small_pdf
    first_chapter = dict(_outline(reader))[titles[0]]
    images = [img for page in reader.pages[first_chapter - 1:] for img in page.images[:1]]
    assert images, "no figure in the chapters"
    assert images[0].image.width >= 1000  # the PNG's own pixels, not a downsampled copy


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
    assert "Zeichenerklärung" in html_text.rsplit('class="closing', 1)[1]


def test_report_date_is_the_latest_commit_or_unknown(monkeypatch):
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}|unbekannt", stitch.report_date())

    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", no_git)
    assert stitch.report_date() == "unbekannt"


# --- incremental rendering (parts cached by content; no kernel) ----------------------------------

def _long_chapter(path: Path, title: str, paragraphs: int) -> Path:
    text = "\n\n".join(f"Absatz {n}: " + "Werte der Stadtteile im Vergleich. " * 12 for n in range(paragraphs))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {title}\n\n{text}")])
    nbformat.write(nb, path)
    return path


def _toc_page(texts: list[str], title: str) -> int:
    toc = next(t for t in texts if t.lstrip().startswith("Inhalt"))
    return int(re.search(re.escape(title) + r"\s*\.{3,}\s*(\d+)", toc).group(1))


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
    head, parts, tail = stitch.split_parts(changed)
    assert [name for name, _ in parts] == ["vorspann", "kapitel-1", "kapitel-2", "anhang"]
    assert head.endswith("<main>") and tail.startswith("</main>")
