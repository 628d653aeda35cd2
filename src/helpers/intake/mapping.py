"""A city's own file described in the user's words: which column is what, and what its values mean.

`integrationsmonitoring stadt daten` reads a long file (one row per year, area, characteristic, group and
value) or a wide one (one column per characteristic) that a statistics office already has. The mapping file
(YAML, `zuordnung.yml`) says, with the file's own column names and values, which column is the year, the
area, the characteristic, the group and the value, and which of the project's measures and groups each
characteristic and group is (`merkmale:`, `gruppen:`), which area names mean which area (`gebiete:`) and
which counts are sums of others (`summen:`). `draft` writes such a file from a file's header and distinct
values, for the user to fill in; `load` reads it and refuses, naming the key, what is wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from helpers.core import concept, fileio
from helpers.intake import cells
from helpers.intake.cells import CellError
from helpers.intake.table import Table

#: A value of `merkmale:`, `gruppen:` or `gebiete:` that drops what it names.
SKIP = "weglassen"
#: The values of several characteristic columns are joined with this into one key of `merkmale:`.
JOIN = " / "
#: The roles of `spalten:`, German key -> what the column holds.
COLUMN_KEYS = {
    "jahr": "das Jahr",
    "gebiet": "das Gebiet (Nummer oder Name)",
    "ebene": "die Gebietsebene (optional: die Namen der Ebenen in config/<stadt>/city.yml; nötig, wo Nummern "
             "mehrerer Ebenen stehen)",
    "merkmal": "das Merkmal (lange Datei; eine Spalte oder eine Liste von Spalten)",
    "gruppe": "die Gruppe (lange Datei, optional)",
    "wert": "die Anzahl (lange Datei)",
    "zeichen": "das amtliche Zeichen (optional)",
}
#: A group given in `merkmale:`/`gruppen:`: German key -> (dimension, the intake's parser of its labels).
GROUP_KEYS = {"geschlecht": ("sex", cells.parse_sex), "herkunft": ("origin", cells.parse_origin),
              "alter": ("age", cells.parse_age)}
TOP_KEYS = ("quelle", "datenhalter", "spalten", "merkmale", "gruppen", "gebiete", "summen")
MEASURE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: The measures whose German names the project knows; any other needs `name:` in its entry.
KNOWN_MEASURES = {
    "population": "Einwohner/-innen",
    "unemployed": "Arbeitslose",
    "sgb2_recipients": "Leistungsberechtigte nach dem SGB II",
}
#: Words in a user's characteristic that suggest a measure and group in the draft (checked by the user).
GUESSES: tuple[tuple[str, dict[str, str]], ...] = (
    ("arbeitslos", {"merkmal": "unemployed"}),
    ("sgb ii", {"merkmal": "sgb2_recipients"}),
    ("sgb2", {"merkmal": "sgb2_recipients"}),
    ("migrationshintergrund", {"merkmal": "population", "herkunft": "migration"}),
    ("migrationsvorgeschichte", {"merkmal": "population", "herkunft": "migration"}),
    ("ausländer", {"merkmal": "population", "herkunft": "foreign"}),
    ("einwohner", {"merkmal": "population"}),
    ("bevölkerung", {"merkmal": "population"}),
)


class MappingError(ValueError):
    """The mapping file cannot be used: the file, the key, what is wrong and what to do (German)."""

    def __init__(self, file: str, key: str | None, what: str, fix: str):
        super().__init__(f"{file}{f', Schlüssel {key}' if key else ''}: {what}. So beheben: {fix}.")
        self.file, self.key, self.what, self.fix = file, key, what, fix


@dataclass(frozen=True)
class Target:
    """What a characteristic (or a group value) of the user's file is in the project: measure and groups."""

    measure: str | None = None  # None in `gruppen:` (a group value names no measure)
    groups: tuple[tuple[str, str], ...] = ()  # (dimension, code), e.g. (("origin", "foreign"),)
    name: str = ""  # the German name of a measure the project does not know

    def group(self, dimension: str) -> str | None:
        return dict(self.groups).get(dimension)


@dataclass(frozen=True)
class Sum:
    """A count the file lacks, summed from counts it has (per year and area; only where every part is there)."""

    result: Target
    parts: tuple[Target, ...]


@dataclass
class Mapping:
    """The mapping file as read: columns by role, and the meaning of the user's values."""

    path: Path
    columns: dict[str, list[str]]  # role -> the user's column names (merkmal may have several)
    characteristics: dict[str, Target | None]  # None: weglassen
    groups: dict[str, Target | None]
    areas: dict[str, str | None]  # the user's area -> an official name or number, "Stadt"; None: weglassen
    sums: tuple[Sum, ...] = ()
    source: str = ""
    owner: str = ""
    names: dict[str, str] = field(default_factory=dict)  # measure -> German name given in the mapping

    @property
    def long(self) -> bool:
        """A long file names its characteristic column; a wide one has one column per characteristic."""
        return bool(self.columns.get("merkmal"))

    @property
    def measures(self) -> frozenset[str]:
        """Every measure the mapping can yield (characteristics and sums)."""
        found = {t.measure for t in self.characteristics.values() if t is not None and t.measure}
        return frozenset(found | {s.result.measure for s in self.sums if s.result.measure})


def _fail(path: Path, key: str, what: str, fix: str) -> MappingError:
    return MappingError(path.name, key, what, fix)


def _target(raw: object, path: Path, key: str, needs_measure: bool) -> Target | None:
    """One entry of `merkmale:` or `gruppen:`: `weglassen`, or a mapping of merkmal/geschlecht/herkunft/alter/name."""
    example = "{merkmal: population, herkunft: Ausländer}" if needs_measure else "{herkunft: Ausländer}"
    if isinstance(raw, str) and raw.strip().casefold() == SKIP:
        return None
    if raw is None:
        raise _fail(path, key, "noch nicht zugeordnet", f"eintragen, was der Wert ist, z. B. {example}, oder „{SKIP}“")
    if not isinstance(raw, dict):
        raise _fail(path, key, f"erwartet eine Zuordnung wie {example} oder „{SKIP}“, gefunden {raw!r}",
                    "den Eintrag in dieser Form schreiben")
    allowed = (("merkmal", "name") if needs_measure else ()) + tuple(GROUP_KEYS)
    unknown = [k for k in raw if k not in allowed]
    if unknown:
        raise _fail(path, key, f"unbekannte Angabe {', '.join(map(str, unknown))}", f"nur {', '.join(allowed)} verwenden")
    groups = []
    for german, (dimension, parse) in GROUP_KEYS.items():
        if german in raw:
            try:
                groups.append((dimension, _group(parse, raw[german])))
            except CellError as err:
                raise _fail(path, f"{key}.{german}", f"{err.what} ({raw[german]!r})", f"erlaubt: {err.expected}") from None
    measure = None
    if needs_measure:
        measure = str(raw.get("merkmal") or "").strip()
        if not MEASURE_ID.match(measure):
            known = ", ".join(f"{m} ({n})" for m, n in KNOWN_MEASURES.items())
            raise _fail(path, f"{key}.merkmal", f"Kennung {measure!r} ist keine Merkmal-Kennung",
                        f"eine Kennung aus Kleinbuchstaben, Ziffern und _ eintragen, z. B. {known}")
    name = " ".join(str(raw.get("name") or "").split())
    if measure and measure not in KNOWN_MEASURES and not name:
        raise _fail(path, key, f"das Merkmal {measure!r} ist dem Projekt neu und hat keinen deutschen Namen",
                    "name: mit dem Namen eintragen, wie er im Bericht stehen soll (z. B. name: Geburten)")
    return Target(measure or None, tuple(groups), name)


def _group(parse, value: object) -> str:
    """A group label read by the intake's parser, in either concept's words: the intake's labels follow the
    concept of the city its process started with, a mapping is written in its own city's."""
    try:
        return parse(value)
    except CellError:
        text = str(value)
        for one, other in ((concept.CONCEPTS[0], concept.CONCEPTS[1]), (concept.CONCEPTS[1], concept.CONCEPTS[0])):
            if one in text:
                try:
                    return parse(text.replace(one, other))
                except CellError:
                    pass
        raise


def _column_list(raw: object) -> list[str]:
    if raw is None or raw == "":
        return []
    return [str(c) for c in raw] if isinstance(raw, list) else [str(raw)]


def load(path: Path, table: Table) -> Mapping:
    """The mapping file, checked against the file's header (`table`); MappingError naming the key otherwise."""
    path = Path(path)
    try:
        raw = fileio.load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(path.name, None, f"kein gültiges YAML ({' '.join(str(exc).split())})",
                           "die Stelle korrigieren (Einrückung mit Leerzeichen, Doppelpunkt nach jedem Schlüssel)") from None
    if not isinstance(raw, dict):
        raise MappingError(path.name, None, f"erwartet die Abschnitte {', '.join(TOP_KEYS)}",
                           "die Datei neu entwerfen lassen (ohne --zuordnung aufrufen) und ausfüllen")
    unknown = [k for k in raw if k not in TOP_KEYS]
    if unknown:
        raise _fail(path, str(unknown[0]), "unbekannter Abschnitt", f"nur {', '.join(TOP_KEYS)} verwenden")
    header = [str(h) for h in table.header if h not in (None, "")]
    columns = {}
    for key, raw_columns in (raw.get("spalten") or {}).items():
        if key not in COLUMN_KEYS:
            raise _fail(path, f"spalten.{key}", "unbekannte Rolle", f"nur {', '.join(COLUMN_KEYS)} verwenden")
        names = _column_list(raw_columns)
        missing = [c for c in names if c not in header]
        if missing:
            raise _fail(path, f"spalten.{key}", f"die Spalte „{missing[0]}“ gibt es in {table.file} nicht",
                        f"eine der Spalten {', '.join(header)} eintragen")
        columns[key] = names
    needed = ["jahr", "gebiet"] + (["wert"] if columns.get("merkmal") else [])
    for key in needed:
        if not columns.get(key):
            raise _fail(path, f"spalten.{key}", f"fehlt: welche Spalte {COLUMN_KEYS[key]} enthält",
                        f"eine der Spalten {', '.join(header)} eintragen")
    characteristics = {str(k): _target(v, path, f"merkmale.„{k}“", True) for k, v in (raw.get("merkmale") or {}).items()}
    groups = {str(k): _target(v, path, f"gruppen.„{k}“", False) for k, v in (raw.get("gruppen") or {}).items()}
    areas = {str(k): (None if str(v).strip().casefold() == SKIP else str(v).strip())
             for k, v in (raw.get("gebiete") or {}).items() if v not in (None, "")}
    sums = tuple(_sum(entry, path, i) for i, entry in enumerate(raw.get("summen") or []))
    names = {t.measure: t.name for t in characteristics.values() if t is not None and t.measure and t.name}
    return Mapping(path, columns, characteristics, groups, areas, sums, str(raw.get("quelle") or "").strip(),
                   str(raw.get("datenhalter") or "").strip(), names)


def _sum(entry: object, path: Path, index: int) -> Sum:
    key = f"summen[{index + 1}]"
    if not isinstance(entry, dict) or "ergibt" not in entry or not isinstance(entry.get("aus"), list) \
            or len(entry["aus"]) < 2:
        raise _fail(path, key, "erwartet ergibt: {merkmal: …, herkunft: …} und aus: eine Liste von mindestens zwei Teilen",
                    "den Eintrag wie im Beispiel der entworfenen Zuordnung schreiben")
    result = _target(entry["ergibt"], path, f"{key}.ergibt", True)
    parts = tuple(_target(p, path, f"{key}.aus[{i + 1}]", True) for i, p in enumerate(entry["aus"]))
    if result is None or any(p is None for p in parts):
        raise _fail(path, key, f"„{SKIP}“ passt nicht in eine Summe", "Merkmal und Gruppe jedes Teils eintragen")
    return Sum(result, parts)


# --- the draft ------------------------------------------------------------------------------------------


def _guess(value: str) -> dict[str, str] | None:
    text = cells.norm(value)
    for word, guess in GUESSES:
        if word in text:
            return guess
    return None


def _yaml_key(value: str) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()


def _entry(guess: dict[str, str] | None, seen: str = "") -> str:
    seen = f"; {seen}" if seen else ""
    if guess is None:
        return f"null   # ausfüllen: {{merkmal: …, herkunft: …}} oder weglassen{seen}"
    inner = ", ".join(f"{k}: {v}" for k, v in guess.items())
    return f"{{{inner}}}   # Vorschlag, bitte prüfen{seen}"


def _seen(cells_: list[object]) -> str:
    """What a characteristic's values look like, for the draft: the range, and whether they are whole numbers
    (counts, what the monitoring reads) or have decimals (shares or rates, which it computes itself)."""
    whole: list[int] = []
    decimal: list[float] = []
    for cell in cells_:
        if cell is None or str(cell).strip() == "":
            continue
        try:
            number, _ = cells.parse_value(cell)
        except CellError:
            number = None
        if number is not None:
            whole.append(number)
            continue
        try:
            number_ = float(str(cell).strip().replace(",", "."))
        except ValueError:
            continue
        if math.isfinite(number_):  # "nan", "inf" or 400 digits are no value to show a range of
            decimal.append(number_)
    if decimal:
        low, high = min([*decimal, *whole]), max([*decimal, *whole])
        shown = " bis ".join(f"{v:.1f}".replace(".", ",") for v in (low, high))
        return f"Werte {shown}, mit Nachkommastellen: eher ein Anteil oder eine Quote (weglassen) als eine Anzahl"
    if whole:
        return f"Werte {' bis '.join(f'{v:,}'.replace(',', '.') for v in (min(whole), max(whole)))}, ganze Zahlen"
    return ""


def _year_runs(years: set[str]) -> str:
    """Years as runs: 2011–2012, 2017–2022 (texts that are no year as they are)."""
    numbers = sorted(int(y) for y in years if y.isdigit())
    runs: list[list[int]] = []
    for year in numbers:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    shown = [f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    return ", ".join(shown + sorted(y for y in years if not y.isdigit()))


def _values_by_characteristic(table: Table, key_indices: list[int] | None, value_index: int | None,
                              columns: dict[str, int], year_index: int | None) -> dict[str, str]:
    """`_seen` for every characteristic, with its years: of a long file by its key cells and value column, of a
    wide one by column (two tables of one thing differ often in their years)."""
    found: dict[str, list[object]] = {}
    years: dict[str, set[str]] = {}

    def add(key: str, row: list[object], index: int) -> None:
        found.setdefault(key, []).append(row[index] if index < len(row) else None)
        year = row[year_index] if year_index is not None and year_index < len(row) else None
        if year is not None and str(year).strip():
            years.setdefault(key, set()).add(str(year).strip().removesuffix(".0"))

    for _, row in table.rows:
        if key_indices is not None and value_index is not None:
            add(cell_key(row, key_indices), row, value_index)
        for name, index in columns.items():
            add(name, row, index)
    shown = {}
    for key, values in found.items():
        seen, in_years = _seen(values), _year_runs(years.get(key, set()))
        if in_years:
            seen += f"{', ' if seen else ''}Jahre {in_years}"
        shown[key] = seen
    return shown


def draft(table: Table, data_name: str, unmatched_areas: list[str]) -> str:
    """A commented mapping for `table` (the user's file `data_name`): columns guessed from the header,
    every distinct value of the characteristic and group columns listed for the user to fill in."""
    header = [str(h) for h in table.header if h not in (None, "")]
    roles = {cells.header_role(h): h for h in header}
    guess_columns = {"jahr": roles.get("year"), "gebiet": roles.get("area_code") or roles.get("area_name"),
                     "ebene": roles.get("area_level"),
                     "merkmal": roles.get("measure"), "gruppe": roles.get("origin") or roles.get("sex"),
                     "wert": roles.get("value"), "zeichen": roles.get("flag")}
    for h in header:  # the project's own English column names, a column named after the group
        role = {"year": "jahr", "measure": "merkmal", "value": "wert"}.get(h.casefold())
        role = role or ("gruppe" if "gruppe" in h.casefold() else None)
        if role and not guess_columns.get(role):
            guess_columns[role] = h
    if not guess_columns["gebiet"]:
        guess_columns["gebiet"] = next((h for h in header if any(w in h.casefold() for w in AREA_WORDS)), None)
    labels = _label_columns(table, header, set(guess_columns.values()))
    if labels and guess_columns["wert"]:  # text columns beside the roles: together they name the characteristic
        guess_columns["merkmal"] = [*labels, *([guess_columns["merkmal"]] if guess_columns["merkmal"] else [])]
    long = bool(guess_columns["merkmal"] and guess_columns["wert"])
    lines = [
        f"# Zuordnung der Datei {data_name} zum Integrationsmonitoring (integrationsmonitoring stadt daten).",
        "# Entworfen aus der Kopfzeile und den Werten der Datei: bitte jede Zeile prüfen und jedes „null“ ausfüllen.",
        "# Alles hier steht in den Worten der Datei; rechts vom Doppelpunkt steht, was es im Monitoring ist.",
        "",
        "# Woher die Zahlen stammen (steht im Indikatorkatalog und unter jeder Tabelle) und wer sie liefert.",
        "quelle: null",
        "datenhalter: null",
        "",
        "# Welche Spalte was enthält (Überschriften der Datei). Eine lange Datei hat eine Zeile je Jahr, Gebiet,",
        "# Merkmal und Gruppe (merkmal und wert angeben; merkmal darf eine Liste mehrerer Spalten sein, deren",
        f"# Werte dann mit „{JOIN}“ verbunden unter merkmale: stehen); eine breite Datei hat eine Spalte je Merkmal",
        "# (merkmal, gruppe und wert weglassen; die Spalten stehen dann unter merkmale:).",
        "# gebiet: die Spalte mit der Gebietsnummer oder dem Gebietsnamen (Namen wie in data/<stadt>/areas.csv).",
        "spalten:",
    ]
    for key in COLUMN_KEYS:
        if not long and key in ("merkmal", "gruppe", "wert"):
            continue
        column = guess_columns.get(key)
        lines.append(f"  {key}: {_yaml_key(column) if column else 'null'}")
    if long:
        characteristic = guess_columns["merkmal"]
        key_indices = [header.index(c) for c in _column_list(characteristic)]
        values = _distinct(table, key_indices)
        group_values = _distinct(table, [header.index(guess_columns["gruppe"])]) if guess_columns["gruppe"] else []
        year_index = header.index(guess_columns["jahr"]) if guess_columns["jahr"] else None
        seen = _values_by_characteristic(table, key_indices, header.index(guess_columns["wert"]), {}, year_index)
    else:
        used = {guess_columns["jahr"], guess_columns["gebiet"], guess_columns["zeichen"]}
        values, group_values = [h for h in header if h not in used], []
        year_index = header.index(guess_columns["jahr"]) if guess_columns["jahr"] else None
        seen = _values_by_characteristic(table, None, None, {h: header.index(h) for h in values}, year_index)
    known = ", ".join(f"{m} ({n})" for m, n in KNOWN_MEASURES.items())
    lines += [
        "",
        "# Was jedes Merkmal der Datei ist: merkmal: eine Kennung des Projekts:",
        f"#   {known}",
        "# (ein neues Merkmal mit eigener Kennung und name: „deutscher Name“), dazu wenn nötig die Gruppe:",
        "# herkunft: (insgesamt, mit Migrationshintergrund, Ausländer, Deutsche, …), geschlecht: (männlich,",
        f"# weiblich), alter: (z. B. 15 bis unter 65). „{SKIP}“ liest das Merkmal nicht ein.",
        "merkmale:",
    ]
    lines += [f"  {_yaml_key(v)}: {_entry(_guess(v), seen.get(v, ''))}" for v in values] or ["  {}"]
    lines += ["", "# Was jeder Wert der Gruppen-Spalte ist (herkunft:, geschlecht:, alter:; {} = insgesamt).", "gruppen:"]
    lines += [f"  {_yaml_key(v)}: {_group_entry(v)}" for v in group_values] or ["  {}"]
    lines += [
        "",
        "# Andere Schreibweisen von Gebieten: Name in der Datei: amtlicher Name oder Nummer (areas.csv), „Stadt“",
        f"# für die Gesamtstadt, „{SKIP}“ für Zeilen, die kein Gebiet sind.",
    ]
    if unmatched_areas:
        lines.append("# Diese Gebiete der Datei sind in areas.csv nicht bekannt; bitte zuordnen:")
        lines.append("gebiete:")
        lines += [f"  {_yaml_key(a)}: null" for a in unmatched_areas]
    else:
        lines.append("gebiete: {}")
    lines += [
        "",
        "# Zahlen, die die Datei nicht enthält, als Summe anderer (je Jahr und Gebiet, nur wenn jeder Teil da ist),",
        "# z. B. mit Migrationshintergrund = Ausländer + Deutsche mit Migrationshintergrund:",
        "#   - ergibt: {merkmal: population, herkunft: mit Migrationshintergrund}",
        "#     aus:",
        "#       - {merkmal: population, herkunft: Ausländer}",
        "#       - {merkmal: population, herkunft: Deutsche mit Migrationshintergrund}",
        "summen: []",
        "",
    ]
    return "\n".join(lines)


def _group_entry(value: str) -> str:
    if cells.norm(value) in cells.TOTAL_WORDS:
        return "{}   # insgesamt"
    for german, (_, parse) in GROUP_KEYS.items():
        try:
            parse(value)
        except CellError:
            continue
        return f"{{{german}: {_yaml_key(value)}}}   # Vorschlag, bitte prüfen"
    return "null   # ausfüllen: {herkunft: …} oder {geschlecht: …} oder {alter: …}, {} = insgesamt, oder weglassen"


def cell_key(row: list[object], indices: list[int]) -> str:
    """The key of a row's characteristic (or group) in the mapping: its cells' texts joined by JOIN."""
    values = [row[i] if i < len(row) else None for i in indices]
    return JOIN.join("" if v is None else str(v).strip() for v in values)


def _distinct(table: Table, indices: list[int]) -> list[str]:
    seen: dict[str, None] = {}
    for _, row in table.rows:
        key = cell_key(row, indices)
        if key.replace(JOIN.strip(), "").strip():
            seen.setdefault(key, None)
    return list(seen)


#: Words in a column's name that say it holds the area (draft only).
AREA_WORDS = ("gebiet", "stadtteil", "bezirk", "ortsteil", "district", "area", "quartier")
#: A text column with at most this many distinct values names (a part of) the characteristic (draft only).
LABEL_VALUES_AT_MOST = 200


def _label_columns(table: Table, header: list[str], used: set) -> list[str]:
    """Text columns the draft assigns no role: with few distinct, not numeric values, they label the characteristic."""
    found = []
    for index, name in enumerate(header):
        if name in used:
            continue
        values = {str(row[index]).strip() for _, row in table.rows if index < len(row) and row[index] not in (None, "")}
        if values and len(values) <= LABEL_VALUES_AT_MOST and not all(re.fullmatch(r"[\d.,\s-]+", v) for v in values):
            found.append(name)
    return found
