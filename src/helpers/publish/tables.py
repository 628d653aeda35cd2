"""Export the published indicator values as an Excel workbook (for people) and a CSV (for machines).

The input frame is already disclosure-controlled and rounded; this module only writes it, so
the files hold exactly what the report publishes. Both files are:

- values only: no cell is ever a formula. Text that a spreadsheet could run (starting with
  `=`, `+`, `-`, `@`, tab or carriage return) is a string cell in the workbook and carries
  a leading `'` in the CSV (OWASP "CSV Injection" guidance);
- deterministic: the same frame gives byte-identical files (no timestamps, fixed zip order);
- written atomically: an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import tostring

from helpers.core import areas, concept, levels
from helpers.core.fileio import csv_safe, write_atomic
from helpers.core.model import FLAGS

#: Frame columns, in CSV order (English ids: R and pandas read them as variable names).
COLUMNS = [
    "handlungsfeld", "handlungsfeld_name", "indicator", "indicator_name", "unit",
    "area_level", "area_code", "area_name", "year", "group", "group_label",
    "value", "flag", "synthetic",
]
#: Stands in a glossary text for the city's levels, largest first ("Gesamtstadt, Stadtbezirk, … oder Stadtteil").
LEVELS_PLACEHOLDER = "{levels}"
#: Workbook columns: German header -> (frame column, explanation for the glossary).
SHEET_COLUMNS: dict[str, tuple[str, str]] = {
    "Handlungsfeld": ("handlungsfeld_name", "Handlungsfeld (Kapitel des Berichts)"),
    "Indikator": ("indicator_name", "Name des Indikators"),
    "Einheit": ("unit", "Einheit des Werts (leer: Anzahl oder ohne Einheit)"),
    "Gebietsebene": ("area_level", LEVELS_PLACEHOLDER),
    "Gebietsschlüssel": ("area_code", "amtlicher Schlüssel des Gebiets (Text, führende Nullen bleiben erhalten)"),
    "Gebiet": ("area_name", "Name des Gebiets"),
    "Jahr": ("year", "Berichtsjahr"),
    "Gruppe": ("group_label", "Bevölkerungsgruppe, z. B. mit oder ohne Migrationsvorgeschichte"),
    "Wert": ("value", "veröffentlichter, gerundeter Wert; leer, wenn geheim zu halten oder nicht verfügbar"),
    "Zeichen": ("flag", "Zeichen der amtlichen Statistik (siehe Zeichenerklärung), leer bei einem gewöhnlichen Wert"),
    "Demodaten": ("synthetic", "„synthetisch“: erzeugte Demodaten, keine amtlichen Zahlen"),
}
#: Official symbols allowed in `flag`; "/" = too uncertain to publish.
ALLOWED_FLAGS = frozenset(FLAGS) | {"/"}
INTRO_SHEET = "Erläuterung"
FORBIDDEN_SHEET_CHARS = str.maketrans({"[": "(", "]": ")", ":": "-", "*": "-", "?": "-", "/": "-", "\\": "-"})
MAX_SHEET_NAME = 31
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # earliest date a zip entry can carry


def level_labels() -> dict[str, str]:
    """Level code -> its German name in the workbook ("stadtteil" -> "Stadtteil", the city "Gesamtstadt")."""
    return {lv.code: lv.name for lv in (*levels.hierarchy().levels, levels.CITY_LEVEL)}


def level_choices() -> str:
    """The city's levels, largest first: "Gesamtstadt, Stadtbezirk, Teilbereich oder Stadtteil"."""
    names = [levels.CITY_LEVEL.name, *(lv.name for lv in reversed(levels.hierarchy().levels))]
    return f"{', '.join(names[:-1])} oder {names[-1]}"


def write_tables(frame: pd.DataFrame, out_dir: Path, year: int, *,
                 notes: Sequence[tuple[str, str]] = ()) -> list[Path]:
    """Write out_dir/indikatoren_<year>.xlsx and out_dir/indikatoren_<year>.csv; return the paths.

    The workbook is for reading: an "Erläuterung" sheet (title, `notes`, column glossary), then
    one sheet per Handlungsfeld with German headers. The CSV is for analysis: one tidy table with
    the frame's English column ids, so R and pandas read it without renaming. In the CSV, text
    starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` (OWASP CSV-injection
    guidance); numbers and the official symbols in `flag` (e.g. "-") are written unchanged.
    """
    frame = _checked(frame)
    out_dir = Path(out_dir)
    xlsx, csv_path = out_dir / f"indikatoren_{year}.xlsx", out_dir / f"indikatoren_{year}.csv"
    xlsx_bytes = workbook_bytes(frame, year, notes)
    write_atomic(xlsx, lambda p: p.write_bytes(xlsx_bytes))
    csv_bytes = csv_text(frame).encode("utf-8")
    write_atomic(csv_path, lambda p: p.write_bytes(csv_bytes))
    return [xlsx, csv_path]


# --- input check -------------------------------------------------------------------------------

def _checked(frame: pd.DataFrame) -> pd.DataFrame:
    """The required columns in CSV order; a German error names what is missing or malformed."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"Tabellenexport: Spalte(n) fehlen im Datenrahmen: {', '.join(missing)}.")
    frame = frame[COLUMNS].reset_index(drop=True)
    frame["flag"] = frame["flag"].fillna("").astype(str)
    unknown = sorted(set(frame["flag"]) - ALLOWED_FLAGS)
    if unknown:
        raise ValueError(f"Tabellenexport: unbekannte Zeichen in 'flag': {', '.join(map(repr, unknown))}; "
                         f"erlaubt: {', '.join(repr(f) for f in sorted(ALLOWED_FLAGS))}.")
    codes = frame["area_code"]
    if not codes.map(lambda c: isinstance(c, str)).all():
        raise ValueError("Tabellenexport: 'area_code' muss Text sein (führende Nullen, z. B. '09999000').")
    unexplained = frame["value"].isna() & frame["flag"].eq("")
    if unexplained.any():
        rows = ", ".join(map(str, frame.index[unexplained][:5]))
        raise ValueError(f"Tabellenexport: fehlender Wert ohne Zeichen (Zeile(n) {rows}); "
                         "ein leerer Wert braucht sein Zeichen, z. B. '.'.")
    return frame


# --- values ------------------------------------------------------------------------------------

def _number(value) -> float | None:
    """A float for a numeric cell, None for <NA>; -0.0 becomes 0.0 (a rounded zero has no sign)."""
    if value is None or pd.isna(value):
        return None
    return float(value) + 0.0


# --- CSV ---------------------------------------------------------------------------------------

def csv_text(frame: pd.DataFrame) -> str:
    """The tidy CSV: UTF-8, comma, dot decimal, NA as empty field, "\\n" line ends, rows as given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in frame.itertuples(index=False):
        writer.writerow([_csv_field(name, value) for name, value in zip(COLUMNS, row)])
    return buffer.getvalue()


def _csv_field(column: str, value) -> str:
    if column == "value":
        number = _number(value)
        return "" if number is None else repr(number)
    if column == "year":
        return str(int(value))
    if column == "synthetic":
        return "true" if bool(value) else "false"
    if column == "flag":
        return value  # checked against the official symbols: never a formula
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return csv_safe(str(value))


# --- workbook ----------------------------------------------------------------------------------

def sheet_names(names: Iterable[str], reserved: Iterable[str] = (INTRO_SHEET,)) -> list[str]:
    """Excel-safe sheet names: forbidden characters replaced, at most 31 characters, unique.

    Excel compares sheet names case-insensitively, so uniqueness is checked that way too.
    """
    taken = {r.casefold() for r in reserved}
    result = []
    for name in names:
        base = str(name).translate(FORBIDDEN_SHEET_CHARS).strip().strip("'").strip() or "Tabelle"
        candidate, n = _shorten(base, ""), 1
        while candidate.casefold() in taken:
            n += 1
            candidate = _shorten(base, f" ({n})")
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


def _shorten(base: str, suffix: str) -> str:
    room = MAX_SHEET_NAME - len(suffix)
    return (base if len(base) <= room else base[: room - 1].rstrip() + "…") + suffix


def workbook_bytes(frame: pd.DataFrame, year: int, notes: Sequence[tuple[str, str]] = ()) -> bytes:
    """The .xlsx file as bytes, with fixed document dates and zip metadata (reproducible)."""
    wb = Workbook()
    _intro_sheet(wb.active, year, notes)
    order = list(dict.fromkeys(frame["handlungsfeld"]))
    names = [frame.loc[frame["handlungsfeld"].eq(hf), "handlungsfeld_name"].iloc[0] for hf in order]
    for hf, title in zip(order, sheet_names(names)):
        _data_sheet(wb.create_sheet(title), frame[frame["handlungsfeld"].eq(hf)])
    fixed = datetime(year, 12, 31)
    wb.properties.creator = f"Integrationsmonitoring {areas.city().short}"
    raw = io.BytesIO()
    wb.save(raw)  # openpyxl stamps `modified` with the current time; core.xml is replaced below
    wb.properties.created = wb.properties.modified = fixed
    return _reproducible_zip(raw.getvalue(), {"docProps/core.xml": tostring(wb.properties.to_tree())})


def _reproducible_zip(data: bytes, replace: dict[str, bytes]) -> bytes:
    """Rewrite the archive with sorted entries and a fixed date, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        # [Content_Types].xml first, as Office writes it; the rest in name order.
        entries = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
        for name in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, replace.get(name, src.read(name)))
    return out.getvalue()


def _put(ws: Worksheet, row: int, column: int, value) -> None:
    """Set a cell; text always stays text (openpyxl would turn "=..." into a formula)."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"


def _intro_sheet(ws: Worksheet, year: int, notes: Sequence[tuple[str, str]]) -> None:
    """Title, the caller's notes and a glossary of the columns (sheet header and CSV id)."""
    ws.title = INTRO_SHEET
    _put(ws, 1, 1, f"Integrationsmonitoring {areas.city().short} {year} – Tabellen")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    row = 3
    for heading, text in notes:
        _put(ws, row, 1, str(heading))
        _put(ws, row, 2, str(text))
        ws.cell(row=row, column=1).font = Font(bold=True)
        row += 1
    _put(ws, row, 1, "CSV-Datei")
    _put(ws, row, 2, f"indikatoren_{year}.csv enthält dieselben Werte als eine Tabelle für Auswertungen: "
                     "UTF-8, Komma als Trennzeichen, Punkt als Dezimalzeichen, leeres Feld für einen "
                     "fehlenden Wert, Spaltennamen wie unten in „CSV-Spalte“. Texte, die mit =, +, -, @ "
                     "beginnen, sind dort mit einem vorangestellten ' geschützt (keine Formeln).")
    ws.cell(row=row, column=1).font = Font(bold=True)
    row += 2
    for column, text in enumerate(("Spalte", "Bedeutung", "CSV-Spalte"), start=1):
        _put(ws, row, column, text)
        ws.cell(row=row, column=column).font = Font(bold=True)
    for header, (frame_column, meaning) in SHEET_COLUMNS.items():
        row += 1
        meaning = concept.say(meaning.replace(LEVELS_PLACEHOLDER, level_choices()))
        for column, text in enumerate((header, meaning, frame_column), start=1):
            _put(ws, row, column, text)
    for line in ws.iter_rows(min_row=3, max_row=row):
        line[1].alignment = Alignment(wrap_text=True, vertical="top")
        line[0].alignment = Alignment(vertical="top")
    for letter, width in (("A", 28), ("B", 100), ("C", 20)):
        ws.column_dimensions[letter].width = width


def _sheet_rows(part: pd.DataFrame) -> list[list]:
    """The sheet's cell values: numbers as numbers, <NA> as empty, levels and markers in German."""
    rows, labels = [], level_labels()
    for rec in part.to_dict("records"):
        rows.append([
            rec["handlungsfeld_name"], rec["indicator_name"], rec["unit"],
            labels.get(rec["area_level"], rec["area_level"]), rec["area_code"],
            rec["area_name"], int(rec["year"]), rec["group_label"], _number(rec["value"]),
            rec["flag"], "synthetisch" if bool(rec["synthetic"]) else None,
        ])
    return [[None if v is None or v is pd.NA or v == "" else v for v in r] for r in rows]


def _data_sheet(ws: Worksheet, part: pd.DataFrame) -> None:
    """One Handlungsfeld: bold frozen header with autofilter, then one row per published cell."""
    headers = list(SHEET_COLUMNS)
    for column, header in enumerate(headers, start=1):
        _put(ws, 1, column, header)
        ws.cell(row=1, column=column).font = Font(bold=True)
    rows = _sheet_rows(part)
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            _put(ws, r, c, value)
    ws.freeze_panes = "A2"
    last = get_column_letter(len(headers))
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    for c, header in enumerate(headers, start=1):
        longest = max([len(header) + 3] + [len(_shown(r[c - 1])) for r in rows])  # +3: filter button
        ws.column_dimensions[get_column_letter(c)].width = min(max(longest + 1, 8), 60)


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isnan(value):
        return f"{value:g}"
    return str(value)
