"""Part-whole relations across the files of one ingest and against the stored values; one key, two values.

Single-file cases are in the broken corpus (tests/deliveries/broken/60_* …); here are the cases
that need several files or a stored state, the derivation of the rules, and a 20,000-row
delivery (correctness only, no timing: see benchmarks/bench_ingest.py).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import catalogue, observations
from helpers.intake import consistency, ingest, validation
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
    assert not (root / "data" / "delivery_revisions.csv").exists()


def test_two_files_giving_one_key_the_same_value_are_fine(root, tmp_path, capsys):
    a = delivery(tmp_path, "erste.csv", line("unemployed", 40))
    b = delivery(tmp_path, "zweite.csv", line("unemployed", 40),
                 "2018;12;Überwasser;unemployed;insgesamt;insgesamt;insgesamt;22;\n")
    code, text = run([a, b], capsys)
    assert code == 0, text
    assert "erste.csv: 1 Werte neu, 0 unverändert" in text and "zweite.csv: 1 Werte neu, 1 unverändert" in text


# --- the rules -------------------------------------------------------------------------------------------


def test_age_groups_give_containment_and_chains():
    within, partitions = consistency.age_relations(["total", "0-14", "15-64", "65+", "15-24"])
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
    monkeypatch.setattr(consistency, "WORD_AT_MOST", 1)
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
    sms = root / "data" / "observations" / "sms.csv"
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
