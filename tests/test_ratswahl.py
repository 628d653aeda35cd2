"""The 2009 council election by Kommunalwahlbezirk: every committed count re-read from the source, the
wards' boundaries against the results, and a source that does not fit refused."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from helpers.core import paths
from helpers.sources.muenster import boundaries, ratswahl

CLEAN_FILE = "more/ratswahl2009/ratswahl2009_wahlbeteiligung_clean.csv"


def _committed() -> pd.DataFrame:
    obs = pd.read_csv(paths.OBSERVATIONS_DIR / ratswahl.OBSERVATIONS_FILE, dtype={"area_code": str, "flag": str},
                      keep_default_na=False)
    return obs.pivot(index=["area_level", "area_code"], columns="measure", values="value").astype(int)


def _clean_rows(source: Path) -> dict[tuple[str, str], dict[str, str]]:
    """The deduplicated table beside the original (names restored by its author), read with csv only."""
    levels = {"kommunalwahlbezirk": "kommunalwahlbezirk", "stadtbezirk": "stadtbezirk", "stadt": "stadt"}
    with (source / CLEAN_FILE).open(encoding="utf-8", newline="") as handle:
        return {(levels[row["level"]], row["id"]): row for row in csv.DictReader(handle) if row["level"] in levels}


def test_every_committed_count_equals_the_source(muenster_source):
    """Independent of the parser: the clean table of the source folder, row by row, both counts."""
    rows = _clean_rows(muenster_source)
    committed = _committed()
    assert len(rows) == 33 + 6 + 1 and set(rows) == set(committed.index)
    for key, row in rows.items():
        assert committed.loc[key, "council_electorate"] == int(row["wahlberechtigte_insgesamt"]), key
        assert committed.loc[key, "council_voters"] == int(row["waehler_insgesamt"]), key
        # the turnout the source's author printed is the rate of the two counts
        rate = 100 * committed.loc[key, "council_voters"] / committed.loc[key, "council_electorate"]
        assert round(rate, 2) == float(row["wahlbeteiligung_pct"]), key


def test_the_counts_equal_the_original_file_too(muenster_source):
    """The byte-exact original, read a second way: its " ges" rows, repeated rows dropped."""
    original = pd.read_csv(muenster_source / ratswahl.RESULTS_FILE, dtype=str).drop_duplicates()
    totals = original[original["wahlbezirk"].str.endswith(" ges")]
    committed = _committed()
    assert len(totals) == 39 and totals["wahlbezirk_nr"].is_unique
    for _, row in totals.iterrows():
        level = "kommunalwahlbezirk" if len(row["wahlbezirk_nr"]) == 2 else "stadtbezirk"
        assert committed.loc[(level, row["wahlbezirk_nr"]), "council_electorate"] == int(row["Wahlb insges"])
        assert committed.loc[(level, row["wahlbezirk_nr"]), "council_voters"] == int(row["waehler_insgesamt"])


def test_city_and_coerde_turnout_as_the_source_readme_says():
    committed = _committed()
    city = committed.loc[("stadt", "05515000")]
    assert (city["council_voters"], city["council_electorate"]) == (129_112, 221_698)  # README: 58.24 %
    assert round(100 * city["council_voters"] / city["council_electorate"], 1) == 58.2
    coerde = committed.loc[("kommunalwahlbezirk", "16")]
    assert round(100 * coerde["council_voters"] / coerde["council_electorate"], 1) == 39.4
    wards = committed.loc["kommunalwahlbezirk"]
    assert (wards.sum() == city).all()  # the city is the sum of the wards (and of the Stadtbezirke)
    assert (committed.loc["stadtbezirk"].sum() == city).all()


def test_the_boundaries_have_the_33_codes_and_names_of_the_results(muenster_source):
    layer = json.loads((paths.GEO_DIR / f"{ratswahl.LAYER}.geojson").read_text(encoding="utf-8"))
    codes = {f["properties"]["code"]: f["properties"]["name"] for f in layer["features"]}
    assert sorted(codes) == [f"{i:02d}" for i in range(1, 34)]
    rows = _clean_rows(muenster_source)
    assert {code: rows[("kommunalwahlbezirk", code)]["name"] for code in codes} == codes
    assert set(_committed().loc["kommunalwahlbezirk"].index) == set(codes)
    areas = pd.read_csv(paths.AREAS_CSV, dtype=str, keep_default_na=False)
    wards = areas[areas["level"] == "kommunalwahlbezirk"].set_index("code")
    assert wards["name"].to_dict() == codes
    assert set(wards["parent_level"]) == {"stadtbezirk"}
    # the wards of a Stadtbezirk are the ones whose printed results add up to its row (checked on derive)
    assert wards.groupby("parent_code").size().to_dict() == {"1": 13, "5": 7, "6": 3, "7": 3, "8": 3, "9": 4}


def test_the_wards_cover_the_city_without_overlaps():
    wards = gpd.read_file(paths.GEO_DIR / f"{ratswahl.LAYER}.geojson")
    city = gpd.read_file(paths.GEO_DIR / "stadtbezirke.geojson").union_all()
    assert wards.crs.to_epsg() == 25832
    assert abs(wards.area.sum() - city.area) / city.area < 0.005
    shapes = list(wards.geometry)
    assert max(a.intersection(b).area for i, a in enumerate(shapes) for b in shapes[i + 1:]) < 1


def test_the_derivation_reproduces_the_committed_file(muenster_source, tmp_path):
    out = tmp_path / "data"
    (out / "observations").mkdir(parents=True)
    assert ratswahl.main(["--src", str(muenster_source), "--out", str(out)]) == 0
    name = f"observations/{ratswahl.OBSERVATIONS_FILE}"
    assert (out / name).read_bytes() == (paths.DATA / name).read_bytes()
    wards = ratswahl.read_wards(muenster_source, boundaries.read_stadtteile(muenster_source))
    ratswahl.write_layer(wards, out)
    assert (out / f"{ratswahl.LAYER}.geojson").read_bytes() == (paths.GEO_DIR / f"{ratswahl.LAYER}.geojson").read_bytes()


# --- a source that does not fit --------------------------------------------------------------

def _copy(source: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "src" / ratswahl.FOLDER
    folder.mkdir(parents=True)
    for name in (ratswahl.RESULTS_FILE, ratswahl.WARDS_FILE):
        shutil.copy(source / name, folder)
    (tmp_path / "src" / "gebietsgliederung").mkdir()
    shutil.copy(source / boundaries.STADTTEIL_FILE, tmp_path / "src" / "gebietsgliederung")
    return tmp_path / "src"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_ward_printed_twice_with_different_counts_is_refused(muenster_source, tmp_path):
    src = _copy(muenster_source, tmp_path)
    results = src / ratswahl.RESULTS_FILE
    with results.open("a", encoding="utf-8") as handle:
        handle.write("16,Coerde ges,6335,817,0,7152,2817,0,28,2789,1128,847,324,243,31,172,43,-,-,-\n")
    with pytest.raises(ratswahl.ElectionSourceError, match="16 steht zweimal"):
        ratswahl.read_results(src)


def test_wards_that_do_not_add_up_to_their_stadtbezirk_are_refused(muenster_source, tmp_path):
    src = _copy(muenster_source, tmp_path)
    # one more voter printed for Stadtbezirk Nord than its three wards have (the row itself adds up)
    _edit(src / ratswahl.RESULTS_FILE, "6,Nord ges,18070,2981,0,21051,10387,0,75,10312,",
          "6,Nord ges,18070,2981,0,21051,10388,0,75,10313,")
    with pytest.raises(ratswahl.ElectionSourceError, match="ergeben nicht ihren Stadtbezirk"):
        ratswahl.read_wards(src, boundaries.read_stadtteile(src))


def test_a_missing_ward_in_the_boundaries_is_refused(muenster_source, tmp_path):
    src = _copy(muenster_source, tmp_path)
    layer = src / ratswahl.WARDS_FILE
    data = json.loads(layer.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["wahlbezirk"] != "16"]
    layer.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ratswahl.ElectionSourceError, match="nicht die 33 der Ergebnisse"):
        ratswahl.read_wards(src, boundaries.read_stadtteile(src))


# --- in the report: the wards' map, and which Stadtteile are about one ward ----------------------

def test_the_overlap_of_wards_and_stadtteile_equals_the_sources_table(muenster_source):
    """Computed from the committed boundaries (helpers.core.overlap), compared with the table beside the source."""
    from helpers.core import overlap

    ours = overlap.shares("stadtteil", "kommunalwahlbezirk").set_index(["other_code", "code"])
    table = pd.read_csv(muenster_source / "more/ratswahl2009/wahlbezirke2009_x_stadtteile_area_overlap.csv", dtype=str)
    keys = list(zip(table["wahlbezirk_nr"].str.zfill(2), table["stadtteil_nr"].str.zfill(2)))
    assert len(keys) == 101 and set(keys) <= set(ours.index)
    for key, row in zip(keys, table.itertuples(index=False)):
        assert ours.loc[key, "share_of_other"] == pytest.approx(float(row.share_of_wahlbezirk), abs=5e-4), key
        assert ours.loc[key, "share_of_area"] == pytest.approx(float(row.share_of_stadtteil), abs=5e-4), key
    rest = ours.drop(index=keys)  # slivers the source's table leaves out
    assert (rest["share_of_other"] < 0.005).all() and (rest["share_of_area"] < 0.005).all()


def test_eight_stadtteile_are_about_one_ward_at_ninety_percent():
    from helpers.core import overlap

    pairs = overlap.matching("stadtteil", "kommunalwahlbezirk", 0.9)
    assert list(zip(pairs["code"], pairs["other_code"])) == [
        ("61", "16"), ("87", "21"), ("95", "24"), ("96", "25"), ("98", "26"), ("57", "29"), ("52", "30"), ("58", "33")]
    # the source's README calls Kinderhaus-West and Kreuz "99 %" and "98 %" one ward: true of the wards'
    # area, but the Stadtteile reach into other wards, so they are not about one ward
    loose = overlap.matching("stadtteil", "kommunalwahlbezirk", 0.8)
    assert "63" not in set(loose["code"]) and "27" not in set(loose["code"])
    with pytest.raises(ValueError):
        overlap.matching("stadtteil", "kommunalwahlbezirk", 0.5)


def test_the_ward_section_shows_city_and_coerde_and_no_stadtteil_value_beyond_the_matches():
    from helpers.sections import blocks, other_levels

    section = other_levels.level_section("ratswahl_wahlbeteiligung", 2019, "kommunalwahlbezirk")
    mapped = section.tables["karte"]
    assert len(mapped) == 33 and set(mapped["year"]) == {2009} and mapped["value"].notna().all()
    committed = _committed().loc["kommunalwahlbezirk"]
    expected = 100 * committed["council_voters"] / committed["council_electorate"]
    assert mapped.set_index("area_code")["value"].astype(float).to_dict() == pytest.approx(expected.to_dict())
    text = section.sentences[0]
    assert "am niedrigsten im Kommunalwahlbezirk 16 Coerde (39,4\u00a0%)" in text
    assert "am höchsten in 17 Gelmer/Dyckburg (67,1\u00a0%)" in text and "Münster insgesamt: 58,2\u00a0%" in text
    assert "mindestens 90\u00a0% seiner Fläche" in section.sentences[1] and "8 der 45 Stadtteile" in section.sentences[1]
    matches = section.tables["entsprechungen"]
    assert list(matches["Stadtteil"]) == ["61 Coerde", "87 Wolbeck", "95 Hiltrup-Ost", "96 Hiltrup-Mitte",
                                          "98 Amelsbüren", "57 Roxel", "52 Sentrup", "58 Nienberge"]
    assert matches["value"].iloc[0] == pytest.approx(100 * 2816 / 7152)
    city = blocks.indicator_section("ratswahl_wahlbeteiligung", 2019)
    assert city.year == 2009 and "**58,2\u00a0%** (129\u202f112 von 221\u202f698)" in city.sentences[0]
    # no value for a Stadtteil: the indicator has none below the Stadtbezirke of the hierarchy
    from helpers.disclosure import disclosed
    assert disclosed.values("ratswahl_wahlbeteiligung", "stadtteil").empty
