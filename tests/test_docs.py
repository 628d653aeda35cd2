"""The documents agree with the project and with each other: one version."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: A released version's heading in CHANGELOG.md (Keep a Changelog): "## [0.2.0] – 2026-11-22".
RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\] [–-] (\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def latest_release(changelog: str) -> tuple[str, str]:
    """The newest released version and its date: the first heading with a version ([Unreleased] has none)."""
    found = RELEASE_HEADING.search(changelog)
    assert found, "CHANGELOG.md has no released version"
    return found[1], found[2]


def test_the_version_is_one_in_pyproject_citation_and_changelog():
    """A citation, the installed package and the change log name the same release."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    version, date = latest_release((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert project["version"] == str(citation["version"]) == version
    assert str(citation["date-released"]) == date


def test_the_latest_release_skips_unreleased_and_takes_the_first_heading():
    text = "# Changelog\n\n## [Unreleased]\n\n### Added\n- x\n\n## [0.3.1] – 2027-01-02\n\n## [0.3.0] – 2026-12-01\n"
    assert latest_release(text) == ("0.3.1", "2027-01-02")

