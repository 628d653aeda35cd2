"""The catalogue entries a city's loaded counts allow, added to data/<city>/catalogue.yml without touching the rest.

After `stadt daten` has stored counts, the city needs indicators over them: the share with migration
background (or Migrationsvorgeschichte, as the city's concept says), the foreigners' share, unemployed and
SGB II recipients per population of working age where such a population is stored (else per population),
and for any other measure its number per 100 inhabitants. `proposals` says which entries the stored counts
support; `add` appends those the catalogue lacks as text, so that every word and comment the user wrote
stays as it was: an entry is missing when neither its id nor its formula is in the catalogue (a renamed or
edited entry is kept). What cannot be added safely is not written but returned for the user to paste.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from helpers.core import catalogue as catalogue_module
from helpers.core import concept, fileio
from helpers.intake.mapping import KNOWN_MEASURES

HANDLUNGSFELDER = {
    "kontext": {"name": "Bevölkerung mit Migrationsvorgeschichte", "category": "Kontext",
                "aim": "Wie viele Menschen mit Migrationsvorgeschichte in der Stadt leben und wie sie sich über "
                       "die Gebiete verteilen: der Bezugsrahmen für alle Handlungsfelder."},
    "arbeit_wirtschaft": {"name": "Arbeit und Wirtschaft", "category": "Handlungsfeld",
                          "aim": "Gleichberechtigter Zugang zu Arbeit und Erwerbseinkommen."},
    "soziale_lage": {"name": "Soziale Lage", "category": "Handlungsfeld",
                     "aim": "Wie viele Menschen in den Gebieten auf Leistungen der Grundsicherung angewiesen sind."},
    "weitere": {"name": "Weitere Kennzahlen", "category": "Handlungsfeld",
                "aim": "Weitere Kennzahlen aus der Statistik der Stadt, je 100 Einwohnerinnen und Einwohner."},
}
#: Working-age populations, preferred first, as stored age groups.
WORKING_AGE = ("15-64", "18-64", "15-65", "18-65")
#: Populations under 65 (the SGB II quota's base), preferred first.
UNDER_65 = ("0-64", "0-65")
#: The header a catalogue written from scratch starts with.
HEADER = """\
# Indikatorenkatalog, geschrieben von `integrationsmonitoring stadt daten` aus den eingelesenen Zahlen.
# Namen, Definitionen, Einheiten, Richtung und Quellen bitte prüfen und in eigenen Worten fassen:
# ein erneuter Lauf ändert keinen vorhandenen Eintrag, er ergänzt nur fehlende (und sagt, welche).
# Ein Indikator ist Zähler / Nenner × scale; jede Seite nennt ein Merkmal (measure) und feste Gruppen
# (sex, origin, age; ohne Angabe: insgesamt). direction: higher_better, lower_better, gap_shrink, descriptive.
"""


@dataclass
class Proposals:
    """What the stored counts allow: Handlungsfelder, indicators, German measure names (catalogue entries as dicts)."""

    handlungsfelder: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    measures: dict[str, str] = field(default_factory=dict)


@dataclass
class Added:
    """What `add` did: the ids added, the ids the catalogue already had, and entries left for the user to paste."""

    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    by_hand: str = ""


def _term(measure: str, origin: str = "total", age: str = "total") -> dict:
    term = {"measure": measure}
    if origin != "total":
        term["origin"] = origin
    if age != "total":
        term["age"] = age
    return term


def _age_words(age: str) -> str:
    low, high = age.split("-")
    return f"{low} bis unter {int(high) + 1} Jahren"


def proposals(stored: pd.DataFrame, level: str, source: str, owner: str, names: dict[str, str]) -> Proposals:
    """The entries the counts in `stored` (the city's observations) support at the base `level`."""
    counts = stored[stored["value"].notna() & (stored["area_level"] == level) & (stored["sex"] == "total")]
    years: dict[tuple, set[int]] = {}
    for (measure, origin, age), frame in counts.groupby(["measure", "origin", "age"]):
        years[(measure, origin, age)] = set(frame["year"].astype(int))
    out = Proposals()
    mig = concept.say("mit Migrationsvorgeschichte")

    def first(*terms: tuple) -> int | None:
        common = set.intersection(*(years.get(t, set()) for t in terms))
        return min(common) if common else None

    def propose(id_: str, hf: str, name: str, definition: str, num: tuple, den: tuple, direction: str,
                base: str, notes: str = "") -> None:
        year = first(num, den)
        if year is None:
            return
        entry = {"id": id_, "name": name, "definition": definition, "handlungsfeld": hf,
                 "numerator": _term(*num), "denominator": _term(*den), "scale": 100, "unit": "%",
                 "direction": direction, "level": level, "population_base": base, "data_owner": owner or source,
                 "source": source, "first_year": year, "synthetic": False}
        if notes:
            entry["notes"] = notes
        out.indicators.append(entry)
        if hf not in [h["id"] for h in out.handlungsfelder]:
            text = HANDLUNGSFELDER[hf]
            out.handlungsfelder.append({"id": hf, **{k: concept.say(v) for k, v in text.items()}})
        for measure in (num[0], den[0]):
            out.measures[measure] = names.get(measure) or KNOWN_MEASURES.get(measure, measure)

    population = ("population", "total", "total")
    propose("mh_anteil", "kontext", f"Anteil der Einwohner/-innen {mig}",
            f"Einwohner/-innen {mig} je 100 Einwohner/-innen.", ("population", "migration", "total"), population,
            "descriptive", "Einwohner/-innen")
    propose("auslaender_anteil", "kontext", "Anteil der Ausländerinnen und Ausländer",
            "Einwohner/-innen ohne deutsche Staatsangehörigkeit je 100 Einwohner/-innen.",
            ("population", "foreign", "total"), population, "descriptive", "Einwohner/-innen")
    propose("deutsche_mh_anteil", "kontext", f"Anteil der Deutschen {mig}",
            f"Deutsche Einwohner/-innen {mig} je 100 Einwohner/-innen.", ("population", "german_migration", "total"),
            population, "descriptive", "Einwohner/-innen")
    working = next((("population", "total", a) for a in WORKING_AGE if ("population", "total", a) in years), population)
    under = next((("population", "total", a) for a in UNDER_65 if ("population", "total", a) in years), population)
    for measure, id_, hf, label in (("unemployed", "alo_dichte", "arbeit_wirtschaft", "Arbeitslose"),
                                    ("sgb2_recipients", "sgb2_quote", "soziale_lage",
                                     "Leistungsberechtigte nach dem SGB II")):
        base = working if measure == "unemployed" else under
        ages = f" im Alter von {_age_words(base[2])}" if base[2] != "total" else ""
        note = "" if base[2] in ("15-64", "0-64") else (
            f"Bezug auf die Einwohner/-innen{ages or ' aller Altersgruppen'}: eine Bevölkerung "
            f"{'von 15 bis unter 65' if measure == 'unemployed' else 'unter 65'} Jahren ist nicht eingelesen.")
        propose(id_, hf, f"{label} je 100 Einwohner/-innen{ages}", f"{label} je 100 Einwohner/-innen{ages}.",
                (measure, "total", "total"), base, "lower_better", f"Einwohner/-innen{ages}", note)
        propose(f"{id_.split('_')[0]}_auslaender_anteil", hf, f"Anteil der Ausländer/-innen an den {label}n"
                if label == "Arbeitslose" else f"Anteil der Ausländer/-innen unter den {label}",
                f"Ausländer/-innen je 100 {label}.", (measure, "foreign", "total"), (measure, "total", "total"),
                "descriptive", label)
    others = sorted({m for (m, o, a) in years if m not in ("population", *KNOWN_MEASURES) and o == "total" and a == "total"})
    for measure in others:
        label = names.get(measure) or measure
        propose(f"{measure}_je_100_ew", "weitere", f"{label} je 100 Einwohner/-innen", f"{label} je 100 Einwohner/-innen.",
                (measure, "total", "total"), population, "descriptive", "Einwohner/-innen")
    return out


# --- writing ----------------------------------------------------------------------------------------------


def _dump(entries: list[dict]) -> str:
    """Entries as a YAML block list indented under its section (`  - id: …`), a formula's sides on one line
    each (`numerator: {measure: population, origin: migration}`), as the hand-written catalogues have them."""
    out = []
    for entry in entries:
        lines = []
        for key, value in entry.items():
            if isinstance(value, dict):
                flow = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=True, width=1000)
                lines.append(f"{key}: {flow.strip()}")
            else:
                block = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, default_flow_style=False,
                                       width=100)
                lines += block.rstrip("\n").splitlines()
        out.append("".join(f"  {'- ' if i == 0 else '  '}{line}\n" for i, line in enumerate(lines)))
    return "".join(out)


def _dump_measures(measures: dict[str, str]) -> str:
    text = yaml.safe_dump(measures, allow_unicode=True, sort_keys=True, width=100)
    return "".join(f"  {line}\n" for line in text.splitlines())


def _insert(text: str, section: str, block: str) -> str:
    """`block` appended to the top-level `section` of `text` (after its last indented line); the section is
    created at the end when missing, and an empty flow value (`[]`, `{}`) becomes a block."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(rf"^{section}:\s*(\[\]|\{{\}})?\s*(#.*)?$", line)), None)
    if start is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + f"\n{section}:\n{block}"
    lines[start] = f"{section}:\n"
    end = start + 1
    last = start
    while end < len(lines) and not re.match(r"^[A-Za-z_]", lines[end]):
        if lines[end].strip() and not lines[end].lstrip().startswith("#"):
            last = end
        end += 1
    return "".join(lines[:last + 1]) + block + "".join(lines[last + 1:])


def _formula(entry: dict) -> tuple:
    def side(term: object) -> tuple:
        term = term if isinstance(term, dict) else {}
        return tuple(str(term.get(k, "total")) for k in ("measure", "sex", "origin", "age"))
    return side(entry.get("numerator")), side(entry.get("denominator"))


def add(path: Path, found: Proposals, declared: tuple[str, ...]) -> Added:
    """Append to the catalogue at `path` the proposed entries it lacks (by id and by formula); never change an
    entry the user has. Writes atomically; a catalogue that would not read afterwards is left alone and the
    entries are returned in `by_hand`."""
    path = Path(path)
    old_text = path.read_text(encoding="utf-8") if path.is_file() else ""
    raw = fileio.load_yaml(old_text) if old_text.strip() else {}
    raw = raw if isinstance(raw, dict) else {}
    indicators = [e for e in raw.get("indicators") or [] if isinstance(e, dict)]
    ids = {str(e.get("id")) for e in indicators}
    formulas = {_formula(e) for e in indicators}
    result = Added()
    new = []
    for entry in found.indicators:
        if entry["id"] in ids or _formula(entry) in formulas:
            result.kept.append(entry["id"])
        else:
            new.append(entry)
            result.added.append(entry["id"])
    if not new:
        return result
    used = {e["handlungsfeld"] for e in new}
    have_hf = {str(h.get("id")) for h in raw.get("handlungsfelder") or [] if isinstance(h, dict)}
    hfs = [h for h in found.handlungsfelder if h["id"] in used and h["id"] not in have_hf]
    names = {m: n for m, n in found.measures.items() if m not in (raw.get("measures") or {})
             and any(m in (e["numerator"]["measure"], e["denominator"]["measure"]) for e in new)}
    text = old_text or HEADER
    if hfs:
        text = _insert(text, "handlungsfelder", _dump(hfs))
    text = _insert(text, "indicators", _dump(new))
    if names:
        text = _insert(text, "measures", _dump_measures(names))
    try:
        parsed = catalogue_module.parse(text, Path(path.parent.name) / path.name, declared)
        if not ids | set(result.added) <= {i.id for i in parsed.indicators}:
            raise catalogue_module.CatalogueError("nicht alle Einträge gelesen")
    except (catalogue_module.CatalogueError, yaml.YAMLError, KeyError, TypeError):
        result.by_hand = f"handlungsfelder:\n{_dump(hfs)}indicators:\n{_dump(new)}measures:\n{_dump_measures(names)}"
        result.added = []
        return result
    fileio.write_atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
    return result
