"""RSS 2.0 and Atom 1.0 feeds. The only feedgen importer.

feedgen stamps feeds with the current time and prepends entries unless told
otherwise; both are pinned here so the same input gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime

from feedgen.feed import FeedGenerator

from .markup import KIND_LABELS, absolutize, render_markdown
from .models import Bulletin


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
) -> tuple[bytes, bytes]:
    """Return (rss, atom) bytes for the given bulletins, newest first."""
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
        url = page_url(site_url, f"berichten/{b.slug}.md")
        fe = fg.add_entry(order="append")
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
        fe.content(body + "<p><strong>Dringend? Bel 101 of 112.</strong></p>", type="CDATA")
    base = site_url.rstrip("/") + "/" + feed_base
    # Each format points rel=self at its own file.
    fg.link([{"href": link, "rel": "alternate"}, {"href": base + ".rss.xml", "rel": "self"}], replace=True)
    rss: bytes = fg.rss_str(pretty=True)
    fg.link([{"href": link, "rel": "alternate"}, {"href": base + ".atom.xml", "rel": "self"}], replace=True)
    atom: bytes = fg.atom_str(pretty=True)
    return rss, atom
