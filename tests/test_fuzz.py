"""Random and truncated input never produces a traceback, only clean problems."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.content import Source, parse_bulletin
from mailer.directory import parse_directory
from mailer.errors import Problem
from mailer.project import _located

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_BULLETIN = (ROOT / "content/berichten/2026-11-25-valse-bankmedewerkers.md").read_text(encoding="utf-8")
SAMPLE_MEMBERS = (ROOT / "members.yaml").read_text(encoding="utf-8")

yaml_scalars = st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False),
                         st.dates().map(str))
yaml_values = st.recursive(yaml_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def assert_clean(problems: list[Problem], sources: dict[str, Source]) -> None:
    for p in _located(problems, sources):
        assert isinstance(p.message, str) and p.message
        assert p.line >= 1 and p.col >= 1
        assert "Traceback" not in p.format()


FAST = settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.integers(min_value=0, max_value=len(SAMPLE_BULLETIN)))
def test_truncated_bulletin(cut: int) -> None:
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    parse_bulletin(SAMPLE_BULLETIN[:cut], Path("x.md"), "x.md", problems, sources)
    assert_clean(problems, sources)


@FAST
@given(st.text(max_size=300))
def test_random_front_matter(junk: str) -> None:
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    parse_bulletin("---\n" + junk + "\n---\nTekst\n", Path("x.md"), "x.md", problems, sources)
    assert_clean(problems, sources)


@FAST
@given(st.dictionaries(st.sampled_from(["title", "date", "summary", "kind", "networks", "expires", "all", "tags",
                                        "status", "lang", "onbekend"]), yaml_values, max_size=8))
def test_random_typed_front_matter(data: dict[str, object]) -> None:
    import json

    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    # JSON is YAML: every value type reaches the validator.
    parse_bulletin("---\n" + json.dumps(data) + "\n---\n", Path("x.md"), "x.md", problems, sources)
    assert_clean(problems, sources)


@FAST
@given(st.integers(min_value=0, max_value=len(SAMPLE_MEMBERS)))
def test_truncated_members(cut: int) -> None:
    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    parse_directory(SAMPLE_MEMBERS[:cut], "members.yaml", problems, sources)
    assert_clean(problems, sources)


@FAST
@given(st.dictionaries(st.sampled_from(["zones", "networks", "groups", "members", "x"]),
                       st.lists(st.dictionaries(st.sampled_from(["id", "name", "zone", "email", "phone", "networks",
                                                                 "consent", "schedule", "status", "contact"]),
                                                yaml_values, max_size=6), max_size=3), max_size=4))
def test_random_members(data: dict[str, object]) -> None:
    import json

    problems: list[Problem] = []
    sources: dict[str, Source] = {}
    parse_directory(json.dumps(data), "members.yaml", problems, sources)
    assert_clean(problems, sources)


def _both_ways(text: str) -> list[tuple[object, ...]]:
    import mailer.directory as directory

    out = []
    for threshold in (0, 1 << 40):  # members read in chunks of 3, and the file read whole
        saved = directory.CHUNKED_FROM, directory.PER_CHUNK
        directory.CHUNKED_FROM, directory.PER_CHUNK = threshold, 3
        try:
            problems: list[Problem] = []
            d = parse_directory(text, "members.yaml", problems, {})
        finally:
            directory.CHUNKED_FROM, directory.PER_CHUNK = saved
        out.append((d, sorted((p.message, p.where, p.line, p.col) for p in problems)))
    return out


@FAST
@given(st.integers(min_value=0, max_value=len(SAMPLE_MEMBERS)), st.integers(min_value=0, max_value=len(SAMPLE_MEMBERS)),
       st.sampled_from(["", "\n", "  - ", "- ", "'", '"', "#", ": ", "  ", "&a ", "|\n"]))
def test_chunked_reading_equals_whole_reading(at: int, cut: int, insert: str) -> None:
    # Any insertion or truncation: reading the members piecewise never gives another result.
    text = (SAMPLE_MEMBERS[:at] + insert + SAMPLE_MEMBERS[at:])[: max(cut, at)]
    chunked, whole = _both_ways(text)
    assert chunked == whole
