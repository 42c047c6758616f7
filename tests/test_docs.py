"""Docs are tested: generated references are current, every command and key is documented."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mailer.cli import COMMANDS, build_parser
from mailer.docgen import render_cli, render_reference
from mailer.schema import SECTIONS

ROOT = Path(__file__).resolve().parent.parent


def test_reference_is_current() -> None:
    assert (ROOT / "docs/reference.md").read_text(encoding="utf-8") == render_reference(), \
        "run: python scripts/gen_docs.py"


def test_cli_docs_are_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert (ROOT / "docs/cli.md").read_text(encoding="utf-8") == render_cli(build_parser()), \
        "run: COLUMNS=100 python scripts/gen_docs.py"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_and_is_in_readme(name: str) -> None:
    help_text = COMMANDS[name][0]
    assert len(help_text) > 10
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"binpost {name}" in readme, f"README does not mention 'binpost {name}'"


def test_every_members_key_is_in_the_sample_or_reference() -> None:
    ref = (ROOT / "docs/reference.md").read_text(encoding="utf-8")
    for fields in SECTIONS.values():
        for f in fields:
            assert f"| `{f.name}` |" in ref


def test_readme_starts_with_what_and_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    head = text[:2500]
    assert "binpost" in head.splitlines()[0]
    assert "scripts/demo" in head and "scripts/test" in head
    assert os.access(ROOT / "scripts/demo", os.X_OK) and os.access(ROOT / "scripts/test", os.X_OK)
