"""Reference docs made from the schema and the CLI, so they cannot drift (tests compare)."""

from __future__ import annotations

import argparse

from .schema import BULLETIN, CONSENT, GROUP, MEMBER, NETWORK, ZONE, Field


def _table(fields: tuple[Field, ...]) -> str:
    rows = ["| key | type | required | default | meaning |", "| --- | --- | --- | --- | --- |"]
    for f in fields:
        kind = f.type + (" (" + " \\| ".join(f.choices) + ")" if f.choices else "")
        default = "" if f.required else ("" if f.default in (None, "", ()) else f"`{f.default}`")
        if isinstance(f.default, tuple) and f.default:
            default = "`[" + ", ".join(f.default) + "]`"
        rows.append(f"| `{f.name}` | {kind} | {'yes' if f.required else 'no'} | {default} | {f.doc} |")
    return "\n".join(rows)


def render_reference() -> str:
    parts = [
        "# Reference: front matter and members.yaml",
        "",
        "Generated from `mailer/schema.py` by `python scripts/gen_docs.py`; a test fails when it is out of date.",
        "",
        "## Bulletin front matter",
        "",
        "Bulletins are Markdown files under `content/berichten/`, starting with YAML between two `---` lines.",
        "",
        _table(BULLETIN),
        "",
        "## members.yaml",
        "",
        "Four lists: `zones`, `networks`, `groups` and `members`. Ids are stable and never an e-mail address.",
    ]
    for title, fields in (
        ("zones", ZONE),
        ("networks", NETWORK),
        ("groups", GROUP),
        ("members", MEMBER),
        ("members: consent", CONSENT),
    ):
        parts += ["", f"### {title}", "", _table(fields)]
    return "\n".join(parts) + "\n"


def render_cli(parser: argparse.ArgumentParser) -> str:
    parts = ["# Command line", "", "Generated from the `binpost` argument parser by `python scripts/gen_docs.py`.", ""]
    parts += ["```text", parser.format_help().rstrip(), "```"]
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        for name, sub in getattr(action, "choices", {}).items():
            parts += ["", f"## binpost {name}", "", "```text", sub.format_help().rstrip(), "```"]
    return "\n".join(parts) + "\n"
