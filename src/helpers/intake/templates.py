"""One empty delivery template per data owner: `make templates [YEAR=2018]`.

A template is the delivery format itself, so a filled template passes the intake unchanged:
sheet "Daten" holds one prefilled row per expected year × area × measure × group and an
empty `Wert` column, sheet "Angaben" the owner and source, sheet "Erläuterung" the columns,
the official symbols, the measures and where to send the file.

Which measures an owner delivers is derived from the catalogue: a measure belongs to the
first data owner of the indicators that use it as numerator. A measure that is only ever a
denominator belongs to the owner of those indicators if there is one; if several owners
divide by it (e.g. `residents`), it is a reference population and comes from the statistics
office (`reference_owner()`). Groups are the terms of the indicators and their compared groups;
complement groups (Deutsche, ohne Migrationsvorgeschichte) are computed, so the template asks
for the stored part instead. Indicators of the smallest declared level get rows for each of its areas
and the city (Münster: the 45 Stadtteile and the city); city-level indicators a city row only. The level
names, the concept and the reference date (Stichtag) are the city's (config/<city>/city.yml).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.core import areas, arguments, concept, levels, paths
from helpers.core import catalogue as catalogue_module
from helpers.core import city as city_profile
from helpers.core.catalogue import Catalogue, Term
from helpers.core.fileio import write_atomic
from helpers.core.model import FLAGS, ORIGINS, SEXES
from helpers.indicators.compute import COMPLEMENTS
from helpers.intake.cells import SEX_DE, SYMBOLS_TEXT, level_names, origin_label
from helpers.intake.excel_file import DATA_SHEET, EXPLANATION_SHEET, INFO_SHEET
from helpers.intake.jumps import JUMP_ABSOLUTE, JUMP_RELATIVE
from helpers.intake.row_parsing import MIN_YEAR


def reference_owner() -> str:
    """Who delivers reference populations that several owners divide by (config/<city>/city.yml)."""
    return city_profile.profile().reference_owner or f"{areas.city().name}, Statistikstelle"


def recipient() -> str:
    """Where departments send their filled templates, shown in every template (config/<city>/city.yml)."""
    return city_profile.profile().recipient or f"{areas.city().name}, Integrationsmonitoring"

COLUMNS = ["Jahr", "Ebene", "Gebiet-Nr", "Gebiet", "Merkmal", "Beschreibung", "Geschlecht", "Herkunft", "Alter", "Wert", "Zeichen"]
DEMO_PREFIX = re.compile(r"^Demodaten – synthetisch \(Vorbild: (.*)\)$", re.S)


@dataclass(frozen=True)
class Expected:
    """One measure with fixed groups that an owner is asked to deliver, and for which areas."""

    term: Term
    by_area: bool  # True: every area of the smallest level (Münster: the 45 Stadtteile) and the city; False: the city only
    uses: tuple[str, ...]  # "Zähler von „…“" for every indicator that uses the measure

    @property
    def description(self) -> str:
        """Short enough for a cell; the full list is in the sheet "Erläuterung"."""
        if len(self.uses) <= 2:
            return "; ".join(self.uses)
        return f"{self.uses[0]} und {len(self.uses) - 1} weitere Verwendungen (Blatt „Erläuterung“)"


def first_owner(data_owner: str) -> str:
    return data_owner.split(";")[0].strip()


def measure_owners(cat: Catalogue) -> dict[str, str]:
    """Measure -> the data owner who delivers it (rule in the module docstring)."""
    owners: dict[str, str] = {}
    counted = [ind for ind in cat.indicators if ind.counted]  # published rates are not delivered as counts
    for ind in counted:
        owners.setdefault(ind.numerator.measure, first_owner(ind.data_owner))
    denominators: dict[str, list[str]] = {}
    for ind in counted:
        if ind.denominator.measure not in owners:
            denominators.setdefault(ind.denominator.measure, []).append(first_owner(ind.data_owner))
    for measure, users in denominators.items():
        owners[measure] = users[0] if len(set(users)) == 1 else reference_owner()
    return owners


def _stored_term(term: Term) -> Term:
    """German and no_migration are computed as total minus a part: ask for the part."""
    return term.with_group("origin", COMPLEMENTS[term.origin]) if term.origin in COMPLEMENTS else term


def _age_key(age: str) -> tuple[int, int]:
    """total first, then by lower and upper bound (0-2 before 0-14 before 3-5)."""
    if age == "total":
        return (-1, -1)
    low, _, high = age.rstrip("+").partition("-")
    return (int(low), int(high) if high else 999)


def expected(cat: Catalogue) -> dict[str, list[Expected]]:
    """Data owner -> the terms its template asks for, in catalogue order."""
    owners = measure_owners(cat)
    base = levels.base()
    by_area: dict[Term, bool] = {}
    uses: dict[str, list[str]] = {}
    for ind in cat.indicators:
        for role, side in zip(("Zähler", "Nenner"), ind.terms):
            terms = [side] + [side.with_group(ind.group_dimension, v) for v in ind.group_values]
            for term in map(_stored_term, terms):
                by_area[term] = by_area.get(term, False) or ind.level == base
            uses.setdefault(side.measure, []).append(f"{role} von „{ind.name}“")
    order = {m: i for i, m in enumerate(uses)}
    rank = {**{v: i for i, v in enumerate(SEXES)}, **{v: i for i, v in enumerate(ORIGINS)}}
    terms = sorted(by_area, key=lambda t: (order[t.measure], rank[t.sex], _age_key(t.age), rank[t.origin]))
    out: dict[str, list[Expected]] = {}
    for term in terms:
        out.setdefault(owners[term.measure], []).append(Expected(term, by_area[term], tuple(dict.fromkeys(uses[term.measure]))))
    return out


def sources(cat: Catalogue, owner: str) -> str:
    """The sources the catalogue names for an owner's indicators (demo data: their model source)."""
    owners = measure_owners(cat)
    names = []
    for ind in cat.indicators:
        if ind.counted and owners.get(ind.numerator.measure) == owner:
            text = " ".join(ind.source.split())
            match = DEMO_PREFIX.match(text)
            names.append((match.group(1) if match else text).split(";")[0].strip())
    return "; ".join(dict.fromkeys(names))


def slug(text: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:70]


def _code_order(code: str) -> tuple[int, int | str]:
    """Numbers in numeric order (2 before 10), then other codes as text."""
    return (0, int(code)) if code.isdigit() else (1, code)


def base_areas() -> list[tuple[str, str]]:
    """(code, name) of every area of the smallest declared level, in the order of their numbers."""
    return sorted(areas.area_names(levels.base()).items(), key=lambda kv: _code_order(kv[0]))


def _rows(items: list[Expected], year: int) -> list[list[object]]:
    base = levels.hierarchy().base.name
    listed = base_areas()
    rows = []
    for item in items:
        t = item.term
        places = [(base, code, name) for code, name in listed] if item.by_area else []
        places.append(("Stadt", areas.city().code, areas.city().name))
        age = "insgesamt" if t.age == "total" else t.age
        for level, code, name in places:
            rows.append([year, level, code, name, t.measure, item.description, SEX_DE[t.sex], origin_label(t.origin), age, None, None])
    return rows


def write_template(owner: str, items: list[Expected], year: int, target: Path, cat: Catalogue) -> Path:
    """The Excel template of one owner (written atomically)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append(COLUMNS)
    for row in _rows(items, year):
        sheet.append(row)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for cell in sheet[1]:
        cell.font = bold
    widths = {"Jahr": 7, "Ebene": 11, "Gebiet-Nr": 10, "Gebiet": 20, "Merkmal": 30, "Beschreibung": 50, "Geschlecht": 11,
              "Herkunft": 28, "Alter": 10, "Wert": 12, "Zeichen": 9}
    for i, name in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=i).column_letter
        sheet.column_dimensions[letter].width = widths[name]
        if name in ("Gebiet-Nr", "Alter"):  # text, so that Excel keeps 05515000 and does not read 3-5 as a date
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "@"
        if name in ("Wert", "Zeichen"):
            sheet.cell(row=1, column=i).fill = fill
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.fill = fill
    flags = DataValidation(type="list", formula1='"-,.,…,x,r,p"', allow_blank=True,
                           error="Nur die amtlichen Zeichen - . … x r p", errorTitle="Zeichen")
    sheet.add_data_validation(flags)
    flags.add(f"K2:K{sheet.max_row}")
    sheet.freeze_panes = "A2"
    _info_sheet(book.create_sheet(INFO_SHEET), owner, year, sources(cat, owner), bold)
    _explanation_sheet(book.create_sheet(EXPLANATION_SHEET), items, year, bold, Alignment(wrap_text=True, vertical="top"))
    write_atomic(target, lambda p: book.save(p))
    return target


def _info_sheet(sheet, owner: str, year: int, source: str, bold) -> None:
    rows = [
        ("Datenhalter", owner),
        ("Quelle", source),
        ("Berichtsjahr", year),
        ("Stichtag", f"{city_profile.profile().reference_date}{year}"),
        ("Ansprechperson", ""),
        ("Telefon / E-Mail", ""),
        ("Lieferdatum", ""),
        ("Bemerkungen", ""),
        ("Senden an", recipient()),
    ]
    for label, value in rows:
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 100


def _explanation_sheet(sheet, items: list[Expected], year: int, bold, wrap) -> None:
    h = levels.hierarchy()
    base = h.base
    column_text = {
        "Jahr": f"Jahr, für das die Werte gelten (Stichtag {city_profile.profile().reference_date}), vierstellig; "
                f"erlaubt {MIN_YEAR} bis zum laufenden Jahr. Pflicht.",
        "Ebene": f"Gebietsebene: {', '.join(level_names(h).values())}. Ohne diese Spalte ist die Gebiet-Nr eine "
                 f"{base.name}-Nummer.",
        "Gebiet-Nr": f"Amtliche Nummer des Gebiets ({city_profile.profile().area_example}; Stadt "
                     f"{areas.city().code}). Maßgeblich ist die Nummer. Pflicht (oder ein eindeutiger Name in „Gebiet“).",
        "Gebiet": "Name des Gebiets (zur Kontrolle): muss zur Nummer passen; bekannte andere Schreibweisen "
                  f"(Spalte aliases der Gebietsliste data/{paths.CITY}/areas.csv) werden erkannt.",
        "Merkmal": "Kennung des Merkmals aus dem Indikatorkatalog (nicht ändern). Pflicht.",
        "Beschreibung": "Wofür das Merkmal verwendet wird; wird beim Einlesen nicht ausgewertet (Platz für Anmerkungen).",
        "Geschlecht": "insgesamt, männlich oder weiblich.",
        "Herkunft": concept.say("insgesamt, Ausländer/-innen, mit Migrationsvorgeschichte usw. wie vorbelegt."),
        "Alter": "insgesamt oder die vorbelegte Altersgruppe, z. B. 15-64 (= 15 bis unter 65 Jahre) oder "
                 "65+ (= 65 Jahre und älter).",
        "Wert": "Die Anzahl als ganze Zahl (Personen, Fälle …), keine Quoten oder Prozente; "
                f"Tausenderpunkte sind erlaubt. Statt einer Zahl eines der Zeichen {SYMBOLS_TEXT}. Pflicht.",
        "Zeichen": "Optional: „r“ (berichtigte Zahl) oder „p“ (vorläufige Zahl) zu einer Zahl; "
                   "oder das Zeichen statt einer Zahl.",
    }
    lines: list[tuple[str, str]] = [
        (f"Datenlieferung für das Integrationsmonitoring – {areas.city().name}", ""),
        ("So geht es", "Im Blatt „Daten“ nur die gelb markierte Spalte „Wert“ (und bei Bedarf „Zeichen“) ausfüllen. "
                       "Jede Zeile ist ein Wert für ein Jahr, ein Gebiet, ein Merkmal und eine Gruppe. Zeilen, für die es "
                       "keine Daten gibt, mit „.“ kennzeichnen; nicht gelieferte Zeilen löschen. Keine Zeilen oder Spalten "
                       f"hinzufügen außer weiteren Datenzeilen im selben Format. Personen, die keinem {base.name} "
                       "zugeordnet werden können, als zusätzliche Zeile mit Ebene „nicht zuzuordnen“ und Gebiet-Nr 0 "
                       f"liefern: die Stadt ist die Summe der {base.plural} und dieser Zeile. Im Blatt „Angaben“ Quelle und "
                       "Ansprechperson eintragen. Als .xlsx speichern (CSV mit „;“ ist ebenfalls möglich)."),
        ("Senden an", recipient()),
        ("Prüfung beim Einlesen", "Alle Probleme werden gesammelt gemeldet (Datei, Blatt, Zeile, Spalte, gefundener Wert, "
                                  "Erwartung): fehlende oder unbekannte Spalten, Text oder Nachkommastellen in „Wert“, "
                                  "negative Anzahlen, Zähler größer als Nenner, männlich + weiblich ≠ insgesamt, "
                                  f"{base.plural} ≠ Stadt (wenn beides geliefert), doppelte Zeilen, unbekannte Gebiete oder "
                                  "Merkmale. Werte, die gegenüber dem letzten gespeicherten Jahr um mehr als "
                                  f"{JUMP_RELATIVE * 100:.0f} % und mindestens {JUMP_ABSOLUTE} abweichen, werden zur "
                                  "Bestätigung gemeldet. Bereits gespeicherte Werte werden nur ausdrücklich revidiert."),
        ("", ""),
        ("Spalte", "Inhalt"),
        *[(name, column_text[name]) for name in COLUMNS],
        ("", ""),
        ("Zeichen", "Bedeutung (Zeichenerklärung)"),
        *[(flag, meaning) for flag, meaning in FLAGS.items() if flag],
        ("", ""),
        ("Merkmal", f"Gruppen und Gebiete in dieser Vorlage (Berichtsjahr {year}) – verwendet für"),
    ]
    by_measure: dict[str, list[Expected]] = {}
    for item in items:
        by_measure.setdefault(item.term.measure, []).append(item)
    where = f"{len(base_areas())} {base.plural} und Stadt"
    for measure, group in by_measure.items():
        groups = " | ".join(_group_text(i, where) for i in group)
        lines.append((measure, f"Gruppen: {groups}. Verwendet als {'; '.join(group[0].uses)}."))
    for label, text in lines:
        sheet.append([label, text])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.cell(row=sheet.max_row, column=2).alignment = wrap
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 110


def _group_text(item: Expected, by_area: str) -> str:
    """One group of a measure and where it is asked for: `by_area` ("45 Stadtteile und Stadt") or the city."""
    t = item.term
    age = "Alter insgesamt" if t.age == "total" else f"Alter {t.age}"
    return f"{SEX_DE[t.sex]}, {origin_label(t.origin)}, {age} ({by_area if item.by_area else 'Stadt'})"


def write_all(year: int, folder: Path | None = None) -> list[Path]:
    """All templates for one year into `folder` (default outputs/templates/)."""
    folder = Path(folder or paths.TEMPLATES_DIR)
    cat = catalogue_module.load(paths.CATALOGUE_YAML)
    written = []
    for owner, items in sorted(expected(cat).items()):
        target = folder / f"Vorlage_{slug(owner)}_{year}.xlsx"
        written.append(write_template(owner, items, year, target, cat))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Schreibt je Datenhalter eine leere Liefervorlage (Excel).")
    parser.add_argument("--jahr", "--year", dest="year", metavar="JAHR", type=int, default=dt.date.today().year - 1,
                        help="Berichtsjahr (Standard: Vorjahr)")
    parser.add_argument("--out", type=Path, default=None, help="Zielordner (Standard: outputs/templates/)")
    args = parser.parse_args(argv)
    written = write_all(args.year, args.out)
    for path in written:
        print(path)
    print(f"{len(written)} Vorlagen für das Berichtsjahr {args.year} geschrieben. An die Datenhalter senden; "
          "ausgefüllt zurück mit: make ingest FILE=<datei>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
