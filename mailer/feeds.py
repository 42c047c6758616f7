"""RSS 2.0 and Atom 1.0 feeds. The only feedgen importer.

feedgen stamps feeds with the current time and prepends entries unless told
otherwise; both are pinned here so the same input gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from .markup import KIND_LABELS, URGENT_LINE, absolutize, render_markdown
from .models import Bulletin

FeedEntries = dict[str, FeedEntry]  # slug -> entry, shared by the feeds of one build


def page_url(site_url: str, src_uri: str) -> str:
    """The public URL of a page (mkdocs directory URLs: a/b.md -> a/b/, a/index.md -> a/)."""
    path = src_uri.removesuffix(".md")
    path = "" if path == "index" else path.removesuffix("/index") + "/"
    return site_url.rstrip("/") + "/" + path


def build_feeds(
    title: str,
    site_name: str,
    site_url: str,
    page: str,
    feed_base: str,
    bulletins: tuple[Bulletin, ...],
    fallback_time: datetime,
    entries: FeedEntries | None = None,
) -> tuple[bytes, bytes]:
    """Return (rss, atom) bytes for the given bulletins, newest first.

    `entries` (slug -> entry) is shared between the feeds of one build: a bulletin sits in the
    site's feed, its networks' and its topics' feeds, and its entry (rendered body included) is
    the same in each.
    """
    if entries is None:
        entries = {}
    fg = FeedGenerator()
    link = page_url(site_url, page)
    fg.id(link)
    fg.title(f"{title} · {site_name}" if title != site_name else site_name)
    fg.subtitle(f"Berichten van {site_name}: {title}")
    fg.language("nl")
    fg.generator("binpost")
    updated = max((b.date for b in bulletins), default=fallback_time)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    for b in bulletins:
        fe = entries.get(b.slug)
        if fe is None:
            fe = entries[b.slug] = _entry(b, site_url)
        fg.add_entry(fe, order="append")
    base = site_url.rstrip("/") + "/" + feed_base
    # Each format points rel=self at its own file.
    fg.link([{"href": link, "rel": "alternate"}, {"href": base + ".rss.xml", "rel": "self"}], replace=True)
    rss: bytes = fg.rss_str(pretty=True)
    fg.link([{"href": link, "rel": "alternate"}, {"href": base + ".atom.xml", "rel": "self"}], replace=True)
    atom: bytes = fg.atom_str(pretty=True)
    return rss, atom


def _entry(b: Bulletin, site_url: str) -> FeedEntry:
    url = page_url(site_url, f"berichten/{b.slug}.md")
    fe = FeedEntry()
    fe.id(url)
    fe.guid(url, permalink=True)
    fe.title(b.title)
    fe.link(href=url)
    fe.published(b.date)
    fe.updated(b.date)
    fe.summary(b.summary)
    fe.category(term=KIND_LABELS[b.kind])
    for tag in b.tags:
        fe.category(term=tag)
    # Relative links in the body are relative to the source file, berichten/<slug>.md.
    body = absolutize(render_markdown(b.body), site_url.rstrip("/") + f"/berichten/{b.slug}.md")
    fe.content(body + f"<p><strong>{URGENT_LINE}</strong></p>", type="CDATA")
    return fe
