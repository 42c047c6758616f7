"""The personal values that go into one recipient's copy of an edition."""

from __future__ import annotations

from urllib.parse import quote

from .config import Config
from .i18n import strings
from .models import Member
from .tokens import make_token


def preview_recipient(lang: str) -> Member:
    """A fictional member for previews: no real member's data lands in a preview folder."""
    return Member(
        id="voorbeeld", name="Voorbeeld Lid", networks=(), consent=None, email="voorbeeld@example.org", lang=lang
    )


def greeting(member: Member, lang: str) -> str:
    s = strings(lang)
    name = member.greeting_name.strip()
    return s["greeting"].format(name=name) if name else s["greeting_fallback"]


def unsubscribe_url(config: Config, token: str) -> str:
    return f"{config.unsubscribe_url}?t={quote(token)}"


def list_unsubscribe_header(config: Config, token: str) -> str:
    """RFC 8058: an https URL for one-click POST, and a mailto for older clients."""
    return f"<{unsubscribe_url(config, token)}>, <mailto:{config.unsubscribe_mailto}?subject={quote(token)}>"


def personal_values(config: Config, secret: bytes, member: Member, list_id: str, lang: str) -> dict[str, str]:
    token = make_token(secret, member.id, list_id)
    return {
        "GREETING": greeting(member, lang),
        "UNSUBSCRIBE": unsubscribe_url(config, token),
        "UNSUBSCRIBE_TOKEN": token,
    }


def fill(template: str, values: dict[str, str], escape: bool) -> str:
    """Fill placeholders in a rendered HTML or text body (previews; sending uses message.py)."""
    import html

    from .message import FIELDS, token

    for field in FIELDS:
        value = values[field]
        template = template.replace(token(field), html.escape(value) if escape else value)
    return template
