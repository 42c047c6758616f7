"""The per-recipient delivery record: durable, in SQLite, in the state folder.

One row per (edition, member). The recipient list is frozen when an edition
starts. A row is marked `sending` and committed *before* the message goes to
the server and marked `sent` right after the reply, so a crash leaves at most
the rows in flight as `sending`: the next run turns those into `uncertain`
and never re-sends them without an explicit flag (Ghost's rule), while every
`queued` row is sent exactly once (listmonk's single high-water mark loses
that distinction).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS editions (
  id TEXT PRIMARY KEY, network TEXT NOT NULL, kind TEXT NOT NULL, due TEXT NOT NULL,
  bulletins TEXT NOT NULL, approved_by TEXT NOT NULL DEFAULT '', frozen_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE TABLE IF NOT EXISTS edition_bulletins (
  edition_id TEXT NOT NULL REFERENCES editions(id), network TEXT NOT NULL, slug TEXT NOT NULL,
  PRIMARY KEY (edition_id, slug)
);
CREATE INDEX IF NOT EXISTS edition_bulletins_network ON edition_bulletins(network, slug);
CREATE TABLE IF NOT EXISTS deliveries (
  edition_id TEXT NOT NULL REFERENCES editions(id), member_id TEXT NOT NULL, address TEXT NOT NULL,
  lang TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('queued','sending','sent','failed','uncertain','skipped')),
  attempts INTEGER NOT NULL DEFAULT 0, smtp_code INTEGER, smtp_reply TEXT, message_id TEXT,
  queued_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (edition_id, member_id)
);
-- Only the rows that need attention are indexed by status: an index of every row's status was
-- rewritten twice per message on the hot path and cost half the time of recording a delivery.
-- Queries name the index's condition verbatim, which is how SQLite knows it may use it.
DROP INDEX IF EXISTS deliveries_status;
CREATE INDEX IF NOT EXISTS deliveries_attention ON deliveries(status) WHERE status IN ('sending', 'uncertain');
CREATE TABLE IF NOT EXISTS suppressions (
  member_id TEXT NOT NULL, address TEXT NOT NULL, reason TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (member_id, address)
);
CREATE TABLE IF NOT EXISTS unsubscribes (
  member_id TEXT NOT NULL, list_id TEXT NOT NULL, created_at TEXT NOT NULL, source TEXT NOT NULL,
  merged_at TEXT, PRIMARY KEY (member_id, list_id)
);
"""
_ATTENTION = "status IN ('sending', 'uncertain')"  # the condition of the partial index, verbatim


@dataclass(frozen=True, slots=True)
class Row:
    rowid: int
    edition_id: str
    member_id: str
    address: str
    lang: str
    status: str
    attempts: int


class Ledger:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # isolation_level=None: we say where transactions begin and end.
        # Shared by the sending threads; every use is under the deliverer's lock.
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL survives a killed process (the OS has the write); FULL would add an fsync per commit.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # editions -------------------------------------------------------------
    def has_edition(self, edition_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM editions WHERE id=?", (edition_id,)).fetchone() is not None

    def freeze(
        self,
        edition_id: str,
        network: str,
        kind: str,
        due: datetime,
        slugs: Iterable[str],
        approved_by: str,
        recipients: Iterable[tuple[str, str, str]],
        now: datetime,
    ) -> int:
        """Record an edition and its recipient list once; later runs resume it as it was frozen."""
        slugs = list(slugs)
        stamp = now.isoformat()
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM editions WHERE id=?", (edition_id,)).fetchone():
                return 0
            db.execute(
                "INSERT INTO editions(id, network, kind, due, bulletins, approved_by, frozen_at) "
                "VALUES (?,?,?,?,?,?,?)",
                (edition_id, network, kind, due.isoformat(), json.dumps(slugs), approved_by, stamp),
            )
            db.executemany(
                "INSERT INTO edition_bulletins(edition_id, network, slug) VALUES (?,?,?)",
                [(edition_id, network, s) for s in slugs],
            )
            cur = db.executemany(
                "INSERT INTO deliveries(edition_id, member_id, address, lang, status, queued_at, updated_at) "
                "VALUES (?,?,?,?,'queued',?,?)",
                [(edition_id, m, a, lang, stamp, stamp) for m, a, lang in recipients],
            )
            return cur.rowcount

    def covered(self, member_ids: Iterable[str], slugs: list[str]) -> set[str]:
        """Members who already have (or are queued for) every one of these bulletins, via any network."""
        if not slugs:
            return set()
        marks = ",".join("?" * len(slugs))
        rows = self.db.execute(
            f"SELECT d.member_id FROM deliveries d JOIN edition_bulletins eb ON eb.edition_id = d.edition_id "
            f"WHERE eb.slug IN ({marks}) AND d.status NOT IN ('failed', 'skipped') "
            f"GROUP BY d.member_id HAVING COUNT(DISTINCT eb.slug) = ?",
            (*slugs, len(slugs)),
        )
        wanted = set(member_ids)
        return {r[0] for r in rows if r[0] in wanted}

    def sent_slugs(self, network: str) -> set[str]:
        """Bulletins already in an edition for this network (frozen, whatever their delivery state)."""
        return {r[0] for r in self.db.execute("SELECT slug FROM edition_bulletins WHERE network=?", (network,))}

    def finish(self, edition_id: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE editions SET finished_at=? WHERE id=? AND finished_at IS NULL", (now.isoformat(), edition_id)
        )

    # deliveries -----------------------------------------------------------
    def recover(self, now: datetime) -> int:
        """Rows left `sending` by a process that died: their outcome is unknown."""
        cur = self.db.execute(
            f"UPDATE deliveries SET status='uncertain', updated_at=? WHERE {_ATTENTION} AND status='sending'",
            (now.isoformat(),),
        )
        return cur.rowcount

    def reopen_uncertain(self, now: datetime) -> int:
        """Queue every uncertain message again (the user asked to), reopening its edition."""
        with self.transaction() as db:
            db.execute(
                "UPDATE editions SET finished_at=NULL WHERE id IN "
                f"(SELECT DISTINCT edition_id FROM deliveries WHERE {_ATTENTION} AND status='uncertain')"
            )
            n = db.execute(
                f"UPDATE deliveries SET status='queued', updated_at=? WHERE {_ATTENTION} AND status='uncertain'",
                (now.isoformat(),),
            ).rowcount
        return int(n)

    def queued(self, edition_id: str, after: int = 0, limit: int = -1) -> list[Row]:
        return [
            Row(*r)
            for r in self.db.execute(
                # By rowid from where the last chunk ended: an edition's rows were inserted together.
                "SELECT rowid, edition_id, member_id, address, lang, status, attempts FROM deliveries NOT INDEXED "
                "WHERE rowid>? AND edition_id=? AND status='queued' ORDER BY rowid LIMIT ?",
                (after, edition_id, limit),
            )
        ]

    def count_queued(self, edition_id: str) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM deliveries WHERE edition_id=? AND status='queued'", (edition_id,)
        ).fetchone()
        return int(row[0])

    def step(self, sent: tuple[str, str, int, str] | None, start: tuple[str, str, str] | None, now: datetime) -> None:
        """Record a success and mark the next message in flight, in one commit."""
        if sent is None and start is None:
            return
        stamp = now.isoformat()
        if sent is not None and start is not None and sent[0] == start[0]:
            # One statement is atomic on its own: no BEGIN/COMMIT round trips on the hot path.
            edition_id, done_id, code, reply = sent
            self.db.execute(
                "UPDATE deliveries SET "
                "status = CASE member_id WHEN :done THEN 'sent' ELSE 'sending' END, "
                "smtp_code = CASE member_id WHEN :done THEN :code ELSE smtp_code END, "
                "smtp_reply = CASE member_id WHEN :done THEN :reply ELSE smtp_reply END, "
                "attempts = CASE member_id WHEN :done THEN attempts ELSE attempts + 1 END, "
                "message_id = CASE member_id WHEN :done THEN message_id ELSE :mid END, updated_at = :at "
                "WHERE edition_id = :edition AND member_id IN (:done, :next)",
                {
                    "done": done_id,
                    "code": code,
                    "reply": reply[:500],
                    "mid": start[2],
                    "at": stamp,
                    "edition": edition_id,
                    "next": start[1],
                },
            )
            return
        with self.transaction() as db:
            if sent is not None:
                edition_id, member_id, code, reply = sent
                db.execute(
                    "UPDATE deliveries SET status='sent', smtp_code=?, smtp_reply=?, updated_at=? "
                    "WHERE edition_id=? AND member_id=?",
                    (code, reply[:500], stamp, edition_id, member_id),
                )
            if start is not None:
                edition_id, member_id, message_id = start
                db.execute(
                    "UPDATE deliveries SET status='sending', attempts=attempts+1, message_id=?, updated_at=? "
                    "WHERE edition_id=? AND member_id=?",
                    (message_id, stamp, edition_id, member_id),
                )

    def mark(self, edition_id: str, member_id: str, status: str, code: int | None, reply: str, now: datetime) -> None:
        self.db.execute(
            "UPDATE deliveries SET status=?, smtp_code=?, smtp_reply=?, updated_at=? "
            "WHERE edition_id=? AND member_id=?",
            (status, code, reply[:500], now.isoformat(), edition_id, member_id),
        )

    def counts(self, edition_id: str) -> dict[str, int]:
        return dict(
            self.db.execute(
                "SELECT status, count(*) FROM deliveries WHERE edition_id=? GROUP BY status", (edition_id,)
            ).fetchall()
        )

    def uncertain(self) -> list[tuple[str, str]]:
        return list(
            self.db.execute(
                f"SELECT edition_id, member_id FROM deliveries WHERE {_ATTENTION} AND status='uncertain' "
                "ORDER BY edition_id, member_id"
            )
        )

    # suppressions and unsubscribes -----------------------------------------
    def suppress(self, member_id: str, address: str, reason: str, now: datetime) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO suppressions VALUES (?,?,?,?)", (member_id, address, reason[:300], now.isoformat())
        )

    def suppressed(self) -> set[tuple[str, str]]:
        return {(m, a) for m, a in self.db.execute("SELECT member_id, address FROM suppressions")}

    def unsubscribed(self) -> set[tuple[str, str]]:
        """(member id, list id) pairs; list id '*' means every list."""
        return {(m, lst) for m, lst in self.db.execute("SELECT member_id, list_id FROM unsubscribes")}

    def record_unsubscribe(self, member_id: str, list_id: str, source: str, now: datetime) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO unsubscribes(member_id, list_id, created_at, source) VALUES (?,?,?,?)",
            (member_id, list_id, now.isoformat(), source),
        )
        return cur.rowcount == 1

    def unfinished(self) -> list[dict[str, object]]:
        """Editions frozen but not finished: the ones a run must resume."""
        keys = ("id", "network", "kind", "due", "bulletins")
        rows = self.db.execute(
            "SELECT id, network, kind, due, bulletins FROM editions WHERE finished_at IS NULL ORDER BY frozen_at, id"
        ).fetchall()
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def history(self) -> list[dict[str, object]]:
        """Every edition with its delivery counts, oldest first (the audit trail)."""
        rows = self.db.execute(
            "SELECT id, network, kind, due, bulletins, approved_by, frozen_at, finished_at "
            "FROM editions ORDER BY frozen_at, due, id"
        ).fetchall()
        keys = ("id", "network", "kind", "due", "bulletins", "approved_by", "frozen_at", "finished_at")
        return [{**dict(zip(keys, r, strict=True)), "counts": self.counts(r[0])} for r in rows]


def erase_member(ledger: Ledger, member_id: str, pseudonym: str) -> int:
    """GDPR erasure: the ledger keeps its counts, but no longer who or which address."""
    with ledger.transaction() as db:
        n = db.execute(
            "UPDATE deliveries SET member_id=?, address='' WHERE member_id=?", (pseudonym, member_id)
        ).rowcount
        db.execute("DELETE FROM suppressions WHERE member_id=?", (member_id,))
        db.execute("DELETE FROM unsubscribes WHERE member_id=?", (member_id,))
    return int(n)


def unmerged_unsubscribes(ledger: Ledger) -> list[tuple[str, str, str]]:
    return list(
        ledger.db.execute(
            "SELECT member_id, list_id, created_at FROM unsubscribes WHERE merged_at IS NULL ORDER BY created_at"
        )
    )


def mark_merged(ledger: Ledger, pairs: list[tuple[str, str]], when: str) -> None:
    with ledger.transaction() as db:
        db.executemany(
            "UPDATE unsubscribes SET merged_at=? WHERE member_id=? AND list_id=?", [(when, m, lst) for m, lst in pairs]
        )


def member_record(ledger: Ledger, member_id: str) -> dict[str, object]:
    """What the ledger holds about one member (for an access request)."""
    db = ledger.db
    return {
        "deliveries": list(
            db.execute(
                "SELECT edition_id, status, updated_at FROM deliveries WHERE member_id=? ORDER BY updated_at",
                (member_id,),
            )
        ),
        "suppressions": list(
            db.execute("SELECT address, reason, created_at FROM suppressions WHERE member_id=?", (member_id,))
        ),
        "unsubscribes": list(
            db.execute(
                "SELECT list_id, created_at, source, merged_at FROM unsubscribes WHERE member_id=?", (member_id,)
            )
        ),
    }
