"""The workbench's one command: `integrationsmonitoring <befehl>`, also `python -m helpers <befehl>`.

Everything the Makefile does, without make or a POSIX shell (Windows, conda): the Makefile's
targets call this program, so both ways run the same code and end with the same exit codes
(0 done, 1 the work found a problem, 2 wrong call). The build commands (report, release, verify) check
the city's setup first and refuse a broken one before any kernel starts (helpers.intake.citygate). Each command hands its arguments to the
module that does the work (its `main(argv)`), so a command's options and help live in one place;
`integrationsmonitoring <befehl> --help` shows them.

The city is chosen before anything else is imported (`--stadt berlin` or IM_CITY), because the
run context and the paths are fixed when `helpers.core.paths` is first imported.

Above every layer: nothing in helpers imports this module (import-linter contract).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers.core import arguments, context

PROGRAM = "integrationsmonitoring"
#: JupyterLab settings installed into the environment by `einrichten` (no news pop-up, no update check: offline).
LAB_OVERRIDES = Path("config") / "jupyterlab-overrides.json"


@dataclass(frozen=True)
class Command:
    """One command: its name (as the make target), German aliases, a one-line help and what runs it."""

    name: str
    aliases: tuple[str, ...]
    summary: str
    run: Callable[[list[str]], int]


def _module_main(module: str) -> Callable[[list[str]], int]:
    """A command that hands its arguments to `module.main(argv)`, imported only when it runs."""
    def run(argv: list[str]) -> int:
        return int(importlib.import_module(module).main(argv) or 0)
    return run


def _checked(command: str, module: str) -> Callable[[list[str]], int]:
    """A build command that first checks the city's setup (helpers.intake.citygate) and refuses on any error,
    before any kernel starts; its help needs no check. `--neu` checks even what did not change."""
    def run(argv: list[str]) -> int:
        if not {"-h", "--help"} & set(argv):
            from helpers.intake import citygate

            code = citygate.gate(command, force=bool({"--neu", "--force"} & set(argv)))
            if code:
                return code
        return _module_main(module)(argv)
    return run


def run_tests(argv: list[str]) -> int:
    """The test suite on two workers (as `make test`), always on the default city."""
    import pytest

    os.environ.pop(context.CITY_ENV, None)
    os.chdir(context.REPOSITORY)
    return int(pytest.main(["-n", "2", "--dist", "loadfile", *argv]))


def run_bench(argv: list[str]) -> int:
    """benchmarks/report_bench.py of this checkout (not part of the installed package)."""
    import importlib.util

    script = context.REPOSITORY / "benchmarks" / "report_bench.py"
    if not script.is_file():
        print(f"Fehler: {script} fehlt – `bench` braucht einen vollständigen Checkout des Projekts.", file=sys.stderr)
        return 2
    spec = importlib.util.spec_from_file_location("report_bench", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return int(module.main(argv) or 0)


def setup_jupyter(argv: list[str]) -> int:
    """The project's kernel, JupyterLab's settings (saving tracked notebooks without outputs) in this
    environment, and the git filter that keeps outputs out of commits in this checkout (helpers.runner.lab)."""
    parser = arguments.ArgumentParser(description="Kernel, JupyterLab-Einstellungen und Git-Filter für Notebooks einrichten.")
    parser.parse_args(argv)
    from helpers.runner import lab

    prefix = Path(sys.prefix)
    name = lab.install_kernel(prefix)
    lab.install_server_config(prefix)
    overrides = context.REPOSITORY / LAB_OVERRIDES
    if overrides.is_file():
        lab.install_lab_settings(prefix, overrides)
    print(f"Kernel „{name}“ und JupyterLab-Einstellungen in {sys.prefix} eingerichtet.")
    try:
        filtered = lab.install_git_filter(context.REPOSITORY, Path(sys.executable))
    except subprocess.CalledProcessError as err:  # a read-only .git: JupyterLab still saves without outputs
        print(f"Warnung: Git-Filter für Notebooks nicht eingerichtet ({(err.stderr or b'').decode(errors='replace').strip()}).",
              file=sys.stderr)
        return 0
    if filtered:
        print(f"Git-Filter für Notebooks in {context.REPOSITORY} eingerichtet: Ausgaben werden nicht eingecheckt.")
    else:
        print(f"Kein Git-Checkout in {context.REPOSITORY}: Git-Filter für Notebooks nicht eingerichtet.")
    return 0


def run_lab(argv: list[str]) -> int:
    """JupyterLab on the chosen city's chapter notebooks (notebooks/<city>/, else the default city's)."""
    from helpers.core import paths

    folder = paths.NOTEBOOKS
    extra = ["--allow-root"] if getattr(os, "geteuid", lambda: 1)() == 0 else []
    return subprocess.call([sys.executable, "-m", "jupyterlab", f"--notebook-dir={folder}", *extra, *argv])


def run_data(argv: list[str]) -> int:
    """Re-derive the real data; the source folder defaults to ../shared/data/<city> beside the checkout."""
    if not any(a == "--src" or a.startswith("--src=") for a in argv):
        city = os.environ.get(context.CITY_ENV, "").strip() or context.default_city()
        argv = ["--src", str(context.REPOSITORY.parent / "shared" / "data" / city), *argv]
    return _module_main("helpers.sources.derive")(argv)


@dataclass(frozen=True)
class CitySubcommand:
    """`stadt <name> <stadt> …`: its module (gets `<stadt> …`), a one-line help, and whether the city must already
    be set up (then it is chosen before the module is imported; a city being created is not)."""

    module: str
    summary: str
    existing_city: bool = True


CITY_COMMANDS = {
    "daten": CitySubcommand("helpers.intake.city_data", "Zahlen aus einer eigenen CSV-/Excel-Datei über eine Zuordnung einlesen"),
}


def run_city(argv: list[str]) -> int:
    """`stadt daten <stadt> zahlen.csv …`: the city named after the subcommand is chosen before its module is
    imported (the paths are fixed on first import), then the subcommand's module gets `<stadt> …`."""
    lines = "\n".join(f"  {name:<8} {sub.summary}" for name, sub in CITY_COMMANDS.items())
    parser = arguments.ArgumentParser(
        prog=f"{PROGRAM} stadt", usage=f"{PROGRAM} stadt UNTERBEFEHL STADT [OPTIONEN …]",
        description=f"Eine Stadt einrichten.\n\nUnterbefehle:\n{lines}",
        epilog=f"Optionen eines Unterbefehls: {PROGRAM} stadt UNTERBEFEHL --help")
    parser.add_argument("unterbefehl", metavar="UNTERBEFEHL", choices=list(CITY_COMMANDS), help="siehe oben")
    parser.parse_args(argv[:1])  # --help, or a subcommand that exists
    sub = CITY_COMMANDS[argv[0]]
    rest = argv[1:]
    if sub.existing_city and rest and not rest[0].startswith("-"):
        os.environ[context.CITY_ENV] = rest[0]
        try:
            context.for_city(rest[0])
        except context.ContextError as err:
            print(f"Fehler: {err}", file=sys.stderr)
            return 2
    sys.argv[0] = f"{PROGRAM} stadt {argv[0]}"
    return _module_main(sub.module)(rest)


COMMANDS = (
    Command("report", ("bericht",), "Bericht erstellen oder auf den neuesten Stand bringen (nur Geändertes)",
            _checked("report", "helpers.runner.__main__")),
    Command("release", ("ausgabe",), "eine Ausgabe veröffentlichen: geprüft, nummeriert, nie überschrieben",
            _checked("release", "helpers.runner.edition")),
    Command("test", ("testen",), "alle Tests ausführen (zwei Prozesse)", run_tests),
    Command("verify", ("nachpruefen",), "Bericht neu bauen und jede Zahl mit manifest.json vergleichen",
            _checked("verify", "helpers.runner.verify")),
    Command("templates", ("vorlagen",), "je Datenhalter eine leere Liefervorlage (Excel)",
            _module_main("helpers.intake.templates")),
    Command("ingest", ("einlesen",), "Datenlieferungen prüfen und speichern",
            _module_main("helpers.intake.ingest")),
    Command("texts", ("texte",), "Einordnungen und Empfehlungen: Entwürfe übernehmen, freigeben, auflisten",
            _module_main("helpers.intake.staff_texts")),
    Command("check-city", ("stadt-pruefen",), "die Einrichtung der Stadt prüfen",
            _module_main("helpers.intake.citycheck")),
    Command("stadt", (), "eine Stadt einrichten: stadt daten STADT DATEI (Zahlen über eine Zuordnung einlesen)",
            run_city),
    Command("data", ("daten",), "die echten Daten neu aus dem Quellmaterial ableiten", run_data),
    Command("bench", ("messen",), "den Runner gegen eine papermill-Baseline messen", run_bench),
    Command("lab", (), "JupyterLab auf den Kapitel-Notebooks", run_lab),
    Command("setup-jupyter", ("einrichten",), "Kernel und JupyterLab-Einstellungen einrichten", setup_jupyter),
)


def _parser() -> arguments.ArgumentParser:
    lines = [f"  {c.name:<15} {c.summary}" + (f" (auch: {', '.join(c.aliases)})" if c.aliases else "") for c in COMMANDS]
    parser = arguments.ArgumentParser(
        prog=PROGRAM, usage=f"{PROGRAM} [--stadt NAME] BEFEHL [OPTIONEN …]",
        description="Werkbank für das kommunale Integrationsmonitoring.\n\nBefehle:\n" + "\n".join(lines),
        epilog=f"Optionen eines Befehls: {PROGRAM} BEFEHL --help. Dasselbe mit make: make report, make test, …")
    parser.add_argument("--stadt", metavar="NAME", default=None,
                        help="eine eingerichtete Stadt (config/<stadt>/city.yml; Standard: IM_CITY, sonst city: in config/monitoring.yml)")
    parser.add_argument("befehl", metavar="BEFEHL", help="siehe oben")
    parser.add_argument("optionen", nargs="*", metavar="OPTIONEN", help="Optionen des Befehls")
    return parser


def find(name: str) -> Command | None:
    """The command with this name or alias."""
    return next((c for c in COMMANDS if name == c.name or name in c.aliases), None)


@contextmanager
def _named(command: Command) -> Iterator[None]:
    """The command's own parser calls itself `integrationsmonitoring <befehl>` (argparse names it after argv[0])."""
    previous = sys.argv[:]
    sys.argv[0] = f"{PROGRAM} {command.name}"
    try:
        yield
    finally:
        sys.argv[:] = previous


def main(argv: list[str] | None = None) -> int:
    """Parse the global options and the command, choose the city, run the command; its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    split = next((i for i, a in enumerate(argv) if not a.startswith("-") and (i == 0 or argv[i - 1] != "--stadt")), None)
    head, rest = (argv, []) if split is None else (argv[:split + 1], argv[split + 1:])
    options = parser.parse_args(head)  # --help, --stadt and the command; the rest is the command's
    command = find(options.befehl)
    if command is None:
        names = ", ".join(c.name for c in COMMANDS)
        parser.error(f"Befehl {options.befehl!r} gibt es nicht (möglich: {names}).")
    if options.stadt is not None:
        os.environ[context.CITY_ENV] = options.stadt
    try:
        context.for_city(os.environ.get(context.CITY_ENV, "").strip())
    except context.ContextError as err:
        print(f"Fehler: {err}", file=sys.stderr)
        return 2
    with _named(command):
        return command.run(rest)


if __name__ == "__main__":
    raise SystemExit(main())
