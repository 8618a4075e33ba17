"""The second process: same results as in-process, and a failed worker never loses work."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools

from helpers import front_matter_file
from postmortems.records.archive import assemble, build_archive, read_files
from postmortems.records.validate import Rules
from postmortems.site.workers import Job, Shared, Worker

RULES = Rules(as_of=dt.date(2026, 11, 20))


def test_reading_half_in_the_worker_gives_the_same_archive() -> None:
    blobs = [(f"p{i}.md", front_matter_file(id=f"INC-2025-{i:03d}").encode()) for i in range(40)]
    blobs.append(("dupe.md", front_matter_file(id="INC-2025-001", severity="SEV-9").encode()))
    worker = Worker()
    worker.start()
    try:
        job = worker.submit(read_files, blobs[20:], RULES, 1 << 20)
        split = assemble([read_files(blobs[:20], RULES, 1 << 20), job.result()], None)
    finally:
        worker.stop()
    whole = build_archive(blobs, RULES, None)
    assert split.problems == whole.problems and split.problems
    assert [r.id for r in split.records] == [r.id for r in whole.records]
    assert split.entries.keys() == whole.entries.keys()


def test_a_failed_job_is_redone_here() -> None:
    future: concurrent.futures.Future[int] = concurrent.futures.Future()
    future.set_exception(RuntimeError("broken pool"))
    assert Job(sum, ([1, 2, 3],), future).result() == 6
    assert Worker().submit(sum, [4, 5]).result() == 9  # never started: runs in this process


def test_a_shared_job_gives_every_chunk_once_in_order_whoever_did_it() -> None:
    """The worker's chunks and this process's meet somewhere; the results are the same either way."""
    blobs = [(f"p{i}.md", front_matter_file(id=f"INC-2025-{i:03d}").encode()) for i in range(200)]
    read = functools.partial(read_files, rules=RULES, max_bytes=1 << 20)
    worker = Worker()
    worker.start()
    try:
        shared = Shared(worker, read, blobs, 16)
        split = assemble(shared.results(read), None)
        alone = assemble(Shared(Worker(), read, blobs, 16).results(read), None)  # no worker: all here
    finally:
        worker.stop()
    whole = build_archive(blobs, RULES, None)
    assert len(shared.chunks) == 13
    assert list(split.entries) == list(alone.entries) == list(whole.entries)
    assert split.problems == whole.problems
