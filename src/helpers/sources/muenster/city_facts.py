"""City-level figures reported by the city and IT.NRW: Integrationsrat election and pupils with Zuwanderungsgeschichte.

Source: `more/city_facts/city_anchors.csv` (`indicator,area,period,value,unit,note,source_url`), figures
transcribed by hand from stored press releases and news articles that quote the city's election office
and IT.NRW's school statistics. Only the rows named in `SELECTED` are taken, all for the city as a whole,
as published (a rate without the counts behind it, helpers.core.rates):

* the turnout of the Integrationsrat elections (2010, 2014, 2020) and, where a figure was published,
  the number of eligible voters the turnout refers to (2014 "rund 34 800", 2020; for 2010 the source
  gives only a range, so none is stored);
* the share of pupils with Zuwanderungsgeschichte among all pupils and by school type (Grundschule,
  Hauptschule, Realschule, Gymnasium) for the school years 2016/17, 2019/20 and 2023/24 where printed.
  Single schools (Gesamtschule Münster-Mitte, PRIMUS-Schule) are not a school type and are left out.

Dates: an election counts in its calendar year; a school year counts in the calendar year it begins
(2019/20 -> 2019): IT.NRW counts the pupils on its reference day in October of that year, the nearest
to the 31.12. of the population figures.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.core import rates

FACTS_FILE = "more/city_facts/city_anchors.csv"
HEADER = ["indicator", "area", "period", "value", "unit", "note", "source_url"]
CITY_LABEL = "Münster (Stadt)"
CITY_CODE = "05515000"

_ELECTION = ("Stadt Münster, Wahlamt: Wahl zum Integrationsrat am {date}")
_SCHOOLS = ("IT.NRW, Schulstatistik: Schülerinnen und Schüler mit Zuwanderungsgeschichte, {what}, "
            "Schuljahr {period}")


@dataclass(frozen=True)
class Fact:
    """What one kind of row of the source becomes: its measure, unit, period form and source text."""

    measure: str
    unit: str
    period: str  # "date" (an election day) or "school_year" (2019/20)
    source: str  # with {date} or {period} and {what}
    what: str = ""


#: Source indicator -> stored published figure. Rows of other indicators are not read.
SELECTED = {
    "integrationsrat_wahlbeteiligung": Fact("ir_turnout", "percent", "date", _ELECTION + " (Wahlbeteiligung)"),
    "integrationsrat_wahlberechtigte": Fact("ir_electorate", "persons", "date",
                                            _ELECTION + " (Zahl der Wahlberechtigten, wie berichtet)"),
    "schueler_zuwanderungsgeschichte_anteil_alle_schulformen": Fact(
        "pupils_zg_share", "percent", "school_year", _SCHOOLS, "alle Schulformen"),
    "schueler_zuwanderungsgeschichte_anteil_grundschule": Fact(
        "pupils_zg_share_grundschule", "percent", "school_year", _SCHOOLS, "Grundschulen"),
    "schueler_zuwanderungsgeschichte_anteil_hauptschule": Fact(
        "pupils_zg_share_hauptschule", "percent", "school_year", _SCHOOLS, "Hauptschulen"),
    "schueler_zuwanderungsgeschichte_anteil_realschule": Fact(
        "pupils_zg_share_realschule", "percent", "school_year", _SCHOOLS, "Realschulen"),
    "schueler_zuwanderungsgeschichte_anteil_gymnasium": Fact(
        "pupils_zg_share_gymnasium", "percent", "school_year", _SCHOOLS, "Gymnasien"),
}


class CityFactsError(ValueError):
    """A source file that does not read as described (file, line, column, what was found)."""


def _year(period: str, form: str, where: str) -> int:
    """The report year of a period: an election's calendar year, a school year's first year."""
    if form == "date":
        m = re.fullmatch(r"((?:19|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", period)
        if not m:
            raise CityFactsError(f"{where}, Spalte period: {period!r} ist kein Datum (JJJJ-MM-TT).")
        return int(m.group(1))
    m = re.fullmatch(r"((?:19|20)\d\d)/(\d\d)", period)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise CityFactsError(f"{where}, Spalte period: {period!r} ist kein Schuljahr (z. B. 2019/20).")
    return int(m.group(1))


def _date_de(period: str) -> str:
    year, month, day = period.split("-")
    return f"{int(day)}.{int(month)}.{year}"


def _urls(text: str) -> str:
    """The article addresses of a row, as one list (the source separates them with ' ; ')."""
    return ", ".join(u.strip() for u in text.split(" ; ") if u.strip())


def read_city_facts(src: Path) -> pd.DataFrame:
    """The selected city facts in the form of helpers.core.rates (one row per year and measure)."""
    path = Path(src) / FACTS_FILE
    if not path.is_file():
        raise CityFactsError(f"{path}: Datei fehlt.")
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    if header != HEADER:
        raise CityFactsError(f"{path}: Spalten {header}, erwartet {', '.join(HEADER)}.")
    out = []
    for number, row in enumerate(rows, start=2):
        where = f"{path}, Zeile {number}"
        if len(row) != len(HEADER):
            raise CityFactsError(f"{where}: {len(row)} Felder, erwartet {len(HEADER)}.")
        record = dict(zip(HEADER, row))
        fact = SELECTED.get(record["indicator"])
        if fact is None:
            continue
        if record["area"] != CITY_LABEL:
            raise CityFactsError(f"{where}, Spalte area: {record['area']!r}, erwartet {CITY_LABEL!r}.")
        if record["unit"] != fact.unit:
            raise CityFactsError(f"{where}, Spalte unit: {record['unit']!r}, erwartet {fact.unit!r}.")
        if not re.fullmatch(r"\d+(\.\d+)?", record["value"]):
            raise CityFactsError(f"{where}, Spalte value: {record['value']!r} ist keine Zahl mit Dezimalpunkt.")
        value = float(record["value"])
        if fact.unit == "percent" and value > 100:
            raise CityFactsError(f"{where}, Spalte value: {value} liegt über 100 %.")
        period = record["period"]
        year = _year(period, fact.period, where)
        source = fact.source.format(date=_date_de(period) if fact.period == "date" else "", period=period,
                                    what=fact.what)
        out.append({"year": year, "area_level": "stadt", "area_code": CITY_CODE,
                    "measure": fact.measure, "value": value, "flag": "", "synthetic": False,
                    "source": f"{source}; berichtet in: {_urls(record['source_url'])}",
                    "line": number})
    table = pd.DataFrame(out, columns=[*rates.COLUMNS, "line"])
    twice = table.duplicated(["year", "measure"], keep=False)
    if twice.any():
        lines = ", ".join(str(n) for n in table.loc[twice, "line"][:2])
        raise CityFactsError(f"{path}, Zeilen {lines}: dieselbe Angabe für dasselbe Jahr zweimal.")
    missing = sorted(set(SELECTED) - {r[0] for r in rows if r})
    if missing:
        raise CityFactsError(f"{path}: keine Zeile für {', '.join(missing)}.")
    table = table.drop(columns="line").astype({"year": "int64", "value": "Float64", "synthetic": bool})
    return rates.SCHEMA.validate(table.sort_values(["measure", "year"]).reset_index(drop=True))
