"""Residential segregation indices from counts per area (computed here: PySAL's `segregation` forces numba).

Notation: area i, group counts a_i (city total A = Σ a_i), reference counts b_i (B = Σ b_i),
population t_i (T = Σ t_i), city share of the group P = A / T.

- Dissimilarity (Duncan & Duncan 1955): D = 1/2 Σ_i |a_i/A − b_i/B|, 0 (same distribution)
  to 1 (no area shared). Share of the group that would have to move to reach evenness.
- Isolation (Bell 1954; Lieberson): xPx = Σ_i (a_i/A)(a_i/t_i), the group share in the area
  of the average group member.
- Exposure: xPy = Σ_i (a_i/A)(b_i/t_i), the reference share in the area of the average group
  member. With two complementary groups xPx + xPy = 1.
- Corrected isolation (eta², Bell 1954; Massey & Denton 1988): (xPx − P) / (1 − P), 0 when
  every area has the city share, 1 when the group lives in areas of its own. Raw isolation
  rises with the group's city share even without any unevenness, so both are reported.

What the indices cannot say:
- They depend on the area division (modifiable areal unit problem): other boundaries or
  another level give other values. They are blind to the arrangement of the areas
  (checkerboard problem): two adjacent group areas count like two far apart ones; use
  `helpers.stats.spatial` for that.
- They measure unevenness between areas only; mixing or separation within an area (a Stadtteil)
  (streets, buildings) is invisible.
- D is biased upwards for small areas and small groups: random allocation of a few persons
  already gives D > 0. Compare years and levels, not single values against fixed thresholds.
- Population counts break in 2011 (register count instead of the 1987 census update).

Counts are passed in (frames or arrays); this module reads no data of its own. The report's
sections (helpers.sections.area_statistics) fetch the stored counts and the areas of a level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.core.levels import CITY, UNASSIGNED
from helpers.core.model import ORIGINS

#: Levels whose areas divide the city (the city itself has one area: nothing to compare).
COLUMNS = ["year", "group", "reference", "n_areas", "share", "dissimilarity", "isolation",
           "isolation_corrected", "exposure"]

ArrayLike = pd.Series | np.ndarray | list


class SegregationError(ValueError):
    """Counts that do not allow a segregation index; the message names the areas concerned."""


def _codes(index: pd.Index) -> str:
    return ", ".join(str(c) for c in index[:20]) + (" …" if len(index) > 20 else "")


def _series(values: ArrayLike, name: str) -> pd.Series:
    """Numeric Series; a plain array gets positions 0..n-1 as area labels."""
    s = values.copy() if isinstance(values, pd.Series) else pd.Series(list(values))
    try:
        return pd.to_numeric(s, errors="raise").astype("Float64").rename(name)
    except (TypeError, ValueError):
        message = f"'{name}' enthält nicht-numerische Werte; erwartet werden Anzahlen je Gebiet."
        raise SegregationError(message) from None


def _frame(**columns: ArrayLike) -> pd.DataFrame:
    """Columns aligned by area: Series by their index (area codes), arrays by position."""
    series = {name: _series(v, name) for name, v in columns.items()}
    lengths = {name: len(s) for name, s in series.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{n}: {k}" for n, k in lengths.items())
        raise SegregationError(f"Die Anzahlen haben ungleiche Länge ({shown}); je Gebiet wird ein Wert erwartet.")
    labelled = [s for v, s in zip(columns.values(), series.values()) if isinstance(v, pd.Series)]
    index = labelled[0].index if labelled else next(iter(series.values())).index
    for s in labelled:
        if s.index.has_duplicates:
            raise SegregationError(f"Gebiete kommen mehrfach vor: {_codes(s.index[s.index.duplicated()].unique())}.")
        if set(s.index) != set(index):
            diff = _codes(index.symmetric_difference(s.index))
            raise SegregationError(f"Die Gebiete von '{s.name}' stimmen nicht mit den übrigen überein: {diff}.")
    aligned = {n: s.reindex(index) if isinstance(columns[n], pd.Series) else s.set_axis(index)
               for n, s in series.items()}
    frame = pd.DataFrame(aligned)
    _check_values(frame)
    return frame


def _check_values(frame: pd.DataFrame) -> None:
    if len(frame) < 2:
        raise SegregationError("Für ein Segregationsmaß werden mindestens zwei Gebiete gebraucht.")
    for name in frame.columns:
        missing = frame.index[frame[name].isna()]
        if len(missing):
            raise SegregationError(
                f"'{name}' fehlt für die Gebiete {_codes(missing)} (geheim oder nicht verfügbar); "
                "ein fehlender Wert ist keine Null, das Maß wird nicht aus einem Teil der Gebiete berechnet."
            )
        negative = frame.index[frame[name] < 0]
        if len(negative):
            raise SegregationError(f"'{name}' ist negativ in den Gebieten {_codes(negative)}; Anzahlen sind nie < 0.")
        if frame[name].sum() <= 0:
            raise SegregationError(f"'{name}' ist in allen Gebieten null; das Maß ist nicht definiert.")
    if "total" in frame:
        for name in frame.columns.drop("total"):
            above = frame.index[frame[name] > frame["total"]]
            if len(above):
                raise SegregationError(
                    f"'{name}' ist größer als die Bevölkerung insgesamt in den Gebieten {_codes(above)}."
                )


def _within(part: pd.Series, total: pd.Series) -> np.ndarray:
    """part_i / t_i; areas without population contribute nothing (their group count is 0 too)."""
    t = total.to_numpy(dtype=float)
    return np.divide(part.to_numpy(dtype=float), t, out=np.zeros_like(t), where=t > 0)


def dissimilarity(group: ArrayLike, reference: ArrayLike) -> float:
    """Duncan's D = 1/2 Σ_i |a_i/A − b_i/B| (0..1): how differently two groups spread over the areas."""
    f = _frame(group=group, reference=reference)
    a, b = f["group"].to_numpy(dtype=float), f["reference"].to_numpy(dtype=float)
    return float(0.5 * np.abs(a / a.sum() - b / b.sum()).sum())


def isolation(group: ArrayLike, total: ArrayLike) -> float:
    """xPx = Σ_i (a_i/A)(a_i/t_i): group share in the area of the average group member."""
    f = _frame(group=group, total=total)
    a = f["group"].to_numpy(dtype=float)
    return float((a / a.sum() * _within(f["group"], f["total"])).sum())


def exposure(group: ArrayLike, other: ArrayLike, total: ArrayLike) -> float:
    """xPy = Σ_i (a_i/A)(b_i/t_i): share of `other` in the area of the average group member."""
    f = _frame(group=group, other=other, total=total)
    a = f["group"].to_numpy(dtype=float)
    return float((a / a.sum() * _within(f["other"], f["total"])).sum())


def isolation_corrected(group: ArrayLike, total: ArrayLike) -> float:
    """eta² = (xPx − P)/(1 − P), P = A/T: isolation net of the group's city share (0 even, 1 complete)."""
    f = _frame(group=group, total=total)
    share = float(f["group"].sum() / f["total"].sum())
    if share >= 1:
        raise SegregationError("Die Gruppe umfasst die ganze Bevölkerung; bereinigte Isolation nicht definiert.")
    return (isolation(f["group"], f["total"]) - share) / (1 - share)


@dataclass(frozen=True)
class SegregationIndices:
    """The four indices of one group against a reference in one year, with what went in.

    Attributes
    ----------
    group, reference : str
        Labels of the two groups (e.g. origin names ``"foreign"`` and ``"german"``).
    year : int or None
        The year of the counts, if given.
    n_areas : int
        Number of areas the indices are computed over.
    share : float
        City share of the group P = A / T (over these areas only).
    dissimilarity, isolation, isolation_corrected, exposure : float
        D, xPx, eta² and xPy, see the module docstring.
    """

    group: str
    reference: str
    year: int | None
    n_areas: int
    share: float
    dissimilarity: float
    isolation: float
    isolation_corrected: float
    exposure: float

    def row(self) -> dict:
        """The indices as one row of `COLUMNS` (year, group, reference, n_areas, share, D, …)."""
        return {name: getattr(self, name) for name in COLUMNS}


def indices(group: ArrayLike, reference: ArrayLike, total: ArrayLike, *, group_name: str = "group",
            reference_name: str = "reference", year: int | None = None) -> SegregationIndices:
    """D, isolation (raw and corrected) and exposure of one group from counts per area.

    Parameters
    ----------
    group, reference, total : Series or array-like
        Counts per area of the group, of the reference group and of the whole population
        (Series are aligned by their index, the area codes; arrays by position).
    group_name, reference_name : str
        Labels kept in the result.
    year : int, optional
        The year of the counts, kept in the result.

    Returns
    -------
    SegregationIndices

    Examples
    --------
    >>> r = indices([10, 20, 70], [40, 40, 20], [50, 60, 90], group_name="a", reference_name="b")
    >>> round(r.dissimilarity, 3), round(r.isolation_corrected, 4), r.n_areas
    (0.5, 0.2622, 3)
    """
    f = _frame(group=group, reference=reference, total=total)
    a, b, t = f["group"], f["reference"], f["total"]
    return SegregationIndices(
        group=group_name, reference=reference_name, year=None if year is None else int(year), n_areas=len(f),
        share=float(a.sum() / t.sum()), dissimilarity=dissimilarity(a, b), isolation=isolation(a, t),
        isolation_corrected=isolation_corrected(a, t), exposure=exposure(a, b, t),
    )


def check_request(group: str, reference: str, level: str) -> None:
    """Refuse (in German) a level that does not divide the city, unknown or equal origin groups."""
    if not level or level in (CITY, UNASSIGNED):
        raise SegregationError(
            f"Segregationsmaße brauchen eine Gebietsgliederung der Stadt (eine Ebene aus config/<stadt>/city.yml), nicht {level!r}."
        )
    for name in (group, reference):
        if name not in ORIGINS or name == "total":
            allowed = ", ".join(o for o in ORIGINS if o != "total")
            raise SegregationError(f"Unbekannte Herkunftsgruppe {name!r}; erlaubt: {allowed}.")
    if group == reference:
        raise SegregationError(f"Gruppe und Vergleichsgruppe sind beide {group!r}; bitte zwei verschiedene wählen.")


def _wide(population: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Counts of one origin group, wide: years x area codes (<NA> where missing)."""
    missing = {"year", "area_code", "origin", "count"} - set(population.columns)
    if missing:
        raise SegregationError(f"Den Anzahlen fehlen die Spalten {', '.join(sorted(missing))}; erwartet werden "
                               "year, area_code, origin, count (eine Zeile je Jahr, Gebiet und Gruppe).")
    rows = population[population["origin"] == origin]
    if rows.empty:
        raise SegregationError(f"Für die Gruppe {origin!r} sind keine Anzahlen übergeben.")
    return rows.drop(columns="origin").pivot(index="year", columns="area_code", values="count")


def _year(wide: dict[str, pd.DataFrame], year: int, codes: list[str]) -> dict[str, pd.Series]:
    """Counts of one year for every area of the level; <NA> where an area or the year is absent."""
    absent = pd.Series(pd.NA, index=codes)
    return {n: w.loc[year].reindex(codes) if year in w.index else absent for n, w in wide.items()}


@dataclass(frozen=True, eq=False)
class SegregationResult:
    """Segregation indices of one group against a reference, year by year, with their parameters.

    Attributes
    ----------
    group, reference : str
        Origin groups compared (e.g. ``"migration"`` and ``"no_migration"``).
    level : str
        Area level the counts belong to (a level of the city's hierarchy, helpers.core.levels).
    area_codes : tuple of str
        The areas every computed year covers completely.
    table : DataFrame
        One row per computed year, columns `COLUMNS`.
    skipped_years : tuple of int
        Years left out because an area lacked a count (never computed from part of the city).
    by_year : dict
        `SegregationIndices` per computed year.
    """

    group: str
    reference: str
    level: str
    area_codes: tuple[str, ...]
    table: pd.DataFrame
    skipped_years: tuple[int, ...]
    by_year: dict[int, SegregationIndices] = field(default_factory=dict)

    @property
    def n_areas(self) -> int:
        return len(self.area_codes)


def indices_by_year(population: pd.DataFrame, group: str, reference: str, level: str = "gebiet",
                    years: Iterable[int] | None = None, area_codes: Iterable[str] | None = None) -> SegregationResult:
    """D, isolation (raw and corrected) and exposure of `group` per year, from population counts.

    Population t_i is the count of origin ``"total"`` per area; T is the sum over the areas
    (persons without an area are not included, so `share` may differ slightly from the
    published city share). A year is computed only if all areas have all three counts; other
    years are skipped, never computed from part of the city.

    Parameters
    ----------
    population : DataFrame
        Counts in long form, columns ``year, area_code, origin, count``, with the origins
        ``"total"``, `group` and `reference` (<NA> for a missing or secret count).
    group, reference : str
        Origin groups (`helpers.core.model.ORIGINS`, not ``"total"``).
    level : str
        The level the areas belong to; only a level that divides the city is allowed.
    years : iterable of int, optional
        Years to compute; default every year with any count.
    area_codes : iterable of str, optional
        All areas of the level; default the areas in `population`. An area without a count in
        a year makes that year skipped.

    Returns
    -------
    SegregationResult

    Examples
    --------
    >>> counts = pd.DataFrame({"year": 2014, "area_code": ["1", "2", "3"] * 3,
    ...                        "origin": ["total"] * 3 + ["foreign"] * 3 + ["german"] * 3,
    ...                        "count": [50, 60, 90, 10, 20, 70, 40, 40, 20]})
    >>> result = indices_by_year(counts, "foreign", "german")
    >>> result.table[["year", "n_areas", "dissimilarity"]].to_dict("records")
    [{'year': 2014, 'n_areas': 3, 'dissimilarity': 0.5}]
    """
    check_request(group, reference, level)
    wide = {name: _wide(population, name) for name in ("total", group, reference)}
    codes = sorted(str(c) for c in (area_codes if area_codes is not None else population["area_code"].unique()))
    available = sorted(set().union(*(w.index for w in wide.values())))
    by_year, skipped = {}, []
    for year in (years if years is not None else available):
        parts = _year(wide, year, codes)
        if any(p.isna().any() for p in parts.values()):
            skipped.append(int(year))
            continue
        by_year[int(year)] = indices(parts[group], parts[reference], parts["total"], group_name=group,
                                     reference_name=reference, year=int(year))
    table = pd.DataFrame([r.row() for r in by_year.values()], columns=COLUMNS)
    table.attrs["skipped_years"] = skipped
    return SegregationResult(group=group, reference=reference, level=level, area_codes=tuple(codes), table=table,
                             skipped_years=tuple(skipped), by_year=by_year)
