"""Spatial autocorrelation of area values: global Moran's I and local Moran (LISA) on Queen contiguity.

Neighbours are areas sharing a boundary point (Queen contiguity), weights row-standardised,
so the spatial lag of an area is the mean of its neighbours. Moran's I is
I = n/S0 · zᵀWz / zᵀz with z the deviations from the mean and S0 the sum of all weights
(S0 = n when row-standardised). Significance comes from permutations (esda, without numba):
the pseudo p-value (k + 1)/(permutations + 1) counts the permuted statistics at least as
extreme as the observed one *on its side* (esda folds the two tails), so it is one-sided in the
direction of the observed value and never smaller than 1/(permutations + 1).

Results are reproducible: the permutations use a fixed seed, and numpy's global random state is
restored afterwards (esda's global Moran draws from it and its LISA re-seeds it).

Areas without a value (missing, suppressed) are left out of the weights and recorded; an area
left without any neighbour that has a value (an island) is left out too and recorded, because
its spatial lag would be an arbitrary zero. `weights(codes=...)` itself refuses islands.

The neighbours are passed in (a libpysal W, polygons as a GeoDataFrame, or a mapping); this
module reads no boundaries of its own. The report's sections (helpers.sections.area_statistics)
build the Queen weights of a level once per process from the stored boundaries.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import Queen, W

from helpers.core.formatting import number

with warnings.catch_warnings():
    # esda imports tqdm.auto, which warns "IProgress not found" in every Jupyter kernel without
    # ipywidgets (chapters, JupyterLab); no progress bar is ever shown here, so the warning is noise.
    warnings.filterwarnings("ignore", message="IProgress not found")
    import esda

SEED = 20250226
#: Fewer areas have fewer distinct arrangements (n!) than the 999 permutations a test draws.
MIN_AREAS = 7
QUADRANTS = {1: "hoch-hoch", 2: "niedrig-hoch", 3: "niedrig-niedrig", 4: "hoch-niedrig"}  # esda's q
NOT_SIGNIFICANT = "nicht signifikant"
NO_VALUE = "keine Angabe"
NO_NEIGHBOURS = "keine Nachbarn mit Angabe"
CLUSTERS = (*QUADRANTS.values(), NOT_SIGNIFICANT, NO_VALUE, NO_NEIGHBOURS)

Neighbours = dict[str, tuple[str, ...]]


class SpatialError(ValueError):
    """Values or areas that do not allow a spatial statistic; the message names the areas."""


def _codes(codes) -> str:
    codes = list(codes)
    return ", ".join(str(c) for c in codes[:20]) + (" …" if len(codes) > 20 else "")


def queen_neighbours(gdf: gpd.GeoDataFrame, id_column: str = "code") -> Neighbours:
    """Queen neighbours (a shared boundary point) of polygons, by the ids in `id_column` (as text).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> grid = gpd.GeoDataFrame({"code": ["a", "b", "c"]},
    ...                         geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)])
    >>> sorted(queen_neighbours(grid)["b"])
    ['a', 'c']
    """
    if gdf[id_column].duplicated().any():
        dupes = gdf.loc[gdf[id_column].duplicated(), id_column]
        raise SpatialError(f"Gebietsschlüssel kommen mehrfach vor: {_codes(dupes)}.")
    ids = gdf[id_column].astype(str)
    w = Queen.from_dataframe(gdf.assign(**{id_column: ids}), ids=id_column, silence_warnings=True)
    return {str(c): tuple(str(n) for n in w.neighbors[c]) for c in w.id_order}


def _row_standardised(neighbours: Neighbours, codes: list[str]) -> W:
    """Fresh W restricted to `codes` (in that order); callers never share a mutable W."""
    keep = set(codes)
    sub = {c: [n for n in neighbours[c] if n in keep] for c in codes}
    islands = [c for c in codes if not sub[c]]
    if islands:
        raise SpatialError(
            f"Gebiet(e) {_codes(islands)} haben in der Auswahl keine Nachbarn; die räumliche Gewichtung ist "
            "für sie nicht definiert. Bitte die Gebiete weglassen oder eine gröbere Ebene wählen."
        )
    w = W(sub, id_order=list(codes), silence_warnings=True)
    w.transform = "r"
    return w


Contiguity = W | gpd.GeoDataFrame | Mapping[str, Sequence[str]]


def _neighbours(w: Contiguity) -> Neighbours:
    """Neighbours as text ids from a W, polygons (Queen) or a mapping code -> neighbour codes."""
    if isinstance(w, W):
        return {str(c): tuple(str(n) for n in w.neighbors[c]) for c in w.id_order}
    if isinstance(w, gpd.GeoDataFrame):
        return queen_neighbours(w, "code")
    if isinstance(w, Mapping):
        return {str(c): tuple(str(n) for n in ns) for c, ns in w.items()}
    raise SpatialError(
        f"Die Nachbarschaft wird übergeben (libpysal-W, GeoDataFrame mit Spalte 'code' oder Zuordnung "
        f"Gebiet -> Nachbarn), nicht {type(w).__name__} {w!r}; die Gewichte einer Ebene liefert "
        "helpers.sections.area_patterns.level_weights(ebene)."
    )


def _kind(w: Contiguity, kind: str | None) -> str:
    if kind is not None:
        return kind
    return "queen" if isinstance(w, gpd.GeoDataFrame) else "given"


def _subset(neighbours: Neighbours, codes: list[str] | None) -> list[str]:
    if codes is None:
        return list(neighbours)
    codes = [str(c) for c in codes]
    unknown = [c for c in codes if c not in neighbours]
    if unknown:
        raise SpatialError(f"Unbekannte Gebietsschlüssel: {_codes(unknown)}.")
    return codes


def weights_from_frame(gdf: gpd.GeoDataFrame, id_column: str = "code") -> W:
    """Row-standardised Queen weights of any polygons (e.g. a test grid), ids from `id_column`."""
    neighbours = queen_neighbours(gdf, id_column)
    return _row_standardised(neighbours, list(neighbours))


def weights(w: Contiguity, codes: list[str] | None = None) -> W:
    """Fresh row-standardised weights from a W, polygons or neighbours, optionally for a subset of the areas.

    An area left without a neighbour in the subset (an island) is refused.
    """
    neighbours = _neighbours(w)
    return _row_standardised(neighbours, _subset(neighbours, codes))


@contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Seed numpy's global generator for esda and restore the caller's state afterwards."""
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


@dataclass(frozen=True)
class _Prepared:
    values: pd.Series  # float values of the areas used, in weights order
    w: W
    all_values: pd.Series  # Float64 values of all areas of the weights, <NA> where missing
    missing: tuple[str, ...]
    islands: tuple[str, ...]


def _prepare(values: pd.Series, w: Contiguity, permutations: int) -> _Prepared:
    """Align values with the areas, drop missing values and islands, build the weights."""
    if permutations < 99:
        raise SpatialError(
            f"Mindestens 99 Permutationen nötig (angegeben: {permutations}); sonst ist kein p unter 0,01 möglich."
        )
    if not isinstance(values, pd.Series):
        raise SpatialError("Die Werte müssen eine pandas-Series mit den Gebietsschlüsseln als Index sein.")
    values = values.set_axis(values.index.astype(str))
    if values.index.has_duplicates:
        dupes = values.index[values.index.duplicated()].unique()
        raise SpatialError(f"Gebietsschlüssel kommen mehrfach vor: {_codes(dupes)}.")
    neighbours = _neighbours(w)
    unknown = values.index.difference(list(neighbours))
    if len(unknown):
        raise SpatialError(f"Unbekannte Gebietsschlüssel: {_codes(unknown)}.")
    try:
        numeric = pd.to_numeric(values.reindex(list(neighbours)), errors="raise").astype("Float64")
    except (TypeError, ValueError):
        raise SpatialError("Die Werte müssen Zahlen sein (fehlende Werte als <NA>).") from None
    missing = tuple(numeric.index[numeric.isna()])
    present = list(numeric.index[numeric.notna()])
    islands = tuple(c for c in present if not set(neighbours[c]) & set(present))
    used = [c for c in present if c not in islands]
    if len(used) < MIN_AREAS:
        raise SpatialError(
            f"Nur {len(used)} Gebiete mit Wert und Nachbarn; mindestens {MIN_AREAS} nötig, "
            "sonst gibt es zu wenige verschiedene Anordnungen für den Permutationstest."
        )
    used_values = numeric[used].astype(float)
    if used_values.nunique() < 2:
        raise SpatialError("Alle Werte sind gleich; ohne Streuung ist Moran's I nicht definiert.")
    return _Prepared(used_values, _row_standardised(neighbours, used), numeric, missing, islands)


@dataclass(frozen=True)
class MoranResult:
    """Global Moran's I with its permutation test, its parameters and the areas left out.

    Attributes
    ----------
    moran_i : float
        Moran's I of the values used.
    expected_i : float
        −1/(n−1), the expectation under spatial randomness.
    z_sim : float
        z-value of I against the permutation distribution.
    p_sim : float
        Pseudo p-value, one-sided in the direction of the observed I.
    n : int
        Number of areas used (with a value and a neighbour with a value).
    permutations : int
        Number of random permutations.
    seed : int or None
        Seed of the permutations (None: not reproducible).
    missing : tuple of str
        Areas without a value.
    islands : tuple of str
        Areas whose neighbours all lack a value.
    weights_kind : str
        Where the neighbours came from: ``"queen"`` (polygons) or ``"given"`` (a W or mapping
        passed in; the report passes Queen weights and says so).
    transformation : str
        Weights transformation, ``"r"`` (row-standardised: the lag is the neighbours' mean).
    values : Series
        The values used, by area code (not compared, not shown in the repr).
    sim : ndarray
        The permuted I values (not compared, not shown in the repr).
    """

    moran_i: float
    expected_i: float  # −1/(n−1) under spatial randomness
    z_sim: float
    p_sim: float  # pseudo p-value, one-sided in the direction of the observed I
    n: int
    permutations: int
    seed: int | None
    missing: tuple[str, ...] = ()  # areas without a value
    islands: tuple[str, ...] = ()  # areas without a neighbour that has a value
    weights_kind: str = "given"
    transformation: str = "r"
    values: pd.Series | None = field(default=None, compare=False, repr=False)
    sim: np.ndarray | None = field(default=None, compare=False, repr=False)

    def describe(self, alpha: float = 0.05) -> str:
        """One German sentence for reports, e.g. 'Moran's I = 0,41 (p = 0,001, 999 Permutationen): …'."""
        p = number(self.p_sim, 3)
        head = f"Moran's I = {number(self.moran_i, 2)} (p = {p}, {self.permutations} Permutationen)"
        if self.p_sim > alpha:
            text = f"{head}: kein signifikantes räumliches Muster."
        elif self.moran_i > self.expected_i:
            text = f"{head}: ähnliche Werte liegen räumlich gehäuft beieinander."
        else:
            text = f"{head}: benachbarte Gebiete unterscheiden sich häufiger als bei zufälliger Verteilung."
        left_out = len(self.missing) + len(self.islands)
        if left_out:
            text += f" {left_out} Gebiet(e) ohne Wert oder ohne Nachbarn mit Wert sind nicht einbezogen."
        return text


def moran(values: pd.Series, w: Contiguity, permutations: int = 999, seed: int | None = SEED,
          weights_kind: str | None = None) -> MoranResult:
    """Global Moran's I of values indexed by area code, with a seeded permutation test.

    Parameters
    ----------
    values : Series
        One value per area, indexed by area code; <NA> for a missing or suppressed value.
    w : libpysal W, GeoDataFrame or mapping
        The neighbours: a W with area-code ids (its neighbours are used, weights are
        row-standardised afresh), polygons with a column ``code`` (Queen contiguity) or a
        mapping area code -> neighbour codes.
    permutations : int
        Random permutations for the pseudo p-value (at least 99).
    seed : int or None
        Seed of the permutations; numpy's global random state is restored afterwards.
    weights_kind : str, optional
        How to name the neighbours in the result (default ``"queen"`` for polygons, else ``"given"``).

    Returns
    -------
    MoranResult

    Examples
    --------
    >>> from libpysal.weights import lat2W
    >>> checkerboard = [float((i // 4 + i % 4) % 2) for i in range(16)]   # 4 x 4 grid, row by row
    >>> result = moran(pd.Series(checkerboard, index=[str(i) for i in range(16)]), lat2W(4, 4), permutations=99)
    >>> round(result.moran_i, 3), result.p_sim, result.n, result.permutations, result.seed, result.weights_kind
    (-1.0, 0.01, 16, 99, 20250226, 'given')
    """
    prep = _prepare(values, w, permutations)
    with _seeded(seed):
        mi = esda.Moran(prep.values.to_numpy(), prep.w, transformation="r", permutations=permutations)
    return MoranResult(
        moran_i=float(mi.I), expected_i=float(mi.EI), z_sim=float(mi.z_sim), p_sim=float(mi.p_sim),
        n=int(mi.n), permutations=permutations, seed=seed, missing=prep.missing, islands=prep.islands,
        weights_kind=_kind(w, weights_kind), values=prep.values, sim=np.asarray(mi.sim),
    )


@dataclass(frozen=True, eq=False)
class LisaResult:
    """Local Moran (LISA) per area with German cluster labels, and the parameters of the test.

    Attributes
    ----------
    table : DataFrame
        One row per area of the weights: area_code, value, local_i, quadrant, p_sim, cluster.
    permutations, seed : int, int or None
        Permutations and their seed.
    alpha : float
        Significance level asked for.
    fdr : bool
        Whether the false discovery rate threshold (Benjamini-Hochberg) was used.
    threshold : float
        The p threshold applied (alpha, or esda.fdr's threshold).
    n : int
        Areas tested (with a value and a neighbour with a value).
    missing, islands : tuple of str
        Areas without a value / without a neighbour with a value.
    weights_kind : str
        ``"queen"`` or ``"given"``, as in `MoranResult`.
    """

    table: pd.DataFrame
    permutations: int
    seed: int | None
    alpha: float
    fdr: bool
    threshold: float
    n: int
    missing: tuple[str, ...] = ()
    islands: tuple[str, ...] = ()
    weights_kind: str = "given"

    @property
    def n_significant(self) -> int:
        """Areas in a significant cluster (any of the four quadrants)."""
        return int(self.table["cluster"].isin(list(QUADRANTS.values())).sum())

    def clusters(self) -> pd.Series:
        """Cluster label per area code."""
        return self.table.set_index("area_code")["cluster"]


def lisa(values: pd.Series, w: Contiguity, permutations: int = 999, seed: int | None = SEED,
         alpha: float = 0.05, fdr: bool = False, weights_kind: str | None = None) -> LisaResult:
    """Local Moran (LISA) per area with German cluster labels (rows in the order of the areas).

    Columns of `table`: area_code, value, local_i, quadrant, p_sim, cluster. `quadrant` is the
    area's place in the Moran scatterplot, own value first, then its neighbours' mean, each
    against the mean ("hoch-niedrig": a high value among low neighbours). `cluster` is the
    quadrant where p_sim <= alpha, else "nicht signifikant"; areas without a value get "keine
    Angabe", areas whose neighbours all lack a value "keine Nachbarn mit Angabe".

    Caveat: with 45 areas there are 45 tests. The pseudo p-values are NOT corrected for multiple
    testing: at alpha = 0.05 about two areas look significant under pure randomness, and the
    tests overlap (neighbourhoods share areas). `fdr=True` uses esda.fdr's threshold (false
    discovery rate, Benjamini-Hochberg; esda returns alpha/n when no test passes) instead of alpha.
    Read clusters as hints to look closer, not as findings.

    Parameters are those of `moran`, plus `alpha` and `fdr`.

    Examples
    --------
    >>> from libpysal.weights import lat2W
    >>> values = pd.Series([1.0, 1.0, 0.0, 0.0] * 4, index=[str(i) for i in range(16)])
    >>> result = lisa(values, lat2W(4, 4), permutations=99)
    >>> result.table.loc[0, ["area_code", "quadrant"]].tolist(), result.alpha, result.fdr
    (['0', 'hoch-hoch'], 0.05, False)
    """
    prep = _prepare(values, w, permutations)
    with _seeded(seed), warnings.catch_warnings():
        # esda's conditional randomisation warns that its default alternative will change; the
        # p_sim used here is recomputed by Moran_Local from the kept simulations (folded tails).
        warnings.filterwarnings("ignore", message="The alternative hypothesis", category=DeprecationWarning)
        lm = esda.Moran_Local(prep.values.to_numpy(), prep.w, transformation="r", permutations=permutations,
                              keep_simulations=True, seed=seed)
    # esda.fdr's own test is strict (p < threshold); the plain test keeps the usual p <= alpha.
    threshold = float(esda.fdr(lm.p_sim, alpha)) if fdr else float(alpha)
    hit = lm.p_sim < threshold if fdr else lm.p_sim <= alpha
    significant = pd.Series(hit, index=prep.values.index)
    quadrant = pd.Series([QUADRANTS[int(q)] for q in lm.q], index=prep.values.index, dtype="str")
    local = pd.DataFrame({
        "value": prep.values, "local_i": lm.Is, "quadrant": quadrant, "p_sim": lm.p_sim,
        "cluster": quadrant.where(significant, NOT_SIGNIFICANT),
    })
    out = local.reindex(prep.all_values.index)
    out["value"] = prep.all_values.astype(float)
    out.loc[list(prep.missing), "cluster"] = NO_VALUE
    out.loc[list(prep.islands), "cluster"] = NO_NEIGHBOURS
    return LisaResult(table=out.rename_axis("area_code").reset_index(), permutations=permutations, seed=seed,
                      alpha=float(alpha), fdr=bool(fdr), threshold=threshold, n=len(prep.values),
                      missing=prep.missing, islands=prep.islands, weights_kind=_kind(w, weights_kind))
