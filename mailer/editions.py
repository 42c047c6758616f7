"""Which editions exist: bulletins grouped per network into what its members receive."""

from __future__ import annotations

import hashlib
from datetime import datetime

from .models import Bulletin, Directory, Edition, Network


def edition_id(network: Network, bulletins: tuple[Bulletin, ...], date: datetime) -> str:
    """Stable for the same network, day and bulletins: the ledger keys deliveries on it."""
    digest = hashlib.sha256("\n".join(sorted(b.slug for b in bulletins)).encode()).hexdigest()[:10]
    return f"{network.id}-{date:%Y%m%d}-{digest}"


def mailable(b: Bulletin, now: datetime) -> bool:
    """Approved, dated, not expired: may go to members (public or members-only)."""
    return b.status == "approved" and b.date <= now and not b.is_expired(now)


def targets_of(b: Bulletin, directory: Directory) -> tuple[str, ...]:
    return directory.expand_targets(b.networks, b.zones, b.groups, b.all)


def make_edition(network: Network, bulletins: list[Bulletin], date: datetime) -> Edition:
    ordered = tuple(sorted(bulletins, key=lambda b: (b.priority != "urgent", -b.date.timestamp(), b.slug)))
    kind = (
        "urgent"
        if any(b.priority == "urgent" or b.kind == "infoflash" for b in ordered) and len(ordered) == 1
        else ("single" if len(ordered) == 1 else "digest")
    )
    return Edition(edition_id(network, ordered, date), network, ordered, kind, date)


def current_editions(
    directory: Directory, bulletins: list[Bulletin], now: datetime, network: str | None = None, slug: str | None = None
) -> list[Edition]:
    """One edition per network with every mailable bulletin that targets it (for previews)."""
    per_network: dict[str, list[Bulletin]] = {}
    for b in bulletins:
        if slug is not None and b.slug != slug:
            continue
        if slug is None and not mailable(b, now):
            continue
        for nid in targets_of(b, directory):
            per_network.setdefault(nid, []).append(b)
    return [
        make_edition(directory.networks[nid], items, now)
        for nid, items in per_network.items()
        if network is None or nid == network
    ]
