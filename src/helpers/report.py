"""Stitch executed chapter notebooks into one self-contained German HTML report.

Code is hidden; parameter and setup cells are dropped with their outputs; figures are
already embedded as PNG. The template drops every CDN reference so the file opens offline.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbformat.v4 import new_markdown_cell, new_notebook

from helpers import catalogue, disclosure, paths
from helpers.io import write_text_atomic
from helpers.schema import FLAGS

TEMPLATES = Path(__file__).parent / "templates"
HIDDEN_TAGS = {"parameters", "injected-parameters", "setup", "remove"}


def chapter_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^# (.+)$", cell.source, flags=re.M)
            if match:
                return match.group(1).strip()
    return fallback


def _report_cells(nb: nbformat.NotebookNode) -> list:
    cells = []
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
            if not cell.outputs:
                continue
        cells.append(cell)
    return cells


def title_page(year: int, first_year: int, chapters: list[tuple[str, str]]) -> str:
    """Title page and table of contents (links to the chapter anchors)."""
    items = "".join(f'<li><a href="#{anchor}">{html.escape(title)}</a></li>' for anchor, title in chapters)
    return (
        '<section class="title-page">'
        f"<h1>Integrationsmonitoring Münster {year}</h1>"
        f'<p class="subtitle">Indikatoren zur Integration von Menschen mit Migrationsvorgeschichte, '
        f"Rückblick {first_year}–{year}</p>"
        '<p class="meta">Gegliedert nach den Handlungsfeldern des Migrationsleitbilds 2025–2030 der Stadt Münster.<br>'
        f"Berichtsjahr {year}; Datenstand: Veröffentlichungen der Reihe „SMS – Statistik für Münsters Stadtteile“.</p>"
        "</section>"
        f'<nav class="toc" id="inhalt"><h2>Inhalt</h2><ol>{items}</ol></nav>'
    )


def reading_guide() -> str:
    rule = disclosure.DEFAULT_RULE.describe()
    symbols = "".join(
        f"<tr><td>{html.escape(s)}</td><td>{html.escape(m)}</td></tr>" for s, m in FLAGS.items() if s
    )
    synthetic = [i.name for i in catalogue.load().indicators if i.synthetic]
    synthetic_text = (
        "Folgende Indikatoren beruhen auf synthetischen Demodaten: " + ", ".join(synthetic) + "."
        if synthetic else "Alle Indikatoren dieses Berichts beruhen auf veröffentlichten Daten der Stadt Münster; "
        "synthetische Demodaten sind nicht enthalten."
    )
    return (
        '<section class="reading-guide"><h2>Lesehilfe</h2>'
        "<p>Jedes Kapitel beginnt mit dem Ziel des Handlungsfelds. Zu jedem Indikator folgen ein "
        "Definitionskasten, die Entwicklung über bis zu zehn Jahre, bei Vergleichsgruppen der Abstand "
        "zwischen den Gruppen in Prozentpunkten und als Verhältnis, und eine Karte der Stadtteile. "
        "Quoten werden aus Anzahlen berechnet: für Stadtbezirke und die Gesamtstadt werden erst die "
        "Anzahlen summiert, dann wird geteilt.</p>"
        f"<p><strong>Datenschutz:</strong> {html.escape(rule)}</p>"
        f"<p><strong>Demodaten:</strong> {html.escape(synthetic_text)}</p>"
        f'<table class="symbols"><caption>Zeichenerklärung</caption>{symbols}</table></section>'
    )


def stitch(notebooks: list[Path], year: int, first_year: int) -> str:
    """One HTML document from executed notebooks, in the given order."""
    chapters, body = [], []
    for i, path in enumerate(notebooks, start=1):
        nb = nbformat.read(path, as_version=4)
        anchor = f"kapitel-{i}"
        chapters.append((anchor, chapter_title(nb, path.stem)))
        body.append(new_markdown_cell(f'<a id="{anchor}" class="chapter"></a>'))
        body.extend(_report_cells(nb))
    front = new_markdown_cell(title_page(year, first_year, chapters) + reading_guide())
    cells = [front, *body]
    for n, cell in enumerate(cells):
        cell.id = f"c{n:04d}"  # ids must be unique across the stitched chapters
    combined = new_notebook(cells=cells)
    combined.metadata = {"title": f"Integrationsmonitoring Münster {year}",
                         "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    exporter = HTMLExporter(template_name="monitoring", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            language_code="de")
    resources = {"report_css": (TEMPLATES / "monitoring" / "report.css").read_text(encoding="utf-8"),
                 "language_code": "de"}
    body_html, _ = exporter.from_notebook_node(combined, resources=resources)
    return body_html


def write_report(notebooks: list[Path], year: int, first_year: int, target: Path | None = None) -> Path:
    target = Path(target or paths.year_outputs(year) / "report.html")
    write_text_atomic(target, stitch(notebooks, year, first_year))
    return target
