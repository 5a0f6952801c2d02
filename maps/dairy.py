"""Dairy map: candidate sites by score, chosen farms, processors, labour catchments, the joint plan.

``plan`` is the joint plan as in plan.json (``farms`` records with ``site_id``, ``jobs``,
``workers_assigned``, ``newcomers_assigned``; ``housing`` records with ``village_id``; ``commutes`` with
``village_id``, ``site_id``, ``minutes``, ``minutes_summer``, ``workers``, ``newcomers``, ``housing``;
``parameters``, ``metrics``; the alternatives ``mclp`` and ``p_median`` with ``selected``) or the short
form ``{"farms": [site_id, ...], "housing": [settlement_id, ...], "commutes": [{"settlement_id", "site_id",
"minutes"}, ...]}``. The joint plan is the one shown by default; the alternatives are layers, off at start.
Housing villages and commute lines need ``housing`` (the settlements GeoDataFrame) to place them.
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

from geo.cells import CELL_ZONE_RULE, ZONE_SOURCE
from geo.crs import utm_crs
from maps.context import (
    DEFAULT_ATTRIBUTION,
    ORDER_RESULT,
    RoadLayer,
    add_districts,
    add_orientation,
    add_roads,
    add_village_labels,
)
from maps.i18n import check_lang, criterion_unit_texts, phrase_texts, span_key, spans, texts, value_texts
from maps.plan_story import (
    ALTERNATIVES,
    FarmStory,
    alternative_ids,
    alternative_sentence,
    farm_ids,
    farm_stories,
    link_tip,
    plan_intro,
    plan_table_html,
    site_objectives,
)
from maps.popup import approx_notes, contribution_bars, criteria_of, reason_list, search_names, tri_text
from maps.style import (
    CIVIDIS_5,
    CONTEXT_PANE,
    NA_COLOR,
    VIRIDIS_5,
    DataLayer,
    GeoData,
    InfoPanel,
    Legend,
    add_page_ui,
    as_float,
    class_edges,
    classify,
    compact_html,
    edge_labels,
    esc,
    feature_collection,
    name_records,
    name_variants,
    new_map,
    palette_for,
    require_columns,
    to_wgs84,
)

logger = logging.getLogger(__name__)

SELECTED_COLOR = "#d55e00"
ALT_COLORS: dict[str, str] = {"mclp": "#009e73", "p_median": "#e69f00"}
ALT_RADIUS: dict[str, int] = {"mclp": 14, "p_median": 17}
PROCESSOR_COLOR = "#0072b2"
HOUSING_COLOR = "#cc79a7"
COMMUTE_COLOR = "#cc79a7"
CATCHMENT_COLORS: dict[int, str] = {30: CIVIDIS_5[4], 45: CIVIDIS_5[2]}
M = {"kk": "м", "ru": "м", "en": "m"}  # metres
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
    why: str = "",
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
    why
        Pre-escaped block on the plans that chose this site and why (:func:`maps.plan_story.site_objectives`).
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
            rows.append((spans(criterion_unit_texts(col)), _f(row.get(col), 1 if col.endswith("_km") else 0)))
    zone = as_float(row.get("zone_m"))
    if row.get("site_kind") == "cell" and not math.isnan(zone):  # why a field and not the village itself
        rows.append((span_key("layer_zone"), spans({k: f"{zone:g} {M[k]} — {t.format(m=zone)}; {ZONE_SOURCE[k]}"
                                                      for k, t in CELL_ZONE_RULE.items()})))
    parts.append(why)  # first: which plan chose this site and for what, before the indicators
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
    row: Mapping[str, Any], commutes: Sequence[Mapping[str, Any]], sites: Mapping[str, Mapping[str, str]],
    village: Mapping[str, str] | None = None,
) -> str:
    """Popup of a housing village of the joint plan: new homes and who commutes to which farm, how long."""
    rows = [f"<h4>{spans(name_variants(row))}</h4>", f"<div>{span_key('layer_plan_housing')}</div>"]
    if "housing_rank" in row:
        rows.append(f'<div>{span_key("rank_oblast")}: <b class="sko-rank">{_f(row.get("housing_rank"))}</b></div>')
    sid = str(row.get("settlement_id"))
    here = name_variants(row) if village is None else village
    # links that carry nobody (farms merely in reach) are left out: the popup lists who goes where
    links = [c for c in commutes if str(c.get("village_id", c.get("settlement_id"))) == sid
             and ("workers" not in c or as_float(c.get("workers")) > 1e-6)]
    if links:
        def site(c: Mapping[str, Any]) -> Mapping[str, str]:
            return sites.get(str(c.get("site_id")), {k: str(c.get("site_id")) for k in ("kk", "ru", "en")})

        items = "".join(
            f"<li>{link_tip(c, here, site(c))}</li>" if "workers" in c else
            f"<li>{spans(site(c))}: {_f(c.get('minutes'))} {span_key('minutes')}</li>"
            for c in links
        )
        rows.append(f"<div><b>{span_key('layer_commutes')}</b><ul>{items}</ul></div>")
    return '<div class="sko-pop">' + "".join(rows) + "</div>"


def _zone_layer(m: folium.Map, c: gpd.GeoDataFrame, selected: pd.Series) -> None:
    """The sanitary-zone circle (``zone_m``) around each chosen grid-cell site (``site_kind == "cell"``)."""
    if "zone_m" not in c.columns or "site_kind" not in c.columns:
        return
    z = c.loc[selected.to_numpy() & c["site_kind"].eq("cell").to_numpy() & c["zone_m"].notna().to_numpy()]
    if not len(z):
        return
    metric = utm_crs(z)
    discs = gpd.GeoDataFrame(geometry=z.to_crs(metric).buffer(z["zone_m"].astype(float).to_numpy(), quad_segs=16)
                             .to_crs("EPSG:4326").to_numpy(), crs="EPSG:4326")
    recs = z.drop(columns="geometry").to_dict("records")
    tips = [spans(name_variants(r)) + ": " + span_key("zone_tip", {"m": f"{float(r['zone_m']):g}"}) for r in recs]
    data = GeoData(feature_collection(discs, {"_tip": tips})).add_to(m)
    layer = DataLayer(data, name=span_key("layer_zone"),
                      options={"kind": "polygon", "color": SELECTED_COLOR, "fill_opacity": 0.15, "weight": 2,
                               "pane": CONTEXT_PANE}, order=ORDER_RESULT + 5).add_to(m)
    Legend(layer, title=texts("layer_zone"), colors=[SELECTED_COLOR], labels=[texts("layer_zone")],
           shape="square").add_to(m)


def dairy_map(
    candidates: gpd.GeoDataFrame,
    *,
    plan: Mapping[str, Any] | None = None,
    processors: gpd.GeoDataFrame | None = None,
    catchments: gpd.GeoDataFrame | None = None,
    housing: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | RoadLayer | None = None,
    orientation: gpd.GeoDataFrame | None = None,
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
    add_orientation(m, orientation)
    if roads is not None:
        add_roads(m, roads)
    # every candidate village, best sites first; grid cells are fields, not places: no name label
    add_village_labels(m, c[c["site_kind"].astype(str) != "cell"] if "site_kind" in c.columns else c,
                       order_by="dairy_score")
    selected = c["selected"].fillna(False).astype(bool) if "selected" in c.columns else pd.Series(False, index=c.index)
    has_plan = bool(plan and plan.get("farms"))
    if plan and has_plan:
        selected = c["site_id"].astype(str).isin(farm_ids(plan))
    records = c.drop(columns="geometry").to_dict("records")  # once: names, popups and search (read only)
    site_names = {str(k): name_variants(r) for k, r in zip(c["site_id"].astype(str), records, strict=True)}
    village_names: dict[str, dict[str, str]] = {}
    if housing is not None and "settlement_id" in housing.columns:
        village_names = {str(k): name_variants(r) for k, r in zip(
            housing["settlement_id"].astype(str), name_records(housing), strict=True)}
    stories: dict[str, FarmStory] = {s.site_id: s for s in farm_stories(plan, site_names, village_names)} \
        if plan and has_plan else {}
    if catchments is not None:
        require_columns(catchments, ["minutes"], what="catchments", hint="Expected site_id, minutes, geometry.")
        cat = to_wgs84(catchments, what="catchments")
        min_minutes = int(cat["minutes"].min()) if len(cat) else 0  # only the shortest catchment shown at start
        for minutes in sorted(pd.unique(cat["minutes"]), reverse=True):
            sub = cat[cat["minutes"] == minutes].reset_index(drop=True)
            color = CATCHMENT_COLORS.get(int(minutes), CIVIDIS_5[1])
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
    edges = class_edges(c["dairy_score"].astype(float))
    palette = palette_for(max(len(edges) - 1, 1), palette=VIRIDIS_5)
    criteria = [k for k in criteria_of(c) if f"contrib_{k}" in c.columns]
    contrib = c[[f"contrib_{k}" for k in criteria]].to_numpy(dtype=float) if criteria else np.zeros((0, 0))
    contrib_max = float(np.nanmax(np.abs(contrib))) if contrib.size and np.isfinite(contrib).any() else 1.0
    n_ranked = int(c["dairy_rank"].notna().sum()) if "dairy_rank" in c.columns else 0
    popups = [site_popup({**r, "selected": bool(s)}, criteria=criteria, contrib_max=contrib_max or 1.0,
                         why=site_objectives(str(r["site_id"]), plan, stories.get(str(r["site_id"])),
                                             rank=float(r.get("dairy_rank") if r.get("dairy_rank") is not None
                                                        else float("nan")), n_ranked=n_ranked))
              for r, s in zip(records, selected, strict=True)]
    popups, labels = compact_html(popups)
    props = {
        "_id": c["site_id"].astype(str).tolist(),
        "_popup": popups,
        "_names": [search_names(r) for r in records],  # also the tooltip (built in the page)
        "k_score": classify(c["dairy_score"].astype(float), edges),
        "_sel": selected.tolist(),
        **{f"_{kind}": c["site_id"].astype(str).isin(alternative_ids(plan, kind)).tolist() for kind in ALTERNATIVES},
    }
    data = GeoData(feature_collection(c, props), labels=labels).add_to(m)
    cand = DataLayer(data, name=span_key("layer_candidates"),
                     options={"kind": "point", "key": "score", "palette": palette, "na": NA_COLOR, "radius": 7,
                              "search": True}, order=ORDER_RESULT + 1).add_to(m)
    Legend(cand, title=texts("dairy_score"), colors=palette, labels=edge_labels(edges, decimals=1)).add_to(m)
    sel_key = "layer_plan_farms" if has_plan else "layer_selected"
    sel = DataLayer(data, name=span_key(sel_key),
                    options={"kind": "point", "color": SELECTED_COLOR, "stroke": SELECTED_COLOR, "only": "_sel",
                             "radius": 11, "fill_opacity": 0.0, "weight": 3}, order=ORDER_RESULT).add_to(m)
    Legend(sel, title=texts(sel_key), colors=[SELECTED_COLOR], labels=[texts("selected")]).add_to(m)
    _zone_layer(m, c, selected)
    alt_notes = []
    for kind in ALTERNATIVES:
        if plan is None or not alternative_ids(plan, kind):
            continue
        note = alternative_sentence(plan, kind)
        alt_notes.append((kind, note))
        alt = DataLayer(data, name=span_key(f"layer_alt_{kind}"),
                        options={"kind": "point", "color": ALT_COLORS[kind], "stroke": ALT_COLORS[kind],
                                 "only": f"_{kind}", "radius": ALT_RADIUS[kind], "fill_opacity": 0.0, "weight": 3},
                        order=ORDER_RESULT + 5 + ALTERNATIVES.index(kind), show=False).add_to(m)
        Legend(alt, title=texts(f"layer_alt_{kind}"), colors=[ALT_COLORS[kind]], labels=[texts(f"layer_alt_{kind}")],
               notes=[note]).add_to(m)
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
        ids = [str(x.get("village_id")) if isinstance(x, Mapping) else str(x) for x in plan.get("housing", [])]
        hv = h[h["settlement_id"].astype(str).isin(ids)].reset_index(drop=True)
        commutes = list(plan.get("commutes", []))
        if len(hv):
            recs = hv.drop(columns="geometry").to_dict("records")
            hpops = [plan_village_popup(r, commutes, site_names) for r in recs]
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
        for link in commutes:
            vid = str(link.get("village_id", link.get("settlement_id")))
            if "workers" in link and not float(link.get("workers") or 0.0) > 1e-6:
                continue  # a housing village in reach of this farm but sending nobody: no line
            a = village_pt.get(vid)
            b = site_pt.get(str(link.get("site_id")))
            if a is None or b is None:
                logger.warning("Commute link %s skipped: settlement or site not on the map", link)
                continue
            lines.append(LineString([a, b]))
            if "workers" in link:
                tips.append(link_tip(link, village_names.get(vid, {k: vid for k in ("kk", "ru", "en")}),
                                     site_names.get(str(link.get("site_id")), {k: str(link.get("site_id"))
                                                                                for k in ("kk", "ru", "en")})))
            else:
                tips.append(f"{_f(link.get('minutes'))} " + span_key("minutes"))
        if lines:
            lg = gpd.GeoDataFrame({"geometry": lines}, crs="EPSG:4326")
            ldata = GeoData(feature_collection(lg, {"_tip": tips})).add_to(m)
            ll = DataLayer(ldata, name=span_key("layer_plan_commutes"),
                           options={"kind": "line", "color": COMMUTE_COLOR, "weight": 2, "dash": True,
                                    "pane": CONTEXT_PANE},  # under the points: never blocks a click
                           order=ORDER_RESULT + 3).add_to(m)
            Legend(ll, title=texts("layer_plan_commutes"), colors=[COMMUTE_COLOR],
                   labels=[texts("layer_plan_commutes")], shape="line").add_to(m)
    if plan and has_plan:
        intro = f"<p>{spans(plan_intro(plan))}</p>" if "parameters" in plan else ""
        alts = "".join(f"<li><b>{span_key(f'layer_alt_{k}')}</b>: {spans(n)}</li>" for k, n in alt_notes)
        ranks = dict(zip(c["site_id"].astype(str), c["dairy_rank"], strict=True)) if "dairy_rank" in c.columns else {}
        m.add_child(InfoPanel(intro + plan_table_html(plan, site_names, village_names, ranks=ranks,
                                                      n_ranked=n_ranked)
                              + (f"<ul>{alts}</ul>" if alts else ""), label=texts("plan_table")),
                    name="sko_plan_table")
    add_page_ui(m, lang=lang, title=texts("dairy_title"), sample=sample, attribution=attribution,
                banners=[*approx_notes(c), *([texts("plan_none")] if plan is not None and not has_plan else [])])
    logger.info("Dairy map: %d candidate sites, %d chosen", len(c), int(selected.sum()))
    return m
