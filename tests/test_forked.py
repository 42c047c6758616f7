"""The forked worker that writes the feeds while MkDocs converts Markdown (mailer/forked.py)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from mailer.forked import Forked


def _record_pid(path: Path) -> None:
    path.write_text(str(os.getpid()), encoding="utf-8")


def test_work_runs_in_a_child_and_is_done_after_join(tmp_path: Path) -> None:
    out = tmp_path / "pid"
    job = Forked(lambda: _record_pid(out))
    job.join()
    assert int(out.read_text(encoding="utf-8")) != os.getpid()


def test_a_failure_in_the_child_is_raised_by_join() -> None:
    def fail() -> None:
        raise ValueError("feed for bin-x: boom")

    job = Forked(fail)
    with pytest.raises(RuntimeError, match="ValueError: feed for bin-x: boom"):
        job.join()


def test_inline_when_other_threads_run(tmp_path: Path) -> None:
    # Forking beside other threads (mkdocs serve) could deadlock the child on a lock one of them holds.
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        out = tmp_path / "pid"
        Forked(lambda: _record_pid(out)).join()
        assert int(out.read_text(encoding="utf-8")) == os.getpid()
    finally:
        stop.set()
        other.join()


def test_cancel_stops_a_running_child(tmp_path: Path) -> None:
    out = tmp_path / "pid"

    def slow() -> None:
        _record_pid(out)
        time.sleep(60)

    job = Forked(slow)
    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    pid = int(out.read_text(encoding="utf-8"))
    job.cancel()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone and reaped, not a zombie
    with pytest.raises(RuntimeError, match="cancelled"):
        job.join()


def test_a_large_result_comes_back_whole() -> None:
    # Far more than a pipe holds: the parent must read while the child writes.
    result = Forked(lambda: {f"page-{i}": "x" * 1000 for i in range(5000)}).join()
    assert len(result) == 5000 and result["page-4999"] == "x" * 1000


def test_a_child_that_dies_is_reported() -> None:
    job = Forked(lambda: os._exit(3))
    with pytest.raises(RuntimeError, match="status 3"):
        job.join()
