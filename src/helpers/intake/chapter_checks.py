"""What a city's report needs beside its data: chapters that exist, ids the catalogue knows, names a text can cite.

Part of `make check-city` (helpers.intake.citycheck), and so of every `make report`: a new city's
statistics office meets these mistakes in its first afternoon, and before this check each one
surfaced only as a failed kernel or, worse, as a wrong number in the report.

- a chapter listed in config/<city>/monitoring.yml without its notebook;
- an indicator or Handlungsfeld id that a chapter notebook uses and the catalogue lacks, read from the
  notebook's source without running it: the arguments of the sections' calls (`indicator_section("id",
  report_year)`, `correlation_section(indikatoren, …)` with the list from the parameters cell or from
  monitoring.yml), and the ids monitoring.yml itself names (`requires`, `default_year`);
- an indicator id in a placeholder of a staff text (`{{id …}}`) that the catalogue lacks;
- a name (or alias) that occurs on two levels a text can cite: a warning listing them, because a
  placeholder with such a name must say its level (helpers.disclosure.citations refuses it otherwise).
"""

from __future__ import annotations

import ast
import difflib
import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from helpers.core import config, context, levels, paths, texts
from helpers.core.problems import Location, Problem, Severity

#: Section functions a chapter calls with an indicator id first (its parameter's name): helpers.sections.
INDICATOR_CALLS = {"indicator_section": "indicator_id", "extremes_table": "indicator_id", "level_map": "indicator_id",
                   "development_maps": "indicator_id", "level_section": "indicator_id", "lisa_section": "indicator_id",
                   "beside": "indicator_id", "spatial_section": "indicator_ids", "social_space_section": "indicator_ids",
                   "correlation_section": "indicators"}
#: … and with a Handlungsfeld id first.
HANDLUNGSFELD_CALLS = {"opening": "hf_id", "recommendations": "hf_id", "handlungsfeld": "hf_id"}
#: Further keyword arguments of those calls that hold indicator ids.
INDICATOR_KEYWORDS = ("lisa_indicator", "scatter_pairs")


def _problem(where: str, message: str, key: str = "", row: int | None = None,
             severity: Severity = Severity.ERROR) -> Problem:
    return Problem(Location(where, row=row, key=key or None), message, severity)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _suggest(wanted: str, known: Iterable[str]) -> str:
    near = difflib.get_close_matches(wanted, list(known), n=1, cutoff=0.6)
    return f" Meinten Sie {near[0]}?" if near else ""


def notebook_folder(root: Path, city: str) -> Path:
    """Where the report looks for the city's chapters (its own folder, else the default city's)."""
    return paths.layout(context.RunContext(root=root, city=city))["NOTEBOOKS"]


def _cells(notebook: Path) -> list[tuple[int, ast.Module]]:
    """(1-based cell number, parsed source) of each code cell; lines of IPython magic are left out, and a
    cell that is not Python is skipped (its kernel reports it)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    parsed = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            parsed.append((number, ast.parse("\n".join(lines))))
        except SyntaxError:
            continue
    return parsed


def _assigned(cells: list[tuple[int, ast.Module]], parameters: dict) -> dict[str, object]:
    """Names assigned a literal at a cell's top level (the parameters cell's defaults), then the chapter's
    parameters from monitoring.yml over them, as papermill would."""
    names: dict[str, object] = {}
    for _, tree in cells:
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    names[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return {**names, **parameters}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, set)):
        return [s for item in value for s in _strings(item)]
    return []


def _values(node: ast.expr, names: dict[str, object]) -> list[str]:
    """The strings an argument holds: a literal, a (nested) list of them, or a name assigned one."""
    if isinstance(node, ast.Name):
        return _strings(names.get(node.id))
    try:
        return _strings(ast.literal_eval(node))
    except ValueError:
        return []


def used_ids(notebook: Path, parameters: dict | None = None) -> list[tuple[int, str, str, str]]:
    """(cell, call, kind, id) for every indicator ("indikator") and Handlungsfeld ("handlungsfeld") id a
    notebook's section calls name; "id:gruppe" gives the id."""
    cells = _cells(notebook)
    names = _assigned(cells, parameters or {})
    found = []
    for number, tree in cells:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            for kind, table in (("indikator", INDICATOR_CALLS), ("handlungsfeld", HANDLUNGSFELD_CALLS)):
                if func not in table:
                    continue
                args = [node.args[0]] if node.args else []
                args += [k.value for k in node.keywords if k.arg == table[func]]
                if kind == "indikator":
                    args += [k.value for k in node.keywords if k.arg in INDICATOR_KEYWORDS]
                found += [(number, func, kind, value.split(":")[0]) for arg in args for value in _values(arg, names)]
    return found


def check_chapters(root: Path, city: str, indicators: set[str], handlungsfelder: set[str],
                   catalogue_file: str) -> list[Problem]:
    """Every listed chapter has its notebook, and every id a chapter or monitoring.yml names is in the catalogue."""
    try:
        settings = config.load(config.config_path(root, city))
    except config.ConfigError:
        return []  # reported by citycheck.check_configuration
    where = _relative(settings.path, root)
    folder = notebook_folder(root, city)
    out = []
    for chapter in settings.chapters:
        notebook = folder / chapter.notebook
        if not notebook.is_file():
            out.append(_problem(where, f"Kapitel {chapter.notebook} („{chapter.title}“) hat kein Notebook in "
                                       f"{_relative(folder, root)}/. Bitte das Notebook anlegen oder den Eintrag "
                                       "entfernen.", "chapters"))
            continue
        for cell, call, kind, found in used_ids(notebook, chapter.parameters):
            known, what = (indicators, "den Indikator") if kind == "indikator" else (handlungsfelder, "das Handlungsfeld")
            if found not in known:
                out.append(_problem(_relative(notebook, root), f"Zelle {cell}: {call} nennt {what} {found!r}, "
                                    f"{what.split()[0]} der Katalog ({catalogue_file}) nicht kennt."
                                    f"{_suggest(found, known)} Bitte die id im Notebook berichtigen oder im Katalog "
                                    "ergänzen."))
        needed = chapter.requires.indicators if chapter.requires else ()
        out += [_problem(where, f"Kapitel {chapter.notebook}, requires: Indikator {i!r} steht nicht im Katalog "
                                f"({catalogue_file}).{_suggest(i, indicators)}", "chapters")
                for i in needed if i not in indicators]
    default = settings.default_year.indicators if settings.default_year else ()
    out += [_problem(where, f"default_year: Indikator {i!r} steht nicht im Katalog ({catalogue_file})."
                            f"{_suggest(i, indicators)}", "default_year") for i in default if i not in indicators]
    return out


def check_text_ids(data: Path, root: Path, indicators: set[str], catalogue_file: str) -> list[Problem]:
    """Every placeholder of every staff text (data/<city>/texte/, all years) cites an indicator of the catalogue."""
    out = []
    for path in sorted((data / texts.FOLDER).rglob("*.md")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in texts.PLACEHOLDER.finditer(line):
                wanted = (match.group("inner").split() or [""])[0].split(":")[0]
                if wanted not in indicators:
                    out.append(_problem(_relative(path, root), f"{match.group(0)}: Indikator {wanted!r} steht nicht im "
                                        f"Katalog ({catalogue_file}).{_suggest(wanted, indicators)} Bitte den "
                                        "Platzhalter berichtigen.", row=number))
    return out


def check_names_on_two_levels(table: pd.DataFrame, where: str, hierarchy: levels.Hierarchy) -> list[Problem]:
    """A warning listing the names (and aliases) that areas of two levels a text can cite share: a placeholder
    with such a name must say the level ({{mh_anteil Stadtteil Kalk}}), else the text check refuses it."""
    cited = table[table["level"].isin([lv.code for lv in hierarchy.levels])]
    aliases = cited["aliases"] if "aliases" in cited else pd.Series("", index=cited.index)
    levels_of: dict[str, dict[str, str]] = {}
    for level, name, alias in zip(cited["level"], cited["name"], aliases):
        for said in {name, *(a for a in str(alias).split("|") if a)}:
            levels_of.setdefault(said.casefold(), {})[level] = said
    shared = {names[next(iter(names))]: sorted(names, key=hierarchy.codes.index)
              for names in levels_of.values() if len(names) > 1}
    if not shared:
        return []
    listed = "; ".join(f"{name} ({', '.join(hierarchy.level(lv).name for lv in found)})"
                       for name, found in sorted(shared.items()))
    name, found = sorted(shared.items())[0]
    example = f"{{{{indikator {hierarchy.level(found[0]).name} {name}}}}}"
    return [_problem(where, f"{len(shared)} Name(n) gibt es auf zwei Ebenen: {listed}. Ein Platzhalter in den Texten "
                            f"muss bei diesen Namen die Ebene nennen, z. B. {example}; ohne sie wird er abgelehnt.",
                     "name", severity=Severity.WARNING)]
