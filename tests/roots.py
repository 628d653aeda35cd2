"""Point helpers.core.paths at another city or another root for one test (a test city, Berlin, the scale city).

Every path comes from `paths.layout` of a run context (the one route the module itself takes): the city's
data/<city>/, config/<city>/ and notebooks/<city>/ of `root`; the caches that follow only the level or the file
names are cleared before and after, so no test sees another city's areas. `new_city` writes the folders of
a test city in the shape every city has.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers.core import context, observations, paths
from helpers.figures import maps
from helpers.indicators import compute
from helpers.sections import area_statistics


def _clear() -> None:
    observations.clear_cache()
    compute.clear_cache()
    maps._label_points.cache_clear()
    area_statistics.clear_cache()


def point(monkeypatch: pytest.MonkeyPatch, root: Path, outputs: Path | None = None, city: str = "") -> context.RunContext:
    """Every path of helpers.core.paths set (by monkeypatch) to those of `city` in `root` (default: the root's
    default city); outputs default: <root>/outputs/<city>."""
    run = context.RunContext(root=root, city=city, outputs=outputs)
    for name, value in paths.layout(run).items():
        monkeypatch.setattr(paths, name, value)
    monkeypatch.setattr(paths, "CITY", run.city)
    return run


@contextmanager
def pointed_at(root: Path, outputs: Path, monkeypatch: pytest.MonkeyPatch, city: str = "") -> Iterator[Path]:
    """helpers.core.paths pointed at `city` of `root` (config/, data/, notebooks/) with outputs in `outputs`;
    yields the city's data folder's root (`root`)."""
    point(monkeypatch, root, outputs, city)
    monkeypatch.delenv(context.ENV, raising=False)
    _clear()
    try:
        yield root
    finally:
        _clear()


def new_city(root: Path, city: str, settings: str = "", profile: str | None = None) -> Path:
    """The folders of a test city `city` in `root`, its default city: config/monitoring.yml (the repository's
    shared settings with `city: <city>`), config/<city>/monitoring.yml (`settings`), config/<city>/city.yml
    (`profile`, if given) and an empty data/<city>/; returns data/<city>/."""
    shared = (context.REPOSITORY / context.SHARED_CONFIG).read_text(encoding="utf-8")
    lines = [f"city: {city}" if line.startswith("city:") else line for line in shared.splitlines()]
    (root / "config" / city).mkdir(parents=True, exist_ok=True)
    (root / "config" / "monitoring.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if settings:
        (root / "config" / city / "monitoring.yml").write_text(settings, encoding="utf-8")
    if profile is not None:
        (root / "config" / city / "city.yml").write_text(profile, encoding="utf-8")
    data = root / "data" / city
    data.mkdir(parents=True, exist_ok=True)
    return data


def city_copy(root: Path, city: str | None = None) -> Path:
    """A copy of the repository's settings and of one city's data (default: this process's city) in `root`, without
    its observations, texts and deliveries (an empty observations/ to fill); returns the copy's data/<city>/."""
    city = city or paths.CITY
    shutil.copytree(context.REPOSITORY / "config", root / "config")
    data = root / "data" / city
    shutil.copytree(context.REPOSITORY / "data" / city, data,
                    ignore=shutil.ignore_patterns("observations", "texte", "raw", ".*"))
    (data / "observations").mkdir()
    return data


def mh_catalogue(level: str, field_name: str, reference: str = "31.12.", foreigners: bool = False) -> str:
    """A made-up city's catalogue: one Handlungsfeld `kontext` named `field_name` and the share with migration
    background on `level`, counted from 2020 on the reference day `reference` (the test cities of test_levels,
    test_city_setup and test_city_wording); `foreigners`: the foreigners' share beside it."""
    def share(id_: str, name: str, who: str, origin: str) -> str:
        return f"""\
  - id: {id_}
    name: {name}
    definition: {who} je 100 Einwohner/-innen am {reference}
    handlungsfeld: kontext
    numerator: {{measure: population, origin: {origin}}}
    denominator: {{measure: population, origin: total}}
    scale: 100
    unit: "%"
    direction: descriptive
    level: {level}
    population_base: Einwohner/-innen am {reference}
    data_owner: Testamt
    source: Testquelle
    first_year: 2020
    synthetic: false
"""
    shares = share("mh_anteil", "Anteil der Bevölkerung mit Migrationshintergrund",
                   "Einwohner/-innen mit Migrationshintergrund", "migration")
    if foreigners:
        shares += share("auslaender_anteil", "Anteil der Ausländerinnen und Ausländer", "Ausländer/-innen", "foreign")
    return (f"handlungsfelder:\n  - {{id: kontext, name: {field_name}, category: Kontext, aim: Testkapitel.}}\n"
            f"indicators:\n{shares}measures:\n  population: Einwohner/-innen\n")
