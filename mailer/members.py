"""Round-trip edits of members.yaml: comments, key order, quoting and layout survive.

The only ruamel.yaml importer. Every change goes through `edit_members`: load
once, apply any number of changes, validate the result as a whole, then write
it atomically (temporary file, fsync, rename). An edit that would make the
file invalid is refused and the file is left untouched.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from .checks import check_directory
from .directory import parse_directory
from .errors import BinpostError, Problem
from .fileio import atomic_write


class EditRefused(BinpostError):
    """The change would make members.yaml invalid; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(p.format() for p in problems[:10])
        super().__init__(f"refused: the change would make members.yaml invalid; the file is untouched\n{lines}")


def _yaml_for(text: str) -> YAML:
    """A round-trip YAML whose indentation matches the file, so unchanged lines stay byte-identical."""
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap long lines
    m = re.search(r"^members:\n( *)- ", text, re.M) or re.search(r"^\w+:\n( *)- ", text, re.M)
    offset = len(m.group(1)) if m else 2
    y.indent(mapping=2, sequence=offset + 2, offset=offset)
    return y


class MembersDoc:
    """The parsed round-trip document, with edit operations keyed by member id."""

    def __init__(self, data: CommentedMap) -> None:
        self.data = data

    @property
    def members(self) -> CommentedSeq:
        seq: CommentedSeq | None = self.data.get("members")
        if seq is None:
            seq = CommentedSeq()
            self.data["members"] = seq
        return seq

    def index(self, member_id: str) -> int:
        for i, m in enumerate(self.members):
            if isinstance(m, dict) and m.get("id") == member_id:
                return i
        raise BinpostError(f"no member with id '{member_id}' in members.yaml")

    def get(self, member_id: str) -> CommentedMap:
        m: CommentedMap = self.members[self.index(member_id)]
        return m

    def ids(self) -> set[str]:
        return {str(m.get("id")) for m in self.members if isinstance(m, dict)}

    def next_id(self) -> str:
        numbers = [int(x[2:]) for x in self.ids() if re.fullmatch(r"m-\d+", x)]
        width = max((len(x) - 2 for x in self.ids() if re.fullmatch(r"m-\d+", x)), default=4)
        return f"m-{(max(numbers, default=0) + 1):0{width}d}"

    def add(self, fields: dict[str, Any]) -> str:
        member = CommentedMap()
        for key, value in fields.items():
            member[key] = _yaml_value(key, value)
        seq = self.members
        if len(seq):
            _keep_blank_line_before(seq, len(seq) - 1)
        seq.append(member)
        return str(fields["id"])

    def set(self, member_id: str, key: str, value: Any) -> None:
        m = self.get(member_id)
        if value is None or value == "":
            if key in m:
                _delete_key_keep_comments(m, key)
            return
        m[key] = _yaml_value(key, value)

    def remove(self, member_id: str) -> None:
        """Delete a member; the comment above the *next* member stays with that member."""
        seq = self.members
        i = self.index(member_id)
        following = _trailing_comment(seq[i])
        if i > 0:
            _set_trailing_comment(seq[i - 1], following)
        del seq[i]


def _yaml_value(key: str, value: Any) -> Any:
    from ruamel.yaml.comments import CommentedSeq as Seq
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    if isinstance(value, (list, tuple)):
        s = Seq(list(value))
        s.fa.set_flow_style()  # [a, b] as in the rest of the file
        return s
    if isinstance(value, dict):
        m = CommentedMap(value)
        m.fa.set_flow_style()
        return m
    if key == "phone":
        return SingleQuotedScalarString(str(value))  # never a number: the leading zero would be lost
    return value


def _trailing_comment(m: Any) -> Any:
    if not isinstance(m, CommentedMap) or not len(m):
        return None
    last = list(m)[-1]
    entry = m.ca.items.get(last)
    return entry[2] if entry and len(entry) > 2 else None


def _set_trailing_comment(m: Any, token: Any) -> None:
    if not isinstance(m, CommentedMap) or not len(m):
        return
    last = list(m)[-1]
    entry = m.ca.items.setdefault(last, [None, None, None, None])
    entry[2] = token


def _keep_blank_line_before(seq: CommentedSeq, last_index: int) -> None:
    """Entries are separated by a blank line; give the new last entry one too."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    prev = seq[last_index]
    if _trailing_comment(prev) is None:
        _set_trailing_comment(prev, CommentToken("\n\n", CommentMark(0), None))


def _delete_key_keep_comments(m: CommentedMap, key: str) -> None:
    keys = list(m)
    token = m.ca.items.get(key, [None, None, None, None])[2] if key in m.ca.items else None
    del m[key]
    if token is not None and keys[-1] == key and len(m):
        _set_trailing_comment(m, token)


@contextmanager
def edit_members(path: Path, display: str = "members.yaml") -> Iterator[MembersDoc]:
    """Load once, let the caller change anything, validate, write atomically (or refuse)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BinpostError(f"{display} not found") from None
    y = _yaml_for(text)
    try:
        data = y.load(text)
    except YAMLError as exc:
        raise BinpostError(f"{display} cannot be read ({exc}); run 'binpost check' and fix it first") from None
    if not isinstance(data, CommentedMap):
        raise BinpostError(f"{display} is not a mapping of zones, networks, groups and members")
    doc = MembersDoc(data)
    yield doc
    out = io.StringIO()
    y.dump(doc.data, out)
    new_text = out.getvalue()
    if new_text == text:
        return
    problems: list[Problem] = []
    directory = parse_directory(new_text, display, problems, {})
    problems += check_directory(directory, display)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        from .yamlio import locate

        raise EditRefused(locate(errors, new_text))
    atomic_write(path, new_text)


def today() -> date:
    from . import clock

    return clock.now().date()
