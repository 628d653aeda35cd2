"""Where things live. One place, so notebooks, scripts and tests agree (cookiecutter-data-science)."""

from __future__ import annotations

import os
from pathlib import Path

#: Repository root: src/helpers/paths.py -> parents[2]. Overridable for tests and `make verify`.
ROOT = Path(os.environ.get("IM_ROOT", Path(__file__).resolve().parents[2]))

DATA = ROOT / "data"
AREAS_CSV = DATA / "areas.csv"
GEO_DIR = DATA / "geo"
OBSERVATIONS_DIR = DATA / "observations"
REVISIONS_CSV = DATA / "sms_revisions.csv"
CHECKS_CSV = DATA / "sms_checks.csv"
CATALOGUE_YAML = DATA / "catalogue.yml"

NOTEBOOKS = ROOT / "notebooks"
OUTPUTS = ROOT / "outputs"


def year_outputs(year: int) -> Path:
    """Output folder of one report year: outputs/<year>/."""
    return OUTPUTS / str(year)
