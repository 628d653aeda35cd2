"""The summary chapter: one table over all indicators, grouped by Handlungsfeld.

Per indicator (city level): latest value up to the report year, its change over one, five
and ten years, the gap between the compared groups and its change over five years, and the
trend assessment of `helpers.indicators.trend` against the desired direction.

`summary` (also called `show`) returns a `Summary` result: shown as a cell's last
expression it renders the table and the data status and records the city cells the table
is computed from; kept in a variable it holds the rows as a DataFrame.
"""

from __future__ import annotations

import html

import pandas as pd

from helpers.core import catalogue, formatting, levels
from helpers.core.catalogue import GROUP_LABELS, Indicator
from helpers.disclosure import disclosed
from helpers.figures import charts
from helpers.indicators import compute, trend
from helpers.sections.shown import Record, Shown

CHANGE_SPANS = (1, 5, 10)
COLUMNS = ["Indikator", "Jahr", "Wert", "Δ 1 J.", "Δ 5 J.", "Δ 10 J.", "Abstand", "Δ Abstand 5 J.", "Bewertung"]


def _series(frame: pd.DataFrame, column: str = "value") -> dict[int, float]:
    present = frame.dropna(subset=[column])
    return {int(y): float(v) for y, v in zip(present["year"], present[column])}


def _signed(value: float | None) -> str:
    if value is None:
        return "–"
    value = round(value, 1)  # the sign follows the shown digits: no "−0,0"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return sign + formatting.number(abs(value), 1)


def indicator_row(ind: Indicator, report_year: int) -> dict:
    """The summary figures of one indicator (None where not available)."""
    city = disclosed.values(ind, levels.CITY)
    totals = _series(city[(city["group"] == "total") & (city["year"] <= report_year)])
    row = dict(hf=ind.handlungsfeld, id=ind.id, name=ind.name, unit=ind.unit, synthetic=ind.synthetic,
               direction=ind.direction, year=None, value=None, gap=None, gap_change=None)
    if not totals:
        row["assessment"] = trend.Assessment(trend.NOT_ASSESSED, None, None, None)
        return row
    year = max(totals)
    flags = city[(city["group"] == "total")].set_index("year")["flag"]
    row.update(year=year, value=totals[year], flag=flags.get(year, ""))
    for span in CHANGE_SPANS:
        row[f"change_{span}"] = totals[year] - totals[year - span] if (year - span) in totals else None
    gaps: dict[int, float] = {}
    if ind.group_values:
        gaps = _series(compute.gap(city, ind)[lambda g: g["year"] <= report_year], "difference")
        row["gap"] = gaps.get(year)
        if year in gaps and (year - 5) in gaps:
            row["gap_change"] = abs(gaps[year]) - abs(gaps[year - 5])
    series = gaps if ind.direction == "gap_shrink" else totals
    row["assessment"] = trend.assess(ind.direction, series, year)
    return row


def rows(report_year: int) -> list[dict]:
    cat = catalogue.load()
    return [indicator_row(ind, report_year) for hf in cat.handlungsfelder for ind in cat.for_handlungsfeld(hf.id)]


def _cells(row: dict, report_year: int) -> list[str]:
    mark = f' <span class="synthetic-mark">{charts.SYNTHETIC_MARK}</span>' if row["synthetic"] else ""
    year = "–" if row["year"] is None else str(row["year"])
    if row["year"] is not None and row["year"] != report_year:
        year += " (letztes verfügbares Jahr)"
    value = "–" if row["value"] is None else formatting.with_unit(row["value"], row["unit"], flag=row.get("flag", ""))
    assessment: trend.Assessment = row["assessment"]
    verdict = f"{assessment.symbol} {assessment.label}"
    if assessment.base_year is not None:
        verdict += f" (ggü. {assessment.base_year})"
    return [
        html.escape(row["name"]) + mark, html.escape(year), html.escape(value),
        *[_signed(row.get(f"change_{s}")) for s in CHANGE_SPANS],
        _signed(row["gap"]), _signed(row["gap_change"]), html.escape(verdict),
    ]


def table_html(report_year: int, summary_rows: list[dict] | None = None) -> str:
    """The summary table as HTML, one header row per Handlungsfeld."""
    cat = catalogue.load()
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in COLUMNS)
    body = []
    by_hf: dict[str, list[dict]] = {}
    for row in summary_rows or rows(report_year):
        by_hf.setdefault(row["hf"], []).append(row)
    for hf in cat.handlungsfelder:
        # One <tbody> per Handlungsfeld, its name the header of that group of rows (scope="rowgroup").
        body.append(f'<tbody><tr class="hf-row"><th scope="rowgroup" colspan="{len(COLUMNS)}">{html.escape(hf.name)}</th></tr>')
        for row in by_hf.get(hf.id, []):
            cls = ' class="synthetic"' if row["synthetic"] else ""
            body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in _cells(row, report_year)) + "</tr>")
        body.append("</tbody>")
    note = (
        "Δ: Veränderung gegenüber dem Wert 1, 5 bzw. 10 Jahre zuvor, bei Anteilen in Prozentpunkten, sonst in der "
        "Einheit des Indikators. Abstand: Wert der ersten minus Wert der zweiten Vergleichsgruppe "
        f"({', '.join(sorted({' / '.join(GROUP_LABELS[g] for g in i.group_values) for i in cat.indicators if i.group_values}))}); "
        "Δ Abstand: Veränderung des Betrags des Abstands über 5 Jahre (negativ = Abstand kleiner)."
    )
    return (
        f'<figure class="im-table-figure summary"><table class="im-table summary-table"><caption>Alle Indikatoren '
        f"im Überblick, Berichtsjahr {report_year}</caption><thead><tr>{head}</tr></thead>{''.join(body)}"
        f'</table><p class="source">{html.escape(note)}</p><p class="rule">{html.escape(trend.RULE_TEXT)}</p>'
        "<p class=\"source\">Quellen: siehe Definitionskästen der Kapitel.</p></figure>"
    )


def missing_html(report_year: int, summary_rows: list[dict] | None = None) -> str:
    """Which indicators have no value for the report year, and which year they show instead.

    New deliveries rarely arrive complete; the report says so instead of failing.
    """
    cat = catalogue.load()
    names = {hf.id: hf.name for hf in cat.handlungsfelder}
    late = [r for r in (summary_rows or rows(report_year)) if r["year"] != report_year]
    if not late:
        return f'<p class="data-status">Für alle Indikatoren liegen Werte für das Berichtsjahr {report_year} vor.</p>'
    items = "".join(
        f"<li>{html.escape(r['name'])} ({html.escape(names.get(r['hf'], r['hf']))}): "
        + ("keine Daten bis zum Berichtsjahr" if r["year"] is None else f"gezeigt wird {r['year']}")
        + (f' <span class="synthetic-mark">{charts.SYNTHETIC_MARK}</span>' if r["synthetic"] else "")
        + "</li>"
        for r in late
    )
    return (f'<div class="data-status"><p><strong>Datenlage:</strong> Für {len(late)} von {len(cat.indicators)} '
            f"Indikatoren liegt für das Berichtsjahr {report_year} noch kein Wert vor. Sie zeigen das letzte "
            f"verfügbare Jahr:</p><ul>{items}</ul></div>")


def shown_cells(ind: Indicator, row: dict) -> pd.DataFrame:
    """The disclosed city cells a summary row is computed from, for the register.

    The value and its changes use the totals of the year and 1, 5 and 10 years before; the
    gap and its change use both compared groups in the year and 5 years before.
    """
    city = disclosed.values(ind, levels.CITY)
    if row["year"] is None:
        return city.iloc[0:0]
    year = row["year"]
    totals = (city["group"] == "total") & city["year"].isin([year, *(year - s for s in CHANGE_SPANS)])
    groups = city["group"].isin(ind.group_values) & city["year"].isin([year, year - 5])
    return city[(totals | groups) & city["value"].notna()]


def frame(summary_rows: list[dict]) -> pd.DataFrame:
    """The summary rows as a table: one row per indicator, the assessment spread over columns."""
    table = pd.DataFrame([{k: v for k, v in row.items() if k != "assessment"} for row in summary_rows])
    assessments = [row["assessment"] for row in summary_rows]
    return table.assign(assessment=[a.label for a in assessments], assessment_symbol=[a.symbol for a in assessments],
                        assessment_base_year=[a.base_year for a in assessments])


class Summary(Shown):
    """The summary chapter as a result: the table of all indicators and the data status.

    Attributes
    ----------
    report_year : int
        The report year asked for.
    rows : list of dict
        One dict per indicator (see `indicator_row`), in catalogue order.
    tables : dict of str to pandas.DataFrame
        "uebersicht": the rows as a DataFrame (latest value with its flag, changes over 1, 5
        and 10 years, gap and its change, assessment); "zellen": the disclosed city cells
        they are computed from (what the register records when the summary is shown).

    Examples
    --------
    >>> result = summary(2014)
    >>> table = result.tables["uebersicht"]
    >>> round(float(table.set_index("id").loc["mv_anteil", "value"]), 1)
    21.7
    """

    notes = ("summary",)  # the reading guide points to the summary chapter

    def __init__(self, report_year: int, summary_rows: list[dict]) -> None:
        super().__init__(f"Alle Indikatoren im Überblick, Berichtsjahr {report_year}")
        self.report_year = report_year
        self.rows = summary_rows


def summary(report_year: int) -> Summary:
    """The summary table over all indicators and the list of indicators without a value for the year."""
    cat = catalogue.load()
    summary_rows = rows(report_year)
    result = Summary(report_year, summary_rows)
    result.table("uebersicht", frame(summary_rows))
    cells = [shown_cells(cat.indicator(row["id"]), row) for row in summary_rows]
    present = [c for c in cells if not c.empty]
    result.table("zellen", pd.concat(present, ignore_index=True) if present else cells[0])
    result.html(table_html(report_year, summary_rows), records=[Record(result.tables["zellen"], "Tabelle")])
    result.html(missing_html(report_year, summary_rows))
    return result


#: The name notebook 01 has always called.
show = summary
