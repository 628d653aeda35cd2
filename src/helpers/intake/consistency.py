"""Check every part-whole relation among counts at once: the one entry of the consistency checks.

Relations (all within one year; groups also within one measure and area):

- groups: the catalogue's `groups:` section (male + female = total; foreign + german = total;
  foreign + German with personal or inherited history = migration; …), every group within
  "total", and `within` made transitive (foreign within migration within total);
- age groups: from their intervals ("15-24" within "15-64" within "total"; "0-14", "15-64" and
  "65+" add up to "total");
- measures: numerator within denominator of every rate indicator (unit %), unless the
  catalogue lists it under `groups.not_subsets`;
- areas (data/<city>/areas.csv): a Stadtteil within its Teilbereich, Stadtbezirk and the city; the
  complete Stadtteile (and "nicht zuzuordnen") add up to them, the Stadtbezirke to the city.

A complete partition must add up; an incomplete one may not exceed its whole. Rows are numbered
by source: 0 = stored, 1… = the files of one ingest, so the same code checks one file alone
(`validation.cross_checks`) and the files of an ingest against each other and the stored values
(`validation.across`). Every check is a merge or groupby over integer-coded frames – no Python loop
per group – so 200,000 rows take seconds; Python loops run only over violations, to word the messages.
At most `checked_rows.WORD_AT_MOST` violations of a kind are worded; the others are counted.

Where each part lives:

- `relations` – which relations hold (`Rules`, from the catalogue and the area hierarchy)
- `age_bands` – age groups as intervals: containment by a sweep, chains that add up by a budgeted search
- `checked_rows` – the rows in integer codes and where each comes from (`Sources`)
- `group_checks`, `area_checks` – the violations among groups and measures, among areas
- `relation_wording` – the German words of the messages
"""

from __future__ import annotations

import pandas as pd

from helpers.intake import area_checks, group_checks
from helpers.intake.age_bands import age_partitions
from helpers.intake.checked_rows import Sources, encode
from helpers.intake.problems import Problem
from helpers.intake.relations import Rules


def check(rows: pd.DataFrame, rules: Rules, sources: Sources, context) -> list[Problem]:
    """Every violated relation among `rows` (valued rows with src, row and where), worded in German."""
    if rows.empty:
        return []
    coded = encode(rows)
    ages = pd.Series(coded.codes["age"]).value_counts()
    weight = {coded.uniques["age"][k]: int(n) for k, n in ages.items()}  # rows per age group: the chains' cost
    out = group_checks.larger_than_whole(coded, rules.within, sources, context)
    out += group_checks.parts_not_adding_up(coded, [*rules.partitions, *age_partitions(weight, weight=weight)],
                                            sources, context)
    out += group_checks.numerator_above_denominator(coded, rules, sources, context)
    out += area_checks.larger_than_whole(coded, rules, sources, context)
    out += area_checks.sums_not_matching(coded, rules, sources, context)
    return out
