"""Stitch executed chapter notebooks into one self-contained German HTML report.

Code is hidden; parameter and setup cells are dropped with their outputs; figures are
already embedded as PNG. What a section shows only for JupyterLab (its scoped style and root element,
helpers.sections.lab_style; its interactive figures as JupyterLab's Vega-Lite mimetype,
helpers.figures.lab_view) is taken out again, so the report's HTML is what the section's fragments are.
The template drops every CDN reference so the file opens offline.
The opening pages (title, contents, reading guide, synthetic indicators) and the closing
pages (method notes, sources, symbols) are computed here from the catalogue and the rules in
code, so they cannot disagree with the chapters, and worded in the templates of
helpers.publish.prose (a city can override them). The method notes follow what the chapters
showed: a section that shows a method notes it in the chapter's records
(helpers.disclosure.register.note), read here from published/. The same HTML is the source of
the PDF (helpers.publish.pdf); its print stylesheet lives in templates/monitoring/report.css.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import nbformat
import pandas as pd
from markupsafe import Markup
from nbconvert import HTMLExporter
from nbformat.v4 import new_markdown_cell, new_notebook

from helpers.core import areas, catalogue, config, fileio, levels, observations, paths
from helpers.core import city as city_profile
from helpers.core.fileio import write_text_atomic
from helpers.core.model import BREAK_MARK, BREAK_MEANING, FLAGS, DataError
from helpers.disclosure import register, suppression
from helpers.figures import lab_view, map_key
from helpers.indicators import trend
from helpers.publish import interactive, linked, navigation, prose
from helpers.publish.parts import AIDS_END, AIDS_START, BACK, BODY_END, BODY_START, FRONT, PART_MARK
from helpers.sections import lab_style

TEMPLATES = Path(__file__).parent / "templates"
HIDDEN_TAGS = {"parameters", "injected-parameters", "setup", "remove"}
#: Anchors and headings of the closing pages, in order.
CLOSING = (("methoden", "Methodische Hinweise"), ("quellen", "Quellen und Nutzungsbedingungen"),
           ("zeichen", "Zeichenerklärung"), ("gebiete", "Gebietsverzeichnis"))
#: Symbols the report may show although the stored data have no flag for them.
EXTRA_SYMBOLS = {"r": "revidiert", "p": "vorläufig"}
#: The folder of the area profiles beside the report (helpers.publish.profiles writes it).
PROFILES_FOLDER = paths.PROFILES
def data_year(year: int) -> int:
    """The newest year up to the report year for which counts are stored (the report year without any)."""
    found = observations.observations()["year"]
    found = found[found <= year]
    return int(found.max()) if len(found) else year


def report_stand(year: int) -> tuple[str, str]:
    """What the title page says the report is as of: ("Stand", the date config/<city>/city.yml sets under `stand`,
    a publication date), else ("Datenstand", the reference date of the newest year shown, e.g. "31.12.2019") –
    the date a reader can hold the figures against, unlike the day a file was built or committed."""
    found = city_profile.profile()
    if found.stand:
        return "Stand", found.stand
    return "Datenstand", f"{found.reference_date}{data_year(year)}"


def chapter_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The chapter's first heading of a markdown cell; without one (a generic chapter, whose words come from the
    city's settings) the first heading of a Markdown output of a code cell."""
    sources = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    sources += ["".join(output.get("data", {}).get("text/markdown", "")) for cell in nb.cells
                if cell.cell_type == "code" for output in cell.get("outputs", [])]
    for text in sources:
        match = re.search(r"^# (.+)$", text, flags=re.M)
        if match:
            return match.group(1).strip()
    return fallback


def _report_cells(nb: nbformat.NotebookNode) -> list:
    cells = []
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [_report_output(o) for o in cell.outputs
                            if not (o.output_type == "stream" and o.name == "stderr") and not lab_view.is_lab_only(o)]
            if not cell.outputs:
                continue
        cells.append(cell)
    return cells


def _report_output(output: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """An output as the report shows it: an HTML output without the root element and scoped style that give a
    section its look in JupyterLab (helpers.sections.lab_style); the page's stylesheet styles it here."""
    data = output.get("data") or {}
    if "text/html" in data:
        text = data["text/html"]
        data["text/html"] = lab_style.unwrap(text if isinstance(text, str) else "".join(text))
    return output


# --- opening pages ----------------------------------------------------------------------------

def data_basis() -> str:
    """What the report's figures are, in one line (config/<city>/city.yml, else the city's own statistics)."""
    return city_profile.profile().statistics_basis or city_profile.statistics_name()


def title_page(year: int, first_year: int, stand: str, stand_label: str = "Stand") -> str:
    """The title page: what, which years, as of when (`stand_label`: "Stand" or "Datenstand"; no page number in print)."""
    return prose.render("title_page.html.j2", title=report_title(year), year=year, first_year=first_year,
                        stand=stand, stand_label=stand_label, structure=city_profile.profile().structure_text(), data_basis=data_basis(),
                        synthetic=any(i.synthetic for i in catalogue.load().indicators), city=areas.city().short)


#: Anchors and headings of the opening pages the contents list before the chapters.
FRONT_PAGES = (("lesehilfe", "Lesehilfe"), ("demodaten", "Indikatoren mit synthetischen Demodaten"))


def table_of_contents(chapters: list[tuple[str, str]]) -> str:
    """Contents with links; the print stylesheet adds leader dots and page numbers."""
    return prose.render("contents.html.j2", front=FRONT_PAGES, chapters=chapters, back=CLOSING)


def _synthetic_groups() -> list[tuple[str, list[str]]]:
    """(Handlungsfeld, names of its synthetic indicators), for the fields that have any."""
    cat = catalogue.load()
    groups = [(hf.name, [i.name for i in cat.for_handlungsfeld(hf.id) if i.synthetic]) for hf in cat.handlungsfelder]
    return [(name, inds) for name, inds in groups if inds]


def reading_guide(notes: Collection[str] = ()) -> str:
    """How to read a chapter; the details follow on the closing pages. `notes`: what the chapters
    recorded (helpers.disclosure.register.note); the summary sentence only if a chapter showed it."""
    h = levels.hierarchy()
    synthetic = _synthetic_groups()
    return prose.render("reading_guide.html.j2", base=h.base.plural, upper=h.levels[-1].plural if h.levels[1:] else "",
                        summary=SUMMARY in notes, synthetic=synthetic, total=sum(len(n) for _, n in synthetic),
                        city=areas.city().short)


# --- closing pages ----------------------------------------------------------------------------

#: The spatial methods the closing pages explain, by the key a section notes when it shows one
#: (helpers.sections.shown.Shown.notes); the template prints them in its own order.
METHODS = ("segregation", "spatial", "correlation", "social_space")
#: The key the summary chapter notes: the reading guide then points to it.
SUMMARY = "summary"
#: Every key a section may note.
NOTES = (*METHODS, SUMMARY)


def _listed(items: list[str]) -> str:
    """"A", "A und B", "A, B und C"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} und {items[-1]}"


def method_notes(notes: Collection[str] = ()) -> str:
    """Definitions, formulas and rules behind every number in the chapters, and the spatial methods
    the chapters showed (`notes`, as recorded); larger areas along the declared hierarchy."""
    h = levels.hierarchy()
    return prose.render("method_notes.html.j2", larger=_listed([lv.plural for lv in h.levels[1:]] + ["die Gesamtstadt"]),
                        chain=" → ".join(lv.name for lv in h.levels), trend_rule=trend.RULE_TEXT,
                        disclosure_rule=suppression.active_rule().describe(), base=h.base.plural,
                        areas=len(areas.area_names(h.base.code)), methods=set(notes) & set(METHODS))


def report_notes(folder: Path, notebooks: Sequence[Path]) -> frozenset[str]:
    """What the chapters `notebooks` noted they showed, from the records in `folder`/published/
    (staged beside the report while a build checks it, else those of the report in view)."""
    return frozenset(register.read_notes(folder, [Path(nb).stem for nb in notebooks]))


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
    return prose.render("sources.html.j2", entries=source_entries(),
                        synthetic=sum(i.synthetic for i in catalogue.load().indicators))


#: What the symbols page says of the break mark besides the official meaning: where it stands, where its reason is.
BREAK_PLACE = ("; steht vor jedem Wert des ersten Jahres nach einem Bruch in der Reihe (in den Tabellen des Berichts "
               "und in der Spalte „Bruch“ der Excel-Tabelle); das Jahr und der Grund stehen unter der Tabelle, "
               "im Definitionskasten des Indikators und, in Abbildungen als gepunktete senkrechte Linie, unter der "
               "Abbildung")


def symbol_legend() -> str:
    """The official symbols (schema.FLAGS) plus the revision marks the tables may carry and the break mark."""
    symbols = {s: m for s, m in FLAGS.items() if s}
    symbols.update({s: m for s, m in EXTRA_SYMBOLS.items() if s not in symbols})
    symbols[BREAK_MARK] = BREAK_MEANING + BREAK_PLACE
    return prose.render("symbols.html.j2", symbols=list(symbols.items()))


def area_register() -> str:
    """Every base area with the number its maps show, its name and its outline area: print has no hover, and a
    map with more numbers than a key beside it can hold (Berlin's 138 Bezirksregionen) points here."""
    base = levels.hierarchy().base
    try:
        entries = map_key.number_key(base.code)
    except DataError:  # no boundaries, no maps: the register lists the areas as areas.csv has them
        entries = [map_key.KeyEntry("", str(code), str(name)) for code, name in areas.area_names(base.code).items()]
    outline = levels.hierarchy().outline
    grouped = outline is not None and outline.code != base.code and any(e.group for e in entries)
    return prose.render("area_register.html.j2", plural=base.plural, outline=outline.name if grouped else "",
                        entries=entries)


def closing_pages(notes: Collection[str] = ()) -> str:
    """Method notes (of the methods in `notes`), sources, symbols and the area register after the last chapter."""
    bodies = {"methoden": method_notes(notes), "quellen": sources(), "zeichen": symbol_legend(),
              "gebiete": area_register()}
    return prose.render("closing.html.j2", pages=[(anchor, title, Markup(bodies[anchor])) for anchor, title in CLOSING])


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


def _closing_body(converter: PartConverter, notes: Collection[str]) -> str:
    """Method notes, sources and symbols as the stitched report has them (with their part mark)."""
    back_html = closing_pages(notes)
    _, back = converter.part(BACK, fileio.digest(back_html), lambda: ("", [new_markdown_cell(back_html)]))
    return navigation.scroll_tables(back)


def prepare_closing(year: int, cache: Path, records: Path | None = None) -> tuple[str, str, str]:
    """The closing pages' part, as prepare_chapter, so the PDF worker can set them first: they depend on
    the catalogue, the data sources and which methods the chapters show. Before the chapters ran, the
    records of the report in view (`records`, default outputs/<city>/<year>/) say which; if this run's chapters
    show others, the stitching makes the part again."""
    folder = Path(records) if records is not None else paths.year_outputs(year)
    chapters = [paths.NOTEBOOKS / chapter.notebook for chapter in config.load().chapters]
    converter = PartConverter(report_title(year), cache)
    return _as_in_report(converter, BACK, _closing_body(converter, report_notes(folder, chapters)))


def _as_in_report(converter: PartConverter, name: str, body: str) -> tuple[str, str, str]:
    """(head, body after its part mark, tail) as split_parts finds a part in the stitched report."""
    head, tail = converter.shell()
    mark = PART_MARK.format(name=name)
    return head, body[body.index(mark) + len(mark):], tail


def stitch(notebooks: list[Path], year: int, first_year: int, *, stand: str | None = None,
           cache: Path | None = None, tables: Sequence[str] = (), notes: Collection[str] = (),
           profiles: str = "", table: pd.DataFrame | None = None) -> str:
    """One HTML document from executed notebooks, in the given order; `stand` is the date printed on the title
    (default: `report_stand`).

    With `cache` (a folder), the HTML of each part is kept there and reused while its input is unchanged.
    `tables` are the file names in the year's tables/ folder, linked beside the figures and the contents.
    `notes`: what the chapters noted they showed (report_notes), which the reading guide and the method
    notes explain. `profiles`: the link to the list of area profiles (helpers.publish.profiles), if there is one.
    `table`: the exported indicator table (helpers.disclosure.disclosed.table_frame), from which the linked view
    offers every other published series of its year (helpers.publish.linked); it goes into the page's reading
    aids, not into a chapter's cached part, so a changed table converts no chapter again.
    """
    stand_label, stand = report_stand(year) if stand is None else ("Stand", stand)
    plural = levels.hierarchy().base.plural
    converter = PartConverter(report_title(year), cache)
    chapters, bodies = [], []
    for i, path in enumerate(notebooks, start=1):
        title, body = chapter_body(converter, path, i, tables, year)
        chapters.append((chapter_anchor(i), title))
        bodies.append(body)
    front_html = (title_page(year, first_year, stand, stand_label) + table_of_contents(chapters)
                  + navigation.downloads(tables, year, profiles, plural) + reading_guide(notes))
    _, front = converter.part(FRONT, fileio.digest(front_html), lambda: ("", [new_markdown_cell(front_html)]))
    back = _closing_body(converter, notes)
    head, tail = converter.shell()
    converter.prune()
    aids = navigation.side_nav(FRONT_PAGES[:1], chapters, CLOSING, tables, year, profiles, plural)
    aids += interactive.page_parts("".join(bodies))  # Vega and the areas once, if a chapter shows an interactive map
    aids += linked.page_parts("".join(bodies), table=table)  # after Vega: the correlation chapter's linked view
    # before <main>: split_parts keeps it out of the parts; marked, so the PDF's parts leave it out (print hides it)
    head = head[:-len(BODY_START)] + AIDS_START + aids + AIDS_END + BODY_START
    return "".join([head, "\n", navigation.scroll_tables(front), *bodies, back, tail])


def published_tables(*folders: Path) -> list[str]:
    """Names of the Excel and CSV files in the given tables/ folders (staged and published), sorted."""
    return sorted({p.name for folder in folders if Path(folder).is_dir() for p in Path(folder).iterdir()
                   if p.is_file() and p.suffix in navigation.TABLE_KINDS})


def write_report(notebooks: list[Path], year: int, first_year: int, target: Path | None = None, *,
                 stand: str | None = None, cache: Path | None = None, table: pd.DataFrame | None = None) -> Path:
    """Write outputs/<city>/<year>/report.html atomically; `stand` defaults to report_stand(); `table`: the
    exported indicator table, for the linked view's further series (stitch).

    The HTML of each part is cached in `cache` (default: .work/html beside the target), so a
    rebuild after one chapter changed converts only that chapter. What the chapters showed is read from
    the records beside the target (its published/ folder: staged while a build checks them).
    """
    target = Path(target or paths.year_outputs(year) / "report.html")
    cache = Path(cache) if cache is not None else paths.work_dir(target.parent) / "html"
    # Tables staged beside the report and those a chapter wrote into the year's folder (both end up in tables/).
    tables = published_tables(target.parent / "tables", paths.year_outputs(year) / "tables")
    notes = report_notes(target.parent, notebooks)
    # the area profiles' list, staged beside the report or in view (helpers.publish.profiles)
    index = Path(PROFILES_FOLDER) / "index.html"
    profiles = index.as_posix() if any((folder / index).is_file() for folder in (target.parent, paths.year_outputs(year))) else ""
    write_text_atomic(target, stitch(notebooks, year, first_year, stand=stand, cache=cache, tables=tables, notes=notes,
                                     profiles=profiles, table=table))
    return target
