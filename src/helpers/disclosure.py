"""Statistical disclosure control at publication: stored data stay complete.

The rule applied to every published table, map and figure of the report: a rate is not
shown when its numerator is 1 or 2 (a person could be recognised) or its denominator is
below a minimum (the rate would be unstable and revealing). Suppressed cells get the
official symbol "." ("Zahlenwert geheim zu halten").
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Rule:
    min_count: int = 3  # counts 1 and 2 are secret; 0 is shown as "-"
    min_denominator: int = 30  # no rate on fewer than this many persons

    def describe(self) -> str:
        return (
            f"Anzahlen von 1 bis {self.min_count - 1} und Quoten, deren Zähler 1 bis {self.min_count - 1} beträgt "
            f"oder deren Nenner kleiner als {self.min_denominator} ist, werden nicht ausgewiesen (\".\")."
        )


DEFAULT_RULE = Rule()


def suppress_rates(vals: pd.DataFrame, rule: Rule = DEFAULT_RULE) -> pd.DataFrame:
    """Copy of indicator values with disclosive rates replaced by <NA> and flag '.'."""
    out = vals.copy()
    num = out["numerator"].astype("Float64")
    den = out["denominator"].astype("Float64")
    small_num = (num > 0) & (num < rule.min_count)
    small_den = den < rule.min_denominator
    hit = (small_num | small_den).fillna(False).astype(bool) & out["value"].notna()
    out["suppressed"] = hit
    out.loc[hit, "value"] = pd.NA
    out.loc[hit, "flag"] = "."
    return out


def suppress_counts(counts: pd.Series, rule: Rule = DEFAULT_RULE) -> pd.Series:
    """Counts with 1 .. min_count-1 replaced by <NA> (shown as '.')."""
    c = counts.astype("Int64")
    return c.mask((c > 0) & (c < rule.min_count))
