"""Social-space index after Berlin's "Monitoring Soziale Stadtentwicklung" (MSS).

Method (MSS since 2013; Senatsverwaltung für Stadtentwicklung und Umwelt Berlin, "Monitoring
Soziale Stadtentwicklung Berlin 2013", bearbeitet vom Difu; the same index method in later
editions, see https://fbinter.stadt-berlin.de/fb_daten/beschreibung/sozstadt_2015LOR.html):

1. Index indicators per area, oriented so that a higher value means more disadvantage.
   Berlin's status indicators are unemployment, long-term unemployment (MSS 2013 and 2015;
   MSS 2019 has three index indicators without it), transfer receipt (SGB II/XII) and child
   poverty, all shares of the population (15 to under 65 resp. under 15 years).
2. Areas below a population floor (Berlin: 300 residents) are left out before anything is
   computed, so that tiny areas neither get a class nor shift the mean and SD of the others.
3. Status: each indicator in the report year is z-standardised across the included areas;
   the status index is the mean of these z-scores, standardised again. (Berlin adds the
   z-scores; after the second standardisation sum and mean give the same index.)
4. Dynamics: the change of each indicator over `period` years (Berlin: two years, 31.12. to
   31.12.; for rates in percentage points) is z-standardised in the same way; mean, again
   standardised.
5. Classes by standard deviations of the re-standardised index:
   status 1 "hoch" (< −1), 2 "mittel" (−1 to +1), 3 "niedrig" (+1 to +1,5),
   4 "sehr niedrig" (> +1,5); dynamics 1 "positiv" (< −1), 2 "stabil" (−1 to +1),
   3 "negativ" (> +1); together 4 × 3 = 12 groups ("Gesamtindex Soziale Ungleichheit").
   Boundaries: the MSS reports give the classes as "von … bis" without saying where a value
   exactly on a boundary goes. Here a boundary value belongs to the class nearer the middle:
   exactly −1 and +1 are "mittel"/"stabil", exactly +1,5 is "niedrig" (strict inequalities
   outwards). Exact ties are rare with real data; the rule is fixed so results are reproducible.

Checked against Berlin's published descriptions (fbinter.stadt-berlin.de, daten.berlin.de):
the four index indicators, the two-year period 31.12.–31.12., 4 status × 3 dynamics classes
and their names, classing "nach Standardabweichung vom Mittelwert", 434 of 447
Planungsräume classified in MSS 2013. The cut-offs −1/+1/+1,5 and the floor of 300 residents
are as stated in the MSS reports' method chapter; verify against the report PDF before
publishing a comparison with Berlin.

Choices of this implementation, documented because Berlin's reports leave them implicit:
z-scores use the unweighted mean and the sample SD (n − 1) across areas (each area counts
once, as in the MSS); an indicator that is constant across areas has z = 0 everywhere.
Values pass the disclosure rule first (the caller passes disclosed values; this module reads
no data of its own, helpers.sections.area_statistics fetches them): a suppressed rate is
treated like a missing one and the area is excluded (named in `excluded`), never filled in.

Direction: indicators whose catalogue direction is `higher_better` are multiplied by −1
before standardising (in both years, so their change is flipped too), so that a high index
always means low status and a high dynamics index a worsening. For `gap_shrink` indicators
the catalogue direction describes the gap between groups, not the total value;
`TOTAL_DIRECTIONS` states the direction of the total for the ones that measure disadvantage
(e.g. `alo_dichte`). `descriptive` indicators (e.g. the share with Migrationsvorgeschichte)
are refused unless a direction is given explicitly: a population share is not a
disadvantage and must not slip into a status index by default. A series break
(catalogue `breaks`) inside the dynamics period gives a German warning, since the change
then partly measures the new method.

Default indicators: the real Münster per-Stadtteil indicators closest to Berlin's status
indicators. Berlin's transfer and child-poverty indicators exist here only as synthetic demo
data (`sgb2_quote`, `kinderarmut`); they are left out of the default so that the default
index describes Münster, not the generator. They can still be passed explicitly, and the
result is then flagged `synthetic`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.core import catalogue

DEFAULT_INDICATORS = ["alo_dichte", "alo_sgb2_dichte", "langzeit_alo_dichte"]
#: Direction of the total value of gap_shrink indicators that measure disadvantage.
TOTAL_DIRECTIONS = {"alo_dichte": "lower_better", "sgb2_quote": "lower_better",
                    "kinderarmut": "lower_better", "altersarmut": "lower_better"}
STATUS_LABELS = {1: "hoch", 2: "mittel", 3: "niedrig", 4: "sehr niedrig"}
DYNAMICS_LABELS = {1: "positiv", 2: "stabil", 3: "negativ"}
MIN_AREAS = 3


class SocialSpaceError(ValueError):
    """A social-space request that cannot be computed; the message (German) says why."""


@dataclass(frozen=True, eq=False)
class SocialSpaceResult:
    """Status and dynamics index of the areas, with the parameters that produced it.

    Attributes
    ----------
    table : DataFrame
        One row per classified area: area_code, area_name, population, per indicator its value,
        z-score, change and z-score of the change, then status_index/_class/_label,
        dynamics_index/_class/_label and group_label ("status / dynamics").
    excluded : DataFrame
        area_code, area_name, reason (German) of every area left out.
    synthetic : bool
        True if any index indicator contains demo data.
    indicator_ids : tuple of str
        The index indicators, in order.
    year, base_year : int
        Report year (status) and base year of the dynamics (``year - period``).
    population_floor : int
        Areas with fewer residents are not classified.
    flipped : tuple of str
        Indicators multiplied by −1 (higher_better).
    period : int
        Years of the dynamics.
    level : str
        Area level.
    directions : dict
        Direction used per indicator ('lower_better' or 'higher_better').
    """

    table: pd.DataFrame  # one row per classified area
    excluded: pd.DataFrame  # area_code, area_name, reason (German)
    synthetic: bool  # True if any index indicator contains demo data
    indicator_ids: tuple[str, ...]
    year: int
    base_year: int
    population_floor: int
    flipped: tuple[str, ...] = ()  # indicators multiplied by −1 (higher_better)
    period: int = 2
    level: str = "stadtteil"
    directions: dict[str, str] = field(default_factory=dict)

    def class_counts(self) -> pd.DataFrame:
        """Areas per status class (rows) and dynamics class (columns), all 12 groups shown."""
        counts = pd.crosstab(self.table["status_label"], self.table["dynamics_label"])
        return counts.reindex(index=list(STATUS_LABELS.values()), columns=list(DYNAMICS_LABELS.values()),
                              fill_value=0)


def zscores(values: pd.Series) -> pd.Series:
    """(x − mean) / SD with the sample SD; a constant series gives 0 (it carries no information)."""
    x = values.astype("float64")
    sd = x.std(ddof=1)
    if not np.isfinite(sd) or sd == 0:
        return pd.Series(0.0, index=x.index)
    return (x - x.mean()) / sd


def classify_status(z: pd.Series) -> pd.Series:
    """1 hoch (z < −1), 2 mittel (−1 ≤ z ≤ 1), 3 niedrig (1 < z ≤ 1,5), 4 sehr niedrig (z > 1,5)."""
    z = z.astype("float64")
    classes = np.select([z < -1.0, z <= 1.0, z <= 1.5, z > 1.5], [1, 2, 3, 4], default=0)
    return pd.Series(classes, index=z.index, dtype="Int64").mask(z.isna())


def classify_dynamics(z: pd.Series) -> pd.Series:
    """1 positiv (z < −1), 2 stabil (−1 ≤ z ≤ 1), 3 negativ (z > 1)."""
    z = z.astype("float64")
    classes = np.select([z < -1.0, z <= 1.0, z > 1.0], [1, 2, 3], default=0)
    return pd.Series(classes, index=z.index, dtype="Int64").mask(z.isna())


def _exclusions(values_now: pd.DataFrame, values_before: pd.DataFrame, population: pd.Series, floor: int,
                year: int | None, base_year: int | None) -> pd.Series:
    """German reason per excluded area (several reasons joined by '; ')."""
    reasons: dict[str, list[str]] = {}
    for code, pop in population.reindex(values_now.index).items():
        if pd.isna(pop):
            reasons.setdefault(code, []).append("Einwohnerzahl fehlt")
        elif pop < floor:
            reasons.setdefault(code, []).append(f"weniger als {floor} Einwohner/-innen ({int(pop)})")
    for frame, when in ((values_now, year), (values_before, base_year)):
        label = f" {when}" if when is not None else ""
        for code, row in frame.iterrows():
            gaps = [str(c) for c, v in row.items() if pd.isna(v)]
            if gaps:
                reasons.setdefault(code, []).append(f"Wert fehlt oder geheim ({', '.join(gaps)}{label})")
    return pd.Series({code: "; ".join(r) for code, r in reasons.items()}, dtype="object")


def index_from_values(values_now: pd.DataFrame, values_before: pd.DataFrame, population: pd.Series,
                      floor: int = 300, flip: Iterable[str] = (), area_names: Mapping[str, str] | None = None,
                      year: int | None = None, base_year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The MSS computation on plain frames (index area_code, one column per indicator).

    Returns (table, excluded). Exclusion (population below `floor` or missing, any value
    missing in either year) happens before standardising. Columns `flip` are multiplied by −1.

    Examples
    --------
    >>> codes = ["a", "b", "c", "d"]
    >>> now = pd.DataFrame({"alo": [1.0, 2.0, 3.0, 10.0]}, index=codes)
    >>> before = pd.DataFrame({"alo": [1.0, 2.0, 3.0, 4.0]}, index=codes)
    >>> table, excluded = index_from_values(now, before, pd.Series(1000.0, index=codes), floor=300)
    >>> table["group_label"].tolist(), excluded.empty
    (['mittel / stabil', 'mittel / stabil', 'mittel / stabil', 'niedrig / negativ'], True)
    """
    values_before = values_before.reindex(index=values_now.index, columns=values_now.columns)
    names = pd.Series(dict(area_names or {}), dtype="object").reindex(values_now.index)
    reasons = _exclusions(values_now, values_before, population, floor, year, base_year)
    excluded = pd.DataFrame({"area_code": reasons.index, "area_name": names.reindex(reasons.index).to_numpy(),
                             "reason": reasons.to_numpy()}).sort_values("area_code").reset_index(drop=True)
    keep = values_now.index.difference(reasons.index, sort=False)
    if len(keep) < MIN_AREAS:
        raise SocialSpaceError(f"Nach dem Ausschluss bleiben {len(keep)} Gebiet(e); für z-Werte sind mindestens "
                               f"{MIN_AREAS} nötig. Ausgeschlossen: {', '.join(map(str, reasons.index))}.")
    sign = pd.Series(1.0, index=values_now.columns)
    sign[[c for c in flip if c in sign.index]] = -1.0
    now = values_now.loc[keep].astype("float64")
    change = now - values_before.loc[keep].astype("float64")
    table = pd.DataFrame({"area_code": keep, "area_name": names.loc[keep].to_numpy(),
                          "population": population.reindex(keep).astype("float64").to_numpy()}, index=keep)
    for col in now.columns:
        table[col] = now[col]
        table[f"{col}_z"] = zscores(now[col] * sign[col])
        table[f"{col}_change"] = change[col]
        table[f"{col}_change_z"] = zscores(change[col] * sign[col])
    table["status_index"] = zscores(table[[f"{c}_z" for c in now.columns]].mean(axis=1))
    table["status_class"] = classify_status(table["status_index"])
    table["status_label"] = table["status_class"].map(STATUS_LABELS)
    table["dynamics_index"] = zscores(table[[f"{c}_change_z" for c in now.columns]].mean(axis=1))
    table["dynamics_class"] = classify_dynamics(table["dynamics_index"])
    table["dynamics_label"] = table["dynamics_class"].map(DYNAMICS_LABELS)
    table["group_label"] = table["status_label"] + " / " + table["dynamics_label"]
    return table.sort_values("area_code").reset_index(drop=True), excluded


def _direction(ind: catalogue.Indicator, directions: Mapping[str, str]) -> str:
    direction = directions.get(ind.id) or TOTAL_DIRECTIONS.get(ind.id) or ind.direction
    if direction in ("higher_better", "lower_better"):
        return direction
    if direction == "descriptive":
        raise SocialSpaceError(
            f"Indikator {ind.id!r} ({ind.name}) ist beschreibend (keine Wertung) und eignet sich nicht für einen "
            "Statusindex: ein Bevölkerungsanteil ist keine Benachteiligung."
        )
    raise SocialSpaceError(
        f"Für Indikator {ind.id!r} ({ind.name}) ist nur die Zielrichtung des Gruppenabstands bekannt "
        f"({ind.direction_de}), nicht die des Gesamtwerts. Bitte mit directions={{{ind.id!r}: 'lower_better'}} "
        "oder 'higher_better' angeben."
    )


def _year_values(values: pd.DataFrame, ind: catalogue.Indicator, year: int, level: str, what: str) -> pd.Series:
    """Values of one indicator in one year by area code; a German error if the year has none."""
    vals = values[values["indicator"] == ind.id]
    if "group" in vals.columns:
        vals = vals[vals["group"] == "total"]
    present = vals[vals["value"].notna()]
    if year not in set(present["year"]):
        years = ", ".join(str(int(y)) for y in sorted(present["year"].unique())) or "keine"
        raise SocialSpaceError(f"Indikator {ind.id!r} hat für das {what} {year} keine Werte "
                               f"(Ebene {level!r}); Jahre mit Werten: {years}.")
    return vals[vals["year"] == year].set_index("area_code")["value"].astype("float64")


def _warn_breaks(inds: Sequence[catalogue.Indicator], base_year: int, year: int) -> None:
    for ind in inds:
        for brk in ind.breaks:
            head, _, text = brk.partition(":")
            if head.strip().isdigit() and base_year < int(head) <= year:
                warnings.warn(f"Bruch in der Reihe im Zeitraum {base_year}–{year} bei {ind.id!r}: {text.strip()} "
                              "Die Dynamik misst dann teilweise die Umstellung.", UserWarning, stacklevel=3)


def compute(values: pd.DataFrame, population: pd.Series, indicators: Sequence[catalogue.Indicator], year: int,
            period: int = 2, population_floor: int = 300, area_names: Mapping[str, str] | None = None,
            level: str = "stadtteil", directions: Mapping[str, str] | None = None) -> SocialSpaceResult:
    """Status and dynamics index of every area for `year`, dynamics over `period` years.

    Parameters
    ----------
    values : DataFrame
        Indicator values in long form, columns ``indicator, year, area_code, value`` (and
        optionally ``group``: only ``"total"`` is used). Pass values after disclosure control:
        a suppressed value (<NA>) excludes its area.
    population : Series
        Residents per area code in `year`, for the population floor.
    indicators : sequence of Indicator
        Catalogue entries of the index indicators (their id, name, direction, breaks and
        synthetic flag are used).
    year : int
        The report year (status).
    period : int
        Years of the dynamics; the base year is ``year - period``.
    population_floor : int
        Areas with fewer residents are left out before anything is computed.
    area_names : mapping, optional
        Name per area code, for the tables. The areas classified are those of `area_names`
        (default: the areas with a value in `year`).
    level : str
        The level of the areas, kept in the result and named in messages.
    directions : mapping, optional
        Overrides or supplies the direction of an indicator's total value ('lower_better' or
        'higher_better'), see the module docstring.

    Returns
    -------
    SocialSpaceResult

    Examples
    --------
    Only the id, name, direction, breaks and synthetic flag of an indicator are read, so a
    stand-in works as well as a catalogue entry:

    >>> from types import SimpleNamespace
    >>> alo = SimpleNamespace(id="alo", name="Arbeitslose", direction="lower_better", breaks=[], synthetic=False)
    >>> values = pd.DataFrame({"indicator": "alo", "year": [2012] * 4 + [2014] * 4,
    ...                        "area_code": list("abcd") * 2, "value": [1.0, 2, 3, 4, 1, 2, 3, 10]})
    >>> result = compute(values, pd.Series(1000.0, index=list("abcd")), [alo], 2014)
    >>> result.base_year, result.period, result.population_floor, result.table["status_label"].tolist()
    (2012, 2, 300, ['mittel', 'mittel', 'mittel', 'niedrig'])
    """
    if int(period) < 1:
        raise SocialSpaceError(f"Der Zeitraum muss mindestens ein Jahr betragen (angegeben: {period}).")
    inds = list(indicators)
    dirs = {ind.id: _direction(ind, dict(directions or {})) for ind in inds}
    base_year = int(year) - int(period)
    _warn_breaks(inds, base_year, int(year))
    now = pd.DataFrame({ind.id: _year_values(values, ind, year, level, "Berichtsjahr") for ind in inds})
    before = pd.DataFrame({ind.id: _year_values(values, ind, base_year, level, "Basisjahr") for ind in inds})
    names = dict(area_names) if area_names is not None else {str(c): str(c) for c in now.index}
    now = now.reindex(sorted(names))
    flip = [i for i, d in dirs.items() if d == "higher_better"]
    table, excluded = index_from_values(now, before, population, population_floor, flip, names, year, base_year)
    synthetic = any(ind.synthetic for ind in inds)
    return SocialSpaceResult(table=table, excluded=excluded, synthetic=synthetic,
                             indicator_ids=tuple(i.id for i in inds), year=int(year), base_year=base_year,
                             population_floor=int(population_floor), flipped=tuple(flip), period=int(period),
                             level=level, directions=dirs)
