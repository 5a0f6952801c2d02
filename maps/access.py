"""Access map: minutes to services per season, as village colours and isochrone polygons.

Each ``tt_<kind>_min[_<season>]`` column becomes one radio-button (base) layer, so service and
season are switched in the layer control; isochrones (``centre_id``, ``minutes``, ``season``,
geometry) are one overlay per season.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from maps.context import (
    DEFAULT_ATTRIBUTION,
    RoadLayer,
    add_districts,
    add_orientation,
    add_roads,
    add_village_labels,
)
from maps.i18n import check_lang, kind_texts, season_texts, span_key, spans, texts, texts_with
from maps.popup import SEASONS, approx_notes, search_names, travel_columns, village_popup
from maps.style import (
    CONTEXT_PANE,
    MINUTE_EDGES,
    NA_COLOR,
    VIRIDIS_5,
    DataLayer,
    GeoData,
    Legend,
    add_page_ui,
    classify,
    compact_html,
    edge_labels,
    feature_collection,
    new_map,
    palette_for,
    radius_px,
    require_columns,
    to_wgs84,
)

logger = logging.getLogger(__name__)

ACCESS_KINDS: tuple[str, ...] = ("hospital", "school", "district_centre", "clinic", "kindergarten")


def _proxy_notes(df: pd.DataFrame, kind: str) -> list[dict[str, str]]:
    """A trilingual note when the facilities of ``kind`` are proxies (``facilities_source`` column)."""
    if "facilities_source" not in df.columns:
        return []
    sources = " ".join(df["facilities_source"].dropna().astype(str).unique())
    if f"{kind}: proxy" not in sources and not re.search(rf"{kind}: [^;]*proxy", sources):
        return []
    return [texts_with("proxy_kind_note", "kind", kind_texts(kind))]


def access_map(
    settlements: gpd.GeoDataFrame,
    *,
    isochrones: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | RoadLayer | None = None,
    orientation: gpd.GeoDataFrame | None = None,
    lang: str = "ru",
    sample: bool = False,
    kinds: tuple[str, ...] = ACCESS_KINDS,
    minute_edges: tuple[float, ...] = MINUTE_EDGES,
    attribution: str = DEFAULT_ATTRIBUTION,
    tiles: str | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Villages coloured by minutes to each service in each season (switchable), plus isochrones.

    Parameters
    ----------
    settlements
        Settlements with ``name`` and ``tt_<kind>_min[_winter|_thaw]`` columns.
    isochrones
        Polygons ``centre_id``, ``minutes``, ``season`` (summer/winter/thaw).
    districts, roads
        Context layers.
    kinds
        Service kinds to show (those with columns present), in this order.
    minute_edges
        Class edges in minutes (colour-blind-safe viridis, short = bright).
    lang, sample, attribution, tiles, m
        As in :func:`maps.housing.housing_map`.

    Raises
    ------
    MissingColumnError
        If ``name`` or every travel-time column of ``kinds`` is missing.
    """
    check_lang(lang)
    require_columns(settlements, ["name"], what="settlements", hint="Load it with layers.settlements.")
    s = to_wgs84(settlements, what="settlements").reset_index(drop=True)
    tt = {k: v for k, v in travel_columns(s).items() if k in kinds}
    if not tt:
        require_columns(s, [f"tt_{k}_min" for k in kinds], what="settlements",
                        hint="Compute travel times (geo.access) before mapping.")
    if m is None:
        m = new_map([s], tiles=tiles, attribution=attribution)
    if districts is not None:
        add_districts(m, districts)
    add_orientation(m, orientation)
    if roads is not None:
        add_roads(m, roads)
    add_village_labels(m, s)
    edges = list(minute_edges)
    palette = palette_for(len(edges) - 1, palette=VIRIDIS_5, reverse=True)
    records = s.drop(columns="geometry").to_dict("records")
    props: dict[str, Any] = {
        "_id": [str(r.get("settlement_id", i)) for i, r in enumerate(records)],
        "_popup": [village_popup(r, tt_cols=tt) for r in records],
        "_names": [search_names(r) for r in records],  # also the tooltip (built in the page)
        "_r": radius_px(s["population"]) if "population" in s.columns else [6.0] * len(s),
    }
    for cols in tt.values():
        for col in cols.values():
            props[f"k_{col}"] = classify(s[col].astype(float), edges)
    props["_popup"], popup_labels = compact_html(props["_popup"])
    data = GeoData(feature_collection(s, props), labels=popup_labels).add_to(m)
    notes = approx_notes(s)
    labels = edge_labels(edges)
    first = True
    for kind in [k for k in kinds if k in tt]:
        for season in SEASONS:
            tt_col = tt[kind].get(season)
            if tt_col is None:
                continue
            name = {lang_: f"{kind_texts(kind)[lang_]}, {season_texts(season)[lang_]}" for lang_ in ("kk", "ru", "en")}
            layer = DataLayer(
                data, name=spans(name), overlay=False, show=first,
                options={"kind": "point", "key": tt_col, "palette": palette, "na": NA_COLOR, "search": True},
            ).add_to(m)
            title = {k: f"{texts('legend_minutes')[k]}: {v}" for k, v in name.items()}
            Legend(layer, title=title, colors=[*palette, NA_COLOR], labels=[*labels, texts("unreachable")],
                   notes=notes + _proxy_notes(s, kind)).add_to(m)
            first = False
    if isochrones is not None:
        require_columns(
            isochrones, ["minutes"], what="isochrones", hint="Expected centre_id, minutes, season, geometry."
        )
        iso = to_wgs84(isochrones, what="isochrones")
        if "season" not in iso.columns:
            iso = iso.assign(season="summer")
        for season in [x for x in SEASONS if x in set(iso["season"])]:
            sub = iso[iso["season"] == season].sort_values("minutes", ascending=False).reset_index(drop=True)
            k = classify(sub["minutes"].astype(float), edges)
            colors = [palette[i] if i >= 0 else NA_COLOR for i in k]
            tips = [f"{int(mi)} " + span_key("minutes") for mi in sub["minutes"]]
            idata = GeoData(feature_collection(sub, {"_c": colors, "_tip": tips})).add_to(m)
            il = DataLayer(idata, name=spans(texts_with("layer_isochrones", "s", season_texts(season))),
                           options={"kind": "polygon", "color_prop": "_c", "fill_opacity": 0.25, "weight": 1,
                                    "pane": CONTEXT_PANE},
                           show=False).add_to(m)
            used = sorted(set(int(i) for i in k if i >= 0))
            Legend(il, title=texts_with("layer_isochrones", "s", season_texts(season)),
                   colors=[palette[i] for i in used], labels=[labels[i] for i in used], shape="square").add_to(m)
    add_page_ui(m, lang=lang, title=texts("access_title"), sample=sample, attribution=attribution, banners=notes)
    logger.info("Access map: %d villages, %d service layers", len(s), sum(len(v) for v in tt.values()))
    return m
