"""The area of a data row, from its cells Ebene, Gebiet-Nr and Gebiet, checked against the city's areas.

The number decides; a name must agree with it, or, without a number, name exactly one area (official
names and known spellings, data/<city>/areas.csv). Every refusal says which cell is wrong and what would be right.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from helpers.core import areas, levels
from helpers.core import city as city_profile
from helpers.intake import cells
from helpers.intake.cells import CellError
from helpers.intake.delivery_context import Context
from helpers.sources.area_names import UNASSIGNED_CODE, normalise_name


@dataclass
class AreaError(Exception):
    """A refused area cell with the role of the column it stands in, so that the problem names that column."""

    role: str
    error: CellError


def parse_area(cell, roles: dict[str, int], context: Context) -> tuple[str, str]:
    """(level, code) from Ebene, Gebiet-Nr and Gebiet; the name must agree with the number."""
    level = None
    if "area_level" in roles:
        try:
            level = cells.parse_level(cell("area_level"))
        except CellError as err:
            raise AreaError("area_level", err) from None
    code_cell, name_cell = cell("area_code"), cell("area_name")
    name = "" if name_cell is None else str(name_cell).strip()
    area = None
    if "area_code" in roles and code_cell not in (None, ""):
        area = _area_code(code_cell, level, context)
    if area is None:
        if name == "":
            if level in ("stadt", "unzugeordnet"):
                return level, areas.city().code if level == "stadt" else UNASSIGNED_CODE
            role = "area_code" if "area_code" in roles else "area_name"
            raise AreaError(role, CellError("Gebiet fehlt", code_cell if role == "area_code" else name_cell,
                                            f"die {levels.hierarchy().base.name}-Nummer (bzw. Gebiet-Nr mit Ebene) "
                                            "oder einen bekannten Gebietsnamen",
                                            "die Gebiet-Nr eintragen oder die Zeile löschen"))
        return _area_by_name(name, name_cell, level, context)
    if name and normalise_name(name) not in context.variants[area]:
        others = [k for k in context.by_name.get(normalise_name(name), ()) if level is None or k[0] == level]
        belongs = f"; „{name}“ ist {context.label(*others[0])}" if others else ""
        what = "Gebietsname passt nicht zur Gebiet-Nr" if others else "unbekannter Gebietsname"
        raise AreaError("area_name", CellError(
           what, name_cell, f"Nr. {area[1]} ist {context.label(*area)}{belongs}",
           "Nummer und Namen prüfen; maßgeblich ist die Nummer – im Zweifel den Namen löschen"))
    return area


def _area_code(code_cell, level: str | None, context: Context) -> tuple[str, str]:
    expected = (f"die amtliche Nummer des Gebiets: {city_profile.profile().area_example}, "
                f"Stadt {areas.city().code}")
    try:
        number = cells.parse_whole(code_cell, "Gebiet-Nr", expected, "die Nummer ohne Zusätze eintragen")
    except CellError as err:
        raise AreaError("area_code", err) from None
    if number == int(areas.city().code) and level in (None, "stadt"):
        return "stadt", areas.city().code
    h = levels.hierarchy()
    target = level or h.base.code  # without „Ebene“ a number is one of the smallest level
    code = _known_code(number, target, context)
    if (target, code) in context.names:
        return target, code
    hint = (f"; für {_others(h)} die Spalte „Ebene“ angeben" if level is None
            else f" auf der Ebene {cells.level_names(h)[target]}")
    valid = ", ".join(sorted(c for (lvl, c) in context.names if lvl == target))
    raise AreaError("area_code", CellError(
       f"unbekannte Gebiet-Nr{hint}", code_cell, f"eine der Nummern {valid}",
       "die Nummer nach der Gebietsgliederung (data/<stadt>/areas.csv, Blatt „Erläuterung“ der Vorlage) korrigieren"))


def _known_code(number: int, level: str, context: Context) -> str:
    """The code as areas.csv writes it: the number, or with its leading zeros where every code of the level has
    the same number of digits (Berlin's 010111, read by Excel as 10111)."""
    code = str(number)
    widths = {len(c) for (lvl, c) in context.names if lvl == level}
    if (level, code) not in context.names and len(widths) == 1:
        return code.zfill(widths.pop())
    return code


def _others(h: levels.Hierarchy) -> str:
    """The levels a number needs „Ebene“ for, largest first: "Stadtbezirke, Teilbereiche und „nicht zuzuordnen“"."""
    return ", ".join(lv.plural for lv in reversed(h.levels[1:])) + (" und " if h.levels[1:] else "") + "„nicht zuzuordnen“"


def _area_by_name(name: str, name_cell, level: str | None, context: Context) -> tuple[str, str]:
    found = [k for k in context.by_name.get(normalise_name(name), ()) if level is None or k[0] == level]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise AreaError("area_name", CellError(
           "Gebietsname mehrdeutig", name_cell, " oder ".join(context.label(*k) for k in found),
           "die Spalte „Ebene“ oder die Gebiet-Nr ergänzen"))
    spellings = sorted({n for (lvl, _), n in context.names.items() if level is None or lvl == level})
    close = difflib.get_close_matches(name, spellings, n=3, cutoff=0.6)
    hint = f" (ähnlich: {', '.join(close)})" if close else ""
    raise AreaError("area_name", CellError(
       "unbekannter Gebietsname", name_cell, f"ein amtlicher Gebietsname oder eine bekannte Schreibweise{hint}",
       "die Gebiet-Nr eintragen (maßgeblich ist die Nummer) oder den Namen wie in der Vorlage schreiben"))
