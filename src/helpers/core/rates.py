"""Rates published by a statistical office without their counts, e.g. the Einbürgerungsquote.

Everything else the workbench stores is a count, and an indicator divides counts. Some figures
exist only as the published rate: the Regionalstatistik gives the Einbürgerungsquote of a city,
not the naturalisations and the foreign population behind it. Such a rate is stored here as
published (value, official flag, source), one row per year and area; an indicator of the catalogue
takes it with `published_rate: {measure: …}` instead of numerator and denominator. Without
counts there is nothing to add up (no values for larger areas than published, none for smaller
ones) and nothing for the disclosure rule to test: the statistical office has published it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import pandera.errors
import pandera.pandas as pa

from helpers.core import levels, paths
from helpers.core.model import AREA_YEAR, MISSING_FLAGS, NOTES, DataError, note_columns, placed_columns

#: One published rate per year, area and measure (a rate has no groups).
KEY = [*AREA_YEAR, "measure"]
COLUMNS = [*KEY, "value", *NOTES]


def _value_matches_flag(df: pd.DataFrame) -> pd.Series:
    missing = df["flag"].isin(MISSING_FLAGS)
    return (missing & df["value"].isna()) | (~missing & df["value"].notna())


SCHEMA = pa.DataFrameSchema(
    {**placed_columns(), "value": pa.Column("Float64", pa.Check.ge(0), nullable=True), **note_columns()},
    checks=[pa.Check(_value_matches_flag, error="value must be <NA> for '.', '…', 'x' and present otherwise")],
    unique=KEY,
    strict=True,
    ordered=True,
)


def empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                         zip(COLUMNS, ["int64", "str", "str", "str", "Float64", "str", "bool", "str"])})


@lru_cache(maxsize=4)
def _read(path: Path, signature: tuple) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype={"area_code": str, "flag": str, "source": str}, keep_default_na=False,
                      na_values={"value": [""]})
    raw["value"] = raw["value"].astype("Float64")
    try:
        checked = SCHEMA.validate(raw, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases.head(5)
        where = "; ".join(f"Zeile {int(i) + 2 if pd.notna(i) else '?'}, Spalte {c}: {v} verletzt die Prüfung {check}"
                          for i, c, v, check in cases[["index", "column", "failure_case", "check"]]
                          .itertuples(index=False))
        raise DataError(f"{path}: {where}. Die Datei wird von helpers.sources.muenster.rates erzeugt; bitte nicht von "
                        "Hand ändern, sondern `make data` ausführen.") from None
    levels.check_stored(checked["area_level"], path)
    return checked


def published_rates(path: Path | None = None) -> pd.DataFrame:
    """All stored published rates (copy); an empty frame where the city has none."""
    path = Path(path or paths.PUBLISHED_RATES_CSV)
    if not path.is_file():
        return empty()
    stat = path.stat()
    return _read(path, (stat.st_mtime_ns, stat.st_size)).copy()


def rates_of(measure: str) -> pd.DataFrame:
    """The stored rows of one published rate."""
    rates = published_rates()
    return rates[rates["measure"] == measure].reset_index(drop=True)
