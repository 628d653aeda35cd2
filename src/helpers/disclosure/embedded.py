"""The numbers a report embeds for its interactive parts: where they stand and how the checker reads them.

An interactive map carries its disclosed values in the page as JSON (a Vega-Lite spec in a
`<script type="application/json" class="im-spec">`, helpers.figures.interactive writes it by the names
here): the dataset `werte` has one row per area and year (`code`, `jahr`, `wert`, `zeichen`, `klasse`), and
the <script> names the indicator, level and group (`data-indikator`, `data-ebene`, `data-gruppe`). The
checker reads every number of every such block: each row's value is a published cell, checked like a
table's; every other number must stand where a spec has sizes, years or class numbers, else it is reported.

A spec that shows several series (the correlation chapter's linked view, helpers.figures.linked) names each
row's indicator and group in the row (`indikator`, `gruppe`, over the <script>'s attributes), and may carry the
chapter's table of pairs in the dataset `paare` (`a`, `b`: the series, `r`: Pearson's r to two decimals, `n`:
the areas): an r outside [-1, 1] or with more decimals, or an n that is no whole number, is reported, and the
checker finds every pair's r and n in the published table of pairs (`pairs`; helpers.disclosure.checker.check_pairs).

    >>> block = ('<script type="application/json" class="im-spec" id="k" data-indikator="a" data-ebene="stadtteil" '
    ...          'data-gruppe="total">{"datasets":{"werte":[{"code":"11","jahr":2019,"wert":1.5,"zeichen":""}]}}</script>')
    >>> cells, strays = read(block)
    >>> cells[["indicator", "area_code", "year", "value"]].to_dict("records"), strays
    ([{'indicator': 'a', 'area_code': '11', 'year': 2019, 'value': 1.5}], [])
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pandas as pd

SPEC_CLASS = "im-spec"
VALUES = "werte"
#: The "change since" view of a map: a spec under the map's `usermeta` without a dataset of its own; the browser
#: subtracts the values of `werte` (nothing derived is embedded, so its numbers are layout numbers only).
CHANGE = "veraenderung"
PAIRS = "paare"
ROW_FIELDS = ("code", "jahr", "wert", "zeichen", "klasse", "indikator", "gruppe")
PAIR_FIELDS = ("a", "b", "r", "n")
#: Keys under which a spec may hold a number that is no published value: sizes, the year control, layout.
LAYOUT_KEYS = frozenset({"width", "height", "strokeWidth", "fontSize", "columns", "labelLimit", "titleLimit",
                         "continuousWidth", "continuousHeight", "min", "max", "step", "value", "options",
                         "padding", "opacity", "strokeOpacity", "fillOpacity", "size", "symbolSize", "offset"})

_BLOCK = re.compile(r"<script\b(?P<attrs>[^>]*\bclass=\"" + SPEC_CLASS + r"\"[^>]*)>(?P<json>.*?)</script>", re.S)
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def _numbers(node, path: tuple) -> Iterator[tuple[tuple, float]]:
    """Every number in a JSON value with the keys leading to it (booleans are not numbers)."""
    if isinstance(node, bool):
        return
    if isinstance(node, (int, float)):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _numbers(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _numbers(value, (*path, index))


def _pair_number(field: str, number: float) -> bool:
    """Whether a number of `paare` can be what the table of pairs shows: r in [-1, 1] to two decimals, n whole."""
    if field == "r":
        return -1.0 <= number <= 1.0 and abs(round(number, 2) - number) < 1e-12
    return field == "n" and float(number).is_integer() and number >= 0


def blocks(page: str) -> Iterator[tuple[dict[str, str], str]]:
    """(attributes, JSON text) of every embedded spec of a page."""
    for match in _BLOCK.finditer(page):
        yield dict(_ATTR.findall(match["attrs"])), match["json"].replace("<\\/", "</")


def pairs(page: str) -> pd.DataFrame:
    """The pairs every embedded spec of `page` carries in `paare` (block, row, a, b, r, n; a and b: "indicator"
    or "indicator:group"), for the checker to find each in the published table of pairs."""
    rows = []
    for attrs, text in blocks(page):
        try:
            found = json.loads(text).get("datasets", {}).get(PAIRS, [])
        except ValueError:
            continue  # read() reports it
        for index, row in enumerate(found if isinstance(found, list) else []):
            if isinstance(row, dict):
                rows.append({"block": attrs.get("id", "?"), "row": index + 1, "a": str(row.get("a", "")),
                             "b": str(row.get("b", "")), "r": row.get("r"), "n": row.get("n")})
    return pd.DataFrame(rows, columns=["block", "row", "a", "b", "r", "n"])


def read(page: str) -> tuple[pd.DataFrame, list[str]]:
    """The cells every embedded spec of `page` shows (indicator, area_level, area_code, year, group, value,
    flag, block: the spec's id, row: its row in `werte`) and the numbers that stand anywhere else than a
    row's fields or the layout's keys, described ("spec k: datasets/x/0 = 3.5")."""
    rows, strays = [], []
    for attrs, text in blocks(page):
        name = attrs.get("id", "?")
        try:
            spec = json.loads(text)
        except ValueError as err:
            strays.append(f"{name}: kein lesbares JSON ({err})")
            continue
        values = spec.get("datasets", {}).get(VALUES, [])
        for index, row in enumerate(values if isinstance(values, list) else []):
            unknown = set(row) - set(ROW_FIELDS) if isinstance(row, dict) else {"?"}
            if unknown:
                strays.append(f"{name}: Zeile {index + 1} hat unbekannte Felder {sorted(map(str, unknown))}")
                continue
            rows.append({"indicator": str(row.get("indikator", attrs.get("data-indikator", ""))),
                         "area_level": attrs.get("data-ebene", ""),
                         "area_code": str(row.get("code", "")), "year": row.get("jahr"),
                         "group": str(row.get("gruppe", attrs.get("data-gruppe", ""))), "value": row.get("wert"),
                         "flag": row.get("zeichen") or "", "klasse": row.get("klasse"), "block": name,
                         "row": index + 1})
        for path, number in _numbers(spec, ()):
            in_rows = len(path) == 4 and path[:2] == ("datasets", VALUES) and path[3] in ROW_FIELDS
            if len(path) == 4 and path[:2] == ("datasets", PAIRS) and path[3] in PAIR_FIELDS:
                if not _pair_number(path[3], number):
                    strays.append(f"{name}: {'/'.join(map(str, path))} = {number} (kein r oder n eines Paares)")
                continue
            if not in_rows and not any(isinstance(k, str) and k in LAYOUT_KEYS for k in path[-2:]):
                strays.append(f"{name}: {'/'.join(map(str, path))} = {number}")
    cells = pd.DataFrame(rows, columns=["indicator", "area_level", "area_code", "year", "group", "value", "flag",
                                        "klasse", "block", "row"])
    cells["value"] = pd.to_numeric(cells["value"], errors="coerce").astype("Float64")
    cells["year"] = pd.to_numeric(cells["year"], errors="coerce").astype("Int64")
    return cells, strays
