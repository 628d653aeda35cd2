"""The city's identity (areas.city, from the 'stadt' row of areas.csv) and the texts that name it.

Münster's strings must read exactly as before; a synthetic scale city must never be called
Münster nor be given Münster's statistics series (SMS) as its source.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers.core import areas, catalogue, levels, model, paths
from helpers.core import city as city_profile
from helpers.core.catalogue import GROUP_LABELS
from helpers.disclosure import disclosed
from helpers.figures import charts, maps
from helpers.publish import tables
from helpers.sections import area_wording, blocks, html_tables, selection, wording
from helpers.sources.demo import scale_city
from roots import pointed_at

SMS = "Stadt Münster, SMS – Statistik für Münsters Stadtteile"
YEAR = 2014


# --- Münster (committed data) ------------------------------------------------------------------

def test_committed_city_is_muenster():
    city = areas.city()
    assert (city.code, city.name, city.short) == ("05515000", "Stadt Münster", "Münster")
    assert selection.city_code() == "05515000"


def test_muenster_source_lines_unchanged():
    assert city_profile.statistics_name() == SMS
    assert area_wording.population_source([2014]) == f"{SMS}, Migration; eigene Berechnung"
    assert area_wording.population_source(range(2000, 2015)) == f"{SMS}, Bevölkerung und Migration; eigene Berechnung"
    # from 2015 the city's open data: the caption names the datasets of the years it shows
    assert area_wording.population_source([2014, 2019]) == (
        f"{SMS}, Migration; Stadt Münster, Open Data: Bevölkerungsindikatoren – Migration und "
        "Wohnberechtigte Bevölkerung pro Stadtteil im Verlauf; eigene Berechnung")
    assert maps.geometry_source() == "Geometrie: Stadt Münster, Statistische Gebietsgliederung"


def test_a_delivery_is_cited_by_the_source_its_sender_named_or_as_the_city_statistics():
    named = "Lieferung raw/2022/zahlen neu.csv (sha256 0123456789ab); Quelle: Stadt X, Sozialatlas"
    bare = "Lieferung raw/2023/b.csv (sha256 abcdef012345)"
    assert city_profile.citation([named]) == "Stadt X, Sozialatlas"  # not the file name and checksum
    assert city_profile.citation([bare]) == SMS
    assert city_profile.citation([named, bare, "SMS Migration 2014"]) == f"{SMS}, Migration; Stadt X, Sozialatlas"


def test_the_cluster_caveat_says_one_area_in_the_singular():
    from types import SimpleNamespace

    from helpers.core import levels

    level = levels.Level("ortsteil", "Ortsteil", "Ortsteile")
    text = area_wording.lisa_caveat(level, 13, SimpleNamespace(n_significant=1), SimpleNamespace(n_significant=0))
    assert "etwa 1 Ortsteil auffällig. 1 Ortsteil ist es ohne Korrektur" in text  # 13 × 0,05 = 0,65 ≈ 1
    text = area_wording.lisa_caveat(level, 45, SimpleNamespace(n_significant=3), SimpleNamespace(n_significant=1))
    assert "etwa 2 Ortsteile auffällig. 3 Ortsteile sind es ohne Korrektur" in text


# --- areas.csv without or with two 'stadt' rows -------------------------------------------------

@pytest.mark.parametrize("n_rows, says", [(0, "keine Zeile hat"), (2, "2 Zeilen haben")])
def test_city_needs_exactly_one_stadt_row(tmp_path, monkeypatch, n_rows, says):
    table = pd.read_csv(paths.AREAS_CSV, dtype=str, keep_default_na=False)
    stadt = table[table["level"] == "stadt"]
    rows = [table[table["level"] != "stadt"]] + [stadt.assign(code=f"0551500{i}") for i in range(n_rows)]
    target = tmp_path / "areas.csv"
    pd.concat(rows).to_csv(target, index=False)
    monkeypatch.setattr(paths, "AREAS_CSV", target)
    for call in (areas.city, selection.city_code, city_profile.statistics_name):
        with pytest.raises(model.DataError) as err:
            call()
        message = str(err.value)
        assert message.startswith(f"{target}: {says} in der Spalte level den Wert „stadt“")
        assert "genau eine" in message
    if n_rows == 2:
        assert "Codes: 05515000, 05515001" in message


# --- A synthetic scale city ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def city_root(tmp_path_factory) -> Path:
    return scale_city.write_city(tmp_path_factory.mktemp("city"), 60, range(2005, 2015))


@pytest.fixture
def scale(city_root, tmp_path, monkeypatch):
    """helpers.core.paths pointed at the scale city (its config/city.yml declares only the levels: generic texts)."""
    with pointed_at(city_root, tmp_path / "outputs", monkeypatch) as root:
        yield root


def _texts(fig) -> list[str]:
    return [fig.get_suptitle(), *(t.get_text() for t in fig.texts)]


def test_scale_city_identity(scale):
    city = areas.city()
    assert (city.code, city.name, city.short) == ("09999000", "Stadt Beispielstadt (synthetisch)",
                                                  "Beispielstadt (synthetisch)")
    assert selection.city_code() == scale_city.CITY_CODE == "09999000"
    assert city_profile.statistics_name() == "Stadt Beispielstadt (synthetisch), Kommunalstatistik"
    assert city_profile.profile().generic  # its config/city.yml declares only the area levels
    assert levels.hierarchy().codes == ("stadtteil", "teilbereich", "stadtbezirk", "stadt")
    # captions name the stored dataset: the scale city's own synthetic one, never a Münster source
    assert area_wording.population_source([2014]) == "Synthetische Skalierungsstadt (Seed 20261122); eigene Berechnung"
    assert maps.geometry_source() == "Geometrie: Stadt Beispielstadt (synthetisch), Statistische Gebietsgliederung"


def test_scale_city_chapter_texts(scale, monkeypatch):
    ind = catalogue.load().indicator("mv_anteil")
    city = disclosed.values(ind, "stadt")
    stadtteile = disclosed.values(ind, "stadtteil")

    # Every scale-city row is synthetic: the key sentences open with the demo mark and the city.
    sentences = wording.key_sentences(ind, city, stadtteile, YEAR)
    assert sentences.startswith(f"**{charts.SYNTHETIC_MARK}, keine Aussage über Beispielstadt (synthetisch).** ")
    real = wording.key_sentences(ind, city.assign(synthetic=False), stadtteile, YEAR)
    assert real.startswith(f"{YEAR} lag der Wert „{ind.name}“ in Beispielstadt (synthetisch) bei **")

    a, b = ind.group_values
    gap = html_tables.gap_table(ind, city, YEAR)
    assert f"<caption>Abstand zwischen den Gruppen „{GROUP_LABELS[a]}“ und „{GROUP_LABELS[b]}“, " \
           "Stadt Beispielstadt (synthetisch) <span" in gap

    section = blocks.indicator_section("mv_anteil", YEAR)
    shown = [part.content for part in section.parts if part.kind in ("markdown", "html")]
    series, *map_figs = section.figures.values()
    assert list(section.figures)[0] == "zeitreihe"
    assert ind.first_year == 2006  # the catalogue's first year, inside the look back 2005–2014
    assert series.get_suptitle() == f"{ind.name}, Stadt Beispielstadt (synthetisch) 2006–2014"
    assert map_figs
    for fig in map_figs:
        assert any(t.endswith(". Geometrie: Stadt Beispielstadt (synthetisch), Statistische Gebietsgliederung")
                   for t in _texts(fig)), _texts(fig)

    sources = []
    original = charts.stacked_composition
    monkeypatch.setattr(charts, "stacked_composition",
                        lambda table, title, source, **kw: sources.append(source) or original(table, title, source, **kw))
    figs = list(blocks.composition(YEAR).figures.values())
    assert sources == ["Synthetische Skalierungsstadt (Seed 20261122)"]
    assert f"Quelle: {sources[0]}" in _texts(figs[0])

    # The workbench's own lines name the scale city. Left out: what the catalogue says (definition
    # box, the indicator's source in footers), copied verbatim from Münster's catalogue.
    catalogue_source = charts.short_source(ind)
    texts = [t.replace(catalogue_source, "").replace(html.escape(catalogue_source), "")
             for t in [sentences, real, gap, *(t for t in shown if 'class="definition-box"' not in t),
                       *(t for fig in [series, *map_figs, *figs] for t in _texts(fig))]]
    assert not [t for t in texts if "Münster" in t]
    assert sum("Beispielstadt" in t for t in texts) >= 6


def test_scale_city_table_export_title(scale):
    row = {"handlungsfeld": "kontext", "handlungsfeld_name": "Kontext", "indicator": "mv_anteil",
           "indicator_name": "Anteil", "unit": "%", "area_level": "stadt", "area_code": "09999000",
           "area_name": "Stadt Beispielstadt (synthetisch)", "year": YEAR, "group": "total",
           "group_label": "Insgesamt", "value": 1.5, "flag": "", "series_break": False, "synthetic": True}
    wb = load_workbook(io.BytesIO(tables.workbook_bytes(pd.DataFrame([row]), YEAR)))
    assert wb.worksheets[0]["A1"].value == f"Integrationsmonitoring Beispielstadt (synthetisch) {YEAR} – Tabellen"
    assert wb.properties.creator == "Integrationsmonitoring Beispielstadt (synthetisch)"


def test_report_pages_and_table_notes_name_the_scale_city(scale):
    from helpers.publish import stitch
    from helpers.runner import release

    front = stitch.title_page(YEAR, 2005, "01.01.2026") + stitch.reading_guide()
    notes = " ".join(text for _, text in release.table_notes(YEAR, 2005))
    sources = " ".join(source for source, _ in stitch.source_entries()[-1:])
    assert stitch.report_title(YEAR) == "Integrationsmonitoring Beispielstadt (synthetisch) 2014"
    assert "der Stadt Beispielstadt (synthetisch)" in front
    assert "Datengrundlage: Stadt Beispielstadt (synthetisch), Kommunalstatistik" in front
    assert "Integrationsmonitoring Beispielstadt (synthetisch) 2014" in notes
    assert sources == "Stadt Beispielstadt (synthetisch): Statistische Gebietsgliederung"
    for text in (front, notes, sources):
        assert "Münster" not in text


# --- config/city.yml ------------------------------------------------------------------------------

def test_muenster_profile_comes_from_its_config():
    found = city_profile.profile()
    assert not found.generic and found.concept == "Migrationsvorgeschichte"
    assert found.statistics_prefix == "SMS"
    assert found.terms_of("Stadt Münster, Open Data: Bevölkerungsindikatoren – Migration").startswith(
        "Die Datensätze des Open-Data-Portals")
    assert found.terms_of("Eine unbekannte Quelle") == "Nutzungsbedingungen: siehe Quelle"


@pytest.mark.parametrize("text, message", [
    ("concept: Migrationsgeschichte\n", "'concept' ist 'Migrationsgeschichte'; erlaubt: Migrationsvorgeschichte, "
                                        "Migrationshintergrund"),
    ("statistik: {name: x}\n", "'(Datei)': unbekannte(r) Schlüssel statistik; erlaubt: concept, levels, other_levels, "
                              "structure, geometry, statistics"),
    ("statistics: {name: x, präfix: SMS}\n", "'statistics': unbekannte(r) Schlüssel präfix; erlaubt: name, prefix, basis"),
    ("terms:\n  - terms: frei\n", "'terms[1]' braucht 'match'"),
    ("intake: [a, b]\n", "'intake' muss eine Zuordnung (Schlüssel: Wert) sein"),
    ("concept: [\n", "kein gültiges YAML"),
])
def test_a_bad_city_config_names_file_and_key(text, message):
    with pytest.raises(city_profile.CityConfigError) as err:
        city_profile.parse(text, Path("config/muenster/city.yml"), "Stadt X")
    assert str(err.value).startswith("config/muenster/city.yml: ") and message in str(err.value)


#: The names that give a city away in a string constant, by the source subpackage that may use them.
CITY_NAMES = {
    "muenster": ("Münster", "Muenster", "05515", "SMS", "Düesberg"),
    "berlin": ("Berlin", "11000000"),
}


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant of a module except its docstrings, which give examples."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def _own_city(path: Path) -> str | None:
    """The city whose source subpackage (helpers/sources/<city>/) holds the module, if any."""
    parts = path.relative_to(paths.ROOT / "src" / "helpers").parts
    return parts[1] if len(parts) > 2 and parts[0] == "sources" and parts[1] in CITY_NAMES else None


def test_code_names_no_city():
    """Everything particular to a city lives in its data and config; only the parsers of a city's
    own publications (helpers.sources.<city>) may name it, and only that city: not the report
    chain, not what all source families share, not the demo generator, not another city's parsers.
    Checked on the code's string constants (not comments and docstrings, which give examples)."""
    found = []
    for path in sorted((paths.ROOT / "src" / "helpers").rglob("*.py")):
        own = _own_city(path)
        names = [name for city, city_names in CITY_NAMES.items() if city != own for name in city_names]
        for lineno, value in _string_constants(path):
            text = value.replace("Berliner Monitoring", "")  # a method's name, not a city
            found += [f"{path.relative_to(paths.ROOT)}:{lineno}: {name}" for name in names if name in text]
    assert found == []


def test_the_city_name_check_knows_each_city_by_its_subpackage():
    """The scan would miss everything if a subpackage were renamed: each city of CITY_NAMES has one."""
    sources = paths.ROOT / "src" / "helpers" / "sources"
    assert all((sources / city / "__init__.py").is_file() for city in CITY_NAMES)
    assert _own_city(sources / "muenster" / "sms.py") == "muenster"
    assert _own_city(sources / "demo" / "synthetic.py") is None and _own_city(sources / "derive.py") is None
