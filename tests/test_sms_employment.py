"""Employees subject to social insurance (SMS Beschäftigte 2010-2013) and the unemployed by legal sphere
for 2005 (SMS Arbeitslose 2007): the parser's tables, its checks, and every committed value re-read
from the source text independently of the parser."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import paths
from helpers.indicators import compute
from helpers.sources.muenster import sms

CITY = "05515000"
#: Row labels of the aggregates as the tables print them (written out here, not taken from the parser).
AGGREGATES = {
    "Altstadt": ("teilbereich", "1"), "Innenstadtring": ("teilbereich", "2"), "Mitte-Süd": ("teilbereich", "3"),
    "Mitte-Nordost": ("teilbereich", "4"), "Stadtbezirk Mitte": ("stadtbezirk", "1"),
    "Stadtbezirk West": ("stadtbezirk", "5"), "Stadtbezirk Nord": ("stadtbezirk", "6"),
    "Stadtbezirk Ost": ("stadtbezirk", "7"), "Stadtbezirk Südost": ("stadtbezirk", "8"),
    "Stadtbezirk Hiltrup": ("stadtbezirk", "9"), "nicht zuzuordnen": ("unzugeordnet", "0"),
    "Stadt Münster": ("stadt", CITY),
}
#: First line of a Beschäftigte table -> (sex, origin, age) of its counts.
TITLES = {
    "Sozialversicherungspflichtig Beschäftigte": ("total", "total", "total"),
    "Männliche sozialversicherungspflichtig Beschäftig": ("male", "total", "total"),
    "Weibliche sozialversicherungspflichtig Beschäftig": ("female", "total", "total"),
    "Deutsche sozialversicherungspflichtig Beschäftig": ("total", "german", "total"),
    "Nichtdeutsche sozialversicherungspflichtig Beschäftig": ("total", "foreign", "total"),
    "Sozialversicherungspflichtig Beschäftigte jünger als 25 Jahre": ("total", "total", "0-24"),
}
_ROW = re.compile(r"^(\d{2} \S.*?|[A-Za-zÄÖÜäöü].*?)\s{2,}(\d[\d ]*)$")


def _area(label: str) -> tuple[str, str]:
    label = re.sub(r"\s*-\s*", "-", label.strip())
    if re.match(r"\d{2} ", label):
        return "stadtteil", label[:2]
    return AGGREGATES[label]


def _rows(page: str) -> list[tuple[tuple[str, str], list[int]]]:
    """(area, numbers) of every table row: columns are at least two blanks apart, a single blank is
    the thousands separator (true of every row of these tables; the count of cells is asserted)."""
    out = []
    for line in page.splitlines():
        m = _ROW.match(line.rstrip())
        if m:
            out.append((_area(m.group(1)), [int(c.replace(" ", "")) for c in re.split(r"\s{2,}", m.group(2).strip())]))
    return out


def _employment_cells(source: Path) -> pd.DataFrame:
    """Every printed count of the four editions: edition, year, area, group, value."""
    cells = []
    for path in sorted((source / "sms-text").glob("SMS_Beschaeftigte_*.pdf.txt")):
        edition = int(path.name[18:22])
        tables = 0
        for page in path.read_text(encoding="utf-8").split("\f"):
            if "Beschäftigte am WOHNORT Münster am 31.12." not in page:
                continue
            first = next(line.strip() for line in page.splitlines() if line.strip())
            sex, origin, age = next(g for t, g in TITLES.items() if first.startswith(t) and
                                    (t != "Sozialversicherungspflichtig Beschäftigte" or first == t))
            years = next([int(y) for y in re.findall(r"\b20\d\d\b", line)] for line in page.splitlines()
                         if len(re.findall(r"\b20\d\d\b", line)) >= 5)
            rows = _rows(page)
            assert len(rows) == 45 + 4 + 6 + 2, (path.name, first)
            for (level, code), numbers in rows:
                assert len(numbers) == len(years), (path.name, first, code)
                cells += [dict(edition=edition, year=y, area_level=level, area_code=code, sex=sex, origin=origin,
                               age=age, value=v) for y, v in zip(years, numbers)]
            tables += 1
        assert tables == 6, path.name
    return pd.DataFrame(cells)


@pytest.fixture(scope="module")
def printed(muenster_source) -> pd.DataFrame:
    return _employment_cells(muenster_source)


def _committed(measure: str) -> pd.DataFrame:
    obs = pd.read_csv(paths.DATA / "observations" / "sms.csv", dtype={"area_code": str, "flag": str},
                      keep_default_na=False, na_values={"value": [""]})
    return obs[obs["measure"] == measure]


KEY = ["year", "area_level", "area_code", "sex", "origin", "age"]


def test_the_editions_print_2005_to_2013_and_agree_where_they_overlap(printed):
    assert sorted(printed["edition"].unique()) == [2010, 2011, 2012, 2013]
    assert sorted(printed["year"].unique()) == list(range(2005, 2014))
    spread = printed.groupby(KEY)["value"].nunique()
    assert (spread == 1).all(), spread[spread > 1]


def test_every_committed_count_is_the_newest_printed_one(printed):
    newest = printed.sort_values("edition").drop_duplicates(KEY, keep="last")
    committed = _committed("employed_svb")
    assert len(committed) == len(newest) == 57 * 9 * 6
    both = newest.merge(committed, on=KEY, suffixes=("_printed", "_stored"), validate="one_to_one")
    assert len(both) == len(newest)
    assert (both["value_printed"] == both["value_stored"]).all()
    assert (both["flag"] == "").all() and not both["synthetic"].any()
    named = [src.startswith(f'SMS Beschäftigte {ed}, "') for src, ed in zip(both["source"], both["edition"])]
    assert all(named)
    assert not pd.read_csv(paths.DATA / "sms_revisions.csv")["measure"].eq("employed_svb").any()


def test_stadtteile_and_unassigned_sum_to_the_city_and_the_groups_add_up(printed):
    newest = printed.sort_values("edition").drop_duplicates(KEY, keep="last")
    group = ["year", "sex", "origin", "age"]
    parts = newest[newest["area_level"].isin(["stadtteil", "unzugeordnet"])].groupby(group)["value"].sum()
    city = newest[newest["area_level"] == "stadt"].set_index(group)["value"]
    assert len(city) == 9 * 6 and (parts.reindex(city.index) == city).all()
    wide = newest.pivot_table(index=["year", "area_level", "area_code"], columns=["sex", "origin", "age"], values="value")
    total = wide[("total", "total", "total")]
    assert (wide[("male", "total", "total")] + wide[("female", "total", "total")] == total).all()
    assert (wide[("total", "german", "total")] + wide[("total", "foreign", "total")] == total).all()
    assert (wide[("total", "total", "0-24")] < total).all()
    checks = pd.read_csv(paths.DATA / "sms_checks.csv")
    assert not checks["measure"].eq("employed_svb").any()


def test_the_indicator_divides_the_printed_counts_by_the_population(printed):
    newest = printed.sort_values("edition").drop_duplicates(KEY, keep="last")
    newest = newest[(newest["sex"] == "total") & (newest["age"] == "total") & (newest["year"] >= 2006)]
    population = _committed("population").query("sex == 'total' and age == 'total'")
    pop = population.set_index(["year", "area_level", "area_code", "origin"])["value"]
    checked = 0
    for level in ["stadtteil", "stadt"]:
        values = compute.values("svb_beschaeftigungsquote", level)
        assert not values["synthetic"].any()
        got = values.dropna(subset=["value"]).set_index(["year", "area_code", "group"])
        for row in newest[newest["area_level"] == level].itertuples():
            if row.origin == "german":
                denominator = pop[(row.year, level, row.area_code, "total")] - pop[(row.year, level, row.area_code, "foreign")]
            else:
                denominator = pop[(row.year, level, row.area_code, row.origin)]
            hit = got.loc[(row.year, row.area_code, row.origin)]
            assert (hit["numerator"], hit["denominator"]) == (row.value, denominator), row
            assert hit["value"] == pytest.approx(row.value / denominator * 100, rel=1e-12)
            checked += 1
        assert set(got.index.get_level_values("year")) == set(range(2006, 2014))
    assert checked == (45 + 1) * 8 * 3


# --- unemployed by legal sphere, 2005 -------------------------------------------------------------

def _legal_sphere_2005(source: Path) -> dict[tuple[str, str], list[int]]:
    text = (source / "sms-text" / "SMS_Arbeitslose_2007.pdf.txt").read_text(encoding="utf-8")
    pages = [p for p in text.split("\f") if p.strip().startswith("Arbeitslose am 31. Dezember 2005")
             and "SGB II - Empfänger" in p]
    assert len(pages) == 1
    rows = dict(_rows(pages[0]))
    assert len(rows) == 57 and all(len(v) == 9 for v in rows.values())
    return rows


def test_the_2005_legal_spheres_are_the_printed_ones_and_add_up_to_the_later_editions_total(muenster_source):
    rows = _legal_sphere_2005(muenster_source)
    stored = {m: _committed(m).query("year == 2005").set_index(["area_level", "area_code"])
              for m in ["unemployed_sgb3", "unemployed_sgb2"]}
    unemployed = _committed("unemployed").query("year == 2005 and sex == 'total' and origin == 'total'")
    unemployed = unemployed.set_index(["area_level", "area_code"])["value"]
    for area, (total, male, female, sgb3, sgb3_m, sgb3_f, sgb2, sgb2_m, sgb2_f) in rows.items():
        assert stored["unemployed_sgb3"].loc[area, "value"] == sgb3, area
        assert stored["unemployed_sgb2"].loc[area, "value"] == sgb2, area
        assert total == sgb3 + sgb2 == male + female and sgb3 == sgb3_m + sgb3_f and sgb2 == sgb2_m + sgb2_f
        assert unemployed[area] == total, area  # the 2005 total of the time series (newer editions)
    for frame in stored.values():
        assert len(frame) == 57 and (frame["flag"] == "").all()
        assert frame["source"].str.startswith('SMS Arbeitslose 2007, "Arbeitslose am 31. Dezember 2005"').all()


def test_the_legal_sphere_indicators_start_in_2005():
    # SMS_Arbeitslose_2007, "Arbeitslose am 31. Dezember 2005", Stadt Münster: 12 123 insgesamt, 7 750 SGB II
    population = _committed("population").query("year == 2005 and area_level == 'stadt' and sex == 'total' "
                                                 "and origin == 'total' and age == 'total'")["value"].item()
    share = compute.values("alo_sgb2_anteil", "stadt").query("group == 'total'").set_index("year")
    density = compute.values("alo_sgb2_dichte", "stadt").query("group == 'total'").set_index("year")
    assert share.index.min() == density.index.min() == 2005
    assert (share.loc[2005, "numerator"], share.loc[2005, "denominator"]) == (7750, 12123)
    assert (density.loc[2005, "numerator"], density.loc[2005, "denominator"]) == (7750, population)
    assert share.loc[2005, "value"] == pytest.approx(7750 / 12123 * 100)


# --- the parser on small tables ----------------------------------------------------------------

def _table(title: str, head: str, values: dict[str, tuple[int, int]]) -> str:
    """A Beschäftigte page as pdftotext lays it out (2012 and 2013 columns)."""
    rows = "".join(f"{label:<40}{a:>6}{b:>14}\n" for label, (a, b) in values.items())
    return (f"\f{title}\n                                 Sozialversicherungspflichtig Beschäftigte am WOHNORT Münster "
            f"am 31.12.\n         Stadtteil\n{head:>70}\n       Teilbereich\n"
            f"                                    2012          2013\n       Stadtbezirk\n"
            f"                                                                  Anzahl\n{rows}"
            "Quelle: Statistik der Bundesagentur für Arbeit\n")


def _areas(a: tuple[int, int], b: tuple[int, int], unassigned: tuple[int, int]) -> dict[str, tuple[int, int]]:
    mitte = tuple(x + y for x, y in zip(a, b))
    city = tuple(x + y for x, y in zip(mitte, unassigned))
    return {"11 Aegidii": a, "12 Überwasser": b, "Altstadt": mitte, "Stadtbezirk Mitte": mitte,
            "nicht zuzuordnen": unassigned, "Stadt Münster": city}


FOREIGN = _table("Nichtdeutsche sozialversicherungspflichtig Beschäftigte", "ohne deutsche Staatsangehörigkeit",
                 _areas((30, 31), (40, 46), (30, 45)))
GERMAN = _table("Deutsche sozialversicherungspflichtig Beschäftigte", "mit deutscher Staatsangehörigkeit",
                _areas((270, 270), (360, 354), (70, 55)))


def _parse(text: str):
    return sms.parse_text(text, "SMS_Beschaeftigte_2013.pdf.txt", "Beschaeftigte", 2013)


def test_an_employment_table_is_read_as_its_group_and_years():
    parsed = _parse(FOREIGN)
    got = {(r["year"], r["area_code"]): r["value"] for r in parsed.records}
    assert got == {(2012, "11"): 30, (2012, "12"): 40, (2012, "1"): 70, (2012, "0"): 30, (2012, CITY): 100,
                   (2013, "11"): 31, (2013, "12"): 46, (2013, "1"): 77, (2013, "0"): 45, (2013, CITY): 122}
    assert {(r["measure"], r["sex"], r["origin"], r["age"]) for r in parsed.records} == {
        ("employed_svb", "total", "foreign", "total")}
    assert parsed.records[0]["source"] == ('SMS Beschäftigte 2013, "Nichtdeutsche sozialversicherungspflichtig '
                                           'Beschäftigte"')
    assert parsed.checks == []


def test_a_column_head_the_parser_does_not_know_is_an_error():
    with pytest.raises(sms.SmsParseError, match="Personengruppe im Spaltenkopf nicht erkannt"):
        _parse(FOREIGN.replace("ohne deutsche Staatsangehörigkeit", "mit Wohnsitz im Ausland"))


def test_a_city_row_that_its_stadtteile_do_not_reach_is_reported():
    parsed = _parse(FOREIGN.replace("  122\n", "  123\n"))
    got = {c["check"]: (c["year"], c["area_code"], c["expected"], c["found"], c["difference"]) for c in parsed.checks}
    assert got == {"Stadtteile + nicht zuzuordnen": (2013, CITY, 123, 122, -1),
                   "Gebietssumme": (2013, CITY, 123, 122, -1)}  # through the Stadtbezirke: the same here


def test_german_and_foreign_that_do_not_add_up_to_the_total_are_reported():
    total = _table("Sozialversicherungspflichtig Beschäftigte", "insgsamt",
                   _areas((300, 302), (400, 400), (100, 100)))  # Aegidii 2013: 270 + 31 = 301, printed 302
    parsed = _parse(total + GERMAN + FOREIGN)
    assert {(c["check"], c["year"], c["area_level"], c["area_code"], c["expected"], c["found"])
            for c in parsed.checks} == {
        ("deutsch + nichtdeutsch = insgesamt", 2013, level, code, expected, expected - 1)
        for level, code, expected in [("stadtteil", "11", 302), ("teilbereich", "1", 702),
                                      ("stadtbezirk", "1", 702), ("stadt", CITY, 802)]}
