"""What a delivery file is by its content, whatever its name says; a file whose content and name disagree is refused.

An encrypted Office file, an old .xls, an .ods, a zip or PDF named .xlsx or .csv, or a CSV named .xlsx: the
message names the real cause and how to save the file so that it can be read.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from helpers.intake.table import unreadable

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt"}


#: What a file's first bytes say it is, whatever its name says.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

#: An encrypted Office file is an OLE container with this stream (its name in UTF-16LE).
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
SAVE_AS_XLSX = "die Datei in Excel öffnen und als „Excel-Arbeitsmappe (.xlsx)“ speichern"


def content_kind(data: bytes) -> str:
    """'encrypted', 'xls', 'xlsx', 'ods', 'zip', 'pdf' or 'text', from the content, not the name."""
    if data.startswith(OLE_MAGIC):
        return "encrypted" if ENCRYPTION_STREAM in data else "xls"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "xlsx"  # damaged; the Excel reader names the problem
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "ods" if "mimetype" in names and b"opendocument.spreadsheet" in data[:200] else "zip"
    return "text"


KIND_DE = {"xls": "eine alte Excel-Datei (.xls)", "xlsx": "eine Excel-Arbeitsmappe (.xlsx)",
           "ods": "eine LibreOffice-Tabelle (.ods)", "zip": "ein ZIP-Archiv", "pdf": "ein PDF-Dokument",
           "text": "eine Textdatei (CSV)"}


def refuse_other_content(data: bytes, name: str, suffix: str) -> None:
    """Name the real cause when the content is not what the extension says (or is password protected)."""
    kind = content_kind(data)
    if kind == "encrypted":
        raise unreadable(name, "Die Excel-Datei ist mit einem Kennwort geschützt und kann nicht gelesen werden", None,
                         "in Excel öffnen, Datei › Informationen › Arbeitsmappe schützen › Mit Kennwort "
                         "verschlüsseln: das Kennwort löschen, speichern und erneut liefern (für den Versand "
                         "einen geschützten Weg wählen statt eines Kennworts in der Datei)",
                         expected="eine Excel-Datei ohne Kennwortschutz")
    expected = "xlsx" if suffix in EXCEL_SUFFIXES else "text" if suffix in CSV_SUFFIXES else None
    if expected is None or kind == expected:
        return
    if kind == "xlsx":
        fix = f"die Datei in „{Path(name).stem}.xlsx“ umbenennen und erneut liefern"
    elif kind == "text":
        fix = f"die Datei in „{Path(name).stem}.csv“ umbenennen, oder in Excel öffnen und als .xlsx speichern"
    else:
        fix = SAVE_AS_XLSX if kind in ("xls", "ods") else "die Werte als .xlsx (Vorlage) oder .csv liefern"
    raise unreadable(name, f"Die Datei heißt „{suffix}“, ist aber {KIND_DE[kind]}", suffix, fix,
                     expected=f"eine Datei, deren Inhalt zur Endung „{suffix}“ passt")
