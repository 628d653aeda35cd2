"""Berlin (config/berlin, data/berlin, notebooks/berlin): derived from the source material, set up completely, and
the 2021 reorganisation of the LOR kept apart in the time series.

Hand-checked figures come from the source files themselves (31 December 2020 and 2024).
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import areas, catalogue, context, levels, paths
from helpers.disclosure import disclosed, suppression
from helpers.indicators import compute
from helpers.intake import citycheck
from helpers.sources.berlin import population
from roots import pointed_at

BERLIN = context.REPOSITORY / "data" / "berlin"


@pytest.fixture
def city(tmp_path, monkeypatch):
    """helpers.core.paths pointed at Berlin (config/berlin/, data/berlin/, notebooks/berlin/)."""
    with pointed_at(context.REPOSITORY, tmp_path / "outputs", monkeypatch, city="berlin") as root:
        yield root


def _source_row(src: Path, year: int, level: str, code: str) -> pd.Series:
    frame = pd.read_csv(src / "population_t1" / f"berlin-lor-population-{year}-02-t1-{level}.csv", dtype={"id": str})
    return frame.set_index("id").loc[code]


@pytest.mark.slow
def test_the_committed_files_are_what_the_parser_derives(berlin_source, tmp_path):
    written = population.write_city(berlin_source, tmp_path / "data")
    for path in written:
        committed = BERLIN / path.relative_to(tmp_path / "data")
        assert filecmp.cmp(path, committed, shallow=False), f"{committed} weicht von der Neuableitung ab"


def test_berlin_is_set_up_without_errors():
    assert citycheck.errors(citycheck.check(context.REPOSITORY, "berlin")) == []  # its warning: tests/test_citycheck.py


def test_the_context_of_a_city_and_an_unknown_one(monkeypatch):
    found = context.for_city("berlin")
    assert (found.root, found.city) == (context.REPOSITORY, "berlin")
    assert found.outputs == context.REPOSITORY / "outputs" / "berlin"
    monkeypatch.delenv(context.ENV, raising=False)
    monkeypatch.setenv(context.CITY_ENV, "berlin")
    assert context.current().city == "berlin"
    assert paths.layout(context.current())["DATA"] == BERLIN
    refused = ("IM_CITY=.hamburg.: Die Stadt ist nicht eingerichtet .config/hamburg/city.yml fehlt.. "
               "Eingerichtet: berlin, flensburg, muenster .ohne Angabe: muenster")
    with pytest.raises(context.ContextError, match=refused):
        context.for_city("hamburg")
    assert context.cities() == ["berlin", "flensburg", "muenster"] and context.default_city() == "muenster"


def test_the_hierarchy_is_berlins(city):
    h = levels.hierarchy()
    assert h.codes == ("bezirksregion", "prognoseraum", "bezirk", "stadt")
    assert (h.base.plural, h.outline.plural) == ("Bezirksregionen", "Bezirke")
    assert len(areas.area_names("bezirksregion")) == 138 and len(areas.area_names("bezirksregion_2021")) == 143
    assert areas.city().name == "Berlin"


def test_shares_equal_the_source(city, berlin_source):
    row = _source_row(berlin_source, 2024, "city", "0")
    share = compute.values("mh_anteil", "stadt").set_index("year")["value"]
    assert share[2024] == pytest.approx(row["inhabitants_with_migration_background"] / row["inhabitants"] * 100)
    assert share[2024] == pytest.approx(1_601_865 / 3_897_145 * 100)  # 41.1 %
    region = _source_row(berlin_source, 2020, "district-regions", "010111")  # Tiergarten Süd
    base = compute.values("auslaender_anteil").set_index(["year", "area_code"])["value"]
    assert base[(2020, "010111")] == pytest.approx(region["inhabitants_foreigners"] / region["inhabitants"] * 100)


def test_old_and_new_lor_codes_are_never_one_series(city):
    """The Bezirksregion series (LOR 2006) ends in 2020; the Bezirke, unchanged, go on to 2024;
    the new areas are levels of their own, even where a code stayed the same (Prognoseraum 1210)."""
    base = compute.values("mh_anteil")
    assert sorted(base["year"].unique()) == list(range(2015, 2021))
    assert set(base["area_code"]) == set(areas.area_names("bezirksregion"))
    by_bezirk = compute.values("mh_anteil", "bezirk")
    assert sorted(by_bezirk["year"].unique()) == list(range(2015, 2025))
    assert (by_bezirk.groupby("year").size() == 12).all()
    table = areas.areas().set_index(["level", "code"])["name"]
    # unchanged: 1210 exists in both systems, as two areas of two levels
    assert ("prognoseraum", "1210") in table.index and ("prognoseraum_2021", "1210") in table.index
    # split: old 1230 became 1250 and 1260, which exist only in the new system
    assert ("prognoseraum", "1230") in table.index and ("prognoseraum", "1250") not in table.index
    assert {("prognoseraum_2021", "1250"), ("prognoseraum_2021", "1260")} <= set(table.index)
    # renumbered: old 0402 lives on as 0420 (new system only)
    assert ("prognoseraum", "0402") in table.index and ("prognoseraum_2021", "0420") in table.index
    # the new areas carry their own series from 2021, as stored (never summed from the old ones)
    new = compute.values("mh_anteil", "prognoseraum_2021")
    assert sorted(new["year"].unique()) == list(range(2021, 2025)) and new["area_code"].nunique() == 58
    old = compute.values("mh_anteil", "prognoseraum")
    assert sorted(old["year"].unique()) == list(range(2015, 2021)) and "1230" in set(old["area_code"])
    assert {"1250", "1260"} <= set(new["area_code"]) and "1230" not in set(new["area_code"])


def test_small_regions_are_suppressed_over_the_declared_hierarchy(city):
    """Forst Grunewald (040617, 62 residents in 2020) gets no share. It is the only Bezirksregion of
    Prognoseraum 0406, whose share would reveal it, so 0406 is hidden too; within Bezirk 04 one more
    Prognoseraum must go (0401, again a single Bezirksregion: 040101 Charlottenburg Nord)."""
    shown = disclosed.protected("mh_anteil")
    y2020 = shown[shown["year"] == 2020].set_index(["area_level", "area_code"])
    hidden = y2020[y2020["suppressed"] != ""]["suppressed"].to_dict()
    assert y2020.loc[("bezirksregion", "040617"), "denominator"] == 62
    assert hidden == {("bezirksregion", "040617"): suppression.PRIMARY, ("prognoseraum", "0406"): suppression.SECONDARY,
                      ("prognoseraum", "0401"): suppression.SECONDARY, ("bezirksregion", "040101"): suppression.SECONDARY}


def test_a_source_row_that_does_not_add_up_names_file_row_and_column(tmp_path, berlin_source):
    folder = tmp_path / "population_t1"
    folder.mkdir()
    name = "berlin-lor-population-2020-02-t1-districts.csv"
    frame = pd.read_csv(berlin_source / "population_t1" / name, dtype=str)
    frame.loc[3, "inhabitants_foreigners"] = "12x"
    frame.to_csv(folder / name, index=False)
    with pytest.raises(population.BerlinSourceError, match=rf"{name}, Zeile 5, Spalte inhabitants_foreigners: '12x' ist keine Anzahl"):
        population.read_file(folder / name)


def test_moran_on_the_138_real_boundaries_reports_what_it_leaves_out(city):
    """Queen contiguity from the real LOR 2006 boundaries: every Bezirksregion has a neighbour. The
    two suppressed regions of 2020 are left out and named; an area whose neighbours all lack a value
    becomes an island that is reported, not a crash."""
    from helpers.sections import area_statistics
    from helpers.stats import spatial

    neighbours = area_statistics.level_neighbours()
    assert len(neighbours) == 138 and all(neighbours.values())
    result = area_statistics.moran("mh_anteil", 2020)
    assert result.missing == ("040101", "040617") and result.islands == () and result.n == 136
    values = area_statistics.published_values(catalogue.load().indicator("mh_anteil"), 2020)
    values = values.set_index("area_code")["value"].astype("Float64")
    alone = "010111"  # Tiergarten Süd: hide every neighbour's value
    values[list(neighbours[alone])] = pd.NA
    cut_off = spatial.moran(values, neighbours, weights_kind="queen")
    assert alone in cut_off.islands and cut_off.n == 136 - len(neighbours[alone]) - 1
    assert f"{len(cut_off.missing) + len(cut_off.islands)} Gebiet(e) ohne Wert oder ohne Nachbarn" in cut_off.describe()


def test_the_bezirke_are_in_the_indicator_section(city):
    """Every declared level in the report (issue 31): the Bezirke's values of the report year, which only the exported
    tables held, in a table and a map of the section. Mitte 2024: 231 961 of 397 004 residents with migration
    background (data/berlin; the source's file 2024-02, districts, id 01), 58,4 %. The Prognoseräume of the
    LOR 2006 end in 2020: no table of theirs in 2024."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    from helpers.sections import blocks

    section = blocks.indicator_section("mh_anteil", 2024)
    mitte = section.tables["ebene_bezirk"].set_index(["area_code", "group"]).loc[("01", "total")]
    assert (mitte["numerator"], mitte["denominator"]) == (231_961, 397_004)
    assert "ebene_prognoseraum" not in section.tables and "karte_ebene_bezirk" in section.figures
    InteractiveShell.instance()
    with capture_output() as captured:
        display(section)
    shown = "\n".join(str(o.data.get("text/html", "")) for o in captured.outputs)
    assert "<caption>Anteil der Einwohner/-innen mit Migrationshintergrund nach Bezirken, 2024</caption>" in shown
    assert "<tr><td>01 Mitte</td><td>58,4\u00a0%</td></tr>" in shown
    assert "<tr><td>Berlin</td><td>41,1\u00a0%</td></tr>" in shown
    assert 'alt="Karte: Anteil der Einwohner/-innen mit Migrationshintergrund, 2024, nach Bezirken. Höchster Wert ' \
           "Mitte (58,4\u00a0%)" in shown
