"""index.html: links to every map, the run summary and a sortable per-district shortlist.

``summary`` keys used (all optional): ``region`` ({kk, ru, en} or str), ``sample`` (bool),
``sources`` (list of {name, date, licence/license, path}), ``proxies`` (list of {layer, what, rule}),
``approximations`` (list of str or {kk, ru, en}), ``parameters`` (dict), ``data_date`` (str).
``links``: {"maps": {label: href}, "downloads": {label: href}} (label: str or {kk, ru, en}).
"""

from __future__ import annotations

import html
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from maps.i18n import (
    LANGS,
    TEXT,
    check_lang,
    kind_texts,
    labelled_texts,
    phrase_texts,
    season_texts,
    span_key,
    spans,
    texts,
    value_texts,
)
from maps.style import asset_text, esc

logger = logging.getLogger(__name__)

SHORTLIST_COLUMNS: tuple[tuple[str, str], ...] = (  # column -> i18n key of its heading
    ("district", "district"),
    ("housing_rank_district", "rank_district"),
    ("name", "village"),
    ("housing_score", "score"),
    ("housing_rank", "rank_oblast"),
    ("population", "population"),
    ("housing_p_top_district", "stability"),
    ("housing_reasons_for", "reasons_for"),
    ("housing_reasons_against", "reasons_against"),
)
#: maps.tables.shortlist() names -> settlements names (the table accepts both)
SHORTLIST_ALIASES: dict[str, str] = {
    "rank_district": "housing_rank_district",
    "score": "housing_score",
    "rank": "housing_rank",
    "p_top_district": "housing_p_top_district",
    **{f"{c}_{lang}": f"housing_{c}_{lang}" for c in ("reasons_for", "reasons_against", "data_flags")
       for lang in LANGS},
}
SHEET_PREFIX = "district_"  # map links to files named like this are listed as district sheets


def _tr(value: Any) -> str:
    """A str or trilingual dict as escaped spans."""
    if isinstance(value, Mapping):
        return spans({k: str(v) for k, v in value.items()})
    return esc(value)


def page_head(title: Mapping[str, str], *, lang: str, print_css: str = "") -> str:
    """Common <head> and <body> opening with the language switch (own CSS/JS inlined)."""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title[lang])}</title><style>{asset_text('mapui.css')}"
        "body{font:14px/1.45 'Segoe UI',Arial,sans-serif;margin:1.2em 2em;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 7px;text-align:left}"
        "td{vertical-align:top}.sko-sortable td:nth-child(n+8){font-size:12px;min-width:18em}"
        ".sko-banner{display:inline-block;margin:4px 0}"
        "th[aria-sort=ascending]::after{content:' ▲'}th[aria-sort=descending]::after{content:' ▼'}"
        ".sko-lang{float:right;box-shadow:none}"
        f"{print_css}</style><script>{asset_text('table.js')}</script></head>"
        f'<body class="lang-{lang}" data-lang="{lang}">'
        '<div class="sko-lang">' + span_key("language") + ": "
        + "".join(f'<button type="button" data-lang="{x}">{x.upper()}</button>' for x in LANGS)
        + "</div>"
    )


def _cell(col: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or (not isinstance(v, str) and pd.isna(v)):
        return '<td data-v="">—</td>'
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if col == "housing_p_top_district":
            return f'<td data-v="{float(v)}">{float(v) * 100:.0f} %</td>'
        shown = f"{v:.1f}" if col == "housing_score" else f"{v:,.0f}".replace(",", " ")
        return f'<td data-v="{float(v)}">{shown}</td>'
    return f"<td>{esc(v)}</td>"


def normalise_shortlist(shortlist: pd.DataFrame) -> pd.DataFrame:
    """Rename ``maps.tables.shortlist`` columns (``score``, ``rank_district`` …) to the settlements names."""
    ren = {a: b for a, b in SHORTLIST_ALIASES.items() if a in shortlist.columns and b not in shortlist.columns}
    return shortlist.rename(columns=ren)


def _tri_cell(r: Mapping[str, Any] | pd.Series, base: str) -> str:
    """A ``;``-separated trilingual text column as one escaped cell (one line per item)."""
    out = {}
    for lang in LANGS:
        v = r.get(f"{base}_{lang}")
        v = v if isinstance(v, str) else r.get(base)
        items = [x.strip() for x in str(v).split(";") if x.strip()] if isinstance(v, str) else []
        out[lang] = "<br>".join(html.escape(x) for x in dict.fromkeys(items))
    return "<td>" + "".join(f'<span class="lang-{k}">{v}</span>' for k, v in out.items()) + "</td>"


def shortlist_table(shortlist: pd.DataFrame, *, columns: Sequence[tuple[str, str]] = SHORTLIST_COLUMNS) -> str:
    """The sortable shortlist table (escaped); names shown per language when present.

    Accepts the settlements columns (``housing_score`` …) or those of ``maps.tables.shortlist``
    (``score``, ``rank_district``, ``reasons_for_kk`` …).
    """
    shortlist = normalise_shortlist(shortlist)
    present = set(shortlist.columns)
    cols = [(c, k) for c, k in columns
            if c in present or any(f"{c}_{lang}" in present for lang in LANGS)]
    head = "".join(f"<th>{span_key(k)}</th>" for _, k in cols)
    body = []
    for _, r in shortlist.iterrows():
        cells = []
        for c, _ in cols:
            if c == "name":
                v = {lang: r.get(f"name_{lang}") if isinstance(r.get(f"name_{lang}"), str) else r.get("name")
                     for lang in LANGS}
                cells.append(f'<td>{spans({k: str(x or "") for k, x in v.items()})}</td>')
            elif c == "district":
                v = {"kk": r.get("district_kk") or r.get("district"), "ru": r.get("district"),
                     "en": r.get("district_en") or r.get("district")}
                cells.append(f'<td>{spans({k: str(x or "") for k, x in v.items()})}</td>')
            elif c.startswith("housing_reasons"):
                cells.append(_tri_cell(r, c))
            else:
                cells.append(_cell(c, r.get(c)))
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="sko-sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
            f'<p class="sko-sub">{span_key("sort_hint")}</p>')


def _value(value: Any, prefix: str = "") -> str:
    """A coded value in the page language when there is a text for it (``TEXT[prefix_value]``, a
    known phrase, a column label), else escaped as it is."""
    if value is None:
        return ""
    shown = value_texts(prefix, value) if prefix else phrase_texts(str(value))
    if shown is None:
        shown = labelled_texts({lang: str(value) for lang in LANGS})
    return spans(shown)


def _record_cell(record: Mapping[str, Any], key: str) -> str:
    """A record's value, in every language when the record has ``<key>_kk/_ru/_en`` variants."""
    if all(f"{key}_{lang}" in record for lang in LANGS):
        return spans(labelled_texts({lang: str(record[f"{key}_{lang}"]) for lang in LANGS}))
    if key == "what" and record.get("layer") == "facilities":
        return spans(kind_texts(str(record.get(key))))
    if key == "layer":
        return _value(record.get(key), "layername")
    if key in ("what", "rule"):
        return _value(record.get(key))
    return esc(record.get(key))


def _dropped_what(record: Mapping[str, Any]) -> str:
    """The trilingual reason of a dropped/corrected-rows record (its code when there is no text for it)."""
    key = f"dropped_{record.get('what')}"
    return span_key(key) if key in TEXT else esc(record.get("rule") or record.get("what"))


def _record_table(records: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> str:
    """A table of run.json records (proxies, approximations, missing data), columns present in any."""
    keys = [k for k in keys if any(k in r or f"{k}_ru" in r for r in records)]
    head = "".join(f"<th>{span_key(k)}</th>" for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{_record_cell(r, k)}</td>" for k in keys) + "</tr>" for r in records)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _links(items: Mapping[Any, str], labels: Mapping[str, Any] | None = None) -> str:
    """Links as a list; a label is the trilingual text for the file (``map_<stem>`` or ``labels[href]``)
    when there is one, else the given label."""
    out = []
    for label, href in items.items():
        stem = str(href).rsplit(".", 1)[0]
        known = (labels or {}).get(str(href))
        if known is None and f"map_{stem}" in TEXT:
            known = texts(f"map_{stem}")
        shown = _tr(known) if known is not None else (_tr(label) if not isinstance(label, str) else esc(label))
        out.append(f'<li><a href="{html.escape(str(href), quote=True)}">{shown}</a></li>')
    return "<ul>" + "".join(out) + "</ul>"


def _param_value(key: str, value: Any) -> str:
    if key == "seasons" and isinstance(value, (list, tuple)):
        return ", ".join(spans(season_texts(str(s))) for s in value)
    return esc(value)


def _fmt(value: Any, digits: int = 1) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if not math.isfinite(v):
        return "—"
    return f"{v:.{digits}f}" if v != round(v) else f"{int(round(v))}"


def _plan_section(plan: Mapping[str, Any] | None) -> str:
    """The joint plan: chosen farms, joint vs separate metrics, and the milk assignment status."""
    if not plan or not plan.get("farms"):
        return ""
    out = [f"<h2>{span_key('dash_plan')}</h2><h3>{span_key('dash_farms')}</h3><ul>"]
    for f in plan["farms"]:
        kind = texts("dash_existing") if f.get("existing") else texts("dash_new")
        def _str(v: Any) -> str | None:
            return v if isinstance(v, str) and v.strip() else None

        names = {"kk": _str(f.get("name_kk")) or _str(f.get("name")) or "",
                 "ru": _str(f.get("name_ru")) or _str(f.get("name")) or "",
                 "en": _str(f.get("name")) or str(f.get("site_id") or "")}
        out.append(f"<li>{spans(names)} — {esc(f.get('district') or '')} ({spans(kind)}; "
                   f"{_fmt(f.get('jobs'), 0)} / {_fmt(f.get('workers_assigned'), 0)})</li>")
    out.append("</ul>")
    rows = "".join(
        f"<tr><td>{spans({k: r.get(f'label_{k}') or r.get('metric') for k in LANGS})}</td>"
        f"<td>{_fmt(r.get('joint'), 2)}</td><td>{_fmt(r.get('separate'), 2)}</td></tr>"
        for r in plan.get("comparison") or []
    )
    if rows:
        out.append(f"<table><thead><tr><th>{span_key('dash_metric')}</th><th>{span_key('dash_joint')}</th>"
                   f"<th>{span_key('dash_separate')}</th></tr></thead><tbody>{rows}</tbody></table>")
    milk = plan.get("milk") or {}
    if milk:
        out.append(f"<p><b>{span_key('dash_milk')}:</b> {_value(milk.get('status'))}"
                   + (f"; {_fmt(milk.get('unplaced_t'))} t/day unplaced" if milk.get("unplaced_t") else "")
                   + "</p>")
    return "".join(out)


def _scenario_section(scenarios: Sequence[Mapping[str, Any]]) -> str:
    """One row per scenario: title, assumptions, villages up / down, mean score change."""
    if not scenarios:
        return ""
    head = "".join(f"<th>{span_key(k)}</th>"
                   for k in ("dash_scenario", "assumptions", "dash_up", "dash_down", "dash_mean"))
    body = "".join(
        f"<tr><td>{spans(sc.get('title') or {k: sc.get('name') for k in LANGS})}</td>"
        f"<td>{spans(sc.get('assumptions') or {k: '' for k in LANGS})}</td>"
        f"<td>{_fmt(sc.get('villages_up'), 0)}</td><td>{_fmt(sc.get('villages_down'), 0)}</td>"
        f"<td>{_fmt(sc.get('mean_score_change'), 2)}</td></tr>"
        for sc in scenarios
    )
    return (f"<h2>{span_key('dash_scenarios')}</h2><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def dashboard_html(
    summary: Mapping[str, Any],
    shortlist: pd.DataFrame,
    links: Mapping[str, Mapping[Any, Any]],
    *,
    lang: str = "ru",
) -> str:
    """The dashboard page (self-contained HTML string; write it with ``maps.offline.write_html``).

    Parameters
    ----------
    summary
        Run summary (see module doc).
    shortlist
        Per-district shortlist rows (settlements columns: district, housing_rank_district, name, …).
    links
        ``{"maps": {label: href}, "downloads": {label: href}}``.
    lang
        Default language.
    """
    check_lang(lang)
    region = summary.get("region") or ""
    parts = [page_head(texts("dashboard_title"), lang=lang)]
    parts.append(f"<h1>{span_key('dashboard_title')}</h1>")
    if summary.get("sample"):
        parts.append(f'<div class="sko-banner sko-banner-sample">{span_key("sample_banner")}</div>')
    if summary.get("network_source") == "approximate":
        parts.append(f'<div class="sko-banner">{span_key("approx_network")}</div>')
    parts.append(f"<p><b>{span_key('region')}:</b> {_tr(region)}</p>")
    map_links = {k: v for k, v in links.get("maps", {}).items() if not str(v).startswith(SHEET_PREFIX)}
    sheet_links = {k: v for k, v in links.get("maps", {}).items() if str(v).startswith(SHEET_PREFIX)}
    sheet_links.update(links.get("sheets", {}))
    parts.append(f"<h2>{span_key('maps')}</h2>{_links(map_links)}")
    if sheet_links:
        parts.append(f"<h2>{span_key('district_sheets')}</h2>{_links(sheet_links, links.get('labels'))}")
    parts.append(f"<h2>{span_key('downloads')}</h2>{_links(links.get('downloads', {}))}")
    parts.append(f"<h2>{span_key('run_summary')}</h2>")
    srcs = summary.get("sources") or []
    if srcs:
        rows = "".join(
            f"<tr><td>{_value(s.get('name'))}</td><td>{_value(s.get('date') or summary.get('data_date') or '')}</td>"
            f"<td>{_value(s.get('licence') or s.get('license') or '')}</td></tr>"
            for s in srcs
        )
        parts.append(f"<h3>{span_key('sources')}</h3><table><thead><tr><th>{span_key('source')}</th>"
                     f"<th>{span_key('date')}</th><th>{span_key('licence')}</th></tr></thead><tbody>{rows}</tbody></table>")
    proxies = summary.get("proxies") or []
    parts.append(f"<h3>{span_key('proxies')}</h3>")
    if proxies:
        parts.append(_record_table(proxies, ("layer", "what", "rows", "rule")))
    else:
        parts.append(f"<p>{span_key('none')}</p>")
    approx = summary.get("approximations") or []
    parts.append(f"<h3>{span_key('approximations')}</h3>")
    records = [a for a in approx if isinstance(a, Mapping) and not all(k in a for k in LANGS)]
    texts_ = [a for a in approx if a not in records]
    if records:
        parts.append(_record_table(records, ("layer", "what", "rule")))
    if texts_:
        parts.append("<ul>" + "".join(f"<li>{_tr(a)}</li>" for a in texts_) + "</ul>")
    if not approx:
        parts.append(f"<p>{span_key('none')}</p>")
    if summary.get("network_source"):
        parts.append(f"<p><b>{span_key('network_source')}:</b> {_value(summary['network_source'], 'netsrc')}"
                     + (f' <span class="sko-flag">({span_key("approx_network")})</span>'
                        if summary["network_source"] == "approximate" else "") + "</p>")
    missing = summary.get("missing") or []
    if missing:
        parts.append(f"<h3>{span_key('missing_data')}</h3>"
                     + _record_table(missing, ("layer", "what", "rows", "rule")))
    dropped = summary.get("dropped") or []
    if dropped:
        rows = "".join(
            f"<tr><td>{_value(d.get('layer'), 'layername')}</td><td>{_dropped_what(d)}</td>"
            f"<td>{esc(d.get('rows'))}</td><td>{esc(', '.join(map(str, d.get('examples', [])[:5])))}</td></tr>"
            for d in dropped
        )
        head = "".join(f"<th>{span_key(k)}</th>" for k in ("layer", "what", "rows", "examples"))
        parts.append(f"<h3>{span_key('dropped_rows')}</h3><table><thead><tr>{head}</tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
    counts = summary.get("counts") or {}
    if counts:
        rows = "".join(f"<tr><td>{_value(k, 'count')}</td><td>{esc(v)}</td></tr>" for k, v in counts.items())
        parts.append(f"<h3>{span_key('counts')}</h3><table><tbody>{rows}</tbody></table>")
    params = summary.get("parameters") or {}
    if params:
        rows = "".join(f"<tr><td>{_value(k, 'param')}</td><td>{_param_value(k, v)}</td></tr>"
                       for k, v in params.items())
        parts.append(f"<h3>{span_key('parameters')}</h3><table><tbody>{rows}</tbody></table>")
    parts.append(_plan_section(summary.get("plan")))
    parts.append(_scenario_section(summary.get("scenarios") or []))
    parts.append(f"<h2>{span_key('shortlist')}</h2>{shortlist_table(shortlist)}")
    parts.append("</body></html>")
    logger.info("Dashboard: %d shortlist rows, %d map links", len(shortlist), len(links.get("maps", {})))
    return "".join(parts)
