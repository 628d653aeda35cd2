"""Tidy counts from the series "SMS – Statistik für Münsters Stadtteile" (pdftotext layout text).

Run: ``python -m helpers.sources.muenster.sms --src /work/shared/data/muenster --out data``.

What it does and why:

* Each page of a publication holds one table. A `TableSpec` recognises the table by its title
  and says what its columns are (count 'n' or percent 'p', and which observation each count
  is) and which constraints the table itself defines (parts sum to a total, a printed share
  equals count/base).
* Rows are segmented with `sms_text.segmentations`; among the candidates the one satisfying
  the row's constraints, then the vertical sums (Stadtteile -> Teilbereich/Stadtbezirk ->
  Stadt), then the column positions wins. A tie that none of these resolves is an error
  naming file, line and row – never a silent guess.
* The same figure appears in several editions (time series repeat earlier years). The newest
  edition wins; within an edition the cross-section table beats the time series. Every
  differing older value goes to the revisions table.
* Checks (sums across areas and within rows, male + female = total) are reported, not fatal.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.core import arguments, model
from helpers.core.fileio import write_atomic
from helpers.sources.muenster.sms_text import (
    Cell,
    Line,
    SmsParseError,
    Token,
    cell_value,
    data_rows,
    page_title,
    pages,
    segmentations,
)

SERIES_NAMES = {
    "Migration": "SMS Migration",
    "Arbeitslose": "SMS Arbeitslose",
    "Bevoelkerung": "SMS Bevölkerung",
}
CHECK_COLUMNS = [
    "file", "line", "table", "check", "year", "area_level", "area_code", "measure", "sex",
    "origin", "expected", "found", "difference", "note",
]
SORT_KEYS = ["measure", "year", "area_level", "area_code", "sex", "origin", "age"]
KEY = model.KEY
PCT_TOLERANCE = 0.051  # printed shares are rounded to one decimal


@dataclass(frozen=True)
class Col:
    """One printed column: kind 'n'/'p', a name for constraints, and what it stores (or None)."""

    kind: str
    name: str
    obs: tuple[int, str, str, str, str] | None = None  # (year, measure, sex, origin, age)


@dataclass
class TableSpec:
    """What a recognised table holds: columns, within-row sums and shares, and bookkeeping."""

    title: str
    cols: list[Col]
    sums: list[tuple[str, list[str]]] = field(default_factory=list)
    shares: list[tuple[str, str, str]] = field(default_factory=list)  # (pct, count, base)
    rank: int = 1  # 0 = cross-section (wins within an edition), 1 = time series
    derived: list[tuple[str, list[str], tuple[int, str, str, str, str]]] = field(default_factory=list)
    note: str = ""

    @property
    def kinds(self) -> list[str]:
        return [c.kind for c in self.cols]


# ----------------------------------------------------------------------------- table specs

_YEAR = re.compile(r"(?<![\d.])(19[89]\d|20[0-4]\d)(?![\d.])")


def table_title(page: list[Line]) -> str:
    """The printed title; a title wrapped over two lines (ending in 'am', 'nach', '-', ...) is joined."""
    texts = [line.text.strip() for line in page if line.text.strip()][:2]
    title = texts[0]
    if len(texts) > 1 and re.search(r"(\bam|\bnach|überwiegender|-)$", title):
        title = title[:-1] + texts[1] if title.endswith("-") else f"{title} {texts[1]}"
    return title.replace("am31", "am 31")


def header_lines(page: list[Line]) -> list[Line]:
    """Lines before the first Stadtteil row (title and column heads)."""
    out = []
    for line in page:
        if re.match(r"\s*\d{2}\s+\D", line.text):
            break
        out.append(line)
    return out


def header_years(page: list[Line]) -> list[int]:
    """Years printed as column heads (4-digit, not part of a date like 31.12.2014)."""
    text = "\n".join(line.text for line in header_lines(page))
    return sorted({int(y) for y in _YEAR.findall(text)})


def stichtag_year(text: str, default: int) -> int:
    m = re.search(r"31\.\s?12\.\s?(\d{4})", text)
    return int(m.group(1)) if m else default


#: Time-series tables of the Migration editions: title prefix -> (origin, measure).
SERIES_TITLES = [
    ("Wohnberechtigte Bevölkerung mit Migrationsvorgeschichte", ("migration", "population")),
    ("Ausländische Wohnberechtigte", ("foreign", "population")),
    ("Heimatvertriebene", ("expellee", "population")),
    ("Aus-/Spätaussiedler", ("resettler", "population")),
    ("Sonstige Eingebürgerte", ("naturalised_other", "population")),
    ("Kinder ohne", ("german_mig_inherited", "population")),
]


def _migration_spec(title: str, head: str, page: list[Line], edition: int) -> TableSpec | None:
    """Migration edition: main cross-sections (by sex), time series per origin, households."""
    t = title.replace("am31", "am 31")
    if "Altersgruppen" in t or "Geburtsort" in t or "Bevölkerungspyramide" in t:
        return None
    first = next(line.text.strip() for line in page if line.text.strip())
    if "darunter mit Migrationsvorgeschichte" in head and re.match(
        r"(Männliche |Weibliche )?Wohnberechtigte Bevölkerung( am 31\.12\.\d{4}| \d{4})?$", first
    ):
        sex = {"Männliche ": "male", "Weibliche ": "female"}.get((re.match(r"(Männliche |Weibliche )?", first).group(1) or ""), "total")
        year = stichtag_year(head, edition)
        def o(origin: str) -> tuple[int, str, str, str, str]:
            return (year, "population", sex, origin, "total")
        if "Heimat" in head:
            cols = [Col("n", "total", o("total")), Col("n", "migration", o("migration")),
                    Col("n", "foreign", o("foreign")), Col("n", "expellee", o("expellee")),
                    Col("n", "resettler", o("resettler")), Col("n", "naturalised_other", o("naturalised_other")),
                    Col("n", "german_mig_inherited", o("german_mig_inherited"))]
            return TableSpec(
                first, cols,
                sums=[("migration", ["foreign", "expellee", "resettler", "naturalised_other", "german_mig_inherited"])],
                rank=0,
                derived=[("german_mig_personal", ["expellee", "resettler", "naturalised_other"], o("german_mig_personal"))],
                note="german_mig_personal = Heimatvertriebene + Aus-/Spätaussiedler + sonstige Eingebürgerte (berechnet)",
            )
        cols = [Col("n", "total", o("total")), Col("n", "migration", o("migration")), Col("p", "p_migration"),
                Col("n", "foreign", o("foreign")), Col("p", "p_foreign"),
                Col("n", "german_mig_personal", o("german_mig_personal")), Col("p", "p_personal"),
                Col("n", "german_mig_inherited", o("german_mig_inherited")), Col("p", "p_inherited")]
        return TableSpec(
            first, cols,
            sums=[("migration", ["foreign", "german_mig_personal", "german_mig_inherited"])],
            shares=[("p_migration", "migration", "total"), ("p_foreign", "foreign", "total"),
                    ("p_personal", "german_mig_personal", "total"), ("p_inherited", "german_mig_inherited", "total")],
            rank=0,
        )
    if "Haushalte" in t:
        if "Personen im Haushalt" in head:
            year = stichtag_year(head, edition)
            cols = [Col("n", "households", (year, "households", "total", "migration", "total")), Col("p", "share")]
            cols += [Col("n", f"size{k}") for k in range(1, 6)]
            return TableSpec(first, cols, sums=[("households", [f"size{k}" for k in range(1, 6)])], rank=0)
        origin, measure = "migration", "households"
    else:
        match = next((v for prefix, v in SERIES_TITLES if t.startswith(prefix)), None)
        if match is None:
            return None
        origin, measure = match
    years = header_years(page)
    if len(years) < 2:
        raise SmsParseError(f"Tabelle {first!r}: Jahresspalten im Kopf nicht gefunden")
    cols = [Col("n", str(y), (y, measure, "total", origin, "total")) for y in years]
    return TableSpec(first, cols)


_UNEMPLOYED = [
    (r"Rechtskreis SGB III", ("unemployed_sgb3", "total", "total")),
    (r"Rechtskreis SGB II\b", ("unemployed_sgb2", "total", "total")),
    (r"^Männliche Arbeitslose", ("unemployed", "male", "total")),
    (r"^Weibliche Arbeitslose", ("unemployed", "female", "total")),
    (r"^Langzeitarbeitslose", ("unemployed_longterm", "total", "total")),
    (r"^Arbeitslose im Alter von unter 25", ("unemployed_under25", "total", "total")),
    (r"^Arbeitslose im Alter von 55", ("unemployed_55plus", "total", "total")),
    (r"^Ausländische Arbeitslose", ("unemployed", "total", "foreign")),
    (r"^Arbeitslose( in Münster)?$", ("unemployed", "total", "total")),
]


def _unemployed_spec(title: str, head: str, page: list[Line], edition: int) -> TableSpec | None:
    """Arbeitslose: time series with years (or quarters, of which 'Dez' is the year's figure)."""
    first = next(line.text.strip() for line in page if line.text.strip())
    if "quote" in first.lower() or " am " in first:
        return None
    what = None
    for pattern, target in _UNEMPLOYED:
        if re.search(pattern, first) or (pattern.startswith("Rechtskreis") and re.search(pattern, head)
                                          and first.startswith("Arbeitslose")):
            what = target
            break
    if what is None:
        return None
    measure, sex, origin = what
    years = header_years(page)
    if not years and not any(re.match(r"\s*\d{2}\s+\D", line.text) for line in page):
        return None  # a cover or text page with a table-like title
    if not years:
        raise SmsParseError(f"Tabelle {first!r}: Jahresspalten im Kopf nicht gefunden")
    if re.search(r"\bMrz\b", head):
        cols = [Col("n", f"{y}q{q}", (y, measure, sex, origin, "total") if q == 4 else None)
                for y in years for q in range(1, 5)]
    else:
        cols = [Col("n", str(y), (y, measure, sex, origin, "total")) for y in years]
    return TableSpec(first, cols)


def _population_spec(title: str, head: str, page: list[Line], edition: int) -> TableSpec | None:
    """Bevölkerung: time series of the Wohnberechtigte Bevölkerung (last year possibly by sex)."""
    first = next(line.text.strip() for line in page if line.text.strip())
    if "Wohnberechtigte" not in first or "Altersgruppen" in title or "Hauptwohnung" in first:
        return None
    if re.search(r"31\.12\.\d{4}", first):
        return None
    years = header_years(page)
    if len(years) < 2:
        return None
    cols = [Col("n", str(y), (y, "population", "total", "total", "total")) for y in years]
    sums = []
    if re.search(r"männ", head):
        last = years[-1]
        cols += [Col("n", "male", (last, "population", "male", "total", "total")),
                 Col("n", "female", (last, "population", "female", "total", "total"))]
        sums = [(str(last), ["male", "female"])]
    return TableSpec(first, cols, sums=sums)


SPEC_BUILDERS: dict[str, Callable[[str, str, list[Line], int], TableSpec | None]] = {
    "Migration": _migration_spec,
    "Arbeitslose": _unemployed_spec,
    "Bevoelkerung": _population_spec,
}


# ----------------------------------------------------------------------------- row resolution

@dataclass
class Row:
    line: Line
    level: str
    code: str
    tokens: list[Token]
    candidates: list[list[Cell]]
    chosen: list[Cell] | None = None

    def values(self, cells: list[Cell] | None = None) -> list[tuple[int | float | None, str]]:
        return [cell_value(c) for c in (cells if cells is not None else self.chosen)]


def _row_score(spec: TableSpec, cells: list[Cell]) -> tuple[int, int]:
    """(violated, satisfied) constraints of the table's own sums and shares for one candidate."""
    names = {c.name: i for i, c in enumerate(spec.cols)}
    vals = [cell_value(c)[0] for c in cells]
    bad = good = 0
    for total, parts in spec.sums:
        xs = [vals[names[p]] for p in parts]
        if vals[names[total]] is None or any(x is None for x in xs):
            continue
        if sum(xs) == vals[names[total]]:
            good += 1
        else:
            bad += 1
    for pct, count, base in spec.shares:
        p, c, b = vals[names[pct]], vals[names[count]], vals[names[base]]
        if p is None or c is None or not b:
            continue
        if abs(c / b * 100 - p) <= PCT_TOLERANCE:
            good += 1
        else:
            bad += 1
    return bad, good


def children_of(level: str, code: str, present: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The rows of a table that sum to an aggregate row (only those present in the table)."""
    st = sorted(k for k in present if k[0] == "stadtteil")
    if level == "teilbereich":
        return [k for k in st if k[1][0] == code]
    if level == "stadtbezirk":
        if code == "1":
            tb = sorted(k for k in present if k[0] == "teilbereich")
            return tb if tb else [k for k in st if k[1][0] in "1234"]
        return [k for k in st if k[1][0] == code]
    if level == "stadt":
        return sorted(k for k in present if k[0] in ("stadtbezirk", "unzugeordnet"))
    return []


def _vertical_score(spec: TableSpec, cells: list[Cell], expected: list[int | None]) -> tuple[int, int]:
    bad = good = 0
    for i, col in enumerate(spec.cols):
        if col.kind != "n" or expected[i] is None:
            continue
        v = cell_value(cells[i])[0]
        if v is None:
            continue
        if v == expected[i]:
            good += 1
        else:
            bad += 1
    return bad, good


def _expected_sums(spec: TableSpec, row: Row, rows: dict[tuple[str, str], Row]) -> list[int | None]:
    kids = [rows[k] for k in children_of(row.level, row.code, set(rows))]
    out: list[int | None] = []
    for i in range(len(spec.cols)):
        if not kids or any(k.chosen is None for k in kids):
            out.append(None)
            continue
        xs = [k.values()[i][0] for k in kids]
        out.append(None if any(x is None for x in xs) else int(sum(xs)))
    return out


def resolve(spec: TableSpec, rows: list[Row], where: str) -> None:
    """Choose one segmentation per row (row constraints, vertical sums, column positions)."""
    for row in rows:
        if not row.candidates:
            raise SmsParseError(
                f"{where}, Zeile {row.line.number}: Zeile passt nicht zu {len(spec.cols)} Spalten "
                f"({''.join(spec.kinds)}): {row.line.text.strip()!r}"
            )
    ends: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if len(row.candidates) == 1:
            for i, c in enumerate(row.candidates[0]):
                ends[i].append(c.end)
    edges = {i: statistics.median(v) for i, v in ends.items()}
    by_key = {(r.level, r.code): r for r in rows}
    order = {"stadtteil": 0, "unzugeordnet": 0, "teilbereich": 1, "stadtbezirk": 2, "stadt": 3}
    for row in sorted(rows, key=lambda r: order[r.level]):
        expected = _expected_sums(spec, row, by_key)

        def score(cells: list[Cell]) -> tuple[int, int, int, int]:
            rb, rg = _row_score(spec, cells)
            vb, vg = _vertical_score(spec, cells, expected)  # noqa: B023 - called within this iteration
            return rb, -rg, vb, -vg

        def pos(cells: list[Cell]) -> float:
            return sum(abs(c.end - edges[i]) for i, c in enumerate(cells) if i in edges)

        scored = sorted(row.candidates, key=lambda c: (score(c), pos(c)))
        best = scored[0]
        ties = [c for c in scored[1:] if score(c) == score(best)]
        if ties and (len(edges) < len(spec.cols) or pos(ties[0]) - pos(best) < 2):
            options = " | ".join(" ; ".join(c.text for c in cand) for cand in [best, *ties][:3])
            raise SmsParseError(
                f"{where}, Zeile {row.line.number}: mehrdeutige Zahlenfolge, Spalten nicht eindeutig "
                f"trennbar: {row.line.text.strip()!r} (z. B. {options})"
            )
        row.chosen = best


# ----------------------------------------------------------------------------- one file

@dataclass
class Parsed:
    records: list[dict]
    checks: list[dict]


def _check_row(file: str, spec: TableSpec, row: Row, checks: list[dict], year_of: Callable[[str], int]) -> None:
    names = {c.name: i for i, c in enumerate(spec.cols)}
    vals = row.values()
    for total, parts in spec.sums:
        t = vals[names[total]][0]
        xs = [vals[names[p]][0] for p in parts]
        known = [x for x in xs if x is not None]
        if t is None:
            continue
        col = spec.cols[names[total]]
        found = sum(known)
        if (len(known) == len(xs) and found != t) or found > t:
            checks.append(dict(
                file=file, line=row.line.number, table=spec.title, check="Zeilensumme",
                year=year_of(total), area_level=row.level, area_code=row.code,
                measure=col.obs[1] if col.obs else total, sex=col.obs[2] if col.obs else "",
                origin=col.obs[3] if col.obs else total, expected=t, found=found, difference=found - t,
                note=f"{total} = {' + '.join(parts)}" + ("" if len(known) == len(xs) else " (Teile unbekannt)"),
            ))
    for pct, count, base in spec.shares:
        p, c, b = vals[names[pct]][0], vals[names[count]][0], vals[names[base]][0]
        if p is None or c is None or not b or abs(c / b * 100 - p) <= PCT_TOLERANCE:
            continue
        col = spec.cols[names[count]]
        checks.append(dict(
            file=file, line=row.line.number, table=spec.title, check="Anteil",
            year=col.obs[0], area_level=row.level, area_code=row.code, measure=col.obs[1], sex=col.obs[2],
            origin=col.obs[3], expected=round(c / b * 100, 1), found=p, difference=round(p - c / b * 100, 2),
            note=f"{pct} = {count}/{base}*100",
        ))


def _check_vertical(file: str, spec: TableSpec, rows: list[Row], checks: list[dict]) -> None:
    by_key = {(r.level, r.code): r for r in rows}
    for row in rows:
        kids = [by_key[k] for k in children_of(row.level, row.code, set(by_key))]
        if not kids:
            continue
        for i, col in enumerate(spec.cols):
            if col.kind != "n" or col.obs is None:
                continue
            t = row.values()[i][0]
            xs = [k.values()[i][0] for k in kids]
            known = [x for x in xs if x is not None]
            if t is None:
                continue
            found = sum(known)
            if (len(known) == len(xs) and found != t) or found > t:
                checks.append(dict(
                    file=file, line=row.line.number, table=spec.title, check="Gebietssumme",
                    year=col.obs[0], area_level=row.level, area_code=row.code, measure=col.obs[1],
                    sex=col.obs[2], origin=col.obs[3], expected=t, found=found, difference=found - t,
                    note="Summe der Teilgebiete" + ("" if len(known) == len(xs) else " (Teile geheim/unbekannt)"),
                ))


def parse_text(text: str, file: str, series: str, edition: int) -> Parsed:
    """Parse one publication's text into observation records (with provenance) and checks."""
    records: list[dict] = []
    checks: list[dict] = []
    builder = SPEC_BUILDERS[series]
    for page in pages(text):
        title = page_title(page)
        head = "\n".join(line.text for line in header_lines(page))
        try:
            spec = builder(title, head, page, edition)
        except SmsParseError as err:
            raise SmsParseError(f"{file}, Zeile {page[0].number}: {err}") from None
        if spec is None:
            continue
        rows: list[Row] = []
        for line, area, tokens in data_rows(page, file):
            if area is None:
                continue
            cands = segmentations(tokens, spec.kinds)
            rows.append(Row(line, area[0], area[1], tokens, cands))
        if not rows:
            continue
        resolve(spec, rows, file)
        spec.title = table_title(page)
        source = f'{SERIES_NAMES[series]} {edition}, "{spec.title}"'
        if spec.note:
            source += f" ({spec.note})"

        def year_of(name: str) -> int:
            col = next(c for c in spec.cols if c.name == name)  # noqa: B023 - called within this iteration
            return col.obs[0] if col.obs else edition

        for row in rows:
            _check_row(file, spec, row, checks, year_of)
            vals = row.values()
            for i, col in enumerate(spec.cols):
                if col.obs is None:
                    continue
                value, flag = vals[i]
                records.append(_record(col.obs, row, value, flag, source, file, edition, spec.rank))
            for _name, parts, obs in spec.derived:
                idx = [next(i for i, c in enumerate(spec.cols) if c.name == p) for p in parts]
                pv = [vals[i] for i in idx]
                if any(v is None for v, _ in pv):
                    value, flag = None, "."
                else:
                    value = int(sum(v for v, _ in pv))
                    flag = "r" if any(f == "r" for _, f in pv) else ("-" if value == 0 else "")
                records.append(_record(obs, row, value, flag, source, file, edition, spec.rank))
        _check_vertical(file, spec, rows, checks)
    _check_sexes(file, records, checks)
    return Parsed(records, checks)


def _record(obs: tuple, row: Row, value, flag: str, source: str, file: str, edition: int, rank: int) -> dict:
    year, measure, sex, origin, age = obs
    return dict(year=year, area_level=row.level, area_code=row.code, measure=measure, sex=sex,
                origin=origin, age=age, value=None if value is None else int(value), flag=flag,
                synthetic=False, source=source, file=file, line=row.line.number, edition=edition, rank=rank)


def _check_sexes(file: str, records: list[dict], checks: list[dict]) -> None:
    """male + female = total for every group printed by sex in this file (same table rank)."""
    groups: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for r in records:
        groups[(r["year"], r["area_level"], r["area_code"], r["measure"], r["origin"], r["age"], r["rank"])][r["sex"]] = r
    for _key, by_sex in groups.items():
        if not {"total", "male", "female"} <= set(by_sex):
            continue
        t, m, f = (by_sex[s]["value"] for s in ("total", "male", "female"))
        known = [x for x in (m, f) if x is not None]
        if t is None:
            continue
        if (len(known) == 2 and m + f != t) or sum(known) > t:
            r = by_sex["total"]
            checks.append(dict(
                file=file, line=r["line"], table=r["source"], check="männlich + weiblich = insgesamt",
                year=r["year"], area_level=r["area_level"], area_code=r["area_code"], measure=r["measure"],
                sex="total", origin=r["origin"], expected=t, found=sum(known), difference=sum(known) - t,
                note=f"männlich {by_sex['male']['flag'] or m}, weiblich {by_sex['female']['flag'] or f} "
                     f"(Zeilen {by_sex['male']['line']}, {by_sex['female']['line']})",
            ))


# ----------------------------------------------------------------------------- merging

def merge(records: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Newest edition wins (cross-section before time series); other differing values -> revisions."""
    df = pd.DataFrame(records)
    df = df.sort_values(["edition", "rank", "line"], ascending=[False, True, True], kind="stable")
    winners = df.drop_duplicates(KEY, keep="first")
    rest = df[df.duplicated(KEY, keep="first")]
    joined = rest.merge(winners, on=KEY, suffixes=("_old", "_new"))
    same = (joined["value_old"].astype("Int64").eq(joined["value_new"].astype("Int64")).fillna(
        joined["value_old"].isna() & joined["value_new"].isna())) & joined["flag_old"].eq(joined["flag_new"])
    rev = joined[~same.astype(bool)]
    revisions = pd.DataFrame({
        **{k: rev[k] for k in KEY},
        "old_value": rev["value_old"].astype("Int64"), "old_flag": rev["flag_old"],
        "old_source": rev["source_old"] + ", " + rev["file_old"] + " Zeile " + rev["line_old"].astype(str),
        "new_value": rev["value_new"].astype("Int64"), "new_flag": rev["flag_new"],
        "new_source": rev["source_new"] + ", " + rev["file_new"] + " Zeile " + rev["line_new"].astype(str),
    }, columns=model.REVISION_COLUMNS)
    obs = winners[model.OBSERVATION_COLUMNS].copy()
    obs["value"] = obs["value"].astype("Int64")
    obs = obs.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    revisions = revisions.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)
    return obs, revisions


#: Groups that are the sum of printed parts; derived where a year's tables give only the parts
#: (the time series 2006-2009 print the five groups but no total with migration history).
DERIVED_SUMS = [
    ("german_mig_personal", ["expellee", "resettler", "naturalised_other"]),
    ("migration", ["foreign", "german_mig_personal", "german_mig_inherited"]),
]


def derive_sums(obs: pd.DataFrame, checks: list[dict]) -> pd.DataFrame:
    """Add missing population totals as sums of their printed parts; check them where printed."""
    for target, parts in DERIVED_SUMS:
        pop = obs[obs["measure"] == "population"]
        cell = ["year", "area_level", "area_code", "sex", "age"]
        wide = pop[pop["origin"].isin([target, *parts])].set_index([*cell, "origin"])["value"].unstack("origin")
        wide = wide.reindex(columns=[target, *parts])
        have_parts = pop[pop["origin"].isin(parts)].groupby(cell)["origin"].nunique().eq(len(parts))
        wide = wide[have_parts.reindex(wide.index, fill_value=False)]
        total = wide[parts].sum(axis=1, min_count=len(parts)).where(wide[parts].notna().all(axis=1))
        printed = wide[target].notna()
        reported = {(c["year"], c["area_level"], c["area_code"], c["sex"], c["origin"]) for c in checks}
        for key in wide.index[printed & total.notna() & (wide[target] != total)]:
            year, level, code, sex, age = key
            if (year, level, code, sex, target) in reported:
                continue  # the table's own row check already reported it
            checks.append(dict(
                file="(alle Ausgaben)", line=0, table="Teilgruppen der Bevölkerung", check="Summe der Teilgruppen",
                year=year, area_level=level, area_code=code, measure="population", sex=sex, origin=target,
                expected=int(wide.loc[key, target]), found=int(total[key]),
                difference=int(total[key] - wide.loc[key, target]), note=f"{target} = {' + '.join(parts)}",
            ))
        absent = wide.index.difference(pop[pop["origin"] == target].set_index(cell).index)
        new = total.reindex(absent)
        rows = new.reset_index().rename(columns={0: "value"})
        rows["value"] = new.to_numpy()
        rows = rows.assign(measure="population", origin=target, synthetic=False,
                           source=f"SMS, abgeleitet: {target} = {' + '.join(parts)} (Summe der gedruckten Teilgruppen)")
        rows["flag"] = rows["value"].isna().map({True: ".", False: ""})
        rows["value"] = rows["value"].astype("Int64")
        obs = pd.concat([obs, rows[model.OBSERVATION_COLUMNS]], ignore_index=True)
    return obs.sort_values(SORT_KEYS, kind="stable").reset_index(drop=True)


def source_files(src: Path) -> list[tuple[Path, str, int]]:
    """(path, series, edition) of every text file the parser understands."""
    out = []
    for path in sorted((Path(src) / "sms-text").glob("SMS_*_*.pdf.txt")):
        m = re.fullmatch(r"SMS_(\w+?)_(\d{4})\.pdf\.txt", path.name)
        if m and m.group(1) in SPEC_BUILDERS:
            out.append((path, m.group(1), int(m.group(2))))
    return out


def build(src: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(observations, revisions, checks) from the source folder (containing sms-text/)."""
    records: list[dict] = []
    checks: list[dict] = []
    files = source_files(Path(src))
    if not files:
        raise SmsParseError(f"{Path(src) / 'sms-text'}: keine Dateien SMS_<Reihe>_<Jahr>.pdf.txt gefunden")
    for path, series, edition in files:
        parsed = parse_text(path.read_text(encoding="utf-8"), path.name, series, edition)
        records += parsed.records
        checks += parsed.checks
    obs, revisions = merge(records)
    obs = model.OBSERVATIONS.validate(derive_sums(obs, checks))
    check_df = pd.DataFrame(checks, columns=CHECK_COLUMNS)
    return obs, revisions, check_df


def summary(obs: pd.DataFrame, revisions: pd.DataFrame, checks: pd.DataFrame) -> str:
    lines = ["Beobachtungen je Merkmal:"]
    for measure, g in obs.groupby("measure"):
        lines.append(f"  {measure}: {len(g)} Zeilen, Jahre {g['year'].min()}–{g['year'].max()}")
    lines.append(f"Revisionen: {len(revisions)}")
    lines.append(f"Prüfungen mit Abweichung: {len(checks)}")
    for file, g in checks.groupby("file"):
        counts = ", ".join(f"{k}: {v}" for k, v in g["check"].value_counts().items())
        lines.append(f"  {file}: {counts}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True, help="Ordner mit sms-text/")
    parser.add_argument("--out", type=Path, default=Path("data"))
    args = parser.parse_args(argv)
    try:
        obs, revisions, checks = build(args.src)
    except SmsParseError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1
    write_atomic(args.out / "observations" / "sms.csv", lambda p: obs.to_csv(p, index=False))
    write_atomic(args.out / "sms_revisions.csv", lambda p: revisions.to_csv(p, index=False))
    write_atomic(args.out / "sms_checks.csv", lambda p: checks.to_csv(p, index=False))
    print(summary(obs, revisions, checks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
