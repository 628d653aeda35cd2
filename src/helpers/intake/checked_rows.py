"""The rows a part-whole check compares: integer codes for its merges, and where each row comes from.

Rows are numbered by source: 0 = stored, 1… = the files of one ingest (`Sources`), so the same checks
compare one file alone and the files of an ingest against each other and the stored values. Also what every
check shares: the relation tables in codes, the part-larger-than-whole merge and the cap on worded violations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.intake.problems import Problem, fmt_int
from helpers.intake.relation_wording import group_label, shortened

COLUMNS = ("year", "area", "measure", "sex", "origin", "age")

#: Violations of one kind worded one by one; the rest are counted in one problem (the report shows
#: at most problems.SHOW_AT_MOST anyway, and wording 100,000 of them would take minutes).
WORD_AT_MOST = 1000


@dataclass
class Coded:
    """Rows (strings, for messages) and the same rows as integer codes (for merges)."""

    rows: pd.DataFrame  # KEY columns, value, src, row, where
    codes: pd.DataFrame  # i, value, src and COLUMNS as ints
    uniques: dict[str, np.ndarray]
    arrays: dict[str, np.ndarray] | None = None  # columns of `rows` as arrays, made when first needed

    def code(self, column: str) -> dict[str, int]:
        return {v: k for k, v in enumerate(self.uniques[column])}


def encode(rows: pd.DataFrame) -> Coded:
    """The rows with every key column as integer codes, so that the checks merge integers, not strings."""
    rows = rows.reset_index(drop=True)
    codes = pd.DataFrame({"i": np.arange(len(rows)), "value": rows["value"].astype("int64").to_numpy(),
                          "src": rows["src"].astype("int64").to_numpy()})
    revised = rows["revised"].to_numpy(dtype=bool) if "revised" in rows else np.zeros(len(rows), dtype=bool)
    codes["fresh"] = ((codes["src"] >= 1) & ~revised).astype("int64")  # a delivered value that is no revision
    uniques = {}
    columns = {"year": rows["year"], "area": rows["area_level"].astype(str) + "|" + rows["area_code"].astype(str),
               "measure": rows["measure"], "sex": rows["sex"], "origin": rows["origin"], "age": rows["age"]}
    for name, series in columns.items():
        c, u = pd.factorize(series)
        codes[name] = c
        uniques[name] = np.asarray(u, dtype=object)
    return Coded(rows, codes, uniques)


@dataclass
class Sources:
    """Source 0 = the stored values; 1… the files of one ingest, each with a function making its problems."""

    names: dict[int, str]
    at_value: dict[int, Callable[..., Problem]]
    cross: bool  # report only relations between different sources that involve a new value

    def where(self, coded: Coded, i: int, located: int) -> str:
        """' in Zeile 3', ' in „b.csv“, Zeile 3' or ', bereits gespeichert (Quelle: …)'."""
        r = coded.rows.iloc[i]
        src = int(r["src"])
        if src == 0:
            return f", bereits gespeichert (Quelle: {r['where']})"
        if src == located:
            return f" in Zeile {int(r['row'])}"
        return f" in „{self.names[src]}“, Zeile {int(r['row'])}"

    def rows_text(self, coded: Coded, indices: list[int], located: int) -> str:
        """'Zeilen 3 und 4', or per source: 'Zeilen 3, 4 in „b.csv“; bereits gespeichert (Quelle: …)'."""
        parts = []
        if coded.arrays is None:  # plain arrays: this runs once per violation worded
            coded.arrays = {col: coded.rows[col].to_numpy() for col in ("src", "row", "where")}
        src_of, row_of, where_of = (coded.arrays[col][indices] for col in ("src", "row", "where"))
        for src in sorted(set(src_of.tolist())):
            mine = src_of == src
            if int(src) == 0:
                quellen = list(dict.fromkeys(where_of[mine]))
                parts.append(f"bereits gespeichert (Quelle: {quellen[0]}{' u. a.' if len(quellen) > 1 else ''})")
                continue
            numbers = shortened([str(n) for n in sorted(int(n) for n in row_of[mine])])
            listed = ", ".join(numbers[:-1]) + f" und {numbers[-1]}" if len(numbers) > 1 else numbers[0]
            text = f"Zeile{'n' if len(numbers) > 1 else ''} {listed}"
            parts.append(text if int(src) == located else f"{text} in „{self.names[int(src)]}“")
        return "; ".join(parts)

    def keep(self, sources: pd.DataFrame, fresh: pd.Series | None = None) -> pd.Series:
        """Which violations to report, given their sources as columns.

        `fresh` (for sums): whether a delivered value that is not a revision takes part. A sum that
        is off only because of revised values and stored ones is not reported: a revision (--revise)
        corrects one figure, and the stored sums it belongs to (often published by another office)
        are revised on their own. A part larger than its whole is reported even then.
        """
        if not self.cross:
            return pd.Series(True, index=sources.index)
        low, high = sources.min(axis=1), sources.max(axis=1)
        keep = (low != high) & (high >= 1)
        if fresh is not None:
            keep &= (fresh >= 1) | (low >= 1)
        return keep


def capped(bad: pd.DataFrame, sources: Sources, what: str, out: list[Problem]) -> pd.DataFrame:
    """The first WORD_AT_MOST violations; the others are counted in one problem appended to `out`."""
    if len(bad) <= WORD_AT_MOST:
        return bad
    out.append(sources.at_value[min(sources.at_value)](
        None, f"{fmt_int(len(bad) - WORD_AT_MOST)} weitere Verstöße dieser Art: {what}", None,
        "dass die Werte zueinander passen", "die oben genannten Fehler beheben und die Lieferung erneut prüfen"))
    return bad.iloc[:WORD_AT_MOST]


def describe(coded: Coded, i: int, context, without: str | None = None) -> str:
    """'unemployed, 2018, Stadtteil 11 Aegidii, männlich' (leaving out the dimension compared)."""
    r = coded.rows.iloc[i]
    label = group_label(*(r[d] if d != without else "total" for d in ("sex", "origin", "age")))
    return f"{r['measure']}, {r['year']}, {context.label(r['area_level'], r['area_code'])}" + (
        f", {label}" if label != "insgesamt" else "")


def relation_table(coded: Coded, column: str, items: list[tuple]) -> pd.DataFrame:
    """Relation tables in codes; relations whose groups do not occur are dropped."""
    code = coded.code(column)
    rows = [(code[p], code[w], n) for n, (p, w) in enumerate(items) if p in code and w in code]
    return pd.DataFrame(rows, columns=["part", "whole", "rel"], dtype="int64")


def larger_parts(coded: Coded, column: str, table: pd.DataFrame) -> pd.DataFrame:
    """part > whole where both rows agree on every other column."""
    if table.empty:
        return table
    others = [c for c in COLUMNS if c != column]
    c = coded.codes
    left = c.merge(table, left_on=column, right_on="part")
    right = c[c[column].isin(table["whole"])]
    merged = left.merge(right, left_on=[*others, "whole"], right_on=[*others, column], suffixes=("_p", "_w"))
    return merged[merged["value_p"] > merged["value_w"]]
