"""The `binpost` command. The only place where errors become exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from . import __version__
from .config import Config, load_config
from .errors import BinpostError, ProblemsFound
from .project import Project, load_project
from .schema import BRUSSELS, KINDS

Handler = Callable[[argparse.Namespace, Config], int]
COMMANDS: dict[str, tuple[str, Handler]] = {}


def command(name: str, help_: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        COMMANDS[name] = (help_, fn)
        return fn

    return deco


def now_brussels() -> datetime:
    return datetime.now(BRUSSELS)


def report(project: Project, fmt: str, strict: bool) -> int:
    """Print every problem; return the exit code (1 on errors, or warnings in strict mode)."""
    for p in project.problems:
        print(p.format_github() if fmt == "github" else p.format())
    errors = sum(p.severity == "error" for p in project.problems)
    warnings = len(project.problems) - errors
    failed = errors or (strict and warnings)
    print(
        f"{'FAILED' if failed else 'ok'}: {len(project.bulletins)} bulletins, "
        f"{len(project.directory.networks)} networks, {len(project.directory.members)} members; "
        f"{errors} error(s), {warnings} warning(s)" + (" (strict: warnings count as errors)" if strict else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0


@command("check", "validate bulletins and members.yaml (the pull-request gate)")
def cmd_check(args: argparse.Namespace, config: Config) -> int:
    return report(load_project(config), args.format, args.strict)


@command("new", "start a bulletin from a Dutch template")
def cmd_new(args: argparse.Namespace, config: Config) -> int:
    from .scaffold import new_bulletin_path, render_new

    now = now_brussels()
    path = new_bulletin_path(config.content_dir, args.title, now)
    if path.exists():
        raise BinpostError(f"{path} already exists; choose another title")
    text = render_new(
        args.kind, args.title, now, args.network, args.zone, args.group, args.all, args.audience, args.priority
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as fh:
        fh.write(text)
    print(path)
    return 0


@command("build", "build the public website and feeds into site/")
def cmd_build(args: argparse.Namespace, config: Config) -> int:
    from .pipeline import build_site

    out = build_site(config, strict=not args.no_strict)
    print(f"site: {out / 'index.html'}")
    return 0


@command("run", "the main job: check, build the site and feeds, deliver what is due, say where to look")
def cmd_run(args: argparse.Namespace, config: Config) -> int:
    import io

    from .pipeline import build_site, check
    from .sending import SendRequest, send

    project = check(config)
    for p in project.problems:
        print(p.format(), file=sys.stderr)
    print(
        f"checked: {len(project.bulletins)} bulletins, {len(project.directory.networks)} networks, "
        f"{len(project.directory.members)} members"
    )
    out = build_site(config)
    print(f"site:    {out / 'index.html'}  (feeds in {out / 'feeds'})")
    log = io.StringIO()
    results = send(project, SendRequest(yes=True), confirm=lambda _: True, out=log)
    sent = sum(r.sent for r in results.values())
    where = (
        f"{config.root / config.outbox / 'index.html'} (Maildir in {config.root / config.outbox / 'Maildir'})"
        if not config.smtp_host
        else f"SMTP {config.smtp_host}"
    )
    print(f"mail:    {sent} message(s) in {len(results)} edition(s) due now -> {where}")
    reports = sorted((config.state_dir / "reports").glob("*-send.html"))
    if results and reports:
        print(f"report:  {reports[-1]}")
    print("next:    binpost plan (what goes out when), binpost report (history), binpost preview (newsletters)")
    return 0


@command("preview", "render the newsletters that would go out into a folder (.html, .txt, .eml)")
def cmd_preview(args: argparse.Namespace, config: Config) -> int:
    from .pipeline import preview

    out = args.out or (config.root / "preview")
    files = preview(config, out, args.network, args.bulletin)
    print(f"{(len(files) - 1) // 3} edition variant(s) (network x language) in {files[0]}")
    if args.open:
        import webbrowser

        webbrowser.open(files[0].resolve().as_uri())
    return 0


@command("send", "deliver editions to the members of the targeted networks (SMTP, or the outbox folder)")
def cmd_send(args: argparse.Namespace, config: Config) -> int:
    from .delivery import SendOptions
    from .pipeline import check
    from .sending import SendRequest, send

    project = check(config)
    options = SendOptions(
        max_errors=args.max_errors,
        retries=args.retries,
        backoff=args.backoff,
        rate=args.rate if args.rate is not None else config.rate,
        connections=args.connections or config.connections,
    )
    request = SendRequest(
        yes=args.yes or args.due,
        dry_run=args.dry_run,
        test_to=args.to or "",
        force=args.force,
        resend_uncertain=args.resend_uncertain,
        network=args.network or "",
        options=options,
    )
    if args.network and args.network not in project.directory.networks:
        raise BinpostError(f"unknown network '{args.network}'")
    send(project, request, confirm=_confirm, out=sys.stdout)
    return 0


def _confirm(prompt: str) -> bool:
    if not sys.stdin.isatty():
        raise BinpostError("confirmation needed but there is no terminal: run with --yes (or --dry-run first)")
    return input(prompt).strip().lower() in ("y", "yes", "j", "ja")


@command("plan", "show what will go out when over the next days, per network")
def cmd_plan(args: argparse.Namespace, config: Config) -> int:
    from . import clock
    from .ledger import Ledger
    from .pipeline import check
    from .planning import upcoming
    from .sending import ledger_path

    project = check(config)
    ledger = Ledger(ledger_path(config))
    try:
        items = upcoming(project.bulletins, project.directory, ledger, clock.now(), args.days)
    finally:
        ledger.close()
    print(f"{'when (Brussels)':18} {'network':22} {'kind':9} bulletins")
    for u in items:
        print(f"{u.when:%Y-%m-%d %H:%M}   {u.network:22} {u.kind:9} {', '.join(u.slugs)}")
    if not items:
        print(f"nothing planned in the next {args.days} days")
    return 0


@command("report", "the history: what went to which networks when, approved by whom, with delivery counts")
def cmd_report(args: argparse.Namespace, config: Config) -> int:
    import json

    from .ledger import Ledger
    from .sending import ledger_path

    ledger = Ledger(ledger_path(config))
    try:
        history = ledger.history()
    finally:
        ledger.close()
    print(
        f"{'sent (Brussels)':17} {'network':22} {'kind':9} {'sent':>5} {'failed':>6} {'uncert.':>7} "
        f"{'queued':>6}  approved by / bulletins"
    )
    for e in history:
        c = e["counts"]
        assert isinstance(c, dict)
        when = str(e["frozen_at"])[:16].replace("T", " ")
        slugs = ", ".join(json.loads(str(e["bulletins"])))
        print(
            f"{when:17} {e['network']!s:22} {e['kind']!s:9} {c.get('sent', 0):>5} {c.get('failed', 0):>6} "
            f"{c.get('uncertain', 0):>7} {c.get('queued', 0):>6}  {e['approved_by'] or '-'} / {slugs}"
        )
    if not history:
        print("nothing sent yet")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="binpost", description="Bulletins for neighbourhood information networks: check, publish and mail them."
    )
    parser.add_argument("--version", action="version", version=f"binpost {__version__}")
    parser.add_argument(
        "-C",
        "--root",
        type=Path,
        default=Path.cwd(),
        help="project folder (with pyproject.toml); default: the current folder",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers = {name: sub.add_parser(name, help=help_, description=help_) for name, (help_, _) in COMMANDS.items()}
    p = parsers["check"]
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="'github' prints GitHub Actions annotations for pull requests",
    )
    p = parsers["new"]
    p.add_argument("kind", choices=KINDS, help="kind of bulletin")
    p.add_argument("title", help="the title, in Dutch")
    p.add_argument("--network", action="append", default=[], metavar="ID", help="target a network (repeatable)")
    p.add_argument("--zone", action="append", default=[], metavar="ID", help="target every network of a zone")
    p.add_argument("--group", action="append", default=[], metavar="ID", help="target a supra-local group")
    p.add_argument("--all", action="store_true", help="target every network")
    p.add_argument("--audience", choices=("public", "members"), default="public")
    p.add_argument("--priority", choices=("routine", "urgent"), default="routine")
    parsers["build"].add_argument("--no-strict", action="store_true", help="do not fail on warnings")
    p = parsers["preview"]
    p.add_argument("--network", metavar="ID", help="only this network's edition")
    p.add_argument("--bulletin", metavar="SLUG", help="only this bulletin (even if not yet approved)")
    p.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: preview/)")
    p.add_argument("--open", action="store_true", help="open the index in a web browser")
    p = parsers["send"]
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--due",
        action="store_true",
        help="for cron and timers: send whatever is due now (briefings "
        "and editions on each network's schedule) without asking; quiet and quick when nothing is due",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would be sent; send nothing")
    p.add_argument(
        "--to",
        metavar="ADDRESS",
        help="send one test copy of each edition to ADDRESS, marked [TEST]; nothing is recorded as delivered",
    )
    p.add_argument("--network", metavar="ID", help="only this network's editions")
    p.add_argument("--force", action="store_true", help="also send editions that are long overdue")
    p.add_argument(
        "--resend-uncertain",
        action="store_true",
        help="send again the messages whose outcome is unknown after a crash (may duplicate)",
    )
    p.add_argument("--max-errors", type=int, default=20, metavar="N", help="stop after N failures in a row")
    p.add_argument("--retries", type=int, default=5, metavar="N", help="attempts per message on 4xx replies")
    p.add_argument("--backoff", type=float, default=1.0, metavar="SECONDS", help="first retry delay (doubles)")
    p.add_argument("--rate", type=float, metavar="N", help="at most N messages per second")
    p.add_argument("--connections", type=int, metavar="N", help="parallel SMTP connections")
    parsers["plan"].add_argument("--days", type=int, default=14, help="how far ahead (default 14)")
    for extra in EXTRA_ARGS:
        extra(parsers)
    return parser


EXTRA_ARGS: list[Callable[[dict[str, argparse.ArgumentParser]], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.root.resolve())
        return COMMANDS[args.command][1](args, config)
    except ProblemsFound as exc:
        for p in exc.problems:
            print(p.format(), file=sys.stderr)
        print(f"binpost: {exc}; run 'binpost check' for details", file=sys.stderr)
        return 1
    except BinpostError as exc:
        print(f"binpost: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("binpost: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"binpost: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1


def run() -> None:
    sys.exit(main())


from . import cli_members  # noqa: E402,F401  (registers `members` and `unsubscribe-server`)
