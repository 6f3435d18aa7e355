"""Drive the system's Chromium (Debian `chromium`) with Playwright; never downloads a browser."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Dialog, Page, Request, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    """The Debian Chromium (installed by `make system-deps`)."""
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    assert path, "Chromium is missing: run `make system-deps` (apt-get install chromium)"
    return path


@contextmanager
def launch() -> Iterator[Browser]:
    """One headless Chromium for a test module."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    """What a page did that it should not: requests beyond its own file, dialogs, errors."""

    own_url: str
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    @property
    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if u.split("#")[0] != self.own_url]


def open_report(browser: Browser, path: Path, *, viewport: tuple[int, int] = (1280, 900)) -> tuple[Page, Watch]:
    """Open a report file in a fresh page that records (and blocks) every other request."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    url = path.resolve().as_uri()
    watch = Watch(url)

    def on_request(req: Request) -> None:
        watch.requests.append(req.url)

    def on_dialog(d: Dialog) -> None:
        watch.dialogs.append(d.message)
        d.dismiss()

    page.on("request", on_request)
    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    page.on("console", lambda m: watch.console.append(m.text))
    page.route("**/*", lambda route: route.continue_() if route.request.url.split("#")[0] == url else route.abort())
    page.goto(url)
    return page, watch
