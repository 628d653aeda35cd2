"""The one command of the workbench (helpers.cli): German help, the commands the Makefile calls, exit codes."""

from __future__ import annotations

import argparse
import gettext
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import cli
from helpers.core import context
from helpers.intake import citygate

REPO = context.REPOSITORY
#: Commands whose --help is another program's (pytest, JupyterLab).
FOREIGN_HELP = {"test", "lab"}
#: Make targets and the command each one runs.
TARGETS = {"report": "report", "test": "test", "verify": "verify", "bench": "bench", "lab": "lab", "data": "data",
           "check-city": "check-city", "templates": "templates", "ingest": "ingest", "texts-draft": "texts entwurf",
           "texts-release": "texts freigeben"}


@pytest.fixture(autouse=True)
def _city_restored(monkeypatch):
    """cli.main sets IM_CITY for --stadt, as it must for the commands it starts; undone after each test
    (setenv first: delenv of an absent variable records nothing to restore)."""
    monkeypatch.setenv(context.CITY_ENV, "")
    monkeypatch.delenv(context.CITY_ENV)


def test_help_lists_every_command_in_german(capsys):
    with pytest.raises(SystemExit) as ended:
        cli.main(["--help"])
    assert ended.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("Aufruf: integrationsmonitoring [--stadt NAME] BEFEHL")
    for command in cli.COMMANDS:
        assert f"  {command.name:<15} {command.summary}" in text
    assert "diese Hilfe zeigen und beenden" in text and "Optionen:" in text
    assert not any(english in text for english in ("usage:", "options:", "show this help", "positional arguments"))


@pytest.mark.parametrize("command", [c for c in cli.COMMANDS if c.name not in FOREIGN_HELP], ids=lambda c: c.name)
def test_each_command_has_german_help_under_its_name(command, capsys):
    with pytest.raises(SystemExit) as ended:
        cli.main([command.name, "--help"])
    assert ended.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Aufruf: integrationsmonitoring {command.name} "), text
    assert "usage:" not in text and "show this help" not in text and "diese Hilfe zeigen" in text
    assert argparse._ is gettext.gettext  # argparse speaks English again for other programs (pytest)


def test_an_alias_runs_the_same_module_with_the_arguments(monkeypatch):
    entry = importlib.import_module("helpers.runner.__main__")  # what `report` runs: python -m helpers.runner
    calls = []
    monkeypatch.setattr(citygate, "gate", lambda command, force=False: 0)  # the city check: tests/test_city_setup.py
    monkeypatch.setattr(entry, "main", lambda argv: calls.append((argv, sys.argv[0])) or 7)
    assert cli.main(["bericht", "--jahr", "2014", "--ohne-pdf"]) == 7  # the module's exit code, unchanged
    assert cli.main(["report", "-x"]) == 7  # options after the command are the command's
    assert calls == [(["--jahr", "2014", "--ohne-pdf"], "integrationsmonitoring report"), (["-x"], "integrationsmonitoring report")]


def test_unknown_command_and_unknown_city_are_refused(capsys):
    with pytest.raises(SystemExit) as ended:
        cli.main(["berichte"])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert "integrationsmonitoring: Fehler: Befehl 'berichte' gibt es nicht (möglich: report, release, test, verify" in err

    assert cli.main(["--stadt", "paris", "report"]) == 2
    err = capsys.readouterr().err
    assert "Die Stadt ist nicht eingerichtet" in err and "Eingerichtet: berlin" in err


def test_wrong_option_value_gets_a_german_error(capsys):
    with pytest.raises(SystemExit) as ended:
        cli.main(["report", "--jahr", "zwanzig"])
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert "integrationsmonitoring report: Fehler: --jahr/--year: 'zwanzig' ist kein gültiger Wert (erwartet: ganze Zahl)" in err
    with pytest.raises(SystemExit):
        cli.main(["data", "--ohne-quelle"])
    assert "Fehler: unbekannte Angaben: --ohne-quelle" in capsys.readouterr().err


def test_data_takes_the_source_beside_the_checkout_for_the_chosen_city(monkeypatch):
    build = importlib.import_module("helpers.sources.derive")
    seen = []
    monkeypatch.setattr(build, "main", lambda argv: seen.append((argv, os.environ.get(context.CITY_ENV))) or 0)
    assert cli.main(["daten"]) == 0
    assert cli.main(["--stadt", "berlin", "data"]) == 0
    assert cli.main(["data", "--src", "anderswo"]) == 0
    assert seen == [(["--src", str(REPO.parent / "shared" / "data" / "muenster")], None),
                    (["--src", str(REPO.parent / "shared" / "data" / "berlin")], "berlin"),
                    (["--src", "anderswo"], "berlin")]  # IM_CITY stays for the rest of this process


@pytest.mark.slow
def test_console_script_and_module_run_the_same_program():
    script = Path(sys.executable).parent / ("integrationsmonitoring.exe" if os.name == "nt" else "integrationsmonitoring")
    assert script.is_file(), "pip install -e . installs the console script (pyproject [project.scripts])"
    env = {k: v for k, v in os.environ.items() if k not in (context.CITY_ENV, context.ENV)}
    by_script = subprocess.run([str(script), "--help"], capture_output=True, text=True, env=env, check=True)
    by_module = subprocess.run([sys.executable, "-m", "helpers", "--help"], capture_output=True, text=True, env=env, check=True)
    assert by_script.stdout == by_module.stdout and "Befehle:" in by_module.stdout
    refused = subprocess.run([sys.executable, "-m", "helpers", "report", "--jahr", "1850"], capture_output=True, text=True,
                             env=env, cwd=REPO)
    assert refused.returncode == 2 and refused.stderr.startswith("Fehler: ") and "1850" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make nicht installiert")
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_make_target_calls_the_program(target):
    """make is a thin front: each target runs `python -m helpers <command>` (what `make -n` would run)."""
    shown = subprocess.run(["make", "-n", target, "YEAR=2014", "FILE=x.csv"], capture_output=True, text=True, cwd=REPO,
                           env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS")})
    assert shown.returncode == 0, shown.stderr
    assert f".venv/bin/python -m helpers {TARGETS[target]}" in shown.stdout, shown.stdout


def test_no_test_here_leaves_a_city_chosen_for_the_tests_after_it():
    """Runs last in this file (pytest keeps file order; --dist loadfile keeps the file on one worker)."""
    assert context.CITY_ENV not in os.environ
