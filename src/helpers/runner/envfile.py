"""Keep environment.yml (conda users) and requirements.lock (pip) on the same pins.

    python -m helpers.runner.envfile requirements.lock environment.yml

The conda environment installs exactly the lock's versions through pip, so both routes
give the same packages; tests/test_environment.py checks that the two files agree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from helpers.core.fileio import write_text_atomic

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def lock_pins(text: str) -> dict[str, str]:
    """name -> version of every pinned requirement in a pip lock file (hashes ignored)."""
    pins = {}
    for line in text.splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def environment_yml(pins: dict[str, str], python: str = "3.11") -> str:
    lines = [
        "# Generated from requirements.lock by `make lock` (helpers.runner.envfile); do not edit by hand.",
        "# conda env create -f environment.yml && conda activate integrationsmonitoring && pip install -e . --no-deps",
        "name: integrationsmonitoring",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={python}",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={version}" for name, version in sorted(pins.items())]
    return "\n".join(lines) + "\n"


def yml_pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)\s*$", line)
        if match:
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def main(argv: list[str]) -> int:
    lock, target = Path(argv[0]), Path(argv[1])
    write_text_atomic(target, environment_yml(lock_pins(lock.read_text(encoding="utf-8"))))
    print(f"{target} aus {lock} geschrieben")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
