"""Self-contained HTML: inline folium's CDN assets from installed XStatic packages.

A plain folium page loads ~13 JS/CSS files from CDNs and is blank offline. :func:`save_offline`
renders a map, replaces every CDN ``<script src>`` / ``<link href>`` that the page needs with the
file's content from the installed ``xstatic-*`` packages (Leaflet 1.9.3, jQuery, MarkerCluster),
drops the assets our maps never use (Bootstrap, awesome-markers, glyphicons, Font Awesome) and
raises :class:`OfflineAssetError` naming any other external URL, so a folium upgrade that adds a
CDN file fails a test instead of shipping a blank map. Files are written atomically.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import branca.element
import folium

from geo.errors import SitingError

logger = logging.getLogger(__name__)


class OfflineAssetError(ValueError, SitingError):
    """A rendered page references an external URL that cannot be inlined."""


# URL pattern -> (xstatic package module, file in its data folder)
INLINE_ASSETS: tuple[tuple[str, str, str], ...] = (
    (r"leaflet@1\.9\.\d+/dist/leaflet\.js$", "xstatic.pkg.leaflet", "leaflet.js"),
    (r"leaflet@1\.9\.\d+/dist/leaflet\.css$", "xstatic.pkg.leaflet", "leaflet.css"),
    (r"jquery-3\.\d+\.\d+(\.min)?\.js$", "xstatic.pkg.jquery", "jquery.min.js"),
    (r"markercluster.*/leaflet\.markercluster(-src)?\.js$", "xstatic.pkg.leaflet_markercluster",
     "leaflet.markercluster.js"),
    (r"markercluster.*/MarkerCluster\.css$", "xstatic.pkg.leaflet_markercluster", "MarkerCluster.css"),
    (r"markercluster.*/MarkerCluster\.Default\.css$", "xstatic.pkg.leaflet_markercluster",
     "MarkerCluster.Default.css"),
)
# URL pattern -> JS global whose use means the asset is needed (None: CSS only, never needed)
DROPPABLE_ASSETS: tuple[tuple[str, str | None], ...] = (
    (r"bootstrap@[\d.]+/dist/js/bootstrap\.bundle(\.min)?\.js$", "bootstrap."),
    (r"bootstrap@[\d.]+/dist/css/bootstrap(\.min)?\.css$", None),
    (r"bootstrap/3\.\d+\.\d+/css/bootstrap-glyphicons\.css$", None),
    (r"fontawesome-free@[\d.]+/css/all(\.min)?\.css$", None),
    (r"Leaflet\.awesome-markers/[\d.]+/leaflet\.awesome-markers(\.min)?\.js$", "L.AwesomeMarkers"),
    (r"Leaflet\.awesome-markers/[\d.]+/leaflet\.awesome-markers\.css$", None),
    (r"leaflet\.awesome\.rotate(\.min)?\.css$", None),
)

_TAG_RE = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"'](?P<s>[^\"']+)[\"'][^>]*>\s*</script>"
    r"|<link\b[^>]*\bhref\s*=\s*[\"'](?P<l>[^\"']+)[\"'][^>]*?/?>",
    re.IGNORECASE,
)
_EXTERNAL_RE = re.compile(r"^(https?:)?//", re.IGNORECASE)
# other places a page could make a request: src= on any element, CSS url(), tile layers
# (the leading lookahead only lets the scan skip positions that cannot start a match: 3x faster on MB pages)
_OTHER_REQUEST_RE = re.compile(
    r"""(?=[sul])(?:\bsrc\s*=\s*["']|url\(\s*["']?|L\.tileLayer(?:\.wms)?\(\s*["'])(?P<u>(?:https?:)?//[^"')\s]+)""",
    re.IGNORECASE,
)


@cache
def _asset_text(module: str, filename: str) -> str:
    """Read one XStatic file (CSS images inlined as data URIs)."""
    import importlib

    pkg = importlib.import_module(module)
    base = Path(pkg.BASE_DIR)
    text = (base / filename).read_text(encoding="utf-8")
    if filename.endswith(".css"):

        def _data_uri(match: re.Match[str]) -> str:
            ref = match.group(1)
            img = base / ref
            if not img.is_file():
                return match.group(0)
            data = base64.b64encode(img.read_bytes()).decode("ascii")
            return f"url(data:image/png;base64,{data})"

        text = re.sub(r"url\(\s*['\"]?(images/[^'\")]+)['\"]?\s*\)", _data_uri, text)
    return text


def _script_js(html: str) -> str:
    """All inline JavaScript of a page (to check whether a droppable library is used)."""
    return "\n".join(
        m.group(1) for m in _INLINE_SCRIPT_RE.finditer(html)
    )


# an inline script's body up to the first </script> (the unrolled form of a lazy ``(.*?)</script>``: same
# matches, without a lookahead at every character of MB-long data scripts)
_INLINE_SCRIPT_RE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>([^<]*(?:<(?!/script>)[^<]*)*)</script>", re.I)


def inline_assets(html: str, *, allow_urls: Iterable[str] = ()) -> str:
    """Return ``html`` with every CDN asset inlined or dropped.

    Parameters
    ----------
    html
        A rendered page (e.g. ``render_page(m)``).
    allow_urls
        URL prefixes that may stay external (e.g. an online tile server passed as ``tiles=``).

    Returns
    -------
    str
        The self-contained page.

    Raises
    ------
    OfflineAssetError
        If the page references an external URL that is neither inlinable nor droppable (or a
        droppable library that the page's own scripts use); the message names every such URL.
    """
    allowed = tuple(allow_urls)
    inline_js = _script_js(html)
    unknown: list[str] = []

    def _replace(match: re.Match[str]) -> str:
        url = match.group("s") or match.group("l")
        is_script = match.group("s") is not None
        if not _EXTERNAL_RE.match(url) or url.startswith(allowed):
            return match.group(0)
        for pattern, module, filename in INLINE_ASSETS:
            if re.search(pattern, url):
                text = _asset_text(module, filename)
                if is_script:
                    return "<script>" + text.replace("</script", "<\\/script") + "</script>"
                return "<style>" + text.replace("</style", "<\\/style") + "</style>"
        for pattern, global_name in DROPPABLE_ASSETS:
            if re.search(pattern, url):
                if global_name is not None and global_name in inline_js:
                    unknown.append(f"{url} (the page uses {global_name})")
                    return match.group(0)
                return ""
        unknown.append(url)
        return match.group(0)

    out = _TAG_RE.sub(_replace, html)
    for m in _OTHER_REQUEST_RE.finditer(out):
        url = m.group("u")
        if not url.startswith(allowed) and url not in unknown:
            unknown.append(url)
    if unknown:
        raise OfflineAssetError(
            "cannot make the page self-contained: unknown external URL(s): "
            + ", ".join(unknown)
            + ". Add the asset to maps/offline.py INLINE_ASSETS (from an installed XStatic package), "
            "stop using it, or pass it in allow_urls for an online-only map."
        )
    return out


class _LiteralTemplate:
    """Stands in for ``jinja2.Template`` while a page renders: the text is kept as it is.

    branca's ``MacroElement.render`` (and folium's ``Layer``/``Popup`` renders) wrap each
    *rendered* script in ``Element(text)``, which compiles that text as a Jinja2 template a second
    time. The rendered text holds data (village names from OpenStreetMap, scenario titles,
    CSV cells), so ``{{ … }}`` in a name would be evaluated, and ``{{ lipsum.__globals__… }}``
    would run code. While :func:`render_page` runs, ``Element(text)`` keeps ``text`` literally.
    """

    def __init__(self, source: str):
        # like jinja2's default (keep_trailing_newline=False), so pages are byte-identical
        self._source = source[:-1] if source.endswith("\n") else source
        self.module = SimpleNamespace()  # no macros: header/html/script lookups find nothing

    def render(self, *args: Any, **kwargs: Any) -> str:
        """Return the source unchanged."""
        return self._source


@contextmanager
def _rendered_text_is_literal() -> Iterator[None]:
    """Within the block, ``branca.element.Element(text)`` never compiles ``text``."""
    original = branca.element.Template
    branca.element.Template = _LiteralTemplate  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        branca.element.Template = original  # type: ignore[misc]


def render_page(m: folium.Map) -> str:
    """Render the page of ``m`` (its root Figure) without ever compiling data as a template.

    The templates of folium and of :mod:`maps.style` are compiled once, from the library and
    from our code; nothing produced while rendering (which embeds data) is compiled again.
    Every map file and notebook frame is rendered through this function.

    Parameters
    ----------
    m
        The map (or any folium element whose root is a Figure).

    Returns
    -------
    str
        The page's HTML (CDN assets not yet inlined; see :func:`inline_assets`).
    """
    with _rendered_text_is_literal():
        return m.get_root().render()


def write_html(text: str, path: str | os.PathLike[str]) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file + rename) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_offline(
    m: folium.Map, path: str | os.PathLike[str], *, allow_urls: Iterable[str] = ()
) -> Path:
    """Render ``m`` to one self-contained HTML file (no CDN, no tile server) at ``path``.

    Parameters
    ----------
    m
        The map (or any folium element whose root is a Figure).
    path
        Output file; written atomically, parent folders created.
    allow_urls
        URL prefixes allowed to stay external (only for maps meant to be used online).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OfflineAssetError
        See :func:`inline_assets`; nothing is written in that case.
    """
    html = inline_assets(render_page(m), allow_urls=allow_urls)
    out = write_html(html, path)
    logger.info("Wrote offline map %s (%.2f MB)", out, len(html.encode("utf-8")) / 1e6)
    return out
