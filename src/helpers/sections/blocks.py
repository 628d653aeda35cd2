"""The sections a chapter notebook calls: a Handlungsfeld's opening, an indicator's block, maps, tables.

Notebooks call these with an indicator or Handlungsfeld id and the report year; every number in
the text is computed from the data, never typed in. This module puts the parts together in the
order a chapter shows them; what the parts hold lives beside it: the values in
helpers.sections.selection, the German sentences in helpers.sections.wording, the HTML tables in
helpers.sections.html_tables, the figures' alternative texts in helpers.sections.alt_texts and the
result classes in helpers.sections.results.

Each section returns a result object (helpers.sections.shown.Shown, for one indicator an
`IndicatorSection`): shown as a cell's last expression it renders as the report always showed it
and records the cells it publishes; kept in a variable it is data (disclosed values with flags,
figures, sentences) and publishes nothing.

    >>> from helpers.sections import blocks
    >>> section = blocks.indicator_section("mv_anteil", 2014)
    >>> section.year, section.indicator.unit
    (2014, '%')
"""

from __future__ import annotations

import pandas as pd

from helpers.core import areas, catalogue, levels, observations
from helpers.core import city as city_profile
from helpers.core.catalogue import GROUP_LABELS, Indicator
from helpers.disclosure import disclosed
from helpers.figures import alttext, charts, interactive, maps
from helpers.indicators import compute
from helpers.sections import break_marks, commentary
from helpers.sections.alt_texts import change_alt, development_alt, map_alt, series_alt
from helpers.sections.html_tables import (
    definition_box,
    extremes_html,
    gap_table,
    level_table_html,
    single_year_table,
    table_html,  # noqa: F401 - kept, see below
)
from helpers.sections.lookback import window
from helpers.sections.results import HandlungsfeldSection, IndicatorSection
from helpers.sections.selection import (
    composition_levels,
    composition_shares,
    composition_years,
    declared_levels_shown,
    first_compared_year,
    gap_cells,
    gap_frame,
    latest_common_year,  # noqa: F401 - kept, see below
    level_cells,
    nonempty_concat,
    value_at,
)
from helpers.sections.shown import Record, Shown
from helpers.sections.wording import (
    combined_source,  # noqa: F401 - kept, see below
    key_sentences,
)

# `table_html`, `latest_common_year` and `combined_source` stay importable from here (as `window` does)
# for code written before the split of issue 28; new code imports them from where they live.

# --- a Handlungsfeld ---------------------------------------------------------------------------------

def opening(hf_id: str, report_year: int | None = None) -> Shown:
    """Aim of the Handlungsfeld (from the catalogue) as the chapter's first paragraph, then the staff's
    commentary on the Handlungsfeld for the report year, if written (helpers.sections.commentary).

    The aim is catalogue text; only the numbers a commentary cites are recorded.
    """
    hf = catalogue.load().handlungsfeld(hf_id)
    text = f"*{hf.category}*\n\n{hf.aim}"
    result = Shown(hf.name).markdown(text)
    result.sentence(text)
    _add_staff_text(result, "handlungsfeld", hf_id, report_year)
    return result


def recommendations(hf_id: str, report_year: int) -> Shown:
    """The staff's recommendations for a Handlungsfeld and report year (nothing when none are written)."""
    return commentary.section("empfehlungen", catalogue.load().handlungsfeld(hf_id).id, report_year)


def _add_staff_text(result: Shown, place: str, key: str, report_year: int | None) -> None:
    """Append the staff's text for `place`/`key` to `result`, if one is written for the year."""
    text = commentary.section(place, key, report_year)
    if text.parts:
        result.add(text)


def handlungsfeld(hf_id: str, report_year: int) -> HandlungsfeldSection:
    """A whole Handlungsfeld chapter body: its aim (and commentary), every indicator of the catalogue
    in order, then the recommendations if written.

    A convenience; the chapter notebooks call `opening`, `indicator_section` and `recommendations` cell by cell.
    """
    cat = catalogue.load()
    result = HandlungsfeldSection(hf_id, cat.handlungsfeld(hf_id).name)
    result.add(opening(hf_id, report_year))
    for ind in cat.for_handlungsfeld(hf_id):
        result.sections[ind.id] = section = indicator_section(ind.id, report_year)
        result.add(section)
    _add_staff_text(result, "empfehlungen", hf_id, report_year)
    return result


# --- one indicator -----------------------------------------------------------------------------------

def indicator_section(indicator_id: str, report_year: int, map_groups: tuple[str, ...] | None = None) -> IndicatorSection:
    """The standard block for one indicator: heading, definition, key figures, series, gap, maps; then a table
    (and, where it has boundaries, a map) for each further declared level with values in the year shown
    (Berlin: the Bezirke, Münster: Teilbereiche and Stadtbezirke; a city with one level gets none).

    Without a value for the report year the latest earlier year is shown, labelled as such.

    Parameters
    ----------
    indicator_id : str
        Catalogue id, e.g. "mv_anteil".
    report_year : int
        Report year; the series covers the ten years up to the year shown.
    map_groups : tuple of str, optional
        Groups mapped by base-level area (default: the catalogue's `map_groups`).

    Returns
    -------
    IndicatorSection
        Renders in a notebook and holds the disclosed values, figures and sentences it shows.

    Examples
    --------
    >>> section = indicator_section("alo_dichte", 2014)
    >>> sorted(section.tables)
    ['abstand', 'ebene_stadtbezirk', 'ebene_teilbereich', 'karte', 'karte_foreign', 'text', 'zeitreihe']
    """
    ind = catalogue.load().indicator(indicator_id)
    city = disclosed.values(ind, levels.CITY)
    mapped = ind.level == levels.base()
    small_areas = disclosed.values(ind) if mapped else city.iloc[0:0]
    year = compute.latest_year(city[city["group"] == "total"], up_to=report_year)
    result = IndicatorSection(ind, report_year, year, city, small_areas)
    result.markdown(f"## {ind.name}")
    result.html(definition_box(ind))
    if year is None:
        result.markdown(f"*Für „{ind.name}“ liegen bis {report_year} keine Daten vor.*")
        return result
    if year != report_year:
        result.markdown(f"*Für {report_year} liegen noch keine Daten vor; gezeigt wird das letzte verfügbare Jahr {year}.*")
    _add_key_sentences(result, year)
    _add_staff_text(result, "indikator", ind.id, report_year)
    _add_series(result, year)
    if ind.group_values:
        gap = result.table("abstand", gap_frame(ind, city, year))
        result.html(gap_table(ind, city, year, gap), records=[Record(gap_cells(ind, city, gap), "Tabelle")])
    year_on_a_map = False
    if mapped:
        shown = map_year(small_areas, year)
        if shown is not None and shown != year:  # the base level ended earlier (Berlin: LOR 2006 until 2020)
            plural = levels.hierarchy().base.plural
            result.markdown(f"*Für {year} liegen keine Werte der {plural} vor; die Karten zeigen {shown}, "
                            f"das letzte Jahr der {plural}.*")
        for group in map_groups or ind.map_groups:
            _add_map(result, ind, small_areas, shown or year, group, value_at(city, shown or year, group))
        year_on_a_map = (shown or year) == year
    for level in declared_levels_shown(ind):
        year_on_a_map |= _add_level(result, level, year, with_map=not year_on_a_map)
    return result


def _add_level(result: IndicatorSection, level: levels.Level, year: int, with_map: bool) -> bool:
    """One declared level above the base in the year shown: its table (the total and the compared groups, the
    city last) and, `with_map` and where the level has boundaries, its map of the total; nothing where the level
    has no published value that year. `tables` "ebene_<level>" (the table's cells) and figure "karte_ebene_<level>".
    True if the map was drawn.

    Only the finest level with the year's values gets a map (the caller asks for it until one is drawn): a
    coarser map of the same year repeats the finer one's picture with less detail, and each map costs about a
    second of build time and 30–60 KB of the page. So Münster's Stadtbezirke and Teilbereiche have tables, the
    Stadtteil maps show the year; the council election's turnout, counted by Stadtbezirk, gets its Stadtbezirk
    map; Berlin's Bezirke get the 2024 map, since its Bezirksregionen end in 2020."""
    ind, city = result.indicator, result.city
    cells = level_cells(ind, level.code, year)
    if cells.empty:
        return False
    city_cells = city[(city["year"] == year) & city["group"].isin(cells["group"].unique())]
    shown = result.table(f"ebene_{level.code}", cells)
    result.html(level_table_html(ind, level, shown, city_cells, year),
                records=[Record(shown, "Tabelle"), Record(city_cells, "Tabelle")])
    if not (with_map and level.boundaries):
        return False
    total = cells[cells["group"] == "total"]
    title = f"{ind.name}, {year}, nach {level.dative}"
    fig = maps.choropleth(total, title, ind.unit, charts.short_source(ind), level=level.code)
    result.figure(f"karte_ebene_{level.code}", fig, alt=map_alt(ind, title, total, value_at(city, year)),
                  records=[Record(total, "Karte")], data="indikatoren")
    return True


def map_year(small_areas: pd.DataFrame, year: int) -> int | None:
    """The year of an indicator section's base-level maps: `year`, or where the base level's series ended
    earlier within the look back (Berlin's Bezirksregionen of the LOR 2006 end in 2020, the city runs on), its
    last year; None without base-level values in the look back."""
    total = small_areas[(small_areas["group"] == "total") & small_areas["year"].between(window(year)[0], year)]
    return compute.latest_year(total, up_to=year)


def _add_key_sentences(result: IndicatorSection, year: int) -> None:
    """The key sentences, recording the city cells they compare and the base-level cells they rank."""
    city, small_areas = result.city, result.small_areas
    first = first_compared_year(city, year)
    text_cells = [city[city["year"].isin([year] if first is None else [year, first])],
                  small_areas[(small_areas["year"] == year) & (small_areas["group"] == "total")]]
    result.table("text", nonempty_concat(text_cells))
    result.markdown(result.sentence(key_sentences(result.indicator, city, small_areas, year)),
                    records=[Record(cells, "Text") for cells in text_cells])


def _add_series(result: IndicatorSection, year: int) -> None:
    """The city's series over the look back; a table instead where it has only one year so far."""
    ind, city = result.indicator, result.city
    lo, hi = window(year)
    city_window = city[(city["year"] >= lo) & (city["year"] <= hi)]
    shown_years = city_window.loc[city_window["value"].notna(), "year"]
    if shown_years.nunique() == 1:  # one point is no series: the value, as a table
        single = result.table("zeitreihe", city_window[city_window["year"] == year])
        result.html(single_year_table(ind, single, year, (lo, hi)), records=[Record(single, "Tabelle")])
        return
    title = f"{ind.name}, {areas.city().name} {shown_years.min()}–{shown_years.max()}"
    groups = ["total", *ind.group_values]
    result.figure("zeitreihe", charts.time_series(city_window, ind, title, year, groups),
                  alt=series_alt(ind, title, city_window, groups),
                  records=[Record(result.table("zeitreihe", city_window), "Zeitreihe")], data="indikatoren")
    # the breaks the chart draws and its alternative text names (after its first year), with year and reason
    drawn = city_window["year"].astype(int)
    notes = break_marks.break_notes(ind, range(drawn.min() + 1, drawn.max() + 1), lead=break_marks.CHART_LEAD)
    if notes:
        result.html(break_marks.notes_html(notes))


def extremes_table(indicator_id: str, year: int, n: int = 5) -> Shown:
    """The n base-level areas (Münster: Stadtteile) with the highest and the lowest values (after disclosure control).

    `tables["extremwerte"]` holds the shown rows (disclosed values with flags, column `Rang`:
    "höchste"/"niedrigste"); empty result if the indicator has no base-level values yet.
    """
    ind = catalogue.load().indicator(indicator_id)
    result = Shown(f"{ind.name}: höchste und niedrigste Werte")
    small_areas = disclosed.values(ind)
    latest = compute.latest_year(small_areas[small_areas["group"] == "total"], up_to=year)
    if latest is None:
        return result
    if latest != year:
        result.markdown(f"*Für {year} liegen keine Werte der {levels.hierarchy().base.plural} vor; gezeigt wird {latest}.*")
    shown = small_areas[(small_areas["year"] == latest) & (small_areas["group"] == "total")]
    shown = shown.dropna(subset=["value"]).sort_values("value", ascending=False)
    rows = result.table("extremwerte", pd.concat([shown.head(n).assign(Rang="höchste"),
                                                  shown.tail(n).assign(Rang="niedrigste")]))
    result.html(extremes_html(ind, rows, latest), records=[Record(rows, "Tabelle")])
    return result


# --- maps --------------------------------------------------------------------------------------------

def _map_name(group: str) -> str:
    return "karte" if group == "total" else f"karte_{group}"


def _add_map(result: Shown, ind: Indicator, small_areas: pd.DataFrame, year: int, group: str,
             city_value: float | None = None) -> None:
    """Append one map of the base level (or the note that there are no values) to `result`."""
    base = levels.hierarchy().base
    shown = small_areas[(small_areas["year"] == year) & (small_areas["group"] == group)]
    if shown.empty or shown["value"].notna().sum() == 0:
        result.markdown(f"*Für {year} liegen für „{ind.name}“ keine Werte der {base.plural} vor.*")
        return
    suffix = "" if group == "total" else f" – {GROUP_LABELS[group]}"
    title = f"{ind.name}{suffix}, {year}, nach {base.dative}"
    fig = maps.choropleth(shown, title, ind.unit, charts.short_source(ind))
    name = _map_name(group)
    alt = map_alt(ind, title, shown, city_value)
    records = [Record(result.table(name, shown), "Karte")]
    spec, twin = interactive_map(ind, small_areas, year, group, alt)
    if spec is not None:
        records.append(Record(twin, "Karte (interaktiv)"))
    result.figure(name, fig, alt=alt, records=records, data="indikatoren", spec=spec,
                  interactive=None if spec is None else interactive.spec_html(
                      spec, f"im-{ind.id}-{group}-{year}", ind.id, base.code, group, charts.short_source(ind),
                      ind.unit))


def interactive_map(ind: Indicator, small_areas: pd.DataFrame, year: int, group: str,
                    alt: str, level: str | None = None) -> tuple[dict | None, pd.DataFrame]:
    """The interactive twin of a map of the base level or of `level` (helpers.figures.interactive): the look
    back's years up to `year` that have values, on the static map's classes of `year`; (None, empty) without a
    second year. The values of one level lie on that level's boundaries only (Berlin: the LOR 2006 until 2020,
    the LOR 2021 from 2021 are two levels), so the year control never crosses a boundary change.

    Returns the spec and the disclosed cells it embeds (the register records them like the map's)."""
    base = levels.hierarchy().level(level) if level else levels.hierarchy().base
    lo, _ = window(year)
    cells = small_areas[(small_areas["group"] == group) & small_areas["year"].between(lo, year)]
    with_values = sorted(cells.loc[cells["value"].notna(), "year"].astype(int).unique())
    cells = cells[cells["year"].isin(with_values)]
    if len(with_values) < 2:
        return None, cells.iloc[0:0]
    shown = cells[cells["year"] == year]
    classifier = maps.classify(shown.set_index("area_code")["value"].astype("Float64"))
    colours = maps.colours("YlGnBu", classifier.k)
    suffix = "" if group == "total" else f" – {GROUP_LABELS[group]}"
    value_title = f"{ind.name}{suffix}"
    title = f"{value_title}, nach {base.dative} (interaktiv)"
    synthetic = bool(cells["synthetic"].astype("boolean").fillna(False).any()) if "synthetic" in cells else False
    spec = interactive.map_spec(cells, year, title, alt, ind.unit, value_title, [float(b) for b in classifier.bins],
                                colours, synthetic, base.name, profiles=base.code == levels.base())
    return spec, cells


def map_for_year(ind: Indicator, small_areas: pd.DataFrame, year: int, group: str = "total") -> Shown:
    """One group's map of the base level for one year; `tables`/`figures` under "karte" ("karte_<group>")."""
    result = Shown(f"{ind.name}, {year}")
    _add_map(result, ind, small_areas, year, group)
    return result


def level_map(indicator_id: str, report_year: int, level: str, group: str = "total") -> Shown:
    """Map of an indicator at any level with boundaries, in its latest year up to `report_year`.

    For the levels beside the hierarchy whose values run on where the base level ends (Berlin's
    Prognoseräume of the LOR 2021: the report year's map on the boundaries of that year, while
    the Bezirksregionen of the LOR 2006 end in 2020). `tables["karte"]` holds the mapped cells. With a second
    year of the level in the look back the map has an interactive twin on the level's boundaries (a click opens
    no profile: only the base level's areas have one); a level with one year (Münster's council election 2009)
    keeps the static map only.
    """
    ind = catalogue.load().indicator(indicator_id)
    shown_level = levels.hierarchy().level(level)
    vals = disclosed.values(ind, level)
    vals = vals[vals["group"] == group]
    year = compute.latest_year(vals, up_to=report_year)
    result = Shown(f"{ind.name}, {shown_level.plural}")
    if year is None:
        return result.markdown(f"*Für „{ind.name}“ liegen bis {report_year} keine Werte der {shown_level.plural} vor.*")
    shown = vals[vals["year"] == year]
    suffix = "" if group == "total" else f" – {GROUP_LABELS[group]}"
    title = f"{ind.name}{suffix},\n{year}, nach {shown_level.dative}"
    fig = maps.choropleth(shown, title, ind.unit, charts.short_source(ind), level=level)
    city_value = value_at(disclosed.values(ind, levels.CITY), year, group)
    alt = map_alt(ind, title, shown, city_value)
    records = [Record(result.table("karte", shown), "Karte")]
    spec, twin = interactive_map(ind, vals, year, group, alt, level=level)  # on this level's own boundaries
    if spec is not None:
        records.append(Record(twin, "Karte (interaktiv)"))
    return result.figure("karte", fig, alt=alt, records=records, data="indikatoren", spec=spec,
                         interactive=None if spec is None else interactive.spec_html(
                             spec, f"im-{ind.id}-{level}-{group}-{year}", ind.id, level, group,
                             charts.short_source(ind), ind.unit))


def development_maps(indicator_id: str, report_year: int, span: int = 4) -> Shown:
    """Small multiples over the last `span` + 1 years on one scale, and the change map over the span.

    `tables["entwicklung"]` holds the mapped base-level values (disclosed, with flags) of the
    years shown; `figures` "entwicklung" and "veraenderung". Empty with fewer than two years.
    """
    ind = catalogue.load().indicator(indicator_id)
    dative = levels.hierarchy().base.dative
    result = Shown(f"{ind.name}: Entwicklung in den {dative}")
    small_areas = disclosed.values(ind)
    small_areas = small_areas[small_areas["group"] == "total"]
    year = compute.latest_year(small_areas, up_to=report_year)
    if year is None:
        return result
    years = [y for y in range(year - span, year + 1) if small_areas.loc[small_areas["year"] == y, "value"].notna().any()]
    if len(years) < 2:
        return result
    result.markdown(f"### {ind.name}: Entwicklung in den {dative} {years[0]}–{years[-1]}")
    source = charts.short_source(ind)
    mapped = result.table("entwicklung", small_areas[small_areas["year"].isin(years)])
    title = f"{ind.name}, {years[0]}–{years[-1]}, gleiche Klassen für alle Jahre"
    result.figure("entwicklung", maps.small_multiples(mapped, years, title, ind.unit, source),
                  alt=development_alt(ind, title, mapped, [years[0], years[-1]]),
                  records=[Record(mapped, "Karte")], data="indikatoren")
    before, after = (small_areas[small_areas["year"] == y] for y in (years[0], years[-1]))
    change_title = f"{ind.name}: Veränderung {years[0]}–{years[-1]}"
    result.figure("veraenderung", maps.change_map(before, after, change_title, source, years[0], years[-1], unit=ind.unit),
                  alt=change_alt(ind, change_title, before, after), data="indikatoren")
    within = [b for b in ind.breaks if years[0] < catalogue.break_year(b) <= years[-1]]
    if within:  # the year and the reason of each break, as under the tables and charts
        said = "; ".join(f"ab {catalogue.break_year(b)}: {break_marks.reason(b).rstrip('.')}" for b in within)
        result.markdown(f"*Hinweis: In diesem Zeitraum liegt ein Bruch in der Reihe ({said}); "
                        "ein Teil der Veränderung kann auf die Umstellung zurückgehen.*")
    return result


# --- the population's composition --------------------------------------------------------------------

#: Münster's parts of the population with migration history (origin group -> label), the default of `composition`.
COMPOSITION_PARTS = {"foreign": "Ausländer/-innen", "german_mig_personal": "Deutsche mit persönlicher MV",
                     "german_mig_inherited": "Deutsche mit vererbter MV"}


def composition(report_year: int, parts: dict[str, str] | None = None) -> Shown:
    """Population with migration history by group, city and the outline level's areas (Münster:
    Stadtbezirke), in % of all residents.

    `parts` maps origin groups to their labels (default `COMPOSITION_PARTS`). `tables["zusammensetzung"]`
    (areas x groups, % of all residents) and `figures["zusammensetzung"]`. The shares come from the
    stored counts of large areas, not from an indicator of the catalogue, so they are not in the register.
    """
    parts = COMPOSITION_PARTS if parts is None else parts
    title = f"Zusammensetzung der Bevölkerung mit {city_profile.profile().concept}"
    result = Shown(title)
    years = composition_years(["total", *parts], report_year)
    if not years:
        return result.markdown(f"*Für die Zusammensetzung liegen bis {report_year} keine Daten vor.*")
    if max(years) != report_year:
        result.markdown(f"*Für {report_year} liegt die Gliederung noch nicht vor; gezeigt wird {max(years)}.*")
    year = max(years)
    rows: dict[str, dict[str, float]] = {}
    for level in composition_levels():
        for name, shares in composition_shares(level, year, parts).items():
            rows.setdefault(name, {}).update(shares)
    table = result.table("zusammensetzung", pd.DataFrame(rows).T[list(parts.values())])
    source = city_profile.citation(observations.cited_sources("population", ["total", *parts], [year]))
    fig = charts.stacked_composition(table, f"{title}, {year}", source)
    city_row = table.iloc[0].to_dict()  # composition_levels() starts with the city
    alt = alttext.shares_alt(f"{title}, {year}", city_row, str(table.index[0]))
    return result.figure("zusammensetzung", fig, alt=alt)
