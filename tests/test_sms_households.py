"""The SMS Haushalte editions 2007-2014: households by size, with children, single parents.

The source text is read again here without the parser (helpers.sources.muenster.sms_*): the time series of the
editions 2012-2014 (columns apart by two or more blanks) and the cross-sections by size and by type of the
editions 2007-2011 (every reading of a row's digit groups that adds up and matches its printed shares). Every
stored households cell must be the newest edition's, every older differing one a revision, and the two Wohnen
indicators must divide exactly these cells.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import paths
from helpers.indicators import compute
from printed_rows import readings

SIZES = ["households_size1", "households_size2", "households_size3", "households_size4", "households_size5plus"]
MEASURES = ["households", *SIZES, "households_children", "households_single_parent"]
#: First line of a time-series page (editions 2012-2014) -> measure.
SERIES = {"Haushalte der Wohnberechtigten Bevölkerung": "households",
          **{f"{k}-Personen-Haushalte der Wohnberechtigten Bevölkerung": SIZES[k - 1] for k in range(1, 5)},
          "5- und mehr Personen-Haushalte der Wohnberechtigten Bevölkerung": "households_size5plus",
          "Haushalte der Wohnberechtigten Bevölkerung mit Kindern": "households_children",
          "Alleinerziehende Haushalte der Wohnberechtigten Bevölkerung": "households_single_parent"}
#: Row labels of the larger areas, without blanks and hyphens.
AGGREGATES = {"altstadt": ("teilbereich", "1"), "innenstadtring": ("teilbereich", "2"),
              "mittesüd": ("teilbereich", "3"), "mittenordost": ("teilbereich", "4"),
              "stadtbezirkmitte": ("stadtbezirk", "1"), "stadtbezirkwest": ("stadtbezirk", "5"),
              "stadtbezirknord": ("stadtbezirk", "6"), "stadtbezirkost": ("stadtbezirk", "7"),
              "stadtbezirksüdost": ("stadtbezirk", "8"), "stadtbezirkhiltrup": ("stadtbezirk", "9"),
              "stadtmünster": ("stadt", "05515000")}
ROW = re.compile(r"\s*(\d{2} \S.*?|[A-ZÄÖÜ][^\d]*?)\s{2,}(\d[\d ,r.\-]*)$")


def _area(label: str) -> tuple[str, str] | None:
    m = re.match(r"(\d{2}) ", label)
    if m:
        return "stadtteil", m.group(1)
    return AGGREGATES.get(re.sub(r"[\s-]", "", label).lower())  # "Außenbezirke": not stored


def _cell(text: str) -> tuple[int | None, str]:
    flag = "r" if text.endswith("r") else ""
    core = text.removesuffix("r").replace(" ", "")
    if core == "-":
        return 0, flag or "-"
    if core == ".":
        return None, "."
    return int(core), flag


def _share_fits(pct: str, count: int | None, base: int | None) -> bool:
    if count is None or not base or pct in (".", "-"):
        return True
    return abs(count / base * 100 - float(pct.removesuffix("r").replace(",", "."))) <= 0.051


def _size_row(cells: list[str], with_shares: bool) -> dict[str, tuple[int | None, str]] | None:
    """households, the five sizes (each with its share), persons, mean size; None if it does not add up."""
    if len(cells) != (13 if with_shares else 8) or "," not in cells[-1]:
        return None
    counts = [cells[0], *(cells[1:11:2] if with_shares else cells[1:6])]
    values = [_cell(c) for c in counts]
    if sum(v for v, _ in values[1:]) != values[0][0]:
        return None
    if with_shares and not all(_share_fits(cells[2 + 2 * k], values[1 + k][0], values[0][0]) for k in range(5)):
        return None
    return dict(zip(["households", *SIZES], values))


def _type_row(cells: list[str], base_children: bool) -> dict[str, tuple[int | None, str]] | None:
    """total, with children, couples, single parents (each with its share); None if it does not add up."""
    if len(cells) != 7 or not all("," in cells[i] for i in (2, 4, 6)):
        return None
    total, children, couples, single = (_cell(cells[i]) for i in (0, 1, 3, 5))
    if couples[0] + single[0] != children[0]:
        return None
    base = children[0] if base_children else total[0]
    if not (_share_fits(cells[2], children[0], total[0]) and _share_fits(cells[4], couples[0], base)
            and _share_fits(cells[6], single[0], base)):
        return None
    return {"households_children": children, "households_single_parent": single}


def _cross_sections(text: str, edition: int) -> list[dict]:
    cells = []
    for page in text.split("\f"):
        if "\n11 " not in page:
            continue  # a text page
        head = page[: page.find("\n11 ")]
        if "5 u. mehr" in head and "Bevöl" in head:
            reader = lambda c, s="%" in head: _size_row(c, s)  # noqa: E731
        elif "Alleinerziehende" in head and "Paar" in head:
            reader = lambda c, b="bzw. Paar" in head: _type_row(c, b)  # noqa: E731
        else:
            continue
        year = int(re.search(r"31\.12\.(\d{4})", head).group(1))
        rows = 0
        for line in page.split("\n"):
            m = ROW.match(line)
            if not m or (area := _area(m.group(1).strip())) is None:
                continue
            fits = {tuple(sorted(r.items())) for c in readings(m.group(2), revised_mark=True) if (r := reader(c))}
            assert len(fits) == 1, (edition, line, fits)  # exactly one reading adds up
            rows += 1
            for measure, (value, flag) in fits.pop():
                cells.append(dict(edition=edition, year=year, area_level=area[0], area_code=area[1],
                                  measure=measure, value=value, flag=flag))
        assert rows == 56, (edition, year, rows)  # 45 Stadtteile, 4 Teilbereiche, 6 Stadtbezirke, the city
    return cells


def _time_series(text: str, edition: int) -> list[dict]:
    cells = []
    for page in text.split("\f"):
        lines = [line for line in page.split("\n") if line.strip()]
        measure = SERIES.get(lines[0].strip()) if lines else None
        if measure is None:
            continue
        years = next([int(y) for y in re.findall(r"20\d\d", line)] for line in lines
                     if re.fullmatch(r"\s*(Stadtbezirk)?(\s+20\d\d){5}\s*", line))
        rows = 0
        for line in lines:
            m = ROW.match(line)
            if not m or (area := _area(m.group(1).strip())) is None:
                continue
            fields = re.split(r"\s{2,}", m.group(2).strip())
            assert len(fields) == 5, (edition, line)
            rows += 1
            for year, field in zip(years, fields):
                value, flag = _cell(field)
                cells.append(dict(edition=edition, year=year, area_level=area[0], area_code=area[1],
                                  measure=measure, value=value, flag=flag))
        assert rows == 56, (edition, measure, rows)
    return cells


@pytest.fixture(scope="module")
def source_cells(muenster_source: Path) -> pd.DataFrame:
    cells = []
    for edition in range(2007, 2015):
        text = (muenster_source / "sms-text" / f"SMS_Haushalte_{edition}.pdf.txt").read_text(encoding="utf-8")
        cells += _cross_sections(text, edition) if edition <= 2011 else _time_series(text, edition)
    return pd.DataFrame(cells)


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"area_code": str}, keep_default_na=False)
    return frame[frame["measure"].isin(MEASURES) & (frame["origin"] == "total")]


@pytest.fixture(scope="module")
def stored() -> pd.DataFrame:
    obs = _read(paths.DATA / "observations" / "sms.csv")
    obs["value"] = pd.to_numeric(obs["value"]).astype("Int64")
    return obs


def test_every_table_is_read(source_cells):
    # 2007-2011: one year each, by size (households + 5 sizes) and by type (2 counts); 2012-2014: 8 tables
    # of 5 years each. 56 rows everywhere.
    per_edition = source_cells.groupby("edition").size().to_dict()
    assert per_edition == {**{e: 56 * 8 for e in range(2007, 2012)}, **{e: 56 * 8 * 5 for e in range(2012, 2015)}}


def test_every_stored_cell_is_the_newest_printed_one(source_cells, stored):
    newest = source_cells.sort_values("edition").drop_duplicates(
        ["year", "area_level", "area_code", "measure"], keep="last")
    assert len(stored) == len(newest) == 8 * 56 * 8  # 2007-2014, 56 areas, 8 measures
    assert set(stored["sex"]) == {"total"} and set(stored["age"]) == {"total"} and not stored["synthetic"].any()
    both = newest.merge(stored, on=["year", "area_level", "area_code", "measure"], how="outer",
                        suffixes=("_src", ""), indicator=True)
    assert (both["_merge"] == "both").all()
    assert both["value_src"].astype("Int64").equals(both["value"].astype("Int64"))
    assert (both["flag_src"] == both["flag"]).all()
    assert (both["source"].str.extract(r"^SMS Haushalte (\d{4})")[0].astype(int) == both["edition"]).all()


def test_every_older_differing_cell_is_a_revision(source_cells, stored):
    key = ["year", "area_level", "area_code", "measure"]
    newest = stored.set_index(key)
    older = source_cells.merge(stored[[*key, "source"]], on=key)
    older = older[older["edition"] < older["source"].str.extract(r"^SMS Haushalte (\d{4})")[0].astype(int)]
    differ = older[(older["value"].astype("Int64") != newest.loc[pd.MultiIndex.from_frame(older[key]), "value"]
                    .to_numpy()) | (older["flag"].to_numpy() != newest.loc[pd.MultiIndex.from_frame(older[key]),
                                                                              "flag"].to_numpy())]
    revisions = _read(paths.REVISIONS_CSV)
    assert len(revisions) == len(differ) > 1000  # the cross-sections 2008-2011 against HHGen 2.3
    got = revisions.assign(old=revisions["old_value"].astype(str), edition=revisions["old_source"].str.extract(
        r"^SMS Haushalte (\d{4})")[0].astype(int)).set_index([*key, "edition"])["old"]
    want = differ.assign(old=differ["value"].astype(str)).set_index([*key, "edition"])["old"]
    assert got.sort_index().equals(want.sort_index())


def test_cells_read_by_hand(stored):
    # SMS_Haushalte_2014: "61 Coerde  4 506 4 673 4 714 4 791 4 885" (households), "61 Coerde ... 1 278" (with
    # children), "61 Coerde ... 427" (single parents), "15 Martini ... 2" (5 and more persons).
    # SMS_Haushalte_2007: "Stadt Münster 146 489 73 982 50,5 ... 5 280 3,6 275 930 1,9", "... 5 750r 22,2r".
    cell = stored.set_index(["year", "area_code", "measure"])
    assert cell.loc[(2014, "61", "households"), "value"] == 4885
    assert cell.loc[(2014, "61", "households_children"), "value"] == 1278
    assert cell.loc[(2014, "61", "households_single_parent"), "value"] == 427
    assert cell.loc[(2014, "15", "households_size5plus"), "value"] == 2
    assert cell.loc[(2007, "05515000", "households"), "value"] == 146489
    assert cell.loc[(2007, "05515000", "households_size5plus"), "value"] == 5280
    assert tuple(cell.loc[(2007, "05515000", "households_single_parent"), ["value", "flag"]]) == (5750, "r")


def test_the_sizes_add_up_to_all_households(stored):
    wide = stored.pivot_table(index=["year", "area_level", "area_code"], columns="measure", values="value",
                              aggfunc="first")
    assert (wide[SIZES].sum(axis=1) == wide["households"]).all()
    assert (wide["households_single_parent"] <= wide["households_children"]).all()


@pytest.mark.parametrize("indicator, numerator, denominator", [
    ("alleinerziehende_anteil", "households_single_parent", "households_children"),
    ("grosse_haushalte_anteil", "households_size5plus", "households"),
])
def test_the_shares_divide_the_printed_cells(stored, indicator, numerator, denominator):
    cell = stored.set_index(["year", "area_level", "area_code", "measure"])["value"]
    for level in ("stadtteil", "stadtbezirk", "stadt"):
        values = compute.values(indicator, level)
        assert set(values["year"]) == set(range(2007, 2015))
        assert len(values) == 8 * {"stadtteil": 45, "stadtbezirk": 6, "stadt": 1}[level]
        for row in values.itertuples():
            num, den = cell[(row.year, level, row.area_code, numerator)], cell[(row.year, level, row.area_code,
                                                                                 denominator)]
            assert (row.numerator, row.denominator) == (num, den)
            assert row.value == pytest.approx(100 * num / den)
