"""What the indicator and Handlungsfeld sections return: result objects with named fields.

`IndicatorSection` (one indicator: heading, definition box, key sentences, series, gap table,
maps) and `HandlungsfeldSection` (a Handlungsfeld's chapter body, one `IndicatorSection` per
indicator) are the `Shown` results of helpers.sections.blocks; they only hold what the block
computed (helpers.sections.shown says how a result renders and records).
"""

from __future__ import annotations

import pandas as pd

from helpers.core.catalogue import Indicator
from helpers.sections.shown import Shown


class IndicatorSection(Shown):
    """One indicator as a chapter shows it: heading, definition box, key sentences, series, gap table, maps.

    Returned by `blocks.indicator_section`. As a cell's last expression it renders exactly as the
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
    >>> from helpers.sections.blocks import indicator_section
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


class HandlungsfeldSection(Shown):
    """A Handlungsfeld chapter body: the opening, then one `IndicatorSection` per indicator.

    Returned by `blocks.handlungsfeld`; not a declared chapter of the report (helpers.core.config.Chapter).

    Attributes
    ----------
    handlungsfeld : str
        The Handlungsfeld id.
    sections : dict of str to IndicatorSection
        The indicator blocks by indicator id, in catalogue order.

    Examples
    --------
    >>> from helpers.core import catalogue
    >>> from helpers.sections.blocks import handlungsfeld
    >>> chapter = handlungsfeld("sport", 2014)
    >>> list(chapter.sections) == [i.id for i in catalogue.load().for_handlungsfeld("sport")]
    True
    """

    def __init__(self, hf_id: str, title: str) -> None:
        super().__init__(title)
        self.handlungsfeld = hf_id
        self.sections: dict[str, IndicatorSection] = {}
