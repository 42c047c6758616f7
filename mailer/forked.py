"""Work done in a forked child while the parent goes on: the feeds, while MkDocs converts Markdown.

A fork, not a thread (the GIL would serialise the two) and not a spawned
interpreter (it would import everything again and need its inputs pickled).
Forking a process that runs other threads can deadlock the child on a lock
one of them held (`mkdocs serve` runs an HTTP server and a file watcher), so
then, and where there is no fork, the work runs inline: same output, slower.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable

_MESSAGE_LIMIT = 4000  # well under a pipe's buffer: the child never blocks writing it


class Forked:
    """Start `work()` now; `join()` waits for it and raises RuntimeError if it failed."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._pid: int | None = None
        self._pipe = -1
        if not hasattr(os, "fork") or threading.active_count() > 1:
            work()
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: do the work, report a failure on the pipe, never return
            os.close(read_end)
            code = 1
            try:
                work()
                code = 0
            except BaseException as exc:  # anything the child hits goes to the parent
                os.write(write_end, f"{type(exc).__name__}: {exc}".encode()[:_MESSAGE_LIMIT])
            finally:
                # _exit: no atexit handlers, no flushing of buffers copied from the parent.
                os._exit(code)
        os.close(write_end)
        self._pid, self._pipe = pid, read_end

    def join(self) -> None:
        if self._pid is None:
            return
        chunks = []
        while chunk := os.read(self._pipe, 65536):
            chunks.append(chunk)
        os.close(self._pipe)
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            message = b"".join(chunks).decode("utf-8", "replace")
            raise RuntimeError(message or f"the worker process ended with status {code}")

    def cancel(self) -> None:
        """Stop the child if it is still running (the build failed elsewhere)."""
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGTERM)
        os.waitpid(self._pid, 0)
        os.close(self._pipe)
        self._pid = None
