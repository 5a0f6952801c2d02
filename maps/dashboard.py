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

from maps.i18n import LANGS, check_lang, span_key, spans, texts
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
)


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


def shortlist_table(shortlist: pd.DataFrame, *, columns: Sequence[tuple[str, str]] = SHORTLIST_COLUMNS) -> str:
    """The sortable shortlist table (escaped); names shown per language when present."""
    cols = [(c, k) for c, k in columns if c in shortlist.columns]
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
            else:
                cells.append(_cell(c, r.get(c)))
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="sko-sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
            f'<p class="sko-sub">{span_key("sort_hint")}</p>')


def _links(items: Mapping[str, str]) -> str:
    return "<ul>" + "".join(
        f'<li><a href="{html.escape(str(href), quote=True)}">{_tr(label) if not isinstance(label, str) else esc(label)}</a></li>'
        for label, href in items.items()
    ) + "</ul>"


def dashboard_html(
    summary: Mapping[str, Any],
    shortlist: pd.DataFrame,
    links: Mapping[str, Mapping[Any, str]],
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
    parts.append(f"<p><b>{span_key('region')}:</b> {_tr(region)}</p>")
    parts.append(f"<h2>{span_key('maps')}</h2>{_links(links.get('maps', {}))}")
    parts.append(f"<h2>{span_key('downloads')}</h2>{_links(links.get('downloads', {}))}")
    parts.append(f"<h2>{span_key('run_summary')}</h2>")
    srcs = summary.get("sources") or []
    if srcs:
        rows = "".join(
            f"<tr><td>{esc(s.get('name'))}</td><td>{esc(s.get('date') or summary.get('data_date') or '')}</td>"
            f"<td>{esc(s.get('licence') or s.get('license') or '')}</td></tr>"
            for s in srcs
        )
        parts.append(f"<h3>{span_key('sources')}</h3><table><thead><tr><th>{span_key('source')}</th>"
                     f"<th>{span_key('date')}</th><th>{span_key('licence')}</th></tr></thead><tbody>{rows}</tbody></table>")
    proxies = summary.get("proxies") or []
    parts.append(f"<h3>{span_key('proxies')}</h3>")
    if proxies:
        rows = "".join(f"<tr><td>{esc(p.get('layer'))}</td><td>{esc(p.get('what'))}</td><td>{esc(p.get('rule'))}</td></tr>"
                       for p in proxies)
        parts.append(f"<table><thead><tr><th>{span_key('layer')}</th><th>{span_key('what')}</th>"
                     f"<th>{span_key('rule')}</th></tr></thead><tbody>{rows}</tbody></table>")
    else:
        parts.append(f"<p>{span_key('none')}</p>")
    approx = summary.get("approximations") or []
    parts.append(f"<h3>{span_key('approximations')}</h3>")
    parts.append("<ul>" + "".join(f"<li>{_tr(a)}</li>" for a in approx) + "</ul>" if approx else f"<p>{span_key('none')}</p>")
    params = summary.get("parameters") or {}
    if params:
        rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in params.items())
        parts.append(f"<h3>{span_key('parameters')}</h3><table><tbody>{rows}</tbody></table>")
    parts.append(f"<h2>{span_key('shortlist')}</h2>{shortlist_table(shortlist)}")
    parts.append("</body></html>")
    logger.info("Dashboard: %d shortlist rows, %d map links", len(shortlist), len(links.get("maps", {})))
    return "".join(parts)
