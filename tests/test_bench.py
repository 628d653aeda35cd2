"""`make bench`'s floor (issue 18): chapters one after another in ONE kernel, reset between them.

Correctness only, no timing: the measurement itself is benchmarks/report_bench.py.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import nbformat
import pytest


def _bench():
    path = Path(__file__).parents[1] / "benchmarks" / "report_bench.py"
    spec = importlib.util.spec_from_file_location("report_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("report_year = None"),
                                         *(nbformat.v4.new_code_cell(c) for c in cells)])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _stdout(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")


@pytest.mark.slow
def test_the_floor_runs_the_chapters_in_one_kernel_and_resets_it_between_them(tmp_path):
    first = _notebook(tmp_path / "01_a.ipynb", "import os\nleft_over = report_year\nos.chdir('/')\n"
                                               "print('pid', os.getpid())")
    second = _notebook(tmp_path / "02_b.ipynb", "import os\nprint('pid', os.getpid())\n"
                                                "print('left_over' in dir(), report_year, extra, os.getcwd())")
    done = _bench().run_in_one_kernel([(first, {"report_year": 2014}), (second, {"report_year": 2015, "extra": "x"})],
                                      dict(os.environ), tmp_path)
    a, b = (_stdout(nb) for nb in done["executed"])
    assert a.split()[1] == b.split()[1]  # one kernel for both chapters
    assert b.splitlines()[1] == f"False 2015 x {tmp_path}"  # namespace reset, parameters injected, folder restored
    assert list(done["per_chapter_s"]) == ["01_a.ipynb", "02_b.ipynb"] and done["seconds"] > 0


@pytest.mark.slow
def test_a_failing_chapter_stops_the_floor_with_a_german_message_naming_it(tmp_path):
    good = _notebook(tmp_path / "01_a.ipynb", "x = 1")
    bad = _notebook(tmp_path / "02_b.ipynb", "y = 2", "raise ValueError('kaputt')")
    with pytest.raises(SystemExit, match=r"Kapitel 02_b\.ipynb ist im gemeinsamen Kernel fehlgeschlagen, Zelle 3: "
                                         r"ValueError: kaputt"):
        _bench().run_in_one_kernel([(good, {"report_year": 2014}), (bad, {"report_year": 2014})],
                                   dict(os.environ), tmp_path)
