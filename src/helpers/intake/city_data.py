"""`integrationsmonitoring stadt daten <stadt> zahlen.csv`: a city's own counts, through its mapping, into its store.

A statistics office has its counts as it keeps them: long (one row per year, area, characteristic, group
and value) or wide (one column per characteristic), CSV or Excel. This command reads the file with the
intake's readers, turns each of its rows into rows of the delivery template as the mapping file says
(`mapping`), and hands them to the same checks and the same storage as `make ingest` (`validation`,
`ingest`, `storage`): located German errors, nothing stored unless everything is right, revisions only
with --ueberarbeiten, logged; a second run with the same file and mapping changes nothing. Every problem
names the user's file, row and column, not the template's. Afterwards the catalogue gets the entries the
stored counts allow (`city_catalogue`), without changing any entry the user has.

Without a mapping file (or when the one named does not exist) a draft is written beside the file and the
command stops, saying so.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from helpers.core import areas, arguments, catalogue, config, levels, model, observations, paths
from helpers.core import city as city_profile
from helpers.core.fileio import sha256_bytes, sha256_file, write_atomic
from helpers.core.problems import Location
from helpers.intake import cells, city_catalogue, ingest, mapping, storage
from helpers.intake import problems as problems_module
from helpers.intake.delivery import Delivery
from helpers.intake.delivery_context import Context
from helpers.intake.mapping import Mapping, MappingError, Target, cell_key
from helpers.intake.problems import Problem
from helpers.intake.read import ReadError, Table, read_table
from helpers.intake.storage import Store
from helpers.intake.validation import validate_table
from helpers.sources.area_names import normalise_name

#: The delivery template's columns (their first German names), into which the user's rows are converted.
TEMPLATE = ["Jahr", "Ebene", "Gebiet-Nr", "Gebiet", "Merkmal", "Geschlecht", "Herkunft", "Alter", "Wert", "Zeichen"]
#: Which mapping role fills which template column (for locating a problem in the user's file).
ROLE_OF_COLUMN = {"Jahr": "jahr", "Ebene": "ebene", "Gebiet-Nr": "gebiet", "Gebiet": "gebiet", "Merkmal": "merkmal",
                  "Geschlecht": "gruppe", "Herkunft": "gruppe", "Alter": "gruppe", "Wert": "wert", "Zeichen": "zeichen"}
CITY_WORDS = ("stadt", "gesamtstadt")
#: How the intake's messages name its options, and how this command names them.
INGEST_WORDS = (("mit --revise einlesen (make ingest FILE=… REVISE=1)", "mit --ueberarbeiten einlesen"),
                ("(die spätere mit REVISE=1)", "(die spätere mit --ueberarbeiten)"),
                ("die Lieferung mit --confirm-jumps einlesen (make ingest … CONFIRM=1)", "mit --bestaetigen einlesen"))
COMMAND = "integrationsmonitoring stadt daten"


@dataclass(frozen=True)
class Origin:
    """Where a converted row comes from: the user's row, and the user's column for each template column."""

    row: int
    columns: dict[str, tuple[str, str | None]]  # template column -> (user column, Excel letter)


@dataclass
class Conversion:
    """The user's file in the template's columns: the table the checks read, where each row came from, problems."""

    table: Table
    origins: dict[int, Origin] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def identity(path: Path, mapping_path: Path) -> str:
    """What the ingest log knows this run by: the file and its mapping together (a changed mapping reads again)."""
    return sha256_bytes((sha256_file(path) + sha256_file(mapping_path)).encode())


def _letter(table: Table, index: int) -> str | None:
    return table.letters[index] if index < len(table.letters) else None


def _area_cells(raw: object, found: Mapping) -> tuple[str, str] | None:
    """(Gebiet-Nr, Gebiet) for the user's area cell after `gebiete:` (the city: its number); None: left out."""
    text = "" if raw is None else str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    aliases = {normalise_name(k): v for k, v in found.areas.items()}
    key = normalise_name(text)
    if key in aliases:
        if aliases[key] is None:
            return None
        text = aliases[key]
    if text.casefold() in CITY_WORDS:
        return areas.city().code, ""
    return (text, "") if text.isdigit() else ("", text)


#: One value of a user's row: measure, groups (dimension -> code), the value cell, and the user's column of
#: each template column it fills.
Value = tuple[str, dict[str, str], object, dict[str, tuple[str, str | None] | None]]


@dataclass
class _Reader:
    """Reads the user's rows as the mapping says; collects what the mapping does not name."""

    table: Table
    found: Mapping
    problems: list[Problem] = field(default_factory=list)
    unknown: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.header = [str(h) if h is not None else "" for h in self.table.header]
        self.index = {role: [self.header.index(c) for c in names] for role, names in self.found.columns.items()}

    def at(self, i: int) -> tuple[str, str | None]:
        """A user's column by its index: heading and Excel letter."""
        return self.header[i], _letter(self.table, i)

    def place(self, role: str) -> tuple[str, str | None] | None:
        return self.at(self.index[role][0]) if self.index.get(role) else None

    def cell(self, row: list[object], role: str) -> object:
        i = self.index[role][0] if self.index.get(role) else None
        return row[i] if i is not None and i < len(row) else None

    def values(self, number: int, row: list[object]) -> list[Value]:
        return self.long_values(number, row) if self.found.long else self.wide_values(number, row)

    def long_values(self, number: int, row: list[object]) -> list[Value]:
        """The one value of a long row: its characteristic and group as the mapping says."""
        key = cell_key(row, self.index["merkmal"])
        if key not in self.found.characteristics:
            self.unknown.setdefault(("merkmal", key), []).append(number)
            return []
        target, group = self.found.characteristics[key], Target()
        group_key = cell_key(row, self.index["gruppe"]) if self.index.get("gruppe") else ""
        if group_key and group_key not in self.found.groups:
            self.unknown.setdefault(("gruppe", group_key), []).append(number)
            return []
        group = self.found.groups[group_key] if group_key else group
        if target is None or group is None:
            return []
        if any(target.group(d) not in (None, v) for d, v in group.groups):
            self.problems.append(_problem(self.table, number, self.place("merkmal"), "Merkmal und Gruppe widersprechen sich",
                                          f"{key} / {group_key}", "eine Gruppe entweder beim Merkmal oder in der Gruppen-Spalte",
                                          f"in {self.found.path.name} die Gruppe bei merkmale: oder gruppen: streichen"))
            return []
        columns = {"Merkmal": self.place("merkmal"), "Wert": self.place("wert"), "Geschlecht": self.place("gruppe"),
                   "Herkunft": self.place("gruppe"), "Alter": self.place("gruppe")}
        return [(target.measure, dict(target.groups) | dict(group.groups), self.cell(row, "wert"), columns)]

    def wide_values(self, number: int, row: list[object]) -> list[Value]:
        """The values of a wide row: one per characteristic column the mapping does not leave out."""
        used = {i for role in ("jahr", "gebiet", "ebene", "zeichen") for i in self.index.get(role, [])}
        out = []
        for i, name in enumerate(self.header):
            if i in used or not name:
                continue
            if name not in self.found.characteristics:
                self.unknown.setdefault(("spalte", name), []).append(number)
                continue
            target = self.found.characteristics[name]
            if target is not None:
                out.append((target.measure, dict(target.groups), row[i] if i < len(row) else None,
                            {"Merkmal": self.at(i), "Wert": self.at(i)}))
        return out


def convert(table: Table, found: Mapping, marker: str) -> Conversion:
    """The user's rows as template rows (one per value; a wide row gives one per characteristic column).

    Characteristics and groups the mapping does not name are problems at their first row; `weglassen` drops.
    `marker` is the sheet name the converted table carries, so that its problems can be told apart and
    located in the user's file afterwards (`locate`).
    """
    reader = _Reader(table, found)
    header_out = [c for c in TEMPLATE if c != "Ebene" or reader.index.get("ebene")]  # Ebene only where the file has it
    out = Conversion(Table(file=table.file, sheet=marker, header=header_out, header_row=0, rows=[],
                           separator=table.separator))
    pending: list[tuple[dict, dict]] = []  # (template cells, origin columns) before sums
    numbers: dict[int, int] = {}
    for number, row in table.rows:
        area = _area_cells(reader.cell(row, "gebiet"), found)
        if area is None:
            continue
        base = {"Jahr": reader.cell(row, "jahr"), "Ebene": reader.cell(row, "ebene"), "Gebiet-Nr": area[0],
                "Gebiet": area[1], "Zeichen": reader.cell(row, "zeichen")}
        places = {c: reader.place(ROLE_OF_COLUMN[c]) for c in ("Jahr", "Ebene", "Gebiet-Nr", "Gebiet", "Zeichen")}
        for measure, groups, value, columns in reader.values(number, row):
            template = {**base, "Merkmal": measure, "Geschlecht": groups.get("sex", "total"),
                        "Herkunft": groups.get("origin", "total"), "Alter": groups.get("age", "total"), "Wert": value}
            pending.append((template, {c: p for c, p in (places | columns).items() if p is not None}))
            numbers[len(pending) - 1] = number
    pending += _sums(pending, found, numbers)
    for i, (template, columns) in enumerate(pending, start=1):
        out.table.rows.append((i, [template[c] for c in header_out]))
        out.origins[i] = Origin(numbers[i - 1], columns)
    out.problems = reader.problems + [_unknown(table, found, kind, key, rows, reader.place("merkmal" if kind == "merkmal"
                                                                                            else "gruppe"))
                                      for (kind, key), rows in reader.unknown.items()]
    return out


def _full(groups: dict) -> tuple[str, str, str]:
    return groups.get("sex", "total"), groups.get("origin", "total"), groups.get("age", "total")


def _sums(pending: list[tuple[dict, dict]], found: Mapping, numbers: dict[int, int]) -> list[tuple[dict, dict]]:
    """The rows `summen:` adds: per year and area, the sum of its parts where every part has a count."""
    added: list[tuple[dict, dict]] = []
    by_place: dict[tuple, dict[tuple, int]] = {}
    for i, (t, _) in enumerate(pending):
        place = (str(t["Jahr"]), str(t["Ebene"]), t["Gebiet-Nr"], normalise_name(str(t["Gebiet"])))
        by_place.setdefault(place, {})[(t["Merkmal"], t["Geschlecht"], t["Herkunft"], t["Alter"])] = i
    for rule in found.sums:
        result = (rule.result.measure, *_full(dict(rule.result.groups)))
        for rows in by_place.values():
            parts = [rows.get((p.measure, *_full(dict(p.groups)))) for p in rule.parts]
            if any(p is None for p in parts) or result in rows:
                continue
            total = 0
            for p in parts:
                template = pending[p][0]
                try:
                    value, flag = cells.parse_value(template["Wert"], template["Zeichen"])
                except cells.CellError:
                    value = None  # the part's own row reports it
                if value is None:
                    break
                total += value
            else:
                first, columns = pending[parts[0]]
                sex, origin, age = _full(dict(rule.result.groups))
                added.append(({**first, "Merkmal": rule.result.measure, "Geschlecht": sex, "Herkunft": origin,
                               "Alter": age, "Wert": total, "Zeichen": ""}, columns))
                numbers[len(pending) + len(added) - 1] = numbers[parts[0]]
    return added


def _problem(table: Table, row: int | None, column: tuple[str, str | None] | None, what: str, found: str,
             expected: str, fix: str) -> Problem:
    name, letter = column or (None, None)
    return Problem(Location(table.file, sheet=table.sheet, row=row, column=name, letter=letter), what,
                   found=found, expected=expected, fix=fix)


def _unknown(table: Table, found: Mapping, kind: str, key: str, rows: list[int],
             column: tuple[str, str | None] | None) -> Problem:
    more = f" (in {len(rows)} Zeilen, zuerst hier)" if len(rows) > 1 else ""
    if kind == "spalte":
        return _problem(table, table.header_row, (key, None), f"unbekannte Spalte{more}", key,
                        f"eine Spalte, die {found.path.name} unter merkmale: nennt",
                        f"in {found.path.name} unter merkmale: „{key}“ eintragen ({{merkmal: …}} oder {mapping.SKIP})")
    section, word = ("merkmale", "Merkmal") if kind == "merkmal" else ("gruppen", "Gruppe")
    return _problem(table, rows[0], column, f"unbekanntes {word}{more}" if kind == "merkmal" else f"unbekannte {word}{more}",
                    key, f"ein Wert, den {found.path.name} unter {section}: nennt",
                    f"in {found.path.name} unter {section}: „{key}“ eintragen (was es im Monitoring ist, oder {mapping.SKIP})")


def locate(problem: Problem, marker: str, sheet: str | None, origins: dict[int, Origin]) -> Problem:
    """A problem of the converted table placed in the user's file: its row and the column the value came from."""
    where = problem.where
    if where.sheet != marker:
        return problem
    origin = origins.get(where.row) if where.row is not None else None
    row, column, letter = (origin.row if origin else where.row), None, None
    if origin and where.column in origin.columns:
        column, letter = origin.columns[where.column]
    fix = problem.fix
    for ingest_words, own in INGEST_WORDS:
        fix = fix.replace(ingest_words, own)
    return replace(problem, where=Location(where.file, sheet=sheet, row=row, column=column, letter=letter), fix=fix)


@dataclass
class Run:
    """One call: the mapping, and what the validator learnt (the converted rows' origins, for `locate`)."""

    mapping_path: Path
    found: Mapping | None = None
    marker: str = ""
    sheet: str | None = None
    origins: dict[int, Origin] = field(default_factory=dict)

    def validate(self, path: Path, context: Context) -> Delivery:
        """The user's file through the mapping into the intake's checks (`ingest.Validator`)."""
        delivery = Delivery(path=Path(path), sha256=identity(path, self.mapping_path),
                            companions={"zuordnung": self.mapping_path})
        try:
            table = read_table(path)
            self.found = mapping.load(self.mapping_path, table)
        except ReadError as exc:
            delivery.problems = exc.problems
            return delivery
        except MappingError as exc:
            delivery.problems = [Problem(Location(exc.file, key=exc.key), exc.what,
                                         expected="eine vollständig ausgefüllte Zuordnung", fix=exc.fix)]
            return delivery
        self.marker, self.sheet = f"\x00{delivery.sha256[:8]}", table.sheet
        conversion = convert(table, self.found, self.marker)
        self.origins = conversion.origins
        if not conversion.table.rows and not conversion.problems:
            conversion.problems.append(Problem(Location(table.file, sheet=table.sheet), "keine Werte eingelesen",
                                               expected="mindestens ein Merkmal, das nicht weggelassen wird",
                                               fix=f"in {self.mapping_path.name} unter merkmale: Merkmale zuordnen"))
        known = replace(context, measures=context.measures | self.found.measures)
        validate_table(delivery, conversion.table, known)
        if self.found.source:  # stored with every row, so captions cite the user's source, not the file
            delivery.info["Quelle"] = self.found.source
        delivery.problems = conversion.problems + delivery.problems
        return delivery


def draft_path(data: Path) -> Path:
    """Where the draft mapping of `data` goes: beside it, `<name>.zuordnung.yml`."""
    return data.with_name(f"{data.stem}.zuordnung.yml")


def _unknown_areas(table: Table, column: int, context: Context) -> list[str]:
    """The values of the area column that name no area the city knows (by number, name or known spelling)."""
    numbers = {int(code) for _, code in context.names if code.isdigit()}
    found: list[str] = []
    for _, row in table.rows:
        raw = row[column] if column < len(row) else None
        cells_ = _area_cells(raw, Mapping(Path(), {}, {}, {}, {}))
        value = "" if raw is None else str(raw).strip()
        known = cells_ is not None and ((cells_[0] and int(cells_[0]) in numbers)
                                        or (cells_[1] and normalise_name(cells_[1]) in context.by_name))
        if value and not known and value not in found:
            found.append(value)
    return found


def write_draft(data: Path, target: Path) -> str:
    """Write the draft mapping of `data` to `target` (never over an existing file); the message to show."""
    table = read_table(data)
    context = Context.load()
    header = [str(h) for h in table.header if h not in (None, "")]
    area_column = next((h for h in header if cells.header_role(h) in ("area_code", "area_name")
                        or any(w in h.casefold() for w in mapping.AREA_WORDS)), None)
    unmatched = _unknown_areas(table, [str(h) for h in table.header].index(area_column), context) if area_column else []
    write_atomic(target, lambda p: p.write_text(mapping.draft(table, data.name, unmatched), encoding="utf-8"))
    return (f"Entwurf der Zuordnung geschrieben: {target}. Bitte öffnen, jede Zeile prüfen und jedes „null“ "
            f"ausfüllen (was jede Spalte und jedes Merkmal der Datei im Monitoring ist); dann erneut aufrufen: "
            f"{COMMAND} {paths.CITY} {data} --zuordnung {target}")


def _parser() -> arguments.ArgumentParser:
    parser = arguments.ArgumentParser(
        description="Liest die Zahlen einer Stadt aus ihrer eigenen CSV- oder Excel-Datei (lang: eine Zeile je Jahr, "
                    "Gebiet, Merkmal und Gruppe; breit: eine Spalte je Merkmal) über eine Zuordnungsdatei ein: "
                    "mit denselben Prüfungen wie make ingest, alles oder nichts; ergänzt danach den Indikatorkatalog.")
    parser.add_argument("stadt", metavar="STADT", help="die eingerichtete Stadt (config/<stadt>/city.yml)")
    parser.add_argument("datei", metavar="DATEI", help="die Zahlen der Stadt, .csv oder .xlsx")
    parser.add_argument("--zuordnung", metavar="YAML", default=None,
                        help="die Zuordnungsdatei (Standard: <datei>.zuordnung.yml daneben; fehlt sie, wird ein "
                             "Entwurf geschrieben)")
    parser.add_argument("--ueberarbeiten", action="store_true",
                        help="abweichende Werte für schon gespeicherte Jahre/Gebiete übernehmen (protokolliert, Zeichen r)")
    parser.add_argument("--bestaetigen", action="store_true",
                        help="große Sprünge gegenüber dem Vorjahr bestätigen und trotzdem speichern")
    parser.add_argument("--nur-pruefen", action="store_true", help="nur prüfen, nichts speichern")
    return parser


def _say_catalogue(found_mapping: Mapping) -> str:
    """Add the catalogue entries the stored counts allow; what was added or kept, in German."""
    observations.clear_cache()
    frame = observations.observations()
    frame = frame[~frame["synthetic"]]
    base = levels.hierarchy().codes[0]
    source = found_mapping.source or city_profile.statistics_name()
    found = city_catalogue.proposals(frame, base, source, found_mapping.owner or source, found_mapping.names)
    target = Path(paths.CATALOGUE_YAML)
    result = city_catalogue.add(target, found, levels.hierarchy().codes)
    shown = _shown(target)
    if result.by_hand:
        return (f"Katalog {shown} nicht ergänzt: er ließe sich danach nicht mehr lesen. Diese Einträge bitte von Hand "
                f"einfügen:\n{result.by_hand}")
    lines = []
    if result.added:
        lines.append(f"Katalog {shown}: {len(result.added)} Einträge ergänzt ({', '.join(result.added)}). Bitte Namen, "
                     "Definitionen, Einheiten und Quellen prüfen und in eigenen Worten fassen; ein erneuter Lauf "
                     "ändert keinen vorhandenen Eintrag.")
    if result.kept:
        lines.append(f"Katalog {shown}: schon vorhanden und unverändert gelassen: {', '.join(result.kept)}.")
    if not found.indicators:
        lines.append(f"Katalog {shown}: die eingelesenen Zahlen erlauben noch keinen Indikator (es fehlt etwa die "
                     "Einwohnerzahl insgesamt); Einträge von Hand ergänzen.")
    return "\n".join(lines)


def _shown(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(paths.ROOT).resolve()).as_posix()
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    start = time.monotonic()
    if args.stadt != paths.CITY:
        print(f"Fehler: Stadt „{args.stadt}“ angegeben, eingestellt ist „{paths.CITY}“. Aufruf: {COMMAND} STADT DATEI "
              "(die Stadt steht direkt nach „daten“).", file=sys.stderr)
        return 2
    try:
        config.intake()
    except config.ConfigError as exc:
        print(f"Fehler in den Einstellungen: {exc}", file=sys.stderr)
        return 1
    data = Path(args.datei)
    if not data.is_file():
        print(f"Fehler: {data} nicht gefunden. Den Pfad der Datei mit den Zahlen angeben (relativ zum aktuellen Ordner "
              "oder absolut).", file=sys.stderr)
        return 1
    store = Store.current()
    if not observations.observation_files(store.observations_dir):  # a new city: an empty store to check against
        write_atomic(store.deliveries_csv, lambda p: p.write_bytes(storage.observations_csv(storage.empty_observations())))
    if not Path(paths.CATALOGUE_YAML).is_file():
        write_atomic(Path(paths.CATALOGUE_YAML),
                     lambda p: p.write_text(city_catalogue.HEADER + "\nhandlungsfelder: []\n\nindicators: []\n",
                                            encoding="utf-8"))
    target = Path(args.zuordnung) if args.zuordnung else draft_path(data)
    if not target.is_file():
        try:
            print(write_draft(data, target))
        except ReadError as exc:
            print(problems_module.report(exc.problems), file=sys.stderr)
            return 1
        print("Nichts eingelesen: erst die Zuordnung ausfüllen.")
        return 1
    run = Run(target)
    limits = config.intake()
    try:
        with ingest.memory_capped(limits.memory_bytes):
            outcome = ingest.ingest([data], revise=args.ueberarbeiten, confirm_jumps=args.bestaetigen,
                                    check_only=args.nur_pruefen, store=store, validator=run.validate,
                                    identity=lambda p: identity(p, target))
    except MemoryError:
        print(f"Fehler: {data.name} braucht mehr Arbeitsspeicher als erlaubt ({limits.memory_gb:g} GB). Nichts "
              "gespeichert. Die Datei aufteilen (etwa je Jahr) oder die Grenze in config/monitoring.yml erhöhen "
              "(Abschnitt intake, Schlüssel memory_gb).", file=sys.stderr)
        return 1
    except (model.DataError, storage.Busy) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except catalogue.CatalogueError as exc:
        print(f"Fehler im Katalog {_shown(Path(paths.CATALOGUE_YAML))}: {exc} Nichts eingelesen; bitte den Katalog "
              "berichtigen (oder die Datei löschen: dann schreibt der Befehl einen neuen).", file=sys.stderr)
        return 1
    outcome.problems = [locate(p, run.marker, run.sheet, run.origins) for p in outcome.problems]
    for line in outcome.recovered:
        print(line)
    again = f"{COMMAND} {paths.CITY} {data} --zuordnung {target}"
    if outcome.problems:
        confirmed = args.bestaetigen and not outcome.errors and not args.nur_pruefen
        print(problems_module.report(outcome.problems, confirmed=confirmed), file=sys.stderr)
        print(file=sys.stderr)
    if outcome.errors:
        print(f"Nichts gespeichert: {len(outcome.errors)} Fehler. Bitte jeden Fehler wie angegeben in der Datei oder in "
              f"der Zuordnung beheben und dann erneut ausführen: {again}", file=sys.stderr)
        return 1
    if outcome.warnings and not args.bestaetigen:
        print(f"Nichts gespeichert: {len(outcome.warnings)} Werte springen stark gegenüber dem letzten gespeicherten "
              f"Jahr. Bitte prüfen; sind sie richtig: {again} --bestaetigen", file=sys.stderr)
        return 1
    text = ingest.summary(outcome, check_only=args.nur_pruefen)
    if text:
        print(text)
    if args.nur_pruefen:
        print("Nur geprüft, nichts gespeichert.")
        return 0
    if outcome.stored:
        print(f"Gespeichert in {_shown(store.deliveries_csv)}; Protokoll: {_shown(store.ingest_log)}, "
              f"Revisionen: {_shown(store.revisions)}.")
    try:
        found = run.found or mapping.load(target, read_table(data))  # a file read before: the log skipped it
    except (ReadError, MappingError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    print(_say_catalogue(found))
    print(f"Fertig in {time.monotonic() - start:.1f} s. Nächste Schritte: make check-city CITY={paths.CITY}, "
          f"make report CITY={paths.CITY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
