"""Staff texts per report year (helpers.core.texts) rendered with cited numbers (helpers.sections.commentary)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core import areas, catalogue, context, texts
from helpers.core.fileio import sha256_file
from helpers.disclosure import disclosed
from helpers.intake import staff_texts
from helpers.sections import blocks, commentary

YEAR = 2019


@pytest.fixture
def text_dir(tmp_path, monkeypatch):
    """A texte/ folder of our own; write(relative path, content) puts a text of YEAR into it."""
    monkeypatch.setattr(texts, "folder", lambda year, data_dir=None: tmp_path / "texte" / str(year))
    commentary._texts_cached.cache_clear()

    def write(relative: str, content: str, year: int = YEAR):
        path = tmp_path / "texte" / str(year) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        return path
    yield write
    commentary._texts_cached.cache_clear()


def _html(shown) -> str:
    return "".join(p.content if p.kind == "html" else _html(p.content) if p.kind == "shown" else "" for p in shown.parts)


def _city_value(indicator: str, year: int, group: str = "total") -> pd.Series:
    values = disclosed.values(catalogue.load().indicator(indicator), "stadt")
    return values[(values["year"] == year) & (values["group"] == group)].iloc[0]


def test_a_handlungsfeld_commentary_appears_in_its_chapter_only_in_its_year(text_dir):
    text_dir("handlungsfelder/arbeit_wirtschaft.md",
             "---\nstatus: freigegeben\nvon: Kommunales Integrationszentrum\n---\nDie Lage hat sich **verbessert**.\n")
    opening = blocks.opening("arbeit_wirtschaft", YEAR)
    html = _html(opening)
    assert '<p class="im-staff-label">Einordnung (Kommunales Integrationszentrum)</p>' in html
    assert "<strong>verbessert</strong>" in html and "ENTWURF" not in html
    assert _html(blocks.opening("arbeit_wirtschaft", YEAR - 1)) == ""  # another year: nothing
    assert _html(blocks.opening("arbeit_wirtschaft")) == ""  # no year given (interactive): nothing
    assert _html(blocks.opening("partizipation", YEAR)) == ""  # another Handlungsfeld: nothing


def test_recommendations_and_indicator_commentary_at_their_places(text_dir):
    text_dir("empfehlungen/wohnen.md", "1. Mehr Beratung.\n")
    text_dir("indikatoren/mv_anteil.md", "---\nbeispiel: true\n---\nEin Satz zum Anteil.\n")
    recommendation = _html(blocks.recommendations("wohnen", YEAR))
    assert "Handlungsempfehlungen – ENTWURF, nicht freigegeben" in recommendation  # no status: a draft
    assert "<ol>\n<li>Mehr Beratung.</li>\n</ol>" in recommendation
    section = blocks.indicator_section("mv_anteil", YEAR)
    kinds = [p.kind for p in section.parts]
    staff = kinds.index("shown")
    assert section.parts[staff - 1].content.startswith("2019 lag")  # right after the key sentences
    assert "Einordnung – ENTWURF, nicht freigegeben – Beispieltext der Demodaten" in _html(section)
    assert "Ein Satz zum Anteil." not in _html(blocks.indicator_section("alo_dichte", YEAR))


def test_placeholders_render_the_disclosed_value_with_unit_and_are_recorded(text_dir):
    text_dir("indikatoren/mv_anteil.md", "Stadt: {{mv_anteil 2019 Münster}}, Coerde: {{ mv_anteil 2019 Coerde }}.\n"
                                         "Ausländer/-innen: {{alo_dichte:foreign 2014}}.\n")
    text = commentary.find("indikator", "mv_anteil", YEAR)
    rendered, cited = commentary.render(text)
    # 72,501 of 312,169 and Coerde as summed by hand from the SMS (README "Was der Bericht 2019 zeigt")
    assert rendered.startswith("Stadt: 23,2\u00a0%, Coerde: 53,1\u00a0%.")
    alo = _city_value("alo_dichte", 2014, "foreign")
    unit = catalogue.load().indicator("alo_dichte").unit
    assert rendered.splitlines()[1] == f"Ausländer/-innen: {f'{alo.value:.1f}'.replace('.', ',')}\u00a0{unit}."
    assert [(c.iloc[0]["indicator"], c.iloc[0]["area_name"], c.iloc[0]["year"]) for c in cited] == \
        [("mv_anteil", "Stadt Münster", 2019), ("mv_anteil", "Coerde", 2019), ("alo_dichte", "Stadt Münster", 2014)]
    box = commentary.box(text)
    assert [r.what for r in box.parts[0].records] == ["Text"] * 3  # the checker sees every cited cell


def test_a_placeholder_without_year_cites_the_report_year(text_dir):
    text_dir("indikatoren/mv_anteil.md", "{{mv_anteil}}, {{mv_anteil Coerde}}, {{mv_anteil 2010}}.")
    rendered, cited = commentary.render(commentary.find("indikator", "mv_anteil", YEAR))
    assert rendered.startswith("23,2\u00a0%, 53,1\u00a0%, ")  # 2019, as {{mv_anteil 2019 Coerde}} above
    assert [int(c.iloc[0]["year"]) for c in cited] == [2019, 2019, 2010]
    coerde = areas.areas().query("name == 'Coerde'").iloc[0]
    text_dir("indikatoren/mv_anteil.md", f"{{{{mv_anteil {coerde['code']}}}}}")  # a short number is an area code
    assert commentary.render(commentary.find("indikator", "mv_anteil", YEAR))[0] == "53,1\u00a0%"


def test_a_revised_or_suppressed_value_changes_the_rendered_text(text_dir, monkeypatch):
    text_dir("indikatoren/mv_anteil.md", "Anteil {{mv_anteil 2019}}.")
    real = disclosed.values

    def revised(ind, level=None, *args, **kwargs):
        frame = real(ind, level, *args, **kwargs).copy()
        at = (frame["year"] == 2019) & (frame["group"] == "total")
        frame.loc[at, ["value", "flag"]] = [24.0, "r"]
        return frame

    monkeypatch.setattr(disclosed, "values", revised)
    assert commentary.render(commentary.find("indikator", "mv_anteil", YEAR))[0] == "Anteil 24,0\u00a0%\u00a0r."

    def suppressed(ind, level=None, *args, **kwargs):
        frame = real(ind, level, *args, **kwargs).copy()
        at = (frame["year"] == 2019) & (frame["group"] == "total")
        frame.loc[at, ["value", "flag"]] = [float("nan"), "."]
        return frame

    monkeypatch.setattr(disclosed, "values", suppressed)
    assert commentary.render(commentary.find("indikator", "mv_anteil", YEAR))[0] == "Anteil .."


@pytest.mark.parametrize("placeholder, message", [
    ("{{mv_antel 2019}}", "Indikator 'mv_antel' ist im Katalog unbekannt. Meinten Sie mv_anteil?"),
    ("{{mv_anteil 2019 Atlantis}}", "Gebiet 'Atlantis' ist unbekannt."),
    ("{{mv_anteil 2019 Coerd}}", "Gebiet 'Coerd' ist unbekannt. Meinten Sie Coerde?"),
    ("{{mv_anteil Kinderhaus West}}", "Gebiet 'Kinderhaus West' ist unbekannt. Meinten Sie Kinderhaus-West?"),
    ("{{mv_anteil 2020}}", "2020 liegt nach dem Berichtsjahr 2019"),
    ("{{mv_anteil:martians 2019}}", "„Anteil der Bevölkerung mit Migrationsvorgeschichte“ hat keine Gruppe 'martians'; "
                                    "möglich: total, male, female."),
    ("{{mv_anteil:femal}}", "keine Gruppe 'femal'; möglich: total, male, female. Meinten Sie female?"),
    ("{{ }}", "ist kein gültiger Platzhalter"),
])
def test_an_unknown_placeholder_stops_with_file_and_line(text_dir, placeholder, message):
    path = text_dir("indikatoren/mv_anteil.md", f"---\nstatus: entwurf\n---\nErste Zeile.\n\nHier: {placeholder}\n")
    with pytest.raises(texts.TextError) as caught:
        blocks.indicator_section("mv_anteil", YEAR)
    assert str(caught.value).startswith(f"{path}, Zeile 6: ")  # front matter counted: the file's own line
    assert message in str(caught.value)


@pytest.mark.parametrize("relative, content, message", [
    ("indikatoren/mv_antel.md", "x", "'mv_antel' ist kein Indikator des Katalogs (data/muenster/catalogue.yml); möglich: "),
    ("handlungsfelder/arbeit.md", "x", "'arbeit' ist kein Handlungsfeld des Katalogs"),
    ("notizen.txt", "x", "Hier gehört kein Text hin. Texte eines Jahres: einleitung.md, handlungsfelder/<name>.md"),
    ("einleitung.md", "---\nstatus: fertig\n---\nx", "Zeile 2: status ist 'fertig'; erlaubt: entwurf, freigegeben."),
    ("einleitung.md", "---\nautor: X\n---\nx", "Zeile 2: Unbekannte Angabe im Kopf: autor; erlaubt: status, von, beispiel."),
    ("einleitung.md", "---\nstatus: entwurf\nx", "Zeile 1: Der Kopf beginnt mit '---', endet aber nicht"),
])
def test_a_misplaced_or_malformed_text_is_named(text_dir, relative, content, message):
    path = text_dir(relative, content)
    with pytest.raises(texts.TextError) as caught:
        commentary.year_texts(YEAR)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)


def test_raw_html_in_a_text_is_shown_not_run(text_dir):
    text_dir("einleitung.md", 'Vorsicht <script>alert("x")</script> und <b>fett</b>.')
    html = _html(commentary.section("einleitung", "", YEAR))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html


# --- a new year: drafts, release ----------------------------------------------------------------------


def test_last_years_texts_become_drafts_of_the_new_year_and_are_released(tmp_path, capsys):
    old = texts.folder(2019, tmp_path)
    (old / "empfehlungen").mkdir(parents=True)
    (old / "empfehlungen" / "wohnen.md").write_text("---\nstatus: freigegeben\nvon: KI\n---\nMehr Beratung.\n", encoding="utf-8")
    (old / "einleitung.md").write_text("Ohne Kopf {{mv_anteil 2019}}.\n", encoding="utf-8")

    written = staff_texts.copy_as_drafts(2019, 2020, tmp_path)
    new = texts.folder(2020, tmp_path)
    assert written == [new / "einleitung.md", new / "empfehlungen" / "wohnen.md"]
    assert (new / "empfehlungen" / "wohnen.md").read_text(encoding="utf-8") == \
        "---\nstatus: entwurf\nvon: KI\n---\nMehr Beratung.\n"
    assert (new / "einleitung.md").read_text(encoding="utf-8") == "---\nstatus: entwurf\n---\nOhne Kopf {{mv_anteil 2019}}.\n"
    assert texts.drafts(2020, tmp_path) == written and texts.drafts(2019, tmp_path) == [old / "einleitung.md"]
    assert staff_texts.placeholders_naming(2019, written) == [(new / "einleitung.md", 4)]  # named when copying
    loaded = texts.read(new / "empfehlungen" / "wohnen.md", "empfehlungen", "wohnen", 2020)
    assert loaded.draft and loaded.author == "KI" and loaded.body == "Mehr Beratung." and loaded.first_line == 5

    with pytest.raises(texts.TextError, match="Für 2020 gibt es schon Texte .*nichts übernommen"):
        staff_texts.copy_as_drafts(2019, 2020, tmp_path)  # never overwrites a revised draft
    with pytest.raises(texts.TextError, match="Für 2017 gibt es keine Texte"):
        staff_texts.copy_as_drafts(2017, 2021, tmp_path)

    assert staff_texts.release(2020, ["wohnen.md"], tmp_path) == [new / "empfehlungen" / "wohnen.md"]
    assert texts.drafts(2020, tmp_path) == [new / "einleitung.md"]
    with pytest.raises(texts.TextError, match="Text 'sport.md' gibt es für 2020 nicht; vorhanden: einleitung.md, empfehlungen/wohnen.md"):
        staff_texts.release(2020, ["sport.md"], tmp_path)
    staff_texts.release(2020, None, tmp_path)
    assert texts.drafts(2020, tmp_path) == []
    assert (new / "einleitung.md").read_text(encoding="utf-8").startswith("---\nstatus: freigegeben\n---\n")


def test_the_texts_command_lists_drafts(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(texts, "folder", lambda year, data_dir=None: tmp_path / str(year))
    (tmp_path / "2019").mkdir()
    (tmp_path / "2019" / "einleitung.md").write_text("Entwurf ohne Kopf.\n", encoding="utf-8")
    assert staff_texts.main(["liste", "--jahr", "2019"]) == 0
    assert capsys.readouterr().out.endswith("Entwurf      " + str(tmp_path / "2019" / "einleitung.md") + "\n1 Entwürfe.\n")
    assert staff_texts.main(["entwurf", "--von", "2019", "--nach", "2019"]) == 1
    assert "Fehler: " in capsys.readouterr().err


# --- typed numbers (helpers.disclosure.textcheck) -----------------------------------------------------

from helpers.disclosure import textcheck  # noqa: E402


def test_typed_numbers_are_read_as_written():
    found = textcheck.typed_numbers("1. Der Anteil lag 2019 bei 23,2 % ({{mv_anteil 2019}}), 72 501 von 312.169 Personen; "
                                    "3 Stadtteile, 12,5 Prozent, +1,4 Prozentpunkte")
    assert [(n.text, n.value, n.decimals, n.unit, n.statistic) for n in found] == [
        ("2019", 2019.0, 0, False, False),  # a year: never checked
        ("23,2 %", 23.2, 1, True, True), ("72 501", 72501.0, 0, False, True), ("312.169", 312169.0, 0, False, True),
        ("3", 3.0, 0, False, False),  # a small integer: only the disclosure check looks at it
        ("12,5 Prozent", 12.5, 1, True, True), ("1,4 Prozentpunkte", 1.4, 1, True, True)]
    assert found[0].year_like and not found[2].year_like  # the list number "1." and the placeholder are skipped


def test_the_typed_numbers_examples_run():
    """The reader of typed numbers shows its rules by example; those examples are true."""
    import doctest

    from helpers.disclosure import typed_numbers

    failures, attempted = doctest.testmod(typed_numbers)
    assert failures == 0 and attempted > 0


def _typed(text_dir, indicator: str, body: str, year: int):
    text_dir(f"indikatoren/{indicator}.md", "---\nstatus: freigegeben\n---\n" + body, year=year)
    return texts.load(year, {h.id for h in catalogue.load().handlungsfelder}, {i.id for i in catalogue.load().indicators})


def test_a_stale_typed_number_is_named_with_line_and_the_closest_published(text_dir):
    # Einbürgerungspotenzial (demo data) 2010: 305 of 9 353 = 3,3 %; 2011: 388 of 9 964 = 3,9 %
    year_texts = _typed(text_dir, "einbuergerungspotenzial",
                        "2010 lag es bei 3,3 % (305 von 9 353), 2011 bei 3,9 %.\n\nSpäter bei 4,4 % und 9 420 Personen.\n",
                        2011)
    known = textcheck.known_numbers([catalogue.load().indicator("einbuergerungspotenzial")], 2011)
    problems = textcheck.check_text(year_texts[0], known, stop_on_stale=False)
    assert [(p.where.row, p.fatal) for p in problems] == [(6, False), (6, False)]  # line 1 matches; the file's line 6
    assert "„4,4 %“ passt zu keiner veröffentlichten Zahl dieser Stelle (bis 2011); am nächsten: 3,9, 3,3." in problems[0].message
    assert "„9 420“ passt zu keiner" in problems[1].message and "am nächsten: 9\u202f353, 9\u202f964" in problems[1].message
    assert str(problems[0]).startswith(f"{year_texts[0].path}, Zeile 6: ")
    assert all(p.fatal for p in textcheck.check_text(year_texts[0], known, stop_on_stale=True))
    assert [str(p) for p in textcheck.check(2011, False)] == [str(p) for p in problems]


def test_a_typed_number_equal_to_a_suppressed_value_always_stops(text_dir):
    # Stadtteil 12 (Überwasser), 2006: 10 foreign of 28 unemployed – suppressed (fewer than 30 in the denominator)
    known = textcheck.known_numbers([catalogue.load().indicator("alo_auslaender_anteil")], 2014)
    assert 10 / 28 * 100 in known.hidden_rates and round(10 / 28 * 100, 2) not in {round(v, 2) for v in known.rates}
    year_texts = _typed(text_dir, "alo_auslaender_anteil", "Im kleinsten Stadtteil waren es 35,71 %.\n", 2014)
    problems = textcheck.check_text(year_texts[0], known, stop_on_stale=False)
    assert len(problems) == 1 and problems[0].fatal and problems[0].where.row == 4
    assert "„35,71 %“ gleicht einem Wert, den die Geheimhaltungsregel hier nicht veröffentlicht" in problems[0].message


def test_the_disclosure_checker_counts_a_revealing_text_as_a_breach(text_dir):
    from helpers.disclosure import checker

    _typed(text_dir, "alo_auslaender_anteil", "Im kleinsten Stadtteil waren es 35,71 %.\n", 2014)
    violations = checker.check_texts(2014)
    assert len(violations) == 1 and violations[0].row == 4 and violations[0].file.endswith("alo_auslaender_anteil.md")
    assert "gleicht einem Wert, den die Geheimhaltungsregel hier nicht veröffentlicht" in str(violations[0])
    _typed(text_dir, "alo_auslaender_anteil", "Ein veralteter Wert: 99,9 %.\n", 2014)
    assert checker.check_texts(2014) == []  # stale, not revealing: the build's hint, no breach


def test_typed_numbers_are_checked_against_the_cells_the_report_shows(text_dir):
    """With the chapters' records, only shown cells count: a report showing turnout 2014 only (19,8 %)
    does not publish 2010's 9,4 % (the published turnouts, a rate without counts)."""
    year_texts = _typed(text_dir, "integrationsrat_wahlbeteiligung", "2010: 9,4 %, 2014: 19,8 %.\n", 2019)
    ind = catalogue.load().indicator("integrationsrat_wahlbeteiligung")
    shown = pd.DataFrame({"indicator": [ind.id, "mv_anteil"], "year": [2014, 2010], "area_level": ["stadt", "stadt"],
                          "area_code": ["05515000", "05515000"], "group": ["total", "total"]})
    known = textcheck.known_numbers([ind], 2019, shown)
    assert [round(v, 1) for v in known.rates] == [19.8] and known.counts == ()
    problems = textcheck.check_text(year_texts[0], known, stop_on_stale=False)
    assert len(problems) == 1 and "„9,4 %“ passt zu keiner" in problems[0].message and "am nächsten: 19,8" in problems[0].message
    assert textcheck.check(2019, False, shown=shown)[0].message == problems[0].message


def test_a_chapter_kernel_notes_the_texts_it_looked_for(text_dir, monkeypatch, tmp_path):
    """What the runner re-runs a chapter for: the text files it looked for, with their checksum, a missing one as ""."""
    side = tmp_path / "side"
    monkeypatch.setenv(context.ENV, context.RunContext(outputs=side, chapter="02_test", year=YEAR).to_json())
    monkeypatch.setattr(texts, "_read", {})
    path = text_dir("empfehlungen/arbeit_wirtschaft.md", "Mehr Beratung.\n")
    blocks.recommendations("arbeit_wirtschaft", YEAR)
    blocks.opening("arbeit_wirtschaft", YEAR)
    assert texts.read_log(side) == {"texte/2019/empfehlungen/arbeit_wirtschaft.md": sha256_file(path),
                                    "texte/2019/handlungsfelder/arbeit_wirtschaft.md": ""}
    monkeypatch.delenv(context.ENV)
    monkeypatch.setattr(texts, "_read", {})
    blocks.recommendations("wohnen", YEAR)  # interactive work notes nothing
    assert set(texts.read_log(side)) == {"texte/2019/empfehlungen/arbeit_wirtschaft.md",
                                         "texte/2019/handlungsfelder/arbeit_wirtschaft.md"}


def test_typed_numbers_are_checked_against_the_chapter_that_shows_the_text(text_dir):
    """A number another chapter shows does not count; a text no chapter shows is named."""
    year_texts = _typed(text_dir, "integrationsrat_wahlbeteiligung", "2010: 9,4 %.\n", 2019)
    ind = "integrationsrat_wahlbeteiligung"
    shown = pd.DataFrame({"indicator": [ind, ind], "year": [2014, 2010], "area_level": ["stadt", "stadt"],
                          "area_code": ["05515000", "05515000"], "group": ["total", "total"],
                          "chapter": ["13_partizipation", "00_uebersicht"]})
    here = {texts.data_relative(year_texts[0]): {"13_partizipation"}}
    assert texts.data_relative(year_texts[0]) == "texte/2019/indikatoren/integrationsrat_wahlbeteiligung.md"
    problems = textcheck.check(2019, False, shown=shown, shown_in=here)
    assert len(problems) == 1 and "„9,4 %“ passt zu keiner" in problems[0].message  # 2010 is shown in 00 only
    assert textcheck.check(2019, False, shown=shown, shown_in={**here, "x": {"00_uebersicht"}}) == problems
    assert textcheck.check(2019, False, shown=shown, shown_in={texts.data_relative(year_texts[0]): {"00_uebersicht"}}) == []
    nowhere = textcheck.check(2019, True, shown=shown, shown_in={})
    assert [str(p) for p in nowhere] == [f"{year_texts[0].path}: Dieser Text erscheint in keinem Kapitel des Berichts: "
                                         "kein Kapitel zeigt den Indikator 'integrationsrat_wahlbeteiligung' mit seinem "
                                         "Abschnitt (blocks.indicator_section). Datei umbenennen oder den Abschnitt in ein "
                                         "Kapitel aufnehmen."]
    assert nowhere[0].fatal


def test_a_crash_while_copying_drafts_leaves_no_half_year(tmp_path, monkeypatch):
    old = texts.folder(2019, tmp_path)
    (old / "empfehlungen").mkdir(parents=True)
    for name in ("einleitung.md", "empfehlungen/wohnen.md", "empfehlungen/sport.md"):
        (old / name).write_text("Text.\n", encoding="utf-8")
    real, calls = texts.write_text_atomic, []

    def crash_on_second(target, text):
        calls.append(target)
        if len(calls) == 2:
            raise OSError("Datenträger voll")
        real(target, text)

    monkeypatch.setattr(staff_texts, "write_text_atomic", crash_on_second)
    with pytest.raises(OSError):
        staff_texts.copy_as_drafts(2019, 2020, tmp_path)
    assert sorted(p.name for p in (tmp_path / "texte").iterdir()) == ["2019"]  # no 2020, no staging left
    monkeypatch.setattr(staff_texts, "write_text_atomic", real)
    assert len(staff_texts.copy_as_drafts(2019, 2020, tmp_path)) == 3  # the next run completes


# --- a typed number is the value of the area its sentence names (issue 26) --------------------------
# mv_anteil 2019 (real, SMS/open data): Kinderhaus-West 4 452 of 10 746 = 41,4 %, Coerde 5 981 of 11 256 = 53,1 %,
# the city 72 501 of 312 169 = 23,2 %; 2010: Kinderhaus-West 38,5 %, the city 20,9 %; Roxel 2016: 23,9 %.


def _mv_problems(text_dir, body: str) -> list:
    year_texts = _typed(text_dir, "mv_anteil", body, 2019)
    known = textcheck.known_numbers([catalogue.load().indicator("mv_anteil")], 2019)
    return textcheck.check_text(year_texts[0], known, stop_on_stale=True)


def test_a_typo_equal_to_another_areas_value_is_caught_where_the_sentence_names_the_area(text_dir):
    """The sentence that passed a final build: 23,9 % is Roxel's value of 2016, so "some published value"
    let it through; the sentence says Kinderhaus-West, whose value is 41,4 %."""
    problems = _mv_problems(text_dir, "Im Norden stieg der Anteil\nin Kinderhaus-West auf 23,9 %.\n")
    assert [(p.where.row, p.fatal, p.kind) for p in problems] == [(5, True, "zahl")]
    assert problems[0].message == ("„23,9 %“ steht bei Kinderhaus-West; veröffentlicht ist dort 41,4\u00a0% (2019) "
                                   "(23,9 % ist z. B. der Wert von Roxel 2016 und Aaseestadt 2011). Tippfehler oder nach "
                                   "einer Revision veraltet? Besser als Platzhalter zitieren, z. B. "
                                   "{{mv_anteil Kinderhaus-West}}.")


@pytest.mark.parametrize("body", [
    "In Kinderhaus-West lag der Anteil 2019 bei 41,4 %, in Coerde bei 53,1 %.",
    "53,1 % in Coerde, 41,4 % in Kinderhaus-West; in der ganzen Stadt 23,2 %.",
    "Mit 41,4 % lag Kinderhaus-West hinter Coerde (53,1 %).",
    "In Kinderhaus-West stieg er von 38,5 % (2010) auf 41,4 %, um 2,9 Prozentpunkte.",  # shown values: 41,4 − 38,5
    "Kinderhaus-West liegt 18,2 Prozentpunkte über der Stadt.",  # 41,4 − 23,2
    "In Münster hatten 2019 72.501 von 312.169 Menschen eine Migrationsvorgeschichte.",
    "Im Hafen und am Bahnhof wohnen viele Studierende; 23,9 % sind es in Roxel 2016.",  # common nouns: no area
    "Mitte der 2010er Jahre lag der Anteil in der Stadt bei 20,9 %.",  # "Mitte der": no Stadtbezirk (17,0 / 15,9 %)
])
def test_numbers_that_are_their_areas_values_pass(text_dir, body):
    assert _mv_problems(text_dir, body + "\n") == []


@pytest.mark.parametrize("body, line, message", [
    ("In Coerde lag er bei 53,1 %, in Kinderhaus-West bei 53,1 %.", 4, "„53,1 %“ steht bei Kinderhaus-West;"),
    ("41,4 % in Coerde, 53,1 % in Kinderhaus-West.", 4, "„41,4 %“ steht bei Coerde; veröffentlicht ist dort 53,1"),
    ("Kinderhaus-West: 53,1 %, Coerde: 41,4 %.", 4, "„53,1 %“ steht bei Kinderhaus-West; veröffentlicht ist dort 41,4"),
    ("In der ganzen Stadt waren es 2019\n\n20,9 %.", 6, None),  # another paragraph: no area named, 2010's value
    ("In der Stadt waren es 20,9 %.", 4, "„20,9 %“ steht bei Münster; veröffentlicht ist dort 23,2\u00a0% (2019)"),
    ("Im Stadtbezirk Mitte 23,2 %.", 4, "„23,2 %“ steht bei Mitte; veröffentlicht ist dort 17,0"),
    ("In Münster hatten 72.510 Menschen eine Migrationsvorgeschichte.", 4,
     "„72.510“ steht bei Münster und passt zu keiner veröffentlichten Zahl dieses Gebiets (2019); am nächsten: 72"),
])
def test_numbers_that_are_not_their_areas_values_are_named(text_dir, body, line, message):
    problems = _mv_problems(text_dir, body + "\n")
    if message is None:
        assert problems == []
        return
    assert problems[0].where.row == line and problems[0].message.startswith(message)
    swapped = body.startswith(("41,4 %", "Kinderhaus-West: 53,1"))
    assert len(problems) == (2 if swapped else 1)  # two values swapped: both named


def test_an_area_whose_series_has_no_value_in_the_year_falls_back_to_the_general_rule(text_dir):
    """Unemployment ends in 2014: the cells of 2015-2019 exist without a value (the sign ".")."""
    year_texts = _typed(text_dir, "alo_dichte", "In Coerde lag die Dichte 2019 bei 7,2 %.\n", 2019)
    known = textcheck.known_numbers([catalogue.load().indicator("alo_dichte")], 2019)
    problems = textcheck.check_text(year_texts[0], known, stop_on_stale=False)
    assert len(problems) <= 1 and all("steht bei Coerde" not in p.message for p in problems)


@pytest.mark.slow
def test_a_huge_text_is_checked_in_bounded_time_with_the_problems_counted_beyond_a_hundred(text_dir):
    """Thousands of typed numbers in one sentence took a minute (every number against every mention and every
    published value); now near-linear, and only the first hundred problems are worded."""
    import time

    body = ", ".join(f"in Coerde {i % 90},{i % 10} %" for i in range(20000)) + "\nIn Coerde 53,1 %.\n"
    year_texts = _typed(text_dir, "mv_anteil", body, 2019)
    known = textcheck.known_numbers([catalogue.load().indicator("mv_anteil")], 2019)
    started = time.perf_counter()
    problems = textcheck.check_text(year_texts[0], known, stop_on_stale=True)
    assert time.perf_counter() - started < 20
    assert len(problems) == 101 and all(p.where.row == 4 for p in problems)
    rest = 20000 - 100 - sum(1 for i in range(20000) if f"{i % 90},{i % 10}" == "53,1")
    assert problems[-1].message == (f"… und {rest} weitere Zahlen dieses Texts ab dieser Zeile, die nicht zu ihrer "
                                    "Stelle passen (nicht einzeln aufgeführt).") and problems[-1].fatal
