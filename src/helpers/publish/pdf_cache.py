"""The part cache: each part of the report rendered to PDF once per content, in .work/pdf by the checksum of its HTML.

Laying out 120 pages takes WeasyPrint about ten seconds, so the report is rendered part by part
and each part's PDF is kept beside what joining it needs (its page count, the first page of every
anchor, its bookmarks). A rebuild after one chapter changed renders that chapter only; parts the
report no longer uses are pruned. The key covers RENDER_VERSION and WeasyPrint's version, so a
change in how parts are rendered never reuses an older PDF.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from helpers.core.fileio import atomic_path, write_text_atomic
from helpers.publish.pdf_render import fetcher, weasyprint_html, write_tagged

#: Bump when the way parts are rendered changes: cached part PDFs of older versions are not reused.
#: 4: the embedded fonts carry a fixed date (FONT_EPOCH), no longer the second they were rendered in.
RENDER_VERSION = 4
PT_PER_PX = 0.75


def _cache_key(document: str, tags: bool = True) -> str:
    import hashlib

    import weasyprint

    digest = hashlib.sha256(f"{RENDER_VERSION}|{weasyprint.__version__}|{tags}|".encode())
    digest.update(document.encode("utf-8"))
    return digest.hexdigest()


def _bookmarks(tree: list) -> list:
    """WeasyPrint's bookmark tree (PDF coordinates) as [label, page, top in pt, children]."""
    return [[label, dest[0], round(dest[2], 2), _bookmarks(children)] for label, dest, children, _state in tree]


def render_part(cache: Path, base_url: str, document: str, tags: bool = True) -> dict:
    """Lay out one part, write its PDF and what the joining needs into `cache`; return the latter.

    A tagged part (the report's content) is PDF/UA-1; an untagged one (the page-number overlay, which
    the join marks as an artifact as a whole) has no marked content of its own.
    """
    key = _cache_key(document, tags)
    meta_path, pdf_path = Path(cache) / f"{key}.json", Path(cache) / f"{key}.pdf"
    with weasyprint_html() as HTML:
        doc = HTML(string=document, base_url=base_url, url_fetcher=fetcher(), media_type="print").render()
        anchors: dict[str, int] = {}
        for n, page in enumerate(doc.pages):
            for name in page.anchors:  # a box broken across pages has its anchor on each: keep the first
                anchors.setdefault(name, n)
        meta = {"file": pdf_path.name, "pages": len(doc.pages), "anchors": anchors,
                "bookmarks": _bookmarks(doc.make_bookmark_tree(scale=PT_PER_PX, transform_pages=True))}
        with atomic_path(pdf_path) as tmp:
            if tags:
                write_tagged(doc, tmp, key[:12])
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
            meta = render_part(self.cache, self.base_url, document, tags)
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
                done = pool.map(render_part, *zip(*[(self.cache, self.base_url, documents[n]) for n in missing]))
                for n, meta in zip(missing, done):
                    metas[n] = meta
        else:
            for n in missing:
                metas[n] = render_part(self.cache, self.base_url, documents[n])
        self.rendered += len(missing)
        return metas

    def prune(self, keep: tuple[str, ...] = ()) -> None:
        """Remove cached parts this report no longer uses."""
        for path in self.cache.glob("*"):
            if path.is_file() and path.name not in self.used and path.name not in keep:
                path.unlink(missing_ok=True)
