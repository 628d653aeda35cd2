"""Choosing a row's columns: which segmentation of its digit groups the table's constraints support.

`sms_text.segmentations` lists every way to read a crowded row as the table's columns. Among
them `resolve` keeps the one that violates fewest of the table's own sums and shares, then
fewest area sums (Stadtteile -> Teilbereich/Stadtbezirk -> Stadt), then lies closest to the
column positions of the other rows. A tie that none of these resolves is an error naming file,
line and row, never a silent guess.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from helpers.sources.muenster.sms_tables import PCT_TOLERANCE, TableSpec
from helpers.sources.muenster.sms_text import Cell, Line, SmsParseError, Token, cell_value


@dataclass
class Row:
    """One data row of a table: its area, its tokens, every segmentation and the one chosen."""

    line: Line
    level: str
    code: str
    tokens: list[Token]
    candidates: list[list[Cell]]
    chosen: list[Cell] | None = None

    def values(self, cells: list[Cell] | None = None) -> list[tuple[int | float | None, str]]:
        return [cell_value(c) for c in (cells if cells is not None else self.chosen)]


def row_score(spec: TableSpec, cells: list[Cell]) -> tuple[int, int]:
    """(violated, satisfied) constraints of the table's own sums and shares for one candidate."""
    names = {c.name: i for i, c in enumerate(spec.cols)}
    vals = [cell_value(c)[0] for c in cells]
    bad = good = 0
    for total, parts in spec.sums:
        xs = [vals[names[p]] for p in parts]
        if vals[names[total]] is None or any(x is None for x in xs):
            continue
        if sum(xs) == vals[names[total]]:
            good += 1
        else:
            bad += 1
    for pct, count, base in spec.shares:
        p, c, b = vals[names[pct]], vals[names[count]], vals[names[base]]
        if p is None or c is None or not b:
            continue
        if abs(c / b * 100 - p) <= PCT_TOLERANCE:
            good += 1
        else:
            bad += 1
    return bad, good


def children_of(level: str, code: str, present: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The rows of a table that sum to an aggregate row (only those present in the table)."""
    st = sorted(k for k in present if k[0] == "stadtteil")
    if level == "teilbereich":
        return [k for k in st if k[1][0] == code]
    if level == "stadtbezirk":
        if code == "1":
            tb = sorted(k for k in present if k[0] == "teilbereich")
            return tb if tb else [k for k in st if k[1][0] in "1234"]
        return [k for k in st if k[1][0] == code]
    if level == "stadt":
        return sorted(k for k in present if k[0] in ("stadtbezirk", "unzugeordnet"))
    return []


def _vertical_score(spec: TableSpec, cells: list[Cell], expected: list[int | None]) -> tuple[int, int]:
    """(violated, satisfied) area sums for one candidate: its counts against the sums of its sub-areas."""
    bad = good = 0
    for i, col in enumerate(spec.cols):
        if col.kind != "n" or expected[i] is None:
            continue
        v = cell_value(cells[i])[0]
        if v is None:
            continue
        if v == expected[i]:
            good += 1
        else:
            bad += 1
    return bad, good


def _expected_sums(spec: TableSpec, row: Row, rows: dict[tuple[str, str], Row]) -> list[int | None]:
    """Per column, the sum of the already resolved sub-area rows (None where one is unknown)."""
    kids = [rows[k] for k in children_of(row.level, row.code, set(rows))]
    out: list[int | None] = []
    for i in range(len(spec.cols)):
        if not kids or any(k.chosen is None for k in kids):
            out.append(None)
            continue
        xs = [k.values()[i][0] for k in kids]
        out.append(None if any(x is None for x in xs) else int(sum(xs)))
    return out


def resolve(spec: TableSpec, rows: list[Row], where: str) -> None:
    """Choose one segmentation per row (row constraints, vertical sums, column positions)."""
    for row in rows:
        if not row.candidates:
            raise SmsParseError(
                f"{where}, Zeile {row.line.number}: Zeile passt nicht zu {len(spec.cols)} Spalten "
                f"({''.join(spec.kinds)}): {row.line.text.strip()!r}"
            )
    ends: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if len(row.candidates) == 1:
            for i, c in enumerate(row.candidates[0]):
                ends[i].append(c.end)
    edges = {i: statistics.median(v) for i, v in ends.items()}
    by_key = {(r.level, r.code): r for r in rows}
    order = {"stadtteil": 0, "unzugeordnet": 0, "teilbereich": 1, "stadtbezirk": 2, "stadt": 3}
    for row in sorted(rows, key=lambda r: order[r.level]):
        expected = _expected_sums(spec, row, by_key)

        def score(cells: list[Cell]) -> tuple[int, int, int, int]:
            rb, rg = row_score(spec, cells)
            vb, vg = _vertical_score(spec, cells, expected)  # noqa: B023 - called within this iteration
            return rb, -rg, vb, -vg

        def pos(cells: list[Cell]) -> float:
            return sum(abs(c.end - edges[i]) for i, c in enumerate(cells) if i in edges)

        scored = sorted(row.candidates, key=lambda c: (score(c), pos(c)))
        best = scored[0]
        ties = [c for c in scored[1:] if score(c) == score(best)]
        if ties and (len(edges) < len(spec.cols) or pos(ties[0]) - pos(best) < 2):
            options = " | ".join(" ; ".join(c.text for c in cand) for cand in [best, *ties][:3])
            raise SmsParseError(
                f"{where}, Zeile {row.line.number}: mehrdeutige Zahlenfolge, Spalten nicht eindeutig "
                f"trennbar: {row.line.text.strip()!r} (z. B. {options})"
            )
        row.chosen = best
