"""Every number of a profile page, read back for the checker (helpers.disclosure.checker.check_profiles).

An area profile (helpers.publish.profiles) puts each number it shows into an element that says where
the number comes from; this module reads a page as a reader gets it and sorts every number it finds:

- `<data value="…" data-cell="indicator|level|code|year|group">text</data>`: a published cell, its
  value and the text shown for it; in a series row (`<tr data-row="indicator|level|code|group">`) the
  cell names only its year (`data-year`);
- `<circle data-year="…" cy="…">` in a sparkline (`<svg class="sparkline" data-row="…">`), with the
  sparkline's `<polyline>` points: the drawing of published cells;
- `<span data-rank="…">Rang n von m</span>`: a rank among the base areas;
- `<span data-count>n</span>`: a count of the page's own things (areas, indicators compared);
- `<span data-label="indicator|group">…</span>`: an indicator's name, group and unit as the catalogue has
  them ("Arbeitslose je 100 Einwohner/-innen"), compared with `row_label`;
- numbers inside `<div data-text="texte/…">`: the staff's own words, which the text check reads
  (helpers.disclosure.textcheck);
- a year (four digits) anywhere in the text;
- digits inside an area's name ("Ost 1 - Reginhardstr.", one of Berlin's Bezirksregionen): the names of
  data/<city>/areas.csv are taken out of the text before its numbers are read.

Any other number in the text a reader sees or hears (element text and `aria-label`, `title` and `alt`
attributes) is a `stray`: the checker refuses it. Scripts and styles are not text; the locator map's
path data are the committed boundaries, not statistics.

A page is parsed into a tree by lxml (libxml2), as a browser builds one (character references decoded, unclosed
elements closed, comments no text), and the tree is walked in C; the pure-Python html.parser it replaced took
2.3 times as long for Münster's 46 pages and read every page the same (compared number by number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from helpers.core import areas, catalogue

#: A number as a German page writes it: "53,1", "65 205" (narrow space), "1.234", "7".
NUMBER = re.compile(r"(?<![\w])\d(?:[\d\u202f\u00a0.]*\d)?(?:,\d+)?")
YEAR = re.compile(r"(?:19|20)\d\d")
SPOKEN_ATTRIBUTES = ("aria-label", "title", "alt")


@dataclass
class ShownCell:
    key: str
    value: str  # the value attribute ("" for a secret or missing cell)
    text: str
    line: int


def row_label(indicator: str, group: str, cat: catalogue.Catalogue | None = None) -> str:
    """An indicator's row label in a profile: its name, its group unless all, its unit (from the catalogue `cat`,
    default the city's)."""
    ind = (cat or catalogue.load()).indicator(indicator)
    text = ind.name + ("" if group == "total" else f" ({catalogue.GROUP_LABELS.get(group, group)})")
    return text + (f", {ind.unit}" if ind.unit else "")


def with_year(row: str, year: str) -> str:
    """indicator|level|code|group and a year -> the cell's key indicator|level|code|year|group."""
    parts = row.split("|")
    return "|".join([*parts[:3], year, *parts[3:]]) if len(parts) == 4 else f"{row}|{year}"


@dataclass
class Drawing:
    """One sparkline: its circles (key, cx, cy) and its polylines' points."""

    line: int
    circles: list[tuple[str, float, float]] = field(default_factory=list)
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class PageNumbers:
    cells: list[ShownCell] = field(default_factory=list)
    drawings: list[Drawing] = field(default_factory=list)
    ranks: list[tuple[str, str, int]] = field(default_factory=list)  # (key, text, line)
    counts: list[tuple[str, int]] = field(default_factory=list)  # (text, line)
    labels: list[tuple[str, str, int]] = field(default_factory=list)  # (indicator|group, text, line)
    text_numbers: list[tuple[str, str, int]] = field(default_factory=list)  # (staff text file, number, line)
    years: list[tuple[int, int]] = field(default_factory=list)  # (year, line)
    strays: list[tuple[str, str, int]] = field(default_factory=list)  # (number, its context, line)


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
         "circle", "path", "polyline", "line", "rect"}


#: The pages are UTF-8 (helpers.publish.profiles); bytes, so that an encoding declaration cannot stop the reading.
_PARSER = etree.HTMLParser(encoding="utf-8")


@dataclass
class _Open:
    """An element being read: its attributes and, for a tagged number, the text collected inside it."""

    tag: str
    found: dict[str, str]
    text: list[str] | None = None  # collecting: a data/rank/count/label element
    staff: bool = False  # a <div data-text> (the staff's words)
    hidden: bool = False  # a script or style: not text


class _Reader:
    """Sorts the numbers of one page, element by element in document order (`start`, its text, its children,
    `end`, its tail): the parsed tree of lxml's HTML parser (libxml2), as a browser builds one, read in C."""

    def __init__(self, names: re.Pattern | None = None) -> None:
        self.names = names
        self.found = PageNumbers()
        self.stack: list[_Open] = []
        self.collecting: list[_Open] = []  # open tagged-number elements, innermost last
        self.staff: list[str] = []  # data-text of the open staff-text elements
        self.hidden = 0  # open scripts and styles
        self.drawing: Drawing | None = None
        self.drawing_row = ""

    def read(self, text: str) -> PageNumbers:
        if not text.strip():
            return self.found
        root = etree.fromstring(text.encode("utf-8"), parser=_PARSER)
        for event, element in etree.iterwalk(root, events=("start", "end", "comment", "pi")):
            tag, line = element.tag, element.sourceline or 0
            if not isinstance(tag, str):  # a comment or processing instruction: only its tail is text
                if element.tail:
                    self.text(element.tail, line)
                continue
            if event == "start":
                attrib = element.attrib
                self.start(tag, dict(attrib) if len(attrib) else {}, line)
                if element.text:
                    self.text(element.text, line)
            else:
                self.end(tag, line)
                if element.tail:
                    self.text(element.tail, line)
        return self.found

    # -- elements ---------------------------------------------------------------------------------
    def start(self, tag: str, found: dict[str, str], line: int) -> None:
        for name in SPOKEN_ATTRIBUTES:
            if found.get(name):
                self._loose(str(found[name]), line)
        if tag == "svg" and "sparkline" in (found.get("class") or "").split():
            self.drawing = Drawing(line)
            self.drawing_row = str(found.get("data-row") or "")
        if self.drawing is not None and tag == "circle":
            key = found.get("data-cell") or with_year(self.drawing_row, str(found.get("data-year") or ""))
            self.drawing.circles.append((key, float(found.get("cx") or "nan"), float(found.get("cy") or "nan")))
        if self.drawing is not None and tag == "polyline":
            for pair in (found.get("points") or "").split():
                x, y = pair.split(",")
                self.drawing.points.append((float(x), float(y)))
        if tag in _VOID:  # an empty element: nothing inside it is tagged
            self.stack.append(_Open(tag, found))
            return
        if tag == "data" and "data-year" in found and "data-cell" not in found:
            row = next((o.found["data-row"] for o in reversed(self.stack) if o.found.get("data-row")), "")
            found["data-cell"] = with_year(str(row), str(found["data-year"]))
        opened = _Open(tag, found, staff=bool(found.get("data-text")), hidden=tag in ("script", "style"))
        if "data-cell" in found or "data-rank" in found or "data-count" in found or "data-label" in found:
            opened.text = []
            self.collecting.append(opened)
        self.staff += [str(found["data-text"])] if opened.staff else []
        self.hidden += opened.hidden
        self.stack.append(opened)

    def end(self, tag: str, line: int) -> None:
        if tag == "svg" and self.drawing is not None:
            self.found.drawings.append(self.drawing)
            self.drawing = None
        closed = self.stack.pop()
        self.hidden -= closed.hidden
        if closed.staff:
            self.staff.pop()
        if closed.text is not None:
            self.collecting.pop()
            self._close(closed.found, "".join(closed.text), line)

    def _close(self, found: dict, text: str, line: int) -> None:
        if "data-cell" in found:
            self.found.cells.append(ShownCell(str(found["data-cell"]), str(found.get("value") or ""), text.strip(), line))
        elif "data-rank" in found:
            self.found.ranks.append((str(found["data-rank"]), text.strip(), line))
        elif "data-label" in found:
            self.found.labels.append((str(found["data-label"]), " ".join(text.split()), line))
        else:
            self.found.counts.append((text.strip(), line))

    # -- text -------------------------------------------------------------------------------------
    def text(self, data: str, line: int) -> None:
        if self.hidden:
            return
        if self.collecting:
            self.collecting[-1].text.append(data)
            return
        if self.staff:
            self.found.text_numbers += [(self.staff[-1], m.group(0), line) for m in NUMBER.finditer(data)]
            return
        self._loose(data, line)

    def _loose(self, text: str, line: int) -> None:
        """Numbers outside a tagged element: a year, else a stray (an area's name is no number)."""
        if self.names is not None:
            text = self.names.sub(" ", text)
        for match in NUMBER.finditer(text):
            token = match.group(0)
            if YEAR.fullmatch(token):
                self.found.years.append((int(token), line))
            else:
                context = text[max(0, match.start() - 30):match.end() + 30].strip()
                self.found.strays.append((token, context, line))


def area_names() -> re.Pattern | None:
    """names_pattern of the current city's areas (what the checker and the manifest read pages with)."""
    return names_pattern([str(n) for n in areas.areas()["name"]])


def names_pattern(names: list[str]) -> re.Pattern | None:
    """The area names that hold digits, longest first, as one pattern (None if no name has a digit)."""
    with_digits = sorted({n for n in names if re.search(r"\d", n)}, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in with_digits)) if with_digits else None


def read_page(text: str, names: re.Pattern | None = None) -> PageNumbers:
    """Every number of one profile page, sorted by where it comes from; `names` (names_pattern): the areas'
    names, whose digits are no numbers. Read once per page text and process (the checker and the manifest read
    the same pages, about 0,15 s each): callers share the result and must not change it."""
    return _read_page(text, names)


@lru_cache(maxsize=1024)
def _read_page(text: str, names: re.Pattern | None) -> PageNumbers:
    return _Reader(names).read(text)


def german_number(text: str) -> float | None:
    """The first number of a shown value ("53,1 %", "65 205", "4,2 % r"); None if it shows none (".")."""
    match = NUMBER.search(text.replace("\u2212", "-"))
    if not match:
        return None
    digits = match.group(0).replace("\u202f", "").replace("\u00a0", "").replace(".", "").replace(",", ".")
    value = float(digits)
    negative = text.replace("\u2212", "-")[:match.start()].rstrip().endswith("-")
    return -value if negative else value
