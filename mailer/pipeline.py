"""The orchestrators: one function per command, listing its stages in order."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from .config import Config
from .errors import BinpostError, ProblemsFound
from .project import Project, load_project


def check(config: Config) -> Project:
    """Load and check everything; raise ProblemsFound when there is an error."""
    project = load_project(config)
    if project.errors:
        raise ProblemsFound(project.problems)
    return project


def build_site(config: Config, strict: bool = True) -> Path:
    """Build the public site and feeds into site/ with MkDocs (the binpost plugin does the rest)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as load_mkdocs_config
    from mkdocs.exceptions import MkDocsException

    mkdocs_yml = config.root / "mkdocs.yml"
    if not mkdocs_yml.exists():
        raise BinpostError(f"{mkdocs_yml} not found: the site needs an mkdocs.yml next to pyproject.toml")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's end-of-life banner is for maintainers, not editors
    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        cfg = load_mkdocs_config(config_file=str(mkdocs_yml), strict=strict, site_dir=str(config.site_dir))
        build(cfg)
    except MkDocsException as exc:
        raise BinpostError(f"site build failed: {exc}") from None
    finally:
        logger.removeHandler(handler)
    return config.site_dir


def preview(config: Config, out: Path, network: str | None = None, slug: str | None = None) -> list[Path]:
    """Render the editions that would go out into `out` as .html, .txt and .eml, with an index.html."""
    import html as _html

    from . import clock
    from .editions import current_editions
    from .personal import fill, list_unsubscribe_header, personal_values, preview_recipient
    from .render import render_edition
    from .schema import LANGS
    from .tokens import load_secret

    project = check(config)
    now = clock.now()
    if network is not None and network not in project.directory.networks:
        raise BinpostError(f"unknown network '{network}'")
    if slug is not None and slug not in {b.slug for b in project.bulletins}:
        raise BinpostError(f"unknown bulletin '{slug}'; use the file name without .md")
    editions = current_editions(project.directory, project.bulletins, now, network, slug)
    secret = load_secret(config.state_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    rows = []
    for edition in editions:
        langs = sorted(
            {m.lang for m in project.directory.members.values() if edition.network.id in m.networks}
            | {edition.network.lang},
            key=LANGS.index,
        )
        for lang in langs:
            rendered = render_edition(edition, project.directory, config, lang, now)
            sample = preview_recipient(lang)
            values = personal_values(config, secret, sample, edition.list_id, lang)
            name = f"{edition.id}.{lang}"
            files = {ext: out / f"{name}.{ext}" for ext in ("html", "txt", "eml")}
            files["html"].write_text(fill(rendered.html, values, escape=True), encoding="utf-8")
            files["txt"].write_text(fill(rendered.text, values, escape=False), encoding="utf-8")
            raw, _ = rendered.message.personalise(
                to_name=sample.name,
                to_address=sample.email,
                values=values,
                member_id=sample.id,
                list_unsubscribe=list_unsubscribe_header(config, values["UNSUBSCRIBE_TOKEN"]),
                date=now,
            )
            files["eml"].write_bytes(raw)
            written += list(files.values())
            link = _html.escape(name)
            rows.append(
                f'<li><a href="{link}.html">{_html.escape(rendered.subject)}</a> '
                f"({_html.escape(edition.network.name)}, {lang}, {len(edition.bulletins)} bericht(en)) "
                f'<a href="{link}.txt">tekst</a> · <a href="{link}.eml">eml</a></li>'
            )
    index = out / "index.html"
    index.write_text(
        '<!doctype html><html lang="nl"><meta charset="utf-8"><title>Voorbeeld van de nieuwsbrieven'
        "</title><h1>Voorbeeld van de nieuwsbrieven</h1><ul>" + "".join(rows) + "</ul></html>\n",
        encoding="utf-8",
    )
    return [index, *written]
