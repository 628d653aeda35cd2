"""The tidy data model: observations are counts in long form, validated when loaded.

One row is one count: year x area x measure x group (sex, origin, age). Counts, not rates,
are stored; an indicator is a formula over them (see `catalogue`). Official symbols travel
in `flag`; a missing value is <NA> with its flag, never a zero.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

#: Official symbols ("Zeichenerklärung") -> meaning. "" means an ordinary value.
FLAGS: dict[str, str] = {
    "": "Wert",
    "-": "Zahlenwert genau null",
    ".": "Zahlenwert geheim zu halten oder nicht verfügbar",
    "…": "Daten liegen zum Zeitpunkt der Veröffentlichung noch nicht vor",
    "x": "Nachweis nicht sinnvoll",
    "r": "berichtigte Zahl",
    "p": "vorläufige Zahl",
}
#: Flags whose value is unknown (stored as <NA>).
MISSING_FLAGS = frozenset({".", "…", "x"})

#: How an area level is spelled; which levels a city has is declared in its config/city.yml
#: (helpers.core.levels), and the loaders check the stored levels against that declaration.
LEVEL_PATTERN = r"^[a-z][a-z0-9_]*$"
SEXES = ["total", "male", "female"]
#: Origin groups. "migration" = with Migrationsvorgeschichte (Ausländer + Deutsche with
#: personal or inherited history); the finer groups are its parts as the sources print them.
ORIGINS = [
    "total",
    "migration",
    "migration_personal",
    "foreign",
    "german_mig_personal",
    "german_mig_inherited",
    "expellee",
    "resettler",
    "naturalised_other",
    "no_migration",
    "german",
    "german_migration",  # Germans with Migrationshintergrund (Berlin's register statistics)
]

#: What identifies one observation: no two stored rows share it.
KEY = ["year", "area_level", "area_code", "measure", "sex", "origin", "age"]
OBSERVATION_COLUMNS = [
    "year", "area_level", "area_code", "measure", "sex", "origin", "age",
    "value", "flag", "synthetic", "source",
]


def _value_matches_flag(df: pd.DataFrame) -> pd.Series:
    missing = df["flag"].isin(MISSING_FLAGS)
    zero = df["flag"].eq("-")
    return (missing & df["value"].isna()) | (zero & df["value"].eq(0)).fillna(False) | (
        ~missing & ~zero & df["value"].notna()
    )


OBSERVATIONS = pa.DataFrameSchema(
    {
        "year": pa.Column(int, pa.Check.in_range(1950, 2100)),
        "area_level": pa.Column(str, pa.Check.str_matches(LEVEL_PATTERN)),
        "area_code": pa.Column(str, pa.Check.str_matches(r"^\d+$")),
        "measure": pa.Column(str, pa.Check.str_matches(r"^[a-z][a-z0-9_]*$")),
        "sex": pa.Column(str, pa.Check.isin(SEXES)),
        "origin": pa.Column(str, pa.Check.isin(ORIGINS)),
        "age": pa.Column(str, pa.Check.str_matches(r"^(total|\d+-\d+|\d+\+)$")),
        "value": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "flag": pa.Column(str, pa.Check.isin(list(FLAGS))),
        "synthetic": pa.Column(bool),
        "source": pa.Column(str, pa.Check.str_length(min_value=1)),
    },
    checks=[
        pa.Check(_value_matches_flag, error="value must be <NA> for '.', '…', 'x'; 0 for '-'; present otherwise"),
    ],
    unique=["year", "area_level", "area_code", "measure", "sex", "origin", "age"],
    strict=True,
    ordered=False,
    coerce=True,
    name="observations",
)

REVISION_COLUMNS = [
    *KEY,
    "old_value", "old_flag", "old_source", "new_value", "new_flag", "new_source",
]


class DataError(ValueError):
    """Input data that cannot be used; the message names file, row, column and the fix."""
