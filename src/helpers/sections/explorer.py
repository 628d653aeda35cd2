"""The correlation explorer: indicators with their groups across areas, for researchers and chapter 14.

Gathers disclosed values (helpers.disclosure.tidy) into one row per area, hands them to the
pure statistics of helpers.stats.correlation and shows matrices, the table of all pairs and
scatter plots, each with the caveats (ecological fallacy, few areas, multiple testing).

Indicators are given as "id" (group total) or "id:group", e.g. "alo_dichte:foreign" (the
unemployment density of foreigners) against "mv_anteil"; groups may be mixed in one matrix.
As soon as one indicator is not the total, every label names its group ("Arbeitslose je
100 Einwohner/-innen – Ausländer/-innen", "… – Insgesamt").

    >>> from helpers.sections import explorer
    >>> res = explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2012,
    ...                                    weighted=True)                     # doctest: +SKIP
    >>> res.pairs[["indicator_a", "group_a", "indicator_b", "group_b", "r", "n", "n_eff"]]  # doctest: +SKIP

Exports: the report build's chapter kernel writes the report's table of pairs into the report's
tables (outputs/<year>/tables/korrelationen_<level>_<year>.csv, published with the report); every
other run (papermill by hand, JupyterLab, the notebooks in notebooks/explore/) is a research run
and writes into outputs/<year>/forschung/ or a folder of its own, never into tables/, under a name
that states the selection, so that one selection never overwrites another's export:

    >>> res = explorer.correlation_section(["alo_dichte:foreign", "mv_anteil"], 2012, weighted=True,
    ...                                    export=True)                       # doctest: +SKIP
    >>> res.export_path.name                                                  # doctest: +SKIP
    'korrelationen_stadtteil_2012_alo_dichte-foreign+mv_anteil_gewichtet.csv'
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from helpers.core import areas, catalogue, concept, context, formatting, levels, paths
from helpers.core.fileio import write_text_atomic
from helpers.disclosure import tidy
from helpers.figures import alttext, charts
from helpers.indicators import compute
from helpers.sections.html_tables import table_html
from helpers.sections.shown import Shown
from helpers.sections.wording import combined_source
from helpers.stats import correlation
from helpers.stats.correlation import CorrelationError, CorrelationMatrix

#: The caveat above every result; {areas} is the plural of the level analysed ("Stadtteile"), {n} the areas.
ECOLOGICAL_CAVEAT = (
    "**Lesehilfe:** Die Zusammenhänge beziehen sich auf {areas}, nicht auf Menschen. Dass {areas} mit "
    "hohem Anteil von Menschen mit Migrationsvorgeschichte auch mehr Arbeitslose haben, heißt nicht, dass "
    "Menschen mit Migrationsvorgeschichte häufiger arbeitslos sind (ökologischer Fehlschluss). Mit {n} Gebieten "
    "sind die Schätzungen unsicher; einzelne {areas} können einen Zusammenhang tragen (Pearson und "
    "Spearman vergleichen). Eine Korrelation ist kein Beleg für eine Ursache."
)
#: Columns of the table of pairs (`CorrelationResult.pairs`) and of its CSV export, in order:
#: year and area level; each side's indicator id and group ("total" or e.g. "foreign"); method,
#: whether and by what weighted; r, p, Benjamini-Hochberg p; areas n and Kish's n_eff of the
#: pair; synthetic (True if either side contains demo data).
EXPORT_COLUMNS = ["year", "level", "indicator_a", "group_a", "indicator_b", "group_b", "method", "weighted",
                  "weighting", "r", "p", "p_bh", "n", "n_eff", "synthetic"]
#: The report's folder of tables under outputs/<year>/: only the report build writes there.
REPORT_TABLES = "tables"
#: Where a research run writes its exports by default: outputs/<year>/forschung/ (no build reads or deletes it).
RESEARCH_FOLDER = "forschung"
#: The methods a research export's name leaves out (the notebook's default).
DEFAULT_METHODS = ("pearson", "spearman")
#: Longest selection part of a research export's name; a longer one is shortened to the first
#: indicator, the number of the others and a checksum of all (paths on Windows stay short).
MAX_SELECTION_NAME = 60


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


def _level(level: str | None) -> str:
    """`level`, or the base level for None; CorrelationError naming the declared levels if unknown."""
    try:
        return levels.resolve(level)
    except levels.LevelError as exc:
        raise CorrelationError(str(exc)) from None


def _specs(indicators: Iterable[str | tidy.Spec] | str, level: str) -> list[tidy.Spec]:
    try:
        return tidy.specs(indicators, level)
    except tidy.TidyError as exc:
        raise CorrelationError(str(exc)) from None


def labels(specs: Sequence[tidy.Spec]) -> dict[str, str]:
    """German label per key; with the group as soon as one indicator is not the total."""
    with_group = any(s.group != "total" for s in specs)
    return {s.key: s.label(with_group) for s in specs}


def _values(specs: Sequence[tidy.Spec], level: str) -> pd.DataFrame:
    """Disclosed values of all years, with the key of each row's specification."""
    frame = tidy.indicators(specs, level=level, disclosed=True)
    keys = {(s.id, s.group): s.key for s in specs}
    return frame.assign(key=[keys[pair] for pair in zip(frame["indicator"], frame["group"])])


def latest_common_year(specs: Sequence[tidy.Spec], year: int, level: str | None = None,
                       values: pd.DataFrame | None = None) -> int | None:
    """Latest year up to `year` in which every indicator (in its group) has values at `level` (default: base)."""
    values = _values(specs, _level(level)) if values is None else values
    present = values[values["value"].notna()]
    common = set.intersection(*(set(present.loc[present["key"] == s.key, "year"].astype(int)) for s in specs))
    candidates = [y for y in common if y <= year]
    return max(candidates) if candidates else None


def _gather(specs: Sequence[tidy.Spec], year: int, level: str,
            values: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table with one row per area, the disclosed rows of `year` it was built from)."""
    values = _values(specs, level) if values is None else values
    table = pd.DataFrame({"area_name": pd.Series(areas.area_names(level))}).sort_index()
    table.index.name = "area_code"
    synthetic: dict[str, bool] = {}
    used = []
    for spec in specs:
        vals = values[values["key"] == spec.key]
        present = vals[vals["value"].notna()]
        if year not in set(present["year"]):
            years = sorted(int(y) for y in present["year"].unique())
            shown = ", ".join(map(str, years)) if years else "keine"
            raise CorrelationError(f"Indikator {spec.key!r} hat für {year} keine Werte (Ebene {level!r}); "
                                   f"Jahre mit Werten: {shown}.")
        this_year = vals[vals["year"] == year]
        n_areas = int(this_year["value"].notna().sum())
        if n_areas < correlation.MIN_AREAS:
            raise CorrelationError(f"Indikator {spec.key!r}: {year} nur {n_areas} Gebiet(e) mit Werten auf der "
                                   f"Ebene {level!r}; für Korrelationen sind mindestens {correlation.MIN_AREAS} nötig.")
        table[spec.key] = this_year.set_index("area_code")["value"].astype("float64").reindex(table.index)
        synthetic[spec.key] = bool(this_year["synthetic"].any() or spec.indicator.synthetic)
        used.append(this_year)
    pop = compute.counts(catalogue.Term("population"), level)
    pop = pop[pop["year"] == year].set_index("area_code")["count"].astype("float64")
    table["population"] = pop.reindex(table.index)
    table.attrs = {"year": int(year), "level": level, "keys": [s.key for s in specs], "synthetic": synthetic,
                   "names": labels(specs), "units": {s.key: s.indicator.unit for s in specs},
                   "indicators": {s.key: s.id for s in specs}, "groups": {s.key: s.group for s in specs}}
    return table, pd.concat(used, ignore_index=True)


def indicator_table(indicators: Iterable[str | tidy.Spec] | str, year: int, level: str | None = None) -> pd.DataFrame:
    """One row per area (index area_code): area_name, each indicator's disclosed value, population.

    Columns are named by the indicators' keys ("alo_dichte:foreign", "mv_anteil"). `attrs`
    records year, level and, per key, `synthetic`, `names` (labels), `units`, `indicators`
    and `groups`, so a caller can mark demo data and label axes without a second lookup.
    Population is the stored count (it weights areas; it is not shown).
    """
    level = _level(level)
    return _gather(_specs(indicators, level), year, level)[0]


def synthetic_ids(table: pd.DataFrame) -> list[str]:
    """Keys of `indicator_table` output that contain demo data (to be marked)."""
    return [i for i, syn in table.attrs.get("synthetic", {}).items() if syn]


def pairs_frame(result: CorrelationMatrix, table: pd.DataFrame) -> pd.DataFrame:
    """The statistics' pairs with year, level, each side's indicator and group, and the demo-data mark."""
    long = result.long
    ids, groups, synthetic = table.attrs["indicators"], table.attrs["groups"], table.attrs["synthetic"]
    return pd.DataFrame({
        "year": table.attrs["year"], "level": table.attrs["level"],
        "indicator_a": long["indicator_a"].map(ids), "group_a": long["indicator_a"].map(groups),
        "indicator_b": long["indicator_b"].map(ids), "group_b": long["indicator_b"].map(groups),
        **{c: long[c] for c in ["method", "weighted", "weighting", "r", "p", "p_bh", "n", "n_eff"]},
        "synthetic": [bool(synthetic[a] or synthetic[b]) for a, b in zip(long["indicator_a"], long["indicator_b"])],
    })[EXPORT_COLUMNS]


def to_csv(pairs: pd.DataFrame, path: Path | str) -> Path:
    """Write the table of pairs for machines (EXPORT_COLUMNS): UTF-8, dot decimal, atomically."""
    missing = [c for c in EXPORT_COLUMNS if c not in pairs.columns]
    if missing:
        raise CorrelationError(f"Keine Tabelle der Paare: Spalte(n) {', '.join(missing)} fehlen.")
    path = Path(path)
    write_text_atomic(path, pairs[EXPORT_COLUMNS].to_csv(index=False, float_format="%.10g", lineterminator="\n"))
    return path


def report_build() -> bool:
    """Whether this process is a chapter kernel of the report build (it records what it shows)."""
    return context.current().recording


def research_folder(year: int) -> Path:
    """Where a research run of `year` writes its exports by default: outputs/<year>/forschung/."""
    return paths.year_outputs(year) / RESEARCH_FOLDER


def research_file_name(keys: Sequence[str], level: str, year: int, methods: Sequence[str] = DEFAULT_METHODS,
                       weighted: bool = False) -> str:
    """The name of a research export: the selection in words, so one selection never replaces another's.

    korrelationen_<level>_<year>_<keys joined by +>[_<methods>][_gewichtet].csv, ":" of a group as "-";
    the methods only when they are not both. A selection part longer than MAX_SELECTION_NAME becomes
    "<first key>+<n>-weitere-<checksum of all keys>".

    >>> research_file_name(["alo_dichte:foreign", "mv_anteil"], "stadtteil", 2012, weighted=True)
    'korrelationen_stadtteil_2012_alo_dichte-foreign+mv_anteil_gewichtet.csv'
    """
    safe = [re.sub(r"[^0-9A-Za-z_-]", "-", key) for key in keys]
    selection = "+".join(safe)
    if len(selection) > MAX_SELECTION_NAME:
        digest = hashlib.sha256("+".join(keys).encode("utf-8")).hexdigest()[:8]
        selection = f"{safe[0]}+{len(safe) - 1}-weitere-{digest}"
    parts = ["korrelationen", level, str(year), selection]
    if set(methods) != set(DEFAULT_METHODS):
        parts.append("-".join(sorted(set(methods))))
    if weighted:
        parts.append("gewichtet")
    return "_".join(parts) + ".csv"


def _research_target(folder: Path | str, name: str) -> Path:
    """The research export's path; CorrelationError if `folder` is (in) a report's tables/ folder."""
    folder = Path(folder).expanduser().resolve()
    for base in {Path(paths.OUTPUTS).resolve(), (context.REPOSITORY / "outputs").resolve()}:
        if folder.is_relative_to(base) and REPORT_TABLES in folder.relative_to(base).parts:
            raise CorrelationError(f"Der Exportordner {folder} gehört zu den Tabellen eines Berichts; dorthin "
                                   f"schreibt nur der Bericht selbst. Bitte einen anderen Ordner angeben oder "
                                   f"keinen (dann {RESEARCH_FOLDER}/ neben tables/).")
    return folder / name


def _export(res: CorrelationResult, year: int, keys: Sequence[str], methods: Sequence[str],
            export_dir: Path | str | None) -> None:
    """Write the table of pairs: the report's in a report build, a research export otherwise; say where."""
    if report_build():
        if export_dir is not None:
            raise CorrelationError("Ein eigener Exportordner (export_ordner) gilt nur für Forschungsläufe; im "
                                   "Bericht steht die Tabelle der Paare immer im Tabellenordner des Berichts.")
        folder = paths.year_outputs(year) / REPORT_TABLES
        res.export_path = to_csv(res.pairs, folder / f"korrelationen_{res.level}_{res.year}.csv")
        res.markdown(f"Die vollständige Tabelle steht als CSV unter `{res.export_path.name}` im Ausgabeordner "
                     f"`{folder.name}/`.")
        return
    name = research_file_name(keys, res.level, res.year, methods, res.weighted)
    target = _research_target(research_folder(year) if export_dir is None else export_dir, name)
    again = target.is_file()
    res.export_path = to_csv(res.pairs, target)
    res.markdown(f"**Forschungsausgabe** (nicht Teil des Berichts): Die Tabelle aller Paare steht als CSV unter "
                 f"`{target}`" + (" (ersetzt die frühere Ausgabe derselben Auswahl)." if again else "."))


def _scatter_keys(pairs: Iterable[Sequence[str]], specs: Sequence[tidy.Spec], level: str) -> list[tuple[str, str]]:
    """The keys of the requested scatter plots ("alo_dichte:total" is "alo_dichte"), checked against the selection."""
    chosen = [s.key for s in specs]
    out = []
    for pair in pairs:
        if isinstance(pair, str) or len(pair) != 2:
            raise CorrelationError(f"Streudiagramm {pair!r}: erwartet wird ein Paar [x, y] von Indikatoren.")
        a, b = (_specs(item, level)[0].key for item in pair)
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
        A level of config/city.yml below the city (Münster: "stadtteil", "teilbereich",
        "stadtbezirk"); default the base level.
    methods : sequence of {"pearson", "spearman"}
    weighted : bool
        Weight areas by population (every resident counts, not every area).
    export : bool
        Write the table of pairs as CSV (EXPORT_COLUMNS, atomically). In the report build (a
        recording chapter kernel, helpers.core.context) the report's table
        outputs/<year>/tables/korrelationen_<level>_<year>.csv; in any other run a research export
        outputs/<year>/forschung/<research_file_name>, never into tables/. The result says where
        (`export_path`, and a sentence).
    export_dir : path, optional
        Research runs only (implies `export`): the folder for the research export instead of
        outputs/<year>/forschung/; refused in the report build and for a report's tables/ folder.
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
    level = _level(level)
    specs = _specs(indicators, level)
    keys = [s.key for s in specs]
    result_year = year
    values = _values(specs, level)
    latest = latest_common_year(specs, year, level, values)
    notes = []
    if latest is not None and latest != year:
        notes.append(f"*Für {year} liegen nicht für alle gewählten Indikatoren Werte vor; gezeigt wird das "
                     f"letzte gemeinsame Jahr {latest}.*")
        result_year = latest
    table, used = _gather(specs, result_year, level, values)
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
        _export(res, year, keys, methods, export_dir)
    return res


def _show(res: CorrelationResult, table: pd.DataFrame, used: pd.DataFrame, specs: Sequence[tidy.Spec],
          scatter: list[tuple[str, str]], notes: list[str]) -> None:
    """Lay out the result as the chapter always showed it: notes, caveat, matrices, pairs, scatter plots."""
    keys, names, year = [s.key for s in specs], table.attrs["names"], res.year
    synthetic = synthetic_ids(table)
    source = combined_source(list(dict.fromkeys(s.id for s in specs)))
    for note in notes:
        res.markdown(note)
    plural = levels.hierarchy().level(res.level).plural
    res.markdown(concept.say(ECOLOGICAL_CAVEAT.format(areas=plural, n=_n_areas(res.pairs["n"]))))
    if synthetic:
        res.markdown(f"**{charts.SYNTHETIC_MARK}:** " + ", ".join(names[i] for i in synthetic)
                     + f" beruhen auf synthetischen Demodaten; ihre Zusammenhänge sagen nichts über {areas.city().short}.")
    how = "gewichtet nach Einwohnerzahl" if res.weighted else "ungewichtet"
    for method, matrix in res.matrices.items():
        square = res.table(f"matrix_{method}", matrix.square().reindex(index=keys, columns=keys))
        title = f"Korrelationen ({correlation.METHOD_LABELS[method]}, {how}), {_n_areas(matrix.long['n'])} Gebiete, {year}"
        pairs = {(names[a], names[b]): square.loc[a, b] for i, a in enumerate(keys) for b in keys[i + 1:]}
        res.figure(f"korrelationen_{method}", charts.correlation_heatmap(
            square, [names[k] for k in keys], title, source, synthetic=bool(synthetic)),
            alt=alttext.correlation_alt(title, pairs))
    res.html(_pairs_table(res.pairs, names, source, bool(synthetic)),
             records=[res.record(used, "Korrelationen")])
    units = table.attrs["units"]
    for a, b in scatter:
        n = next(iter(res.matrices.values())).pair(a, b)["n"] if a != b else int(table[a].notna().sum())
        title = textwrap.fill(f"{names[b]} nach {names[a]}, {n} Gebiete, {year}", 78)
        fig = charts.scatter_labelled(
            table, a, b, _axis_label(names[a], units[a]), _axis_label(names[b], units[b]), title,
            combined_source(list(dict.fromkeys(table.attrs["indicators"][k] for k in (a, b)))),
            synthetic=a in synthetic or b in synthetic, weights=table["population"] if res.weighted else None)
        shown = used[used["key"].isin([a, b])]
        r = next(iter(res.matrices.values())).pair(a, b)["r"] if a != b else None
        res.figure(f"streudiagramm_{a}_{b}", fig, alt=alttext.scatter_alt(title, r, n),
                   records=[res.record(shown, "Streudiagramm")])


def _n_areas(n: pd.Series) -> str:
    """Areas behind the pairs: "45", or "41–45" when pairwise deletion leaves some pairs fewer."""
    low, high = int(n.min()), int(n.max())
    return str(high) if low == high else f"{low}–{high}"


def _axis_label(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def _key(indicator: str, group: str) -> str:
    return indicator if group == "total" else f"{indicator}{tidy.SEPARATOR}{group}"


def _pairs_table(pairs: pd.DataFrame, names: dict[str, str], source: str, synthetic: bool) -> str:
    shown = pd.DataFrame({
        "Indikator A": [names[_key(i, g)] for i, g in zip(pairs["indicator_a"], pairs["group_a"])],
        "Indikator B": [names[_key(i, g)] for i, g in zip(pairs["indicator_b"], pairs["group_b"])],
        "Verfahren": pairs["method"].map(correlation.METHOD_LABELS),
        "r": [formatting.number(v, 2) for v in pairs["r"]],
        "p": [_p(v) for v in pairs["p"]],
        "p (BH-korrigiert)": [_p(v) for v in pairs["p_bh"]],
        "n": pairs["n"].astype(str),
    })
    if pairs["weighted"].any():  # weighted: the effective number of areas behind each p (Kish)
        shown["n effektiv (Kish)"] = [formatting.number(v, 1) for v in pairs["n_eff"]]
    return table_html(shown, "Alle Paare: Korrelationskoeffizient, p-Wert und nach Benjamini-Hochberg für "
                             "multiples Testen korrigierter p-Wert", source, synthetic=synthetic)


def _p(value: float) -> str:
    if pd.isna(value):
        return "."
    return "< 0,001" if value < 0.001 else formatting.number(value, 3)
