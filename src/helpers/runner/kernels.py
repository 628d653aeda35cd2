"""Warm chapter kernels: started once per worker, chapter after chapter, a clean start for each.

A fresh kernel per chapter paid the start and the imports of the whole stack (pandas, geopandas,
matplotlib, esda, the helpers: about 3 s) fifteen times per build, more than most chapters' own
work. Here each worker (a process of the local pool, a thread of a Dask worker) keeps one kernel:
started and warmed up (helpers.runner.chapter_kernel.warm_up) on its first chapter, reset before
every chapter (chapter_kernel.begin), replaced when it died, and shut down when the worker ends.

A kernel serves one build: it is keyed by the root, the shared values folder (named after the
checksums of code, data and rule, so changed code never meets an old kernel), the working folder
and the modules it warmed up. A kernel that died (a chapter crashed it) is replaced for the next
chapter; only the chapter that crashed it fails.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.core import context

if TYPE_CHECKING:  # jupyter_client is imported where a kernel starts, not with this module
    from jupyter_client import AsyncKernelManager, BlockingKernelClient
    from jupyter_client.session import Session

#: Seconds a kernel may take to start and answer before it counts as not started.
START_TIMEOUT = 60


class KernelSetupError(RuntimeError):
    """The silent set-up code (warm-up or a chapter's clean start) failed in the kernel."""


@contextmanager
def kernel_connection() -> Iterator[object]:
    """How the runner talks to a chapter's kernel: over Unix sockets in a folder of its own where
    the system has them (POSIX), else over local TCP.

    TCP ports are chosen by binding port 0 and releasing it before the kernel binds it again; with
    several builds starting kernels at once (parallel chapters, parallel tests) another kernel can
    take the port in between ("Address already in use", then "Kernel didn't respond in 60
    seconds"). Sockets in a private folder cannot collide, and the folder goes with the kernel.
    """
    from traitlets.config import Config

    if os.name != "posix":
        yield Config()
        return
    with tempfile.TemporaryDirectory(prefix="im-kernel-") as folder:
        yield Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "k")}})


class WarmKernel:
    """One kernel that runs chapter after chapter (see the module docstring)."""

    def __init__(self, run: context.RunContext, cwd: Path, modules: tuple[str, ...]) -> None:
        from jupyter_core.utils import run_sync

        self.key = kernel_key(run, cwd, modules)
        self._stack = ExitStack()
        try:
            connection = self._stack.enter_context(kernel_connection())
            self.km = _manager_class()(kernel_name="python3", config=connection)
            # no chapter yet: nothing is recorded while the stack is imported
            env = {**os.environ, context.ENV: run.replace(chapter=None, year=None).to_json()}
            # the kernel's own startup warnings are no news to the user; errors still show
            run_sync(self.km.start_kernel)(cwd=str(cwd), env=env, extra_arguments=["--IPKernelApp.log_level=ERROR"])
            self._stack.callback(self._shutdown)
            self.kc = control_client(self.km)
            self._stack.callback(self.kc.stop_channels)
            self.kc.wait_for_ready(timeout=START_TIMEOUT)  # "Kernel didn't respond in 60 seconds"
            self._silent(f"from helpers.runner import chapter_kernel as _k; _k.warm_up({list(modules)!r})")
        except BaseException:
            self._stack.close()
            raise

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        return getattr(getattr(provisioner, "process", None), "pid", None)

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:  # noqa: BLE001 - a manager that cannot tell has no usable kernel
            return False

    def end_chapter(self) -> None:
        """Close the clients papermill opened for the chapter (it leaves them open on a kernel it did not start)."""
        for client in self.km.chapter_clients:
            client.stop_channels()
        self.km.chapter_clients.clear()

    def begin(self, run: context.RunContext) -> None:
        """A clean start for the next chapter, working in its run context."""
        self._silent(f"from helpers.runner import chapter_kernel as _k; _k.begin({run.to_json()!r})")

    def close(self) -> None:
        self._stack.close()

    def _shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        self.end_chapter()
        # the outputs are complete by now; a graceful shutdown under load ends in a SIGINT and a
        # "KeyboardInterrupt caught in kernel" message
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def _silent(self, code: str) -> None:
        """Run set-up code without history or execution count; its failure is an error here."""
        reply = self.kc.execute_interactive(code, silent=True, store_history=False, timeout=START_TIMEOUT * 5,
                                            output_hook=lambda msg: None)
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelSetupError(f"{content.get('ename', 'Fehler')}: {content.get('evalue', '')}")


def own_session(km: AsyncKernelManager) -> Session:
    """A session for one more client of `km`'s kernel: its key, but a new id (the sockets' identity)."""
    from jupyter_client.session import Session

    return Session(key=km.session.key, signature_scheme=km.session.signature_scheme)


def control_client(km: AsyncKernelManager) -> BlockingKernelClient:
    """A blocking client for set-up code on `km`'s kernel, its channels started.

    It has a session of its own (a new id: the sockets' identity; papermill's clients get theirs
    from the manager, _manager_class). Its parent is the manager, so that "is the kernel alive?"
    asks the kernel's process. A client without one asks the heartbeat, which counts a kernel as
    dead when it has not answered a ping within one second; a kernel still starting on a busy
    machine then fails with "Kernel died before replying to kernel_info" (CI, parallel tests).
    """
    from jupyter_client import BlockingKernelClient

    client = BlockingKernelClient(parent=km, session=own_session(km))
    client.load_connection_info(km.get_connection_info())
    client.start_channels()
    return client


_MANAGER: type | None = None


def _manager_class() -> type:
    """An AsyncKernelManager (what nbclient expects) whose clients each have a session of their own.

    km.client() hands every client the manager's session, whose id is the sockets' identity; two
    clients with one identity on the kernel's ROUTER socket lose replies ("Timeout waiting for
    reply"). The warm kernel serves a client per chapter (papermill's), so each gets its own
    session, and is remembered so that it can be closed after its chapter.
    """
    global _MANAGER
    if _MANAGER is None:
        from jupyter_client import AsyncKernelManager

        class ChapterKernelManager(AsyncKernelManager):
            def __init__(self, **kwargs) -> None:
                super().__init__(**kwargs)
                self.chapter_clients: list = []

            def client(self, **kwargs):  # type: ignore[override]
                kwargs.setdefault("session", own_session(self))
                client = super().client(**kwargs)
                self.chapter_clients.append(client)
                return client

        _MANAGER = ChapterKernelManager
    return _MANAGER


def kernel_key(run: context.RunContext, cwd: Path, modules: tuple[str, ...]) -> tuple:
    """What a kernel is warm for: the same build (root, values folder), working folder and imports."""
    return (str(run.root), str(run.values_cache), str(cwd), tuple(modules))


_local = threading.local()
_lock = threading.Lock()
_open: list[WarmKernel] = []
_finalizer_set = False


def kernel_for(run: context.RunContext, cwd: Path, modules: tuple[str, ...]) -> WarmKernel:
    """This worker's kernel for a chapter of `run`: the warm one if it serves the same build and
    still lives, else a new one (the old one shut down)."""
    kernel: WarmKernel | None = getattr(_local, "kernel", None)
    if kernel is not None and (kernel.key != kernel_key(run, cwd, modules) or not kernel.alive()):
        discard(kernel)
        kernel = None
    if kernel is None:
        _close_at_exit()
        kernel = WarmKernel(run, cwd, modules)
        with _lock:
            _open.append(kernel)
        _local.kernel = kernel
    return kernel


def discard(kernel: WarmKernel | None) -> None:
    """Shut a kernel down and forget it (it died, or serves another build)."""
    if kernel is None:
        return
    if getattr(_local, "kernel", None) is kernel:
        _local.kernel = None
    with _lock:
        if kernel in _open:
            _open.remove(kernel)
    kernel.close()


def close_all() -> None:
    """Shut down every kernel of this process (a worker ending; a Dask build's end)."""
    with _lock:
        kernels = list(_open)
        _open.clear()
    for kernel in kernels:
        kernel.close()
    _local.kernel = None


def _close_at_exit() -> None:
    """Kernels go with their worker: worker processes of the local pool leave through
    multiprocessing's exit functions (not atexit); the main process (tests) through atexit."""
    global _finalizer_set
    if _finalizer_set:
        return
    from multiprocessing import util

    util.Finalize(None, close_all, exitpriority=10)
    atexit.register(close_all)
    _finalizer_set = True
