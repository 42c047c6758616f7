"""`binpost send` against a real SMTP server on loopback, with faults, crashes and a lock."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT
from smtp_server import SMTPServer

sys.path.insert(0, str(ROOT / "scripts"))
from gen_zone import generate

NOW = "2024-01-01T10:00:00+01:00"  # an hour after the generated zone's first bulletin


def make_zone(tmp_path: Path, members: int, networks: int = 3) -> Path:
    root = tmp_path / "zone"
    generate(root, networks=networks, members=members, bulletins=1)
    members_yaml = root / "members.yaml"  # every network immediate: these tests are about delivery, not schedules
    members_yaml.write_text(members_yaml.read_text(encoding="utf-8").replace(
        "schedule: {every: week, weekday: monday, hour: 18}", "schedule: immediate"), encoding="utf-8")
    return root


def smtp_env(server: SMTPServer, **extra: str) -> dict[str, str]:
    return {"BINPOST_SMTP_HOST": "127.0.0.1", "BINPOST_SMTP_PORT": str(server.port), "BINPOST_SMTP_SECURITY": "none",
            "BINPOST_NOW": NOW, "BINPOST_SECRET": "test-secret-0123456789", **extra}


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with SMTPServer() as s:
        yield s


def send(root: Path, env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailer", "-C", str(root), "send", "--yes", *args],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout)


def ledger_rows(root: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(root / "state" / "ledger.sqlite3")
    try:
        return list(db.execute("SELECT edition_id, member_id, status FROM deliveries"))
    finally:
        db.close()


def expected_addresses(members: int) -> set[str]:
    return {f"lid{m}@example.org" for m in range(members)}


def test_every_message_is_one_recipient_with_all_headers(tmp_path: Path, server: SMTPServer) -> None:
    root = make_zone(tmp_path, 40)
    r = send(root, smtp_env(server))
    assert r.returncode == 0, r.stderr
    server.wait_quiet()
    counts = server.handler.counts()
    assert set(counts) == expected_addresses(40) and set(counts.values()) == {1}  # members in 2 networks: once
    for rec in server.handler.received:
        msg = rec.message
        assert msg.get_all("To") and len(msg.get_all("To")) == 1 and rec.rcpt in msg["To"]
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        for h in ("From", "Reply-To", "Subject", "Date", "Message-ID", "List-Id", "List-Unsubscribe",
                  "List-Unsubscribe-Post", "Content-Language"):
            assert msg[h], h
        assert "@" not in msg["List-Unsubscribe"].split("mailto:")[0]  # the https URL carries no address
    assert "lid" not in r.stdout and "example.org" not in r.stdout  # no personal data on the terminal
    again = send(root, smtp_env(server))
    assert again.returncode == 0 and "nothing to send" in again.stdout
    server.wait_quiet()
    assert sum(server.handler.counts().values()) == 40


def test_faults_deliver_everything_exactly_once(tmp_path: Path, server: SMTPServer) -> None:
    root = make_zone(tmp_path, 60)
    rejected = {"lid7@example.org", "lid23@example.org", "lid41@example.org"}
    server.handler.faults.reject = set(rejected)
    server.handler.faults.transient_first = 6  # 451 and 454 for a while
    server.handler.faults.drop_at_rcpt = {15, 33}  # dropped connections mid-run
    server.handler.faults.data_421_at = {20}  # 421 and close
    server.handler.faults.slow = 0.005
    r = send(root, smtp_env(server), "--backoff", "0.01", "--retries", "8")
    assert r.returncode == 0, r.stdout + r.stderr
    server.wait_quiet()
    counts = server.handler.counts()
    assert set(counts) == expected_addresses(60) - rejected
    assert set(counts.values()) == {1}, [a for a, n in counts.items() if n > 1]
    statuses = Counter(s for _, _, s in ledger_rows(root))
    assert statuses == {"sent": 57, "failed": 3}
    db = sqlite3.connect(root / "state" / "ledger.sqlite3")
    suppressed = {a for (a,) in db.execute("SELECT address FROM suppressions")}
    db.close()
    assert suppressed == rejected
    # a later edition honours the suppression list
    bulletin = next((root / "content" / "berichten").glob("*.md"))
    bulletin.with_name("2024-01-01-tweede.md").write_text(
        bulletin.read_text(encoding="utf-8").replace("Bericht 00000", "Tweede bericht"), encoding="utf-8")
    r2 = send(root, smtp_env(server))
    assert r2.returncode == 0, r2.stderr
    server.wait_quiet()
    assert not rejected & {rec.rcpt for rec in server.handler.received[57:]}
    assert "bounced" in r2.stdout


def test_max_errors_stops_and_resume_finishes(tmp_path: Path, server: SMTPServer) -> None:
    root = make_zone(tmp_path, 30)
    server.handler.faults.reject = {f"lid{m}@example.org" for m in range(30)}
    r = send(root, smtp_env(server), "--max-errors", "4")
    assert r.returncode == 1
    assert "stopped after 4 failures in a row" in r.stderr and "run the same `binpost send` again" in r.stderr
    assert "Traceback" not in r.stderr
    server.handler.faults.reject = set()
    r2 = send(root, smtp_env(server))
    assert r2.returncode == 0, r2.stderr
    server.wait_quiet()
    counts = server.handler.counts()
    assert len(counts) == 26 and set(counts.values()) == {1}  # the 4 hard bounces stay failed


def test_drop_after_handover_is_uncertain_not_resent(tmp_path: Path, server: SMTPServer) -> None:
    root = make_zone(tmp_path, 20)
    server.handler.faults.drop_after_data_at = {5}
    r = send(root, smtp_env(server))
    assert r.returncode == 0, r.stderr
    server.wait_quiet()
    counts = server.handler.counts()
    assert set(counts) == expected_addresses(20) and set(counts.values()) == {1}
    statuses = Counter(s for _, _, s in ledger_rows(root))
    assert statuses == {"sent": 19, "uncertain": 1}
    r2 = send(root, smtp_env(server))
    assert "uncertain: 1 message(s)" in r2.stdout
    server.wait_quiet()
    assert sum(server.handler.counts().values()) == 20  # not re-sent without the flag
    r3 = send(root, smtp_env(server), "--resend-uncertain")
    assert r3.returncode == 0 and "re-queued 1 uncertain message(s)" in r3.stdout, r3.stdout + r3.stderr
    server.wait_quiet()
    assert sum(server.handler.counts().values()) == 21  # the one whose outcome was unknown, once more
    assert Counter(s for _, _, s in ledger_rows(root)) == {"sent": 20}


def test_crash_resume_trials(tmp_path: Path, server: SMTPServer) -> None:
    """kill -9 at a random moment during a 500-recipient send, then resume; 10 trials."""
    rnd = random.Random(20261203)
    for trial in range(10):
        server.handler.received.clear()
        root = make_zone(tmp_path / f"t{trial}", 500, networks=5)
        env = {**os.environ, **smtp_env(server)}
        proc = subprocess.Popen([sys.executable, "-m", "mailer", "-C", str(root), "send", "--yes"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # kill once some mail has arrived, at a random point in the run
        target = rnd.randrange(1, 480)
        deadline = time.monotonic() + 120
        while len(server.handler.received) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        server.wait_quiet(0.2)
        r = send(root, smtp_env(server))
        assert r.returncode == 0, r.stdout + r.stderr
        server.wait_quiet(0.2)
        counts = server.handler.counts()
        rows = ledger_rows(root)
        uncertain = {m for _, m, s in rows if s == "uncertain"}
        assert len(uncertain) <= 1, f"trial {trial}: {len(uncertain)} uncertain"
        assert Counter(s for _, _, s in rows) - Counter(uncertain=len(uncertain)) == Counter(
            sent=500 - len(uncertain)), f"trial {trial}"
        assert set(counts.values()) == {1}, f"trial {trial}: duplicates"
        missing = expected_addresses(500) - set(counts)
        assert len(missing) <= len(uncertain), f"trial {trial}: lost {missing}"
        if uncertain:
            assert "uncertain" in r.stdout


def test_two_sends_at_once_do_not_duplicate(tmp_path: Path, server: SMTPServer) -> None:
    root = make_zone(tmp_path, 200)
    server.handler.faults.slow = 0.002
    env = {**os.environ, **smtp_env(server)}
    cmd = [sys.executable, "-m", "mailer", "-C", str(root), "send", "--yes"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = sorted(p.returncode for p in procs)
    server.wait_quiet()
    counts = server.handler.counts()
    assert set(counts.values()) == {1} and set(counts) == expected_addresses(200)
    if codes == [0, 1]:
        assert any("another `binpost send` is running" in err for _, err in outs)
    else:  # the second started after the first had finished: it found nothing to send
        assert codes == [0, 0] and any("nothing to send" in out for out, _ in outs)


def test_dry_run_and_test_copy_record_nothing(tmp_path: Path, server: SMTPServer) -> None:
    root = make_zone(tmp_path, 10)
    r = send(root, smtp_env(server), "--dry-run")
    assert r.returncode == 0 and "dry run: nothing sent" in r.stdout
    t = send(root, smtp_env(server), "--to", "redactie@example.net")
    assert t.returncode == 0, t.stderr
    server.wait_quiet()
    assert {rec.rcpt for rec in server.handler.received} == {"redactie@example.net"}
    assert all(rec.message["Subject"].startswith("[TEST] ") for rec in server.handler.received)
    assert ledger_rows(root) == []
    real = send(root, smtp_env(server))
    assert real.returncode == 0
    server.wait_quiet()
    assert len(server.handler.received) == 3 + 10


def test_overdue_edition_is_held_without_force(tmp_path: Path, server: SMTPServer) -> None:
    root = make_zone(tmp_path, 5)
    late = smtp_env(server, BINPOST_NOW="2024-01-10T10:00:00+01:00")
    r = send(root, late)
    assert r.returncode == 0 and "overdue" in r.stdout
    server.wait_quiet()
    assert server.handler.received == []
    r2 = send(root, late, "--force")
    server.wait_quiet()
    assert r2.returncode == 0 and len(server.handler.received) == 5


def test_stored_unsubscribe_is_honoured_at_once(tmp_path: Path, server: SMTPServer) -> None:
    import datetime as dt

    from mailer.ledger import Ledger
    from mailer.schema import BRUSSELS

    root = make_zone(tmp_path, 10, networks=1)
    ledger = Ledger(root / "state" / "ledger.sqlite3")
    ledger.record_unsubscribe("m-000003", "bin-000", "test", dt.datetime.now(BRUSSELS))
    ledger.record_unsubscribe("m-000004", "*", "test", dt.datetime.now(BRUSSELS))
    ledger.close()
    r = send(root, smtp_env(server))
    assert r.returncode == 0, r.stderr
    server.wait_quiet()
    assert set(server.handler.counts()) == expected_addresses(10) - {"lid3@example.org", "lid4@example.org"}


def test_outbox_is_the_default(tmp_path: Path) -> None:
    root = make_zone(tmp_path, 8)
    env = {"BINPOST_NOW": NOW, "BINPOST_SECRET": "test-secret-0123456789"}
    r = subprocess.run([sys.executable, "-m", "mailer", "-C", str(root), "send", "--yes"],
                       env={k: v for k, v in {**os.environ, **env}.items() if not k.startswith("BINPOST_SMTP")},
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    import mailbox

    box = mailbox.Maildir(root / "outbox" / "Maildir", create=False)
    assert len(box) == 8
    index = (root / "outbox" / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr>") == 9 and "example.org" not in index.replace("bin.example.org", "")


def test_parallel_connections_deliver_exactly_once(tmp_path: Path, server: SMTPServer) -> None:
    root = make_zone(tmp_path, 120)
    rejected = {"lid5@example.org", "lid77@example.org"}
    server.handler.faults.reject = set(rejected)
    server.handler.faults.transient_first = 5
    server.handler.faults.drop_at_rcpt = {30, 61}
    r = send(root, smtp_env(server), "--connections", "3", "--backoff", "0.01", "--retries", "8")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "Exception" not in r.stderr
    server.wait_quiet()
    counts = server.handler.counts()
    assert set(counts) == expected_addresses(120) - rejected and set(counts.values()) == {1}
    assert Counter(s for _, _, s in ledger_rows(root)) == {"sent": 118, "failed": 2}


def test_ledger_of_an_earlier_version_is_upgraded_in_place(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from mailer.ledger import Ledger

    path = tmp_path / "ledger.sqlite3"
    db = sqlite3.connect(path)  # the first schema indexed every row's status
    from mailer.ledger import SCHEMA

    db.executescript(SCHEMA.split("-- Only the rows")[0] + "CREATE INDEX deliveries_status ON deliveries(status);")
    db.execute("INSERT INTO editions VALUES ('e1', 'bin-a', 'single', 'd', 's', '', 'f', 'done')")
    db.execute("INSERT INTO deliveries (edition_id, member_id, address, lang, status, queued_at, updated_at) "
               "VALUES ('e1', 'm-1', 'a@example.org', 'nl', 'sending', 'q', 'u')")
    db.commit()
    db.close()
    ledger = Ledger(path)
    indexes = {r[0] for r in ledger.db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "deliveries_status" not in indexes and "deliveries_attention" in indexes
    now = datetime(2026, 12, 3, tzinfo=UTC)
    assert ledger.recover(now) == 1  # the row left `sending` by a dead process is found through the new index
    assert ledger.uncertain() == [("e1", "m-1")]
    assert ledger.reopen_uncertain(now) == 1
    assert ledger.queued("e1")[0].member_id == "m-1"
    assert ledger.db.execute("SELECT finished_at FROM editions").fetchone() == (None,)  # reopened
    ledger.close()


def test_rate_limit_spaces_messages_over_the_wire(tmp_path: Path, server: SMTPServer) -> None:
    """--rate N: the server sees at most N messages a second, over all connections together."""
    root = make_zone(tmp_path, 30)
    started = time.monotonic()
    r = send(root, smtp_env(server), "--rate", "20", "--connections", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    server.wait_quiet()
    arrivals = sorted(rec.at for rec in server.handler.received)
    assert len(arrivals) == 30
    # The 30th message has the slot 29/20 s after the first: lower bounds only, as a busy machine only adds
    # time (unpaced, the whole run takes well under a second here).
    assert arrivals[-1] - started >= 29 / 20
    # No second holds more than the rate, plus one message in flight per connection when its slot came.
    assert max(sum(1 for b in arrivals if a <= b < a + 1.0) for a in arrivals) <= 20 + 2


def test_send_report_per_network_and_offline_members(tmp_path: Path, server: SMTPServer) -> None:
    """The coordinator's report: counts per network, and who needs a printed copy or a call, by name."""
    import csv

    root = make_zone(tmp_path, 30)
    members_yaml = root / "members.yaml"
    text = members_yaml.read_text(encoding="utf-8")
    # m-000004 reads on paper, m-000008 only gets SMS; their names are set so the test can look for them
    for mid, channels, name in (("m-000004", "[print]", "Oda O'Print & Co"), ("m-000008", "[sms]", "Sam Sms")):
        head, rest = text.split(f"  - id: {mid}\n", 1)
        block, tail = rest.split("\n  - id: ", 1)
        block = re.sub(r"(?m)^    name: .*$", f'    name: "{name}"', block)
        block = block.replace("channels: [email]", f"channels: {channels}")
        text = f"{head}  - id: {mid}\n{block}\n  - id: {tail}"
    members_yaml.write_text(text, encoding="utf-8")
    server.handler.faults.reject = {"lid11@example.org"}
    r = send(root, smtp_env(server))
    assert r.returncode == 0, r.stdout + r.stderr
    server.wait_quiet()
    assert set(server.handler.counts()) == expected_addresses(30) - {"lid4@example.org", "lid8@example.org",
                                                                      "lid11@example.org"}
    reports = sorted((root / "state" / "reports").glob("*-send.csv"))
    assert len(reports) == 1
    rows = list(csv.reader(reports[0].read_text(encoding="utf-8").splitlines()))
    blank = rows.index([])
    header, table = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:blank]]
    assert header[:4] == ["edition", "network", "sent", "failed"]
    assert {t["network"] for t in table} == {"bin-000", "bin-001", "bin-002"}
    assert sum(int(t["sent"]) for t in table) == 27 and sum(int(t["failed"]) for t in table) == 1
    statuses = Counter(s for _, _, s in ledger_rows(root))
    assert statuses == {"sent": 27, "failed": 1}  # the report says what the ledger holds
    # members 4 and 8 are in network 4 % 3 = 1 and 8 % 3 = 2
    by_net = {t["network"]: t for t in table}
    assert by_net["bin-001"]["offline"] == "1" and by_net["bin-002"]["offline"] == "1"
    offline = rows[blank + 2:]
    assert sorted(offline) == [["bin-001", "m-000004", "Oda O'Print & Co", "print"],
                               ["bin-002", "m-000008", "Sam Sms", "sms"]]
    page = reports[0].with_suffix(".html").read_text(encoding="utf-8")
    assert "Oda O&#x27;Print &amp; Co" in page and "Sam Sms" in page
    # names and addresses stay in the report files, off the terminal
    for personal in ("Oda", "Sam Sms", "lid11@example.org", "lid4@"):
        assert personal not in r.stdout + r.stderr
