"""The ingest commit under crashes: a kill at any write step leaves exactly the old or the new state.

Fault injection, not random kills: a forked child runs the ingest with its k-th file-system write
step (os.replace, os.unlink, rmtree, writing a file) replaced by os._exit(137) – what a kill -9 or a
power cut does at that moment – for k = 1, 2, … until the ingest runs through. After each crash the
store must read as exactly the previous or exactly the new state, and the next ingest must clean up,
say so, and end with exactly the new state.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from faults import CRASHED, run_crashing_at
from helpers.core import fileio, observations, paths, storelock
from helpers.core import store as core_store
from helpers.intake import ingest, storage

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fault injection forks the process")
HEADER = "Jahr;Gebiet-Nr;Gebiet;Merkmal;Geschlecht;Herkunft;Alter;Wert;Zeichen\n"
FIRST = HEADER + "2014;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;37;\n"  # revises sms.csv's 36
SECOND = HEADER + ("2014;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;38;\n"  # revises the first delivery
                   "2014;12;Überwasser;unemployed;insgesamt;insgesamt;insgesamt;23;\n")


def _ingest_in_child(path: Path, at: int) -> int:
    """Run `ingest --revise path` in a forked child that crashes at write step `at`; its exit code."""
    return run_crashing_at(lambda: ingest.main([str(path), "--revise"]), at)


def _state(root: Path) -> dict:
    """What readers see: observations, committed logs (without times), raw files and their checksums."""
    observations.clear_cache()
    store = core_store.Store.current()
    log = core_store.committed_log(store).drop(columns=["time"])
    revisions = core_store.committed_revisions(store).drop(columns=["time"])
    raw = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((paths.DATA / "raw").rglob("*")) if p.is_file()}
    frame = observations.observations().sort_values(["year", "area_code", "measure", "sex", "origin", "age", "area_level"])
    return {"observations": frame.reset_index(drop=True).to_csv(), "log": log.to_csv(), "revisions": revisions.to_csv(),
            "raw": raw}


def _readers(state: dict) -> dict:
    return {k: v for k, v in state.items() if k != "raw"}


#: The lock files stay (deleting a lock file races with its next holder); they hold nothing.
LOCKS = {f"data/{paths.CITY}/{storelock.INGEST_LOCK}", f"data/{paths.CITY}/{storelock.STORE_LOCK}"}


def _leftovers(root: Path) -> list[str]:
    return sorted(set(p.relative_to(root).as_posix() for p in (root / "data").rglob(".*")) - LOCKS)


def _raw_matches_checksums(root: Path) -> bool:
    raw = paths.DATA / "raw"
    files = {p.relative_to(raw).as_posix() for p in raw.rglob("*") if p.is_file() and p.name != "SHA256SUMS"}
    if not files:
        return True
    listed = dict(reversed(line.split("  ", 1)) for line in (raw / "SHA256SUMS").read_text().splitlines())
    return set(listed) == files and all(fileio.sha256_file(raw / f) == sha for f, sha in listed.items())


@pytest.mark.slow
def test_a_crash_at_any_write_step_leaves_the_old_or_the_new_state(root, tmp_path, capsys):
    first, second = tmp_path / "lieferung_1.csv", tmp_path / "lieferung_2.csv"
    first.write_text(FIRST, encoding="utf-8")
    second.write_text(SECOND, encoding="utf-8")
    assert ingest.main([str(first), "--revise"]) == 0
    start = tmp_path / "start"
    shutil.copytree(paths.DATA, start)
    old = _state(root)

    def reset() -> None:
        shutil.rmtree(paths.DATA)
        shutil.copytree(start, paths.DATA)

    assert _ingest_in_child(second, at=10**6) == 0  # the whole run, to know the new state
    new = _state(root)
    assert new != old and _leftovers(root) == []

    crashes = 0
    for at in range(1, 200):
        reset()
        code = _ingest_in_child(second, at)
        if code == 0:
            break
        assert code == CRASHED
        crashes += 1
        seen = _state(root)
        readers = {k: v for k, v in seen.items() if k != "raw"}
        assert readers in (_readers(old), _readers(new)), f"Absturz bei Schreibschritt {at}: weder alter noch neuer Stand"
        pending = (paths.DATA / storage.JOURNAL).exists()  # the raw files move one by one after the commit point
        assert seen["raw"] in (old["raw"], new["raw"]) or pending, f"Schritt {at}: Rohdateien ohne Journal gemischt"
        assert _raw_matches_checksums(root) or pending, at
        capsys.readouterr()
        assert ingest.main([str(second), "--revise"]) == 0, f"Schritt {at}: das nächste Einlesen scheitert"
        said = capsys.readouterr().out
        assert _state(root) == new, f"Schritt {at}: nach dem nächsten Einlesen nicht der neue Stand"
        assert _leftovers(root) == [], f"Schritt {at}: {_leftovers(root)}"
        assert _raw_matches_checksums(root)
        if readers == _readers(new):  # committed before the crash: the next run completed it or found it done
            assert "bereits eingelesen" in said or "abgeschlossen" in said, said
    else:
        pytest.fail("das Einlesen kam nie ohne Absturz durch")
    assert crashes >= 12  # staging five files, the journal, five moves, clean-up: every one was hit


def test_a_pending_journal_is_completed_by_the_next_ingest_and_said(root, tmp_path, capsys):
    path = tmp_path / "lieferung.csv"
    path.write_text(FIRST, encoding="utf-8")
    real_apply = storage._apply_journal
    storage._apply_journal = lambda store: 0  # crash right after the commit point
    try:
        assert ingest.main([str(path), "--revise"]) == 0
    finally:
        storage._apply_journal = real_apply
    assert (paths.DATA / storage.JOURNAL).exists()
    observations.clear_cache()
    assert observations.observations()[lambda f: (f["year"] == 2014) & (f["area_code"] == "11") & (f["measure"] == "unemployed")
                                       & (f["sex"] == "total") & (f["origin"] == "total")]["value"].tolist() == [36]
    capsys.readouterr()
    assert ingest.main([str(path), "--revise"]) == 0
    out = capsys.readouterr().out
    assert "Unterbrochenes Einlesen vom" in out and "abgeschlossen (5 Datei(en) an ihren Platz gebracht)" in out
    assert "bereits eingelesen" in out  # the completed ingest counts; the file is not read twice
    assert _leftovers(root) == []


def test_a_stale_temporary_file_is_removed_and_named(root, tmp_path, capsys):
    stale = paths.DATA / "observations" / ".deliveries.999999999.abcd1234.tmp.csv"
    stale.write_text("year\n2014\n")
    path = tmp_path / "lieferung.csv"
    path.write_text(FIRST, encoding="utf-8")
    assert ingest.main([str(path), "--revise"]) == 0
    out = capsys.readouterr().out
    assert ("Unvollständig geschriebene Datei eines abgebrochenen Laufs entfernt: "
            "observations/.deliveries.999999999.abcd1234.tmp.csv") in out
    assert not stale.exists()


def test_a_journal_whose_staged_file_is_lost_stops_with_a_german_message(root, tmp_path, capsys):
    path = tmp_path / "lieferung.csv"
    path.write_text(FIRST, encoding="utf-8")
    real_apply = storage._apply_journal
    storage._apply_journal = lambda store: 0
    try:
        assert ingest.main([str(path), "--revise"]) == 0
    finally:
        storage._apply_journal = real_apply
    shutil.rmtree(paths.DATA / storage.STAGING_DIR)
    capsys.readouterr()
    assert ingest.main([str(path), "--revise"]) == 1
    err = capsys.readouterr().err
    assert "das unterbrochene Einlesen vom" in err and "kann nicht abgeschlossen werden" in err
    assert "git checkout data/" in err
