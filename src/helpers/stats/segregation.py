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
- They measure unevenness between areas only; mixing or separation within a Stadtteil
  (streets, buildings) is invisible.
- D is biased upwards for small areas and small groups: random allocation of a few persons
  already gives D > 0. Compare years and levels, not single values against fixed thresholds.
- Population counts break in 2011 (register count instead of the 1987 census update).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core import areas
from helpers.core.catalogue import Term
from helpers.core.model import ORIGINS
from helpers.indicators import compute

#: Levels whose areas divide the city (the city itself has one area: nothing to compare).
LEVELS = ("stadtteil", "teilbereich", "stadtbezirk")
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


def _population(origin: str, level: str) -> pd.DataFrame:
    """Population counts of one origin group, wide: years x area codes (<NA> where missing)."""
    counts = compute.counts(Term("population", origin=origin), level)
    return counts.pivot(index="year", columns="area_code", values="count")


def _check_request(group: str, reference: str, level: str) -> None:
    if level not in LEVELS:
        raise SegregationError(
            f"Segregationsmaße brauchen eine Gebietsgliederung; erlaubt: {', '.join(LEVELS)}, nicht {level!r}."
        )
    for name in (group, reference):
        if name not in ORIGINS or name == "total":
            allowed = ", ".join(o for o in ORIGINS if o != "total")
            raise SegregationError(f"Unbekannte Herkunftsgruppe {name!r}; erlaubt: {allowed}.")
    if group == reference:
        raise SegregationError(f"Gruppe und Vergleichsgruppe sind beide {group!r}; bitte zwei verschiedene wählen.")


def _year(wide: dict[str, pd.DataFrame], year: int, areas: list[str]) -> dict[str, pd.Series]:
    """Counts of one year for every area of the level; <NA> where an area or the year is absent."""
    absent = pd.Series(pd.NA, index=areas)
    return {n: w.loc[year].reindex(areas) if year in w.index else absent for n, w in wide.items()}


def indices_by_year(group: str, reference: str, level: str = "stadtteil",
                    years: range | None = None) -> pd.DataFrame:
    """D, isolation (raw and corrected) and exposure of `group` per year, from population counts.

    Population t_i is the stored total per area; T is the sum over the areas (persons without
    an area are not included, so `share` may differ slightly from the published city share).
    A year is computed only if all areas of the level have all three counts; other years are
    skipped, never computed from part of the city (their list is in `result.attrs["skipped_years"]`).
    """
    _check_request(group, reference, level)
    wide = {name: _population(name, level) for name in ("total", group, reference)}
    codes = sorted(areas.area_names(level))
    available = sorted(set().union(*(w.index for w in wide.values())))
    rows, skipped = [], []
    for year in (years if years is not None else available):
        parts = _year(wide, year, codes)
        if any(p.isna().any() for p in parts.values()):
            skipped.append(int(year))
            continue
        a, b, t = parts[group], parts[reference], parts["total"]
        rows.append({
            "year": int(year), "group": group, "reference": reference, "n_areas": len(codes),
            "share": float(a.sum() / t.sum()), "dissimilarity": dissimilarity(a, b),
            "isolation": isolation(a, t), "isolation_corrected": isolation_corrected(a, t),
            "exposure": exposure(a, b, t),
        })
    result = pd.DataFrame(rows, columns=COLUMNS)
    result.attrs["skipped_years"] = skipped
    return result
