"""The printable report: outputs/<year>/report.pdf rendered from report.html with WeasyPrint.

The PDF has the same content as the HTML (one source, no second layout to keep in step); the
print rules of templates/monitoring/report.css give it A4 pages, a title page, page numbers,
a table of contents with page numbers and bookmarks. Rendering is offline: the HTML embeds its
figures as data URIs, and the fetcher refuses every URL that is not `data:` or a local file,
so a stray network reference stops the build instead of silently waiting for a server.

Incremental: laying out 120 pages takes WeasyPrint about ten seconds, so the report is rendered
part by part (opening pages, each chapter, closing pages; helpers.publish.stitch marks them) and each
part's PDF is cached in .work/pdf by the checksum of its HTML. A rebuild after one chapter
changed renders that chapter only. pikepdf (qpdf) then joins the parts and adds what depends on
the whole document: "Seite n von N" (stamped from a small rendered overlay), the page numbers
in the contents (written into the opening pages, which are rendered again only when a number
moved), one outline of bookmarks, and the named destinations for the links between parts.
A document without part marks is rendered whole.

Tagged (PDF/UA-1, helpers.publish.tagged): every part is rendered with its structure tree, the join
keeps the trees as one, and the stamped page numbers and running heads are artifacts.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.core import paths
from helpers.core.fileio import atomic_path, write_text_atomic
from helpers.publish import tagged

#: Only embedded (data:) and local (file:) resources; anything else is an error.
ALLOWED_PROTOCOLS = ("data", "file")
#: WeasyPrint's notice that it ignores a CSS declaration it does not know (screen-only CSS): harmless.
HARMLESS = ("Ignored `",)
#: Bump when the way parts are rendered changes: cached part PDFs of older versions are not reused.
#: 4: the embedded fonts carry a fixed date (FONT_EPOCH), no longer the second they were rendered in.
RENDER_VERSION = 4
#: The modification date (Unix time, as SOURCE_DATE_EPOCH) of the font subsets fontTools makes: 1970-01-01.
FONT_EPOCH = "0"
#: Page numbers are stamped on the joined document; the report's title goes into every running head.
PART_CSS = ('@page {{ @top-left {{ content: "{title}"; }} @bottom-center {{ content: none; }} }}'
            '.im-pdf-targets > div {{ height: 0; margin: 0; padding: 0; }}')
#: The contents show the numbers written into the opening pages instead of target-counter().
FRONT_CSS = 'nav.toc a::after { content: leader(".") " " attr(data-seite); }'
#: The overlay: nothing but "Seite n von N" (report.css's @bottom-center) on every page but the title.
OVERLAY_CSS = ("@page { @top-left { content: none; } @top-right { content: none; } }"
               "@page :first { @bottom-center { content: none; } }"
               "body { margin: 0; padding: 0; } .im-seite + .im-seite { break-before: page; }")
PT_PER_PX = 0.75
#: The report's language when its <html> element names none.
DEFAULT_LANG = "de"
CREATOR = "Integrationsmonitoring-Werkbank"


class PdfError(RuntimeError):
    """The PDF could not be rendered completely (e.g. a resource outside the report)."""


class _HarmlessCss(logging.Filter):
    """Drop WeasyPrint's notices about ignored screen-only CSS; keep every other warning and error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno <= logging.WARNING and record.getMessage().startswith(HARMLESS))


@contextmanager
def _fixed_font_date() -> Iterator[None]:
    """Embedded fonts dated FONT_EPOCH, not the time of rendering, so equal parts give equal bytes.

    Without HarfBuzz's subsetter (libharfbuzz-subset0, not installed on CI) WeasyPrint subsets the fonts
    with fontTools, whose TTFont.save writes the current second into the subset's head table
    (head.modified and the checksum over the font): two renderings of one part a second apart differed.
    fontTools reads SOURCE_DATE_EPOCH at every save instead, if set; it is set for the rendering only
    (a process renders one document at a time) and overrides a value from outside, so the PDF depends
    on its inputs alone, as the part cache assumes.
    """
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = FONT_EPOCH
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


@contextmanager
def _weasyprint() -> Iterator[object]:
    """WeasyPrint's HTML class with the project's fetcher rules, quiet CSS notices and fixed font dates."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    logger = logging.getLogger("weasyprint")
    quiet = _HarmlessCss()
    logger.addFilter(quiet)
    try:
        with _fixed_font_date():
            yield HTML
    except FatalURLFetchingError as error:  # a BaseException in WeasyPrint: turn it into an ordinary error
        cause = error.__cause__ or error
        raise PdfError(f"PDF nicht erstellt, eine Ressource ist nicht eingebettet oder nicht lesbar ({cause}). "
                       "Der Bericht darf nur data:-Adressen oder lokale Dateien verwenden.") from error
    finally:
        logger.removeFilter(quiet)


def _fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS, fail_on_errors=True)


def _write_tagged(doc, target: Path, prefix: str) -> None:
    """Write a laid-out WeasyPrint document as a tagged PDF (PDF/UA-1) whose tree can be joined."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(doc.write_pdf(pdf_variant=tagged.VARIANT))) as part:
        tagged.finish_part(part, prefix)
        part.save(target, deterministic_id=True)


def render(html_path: Path, target: Path) -> None:
    """Render a whole HTML file to `target` in one go (not atomic; see write_pdf)."""
    html_path = Path(html_path).resolve()
    with _weasyprint() as HTML:
        doc = HTML(filename=str(html_path), base_url=html_path.parent.as_uri() + "/", url_fetcher=_fetcher(),
                   media_type="print").render()
        _write_tagged(doc, target, "s")


def warm_up() -> None:
    """Import WeasyPrint and pikepdf, load the fonts and the German hyphenation patterns (report.css
    hyphenates table headers; reading the patterns takes 0.8 s), so a waiting worker renders at once."""
    import pikepdf  # noqa: F401
    import pyphen

    import helpers.publish.parts  # noqa: F401 - the part format (not stitch: that imports nbconvert and pandas)

    with _weasyprint() as HTML:
        HTML(string="<p>x</p>").render()
    pyphen.Pyphen(lang=pyphen.language_fallback(DEFAULT_LANG))  # pyphen keeps the patterns for the process


# --- parts ---------------------------------------------------------------------------------------

def _cache_key(document: str, tags: bool = True) -> str:
    import hashlib

    import weasyprint

    digest = hashlib.sha256(f"{RENDER_VERSION}|{weasyprint.__version__}|{tags}|".encode())
    digest.update(document.encode("utf-8"))
    return digest.hexdigest()


def _bookmarks(tree: list) -> list:
    """WeasyPrint's bookmark tree (PDF coordinates) as [label, page, top in pt, children]."""
    return [[label, dest[0], round(dest[2], 2), _bookmarks(children)] for label, dest, children, _state in tree]


def _render_part(cache: Path, base_url: str, document: str, tags: bool = True) -> dict:
    """Lay out one part, write its PDF and what the joining needs into `cache`; return the latter.

    A tagged part (the report's content) is PDF/UA-1; an untagged one (the page-number overlay, which
    the join marks as an artifact as a whole) has no marked content of its own.
    """
    key = _cache_key(document, tags)
    meta_path, pdf_path = Path(cache) / f"{key}.json", Path(cache) / f"{key}.pdf"
    with _weasyprint() as HTML:
        doc = HTML(string=document, base_url=base_url, url_fetcher=_fetcher(), media_type="print").render()
        anchors: dict[str, int] = {}
        for n, page in enumerate(doc.pages):
            for name in page.anchors:  # a box broken across pages has its anchor on each: keep the first
                anchors.setdefault(name, n)
        meta = {"file": pdf_path.name, "pages": len(doc.pages), "anchors": anchors,
                "bookmarks": _bookmarks(doc.make_bookmark_tree(scale=PT_PER_PX, transform_pages=True))}
        with atomic_path(pdf_path) as tmp:
            if tags:
                _write_tagged(doc, tmp, key[:12])
            else:
                doc.write_pdf(tmp)
    write_text_atomic(meta_path, json.dumps(meta, ensure_ascii=False))
    return meta


class PartRenderer:
    """Renders HTML documents to PDF files in `cache`, each once per content."""

    def __init__(self, cache: Path, base_url: str) -> None:
        self.cache = Path(cache)
        self.base_url = base_url
        self.used: set[str] = set()
        self.rendered = 0

    def cached(self, document: str, tags: bool = True) -> dict | None:
        """The part's entry if it was rendered before (and marks it as used)."""
        key = _cache_key(document, tags)
        meta_path, pdf_path = self.cache / f"{key}.json", self.cache / f"{key}.pdf"
        self.used.update({meta_path.name, pdf_path.name})
        if meta_path.is_file() and pdf_path.is_file():
            try:
                return json.loads(meta_path.read_text(encoding="utf-8"))
            except ValueError:
                return None  # a damaged entry is rendered again
        return None

    def render(self, document: str, tags: bool = True) -> dict:
        """{"file", "pages", "anchors" {id: first page}, "bookmarks"}: from the cache, or rendered now."""
        meta = self.cached(document, tags)
        if meta is None:
            meta = _render_part(self.cache, self.base_url, document, tags)
            self.rendered += 1
        return meta

    def render_all(self, documents: list[str], jobs: int | None = None) -> list[dict]:
        """Several parts; those not in the cache are rendered in parallel (a clean build has 17)."""
        metas = [self.cached(doc) for doc in documents]
        missing = [n for n, meta in enumerate(metas) if meta is None]
        jobs = min(jobs or os.cpu_count() or 1, len(missing))
        if jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=jobs) as pool:
                done = pool.map(_render_part, *zip(*[(self.cache, self.base_url, documents[n]) for n in missing]))
                for n, meta in zip(missing, done):
                    metas[n] = meta
        else:
            for n in missing:
                metas[n] = _render_part(self.cache, self.base_url, documents[n])
        self.rendered += len(missing)
        return metas

    def prune(self, keep: tuple[str, ...] = ()) -> None:
        """Remove cached parts this report no longer uses."""
        for path in self.cache.glob("*"):
            if path.is_file() and path.name not in self.used and path.name not in keep:
                path.unlink(missing_ok=True)


def _with_style(head: str, css: str) -> str:
    return head.replace("</head>", f'<style type="text/css">{css}</style>\n</head>', 1)


#: `id="…"` found by its literal start (fast even over megabytes of embedded figures); _ids checks the boundary.
ID_ATTRIBUTE = re.compile(r'id="([^"]+)"')


def _ids(body: str) -> set[str]:
    """The element ids in `body` (`id="…"` not preceded by a word character: not `grid="…"`).

    As `\\bid="([^"]+)"` finds them, about 25 times faster: a leading \\b makes the regular expression
    engine test every position of the embedded figures' base64 text (0.24 s per report).
    """
    return {m.group(1) for m in ID_ATTRIBUTE.finditer(body)
            if m.start() == 0 or not (body[m.start() - 1].isalnum() or body[m.start() - 1] == "_")}


def _link_targets(body: str) -> set[str]:
    from urllib.parse import unquote

    return {unquote(html.unescape(t)) for t in re.findall(r'href="#([^"]+)"', body)}


def _targets_block(names: list[str]) -> str:
    """Empty anchors for links into other parts: WeasyPrint keeps such links as named destinations,
    which the joined document then resolves to the real place (see _destinations)."""
    if not names:
        return ""
    return ('<div class="im-pdf-targets">'
            + "".join(f'<div id="{html.escape(n)}"></div>' for n in names) + "</div>")


def _number_toc(body: str, numbers: dict[str, int]) -> str:
    """The contents' links with the page number of their target (data-seite, shown by FRONT_CSS)."""
    def number(match: re.Match) -> str:
        page = numbers.get(match.group(1))
        return match.group(0) if page is None else f'{match.group(0)} data-seite="{page}"'

    start = body.find('<nav class="toc"')
    end = body.find("</nav>", start)
    if start < 0 or end < 0:
        return body
    return body[:start] + re.sub(r'href="#([^"]+)"', number, body[start:end]) + body[end:]


def _page_numbers(metas: list[dict], placeholders: list[set[str]], names: list[str]) -> dict[str, int]:
    """Page number (from 1) of the named anchors in the joined document (placeholders do not count)."""
    numbers: dict[str, int] = {}
    offset = 0
    for meta, held in zip(metas, placeholders):
        for anchor, page in meta["anchors"].items():
            if anchor not in held:
                numbers.setdefault(anchor, offset + page + 1)
        offset += meta["pages"]
    return {name: numbers[name] for name in names if name in numbers}


def _report_lang(head: str) -> str:
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", head)
    return match.group(1) if match else DEFAULT_LANG


def _report_title(head: str) -> str:
    match = re.search(r"<title>(.*?)</title>", head, flags=re.S)
    return html.unescape(match.group(1)).strip() if match else ""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


# --- joining ---------------------------------------------------------------------------------------

def _destinations(pdf, sources: list[tuple[object, int, set[str]]]) -> None:
    """One name tree of destinations for the joined document; an empty anchor placed for a link
    into another part (`placeholders`) never wins over the real one."""
    import pikepdf

    tree = pikepdf.NameTree.new(pdf)
    seen: set[str] = set()
    for part, offset, placeholders in sources:
        names = part.Root.get("/Names", {}).get("/Dests")
        if names is None:
            continue
        index = {page.objgen: n for n, page in enumerate(part.pages)}
        for name, dest in pikepdf.NameTree(names).items():
            if name in seen or name in placeholders:
                continue
            seen.add(name)
            target = pdf.pages[offset + index[dest[0].objgen]].obj
            tree[name] = pikepdf.Array([target, *list(dest)[1:]])
    pdf.Root.Names = pikepdf.Dictionary(Dests=tree.obj)


def _outline(pdf, entries: list[tuple[list, int]]) -> None:
    import pikepdf

    def items(tree: list, offset: int) -> list:
        out = []
        for label, page, top, children in tree:
            item = pikepdf.OutlineItem(label, offset + page, "XYZ", top=top)
            item.children.extend(items(children, offset))
            out.append(item)
        return out

    with pdf.open_outline() as outline:
        for tree, offset in entries:
            outline.root.extend(items(tree, offset))


def _stamp(pdf, page, stamp, n: int) -> None:
    """Draw `stamp` (a page of the overlay) over `page` under a fixed name, unlike pikepdf's
    add_overlay, whose random resource names would make every build's PDF differ. The stamp is a
    pagination artifact: no part of the structure tree, skipped by screen readers."""
    import pikepdf

    name = pikepdf.Name(f"/ImSeitenzahl{n}")  # pages may share one resource dictionary
    page.add_resource(pdf.copy_foreign(stamp.as_form_xobject()), pikepdf.Name.XObject, name)
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, b"\nQ\n" + tagged.ARTIFACT_BEGIN + f"q {name} Do Q\n".encode()
                                     + tagged.ARTIFACT_END))


def _join(renderer: PartRenderer, metas: list[dict], placeholders: list[set[str]], overlay: dict,
          title: str, target: Path, lang: str = DEFAULT_LANG) -> None:
    import pikepdf

    pdf = pikepdf.new()
    opened, offsets, offset = [], [], 0
    for meta in metas:
        part = pikepdf.open(renderer.cache / meta["file"])
        opened.append(part)
        with warnings.catch_warnings():  # the destinations are joined by _destinations
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            pdf.pages.extend(part.pages)
        offsets.append(offset)
        offset += meta["pages"]
    numbers = pikepdf.open(renderer.cache / overlay["file"])
    opened.append(numbers)
    for n, (page, stamp) in list(enumerate(zip(pdf.pages, numbers.pages)))[1:]:  # the title page has no number
        _stamp(pdf, page, stamp, n)
    _destinations(pdf, [(part, off, held) for part, off, held in zip(opened, offsets, placeholders)])
    _outline(pdf, [(meta["bookmarks"], off) for meta, off in zip(metas, offsets)])
    tagged.join(pdf, list(zip(opened, offsets)))
    tagged.document_catalog(pdf, title, lang, CREATOR)
    pdf.save(target, deterministic_id=True, min_version=tagged.PDF_VERSION, fix_metadata_version=False)
    for part in opened:
        part.close()


def _placeholders(body: str) -> list[str]:
    """The part's links into other parts (every link target it does not hold itself)."""
    return sorted(_link_targets(body) - _ids(body))


def part_document(head: str, body: str, tail: str) -> str:
    """The document of one part after the opening pages, as it is rendered and cached: the report's head
    with the running head, the body, empty anchors for its links into other parts, the tail.

    It depends on the part alone (not on the others' ids: a link that leads nowhere gets an anchor too,
    which the joined document leaves unresolved as before), so a chapter's part can be rendered as soon
    as the chapter is done (prerender), while the other chapters still run.
    """
    part_head = _with_style(head, PART_CSS.format(title=_css_string(_report_title(head))))
    return f"{part_head}{body}{_targets_block(_placeholders(body))}{tail}"


def prerender(head: str, body: str, tail: str, cache: Path, base_url: str) -> bool:
    """Render one part into `cache` ahead of the report (helpers.runner.release.PdfWorker); True if it
    was rendered now, False if it was there. render_parts finds it by its content."""
    document = part_document(head, body, tail)
    renderer = PartRenderer(cache, base_url)
    if renderer.cached(document) is not None:
        return False
    _render_part(Path(cache), base_url, document)
    return True


#: The contents' page numbers of the last rendering, in the part cache: the opening pages' first try.
HINT = "inhalt.json"
#: The lock under which the page-number layer is rendered (kept in the part cache; it holds no data).
OVERLAY_LOCK = ".seitenzahlen.lock"


def _opening_document(head: str, body: str, tail: str, numbers: dict[str, int]) -> str:
    """The opening pages as rendered: the contents with the page numbers `numbers` ({}: none yet)."""
    part_head = _with_style(head, PART_CSS.format(title=_css_string(_report_title(head))))
    return f"{_with_style(part_head, FRONT_CSS)}{_number_toc(body, numbers)}{_targets_block(_placeholders(body))}{tail}"


def _hinted_numbers(cache: Path) -> dict[str, int]:
    try:
        return json.loads((Path(cache) / HINT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def prerender_opening(html_path: Path, cache: Path) -> bool:
    """Render the opening pages as render_parts first tries them (with the last rendering's page numbers,
    none in a clean build), while the last chapters' parts are still being set (helpers.runner.release.
    PdfWorker): the report's rendering then finds this try in the cache. True if rendered now."""
    from helpers.publish.parts import FRONT, split_parts

    html_path = Path(html_path).resolve()
    head, parts, tail = split_parts(html_path.read_text(encoding="utf-8"))
    document = _opening_document(head, dict(parts).get(FRONT, ""), tail, _hinted_numbers(cache))
    if PartRenderer(cache, html_path.parent.as_uri() + "/").cached(document) is not None:
        return False
    _render_part(Path(cache), html_path.parent.as_uri() + "/", document)
    return True


def _overlay_document(head: str, tail: str, total: int) -> str:
    """The page-number layer: nothing but "Seite n von N" on each of `total` pages."""
    return _with_style(head, OVERLAY_CSS) + '<div class="im-seite"></div>' * total + tail


def _render_overlay(renderer: PartRenderer, document: str) -> dict:
    """The layer, rendered by whichever process gets to it first (the lock: prerender_overlay runs beside
    render_parts' second try of the opening pages; the later one finds it in the cache)."""
    from helpers.core.fileio import exclusive

    with exclusive(renderer.cache / OVERLAY_LOCK):
        return renderer.render(document, tags=False)


def prerender_overlay(html_path: Path, cache: Path) -> bool:
    """Render the page-number layer while render_parts renders the opening pages a second time (with their
    page numbers): its page count is known once every part and the opening pages' first try are in the
    cache. False if something is missing (render_parts renders it then) or it was there."""
    from helpers.publish.parts import FRONT, split_parts

    html_path = Path(html_path).resolve()
    head, parts, tail = split_parts(html_path.read_text(encoding="utf-8"))
    renderer = PartRenderer(cache, html_path.parent.as_uri() + "/")
    bodies = dict(parts)
    metas = [renderer.cached(_opening_document(head, bodies.get(FRONT, ""), tail, _hinted_numbers(cache)))]
    metas += [renderer.cached(part_document(head, body, tail)) for name, body in parts if name != FRONT]
    if any(meta is None for meta in metas):
        return False
    before = renderer.rendered
    _render_overlay(renderer, _overlay_document(head, tail, sum(meta["pages"] for meta in metas)))
    return renderer.rendered > before


def render_parts(html_path: Path, target: Path, cache: Path) -> int:
    """Render a report with part marks into `target`; returns how many parts had to be rendered."""
    from helpers.publish.parts import FRONT, split_parts

    html_path = Path(html_path).resolve()
    head, parts, tail = split_parts(html_path.read_text(encoding="utf-8"))
    title = _report_title(head)
    renderer = PartRenderer(cache, html_path.parent.as_uri() + "/")
    bodies = dict(parts)
    placeholders = {name: _placeholders(body) for name, body in parts}
    rest = [name for name, _ in parts if name != FRONT]
    rest_metas = renderer.render_all([part_document(head, bodies[name], tail) for name in rest])
    toc_names = sorted(_link_targets(bodies.get(FRONT, "").split('<nav class="toc"', 1)[-1].split("</nav>", 1)[0]))
    hint_path = renderer.cache / HINT
    numbers = _hinted_numbers(renderer.cache)
    held = [set(placeholders.get(FRONT, []))] + [set(placeholders[n]) for n in rest]
    before = set(renderer.used)
    for _ in range(4):  # the contents' numbers depend on the opening pages' own length: settle them
        front = renderer.render(_opening_document(head, bodies.get(FRONT, ""), tail, numbers))
        settled = _page_numbers([front, *rest_metas], held, toc_names)
        if settled == numbers:
            break
        numbers = settled
    else:
        raise PdfError(f"{html_path.name}: die Seitenzahlen im Inhaltsverzeichnis stabilisieren sich nicht.")
    renderer.used = before | {front["file"], front["file"].removesuffix(".pdf") + ".json"}  # not the tries
    write_text_atomic(hint_path, json.dumps(numbers))
    metas = [front, *rest_metas]
    total = sum(m["pages"] for m in metas)
    overlay = _render_overlay(renderer, _overlay_document(head, tail, total))
    if overlay["pages"] != total:
        raise PdfError(f"{html_path.name}: Seitenzahlen-Ebene hat {overlay['pages']} statt {total} Seiten.")
    _join(renderer, metas, held, overlay, title, target, _report_lang(head))
    renderer.prune(keep=(hint_path.name, OVERLAY_LOCK))
    return renderer.rendered


def _has_parts(html_path: Path) -> bool:
    from helpers.publish.parts import PART_RE

    with open(html_path, encoding="utf-8") as handle:
        return PART_RE.search(handle.read()) is not None


def write_pdf(html_path: Path, target: Path | None = None, cache: Path | None = None) -> Path:
    """Write the report's PDF (default: report.pdf beside the HTML) atomically and return its path.

    Parts are cached in `cache` (default: .work/pdf beside the HTML).
    """
    html_path = Path(html_path)
    target = Path(target or html_path.with_name("report.pdf"))
    try:
        with atomic_path(target) as tmp:
            if _has_parts(html_path):
                render_parts(html_path, tmp, Path(cache or paths.work_dir(html_path.parent) / "pdf"))
            else:
                render(html_path, tmp)
    except PdfError as error:
        raise PdfError(f"{html_path.name}: {error}") from error
    return target


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers.publish.pdf outputs/2014/report.html [ziel.pdf]`"""
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("Aufruf: python -m helpers.publish.pdf BERICHT.html [ZIEL.pdf]", file=sys.stderr)
        return 2
    start = time.perf_counter()
    target = write_pdf(Path(args[0]), Path(args[1]) if len(args) == 2 else None)
    print(f"PDF geschrieben: {target} ({target.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
