"""Editing members.yaml round-trip, atomically; import and export; GDPR rights."""

from __future__ import annotations

import difflib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailer.config import load_config
from mailer.project import load_project


def changed_lines(before: str, after: str) -> list[str]:
    """Removed lines as '-line', added as '+line', in file order (ndiff marks each line on its own)."""
    return [ln[0] + ln[2:] for ln in difflib.ndiff(before.splitlines(), after.splitlines()) if ln[:2] in ("- ", "+ ")]


def block_of(text: str, member_id: str) -> set[str]:
    """The lines of one member's entry (and the comment right above it)."""
    lines = text.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.strip() == f"- id: {member_id}")
    start = first
    while start > 0 and lines[start - 1].strip().startswith("#"):
        start -= 1
    end = first + 1
    while end < len(lines) and not lines[end].lstrip().startswith(("- id:", "#")) and lines[end].strip():
        end += 1
    return set(lines[start:end])


def test_round_trip_edits_touch_only_the_member(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    path = sample / "members.yaml"
    original = path.read_text(encoding="utf-8")

    r = binpost(sample, "members", "edit", "m-0009", "--set", "email=ivo@example.net", "--set", "lang=fr")
    assert r.code == 0, r.err
    after = path.read_text(encoding="utf-8")
    assert changed_lines(original, after) == ["-    email: ivo.goossens@example.net", "+    email: ivo@example.net",
                                              "-    lang: nl", "+    lang: fr"]

    before = after
    assert binpost(sample, "members", "unsubscribe", "m-0012", "--network", "bin-wilgenhove").code == 0
    after = path.read_text(encoding="utf-8")
    diff = changed_lines(before, after)
    assert len(diff) == 1 and diff[0].startswith("+    unsubscribed: {bin-wilgenhove: ")

    before = after
    assert binpost(sample, "members", "add", "--name", "Nieuw Lid", "--email", "Nieuw.Lid@Example.org", "--phone",
                   "0460 99 00 77", "--network", "bin-essenbeek-noord", "--consent-source", "infoavond",
                   "--consent-date", "2026-12-01").code == 0
    after = path.read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        "+", "+  - id: m-0031", "+    name: Nieuw Lid", "+    email: Nieuw.Lid@Example.org",
        "+    phone: '0460 99 00 77'", "+    networks: [bin-essenbeek-noord]", "+    channels: [email]",
        "+    lang: nl", "+    consent: {date: 2026-12-01, source: infoavond}", "+    status: active"]

    before = after
    erased = block_of(before, "m-0004")  # has a comment above it; the next one (m-0005) has none
    assert binpost(sample, "members", "erase", "m-0004", "--yes").code == 0
    after = path.read_text(encoding="utf-8")
    removed = {ln[1:] for ln in changed_lines(before, after) if ln.startswith("-")}
    assert removed <= erased | {""} and not [ln for ln in changed_lines(before, after) if ln.startswith("+")]
    assert "  # Gets a printed copy in the letterbox." in after  # the comment of a later member stays
    assert binpost(sample, "check", "--strict").code == 0


def test_comment_above_the_next_member_survives_a_deletion(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    path = sample / "members.yaml"
    before = path.read_text(encoding="utf-8")
    assert "  # Gets a printed copy in the letterbox.\n  - id: m-0007" in before
    assert binpost(sample, "members", "erase", "m-0006", "--yes").code == 0  # the member right above m-0007
    after = path.read_text(encoding="utf-8")
    assert "  # Gets a printed copy in the letterbox.\n  - id: m-0007" in after
    assert "m-0006" not in after


def test_invalid_edit_is_refused_and_file_untouched(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    path = sample / "members.yaml"
    before = path.read_bytes()
    r = binpost(sample, "members", "edit", "m-0009", "--set", "networks=bin-nergens")
    assert r.code == 1
    assert "refused" in r.err and "unknown network 'bin-nergens'" in r.err
    r = binpost(sample, "members", "erase", "m-0001", "--yes")  # a coordinator: the network would point nowhere
    assert r.code == 1 and "unknown member 'm-0001' in coordinators" in r.err
    assert path.read_bytes() == before
    assert not list(sample.glob(".members.yaml.*"))


def test_move_between_networks(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    assert binpost(sample, "members", "move", "m-0011", "--from", "bin-essenbeek-noord", "--to",
                   "bin-heidebos-dorp").code == 0
    d = load_project(load_config(sample)).directory
    assert d.members["m-0011"].networks == ("bin-wilgenhove", "bin-heidebos-dorp")


KILLER = """
import sys
from pathlib import Path
from mailer.members import edit_members
path = Path(sys.argv[1])
i = 0
while True:
    with edit_members(path) as doc:
        doc.set("m-0009", "note", "versie %d " % i + "x" * 2000)
    i += 1
"""


def test_kill_during_write_leaves_old_or_new_file(sample: Path) -> None:
    path = sample / "members.yaml"
    rnd = random.Random(7)
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", KILLER, str(path)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        time.sleep(rnd.uniform(0.6, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        project = load_project(load_config(sample))
        assert not project.errors, [p.format() for p in project.errors]
        note = project.directory.members["m-0009"].note
        assert note == "" or (note.startswith("versie ") and note.endswith("x" * 2000))
    for stray in sample.glob(".members.yaml.*.tmp"):
        stray.unlink()  # a temp file may be left by a kill; the real file is never half-written


MESSY = """Naam ; E-mail ; GSM ; Netwerk
  Ivo   Goossens ; IVO.GOOSSENS@EXAMPLE.NET ;  ; bin-wilgenhove
Nieuwe Buur;nieuwe.buur@example.org;0460/99.00.55;bin-wilgenhove
Nieuwe Buur;Nieuwe.Buur@example.org;;bin-wilgenhove
Foute Mail;iemand@@example.org;;bin-wilgenhove
Lotte Aerts;lotte.aerts@example.net;0460 99 00 56;bin-wilgenhove
Zonder Netwerk;zonder@example.org;;bin-nergens
;leeg@example.org;;bin-wilgenhove
Hilde Mertens;hilde.mertens@example.org;+32 460 99 00 08;bin-wilgenhove
"""


def test_import_messy_csv_reports_before_writing(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    csv_path = sample / "lijst.csv"
    csv_path.write_text(MESSY, encoding="utf-8")
    before = (sample / "members.yaml").read_bytes()
    r = binpost(sample, "members", "import", str(csv_path))
    assert r.code == 1  # invalid rows: a dry run says so
    lines = [ln.split() for ln in r.out.splitlines() if ln.startswith("row")]
    status = {int(parts[1].rstrip(":")): parts[2] for parts in lines}
    assert status == {2: "unchanged", 3: "new", 4: "duplicate", 5: "invalid", 6: "changed", 7: "invalid",
                      8: "invalid", 9: "unchanged"}
    assert "row    6: changed   m-0012     phone:  -> +32 460 99 00 56" in r.out
    assert "unknown network bin-nergens" in r.out and "no name" in r.out
    assert "summary: 1 changed, 1 duplicate, 3 invalid, 1 new, 2 unchanged" in r.out
    assert (sample / "members.yaml").read_bytes() == before
    refused = binpost(sample, "members", "import", str(csv_path), "--apply")
    assert refused.code == 1 and "consent" in refused.err
    ok = binpost(sample, "members", "import", str(csv_path), "--apply", "--consent-source", "papieren formulier")
    assert ok.code == 0, ok.err
    d = load_project(load_config(sample)).directory
    new = next(m for m in d.members.values() if m.email == "nieuwe.buur@example.org")
    assert new.phone == "+32460990055" and new.networks == ("bin-wilgenhove",)
    assert d.members["m-0012"].phone == "+32460990056"


def test_export_network_csv(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    out = sample / "export.csv"
    assert binpost(sample, "members", "export", "--network", "binz-lindegem-handel", "--out", str(out)).code == 0
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "id;naam;e-mail;gsm;kanalen;taal;status;netwerken"
    assert len(rows) == 1 + 5 and any(r.startswith("m-0003;Chantal Peeters;") for r in rows)


def test_show_lists_everything_held(sample: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    r = binpost(sample, "members", "show", "m-0006")
    assert r.code == 0
    assert "email: frank.jacobs@example.net" in r.out and "consent: 2023-04-01 (webformulier)" in r.out
    assert "unsubscribed: bin-lindegem-centrum since 2025-09-01" in r.out and "deliveries: 0" in r.out


@pytest.fixture
def unsubscribe_server(sample: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "BINPOST_SECRET": "unsubscribe-test-secret-123"}
    proc = subprocess.Popen([sys.executable, "-m", "mailer", "-C", str(sample), "unsubscribe-server", "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    url = line.split()[2]
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def post(url: str, body: bytes) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_one_click_unsubscribe_over_http(sample: Path, binpost, unsubscribe_server: str) -> None:  # type: ignore[no-untyped-def]
    import urllib.request

    from mailer.tokens import make_token

    secret = b"unsubscribe-test-secret-123"
    token = make_token(secret, "m-0009", "bin-wilgenhove")
    one_click = b"List-Unsubscribe=One-Click"
    status, body = post(f"{unsubscribe_server}?t={token}", one_click)
    assert status == 200 and b"uitgeschreven" in body
    assert post(f"{unsubscribe_server}?t={token}", one_click)[0] == 200  # a replay is harmless
    # forged or altered tokens are refused
    payload, mac = token.split(".")
    assert post(f"{unsubscribe_server}?t={payload}.{mac[:-2]}AA", one_click)[0] == 400
    assert post(f"{unsubscribe_server}?t={make_token(b'wrong-secret-xxxxxxxxxx', 'm-0009', 'bin-wilgenhove')}",
                one_click)[0] == 400
    # a valid token for a member that does not exist gets the very same answer
    ghost = post(f"{unsubscribe_server}?t={make_token(secret, 'm-9999', 'bin-wilgenhove')}", one_click)
    assert ghost == (status, body)
    with urllib.request.urlopen(f"{unsubscribe_server}?t={token}", timeout=10) as resp:
        page = resp.read().decode()
    assert '<html lang="nl">' in page and "Uitschrijven voor dit netwerk" in page and "<form method=\"post\"" in page
    # the editor merges the stored unsubscribe into members.yaml
    r = binpost(sample, "members", "apply-unsubscribes")
    assert r.code == 0 and "merged 1 unsubscribe(s)" in r.out and "1 for members no longer in the file" in r.out
    member = load_project(load_config(sample)).directory.members["m-0009"]
    assert [net for net, _ in member.unsubscribed] == ["bin-wilgenhove"] and member.status == "active"
    again = binpost(sample, "members", "apply-unsubscribes")
    assert "merged 0" in again.out
