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
