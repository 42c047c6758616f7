"""Newsletter editions: MJML to responsive HTML plus a real text part. The only MJML importer.

MJML compiles once per edition variant (network x language x edition), never
per recipient; personal values are placeholders filled in by message.py.
mjml-python does no validation of its own (an unknown tag raises KeyError),
so compile() turns every failure into a BinpostError, and the shipped
templates are tested.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from string import Template

import nh3
from mjml import mjml_to_html

from .config import Config
from .errors import BinpostError
from .i18n import strings
from .markup import KIND_LABELS, absolutize, date_nl, render_markdown
from .message import MessageTemplate, build_template, defuse, token
from .models import Directory, Edition

TEMPLATES = Path(__file__).parent / "templates"
_WS_BETWEEN_TAGS = re.compile(r">\s+<")


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def compile_mjml(source: str) -> str:
    try:
        result = mjml_to_html(source, keep_comments=False)
    except (KeyError, AssertionError, ValueError, ImportError) as exc:
        raise BinpostError(f"newsletter template does not compile: {exc!r}") from exc
    if result.errors:
        raise BinpostError(f"newsletter template errors: {result.errors}")
    # MJML output is indented generously; Gmail clips messages above 102 KB.
    return _WS_BETWEEN_TAGS.sub("><", str(result.html)).strip()


_HEADING_TAG = re.compile(r"<(/?)h([1-5])\b")


def demote_headings(fragment: str) -> str:
    """Body headings sit under the bulletin's own title (h2) in a mail: shift them one level down."""
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", fragment)


def sanitise(fragment: str) -> str:
    """No scripts, event handlers, iframes, forms or styles from a bulletin body reach a mail."""
    return str(nh3.clean(fragment, link_rel="noopener noreferrer"))


def _source_url(config: Config, slug: str) -> str:
    return config.site_url.rstrip("/") + f"/berichten/{slug}.md"


def _page_url(config: Config, slug: str) -> str:
    return config.site_url.rstrip("/") + f"/berichten/{slug}/"


@dataclass(frozen=True)
class RenderedEdition:
    edition: Edition
    lang: str
    subject: str
    html: str  # with placeholders
    text: str  # with placeholders
    message: MessageTemplate


def intro_text(edition: Edition, directory: Directory, lang: str) -> str:
    s = strings(lang)
    if edition.kind == "briefing":
        b = edition.bulletins[0]
        zone = directory.zones.get(edition.network.zone)
        who = b.approved_by or (zone.police_liaison if zone and zone.police_liaison else "de politie")
        nxt = s["next_approved"] if b.approved_by else s["next_waiting"]
        return f"{s['intro_briefing']} {nxt.format(who=who, date=date_nl(b.date))}"
    if edition.kind == "urgent":
        return s["intro_urgent"]
    return s["intro_single" if len(edition.bulletins) == 1 else "intro_digest"]


def subject_of(edition: Edition, lang: str) -> str:
    if edition.kind == "briefing":
        return f"Briefing: {edition.bulletins[0].title}"
    if len(edition.bulletins) == 1:
        b = edition.bulletins[0]
        return ("DRINGEND: " if b.priority == "urgent" and not b.title.upper().startswith("DRINGEND") else "") + b.title
    return strings(lang)["digest_subject"].format(network=edition.network.name, count=len(edition.bulletins))


def render_edition(edition: Edition, directory: Directory, config: Config, lang: str, now: datetime) -> RenderedEdition:
    s = strings(lang)
    net = edition.network
    zone = directory.zones.get(net.zone)
    esc = html.escape
    blocks = []
    edition = _defused(edition)
    for b in edition.bulletins:
        public = b.is_public(now)
        footer = (
            f'<p><a href="{esc(_page_url(config, b.slug))}">{esc(s["read_online"])}</a></p>'
            if public
            else f'<p class="meta"><em>{esc(s["members_only"])}</em></p>'
            if b.audience == "members"
            else ""
        )
        body = demote_headings(sanitise(absolutize(render_markdown(b.body), _source_url(config, b.slug))))
        blocks.append(
            _template("bulletin.mjml").substitute(
                title=esc(b.title), kind=esc(KIND_LABELS[b.kind]), date=esc(date_nl(b.date)), body=body, footer=footer
            )
        )
    intro = intro_text(edition, directory, lang)
    subject = subject_of(edition, lang)
    mjml = _template("newsletter.mjml").substitute(
        lang=esc(lang),
        title=esc(subject),
        preview=esc(edition.bulletins[0].summary if edition.bulletins else ""),
        zone=esc(zone.name if zone else ""),
        network=esc(net.name),
        greeting=token("GREETING"),
        intro=esc(intro),
        bulletins="\n".join(blocks),
        urgent=esc(s["urgent"]),
        no_reply=esc(s["no_reply"]),
        why=esc(s["why"].format(network=net.name)),
        contact=esc(s["contact"].format(contact=net.contact)),
        privacy=esc(s["privacy"].format(contact=net.contact)),
        unsubscribe=esc(s["unsubscribe"]),
        unsubscribe_url=token("UNSUBSCRIBE"),
    )
    html_out = compile_mjml(mjml)
    text = render_text(edition, config, lang, now, zone.name if zone else "", intro)
    message = build_template(
        edition_id=f"{edition.id}.{lang}",
        subject=subject,
        from_name=config.sender_name,
        from_address=config.sender_address,
        reply_to=net.contact,
        list_id=_list_id(config, net.id),
        list_name=net.name,
        lang=lang,
        text=text,
        html_body=html_out,
    )
    return RenderedEdition(edition, lang, subject, html_out, text, message)


def _defused(edition: Edition) -> Edition:
    bulletins = tuple(
        replace(b, title=defuse(b.title), summary=defuse(b.summary), body=defuse(b.body)) for b in edition.bulletins
    )
    return replace(edition, bulletins=bulletins)


def _list_id(config: Config, network_id: str) -> str:
    domain = config.sender_address.rpartition("@")[2] or "localhost"
    return f"{network_id}.{domain}"


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$", re.M)
_MD_EMPH = re.compile(r"(\*\*|__)(.+?)\1")
_HTML_TAG = re.compile(r"<[^>\n]+>")


def markdown_to_text(md: str, base_url: str) -> str:
    """Markdown is already readable text: keep it, make links explicit and headings plain."""
    from urllib.parse import urljoin

    def link(m: re.Match[str]) -> str:
        url = m.group(2)
        absolute = url if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I) else urljoin(base_url, url)
        return f"{m.group(1)} ({absolute.removeprefix('mailto:')})"

    text = _MD_IMAGE.sub(lambda m: f"[Afbeelding: {m.group(1)}]", md)
    text = _MD_LINK.sub(link, text)
    text = _MD_HEADING.sub(lambda m: m.group(2).upper() if len(m.group(1)) <= 2 else m.group(2), text)
    text = _MD_EMPH.sub(r"\2", text)
    text = _HTML_TAG.sub("", text)
    return html.unescape(re.sub(r"\n{3,}", "\n\n", text)).strip()


def render_text(edition: Edition, config: Config, lang: str, now: datetime, zone_name: str, intro: str) -> str:
    s = strings(lang)
    net = edition.network
    rule = "-" * 60

    out = [f"{zone_name} - {net.name}".strip(" -"), "", token("GREETING"), "", intro, ""]
    for b in edition.bulletins:
        out += [
            rule,
            b.title.upper(),
            f"{KIND_LABELS[b.kind]} - {date_nl(b.date)}",
            "",
            markdown_to_text(b.body, _source_url(config, b.slug)),
            "",
        ]
        if b.is_public(now):
            out += [f"{s['read_online']}: {_page_url(config, b.slug)}", ""]
        elif b.audience == "members":
            out += [s["members_only"], ""]
    out += [
        rule,
        s["urgent"],
        s["no_reply"],
        "",
        s["why"].format(network=net.name),
        s["contact"].format(contact=net.contact),
        s["privacy"].format(contact=net.contact),
        "",
        f"{s['unsubscribe_text'].format(network=net.name)}: {token('UNSUBSCRIBE')}",
        "",
    ]
    return "\n".join(out)
