"""The documents agree with the project and with each other: one version, links that lead somewhere,
a glossary that covers the terms the cities' settings put into the report, and a fast test tier
(`make test-fast`, named in CONTRIBUTING.md) that is what it says."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from _pytest.mark.expression import Expression

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


def _documents() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_relative_link_in_the_documents_leads_to_a_file():
    """Moving text between README and docs/ must not leave a link to nowhere."""
    broken = []
    for document in _documents():
        for target in re.findall(r"\]\(([^)\s]+)\)", document.read_text(encoding="utf-8")):
            path = target.split("#", 1)[0]
            if path and "://" not in path and not (document.parent / path).exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert broken == []


def test_the_readme_links_the_docs_pages_and_contributing():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in ["docs/glossary.md", "docs/performance.md", "docs/runner.md", "docs/architecture.md", "CONTRIBUTING.md"]:
        assert page in readme, page


def _city_terms(config: Path) -> set[str]:
    """The words a city's settings put into the report: its concept and the names of its area levels."""
    city = yaml.safe_load(config.read_text(encoding="utf-8"))
    names = {level["name"] for level in city.get("levels", []) + city.get("other_levels", [])}
    return {city["concept"]} | {re.sub(r"\s*\(.*\)$", "", name) for name in names}


def test_the_glossary_explains_every_citys_concept_and_area_levels():
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    configs = sorted((ROOT / "config").glob("*/city.yml"))
    terms = set().union(*(_city_terms(config) for config in configs))
    assert {"Migrationsvorgeschichte", "Migrationshintergrund", "Stadtteil", "Bezirksregion"} <= terms
    assert sorted(term for term in terms if term not in glossary) == []
    for word in ["Handlungsfeld", "Leitbild", "Kommunales Integrationszentrum", "Geheimhaltung", "Einbürgerungsquote",
                 "Ausländer/-innen", "Sozialraum", "SGB II", "Zeichenerklärung"]:
        assert word in glossary, word


#: The markers `make test-fast` leaves out (pyproject.toml declares them).
SLOW_MARKERS = {"notebooks", "slow"}


def _fast_tests_expression() -> str:
    """The marker expression of `make test-fast`, from the Makefile's FAST_TESTS (which its recipe passes to -m)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest-fast: $(STAMP)\n", 1)[1].split("\n\n", 1)[0]
    assert '-m "$(FAST_TESTS)"' in recipe
    return re.search(r"^FAST_TESTS\s*:=\s*(.+)$", makefile, re.MULTILINE)[1].strip()


def test_the_fast_tier_leaves_out_each_slow_marker_and_keeps_unmarked_tests():
    expression = Expression.compile(_fast_tests_expression())
    assert expression.evaluate(lambda name, **_: False), "an unmarked test is in the fast tier"
    for marker in SLOW_MARKERS:
        assert not expression.evaluate(lambda name, marker=marker, **_: name == marker), marker
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]["markers"]
    assert SLOW_MARKERS <= {line.split(":", 1)[0] for line in declared}


PROBE = '''
import json, os

DESELECTED = []

def pytest_deselected(items):
    DESELECTED.extend(items)

def pytest_collection_finish(session):
    markers = {item.nodeid: sorted({m.name for m in item.iter_markers()}) for item in session.items}
    with open(os.environ["TIER_PROBE_OUT"], "w", encoding="utf-8") as out:
        json.dump({"selected": markers, "deselected": len(DESELECTED)}, out)
'''


@pytest.mark.slow
def test_make_test_fast_selects_tests_and_none_with_a_slow_marker(tmp_path):
    """Collects the suite as `make test-fast` does (pytest -m FAST_TESTS) and looks at what it would run."""
    (tmp_path / "tier_probe.py").write_text(PROBE, encoding="utf-8")
    out = tmp_path / "collected.json"
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "TIER_PROBE_OUT": str(out)}
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "tier_probe", "-p", "no:cacheprovider",
                           "-m", _fast_tests_expression()], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    collected = json.loads(out.read_text(encoding="utf-8"))
    assert len(collected["selected"]) > 100 and collected["deselected"] > 0
    assert {test: sorted(SLOW_MARKERS & set(marks)) for test, marks in collected["selected"].items()
            if SLOW_MARKERS & set(marks)} == {}
