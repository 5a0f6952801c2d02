"""Dairy map: candidate sites by score, chosen farms, processors, labour catchments, the joint plan.

``plan`` (as in plan.json): ``{"farms": [site_id, ...], "housing": [settlement_id, ...],
"commutes": [{"settlement_id": ..., "site_id": ..., "minutes": ...}, ...]}``; housing villages and
commute lines need ``housing`` (the settlements GeoDataFrame) to place them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from maps.housing import DEFAULT_ATTRIBUTION, add_districts, add_roads, search_names, village_tooltip
from maps.i18n import check_lang, criterion_texts, span_key, spans, texts
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
    edge_labels,
    esc,
    feature_collection,
    name_variants,
    new_map,
    palette_for,
    require_columns,
    to_wgs84,
)

logger = logging.getLogger(__name__)

SELECTED_COLOR = "#d55e00"
PROCESSOR_COLOR = "#0072b2"
HOUSING_COLOR = "#cc79a7"
COMMUTE_COLOR = "#cc79a7"
CATCHMENT_COLORS: dict[int, str] = {30: CIVIDIS_5[4], 45: CIVIDIS_5[2]}


def _f(v: Any, d: int = 0) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "—"
    return "—" if math.isnan(x) else f"{x:,.{d}f}".replace(",", " ")


def site_popup(row: Mapping[str, Any]) -> str:
    """Escaped trilingual popup of one candidate site."""
    rows = [
        (span_key("dairy_score"), f"<b>{_f(row.get('dairy_score'), 1)}</b>"),
        (span_key("dairy_rank"), f'<b class="sko-rank">{_f(row.get("dairy_rank"))}</b>'),
    ]
    if bool(row.get("selected")):
        rows.append((span_key("selected"), "✔"))
    for col in ("labour_pool_30min", "labour_pool_45min", "tt_milk_processor_min", "tt_milk_processor_min_winter"):
        if col in row:
            rows.append((spans(criterion_texts(col)), _f(row.get(col))))
    for col, v in row.items():
        if str(col).startswith("contrib_"):
            rows.append((spans(criterion_texts(str(col)[8:])) + " (+)", _f(v, 1)))
    body = "".join(f"<tr><th>{a}</th><td>{b}</td></tr>" for a, b in rows)
    return f'<div class="sko-pop"><h4>{spans(name_variants(row))}</h4><table>{body}</table></div>'


def dairy_map(
    candidates: gpd.GeoDataFrame,
    *,
    plan: Mapping[str, Any] | None = None,
    processors: gpd.GeoDataFrame | None = None,
    catchments: gpd.GeoDataFrame | None = None,
    housing: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    lang: str = "ru",
    sample: bool = False,
    attribution: str = DEFAULT_ATTRIBUTION,
    tiles: str | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Candidate dairy sites by score, chosen farms, processors, catchments and commutes.

    Parameters
    ----------
    candidates
        Candidate table (``site_id``, ``dairy_score`` required; ``name``, ``dairy_rank``,
        ``selected``, ``labour_pool_*``, ``tt_milk_processor_min*``, ``contrib_*`` optional).
    plan
        Joint plan (see module doc); its ``farms`` override ``selected``.
    processors
        Milk processors (facilities schema).
    catchments
        30/45-min labour catchment polygons: ``site_id``, ``minutes``, geometry.
    housing
        Settlements (to place the plan's housing villages and commute lines).
    districts, roads
        Context layers.
    lang, sample, attribution, tiles, m
        As in :func:`maps.housing.housing_map`.

    Returns
    -------
    folium.Map

    Raises
    ------
    MissingColumnError
        If ``site_id`` or ``dairy_score`` is missing from ``candidates`` (or ``minutes`` from
        ``catchments``).
    CRSError
        If a layer has no CRS.
    """
    check_lang(lang)
    require_columns(candidates, ["site_id", "dairy_score"], what="dairy candidates",
                    hint="Run the dairy siting (geo.siting) before mapping.")
    c = to_wgs84(candidates, what="dairy candidates").reset_index(drop=True)
    if m is None:
        m = new_map([c, housing], tiles=tiles, attribution=attribution)
    if districts is not None:
        add_districts(m, districts)
    if roads is not None:
        add_roads(m, roads, show=False)
    selected = c["selected"].fillna(False).astype(bool) if "selected" in c.columns else pd.Series(False, index=c.index)
    if plan and plan.get("farms"):
        selected = c["site_id"].astype(str).isin([str(s) for s in plan["farms"]])
    if catchments is not None:
        require_columns(catchments, ["minutes"], what="catchments", hint="Expected site_id, minutes, geometry.")
        cat = to_wgs84(catchments, what="catchments")
        for minutes in sorted(pd.unique(cat["minutes"]), reverse=True):
            sub = cat[cat["minutes"] == minutes].reset_index(drop=True)
            color = CATCHMENT_COLORS.get(int(minutes), CIVIDIS_5[1])
            tips = [esc(f"{sid}: {int(minutes)}") + " " + span_key("minutes") for sid in sub.get("site_id", [""] * len(sub))]
            data = GeoData(feature_collection(sub, {"_tip": tips})).add_to(m)
            layer = DataLayer(data, name=span_key("layer_catchment", {"n": int(minutes)}),
                              options={"kind": "polygon", "color": color, "fill_opacity": 0.2, "weight": 1}).add_to(m)
            Legend(layer, title=texts("layer_catchment", {"n": int(minutes)}), colors=[color],
                   labels=[texts("layer_catchment", {"n": int(minutes)})], shape="square").add_to(m)
    records = c.drop(columns="geometry").to_dict("records")
    edges = class_edges(c["dairy_score"].astype(float))
    palette = palette_for(max(len(edges) - 1, 1), palette=VIRIDIS_5)
    props = {
        "_id": c["site_id"].astype(str).tolist(),
        "_popup": [site_popup({**r, "selected": bool(s)}) for r, s in zip(records, selected, strict=True)],
        "_tip": [village_tooltip(r) for r in records],
        "_names": [search_names(r) for r in records],
        "k_score": classify(c["dairy_score"].astype(float), edges),
        "_sel": selected.tolist(),
    }
    data = GeoData(feature_collection(c, props)).add_to(m)
    cand = DataLayer(data, name=span_key("layer_candidates"),
                     options={"kind": "point", "key": "score", "palette": palette, "na": NA_COLOR, "radius": 7,
                              "search": True}).add_to(m)
    Legend(cand, title=texts("dairy_score"), colors=palette, labels=edge_labels(edges, decimals=1)).add_to(m)
    sel = DataLayer(data, name=span_key("layer_selected"),
                    options={"kind": "point", "color": SELECTED_COLOR, "stroke": SELECTED_COLOR, "only": "_sel",
                             "radius": 11, "fill_opacity": 0.0, "weight": 3}).add_to(m)
    Legend(sel, title=texts("layer_selected"), colors=[SELECTED_COLOR], labels=[texts("selected")]).add_to(m)
    if processors is not None:
        p = to_wgs84(processors, what="processors").reset_index(drop=True)
        if "kind" in p.columns:
            p = p[p["kind"].astype(str) == "milk_processor"].reset_index(drop=True)
        pops = []
        for _, r in p.iterrows():
            src = esc(r.get("source"))
            flag = f' <span class="sko-flag">({span_key("proxy")})</span>' if src == "proxy" else ""
            pops.append(f'<div class="sko-pop"><h4>{esc(r.get("name"))}</h4>{span_key("employer")}: '
                        f'{esc(r.get("name"))}<br>{span_key("source")}: {src}{flag}</div>')
        pdata = GeoData(feature_collection(p, {"_popup": pops, "_tip": [esc(n) for n in p.get("name", [""] * len(p))],
                                               "_proxy": [s == "proxy" for s in p.get("source", [""] * len(p))]}))
        pdata.add_to(m)
        pl = DataLayer(pdata, name=span_key("layer_processors"),
                       options={"kind": "point", "color": PROCESSOR_COLOR, "radius": 7, "proxy_prop": "_proxy"}).add_to(m)
        Legend(pl, title=texts("layer_processors"), colors=[PROCESSOR_COLOR], labels=[texts("layer_processors")]).add_to(m)
    if plan and housing is not None:
        h = to_wgs84(housing, what="housing settlements").reset_index(drop=True)
        ids = [str(x) for x in plan.get("housing", [])]
        hv = h[h["settlement_id"].astype(str).isin(ids)].reset_index(drop=True)
        if len(hv):
            recs = hv.drop(columns="geometry").to_dict("records")
            hdata = GeoData(feature_collection(hv, {
                "_id": hv["settlement_id"].astype(str).tolist(),
                "_tip": [village_tooltip(r) for r in recs],
                "_names": [search_names(r) for r in recs],
                "_popup": [f'<div class="sko-pop"><h4>{spans(name_variants(r))}</h4>{span_key("layer_plan_housing")}</div>'
                           for r in recs],
            })).add_to(m)
            hl = DataLayer(hdata, name=span_key("layer_plan_housing"),
                           options={"kind": "point", "color": HOUSING_COLOR, "radius": 6, "search": True}).add_to(m)
            Legend(hl, title=texts("layer_plan_housing"), colors=[HOUSING_COLOR],
                   labels=[texts("layer_plan_housing")]).add_to(m)
        site_pt = dict(zip(c["site_id"].astype(str), c.geometry, strict=True))
        village_pt = dict(zip(h["settlement_id"].astype(str), h.geometry, strict=True))
        lines, tips = [], []
        for link in plan.get("commutes", []):
            a = village_pt.get(str(link.get("settlement_id")))
            b = site_pt.get(str(link.get("site_id")))
            if a is None or b is None:
                logger.warning("Commute link %s skipped: settlement or site not on the map", link)
                continue
            lines.append(LineString([a, b]))
            tips.append(f"{_f(link.get('minutes'))} " + span_key("minutes"))
        if lines:
            lg = gpd.GeoDataFrame({"geometry": lines}, crs="EPSG:4326")
            ldata = GeoData(feature_collection(lg, {"_tip": tips})).add_to(m)
            ll = DataLayer(ldata, name=span_key("layer_commutes"),
                           options={"kind": "line", "color": COMMUTE_COLOR, "weight": 2, "dash": True}).add_to(m)
            Legend(ll, title=texts("layer_commutes"), colors=[COMMUTE_COLOR], labels=[texts("layer_commutes")],
                   shape="line").add_to(m)
    add_page_ui(m, lang=lang, title=texts("dairy_title"), sample=sample, attribution=attribution)
    logger.info("Dairy map: %d candidate sites, %d chosen", len(c), int(selected.sum()))
    return m
