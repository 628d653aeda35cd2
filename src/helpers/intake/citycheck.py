"""Is a city set up completely? One command checks a data root and reports every problem.

    python -m helpers.intake.citycheck            # the current city (make check-city [CITY=berlin])

A city is configuration and data (README "Eine neue Stadt einrichten"): its areas
(data/<city>/areas.csv), boundaries (data/<city>/geo/), catalogue, observations, published rates and its
config/<city>/city.yml and config/monitoring.yml. This reads them directly from their files, not
through the caches of the report, and collects every problem with file, row and column and what
to do, instead of stopping at the first one:

- areas: known levels, a parent for every area that names one, exactly one row of the city;
- boundaries: every area of a level with a boundary file has a polygon and every polygon an
  area, polygons are valid and lie in their parent area; the coordinates are metric and lie in
  Germany, neighbours neither overlap nor leave gaps (`boundary_crs`, `boundary_checks`);
- observations and published rates: every area code is an area of that level;
- catalogue: every measure an indicator counts (or the published rate it takes) has data, every
  measure in the data has an entry with a German name;
- the two configuration files read without error and have no setting left marked TODO;
- the report's chapters (helpers.intake.chapter_checks): every listed chapter has its notebook, every
  indicator and Handlungsfeld id a chapter or a staff text names is in the catalogue, and names that
  occur on two levels (a warning).

Exit code 0 without errors (warnings are printed and stop nothing), 1 with errors, each printed as one
German line. `make report`, `make release` and `make verify` run this check first
(helpers.intake.citygate).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

from helpers.core import arguments, catalogue, config, levels, paths
from helpers.core import city as city_profile
from helpers.core.problems import Location, Problem, Severity
from helpers.intake import boundary_checks, boundary_crs, chapter_checks, city_files

#: Share of a child's area that must lie within its parent.
INSIDE_SHARE = 0.8


def _problem(file: str, row: int | None, key: str, message: str) -> Problem:
    """A setup problem: `row` is the file's 1-based line (header = 1), None for the file as a whole; `key`
    the data file's column or the configuration's key, "" for none."""
    return Problem(Location(file, row=row, key=key or None), message)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _expected_parents(hierarchy: levels.Hierarchy) -> dict[str, tuple[str, ...]]:
    """Level -> the parent levels it may have: the next declared level (the city for the largest),
    for the finer levels any declared or finer one."""
    chain = hierarchy.codes
    expected = {code: (chain[i + 1],) for i, code in enumerate(chain[:-1])}
    expected[levels.UNASSIGNED] = (levels.CITY,)
    for lv in hierarchy.other:
        expected[lv.code] = tuple(c for c in hierarchy.stored if c not in (levels.CITY, levels.UNASSIGNED, lv.code))
    return expected


def check_areas(table: pd.DataFrame, where: str, hierarchy: levels.Hierarchy | None = None, city: str = "") -> list[Problem]:
    """Levels (as declared in config/<city>/city.yml), parents and the one city row of areas.csv."""
    city = city or paths.CITY
    problems = []
    hierarchy = hierarchy or levels.hierarchy()
    known = hierarchy.stored
    expected = _expected_parents(hierarchy)
    present = set(zip(table["level"], table["code"]))
    for index, row in table.iterrows():
        line = int(index) + 2
        if row["level"] not in known:
            problems.append(_problem(where, line, "level", f"unbekannte Ebene {row['level']!r}; erlaubt (config/{city}/city.yml, "
                                                           f"levels): {', '.join(known)}."))
        elif row["level"] != levels.CITY and row["parent_level"] not in expected[row["level"]]:
            problems.append(_problem(where, line, "parent_level",
                                     f"{row['level']} {row['code']} ({row['name']}) hat die übergeordnete Ebene "
                                     f"{row['parent_level'] or '(leer)'!r}; nach config/{city}/city.yml erwartet: "
                                     f"{' oder '.join(expected[row['level']])}."))
        if row["parent_level"] and (row["parent_level"], row["parent_code"]) not in present:
            problems.append(_problem(where, line, "parent_code",
                                     f"{row['level']} {row['code']} ({row['name']}) gehört laut Datei zu "
                                     f"{row['parent_level']} {row['parent_code']}, das es nicht gibt. Bitte das "
                                     "übergeordnete Gebiet ergänzen oder den Verweis berichtigen."))
    cities = table[table["level"] == "stadt"]
    if len(cities) != 1:
        problems.append(_problem(where, None, "level", f"{len(cities)} Zeilen der Ebene „stadt“; es muss genau eine "
                                                       "sein (Gemeindeschlüssel als code, amtlicher Name als name)."))
    return problems


def check_boundaries(table: pd.DataFrame, geo_dir: Path, root: Path,
                     hierarchy: levels.Hierarchy | None = None, city: str = "") -> list[Problem]:
    """Every area of a level with a boundary file has one polygon, and the polygons fit together."""
    city = city or paths.CITY
    problems: list[Problem] = []
    layers: dict[str, gpd.GeoDataFrame] = {}
    hierarchy = hierarchy or levels.hierarchy()
    stems = hierarchy.with_boundaries
    for level, stem in stems.items():
        path = geo_dir / f"{stem}.geojson"
        codes = set(table.loc[table["level"] == level, "code"])
        if not path.is_file():
            if codes:
                problems.append(_problem(_relative(path, root), None, "", f"Datei fehlt: {len(codes)} Gebiete der "
                                         f"Ebene {level} haben keine Grenzen (Karten und Nachbarschaften brauchen sie)."))
            continue
        where = _relative(path, root)
        layer = gpd.read_file(path)
        layer["code"] = layer["code"].astype(str)
        layers[level] = layer
        for code in sorted(codes - set(layer["code"])):
            problems.append(_problem(where, None, "code", f"{level} {code} steht in data/{city}/areas.csv, hat aber keine "
                                                          "Grenze. Bitte die Fläche ergänzen."))
        for index, code in layer["code"].items():
            if code not in codes:
                problems.append(_problem(where, int(index) + 1, "code", f"Fläche {code} ist kein Gebiet der Ebene "
                                                                        f"{level} in data/{city}/areas.csv."))
        for index in layer.index[~layer.geometry.is_valid]:
            problems.append(_problem(where, int(index) + 1, "geometry", f"Fläche {layer.at[index, 'code']} ist "
                                                                        "geometrisch ungültig (z. B. Selbstüberschneidung)."))
        wrong_crs = boundary_crs.problems(layer, where, list(layer["code"]), metric_only=True)
        problems += wrong_crs or boundary_checks.layer_problems(layer, where)
    if hierarchy.base.code not in layers:
        problems.append(_problem(f"config/{city}/city.yml", None, "levels", f"Die kleinste Ebene {hierarchy.base.code} hat keine "
                                 "Grenzen (boundaries): Karten, Moran's I und Sozialraumindex brauchen sie."))
    problems += _outside_parents(table, layers, stems, geo_dir, root, city)
    return problems


def _outside_parents(table: pd.DataFrame, layers: dict[str, gpd.GeoDataFrame], stems: dict[str, str],
                     geo_dir: Path, root: Path, city: str = "") -> list[Problem]:
    city = city or paths.CITY
    out = []
    for level, layer in layers.items():
        rows = table[(table["level"] == level) & table["parent_level"].isin(list(layers))]
        for parent_level, group in rows.groupby("parent_level"):
            parents = layers[parent_level].set_index("code").geometry
            shapes = layer.set_index("code").geometry
            for code, parent in zip(group["code"], group["parent_code"]):
                if code not in shapes.index or parent not in parents.index:
                    continue  # reported above
                shape = shapes[code]
                share = shape.intersection(parents[parent]).area / shape.area if shape.area else 0.0
                if share < INSIDE_SHARE:
                    out.append(_problem(_relative(geo_dir / f"{stems[level]}.geojson", root), None, "geometry",
                                        f"{level} {code} liegt nur zu {share:.0%} in {parent_level} {parent}, zu dem "
                                        f"es laut data/{city}/areas.csv gehört. Bitte Zuordnung oder Grenzen prüfen."))
    return out


def check_area_codes(frame: pd.DataFrame, where: str, areas_present: set[tuple[str, str]], city: str = "") -> list[Problem]:
    """Every (level, code) of a data file is an area; one problem per unknown pair, at its first row."""
    city = city or paths.CITY
    keys = pd.Series(list(zip(frame["area_level"], frame["area_code"].astype(str))), index=frame.index)
    unknown = keys[~keys.isin(areas_present)]
    out = []
    for key, rows in unknown.groupby(unknown):
        first = int(rows.index[0]) + 2
        out.append(_problem(where, first, "area_code", f"{key[0]} {key[1]} ist kein Gebiet in data/{city}/areas.csv "
                                                       f"({len(rows)} Zeilen). Bitte das Gebiet ergänzen oder den "
                                                       "Code berichtigen."))
    return out


def check_catalogue(cat: catalogue.Catalogue, observed: pd.DataFrame, published: set[str],
                    where: str, city: str = "") -> list[Problem]:
    """Every counted measure (with the groups asked for) has data and a German name for the definition
    boxes; every published rate has data too."""
    city = city or paths.CITY
    have = set(zip(observed["measure"], observed["sex"], observed["origin"]))
    measures = set(observed["measure"])
    named = dict(cat.measure_names)
    used = sorted({t.measure for ind in cat.indicators if ind.counted for t in ind.terms})
    out = [_problem(where, None, "measures", f"Merkmal {m!r} hat keinen deutschen Namen im Abschnitt measures; im "
                    f"Definitionskasten stünde der interne Name. Bitte z. B. „{m}: …“ ergänzen.")
           for m in used if m not in named]
    out += [_problem(where, None, "measures", f"Merkmal {m!r} steht in den Beobachtungen (data/{city}/observations/), "
                     "aber nicht im Katalog (Abschnitt measures, mit deutschem Namen). Bitte „{m}: …“ ergänzen oder "
                     "das Merkmal in den Daten berichtigen.".replace("{m}", m))
            for m in sorted(measures - named.keys() - set(used))]
    for ind in cat.indicators:
        if not ind.counted:
            if ind.published.measure not in published:
                out.append(_problem(where, None, "published_rate", f"Indikator {ind.id}: die veröffentlichte Quote "
                                    f"{ind.published.measure!r} fehlt in data/{city}/published_rates.csv."))
            continue
        for side, term in zip(("numerator", "denominator"), ind.terms):
            if term.measure not in measures:
                out.append(_problem(where, None, side, f"Indikator {ind.id}: Merkmal {term.measure!r} kommt in den "
                                    "Beobachtungen nicht vor. Bitte Daten liefern oder das Merkmal berichtigen."))
            elif term.origin not in ("german", "no_migration") and (term.measure, term.sex, term.origin) not in have:
                out.append(_problem(where, None, side, f"Indikator {ind.id}: {term.measure!r} gibt es nicht für "
                                    f"sex={term.sex}, origin={term.origin}."))
    return out


def check_configuration(root: Path, city: str) -> list[Problem]:
    """config/<city>/monitoring.yml (over the shared config/monitoring.yml) and config/<city>/city.yml read
    without error (city.yml may be absent)."""
    out = []
    settings = config.config_path(root, city)
    try:
        config.load(settings)
    except config.ConfigError as err:
        where, _, message = str(err).partition(": ")
        out.append(_problem(_relative(Path(where), root), None, "", message))
    city_file = root / city_profile.RELATIVE.format(city=city)
    if city_file.is_file():
        try:
            found = city_profile.parse(city_file.read_text(encoding="utf-8"), Path(_relative(city_file, root)), "")
        except city_profile.CityConfigError as err:
            out.append(_problem(_relative(city_file, root), None, "", str(err).split(": ", 1)[-1]))
        else:
            if not found.terms:  # not an error: unknown terms are not guessed, the report says to look them up
                out.append(Problem(Location(_relative(city_file, root), key="terms"), (
                    "keine Nutzungsbedingungen der Quellen angegeben: der Bericht nennt bei jeder Quelle "
                    f"„{city_profile.UNKNOWN_TERMS}“. Bitte die Bedingungen unter terms: eintragen, sobald sie "
                    "bekannt sind (auch „nicht angegeben“ mit dem, was man weiß)."), severity=Severity.WARNING))
    return out


def check(root: Path, city: str | None = None) -> list[Problem]:
    """Every problem of the city `city` (default: this process's) set up in the repository `root`:
    data/<city>/ and config/<city>/."""
    city = city or paths.CITY
    data = root / "data" / city
    problems: list[Problem] = []
    areas_file = data / "areas.csv"
    if not areas_file.is_file():
        return [_problem(_relative(areas_file, root), None, "", "Datei fehlt: die Gebietsliste (level, code, name, "
                                                                  "parent_level, parent_code, aliases).")]
    table = pd.read_csv(areas_file, dtype=str, keep_default_na=False)
    try:
        hierarchy = levels.of_file(root / city_profile.RELATIVE.format(city=city))
    except levels.LevelError:
        hierarchy = levels.Hierarchy()  # the file's problem is reported by check_configuration
    problems += check_areas(table, _relative(areas_file, root), hierarchy, city)
    problems += check_boundaries(table, data / "geo", root, hierarchy, city)
    present = set(zip(table["level"], table["code"]))
    frames = []
    for path in sorted((data / "observations").glob("*.csv")):
        if path.name.startswith("."):
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frames.append(frame)
        problems += check_area_codes(frame, _relative(path, root), present, city)
    rates_file = data / "published_rates.csv"
    published: set[str] = set()
    if rates_file.is_file():
        rates = pd.read_csv(rates_file, dtype=str, keep_default_na=False)
        published = set(rates["measure"])
        problems += check_area_codes(rates, _relative(rates_file, root), present, city)
    problems += check_configuration(root, city) + city_files.todo_problems(root, city)
    catalogue_file = data / "catalogue.yml"
    if not catalogue_file.is_file():
        return problems + [_problem(_relative(catalogue_file, root), None, "", (
            f"Der Indikatorenkatalog fehlt noch. Die Zahlen einlesen: integrationsmonitoring stadt daten {city} DATEI "
            "(schreibt den Katalog für das, was die Zahlen erlauben), oder die Datei selbst anlegen (README, "
            "„Was eine Stadt braucht“)."))]
    try:
        cat = catalogue.load(catalogue_file)
    except (catalogue.CatalogueError, OSError) as err:
        return problems + [_problem(_relative(catalogue_file, root), None, "", str(err))]
    observed = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["measure", "sex", "origin"])
    where = _relative(catalogue_file, root)
    problems += check_catalogue(cat, observed, published, where, city)
    indicators = {ind.id for ind in cat.indicators}
    problems += chapter_checks.check_chapters(root, city, indicators, {hf.id for hf in cat.handlungsfelder}, where)
    problems += chapter_checks.check_text_ids(data, root, indicators, where)
    return problems + chapter_checks.check_names_on_two_levels(table, _relative(areas_file, root), hierarchy)


def errors(problems: list[Problem]) -> list[Problem]:
    """The problems that stop a report (everything but warnings and hints)."""
    return [p for p in problems if p.severity is Severity.ERROR]


def say(problems: list[Problem], city: str) -> int:
    """Print the check's result in German (errors and warnings to stderr, each one line); 1 with an error."""
    where = f"{city} (config/{city}/, data/{city}/)"
    found = errors(problems)
    warned = [p for p in problems if p.severity is not Severity.ERROR]
    stream = sys.stderr if found else sys.stdout
    if found:
        print(f"{len(found)} Problem(e) in der Einrichtung der Stadt {where}:", file=stream)
        for problem in found:
            print(f"  {problem}", file=stream)
    else:
        print(f"Stadt {where} vollständig eingerichtet: keine Probleme gefunden"
              f"{f', {len(warned)} Warnung(en)' if warned else ''}.")
    for problem in warned:
        print(f"  Warnung: {problem}", file=stream)
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Die Einrichtung einer Stadt prüfen: Gebiete, Grenzen, Daten, "
                                                  "Katalog, Kapitel und Konfiguration; jedes Problem mit Datei, Zeile "
                                                  "und Spalte. Warnungen halten nichts an.")
    parser.add_argument("root", type=Path, nargs="?", default=paths.ROOT, metavar="ORDNER",
                        help="Repository mit config/, data/ (Standard: dieses); die Stadt wählt CITY=… bzw. --stadt")
    root = parser.parse_args(argv).root
    try:
        problems = check(root, paths.CITY)
    except (ValueError, KeyError, OSError) as err:  # a file it cannot read at all (a CSV without its columns)
        print(f"Die Prüfung der Stadt {paths.CITY} brach ab: {type(err).__name__}: {' '.join(str(err).split())}",
              file=sys.stderr)
        return 1
    return say(problems, paths.CITY)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
