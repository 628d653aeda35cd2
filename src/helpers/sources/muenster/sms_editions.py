"""Combining the editions: the newest figure wins, older differing ones become revisions.

The same figure appears in several editions (time series repeat earlier years). `merge` keeps
the newest edition's value (within an edition the cross-section table before the time series)
and lists every differing older value as a revision; `derive_sums` adds the population groups
that a year's tables print only as parts, and checks them where they are printed.
"""

from __future__ import annotations

import pandas as pd

from helpers.core import model

SORT_KEYS = ["measure", "year", "area_level", "area_code", "sex", "origin", "age"]
KEY = model.KEY


def merge(records: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Newest edition wins (cross-section before time series); other differing values -> revisions."""
    df = pd.DataFrame(records)
    df = df.sort_values(["edition", "rank", "line"], ascending=[False, True, True], kind="stable")
    winners = df.drop_duplicates(KEY, keep="first")
    rest = df[df.duplicated(KEY, keep="first")]
    joined = rest.merge(winners, on=KEY, suffixes=("_old", "_new"))
    same = (joined["value_old"].astype("Int64").eq(joined["value_new"].astype("Int64")).fillna(
        joined["value_old"].isna() & joined["value_new"].isna())) & joined["flag_old"].eq(joined["flag_new"])
    rev = joined[~same.astype(bool)]
    revisions = pd.DataFrame({
        **{k: rev[k] for k in KEY},
        "old_value": rev["value_old"].astype("Int64"), "old_flag": rev["flag_old"],
        "old_source": rev["source_old"] + ", " + rev["file_old"] + " Zeile " + rev["line_old"].astype(str),
        "new_value": rev["value_new"].astype("Int64"), "new_flag": rev["flag_new"],
        "new_source": rev["source_new"] + ", " + rev["file_new"] + " Zeile " + rev["line_new"].astype(str),
    }, columns=model.REVISION_COLUMNS)
    obs = winners[model.OBSERVATION_COLUMNS].copy()
    obs["value"] = obs["value"].astype("Int64")
    obs = obs.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    revisions = revisions.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    return obs, revisions


#: Groups that are the sum of printed parts; derived where a year's tables give only the parts
#: (the time series 2006-2009 print the five groups but no total with migration history).
DERIVED_SUMS = [
    ("german_mig_personal", ["expellee", "resettler", "naturalised_other"]),
    ("migration", ["foreign", "german_mig_personal", "german_mig_inherited"]),
]


def derive_sums(obs: pd.DataFrame, checks: list[dict]) -> pd.DataFrame:
    """Add missing population totals as sums of their printed parts; check them where printed."""
    for target, parts in DERIVED_SUMS:
        pop = obs[obs["measure"] == "population"]
        cell = ["year", "area_level", "area_code", "sex", "age"]
        wide = pop[pop["origin"].isin([target, *parts])].set_index([*cell, "origin"])["value"].unstack("origin")
        wide = wide.reindex(columns=[target, *parts])
        have_parts = pop[pop["origin"].isin(parts)].groupby(cell)["origin"].nunique().eq(len(parts))
        wide = wide[have_parts.reindex(wide.index, fill_value=False)]
        total = wide[parts].sum(axis=1, min_count=len(parts)).where(wide[parts].notna().all(axis=1))
        printed = wide[target].notna()
        reported = {(c["year"], c["area_level"], c["area_code"], c["sex"], c["origin"]) for c in checks}
        for key in wide.index[printed & total.notna() & (wide[target] != total)]:
            year, level, code, sex, age = key
            if (year, level, code, sex, target) in reported:
                continue  # the table's own row check already reported it
            checks.append(dict(
                file="(alle Ausgaben)", line=0, table="Teilgruppen der Bevölkerung", check="Summe der Teilgruppen",
                year=year, area_level=level, area_code=code, measure="population", sex=sex, origin=target,
                expected=int(wide.loc[key, target]), found=int(total[key]),
                difference=int(total[key] - wide.loc[key, target]), note=f"{target} = {' + '.join(parts)}",
            ))
        absent = wide.index.difference(pop[pop["origin"] == target].set_index(cell).index)
        new = total.reindex(absent)
        rows = new.reset_index().rename(columns={0: "value"})
        rows["value"] = new.to_numpy()
        rows = rows.assign(measure="population", origin=target, synthetic=False,
                           source=f"SMS, abgeleitet: {target} = {' + '.join(parts)} (Summe der gedruckten Teilgruppen)")
        rows["flag"] = rows["value"].isna().map({True: ".", False: ""})
        rows["value"] = rows["value"].astype("Int64")
        obs = pd.concat([obs, rows[model.OBSERVATION_COLUMNS]], ignore_index=True)
    return obs.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
