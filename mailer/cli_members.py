"""`binpost members ...` and `binpost unsubscribe-server`: the member file and GDPR rights."""

from __future__ import annotations

import argparse
import hashlib
import sys
from datetime import date
from pathlib import Path

from .cli import COMMANDS, EXTRA_ARGS, command
from .config import Config
from .errors import BinpostError


def _directory(config: Config):  # type: ignore[no-untyped-def]
    from .pipeline import check

    return check(config).directory


def _ledger(config: Config):  # type: ignore[no-untyped-def]
    from .ledger import Ledger
    from .sending import ledger_path

    return Ledger(ledger_path(config))


def _today() -> date:
    from . import clock

    return clock.now().date()


def m_list(args: argparse.Namespace, config: Config) -> int:
    d = _directory(config)
    for m in d.members.values():
        if args.network and args.network not in m.networks:
            continue
        print(f"{m.id:10} {m.status:12} {' '.join(m.channels):18} {', '.join(m.networks):40} {m.name}")
    return 0


def m_show(args: argparse.Namespace, config: Config) -> int:
    """Everything held about one member: the answer to an access request."""
    from .ledger import member_record

    d = _directory(config)
    m = d.members.get(args.id)
    if m is None:
        raise BinpostError(f"no member with id '{args.id}'")
    print(f"members.yaml ({config.members}):")
    for key in (
        "id",
        "name",
        "first_name",
        "email",
        "phone",
        "address",
        "networks",
        "channels",
        "lang",
        "status",
        "consent",
        "unsubscribed",
        "note",
    ):
        value = getattr(m, key)
        if key == "consent" and value is not None:
            value = f"{value.date} ({value.source})"
        elif key == "unsubscribed":
            value = tuple(f"{net} since {d}" for net, d in value)
        if value not in ("", (), None):
            print(f"  {key}: {value if not isinstance(value, tuple) else ', '.join(map(str, value))}")
    ledger = _ledger(config)
    try:
        record = member_record(ledger, m.id)
    finally:
        ledger.close()
    print(f"delivery ledger ({config.state}/ledger.sqlite3):")
    for key, rows in record.items():
        print(f"  {key}: {len(rows)}")  # type: ignore[arg-type]
        for row in rows:  # type: ignore[attr-defined]
            print(f"    {' | '.join(str(x) for x in row)}")
    return 0


def m_add(args: argparse.Namespace, config: Config) -> int:
    from .members import edit_members

    with edit_members(config.members_path) as doc:
        fields: dict[str, object] = {"id": args.id or doc.next_id(), "name": args.name}
        if args.id and args.id in doc.ids():
            raise BinpostError(f"a member with id '{args.id}' exists already")
        for key in ("email", "phone", "address"):
            if getattr(args, key):
                fields[key] = getattr(args, key)
        fields.update(
            networks=args.network,
            channels=args.channel or ["email"],
            lang=args.lang,
            consent={"date": args.consent_date or _today(), "source": args.consent_source},
            status="active",
        )
        new_id = doc.add(fields)
    print(f"added {new_id}")
    return 0


def m_edit(args: argparse.Namespace, config: Config) -> int:
    from .members import edit_members
    from .schema import MEMBER

    known = {f.name: f for f in MEMBER}
    with edit_members(config.members_path) as doc:
        for item in args.set:
            key, sep, value = item.partition("=")
            if not sep or key not in known or key == "id":
                raise BinpostError(f"--set {item!r}: use key=value with a key from docs/reference.md (not id)")
            parsed: object = value
            if known[key].type in ("ids", "strs"):
                parsed = [v.strip() for v in value.split(",") if v.strip()]
            doc.set(args.id, key, parsed)
    print(f"edited {args.id}")
    return 0


def m_move(args: argparse.Namespace, config: Config) -> int:
    from .members import edit_members

    with edit_members(config.members_path) as doc:
        m = doc.get(args.id)
        nets = [n for n in m.get("networks", []) if n != args.source]
        if args.source not in m.get("networks", []):
            raise BinpostError(f"{args.id} is not in network '{args.source}'")
        if args.target not in nets:
            nets.append(args.target)
        doc.set(args.id, "networks", nets)
    print(f"moved {args.id} from {args.source} to {args.target}")
    return 0


def m_unsubscribe(args: argparse.Namespace, config: Config) -> int:
    from .members import edit_members

    with edit_members(config.members_path) as doc:
        m = doc.get(args.id)
        if args.network:
            if args.network not in m.get("networks", []):
                raise BinpostError(f"{args.id} is not in network '{args.network}'")
            current = dict(m.get("unsubscribed") or {})
            current[args.network] = _today()
            doc.set(args.id, "unsubscribed", current)
        else:
            doc.set(args.id, "status", "unsubscribed")
    print(f"unsubscribed {args.id}" + (f" from {args.network}" if args.network else " from everything"))
    return 0


def m_erase(args: argparse.Namespace, config: Config) -> int:
    """Remove the member and their personal data in the ledger; counts stay."""
    from .ledger import erase_member
    from .members import edit_members

    if not args.yes:
        raise BinpostError(f"erasing {args.id} cannot be undone; add --yes")
    with edit_members(config.members_path) as doc:
        doc.remove(args.id)
    pseudonym = "erased-" + hashlib.sha256(f"{args.id}{_today()}".encode()).hexdigest()[:10]
    ledger = _ledger(config)
    try:
        rows = erase_member(ledger, args.id, pseudonym)
    finally:
        ledger.close()
    print(f"erased {args.id}: removed from {config.members}; {rows} delivery record(s) kept without personal data")
    return 0


def m_import(args: argparse.Namespace, config: Config) -> int:
    from .memberio import plan_import, read_table
    from .members import edit_members

    d = _directory(config)
    mapping = dict(item.split("=", 1) for item in args.map)
    rows = plan_import(read_table(args.file), d, mapping, args.network or "")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
        detail = r.reason or ", ".join(f"{k}: {old!s} -> {new!s}" for k, (old, new) in r.changes.items())
        print(f"row {r.line:4}: {r.status:9} {r.member_id or '':10} {detail}")
    print("summary: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    if not args.apply:
        print("dry run: nothing written; add --apply to write the new and changed members")
        return 1 if counts.get("invalid") else 0
    if counts.get("new") and not args.consent_source:
        raise BinpostError(
            "new members need a recorded consent: add --consent-source 'papieren formulier' (how "
            "they agreed) and, if not today, --consent-date"
        )
    with edit_members(config.members_path) as doc:  # one round trip for the whole import
        for r in rows:
            if r.status == "new":
                fields = {
                    "id": doc.next_id(),
                    **r.values,
                    "channels": ["email"] if r.values.get("email") else ["sms"],
                    "consent": {"date": args.consent_date or _today(), "source": args.consent_source},
                    "status": "active",
                }
                doc.add(fields)
            elif r.status == "changed":
                for key, (_, new) in r.changes.items():
                    doc.set(r.member_id, key, new)
    print(f"written: {counts.get('new', 0)} new, {counts.get('changed', 0)} changed")
    return 0


def m_export(args: argparse.Namespace, config: Config) -> int:
    from .memberio import export_csv

    d = _directory(config)
    if args.network not in d.networks:
        raise BinpostError(f"unknown network '{args.network}'")
    text = export_csv(d, args.network)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def m_apply_unsubscribes(args: argparse.Namespace, config: Config) -> int:
    """Merge stored one-click unsubscribes into members.yaml, for an editor to commit."""
    from .ledger import mark_merged, unmerged_unsubscribes
    from .members import edit_members

    ledger = _ledger(config)
    try:
        pending = unmerged_unsubscribes(ledger)
        applied, unknown = [], 0
        with edit_members(config.members_path) as doc:
            ids = doc.ids()
            for member_id, list_id, when in pending:
                if member_id not in ids:
                    unknown += 1
                    applied.append((member_id, list_id))
                    continue
                if list_id == "*":
                    doc.set(member_id, "status", "unsubscribed")
                else:
                    m = doc.get(member_id)
                    current = dict(m.get("unsubscribed") or {})
                    current.setdefault(list_id, date.fromisoformat(when[:10]))
                    doc.set(member_id, "unsubscribed", current)
                applied.append((member_id, list_id))
        mark_merged(ledger, applied, _today().isoformat())
    finally:
        ledger.close()
    print(
        f"merged {len(applied) - unknown} unsubscribe(s) into {config.members}"
        + (f"; {unknown} for members no longer in the file" if unknown else "")
    )
    return 0


ACTIONS = {
    "list": (m_list, "list members (id, status, channels, networks, name)"),
    "show": (m_show, "everything held about one member (an access request)"),
    "add": (m_add, "add a member"),
    "edit": (m_edit, "change keys of a member: --set key=value"),
    "move": (m_move, "move a member from one network to another"),
    "unsubscribe": (m_unsubscribe, "unsubscribe a member from one network or from everything"),
    "erase": (m_erase, "remove a member and their personal data from the ledger (counts stay)"),
    "import": (m_import, "import a coordinator's CSV or XLSX (dry run unless --apply)"),
    "export": (m_export, "export one network's members as CSV for its coordinator"),
    "apply-unsubscribes": (m_apply_unsubscribes, "merge stored one-click unsubscribes into members.yaml"),
}


@command("members", "manage members.yaml: list, show, add, edit, move, unsubscribe, erase, import, export")
def cmd_members(args: argparse.Namespace, config: Config) -> int:
    return ACTIONS[args.action][0](args, config)


@command("unsubscribe-server", "serve the one-click unsubscribe URL (RFC 8058) over HTTP")
def cmd_unsubscribe_server(args: argparse.Namespace, config: Config) -> int:
    from urllib.parse import urlsplit

    from .sending import ledger_path
    from .tokens import load_secret
    from .unsubscribe import serve

    path = urlsplit(config.unsubscribe_url).path or "/"
    server = serve(ledger_path(config), load_secret(config.state_dir), args.host, args.port, path)
    print(f"listening on http://{args.host}:{server.server_address[1]}{path} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def _args(parsers: dict[str, argparse.ArgumentParser]) -> None:
    sub = parsers["members"].add_subparsers(dest="action", metavar="ACTION", required=True)
    p = {name: sub.add_parser(name, help=h, description=h) for name, (_, h) in ACTIONS.items()}
    p["list"].add_argument("--network", metavar="ID")
    for name in ("show", "edit", "move", "unsubscribe", "erase"):
        p[name].add_argument("id", help="member id, e.g. m-0042")
    a = p["add"]
    a.add_argument("--id", help="default: the next free m-NNNN")
    a.add_argument("--name", required=True)
    a.add_argument("--email")
    a.add_argument("--phone")
    a.add_argument("--address")
    a.add_argument("--network", action="append", required=True, metavar="ID")
    a.add_argument("--channel", action="append", choices=("email", "sms", "voice", "print"))
    a.add_argument("--lang", default="nl", choices=("nl", "fr", "de", "en"))
    a.add_argument("--consent-source", required=True, help="how consent was given, e.g. 'papieren formulier'")
    a.add_argument("--consent-date", type=date.fromisoformat, help="default: today")
    p["edit"].add_argument("--set", action="append", required=True, metavar="KEY=VALUE")
    p["move"].add_argument("--from", dest="source", required=True, metavar="NETWORK")
    p["move"].add_argument("--to", dest="target", required=True, metavar="NETWORK")
    p["unsubscribe"].add_argument("--network", metavar="ID", help="only this network's mailing (default: all)")
    p["erase"].add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    i = p["import"]
    i.add_argument("file", type=Path, help=".csv or .xlsx")
    i.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="map a column to a field (name, first_name, email, phone, networks, lang, address)",
    )
    i.add_argument("--network", metavar="ID", help="network for rows without a 'netwerk' column")
    i.add_argument("--apply", action="store_true", help="write the new and changed members (default: dry run)")
    i.add_argument("--consent-source", help="how the new members gave consent (required with --apply)")
    i.add_argument("--consent-date", type=date.fromisoformat)
    e = p["export"]
    e.add_argument("--network", required=True, metavar="ID")
    e.add_argument("--out", type=Path, metavar="FILE")
    s = parsers["unsubscribe-server"]
    s.add_argument("--host", default="127.0.0.1", help="bind address (put a reverse proxy with TLS in front)")
    s.add_argument("--port", type=int, default=8025)


EXTRA_ARGS.append(_args)
assert "members" in COMMANDS
