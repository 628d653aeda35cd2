"""Where the chapters run: a local process pool (one warm kernel per process) or a Dask scheduler.

Both take the same tasks (helpers.runner.chapter.Task, longest first), start what runs alongside the
kernels once the tasks are submitted (`meanwhile`), and yield each chapter's result as it finishes,
so the run converts and renders its part while the others still run. A task that died on its way
(a lost worker, pickling) is a failed chapter, never a crash of the run.

Beyond one machine: `--scheduler tcp://host:port` hands the jobs to a running Dask distributed
scheduler. Its workers must have this project installed (same environment) and see the same file
system as this process (paths are passed, not files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from helpers.runner.chapter import ChapterResult, Task, execute


def run_tasks(tasks: list[Task], jobs: int, scheduler: str | None,
              meanwhile: Callable[[], None]) -> Iterator[ChapterResult]:
    """The results of the tasks as they finish, on the Dask scheduler at `scheduler` or locally on `jobs` processes."""
    if not tasks:
        meanwhile()
        return iter(())
    return run_dask(tasks, scheduler, meanwhile) if scheduler else run_local(tasks, jobs, meanwhile)


def run_local(tasks: list[Task], jobs: int, meanwhile: Callable[[], None]) -> Iterator[ChapterResult]:
    """One process (and kernel) per chapter on this machine; results as they finish."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(execute, *task): task.notebook for task in tasks}
        meanwhile()
        for future in as_completed(futures):
            yield _result_of(future, futures[future])


def run_dask(tasks: list[Task], address: str, meanwhile: Callable[[], None]) -> Iterator[ChapterResult]:
    """The same jobs on a Dask distributed scheduler (workers: project installed, same file system)."""
    from distributed import Client, as_completed

    from helpers.runner import kernels

    with Client(address) as client:
        # tasks come longest first; the scheduler follows priorities, not the order of submission
        futures = {client.submit(execute, *task, pure=False, priority=len(tasks) - i): task.notebook
                   for i, task in enumerate(tasks)}
        meanwhile()
        try:
            for future in as_completed(list(futures)):
                yield _result_of(future, futures[future])
        finally:
            client.run(kernels.close_all)  # the workers outlive the run; their warm kernels must not


def _result_of(future: object, notebook: Path) -> ChapterResult:
    """A job that died (worker lost, pickling) counts as a failed chapter, not as a crash of the run."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001
        return ChapterResult(notebook.name, 0.0, f"{type(exc).__name__}: {exc}")
