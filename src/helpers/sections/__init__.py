"""Report sections: what a chapter notebook calls, each showing one part of the story.

`blocks` (an indicator's definition box, key sentences, series, gap table, maps),
`overview` (the summary of all indicators), `area_patterns` (segregation, Moran/LISA,
social-space index), `explorer` (the correlation explorer) and `parameters` (the notebooks'
parameter check).

May import: helpers.core, helpers.indicators, helpers.disclosure, helpers.stats, helpers.figures.
"""
