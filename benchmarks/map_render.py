"""How long one Stadtteil map takes: `.venv/bin/python benchmarks/map_render.py`.

Renders the MV-share map of the 45 Stadtteile to PNG (as the report does) several times
and prints the median, after one warm-up call that loads the boundaries.
"""

from __future__ import annotations

import statistics
import time

from helpers.core import catalogue
from helpers.figures import charts, maps
from helpers.indicators import compute


def main(repeats: int = 7) -> None:
    vals = compute.values(catalogue.load().indicator("mv_anteil"), "stadtteil")
    year = int(vals["year"].max())
    one_year = vals[(vals["year"] == year) & (vals["group"] == "total")]
    charts.png(maps.choropleth(one_year, "Warm-up", "%", "Quelle"))
    times = []
    for scheme in ["quantiles", "fisher_jenks", "std_mean", "equal_interval"] * 2:
        start = time.perf_counter()
        charts.png(maps.choropleth(one_year, f"MV-Anteil {year}", "%", "Quelle", scheme=scheme))
        times.append(time.perf_counter() - start)
    print(f"Karte der 45 Stadtteile (zeichnen + PNG): Median {statistics.median(times):.3f} s, "
          f"Maximum {max(times):.3f} s über {len(times)} Läufe")


if __name__ == "__main__":
    main()
