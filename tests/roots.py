"""Point helpers.core.paths at another data root for one test (a test city, Berlin, the scale city).

Every path under the repository's data/ moves to <root>/data/, config/city.yml and
config/monitoring.yml to <root>/config/, and the caches that follow only the level or the file
names are cleared before and after, so no test sees another city's areas.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers.core import context, observations, paths
from helpers.figures import maps
from helpers.indicators import compute
from helpers.sections import area_statistics


def _clear() -> None:
    observations.clear_cache()
    compute.clear_cache()
    maps._label_points.cache_clear()
    area_statistics.clear_cache()


@contextmanager
def pointed_at(root: Path, outputs: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """helpers.core.paths pointed at `root` (data/, config/) with outputs in `outputs`."""
    old = Path(paths.DATA)
    for name, value in vars(paths).copy().items():
        if isinstance(value, Path) and value.is_relative_to(old):
            monkeypatch.setattr(paths, name, root / "data" / value.relative_to(old))
    monkeypatch.setattr(paths, "ROOT", root)
    monkeypatch.setattr(paths, "CITY_YAML", root / "config" / "city.yml")
    if (root / "config" / "monitoring.yml").exists():
        monkeypatch.setattr(paths, "CONFIG_YAML", root / "config" / "monitoring.yml")
    monkeypatch.setattr(paths, "OUTPUTS", outputs)
    monkeypatch.delenv(context.ENV, raising=False)
    _clear()
    try:
        yield root
    finally:
        _clear()
