"""The public site as Markdown pages, from the shared model. No mkdocs import here.

Every page is generated text, so the site engine (MkDocs Material today,
maybe Zensical tomorrow) only has to turn Markdown into HTML. What may be
public is decided in one place: `public_bulletins`.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from .markup import KIND_LABELS, URGENT_LINE, date_nl, month_nl
from .models import Bulletin, Directory, Network
from .scaffold import slugify

FEED_ENTRIES = 50


@dataclass(frozen=True)
class FeedSpec:
    name: str  # file stem under feeds/
    title: str
    page: str  # the site page the feed belongs to (src uri)
    bulletins: tuple[Bulletin, ...]


@dataclass(frozen=True)
class SitePlan:
    pages: dict[str, str]  # src uri -> Markdown
    meta: dict[str, Meta]  # src uri -> page meta (title, description, feeds, search)
    slots: dict[str, dict[str, str]]  # src uri -> {marker in its HTML: the HTML that replaces it}
    heads: dict[str, str]  # src uri -> HTML above a bulletin's text (kind, date, expired)
    footers: dict[str, str]  # src uri -> HTML below a bulletin (urgent line, networks, topics)
    feeds: tuple[FeedSpec, ...]
    infoflash: Bulletin | None


def public_bulletins(bulletins: list[Bulletin], now: datetime) -> list[Bulletin]:
    """Approved, public and dated no later than now; newest first. Nothing else is published."""
    return sorted((b for b in bulletins if b.is_public(now)), key=lambda b: (b.date, b.slug), reverse=True)


def bulletin_uri(b: Bulletin) -> str:
    return f"berichten/{b.slug}.md"


def tag_uri(tag: str) -> str:
    return f"onderwerpen/{slugify(tag)}.md"


Meta = dict[str, object]
# A generated page starts with a blank line and carries no front matter: its meta goes to the
# engine beside the text (SitePlan.meta). MkDocs would parse front matter with PyYAML's
# pure-Python loader on every page; the blank line also ends its scan for MultiMarkdown meta.
START = ""


def _md_text(s: str) -> str:
    """Plain text safe inside Markdown link text and headings."""
    return s.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("<", "&lt;")


def _feeds(name: str) -> dict[str, str]:
    return {"rss": f"feeds/{name}.rss.xml", "atom": f"feeds/{name}.atom.xml"}


def _up(page: str) -> str:
    """The relative prefix from a page's directory URL back to the site root."""
    path = page.removesuffix(".md")
    depth = 0 if path == "index" else path.removesuffix("/index").count("/") + 1
    return "../" * depth


@cache
def _entry(slug: str, title: str, date: datetime, kind: str, expired: bool) -> str:
    # Keyed by these fields, not the Bulletin: hashing and comparing whole bulletins (bodies
    # included) for every list entry cost more than building the entry.
    mark = " <em>(verlopen)</em>" if expired else ""
    return (
        f'<a href="berichten/{html.escape(slug)}/">{html.escape(title)}</a>{mark}<br>'
        f"<small>{date_nl(date)} · {KIND_LABELS[kind]}</small>"
    )


def _list(items: list[Bulletin], now: datetime, page: str, slots: dict[str, dict[str, str]]) -> str:
    """A list of bulletins, as a marker in the Markdown; its HTML goes in after the Markdown step.

    A network's, a topic's or the archive's list can hold thousands of entries; parsed as
    Markdown (even as raw HTML) they would cost more than all the bulletin pages together.
    """
    if not items:
        return ""
    up = _up(page)
    prefix = ' href="' + up
    rows = "".join(
        "<li>" + _entry(b.slug, b.title, b.date, b.kind, b.is_expired(now)).replace(' href="', prefix, 1) + "</li>"
        for b in items
    )
    return _slot(slots, page, f'<ul class="bin-list">{rows}</ul>')


def _slot(slots: dict[str, dict[str, str]], page: str, fragment: str) -> str:
    """A marker for the Markdown; the plugin swaps in `fragment` after the Markdown step."""
    mine = slots.setdefault(page, {})
    marker = f"<!--binpost:{len(mine)}-->"
    mine[marker] = fragment
    return marker + "\n"


def plan_site(directory: Directory, bulletins: list[Bulletin], now: datetime, home_intro: str) -> SitePlan:
    public = public_bulletins(bulletins, now)
    targets = {b.slug: directory.expand_targets(b.networks, b.zones, b.groups, b.all) for b in public}
    by_network: dict[str, list[Bulletin]] = defaultdict(list)
    by_tag: dict[str, list[Bulletin]] = defaultdict(list)
    by_month: dict[tuple[int, int], list[Bulletin]] = defaultdict(list)
    for b in public:
        for nid in targets[b.slug]:
            by_network[nid].append(b)
        for tag in b.tags:
            by_tag[tag].append(b)
        by_month[(b.date.year, b.date.month)].append(b)
    current = [b for b in public if not b.is_expired(now)]
    flashes = [b for b in current if b.kind == "infoflash"]
    pages: dict[str, str] = {}
    meta: dict[str, Meta] = {}
    slots: dict[str, dict[str, str]] = {}
    heads: dict[str, str] = {}
    footers: dict[str, str] = {}
    meta["index.md"], pages["index.md"] = _home(home_intro, current, now, flashes[0] if flashes else None, slots)
    for b in public:
        uri = bulletin_uri(b)
        meta[uri], pages[uri] = _bulletin_page(b, directory, targets[b.slug], now, heads, footers)
    meta["netwerken/index.md"], pages["netwerken/index.md"] = _networks_index(directory)
    for n in directory.networks.values():
        uri = f"netwerken/{n.id}.md"
        meta[uri], pages[uri] = _network_page(n, directory, by_network.get(n.id, []), now, slots)
    meta["onderwerpen/index.md"], pages["onderwerpen/index.md"] = _topics_index(by_tag)
    for tag, items in by_tag.items():
        meta[tag_uri(tag)], pages[tag_uri(tag)] = _topic_page(tag, items, now, slots)
    meta["archief/index.md"], pages["archief/index.md"] = _archive_index(by_month)
    for year in sorted({y for y, _ in by_month}):
        uri = f"archief/{year}.md"
        meta[uri], pages[uri] = _archive_year(year, by_month, now, slots)
    feeds = [FeedSpec("alle-berichten", "Alle berichten", "index.md", tuple(public[:FEED_ENTRIES]))]
    feeds += [
        FeedSpec(f"netwerk-{n.id}", n.name, f"netwerken/{n.id}.md", tuple(by_network.get(n.id, [])[:FEED_ENTRIES]))
        for n in directory.networks.values()
    ]
    feeds += [
        FeedSpec(f"onderwerp-{slugify(t)}", f"Onderwerp: {t}", tag_uri(t), tuple(items[:FEED_ENTRIES]))
        for t, items in by_tag.items()
    ]
    return SitePlan(pages, meta, slots, heads, footers, tuple(feeds), flashes[0] if flashes else None)


def _home(
    intro: str, current: list[Bulletin], now: datetime, flash: Bulletin | None, slots: dict[str, dict[str, str]]
) -> tuple[Meta, str]:
    out = [START, intro.strip(), ""]
    if flash:
        out += [
            '!!! danger "Infoflash"',
            f"    **[{_md_text(flash.title)}]({bulletin_uri(flash)})**: {_md_text(flash.summary)}",
            "",
        ]
    out += ["## Actuele berichten", ""]
    out += [_list(current[:20], now, "index.md", slots) or "Er zijn geen actuele berichten."]
    out += [
        "",
        "[Alle berichten in het archief](archief/index.md) · "
        "[Abonneer met RSS](feeds/alle-berichten.rss.xml){ type=application/rss+xml }",
        "",
    ]
    return {"feeds": _feeds("alle-berichten")}, "\n".join(out)


def _bulletin_page(
    b: Bulletin,
    d: Directory,
    networks: tuple[str, ...],
    now: datetime,
    heads: dict[str, str],
    footers: dict[str, str],
) -> tuple[Meta, str]:
    """Only the author's Markdown is parsed; the frame around it goes in as HTML afterwards."""
    esc = html.escape
    uri = bulletin_uri(b)
    links = ", ".join(f'<a href="../../netwerken/{n}/">{esc(d.networks[n].name)}</a>' for n in networks)
    tags = ", ".join(f'<a href="../../onderwerpen/{slugify(t)}/">{esc(t)}</a>' for t in b.tags)
    expired = (
        '<p class="bin-expired"><strong>Verlopen:</strong> dit bericht staat alleen nog in het archief.</p>'
        if b.is_expired(now)
        else ""
    )
    head = (
        f'<p class="bin-meta"><strong>{KIND_LABELS[b.kind]}</strong> · '
        f'<time datetime="{b.date.isoformat()}">{date_nl(b.date)}</time></p>{expired}'
    )
    foot = (
        f'<div class="bin-urgent"><p><strong>{URGENT_LINE}</strong></p>'
        + (f"<p>Voor: {links}</p>" if links else "")
        + (f"<p>Onderwerpen: {tags}</p>" if tags else "")
        + "</div>"
    )
    # The head goes in front of the HTML after the Markdown step (not as a marker in the Markdown:
    # any raw HTML, even a comment, sends Python-Markdown down its slower HTML-block path, +17% per
    # page). The frame below the text is not page content, so the search index does not parse it.
    heads[uri] = head
    footers[uri] = foot
    # No Markdown heading for the title: the theme writes the <h1> from the meta title.
    return {"title": b.title, "description": b.summary}, "\n".join([START, b.body.strip(), ""])


def _networks_index(d: Directory) -> tuple[Meta, str]:
    out = [
        START,
        "# Netwerken",
        "",
        "Een buurtinformatienetwerk (BIN) verbindt burgers en politie in een buurt. "
        "Een BIN-Z doet hetzelfde voor handelaars en zelfstandigen.",
        "",
    ]
    for z in d.zones.values():
        nets = [n for n in d.networks.values() if n.zone == z.id]
        if nets:
            out += [f"## {_md_text(z.name)}", ""]
            out += [f"- [{_md_text(n.name)}]({n.id}.md)" + (" (BIN-Z)" if n.kind == "business" else "") for n in nets]
            out.append("")
    return {"title": "Netwerken"}, "\n".join(out)


def _network_page(
    n: Network, d: Directory, items: list[Bulletin], now: datetime, slots: dict[str, dict[str, str]]
) -> tuple[Meta, str]:
    zone = d.zones.get(n.zone)
    feeds = _feeds(f"netwerk-{n.id}")
    out = [
        START,
        f"# {_md_text(n.name)}",
        "",
    ]
    if n.description:
        out += [n.description.strip(), ""]
    if n.area:
        out += [f"**Gebied:** {_md_text(n.area)}", ""]
    if zone:
        out += [f"**Politiezone:** {_md_text(zone.name)}", ""]
    out += [
        "## Lid worden",
        "",
        (n.join.strip() or "Neem contact op met de coördinator."),
        "",
        f"**Contact:** [{n.contact}](mailto:{n.contact})",
        "",
        "## Berichten",
        "",
    ]
    out += [_list(items, now, f"netwerken/{n.id}.md", slots) or "Nog geen openbare berichten."]
    out += ["", f"Volg dit netwerk: [RSS](../{feeds['rss']}) · [Atom](../{feeds['atom']})", ""]
    meta: Meta = {
        "title": n.name,
        "description": f"Berichten van {n.name}",
        "feeds": feeds,
        "search": {"exclude": True},
    }
    return meta, "\n".join(out)


def _topics_index(by_tag: dict[str, list[Bulletin]]) -> tuple[Meta, str]:
    out = [START, "# Onderwerpen", ""]
    out += [f"- [{_md_text(t)}]({slugify(t)}.md) ({len(items)})" for t, items in sorted(by_tag.items())]
    return {"title": "Onderwerpen"}, "\n".join(out) + "\n"


def _topic_page(tag: str, items: list[Bulletin], now: datetime, slots: dict[str, dict[str, str]]) -> tuple[Meta, str]:
    feeds = _feeds(f"onderwerp-{slugify(tag)}")
    # Listing pages stay out of the search index: a search should find the bulletin itself.
    out = [
        START,
        f"# Onderwerp: {_md_text(tag)}",
        "",
    ]
    out += [_list(items, now, tag_uri(tag), slots)]
    out += ["", f"Volg dit onderwerp: [RSS](../{feeds['rss']}) · [Atom](../{feeds['atom']})", ""]
    return {"title": f"Onderwerp: {tag}", "feeds": feeds, "search": {"exclude": True}}, "\n".join(out)


def _archive_index(by_month: dict[tuple[int, int], list[Bulletin]]) -> tuple[Meta, str]:
    out = [START, "# Archief", ""]
    for year in sorted({y for y, _ in by_month}, reverse=True):
        months = sorted((m for y, m in by_month if y == year), reverse=True)
        out.append(
            f"- [{year}]({year}.md): "
            + ", ".join(f"[{month_nl(year, m)}]({year}.md#maand-{m:02d}) ({len(by_month[(year, m)])})" for m in months)
        )
    return {"title": "Archief"}, "\n".join(out) + "\n"


def _archive_year(
    year: int, by_month: dict[tuple[int, int], list[Bulletin]], now: datetime, slots: dict[str, dict[str, str]]
) -> tuple[Meta, str]:
    out = [START, f"# Archief {year}", ""]
    for m in sorted((m for y, m in by_month if y == year), reverse=True):
        out += [f"## {month_nl(year, m).capitalize()} {{ #maand-{m:02d} }}", ""]
        out += [_list(by_month[(year, m)], now, f"archief/{year}.md", slots)]
        out.append("")
    return {"title": f"Archief {year}", "search": {"exclude": True}}, "\n".join(out)
