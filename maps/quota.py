"""The 2026 quota plan as a map layer: village → families → where each worker works → winter commute.

Renders ``plan.json["resettlement"]`` (:func:`geo.resettlement.quota_plan`) on a map that already has
the page UI: a ring around each village that takes families, with a popup (families, homes, where the
workers work and how long the winter commute is, services in winter and what the village lacks), and
the shortfall (or "no plan") as a page banner in kk/ru/en.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd

from maps.context import ORDER_RESULT
from maps.i18n import span_key, spans, texts
from maps.plan_story import fmt, quota_village_popup, shortfall_texts
from maps.style import (
    DataLayer,
    GeoData,
    Legend,
    as_float,
    compact_html,
    feature_collection,
    name_records,
    name_variants,
    radius_px,
    to_wgs84,
)

logger = logging.getLogger(__name__)

QUOTA_COLOR = "#cc79a7"
QUOTA_PANE = "skoQuota"  # rings under the village points: a village's own popup stays clickable
QUOTA_PANE_Z = 395


def add_quota_layer(
    m: folium.Map,
    settlements: gpd.GeoDataFrame,
    quota: Mapping[str, Any] | None,
    *,
    show: bool = True,
    order: int = ORDER_RESULT + 4,
) -> dict[str, str] | None:
    """Add the quota-plan layer to ``m``; return the shortfall banner (kk/ru/en) or ``None``.

    With villages on the map the banner is one short line ("placed N of M families") and the reasons
    are in the layer's legend; without any, the banner carries the reasons.

    Parameters
    ----------
    m
        The map.
    settlements
        All settlements (to place the villages, name the job places, read the services and gaps).
    quota
        ``plan.json["resettlement"]``; ``None`` when the run made no quota plan (then only the banner).
    show
        Layer on at start.
    order
        Position in the layer control.

    Returns
    -------
    dict or None
        The banner text when the quota is not placed in full or there is no plan; ``None`` otherwise.
    """
    full = shortfall_texts(quota)
    villages = list((quota or {}).get("villages") or [])
    if not villages or "settlement_id" not in settlements.columns:
        return full
    banner = shortfall_texts(quota, brief=True)
    st = to_wgs84(settlements, what="settlements").reset_index(drop=True)
    st["_sid"] = st["settlement_id"].astype(str)
    radius = radius_px(st["population"]) if "population" in st.columns else None
    names = {sid: name_variants(r) for sid, r in zip(st["_sid"], name_records(st), strict=True)}
    flat = st.drop(columns="geometry")
    pos = {sid: i for i, sid in enumerate(st["_sid"])}
    rows, pops, radii, tips = [], [], [], []
    for v in villages:
        i = pos.get(str(v.get("settlement_id")))
        if i is None:
            logger.warning("Quota plan village %s is not among the settlements: not drawn", v.get("settlement_id"))
            continue
        rec = flat.iloc[i].to_dict()
        rows.append(i)
        pops.append(quota_village_popup(v, rec, names, family_size=as_float(quota.get("family_size") if quota
                                                                          else float("nan"))))
        radii.append(float(radius[i]) if radius is not None else 6.0)
        tips.append(f"{spans(names[str(v.get('settlement_id'))])} — {span_key('q_families')}: {fmt(v.get('families'))}")
    if not rows:
        return full
    sub = st.iloc[rows].reset_index(drop=True)
    pops, labels = compact_html(pops)
    data = GeoData(feature_collection(sub, {"_id": sub["_sid"].tolist(), "_popup": pops, "_r": radii,
                                            "_tip": tips}), labels=labels).add_to(m)
    layer = DataLayer(data, name=span_key("layer_quota"),
                      options={"kind": "point", "color": QUOTA_COLOR, "stroke": QUOTA_COLOR, "fill_opacity": 0.0,
                               "weight": 4, "radius_add": 5, "pane": QUOTA_PANE, "pane_z": QUOTA_PANE_Z},
                      order=order, show=show).add_to(m)
    Legend(layer, title=texts("layer_quota"), colors=[QUOTA_COLOR], labels=[texts("layer_quota")],
           notes=[full] if full else []).add_to(m)
    logger.info("Quota layer: %d villages, %d families", len(rows),
                int(sum(as_float(v.get("families")) for v in villages)))
    return banner
