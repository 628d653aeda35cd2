"""The correlation explorer: indicators across areas, for researchers and the report's chapter 14.

Calls helpers.stats.correlation on disclosed values and shows matrices, the table of all pairs
and scatter plots, each with the caveats (ecological fallacy, few areas, multiple testing).
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, Markdown, display

from helpers.core import areas, formatting
from helpers.figures import charts
from helpers.sections.blocks import combined_source, latest_common_year, table_html

ECOLOGICAL_CAVEAT = (
    "**Lesehilfe:** Die Zusammenhänge beziehen sich auf Stadtteile, nicht auf Menschen. Dass Stadtteile mit "
    "hohem Anteil von Menschen mit Migrationsvorgeschichte auch mehr Arbeitslose haben, heißt nicht, dass "
    "Menschen mit Migrationsvorgeschichte häufiger arbeitslos sind (ökologischer Fehlschluss). Mit {n} Gebieten "
    "sind die Schätzungen unsicher; einzelne Stadtteile können einen Zusammenhang tragen (Pearson und "
    "Spearman vergleichen). Eine Korrelation ist kein Beleg für eine Ursache."
)


def correlation_section(indicator_ids: list[str], year: int, level: str = "stadtteil", methods=("pearson", "spearman"),
                        weighted: bool = False, export_dir=None,
                        scatter_pairs: list[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Matrix per method, table of all pairs with BH-corrected p, scatter plots, CSV export.

    Scatter plots: the given (x, y) pairs, by default the first indicator against the next
    three (the strongest pairs are often trivial, e.g. all unemployed vs. those in SGB II).
    """
    import textwrap

    from helpers.stats import correlation

    latest = latest_common_year(indicator_ids, year, level)
    if latest is not None and latest != year:
        display(Markdown(f"*Für {year} liegen nicht für alle gewählten Indikatoren Werte vor; gezeigt wird das "
                         f"letzte gemeinsame Jahr {latest}.*"))
        year = latest
    table = correlation.indicator_table(indicator_ids, year, level)
    names = table.attrs["names"]
    synthetic_ids = correlation.synthetic_ids(table)
    weights = table["population"] if weighted else None
    source = combined_source(indicator_ids)
    display(Markdown(ECOLOGICAL_CAVEAT.format(n=len(table))))
    if synthetic_ids:
        display(Markdown(f"**{charts.SYNTHETIC_MARK}:** " + ", ".join(names[i] for i in synthetic_ids)
                         + f" beruhen auf synthetischen Demodaten; ihre Zusammenhänge sagen nichts über {areas.city().short}."))
    results = [correlation.matrix(table, indicator_ids, method, weights) for method in methods]
    long = pd.concat(results, ignore_index=True)
    how = "gewichtet nach Einwohnerzahl" if weighted else "ungewichtet"
    for method, res in zip(methods, results):
        square = correlation.square(res).reindex(index=indicator_ids, columns=indicator_ids)
        charts.show(charts.correlation_heatmap(
            square, [names[i] for i in indicator_ids],
            f"Korrelationen ({correlation.METHOD_LABELS[method]}, {how}), {len(table)} Gebiete, {year}",
            source, synthetic=bool(synthetic_ids)))
    display(HTML(_pairs_table(long, names, source, bool(synthetic_ids))))
    pairs = scatter_pairs if scatter_pairs is not None else [(indicator_ids[0], b) for b in indicator_ids[1:4]]
    for a, b in pairs:
        if a not in names or b not in names:
            raise ValueError(f"Streudiagramm {a!r}/{b!r}: beide Indikatoren müssen in der Auswahl stehen "
                             f"({', '.join(indicator_ids)}).")
        title = textwrap.fill(f"{names[b]} nach {names[a]}, {len(table)} Gebiete, {year}", 78)
        units = table.attrs.get("units", {})
        label = lambda i: f"{names[i]} ({units[i]})" if units.get(i) else names[i]  # noqa: E731, B023 - used at once
        charts.show(charts.scatter_labelled(
            table, a, b, label(a), label(b), title, combined_source([a, b]),
            synthetic=a in synthetic_ids or b in synthetic_ids, weights=weights))
    if export_dir is not None:
        from pathlib import Path

        target = correlation.to_csv(long, Path(export_dir) / f"korrelationen_{level}_{year}.csv")
        display(Markdown(f"Die vollständige Tabelle steht als CSV unter `{target.name}` im Ausgabeordner "
                         f"`{Path(export_dir).name}/`."))
    return long


def _pairs_table(long: pd.DataFrame, names: dict[str, str], source: str, synthetic: bool) -> str:
    from helpers.stats import correlation

    shown = pd.DataFrame({
        "Indikator A": long["indicator_a"].map(names), "Indikator B": long["indicator_b"].map(names),
        "Verfahren": long["method"].map(correlation.METHOD_LABELS),
        "r": [formatting.number(v, 2) for v in long["r"]],
        "p": [_p(v) for v in long["p"]],
        "p (BH-korrigiert)": [_p(v) for v in long["p_bh"]],
        "n": long["n"].astype(str),
    })
    return table_html(shown, "Alle Paare: Korrelationskoeffizient, p-Wert und nach Benjamini-Hochberg für "
                             "multiples Testen korrigierter p-Wert", source, synthetic=synthetic)


def _p(value: float) -> str:
    if pd.isna(value):
        return "."
    return "< 0,001" if value < 0.001 else formatting.number(value, 3)
