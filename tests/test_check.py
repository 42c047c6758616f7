"""`binpost check`: each rule with a bad file, the exact message and its position."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_bulletin

GOOD = """---
title: Testbericht
date: 2026-11-30 10:00
summary: Een korte samenvatting.
kind: prevention-tip
status: approved
networks: [bin-wilgenhove]
---

Tekst.
"""


def lines_of(out: str) -> list[str]:
    return [ln for ln in out.splitlines() if not ln.startswith("    fix:")]


def test_sample_zone_is_clean(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    r = binpost(sample, "check", "--strict")
    assert r.code == 0, r.out
    assert r.out == ""
    assert "16 bulletins, 5 networks, 30 members; 0 error(s), 0 warning(s)" in r.err


BULLETIN_CASES = [
    pytest.param(GOOD.replace("kind: prevention-tip", "kind: notic"),
                 "x.md:5:7: error: 'kind' is 'notic', which is not one of: notice, prevention-tip, fraud-warning, "
                 "call-for-witnesses, feedback, infoflash, meeting; did you mean 'notice'?", id="enum-did-you-mean"),
    pytest.param(GOOD.replace("summary:", "summry:"),
                 "x.md:4:1: error: unknown key 'summry' in the front matter; did you mean 'summary'?", id="unknown-key"),
    pytest.param(GOOD.replace("summary: Een korte samenvatting.\n", ""),
                 "x.md:2:1: error: missing required key 'summary' in the front matter", id="missing-required"),
    pytest.param(GOOD.replace("title: Testbericht", "title: [1, 2]"),
                 "x.md:2:8: error: 'title' must be text, not a list", id="mistyped"),
    pytest.param(GOOD.replace("2026-11-30 10:00", "2026-13-30"),
                 "x.md:3:7: error: 'date' is not a date: '2026-13-30'", id="bad-date"),
    pytest.param(GOOD.replace("2026-11-30 10:00", "1926-11-30"),
                 "x.md:3:7: error: 'date' has an unlikely year 1926", id="insane-year"),
    pytest.param(GOOD.replace("[bin-wilgenhove]", "[bin-wilgenhov]"),
                 "x.md:7:12: error: unknown network 'bin-wilgenhov'; did you mean 'bin-wilgenhove'?", id="unknown-network"),
    pytest.param(GOOD.replace("networks: [bin-wilgenhove]", "zones: [pz-lindeval]"),
                 "x.md:7:9: error: unknown zone 'pz-lindeval'; did you mean 'pz-lindevallei'?", id="unknown-zone"),
    pytest.param(GOOD.replace("networks: [bin-wilgenhove]", "groups: [noord]"),
                 "x.md:7:10: error: unknown group 'noord'", id="unknown-group"),
    pytest.param(GOOD.replace("kind: prevention-tip", "kind: fraud-warning"),
                 "x.md:6:9: error: an approved 'fraud-warning' bulletin is about crime and needs police approval",
                 id="approved-crime-without-approver"),
    pytest.param(GOOD.replace("status: approved", "status: approved\nexpires: 2026-11-01"),
                 "x.md:7:10: error: 'expires' is before 'date'", id="expires-before-date"),
    pytest.param(GOOD.replace("Tekst.", "Tekst.\n\nZie ![](kaart.png) hier."),
                 "x.md:12:5: error: image 'kaart.png' has no alt text", id="image-no-alt"),
    pytest.param(GOOD.replace("Tekst.", '<img src="a.png">'),
                 "x.md:10:1: error: <img> has no alt text", id="html-image-no-alt"),
    pytest.param(GOOD.replace("Tekst.", "Tekst.\n\n# Tweede titel"),
                 "x.md:12:1: error: level-1 heading in the body: the title is the bulletin's heading",
                 id="h1-in-body"),
    pytest.param(GOOD.replace("Tekst.", "```\n# geen kop, code\n```\n\n  # Wel een kop"),
                 "x.md:14:3: error: level-1 heading in the body: the title is the bulletin's heading",
                 id="h1-after-code-fence"),
    pytest.param(GOOD.replace("title: Testbericht", "title: 'Open"),
                 "x.md:2:8: error: YAML syntax error: while scanning a quoted scalar found unexpected end of stream",
                 id="yaml-syntax"),
    pytest.param(GOOD.replace("title: Testbericht", "title: Let op: oplichters"),
                 "x.md:2:14: error: YAML syntax error: mapping values are not allowed in this context", id="colon-in-value"),
    pytest.param(GOOD.replace("title: Testbericht", "title: A\ntitle: B"),
                 "x.md:3:1: error: duplicate key 'title'", id="duplicate-key"),
    pytest.param(GOOD.replace("networks: [bin-wilgenhove]", "networks: []"),
                 "x.md:1:1: error: the bulletin targets nobody", id="no-targets"),
    pytest.param("Geen front matter.\n",
                 "x.md:1:1: error: no front matter: a bulletin starts with a '---' line, its keys, and another '---' line",
                 id="no-front-matter"),
    pytest.param(GOOD.replace("Tekst.", "Bel An op 0460 99 00 01."),
                 "x.md:10:11: warning: a member's phone number appears in this file", id="member-phone-in-text"),
    pytest.param(GOOD.replace("Tekst.", "Mail naar An.Verstraete@example.org vandaag."),
                 "x.md:10:11: warning: a member's e-mail address appears in this file", id="member-email-in-text"),
]


@pytest.mark.parametrize(("text", "expected"), BULLETIN_CASES)
def test_bulletin_rule(sample: Path, binpost, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    write_bulletin(sample, "x.md", text)
    r = binpost(sample, "check", "--strict")
    assert r.code == 1
    expected = "content/berichten/" + expected
    assert expected in lines_of(r.out), r.out
    assert "Traceback" not in r.out + r.err


def test_duplicate_slug(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    write_bulletin(sample, "a.md", GOOD.replace("status: approved", "status: approved\nslug: dubbel"))
    write_bulletin(sample, "b.md", GOOD.replace("status: approved", "status: approved\nslug: dubbel"))
    r = binpost(sample, "check")
    assert "content/berichten/b.md:1:1: error: duplicate slug 'dubbel' (also used by content/berichten/a.md)" in r.out


def test_warning_passes_without_strict(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    write_bulletin(sample, "x.md", GOOD.replace("Tekst.", "Bel An op 0460 99 00 01."))
    assert binpost(sample, "check").code == 0
    assert binpost(sample, "check", "--strict").code == 1


def edit_members(root: Path, old: str, new: str, count: int = 1) -> None:
    path = root / "members.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


MEMBER_CASES = [
    pytest.param("    phone: '0460 99 00 01'", "    phone: 0460990001",
                 "members.yaml:{l}:12: error: phone number written without quotes: YAML reads 0460990001 as the number "
                 "460990001 and drops the leading zero", "quote it: phone: '0460990001'", id="unquoted-phone"),
    pytest.param("email: an.verstraete@example.org", "email: an.verstraete@@example.org",
                 "members.yaml:{l}:12: error: invalid e-mail address 'an.verstraete@@example.org': The part after the "
                 "@-sign contains invalid characters: '@'.", "", id="bad-email"),
    pytest.param("    phone: '0460 99 00 01'", "    phone: '0460 99'",
                 "members.yaml:{l}:12: error: invalid phone number '0460 99': not a valid phone number", "", id="bad-phone"),
    pytest.param("    networks: [bin-lindegem-centrum]\n    channels: [email, sms]\n    lang: nl\n    consent: {date: 2023-02-14",
                 "    networks: [bin-lindegm-centrum]\n    channels: [email, sms]\n    lang: nl\n    consent: {date: 2023-02-14",
                 "members.yaml:{l}:16: error: member 'm-0001' names unknown network 'bin-lindegm-centrum'; did you mean "
                 "'bin-lindegem-centrum'?", "", id="unknown-network"),
    pytest.param("    networks: [bin-lindegem-centrum]\n    channels: [email, sms]\n    lang: nl\n    consent: {date: 2023-02-14",
                 "    networks: []\n    channels: [email, sms]\n    lang: nl\n    consent: {date: 2023-02-14",
                 "members.yaml:{l}:15: error: member 'm-0001' is in no network", "", id="no-network"),
    pytest.param("  - id: m-0002\n", "  - id: m-0001\n",
                 "members.yaml:{l}:9: error: duplicate member id 'm-0001'", "", id="duplicate-id"),
    pytest.param("  - id: m-0002\n", "  - id: bart@example.net\n",
                 "members.yaml:{l}:9: error: member id 'bart@example.net' is an e-mail address", "", id="id-is-email"),
    pytest.param("    zone: pz-heidebos\n", "    zone: pz-heidebox\n",
                 "members.yaml:{l}:11: error: network 'bin-heidebos-dorp' names unknown zone 'pz-heidebox'; did you mean "
                 "'pz-heidebos'?", "", id="unknown-zone"),
    pytest.param("    coordinators: [m-0016]", "    coordinators: [m-9999]",
                 "members.yaml:{l}:20: error: network 'bin-essenbeek-noord' lists unknown member 'm-9999' in coordinators",
                 "", id="unknown-coordinator"),
    pytest.param("    schedule: immediate\n    channels: [email, sms, voice]",
                 "    schedule: {every: fortnight}\n    channels: [email, sms, voice]",
                 "members.yaml:{l}:15: error: invalid schedule {{'every': 'fortnight'}}", "", id="bad-schedule"),
    pytest.param("    consent: {date: 2023-02-14, source: papieren formulier}\n    status: active\n\n  - id: m-0002",
                 "    consent: {date: 2023-02-14, source: papieren formulier}\n    statu: active\n\n  - id: m-0002",
                 "members.yaml:{l}:5: error: unknown key 'statu' in member #1; did you mean 'status'?", "", id="unknown-key"),
    pytest.param("zones:\n  - id: pz-lindevallei", "zones:\n\t- id: pz-lindevallei",
                 "members.yaml:{l}:1: error: YAML syntax error: while scanning for the next token found character "
                 "that cannot start any token", "indent with spaces, not tabs", id="tab"),
]


@pytest.mark.parametrize(("old", "new", "expected", "hint"), MEMBER_CASES)
def test_members_rule(sample: Path, binpost, old: str, new: str, expected: str, hint: str) -> None:  # type: ignore[no-untyped-def]
    edit_members(sample, old, new)
    text = (sample / "members.yaml").read_text(encoding="utf-8")
    # The line is where the edited text starts (plus how far into it the problem sits).
    first = text[: text.rindex(new)].count("\n") + 1
    r = binpost(sample, "check")
    assert r.code == 1
    got = [ln for ln in lines_of(r.out) if ln.startswith("members.yaml:")]
    want = [expected.format(l=first + k) for k in range(new.count("\n") + 1)]
    assert set(got) & set(want), f"{want[0]} not in:\n{r.out}"
    if hint:
        assert f"    fix: {hint}" in r.out
    if "syntax" in expected:  # an unreadable members.yaml must not drown the report in follow-up errors
        assert "content/" not in r.out


def test_members_file_inside_content(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    (sample / "content" / "members.yaml").write_text("members: []\n", encoding="utf-8")
    r = binpost(sample, "check")
    assert r.code == 1
    assert ("content/members.yaml:1:1: error: a members file lies inside content/, so it would be published with the site"
            in r.out)


def test_github_format(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    write_bulletin(sample, "x.md", GOOD.replace("[bin-wilgenhove]", "[bin-wilgenhov]"))
    r = binpost(sample, "check", "--format", "github")
    assert r.code == 1
    assert ("::error file=content/berichten/x.md,line=7,col=12,title=binpost check::unknown network 'bin-wilgenhov'; "
            "did you mean 'bin-wilgenhove'? Fix: use an id from 'networks:' in members.yaml") in r.out


def test_cache_does_not_hide_problems(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    """A second run reads members.yaml from the cache and must report the same problems."""
    edit_members(sample, "    phone: '0460 99 00 01'", "    phone: 0460990001")
    first = binpost(sample, "check")
    second = binpost(sample, "check")
    assert first.out == second.out and "written without quotes" in second.out
    assert list((sample / "state" / "cache").glob("members-*.pickle"))
