"""Which tables of the SMS editions are read, and what their columns hold: one spec per table.

A `TableSpec` recognises a page's table by its title and column heads and says, per printed
column, whether it is a count 'n' or a percent 'p', which observation a count is
(year, measure, sex, origin, age), and which constraints the table itself defines (parts that
sum to a total, a printed share equal to count/base). `SPEC_BUILDERS` holds one builder per
series (Migration, Arbeitslose, Bevoelkerung, Beschaeftigte); a page no builder recognises is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from helpers.sources.muenster.sms_text import Line, SmsParseError

PCT_TOLERANCE = 0.051  # printed shares are rounded to one decimal


@dataclass(frozen=True)
class Col:
    """One printed column: kind 'n'/'p', a name for constraints, and what it stores (or None)."""

    kind: str
    name: str
    obs: tuple[int, str, str, str, str] | None = None  # (year, measure, sex, origin, age)


@dataclass
class TableSpec:
    """What a recognised table holds: columns, within-row sums and shares, and bookkeeping."""

    title: str
    cols: list[Col]
    sums: list[tuple[str, list[str]]] = field(default_factory=list)
    shares: list[tuple[str, str, str]] = field(default_factory=list)  # (pct, count, base)
    rank: int = 1  # 0 = cross-section (wins within an edition), 1 = time series
    derived: list[tuple[str, list[str], tuple[int, str, str, str, str]]] = field(default_factory=list)
    note: str = ""

    @property
    def kinds(self) -> list[str]:
        return [c.kind for c in self.cols]


_YEAR = re.compile(r"(?<![\d.])(19[89]\d|20[0-4]\d)(?![\d.])")


def table_title(page: list[Line]) -> str:
    """The printed title; a title wrapped over two lines (ending in 'am', 'nach', '-', ...) is joined."""
    texts = [line.text.strip() for line in page if line.text.strip()][:2]
    title = texts[0]
    if len(texts) > 1 and re.search(r"(\bam|\bnach|überwiegender|-)$", title):
        title = title[:-1] + texts[1] if title.endswith("-") else f"{title} {texts[1]}"
    return title.replace("am31", "am 31")


def header_lines(page: list[Line]) -> list[Line]:
    """Lines before the first Stadtteil row (title and column heads)."""
    out = []
    for line in page:
        if re.match(r"\s*\d{2}\s+\D", line.text):
            break
        out.append(line)
    return out


def header_years(page: list[Line]) -> list[int]:
    """Years printed as column heads (4-digit, not part of a date like 31.12.2014)."""
    text = "\n".join(line.text for line in header_lines(page))
    return sorted({int(y) for y in _YEAR.findall(text)})


def stichtag_year(text: str, default: int) -> int:
    m = re.search(r"31\.\s?12\.\s?(\d{4})", text)
    return int(m.group(1)) if m else default


#: Time-series tables of the Migration editions: title prefix -> (origin, measure).
SERIES_TITLES = [
    ("Wohnberechtigte Bevölkerung mit Migrationsvorgeschichte", ("migration", "population")),
    ("Ausländische Wohnberechtigte", ("foreign", "population")),
    ("Heimatvertriebene", ("expellee", "population")),
    ("Aus-/Spätaussiedler", ("resettler", "population")),
    ("Sonstige Eingebürgerte", ("naturalised_other", "population")),
    ("Kinder ohne", ("german_mig_inherited", "population")),
]


#: The ten age groups of the tables "... in 10 Altersgruppen" (editions 2010-2014), as printed.
AGE_BANDS = ("0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+")


def _age_spec(first: str, page: list[Line], edition: int, origin: str) -> TableSpec:
    """A cross-section "in 10 Altersgruppen": the total (a constraint only: the main tables store it)
    and the ten age groups, which must add up to it. The head is read up to the unit line "Anzahl"
    (its "90 u." would end `header_lines`, which looks for the first Stadtteil number)."""
    lines = [line.text for line in page]
    head = "\n".join(lines[:next((i for i, t in enumerate(lines) if t.strip() == "Anzahl"), len(lines))])
    if not re.search(r"0\s*-\s*9\b.*10\s*-\s*19.*80\s*-\s*89", head) or "90 u." not in head:
        raise SmsParseError(f"Tabelle {first!r}: Altersgruppen 0-9 … 90 u. mehr im Kopf nicht gefunden")
    year = stichtag_year(head, edition)
    cols = [Col("n", "total")] + [Col("n", band, (year, "population", "total", origin, band)) for band in AGE_BANDS]
    note = "" if "Altersgruppen" in table_title(page) else "nach 10 Altersgruppen"
    return TableSpec(first, cols, sums=[("total", list(AGE_BANDS))], rank=0, note=note)


def _birthplace_spec(first: str, head: str, edition: int) -> TableSpec:
    """"... mit Migrationsvorgeschichte nach ausgewählten Geburtsorten" (edition 2014 only): with a migration
    history, of them with a personal one, of them foreigners and the foreigners born in Germany, and Germans
    born in today's Poland, Russian Federation, Kazakhstan. Stored: the foreigners born in Germany (measure
    population_born_in_germany); the other columns repeat the main tables or are not used."""
    if "dar. in Deutsch" not in head or "Ausländer" not in head:
        raise SmsParseError(f"Tabelle {first!r}: Spalte der in Deutschland geborenen Ausländer nicht gefunden")
    year = stichtag_year(head, edition)
    cols = [Col("n", "migration"), Col("n", "personal"), Col("n", "foreign"),
            Col("n", "foreign_born_germany", (year, "population_born_in_germany", "total", "foreign", "total")),
            Col("n", "poland"), Col("n", "russia"), Col("n", "kazakhstan")]
    return TableSpec(first, cols, rank=0)


def _migration_spec(title: str, head: str, page: list[Line], edition: int) -> TableSpec | None:
    """Migration edition: main cross-sections (by sex), by age, time series per origin, households."""
    t = title.replace("am31", "am 31")
    first = next(line.text.strip() for line in page if line.text.strip())
    if "10 Altersgruppen" in t and first.startswith("Wohnberechtigte Bevölkerung mit Migrationsvorgeschichte"):
        return _age_spec(first, page, edition, "migration")
    if "Geburtsorten" in t and first.startswith("Wohnberechtigte Bevölkerung"):
        return _birthplace_spec(first, head, edition)
    if "Altersgruppen" in t or "Geburtsort" in t or "Bevölkerungspyramide" in t:
        return None
    if "darunter mit Migrationsvorgeschichte" in head and re.match(
        r"(Männliche |Weibliche )?Wohnberechtigte Bevölkerung( am 31\.12\.\d{4}| \d{4})?$", first
    ):
        sex = {"Männliche ": "male", "Weibliche ": "female"}.get((re.match(r"(Männliche |Weibliche )?", first).group(1) or ""), "total")
        year = stichtag_year(head, edition)
        def o(origin: str) -> tuple[int, str, str, str, str]:
            return (year, "population", sex, origin, "total")
        if "Heimat" in head:
            cols = [Col("n", "total", o("total")), Col("n", "migration", o("migration")),
                    Col("n", "foreign", o("foreign")), Col("n", "expellee", o("expellee")),
                    Col("n", "resettler", o("resettler")), Col("n", "naturalised_other", o("naturalised_other")),
                    Col("n", "german_mig_inherited", o("german_mig_inherited"))]
            return TableSpec(
                first, cols,
                sums=[("migration", ["foreign", "expellee", "resettler", "naturalised_other", "german_mig_inherited"])],
                rank=0,
                derived=[("german_mig_personal", ["expellee", "resettler", "naturalised_other"], o("german_mig_personal"))],
                note="german_mig_personal = Heimatvertriebene + Aus-/Spätaussiedler + sonstige Eingebürgerte (berechnet)",
            )
        cols = [Col("n", "total", o("total")), Col("n", "migration", o("migration")), Col("p", "p_migration"),
                Col("n", "foreign", o("foreign")), Col("p", "p_foreign"),
                Col("n", "german_mig_personal", o("german_mig_personal")), Col("p", "p_personal"),
                Col("n", "german_mig_inherited", o("german_mig_inherited")), Col("p", "p_inherited")]
        return TableSpec(
            first, cols,
            sums=[("migration", ["foreign", "german_mig_personal", "german_mig_inherited"])],
            shares=[("p_migration", "migration", "total"), ("p_foreign", "foreign", "total"),
                    ("p_personal", "german_mig_personal", "total"), ("p_inherited", "german_mig_inherited", "total")],
            rank=0,
        )
    if "Haushalte" in t:
        if "Personen im Haushalt" in head:
            year = stichtag_year(head, edition)
            cols = [Col("n", "households", (year, "households", "total", "migration", "total")), Col("p", "share")]
            cols += [Col("n", f"size{k}") for k in range(1, 6)]
            return TableSpec(first, cols, sums=[("households", [f"size{k}" for k in range(1, 6)])], rank=0)
        origin, measure = "migration", "households"
    else:
        match = next((v for prefix, v in SERIES_TITLES if t.startswith(prefix)), None)
        if match is None:
            return None
        origin, measure = match
    years = header_years(page)
    if len(years) < 2:
        raise SmsParseError(f"Tabelle {first!r}: Jahresspalten im Kopf nicht gefunden")
    cols = [Col("n", str(y), (y, measure, "total", origin, "total")) for y in years]
    return TableSpec(first, cols)


_UNEMPLOYED = [
    (r"Rechtskreis SGB III", ("unemployed_sgb3", "total", "total")),
    (r"Rechtskreis SGB II\b", ("unemployed_sgb2", "total", "total")),
    (r"^Männliche Arbeitslose", ("unemployed", "male", "total")),
    (r"^Weibliche Arbeitslose", ("unemployed", "female", "total")),
    (r"^Langzeitarbeitslose", ("unemployed_longterm", "total", "total")),
    (r"^Arbeitslose im Alter von unter 25", ("unemployed_under25", "total", "total")),
    (r"^Arbeitslose im Alter von 55", ("unemployed_55plus", "total", "total")),
    (r"^Ausländische Arbeitslose", ("unemployed", "total", "foreign")),
    (r"^Arbeitslose( in Münster)?$", ("unemployed", "total", "total")),
]


def _legal_sphere_spec(first: str, year: int) -> TableSpec:
    """Arbeitslose am 31. Dezember (2007 edition): total and the legal spheres SGB III / SGB II, each by sex.

    The only print of the legal spheres for 2005 (the later time series start in 2006). Stored:
    the totals (unemployed, male, female; unemployed_sgb3, unemployed_sgb2); the spheres by sex
    only constrain the row (no later edition prints them)."""
    def o(measure: str, sex: str = "total") -> tuple[int, str, str, str, str]:
        return (year, measure, sex, "total", "total")
    cols = [Col("n", "total", o("unemployed")), Col("n", "male", o("unemployed", "male")),
            Col("n", "female", o("unemployed", "female")),
            Col("n", "sgb3", o("unemployed_sgb3")), Col("n", "sgb3_male"), Col("n", "sgb3_female"),
            Col("n", "sgb2", o("unemployed_sgb2")), Col("n", "sgb2_male"), Col("n", "sgb2_female")]
    sums = [("total", ["male", "female"]), ("total", ["sgb3", "sgb2"]), ("sgb3", ["sgb3_male", "sgb3_female"]),
            ("sgb2", ["sgb2_male", "sgb2_female"]), ("male", ["sgb3_male", "sgb2_male"]),
            ("female", ["sgb3_female", "sgb2_female"])]
    return TableSpec(first, cols, sums=sums, rank=0, note="Stichtag wie gedruckt: 31. Dezember")


def _unemployed_spec(title: str, head: str, page: list[Line], edition: int) -> TableSpec | None:
    """Arbeitslose: time series with years (or quarters, of which 'Dez' is the year's figure), and
    the 2007 edition's December cross-sections by legal sphere."""
    first = next(line.text.strip() for line in page if line.text.strip())
    december = re.fullmatch(r"Arbeitslose am 31\. Dezember (\d{4})", first)
    if december and re.search(r"SGB II\b", head):
        return _legal_sphere_spec(first, int(december.group(1)))
    if "quote" in first.lower() or " am " in first:
        return None
    what = None
    for pattern, target in _UNEMPLOYED:
        if re.search(pattern, first) or (pattern.startswith("Rechtskreis") and re.search(pattern, head)
                                          and first.startswith("Arbeitslose")):
            what = target
            break
    if what is None:
        return None
    measure, sex, origin = what
    years = header_years(page)
    if not years and not any(re.match(r"\s*\d{2}\s+\D", line.text) for line in page):
        return None  # a cover or text page with a table-like title
    if not years:
        raise SmsParseError(f"Tabelle {first!r}: Jahresspalten im Kopf nicht gefunden")
    if re.search(r"\bMrz\b", head):
        cols = [Col("n", f"{y}q{q}", (y, measure, sex, origin, "total") if q == 4 else None)
                for y in years for q in range(1, 5)]
    else:
        cols = [Col("n", str(y), (y, measure, sex, origin, "total")) for y in years]
    return TableSpec(first, cols)


def _population_spec(title: str, head: str, page: list[Line], edition: int) -> TableSpec | None:
    """Bevölkerung: time series of the Wohnberechtigte Bevölkerung (last year possibly by sex), and its
    cross-section in 10 age groups (both sexes; the denominator of the shares by age)."""
    first = next(line.text.strip() for line in page if line.text.strip())
    if "10 Altersgruppen" in title and first.startswith("Wohnberechtigte Bevölkerung"):
        return _age_spec(first, page, edition, "total")
    if "Wohnberechtigte" not in first or "Altersgruppen" in title or "Hauptwohnung" in first:
        return None
    if re.search(r"31\.12\.\d{4}", first):
        return None
    years = header_years(page)
    if len(years) < 2:
        return None
    cols = [Col("n", str(y), (y, "population", "total", "total", "total")) for y in years]
    sums = []
    if re.search(r"männ", head):
        last = years[-1]
        cols += [Col("n", "male", (last, "population", "male", "total", "total")),
                 Col("n", "female", (last, "population", "female", "total", "total"))]
        sums = [(str(last), ["male", "female"])]
    return TableSpec(first, cols, sums=sums)


#: Column heads of the Beschäftigte tables -> (sex, origin, age); checked in this order
#: ("insgsamt" is how the editions print "insgesamt").
_EMPLOYED = [
    (r"ohne deutsche Staatsangehörigkeit", ("total", "foreign", "total")),
    (r"mit deutscher Staatsangehörigkeit", ("total", "german", "total")),
    (r"jünger als 25 Jahre", ("total", "total", "0-24")),
    (r"\bmännlich\b", ("male", "total", "total")),
    (r"\bweiblich\b", ("female", "total", "total")),
    (r"\binsge?samt\b", ("total", "total", "total")),
]


def _employed_spec(title: str, head: str, page: list[Line], edition: int) -> TableSpec | None:
    """Beschäftigte: time series of the employees subject to social insurance at their place of
    residence on 31.12. (measure employed_svb), one table per group."""
    first = next(line.text.strip() for line in page if line.text.strip())
    lines = head.splitlines()
    at = next((i for i, line in enumerate(lines) if "Beschäftigte am WOHNORT" in line), None)
    if at is None:
        return None
    columns = "\n".join(lines[at + 1:])
    group = next((g for pattern, g in _EMPLOYED if re.search(pattern, columns)), None)
    if group is None:
        raise SmsParseError(f"Tabelle {first!r}: Personengruppe im Spaltenkopf nicht erkannt")
    years = header_years(page)
    if len(years) < 2:
        raise SmsParseError(f"Tabelle {first!r}: Jahresspalten im Kopf nicht gefunden")
    sex, origin, age = group
    cols = [Col("n", str(y), (y, "employed_svb", sex, origin, age)) for y in years]
    return TableSpec(first, cols)


SPEC_BUILDERS: dict[str, Callable[[str, str, list[Line], int], TableSpec | None]] = {
    "Migration": _migration_spec,
    "Arbeitslose": _unemployed_spec,
    "Bevoelkerung": _population_spec,
    "Beschaeftigte": _employed_spec,
}
