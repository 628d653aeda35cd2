"""Inside a warm chapter kernel: import the stack once, then give every chapter a clean start.

The runner (helpers.runner.kernels) starts one kernel per worker and runs chapter after chapter
in it, as Quarto's execution daemon keeps a kernel alive between renders: the imports (pandas,
geopandas, matplotlib, esda, the helpers) are paid once per worker instead of once per chapter.
This module is what the runner executes in that kernel, silently, outside the chapter's cells:

- `warm_up(modules)` imports the modules the build's chapters import and remembers the state a
  fresh kernel starts with (working directory, environment, sys.path, warning filters,
  matplotlib's rcParams, pandas' options, the random generators' states);
- `begin(context_json)` before each chapter: a new IPython session (user namespace, history and
  execution counter reset, so the executed notebook counts from 1 as in a fresh kernel), all
  figures closed, everything remembered restored, the chapter's run context set (its side folder
  for published records), the register emptied.

What stays between chapters is what imports and the data caches hold (modules, catalogue, counts):
the same a fresh kernel would compute again from the same files. A chapter must not see another
chapter's variables, figures, settings or working directory; tests/test_runner.py proves it with a
chapter that changes them and one after it that checks they are gone.
"""

from __future__ import annotations

import copy
import importlib
import os
import random
import sys
import warnings
from dataclasses import dataclass

from helpers.core import context


@dataclass
class _Fresh:
    """The state of a fresh kernel after the imports, restored before every chapter."""

    cwd: str
    environ: dict[str, str]
    path: list[str]
    warning_filters: list
    rc: dict
    pandas_options: dict
    random_state: object
    numpy_state: object


_fresh: _Fresh | None = None


def _pandas_options() -> dict:
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated options warn when read
        return {key: pd.get_option(key) for key in pd._config.config._registered_options  # noqa: SLF001
                if key not in pd._config.config._deprecated_options}  # noqa: SLF001


def warm_up(modules: list[str]) -> list[str]:
    """Import what the chapters import and remember the fresh state; returns the modules that failed
    to import (a chapter importing them fails with its own message then)."""
    global _fresh
    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:  # `from helpers.core.paths import ROOT` names helpers.core.paths.ROOT
            try:
                importlib.import_module(name.rpartition(".")[0])
            except ImportError:
                failed.append(name)
    import matplotlib as mpl
    import matplotlib.pyplot  # noqa: F401 - the inline backend sets its rcParams on import
    import numpy as np

    _fresh = _Fresh(os.getcwd(), dict(os.environ), list(sys.path), list(warnings.filters),
                    copy.deepcopy(dict(mpl.rcParams)), _pandas_options(), random.getstate(), np.random.get_state())
    return failed


def _restore_settings(fresh: _Fresh) -> None:
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated rcParams and options warn when set
        mpl.rcParams.update(copy.deepcopy(fresh.rc))
        for key, value in fresh.pandas_options.items():
            if pd.get_option(key) != value:
                pd.set_option(key, value)
    random.setstate(fresh.random_state)
    np.random.set_state(fresh.numpy_state)


def begin(context_json: str) -> None:
    """A clean start for the next chapter in this kernel, working in `context_json` (its run context)."""
    if _fresh is None:
        raise RuntimeError("chapter_kernel.warm_up() must run before the first chapter")
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)  # user namespace, Out, history; execution counter back to 1
    os.chdir(_fresh.cwd)
    os.environ.clear()
    os.environ.update(_fresh.environ)
    os.environ[context.ENV] = context_json
    sys.path[:] = _fresh.path
    warnings.filters[:] = _fresh.warning_filters
    warnings._filters_mutated()  # noqa: SLF001 - invalidates the warnings' cache as warnings.filterwarnings does
    _restore_settings(_fresh)

    from helpers.core import paths
    from helpers.disclosure import register

    paths.follow(context.current())
    register.reset_records()
