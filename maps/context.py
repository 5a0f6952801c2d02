"""Context layers shared by every map: district boundaries, rivers, lakes, rail, roads and facilities.

Only styles columns computed in ``geo/`` and ``layers/`` (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps.i18n import kind_texts, phrase_texts, road_texts, span_key, spans, texts, texts_with, value_texts
from maps.popup import fmt_number, num
from maps.style import (
    APPROX_LINK_STYLE,
    CONTEXT_PANE,
    OKABE_ITO,
    RAIL_STYLE,
    ROAD_DEFAULT_STYLE,
    ROAD_STYLE,
    SIMPLIFY_DEG,
    WATER_FILL_OPACITY,
    WATER_STYLE,
    DataLayer,
    GeoData,
    Legend,
    compact_html,
    esc,
    feature_collection,
    name_records,
    name_variants,
    require_columns,
    row_dicts,
    to_wgs84,
)

logger = logging.getLogger(__name__)

DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
ROAD_SIMPLIFY_DEG = SIMPLIFY_DEG  # ~50 m: invisible at oblast zoom, halves the vertices of OSM roads
# position in the layer control (lower first): the result layers, then facilities, context, criteria
ORDER_RESULT = 0
ORDER_FACILITIES = 40
ORDER_CRITERIA = 60
ORDER_CONTEXT = 80


def add_districts(
    m: folium.Map, districts: gpd.GeoDataFrame, *, show: bool = True, names: bool = True
) -> DataLayer:
    """District boundaries as one outline layer (popup/tooltip with the trilingual name), and their
    names as map labels (a second layer, "District names", when ``names``)."""
    d = to_wgs84(districts, what="districts")
    if names and len(d):
        add_district_names(m, d)
    tips = []
    for _, r in d.iterrows():
        v = {
            "kk": r.get("name_kk") or r.get("name_ru") or "",
            "ru": r.get("name_ru") or "",
            "en": r.get("name_en") or r.get("name_ru") or "",
        }
        tips.append(spans({k: str(x) if isinstance(x, str) else "" for k, x in v.items()}))
    data = GeoData(feature_collection(d, {"_tip": tips}, simplify=SIMPLIFY_DEG)).add_to(m)
    return DataLayer(
        data,
        name=span_key("layer_districts"),
        options={"kind": "polygon", "color": "#444444", "weight": 1.5, "fill_opacity": 0.02, "pane": CONTEXT_PANE},
        show=show,
        order=ORDER_CONTEXT,
        group="context",
    ).add_to(m)


def add_district_names(m: folium.Map, districts: gpd.GeoDataFrame, *, show: bool = True) -> DataLayer:
    """District names as labels at a point inside each district (``name_kk`` / ``name_ru`` / ``name_en``).

    Drawn by ``SKO.labelLayer`` (maps/mapui.js) before the village names, so a village label never
    covers a district name.
    """
    d = to_wgs84(districts, what="districts").reset_index(drop=True)
    pts = gpd.GeoDataFrame(geometry=d.geometry.representative_point(), crs=4326)
    names = []
    for _, r in d.iterrows():
        ru = r.get("name_ru") if isinstance(r.get("name_ru"), str) else ""
        names.append({"kk": str(r.get("name_kk") or ru) if isinstance(r.get("name_kk"), str) else ru, "ru": ru,
                      "en": str(r.get("name_en")) if isinstance(r.get("name_en"), str) else ru})
    data = GeoData(feature_collection(pts, {"_l": names, "_p": [0.0] * len(pts)})).add_to(m)
    return DataLayer(
        data, name=span_key("layer_district_names"),
        options={"kind": "label", "cls": "sko-label-district", "priority": 0, "font_px": 12, "place": "center",
                 "max_zoom": 11},
        show=show, order=ORDER_CONTEXT, group="context",
    ).add_to(m)


def add_village_labels(
    m: folium.Map, settlements: gpd.GeoDataFrame, *, show: bool = True, order_by: str = "population"
) -> DataLayer:
    """Village names as labels that appear with zoom, largest villages first.

    The page places them greedily in the order of ``order_by`` (population; a table without it,
    such as the dairy candidates, may give e.g. ``dairy_score``), largest first (``SKO.labelLayer``,
    maps/mapui.js): a name is shown when it does not collide with a name already placed, so
    zooming in shows more names.
    """
    s = to_wgs84(settlements, what="settlements").reset_index(drop=True)
    col = "population" if "population" in s.columns else order_by
    pop = (pd.to_numeric(s[col], errors="coerce") if col in s.columns else pd.Series(0.0, index=s.index))
    order = np.argsort(-pop.fillna(0.0).to_numpy(), kind="stable")
    s = s.iloc[order].reset_index(drop=True)
    pop = pop.iloc[order].reset_index(drop=True)
    recs = name_records(s)
    data = GeoData(feature_collection(s, {"_l": [name_variants(r) for r in recs],
                                          "_p": pop.fillna(0.0).tolist()})).add_to(m)
    layer = DataLayer(
        data, name=span_key("layer_labels"),
        options={"kind": "label", "cls": "sko-label", "priority": 1, "font_px": 11, "place": "right"},
        show=show, order=ORDER_CONTEXT, group="context",
    ).add_to(m)
    logger.info("Village labels: %d names", len(s))
    return layer


def dedupe_lines(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop rows whose line is a copy of an earlier one (also reversed: both directions of an edge)."""
    geoms = gdf.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    keys = pd.Series(shapely.to_wkb(shapely.normalize(geoms[ok])), index=gdf.index[ok])
    return gdf.loc[keys.index[~keys.duplicated().to_numpy()]]


@dataclass(frozen=True)
class RoadLayer:
    """The road layer of a run prepared once for every map: lines deduplicated, reprojected, simplified
    and rounded for display (:func:`prepare_roads`), with their class and approximate-link flag."""

    data: dict[str, Any]
    classes: tuple[str, ...]
    approximate: tuple[bool, ...]
    n_lines: int


def prepare_roads(roads: gpd.GeoDataFrame, *, simplify: float = ROAD_SIMPLIFY_DEG) -> RoadLayer:
    """Roads for :func:`add_roads`: each line once (an edge comes once per direction), in EPSG:4326,
    simplified by ``simplify`` degrees (display only), classed by ``highway``."""
    r = dedupe_lines(to_wgs84(roads, what="roads")).reset_index(drop=True)
    hw = r["highway"].astype(str) if "highway" in r.columns else pd.Series(["road"] * len(r))
    classes = [*ROAD_STYLE, "other"]
    cls = [h if h in ROAD_STYLE else "other" for h in hw]
    props: dict[str, Any] = {"k_road": [classes.index(c) for c in cls]}
    approx = (
        r["approximate"].fillna(False).astype(bool) if "approximate" in r.columns else pd.Series(False, index=r.index)
    )
    if approx.any():
        props["_a"] = approx.tolist()
    return RoadLayer(data=feature_collection(r, props, simplify=simplify), classes=tuple(cls),
                     approximate=tuple(bool(a) for a in approx), n_lines=len(r))


def add_roads(
    m: folium.Map, roads: gpd.GeoDataFrame | RoadLayer, *, show: bool = True, simplify: float = ROAD_SIMPLIFY_DEG
) -> DataLayer:
    """Roads as one line layer, width and grey by ``highway`` class, with a legend.

    A network's edges come once per direction: each line is drawn once. Links flagged
    ``approximate`` (straight-line links of an approximate network) are dashed and the legend says so.
    Geometry is simplified by ``simplify`` degrees (display only). ``roads`` may be a
    :class:`RoadLayer` prepared once for several maps (``simplify`` is then the one it was prepared with).
    """
    layer_data = roads if isinstance(roads, RoadLayer) else prepare_roads(roads, simplify=simplify)
    classes = [*ROAD_STYLE, "other"]
    cls = list(layer_data.classes)
    approx = np.asarray(layer_data.approximate, dtype=bool)
    styles = [ROAD_STYLE.get(c, ROAD_DEFAULT_STYLE) for c in classes]
    data = GeoData(layer_data.data).add_to(m)  # serialised at once: the prepared data is never changed
    a_weight, a_color, a_dash = APPROX_LINK_STYLE
    layer = DataLayer(
        data, name=span_key("layer_roads"),
        options={"kind": "line", "key": "road", "palette": [st[1] for st in styles],
                 "weights": [st[0] for st in styles],
                 "tips": [spans(road_texts(c)) for c in classes], "dash_prop": "_a", "opacity": 0.85,
                 "dash_color": a_color, "dash_array": a_dash, "dash_weight": a_weight,
                 "dash_tip": spans(texts("approx_link")), "pane": CONTEXT_PANE},
        show=show, order=ORDER_CONTEXT, group="context",
    ).add_to(m)
    real = ~approx
    present = [c for c in classes if c in {x for x, ok in zip(cls, real, strict=True) if ok}]
    colors = [ROAD_STYLE.get(c, ROAD_DEFAULT_STYLE)[1] for c in present]
    labels: list[Mapping[str, str]] = [road_texts(c) for c in present]
    shapes = ["line"] * len(present)
    if approx.any():
        colors.append(a_color)
        labels.append(texts("approx_link"))
        shapes.append("dash")
    Legend(
        layer,
        title=texts("layer_roads"),
        colors=colors,
        labels=labels,
        notes=[texts("approx_link_note")] if approx.any() else [],
        shapes=shapes,
    ).add_to(m)
    logger.info("Roads layer: %d lines (%d approximate links)", layer_data.n_lines, int(approx.sum()))
    return layer


def _name_tip(kind: Mapping[str, str], name: Any, name_kk: Any) -> str:
    """Tooltip "kind: name" (Kazakh name where the data has one), escaped."""
    ru = name if isinstance(name, str) and name else ""
    kk = name_kk if isinstance(name_kk, str) and name_kk else ru
    names = {"kk": kk, "ru": ru, "en": ru}
    return spans({lang: f"{kind[lang]}: {names[lang]}" if names[lang] else kind[lang] for lang in kind})


def _sources(gdf: gpd.GeoDataFrame) -> list[Mapping[str, str]]:
    srcs = sorted({str(x) for x in gdf["source"].dropna()}) if "source" in gdf.columns else []
    return [texts("orient_source", {"src": "; ".join(srcs)})] if srcs else []


def add_orientation(
    m: folium.Map, orientation: gpd.GeoDataFrame | None, *, show: bool = True, simplify: float = ROAD_SIMPLIFY_DEG
) -> list[DataLayer]:
    """Rivers and lakes (blue) and rail lines (black/white dashes) as two context layers with legends.

    ``orientation`` is the layer of :mod:`layers.orientation` (``kind``, ``name``, ``name_kk``, ``source``).
    A layer is drawn only when the data has its features; without any river or lake, the rail legend
    (or, without rail either, nothing on the map: the dashboard's missing-data list) says so.
    """
    if orientation is None or not len(orientation):
        return []
    o = to_wgs84(orientation, what="orientation").reset_index(drop=True)
    kind = o["kind"].astype(str)
    out: list[DataLayer] = []
    water = o.loc[kind.isin(list(WATER_STYLE))].reset_index(drop=True)
    if len(water):
        classes = list(WATER_STYLE)
        wk = water["kind"].astype(str).tolist()
        tips = [_name_tip(texts(f"water_{k}"), n, nk)
                for k, n, nk in zip(wk, water["name"], water.get("name_kk", water["name"]), strict=True)]
        data = GeoData(feature_collection(water, {"k_water": [classes.index(k) for k in wk], "_tip": tips},
                                          simplify=simplify)).add_to(m)
        layer = DataLayer(
            data, name=span_key("layer_water"),
            options={"kind": "line", "key": "water", "palette": [WATER_STYLE[c][1] for c in classes],
                     "weights": [WATER_STYLE[c][0] for c in classes], "fill_opacity": WATER_FILL_OPACITY,
                     "opacity": 0.9, "pane": CONTEXT_PANE},
            show=show, order=ORDER_CONTEXT, group="context",
        ).add_to(m)
        present = [c for c in classes if c in set(wk)]
        Legend(layer, title=texts("layer_water"), colors=[WATER_STYLE[c][1] for c in present],
               labels=[texts(f"water_{c}") for c in present],
               shapes=["square" if c == "lake" else "line" for c in present], notes=_sources(water)).add_to(m)
        out.append(layer)
    rail = o.loc[kind == "rail"].reset_index(drop=True)
    if len(rail):
        tips = [_name_tip(texts("rail_line"), n, nk)
                for n, nk in zip(rail["name"], rail.get("name_kk", rail["name"]), strict=True)]
        data = GeoData(feature_collection(rail, {"_tip": tips}, simplify=simplify)).add_to(m)
        layer = DataLayer(
            data, name=span_key("layer_rail"),
            options={"kind": "line", "color": RAIL_STYLE["color"], "weight": RAIL_STYLE["weight"],
                     "dash": RAIL_STYLE["dash"], "casing": RAIL_STYLE["casing"],
                     "casing_weight": RAIL_STYLE["casing_weight"], "pane": CONTEXT_PANE},
            show=show, order=ORDER_CONTEXT, group="context",
        ).add_to(m)
        # a rail file (not OpenStreetMap) holds the lines someone compiled, not the whole network: say so
        from_file = not rail["source"].astype(str).str.startswith("OpenStreetMap").all() if "source" in rail else False
        notes = (_sources(rail) + ([texts("rail_partial_note")] if from_file else [])
                 + ([] if len(water) else [texts("no_water_note")]))
        Legend(layer, title=texts("layer_rail"), colors=[RAIL_STYLE["casing"]], labels=[texts("rail_line")],
               shapes=["rail"], notes=notes).add_to(m)
        out.append(layer)
    logger.info("Orientation layers: %d water features, %d rail lines", len(water), len(rail))
    return out


def add_facilities(
    m: folium.Map, facilities: gpd.GeoDataFrame, *, kinds: Sequence[str] | None = None, show: bool = False
) -> list[DataLayer]:
    """One circle layer per facility kind (proxies dashed and flagged), with a legend each."""
    require_columns(facilities, ["kind"], what="facilities", hint="Load it with layers.facilities.")
    f = to_wgs84(facilities, what="facilities")
    layers = []
    all_kinds = [k for k in pd.unique(f["kind"].astype(str)) if kinds is None or k in kinds]
    for i, kind in enumerate(all_kinds):
        sub = f[f["kind"].astype(str) == kind].reset_index(drop=True)
        color = OKABE_ITO[i % len(OKABE_ITO)]
        is_proxy = (sub["source"].astype(str) == "proxy").tolist() if "source" in sub.columns else [False] * len(sub)
        pops = []
        for j, r in enumerate(row_dicts(sub)):
            rows = [
                f"<h4>{esc(r.get('name')) or spans(kind_texts(kind))}</h4>",
                f"{span_key('kind')}: {spans(kind_texts(kind))}",
            ]
            if "source" in sub.columns:
                src_t = value_texts("src", r.get("source"))
                src = spans(src_t) if src_t else esc(r.get("source"))
                if is_proxy[j]:
                    rules = [phrase_texts(x.strip()) for x in str(r.get("proxy_rule") or "").split(";") if x.strip()]
                    rule = "; ".join(spans(x) for x in rules if x)
                    src = f'<span class="sko-flag">{span_key("proxy")}{": " + rule if rule else ""}</span>'
                rows.append(f"{span_key('source')}: {src}")
            for col, key in (("capacity", "capacity"), ("jobs", "jobs")):
                if col in sub.columns and not math.isnan(num(r.get(col))):
                    rows.append(f"{span_key(key)}: {fmt_number(r.get(col))}")
            pops.append('<div class="sko-pop">' + "<br>".join(rows) + "</div>")
        tips = [
            esc(n) if isinstance(n, str) and n else spans(kind_texts(kind)) for n in sub.get("name", [""] * len(sub))
        ]
        pops, labels = compact_html(pops)
        data = GeoData(feature_collection(sub, {"_popup": pops, "_tip": tips, "_proxy": is_proxy}),
                       labels=labels).add_to(m)
        layer = DataLayer(
            data,
            name=spans(texts_with("layer_facilities", "k", kind_texts(kind))),
            options={"kind": "point", "color": color, "radius": 5, "proxy_prop": "_proxy", "weight": 1.5},
            show=show,
            order=ORDER_FACILITIES,
            group="facilities",
        ).add_to(m)
        notes = [texts("proxy_note")] if any(is_proxy) else []
        Legend(layer, title=kind_texts(kind), colors=[color], labels=[kind_texts(kind)], notes=notes).add_to(m)
        layers.append(layer)
    return layers

