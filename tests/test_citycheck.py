"""The city setup check: the committed city passes; every kind of gap is found with file, row and column."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from helpers.core import context, paths
from helpers.core.problems import Severity
from helpers.intake import citycheck


@pytest.mark.parametrize(("city", "shared"), [
    ("muenster", "5 Name(n) gibt es auf zwei Ebenen: Hiltrup (Teilbereich, Stadtbezirk); Nord (Teilbereich, Stadtbezirk); "
                 "Ost (Teilbereich, Stadtbezirk); Südost (Teilbereich, Stadtbezirk); West (Teilbereich, Stadtbezirk)."),
    ("berlin", "11 Name(n) gibt es auf zwei Ebenen: Biesdorf (Bezirksregion, Prognoseraum); Buch (Bezirksregion, "
               "Prognoseraum);"),
])
def test_the_committed_cities_are_set_up_without_errors(city, shared):
    """Münster and Berlin pass; what is left is the warning about the names their levels share (no staff text of
    theirs cites one of them without its level)."""
    problems = citycheck.check(paths.ROOT, city)
    assert citycheck.errors(problems) == []
    assert [p.severity for p in problems] == [Severity.WARNING]
    assert str(problems[0]).startswith(f"data/{city}/areas.csv, Spalte name: {shared}"), problems


@pytest.fixture
def broken(tmp_path) -> Path:
    """A copy of the committed city with one gap of each kind (noted beside each change)."""
    root = tmp_path / "stadt"
    shutil.copytree(paths.DATA, root / "data" / paths.CITY, ignore=shutil.ignore_patterns("raw"))
    shutil.copytree(paths.ROOT / "config", root / "config")
    data = root / "data" / paths.CITY
    # an observation in a Stadtteil that does not exist (line 2 of sms.csv, counting the header as 1)
    sms = pd.read_csv(data / "observations" / "sms.csv", dtype=str, keep_default_na=False)
    sms.loc[0, ["area_level", "area_code"]] = ["stadtteil", "19"]
    sms.to_csv(data / "observations" / "sms.csv", index=False)
    # a Stadtteil whose Teilbereich is missing (areas.csv line 2: 11 Aegidii)
    areas = pd.read_csv(data / "areas.csv", dtype=str, keep_default_na=False)
    areas.loc[0, "parent_code"] = "77"
    areas.to_csv(data / "areas.csv", index=False)
    # Stadtteil 98 without a boundary; 12 drawn over 11 (overlap)
    layer = gpd.read_file(data / "geo" / "stadtteile.geojson")
    layer["code"] = layer["code"].astype(str)
    layer.loc[layer["code"] == "12", "geometry"] = layer.loc[layer["code"] == "11", "geometry"].iloc[0]
    layer[layer["code"] != "98"].to_file(data / "geo" / "stadtteile.geojson", driver="GeoJSON")
    # a catalogue measure that no data hold, and a published rate for an unknown area
    catalogue = (data / "catalogue.yml").read_text(encoding="utf-8")
    (data / "catalogue.yml").write_text(catalogue.replace("numerator: {measure: unemployed}",
                                                          "numerator: {measure: unemployed_total}", 1), encoding="utf-8")
    rates = pd.read_csv(data / "published_rates.csv", dtype=str, keep_default_na=False)
    rates.loc[2, "area_code"] = "05515999"
    rates.to_csv(data / "published_rates.csv", index=False)
    # a misspelt key in the city's configuration (its declared levels stay)
    city_yml = root / "config" / paths.CITY / "city.yml"
    city_yml.write_text(city_yml.read_text(encoding="utf-8").replace("concept:", "konzept:", 1), encoding="utf-8")
    return root


def test_every_gap_is_reported_with_file_row_and_column(broken):
    found = [str(p) for p in citycheck.check(broken, paths.CITY)]
    expected = [
        "data/muenster/areas.csv, Zeile 2, Spalte parent_code: stadtteil 11 (Aegidii) gehört laut Datei zu teilbereich 77, "
        "das es nicht gibt.",
        "data/muenster/geo/stadtteile.geojson, Spalte code: stadtteil 98 steht in data/muenster/areas.csv, hat aber keine Grenze.",
        "data/muenster/geo/stadtteile.geojson, Spalte geometry: Flächen 11 und 12 überlappen sich",
        "data/muenster/observations/sms.csv, Zeile 2, Spalte area_code: stadtteil 19 ist kein Gebiet in "
        "data/muenster/areas.csv (1 Zeilen).",
        "data/muenster/published_rates.csv, Zeile 4, Spalte area_code: stadt 05515999 ist kein Gebiet in data/muenster/areas.csv",
        "config/muenster/city.yml: '(Datei)': unbekannte(r) Schlüssel konzept",
        "data/muenster/catalogue.yml, Spalte numerator: Indikator alo_dichte: Merkmal 'unemployed_total' kommt in den "
        "Beobachtungen nicht vor.",
        "data/muenster/catalogue.yml, Spalte measures: Merkmal 'unemployed_total' hat keinen deutschen Namen im Abschnitt "
        "measures",
    ]
    for text in expected:
        assert any(line.startswith(text) for line in found), (text, found)
    # a Stadtzelle of 12 now lies outside its (moved) Stadtteil
    assert any(line.startswith("data/muenster/geo/stadtzellen.geojson, Spalte geometry: stadtzelle 12") and "liegt nur zu" in line
               for line in found), found


@pytest.mark.slow
def test_the_command_exits_1_and_prints_every_problem(broken):
    done = subprocess.run([sys.executable, "-m", "helpers.intake.citycheck", str(broken)], capture_output=True,
                          text=True, timeout=120, env=context.RunContext(root=broken).environ())
    assert done.returncode == 1
    found = citycheck.check(broken, paths.CITY)
    assert done.stderr.startswith(f"{len(citycheck.errors(found))} Problem(e) in der Einrichtung der Stadt")
    assert "\n  Warnung: data/muenster/areas.csv, Spalte name: 5 Name(n) gibt es auf zwei Ebenen" in done.stderr
    assert "Traceback" not in done.stderr
