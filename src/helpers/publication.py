"""From executed chapters to a publication: tables, HTML and PDF report, disclosure check, manifest.

The order matters: every output is written first, then the checker reads them as a reader
would get them; a violation removes the report files, so nothing unchecked looks publishable.
The manifest comes last and only for a checked run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from helpers import catalogue, disclosure, disclosure_check, manifest, published, tables
from helpers.schema import FLAGS

OUTPUT_FILES = ("report.html", "report.pdf")


def table_notes(year: int, first_year: int) -> list[tuple[str, str]]:
    """The explanation sheet of the workbook (German)."""
    synthetic = [i.name for i in catalogue.load().indicators if i.synthetic]
    symbols = "; ".join(f"„{s}“ = {m}" for s, m in FLAGS.items() if s)
    return [
        ("Inhalt", f"Alle im Integrationsmonitoring Münster {year} veröffentlichten Indikatorwerte, "
                   f"{first_year}–{year}, nach Gebiet, Jahr und Gruppe; ein Blatt je Handlungsfeld."),
        ("Quelle", "Stadt Münster, SMS – Statistik für Münsters Stadtteile, und die in jeder Zeile genannten "
                   "Indikatoren des Katalogs (data/catalogue.yml); Berechnung: Integrationsmonitoring-Werkbank."),
        ("Geheimhaltung", disclosure.active_rule().describe()),
        ("Zeichenerklärung", symbols + "; „r“ = revidiert; „p“ = vorläufig."),
        ("Demodaten", ("Synthetische Demodaten (Spalte „Demodaten“), keine Aussage über Münster: "
                       + ", ".join(synthetic) + ".") if synthetic else "Keine synthetischen Demodaten."),
    ]


def export_tables(year: int, out: Path) -> pd.DataFrame:
    """Write outputs/<year>/tables/indikatoren_<year>.xlsx and .csv; return the published frame."""
    from helpers.chapter import first_year_shown

    first = first_year_shown(year)
    frame = published.table_frame(first, year)
    tables.write_tables(frame, out / "tables", year, notes=table_notes(year, first))
    return frame


def _withdraw(out: Path) -> None:
    for name in OUTPUT_FILES:
        (out / name).unlink(missing_ok=True)
    for path in (out / "tables").glob("*"):
        path.unlink()


def finish(year: int, out: Path, executed: list[Path], table: pd.DataFrame, durations: dict[str, float],
           chapters: list[str], pdf: bool = True) -> bool:
    """Stitch, render, check and record one run; False (with the reasons printed) if it must not be published."""
    from helpers import report
    from helpers.chapter import first_year_shown

    first = first_year_shown(year)
    html_path = report.write_report(executed, year, first, target=out / "report.html")
    written = {"report.html": html_path}
    if pdf:
        from helpers import pdf as pdf_writer

        written["report.pdf"] = pdf_writer.write_pdf(html_path)
    problems = disclosure_check.check_run(out)
    if problems:
        _withdraw(out)
        print(f"\n{len(problems)} Verstoß/Verstöße gegen die Geheimhaltungsregel; Bericht und Tabellen "
              "wurden nicht veröffentlicht:", file=sys.stderr)
        for p in problems[:30]:
            print(f"  {p}", file=sys.stderr)
        return False
    written.update({f"tables/{p.name}": p for p in sorted((out / "tables").glob("*"))})
    params = {"report_year": year, "first_year": first, "chapters": chapters,
              "disclosure_rule": disclosure.active_rule().__dict__}
    outputs = {name: manifest.sha256(path) for name, path in written.items()}
    manifest.write(out, manifest.build(params, durations, table, executed, outputs))
    return True

