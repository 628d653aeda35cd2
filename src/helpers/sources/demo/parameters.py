"""The demo generator's tuned parameters: read and checked from parameters.yml beside this module.

The values are data, not code: a researcher tunes the demo data in the YAML file (its comments
say what each value shapes) and the generator (`helpers.sources.demo.synthetic`) only reads
them. This module turns the file into typed specifications and refuses what the generator
could not use (an unknown kind or key, a missing value, text where a number belongs, a base
that is not specified), naming the file and the measure.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from helpers.core import fileio

PARAMETERS_FILE = Path(__file__).with_name("parameters.yml")


class ParameterError(ValueError):
    """parameters.yml does not describe a generator the code can run."""


@dataclass(frozen=True)
class Residents:
    """Residents by age group, sized from the real population (stand-in for the age tables)."""


@dataclass(frozen=True)
class Derived:
    """A base measure x factor x exp(trend * t) x area-year noise, same factor for all groups."""

    base: str
    factor: float
    sd: float
    trend: float
    base_origin: str | None  # e.g. foreigners in the AZR from residents of origin foreign
    base_age: str | None


@dataclass(frozen=True)
class Rate:
    """Logistic rate: p for the reference group in the first year at average structure.

    odds: odds ratio of the focus origin (migration/foreign) vs. its complement; odds_female
    likewise for women vs. men; shrink: yearly fraction by which the group gap narrows;
    cov: coefficients on the z-scores 'mv', 'alo' and the flag 'inner' (Stadtteile only).
    """

    p: float
    odds: float
    odds_female: float
    trend: float
    shrink: float
    cov: dict[str, float]
    sd_area: float
    sd_noise: float


@dataclass(frozen=True)
class Drawn:
    """Binomial draw from a base measure (same group and age) with a rate (or one per age)."""

    base: str
    rate: Rate | dict[str, Rate]


@dataclass(frozen=True)
class Amount:
    """A quantity per unit of the base (e.g. m² per person), not a count of persons."""

    base: str
    per_unit: float
    focus: float  # difference for the focus origin
    trend: float
    cov: dict[str, float]
    sd_area: float
    sd_noise: float


@dataclass(frozen=True)
class City:
    """A city-wide count with its own size, growth and group shares (no population base)."""

    size: float
    growth: float
    sd: float
    share: dict[str, tuple[float, float]]  # origin: (share in the first year, change per year)
    female: float


Spec = Residents | Derived | Drawn | Amount | City
#: An age group of the residents: (share of all residents or None, migration-share factor,
#: foreign-share factor, female share, child age group).
AgeProfile = tuple[float | None, float, float, float, bool]


@dataclass(frozen=True)
class Parameters:
    """Everything the generator is tuned by (see parameters.yml)."""

    seed: int
    years: tuple[int, ...]
    inner_teilbereiche: set[str]
    age_profile: dict[str, AgeProfile]
    measures: dict[str, Spec]


def _number(value: Any, where: str) -> float:
    """A YAML number; text (such as 6e-5, which YAML does not read as a number) is refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{where}: {value!r} ist keine Zahl (Dezimalzahlen mit Punkt, z. B. 0.00006).")
    return value


def _pair(value: Any, where: str) -> tuple[float, float]:
    """A group's share in the first year and its change per year."""
    if not isinstance(value, list) or len(value) != 2:
        raise ParameterError(f"{where}: erwartet [Anteil im ersten Jahr, Änderung je Jahr], nicht {value!r}")
    return _number(value[0], where), _number(value[1], where)


def _keys(given: Any, names: list[str], where: str) -> dict[str, Any]:
    """A mapping with exactly the keys `names`."""
    if not isinstance(given, dict):
        raise ParameterError(f"{where}: erwartet eine Zuordnung mit {', '.join(names)}")
    unknown, missing = sorted(set(given) - set(names)), [n for n in names if n not in given]
    if unknown or missing:
        raise ParameterError(f"{where}: unbekannt {', '.join(unknown) or '–'}; es fehlt {', '.join(missing) or '–'}")
    return given


def _fields(cls: type, given: dict[str, Any], defaults: dict[str, Any], where: str) -> dict[str, Any]:
    """The keyword arguments of `cls`: the given values over the kind's defaults, all present."""
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise ParameterError(f"{where}: unbekannte(r) Schlüssel {', '.join(unknown)}; erlaubt: {', '.join(names)}")
    merged = {**defaults, **given}
    missing = [n for n in names if n not in merged]
    if missing:
        raise ParameterError(f"{where}: es fehlt {', '.join(missing)}")
    return {n: merged[n] for n in names}


def _checked(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Numbers where numbers belong: every value except names, group and age labels."""
    out = {}
    for key, value in values.items():
        if key in ("base", "base_origin", "base_age"):
            out[key] = value
        elif key == "cov":
            out[key] = {name: _number(v, f"{where}.cov.{name}") for name, v in (value or {}).items()}
        elif key == "share":
            out[key] = {origin: _pair(pair, f"{where}.share.{origin}") for origin, pair in (value or {}).items()}
        else:
            out[key] = _number(value, f"{where}.{key}")
    return out


def _rate(given: Any, defaults: dict[str, Any], where: str) -> Rate:
    """One logistic rate: the given values over the defaults of `rate`."""
    if not isinstance(given, dict):
        raise ParameterError(f"{where}: eine Rate ist eine Zuordnung (p, odds, …)")
    return Rate(**_checked(_fields(Rate, given, defaults["rate"], where), where))


def _spec(name: str, entry: Any, defaults: dict[str, Any], file: str) -> Spec:
    """One measure's specification from its entry under `measures` of `file`."""
    where = f"{file}: measures.{name}"
    if not isinstance(entry, dict) or "kind" not in entry:
        raise ParameterError(f"{where}: braucht 'kind' (residents, derived, drawn, amount, city)")
    given = {k: v for k, v in entry.items() if k != "kind"}
    kind = entry["kind"]
    if kind == "residents":
        _fields(Residents, given, {}, where)
        return Residents()
    if kind == "drawn":
        rates = {k: given.pop(k) for k in ("rate", "rate_by_age") if k in given}
        if len(rates) != 1:
            raise ParameterError(f"{where}: braucht genau eines von 'rate' und 'rate_by_age'")
        if "rate" in rates:
            rate: Rate | dict[str, Rate] = _rate(rates["rate"], defaults, f"{where}.rate")
        else:
            rate = {str(age): _rate(r, defaults, f"{where}.rate_by_age.{age}") for age, r in rates["rate_by_age"].items()}
        return Drawn(**_fields(Drawn, {**given, "rate": rate}, {}, where))
    classes = {"derived": Derived, "amount": Amount, "city": City}
    if kind not in classes:
        raise ParameterError(f"{where}: kind {kind!r} unbekannt; erlaubt: residents, derived, drawn, amount, city")
    return classes[kind](**_checked(_fields(classes[kind], given, defaults[kind], where), where))


def _age_profile(raw: dict[str, Any], file: str) -> dict[str, AgeProfile]:
    """The residents' age groups as tuples, in the order the generator unpacks them."""
    out = {}
    for age, entry in raw.items():
        where = f"{file}: age_profile.{age}"
        entry = _keys(entry, ["share", "migration", "foreign", "female", "child"], where)
        share = entry["share"]
        out[str(age)] = (None if share is None else _number(share, f"{where}.share"),
                         _number(entry["migration"], f"{where}.migration"),
                         _number(entry["foreign"], f"{where}.foreign"),
                         _number(entry["female"], f"{where}.female"), bool(entry["child"]))
    return out


def load(path: Path = PARAMETERS_FILE) -> Parameters:
    """The generator's parameters from `path`, checked; every base is itself specified."""
    file = Path(path).name
    raw = _keys(fileio.load_yaml(Path(path).read_text(encoding="utf-8")),
                ["seed", "years", "inner_teilbereiche", "age_profile", "defaults", "measures"], file)
    measures = {str(name): _spec(str(name), entry, raw["defaults"], file) for name, entry in raw["measures"].items()}
    for name, spec in measures.items():
        base = getattr(spec, "base", None)
        if base is not None and base not in measures:
            raise ParameterError(f"{file}: measures.{name}: Basis {base!r} ist nicht spezifiziert")
    years = raw["years"]
    return Parameters(seed=int(raw["seed"]), years=tuple(range(int(years["first"]), int(years["last"]) + 1)),
                      inner_teilbereiche={str(t) for t in raw["inner_teilbereiche"]},
                      age_profile=_age_profile(raw["age_profile"], file), measures=measures)
