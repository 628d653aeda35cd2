"""Write the binary cases of the broken corpus (broken/49_* … 59_*): Excel files as offices send them.

Run from the repository root after changing a case: `.venv/bin/python tests/deliveries/make_broken.py`.
The password-protected case needs msoffcrypto-tool, which is not a dependency of the project:
`python -m venv /tmp/enc && /tmp/enc/bin/pip install msoffcrypto-tool openpyxl` and run this script with
that interpreter (the other cases need only openpyxl). The files are committed, so tests need neither.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

BROKEN = Path(__file__).parent / "broken"
HEADER = ["Jahr", "Gebiet-Nr", "Gebiet", "Merkmal", "Geschlecht", "Herkunft", "Alter", "Wert"]
ROWS = [
    [2018, 11, "Aegidii", "unemployed", "insgesamt", "insgesamt", "insgesamt", 40],
    [2018, 11, "Aegidii", "unemployed", "männlich", "insgesamt", "insgesamt", 24],
    [2018, 11, "Aegidii", "unemployed", "weiblich", "insgesamt", "insgesamt", 16],
]


def workbook(rows: list[list] | None = None, title: str = "Daten") -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in [HEADER, *(rows or ROWS)]:
        sheet.append(row)
    return book


def to_bytes(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def patch_sheet(data: bytes, change: Callable[[str], str], member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """Rewrite one XML member of an xlsx (what openpyxl cannot write: cached formula values, broken XML)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == member:
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def hidden_sheet() -> bytes:
    """The outdated values stay in a hidden sheet „Daten“; the corrected ones are in a visible sheet."""
    book = workbook([[2018, 11, "Aegidii", "unemployed", "insgesamt", "insgesamt", "insgesamt", 35]])
    book["Daten"].sheet_state = "hidden"
    corrected = book.create_sheet("Daten korrigiert")
    for row in [HEADER, *ROWS]:
        corrected.append(row)
    book.active = 1
    return to_bytes(book)


def formula_with_cached_value() -> bytes:
    book = workbook()
    book["Daten"]["H2"] = "=H3+H4"
    return patch_sheet(to_bytes(book), lambda xml: re.sub(r"<f>H3\+H4</f>(<v\s*/>|<v></v>)?", "<f>H3+H4</f><v>40</v>", xml))


def hidden_rows() -> bytes:
    book = workbook([*ROWS, [2018, 12, "Überwasser", "unemployed", "insgesamt", "insgesamt", "insgesamt", 22]])
    book["Daten"].row_dimensions[5].hidden = True
    return to_bytes(book)


def hidden_column() -> bytes:
    book = workbook()
    book["Daten"]["I1"] = "Wert alt"
    book["Daten"]["I2"] = 35
    book["Daten"].column_dimensions["I"].hidden = True
    return to_bytes(book)


def broken_xml() -> bytes:
    return patch_sheet(to_bytes(workbook()), lambda xml: xml.replace("</sheetData>", "<row r=\"9\"><c r=\"A9\"></sheetData>"))


def far_cell() -> bytes:
    book = workbook()
    book["Daten"]["XFD1048576"] = "x"
    return to_bytes(book)


def huge_float() -> bytes:
    return to_bytes(workbook([[2018, 11, "Aegidii", "unemployed", "insgesamt", "insgesamt", "insgesamt", 1e300]]))


def long_cell() -> bytes:
    """40,000 characters in one cell: more than Excel allows (openpyxl would cut it, so the XML is patched)."""
    book = workbook([[2018, 11, "LANGERTEXT", "unemployed", "insgesamt", "insgesamt", "insgesamt", 40]])
    return patch_sheet(to_bytes(book), lambda xml: xml.replace("LANGERTEXT", "Aegidii " * 5000))


def password_protected() -> bytes:
    import msoffcrypto  # not a dependency: see the module docstring

    out = io.BytesIO()
    msoffcrypto.OfficeFile(io.BytesIO(to_bytes(workbook()))).encrypt("geheim", out)
    return out.getvalue()


CASES: dict[str, Callable[[], bytes]] = {
    "49_kennwortschutz.xlsx": password_protected,
    "50_excel_als_csv.csv": lambda: to_bytes(workbook()),
    "51_ausgeblendetes_blatt.xlsx": hidden_sheet,
    "52_formel.xlsx": formula_with_cached_value,
    "53_ausgeblendete_zeile.xlsx": hidden_rows,
    "54_ausgeblendete_spalte.xlsx": hidden_column,
    "55_kaputtes_xml.xlsx": broken_xml,
    "56_zelle_weit_aussen.xlsx": far_cell,
    "57_zahl_1e300.xlsx": huge_float,
    "58_csv_als_xlsx.xlsx": lambda: ("\n".join(";".join(map(str, r)) for r in [HEADER, *ROWS]) + "\n").encode(),
    "59_riesige_zelle.xlsx": long_cell,
}


def main() -> None:
    for name, make in CASES.items():
        try:
            data = make()
        except ImportError as exc:
            print(f"{name}: übersprungen ({exc})")
            continue
        (BROKEN / name).write_bytes(data)
        print(f"{name}: {len(data):,} Bytes")


if __name__ == "__main__":
    main()
