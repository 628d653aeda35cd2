"""No unmarked break: every real series is walked for sum mismatches and changes of method.

Issue 29: a series break or a known source problem is shown, not hidden. This test walks every
counted real indicator of the catalogue, each of its groups and the counts behind it (numerator and
denominator at every area and year) and fails

- on a part-whole mismatch within one year that `sms_checks.csv` does not list: male + female =
  total, the catalogue's origin partitions (migration = foreign + Germans with personal or inherited
  history, ...), and the base areas against a published larger area (Stadtteile -> Teilbereich,
  Stadtbezirk, city with the persons not assignable to a Stadtteil);
- on a change of method between two stored years that the indicator's catalogue entry does not
  declare under `breaks`. A change of method is found from the editions, not from the values: a
  later edition recomputed a year (revised at least half of its areas, `sms_revisions.csv`) and the
  series joins that year to one the edition did not recompute (households with a migration history:
  the 2014 edition recomputed 2010-2013, the stored 2009 is the 2013 edition's; all households: the
  2012 edition recomputed 2008-2011, the stored 2007 is the 2007 edition's).

It reads the committed files (observations, revisions, checks, areas, catalogue) and computes every
sum itself; no code of the parser is used.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from functools import cache

import pandas as pd
import pytest

from helpers.core import areas, catalogue, levels, observations, paths
from helpers.core.catalogue import Term

#: A stored value's edition, from its source ("SMS Migration 2014, ..." -> ("Migration", 2014)).
EDITION = re.compile(r"^SMS (\w+) (\d{4})\b")
#: Share of a year's areas a later edition must have revised to count as a recomputation of that year.
RECOMPUTED_SHARE = 0.5
CELL = ["year", "area_level", "area_code"]


@cache
def _real() -> pd.DataFrame:
    obs = observations.observations()
    obs = obs[~obs["synthetic"].astype(bool)].copy()
    obs["area_code"] = obs["area_code"].astype(str)
    return obs


@cache
def _checks() -> frozenset[tuple]:
    """(year, level, code, measure, sex, origin) of every listed check of the sources."""
    table = pd.read_csv(paths.CHECKS_CSV, dtype={"area_code": str}, keep_default_na=False)
    return frozenset((int(r.year), r.area_level, r.area_code, r.measure, r.sex, r.origin)
                     for r in table.itertuples(index=False))


def _real_indicators() -> list[catalogue.Indicator]:
    return [ind for ind in catalogue.load().indicators if ind.counted and not ind.synthetic]


def _terms(ind: catalogue.Indicator) -> list[Term]:
    """The counted terms of every group of the indicator (a complement group as its stored parts)."""
    out = []
    for group in ["total", *ind.group_values]:
        for term in ind.terms:
            t = term if group == "total" else term.with_group(ind.group_dimension, group)
            if t.origin in ("german", "no_migration"):  # total minus a stored part: both are walked
                out += [Term(t.measure, t.sex, "total", t.age),
                        Term(t.measure, t.sex, {"german": "foreign", "no_migration": "migration"}[t.origin], t.age)]
            else:
                out.append(t)
    return list(dict.fromkeys(out))


def _series(term: Term) -> pd.DataFrame:
    obs = _real()
    mask = ((obs["measure"] == term.measure) & (obs["sex"] == term.sex) & (obs["origin"] == term.origin)
            & (obs["age"] == term.age))
    return obs[mask]


def _values(term: Term) -> pd.Series:
    """Known values of a term by (year, level, code); secret and missing cells left out."""
    s = _series(term)
    s = s[s["value"].notna()]
    return pd.Series(s["value"].astype(int).to_numpy(), index=pd.MultiIndex.from_frame(s[CELL]))


# --- sums within one year -----------------------------------------------------------------------------

def _partitions(term: Term) -> list[tuple[Term, list[Term]]]:
    """The partitions whose whole or part the term is: sex (total = male + female) and the catalogue's."""
    found = []
    relations = catalogue.load().groups.relations
    for rel in relations:
        if not rel.partition:
            continue
        value = getattr(term, rel.dimension)
        if value == rel.whole or value in rel.parts:
            whole = term.with_group(rel.dimension, rel.whole)
            found.append((whole, [term.with_group(rel.dimension, p) for p in rel.parts]))
    return found


def _group_mismatches(term: Term) -> list[tuple]:
    out = []
    for whole, parts in _partitions(term):
        if any(p.origin in ("german", "no_migration") for p in parts):
            continue  # a complement is computed as total minus the part: it cannot mismatch
        total = _values(whole)
        sums = [_values(p) for p in parts]
        common = total.index
        for s in sums:
            common = common.intersection(s.index)
        for key in common:
            found = sum(int(s[key]) for s in sums)
            if found != int(total[key]):
                out.append((int(key[0]), key[1], key[2], whole.measure, whole.sex, whole.origin, int(total[key]), found))
    return out


def _area_mismatches(term: Term) -> list[tuple]:
    """Published larger areas against the sum of their base areas (complete years only)."""
    h = levels.hierarchy()
    base = h.base.code
    values = _values(term)
    if values.empty:
        return []
    frame = values.rename("value").reset_index()
    below = frame[frame["area_level"] == base].set_index(["year", "area_code"])["value"]
    unassigned = frame[frame["area_level"] == levels.UNASSIGNED].set_index("year")["value"]
    anc = areas.ancestors(base)
    out = []
    for level in h.codes[1:]:
        members = anc[level].dropna()
        for row in frame[frame["area_level"] == level].itertuples(index=False):
            codes = members.index[members == row.area_code]
            keys = [(row.year, c) for c in codes]
            if not keys or not all(k in below.index for k in keys):
                continue
            found = int(sum(below[k] for k in keys))
            if level == levels.CITY:
                if row.year not in unassigned.index:
                    continue
                found += int(unassigned[row.year])
            if found != int(row.value):
                out.append((int(row.year), level, row.area_code, term.measure, term.sex, term.origin, int(row.value), found))
    return out


def _unmarked_sum_mismatches() -> tuple[list[tuple], int]:
    """Every sum mismatch of a real series that sms_checks.csv does not list, and how many were found."""
    found = set()
    for ind in _real_indicators():
        for term in _terms(ind):
            found.update(_group_mismatches(term))
            found.update(_area_mismatches(term))
    unmarked = sorted(m for m in found if m[:6] not in _checks())
    return unmarked, len(found)


def test_no_unmarked_sum_mismatch_in_a_real_series():
    unmarked, found = _unmarked_sum_mismatches()
    assert not unmarked, (f"{len(unmarked)} Summen ohne Eintrag in sms_checks.csv (Jahr, Ebene, Gebiet, Merkmal, "
                          f"Geschlecht, Herkunft, gedruckt, Summe der Teile): {unmarked[:10]}")
    # The walk finds what the sources are known for (data/README.md, "Known inconsistencies"): the 2006
    # population by sex against the corrected totals in 54 areas, and the 2014 male population with a
    # migration history in 15 Martini (row total 71, parts 51).
    assert found >= 55


def test_the_2006_population_by_sex_is_marked_in_the_data():
    """Only the 2006 edition prints 2006 by sex; its parts stay, marked, where a later total differs."""
    population = Term("population")
    mismatches = [m for m in _group_mismatches(population) if m[0] == 2006 and m[4] == "total"]
    assert len(mismatches) == 54
    assert all(m[:6] in _checks() for m in mismatches)
    parts = _real()
    parts = parts[(parts["measure"] == "population") & (parts["origin"] == "total") & (parts["year"] == 2006)
                  & parts["sex"].isin(["male", "female"])].set_index(["area_level", "area_code"])
    marked = {key for key, source in parts["source"].items() if "unrevidiert" in source}
    assert marked == {(m[1], m[2]) for m in mismatches}


# --- changes of method between years ------------------------------------------------------------------

@cache
def _recomputed() -> dict[tuple, set[tuple[int, int]]]:
    """(measure, sex, origin, age, year) -> (older edition, newer edition) pairs where the newer edition's stored
    figures differ from the older edition's in at least half of the year's stored areas."""
    rev = pd.read_csv(paths.REVISIONS_CSV, dtype={"area_code": str}, keep_default_na=False)
    rev = rev[(rev["old_value"] != "") & (rev["new_value"] != "")]  # a figure given later ("…" before) is no revision
    rev["edition"] = rev["new_source"].str.extract(EDITION)[1].astype(int)
    rev["old_edition"] = rev["old_source"].str.extract(EDITION)[1].astype(int)
    stored = _real().groupby(["measure", "sex", "origin", "age", "year"]).size()
    revised = rev.groupby(["measure", "sex", "origin", "age", "year", "old_edition", "edition"])["area_code"].nunique()
    out: dict[tuple, set[tuple[int, int]]] = defaultdict(set)
    for (*key, old, edition), n in revised.items():
        if n >= RECOMPUTED_SHARE * stored.get(tuple(key), 0):
            out[tuple(key)].add((int(old), int(edition)))
    return out


def _edition(source: str) -> int | None:
    m = EDITION.match(source)
    return int(m.group(2)) if m else None


def _method_changes(term: Term) -> set[int]:
    """First years of a new method in the term's series: the year's stored value comes from an edition
    that recomputed it, and the stored year before comes from an older edition that edition did not
    recompute. An older edition that printed the later year as well (an SMS edition prints every year up
    to its own) and whose figures for it the newer edition kept is the same method: the Haushalte time
    series of the editions 2012, 2013 and 2014 agree, each differs from the cross-sections before 2012."""
    series = _series(term)
    series = series[series["value"].notna()]
    recomputed = _recomputed()
    key = (term.measure, term.sex, term.origin, term.age)

    def by(edition: int, year: int) -> bool:
        return any(new == edition for _, new in recomputed.get((*key, year), set()))

    changes = set()
    for _area, part in series.groupby(["area_level", "area_code"]):
        part = part.sort_values("year")
        years, editions = part["year"].astype(int).tolist(), part["source"].map(_edition).tolist()
        for y0, e0, y1, e1 in zip(years, editions, years[1:], editions[1:]):
            if e1 is None or e0 == e1 or not by(e1, y1):
                continue
            if e0 is not None and e0 < e1 and y1 <= e0 and (e0, e1) not in recomputed.get((*key, y1), set()):
                continue  # the older edition printed y1 too, and the newer one kept its figures
            if e0 is None or e0 < e1 and not by(e1, y0):
                changes.add(y1)
    return changes


def _undeclared_method_changes(only: str | None = None) -> tuple[list[tuple[str, int]], set[tuple[str, int]]]:
    found = set()
    for ind in _real_indicators():
        if only is not None and ind.id != only:
            continue
        for term in _terms(ind):
            found |= {(ind.id, y) for y in _method_changes(term) if y >= ind.first_year}
    undeclared = sorted((i, y) for i, y in found if y not in catalogue.load().indicator(i).break_years)
    return undeclared, found


def test_every_change_of_method_in_a_real_series_is_declared():
    undeclared, found = _undeclared_method_changes()
    assert not undeclared, ("Methodenwechsel ohne Eintrag unter `breaks` im Katalog (Indikator, erstes Jahr der "
                            f"neuen Reihe): {undeclared}")
    # The households with a migration history recomputed by the 2014 edition from 2010 on are found, and all
    # households recomputed from 2008 on by the 2012 edition (HHGen 2.3), but not the years the time series of
    # 2012, 2013 and 2014 print alike.
    assert ("haushaltsgroesse_mv", 2010) in found
    assert {y for i, y in found if i == "grosse_haushalte_anteil"} == {2008}


@pytest.mark.parametrize("ind_id, year", [("haushaltsgroesse_mv", 2010), ("grosse_haushalte_anteil", 2008)])
def test_the_walk_would_fail_without_the_declaration(monkeypatch, ind_id, year):
    """Taking a break out of the catalogue makes the walk fail: the test can see what it guards."""
    real = catalogue.load()
    ind = real.indicator(ind_id)
    stripped = type(ind)(**{**ind.__dict__, "breaks": tuple(b for b in ind.breaks if not b.startswith(str(year)))})
    fake = type(real)(**{**real.__dict__, "indicators": tuple(stripped if i.id == ind.id else i for i in real.indicators)})
    monkeypatch.setattr(catalogue, "load", lambda *a, **k: fake)
    undeclared, _ = _undeclared_method_changes(only=ind_id)
    assert undeclared == [(ind_id, year)]


@pytest.mark.parametrize("ind_id", ["mv_anteil", "auslaender_anteil"])
def test_the_shares_by_sex_do_not_reach_back_to_the_unrevised_split(ind_id):
    """The 2006 split by sex is unrevised: no share by sex may be published for 2006 (the migration
    groups by sex start in 2010), so the mismatch stays in the data and out of the report."""
    from helpers.disclosure import disclosed

    vals = disclosed.stored(ind_id)
    by_sex = vals[vals["group"].isin(["male", "female"]) & vals["value"].notna()]
    assert by_sex["year"].min() == 2010


# --- the legal spheres of the unemployed: 2005 joins 2006 without a break -------------------------

def _legal_spheres(source, title: str) -> dict[tuple[str, str], list[int]]:
    """The rows of the 2007 edition's page `title` by legal sphere (total, male, female, SGB III with its
    sexes, SGB II with its sexes), read without the parser."""
    from test_sms_employment import _rows  # the same reading of a printed table, independent of the parser

    text = (source / "sms-text" / "SMS_Arbeitslose_2007.pdf.txt").read_text(encoding="utf-8")
    pages = [p for p in text.split("\f") if p.strip().startswith(title) and "SGB II - Empfänger" in p]
    assert len(pages) == 1, title
    rows = dict(_rows(pages[0]))
    assert len(rows) == 57 and all(len(v) == 9 for v in rows.values())
    return rows


def test_the_2005_legal_spheres_join_2006_without_a_change_of_method(muenster_source):
    """The SGB II / SGB III figures of 2005 exist only in the 2007 edition; 2006 onwards are stored from
    later editions. The 2007 edition counts 2006 exactly as the later editions do (every area's SGB III and
    SGB II of December 2006 equals the stored value), and its quarterly shares run through the turn of
    2005/2006 without a jump: so 2006 is no first year of a new method, and the catalogue says so."""
    stored = {m: _values(Term(m)) for m in ("unemployed_sgb3", "unemployed_sgb2")}
    for (level, code), row in _legal_spheres(muenster_source, "Arbeitslose am 31. Dezember 2006").items():
        assert stored["unemployed_sgb3"][(2006, level, code)] == row[3], (level, code)
        assert stored["unemployed_sgb2"][(2006, level, code)] == row[6], (level, code)
    shares = {}
    for title in ("30. September 2005", "31. Dezember 2005", "31. März 2006", "30. Juni 2006",
                  "30. September 2006", "31. Dezember 2006"):
        total, *_, sgb2, _m, _f = _legal_spheres(muenster_source, f"Arbeitslose am {title}")[("stadt", "05515000")]
        shares[title] = 100 * sgb2 / total
    steps = [b - a for a, b in zip(list(shares.values()), list(shares.values())[1:])]
    assert max(abs(s) for s in steps) < 3.0, shares  # quarter to quarter, the turn of the year included
    assert round(shares["31. Dezember 2005"], 1) == 63.9 and round(shares["31. März 2006"], 1) == 62.8
    cat = catalogue.load()
    for ind_id in ("alo_sgb2_anteil", "alo_sgb2_dichte"):
        ind = cat.indicator(ind_id)
        assert ind.first_year == 2005 and not {2005, 2006} & set(ind.break_years)
        assert "kein bruch zwischen 2005 und 2006" in ind.notes.lower()


def test_the_walk_would_find_a_recomputed_2006_of_the_legal_spheres(monkeypatch):
    """Had a later edition recomputed 2006 (a new method from 2006 on), the walk would ask for the break
    that the SGB II indicators do not declare: the test guards the decision above, not only households."""
    recomputed = dict(_recomputed())
    recomputed[("unemployed_sgb2", "total", "total", "total", 2006)] = {(2007, 2011)}  # (older, newer edition)
    monkeypatch.setattr(sys.modules[__name__], "_recomputed", lambda: recomputed)
    undeclared, _ = _undeclared_method_changes()
    assert undeclared == [("alo_sgb2_anteil", 2006), ("alo_sgb2_dichte", 2006)]
