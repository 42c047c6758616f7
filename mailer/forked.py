"""Work done in a forked child while the parent goes on.

The site build uses it twice: the check and the site plan run while MkDocs
collects the files, and the feeds are written while MkDocs converts Markdown.
A fork, not a thread (the GIL would serialise the two) and not a spawned
interpreter (it would import everything again and need its inputs pickled).
Forking a process that runs other threads can deadlock the child on a lock
one of them held (`mkdocs serve` runs an HTTP server and a file watcher), so
then, and where there is no fork, the work runs inline: same result, slower.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Forked(Generic[T]):
    """Start `work()` now; `join()` waits for it and returns its result (pickled through a pipe).

    If the work raised, `join()` raises RuntimeError with its type and message.
    """

    def __init__(self, work: Callable[[], T]) -> None:
        self._pid: int | None = None
        self._pipe = -1
        self._result: tuple[bool, object] = (False, "not started")
        if not hasattr(os, "fork") or threading.active_count() > 1:
            self._result = _attempt(work)
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: do the work, send the outcome, never return
            code = 1
            try:
                os.close(read_end)
                with os.fdopen(write_end, "wb") as out:
                    pickle.dump(_attempt(work), out, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                # _exit: no atexit handlers, no flushing of buffers copied from the parent.
                os._exit(code)
        os.close(write_end)
        self._pid, self._pipe = pid, read_end

    def join(self) -> T:
        if self._pid is not None:
            # Read before waiting: a large result fills the pipe, and the child waits for us.
            with os.fdopen(self._pipe, "rb") as pipe:
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = None
            code = os.waitstatus_to_exitcode(status)
            try:
                self._result = pickle.loads(data) if data else (False, f"the worker process ended with status {code}")
            except (pickle.UnpicklingError, EOFError):
                self._result = (False, f"the worker process ended with status {code} before finishing its answer")
        ok, value = self._result
        if not ok:
            raise RuntimeError(value)
        return value  # type: ignore[return-value]

    def cancel(self) -> None:
        """Stop the child if it is still running (the build failed elsewhere)."""
        if self._pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGTERM)
        os.waitpid(self._pid, 0)
        os.close(self._pipe)
        self._pid, self._result = None, (False, "cancelled")


def _attempt(work: Callable[[], T]) -> tuple[bool, object]:
    try:
        return True, work()
    except Exception as exc:  # anything the work hits is the caller's to report
        return False, f"{type(exc).__name__}: {exc}"
