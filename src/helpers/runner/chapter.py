"""Executing one chapter on this worker's warm kernel, with one retry, and describing its failure in German.

This is what a scheduler (helpers.runner.schedulers) hands to a worker process or a Dask worker, so
everything a chapter needs comes in as arguments (a Task) and comes back as a ChapterResult. A failed
chapter is one line for the console (notebook, cell as its author counts it, error) and a log file
with the full traceback (outputs/<city>/<year>/logs/<chapter>.log). Heavy imports (papermill, nbformat)
happen inside the functions: the run's main process imports this module on its no-change path.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from helpers.core import context, fileio
from helpers.runner import inputs

#: Terminal colours in an IPython traceback, which the log file leaves out.
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: jupyter_client's words for a kernel that never answered its first request: it gave no sign
#: within the start timeout, or its process ended while starting (a passing shortage of memory).
KERNEL_NOT_STARTED = ("didn't respond", "Kernel died before replying to kernel_info")


@dataclass
class ChapterResult:
    """How one chapter went: its time, and for a failure the one-line error and the log with the traceback."""

    notebook: str
    seconds: float
    error: str = ""
    log: str = ""  # a failed chapter: the file with its full traceback


class Task(NamedTuple):
    """The arguments of `execute` for one chapter (picklable: it travels to a worker process)."""

    notebook: Path
    target: Path
    run: context.RunContext
    parameters: dict[str, object]
    modules: tuple[str, ...]


def failure_log(target: Path) -> Path:
    """Where the full traceback of a failed chapter goes: outputs/<city>/<year>/logs/<chapter>.log."""
    return target.parent.parent / "logs" / f"{target.stem}.log"


def _source_cell(executed: Path, cell_index: int) -> int:
    """The failing cell's number (1-based) in the chapter as its author sees it: papermill's
    injected parameter cell, if it comes before, is not counted."""
    import nbformat

    try:
        cells = nbformat.read(executed, as_version=4).cells
    except Exception:  # noqa: BLE001 - the number stays papermill's then
        return cell_index + 1
    # papermill's index counts the cells before it added its two error-marker cells
    cells = [c for c in cells if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    injected = [i for i, c in enumerate(cells) if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    return cell_index + (0 if injected and injected[0] < cell_index else 1)


def describe_failure(exc: BaseException, notebook: Path, executed: Path) -> tuple[str, str]:
    """The one-line German description of a failed chapter and the text of its log file."""
    import traceback

    import papermill.exceptions as pmx

    if isinstance(exc, pmx.PapermillExecutionError):
        cell = _source_cell(executed, exc.cell_index)
        line = f"Zelle {cell}: {exc.ename}: {exc.evalue}"
        code = "\n".join(f"    {row}" for row in exc.source.splitlines())
        trace = ANSI_ESCAPE.sub("", "\n".join(exc.traceback))
        detail = f"Zelle {cell} des Kapitels (Zählung wie in JupyterLab, von oben):\n{code}\n\n{trace}"
    else:
        line = f"{type(exc).__name__}: {exc}"
        detail = "".join(traceback.format_exception(exc))
    header = (f"Kapitel: {notebook}\nAusgeführtes Notebook (mit Ausgaben bis zum Fehler): {executed}\n"
              f"Fehler: {line}\n\n")
    return line, header + detail + "\n"


def _kernel_did_not_start(exc: BaseException) -> bool:
    """Whether a chapter failed before any of its cells ran because its kernel never answered."""
    return isinstance(exc, RuntimeError) and any(words in str(exc) for words in KERNEL_NOT_STARTED)


def _run_on_kernel(notebook: Path, tmp: Path, run: context.RunContext, parameters: dict[str, object] | None,
                   modules: tuple[str, ...]) -> BaseException | None:
    """Execute the notebook into `tmp` on a warm kernel; the exception that ended it, or None.

    A kernel that never answered is replaced once; a kernel the chapter crashed is replaced for the next chapter.
    """
    import papermill as pm

    from helpers.runner import chapter_engine, kernels

    failure = None
    for attempt in (1, 2):
        kernel = None
        try:
            kernel = kernels.kernel_for(run, notebook.parent, modules)
            kernel.begin(run)
            pm.execute_notebook(str(notebook), str(tmp), parameters=dict(parameters or {}),
                                kernel_name="python3", km=kernel.km, progress_bar=False, log_output=False,
                                engine_name=chapter_engine.register())
            failure = None
        except Exception as exc:  # noqa: BLE001 - reported per notebook, the others go on
            failure = exc
            if kernel is None or not kernel.alive():
                kernels.discard(kernel)  # the next chapter (or attempt) gets a new kernel
            if attempt == 1 and _kernel_did_not_start(exc):
                continue  # nothing of the chapter ran yet: one more kernel, then report
        finally:
            if kernel is not None and kernel.km is not None:
                kernel.end_chapter()
        break
    return failure


def execute(notebook: Path, target: Path, run: context.RunContext,
            parameters: dict[str, object] | None = None, modules: tuple[str, ...] = ()) -> ChapterResult:
    """Run one notebook with papermill on this worker's warm kernel (helpers.runner.kernels); the
    output is moved into place even on failure (for debugging; papermill's engine writes it when the
    chapter ends, also when it crashed its kernel: helpers.runner.chapter_engine).

    Runs in a local worker process or on a Dask worker, so everything the kernel needs comes in as
    arguments: the run context (root, outputs: the chapter's side folder for its published records
    and exports, year, chapter, shared values cache), set in the kernel before the chapter's first
    cell (helpers.runner.chapter_kernel.begin; the year reaches the chapter only this way, papermill gets
    only the chapter's other parameters), and the modules the build's chapters import (what a new kernel
    imports before its first chapter).
    """
    import papermill  # noqa: F401 - imported before the clock starts: a chapter's time never counted it

    from helpers.runner import chapter_engine, kernels  # noqa: F401 - likewise

    start = time.perf_counter()
    with fileio.atomic_path(target) as tmp:
        failure = _run_on_kernel(notebook, tmp, run, parameters, modules)
    log = failure_log(target)
    if failure is None:
        log.unlink(missing_ok=True)  # an earlier failure's log would mislead
        return ChapterResult(notebook.name, time.perf_counter() - start)
    error, text = describe_failure(failure, notebook, target)
    fileio.write_text_atomic(log, text)
    return ChapterResult(notebook.name, time.perf_counter() - start, error, str(log))


def warm_modules(notebooks: list[Path]) -> tuple[str, ...]:
    """The helpers modules the chapters import, which a warm kernel imports before its first chapter."""
    return tuple(sorted({name for nb in notebooks for name in inputs.notebook_imports(nb)}))
