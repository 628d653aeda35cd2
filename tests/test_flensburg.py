"""Flensburg, the third real city, set up without code: only `stadt neu`, `stadt daten`, a mapping and settings.

The committed data/flensburg/ and config/flensburg/ are what the README's walkthrough ("Flensburg: eine Stadt aus
ihren eigenen Dateien") wrote from ../shared/data/flensburg, plus the office's own edits (the citation in
city.yml, a note in the catalogue). The hand-checked shares pin the numbers; where the source material is at
hand, the same two commands in an empty folder must give the committed files byte for byte.
"""

from __future__ import annotations

import hashlib
import shutil

import pytest
import yaml

from conftest import MUENSTER_SOURCE
from helpers.core import context
from helpers.indicators import compute
from helpers.intake import city_data, city_setup, citycheck
from roots import pointed_at

CITY = "flensburg"
REPO_DATA = context.REPOSITORY / "data" / CITY
SOURCE = MUENSTER_SOURCE.parent / CITY
TIDY = "flensburg_sozialatlas_tidy_DERIVED.csv"
#: The committed mapping: the user's own file, kept by `stadt daten` beside the raw copy.
MAPPING = REPO_DATA / "raw" / "2022" / "flensburg_sozialatlas_tidy_DERIVED.zuordnung.yml"
#: The walkthrough's `stadt neu` (README, "Flensburg als Probe").
SETUP = ["--code", "AREA_ID", "--name", "AREA_NAME", "--code-nur-ziffern", "--name-ohne-nummer",
         "--gemeindeschluessel", "01001000", "--amtlicher-name", "Stadt Flensburg", "--konzept", "migrationshintergrund",
         "--quelle-grenzen", "Stadt Flensburg, Stabsstelle Statistik: Stadtteile (über OK Lab Flensburg, "
         "open-social-map)"]


@pytest.fixture
def flensburg(tmp_path, monkeypatch):
    """The committed Flensburg, helpers.core.paths pointed at it, outputs in a temporary folder."""
    with pointed_at(context.REPOSITORY, tmp_path / "outputs", monkeypatch, CITY):
        yield


def _share(level: str, code: str) -> float:
    values = compute.values("mh_anteil", level)
    return float(values[(values.year == 2022) & (values.group == "total") & (values.area_code == code)]["value"].iloc[0])


def test_hand_checked_shares_with_migration_background_2022(flensburg):
    # Sozialatlas 2022: persons with MH of foreign and of German citizenship, residents (Haupt-/alleinige Wohnung)
    assert _share("stadt", "01001000") == pytest.approx(100 * (18_222 + 12_619) / 99_341)  # 31,05 %
    assert _share("stadtteil", "1") == pytest.approx(100 * (1_057 + 382) / 3_907)  # Altstadt 36,83 %
    assert _share("stadtteil", "3") == pytest.approx(100 * (4_249 + 1_675) / 12_532)  # Nordstadt 47,27 %


def test_the_committed_city_passes_its_check(flensburg):
    assert citycheck.errors(citycheck.check(context.REPOSITORY, CITY)) == []


def test_captions_cite_the_source_the_mapping_names_not_the_file(flensburg):
    from helpers.core import city as city_profile
    from helpers.core import observations

    cited = observations.cited_sources("population", ["total", "migration"], [2022])
    assert city_profile.citation(cited) == "Stadt Flensburg, Sozialatlas (übertragen vom OK Lab Flensburg, open-social-map)"


def test_the_two_commands_rederive_the_committed_files(tmp_path, monkeypatch, capsys):
    if not (SOURCE / TIDY).is_file():
        pytest.skip(f"Quellmaterial {SOURCE} nicht vorhanden")
    root = tmp_path / "root"
    (root / "config").mkdir(parents=True)
    shutil.copy(context.REPOSITORY / context.SHARED_CONFIG, root / "config" / "monitoring.yml")
    assert city_setup.main([CITY, "--grenzen", str(SOURCE / "flensburg_stadtteile.zip"), *SETUP,
                            "--ordner", str(root)]) == 0
    files = tmp_path / "dateien"
    files.mkdir()
    shutil.copy(SOURCE / TIDY, files / TIDY)
    shutil.copy(MAPPING, files / MAPPING.name)
    with pointed_at(root, tmp_path / "outputs", monkeypatch, CITY):
        assert city_data.main([CITY, str(files / TIDY)]) == 1  # one jump (Tarup 2020) to confirm
        said = capsys.readouterr()
        assert "Zeile 1208, Spalte „value“: großer Sprung" in said.out + said.err
        assert city_data.main([CITY, str(files / TIDY), "--bestaetigen"]) == 0
    made = root / "data" / CITY
    for name in ("areas.csv", "geo/stadtteile.geojson", "observations/deliveries.csv"):
        assert (made / name).read_bytes() == (REPO_DATA / name).read_bytes(), name
    ours, theirs = (yaml.safe_load((d / "catalogue.yml").read_text(encoding="utf-8")) for d in (made, REPO_DATA))
    formula = ("id", "numerator", "denominator", "scale", "level", "handlungsfeld")
    assert [{k: i.get(k) for k in formula} for i in ours["indicators"]] == [
        {k: i.get(k) for k in formula} for i in theirs["indicators"]]


def test_the_raw_copy_of_the_shared_file_is_kept_out_and_named_by_its_checksum():
    """The delivery's raw copy would be ../shared's file itself: it stays out of the repository (.gitignore), the
    mapping beside it is committed, and raw/SHA256SUMS names the file by its checksum, the source file's."""
    ignored = (context.REPOSITORY / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert f"/data/{CITY}/raw/*/{TIDY}" in ignored
    assert MAPPING.is_file()
    sums = dict(line.split("  ")[::-1] for line in (REPO_DATA / "raw" / "SHA256SUMS").read_text().splitlines())
    assert sums[f"2022/{TIDY}"] == "8b5a58f253442c2d6eca6e1be6fd2006761673302040d3fcbf75992402a67fe1"
    if (SOURCE / TIDY).is_file():
        assert sums[f"2022/{TIDY}"] == hashlib.sha256((SOURCE / TIDY).read_bytes()).hexdigest()
