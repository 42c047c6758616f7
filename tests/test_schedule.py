"""The two levels and the schedules, on a simulated clock (no sleeping), delivering to the outbox."""

from __future__ import annotations

import dataclasses
import io
import json
import mailbox
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import copy_sample

from mailer.config import load_config
from mailer.ledger import Ledger
from mailer.models import Bulletin
from mailer.project import Project, load_project
from mailer.schema import BRUSSELS
from mailer.sending import SendRequest, ledger_path, run_send

STEP = timedelta(minutes=5)


class Sim:
    """`binpost send --due` every few simulated minutes, against one project and one ledger."""

    def __init__(self, root: Path, bulletins: list[Bulletin] | None = None) -> None:
        self.root = root
        self.project = load_project(load_config(root))
        assert not self.project.errors, self.project.errors
        if bulletins is not None:
            self.project = dataclasses.replace(self.project, bulletins=bulletins)
        self.ledger = Ledger(ledger_path(self.project.config))

    def run(self, now: datetime) -> str:
        out = io.StringIO()
        run_send(self.project, SendRequest(yes=True), self.ledger, lambda _: True, out, sleep=lambda s: None,
                 clock_now=lambda: now)
        return out.getvalue()

    def run_until(self, start: datetime, end: datetime, step: timedelta = STEP) -> None:
        t = start
        while t <= end:
            self.run(t)
            t += step

    def editions(self) -> list[dict[str, object]]:
        return self.ledger.history()

    def frozen(self, network: str, slug: str) -> list[datetime]:
        return [datetime.fromisoformat(str(e["frozen_at"])) for e in self.editions()
                if e["network"] == network and slug in json.loads(str(e["bulletins"]))]

    def close(self) -> None:
        self.ledger.close()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


def only(root: Path, keep: set[str]) -> None:
    """Keep only these sample bulletins, so a test follows one story."""
    for p in (root / "content" / "berichten").glob("*.md"):
        if p.stem not in keep:
            p.unlink()


def test_briefing_first_then_members_after_approval(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "z")
    slug = "2026-12-03-briefing-drugsafval"
    only(root, {slug})
    sim = Sim(root)
    sim.run_until(at("2026-12-03T09:00"), at("2026-12-03T12:00"))
    briefings = [e for e in sim.editions() if e["kind"] == "briefing"]
    assert len(briefings) == 1
    counts = briefings[0]["counts"]
    assert isinstance(counts, dict) and counts == {"sent": 8}  # coordinators and steering of 4 networks, once each
    assert not [e for e in sim.editions() if e["kind"] != "briefing"]  # not to members
    sim.close()
    path = root / "content" / "berichten" / f"{slug}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "status: for-coordinators", "status: approved\napproved_by: Inspecteur Sofie Van Acker"), encoding="utf-8")
    sim = Sim(root)  # the approval lands as a new commit: reload
    sim.run_until(at("2026-12-03T12:05"), at("2026-12-11T12:00"))
    assert len([e for e in sim.editions() if e["kind"] == "briefing"]) == 1  # never twice
    assert sim.frozen("bin-wilgenhove", slug) == [at("2026-12-03T12:05")]  # immediate
    assert sim.frozen("binz-lindegem-handel", slug) == [at("2026-12-03T12:05")]
    assert sim.frozen("bin-lindegem-centrum", slug) == [at("2026-12-07T18:00")]  # weekly, Monday 18:00
    assert sim.frozen("bin-essenbeek-noord", slug) == [at("2026-12-10T19:00")]  # fortnightly, Thursday 19:00
    assert sim.frozen("bin-heidebos-dorp", slug) == []  # another zone: not targeted
    box = mailbox.Maildir(root / "outbox" / "Maildir", create=False)
    sent = sum(int(e["counts"].get("sent", 0)) for e in sim.editions())  # type: ignore[union-attr]
    assert len(box) == sent
    sim.close()


def daily_bulletins(sample: Project, start: datetime, days: int, flash_on: set[int]) -> list[Bulletin]:
    template = next(b for b in sample.bulletins if b.slug == "2026-11-10-tips-donkere-dagen")
    out = []
    for i in range(days):
        day = start + timedelta(days=i)
        flash = i in flash_on
        out.append(dataclasses.replace(
            template, slug=f"dag-{i:03d}", title=f"Bericht van dag {i}", date=day.replace(hour=12),
            networks=("bin-lindegem-centrum",), all=False, kind="infoflash" if flash else "prevention-tip",
            priority="urgent" if flash else "routine", expires=None, approved_by="Inspecteur Test"))
    return out


@pytest.mark.parametrize("start", ["2026-10-14", "2027-03-17"], ids=["autumn-dst-end", "spring-dst-start"])
def test_weekly_digest_keeps_its_local_hour_across_dst(tmp_path: Path, start: str) -> None:
    root = copy_sample(tmp_path / "z")
    begin = at(start + "T00:00")
    sample = load_project(load_config(root))
    bulletins = daily_bulletins(sample, begin, 21, flash_on={8})  # day 8 is a Thursday: a mid-week infoflash
    sim = Sim(root, bulletins)
    sim.run_until(begin, begin + timedelta(days=21))
    digests = [e for e in sim.editions() if e["network"] == "bin-lindegem-centrum" and e["kind"] == "digest"]
    times = [datetime.fromisoformat(str(e["frozen_at"])).astimezone(BRUSSELS) for e in digests]
    assert len(times) == 3
    offsets = set()
    for t in times:
        assert (t.weekday(), t.hour, t.minute) == (0, 18, 0), t  # Monday 18:00 local, winter and summer
        offsets.add(t.utcoffset())
    assert len(offsets) == 2  # the three Mondays straddle a daylight-saving change
    flash = sim.frozen("bin-lindegem-centrum", "dag-008")
    assert flash == [begin + timedelta(days=8, hours=12)]  # at once, not with the digest
    for e in digests:
        assert "dag-008" not in json.loads(str(e["bulletins"]))
    sim.close()


def test_supra_local_target_follows_each_networks_schedule(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "z")
    only(root, set())
    sample = load_project(load_config(root))
    base = load_project(load_config(copy_sample(tmp_path / "src")))
    template = next(b for b in base.bulletins if b.slug == "2026-11-10-tips-donkere-dagen")
    b = dataclasses.replace(template, slug="regio", groups=("grensregio",), all=False,
                            date=at("2026-11-27T09:00"), expires=None)
    sim = Sim(root, [b])
    del sample
    sim.run_until(at("2026-11-27T09:00"), at("2026-12-05T12:00"))
    assert sim.frozen("bin-wilgenhove", "regio") == [at("2026-11-27T09:00")]
    assert sim.frozen("binz-lindegem-handel", "regio") == [at("2026-11-27T09:00")]
    assert sim.frozen("bin-lindegem-centrum", "regio") == [at("2026-11-30T18:00")]  # Monday 18:00
    assert sim.frozen("bin-heidebos-dorp", "regio") == [at("2026-12-01T10:00")]  # first Tuesday of the month
    assert sim.frozen("bin-essenbeek-noord", "regio") == []  # fortnightly: next Thursday of an even week
    sim.run_until(at("2026-12-05T12:05"), at("2026-12-10T19:00"))
    assert sim.frozen("bin-essenbeek-noord", "regio") == [at("2026-12-10T19:00")]
    sim.close()


def test_due_every_five_minutes_for_thirty_days_sends_each_edition_once(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "z")
    sim = Sim(root)
    start = at("2026-11-20T00:00")
    sim.run_until(start, start + timedelta(days=30))
    history = sim.editions()
    ids = [e["id"] for e in history]
    assert len(ids) == len(set(ids)) and len(ids) > 10
    pairs = [(e["network"], s) for e in history for s in json.loads(str(e["bulletins"]))]
    assert len(pairs) == len(set(pairs))  # no bulletin twice to one network
    assert all(not e["counts"].get("queued") for e in history)  # type: ignore[union-attr]
    box = mailbox.Maildir(root / "outbox" / "Maildir", create=False)
    assert len(box) == sum(int(e["counts"].get("sent", 0)) for e in history)  # type: ignore[union-attr]
    quiet = sim.run(start + timedelta(days=30, minutes=5))
    assert "nothing to send" in quiet
    sim.close()
