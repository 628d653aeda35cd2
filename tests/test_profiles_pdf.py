"""The area profiles as one PDF (helpers.publish.profiles_pdf), built on request and by a release only.

Made from three of Münster's Stadtteile with two indicators (the real data, the catalogue cut to them), so that
the PDF is laid out in seconds, not the minutes all 45 profiles take.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from helpers.core import catalogue, paths
from helpers.publish import profiles, profiles_pdf, tagged
from test_pdf import _check_tagged

COERDE = "61"  # Münster's Stadtteil Coerde (data/muenster/areas.csv)
AREAS = ("61", "11", "44")  # Coerde, Aegidii, Herz-Jesu
INDICATORS = {"mv_anteil", "auslaender_anteil"}
YEAR = 2019
TITLE = "Stadtteilprofile 2019 – Integrationsmonitoring Münster 2019"


@pytest.fixture(scope="module")
def three_profiles(tmp_path_factory) -> Path:
    """profile/ with the list and three areas' pages and CSVs, as helpers.publish.profiles writes them."""
    from helpers.disclosure import disclosed

    cat = catalogue.load()
    every = type(cat).for_handlungsfeld
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(type(cat), "for_handlungsfeld", lambda self, hf: [i for i in every(self, hf) if i.id in INDICATORS])
        files = profiles.render(disclosed.table_frame(YEAR - 1, YEAR), YEAR)
    folder = tmp_path_factory.mktemp("out") / "profile"
    folder.mkdir()
    for name, content in files.items():
        if name == profiles.INDEX or name.split(".")[0] in AREAS:
            (folder / name).write_bytes(content)
    return folder


@pytest.fixture(scope="module")
def profile_pdf(three_profiles, tmp_path_factory) -> tuple[Path, dict, Path]:
    cache = tmp_path_factory.mktemp("cache")
    target = three_profiles.parent / profiles_pdf.file_name(YEAR)
    return target, profiles_pdf.write(three_profiles, target, cache), cache


def _names(folder: Path) -> list[str]:
    """The areas' names in the list's order (their pages' <h1>)."""
    return [re.search(r"<h1>([^<]+)</h1>", p.read_text(encoding="utf-8")).group(1)
            for p in profiles_pdf.pages(folder)[1:]]


def test_one_bookmark_per_area_and_its_pages(three_profiles, profile_pdf):
    target, info, _ = profile_pdf
    reader = PdfReader(target)
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    names = _names(three_profiles)
    assert names == ["Aegidii", "Coerde", "Herz-Jesu"]  # the list's order (by name)
    assert [title for title, _ in outline] == ["Stadtteilprofile 2019", *names]  # nothing below level 1
    starts = [page for _, page in outline]
    assert starts[0] == 0 and starts == sorted(starts)
    assert info == {"pages": len(reader.pages), "areas": 3, "rendered": 5}  # list, 3 areas, page-number layer
    texts = [page.extract_text() for page in reader.pages]
    ends = [*starts[1:], len(texts)]
    for (name, start), end in zip(outline[1:], ends[1:]):
        assert texts[start].lstrip().startswith(name) and end > start  # each area starts its own page
        assert f"{name} im Vergleich" in " ".join(texts[start:end])  # its tables' captions
        assert not any(other in " ".join(texts[start:end]) for other in names if other != name)
    assert f"Seite 2 von {len(texts)}" in texts[1] and "Seite 1 " not in texts[0]


def test_the_pdf_shows_the_numbers_of_the_checked_page(three_profiles, profile_pdf):
    target, _, _ = profile_pdf
    page = (three_profiles / f"{COERDE}.html").read_text(encoding="utf-8")
    cell = re.search(r'<data value="([^"]*)" data-cell="mv_anteil\|stadtteil\|61\|2019\|total">([^<]*)</data>', page)
    assert cell.groups() == ("53.1", "53,1\u00a0%")
    rank = re.search(r'<span data-rank="mv_anteil\|stadtteil\|61\|2019\|total">([^<]*)</span>', page).group(1)
    reader = PdfReader(target)
    start = dict((item.title, reader.get_destination_page_number(item)) for item in reader.outline)["Coerde"]
    # without white space: a table cell's text breaks anywhere ("Rang 1\nvon 45")
    text = "".join("".join(reader.pages[start + n].extract_text() for n in range(2)).split())
    # the row as the page has it: Coerde's, its Stadtbezirk's and the city's cells, then Coerde's rank
    row = re.findall(r'data-cell="mv_anteil\|[^|"]+\|[^|"]+\|2019\|total">([^<]*)</data>', page)[:3]  # (then texts)
    assert row[0] == "53,1\u00a0%" and rank == "Rang 1 von 45"
    assert "".join("".join([*row, rank]).split()) in text


def test_the_pdf_is_tagged_like_the_report(three_profiles, profile_pdf):
    target, _, _ = profile_pdf
    doc, parts = _check_tagged(target, TITLE)  # language de, title, PDF/UA-1, every page's content in the tree
    assert len(parts) == 4  # the list and one part per area
    kinds = [[str(e.S) for e in tagged._elements(part)] for part in parts]
    assert all(k.count("/H1") == 1 for k in kinds)
    assert "/L" in kinds[0] and all({"/Table", "/TH", "/TD", "/Figure"} <= set(k) for k in kinds[1:])
    figures = [e for part in parts[1:] for e in tagged._elements(part) if e.S == "/Figure"]
    alts = [str(f.Alt) for f in figures]
    assert "Lage von Coerde im Stadtbezirk Nord" in alts and all(len(a) > 10 for a in alts)


def test_a_link_to_another_profile_stays_inside_the_document(three_profiles, profile_pdf):
    target, _, _ = profile_pdf
    with pikepdf.open(target) as doc:
        dests = dict(pikepdf.NameTree(doc.Root.Names.Dests).items())
        uris = [str(a.A.URI) for page in doc.pages for a in page.get("/Annots", []) if "/URI" in a.get("/A", {})]
    assert {f"profil-{code}" for code in AREAS} <= set(dests)  # the other profiles' links lead inside
    assert not any(f"{code}.html" in uri for uri in uris for code in AREAS)
    # the rest relative to the PDF beside report.html, never a path of the machine that built it
    assert {"report.html", f"profile/{COERDE}.csv"} <= set(uris) and not any(":" in uri for uri in uris)


def test_a_rebuild_after_one_area_changed_lays_out_that_area_only(three_profiles, profile_pdf, tmp_path):
    _, _, cache = profile_pdf
    folder = tmp_path / "profile"
    shutil.copytree(three_profiles, folder)
    page = folder / f"{COERDE}.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</main>", "<p>Ein Satz mehr.</p></main>"),
                    encoding="utf-8")
    info = profiles_pdf.write(folder, tmp_path / "neu.pdf", cache)
    assert info["rendered"] == 1
    assert "Ein Satz mehr." in " ".join(p.extract_text() for p in PdfReader(tmp_path / "neu.pdf").pages)


def test_without_pages_there_is_no_pdf(tmp_path):
    with pytest.raises(ValueError, match="keine Profilseiten gefunden"):
        profiles_pdf.write(tmp_path, tmp_path / "x.pdf", tmp_path / "cache")
    assert not (tmp_path / "x.pdf").exists()


# --- when it is built: on request and by a release, never by a plain `make report` ---------------------

def test_plain_make_report_does_not_ask_for_it_and_a_release_does(monkeypatch):
    from helpers.publish import manifest
    from helpers.runner import edition, report

    made = subprocess.run(["make", "-n", "report"], cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout
    asked = subprocess.run(["make", "-n", "report", "PROFILE_PDF=1"], cwd=paths.ROOT, capture_output=True, text=True,
                           check=True).stdout
    assert "--profil-pdf" not in made and "--profil-pdf" in asked
    calls = []
    monkeypatch.setattr(report, "run", lambda *a, **k: calls.append(k) or 1)
    report.main([])
    report.main(["--profil-pdf"])
    monkeypatch.setattr(manifest, "uncommitted_inputs", lambda: [])
    edition.release(None)
    assert [c["profile_pdf"] for c in calls] == [False, True, True]


def test_a_report_in_view_is_up_to_date_for_a_request_only_with_the_pdf(tmp_path, monkeypatch):
    """A plain run after a release does nothing; a run asking for the PDF builds the report again without it."""
    from helpers.runner import plan

    out = tmp_path / "2019"
    out.mkdir()
    (out / "report.html").write_text("x", encoding="utf-8")
    monkeypatch.setattr(paths, "year_outputs", lambda year: out)
    captured = {}
    real = plan.Plan

    def record(*args, **kwargs):
        captured.update(report_ok=args[8], profile_pdf=kwargs.get("profile_pdf"))
        return real(*args, **kwargs)

    monkeypatch.setattr(plan, "Plan", record)
    monkeypatch.setattr(plan.fileio, "digest", lambda _: "k")
    monkeypatch.setattr(plan.run_inputs, "files_match", lambda *_: True)
    monkeypatch.setattr(plan.run_inputs, "git_commit", lambda: "c")

    class Inputs:
        code = settings = texts = data = {}

        def notebook_key(self, *_):
            return "k"

        def tables_key(self, *_):
            return "k"

        def texts_of(self, _):
            return {}

        def values_key(self):
            return ""

    from helpers.runner.state import ReportRecord, RunState, TablesRecord

    state = RunState(tables=TablesRecord("k", {}), report=ReportRecord("k", {"report.html": "x"}))
    plan.plan(2019, [], Inputs(), state, pdf=True)
    assert captured == {"report_ok": True, "profile_pdf": False}
    plan.plan(2019, [], Inputs(), state, pdf=True, profile_pdf=True)
    assert captured == {"report_ok": False, "profile_pdf": True}
    state.report.outputs[profiles_pdf.file_name(2019)] = "y"
    plan.plan(2019, [], Inputs(), state, pdf=True, profile_pdf=True)
    assert captured == {"report_ok": True, "profile_pdf": True}


# --- published with the report, or not at all ----------------------------------------------------------

def _year(tmp_path: Path) -> tuple[Path, Path]:
    from helpers.runner import publication

    out = tmp_path / "2019"
    (out / "profile").mkdir(parents=True)
    for name, text in (("report.html", "alt"), ("manifest.json", "{}"), ("profile/61.html", "alt"),
                       (profiles_pdf.file_name(2019), "alt")):
        (out / name).write_text(text, encoding="utf-8")
    return out, publication.staging_dir(out)


def test_the_pdf_is_published_with_the_report_and_leaves_with_the_pages_it_was_made_of(tmp_path):
    from helpers.runner import publication, publish_step

    name = profiles_pdf.file_name(2019)
    out, stage = _year(tmp_path)
    (stage / "profile").mkdir(parents=True)
    for rel in ("report.html", "manifest.json", "profile/61.html", name):
        (stage / rel).write_text("neu", encoding="utf-8")
    publication.publish(out)
    assert (out / name).read_text(encoding="utf-8") == "neu" and not stage.exists()
    assert name in publish_step._report_outputs(out)  # the run state keeps its checksum, as report.pdf's
    # new pages without a new PDF: the PDF of the old pages leaves view
    (stage / "profile").mkdir(parents=True)
    for rel in ("report.html", "manifest.json", "profile/61.html"):
        (stage / rel).write_text("neuer", encoding="utf-8")
    publication.publish(out)
    assert not (out / name).exists() and (out / "profile/61.html").read_text(encoding="utf-8") == "neuer"


def test_a_pdf_that_was_not_checked_never_comes_into_view(tmp_path, capsys):
    from helpers.runner import publication, release
    from helpers.runner.release import checker

    name = profiles_pdf.file_name(2019)
    out, stage = _year(tmp_path)
    (stage / "profile").mkdir(parents=True)
    (stage / name).write_text("neu", encoding="utf-8")
    # a violation in a chapter's records: nothing of the run is published, the report in view stays
    assert release._withdraw(out, [checker.Violation("published/02.csv", 1, "x", "geheim")]) is False
    assert not stage.exists() and (out / name).read_text(encoding="utf-8") == "alt"
    # a violation in the tables in view: the report leaves view, and its profiles' PDF with it
    (out / "tables").mkdir()
    assert release._withdraw(out, [checker.Violation("tables/indikatoren_2019.csv", 1, "x", "geheim")]) is True
    assert not (out / name).exists() and not (out / "report.html").exists()
    # a crash left a report without its manifest: it is removed with its PDFs at the next build
    out, _ = _year(tmp_path / "b")
    (out / "manifest.json").unlink()
    said = publication.recover(out)
    assert not (out / name).exists() and not (out / "report.html").exists() and said
    assert json.dumps(said, ensure_ascii=False).count("ohne manifest.json") == 1


def test_the_file_is_named_after_the_base_areas(tmp_path, monkeypatch):
    """Münster's (and Flensburg's) base areas are Stadtteile; Berlin's Bezirksregionen get the neutral name, and
    publishing finds either."""
    from helpers.core import context
    from helpers.runner import publication
    from roots import pointed_at

    assert profiles_pdf.file_name(2019) == "stadtteilprofile_2019.pdf"
    with pointed_at(context.REPOSITORY, tmp_path / "outputs", monkeypatch, city="berlin"):
        assert profiles_pdf.file_name(2024) == "gebietsprofile_2024.pdf"
    for name in ("stadtteilprofile_2019.pdf", "gebietsprofile_2024.pdf", "notizen.pdf"):
        (tmp_path / name).write_bytes(b"%PDF")
    assert publication.profile_pdfs(tmp_path) == ["gebietsprofile_2024.pdf", "stadtteilprofile_2019.pdf"]
