"""What the spatial-analysis sections return: result objects with the statistics' results as named fields.

`SegregationSection`, `SpatialSection` (with its `LisaSection`) and `SocialSpaceSection` are the
`Shown` results of helpers.sections.area_patterns; they only hold what the section computed
(helpers.sections.shown says how a result renders and records). Each names in `notes` the
method note the report's closing pages print when the section was shown.

    >>> section = SegregationSection(2014)
    >>> section.title, section.notes, section.results
    ('Segregation', ('segregation',), {})
"""

from __future__ import annotations

import pandas as pd

from helpers.sections.shown import Shown
from helpers.stats import segregation, socialspace, spatial


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
