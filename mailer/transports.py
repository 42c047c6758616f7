"""Where messages go: the Transport protocol, SMTP (the only yagmail importer), and the outbox.

A transport takes exact, prebuilt bytes for exactly one recipient. It answers
with the server's reply or raises TransientError ("later": 4xx, a dropped
connection) or PermanentError (5xx for this recipient: a hard bounce).
"""

from __future__ import annotations

import contextlib
import html
import mailbox
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Protocol

from .errors import BinpostError
from .fileio import replace_file


class TransientError(Exception):
    def __init__(self, code: int, reply: str) -> None:
        super().__init__(f"{code} {reply}")
        self.code, self.reply = code, reply


class UncertainError(Exception):
    """The server may or may not have accepted the message: never re-send it silently."""


class PermanentError(Exception):
    def __init__(self, code: int, reply: str) -> None:
        super().__init__(f"{code} {reply}")
        self.code, self.reply = code, reply


@dataclass(frozen=True)
class Reply:
    code: int
    text: str


class Transport(Protocol):
    name: str

    def open(self) -> None: ...

    def send(self, sender: str, recipient: str, data: bytes, then: tuple[str, str] | None = None) -> Reply: ...

    def close(self) -> None: ...


class OutboxTransport:
    """The embedded default: a Maildir any mail client can open, and an index.html to browse it."""

    name = "outbox"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.box: mailbox.Maildir | None = None

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(self.folder / "Maildir", create=True)

    def send(self, sender: str, recipient: str, data: bytes, then: tuple[str, str] | None = None) -> Reply:
        if self.box is None:
            self.open()
        assert self.box is not None
        key = self.box.add(mailbox.MaildirMessage(data))
        return Reply(250, f"stored {key}")

    def close(self) -> None:
        if self.box is None:
            return
        self.box.close()
        write_outbox_index(self.folder)
        self.box = None


def write_outbox_index(folder: Path) -> Path:
    """A page listing what was "sent" to the outbox: subject, date and list, newest first. No addresses."""
    parser = BytesHeaderParser(policy=default_policy)
    rows = []
    maildir = folder / "Maildir"
    for sub in ("new", "cur"):
        for path in sorted((maildir / sub).glob("*")) if (maildir / sub).is_dir() else []:
            with open(path, "rb") as fh:
                msg = parser.parse(fh)
            rows.append(
                (
                    str(msg["Date"] or ""),
                    str(msg["Subject"] or ""),
                    str(msg["List-Id"] or ""),
                    f"Maildir/{sub}/{path.name}",
                )
            )
    rows.sort(reverse=True)
    items = "".join(
        f'<tr><td>{html.escape(d)}</td><td><a href="{html.escape(p)}">{html.escape(s)}</a></td>'
        f"<td>{html.escape(lst)}</td></tr>"
        for d, s, lst, p in rows
    )
    page = folder / "index.html"
    replace_file(
        page,
        (
            '<!doctype html><html lang="nl"><meta charset="utf-8"><title>Outbox</title>'
            f"<h1>Outbox: {len(rows)} bericht(en)</h1><table><tr><th>Datum</th><th>Onderwerp</th>"
            f"<th>Lijst</th></tr>{items}</table></html>\n"
        ).encode(),
    )
    return page


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls | tls | none
    user: str = ""
    timeout: float = 60.0


def smtp_password(user: str) -> str | None:
    """From the environment, else the system keyring; never from a file in the repository."""
    env = os.environ.get("BINPOST_SMTP_PASSWORD")
    if env:
        return env
    if not user:
        return None
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise BinpostError(
            f"no password for SMTP user {user}: set BINPOST_SMTP_PASSWORD, or install the "
            "'keyring' package and run: python -m yagmail.password (see README)"
        ) from None
    try:
        pw = keyring.get_password("yagmail", user)
    except keyring.errors.KeyringError as exc:  # a headless machine without a keyring backend
        raise BinpostError(f"the system keyring is not available here ({exc}); set BINPOST_SMTP_PASSWORD") from None
    if pw is None:
        raise BinpostError(f"no password for SMTP user {user} in the keyring; set BINPOST_SMTP_PASSWORD")
    return str(pw)


class SMTPTransport:
    """yagmail opens the authenticated connection; we send our exact bytes over it, many per session."""

    name = "smtp"

    def __init__(self, settings: SMTPSettings) -> None:
        self.settings = settings
        self.client: object | None = None
        self.smtp: smtplib.SMTP | None = None
        # The next message's envelope, already sent behind the last content, and its three replies.
        self._opened: tuple[tuple[str, str], list[tuple[int, bytes]]] | None = None

    def open(self) -> None:
        import yagmail

        s = self.settings
        password = smtp_password(s.user) if s.user else None
        try:
            client = yagmail.SMTP(
                user=s.user or None,
                password=password,
                host=s.host,
                port=s.port,
                smtp_ssl=s.security == "tls",
                smtp_starttls=s.security == "starttls",
                smtp_skip_login=not s.user,
                soft_email_validation=False,
                timeout=s.timeout,
            )
            client.login()
        except smtplib.SMTPAuthenticationError as exc:
            raise BinpostError(f"SMTP login refused for {s.user} at {s.host}: {exc.smtp_code}") from None
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            raise TransientError(421, f"cannot connect to {s.host}:{s.port}: {exc}") from None
        self.client = client
        self.smtp = client.smtp

    def send(self, sender: str, recipient: str, data: bytes, then: tuple[str, str] | None = None) -> Reply:
        """Send one message. `then` is the envelope of the message this connection will send next.

        With PIPELINING (RFC 2920) its MAIL, RCPT and DATA go out right behind this message's
        content: one round trip per message instead of two (smtplib.sendmail takes four). Only
        the content delivers anything, and the caller records the next message as in flight
        before it sends that content, so a crash in between can still leave at most one
        message uncertain.
        """
        envelope = (sender, recipient)
        if self.smtp is not None and self._opened is not None and self._opened[0] != envelope:
            self._abandon()  # the caller changed its mind about the next message
        if self.smtp is None:
            self.open()
        smtp = self.smtp
        assert smtp is not None
        # MAIL, RCPT and DATA apart from the content (not smtplib.sendmail), so that we know how
        # far a failure got: before the content is handed over, sending again is safe; after it,
        # the server may have accepted the message, so the outcome is uncertain.
        try:
            if self._opened is not None:
                replies, self._opened = self._opened[1], None
            else:
                if not smtp.does_esmtp:
                    smtp.ehlo_or_helo_if_needed()
                replies = self._envelope(smtp, sender, recipient)
            self._check_envelope(smtp, replies)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            self._drop()
            code = getattr(exc, "smtp_code", 421)
            raise TransientError(code if 400 <= code < 500 else 421, f"connection lost: {exc}") from None
        payload = _dot_stuff(data)
        ahead = then is not None and smtp.has_extn("pipelining")
        if ahead:
            assert then is not None
            payload += _commands(*then).encode()
        try:
            smtp.send(payload)
            code, reply = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise UncertainError(f"connection lost after the message was handed over: {exc}") from None
        if ahead and code != 421:
            assert then is not None
            try:  # the next envelope's replies; what they say is that message's business
                self._opened = (then, [smtp.getreply() for _ in range(3)])
            except (smtplib.SMTPServerDisconnected, OSError):
                self._drop()
        if code != 250:
            if code == 421:
                self._drop()
            raise _classify(code, reply)
        return Reply(code, reply.decode("utf-8", "replace"))

    @staticmethod
    def _envelope(smtp: smtplib.SMTP, sender: str, recipient: str) -> list[tuple[int, bytes]]:
        # Addresses were validated when members.yaml was loaded, so the envelope is written
        # directly (smtplib.mail/rcpt re-parse each address).
        if smtp.has_extn("pipelining"):
            smtp.send(_commands(sender, recipient))
            return [smtp.getreply() for _ in range(3)]
        replies = []
        for command in _commands(sender, recipient).splitlines():
            smtp.putcmd(command)
            replies.append(smtp.getreply())
            if replies[-1][0] >= 400:
                break
        return replies

    def _check_envelope(self, smtp: smtplib.SMTP, replies: list[tuple[int, bytes]]) -> None:
        for (code, reply), ok in zip(replies, ((250,), (250, 251), (354,)), strict=False):
            if code not in ok:
                if code == 421:
                    self._drop()
                    raise TransientError(421, reply.decode("utf-8", "replace"))
                if replies[-1][0] == 354:  # the server waits for content we will not send: end it empty
                    smtp.send(b".\r\n")
                    smtp.getreply()
                self._reset()
                raise _classify(code, reply)

    def _abandon(self) -> None:
        """The server waits for a message we will not send: hang up, so that it delivers nothing."""
        with contextlib.suppress(OSError):
            if self.smtp is not None:
                self.smtp.close()
        self.smtp, self.client, self._opened = None, None, None

    def _reset(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        """Forget a broken connection; the next send reconnects."""
        try:
            if self.smtp is not None:
                self.smtp.close()
        except OSError:
            pass
        self.smtp = None
        self.client = None
        self._opened = None

    def close(self) -> None:
        if self._opened is not None and self._opened[1][-1][0] == 354:
            self._abandon()  # QUIT now would be read as message content
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
        self.smtp = None
        self.client = None
        self._opened = None


def _commands(sender: str, recipient: str) -> str:
    return f"MAIL FROM:<{sender}>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n"


def _dot_stuff(data: bytes) -> bytes:
    """SMTP transparency (RFC 5321 4.5.2), and the terminating CRLF.CRLF."""
    # A line starts at the beginning or after LF: bytes.replace does in C what a (?m)^ regex does
    # slowly (MJML's CSS puts lines starting with "." in every newsletter).
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\n.", b"\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _classify(code: int, reply: bytes | str) -> Exception:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    if 400 <= code < 500 or code < 200:
        return TransientError(code, text)
    return PermanentError(code, text)
