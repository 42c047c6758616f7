"""Transport details: the password never comes from a file, a missing keyring is a clear error, and the
pipelined SMTP session never delivers a message that was not handed over in full."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from smtp_server import SMTPServer

from mailer.errors import BinpostError
from mailer.transports import PermanentError, SMTPSettings, SMTPTransport, TransientError, _dot_stuff, smtp_password

FROM = "berichten@bin.example.org"


def message(n: int) -> bytes:
    return f"Subject: bericht {n}\r\nTo: lid{n}@example.org\r\n\r\nTekst {n}\r\n.begint met een punt\r\n".encode()


@pytest.fixture
def server() -> Iterator[SMTPServer]:
    with SMTPServer() as s:
        yield s


def transport(server: SMTPServer) -> SMTPTransport:
    return SMTPTransport(SMTPSettings("127.0.0.1", server.port, security="none"))


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


@pytest.mark.parametrize("pipelining", [True, False])
def test_messages_with_the_next_envelope_ahead_arrive_once_and_whole(server: SMTPServer, pipelining: bool) -> None:
    server.handler.pipelining = pipelining
    t = transport(server)
    rcpts = [f"lid{n}@example.org" for n in range(5)]
    for n, rcpt in enumerate(rcpts):
        t.send(FROM, rcpt, message(n), (FROM, rcpts[n + 1]) if n + 1 < len(rcpts) else None)
    t.close()
    server.wait_quiet()
    assert [r.rcpt for r in server.handler.received] == rcpts
    assert [r.message["Subject"] for r in server.handler.received] == [f"bericht {n}" for n in range(5)]
    assert all(b"\r\n.begint met een punt" in r.data for r in server.handler.received)  # dot-stuffing undone


def test_an_envelope_opened_ahead_and_then_not_used_delivers_nothing(server: SMTPServer) -> None:
    t = transport(server)
    t.send(FROM, "a@example.org", message(1), (FROM, "b@example.org"))
    assert server.handler.commands[-1] == "RCPT b@example.org"  # b's envelope went out behind a's content
    t.send(FROM, "c@example.org", message(3), (FROM, "d@example.org"))  # b was skipped after all
    t.close()  # d's envelope is open too: no QUIT (it would be read as content), hang up
    server.wait_quiet()
    assert [r.rcpt for r in server.handler.received] == ["a@example.org", "c@example.org"]


def test_a_deferral_of_the_next_envelope_goes_to_that_message(server: SMTPServer) -> None:
    server.handler.faults.transient_first = 2  # RCPT 1 and 2 get 4xx
    t = transport(server)
    with pytest.raises(TransientError):
        t.send(FROM, "a@example.org", message(1), (FROM, "b@example.org"))
    with pytest.raises(TransientError):  # its envelope went out fresh: nothing was ahead
        t.send(FROM, "a@example.org", message(1), (FROM, "b@example.org"))
    assert t.send(FROM, "a@example.org", message(1), (FROM, "b@example.org")).code == 250
    assert t.send(FROM, "b@example.org", message(2)).code == 250
    t.close()
    server.wait_quiet()
    assert [r.rcpt for r in server.handler.received] == ["a@example.org", "b@example.org"]


def test_a_refusal_of_the_next_envelope_goes_to_that_message(server: SMTPServer) -> None:
    server.handler.faults.reject = {"bad@example.org"}
    t = transport(server)
    assert t.send(FROM, "a@example.org", message(1), (FROM, "bad@example.org")).code == 250
    with pytest.raises(PermanentError) as info:
        t.send(FROM, "bad@example.org", message(2), (FROM, "c@example.org"))
    assert info.value.code == 550
    t.send(FROM, "c@example.org", message(3))
    t.close()
    server.wait_quiet()
    assert [r.rcpt for r in server.handler.received] == ["a@example.org", "c@example.org"]


def test_a_connection_dropped_at_the_next_envelope_costs_that_message_nothing(server: SMTPServer) -> None:
    server.handler.faults.drop_at_rcpt = {2}
    t = transport(server)
    assert t.send(FROM, "a@example.org", message(1), (FROM, "b@example.org")).code == 250
    assert t.send(FROM, "b@example.org", message(2)).code == 250  # nothing of b's was handed over: reconnect
    assert server.handler.commands.count("RCPT b@example.org") == 2
    t.close()
    server.wait_quiet()
    assert [r.rcpt for r in server.handler.received] == ["a@example.org", "b@example.org"]
