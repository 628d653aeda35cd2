"""The printable report: outputs/<city>/<year>/report.pdf rendered from report.html with WeasyPrint.

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

This module runs the rendering (the whole report, the parts ahead of it, the contents' numbers
settled, the command line); the parts live beside it: WeasyPrint's setup in
helpers.publish.pdf_render, the HTML of each part in helpers.publish.pdf_documents, the part cache in
helpers.publish.pdf_cache, the joining in helpers.publish.pdf_join.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from helpers.core import paths
from helpers.core.fileio import atomic_path, write_text_atomic
from helpers.publish.pdf_cache import PartRenderer, render_part
from helpers.publish.pdf_documents import (
    link_targets,
    opening_document,
    overlay_document,
    part_document,
    placeholders,
    report_lang,
    report_title,
)
from helpers.publish.pdf_join import join, page_numbers
from helpers.publish.pdf_render import PdfError, render, warm_up

# What callers (the runner's PDF workers, the tests) import from here, wherever it lives now.
__all__ = ["PartRenderer", "PdfError", "part_document", "prerender", "prerender_opening", "prerender_overlay",
           "render", "render_parts", "warm_up", "write_pdf"]


def prerender(head: str, body: str, tail: str, cache: Path, base_url: str) -> bool:
    """Render one part into `cache` ahead of the report (helpers.runner.release.PdfWorker); True if it
    was rendered now, False if it was there. render_parts finds it by its content."""
    document = part_document(head, body, tail)
    renderer = PartRenderer(cache, base_url)
    if renderer.cached(document) is not None:
        return False
    render_part(Path(cache), base_url, document)
    return True


#: The contents' page numbers of the last rendering, in the part cache: the opening pages' first try.
HINT = "inhalt.json"
#: The lock under which the page-number layer is rendered (kept in the part cache; it holds no data).
OVERLAY_LOCK = ".seitenzahlen.lock"


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
    document = opening_document(head, dict(parts).get(FRONT, ""), tail, _hinted_numbers(cache))
    if PartRenderer(cache, html_path.parent.as_uri() + "/").cached(document) is not None:
        return False
    render_part(Path(cache), html_path.parent.as_uri() + "/", document)
    return True


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
    metas = [renderer.cached(opening_document(head, bodies.get(FRONT, ""), tail, _hinted_numbers(cache)))]
    metas += [renderer.cached(part_document(head, body, tail)) for name, body in parts if name != FRONT]
    if any(meta is None for meta in metas):
        return False
    before = renderer.rendered
    _render_overlay(renderer, overlay_document(head, tail, sum(meta["pages"] for meta in metas)))
    return renderer.rendered > before


def render_parts(html_path: Path, target: Path, cache: Path) -> int:
    """Render a report with part marks into `target`; returns how many parts had to be rendered."""
    from helpers.publish.parts import FRONT, split_parts

    html_path = Path(html_path).resolve()
    head, parts, tail = split_parts(html_path.read_text(encoding="utf-8"))
    title = report_title(head)
    renderer = PartRenderer(cache, html_path.parent.as_uri() + "/")
    bodies = dict(parts)
    links_out = {name: placeholders(body) for name, body in parts}
    rest = [name for name, _ in parts if name != FRONT]
    rest_metas = renderer.render_all([part_document(head, bodies[name], tail) for name in rest])
    toc_names = sorted(link_targets(bodies.get(FRONT, "").split('<nav class="toc"', 1)[-1].split("</nav>", 1)[0]))
    hint_path = renderer.cache / HINT
    numbers = _hinted_numbers(renderer.cache)
    held = [set(links_out.get(FRONT, []))] + [set(links_out[n]) for n in rest]
    before = set(renderer.used)
    for _ in range(4):  # the contents' numbers depend on the opening pages' own length: settle them
        front = renderer.render(opening_document(head, bodies.get(FRONT, ""), tail, numbers))
        settled = page_numbers([front, *rest_metas], held, toc_names)
        if settled == numbers:
            break
        numbers = settled
    else:
        raise PdfError(f"{html_path.name}: die Seitenzahlen im Inhaltsverzeichnis stabilisieren sich nicht.")
    renderer.used = before | {front["file"], front["file"].removesuffix(".pdf") + ".json"}  # not the tries
    write_text_atomic(hint_path, json.dumps(numbers))
    metas = [front, *rest_metas]
    total = sum(m["pages"] for m in metas)
    overlay = _render_overlay(renderer, overlay_document(head, tail, total))
    if overlay["pages"] != total:
        raise PdfError(f"{html_path.name}: Seitenzahlen-Ebene hat {overlay['pages']} statt {total} Seiten.")
    join(renderer, metas, held, overlay, title, target, report_lang(head))
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
    """`python -m helpers.publish.pdf outputs/<city>/2014/report.html [ziel.pdf]`"""
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
