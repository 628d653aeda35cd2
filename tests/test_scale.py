"""Scale (issue 7): the Stadtzellen in the committed data and the synthetic scale city.

The full measurement is `benchmarks/scale.py`; these tests check the inputs it relies on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import Queen

from helpers.core import context, paths
from helpers.sources.demo import scale_city

N = 60


@pytest.fixture(scope="module")
def areas() -> pd.DataFrame:
    return pd.read_csv(paths.AREAS_CSV, dtype=str, keep_default_na=False)


def test_stadtzellen_in_committed_areas(areas):
    cells = areas[areas["level"] == "stadtzelle"]
    stadtteile = set(areas.loc[areas["level"] == "stadtteil", "code"])
    assert len(cells) == 174 and cells["code"].is_unique
    assert (cells["parent_level"] == "stadtteil").all()
    assert set(cells["parent_code"]) == stadtteile  # every parent exists, every Stadtteil has a cell
    assert (cells["code"].str[:2] == cells["parent_code"]).all()


def test_stadtzellen_boundaries_match_area_table(areas):
    gdf = gpd.read_file(paths.GEO_DIR / "stadtzellen.geojson")
    assert gdf.crs.to_epsg() == 25832
    cells = areas[areas["level"] == "stadtzelle"].set_index("code")
    assert sorted(gdf["code"].astype(str)) == sorted(cells.index)
    assert (gdf.set_index(gdf["code"].astype(str))["stadtteil"] == cells["parent_code"]).all()
    assert gdf.is_valid.all()


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    return scale_city.write_city(tmp_path_factory.mktemp("city"), N, range(2005, 2015))


def test_city_polygons_valid_and_queen_contiguous(city):
    gdf = gpd.read_file(city / "data" / scale_city.NAME / "geo" / "stadtteile.geojson")
    assert len(gdf) == N and gdf.crs.to_epsg() == 25832 and gdf.is_valid.all()
    assert (gdf.area > 0).all()
    # Cells tile the frame: no overlaps, no gaps.
    assert abs(gdf.area.sum() - gdf.union_all().area) < 1.0
    w = Queen.from_dataframe(gdf, use_index=False)
    assert not w.islands and min(w.cardinalities.values()) >= 2


def test_city_hierarchy_nests(city):
    table = pd.read_csv(city / "data" / scale_city.NAME / "areas.csv", dtype=str, keep_default_na=False)
    assert (table["level"] == "stadtteil").sum() == N
    assert table.loc[table["level"] == "stadt", "code"].tolist() == [scale_city.CITY_CODE]
    for level, parent in (("stadtteil", "teilbereich"), ("teilbereich", "stadtbezirk"), ("stadtbezirk", "stadt")):
        rows = table[table["level"] == level]
        assert set(rows["parent_code"]) <= set(table.loc[table["level"] == parent, "code"])


@pytest.fixture(scope="module")
def obs(city) -> pd.DataFrame:
    return pd.read_csv(city / "data" / scale_city.NAME / "observations" / "synthetic.csv",
                       dtype={"area_code": str, "age": str, "flag": str}, keep_default_na=False)


def test_city_rows_all_synthetic_and_labelled(obs):
    assert (obs["synthetic"].astype(str) == "True").all()
    assert (obs["source"] == scale_city.source(scale_city.SEED)).all()
    assert sorted(obs["year"].unique()) == list(range(2005, 2015))


def test_city_parts_add_up(obs):
    key = ["year", "area_level", "area_code", "measure", "origin", "age"]
    wide = obs.pivot_table(index=key, columns="sex", values="value", aggfunc="first").dropna()
    assert len(wide) and (wide["male"] + wide["female"] == wide["total"]).all()
    pop = obs[(obs["measure"] == "population") & (obs["sex"] == "total") & (obs["age"] == "total")].pivot_table(
        index=["year", "area_code"], columns="origin", values="value")
    assert (pop["foreign"] + pop["german_mig_personal"] + pop["german_mig_inherited"] == pop["migration"]).all()
    assert (pop["migration"] <= pop["total"]).all()


def test_city_covers_every_indicator(city, obs):
    from helpers.core import catalogue

    cat = catalogue.load(city / "data" / scale_city.NAME / "catalogue.yml")
    have = set(obs["measure"])
    needed = {t.measure for i in cat.indicators for t in i.terms}
    assert needed <= have


@pytest.mark.slow
def test_city_deterministic(city, tmp_path):
    again = scale_city.write_city(tmp_path, N, range(2005, 2015))
    for name in ("observations/synthetic.csv", "areas.csv", "geo/stadtteile.geojson"):
        assert (again / "data" / scale_city.NAME / name).read_bytes() == (city / "data" / scale_city.NAME / name).read_bytes(), name


@pytest.mark.slow
def test_muenster_cells_mode(tmp_path):
    root = scale_city.write_city(tmp_path, 174, cells="muenster")
    table = pd.read_csv(root / "data" / scale_city.NAME / "areas.csv", dtype=str, keep_default_na=False)
    assert (table["level"] == "stadtteil").sum() == 174
    assert np.isin(["1", "9"], table.loc[table["level"] == "teilbereich", "code"]).all()


@pytest.mark.notebooks
def test_two_chapters_on_60_areas(city):
    """The chapters must not assume 45 Stadtteile (nor Münster's city code)."""
    env = context.RunContext(root=city, outputs=city / "outputs").environ()
    done = subprocess.run([sys.executable, "-m", "helpers.runner", "--ohne-pdf", "--kapitel", "05", "06"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (city / "outputs" / "2014" / "report.html").exists()


def test_stadtzellen_do_not_capture_stadtteil_names_in_deliveries():
    """15 Stadtzellen share their Stadtteil's name (e.g. 681 Sprakel): a delivery by name means the Stadtteil."""
    from helpers.intake.validation import Context
    from helpers.sources.area_names import normalise_name

    context = Context.load()
    assert context.by_name[normalise_name("Sprakel")] == (("stadtteil", "68"),)
    assert normalise_name("Zoo") not in context.by_name  # a cell-only name is not a delivery area
