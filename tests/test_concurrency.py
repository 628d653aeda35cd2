"""Commands on one data folder at the same time: ingest against ingest, ingest against a reader.

Every command runs in a process of its own (forked, so it sees the test's data folder), started
together at a barrier. The race window is widened where it matters: the commit pauses before it
moves deliveries.csv into place – the last of its moves, when the journal is written and the logs
are already replaced – until the test lets it go on. The waits are bounded (IM_LOCK_WAIT).
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.core import observations, paths, storelock
from helpers.core import store as core_store
from helpers.intake import ingest, storage
from helpers.runner import report

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not hasattr(os, "fork"), reason="the commands run in forked processes")]
FORK = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
HEADER = "Jahr;Gebiet-Nr;Gebiet;Merkmal;Geschlecht;Herkunft;Alter;Wert;Zeichen\n"
AEGIDII = HEADER + "2015;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;37;\n"
UEBERWASSER = HEADER + "2015;12;Überwasser;unemployed;insgesamt;insgesamt;insgesamt;23;\n"
REVISING = HEADER + "2014;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;37;\n"  # sms.csv has 36
AEGIDII_OTHER = HEADER + "2015;11;Aegidii;unemployed;insgesamt;insgesamt;insgesamt;39;\n"
PATIENCE_S = 30  # what a test waits at most for a process before it fails (never reached when all is well)


def _delivery(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _state() -> str:
    """What a reader sees: the checksum of all observations, sorted (one read: two reads, of the observations and
    then of the log, may straddle a commit – which is why a report build holds the store)."""
    observations.clear_cache()
    frame = observations.observations().sort_values(["year", "area_level", "area_code", "measure", "sex", "origin", "age"])
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def _values_2015() -> dict[str, int]:
    observations.clear_cache()
    obs = observations.observations()
    rows = obs[(obs["year"] == 2015) & (obs["measure"] == "unemployed") & (obs["sex"] == "total")
               & (obs["origin"] == "total") & (obs["age"] == "total")]
    return {r.area_code: int(r.value) for r in rows.itertuples()}


def _aegidii_2014() -> tuple[int, str]:
    obs = observations.observations()
    row = obs[(obs["year"] == 2014) & (obs["area_code"] == "11") & (obs["measure"] == "unemployed")
              & (obs["sex"] == "total") & (obs["origin"] == "total") & (obs["age"] == "total")]
    assert len(row) == 1
    return int(row["value"].iloc[0]), str(row["flag"].iloc[0])


def _text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _eventually(condition: Callable[[], bool]) -> bool:
    """Whether `condition` holds within PATIENCE_S (polled): for what a child process says when it gets there."""
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _in_process(target: Callable[..., object], *args: object) -> multiprocessing.Process:
    process = FORK.Process(target=target, args=args, daemon=True)
    process.start()
    return process


def _ingest(argv: list[str], out: Path, start, pause_before_deliveries=None, go_on=None) -> None:  # noqa: ANN001 - events
    """A child: `make ingest` with `argv` once `start` lets it; its messages into `out`, its exit code as its own.

    `pause_before_deliveries`: set when the commit is about to move deliveries.csv into place, which then
    waits for `go_on` (None: a short pause there, so that a second ingest finds the first at work)."""
    real_replace = storage.replace_file

    def replace(source: Path, target: Path) -> None:
        if Path(target).name == "deliveries.csv":
            if pause_before_deliveries is None:
                time.sleep(0.3)
            else:
                pause_before_deliveries.set()
                go_on.wait(PATIENCE_S)
        real_replace(source, target)

    storage.replace_file = replace
    code = 1
    with open(out, "w", encoding="utf-8") as stream, contextlib.redirect_stdout(stream), contextlib.redirect_stderr(stream):
        start.wait(PATIENCE_S)
        try:
            code = ingest.main(argv)
        finally:
            sys.stdout.flush()
            os._exit(code)


def _read_all_the_time(out: Path, start, stop) -> None:  # noqa: ANN001 - events
    """A child reader: the state of the store again and again until `stop`; each distinct one into `out`."""
    start.wait(PATIENCE_S)
    seen: list[str] = []
    while True:
        state = _state()
        if state not in seen:
            seen.append(state)
            out.write_text("\n".join(seen), encoding="utf-8")
        if stop.is_set():
            os._exit(0)


def _two_ingests(tmp_path: Path, first: str, second: str) -> tuple[list[int], list[str]]:
    """Start two ingests of different deliveries at the same moment; their exit codes and messages."""
    start = FORK.Barrier(3)
    files = [_delivery(tmp_path, "lieferung_a.csv", first), _delivery(tmp_path, "lieferung_b.csv", second)]
    outs = [tmp_path / "a.txt", tmp_path / "b.txt"]
    processes = [_in_process(_ingest, [str(f)], out, start) for f, out in zip(files, outs, strict=True)]
    start.wait(PATIENCE_S)
    for process in processes:
        process.join(PATIENCE_S)
    return [p.exitcode for p in processes], [out.read_text(encoding="utf-8") for out in outs]


def test_two_ingests_at_once_store_both_one_after_the_other(root, tmp_path, monkeypatch):
    monkeypatch.setenv(storelock.WAIT_ENV, str(PATIENCE_S))
    codes, said = _two_ingests(tmp_path, AEGIDII, UEBERWASSER)
    assert codes == [0, 0], said
    waited = [text for text in said if "Ein anderes Einlesen läuft (seit " in text]
    assert len(waited) == 1, said  # the second waited for the first, and said for whom …
    assert "warte bis zu" in waited[0] and "1 Werte neu" in waited[0]  # … and then stored
    assert _values_2015() == {"11": 37, "12": 23}  # both values, none lost
    log = core_store.committed_log(core_store.Store.current())
    assert sorted(log["file"]) == ["lieferung_a.csv", "lieferung_b.csv"]
    assert sorted(p.name for p in (paths.DATA / "raw" / "2015").iterdir()) == ["lieferung_a.csv", "lieferung_b.csv"]
    assert not (paths.DATA / storage.JOURNAL).exists() and not (paths.DATA / storage.STAGING_DIR).exists()


def test_the_second_of_two_ingests_checks_against_what_the_first_stored(root, tmp_path, monkeypatch):
    monkeypatch.setenv(storelock.WAIT_ENV, str(PATIENCE_S))
    codes, said = _two_ingests(tmp_path, AEGIDII, AEGIDII_OTHER)  # one key, two values: one of them is refused
    assert sorted(codes) == [0, 1], said
    stored, refused = (said[0], said[1]) if codes[0] == 0 else (said[1], said[0])
    winner = "lieferung_a.csv" if codes[0] == 0 else "lieferung_b.csv"
    assert "Ein anderes Einlesen läuft (seit " in refused and "Wert weicht vom bereits gespeicherten Wert ab" in refused
    assert f"aus „Lieferung raw/2015/{winner}" in refused  # checked against the first one's stored value
    assert "Nichts gespeichert: 1 Fehler" in refused and "1 Werte neu" in stored
    assert _values_2015() == {"11": 37 if winner == "lieferung_a.csv" else 39}  # the first's value, unmixed
    assert list(core_store.committed_log(core_store.Store.current())["file"]) == [winner]


def test_a_reader_during_a_commit_sees_the_state_before_it_and_then_the_one_after(root, tmp_path, monkeypatch):
    path = _delivery(tmp_path, "lieferung.csv", REVISING)  # a revision: deliveries.csv and the logs must agree
    before = _state()
    start, paused, go_on, stop = FORK.Barrier(3), FORK.Event(), FORK.Event(), FORK.Event()
    writer = _in_process(_ingest, [str(path), "--revise"], tmp_path / "ingest.txt", start, paused, go_on)
    reader = _in_process(_read_all_the_time, tmp_path / "seen.txt", start, stop)
    start.wait(PATIENCE_S)
    assert paused.wait(PATIENCE_S), "das Einlesen kam nie bis zum Verschieben von deliveries.csv"
    data = paths.DATA
    assert (data / storage.JOURNAL).exists()  # committed, the logs already moved, deliveries.csv not yet
    assert "lieferung.csv" in (data / "ingest_log.csv").read_text(encoding="utf-8")
    time.sleep(0.3)  # the reader reads on during the pause
    assert _state() == before and _aegidii_2014() == (36, "")  # a reader now (another process): exactly before
    monkeypatch.setenv(storelock.WAIT_ENV, "0.2")
    with pytest.raises(storelock.Busy, match="Ein Einlesen speichert seit über 0.2 s"):
        with storelock.reading(data, say=lambda text: None):  # a report build waits for the commit instead
            pass
    go_on.set()
    writer.join(PATIENCE_S)
    assert writer.exitcode == 0, (tmp_path / "ingest.txt").read_text(encoding="utf-8")
    after = _state()
    assert after != before and _aegidii_2014() == (37, "r")
    deadline = time.monotonic() + PATIENCE_S
    while after not in (tmp_path / "seen.txt").read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    reader.join(PATIENCE_S)
    seen = (tmp_path / "seen.txt").read_text(encoding="utf-8").split("\n")
    assert seen == [before, after], "der Leser sah einen Zwischenstand"  # in this order, and nothing else


def _hold_for_a_report(data: Path, held, release, out: Path) -> None:  # noqa: ANN001 - events
    """A child standing for `make report`: holds the store as a build does, notes the state at start and end."""
    with storelock.reading(data):
        first = _state()
        held.set()
        release.wait(PATIENCE_S)
        out.write_text(f"{first}\n{_state()}", encoding="utf-8")
    os._exit(0)


def test_an_ingest_waits_for_a_running_report_and_stores_when_it_is_done(root, tmp_path, monkeypatch):
    monkeypatch.setenv(storelock.WAIT_ENV, str(PATIENCE_S))
    path = _delivery(tmp_path, "lieferung.csv", AEGIDII)
    before = _state()
    held, release, start = FORK.Event(), FORK.Event(), FORK.Barrier(2)
    report = _in_process(_hold_for_a_report, paths.DATA, held, release, tmp_path / "report.txt")
    assert held.wait(PATIENCE_S)
    writer = _in_process(_ingest, [str(path)], tmp_path / "ingest.txt", start)
    start.wait(PATIENCE_S)
    waiting = "Ein Bericht wird gerade aus diesem Datenordner erstellt; das Speichern wartet"
    # the ingest checks its file, then says it waits at its commit point (on a loaded machine: seconds)
    assert _eventually(lambda: waiting in _text_of(tmp_path / "ingest.txt"))
    assert writer.is_alive() and _state() == before
    release.set()
    report.join(PATIENCE_S)
    writer.join(PATIENCE_S)
    assert writer.exitcode == 0
    assert (tmp_path / "report.txt").read_text(encoding="utf-8") == f"{before}\n{before}"  # one state for the build
    assert _values_2015() == {"11": 37}


def test_an_ingest_that_waited_too_long_for_a_report_stores_nothing_and_says_so(root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(storelock.WAIT_ENV, "0.3")
    path = _delivery(tmp_path, "lieferung.csv", AEGIDII)
    before = _state()
    with storelock.reading(paths.DATA):
        assert ingest.main([str(path)]) == 1
    text = capsys.readouterr().err
    assert "das Speichern wartet bis zu 0.3 s" in text
    assert "Fehler: Nichts gespeichert: ein Bericht wird seit über 0.3 s aus diesem Datenordner erstellt" in text
    assert _state() == before and not (paths.DATA / storage.STAGING_DIR).exists()
    assert ingest.main([str(path)]) == 0  # the report is done: it goes through


def test_a_report_build_holds_the_store_from_its_checksums_to_its_end(root, monkeypatch):
    """The wiring in the runner (a real build takes minutes; the locks themselves are tested above)."""
    monkeypatch.setenv(storelock.WAIT_ENV, "0")
    during = []

    def build(*args: object) -> int:
        try:
            with storelock.committing(paths.DATA, say=lambda text: None):
                during.append("commit got in")
        except storelock.Busy:
            during.append("commit kept out")
        return 0

    monkeypatch.setattr(report, "_run", build)
    assert report.run() == 0 and during == ["commit kept out"]
    with storelock.committing(paths.DATA):  # and no longer once the build is over
        pass


def test_the_lock_of_a_killed_ingest_is_taken_over_with_a_message(root, tmp_path, capsys):
    path = _delivery(tmp_path, "lieferung.csv", AEGIDII)
    start, paused, go_on = FORK.Barrier(2), FORK.Event(), FORK.Event()
    victim = _in_process(_ingest, [str(path)], tmp_path / "killed.txt", start, paused, go_on)
    start.wait(PATIENCE_S)
    assert paused.wait(PATIENCE_S)
    victim.kill()  # kill -9 while it holds the lock, in the middle of its commit
    victim.join(PATIENCE_S)
    pid = victim.pid
    assert (paths.DATA / storelock.INGEST_HOLDER).exists()
    started = time.perf_counter()
    assert ingest.main([str(path)]) == 0
    seconds = time.perf_counter() - started
    said = capsys.readouterr()
    text = said.out + said.err
    assert "Ein früheres Einlesen wurde abgebrochen (seit " in text
    assert f", Prozess {pid}, der Prozess läuft nicht mehr); seine Sperre ist aufgehoben." in text
    assert "Unterbrochenes Einlesen vom" in text and "abgeschlossen" in text  # its commit is completed …
    assert "bereits eingelesen" in text  # … so the file counts as stored
    assert "warte" not in text and seconds < 10  # taken over at once, not after the wait
    assert _values_2015() == {"11": 37}
    assert not (paths.DATA / storelock.INGEST_HOLDER).exists()


def test_a_pending_commit_and_the_locks_do_not_change_what_a_build_is_keyed_on(root):
    """A build that hashes data/ while an ingest stages its files keys on the committed files only."""
    from helpers.publish import manifest
    from helpers.runner import inputs

    data = paths.DATA
    before = inputs.tree_checksums(data, ("**/*",)), manifest.input_checksums(root)
    (data / storage.STAGING_DIR).mkdir()
    (data / storage.STAGING_DIR / "0000.csv").write_text("year\n2015\n")
    (data / storage.JOURNAL).write_text("{}")
    for name in (storelock.INGEST_LOCK, storelock.STORE_LOCK, storelock.INGEST_HOLDER):
        (data / name).write_text("")
    assert (inputs.tree_checksums(data, ("**/*",)), manifest.input_checksums(root)) == before
