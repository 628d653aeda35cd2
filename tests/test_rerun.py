"""Every notebook runs twice in one kernel: as a user does in JupyterLab with "Run All", then again
with changed parameters. Misspelt parameters are still refused, from papermill and in the kernel.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers.core import context, paths
from helpers.runner import kernels
from helpers.sections.parameters import parameter_names

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted((paths.NOTEBOOKS / "explore").glob("*.ipynb"))
SECOND_YEAR = 2012
#: The explore notebooks take other parameters than a report year: what the second run changes.
SECOND_RUN = {"arbeitslosigkeit_auslaender": ("jahr = 2012", "jahr = 2013"),
              "segregation_und_wandel": ("bis = 2014", "bis = 2013")}


def _run_all(client: NotebookClient, nb: nbformat.NotebookNode) -> None:
    for index, cell in enumerate(nb.cells):
        client.execute_cell(cell, index)


def _parameters_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))


@contextmanager
def _kernel(nb: nbformat.NotebookNode, folder: Path) -> Iterator[NotebookClient]:
    """A started kernel for nb, on the runner's kernel connection (no TCP ports to collide on)."""
    with kernels.kernel_connection() as connection:
        client = NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(folder)}},
                                config=connection)
        with client.setup_kernel():
            yield client


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_twice_in_one_kernel_with_changed_parameters(path, tmp_path, monkeypatch):
    # What a notebook writes (chapter 14's and the explore notebooks' research exports) goes to a temporary
    # folder, not into the repository's outputs/.
    monkeypatch.setenv(context.ENV, context.RunContext(outputs=tmp_path).to_json())
    nb = nbformat.read(path, as_version=4)
    with _kernel(nb, path.parent) as client:
        _run_all(client, nb)
        cell = _parameters_cell(nb)
        before, after = SECOND_RUN.get(path.stem, ("report_year = None", f"report_year = {SECOND_YEAR}"))
        assert before in cell.source
        cell.source = cell.source.replace(before, after)
        _run_all(client, nb)  # raises CellExecutionError on any failing cell
        # cell by cell: the check cell alone after the last cell flags nothing either
        check = next(i for i, c in enumerate(nb.cells) if "check_parameters" in c.get("source", ""))
        client.execute_cell(nb.cells[check], check)
    texts = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Traceback" not in texts


@pytest.mark.notebooks
def test_a_misspelt_parameter_in_the_kernel_is_refused():
    path = paths.NOTEBOOKS / "02_arbeit_und_wirtschaft.ipynb"
    nb = nbformat.read(path, as_version=4)
    with _kernel(nb, path.parent) as client:
        _run_all(client, nb)
        cell = _parameters_cell(nb)
        cell.source += "\nreport_yaer = 2013\n"
        with pytest.raises(CellExecutionError, match=r"Unbekannte\(r\) Parameter: report_yaer\. Erlaubt sind: report_year"):
            _run_all(client, nb)


@pytest.mark.parametrize(("history", "expected"), [
    (["", "report_year = None", "check()"], {"report_year"}),
    (["", "report_year = None\nebene = 'stadtteil'", "# Parameters\nreport_year = 2012\ngruppe = 'foreign'\n", "check()"],
     {"report_year", "ebene", "gruppe"}),
    # the check cell run alone after other work: the cell before it is no parameters cell
    (["", "report_year = None", "check()", "tabelle = explorer.correlation_section(x)", "check()"], set()),
    (["", "x = [1, -2.5, None, 'a']", "y = len(x)", "check()"], set()),
])
def test_parameter_names_come_from_the_parameter_cells_only(history, expected):
    assert parameter_names({"In": history}) == expected


def test_outside_ipython_every_user_name_counts():
    assert parameter_names({"report_year": 2012}) is None
