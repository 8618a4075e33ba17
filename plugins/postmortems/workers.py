"""A second process for work that can leave MkDocs' process: half of the archive's parsing,
then the Markdown of postmortem pages (render.py) and the explorer's lunr index while MkDocs
renders pages.

MkDocs builds on one core; CI and laptops have two or more. One worker process, started when
the build starts (so its imports overlap MkDocs' own start-up) and kept across `mkdocs serve`
rebuilds, takes that work. It is started with `spawn`, never `fork`: `mkdocs serve` runs
threads that a fork would copy mid-lock. With one core, or if the worker fails for any
reason, the same function runs in this process, so the result never depends on the worker.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def _warm() -> None:
    """Import in the worker what its jobs need, while the main process is still starting up."""
    import lunr  # noqa: F401

    from . import archive, render, search  # noqa: F401


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
    def __init__(self) -> None:
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the worker process (once) if there is a second core."""
        if self._pool is None and _cores() > 1:
            self._pool = concurrent.futures.ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn")
            )
            self._pool.submit(_warm)

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
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
