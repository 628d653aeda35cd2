"""The HTML the PDF is rendered from: each part's document, the opening pages with page numbers, the page-number layer.

String work on the report's HTML only, no rendering: the report's head with the print rules a
part needs (its running head, no page number of its own), empty anchors for the links that lead
into other parts (the joined document resolves them, helpers.publish.pdf_join), the contents with
the page numbers written in, and the overlay that holds nothing but "Seite n von N". A part's
document depends on the part alone, so it can be rendered and cached as soon as its chapter is
done (helpers.publish.pdf.prerender).
"""

from __future__ import annotations

import html
import re

#: Page numbers are stamped on the joined document; the report's title goes into every running head.
PART_CSS = ('@page {{ @top-left {{ content: "{title}"; }} @bottom-center {{ content: none; }} }}'
            '.im-pdf-targets > div {{ height: 0; margin: 0; padding: 0; }}')
#: The contents show the numbers written into the opening pages instead of target-counter().
FRONT_CSS = 'nav.toc a::after { content: leader(".") " " attr(data-seite); }'
#: The overlay: nothing but "Seite n von N" (report.css's @bottom-center) on every page but the title.
OVERLAY_CSS = ("@page { @top-left { content: none; } @top-right { content: none; } }"
               "@page :first { @bottom-center { content: none; } }"
               "body { margin: 0; padding: 0; } .im-seite + .im-seite { break-before: page; }")
#: The report's language when its <html> element names none.
DEFAULT_LANG = "de"
#: `id="…"` found by its literal start (fast even over megabytes of embedded figures); _ids checks the boundary.
ID_ATTRIBUTE = re.compile(r'id="([^"]+)"')


def with_style(head: str, css: str) -> str:
    """`head` (an HTML document's start, or a whole document) with `css` as the last style of its head."""
    return head.replace("</head>", f'<style type="text/css">{css}</style>\n</head>', 1)


def _ids(body: str) -> set[str]:
    """The element ids in `body` (`id="…"` not preceded by a word character: not `grid="…"`).

    As `\\bid="([^"]+)"` finds them, about 25 times faster: a leading \\b makes the regular expression
    engine test every position of the embedded figures' base64 text (0.24 s per report).
    """
    return {m.group(1) for m in ID_ATTRIBUTE.finditer(body)
            if m.start() == 0 or not (body[m.start() - 1].isalnum() or body[m.start() - 1] == "_")}


def link_targets(body: str) -> set[str]:
    """The ids the body's internal links (href="#…") lead to, unescaped."""
    from urllib.parse import unquote

    return {unquote(html.unescape(t)) for t in re.findall(r'href="#([^"]+)"', body)}


def targets_block(names: list[str]) -> str:
    """Empty anchors for links into other parts: WeasyPrint keeps such links as named destinations,
    which the joined document then resolves to the real place (see helpers.publish.pdf_join)."""
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


def report_lang(head: str) -> str:
    """The language the report's <html> element names (DEFAULT_LANG if none)."""
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", head)
    return match.group(1) if match else DEFAULT_LANG


def report_title(head: str) -> str:
    """The report's <title>, unescaped ("" if none)."""
    match = re.search(r"<title>(.*?)</title>", head, flags=re.S)
    return html.unescape(match.group(1)).strip() if match else ""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def placeholders(body: str) -> list[str]:
    """The part's links into other parts (every link target it does not hold itself)."""
    return sorted(link_targets(body) - _ids(body))


def part_document(head: str, body: str, tail: str) -> str:
    """The document of one part after the opening pages, as it is rendered and cached: the report's head
    with the running head, the body, empty anchors for its links into other parts, the tail.

    It depends on the part alone (not on the others' ids: a link that leads nowhere gets an anchor too,
    which the joined document leaves unresolved as before), so a chapter's part can be rendered as soon
    as the chapter is done (prerender), while the other chapters still run.
    """
    part_head = with_style(head, PART_CSS.format(title=_css_string(report_title(head))))
    return f"{part_head}{body}{targets_block(placeholders(body))}{tail}"


def opening_document(head: str, body: str, tail: str, numbers: dict[str, int]) -> str:
    """The opening pages as rendered: the contents with the page numbers `numbers` ({}: none yet)."""
    part_head = with_style(head, PART_CSS.format(title=_css_string(report_title(head))))
    return f"{with_style(part_head, FRONT_CSS)}{_number_toc(body, numbers)}{targets_block(placeholders(body))}{tail}"


def overlay_document(head: str, tail: str, total: int) -> str:
    """The page-number layer: nothing but "Seite n von N" on each of `total` pages."""
    return with_style(head, OVERLAY_CSS) + '<div class="im-seite"></div>' * total + tail
