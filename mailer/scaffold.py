"""`binpost new`: a bulletin from a Dutch template per kind."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path

from .content import BULLETIN_DIR
from .schema import CRIME_KINDS

_BODIES = {
    "notice": "## Wat is er gebeurd?\n\n…\n\n## Waar en wanneer?\n\n…\n\n## Wat kunt u doen?\n\n- …\n",
    "prevention-tip": "## Waarom deze tip?\n\n…\n\n## Wat kunt u doen?\n\n- …\n",
    "fraud-warning": "## Hoe gaan de oplichters te werk?\n\n…\n\n## Waar en wanneer?\n\n…\n\n"
    "## Wat kunt u doen?\n\n- Geef nooit codes of kaarten af aan de telefoon of aan de deur.\n- …\n",
    "call-for-witnesses": "## Wat is er gebeurd?\n\n…\n\n## Waar en wanneer?\n\n…\n\n"
    "## Wat hebt u gezien?\n\nHebt u iets gezien of gehoord? Neem contact op met de politie.\n",
    "feedback": "## Waarover gaat het?\n\n…\n\n## Wat heeft de politie gedaan?\n\n…\n\n## Bedankt\n\n…\n",
    "infoflash": "## Wat is er aan de hand?\n\n…\n\n## Wat kunt u doen?\n\n- …\n",
    "meeting": "## Wat?\n\n…\n\n## Waar en wanneer?\n\n…\n\n## Inschrijven\n\n…\n",
}


def slugify(title: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    return slug[:60].rstrip("-") or "bericht"


def _yaml_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _yaml_list(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def render_new(
    kind: str,
    title: str,
    now: datetime,
    networks: list[str],
    zones: list[str],
    groups: list[str],
    everyone: bool,
    audience: str,
    priority: str,
) -> str:
    lines = [
        "---",
        f"title: {_yaml_str(title)}",
        f"date: {now:%Y-%m-%d %H:%M}",
        "summary: 'Vat het bericht samen in één of twee zinnen.'",
        f"kind: {kind}",
        f"priority: {priority}",
        f"audience: {audience}",
        "status: draft",
    ]
    if networks:
        lines.append(f"networks: {_yaml_list(networks)}")
    if zones:
        lines.append(f"zones: {_yaml_list(zones)}")
    if groups:
        lines.append(f"groups: {_yaml_list(groups)}")
    if everyone:
        lines.append("all: true")
    if kind in CRIME_KINDS:
        lines.append("# approved_by: fill in the police liaison before status: approved")
    # "Dringend? Bel 101 of 112." is added by the site and mail templates, not the author.
    lines += ["tags: []", "---", "", _BODIES[kind]]
    return "\n".join(lines)


def new_bulletin_path(content_dir: Path, title: str, now: datetime) -> Path:
    return content_dir / BULLETIN_DIR / f"{now:%Y-%m-%d}-{slugify(title)}.md"
