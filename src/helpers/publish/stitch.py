"""Stitch executed chapter notebooks into one self-contained German HTML report.

Code is hidden; parameter and setup cells are dropped with their outputs; figures are
already embedded as PNG. The template drops every CDN reference so the file opens offline.
The opening pages (title, contents, reading guide, synthetic indicators) and the closing
pages (method notes, sources, symbols) are generated from the catalogue and the rules in
code, so they cannot disagree with the chapters. The same HTML is the source of the PDF
(helpers.publish.pdf); its print stylesheet lives in templates/monitoring/report.css.
"""

from __future__ import annotations

import functools
import html
import json
import re
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbformat.v4 import new_markdown_cell, new_notebook

from helpers.core import areas, catalogue, concept, config, fileio, levels, paths
from helpers.core import city as city_profile
from helpers.core.fileio import write_text_atomic
from helpers.core.model import FLAGS
from helpers.disclosure import suppression
from helpers.indicators import trend
from helpers.publish import navigation
from helpers.publish.parts import AIDS_END, AIDS_START, BACK, BODY_END, BODY_START, FRONT, PART_MARK

TEMPLATES = Path(__file__).parent / "templates"
HIDDEN_TAGS = {"parameters", "injected-parameters", "setup", "remove"}
UNKNOWN_DATE = "unbekannt"
#: Anchors and headings of the closing pages, in order.
CLOSING = (("methoden", "Methodische Hinweise"), ("quellen", "Quellen und Nutzungsbedingungen"),
           ("zeichen", "Zeichenerklärung"))
#: Symbols the report may show although the stored data have no flag for them.
EXTRA_SYMBOLS = {"r": "revidiert", "p": "vorläufig"}
def report_date() -> str:
    """Date of the latest commit as TT.MM.JJJJ: the same sources give the same report, unlike today's date."""
    try:
        done = subprocess.run(["git", "log", "-1", "--format=%cs"], cwd=paths.ROOT, capture_output=True,
                              text=True, timeout=10, check=True)
        year, month, day = done.stdout.strip().split("-")
    except (OSError, subprocess.SubprocessError, ValueError):
        return UNKNOWN_DATE
    return f"{day}.{month}.{year}"


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


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


# --- opening pages ----------------------------------------------------------------------------

def data_basis() -> str:
    """What the report's figures are, in one line (config/city.yml, else the city's own statistics)."""
    return city_profile.profile().statistics_basis or city_profile.statistics_name()


def title_page(year: int, first_year: int, stand: str) -> str:
    """The title page: what, which years, as of when (no page number in print)."""
    city = areas.city()
    demo = ""
    if any(i.synthetic for i in catalogue.load().indicators):
        demo = ('<p class="title-note"><span class="synthetic-mark">Demodaten – synthetisch</span> '
                f"Dieser Bericht enthält gekennzeichnete synthetische Demodaten; sie sagen nichts über {_esc(city.short)} aus.</p>")
    return (
        '<section class="title-page" id="titel">'
        f"<h1>{_esc(report_title(year))}</h1>"
        f'<p class="subtitle">{_esc(concept.say("Indikatoren zur Integration von Menschen mit Migrationsvorgeschichte"))}, '
        f"Rückblick {first_year}–{year}</p>"
        '<dl class="facts">'
        f"<dt>Berichtsjahr</dt><dd>{year}</dd>"
        f"<dt>Rückblick</dt><dd>{first_year}–{year}</dd>"
        f"<dt>Stand</dt><dd>{_esc(stand)}</dd></dl>"
        f'<p class="meta">{_esc(city_profile.profile().structure_text())}<br>'
        f"Berichtsjahr {year}; Datenstand: {_esc(data_basis())}.</p>"
        f"{demo}</section>"
    )


#: Anchors and headings of the opening pages the contents list before the chapters.
FRONT_PAGES = (("lesehilfe", "Lesehilfe"), ("demodaten", "Indikatoren mit synthetischen Demodaten"))


def table_of_contents(chapters: list[tuple[str, str]]) -> str:
    """Contents with links; the print stylesheet adds leader dots and page numbers."""
    front = FRONT_PAGES
    link = lambda anchor, title: f'<li><a href="#{anchor}">{_esc(title)}</a></li>'  # noqa: E731
    return (
        '<nav class="toc" id="inhalt"><h2>Inhalt</h2>'
        f'<ul class="toc-front">{"".join(link(a, t) for a, t in front)}</ul>'
        f'<ol class="toc-chapters">{"".join(link(a, t) for a, t in chapters)}</ol>'
        f'<ul class="toc-back">{"".join(link(a, t) for a, t in CLOSING)}</ul></nav>'
    )


def synthetic_list() -> str:
    """The synthetic indicators grouped by Handlungsfeld, so nobody mistakes them for facts about the city."""
    cat = catalogue.load()
    groups = [(hf, [i for i in cat.for_handlungsfeld(hf.id) if i.synthetic]) for hf in cat.handlungsfelder]
    groups = [(hf, inds) for hf, inds in groups if inds]
    if not groups:
        return (f'<p>Alle Indikatoren dieses Berichts beruhen auf veröffentlichten Daten für {_esc(areas.city().short)}; '
                "synthetische Demodaten sind nicht enthalten.</p>")
    total = sum(len(inds) for _, inds in groups)
    items = "".join(
        f'<dt>{_esc(hf.name)}</dt><dd><ul>{"".join(f"<li>{_esc(i.name)}</li>" for i in inds)}</ul></dd>'
        for hf, inds in groups
    )
    base = _esc(levels.hierarchy().base.plural)
    return (
        f"<p>{total} Indikatoren beruhen auf synthetischen Demodaten. Sie wurden mit einem festen Startwert aus "
        f"der echten Struktur der {base} erzeugt, damit jedes Kapitel schon vor den Datenlieferungen der Fachämter "
        "gebaut werden kann. Sie sind in jeder Abbildung, Karte und Tabelle als "
        '<span class="synthetic-mark">Demodaten – synthetisch</span> gekennzeichnet und sagen nichts über '
        f"{_esc(areas.city().short)} aus. Das reale Vorbild nennt der Definitionskasten des Indikators.</p>"
        f'<dl class="synthetic-list">{items}</dl>'
    )


def _summed_to() -> str:
    """Whose values the reading guide says are summed from counts: the largest declared level and the city."""
    upper = levels.hierarchy().levels[1:]
    return f"für {_esc(upper[-1].plural)} und die Gesamtstadt" if upper else "für die Gesamtstadt"


def reading_guide() -> str:
    """How to read a chapter; the details follow on the closing pages."""
    return (
        '<section class="reading-guide" id="lesehilfe"><h2>Lesehilfe</h2>'
        "<p>Jedes Kapitel beginnt mit dem Ziel des Handlungsfelds. Zu jedem Indikator folgen ein "
        "Definitionskasten (Zähler, Nenner, Quelle, Zielrichtung), die Entwicklung über bis zu zehn Jahre, bei "
        "Vergleichsgruppen der Abstand zwischen den Gruppen in Prozentpunkten und als Verhältnis, und eine Karte "
        f"der {_esc(levels.hierarchy().base.plural)}.{_summary_note()}</p>"
        f"<p>Quoten werden aus Anzahlen berechnet: {_summed_to()} werden erst die Anzahlen "
        "summiert, dann wird geteilt. Kleine Zahlen werden zum Schutz der Einzelnen nicht ausgewiesen. Formeln, "
        "Bewertungs- und Geheimhaltungsregel stehen in den „Methodischen Hinweisen“, die Quellen und die "
        "Bedeutung der Zeichen (etwa „.“ für geheim gehaltene Werte) am Ende des Berichts.</p>"
        '<h3 id="demodaten">Indikatoren mit synthetischen Demodaten</h3>'
        f"{synthetic_list()}</section>"
    )


def _summary_note() -> str:
    """The sentence on the summary chapter, for a report that has one (Berlin's has none)."""
    if not any("zusammenfassung" in chapter.stem for chapter in config.load().chapters):
        return ""
    return " Die Zusammenfassung stellt alle Indikatoren mit einer Bewertung ihrer Entwicklung nebeneinander."


# --- closing pages ----------------------------------------------------------------------------

def _definitions(items: list[tuple[str, str]]) -> str:
    return '<dl class="method-list">' + "".join(f"<dt>{_esc(t)}</dt><dd>{d}</dd>" for t, d in items) + "</dl>"


def _aggregation_note() -> str:
    """How larger areas get their values, along the declared hierarchy (Stadtteil → … → Stadt)."""
    h = levels.hierarchy()
    larger = [_esc(lv.plural) for lv in h.levels[1:]] + ["die Gesamtstadt"]
    listed = larger[0] if len(larger) == 1 else f"{', '.join(larger[:-1])} und {larger[-1]}"
    chain = " → ".join(_esc(lv.name) for lv in h.levels)
    return (f"Für {listed} werden zuerst die Anzahlen über die Gebietshierarchie summiert ({chain} → Stadt), "
            "dann wird geteilt. Quoten werden nie gemittelt. Hat die Stadt eine Zahl für das größere Gebiet "
            "veröffentlicht, wird diese verwendet.")


def method_notes() -> str:
    """Definitions, formulas and rules behind every number in the chapters."""
    indicators = [
        ("Indikator", "Jeder Indikator ist eine Formel über gespeicherte Anzahlen: <em>Wert = Zähler / Nenner × "
         "Skala</em> (Skala 100 für Anteile in Prozent, 1 000 oder 100 000 für Raten je Einwohner/-in). Zähler und "
         "Nenner nennt der Definitionskasten jedes Indikators."),
        ("Größere Gebiete", _aggregation_note()),
        ("Vergleichsgruppen", concept.say(
            "Abstand = Wert der ersten Gruppe − Wert der Vergleichsgruppe, bei Anteilen in "
            "Prozentpunkten (z. B. 12,0 % gegenüber 6,0 %: 6,0 Prozentpunkte); Verhältnis = Wert der ersten Gruppe / "
            "Wert der Vergleichsgruppe (im Beispiel 2,0; nur bei einem Vergleichswert über null). Deutsche = "
            "Insgesamt − Ausländer/-innen; ohne Migrationsvorgeschichte = Insgesamt − mit Migrationsvorgeschichte.")),
        ("Trendbewertung", _esc(trend.RULE_TEXT)),
        ("Geheimhaltung", _esc(suppression.active_rule().describe()) + " Die gespeicherten Daten bleiben "
         "vollständig; nur die Veröffentlichung ist eingeschränkt."),
        ("Brüche in Zeitreihen", "Ändert sich die Erhebung oder die Gebietsgliederung, ist der Bruch in den "
         "Abbildungen markiert und im Definitionskasten des Indikators beschrieben; Werte davor und danach sind "
         "nur eingeschränkt vergleichbar."),
    ]
    return (f"<h2>Indikatoren, Vergleiche und Regeln</h2>{_definitions(indicators)}"
            f"<h2>Räumliche Verfahren und Zusammenhänge</h2>{_definitions(_spatial_notes())}")


#: Method note -> the section call a chapter notebook must contain for the note to be printed.
METHOD_SECTIONS = {"Segregationsindex nach Duncan": "segregation_section", "Moran's I und LISA": "spatial_section",
                   "Korrelationen": "correlation_section", "Sozialraumindex": "social_space_section"}


def _used_sections() -> str:
    """The source of the report's chapter notebooks, to see which analyses the report contains."""
    return "".join((paths.NOTEBOOKS / chapter.notebook).read_text(encoding="utf-8")
                   for chapter in config.load().chapters if (paths.NOTEBOOKS / chapter.notebook).is_file())


def _spatial_notes() -> list[tuple[str, str]]:
    """The spatial methods the report's chapters use (Berlin's has no social-space index), on the
    base level of the declared hierarchy."""
    used = _used_sections()
    return [(title, text) for title, text in _all_spatial_notes() if METHOD_SECTIONS[title] in used]


def _all_spatial_notes() -> list[tuple[str, str]]:
    base = levels.hierarchy().base
    plural, n = _esc(base.plural), len(areas.area_names(base.code))
    return [
        ("Segregationsindex nach Duncan", "Dissimilaritätsindex D = ½ · Σ |a<sub>i</sub>/A − b<sub>i</sub>/B| "
         f"über die {plural} i (a, b: Anzahlen der beiden Gruppen, A, B: ihre Summen für die Stadt). D liegt "
         "zwischen 0 (gleiche Verteilung) und 1 (keine gemeinsamen Gebiete) und gibt den Anteil einer Gruppe an, "
         "der umziehen müsste, damit beide gleich verteilt wären. Er hängt von der Gebietseinteilung ab und "
         "ist bei kleinen Gruppen nach oben verzerrt; ergänzend werden Isolationsindizes gezeigt."),
        ("Moran's I und LISA", f"Moran's I misst, ob benachbarte {plural} (gemeinsamer Grenzpunkt, "
         "Queen-Nachbarschaft, zeilenstandardisierte Gewichte) ähnliche Werte haben; die Signifikanz ergibt "
         "sich aus 999 zufälligen Vertauschungen der Werte mit festem Startwert. Die lokale Variante (LISA) "
         "ordnet jedes Gebiet einem Cluster zu (hoch-hoch, niedrig-niedrig, hoch-niedrig, niedrig-hoch). "
         f"Weil dabei {n} Tests zugleich laufen, wird zusätzlich die Falscherkennungsrate (FDR, "
         "Benjamini-Hochberg) kontrolliert; Cluster sind Hinweise, keine Befunde."),
        ("Korrelationen", "Pearson (linearer Zusammenhang) und Spearman (Rangkorrelation, robust gegen "
         f"Ausreißer) über die {plural}; p-Werte nach Benjamini-Hochberg korrigiert, auf Wunsch nach "
         "Einwohnerzahl gewichtet. Zusammenhänge zwischen Gebieten sind keine Zusammenhänge zwischen Menschen "
         "(ökologischer Fehlschluss)."),
        ("Sozialraumindex", "Nach dem Berliner Monitoring Soziale Stadtentwicklung: Die Indexindikatoren "
         f"(höherer Wert = stärkere Benachteiligung) werden über die {plural} z-standardisiert und gemittelt, "
         "der Mittelwert wird erneut standardisiert (Statusindex); ebenso ihre Veränderung über den "
         "Betrachtungszeitraum (Dynamikindex). Klassen nach Standardabweichungen ergeben 4 Status- × 3 "
         f"Dynamikklassen; {plural} unter der Mindestbevölkerung werden nicht eingeordnet."),
    ]


def _merge_series(parts: list[str]) -> list[str]:
    """'Publisher: Series, A (…) und B (…)' parts of one series merged into one line."""
    series: dict[tuple[str, str], set[str]] = {}
    plain = []
    for part in parts:
        match = re.fullmatch(r"(?P<who>[^:]+): (?P<series>[^,]+), (?P<items>.+)", part)
        if match:
            series.setdefault((match["who"], match["series"]), set()).update(match["items"].split(" und "))
        else:
            plain.append(part)
    merged = [f"{who}: {name}, Hefte {', '.join(sorted(items))}" for (who, name), items in series.items()]
    return sorted(merged) + sorted(set(plain))


def source_entries() -> list[tuple[str, str]]:
    """(source, terms) for the real sources named in the catalogue, then the city's fixed ones."""
    cat = catalogue.load()
    found = city_profile.profile()
    parts = sorted({p.strip() for i in cat.indicators if not i.synthetic for p in i.source.split(";") if p.strip()})
    entries = []
    for source in _merge_series(parts):
        if source in found.source_notes:
            source = f"{source} ({found.source_notes[source]})"
        entries.append((source, found.terms_of(source)))
    if found.generic:  # no city.yml: the city's own boundaries, named generically
        return entries + [(f"{areas.city().name}: Statistische Gebietsgliederung", city_profile.UNKNOWN_TERMS)]
    return entries + list(found.fixed_sources)


def sources() -> str:
    """The sources with their terms of use; unknown terms are not guessed."""
    items = "".join(f"<li>{_esc(source)}.<br><span class=\"terms\">{_esc(terms)}</span></li>"
                    for source, terms in source_entries())
    synthetic = sum(i.synthetic for i in catalogue.load().indicators)
    demo = (f"<p><strong>Demodaten – synthetisch:</strong> {synthetic} Indikatoren beruhen auf Zahlen, die das "
            "Projekt selbst erzeugt hat (helpers.sources.synthetic, fester Startwert); sie sind keine amtlichen "
            "Zahlen. Ihr reales Vorbild nennt der Definitionskasten des Indikators.</p>") if synthetic else ""
    return f'<ul class="sources">{items}</ul>{demo}'


def symbol_legend() -> str:
    """The official symbols (schema.FLAGS) plus the revision marks the tables may carry."""
    symbols = {s: m for s, m in FLAGS.items() if s}
    symbols.update({s: m for s, m in EXTRA_SYMBOLS.items() if s not in symbols})
    rows = "".join(f'<tr><th scope="row">{_esc(s)}</th><td>{_esc(m)}</td></tr>' for s, m in symbols.items())
    return ('<table class="symbols"><caption class="visually-hidden">Zeichen und ihre Bedeutung</caption>'
            '<thead class="visually-hidden"><tr><th scope="col">Zeichen</th><th scope="col">Bedeutung</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def closing_pages() -> str:
    """Method notes, sources and symbols after the last chapter."""
    bodies = {"methoden": method_notes(), "quellen": sources(), "zeichen": symbol_legend()}
    return "".join(
        f'<section class="closing{" closing-first" if n == 0 else ""}" id="{anchor}"><h1>{_esc(title)}</h1>'
        f"{bodies[anchor]}</section>"
        for n, (anchor, title) in enumerate(CLOSING)
    )


# --- assembly ---------------------------------------------------------------------------------



@functools.lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """One exporter per process: each new one compiles its Jinja templates again (about 0.06 s, half
    the cost of converting a chapter); Jinja still reloads a template whose file changed."""
    return HTMLExporter(template_name="monitoring", extra_template_basedirs=[str(TEMPLATES)],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        language_code="de")


def _converter_key() -> str:
    """What the HTML of a part depends on besides its cells: this code, the templates, nbconvert."""
    import nbconvert

    files = [Path(__file__), *sorted(p for p in TEMPLATES.rglob("*") if p.is_file())]
    return fileio.digest({"nbconvert": nbconvert.__version__,
                              "files": [fileio.sha256_file(f) for f in files]})


class PartConverter:
    """Cells to HTML, one part at a time, cached by content in `cache` (if given).

    A chapter's HTML changes only with its executed notebook, so after one chapter changed only
    that chapter goes through nbconvert again (the whole report took 1.8 s, one chapter 0.1–0.3 s).
    Cell ids carry the part's name, so a part's HTML does not depend on the parts before it.
    """

    def __init__(self, title: str, cache: Path | None = None) -> None:
        self.title = title
        self.cache = Path(cache) if cache else None
        self.used: set[str] = set()
        self._key = _converter_key()

    def _export(self, cells: list) -> str:
        combined = new_notebook(cells=cells)
        combined.metadata = {"title": self.title,
                             "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        resources = {"report_css": (TEMPLATES / "monitoring" / "report.css").read_text(encoding="utf-8"),
                     "language_code": "de"}
        return navigation.drop_block_focus(_exporter().from_notebook_node(combined, resources=resources)[0])

    def _cached(self, key: str, make: Callable[[], dict]) -> dict:
        name = f"{key}.json"
        self.used.add(name)
        path = self.cache / name if self.cache else None
        if path is not None and path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                pass  # a damaged entry is made again
        entry = make()
        if path is not None:
            write_text_atomic(path, json.dumps(entry, ensure_ascii=False))
        return entry

    def shell(self) -> tuple[str, str]:
        """The page around the body: (everything up to <main>, everything from </main>)."""
        def make() -> dict:
            page = self._export([])
            start, end = page.index(BODY_START) + len(BODY_START), page.rindex(BODY_END)
            return {"head": page[:start], "tail": page[end:]}

        entry = self._cached(fileio.digest({"shell": self.title, "code": self._key}), make)
        return entry["head"], entry["tail"]

    def part(self, name: str, source_key: str, cells: Callable[[], tuple[str, list]]) -> tuple[str, str]:
        """(title, body HTML) of one part; `cells` gives (title, cells) and is only called on a cache miss.

        `source_key` identifies the input (e.g. the executed notebook's checksum).
        """
        def make() -> dict:
            title, content = cells()
            for n, cell in enumerate(content):
                cell.id = f"{name}-{n:04d}"  # ids must be unique across the stitched parts
            page = self._export(content)
            return {"title": title, "html": page[page.index(BODY_START) + len(BODY_START):page.rindex(BODY_END)]}

        entry = self._cached(fileio.digest({"part": name, "cells": source_key, "title": self.title,
                                                "code": self._key}), make)
        return entry["title"], PART_MARK.format(name=name) + "\n" + entry["html"]

    def prune(self) -> None:
        """Forget the HTML of parts no longer in the report (keeps the cache as large as one report)."""
        if self.cache and self.cache.is_dir():
            for path in self.cache.glob("*.json"):
                if path.name not in self.used:
                    path.unlink(missing_ok=True)


def report_title(year: int) -> str:
    return f"Integrationsmonitoring {areas.city().short} {year}"


def _chapter_part(converter: PartConverter, path: Path, anchor: str) -> tuple[str, str]:
    """(title, HTML) of one executed chapter; read and converted only if its file changed."""
    raw = Path(path).read_bytes()

    def cells() -> tuple[str, list]:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        # A block of its own (not inside <p>), so the print stylesheet can start the chapter on a new page.
        start = new_markdown_cell(f'<div class="chapter-start"><a id="{anchor}" class="chapter"></a></div>')
        return chapter_title(nb, Path(path).stem), [start, *_report_cells(nb)]

    return converter.part(anchor, fileio.sha256_bytes(raw), cells)


def chapter_anchor(number: int) -> str:
    """The anchor (and part name) of the report's chapter `number` (1-based, in the report's order)."""
    return f"kapitel-{number}"


def chapter_body(converter: PartConverter, path: Path, number: int, tables: Sequence[str], year: int) -> tuple[str, str]:
    """(title, body HTML with its part mark) of the report's chapter `number`, as the stitched report has it."""
    title, body = _chapter_part(converter, path, chapter_anchor(number))
    body = navigation.number_chapter(body, number) + navigation.back_link()
    return title, navigation.figure_links(navigation.scroll_tables(body), tables, year)


def prepare_chapter(path: Path, year: int, number: int, cache: Path, tables: Sequence[str]) -> tuple[str, str, str]:
    """Convert one executed chapter into the part cache now, so that stitching the report after the last
    chapter finds it there (the runner calls this as each chapter finishes, while others run).

    Returns the page around the body and the part's body as split_parts will find them in the report:
    (head, body, tail), from which helpers.publish.pdf can render the chapter's part ahead of time.
    """
    converter = PartConverter(report_title(year), cache)
    _, body = chapter_body(converter, path, number, tables, year)
    return _as_in_report(converter, chapter_anchor(number), body)


def _closing_body(converter: PartConverter) -> str:
    """Method notes, sources and symbols as the stitched report has them (with their part mark)."""
    back_html = closing_pages()
    _, back = converter.part(BACK, fileio.digest(back_html), lambda: ("", [new_markdown_cell(back_html)]))
    return navigation.scroll_tables(back)


def prepare_closing(year: int, cache: Path) -> tuple[str, str, str]:
    """The closing pages' part, as prepare_chapter: they depend on the catalogue, the data sources and
    the chapters' source, not on any chapter's results, so the PDF worker can set them first."""
    converter = PartConverter(report_title(year), cache)
    return _as_in_report(converter, BACK, _closing_body(converter))


def _as_in_report(converter: PartConverter, name: str, body: str) -> tuple[str, str, str]:
    """(head, body after its part mark, tail) as split_parts finds a part in the stitched report."""
    head, tail = converter.shell()
    mark = PART_MARK.format(name=name)
    return head, body[body.index(mark) + len(mark):], tail


def stitch(notebooks: list[Path], year: int, first_year: int, *, stand: str | None = None,
           cache: Path | None = None, tables: Sequence[str] = ()) -> str:
    """One HTML document from executed notebooks, in the given order; `stand` is the date printed on the title.

    With `cache` (a folder), the HTML of each part is kept there and reused while its input is unchanged.
    `tables` are the file names in the year's tables/ folder, linked beside the figures and the contents.
    """
    stand = stand or report_date()
    converter = PartConverter(report_title(year), cache)
    chapters, bodies = [], []
    for i, path in enumerate(notebooks, start=1):
        title, body = chapter_body(converter, path, i, tables, year)
        chapters.append((chapter_anchor(i), title))
        bodies.append(body)
    front_html = (title_page(year, first_year, stand) + table_of_contents(chapters)
                  + navigation.downloads(tables, year) + reading_guide())
    _, front = converter.part(FRONT, fileio.digest(front_html), lambda: ("", [new_markdown_cell(front_html)]))
    back = _closing_body(converter)
    head, tail = converter.shell()
    converter.prune()
    aids = navigation.side_nav(FRONT_PAGES[:1], chapters, CLOSING, tables, year)
    # before <main>: split_parts keeps it out of the parts; marked, so the PDF's parts leave it out (print hides it)
    head = head[:-len(BODY_START)] + AIDS_START + aids + AIDS_END + BODY_START
    return "".join([head, "\n", navigation.scroll_tables(front), *bodies, back, tail])


def published_tables(*folders: Path) -> list[str]:
    """Names of the Excel and CSV files in the given tables/ folders (staged and published), sorted."""
    return sorted({p.name for folder in folders if Path(folder).is_dir() for p in Path(folder).iterdir()
                   if p.is_file() and p.suffix in navigation.TABLE_KINDS})


def write_report(notebooks: list[Path], year: int, first_year: int, target: Path | None = None, *,
                 stand: str | None = None, cache: Path | None = None) -> Path:
    """Write outputs/<year>/report.html atomically; `stand` defaults to report_date().

    The HTML of each part is cached in `cache` (default: .work/html beside the target), so a
    rebuild after one chapter changed converts only that chapter.
    """
    target = Path(target or paths.year_outputs(year) / "report.html")
    cache = Path(cache) if cache is not None else paths.work_dir(target.parent) / "html"
    # Tables staged beside the report and those a chapter wrote into the year's folder (both end up in tables/).
    tables = published_tables(target.parent / "tables", paths.year_outputs(year) / "tables")
    write_text_atomic(target, stitch(notebooks, year, first_year, stand=stand, cache=cache, tables=tables))
    return target
