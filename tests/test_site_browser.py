"""The built site in a real browser: rendering, search, feeds, small screens, accessibility."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import axe_violations, browser, serve  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site_url(built_site: tuple[Path, dict[str, str]]) -> Iterator[str]:
    with serve(built_site[0] / "site") as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-BE")
    pg = context.new_page()
    yield pg
    context.close()


def test_home_renders_with_feed_link(page: Any, site_url: str) -> None:
    page.goto(site_url)
    assert page.locator("h1").first.inner_text() == "Buurtinformatienetwerken Lindevallei"
    assert page.get_by_role("link", name="Inbraakgolf in Lindegem-Centrum").is_visible()
    rss = page.locator('link[rel="alternate"][type="application/rss+xml"]').first.get_attribute("href")
    assert rss and rss.endswith("feeds/alle-berichten.rss.xml")
    resp = page.request.get(site_url + "feeds/alle-berichten.rss.xml")
    assert resp.ok and b"<rss" in resp.body()


def test_search_finds_a_bulletin_by_title(page: Any, site_url: str) -> None:
    page.goto(site_url)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    # Type like a person: Material searches on key events, not on a programmatic fill.
    page.locator("input.md-search__input").press_sequentially("bestelwagens", delay=30)
    result = page.locator(".md-search-result__item", has_text="Getuigen gezocht na diefstal uit bestelwagens")
    result.first.wait_for(timeout=15_000)
    assert result.count() >= 1


def test_network_page_lists_its_bulletins(page: Any, site_url: str) -> None:
    page.goto(site_url + "netwerken/binz-lindegem-handel/")
    assert page.locator("h1").inner_text() == "BIN-Z Lindegem Handel"
    page.get_by_role("link", name="Valse facturen bij handelaars").click()
    page.wait_for_url("**/berichten/2026-11-18-valse-facturen-handelaars/")
    assert "Dringend? Bel 101 of 112." in page.content()


def test_layout_at_360px(browser: Any, site_url: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 360, "height": 740})
    pg = context.new_page()
    for path in ("", "berichten/2026-11-30-inbraakgolf-lindegem-centrum/", "netwerken/bin-wilgenhove/"):
        pg.goto(site_url + path)
        overflow = pg.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 360, f"{path or 'home'} is {overflow}px wide at 360px"
        assert pg.locator("h1").first.is_visible()
    context.close()


@pytest.mark.parametrize("path", ["", "berichten/2026-11-30-inbraakgolf-lindegem-centrum/",
                                  "berichten/2026-01-20-jaarcijfers-2025/", "netwerken/bin-lindegem-centrum/",
                                  "onderwerpen/inbraak/", "archief/", "archief/2026/", "toegankelijkheid/"])
def test_no_serious_accessibility_violations(page: Any, site_url: str, path: str) -> None:
    page.goto(site_url + path)
    assert axe_violations(page) == []


def test_print_is_a_clean_a4_page(page: Any, site_url: str, tmp_path: Path) -> None:
    page.goto(site_url + "berichten/2026-11-30-inbraakgolf-lindegem-centrum/")
    page.emulate_media(media="print")
    assert not page.locator(".md-header").is_visible()
    assert not page.locator(".md-footer").is_visible()
    assert page.locator("h1").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page") <= 2
