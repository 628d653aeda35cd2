"""Read a CSV delivery as German offices write it into a Table of raw text cells.

`;` (or `,` or tab) separated, UTF-8 with or without BOM, UTF-16 with BOM (Excel's „Unicode-Text“) or
Windows-1252; every row keeps its line number in the file.
"""

from __future__ import annotations

import csv
import io
import itertools

from helpers.core import config
from helpers.core.problems import Location
from helpers.intake.problems import Problem
from helpers.intake.read_limits import Collector, german_number
from helpers.intake.table import ReadError, Table, trim, unreadable

#: csv's own default field limit: a field this long ends reading (a quote that never closes).
CSV_FIELD_LIMIT = 131_072


def read_csv(data: bytes, name: str, limits: config.IntakeLimits) -> Table:
    text, encoding = decode(data, name)
    del data
    head = "\n".join(itertools.islice((line for line in io.StringIO(text) if line.strip()), 5))  # title rows may hold a comma
    separator = max([";", "\t", ","], key=lambda s: (head.count(s), s == ";"))
    collector = Collector(name, None, limits)
    # csv's own limit ends a field that never closes (an unmatched quote) before it swallows the file
    field_limit = max(CSV_FIELD_LIMIT, limits.max_cell_chars + 1)
    previous = csv.field_size_limit(field_limit)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    start = 1
    try:
        for cells in reader:
            collector.add(start, trim(list(cells)))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ReadError([Problem(
                where=Location(file=name, row=start),
                message=f"Zelle mit mehr als {german_number(field_limit)} Zeichen",
                expected=f"höchstens {german_number(limits.max_cell_chars)} Zeichen je Zelle (intake: max_cell_chars in "
                         f"{config.RELATIVE})",
                fix="den Inhalt der Zeile prüfen (versehentlich eingefügter Text? ein nicht geschlossenes "
                    "Anführungszeichen?) und kürzen")]) from None
        raise unreadable(name, f"CSV-Datei nicht lesbar ab Zeile {start} ({exc})", None,
                         "Anführungszeichen in dieser Zeile prüfen (jedes geöffnete \" muss geschlossen werden)") from None
    finally:
        csv.field_size_limit(previous)
    header_row, header, body = collector.finish()
    return Table(file=name, sheet=None, header=header, header_row=header_row, rows=body,
                 encoding=encoding, separator=separator)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's „Unicode-Text“), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16 (Unicode-Text)"
        except UnicodeDecodeError:
            raise unreadable(name, "UTF-16-Datei beschädigt (ungerade Länge oder ungültige Zeichen)", None,
                             "die Datei als „CSV UTF-8“ speichern (Excel: Datei › Speichern unter › CSV UTF-8)") from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 mit BOM"
        except UnicodeDecodeError as exc:  # marked as UTF-8, but is not: a damaged or pieced-together file
            at = exc.start + 3
            raise ReadError([Problem(
                where=Location(file=name, row=data.count(b"\n", 0, at) + 1),
                message=f"Die Datei ist als UTF-8 gekennzeichnet (BOM), enthält aber ein Byte, das kein UTF-8 ist "
                        f"({data[at]:#04x} an Stelle {german_number(at)})", found=None,
                expected="eine Textdatei in einer Zeichenkodierung (UTF-8 oder Windows-1252)",
                fix="die Datei in Excel oder einem Editor öffnen, die Zeile prüfen und als „CSV UTF-8“ neu speichern "
                    "(Excel: Datei › Speichern unter › CSV UTF-8)")]) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ReadError([Problem(
            where=Location(file=name, row=data.count(b"\n", 0, exc.start) + 1),
            message=f"Zeichenkodierung nicht erkannt (Byte {data[exc.start]:#04x} an Stelle {exc.start})", found=None,
            expected="eine Excel-Datei (.xlsx) oder eine CSV-Datei (.csv) nach der Vorlage",
            fix="die Datei als „CSV UTF-8“ speichern (Excel: Datei › Speichern unter › CSV UTF-8)")]) from None
