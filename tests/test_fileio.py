"""Atomic writes leave nothing a loader or git could mistake for data, and crashed writers' leftovers go."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers.core import fileio, observations, paths


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_temporary_file_is_hidden_marked_and_carries_its_writers_pid(tmp_path):
    seen = []
    fileio.write_atomic(tmp_path / "deliveries.csv", lambda p: (seen.append(p), p.write_text("x")))
    name = seen[0].name
    assert name.startswith(f".deliveries.{os.getpid()}.") and name.endswith(".tmp.csv")
    assert fileio.is_temporary(seen[0])
    assert not fileio.is_temporary(tmp_path / "deliveries.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["deliveries.csv"]


def test_the_observations_loader_never_reads_a_temporary_file(tmp_path):
    (tmp_path / "deliveries.csv").write_text("a\n")
    (tmp_path / f".deliveries.{_dead_pid()}.ab12cd34.tmp.csv").write_text("a\n")
    (tmp_path / ".deliveries.x1y2z3w4.tmp.csv").write_text("a\n")  # written before the pid was in the name
    assert [p.name for p in observations.observation_files(tmp_path)] == ["deliveries.csv"]


def test_stale_temporaries_are_removed_and_named_live_ones_and_data_stay(tmp_path):
    (tmp_path / "sub").mkdir()
    stale = tmp_path / "sub" / f".report.{_dead_pid()}.k3j4h5g6.tmp.html"
    old_style = tmp_path / ".deliveries.x1y2z3w4.tmp.csv"
    live = tmp_path / f".table.{os.getpid()}.q1w2e3r4.tmp.pkl"
    data = [tmp_path / "deliveries.csv", tmp_path / ".gitkeep", tmp_path / "notes.tmp"]
    for path in [stale, old_style, live, *data]:
        path.write_text("x")
    removed = fileio.remove_stale_temporaries(tmp_path)
    assert sorted(removed) == sorted([stale, old_style])
    assert live.exists() and all(p.exists() for p in data)
    assert fileio.remove_stale_temporaries(tmp_path / "missing") == []


@pytest.mark.parametrize("name", [".deliveries.123.ab12cd34.tmp.csv", ".report.77.abcdefgh.tmp"])
def test_git_ignores_temporary_files(name):
    ignored = subprocess.run(["git", "check-ignore", "-q", f"data/muenster/observations/{name}"], cwd=paths.ROOT)
    assert ignored.returncode == 0
    kept = subprocess.run(["git", "check-ignore", "-q", "data/muenster/observations/deliveries.csv"], cwd=paths.ROOT)
    assert kept.returncode == 1


def test_the_register_never_reads_a_crashed_writers_temporary_file(tmp_path):
    from helpers.disclosure import register

    published = tmp_path / "published"
    published.mkdir()
    (published / "07_arbeit.csv").write_text("indicator,year,value\nalo,2014,1.5\n")
    (published / f".07_arbeit.{_dead_pid()}.ab12cd34.tmp.csv").write_text("indicator,year,value\nalo,2013,2\n")
    assert register.read_records(tmp_path)["chapter"].tolist() == ["07_arbeit"]


def test_replace_waits_for_a_file_held_open_on_windows(tmp_path, monkeypatch):
    """On Windows a scanner or Excel holding the target makes os.replace fail for a moment."""
    source, target = tmp_path / "neu.csv", tmp_path / "alt.csv"
    source.write_text("neu"), target.write_text("alt")
    real, refusals = os.replace, []

    def held_twice(a, b):
        if len(refusals) < 2:
            refusals.append(b)
            raise PermissionError(13, "Der Prozess kann nicht auf die Datei zugreifen", str(b))
        real(a, b)

    monkeypatch.setattr(os, "replace", held_twice)
    monkeypatch.setattr(fileio, "REPLACE_PAUSE_S", 0.0)
    monkeypatch.setattr(fileio, "WINDOWS", False)
    with pytest.raises(PermissionError):  # elsewhere a refusal is real (no write permission): at once
        fileio.replace(source, target)
    assert len(refusals) == 1 and target.read_text() == "alt"
    monkeypatch.setattr(fileio, "WINDOWS", True)
    fileio.replace(source, target)
    assert len(refusals) == 2 and target.read_text() == "neu" and not source.exists()


def test_a_writer_is_alive_while_its_process_runs():
    """psutil, not os.kill(pid, 0): on Windows os.kill would end the process it asks about."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert fileio.alive(child.pid) and fileio.alive(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert not fileio.alive(child.pid)
