"""The plans told as one story: farm → housing villages → workers → commute, and the 2026 quota plan.

Only renders what ``plan.json`` holds (see :func:`geo.joint.plan_to_dict` and
:func:`geo.resettlement.quota_plan`); nothing is computed here but sums and counts for display.
Names come from lookups the caller builds (site id → names, village id → names), so a farm site
may be a village or any other point with its own label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from maps.i18n import LANGS, span_key, spans, texts
from maps.style import as_float, esc, name_variants

Names = Mapping[str, Mapping[str, str]]

#: the alternative farm choices in plan.json, in the order the map lists them
ALTERNATIVES: tuple[str, ...] = ("mclp", "p_median")


def fmt(value: Any, digits: int = 0) -> str:
    """A number for display (thin-space thousands); ``—`` when it is not a number."""
    x = as_float(value)
    return "—" if math.isnan(x) else f"{x:,.{digits}f}".replace(",", " ")


def names_of(key: str, names: Names, fallback: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Display names of an id: from ``names``, else from a record's ``name*`` fields, else the id itself."""
    got = names.get(str(key))
    if got and any(got.values()):
        return {k: str(got.get(k) or got.get("ru") or key) for k in LANGS}
    if fallback is not None:
        v = name_variants(fallback)
        if any(v.values()):
            return {k: v[k] or str(key) for k in LANGS}
    return {k: str(key) for k in LANGS}


def farm_ids(plan: Mapping[str, Any] | None) -> list[str]:
    """Site ids of the plan's farms (``farms`` holds ids or records with ``site_id``)."""
    out = []
    for f in (plan or {}).get("farms") or []:
        out.append(str(f.get("site_id")) if isinstance(f, Mapping) else str(f))
    return out


def alternative_ids(plan: Mapping[str, Any] | None, kind: str) -> list[str]:
    """Site ids an alternative model (``mclp``, ``p_median``) chose; empty when absent."""
    alt = (plan or {}).get(kind) or {}
    return [str(s) for s in alt.get("selected") or []]


@dataclass
class Link:
    """One commute of the plan: village → farm."""

    village_id: str
    names: dict[str, str]
    workers: float
    newcomers: float
    minutes: float
    minutes_summer: float
    housing: bool


@dataclass
class FarmStory:
    """One farm of the plan with the villages its workers come from."""

    site_id: str
    names: dict[str, str]
    jobs: float
    workers: float
    newcomers: float
    existing: bool
    housing_in_reach: int = 0
    housing_links: list[Link] = field(default_factory=list)
    resident_links: list[Link] = field(default_factory=list)


def farm_stories(plan: Mapping[str, Any], site_names: Names, village_names: Names) -> list[FarmStory]:
    """Per farm of the joint plan: jobs, workers, newcomers and its commutes (housing villages first).

    Only links that carry workers are kept; the links of a farm sum to its ``workers_assigned``.
    Farms are sorted by newcomers employed, then jobs (most first).
    """
    farms = [f if isinstance(f, Mapping) else {"site_id": f} for f in plan.get("farms") or []]
    by_site: dict[str, FarmStory] = {}
    for f in farms:
        sid = str(f.get("site_id"))
        by_site[sid] = FarmStory(
            site_id=sid, names=names_of(sid, site_names, f), jobs=as_float(f.get("jobs")),
            workers=as_float(f.get("workers_assigned")), newcomers=as_float(f.get("newcomers_assigned", 0.0)),
            existing=bool(f.get("existing") or f.get("fixed")))
    for c in plan.get("commutes") or []:
        story = by_site.get(str(c.get("site_id")))
        workers = as_float(c.get("workers"))
        if story is not None and c.get("housing"):
            story.housing_in_reach += 1
        if story is None or not workers > 1e-6:
            continue
        vid = str(c.get("village_id", c.get("settlement_id")))
        link = Link(village_id=vid, names=names_of(vid, village_names), workers=workers,
                    newcomers=as_float(c.get("newcomers", 0.0)), minutes=as_float(c.get("minutes")),
                    minutes_summer=as_float(c.get("minutes_summer")), housing=bool(c.get("housing", False)))
        (story.housing_links if link.housing else story.resident_links).append(link)
    for s in by_site.values():
        s.housing_links.sort(key=lambda lk: (-lk.newcomers, lk.minutes))
        s.resident_links.sort(key=lambda lk: (-lk.workers, lk.minutes))
    return sorted(by_site.values(), key=lambda s: (-(s.newcomers if not math.isnan(s.newcomers) else 0.0),
                                                    -(s.jobs if not math.isnan(s.jobs) else 0.0)))


def housing_without_jobs(plan: Mapping[str, Any]) -> list[str]:
    """Housing villages of the plan whose newcomers got no job at a plan farm in the staffing flow."""
    return [str(h.get("village_id")) for h in plan.get("housing") or []
            if "newcomers_employed" in h and not as_float(h.get("newcomers_employed")) > 1e-6]


def _data(village_id: str, link: Link) -> str:
    """Machine-readable numbers of a table row (the exact values behind the rounded cells)."""
    out = (f' data-village="{esc(village_id)}" data-workers="{link.workers:.12g}"'
           f' data-newcomers="{link.newcomers:.12g}" data-minutes="{link.minutes:.12g}"')
    return out + (f' data-minutes-summer="{link.minutes_summer:.12g}"' if not math.isnan(link.minutes_summer) else "")


def _minutes(link: Link) -> str:
    winter = f"{fmt(link.minutes)} {span_key('unit_min')}"
    if math.isnan(link.minutes_summer):
        return winter
    return winter + f' <span class="sko-sub">({span_key("summer_short")} {fmt(link.minutes_summer)})</span>'


def farm_objective(story: FarmStory, plan: Mapping[str, Any]) -> dict[str, str]:
    """Which objective this farm serves in the joint plan, in plain words."""
    wph = as_float((plan.get("parameters") or {}).get("workers_per_home", 1.0)) or 1.0
    commute = as_float((plan.get("parameters") or {}).get("commute_min", 45.0))
    fam = story.newcomers / wph if not math.isnan(story.newcomers) else 0.0
    key = "why_plan_existing" if story.existing else "why_plan_farm"
    if not fam > 1e-6:  # no newcomer works here: say what the farm does for the plan instead
        key += "_reach" if story.housing_in_reach else "_count"
    return texts(key, {"families": fmt(fam), "workers": fmt(story.workers), "jobs": fmt(story.jobs),
                       "min": fmt(commute), "villages": story.housing_in_reach})


def plan_table_html(plan: Mapping[str, Any], site_names: Names, village_names: Names, *,
                    ranks: Mapping[str, float] | None = None, n_ranked: int = 0) -> str:
    """The joint plan as one table: farm → housing villages → workers → winter (summer) commute.

    Each farm's rows add up to its workers; the last row holds the plan's totals. Housing villages
    whose newcomers have no job at a plan farm are listed under the table. ``ranks`` (site id → rank
    by farm score, of ``n_ranked``) adds each farm's rank, to show it was not chosen for its score.
    """
    stories = farm_stories(plan, site_names, village_names)
    if not stories:
        return f"<p>{span_key('plan_none')}</p>"
    head = "".join(f"<th>{span_key(k)}</th>" for k in ("pt_farm", "pt_village", "pt_newcomers", "pt_workers",
                                                        "pt_commute"))
    body = []
    for s in stories:
        rows = [(spans(lk.names) + f' <span class="sko-sub">({span_key("pt_housing")})</span>', lk.newcomers,
                 lk.workers, _minutes(lk), _data(lk.village_id, lk)) for lk in s.housing_links]
        if s.resident_links:
            res = sum(lk.workers for lk in s.resident_links)
            lo = min(lk.minutes for lk in s.resident_links)
            hi = max(lk.minutes for lk in s.resident_links)
            span = fmt(lo) if round(lo) == round(hi) else f"{fmt(lo)}–{fmt(hi)}"
            when = span_key("pt_same_village") if hi < 0.5 else f"{span} {span_key('unit_min')}"  # no "0 min"
            rows.append((span_key("pt_residents", {"n": len(s.resident_links)}), 0.0, res,
                         when, f' data-workers="{res:.12g}" data-newcomers="0"'))
        if not rows:
            rows.append((span_key("pt_nobody"), 0.0, 0.0, "—", ' data-workers="0" data-newcomers="0"'))
        farm = f'<b>{spans(s.names)}</b><br><span class="sko-sub">{spans(farm_objective(s, plan))}</span>'
        rank = as_float((ranks or {}).get(s.site_id))
        if not math.isnan(rank):
            farm += f'<br><span class="sko-sub">{span_key("pt_rank", {"rank": fmt(rank), "n": n_ranked})}</span>'
        for i, (village, new, workers, minutes, data) in enumerate(rows):
            first = f'<td rowspan="{len(rows)}">{farm}</td>' if i == 0 else ""
            body.append(f'<tr data-site="{esc(s.site_id)}"{data}>{first}<td>{village}</td>'
                        f'<td class="sko-num">{fmt(new)}</td><td class="sko-num">{fmt(workers)}</td>'
                        f"<td>{minutes}</td></tr>")
    tot_new = sum(s.newcomers for s in stories if not math.isnan(s.newcomers))
    tot_w = sum(s.workers for s in stories if not math.isnan(s.workers))
    tot_jobs = sum(s.jobs for s in stories if not math.isnan(s.jobs))
    body.append(f'<tr class="sko-total"><th>{span_key("pt_total")}</th><td>{span_key("pt_jobs")}: {fmt(tot_jobs)}'
                f'</td><td class="sko-num">{fmt(tot_new)}</td><td class="sko-num">{fmt(tot_w)}</td><td></td></tr>')
    out = [f'<table class="sko-plan-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>']
    idle = housing_without_jobs(plan)
    if idle:
        out.append(f'<p class="sko-sub">{span_key("pt_idle", {"n": len(idle)})}: '
                   + ", ".join(spans(names_of(v, village_names)) for v in idle) + "</p>")
    return "".join(out)


def plan_intro(plan: Mapping[str, Any]) -> dict[str, str]:
    """One sentence on what the default plan is."""
    params = plan.get("parameters") or {}
    m = plan.get("metrics") or {}
    farms = [f for f in plan.get("farms") or [] if isinstance(f, Mapping)]
    existing = sum(1 for f in farms if f.get("existing") or f.get("fixed"))
    return texts("plan_intro", {"farms": fmt(m.get("n_farms", len(farm_ids(plan)))), "existing": existing,
                                "new": len(farm_ids(plan)) - existing,
                                "villages": fmt(m.get("n_housing", len(plan.get("housing") or []))),
                                "homes": fmt(m.get("homes_served")), "min": fmt(params.get("commute_min", 45))})


def alternative_sentence(plan: Mapping[str, Any], kind: str) -> dict[str, str]:
    """How an alternative farm choice differs from the plan, and how many sites the two share."""
    alt = plan.get(kind) or {}
    chosen = alternative_ids(plan, kind)
    shared_ids = set(chosen) & set(farm_ids(plan))
    shared = len(shared_ids)
    params = alt.get("parameters") or {}
    fixed = len(shared_ids & {str(s) for s in params.get("fixed") or []})
    return texts(f"alt_{kind}", {"shared": shared, "n": len(chosen), "plan": len(farm_ids(plan)), "fixed": fixed,
                                 "min": fmt(params.get("cutoff", (plan.get("parameters") or {}).get("commute_min")))})


def site_objectives(site_id: str, plan: Mapping[str, Any] | None, story: FarmStory | None,
                    *, rank: float, n_ranked: int) -> str:
    """Popup block: which plans chose this site, for which objective, and why not by farm score."""
    if not plan:
        return ""
    items = []
    if story is not None:
        items.append(f"<li><b>{span_key('layer_plan_farms')}</b>: {spans(farm_objective(story, plan))}</li>")
    for kind in ALTERNATIVES:
        if site_id in alternative_ids(plan, kind):
            cutoff = ((plan.get(kind) or {}).get("parameters") or {}).get(
                "cutoff", (plan.get("parameters") or {}).get("commute_min", 45.0))
            items.append(f"<li><b>{span_key(f'layer_alt_{kind}')}</b>: "
                         f"{span_key(f'why_{kind}', {'min': fmt(cutoff)})}</li>")
    if not items:
        return ""
    out = f'<div class="sko-why"><b>{span_key("why_chosen")}</b><ul>{"".join(items)}</ul>'
    if not math.isnan(rank) and rank > 1:
        key = "why_not_score" if story is not None else "why_not_score_alt"
        out += f'<p class="sko-sub">{span_key(key, {"rank": fmt(rank), "n": n_ranked})}</p>'
    return out + "</div>"


def link_tip(link: Mapping[str, Any], village: Mapping[str, str], site: Mapping[str, str]) -> str:
    """Tooltip of a commute line: from which village to which farm, workers, winter and summer minutes."""
    new = as_float(link.get("newcomers", 0.0))
    summer = as_float(link.get("minutes_summer"))
    parts = [f"{spans(village)} → {spans(site)}: {fmt(link.get('workers'))} {span_key('pt_workers_unit')}"]
    if new > 1e-6:
        parts.append(f" ({span_key('pt_of_them_new', {'n': fmt(new)})})")
    parts.append(f"; {span_key('winter_short')} {fmt(link.get('minutes'))} {span_key('unit_min')}")
    if not math.isnan(summer):
        parts.append(f", {span_key('summer_short')} {fmt(summer)} {span_key('unit_min')}")
    return "".join(parts)


# ------------------------------------------------------------------------------------------ the 2026 quota plan
_SHORTFALL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^no jobs are known"), "sf_no_jobs"),
    (re.compile(r"^no village can take resettlers$"), "sf_no_village"),
    (re.compile(r"^no village that can take families has a job within (?P<min>[\d.]+) min"), "sf_no_reach"),
    (re.compile(r"^the solver found no allocation$"), "sf_solver"),
    (re.compile(r"^only (?P<jobs>[\d.]+) open jobs are within (?P<min>[\d.]+) min in winter of a village that can "
                r"take families, for (?P<families>\d+) families$"), "sf_few_jobs"),
    (re.compile(r"^villages within reach of jobs can house (?P<homes>[\d.]+) families this year$"), "sf_few_homes"),
    (re.compile(r"^the jobs and the homes are in different places$"), "sf_apart"),
)


def shortfall_texts(quota: Mapping[str, Any] | None, *, brief: bool = False) -> dict[str, str] | None:
    """The quota plan's shortfall (or absence) in kk/ru/en; ``None`` when the quota is placed in full.

    ``brief``: only "placed N of M families" (a page banner when the reasons are shown elsewhere).
    """
    if not quota:
        return texts("sf_no_plan")
    reason = str(quota.get("shortfall_reason") or "").strip()
    placed, wanted = as_float(quota.get("families_allocated")), as_float(quota.get("quota_families"))
    if not reason and not (placed < wanted):
        return None
    head = texts("sf_placed", {"placed": fmt(placed), "quota": fmt(wanted)})
    if brief:
        return head
    parts: list[dict[str, str]] = []
    for piece in [p.strip() for p in reason.split(";") if p.strip()]:
        for pat, key in _SHORTFALL_PATTERNS:
            hit = pat.search(piece)
            if hit:
                parts.append(texts(key, {k: fmt(v) for k, v in hit.groupdict().items()}))
                break
        else:  # a reason this page does not know: the English text, marked as such
            parts.append({lang: (piece if lang == "en" else f"{texts('sf_untranslated')[lang]}: {piece}")
                          for lang in LANGS})
    return {lang: head[lang] + (": " + "; ".join(p[lang] for p in parts) if parts else "") for lang in LANGS}


SERVICE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("tt_school_min_winter", "svc_school"), ("tt_kindergarten_min_winter", "svc_kindergarten"),
    ("tt_clinic_min_winter", "svc_clinic"), ("tt_hospital_min_winter", "svc_hospital"),
)


def quota_village_popup(village: Mapping[str, Any], row: Mapping[str, Any] | None, job_names: Names,
                        *, family_size: float) -> str:
    """Popup of one quota-plan village: families, where each worker works, winter commute, services, gaps."""
    names = names_of(str(village.get("settlement_id")), {}, row or village)
    out = [f'<div class="sko-pop"><h4>{spans(names)}</h4><div><b>{span_key("layer_quota")}</b></div><table>',
           f"<tr><th>{span_key('q_families')}</th><td><b>{fmt(village.get('families'))}</b> "
           f"({fmt(village.get('persons'))} {span_key('q_persons')}; {span_key('q_family_size')} "
           f"{fmt(family_size, 0 if float(family_size).is_integer() else 1)})</td></tr>",
           f"<tr><th>{span_key('q_homes')}</th><td>{fmt(village.get('homes'))}</td></tr>",
           f"<tr><th>{span_key('q_commute')}</th><td>{fmt(village.get('commute_min_winter'))}</td></tr></table>"]
    works = village.get("works_at") or []
    if works:
        items = "".join(f"<li>{spans(names_of(str(w.get('settlement_id')), job_names))}: {fmt(w.get('workers'))} "
                        f"{span_key('pt_workers_unit')}, {fmt(w.get('minutes'))} {span_key('unit_min')} "
                        f"({span_key('winter_short')})</li>" for w in works)
        out.append(f"<div><b>{span_key('q_works_at')}</b><ul>{items}</ul></div>")
    if row is not None:
        svc = [f"<li>{span_key(key)}: {fmt(row.get(col))} {span_key('unit_min')}</li>"
               for col, key in SERVICE_COLUMNS if col in row and not math.isnan(as_float(row.get(col)))]
        if svc:
            out.append(f"<div><b>{span_key('q_services')}</b><ul>{''.join(svc)}</ul></div>")
        lacks = {lang: str(row.get(f"lacks_{lang}") or "") for lang in LANGS}
        lacks = {k: ("" if v in ("nan", "None") else v) for k, v in lacks.items()}
        shown = spans(lacks) if any(lacks.values()) else span_key("q_lacks_nothing")
        out.append(f"<div><b>{span_key('q_lacks')}</b>: {shown}</div>")
    out.append("</div>")
    return "".join(out)


def quota_table_html(quota: Mapping[str, Any] | None, village_names: Names, *,
                     only: Sequence[str] | None = None, split_rows: int | None = None) -> str:
    """Compact quota-plan table: village → families → where the workers work → winter commute.

    ``only``: restrict to these settlement ids (a district sheet); the shortfall note is always shown.
    ``split_rows``: with more villages than this, list them in one paragraph instead of a table
    ("village: N families → place of work N (minutes)"), so that a printed district sheet keeps to one page.
    """
    note = shortfall_texts(quota)
    out = [f'<p class="sko-flag-box">{spans(note)}</p>'] if note else []
    rows = [v for v in (quota or {}).get("villages") or [] if only is None or str(v.get("settlement_id")) in only]
    if not rows:
        if only is not None:
            out.append(f"<p>{span_key('q_none_here')}</p>")
        return "".join(out)
    head = "".join(f"<th>{span_key(k)}</th>" for k in ("pt_village", "q_families", "q_works_at_units", "q_commute"))
    if split_rows is not None and len(rows) > split_rows:
        # a long list: one paragraph (village: families → where the workers work, winter minutes), so that a
        # printed district sheet keeps to one page
        items = []
        for v in rows:
            works = ", ".join(f"{spans(names_of(str(w.get('settlement_id')), village_names))} {fmt(w.get('workers'))}"
                              f" ({fmt(w.get('minutes'))} {span_key('unit_min')})" for w in v.get("works_at") or [])
            items.append(f"<b>{spans(names_of(str(v.get('settlement_id')), village_names, v))}</b>: "
                         f"{span_key('q_n_families', {'n': fmt(v.get('families'))})} → {works}")
        fam = sum(as_float(v.get("families")) for v in rows)
        out.append(f'<p class="sko-quota-inline"><b>{span_key("pt_total")}: '
                   f'{span_key("q_n_families", {"n": fmt(fam)})}</b> ({span_key("q_inline_key")}). '
                   + "; ".join(items) + ".</p>")
        return "".join(out)
    body = []
    for v in rows:
        # compact: the units are in the column heading
        works = "; ".join(f"{spans(names_of(str(w.get('settlement_id')), village_names))} {fmt(w.get('workers'))}"
                          f" ({fmt(w.get('minutes'))} {span_key('unit_min')})" for w in v.get("works_at") or [])
        body.append(f"<tr><td>{spans(names_of(str(v.get('settlement_id')), village_names, v))}</td>"
                    f'<td class="sko-num">{fmt(v.get("families"))}</td><td>{works}</td>'
                    f'<td class="sko-num">{fmt(v.get("commute_min_winter"))}</td></tr>')
    fam = sum(as_float(v.get("families")) for v in rows)
    body.append(f'<tr class="sko-total"><th>{span_key("pt_total")}</th><td class="sko-num">{fmt(fam)}</td>'
                "<td></td><td></td></tr>")
    out.append(f'<table class="sko-quota-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')
    return "".join(out)
