"""WeasyPrint as the report uses it: offline, quiet about screen-only CSS, the same bytes for the same HTML.

Rendering is offline: the HTML embeds its figures as data URIs, and the fetcher refuses every URL
that is not `data:` or a local file, so a stray network reference stops the build (PdfError)
instead of silently waiting for a server. Embedded fonts carry a fixed date, so that two renderings
of one document are byte for byte the same (the part cache, helpers.publish.pdf_cache, relies on
it). Every document is written tagged (PDF/UA-1, helpers.publish.tagged).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.publish import tagged
from helpers.publish.pdf_documents import DEFAULT_LANG

#: Only embedded (data:) and local (file:) resources; anything else is an error.
ALLOWED_PROTOCOLS = ("data", "file")
#: WeasyPrint's notice that it ignores a CSS declaration it does not know (screen-only CSS): harmless.
HARMLESS = ("Ignored `",)
#: The modification date (Unix time, as SOURCE_DATE_EPOCH) of the font subsets fontTools makes: 1970-01-01.
FONT_EPOCH = "0"


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
def weasyprint_html() -> Iterator[object]:
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


def fetcher():
    """The URL fetcher that allows embedded and local resources only, and fails on any other."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS, fail_on_errors=True)


def write_tagged(doc, target: Path, prefix: str) -> None:
    """Write a laid-out WeasyPrint document as a tagged PDF (PDF/UA-1) whose tree can be joined."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(doc.write_pdf(pdf_variant=tagged.VARIANT))) as part:
        tagged.finish_part(part, prefix)
        part.save(target, deterministic_id=True)


def render(html_path: Path, target: Path) -> None:
    """Render a whole HTML file to `target` in one go (not atomic; see helpers.publish.pdf.write_pdf)."""
    html_path = Path(html_path).resolve()
    with weasyprint_html() as HTML:
        doc = HTML(filename=str(html_path), base_url=html_path.parent.as_uri() + "/", url_fetcher=fetcher(),
                   media_type="print").render()
        write_tagged(doc, target, "s")


def warm_up() -> None:
    """Import WeasyPrint and pikepdf, load the fonts and the German hyphenation patterns (report.css
    hyphenates table headers; reading the patterns takes 0.8 s), so a waiting worker renders at once."""
    import pikepdf  # noqa: F401
    import pyphen

    import helpers.publish.parts  # noqa: F401 - the part format (not stitch: that imports nbconvert and pandas)

    with weasyprint_html() as HTML:
        HTML(string="<p>x</p>").render()
    pyphen.Pyphen(lang=pyphen.language_fallback(DEFAULT_LANG))  # pyphen keeps the patterns for the process
