"""Tests of the SMS text parser on short real excerpts (hand-checked numbers) and on the full source."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.sources.muenster import sms, sms_editions, sms_rows, sms_tables
from helpers.sources.muenster.sms_text import (
    Cell,
    Line,
    SmsParseError,
    area_of_label,
    cell_value,
    segmentations,
    split_row,
)

FOOTER = """
                                             Rückfragen: Informationsmanagement und Statistikdienststelle
                                                         www.muenster.de/stadt/stadtplanung/zahlen.html
                                                                      E-Mail: statistik@stadt-muenster.de
"""


def values(line: str, kinds: str) -> list[list[tuple]]:
    _, tokens = split_row(line)
    return [[cell_value(c) for c in cand] for cand in segmentations(tokens, list(kinds))]


# --- numbers: the blank is both thousands separator and column separator -------------------

def test_age_row_is_fixed_by_the_column_count_and_checked_by_its_sum() -> None:
    # SMS_Migration_2014, Zeile 597 (Altersgruppen, Stadtbezirk Mitte): 11 columns. Heads of
    # 1-2 digits must start a number, so with 11 columns each 3-digit group joins its head.
    text = ("Mitte                     19 726 2 285 1 560 3 823 3 644 2 481 1 906"
            "                 1 270   1 713     832      212")
    label, tokens = split_row(text)
    assert label == "Mitte"
    cands = segmentations(tokens, ["n"] * 11)
    cols = [sms_tables.Col("n", "total")] + [sms_tables.Col("n", f"a{i}") for i in range(10)]
    spec = sms_tables.TableSpec("Altersgruppen", cols, sums=[("total", [f"a{i}" for i in range(10)])])
    row = sms_rows.Row(Line(597, text), "stadtbezirk", "1", tokens, cands)
    sms_rows.resolve(spec, [row], "SMS_Migration_2014.pdf.txt")
    assert [v for v, _ in row.values()] == [19726, 2285, 1560, 3823, 3644, 2481, 1906, 1270, 1713, 832, 212]
    assert sms_rows.row_score(spec, row.chosen) == (0, 1)


# SMS_Bevoelkerung_2010, Zeilen 405-409 and the aggregate rows 415-465 (Stadtteile left out).
POP_2010 = """\fWohnberechtigte Bevölkerung 2002 – 2010
  Statistischer Bezirk                      Wohnberechtigte Bevölkerung in Münster am 31.12.
      Teilbereich
                          2002       2003       2004     2005        2006      2007     2008     2009    2010
     Stadtbezirk                                                   Anzahl
Altstadt                   8 323       8 252     8 275      8 132    8 134     8 126      8 232   8 277   8 318
Innenstadtring            47 500     47 537    47 177     46 674    46 480    46 689     47 011 47 451 48 422
Mitte-Süd                 27 624     27 783    27 641     27 437    27 538    27 586     27 514 27 703 28 018
Mitte-Nordost             31 239     31 395    31 199     30 973    31 080    31 075     31 436 31 778 31 902
Stadtbezirk Mitte        114 686 114 967 114 292 113 216 113 232 113 476                114 193 115 209 116 660
Stadtbezirk West          52 283      52 921    53 302     53 377   53 912    54 178     54 419 54 969 55 376
Stadtbezirk Nord          28 583      28 888    28 745     28 481   28 466    28 246     28 112 28 039 28 261
Stadtbezirk Ost           20 125      20 434    20 280     20 146   20 473    20 600     20 680 20 750 20 867
Stadtbezirk Südost        27 153      27 364    27 023     27 131   27 180    27 033     26 928 26 954 27 155
Stadtbezirk Hiltrup       36 659      36 711    36 559     36 574   36 760    36 666     36 718 36 797 36 861
Stadt Münster            279 489 281 285 280 201 278 925 280 023 280 199                281 050 282 718 285 180
Quelle: Stadt Münster - Amt für Stadtentwicklung, Stadtplanung, Verkehrsplanung
"""


def test_crowded_aggregate_rows_are_resolved_by_the_sums_of_their_parts() -> None:
    # "279 489 281 285 ..." could be read many ways (e.g. 279 489 281 | 285 ...); the
    # Stadtbezirke must sum to Stadt Münster, the Teilbereiche to Stadtbezirk Mitte.
    _, tokens = split_row(POP_2010.splitlines()[-2])
    assert len(segmentations(tokens, ["n"] * 9)) > 1
    parsed = sms.parse_text(POP_2010, "SMS_Bevoelkerung_2010.pdf.txt", "Bevoelkerung", 2010)
    got = {(r["area_level"], r["year"]): r["value"] for r in parsed.records}
    assert got[("stadt", 2002)] == 279489 and got[("stadt", 2007)] == 280199 and got[("stadt", 2010)] == 285180
    mitte = [r["value"] for r in parsed.records if r["area_code"] == "1" and r["area_level"] == "stadtbezirk"]
    assert mitte == [114686, 114967, 114292, 113216, 113232, 113476, 114193, 115209, 116660]
    assert parsed.checks == []


def test_unresolvable_ambiguity_is_an_error_with_file_line_and_row() -> None:
    text = "Stadt Münster            279 489 281 285"  # two columns, no constraint, no positions
    _, tokens = split_row(text)
    spec = sms_tables.TableSpec("t", [sms_tables.Col("n", "a"), sms_tables.Col("n", "b")])
    row = sms_rows.Row(Line(466, text), "stadt", "05515000", tokens, segmentations(tokens, ["n", "n"]))
    with pytest.raises(SmsParseError, match=r"X\.txt, Zeile 466: mehrdeutige Zahlenfolge.*279 489 281 285"):
        sms_rows.resolve(spec, [row], "X.txt")


def test_wide_gaps_separate_columns_and_percent_columns_stay_apart() -> None:
    # SMS_Migration_2014, Zeile 323 (Coerde): 9 columns count/percent.
    text = "61 Coerde                     10 555       5 242    49,7      1 947     18,4     2 250     21,3    1 045      9,9"
    assert values(text, "nnpnpnpnp") == [[
        (10555, ""), (5242, ""), (49.7, ""), (1947, ""), (18.4, ""), (2250, ""), (21.3, ""), (1045, ""), (9.9, ""),
    ]]


# --- symbols ---------------------------------------------------------------------------------

def test_symbols_and_corrections() -> None:
    # SMS_Migration_2014, Zeile 364 (Martini, männlich): "-" in count and percent columns.
    assert values("15 Martini                       579          71    12,3         45      7,8          -        -        6     1,0",
                  "nnpnpnpnp")[0][5:7] == [(0, "-"), (0, "-")]
    # Zeile 716: corrected figures with trailing r, one of them with a thousands blank.
    assert values("Altstadt                               915r               979r             980r        1 018r         989r",
                  "nnnnn") == [[(915, "r"), (979, "r"), (980, "r"), (1018, "r"), (989, "r")]]
    # Zeile 779: a bare "r" (a corrected zero; 165 = 110 + 41 + 8 + 6 + 0).
    row = values("15 Martini                        165r            16,1r          110         41        8r        6r            r",
                 "npnnnnn")
    assert row == [[(165, "r"), (16.1, "r"), (110, ""), (41, ""), (8, "r"), (6, "r"), (0, "r")]]
    # SMS_Migration_2012, Zeile 627: secret values; SMS_Arbeitslose_2007: "..." not yet available.
    assert values("11 Aegidii                    219       28         .     43      47     26      15     14      31      10        .",
                  "n" * 11)[0][2] == (None, ".")
    assert values("11 Aegidii                        39         35          31         31         ...        ...        ...         ...",
                  "n" * 8)[0][4:] == [(None, "…")] * 4
    _, tokens = split_row("99 Test   X   …")
    assert [cell_value(Cell((t,))) for t in tokens] == [(None, "x"), (None, "…")]


# --- labels ----------------------------------------------------------------------------------

@pytest.mark.parametrize("label, expected", [
    ("34 Düesberg", ("stadtteil", "34")),
    ("34 Duisberg", ("stadtteil", "34")),
    ("62 Kinderh.-Ost", ("stadtteil", "62")),
    ("25 Mauritz - West", ("stadtteil", "25")),
    ("31 Aasseestadt", ("stadtteil", "31")),
    ("Mitte - Süd", ("teilbereich", "3")),
    ("Mitte", ("stadtbezirk", "1")),
    ("Stadtbezirk Mite", ("stadtbezirk", "1")),
    ("West", ("stadtbezirk", "5")),
    ("Stadtbezirk Hiltrup", ("stadtbezirk", "9")),
    ("Stadt Münster", ("stadt", "05515000")),
    ("nicht zuzuordnen", ("unzugeordnet", "0")),
    ("Außenbezirke", None),
])
def test_label_variants(label: str, expected: tuple[str, str] | None) -> None:
    assert area_of_label(label, "f, Zeile 1") == expected


def test_label_keeps_hyphen_of_name() -> None:
    label, tokens = split_row("25 Mauritz - West               5 900      706       319")
    assert label == "25 Mauritz - West" and [t.text for t in tokens] == ["5", "900", "706", "319"]


def test_unknown_area_is_an_error_naming_file_and_line() -> None:
    page = TS_2012.replace("12 Überwasser", "12 Überwassr ")
    with pytest.raises(SmsParseError) as err:
        sms.parse_text(page, "SMS_Migration_2012.pdf.txt", "Migration", 2012)
    assert "SMS_Migration_2012.pdf.txt, Zeile 10: unbekannter Stadtteil 'Überwassr'" in str(err.value)
    assert "helpers/sources/muenster/hierarchy.py als Alias eintragen" in str(err.value)
    with pytest.raises(SmsParseError, match="unbekannte Stadtteil-Nummer '35'"):
        area_of_label("35 Irgendwo", "f, Zeile 3")


# --- editions, revisions, checks -------------------------------------------------------------

# SMS_Migration_2012, Zeilen 1047-1058 (households, time series) – first two Stadtteile.
TS_2012 = """\fHaushalte der Wohnberechtigten Bevölkerung mit überwiegender
Migrationsvorgeschichte
                                     Haushalte der Wohnberechtigten Bevölkerung* mit überwiegender
        Stadtteil
                                               Migrationsvorgeschichte in Münster am 31.12.
      Teilbereich
      Stadtbezirk                2008              2009             2010           2011          2012
                                                                   Anzahl
11 Aegidii                              147                142              144           149           144
12 Überwasser                           175                170              162           179           174
Quelle: Stadt Münster - Amt für Stadtentwicklung, Stadtplanung, Verkehrsplanung
"""
# SMS_Migration_2014, Zeilen 703-712 (the same series, revised: values carry "r").
TS_2014 = FOOTER + """Haushalte der Wohnberechtigten Bevölkerung mit überwiegender
Migrationsvorgeschichte
                                    Haushalte der Wohnberechtigten Bevölkerung* mit überwiegender
       Stadtteil
                                               Migrationsvorgeschichte in Münster am 31.12.
     Teilbereich
     Stadtbezirk                 2010              2011             2012           2013         2014
                                                                   Anzahl
11 Aegidii                             155r               160r             155r          161r         158r
12 Überwasser                          169r               187r             182r          190r         163r
Quelle: Stadt Münster - Amt für Stadtentwicklung, Stadtplanung, Verkehrsplanung
"""


def test_newer_edition_wins_and_older_value_becomes_a_revision() -> None:
    old = sms.parse_text(TS_2012, "SMS_Migration_2012.pdf.txt", "Migration", 2012)
    new = sms.parse_text(TS_2014, "SMS_Migration_2014.pdf.txt", "Migration", 2014)
    obs, rev = sms_editions.merge(old.records + new.records)
    aeg = obs[(obs.area_code == "11")].set_index("year")
    assert aeg.loc[2010, "value"] == 155 and aeg.loc[2010, "flag"] == "r"
    assert aeg.loc[2008, "value"] == 147 and aeg.loc[2008, "flag"] == ""
    r = rev[(rev.area_code == "11") & (rev.year == 2010)].iloc[0]
    assert (r.old_value, r.old_flag, r.new_value, r.new_flag) == (144, "", 155, "r")
    assert "SMS Migration 2012" in r.old_source and "Zeile 9" in r.old_source
    assert len(rev) == 6  # 2010-2012 for two Stadtteile


def test_stadtteil_sum_check_catches_planted_mismatch() -> None:
    # SMS_Arbeitslose_2014, Zeilen 146-156 (Altstadt), with Altstadt 2014 changed from 165 to 166.
    text = """\fArbeitslose
        Stadtteil                                       Arbeitslose in Münster am 15.12.
      Teilbereich
                                   2010              2011            2012             2013           2014
      Stadtbezirk                                                   Anzahl
11 Aegidii                                   29                32            31                 36             36
12 Überwasser                                25                25            27                 17             21
13 Dom                                       35                33            32                 33             45
14 Buddenturm                                44                46            42                 42             37
15 Martini                                   25                24            22                 32             26
Altstadt                                    158               160           154                160            166
Quelle: Bundesagentur für Arbeit
"""
    parsed = sms.parse_text(text, "SMS_Arbeitslose_2014.pdf.txt", "Arbeitslose", 2014)
    assert len(parsed.checks) == 1
    c = parsed.checks[0]
    assert (c["line"], c["check"], c["year"], c["area_level"], c["area_code"]) == (11, "Gebietssumme", 2014, "teilbereich", "1")
    assert (c["expected"], c["found"], c["difference"]) == (166, 165, -1)


# --- the real source -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(muenster_source) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return sms.build(muenster_source)


def _value(obs: pd.DataFrame, year: int, code: str, measure: str, origin: str = "total", sex: str = "total"):
    hit = obs[(obs.year == year) & (obs.area_code == code) & (obs.measure == measure)
              & (obs.origin == origin) & (obs.sex == sex) & (obs.age == "total")]
    assert len(hit) == 1, (year, code, measure, origin, sex)
    return hit.iloc[0]["value"]


@pytest.mark.slow
def test_build_reproduces_published_figures(built) -> None:
    obs, rev, checks = built
    city = "05515000"
    assert _value(obs, 2014, city, "population") == 300267
    assert _value(obs, 2014, city, "population", "migration") == 65205
    assert round(65205 / 300267 * 100, 1) == 21.7
    assert _value(obs, 2014, "61", "population") == 10555
    assert _value(obs, 2014, "61", "population", "migration") == 5242
    assert _value(obs, 2014, city, "unemployed") == 8923
    assert _value(obs, 2014, "61", "unemployed") == 698
    # 2010 edition: german_mig_personal derived as the sum of its three printed parts.
    assert _value(obs, 2010, city, "population", "german_mig_personal") == 5874 + 11725 + 10831
    # Bevölkerung time series give the total population for the years without Migration tables.
    assert _value(obs, 2006, city, "population") == 280023
    assert set(obs.synthetic) == {False}
    assert len(rev) > 0


def test_build_reports_the_known_martini_mismatch(built) -> None:
    _, _, checks = built
    hit = checks[(checks.file == "SMS_Migration_2014.pdf.txt") & (checks.area_code == "15")
                 & (checks.sex == "male") & (checks.check == "Zeilensumme")]
    assert len(hit) == 1 and hit.iloc[0]["expected"] == 71 and hit.iloc[0]["found"] == 51


def test_derived_totals_fill_only_missing_years_and_check_printed_ones():
    """migration = foreign + german_mig_personal + german_mig_inherited where only parts are printed."""
    import pandas as pd

    from helpers.sources.muenster.sms_editions import derive_sums

    def row(year, origin, value):
        return dict(year=year, area_level="stadtteil", area_code="11", measure="population", sex="total",
                    origin=origin, age="total", value=value, flag="", synthetic=False, source="t")

    parts_2006 = [("foreign", 82), ("expellee", 33), ("resettler", 14), ("naturalised_other", 46),
                  ("german_mig_inherited", 20)]
    rows = [row(2006, o, v) for o, v in parts_2006]
    rows += [row(2010, o, v) for o, v in [("foreign", 86), ("german_mig_personal", 112),
                                          ("german_mig_inherited", 23), ("migration", 222)]]
    checks: list[dict] = []
    out = derive_sums(pd.DataFrame(rows).astype({"value": "Int64"}), checks)
    got = out.set_index(["year", "origin"])["value"]
    assert got[(2006, "german_mig_personal")] == 33 + 14 + 46
    assert got[(2006, "migration")] == 82 + 93 + 20
    assert got[(2010, "migration")] == 222  # printed value kept, not replaced
    assert len(checks) == 1 and checks[0]["expected"] == 222 and checks[0]["found"] == 221
