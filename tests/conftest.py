"""Shared fixtures: the default report is built once for all test workers and shared by the files that read it."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import context, fileio, observations, paths
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


#: How long a worker waits for another worker's build of the default report before it gives up.
SHARED_BUILD_WAIT = 45 * 60


def _build_default_report(out: Path) -> Path:
    """The default report built into `out` (a temporary outputs folder): its year folder."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paths, "OUTPUTS", out)
        assert report.run() == 0
    from helpers.indicators import years

    return out / str(years.report_years({}).default)


def _shared_build(base: Path) -> Path:
    """The default report built once for all test workers (the xdist pattern of a shared temporary folder):
    the worker that creates `base` first builds, the others wait for its note of the year folder. A build
    takes minutes on two cores and three test files read it; nothing reading it may write into it."""
    done, failed = base / "built.txt", base / "failed.txt"
    try:
        base.mkdir()
    except FileExistsError:
        deadline = time.monotonic() + SHARED_BUILD_WAIT
        while not done.exists():
            if failed.exists():
                pytest.fail(f"Der Bericht, den ein anderer Testprozess baute, scheiterte: {failed.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"Kein Bericht in {base} nach {SHARED_BUILD_WAIT} s")
            time.sleep(1)
        return Path(done.read_text(encoding="utf-8"))
    try:
        year_dir = _build_default_report(base / "outputs")
    except BaseException as error:
        failed.write_text(repr(error), encoding="utf-8")
        raise
    fileio.write_text_atomic(done, str(year_dir))
    return year_dir


@pytest.fixture(scope="session")
def built_report(tmp_path_factory, worker_id):
    """The default report (latest year), built once into a temporary outputs folder: (year folder, report
    HTML). Under xdist one worker builds it for all of them."""
    if worker_id == "master":
        year_dir = _build_default_report(tmp_path_factory.mktemp("outputs"))
    else:
        year_dir = _shared_build(tmp_path_factory.getbasetemp().parent / "built_report")
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
