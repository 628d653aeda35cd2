"""Which tables of the SMS Haushalte editions (2007-2014) are read, and what their columns hold.

The editions 2007-2011 print one year each (cross-sections on 31.12. of the edition's year): the
households by size (with the persons in them and the mean size) and by type (with children: couples
and single parents). From 2012 they print five-year time series, one table per count, recomputed
back to 2008 with the generator HHGen 2.3 ("einschließlich der rückblickenden Jahresauswertungen"):
the newest edition wins (`sms_editions`), so 2008-2011 of the cross-sections become revisions and
2007 is the only year of the older method (a break the catalogue declares).

Stored (origin `total`, the measure `households` with origin `migration` comes from the Migration
editions): `households`, `households_size1` ... `households_size4`, `households_size5plus`,
`households_children` (at least one child under 18) and `households_single_parent`. The persons in
households, the mean size and the couples with children only constrain the rows.
"""

from __future__ import annotations

import re

from helpers.sources.muenster.sms_tables import Col, TableSpec, header_years, stichtag_year
from helpers.sources.muenster.sms_text import Line, SmsParseError

#: The household sizes 1, 2, 3, 4 and 5 or more persons: together all households (`check_parts`).
SIZES = ("households_size1", "households_size2", "households_size3", "households_size4", "households_size5plus")

#: Time series of the editions 2012-2014: the first line of the page -> measure.
TIME_SERIES = [
    (r"Haushalte der Wohnberechtigten Bevölkerung", "households"),
    *((rf"{k}-Personen-Haushalte der Wohnberechtigten Bevölkerung", SIZES[k - 1]) for k in range(1, 5)),
    (r"5- und mehr Personen-Haushalte der Wohnberechtigten Bevölkerung", "households_size5plus"),
    (r"Haushalte der Wohnberechtigten Bevölkerung mit Kindern", "households_children"),
    (r"Alleinerziehende Haushalte der Wohnberechtigten Bevölkerung", "households_single_parent"),
]


def _size_spec(first: str, head: str, year: int) -> TableSpec:
    """Households by size: total, 1 ... 5 u. mehr persons (2007/2008 each with its share), the persons in
    the households and the mean size. The sizes must add up to the total."""
    with_shares = "%" in head

    def obs(measure: str) -> tuple[int, str, str, str, str]:
        return (year, measure, "total", "total", "total")

    cols = [Col("n", "households", obs("households"))]
    shares = []
    for measure in SIZES:
        cols.append(Col("n", measure, obs(measure)))
        if with_shares:
            cols.append(Col("p", f"p_{measure}"))
            shares.append((f"p_{measure}", measure, "households"))
    cols += [Col("n", "persons"), Col("p", "mean_size")]
    return TableSpec(first, cols, sums=[("households", list(SIZES))], shares=shares, rank=0)


def _type_spec(first: str, head: str, year: int) -> TableSpec:
    """Households by type: total (a constraint: the size table stores it), with children and its share,
    couples and single parents with their shares, couples + single parents = with children. The shares
    of couples and single parents are of the households with children in 2007/2008 (the head names
    "Ehepaar bzw. Paar, mindestens ein Kind"), of all households from 2009."""
    base = "children" if "bzw. Paar" in head else "total"
    cols = [Col("n", "total"),
            Col("n", "children", (year, "households_children", "total", "total", "total")), Col("p", "p_children"),
            Col("n", "couples"), Col("p", "p_couples"),
            Col("n", "single", (year, "households_single_parent", "total", "total", "total")), Col("p", "p_single")]
    return TableSpec(first, cols, sums=[("children", ["couples", "single"])],
                     shares=[("p_children", "children", "total"), ("p_couples", "couples", base),
                             ("p_single", "single", base)], rank=0)


def households_spec(title: str, head: str, page: list[Line], edition: int) -> TableSpec | None:
    """Haushalte: the cross-sections by size and by type (2007-2011), the time series (2012-2014)."""
    first = next(line.text.strip() for line in page if line.text.strip())
    if "5 u. mehr" in head and "Bevöl" in head:
        return _size_spec(first, head, stichtag_year(head, edition))
    if "Alleinerziehende" in head and "Paar" in head:
        return _type_spec(first, head, stichtag_year(head, edition))
    measure = next((m for pattern, m in TIME_SERIES if re.fullmatch(pattern, first)), None)
    if measure is None or not any(re.match(r"\s*\d{2}\s+\D", line.text) for line in page):
        return None  # another table (one-person households by age, sex, ...) or a text page
    years = header_years(page)
    if len(years) < 2:
        raise SmsParseError(f"Tabelle {first!r}: Jahresspalten im Kopf nicht gefunden")
    return TableSpec(first, [Col("n", str(y), (y, measure, "total", "total", "total")) for y in years])
