"""Correlations between indicators across areas, for the researchers' correlation explorer.

Areas are the units, so these are ecological correlations: they describe Stadtteile, not
persons, and a strong r across areas says nothing about individuals (ecological fallacy).
Values pass the disclosure rule before use, so the explorer never shows or correlates a
suppressed rate; a suppressed or missing value drops that area from the pairs it is in
(pairwise deletion). With 45 Stadtteile and many pairs, some "significant" p-values are
expected by chance: `p_bh` adjusts them for the false discovery rate (Benjamini-Hochberg).

Population weights answer a different question than unweighted correlations: unweighted,
every Stadtteil counts once; weighted, every resident does. Both are offered; neither is
"the" correct one.
"""

from __future__ import annotations

import warnings
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from helpers.core import areas, catalogue
from helpers.core.fileio import write_text_atomic
from helpers.disclosure import disclosed, register
from helpers.indicators import compute

METHODS = ("pearson", "spearman")
METHOD_LABELS = {"pearson": "Pearson", "spearman": "Spearman"}
MIN_AREAS = 3
LONG_COLUMNS = ["year", "level", "group", "indicator_a", "indicator_b", "method", "weighted", "weighting",
                "r", "p", "p_bh", "n", "n_eff", "synthetic"]


class CorrelationError(ValueError):
    """A correlation request that cannot be answered; the message (German) says why and what is possible."""


def _check_ids(indicator_ids: list[str], level: str) -> list[catalogue.Indicator]:
    try:
        return catalogue.load().at_level(indicator_ids, level)
    except catalogue.CatalogueError as exc:
        raise CorrelationError(str(exc)) from None


def _published_values(ind: catalogue.Indicator, year: int, level: str, group: str) -> pd.DataFrame:
    """Values of one indicator, group and year after the disclosure rule (suppressed -> <NA>)."""
    if group != "total" and group not in ind.group_values:
        allowed = ", ".join(["total", *ind.group_values])
        raise CorrelationError(f"Indikator {ind.id!r} hat keine Gruppe {group!r}; verfügbar: {allowed}.")
    vals = disclosed.values(ind, level)
    vals = vals[vals["group"] == group]
    present = vals[vals["value"].notna()]
    if year not in set(present["year"]):
        years = sorted(int(y) for y in present["year"].unique())
        shown = ", ".join(map(str, years)) if years else "keine"
        raise CorrelationError(f"Indikator {ind.id!r} hat für {year} keine Werte (Ebene {level!r}); "
                               f"Jahre mit Werten: {shown}.")
    this_year = vals[vals["year"] == year]
    register.record(this_year, "Streudiagramm")
    n_areas = int(this_year["value"].notna().sum())
    if n_areas < MIN_AREAS:
        raise CorrelationError(f"Indikator {ind.id!r}: {year} nur {n_areas} Gebiet(e) mit Werten auf der Ebene "
                               f"{level!r}; für Korrelationen sind mindestens {MIN_AREAS} nötig.")
    return this_year


def indicator_table(indicator_ids: list[str], year: int, level: str = "stadtteil",
                    group: str = "total") -> pd.DataFrame:
    """One row per area (index area_code): area_name, each indicator's published value, population.

    `attrs` records year, level, group and, per indicator, `synthetic`, `names` and `units`,
    so that the notebook can mark demo data and label axes without a second lookup.
    """
    inds = _check_ids(list(indicator_ids), level)
    names = areas.area_names(level)
    table = pd.DataFrame({"area_name": pd.Series(names)}).sort_index()
    table.index.name = "area_code"
    synthetic: dict[str, bool] = {}
    for ind in inds:
        vals = _published_values(ind, year, level, group)
        table[ind.id] = vals.set_index("area_code")["value"].astype("float64").reindex(table.index)
        synthetic[ind.id] = bool(vals["synthetic"].any() or ind.synthetic)
    pop = compute.counts(catalogue.Term("population"), level)
    pop = pop[pop["year"] == year].set_index("area_code")["count"].astype("float64")
    table["population"] = pop.reindex(table.index)
    table.attrs = {"year": int(year), "level": level, "group": group, "synthetic": synthetic,
                   "names": {i.id: i.name for i in inds}, "units": {i.id: i.unit for i in inds}}
    return table


def synthetic_ids(table: pd.DataFrame) -> list[str]:
    """Indicators of `indicator_table` output that contain demo data (to be marked)."""
    return [i for i, syn in table.attrs.get("synthetic", {}).items() if syn]


def weighted_ranks(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Average ranks where each row counts `w` times: ranks of rows repeated w times, for any w > 0.

    With equal weights these are an affine map of ordinary average ranks, so Spearman is unchanged.
    """
    order = np.argsort(x, kind="mergesort")
    xs, ws = x[order], w[order]
    starts = np.r_[0, np.flatnonzero(np.diff(xs)) + 1]
    tie_w = np.add.reduceat(ws, starts)
    below = np.r_[0.0, np.cumsum(tie_w)[:-1]]
    tie_rank = below + (tie_w + 1.0) / 2.0
    ranks = np.empty_like(x, dtype=float)
    ranks[order] = np.repeat(tie_rank, np.diff(np.r_[starts, len(xs)]))
    return ranks


def weighted_pearson(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Weighted covariance over the product of weighted SDs (frequency-weight definition)."""
    w = w / w.sum()
    dx, dy = x - np.sum(w * x), y - np.sum(w * y)
    sxx, syy = np.sum(w * dx * dx), np.sum(w * dy * dy)
    if sxx <= 0 or syy <= 0:
        return float("nan")
    return float(np.clip(np.sum(w * dx * dy) / np.sqrt(sxx * syy), -1.0, 1.0))


def effective_n(w: np.ndarray) -> float:
    """Kish's effective sample size (Σw)²/Σw²: n for equal weights, smaller the more unequal."""
    return float(w.sum() ** 2 / np.sum(w * w))


def t_test_p(r: float, df: float) -> float:
    """Two-sided p of H0: rho = 0 from t = r·sqrt(df/(1−r²)); df may be fractional."""
    if not np.isfinite(r) or df <= 0:
        return float("nan")
    if abs(r) >= 1.0:
        return 0.0
    t = r * np.sqrt(df / (1.0 - r * r))
    return float(2.0 * stats.t.sf(abs(t), df))


def _pair(x: np.ndarray, y: np.ndarray, method: str, w: np.ndarray | None) -> tuple[float, float, float]:
    """(r, p, n_eff) for complete pairs; NaN where fewer than MIN_AREAS or a constant variable."""
    n = len(x)
    n_eff = float(n) if w is None or n == 0 else effective_n(w)
    if n < MIN_AREAS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan"), n_eff
    if w is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", stats.ConstantInputWarning)
            res = stats.pearsonr(x, y) if method == "pearson" else stats.spearmanr(x, y)
        return float(res.statistic), float(res.pvalue), n_eff
    if method == "spearman":
        x, y = weighted_ranks(x, w), weighted_ranks(y, w)
    r = weighted_pearson(x, y, w)
    return r, t_test_p(r, n_eff - 2.0), n_eff


def bh_adjust(p: pd.Series) -> pd.Series:
    """Benjamini-Hochberg adjusted p-values over the non-missing p (missing stay missing)."""
    p = p.astype("float64")
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok].to_numpy(), method="bh")
    return out


def _check_weights(table: pd.DataFrame, weights: pd.Series | None) -> pd.Series | None:
    if weights is None:
        return None
    w = pd.Series(weights, dtype="float64").reindex(table.index)
    if (w < 0).any():
        raise CorrelationError("Gewichte dürfen nicht negativ sein.")
    if w.notna().sum() == 0:
        raise CorrelationError("Die Gewichte passen zu keinem Gebiet der Tabelle (Index: area_code).")
    return w


def matrix(table: pd.DataFrame, indicator_ids: list[str], method: str = "pearson",
           weights: pd.Series | None = None) -> pd.DataFrame:
    """Correlations of all distinct indicator pairs, long form (see LONG_COLUMNS).

    Pairwise deletion: each pair uses the areas where both values (and the weight) exist;
    `n` counts them. Unweighted: scipy's pearsonr / spearmanr. Weighted (e.g. by
    `table["population"]`): weighted Pearson, and for Spearman weighted Pearson on weighted
    average ranks (each area counts as `w` tied observations, so integer weights give exactly
    the Spearman of the rows repeated `w` times). The p-value of a weighted r is an
    approximation: the t-test with n_eff − 2 degrees of freedom, n_eff = (Σw)²/Σw² (Kish).
    Using n − 2 would treat large Stadtteile as if they were many independent areas; n_eff
    is the more honest (larger) p. `p_bh` adjusts all distinct pairs of this matrix
    together (Benjamini-Hochberg, scipy.stats.false_discovery_control).
    """
    if method not in METHODS:
        raise CorrelationError(f"Unbekannte Methode {method!r}; erlaubt: {', '.join(METHODS)}.")
    ids = list(indicator_ids)
    missing = [i for i in ids if i not in table.columns]
    if missing:
        raise CorrelationError(f"Spalte(n) nicht in der Tabelle: {', '.join(missing)}.")
    if len(ids) < 2:
        raise CorrelationError("Für eine Korrelationsmatrix sind mindestens zwei Indikatoren nötig.")
    w = _check_weights(table, weights)
    synthetic = table.attrs.get("synthetic", {})
    rows = []
    for a, b in combinations(ids, 2):
        frame = pd.DataFrame({"x": table[a], "y": table[b]}, dtype="float64")
        if w is not None:
            frame["w"] = w
            frame = frame[frame["w"] > 0]
        frame = frame.dropna()
        ww = None if w is None else frame["w"].to_numpy()
        r, p, n_eff = _pair(frame["x"].to_numpy(), frame["y"].to_numpy(), method, ww)
        rows.append({"indicator_a": a, "indicator_b": b, "r": r, "p": p, "n": len(frame), "n_eff": n_eff,
                     "synthetic": bool(synthetic.get(a, False) or synthetic.get(b, False))})
    long = pd.DataFrame(rows)
    long["p_bh"] = bh_adjust(long["p"])
    long["method"] = method
    long["weighted"] = w is not None
    long["weighting"] = "none" if w is None else str(getattr(weights, "name", None) or "weights")
    long["year"] = table.attrs.get("year", pd.NA)
    long["level"] = table.attrs.get("level", pd.NA)
    long["group"] = table.attrs.get("group", pd.NA)
    long["n"] = long["n"].astype("int64")
    return long[LONG_COLUMNS]


def square(long: pd.DataFrame, value: str = "r") -> pd.DataFrame:
    """Symmetric indicator x indicator matrix of one column of `matrix` output (diagonal: r = 1)."""
    if value not in long.columns:
        raise CorrelationError(f"Spalte {value!r} gibt es nicht; verfügbar: {', '.join(long.columns)}.")
    order = list(pd.unique(pd.concat([long["indicator_a"], long["indicator_b"]])))
    pos = {name: i for i, name in enumerate(order)}
    grid = np.full((len(order), len(order)), np.nan)
    for a, b, v in long[["indicator_a", "indicator_b", value]].itertuples(index=False):
        grid[pos[a], pos[b]] = grid[pos[b], pos[a]] = float(v)
    if value == "r":
        np.fill_diagonal(grid, 1.0)
    return pd.DataFrame(grid, index=order, columns=order)


def to_csv(long: pd.DataFrame, path: Path | str) -> Path:
    """Write the long table for machines: UTF-8, dot decimal, all metadata columns, atomically."""
    missing = [c for c in LONG_COLUMNS if c not in long.columns]
    if missing:
        raise CorrelationError(f"Keine Ausgabe von matrix(): Spalte(n) {', '.join(missing)} fehlen.")
    path = Path(path)
    write_text_atomic(path, long[LONG_COLUMNS].to_csv(index=False, float_format="%.10g", lineterminator="\n"))
    return path
