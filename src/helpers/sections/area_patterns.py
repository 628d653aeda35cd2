"""Report sections for the cross-cutting spatial analyses of the Stadtteilentwicklung chapter.

Segregation indices, spatial autocorrelation (Moran's I, LISA) and the social-space index,
each with the caveats a reader needs. The statistics (helpers.stats `segregation`, `spatial`,
`socialspace`) take frames and return result objects; this module fetches what they need
(stored counts, disclosed values, boundaries, area names), passes it in and arranges the
results as German text, tables, figures and maps.

Every section returns a result object built on `Shown`: it renders in a notebook as the
section always did and holds its tables, figures, sentences and the statistics' result
objects (e.g. `SpatialSection.moran[("mv_anteil", 2014)]`). The disclosed values a section
analyses are recorded when it is displayed, not when it is computed.

    >>> result = spatial_section(["mv_anteil", "alo_dichte"], 2014)      # doctest: +SKIP
    >>> result.moran[("mv_anteil", 2014)].p_sim                          # doctest: +SKIP
    >>> result.tables["moran"].head()                                    # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from functools import lru_cache

import pandas as pd
from libpysal.weights import W

from helpers.core import areas, catalogue, concept, formatting, levels, observations
from helpers.core import city as city_profile
from helpers.disclosure import disclosed
from helpers.figures import alttext, charts, maps
from helpers.indicators import compute
from helpers.sections.html_tables import table_html
from helpers.sections.lookback import window
from helpers.sections.selection import latest_common_year
from helpers.sections.shown import Record, Shown
from helpers.sections.wording import combined_source
from helpers.stats import segregation, socialspace, spatial

#: Group pairs compared by the segregation indices; labels in Münster's concept, see `pairs`.
PAIRS = (("migration", "no_migration", "Menschen mit und ohne Migrationsvorgeschichte"),
         ("foreign", "german", "Ausländer/-innen und Deutsche"))
LISA_COLOURS = {"hoch-hoch": "#b2182b", "niedrig-niedrig": "#2166ac", "hoch-niedrig": "#f4a582",
                "niedrig-hoch": "#92c5de", spatial.NOT_SIGNIFICANT: "#f7f7f7", spatial.NO_NEIGHBOURS: "#bdbdbd"}
DEFAULT_MORAN_INDICATORS = ("mv_anteil", "auslaender_anteil", "alo_dichte", "alo_sgb2_dichte")
#: What the register calls the cells an analysis is computed from.
ANALYSIS = "Analyse"
#: Endings of feminine German nouns: a level named so is negated with "keine" (Bezirksregion, Stadtzelle).
FEMININE_ENDINGS = ("ion", "ung", "heit", "keit", "schaft", "tät", "ei", "ik", "e")


def population_source(years: Iterable[int]) -> str:
    """Source line of the analyses computed from the base-level population counts of these years."""
    cited = observations.cited_sources("population", ["total", "migration", "foreign"], years)
    return f"{city_profile.citation(cited) or city_profile.statistics_name()}; eigene Berechnung"


def _num(value: float, decimals: int = 3) -> str:
    return formatting.number(value, decimals)


def _n_areas(level: str | None = None) -> int:
    """How many areas a level has (default the base: 45 Stadtteile in Münster; any number elsewhere)."""
    return len(areas.area_names(levels.resolve(level)))


def pairs() -> tuple[tuple[str, str, str], ...]:
    """`PAIRS` with their labels in the city's concept (Migrationshintergrund in Berlin)."""
    return tuple((a, b, concept.say(label)) for a, b, label in PAIRS)


def _population_breaks() -> str:
    """The series breaks the catalogue names for the share with a migration history (e.g. Münster's
    2011 change to the population register), as one sentence each; "" if it names none."""
    cat = catalogue.load()
    breaks = dict.fromkeys(b for ind in cat.indicators if ind.counted and ind.numerator.measure == "population"
                           and ind.numerator.origin == "migration" for b in ind.breaks)
    return "".join(f" Bruch in der Reihe: {b.rstrip('.')}." for b in breaks)


def _base() -> levels.Level:
    """The smallest level with indicators: every analysis of this module runs on it."""
    return levels.hierarchy().base


def _none_of(level: levels.Level) -> str:
    """The negated singular at the start of a sentence: "Kein Stadtteil", "Keine Bezirksregion".

    Masculine and neuter share "kein"; the feminine is told by the name's ending (a heuristic)."""
    feminine = level.name.split()[-1].lower().endswith(FEMININE_ENDINGS)
    return f"{'Keine' if feminine else 'Kein'} {level.name}"


# --- Data for the statistics -----------------------------------------------------------------

def population_counts(origins: list[str], level: str | None = None) -> pd.DataFrame:
    """Stored (complete) population counts of origin groups (default: base level), long: year, area_code, origin, count, …"""
    level = levels.resolve(level)
    frames = [compute.counts(catalogue.Term("population", origin=o), level).assign(origin=o) for o in origins]
    return pd.concat(frames, ignore_index=True)


def segregation_indices(group: str, reference: str, level: str | None = None,
                        years: range | None = None) -> segregation.SegregationResult:
    """`segregation.indices_by_year` on the stored population counts of all areas of `level` (default: base)."""
    level = levels.base() if level is None else level
    segregation.check_request(group, reference, level)
    counts = population_counts(["total", group, reference], level)
    return segregation.indices_by_year(counts, group, reference, level, years, sorted(areas.area_names(level)))


@lru_cache(maxsize=8)
def _level_neighbours(level: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Queen neighbours of one level, computed once per process (immutable for the cache)."""
    layers = levels.hierarchy().with_boundaries
    if level not in layers:
        raise spatial.SpatialError(f"Keine Grenzen für die Ebene {level!r}; verfügbar: {', '.join(layers)}.")
    return tuple(spatial.queen_neighbours(areas.boundaries(level), "code").items())


def level_neighbours(level: str | None = None) -> dict[str, tuple[str, ...]]:
    """Queen neighbours (shared boundary point) of every area of a level (default: base), from the stored boundaries."""
    return dict(_level_neighbours(levels.base() if level is None else level))


def level_weights(level: str | None = None, codes: list[str] | None = None) -> W:
    """Fresh row-standardised Queen weights (libpysal W) of a level, optionally of some of its areas."""
    return spatial.weights(level_neighbours(level), codes)


def published_values(ind: catalogue.Indicator, year: int, level: str | None = None) -> pd.DataFrame:
    """Disclosed values (group total) of one indicator and year at a level: the cells an analysis shows."""
    vals = disclosed.values(ind, level)
    return vals[(vals["year"] == year) & (vals["group"] == "total")]


def _by_area(vals: pd.DataFrame) -> pd.Series:
    return vals.set_index("area_code")["value"].astype("Float64")


def moran(indicator_id: str, year: int, level: str | None = None, **kwargs) -> spatial.MoranResult:
    """Moran's I of one indicator's disclosed values (Queen weights of `level`, default: base); kwargs go to `spatial.moran`."""
    level = levels.resolve(level)
    vals = published_values(catalogue.load().indicator(indicator_id), year, level)
    return spatial.moran(_by_area(vals), level_neighbours(level), weights_kind="queen", **kwargs)


# --- Segregation -----------------------------------------------------------------------------

class SegregationSection(Shown):
    """Segregation indices over the look back, as shown in the report.

    Attributes
    ----------
    report_year : int
    results : dict
        `segregation.SegregationResult` per group pair label (base level, all years).
    coarse : SegregationResult or None
        Migration history at the hierarchy's outline level (Münster: Stadtbezirke), for the caveat
        on the area division; None if the city has no such level.
    tables : dict
        ``"indizes"``: the shown indices (numbers), one row per pair and year.
    """

    notes = ("segregation",)  # the method note on the closing pages

    def __init__(self, report_year: int) -> None:
        super().__init__("Segregation")
        self.report_year = report_year
        self.results: dict[str, segregation.SegregationResult] = {}
        self.coarse: segregation.SegregationResult | None = None


def segregation_table(report_year: int, level: str | None = None,
                      results: dict[str, segregation.SegregationResult] | None = None) -> pd.DataFrame:
    """Both group pairs, every year of the look back with complete counts."""
    lo, hi = window(report_year)
    if results is None:
        results = {label: segregation_indices(a, b, level) for a, b, label in pairs()}
    frames = [result.table.assign(label=label) for label, result in results.items()]
    table = pd.concat(frames, ignore_index=True)
    return table[table["year"].between(lo, hi)].sort_values(["label", "year"], ignore_index=True)


def segregation_section(report_year: int) -> SegregationSection:
    """Dissimilarity and isolation over the look back, with what the indices cannot say."""
    out = SegregationSection(report_year)
    base = _base()
    out.results = {label: segregation_indices(a, b, base.code) for a, b, label in pairs()}
    table = out.table("indizes", segregation_table(report_year, results=out.results))
    if table.empty:
        out.notes = ()  # no index shown: the report need not explain it
        return out.markdown(f"*Für den Rückblick liegen keine vollständigen Zahlen der {base.plural} zur Segregation vor.*")
    out.markdown(
        f"### Segregation: Wie ungleich verteilen sich die Gruppen über die {base.plural}?\n\n"
        "Der **Dissimilaritätsindex D** (Duncan) gibt an, welcher Anteil einer Gruppe das Gebiet wechseln "
        "müsste, damit sie überall so verteilt wäre wie die Vergleichsgruppe (0 = gleiche Verteilung, "
        "1 = vollständige Trennung). Der **Isolationsindex** ist der Anteil der eigenen Gruppe im Gebiet "
        "des durchschnittlichen Gruppenmitglieds; weil er mit dem Anteil der Gruppe an der Stadt steigt, "
        "steht daneben der **bereinigte Isolationsindex** (η², 0 = jedes Gebiet hat den städtischen Anteil)."
    )
    latest = table[table["year"] == table["year"].max()]
    out.markdown(" ".join(out.sentence(_segregation_sentence(table, row, base)) for _, row in latest.iterrows()))
    title = f"Dissimilaritätsindex D, {base.plural} {int(table['year'].min())}–{int(table['year'].max())}"
    lines = {str(label): dict(zip(part["year"].astype(int), part["dissimilarity"]))
             for label, part in table.groupby("label", sort=False)}
    out.figure("dissimilaritaet", charts.lines(
        table.assign(series=table["label"]), "year", "dissimilarity", "series", title,
        population_source(table["year"]), decimals=2, y_label="D (0 = gleiche Verteilung, 1 = vollständige Trennung)",
    ), alt=alttext.series_alt(title, lines, "", decimals=2) + " Alle Werte in der Tabelle darunter.")
    out.html(table_html(_segregation_shown(table), f"Segregationsindizes auf Ebene der {_n_areas()} {base.plural}",
                        population_source(table["year"])))
    outline = levels.hierarchy().outline
    if outline is not None:
        out.coarse = segregation_indices("migration", "no_migration", outline.code)
    return out.markdown(_segregation_caveats(out.coarse, latest))


def _segregation_sentence(table: pd.DataFrame, row: pd.Series, base: levels.Level) -> str:
    """One pair's indices in the latest year, against the first year of the look back."""
    first = table[(table["label"] == row["label"])].iloc[0]
    return (f"{row['label']}: {int(row['year'])} D = {_num(row['dissimilarity'])} "
            f"({int(first['year'])}: {_num(first['dissimilarity'])}), Isolationsindex {_num(row['isolation'])} "
            f"bei einem Anteil an der Bevölkerung der {base.plural} von "
            f"{formatting.with_unit(row['share'] * 100, '%')}, bereinigt {_num(row['isolation_corrected'])}.")


def _segregation_shown(table: pd.DataFrame) -> pd.DataFrame:
    """The indices as the report's table shows them (German headers, formatted numbers)."""
    return pd.DataFrame({
        "Gruppen": table["label"], "Jahr": table["year"].astype(str),
        "Anteil der Gruppe": [formatting.with_unit(v * 100, "%") for v in table["share"]],
        "Dissimilarität D": [_num(v) for v in table["dissimilarity"]],
        "Isolation": [_num(v) for v in table["isolation"]],
        "Isolation bereinigt (η²)": [_num(v) for v in table["isolation_corrected"]],
        "Kontakt (Exposure)": [_num(v) for v in table["exposure"]],
    })


def _level_comparison(coarse: segregation.SegregationResult | None, latest: pd.DataFrame) -> str:
    """D at the base level against D at the outline level in the latest year ("" without both)."""
    outline = levels.hierarchy().outline
    if coarse is None or outline is None:
        return ""
    year = int(latest["year"].max())
    coarse_d = coarse.table.loc[coarse.table["year"] == year, "dissimilarity"]
    fine_d = latest.loc[latest["label"] == pairs()[0][2], "dissimilarity"]
    if not (len(coarse_d) and len(fine_d)):
        return ""
    return (f" Für {year} ergibt sich für {pairs()[0][2]} auf Ebene der "
            f"{_n_areas()} {_base().plural} D = {_num(fine_d.iloc[0])}, auf Ebene der {_n_areas(outline.code)} "
            f"{outline.plural} nur D = {_num(coarse_d.iloc[0])}.")


def _segregation_caveats(coarse: segregation.SegregationResult | None, latest: pd.DataFrame) -> str:
    base = _base()
    return (
        "**Was die Indizes nicht sagen können.** Sie hängen von der Gebietseinteilung ab: andere Grenzen oder "
        f"eine andere Ebene ergeben andere Werte.{_level_comparison(coarse, latest)} Sie messen nur Unterschiede "
        f"*zwischen* den {base.dative}; Mischung oder Trennung innerhalb eines Gebiets (Straßen, Häuser) bleibt "
        f"unsichtbar. Sie berücksichtigen nicht, wo die {base.plural} liegen (ob {base.plural} mit hohen Anteilen "
        "nebeneinander liegen, zeigt der folgende Abschnitt). Bei kleinen Gruppen und kleinen Gebieten ist D schon bei "
        "zufälliger Verteilung größer als 0; verglichen werden deshalb Jahre, nicht Werte mit festen "
        f"Schwellen.{_population_breaks()} "
        f"Personen, die keinem Gebiet zugeordnet sind, gehen nicht ein; der Anteil kann daher leicht vom "
        "gesamtstädtischen abweichen."
    )


# --- Spatial autocorrelation ------------------------------------------------------------------

class SpatialSection(Shown):
    """Moran's I per indicator and year of the look back, then the LISA map of the latest year.

    Attributes
    ----------
    indicator_ids : list of str
    report_year : int
    moran : dict
        `spatial.MoranResult` per (indicator id, year).
    lisa : LisaSection or None
        The LISA cluster map section (also shown inside this one).
    tables : dict
        ``"moran"``: one row per indicator and year (indicator, name, synthetic, year, moran_i,
        p_sim, n, result).
    """

    notes = ("spatial",)  # the method note on the closing pages

    def __init__(self, indicator_ids: list[str], report_year: int) -> None:
        super().__init__("Räumliche Muster")
        self.indicator_ids = list(indicator_ids)
        self.report_year = report_year
        self.moran: dict[tuple[str, int], spatial.MoranResult] = {}
        self.lisa: LisaSection | None = None


def _moran_rows(indicator_ids: list[str], report_year: int) -> tuple[pd.DataFrame, list[Record]]:
    """Moran's I per indicator and year of the look back, and the records of the values analysed."""
    cat = catalogue.load()
    lo, hi = window(report_year)
    rows, records = [], []
    for ind_id in indicator_ids:
        ind = cat.indicator(ind_id)
        years = disclosed.values(ind).dropna(subset=["value"])["year"].unique()
        for year in sorted(y for y in years if lo <= y <= hi):
            vals = published_values(ind, int(year))
            records.append(Record(vals, ANALYSIS))
            result = spatial.moran(_by_area(vals), level_neighbours(), weights_kind="queen")
            rows.append(dict(indicator=ind_id, name=ind.name, synthetic=ind.synthetic, year=int(year),
                             moran_i=result.moran_i, p_sim=result.p_sim, n=result.n, result=result))
    return pd.DataFrame(rows), records


def moran_table(indicator_ids: list[str], report_year: int) -> pd.DataFrame:
    """Moran's I and its permutation p-value per indicator and year of the look back."""
    return _moran_rows(indicator_ids, report_year)[0]


def spatial_section(indicator_ids: list[str], report_year: int, lisa_indicator: str | None = None) -> SpatialSection:
    """Global Moran's I over the look back and a LISA cluster map for the report year."""
    out = SpatialSection(indicator_ids, report_year)
    table, records = _moran_rows(indicator_ids, report_year)
    out.table("moran", table)
    out.moran = {(r.indicator, r.year): r.result for r in table.itertuples()}
    base = _base()
    out.markdown(
        f"### Räumliche Muster: Liegen ähnliche {base.plural} nebeneinander?\n\n"
        f"**Moran's I** misst, ob benachbarte {base.plural} (gemeinsame Grenze oder Ecke) ähnlichere Werte haben "
        "als bei zufälliger Verteilung: positive Werte bedeuten räumliche Häufung, Werte um "
        f"{_num(-1 / (_n_areas() - 1), 3)} (= −1/(n−1)) keine Struktur. Der p-Wert stammt aus 999 zufälligen Vertauschungen "
        "der Werte (Permutationstest, fester Startwert, daher reproduzierbar)."
    )
    if table.empty:
        return out.markdown(f"*Keine Werte der {base.plural} im Rückblick.*")
    wide = table.assign(cell=[f"{_num(i, 2)} ({_num(p, 3)})" for i, p in zip(table["moran_i"], table["p_sim"])])
    order = [catalogue.load().indicator(i).name for i in indicator_ids if i in set(table["indicator"])]
    wide = wide.pivot(index="year", columns="name", values="cell")[order].fillna(".")
    wide = wide.reset_index().rename(columns={"year": "Jahr"})
    wide["Jahr"] = wide["Jahr"].astype(str)
    out.html(table_html(wide, f"Moran's I (Queen-Nachbarschaft, {_n_areas()} {base.plural}), in Klammern der Pseudo-p-Wert",
                        population_source(table["year"]), synthetic=bool(table["synthetic"].any())), records=records)
    year = int(table["year"].max())
    for _, row in table[table["year"] == year].iterrows():
        out.markdown(f"*{row['name']}, {year}:* {out.sentence(row['result'].describe())}")
    out.lisa = lisa_section(lisa_indicator or indicator_ids[0], year)
    return out.add(out.lisa)


class LisaSection(Shown):
    """The LISA cluster map of one indicator and year, with the multiple-testing caveat.

    Attributes
    ----------
    indicator_id : str
    year : int
    values : Series
        The disclosed values analysed, by area code.
    lisa, lisa_fdr : spatial.LisaResult
        Clusters at p ≤ 0,05 without and with the false discovery rate correction.
    """

    notes = ("spatial",)  # the method note on the closing pages

    def __init__(self, indicator_id: str, year: int) -> None:
        super().__init__("LISA")
        self.indicator_id = indicator_id
        self.year = year
        self.values: pd.Series | None = None
        self.lisa: spatial.LisaResult | None = None
        self.lisa_fdr: spatial.LisaResult | None = None


def lisa_section(indicator_id: str, year: int) -> LisaSection:
    """LISA cluster map of one indicator's disclosed base-level values, with the multiple-testing caveat."""
    out = LisaSection(indicator_id, year)
    ind = catalogue.load().indicator(indicator_id)
    vals = published_values(ind, year)
    out.values = values = _by_area(vals)
    neighbours = level_neighbours()
    out.lisa = spatial.lisa(values, neighbours, weights_kind="queen")
    out.lisa_fdr = spatial.lisa(values, neighbours, fdr=True, weights_kind="queen")
    out.table("lisa", out.lisa.table)
    categories = out.lisa.clusters().where(lambda c: c != spatial.NO_VALUE)
    plural = _base().plural
    title = f"Lokale Cluster (LISA): {ind.name}, {year}"
    fig = maps.category_map(
        categories, LISA_COLOURS, title, charts.short_source(ind),
        f"Cluster (p ≤ 0,05, nicht korrigiert)\nin Klammern: Zahl der {plural}", synthetic=ind.synthetic,
    )
    names = areas.area_names(_base().code)
    named = {names.get(code, code): label for code, label in categories.dropna().items()}
    out.figure("lisa", fig, alt=alttext.categories_alt(title, named, list(LISA_COLOURS)),
               records=[Record(vals, ANALYSIS)])
    return out.markdown(
        f"Die Karte zeigt {plural}, deren Wert zusammen mit dem Mittel ihrer Nachbarn auffällig hoch "
        f"(hoch-hoch) oder niedrig (niedrig-niedrig) ist, und Ausreißer gegenüber ihren Nachbarn. "
        f"**Vorsicht:** Es sind {len(values)} Einzeltests; bei p ≤ 0,05 erscheinen schon bei rein zufälliger "
        f"Verteilung etwa {formatting.number(len(values) * 0.05)} {plural} auffällig. "
        f"{out.lisa.n_significant} {plural} sind es ohne Korrektur, nach Korrektur für "
        f"multiples Testen (False Discovery Rate nach Benjamini-Hochberg) {out.lisa_fdr.n_significant}. Die Cluster "
        "sind Hinweise zum genaueren Hinsehen, keine Befunde."
    )


# --- Social-space index -----------------------------------------------------------------------

#: Colour families by status (blue = hoch … red = sehr niedrig), lighter for positive dynamics.
STATUS_SHADES = {"hoch": ("#c6dbef", "#6baed6", "#2171b5"), "mittel": ("#f0f0f0", "#d9d9d9", "#a3a3a3"),
                 "niedrig": ("#fee6ce", "#fdae6b", "#e6550d"), "sehr niedrig": ("#fcbba1", "#fb6a4a", "#a50f15")}


def social_space_palette() -> dict[str, str]:
    return {f"{s} / {d}": STATUS_SHADES[s][i] for s in socialspace.STATUS_LABELS.values()
            for i, d in enumerate(socialspace.DYNAMICS_LABELS.values())}


def _social_space_inputs(indicator_ids: list[str], year: int, period: int, level: str):
    """Catalogue entries, disclosed values (long, group total), population and area names for the index."""
    try:
        inds = catalogue.load().at_level(list(indicator_ids), level, usable=lambda i: i.direction != "descriptive")
    except catalogue.CatalogueError as exc:
        raise socialspace.SocialSpaceError(str(exc)) from None
    totals = []
    for ind in inds:
        vals = disclosed.values(ind, level)
        totals.append(vals[vals["group"] == "total"])
    values = pd.concat(totals, ignore_index=True)
    pop = compute.counts(catalogue.Term("population"), level)
    pop = pop[pop["year"] == year].set_index("area_code")["count"].astype("float64")
    base_year = int(year) - int(period)
    records = [Record(v[v["year"] == y], ANALYSIS) for y in (year, base_year) for v in totals]
    return inds, values, pop, areas.area_names(level), records


def social_space(indicator_ids: list[str], year: int, period: int = 2, population_floor: int = 300,
                 level: str | None = None, directions: dict[str, str] | None = None) -> socialspace.SocialSpaceResult:
    """`socialspace.compute` on the disclosed values, stored population and area names of `level` (default: base)."""
    level = levels.resolve(level)
    inds, values, pop, names, _ = _social_space_inputs(indicator_ids, year, period, level)
    return socialspace.compute(values, pop, inds, year, period=period, population_floor=population_floor,
                               area_names=names, level=level, directions=directions)


class SocialSpaceSection(Shown):
    """The social-space index as shown in the report: map of the 12 groups and the table by area.

    Attributes
    ----------
    indicator_ids : list of str
    year : int
        The year shown (the latest with all index indicators, up to the year asked for).
    social_space : socialspace.SocialSpaceResult or None
        The index with its parameters (None if it could not be computed; the section says why).
    tables : dict
        ``"sozialraumindex"``: the index table (numbers) of the classified areas;
        ``"ausgeschlossen"``: the areas left out and why.
    """

    notes = ("social_space",)  # the method note on the closing pages

    def __init__(self, indicator_ids: list[str], year: int) -> None:
        super().__init__("Sozialraumindex")
        self.indicator_ids = list(indicator_ids)
        self.year = year
        self.social_space: socialspace.SocialSpaceResult | None = None


def social_space_section(indicator_ids: list[str], year: int, period: int = 2,
                         population_floor: int = 300) -> SocialSpaceSection:
    """Status and dynamics index after Berlin's MSS as a map of the 12 groups and a table."""
    cat = catalogue.load()
    out = SocialSpaceSection(indicator_ids, year)
    latest = latest_common_year(indicator_ids, year)
    if latest is not None and latest != year:
        out.markdown(f"*Für {year} liegen nicht alle Indexindikatoren vor; der Sozialraumindex wird für "
                     f"{latest} gezeigt.*")
        out.year = year = latest
    names = ", ".join(f"„{cat.indicator(i).name}“" for i in indicator_ids)
    base = _base()
    out.markdown(
        "### Sozialraumindex nach dem Vorbild des Berliner Monitorings Soziale Stadtentwicklung\n\n"
        f"Indexindikatoren: {names}. Jeder Indikator wird über die {base.plural} z-standardisiert; der "
        "**Statusindex** ist der erneut standardisierte Mittelwert der z-Werte im Berichtsjahr, der "
        f"**Dynamikindex** derselbe Wert für die Veränderung über {period} Jahre. Klassen nach "
        "Standardabweichungen: Status hoch (< −1), mittel (−1 bis +1), niedrig (+1 bis +1,5), sehr niedrig "
        "(> +1,5); Dynamik positiv (< −1), stabil (−1 bis +1), negativ (> +1). Ein hoher Statusindex bedeutet "
        f"einen niedrigen sozialen Status. Der Index ordnet {base.plural} relativ zueinander ein; er sagt nichts "
        f"über einzelne Menschen und nichts über {areas.city().short} im Vergleich zu anderen Städten."
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            inds, values, pop, area_names, records = _social_space_inputs(indicator_ids, year, period, base.code)
            result = socialspace.compute(values, pop, inds, year, period=period, population_floor=population_floor,
                                         area_names=area_names, level=base.code)
        except socialspace.SocialSpaceError as exc:
            out.notes = ()  # no index shown: the report need not explain it
            return out.markdown(f"*Der Sozialraumindex kann für {year} nicht berechnet werden: {exc}*")
    for warning in caught:
        out.markdown(f"*Hinweis: {warning.message}*")
    out.social_space = result
    table = out.table("sozialraumindex", result.table)
    out.table("ausgeschlossen", result.excluded)
    source = combined_source(indicator_ids)
    title = f"Sozialraumindex {result.year}: Status und Dynamik {result.base_year}–{result.year}"
    fig = maps.category_map(
        table.set_index("area_code")["group_label"], social_space_palette(), title, source,
        f"Status / Dynamik\nin Klammern: Zahl der {base.plural}", synthetic=result.synthetic,
        missing_label="ausgeschlossen",
    )
    named = dict(zip(table["area_name"].astype(str), table["group_label"]))
    out.figure("sozialraumindex", fig, records=records,
               alt=alttext.categories_alt(title, named, list(social_space_palette())) + " Alle Werte in der Tabelle darunter.")
    counts = table.groupby("status_label").size()
    out.markdown(out.sentence(
        f"{len(table)} von {len(table) + len(result.excluded)} {base.dative} sind eingeordnet: "
        + ", ".join(f"Status {k} {int(counts.get(k, 0))}" for k in ("hoch", "mittel", "niedrig", "sehr niedrig"))
        + "." + _excluded_text(result)
    ))
    order = table.sort_values(["status_index"], ascending=False)
    shown = pd.DataFrame({
        base.name: order["area_code"] + " " + order["area_name"],
        "Einwohner/-innen": [formatting.number(v) for v in order["population"]],
        **{cat.indicator(i).name: [formatting.with_unit(v, cat.indicator(i).unit) for v in order[i]]
           for i in result.indicator_ids},
        "Statusindex": [formatting.number(v, 2) for v in order["status_index"]],
        "Status": order["status_label"],
        "Dynamikindex": [formatting.number(v, 2) for v in order["dynamics_index"]],
        "Dynamik": order["dynamics_label"],
    })
    return out.html(table_html(shown, f"Sozialraumindex {result.year} je {base.name}, geordnet nach dem Statusindex",
                               source, synthetic=result.synthetic))


def _excluded_text(result: socialspace.SocialSpaceResult) -> str:
    if result.excluded.empty:
        return (f" {_none_of(_base())} liegt unter der Mindestbevölkerung von {formatting.number(result.population_floor)} "
                "Einwohner/-innen oder ist ohne Wert.")
    names = "; ".join(f"{r.area_code} {r.area_name} ({r.reason})" for r in result.excluded.itertuples())
    return f" Nicht eingeordnet: {names}."
