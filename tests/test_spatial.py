"""Moran's I and LISA on synthetic grids with known answers, their result objects, the real Stadtteile,
and the spatial section of chapter 07 (holds its results, records what it analyses only when displayed)."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import lat2W
from shapely.geometry import box

from helpers.core import areas, observations
from helpers.disclosure import disclosed, register
from helpers.sections import area_patterns, area_statistics
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
    pd.testing.assert_frame_equal(lisa(values, grid_w).table, lisa(values, grid_w).table)
    assert (np.random.get_state()[1] == before).all()
    assert moran(values, grid_w, seed=7).moran_i == first.moran_i


def test_lisa_quadrants_and_local_sum(grid_w):
    values = _series(lambda r, c: c < N // 2)
    local = lisa(values, grid_w).table
    assert list(local.columns) == ["area_code", "value", "local_i", "quadrant", "p_sim", "cluster"]
    left = local["area_code"].astype(int) % N < N // 2
    assert (local.loc[left, "quadrant"] == "hoch-hoch").all()
    assert (local.loc[~left, "quadrant"] == "niedrig-niedrig").all()
    assert set(local["cluster"]) <= {"hoch-hoch", "niedrig-niedrig", "nicht signifikant"}
    # esda's local I sum to (n − 1) · I with row-standardised weights.
    assert local["local_i"].sum() == pytest.approx((N * N - 1) * moran(values, grid_w).moran_i)
    with_fdr = lisa(values, grid_w, fdr=True).table
    assert (with_fdr["cluster"] != "nicht signifikant").sum() <= (local["cluster"] != "nicht signifikant").sum()


def test_missing_values_and_islands_are_left_out_and_recorded(grid_w):
    values = _series(lambda r, c: (r + c) % 3)
    values[["1", "4", "5"]] = np.nan  # the corner cell 0 loses all its neighbours
    result = moran(values, grid_w)
    assert result.missing == ("1", "4", "5") and result.islands == ("0",) and result.n == 12
    assert "4 Gebiet(e) ohne Wert oder ohne Nachbarn mit Wert sind nicht einbezogen" in result.describe()
    local = lisa(values, grid_w).table.set_index("area_code")
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
        (pd.Series([1.0, 2.0], index=["11", "12"]), {"w": "stadtteil"}, "Die Nachbarschaft wird übergeben"),
        (pd.Series([1.0, 2.0, 3.0], index=["11", "12", "13"]), {}, "Nur 3 Gebiete .* mindestens 7"),
    ],
)
def test_bad_input_is_refused_in_german(values, kwargs, message):
    kwargs = {"w": area_statistics.level_neighbours("stadtteil"), **kwargs}
    with pytest.raises(SpatialError, match=message):
        moran(values, **kwargs)


def test_a_level_without_boundaries_is_refused():
    with pytest.raises(SpatialError, match="Keine Grenzen für die Ebene 'stadt'"):
        area_statistics.level_weights("stadt")


def test_stadtteile_queen_contiguity():
    w = area_statistics.level_weights("stadtteil")
    cards = pd.Series(w.cardinalities)
    assert w.n == 45 and w.islands == [] and w.n_components == 1
    assert cards.min() == 3 and cards.max() == 10 and cards.sum() == 268  # 134 shared boundaries
    assert all(code in w.neighbors[n] for code in w.neighbors for n in w.neighbors[code])  # symmetric
    assert np.allclose(w.sparse.sum(axis=1), 1)  # row-standardised
    w.transform = "b"  # a caller's change does not leak into the cache
    assert area_statistics.level_weights("stadtteil").transform.lower() == "r"


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
    result = moran(share, area_statistics.level_weights("stadtteil"))
    assert result.moran_i == pytest.approx(expected, abs=1e-12)
    assert result.n == 45 and result.missing == ()
    assert 0 < result.p_sim <= 1
    from_polygons = moran(share, gdf.reset_index())  # polygons passed in: the same Queen neighbours
    assert (from_polygons.moran_i, from_polygons.p_sim, from_polygons.weights_kind) == (result.moran_i, result.p_sim,
                                                                                        "queen")
    module_w = area_statistics.level_weights("stadtteil")
    for i, code in enumerate(share.index):
        assert set(module_w.neighbors[code]) == set(share.index[binary[i] == 1])


def test_real_lisa_labels_every_stadtteil():
    local = lisa(_real_mv_share_2014(), area_statistics.level_neighbours()).table
    assert len(local) == 45 and local["area_code"].is_unique
    assert set(local["cluster"]) <= set(spatial.CLUSTERS)
    assert local["p_sim"].between(1 / 1000, 1).all()


def test_results_carry_their_parameters(grid_w):
    values = _series(lambda r, c: c < N // 2)
    result = moran(values, grid_w, permutations=199, seed=3)
    assert (result.permutations, result.seed, result.n, result.weights_kind, result.transformation) == (
        199, 3, 16, "given", "r")
    assert result.sim.shape == (199,) and result.values.index.tolist() == values.index.tolist()
    assert ", sim=" not in repr(result) and "values=" not in repr(result) and "permutations=199" in repr(result)
    assert moran(values, {c: grid_w.neighbors[c] for c in grid_w.id_order}).moran_i == pytest.approx(0.6125)
    local = lisa(values, grid_w, permutations=99, seed=5, alpha=0.1)
    assert (local.permutations, local.seed, local.alpha, local.fdr, local.threshold, local.n) == (99, 5, 0.1, False,
                                                                                                   0.1, 16)
    assert local.n_significant == int((local.table["cluster"] != "nicht signifikant").sum())
    assert local.clusters()["0"] == local.table.loc[0, "cluster"]
    corrected = lisa(values, grid_w, fdr=True)
    assert corrected.fdr and corrected.threshold <= 0.05 and corrected.n_significant <= lisa(values, grid_w).n_significant


def test_spatial_section_holds_results_and_records_only_when_displayed(chapter_register, monkeypatch):
    section = area_patterns.spatial_section(["mv_anteil", "alo_dichte"], 2014)
    assert not (chapter_register / "published").exists()  # computed, not shown: nothing published
    # Moran's I of the MV share 2014: the section's result is the one checked against the numpy formula above.
    expected = moran(_real_mv_share_2014(), area_statistics.level_weights("stadtteil"))
    held = section.moran[("mv_anteil", 2014)]
    assert held.moran_i == pytest.approx(expected.moran_i, abs=1e-9) and held.weights_kind == "queen"
    table = section.tables["moran"]
    assert set(table["indicator"]) == {"mv_anteil", "alo_dichte"} and len(table) == len(section.moran)
    assert table.set_index(["indicator", "year"]).loc[("mv_anteil", 2014), "n"] == 45
    assert section.lisa.indicator_id == "mv_anteil" and section.lisa.year == 2014
    assert section.lisa.tables["lisa"] is section.lisa.lisa.table and len(section.lisa.lisa.table) == 45
    assert any(t.startswith("Moran's I = ") for t in section.sentences)
    shown = []
    # a displayed result shows each figure through its image tag (helpers.sections.shown)
    monkeypatch.setattr(area_patterns.charts, "figure_tag", lambda fig, alt=None, data=None: shown.append(fig) or "")
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj: None)
    section._ipython_display_()
    assert shown == [section.lisa.figures["lisa"]]
    records = register.read_records(chapter_register)
    # Every analysed year of both indicators, then the LISA values again for the map.
    assert len(records) == 45 * (len(table) + 1) and set(records["what"]) == {"Analyse"}
    mv = disclosed.values("mv_anteil", "stadtteil")
    mv = mv[(mv["year"] == 2014) & (mv["group"] == "total")].set_index("area_code")
    last = records.tail(45).set_index("area_code")
    # Stadtteil 11, MV share 2014: the disclosed 16.068966 % is recorded as published, rounded to 16.1.
    assert float(mv.loc["11", "value"]) == pytest.approx(_real_mv_share_2014()["11"]) == pytest.approx(16.068966)
    assert last.loc["11", "value"] == 16.1
    assert (last["indicator"] == "mv_anteil").all() and (last["year"] == 2014).all()


def test_statistics_contract_catches_data_access(tmp_path):
    """The import-linter contract 'Statistics have no data access of their own' fails on a planted import."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    copy = tmp_path / "src"
    shutil.copytree(root / "src" / "helpers", copy / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "helpers" / "stats" / "spatial.py"
    target.write_text(target.read_text(encoding="utf-8") + "\nfrom helpers.core import areas  # noqa\n", encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    done = subprocess.run([str(bin_dir / "lint-imports"), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=copy, env={"PYTHONPATH": str(copy), "PATH": str(bin_dir), "HOME": str(copy)},
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "Statistics have no data access of their own BROKEN" in done.stdout
    assert "helpers.stats.spatial -> helpers.core.areas" in done.stdout


def test_docstring_examples_run():
    import doctest

    from helpers.stats import spatial as module

    failures, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted >= 3 and failures == 0
