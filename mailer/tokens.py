"""Opaque unsubscribe tokens: an HMAC over member id and list, never the address."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .errors import ConfigError

_SEP = "\x1f"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(secret: bytes, member_id: str, list_id: str) -> str:
    payload = f"{member_id}{_SEP}{list_id}".encode()
    mac = hmac.new(secret, payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(mac)}"


def read_token(secret: bytes, token: str) -> tuple[str, str] | None:
    """(member id, list id) for a genuine token; None for anything forged, altered or malformed."""
    try:
        payload_b64, mac_b64 = token.split(".")
        payload, mac = _unb64(payload_b64), _unb64(mac_b64)
    except (ValueError, TypeError):
        return None
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        member_id, list_id = payload.decode().split(_SEP)
    except (UnicodeDecodeError, ValueError):
        return None
    return member_id, list_id


def load_secret(state_dir: Path) -> bytes:
    """BINPOST_SECRET from the environment, else a random secret kept in the state folder (mode 600)."""
    env = os.environ.get("BINPOST_SECRET")
    if env:
        if len(env) < 16:
            raise ConfigError("BINPOST_SECRET is too short: use at least 16 random characters")
        return env.encode()
    path = state_dir / "secret"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    state_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(value + b"\n")
    return value
