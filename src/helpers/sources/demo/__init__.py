"""Invented data: the seeded demo generator and the synthetic scale city. Not official numbers.

No source material: `synthetic` generates the demo data of the indicators that have no public
source yet (data/<city>/observations/synthetic.csv), tied to the real Münster data it reads from data/;
its tuned parameters are data in `parameters.yml` beside it, read and checked by `parameters`;
it runs `needs` (what the catalogue asks for), `structure` (the real structure the counts are
tied to) and `generator` (drawing the counts), which share the words of `terms`.
`scale_city` writes a whole data root for a synthetic city of any size (benchmarks and tests,
not committed).
"""
