"""Fault injection for the crash tests: a forked child whose k-th file-system write step ends it.

What a kill -9 or a power cut does at that moment: the step (os.replace, os.unlink, rmtree,
mkdir, writing a file) does not happen and nothing after it runs – no `finally`, no clean-up.
Used by tests/test_ingest_atomic.py and tests/test_publish_atomic.py.
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import shutil
import sys
from collections.abc import Callable

CRASHED = 137
WRITE_STEPS = [(os, "replace"), (os, "unlink"), (os, "rename"), (shutil, "rmtree"), (shutil, "copyfile"),
               (pathlib.Path, "write_bytes"), (pathlib.Path, "write_text"), (pathlib.Path, "unlink"),
               (pathlib.Path, "mkdir")]


class _Crash:
    def __init__(self, at: int):
        self.at, self.calls = at, 0

    def install(self) -> None:
        for owner, name in WRITE_STEPS:
            setattr(owner, name, self._wrap(getattr(owner, name)))

    def _wrap(self, original):
        def step(*args, **kwargs):
            self.calls += 1
            if self.calls == self.at:
                os._exit(CRASHED)
            return original(*args, **kwargs)
        return step


def run_crashing_at(work: Callable[[], object], at: int) -> int:
    """Run `work()` in a forked child that dies at write step `at`: CRASHED, or 0 if it ran through
    (1 if it raised or returned something falsy other than None)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        code = 1
        try:
            _Crash(at).install()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                result = work()
            code = 0 if result is None or result is True or result == 0 else 1
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
