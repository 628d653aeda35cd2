"""Report sections for the cross-cutting spatial analyses of the Stadtteilentwicklung chapter.

Segregation indices, spatial autocorrelation (Moran's I, LISA) and the social-space index,
each with the caveats a reader needs. This module puts each section together in the order the
chapter shows it, and draws its figures and maps; what the parts hold lives beside it: the
numbers (this city's data handed to helpers.stats) in helpers.sections.area_statistics, the
German sentences in helpers.sections.area_wording, the tables in helpers.sections.area_tables
and the result classes in helpers.sections.area_results.

Every section returns a result object built on `Shown`: it renders in a notebook as the
section always did and holds its tables, figures, sentences and the statistics' result
objects (e.g. `SpatialSection.moran[("mv_anteil", 2014)]`). The disclosed values a section
analyses are recorded when it is displayed, not when it is computed.

    >>> result = spatial_section(["mv_anteil", "alo_dichte"], 2014)      # doctest: +SKIP
    >>> result.moran[("mv_anteil", 2014)].p_sim                          # doctest: +SKIP
    >>> result.tables["moran"].head()                                    # doctest: +SKIP

The notebooks and older code call the numbers' functions through this module too
(`area_patterns.segregation_indices`, `.moran`, `.social_space`, `.level_weights`, ...): they stay
importable from here.
"""

from __future__ import annotations

import warnings

from helpers.core import areas, catalogue, levels
from helpers.figures import alttext, charts, maps
from helpers.sections import area_tables, area_wording
from helpers.sections.area_results import LisaSection, SegregationSection, SocialSpaceSection, SpatialSection
from helpers.sections.area_statistics import (
    ANALYSIS,
    PAIRS,
    base_level,
    by_area,
    level_neighbours,
    level_weights,
    moran,
    moran_rows,
    moran_table,
    pairs,
    population_counts,
    published_values,
    segregation_indices,
    segregation_table,
    social_space,
    social_space_inputs,
)
from helpers.sections.area_wording import FEMININE_ENDINGS, population_source
from helpers.sections.selection import latest_common_year
from helpers.sections.shown import Record
from helpers.sections.wording import combined_source
from helpers.stats import socialspace, spatial

__all__ = [
    "ANALYSIS", "DEFAULT_MORAN_INDICATORS", "FEMININE_ENDINGS", "LISA_COLOURS", "PAIRS", "STATUS_SHADES",
    "LisaSection", "SegregationSection", "SocialSpaceSection", "SpatialSection",
    "level_neighbours", "level_weights", "lisa_section", "moran", "moran_table", "pairs", "population_counts",
    "population_source", "published_values", "segregation_indices", "segregation_section", "segregation_table",
    "social_space", "social_space_palette", "social_space_section", "spatial_section",
]

LISA_COLOURS = {"hoch-hoch": "#b2182b", "niedrig-niedrig": "#2166ac", "hoch-niedrig": "#f4a582",
                "niedrig-hoch": "#92c5de", spatial.NOT_SIGNIFICANT: "#f7f7f7", spatial.NO_NEIGHBOURS: "#bdbdbd"}
DEFAULT_MORAN_INDICATORS = ("mv_anteil", "auslaender_anteil", "alo_dichte", "alo_sgb2_dichte")
#: Colour families by status (blue = hoch … red = sehr niedrig), lighter for positive dynamics.
STATUS_SHADES = {"hoch": ("#c6dbef", "#6baed6", "#2171b5"), "mittel": ("#f0f0f0", "#d9d9d9", "#a3a3a3"),
                 "niedrig": ("#fee6ce", "#fdae6b", "#e6550d"), "sehr niedrig": ("#fcbba1", "#fb6a4a", "#a50f15")}


# --- Segregation -----------------------------------------------------------------------------

def segregation_section(report_year: int) -> SegregationSection:
    """Dissimilarity and isolation over the look back, with what the indices cannot say."""
    out = SegregationSection(report_year)
    base = base_level()
    out.results = {label: segregation_indices(a, b, base.code) for a, b, label in pairs()}
    table = out.table("indizes", segregation_table(report_year, results=out.results))
    if table.empty:
        out.notes = ()  # no index shown: the report need not explain it
        return out.markdown(f"*Für den Rückblick liegen keine vollständigen Zahlen der {base.plural} zur Segregation vor.*")
    out.markdown(area_wording.segregation_intro(base))
    latest = table[table["year"] == table["year"].max()]
    out.markdown(" ".join(out.sentence(area_wording.segregation_sentence(table, row, base))
                          for _, row in latest.iterrows()))
    title = f"Dissimilaritätsindex D, {base.plural} {int(table['year'].min())}–{int(table['year'].max())}"
    lines = {str(label): dict(zip(part["year"].astype(int), part["dissimilarity"]))
             for label, part in table.groupby("label", sort=False)}
    out.figure("dissimilaritaet", charts.lines(
        table.assign(series=table["label"]), "year", "dissimilarity", "series", title,
        population_source(table["year"]), decimals=2, y_label="D (0 = gleiche Verteilung, 1 = vollständige Trennung)",
    ), alt=alttext.series_alt(title, lines, "", decimals=2) + " Alle Werte in der Tabelle darunter.")
    out.html(area_tables.segregation_html(table))
    outline = levels.hierarchy().outline
    if outline is not None:
        out.coarse = segregation_indices("migration", "no_migration", outline.code)
    return out.markdown(area_wording.segregation_caveats(out.coarse, latest))


# --- Spatial autocorrelation ------------------------------------------------------------------

def spatial_section(indicator_ids: list[str], report_year: int, lisa_indicator: str | None = None) -> SpatialSection:
    """Global Moran's I over the look back and a LISA cluster map for the report year."""
    out = SpatialSection(indicator_ids, report_year)
    table, records = moran_rows(indicator_ids, report_year)
    out.table("moran", table)
    out.moran = {(r.indicator, r.year): r.result for r in table.itertuples()}
    base = base_level()
    out.markdown(area_wording.moran_intro(base))
    if table.empty:
        return out.markdown(f"*Keine Werte der {base.plural} im Rückblick.*")
    out.html(area_tables.moran_html(table, indicator_ids), records=records)
    year = int(table["year"].max())
    for _, row in table[table["year"] == year].iterrows():
        out.markdown(f"*{row['name']}, {year}:* {out.sentence(row['result'].describe())}")
    out.lisa = lisa_section(lisa_indicator or indicator_ids[0], year)
    return out.add(out.lisa)


def lisa_section(indicator_id: str, year: int) -> LisaSection:
    """LISA cluster map of one indicator's disclosed base-level values, with the multiple-testing caveat."""
    out = LisaSection(indicator_id, year)
    ind = catalogue.load().indicator(indicator_id)
    vals = published_values(ind, year)
    out.values = values = by_area(vals)
    neighbours = level_neighbours()
    out.lisa = spatial.lisa(values, neighbours, weights_kind="queen")
    out.lisa_fdr = spatial.lisa(values, neighbours, fdr=True, weights_kind="queen")
    out.table("lisa", out.lisa.table)
    categories = out.lisa.clusters().where(lambda c: c != spatial.NO_VALUE)
    plural = base_level().plural
    title = f"Lokale Cluster (LISA): {ind.name}, {year}"
    fig = maps.category_map(
        categories, LISA_COLOURS, title, charts.short_source(ind),
        f"Cluster (p ≤ 0,05, nicht korrigiert)\nin Klammern: Zahl der {plural}", synthetic=ind.synthetic,
    )
    names = areas.area_names(base_level().code)
    named = {names.get(code, code): label for code, label in categories.dropna().items()}
    out.figure("lisa", fig, alt=alttext.categories_alt(title, named, list(LISA_COLOURS)),
               records=[Record(vals, ANALYSIS)])
    return out.markdown(area_wording.lisa_caveat(base_level(), len(values), out.lisa, out.lisa_fdr))


# --- Social-space index -----------------------------------------------------------------------

def social_space_palette() -> dict[str, str]:
    """The map's colour per group ("hoch / positiv", ...): a status's family, shaded by dynamics."""
    return {f"{s} / {d}": STATUS_SHADES[s][i] for s in socialspace.STATUS_LABELS.values()
            for i, d in enumerate(socialspace.DYNAMICS_LABELS.values())}


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
    base = base_level()
    out.markdown(area_wording.social_space_intro(names, base, period))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            inds, values, pop, area_names, records = social_space_inputs(indicator_ids, year, period, base.code)
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
    out.markdown(out.sentence(area_wording.classified_sentence(table, result, base)))
    return out.html(area_tables.social_space_html(result, source))
