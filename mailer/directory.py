"""Loading members.yaml (zones, networks, groups, members) into a Directory.

Reading is the fast path (yamlio); round-trip edits live in members.py.
E-mail addresses and phone numbers are normalised here, at the edge.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from .cache import cached, entry_path
from .content import Source
from .errors import Problem, YamlPath
from .models import WEEKDAYS, Consent, Directory, Group, Member, Network, Schedule, Zone
from .schema import CONSENT, SCHEDULE_HELP, SECTIONS, did_you_mean, validate_mapping
from .yamlio import parse_yaml, raw_scalar, split_sequence


def normalise_email(value: str) -> str:
    """Lower-cased, validated address; raises ValueError with a readable reason."""
    # Imported here: a build or send with members.yaml unchanged reads the cache and never needs them.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None


def normalise_phone(value: str) -> str:
    """E.164 form of a Belgian (or international) number; raises ValueError."""
    import phonenumbers

    try:
        num = phonenumbers.parse(value, "BE")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from None
    if not phonenumbers.is_valid_number(num):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def load_directory(
    path: Path, display: str, problems: list[Problem], sources: dict[str, Source], cache_dir: Path | None = None
) -> Directory:
    try:
        digest = _file_digest(path)  # hashed in chunks: on a cache hit the file is never held in memory
    except FileNotFoundError:
        problems.append(
            Problem(
                display,
                "members file not found",
                line=1,
                col=1,
                hint="create it, or set members = '...' under [tool.binpost] in pyproject.toml",
            )
        )
        return Directory(complete=False)

    def compute() -> tuple[Directory, list[Problem]]:
        found: list[Problem] = []
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            found.append(Problem(display, f"not UTF-8 text (byte {exc.start})", line=1, col=1, hint="save it as UTF-8"))
            return Directory(complete=False), found
        return parse_directory(text, display, found, {}), found

    directory, found = cached(cache_dir, "members", (display.encode(), digest), compute, _pieces, _assemble)
    sources[display] = Source(display, "", 0, file=path)  # re-read only to locate a problem
    problems.extend(found)
    return directory


def is_cached(path: Path, display: str, cache_dir: Path) -> bool:
    """Whether load_directory would read this members file from the cache."""
    try:
        return entry_path(cache_dir, "members", (display.encode(), _file_digest(path))).exists()
    except OSError:
        return False


CACHE_BATCH = 10_000  # members per pickle in the cache (see cache.cached)


def _pieces(value: tuple[Directory, list[Problem]]) -> Iterator[object]:
    directory, found = value
    members = list(directory.members.values())
    batches = range(0, len(members), CACHE_BATCH)
    yield dataclasses.replace(directory, members={}), found, len(batches)
    for start in batches:
        yield members[start : start + CACHE_BATCH]


def _assemble(pieces: Iterator[Any]) -> tuple[Directory, list[Problem]]:
    head, found, batches = next(pieces)
    members: dict[str, Member] = {}
    for _ in range(batches):
        members.update((m.id, m) for m in next(pieces))
    return dataclasses.replace(head, members=members), found


def _file_digest(path: Path) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


CHUNKED_FROM = 1 << 20  # characters: a members.yaml this large has its members parsed 1,000 at a time
PER_CHUNK = 1_000


class _Unsplittable(Exception):
    """The piecewise reading met something it cannot vouch for: read the whole file instead."""


def parse_directory(text: str, display: str, problems: list[Problem], sources: dict[str, Source]) -> Directory:
    sources[display] = Source(display, text, 0)
    split = split_sequence(text, "members", PER_CHUNK) if len(text) >= CHUNKED_FROM else None
    if split is not None:
        rest, chunks = split
        head, errs = parse_yaml(rest, display)
        if not errs and isinstance(head, dict | None) and "members" not in (head or {}):
            found: list[Problem] = []
            try:
                directory = _directory({**(head or {}), "members": _items(text, chunks, display)}, display, text, found)
            except _Unsplittable:
                pass
            else:
                problems.extend(found)
                return directory
    data, errs = parse_yaml(text, display)
    problems.extend(errs)
    if errs:
        return Directory(complete=False)
    return _directory(data, display, text, problems)


def _items(text: str, chunks: list[tuple[slice, int]], display: str) -> Iterator[Any]:
    """The members, parsed one chunk at a time (see yamlio.split_sequence)."""
    for span, count in chunks:
        items, errs = parse_yaml(text[span], display)
        if errs or not isinstance(items, list) or len(items) != count:
            raise _Unsplittable
        yield from items


def _directory(data: Any, display: str, text: str, problems: list[Problem]) -> Directory:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(
            Problem(
                display,
                "members.yaml must be a mapping with zones, networks, groups and members",
                line=1,
                col=1,
                hint="start the file with 'zones:'",
            )
        )
        return Directory(complete=False)
    for key in data:
        if key not in SECTIONS:
            problems.append(
                Problem(
                    display,
                    f"unknown top-level key '{key}'{did_you_mean(key, SECTIONS)}",
                    key=str(key),
                    hint="use zones, networks, groups and members",
                    where=(str(key),),
                    at_value=False,
                )
            )
    parsed: dict[str, dict[str, Any]] = {}
    shared: dict[Any, Any] = {}  # one object per distinct value, per file
    builders: dict[str, Callable[[dict[str, Any]], object]] = {
        "zones": lambda v: Zone(**_fields(v, Zone)),
        "networks": lambda v: _network(v, display, text, problems),
        "groups": lambda v: Group(**_fields(v, Group)),
        "members": lambda v: _member(v, display, text, problems, shared),
    }

    for section, fields in SECTIONS.items():
        entries = data.get(section) or []
        parsed[section] = {}
        if not isinstance(entries, list | Iterator):
            problems.append(
                Problem(
                    display,
                    f"'{section}' must be a list of entries starting with '- id: ...'",
                    key=section,
                    hint=f"write '{section}:' then '  - id: ...'",
                    where=(section,),
                )
            )
            continue
        singular = section[:-1]
        for i, entry in enumerate(entries):
            where: YamlPath = (section, i)
            v = validate_mapping(entry, fields, display, where, problems, f"{singular} #{i + 1}")
            ident = v.get("id")
            if not ident:
                continue
            if "@" in ident:
                problems.append(
                    Problem(
                        display,
                        f"{singular} id '{ident}' is an e-mail address",
                        key="id",
                        hint="ids are stable and never an address: use e.g. m-0042",
                        where=(*where, "id"),
                    )
                )
            if ident in parsed[section]:
                problems.append(
                    Problem(
                        display,
                        f"duplicate {singular} id '{ident}'",
                        key="id",
                        hint="every id must be unique; give one of them another id",
                        where=(*where, "id"),
                    )
                )
                continue
            v["_where"] = where
            # Build the model entry at once and drop the raw mapping: with 100,000 members,
            # holding both for the whole file would triple the peak memory.
            parsed[section][ident] = builders[section](v)
            if isinstance(entries, list):
                entries[i] = None
    return Directory(
        zones=parsed["zones"], networks=parsed["networks"], groups=parsed["groups"], members=parsed["members"]
    )


def _fields(v: dict[str, Any], cls: type[Any]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: val for k, val in v.items() if k in names}


def _network(v: dict[str, Any], display: str, text: str, problems: list[Problem]) -> Network:
    where = v["_where"]
    kw = _fields(v, Network)
    kw["schedule"] = _schedule(v["schedule"], display, (*where, "schedule"), problems)
    if v["contact"]:
        try:
            kw["contact"] = normalise_email(v["contact"])
        except ValueError as exc:
            problems.append(
                Problem(
                    display,
                    f"invalid contact address '{v['contact']}': {exc}",
                    key="contact",
                    hint="use the network's public address, e.g. kerkwijk@bin.example.org",
                    where=(*where, "contact"),
                )
            )
    return Network(**kw)


def _schedule(value: Any, display: str, where: YamlPath, problems: list[Problem]) -> Schedule:
    if value == "immediate":
        return Schedule()
    if isinstance(value, dict):
        every, day, hour = value.get("every"), value.get("weekday", "monday"), value.get("hour", 9)
        unknown = set(value) - {"every", "weekday", "hour"}
        if (
            every in ("week", "2weeks", "month")
            and day in WEEKDAYS
            and isinstance(hour, int)
            and not isinstance(hour, bool)
            and 0 <= hour <= 23
            and not unknown
        ):
            return Schedule(every, WEEKDAYS.index(day), hour)
    problems.append(Problem(display, f"invalid schedule {value!r}", key="schedule", hint=SCHEDULE_HELP, where=where))
    return Schedule()


def _member(v: dict[str, Any], display: str, text: str, problems: list[Problem], shared: dict[Any, Any]) -> Member:
    where = v["_where"]
    kw = _fields(v, Member)
    email, phone = v["email"], v["phone"]
    if email:
        try:
            kw["email"] = normalise_email(email)
        except ValueError as exc:
            problems.append(
                Problem(
                    display,
                    f"invalid e-mail address '{email}': {exc}",
                    key="email",
                    hint="correct the address, or remove the key if the member has none",
                    where=(*where, "email"),
                )
            )
            kw["email"] = ""
    if isinstance(phone, (int, float)):
        raw = raw_scalar(text, (*where, "phone")) or str(phone)
        problems.append(
            Problem(
                display,
                f"phone number written without quotes: YAML reads {raw} as the number {phone}"
                f" and drops the leading zero",
                key="phone",
                hint=f"quote it: phone: '{raw}'",
                where=(*where, "phone"),
            )
        )
        kw["phone"] = ""
    elif phone:
        try:
            kw["phone"] = normalise_phone(phone)
        except ValueError as exc:
            problems.append(
                Problem(
                    display,
                    f"invalid phone number '{phone}': {exc}",
                    key="phone",
                    hint="write a Belgian number like '0470 12 34 56' or '+32 470 12 34 56'",
                    where=(*where, "phone"),
                )
            )
            kw["phone"] = ""
    consent = v["consent"]
    kw["consent"] = None
    if isinstance(consent, dict):
        c = validate_mapping(consent, CONSENT, display, (*where, "consent"), problems, "consent")
        if c.get("date") and c.get("source"):
            kw["consent"] = Consent(c["date"], c["source"])
    unsub = v["unsubscribed"] or {}
    kw["unsubscribed"] = tuple((str(k), d) for k, d in unsub.items() if isinstance(d, date))
    # Members repeat the same networks, channels, language, status and consent: share one object
    # each (the pickle cache keeps the sharing), which halves the memory of a 100,000-member file.
    for key in ("networks", "channels", "lang", "status", "consent", "unsubscribed", "first_name", "address", "note"):
        kw[key] = shared.setdefault(kw[key], kw[key])
    return Member(**kw)
