"""Dairy map: candidate sites by score, chosen farms, processors, labour catchments, the joint plan.

``plan`` (as in plan.json): ``{"farms": [site_id, ...], "housing": [settlement_id, ...],
"commutes": [{"settlement_id": ..., "site_id": ..., "minutes": ...}, ...]}``; housing villages and
commute lines need ``housing`` (the settlements GeoDataFrame) to place them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from maps.context import DEFAULT_ATTRIBUTION, ORDER_RESULT, RoadLayer, add_districts, add_roads, add_village_labels
from maps.i18n import check_lang, criterion_texts, phrase_texts, span_key, spans, texts, value_texts
from maps.popup import approx_notes, contribution_bars, criteria_of, reason_list, search_names, tri_text
from maps.style import (
    CIVIDIS_5,
    CONTEXT_PANE,
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
RING_PANE = "skoRings"  # plan housing rings: above context polygons, below the candidate points
RING_PANE_Z = 390
INDICATOR_COLUMNS: tuple[str, ...] = (
    "labour_pool_30min", "labour_pool_45min", "labour_pool_30min_winter", "tt_milk_processor_min",
    "tt_milk_processor_min_winter", "dist_to_river_km",
)


def _f(v: Any, d: int = 0) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "—"
    return "—" if math.isnan(x) else f"{x:,.{d}f}".replace(",", " ")


def site_popup(
    row: Mapping[str, Any],
    *,
    criteria: Sequence[str] = (),
    contrib_max: float = 1.0,
) -> str:
    """Escaped trilingual popup of one candidate site.

    Shows name, district, score and ranks (oblast, district), chosen/excluded, the key
    indicators, a bar per criterion's contribution, the reasons for/against
    (``dairy_reasons_for`` / ``dairy_reasons_against`` with ``_kk/_ru/_en``) and the data flags
    (``dairy_data_flags``, a ``labour_pool_source`` proxy).

    Parameters
    ----------
    row
        One candidate row (column → value).
    criteria
        Criterion names whose ``contrib_<c>`` are drawn as bars.
    contrib_max
        The largest absolute contribution on the map (bar length 100 %).
    """
    parts = ['<div class="sko-pop">', f"<h4>{spans(name_variants(row))}</h4>"]
    rows = []
    dist = {"kk": row.get("district_kk") or row.get("district"), "ru": row.get("district"),
            "en": row.get("district_en") or row.get("district")}
    if any(isinstance(v, str) and v for v in dist.values()):
        rows.append((span_key("district"), spans({k: str(v or "") for k, v in dist.items()})))
    excluded = tri_text(row, "dairy_excluded")
    if excluded is None:
        rows.append((span_key("dairy_score"), f"<b>{_f(row.get('dairy_score'), 1)}</b>"))
        rows.append((span_key("rank_oblast"), f'<b class="sko-rank">{_f(row.get("dairy_rank"))}</b>'))
        if "dairy_rank_district" in row:
            rows.append((span_key("rank_district"), f"<b>{_f(row.get('dairy_rank_district'))}</b>"))
    if bool(row.get("selected")):
        rows.append((span_key("selected"), "✔"))
    for col in INDICATOR_COLUMNS:
        if col in row:
            rows.append((spans(criterion_texts(col)), _f(row.get(col), 1 if col.endswith("_km") else 0)))
    parts.append("<table>" + "".join(f"<tr><th>{a}</th><td>{b}</td></tr>" for a, b in rows) + "</table>")
    if excluded is not None:
        parts.append(f'<div class="sko-excluded">{span_key("excluded")}: {spans(excluded)}</div>')
    parts.append(contribution_bars(row, criteria, contrib_max=contrib_max))
    for key, col in (("reasons_for", "dairy_reasons_for"), ("reasons_against", "dairy_reasons_against")):
        variants = tri_text(row, col)
        if variants:
            parts.append(f"<div><b>{span_key(key)}</b>{reason_list(variants)}</div>")
    flags = tri_text(row, "dairy_data_flags")
    src = row.get("labour_pool_source")
    proxy = isinstance(src, str) and src.startswith("proxy")
    if flags or proxy:
        note = phrase_texts(str(src)) if proxy else None
        extra = (f'<br>{span_key("labour_pool")}: {span_key("proxy")}' + (f" ({spans(note)})" if note else "")
                 if proxy else "")
        parts.append(f'<div class="sko-flag-box"><b>{span_key("data_quality")}</b>{extra}'
                     f'{reason_list(flags) if flags else ""}</div>')
    parts.append("</div>")
    return "".join(parts)


def plan_village_popup(
    row: Mapping[str, Any], commutes: Sequence[Mapping[str, Any]], sites: Mapping[str, Mapping[str, Any]]
) -> str:
    """Popup of a housing village of the joint plan: its housing rank and its commutes to farms."""
    rows = [f"<h4>{spans(name_variants(row))}</h4>", f"<div>{span_key('layer_plan_housing')}</div>"]
    if "housing_rank" in row:
        rows.append(f'<div>{span_key("rank_oblast")}: <b class="sko-rank">{_f(row.get("housing_rank"))}</b></div>')
    sid = str(row.get("settlement_id"))
    links = [c for c in commutes if str(c.get("settlement_id")) == sid]
    if links:
        items = "".join(
            f"<li>{spans(name_variants(sites.get(str(c.get('site_id')), {'name': str(c.get('site_id'))})))}: "
            f"{_f(c.get('minutes'))} {span_key('minutes')}</li>"
            for c in links
        )
        rows.append(f"<div><b>{span_key('layer_commutes')}</b><ul>{items}</ul></div>")
    return '<div class="sko-pop">' + "".join(rows) + "</div>"


def dairy_map(
    candidates: gpd.GeoDataFrame,
    *,
    plan: Mapping[str, Any] | None = None,
    processors: gpd.GeoDataFrame | None = None,
    catchments: gpd.GeoDataFrame | None = None,
    housing: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | RoadLayer | None = None,
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
        add_roads(m, roads)
    add_village_labels(m, c, order_by="dairy_score")  # every candidate village, best sites first
    selected = c["selected"].fillna(False).astype(bool) if "selected" in c.columns else pd.Series(False, index=c.index)
    if plan and plan.get("farms"):
        selected = c["site_id"].astype(str).isin([str(s) for s in plan["farms"]])
    if catchments is not None:
        require_columns(catchments, ["minutes"], what="catchments", hint="Expected site_id, minutes, geometry.")
        cat = to_wgs84(catchments, what="catchments")
        min_minutes = int(cat["minutes"].min()) if len(cat) else 0  # only the shortest catchment shown at start
        for minutes in sorted(pd.unique(cat["minutes"]), reverse=True):
            sub = cat[cat["minutes"] == minutes].reset_index(drop=True)
            color = CATCHMENT_COLORS.get(int(minutes), CIVIDIS_5[1])
            site_names = {str(k): name_variants(r) for k, r in zip(c["site_id"].astype(str),
                                                                    c.drop(columns="geometry").to_dict("records"),
                                                                    strict=True)}
            tips = [
                spans(site_names.get(str(sid), {"kk": str(sid), "ru": str(sid), "en": str(sid)}))
                + f": {int(minutes)} " + span_key("minutes")
                for sid in sub.get("site_id", [""] * len(sub))
            ]
            data = GeoData(feature_collection(sub, {"_tip": tips})).add_to(m)
            layer = DataLayer(data, name=span_key("layer_catchment", {"n": int(minutes)}),
                              options={"kind": "polygon", "color": color, "fill_opacity": 0.2, "weight": 1,
                                       "pane": CONTEXT_PANE},
                              order=ORDER_RESULT + 10 + int(minutes), show=int(minutes) == min_minutes).add_to(m)
            Legend(layer, title=texts("layer_catchment", {"n": int(minutes)}), colors=[color],
                   labels=[texts("layer_catchment", {"n": int(minutes)})], shape="square").add_to(m)
    records = c.drop(columns="geometry").to_dict("records")
    edges = class_edges(c["dairy_score"].astype(float))
    palette = palette_for(max(len(edges) - 1, 1), palette=VIRIDIS_5)
    criteria = [k for k in criteria_of(c) if f"contrib_{k}" in c.columns]
    contrib = c[[f"contrib_{k}" for k in criteria]].to_numpy(dtype=float) if criteria else np.zeros((0, 0))
    contrib_max = float(np.nanmax(np.abs(contrib))) if contrib.size and np.isfinite(contrib).any() else 1.0
    popups = [site_popup({**r, "selected": bool(s)}, criteria=criteria, contrib_max=contrib_max or 1.0)
              for r, s in zip(records, selected, strict=True)]
    popups, labels = compact_html(popups)
    props = {
        "_id": c["site_id"].astype(str).tolist(),
        "_popup": popups,
        "_names": [search_names(r) for r in records],  # also the tooltip (built in the page)
        "k_score": classify(c["dairy_score"].astype(float), edges),
        "_sel": selected.tolist(),
    }
    data = GeoData(feature_collection(c, props), labels=labels).add_to(m)
    cand = DataLayer(data, name=span_key("layer_candidates"),
                     options={"kind": "point", "key": "score", "palette": palette, "na": NA_COLOR, "radius": 7,
                              "search": True}, order=ORDER_RESULT + 1).add_to(m)
    Legend(cand, title=texts("dairy_score"), colors=palette, labels=edge_labels(edges, decimals=1)).add_to(m)
    sel = DataLayer(data, name=span_key("layer_selected"),
                    options={"kind": "point", "color": SELECTED_COLOR, "stroke": SELECTED_COLOR, "only": "_sel",
                             "radius": 11, "fill_opacity": 0.0, "weight": 3}, order=ORDER_RESULT).add_to(m)
    Legend(sel, title=texts("layer_selected"), colors=[SELECTED_COLOR], labels=[texts("selected")]).add_to(m)
    if processors is not None:
        p = to_wgs84(processors, what="processors").reset_index(drop=True)
        if "kind" in p.columns:
            p = p[p["kind"].astype(str) == "milk_processor"].reset_index(drop=True)
        pops = []
        for _, r in p.iterrows():
            src_t = value_texts("src", r.get("source"))
            src = spans(src_t) if src_t else esc(r.get("source"))
            flag = f' <span class="sko-flag">({span_key("proxy")})</span>' if r.get("source") == "proxy" else ""
            pops.append(f'<div class="sko-pop"><h4>{esc(r.get("name"))}</h4>{span_key("employer")}: '
                        f'{esc(r.get("name"))}<br>{span_key("source")}: {src}{flag}</div>')
        pdata = GeoData(feature_collection(p, {"_popup": pops, "_tip": [esc(n) for n in p.get("name", [""] * len(p))],
                                               "_proxy": [s == "proxy" for s in p.get("source", [""] * len(p))]}))
        pdata.add_to(m)
        pl = DataLayer(pdata, name=span_key("layer_processors"),
                       options={"kind": "point", "color": PROCESSOR_COLOR, "radius": 7, "proxy_prop": "_proxy"},
                       order=ORDER_RESULT + 4, group="facilities").add_to(m)
        Legend(
            pl, title=texts("layer_processors"), colors=[PROCESSOR_COLOR], labels=[texts("layer_processors")]
        ).add_to(m)
    if plan and housing is not None:
        h = to_wgs84(housing, what="housing settlements").reset_index(drop=True)
        ids = [str(x) for x in plan.get("housing", [])]
        hv = h[h["settlement_id"].astype(str).isin(ids)].reset_index(drop=True)
        if len(hv):
            recs = hv.drop(columns="geometry").to_dict("records")
            site_name = {str(k): v for k, v in zip(c["site_id"].astype(str), records, strict=True)}
            hpops = [plan_village_popup(r, plan.get("commutes", []), site_name) for r in recs]
            hpops, hlabels = compact_html(hpops)
            hdata = GeoData(feature_collection(hv, {
                "_id": hv["settlement_id"].astype(str).tolist(),
                "_names": [search_names(r) for r in recs],
                "_popup": hpops,
            }), labels=hlabels).add_to(m)
            hl = DataLayer(hdata, name=span_key("layer_plan_housing"),
                           # a ring under the candidate points: the site's own popup stays clickable
                           options={"kind": "point", "color": HOUSING_COLOR, "stroke": HOUSING_COLOR, "radius": 11,
                                    "fill_opacity": 0.0, "weight": 4, "search": True, "pane": RING_PANE,
                                    "pane_z": RING_PANE_Z},
                           order=ORDER_RESULT + 2).add_to(m)
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
                           options={"kind": "line", "color": COMMUTE_COLOR, "weight": 2, "dash": True,
                                    "pane": CONTEXT_PANE},  # under the points: never blocks a click
                           order=ORDER_RESULT + 3).add_to(m)
            Legend(ll, title=texts("layer_commutes"), colors=[COMMUTE_COLOR], labels=[texts("layer_commutes")],
                   shape="line").add_to(m)
    add_page_ui(m, lang=lang, title=texts("dairy_title"), sample=sample, attribution=attribution,
                banners=approx_notes(c))
    logger.info("Dairy map: %d candidate sites, %d chosen", len(c), int(selected.sum()))
    return m
