"""The city check before a build: `make report`, `make release` and `make verify` refuse a broken setup first.

A setup error that reaches the report publishes it: a missing parent Stadtbezirk became an area
labelled "9" without a name. So the command line (helpers.cli) runs `make check-city`
(helpers.intake.citycheck) before it hands a build to the runner, and refuses on any error with the
check's German lines and what to do, before any kernel starts; warnings are printed and stop nothing.
The runner itself does not know the intake (docs/architecture.md), which is why the gate sits here.

Checking reads every data file and imports GeoPandas (2–4 s on these machines), which a rebuild
after one edited notebook should not wait for. The gate therefore keeps the content checksums of
what the check reads (the city's data and settings, the chapters' notebooks, the staff texts) and of
the check's own code from the last check without errors, in outputs/<city>/.work/city-check.json
(written atomically), with that check's warnings; while all are equal it repeats the warnings and
checks nothing. This module imports nothing heavy: hashing a city's files costs well under a second.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from helpers.core import context, fileio, paths

#: Where the last passed check is remembered (relative to outputs/<city>/).
STAMP = Path(".work") / "city-check.json"
#: What each gated command would have done, for the refusal's closing line.
REFUSED = {"report": "Der Bericht wird nicht erstellt", "release": "Es wird keine Ausgabe veröffentlicht",
           "verify": "Die Nachprüfung beginnt nicht"}
#: The code the check runs: its own package and the core it reads with.
CODE = (Path(__file__).parent, Path(__file__).parent.parent / "core")


def _files(root: Path, city: str) -> Iterator[Path]:
    """Every file the check reads for `city` in `root`, and the check's code."""
    data, config = root / "data" / city, root / "config"
    yield from (data / name for name in ("areas.csv", "published_rates.csv", "catalogue.yml"))
    yield from sorted((data / "geo").glob("*.geojson"))
    yield from sorted(p for p in (data / "observations").glob("*.csv") if not p.name.startswith("."))
    yield from sorted((data / "texte").rglob("*.md"))
    yield from (config / "monitoring.yml", config / city / "monitoring.yml", config / city / context.CITY_FILE)
    yield from sorted(paths.layout(context.RunContext(root=root, city=city))["NOTEBOOKS"].glob("*.ipynb"))
    for folder in CODE:
        yield from sorted(folder.glob("*.py"))


def fingerprint(root: Path, city: str) -> str:
    """One checksum over the names and contents of everything the check reads (an absent file counts too)."""
    entries = {}
    for path in _files(root, city):
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else f"code:{path.parent.name}/{path.name}"
        entries[name] = fileio.sha256_file(path) if path.is_file() else "fehlt"
    return fileio.digest(entries)


def _stamp(outputs: Path) -> Path:
    return outputs / STAMP


def _remembered(outputs: Path) -> dict:
    try:
        found = json.loads(_stamp(outputs).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _how_to_check(city: str) -> str:
    if city == context.default_city(paths.ROOT):
        return "make check-city (oder integrationsmonitoring check-city)"
    return f"make check-city CITY={city} (oder integrationsmonitoring --stadt {city} check-city)"


def gate(command: str, force: bool = False, root: Path | None = None, city: str | None = None,
         outputs: Path | None = None, say: Callable[[str], None] = print) -> int:
    """0 when the city `city` of `root` (default: this process's) is set up without errors, else 1 after saying
    why; `force` checks even when nothing changed since the last passed check (`make report FORCE=1`)."""
    root, city, outputs = Path(root or paths.ROOT), city or paths.CITY, Path(outputs or paths.OUTPUTS)
    key = fingerprint(root, city)  # before the check: a file changed while it runs is checked next time
    last = _remembered(outputs)
    if not force and last.get("key") == key:
        warnings = [str(line) for line in last.get("warnings", [])]
        say(f"Einrichtung der Stadt {city} unverändert seit der letzten Prüfung ohne Fehler"
            f"{f' ({len(warnings)} Warnung(en))' if warnings else ''}.")
        for line in warnings:
            say(f"  Warnung: {line}")
        return 0
    from helpers.intake import citycheck  # GeoPandas: only when something changed

    try:
        problems = citycheck.check(root, city)
    except (ValueError, KeyError, OSError) as err:  # a file the check cannot read at all (e.g. a CSV without its columns)
        print(f"Die Prüfung der Stadt {city} brach ab: {type(err).__name__}: {' '.join(str(err).split())}",
              file=sys.stderr)
        problems = None
    code = 1 if problems is None else citycheck.say(problems, city)
    if code:
        print(f"{REFUSED.get(command, 'Abgebrochen')}, solange die Einrichtung der Stadt Fehler hat; es wurde nichts "
              "ausgeführt und nichts geschrieben. Bitte die Fehler oben berichtigen und mit "
              f"{_how_to_check(city)} erneut prüfen.", file=sys.stderr)
        return code
    warnings = [str(p) for p in problems]  # no errors: what is left are warnings
    fileio.write_text_atomic(_stamp(outputs), json.dumps({"key": key, "city": city, "warnings": warnings},
                                                         ensure_ascii=False, indent=1))
    return 0
