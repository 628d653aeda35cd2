"""Every problem of a delivery, collected before anything is stored: the entry of the checks.

`validate(path, context)` reads one file and returns the observations it yields together
with all its problems: the columns (`header`), every cell (`row_parsing`, `area_cells`: type, labels,
areas, measures, symbols, year range), and the rows against each other (duplicates, and every
part-whole relation that `consistency` derives from the catalogue and the area hierarchy). `across()`
checks the same relations between the files of one ingest and against the stored values. `jumps.jumps()`
compares the values with the latest earlier year already stored; large jumps are warnings that the user
must confirm. A delivery is stored only if it has no error (see `ingest`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.core.fileio import sha256_file
from helpers.core.model import KEY
from helpers.intake import consistency
from helpers.intake.checked_rows import Sources
from helpers.intake.delivery import ROW_COLUMNS, Delivery
from helpers.intake.delivery_context import Context
from helpers.intake.header import column_letter, column_roles
from helpers.intake.problems import Problem
from helpers.intake.read import ReadError, Table, read_table
from helpers.intake.relation_wording import group_label
from helpers.intake.row_parsing import parse_row

#: Delivery and Context are what validate returns and takes: callers name them as validation.Delivery, validation.Context.
__all__ = ["Context", "Delivery", "across", "cross_checks", "validate", "validate_table"]


def validate(path: Path, context: Context) -> Delivery:
    """Read and check one delivery; every problem found is in `Delivery.problems`."""
    path = Path(path)
    delivery = Delivery(path=path, sha256=sha256_file(path))
    try:
        table = read_table(path)
    except ReadError as exc:
        delivery.problems = exc.problems
        return delivery
    return validate_table(delivery, table, context)


def validate_table(delivery: Delivery, table: Table, context: Context) -> Delivery:
    """Check the cells of a table already read (a delivery, or a city's own file converted to the template's
    columns by `city_data`), so that every file takes the same checks; fills and returns `delivery`."""
    delivery.sheet, delivery.info = table.sheet, table.info
    roles, problems, complete = column_roles(table)
    delivery.problems += problems
    if "value" in roles:
        delivery.value_column = str(table.header[roles["value"]])
        delivery.value_letter = column_letter(table, roles["value"])
    if not complete:  # without a required column the rows cannot be read
        return delivery
    if not table.rows:
        delivery.problems.append(delivery.at_row(None, "Keine Datenzeilen unter der Kopfzeile", None,
                                                 "mindestens eine Zeile mit Jahr, Gebiet, Merkmal und Wert",
                                                 "die Werte unter die Kopfzeile eintragen"))
        return delivery
    good = []
    memo: dict = {}  # a delivery repeats few labels many times: parse each distinct cell once
    for number, row_cells in table.rows:
        parsed, row_problems = parse_row(table, roles, number, row_cells, context, memo)
        delivery.problems += row_problems
        if parsed is not None and not row_problems:
            good.append(parsed)
    frame = pd.DataFrame(good, columns=ROW_COLUMNS)
    frame["value"] = frame["value"].astype("Int64")
    frame["year"] = frame["year"].astype(int)
    delivery.rows = frame
    delivery.problems += cross_checks(delivery, context)
    return delivery


def cross_checks(delivery: Delivery, context: Context) -> list[Problem]:
    rows = delivery.rows
    if rows.empty:
        return []
    problems = _duplicates(delivery, context)
    unique = rows.drop_duplicates(KEY, keep="first")
    valued = unique[unique["value"].notna()].assign(src=1, where="")
    sources = Sources({1: delivery.name}, {1: delivery.at_value}, cross=False)
    return problems + consistency.check(valued, context.rules, sources, context)


def across(deliveries: list[Delivery], stored: pd.DataFrame, context: Context,
           revised: list[pd.DataFrame] | None = None) -> list[Problem]:
    """The relations between the files of one ingest and the stored values (each file alone: `cross_checks`).

    The files' rows replace stored rows with the same key (a later file an earlier one: two files
    giving one key different values are refused by the ingest). Demo values and missing values
    („.“, „…“, „x“) are not compared; only relations that involve a delivered value and two
    different sources are reported. `revised` (per file, the keys it revises with --revise): see
    `checked_rows.Sources.keep`.
    """
    frames = []
    for src, d in enumerate(deliveries, start=1):
        rows = d.rows.drop_duplicates(KEY, keep="first")
        rows = rows[rows["value"].notna()][[*KEY, "value", "row"]].assign(src=src, where="", revised=False)
        if revised and len(revised[src - 1]):
            hit = rows[KEY].merge(revised[src - 1][KEY].drop_duplicates(), on=KEY, how="left", indicator=True)
            rows["revised"] = (hit["_merge"] == "both").to_numpy()
        frames.append(rows)
    new = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if new.empty:
        return []
    years = set(new["year"])
    old = stored[~stored["synthetic"] & stored["value"].notna() & stored["year"].isin(years)]
    old = old[[*KEY, "value", "source"]].rename(columns={"source": "where"}).assign(src=0, row=-1, revised=False)
    if old.empty and len(deliveries) == 1:
        return []  # one file and nothing stored to compare with: cross_checks saw it all
    # a value delivered as it is stored changes nothing: it stands as stored (a relation the store
    # already broke is no fault of this delivery)
    same = new[[*KEY, "value"]].merge(old[[*KEY, "value"]].drop_duplicates(KEY), on=[*KEY, "value"], how="left",
                                      indicator=True)["_merge"].eq("both").to_numpy()
    new = new[~same]
    if new.empty:
        return []
    rows = pd.concat([old, new], ignore_index=True).drop_duplicates(KEY, keep="last")
    sources = Sources({i: d.name for i, d in enumerate(deliveries, start=1)},
                                  {i: d.at_value for i, d in enumerate(deliveries, start=1)}, cross=True)
    return consistency.check(rows, context.rules, sources, context)


def _duplicates(delivery: Delivery, context: Context) -> list[Problem]:
    rows = delivery.rows
    doubled = rows[rows.duplicated(KEY, keep="first")]
    if doubled.empty:
        return []
    first = rows.drop_duplicates(KEY, keep="first")[[*KEY, "row"]].rename(columns={"row": "first"})
    out = []
    for r in doubled.merge(first, on=KEY, how="left").itertuples(index=False):
        out.append(delivery.at_row(
            r.row, f"Zeile doppelt: gleiche Angaben wie Zeile {r.first}",
            f"{r.measure}, {r.year}, {context.label(r.area_level, r.area_code)}, {group_label(r.sex, r.origin, r.age)}",
            "jede Kombination aus Jahr, Gebiet, Merkmal, Geschlecht, Herkunft und Alter nur einmal",
            "eine der beiden Zeilen löschen oder Gebiet bzw. Gruppe korrigieren"))
    return out
