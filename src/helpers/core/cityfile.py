"""config/<city>/city.yml of the data root as read YAML, cached per file state (path, mtime, size).

The lowest reader of the city's configuration: `levels` (the area hierarchy) and `concept` (the
concept of the city's statistics) take their keys from here without importing the areas, so even
the statistics layer, which has no data access, may ask which concept to name. helpers.core.city
reads the texts and checks the whole file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from helpers.core import fileio, paths


class CityFileError(ValueError):
    """config/<city>/city.yml is not valid YAML or not a mapping; the message names the file."""


def raw(where: Path | None = None) -> dict:
    """The file's top-level mapping ({} if the file does not exist)."""
    where = Path(where or paths.CITY_YAML)
    try:
        stat = where.stat()
    except OSError:
        return {}
    return _read(where, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read(where: Path, mtime: int, size: int) -> dict:
    try:
        found = fileio.load_yaml(where.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CityFileError(f"{where}: kein gültiges YAML ({' '.join(str(exc).split())}).") from None
    return found if isinstance(found, dict) else {}
