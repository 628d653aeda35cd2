"""Joining the rendered parts into one PDF with pikepdf: page numbers, bookmarks, links between parts, one structure tree.

What depends on the whole document is added here, after the parts are laid out: "Seite n von N"
stamped from a small rendered overlay (an artifact, no part of the structure tree), the page numbers
the contents show (page_numbers), one outline of bookmarks, the named destinations for the links
between parts (an empty anchor placed for a link into another part never wins over the real one),
and the joined structure tree and catalogue of a tagged document (helpers.publish.tagged). The
result is deterministic: fixed resource names, a deterministic file id.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from helpers.publish import tagged
from helpers.publish.pdf_cache import PartRenderer
from helpers.publish.pdf_documents import DEFAULT_LANG

CREATOR = "Integrationsmonitoring-Werkbank"


def page_numbers(metas: list[dict], placeholders: list[set[str]], names: list[str]) -> dict[str, int]:
    """Page number (from 1) of the named anchors in the joined document (placeholders do not count)."""
    numbers: dict[str, int] = {}
    offset = 0
    for meta, held in zip(metas, placeholders):
        for anchor, page in meta["anchors"].items():
            if anchor not in held:
                numbers.setdefault(anchor, offset + page + 1)
        offset += meta["pages"]
    return {name: numbers[name] for name in names if name in numbers}


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


def join(renderer: PartRenderer, metas: list[dict], placeholders: list[set[str]], overlay: dict,
         title: str, target: Path, lang: str = DEFAULT_LANG) -> None:
    """Write the parts (`metas`, in reading order, from `renderer`'s cache) as one document to `target`,
    every page but the title stamped with its page of `overlay`."""
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
    # Object streams pack the structure tree's many small objects: Münster's report 13.6 -> 11.5 MB.
    pdf.save(target, deterministic_id=True, min_version=tagged.PDF_VERSION, fix_metadata_version=False,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for part in opened:
        part.close()
