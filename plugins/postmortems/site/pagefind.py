"""Pagefind's indexing service, spoken to directly: the search index of the explorer and of the
header's search box (search.py says what goes in it).

Why not `pagefind.index.PagefindIndex`: its response loop sleeps 0.1 s before reading each
response (pagefind 1.5.2), so adding 50 records took 5 s and 10,000 would take ~17 minutes. The
binary's service protocol is small and the same the Node and Python APIs speak: requests and
responses are base64-encoded JSON messages, each followed by a comma, on the binary's stdin and
stdout. Here a thread reads the responses as they come, so records are sent without waiting and
Pagefind indexes them in its own process while MkDocs builds the pages. The binary is the one
the `pagefind[bin]` extra installs, found as the Python API finds it (`PAGEFIND_BINARY_PATH`,
`pagefind_bin_extended`, `pagefind_bin`, then `pagefind` on the PATH).

The index's files are asked for (`GetFiles`) and written here, not by Pagefind (`WriteFiles`):
Pagefind 1.5 answers WriteFiles while its last writes are still in flight in its runtime's
background threads, and ends with `exit(0)` as soon as its input closes, so under load a file of
the index (seen: an empty `pagefind-entry.json`) could be cut short. Written here, every file is
whole before the build goes on.

The process is always ended (`close`), whether the build succeeds, fails or is interrupted: no
build leaves it behind.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import threading
from typing import Any

TIMEOUT = 600.0  # seconds to wait for the index to be written: far more than 10,000 records take


class PagefindError(Exception):
    """Pagefind could not be started, or could not index or write what it was given."""


def executable() -> str:
    """The Pagefind binary, as the Python API finds it."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise PagefindError("the 'pagefind' package is not installed: pip install 'pagefind[bin]'") from None
    found = get_executable()
    if found is None:
        raise PagefindError("no Pagefind binary found: pip install 'pagefind[bin]'")
    return str(found)


class Service:
    """One `pagefind --service` process holding one index; requests are sent without waiting,
    `write` waits for every answer."""

    def __init__(self, config: dict[str, Any]) -> None:
        try:
            self._process = subprocess.Popen(
                [executable(), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise PagefindError(f"could not start Pagefind: {exc}") from None
        if hasattr(os, "setpriority"):
            # Below MkDocs and the worker: it indexes with whatever CPU they leave.
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, self._process.pid, 10)
        self._lock = threading.Condition()
        self._answers: dict[int, dict[str, Any]] = {}
        self._sent = 0
        self._write = 0
        self._folder = ""
        self._ended = False
        self._reader = threading.Thread(target=self._read, name="pagefind", daemon=True)
        self._reader.start()
        try:
            answer = self._wait(self._send({"type": "NewIndex", "config": config}), 30.0)
        except PagefindError:
            self.close(finish=False)
            raise
        self._index: int = answer["index_id"]

    def _send(self, payload: dict[str, Any]) -> int:
        self._sent += 1
        message = json.dumps({"message_id": self._sent, "payload": payload}, ensure_ascii=False)
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
        except (BrokenPipeError, ValueError):
            raise PagefindError("Pagefind stopped while indexing") from None
        return self._sent

    def _read(self) -> None:
        """Collect the answers until the process ends or says something that is not one. An
        answer can be megabytes (the index's files): the bytes are gathered in one buffer and
        searched for the comma only where they are new."""
        assert self._process.stdout is not None
        buffer = bytearray()
        fd = self._process.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
                scanned = len(buffer)
                buffer += chunk
                messages = []
                while (end := buffer.find(b",", scanned)) >= 0:
                    messages.append(buffer[:end])  # b64decode takes it as it is
                    del buffer[: end + 1]
                    scanned = 0
                answers = [json.loads(base64.b64decode(m)) for m in messages if m.strip()]
                payloads = [(a.get("message_id") or 0, a["payload"]) for a in answers]
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                break
            if not chunk:
                break
            with self._lock:
                self._answers.update(payloads)
                self._lock.notify_all()
        with self._lock:
            self._ended = True
            self._lock.notify_all()

    def _wait(self, message: int, timeout: float = TIMEOUT) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.flush()
        with self._lock:
            if not self._lock.wait_for(lambda: message in self._answers or self._ended, timeout):
                raise PagefindError(f"Pagefind did not answer within {timeout:.0f} s")
            answer = self._answers.pop(message, None)
        if answer is None:
            raise PagefindError("Pagefind stopped while indexing")
        if answer.get("type") == "Error":
            raise PagefindError(str(answer.get("message")))
        return answer

    def add_record(
        self,
        url: str,
        content: str,
        language: str,
        meta: dict[str, str],
        filters: dict[str, list[str]],
        sort: dict[str, str] | None = None,
    ) -> None:
        """One search result: its text, what it shows, what it is filtered (and sorted) by."""
        self._send(
            {
                "type": "AddRecord",
                "index_id": self._index,
                "url": url,
                "content": content,
                "language": language,
                "meta": meta,
                "filters": filters,
                "sort": sort or {},
            }
        )

    def write(self, output_path: str) -> None:
        """Ask for the index's files once every record sent is in it; `written` waits for them
        and writes them under output_path."""
        self._write = self._send({"type": "GetFiles", "index_id": self._index})
        self._folder = output_path
        assert self._process.stdin is not None
        self._process.stdin.flush()

    def written(self) -> int:
        """Wait for the index's files and write them; the number of records in the index."""
        files = self._wait(self._write).get("files")
        if not isinstance(files, list):
            raise PagefindError("Pagefind sent no files for the index")
        _write_files(self._folder, files)
        with self._lock:  # a record Pagefind refused: say so, the rest of the index stands
            answers = list(self._answers.values())
            self._answers.clear()
        errors = [a for a in answers if a.get("type") == "Error"]
        if errors:
            raise PagefindError(f"{len(errors)} records were not indexed: {errors[0].get('message')}")
        return len(answers)

    def close(self, finish: bool = True) -> None:
        """End the process (idempotent). With `finish`, let it end by itself first (it ends when
        its input does); otherwise (a failed build) it is stopped at once."""
        process = self._process
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        if finish:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(TIMEOUT)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._reader.join(5)
        if process.stdout is not None:
            process.stdout.close()


def _write_files(folder: str, files: list[Any]) -> None:
    """The index's files, as GetFiles answered them (a path inside the bundle, base64 content)."""
    root = os.path.realpath(folder)
    for entry in files:
        try:
            path = os.path.realpath(os.path.join(root, entry["path"]))
            content = base64.b64decode(entry["content"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PagefindError(f"Pagefind sent a file that cannot be read ({exc})") from None
        if os.path.commonpath([root, path]) != root:
            raise PagefindError(f"Pagefind sent a file outside its folder: {entry['path']}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content)
