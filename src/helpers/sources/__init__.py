"""Derivation of the committed data from public source material (run by `make data`).

One subpackage per source family; the parsers of a city's own publications are the only code
that may name that city, and each names only its own (a test scans the string constants):

- `muenster`: Münster's small-area statistics (SMS), open data and published rates, its area
  hierarchy and boundaries -> data/
- `berlin`: Berlin's residents per LOR area and the 2021 LOR reorganisation -> data/berlin/
- `demo`: the seeded generator of the synthetic demo data and the synthetic scale city

Shared by all, at this level: `derive` (the `make data` entry point, one parser per city),
`area_names` (how area names are matched; also used by the intake) and `geojson` (how every
city's boundary layers are written).

May import: helpers.core, helpers.indicators.
"""
