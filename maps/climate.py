"""Climate map: raster(s) as colour-classed image overlays, hazard and flood layers of villages.

Rasters are GeoTIFF paths (band 1, read with rasterio) or ``(array, bounds[, name])`` with
``bounds = (west, south, east, north)`` in degrees. They must be in EPSG:4326; Leaflet stretches
the lon/lat grid onto Web Mercator, a display approximation of under a pixel at region scale.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import CRSError, MissingFileError, ValueParseError
from maps.context import DEFAULT_ATTRIBUTION, add_districts, add_orientation, add_village_labels
from maps.i18n import LANGS, check_lang, criterion_texts, labelled_texts, span_key, spans, texts
from maps.popup import search_names
from maps.style import (
    CIVIDIS_5,
    NA_COLOR,
    VIRIDIS_5,
    DataLayer,
    GeoData,
    Legend,
    add_page_ui,
    class_edges,
    classify,
    compact_html,
    edge_labels,
    feature_collection,
    name_variants,
    new_map,
    palette_for,
    to_wgs84,
)

logger = logging.getLogger(__name__)

RasterInput = str | os.PathLike[str] | tuple[Any, ...]
RASTER_OPACITY = 0.7
FLOOD_COLORS: tuple[str, str] = ("#0072b2", "#e0e0e0")  # flooded, not flooded
ORDER_VILLAGES = 0  # layer-control order: village layers, then rasters, then districts
ORDER_RASTERS = 10


def _hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def read_raster(item: RasterInput) -> tuple[np.ndarray, tuple[float, float, float, float], str]:
    """``(values, (west, south, east, north), name)`` of one raster input (nodata → NaN).

    Raises
    ------
    MissingFileError
        If a path does not exist.
    CRSError
        If the GeoTIFF has no CRS or one other than EPSG:4326.
    ValueParseError
        If an array input is not 2-D or its bounds are not 4 numbers.
    """
    if isinstance(item, tuple):
        arr = np.asarray(item[0], dtype=float)
        if arr.ndim != 2:
            raise ValueParseError(f"climate raster array: expected a 2-D array, got shape {arr.shape}.")
        if len(item[1]) != 4:
            raise ValueParseError(
                f"climate raster bounds: expected (west, south, east, north), got {item[1]!r}."
            )
        name = str(item[2]) if len(item) > 2 else "raster"
        return arr, tuple(float(b) for b in item[1]), name  # type: ignore[return-value]
    import rasterio

    path = Path(item)
    if not path.is_file():
        raise MissingFileError(f"{path}: climate raster not found. Check [climate] raster in the config.")
    with rasterio.open(path) as src:
        if src.crs is None or src.crs.to_epsg() != 4326:
            raise CRSError(
                f"{path}: raster CRS is {src.crs} but the map needs EPSG:4326. "
                "Reproject it (gdalwarp -t_srs EPSG:4326) first."
            )
        arr = src.read(1, masked=True).astype(float).filled(np.nan)
        b = src.bounds
        name = src.descriptions[0] or path.stem
    return arr, (b.left, b.bottom, b.right, b.top), name


def approximation_text(item: Mapping[str, str] | str) -> dict[str, str]:
    """Trilingual banner text of one approximation (a run.json record, a {kk, ru, en} dict or a str)."""
    if isinstance(item, str):
        return {lang: item for lang in LANGS}
    if all(k in item for k in LANGS):
        return labelled_texts({lang: str(item[lang]) for lang in LANGS})
    if all(f"rule_{k}" in item for k in LANGS):
        return labelled_texts({lang: str(item[f"rule_{lang}"]) for lang in LANGS})
    body = ": ".join(str(item[k]) for k in ("what", "rule") if item.get(k))
    return {lang: f"{texts('approximation')[lang]} — {body}" for lang in LANGS}


def raster_rgba(values: np.ndarray, edges: Sequence[float], palette: Sequence[str]) -> np.ndarray:
    """RGBA uint8 image of ``values`` classed by ``edges``; missing cells transparent."""
    k = classify(values.ravel(), edges).reshape(values.shape)
    out = np.zeros((*values.shape, 4), dtype=np.uint8)
    for i, col in enumerate(palette):
        out[k == i, :3] = _hex_rgb(col)
        out[k == i, 3] = 255
    return out


def climate_map(
    rasters: Sequence[RasterInput],
    *,
    settlements: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    orientation: gpd.GeoDataFrame | None = None,
    lang: str = "ru",
    sample: bool = False,
    attribution: str = DEFAULT_ATTRIBUTION,
    opacity: float = RASTER_OPACITY,
    approximations: Sequence[Mapping[str, str] | str] = (),
    tiles: str | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Climate rasters as classed image overlays (5 quantile classes, cividis) with legends.

    Villages add a winter-hazard layer (``winter_risk``) and a 2024-flood layer
    (``flooded_2024``) when those columns exist.

    Parameters
    ----------
    rasters
        GeoTIFF paths or ``(array, bounds[, name])`` tuples (see module doc).
    settlements
        Settlements with climate columns (optional).
    districts
        District boundaries (optional).
    orientation
        Rivers, lakes and rail lines (optional, :func:`maps.context.add_orientation`).
    lang, sample, attribution, tiles, m
        As in :func:`maps.housing.housing_map`.
    opacity
        Raster overlay opacity.
    approximations
        How the rasters/values were approximated, shown as a banner and under each raster
        legend: ``{"what", "rule"}`` dicts as in ``run.json`` (``approximations``), trilingual
        ``{"kk", "ru", "en"}`` dicts, or plain strings.
    """
    check_lang(lang)
    s = to_wgs84(settlements, what="settlements").reset_index(drop=True) if settlements is not None else None
    layers_in = [read_raster(r) for r in rasters]
    if m is None:
        frames = [s, to_wgs84(districts, what="districts") if districts is not None else None]
        if not any(f is not None for f in frames) and layers_in:
            w, so, e, n = layers_in[0][1]
            m = new_map([gpd.GeoDataFrame(geometry=gpd.points_from_xy([w, e], [so, n]), crs=4326)], tiles=tiles)
        else:
            m = new_map(frames, tiles=tiles, attribution=attribution)
    if districts is not None:
        add_districts(m, districts)
    add_orientation(m, orientation)
    notes = [approximation_text(a) for a in approximations]
    for i, (arr, (w, so, e, n), name) in enumerate(layers_in):
        edges = class_edges(arr.ravel())
        palette = palette_for(max(len(edges) - 1, 1), palette=CIVIDIS_5)
        label = criterion_texts(name)
        overlay = folium.raster_layers.ImageOverlay(
            image=raster_rgba(arr, edges, palette), bounds=[[so, w], [n, e]], opacity=opacity,
            name=spans(label), mercator_project=False, show=i == 0,
            pane="tilePane",  # under the village points and district outlines, whatever is toggled
        )
        overlay.add_to(m)
        # our own attribute on folium's layer, read by OrderedLayerControl
        overlay.control_order = ORDER_RASTERS + i  # type: ignore[attr-defined]
        overlay.control_group = "other"  # type: ignore[attr-defined]
        Legend(overlay, title=label, colors=palette, labels=edge_labels(edges, decimals=1), shape="square",
               notes=notes).add_to(m)
    if s is not None and len(s):
        recs = s.drop(columns="geometry").to_dict("records")
        base: dict[str, Any] = {
            "_id": [str(r.get("settlement_id", j)) for j, r in enumerate(recs)],
            "_names": [search_names(r) for r in recs],  # also the tooltip (built in the page)
        }
        pops = []
        for r in recs:
            rows = [f"<h4>{spans(name_variants(r))}</h4>"]
            for col in ("winter_risk", "winter_snowload", "winter_blizzard", "swe_mar_mm", "elev_above_river_m"):
                v = r.get(col)
                if col in r and v is not None and not pd.isna(v):
                    rows.append(f"{spans(criterion_texts(col))}: {float(v):.1f}")
            if "flooded_2024" in r:
                v = r.get("flooded_2024")
                key = "no_data" if v is None or pd.isna(v) else ("flooded" if float(v) > 0 else "not_flooded")
                rows.append(f"{spans(criterion_texts('flooded_2024'))}: {span_key(key)}")
            pops.append('<div class="sko-pop">' + "<br>".join(rows) + "</div>")
        base["_popup"], labels = compact_html(pops)
        risk_edges: list[float] = []
        if "winter_risk" in s.columns:
            risk_edges = class_edges(s["winter_risk"].astype(float), method="equal")
            base["k_risk"] = classify(s["winter_risk"].astype(float), risk_edges)
        if "flooded_2024" in s.columns:
            fl = s["flooded_2024"].astype(float)
            base["k_flood"] = np.where(fl > 0, 0, np.where(fl == 0, 1, -1))
        data = GeoData(feature_collection(s, base), labels=labels).add_to(m)  # shared by both layers
        searchable = True
        if "winter_risk" in s.columns:
            pal = palette_for(max(len(risk_edges) - 1, 1), palette=VIRIDIS_5)
            hl = DataLayer(data, name=span_key("layer_hazard"),
                           options={"kind": "point", "key": "risk", "palette": pal, "na": NA_COLOR, "radius": 6,
                                    "search": searchable}, order=ORDER_VILLAGES).add_to(m)
            Legend(hl, title=texts("layer_hazard"), colors=pal, labels=edge_labels(risk_edges)).add_to(m)
            searchable = False
        if "flooded_2024" in s.columns:
            fla = DataLayer(data, name=span_key("layer_flood"),
                            options={"kind": "point", "key": "flood", "palette": list(FLOOD_COLORS), "na": NA_COLOR,
                                     "radius": 5, "search": searchable},
                            show=False, order=ORDER_VILLAGES + 1).add_to(m)
            Legend(fla, title=texts("layer_flood"), colors=[*FLOOD_COLORS, NA_COLOR],
                   labels=[texts("flooded"), texts("not_flooded"), texts("no_data")]).add_to(m)
    if s is not None and len(s):
        add_village_labels(m, s)
    add_page_ui(m, lang=lang, title=texts("climate_title"), sample=sample, attribution=attribution, banners=notes)
    logger.info("Climate map: %d raster(s)", len(layers_in))
    return m
