"""Housing map: villages by housing score, criteria layers, facilities, context and top-N.

Only styles columns computed in ``geo/`` (see docs/ARCHITECTURE.md, "Indicator columns").
Required: ``geometry`` (points), ``name``, ``housing_score``. Everything else is optional and
shown when present: ranks, ``contrib_<c>`` / ``norm_<c>`` per criterion, reasons, travel times,
stability, exclusion reasons and data-quality flags.
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps.i18n import (
    check_lang,
    criterion_texts,
    kind_texts,
    road_texts,
    season_texts,
    span_key,
    spans,
    texts,
    texts_with,
)
from maps.style import (
    CONTEXT_PANE,
    EXCLUDED_COLOR,
    NA_COLOR,
    OKABE_ITO,
    ROAD_DEFAULT_STYLE,
    ROAD_STYLE,
    SIMPLIFY_DEG,
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
    radius_px,
    require_columns,
    to_wgs84,
)

logger = logging.getLogger(__name__)

DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
TOP_N = 5
SEASONS: tuple[str, ...] = ("summer", "winter", "thaw")
SERVICE_KINDS: tuple[str, ...] = (
    "school", "kindergarten", "clinic", "hospital", "district_centre", "oblast_centre",
    "rail_station", "milk_processor", "dairy_farm",
)
SNAP_FLAG_KEYS = {"far": "snap_far", "disconnected": "snap_disconnected"}
ROAD_SIMPLIFY_DEG = SIMPLIFY_DEG  # ~50 m: invisible at oblast zoom, halves the vertices of OSM roads
# position in the layer control (lower first): the result layers, then facilities, context, criteria
ORDER_RESULT = 0
ORDER_FACILITIES = 40
ORDER_CRITERIA = 60
ORDER_CONTEXT = 80


def criteria_of(df: pd.DataFrame) -> list[str]:
    """Criterion names present as ``contrib_<c>`` (or ``norm_<c>``) columns, in column order."""
    out: list[str] = []
    for col in df.columns:
        for prefix in ("contrib_", "norm_"):
            if str(col).startswith(prefix):
                c = str(col)[len(prefix):]
                if c not in out:
                    out.append(c)
    return out


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def _fmt(v: Any, decimals: int = 0) -> str:
    f = _num(v)
    return "—" if math.isnan(f) else f"{f:,.{decimals}f}".replace(",", " ")


def _tri(row: Mapping[str, Any], base: str) -> dict[str, str] | None:
    """``base_kk/_ru/_en`` variants of a text column (falling back to ``base``), or None."""
    plain = row.get(base)
    plain = plain if isinstance(plain, str) and plain.strip() else ""
    out = {}
    for lang in ("kk", "ru", "en"):
        v = row.get(f"{base}_{lang}")
        out[lang] = v if isinstance(v, str) and v.strip() else plain
    return out if any(out.values()) else None


def contribution_bars(row: Mapping[str, Any], criteria: Sequence[str], *, contrib_max: float) -> str:
    """A bar per criterion's ``contrib_<c>`` (length relative to ``contrib_max``), or ``""``."""
    bars = []
    for c in criteria:
        v = _num(row.get(f"contrib_{c}"))
        if math.isnan(v):
            continue
        width = min(100.0, abs(v) / contrib_max * 100.0) if contrib_max > 0 else 0.0
        neg = " neg" if v < 0 else ""
        # compact markup (CSS grid in mapui.css): label | track <i> with fill <b> | value
        bars.append(
            f'<div class="sko-bar">{spans(criterion_texts(c))}<i><b class="sko-bar-fill{neg}" '
            f'style="width:{width:.0f}%"></b></i>{v:.1f}</div>'
        )
    return f"<div><b>{span_key('contributions')}</b>{''.join(bars)}</div>" if bars else ""


def _reason_list(variants: Mapping[str, str]) -> str:
    """Reasons are ``;``-separated in the scoring output: one list item each (repeats once), escaped."""
    parts = []
    for lang, text in variants.items():
        items = list(dict.fromkeys(s.strip() for s in str(text).split(";") if s.strip()))
        lis = "".join(f"<li>{html.escape(s)}</li>" for s in items)
        parts.append(f'<ul class="lang-{lang}">{lis}</ul>')
    return "".join(parts)


def travel_columns(df: pd.DataFrame) -> dict[str, dict[str, str]]:
    """``{kind: {season: column}}`` for every ``tt_<kind>_min[_<season>]`` column present."""
    out: dict[str, dict[str, str]] = {}
    for kind in SERVICE_KINDS:
        for season in SEASONS:
            col = f"tt_{kind}_min" if season == "summer" else f"tt_{kind}_min_{season}"
            if col in df.columns:
                out.setdefault(kind, {})[season] = col
    return out


def village_popup(
    row: Mapping[str, Any],
    *,
    criteria: Sequence[str] = (),
    contrib_max: float = 1.0,
    tt_cols: Mapping[str, Mapping[str, str]] | None = None,
    proxy_kinds: Sequence[str] = (),
    top_n: int = TOP_N,
) -> str:
    """Trilingual, HTML-escaped popup of one village (all languages rendered, CSS shows one).

    Parameters
    ----------
    row
        One settlements row (a mapping of column → value).
    criteria
        Criterion names whose ``contrib_<c>`` are drawn as bars.
    contrib_max
        The largest absolute contribution on the map (bar length 100 %).
    tt_cols
        Output of :func:`travel_columns`.
    proxy_kinds
        Facility kinds whose points include proxies (their minutes get a "proxy" flag).
    top_n
        N of the "district top-N" stability measure.
    """
    names = name_variants(row)
    parts = ['<div class="sko-pop">', f"<h4>{spans(names)}</h4>"]
    alt = [row.get("name_kk"), row.get("name_ru")]
    alt_txt = " / ".join(html.escape(str(a)) for a in alt if isinstance(a, str) and a.strip())
    if alt_txt:
        parts.append(f'<div class="sko-sub">{alt_txt}</div>')
    dist = {
        "kk": row.get("district_kk") or row.get("district"),
        "ru": row.get("district"),
        "en": row.get("district_en") or row.get("district"),
    }
    rows = []
    if any(isinstance(v, str) and v for v in dist.values()):
        rows.append((span_key("district"), spans({k: str(v or "") for k, v in dist.items()})))
    if "population" in row:
        pop = _num(row.get("population"))
        val = _fmt(pop) if not math.isnan(pop) else span_key("population_missing")
        src = row.get("population_source")
        if isinstance(src, str) and src not in ("osm", "table"):
            val += f' <span class="sko-flag">({esc(src)})</span>'
        rows.append((span_key("population"), val))
    excluded = _tri(row, "housing_excluded")
    if excluded is None:
        rows.append((span_key("score"), f"<b>{_fmt(row.get('housing_score'), 1)}</b>"))
        if "housing_rank" in row:
            rows.append((span_key("rank_oblast"), f'<b class="sko-rank">{_fmt(row.get("housing_rank"))}</b>'))
        if "housing_rank_district" in row:
            rows.append(
                (
                    span_key("rank_district"),
                    f'<b class="sko-rank-district">{_fmt(row.get("housing_rank_district"))}</b>',
                )
            )
        p_top = _num(row.get("housing_p_top_district"))
        if not math.isnan(p_top):
            rows.append((span_key("stability").replace("N", str(top_n)), f"{p_top * 100:.0f} %"))
    parts.append("<table>" + "".join(f"<tr><th>{a}</th><td>{b}</td></tr>" for a, b in rows) + "</table>")
    if excluded is not None:
        parts.append(
            f'<div class="sko-excluded">{span_key("excluded")}: {spans(excluded)}</div>'
        )
    parts.append(contribution_bars(row, criteria, contrib_max=contrib_max))
    for key, col in (("reasons_for", "housing_reasons_for"), ("reasons_against", "housing_reasons_against")):
        variants = _tri(row, col)
        if variants:
            parts.append(f"<div><b>{span_key(key)}</b>{_reason_list(variants)}</div>")
    if tt_cols:
        seasons = [s for s in SEASONS if any(s in d for d in tt_cols.values())]
        head = "".join(f"<th>{spans(season_texts(s))}</th>" for s in seasons)
        trs = []
        for kind, cols in tt_cols.items():
            cells = []
            for s in seasons:
                tt_col = cols.get(s)
                v = _num(row.get(tt_col)) if tt_col else math.nan
                cells.append(f"<td>{_fmt(v)}</td>" if tt_col and not math.isnan(v) else
                             f"<td>{span_key('unreachable') if tt_col else '—'}</td>")
            flag = f' <span class="sko-flag">({span_key("proxy")})</span>' if kind in proxy_kinds else ""
            trs.append(f"<tr><td>{spans(kind_texts(kind))}{flag}</td>{''.join(cells)}</tr>")
        parts.append(
            f"<div><b>{span_key('minutes_to')}</b><table><tr><th>{span_key('service')}</th>{head}</tr>"
            + "".join(trs) + "</table></div>"
        )
    flags = []
    snap = _num(row.get("snap_m"))
    if not math.isnan(snap):
        snap_flag = row.get("snap_flag")
        extra = (
            f' <span class="sko-flag">({span_key(SNAP_FLAG_KEYS[snap_flag])})</span>'
            if snap_flag in SNAP_FLAG_KEYS
            else ""
        )
        flags.append(f"{span_key('snap')}: {_fmt(snap)} {span_key('unit_m')}{extra}")
    net = row.get("network_source")
    if isinstance(net, str) and net:
        if net == "approximate":
            flags.append(f'<span class="sko-flag">{span_key("approx_network")}</span>')
        else:
            flags.append(f"{span_key('network')}: {esc(net)}")
    data_flags = _tri(row, "housing_data_flags")
    if flags or data_flags:
        listed = _reason_list(data_flags) if data_flags else ""
        parts.append(
            f'<div class="sko-flag-box"><b>{span_key("data_quality")}</b><br>{"<br>".join(flags)}{listed}</div>'
        )
    parts.append("</div>")
    return "".join(parts)


def village_tooltip(row: Mapping[str, Any]) -> str:
    """Escaped trilingual name for the hover tooltip."""
    return spans(name_variants(row))


def search_names(row: Mapping[str, Any]) -> dict[str, str]:
    """Names the search box matches (raw text: the page inserts it with ``textContent``)."""
    out = name_variants(row)
    base = row.get("name")
    if isinstance(base, str):
        out["alt"] = base
    return out


def add_districts(m: folium.Map, districts: gpd.GeoDataFrame, *, show: bool = True) -> DataLayer:
    """District boundaries as one outline layer (popup/tooltip with the trilingual name)."""
    d = to_wgs84(districts, what="districts")
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
    ).add_to(m)


def dedupe_lines(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop rows whose line is a copy of an earlier one (also reversed: both directions of an edge)."""
    geoms = gdf.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    keys = pd.Series(shapely.to_wkb(shapely.normalize(geoms[ok])), index=gdf.index[ok])
    return gdf.loc[keys.index[~keys.duplicated().to_numpy()]]


def add_roads(
    m: folium.Map, roads: gpd.GeoDataFrame, *, show: bool = True, simplify: float = ROAD_SIMPLIFY_DEG
) -> DataLayer:
    """Roads as one line layer, width and grey by ``highway`` class, with a legend.

    A network's edges come once per direction: each line is drawn once. Links flagged
    ``approximate`` (straight-line links of an approximate network) are dashed and the legend says so.
    Geometry is simplified by ``simplify`` degrees (display only).
    """
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
    styles = [ROAD_STYLE.get(c, ROAD_DEFAULT_STYLE) for c in classes]
    data = GeoData(feature_collection(r, props, simplify=simplify)).add_to(m)
    layer = DataLayer(
        data, name=span_key("layer_roads"),
        options={"kind": "line", "key": "road", "palette": [st[1] for st in styles],
                 "weights": [st[0] for st in styles],
                 "tips": [spans(road_texts(c)) for c in classes], "dash_prop": "_a", "opacity": 0.8,
                 "pane": CONTEXT_PANE},
        show=show, order=ORDER_CONTEXT,
    ).add_to(m)
    present = [c for c in classes if c in set(cls)]
    Legend(
        layer,
        title=texts("layer_roads"),
        colors=[ROAD_STYLE.get(c, ROAD_DEFAULT_STYLE)[1] for c in present],
        labels=[road_texts(c) for c in present],
        notes=[texts("approx_link_note")] if approx.any() else [],
        shape="line",
    ).add_to(m)
    logger.info("Roads layer: %d lines (%d approximate links)", len(r), int(approx.sum()))
    return layer


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
        for j, r in sub.iterrows():
            rows = [
                f"<h4>{esc(r.get('name')) or spans(kind_texts(kind))}</h4>",
                f"{span_key('kind')}: {spans(kind_texts(kind))}",
            ]
            if "source" in sub.columns:
                src = esc(r.get("source"))
                if is_proxy[j]:
                    rule = esc(r.get("proxy_rule")) if "proxy_rule" in sub.columns else ""
                    src = f'<span class="sko-flag">{span_key("proxy")}{": " + rule if rule else ""}</span>'
                rows.append(f"{span_key('source')}: {src}")
            for col, key in (("capacity", "capacity"), ("jobs", "jobs")):
                if col in sub.columns and not math.isnan(_num(r.get(col))):
                    rows.append(f"{span_key(key)}: {_fmt(r.get(col))}")
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
        ).add_to(m)
        notes = [texts("proxy_note")] if any(is_proxy) else []
        Legend(layer, title=kind_texts(kind), colors=[color], labels=[kind_texts(kind)], notes=notes).add_to(m)
        layers.append(layer)
    return layers


def _approx_notes(df: pd.DataFrame) -> list[dict[str, str]]:
    if "network_source" in df.columns and (df["network_source"].astype(str) == "approximate").any():
        return [texts("approx_network")]
    return []


def housing_map(
    settlements: gpd.GeoDataFrame,
    *,
    facilities: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    lang: str = "ru",
    title: Mapping[str, str] | str | None = None,
    sample: bool = False,
    attribution: str = DEFAULT_ATTRIBUTION,
    top_n: int = TOP_N,
    tiles: str | None = None,
    m: folium.Map | None = None,
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
    props["_popup"], labels = compact_html(props["_popup"])
    data = GeoData(feature_collection(s, props), labels=labels).add_to(m)

    if districts is not None:
        add_districts(m, districts)
    if roads is not None:
        add_roads(m, roads, show=False)

    notes = _approx_notes(s)
    for j, c in enumerate(criteria):
        e = norm_edges[c]
        pal = palette_for(max(len(e) - 1, 1))
        layer = DataLayer(
            data,
            name=spans(texts_with("layer_criterion", "c", criterion_texts(c))),
            options={"kind": "point", "key_arr": "_kc", "key_idx": j, "palette": pal, "na": NA_COLOR, "only": "_ok"},
            show=False,
            order=ORDER_CRITERIA,
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
    if isinstance(title, str):
        title = {k: title for k in ("kk", "ru", "en")}
    add_page_ui(m, lang=lang, title=title or texts("housing_title"), sample=sample, attribution=attribution,
                banners=notes)
    logger.info("Housing map: %d villages (%d excluded), %d criteria", len(s), int(excluded.sum()), len(criteria))
    return m
