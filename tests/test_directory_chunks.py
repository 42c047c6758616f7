"""Reading a large members.yaml a chunk of members at a time gives what reading it whole gives."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT

import mailer.directory as directory
from mailer.errors import Problem
from mailer.models import Directory
from mailer.yamlio import split_sequence

SAMPLE = (ROOT / "members.yaml").read_text(encoding="utf-8")


def read(text: str, chunked: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Directory, list[tuple[Any, ...]], bool]:
    """The directory, its problems, and whether the whole text went through the YAML parser."""
    monkeypatch.setattr(directory, "CHUNKED_FROM", 0 if chunked else 1 << 40)
    monkeypatch.setattr(directory, "PER_CHUNK", 4)  # many chunk boundaries in a small file
    parsed: list[str] = []
    real = directory.parse_yaml
    monkeypatch.setattr(directory, "parse_yaml", lambda t, *a: (parsed.append(t), real(t, *a))[1])
    problems: list[Problem] = []
    d = directory.parse_directory(text, "members.yaml", problems, {})
    return d, sorted((p.message, p.where, p.line, p.col) for p in problems), text in parsed


def same_both_ways(
    text: str, monkeypatch: pytest.MonkeyPatch, piecewise: bool = True
) -> tuple[Directory, list[tuple[Any, ...]]]:
    d, problems, _ = read(text, False, monkeypatch)
    d2, problems2, whole = read(text, True, monkeypatch)
    assert (d2, problems2) == (d, problems)
    assert whole is not piecewise  # read in chunks, or fell back to the whole file
    return d, problems


def test_sample_is_split_and_read_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    split = split_sequence(SAMPLE, "members", 4)
    assert split is not None
    rest, chunks = split
    assert "members:" not in rest and "networks:" in rest
    assert sum(n for _, n in chunks) == 30 and len(chunks) == 8
    d, problems = same_both_ways(SAMPLE, monkeypatch)
    assert len(d.members) == 30 and not problems


def test_problems_in_later_chunks_keep_their_member_index(monkeypatch: pytest.MonkeyPatch) -> None:
    text = SAMPLE.replace("bart.dewilde@example.net", "bart.dewilde@@example.net").replace(
        "  - id: m-0029\n", "  - id: m-0029\n    colour: blue\n"
    )
    _, problems = same_both_ways(text, monkeypatch)
    wheres = [w for _, w, _, _ in problems]
    assert ("members", 1, "email") in wheres and ("members", 28, "colour") in wheres


def test_members_at_column_zero_and_a_key_after_them(monkeypatch: pytest.MonkeyPatch) -> None:
    head, members = SAMPLE.split("members:\n")
    flush = "\n".join(ln[2:] if ln.startswith("  ") else ln for ln in members.splitlines()) + "\n"
    text = "members:\n" + flush + head  # members first, at column 0, then zones, networks, groups
    split = split_sequence(text, "members", 4)
    assert split is not None and "zones:" in split[0]
    d, problems = same_both_ways(text, monkeypatch)
    assert len(d.members) == 30 and len(d.networks) == 5 and not problems


def test_comments_around_the_list_are_no_obstacle(monkeypatch: pytest.MonkeyPatch) -> None:
    text = SAMPLE.replace("members:\n", "members: # 30 of them\n\n  # the first one\n", 1)
    same_both_ways(text, monkeypatch)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(("  - id: m-0002\n", "  - &bart\n    id: m-0002\n"), id="anchor"),
        pytest.param(("name: Bart De Wilde", "name: !!str Bart De Wilde"), id="tag"),
        pytest.param(("zones:\n", "---\nzones:\n"), id="document-marker"),
    ],
)
def test_unusual_files_are_read_whole(change: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    text = SAMPLE.replace(*change, 1)
    assert text != SAMPLE
    same_both_ways(text, monkeypatch, piecewise=False)


def test_a_cut_inside_a_quoted_name_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # A double-quoted name runs over a line that looks like the start of an item: cutting there
    # would give two broken chunks; the whole file is read instead, with the same outcome.
    text = SAMPLE.replace('name: Bart De Wilde\n', 'name: "Bart De Wilde\n  - id: m-0099"\n', 1)
    assert split_sequence(text, "members", 1) is not None  # the cut is made...
    same_both_ways(text, monkeypatch, piecewise=False)  # ...and noticed


def test_a_syntax_error_in_a_chunk_is_reported_as_for_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    text = SAMPLE.replace("    phone: '0460 99 00 21'\n", "    phone: '0460 99 00 21\n", 1)
    assert text != SAMPLE
    d, problems = same_both_ways(text, monkeypatch, piecewise=False)
    assert not d.complete and problems and "YAML" in problems[0][0]


def test_flow_style_members_are_not_split() -> None:
    assert split_sequence("zones: []\nmembers: [{id: m-1}]\n", "members", 1) is None
    assert split_sequence("members:\n  - id: a\nmembers:\n  - id: b\n", "members", 1) is None


def test_cache_in_batches_gives_back_the_same_directory(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """members.yaml is cached as several pickles (bounded pickle memo); reading them back loses nothing."""
    monkeypatch.setattr(directory, "CACHE_BATCH", 7)  # 30 members: 5 batches, the last one short
    path = tmp_path / "members.yaml"
    path.write_text(SAMPLE.replace("bart.dewilde@example.net", "bart.dewilde@@example.net"), encoding="utf-8")
    cache = tmp_path / "cache"

    def load() -> tuple[Directory, list[str]]:
        problems: list[Problem] = []
        d = directory.load_directory(path, "members.yaml", problems, {}, cache)
        return d, [p.format() for p in problems]

    first = load()
    (stored,) = cache.glob("members-*.pickle")
    calls: list[int] = []
    real = directory.parse_directory
    monkeypatch.setattr(directory, "parse_directory", lambda *a: (calls.append(1), real(*a))[1])
    again = load()
    assert calls == []  # read from the cache
    assert again == first and list(again[0].members) == list(first[0].members)  # order kept too
    assert len(first[1]) == 1 and "bart.dewilde@@example.net" in first[1][0]  # and the problem
    stored.write_bytes(stored.read_bytes()[: stored.stat().st_size // 2])  # a cut-off cache file
    assert load() == first and calls == [1]  # noticed and recomputed, not read short
