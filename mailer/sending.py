"""`binpost send`: the orchestrator. One stage per line; delivery.py does the sending."""

from __future__ import annotations

import csv
import fcntl
import html
import io
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from . import clock
from .audience import Audience, select_briefing, select_recipients
from .config import Config
from .delivery import Deliverer, Outcome, SendOptions
from .errors import BinpostError
from .ledger import Ledger
from .models import Edition, Member
from .planning import due_editions
from .project import Project
from .tokens import load_secret
from .transports import OutboxTransport, SMTPSettings, SMTPTransport, Transport


@dataclass(frozen=True)
class SendRequest:
    yes: bool = False
    dry_run: bool = False
    test_to: str = ""
    force: bool = False
    resend_uncertain: bool = False
    network: str = ""
    options: SendOptions = field(default_factory=SendOptions)


@dataclass
class Planned:
    edition: Edition
    audience: Audience | None  # None: frozen earlier, resuming
    queued: int = 0
    overdue: bool = False


def ledger_path(config: Config) -> Path:
    return config.state_dir / "ledger.sqlite3"


def transport_factory(config: Config) -> Callable[[], Transport]:
    if config.smtp_host:
        settings = SMTPSettings(config.smtp_host, config.smtp_port, config.smtp_security, config.smtp_user)
        return lambda: SMTPTransport(settings)
    return lambda: OutboxTransport(config.root / config.outbox)


@contextmanager
def send_lock(state_dir: Path) -> Iterator[None]:
    """One `binpost send` at a time per state folder; a second one refuses at once."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "send.lock"
    fh = open(path, "a+")  # noqa: SIM115 (held for the whole block)
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise BinpostError(
                f"another `binpost send` is running (pid {holder}); wait for it to finish. "
                "Two at once could send a message twice."
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


def unfinished_editions(project: Project, ledger: Ledger) -> tuple[list[Edition], list[str]]:
    """Editions frozen earlier with rows still queued: resume them exactly as frozen."""
    import json

    by_slug = {b.slug: b for b in project.bulletins}
    out, lost = [], []
    for e in ledger.unfinished():
        slugs = json.loads(str(e["bulletins"]))
        net = project.directory.networks.get(str(e["network"]))
        bulletins = tuple(by_slug[s] for s in slugs if s in by_slug)
        if net is None or len(bulletins) != len(slugs):
            lost.append(str(e["id"]))
            continue
        out.append(Edition(str(e["id"]), net, bulletins, str(e["kind"]), datetime.fromisoformat(str(e["due"]))))
    return out, lost


def send(
    project: Project,
    request: SendRequest,
    confirm: Callable[[str], bool],
    out: IO[str],
    sleep: Callable[[float], None] | None = None,
    now: Callable[[], datetime] = clock.now,
) -> dict[str, Outcome]:
    """Lock the state folder, open the ledger, send what is due."""
    with send_lock(project.config.state_dir):
        ledger = Ledger(ledger_path(project.config))
        try:
            return run_send(project, request, ledger, confirm, out, sleep, now)
        finally:
            ledger.close()


def run_send(
    project: Project,
    request: SendRequest,
    ledger: Ledger,
    confirm: Callable[[str], bool],
    out: IO[str],
    sleep: Callable[[float], None] | None = None,
    clock_now: Callable[[], datetime] = clock.now,
) -> dict[str, Outcome]:
    """Plan, confirm, freeze and deliver; `clock_now` is the only clock (tests pass a fixed one)."""
    now = clock_now()
    config, directory = project.config, project.directory
    factory = transport_factory(config)
    real_mail = bool(config.smtp_host)
    recovered = ledger.recover(now)
    if request.resend_uncertain and not request.dry_run:
        out.write(f"re-queued {ledger.reopen_uncertain(now)} uncertain message(s) (--resend-uncertain)\n")
    resumed, lost = unfinished_editions(project, ledger)
    fresh = due_editions(project.bulletins, directory, ledger, now, config.overdue_hours, request.network)
    plan = [Planned(e, None) for e in resumed if not request.network or e.network.id == request.network]
    suppressed, unsubscribes = ledger.suppressed(), ledger.unsubscribed()
    # member id -> bulletins already planned for them in this run; only members of several networks can
    # be planned twice, so only they are tracked (100,000 sets would cost tens of MB)
    claimed: dict[str, set[str]] = {}
    for due in fresh:
        e = due.edition
        if e.kind == "briefing":
            audience = select_briefing(e, directory, suppressed, unsubscribes)
            plan.append(Planned(e, audience, len(audience.recipients), due.overdue))
            continue
        slugs = {b.slug for b in e.bulletins}
        candidates = [m.id for m in directory.members.values() if e.network.id in m.networks]
        covered = ledger.covered(candidates, sorted(slugs)) | {m for m in candidates if slugs <= claimed.get(m, set())}
        audience = select_recipients(e, directory, suppressed, unsubscribes, covered)
        for m in audience.recipients:
            if len(m.networks) > 1:
                claimed.setdefault(m.id, set()).update(slugs)
        plan.append(Planned(e, audience, len(audience.recipients), due.overdue))
    for p in plan:
        if p.audience is None:
            p.queued = ledger.count_queued(p.edition.id)
    _summary(plan, recovered, lost, ledger, out, real_mail)
    if request.test_to:
        return _send_tests(project, plan, request, factory, ledger, out)
    held = [p for p in plan if p.overdue and real_mail and not request.force]
    for p in held:
        out.write(
            f"held: {p.edition.id} is more than {config.overdue_hours} h overdue (due "
            f"{p.edition.date:%Y-%m-%d %H:%M}); send it with --force, or withdraw the bulletin\n"
        )
    # An edition whose network has no one to e-mail is still recorded (frozen with no recipients):
    # otherwise it would stay due forever and go to whoever joins later.
    plan = [p for p in plan if p not in held]
    total = sum(p.queued for p in plan)
    if request.dry_run or not plan:
        out.write("dry run: nothing sent\n" if request.dry_run else "nothing to send\n")
        return {}
    if total and not request.yes and not confirm(f"Send {total} message(s) in {len(plan)} edition(s)? [y/N] "):
        out.write("cancelled: nothing sent\n")
        return {}
    secret = load_secret(config.state_dir)
    results: dict[str, Outcome] = {}
    with _progress(total, out) as tick:
        deliverer = Deliverer(
            config,
            directory,
            ledger,
            secret,
            factory,
            request.options,
            clock_now,
            sleep=sleep or time.sleep,
            progress=tick,
        )
        for p in plan:
            e = p.edition
            if p.audience is not None:
                approved = ", ".join(sorted({b.approved_by for b in e.bulletins if b.approved_by}))
                ledger.freeze(
                    e.id,
                    e.network.id,
                    e.kind,
                    e.date,
                    [b.slug for b in e.bulletins],
                    approved,
                    [(m.id, m.email, m.lang) for m in p.audience.recipients],
                    now,
                )
            results[e.id] = deliverer.deliver(e)
            counts = ledger.counts(e.id)
            if not counts.get("queued") and not counts.get("sending"):
                ledger.finish(e.id, clock_now())
    write_report(project, plan, ledger, results, out)
    return results


def _send_tests(
    project: Project,
    plan: list[Planned],
    request: SendRequest,
    factory: Callable[[], Transport],
    ledger: Ledger,
    out: IO[str],
) -> dict[str, Outcome]:
    """One copy of each edition to one address, marked [TEST]; nothing is recorded as delivered."""
    from .personal import list_unsubscribe_header, personal_values, preview_recipient
    from .render import render_edition

    config = project.config
    secret = load_secret(config.state_dir)
    transport = factory()
    now = clock.now()
    try:
        for p in plan:
            e = p.edition
            rendered = render_edition(e, project.directory, config, e.network.lang, now)
            sample = preview_recipient(e.network.lang)
            values = personal_values(config, secret, sample, e.list_id, e.network.lang)
            data, _ = rendered.message.with_subject(f"[TEST] {rendered.subject}").personalise(
                to_name="Test",
                to_address=request.test_to,
                values=values,
                member_id="test",
                list_unsubscribe=list_unsubscribe_header(config, values["UNSUBSCRIBE_TOKEN"]),
                date=now,
            )
            transport.send(config.bounce_address or config.sender_address, request.test_to, data)
            out.write(f"test copy of {e.id} sent to {request.test_to}\n")
    finally:
        transport.close()
    return {}


def _summary(
    plan: list[Planned], recovered: int, lost: list[str], ledger: Ledger, out: IO[str], real_mail: bool
) -> None:
    out.write(f"{'edition':52} {'network':22} {'bulletins':>9} {'e-mail':>7} {'offline':>7} {'bounced':>7}\n")
    for p in plan:
        a = p.audience
        offline = len(a.offline) if a else 0
        bounced = len(a.suppressed) if a else 0
        note = " (resuming)" if a is None else (" (overdue)" if p.overdue else "")
        out.write(
            f"{p.edition.id:52} {p.edition.network.id:22} {len(p.edition.bulletins):>9} {p.queued:>7} "
            f"{offline:>7} {bounced:>7}{note}\n"
        )
    if not plan:
        out.write("(no editions due)\n")
    out.write(f"transport: {'SMTP' if real_mail else 'outbox folder (no SMTP server configured)'}\n")
    if recovered:
        out.write(
            f"warning: {recovered} message(s) were being sent when an earlier run stopped; their outcome is "
            "unknown. They are marked uncertain and not re-sent; use --resend-uncertain to send them again.\n"
        )
    uncertain = ledger.uncertain()
    if uncertain:
        out.write(f"uncertain: {len(uncertain)} message(s) in " + ", ".join(sorted({e for e, _ in uncertain})) + "\n")
    for eid in lost:
        out.write(f"warning: edition {eid} cannot be resumed: a bulletin or network it needs is gone\n")


@contextmanager
def _progress(total: int, out: IO[str]) -> Iterator[Callable[[int], None]]:
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()) or total == 0:
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("sending", total=total)
        yield lambda n: bar.advance(task, n)


def _report_stamp(folder: Path) -> str:
    """The wall-clock time (not BINPOST_NOW: reports of a fixed clock must not overwrite each other), made unique."""
    stamp = base = datetime.now().strftime("%Y%m%d-%H%M%S")
    n = 1
    while (folder / f"{stamp}-send.csv").exists():
        n += 1
        stamp = f"{base}-{n}"
    return stamp


def write_report(
    project: Project, plan: list[Planned], ledger: Ledger, results: dict[str, Outcome], out: IO[str]
) -> Path:
    """Per network: sent, failed, uncertain, suppressed, and who needs a printed copy or a call.

    Names appear only in these files, for the coordinator; never on the terminal or in logs.
    """
    folder = project.config.state_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = _report_stamp(folder)
    rows: list[list[str]] = []
    offline: list[tuple[str, Member]] = []
    out.write(
        f"{'network':24} {'sent':>6} {'failed':>6} {'uncert.':>7} {'skipped':>7} {'queued':>6} "
        f"{'bounced':>7} {'offline':>7}\n"
    )
    for p in plan:
        c = ledger.counts(p.edition.id)
        a = p.audience
        offline += [(p.edition.network.id, m) for m in (a.offline if a else ())]
        row = [p.edition.id, p.edition.network.id] + [
            str(c.get(k, 0)) for k in ("sent", "failed", "uncertain", "skipped", "queued")
        ]
        row += [str(len(a.suppressed) if a else 0), str(len(a.offline) if a else 0)]
        rows.append(row)
        out.write(f"{row[1]:24} {row[2]:>6} {row[3]:>6} {row[4]:>7} {row[5]:>7} {row[6]:>6} {row[7]:>7} {row[8]:>7}\n")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["edition", "network", "sent", "failed", "uncertain", "skipped", "queued", "bounced", "offline"])
    w.writerows(rows)
    w.writerow([])
    w.writerow(["network", "member", "name", "channels"])
    w.writerows([[nid, m.id, m.name, " ".join(m.channels)] for nid, m in offline])
    (folder / f"{stamp}-send.csv").write_text(buf.getvalue(), encoding="utf-8")
    table = "".join("<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in r) + "</tr>" for r in rows)
    people = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{html.escape(m.name)}</td><td>{html.escape(', '.join(m.channels))}</td></tr>"
        for n, m in offline
    )
    page = folder / f"{stamp}-send.html"
    page.write_text(
        '<!doctype html><html lang="nl"><meta charset="utf-8"><title>Verzendrapport</title>'
        "<h1>Verzendrapport</h1><table><tr><th>Editie</th><th>Netwerk</th><th>Verzonden</th>"
        "<th>Mislukt</th><th>Onzeker</th><th>Overgeslagen</th><th>Wachtend</th><th>Geblokkeerd</th>"
        f"<th>Zonder e-mail</th></tr>{table}</table><h2>Leden zonder e-mail: papieren versie of "
        f"telefoon</h2><table><tr><th>Netwerk</th><th>Naam</th><th>Kanalen</th></tr>{people}</table>"
        "</html>\n",
        encoding="utf-8",
    )
    out.write(f"report: {page} (names of members who need a printed copy or a call are only in this file)\n")
    return page
