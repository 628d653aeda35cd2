"""Every problem of a delivery, collected before anything is stored.

`validate(path, context)` reads one file and returns the observations it yields together
with all its problems: the columns, every cell (type, labels, areas, measures, symbols,
year range), and the rows against each other (duplicates, and every part-whole relation that
`consistency` derives from the catalogue and the area hierarchy). `across()` checks the same
relations between the files of one ingest and against the stored values. `jumps()` compares
the values with the latest earlier year already stored; large jumps are warnings that the user
must confirm. A delivery is stored only if it has no error (see `ingest`).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from helpers.core import areas, observations, paths
from helpers.core import catalogue as catalogue_module
from helpers.core import city as city_profile
from helpers.core.fileio import sha256_file
from helpers.core.model import KEY
from helpers.core.problems import Location, Severity
from helpers.intake import cells, consistency
from helpers.intake.cells import HEADERS, LEVEL_DE, CellError
from helpers.intake.checked_rows import Sources
from helpers.intake.problems import Problem, fmt_int
from helpers.intake.read import ReadError, Table, read_table
from helpers.intake.relation_wording import group_label
from helpers.intake.relations import Rules
from helpers.sources.area_names import UNASSIGNED_CODE, normalise_name

#: Plausible delivery years: the monitoring's series start in the 1990s; no future years.
MIN_YEAR = 1990
#: A value is a jump if it differs from the latest earlier stored year by more than
#: JUMP_RELATIVE (50 %) and by at least JUMP_ABSOLUTE (20), so small counts do not trigger.
JUMP_RELATIVE = 0.5
JUMP_ABSOLUTE = 20
ROW_COLUMNS = [*KEY, "value", "flag", "row"]


def max_year() -> int:
    return dt.date.today().year


@dataclass(frozen=True)
class Context:
    """What a delivery is checked against: areas, known measures, the part-whole rules (`relations.Rules`)."""

    names: dict[tuple[str, str], str]
    variants: dict[tuple[str, str], frozenset[str]]
    by_name: dict[str, tuple[tuple[str, str], ...]]
    members: dict[tuple[str, str], tuple[str, ...]]  # aggregate area -> its Stadtteil codes
    measures: frozenset[str]
    rules: Rules

    @classmethod
    def load(cls, stored: pd.DataFrame | None = None) -> Context:
        """Areas from areas.csv; measures from the catalogue and the stored observations (default: all)."""
        stored = observations.observations() if stored is None else stored
        table = areas.areas()
        # Deliveries come per Stadtteil, Stadtbezirk or city; Stadtzellen share some Stadtteil names.
        table = table[table["level"].isin(LEVEL_DE)]
        names, variants, by_name, parents = {}, {}, {}, {}
        for a in table.itertuples(index=False):
            key = (a.level, a.code)
            names[key] = a.name
            spellings = {normalise_name(a.name)} | {normalise_name(s) for s in a.aliases.split("|") if s}
            variants[key] = frozenset(spellings)
            for s in spellings:
                by_name[s] = by_name.get(s, ()) + (key,)
            if a.parent_level:
                parents[key] = (a.parent_level, a.parent_code)
        members: dict[tuple[str, str], tuple[str, ...]] = {}
        for level, code in names:
            if level != "stadtteil":
                continue
            node = (level, code)
            while node in parents:  # Teilbereich, Stadtbezirk, Stadt
                node = parents[node]
                members[node] = members.get(node, ()) + (code,)
        cat = catalogue_module.load(paths.CATALOGUE_YAML)
        measures = {t.measure for i in cat.indicators for t in i.terms}
        measures |= set(stored["measure"].unique())
        return cls(names, variants, by_name, members, frozenset(measures), Rules.load(cat, members))

    def label(self, level: str, code: str) -> str:
        """'Stadtteil 34 Düesberg', 'Stadtbezirk 1 Mitte', 'Stadt Münster'."""
        name = self.names.get((level, code), code)
        if level in ("stadt", "unzugeordnet"):
            return name
        return f"{LEVEL_DE[level]} {code} {name}"


@dataclass
class Delivery:
    """One delivery file: what it yields (rows with their file row numbers) and its problems."""

    path: Path
    sha256: str
    sheet: str | None = None
    value_column: str = "Wert"
    value_letter: str | None = None
    info: dict[str, str] = field(default_factory=dict)
    rows: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ROW_COLUMNS))
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def at_value(self, row: int | None, what: str, found: str | None, expected: str, fix: str,
                 severity: Severity = Severity.ERROR) -> Problem:
        """A problem located at the value cell of a row."""
        where = Location(self.name, sheet=self.sheet, row=row, column=self.value_column, letter=self.value_letter)
        return Problem(where, what, severity, found=found, expected=expected, fix=fix, quoted=False)

    def at_row(self, row: int | None, what: str, found: str | None, expected: str, fix: str) -> Problem:
        return Problem(Location(self.name, sheet=self.sheet, row=row), what, found=found, expected=expected, fix=fix,
                       quoted=False)


def validate(path: Path, context: Context) -> Delivery:
    """Read and check one delivery; every problem found is in `Delivery.problems`."""
    path = Path(path)
    delivery = Delivery(path=path, sha256=sha256_file(path))
    try:
        table = read_table(path)
    except ReadError as exc:
        delivery.problems = exc.problems
        return delivery
    delivery.sheet, delivery.info = table.sheet, table.info
    roles, problems, complete = _columns(table)
    delivery.problems += problems
    if "value" in roles:
        delivery.value_column = str(table.header[roles["value"]])
        delivery.value_letter = _letter(table, roles["value"])
    if not complete:  # without a required column the rows cannot be read
        return delivery
    if not table.rows:
        delivery.problems.append(delivery.at_row(None, "Keine Datenzeilen unter der Kopfzeile", None,
                                                 "mindestens eine Zeile mit Jahr, Gebiet, Merkmal und Wert",
                                                 "die Werte unter die Kopfzeile eintragen"))
        return delivery
    good = []
    memo: dict = {}  # a delivery repeats few labels many times: parse each distinct cell once
    for number, row_cells in table.rows:
        parsed, row_problems = _parse_row(table, roles, number, row_cells, context, memo)
        delivery.problems += row_problems
        if parsed is not None and not row_problems:
            good.append(parsed)
    frame = pd.DataFrame(good, columns=ROW_COLUMNS)
    frame["value"] = frame["value"].astype("Int64")
    frame["year"] = frame["year"].astype(int)
    delivery.rows = frame
    delivery.problems += cross_checks(delivery, context)
    return delivery


def _letter(table: Table, index: int) -> str | None:
    return table.letters[index] if index < len(table.letters) else None


def _columns(table: Table) -> tuple[dict[str, int], list[Problem], bool]:
    """Map the header to column roles; unknown, unnamed, doubled and missing columns are problems.

    Returns the roles, the problems and whether all required columns are there.
    """
    roles: dict[str, int] = {}
    problems: list[Problem] = []
    allowed = ", ".join(names[0] for names in HEADERS.values())
    at_header = Location(table.file, sheet=table.sheet, row=table.header_row)
    for i, header in enumerate(table.header):
        letter = _letter(table, i)
        if header is None or str(header).strip() == "":
            if any(i < len(c) and c[i] not in (None, "") for _, c in table.rows):
                problems.append(Problem(replace(at_header, letter=letter or f"Nr. {i + 1}"), "Spalte ohne Überschrift enthält Werte",
                                        found=None, expected=f"eine Überschrift aus: {allowed}",
                                        fix="die Überschrift eintragen oder die Spalte löschen"))
            continue
        role = cells.header_role(header)
        if role is None:
            problems.append(Problem(replace(at_header, column=str(header), letter=letter), "unbekannte Spalte", found=str(header),
                                    expected=f"nur die Spalten der Vorlage: {allowed}",
                                    fix="die Spalte wie in der Vorlage benennen oder löschen "
                                        "(Erläuterungen gehören in die Spalte „Beschreibung“)"))
        elif role in roles:
            problems.append(Problem(replace(at_header, column=str(header), letter=letter), "Spalte doppelt vorhanden", found=str(header),
                                    expected=f"jede Spalte nur einmal (schon in Spalte „{table.header[roles[role]]}“)",
                                    fix="eine der beiden Spalten löschen"))
        else:
            roles[role] = i
    missing = [HEADERS[r][0] for r in cells.REQUIRED_ROLES if r not in roles]
    if not any(r in roles for r in cells.AREA_ROLES):
        missing.append(f"{HEADERS['area_code'][0]} (oder {HEADERS['area_name'][0]})")
    for name in missing:
        problems.append(Problem(replace(at_header, column=name), f"Pflichtspalte „{name}“ fehlt",
                                found=", ".join(str(h) for h in table.header if h not in (None, "")),
                                expected=f"die Spalten {allowed} (Pflicht: Jahr, Gebiet-Nr oder Gebiet, Merkmal, Wert)",
                                fix=f"die Spalte „{name}“ ergänzen – am einfachsten die Vorlage aus "
                                    "`make templates` verwenden"))
    return roles, problems, not missing


def _cached(memo: dict, key: tuple, parse):
    """parse() once per key: its result, or the same error raised again."""
    if key not in memo:
        try:
            memo[key] = (True, parse())
        except (CellError, _AreaError) as err:
            memo[key] = (False, err)
    ok, result = memo[key]
    if not ok:
        raise result
    return result


def _parse_row(table: Table, roles: dict[str, int], number: int, row: list[object], context: Context,
               memo: dict | None = None):
    """One data row -> observation dict, or the problems of its cells (all of them)."""
    memo = {} if memo is None else memo
    problems: list[Problem] = []

    def cell(role: str) -> object:
        i = roles.get(role)
        return row[i] if i is not None and i < len(row) else None

    def problem(role: str, err: CellError) -> None:
        column = str(table.header[roles[role]]) if role in roles else None
        where = Location(table.file, sheet=table.sheet, row=number, column=column,
                         letter=_letter(table, roles[role]) if role in roles else None)
        problems.append(Problem(where, err.what, found=None if err.found is None else str(err.found),
                                expected=err.expected, fix=err.fix))

    extra = [i for i in range(len(table.header), len(row)) if row[i] not in (None, "")]
    if extra:
        hint = (" – steht in einer durch Komma getrennten Datei ein Dezimalkomma? Dann „;“ als Trennzeichen verwenden"
                if table.separator == "," else "")
        letter = _letter(table, extra[0]) or f"Nr. {extra[0] + 1}"
        problems.append(Problem(Location(table.file, sheet=table.sheet, row=number, letter=letter),
                                f"mehr Felder als Spalten in der Kopfzeile ({len(row)} statt {len(table.header)})",
                                found=", ".join(str(row[i]) for i in extra),
                                expected="so viele Felder wie Spalten in der Kopfzeile",
                                fix="überzählige Einträge löschen oder eine Überschrift ergänzen" + hint))
    out: dict[str, object] = {"row": number}
    parsers = {
        "year": _year,
        "measure": lambda c: _measure(c, context),
        "sex": cells.parse_sex,
        "origin": cells.parse_origin,
        "age": cells.parse_age,
    }
    for role, parser in parsers.items():
        if role not in roles:
            out[role] = "total"
            continue
        value = cell(role)
        try:
            out[role] = _cached(memo, (role, type(value), value), lambda parser=parser, value=value: parser(value))
        except CellError as err:
            problem(role, err)
    try:
        out["value"], out["flag"] = cells.parse_value(cell("value"), cell("flag"))
    except CellError as err:
        flag_error = err.what == "kein amtliches Zeichen" and "flag" in roles and err.found == cell("flag")
        if flag_error and table.separator == "," and str(err.found).isdigit():
            err.fix += ("; steht in dieser durch Komma getrennten Datei ein Dezimalkomma im Wert? Dann „;“ als "
                        "Trennzeichen verwenden oder die Zahl in Anführungszeichen setzen")
        problem("flag" if flag_error else "value", err)
    area_cells = tuple((type(c), c) for c in (cell("area_level"), cell("area_code"), cell("area_name")))
    try:
        out["area_level"], out["area_code"] = _cached(memo, ("area", area_cells), lambda: _area(cell, roles, context))
    except _AreaError as err:
        problem(err.role, err.error)
    return (out if not problems else None), problems


def _year(cell: object) -> int:
    expected = f"ein Jahr zwischen {MIN_YEAR} und {max_year()} als vierstellige Zahl"
    year = cells.parse_whole(cell, "Jahr", expected, "das Berichtsjahr als Zahl eintragen, z. B. 2018")
    if not MIN_YEAR <= year <= max_year():
        raise CellError("Jahr außerhalb des plausiblen Bereichs", cell, expected,
                        "das Jahr prüfen: gemeint ist das Jahr, für das die Werte gelten (Stichtag 31.12.)")
    return year


def _measure(cell: object, context: Context) -> str:
    text = "" if cell is None else str(cell).strip()
    if text == "":
        raise CellError("Merkmal fehlt", cell, "die Kennung eines Merkmals aus der Vorlage, z. B. „unemployed“",
                        "das Merkmal aus der Vorlage übernehmen oder die Zeile löschen")
    measure = text.lower()
    if measure in context.measures:
        return measure
    close = difflib.get_close_matches(measure, sorted(context.measures), n=3, cutoff=0.6)
    hint = f" (ähnlich: {', '.join(close)})" if close else ""
    raise CellError("unbekanntes Merkmal", cell, f"eine Merkmal-Kennung aus dem Indikatorkatalog{hint}",
                    "die Kennung aus der Vorlage übernehmen; ein neues Merkmal muss erst in data/catalogue.yml "
                    "einem Indikator zugeordnet werden")


@dataclass
class _AreaError(Exception):
    role: str
    error: CellError


def _area(cell, roles: dict[str, int], context: Context) -> tuple[str, str]:
    """(level, code) from Ebene, Gebiet-Nr and Gebiet; the name must agree with the number."""
    level = None
    if "area_level" in roles:
        try:
            level = cells.parse_level(cell("area_level"))
        except CellError as err:
            raise _AreaError("area_level", err) from None
    code_cell, name_cell = cell("area_code"), cell("area_name")
    name = "" if name_cell is None else str(name_cell).strip()
    area = None
    if "area_code" in roles and code_cell not in (None, ""):
        area = _area_code(code_cell, level, context)
    if area is None:
        if name == "":
            if level in ("stadt", "unzugeordnet"):
                return level, areas.city().code if level == "stadt" else UNASSIGNED_CODE
            role = "area_code" if "area_code" in roles else "area_name"
            raise _AreaError(role, CellError("Gebiet fehlt", code_cell if role == "area_code" else name_cell,
                                             "die Stadtteil-Nummer (bzw. Gebiet-Nr mit Ebene) oder einen bekannten Gebietsnamen",
                                             "die Gebiet-Nr eintragen oder die Zeile löschen"))
        return _area_by_name(name, name_cell, level, context)
    if name and normalise_name(name) not in context.variants[area]:
        others = [k for k in context.by_name.get(normalise_name(name), ()) if level is None or k[0] == level]
        belongs = f"; „{name}“ ist {context.label(*others[0])}" if others else ""
        what = "Gebietsname passt nicht zur Gebiet-Nr" if others else "unbekannter Gebietsname"
        raise _AreaError("area_name", CellError(
            what, name_cell, f"Nr. {area[1]} ist {context.label(*area)}{belongs}",
            "Nummer und Namen prüfen; maßgeblich ist die Nummer – im Zweifel den Namen löschen"))
    return area


def _area_code(code_cell, level: str | None, context: Context) -> tuple[str, str]:
    expected = (f"die amtliche Nummer des Gebiets: {city_profile.profile().area_example}, "
                f"Stadt {areas.city().code}")
    try:
        number = cells.parse_whole(code_cell, "Gebiet-Nr", expected, "die Nummer ohne Zusätze eintragen")
    except CellError as err:
        raise _AreaError("area_code", err) from None
    if number == int(areas.city().code) and level in (None, "stadt"):
        return "stadt", areas.city().code
    code = str(number)
    target = level or "stadtteil"
    if (target, code) in context.names:
        return target, code
    hint = ("; für Stadtbezirke, Teilbereiche und „nicht zuzuordnen“ die Spalte „Ebene“ angeben"
            if level is None else f" auf der Ebene {LEVEL_DE[target]}")
    valid = ", ".join(sorted(c for (lvl, c) in context.names if lvl == target))
    raise _AreaError("area_code", CellError(
        f"unbekannte Gebiet-Nr{hint}", code_cell, f"eine der Nummern {valid}",
        "die Nummer nach der Gebietsgliederung (data/areas.csv, Blatt „Erläuterung“ der Vorlage) korrigieren"))


def _area_by_name(name: str, name_cell, level: str | None, context: Context) -> tuple[str, str]:
    found = [k for k in context.by_name.get(normalise_name(name), ()) if level is None or k[0] == level]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise _AreaError("area_name", CellError(
            "Gebietsname mehrdeutig", name_cell, " oder ".join(context.label(*k) for k in found),
            "die Spalte „Ebene“ oder die Gebiet-Nr ergänzen"))
    spellings = sorted({n for (lvl, _), n in context.names.items() if level is None or lvl == level})
    close = difflib.get_close_matches(name, spellings, n=3, cutoff=0.6)
    hint = f" (ähnlich: {', '.join(close)})" if close else ""
    raise _AreaError("area_name", CellError(
        "unbekannter Gebietsname", name_cell, f"ein amtlicher Gebietsname oder eine bekannte Schreibweise{hint}",
        "die Gebiet-Nr eintragen (maßgeblich ist die Nummer) oder den Namen wie in der Vorlage schreiben"))


# --- checks across rows -------------------------------------------------------------------


def cross_checks(delivery: Delivery, context: Context) -> list[Problem]:
    rows = delivery.rows
    if rows.empty:
        return []
    problems = _duplicates(delivery, context)
    unique = rows.drop_duplicates(KEY, keep="first")
    valued = unique[unique["value"].notna()].assign(src=1, where="")
    sources = Sources({1: delivery.name}, {1: delivery.at_value}, cross=False)
    return problems + consistency.check(valued, context.rules, sources, context)


def across(deliveries: list[Delivery], stored: pd.DataFrame, context: Context,
           revised: list[pd.DataFrame] | None = None) -> list[Problem]:
    """The relations between the files of one ingest and the stored values (each file alone: `cross_checks`).

    The files' rows replace stored rows with the same key (a later file an earlier one: two files
    giving one key different values are refused by the ingest). Demo values and missing values
    („.“, „…“, „x“) are not compared; only relations that involve a delivered value and two
    different sources are reported. `revised` (per file, the keys it revises with --revise): see
    `checked_rows.Sources.keep`.
    """
    frames = []
    for src, d in enumerate(deliveries, start=1):
        rows = d.rows.drop_duplicates(KEY, keep="first")
        rows = rows[rows["value"].notna()][[*KEY, "value", "row"]].assign(src=src, where="", revised=False)
        if revised and len(revised[src - 1]):
            hit = rows[KEY].merge(revised[src - 1][KEY].drop_duplicates(), on=KEY, how="left", indicator=True)
            rows["revised"] = (hit["_merge"] == "both").to_numpy()
        frames.append(rows)
    new = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if new.empty:
        return []
    years = set(new["year"])
    old = stored[~stored["synthetic"] & stored["value"].notna() & stored["year"].isin(years)]
    old = old[[*KEY, "value", "source"]].rename(columns={"source": "where"}).assign(src=0, row=-1, revised=False)
    if old.empty and len(deliveries) == 1:
        return []  # one file and nothing stored to compare with: cross_checks saw it all
    # a value delivered as it is stored changes nothing: it stands as stored (a relation the store
    # already broke is no fault of this delivery)
    same = new[[*KEY, "value"]].merge(old[[*KEY, "value"]].drop_duplicates(KEY), on=[*KEY, "value"], how="left",
                                      indicator=True)["_merge"].eq("both").to_numpy()
    new = new[~same]
    if new.empty:
        return []
    rows = pd.concat([old, new], ignore_index=True).drop_duplicates(KEY, keep="last")
    sources = Sources({i: d.name for i, d in enumerate(deliveries, start=1)},
                                  {i: d.at_value for i, d in enumerate(deliveries, start=1)}, cross=True)
    return consistency.check(rows, context.rules, sources, context)


def _duplicates(delivery: Delivery, context: Context) -> list[Problem]:
    rows = delivery.rows
    doubled = rows[rows.duplicated(KEY, keep="first")]
    if doubled.empty:
        return []
    first = rows.drop_duplicates(KEY, keep="first")[[*KEY, "row"]].rename(columns={"row": "first"})
    out = []
    for r in doubled.merge(first, on=KEY, how="left").itertuples(index=False):
        out.append(delivery.at_row(
            r.row, f"Zeile doppelt: gleiche Angaben wie Zeile {r.first}",
            f"{r.measure}, {r.year}, {context.label(r.area_level, r.area_code)}, {group_label(r.sex, r.origin, r.age)}",
            "jede Kombination aus Jahr, Gebiet, Merkmal, Geschlecht, Herkunft und Alter nur einmal",
            "eine der beiden Zeilen löschen oder Gebiet bzw. Gruppe korrigieren"))
    return out


# --- against the stored data ---------------------------------------------------------------


def _memo(memo: dict, label, *key: str) -> str:
    """label(*key), worded once per key."""
    if key not in memo:
        memo[key] = label(*key)
    return memo[key]


def jumps(delivery: Delivery, stored: pd.DataFrame, context: Context) -> list[Problem]:
    """Warnings for values far from the latest earlier year of the same series (real data only)."""
    new = delivery.rows[delivery.rows["value"].notna()]
    if new.empty:
        return []
    series = [c for c in KEY if c != "year"]
    earlier = stored[~stored["synthetic"] & stored["value"].notna()][[*KEY, "value"]]
    earlier = earlier.merge(new[series].drop_duplicates(), on=series)
    combined = pd.concat([earlier.assign(row=pd.NA), new[[*KEY, "value", "row"]]], ignore_index=True)
    combined = combined.drop_duplicates(KEY, keep="last").sort_values([*series, "year"])
    combined["prev_year"] = combined.groupby(series, sort=False)["year"].shift()
    combined["prev_value"] = combined.groupby(series, sort=False)["value"].shift()
    candidates = combined[combined["row"].notna() & combined["prev_value"].notna()]
    out = []
    area_labels, group_labels = {}, {}  # a label is worded once per area and group (thousands of jumps share them)
    for r in candidates.itertuples(index=False):
        new_value, old_value = int(r.value), int(r.prev_value)
        change = new_value - old_value
        relative = abs(change) / old_value if old_value else float("inf")
        if abs(change) >= JUMP_ABSOLUTE and relative > JUMP_RELATIVE:
            percent = "von null" if not old_value else f"{change / old_value * 100:+.0f} %"
            out.append(delivery.at_value(
                int(r.row), "großer Sprung gegenüber dem letzten gespeicherten Jahr",
                f"{r.year}: {fmt_int(new_value)} gegenüber {int(r.prev_year)}: {fmt_int(old_value)} "
                f"({percent}, {'+' if change > 0 else ''}{fmt_int(change)}) – {r.measure}, "
                f"{_memo(area_labels, context.label, r.area_level, r.area_code)}, "
                f"{_memo(group_labels, group_label, r.sex, r.origin, r.age)}",
                f"eine Veränderung um höchstens {JUMP_RELATIVE * 100:.0f} % oder um weniger als {JUMP_ABSOLUTE}",
                "den Wert prüfen; ist er richtig (z. B. Gebietsreform, neue Zählweise), die Lieferung mit "
                "--confirm-jumps einlesen (make ingest … CONFIRM=1)", Severity.WARNING))
    return out
