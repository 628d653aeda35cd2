"""Rates published without counts: Münster's Einbürgerungsquote from the Regionalstatistik, and the
city facts of helpers.sources.muenster.city_facts (Integrationsrat election, pupils with Zuwanderungsgeschichte).

    python -m helpers.sources.muenster.rates --src ../shared/data/muenster --out data

Source: `opendata/kreis_einbuergerungsquote_05515_2011-2024_extract.csv` (`ags,year,rate_pct`),
an extract of table 12511-04-01-4 of the Regionaldatenbank Deutschland (Statistische Ämter des
Bundes und der Länder): naturalisations in % of the foreign population with at least ten years
of residence ("Einbürgerungspotenzial"), for the Kreis 05515 = the city of Münster. Written to
`data/<city>/published_rates.csv` (helpers.core.rates) as published, with one decimal.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pandas as pd

from helpers.core import arguments, rates
from helpers.core.fileio import write_atomic
from helpers.sources.muenster import DATA, city_facts

NATURALISATION_FILE = "opendata/kreis_einbuergerungsquote_05515_2011-2024_extract.csv"
NATURALISATION_MEASURE = "naturalisation_rate"
NATURALISATION_SOURCE = ("Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland, "
                         "Tabelle 12511-04-01-4 (Einbürgerungsquote)")


class RateSourceError(ValueError):
    """A source file that does not read as described (file, line, column, what was found)."""


def _city_code(ags: str) -> str:
    """A Kreis key of a kreisfreie Stadt (5 digits) as the 8-digit city code of data/<city>/areas.csv."""
    return ags + "000" if len(ags) == 5 else ags


def read_naturalisation_rate(src: Path) -> pd.DataFrame:
    """The Einbürgerungsquote per year, in the form of helpers.core.rates."""
    path = Path(src) / NATURALISATION_FILE
    if not path.is_file():
        raise RateSourceError(f"{path}: Datei fehlt.")
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    if header != ["ags", "year", "rate_pct"]:
        raise RateSourceError(f"{path}: Spalten {header}, erwartet ags, year, rate_pct.")
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise RateSourceError(f"{path}, Zeile {number}: {len(row)} Felder, erwartet {len(header)} "
                                  "(Dezimalzeichen ist der Punkt, Trennzeichen das Komma).")
    raw = pd.DataFrame(rows, columns=header)
    for column, pattern, what in [("ags", r"\d{5}|\d{8}", "ein Kreis- oder Gemeindeschlüssel"),
                                  ("year", r"(19|20)\d\d", "ein Jahr"),
                                  ("rate_pct", r"\d+(\.\d+)?", "eine Quote in % mit Dezimalpunkt")]:
        bad = ~raw[column].map(lambda v, p=pattern: re.fullmatch(p, v) is not None)
        if bad.any():
            line = int(raw.index[bad][0]) + 2
            raise RateSourceError(f"{path}, Zeile {line}, Spalte {column}: {raw.loc[bad, column].iloc[0]!r} "
                                  f"ist nicht {what}.")
    out = pd.DataFrame({
        "year": raw["year"].astype(int), "area_level": "stadt", "area_code": raw["ags"].map(_city_code),
        "measure": NATURALISATION_MEASURE, "value": raw["rate_pct"].astype(float).astype("Float64"),
        "flag": "", "synthetic": False, "source": NATURALISATION_SOURCE,
    })
    twice = out.duplicated(["year", "area_code"], keep=False)
    if twice.any():
        lines = ", ".join(str(int(i) + 2) for i in out.index[twice][:2])
        raise RateSourceError(f"{path}, Zeilen {lines}: dasselbe Jahr zweimal.")
    return rates.SCHEMA.validate(out.sort_values(["year", "area_code"]).reset_index(drop=True))


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True, help="Ordner mit opendata/ (Münster)")
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    try:
        naturalisation = read_naturalisation_rate(args.src)
        facts = city_facts.read_city_facts(args.src)
    except (RateSourceError, city_facts.CityFactsError) as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 1
    table = rates.SCHEMA.validate(pd.concat([naturalisation, facts], ignore_index=True))
    target = args.out / "published_rates.csv"
    write_atomic(target, lambda p: table.to_csv(p, index=False))
    spans = ", ".join(f"{m} {g['year'].min()}–{g['year'].max()}" for m, g in table.groupby("measure", sort=False))
    print(f"Veröffentlichte Quoten: {len(table)} Werte ({spans}) -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
