"""Cell by cell: German column names and labels, official symbols, German number formats.

Departments write numbers the German way ("1.234", "1 234", "12,0"), use the official
symbols (Zeichenerklärung) and German labels ("weiblich", "Ausländer/-innen", "65 und älter").
Every function here turns one cell into the schema's code or raises `CellError`, which says
what was found, what is expected and how to fix it. Both German labels and the schema's
English codes are accepted.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass

from helpers.core import areas, levels
from helpers.core.catalogue import GROUP_LABELS
from helpers.core.model import MISSING_FLAGS, ORIGINS

#: Column roles -> accepted headers (compared without case, blanks, hyphens, dots, underscores).
#: The first name is the one the templates use.
HEADERS: dict[str, list[str]] = {
    "year": ["Jahr", "Berichtsjahr", "year"],
    "area_level": ["Ebene", "Gebietsebene", "area_level"],
    "area_code": ["Gebiet-Nr", "Gebietsnummer", "Gebiet-Nummer", "Stadtteil-Nr", "Stadtteilnummer",
                  "Stadtteil-Nummer", "area_code"],
    "area_name": ["Gebiet", "Gebietsname", "Stadtteil", "Stadtteilname", "area_name"],
    "measure": ["Merkmal", "Merkmal-ID", "measure"],
    "note": ["Beschreibung", "Anmerkung", "Bemerkung", "Hinweis"],
    "sex": ["Geschlecht", "sex"],
    "origin": ["Herkunft", "origin"],
    "age": ["Alter", "Altersgruppe", "age"],
    "value": ["Wert", "Anzahl", "value"],
    "flag": ["Zeichen", "Kennzeichen", "flag"],
}
#: Roles a delivery must have; the area is given by number or by name (or both).
REQUIRED_ROLES = ("year", "measure", "value")
AREA_ROLES = ("area_code", "area_name")

TOTAL_WORDS = ["insgesamt", "gesamt", "zusammen", "alle", "total"]
SEX_LABELS: dict[str, list[str]] = {
    "total": TOTAL_WORDS,
    "male": ["männlich", "maennlich", "männer", "mann", "m", "male"],
    "female": ["weiblich", "frauen", "frau", "w", "female"],
}
SEX_DE = {"total": "insgesamt", "male": "männlich", "female": "weiblich"}
ORIGIN_EXTRA: dict[str, list[str]] = {
    "total": TOTAL_WORDS,
    "foreign": ["Ausländer", "Ausländerinnen", "Ausländer/innen", "AusländerInnen",
                "Ausländerinnen und Ausländer", "nichtdeutsch", "nichtdeutsche", "ausländisch"],
    "german": ["deutsch"],
    "migration": ["mit Migrationshintergrund", "mit MV", "Migrationsvorgeschichte"],
    "no_migration": ["ohne Migrationshintergrund", "ohne MV"],
}
#: Other words offices use for a level, by the German name a city gives it (config/<city>/city.yml); a word that
#: is itself the name of another declared level means that level.
LEVEL_SYNONYMS: dict[str, list[str]] = {
    "Stadtteil": ["Statistischer Bezirk"],
    "Stadtbezirk": ["Bezirk"],
}
#: The levels every city has besides its declared ones, with the words accepted for them.
CITY_WORDS = ["Stadt", "Gesamtstadt"]  # and the city's own names (parse_level)
UNASSIGNED_WORDS = ["nicht zuzuordnen", "unzugeordnet", "ohne Zuordnung"]
#: Official symbols and the spellings met in offices (en dash for "-", three dots for "…").
SYMBOLS: dict[str, list[str]] = {
    "-": ["-", "–", "—"],
    ".": ["."],
    "…": ["…", "..."],
    "x": ["x", "X"],
    "r": ["r"],
    "p": ["p"],
}
SYMBOLS_TEXT = "„-“ (genau null), „.“ (geheim/nicht verfügbar), „…“ (liegt noch nicht vor), „x“ (nicht sinnvoll)"
VALUE_EXPECTED = f"eine ganze Zahl ≥ 0 (Anzahl) oder eines der Zeichen {SYMBOLS_TEXT}; „r“ oder „p“ nur hinter einer Zahl"


@dataclass
class CellError(Exception):
    """A cell that cannot be read; the validator adds file, sheet, row and column."""

    what: str
    found: object
    expected: str
    fix: str


def norm(text: object) -> str:
    """Comparable form of a label: NFC, single blanks, casefolded."""
    text = unicodedata.normalize("NFC", str(text)).replace("\u00a0", " ").strip()
    return re.sub(r"\s+", " ", text).casefold()


def norm_header(text: object) -> str:
    return re.sub(r"[\s\-_./]", "", norm(text))


HEADER_INDEX = {norm_header(name): role for role, names in HEADERS.items() for name in names}


def header_role(header: object) -> str | None:
    return HEADER_INDEX.get(norm_header(header)) if header is not None else None


def _index(labels: dict[str, list[str]], codes: list[str]) -> dict[str, str]:
    index = {norm(code): code for code in codes}
    for code, names in labels.items():
        index.update({norm(name): code for name in names})
    return index


SEX_INDEX = _index(SEX_LABELS, list(SEX_LABELS))
ORIGIN_INDEX = _index(
    {code: [GROUP_LABELS[code]] + ORIGIN_EXTRA.get(code, []) for code in ORIGINS if code in GROUP_LABELS}
    | {code: names for code, names in ORIGIN_EXTRA.items() if code not in GROUP_LABELS},
    ORIGINS,
)
SYMBOL_INDEX = {alias: flag for flag, aliases in SYMBOLS.items() for alias in aliases}


def origin_label(code: str) -> str:
    """The German label a template writes for an origin code."""
    return "insgesamt" if code == "total" else GROUP_LABELS.get(code, code)


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).replace("\u00a0", " ").replace("\u202f", " ").strip()


def _label(cell: object, index: dict[str, str], what: str, allowed: str) -> str:
    text = _text(cell)
    if isinstance(cell, (dt.date, dt.datetime)):
        raise CellError(f"Datum statt {what}", cell, allowed,
                        "die Zelle als Text formatieren und den Eintrag neu schreiben (Excel deutet z. B. „3-5“ als Datum)")
    if text == "":
        raise CellError(f"{what} fehlt", cell, allowed, f"{what} eintragen oder die Zeile löschen")
    code = index.get(norm(text))
    if code is None:
        raise CellError(f"unbekannte Angabe für {what}", cell, allowed, f"eine der erlaubten Angaben für {what} eintragen")
    return code


def parse_sex(cell: object) -> str:
    return _label(cell, SEX_INDEX, "Geschlecht", "insgesamt, männlich oder weiblich")


def parse_origin(cell: object) -> str:
    allowed = ", ".join(origin_label(c) for c in ORIGINS)
    return _label(cell, ORIGIN_INDEX, "Herkunft", allowed)


def level_names(hierarchy: levels.Hierarchy | None = None) -> dict[str, str]:
    """Level code -> the German name a delivery writes in „Ebene“: the city's declared levels, smallest first
    (config/<city>/city.yml), then „Stadt“ and „nicht zuzuordnen“ (Münster: Stadtteil, Teilbereich, Stadtbezirk, …)."""
    h = levels.hierarchy() if hierarchy is None else hierarchy
    return {**{lv.code: lv.name for lv in h.levels}, levels.CITY: CITY_WORDS[0], levels.UNASSIGNED: UNASSIGNED_WORDS[0]}


@functools.lru_cache(maxsize=8)
def _level_index(h: levels.Hierarchy, city_name: str, city_short: str) -> dict[str, str]:
    labels: dict[str, list[str]] = {lv.code: [lv.name, lv.plural] for lv in h.levels}
    names = {norm(lv.name) for lv in h.levels}
    for lv in h.levels:
        labels[lv.code] += [w for w in LEVEL_SYNONYMS.get(lv.name, []) if norm(w) not in names]
    labels[levels.CITY] = [*CITY_WORDS, city_name, city_short]
    labels[levels.UNASSIGNED] = UNASSIGNED_WORDS
    return _index(labels, list(labels))


def parse_level(cell: object) -> str:
    """An area level: a declared level of the city (its code, name or plural), the city (also by its official and
    short name, data/<city>/areas.csv) or „nicht zuzuordnen“."""
    city, h = areas.city(), levels.hierarchy()
    return _label(cell, _level_index(h, city.name, city.short), "Ebene", ", ".join(level_names(h).values()))


AGE_EXPECTED = "„insgesamt“, eine Altersgruppe wie „15-64“ oder „15 bis unter 65“, oder „65+“ / „65 und älter“"
_AGE_PATTERNS: list[tuple[re.Pattern[str], object]] = [
    (re.compile(r"^(\d+)\s*(?:-|–|bis)\s*(\d+)$"), lambda a, b: (int(a), int(b))),
    (re.compile(r"^(\d+)\s*bis\s*unter\s*(\d+)$"), lambda a, b: (int(a), int(b) - 1)),
    (re.compile(r"^unter\s*(\d+)$"), lambda b: (0, int(b) - 1)),
    (re.compile(r"^(?:ab\s*)?(\d+)\s*(?:\+|und\s*(?:älter|mehr)|oder\s*älter)$"), lambda a: (int(a), None)),
    (re.compile(r"^ab\s*(\d+)$"), lambda a: (int(a), None)),
]


def parse_age(cell: object) -> str:
    """'insgesamt' -> total; '15-64', '15 bis unter 65' -> 15-64; '65+', '65 und älter' -> 65+."""
    if isinstance(cell, (dt.date, dt.datetime)):
        raise CellError("Datum statt Altersgruppe", cell, AGE_EXPECTED,
                        "die Zelle als Text formatieren und die Altersgruppe neu eintragen (Excel deutet „3-5“ als Datum)")
    text = norm(_text(cell))
    if text == "":
        raise CellError("Altersgruppe fehlt", cell, AGE_EXPECTED, "die Altersgruppe eintragen oder die Zeile löschen")
    if text in TOTAL_WORDS:
        return "total"
    text = re.sub(r"\s*(jahre|jahren|j\.)$", "", text)
    text = re.sub(r"\s*(jahre|jahren)\s+", " ", text)
    for pattern, convert in _AGE_PATTERNS:
        match = pattern.match(text)
        if match:
            low, high = convert(*match.groups())
            if high is None:
                return f"{low}+"
            if low <= high:
                return f"{low}-{high}"
    raise CellError("unbekannte Altersgruppe", cell, AGE_EXPECTED, "die Altersgruppe in einer der erwarteten Formen eintragen")


#: The largest count the store holds exactly (counts become float64 in the indicators: 2**53 - 1).
MAX_COUNT = 2**53 - 1
MAX_COUNT_TEXT = "9.007.199.254.740.991"
#: Digits of a year or an area number; more is no identifier.
MAX_ID_DIGITS = 12


def parse_whole(cell: object, what: str, expected: str, fix: str) -> int:
    """A whole number from an int, an integral float or digits (for year and area numbers)."""
    if isinstance(cell, bool) or isinstance(cell, (dt.date, dt.datetime)):
        raise CellError(f"{what} ist keine Zahl", cell, expected, fix)
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, int):
        if abs(cell) >= 10**MAX_ID_DIGITS:
            raise CellError(f"{what} zu lang", _shorten(cell), expected, fix)
        return cell
    text = _text(cell)
    if re.fullmatch(r"\d+", text):
        if len(text) > MAX_ID_DIGITS:
            raise CellError(f"{what} zu lang ({len(text)} Ziffern)", _shorten(text), expected, fix)
        return int(text)
    if text == "":
        raise CellError(f"{what} fehlt", cell, expected, fix)
    raise CellError(f"{what} ist keine ganze Zahl", cell, expected, fix)


def parse_flag(cell: object) -> str:
    """The Zeichen column: empty or one official symbol."""
    text = _text(cell)
    if text == "":
        return ""
    if text in SYMBOL_INDEX:
        return SYMBOL_INDEX[text]
    raise CellError("kein amtliches Zeichen", cell,
                    f"leer oder eines der Zeichen {SYMBOLS_TEXT}, „r“ (berichtigt), „p“ (vorläufig)",
                    "das Zeichen nach der Zeichenerklärung (Blatt „Erläuterung“ der Vorlage) eintragen oder die Zelle leeren")


WHOLE_EXPECTED = "eine ganze Zahl (Anzahl, keine Quote)"
WHOLE_FIX = "die Anzahl ohne Nachkommastellen eintragen; Quoten und Anteile berechnet das Monitoring selbst"
NEGATIVE_FIX = "die Anzahl prüfen; für „genau null“ das Zeichen „-“ oder 0 eintragen"
_GROUPED = [
    (re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$"), "."),   # 1.234 / 1.234,0
    (re.compile(r"^\d{1,3}( \d{3})+(,\d+)?$"), " "),    # 1 234
    (re.compile(r"^\d+(,\d+)?$"), ""),                  # 1234 / 12,0
]
_WITH_SYMBOL = re.compile(r"^(?P<num>[+\-–]?\s*[\d][\d., ]*?)\s*(?P<sym>[rp])$")


#: "2,000": a decimal comma with three digits, or an English thousands separator – read neither way.
_AMBIGUOUS = re.compile(r"^\d{1,3},\d{3}$")
_ENGLISH_GROUPED = re.compile(r"^\d{1,3}(,\d{3}){2,}(\.\d+)?$")


def _shorten(value: object, keep: int = 30) -> str:
    """A cell's text for a message: very long numbers or texts shortened, with their length."""
    text = str(value)
    return text if len(text) <= keep else f"{text[:keep]} … ({len(text):,} Zeichen)".replace(",", ".")


def _too_large(found: object) -> CellError:
    return CellError("Zahl zu groß", _shorten(found), f"eine Anzahl bis {MAX_COUNT_TEXT}",
                     "die Zahl prüfen (zusammengefügte Zellen? eine Kennnummer statt einer Anzahl?)")


def checked_count(number: int, found: object) -> int:
    """A whole count the store holds exactly, or a CellError saying it is too large."""
    if number > MAX_COUNT:
        raise _too_large(found)
    return number


def parse_number(text: str, found: object) -> int:
    """A German-written count: thousands '.' or blank, decimal comma; whole and not negative."""
    negative = text[:1] in "-–"
    digits = text.lstrip("+-–").strip()
    if _AMBIGUOUS.match(digits):
        raise CellError("mehrdeutige Schreibweise", found,
                        f"„{digits}“ kann {digits.partition(',')[0]} (mit Dezimalkomma) oder {digits.replace(',', '')} "
                        "(mit englischem Tausendertrennzeichen) bedeuten; eine Anzahl ohne Komma",
                        f"die Anzahl ohne Komma eintragen: {digits.replace(',', '')} oder {digits.replace(',', '.')} "
                        "(deutscher Tausenderpunkt)")
    if _ENGLISH_GROUPED.match(digits):
        raise CellError("englische Tausendertrennzeichen", found, "eine ganze Zahl in deutscher Schreibweise (1.234.567)",
                        "die Zahl ohne Kommas eintragen (Tausenderpunkt oder gar kein Trennzeichen)")
    for pattern, thousands in _GROUPED:
        if pattern.match(digits):
            whole, _, decimals = digits.replace(thousands, "").partition(",") if thousands else digits.partition(",")
            if decimals.strip("0"):
                raise CellError("Anzahl mit Nachkommastellen", _shorten(found), WHOLE_EXPECTED, WHOLE_FIX)
            if len(whole.lstrip("0")) > len(str(MAX_COUNT)):
                raise _too_large(found)  # before int(): Python refuses to convert 4,300+ digits
            number = checked_count(int(whole), found)
            if negative and number != 0:
                raise CellError("negative Anzahl", found, "eine Anzahl ≥ 0", NEGATIVE_FIX)
            return number
    if re.fullmatch(r"\d+\.\d+", digits):
        raise CellError("Zahl mit Dezimalpunkt", found,
                        "eine ganze Zahl in deutscher Schreibweise (Tausenderpunkt nur in Dreiergruppen wie 1.234)",
                        "die Zahl ohne Dezimalstellen eintragen")
    raise CellError("Text statt Zahl", found, VALUE_EXPECTED,
                    "in der Spalte nur die Anzahl oder ein amtliches Zeichen eintragen; Erläuterungen in die Spalte „Beschreibung“")


def _split_value(cell: object) -> tuple[int | None, str]:
    """Value cell -> (number or None, symbol written in the cell or '')."""
    if isinstance(cell, bool) or isinstance(cell, (dt.date, dt.datetime)):
        raise CellError("Text statt Zahl", cell, VALUE_EXPECTED, "die Anzahl als Zahl eintragen")
    if isinstance(cell, int):
        if cell < 0:
            raise CellError("negative Anzahl", cell, "eine Anzahl ≥ 0", NEGATIVE_FIX)
        return checked_count(cell, cell), ""
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise CellError("keine Zahl", cell, VALUE_EXPECTED, "die Anzahl als Zahl eintragen")
        if abs(cell) > MAX_COUNT:
            raise _too_large(f"{cell:.6g}".replace(".", ","))
        if not cell.is_integer():
            raise CellError("Anzahl mit Nachkommastellen", str(cell).replace(".", ","), WHOLE_EXPECTED, WHOLE_FIX)
        return _split_value(int(cell))
    text = _text(cell)
    if text == "":
        return None, ""
    if text in SYMBOL_INDEX:
        return None, SYMBOL_INDEX[text]
    match = _WITH_SYMBOL.match(text)
    if match:
        return parse_number(match["num"].strip(), cell), match["sym"]
    if not re.search(r"\d", text) and not re.search(r"[A-Za-zÄÖÜäöüß]", text):
        raise CellError("kein amtliches Zeichen", cell, VALUE_EXPECTED,
                        "das Zeichen nach der Zeichenerklärung (Blatt „Erläuterung“ der Vorlage) eintragen")
    return parse_number(text, cell), ""


def parse_value(value_cell: object, flag_cell: object = None) -> tuple[int | None, str]:
    """Value and Zeichen cells -> (count or None, flag), checked against each other."""
    number, in_cell = _split_value(value_cell)
    column_flag = parse_flag(flag_cell)
    if in_cell and column_flag and in_cell != column_flag:
        raise CellError("Zeichen im Wert und in der Spalte „Zeichen“ widersprechen sich", f"{_text(value_cell)} / {column_flag}",
                        "ein Zeichen, entweder im Wert oder in der Spalte „Zeichen“", "eines der beiden Zeichen löschen")
    flag = in_cell or column_flag
    if number is None:
        if flag == "-":
            return 0, "-"
        if flag in MISSING_FLAGS:
            return None, flag
        if flag in ("r", "p"):
            raise CellError(f"Zeichen „{flag}“ ohne Zahl", value_cell if in_cell else flag_cell,
                            "„r“ (berichtigt) und „p“ (vorläufig) nur zusammen mit einer Zahl",
                            "die Zahl eintragen oder das passende Zeichen „.“ oder „…“ verwenden")
        raise CellError("Wert fehlt", value_cell, VALUE_EXPECTED,
                        "die Anzahl eintragen, „.“ wenn sie geheim oder nicht verfügbar ist, oder die Zeile löschen")
    if flag in MISSING_FLAGS:
        raise CellError(f"Zahl und Zeichen „{flag}“ widersprechen sich", f"{_text(value_cell)} / {flag}",
                        f"entweder eine Zahl oder das Zeichen „{flag}“ (dann bleibt der Wert leer)",
                        "die Zahl oder das Zeichen löschen")
    if flag == "-" and number != 0:
        raise CellError("Zeichen „-“ (genau null) bei einer Zahl ungleich null", f"{_text(value_cell)} / -",
                        "„-“ nur ohne Zahl oder bei 0", "das Zeichen „-“ löschen oder die Zahl durch „-“ ersetzen")
    return number, flag
