"""Münster's open-data series: derived beyond the SMS years, equal to the SMS where both exist."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.core import paths
from helpers.sources.muenster import opendata

STADTTEILE = set(pd.read_csv(paths.DATA / "areas.csv", dtype=str).query("level == 'stadtteil'")["code"])


def _committed() -> pd.DataFrame:
    return pd.read_csv(paths.DATA / "observations" / "opendata.csv", dtype={"area_code": str})


def _sms() -> pd.DataFrame:
    return pd.read_csv(paths.DATA / "observations" / "sms.csv", dtype={"area_code": str, "flag": str},
                       keep_default_na=False, na_values={"value": [""]})


def _value(obs: pd.DataFrame, year: int, code: str, origin: str) -> int:
    hit = obs[(obs["year"] == year) & (obs["area_code"] == code) & (obs["origin"] == origin)
              & (obs["measure"] == "population") & (obs["sex"] == "total") & (obs["age"] == "total")]
    assert len(hit) == 1, (year, code, origin)
    return int(hit.iloc[0]["value"])


def test_committed_values_equal_the_source_lines_checked_by_hand():
    # bevoelkerungsindikatoren_migration_2006-2019.csv, 31.12.2019, 11 Aegidii: Ausländer 112,
    # persönliche MV 98, vererbte MV 45, ohne erkennbare MV 1245 -> mit MV 255, zusammen 1500;
    # wohnberechtigte_bevoelkerung_1999-2020.csv: 31.12.2019;11 Aegidii;…;1500, 2020: 1484, 1999 98 Amelsbüren: 4978
    obs = _committed()
    assert _value(obs, 2019, "11", "foreign") == 112
    assert _value(obs, 2019, "11", "german_mig_personal") == 98
    assert _value(obs, 2019, "11", "german_mig_inherited") == 45
    assert _value(obs, 2019, "11", "migration") == 255
    assert _value(obs, 2019, "11", "total") == 1500
    assert _value(obs, 2020, "11", "total") == 1484
    assert _value(obs, 1999, "98", "total") == 4978
    assert set(obs.loc[obs["origin"] == "total", "year"]) == {1999, *range(2015, 2021)}
    assert set(obs.loc[obs["origin"] == "migration", "year"]) == set(range(2015, 2020))
    assert obs["source"].str.startswith("Stadt Münster, Open Data: ").all()
    assert obs.loc[obs["origin"] == "migration", "source"].str.contains("abgeleitet: migration = ").all()
    assert not obs["synthetic"].any() and len(obs) == 45 * (7 + 4 * 5)


def test_the_open_data_never_repeat_a_cell_the_sms_hold():
    key = ["year", "area_level", "area_code", "measure", "sex", "origin", "age"]
    both = _committed().merge(_sms(), on=key)
    assert both.empty


def test_no_difference_between_open_data_and_sms_was_recorded():
    checks = pd.read_csv(paths.DATA / "opendata_checks.csv")
    assert list(checks.columns) == opendata.CHECK_COLUMNS and checks.empty


def test_every_overlapping_cell_agrees_with_the_sms(muenster_source):
    """Read independently of the module: 45 Stadtteile x (total 2000-2014 + four groups 2006-2014)."""
    mig = pd.read_csv(muenster_source / opendata.MIGRATION_FILE, dtype=str)
    pop = pd.read_csv(muenster_source / opendata.POPULATION_FILE, sep=";", dtype=str)
    groups = {"Ausländer": "foreign", "Deutsche mit persönlicher Migrationsvorgeschichte": "german_mig_personal",
              "Deutsche mit vererbter Migrationsvorgeschichte": "german_mig_inherited"}
    cells = []
    for frame, mapping in [(mig, groups), (pop, {"Wohnberechtigte Bevölkerung": "total"})]:
        rows = frame[frame["MERKMAL"].isin(mapping)]
        cells.append(pd.DataFrame({"year": rows["ZEIT"].str[-4:].astype(int), "area_code": rows["RAUM"].str[:2],
                                   "origin": rows["MERKMAL"].map(mapping), "value": rows["WERT"].astype(int)}))
    cells = pd.concat(cells)
    summed = cells[cells["origin"].isin(groups.values())].groupby(["year", "area_code"])["value"].sum()
    cells = pd.concat([cells, summed.rename("value").reset_index().assign(origin="migration")])
    sms = _sms().query("measure == 'population' and area_level == 'stadtteil' and sex == 'total' and age == 'total'")
    both = cells.merge(sms[["year", "area_code", "origin", "value"]], on=["year", "area_code", "origin"],
                       suffixes=("_open", "_sms"))
    assert len(both) == 45 * (15 + 4 * 9)
    assert (both["value_open"] == both["value_sms"]).all(), both[both["value_open"] != both["value_sms"]]
    derived = opendata.derive(muenster_source, _sms(), STADTTEILE)
    assert derived.compared == len(both)
    assert derived.checks.empty


def test_the_derivation_reproduces_the_committed_file(muenster_source, tmp_path):
    out = tmp_path / "data"
    (out / "observations").mkdir(parents=True)
    shutil.copy(paths.DATA / "areas.csv", out)
    shutil.copy(paths.DATA / "observations" / "sms.csv", out / "observations")
    assert opendata.main(["--src", str(muenster_source), "--out", str(out)]) == 0
    for name in ["observations/opendata.csv", "opendata_checks.csv"]:
        assert (out / name).read_bytes() == (paths.DATA / name).read_bytes(), name


# --- a source that does not fit --------------------------------------------------------------

def _source(tmp_path: Path, migration: str, population: str | None = None) -> Path:
    folder = tmp_path / "src" / "opendata"
    folder.mkdir(parents=True)
    (folder / Path(opendata.MIGRATION_FILE).name).write_text(migration, encoding="utf-8")
    (folder / Path(opendata.POPULATION_FILE).name).write_text(population or _population(), encoding="utf-8")
    return tmp_path / "src"


def _population(year: int = 2015, value: int = 100) -> str:
    return "ZEIT;RAUM;MERKMAL;WERT\r\n" + "".join(
        f"31.12.{year};{c} X;Wohnberechtigte Bevölkerung;{value}\r\n" for c in sorted(STADTTEILE))


def _migration(year: int = 2015, values: tuple[int, int, int, int] = (10, 20, 5, 65)) -> str:
    return "ZEIT,RAUM,MERKMAL,WERT\n" + "".join(
        f"31.12.{year},{c} X,{feature},{v}\n" for c in sorted(STADTTEILE)
        for feature, v in zip(opendata.MIGRATION_FEATURES, values))


def test_a_small_source_of_one_year_derives_the_groups_and_their_sum(tmp_path):
    derived = opendata.derive(_source(tmp_path, _migration()), _sms(), STADTTEILE)
    obs = derived.observations
    assert len(obs) == 45 * 5 and derived.compared == 0 and derived.checks.empty
    assert _value(obs, 2015, "11", "migration") == 35 and _value(obs, 2015, "11", "total") == 100


def test_groups_that_do_not_add_up_to_the_population_are_reported(tmp_path):
    derived = opendata.derive(_source(tmp_path, _migration(values=(10, 20, 5, 66))), _sms(), STADTTEILE)
    assert len(derived.checks) == 45
    row = derived.checks.iloc[0]
    assert (row["opendata_value"], row["compared_value"]) == (101, 100)
    assert row["kept"] == opendata.POPULATION_DATASET


def test_a_value_differing_from_the_sms_is_reported_and_the_sms_value_kept(tmp_path):
    sms = _sms()
    printed = _value(sms, 2014, "11", "foreign")
    migration = _migration(2014).replace("31.12.2014,11 X,Ausländer,10\n", f"31.12.2014,11 X,Ausländer,{printed + 7}\n")
    derived = opendata.derive(_source(tmp_path, migration, _population(2014)), sms, STADTTEILE)
    wrong = derived.checks[(derived.checks["area_code"] == "11") & (derived.checks["origin"] == "foreign")]
    assert len(wrong) == 1
    assert (wrong.iloc[0]["opendata_value"], wrong.iloc[0]["compared_value"], wrong.iloc[0]["kept"]) == \
        (printed + 7, printed, "SMS")
    assert derived.observations[derived.observations["year"] == 2014].empty  # nothing stored over the SMS


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("31.12.2015,11 X,Ausländer,10", "2015,11 X,Ausländer,10"),
     r"bevoelkerungsindikatoren_migration_2006-2019\.csv, Zeile 2, Spalte ZEIT: '2015' ist nicht ein Stichtag"),
    (lambda t: t.replace("31.12.2015,11 X,Ausländer,10", "31.12.2015,11 X,Ausländer,1.234"),
     r"Zeile 2, Spalte WERT: '1\.234' ist nicht eine ganze Zahl"),
    (lambda t: t.replace("31.12.2015,11 X,Ausländer,10", "31.12.2015,19 X,Ausländer,10"),
     r"Zeile 2, Spalte RAUM: Stadtteil '19 X' steht nicht in data/muenster/areas\.csv"),
    (lambda t: t.replace("31.12.2015,11 X,Ausländer,10", "31.12.2015,11 X,Staatenlose,10"),
     r"Zeile 2, Spalte MERKMAL: unbekanntes Merkmal 'Staatenlose'"),
    (lambda t: t + "31.12.2015,11 X,Ausländer,10\n", r"Zeilen 2, 182: derselbe Wert \(Ausländer, 11, 2015\) zweimal"),
    (lambda t: "\n".join(line for line in t.split("\n") if not line.startswith("31.12.2015,12 X,Ausländer")),
     r"für 31\.12\.2015 fehlt 'Ausländer' für Stadtteil 12 \(1 Werte fehlen\)"),
    (lambda t: t.replace("ZEIT,RAUM", "Jahr,Raum"), r"Spalten \['Jahr', 'Raum', 'MERKMAL', 'WERT'\]"),
])
def test_a_source_that_does_not_fit_is_refused_with_file_line_and_column(tmp_path, edit, message):
    with pytest.raises(opendata.OpenDataError, match=message):
        opendata.derive(_source(tmp_path, edit(_migration())), _sms(), STADTTEILE)


def test_the_command_refuses_without_the_sms_data_first(tmp_path, capsys):
    assert opendata.main(["--src", str(tmp_path), "--out", str(tmp_path / "data")]) == 2
    assert "sms.csv fehlt" in capsys.readouterr().err
