"""The words every part of the demo generator shares: the levels it writes, the groups it stores, its error."""

from __future__ import annotations

STADTTEIL, STADT = "stadtteil", "stadt"
#: A stored part and the complement computed by helpers.indicators.compute.
COMPLEMENT = {"no_migration": "migration", "german": "foreign"}
#: The origins drawn with a share of their own; their complements are the rest of the total.
FOCUS_ORIGINS = {"migration", "foreign"}


class SyntheticDataError(ValueError):
    """The catalogue and the generator's specifications do not fit together."""
