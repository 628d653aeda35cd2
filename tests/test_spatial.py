"""Moran's I and LISA on synthetic grids with known answers and on the real Stadtteile."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import lat2W
from shapely.geometry import box

from helpers.core import areas, observations
from helpers.stats import spatial
from helpers.stats.spatial import SpatialError, lisa, moran, weights, weights_from_frame

N = 4  # 4 x 4 grid, cell code = str(row * N + col)


def _cells() -> list[tuple[int, int]]:
    return [(r, c) for r in range(N) for c in range(N)]


@pytest.fixture(scope="module")
def grid() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": [str(r * N + c) for r, c in _cells()]},
        geometry=[box(c * 100, r * 100, (c + 1) * 100, (r + 1) * 100) for r, c in _cells()],
        crs="EPSG:25832",
    )


@pytest.fixture(scope="module")
def grid_w(grid):
    return weights_from_frame(grid, "code")


def _series(fn) -> pd.Series:
    return pd.Series([float(fn(r, c)) for r, c in _cells()], index=[str(r * N + c) for r, c in _cells()])


def _moran_formula(z_values: np.ndarray, w: np.ndarray) -> float:
    """I = n/S0 · zᵀWz / zᵀz, z = deviations from the mean."""
    z = z_values - z_values.mean()
    return len(z) / w.sum() * (z @ w @ z) / (z @ z)


def _queen_grid_matrix() -> np.ndarray:
    """Row-standardised Queen W of the grid from index arithmetic (neighbour: Chebyshev distance 1)."""
    cells = _cells()
    w = np.array([[float(max(abs(r1 - r2), abs(c1 - c2)) == 1) for r2, c2 in cells] for r1, c1 in cells])
    return w / w.sum(axis=1, keepdims=True)


def test_grid_queen_neighbours(grid_w):
    cards = grid_w.cardinalities
    assert cards["0"] == 3 and cards["1"] == 5 and cards["5"] == 8  # corner, edge, interior
    assert sorted(grid_w.neighbors["0"]) == ["1", "4", "5"]
    assert grid_w.transform.lower() == "r"


def test_checkerboard_queen_matches_formula(grid_w):
    values = _series(lambda r, c: (r + c) % 2)
    # Diagonal neighbours share the colour, so with Queen contiguity the checkerboard is only
    # mildly negative: I = −0.1833 (by the formula below), not −1 as with Rook.
    expected = _moran_formula(values.to_numpy(), _queen_grid_matrix())
    result = moran(values, grid_w)
    assert result.moran_i == pytest.approx(expected)
    assert result.moran_i == pytest.approx(-0.18333333, abs=1e-6)
    assert result.moran_i < result.expected_i == pytest.approx(-1 / 15)


def test_checkerboard_rook_is_minus_one():
    values = _series(lambda r, c: (r + c) % 2)
    result = moran(values, lat2W(N, N, rook=True))  # a ready W works too; its int ids match as strings
    assert result.moran_i == pytest.approx(-1)
    assert result.p_sim == pytest.approx(0.001)
    assert "unterscheiden sich häufiger als bei zufälliger Verteilung" in result.describe()


def test_left_right_split_is_strongly_positive(grid_w):
    values = _series(lambda r, c: c < N // 2)
    result = moran(values, grid_w)
    assert result.moran_i == pytest.approx(_moran_formula(values.to_numpy(), _queen_grid_matrix()))
    assert result.moran_i == pytest.approx(0.6125)
    assert result.p_sim == pytest.approx(1 / 1000)
    assert result.describe() == (
        "Moran's I = 0,61 (p = 0,001, 999 Permutationen): ähnliche Werte liegen räumlich gehäuft beieinander."
    )


def test_same_seed_gives_identical_results_and_leaves_global_state_alone(grid_w):
    values = _series(lambda r, c: (r * 7 + c * 3) % 5)
    np.random.seed(1)
    before = np.random.get_state()[1].copy()
    first, second = moran(values, grid_w), moran(values, grid_w)
    assert first == second and first.p_sim == second.p_sim
    pd.testing.assert_frame_equal(lisa(values, grid_w), lisa(values, grid_w))
    assert (np.random.get_state()[1] == before).all()
    assert moran(values, grid_w, seed=7).moran_i == first.moran_i


def test_lisa_quadrants_and_local_sum(grid_w):
    values = _series(lambda r, c: c < N // 2)
    local = lisa(values, grid_w)
    assert list(local.columns) == ["area_code", "value", "local_i", "quadrant", "p_sim", "cluster"]
    left = local["area_code"].astype(int) % N < N // 2
    assert (local.loc[left, "quadrant"] == "hoch-hoch").all()
    assert (local.loc[~left, "quadrant"] == "niedrig-niedrig").all()
    assert set(local["cluster"]) <= {"hoch-hoch", "niedrig-niedrig", "nicht signifikant"}
    # esda's local I sum to (n − 1) · I with row-standardised weights.
    assert local["local_i"].sum() == pytest.approx((N * N - 1) * moran(values, grid_w).moran_i)
    with_fdr = lisa(values, grid_w, fdr=True)
    assert (with_fdr["cluster"] != "nicht signifikant").sum() <= (local["cluster"] != "nicht signifikant").sum()


def test_missing_values_and_islands_are_left_out_and_recorded(grid_w):
    values = _series(lambda r, c: (r + c) % 3)
    values[["1", "4", "5"]] = np.nan  # the corner cell 0 loses all its neighbours
    result = moran(values, grid_w)
    assert result.missing == ("1", "4", "5") and result.islands == ("0",) and result.n == 12
    assert "4 Gebiet(e) ohne Wert oder ohne Nachbarn mit Wert sind nicht einbezogen" in result.describe()
    local = lisa(values, grid_w).set_index("area_code")
    assert local.loc["1", "cluster"] == "keine Angabe" and pd.isna(local.loc["1", "local_i"])
    assert local.loc["0", "cluster"] == "keine Nachbarn mit Angabe" and local.loc["0", "value"] == 0
    with pytest.raises(SpatialError, match="Gebiet\\(e\\) 0 haben in der Auswahl keine Nachbarn"):
        weights(grid_w, codes=["0", "2", "3", "6"])


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([1.0, 2.0], {}, "pandas-Series"),
        (pd.Series([1.0, 2.0], index=["11", "999"]), {}, "Unbekannte Gebietsschlüssel: 999"),
        (pd.Series(1.0, index=list(areas.area_names("stadtteil"))), {}, "Alle Werte sind gleich"),
        (pd.Series([1.0, 2.0], index=["11", "12"]), {"permutations": 9}, "Mindestens 99 Permutationen"),
        (pd.Series([1.0, 2.0], index=["11", "12"]), {"level": "stadt"}, "Keine Grenzen für die Ebene 'stadt'"),
        (pd.Series([1.0, 2.0, 3.0], index=["11", "12", "13"]), {}, "Nur 3 Gebiete .* mindestens 7"),
    ],
)
def test_bad_input_is_refused_in_german(values, kwargs, message):
    with pytest.raises(SpatialError, match=message):
        moran(values, **kwargs)


def test_stadtteile_queen_contiguity():
    w = weights("stadtteil")
    cards = pd.Series(w.cardinalities)
    assert w.n == 45 and w.islands == [] and w.n_components == 1
    assert cards.min() == 3 and cards.max() == 10 and cards.sum() == 268  # 134 shared boundaries
    assert all(code in w.neighbors[n] for code in w.neighbors for n in w.neighbors[code])  # symmetric
    assert np.allclose(w.sparse.sum(axis=1), 1)  # row-standardised
    w.transform = "b"  # a caller's change does not leak into the cache
    assert weights("stadtteil").transform.lower() == "r"


def _real_mv_share_2014() -> pd.Series:
    obs = observations.observations()
    rows = obs[(obs["measure"] == "population") & (obs["sex"] == "total") & (obs["age"] == "total")
               & (obs["area_level"] == "stadtteil") & (obs["year"] == 2014)]
    wide = rows.pivot(index="area_code", columns="origin", values="value").astype(float)
    return wide["migration"] / wide["total"] * 100


def test_real_moran_matches_numpy_formula_with_shapely_contiguity():
    share = _real_mv_share_2014()
    gdf = areas.boundaries("stadtteil").set_index("code").loc[share.index]
    geoms = gdf.geometry.to_list()
    n = len(geoms)
    binary = np.zeros((n, n))
    for i, j in itertools.combinations(range(n), 2):
        if geoms[i].intersects(geoms[j]):  # shared boundary point or line (Queen)
            binary[i, j] = binary[j, i] = 1
    expected = _moran_formula(share.to_numpy(), binary / binary.sum(axis=1, keepdims=True))
    result = moran(share)
    assert result.moran_i == pytest.approx(expected, abs=1e-12)
    assert result.n == 45 and result.missing == ()
    assert 0 < result.p_sim <= 1
    module_w = weights("stadtteil")
    for i, code in enumerate(share.index):
        assert set(module_w.neighbors[code]) == set(share.index[binary[i] == 1])


def test_real_lisa_labels_every_stadtteil():
    local = lisa(_real_mv_share_2014())
    assert len(local) == 45 and local["area_code"].is_unique
    assert set(local["cluster"]) <= set(spatial.CLUSTERS)
    assert local["p_sim"].between(1 / 1000, 1).all()
