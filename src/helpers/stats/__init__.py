"""Statistics: correlation, segregation indices, spatial autocorrelation, the social-space index.

Methods with their parameters and caveats: frames in, result objects out (as esda's `Moran`),
each result carrying the parameters that produced it. Statistics have no data access of their
own: the sections (helpers.sections) fetch counts, disclosed values and boundaries and pass
them in.

May import: helpers.core, except helpers.core.observations and helpers.core.areas (the data
model, the catalogue's definitions, formatting). Checked by the contract "Statistics have no
data access of their own" in pyproject.toml.
"""
