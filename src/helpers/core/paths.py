"""Where things live. One place, so notebooks, scripts and tests agree (cookiecutter-data-science).

Root and outputs come from the run context (helpers.core.context), read once at import:
a kernel started by the runner, `make verify` or a test on a copy of the data sees its own.
"""

from __future__ import annotations

from pathlib import Path

from helpers.core import context

_CONTEXT = context.current()
#: Repository root (data/, notebooks/, config/); another one through the run context.
ROOT = _CONTEXT.root

DATA = ROOT / "data"
AREAS_CSV = DATA / "areas.csv"
GEO_DIR = DATA / "geo"
OBSERVATIONS_DIR = DATA / "observations"
REVISIONS_CSV = DATA / "sms_revisions.csv"
CHECKS_CSV = DATA / "sms_checks.csv"
CATALOGUE_YAML = DATA / "catalogue.yml"
#: Rates a statistical office publishes without their counts (helpers.core.rates).
PUBLISHED_RATES_CSV = DATA / "published_rates.csv"
#: Settings that are not data: the chapters and the disclosure rule (read by helpers.core.config only).
CONFIG_YAML = ROOT / "config" / "monitoring.yml"
#: What makes the report one city's report beyond its data (helpers.core.city).
CITY_YAML = ROOT / "config" / "city.yml"

# Deliveries of the departments (helpers.intake): raw files as received, what they yielded, logs.
RAW_DIR = DATA / "raw"
RAW_CHECKSUMS = RAW_DIR / "SHA256SUMS"
DELIVERIES_CSV = OBSERVATIONS_DIR / "deliveries.csv"
INGEST_LOG_CSV = DATA / "ingest_log.csv"
DELIVERY_REVISIONS_CSV = DATA / "delivery_revisions.csv"

#: The chapters: the root's own notebooks/, else the repository's (a city under cities/ has data and
#: configuration only; its config/monitoring.yml chooses which of the chapters it shows).
NOTEBOOKS = ROOT / "notebooks" if (ROOT / "notebooks").is_dir() else context.REPOSITORY / "notebooks"
#: Where outputs/<year>/ is written; a chapter kernel's context points at its own side folder.
OUTPUTS: Path = _CONTEXT.outputs  # type: ignore[assignment] - never None after RunContext.__post_init__
TEMPLATES_DIR = OUTPUTS / "templates"


def year_outputs(year: int) -> Path:
    """Output folder of one report year: outputs/<year>/."""
    return OUTPUTS / str(year)


def work_dir(year_dir: Path) -> Path:
    """Where a run keeps its state and caches (outputs/<year>/.work); never published."""
    return Path(year_dir) / ".work"


def follow(run: context.RunContext) -> None:
    """Point OUTPUTS (and TEMPLATES_DIR) at another run context's outputs.

    A warm chapter kernel (helpers.runner.chapter_kernel) runs chapter after chapter of one build,
    each with its own side folder; the root stays the kernel's. A different root is refused: other
    modules bound defaults to this root's files when they were imported.
    """
    global OUTPUTS, TEMPLATES_DIR
    if Path(run.root).resolve() != Path(ROOT).resolve():
        raise ValueError(f"Dieser Kernel arbeitet für {ROOT}, nicht für {run.root}; bitte einen neuen Kernel starten.")
    OUTPUTS = run.outputs  # type: ignore[assignment] - never None after RunContext.__post_init__
    TEMPLATES_DIR = OUTPUTS / "templates"
