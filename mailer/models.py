"""The validated model: frozen dataclasses shared by the site and the mailer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .schema import CRIME_KINDS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Schedule:
    every: str = "immediate"  # immediate | week | 2weeks | month
    weekday: int = 0  # 0 = Monday
    hour: int = 9


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    name: str
    municipalities: tuple[str, ...] = ()
    contact: str = ""
    phone: str = ""
    website: str = ""
    police_liaison: str = ""


@dataclass(frozen=True, slots=True)
class Network:
    id: str
    name: str
    zone: str
    contact: str
    kind: str = "residential"
    description: str = ""
    area: str = ""
    join: str = ""
    coordinators: tuple[str, ...] = ()
    steering: tuple[str, ...] = ()
    schedule: Schedule = Schedule()
    channels: tuple[str, ...] = ("email",)
    lang: str = "nl"


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    zones: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Consent:
    date: date
    source: str


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str
    networks: tuple[str, ...]
    consent: Consent | None
    first_name: str = ""
    email: str = ""
    phone: str = ""  # E.164 once valid
    address: str = ""
    channels: tuple[str, ...] = ("email",)
    lang: str = "nl"
    status: str = "active"
    unsubscribed: tuple[tuple[str, date], ...] = ()  # (network id, date)
    note: str = ""

    @property
    def greeting_name(self) -> str:
        return self.first_name or (self.name.split()[0] if self.name.split() else "")


@dataclass(frozen=True, slots=True)
class Directory:
    """Everything in members.yaml, with lookups by id."""

    zones: dict[str, Zone] = field(default_factory=dict)
    networks: dict[str, Network] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    # False when members.yaml could not be read at all: cross-checks would only add noise.
    complete: bool = True

    def expand_targets(
        self, networks: tuple[str, ...], zones: tuple[str, ...], groups: tuple[str, ...], everyone: bool
    ) -> tuple[str, ...]:
        """Network ids a set of targets means, in members.yaml order."""
        if everyone:
            return tuple(self.networks)
        wanted = set(networks)
        zone_ids = set(zones)
        for gid in groups:
            g = self.groups.get(gid)
            if g:
                zone_ids.update(g.zones)
                wanted.update(g.networks)
        return tuple(n.id for n in self.networks.values() if n.id in wanted or n.zone in zone_ids)


@dataclass(frozen=True, slots=True)
class Bulletin:
    path: Path
    slug: str
    title: str
    date: datetime
    summary: str
    kind: str
    body: str
    priority: str = "routine"
    audience: str = "public"
    status: str = "draft"
    networks: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    all: bool = False
    approved_by: str = ""
    expires: datetime | None = None
    lang: str = "nl"
    tags: tuple[str, ...] = ()
    author: str = ""
    body_line: int = 1  # the file line where the body starts, for positions

    @property
    def crime_related(self) -> bool:
        return self.kind in CRIME_KINDS

    def is_expired(self, now: datetime) -> bool:
        return self.expires is not None and self.expires <= now

    def is_public(self, now: datetime) -> bool:
        """May this appear on the public site and in feeds at `now`?"""
        return self.status == "approved" and self.audience == "public" and self.date <= now


@dataclass(frozen=True, slots=True)
class Edition:
    """What one network's members receive at one time: one bulletin (flash) or several (digest)."""

    id: str
    network: Network
    bulletins: tuple[Bulletin, ...]
    kind: str  # "single" | "digest" | "urgent"
    date: datetime  # when it is due; shown in the mail

    @property
    def list_id(self) -> str:
        """The mailing list this edition belongs to: one per network (unsubscribe is per list)."""
        return self.network.id
