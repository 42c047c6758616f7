"""When a network's members get mail: each network's fixed plan, in Brussels local time.

Times are built as local wall-clock times in Europe/Brussels (zoneinfo), so
"Monday 18:00" stays 18:00 across daylight-saving changes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from .models import Schedule
from .schema import BRUSSELS


def _at(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=BRUSSELS)


def _slot_on_or_before(schedule: Schedule, day: date) -> date:
    """The latest slot day on or before `day`."""
    if schedule.every == "month":
        first = _first_weekday(day.year, day.month, schedule.weekday)
        if first <= day:
            return first
        prev = day.replace(day=1) - timedelta(days=1)
        return _first_weekday(prev.year, prev.month, schedule.weekday)
    d = day - timedelta(days=(day.weekday() - schedule.weekday) % 7)
    if schedule.every == "2weeks" and d.isocalendar().week % 2:
        d -= timedelta(days=7)  # fortnightly digests go out in even ISO weeks
    return d


def _first_weekday(year: int, month: int, weekday: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7)


def last_slot(schedule: Schedule, now: datetime) -> datetime | None:
    """The most recent digest time at or before `now`; None for `immediate`."""
    if schedule.every == "immediate":
        return None
    local = now.astimezone(BRUSSELS)
    d = _slot_on_or_before(schedule, local.date())
    slot = _at(d, schedule.hour)
    while slot > local:
        d = _slot_on_or_before(schedule, d - timedelta(days=1))
        slot = _at(d, schedule.hour)
    return slot


def slots_between(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Digest times in (start, end], for `binpost plan`."""
    if schedule.every == "immediate":
        return []
    out = []
    day = end.astimezone(BRUSSELS).date()
    while True:
        d = _slot_on_or_before(schedule, day)
        slot = _at(d, schedule.hour)
        if slot <= start:
            break
        if slot <= end:
            out.append(slot)
        day = d - timedelta(days=1)
    return sorted(out)
