"""Who receives an edition. Pure: the model and the ledger's sets in, recipients out."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Directory, Edition, Member


@dataclass(frozen=True)
class Audience:
    recipients: tuple[Member, ...]  # by e-mail, deduplicated by member id
    offline: tuple[Member, ...]  # active, but reachable only by print, SMS or voice
    suppressed: tuple[Member, ...]  # hard-bounced earlier
    unsubscribed: int


def unsubscribed_from(member: Member, list_id: str, stored: set[tuple[str, str]]) -> bool:
    """members.yaml's record, or an unsubscribe stored by the service but not merged yet."""
    return (
        any(net == list_id for net, _ in member.unsubscribed)
        or (member.id, list_id) in stored
        or (member.id, "*") in stored
    )


def select_recipients(
    edition: Edition,
    directory: Directory,
    suppressed: set[tuple[str, str]],
    unsubscribes: set[tuple[str, str]],
    covered: frozenset[str] | set[str] = frozenset(),
) -> Audience:
    recipients: dict[str, Member] = {}
    offline: list[Member] = []
    bounced: list[Member] = []
    gone = 0
    for m in directory.members.values():
        if edition.network.id not in m.networks or m.status != "active" or m.id in recipients:
            continue
        if unsubscribed_from(m, edition.list_id, unsubscribes):
            gone += 1
            continue
        if "email" not in m.channels or not m.email:
            offline.append(m)
            continue
        if (m.id, m.email) in suppressed:
            bounced.append(m)
            continue
        if m.id in covered:  # already has these bulletins through another of their networks
            continue
        recipients[m.id] = m
    return Audience(tuple(recipients.values()), tuple(offline), tuple(bounced), gone)


def select_briefing(
    edition: Edition, directory: Directory, suppressed: set[tuple[str, str]], unsubscribes: set[tuple[str, str]]
) -> Audience:
    """Level 1: the coordinators and steering groups of every targeted network, once each."""
    from .planning import briefing_recipients

    recipients, offline, bounced = [], [], []
    for mid in briefing_recipients(edition.bulletins[0], directory):
        m = directory.members.get(mid)
        if m is None or m.status != "active" or (m.id, "*") in unsubscribes:
            continue
        if not m.email:
            offline.append(m)
        elif (m.id, m.email) in suppressed:
            bounced.append(m)
        else:
            recipients.append(m)
    return Audience(tuple(recipients), tuple(offline), tuple(bounced), 0)
