"""The current time, overridable so builds and tests are reproducible."""

from __future__ import annotations

import os
from datetime import datetime

from .errors import ConfigError
from .schema import BRUSSELS


def now() -> datetime:
    """BINPOST_NOW (ISO 8601) wins, then SOURCE_DATE_EPOCH, then the clock; always in Brussels."""
    fixed = os.environ.get("BINPOST_NOW")
    if fixed:
        try:
            dt = datetime.fromisoformat(fixed)
        except ValueError:
            raise ConfigError(f"BINPOST_NOW={fixed!r} is not an ISO 8601 time, e.g. 2026-12-03T09:00+01:00") from None
        return (dt if dt.tzinfo else dt.replace(tzinfo=BRUSSELS)).astimezone(BRUSSELS)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), BRUSSELS)
        except ValueError:
            raise ConfigError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from None
    return datetime.now(BRUSSELS)
