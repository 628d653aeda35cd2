"""Berlin's residents per LOR area: read from the December files, checked row by row and up the hierarchy."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.sources.berlin import population

HEADER = ("id,inhabitants,inhabitants_with_migration_background,inhabitants_germans,"
          "inhabitants_germans_without_migration_background,inhabitants_germans_with_migration_background,"
          "inhabitants_foreigners\n")


@pytest.fixture(scope="module")
def residents(berlin_source) -> population.Residents:
    return population.read_residents(berlin_source)


def test_values_checked_by_hand(residents):
    # berlin-lor-population-2024-02-t1-city.csv: 0,3897145,1601865,2925267,2295280,629987,971878
    assert residents.value(2024, "stadt", "11000000") == 3_897_145
    assert residents.value(2024, "stadt", "11000000", "migration") == 1_601_865
    assert residents.value(2024, "stadt", "11000000", "foreign") == 971_878
    assert residents.value(2024, "stadt", "11000000", "german_migration") == 629_987
    # 2021-02 district-regions: 011001,15249,9574,…; 2015-02: 010111,14451,8483,…
    assert residents.value(2021, "bezirksregion", "011001", "migration") == 9_574
    assert residents.value(2015, "bezirksregion", "010111") == 14_451


def test_only_31_december_with_the_vintage_of_the_codes(residents):
    table = residents.table
    assert sorted(table["year"].unique()) == list(range(2015, 2025))
    areas = table[table["origin"] == "total"].groupby(["year", "area_level"]).size().unstack()
    assert areas.loc[2020].to_dict() == {"bezirk": 12, "bezirksregion": 138, "prognoseraum": 60, "stadt": 1}
    assert areas.loc[2021].to_dict() == {"bezirk": 12, "bezirksregion": 143, "prognoseraum": 58, "stadt": 1}
    assert set(table.loc[table["year"] <= 2020, "vintage"]) == {"LOR 2006"}
    assert set(table.loc[table["year"] >= 2021, "vintage"]) == {"LOR 2021"}
    assert (table["source"] == population.SOURCE).all() and "Stand 31.12." in population.SOURCE


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "population_t1"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(HEADER + text, encoding="utf-8")
    return tmp_path


def test_a_row_that_does_not_add_up_is_refused_with_its_line(tmp_path):
    src = _folder(tmp_path, {"berlin-lor-population-2019-02-t1-city.csv": "0,100,40,80,60,20,21\n"})
    with pytest.raises(population.BerlinSourceError, match=r"city\.csv, Zeile 2: total = 100, aber german \+ foreign = 101"):
        population.read_residents(src)


def test_areas_that_do_not_add_up_to_their_parent_are_refused(tmp_path):
    src = _folder(tmp_path, {
        "berlin-lor-population-2019-02-t1-city.csv": "0,100,40,80,60,20,20\n",
        "berlin-lor-population-2019-02-t1-districts.csv": "01,60,20,50,40,10,10\n02,39,20,29,19,10,10\n",
    })
    with pytest.raises(population.BerlinSourceError, match=r"31\.12\.2019: die bezirk von stadt 11000000 ergeben total = 99, "
                                                       r"veröffentlicht ist 100"):
        population.read_residents(src)


def test_a_count_that_is_not_a_number_names_line_and_column(tmp_path):
    src = _folder(tmp_path, {"berlin-lor-population-2019-02-t1-city.csv": "0,100,40,80,60,20,2O\n"})
    with pytest.raises(population.BerlinSourceError, match=r"Zeile 2, Spalte inhabitants_foreigners: '2O' ist keine Anzahl"):
        population.read_residents(src)
