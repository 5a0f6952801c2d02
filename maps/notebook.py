"""Show an offline map inside a Jupyter notebook (no CDN, no internet)."""

from __future__ import annotations

import html

import folium

from maps.offline import inline_assets, render_page

#: Height of the map frame in the notebook (px).
FRAME_HEIGHT = 520


def show(m: folium.Map, *, height: int = FRAME_HEIGHT) -> object:
    """Return an IPython HTML object with the map's self-contained page in an iframe.

    Parameters
    ----------
    m
        A folium map built by :mod:`maps`.
    height
        Frame height in pixels.

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML

    page = inline_assets(render_page(m))
    return HTML(
        f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:{int(height)}px;border:0" '
        'sandbox="allow-scripts"></iframe>'
    )
