"""Reading YAML fast, and finding where a problem sits only when there is one.

Reading goes through yaml_rs (a Rust YAML 1.2 parser): 10,000 members load in
about 0.25 s, against 4 s for PyYAML's C loader and over 10 s for ruamel's
round-trip loader on the same machine. Positions are only needed to report a
problem, so the (slower) PyYAML composer runs then, and only on the files that
have problems. Edits keep using ruamel.yaml round-trip (members.py).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
import yaml_rs

from .errors import Problem, YamlPath

_RS_POS = re.compile(r"line (\d+), column (\d+)")


def parse_yaml(text: str, path: str, line_offset: int = 0) -> tuple[Any, list[Problem]]:
    """Parse one YAML document. On a syntax error return (None, [problem])."""
    try:
        return yaml_rs.loads(text), []
    except yaml_rs.YAMLDecodeError as exc:
        return None, [_syntax_problem(text, path, line_offset, str(exc))]
    except (ValueError, OverflowError, RecursionError) as exc:  # e.g. a date like 2026-02-30
        return None, [_syntax_problem(text, path, line_offset, str(exc))]


def _syntax_problem(text: str, path: str, line_offset: int, rs_message: str) -> Problem:
    first = rs_message.strip().splitlines()[0] if rs_message.strip() else "invalid YAML"
    if "duplicate mapping key" in first:
        return _duplicate_key_problem(text, path, line_offset, first)
    try:
        yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        what = " ".join(x for x in (exc.context, exc.problem) if x) or first
        # An unclosed quote or bracket is found at the end of the file; point where it was opened.
        at_end = "end of stream" in (exc.problem or "")
        mark = (exc.context_mark if at_end else None) or exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        lines = text.splitlines()
        bad_line = lines[line - 1] if 0 < line <= len(lines) else ""
        hint = "indent with spaces, not tabs" if "\t" in bad_line[:col] else _yaml_hint(what)
        return Problem(path, f"YAML syntax error: {what}", hint=hint, line=line + line_offset, col=col)
    except yaml.YAMLError:
        pass
    m = _RS_POS.search(rs_message)
    line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
    detail = " ".join(rs_message.split())
    return Problem(path, f"YAML error: {detail}", hint=_yaml_hint(detail), line=line + line_offset, col=col)


def _yaml_hint(what: str) -> str:
    if "tab" in what:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in what:
        return "quote a value that contains ': ' (e.g. title: 'Let op: oplichters')"
    if "found character" in what and "'@'" in what:
        return "quote a value that starts with @ or `"
    return "check indentation, quotes and brackets on this line or the one before"


def _duplicate_key_problem(text: str, path: str, line_offset: int, first: str) -> Problem:
    """yaml_rs refuses duplicate keys; find the second occurrence for the position."""
    try:
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        root = None
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if k.value in seen:
                    return Problem(
                        path,
                        f"duplicate key '{k.value}'",
                        key=str(k.value),
                        hint="remove one of the two; the later one would silently win",
                        line=k.start_mark.line + 1 + line_offset,
                        col=k.start_mark.column + 1,
                    )
                seen.add(k.value)
                stack.append(v)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return Problem(path, f"YAML error: {first}", line=1 + line_offset, col=1)


def compose_nodes(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None


def find_node(root: yaml.Node | None, where: YamlPath) -> tuple[yaml.Node | None, yaml.Node | None]:
    """Follow a path of keys and indexes; return (key node, value node) of the deepest hit."""
    key_node: yaml.Node | None = None
    node = root
    for step in where:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            hit = next(((k, v) for k, v in node.value if k.value == step), None)
            if hit is None:
                break
            key_node, node = hit
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if not 0 <= step < len(node.value):
                break
            key_node, node = None, node.value[step]
        else:
            break
    return key_node, node


def locate(problems: list[Problem], text: str, line_offset: int = 0) -> list[Problem]:
    """Fill in line and column for problems that carry a YAML path."""
    pending = [p for p in problems if p.where is not None and not p.line]
    if not pending:
        return problems
    root = compose_nodes(text)
    out = []
    for p in problems:
        if p.where is not None and not p.line:
            key_node, value_node = find_node(root, p.where)
            node = value_node if (p.at_value or key_node is None) else key_node
            if node is not None:
                p = p.at(node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)
            else:
                p = p.at(1 + line_offset, 1)
        out.append(p)
    return out


def raw_scalar(text: str, where: YamlPath) -> str | None:
    """The scalar exactly as written in the file (e.g. 0470123456 before it became an int)."""
    _, node = find_node(compose_nodes(text), where)
    return node.value if isinstance(node, yaml.ScalarNode) else None


# Splitting a huge top-level block sequence (the members) so it can be parsed piece by piece.
# yaml_rs holds its own tree and then the Python objects of the whole document: 350 MB for
# 100,000 members (a 23 MB file). Parsed 1,000 items at a time the peak stays a few MB.
_DOC_MARKER = re.compile(r"^(?:---|\.\.\.)(?:\s|$)", re.M)
_NODE_PROPERTY = re.compile(r"(?:^|[\s\[{,:-])[&*!]\S")  # an anchor, alias or tag: not safe to split
_TOP_KEY = re.compile(r"^[^\s#-]", re.M)  # a line that starts a top-level key


def split_sequence(text: str, key: str, per_chunk: int) -> tuple[str, list[tuple[slice, int]]] | None:
    """Split the top-level `key:`'s block sequence at the starts of its items.

    Returns (the document without that key, [(where the chunk is in `text`, number of items cut
    into it)]), or None when the text is not plain enough to split with certainty (anchors,
    aliases, tags, several documents, a flow-style list, the key twice): the caller then parses
    it whole. A cut inside a quoted or block scalar cannot pass unnoticed: that chunk then fails
    to parse or yields another number of items than it was cut for, and the caller falls back too.
    """
    heads = list(re.finditer(rf"^{re.escape(key)}:[ \t]*(?:#[^\n]*)?$", text, re.M))
    if len(heads) != 1 or _DOC_MARKER.search(text) or _NODE_PROPERTY.search(text):
        return None
    body = heads[0].end() + 1
    first = re.compile(r"^([ ]*)-(?:[ ]|$)", re.M).search(text, body)
    if first is None or any(
        ln.strip() and not ln.lstrip().startswith("#") for ln in text[body : first.start()].split("\n")
    ):
        return None
    indent = first.group(1)
    # The list ends at the next top-level key: a line at column 0 that is not a comment
    # (nor an item, when the items themselves start at column 0).
    stop = re.compile(r"^[^\s#-]" if not indent else r"^[^\s#]", re.M).search(text, first.start())
    end = stop.start() if stop else len(text)
    starts = [m.start() for m in re.compile(rf"^{indent}-(?:[ ]|$)", re.M).finditer(text, first.start(), end)]
    # Spans, not copies: the caller slices one chunk at a time, so the file is not held twice.
    chunks = []
    for i in range(0, len(starts), per_chunk):
        last = i + per_chunk >= len(starts)
        chunks.append((slice(starts[i], end if last else starts[i + per_chunk]), min(per_chunk, len(starts) - i)))
    return text[: heads[0].start()] + text[end:], chunks
