"""Report sections: what a chapter notebook calls, each showing one part of the story.

`blocks` (what the chapters call: a Handlungsfeld's opening, an indicator's block of definition box,
key sentences, series, gap table and maps, further maps and tables), built from `selection` (which
values a section shows), `wording` (its German sentences), `html_tables` (its HTML tables),
`alt_texts` (its figures' alternative texts) and `results` (the result classes);
`overview` (the summary of all indicators); `area_patterns` (the sections of segregation,
Moran/LISA and the social-space index), built from `area_statistics` (this city's data handed to
helpers.stats, the results over the look back), `area_wording` (their German sentences),
`area_tables` (their tables) and `area_results` (the result classes); `explorer` (the correlation
explorer: its result and section), built from `correlation_values` (the disclosed values it
analyses, one row per area), `correlation_wording` (its German caveat, labels and table of pairs)
and `correlation_export` (the table of pairs as a file: the report's or a research export);
`parameters` (the notebooks' parameter check).

May import: helpers.core, helpers.indicators, helpers.disclosure, helpers.stats, helpers.figures.
"""
