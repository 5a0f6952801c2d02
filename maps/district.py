"""Printable one-page sheet per district: inline SVG map of the district and its villages + shortlist."""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps.dashboard import page_head, shortlist_table
from maps.i18n import check_lang, span_key, spans, texts
from maps.style import NA_COLOR, VIRIDIS_5, class_edges, classify, name_variants, palette_for, to_wgs84

logger = logging.getLogger(__name__)

SVG_WIDTH_PX = 640
SVG_HEIGHT_PX = 420
SVG_PAD_PX = 12
PRINT_CSS = (
    "@page{size:A4;margin:12mm}"
    "@media print{.sko-lang{display:none}body{margin:0}a{color:#000;text-decoration:none}}"
    "svg{border:1px solid #ccc;background:#fafafa}.sko-svg-label{font:10px sans-serif;fill:#222}"
)


def svg_projector(bounds: tuple[float, float, float, float], *, width: int = SVG_WIDTH_PX,
                  height: int = SVG_HEIGHT_PX, pad: int = SVG_PAD_PX):
    """A function (lon, lat) → (x, y) px: equirectangular scaled by cos(mid-latitude), north up."""
    minx, miny, maxx, maxy = bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    w = max((maxx - minx) * kx, 1e-9)
    h = max(maxy - miny, 1e-9)
    scale = min((width - 2 * pad) / w, (height - 2 * pad) / h)

    def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = pad + (np.asarray(lon) - minx) * kx * scale
        y = height - pad - (np.asarray(lat) - miny) * scale
        return x, y

    return project


def _path(geom: shapely.Geometry, project) -> str:
    parts = []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            x, y = project(xy[:, 0], xy[:, 1])
            parts.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True)) + "Z")
    return "".join(parts)


def district_svg(district_geom: shapely.Geometry, villages: gpd.GeoDataFrame, *, shortlisted: set[str]) -> str:
    """Inline SVG: the district polygon, villages coloured by score class, shortlisted ones labelled."""
    project = svg_projector(tuple(district_geom.bounds))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH_PX}" height="{SVG_HEIGHT_PX}" '
           f'viewBox="0 0 {SVG_WIDTH_PX} {SVG_HEIGHT_PX}" role="img">',
           f'<path d="{_path(district_geom, project)}" fill="#eef2ee" stroke="#444" stroke-width="1.2"/>']
    if len(villages):
        score = (
            villages["housing_score"].astype(float)
            if "housing_score" in villages.columns
            else pd.Series(np.nan, index=villages.index)
        )
        edges = class_edges(score)
        pal = palette_for(max(len(edges) - 1, 1), palette=VIRIDIS_5)
        k = classify(score, edges)
        x, y = project(villages.geometry.x.to_numpy(), villages.geometry.y.to_numpy())
        for i, (_, r) in enumerate(villages.iterrows()):
            col = pal[k[i]] if k[i] >= 0 else NA_COLOR
            sid = str(r.get("settlement_id", ""))
            big = sid in shortlisted
            out.append(f'<circle cx="{x[i]:.1f}" cy="{y[i]:.1f}" r="{6 if big else 3.5}" fill="{col}" '
                       f'stroke="{"#d55e00" if big else "#333"}" stroke-width="{2 if big else 0.6}"/>')
            if big:
                names = name_variants(r)
                for lang, nm in names.items():
                    out.append(f'<text class="sko-svg-label lang-{lang}" x="{x[i] + 8:.1f}" y="{y[i] + 3:.1f}">'
                               f"{html.escape(nm)}</text>")
    out.append("</svg>")
    return "".join(out)


def district_sheet_html(
    district_row: Mapping[str, Any] | pd.Series,
    settlements: gpd.GeoDataFrame,
    shortlist: pd.DataFrame,
    *,
    lang: str = "ru",
) -> str:
    """One printable page for a district: its map (inline SVG) and its shortlist.

    Parameters
    ----------
    district_row
        One boundaries row (``district_id``, ``name_kk/ru/en``, ``geometry`` in EPSG:4326).
    settlements
        Settlements (those with this ``district_id`` are drawn).
    shortlist
        Shortlist rows (those with this ``district_id`` are listed).
    lang
        Default language.
    """
    check_lang(lang)
    did = str(district_row.get("district_id"))
    s = to_wgs84(settlements, what="settlements")
    vill = s[s["district_id"].astype(str) == did] if "district_id" in s.columns else s.iloc[0:0]
    sl = shortlist[shortlist["district_id"].astype(str) == did] if "district_id" in shortlist.columns else shortlist
    short_ids = set(sl["settlement_id"].astype(str)) if "settlement_id" in sl.columns else set()
    name = {k: str(district_row.get(f"name_{k}") or district_row.get("name_ru") or did) for k in ("kk", "ru", "en")}
    title = {k: f"{texts('district_sheet_title')[k]}: {name[k]}" for k in name}
    parts = [page_head(title, lang=lang, print_css=PRINT_CSS), f"<h1>{spans(title)}</h1>"]
    parts.append(district_svg(district_row["geometry"], vill, shortlisted=short_ids))
    parts.append(f"<h2>{span_key('shortlist')}</h2>{shortlist_table(sl)}")
    parts.append("</body></html>")
    logger.info("District sheet %s: %d villages, %d shortlisted", did, len(vill), len(sl))
    return "".join(parts)
