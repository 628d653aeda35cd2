"""The parser's plausibility checks: row sums, printed shares, area sums, male + female = total,
German + foreign = total, parts printed in tables of their own against their total.

Every deviation becomes one row of data/<city>/sms_checks.csv (columns `CHECK_COLUMNS`, German check
names and notes, as the staff read them); none stops the parse, since the printed tables
themselves disagree in places (secret cells, rounding, corrections between editions).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pandas as pd

from helpers.sources.muenster.sms_rows import Row, children_of
from helpers.sources.muenster.sms_tables import PCT_TOLERANCE, TableSpec

#: The check names of male + female = total: within one file, and across the editions of the merged data.
SEXES_CHECK = "männlich + weiblich = insgesamt"
SEXES_ACROSS_CHECK = "männlich + weiblich = insgesamt (verschiedene Ausgaben)"
CHECK_COLUMNS = [
    "file", "line", "table", "check", "year", "area_level", "area_code", "measure", "sex",
    "origin", "expected", "found", "difference", "note",
]


def check_row(file: str, spec: TableSpec, row: Row, checks: list[dict], year_of: Callable[[str], int]) -> None:
    names = {c.name: i for i, c in enumerate(spec.cols)}
    vals = row.values()
    for total, parts in spec.sums:
        t = vals[names[total]][0]
        xs = [vals[names[p]][0] for p in parts]
        known = [x for x in xs if x is not None]
        if t is None:
            continue
        col = spec.cols[names[total]]
        found = sum(known)
        if (len(known) == len(xs) and found != t) or found > t:
            checks.append(dict(
                file=file, line=row.line.number, table=spec.title, check="Zeilensumme",
                year=year_of(total), area_level=row.level, area_code=row.code,
                measure=col.obs[1] if col.obs else total, sex=col.obs[2] if col.obs else "",
                origin=col.obs[3] if col.obs else total, expected=t, found=found, difference=found - t,
                note=f"{total} = {' + '.join(parts)}" + ("" if len(known) == len(xs) else " (Teile unbekannt)"),
            ))
    for pct, count, base in spec.shares:
        p, c, b = vals[names[pct]][0], vals[names[count]][0], vals[names[base]][0]
        if p is None or c is None or not b or abs(c / b * 100 - p) <= PCT_TOLERANCE:
            continue
        col = spec.cols[names[count]]
        checks.append(dict(
            file=file, line=row.line.number, table=spec.title, check="Anteil",
            year=col.obs[0], area_level=row.level, area_code=row.code, measure=col.obs[1], sex=col.obs[2],
            origin=col.obs[3], expected=round(c / b * 100, 1), found=p, difference=round(p - c / b * 100, 2),
            note=f"{pct} = {count}/{base}*100",
        ))


def check_vertical(file: str, spec: TableSpec, rows: list[Row], checks: list[dict]) -> None:
    by_key = {(r.level, r.code): r for r in rows}
    for row in rows:
        kids = [by_key[k] for k in children_of(row.level, row.code, set(by_key))]
        if not kids:
            continue
        for i, col in enumerate(spec.cols):
            if col.kind != "n" or col.obs is None:
                continue
            t = row.values()[i][0]
            xs = [k.values()[i][0] for k in kids]
            known = [x for x in xs if x is not None]
            if t is None:
                continue
            found = sum(known)
            if (len(known) == len(xs) and found != t) or found > t:
                checks.append(dict(
                    file=file, line=row.line.number, table=spec.title, check="Gebietssumme",
                    year=col.obs[0], area_level=row.level, area_code=row.code, measure=col.obs[1],
                    sex=col.obs[2], origin=col.obs[3], expected=t, found=found, difference=found - t,
                    note="Summe der Teilgebiete" + ("" if len(known) == len(xs) else " (Teile geheim/unbekannt)"),
                ))


def check_city(file: str, spec: TableSpec, rows: list[Row], checks: list[dict]) -> None:
    """The city row against its Stadtteile and "nicht zuzuordnen" directly (the area-sum check goes
    through the Stadtbezirke, where a printed Stadtbezirk can hide a mismatch of its Stadtteile)."""
    city = [r for r in rows if r.level == "stadt"]
    parts = [r for r in rows if r.level in ("stadtteil", "unzugeordnet")]
    if len(city) != 1 or not any(r.level == "unzugeordnet" for r in parts):
        return
    for i, col in enumerate(spec.cols):
        if col.kind != "n" or col.obs is None:
            continue
        t = city[0].values()[i][0]
        xs = [r.values()[i][0] for r in parts]
        known = [x for x in xs if x is not None]
        if t is None:
            continue
        found = sum(known)
        if (len(known) == len(xs) and found != t) or found > t:
            checks.append(dict(
                file=file, line=city[0].line.number, table=spec.title, check="Stadtteile + nicht zuzuordnen",
                year=col.obs[0], area_level="stadt", area_code=city[0].code, measure=col.obs[1],
                sex=col.obs[2], origin=col.obs[3], expected=t, found=found, difference=found - t,
                note=f"Summe von {len(parts) - 1} Stadtteilen und nicht zuzuordnen"
                     + ("" if len(known) == len(xs) else " (Teile geheim/unbekannt)"),
            ))


def _check_parts(file: str, records: list[dict], checks: list[dict], dimension: str, parts: tuple[str, str],
                 words: tuple[str, str], check: str) -> None:
    """parts[0] + parts[1] = total along `dimension` ("sex" or "origin") for every count printed so in this file
    (same table rank); a failure is one row of sms_checks.csv with both parts named in `words`."""
    other = "origin" if dimension == "sex" else "sex"
    groups: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for r in records:
        groups[(r["year"], r["area_level"], r["area_code"], r["measure"], r[other], r["age"], r["rank"])][r[dimension]] = r
    for by_part in groups.values():
        if not {"total", *parts} <= set(by_part):
            continue
        t, a, b = (by_part[x]["value"] for x in ("total", *parts))
        known = [x for x in (a, b) if x is not None]
        if t is None:
            continue
        if (len(known) == 2 and a + b != t) or sum(known) > t:
            r = by_part["total"]
            checks.append(dict(
                file=file, line=r["line"], table=r["source"], check=check,
                year=r["year"], area_level=r["area_level"], area_code=r["area_code"], measure=r["measure"],
                **{dimension: "total", other: r[other]}, expected=t, found=sum(known), difference=sum(known) - t,
                note=f"{words[0]} {by_part[parts[0]]['flag'] or a}, {words[1]} {by_part[parts[1]]['flag'] or b} "
                     f"(Zeilen {by_part[parts[0]]['line']}, {by_part[parts[1]]['line']})",
            ))


def check_origins(file: str, records: list[dict], checks: list[dict]) -> None:
    """German + foreign = total for every count printed by nationality in this file (same table rank)."""
    _check_parts(file, records, checks, "origin", ("german", "foreign"), ("deutsch", "nichtdeutsch"),
                 "deutsch + nichtdeutsch = insgesamt")


def check_sexes(file: str, records: list[dict], checks: list[dict]) -> None:
    """male + female = total for every group printed by sex in this file (same table rank)."""
    _check_parts(file, records, checks, "sex", ("male", "female"), ("männlich", "weiblich"), SEXES_CHECK)


def check_measure_parts(file: str, records: list[dict], checks: list[dict], whole: str, parts: tuple[str, ...],
                        check: str) -> None:
    """The counts of `parts` (measures printed in tables of their own) add up to `whole` for every year, area
    and group this file prints all of (same table rank); a failure is one row of sms_checks.csv."""
    groups: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for r in records:
        if r["measure"] == whole or r["measure"] in parts:
            key = (r["year"], r["area_level"], r["area_code"], r["sex"], r["origin"], r["age"], r["rank"])
            groups[key][r["measure"]] = r
    for by_measure in groups.values():
        if not {whole, *parts} <= set(by_measure) or by_measure[whole]["value"] is None:
            continue
        if len({r["line"] for r in by_measure.values()}) == 1:
            continue  # one printed row: its own row sum is checked (check_row)
        t = by_measure[whole]["value"]
        known = [by_measure[p]["value"] for p in parts if by_measure[p]["value"] is not None]
        if (len(known) == len(parts) and sum(known) != t) or sum(known) > t:
            r = by_measure[whole]
            checks.append(dict(
                file=file, line=r["line"], table=r["source"], check=check, year=r["year"],
                area_level=r["area_level"], area_code=r["area_code"], measure=whole, sex=r["sex"],
                origin=r["origin"], expected=t, found=sum(known), difference=sum(known) - t,
                note=f"{whole} = {' + '.join(parts)}" + ("" if len(known) == len(parts) else " (Teile unbekannt)"),
            ))


#: Added to the `source` of a part whose total a later edition corrected while no edition printed the parts anew.
UNREVISED_NOTE = ("unrevidiert: die Gesamtzahl ist in einer späteren Ausgabe berichtigt, die Gliederung nach "
                  "Geschlecht nicht (siehe sms_checks.csv)")


def check_merged_sexes(obs: pd.DataFrame, revisions: pd.DataFrame, checks: list[dict]) -> pd.DataFrame:
    """male + female = total across editions, on the merged observations; returns them with marked sources.

    The newest edition wins per figure, so a total can come from a later edition than its split by sex
    (SMS Bevölkerung: the population of 2006 by sex is printed only in the 2006 edition, its total was
    corrected by the later time series). Each such cell becomes a check row; where the older edition's
    total equals its own male + female, the parts are that edition's unrevised split, and their rows say
    so in `source`. The values stay as printed: no edition gives a corrected split.
    """
    reported = {(c["year"], c["area_level"], c["area_code"], c["measure"], c["origin"])
                for c in checks if c["check"] == SEXES_CHECK}
    cell = ["year", "area_level", "area_code", "measure", "origin", "age"]
    wide = obs[obs["sex"].isin(["total", "male", "female"])].set_index([*cell, "sex"])["value"].unstack("sex")
    wide = wide.reindex(columns=["total", "male", "female"]).dropna().astype(int)
    differ = wide[wide["male"] + wide["female"] != wide["total"]]
    old_totals = revisions[revisions["sex"] == "total"].set_index(cell)
    sources = obs.set_index([*cell, "sex"])["source"]
    marked = []
    for key, row in differ.iterrows():
        year, level, code, measure, origin, age = key
        if (year, level, code, measure, origin) in reported:
            continue
        parts = int(row["male"] + row["female"])
        earlier = old_totals.loc[[key]] if key in old_totals.index else old_totals.iloc[0:0]
        unrevised = bool((earlier["old_value"] == parts).any())
        checks.append(dict(
            file="(alle Ausgaben)", line=0, table=sources[(*key, "male")], check=SEXES_ACROSS_CHECK,
            year=year, area_level=level, area_code=code, measure=measure, sex="total", origin=origin,
            expected=int(row["total"]), found=parts, difference=parts - int(row["total"]),
            note=(f"insgesamt aus {sources[(*key, 'total')]}; männlich + weiblich aus {sources[(*key, 'male')]}"
                  + ("; dort ergaben sie die damalige, später berichtigte Gesamtzahl" if unrevised else "")),
        ))
        if unrevised:
            marked += [(*key, "male"), (*key, "female")]
    if marked:
        index = obs.set_index([*cell, "sex"]).index
        hit = index.isin(marked)
        obs = obs.copy()
        obs.loc[hit, "source"] = obs.loc[hit, "source"] + " – " + UNREVISED_NOTE
    return obs
