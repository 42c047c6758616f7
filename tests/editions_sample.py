"""One sample edition, rendered deterministically, for the golden files and the newsletter tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mailer.config import Config, load_config
from mailer.editions import current_editions
from mailer.personal import fill, personal_values
from mailer.project import load_project
from mailer.render import RenderedEdition, render_edition

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = dt.datetime.fromisoformat("2026-12-03T12:00:00+01:00")
SECRET = b"golden-secret-not-for-production"


def sample_edition(network: str = "bin-wilgenhove", lang: str = "nl",
                   root: Path = ROOT) -> tuple[Config, RenderedEdition, dict[str, str]]:
    config = load_config(root)
    project = load_project(config)
    (edition,) = current_editions(project.directory, project.bulletins, NOW, network=network)
    rendered = render_edition(edition, project.directory, config, lang, NOW)
    member = project.directory.members["m-0009"]  # Ivo Goossens, bin-wilgenhove
    values = personal_values(config, SECRET, member, edition.list_id, lang)
    return config, rendered, values


def golden_outputs() -> dict[str, str]:
    _, rendered, values = sample_edition()
    return {"edition.html": fill(rendered.html, values, escape=True),
            "edition.txt": fill(rendered.text, values, escape=False)}
