"""One way of writing where a finding is (helpers.core.problems), for every check that reports one."""

from __future__ import annotations

from helpers.core.problems import Location, Problem, Severity
from helpers.disclosure import text_findings
from helpers.intake.problems import Problem as DeliveryProblem


def test_a_location_names_what_is_known_in_reading_order():
    assert str(Location("a.xlsx", sheet="Daten", row=3, column="Wert", letter="C")) == "a.xlsx, Blatt „Daten“, Zeile 3, Spalte C „Wert“"
    assert str(Location("a.csv", row=3, column="Wert")) == "a.csv, Zeile 3, Spalte „Wert“"
    assert str(Location("a.xlsx", letter="F")) == "a.xlsx, Spalte F"
    # a project file's own column or key is an identifier: shown as it is
    assert str(Location("data/areas.csv", row=2, key="parent_code")) == "data/areas.csv, Zeile 2, Spalte parent_code"
    assert str(Location("data/catalogue.yml")) == "data/catalogue.yml"


def test_a_problem_reads_where_then_what():
    assert str(Problem(Location("data/areas.csv", row=2, key="level"), "unbekannte Ebene.")) == (
        "data/areas.csv, Zeile 2, Spalte level: unbekannte Ebene.")
    assert Problem(Location("x"), "m").severity is Severity.ERROR


def test_the_checks_extend_the_one_type_with_what_they_add():
    text = text_findings.Problem(Location("texte/2019/a.md", row=4), "„12,1 %“ passt zu keiner …", Severity.HINT)
    assert isinstance(text, Problem) and not text.fatal and text.kind == "zahl"
    assert str(text) == "texte/2019/a.md, Zeile 4: „12,1 %“ passt zu keiner …"
    delivery = DeliveryProblem(Location("a.csv", row=5, column="Wert"), "keine Zahl", found="x", expected="eine Zahl",
                               fix="die Zahl eintragen")
    assert isinstance(delivery, Problem) and not delivery.warning
    assert delivery.text() == ("FEHLER  a.csv, Zeile 5, Spalte „Wert“: keine Zahl. Gefunden: „x“. Erwartet: eine Zahl.\n"
                               "         So beheben: die Zahl eintragen")
    warned = DeliveryProblem(Location("a.csv"), "Sprung", Severity.WARNING, expected="e", fix="f", found=None)
    assert warned.warning and warned.text().startswith("WARNUNG  a.csv: Sprung. Erwartet: e.")
