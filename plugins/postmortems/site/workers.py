"""A second process for work that can leave MkDocs' process: half of the archive's parsing,
then the Markdown of postmortem pages (render.py) while MkDocs renders pages. (The search index
is built by Pagefind, in a process of its own: search.py.)

MkDocs builds on one core; CI and laptops have two or more. One worker process, started when
the build starts (so its imports overlap MkDocs' own start-up) and kept across `mkdocs serve`
rebuilds, takes that work. It is started with `spawn`, never `fork`: `mkdocs serve` runs
threads that a fork would copy mid-lock. With one core, or if the worker fails for any
reason, the same function runs in this process, so the result never depends on the worker.

Its lifetime is MkDocs' own: it is stopped when the build or the serve session ends
(`on_shutdown`, also after a failed build), at the latest when the interpreter exits, and it
ends by itself the moment its parent is gone, however the parent ended (SIGTERM and SIGKILL
run no cleanup in the parent). It ignores Ctrl-C: the terminal sends SIGINT to the whole
process group, and the parent, not the worker, decides when the worker stops.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import importlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - an item of a shared job


log = logging.getLogger("mkdocs.plugins.postmortems")


def _warm(modules: Sequence[str]) -> int:
    """Import in the worker what its jobs need, while the main process is still starting up;
    returns the worker's pid (logged at debug level, and used by the lifetime tests)."""
    for name in modules:
        importlib.import_module(name)
    return os.getpid()


def _watch_parent() -> None:
    """Runs in the worker as it starts: ignore Ctrl-C, and exit as soon as the parent is gone.

    The parent's end of a pipe closes when the parent process ends, whatever ended it, so
    waiting on it (multiprocessing's parent sentinel) wakes the watcher then; without it a worker
    whose parent was killed would wait for jobs for ever, holding the parent's stderr open.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:  # pragma: no cover - not started by multiprocessing
        return

    def watch(sentinel: int) -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, args=(parent.sentinel,), name="postmortems-parent", daemon=True).start()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


class Job(Generic[T]):
    """A function call running in the worker (or already done here)."""

    def __init__(
        self, fn: Callable[..., T], args: tuple[object, ...], future: concurrent.futures.Future[T] | None
    ):
        self._fn, self._args, self._future = fn, args, future

    def result(self) -> T:
        if self._future is not None:
            try:
                return self._future.result()
            except Exception:  # a broken or killed worker: do it here instead
                self._future = None
        return self._fn(*self._args)


class Worker:
    """One spawned process for a build's offloaded jobs; `preload` names the modules its jobs
    use, imported as soon as it starts (by name: this module imports none of its clients)."""

    def __init__(self, preload: Sequence[str] = ()) -> None:
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._preload = tuple(preload)

    def start(self) -> None:
        """Start the worker process (once) if there is a second core."""
        if self._pool is None and _cores() > 1:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), initializer=_watch_parent
            )
            self._pool.submit(_warm, self._preload).add_done_callback(_started)
            atexit.register(self.stop)  # a script that builds without on_shutdown

    def submit(self, fn: Callable[..., T], *args: object) -> Job[T]:
        """Run fn(*args) in the worker, or here if there is none; `fn` must be a module-level
        function (it is pickled by name)."""
        return Job(fn, args, self.future(fn, *args))

    def future(self, fn: Callable[..., T], *args: object) -> concurrent.futures.Future[T] | None:
        """Run fn(*args) in the worker; None if there is no worker (the caller does it itself)."""
        if self._pool is None:
            return None
        try:
            return self._pool.submit(fn, *args)
        except RuntimeError:  # the pool is broken or shut down
            self._pool = None
            return None

    @property
    def running(self) -> bool:
        return self._pool is not None

    def stop(self) -> None:
        """Stop the worker and wait for it to end (its pending jobs are dropped)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            atexit.unregister(self.stop)
            pool.shutdown(wait=True, cancel_futures=True)
            log.debug("postmortems: worker stopped")


def _started(future: concurrent.futures.Future[int]) -> None:
    if not future.cancelled() and future.exception() is None:
        log.debug(f"postmortems: worker process {future.result()} started")


class Shared(Generic[I, T]):
    """One job cut into chunks that this process and the worker share.

    The worker takes chunks from the last one backwards, this process from the first one
    forwards (asking `result` for each in order). A chunk the worker has not started when this
    process reaches it is cancelled and done here, so the two meet wherever their speeds put them,
    whatever the worker's start-up cost; a chunk the worker failed is done here too.
    """

    def __init__(
        self,
        worker: Worker,
        fn: Callable[[Sequence[I]], T],
        items: Sequence[I],
        size: int,
        steal: bool = True,
    ) -> None:
        self.chunks = [items[start : start + size] for start in range(0, len(items), size)]
        self.steal = steal
        self._futures: list[concurrent.futures.Future[T] | None] = [None] * len(self.chunks)
        for index in reversed(range(len(self.chunks))):
            self._futures[index] = worker.future(fn, self.chunks[index])

    def result(self, index: int) -> T | None:
        """The worker's result for chunk `index`, or None when this process must do it."""
        future = self._futures[index]
        self._futures[index] = None
        if future is None or (self.steal and future.cancel()):
            return None
        try:
            return future.result()
        except Exception:  # a broken worker, or a chunk it could not do
            return None

    def results(self, here: Callable[[Sequence[I]], T]) -> list[T]:
        """Every chunk's result in order: the worker's, or `here(chunk)` done in this process."""
        out = []
        for index, chunk in enumerate(self.chunks):
            got = self.result(index)
            out.append(here(chunk) if got is None else got)
        return out

    def cancel(self) -> None:
        """Drop what the worker has not started (a build that ended, or was found not to need it)."""
        for index, future in enumerate(self._futures):
            if future is not None:
                future.cancel()
                self._futures[index] = None
