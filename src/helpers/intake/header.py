"""The header of a delivery: which column plays which role; unknown, unnamed, doubled and missing columns.

A column is known by its German heading (`cells.HEADERS`); without a required column the rows cannot be read.
"""

from __future__ import annotations

from dataclasses import replace

from helpers.core.problems import Location
from helpers.intake import cells
from helpers.intake.cells import HEADERS
from helpers.intake.problems import Problem
from helpers.intake.table import Table


def column_letter(table: Table, index: int) -> str | None:
    """The Excel letter of a column, for messages; None for a CSV file (it has no letters)."""
    return table.letters[index] if index < len(table.letters) else None


def column_roles(table: Table) -> tuple[dict[str, int], list[Problem], bool]:
    """Map the header to column roles; unknown, unnamed, doubled and missing columns are problems.

    Returns the roles, the problems and whether all required columns are there.
    """
    roles: dict[str, int] = {}
    problems: list[Problem] = []
    allowed = ", ".join(names[0] for names in HEADERS.values())
    at_header = Location(table.file, sheet=table.sheet, row=table.header_row)
    for i, header in enumerate(table.header):
        letter = column_letter(table, i)
        if header is None or str(header).strip() == "":
            if any(i < len(c) and c[i] not in (None, "") for _, c in table.rows):
                problems.append(Problem(replace(at_header, letter=letter or f"Nr. {i + 1}"), "Spalte ohne Überschrift enthält Werte",
                                        found=None, expected=f"eine Überschrift aus: {allowed}",
                                        fix="die Überschrift eintragen oder die Spalte löschen"))
            continue
        role = cells.header_role(header)
        if role is None:
            problems.append(Problem(replace(at_header, column=str(header), letter=letter), "unbekannte Spalte", found=str(header),
                                    expected=f"nur die Spalten der Vorlage: {allowed}",
                                    fix="die Spalte wie in der Vorlage benennen oder löschen "
                                        "(Erläuterungen gehören in die Spalte „Beschreibung“)"))
        elif role in roles:
            problems.append(Problem(replace(at_header, column=str(header), letter=letter), "Spalte doppelt vorhanden", found=str(header),
                                    expected=f"jede Spalte nur einmal (schon in Spalte „{table.header[roles[role]]}“)",
                                    fix="eine der beiden Spalten löschen"))
        else:
            roles[role] = i
    missing = [HEADERS[r][0] for r in cells.REQUIRED_ROLES if r not in roles]
    if not any(r in roles for r in cells.AREA_ROLES):
        missing.append(f"{HEADERS['area_code'][0]} (oder {HEADERS['area_name'][0]})")
    for name in missing:
        problems.append(Problem(replace(at_header, column=name), f"Pflichtspalte „{name}“ fehlt",
                                found=", ".join(str(h) for h in table.header if h not in (None, "")),
                                expected=f"die Spalten {allowed} (Pflicht: Jahr, Gebiet-Nr oder Gebiet, Merkmal, Wert)",
                                fix=f"die Spalte „{name}“ ergänzen – am einfachsten die Vorlage aus "
                                    "`make templates` verwenden"))
    return roles, problems, not missing
