"""Reading aids of the HTML report: side contents, chapter numbers, links back and to the tables.

The report runs to about 140 screens, so on screen it gets what a long document needs
(BITV 2.0 / WCAG 2.1 AA): a contents list beside the text that stays in view and marks the
chapter being read (on a phone a compact menu at the top), a skip link, chapter numbers in the
headings that match the contents, a link back to the contents after every chapter, and beside
each chart or map a relative link to the published table with its numbers (tables/…, so the
links work wherever the year's folder is copied, e.g. to a USB stick).

Everything added here is screen-only: report.css hides it in print, so the PDF rendered from the
same HTML does not change. The one script is inline and small (no file, no network); without it
the contents stay open and every link works.

Also undone here: nbconvert makes every input and output block focusable (tabindex="0"), which in
JupyterLab lets keyboard users scroll wide outputs; in the report they are plain text, and 350
tab stops without a purpose stand between a keyboard user and the links (WCAG 2.4.3).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

#: Published table files the report links, by suffix, with their German name.
TABLE_KINDS = {".xlsx": "Excel", ".csv": "CSV"}
#: The screen width from which the contents stand beside the text (report.css uses the same).
WIDE = "80rem"
SKIP_TARGET = "titel"
TOC_ID = "inhalt"

_FOCUSABLE_BLOCK = re.compile(
    r'(<div class="[^"]*\bjp-(?:Cell-inputWrapper|OutputArea-output)\b[^"]*"[^>]*?) tabindex="0"')
_FIRST_H1 = re.compile(r"<h1\b[^>]*>")
_FIGURE = re.compile(r'<img\b[^>]*\bclass="figure"[^>]*>')  # nbconvert sorts the attributes


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def drop_block_focus(page: str) -> str:
    """The page without nbconvert's tabindex on input and output blocks (see the module docstring)."""
    return _FOCUSABLE_BLOCK.sub(r"\1", page)


def number_chapter(body: str, number: int) -> str:
    """The chapter's first heading with its number from the contents ("3 Arbeit und Wirtschaft")."""
    return _FIRST_H1.sub(lambda m: f'{m.group(0)}<span class="chapter-number">{number}</span> ', body, count=1)


def back_link() -> str:
    """After each chapter: back to the contents (on a phone the side contents are not in view)."""
    return f'<p class="back-to-toc"><a href="#{TOC_ID}">Zurück zum Inhalt</a></p>'


def _text(fragment: str) -> str:
    """The visible text of an HTML fragment (tags and nbconvert's ¶ anchor dropped), on one line."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("¶", " ").split())


def scroll_tables(body: str) -> str:
    """Every table in a box that scrolls sideways on a narrow screen instead of the whole page.

    The inline script makes a box that really scrolls focusable, a region named by `data-label`
    (a keyboard user must be able to scroll it, WCAG 2.1.1); a box that fits stays out of the tab order.
    The name is the caption and the section it stands in: several indicators have a gap table with the
    same caption, and regions need names that tell them apart.
    """
    section = ""

    def wrap(match: re.Match) -> str:
        nonlocal section
        if match.group("h2") is not None:
            section = _text(match.group("h2"))
            return match.group(0)
        caption = re.search(r"<caption\b[^>]*>(.*?)</caption>", match.group(0), flags=re.S)
        label = " – ".join(p for p in ("Tabelle: " + _text(caption.group(1)) if caption else "Tabelle", section) if p)
        return f'<div class="table-scroll" data-label="{_esc(label)}">{match.group(0)}</div>'

    return re.sub(r"<h2\b[^>]*>(?P<h2>.*?)</h2>|<table\b.*?</table>", wrap, body, flags=re.S)


def table_links(tables: Sequence[str], stem: str) -> str:
    """'<a>Excel</a> oder <a>CSV</a>' for the files tables/<stem>.* that exist; '' if none."""
    order = list(TABLE_KINDS)
    found = sorted(((name, TABLE_KINDS[Path(name).suffix]) for name in tables
                    if Path(name).stem == stem and Path(name).suffix in TABLE_KINDS),
                   key=lambda item: order.index(Path(item[0]).suffix))
    links = [f'<a href="tables/{_esc(name)}">{kind}</a>' for name, kind in found]
    return " oder ".join(links)


def figure_links(body: str, tables: Sequence[str], year: int) -> str:
    """Beside each figure marked with data-tabelle="indikatoren": where its numbers are published."""
    links = table_links(tables, f"indikatoren_{year}")
    if not links:
        return body

    def add(match: re.Match) -> str:
        tag = match.group(0)
        if 'data-tabelle="indikatoren"' not in tag:
            return tag
        what = "dieser Karte" if 'data-art="karte"' in tag else "dieser Abbildung"
        return f'{tag}<p class="figure-data">Zahlen zu {what}: Tabelle aller Indikatoren als {links}</p>'

    return _FIGURE.sub(add, body)


def profiles_link(profiles: str, plural: str) -> str:
    """'<a>Profile der Stadtteile</a>' to the list of the area profiles (helpers.publish.profiles); '' without."""
    return f'<a href="{_esc(profiles)}">Profile der {_esc(plural)}</a>' if profiles else ""


def downloads(tables: Sequence[str], year: int, profiles: str = "", plural: str = "") -> str:
    """The published tables and the area profiles' list, after the contents (screen only)."""
    main = table_links(tables, f"indikatoren_{year}")
    others = [name for name in tables if Path(name).stem != f"indikatoren_{year}" and Path(name).suffix in TABLE_KINDS]
    if not main and not others and not profiles:
        return ""
    text = f"Alle Zahlen des Berichts als Tabelle: {main}." if main else ""
    if profiles:
        text += f" Jedes Gebiet auf einer Seite: {profiles_link(profiles, plural)}."
    if others:
        listed = ", ".join(f'<a href="tables/{_esc(n)}">{_esc(n)}</a>' for n in others)
        text += f" Weitere Tabellen: {listed}."
    return f'<p class="downloads">{text.strip()}</p>'


def side_nav(front: Sequence[tuple[str, str]], chapters: Sequence[tuple[str, str]],
             back: Sequence[tuple[str, str]], tables: Sequence[str], year: int, profiles: str = "",
             plural: str = "") -> str:
    """Skip link and the contents beside the text (a <details> menu at the top of a phone's screen).

    Chapters carry the numbers their headings show; the script marks the one being read.
    """
    item = lambda anchor, label: f'<li><a href="#{_esc(anchor)}">{label}</a></li>'  # noqa: E731
    numbered = "".join(item(a, f'<span class="chapter-number">{n}</span> {_esc(t)}')
                       for n, (a, t) in enumerate(chapters, start=1))
    main = table_links(tables, f"indikatoren_{year}")
    data = f'<p class="side-nav-tables">Tabellen: {main}</p>' if main else ""
    if profiles:
        data += f'<p class="side-nav-tables">{profiles_link(profiles, plural)}</p>'
    return (
        f'<a class="skip-link" href="#{SKIP_TARGET}">Zum Berichtstext springen</a>'
        '<nav class="side-nav" aria-label="Inhalt des Berichts"><details open><summary>Inhalt</summary>'
        f'<ul class="side-front">{"".join(item(a, _esc(t)) for a, t in front)}</ul>'
        f'<ul class="side-chapters">{numbered}</ul>'
        f'<ul class="side-back">{"".join(item(a, _esc(t)) for a, t in back)}</ul>{data}'
        f"</details></nav>{_script()}"
    )


def _script() -> str:
    """The one inline script: contents open beside the text and closed on a phone, the chapter being
    read marked (aria-current), and table boxes that scroll made reachable by keyboard."""
    return ("<script>document.addEventListener('DOMContentLoaded', function () {\n"
            "  var nav = document.querySelector('nav.side-nav'), box = nav.querySelector('details');\n"
            f"  var wide = window.matchMedia('(min-width: {WIDE})');\n"
            "  function fit() { box.open = wide.matches; }\n"
            "  fit(); wide.addEventListener('change', fit);\n"
            "  var links = Array.prototype.slice.call(nav.querySelectorAll('a[href^=\"#\"]'));\n"
            "  var targets = links.map(function (a) { return document.getElementById(a.hash.slice(1)); });\n"
            "  links.forEach(function (a) { a.addEventListener('click', function () { if (!wide.matches) box.open = false; }); });\n"
            "  var waiting = false;\n"
            "  function mark() {\n"
            "    waiting = false; var current = -1;\n"
            "    targets.forEach(function (t, i) { if (t && t.getBoundingClientRect().top <= 90) current = i; });\n"
            "    links.forEach(function (a, i) { if (i === current) a.setAttribute('aria-current', 'location');"
            " else a.removeAttribute('aria-current'); });\n"
            "  }\n"
            "  window.addEventListener('scroll', function () { if (!waiting) { waiting = true;"
            " window.requestAnimationFrame(mark); } }, {passive: true});\n"
            "  function scrollers() {\n"
            "    document.querySelectorAll('.table-scroll').forEach(function (el) {\n"
            "      if (el.scrollWidth > el.clientWidth + 1) {\n"
            "        el.tabIndex = 0; el.setAttribute('role', 'region');\n"
            "        el.setAttribute('aria-label', el.dataset.label + ' (seitlich verschiebbar)');\n"
            "      } else { el.removeAttribute('tabindex'); el.removeAttribute('role'); el.removeAttribute('aria-label'); }\n"
            "    });\n"
            "  }\n"
            "  mark(); scrollers(); window.addEventListener('resize', scrollers);\n"
            "});</script>")
