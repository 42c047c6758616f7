"""Project settings: [tool.binpost] in pyproject.toml, overridable by the environment."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import ConfigError


@dataclass(frozen=True)
class Config:
    root: Path
    content: str = "content"
    members: str = "members.yaml"
    state: str = "state"  # ledger, caches; outside content/ and site/, ignored by git
    outbox: str = "outbox"
    site: str = "site"
    site_url: str = "https://bin.example.org/"
    sender_name: str = "BIN-berichten"
    sender_address: str = "berichten@bin.example.org"
    unsubscribe_url: str = "https://bin.example.org/uitschrijven"
    unsubscribe_mailto: str = "uitschrijven@bin.example.org"
    overdue_hours: int = 48
    # SMTP: with no host, mail goes to the outbox folder (the embedded default).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls | tls | none
    smtp_user: str = ""
    bounce_address: str = ""  # envelope sender; defaults to sender_address
    rate: float = 0.0  # messages per second per relay; 0 = as fast as the relay takes them
    connections: int = 1

    @property
    def content_dir(self) -> Path:
        return self.root / self.content

    @property
    def members_path(self) -> Path:
        return self.root / self.members

    @property
    def state_dir(self) -> Path:
        return self.root / self.state

    @property
    def site_dir(self) -> Path:
        return self.root / self.site


def load_config(root: Path) -> Config:
    """Read [tool.binpost]; BINPOST_<KEY> environment variables win over the file."""
    values: dict[str, object] = {}
    py = root / "pyproject.toml"
    if py.exists():
        try:
            data = tomllib.loads(py.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{py}: {exc}") from None
        values.update(data.get("tool", {}).get("binpost", {}))
    known = {f.name: f for f in fields(Config) if f.name != "root"}
    for key in values:
        if key not in known:
            raise ConfigError(f"{py}: unknown key '{key}' under [tool.binpost]; known: {', '.join(known)}")
    for key, f in known.items():
        env = os.environ.get(f"BINPOST_{key.upper()}")
        if env is not None:
            try:
                values[key] = int(env) if f.type in ("int", int) else float(env) if f.type in ("float", float) else env
            except ValueError:
                raise ConfigError(f"BINPOST_{key.upper()}={env!r} is not a number") from None
    return Config(root=root, **values)  # type: ignore[arg-type]
