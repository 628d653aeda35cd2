"""Parameter checks for the chapter notebooks.

Papermill injects parameters as plain assignments and checks neither names nor types, so
every notebook calls `check_parameters(globals(), ...)` in the cell after its parameters:
a misspelt name or a year without data stops the notebook before any work, in German.

Which names count as parameters: those assigned by the cells run just before the check,
the notebook's parameters cell and papermill's injected cell (IPython keeps their sources in
`In`). Not every variable of the kernel: after a first "Run All" the namespace also holds the
notebook's own results (`params`, `tabelle`, …), and a second run in the same kernel, whole or
cell by cell and with changed parameters, must work as the first did.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Mapping
from pathlib import Path

from helpers.core import config, context
from helpers.indicators.years import Availability, refusal, report_years

#: Names IPython itself puts into a kernel's namespace.
_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


class ParameterError(ValueError):
    """Wrong notebook parameters; the message says what is allowed."""


def user_names(namespace: Mapping[str, object]) -> set[str]:
    """Names a user (or papermill) assigned: no modules, functions, classes, IPython internals."""
    return {
        name for name, value in namespace.items()
        if not name.startswith("_") and name not in _IPYTHON_NAMES
        and not isinstance(value, (types.ModuleType, types.FunctionType, type))
    }


def _literal_assignments(source: str) -> set[str] | None:
    """Names a parameters cell assigns, or None if the cell is not one (only `name = literal` lines)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    names: set[str] = set()
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets)):
            return None
        try:
            ast.literal_eval(node.value)
        except ValueError:
            return None
        names.update(t.id for t in node.targets)
    return names


def parameter_names(namespace: Mapping[str, object]) -> set[str] | None:
    """Names set by the parameter cells run just before the current cell (None outside IPython).

    `In[-1]` is the checking cell itself; before it come papermill's injected cell (if any) and
    the notebook's parameters cell. A cell that is more than literal assignments ends the search,
    so running the check cell on its own after other work flags nothing that is not a parameter.
    """
    history = namespace.get("In")
    if not isinstance(history, list):
        return None
    names: set[str] = set()
    for source in reversed(history[:-1][-2:]):
        assigned = _literal_assignments(source)
        if assigned is None:
            break
        names |= assigned
    return names


def chapter_years(chapter: str | None) -> Availability:
    """The years a chapter can be built for: the one rule the runner offers a report year by
    (helpers.indicators.years.report_years with the chapter's `requires:` in config/monitoring.yml;
    population figures for a chapter that declares nothing or is not a declared chapter)."""
    declared = {Path(entry.notebook).stem: entry.requires for entry in config.load().chapters}
    return report_years({chapter or "Kapitel": declared.get(chapter or "")})


def available_report_years(chapter: str | None = None) -> list[int]:
    """The years `chapter` (a notebook stem) can be built for (chapter_years)."""
    return chapter_years(chapter).years


def _session_chapter(namespace: Mapping[str, object]) -> str | None:
    """The chapter JupyterLab runs this kernel for (ipykernel's `__session__`: the notebook's path)."""
    session = namespace.get("__session__")
    return Path(session).stem if isinstance(session, str) and session.endswith(".ipynb") else None


def report_year(given: object, namespace: Mapping[str, object] | None = None, chapter: str | None = None) -> int:
    """The year a chapter works with. In a chapter kernel of the runner it is the run's year, which the
    runner planned and checked before any kernel started (helpers.core.context: the one route by which the
    year reaches a kernel); a different `report_year` there is an error, not a second choice. Run on its
    own (JupyterLab, papermill), the given year or the default one, checked by the runner's rule
    (chapter_years) for this chapter (`chapter`, else the notebook JupyterLab names)."""
    run = context.current()
    if run.year is not None:
        if given is not None and given != run.year:
            raise ParameterError(
                f"report_year = {given!r}, aber dieses Kapitel läuft im Bericht {run.year}: Das Berichtsjahr "
                f"bestimmt der Bericht (make report YEAR=…), nicht das Kapitel.")
        return run.year
    available = chapter_years(chapter or _session_chapter(namespace or {}))
    if given is None:
        if available.default is None:
            raise ParameterError("Für dieses Kapitel liegen keine Daten vor.")
        return available.default
    if isinstance(given, bool) or given not in available.years:
        raise ParameterError(refusal(given, available))
    return int(given)


def check_parameters(namespace: Mapping[str, object], allowed: Mapping[str, type],
                     chapter: str | None = None) -> dict[str, object]:
    """Validate the parameters a notebook received and return them (report_year resolved: report_year).

    `report_year = None` means the run's year in a runner kernel, else the default report year
    (helpers.indicators.years.default_year) among the years the chapter can be built for. `chapter`
    (the notebook's stem) is needed only when the notebook runs outside JupyterLab and the runner
    with a declared `requires:`.
    """
    given = parameter_names(namespace)
    unknown = sorted((user_names(namespace) if given is None else given) - set(allowed))
    if unknown:
        raise ParameterError(
            f"Unbekannte(r) Parameter: {', '.join(unknown)}. Erlaubt sind: {', '.join(sorted(allowed))}. "
            "Bitte die Schreibweise prüfen (z. B. papermill -p report_year 2013)."
        )
    params = {name: namespace.get(name) for name in allowed}
    for name, expected in allowed.items():
        value = params[name]
        if value is not None and not isinstance(value, expected):
            raise ParameterError(
                f"Parameter {name} = {value!r} hat den Typ {type(value).__name__}, erwartet {expected.__name__}."
            )
    if "report_year" in allowed:
        params["report_year"] = report_year(params["report_year"], namespace, chapter)
    return params
