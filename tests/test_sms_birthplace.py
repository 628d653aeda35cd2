"""SMS Migration 2014, "... mit Migrationsvorgeschichte nach ausgewählten Geburtsorten": foreigners born in Germany.

The table is read again here without the parser (helpers.sources.muenster.sms_*): its columns stand apart by two
or more blanks except in the city row, where every reading of the digit groups is tried and the one whose
columns equal the sums of the Stadtbezirke is kept. Every stored cell is compared with it, the table's
foreigners and population with a migration history with the main tables the indicator divides by, and the
indicator with the cells.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import paths
from helpers.indicators import compute

COLUMNS = ["migration", "personal", "foreign", "foreign_born_germany", "poland", "russia", "kazakhstan"]
AGGREGATES = {"Altstadt": ("teilbereich", "1"), "Innenstadtring": ("teilbereich", "2"),
              "Mitte-Süd": ("teilbereich", "3"), "Mitte-Nordost": ("teilbereich", "4"), "Mitte": ("stadtbezirk", "1"),
              "West": ("stadtbezirk", "5"), "Nord": ("stadtbezirk", "6"), "Ost": ("stadtbezirk", "7"),
              "Südost": ("stadtbezirk", "8"), "Hiltrup": ("stadtbezirk", "9"), "Stadt Münster": ("stadt", "05515000")}


def _readings(data: str, n: int) -> list[list[int]]:
    """Every reading of the row as n numbers (1-3 digits, then groups of three digits after one blank)."""
    spans = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", data)]
    out: list[list[int]] = []

    def walk(i: int, cells: list[int]) -> None:
        if i == len(spans):
            if len(cells) == n:
                out.append(cells)
            return
        text, _, end = spans[i]
        j = i + 1
        walk(j, [*cells, int(text)])
        while len(text) <= 3 and j < len(spans) and re.fullmatch(r"\d{3}", spans[j][0]) and spans[j][1] == end + 1:
            text, end = text + spans[j][0], spans[j][2]
            j += 1
            walk(j, [*cells, int(text)])

    walk(0, [])
    return out


@pytest.fixture(scope="module")
def table(muenster_source: Path) -> pd.DataFrame:
    text = (muenster_source / "sms-text" / "SMS_Migration_2014.pdf.txt").read_text(encoding="utf-8")
    page = next(p for p in text.split("\f") if "nach ausgewählten Geburtsorten" in p and "\n11 " in p)
    assert "31.12.2014" in page and "dar. in Deutsch-" in page
    rows, crowded = {}, {}
    for line in page.split("\n"):
        m = re.match(r"(\d{2}) \S.*?\s{2,}(\d.*)$", line) or re.match(
            r"({})\s{{2,}}(\d.*)$".format("|".join(map(re.escape, AGGREGATES))), line)
        if not m:
            continue
        area = ("stadtteil", m.group(1)) if m.group(1).isdigit() else AGGREGATES[m.group(1)]
        fields = re.split(r"\s{2,}", m.group(2).strip())
        if len(fields) == len(COLUMNS):
            rows[area] = [int(f.replace(" ", "")) for f in fields]
        else:
            crowded[area] = m.group(2)
    assert set(crowded) == {("stadt", "05515000")}  # "65 205       53 865 25 831 ..."
    districts = [v for (level, _), v in rows.items() if level == "stadtbezirk"]
    sums = [sum(col) for col in zip(*districts)]
    fits = [r for r in _readings(crowded[("stadt", "05515000")], len(COLUMNS)) if r == sums]
    assert len(fits) == 1
    rows[("stadt", "05515000")] = fits[0]
    assert len(rows) == 56
    return pd.DataFrame([dict(zip(["area_level", "area_code", *COLUMNS], [*k, *v])) for k, v in rows.items()])


@pytest.fixture(scope="module")
def stored() -> pd.DataFrame:
    obs = pd.read_csv(paths.DATA / "observations" / "sms.csv", dtype={"area_code": str}, keep_default_na=False)
    obs = obs[(obs["year"] == 2014) & (obs["sex"] == "total") & (obs["age"] == "total")]
    return obs.assign(value=pd.to_numeric(obs["value"]))


def _series(stored: pd.DataFrame, measure: str, origin: str) -> pd.Series:
    rows = stored[(stored["measure"] == measure) & (stored["origin"] == origin)]
    return rows.set_index(["area_level", "area_code"])["value"]


def test_every_stored_cell_equals_the_printed_cell(table, stored):
    born = _series(stored, "population_born_in_germany", "foreign")
    assert len(born) == 56
    assert born.sort_index().to_dict() == table.set_index(["area_level", "area_code"])["foreign_born_germany"].to_dict()
    rows = stored[stored["measure"] == "population_born_in_germany"]
    assert set(rows["flag"]) == {""} and (rows["source"].str.startswith("SMS Migration 2014")).all()


def test_the_table_counts_the_foreigners_of_the_main_tables(table, stored):
    """The denominator comes from the main tables: the birthplace table prints the same foreigners, the same
    population with a migration history, and with a personal one foreigners + Germans with a personal one."""
    printed = table.set_index(["area_level", "area_code"])
    for column, origin in (("foreign", "foreign"), ("migration", "migration")):
        assert printed[column].to_dict() == _series(stored, "population", origin).reindex(printed.index).to_dict()
    personal = (_series(stored, "population", "foreign") + _series(stored, "population", "german_mig_personal"))
    assert printed["personal"].to_dict() == personal.reindex(printed.index).to_dict()


def test_cells_read_by_hand(stored):
    # "11 Aegidii  233  204  108  10 ...", "61 Coerde  5 242  4 197  1 947  404 ...", "Stadt Münster ... 3 796 ..."
    born = _series(stored, "population_born_in_germany", "foreign")
    assert (born[("stadtteil", "11")], born[("stadtteil", "61")], born[("stadt", "05515000")]) == (10, 404, 3796)


def test_the_share_divides_the_printed_cells(table):
    printed = table.set_index(["area_level", "area_code"])
    for level in ("stadtteil", "stadtbezirk", "stadt"):
        values = compute.values("auslaender_in_deutschland_geboren_anteil", level)
        assert set(values.loc[values["value"].notna(), "year"]) == {2014}
        shown = values[values["year"] == 2014]
        assert len(shown) == {"stadtteil": 45, "stadtbezirk": 6, "stadt": 1}[level]
        for row in shown.itertuples():
            num, den = printed.loc[(level, row.area_code), ["foreign_born_germany", "foreign"]]
            assert (row.numerator, row.denominator) == (num, den)
            assert row.value == pytest.approx(100 * num / den)
    city = compute.values("auslaender_in_deutschland_geboren_anteil", "stadt")
    assert round(float(city.loc[city["year"] == 2014, "value"].iloc[0]), 1) == 14.7
