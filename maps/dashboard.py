"""index.html: links to every map, the run summary and a sortable per-district shortlist.

``summary`` keys used (all optional): ``region`` ({kk, ru, en} or str), ``sample`` (bool),
``sources`` (list of {name, date, licence/license, path}), ``proxies`` (list of {layer, what, rule}),
``approximations`` (list of str or {kk, ru, en}), ``parameters`` (dict), ``data_date`` (str),
``counts``, ``missing``, ``plan``, ``scenarios``, and as in ``run.json``: ``criteria`` (the scoring
record: weight used, status, limits per criterion), ``criteria_definitions`` (``housing.criteria`` /
``housing.constraints`` with ``basis``, ``source``, ``unit``), ``categories`` (per district),
``evidence_weights`` and ``sensitivity``.
``links``: {"maps": {label: href}, "downloads": {label: href}} (label: str or {kk, ru, en}).
"""

from __future__ import annotations

import html
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from geo.errors import SitingError
from maps.i18n import (
    LANGS,
    TEXT,
    check_lang,
    criterion_texts,
    kind_texts,
    labelled_texts,
    phrase_texts,
    season_texts,
    span_key,
    spans,
    texts,
    texts_with,
    value_texts,
)
from maps.plan_story import (
    ALTERNATIVES,
    alternative_ids,
    alternative_sentence,
    plan_intro,
    plan_table_html,
    quota_table_html,
)
from maps.style import as_float, asset_text, esc, name_variants

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
        f"{print_css}</style><script>{asset_text('lang.js')}{asset_text('table.js')}</script></head>"
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


def shortlist_table(
    shortlist: pd.DataFrame,
    *,
    columns: Sequence[tuple[str, str]] = SHORTLIST_COLUMNS,
    profiles: Callable[[str], str] | None = None,
) -> str:
    """The sortable shortlist table (escaped); names shown per language when present, linked to the
    village's profile page when ``profiles`` (settlement id -> relative path) is given.

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
                name = spans({k: str(x or "") for k, x in v.items()})
                sid = r.get("settlement_id")
                if profiles is not None and isinstance(sid, str) and sid:
                    name = f'<a href="{html.escape(profiles(sid), quote=True)}">{name}</a>'
                cells.append(f"<td>{name}</td>")
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
    if isinstance(value, bool):  # not "True"/"False" on a kk/ru page
        return span_key("profile_yes" if value else "profile_no")
    return esc(value)


def _fmt(value: Any, digits: int = 1) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    if not math.isfinite(v):
        return "—"
    return f"{v:.{digits}f}" if v != round(v) else f"{int(round(v))}"


def _plan_section(plan: Mapping[str, Any] | None, settlements: pd.DataFrame | None = None) -> str:
    """The joint plan as one table (farm → housing villages → workers → commute), the alternatives in one
    sentence each, joint vs separate metrics, the milk assignment status, and the 2026 quota plan."""
    if not plan:
        return ""
    village_names: dict[str, dict[str, str]] = {}
    if settlements is not None and "settlement_id" in settlements.columns:
        cols = [c for c in settlements.columns if c == "name" or c.startswith("name_")]
        village_names = {str(k): name_variants(r) for k, r in
                         zip(settlements["settlement_id"].astype(str), settlements[cols].to_dict("records"),
                             strict=True)}
    out = [_quota_section(plan.get("resettlement"), village_names)]
    if not plan.get("farms"):
        return "".join(out)
    out.append(f"<h2>{span_key('dash_plan')}</h2>")
    if plan.get("parameters"):
        out.append(f"<p>{spans(plan_intro(plan))}</p>")
    out.append(f"<h3>{span_key('plan_table')}</h3>")
    out.append(plan_table_html(plan, {}, village_names))
    alts = [(k, alternative_sentence(plan, k)) for k in ALTERNATIVES if alternative_ids(plan, k)]
    if alts:
        out.append("<ul>" + "".join(f"<li><b>{span_key(f'layer_alt_{k}')}</b>: {spans(n)}</li>" for k, n in alts)
                   + "</ul>")
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


def _quota_section(quota: Mapping[str, Any] | None, village_names: Mapping[str, Mapping[str, str]]) -> str:
    """The 2026 quota plan: village → families → where the workers work → winter commute (or why not)."""
    return f"<h2>{span_key('layer_quota')}</h2>{quota_table_html(quota, village_names)}"


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


# ---------------------------------------------------------------- issue 15 §8: headline, how, what to improve
try:  # category labels live with the categories (geo/categories.py)
    from geo.categories import CATEGORIES, CATEGORY_LABELS
except ImportError:  # pragma: no cover - the geo package is part of the project
    CATEGORIES, CATEGORY_LABELS = (), {}

UNIT_KEYS: dict[str, str] = {"min": "unit_min", "minutes": "unit_min", "people": "unit_people",
                             "residents": "unit_people", "persons": "unit_people", "mm": "unit_mm", "m": "unit_m",
                             "%": "unit_pct", "percent": "unit_pct", "vacancies": "unit_vacancies"}
NORM_REF_RE = re.compile(r"[A-Z][A-Z_]+\.md(?: §[0-9.]+)?")
#: criteria on travel times depend on the road network; on vacancies, on the vacancy data
JOB_PREFIXES: tuple[str, ...] = ("vacancies_", "labour_pool_")


def _card(value: str, label_key: str, extra: str = "") -> str:
    return (f'<div class="sko-card"><div class="sko-card-v">{value}</div>'
            f'<div class="sko-card-l">{span_key(label_key)}{extra}</div></div>')


def _excluded_counts(settlements: pd.DataFrame | None) -> list[tuple[dict[str, str], int]]:
    """Excluded villages per reason (``housing_excluded_<lang>``; several reasons split on ``;``)."""
    if settlements is None or "housing_excluded" not in settlements.columns:
        return []
    ex = settlements[settlements["housing_excluded"].notna()
                     & (settlements["housing_excluded"].astype(str).str.strip() != "")]
    counts: dict[str, tuple[dict[str, str], int]] = {}
    for _, r in ex.iterrows():
        per = {lang: [x.strip() for x in str(r.get(f"housing_excluded_{lang}") or r.get("housing_excluded")).split(";")
                      if x.strip()] for lang in LANGS}
        n = len(per["ru"]) if all(len(v) == len(per["ru"]) for v in per.values()) else 0
        items = ([{lang: per[lang][i] for lang in LANGS} for i in range(n)] if n
                 else [{lang: "; ".join(per[lang]) for lang in LANGS}])
        for it in items:
            key = it["ru"]
            counts[key] = (it, counts.get(key, (it, 0))[1] + 1)
    return sorted(counts.values(), key=lambda kv: -kv[1])


def headline_section(summary: Mapping[str, Any], settlements: pd.DataFrame | None = None) -> str:
    """Headline numbers: settlements, scored, excluded, farms (new / existing), the quota plan."""
    counts = summary.get("counts") or {}
    n_all = counts.get("settlements", len(settlements) if settlements is not None else None)
    n_scored = counts.get("scored")
    n_excl = counts.get("excluded")
    if settlements is not None and "housing_score" in settlements.columns and n_scored is None:
        n_scored = int(settlements["housing_score"].notna().sum())
    cards = []
    for v, key in ((n_all, "dh_settlements"), (n_scored, "dh_scored"), (n_excl, "dh_excluded")):
        if v is not None:
            cards.append(_card(_fmt(v, 0), key))
    plan = summary.get("plan") or {}
    farms = plan.get("farms") or []
    if farms:
        new = sum(1 for f in farms if not f.get("existing"))
        cards.append(_card(f"{new} / {len(farms) - new}", "dh_farms"))
    quota = plan.get("resettlement") or {}
    if quota.get("quota_families"):
        placed = f"{_fmt(quota.get('families_allocated'), 0)} / {_fmt(quota.get('quota_families'), 0)}"
        extra = f" ({len(quota.get('villages') or [])} {span_key('dh_quota_villages')})"
        cards.append(_card(placed, "dh_quota", extra))
    return f"<h2>{span_key('dh_headline')}</h2>" + '<div class="sko-cards">' + "".join(cards) + "</div>"


def villages_section(summary: Mapping[str, Any], settlements: pd.DataFrame | None = None) -> str:
    """Why villages were excluded (reasons with counts) and the settlement categories per district."""
    out = []
    excl = _excluded_counts(settlements)
    if excl:
        rows = "".join(f"<tr><td>{spans(t)}</td><td class=\"n\">{n}</td></tr>" for t, n in excl)
        out.append(f'<div class="sko-col"><h3>{span_key("dh_excluded_why")}</h3><table><thead><tr>'
                   f'<th>{span_key("dh_reason")}</th><th>{span_key("dh_villages")}</th></tr></thead>'
                   f"<tbody>{rows}</tbody></table></div>")
    out.append(_categories_table(summary, settlements))
    return '<section class="sko-headline">' + "".join(out) + "</section>"


def _categories_table(summary: Mapping[str, Any], settlements: pd.DataFrame | None) -> str:
    """Settlements per category: the oblast total, then per district (``categories`` of run.json)."""
    per = summary.get("categories") or {}
    if not per and settlements is not None and "settlement_category" in settlements.columns:
        tab = pd.crosstab(settlements["district"].astype(str), settlements["settlement_category"].astype(str))
        per = {str(d): {str(c): int(v) for c, v in row.items() if v} for d, row in tab.iterrows()}
    if not per:
        return ""
    cats = [c for c in CATEGORIES if any(c in v for v in per.values())]
    cats += sorted({c for v in per.values() for c in v} - set(cats))
    names: dict[str, dict[str, str]] = {}
    if settlements is not None and "district" in settlements.columns:
        for _, r in settlements.drop_duplicates("district").iterrows():
            ru = str(r["district"])
            names[ru] = {"kk": str(r.get("district_kk") or ru) if isinstance(r.get("district_kk"), str) else ru,
                         "ru": ru,
                         "en": str(r.get("district_en") or ru) if isinstance(r.get("district_en"), str) else ru}
    head = "".join(f"<th>{spans(CATEGORY_LABELS.get(c) or {k: c for k in LANGS})}</th>" for c in cats)
    total = {c: sum(int(v.get(c, 0)) for v in per.values()) for c in cats}
    rows = [f"<tr><th>{span_key('dh_total')}</th>" + "".join(f'<td class="n"><b>{total[c]}</b></td>' for c in cats)
            + "</tr>"]
    for d, v in per.items():
        rows.append(f"<tr><td>{spans(names.get(d) or {k: d for k in LANGS})}</td>"
                    + "".join(f'<td class="n">{int(v.get(c, 0)) or ""}</td>' for c in cats) + "</tr>")
    return (f'<div class="sko-col"><h3>{span_key("dh_categories")}</h3><table><thead><tr>'
            f"<th>{span_key('district')}</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _unit(unit: Any) -> dict[str, str]:
    key = UNIT_KEYS.get(str(unit or "").strip().lower())
    return texts(key) if key else {k: "" for k in LANGS}


def _basis_cell(basis: Any, source: Any) -> str:
    """Whether a number is a norm or an assumption (translated), the documents it cites, and the
    analyst's own words from the criteria file (English) folded away under a summary."""
    text = str(basis or "").strip()
    src = str(source or "").strip()
    if not text and not src:
        return "<td>—</td>"
    refs = ", ".join(dict.fromkeys(NORM_REF_RE.findall(text)))
    if text.lower().startswith("assumption") or not text:
        kind = "dh_assumption"
    else:  # a norm when it cites one, else the analyst's reasoning
        kind = "dh_norm" if refs else "dh_rationale"
    original = "; ".join(x for x in (text, src) if x)
    return (f"<td>{span_key(kind)}{(' — ' + esc(refs)) if refs else ''}"
            f'<details><summary>{span_key("dh_original")}</summary><span lang="en">{esc(original)}</span>'
            "</details></td>")


def _limits_cell(rec: Mapping[str, Any], definition: Mapping[str, Any]) -> str:
    method = rec.get("method") or definition.get("method")
    direction = rec.get("direction") or definition.get("direction") or "higher"
    if method == "boolean":
        return f"<td>{span_key('dh_yes_better' if direction == 'higher' else 'dh_no_better')}</td>"
    better = span_key("dh_higher" if direction == "higher" else "dh_lower")
    unit = _unit(definition.get("unit"))
    lo, hi = as_float(definition.get("lo")), as_float(definition.get("hi"))
    if method == "threshold" and math.isfinite(lo) and math.isfinite(hi):
        rng = f"{_fmt(lo)}–{_fmt(hi)}" + (f" {spans(unit)}" if unit["ru"] else "")
    else:
        used_lo, used_hi = as_float(rec.get("lo")), as_float(rec.get("hi"))
        rng = span_key("dh_from_data")
        if math.isfinite(used_lo) and math.isfinite(used_hi):
            rng += f": {_fmt(used_lo)}–{_fmt(used_hi)}" + (f" {spans(unit)}" if unit["ru"] else "")
    return f"<td>{rng}; {better}</td>"


def criteria_table(record: Sequence[Mapping[str, Any]], defs: Mapping[str, Any]) -> str:
    """The table "criterion — weight (of 100) — limits (value function) — basis (source or assumption)".

    ``record`` is the scoring record (run.json ``criteria.housing``: weight used, status, bounds used),
    ``defs`` the criteria definitions (run.json ``criteria_definitions.housing``: limits, unit, basis,
    source). Either may be empty. Returns "" when there is no criterion at all.
    """
    record = [r for r in record if r.get("name")]
    by_name = {d.get("name"): d for d in defs.get("criteria", [])}
    if not record and not by_name:
        return ""
    if not record:
        record = [{"name": n, "status": "used", "weight_used": None} for n in by_name]
    rows = []
    for r in sorted(record, key=lambda r: (r.get("status") != "used", -as_float(r.get("weight_used") or 0))):
        d = by_name.get(r["name"], {})
        status = r.get("status", "used")
        if status == "used":
            w = as_float(r.get("weight_used"))
            weight = f"{100 * w:.1f}" if math.isfinite(w) else esc(d.get("weight"))
        elif status == "folded":
            reason = {k: str(r.get(f"reason_{k}") or "") for k in ("kk", "ru")}
            weight = f'<span class="sko-sub">{span_key("dh_folded")}</span>'
            if all(reason.values()):
                why = spans({**reason, "en": str(r.get("reason") or "")})
                weight += f"<details><summary>…</summary>{why}</details>"
        else:
            weight = f'<span class="sko-sub">{span_key("dh_not_used")}</span>'
        rows.append(f"<tr><td>{spans(criterion_texts(str(r['name'])))}</td><td class=\"n\">{weight}</td>"
                    f"{_limits_cell(r, d)}{_basis_cell(d.get('basis'), d.get('source'))}</tr>")
    head = "".join(f"<th>{span_key(k)}</th>" for k in ("dh_criterion", "dh_weight", "dh_limits", "dh_basis"))
    return f'<table class="sko-how"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def criteria_section(summary: Mapping[str, Any]) -> str:
    """"How the score is made": criterion — weight — limits — basis, then the constraints, what the
    score rests on (evidence points) and how the shortlists move with the time limits."""
    defs = (summary.get("criteria_definitions") or {}).get("housing") or {}
    table = criteria_table((summary.get("criteria") or {}).get("housing", []), defs)
    if not table:
        return ""
    out = [f'<h2 id="how">{span_key("dh_how")}</h2><p class="sko-sub">{span_key("dh_how_note")}</p>', table]
    cons = defs.get("constraints") or []
    if cons:
        crow = []
        for c in cons:
            reason = {k: str(c.get(f"reason_{k}") or c.get("reason_en") or "") for k in LANGS}
            action = "dh_flag" if c.get("action") == "flag" else "dh_exclude"
            crow.append(f"<tr><td>{spans(reason)}</td><td>{span_key(action)}</td>"
                        f"{_basis_cell(c.get('basis'), None)}</tr>")
        chead = "".join(f"<th>{span_key(k)}</th>" for k in ("dh_rule", "dh_action", "dh_basis"))
        out.append(f"<h3>{span_key('dh_constraints')}</h3><table><thead><tr>{chead}</tr></thead>"
                   f"<tbody>{''.join(crow)}</tbody></table>")
    ev = summary.get("evidence_weights") or {}
    if ev:
        items = "".join(f"<li>{spans({k: str(v.get(k) or name) for k in LANGS})}: "
                        f"<b>{_fmt(v.get('points'), 1)}</b> {span_key('dh_points')}</li>" for name, v in ev.items())
        out.append(f"<h3>{span_key('dh_evidence')}</h3><ul>{items}</ul>")
    sens = summary.get("sensitivity") or {}
    srows = []
    for limit, moves in sens.items():
        m = re.match(r"(?:criterion|constraint) (\w+)", str(limit))
        label = spans(criterion_texts(m.group(1))) if m else esc(limit)
        rng = re.search(r"\(([-0-9.]+)-([-0-9.]+) min\)|([<>]=?) ([-0-9.]+)", str(limit))
        if rng and rng.group(1):
            label += f" ({rng.group(1)}–{rng.group(2)} {spans(texts('unit_min'))})"
        elif rng:
            label += f" ({esc(rng.group(3))} {rng.group(4)} {spans(texts('unit_min'))})"
        cells = "".join(f'<td class="n">{_fmt((moves.get(k) or {}).get("top_changes"), 0)}</td>'
                        for k in ("-15", "+15"))
        srows.append(f"<tr><td>{label}</td>{cells}</tr>")
    if srows:
        out.append(f"<h3>{span_key('dh_sensitivity')}</h3><table><thead><tr><th>{span_key('dh_limit')}</th>"
                   f"<th>−15: {span_key('dh_top_changes')}</th><th>+15: {span_key('dh_top_changes')}</th></tr>"
                   f"</thead><tbody>{''.join(srows)}</tbody></table>")
    return "".join(out)


def improve_section(summary: Mapping[str, Any]) -> str:
    """What data would improve the answer most, ranked by the points of the score that depend on it."""
    record = [r for r in (summary.get("criteria") or {}).get("housing", []) if r.get("name")]
    total_in = sum(as_float(r.get("weight_input")) for r in record if math.isfinite(as_float(r.get("weight_input"))))
    needs: list[tuple[float, str]] = []
    if total_in > 0:
        jobs = [r for r in record if str(r.get("column") or r.get("name")).startswith(JOB_PREFIXES)
                and r.get("status") != "used"]
        if jobs:
            p = 100 * sum(as_float(r.get("weight_input")) for r in jobs) / total_in
            needs.append((p, span_key("dh_need_vacancies")))
        kinds: dict[str, float] = {}
        for r in record:
            m = re.match(r"tt_(\w+?)_min", str(r.get("column") or r.get("name")))
            if m and r.get("status") == "folded":
                kinds[m.group(1)] = kinds.get(m.group(1), 0.0) + as_float(r.get("weight_input"))
        if kinds:
            names = {k: ", ".join(kind_texts(x)[k] for x in kinds) for k in LANGS}
            needs.append((100 * sum(kinds.values()) / total_in, spans(texts_with("dh_need_facilities", "k", names))))
    if summary.get("network_source") == "approximate":
        p = 100 * sum(as_float(r.get("weight_used")) for r in record
                      if r.get("status") == "used" and str(r.get("column") or "").startswith("tt_"))
        needs.append((p, span_key("dh_need_roads")))
    pop_missing = sum(int(as_float(m.get("rows")) or 0) for m in summary.get("missing") or []
                      if m.get("layer") == "settlements" and m.get("what") == "population"
                      and math.isfinite(as_float(m.get("rows"))))
    if pop_missing:
        needs.append((-1.0, span_key("dh_need_population", {"n": pop_missing})))
    if not needs:
        return f'<h2 id="improve">{span_key("dh_improve")}</h2><p>{span_key("dh_improve_none")}</p>'
    needs.sort(key=lambda t: -t[0])
    items = "".join(f"<li>{txt}" + (f' <span class="sko-sub">— {span_key("dh_at_stake", {"p": f"{p:.0f}"})}</span>'
                                      if p >= 0 else "") + "</li>" for p, txt in needs)
    return f'<h2 id="improve">{span_key("dh_improve")}</h2><ol>{items}</ol>'


def plan_assumptions(summary: Mapping[str, Any]) -> str:
    """The quota plan's assumptions (commute limit, family size, who works where) in the page language."""
    quota = (summary.get("plan") or {}).get("resettlement") or {}
    if not quota:
        return ""
    items = []
    if quota.get("commute_min"):
        items.append(span_key("dh_commute", {"n": _fmt(quota["commute_min"], 0)}))
    if quota.get("family_size"):
        items.append(span_key("dh_family", {"n": _fmt(quota["family_size"], 1)}))
    a = quota.get("assumptions") or {}
    if a.get("one worker per family needs a job within the commute limit"):
        items.append(span_key("dh_one_worker"))
    if a.get("existing farms' jobs open to resettlers"):
        items.append(span_key("dh_existing_jobs"))
    if not items:
        return ""
    return f"<h3>{span_key('dh_plan_assumptions')}</h3><ul>" + "".join(f"<li>{x}</li>" for x in items) + "</ul>"


def criteria_definitions(path: Any) -> dict[str, Any]:
    """The housing criteria and constraints of the criteria file ``path`` as run.json stores them
    (``{"housing": {"criteria": [...], "constraints": [...]}}``; ``{}`` when it cannot be read)."""
    from dataclasses import asdict

    from layers.criteria import load_criteria

    try:
        crits, constraints, _meta = load_criteria(path)
    except (OSError, ValueError, SitingError) as exc:  # the run read it already; the page works without it
        logger.warning("Dashboard: criteria file %s not read again (%s)", path, exc)
        return {}
    return {"housing": {"criteria": [asdict(c) for c in crits], "constraints": [asdict(c) for c in constraints]}}


DASH_CSS = (
    ".sko-cards{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0 10px}"
    ".sko-card{border:1px solid #ccd;border-radius:6px;padding:6px 12px;min-width:120px;background:#f7f9fb}"
    ".sko-card-v{font-size:22px;font-weight:700}.sko-card-l{font-size:12px;color:#444}"
    ".sko-headline .sko-col{display:inline-block;vertical-align:top;margin-right:24px}"
    "td.n{text-align:right}.sko-how td:nth-child(4){font-size:12px;max-width:34em}"
    "details summary{cursor:pointer;color:#555;font-size:11px}"
)


def dashboard_html(
    summary: Mapping[str, Any],
    shortlist: pd.DataFrame,
    links: Mapping[str, Mapping[Any, Any]],
    *,
    lang: str = "ru",
    settlements: pd.DataFrame | None = None,
    profiles: Callable[[str], str] | None = None,
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
    settlements
        The scored settlements (excluded villages and their reasons, categories, district names).
    """
    check_lang(lang)
    region = summary.get("region") or ""
    parts = [page_head(texts("dashboard_title"), lang=lang, print_css=DASH_CSS)]
    parts.append(f"<h1>{span_key('dashboard_title')}</h1>")
    if summary.get("sample"):
        parts.append(f'<div class="sko-banner sko-banner-sample">{span_key("sample_banner")}</div>')
    if summary.get("network_source") == "approximate":
        parts.append(f'<div class="sko-banner">{span_key("approx_network")}</div>')
    parts.append(f"<p><b>{span_key('region')}:</b> {_tr(region)}</p>")
    parts.append(headline_section(summary, settlements))
    map_links = {k: v for k, v in links.get("maps", {}).items() if not str(v).startswith(SHEET_PREFIX)}
    sheet_links = {k: v for k, v in links.get("maps", {}).items() if str(v).startswith(SHEET_PREFIX)}
    sheet_links.update(links.get("sheets", {}))
    parts.append(f"<h2>{span_key('maps')}</h2>{_links(map_links)}")
    if sheet_links:
        parts.append(f"<h2>{span_key('district_sheets')}</h2>{_links(sheet_links, links.get('labels'))}")
    parts.append(villages_section(summary, settlements))
    parts.append(f"<h2>{span_key('downloads')}</h2>{_links(links.get('downloads', {}))}")
    parts.append(improve_section(summary))
    parts.append(criteria_section(summary))
    parts.append(f"<h2>{span_key('dh_assumptions')}</h2>{plan_assumptions(summary)}")
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
    parts.append(_plan_section(summary.get("plan"), settlements))
    parts.append(_scenario_section(summary.get("scenarios") or []))
    parts.append(f"<h2>{span_key('shortlist')}</h2>{shortlist_table(shortlist, profiles=profiles)}")
    parts.append("</body></html>")
    logger.info("Dashboard: %d shortlist rows, %d map links", len(shortlist), len(links.get("maps", {})))
    return "".join(parts)
