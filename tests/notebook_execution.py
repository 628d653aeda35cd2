"""Notebook execution in tests on the runner's kernel connection (private Unix sockets where the
system has them), so that kernels of parallel test workers never take each other's TCP ports."""

from __future__ import annotations

from typing import Any

import papermill as pm

from helpers.runner import kernels


def execute_notebook(source: str, target: str, **kwargs: Any):
    """papermill.execute_notebook with the runner's kernel connection."""
    with kernels.kernel_connection() as connection:
        return pm.execute_notebook(source, target, config=connection, **kwargs)
