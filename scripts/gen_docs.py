#!/usr/bin/env python3
"""Regenerate docs/reference.md and docs/cli.md from the code."""

from pathlib import Path

from mailer.cli import build_parser
from mailer.docgen import render_cli, render_reference

DOCS = Path(__file__).resolve().parent.parent / "docs"
(DOCS / "reference.md").write_text(render_reference(), encoding="utf-8")
(DOCS / "cli.md").write_text(render_cli(build_parser()), encoding="utf-8")
print("wrote docs/reference.md and docs/cli.md")
