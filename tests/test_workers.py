"""The second process: same results as in-process, and a failed worker never loses work."""

from __future__ import annotations

import concurrent.futures
import datetime as dt

from helpers import front_matter_file
from postmortems.archive import assemble, build_archive, read_files
from postmortems.validate import Rules
from postmortems.workers import Job, Worker

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
