"""Shared fixtures: the default report is built once per test worker and shared by the files that read it."""

from __future__ import annotations

import pytest

from helpers.build import runner
from helpers.core import context, paths
from helpers.disclosure import register
from helpers.indicators import compute


@pytest.fixture(autouse=True)
def _fresh_counts():
    """The counts cache follows the data files; tests that monkeypatch helpers.core.observations swap the data
    without touching files, so no test may see the counts of another."""
    compute.clear_cache()
    yield
    compute.clear_cache()


@pytest.fixture(scope="session")
def built_report(tmp_path_factory):
    """Build the default report (latest year) into a temporary outputs folder: (year folder, report HTML)."""
    out = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "OUTPUTS", out)
        assert runner.run() == 0
    year_dir = out / "2014"
    return year_dir, (year_dir / "report.html").read_text(encoding="utf-8")


@pytest.fixture
def chapter_register(monkeypatch, tmp_path):
    """A runner kernel's context for chapter 07_test, 2014: displayed results record into
    tmp_path/2014/published/07_test.csv (the folder is returned)."""
    monkeypatch.setenv(context.ENV, context.RunContext(chapter="07_test", year=2014).to_json())
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    register.reset_records()
    yield tmp_path / "2014"
    register.reset_records()
