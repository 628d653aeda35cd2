"""Shared fixtures: the default report is built once per test worker and shared by the files that read it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import context, observations, paths
from helpers.disclosure import register
from helpers.indicators import compute
from helpers.runner import report
from roots import city_copy, point

#: The public source material beside the repository (../shared/data/muenster); IM_SOURCE overrides.
MUENSTER_SOURCE = Path(os.environ.get("IM_SOURCE") or context.REPOSITORY.parent / "shared" / "data" / "muenster")


@pytest.fixture(scope="session")
def muenster_source() -> Path:
    """Münster's source material; tests that re-derive from it are skipped where it is absent."""
    if not (MUENSTER_SOURCE / "sms-text").is_dir():
        pytest.skip(f"Quellmaterial {MUENSTER_SOURCE} nicht vorhanden (IM_SOURCE setzen)")
    return MUENSTER_SOURCE


@pytest.fixture(scope="session")
def berlin_source() -> Path:
    """Berlin's source material (../shared/data/berlin); skipped where it is absent."""
    folder = MUENSTER_SOURCE.parent / "berlin"
    if not (folder / "geo").is_dir():
        pytest.skip(f"Quellmaterial {folder} nicht vorhanden")
    return folder


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
        assert report.run() == 0
    from helpers.indicators import years

    year_dir = out / str(years.report_years({}).default)
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


@pytest.fixture(scope="session")
def ingest_base(tmp_path_factory):
    """A small root of the default city: its settings, areas, boundaries and catalogue as committed, real counts
    2013–2014 and demo counts 2014 (no texts, no deliveries)."""
    root = tmp_path_factory.mktemp("base")
    folder = city_copy(root) / "observations"
    for name, years in (("sms.csv", (2013, 2014)), ("synthetic.csv", (2014,))):
        frame = pd.read_csv(paths.OBSERVATIONS_DIR / name, dtype=str, keep_default_na=False)
        frame[frame["year"].astype(int).isin(years)].to_csv(folder / name, index=False)
    return root


@pytest.fixture
def root(ingest_base, tmp_path, monkeypatch):
    """A fresh copy of `ingest_base` that helpers.core.paths points to (the intake tests' root; the city's data
    in <root>/data/<city>/, which is paths.DATA)."""
    root = tmp_path / "root"
    shutil.copytree(ingest_base, root)
    point(monkeypatch, root, root / "outputs" / paths.CITY, paths.CITY)
    observations.clear_cache()
    yield root
    observations.clear_cache()
