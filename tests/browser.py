"""Real headless Chromium (Debian's) driven by Playwright, and axe-core, for the browser tests."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    path = os.environ.get("BINPOST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path or not AXE.exists():
        missing = "chromium" if not path else "axe-core (cd tests/js && npm install)"
        if os.environ.get("CI"):
            pytest.fail(f"{missing} is missing in CI: scripts/bootstrap --test should have installed it")
        pytest.skip(f"{missing} not installed; run scripts/test to install it")
    return path


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve a folder over HTTP on loopback (search needs http, not file://)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module: Playwright's sync API keeps its own event loop, which must not outlive
    the module that started it (other tests in between run asyncio code, e.g. the SMTP test server)."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=FLAGS)
        yield b
        b.close()


def axe_violations(page: Any) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations on the current page, as readable lines."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
