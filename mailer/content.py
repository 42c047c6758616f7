"""Loading bulletins: Markdown files with YAML front matter under content/berichten/."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import Problem
from .models import Bulletin
from .schema import BRUSSELS, BULLETIN, validate_mapping
from .yamlio import parse_yaml

BULLETIN_DIR = "berichten"
UNSET_DATE = datetime(1970, 1, 1, tzinfo=BRUSSELS)  # stands in for a broken date while checking
_FENCE = re.compile(r"^---[ \t]*$", re.M)


@dataclass(frozen=True)
class Source:
    """A file's text, kept so that problems can be located after the fact."""

    path: str
    text: str
    line_offset: int = 0  # lines before the YAML starts (the opening '---')
    file: Path | None = None  # when set (and text empty), read on demand: big files are not kept in memory

    @property
    def content(self) -> str:
        if self.file is not None and not self.text:
            return self.file.read_text(encoding="utf-8")
        return self.text


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (yaml, body, body_first_line) or None when there is no front matter."""
    if not (text.startswith("---\n") or text.startswith("---\r\n") or text.rstrip("\r\n") == "---"):
        return None
    first_nl = text.find("\n")
    m = _FENCE.search(text, first_nl + 1)
    if m is None:
        return None
    yaml_text = text[first_nl + 1 : m.start()]
    rest = text[m.end() :]
    if rest.startswith("\r\n"):
        rest = rest[2:]
    elif rest.startswith("\n"):
        rest = rest[1:]
    body_line = text.count("\n", 0, m.end()) + 2
    return yaml_text, rest, body_line


def bulletin_files(content_dir: Path) -> list[Path]:
    return markdown_files(content_dir / BULLETIN_DIR)


def markdown_files(folder: Path, skip: Path | None = None) -> list[Path]:
    """The .md files below `folder` (not below `skip`), in path order.

    Sorted by their parts: the same order as sorting Path objects, without Path's slow comparison
    (0.1 s for 5,000 bulletins).
    """
    out = []
    for top, dirs, names in os.walk(folder, followlinks=True):  # as MkDocs walks docs_dir
        if skip is not None and Path(top) == skip:
            dirs.clear()
            continue
        out += [Path(top, n) for n in names if n.endswith(".md")]
    return sorted(out, key=lambda p: p.parts)


def load_bulletin(path: Path, display: str, problems: list[Problem], sources: dict[str, Source]) -> Bulletin | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(display, f"not UTF-8 text (byte {exc.start})", line=1, col=1, hint="save the file as UTF-8")
        )
        return None
    return parse_bulletin(text, path, display, problems, sources)


def parse_bulletin(
    text: str, path: Path, display: str, problems: list[Problem], sources: dict[str, Source]
) -> Bulletin | None:
    """Pure: text in, Bulletin (or None) and problems out."""
    if "\x00" in text:
        problems.append(Problem(display, "file contains NUL bytes", line=1, col=1, hint="save it as plain UTF-8 text"))
        return None
    split = split_front_matter(text)
    if split is None:
        problems.append(
            Problem(
                display,
                "no front matter: a bulletin starts with a '---' line, its keys, and another '---' line",
                line=1,
                col=1,
                hint="run 'binpost new' to start from a template",
            )
        )
        return None
    yaml_text, body, body_line = split
    sources[display] = Source(display, yaml_text, 1)
    data, errs = parse_yaml(yaml_text, display, line_offset=1)
    problems.extend(errs)
    if errs:
        return None
    if data is None:
        data = {}
    mine: list[Problem] = []
    v = validate_mapping(data, BULLETIN, display, (), mine, "the front matter")
    problems.extend(mine)
    if not v:
        return None
    # Keep checking a bulletin whose required keys are broken (its targets,
    # images, ...), so one run reports everything; the errors stop any build.
    v["date"] = v["date"] or UNSET_DATE
    v["title"], v["summary"], v["kind"] = v["title"] or "", v["summary"] or "", v["kind"] or "notice"
    return _bulletin(path, v, body, body_line)


def _bulletin(path: Path, v: dict[str, Any], body: str, body_line: int) -> Bulletin:
    return Bulletin(
        path=path,
        slug=v["slug"] or path.stem,
        title=v["title"],
        date=v["date"],
        summary=v["summary"],
        kind=v["kind"],
        body=body,
        priority=v["priority"],
        audience=v["audience"],
        status=v["status"],
        networks=v["networks"],
        zones=v["zones"],
        groups=v["groups"],
        all=v["all"],
        approved_by=v["approved_by"],
        expires=v["expires"],
        lang=v["lang"],
        tags=v["tags"],
        author=v["author"],
        body_line=body_line,
    )


def load_bulletins(
    files: list[Path], root: Path, problems: list[Problem], sources: dict[str, Source]
) -> list[Bulletin]:
    """The bulletins of `files` (see bulletin_files) that could be read; problems for the rest."""
    out = []
    for path in files:
        b = load_bulletin(path, _display(path, root), problems, sources)
        if b is not None:
            out.append(b)
    return out


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
