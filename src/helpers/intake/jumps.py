"""Large jumps against the latest earlier stored year of the same series: warnings that the user must confirm.

Only real data are compared (no demo values); a jump is large by both a relative and an absolute threshold,
so that small counts do not trigger it. The delivery templates state the thresholds.
"""

from __future__ import annotations

import pandas as pd

from helpers.core.model import KEY
from helpers.core.problems import Severity
from helpers.intake.delivery import Delivery
from helpers.intake.delivery_context import Context
from helpers.intake.problems import Problem, fmt_int
from helpers.intake.relation_wording import group_label

#: A value is a jump if it differs from the latest earlier stored year by more than
#: JUMP_RELATIVE (50 %) and by at least JUMP_ABSOLUTE (20), so small counts do not trigger.
JUMP_RELATIVE = 0.5
JUMP_ABSOLUTE = 20


def _memo(memo: dict, label, *key: str) -> str:
    """label(*key), worded once per key."""
    if key not in memo:
        memo[key] = label(*key)
    return memo[key]


def jumps(delivery: Delivery, stored: pd.DataFrame, context: Context) -> list[Problem]:
    """Warnings for values far from the latest earlier year of the same series (real data only)."""
    new = delivery.rows[delivery.rows["value"].notna()]
    if new.empty:
        return []
    series = [c for c in KEY if c != "year"]
    earlier = stored[~stored["synthetic"] & stored["value"].notna()][[*KEY, "value"]]
    earlier = earlier.merge(new[series].drop_duplicates(), on=series)
    combined = pd.concat([earlier.assign(row=pd.NA), new[[*KEY, "value", "row"]]], ignore_index=True)
    combined = combined.drop_duplicates(KEY, keep="last").sort_values([*series, "year"])
    combined["prev_year"] = combined.groupby(series, sort=False)["year"].shift()
    combined["prev_value"] = combined.groupby(series, sort=False)["value"].shift()
    candidates = combined[combined["row"].notna() & combined["prev_value"].notna()]
    out = []
    area_labels, group_labels = {}, {}  # a label is worded once per area and group (thousands of jumps share them)
    for r in candidates.itertuples(index=False):
        new_value, old_value = int(r.value), int(r.prev_value)
        change = new_value - old_value
        relative = abs(change) / old_value if old_value else float("inf")
        if abs(change) >= JUMP_ABSOLUTE and relative > JUMP_RELATIVE:
            percent = "von null" if not old_value else f"{change / old_value * 100:+.0f} %"
            out.append(delivery.at_value(
                int(r.row), "großer Sprung gegenüber dem letzten gespeicherten Jahr",
                f"{r.year}: {fmt_int(new_value)} gegenüber {int(r.prev_year)}: {fmt_int(old_value)} "
                f"({percent}, {'+' if change > 0 else ''}{fmt_int(change)}) – {r.measure}, "
                f"{_memo(area_labels, context.label, r.area_level, r.area_code)}, "
                f"{_memo(group_labels, group_label, r.sex, r.origin, r.age)}",
                f"eine Veränderung um höchstens {JUMP_RELATIVE * 100:.0f} % oder um weniger als {JUMP_ABSOLUTE}",
                "den Wert prüfen; ist er richtig (z. B. Gebietsreform, neue Zählweise), die Lieferung mit "
                "--confirm-jumps einlesen (make ingest … CONFIRM=1)", Severity.WARNING))
    return out
