"""`stadt neu`: a made-up city from its own boundary file; every check of the coordinates and the geometry
with the message a user reads, the repair with the square metres it reports, the parents, all-or-none.

The city: three 1 km squares in a row near 54.8° N, 9.4° E (EPSG:25832), codes 11, 12 (parent 1) and 21
(parent 2). Each test changes what it is about and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from helpers import cli
from helpers.core import city as city_profile
from helpers.core import context, levels
from helpers.core.problems import Severity
from helpers.intake import boundary_checks, city_setup, citycheck

X0, Y0 = 525_000.0, 6_070_000.0
NAMES = {"11": "Altstadt", "12": "Neustadt", "21": "Hafen"}


def squares(**shapes) -> gpd.GeoDataFrame:
    """The three areas (columns AREA_ID, AREA_NAME, BEZIRK), a shape given per code replacing its square."""
    geoms = {"11": box(X0, Y0, X0 + 1000, Y0 + 1000), "12": box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
             "21": box(X0 + 2000, Y0, X0 + 3000, Y0 + 1000)}
    geoms.update({code.removeprefix("a"): shape for code, shape in shapes.items()})
    return gpd.GeoDataFrame({"AREA_ID": list(geoms), "AREA_NAME": [NAMES[c] for c in geoms],
                             "BEZIRK": [c[0] for c in geoms]}, geometry=list(geoms.values()), crs="EPSG:25832")


@pytest.fixture
def root(tmp_path) -> Path:
    """An empty repository beside the real one: only the shared settings (check-city reads them)."""
    shared = (context.REPOSITORY / context.SHARED_CONFIG).read_text(encoding="utf-8")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "monitoring.yml").write_text(shared, encoding="utf-8")
    return tmp_path


def setup(root: Path, layer: gpd.GeoDataFrame, *options: str, name: str = "teststadt", file: str = "teile.gpkg") -> int:
    path = root / file
    if not path.exists():
        layer.to_file(path)
    return city_setup.main([name, "--grenzen", str(path), "--code", "AREA_ID", "--name", "AREA_NAME",
                            "--gemeindeschluessel", "01001000", "--amtlicher-name", "Teststadt", "--ordner", str(root),
                            *options])


def errors(capsys) -> list[str]:
    return [line.strip() for line in capsys.readouterr().err.splitlines()[1:]]


def test_a_clean_file_sets_up_the_city_in_the_shape_every_city_has(root, capsys):
    assert setup(root, squares(), "--eltern-praefix", "1") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Gelesen: {root / 'teile.gpkg'}: 3 Flächen, Koordinatensystem EPSG:25832 (ETRS89 / UTM zone 32N).\n"
                          "Stadt teststadt eingerichtet (")
    assert out.endswith("  config/teststadt/city.yml\n  config/teststadt/monitoring.yml\n  data/teststadt/areas.csv\n"
                        "  data/teststadt/geo/stadtbezirke.geojson\n  data/teststadt/geo/stadtteile.geojson\n"
                        "Eingestellt: Begriff Migrationshintergrund (--konzept), Stichtag der Zahlen 31.12. "
                        "(--stichtag); beides steht in config/teststadt/city.yml und lässt sich dort ändern.\n"
                        "Nächste Schritte: in config/teststadt/city.yml die Zeilen mit TODO ausfüllen; Zahlen laden "
                        "(integrationsmonitoring stadt daten teststadt …); prüfen: make check-city CITY=teststadt.\n")
    areas = (root / "data" / "teststadt" / "areas.csv").read_text(encoding="utf-8")
    assert areas == ("level,code,name,parent_level,parent_code,aliases\nstadt,01001000,Teststadt,,,\n"
                     "stadtbezirk,1,Stadtbezirk 1,stadt,01001000,\nstadtbezirk,2,Stadtbezirk 2,stadt,01001000,\n"
                     "stadtteil,11,Altstadt,stadtbezirk,1,\nstadtteil,12,Neustadt,stadtbezirk,1,\n"
                     "stadtteil,21,Hafen,stadtbezirk,2,\n")
    written = gpd.read_file(root / "data" / "teststadt" / "geo" / "stadtteile.geojson")
    assert written.crs.to_epsg() == 25832 and list(written.columns) == ["code", "name", "geometry"]
    parents = gpd.read_file(root / "data" / "teststadt" / "geo" / "stadtbezirke.geojson").set_index("code")
    assert parents.geometry.area.round().to_dict() == {"1": 2_000_000.0, "2": 1_000_000.0}  # dissolved, nested exactly
    city_file = root / "config" / "teststadt" / "city.yml"
    profile = city_profile.parse(city_file.read_text(encoding="utf-8"), city_file, "Teststadt")
    assert (profile.concept, profile.reference_date) == ("Migrationshintergrund", "31.12.")
    assert [lv.code for lv in levels.of_file(city_file).levels] == ["stadtteil", "stadtbezirk"]
    # what check-city says next: the citation to fill in and the catalogue still to come; no boundary problem
    problems = citycheck.check(root, "teststadt")
    assert [str(p) for p in problems if p.severity is Severity.WARNING] == [
        "config/teststadt/city.yml, Spalte terms: keine Nutzungsbedingungen der Quellen angegeben: der Bericht nennt "
        "bei jeder Quelle „Nutzungsbedingungen: siehe Quelle“. Bitte die Bedingungen unter terms: eintragen, sobald "
        "sie bekannt sind (auch „nicht angegeben“ mit dem, was man weiß)."]
    found = [str(p) for p in citycheck.errors(problems)]
    assert found[:2] == [
        'config/teststadt/city.yml, Zeile 35, Spalte name: noch nicht ausgefüllt (name: "TODO: Name der Statistikstelle '
        'der Stadt"). Bitte den Wert eintragen.',
        'config/teststadt/city.yml, Zeile 36, Spalte basis: noch nicht ausgefüllt (basis: "TODO: Datenquelle und Stand '
        'der Zahlen"). Bitte den Wert eintragen.']
    assert found[2:] == ["data/teststadt/catalogue.yml: Der Indikatorenkatalog fehlt noch. Die Zahlen einlesen: "
                         "integrationsmonitoring stadt daten teststadt DATEI (schreibt den Katalog für das, was die "
                         "Zahlen erlauben), oder die Datei selbst anlegen (README, „Was eine Stadt braucht“)."]


def test_an_easting_shifted_by_a_zone_number_is_found_and_fixed_by_the_chosen_option(root, capsys):
    shifted = squares()
    shifted["geometry"] = shifted.geometry.translate(xoff=2_000_000)
    assert setup(root, shifted) == 1
    found = errors(capsys)
    assert len(found) == 1
    assert found[0].startswith(f"{root / 'teile.gpkg'}: Die Flächen liegen mit dem angegebenen Koordinatensystem EPSG:25832 "
                               "(ETRS89 / UTM zone 32N) nicht in Deutschland (bei ")
    # the one reading that puts it in Germany, with where it lands, so the office recognises its city; read as
    # Gauß-Krüger zone 2 it would lie in the North Sea (6,41° O, 54,76° N), outside the outline, and is not offered
    assert found[0].endswith("Abhilfe, je nachdem, wo die Stadt liegt: --crs-korrektur ostwert-2000000 (Ostwert um "
                             "2.000.000 m zu groß, zurückgerechnet; Koordinatensystem EPSG:25832 (ETRS89 / UTM zone 32N) "
                             "bleibt; liegt dann bei 9,41° O, 54,78° N).")
    assert not (root / "config" / "teststadt").exists() and not (root / "data" / "teststadt").exists()
    assert setup(root, shifted, "--crs-korrektur", "ostwert-2000000") == 0
    assert "  gelesen mit --crs-korrektur ostwert-2000000: EPSG:25832 (ETRS89 / UTM zone 32N).\n" in capsys.readouterr().out
    written = gpd.read_file(root / "data" / "teststadt" / "geo" / "stadtteile.geojson")
    assert written.total_bounds.tolist() == [X0, Y0, X0 + 3000, Y0 + 1000]


def test_a_utm_zone_prefix_is_read_as_the_official_crs_with_prefix(root, capsys):
    prefixed = squares()
    prefixed["geometry"] = prefixed.geometry.translate(xoff=32_000_000)
    assert setup(root, prefixed) == 1
    message = errors(capsys)[0]
    assert ("--crs-korrektur EPSG:4647 (ETRS89 / UTM Zone 32N mit vorangestellter Zonenziffer 32 im Ostwert; liegt dann "
            "bei 9,41° O, 54,78° N)") in message
    assert setup(root, prefixed, "--crs-korrektur", "EPSG:4647") == 0
    assert "  umprojiziert nach EPSG:25832 (ETRS89 / UTM zone 32N).\n" in capsys.readouterr().out
    written = gpd.read_file(root / "data" / "teststadt" / "geo" / "stadtteile.geojson")
    assert written.total_bounds == pytest.approx([X0, Y0, X0 + 3000, Y0 + 1000], abs=0.01)


def test_degrees_under_a_metric_crs_are_found_and_read_as_degrees_on_request(root, capsys):
    degrees = squares().to_crs("EPSG:4326").set_crs("EPSG:25832", allow_override=True)
    assert setup(root, degrees) == 1
    assert errors(capsys) == [
        f"{root / 'teile.gpkg'}: Die Koordinaten sind Grad (Länge/Breite), die Datei gibt aber EPSG:25832 (ETRS89 / UTM "
        "zone 32N) in Metern an. Abhilfe, je nachdem, wo die Stadt liegt: --crs-korrektur EPSG:4326 (Koordinaten in Grad "
        "(geografische Länge/Breite, WGS 84); liegt dann bei 9,41° O, 54,78° N)."]
    assert setup(root, degrees, "--crs-korrektur", "EPSG:4326") == 0
    written = gpd.read_file(root / "data" / "teststadt" / "geo" / "stadtteile.geojson")
    assert written.crs.to_epsg() == 25832 and written.geometry.area.round().tolist() == [1_000_000.0] * 3


def test_areas_outside_germany_are_named(root, capsys):
    moved = squares()
    moved.loc[2, "geometry"] = shapely.affinity.translate(moved.geometry[2], yoff=-2_000_000)  # 21 into the Alps' south
    assert setup(root, moved) == 1
    assert errors(capsys) == [
        f"{root / 'teile.gpkg'}, Spalte geometry: Fläche 21 „Hafen“ liegt außerhalb Deutschlands (bei 9,31° O, 36,78° N), "
        "die übrigen nicht. Bitte die Fläche im GIS prüfen (verschoben, falsch digitalisiert oder aus einer anderen Datei)."]


def _gap_and_overlap() -> gpd.GeoDataFrame:
    """12 with a sliver 0.5 m wide and 800 m long cut off along 11 (400 m² gap); 21 drawn 0.4 m into 12 (400 m²)."""
    sliver = box(X0 + 1000, Y0 + 100, X0 + 1000.5, Y0 + 900)
    return squares(a12=box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000).difference(sliver),
                   a21=box(X0 + 1999.6, Y0, X0 + 3000, Y0 + 1000))


def test_a_gap_and_an_overlap_stop_the_setup_with_where_they_are(root, capsys):
    assert setup(root, _gap_and_overlap()) == 1
    found = errors(capsys)
    where = f"{root / 'teile.gpkg'}, Spalte geometry: "
    assert len(found) == 2
    assert re.fullmatch(re.escape(where) + r"Flächen 12 „Neustadt“ und 21 „Hafen“ überlappen sich \(400 m², größtes Stück "
                        r"bei 527000, 60705\d\d\); Gebiete einer Ebene dürfen sich nicht überdecken\. Bitte im GIS "
                        r"berichtigen oder mit --bereinigen schmale Überlappungen entfernen lassen\.", found[0]), found[0]
    assert re.fullmatch(re.escape(where) + r"Zwischen 11 „Altstadt“ und 12 „Neustadt“ liegt eine Lücke \(400 m², größte bei "
                        r"526000, 607\d{4}\), die zu keinem Gebiet gehört\. Bitte im GIS schließen oder mit --bereinigen "
                        r"schmale Lücken dem Nachbarn mit der längsten gemeinsamen Grenze zuschlagen lassen\.", found[1]), found[1]


def test_bereinigen_closes_thin_gaps_and_overlaps_and_says_what_moved(root, capsys):
    assert setup(root, _gap_and_overlap(), "--bereinigen") == 0
    out = capsys.readouterr().out
    assert ("  bereinigt (Toleranz 1 m): 2 Gebiet(e) geändert.\n"
            "    12 „Neustadt“: 400 m² dazugenommen (Nachbarn: 11 „Altstadt“)\n"
            "    21 „Hafen“: 400 m² abgegeben (Nachbarn: 12 „Neustadt“)\n") in out
    written = gpd.read_file(root / "data" / "teststadt" / "geo" / "stadtteile.geojson").set_index("code")
    assert written.geometry.area.round(2).to_dict() == {"11": 1_000_000.0, "12": 1_000_000.0, "21": 1_000_000.0}
    assert boundary_checks.gaps(written.reset_index()) == [] and boundary_checks.overlaps(written.reset_index()) == []


def test_a_gap_wider_than_the_tolerance_stays_and_stops(root, capsys):
    assert setup(root, _gap_and_overlap(), "--bereinigen", "--toleranz", "0.45") == 1
    captured = capsys.readouterr()
    assert "    21 „Hafen“: 400 m² abgegeben (Nachbarn: 12 „Neustadt“)\n" in captured.out
    found = [line.strip() for line in captured.err.splitlines()[1:]]
    assert len(found) == 1 and "Zwischen 11 „Altstadt“ und 12 „Neustadt“ liegt eine Lücke (400 m²" in found[0]


def test_invalid_geometry_stops_unless_repaired(root, capsys):
    # 21's ring runs back along its own bottom edge: a self-intersection, as a careless edit leaves it
    bowtie = shapely.Polygon([(X0 + 2000, Y0), (X0 + 3000, Y0), (X0 + 3000, Y0 + 1000), (X0 + 2000, Y0 + 1000),
                              (X0 + 2000, Y0 + 2), (X0 + 2002, Y0), (X0 + 2001, Y0)])
    assert not bowtie.is_valid
    assert setup(root, squares(a21=bowtie)) == 1
    found = errors(capsys)
    assert len(found) == 1 and found[0].startswith(f"{root / 'teile.gpkg'}, Spalte geometry: Fläche 21 „Hafen“ ist "
                                                   "geometrisch ungültig (")
    assert found[0].endswith("). Bitte im GIS reparieren (QGIS: Geometrien reparieren) oder mit --bereinigen reparieren "
                             "lassen (make_valid).")
    assert setup(root, squares(a21=bowtie), "--bereinigen") == 0
    assert "    21 „Hafen“: repariert (make_valid, Fläche " in capsys.readouterr().out


def test_parents_from_a_column_and_by_containment_with_an_unclear_share(root, capsys):
    assert setup(root, squares(), "--eltern-spalte", "BEZIRK", "--eltern-ebene", "Sozialraum") == 0
    table = pd.read_csv(root / "data" / "teststadt" / "areas.csv", dtype=str, keep_default_na=False)
    assert table[["level", "code", "parent_code"]].values.tolist() == [
        ["stadt", "01001000", ""], ["sozialraum", "1", "01001000"], ["sozialraum", "2", "01001000"],
        ["stadtteil", "11", "1"], ["stadtteil", "12", "1"], ["stadtteil", "21", "2"]]
    city_file = (root / "config" / "teststadt" / "city.yml").read_text(encoding="utf-8")
    assert "plural: Sozialräume\n    boundaries: sozialraeume" in city_file
    capsys.readouterr()
    # a parent file whose border cuts 12 at 60 %: assigned by the larger share, and said
    parents = gpd.GeoDataFrame({"BZ": ["N", "S"], "BZ_NAME": ["Nord", "Süd"]},
                               geometry=[box(X0, Y0, X0 + 1600, Y0 + 1000), box(X0 + 1600, Y0, X0 + 3000, Y0 + 1000)],
                               crs="EPSG:25832")
    parents.to_file(root / "bezirke.gpkg")
    assert setup(root, squares(), "--eltern-grenzen", str(root / "bezirke.gpkg"), "--eltern-code", "BZ", "--eltern-name",
                 "BZ_NAME", "--ersetzen") == 0
    out = capsys.readouterr().out
    assert (f"Hinweis: {root / 'teile.gpkg'}, Spalte geometry: Fläche 12 „Neustadt“ liegt nur zu 60 % in N „Nord“ "
            "(N „Nord“ 60 %, S „Süd“ 40 %); zugeordnet zu N „Nord“. Bitte prüfen (parent_code in areas.csv).\n") in out
    table = pd.read_csv(root / "data" / "teststadt" / "areas.csv", dtype=str, keep_default_na=False)
    assert table[["code", "name", "parent_code"]].values.tolist()[1:] == [
        ["N", "Nord", "01001000"], ["S", "Süd", "01001000"], ["11", "Altstadt", "N"], ["12", "Neustadt", "N"],
        ["21", "Hafen", "S"]]


def test_an_existing_city_is_never_overwritten_without_ersetzen(root, capsys):
    assert setup(root, squares()) == 0
    catalogue = root / "data" / "teststadt" / "catalogue.yml"
    catalogue.write_text("indicators: []\n", encoding="utf-8")
    before = (root / "data" / "teststadt" / "areas.csv").read_bytes()
    capsys.readouterr()
    assert setup(root, squares(), "--eltern-praefix", "1") == 1
    assert errors(capsys) == [
        "Die Stadt teststadt gibt es schon (config/teststadt/, data/teststadt/). Es wird nichts überschrieben. Um sie neu "
        "anzulegen, mit --ersetzen aufrufen: ersetzt werden nur city.yml, monitoring.yml, areas.csv und die Grenzdateien "
        "dieses Befehls; Katalog und Beobachtungen bleiben."]
    assert (root / "data" / "teststadt" / "areas.csv").read_bytes() == before
    assert setup(root, squares(), "--eltern-praefix", "1", "--ersetzen") == 0
    assert (root / "data" / "teststadt" / "areas.csv").read_bytes() != before
    assert catalogue.read_text(encoding="utf-8") == "indicators: []\n"
    assert not list(root.glob(".stadt-neu.*"))  # the staging folder is gone


def test_a_missing_file_and_two_features_with_one_code_are_refused(root, capsys):
    assert city_setup.main(["teststadt", "--grenzen", str(root / "fehlt.shp"), "--code", "AREA_ID", "--name", "AREA_NAME",
                            "--gemeindeschluessel", "01001000", "--ordner", str(root)]) == 1
    assert errors(capsys) == [f"{root / 'fehlt.shp'}: Datei nicht gefunden. Bitte den Pfad prüfen (Shapefile, "
                              "GeoPackage, GeoJSON oder ein .zip mit einem Shapefile)."]
    twice = squares()
    twice.loc[2, "AREA_ID"] = "12"
    assert setup(root, twice) == 1
    assert errors(capsys) == [f"{root / 'teile.gpkg'}: Code 12 steht in 2 Objekten (2, 3); ein Gebiet aus mehreren Teilen "
                              "bitte zu einem Objekt zusammenfassen (z. B. QGIS: Auflösen nach der Spalte AREA_ID) oder "
                              "die Codes berichtigen."]


def test_the_command_line_runs_stadt_neu(root, monkeypatch, capsys):
    monkeypatch.setenv(context.CITY_ENV, "")
    squares().to_file(root / "teile.geojson", driver="GeoJSON")
    code = cli.main(["stadt", "neu", "teststadt", "--grenzen", str(root / "teile.geojson"), "--code", "AREA_ID",
                     "--name", "SPALTE_FEHLT", "--gemeindeschluessel", "01001000", "--ordner", str(root)])
    assert code == 1
    assert errors(capsys) == [f"{root / 'teile.geojson'}: Spalte SPALTE_FEHLT gibt es nicht; vorhanden: AREA_ID, "
                              "AREA_NAME, BEZIRK. Bitte die Spaltennamen berichtigen (--code, --name, --eltern-spalte)."]
    with pytest.raises(SystemExit) as ended:
        cli.main(["stadt", "neu", "Test Stadt", "--grenzen", "x.shp", "--code", "A", "--name", "B"])
    assert ended.value.code == 2
    assert ("Fehler: Name 'Test Stadt': erlaubt sind Kleinbuchstaben a–z, Ziffern und _, am Anfang ein Buchstabe "
            "(z. B. musterstadt).") in capsys.readouterr().err


def test_check_city_finds_the_same_defects_in_the_committed_boundaries(root, capsys):
    assert setup(root, squares()) == 0
    target = root / "data" / "teststadt" / "geo" / "stadtteile.geojson"
    committed = gpd.read_file(target)
    where = "data/teststadt/geo/stadtteile.geojson"

    def geometry_problems(layer: gpd.GeoDataFrame) -> list[str]:
        target.unlink()
        layer.to_file(target, driver="GeoJSON")
        return [str(p) for p in citycheck.check(root, "teststadt") if p.where.file == where]

    assert geometry_problems(committed.to_crs("EPSG:4326")) == [
        f"{where}, Spalte geometry: Die Grenzen sind in Grad (EPSG:4326 (WGS 84)) gespeichert: Karten wären gestaucht, "
        "Flächen und Maßstab falsch. Bitte in ein metrisches System umprojizieren (EPSG:25832 oder EPSG:25833), z. B. mit "
        "integrationsmonitoring stadt neu."]
    shifted = committed.copy()
    shifted["geometry"] = committed.geometry.translate(xoff=2_000_000)
    found = geometry_problems(shifted)
    assert len(found) == 1 and found[0].startswith(f"{where}: Die Flächen liegen mit dem angegebenen Koordinatensystem "
                                                   "EPSG:25832 (ETRS89 / UTM zone 32N) nicht in Deutschland")
    assert "--crs-korrektur ostwert-2000000" in found[0]
    gap = _gap_and_overlap().rename(columns={"AREA_ID": "code", "AREA_NAME": "name"})[["code", "name", "geometry"]]
    found = geometry_problems(gap)
    assert [line.split(" (")[0] for line in found] == [f"{where}, Spalte geometry: Flächen 12 und 21 überlappen sich",
                                                       f"{where}, Spalte geometry: Zwischen 11 und 12 liegt eine Lücke"]
    assert found[1].endswith("die zu keinem Gebiet gehört. Bitte die Grenzen berichtigen (im GIS, oder neu einlesen mit "
                             "integrationsmonitoring stadt neu … --bereinigen --ersetzen).")


def test_slivers_below_the_threshold_are_said_and_tolerated(root, capsys):
    # a gap of 0.1 m x 500 m = 50 m² between 11 and 12: digitising noise, at most SLIVER_M2 per piece
    sliver = box(X0 + 1000, Y0 + 250, X0 + 1000.1, Y0 + 750)
    assert boundary_checks.SLIVER_M2 == 100.0
    assert setup(root, squares(a12=box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000).difference(sliver))) == 0
    assert ("  hingenommen (je höchstens 100 m²): 1 kleine Lücke(n) (50 m²); "
            "--bereinigen beseitigt sie.\n") in capsys.readouterr().out


def test_without_a_terminal_the_gemeindeschluessel_must_be_given(root, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    squares().to_file(root / "teile.gpkg")
    assert city_setup.main(["teststadt", "--grenzen", str(root / "teile.gpkg"), "--code", "AREA_ID", "--name",
                            "AREA_NAME", "--ordner", str(root)]) == 1
    assert errors(capsys) == ["Der Gemeindeschlüssel fehlt: bitte --gemeindeschluessel mit 8 Ziffern angeben (z. B. "
                              "01001000; Gemeindeverzeichnis des Statistischen Bundesamts)."]


def test_at_a_terminal_a_missing_file_is_said_before_the_gemeindeschluessel_is_asked(root, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail(f"asked {prompt!r} before the file was read"))
    assert city_setup.main(["teststadt", "--grenzen", str(root / "fehlt.shp"), "--code", "AREA_ID", "--name",
                            "AREA_NAME", "--ordner", str(root)]) == 1
    assert "fehlt.shp" in capsys.readouterr().err


def test_without_a_terminal_a_missing_gemeindeschluessel_is_said_with_the_boundaries_problems(root, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert city_setup.main(["teststadt", "--grenzen", str(root / "fehlt.shp"), "--code", "AREA_ID", "--name",
                            "AREA_NAME", "--ordner", str(root)]) == 1
    said = errors(capsys)
    assert len(said) == 2 and "fehlt.shp" in said[0] and said[1].startswith("Der Gemeindeschlüssel fehlt")


@pytest.mark.parametrize(("lon", "lat", "inside"), [
    (6.08, 50.78, True), (14.99, 51.15, True), (9.17, 47.66, True), (8.43, 55.02, True), (14.19, 53.94, True),
    (13.46, 48.57, True), (10.28, 47.41, True), (13.0, 47.63, True), (9.44, 54.79, True),  # border towns of Germany
    (6.41, 54.76, False), (2.35, 48.86, False), (4.9, 52.37, False), (16.37, 48.21, False), (12.57, 55.68, False),
])
def test_the_outline_of_germany_keeps_border_towns_and_refuses_neighbours(lon, lat, inside):
    from helpers.intake import boundary_crs

    point = gpd.GeoDataFrame({"code": ["x"]}, geometry=[box(lon, lat, lon + 0.01, lat + 0.01)], crs="EPSG:4326")
    assert (boundary_crs.outside(point) == []) is inside


def test_a_zipped_shapefile_is_read_and_an_archive_with_two_is_refused(root, capsys):
    import zipfile

    folder = root / "export"
    folder.mkdir()
    squares().to_file(folder / "Teile.shp")
    with zipfile.ZipFile(root / "teile.zip", "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    assert setup(root, squares(), file="teile.zip") == 0
    assert capsys.readouterr().out.startswith(f"Gelesen: {root / 'teile.zip'}: 3 Flächen, Koordinatensystem EPSG:25832")
    squares().to_file(folder / "Andere.geojson", driver="GeoJSON")
    with zipfile.ZipFile(root / "zwei.zip", "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    assert setup(root, squares(), "--ersetzen", file="zwei.zip") == 1
    assert errors(capsys) == [f"{root / 'zwei.zip'}: das Archiv enthält 2 Grenzdateien (Andere.geojson, Teile.shp); "
                              "erwartet genau eine (.shp mit .dbf/.shx/.prj, .gpkg oder .geojson). Bitte die gewünschte "
                              "Datei auspacken und direkt angeben."]


def test_bereinigen_does_not_hand_a_wide_overlap_to_one_side(root, capsys):
    # 21 drawn 5 m into 12 (5.000 m²): a disagreement about the border, not a sliver of a 1 m tolerance
    wide = squares(a21=box(X0 + 1995, Y0, X0 + 3000, Y0 + 1000))
    assert setup(root, wide, "--bereinigen") == 1
    captured = capsys.readouterr()
    assert "  bereinigt (Toleranz 1 m): nichts zu ändern.\n" in captured.out
    found = [line.strip() for line in captured.err.splitlines()[1:]]
    assert len(found) == 1 and "Flächen 12 „Neustadt“ und 21 „Hafen“ überlappen sich (5.000 m²" in found[0]


def test_codes_as_plain_numbers_and_names_without_their_number(root, capsys):
    numbered = squares()
    numbered["AREA_ID"] = ["STGT01", "STGT02", "STGT10"]
    numbered["AREA_NAME"] = ["01 Altstadt", "02 Neustadt", "Hafen"]
    assert setup(root, numbered, "--code-nur-ziffern", "--name-ohne-nummer") == 0
    table = pd.read_csv(root / "data" / "teststadt" / "areas.csv", dtype=str, keep_default_na=False)
    assert table[["code", "name", "aliases"]].values.tolist()[1:] == [
        ["1", "Altstadt", "01 Altstadt"], ["2", "Neustadt", "02 Neustadt"], ["10", "Hafen", ""]]
    assert gpd.read_file(root / "data" / "teststadt" / "geo" / "stadtteile.geojson")["code"].tolist() == ["1", "2", "10"]
    capsys.readouterr()
    numbered["AREA_ID"] = ["STGT01", "STBZ01", "STGT10"]
    (root / "teile.gpkg").unlink()
    assert setup(root, numbered, "--code-nur-ziffern", "--ersetzen") == 1
    assert errors(capsys) == [f"{root / 'teile.gpkg'}: mit --code-nur-ziffern hätten mehrere Flächen denselben Code "
                              "(1: STGT01, STBZ01); bitte ohne die Option."]
