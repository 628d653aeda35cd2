"""Münster's statistical areas: the hierarchy Stadtteil -> Teilbereich -> Stadtbezirk -> Stadt.

Their official names, the spellings met in the sources, and `area_table` (data/<city>/areas.csv).

Codes are the keys (names differ between sources). The Stadtteil number is the official
two-digit "Statistischer Bezirk"; its first digit names the Teilbereich (1-4 are the four
Teilbereiche of Stadtbezirk Mitte, 5-9 are the outer Stadtbezirke, each its own single
Teilbereich). Stadtbezirk codes reuse that digit: Mitte is 1.

Below the Stadtteile lie the 174 Stadtzellen (three-digit numbers whose first two digits are
the Stadtteil, e.g. 342 lies in 34 Düesberg). Their names come from the boundary file, not
from this module, so `area_table` takes them as an argument; `helpers.sources.muenster.boundaries`
checks the number-derived parent against the geometry.
"""

from __future__ import annotations

import pandas as pd

from helpers.sources.area_names import UNASSIGNED_CODE

CITY_CODE = "05515000"  # Amtlicher Gemeindeschlüssel

CITY_NAME = "Stadt Münster"

#: The finer statistical level: in areas.csv and geo/, not (yet) in the observations or LEVELS.
STADTZELLE = "stadtzelle"
LEVEL_NAMES_DE = {
    "stadtzelle": "Stadtzelle",
    "stadtteil": "Stadtteil",
    "teilbereich": "Teilbereich",
    "stadtbezirk": "Stadtbezirk",
    "stadt": "Stadt",
    "unzugeordnet": "nicht zuzuordnen",
}

TEILBEREICHE = {
    "1": "Altstadt",
    "2": "Innenstadtring",
    "3": "Mitte-Süd",
    "4": "Mitte-Nordost",
    "5": "West",
    "6": "Nord",
    "7": "Ost",
    "8": "Südost",
    "9": "Hiltrup",
}
STADTBEZIRKE = {"1": "Mitte", "5": "West", "6": "Nord", "7": "Ost", "8": "Südost", "9": "Hiltrup"}

#: Official Stadtteil names as printed in the SMS tables (the boundary file spells 34 "Düesbergweg").
STADTTEILE = {
    "11": "Aegidii", "12": "Überwasser", "13": "Dom", "14": "Buddenturm", "15": "Martini",
    "21": "Pluggendorf", "22": "Josef", "23": "Bahnhof", "24": "Hansaplatz", "25": "Mauritz-West",
    "26": "Schlachthof", "27": "Kreuz", "28": "Neutor", "29": "Schloss",
    "31": "Aaseestadt", "32": "Geist", "33": "Schützenhof", "34": "Düesberg",
    "43": "Hafen", "44": "Herz-Jesu", "45": "Mauritz-Mitte", "46": "Rumphorst", "47": "Uppenberg",
    "51": "Gievenbeck", "52": "Sentrup", "54": "Mecklenbeck", "56": "Albachten", "57": "Roxel",
    "58": "Nienberge",
    "61": "Coerde", "62": "Kinderhaus-Ost", "63": "Kinderhaus-West", "68": "Sprakel",
    "71": "Mauritz-Ost", "76": "Gelmer-Dyckburg", "77": "Handorf",
    "81": "Gremmendorf-West", "82": "Gremmendorf-Ost", "86": "Angelmodde", "87": "Wolbeck",
    "91": "Berg Fidel", "95": "Hiltrup-Ost", "96": "Hiltrup-Mitte", "97": "Hiltrup-West",
    "98": "Amelsbüren",
}

#: Spellings met in the sources besides the official name (abbreviations, a misspelling,
#: the boundary file's street name). Matching also ignores blanks around hyphens and case.
STADTTEIL_ALIASES = {
    "31": ["Aasseestadt"],
    "34": ["Düesbergweg", "Duisberg"],
    "62": ["Kinderh.-Ost"],
    "63": ["Kinderh.-West"],
    "81": ["Gremmend.-W.", "Gremmend.-West"],
    "82": ["Gremmend.-Ost", "Gremmend.-O."],
}
AGGREGATE_ALIASES = {
    ("stadtbezirk", "1"): ["Stadtbezirk Mitte", "Stadtbezirk Mite", "Münster-Mitte"],
    ("stadtbezirk", "5"): ["Stadtbezirk West", "Münster-West"],
    ("stadtbezirk", "6"): ["Stadtbezirk Nord", "Münster-Nord"],
    ("stadtbezirk", "7"): ["Stadtbezirk Ost", "Münster-Ost"],
    ("stadtbezirk", "8"): ["Stadtbezirk Südost", "Münster-Südost"],
    ("stadtbezirk", "9"): ["Stadtbezirk Hiltrup", "Münster-Hiltrup"],
    ("stadt", CITY_CODE): ["Münster", "Stadt"],
}


def teilbereich_of(stadtteil: str) -> str:
    return stadtteil[0]


def stadtteil_of_cell(cell: str) -> str:
    """The Stadtteil a Stadtzelle belongs to: its number without the last digit (342 -> 34)."""
    if not (len(cell) == 3 and cell.isdigit()):
        raise ValueError(f"Stadtzellen-Nummer {cell!r} ist nicht dreistellig.")
    return cell[:2]


def stadtbezirk_of(stadtteil: str) -> str:
    digit = stadtteil[0]
    return "1" if digit in "1234" else digit


def area_table(stadtzellen: dict[str, str] | None = None) -> pd.DataFrame:
    """All areas of every level, one row each, with their parent and accepted name variants.

    `stadtzellen` (code -> name, from the boundary file) adds the Stadtzelle rows at the end,
    so the rows of the coarser levels keep their order whether or not cells are included.
    """
    rows: list[dict[str, str]] = []
    for code, name in STADTTEILE.items():
        rows.append(
            dict(level="stadtteil", code=code, name=name, parent_level="teilbereich",
                 parent_code=teilbereich_of(code), aliases="|".join(STADTTEIL_ALIASES.get(code, [])))
        )
    for code, name in TEILBEREICHE.items():
        rows.append(
            dict(level="teilbereich", code=code, name=name, parent_level="stadtbezirk",
                 parent_code=stadtbezirk_of(code + "0"), aliases="")
        )
    for code, name in STADTBEZIRKE.items():
        rows.append(
            dict(level="stadtbezirk", code=code, name=name, parent_level="stadt",
                 parent_code=CITY_CODE,
                 aliases="|".join(AGGREGATE_ALIASES.get(("stadtbezirk", code), [])))
        )
    rows.append(
        dict(level="stadt", code=CITY_CODE, name=CITY_NAME, parent_level="", parent_code="",
             aliases="|".join(AGGREGATE_ALIASES[("stadt", CITY_CODE)]))
    )
    rows.append(
        dict(level="unzugeordnet", code=UNASSIGNED_CODE, name="nicht zuzuordnen",
             parent_level="stadt", parent_code=CITY_CODE, aliases="")
    )
    for code, name in sorted((stadtzellen or {}).items()):
        parent = stadtteil_of_cell(code)
        if parent not in STADTTEILE:
            raise ValueError(f"Stadtzelle {code} ({name}): Stadtteil {parent} gibt es nicht.")
        rows.append(dict(level=STADTZELLE, code=code, name=name, parent_level="stadtteil",
                         parent_code=parent, aliases=""))
    return pd.DataFrame(rows)
