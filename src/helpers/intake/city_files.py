"""What `stadt neu` writes: the area list with its parents and the two settings files, commented in German.

A new city has the shape every city has (README "Eine neue Stadt einrichten"): config/<name>/city.yml
and monitoring.yml, data/<name>/areas.csv and data/<name>/geo/. The settings are written as text
with a German comment on every key, so the statistics office can read and change them without the
README; what only the office knows (how its statistics are cited) is written as a marked TODO
that `check-city` reports until it is filled in (`todo_problems`).

Parents of the areas come from one of three places: a column of the boundary file, the first N
characters of the code, or a second boundary file (each area goes to the parent that covers the
largest share of it; a share below `CLEAR_SHARE` is reported as ambiguous).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from helpers.core import levels
from helpers.core.problems import Location, Problem

#: Share of an area its parent must cover for the assignment to be clear (as check-city's INSIDE_SHARE).
CLEAR_SHARE = 0.8
#: The marker of a setting only the city can fill in; check-city reports every line that carries it.
TODO = "TODO"
AREA_COLUMNS = ["level", "code", "name", "parent_level", "parent_code", "aliases"]


@dataclass(frozen=True)
class LevelNames:
    """A level as the user names it ("Stadtteil") and as the files name it (stadtteil, stadtteile)."""

    name: str
    plural: str

    @property
    def code(self) -> str:
        return slug(self.name)

    @property
    def stem(self) -> str:
        return slug(self.plural)


def slug(text: str) -> str:
    """A German name as an identifier: "Statistischer Bezirk" -> "statistischer_bezirk", "Räume" -> "raeume"."""
    text = text.lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def plural(name: str) -> str:
    """The usual plural of an area level's German name (Stadtteil -> Stadtteile, Sozialraum -> Sozialräume)."""
    if name.endswith("raum"):
        return f"{name[:-4]}räume"
    if name.endswith(("e", "el", "er")):
        return f"{name}n" if name.endswith("e") else name
    return f"{name}e"


def plain_codes(codes: pd.Series) -> pd.Series:
    """Codes as the numbers in them, without leading zeros (STGT03 -> 3), for counts that number the areas so;
    a code without digits stays as it is."""
    def plain(code: str) -> str:
        digits = "".join(ch for ch in code if ch.isdigit())
        return str(int(digits)) if digits else code
    return codes.map(plain)


def plain_names(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Names without a leading number ("03 Nordstadt" -> "Nordstadt") and, as their alias, the name as it was
    (so a file that writes it so still matches); names without a number stay, without an alias."""
    stripped = names.str.replace(r"^\d+[\s.:-]*\s*", "", regex=True)
    stripped = stripped.where(stripped != "", names)
    return stripped, names.where(stripped != names, "")


def parents_from_column(values: pd.Series) -> pd.Series:
    """Parent codes as the boundary file's column holds them."""
    return values.astype(str)


def parents_from_prefix(codes: pd.Series, length: int) -> pd.Series:
    """Parent codes as the first `length` characters of each code (Münster's 342 -> 34)."""
    return codes.str[:length]


def parents_by_containment(layer: gpd.GeoDataFrame, parents: gpd.GeoDataFrame, where: str,
                           names: dict[str, str], parent_names: dict[str, str]) -> tuple[pd.Series, list[Problem]]:
    """Each area's parent by the largest share of its area (both layers metric, same CRS); notes for unclear ones."""
    chosen, notes = [], []
    tree_index = parents.sindex
    for code, shape in zip(layer["code"], layer.geometry):
        candidates = tree_index.query(shape, predicate="intersects")
        shares = sorted(((shape.intersection(parents.geometry.iloc[int(i)]).area / shape.area, parents["code"].iloc[int(i)])
                         for i in candidates), reverse=True)
        if not shares or shares[0][0] <= 0:
            chosen.append("")
            notes.append(Problem(Location(where, key="geometry"), f"Fläche {names[code]} liegt in keiner Fläche der "
                                 "übergeordneten Ebene. Bitte die Grenzen prüfen oder die Eltern mit --eltern-spalte "
                                 "oder --eltern-praefix angeben."))
            continue
        share, parent = shares[0]
        chosen.append(parent)
        if share < CLEAR_SHARE:
            others = ", ".join(f"{parent_names[p]} {_percent(s)}" for s, p in shares[:3])
            notes.append(Problem(Location(where, key="geometry"), f"Fläche {names[code]} liegt nur zu {_percent(share)} in "
                                 f"{parent_names[parent]} ({others}); zugeordnet zu {parent_names[parent]}. Bitte "
                                 "prüfen (parent_code in areas.csv)."))
    return pd.Series(chosen, index=layer.index, dtype=str), notes


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


def areas_table(city_code: str, city_name: str, base: LevelNames, layer: gpd.GeoDataFrame,
                parent: LevelNames | None, parent_codes: pd.Series | None,
                parent_names: dict[str, str] | None) -> pd.DataFrame:
    """areas.csv: the city, the parents (if any), the areas, each with its parent."""
    rows = [{"level": levels.CITY, "code": city_code, "name": city_name, "parent_level": "", "parent_code": ""}]
    if parent is not None and parent_codes is not None:
        for code in sorted(set(parent_codes) - {""}, key=natural):
            rows.append({"level": parent.code, "code": code, "name": (parent_names or {}).get(code, f"{parent.name} {code}"),
                         "parent_level": levels.CITY, "parent_code": city_code})
    for index, row in layer.loc[sorted(layer.index, key=lambda i: natural(layer.at[i, "code"]))].iterrows():
        above = (parent.code, parent_codes[index]) if parent is not None and parent_codes is not None else (levels.CITY, city_code)
        rows.append({"level": base.code, "code": row["code"], "name": row["name"], "parent_level": above[0],
                     "parent_code": above[1], "aliases": row.get("aliases", "")})
    table = pd.DataFrame(rows)
    table["aliases"] = table.get("aliases", pd.Series("", index=table.index)).fillna("")
    return table[AREA_COLUMNS]


def natural(code: str) -> tuple:
    """A sort key that puts 2 before 10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code))


def dissolved(layer: gpd.GeoDataFrame, parent_codes: pd.Series, parent_names: dict[str, str]) -> gpd.GeoDataFrame:
    """The parents' boundaries as the union of their areas (so the levels nest exactly)."""
    merged = layer.assign(code=parent_codes.values).dissolve(by="code", as_index=False)[["code", "geometry"]]
    merged["name"] = merged["code"].map(parent_names)
    return merged[["code", "name", "geometry"]]


def city_yml(city: str, concept: str, reference_date: str, base: LevelNames, parent: LevelNames | None,
             geometry_source: str) -> str:
    """config/<city>/city.yml, every key commented in German."""
    level_lines = [f"  - level: {base.code}", f"    name: {base.name}", f"    plural: {base.plural}",
                   f"    boundaries: {base.stem}"]
    if parent is not None:
        level_lines += [f"  - level: {parent.code}", f"    name: {parent.name}", f"    plural: {parent.plural}",
                        f"    boundaries: {parent.stem}"]
    return "\n".join([
        f"# Die Stadt {city}: was ihren Bericht zu ihrem Bericht macht. Angelegt von `integrationsmonitoring stadt neu`;",
        "# jede Einstellung darf geändert werden. Gemeindeschlüssel (code) und amtlicher Name (name) der Stadt",
        f"# stehen in data/{city}/areas.csv, in der Zeile der Ebene „stadt“.",
        "",
        "# Begriff der Statistik dieser Stadt: Migrationshintergrund (Mikrozensus-Definition, Melderegister)",
        "# oder Migrationsvorgeschichte (Definition seit 2023). Er steht in allen Texten des Berichts.",
        f"concept: {concept}",
        "",
        "# Stichtag der Bestandszahlen (TT.MM.), z. B. 31.12. für „am 31. Dezember“.",
        f"reference_date: \"{reference_date}\"",
        "",
        "# Gebietsgliederung, kleinste Ebene zuerst (ein bis vier Ebenen; die Stadt selbst kommt immer dazu).",
        "# Auf der kleinsten Ebene werden die Anzahlen gespeichert und nach oben summiert.",
        f"#   level:       Name der Ebene in data/{city}/areas.csv und den Beobachtungen",
        "#   name/plural: so heißt sie im Bericht",
        f"#   boundaries:  Grenzen in data/{city}/geo/<boundaries>.geojson",
        "levels:",
        *level_lines,
        "",
        "# Unter jeder Karte: woher die Grenzen stammen.",
        f"geometry: {_quoted(geometry_source)}",
        "",
        "# Die kleinräumige Statistik der Stadt, wie sie zitiert wird.",
        "#   name:  Beginn einer Quellenzeile unter Abbildungen und Tabellen (z. B. „Stadt X, Statistikstelle“)",
        "#   basis: Datengrundlage auf der Titelseite (z. B. „Einwohnermelderegister, Stand jeweils 31.12.“)",
        f"# {TODO}: bitte beide ausfüllen; make check-city meldet jede Zeile mit {TODO}, bis sie ausgefüllt ist.",
        "statistics:",
        f"  name: \"{TODO}: Name der Statistikstelle der Stadt\"",
        f"  basis: \"{TODO}: Datenquelle und Stand der Zahlen\"",
        "",
        "# Nutzungsbedingungen der Quellen (Abschnitt „Quellen und Nutzungsbedingungen“): ein Teil des Quellennamens",
        "# und die Bedingungen, wie die Quelle sie nennt. Unbekannte werden nicht geraten; Beispiel:",
        "#   - match: Statistikstelle",
        "#     terms: Datenlizenz Deutschland – Namensnennung – 2.0",
        "terms: []",
        "",
        "# Stand auf der Titelseite. Ohne diese Einstellung steht dort der Datenstand: der Stichtag des neuesten",
        "# Jahres im Bericht (z. B. 31.12.2022). Wer ein Veröffentlichungsdatum nennen will, trägt es hier ein,",
        "# als Datum in Anführungszeichen oder als Monat, und entfernt das #:",
        "# stand: \"15.03.2024\"",
        "",
    ])


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def monitoring_yml(city: str, concept: str) -> str:
    """config/<city>/monitoring.yml: the chapters and what the city may override, commented in German."""
    return "\n".join([
        f"# Der Bericht der Stadt {city}: Kapitel und Standard-Berichtsjahr. Angelegt von `integrationsmonitoring",
        "# stadt neu`. Was hier nicht steht (Geheimhaltung, Texte, Lieferungen), gilt aus config/monitoring.yml;",
        "# ein Abschnitt, der hier auch steht, gilt für diese Stadt statt des gemeinsamen (z. B. eine strengere",
        "# Geheimhaltungsregel unter disclosure:).",
        "",
        "# Die Kapitel des Berichts: Ohne eigenen Ordner notebooks/<stadt>/ entstehen sie aus dem Katalog",
        "# (data/<stadt>/catalogue.yml): ein Kapitel zur Bevölkerung mit " + concept + ", eines je Handlungsfeld",
        "# mit Indikatoren, räumliche Muster und Zusammenhänge, jedes Wort aus den Einstellungen und dem Katalog",
        "# der Stadt. Wer eigene Kapitel schreibt, legt notebooks/<stadt>/ an und nennt sie hier, in dieser",
        "# Reihenfolge (notebook: Datei in notebooks/<stadt>/; title: deutscher Titel für Meldungen), z. B.:",
        "# chapters:",
        "#   - notebook: 00_kontext_bevoelkerung.ipynb",
        f"#     title: Bevölkerung mit {concept}",
        "",
        "# Standard-Berichtsjahr: ohne Eintrag das letzte Jahr mit Daten. Mit Eintrag das letzte Jahr, in dem diese",
        "# Indikatoren (Katalog-IDs) Werte haben, z. B.:",
        "# default_year:",
        "#   indicators: [mh_anteil]",
        "",
    ])


def todo_problems(root: Path, city: str) -> list[Problem]:
    """Every setting of config/<city>/ still marked TODO (not in a comment): what the city must fill in."""
    out = []
    for name in ("city.yml", "monitoring.yml"):
        path = root / "config" / city / name
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            content = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
            if TODO in content:
                key = content.split(":", 1)[0].strip()
                out.append(Problem(Location(f"config/{city}/{name}", row=number, key=key or None),
                                   f"noch nicht ausgefüllt ({content.strip()}). Bitte den Wert eintragen."))
    return out
