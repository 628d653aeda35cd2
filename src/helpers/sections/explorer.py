"""The correlation explorer: indicators with their groups across areas, for researchers and chapter 14.

Gathers disclosed values into one row per area (helpers.sections.correlation_values), hands
them to the pure statistics of helpers.stats.correlation and shows matrices, the table of all
pairs and scatter plots, each with the caveats (ecological fallacy, few areas, multiple
testing; worded in helpers.sections.correlation_wording). This module holds the result class,
the section and its layout; the table of pairs as a file is helpers.sections.correlation_export.

Indicators are given as "id" (group total) or "id:group", e.g. "alo_dichte:foreign" (the
unemployment density of foreigners) against "mv_anteil"; groups may be mixed in one matrix.
As soon as one indicator is not the total, every label names its group ("Arbeitslose je
100 Einwohner/-innen – Ausländer/-innen", "… – Insgesamt").

    >>> from helpers.sections import explorer
    >>> res = explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2012,
    ...                                    weighted=True)                     # doctest: +SKIP
    >>> res.pairs[["indicator_a", "group_a", "indicator_b", "group_b", "r", "n", "n_eff"]]  # doctest: +SKIP

Exports: the report build's chapter kernel writes the report's table of pairs into the report's
tables (outputs/<city>/<year>/tables/korrelationen_<level>_<year>.csv, published with the report); every
other run (papermill by hand, JupyterLab, the notebooks in notebooks/explore/) is a research run
and writes into outputs/<city>/<year>/forschung/ or a folder of its own, never into tables/, under a name
that states the selection, so that one selection never overwrites another's export:

    >>> res = explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2012, weighted=True,
    ...                                    export=True)                       # doctest: +SKIP
    >>> res.export_path.name                                                  # doctest: +SKIP
    'korrelationen_stadtteil_2012_alo_dichte-foreign+mv_anteil_gewichtet.csv'

The notebooks and older code call the values' and the export's functions through this module
too (`explorer.indicator_table`, `.to_csv`, `.research_file_name`, ...): they stay importable here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from helpers.core import levels
from helpers.disclosure import tidy
from helpers.figures import alttext, charts
from helpers.sections import correlation_linked
from helpers.sections import correlation_wording as wording
from helpers.sections.correlation_export import (
    DEFAULT_METHODS,
    EXPORT_COLUMNS,
    MAX_SELECTION_NAME,
    REPORT_TABLES,
    RESEARCH_FOLDER,
    pairs_frame,
    report_build,
    research_file_name,
    research_folder,
    to_csv,
    write_pairs,
)
from helpers.sections.correlation_values import (
    disclosed_values,
    gather,
    indicator_table,
    labels,
    latest_common_year,
    left_out,
    parse_specs,
    resolve_level,
    synthetic_ids,
)
from helpers.sections.correlation_wording import ECOLOGICAL_CAVEAT
from helpers.sections.shown import Shown
from helpers.sections.wording import combined_source
from helpers.stats import correlation
from helpers.stats.correlation import CorrelationError, CorrelationMatrix

__all__ = [
    "DEFAULT_METHODS", "ECOLOGICAL_CAVEAT", "EXPORT_COLUMNS", "MAX_SELECTION_NAME", "REPORT_TABLES",
    "RESEARCH_FOLDER", "CorrelationResult", "correlation_section", "indicator_table", "labels",
    "latest_common_year", "pairs_frame", "report_build", "research_file_name", "research_folder",
    "synthetic_ids", "to_csv",
]


class CorrelationResult(Shown):
    """What the explorer shows, as data: the values, the pairs, a matrix per method, the figures.

    `values` has one row per area (index area_code) with a column per indicator key and the
    population; `pairs` the table of all pairs (EXPORT_COLUMNS); `matrices` the statistics
    result (helpers.stats.correlation.CorrelationMatrix) per method.
    """

    notes = ("correlation",)  # the method note on the closing pages

    def __init__(self, year: int, level: str, weighted: bool) -> None:
        super().__init__("Zusammenhänge zwischen Indikatoren")
        self.year, self.level, self.weighted = year, level, weighted
        self.values = pd.DataFrame()
        self.pairs = pd.DataFrame(columns=EXPORT_COLUMNS)
        self.matrices: dict[str, CorrelationMatrix] = {}
        #: The CSV written by the export (None: nothing written).
        self.export_path: Path | None = None


def _scatter_keys(pairs: Iterable[Sequence[str]], specs: Sequence[tidy.Spec], level: str) -> list[tuple[str, str]]:
    """The keys of the requested scatter plots ("alo_dichte:total" is "alo_dichte"), checked against the selection."""
    chosen = [s.key for s in specs]
    out = []
    for pair in pairs:
        if isinstance(pair, str) or len(pair) != 2:
            raise CorrelationError(f"Streudiagramm {pair!r}: erwartet wird ein Paar [x, y] von Indikatoren.")
        a, b = (parse_specs(item, level)[0].key for item in pair)
        if a not in chosen or b not in chosen:
            raise CorrelationError(f"Streudiagramm {pair[0]!r}/{pair[1]!r}: beide Indikatoren müssen in der Auswahl "
                                   f"stehen ({', '.join(chosen)}).")
        out.append((a, b))
    return out


def correlation_section(indicators: Iterable[str | tidy.Spec] | str, year: int, level: str | None = None,
                        methods: Sequence[str] = DEFAULT_METHODS, weighted: bool = False, export: bool = False,
                        export_dir: Path | str | None = None,
                        scatter_pairs: Iterable[Sequence[str]] | None = None) -> CorrelationResult:
    """Matrix per method, table of all pairs with BH-corrected p, scatter plots, CSV export.

    Parameters
    ----------
    indicators : list of str
        "id" or "id:group" (see helpers.disclosure.tidy), e.g. ["alo_dichte:foreign", "mv_anteil"].
    year : int
        Without values of every indicator in that year the latest common earlier year is
        shown, labelled as such.
    level : str, optional
        A level of config/<city>/city.yml below the city (Münster: "stadtteil", "teilbereich",
        "stadtbezirk"); default the base level.
    methods : sequence of {"pearson", "spearman"}
    weighted : bool
        Weight areas by population (every resident counts, not every area).
    export : bool
        Write the table of pairs as CSV (EXPORT_COLUMNS, atomically). In the report build (a
        recording chapter kernel, helpers.core.context) the report's table
        outputs/<city>/<year>/tables/korrelationen_<level>_<year>.csv; in any other run a research export
        outputs/<city>/<year>/forschung/<research_file_name>, never into tables/. The result says where
        (`export_path`, and a sentence).
    export_dir : path, optional
        Research runs only (implies `export`): the folder for the research export instead of
        outputs/<city>/<year>/forschung/; refused in the report build and for a report's tables/ folder.
    scatter_pairs : list of [x, y], optional
        Scatter plots to draw; by default the first indicator against the next three (the
        strongest pairs are often trivial, e.g. all unemployed vs. those in SGB II).

    Returns
    -------
    CorrelationResult
        Renders itself in a notebook; what it shows is recorded when it is displayed.
    """
    if not methods:
        raise CorrelationError(f"Kein Verfahren angegeben; erlaubt: {', '.join(correlation.METHODS)}.")
    level = resolve_level(level)
    specs = parse_specs(indicators, level)
    keys = [s.key for s in specs]
    result_year = year
    values = disclosed_values(specs, level)
    latest = latest_common_year(specs, year, level, values)
    notes = []
    if latest is not None and latest != year:
        notes.append(wording.latest_year_note(year, latest))
        result_year = latest
    table, used = gather(specs, result_year, level, values)
    scatter = (_scatter_keys(scatter_pairs, specs, level) if scatter_pairs is not None
               else [(keys[0], b) for b in keys[1:4]])
    matrices = {method: correlation.matrix(table, keys, method, table["population"] if weighted else None)
                for method in methods}
    res = CorrelationResult(result_year, level, weighted)
    res.values = res.table("werte", table)
    res.matrices = matrices
    res.pairs = res.table("paare", pd.concat([pairs_frame(m, table) for m in matrices.values()], ignore_index=True))
    _show(res, table, used, specs, scatter, notes)
    if export or export_dir is not None:
        res.export_path, where = write_pairs(res.pairs, level=res.level, year=res.year, report_year=year, keys=keys,
                                             methods=methods, weighted=res.weighted, export_dir=export_dir)
        res.markdown(where)
    return res


def _show(res: CorrelationResult, table: pd.DataFrame, used: pd.DataFrame, specs: Sequence[tidy.Spec],
          scatter: list[tuple[str, str]], notes: list[str]) -> None:
    """Lay out the result as the chapter always showed it: notes, caveat, matrices, pairs, scatter plots."""
    keys, names = [s.key for s in specs], table.attrs["names"]
    synthetic = synthetic_ids(table)
    source = combined_source(list(dict.fromkeys(s.id for s in specs)))
    for note in notes:
        res.markdown(note)
    plural = levels.hierarchy().level(res.level).plural
    res.markdown(wording.caveat(plural, res.pairs["n"]))
    missing = left_out(table, used, keys, res.weighted)
    if note := wording.left_out_note(missing, names, res.year):
        res.markdown(note)
    if synthetic:
        res.markdown(wording.synthetic_note([names[i] for i in synthetic]))
    _show_matrices(res, keys, names, source, bool(synthetic))
    res.html(wording.pairs_table(res.pairs, names, source, bool(synthetic)),
             records=[res.record(used, "Korrelationen")])
    _show_scatter(res, table, used, scatter, synthetic)
    _show_linked(res, specs, source)


def _show_linked(res: CorrelationResult, specs: Sequence[tidy.Spec], source: str) -> None:
    """The linked scatter and map of the HTML report (helpers.sections.correlation_linked), if Pearson was
    computed and the level is the base level; its embedded cells are recorded like a table's."""
    if "pearson" not in res.matrices:
        return
    view = correlation_linked.linked_view(specs, res.year, res.level, res.matrices["pearson"], res.weighted, source)
    if view is not None:
        html, cells = view
        res.html(html, records=[res.record(cells, "Zusammenhänge (interaktiv)")])


def _show_matrices(res: CorrelationResult, keys: list[str], names: dict[str, str], source: str,
                   synthetic: bool) -> None:
    """One heatmap per method, with the coefficients of every pair in its alternative text."""
    how = "gewichtet nach Einwohnerzahl" if res.weighted else "ungewichtet"
    for method, matrix in res.matrices.items():
        square = res.table(f"matrix_{method}", matrix.square().reindex(index=keys, columns=keys))
        title = (f"Korrelationen ({correlation.METHOD_LABELS[method]}, {how}), "
                 f"{wording.n_areas_text(matrix.long['n'])} Gebiete, {res.year}")
        pairs = {(names[a], names[b]): square.loc[a, b] for i, a in enumerate(keys) for b in keys[i + 1:]}
        res.figure(f"korrelationen_{method}", charts.correlation_heatmap(
            square, [names[k] for k in keys], title, source, synthetic=synthetic),
            alt=alttext.correlation_alt(title, pairs))


def _show_scatter(res: CorrelationResult, table: pd.DataFrame, used: pd.DataFrame,
                  scatter: list[tuple[str, str]], synthetic: list[str]) -> None:
    """The scatter plots asked for, each recording the cells of its two indicators."""
    names, units = table.attrs["names"], table.attrs["units"]
    first = next(iter(res.matrices.values()))
    missing = left_out(table, used, list(dict.fromkeys(k for pair in scatter for k in pair)), res.weighted)
    for a, b in scatter:
        shown_out = {key: missing[key] for key in dict.fromkeys((a, b, "population")) if key in missing}
        # an area missing for both keys is named once, under the first
        seen: set[str] = set()
        for key, rows in shown_out.items():
            shown_out[key] = [row for row in rows if not (row[0] in seen or seen.add(row[0]))]
        n = first.pair(a, b)["n"] if a != b else int(table[a].notna().sum())
        title = textwrap.fill(f"{names[b]} nach {names[a]}, {n} Gebiete, {res.year}", 78)
        fig = charts.scatter_labelled(
            table, a, b, wording.axis_label(names[a], units[a]), wording.axis_label(names[b], units[b]), title,
            combined_source(list(dict.fromkeys(table.attrs["indicators"][k] for k in (a, b)))),
            synthetic=a in synthetic or b in synthetic, weights=table["population"] if res.weighted else None,
            note=wording.scatter_note(shown_out, names, res.year))
        shown = used[used["key"].isin([a, b])]
        r = first.pair(a, b)["r"] if a != b else None
        res.figure(f"streudiagramm_{a}_{b}", fig, alt=alttext.scatter_alt(title, r, n),
                   records=[res.record(shown, "Streudiagramm")])
