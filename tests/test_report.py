"""The notebooks executed on the committed data and the stitched report, checked as a reader would."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nbformat
import pandas as pd
import papermill as pm
import pytest

from helpers.core import catalogue, paths
from helpers.core.formatting import NBSP
from helpers.runner import plan, report
from notebook_execution import execute_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def built(built_report):
    """The default report, built once for all workers (tests/conftest.py)."""
    return built_report


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.srcs, self.h1 = set(), [], [], []
        self._in_h1 = self._in_number = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag in ("img", "script", "link", "iframe", "source") and ("src" in attrs or "href" in attrs):
            self.srcs.append(attrs.get("src") or attrs.get("href"))
        self._in_number = self._in_h1 and tag == "span" and attrs.get("class") == "chapter-number"
        self._in_h1 = tag == "h1" or self._in_number  # the title follows the chapter's number

    def handle_endtag(self, tag):
        if tag == "span":
            self._in_number = False

    def handle_data(self, data):
        if self._in_h1 and not self._in_number and data.strip():
            self.h1.append(data.strip())
            self._in_h1 = False


def _parse(html_text: str) -> _Collector:
    c = _Collector()
    c.feed(html_text)
    return c


def test_every_chapter_present_with_working_toc(built):
    _, html_text = built
    doc = _parse(html_text)
    chapters = plan.chapter_notebooks()
    links = [h for h in doc.hrefs if h.startswith("#kapitel-")]
    toc = list(dict.fromkeys(links))
    assert links == toc + toc  # the side contents, then the contents page
    assert len(toc) == len(chapters) == 15  # context, summary, the twelve Handlungsfelder, correlations
    assert all(h[1:] in doc.ids for h in toc), "table-of-contents link without target"
    assert doc.h1[1:4] == ["Bevölkerung mit Migrationsvorgeschichte", "Zusammenfassung", "Arbeit und Wirtschaft"]
    for hf in catalogue.load().handlungsfelder:
        assert hf.name in doc.h1, hf.name
    assert "Integrationsmonitoring Münster 2019" in html_text  # the default year: last with MV figures


def test_no_error_output_and_no_code(built):
    year_dir, html_text = built
    for nb_path in (year_dir / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors, nb_path.name
        stderr = [o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == "stderr"]
        assert not stderr, f"{nb_path.name}: {stderr}"  # e.g. tqdm's IProgress warning (esda)
    assert "Traceback" not in html_text
    assert "import helpers" not in html_text  # code is hidden
    assert "check_parameters" not in html_text


def test_self_contained_offline(built):
    _, html_text = built
    doc = _parse(html_text)
    external = [s for s in doc.srcs if not s.startswith("data:")]
    assert external == []
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html_text)
    assert not re.search(r"url\(\s*['\"]?https?:", html_text)
    assert len([s for s in doc.srcs if s.startswith("data:image/png")]) >= 8  # figures and maps embedded


def test_key_figures_equal_the_published_ones(built):
    _, html_text = built
    # Open data 31.12.2019 (sums by hand over the raw files, see data/README.md): 72 501 of 312 169
    # residents with a migration history city-wide = 23,2 %; Coerde (61): 5 981 of 11 256 = 53,1 %.
    assert f"bei <strong>23,2{NBSP}%</strong>" in html_text
    assert f"Coerde (53,1{NBSP}%)" in html_text
    assert "72\u202f501 von 312\u202f169" in html_text


def test_every_synthetic_indicator_is_marked(built):
    _, html_text = built
    synthetic = [i for i in catalogue.load().indicators if i.synthetic]
    assert synthetic
    for ind in synthetic:
        box = re.search(rf'<div class="definition-box" id="def-{ind.id}">(.*?)</div>', html_text, flags=re.S)
        assert box, f"{ind.id} missing from the report"
        assert "Demodaten – synthetisch" in box.group(1), ind.id
        assert ind.name in html_text.split('class="reading-guide"', 1)[1].split("</section>", 1)[0], (
            f"{ind.id} not listed as synthetic on the opening pages")
    real = [i for i in catalogue.load().indicators if not i.synthetic]
    for ind in real:
        box = re.search(rf'<div class="definition-box" id="def-{ind.id}">(.*?)</div>', html_text, flags=re.S)
        assert box and "Demodaten" not in box.group(1), ind.id


def test_summary_table_covers_every_indicator(built):
    _, html_text = built
    table = html_text.split('class="im-table summary-table"', 1)[1].split("</table>", 1)[0]
    cat = catalogue.load()
    for ind in cat.indicators:
        assert html.escape(ind.name, quote=False) in table, ind.id
    assert table.count('class="hf-row"') == len(cat.handlungsfelder)
    assert "Bewertungsregel" in html_text


def test_tables_and_figures_name_their_source(built):
    _, html_text = built
    assert html_text.count('class="source"') >= 3
    assert "Zeichenerklärung" in html_text


def test_other_year_and_parameter_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    assert report.run(year=1990) == 2  # refused before any kernel starts
    assert not (tmp_path / "1990").exists()
    nb = paths.NOTEBOOKS / "00_kontext_bevoelkerung.ipynb"
    with pytest.raises(pm.PapermillExecutionError, match="Unbekannte\\(r\\) Parameter: report_yaer"):
        execute_notebook(str(nb), str(tmp_path / "a.ipynb"), parameters={"report_yaer": 2013},
                            kernel_name="python3", progress_bar=False, cwd=str(nb.parent))
    with pytest.raises(pm.PapermillExecutionError, match="Berichtsjahr 1990 liegen keine Daten vor"):
        execute_notebook(str(nb), str(tmp_path / "b.ipynb"), parameters={"report_year": 1990},
                            kernel_name="python3", progress_bar=False, cwd=str(nb.parent))


def test_a_failing_chapter_leaves_the_last_good_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    broken = tmp_path / "nb" / "99_kaputt.ipynb"
    broken.parent.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("report_year = None"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, broken)
    (tmp_path / "2014").mkdir()
    (tmp_path / "2014" / "report.html").write_text("old report")
    (tmp_path / "2014" / "manifest.json").write_text("{}")
    assert report.run(year=2014, notebooks=[broken]) == 1
    assert (tmp_path / "2014" / "report.html").read_text() == "old report"
    captured = capsys.readouterr()
    assert "99_kaputt.ipynb" in captured.err and "ZeroDivisionError" in captured.err and "kein Bericht" in captured.err
    assert "der vorherige vom" in captured.out and "bleibt unverändert" in captured.out


def test_report_for_an_earlier_year(tmp_path, monkeypatch):
    """make report YEAR=2012: the numbers and the look back follow the parameter (the context chapter,
    the summary with its data status and one Handlungsfeld; every chapter runs in the default report)."""
    monkeypatch.setattr(paths, "OUTPUTS", tmp_path)
    assert report.run(year=2012, chapters=["00", "01", "03"], pdf=False) == 0  # the PDF: test_pdf.py
    html_text = (tmp_path / "2012" / "report.html").read_text(encoding="utf-8")
    assert "Integrationsmonitoring Münster 2012" in html_text and "Rückblick 2003–2012" in html_text  # long-term unemployment from 2003
    # 62 365 of 296 536 residents had a migration history at the end of 2012 (SMS Migration 2012).
    assert f"bei <strong>21,0{NBSP}%</strong> (62\u202f365 von 296\u202f536)" in html_text
    # The Integrationsrat is elected in 2010 and 2014 only and the council's ward results exist for 2009: for 2012
    # the report says what it shows instead; the five school shares begin with the school year 2016/17 and the
    # foreigners born in Germany are printed for 2014 only (eight indicators without a 2012 value).
    status = html_text.split('class="data-status"', 1)[1].split("</div>", 1)[0]
    assert "Für 8 von" in status and "Wahlbeteiligung bei der Integrationsratswahl" in status
    assert "Anteil der in Deutschland geborenen Ausländer/-innen" in status
    assert "gezeigt wird 2010" in status and "Wahlbeteiligung bei der Ratswahl" in status


def test_notebook_runs_with_its_defaults(tmp_path):
    """As in `make lab`: no parameters given, the latest year with data is used."""
    nb = paths.NOTEBOOKS / "02_arbeit_und_wirtschaft.ipynb"
    out = execute_notebook(str(nb), str(tmp_path / "out.ipynb"), kernel_name="python3",
                              progress_bar=False, cwd=str(nb.parent))
    texts = [o.get("data", {}).get("text/markdown", "") for c in out.cells if c.cell_type == "code" for o in c.outputs]
    assert any(t.startswith("2014 lag der Wert") for t in texts)


def test_spatial_analyses_appear_with_real_results_and_caveats(built):
    """Segregation, Moran's I, LISA and the social-space index for the real data of the look back 2010–2019."""
    _, html_text = built
    chapter = html_text.split("Räumliche Analysen", 1)[1].split('class="chapter"', 1)[0]
    # D for MV vs non-MV over the 45 Stadtteile: 0.210 (2010) … 0.198 (2019), see tests/test_segregation.py.
    assert "2019 D = 0,198 (2010: 0,210)" in chapter and ">0,210<" in chapter
    assert "auf Ebene der 6 Stadtbezirke nur D = 0,163" in chapter
    assert "Was die Indizes nicht sagen können" in chapter
    for year in range(2010, 2020):
        assert f"<td>{year}</td>" in chapter
    assert "Moran's I = 0,17 (p = 0,016, 999 Permutationen)" in chapter
    assert "Lokale Cluster (LISA)" in chapter and "sind es ohne Korrektur, nach Korrektur" in chapter
    assert "45 von 45 Stadtteilen sind eingeordnet" in chapter
    assert "Sozialraumindex 2014 je Stadtteil" in chapter  # its unemployment indicators end in 2014
    # the chapters showed all four methods and the summary: the closing pages explain each, the guide points there
    closing = html_text.split('id="methoden"', 1)[1]
    for note in ("Segregationsindex nach Duncan", "Moran's I und LISA", "Korrelationen", "Sozialraumindex"):
        assert f"<dt>{note}</dt>" in closing, note
    assert "Die Zusammenfassung stellt alle Indikatoren mit einer Bewertung ihrer Entwicklung nebeneinander." in html_text


def test_correlation_chapter_warns_and_exports(built):
    year_dir, html_text = built
    chapter = html_text.split("Zusammenhänge zwischen Indikatoren", 2)[-1]
    assert "ökologischer Fehlschluss" in chapter and "Mit 45 Gebieten" in chapter
    assert "Benjamini-Hochberg" in chapter
    exported = pd.read_csv(year_dir / "tables" / "korrelationen_stadtteil_2014.csv")
    # Six indicators: 15 pairs per method, two methods.
    assert len(exported) == 30 and set(exported["method"]) == {"pearson", "spearman"}
    row = exported[(exported["indicator_a"] == "mv_anteil") & (exported["indicator_b"] == "alo_dichte")
                   & (exported["method"] == "pearson")].iloc[0]
    assert round(row["r"], 2) == 0.80 and row["n"] == 45


def test_staff_texts_appear_at_their_places_and_in_the_manifest(built):
    """The demo's example texts for 2019 (data/texte/2019): labelled, values rendered, listed with checksums."""
    import json

    from helpers.core import texts

    year_dir, html_text = built
    assert html_text.count('<p class="im-staff-label">Einordnung – Beispieltext der Demodaten</p>') == 2  # Handlungsfeld, indicator
    assert html_text.count('<p class="im-staff-label">Handlungsempfehlungen – Beispieltext der Demodaten</p>') == 1
    assert html_text.count('<p class="im-staff-label">Einleitung – Beispieltext der Demodaten</p>') == 1
    # {{mv_anteil 2019 Coerde}} and {{mv_anteil 2019 Stadt}}: 53,1 % and 23,2 % (README, summed by hand from the SMS)
    assert "In Coerde lag der Anteil 2019\nbei 53,1\u00a0%, in der ganzen Stadt bei 23,2\u00a0%." in html_text
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    listed = manifest["texts"]
    assert listed == texts.listing(2019) and len(listed) == 4
    assert {t["file"]: t["sha256"] for t in listed}.items() <= manifest["inputs"].items()  # verify names a changed text
    assert all(t["example"] and t["status"] == "freigegeben" and len(t["sha256"]) == 64 for t in listed)


def test_the_ward_map_of_2009_turnout_is_in_the_participation_chapter(built):
    """Issue 29: the 2009 council-election turnout by Kommunalwahlbezirk, with its caveats (tests/test_ratswahl.py
    re-reads every ward's counts from the source)."""
    _, html_text = built
    assert "„Wahlbeteiligung bei der Ratswahl“ in Münster bei <strong>58,2\u00a0%</strong> (129\u202f112 von 221\u202f698)" in html_text
    chapter = html_text.split("Wahlbeteiligung nach Kommunalwahlbezirken", 1)[1].split('class="chapter"', 1)[0]
    assert ('<img alt="Karte: Wahlbeteiligung bei der Ratswahl, 2009, nach Kommunalwahlbezirken. Höchster Wert '
            "Gelmer/Dyckburg (67,1\u00a0%), niedrigster Coerde (39,4\u00a0%); Münster insgesamt 58,2\u00a0%.") in chapter
    assert "am niedrigsten im Kommunalwahlbezirk 16 Coerde (39,4\u00a0%)" in chapter
    assert "Sie sind keine Stadtteile" in chapter and "schließt sie ein" in chapter  # the caveats
    assert "Das trifft auf 8 der 45 Stadtteile zu (Coerde, Wolbeck," in chapter
    assert "Stadtteile, die annähernd einem Kommunalwahlbezirk entsprechen (Schwelle: 90\u00a0% der Fläche)" in chapter


def test_the_wards_map_links_to_a_table_that_holds_its_values(built):
    """Issue 29: the 2009 ward map of a 2019 report links to indikatoren_2019 (2010–2019): the table holds the
    2009 values it shows, each equal to the mapped cell the chapter recorded, and says why 2009 is there."""
    year_dir, html_text = built
    chapter = html_text.split("Wahlbeteiligung nach Kommunalwahlbezirken", 1)[1].split('class="chapter"', 1)[0]
    assert f'href="tables/indikatoren_{year_dir.name}.xlsx"' in chapter  # the map's data link
    table = pd.read_csv(year_dir / "tables" / f"indikatoren_{year_dir.name}.csv", dtype={"area_code": str})
    wards = table[(table["indicator"] == "ratswahl_wahlbeteiligung") & (table["area_level"] == "kommunalwahlbezirk")]
    mapped = pd.read_csv(year_dir / "published" / "03_partizipation.csv", dtype={"area_code": str})
    mapped = mapped[(mapped["area_level"] == "kommunalwahlbezirk") & (mapped["what"] == "Karte")]
    assert len(wards) == len(mapped) == 33 and set(wards["year"]) == set(mapped["year"]) == {2009}
    assert wards.set_index("area_code")["value"].to_dict() == mapped.set_index("area_code")["value"].to_dict()
    assert wards.set_index("area_code").loc["16", "value"] == pytest.approx(39.4, abs=0.05)  # Coerde, hand-checked
    # the city's 58,2 % of 2009 that the chapter shows is there too; no other year before 2010
    city = table[(table["indicator"] == "ratswahl_wahlbeteiligung") & (table["area_level"] == "stadt")]
    assert city["value"].round(1).tolist() == [58.2]
    assert table.loc[table["indicator"] != "ratswahl_wahlbeteiligung", "year"].min() == 2010


def test_the_participation_chapter_shows_the_published_eligible_voters(built):
    """Issue 29: the eligible voters of the Integrationsrat elections, as published, with their source: 2014
    "rund 34 800" (press release before the vote); none published for 2010 ("." and a note)."""
    year_dir, html_text = built
    start = html_text.index("<caption>Wahlberechtigte zur Integrationsratswahl")
    table = html_text[start:html_text.index("</figure>", start)]
    assert "<tr><td>2010</td><td>.</td></tr><tr><td>2014</td><td>34\u202f800</td></tr>" in table
    assert "„.“: für 2010 keine Zahl veröffentlicht." in table
    assert "Quelle: Stadt Münster, Wahlamt: Wahl zum Integrationsrat am 25.5.2014 (Zahl der Wahlberechtigten" in table
    recorded = pd.read_csv(year_dir / "published" / "03_partizipation.csv", dtype={"area_code": str, "indicator": str},
                           keep_default_na=False, na_values={"value": [""]})
    shown = recorded[(recorded["indicator"] == "") & (recorded["what"] == "Tabelle")]
    assert shown["year"].tolist() == [2010, 2014] and shown["flag"].tolist() == [".", ""]  # the checker reads them
    assert pd.isna(shown["value"].iloc[0]) and shown["value"].iloc[1] == 34800
    # 2010's two published turnouts are named in the indicator's note
    assert "9,4 % (Pressemeldung der Stadt vor der Wahl 2014" in html_text and "9,3 % (muensterwiki.de)" in html_text


def test_break_marks_and_their_reasons_are_in_the_report(built):
    """Issue 29: a declared break (mv_anteil 2011) is marked in the report's gap table and explained below it;
    the symbols page explains "|"."""
    _, html_text = built
    # 2011 (Männer 21,0 %), as the stitched report writes the mark (attributes in alphabetical order)
    assert ('<td>2011</td><td><span aria-hidden="true" class="break-mark">|</span><span class="visually-hidden">Bruch '
            "in der Reihe:</span> 21,0 %</td>") in html_text
    assert "„|“ Bruch in der Reihe ab 2011: Die wohnberechtigte Bevölkerung wird ab 2011" in html_text
    assert "Gepunktete senkrechte Linie: Bruch in der Reihe ab 2011" in html_text
    symbols = html_text.split('id="zeichen"', 1)[1]
    assert '<th scope="row">|</th><td>grundsätzliche Änderung innerhalb einer Reihe' in symbols
