"""Housing map: villages by housing score, criteria layers, facilities, context and top-N.

Only styles columns computed in ``geo/`` (see docs/ARCHITECTURE.md, "Indicator columns").
Required: ``geometry`` (points), ``name``, ``housing_score``. Everything else is optional and
shown when present: ranks, ``contrib_<c>`` / ``norm_<c>`` per criterion, reasons, travel times,
stability, exclusion reasons and data-quality flags. The context layers (districts, roads,
facilities) live in :mod:`maps.context`, the popup pieces in :mod:`maps.popup`.
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

from geo.categories import CATEGORIES, CATEGORY_LABELS
from geo.scoring import order_key
from maps.context import (
    DEFAULT_ATTRIBUTION,
    ORDER_CRITERIA,
    ORDER_RESULT,
    RoadLayer,
    add_districts,
    add_facilities,
    add_orientation,
    add_roads,
    add_village_labels,
)
from maps.dashboard import criteria_table
from maps.i18n import check_lang, criterion_texts, span_key, spans, texts, texts_with
from maps.popup import (
    TOP_N,
    approx_notes,
    criteria_of,
    search_names,
    travel_columns,
    village_popup,
    village_tooltip,
)
from maps.quota import add_quota_layer
from maps.style import (
    EXCLUDED_COLOR,
    NA_COLOR,
    OKABE_ITO,
    DataLayer,
    GeoData,
    InfoPanel,
    Legend,
    WhatIf,
    add_page_ui,
    class_edges,
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

__all__ = ["housing_map", "village_popup", "village_tooltip"]

logger = logging.getLogger(__name__)






def _finite(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _whatif_meta(
    criteria: Sequence[str], record: Sequence[Mapping[str, Any]] | None, s: pd.DataFrame
) -> dict[str, Any] | None:
    """Criteria of the in-browser rescoring (weights in points, limits, value functions), or None."""
    if not criteria or not record or any(f"norm_{c}" not in s.columns for c in criteria):
        return None
    by_name = {r.get("name"): r for r in record if r.get("status") == "used"}
    rows = []
    for c in criteria:
        r = by_name.get(c)
        if r is None or str(r.get("column", c)) not in s.columns:
            return None
        col = str(r.get("column", c))
        rows.append({"name": c, "column": col, "label": spans(criterion_texts(c)),
                     "weight": round(100.0 * float(r.get("weight_used") or 0.0), 6), "method": r.get("method"),
                     "direction": r.get("direction"), "lo": _finite(r.get("lo")), "hi": _finite(r.get("hi")),
                     "time": col.startswith("tt_")})
    return {"criteria": rows, "label": span_key("whatif_label"), "no_centres": span_key("whatif_no_centres"),
            "reset": span_key("whatif_reset")}


def housing_map(
    settlements: gpd.GeoDataFrame,
    *,
    facilities: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | RoadLayer | None = None,
    orientation: gpd.GeoDataFrame | None = None,
    lang: str = "ru",
    title: Mapping[str, str] | str | None = None,
    sample: bool = False,
    attribution: str = DEFAULT_ATTRIBUTION,
    top_n: int = TOP_N,
    tiles: str | None = None,
    m: folium.Map | None = None,
    criteria_record: Sequence[Mapping[str, Any]] | None = None,
    criteria_definitions: Mapping[str, Any] | None = None,
    quota: Mapping[str, Any] | None = None,
) -> folium.Map:
    """Villages coloured by housing score (5 quantile classes, viridis), sized by population.

    Parameters
    ----------
    settlements
        Settlements with the scoring columns (``housing_score`` required; see module doc).
    facilities, districts, roads
        Optional context layers in the canonical schemas.
    lang
        Default language of the page (``kk``, ``ru``, ``en``); an in-page switch changes it.
    title
        Page title (a trilingual dict, or one string used for all languages); default
        "Housing for resettlers: village ranking".
    sample
        Show the "SAMPLE — synthetic data" banner.
    attribution
        Data credit shown in the attribution control (escaped).
    top_n
        Size of the per-district top-N layer (``housing_rank_district <= top_n``).
    tiles
        Optional tile URL for online use (offline maps have none).
    m
        Existing map to draw on; a new one is created if None.
    criteria_record, criteria_definitions
        The scoring record (run.json ``criteria.housing``) and the criteria definitions (run.json
        ``criteria_definitions.housing``): when either is given, a folded panel "How the score is made"
        lists every criterion with its weight, value function (limits) and basis or source.
    quota
        The year's quota plan (``plan.json["resettlement"]``): drawn as a layer (village → families →
        where the workers work → winter commute, services and gaps); a shortfall or an empty plan is a
        banner. ``None``: no quota layer.

    Returns
    -------
    folium.Map
        The map (save it with :func:`maps.offline.save_offline`).

    Raises
    ------
    MissingColumnError
        If ``name`` or ``housing_score`` is missing.
    CRSError
        If a layer has no CRS.
    ConfigError
        If ``lang`` is not kk/ru/en.
    """
    check_lang(lang)
    require_columns(
        settlements, ["name", "housing_score"], what="settlements",
        hint="Run the housing scoring (geo.scoring) before mapping.",
    )
    s = to_wgs84(settlements, what="settlements").reset_index(drop=True)
    if m is None:
        m = new_map([s], tiles=tiles, attribution=attribution)
    criteria = criteria_of(s)
    tt_cols = travel_columns(s)
    proxy_kinds: list[str] = []
    if facilities is not None and "source" in facilities.columns:
        proxy_kinds = sorted(set(facilities.loc[facilities["source"].astype(str) == "proxy", "kind"].astype(str)))
    contrib_cols = [f"contrib_{c}" for c in criteria if f"contrib_{c}" in s.columns]
    contrib_max = float(np.nanmax(np.abs(s[contrib_cols].to_numpy(dtype=float)))) if contrib_cols else 1.0
    if not math.isfinite(contrib_max) or contrib_max <= 0:
        contrib_max = 1.0
    records = s.drop(columns="geometry").to_dict("records")
    excluded = (
        s["housing_excluded"].notna() & (s["housing_excluded"].astype(str).str.strip() != "")
        if "housing_excluded" in s.columns else pd.Series(False, index=s.index)
    )
    score = s["housing_score"].astype(float).where(~excluded)
    edges = class_edges(score)
    palette = palette_for(max(len(edges) - 1, 1))
    props: dict[str, Any] = {
        "_id": [str(r.get("settlement_id", i)) for i, r in enumerate(records)],
        "_popup": [
            village_popup(r, criteria=criteria, contrib_max=contrib_max, tt_cols=tt_cols,
                          proxy_kinds=proxy_kinds, top_n=top_n)
            for r in records
        ],
        "_names": [search_names(r) for r in records],  # also the tooltip (built in the page)
        "_r": radius_px(s["population"]) if "population" in s.columns else [6.0] * len(s),
        "k_score": classify(score, edges),
        "_ok": (~excluded).tolist(),
        "_excl": excluded.tolist(),
    }
    if "settlement_category" in s.columns:
        props["k_cat"] = [CATEGORIES.index(c) if c in CATEGORIES else -1 for c in s["settlement_category"].astype(str)]
    if "housing_rank_district" in s.columns:
        rd = pd.to_numeric(s["housing_rank_district"], errors="coerce")
        props["_top"] = ((rd <= top_n) & ~excluded).fillna(False).tolist()
    norm_edges: dict[str, list[float]] = {}
    kc = np.full((len(s), len(criteria)), -1, dtype=int)
    for j, c in enumerate(criteria):
        col = f"norm_{c}" if f"norm_{c}" in s.columns else f"contrib_{c}"
        vals = s[col].astype(float).where(~excluded)
        norm_edges[c] = class_edges(vals, method="equal")
        kc[:, j] = classify(vals, norm_edges[c])
    if criteria:  # one small array per village instead of one property per criterion
        props["_kc"] = kc.tolist()
    whatif = _whatif_meta(criteria, criteria_record, s)
    if whatif is not None:  # values for the in-browser rescoring (SKO.rescore), same maths as geo.scoring
        props["_nv"] = [[_finite(v) or 0.0 for v in row] for row in
                        s[[f"norm_{c}" for c in criteria]].astype(float).to_numpy().tolist()]
        props["_rv"] = [[_finite(v) for v in row] for row in
                        s[[c["column"] for c in whatif["criteria"]]].apply(pd.to_numeric, errors="coerce")
                        .to_numpy().tolist()]
        props["_tb"] = order_key(s).tolist()
        props["_dc"] = s.get("is_district_centre", pd.Series(False, index=s.index)).fillna(False).astype(bool).tolist()
        props["_dist"] = s.get("district_id", pd.Series("", index=s.index)).astype(str).tolist()
    props["_popup"], labels = compact_html(props["_popup"])
    data = GeoData(feature_collection(s, props), labels=labels).add_to(m)

    if districts is not None:
        add_districts(m, districts)
    add_orientation(m, orientation)
    if roads is not None:
        add_roads(m, roads)
    add_village_labels(m, s)

    notes = approx_notes(s)
    for j, c in enumerate(criteria):
        e = norm_edges[c]
        pal = palette_for(max(len(e) - 1, 1))
        layer = DataLayer(
            data,
            name=spans(texts_with("layer_criterion", "c", criterion_texts(c))),
            options={"kind": "point", "key_arr": "_kc", "key_idx": j, "palette": pal, "na": NA_COLOR, "only": "_ok"},
            show=False,
            order=ORDER_CRITERIA,
            group="criteria",
        ).add_to(m)
        kind = "legend_norm" if f"norm_{c}" in s.columns else "contributions"
        Legend(
            layer, title={k: f"{criterion_texts(c)[k]}: {v}" for k, v in texts(kind).items()},
            colors=pal, labels=edge_labels(e, decimals=2), notes=notes,
        ).add_to(m)
    if facilities is not None:
        add_facilities(m, facilities, show=False)
    excl_layer = DataLayer(
        data, name=span_key("layer_excluded"),
        options={"kind": "point", "color": EXCLUDED_COLOR, "only": "_excl", "fill_opacity": 0.5, "dash": True,
                 "search": True},  # excluded villages are searchable too: their popup says why
        order=ORDER_RESULT + 2,
    ).add_to(m)
    Legend(excl_layer, title=texts("layer_excluded"), colors=[EXCLUDED_COLOR], labels=[texts("excluded")]).add_to(m)
    score_layer = DataLayer(
        data, name=span_key("layer_score"),
        options={"kind": "point", "key": "score", "palette": palette, "na": NA_COLOR, "only": "_ok", "search": True},
        order=ORDER_RESULT,
    ).add_to(m)
    Legend(
        score_layer, title=texts("legend_score"), colors=palette, labels=edge_labels(edges, decimals=1),
        notes=[*notes, texts("legend_size")],
    ).add_to(m)
    if "_top" in props:
        top_layer = DataLayer(
            data, name=span_key("layer_top", {"n": top_n}),
            options={"kind": "point", "color": "#d55e00", "only": "_top", "fill_opacity": 0.0, "weight": 3,
                     "stroke": "#d55e00", "radius_add": 3},
            order=ORDER_RESULT + 1,
        ).add_to(m)
        Legend(top_layer, title=texts("layer_top", {"n": top_n}), colors=["#d55e00"],
               labels=[texts("layer_top", {"n": top_n})]).add_to(m)
    if "k_cat" in props:
        cat_palette = list(OKABE_ITO[: len(CATEGORIES)])
        cat_layer = DataLayer(
            data, name=span_key("layer_categories"),
            options={"kind": "point", "key": "cat", "palette": cat_palette, "na": NA_COLOR},
            show=False,
            order=ORDER_RESULT + 3,
        ).add_to(m)
        Legend(cat_layer, title=texts("layer_categories"), colors=cat_palette,
               labels=[CATEGORY_LABELS[c] for c in CATEGORIES],
               notes=[texts("categories_note")]).add_to(m)
    if whatif is not None:
        whatif["edges"] = [float(e) for e in edges]
        m.add_child(WhatIf(data, whatif), name="sko_whatif")
    if criteria_record or criteria_definitions:
        table = criteria_table(list(criteria_record or []), criteria_definitions or {})
        if table:
            m.add_child(InfoPanel(f'<p class="sko-sub">{span_key("dh_how_note")}</p>{table}', label=texts("dh_how")),
                        name="sko_score_panel")
    if quota is not None:
        shortfall = add_quota_layer(m, settlements, quota)
        if shortfall:
            notes = [*notes, shortfall]
    if isinstance(title, str):
        title = {k: title for k in ("kk", "ru", "en")}
    add_page_ui(m, lang=lang, title=title or texts("housing_title"), sample=sample, attribution=attribution,
                banners=notes)
    logger.info("Housing map: %d villages (%d excluded), %d criteria", len(s), int(excluded.sum()), len(criteria))
    return m
