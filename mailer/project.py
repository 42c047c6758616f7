"""Loading the whole project once: config, members.yaml and bulletins, with every problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .checks import check_bulletins, check_directory, check_layout, check_personal_data
from .config import Config
from .content import BULLETIN_DIR, Source, bulletin_files, load_bulletins, markdown_files
from .directory import load_directory
from .errors import Problem
from .models import Bulletin, Directory
from .yamlio import locate


@dataclass(frozen=True)
class Project:
    config: Config
    directory: Directory
    bulletins: list[Bulletin]
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def display_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()  # the common case, without touching the disk
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_project(config: Config, members_ready: Callable[[], None] | None = None) -> Project:
    """Load and check everything; collect all problems, located, in file order.

    `members_ready` is called between reading the bulletins and reading members.yaml: the site
    build has another process fill members.yaml's cache meanwhile (see mkdocs_plugin._prepare).
    """
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    members_display = display_path(config.members_path, config.root)
    problems += check_layout(config.content_dir, config.members_path, members_display)
    files = bulletin_files(config.content_dir)
    bulletins = load_bulletins(files, config.root, problems, sources)
    if members_ready is not None:
        members_ready()
    directory = load_directory(config.members_path, members_display, problems, sources, config.state_dir / "cache")
    problems += check_directory(directory, members_display)
    display = {b.path: display_path(b.path, config.root) for b in bulletins}
    problems += check_bulletins(bulletins, directory, config.root, display)
    problems += check_personal_data(_published_texts(config, bulletins, files, display, sources), directory)
    return Project(config, directory, bulletins, _located(problems, sources))


def _published_texts(
    config: Config,
    bulletins: list[Bulletin],
    files: list[Path],
    display: dict[Path, str],
    sources: dict[str, Source],
) -> list[tuple[str, str, int]]:
    """Every text that may be published: bulletins as already read, plus the other pages in content/
    and the bulletin files that could not be loaded (read whole)."""
    out = []
    for b in bulletins:
        path = display[b.path]
        if path in sources:
            out.append((path, sources[path].text, 2))
        out.append((path, b.body, b.body_line))
    seen = {b.path for b in bulletins}
    if config.content_dir.is_dir():
        others = markdown_files(config.content_dir, skip=config.content_dir / BULLETIN_DIR)
        for p in others + [f for f in files if f not in seen]:
            try:
                out.append((display_path(p, config.root), p.read_text(encoding="utf-8"), 1))
            except (UnicodeDecodeError, OSError):
                continue  # reported by the loader
    return out


def _located(problems: list[Problem], sources: dict[str, Source]) -> list[Problem]:
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.path, []).append(p)
    out: list[Problem] = []
    for path, group in by_file.items():
        src = sources.get(path)
        out += locate(group, src.content, src.line_offset) if src else group
    return sorted(out, key=lambda p: (p.path, p.line, p.col))
