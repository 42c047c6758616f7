"""RSS 2.0 and Atom 1.0 feeds. The only feedgen importer.

feedgen stamps feeds with the current time and prepends entries unless told
otherwise; both are pinned here so the same input gives the same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from .cache import code_fingerprint
from .fileio import replace_file
from .markup import KIND_LABELS, URGENT_LINE, absolutize, render_markdown
from .models import Bulletin
from .site import FeedSpec

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


def write_feeds(
    specs: tuple[FeedSpec, ...], site_name: str, site_url: str, fallback: datetime, out: Path, cache: Path | None
) -> None:
    """Write every feed of the site into `out`, reusing the bytes of feeds whose input has not changed.

    A feed's bytes depend only on its spec (the bulletins in it, all their fields), the site's
    name and URL and binpost's feed code, so those are the cache key; most builds change a
    bulletin or two and so only the feeds that show them (`mkdocs serve` rebuilds on every save).
    """
    out.mkdir(parents=True, exist_ok=True)
    entries: FeedEntries = {}  # one entry per bulletin, shared by the feeds it appears in
    code = code_fingerprint(
        ("feeds.py", "markup.py", "site.py", "models.py"), ("feedgen", "lxml", "markdown", "nh3", "babel")
    )
    keep: set[str] = set()
    for spec in specs:
        # The fallback time only shows in a feed without entries; elsewhere it would defeat the cache.
        key = hashlib.sha256(
            code + repr((spec, site_name, site_url, fallback if not spec.bulletins else None)).encode()
        )
        stem = key.hexdigest()[:40]
        keep.update((f"{stem}.rss.xml", f"{stem}.atom.xml"))
        pair = _read_pair(cache, stem)
        if pair is None:
            pair = build_feeds(
                spec.title, site_name, site_url, spec.page, f"feeds/{spec.name}", spec.bulletins, fallback, entries
            )
            if cache is not None:
                _write_pair(cache, stem, pair)
        for data, name in zip(pair, (f"{spec.name}.rss.xml", f"{spec.name}.atom.xml"), strict=True):
            replace_file(out / name, data)
    if cache is not None and cache.is_dir():
        for old in cache.glob("*.xml"):  # only this build's feeds stay: the cache does not grow
            if old.name not in keep:
                old.unlink(missing_ok=True)


def _read_pair(cache: Path | None, stem: str) -> tuple[bytes, bytes] | None:
    if cache is None:
        return None
    try:
        return (cache / f"{stem}.rss.xml").read_bytes(), (cache / f"{stem}.atom.xml").read_bytes()
    except OSError:
        return None


def _write_pair(cache: Path, stem: str, pair: tuple[bytes, bytes]) -> None:
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for data, ext in zip(pair, ("rss.xml", "atom.xml"), strict=True):
            replace_file(cache / f"{stem}.{ext}", data)
    except OSError:
        pass  # a read-only checkout still builds, without the cache
