"""Derive all committed real data from the source material: `make data SRC=...`.

    python -m helpers.sources.derive --src ../shared/data/muenster
    IM_CITY=berlin python -m helpers.sources.derive --src ../shared/data/berlin   # make data CITY=berlin

Every city's source material has its own parser (`PARSERS`, by the city's name: the default city or
IM_CITY, `make data CITY=...`), which writes data/<city>/. For Münster:

Writes data/muenster/areas.csv (Stadtteile and Stadtzellen) and data/muenster/geo/*.geojson (through
helpers.sources.muenster.hierarchy and .boundaries), (through helpers.sources.muenster.sms) the SMS
observations, their revisions and the consistency checks, (through helpers.sources.muenster.opendata) the city's
open-data series beyond the SMS years with their comparison, (through helpers.sources.muenster.rates) the rates
published without counts, (through helpers.sources.muenster.ratswahl) the 2009 council election by
Kommunalwahlbezirk with the wards' boundaries and area rows, and last (through helpers.sources.demo.synthetic) the synthetic demo data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from helpers.core import arguments, paths
from helpers.core.fileio import write_atomic
from helpers.sources.berlin import population
from helpers.sources.muenster import boundaries, ratswahl
from helpers.sources.muenster.hierarchy import area_table


def build_areas(src: Path, data_dir: Path) -> None:
    """Area table and boundaries; the Stadtzellen and the Kommunalwahlbezirke (appended after them)
    are checked against the Stadtteile before anything is written, so a misfit leaves the committed
    files unchanged."""
    stadtteile = boundaries.read_stadtteile(src)
    stadtzellen = boundaries.read_stadtzellen(src, stadtteile)
    wards = ratswahl.read_wards(src, stadtteile)
    cells = dict(zip(stadtzellen["code"], stadtzellen["name"]))
    table = pd.concat([area_table(cells), ratswahl.area_rows(wards)], ignore_index=True)
    write_atomic(data_dir / "areas.csv", lambda p: table.to_csv(p, index=False))
    written = [*boundaries.write_layers(stadtteile, data_dir / "geo", stadtzellen),
               ratswahl.write_layer(wards, data_dir / "geo")]
    print(f"Gebiete: {len(stadtteile)} Stadtteile, {len(stadtzellen)} Stadtzellen, {len(wards)} Kommunalwahlbezirke -> "
          f"{', '.join(str(p) for p in written)}")


def muenster(src: Path, out: Path) -> int:
    """Münster: areas and boundaries, SMS, open data, published rates, then the demo data."""
    if not (src / "sms-text").is_dir():
        print(f"Fehler: {src} enthält kein Verzeichnis 'sms-text' – bitte --src prüfen.", file=sys.stderr)
        return 2
    build_areas(src, out)
    from helpers.sources.muenster import sms

    status = sms.main(["--src", str(src), "--out", str(out)])
    if status != 0:
        return status
    from helpers.sources.muenster import opendata  # compared with the SMS figures just written

    status = opendata.main(["--src", str(src), "--out", str(out)])
    if status != 0:
        return status
    from helpers.sources.muenster import rates

    status = rates.main(["--src", str(src), "--out", str(out)])
    if status != 0:
        return status
    status = ratswahl.main(["--src", str(src), "--out", str(out)])
    if status != 0:
        return status
    from helpers.sources.demo import synthetic  # depends on the real data just written

    return synthetic.main(["--out", str(out)])


def berlin(src: Path, out: Path) -> int:
    """Berlin: LOR areas, boundaries and residents (helpers.sources.berlin.population)."""
    return population.main(["--src", str(src), "--out", str(out)])


#: The parser of each city's source material, by the city's name (config/<name>/).
PARSERS = {"muenster": muenster, "berlin": berlin}


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Alle mitgelieferten echten Daten neu aus dem Quellmaterial ableiten.")
    parser.add_argument("--src", type=Path, required=True, metavar="QUELLE",
                        help="Ordner mit dem Quellmaterial der Stadt (z. B. ../shared/data/muenster)")
    parser.add_argument("--out", type=Path, default=paths.DATA, metavar="ZIEL",
                        help=f"Datenordner, der geschrieben wird (Standard: data/{paths.CITY}/)")
    args = parser.parse_args(argv)
    derive = PARSERS.get(paths.CITY)
    if derive is None:
        print(f"Fehler: Für die Stadt {paths.CITY!r} gibt es keinen Quellparser; vorhanden: {', '.join(PARSERS)}. "
              "Eine Stadt ohne Quellparser liest ihre Zahlen mit `integrationsmonitoring stadt daten "
              f"{paths.CITY} DATEI` ein (README, „Die Zahlen einer Stadt einlesen“).", file=sys.stderr)
        return 2
    return derive(args.src, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
