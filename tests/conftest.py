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


FIXED_NOW = "2026-12-03T12:00:00+01:00"
CANARY = "KANARIE-7f3a"


def copy_sample(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "content", dest / "content")
    for name in ("members.yaml", "pyproject.toml", "mkdocs.yml"):
        shutil.copy(ROOT / name, dest / name)
    return dest


def plant_canaries(root: Path) -> dict[str, str]:
    """Put a unique marker into every bulletin that must never be published."""
    planted = {}
    for path in sorted((root / "content" / "berichten").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        hidden = ("audience: members" in text or "status: draft" in text or "status: for-coordinators" in text
                  or "status: withdrawn" in text or "date: 2027" in text)
        if hidden:
            marker = f"{CANARY}-{path.stem}"
            path.write_text(text.rstrip() + f"\n\nGeheim {marker}\n", encoding="utf-8")
            planted[path.stem] = marker
    return planted


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The sample zone with canaries planted, built once per test session at a fixed time."""
    import os

    from mailer.config import load_config
    from mailer.pipeline import build_site

    root = copy_sample(tmp_path_factory.mktemp("built") / "zone")
    planted = plant_canaries(root)
    old = os.environ.get("BINPOST_NOW")
    os.environ["BINPOST_NOW"] = FIXED_NOW
    try:
        build_site(load_config(root))
    finally:
        if old is None:
            os.environ.pop("BINPOST_NOW", None)
        else:
            os.environ["BINPOST_NOW"] = old
    return root, planted
