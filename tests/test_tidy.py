"""Tidy data in one or two lines (helpers.disclosure.tidy) and compute.values taking an indicator id."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.disclosure import tidy
from helpers.disclosure.tidy import TidyError
from helpers.indicators import compute


def _cell(frame: pd.DataFrame, **key) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in key.items():
        mask &= frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, key
    return rows.iloc[0]


def test_compute_values_takes_an_indicator_id():
    vals = compute.values("alo_dichte", "stadt")
    city = _cell(vals, year=2012, group="foreign")
    # 1 605 unemployed foreigners of 23 180 foreign residents at the end of 2012 (SMS Münster).
    assert (city["numerator"], city["denominator"]) == (1605, 23180)
    assert city["value"] == pytest.approx(1605 / 23180 * 100)
    with pytest.raises(ValueError, match="Unbekannter Indikator 'nope'"):
        compute.values("nope")


def test_two_groups_of_two_indicators_in_one_line():
    df = tidy.indicators(["alo_dichte:foreign", "mv_anteil"], level="stadtteil", years=range(2010, 2015))
    assert list(df.columns) == tidy.DISCLOSED_COLUMNS  # published: no numerators or denominators
    assert len(df) == 2 * 5 * 45
    assert df.groupby(["indicator", "group"]).size().to_dict() == {("alo_dichte", "foreign"): 225,
                                                                    ("mv_anteil", "total"): 225}
    assert df["area_code"].map(type).eq(str).all() and sorted(df["year"].unique()) == [2010, 2011, 2012, 2013, 2014]
    # The first rows are the first indicator's, ordered by year and area code.
    assert tuple(df.iloc[0][["indicator", "group", "year", "area_code"]]) == ("alo_dichte", "foreign", 2010, "11")
    missing = df[df["value"].isna()]
    assert len(missing) > 0 and (missing["flag"] == ".").all()


def test_disclosed_suppresses_where_stored_is_complete():
    # Stadtteil 12 in 2006: 10 unemployed foreigners of 28 unemployed, a denominator under 30 -> suppressed.
    published = tidy.indicators("alo_auslaender_anteil", years=2006)
    stored = tidy.indicators("alo_auslaender_anteil", years=2006, disclosed=False)
    assert list(stored.columns) == tidy.STORED_COLUMNS
    shown = _cell(published, area_code="12")
    assert pd.isna(shown["value"]) and shown["flag"] == "."
    kept = _cell(stored, area_code="12")
    assert (kept["numerator"], kept["denominator"]) == (10, 28)
    assert kept["value"] == pytest.approx(100 * 10 / 28)
    assert stored["value"].notna().sum() > published["value"].notna().sum()


def test_any_level_and_every_group():
    df = tidy.indicators("alo_dichte:*", level=["stadt", "stadtbezirk"], years=2012, disclosed=False)
    assert df.groupby("area_level").size().to_dict() == {"stadt": 3, "stadtbezirk": 18}
    city = df[df["area_level"] == "stadt"]
    assert list(city["group"]) == ["total", "foreign", "german"]
    assert set(city["area_code"]) == {"05515000"}  # leading zero kept
    assert _cell(city, group="german")["numerator"] == 7391


@pytest.mark.parametrize(("items", "kwargs", "message"), [
    (["nope"], {}, r"Unbekannte\(r\) Indikator\(en\): nope\. Auf der Ebene 'stadtteil' verfügbar: mv_anteil, "),
    (["alo_dichte:female"], {}, r"Indikator 'alo_dichte' hat keine Gruppe 'female'; verfügbar: total \(Insgesamt\), "
                                r"foreign \(Ausländer/-innen\), german \(Deutsche\)\. Schreibweise: 'alo_dichte' "
                                r"\(insgesamt\) oder z\. B\. 'alo_dichte:foreign'\."),
    (["alo_dichte:"], {}, "nach ':' fehlt die Gruppe"),
    ([3], {}, "erwartet wird Text der Form 'id' oder 'id:gruppe'"),
    (["alo_dichte", "alo_dichte:total"], {}, "doppelt angegeben: alo_dichte"),
    (["einbuergerungsquote"], {}, r"einbuergerungsquote \(nur Ebene 'stadt'\)"),
    (["alo_dichte"], {"level": "kreis"}, "Unbekannte Gebietsebene 'kreis'; erlaubt: stadtteil, teilbereich"),
    (["alo_dichte"], {"years": 1990}, "keine Werte in den Jahren 1990; Jahre: 2006, 2007, "),
])
def test_errors_name_what_is_allowed(items, kwargs, message):
    with pytest.raises(TidyError, match=message):
        tidy.indicators(items, **kwargs)


def test_errors_render_without_traceback():
    try:
        tidy.specs("alo_dichte:female")
    except TidyError as exc:
        lines = exc._render_traceback_()
    assert len(lines) == 1 and lines[0].startswith("TidyError: Indikator 'alo_dichte' hat keine Gruppe")


def test_csv_round_trip_keeps_codes_as_text(tmp_path):
    df = tidy.indicators("alo_dichte:foreign", level=["stadt", "stadtteil"], years=2012, disclosed=False)
    path = tidy.to_csv(df, tmp_path / "alo.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(tidy.STORED_COLUMNS)
    assert lines[1] == "alo_dichte,foreign,2012,stadt,05515000,Stadt Münster,6.924072476272649,,false,1605,23180,false"
    back = pd.read_csv(path, dtype={"area_code": str})  # as the README shows, without the package
    assert back["area_code"].iloc[0] == "05515000"
    pd.testing.assert_series_equal(back["value"], df["value"].astype("float64"), check_names=False)
    again = tidy.read_csv(path)
    assert again["flag"].tolist() == df["flag"].tolist() and again["area_code"].tolist() == df["area_code"].tolist()
    assert not list(tmp_path.glob(".*tmp*"))


def test_csv_writes_missing_as_empty_and_defuses_formulas(tmp_path):
    df = tidy.indicators("alo_auslaender_anteil", years=2006).head(2)
    df.loc[0, "area_name"] = "=HYPERLINK(1)"
    text = tidy.csv_text(df).splitlines()
    assert text[1].split(",")[5] == "'=HYPERLINK(1)"
    assert text[2].endswith(",12,Überwasser,,.,false,false")  # suppressed: empty value, flag ".", no break
    with pytest.raises(TidyError, match="Spalte\\(n\\) value fehlen"):
        tidy.csv_text(df.drop(columns="value"))


def _readme_section() -> str:
    from helpers.core import paths

    text = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Daten für eigene Auswertungen", 1)[1].split("\n## ", 1)[0]


def test_readme_lines_work(tmp_path):
    """The README's two lines give the tidy frame; its pandas line reads codes as text."""
    section = _readme_section()
    blocks = section.split("```python\n")[1:]
    namespace: dict = {}
    exec(blocks[0].split("```", 1)[0], namespace)  # noqa: S102 - the README's own example
    assert namespace["df"].groupby(["indicator", "group"]).size().to_dict() == {
        ("alo_dichte", "foreign"): 225, ("mv_anteil", "total"): 225}
    tidy.to_csv(tidy.indicators("mv_anteil", level="stadt", years=2019), tmp_path / "indikatoren_2019.csv")
    reading = blocks[1].split("```", 1)[0].replace("outputs/muenster/2019/tables/indikatoren_2019.csv",
                                                   str(tmp_path / "indikatoren_2019.csv"))
    exec(reading, namespace)  # noqa: S102
    assert namespace["df"]["area_code"].tolist() == ["05515000"]
    assert 'colClasses = c(area_code = "character")' in section and "col_character()" in section


def test_every_value_carries_the_declared_breaks():
    """mv_anteil declares the 2011 break (register count instead of the census update): the values of
    2011 carry it, those of the other years do not; an indicator without breaks has none."""
    df = tidy.indicators("mv_anteil:*", level=["stadt", "stadtteil"], years=range(2009, 2014))
    assert df.loc[df["year"] == 2011, "series_break"].all()
    assert not df.loc[df["year"] != 2011, "series_break"].any()
    assert df["series_break"].dtype == bool
    households = tidy.indicators("haushaltsgroesse_mv", level="stadt", years=range(2008, 2015), disclosed=False)
    assert households.set_index("year")["series_break"].to_dict() == {
        2008: False, 2009: False, 2010: True, 2011: True, 2012: False, 2013: False, 2014: False}
    assert not tidy.indicators("langzeit_alo_anteil", level="stadt")["series_break"].any()
