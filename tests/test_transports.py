"""Transport details: the SMTP password never comes from a file and a missing keyring is a clear error."""

from __future__ import annotations

import pytest

from mailer.errors import BinpostError
from mailer.transports import _dot_stuff, smtp_password


def test_password_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINPOST_SMTP_PASSWORD", "s3cret")
    assert smtp_password("coordinator@example.org") == "s3cret"


def test_headless_machine_without_keyring_gets_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    monkeypatch.delenv("BINPOST_SMTP_PASSWORD", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        with pytest.raises(BinpostError) as info:
            smtp_password("coordinator@example.org")
    finally:
        keyring.set_keyring(previous)
    assert "BINPOST_SMTP_PASSWORD" in str(info.value)


def test_dot_stuffing() -> None:
    assert _dot_stuff(b"a\r\n.b\r\n..c") == b"a\r\n..b\r\n...c\r\n.\r\n"
