"""Part-whole relations among counts, derived from the catalogue and the area hierarchy, checked in bulk.

Relations (all within one year; groups also within one measure and area):

- groups: the catalogue's `groups:` section (male + female = total; foreign + german = total;
  foreign + German with personal or inherited history = migration; …), every group within
  "total", and `within` made transitive (foreign within migration within total);
- age groups: from their intervals ("15-24" within "15-64" within "total"; "0-14", "15-64" and
  "65+" add up to "total");
- measures: numerator within denominator of every rate indicator (unit %), unless the
  catalogue lists it under `groups.not_subsets`;
- areas (data/areas.csv): a Stadtteil within its Teilbereich, Stadtbezirk and the city; the
  complete Stadtteile (and "nicht zuzuordnen") add up to them, the Stadtbezirke to the city.

A complete partition must add up; an incomplete one may not exceed its whole. Rows are numbered
by source: 0 = stored, 1… = the files of one ingest, so the same code checks one file alone
(`validate`) and the files of an ingest against each other and the stored values (`across`).
Every check is a merge or groupby over integer-coded frames – no Python loop per group – so
200,000 rows take seconds; Python loops run only over violations, to word the messages.

Age groups come from the delivery, not from the catalogue, so their number is unbounded (issue 27: 200,000
distinct bands of one Stadtteil). Their relations are never listed pair by pair: containment is found by a
sweep over the bands sorted by interval (`_contained_minimum`, O(n log² n)), and the chains that must add up
are searched within a work budget (CHAIN_WORK_AT_MOST, widest groups first). At most WORD_AT_MOST
violations of a kind are worded; the others are counted.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core import areas
from helpers.core.catalogue import Catalogue, Term
from helpers.intake.cells import SEX_DE, origin_label
from helpers.intake.problems import Problem, fmt_int
from helpers.sources.area_names import UNASSIGNED_CODE

COLUMNS = ("year", "area", "measure", "sex", "origin", "age")


def _city() -> str:
    """The key of the city's own area (data/areas.csv)."""
    return f"stadt|{areas.city().code}"


UNASSIGNED = f"unzugeordnet|{UNASSIGNED_CODE}"
TOTAL_REASON = "eine Teilgruppe ist höchstens so groß wie insgesamt"
#: Violations of one kind worded one by one; the rest are counted in one problem (the report shows
#: at most problems.SHOW_AT_MOST anyway, and wording 100,000 of them would take minutes).
WORD_AT_MOST = 1000
#: Parts of a sum named in a message; a longer chain is shortened in the middle.
SHOW_PARTS = 12


def group_label(sex: str, origin: str, age: str) -> str:
    """'männlich, Ausländer/-innen, Alter 15-64', or 'insgesamt'."""
    parts = [SEX_DE[sex] if sex != "total" else "", origin_label(origin) if origin != "total" else "",
             ("Alter " + age) if age != "total" else ""]
    return ", ".join(p for p in parts if p) or "insgesamt"


def part_label(dimension: str, code: str) -> str:
    if code == "total":
        return "insgesamt"
    if dimension == "sex":
        return SEX_DE[code]
    if dimension == "origin":
        return origin_label(code)
    return f"Alter {code}"


# --- the rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """What is checked: group relations, measure pairs and the area hierarchy."""

    within: tuple[tuple[str, str, str, str], ...]  # (dimension, part, whole, reason), transitive
    partitions: tuple[tuple[str, str, tuple[str, ...], str, int], ...]  # (dimension, whole, parts, reason, n)
    measure_pairs: tuple[tuple[Term, Term, str], ...]  # (numerator, denominator, indicator name)
    area_members: dict[str, tuple[str, ...]]  # "level|code" of an aggregate -> its "stadtteil|code"s
    bezirke: tuple[str, ...]

    @classmethod
    def load(cls, cat: Catalogue, members: dict[tuple[str, str], tuple[str, ...]]) -> Rules:
        partitions, within = [], {}
        for r in cat.groups.relations:
            if r.partition:
                partitions.append((r.dimension, r.whole, r.parts, r.reason, len(r.parts)))
            for part in r.parts:
                within.setdefault((r.dimension, part, r.whole), r.reason)
        for dimension in ("sex", "origin"):
            values = {v for (d, p, w) in within if d == dimension for v in (p, w)} - {"total"}
            for value in values:
                within.setdefault((dimension, value, "total"), TOTAL_REASON)
        changed = True
        while changed:  # transitive closure: foreign within migration within total
            changed = False
            for (d, p, w), reason in list(within.items()):
                for (d2, p2, w2) in list(within):
                    if d2 == d and p2 == w and p != w2 and (d, p, w2) not in within:
                        within[(d, p, w2)] = reason
                        changed = True
        area_members = {f"{lvl}|{code}": tuple(f"stadtteil|{c}" for c in parts) for (lvl, code), parts in members.items()}
        bezirke = tuple(sorted(a for a in area_members if a.startswith("stadtbezirk|")))
        return cls(tuple((d, p, w, r) for (d, p, w), r in within.items()), tuple(partitions),
                   _measure_pairs(cat), area_members, bezirke)


def _measure_pairs(cat: Catalogue) -> tuple[tuple[Term, Term, str], ...]:
    """(numerator, denominator, indicator name) of every rate indicator whose numerator is a subset."""
    excluded = {i for i, _ in cat.groups.not_subsets}
    pairs: dict[tuple[Term, Term], str] = {}
    for ind in cat.indicators:
        if not ind.is_rate or not ind.counted or ind.id in excluded or ind.numerator.measure == ind.denominator.measure:
            continue  # a published rate has no counts; a group of a measure against another: a group relation
        pairs.setdefault((ind.numerator, ind.denominator), ind.name)
        for value in ind.group_values:
            pair = (ind.numerator.with_group(ind.group_dimension, value), ind.denominator.with_group(ind.group_dimension, value))
            pairs.setdefault(pair, ind.name)
    return tuple((n, d, name) for (n, d), name in pairs.items())


_AGE = re.compile(r"^(\d+)(?:-(\d+)|\+)$")
#: Work (steps of the chain search plus rows the chains put into the sum check) spent on deriving chains of
#: age groups; a delivery with thousands of distinct bands has more chains than any check could add up. The
#: widest groups ("insgesamt" first) get their chains first; an ordinary delivery needs a few hundred.
CHAIN_WORK_AT_MOST = 2_000_000
#: Pairs (age group, group it lies in) compared to word the violations found by the sweep (`_age_within`).
PAIRS_COMPARED_AT_MOST = 4_000_000
#: Pairs compared at once (memory: a few arrays of this length).
CHUNK = 250_000


def age_interval(code: str) -> tuple[float, float] | None:
    """'15-64' -> (15, 64); '65+' -> (65, inf); 'total' -> (0, inf); anything else None."""
    if code == "total":
        return (0.0, float("inf"))
    match = _AGE.match(code)
    if not match:
        return None
    low = float(match.group(1))
    return (low, float(match.group(2)) if match.group(2) else float("inf"))


class _Bands:
    """Age groups indexed by their lower bound, for the chain search: lows sorted, per low (high, code) sorted."""

    def __init__(self, spans: dict[str, tuple[float, float]]):
        self.by_low: dict[float, list[tuple[float, str]]] = {}
        for code, (low, high) in spans.items():
            self.by_low.setdefault(low, []).append((high, code))
        for bands in self.by_low.values():
            bands.sort()
        self.lows = sorted(self.by_low)

    def after(self, start: float, high: float, parent: str, work: list[int]):
        """The next groups of a chain that has reached `start`, within [.., high], in the order of the old search:
        those starting at the lowest start ≥ `start` ("first") and those starting later but not after the end of
        every group starting at first (skipping them would leave room for one of those)."""
        j = bisect.bisect_left(self.lows, start)
        first = end = None
        while j < len(self.lows) and self.lows[j] <= high and (end is None or self.lows[j] <= end):
            low = self.lows[j]
            for band_high, code in self.by_low[low]:
                work[0] -= 1
                if band_high > high:
                    break
                if code == parent:
                    continue
                if first is None:
                    first, end = low, band_high  # sorted by high: the smallest end of the first groups
                yield (low, band_high), code
            if work[0] < 0:
                return
            j += 1


def _chains(bands: _Bands, parent: str, low: float, high: float, limit: int, work: list[int],
            weight: dict[str, int] | None = None) -> list[tuple[tuple[str, ...], bool]]:
    """Maximal chains of disjoint age groups within [low, high] (not `parent` itself), each with whether it
    covers the whole interval without a gap; at most `limit`, depth first in the order of their groups.

    Iterative (a chain of one-year bands can be thousands deep); every step and every row a chain will put into
    the sum check (`weight` per code) is taken from `work`; none is found once it is used up.
    """
    found: list[tuple[tuple[str, ...], bool]] = []
    path: list[tuple[tuple[float, float], str]] = []
    covers_at: list[bool] = [True]  # covers_at[k]: the first k groups leave no gap
    stack = [(bands.after(low, high, parent, work), low, False)]  # (next groups, start, any tried)
    while stack and len(found) < limit and work[0] >= 0:
        candidates, start, tried = stack[-1]
        step = next(candidates, None)
        if step is None:
            stack.pop()
            if not tried and len(path) >= 2:  # a chain that cannot go on: maximal
                chain = tuple(c for _, c in path)
                work[0] -= len(chain) + (sum(weight.get(c, 0) for c in chain) if weight else 0)
                if work[0] >= 0:
                    found.append((chain, covers_at[-1] and path[-1][0][1] == high))
            if path:
                path.pop()
                covers_at.pop()
            continue
        stack[-1] = (candidates, start, True)
        span, code = step
        path.append((span, code))
        covers_at.append(covers_at[-1] and span[0] == start)
        stack.append((bands.after(span[1] + 1, high, parent, work), span[1] + 1, False))
    return found


def age_partitions(codes: Iterable[str], limit: int = 20, weight: dict[str, int] | None = None,
                   work: int | None = None) -> list:
    """Chains of disjoint age groups among `codes` (at most `limit` per group they lie in), as partitions.

    A chain that tiles its parent adds up to it; one with gaps is at most the parent. The widest parents come
    first; the search ends when `work` (default CHAIN_WORK_AT_MOST; see `_chains`) is used up.
    """
    spans = {c: s for c in codes if (s := age_interval(c)) is not None}
    bands = _Bands(spans)
    budget = [CHAIN_WORK_AT_MOST if work is None else work]
    partitions = []
    for parent, (plo, phi) in sorted(spans.items(), key=lambda item: (-(item[1][1] - item[1][0]), item[1][0], item[0])):
        if budget[0] < 0:
            break
        for chain, covers in _chains(bands, parent, plo, phi, limit, budget, weight):
            # a chain with gaps is never complete (n one more than its parts): its sum is at most the parent
            n = len(chain) if covers else len(chain) + 1
            whole = "alle Altersgruppen" if parent == "total" else "die Altersgruppe " + parent
            dative = "allen Altersgruppen" if parent == "total" else "der Altersgruppe " + parent
            shown = " + ".join(_shortened(list(chain)))
            reason = (f"die Altersgruppen {shown} ergeben zusammen {whole}" if covers
                      else f"die Altersgruppen {shown} überschneiden sich nicht und liegen in {dative}")
            partitions.append(("age", parent, chain, reason, n))
    return partitions


def age_reason(part: str, whole: str) -> str:
    """Why `part` is at most `whole`: 'die Altersgruppe 15-24 liegt in der Altersgruppe 15-64'."""
    return (f"die Altersgruppe {part if part != 'total' else 'insgesamt'} liegt in "
            f"{'allen Altersgruppen' if whole == 'total' else 'der Altersgruppe ' + whole}")


def age_relations(codes: Iterable[str], limit: int = 20) -> tuple[list, list]:
    """Within pairs and chains of disjoint age groups among `codes` (at most `limit` chains per group).

    The pairs are every group with every group it lies in: for a few codes only (the check itself finds the
    violations of containment with a sweep, `_age_within`, without listing the pairs).
    """
    codes = list(codes)
    spans = {c: s for c in codes if (s := age_interval(c)) is not None}
    within = [("age", c, p, age_reason(c, p))
              for c, (lo, hi) in spans.items() for p, (plo, phi) in spans.items()
              if c != p and plo <= lo and hi <= phi]
    return within, age_partitions(codes, limit)


# --- coding ----------------------------------------------------------------------------------------


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


# --- where a value comes from ----------------------------------------------------------------------


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
            numbers = _shortened([str(n) for n in sorted(int(n) for n in row_of[mine])])
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


# --- checks ----------------------------------------------------------------------------------------


def _capped(bad: pd.DataFrame, sources: Sources, what: str, out: list[Problem]) -> pd.DataFrame:
    """The first WORD_AT_MOST violations; the others are counted in one problem appended to `out`."""
    if len(bad) <= WORD_AT_MOST:
        return bad
    out.append(sources.at_value[min(sources.at_value)](
        None, f"{fmt_int(len(bad) - WORD_AT_MOST)} weitere Verstöße dieser Art: {what}", None,
        "dass die Werte zueinander passen", "die oben genannten Fehler beheben und die Lieferung erneut prüfen"))
    return bad.iloc[:WORD_AT_MOST]


def check(rows: pd.DataFrame, rules: Rules, sources: Sources, context) -> list[Problem]:
    """Every violated relation among `rows` (valued rows with src, row and where), worded in German."""
    if rows.empty:
        return []
    coded = encode(rows)
    ages = pd.Series(coded.codes["age"]).value_counts()
    weight = {coded.uniques["age"][k]: int(n) for k, n in ages.items()}  # rows per age group: the chains' cost
    out = _within(coded, rules.within, sources, context)
    out += _partitions(coded, [*rules.partitions, *age_partitions(weight, weight=weight)], sources, context)
    out += _measures(coded, rules, sources, context)
    out += _area_within(coded, rules, sources, context)
    out += _area_sums(coded, rules, sources, context)
    return out


def _describe(coded: Coded, i: int, context, without: str | None = None) -> str:
    """'unemployed, 2018, Stadtteil 11 Aegidii, männlich' (leaving out the dimension compared)."""
    r = coded.rows.iloc[i]
    label = group_label(*(r[d] if d != without else "total" for d in ("sex", "origin", "age")))
    return f"{r['measure']}, {r['year']}, {context.label(r['area_level'], r['area_code'])}" + (
        f", {label}" if label != "insgesamt" else "")


def _table(coded: Coded, column: str, items: list[tuple]) -> pd.DataFrame:
    """Relation tables in codes; relations whose groups do not occur are dropped."""
    code = coded.code(column)
    rows = [(code[p], code[w], n) for n, (p, w) in enumerate(items) if p in code and w in code]
    return pd.DataFrame(rows, columns=["part", "whole", "rel"], dtype="int64")


def _pairs(coded: Coded, column: str, table: pd.DataFrame) -> pd.DataFrame:
    """part > whole where both rows agree on every other column."""
    if table.empty:
        return table
    others = [c for c in COLUMNS if c != column]
    c = coded.codes
    left = c.merge(table, left_on=column, right_on="part")
    right = c[c[column].isin(table["whole"])]
    merged = left.merge(right, left_on=[*others, "whole"], right_on=[*others, column], suffixes=("_p", "_w"))
    return merged[merged["value_p"] > merged["value_w"]]


def _located(sources: Sources, first: int, second: int) -> int:
    """The side a problem is shown at: the first if it is new, else the second."""
    return first if sources.cross is False or first >= 1 else second


WITHIN_WHAT = "Teilgruppe größer als die Gruppe, in der sie liegt"


def _within(coded: Coded, within: list, sources: Sources, context) -> list[Problem]:
    """A group larger than a group it lies in: the catalogue's relations by merges, age groups by a sweep."""
    out = []
    for dimension in ("sex", "origin", "age"):
        items = [(p, w, reason) for d, p, w, reason in within if d == dimension]
        bad = _pairs(coded, dimension, _table(coded, dimension, [(p, w) for p, w, _ in items]))
        if bad.empty:
            continue
        bad = bad[sources.keep(bad[["src_p", "src_w"]]).to_numpy()]
        bad = _capped(bad, sources, WITHIN_WHAT, out)
        out += [_within_problem(coded, dimension, b, *items[b.rel], sources, context)
                for b in bad.itertuples(index=False)]
    bad, more, flagged = _age_within(coded, sources)
    if more or flagged:
        what = (f"{fmt_int(more)} weitere Verstöße dieser Art: {WITHIN_WHAT}" if not flagged else
                f"weitere Verstöße dieser Art, nicht alle gezählt (mindestens {fmt_int(more)}): {WITHIN_WHAT}; "
                f"{fmt_int(flagged)} Altersgruppen sind größer als eine Altersgruppe, in der sie liegen")
        out.append(sources.at_value[min(sources.at_value)](
            None, what, None,
            "dass die Werte zueinander passen", "die oben genannten Fehler beheben und die Lieferung erneut prüfen"))
    ages = coded.uniques["age"]
    out += [_within_problem(coded, "age", b, ages[b.part], ages[b.whole], age_reason(ages[b.part], ages[b.whole]),
                            sources, context) for b in bad.itertuples(index=False)]
    return out


def _within_problem(coded: Coded, dimension: str, b, part: str, whole: str, reason: str, sources: Sources,
                    context) -> Problem:
    lp, lw = part_label(dimension, part), part_label(dimension, whole)
    at_part = not sources.cross or b.src_p >= 1
    i, other = (b.i_p, b.i_w) if at_part else (b.i_w, b.i_p)
    src = int(coded.rows.at[i, "src"])
    where = sources.where(coded, other, src)
    if at_part:
        found = f"{fmt_int(b.value_p)}, {lw} {fmt_int(b.value_w)}{where}"
    else:
        found = f"{lw} {fmt_int(b.value_w)}, Teilgruppe „{lp}“ {fmt_int(b.value_p)}{where}"
    if sources.cross:
        found += f" ({_describe(coded, i, context, without=dimension)})"
    whole_text = "insgesamt" if whole == "total" else f"„{lw}“"
    return sources.at_value[src](
        int(coded.rows.at[i, "row"]), f"Teilgruppe „{lp}“ größer als {whole_text}", found,
        f"„{lp}“ höchstens so groß wie {whole_text} ({reason})",
        "beide Werte prüfen (vertauschte Gruppen oder Spalten? falsche Zeile?) und den falschen korrigieren")


def _contained_minimum(group: np.ndarray, high: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """For rows sorted by (group, low ascending, high descending, value ascending): per row the smallest
    value rank of an earlier row of its group whose high is at least its own (= an age group containing it),
    or len(rank) if there is none.

    Offline divide and conquer (CDQ) over the positions, vectorised per level: at each level every block's
    left half answers for its right half; sorting a block by (group, high descending, left first) turns the
    question into a running minimum, kept within (group, block) segments by an offset per segment. Positions
    count within a group, so there are log2(largest group) levels of one sort each: O(n log² n) time, O(n)
    memory, whatever the number of distinct age groups (an ordinary delivery: two levels).
    """
    n = len(rank)
    none = n  # larger than every rank
    best = np.full(n, none, dtype=np.int64)
    position = np.arange(n) - np.searchsorted(group, group, side="left")  # within its group: levels for the largest only
    size = 1
    while n and size <= position.max():
        block = position // (2 * size)
        right = (position // size) % 2 == 1
        order = np.lexsort((right, -high, block, group))
        seg_key = block[order] * (int(group.max()) + 1) + group[order]
        seg = np.concatenate([[0], np.cumsum(seg_key[1:] != seg_key[:-1])])
        offset = (int(seg[-1]) + 1 - seg) * (none + 1)
        values = np.where(right[order], none, rank[order]) + offset
        running = np.minimum.accumulate(values) - offset
        answer = order[right[order]]
        found = running[right[order]]
        best[answer] = np.minimum(best[answer], np.where(found < none, found, none))
        size *= 2
    return best


def _age_within(coded: Coded, sources: Sources) -> tuple[pd.DataFrame, int, int]:
    """Age groups larger than an age group they lie in (same year, area, measure, sex and origin).

    A sweep finds the rows that have such a group (`_contained_minimum`) without pairing every group with
    every group; only for those rows are the groups they lie in compared, at most PAIRS_COMPARED_AT_MOST
    pairs, and at most WORD_AT_MOST violations returned for wording. Returns them (i_p, i_w, value_p,
    value_w, src_p, src_w, part, whole), how many more were found, and 0 if that count is complete, else the
    number of rows flagged (the comparisons stopped before all of them).
    """
    empty = pd.DataFrame(columns=["i_p", "i_w", "value_p", "value_w", "src_p", "src_w", "part", "whole"])
    c = coded.codes
    spans = [age_interval(a) for a in coded.uniques["age"]]
    known = np.array([s is not None for s in spans], dtype=bool)
    if known.sum() < 2:
        return empty, 0, 0
    low = np.array([s[0] if s else 0 for s in spans], dtype=float)
    high = np.array([s[1] if s else 0 for s in spans], dtype=float)
    rows = c[known[c["age"].to_numpy()]]
    others = ["year", "area", "measure", "sex", "origin"]
    group = rows.groupby(others, sort=False).ngroup().to_numpy()
    multi = np.bincount(group)[group] >= 2  # a group alone in its context lies in nothing
    rows, group = rows[multi], group[multi]
    if rows.empty:
        return empty, 0, 0
    age = rows["age"].to_numpy()
    value = rows["value"].to_numpy()
    order = np.lexsort((value, -high[age], low[age], group))
    g, hi, v = group[order], high[age][order], value[order]
    rank = np.unique(v, return_inverse=True)[1].astype(np.int64)
    best = _contained_minimum(g, hi, rank)
    flagged = np.flatnonzero(best < rank)  # positions (sorted order) of rows larger than a group containing them
    if len(flagged) == 0:
        return empty, 0, 0
    starts = np.searchsorted(g, g, side="left")  # the first position of each row's context
    i_all, src_all, age_sorted = rows["i"].to_numpy()[order], rows["src"].to_numpy()[order], age[order]
    flagged = flagged[np.argsort(i_all[flagged], kind="stable")]  # in row order
    candidates = flagged - starts[flagged]  # the earlier rows of its context: the groups that may contain it
    reach = np.cumsum(candidates)
    pairs: list[pd.DataFrame] = []
    listed = kept = done = 0
    while done < len(flagged) and (done == 0 or reach[done - 1] < PAIRS_COMPARED_AT_MOST):
        before = reach[done - 1] if done else 0
        end = max(done + 1, int(np.searchsorted(reach, before + CHUNK, side="right")))
        chunk, counts = flagged[done:end], candidates[done:end]
        child = np.repeat(chunk, counts)
        parent = np.repeat(starts[chunk] - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
        hit = (hi[parent] >= hi[child]) & (v[parent] < v[child])
        child, parent = child[hit], parent[hit]
        frame = pd.DataFrame({"i_p": i_all[child], "i_w": i_all[parent], "value_p": v[child], "value_w": v[parent],
                              "src_p": src_all[child], "src_w": src_all[parent],
                              "part": age_sorted[child], "whole": age_sorted[parent]})
        frame = frame[sources.keep(frame[["src_p", "src_w"]]).to_numpy()]
        kept += len(frame)
        if listed < WORD_AT_MOST:
            pairs.append(frame.iloc[:WORD_AT_MOST - listed])
            listed += len(pairs[-1])
        done = end
    bad = pd.concat(pairs, ignore_index=True) if pairs else empty
    return bad, kept - len(bad), 0 if done == len(flagged) else len(flagged)


def _shortened(items: list[str]) -> list[str]:
    """At most SHOW_PARTS items: the first ones, „…“ and the last two."""
    if len(items) <= SHOW_PARTS:
        return items
    return [*items[:SHOW_PARTS - 3], f"… ({len(items) - SHOW_PARTS + 1} weitere)", *items[-2:]]


def _partitions(coded: Coded, partitions: list, sources: Sources, context) -> list[Problem]:
    out = []
    c = coded.codes
    for dimension in ("sex", "origin", "age"):
        code = coded.code(dimension)
        items = [(w, parts, reason, n) for d, w, parts, reason, n in partitions
                 if d == dimension and w in code and any(p in code for p in parts)]
        if not items:
            continue
        table = pd.DataFrame([(code[p], k) for k, (_, parts, _, _) in enumerate(items) for p in parts if p in code],
                             columns=["part", "pid"], dtype="int64")
        info = pd.DataFrame([(k, code[w], n) for k, (w, _, _, n) in enumerate(items)],
                            columns=["pid", "whole", "n"], dtype="int64")
        others = [col for col in COLUMNS if col != dimension]
        parts = c.merge(table, left_on=dimension, right_on="part")
        sums = parts.groupby([*others, "pid"], sort=False).agg(
            total=("value", "sum"), count=("value", "size"), biggest=("value", "max"),
            smin=("src", "min"), smax=("src", "max"), pfresh=("fresh", "max")).reset_index().merge(info, on="pid")
        merged = sums.merge(c, left_on=[*others, "whole"], right_on=[*others, dimension])
        complete = merged["count"] == merged["n"]
        bad = merged[(complete & (merged["total"] != merged["value"]))
                     | (~complete & (merged["count"] >= 2) & (merged["total"] > merged["value"])
                        & (merged["biggest"] <= merged["value"]))]
        if bad.empty:
            continue
        bad = bad[sources.keep(bad[["smin", "smax", "src"]], bad[["pfresh", "fresh"]].max(axis=1)).to_numpy()]
        if bad.empty:
            continue
        bad = _capped(bad, sources, "Teilgruppen ergeben nicht ihre Summe", out)
        members = parts.merge(bad[[*others, "pid"]], on=[*others, "pid"])
        grouped = members.groupby([*others, "pid"], sort=False)["i"].apply(list)
        # plain arrays: a chain of age groups may have hundreds of parts, pandas' .at per part would take minutes
        group_of, value_of, src_of = (coded.rows[col].to_numpy() for col in (dimension, "value", "src"))
        for b in bad.itertuples(index=False):
            whole, names, reason, _ = items[b.pid]
            indices = grouped.loc[tuple(getattr(b, col) for col in [*others, "pid"])]
            place = {name: k for k, name in enumerate(names)}
            indices = sorted(indices, key=lambda i: place[group_of[i]])
            new_parts = [i for i in indices if src_of[i] >= 1]
            i = b.i if (not sources.cross or b.src >= 1) else new_parts[-1]
            src = int(src_of[i])
            shown = _shortened([part_label(dimension, group_of[j]) for j in indices])
            lw = part_label(dimension, whole)
            values = " + ".join(_shortened([fmt_int(int(value_of[j])) for j in indices]))
            where_whole = "" if i == b.i else sources.where(coded, b.i, src).replace(" in ", " (", 1) + ")"
            if where_whole.startswith(", "):
                where_whole = " (" + where_whole[2:] + ")"
            found = (f"{values} = {fmt_int(b.total)} ({sources.rows_text(coded, indices, src)}), "
                     f"{lw} {fmt_int(b.value)}{where_whole}")
            if sources.cross:
                found += f" ({_describe(coded, i, context, without=dimension)})"
            shown = " + ".join(shown)
            if b.count == b.n:
                what = f"{shown} ergibt nicht {lw}"
                expected = f"{shown} = {lw} ({reason})"
            else:
                what = f"{shown} ergeben mehr als {lw}"
                expected = f"{shown} zusammen höchstens {lw} ({reason})"
            out.append(sources.at_value[src](
                int(coded.rows.at[i, "row"]), what, found, expected,
                "die Werte prüfen und so korrigieren, dass die Teile die Summe ergeben"))
    return out


def _measures(coded: Coded, rules: Rules, sources: Sources, context) -> list[Problem]:
    """Numerator larger than denominator (rate indicators whose numerator is a subset)."""
    keys = ["measure", "sex", "origin", "age"]
    codes = {k: coded.code(k) for k in keys}

    def terms(side: int) -> pd.DataFrame:
        rows = []
        for k, pair in enumerate(rules.measure_pairs):
            term = pair[side]
            values = [term.measure, term.sex, term.origin, term.age]
            if all(v in codes[col] for col, v in zip(keys, values, strict=True)):
                rows.append([codes[col][v] for col, v in zip(keys, values, strict=True)] + [k])
        return pd.DataFrame(rows, columns=[*keys, "pair"], dtype="int64")

    num, den = terms(0), terms(1)
    if num.empty or den.empty:
        return []
    c = coded.codes
    n = c.merge(num, on=keys)
    d = c.merge(den, on=keys)
    both = n.merge(d, on=["year", "area", "pair"], suffixes=("_n", "_d"))
    bad = both[both["value_n"] > both["value_d"]]
    bad = bad[sources.keep(bad[["src_n", "src_d"]]).to_numpy()]
    out: list[Problem] = []
    bad = _capped(bad, sources, "Zähler größer als Nenner", out)
    for b in bad.itertuples(index=False):
        nt, dt, name = rules.measure_pairs[b.pair]
        at_num = not sources.cross or b.src_n >= 1
        i, other = (b.i_n, b.i_d) if at_num else (b.i_d, b.i_n)
        src = int(coded.rows.at[i, "src"])
        where = sources.where(coded, other, src)
        ln = f"{nt.measure} ({group_label(nt.sex, nt.origin, nt.age)}) = {fmt_int(b.value_n)}"
        ld = f"{dt.measure} ({group_label(dt.sex, dt.origin, dt.age)}) = {fmt_int(b.value_d)}"
        found = f"{ln}, {ld}{where}" if at_num else f"{ld}, {ln}{where}"
        if sources.cross:
            r = coded.rows.iloc[i]
            found += f" ({r['year']}, {context.label(r['area_level'], r['area_code'])})"
        out.append(sources.at_value[src](
            int(coded.rows.at[i, "row"]), "Zähler größer als Nenner", found,
            f"{nt.measure} ≤ {dt.measure}, weil der Indikator „{name}“ einen Anteil daran misst (sonst in "
            "data/catalogue.yml unter groups.not_subsets mit Grund eintragen)",
            "beide Werte prüfen: der Zähler ist eine Teilgruppe des Nenners (vertauschte Zeilen? falsches Merkmal?)"))
    return out


def _area_label(context, area: str) -> str:
    level, code = area.split("|", 1)
    return context.label(level, code)


def _area_within(coded: Coded, rules: Rules, sources: Sources, context) -> list[Problem]:
    """A Stadtteil (or Teilbereich, Stadtbezirk, „nicht zuzuordnen“) larger than an area it lies in."""
    pairs = [(m, agg) for agg, ms in rules.area_members.items() for m in ms]
    sets = {agg: set(ms) for agg, ms in rules.area_members.items()}
    pairs += [(a, b) for a in sets for b in sets if a != b and sets[a] < sets[b]]
    pairs.append((UNASSIGNED, _city()))
    table = _table(coded, "area", pairs)
    bad = _pairs(coded, "area", table)
    if bad.empty:
        return []
    bad = bad[sources.keep(bad[["src_p", "src_w"]]).to_numpy()]
    out: list[Problem] = []
    bad = _capped(bad, sources, "Teilgebiet größer als das Gebiet, in dem es liegt", out)
    for b in bad.itertuples(index=False):
        part, whole = pairs[b.rel]
        at_part = not sources.cross or b.src_p >= 1
        i, other = (b.i_p, b.i_w) if at_part else (b.i_w, b.i_p)
        src = int(coded.rows.at[i, "src"])
        where = sources.where(coded, other, src)
        lp, lw = _area_label(context, part), _area_label(context, whole)
        found = (f"{lp}: {fmt_int(b.value_p)}, {lw}: {fmt_int(b.value_w)}{where}" if at_part
                 else f"{lw}: {fmt_int(b.value_w)}, {lp}: {fmt_int(b.value_p)}{where}")
        out.append(sources.at_value[src](
            int(coded.rows.at[i, "row"]), f"Wert für {lp} größer als für {lw}",
            found + f" ({_describe(coded, i, context)})" if sources.cross else found,
            f"{lp} liegt in {lw} (Gebietsgliederung data/areas.csv): höchstens so groß",
            "beide Werte prüfen (vertauschte Gebiete? falsche Ebene?)"))
    return out


def _area_sums(coded: Coded, rules: Rules, sources: Sources, context) -> list[Problem]:
    """Teilbereich, Stadtbezirk and city against the sum of their Stadtteile (or the city against its Stadtbezirke)."""
    c = coded.codes
    code = coded.code("area")
    others = ["year", "measure", "sex", "origin", "age"]
    specs = [(agg, ms, "Stadtteile") for agg, ms in rules.area_members.items()]
    specs.append((_city(), rules.bezirke, "Stadtbezirke"))
    items = [(agg, ms, kind) for agg, ms, kind in specs if agg in code and any(m in code for m in ms)]
    if not items:
        return []
    table = pd.DataFrame([(code[m], k) for k, (_, ms, _) in enumerate(items) for m in ms if m in code],
                         columns=["part", "pid"], dtype="int64")
    info = pd.DataFrame([(k, code[agg], len(ms)) for k, (agg, ms, _) in enumerate(items)],
                        columns=["pid", "whole", "n"], dtype="int64")
    parts = c.merge(table, left_on="area", right_on="part")
    sums = parts.groupby([*others, "pid"], sort=False).agg(
        total=("value", "sum"), count=("value", "size"), biggest=("value", "max"),
        smin=("src", "min"), smax=("src", "max"), pfresh=("fresh", "max")).reset_index().merge(info, on="pid")
    merged = sums.merge(c, left_on=[*others, "whole"], right_on=[*others, "area"])
    merged["unassigned"], merged["u_src"], merged["u_i"] = 0, merged["src"], -1
    if UNASSIGNED in code and _city() in code:
        u = c[c["area"] == code[UNASSIGNED]][[*others, "value", "src", "i", "fresh"]].rename(
            columns={"value": "u_value", "src": "u_src2", "i": "u_i2", "fresh": "u_fresh"})
        merged = merged.merge(u, on=others, how="left")
        at_city = (merged["whole"] == code[_city()]) & merged["u_value"].notna()
        merged.loc[at_city, "unassigned"] = merged.loc[at_city, "u_value"].astype("int64")
        merged.loc[at_city, "u_src"] = merged.loc[at_city, "u_src2"].astype("int64")
        merged.loc[at_city, "u_i"] = merged.loc[at_city, "u_i2"].astype("int64")
        merged.loc[at_city, "pfresh"] = merged.loc[at_city, ["pfresh", "u_fresh"]].max(axis=1).astype("int64")
    merged["total"] = merged["total"] + merged["unassigned"]
    complete = merged["count"] == merged["n"]
    # the city against its Stadtbezirke only where its Stadtteile are not all there
    kinds = np.array([kind == "Stadtbezirke" for _, _, kind in items])
    is_bezirke = pd.Series(kinds[merged["pid"].to_numpy()], index=merged.index)
    by_stadtteile = merged[complete & (merged["whole"] == code.get(_city(), -1)) & ~is_bezirke][others]
    if is_bezirke.any() and len(by_stadtteile):
        shadow = merged[others].merge(by_stadtteile.assign(_s=True), on=others, how="left")["_s"].fillna(False).to_numpy()
        complete &= ~(is_bezirke.to_numpy() & shadow.astype(bool))
        is_bezirke_incomplete = is_bezirke & ~complete
    else:
        is_bezirke_incomplete = is_bezirke & ~complete
    bad = merged[(complete & (merged["total"] != merged["value"]))
                 | (~complete & ~is_bezirke_incomplete & (merged["count"] >= 2)
                    & (merged["total"] > merged["value"]) & (merged["biggest"] <= merged["value"]))]
    if bad.empty:
        return []
    bad = bad[sources.keep(bad[["smin", "smax", "src", "u_src"]], bad[["pfresh", "fresh"]].max(axis=1)).to_numpy()]
    if bad.empty:
        return []
    out: list[Problem] = []
    bad = _capped(bad, sources, "Summe der Teilgebiete stimmt nicht", out)
    members = parts.merge(bad[[*others, "pid"]], on=[*others, "pid"])
    grouped = members.groupby([*others, "pid"], sort=False)["i"].apply(list)
    for b in bad.itertuples(index=False):
        whole, ms, kind = items[b.pid]
        indices = grouped.loc[tuple(getattr(b, col) for col in [*others, "pid"])]
        if b.u_i >= 0:
            indices = [*indices, int(b.u_i)]
        new_parts = [i for i in indices if coded.rows.at[i, "src"] >= 1]
        i = b.i if (not sources.cross or b.src >= 1) else new_parts[-1]
        src = int(coded.rows.at[i, "src"])
        label = _area_label(context, whole)
        what = f"{b.count} {kind}" + (" und „nicht zuzuordnen“" if b.u_i >= 0 else "")
        detail = f" ({sources.rows_text(coded, [*indices, b.i], src)})" if sources.cross else ""
        if b.count == b.n:
            hint = ("; Personen ohne Stadtteil als Zeile mit Ebene „nicht zuzuordnen“ liefern"
                    if whole == _city() and b.u_i < 0 else "")
            out.append(sources.at_value[src](
                int(coded.rows.at[i, "row"]), f"Summe der {what} stimmt nicht mit dem Wert für {label} überein",
                f"{fmt_int(b.value)}, Summe der {what}: {fmt_int(b.total)} (Differenz {fmt_int(b.value - b.total)}){detail}",
                f"{label} = Summe der {what}", "die Werte der Teilgebiete und der Summenzeile prüfen" + hint))
        else:
            out.append(sources.at_value[src](
                int(coded.rows.at[i, "row"]), f"Summe der {what} größer als der Wert für {label}",
                f"{fmt_int(b.value)}, Summe der {what}: {fmt_int(b.total)}{detail}",
                f"die Teilgebiete ergeben zusammen höchstens den Wert für {label}",
                "die Werte der Teilgebiete und der Summenzeile prüfen"))
    return out
