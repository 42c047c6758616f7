"""A real SMTP server on loopback (aiosmtpd) that records what it receives and injects faults."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Faults:
    reject: set[str] = field(default_factory=set)  # 550 at RCPT for these addresses
    transient_first: int = 0  # the first N RCPTs get 451, then alternate codes below
    transient_codes: tuple[int, ...] = (451, 454)
    drop_at_rcpt: set[int] = field(default_factory=set)  # drop the connection at these RCPT counts
    data_421_at: set[int] = field(default_factory=set)  # answer 421 (and close) at these DATA counts
    drop_after_data_at: set[int] = field(default_factory=set)  # accept, then drop without replying
    slow: float = 0.0  # seconds of delay before each DATA reply


@dataclass
class Received:
    rcpt: str
    data: bytes
    at: float = field(default_factory=time.monotonic)  # when the server accepted it

    @property
    def message(self) -> Any:
        return message_from_bytes(self.data, policy=default)


class Handler:
    def __init__(self) -> None:
        self.faults = Faults()
        # Postfix and the providers advertise PIPELINING, so the tests take that path by default.
        # aiosmtpd reads commands line by line and so serves pipelined ones; it just does not say so.
        self.pipelining = True
        self.commands: list[str] = []  # MAIL FROM / RCPT TO / DATA seen, in order
        self.received: list[Received] = []
        self.rcpts = 0
        self.datas = 0
        self.lock = threading.Lock()

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-PIPELINING", responses[-1]] if self.pipelining else responses

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self.lock:
            self.commands.append(f"MAIL {address}")
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        with self.lock:
            self.commands.append(f"RCPT {address}")
            self.rcpts += 1
            n = self.rcpts
        f = self.faults
        if n in f.drop_at_rcpt:
            server.transport.close()
            return "421 4.3.0 closing"
        if n <= f.transient_first:
            return f"{f.transient_codes[n % len(f.transient_codes)]} 4.3.0 try again later"
        if address in f.reject:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.datas += 1
            n = self.datas
        f = self.faults
        if f.slow:
            await asyncio.sleep(f.slow)
        if n in f.data_421_at:
            # reply first, then hang up, as a server going down does
            asyncio.get_running_loop().call_later(0.01, server.transport.close)
            return "421 4.3.2 shutting down"
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append(Received(rcpt, envelope.original_content or envelope.content))
        if n in f.drop_after_data_at:
            server.transport.close()
            return "250 OK"  # never reaches the client
        return "250 2.0.0 OK queued"

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(r.rcpt for r in self.received)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SMTPServer:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     data_size_limit=10_000_000, decode_data=False)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def wait_quiet(self, seconds: float = 0.3) -> None:
        """Let in-flight sessions finish before reading the results."""
        time.sleep(seconds)
