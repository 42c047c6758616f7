"""What is due when: level-1 briefings and level-2 editions on each network's schedule.

Pure over the model, the ledger's record of what was already frozen, and a
clock. `binpost send` takes what is due now; `binpost plan` looks ahead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from .editions import mailable, make_edition, targets_of
from .ledger import Ledger
from .models import Bulletin, Directory, Edition, Network
from .schedule import last_slot, slots_between

BRIEFING_LIST = "briefing"


@dataclass(frozen=True)
class Due:
    edition: Edition
    overdue: bool = False


def is_flash(b: Bulletin) -> bool:
    """Infoflashes and urgent bulletins skip a digest and go at the next run."""
    return b.priority == "urgent" or b.kind == "infoflash"


def briefing_network(b: Bulletin, d: Directory) -> Network:
    """The sender frame for a briefing: the zone, addressing the coordinators of every targeted network."""
    nets = [d.networks[n] for n in targets_of(b, d)]
    zone = d.zones.get(nets[0].zone) if nets else None
    contact = (zone.contact if zone and zone.contact else nets[0].contact) if nets else ""
    return Network(id=BRIEFING_LIST, name="Briefing voor coördinatoren", zone=zone.id if zone else "", contact=contact)


def briefing_recipients(b: Bulletin, d: Directory) -> list[str]:
    ids: list[str] = []
    for nid in targets_of(b, d):
        n = d.networks[nid]
        ids += [m for m in (*n.coordinators, *n.steering) if m not in ids]
    return ids


def due_briefings(bulletins: list[Bulletin], d: Directory, ledger: Ledger, now: datetime) -> list[Due]:
    out = []
    for b in bulletins:
        if b.status != "for-coordinators" or b.is_expired(now):
            continue
        digest = hashlib.sha256(b.slug.encode()).hexdigest()[:10]
        eid = f"briefing-{b.slug[:40]}-{digest}"
        if ledger.has_edition(eid):
            continue  # once per bulletin
        out.append(Due(Edition(eid, briefing_network(b, d), (b,), "briefing", now)))
    return out


def pending_by_network(
    bulletins: list[Bulletin], d: Directory, ledger: Ledger, now: datetime
) -> dict[str, list[Bulletin]]:
    by_network: dict[str, list[Bulletin]] = {}
    for b in bulletins:
        if mailable(b, now):
            for nid in targets_of(b, d):
                by_network.setdefault(nid, []).append(b)
    for nid in list(by_network):
        done = ledger.sent_slugs(nid)
        by_network[nid] = [b for b in by_network[nid] if b.slug not in done]
    return {k: v for k, v in by_network.items() if v}


def due_editions(
    bulletins: list[Bulletin], d: Directory, ledger: Ledger, now: datetime, overdue_hours: int, network: str = ""
) -> list[Due]:
    """Briefings first, then per network what its schedule says is due now."""
    out = due_briefings(bulletins, d, ledger, now) if not network else []
    window = now - timedelta(hours=overdue_hours)
    for nid, pending in pending_by_network(bulletins, d, ledger, now).items():
        if network and nid != network:
            continue
        net = d.networks[nid]
        slot = last_slot(net.schedule, now)
        flashes = [b for b in pending if slot is None or is_flash(b)]
        for b in flashes if slot is not None else []:
            out.append(Due(make_edition(net, [b], b.date), b.date < window))
        if slot is None:  # immediate: everything pending now; long-overdue ones apart, so they are held
            fresh = [b for b in pending if b.date >= window]
            stale = [b for b in pending if b.date < window]
            for group, late in ((fresh, False), (stale, True)):
                if group:
                    out.append(Due(make_edition(net, group, max(b.date for b in group)), late))
            continue
        routine = [b for b in pending if not is_flash(b) and b.date <= slot]
        if routine:
            out.append(Due(make_edition(net, routine, slot), slot < window))
    return out


@dataclass(frozen=True)
class Upcoming:
    when: datetime
    network: str
    kind: str
    slugs: tuple[str, ...]


def upcoming(bulletins: list[Bulletin], d: Directory, ledger: Ledger, now: datetime, days: int = 14) -> list[Upcoming]:
    """What will go out when over the next days, from the current content and schedules."""
    end = now + timedelta(days=days)
    out = [
        Upcoming(now, "(coördinatoren)", "briefing", (due.edition.bulletins[0].slug,))
        for due in due_briefings(bulletins, d, ledger, now)
    ]
    # Bulletins dated in the window become mailable then; count them as pending from their date.
    later = [b for b in bulletins if b.status == "approved" and now < b.date <= end]
    pending = pending_by_network(bulletins, d, ledger, now)
    for b in later:
        for nid in targets_of(b, d):
            pending.setdefault(nid, []).append(b)
    for nid, items in pending.items():
        net = d.networks[nid]
        items = [b for b in items if b.expires is None or b.expires > max(now, b.date)]
        if net.schedule.every == "immediate":
            out += [Upcoming(max(now, b.date), nid, "immediate", (b.slug,)) for b in items]
            continue
        out += [Upcoming(max(now, b.date), nid, "flash", (b.slug,)) for b in items if is_flash(b)]
        routine = sorted((b for b in items if not is_flash(b)), key=lambda b: b.date)
        slots = ([s] if (s := last_slot(net.schedule, now)) else []) + slots_between(net.schedule, now, end)
        taken: set[str] = set()
        for slot in slots:
            batch = tuple(
                b.slug
                for b in routine
                if b.date <= slot and b.slug not in taken and (b.expires is None or b.expires > slot)
            )
            if batch:
                out.append(Upcoming(max(slot, now), nid, "digest", batch))
                taken.update(batch)
    return sorted(out, key=lambda u: (u.when, u.network))
