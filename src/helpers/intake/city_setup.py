"""`integrationsmonitoring stadt neu <name> --grenzen …`: a new city set up from its own boundary file.

A statistics office has a boundary file of its areas (any format GDAL reads, any CRS) and knows
its Gemeindeschlüssel; from these this writes the city's folders in the shape every city has:
config/<name>/city.yml and monitoring.yml (commented in German), data/<name>/areas.csv and the
boundaries reprojected to ETRS89 / UTM in data/<name>/geo/. Before anything is written the
boundaries are checked (`boundary_crs`: do the coordinates fit and lie in Germany;
`boundary_checks`: valid, no overlaps, no gaps) and, with `--bereinigen`, repaired
(`boundary_repair`). Every problem names the file, the area and what to do; with any left,
nothing is written. The files are staged in a hidden folder of the repository and moved into
place together: all or none. An existing city is never overwritten without `--ersetzen`.

Exit code 0 set up, 1 problems found (nothing written), 2 wrong call.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from helpers.core import arguments, concept, fileio, paths
from helpers.core.problems import Problem
from helpers.intake import boundary_checks, boundary_crs, boundary_file, boundary_repair, city_files
from helpers.sources.geojson import write_geojson

NAME = re.compile(r"[a-z][a-z0-9_]*")
AGS = re.compile(r"\d{8}")
DATE = re.compile(r"(0[1-9]|[12]\d|3[01])\.(0[1-9]|1[0-2])\.")


class Refused(Exception):
    """Setup stops: the problems found (nothing has been written)."""

    def __init__(self, problems: list[Problem | str]) -> None:
        super().__init__(f"{len(problems)} Problem(e)")
        self.problems = problems


@dataclass(frozen=True)
class Layer:
    """One level's checked boundaries (metric CRS) and how messages name its areas."""

    level: city_files.LevelNames
    frame: gpd.GeoDataFrame
    label: str

    @property
    def names(self) -> dict[str, str]:
        return {c: f"{c} „{n}“" for c, n in zip(self.frame["code"], self.frame["name"])}


def _parser() -> arguments.ArgumentParser:
    parser = arguments.ArgumentParser(
        description="Eine neue Stadt aus ihrer eigenen Grenzdatei einrichten: config/<name>/ und data/<name>/ "
                    "(Gebiete, Grenzen, Einstellungen). Die Grenzen werden geprüft; mit Problemen wird nichts "
                    "geschrieben.")
    parser.add_argument("name", help="Ordnername der Stadt: Kleinbuchstaben, Ziffern, _ (z. B. musterstadt)")
    parser.add_argument("--grenzen", type=Path, required=True, metavar="DATEI",
                        help="Grenzen der kleinsten Ebene: Shapefile (auch als .zip), GeoPackage oder GeoJSON")
    parser.add_argument("--code", required=True, metavar="SPALTE", help="Spalte mit dem Gebietscode")
    parser.add_argument("--name", dest="name_column", required=True, metavar="SPALTE", help="Spalte mit dem Gebietsnamen")
    parser.add_argument("--code-nur-ziffern", action="store_true",
                        help="als Code nur die Zahl im Code, ohne führende Nullen (STGT03 → 3), wie die Zahlen die Gebiete nummerieren")
    parser.add_argument("--name-ohne-nummer", action="store_true",
                        help="eine Nummer vor dem Namen weglassen (03 Nordstadt → Nordstadt; die alte Form wird Alias)")
    parser.add_argument("--ebene", default="Stadtteil", help="Name der Ebene im Bericht (Standard: Stadtteil)")
    parser.add_argument("--ebene-plural", default=None, metavar="PLURAL", help="Mehrzahl (Standard: abgeleitet)")
    parents = parser.add_mutually_exclusive_group()
    parents.add_argument("--eltern-grenzen", type=Path, metavar="DATEI",
                         help="Grenzen der übergeordneten Ebene; Zuordnung über die größte Überdeckung")
    parents.add_argument("--eltern-spalte", metavar="SPALTE", help="Spalte der Grenzdatei mit dem Code des übergeordneten Gebiets")
    parents.add_argument("--eltern-praefix", type=int, metavar="N",
                         help="die ersten N Zeichen des Codes sind der Code des übergeordneten Gebiets")
    parser.add_argument("--eltern-code", metavar="SPALTE", help="Code-Spalte in --eltern-grenzen")
    parser.add_argument("--eltern-name", metavar="SPALTE", help="Namens-Spalte in --eltern-grenzen")
    parser.add_argument("--eltern-ebene", default="Stadtbezirk", help="Name der übergeordneten Ebene (Standard: Stadtbezirk)")
    parser.add_argument("--eltern-ebene-plural", default=None, metavar="PLURAL", help="ihre Mehrzahl (Standard: abgeleitet)")
    parser.add_argument("--gemeindeschluessel", metavar="AGS", help="amtlicher Gemeindeschlüssel, 8 Ziffern (z. B. 01001000)")
    parser.add_argument("--amtlicher-name", metavar="NAME", help="amtlicher Name der Stadt (Standard: aus dem Ordnernamen)")
    parser.add_argument("--konzept", choices=[c.lower() for c in concept.CONCEPTS], default="migrationshintergrund",
                        help="Begriff der Statistik (Standard: migrationshintergrund)")
    parser.add_argument("--stichtag", default="31.12.", metavar="TT.MM.", help="Stichtag der Zahlen (Standard: 31.12.)")
    parser.add_argument("--quelle-grenzen", metavar="TEXT", help="woher die Grenzen stammen (steht unter jeder Karte)")
    parser.add_argument("--bereinigen", action="store_true",
                        help="ungültige Flächen reparieren, schmale Überlappungen und Lücken beseitigen (berichtet je Gebiet)")
    parser.add_argument("--toleranz", type=float, default=1.0, metavar="METER",
                        help="mit --bereinigen: Überlappungen und Lücken schmaler als so viele Meter (Standard: 1,0)")
    parser.add_argument("--crs-korrektur", metavar="OPTION", help="Koordinaten der Grenzen anders lesen, wie die Prüfung "
                        "vorschlägt: EPSG:<Nummer> oder ostwert-<Meter>")
    parser.add_argument("--eltern-crs-korrektur", metavar="OPTION", help="dasselbe für --eltern-grenzen")
    parser.add_argument("--ersetzen", action="store_true",
                        help="eine eingerichtete Stadt neu anlegen: ersetzt nur die Dateien, die dieser Befehl schreibt")
    parser.add_argument("--ordner", type=Path, default=None, metavar="ORDNER", help="Repository (Standard: dieses)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    started = time.perf_counter()
    call_problem = _call_problem(args)
    if call_problem:
        parser.error(call_problem)
    root = Path(args.ordner or paths.ROOT)
    try:
        written = setup(args, root)
    except Refused as refused:
        print(f"{len(refused.problems)} Problem(e); nichts geschrieben:", file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Stadt {args.name} eingerichtet ({time.perf_counter() - started:.1f} s):")
    for path in written:
        print(f"  {path.relative_to(root)}")
    chosen = next(c for c in concept.CONCEPTS if c.lower() == args.konzept)
    print(f"Eingestellt: Begriff {chosen} (--konzept), Stichtag der Zahlen {args.stichtag} (--stichtag); beides "
          f"steht in config/{args.name}/city.yml und lässt sich dort ändern.")
    print("Nächste Schritte: in config/" + args.name + "/city.yml die Zeilen mit TODO ausfüllen; Zahlen laden "
          f"(integrationsmonitoring stadt daten {args.name} …); prüfen: make check-city CITY={args.name}.")
    return 0


def _call_problem(args) -> str:
    """What is wrong with the call itself (argparse cannot say it), or ""."""
    if not NAME.fullmatch(args.name):
        return f"Name {args.name!r}: erlaubt sind Kleinbuchstaben a–z, Ziffern und _, am Anfang ein Buchstabe (z. B. musterstadt)."
    if args.eltern_grenzen and not (args.eltern_code and args.eltern_name):
        return "--eltern-grenzen braucht --eltern-code und --eltern-name (die Spalten der übergeordneten Grenzdatei)."
    if not DATE.fullmatch(args.stichtag):
        return f"--stichtag {args.stichtag!r}: erwartet Tag und Monat wie 31.12. (TT.MM.)."
    if args.toleranz <= 0:
        return "--toleranz muss größer als 0 sein (Meter)."
    if args.gemeindeschluessel is not None and not AGS.fullmatch(args.gemeindeschluessel):
        return f"--gemeindeschluessel {args.gemeindeschluessel!r}: erwartet 8 Ziffern (z. B. 01001000)."
    if args.eltern_praefix is not None and args.eltern_praefix < 1:
        return "--eltern-praefix muss mindestens 1 sein."
    return ""


MISSING_AGS = ("Der Gemeindeschlüssel fehlt: bitte --gemeindeschluessel mit 8 Ziffern angeben (z. B. 01001000; "
               "Gemeindeverzeichnis des Statistischen Bundesamts).")


def _ags(args) -> str:
    """The Gemeindeschlüssel, asked for when a person sits at the terminal (once the boundaries have passed their
    checks: nobody should type it only to learn that the file is missing)."""
    if args.gemeindeschluessel:
        return args.gemeindeschluessel
    if sys.stdin.isatty():
        answer = input("Amtlicher Gemeindeschlüssel der Stadt (8 Ziffern, z. B. 01001000): ").strip()
        if AGS.fullmatch(answer):
            return answer
    raise Refused([MISSING_AGS])


def setup(args, root: Path) -> list[Path]:
    """Check, repair if asked, stage and write; Refused with every problem found."""
    existing = [p for p in (root / "config" / args.name, root / "data" / args.name) if p.exists()]
    if existing and not args.ersetzen:
        listed = ", ".join(f"{p.relative_to(root)}/" for p in existing)
        raise Refused([f"Die Stadt {args.name} gibt es schon ({listed}). Es wird nichts überschrieben. Um sie neu "
                       "anzulegen, mit --ersetzen aufrufen: ersetzt werden nur city.yml, monitoring.yml, areas.csv und "
                       "die Grenzdateien dieses Befehls; Katalog und Beobachtungen bleiben."])
    base_names = city_files.LevelNames(args.ebene, args.ebene_plural or city_files.plural(args.ebene))
    parent_names = city_files.LevelNames(args.eltern_ebene, args.eltern_ebene_plural or city_files.plural(args.eltern_ebene))
    extra = (args.eltern_spalte,) if args.eltern_spalte else ()
    base, base_problems, columns = _layer(args.grenzen, args.code, args.name_column, base_names, args.crs_korrektur, args, extra)
    problems: list[Problem | str] = list(base_problems)
    if not args.gemeindeschluessel and not sys.stdin.isatty():  # said with the boundaries' problems, not after them
        problems.append(MISSING_AGS)
    parent_layer: Layer | None = None
    if args.eltern_grenzen:
        parent_layer, more, _ = _layer(args.eltern_grenzen, args.eltern_code, args.eltern_name, parent_names,
                                       args.eltern_crs_korrektur, args, extra_level=True)
        problems += more
    if problems or base is None:
        raise Refused(problems)
    codes, names, notes = _parents(args, base, parent_layer, columns, parent_names)
    problems += [n for n in notes if "keiner Fläche" in n.message]
    for note in notes:
        if note not in problems:
            print(f"Hinweis: {note}")
    if problems:
        raise Refused(problems)
    return _write(args, root, _ags(args), base, parent_layer, parent_names if codes is not None else None, codes, names)


def _plain(frame: gpd.GeoDataFrame, args) -> tuple[gpd.GeoDataFrame, str]:
    """The codes and names as `--code-nur-ziffern` and `--name-ohne-nummer` ask; a refusal if codes then clash."""
    frame = frame.copy()
    if args.code_nur_ziffern:
        plain = city_files.plain_codes(frame["code"])
        clashes = sorted({c for c in plain[plain.duplicated()]})
        if clashes:
            pairs = "; ".join(f"{c}: {', '.join(frame.loc[plain == c, 'code'])}" for c in clashes)
            return frame, f"mit --code-nur-ziffern hätten mehrere Flächen denselben Code ({pairs}); bitte ohne die Option."
        frame["code"] = plain
    if args.name_ohne_nummer:
        frame["name"], frame["aliases"] = city_files.plain_names(frame["name"])
    return frame, ""


def _layer(path: Path, code: str, name: str, level: city_files.LevelNames, correction: str | None, args,
           extra: tuple[str, ...] = (), extra_level: bool = False) -> tuple[Layer | None, list[Problem | str], pd.DataFrame]:
    """One boundary file read, its CRS checked, made metric, repaired if asked and checked; its problems."""
    try:
        read = boundary_file.read(path, code, name, extra)
    except boundary_file.BoundaryFileError as err:
        return None, str(err).split("\n"), pd.DataFrame()
    frame, label = read.layer, read.label
    print(f"Gelesen: {label}: {len(frame)} Flächen, Koordinatensystem {boundary_crs.describe(frame.crs)}.")
    if not extra_level:
        frame, renamed = _plain(frame, args)
        if renamed:
            return None, [f"{label}: {renamed}"], pd.DataFrame()
    if correction:
        try:
            frame = boundary_crs.apply(frame, correction)
        except boundary_crs.CrsError as err:
            return None, [str(err)], pd.DataFrame()
        print(f"  gelesen mit --crs-korrektur {correction}: {boundary_crs.describe(frame.crs)}.")
    labels = [f"{c} „{n}“" for c, n in zip(frame["code"], frame["name"])]
    wrong = boundary_crs.problems(frame, label, labels)
    if wrong:
        return None, list(wrong), pd.DataFrame()
    metric = boundary_crs.metric(frame)
    if metric.crs != frame.crs:
        print(f"  umprojiziert nach {boundary_crs.describe(metric.crs)}.")
    layer = Layer(level, metric, label)
    problems: list[Problem | str] = []
    if args.bereinigen:
        repaired, changes = boundary_repair.repair(layer.frame, args.toleranz)
        lines = boundary_repair.describe(changes, layer.names)
        tolerance = f"{args.toleranz:g}".replace(".", ",")
        changed = sum(c.changed for c in changes)
        print(f"  bereinigt (Toleranz {tolerance} m): " + (f"{changed} Gebiet(e) geändert." if changed else "nichts zu ändern."))
        for line in lines:
            print(f"    {line}")
        layer = Layer(level, repaired, label)
    else:
        problems += boundary_checks.invalid_problems(layer.frame, label, labels)
    if not problems:
        problems += boundary_checks.overlap_problems(layer.frame, label, layer.names)
        problems += boundary_checks.gap_problems(layer.frame, label, layer.names)
    overlaps, overlap_m2, gaps, gap_m2 = boundary_checks.noise(layer.frame) if not problems else (0, 0.0, 0, 0.0)
    said = [f"{n} kleine {kind} ({boundary_repair.square_metres(m2)} m²)"
            for n, kind, m2 in ((overlaps, "Überlappung(en)", overlap_m2), (gaps, "Lücke(n)", gap_m2)) if n]
    if said:
        print(f"  hingenommen (je höchstens {boundary_checks.SLIVER_M2:g} m²): {', '.join(said)}; --bereinigen "
              "beseitigt sie.")
    columns = read.layer.drop(columns="geometry")
    return layer, problems, columns


def _parents(args, base: Layer, parent: Layer | None, columns: pd.DataFrame, level: city_files.LevelNames
             ) -> tuple[pd.Series | None, dict[str, str] | None, list[Problem]]:
    """Each area's parent code, the parents' names and notes on unclear assignments."""
    if parent is not None:
        others = parent.frame.to_crs(base.frame.crs)
        names = dict(zip(others["code"], others["name"]))
        codes, notes = city_files.parents_by_containment(base.frame, others, base.label, base.names, parent.names)
        return codes, names, notes
    if args.eltern_spalte:
        codes = city_files.parents_from_column(columns[args.eltern_spalte]).set_axis(base.frame.index)
    elif args.eltern_praefix:
        codes = city_files.parents_from_prefix(base.frame["code"], args.eltern_praefix)
    else:
        return None, None, []
    return codes, {c: f"{level.name} {c}" for c in codes}, []


def _write(args, root: Path, ags: str, base: Layer, parent: Layer | None, parent_level: city_files.LevelNames | None,
           codes: pd.Series | None, names: dict[str, str] | None) -> list[Path]:
    """Stage every file in a hidden folder of `root`, then move them into place together."""
    stage = root / f".stadt-neu.{os.getpid()}.tmp"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        data, config = stage / "data" / args.name, stage / "config" / args.name
        city_name = args.amtlicher_name or args.name.replace("_", " ").title()
        table = city_files.areas_table(ags, city_name, base.level, base.frame, parent_level, codes, names)
        data.mkdir(parents=True)
        table.to_csv(data / "areas.csv", index=False, lineterminator="\n")
        write_geojson(base.frame[["code", "name", "geometry"]].sort_values("code", key=lambda c: c.map(city_files.natural)),
                      data / "geo" / f"{base.level.stem}.geojson", base.level.stem)
        if parent_level is not None and codes is not None:
            above = (parent.frame.to_crs(base.frame.crs)[["code", "name", "geometry"]] if parent is not None
                     else city_files.dissolved(base.frame, codes, names or {}))
            write_geojson(above, data / "geo" / f"{parent_level.stem}.geojson", parent_level.stem)
        chosen = next(c for c in concept.CONCEPTS if c.lower() == args.konzept)
        source = args.quelle_grenzen or f"{city_name}: Grenzen der {base.level.plural} ({Path(args.grenzen).name})"
        config.mkdir(parents=True)
        fileio.write_text_atomic(config / "city.yml", city_files.city_yml(args.name, chosen, args.stichtag, base.level,
                                                                          parent_level, source))
        fileio.write_text_atomic(config / "monitoring.yml", city_files.monitoring_yml(args.name, chosen))
        return _commit(stage, root)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _commit(stage: Path, root: Path) -> list[Path]:
    """Move every staged file onto its place; on any failure put back what was there before."""
    files = sorted(p for p in stage.rglob("*") if p.is_file())
    backups, moved = [], []
    try:
        for staged in files:
            target = root / staged.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                backup = stage / ".vorher" / staged.relative_to(stage)
                backup.parent.mkdir(parents=True, exist_ok=True)
                fileio.replace(target, backup)
                backups.append((target, backup))
            fileio.replace(staged, target)
            moved.append(target)
    except BaseException:
        for target in moved:
            target.unlink(missing_ok=True)
        for target, backup in backups:
            fileio.replace(backup, target)
        raise
    return moved
