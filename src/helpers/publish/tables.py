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
import functools
import io
import math
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.xml.functions import tostring

from helpers.core import areas, concept, levels
from helpers.core.fileio import csv_safe, write_atomic
from helpers.core.model import BREAK_MARK, FLAGS

#: Frame columns, in CSV order (English ids: R and pandas read them as variable names).
COLUMNS = [
    "handlungsfeld", "handlungsfeld_name", "indicator", "indicator_name", "unit",
    "area_level", "area_code", "area_name", "year", "group", "group_label",
    "value", "flag", "series_break", "synthetic",
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
    "Bruch": ("series_break", "„|“: erstes Jahr nach einem Bruch in der Reihe (grundsätzliche Änderung, etwa der "
                              "Zählweise); der Wert ist mit den Jahren davor nur eingeschränkt vergleichbar, die "
                              "Umstellung steht im Definitionskasten des Indikators. In der CSV-Datei true/false"),
    "Demodaten": ("synthetic", "„synthetisch“: erzeugte Demodaten, keine amtlichen Zahlen"),
}
#: Official symbols allowed in `flag`; "/" = too uncertain to publish.
ALLOWED_FLAGS = frozenset(FLAGS) | {"/"}
INTRO_SHEET = "Erläuterung"
FORBIDDEN_SHEET_CHARS = str.maketrans({"[": "(", "]": ")", ":": "-", "*": "-", "?": "-", "/": "-", "\\": "-"})
MAX_SHEET_NAME = 31
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # earliest date a zip entry can carry


def level_labels() -> dict[str, str]:
    """Level code -> its German name in the workbook ("stadtteil" -> "Stadtteil", the city "Gesamtstadt"; a
    level beside the hierarchy too, e.g. "Kommunalwahlbezirk")."""
    h = levels.hierarchy()
    return {lv.code: lv.name for lv in (*h.levels, *h.other, levels.CITY_LEVEL)}


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
    xlsx, csv_path = (Path(out_dir) / name for name in file_names(year))
    xlsx_bytes = workbook_bytes(frame, year, notes)
    write_atomic(xlsx, lambda p: p.write_bytes(xlsx_bytes))
    csv_bytes = csv_text(frame).encode("utf-8")
    write_atomic(csv_path, lambda p: p.write_bytes(csv_bytes))
    return [xlsx, csv_path]


def file_names(year: int) -> tuple[str, str]:
    """The names write_tables gives the workbook and the CSV (known before they are written: the
    report links them beside its figures, helpers.publish.navigation)."""
    return f"indikatoren_{year}.xlsx", f"indikatoren_{year}.csv"


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
    # Column by column, each distinct cell converted once (the fields _csv_field gives, the columns paired with
    # COLUMNS by position as the rows were): a build writes this for the tables and for every area's profile.
    columns = [_csv_column(name, frame.iloc[:, i]) for i, name in enumerate(COLUMNS[:frame.shape[1]])]
    writer.writerows(zip(*columns))
    return buffer.getvalue()


def _csv_column(column: str, values: pd.Series) -> list[str]:
    """_csv_field of every cell of one column, in order (iterated as itertuples gives the cells)."""
    if column == "value":
        return [_csv_field(column, value) for value in values]
    converted: dict = {}
    out = []
    for value in values:
        key = (value.__class__, value)  # 1, 1.0 and True are equal keys but different text
        try:
            field = converted[key]
        except (KeyError, TypeError):  # not seen yet, or not hashable
            field = _csv_field(column, value)
            try:
                converted[key] = field
            except TypeError:
                pass
        out.append(field)
    return out


def _csv_field(column: str, value) -> str:
    if column == "value":
        number = _number(value)
        return "" if number is None else repr(number)
    if column == "year":
        return str(int(value))
    if column in ("synthetic", "series_break"):
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
    """The .xlsx file as bytes, with fixed document dates and zip metadata (reproducible).

    Written in openpyxl's write-only mode: each row streams to a temporary file as it is appended
    instead of every cell living as an object until the save (the 2019 table: 1.7 times faster, a
    seventh of the peak memory; benchmarks/xlsx_export.py). Hence each sheet's widths, frozen
    header and filter are set before its first row.
    """
    wb = Workbook(write_only=True)
    _intro_sheet(wb.create_sheet(INTRO_SHEET), year, notes)
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


def _cell(ws: WriteOnlyWorksheet, value, font: Font | None = None, alignment: Alignment | None = None):
    """A value to append; text always stays text (openpyxl would turn "=..." into a formula, "#N/A" into an error).

    A plain value is cheapest: openpyxl binds it to one reused cell. Only styled values and text
    that openpyxl would not store as text get a cell of their own.
    """
    if font is None and alignment is None and not (isinstance(value, str) and _not_text(value)):
        return value
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


@functools.lru_cache(maxsize=4096)
def _not_text(value: str) -> bool:
    """Whether openpyxl would store this text as something else, by its own rule (tables repeat their texts)."""
    return Cell(None, value=value).data_type != "s"


def _intro_sheet(ws: WriteOnlyWorksheet, year: int, notes: Sequence[tuple[str, str]]) -> None:
    """Title, the caller's notes and a glossary of the columns (sheet header and CSV id)."""
    bold, top, wrapped = Font(bold=True), Alignment(vertical="top"), Alignment(wrap_text=True, vertical="top")

    def line(label, text, column=None, font=None, label_font=None):
        """A row from row 3 on: the label aligned to the top, the text wrapped."""
        return [_cell(ws, label, label_font or font, top), _cell(ws, text, font, wrapped), _cell(ws, column, font)]

    rows = [[_cell(ws, f"Integrationsmonitoring {areas.city().short} {year} – Tabellen", Font(bold=True, size=14))], []]
    rows += [line(str(heading), str(text), label_font=bold) for heading, text in notes]
    rows.append(line("CSV-Datei", f"indikatoren_{year}.csv enthält dieselben Werte als eine Tabelle für Auswertungen: "
                                  "UTF-8, Komma als Trennzeichen, Punkt als Dezimalzeichen, leeres Feld für einen "
                                  "fehlenden Wert, Spaltennamen wie unten in „CSV-Spalte“. Texte, die mit =, +, -, @ "
                                  "beginnen, sind dort mit einem vorangestellten ' geschützt (keine Formeln).",
                     label_font=bold))
    rows.append(line(None, None))
    rows.append(line("Spalte", "Bedeutung", "CSV-Spalte", font=bold))
    for header, (frame_column, meaning) in SHEET_COLUMNS.items():
        rows.append(line(header, concept.say(meaning.replace(LEVELS_PLACEHOLDER, level_choices())), frame_column))
    _begin(ws, (28, 100, 20), len(rows))
    for row in rows:
        ws.append(row)


def _begin(ws: WriteOnlyWorksheet, widths: Sequence[float], rows: int) -> None:
    """Column widths and the used range; write-only mode writes both with the sheet's first row."""
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    used = f"A1:{get_column_letter(len(widths))}{rows}"
    # openpyxl writes it as <dimension>, which readers in read-only mode size the sheet by.
    ws.calculate_dimension = lambda: used


def _sheet_rows(part: pd.DataFrame) -> list[list]:
    """The sheet's cell values: numbers as numbers, <NA> as empty, levels and markers in German."""
    rows, labels = [], level_labels()
    for rec in part.to_dict("records"):
        rows.append([
            rec["handlungsfeld_name"], rec["indicator_name"], rec["unit"],
            labels.get(rec["area_level"], rec["area_level"]), rec["area_code"],
            rec["area_name"], int(rec["year"]), rec["group_label"], _number(rec["value"]),
            rec["flag"], BREAK_MARK if bool(rec["series_break"]) else None,
            "synthetisch" if bool(rec["synthetic"]) else None,
        ])
    return [[None if v is None or v is pd.NA or v == "" else v for v in r] for r in rows]


def _data_sheet(ws: WriteOnlyWorksheet, part: pd.DataFrame) -> None:
    """One Handlungsfeld: bold frozen header with autofilter, then one row per published cell."""
    headers = list(SHEET_COLUMNS)
    rows = _sheet_rows(part)
    longest = [max([len(header) + 3] + [len(_shown(r[c])) for r in rows]) for c, header in enumerate(headers)]  # +3: filter button
    _begin(ws, [min(max(n + 1, 8), 60) for n in longest], len(rows) + 1)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    bold = Font(bold=True)
    ws.append([_cell(ws, header, bold) for header in headers])
    for values in rows:
        ws.append([_cell(ws, value) for value in values])


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isnan(value):
        return f"{value:g}"
    return str(value)
