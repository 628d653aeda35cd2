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

from helpers.indicators.years import default_year, years_with_data

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


def available_report_years(measures: list[str] | None = None) -> list[int]:
    """Years with population figures in which all the given measures have data (helpers.indicators.years)."""
    return years_with_data(measures)


def check_parameters(namespace: Mapping[str, object], allowed: Mapping[str, type],
                     measures: list[str] | None = None) -> dict[str, object]:
    """Validate the parameters a notebook received and return them (report_year resolved).

    `report_year = None` means the default report year (helpers.indicators.years.default_year)
    among the years with data for the chapter's measures.
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
        years = available_report_years(measures)
        if not years:
            raise ParameterError("Für dieses Kapitel liegen keine Daten vor.")
        year = params["report_year"]
        if year is None:
            params["report_year"] = default_year(years)
        elif isinstance(year, bool) or year not in years:
            raise ParameterError(
                f"Für das Berichtsjahr {year} liegen keine Daten vor. Verfügbare Jahre: {years[0]}–{years[-1]} "
                f"({', '.join(map(str, years))})."
            )
    return params
