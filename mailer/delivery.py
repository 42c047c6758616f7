"""Delivering editions: freeze the recipients, send each message once, record every outcome.

The loop is: mark `sending` (committed), hand the exact bytes to the
transport, mark the outcome (committed). 4xx replies and dropped connections
are retried with back-off and never count as failures; a 5xx for a recipient
is a hard bounce: failed, and the member is suppressed for later sends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from .audience import unsubscribed_from
from .config import Config
from .errors import BinpostError
from .ledger import Ledger, Row
from .models import Directory, Edition, Member
from .personal import list_unsubscribe_header, personal_values

if TYPE_CHECKING:  # rendering (MJML) is imported only when there is something to send
    from .render import RenderedEdition
from .transports import PermanentError, TransientError, Transport, UncertainError


class SendStopped(BinpostError):
    """Too many failures in a row: stop, keep the ledger, say how to resume."""


@dataclass(frozen=True)
class SendOptions:
    max_errors: int = 20
    retries: int = 5
    backoff: float = 1.0  # seconds before the first retry; doubles each time, at most 60 s
    rate: float = 0.0  # messages per second over all connections; 0 = no limit
    connections: int = 1


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # still queued after every retry: the next run tries again
    skipped: int = 0
    uncertain: int = 0


@dataclass
class _Shared:
    lock: threading.Lock = field(default_factory=threading.Lock)
    consecutive: int = 0
    stop: str = ""
    crash: BaseException | None = None
    next_slot: float = 0.0


class Deliverer:
    """Sends the queued rows of one edition over one or more connections."""

    def __init__(
        self,
        config: Config,
        directory: Directory,
        ledger: Ledger,
        secret: bytes,
        transports: Callable[[], Transport],
        options: SendOptions,
        now: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.config, self.directory, self.ledger, self.secret = config, directory, ledger, secret
        self.transports, self.options, self.now, self.sleep = transports, options, now, sleep
        self.progress = progress or (lambda n: None)
        self.sender = config.bounce_address or config.sender_address
        self.shared = _Shared()
        self._rendered: dict[tuple[str, str], RenderedEdition] = {}

    def rendered(self, edition: Edition, lang: str) -> RenderedEdition:
        key = (edition.id, lang)
        if key not in self._rendered:  # MJML once per edition variant, never per recipient
            from .render import render_edition

            self._rendered[key] = render_edition(edition, self.directory, self.config, lang, self.now())
        return self._rendered[key]

    def deliver(self, edition: Edition) -> Outcome:
        """Send every queued row of a frozen edition; rows are read from the ledger in chunks."""
        outcome = Outcome()
        unsubscribes = self.ledger.unsubscribed()  # honoured at once, before members.yaml is updated
        feed = _Feed(self.ledger, edition.id, self.shared.lock)
        n = max(1, min(self.options.connections, self.ledger.count_queued(edition.id)))
        if n == 1:
            self._worker(edition, feed, outcome, unsubscribes)
        else:
            threads = [
                threading.Thread(
                    target=self._worker, args=(edition, feed, outcome, unsubscribes), name=f"smtp-{i}", daemon=True
                )
                for i in range(n)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        if self.shared.crash is not None:
            raise self.shared.crash  # a bug in a worker thread must not pass as a finished run
        if self.shared.stop:
            raise SendStopped(self.shared.stop)
        return outcome

    def _worker(self, edition: Edition, feed: _Feed, outcome: Outcome, unsubscribes: set[tuple[str, str]]) -> None:
        transport = self.transports()
        done: list[tuple[str, str, int, str]] = []  # a success not yet recorded: goes with the next commit
        try:
            row = feed.next()
            while row is not None and not self.shared.stop:
                # One row ahead, so the transport can open the next message's envelope behind this one.
                ahead = feed.next()
                self._one(
                    edition, row, transport, outcome, unsubscribes, done, self._envelope(edition, ahead, unsubscribes)
                )
                row = ahead
        except BaseException as exc:
            with self.shared.lock:
                self.shared.crash = self.shared.crash or exc
                self.shared.stop = self.shared.stop or "a sending thread failed"
            if threading.current_thread() is threading.main_thread():
                raise
        finally:
            with self.shared.lock:
                self.ledger.step(done.pop() if done else None, None, self.now())
            transport.close()

    def _one(
        self,
        edition: Edition,
        row: Row,
        transport: Transport,
        outcome: Outcome,
        unsubscribes: set[tuple[str, str]],
        done: list[tuple[str, str, int, str]],
        then: tuple[str, str] | None = None,
    ) -> None:
        member = self._recipient(edition, row, unsubscribes)
        if member is None:
            with self.shared.lock:
                self.ledger.step(done.pop() if done else None, None, self.now())
                self.ledger.mark(
                    edition.id, row.member_id, "skipped", None, "left or unsubscribed before sending", self.now()
                )
                outcome.skipped += 1
            self.progress(1)
            return
        rendered = self.rendered(edition, row.lang)
        values = personal_values(self.config, self.secret, member, edition.list_id, row.lang)
        data, message_id = rendered.message.personalise(
            to_name=member.name,
            to_address=row.address,
            values=values,
            member_id=member.id,
            list_unsubscribe=list_unsubscribe_header(self.config, values["UNSUBSCRIBE_TOKEN"]),
            date=self.now(),
        )
        delay = self.options.backoff
        for attempt in range(1, self.options.retries + 1):
            self._pace()
            with self.shared.lock:
                # One commit records the previous success and marks this message in flight: a crash
                # between the two can leave at most this one message uncertain.
                self.ledger.step(done.pop() if done else None, (edition.id, member.id, message_id), self.now())
            try:
                reply = transport.send(self.sender, row.address, data, then)
            except TransientError as exc:
                with self.shared.lock:  # not accepted: safe to send again, so back to queued
                    self.ledger.mark(edition.id, member.id, "queued", exc.code, exc.reply, self.now())
                if attempt < self.options.retries:
                    self.sleep(min(delay, 60.0))
                    delay *= 2
                    continue
                with self.shared.lock:
                    outcome.deferred += 1
                    self._count_error(f"{exc.code} {exc.reply}")
                break
            except UncertainError as exc:
                with self.shared.lock:  # maybe delivered: report it, never re-send it on our own
                    self.ledger.mark(edition.id, member.id, "uncertain", None, str(exc), self.now())
                    outcome.uncertain += 1
                break
            except PermanentError as exc:
                with self.shared.lock:
                    self.ledger.mark(edition.id, member.id, "failed", exc.code, exc.reply, self.now())
                    self.ledger.suppress(member.id, row.address, f"{exc.code} {exc.reply}", self.now())
                    outcome.failed += 1
                    self._count_error(f"{exc.code} {exc.reply}")
                break
            done.append((edition.id, member.id, reply.code, reply.text))
            with self.shared.lock:
                outcome.sent += 1
                self.shared.consecutive = 0
            break
        self.progress(1)

    def _recipient(self, edition: Edition, row: Row, unsubscribes: set[tuple[str, str]]) -> Member | None:
        """The member to send this row to, or None: left, no longer active, or unsubscribed since."""
        member = self.directory.members.get(row.member_id)
        if member is None or member.status != "active" or unsubscribed_from(member, edition.list_id, unsubscribes):
            return None
        return member

    def _envelope(
        self, edition: Edition, row: Row | None, unsubscribes: set[tuple[str, str]]
    ) -> tuple[str, str] | None:
        if row is None or self._recipient(edition, row, unsubscribes) is None:
            return None
        return (self.sender, row.address)

    def _count_error(self, text: str) -> None:
        self.shared.consecutive += 1
        if self.shared.consecutive >= self.options.max_errors and not self.shared.stop:
            self.shared.stop = (
                f"stopped after {self.shared.consecutive} failures in a row (last: {text}). "
                "Nothing is lost: fix the cause and run the same `binpost send` again to resume; "
                "messages already sent are not sent twice."
            )

    def _pace(self) -> None:
        if self.options.rate <= 0:
            return
        with self.shared.lock:
            now = time.monotonic()
            slot = max(now, self.shared.next_slot)
            self.shared.next_slot = slot + 1.0 / self.options.rate
        if slot > now:
            self.sleep(slot - now)


class _Feed:
    """Queued rows handed to the workers in ledger order, a chunk at a time (100,000 rows never sit in memory)."""

    def __init__(self, ledger: Ledger, edition_id: str, lock: threading.Lock, chunk: int = 500) -> None:
        self.ledger, self.edition_id, self.lock, self.chunk = ledger, edition_id, lock, chunk
        self.buffer: list[Row] = []
        self.after = 0
        self.exhausted = False

    def next(self) -> Row | None:
        with self.lock:
            if not self.buffer and not self.exhausted:
                self.buffer = self.ledger.queued(self.edition_id, after=self.after, limit=self.chunk)
                self.buffer.reverse()
                self.exhausted = not self.buffer
            if not self.buffer:
                return None
            row = self.buffer.pop()
            self.after = max(self.after, row.rowid)
            return row
