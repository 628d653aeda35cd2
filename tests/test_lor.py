"""Berlin's LOR reorganisation 2021: components of old and new areas on the same land."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import pytest

from helpers.sources.berlin import lor


def test_components_and_kinds_on_a_hand_made_mapping():
    # a renumbering, a split, a merge, an unchanged id, an old area nobody matched
    pairs = {("01", "10"), ("02", "20"), ("02", "21"), ("03", "30"), ("04", "30"), ("05", "05")}
    table = lor.components(pairs, ["01", "02", "03", "04", "05", "06"], ["10", "20", "21", "30", "05"])
    found = {row.component: (row.old, row.new, row.kind) for row in lor.kinds(table).itertuples()}
    assert found == {"K01": (("01",), ("10",), "renumbered"), "K02": (("02",), ("20", "21"), "split"),
                     "K03": (("03", "04"), ("30",), "merged"), "K05": (("05",), ("05",), "unchanged"),
                     "K06": (("06",), (), "unmatched")}


def test_entries_in_either_direction_are_read():
    matches = {"0101": ["0110"], "0930": ["0903"], "0760": ["0706", "0707"], "9999": ["0110"]}
    pairs = lor.matched_pairs(matches, ["0101", "0903", "0706", "0707"], ["0110", "0930", "0760"])
    assert pairs == {("0101", "0110"), ("0903", "0930"), ("0706", "0760"), ("0707", "0760")}


def _ids(src: Path, period: str, level: str) -> list[str]:
    with (src / "population_t1" / f"berlin-lor-population-{period}-t1-{level}.csv").open(encoding="utf-8") as f:
        return [row["id"] for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def prognoseraeume(berlin_source):
    old, new = _ids(berlin_source, "2020-02", "forecast-areas"), _ids(berlin_source, "2021-02", "forecast-areas")
    geo = berlin_source / "geo"
    old_geo = gpd.read_file(geo / "berlin-lor-forecast-areas-until-2020.geojson")
    new_geo = gpd.read_file(geo / "berlin-lor-forecast-areas-from-2021.geojson")
    matches = lor.read_matches(geo / "berlin-lor-matches.json")
    return old, new, old_geo, new_geo, matches


def test_the_published_mapping_of_the_prognoseraeume(prognoseraeume):
    old, new, old_geo, new_geo, matches = prognoseraeume
    assert (len(old), len(new)) == (60, 58)
    changes = lor.compare_areas(lor.kinds(lor.components(lor.matched_pairs(matches, old, new), old, new)),
                                old_geo, new_geo)
    by_name = changes.set_index("component")
    assert by_name.loc["K0307", ["old", "new", "kind"]].tolist() == [("0307",), ("0370",), "renumbered"]
    assert by_name.loc["K1210", "kind"] == "unchanged"
    split = by_name.loc["K1230"]
    assert (split["new"], split["kind"], bool(split["same_land"])) == (("1250", "1260"), "split", True)
    assert round(split["old_km2"], 1) == round(split["new_km2"], 1) == 20.6
    # The mapping is incomplete: 0406 is in no entry, and "0402 -> 0420" is no renumbering (13.6 vs 29.4 km²).
    assert by_name.loc["K0406", ["new", "kind"]].tolist() == [(), "unmatched"]
    assert by_name.loc["K0402", "kind"] == "renumbered" and not by_name.loc["K0402", "same_land"]
    assert (round(by_name.loc["K0402", "old_km2"], 1), round(by_name.loc["K0402", "new_km2"], 1)) == (13.6, 29.4)
    assert int((~changes["same_land"]).sum()) == 9


def test_the_boundaries_give_a_stable_geography_of_the_prognoseraeume(prognoseraeume):
    old, new, old_geo, new_geo, _ = prognoseraeume
    changes = lor.compare_areas(lor.kinds(lor.components(lor.overlay_pairs(old_geo, new_geo), old, new)),
                                old_geo, new_geo)
    assert changes["same_land"].all()  # every component covers the same land before and after
    assert len(changes) == 53 and changes["kind"].value_counts().to_dict() == {
        "renumbered": 46, "reorganised": 4, "merged": 1, "unchanged": 1, "split": 1}
    by_name = changes.set_index("component")
    assert by_name.loc["K0402", ["old", "new"]].tolist() == [("0402", "0404", "0406"), ("0420", "0440")]
