"""Declarative schema of the front matter and of members.yaml.

Each key is declared once, with its type, default and meaning; validation,
the reference docs (docs/reference.md) and the docs test all read from here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .errors import Problem, YamlPath

BRUSSELS = ZoneInfo("Europe/Brussels")

KINDS = ("notice", "prevention-tip", "fraud-warning", "call-for-witnesses", "feedback", "infoflash", "meeting")
# Messages about crime are the police's competence: approving them needs a liaison.
CRIME_KINDS = frozenset({"notice", "fraud-warning", "call-for-witnesses", "feedback", "infoflash"})
LANGS = ("nl", "fr", "de", "en")
CHANNELS = ("email", "sms", "voice", "print")
MEMBER_STATUSES = ("active", "unsubscribed", "suspended", "left")


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # str, text, date, datetime, bool, int, enum, ids, strs, map, list
    doc: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()


def _f(*args: Any, **kw: Any) -> Field:
    return Field(*args, **kw)


BULLETIN = (
    _f("title", "str", "Headline, shown on the site, in feeds and as the mail subject.", required=True),
    _f(
        "date",
        "datetime",
        "Publication time. A plain date or a time without offset means Europe/Brussels. A future date keeps the bulletin off the site until a build runs after it.",
        required=True,
    ),
    _f("summary", "str", "One or two sentences for lists, feeds and the mail preview text.", required=True),
    _f("kind", "enum", "What sort of message this is.", required=True, choices=KINDS),
    _f(
        "priority",
        "enum",
        "`urgent` skips digests and goes out at the next run.",
        default="routine",
        choices=("routine", "urgent"),
    ),
    _f(
        "audience",
        "enum",
        "`members` bulletins are mailed only and never published.",
        default="public",
        choices=("public", "members"),
    ),
    _f(
        "status",
        "enum",
        "Workflow state; only `approved` bulletins reach members or the site.",
        default="draft",
        choices=("draft", "for-coordinators", "approved", "withdrawn"),
    ),
    _f("networks", "ids", "Network ids this bulletin targets.", default=()),
    _f("zones", "ids", "Zone ids; means every network of those zones.", default=()),
    _f("groups", "ids", "Supra-local group ids (agreements between zones or networks).", default=()),
    _f("all", "bool", "Target every network in members.yaml.", default=False),
    _f(
        "approved_by",
        "str",
        "The police liaison who approved it. Required for approved bulletins of crime-related kinds ("
        + ", ".join(sorted(CRIME_KINDS))
        + ").",
        default="",
    ),
    _f(
        "expires",
        "datetime",
        "After this moment the bulletin leaves current lists and is no longer sent. A plain date means the end of that day.",
        default=None,
    ),
    _f("lang", "enum", "Language of the bulletin.", default="nl", choices=LANGS),
    _f("tags", "strs", "Topics; each gets a page and a feed on the site.", default=()),
    _f("author", "str", "Who wrote it (a role or a public name, not a member's personal data).", default=""),
    _f("slug", "str", "URL name; defaults to the file name without `.md`.", default=""),
)

ZONE = (
    _f("id", "str", "Stable id, e.g. `pz-lindevallei`.", required=True),
    _f("name", "str", "Public name of the police zone.", required=True),
    _f("municipalities", "strs", "Municipalities the zone covers.", default=()),
    _f("contact", "str", "Public contact e-mail address of the zone's BIN service.", default=""),
    _f("phone", "str", "Public phone number of the zone (not an emergency number).", default=""),
    _f("website", "str", "Public website of the zone.", default=""),
    _f("police_liaison", "str", "Public name or function of the mandated police officer.", default=""),
)

SCHEDULE_HELP = "`immediate`, or a mapping {every: week | 2weeks | month, weekday: monday..sunday, hour: 0-23}"

NETWORK = (
    _f("id", "str", "Stable id, e.g. `bin-lindegem-centrum`.", required=True),
    _f("name", "str", "Public name.", required=True),
    _f(
        "kind",
        "enum",
        "`business` for a BIN-Z (shops and self-employed).",
        default="residential",
        choices=("residential", "business"),
    ),
    _f("zone", "str", "Id of the police zone it belongs to.", required=True),
    _f("contact", "str", "Public contact address of the network (shown on the site and as Reply-To).", required=True),
    _f("description", "text", "What the network is, for its public page.", default=""),
    _f("area", "str", "Streets or district it covers.", default=""),
    _f("join", "text", "How to join, for its public page.", default=""),
    _f("coordinators", "ids", "Member ids of the coordinator(s).", default=()),
    _f("steering", "ids", "Member ids of the steering group.", default=()),
    _f("schedule", "schedule", "When members get mail: " + SCHEDULE_HELP + ".", default="immediate"),
    _f("channels", "strs", "Channels the members agreed on.", default=("email",)),
    _f("lang", "enum", "Default language of the network.", default="nl", choices=LANGS),
)

GROUP = (
    _f("id", "str", "Stable id.", required=True),
    _f("name", "str", "Name of the supra-local agreement.", required=True),
    _f("zones", "ids", "Zones in the agreement (all their networks).", default=()),
    _f("networks", "ids", "Single networks in the agreement.", default=()),
    _f("description", "text", "What was agreed, with whom.", default=""),
)

CONSENT = (
    _f("date", "date", "When the member gave consent.", required=True),
    _f("source", "str", "How: paper form, web form, meeting, …", required=True),
)

MEMBER = (
    _f("id", "str", "Stable member id (never an e-mail address), e.g. `m-0042`.", required=True),
    _f("name", "str", "Full name.", required=True),
    _f("first_name", "str", "Used in the greeting; defaults to the first word of name.", default=""),
    _f("email", "str", "E-mail address (lower-cased on load).", default=""),
    _f("phone", "str", "Phone number; quote it. Stored as E.164.", default=""),
    _f("address", "str", "Postal address, for printed copies.", default=""),
    _f("networks", "ids", "Network ids the member belongs to (at least one).", required=True),
    _f("channels", "strs", "Preferred channels among " + ", ".join(CHANNELS) + ".", default=("email",)),
    _f("lang", "enum", "Language of the mails.", default="nl", choices=LANGS),
    _f("consent", "map", "When and how consent was given: {date, source}.", required=True),
    _f("status", "enum", "Membership state.", default="active", choices=MEMBER_STATUSES),
    _f("unsubscribed", "map", "Per network id, the date the member left that network's mailing.", default=None),
    _f("note", "text", "Free text for the coordinator.", default=""),
)

SECTIONS = {"zones": ZONE, "networks": NETWORK, "groups": GROUP, "members": MEMBER}


def did_you_mean(word: str, options: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def to_datetime(value: Any, end_of_day: bool = False) -> datetime | None:
    """Normalise a YAML date/datetime/string to an aware datetime in Brussels."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time())
        if end_of_day:
            dt += timedelta(days=1)
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        if len(value.strip()) == 10 and end_of_day:
            dt += timedelta(days=1)
    else:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=BRUSSELS)
    return dt.astimezone(BRUSSELS)


def validate_mapping(
    data: Any, fields: tuple[Field, ...], path: str, where: YamlPath, problems: list[Problem], what: str
) -> dict[str, Any]:
    """Check one mapping against its fields; return the normalised values (defaults filled)."""
    if not isinstance(data, dict):
        problems.append(
            Problem(
                path,
                f"{what} must be a mapping of keys to values, not {type_name(data)}",
                hint="write 'key: value' lines",
                where=where,
            )
        )
        return {}
    names = {f.name for f in fields}
    out: dict[str, Any] = {}
    for key in data:
        if key not in names:
            problems.append(
                Problem(
                    path,
                    f"unknown key '{key}' in {what}{did_you_mean(key, names)}",
                    key=str(key),
                    hint="remove it or fix its spelling; keys are listed in docs/reference.md",
                    where=(*where, str(key)),
                    at_value=False,
                )
            )
    for f in fields:
        if f.name not in data or data[f.name] is None:
            if f.required:
                problems.append(
                    Problem(
                        path,
                        f"missing required key '{f.name}' in {what}",
                        key=f.name,
                        hint=f"add '{f.name}:' ({f.doc})",
                        where=where,
                        at_value=False,
                    )
                )
            out[f.name] = f.default
            continue
        value = _coerce(f, data[f.name], path, (*where, f.name), problems, what)
        out[f.name] = f.default if value is _BAD else value
    return out


_BAD = object()


def type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


def _coerce(f: Field, value: Any, path: str, where: YamlPath, problems: list[Problem], what: str) -> Any:
    def bad(msg: str, hint: str) -> Any:
        problems.append(Problem(path, msg, key=f.name, hint=hint, where=where))
        return _BAD

    t = f.type
    if t in ("str", "text"):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return bad(f"'{f.name}' must be text, not {type_name(value)}", f"write {f.name}: 'text'")
        if isinstance(value, (int, float)) and f.name in ("phone",):
            return value  # checks.py reports it with the file's own digits
        return str(value).strip() if t == "str" else str(value)
    if t == "enum":
        if value not in f.choices:
            return bad(
                f"'{f.name}' is '{value}', which is not one of: {', '.join(f.choices)}{did_you_mean(value, f.choices)}",
                f"use one of {', '.join(f.choices)}",
            )
        return value
    if t == "bool":
        if not isinstance(value, bool):
            return bad(f"'{f.name}' must be true or false, not {type_name(value)}", f"write {f.name}: true")
        return value
    if t in ("ids", "strs"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            return bad(f"'{f.name}' must be a list of names", f"write {f.name}: [a, b]")
        return tuple(v.strip() for v in value)
    if t in ("date", "datetime"):
        dt = to_datetime(value, end_of_day=(f.name == "expires"))
        if dt is None:
            return bad(
                f"'{f.name}' is not a date: '{value}'", f"write {f.name}: 2026-11-30 or {f.name}: 2026-11-30 14:00"
            )
        if not 2000 <= dt.year <= 2100:
            return bad(f"'{f.name}' has an unlikely year {dt.year}", "check the year")
        return dt.date() if t == "date" else dt
    if t == "map":
        if not isinstance(value, dict):
            return bad(f"'{f.name}' must be a mapping", f"write {f.name}: {{date: 2024-03-01, source: formulier}}")
        return value
    if t == "schedule":
        return value
    raise AssertionError(f"unknown field type {t}")
