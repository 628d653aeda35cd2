"""Statistics: correlation, segregation indices, spatial autocorrelation, the social-space index.

Methods with their parameters and caveats, returning result objects (as esda's `Moran`).

May import: helpers.core, helpers.indicators, helpers.disclosure.
"""
