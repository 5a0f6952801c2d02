"""A printable profile page per village, for an akimat and for a resettling family.

One A4 page (``villages/village_<id>.html``): who the village is (category, population and its source), its
housing score and why, jobs within 30/45 minutes, services with minutes by season (and whether the facility is
measured or a proxy), what it lacks for its category, winter and flood risk, its place in the dairy and quota
plans, and every data flag. Trilingual (kk/ru/en) like every page of a run; the language switch and the
``?lang=`` link parameter hold across pages.
"""

from __future__ import annotations

import datetime
import functools
import html
import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.categories import CATEGORY_LABELS
from maps.dashboard import page_head
from maps.i18n import criterion_texts, criterion_unit_texts, kind_texts, season_texts, spans, texts, value_texts
from maps.style import as_float

PAGE_CSS = (
    "@page{size:A4 portrait;margin:12mm}body{max-width:186mm;margin:1em auto;padding:0 1em}"
    "h1{font-size:20px;margin:.2em 0}h2{font-size:15px;margin:.9em 0 .3em}"
    ".sko-meta{color:#444;font-size:12px}table{font-size:12px}"
    # print: tighter headings and rows, so a village with every section stays on one A4 page
    "@media print{.sko-lang,.sko-home{display:none}body{margin:0;padding:0;max-width:none}tr{break-inside:avoid}"
    "h1{font-size:18px}h2{font-size:13px;margin:.5em 0 .15em}p{margin:.2em 0}table{font-size:11px}"
    "td,th{padding:1px 6px}}"
)
SERVICE_KINDS = ("school", "kindergarten", "clinic", "hospital", "district_centre", "oblast_centre",
                 "rail_station", "milk_processor", "dairy_farm")
SEASONS = ("summer", "winter", "thaw")
RISK_COLUMNS = ("winter_risk", "winter_snowload", "swe_mar_mm", "flooded_2024", "elev_above_river_m")
JOB_COLUMNS = ("vacancies_30min", "vacancies_45min", "vacancies_2sfca_45min", "labour_pool_30min",
               "labour_pool_45min", "labour_pool_30min_winter", "labour_pool_45min_winter")
#: Keys of this page's texts in maps.i18n.TEXT (the page's own ones are ``profile_<key>``).
_REUSED = {"home": "home", "population": "population", "excluded": "excluded", "for": "reasons_for",
           "against": "reasons_against", "flags": "data_flags", "date": "run_date", "rank": "rank_district",
           "none": "none"}


@functools.lru_cache(maxsize=256)
def _t(key: str) -> dict[str, str]:
    """The page's text ``key`` in kk/ru/en, from maps.i18n (one home for translations; memoised: read only)."""
    return texts(_REUSED.get(key, f"profile_{key}"))
_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


def profile_file(settlement_id: Any) -> str:
    """Relative path of a village's page inside the output folder."""
    return f"villages/village_{_SAFE_ID.sub('_', str(settlement_id))}.html"


def _text(v: Any) -> str:
    """A cell as text; "" for None/NaN/NA."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return str(v)


def _fmt(v: Any, digits: int = 0) -> str:
    f = as_float(v)
    if math.isnan(f):
        return "—"
    return f"{f:,.{digits}f}".replace(",", "\u00a0")


def _tri(row: Mapping[str, Any], base: str) -> dict[str, str]:
    return {lang: _text(row.get(f"{base}_{lang}")) for lang in ("kk", "ru", "en")}


def village_profile_html(
    row: Mapping[str, Any] | pd.Series,
    *,
    lang: str = "ru",
    plan_roles: Mapping[str, Any] | None = None,
    run_date: str | None = None,
    home: str | None = "../index.html",
) -> str:
    """The profile page of one village (a settlements row of a run).

    Parameters
    ----------
    row
        One row of the run's settlements table.
    lang
        Default language.
    plan_roles
        ``farm_site`` (bool), ``housing_village`` (bool), ``quota_families`` (int) for this village.
    run_date
        Date of the run shown on the page.
    home
        Link back to the dashboard (None: none).
    """
    roles = dict(plan_roles or {})
    names = {k: _text(row.get(f"name_{k}")) or _text(row.get("name")) for k in ("kk", "ru", "en")}
    district = {k: _text(row.get(f"district_{k}")) or _text(row.get("district")) for k in ("kk", "ru", "en")}
    title = {k: f"{_t('profile')[k]}: {names[k]}" for k in names}
    parts = [page_head(title, lang=lang, print_css=PAGE_CSS)]
    if home:
        parts.append(f'<a class="sko-home" href="{html.escape(home, quote=True)}">{spans(_t("home"))}</a>')
    parts.append(f"<h1>{spans(names)}</h1>")
    cat = _text(row.get("settlement_category")) or "other"
    pop_src = _text(row.get("population_source"))
    parts.append(f'<p class="sko-meta">{spans(district)} · {spans(_t("category"))}: '
                 f'{spans(CATEGORY_LABELS.get(cat, {"kk": cat, "ru": cat, "en": cat}))} · '
                 f'{spans(_t("population"))}: {_fmt(row.get("population"))} ({spans(_t("source"))}: '
                 f'{spans(value_texts("src", pop_src) or {k: pop_src for k in names})}) · {spans(_t("date"))}: '
                 f'{html.escape(run_date or datetime.date.today().isoformat())}</p>')
    # score
    score = as_float(row.get("housing_score"))
    parts.append(f"<h2>{spans(_t('score'))}</h2>")
    if math.isnan(score):
        parts.append(f"<p><b>{spans(_t('excluded'))}:</b> {spans(_tri(row, 'housing_excluded'))}</p>")
    else:
        parts.append(f"<p><b>{score:.1f}/100</b> · {spans(_t('rank'))}: {_fmt(row.get('housing_rank_district'))}</p>")
        parts.append(f"<p><b>{spans(_t('for'))}:</b> {spans(_tri(row, 'housing_reasons_for'))}</p>")
        parts.append(f"<p><b>{spans(_t('against'))}:</b> {spans(_tri(row, 'housing_reasons_against'))}</p>")
    # jobs
    jobs = [c for c in JOB_COLUMNS if c in row and not math.isnan(as_float(row.get(c)))]
    if jobs:
        parts.append(f"<h2>{spans(_t('jobs'))}</h2><table><tbody>"
                     + "".join(f"<tr><td>{spans(criterion_unit_texts(c))}</td>"
                               f"<td>{_fmt(row.get(c), 1 if '2sfca' in c else 0)}</td></tr>"
                               for c in jobs) + "</tbody></table>")
    # services by season
    sources = _text(row.get("facilities_source"))
    head = "".join(f"<th>{spans(season_texts(s))}</th>" for s in SEASONS)
    body = []
    for kind in SERVICE_KINDS:
        cells = [row.get(f"tt_{kind}_min" + ("" if s == "summer" else f"_{s}")) for s in SEASONS]
        if all(math.isnan(as_float(c)) for c in cells):
            continue
        src = _t('proxy') if f"{kind}: proxy" in sources else _t('measured')
        body.append(f"<tr><td>{spans(kind_texts(kind))} <small>({spans(src)})</small></td>"
                    + "".join(f"<td>{_fmt(c)}</td>" for c in cells) + "</tr>")
    if body:
        parts.append(f"<h2>{spans(_t('services'))}</h2><table><thead><tr><th></th>{head}</tr></thead>"
                     f"<tbody>{''.join(body)}</tbody></table>")
    lacks = _tri(row, "lacks")
    parts.append(f"<h2>{spans(_t('lacks'))}</h2><p>{spans(lacks) if any(lacks.values()) else spans(_t('nothing'))}</p>")
    risk = [c for c in RISK_COLUMNS if c in row and not math.isnan(as_float(row.get(c)))]
    if risk:
        def _risk_value(c: str) -> str:
            if c == "flooded_2024":
                return spans(_t("yes") if as_float(row.get(c)) else _t("no"))
            return _fmt(row.get(c), 1)

        def _risk_label(c: str) -> dict[str, str]:  # with its unit (mm, m); the flood row reads yes/no
            return criterion_texts(c) if c == "flooded_2024" else criterion_unit_texts(c)

        parts.append(f"<h2>{spans(_t('risk'))}</h2><table><tbody>"
                     + "".join(f"<tr><td>{spans(_risk_label(c))}</td><td>{_risk_value(c)}</td></tr>" for c in risk)
                     + "</tbody></table>")
    plans = []
    if roles.get("farm_site"):
        plans.append(spans(_t("farm_site")))
    if roles.get("housing_village"):
        plans.append(spans(_t("housing_village")))
    if roles.get("quota_families"):
        plans.append(f"{spans(_t('quota'))}: {int(roles['quota_families'])}")
    parts.append(f"<h2>{spans(_t('plans'))}</h2><p>{'; '.join(plans) if plans else spans(_t('none'))}</p>")
    flags = _tri(row, "housing_data_flags")
    if any(flags.values()):
        parts.append(f"<h2>{spans(_t('flags'))}</h2><p>{spans(flags)}</p>")
    parts.append("</body></html>")
    return "".join(parts)


def plan_roles(plan: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per settlement id, its roles in the run's plans (farm site, housing village, quota families)."""
    out: dict[str, dict[str, Any]] = {}
    plan = plan or {}
    for farm in plan.get("farms", []) or []:
        out.setdefault(str(farm.get("settlement_id")), {})["farm_site"] = True
    for v in plan.get("housing", []) or []:
        out.setdefault(str(v.get("village_id")), {})["housing_village"] = True
    for v in (plan.get("resettlement") or {}).get("villages", []) or []:
        out.setdefault(str(v.get("settlement_id")), {})["quota_families"] = v.get("families", 0)
    return out
