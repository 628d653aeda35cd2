"""Part-whole relations across the files of one ingest and against the stored values; one key, two values.

Single-file cases are in the broken corpus (tests/deliveries/broken/60_* …); here are the cases
that need several files or a stored state, the derivation of the rules, and a 20,000-row
delivery (correctness only, no timing: see benchmarks/bench_ingest.py).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import catalogue, observations, paths
from helpers.intake import age_bands, checked_rows, group_checks, ingest, validation
from helpers.intake.problems import report
from test_ingest import HEADER, run, snapshot, write_csv  # the root fixture comes from conftest

AEGIDII = "2018;11;Aegidii;{measure};{sex};insgesamt;insgesamt;{value};\n"


def line(measure: str, value: object, sex: str = "insgesamt") -> str:
    return AEGIDII.format(measure=measure, sex=sex, value=value)


def delivery(folder: Path, name: str, *lines: str) -> Path:
    return write_csv(folder, name, HEADER + "".join(lines))


# --- across the files of one ingest ------------------------------------------------------------------


def test_two_files_that_each_pass_but_contradict_each_other_are_refused(root, tmp_path, capsys):
    a = delivery(tmp_path, "arbeitslose.csv", line("unemployed", 20))
    b = delivery(tmp_path, "langzeit.csv", line("unemployed_longterm", 22))
    assert not ingest.ingest([a], check_only=True).problems
    assert not ingest.ingest([b], check_only=True).problems
    before = snapshot(root)
    code, text = run([a, b], capsys)
    assert code == 1 and snapshot(root) == before
    assert "langzeit.csv, Zeile 2, Spalte „Wert“: Zähler größer als Nenner" in text
    assert "unemployed_longterm (insgesamt) = 22, unemployed (insgesamt) = 20 in „arbeitslose.csv“, Zeile 2" in text
    assert "2018, Stadtteil 11 Aegidii" in text


def test_parts_in_one_file_and_their_total_in_another_must_add_up(root, tmp_path):
    a = delivery(tmp_path, "geschlecht.csv", line("unemployed", 24, "männlich"), line("unemployed", 16, "weiblich"))
    b = delivery(tmp_path, "gesamt.csv", line("unemployed", 41))
    text = report(ingest.ingest([a, b]).problems)
    assert "gesamt.csv, Zeile 2, Spalte „Wert“: männlich + weiblich ergibt nicht insgesamt" in text
    assert "24 + 16 = 40 (Zeilen 2 und 3 in „geschlecht.csv“), insgesamt 41" in text
    assert text.count("FEHLER") == 1  # each file alone is fine: nothing else is reported
    fine = delivery(tmp_path, "gesamt_richtig.csv", line("unemployed", 40))
    assert not ingest.ingest([a, fine]).problems


# --- against the stored values -------------------------------------------------------------------------


def test_a_second_delivery_is_checked_against_the_values_stored_from_the_first(root, tmp_path, capsys):
    assert run([delivery(tmp_path, "arbeitslose.csv", line("unemployed", 20))], capsys)[0] == 0
    before = snapshot(root)
    code, text = run([delivery(tmp_path, "langzeit.csv", line("unemployed_longterm", 22))], capsys)
    assert code == 1 and snapshot(root) == before
    assert "langzeit.csv, Zeile 2, Spalte „Wert“: Zähler größer als Nenner" in text
    assert ("unemployed (insgesamt) = 20, bereits gespeichert (Quelle: Lieferung raw/2018/arbeitslose.csv"
            in text)


def test_a_stored_part_larger_than_a_new_whole_is_shown_at_the_new_value(root, tmp_path, capsys):
    assert run([delivery(tmp_path, "langzeit.csv", line("unemployed_longterm", 22))], capsys)[0] == 0
    code, text = run([delivery(tmp_path, "arbeitslose.csv", line("unemployed", 20))], capsys)
    assert code == 1
    assert "arbeitslose.csv, Zeile 2, Spalte „Wert“: Zähler größer als Nenner" in text
    assert "unemployed (insgesamt) = 20, unemployed_longterm (insgesamt) = 22, bereits gespeichert" in text


def test_missing_values_are_not_compared(root, tmp_path, capsys):
    a = delivery(tmp_path, "arbeitslose.csv", line("unemployed", "."))
    b = delivery(tmp_path, "langzeit.csv", line("unemployed_longterm", 22))
    code, text = run([a, b], capsys)
    assert code == 0, text


def test_a_revision_may_leave_a_stored_sum_but_not_exceed_a_stored_whole(root, tmp_path, capsys):
    """Aegidii 2014 in sms.csv: 36 unemployed (22 men, 14 women); a revised total leaves the sum."""
    longterm = write_csv(tmp_path, "langzeit_2014.csv",
                         HEADER + "2014;11;Aegidii;unemployed_longterm;insgesamt;insgesamt;insgesamt;37;\n")
    code, text = run([longterm, "--revise"], capsys)
    assert code == 1 and "Zähler größer als Nenner" in text
    assert "unemployed (insgesamt) = 36, bereits gespeichert (Quelle: SMS Arbeitslose 2014" in text
    total = write_csv(tmp_path, "korrektur_2014.csv",
                      HEADER + "2014;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;37;\n")
    code, text = run([total, "--revise"], capsys)
    assert code == 0 and "1 revidiert" in text


# --- one key, two values in one ingest --------------------------------------------------------------------


@pytest.mark.parametrize("revise", [False, True])
def test_two_files_of_one_ingest_giving_one_key_two_values_are_refused(root, tmp_path, capsys, revise):
    a = delivery(tmp_path, "erste.csv", line("unemployed", 40))
    b = delivery(tmp_path, "zweite.csv", "2018;12;Überwasser;unemployed;insgesamt;insgesamt;insgesamt;22;\n",
                 line("unemployed", 41))
    before = snapshot(root)
    code, text = run([a, b, *(["--revise"] if revise else [])], capsys)
    assert code == 1 and snapshot(root) == before
    assert "zweite.csv, Zeile 3, Spalte „Wert“: Wert widerspricht einer anderen Datei derselben Einlesung" in text
    assert "Gefunden: 41 hier, 40 in „erste.csv“, Zeile 2" in text
    assert "bereits gespeichert" not in text and "weicht vom bereits gespeicherten Wert ab" not in text
    assert text.count("FEHLER") == 1
    assert not (paths.DATA / "delivery_revisions.csv").exists()


def test_two_files_giving_one_key_the_same_value_are_fine(root, tmp_path, capsys):
    a = delivery(tmp_path, "erste.csv", line("unemployed", 40))
    b = delivery(tmp_path, "zweite.csv", line("unemployed", 40),
                 "2018;12;Überwasser;unemployed;insgesamt;insgesamt;insgesamt;22;\n")
    code, text = run([a, b], capsys)
    assert code == 0, text
    assert "erste.csv: 1 Werte neu, 0 unverändert" in text and "zweite.csv: 1 Werte neu, 1 unverändert" in text


# --- the rules -------------------------------------------------------------------------------------------


def test_age_groups_give_containment_and_chains():
    within, partitions = age_bands.age_relations(["total", "0-14", "15-64", "65+", "15-24"])
    pairs = {(p, w) for _, p, w, _ in within}
    assert {("15-24", "15-64"), ("15-24", "total"), ("15-64", "total"), ("65+", "total")} <= pairs
    assert ("15-64", "15-24") not in pairs and ("0-14", "15-64") not in pairs
    chains = {(w, parts, n) for _, w, parts, _, n in partitions}
    assert ("total", ("0-14", "15-64", "65+"), 3) in chains  # tiles: adds up
    assert ("total", ("0-14", "15-24", "65+"), 4) in chains  # a gap (25-64): at most the total


def test_rules_come_from_the_catalogue():
    rules = validation.Context.load().rules
    within = {(d, p, w) for d, p, w, _ in rules.within}
    assert ("origin", "foreign", "migration") in within and ("origin", "foreign", "total") in within
    assert ("origin", "expellee", "migration") in within  # transitive: via german_mig_personal
    assert ("sex", "male", "total") in within
    pairs = {(n.measure, d.measure) for n, d, _ in rules.measure_pairs}
    assert ("unemployed_longterm", "unemployed") in pairs
    assert ("naturalisations", "foreigners_azr") not in pairs  # declared not a subset
    assert ("sports_club_members", "residents") not in pairs


def test_the_catalogue_refuses_an_unknown_group_in_a_relation():
    text = Path(catalogue.paths.CATALOGUE_YAML).read_text(encoding="utf-8")
    broken = text.replace("        parts: [male, female]", "        parts: [male, divers]")
    with pytest.raises(catalogue.CatalogueError, match="sex.partitions"):
        catalogue.parse(broken, Path("catalogue.yml"))


# --- a large delivery -------------------------------------------------------------------------------------


def _bench():
    path = Path(__file__).parents[1] / "benchmarks" / "bench_ingest.py"
    spec = importlib.util.spec_from_file_location("bench_ingest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_twenty_thousand_consistent_rows_pass_and_one_changed_value_is_found(tmp_path):
    text = _bench().delivery_text(20_000)
    empty = observations.observations().iloc[0:0]
    context = validation.Context.load(empty)
    path = tmp_path / "gross.csv"
    path.write_text(text, encoding="utf-8")
    checked = validation.validate(path, context)
    assert len(checked.rows) > 19_000 and checked.problems == []
    lines = text.splitlines()
    # a row of the first Stadtteil: male, foreign, 65+ (file row = index + 1)
    index = next(i for i, t in enumerate(lines) if ";männlich;Ausländer;65+;" in t and ";Stadtteil;" in t)
    fields = lines[index].split(";")
    fields[-1] = str(int(fields[-1]) + 1)
    lines[index] = ";".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = validation.validate(path, context).problems
    text = report(problems, limit=100)
    assert problems and all(not p.warning for p in problems)
    row = index + 1  # the header is row 1
    assert row == 29 and len(problems) == 4, text
    # its total over the sexes, over the origins, over the ages, and the city's value: each names this row
    assert f"Zeile 9, Spalte „Wert“: männlich + weiblich ergibt nicht insgesamt. Gefunden: 364 + 320 = 684 (Zeilen {row} und 49)" in text
    assert ("Zeile 25, Spalte „Wert“: Ausländer/-innen + Deutsche ergibt nicht insgesamt. "
            f"Gefunden: 364 + 617 = 981 (Zeilen {row} und 33)") in text
    assert ("Zeile 26, Spalte „Wert“: Alter 0-14 + Alter 15-64 + Alter 65+ ergibt nicht insgesamt. "
            f"Gefunden: 161 + 432 + 364 = 957 (Zeilen 27, 28 und {row})") in text
    assert "Zeile 2729, Spalte „Wert“: Summe der 45 Stadtteile stimmt nicht mit dem Wert für Stadt Münster überein" in text


def test_many_violations_of_one_kind_are_counted_not_all_worded(tmp_path, monkeypatch):
    monkeypatch.setattr(checked_rows, "WORD_AT_MOST", 1)
    path = write_csv(tmp_path, "alter.csv", HEADER + "".join(
        f"2018;11;Aegidii;residents;insgesamt;insgesamt;{age};{value};\n"
        for age, value in (("insgesamt", 100), ("15-24", 200), ("25-34", 300))))
    problems = validation.validate(path, validation.Context.load()).problems
    assert len(problems) == 2
    text = report(problems)
    assert "alter.csv, Spalte „Wert“: 1 weitere Verstöße dieser Art: Teilgruppe größer als die Gruppe, in der sie liegt" in text
    assert "größer als insgesamt" in text


def test_a_value_delivered_as_stored_is_not_blamed_for_the_store(root, tmp_path, capsys):
    """sms.csv: Aegidii 2014 has 36 unemployed, 22 men, 14 women; the stored women are made 15 here."""
    sms = paths.DATA / "observations" / "sms.csv"
    frame = pd.read_csv(sms, dtype=str, keep_default_na=False)
    hit = ((frame["year"] == "2014") & (frame["area_level"] == "stadtteil") & (frame["area_code"] == "11")
           & (frame["measure"] == "unemployed") & (frame["sex"] == "female") & (frame["origin"] == "total"))
    assert frame.loc[hit, "value"].tolist() == ["14"]
    frame.loc[hit, "value"] = "15"
    frame.to_csv(sms, index=False)
    observations.clear_cache()
    same = write_csv(tmp_path, "wie_gespeichert.csv", HEADER + "2014;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;36;\n")
    code, text = run([same], capsys)
    assert code == 0 and "0 Werte neu, 1 unverändert" in text, text


# --- bounded: many distinct age groups (issue 27) ---------------------------------------------------------


def _ages(folder: Path, name: str, *pairs: tuple[str, object]) -> list:
    path = write_csv(folder, name, HEADER + "".join(
        f"2018;11;Aegidii;residents;insgesamt;insgesamt;{age};{value};\n" for age, value in pairs))
    return validation.validate(path, validation.Context.load()).problems


def test_only_nested_age_groups_are_compared_overlapping_ones_are_not(tmp_path):
    # 15-30 and 20-40 overlap: neither lies in the other; 20-24 lies in both and in 15-64; 0+ is the same as insgesamt
    problems = _ages(tmp_path, "alter.csv", ("insgesamt", 1000), ("0+", 1000), ("15-30", 50), ("20-40", 10),
                     ("20-24", 30), ("15-64", 700))
    text = report(problems, limit=100)
    assert "Zeile 6, Spalte „Wert“: Teilgruppe „Alter 20-24“ größer als „Alter 20-40“. Gefunden: 30, Alter 20-40 10 in Zeile 5" in text
    assert text.count("FEHLER") == 1, text  # not 15-30 against 20-40, not 20-24 against 15-30 or 15-64
    problems = _ages(tmp_path, "gleich.csv", ("insgesamt", 1000), ("0+", 1001))
    assert "Teilgruppe „Alter 0+“ größer als insgesamt. Gefunden: 1.001, insgesamt 1.000 in Zeile 2" in report(problems)


def test_age_groups_with_a_gap_are_at_most_their_parent_and_a_tiling_must_add_up(tmp_path):
    gap = _ages(tmp_path, "luecke.csv", ("15-64", 100), ("15-24", 60), ("45-64", 50))  # 25-44 missing
    assert "Zeile 2, Spalte „Wert“: Alter 15-24 + Alter 45-64 ergeben mehr als Alter 15-64" in report(gap)
    fine = _ages(tmp_path, "luecke_gut.csv", ("15-64", 100), ("15-24", 60), ("45-64", 40))
    assert fine == []
    # two tilings of 0-64: both must add up to it
    tiles = _ages(tmp_path, "kacheln.csv", ("0-64", 100), ("0-14", 20), ("15-64", 80), ("0-24", 30), ("25-64", 71))
    assert [p.message for p in tiles] == ["Alter 0-24 + Alter 25-64 ergibt nicht Alter 0-64"], report(tiles)


def test_a_long_chain_of_age_groups_is_named_shortened(tmp_path):
    pairs = [("0-99", 101)] + [(f"{k}-{k}", 1) for k in range(100)]
    text = report(_ages(tmp_path, "lang.csv", *pairs))
    assert "Zeile 2, Spalte „Wert“: Alter 0-0 + Alter 1-1 + " in text
    assert "… (89 weitere) + Alter 98-98 + Alter 99-99 ergibt nicht Alter 0-99" in text
    assert "= 100 (Zeilen 3, 4, 5, 6, 7, 8, 9, 10, 11, … (89 weitere), 101 und 102), Alter 0-99 101" in text


def test_when_age_groups_contradict_each_other_everywhere_the_report_counts_what_it_does_not_word(tmp_path, monkeypatch):
    monkeypatch.setattr(checked_rows, "WORD_AT_MOST", 3)
    # every band of 0-9 twice as large as the one-year bands inside it would allow: 1-1 … 9-9 each larger than 0-9
    pairs = [("0-9", 5)] + [(f"{k}-{k}", 10 + k) for k in range(10)]
    text = report(_ages(tmp_path, "alle.csv", *pairs))
    assert text.count("größer als „Alter 0-9“") == 3
    assert "alle.csv, Spalte „Wert“: 7 weitere Verstöße dieser Art: Teilgruppe größer als die Gruppe, in der sie liegt" in text
    monkeypatch.setattr(group_checks, "PAIRS_COMPARED_AT_MOST", 1)  # stop comparing after the first flagged band
    monkeypatch.setattr(group_checks, "CHUNK", 1)
    text = report(_ages(tmp_path, "alle.csv", *pairs))
    assert ("alle.csv, Spalte „Wert“: weitere Verstöße dieser Art, nicht alle gezählt (mindestens 0): Teilgruppe größer "
            "als die Gruppe, in der sie liegt; 10 Altersgruppen sind größer als eine Altersgruppe, in der sie liegen") in text


def test_the_sweep_finds_exactly_the_groups_larger_than_a_group_containing_them():
    """_age_within against every pair compared by hand, on random bands in two contexts."""
    import random

    rng = random.Random(27)
    for _ in range(60):
        rows = []
        for origin in ("total", "foreign"):
            codes = {"total"} | {f"{lo}-{lo + rng.randint(0, 8)}" for lo in rng.sample(range(15), 8)} | {f"{rng.randint(0, 15)}+"}
            rows += [dict(year=2018, area_level="stadtteil", area_code="11", measure="residents", sex="total",
                          origin=origin, age=code, value=rng.randint(0, 20), src=1, row=0, where="") for code in sorted(codes)]
        frame = pd.DataFrame(rows)
        bad, more, flagged = group_checks._age_within(checked_rows.encode(frame), checked_rows.Sources({1: "x"}, {}, cross=False))
        spans = [age_bands.age_interval(a) for a in frame["age"]]
        expected = {(a, b) for a in range(len(frame)) for b in range(len(frame))
                    if a != b and frame.at[a, "origin"] == frame.at[b, "origin"] and spans[b][0] <= spans[a][0]
                    and spans[a][1] <= spans[b][1] and frame.at[a, "value"] > frame.at[b, "value"]}
        assert set(zip(bad["i_p"], bad["i_w"])) == expected and more == flagged == 0


@pytest.fixture
def many_age_bands(tmp_path) -> Path:
    """Issue 27's delivery at a tenth of its size: 20,000 distinct age bands of one Stadtteil (adding up),
    the last line's value `12a`; a year with nothing stored, so that line is the only error."""
    path = tmp_path / "altersgruppen.csv"
    path.write_text(_bench().age_band_text(20_000, year=2024), encoding="utf-8")
    return path


@pytest.mark.slow
def test_twenty_thousand_distinct_age_bands_are_checked_within_a_memory_cap(many_age_bands):
    """Before issue 27 this pairing of every band with every band grew past 24 GB at 200,000 rows."""
    import subprocess
    import sys
    import time

    try:
        import resource
    except ImportError:  # Windows: no address-space limit, the run is still bounded in time
        resource = None

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))

    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "helpers", "ingest", "--check", str(many_age_bands)],
                          capture_output=True, text=True, timeout=180, preexec_fn=cap if resource else None,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    seconds = time.monotonic() - start
    assert done.returncode == 1, done.stderr[-2000:]
    assert ("altersgruppen.csv, Zeile 20001, Spalte „Wert“: Text statt Zahl. Gefunden: „12a“" in done.stderr), done.stderr[-2000:]
    assert "Nichts gespeichert: 1 Fehler" in done.stderr
    assert seconds < 120, seconds  # a few seconds on 2 cores; minutes only if the checks were quadratic again
