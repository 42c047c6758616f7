"""MkDocs integration, kept thin: check before the build, generated pages and feeds in.

Registered as the `binpost` plugin (an entry point), so `plugins: [binpost]`
works in any folder where binpost is installed, unlike a `hooks:` path. All
site logic lives in site.py and feeds.py; this only wires it into MkDocs
events, so the site engine can be swapped. Logs go to a `mkdocs.` logger so
that `mkdocs build --strict` counts binpost's warnings.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from mailer import clock
from mailer.config import Config, load_config
from mailer.content import BULLETIN_DIR, split_front_matter
from mailer.directory import is_cached, load_directory
from mailer.errors import Problem
from mailer.forked import Forked
from mailer.project import display_path, load_project
from mailer.site import FeedSpec, SitePlan, plan_site

log = logging.getLogger("mkdocs.plugins.binpost")
TEMPLATES = Path(__file__).parent / "templates" / "site"
CSS = "assets/binpost.css"
_HTML_META = ("title", "description")  # meta values the theme prints as HTML


class BinpostPlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    plan: SitePlan
    site_url: str
    state_dir: Path
    preparing: Forked[tuple[list[Problem], SitePlan | None]] | None = None
    feeds: Forked[None] | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path).parent
        binpost = load_config(root)
        self.site_url = config.site_url or binpost.site_url
        self.state_dir = binpost.state_dir
        # The check and the site plan run in a second process while MkDocs collects the files;
        # on_files waits for them and stops the build on an error, before anything is written.
        now, docs, name = clock.now(), Path(config.docs_dir), config.site_name
        self._discard()
        self.preparing = Forked(lambda: _prepare(binpost, docs, name, now))
        # Our templates override the theme's, and our stylesheet (screen and print) is always in.
        config.theme.dirs.insert(0, str(TEMPLATES))
        if CSS not in config.extra_css:
            config.extra_css.append(CSS)
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.preparing is not None
        try:
            problems, prepared = self.preparing.join()
        except RuntimeError as exc:
            raise PluginError(f"binpost: checking content/ and members.yaml failed: {exc}") from None
        finally:
            self.preparing = None
        for p in problems:
            (log.error if p.severity == "error" else log.warning)(p.format())
        if prepared is None:
            errors = sum(p.severity == "error" for p in problems)
            raise PluginError(f"binpost: {errors} error(s) in content/ or members.yaml; fix them first")
        self.plan = plan = prepared
        flash = plan.infoflash
        # A URL, not a .md path: templates' `url` filter only makes it relative.
        config.extra["binpost_flash"] = (
            {"title": html.escape(flash.title), "url": f"berichten/{flash.slug}/"} if flash else None
        )
        # Bulletin sources never enter the build as they are: only the generated
        # pages of public bulletins do. Drafts and members-only files stay out.
        for f in list(files):
            if (f.src_uri.startswith(BULLETIN_DIR + "/") and f.src_uri.endswith(".md")) or f.src_uri in plan.pages:
                files.remove(f)
        for uri, markdown in plan.pages.items():
            files.append(File.generated(config, uri, content=markdown))
        files.append(File.generated(config, CSS, abs_src_path=str(TEMPLATES / "binpost.css")))
        # Feeds are files of the site like any other, so MkDocs checks links to them. A second process
        # writes them straight into site/ while this one converts the Markdown; on_env waits for it.
        # (Their source is their destination: MkDocs then skips the copy, as it allows plugins to.)
        out = Path(config.site_dir) / "feeds"
        for spec in plan.feeds:
            for ext in ("rss.xml", "atom.xml"):
                files.append(
                    File.generated(config, f"feeds/{spec.name}.{ext}", abs_src_path=str(out / f"{spec.name}.{ext}"))
                )
        specs, site_name, site_url, fallback = plan.feeds, config.site_name, self.site_url, clock.now()
        cache = self.state_dir / "cache" / "feeds"
        self.feeds = Forked(lambda: _write_feeds(specs, site_name, site_url, fallback, out, cache))
        log.info("binpost: %d pages, %d feeds", len(plan.pages), len(plan.feeds) * 2)
        return files

    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment:
        """The feeds must be complete before MkDocs copies files into site/."""
        if self.feeds is not None:
            try:
                self.feeds.join()
            except RuntimeError as exc:
                raise PluginError(f"binpost: building the feeds failed: {exc}") from None
            finally:
                self.feeds = None
        return env

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self._discard()

    def on_build_error(self, *, error: Exception) -> None:
        self._discard()

    def _discard(self) -> None:
        """Stop workers a failed or interrupted build left behind."""
        for job in (self.preparing, self.feeds):
            if job is not None:
                job.cancel()
        self.preparing = self.feeds = None

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """A generated page's meta comes beside its text, not as front matter (see site.START).

        The theme prints title and description into HTML unescaped (MkDocs' Jinja does not
        autoescape; a `"` in a summary broke the description attribute, a `</title>` in a
        headline would have opened the page to script), so they go in HTML-escaped.
        """
        meta = self.plan.meta.get(page.file.src_uri)
        if meta is not None:
            page.meta.update(meta)
            for key in _HTML_META:
                if isinstance(value := meta.get(key), str):
                    page.meta[key] = html.escape(value)
        return markdown

    def on_page_content(self, content: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """A bulletin's head (kind, date) above its text; the theme puts the title above both."""
        head = self.plan.heads.get(page.file.src_uri)
        return content if head is None else head + content

    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        """The frame below a bulletin, for main.html (kept out of page.content and so out of search)."""
        context["binpost_footer"] = self.plan.footers.get(page.file.src_uri, "")  # type: ignore[typeddict-unknown-key]
        return context

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        """Put the prebuilt HTML (bulletin lists, a bulletin's header) in place of its markers (site._slot).

        After the template, not before: lists of thousands of links would otherwise go through the
        search plugin's parser and every template filter for nothing (listing pages are not indexed).
        """
        html = output
        for marker, fragment in self.plan.slots.get(page.file.src_uri, {}).items():
            html = html.replace(marker, fragment, 1)
        return html


def _write_feeds(
    specs: tuple[FeedSpec, ...], site_name: str, site_url: str, fallback: datetime, out: Path, cache: Path
) -> None:
    from mailer.feeds import write_feeds  # feedgen and lxml: only the feed writer needs them

    write_feeds(specs, site_name, site_url, fallback, out, cache)


def _warm_members(config: Config) -> Callable[[], None] | None:
    """On a first build, validate members.yaml (every address and number) in one more process.

    It fills the cache while this process reads the bulletins; the returned function waits for
    it. If it fails, load_project reads the file itself and reports what is wrong with it.
    """
    display, cache = display_path(config.members_path, config.root), config.state_dir / "cache"
    if is_cached(config.members_path, display, cache):
        return None

    def fill() -> None:  # the directory stays in that process: the cache is what it leaves behind
        load_directory(config.members_path, display, [], {}, cache)

    job = Forked(fill)

    def ready() -> None:
        with contextlib.suppress(RuntimeError):
            job.join()

    return ready


def _prepare(config: Config, docs: Path, site_name: str, now: datetime) -> tuple[list[Problem], SitePlan | None]:
    """Load and check everything, and plan the site if there is no error."""
    project = load_project(config, members_ready=_warm_members(config))
    if project.errors:
        return project.problems, None
    intro_file = docs / "index.md"
    intro = intro_file.read_text(encoding="utf-8") if intro_file.exists() else f"# {site_name}\n"
    split = split_front_matter(intro)
    return project.problems, plan_site(project.directory, project.bulletins, now, split[1] if split else intro)
