"""The papermill engine chapters run with: it writes the executed notebook when the chapter ends.

Papermill's own engine (nbclient), except that it writes the notebook once the chapter ends, not after every cell.

Papermill writes the whole notebook (1–3 MB with its figures: a deep copy, a schema check and JSON
with indentation, which Python encodes without its C accelerator) when each cell starts and when it
ends: about 30 writes per chapter. Nobody reads these in-between states of a build, and on two cores
they cost about 1.6 core-seconds per clean build, time the chapters' kernels lack (issue 18).

What stays: the notebook is written at the start, during a cell that runs long (papermill's autosave,
every 30 s), and when the chapter ends, whether it succeeded, failed in a cell or crashed its kernel
(papermill's notebook_complete runs in every case), so a failed chapter still leaves the executed
notebook with the outputs up to the failure for debugging.
"""

from __future__ import annotations

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

#: The name the runner passes to papermill.execute_notebook(engine_name=...).
NAME = "werkbank-kapitel"


class _WrittenAtEnd(NotebookExecutionManager):
    """papermill's bookkeeping of a running notebook, without the write at every cell's start and end."""

    _between_cells = False

    def save(self, **kwargs):
        if self._between_cells:
            return None
        return super().save(**kwargs)

    def cell_start(self, cell, cell_index=None, **kwargs):
        return self._quietly(super().cell_start, cell, cell_index, **kwargs)

    def cell_complete(self, cell, cell_index=None, **kwargs):
        return self._quietly(super().cell_complete, cell, cell_index, **kwargs)

    def _quietly(self, step, *args, **kwargs):
        self._between_cells = True
        try:
            return step(*args, **kwargs)
        finally:
            self._between_cells = False


class ChapterEngine(NBClientEngine):
    """NBClientEngine with the notebook kept by _WrittenAtEnd (the body is papermill's Engine.execute_notebook)."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        nb_man = _WrittenAtEnd(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                               autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


def register() -> str:
    """Make the engine known to papermill (idempotent); returns its name."""
    papermill_engines.register(NAME, ChapterEngine)
    return NAME
