"""Violated relations among the groups of one year, area and measure, and between measures, worded in German.

A group larger than a group it lies in (the catalogue's relations by merges, age groups by the sweep of
`age_bands`), parts that do not add up to their whole, and a numerator larger than its denominator. Every
check is a merge or groupby over integer-coded frames (`checked_rows`); Python loops run only over
violations, to word the messages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.intake import checked_rows
from helpers.intake.age_bands import age_interval, contained_minimum
from helpers.intake.checked_rows import COLUMNS, Coded, Sources, capped, describe, larger_parts, relation_table
from helpers.intake.problems import Problem, fmt_int
from helpers.intake.relation_wording import age_reason, group_label, part_label, shortened
from helpers.intake.relations import Rules

#: Pairs (age group, group it lies in) compared to word the violations found by the sweep (`_age_within`).
PAIRS_COMPARED_AT_MOST = 4_000_000

#: Pairs compared at once (memory: a few arrays of this length).
CHUNK = 250_000

WITHIN_WHAT = "Teilgruppe größer als die Gruppe, in der sie liegt"


def larger_than_whole(coded: Coded, within: list, sources: Sources, context) -> list[Problem]:
    """A group larger than a group it lies in: the catalogue's relations by merges, age groups by a sweep."""
    out = []
    for dimension in ("sex", "origin", "age"):
        items = [(p, w, reason) for d, p, w, reason in within if d == dimension]
        bad = larger_parts(coded, dimension, relation_table(coded, dimension, [(p, w) for p, w, _ in items]))
        if bad.empty:
            continue
        bad = bad[sources.keep(bad[["src_p", "src_w"]]).to_numpy()]
        bad = capped(bad, sources, WITHIN_WHAT, out)
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
        found += f" ({describe(coded, i, context, without=dimension)})"
    whole_text = "insgesamt" if whole == "total" else f"„{lw}“"
    return sources.at_value[src](
        int(coded.rows.at[i, "row"]), f"Teilgruppe „{lp}“ größer als {whole_text}", found,
        f"„{lp}“ höchstens so groß wie {whole_text} ({reason})",
        "beide Werte prüfen (vertauschte Gruppen oder Spalten? falsche Zeile?) und den falschen korrigieren")


def _age_within(coded: Coded, sources: Sources) -> tuple[pd.DataFrame, int, int]:
    """Age groups larger than an age group they lie in (same year, area, measure, sex and origin).

    A sweep finds the rows that have such a group (`contained_minimum`) without pairing every group with
    every group; only for those rows are the groups they lie in compared, at most PAIRS_COMPARED_AT_MOST
    pairs, and at most checked_rows.WORD_AT_MOST violations returned for wording. Returns them (i_p, i_w, value_p,
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
    best = contained_minimum(g, hi, rank)
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
        if listed < checked_rows.WORD_AT_MOST:
            pairs.append(frame.iloc[:checked_rows.WORD_AT_MOST - listed])
            listed += len(pairs[-1])
        done = end
    bad = pd.concat(pairs, ignore_index=True) if pairs else empty
    return bad, kept - len(bad), 0 if done == len(flagged) else len(flagged)


def parts_not_adding_up(coded: Coded, partitions: list, sources: Sources, context) -> list[Problem]:
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
        bad = capped(bad, sources, "Teilgruppen ergeben nicht ihre Summe", out)
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
            shown = shortened([part_label(dimension, group_of[j]) for j in indices])
            lw = part_label(dimension, whole)
            values = " + ".join(shortened([fmt_int(int(value_of[j])) for j in indices]))
            where_whole = "" if i == b.i else sources.where(coded, b.i, src).replace(" in ", " (", 1) + ")"
            if where_whole.startswith(", "):
                where_whole = " (" + where_whole[2:] + ")"
            found = (f"{values} = {fmt_int(b.total)} ({sources.rows_text(coded, indices, src)}), "
                     f"{lw} {fmt_int(b.value)}{where_whole}")
            if sources.cross:
                found += f" ({describe(coded, i, context, without=dimension)})"
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


def numerator_above_denominator(coded: Coded, rules: Rules, sources: Sources, context) -> list[Problem]:
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
    bad = capped(bad, sources, "Zähler größer als Nenner", out)
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
            "data/<stadt>/catalogue.yml unter groups.not_subsets mit Grund eintragen)",
            "beide Werte prüfen: der Zähler ist eine Teilgruppe des Nenners (vertauschte Zeilen? falsches Merkmal?)"))
    return out
