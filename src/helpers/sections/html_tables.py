"""The report's tables as accessible HTML: any report table, the definition box, the gap, one-year and extremes tables.

Every table has its caption in <caption> and its headers as <th scope>, so a screen reader
announces it by its title and each cell with its column or row (WCAG 1.3.1). The functions return
text only: the section that shows a table records the cells behind it (helpers.sections.shown).

    >>> import pandas as pd
    >>> table_html(pd.DataFrame({"Jahr": ["2014"]}), "Titel", "Quelle A")[:71]
    '<figure class="im-table-figure"><table class="dataframe im-table"><capt'
"""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence

import pandas as pd

from helpers.core import areas, formatting, levels
from helpers.core.catalogue import GROUP_LABELS, Indicator
from helpers.disclosure import suppression
from helpers.figures import charts
from helpers.sections import break_marks
from helpers.sections.selection import gap_frame
from helpers.sections.wording import calculation_text


def _cell(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def table_html(table: pd.DataFrame, caption: str, source: str, synthetic: bool = False,
               hidden_headers: tuple[str, ...] = (), marks: Collection[tuple[int, str]] = (),
               notes: Sequence[str] = ()) -> str:
    """A report table: the caption in <caption> and column headers as <th scope="col">, so a screen
    reader announces the table by its title and each cell with its column (WCAG 1.3.1).

    `hidden_headers` are columns whose header only screen readers need (the cells say it, e.g. "höchste").
    `marks` are the cells (row position, column) of a first year after a series break: the break mark
    stands before their value (helpers.sections.break_marks); `notes` say under the table why.
    """
    mark = f' <span class="synthetic-mark">{charts.SYNTHETIC_MARK}</span>' if synthetic else ""
    head = "".join(f'<th scope="col"><span class="visually-hidden">{html.escape(str(c))}</span></th>'
                   if c in hidden_headers else f'<th scope="col">{html.escape(str(c))}</th>' for c in table.columns)
    marked = set(marks)
    rows = "".join("<tr>" + "".join(f"<td>{break_marks.marked_cell(_cell(v)) if (i, c) in marked else _cell(v)}</td>"
                                    for c, v in zip(table.columns, row)) + "</tr>"
                   for i, row in enumerate(table.itertuples(index=False, name=None)))
    return (f'<figure class="im-table-figure"><table class="dataframe im-table"><caption>{html.escape(caption)}{mark}'
            f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{break_marks.notes_html(notes)}"
            f'<p class="source">Quelle: {html.escape(" ".join(source.split()))}</p></figure>')


def year_marks(ind: Indicator, years: Sequence[int], columns: Sequence[str]) -> set[tuple[int, str]]:
    """The cells of `columns` in the rows (by position) whose year is a first year after a break of `ind`."""
    marked = set(break_marks.marked_years(ind, years))
    return {(i, c) for i, y in enumerate(years) if int(y) in marked for c in columns}


def _level_label(code: str) -> str:
    """The level's German name for the definition box ("Stadtteil"; the city is "Stadt")."""
    return "Stadt" if code == levels.CITY else levels.hierarchy().level(code).name


def definition_box(ind: Indicator) -> str:
    """The indicator's catalogue entry as a box of row-headed facts: definition, calculation, unit, source, breaks."""
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


def gap_table(ind: Indicator, city: pd.DataFrame, year: int, frame: pd.DataFrame | None = None) -> str:
    """Years x (group a, group b, difference, ratio) for the city, as HTML.

    Returns text only: the caller records `selection.gap_cells` with the part that shows it.
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
    years = g["year"].astype(int).tolist()
    return table_html(table, caption, ind.source, synthetic=bool(city["synthetic"].any()),
                      marks=year_marks(ind, years, [GROUP_LABELS[a], GROUP_LABELS[b]]),
                      notes=break_marks.break_notes(ind, years))


def single_year_table(ind: Indicator, city_year: pd.DataFrame, year: int, span: tuple[int, int]) -> str:
    """The city's values of the one year a series has so far, by group: a chart of one point says less."""
    order = {g: i for i, g in enumerate(GROUP_LABELS)}
    rows = city_year.assign(order=city_year["group"].map(order)).sort_values("order")
    table = pd.DataFrame({
        "Gruppe": [GROUP_LABELS.get(g, g) for g in rows["group"]],
        str(year): [formatting.with_unit(v, ind.unit, flag=f) for v, f in zip(rows["value"], rows["flag"])],
    })
    caption = f"{ind.name}, {areas.city().name} {year} (einziges Jahr mit Werten im Zeitraum {span[0]}–{span[1]})"
    return table_html(table, caption, ind.source, synthetic=bool(city_year["synthetic"].any()),
                      marks=year_marks(ind, [year] * len(table), [str(year)]),
                      notes=break_marks.break_notes(ind, [year]))


def extremes_html(ind: Indicator, rows: pd.DataFrame, year: int) -> str:
    """The base-level areas with the highest and lowest values; counts of small numbers stay hidden.

    `rows` are the shown disclosed values with a column `Rang` ("höchste"/"niedrigste").
    """
    base = levels.hierarchy().base
    table = pd.DataFrame({
        "Rang": rows["Rang"],
        base.name: rows["area_code"] + " " + rows["area_name"],
        "Anzahl": [formatting.number(v) if pd.notna(v) else "." for v in suppression.suppress_counts(rows["numerator"])],
        "Bevölkerung": [formatting.number(v) for v in rows["denominator"]],
        ind.name: [formatting.with_unit(v, ind.unit, flag=f) for v, f in zip(rows["value"], rows["flag"])],
    })
    caption = f"{base.plural} mit den höchsten und niedrigsten Werten, {year}"
    return table_html(table, caption, ind.source, synthetic=bool(rows["synthetic"].any()), hidden_headers=("Rang",),
                      marks=year_marks(ind, [year] * len(table), [ind.name]), notes=break_marks.break_notes(ind, [year]))


def level_table_html(ind: Indicator, level: levels.Level, cells: pd.DataFrame, city_cells: pd.DataFrame,
                     year: int) -> str:
    """One declared level's values in `year`, an area per row (code and name) and the city last; a column per
    group shown (total first, then the compared groups). `cells` and `city_cells` are disclosed values: a
    withheld value shows its symbol."""
    groups = [g for g in ["total", *ind.group_values] if (cells["group"] == g).any()]
    both = pd.concat([cells, city_cells[city_cells["group"].isin(groups)]], ignore_index=True)
    order = list(dict.fromkeys(cells["area_code"]))
    city = areas.city()
    names = {code: f"{code} {name}" for code, name in zip(cells["area_code"], cells["area_name"].fillna(""))}
    names[city.code] = city.name
    rows = [*order, *([city.code] if (city_cells["group"] == "total").any() else [])]
    shown = {(code, g): formatting.with_unit(v, ind.unit, flag=f)
             for code, g, v, f in zip(both["area_code"], both["group"], both["value"], both["flag"].fillna(""))}
    labels = [GROUP_LABELS.get(g, g) for g in groups]
    table = pd.DataFrame({level.name: [names[code].strip() for code in rows],
                          **{label: [shown.get((code, g), ".") for code in rows] for g, label in zip(groups, labels)}})
    caption = f"{ind.name} nach {level.dative}, {year}"
    return table_html(table, caption, ind.source, synthetic=bool(both["synthetic"].astype("boolean").fillna(False).any()),
                      marks=year_marks(ind, [year] * len(table), labels), notes=break_marks.break_notes(ind, [year]))
