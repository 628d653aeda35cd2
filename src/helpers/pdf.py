"""The printable report: outputs/<year>/report.pdf rendered from report.html with WeasyPrint.

The PDF has the same content as the HTML (one source, no second layout to keep in step); the
print rules of templates/monitoring/report.css give it A4 pages, a title page, page numbers,
a table of contents with page numbers and bookmarks. Rendering is offline: the HTML embeds its
figures as data URIs, and the fetcher refuses every URL that is not `data:` or a local file,
so a stray network reference stops the build instead of silently waiting for a server.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from helpers.io import atomic_path

#: Only embedded (data:) and local (file:) resources; anything else is an error.
ALLOWED_PROTOCOLS = ("data", "file")
#: WeasyPrint's notice that it ignores a CSS declaration it does not know (screen-only CSS): harmless.
HARMLESS = ("Ignored `",)


class PdfError(RuntimeError):
    """The PDF could not be rendered completely (e.g. a resource outside the report)."""


class _HarmlessCss(logging.Filter):
    """Drop WeasyPrint's notices about ignored screen-only CSS; keep every other warning and error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno <= logging.WARNING and record.getMessage().startswith(HARMLESS))


def render(html_path: Path, target: Path) -> None:
    """Render `html_path` to `target` (not atomic; see write_pdf)."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    fetcher = URLFetcher(allowed_protocols=ALLOWED_PROTOCOLS, fail_on_errors=True)
    html_path = Path(html_path).resolve()
    logger = logging.getLogger("weasyprint")
    quiet = _HarmlessCss()
    logger.addFilter(quiet)
    try:
        HTML(filename=str(html_path), base_url=html_path.parent.as_uri() + "/", url_fetcher=fetcher,
             media_type="print").write_pdf(target)
    except FatalURLFetchingError as error:  # a BaseException in WeasyPrint: turn it into an ordinary error
        cause = error.__cause__ or error
        raise PdfError(f"{html_path.name}: PDF nicht erstellt, eine Ressource ist nicht eingebettet "
                       f"oder nicht lesbar ({cause}). Der Bericht darf nur data:-Adressen oder lokale "
                       "Dateien verwenden.") from error
    finally:
        logger.removeFilter(quiet)


def write_pdf(html_path: Path, target: Path | None = None) -> Path:
    """Write the report's PDF (default: report.pdf beside the HTML) atomically and return its path."""
    html_path = Path(html_path)
    target = Path(target or html_path.with_name("report.pdf"))
    with atomic_path(target) as tmp:
        render(html_path, tmp)
    return target


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers.pdf outputs/2014/report.html [ziel.pdf]`"""
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("Aufruf: python -m helpers.pdf BERICHT.html [ZIEL.pdf]", file=sys.stderr)
        return 2
    start = time.perf_counter()
    target = write_pdf(Path(args[0]), Path(args[1]) if len(args) == 2 else None)
    print(f"PDF geschrieben: {target} ({target.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
