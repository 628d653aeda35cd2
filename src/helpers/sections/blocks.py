"""The shared layout of a chapter: opening, definition box, key sentences, series, gap, map.

Notebooks call these with an indicator id and the report year; every number in the text
is computed here from the data, never typed in. Each section returns a result object
(helpers.sections.shown.Shown, for one indicator an `IndicatorSection`): shown as a cell's
last expression it renders as the report always showed it and records the cells it
publishes; kept in a variable it is data (disclosed values with flags, figures, sentences)
and publishes nothing.

    >>> from helpers.sections import blocks
    >>> section = blocks.indicator_section("mv_anteil", 2014)
    >>> section.year, section.indicator.unit
    (2014, '%')
"""

from __future__ import annotations

import html

import pandas as pd

from helpers.core import areas, catalogue, formatting, levels, observations
from helpers.core import city as city_profile
from helpers.core.catalogue import GROUP_LABELS, GROUP_LABELS_DATIVE, Indicator
from helpers.disclosure import disclosed, suppression
from helpers.figures import alttext, charts, maps
from helpers.indicators import compute
from helpers.sections import commentary
from helpers.sections.lookback import LOOK_BACK, first_year_shown, window  # noqa: F401 - the chapters' names for them
from helpers.sections.shown import Record, Shown


def city_code() -> str:
    """The code of the one area of level 'stadt' (Münster: 05515000; any other city: its own)."""
    return areas.city().code


def _cat() -> catalogue.Catalogue:
    return catalogue.load()


def opening(hf_id: str, report_year: int | None = None) -> Shown:
    """Aim of the Handlungsfeld (from the catalogue) as the chapter's first paragraph, then the staff's
    commentary on the Handlungsfeld for the report year, if written (helpers.sections.commentary).

    The aim is catalogue text; only the numbers a commentary cites are recorded.
    """
    hf = _cat().handlungsfeld(hf_id)
    text = f"*{hf.category}*\n\n{hf.aim}"
    result = Shown(hf.name).markdown(text)
    result.sentence(text)
    _add_staff_text(result, "handlungsfeld", hf_id, report_year)
    return result


def recommendations(hf_id: str, report_year: int) -> Shown:
    """The staff's recommendations for a Handlungsfeld and report year (nothing when none are written)."""
    return commentary.section("empfehlungen", _cat().handlungsfeld(hf_id).id, report_year)


def _add_staff_text(result: Shown, place: str, key: str, report_year: int | None) -> None:
    text = commentary.section(place, key, report_year)
    if text.parts:
        result.add(text)


def _age_text(age: str) -> str:
    """'15-64' -> '15 bis 64 Jahre', '65+' -> '65 Jahre und älter'."""
    if age.endswith("+"):
        return f"{age[:-1]} Jahre und älter"
    low, _, high = age.partition("-")
    return f"{low} bis {high} Jahre"


def term_text(term) -> str:
    """One side of an indicator's formula for readers: "Arbeitslose (Ausländer/-innen, 15 bis 64 Jahre)"."""
    groups = [GROUP_LABELS.get(v, v) for v in (term.sex, term.origin) if v != "total"]
    groups += [_age_text(term.age)] if term.age != "total" else []
    name = _cat().measure_name(term.measure)
    return f"{name} ({', '.join(groups)})" if groups else name


def calculation_text(ind: Indicator) -> str:
    """How the value comes about: the formula over counts, or that it is a published rate."""
    if not ind.counted:
        return ("Veröffentlichte Quote der amtlichen Statistik, übernommen wie veröffentlicht (ohne Anzahlen: "
                "keine eigene Berechnung, keine Werte für kleinere Gebiete)")
    return (f"Zähler: {term_text(ind.numerator)} / Nenner: {term_text(ind.denominator)} "
            f"× {formatting.number(ind.scale)}")


def _level_label(code: str) -> str:
    """The level's German name for the definition box ("Stadtteil"; the city is "Stadt")."""
    return "Stadt" if code == levels.CITY else levels.hierarchy().level(code).name


def definition_box(ind: Indicator) -> str:
    rows = [
        ("Definition", ind.definition),
        ("Berechnung", calculation_text(ind)),
        ("Einheit", ind.unit),
        ("Zielrichtung", ind.direction_de),
        ("Vergleichsgruppen", " / ".join(GROUP_LABELS.get(g, g) for g in ind.group_values) or "–"),
        ("Bezugsbevölkerung", ind.population_base),
        ("Kleinste Ebene", _level_label(ind.level)),
        ("Datenhalter", ind.data_owner),
        ("Quelle", ind.source),
    ]
    rows += [("Bruch in der Reihe", b) for b in ind.breaks]
    if ind.notes:
        rows.append(("Hinweis", ind.notes))
    body = "".join(f'<tr><th scope="row">{html.escape(k)}</th><td>{html.escape(v)}</td></tr>' for k, v in rows)
    badge = f'<p class="synthetic-mark">{charts.SYNTHETIC_MARK}</p>' if ind.synthetic else ""
    # The visible title above names the box; the caption names the table for screen readers.
    caption = f'<caption class="visually-hidden">Definition: {html.escape(ind.name)}</caption>'
    return (f'<div class="definition-box" id="def-{ind.id}"><p class="definition-title">Indikator: '
            f"{html.escape(ind.name)}</p>{badge}<table>{caption}{body}</table></div>")


def _value(vals: pd.DataFrame, year: int, group: str = "total", area: str | None = None) -> float | None:
    area = area or city_code()
    row = vals[(vals["year"] == year) & (vals["group"] == group) & (vals["area_code"] == area)]
    if row.empty or pd.isna(row.iloc[0]["value"]):
        return None
    return float(row.iloc[0]["value"])


def _change_text(ind: Indicator, change: float) -> str:
    if ind.unit == "%":
        return formatting.points(change)
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    return f"{sign}{formatting.with_unit(abs(change), ind.unit)}"


def first_compared_year(city: pd.DataFrame, year: int) -> int | None:
    """The earliest year of the look back before `year` with a city value: the key sentences' comparison."""
    earlier = [y for y in sorted(city.loc[city["value"].notna() & (city["group"] == "total"), "year"]) if window(year)[0] <= y < year]
    return int(earlier[0]) if earlier else None


def key_sentences(ind: Indicator, city: pd.DataFrame, small_areas: pd.DataFrame, year: int) -> str:
    """One to three German sentences with the key figures, generated from the values.

    Synthetic indicators say so first: their numbers must never read as facts about the city.
    `small_areas` are the disclosed values of the base level (empty for city-only indicators).
    """
    fmt = lambda v: formatting.with_unit(v, ind.unit)  # noqa: E731
    now = _value(city, year)
    if now is None:
        return f"Für {year} liegt für den Indikator „{ind.name}“ kein gesamtstädtischer Wert vor."
    row = city[(city["year"] == year) & (city["group"] == "total")].iloc[0]
    synthetic = ind.synthetic or bool(row["synthetic"])
    where = "in den Demodaten" if synthetic else f"in {areas.city().short}"
    text = f"**{charts.SYNTHETIC_MARK}, keine Aussage über {areas.city().short}.** " if synthetic else ""
    text += f"{year} lag der Wert „{ind.name}“ {where} bei **{fmt(now)}**"
    if not ind.counted:
        text += " (veröffentlichte Quote der amtlichen Statistik)"
    elif ind.unit == "%":
        text += f" ({formatting.number(row['numerator'])} von {formatting.number(row['denominator'])})"
    first = first_compared_year(city, year)
    if first is not None:
        text += f"; {first} waren es {fmt(_value(city, first))} (Veränderung: {_change_text(ind, now - _value(city, first))})"
    text += "."
    if ind.group_values:
        a, b = ind.group_values
        va, vb = _value(city, year, a), _value(city, year, b)
        if va is not None and vb is not None:
            text += (f" Bei {GROUP_LABELS_DATIVE[a]} betrug er {fmt(va)}, bei {GROUP_LABELS_DATIVE[b]} {fmt(vb)}; "
                     f"der Abstand beträgt {_change_text(ind, abs(va - vb)).lstrip('+')}")
            if vb > 0 and abs(va / vb - 1) >= 0.05:
                text += f", der Wert ist {formatting.number(va / vb, 1)}-mal so hoch wie bei {GROUP_LABELS_DATIVE[b]}."
            else:
                text += "."
    ranked = small_areas[(small_areas["year"] == year) & (small_areas["group"] == "total")].dropna(subset=["value"])
    if len(ranked) >= 6:
        ranked = ranked.sort_values("value")
        top = ", ".join(f"{r.area_name} ({fmt(r.value)})" for r in ranked.tail(3).iloc[::-1].itertuples())
        low = ", ".join(f"{r.area_name} ({fmt(r.value)})" for r in ranked.head(3).itertuples())
        text += f" Die höchsten Werte der {levels.hierarchy().base.plural} hatten {top}; die niedrigsten {low}."
    return text


def gap_frame(ind: Indicator, city: pd.DataFrame, year: int) -> pd.DataFrame:
    """The gap table as data: one row per year of the look back with a value for either group.

    Columns: `year`, each compared group's disclosed value and its flag (`<group>`,
    `flag_<group>`), `difference` (first minus second group) and `ratio`.
    """
    g = compute.gap(city, ind)
    lo, hi = window(year)
    a, b = ind.group_values
    g = g[(g["year"] >= lo) & (g["year"] <= hi) & (g[a].notna() | g[b].notna())].sort_values("year")
    flags = city.set_index(["year", "group"])["flag"]
    return pd.DataFrame({
        "year": g["year"].to_numpy(),
        a: g[a].to_numpy(), f"flag_{a}": [flags.get((y, a), "") for y in g["year"]],
        b: g[b].to_numpy(), f"flag_{b}": [flags.get((y, b), "") for y in g["year"]],
        "difference": g["difference"].to_numpy(), "ratio": g["ratio"].to_numpy(),
    })


def gap_cells(ind: Indicator, city: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The disclosed city cells a gap table shows (both groups in its years), for the register."""
    return city[city["year"].isin(frame["year"]) & city["group"].isin(ind.group_values)]


def gap_table(ind: Indicator, city: pd.DataFrame, year: int, frame: pd.DataFrame | None = None) -> str:
    """Years x (group a, group b, difference, ratio) for the city, as HTML.

    Returns text only: the caller records `gap_cells` with the part that shows it.
    """
    g = gap_frame(ind, city, year) if frame is None else frame
    a, b = ind.group_values
    table = pd.DataFrame({
        "Jahr": g["year"].astype(str),
        GROUP_LABELS[a]: [formatting.with_unit(v, ind.unit, flag=f) for v, f in zip(g[a], g[f"flag_{a}"])],
        GROUP_LABELS[b]: [formatting.with_unit(v, ind.unit, flag=f) for v, f in zip(g[b], g[f"flag_{b}"])],
        "Abstand": [formatting.points(v) for v in g["difference"]],
        "Verhältnis": [formatting.ratio(v) for v in g["ratio"]],
    })
    caption = f"Abstand zwischen den Gruppen „{GROUP_LABELS[a]}“ und „{GROUP_LABELS[b]}“, {areas.city().name}"
    return table_html(table, caption, ind.source, synthetic=bool(city["synthetic"].any()))


def single_year_table(ind: Indicator, city_year: pd.DataFrame, year: int, span: tuple[int, int]) -> str:
    """The city's values of the one year a series has so far, by group: a chart of one point says less."""
    rows = city_year.assign(order=city_year["group"].map({g: i for i, g in enumerate(GROUP_LABELS)})).sort_values("order")
    table = pd.DataFrame({
        "Gruppe": [GROUP_LABELS.get(g, g) for g in rows["group"]],
        str(year): [formatting.with_unit(v, ind.unit, flag=f) for v, f in zip(rows["value"], rows["flag"])],
    })
    caption = f"{ind.name}, {areas.city().name} {year} (einziges Jahr mit Werten im Zeitraum {span[0]}–{span[1]})"
    return table_html(table, caption, ind.source, synthetic=bool(city_year["synthetic"].any()))


def _cell(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def table_html(table: pd.DataFrame, caption: str, source: str, synthetic: bool = False,
               hidden_headers: tuple[str, ...] = ()) -> str:
    """A report table: the caption in <caption> and column headers as <th scope="col">, so a screen
    reader announces the table by its title and each cell with its column (WCAG 1.3.1).

    `hidden_headers` are columns whose header only screen readers need (the cells say it, e.g. "höchste").
    """
    mark = f' <span class="synthetic-mark">{charts.SYNTHETIC_MARK}</span>' if synthetic else ""
    head = "".join(f'<th scope="col"><span class="visually-hidden">{html.escape(str(c))}</span></th>'
                   if c in hidden_headers else f'<th scope="col">{html.escape(str(c))}</th>' for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False, name=None))
    return (f'<figure class="im-table-figure"><table class="dataframe im-table"><caption>{html.escape(caption)}{mark}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            f'<p class="source">Quelle: {html.escape(" ".join(source.split()))}</p></figure>')


def _map_name(group: str) -> str:
    return "karte" if group == "total" else f"karte_{group}"


def area_values(shown: pd.DataFrame) -> dict[str, float | None]:
    """Mapped values by area name (missing or suppressed: None), for the map's alternative text."""
    return {str(n): (None if pd.isna(v) else float(v)) for n, v in zip(shown["area_name"], shown["value"])}


def map_alt(ind: Indicator, title: str, shown: pd.DataFrame, city_value: float | None = None) -> str:
    """What a map of `shown` says: highest and lowest area, the city's value, the areas without a value."""
    return alttext.map_alt(title, area_values(shown), ind.unit, city_value, f"{areas.city().short} insgesamt")


def series_alt(ind: Indicator, title: str, city_window: pd.DataFrame, groups: list[str]) -> str:
    """What the time series says: first and last year of each group's line."""
    lines = {GROUP_LABELS.get(g, g): dict(zip(part["year"].astype(int), part["value"]))
             for g in groups for part in [city_window[city_window["group"] == g]]}
    return alttext.series_alt(title, lines, ind.unit)


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
    result.figure(name, fig, alt=map_alt(ind, title, shown, city_value),
                  records=[Record(result.table(name, shown), "Karte")], data="indikatoren")


def map_for_year(ind: Indicator, small_areas: pd.DataFrame, year: int, group: str = "total") -> Shown:
    """One group's map of the base level for one year; `tables`/`figures` under "karte" ("karte_<group>")."""
    result = Shown(f"{ind.name}, {year}")
    _add_map(result, ind, small_areas, year, group)
    return result


def level_map(indicator_id: str, report_year: int, level: str, group: str = "total") -> Shown:
    """Map of an indicator at any level with boundaries, in its latest year up to `report_year`.

    For the levels beside the hierarchy whose values run on where the base level ends (Berlin's
    Prognoseräume of the LOR 2021: the report year's map on the boundaries of that year, while
    the Bezirksregionen of the LOR 2006 end in 2020). `tables["karte"]` holds the mapped cells.
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
    city_value = _value(disclosed.values(ind, levels.CITY), year, group)
    return result.figure("karte", fig, alt=map_alt(ind, title, shown, city_value),
                         records=[Record(result.table("karte", shown), "Karte")], data="indikatoren")


class IndicatorSection(Shown):
    """One indicator as a chapter shows it: heading, definition box, key sentences, series, gap table, maps.

    Returned by `indicator_section`. As a cell's last expression it renders exactly as the
    report shows the indicator and records the cells it publishes; kept in a variable it is
    the data behind the block, and nothing is recorded.

    Attributes
    ----------
    indicator : helpers.core.catalogue.Indicator
        The catalogue entry (name, definition, unit, groups, source, ...).
    report_year : int
        The year asked for.
    year : int or None
        The year shown: the latest year up to `report_year` with a city value (None without
        any data; then only heading, definition box and a note are shown).
    city : pandas.DataFrame
        Disclosed city values of all years and groups (helpers.disclosure.disclosed.values).
    small_areas : pandas.DataFrame
        Disclosed values of the base level (Münster: Stadtteile) of all years and groups (empty
        for city-only indicators); also as `stadtteile`, the name it had before.
    tables : dict of str to pandas.DataFrame
        What the block shows, as disclosed values with their flags: "text" (the cells the key
        sentences use), "zeitreihe" (the series over the look back), "abstand" (the gap
        table, see `gap_frame`; only with compared groups), "karte" and "karte_<group>"
        (the base-level values of each map).
    figures : dict of str to matplotlib.figure.Figure
        "zeitreihe" and one "karte"/"karte_<group>" per map.
    sentences : list of str
        The key sentences (Markdown, as shown).

    Examples
    --------
    >>> section = indicator_section("mv_anteil", 2014)
    >>> section.year
    2014
    >>> series = section.tables["zeitreihe"]
    >>> round(float(series.query("year == 2014 and group == 'total'")["value"].iloc[0]), 1)
    21.7

    In a notebook, ending a cell with ``section`` shows the block and records its cells.
    """

    def __init__(self, indicator: Indicator, report_year: int, year: int | None,
                 city: pd.DataFrame, small_areas: pd.DataFrame) -> None:
        super().__init__(indicator.name)
        self.indicator = indicator
        self.report_year = report_year
        self.year = year
        self.city = city
        self.small_areas = small_areas

    @property
    def stadtteile(self) -> pd.DataFrame:
        """The base-level values under their former name (Münster's base level)."""
        return self.small_areas


def _nonempty_concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    present = [f for f in frames if not f.empty]
    return pd.concat(present, ignore_index=True) if present else frames[0].iloc[0:0]


def indicator_section(indicator_id: str, report_year: int, map_groups: tuple[str, ...] | None = None) -> IndicatorSection:
    """The standard block for one indicator: heading, definition, key figures, series, gap, maps.

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
    >>> sorted(section.tables)                          # doctest: +SKIP
    ['abstand', 'karte', 'text', 'zeitreihe']
    """
    ind = _cat().indicator(indicator_id)
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
    lo, hi = window(year)
    city_window = city[(city["year"] >= lo) & (city["year"] <= hi)]
    first = first_compared_year(city, year)
    text_cells = [city[city["year"].isin([year] if first is None else [year, first])],
                  small_areas[(small_areas["year"] == year) & (small_areas["group"] == "total")]]
    result.table("text", _nonempty_concat(text_cells))
    result.markdown(result.sentence(key_sentences(ind, city, small_areas, year)),
                    records=[Record(cells, "Text") for cells in text_cells])
    _add_staff_text(result, "indikator", ind.id, report_year)
    shown_years = city_window.loc[city_window["value"].notna(), "year"]
    if shown_years.nunique() == 1:  # one point is no series: the value, as a table
        single = result.table("zeitreihe", city_window[city_window["year"] == year])
        result.html(single_year_table(ind, single, year, (lo, hi)), records=[Record(single, "Tabelle")])
    else:
        title = f"{ind.name}, {areas.city().name} {shown_years.min()}–{shown_years.max()}"
        groups = ["total", *ind.group_values]
        result.figure("zeitreihe", charts.time_series(city_window, ind, title, year, groups),
                      alt=series_alt(ind, title, city_window, groups),
                      records=[Record(result.table("zeitreihe", city_window), "Zeitreihe")], data="indikatoren")
    if ind.group_values:
        gap = result.table("abstand", gap_frame(ind, city, year))
        result.html(gap_table(ind, city, year, gap), records=[Record(gap_cells(ind, city, gap), "Tabelle")])
    if mapped:
        for group in map_groups or ind.map_groups:
            _add_map(result, ind, small_areas, year, group, _value(city, year, group))
    return result


class Chapter(Shown):
    """A Handlungsfeld chapter body: the opening, then one `IndicatorSection` per indicator.

    Attributes
    ----------
    handlungsfeld : str
        The Handlungsfeld id.
    sections : dict of str to IndicatorSection
        The indicator blocks by indicator id, in catalogue order.

    Examples
    --------
    >>> chapter = handlungsfeld("sport", 2014)
    >>> list(chapter.sections) == [i.id for i in catalogue.load().for_handlungsfeld("sport")]
    True
    """

    def __init__(self, hf_id: str, title: str) -> None:
        super().__init__(title)
        self.handlungsfeld = hf_id
        self.sections: dict[str, IndicatorSection] = {}


def handlungsfeld(hf_id: str, report_year: int) -> Chapter:
    """A whole Handlungsfeld chapter body: its aim (and commentary), every indicator of the catalogue
    in order, then the recommendations if written.

    A convenience; the chapter notebooks call `opening`, `indicator_section` and `recommendations` cell by cell.
    """
    result = Chapter(hf_id, _cat().handlungsfeld(hf_id).name)
    result.add(opening(hf_id, report_year))
    for ind in _cat().for_handlungsfeld(hf_id):
        result.sections[ind.id] = section = indicator_section(ind.id, report_year)
        result.add(section)
    _add_staff_text(result, "empfehlungen", hf_id, report_year)
    return result


def extremes_table(indicator_id: str, year: int, n: int = 5) -> Shown:
    """The n base-level areas (Münster: Stadtteile) with the highest and the lowest values (after disclosure control).

    `tables["extremwerte"]` holds the shown rows (disclosed values with flags, column `Rang`:
    "höchste"/"niedrigste"); empty result if the indicator has no base-level values yet.
    """
    ind = _cat().indicator(indicator_id)
    base = levels.hierarchy().base
    result = Shown(f"{ind.name}: höchste und niedrigste Werte")
    small_areas = disclosed.values(ind)
    latest = compute.latest_year(small_areas[small_areas["group"] == "total"], up_to=year)
    if latest is None:
        return result
    if latest != year:
        result.markdown(f"*Für {year} liegen keine Werte der {base.plural} vor; gezeigt wird {latest}.*")
    year = latest
    shown = small_areas[(small_areas["year"] == year) & (small_areas["group"] == "total")]
    shown = shown.dropna(subset=["value"]).sort_values("value", ascending=False)
    rows = result.table("extremwerte", pd.concat([shown.head(n).assign(Rang="höchste"),
                                                  shown.tail(n).assign(Rang="niedrigste")]))
    table = pd.DataFrame({
        "Rang": rows["Rang"],
        base.name: rows["area_code"] + " " + rows["area_name"],
        "Anzahl": [formatting.number(v) if pd.notna(v) else "." for v in suppression.suppress_counts(rows["numerator"])],
        "Bevölkerung": [formatting.number(v) for v in rows["denominator"]],
        ind.name: [formatting.with_unit(v, ind.unit, flag=f) for v, f in zip(rows["value"], rows["flag"])],
    })
    caption = f"{base.plural} mit den höchsten und niedrigsten Werten, {year}"
    result.html(table_html(table, caption, ind.source, synthetic=bool(rows["synthetic"].any()), hidden_headers=("Rang",)),
                records=[Record(rows, "Tabelle")])
    return result


#: Münster's parts of the population with migration history (origin group -> label), the default of `composition`.
COMPOSITION_PARTS = {"foreign": "Ausländer/-innen", "german_mig_personal": "Deutsche mit persönlicher MV",
                     "german_mig_inherited": "Deutsche mit vererbter MV"}


def composition_levels() -> tuple[str, ...]:
    """The levels the composition compares: the city and, if the city has one, its outline level."""
    outline = levels.hierarchy().outline
    return (levels.CITY,) if outline is None else (levels.CITY, outline.code)


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
    city_parts = [compute.counts(catalogue.Term("population", origin=o), levels.CITY) for o in ["total", *parts]]
    years = set.intersection(*(set(c.loc[c["count"].notna(), "year"]) for c in city_parts))
    years = {y for y in years if y <= report_year}
    if not years:
        return result.markdown(f"*Für die Zusammensetzung liegen bis {report_year} keine Daten vor.*")
    if max(years) != report_year:
        result.markdown(f"*Für {report_year} liegt die Gliederung noch nicht vor; gezeigt wird {max(years)}.*")
    report_year = max(years)
    rows: dict[str, dict[str, float]] = {}
    for level in composition_levels():
        _composition_rows(rows, level, report_year, parts)
    table = result.table("zusammensetzung", pd.DataFrame(rows).T[list(parts.values())])
    source = city_profile.citation(observations.cited_sources("population", ["total", *parts], [report_year]))
    fig = charts.stacked_composition(table, f"{title}, {report_year}", source)
    city_row = table.iloc[0].to_dict()  # composition_levels() starts with the city
    alt = alttext.shares_alt(f"{title}, {report_year}", city_row, str(table.index[0]))
    return result.figure("zusammensetzung", fig, alt=alt)


def _composition_rows(rows: dict[str, dict[str, float]], level: str, year: int, parts: dict[str, str]) -> None:
    """Add each area of `level`: its parts in % of all residents, under the area's name."""
    total = compute.counts(catalogue.Term("population"), level)
    total = total[total["year"] == year].set_index("area_code")["count"]
    names = areas.area_names(level)
    for origin, label in parts.items():
        c = compute.counts(catalogue.Term("population", origin=origin), level)
        c = c[c["year"] == year].set_index("area_code")["count"]
        for code, value in c.items():
            rows.setdefault(names.get(code, code), {})[label] = float(value) / float(total[code]) * 100


def development_maps(indicator_id: str, report_year: int, span: int = 4) -> Shown:
    """Small multiples over the last `span` + 1 years on one scale, and the change map over the span.

    `tables["entwicklung"]` holds the mapped base-level values (disclosed, with flags) of the
    years shown; `figures` "entwicklung" and "veraenderung". Empty with fewer than two years.
    """
    ind = _cat().indicator(indicator_id)
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
    changes = (after.set_index("area_name")["value"].astype("Float64")
               - before.set_index("area_name")["value"].astype("Float64"))
    result.figure("veraenderung", maps.change_map(before, after, change_title, source, years[0], years[-1], unit=ind.unit),
                  alt=alttext.change_alt(change_title, {str(k): (None if pd.isna(v) else float(v))
                                                        for k, v in changes.items()}, ind.unit),
                  data="indikatoren")
    if any(years[0] < int(b.split(":", 1)[0]) <= years[-1] for b in ind.breaks):
        result.markdown("*Hinweis: In diesem Zeitraum liegt ein Bruch in der Reihe (siehe Definitionskasten); "
                        "ein Teil der Veränderung kann auf die Umstellung zurückgehen.*")
    return result


def development_alt(ind: Indicator, title: str, mapped: pd.DataFrame, years: list[int]) -> str:
    """What the small multiples say: highest and lowest area in the first and the last year shown."""
    described = [f"{year}: {alttext.extremes(area_values(mapped[mapped['year'] == year]), ind.unit)}" for year in years]
    return f"Karten: {' '.join(title.split())}. " + "; ".join(described) + "."


def latest_common_year(indicator_ids: list[str], report_year: int, level: str | None = None) -> int | None:
    """Latest year up to the report year in which every indicator has values at `level` (default: base)."""
    common: set[int] | None = None
    for ind_id in indicator_ids:
        vals = disclosed.values(_cat().indicator(ind_id), level)
        years = set(vals.loc[vals["value"].notna() & (vals["group"] == "total"), "year"].astype(int))
        common = years if common is None else common & years
    candidates = [y for y in (common or set()) if y <= report_year]
    return max(candidates) if candidates else None


def combined_source(indicator_ids: list[str]) -> str:
    """Several indicators: name the chapters whose definition boxes hold the full sources."""
    cat = _cat()
    if len(indicator_ids) == 1:
        return charts.short_source(cat.indicator(indicator_ids[0]))
    chapters = dict.fromkeys(cat.handlungsfeld(cat.indicator(i).handlungsfeld).name for i in indicator_ids)
    return ("Quellen der Indikatoren siehe Definitionskästen in den Kapiteln " + ", ".join(chapters)
            + "; eigene Berechnung")
