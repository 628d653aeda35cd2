"""Where things live. One place, so notebooks, scripts and tests agree (cookiecutter-data-science)."""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root: src/helpers/core/paths.py -> parents[3]. Overridable for tests and `make verify`.
ROOT = Path(os.environ.get("IM_ROOT", Path(__file__).resolve().parents[3]))

DATA = ROOT / "data"
AREAS_CSV = DATA / "areas.csv"
GEO_DIR = DATA / "geo"
OBSERVATIONS_DIR = DATA / "observations"
REVISIONS_CSV = DATA / "sms_revisions.csv"
CHECKS_CSV = DATA / "sms_checks.csv"
CATALOGUE_YAML = DATA / "catalogue.yml"
DISCLOSURE_YAML = DATA / "disclosure.yml"

# Deliveries of the departments (helpers.intake): raw files as received, what they yielded, logs.
RAW_DIR = DATA / "raw"
RAW_CHECKSUMS = RAW_DIR / "SHA256SUMS"
DELIVERIES_CSV = OBSERVATIONS_DIR / "deliveries.csv"
INGEST_LOG_CSV = DATA / "ingest_log.csv"
DELIVERY_REVISIONS_CSV = DATA / "delivery_revisions.csv"

NOTEBOOKS = ROOT / "notebooks"
# Kernels started by the runner inherit IM_OUTPUTS, so a redirected run writes everything in one place.
OUTPUTS = Path(os.environ.get("IM_OUTPUTS", ROOT / "outputs"))
#: Set by the runner for each chapter's kernel: the chapter it records its published cells under.
CHAPTER_ENV = "IM_CHAPTER"
#: Set by the runner: a folder, named after the checksums of code and data, where the processes of
#: one run share the indicator values they computed (helpers.disclosure.disclosed).
VALUES_CACHE_ENV = "IM_VALUES_CACHE"
TEMPLATES_DIR = OUTPUTS / "templates"


def year_outputs(year: int) -> Path:
    """Output folder of one report year: outputs/<year>/."""
    return OUTPUTS / str(year)


def build_dir(year_dir: Path) -> Path:
    """Where a run keeps its state and caches (outputs/<year>/.build); never published."""
    return Path(year_dir) / ".build"
