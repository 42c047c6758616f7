"""The public site and its feeds, built from the sample zone with MkDocs Material."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import feedparser
import pytest
import yaml
from conftest import CANARY, FIXED_NOW, ROOT, copy_sample

from mailer.config import load_config
from mailer.markup import EXTENSIONS
from mailer.pipeline import build_site
from mailer.project import load_project
from mailer.site import public_bulletins

PUBLIC_NOW = [  # the public, approved, already dated bulletins of the sample zone at FIXED_NOW, newest first
    "2026-12-02-infoflash-sms-phishing", "2026-11-30-inbraakgolf-lindegem-centrum",
    "2026-11-25-valse-bankmedewerkers", "2026-11-22-inbraken-heidebos", "2026-11-20-getuigen-diefstal-bestelwagen",
    "2026-11-18-valse-facturen-handelaars", "2026-11-15-infoavond-lindegem", "2026-11-10-tips-donkere-dagen",
    "2026-11-05-terugkoppeling-verdacht-voertuig", "2026-10-01-infoflash-valse-loodgieters",
    "2026-01-20-jaarcijfers-2025",
]


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_page_types_exist(built_site: tuple[Path, dict[str, str]]) -> None:
    site = built_site[0] / "site"
    home = read(site, "index.html")
    assert 'lang="nl"' in home
    assert "Actuele berichten" in home
    bulletin = read(site, "berichten/2026-11-30-inbraakgolf-lindegem-centrum/index.html")
    assert "Inbraakgolf in Lindegem-Centrum" in bulletin
    assert "30 november 2026" in bulletin and "Bericht" in bulletin
    assert "Dringend? Bel 101 of 112." in bulletin
    assert 'href="../../netwerken/bin-lindegem-centrum/"' in bulletin
    network = read(site, "netwerken/bin-wilgenhove/index.html")
    assert "centrum@bin" not in network and "wilgenhove@bin.lindevallei.example.org" in network
    assert "Getuigen gezocht na diefstal uit bestelwagens" in network
    assert "Lid worden" in network
    assert "Vijf tips voor de donkere dagen" in network  # all: true reaches every network
    topic = read(site, "onderwerpen/phishing/index.html")
    assert "valse sms over een pakje" in topic
    archive = read(site, "archief/2026/index.html")
    assert 'id="maand-10"' in archive and "verlopen" in archive  # the expired infoflash stays, marked
    assert "toegankelijkheid/" in read(site, "archief/index.html")
    statement = read(site, "toegankelijkheid/index.html")
    assert "Toegankelijkheidsverklaring" in statement and "mailto:" in statement
    assert "@media print" in read(site, "assets/binpost.css")


def test_bulletin_head_sits_between_title_and_text(built_site: tuple[Path, dict[str, str]]) -> None:
    """Kind and date go in after the Markdown step: below the theme's h1, above the author's text."""
    site = built_site[0] / "site"
    html = read(site, "berichten/2026-11-30-inbraakgolf-lindegem-centrum/index.html")
    title = html.index("<h1")
    head = html.index('<p class="bin-meta">')
    assert title < head < html.index("</article>")
    assert '<time datetime="2026-11-30' in html[head : head + 200]
    assert "bin-expired" not in html
    expired = read(site, "berichten/2026-10-01-infoflash-valse-loodgieters/index.html")
    meta = expired.index('<p class="bin-meta"><strong>Infoflash</strong>')
    assert expired.index('<p class="bin-expired">') > meta


def test_network_page_lists_newest_first(built_site: tuple[Path, dict[str, str]]) -> None:
    html = read(built_site[0] / "site", "netwerken/bin-lindegem-centrum/index.html")
    titles = ["Infoflash: valse sms over een pakje", "Inbraakgolf in Lindegem-Centrum", "Vijf tips voor de donkere dagen"]
    positions = [html.index(t) for t in titles]
    assert positions == sorted(positions)


def test_every_page_links_accessibility_statement_and_feeds(built_site: tuple[Path, dict[str, str]]) -> None:
    site = built_site[0] / "site"
    pages = list(site.rglob("*.html"))
    assert len(pages) > 30
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "Toegankelijkheidsverklaring" in html, page
        assert 'type="application/rss+xml"' in html and 'type="application/atom+xml"' in html, page
    net = read(site, "netwerken/bin-wilgenhove/index.html")
    assert 'href="../../feeds/netwerk-bin-wilgenhove.rss.xml"' in net


def test_infoflash_banner_until_expiry(built_site: tuple[Path, dict[str, str]]) -> None:
    home = read(built_site[0] / "site", "index.html")
    assert 'class="bin-flash" href="berichten/2026-12-02-infoflash-sms-phishing/"' in home
    assert "valse sms over een pakje" in home
    deep = read(built_site[0] / "site", "netwerken/bin-wilgenhove/index.html")
    assert 'class="bin-flash" href="../../berichten/2026-12-02-infoflash-sms-phishing/"' in deep
    assert "valse loodgieters" not in home  # expired: off the home page


def test_nothing_private_reaches_the_site(built_site: tuple[Path, dict[str, str]]) -> None:
    root, planted = built_site
    assert len(planted) >= 5  # members-only, draft, for-coordinators, withdrawn, future
    project = load_project(load_config(root))
    secrets = set(planted.values()) | {CANARY}
    for m in project.directory.members.values():
        secrets |= {s for s in (m.email, m.phone, m.name) if s}
    members_text = (root / "members.yaml").read_text(encoding="utf-8")
    members_part = members_text[members_text.index("\nmembers:"):]  # zones have public phone numbers
    secrets |= set(re.findall(r"phone: '([^']+)'", members_part))
    secrets -= {""}
    files = [p for p in (root / "site").rglob("*") if p.is_file()]
    assert any(p.name == "search_index.json" for p in files) and any(p.name == "sitemap.xml" for p in files)
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            import gzip
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="ignore")
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.relative_to(root)} contains {leaked}"
    for stem in planted:
        assert not (root / "site" / "berichten" / stem).exists()


def test_feeds_parse_and_hold_exactly_the_public_entries(built_site: tuple[Path, dict[str, str]]) -> None:
    site = built_site[0] / "site"
    for fmt in ("rss", "atom"):
        feed = feedparser.parse((site / f"feeds/alle-berichten.{fmt}.xml").read_bytes())
        assert not feed.bozo, feed.bozo_exception
        links = [e.link for e in feed.entries]
        assert links == [f"https://bin.lindevallei.example.org/berichten/{s}/" for s in PUBLIC_NOW]
        first = feed.entries[0]
        assert first.title == "Infoflash: valse sms over een pakje"
        assert "verdacht@safeonweb.be" in first.content[0].value  # full content, not only the summary
        assert "Dringend? Bel 101 of 112." in first.content[0].value
    net = feedparser.parse((site / "feeds/netwerk-binz-lindegem-handel.atom.xml").read_bytes())
    # zone-wide bulletins reach the BIN-Z too
    assert [e.title for e in net.entries] == ["Infoflash: valse sms over een pakje",
                                              "Let op: valse bankmedewerkers aan de telefoon",
                                              "Valse facturen bij handelaars",
                                              "Infoavond over inbraakpreventie in Lindegem",
                                              "Vijf tips voor de donkere dagen",
                                              "Infoflash: valse loodgieters aan de deur",
                                              "Jaarcijfers 2025 van de buurtinformatienetwerken"]
    img = feedparser.parse((site / "feeds/onderwerp-preventie.rss.xml").read_bytes())
    body = next(e for e in img.entries if "tips" in e.title).content[0].value
    assert 'src="https://bin.lindevallei.example.org/img/tijdschakelaar.svg"' in body  # absolute in feeds


def test_public_selection_matches_the_site() -> None:
    import datetime as dt

    project = load_project(load_config(ROOT))
    now = dt.datetime.fromisoformat(FIXED_NOW)
    assert [b.path.stem for b in public_bulletins(project.bulletins, now)] == PUBLIC_NOW


def test_output_is_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764759600")  # 2025-12-03: an earlier build date, fixed
    outputs = []
    for n in range(2):
        root = copy_sample(tmp_path / f"z{n}")
        build_site(load_config(root))
        outputs.append({p.relative_to(root / "site").as_posix(): p.read_bytes()
                        for p in (root / "site").rglob("*") if p.is_file() and p.suffix in (".xml", ".html", ".json")})
    assert outputs[0].keys() == outputs[1].keys()
    differ = [k for k in outputs[0] if outputs[0][k] != outputs[1][k]]
    assert not differ


def test_feed_cache_rebuilds_exactly_the_feeds_an_edit_touches(tmp_path: Path) -> None:
    """Feeds are cached by their input: an edited bulletin renews its feeds, the others are reused,
    and what comes out equals a build without any cache."""
    root = copy_sample(tmp_path / "z")
    cache = root / "state" / "cache" / "feeds"
    build_site(load_config(root))
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.xml")}
    assert len(before) == 2 * len(list((root / "site" / "feeds").glob("*.rss.xml")))
    bulletin = root / "content" / "berichten" / "2026-11-22-inbraken-heidebos.md"
    text = bulletin.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", text, re.M)
    assert title is not None
    bulletin.write_text(text.replace(title.group(0), "title: Nieuwe titel voor de cache"), encoding="utf-8")
    build_site(load_config(root))
    site = root / "site" / "feeds"
    holding = {p.name.removesuffix(".rss.xml") for p in site.glob("*.rss.xml") if b"Nieuwe titel" in p.read_bytes()}
    # the whole site's feed, the zone's networks' feeds, and the topics inbraak and tuin
    assert {"alle-berichten", "onderwerp-inbraak", "onderwerp-tuin"} <= holding
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.xml")}
    renewed = set(after) - set(before)
    assert len(renewed) == 2 * len(holding)  # rss and atom of exactly the feeds that show the bulletin
    assert all(after[name] == before[name] for name in set(after) & set(before))  # the rest untouched
    assert set(before) - set(after) and len(after) == len(before)  # replaced entries are dropped
    fresh = {p.name: p.read_bytes() for p in site.glob("*.xml")}
    page_mode = (root / "site" / "index.html").stat().st_mode & 0o777
    assert {p.stat().st_mode & 0o777 for p in site.glob("*.xml")} == {page_mode}  # a web server reads them as pages
    shutil.rmtree(cache)
    build_site(load_config(root))
    assert {p.name: p.read_bytes() for p in site.glob("*.xml")} == fresh


def test_feeds_from_the_worker_process_equal_feeds_built_inline(tmp_path: Path) -> None:
    import threading

    forked = copy_sample(tmp_path / "forked")
    build_site(load_config(forked))
    inline = copy_sample(tmp_path / "inline")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # another thread alive: the plugin writes the feeds itself
    other.start()
    try:
        build_site(load_config(inline))
    finally:
        stop.set()
        other.join()
    feeds = sorted(p.name for p in (forked / "site" / "feeds").iterdir())
    assert len(feeds) > 10 and not [n for n in feeds if n.startswith(".")]  # no temporary file left behind
    assert feeds == sorted(p.name for p in (inline / "site" / "feeds").iterdir())
    for name in feeds:
        assert read(forked / "site", f"feeds/{name}") == read(inline / "site", f"feeds/{name}"), name


def test_markdown_extensions_agree_with_mkdocs_yml() -> None:
    cfg = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names = [e if isinstance(e, str) else next(iter(e)) for e in cfg["markdown_extensions"]]
    assert [n for n in names if n != "toc"] == EXTENSIONS
    assert cfg["theme"]["language"] == "nl" and {"search": {"lang": "nl"}} in cfg["plugins"]
    assert "navigation.prune" in cfg["theme"]["features"]


def test_plain_mkdocs_build_strict_works(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = copy_sample(tmp_path / "z")
    env = dict(os.environ, BINPOST_NOW=FIXED_NOW, NO_MKDOCS_2_WARNING="1")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=root, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (root / "site" / "feeds" / "alle-berichten.rss.xml").exists()


def test_build_refuses_broken_content(tmp_path: Path, binpost) -> None:  # type: ignore[no-untyped-def]
    root = copy_sample(tmp_path / "z")
    bad = root / "content" / "berichten" / "2026-11-22-inbraken-heidebos.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("zones: [pz-heidebos]", "zones: [pz-heidebox]"),
                   encoding="utf-8")
    r = binpost(root, "build")
    assert r.code == 1
    assert "unknown zone 'pz-heidebox'" in r.err and "Traceback" not in r.err
    assert not (root / "site" / "index.html").exists()


def test_plain_mkdocs_build_refuses_a_broken_members_file_first_time_and_cached(tmp_path: Path) -> None:
    """On a first build members.yaml is validated by a helper process into the cache; its problems
    must stop the build just the same, and again when they come from the cache."""
    import subprocess
    import sys

    root = copy_sample(tmp_path / "z")
    members = root / "members.yaml"
    text = members.read_text(encoding="utf-8")
    assert "bart.dewilde@example.net" in text
    members.write_text(text.replace("bart.dewilde@example.net", "bart.dewilde@@example.net"), encoding="utf-8")
    line = next(i for i, ln in enumerate(members.read_text(encoding="utf-8").splitlines(), 1) if "@@" in ln)
    env = dict(os.environ, BINPOST_NOW=FIXED_NOW, NO_MKDOCS_2_WARNING="1")
    for attempt in ("first", "cached"):
        r = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=root, env=env, capture_output=True, text=True
        )
        assert r.returncode == 1, (attempt, r.stderr)
        assert f"members.yaml:{line}:12: error: invalid e-mail address 'bart.dewilde@@example.net'" in r.stderr
        assert "Traceback" not in r.stderr and not (root / "site" / "index.html").exists()
        assert list((root / "state" / "cache").glob("members-*.pickle")), attempt


def test_title_and_summary_are_text_not_markup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The theme prints meta title and description unescaped; a quote or a tag must stay text."""
    from html.parser import HTMLParser

    title = 'Let op: "agenten" & </title><script>alert(1)</script>'
    summary = 'Zij zeggen "politie" te zijn <b>en</b> vragen uw kaart.'
    root = copy_sample(tmp_path / "z")
    path = root / "content" / "berichten" / "2026-12-02-infoflash-sms-phishing.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title: .*$", "title: " + json.dumps(title), text)
    text = re.sub(r"(?m)^summary: .*$", "summary: " + json.dumps(summary), text)
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("BINPOST_NOW", FIXED_NOW)
    build_site(load_config(root))

    class Page(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.text: dict[str, str] = {}
            self.description: str | None = None
            self.scripts: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag == "meta" and a.get("name") == "description":
                self.description = a.get("content")
            if tag == "a" and "bin-flash" in (a.get("class") or ""):
                tag = "flash"
            self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            if self.stack:
                self.stack.pop()

        def handle_data(self, data: str) -> None:
            if self.stack:
                top = self.stack[-1]
                self.text[top] = self.text.get(top, "") + data
                if top == "script":
                    self.scripts.append(data)

    def parse(rel: str) -> Page:
        page = Page()
        page.feed(read(root / "site", rel))
        return page

    bulletin = parse("berichten/2026-12-02-infoflash-sms-phishing/index.html")
    assert bulletin.text["title"].startswith(title + " - ")
    assert bulletin.text["h1"].strip() == title
    assert bulletin.description == summary
    assert not [s for s in bulletin.scripts if "alert(1)" in s]
    home = parse("index.html")
    assert home.text["flash"].strip() == title  # the infoflash banner on every page
    assert not [s for s in home.scripts if "alert(1)" in s]
