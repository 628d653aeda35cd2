"""Age groups as intervals: which lies in which, and the chains of disjoint groups that must add up.

Age groups come from the delivery, not from the catalogue, so their number is unbounded (issue 27: 200,000
distinct bands of one Stadtteil). Their relations are never listed pair by pair: containment is found by a
sweep over the bands sorted by interval (`contained_minimum`, O(n log² n)), and the chains that must add up
are searched within a work budget (CHAIN_WORK_AT_MOST, widest groups first).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

import numpy as np

from helpers.intake.relation_wording import age_reason, chain_reason

_AGE = re.compile(r"^(\d+)(?:-(\d+)|\+)$")

#: Work (steps of the chain search plus rows the chains put into the sum check) spent on deriving chains of
#: age groups; a delivery with thousands of distinct bands has more chains than any check could add up. The
#: widest groups ("insgesamt" first) get their chains first; an ordinary delivery needs a few hundred.
CHAIN_WORK_AT_MOST = 2_000_000


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
            partitions.append(("age", parent, chain, chain_reason(parent, chain, covers), n))
    return partitions


def age_relations(codes: Iterable[str], limit: int = 20) -> tuple[list, list]:
    """Within pairs and chains of disjoint age groups among `codes` (at most `limit` chains per group).

    The pairs are every group with every group it lies in: for a few codes only (the check itself finds the
    violations of containment with a sweep, `group_checks._age_within`, without listing the pairs).
    """
    codes = list(codes)
    spans = {c: s for c in codes if (s := age_interval(c)) is not None}
    within = [("age", c, p, age_reason(c, p))
              for c, (lo, hi) in spans.items() for p, (plo, phi) in spans.items()
              if c != p and plo <= lo and hi <= phi]
    return within, age_partitions(codes, limit)


def contained_minimum(group: np.ndarray, high: np.ndarray, rank: np.ndarray) -> np.ndarray:
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
