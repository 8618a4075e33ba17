"""The worker process never outlives MkDocs: after `mkdocs build` (passed or failed), after
`mkdocs serve` stopped with Ctrl-C, and after `mkdocs serve` killed with SIGTERM, which runs no
cleanup in MkDocs at all. The real `mkdocs` command in a subprocess; what runs is read from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import front_matter_file
from postmortems.site.workers import _cores

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self") or _cores() < 2, reason="needs Linux's /proc and a second core"
)

CONFIG = """\
site_name: Lifetime
docs_dir: docs
theme: {name: material, font: false}
plugins:
  - postmortems:
      as_of: 2026-11-20
"""


def make_site(root: Path, broken: bool = False) -> Path:
    (root / "docs" / "postmortems").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG)
    (root / "docs" / "index.md").write_text("# Postmortems\n")
    for number in range(3):
        text = front_matter_file(id=f"INC-2025-{number:03d}", title=f"Checkout's 5xx #{number}")
        (root / "docs" / "postmortems" / f"inc-2025-{number:03d}.md").write_text(text)
    if broken:
        (root / "docs" / "postmortems" / "broken.md").write_text(
            front_matter_file(id="INC-2025-009", started_at="2025-02-30T10:00:00Z")
        )
    return root


def state(pid: int) -> str:
    """A process's state letter from /proc ('Z': ended, not yet reaped), or 'gone'."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def children(pid: int) -> set[int]:
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(name))
            except (OSError, ValueError, IndexError):
                continue
    return found


class Mkdocs:
    """`mkdocs ARGS` in its own process group, with Ctrl-C working as in a terminal (a test
    runner may have SIGINT ignored, and a child inherits that); stderr collected line by line,
    and every child process seen while it ran."""

    def __init__(self, root: Path, *args: str) -> None:
        # One postmortem per part of the search index: a Pagefind process per part, started one
        # after the other by a thread (search.py), all of which must end with the build too.
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POSTMORTEMS_SEARCH_PART": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", *args, "-v"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: list[str] = []
        self.seen: set[int] = set()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None, "".join(self.lines[-20:])
            assert time.monotonic() < end, f"no {text!r} in {''.join(self.lines[-20:])}"
            self.seen |= children(self.process.pid)
            time.sleep(0.05)
        self.seen |= children(self.process.pid)

    def finish(self, timeout: float = 120) -> int:
        while self.process.poll() is None:
            self.seen |= children(self.process.pid)
            time.sleep(0.05)
            timeout -= 0.05
            assert timeout > 0, "mkdocs did not end"
        return self.process.returncode

    def worker_pid(self) -> int:
        """The worker's pid, from the plugin's debug line (so the test cannot pass without one)."""
        for line in self.lines:
            if "postmortems: worker process" in line:
                return int(line.split("worker process")[1].split()[0])
        raise AssertionError("no worker was started:\n" + "".join(self.lines[-30:]))

    def assert_nothing_left(self, timeout: float = 10) -> None:
        """The worker, and every other child seen (multiprocessing's resource tracker), ended."""
        pids = self.seen | {self.worker_pid()}
        end = time.monotonic() + timeout
        while (alive := {pid for pid in pids if state(pid) not in ("gone", "Z")}) and time.monotonic() < end:
            time.sleep(0.05)
        assert not alive, f"still running after mkdocs ended: {alive}"
        self._reader.join(timeout)  # the worker held mkdocs' stderr: it is closed once it is gone
        assert not self._reader.is_alive()
        assert "Traceback" not in "".join(self.lines), "".join(self.lines)


def test_a_build_leaves_no_process_behind(tmp_path: Path) -> None:
    run = Mkdocs(make_site(tmp_path), "build")
    assert run.finish() == 0
    run.assert_nothing_left()
    assert any("postmortems: worker stopped" in line for line in run.lines)


def test_a_failed_build_leaves_no_process_behind(tmp_path: Path) -> None:
    root = make_site(tmp_path, broken=True)
    text = (root / "docs/postmortems/broken.md").read_text().split("\n")
    line = next(n for n, t in enumerate(text, 1) if t.startswith("started_at:"))
    run = Mkdocs(root, "build", "--strict")
    assert run.finish() == 1
    run.assert_nothing_left()
    wanted = f"postmortems/broken.md:{line}: 'started_at': '2025-02-30T10:00:00Z' is not on the calendar"
    assert any(wanted in line and "February has no day 30" in line for line in run.lines), run.lines


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stopped_serve_leaves_no_process_behind(tmp_path: Path, how: signal.Signals) -> None:
    port = 8800 + os.getpid() % 100 + (how == signal.SIGTERM)
    run = Mkdocs(make_site(tmp_path), "serve", "--no-livereload", "-a", f"127.0.0.1:{port}")
    run.wait_for("Serving on")
    worker = run.worker_pid()
    assert state(worker) not in ("gone", "Z")
    os.killpg(run.process.pid, how) if how == signal.SIGINT else run.process.send_signal(how)
    code = run.finish()
    if how == signal.SIGINT:  # Ctrl-C: the terminal signals the whole group; MkDocs shuts down
        assert code == 0 and any("Shutting down" in line for line in run.lines)
    else:  # SIGTERM: MkDocs dies on the spot; the worker sees its parent gone and ends itself
        assert code == -signal.SIGTERM
    run.assert_nothing_left()
