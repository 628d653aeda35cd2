"""The area profiles as one tagged PDF: outputs/<city>/<year>/stadtteilprofile_<year>.pdf, made from profile/.

The PDF has no numbers of its own: each page of it is one of the checked profile pages (helpers.publish.
profiles; every number of them read back by helpers.disclosure.profile_numbers), laid out with the report's
WeasyPrint setup and part cache (helpers.publish.pdf_cache) and joined with the report's joining (helpers.
publish.pdf_join): tagged PDF/UA-1 with the pages' language, one structure part and one bookmark per page (the
list first, then each area by its name, in the list's order), the links between profiles as links inside the
document, "Seite n von N" stamped as the report's. Only the headings of level 1 become bookmarks; each area
starts a page.

It costs: laying out Münster's 45 profiles (386 pages) took 157 CPU-seconds, the report's PDF 33, so it is
made only on request (`make report PROFILE_PDF=1`, `integrationsmonitoring report --profil-pdf`) and by
every release (helpers.runner.edition). Each page is cached by the checksum of its HTML in .work/pdf-profile
(its own cache: the report's rendering prunes parts the report does not use), so a rebuild after one area
changed lays out that area only.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from helpers.core import paths
from helpers.core.paths import PROFILES as FOLDER
from helpers.publish.pdf_cache import PartRenderer
from helpers.publish.pdf_documents import placeholders, report_lang, report_title, targets_block, with_style
from helpers.publish.pdf_join import join

#: The file beside report.html; the pattern finds it whatever the year (withdrawal, recovery).
NAME = "stadtteilprofile_{year}.pdf"
#: A city whose base areas are no Stadtteile (Berlin's Bezirksregionen) gets the neutral name.
OTHER_NAME = "gebietsprofile_{year}.pdf"
#: Every name the file can have (publishing and withdrawing find it by these).
PATTERNS = ("stadtteilprofile_*.pdf", "gebietsprofile_*.pdf")
#: The part cache of the profiles, in .work/.
CACHE = "pdf-profile"
#: What a page needs in print beyond profile.css's own print rules: A4, the report's print size, one bookmark per
#: page (its <h1>), the values per year shown (a closed <details> would hide them), every area on a page of its own.
PAGE_RULE = "@page { size: A4; margin: 18mm 16mm 20mm 16mm; }"
PRINT_CSS = (PAGE_RULE +
             "html { font-size: 9.5pt; } body { padding: 0; line-height: 1.35; }"  # as report.css prints
             "h2, h3, h4, h5, h6 { bookmark-level: none; }"
             "h1 { margin-top: 0; } h2 { break-after: avoid; }"
             "details > summary { font-weight: bold; list-style: none; }"
             ".table-scroll { overflow: visible; }"
             ".im-pdf-targets > div { height: 0; margin: 0; padding: 0; }")
#: The page-number layer stamped on the joined pages (helpers.publish.pdf_join), as the report's: "Seite n von N"
#: (report.css's page numbers), none on the first page (the list).
OVERLAY = ('<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><style>' + PAGE_RULE +
           '@page { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 8pt; color: #555;'
           ' @bottom-center { content: "Seite " counter(page) " von " counter(pages); } }'
           "@page :first { @bottom-center { content: none; } }"
           "body { margin: 0; padding: 0; } .im-seite + .im-seite { break-before: page; }</style></head><body>"
           "{pages}</body></html>")
#: The anchor of each page in the joined document, which the links between profiles lead to.
ANCHOR = "profil-{name}"
INDEX = "index.html"
PAGE_LINK = re.compile(r'href="([^"/#:]+)\.html"')


def file_name(year: int) -> str:
    """stadtteilprofile_<year>.pdf where the base areas are Stadtteile, else gebietsprofile_<year>.pdf."""
    from helpers.core import levels

    return (NAME if levels.hierarchy().base.code == "stadtteil" else OTHER_NAME).format(year=year)


def pages(folder: Path) -> list[Path]:
    """The pages in reading order: the list, then the areas in the list's order."""
    folder = Path(folder)
    index = folder / INDEX
    if not index.is_file():
        return []
    names = [m.group(1) for m in PAGE_LINK.finditer(index.read_text(encoding="utf-8"))]
    areas = [folder / f"{name}.html" for name in dict.fromkeys(names) if (folder / f"{name}.html").is_file()]
    return [index, *areas]


def _anchor(stem: str) -> str:
    return ANCHOR.format(name=stem)


def _svg_rules(css: str) -> tuple[str, str]:
    """From a page's style: the rules inside its inline figures (`svg.sparkline polyline {…}`, the custom properties
    put in), for each figure as an image of its own; and the figures' own sizes as rules for that image."""
    props = dict(re.findall(r"(--[\w-]+)\s*:\s*([^;}]+)", css))
    inner = "".join(f"{sel.strip()} {{{body.strip()}}}" for sel, body in re.findall(r"svg\.[\w-]+\s+([^{}]+)\{([^}]*)\}", css))
    inner = re.sub(r"var\((--[\w-]+)\)", lambda m: props.get(m.group(1), "currentColor").strip(), inner)
    sizes = "".join(f"img.{name} {{{body.strip()}}}" for name, body in re.findall(r"svg\.([\w-]+)\s*\{([^}]*)\}", css))
    return inner, sizes


def _figures_as_images(page: str) -> str:
    """Each inline figure (`<svg role="img" aria-label="…">`: the locator map, the sparklines) as an image with its
    label as alt text: a tagged PDF's figure needs one, and WeasyPrint gives inline SVG none."""
    style = re.search(r"<style[^>]*>(.*?)</style>", page, flags=re.S)
    inner, sizes = _svg_rules(style.group(1) if style else "")

    def image(match: re.Match) -> str:
        attributes, body = match.group(1), match.group(2)
        label = re.search(r'\baria-label="([^"]*)"', attributes)
        kind = re.search(r'\bclass="([^"]*)"', attributes)
        box = re.search(r'\bviewBox="([^"]*)"', attributes)
        view = f' viewBox="{box.group(1)}"' if box else ""
        svg = f'<svg xmlns="http://www.w3.org/2000/svg"{view}><style>{inner}</style>{body}</svg>'
        source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return (f'<img class="{kind.group(1) if kind else ""}" alt="{label.group(1) if label else ""}" '
                f'src="{source}">')

    page = re.sub(r'<svg\b([^>]*\brole="img"[^>]*)>(.*?)</svg>', image, page, flags=re.S)
    return with_style(page, sizes)


def _relative_to_pdf(match: re.Match) -> str:
    """A link of a profile page, relative to the PDF beside report.html: `../report.html` -> `report.html`,
    `61.csv` -> `profile/61.csv`; an address with a scheme or an anchor stays."""
    target = match.group(1)
    if target.startswith("#") or ":" in target:
        return match.group(0)
    return f'href="{target[3:] if target.startswith("../") else f"{FOLDER}/{target}"}"'


def page_document(page: str, stem: str, known: set[str]) -> str:
    """One profile page as it is rendered: the print rules, an anchor at its start, its figures as images with
    alt text, its links to the other profiles (`known`, file stems) as links inside the document, with empty
    anchors for those (helpers.publish.pdf_documents: the joined document resolves them), its other links
    relative to the PDF."""
    def internal(match: re.Match) -> str:
        return f'href="#{html.escape(_anchor(match.group(1)))}"' if match.group(1) in known else match.group(0)

    page = _figures_as_images(with_style(page, PRINT_CSS))
    page = re.sub(r"(<body[^>]*>)", lambda m: f'{m.group(1)}<div id="{html.escape(_anchor(stem))}"></div>', page, count=1)
    page = PAGE_LINK.sub(internal, page)
    page = re.sub(r'href="([^"]*)"', _relative_to_pdf, page)
    return page.replace("</body>", f"{targets_block(placeholders(page))}</body>", 1)


def write(folder: Path, target: Path, cache: Path, jobs: int | None = None) -> dict:
    """Lay out the profile pages of `folder` (profile/) and join them into `target` (not atomic: the caller
    writes into its staging folder or an atomic path); {"pages", "areas", "rendered"}."""
    folder = Path(folder).resolve()
    found = pages(folder)
    if len(found) < 2:
        raise ValueError(f"{folder}: keine Profilseiten gefunden; das PDF der Profile kann nicht entstehen.")
    texts = [p.read_text(encoding="utf-8") for p in found]
    known = {p.stem for p in found}
    documents = [page_document(text, p.stem, known) for text, p in zip(texts, found)]
    renderer = PartRenderer(Path(cache), None)  # no base: the links stay relative, everything else is embedded
    metas = renderer.render_all(documents, jobs)
    held = [set(placeholders(doc)) for doc in documents]
    total = sum(m["pages"] for m in metas)
    overlay = renderer.render(OVERLAY.replace("{pages}", '<div class="im-seite"></div>' * total), tags=False)
    head = texts[0].split("<body", 1)[0]
    join(renderer, metas, held, overlay, report_title(head), Path(target), report_lang(head))
    renderer.prune()
    return {"pages": total, "areas": len(found) - 1, "rendered": renderer.rendered}


def build(out: Path, folder: Path, target: Path) -> dict:
    """write() with the cache of the year's outputs `out` (.work/pdf-profile)."""
    return write(folder, target, paths.work_dir(Path(out)) / CACHE)
