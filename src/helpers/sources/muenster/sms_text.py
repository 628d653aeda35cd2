"""Low-level reading of the `pdftotext -layout` text of the series "SMS – Statistik für Münsters Stadtteile".

The layout text is hard to read mechanically: a single blank is both the thousands separator
and (in crowded rows) the column separator, page footers interrupt the text, labels vary and
official symbols stand in number columns. This module knows nothing about particular tables;
it offers the generic steps:

* `pages` – split a file into pages (form feeds), drop the page footers, keep line numbers;
* `split_row` / `area_of_label` – separate a row's label from its data and map it to (level, code);
* `tokenise` / `segmentations` – cut the data part into digit groups and symbols and enumerate
  every way of merging groups into numbers that yields the table's column count;
* `cell_value` – turn a cell into (value, flag) following the "Zeichenerklärung".

Choosing between segmentations needs the table's own constraints and lives in `sms_rows`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from helpers.sources.area_names import UNASSIGNED_CODE, normalise_name
from helpers.sources.muenster import hierarchy

FOOTER_PATTERNS = (
    re.compile(r"^\s*Rückfragen:"),
    re.compile(r"^\s*www\.muenster\.de"),
    re.compile(r"^\s*E-Mail:"),
)
#: Labels that name an aggregate we do not store (it is only a convenience sum in the tables).
IGNORED_LABELS = {"außenbezirke"}
#: Printed symbol -> flag (schema.FLAGS); "..." is how some editions print "…".
SYMBOL_FLAGS = {"-": "-", ".": ".", "…": "…", "...": "…", "X": "x", "x": "x"}

_DATA_TOKEN = re.compile(r"^(?:\d+r?|\d+,\d+r?|(?:-|\.|…|\.\.\.|X|x)r?|r)$")


class SmsParseError(ValueError):
    """Unreadable input; the message names file, line and what was expected (German, user-facing)."""


@dataclass(frozen=True)
class Line:
    """One line of a source file with its 1-based line number (for error messages)."""

    number: int
    text: str


@dataclass(frozen=True)
class Token:
    """A blank-separated piece of a data row with its character span in the line."""

    text: str
    start: int
    end: int

    @property
    def kind(self) -> str:
        """'int' (digits), 'dec' (decimal comma), 'sym' (official symbol or bare 'r')."""
        core = self.text.removesuffix("r")
        if core.isdigit():
            return "int"
        if re.fullmatch(r"\d+,\d+", core):
            return "dec"
        return "sym"

    @property
    def corrected(self) -> bool:
        return self.text.endswith("r")


@dataclass(frozen=True)
class Cell:
    """One table cell after segmentation: the tokens merged into it and its span."""

    tokens: tuple[Token, ...]

    @property
    def kind(self) -> str:
        return self.tokens[0].kind

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


def pages(text: str) -> list[list[Line]]:
    """Split on form feeds and drop footer lines, so a page is one table (the series' layout).

    Line numbers count as in an editor (1-based), so error messages point at the source file.
    """
    result: list[list[Line]] = [[]]
    for number, raw in enumerate(text.split("\n"), start=1):
        parts = raw.split("\f")
        for i, part in enumerate(parts):
            if i > 0:
                result.append([])
            if any(p.match(part) for p in FOOTER_PATTERNS):
                continue
            result[-1].append(Line(number, part.rstrip()))
    return [p for p in result if any(line.text.strip() for line in p)]


def page_title(page: list[Line], n: int = 2) -> str:
    """The first `n` non-empty lines joined: the table title (sometimes wrapped over two lines)."""
    texts = [line.text.strip() for line in page if line.text.strip()]
    return " ".join(texts[:n])


def split_row(text: str) -> tuple[str, list[Token]]:
    """Split a line into (label, data tokens): the label is the shortest prefix after which
    only data tokens (numbers, decimals, symbols) follow.

    Labels may contain a hyphen standing alone ("Mauritz - West"), which is also the zero
    symbol; taking the *shortest* all-data suffix keeps such hyphens in the label as long as
    a word follows them.
    """
    spans = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    i = len(spans)
    while i > 0 and _DATA_TOKEN.match(spans[i - 1][0]):
        i -= 1
    label = text[: spans[i][1]].strip() if i < len(spans) else text.strip()
    tokens = [Token(t, s, e) for t, s, e in spans[i:]]
    return label, tokens


_AGGREGATES: dict[str, tuple[str, str]] = {}


def _aggregate_names() -> dict[str, tuple[str, str]]:
    """normalised label -> (level, code) for every non-Stadtteil row label of the tables."""
    if not _AGGREGATES:
        names: dict[str, tuple[str, str]] = {}
        for code, name in hierarchy.TEILBEREICHE.items():
            # Outer Teilbereiche coincide with their Stadtbezirk: store them as Stadtbezirk.
            level = "teilbereich" if code in "1234" else "stadtbezirk"
            names[normalise_name(name)] = (level, code)
        for code, name in hierarchy.STADTBEZIRKE.items():
            names[normalise_name(name)] = ("stadtbezirk", code)
        for (level, code), aliases in hierarchy.AGGREGATE_ALIASES.items():
            for alias in aliases:
                names[normalise_name(alias)] = (level, code)
        names[normalise_name(hierarchy.CITY_NAME)] = ("stadt", hierarchy.CITY_CODE)
        names[normalise_name("nicht zuzuordnen")] = ("unzugeordnet", UNASSIGNED_CODE)
        _AGGREGATES.update(names)
    return _AGGREGATES


def _stadtteil_names(code: str) -> set[str]:
    names = [hierarchy.STADTTEILE[code], *hierarchy.STADTTEIL_ALIASES.get(code, [])]
    return {normalise_name(n) for n in names}


def area_of_label(label: str, where: str) -> tuple[str, str] | None:
    """Map a row label to (area_level, area_code); None for labels to skip (Außenbezirke).

    Stadtteile are recognised by their number; the printed name must still match the known
    name or an alias, so that a shifted or misread row cannot slip in under a wrong code.
    Raises SmsParseError (with `where` = "file, Zeile n") for anything unknown.
    """
    m = re.fullmatch(r"(\d{1,2})\s+(.+)", label)
    if m:
        code, name = m.groups()
        if code not in hierarchy.STADTTEILE:
            raise SmsParseError(f"{where}: unbekannte Stadtteil-Nummer {code!r} in {label!r}")
        if normalise_name(name) not in _stadtteil_names(code):
            raise SmsParseError(
                f"{where}: unbekannter Stadtteil {name!r} (Nr. {code}, erwartet "
                f"{hierarchy.STADTTEILE[code]!r}) – bitte in helpers/sources/muenster/hierarchy.py als Alias eintragen"
            )
        return "stadtteil", code
    key = normalise_name(label)
    if key in {normalise_name(n) for n in IGNORED_LABELS}:
        return None
    if key in _aggregate_names():
        return _aggregate_names()[key]
    raise SmsParseError(
        f"{where}: unbekannter Stadtteil {label!r} – bitte in helpers/sources/muenster/hierarchy.py als Alias eintragen"
    )


def segmentations(tokens: list[Token], kinds: list[str], max_groups: int = 3) -> list[list[Cell]]:
    """All ways to merge digit groups into numbers so that the row has len(kinds) cells.

    A number is a 1-3 digit head followed by up to `max_groups - 1` groups of exactly three
    digits, each separated by ONE blank; a trailing 'r' can only end a number. `kinds` holds
    'n' (count column: integer or symbol) or 'p' (percent column: decimal or symbol).
    """
    results: list[list[Cell]] = []

    def fits(cell: Cell, kind: str) -> bool:
        return cell.kind == "sym" or (cell.kind, kind) in {("int", "n"), ("dec", "p")}

    def extend(i: int, cells: list[Cell]) -> None:
        col = len(cells)
        if i == len(tokens):
            if col == len(kinds):
                results.append(list(cells))
            return
        if col >= len(kinds) or len(tokens) - i < len(kinds) - col:
            return
        first = tokens[i]
        group = [first]
        while True:
            cell = Cell(tuple(group))
            if fits(cell, kinds[col]):
                extend(i + len(group), [*cells, cell])
            j = i + len(group)
            last = group[-1]
            if (
                first.kind != "int" or len(first.text.removesuffix("r")) > 3 or last.corrected
                or len(group) >= max_groups or j >= len(tokens)
            ):
                break
            nxt = tokens[j]
            if nxt.kind != "int" or len(nxt.text.removesuffix("r")) != 3 or nxt.start - last.end != 1:
                break
            group.append(nxt)

    extend(0, [])
    return results


def cell_value(cell: Cell) -> tuple[int | float | None, str]:
    """(value, flag) of a cell: '-' -> (0, '-'); '.', '…', 'X' -> (None, flag); 'r' -> flag 'r'.

    A bare 'r' (seen in the 2014 household tables where a corrected zero was printed) is read
    as a corrected zero; the row's own sum constraint checks that reading.
    """
    text = "".join(t.text for t in cell.tokens)
    corrected = text.endswith("r")
    core = text.removesuffix("r")
    if cell.kind == "int":
        return int(core), "r" if corrected else ""
    if cell.kind == "dec":
        return float(core.replace(",", ".")), "r" if corrected else ""
    if core == "":
        return 0, "r"
    flag = SYMBOL_FLAGS[core]
    if flag == "-":
        return 0, "r" if corrected else "-"
    return None, flag


def data_rows(page: list[Line], where_prefix: str) -> Iterator[tuple[Line, tuple[str, str] | None, list[Token]]]:
    """Yield (line, area, tokens) for the table rows of a page.

    The data region starts at the first line whose label is a known area and ends at
    "Quelle:"; inside it every line with data must carry a known label (else an error).
    """
    started = False
    for line in page:
        if line.text.strip().startswith(("Quelle", "*)")):
            if started:
                return
            continue
        label, tokens = split_row(line.text)
        if not tokens or not label:
            continue
        where = f"{where_prefix}, Zeile {line.number}"
        if not started:
            try:
                area = area_of_label(label, where)
            except SmsParseError:
                if re.match(r"\s*\d{2}\s", line.text):
                    raise
                continue
            started = True
        else:
            area = area_of_label(label, where)
        yield line, area, tokens
