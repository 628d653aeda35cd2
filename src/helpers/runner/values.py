"""The folder where one run's processes share indicator values, and pointing the run's processes at it.

Indicator values that several processes need at once (kernels, the tables export, the checker) are
computed by one of them under a file lock (helpers.disclosure.disclosed._shared) into this folder.
It is named after the checksums of code, data and rule (Plan.values_key), so nothing in it can be
stale; a run removes the folders of other states when it starts using its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.core import context, paths
from helpers.runner.plan import Plan


def values_cache(p: Plan) -> Path:
    """The folder where this run's processes share indicator values: named after the checksums of
    code and data, so nothing in it can be stale (older folders are removed by use_values_cache)."""
    return paths.work_dir(paths.OUTPUTS) / "values" / p.values_key[:20]


@contextmanager
def use_values_cache(p: Plan) -> Iterator[None]:
    """Point this process (the tables export, the checker) and its workers at the shared values."""
    folder = values_cache(p)
    for old in folder.parent.glob("*") if folder.parent.is_dir() else []:
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    before = os.environ.get(context.ENV)
    os.environ[context.ENV] = context.current().replace(values_cache=folder).to_json()
    try:
        yield
    finally:  # a caller in the same process (a test, a notebook) must not keep reading this folder
        if before is None:
            os.environ.pop(context.ENV, None)
        else:
            os.environ[context.ENV] = before
