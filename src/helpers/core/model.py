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
#: The official symbol of a break in a series, which is no flag of one value but marks the first value after a
#: "grundsätzliche Änderung innerhalb einer Reihe" (the tidy data's `series_break`): the same in the workbook,
#: the report's tables and its symbols page.
BREAK_MARK = "|"
BREAK_MEANING = "grundsätzliche Änderung innerhalb einer Reihe, die den zeitlichen Vergleich beeinträchtigt"
#: The mark of synthetic demo data in figures, maps, tables and the linked view's lists (helpers.figures.charts
#: re-exports it; here, so a page part can word it without importing the plotting stack).
SYNTHETIC_MARK = "Demodaten – synthetisch"
#: Flags whose value is unknown (stored as <NA>).
MISSING_FLAGS = frozenset({".", "…", "x"})

#: How an area level is spelled; which levels a city has is declared in its config/<city>/city.yml
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

#: When and where a stored number is: every stored file (observations, published rates) starts with these.
AREA_YEAR = ["year", "area_level", "area_code"]
#: What an observation counts: the measure and the group (sex, origin, age).
TERM = ["measure", "sex", "origin", "age"]
#: What identifies one observation: no two stored rows share it.
KEY = [*AREA_YEAR, *TERM]
#: What is said about a stored value: its official symbol, whether it is demo data, where it comes from.
NOTES = ["flag", "synthetic", "source"]
OBSERVATION_COLUMNS = [*KEY, "value", *NOTES]


def _value_matches_flag(df: pd.DataFrame) -> pd.Series:
    missing = df["flag"].isin(MISSING_FLAGS)
    zero = df["flag"].eq("-")
    return (missing & df["value"].isna()) | (zero & df["value"].eq(0)).fillna(False) | (
        ~missing & ~zero & df["value"].notna()
    )


def placed_columns() -> dict[str, pa.Column]:
    """The checks of year, area and measure, shared by every stored file's schema (new objects per schema:
    a schema owns its columns)."""
    return {
        "year": pa.Column(int, pa.Check.in_range(1950, 2100)),
        "area_level": pa.Column(str, pa.Check.str_matches(LEVEL_PATTERN)),
        "area_code": pa.Column(str, pa.Check.str_matches(r"^\d+$")),
        "measure": pa.Column(str, pa.Check.str_matches(r"^[a-z][a-z0-9_]*$")),
    }


def note_columns() -> dict[str, pa.Column]:
    """The checks of the NOTES columns, shared by every stored file's schema."""
    return {
        "flag": pa.Column(str, pa.Check.isin(list(FLAGS))),
        "synthetic": pa.Column(bool),
        "source": pa.Column(str, pa.Check.str_length(min_value=1)),
    }


OBSERVATIONS = pa.DataFrameSchema(
    {
        **placed_columns(),
        "sex": pa.Column(str, pa.Check.isin(SEXES)),
        "origin": pa.Column(str, pa.Check.isin(ORIGINS)),
        "age": pa.Column(str, pa.Check.str_matches(r"^(total|\d+-\d+|\d+\+)$")),
        "value": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        **note_columns(),
    },
    checks=[
        pa.Check(_value_matches_flag, error="value must be <NA> for '.', '…', 'x'; 0 for '-'; present otherwise"),
    ],
    unique=KEY,
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
