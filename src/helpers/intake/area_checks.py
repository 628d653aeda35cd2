"""Violated relations among areas, worded in German: a part larger than an area it lies in, sums that do not match.

An area (or „nicht zuzuordnen“) larger than an area it lies in; every larger area and the city against the sum of
its areas of the smallest level (the city also against those of the largest level and „nicht zuzuordnen“). In
Münster: Stadtteile, Teilbereiche, Stadtbezirke; the levels and their names come from config/<city>/city.yml, the
areas from data/<city>/areas.csv (`relations.Rules`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core import areas, levels
from helpers.intake.checked_rows import Coded, Sources, capped, describe, larger_parts, relation_table
from helpers.intake.problems import Problem, fmt_int
from helpers.intake.relation_wording import area_label
from helpers.intake.relations import Rules
from helpers.sources.area_names import UNASSIGNED_CODE


def _city() -> str:
    """The key of the city's own area (data/<city>/areas.csv)."""
    return f"stadt|{areas.city().code}"


UNASSIGNED = f"unzugeordnet|{UNASSIGNED_CODE}"


def larger_than_whole(coded: Coded, rules: Rules, sources: Sources, context) -> list[Problem]:
    """An area (or „nicht zuzuordnen“) larger than an area it lies in."""
    pairs = [(m, agg) for agg, ms in rules.area_members.items() for m in ms]
    sets = {agg: set(ms) for agg, ms in rules.area_members.items()}
    pairs += [(a, b) for a in sets for b in sets if a != b and sets[a] < sets[b]]
    pairs.append((UNASSIGNED, _city()))
    table = relation_table(coded, "area", pairs)
    bad = larger_parts(coded, "area", table)
    if bad.empty:
        return []
    bad = bad[sources.keep(bad[["src_p", "src_w"]]).to_numpy()]
    out: list[Problem] = []
    bad = capped(bad, sources, "Teilgebiet größer als das Gebiet, in dem es liegt", out)
    for b in bad.itertuples(index=False):
        part, whole = pairs[b.rel]
        at_part = not sources.cross or b.src_p >= 1
        i, other = (b.i_p, b.i_w) if at_part else (b.i_w, b.i_p)
        src = int(coded.rows.at[i, "src"])
        where = sources.where(coded, other, src)
        lp, lw = area_label(context, part), area_label(context, whole)
        found = (f"{lp}: {fmt_int(b.value_p)}, {lw}: {fmt_int(b.value_w)}{where}" if at_part
                 else f"{lw}: {fmt_int(b.value_w)}, {lp}: {fmt_int(b.value_p)}{where}")
        out.append(sources.at_value[src](
            int(coded.rows.at[i, "row"]), f"Wert für {lp} größer als für {lw}",
            found + f" ({describe(coded, i, context)})" if sources.cross else found,
            f"{lp} liegt in {lw} (Gebietsgliederung data/<stadt>/areas.csv): höchstens so groß",
            "beide Werte prüfen (vertauschte Gebiete? falsche Ebene?)"))
    return out


def sums_not_matching(coded: Coded, rules: Rules, sources: Sources, context) -> list[Problem]:
    """Larger areas and the city against the sum of their smallest areas (or the city against its largest ones)."""
    c = coded.codes
    code = coded.code("area")
    others = ["year", "measure", "sex", "origin", "age"]
    specs = [(agg, ms, rules.base_plural, False) for agg, ms in rules.area_members.items()]
    specs.append((_city(), rules.bezirke, rules.top_plural, True))
    items = [(agg, ms, kind, top) for agg, ms, kind, top in specs if agg in code and any(m in code for m in ms)]
    if not items:
        return []
    table = pd.DataFrame([(code[m], k) for k, (_, ms, _, _) in enumerate(items) for m in ms if m in code],
                         columns=["part", "pid"], dtype="int64")
    info = pd.DataFrame([(k, code[agg], len(ms)) for k, (agg, ms, _, _) in enumerate(items)],
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
    # the city against its largest areas only where its smallest are not all there
    kinds = np.array([top for _, _, _, top in items])
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
    bad = capped(bad, sources, "Summe der Teilgebiete stimmt nicht", out)
    members = parts.merge(bad[[*others, "pid"]], on=[*others, "pid"])
    grouped = members.groupby([*others, "pid"], sort=False)["i"].apply(list)
    for b in bad.itertuples(index=False):
        whole, ms, kind, _ = items[b.pid]
        indices = grouped.loc[tuple(getattr(b, col) for col in [*others, "pid"])]
        if b.u_i >= 0:
            indices = [*indices, int(b.u_i)]
        new_parts = [i for i in indices if coded.rows.at[i, "src"] >= 1]
        i = b.i if (not sources.cross or b.src >= 1) else new_parts[-1]
        src = int(coded.rows.at[i, "src"])
        label = area_label(context, whole)
        what = f"{b.count} {kind}" + (" und „nicht zuzuordnen“" if b.u_i >= 0 else "")
        detail = f" ({sources.rows_text(coded, [*indices, b.i], src)})" if sources.cross else ""
        if b.count == b.n:
            hint = (f"; Personen ohne {context.level_names[levels.base()]} als Zeile mit Ebene „nicht zuzuordnen“ liefern"
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
