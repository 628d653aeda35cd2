"""Correlations between variables across areas: pure statistics, frames in, results out.

The correlation explorer (helpers.sections.explorer) gathers disclosed indicator values into a
table with one row per area and calls `matrix`; nothing here reads data. Areas are the units,
so these are ecological correlations: they describe Stadtteile, not persons, and a strong r
across areas says nothing about individuals (ecological fallacy). A missing value drops that
area from the pairs it is in (pairwise deletion). With 45 Stadtteile and many pairs, some
"significant" p-values are expected by chance: `p_bh` adjusts them for the false discovery
rate (Benjamini-Hochberg).

Population weights answer a different question than unweighted correlations: unweighted,
every Stadtteil counts once; weighted, every resident does. Both are offered; neither is
"the" correct one.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [1, 2, 3, 4, 5], "y": [2, 4, 5, 4, 5]})
    >>> result = matrix(table, ["x", "y"])
    >>> round(float(result.pair("x", "y")["r"]), 4)   # sqrt(0.6)
    0.7746
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

METHODS = ("pearson", "spearman")
METHOD_LABELS = {"pearson": "Pearson", "spearman": "Spearman"}
MIN_AREAS = 3
#: Columns of `CorrelationMatrix.long`: one row per distinct pair of variables.
LONG_COLUMNS = ["indicator_a", "indicator_b", "method", "weighted", "weighting", "r", "p", "p_bh", "n", "n_eff"]


class CorrelationError(ValueError):
    """A correlation request that cannot be answered; the message (German) says why and what is possible."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows only this message, no traceback: the message says everything a user can act on."""
        return [f"{type(self).__name__}: {self}"]


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
    from scipy import stats  # here, not on import: the report's page assembly reads MIN_AREAS without scipy's ~1 s

    t = r * np.sqrt(df / (1.0 - r * r))
    return float(2.0 * stats.t.sf(abs(t), df))


def _pair(x: np.ndarray, y: np.ndarray, method: str, w: np.ndarray | None) -> tuple[float, float, float]:
    """(r, p, n_eff) for complete pairs; NaN where fewer than MIN_AREAS or a constant variable."""
    n = len(x)
    n_eff = float(n) if w is None or n == 0 else effective_n(w)
    if n < MIN_AREAS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan"), n_eff
    if w is None:
        from scipy import stats

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
        from scipy import stats

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


@dataclass
class CorrelationMatrix:
    """Correlations of all distinct pairs of some variables across areas, with their parameters.

    Attributes
    ----------
    method : str
        "pearson" or "spearman".
    weighted : bool
        Whether areas were weighted (e.g. by population).
    weighting : str
        Name of the weights ("population"), "none" unweighted.
    n : int
        Areas entering the matrix: rows of the table (with a positive weight if weighted).
        A pair may use fewer (pairwise deletion); its own count is in `long["n"]`.
    n_eff : float
        Kish's effective number of those areas, (Σw)²/Σw²; equals `n` unweighted.
    columns : list of str
        The variables, in the order given.
    long : pandas.DataFrame
        One row per distinct pair (columns LONG_COLUMNS): r, p, Benjamini-Hochberg adjusted
        p_bh, and the pair's own n and n_eff.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3], "c": [1, 3, 2, 5]})
    >>> res = matrix(table, ["a", "b", "c"], weights=pd.Series([1, 1, 2, 2]))
    >>> res.n, round(res.n_eff, 2)
    (4, 3.6)
    >>> float(res.square().loc["a", "a"])
    1.0
    """

    method: str
    weighted: bool
    weighting: str
    n: int
    n_eff: float
    columns: list[str]
    long: pd.DataFrame

    def square(self, value: str = "r") -> pd.DataFrame:
        """Symmetric variable x variable matrix of one column of `long` (diagonal: r = 1, else missing).

        Parameters
        ----------
        value : str
            A numeric column of `long`: "r", "p", "p_bh", "n" or "n_eff".
        """
        if value not in self.long.columns:
            raise CorrelationError(f"Spalte {value!r} gibt es nicht; verfügbar: {', '.join(self.long.columns)}.")
        pos = {name: i for i, name in enumerate(self.columns)}
        grid = np.full((len(self.columns), len(self.columns)), np.nan)
        for a, b, v in self.long[["indicator_a", "indicator_b", value]].itertuples(index=False):
            grid[pos[a], pos[b]] = grid[pos[b], pos[a]] = float(v)
        if value == "r":
            np.fill_diagonal(grid, 1.0)
        return pd.DataFrame(grid, index=self.columns, columns=self.columns)

    def pair(self, a: str, b: str) -> pd.Series:
        """The row of `long` for variables `a` and `b` (in either order)."""
        hit = self.long[((self.long["indicator_a"] == a) & (self.long["indicator_b"] == b))
                        | ((self.long["indicator_a"] == b) & (self.long["indicator_b"] == a))]
        if hit.empty:
            raise CorrelationError(f"Kein Paar {a!r}/{b!r}; Variablen: {', '.join(self.columns)}.")
        return hit.iloc[0]


def matrix(table: pd.DataFrame, columns: list[str], method: str = "pearson",
           weights: pd.Series | None = None) -> CorrelationMatrix:
    """Correlations of all distinct pairs of `columns` of `table` (one row per area).

    Pairwise deletion: each pair uses the areas where both values (and the weight) exist;
    its `n` counts them. Unweighted: scipy's pearsonr / spearmanr. Weighted (e.g. by
    population): weighted Pearson, and for Spearman weighted Pearson on weighted average
    ranks (each area counts as `w` tied observations, so integer weights give exactly the
    Spearman of the rows repeated `w` times). The p-value of a weighted r is an
    approximation: the t-test with n_eff − 2 degrees of freedom, n_eff = (Σw)²/Σw² (Kish).
    Using n − 2 would treat large Stadtteile as if they were many independent areas; n_eff
    is the more honest (larger) p. `p_bh` adjusts all distinct pairs of this matrix
    together (Benjamini-Hochberg, scipy.stats.false_discovery_control).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per area; the named columns numeric (missing values allowed).
    columns : list of str
        At least two columns of `table`.
    method : {"pearson", "spearman"}
    weights : pandas.Series, optional
        Non-negative weights aligned on `table`'s index; its name becomes `weighting`.

    Returns
    -------
    CorrelationMatrix

    Raises
    ------
    CorrelationError
        Unknown method or column, fewer than two columns, negative or unmatched weights.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [1, 2, 3, 4, 5], "y": [2, 4, 5, 4, 5]})
    >>> res = matrix(table, ["x", "y"], "spearman")
    >>> res.long[["indicator_a", "indicator_b", "n"]].values.tolist()
    [['x', 'y', 5]]
    """
    if method not in METHODS:
        raise CorrelationError(f"Unbekannte Methode {method!r}; erlaubt: {', '.join(METHODS)}.")
    ids = list(columns)
    missing = [i for i in ids if i not in table.columns]
    if missing:
        raise CorrelationError(f"Spalte(n) nicht in der Tabelle: {', '.join(missing)}.")
    if len(ids) < 2:
        raise CorrelationError("Für eine Korrelationsmatrix sind mindestens zwei Indikatoren nötig.")
    w = _check_weights(table, weights)
    rows = []
    for a, b in combinations(ids, 2):
        frame = pd.DataFrame({"x": table[a], "y": table[b]}, dtype="float64")
        if w is not None:
            frame["w"] = w
            frame = frame[frame["w"] > 0]
        frame = frame.dropna()
        ww = None if w is None else frame["w"].to_numpy()
        r, p, n_eff = _pair(frame["x"].to_numpy(), frame["y"].to_numpy(), method, ww)
        rows.append({"indicator_a": a, "indicator_b": b, "r": r, "p": p, "n": len(frame), "n_eff": n_eff})
    long = pd.DataFrame(rows)
    long["p_bh"] = bh_adjust(long["p"])
    long["method"] = method
    long["weighted"] = w is not None
    long["weighting"] = "none" if w is None else str(getattr(weights, "name", None) or "weights")
    long["n"] = long["n"].astype("int64")
    used = np.ones(len(table)) if w is None else w[w > 0].dropna().to_numpy()
    return CorrelationMatrix(method=method, weighted=w is not None, weighting=str(long["weighting"].iloc[0]),
                             n=len(used), n_eff=effective_n(used) if len(used) else 0.0, columns=ids,
                             long=long[LONG_COLUMNS])
