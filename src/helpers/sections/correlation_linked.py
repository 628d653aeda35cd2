"""The correlation chapter's linked view: which published values it embeds and the pairs it names.

The view (helpers.figures.linked, drawn by helpers.publish.linked) lets a reader choose two series from the
chapter's indicators in every group published for the base areas in the chapter's year, and shows their
scatter beside the map. It embeds the published values only (rounded as published, suppressed ones as their
symbol) and, for the pairs the chapter computed, the r and n of its table of pairs (Pearson), so that the view
shows the table's r for those pairs; other pairs the page computes from the embedded values (unweighted).
Population weights are stored counts, not published values: they are never embedded. A series with demo
data is marked in its label, as the static figures mark it.

Beside the chapter's series the page offers every other series published for the base areas in the view's year:
helpers.publish.linked takes them from the exported indicator table when it assembles the page (one further block,
labelled by helpers.figures.linked.series_label as the chapter's series are), so the chapter's kernel computes none
of them and its cached HTML does not change when only the table does.

Only for the base level (the page carries the base areas' GeoJSON); another level gets no view.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers.core import levels
from helpers.disclosure import tidy
from helpers.figures import linked
from helpers.sections.correlation_values import disclosed_values, parse_specs
from helpers.stats import correlation


def view_specs(specs: Sequence[tidy.Spec], level: str) -> list[tidy.Spec]:
    """The chapter's series first, then every other group of its indicators (in the catalogue's order)."""
    chosen = {s.key for s in specs}
    ids = list(dict.fromkeys(s.id for s in specs))
    more = [s for s in parse_specs([f"{i}{tidy.SEPARATOR}{tidy.ALL_GROUPS}" for i in ids], level)
            if s.key not in chosen]
    return [*specs, *more]


def view_cells(specs: Sequence[tidy.Spec], year: int, level: str) -> tuple[list[tidy.Spec], pd.DataFrame]:
    """(the series with at least MIN_AREAS published values in `year`, their published cells of that year)."""
    values = disclosed_values(specs, level)
    values = values[values["year"].astype(int) == int(year)]
    kept = [s for s in specs if values.loc[values["key"] == s.key, "value"].notna().sum() >= correlation.MIN_AREAS]
    order = {s.key: i for i, s in enumerate(kept)}
    cells = values[values["key"].isin(order)].assign(order=lambda f: f["key"].map(order))
    return kept, cells.sort_values(["order", "area_code"]).drop(columns="order").reset_index(drop=True)


def computed_pairs(pearson: correlation.CorrelationMatrix) -> pd.DataFrame:
    """The chapter's Pearson pairs by key (key_a, key_b, r, n)."""
    long = pearson.long
    return pd.DataFrame({"key_a": long["indicator_a"], "key_b": long["indicator_b"], "r": long["r"], "n": long["n"]})


def linked_view(specs: Sequence[tidy.Spec], year: int, level: str, pearson: correlation.CorrelationMatrix,
                weighted: bool, source: str) -> tuple[str, pd.DataFrame] | None:
    """(the view's HTML, the published cells it embeds) for the chapter's `specs` in `year`; None off the base
    level or with fewer than two series."""
    if level != levels.base():
        return None
    series, cells = view_cells(view_specs(specs, level), year, level)
    if len(series) < 2:
        return None
    units = {s.key: s.indicator.unit for s in series}
    synthetic = {s.key for s in series if s.indicator.synthetic
                 or bool(cells.loc[cells["key"] == s.key, "synthetic"].astype("boolean").fillna(False).any())}
    names = {s.key: linked.series_label(s.label(with_group=True), units[s.key], s.key in synthetic) for s in series}
    base = levels.hierarchy().level(level)
    description = (f"Streudiagramm und Karte der {base.plural}, verknüpft: zwei Indikatoren wählbar, "
                   f"ein gewähltes Gebiet ist in beiden markiert ({year}).")
    spec = linked.view_spec(linked.value_rows(cells), linked.pair_rows(computed_pairs(pearson)),
                            (series[0].key, series[1].key), base.name, description)
    key = linked.view_key(level, year)
    return linked.view_html(spec, key, level, names, "gewichtet" if weighted else "ungewichtet", source), cells
