"""Shared fixtures: the default report is built once per test worker and shared by the files that read it."""

from __future__ import annotations

import pytest

from helpers import paths, runner


@pytest.fixture(scope="session")
def built_report(tmp_path_factory):
    """Build the default report (latest year) into a temporary outputs folder: (year folder, report HTML)."""
    out = tmp_path_factory.mktemp("outputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "OUTPUTS", out)
        assert runner.run() == 0
    year_dir = out / "2014"
    return year_dir, (year_dir / "report.html").read_text(encoding="utf-8")
