"""Headless Chromium helpers for the map browser tests (Debian's /usr/bin/chromium, never
``playwright install``). Every non-file:// request is blocked and recorded; page errors and console
errors are recorded, so a test can assert a page is self-contained and error-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)
VIEWPORT = {"width": 1280, "height": 860}


@dataclass
class PageLog:
    """What one page did: outside requests (blocked), page errors, console errors."""

    external: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [f"request {u}" for u in self.external] + [f"pageerror {e}" for e in self.errors] + [
            f"console {c}" for c in self.console
        ]


def launch(playwright: Any) -> Any:
    """One Chromium for the session."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))


_SHARED: dict[str, Any] = {"users": 0, "playwright": None, "browser": None}


def acquire_browser() -> Any:
    """The one Chromium of the test session, shared by every browser test module.

    Playwright's sync API allows one running instance per thread, so two modules' session
    fixtures must share it: each fixture calls this and :func:`release_browser` (ref-counted).
    """
    if _SHARED["browser"] is None:
        from playwright.sync_api import sync_playwright

        _SHARED["playwright"] = sync_playwright().start()
        _SHARED["browser"] = launch(_SHARED["playwright"])
    _SHARED["users"] += 1
    return _SHARED["browser"]


def release_browser() -> None:
    """Drop one user of the shared Chromium; the last one closes it."""
    _SHARED["users"] -= 1
    if _SHARED["users"] <= 0 and _SHARED["browser"] is not None:
        _SHARED["browser"].close()
        _SHARED["playwright"].stop()
        _SHARED.update(users=0, playwright=None, browser=None)


def open_page(
    browser: Any, path: Path, *, query: str = "", viewport: dict[str, int] | None = None
) -> tuple[Any, PageLog]:
    """Open ``path`` (with ``?query``, e.g. ``lang=kk``) in a new page; block and log every non-file
    request and every error."""
    log = PageLog()
    page = browser.new_page(viewport=viewport or VIEWPORT)

    def _route(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:", "about:", "blob:")):
            route.continue_()
        else:
            log.external.append(url)
            route.abort()

    page.route("**/*", _route)
    page.on("pageerror", lambda exc: log.errors.append(str(exc)))
    page.on("console", lambda msg: log.console.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", lambda d: (log.errors.append(f"dialog opened: {d.message}"), d.dismiss()))
    page.goto(Path(path).resolve().as_uri() + (f"?{query}" if query else ""))
    return page, log


def wait_ready(page: Any) -> None:
    """Wait until the map UI has initialised (SKO.init ran)."""
    page.wait_for_function("window.SKO && window.SKO.ready === true", timeout=10_000)


def click_village(page: Any, settlement_id: str) -> None:
    """Zoom to a village and click its circle with the real mouse."""
    xy = page.evaluate(
        """(id) => {
          const m = SKO.map;
          const e = SKO.search.find(x => x.id === id);
          m.setView(e.layer.getLatLng(), 13, {animate: false});  // close enough that neighbours never overlap
          const p = m.latLngToContainerPoint(e.layer.getLatLng());
          const r = m.getContainer().getBoundingClientRect();
          return [p.x + r.left, p.y + r.top];
        }""",
        settlement_id,
    )
    page.mouse.click(xy[0], xy[1])


def overlay_checkbox(page: Any, text: str) -> Any:
    """The layer-control checkbox/radio whose label contains ``text`` (any language).

    The grouped layer control folds (whole list on small screens, groups without a visible layer):
    it is unfolded first, so the checkbox can be clicked.
    """
    page.evaluate("() => { if (window.SKO && SKO.openLayers) SKO.openLayers(true, true); }")
    return page.locator(".leaflet-control-layers label", has_text=text).locator("input")


def visible_legend_titles(page: Any) -> list[str]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.sko-legend'))
             .filter(e => e.parentElement.style.display !== 'none' && e.style.display !== 'none'
                          && e.offsetParent !== null)
             .map(e => e.querySelector('.sko-legend-title').innerText.trim())"""
    )
