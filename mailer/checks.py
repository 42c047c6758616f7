"""Cross-file checks over the loaded model. Pure: model in, problems out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .content import BULLETIN_DIR, UNSET_DATE
from .errors import Problem
from .models import Bulletin, Directory
from .schema import did_you_mean

_IMG_MD = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
_IMG_HTML = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.I)
# The look-behind starts a match only at the start of a word: no rescanning a word from each of its letters.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A level-1 ATX heading, or a code fence (whose lines are not headings).
_H1_OR_FENCE = re.compile(r"^ {0,3}(?:(#)(?:[ \t]|$)|(```|~~~))", re.M)
_PHONE = re.compile(r"(?<![\w+])(?:\+32|0032|0)[\s./-]?\d(?:[\s./-]?\d){6,9}(?!\w)")


def check_directory(d: Directory, path: str) -> list[Problem]:
    out: list[Problem] = []
    # Reports point into members.yaml; the loader kept no positions, so give YAML paths.
    net_index = {nid: i for i, nid in enumerate(d.networks)}
    mem_index = {mid: i for i, mid in enumerate(d.members)}
    for nid, n in d.networks.items():
        w = ("networks", net_index[nid])
        if n.zone not in d.zones:
            out.append(
                Problem(
                    path,
                    f"network '{nid}' names unknown zone '{n.zone}'{did_you_mean(n.zone, d.zones)}",
                    key="zone",
                    hint="use an id from 'zones:'",
                    where=(*w, "zone"),
                )
            )
        for role in ("coordinators", "steering"):
            for i, mid in enumerate(getattr(n, role)):
                if mid not in d.members:
                    out.append(
                        Problem(
                            path,
                            f"network '{nid}' lists unknown member '{mid}' in {role}{did_you_mean(mid, d.members)}",
                            key=role,
                            hint="use a member id from 'members:'",
                            where=(*w, role, i),
                        )
                    )
    for gi, (gid, g) in enumerate(d.groups.items()):
        for key, known in (("zones", d.zones), ("networks", d.networks)):
            for i, ref in enumerate(getattr(g, key)):
                if ref not in known:
                    out.append(
                        Problem(
                            path,
                            f"group '{gid}' names unknown {key[:-1]} '{ref}'{did_you_mean(ref, known)}",
                            key=key,
                            hint=f"use an id from '{key}:'",
                            where=("groups", gi, key, i),
                        )
                    )
    for mid, m in d.members.items():
        w = ("members", mem_index[mid])
        if not m.networks:
            out.append(
                Problem(
                    path,
                    f"member '{mid}' is in no network",
                    key="networks",
                    hint="add networks: [network-id], or set status: left",
                    where=(*w, "networks"),
                )
            )
        for i, nid in enumerate(m.networks):
            if nid not in d.networks:
                out.append(
                    Problem(
                        path,
                        f"member '{mid}' names unknown network '{nid}'{did_you_mean(nid, d.networks)}",
                        key="networks",
                        hint="use an id from 'networks:'",
                        where=(*w, "networks", i),
                    )
                )
        if "email" in m.channels and not m.email and m.status == "active":
            out.append(
                Problem(
                    path,
                    f"member '{mid}' wants e-mail but has no valid address",
                    severity="warning",
                    key="channels",
                    hint="add email:, or choose print, sms or voice",
                    where=(*w, "channels"),
                )
            )
    return out


def check_bulletins(bulletins: list[Bulletin], d: Directory, root: Path, display: dict[Path, str]) -> list[Problem]:
    out: list[Problem] = []
    seen: dict[str, str] = {}
    for b in bulletins:
        path = display[b.path]
        if b.slug in seen:
            out.append(
                Problem(
                    path,
                    f"duplicate slug '{b.slug}' (also used by {seen[b.slug]})",
                    key="slug",
                    hint="rename the file or set a different 'slug:'",
                    line=1,
                    col=1,
                )
            )
        seen.setdefault(b.slug, path)
        for key, known in (("networks", d.networks), ("zones", d.zones), ("groups", d.groups)):
            for i, ref in enumerate(getattr(b, key) if d.complete else ()):
                if ref not in known:
                    out.append(
                        Problem(
                            path,
                            f"unknown {key[:-1]} '{ref}'{did_you_mean(ref, known)}",
                            key=key,
                            hint=f"use an id from '{key}:' in members.yaml",
                            where=(key, i),
                        )
                    )
        if not (b.networks or b.zones or b.groups or b.all):
            out.append(
                Problem(
                    path,
                    "the bulletin targets nobody",
                    key="networks",
                    hint="add networks: [...], zones: [...], groups: [...] or all: true",
                    line=1,
                    col=1,
                )
            )
        if b.status == "approved" and b.crime_related and not b.approved_by:
            out.append(
                Problem(
                    path,
                    f"an approved '{b.kind}' bulletin is about crime and needs police approval",
                    key="approved_by",
                    hint="add approved_by: with the police liaison who approved it",
                    where=("status",),
                )
            )
        if b.expires is not None and b.date != UNSET_DATE and b.expires <= b.date:
            out.append(
                Problem(
                    path,
                    "'expires' is before 'date'",
                    key="expires",
                    hint="set expires after the publication date, or remove it",
                    where=("expires",),
                )
            )
        out.extend(_check_body(b, path))
    return out


def _pos(body: str, index: int, first_line: int) -> tuple[int, int]:
    line = body.count("\n", 0, index)
    col = index - (body.rfind("\n", 0, index) + 1)
    return first_line + line, col + 1


def _check_body(b: Bulletin, path: str) -> Iterable[Problem]:
    for m in _IMG_MD.finditer(b.body):
        if not m.group(1).strip():
            line, col = _pos(b.body, m.start(), b.body_line)
            yield Problem(
                path,
                f"image '{m.group(2)}' has no alt text",
                key="body",
                line=line,
                col=col,
                hint="describe the image: ![Folder over phishing](folder.png)",
            )
    for m in _IMG_HTML.finditer(b.body):
        alt = _ALT.search(m.group(0))
        if alt is None or not alt.group(1).strip("\"' "):
            line, col = _pos(b.body, m.start(), b.body_line)
            yield Problem(
                path, "<img> has no alt text", key="body", line=line, col=col, hint='add alt="what the image shows"'
            )
    for offset in _level_one_headings(b.body):
        # The title is the page's only <h1> (site and mail); a second one would take its place.
        line, col = _pos(b.body, offset, b.body_line)
        yield Problem(
            path,
            "level-1 heading in the body: the title is the bulletin's heading",
            key="body",
            line=line,
            col=col,
            hint="start sections at level 2: ## Section",
        )


def _level_one_headings(body: str) -> Iterable[int]:
    """Offsets of `# Heading` lines outside code fences."""
    fence = None
    for m in _H1_OR_FENCE.finditer(body):
        if m.group(2):
            fence = None if fence == m.group(2) else fence or m.group(2)
        elif fence is None:
            yield m.start(1)


def check_personal_data(texts: Iterable[tuple[str, str, int]], d: Directory) -> list[Problem]:
    """Warn when a member's address or phone number appears in a published text.

    texts: (display path, text, first line number). One regex pass per file and
    set look-ups, so the cost does not grow with the number of members.
    """
    emails = {m.email for m in d.members.values() if m.email}
    phones = {_digits(m.phone) for m in d.members.values() if m.phone}
    out = []
    for path, text, first in texts:
        for m in _EMAIL.finditer(text) if "@" in text else ():
            if m.group(0).lower() in emails:
                line, col = _pos(text, m.start(), first)
                out.append(
                    Problem(
                        path,
                        "a member's e-mail address appears in this file",
                        severity="warning",
                        key="body",
                        line=line,
                        col=col,
                        hint="remove it: member data never goes into a bulletin",
                    )
                )
        for m in _PHONE.finditer(text):
            if _digits(m.group(0)) in phones:
                line, col = _pos(text, m.start(), first)
                out.append(
                    Problem(
                        path,
                        "a member's phone number appears in this file",
                        severity="warning",
                        key="body",
                        line=line,
                        col=col,
                        hint="remove it: member data never goes into a bulletin",
                    )
                )
    return out


def _digits(phone: str) -> str:
    """Compare numbers by their national significant digits."""
    digits = re.sub(r"\D", "", phone)
    for prefix in ("0032", "32", "0"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 8:
            return digits[len(prefix) :]
    return digits


def check_layout(content_dir: Path, members_path: Path, display: str) -> list[Problem]:
    out = []
    try:
        inside = members_path.resolve().is_relative_to(content_dir.resolve())
    except OSError:
        inside = False
    strays = [p for p in content_dir.rglob("*.y*ml") if p.name.startswith("members")] if content_dir.is_dir() else []
    if inside or strays:
        where = display if inside else strays[0].as_posix()
        out.append(
            Problem(
                where,
                "a members file lies inside content/, so it would be published with the site",
                key="members",
                line=1,
                col=1,
                hint="move it to the project's top level",
            )
        )
    if not (content_dir / BULLETIN_DIR).is_dir():
        out.append(
            Problem(
                content_dir.name,
                f"no {BULLETIN_DIR}/ folder with bulletins",
                severity="warning",
                line=1,
                col=1,
                hint=f"create {content_dir.name}/{BULLETIN_DIR}/ or run 'binpost new'",
            )
        )
    return out
