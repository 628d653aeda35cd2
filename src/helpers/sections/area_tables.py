"""The tables of the spatial analyses as the reader sees them: German headers, formatted numbers, HTML.

Each function takes the numbers of helpers.sections.area_statistics (or a statistics result)
and returns the accessible HTML table (helpers.sections.html_tables.table_html) with its
caption and source line; the sections in helpers.sections.area_patterns place them.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"label": ["A und B"], "year": [2014], "share": [0.25], "dissimilarity": [0.3],
    ...                       "isolation": [0.31], "isolation_corrected": [0.08], "exposure": [0.69]})
    >>> segregation_shown(table).drop(columns="Anteil der Gruppe").iloc[0].tolist()
    ['A und B', '2014', '0,300', '0,310', '0,080', '0,690']
"""

from __future__ import annotations

import pandas as pd

from helpers.core import catalogue, formatting
from helpers.sections import break_marks
from helpers.sections.area_statistics import base_level, n_areas
from helpers.sections.area_wording import number, population_source
from helpers.sections.html_tables import table_html, year_marks
from helpers.stats import socialspace


def segregation_shown(table: pd.DataFrame) -> pd.DataFrame:
    """The indices as the report's table shows them (German headers, formatted numbers)."""
    return pd.DataFrame({
        "Gruppen": table["label"], "Jahr": table["year"].astype(str),
        "Anteil der Gruppe": [formatting.with_unit(v * 100, "%") for v in table["share"]],
        "Dissimilarität D": [number(v) for v in table["dissimilarity"]],
        "Isolation": [number(v) for v in table["isolation"]],
        "Isolation bereinigt (η²)": [number(v) for v in table["isolation_corrected"]],
        "Kontakt (Exposure)": [number(v) for v in table["exposure"]],
    })


def segregation_html(table: pd.DataFrame) -> str:
    """The segregation indices of every pair and year of the look back; the values of a first year after a
    break of the population counts (the population shares' declared breaks) marked, the reason below."""
    shown = segregation_shown(table)
    breaks = break_marks.population_breaks()
    starts = {catalogue.break_year(b) for b in breaks}
    years = table["year"].astype(int).tolist()
    values = [c for c in shown.columns if c not in ("Gruppen", "Jahr")]
    marks = {(i, c) for i, y in enumerate(years) if y in starts for c in values}
    notes = [break_marks.note(b) for b in breaks if catalogue.break_year(b) in set(years)]
    return table_html(shown, f"Segregationsindizes auf Ebene der {n_areas()} {base_level().plural}",
                      population_source(table["year"]), marks=marks, notes=notes)


def moran_html(table: pd.DataFrame, indicator_ids: list[str]) -> str:
    """Moran's I with its pseudo p-value, one row per year and a column per indicator (in the order asked)."""
    wide = table.assign(cell=[f"{number(i, 2)} ({number(p, 3)})" for i, p in zip(table["moran_i"], table["p_sim"])])
    order = [catalogue.load().indicator(i).name for i in indicator_ids if i in set(table["indicator"])]
    wide = wide.pivot(index="year", columns="name", values="cell")[order].fillna(".")
    wide = wide.reset_index().rename(columns={"year": "Jahr"})
    years = wide["Jahr"].astype(int).tolist()
    wide["Jahr"] = wide["Jahr"].astype(str)
    shown = [catalogue.load().indicator(i) for i in indicator_ids if i in set(table["indicator"])]
    marks = set().union(*(year_marks(ind, years, [ind.name]) for ind in shown))
    notes = [n for ind in shown for n in break_marks.break_notes(ind, years, named=True)]
    return table_html(wide, f"Moran's I (Queen-Nachbarschaft, {n_areas()} {base_level().plural}), in Klammern der Pseudo-p-Wert",
                      population_source(table["year"]), synthetic=bool(table["synthetic"].any()), marks=marks, notes=notes)


def social_space_html(result: socialspace.SocialSpaceResult, source: str) -> str:
    """The classified areas by status index (highest first): population, indicators, indices and classes."""
    cat, base = catalogue.load(), base_level()
    order = result.table.sort_values(["status_index"], ascending=False)
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
    inds = [cat.indicator(i) for i in result.indicator_ids]
    years = [int(result.year)] * len(shown)
    return table_html(shown, f"Sozialraumindex {result.year} je {base.name}, geordnet nach dem Statusindex",
                      source, synthetic=result.synthetic,
                      marks=set().union(*(year_marks(ind, years, [ind.name]) for ind in inds)),
                      notes=[n for ind in inds for n in break_marks.break_notes(ind, years[:1], named=True)])
