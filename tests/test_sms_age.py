"""The SMS tables "in 10 Altersgruppen" (population with and without Migrationsvorgeschichte, 2010-2014).

The source text is read again here without the parser (helpers.sources.muenster.sms_*): every row of
every age table, each reading of its digit groups that gives eleven numbers adding up (total = the ten
age groups), and every stored cell of the tables compared with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import paths
from helpers.disclosure import disclosed
from helpers.indicators import compute
from printed_rows import readings

BANDS = ["0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+"]
AGGREGATES = {"Altstadt": ("teilbereich", "1"), "Innenstadtring": ("teilbereich", "2"),
              "Mitte-Süd": ("teilbereich", "3"), "Mitte-Nordost": ("teilbereich", "4"),
              "Mitte": ("stadtbezirk", "1"), "West": ("stadtbezirk", "5"), "Nord": ("stadtbezirk", "6"),
              "Ost": ("stadtbezirk", "7"), "Südost": ("stadtbezirk", "8"), "Hiltrup": ("stadtbezirk", "9"),
              "Stadt Münster": ("stadt", "05515000")}
AGGREGATES.update({f"Stadtbezirk {name}": AGGREGATES[name] for name in ("Mitte", "West", "Nord", "Ost", "Südost", "Hiltrup")})
# (series, title printed at the top of the page); one table per edition.
TABLES = {"Migration": ("migration", r"Wohnberechtigte Bevölkerung mit Migrationsvorgeschichte"),
          "Bevoelkerung": ("total", r"Wohnberechtigte Bevölkerung( \d{4})? in 10 Altersgruppen")}


def _value(cell: str) -> tuple[int | None, str]:
    digits = cell.replace(" ", "")  # a joined reading keeps the printed blank ("12 345")
    return {"-": (0, "-"), ".": (None, ".")}.get(cell, (int(digits) if digits.isdigit() else None, ""))


def _table_rows(text: str, origin: str, title: str) -> list[tuple[str, str, int, list[tuple[int | None, str]]]]:
    """(level, code, year, [(value, flag) of the ten age groups]) of the edition's table."""
    for page in text.split("\f"):
        lines = page.split("\n")
        if not (re.match(title, lines[0]) and "10 Altersgruppen" in " ".join(lines[:2])):
            continue
        year = int(re.search(r"31\.12\.(\d{4})", page).group(1))
        rows = []
        for line in lines:
            m = re.match(r"(\d{2}) (\D+?)\s{2,}(\d.*)$", line) or re.match(
                r"(?:()({}))\s{{2,}}(\d.*)$".format("|".join(map(re.escape, AGGREGATES))), line)
            if not m:
                continue
            code, name, data = m.groups()
            level, code = ("stadtteil", code) if code else AGGREGATES[name.strip()]
            fits = []
            for cells in readings(data):
                values = [_value(c) for c in cells]
                if len(values) != 11:
                    continue
                known = [v for v, _ in values[1:] if v is not None]
                if sum(known) == values[0][0] if len(known) == 10 else sum(known) <= values[0][0]:
                    fits.append(values)
            rows.append((level, code, year, fits))
        return rows
    raise AssertionError(f"Tabelle {title!r} nicht gefunden")


def _source_cells(src: Path) -> pd.DataFrame:
    cells = []
    for series, (origin, title) in TABLES.items():
        for edition in range(2010, 2015):
            text = (src / "sms-text" / f"SMS_{series}_{edition}.pdf.txt").read_text(encoding="utf-8")
            rows = _table_rows(text, origin, title)
            assert len(rows) == 56, (series, edition, len(rows))  # 45 Stadtteile, 4 + 6 aggregates, the city
            for level, code, year, fits in rows:
                assert year == edition
                assert len({tuple(f) for f in fits}) == 1, (series, edition, code, fits)  # one reading only
                for band, (value, flag) in zip(BANDS, fits[0][1:]):
                    cells.append({"year": year, "area_level": level, "area_code": code, "origin": origin,
                                  "age": band, "src_value": value, "src_flag": flag})
    return pd.DataFrame(cells)


def _stored() -> pd.DataFrame:
    obs = pd.read_csv(paths.DATA / "observations" / "sms.csv", dtype={"area_code": str, "flag": str},
                      keep_default_na=False, na_values={"value": [""]})
    return obs[(obs["measure"] == "population") & (obs["age"] != "total")]


def test_every_stored_age_cell_equals_the_printed_cell(muenster_source):
    source = _source_cells(muenster_source)
    stored = _stored()
    assert len(source) == len(stored) == 2 * 5 * 56 * 10
    assert set(stored["sex"]) == {"total"} and not stored["synthetic"].any()
    both = source.merge(stored, on=["year", "area_level", "area_code", "origin", "age"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all()
    assert both["src_value"].astype("Int64").equals(both["value"].astype("Int64"))
    assert (both["src_flag"] == both["flag"]).all()


def test_cells_read_by_hand():
    # SMS_Migration_2014, "Stadt Münster 65 205 9 480 7 355 ...", "61 Coerde 5 242 926 708 ...", "12 Überwasser ... ."
    # SMS_Bevoelkerung_2010, "11 Aegidii 1 356 71 47 385 ..."
    stored = _stored().set_index(["year", "area_code", "origin", "age"])
    assert stored.loc[(2014, "05515000", "migration", "0-9"), "value"] == 9480
    assert stored.loc[(2014, "05515000", "migration", "10-19"), "value"] == 7355
    assert stored.loc[(2014, "61", "migration", "0-9"), "value"] == 926
    assert stored.loc[(2014, "61", "migration", "10-19"), "value"] == 708
    assert stored.loc[(2014, "12", "migration", "90+"), "flag"] == "."
    assert stored.loc[(2010, "11", "total", "0-9"), "value"] == 71
    assert stored.loc[(2010, "11", "total", "10-19"), "value"] == 47


@pytest.mark.parametrize("indicator, age", [("mv_anteil_0_9", "0-9"), ("mv_anteil_10_19", "10-19")])
def test_the_shares_divide_the_printed_cells(indicator, age):
    stored = _stored().set_index(["year", "area_level", "area_code", "origin", "age"])["value"]
    for level in ("stadtteil", "stadtbezirk", "stadt"):
        values = compute.values(indicator, level)
        assert set(values["year"]) == set(range(2010, 2015))
        for row in values.itertuples():
            num, den = stored.get((row.year, level, row.area_code, "migration", age)), \
                stored.get((row.year, level, row.area_code, "total", age))
            if pd.isna(num):  # a secret cell of a small Stadtteil: no value
                assert pd.isna(row.value) and row.flag == "."
                continue
            assert (row.numerator, row.denominator) == (num, den)
            assert row.value == pytest.approx(100 * num / den)


def test_the_report_shows_the_share_of_children_in_2014():
    city = disclosed.values("mv_anteil_10_19", "stadt")
    row = city[city["year"] == 2014].iloc[0]
    assert round(float(row["value"]), 1) == 26.9 and not row["synthetic"]
