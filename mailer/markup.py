"""Markdown to HTML, one way for the feeds and the mails (the site uses the same extensions).

mkdocs.yml lists the same `markdown_extensions`; tests/test_site.py asserts
that the two agree, so the web page, the feed and the mail say the same thing.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urljoin

import markdown
from babel.dates import format_date

EXTENSIONS = ["tables", "attr_list", "admonition", "sane_lists"]

KIND_LABELS = {
    "notice": "Bericht",
    "prevention-tip": "Preventietip",
    "fraud-warning": "Waarschuwing voor oplichting",
    "call-for-witnesses": "Getuigenoproep",
    "feedback": "Terugkoppeling",
    "infoflash": "Infoflash",
    "meeting": "Bijeenkomst",
}
URGENT_LINE = "Dringend? Bel 101 of 112."
_URL_ATTR = re.compile(r'(\s(?:src|href)=")([^"#][^"]*)(")')


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Body Markdown to an HTML fragment (cached: a digest renders the same body for many networks)."""
    html: str = markdown.markdown(text, extensions=EXTENSIONS, output_format="html")
    return html


def absolutize(html: str, base_url: str) -> str:
    """Make relative links and images absolute, for feeds and mails read far from the site."""

    def fix(m: re.Match[str]) -> str:
        url = m.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
            return m.group(0)
        path, sep, anchor = url.partition("#")
        if path.endswith(".md"):  # a link to another page: its directory URL
            path = path.removesuffix("index.md") if path.endswith("index.md") else path.removesuffix(".md") + "/"
        joined: str = urljoin(base_url, path + sep + anchor)
        return f"{m.group(1)}{joined}{m.group(3)}"

    return _URL_ATTR.sub(fix, html)


def date_nl(value: datetime) -> str:
    return _date_nl(value.date())


@lru_cache(maxsize=8192)  # babel looks the locale up on every call; bulletins share dates
def _date_nl(value: date) -> str:
    return format_date(value, format="d MMMM y", locale="nl_BE")


def month_nl(year: int, month: int) -> str:
    return format_date(datetime(year, month, 1), format="LLLL y", locale="nl_BE")
