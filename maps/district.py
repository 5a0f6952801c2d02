"""Printable one-page sheet per district: inline SVG map of the district and its villages + shortlist."""

from __future__ import annotations

import datetime
import html
import logging
import math
from collections.abc import Callable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.categories import CATEGORY_LABELS
from maps.dashboard import page_head, shortlist_table
from maps.i18n import LANGS, check_lang, span_key, spans, texts
from maps.plan_story import quota_table_html
from maps.style import (
    NA_COLOR,
    VIRIDIS_5,
    class_edges,
    classify,
    edge_labels,
    name_variants,
    palette_for,
    to_wgs84,
)

logger = logging.getLogger(__name__)

SVG_WIDTH_PX = 640
SVG_HEIGHT_PX = 420
SVG_PAD_PX = 12
#: A4 portrait, 12 mm margins: 186 mm of text width (703 px at 96 dpi). The sheet is laid out at that
#: width on screen too, so what the planner sees is what prints.
PAGE_WIDTH_MM = 186
PRINT_CSS = (
    "@page{size:A4 portrait;margin:12mm}"
    f"body{{max-width:{PAGE_WIDTH_MM}mm;margin:1em auto;padding:0 1em}}"
    "h1{font-size:20px;margin:.2em 0}h2{font-size:15px;margin:.8em 0 .3em}"
    ".sko-meta{color:#444;font-size:12px;margin:.2em 0 .6em}"
    ".sko-home{font-size:12px}"
    "svg.sko-district-map{display:block;box-sizing:border-box;width:100%;height:auto;"
    "border:1px solid #ccc;background:#fafafa}"
    ".sko-svg-label{font:10px sans-serif;fill:#222;paint-order:stroke;stroke:#fff;stroke-width:3px}"
    ".sko-key{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:11px;margin:.3em 0}"
    ".sko-key span.k{display:inline-flex;align-items:center;gap:4px}"
    ".sko-key i{display:inline-block;width:10px;height:10px;border-radius:50%;border:1px solid #333}"
    "table.sko-sheet{table-layout:fixed;width:100%;font-size:11px}"
    "table.sko-sheet td,table.sko-sheet th{padding:2px 4px;overflow-wrap:anywhere;hyphens:auto}"
    "table.sko-sheet th{font-size:10.5px;overflow-wrap:normal;hyphens:auto}"
    ".sko-sortable td:nth-child(n+8){min-width:0;font-size:10.5px}"
    "table.sko-excluded-list td.sko-half{border-left:2px solid #999}"
    "ul.sko-caveats{margin:.2em 0;padding-left:1.2em;font-size:12px}"
    # print: one A4 page for every SKO district (largest sheet: 5 shortlisted, 20 excluded villages):
    # 9 mm top/bottom margins, a lower map, smaller type (tables 9.4 px = 7 pt), header rows repeated
    # and no row split when a long list still needs a second page
    "@media print{@page{size:A4 portrait;margin:9mm 12mm}"
    ".sko-lang,.sko-home,.sko-sub,.sko-profiles{display:none}"
    "body{margin:0;padding:0;max-width:none;font-size:10px;line-height:1.25}"
    "a{color:#000;text-decoration:none}tr{break-inside:avoid}h2{break-after:avoid}"
    "thead{display:table-header-group}"
    "h1{font-size:16px;margin:0 0 .1em}h2{font-size:12px;margin:.45em 0 .15em}p{margin:.2em 0}"
    ".sko-meta{font-size:10px;margin:0 0 .3em}"
    "svg.sko-district-map{max-height:62mm}"
    ".sko-key{font-size:9.5px;margin:.15em 0;gap:2px 10px}"
    "table.sko-sheet{font-size:9.4px;line-height:1.2}"
    "table.sko-sheet td,table.sko-sheet th{padding:1px 3px}"
    "table.sko-sheet th{font-size:8.4px}"
    ".sko-sortable td:nth-child(n+8){font-size:9.4px}"
    "table.sko-excluded-list{line-height:1.1}"
    "table.sko-quota-table{font-size:9.4px;line-height:1.15;margin:0}"
    "table.sko-quota-table td,table.sko-quota-table th{padding:1px 3px}"
    ".sko-quota-inline{font-size:9.4px;line-height:1.25;margin:.1em 0}"
    ".sko-flag-box{margin:.2em 0;padding:2px 4px}"
    # caveats run on as one paragraph in print (four bullets took four lines)
    "ul.sko-caveats{font-size:9.5px;margin:.1em 0;padding-left:0;list-style:none}"
    "ul.sko-caveats li{display:inline}ul.sko-caveats li+li:before{content:' · '}}"
)
#: the district sheet's shortlist columns (the district is the page's title) and their widths (%)
SHEET_COLUMNS: tuple[tuple[str, str], ...] = (
    ("housing_rank_district", "rank_short"),
    ("name", "village"),
    ("housing_score", "score"),
    ("housing_rank", "rank_oblast"),
    ("population", "population"),
    ("housing_p_top_district", "stability_short"),
    ("housing_reasons_for", "reasons_for"),
    ("housing_reasons_against", "reasons_against"),
)
SHEET_WIDTHS: dict[str, float] = {  # reasons: half the width, more for "for" (usually the longer text)
    "housing_rank_district": 4, "name": 12, "housing_score": 6, "housing_rank": 8.5, "population": 9.5,
    "housing_p_top_district": 10.5, "housing_reasons_for": 28.75, "housing_reasons_against": 20.75,
}
#: More excluded villages than this are listed in two halves side by side (the list takes half the height).
EXCLUDED_SPLIT_ROWS = 8
#: more quota villages than this on a sheet: its quota list is one paragraph (Kyzylzhar: 21 villages)
QUOTA_SPLIT_ROWS = 8
SHORTLIST_RING = "#d55e00"
LABEL_CHAR_PX = 5.6  # mean width of a 10 px sans-serif character (label collision boxes)


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


def _label_position(
    x: float, y: float, text: str, placed: list[tuple[float, float, float, float]]
) -> tuple[float, float]:
    """Where a label of a point goes: right, left, above or below it, the first place that overlaps no
    label placed before (else right); the chosen box is added to ``placed``."""
    w, h = LABEL_CHAR_PX * len(text), 11.0
    for tx, ty in ((x + 8, y + 3), (x - 8 - w, y + 3), (x - w / 2, y - 8), (x - w / 2, y + 15),
                   (x + 8, y - 8), (x + 8, y + 14)):
        box = (tx - 1, ty - h + 2, tx + w + 1, ty + 3)
        if (box[0] >= 0 and box[2] <= SVG_WIDTH_PX and box[1] >= 0 and box[3] <= SVG_HEIGHT_PX
                and not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed)):
            placed.append(box)
            return tx, ty
    placed.append((x + 7, y - h + 5, x + 9 + w, y + 6))
    return x + 8, y + 3


def district_svg(district_geom: shapely.Geometry, villages: gpd.GeoDataFrame, *, shortlisted: set[str]) -> str:
    """Inline SVG: the district polygon, villages coloured by score class, shortlisted ones labelled."""
    project = svg_projector(tuple(district_geom.bounds))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="sko-district-map" width="{SVG_WIDTH_PX}" '
           f'height="{SVG_HEIGHT_PX}" viewBox="0 0 {SVG_WIDTH_PX} {SVG_HEIGHT_PX}" role="img">',
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
        boxes: dict[str, list[tuple[float, float, float, float]]] = {}
        labels = []
        for i, (_, r) in enumerate(villages.iterrows()):
            col = pal[k[i]] if k[i] >= 0 else NA_COLOR
            sid = str(r.get("settlement_id", ""))
            big = sid in shortlisted
            out.append(f'<circle cx="{x[i]:.1f}" cy="{y[i]:.1f}" r="{6 if big else 3.5}" fill="{col}" '
                       f'stroke="{SHORTLIST_RING if big else "#333"}" stroke-width="{2 if big else 0.6}"/>')
            if big:
                for lang, nm in name_variants(r).items():
                    tx, ty = _label_position(float(x[i]), float(y[i]), nm, boxes.setdefault(lang, []))
                    labels.append(f'<text class="sko-svg-label lang-{lang}" x="{tx:.1f}" y="{ty:.1f}">'
                                  f"{html.escape(nm)}</text>")
        out += labels  # labels above every circle
    out.append("</svg>")
    return "".join(out)


def _key_html(villages: gpd.GeoDataFrame) -> str:
    """The legend under the map: score classes, shortlisted ring, excluded/unscored grey."""
    score = villages["housing_score"].astype(float) if "housing_score" in villages.columns else pd.Series(dtype=float)
    edges = class_edges(score)
    pal = palette_for(max(len(edges) - 1, 1), palette=VIRIDIS_5)
    items = [f'<span class="k"><i style="background:{c}"></i>{html.escape(lab)}</span>'
             for c, lab in zip(pal, edge_labels(edges, decimals=1), strict=False)] if len(edges) >= 2 else []
    items.append(f'<span class="k"><i style="background:{pal[-1] if pal else NA_COLOR};border:2px solid '
                 f'{SHORTLIST_RING}"></i>{span_key("legend_shortlisted")}</span>')
    items.append(f'<span class="k"><i style="background:{NA_COLOR}"></i>{span_key("legend_excluded_point")}</span>')
    return (f'<div class="sko-key"><b>{span_key("legend")}:</b> <span class="k">{span_key("legend_score")}</span>'
            + "".join(items) + "</div>")


def sheet_caveats(villages: pd.DataFrame) -> list[dict[str, str]]:
    """The data caveats of a district's villages: approximate network, unknown populations, data flags."""
    out: list[dict[str, str]] = []
    if "network_source" in villages.columns and (villages["network_source"].astype(str) == "approximate").any():
        out.append(texts("approx_network"))
    if "population" in villages.columns:
        n = int(villages["population"].isna().sum())
        if n:
            out.append(texts("caveat_population", {"n": n}))
    flags = villages.get("housing_data_flags_ru", villages.get("housing_data_flags"))
    if flags is not None:
        has = flags.astype("string").fillna("").str.strip() != ""
        if has.any():
            out.append(texts("caveat_flags", {"n": int(has.sum())}))
        if flags.astype("string").fillna("").str.contains("прокси|замещ", case=False, regex=True).any():
            out.append(texts("caveat_proxy_facilities"))
    return out


def excluded_table(villages: pd.DataFrame) -> str:
    """The district's excluded villages with their reasons (trilingual), or a line saying there are none."""
    if "housing_excluded" not in villages.columns:
        return f"<p>{span_key('no_excluded')}</p>"
    ex = villages[villages["housing_excluded"].notna() & (villages["housing_excluded"].astype(str).str.strip() != "")]
    if not len(ex):
        return f"<p>{span_key('no_excluded')}</p>"
    cells = []
    for _, r in ex.sort_values("name").iterrows():
        plain = r.get("housing_excluded")
        reason = {}
        for lang in LANGS:
            v = r.get(f"housing_excluded_{lang}")
            reason[lang] = v if isinstance(v, str) and v.strip() else (plain if isinstance(plain, str) else "")
        pop = r.get("population")
        pop_s = "—" if pop is None or pd.isna(pop) else f"{float(pop):,.0f}".replace(",", " ")
        cells.append(f"<td>{spans(name_variants(r))}</td><td>{pop_s}</td><td>{spans(reason)}</td>")
    head = (f'<th>{span_key("village")}</th><th>{span_key("population")}</th><th>{span_key("reasons")}</th>')
    if len(cells) <= EXCLUDED_SPLIT_ROWS:
        cols = '<col style="width:24%"><col style="width:12%"><col style="width:64%">'
        rows = [f"<tr>{c}</tr>" for c in cells]
    else:  # two halves side by side, read down the left half first
        half = (len(cells) + 1) // 2
        cols = '<col style="width:18%"><col style="width:9.5%"><col style="width:22.5%">' * 2
        head += head.replace("<th>", '<th class="sko-half">', 1)
        rows = []
        for i in range(half):
            right = cells[half + i] if half + i < len(cells) else "<td></td><td></td><td></td>"
            right = right.replace("<td>", '<td class="sko-half">', 1)
            rows.append(f"<tr>{cells[i]}{right}</tr>")
    return (f'<table class="sko-sheet sko-excluded-list"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def district_sheet_html(
    district_row: Mapping[str, Any] | pd.Series,
    settlements: gpd.GeoDataFrame,
    shortlist: pd.DataFrame,
    *,
    lang: str = "ru",
    run_date: str | None = None,
    home: str | None = "index.html",
    profiles: Callable[[str], str] | None = None,
    quota: Mapping[str, int] | None = None,
    quota_plan: Mapping[str, Any] | None = None,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """One printable A4 page for a district: map, legend, shortlist, excluded villages, caveats, date.

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
    run_date
        Date of the run shown on the sheet (default: today, ISO).
    home
        Link back to the run's dashboard (None: no link).
    profiles
        Settlement id -> the village's profile page (None: no links).
    quota
        Settlement id -> families of the year's quota plan placed there (None: not shown).
    quota_plan
        The year's quota plan (``plan.json["resettlement"]``): when given, a compact table of this
        district's villages (families, where the workers work, winter commute) and any shortfall
        replaces the one-line ``quota`` summary.
    names
        Settlement id -> names (kk/ru/en) of every settlement, to name job places outside the district.
    """
    check_lang(lang)
    did = str(district_row.get("district_id"))
    s = to_wgs84(settlements, what="settlements")
    vill = s[s["district_id"].astype(str) == did] if "district_id" in s.columns else s.iloc[0:0]
    sl = shortlist[shortlist["district_id"].astype(str) == did] if "district_id" in shortlist.columns else shortlist
    short_ids = set(sl["settlement_id"].astype(str)) if "settlement_id" in sl.columns else set()
    name = {k: str(district_row.get(f"name_{k}") or district_row.get("name_ru") or did) for k in ("kk", "ru", "en")}
    title = {k: f"{texts('district_sheet_title')[k]}: {name[k]}" for k in name}
    date = run_date or datetime.date.today().isoformat()
    parts = [page_head(title, lang=lang, print_css=PRINT_CSS)]
    if home:
        parts.append(f'<a class="sko-home" href="{html.escape(home, quote=True)}">{span_key("home")}</a>')
    parts.append(f"<h1>{spans(title)}</h1>")
    parts.append(f'<p class="sko-meta">{span_key("run_date")}: {html.escape(date)}</p>')
    parts.append(district_svg(district_row["geometry"], vill, shortlisted=short_ids))
    parts.append(_key_html(vill))
    parts.append(f"<h2>{span_key('shortlist')}</h2>")
    if len(sl):
        table = shortlist_table(sl, columns=SHEET_COLUMNS, profiles=profiles)
        present = [c for c, _ in SHEET_COLUMNS if f"<th>{span_key(_)}</th>" in table]
        total = sum(SHEET_WIDTHS[c] for c in present) or 1
        cols = "".join(f'<col style="width:{SHEET_WIDTHS[c] * 100 / total:.1f}%">' for c in present)
        table = table.replace('<table class="sko-sortable">',
                              f'<table class="sko-sortable sko-sheet"><colgroup>{cols}</colgroup>', 1)
        parts.append(table)
    else:
        parts.append(f"<p><b>{span_key('no_shortlist' if len(vill) else 'no_villages')}</b></p>")
    parts.append(f"<h2>{span_key('excluded_villages')}</h2>{excluded_table(vill)}")
    if "settlement_category" in vill.columns and len(vill):
        counts = vill["settlement_category"].astype(str).value_counts()
        items = "; ".join(f"{spans(CATEGORY_LABELS.get(c, {'kk': c, 'ru': c, 'en': c}))}: {int(n)}"
                          for c, n in counts.items())
        parts.append(f"<h2>{span_key('layer_categories')}</h2><p>{items}</p>")
    if quota_plan is not None:
        ids = [str(x) for x in vill["settlement_id"]] if "settlement_id" in vill.columns else []
        parts.append(f"<h2>{span_key('quota_families_title')}</h2>"
                     + quota_table_html(quota_plan, names or {}, only=ids, split_rows=QUOTA_SPLIT_ROWS))
    elif quota is not None:
        here = [(r, int(quota[str(r["settlement_id"])])) for _, r in vill.iterrows()
                if int(quota.get(str(r["settlement_id"]), 0) or 0) > 0]
        total = sum(n for _, n in here)
        lines = ", ".join(f"{spans(name_variants(r))}: {n}" for r, n in sorted(here, key=lambda x: -x[1]))
        parts.append(f"<h2>{span_key('quota_families_title')}</h2><p><b>{total}</b>{': ' + lines if lines else ''}</p>")
    if profiles is not None and len(vill):
        links = ", ".join(
            f'<a href="{html.escape(profiles(str(r["settlement_id"])), quote=True)}">{spans(name_variants(r))}</a>'
            for _, r in vill.sort_values("name").iterrows())
        parts.append(f'<div class="sko-profiles"><h2>{span_key("profiles_title")}</h2><p>{links}</p></div>')
    caveats = sheet_caveats(vill)
    if caveats:
        parts.append(f"<h2>{span_key('caveats')}</h2><ul class=\"sko-caveats\">"
                     + "".join(f"<li>{spans(c)}</li>" for c in caveats) + "</ul>")
    parts.append("</body></html>")
    logger.info("District sheet %s: %d villages, %d shortlisted", did, len(vill), len(sl))
    return "".join(parts)
