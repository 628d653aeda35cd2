"""The alternative texts of an indicator's figures: its disclosed values turned into helpers.figures.alttext's plain values.

helpers.figures.alttext words any chart from plain numbers; here an indicator's frames become those
numbers (by area name, by group label, by year), with the indicator's unit and the city's name.

    >>> import pandas as pd
    >>> area_values(pd.DataFrame({"area_name": ["Coerde", "Kreuz"], "value": [49.7, None]}))
    {'Coerde': 49.7, 'Kreuz': None}
"""

from __future__ import annotations

import pandas as pd

from helpers.core import areas
from helpers.core.catalogue import GROUP_LABELS, Indicator
from helpers.figures import alttext


def area_values(shown: pd.DataFrame) -> dict[str, float | None]:
    """Mapped values by area name (missing or suppressed: None), for the map's alternative text."""
    return {str(n): (None if pd.isna(v) else float(v)) for n, v in zip(shown["area_name"], shown["value"])}


def map_alt(ind: Indicator, title: str, shown: pd.DataFrame, city_value: float | None = None) -> str:
    """What a map of `shown` says: highest and lowest area, the city's value, the areas without a value."""
    return alttext.map_alt(title, area_values(shown), ind.unit, city_value, f"{areas.city().short} insgesamt")


def series_alt(ind: Indicator, title: str, city_window: pd.DataFrame, groups: list[str]) -> str:
    """What the time series says: first and last year of each group's line, and the breaks the chart marks."""
    lines = {GROUP_LABELS.get(g, g): dict(zip(part["year"].astype(int), part["value"]))
             for g in groups for part in [city_window[city_window["group"] == g]]}
    text = alttext.series_alt(title, lines, ind.unit)
    years = city_window["year"].astype(int)
    within = [y for y in ind.break_years if len(years) and years.min() < y <= years.max()]
    if within:
        label = "Bruch in der Reihe" if len(within) == 1 else "Brüche in der Reihe"
        text += f" {label}: {', '.join(f'{y - 1}/{y}' for y in within)} (Grund im Hinweis unter der Abbildung)."
    return text


def development_alt(ind: Indicator, title: str, mapped: pd.DataFrame, years: list[int]) -> str:
    """What the small multiples say: highest and lowest area in the first and the last year shown."""
    by_year = {year: area_values(mapped[mapped["year"] == year]) for year in years}
    return alttext.small_multiples_alt(title, by_year, ind.unit)


def change_alt(ind: Indicator, title: str, before: pd.DataFrame, after: pd.DataFrame) -> str:
    """What the change map says: the largest increase and decrease between two years' values by area."""
    changes = (after.set_index("area_name")["value"].astype("Float64")
               - before.set_index("area_name")["value"].astype("Float64"))
    return alttext.change_alt(title, {str(k): (None if pd.isna(v) else float(v)) for k, v in changes.items()}, ind.unit)
