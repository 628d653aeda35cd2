"""Read a delivery file (Excel or German CSV) into a header and rows of raw cells: the entry of reading.

Nothing is interpreted here except the file format: cells keep their Python type (Excel
numbers stay numbers, CSV cells stay text), and every row keeps its number in the file, so
that each problem can name the row a person sees in Excel or an editor.

This module checks the size and the kind of the file (`read_limits`, `file_kind`) and hands it to the
reader of its format: `csv_file` (CSV as German offices write it: `;`, `,` or tab separated, UTF-8 with or
without BOM, or Windows-1252) or `excel_file` (.xlsx/.xlsm; the sheet "Daten" if present, else the only
sheet). What they return and raise is in `table`.
"""

from __future__ import annotations

from pathlib import Path

from helpers.core import config
from helpers.intake.csv_file import read_csv
from helpers.intake.excel_file import read_excel
from helpers.intake.file_kind import CSV_SUFFIXES, EXCEL_SUFFIXES, refuse_other_content
from helpers.intake.read_limits import check_file_size
from helpers.intake.table import ReadError, Table, unreadable

#: What read_table returns and raises belongs to its interface: callers catch read.ReadError.
__all__ = ["ReadError", "Table", "read_table"]


def read_table(path: Path, limits: config.IntakeLimits | None = None) -> Table:
    """The delivery's cells; raises ReadError when the file cannot be read as a table or exceeds a limit
    of `limits` (default: config/monitoring.yml, section intake)."""
    path = Path(path)
    name = path.name
    limits = limits or config.intake()
    check_file_size(path, limits)  # before reading a byte
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if not data or data.isspace():
        raise unreadable(name, "Die Datei ist leer", None,
                         "die Datei erneut aus dem Fachverfahren exportieren bzw. die Vorlage ausfüllen und speichern")
    refuse_other_content(data, name, suffix)
    if suffix in EXCEL_SUFFIXES:
        return read_excel(data, name, limits)
    if suffix in CSV_SUFFIXES:
        return read_csv(data, name, limits)
    if suffix in {".xls", ".ods"}:
        raise unreadable(name, f"Dateiformat {suffix} wird nicht gelesen", suffix,
                         "die Datei in Excel oder LibreOffice öffnen und als „Excel-Arbeitsmappe (.xlsx)“ speichern")
    raise unreadable(name, f"unbekanntes Dateiformat „{suffix or '(keine Endung)'}“", suffix or None,
                     "die Lieferung als .xlsx (Vorlage) oder als .csv speichern")
