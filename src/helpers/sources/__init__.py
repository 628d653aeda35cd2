"""Derivation of the committed data from public source material (run by `make data`).

Parsers of the city's own publications (the only code that may name a city), the boundaries,
the seeded generator of the synthetic demo data and the synthetic scale city.

May import: helpers.core, helpers.indicators.
"""
