"""Derive all committed real data from the source material: `make data SRC=...`.

    python -m helpers.sources.derive --src ../shared/data/muenster
    IM_CITY=berlin python -m helpers.sources.derive --src ../shared/data/berlin   # make data CITY=berlin

Another city (IM_CITY, `make data CITY=...`) is derived by its own parser into cities/<name>/data
(`OTHER_CITIES`). For Münster:

Writes data/areas.csv (Stadtteile and Stadtzellen) and data/geo/*.geojson (through
helpers.sources.muenster.hierarchy and .boundaries), (through helpers.sources.muenster.sms) the SMS
observations, their revisions and the consistency checks, (through helpers.sources.muenster.opendata) the city's
open-data series beyond the SMS years with their comparison, (through helpers.sources.muenster.rates) the rates
published without counts, (through helpers.sources.muenster.ratswahl) the 2009 council election by
Kommunalwahlbezirk with the wards' boundaries and area rows, and last (through helpers.sources.demo.synthetic) the synthetic demo data.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from helpers.core import arguments, context, paths
from helpers.core.fileio import write_atomic
from helpers.sources.berlin import population
from helpers.sources.muenster import boundaries, ratswahl
from helpers.sources.muenster.hierarchy import area_table

#: Parsers of the other cities' source material (cities/<name>/), by the name given as CITY.
OTHER_CITIES = {"berlin": population.main}


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


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description="Alle mitgelieferten echten Daten neu aus dem Quellmaterial ableiten.")
    parser.add_argument("--src", type=Path, required=True, metavar="QUELLE",
                        help="Ordner mit dem Quellmaterial der Stadt (z. B. ../shared/data/muenster)")
    parser.add_argument("--out", type=Path, default=paths.DATA, metavar="ZIEL", help="Datenordner, der geschrieben wird (Standard: data/)")
    args = parser.parse_args(argv)
    city = os.environ.get(context.CITY_ENV, "").strip()
    if city:
        if city not in OTHER_CITIES:
            print(f"Fehler: Für die Stadt {city!r} gibt es keinen Quellparser; vorhanden: {', '.join(OTHER_CITIES)}.",
                  file=sys.stderr)
            return 2
        return OTHER_CITIES[city](["--src", str(args.src), "--out", str(args.out)])
    if not (args.src / "sms-text").is_dir():
        print(f"Fehler: {args.src} enthält kein Verzeichnis 'sms-text' – bitte --src prüfen.", file=sys.stderr)
        return 2
    build_areas(args.src, args.out)
    from helpers.sources.muenster import sms

    status = sms.main(["--src", str(args.src), "--out", str(args.out)])
    if status != 0:
        return status
    from helpers.sources.muenster import opendata  # compared with the SMS figures just written

    status = opendata.main(["--src", str(args.src), "--out", str(args.out)])
    if status != 0:
        return status
    from helpers.sources.muenster import rates

    status = rates.main(["--src", str(args.src), "--out", str(args.out)])
    if status != 0:
        return status
    status = ratswahl.main(["--src", str(args.src), "--out", str(args.out)])
    if status != 0:
        return status
    from helpers.sources.demo import synthetic  # depends on the real data just written

    return synthetic.main(["--out", str(args.out)])


if __name__ == "__main__":
    raise SystemExit(main())
