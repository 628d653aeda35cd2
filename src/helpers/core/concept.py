"""Which concept the city's statistics count: Münster's "Migrationsvorgeschichte" or Berlin's
"Migrationshintergrund" (config/<city>/city.yml, `concept`).

The report never names one city's concept for another's figures: German texts are written with
Münster's word (`DEFAULT`) and pass through `say`, which puts in the city's own.

    from helpers.core import concept
    concept.say("Menschen mit Migrationsvorgeschichte")   # Berlin: "Menschen mit Migrationshintergrund"
"""

from __future__ import annotations

from pathlib import Path

from helpers.core import cityfile

CONCEPTS = ("Migrationsvorgeschichte", "Migrationshintergrund")
DEFAULT = CONCEPTS[0]


class ConceptError(ValueError):
    """An unknown concept in config/<city>/city.yml."""


def concept(where: Path | None = None) -> str:
    """The concept declared in config/<city>/city.yml (Migrationsvorgeschichte without the key or file)."""
    found = cityfile.raw(where).get("concept", DEFAULT)
    if found not in CONCEPTS:
        raise ConceptError(f"config/<stadt>/city.yml: 'concept' ist {found!r}; erlaubt: {', '.join(CONCEPTS)}.")
    return found


def say(text: str) -> str:
    """`text` with Münster's concept replaced by the city's own."""
    return text.replace(DEFAULT, concept())
