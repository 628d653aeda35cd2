"""One data row of a delivery into an observation, or the problems of its cells (all of them).

Year, measure, groups, value and flag, and the area (`area_cells`), each parsed once per distinct cell
(a delivery repeats few labels many times) and checked against what the city knows (`delivery_context`).
"""

from __future__ import annotations

import datetime as dt
import difflib

from helpers.core import city as city_profile
from helpers.core.problems import Location
from helpers.intake import cells
from helpers.intake.area_cells import AreaError, parse_area
from helpers.intake.cells import CellError
from helpers.intake.delivery_context import Context
from helpers.intake.header import column_letter
from helpers.intake.problems import Problem
from helpers.intake.table import Table

#: Plausible delivery years: the monitoring's series start in the 1990s; no future years.
MIN_YEAR = 1990


def max_year() -> int:
    """The latest plausible year: the current one (no deliveries for future years)."""
    return dt.date.today().year


def parsed_once(memo: dict, key: tuple, parse):
    """parse() once per key: its result, or the same error raised again."""
    if key not in memo:
        try:
            memo[key] = (True, parse())
        except (CellError, AreaError) as err:
            memo[key] = (False, err)
    ok, result = memo[key]
    if not ok:
        raise result
    return result


def parse_row(table: Table, roles: dict[str, int], number: int, row: list[object], context: Context,
              memo: dict | None = None):
    """One data row -> observation dict, or the problems of its cells (all of them)."""
    memo = {} if memo is None else memo
    problems: list[Problem] = []

    def cell(role: str) -> object:
        i = roles.get(role)
        return row[i] if i is not None and i < len(row) else None

    def problem(role: str, err: CellError) -> None:
        column = str(table.header[roles[role]]) if role in roles else None
        where = Location(table.file, sheet=table.sheet, row=number, column=column,
                         letter=column_letter(table, roles[role]) if role in roles else None)
        problems.append(Problem(where, err.what, found=None if err.found is None else str(err.found),
                                expected=err.expected, fix=err.fix))

    extra = [i for i in range(len(table.header), len(row)) if row[i] not in (None, "")]
    if extra:
        hint = (" – steht in einer durch Komma getrennten Datei ein Dezimalkomma? Dann „;“ als Trennzeichen verwenden"
                if table.separator == "," else "")
        letter = column_letter(table, extra[0]) or f"Nr. {extra[0] + 1}"
        problems.append(Problem(Location(table.file, sheet=table.sheet, row=number, letter=letter),
                                f"mehr Felder als Spalten in der Kopfzeile ({len(row)} statt {len(table.header)})",
                                found=", ".join(str(row[i]) for i in extra),
                                expected="so viele Felder wie Spalten in der Kopfzeile",
                                fix="überzählige Einträge löschen oder eine Überschrift ergänzen" + hint))
    out: dict[str, object] = {"row": number}
    parsers = {
        "year": _year,
        "measure": lambda c: _measure(c, context),
        "sex": cells.parse_sex,
        "origin": cells.parse_origin,
        "age": cells.parse_age,
    }
    for role, parser in parsers.items():
        if role not in roles:
            out[role] = "total"
            continue
        value = cell(role)
        try:
            out[role] = parsed_once(memo, (role, type(value), value), lambda parser=parser, value=value: parser(value))
        except CellError as err:
            problem(role, err)
    try:
        out["value"], out["flag"] = cells.parse_value(cell("value"), cell("flag"))
    except CellError as err:
        flag_error = err.what == "kein amtliches Zeichen" and "flag" in roles and err.found == cell("flag")
        if flag_error and table.separator == "," and str(err.found).isdigit():
            err.fix += ("; steht in dieser durch Komma getrennten Datei ein Dezimalkomma im Wert? Dann „;“ als "
                        "Trennzeichen verwenden oder die Zahl in Anführungszeichen setzen")
        problem("flag" if flag_error else "value", err)
    area_cells = tuple((type(c), c) for c in (cell("area_level"), cell("area_code"), cell("area_name")))
    try:
        out["area_level"], out["area_code"] = parsed_once(memo, ("area", area_cells), lambda: parse_area(cell, roles, context))
    except AreaError as err:
        problem(err.role, err.error)
    return (out if not problems else None), problems


def _year(cell: object) -> int:
    expected = f"ein Jahr zwischen {MIN_YEAR} und {max_year()} als vierstellige Zahl"
    year = cells.parse_whole(cell, "Jahr", expected, "das Berichtsjahr als Zahl eintragen, z. B. 2018")
    if not MIN_YEAR <= year <= max_year():
        raise CellError("Jahr außerhalb des plausiblen Bereichs", cell, expected,
                        "das Jahr prüfen: gemeint ist das Jahr, für das die Werte gelten "
                        f"(Stichtag {city_profile.profile().reference_date})")
    return year


def _measure(cell: object, context: Context) -> str:
    text = "" if cell is None else str(cell).strip()
    if text == "":
        raise CellError("Merkmal fehlt", cell, "die Kennung eines Merkmals aus der Vorlage, z. B. „unemployed“",
                        "das Merkmal aus der Vorlage übernehmen oder die Zeile löschen")
    measure = text.lower()
    if measure in context.measures:
        return measure
    close = difflib.get_close_matches(measure, sorted(context.measures), n=3, cutoff=0.6)
    hint = f" (ähnlich: {', '.join(close)})" if close else ""
    raise CellError("unbekanntes Merkmal", cell, f"eine Merkmal-Kennung aus dem Indikatorkatalog{hint}",
                    "die Kennung aus der Vorlage übernehmen; ein neues Merkmal muss erst in data/<stadt>/catalogue.yml "
                    "einem Indikator zugeordnet werden")
