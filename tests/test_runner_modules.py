"""The runner package stays readable: one job per module, each module short, the no-change path light.

Issue 28: the runner was one 830-line module that did a dozen jobs. It is split one job per module
(plan, chapter, schedulers, alongside, gates, report, publish_step, state, inputs, …); these tests keep
it that way as it grows.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import helpers.runner

RUNNER = Path(helpers.runner.__file__).parent
MODULES = sorted(RUNNER.glob("*.py"))
#: Longest a runner module may get: readable in one sitting.
MAX_LINES = 400
#: What the no-change path must not import (each costs up to seconds before the first line appears).
HEAVY = ("pandas", "numpy", "papermill", "nbformat", "nbconvert", "matplotlib", "geopandas", "distributed", "grimp")


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_each_runner_module_is_readable_in_one_sitting(module):
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module.name}: {lines} lines; split it by job (issue 28)"


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_each_runner_module_says_its_job_in_the_first_line(module):
    """A summary line as PEP 257 has it: one complete sentence, then (optionally) a blank line and more."""
    doc = ast.get_docstring(ast.parse(module.read_text(encoding="utf-8")), clean=True)
    assert doc, f"{module.name} has no docstring"
    lines = doc.splitlines()
    assert lines[0].strip() and lines[0].rstrip().endswith("."), f"{module.name}: {lines[0]!r}"
    assert len(lines) == 1 or not lines[1].strip(), f"{module.name}: the first line must be the whole summary"


def test_the_first_line_check_finds_a_summary_that_runs_on():
    doc = ast.get_docstring(ast.parse('"""The engine: papermill\'s own, writing the notebook\nwhen it ends."""'))
    lines = doc.splitlines()
    assert not (lines[0].endswith(".") and (len(lines) == 1 or not lines[1].strip()))


def test_the_run_imports_nothing_heavy_until_it_runs():
    """The command's modules import pandas, papermill and the like inside functions only: with nothing
    changed, a run ends after hashing, well under two seconds."""
    code = ("import sys, helpers.runner.__main__, helpers.runner.report; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_the_run_state_is_typed_records_in_the_file_shape_of_before():
    """No dict travels as a state record: the last passed check is a CheckRecord, and state.json keeps the
    shape it had (a runner of this version reads the files earlier ones wrote)."""
    from helpers.runner import state

    written = {"version": state.STATE_VERSION, "notebooks": {"05_x.ipynb": {"key": "k", "seconds": 1.5, "output": "o"}},
               "check": {"basis": "b", "tables": {"indikatoren_2014.csv": "t"}, "records": {"05_x": "r"}},
               "hints": [["Hinweis", "Text"]]}
    read = state.RunState.from_json(written)
    assert read.check == state.CheckRecord("b", {"indikatoren_2014.csv": "t"}, {"05_x": "r"})
    assert read.chapters["05_x.ipynb"].seconds == 1.5 and read.hints == [("Hinweis", "Text")]
    again = read.to_json()
    assert again["check"] == written["check"] and again["notebooks"]["05_x.ipynb"]["key"] == "k"
    assert not [name for name, kind in state.RunState.__annotations__.items() if "dict |" in str(kind)]
