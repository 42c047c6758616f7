"""The sample edition in headless Chromium at phone and desktop widths, with axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from browser import axe_violations, browser  # noqa: F401  (browser is a fixture)
from editions_sample import golden_outputs, sample_edition

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 600])
def test_edition_renders_and_is_accessible(browser: Any, width: int) -> None:  # noqa: F811
    _, rendered, _ = sample_edition()
    html = golden_outputs()["edition.html"]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.route("**/*", lambda route: route.abort())  # a mail client shows no remote content by default
    page.set_content(html, wait_until="load")
    for b in rendered.edition.bulletins:
        heading = page.get_by_role("heading", name=b.title, exact=True)
        assert heading.is_visible(), b.title
        box = heading.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.get_by_role("link", name="Uitschrijven").is_visible()
    assert axe_violations(page) == []
    context.close()
