"""Shared fixtures: a copy of the sample zone on disk, and running the real CLI."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailer.cli import main

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A writable copy of the sample zone (content/, members.yaml, config)."""
    dest = tmp_path / "zone"
    dest.mkdir()
    shutil.copytree(ROOT / "content", dest / "content")
    for name in ("members.yaml", "pyproject.toml", "mkdocs.yml"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, dest / name)
    for extra in ("overrides",):
        if (ROOT / extra).exists():
            shutil.copytree(ROOT / extra, dest / extra)
    return dest


@pytest.fixture
def binpost(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run `binpost ARGS` in-process against a project folder."""

    def run(root: Path, *args: str) -> Result:
        code = main(["-C", str(root), *args])
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return run


def write_bulletin(root: Path, name: str, text: str) -> Path:
    path = root / "content" / "berichten" / name
    path.write_text(text, encoding="utf-8")
    return path
