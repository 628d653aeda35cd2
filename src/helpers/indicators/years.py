"""Which report years can really be built, decided from data and catalogue before any kernel starts.

Two conditions, both cheap (stored counts and a few indicators, about a second; the runner
caches the answer per state of data, configuration and the code this module reaches):

1. Population: the population measure of the disclosure rule (config/monitoring.yml) has values
   in the report year. Every rate divides by a population, and the disclosure rule needs it for
   its population floor; without it no indicator has a value, the tables are empty and the
   context chapter has nothing to show (1999 in Münster's data: only unemployment counts).
2. Chapters' needs: a chapter that cannot fall back on "no data" declares what it needs in the
   configuration (`requires`): values of all its indicators at one level in a common year at or
   before the report year, which it then shows. The correlation explorer (chapter 14) is such a
   chapter; the Handlungsfeld chapters show the latest earlier year of each indicator or say that
   there is none, so they need nothing beyond (1).

`report_years` gives the years offered and, for each year with some data that is refused, the
reason; `refusal` words the German message the runner prints (exit 2, no kernel started).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from helpers.core import catalogue, config, levels, observations
from helpers.indicators import compute


@dataclass(frozen=True)
class Availability:
    """Years a report can be built for, and why each other year with data cannot."""

    years: list[int]
    reasons: dict[int, str] = field(default_factory=dict)
    default: int | None = None  # built when no year is asked for (default_year)

    def to_dict(self) -> dict:
        return {"years": self.years, "reasons": {str(y): r for y, r in self.reasons.items()}, "default": self.default}

    @classmethod
    def from_dict(cls, raw: dict) -> Availability:
        default = raw.get("default")
        return cls([int(y) for y in raw["years"]], {int(y): r for y, r in raw.get("reasons", {}).items()},
                   None if default is None else int(default))


def population_years(measure: str | None = None) -> list[int]:
    """Years in which the population measure (total, all ages) has at least one value."""
    measure = measure or str(config.disclosure()["population_measure"])
    obs = observations.observations_of(measure, "total", "total", "total")
    return sorted(int(y) for y in obs.loc[obs["value"].notna(), "year"].unique())


def years_with_data(measures: list[str] | None = None) -> list[int]:
    """Years with population figures in which all the given measures have data (all such years if none)."""
    years = set(population_years())
    if measures:
        obs = observations.observations()
        obs = obs[obs["value"].notna()]
        for measure in measures:
            years &= set(obs.loc[obs["measure"] == measure, "year"].astype(int))
    return sorted(years)


def _all_data_years() -> list[int]:
    return sorted(int(y) for y in observations.observations()["year"].unique())


def indicator_years(indicator_id: str, level: str | None) -> set[int]:
    """Years in which an indicator (all persons) has at least one stored value at `level` (None: base)."""
    try:
        ind = catalogue.load().indicator(indicator_id)
    except catalogue.CatalogueError as exc:
        raise config.ConfigError(f"{config.config_path()}: requires.indicators: {exc}") from None
    vals = compute.values(ind, level)
    vals = vals[(vals["group"] == "total") & vals["value"].notna()]
    return {int(y) for y in vals["year"].unique()}


def first_common_year(requirement: config.Requirement) -> tuple[int | None, str]:
    """The first year in which all indicators of a requirement have values, and their description."""
    ids = list(requirement.indicators)
    if not ids:
        return None, ""
    common = set.intersection(*(indicator_years(i, requirement.level) for i in ids))
    return (min(common) if common else None), f"{', '.join(ids)} (Ebene {requirement.level or levels.base()})"


def default_year(offered: list[int]) -> int | None:
    """The report year when none is asked for: the latest offered year in which the indicators of
    `default_year` in config/monitoring.yml have values (Münster: the share with a migration
    history, so that the default report shows its central figure for the report year itself,
    although the population total reaches one year further); the latest offered year without it."""
    if not offered:
        return None
    wanted = config.load().default_year
    if wanted is not None:
        common = set.intersection(*(indicator_years(i, wanted.level) for i in wanted.indicators))
        years = [y for y in offered if y in common]
        if years:
            return years[-1]
    return offered[-1]


def report_years(requirements: Mapping[str, config.Requirement | None]) -> Availability:
    """The years a report of chapters with these requirements (chapter name -> requirement) can be built for."""
    base = population_years()
    reasons: dict[int, str] = {}
    measure = config.disclosure()["population_measure"]
    for year in sorted(set(_all_data_years()) - set(base)):
        reasons[year] = (f"Für {year} liegen keine Einwohnerzahlen ({measure}) vor; ohne sie gibt es keine Quoten "
                         "und keine Tabellen.")
    offered = []
    firsts = {name: first_common_year(req) for name, req in requirements.items() if req and req.indicators}
    for year in base:
        blocking = [(name, first, what) for name, (first, what) in firsts.items() if first is None or first > year]
        if not blocking:
            offered.append(year)
            continue
        name, first, what = blocking[0]
        since = f"haben erst ab {first} gemeinsame Werte" if first else "haben kein gemeinsames Jahr mit Werten"
        reasons[year] = f"Kapitel {name} braucht Werte von {what} in einem gemeinsamen Jahr bis {year}; diese {since}."
    return Availability(offered, reasons, default_year(offered))


def span(years: list[int]) -> str:
    """"2008–2014 (2008, 2009, …)", or the single year, for messages."""
    listed = ", ".join(map(str, years))
    return f"{years[0]}–{years[-1]} ({listed})" if len(years) > 1 else listed


def refusal(year: int, available: Availability) -> str:
    """The German message for a year that is not offered."""
    why = available.reasons.get(year)
    head = (f"Für das Berichtsjahr {year} lässt sich kein Bericht erstellen. {why}" if why
            else f"Für das Berichtsjahr {year} liegen keine Daten vor.")
    if not available.years:
        return f"{head} Es gibt kein Berichtsjahr, für das sich ein Bericht erstellen lässt."
    return f"{head} Verfügbare Jahre: {span(available.years)}."
