"""Loading the committed data: schema-checked, and broken files explained (file, row, column)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import areas, model, observations
from helpers.core.model import OBSERVATION_COLUMNS


def test_committed_observations_load_and_are_real():
    obs = observations.observations()
    assert list(obs.columns) == OBSERVATION_COLUMNS
    real = obs[~obs["synthetic"]]
    # all real rows come from the SMS tables, the city's open data or its election office
    assert real["source"].str.match(r"SMS[ ,]|Stadt Münster, Open Data: |Stadt Münster, Wahlamt: ").all()
    assert obs.loc[obs["synthetic"], "source"].str.startswith("Demodaten – synthetisch").all()
    city = obs[(obs["measure"] == "population") & (obs["area_level"] == "stadt") & (obs["year"] == 2014)
               & (obs["sex"] == "total") & (obs["age"] == "total")]
    assert city.set_index("origin").loc["migration", "value"] == 65205


def test_areas_hierarchy():
    parents = areas.ancestors()
    assert list(parents.columns) == ["stadtteil", "teilbereich", "stadtbezirk", "stadt"]
    assert len(parents) == 45
    assert parents.loc["61", "stadtbezirk"] == "6" and parents.loc["34", "teilbereich"] == "3"
    assert parents["stadtbezirk"].nunique() == 6 and set(parents["stadt"]) == {"05515000"}
    cells = areas.ancestors("stadtzelle")  # the finer level reaches every level above it
    assert len(cells) == 174 and cells["stadtteil"].notna().all() and cells["stadtbezirk"].notna().all()


def test_boundaries_are_projected_and_complete():
    gdf = areas.boundaries("stadtteil")
    assert gdf.crs.to_epsg() == 25832 and len(gdf) == 45
    assert 290e6 < gdf.area.sum() < 310e6  # Münster covers about 303 km²
    bezirke = areas.boundaries("stadtbezirk")
    assert len(bezirke) == 6
    assert abs(bezirke.area.sum() - gdf.area.sum()) < 1e3


def _write(tmp_path, rows):
    path = tmp_path / "broken.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


GOOD = dict(year=2014, area_level="stadtteil", area_code="11", measure="population", sex="total",
            origin="total", age="total", value=10, flag="", synthetic=False, source="test")


def test_broken_file_names_row_column_and_value(tmp_path):
    path = _write(tmp_path, [GOOD, {**GOOD, "area_code": "12", "sex": "divers"}, {**GOOD, "area_code": "13", "value": -4}])
    with pytest.raises(model.DataError) as err:
        observations.read_observation_file(path)
    text = str(err.value)
    assert "broken.csv" in text
    assert "Zeile 3, Spalte sex: Wert 'divers'" in text
    assert "Zeile 4, Spalte value: Wert -4" in text


def test_secret_value_must_not_be_zero(tmp_path):
    path = _write(tmp_path, [{**GOOD, "value": 0, "flag": "."}])
    with pytest.raises(model.DataError, match="Zeile 2"):
        observations.read_observation_file(path)


def test_missing_column_is_named(tmp_path):
    rows = [{k: v for k, v in GOOD.items() if k != "flag"}]
    with pytest.raises(model.DataError, match="Spalte\\(n\\) flag fehlen"):
        observations.read_observation_file(_write(tmp_path, rows))
