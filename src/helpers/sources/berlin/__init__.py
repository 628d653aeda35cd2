"""Berlin's publications: residents by migration background per LOR area, 2015-2024.

Reads the Open Data Product under ../shared/data/berlin (`population_t1/`, `geo/`) and writes
data/berlin (`population`: areas, boundaries, observations); `lor` relates the LOR areas
of 2006 and 2021, which Berlin renumbered and partly redrew in 2021.
"""
