"""The computing steps of a run: housing score and rank stability, dairy siting and the joint plan,
catchment polygons, scenarios.

Pure computation on objects, with explicit parameters (never the config): the order in which a run calls
these is written out once, in :mod:`workflow.steps`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.access import coded_od
from geo.allocation import cost_matrix_from_od, mclp, p_median
from geo.cells import (
    CELL_ZONE_RULE,
    CELLS_PER_VILLAGE,
    FARM_HEAD,
    MAX_CELLS,
    VILLAGE_ZONE_RULE,
    ZONE_SOURCE,
    cell_indicators,
    cell_names,
    sanitary_zone_m,
    shortlist_cells,
)
from geo.isochrones import isochrones
from geo.joint import compare_plans, joint_plan, plan_to_dict, separate_plan
from geo.milk import assign_milk
from geo.pipeline import (
    Analysis,
)
from geo.routing import attach_points, od_table
from geo.scenarios import SEASON_SUFFIX, Scenario, ScenarioResult, apply_scenario
from geo.scoring import Constraint, Criterion, constraint_mask, score
from geo.siting import PROXY_LABOUR, dairy_candidates, dairy_indicators, mark_selected, score_dairy
from geo.stability import SHORTLIST_N, rank_stability

logger = logging.getLogger(__name__)

CriteriaSet = tuple[list[Criterion], list[Constraint], dict[str, Any]]


def season_columns(
    criteria: Sequence[Criterion], columns: Sequence[str], seasons: Sequence[str]
) -> dict[str, dict[str, str]]:
    """Map each summer travel-time criterion to its per-season columns (for rank stability).

    A criterion on ``tt_school_min`` becomes ``{"summer": "tt_school_min", "winter":
    "tt_school_min_winter", "thaw": "tt_school_min_thaw"}`` for the seasons whose column exists.
    """
    out: dict[str, dict[str, str]] = {}
    present = set(columns)
    for c in criteria:
        if not (c.column.startswith("tt_") and c.column.endswith("_min")):
            continue
        variants = {s: c.column + SEASON_SUFFIX[s] for s in seasons if c.column + SEASON_SUFFIX[s] in present}
        if len(variants) > 1:
            out[c.name] = variants
    return out


CATCHMENT = re.compile(r"^(?P<stem>[a-z_]+?)_(?P<min>\d+)min(?P<season>_winter|_thaw)?$")


def catchment_alternatives(criteria: Sequence[Criterion], columns: Sequence[str]) -> dict[str, list[str]]:
    """Catchment criteria with their sibling cutoffs, for rank stability over the decay parameter.

    A criterion on ``vacancies_45min`` gets ``["vacancies_30min", "vacancies_45min", "vacancies_60min"]`` (those
    present): each Monte Carlo draw then takes one catchment size, so the stability reflects the uncertain
    commuting limit as well as the weights. Competition-adjusted (2SFCA) and share columns are left alone.
    """
    present = set(columns)
    out: dict[str, list[str]] = {}
    for c in criteria:
        m = CATCHMENT.match(c.column)
        if not m or "2sfca" in c.column or "share" in c.column:
            continue
        season = m.group("season") or ""
        siblings = [f"{m.group('stem')}_{k}min{season}" for k in (30, 45, 60)]
        alts = [col for col in siblings if col in present]
        if len(alts) > 1:
            out[c.name] = alts
    return out


def score_housing(settlements: pd.DataFrame, criteria: CriteriaSet) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Housing score, ranks and reasons for every settlement (no rank stability: see
    :func:`housing_stability`).

    Returns
    -------
    (DataFrame, list)
        Columns to add to the settlements (aligned to their index) and the criteria record
        (criteria and constraints, with their status).
    """
    crits, constraints, _meta = criteria
    scored = score(settlements, crits, constraints=constraints, prefix="housing")
    record = list(scored.attrs.get("criteria", []))
    applied = list(scored.attrs.get("constraints", []))
    record += [{"constraint": f"{c.get('column')} {c.get('op')} {c.get('value')}", **c} for c in applied]
    for c in (c for c in applied if c.get("status") == "skipped"):
        logger.warning("Housing constraint %s %s %r not applied: %s", c.get("column"), c.get("op"), c.get("value"),
                       c.get("reason"))
    return scored, record


def housing_stability(
    settlements: pd.DataFrame,
    criteria: CriteriaSet,
    *,
    seasons: Sequence[str] = ("summer", "winter", "thaw"),
    draws: int = 1000,
    concentration: float = 50.0,
    seed: int = 0,
    top_n_district: int = SHORTLIST_N,
    top_n_oblast: int = 20,
) -> pd.DataFrame:
    """Rank stability of the housing ranking: Monte Carlo over weights, season and catchment size.

    Returns the ``housing_p_top_*`` and ``housing_rank_lo/hi`` columns aligned to ``settlements``
    (an empty frame when ``draws`` is 0).
    """
    crits, constraints, _meta = criteria
    if draws <= 0:
        return pd.DataFrame(index=settlements.index)
    return rank_stability(
        settlements,
        crits,
        constraints=constraints,
        n_draws=draws,
        concentration=concentration,
        seed=seed,
        top_n_district=top_n_district,
        top_n_oblast=top_n_oblast,
        season_columns=season_columns(crits, settlements.columns, seasons) or None,
        alternative_columns=catchment_alternatives(crits, settlements.columns) or None,
    )


def constraint_notes(record: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """"Missing data" notes (kk/ru/en) for the constraints that could not be applied."""
    return [
        {"layer": "constraints", "what": r["constraint"], "rows": 0,
         "rule_kk": f"шектеу қолданылмады: {r['column']} бағаны бойынша деректер жоқ",
         "rule_ru": f"ограничение не применено: нет данных в столбце {r['column']}",
         "rule_en": f"constraint not applied: no data in column {r['column']}"}
        for r in record if r.get("constraint") and r.get("status") == "skipped"
    ]


def run_counts(result: Analysis) -> dict[str, int]:
    """The one-line counts of a run for ``run.json``."""
    st, net, fac = result.settlements, result.network, result.facilities
    return {
        "settlements": int(len(st)),
        "facilities": int(len(fac)),
        "facilities_proxy": int((fac["source"] == "proxy").sum()),
        "network_nodes": int(len(net.x)),
        "network_edges": int(len(net.u)),
        "scored": int(st["housing_score"].notna().sum()),
        "excluded": int(st["housing_excluded"].notna().sum()),
        "snap_far": int((st["snap_flag"] == "far").sum()),
        "snap_disconnected": int((st["snap_flag"] == "disconnected").sum()),
    }


def assign_columns(frame: gpd.GeoDataFrame, columns: pd.DataFrame) -> gpd.GeoDataFrame:
    """``frame`` with the columns of ``columns`` (same index) set or replaced, in one concatenation."""
    keep = frame.drop(columns=[c for c in columns.columns if c in frame.columns])
    out = pd.concat([pd.DataFrame(keep), columns], axis=1)
    return gpd.GeoDataFrame(out, geometry=frame.geometry.name, crs=frame.crs)


def facility_sources(facilities: pd.DataFrame) -> str:
    """One line saying which facility kinds are measured and which are proxies."""
    parts = []
    for kind, grp in facilities.groupby("kind"):
        srcs = sorted(set(grp["source"]))
        parts.append(f"{kind}: {'/'.join(srcs)}")
    return "; ".join(parts)


#: New homes planned per chosen housing village (resettler families).
HOMES_PER_VILLAGE = 10.0


def attach_farm_settlements(facilities: pd.DataFrame, settlements: gpd.GeoDataFrame, crs: str) -> pd.DataFrame:
    """Give every facility the ``settlement_id`` of its nearest settlement (metric CRS)."""
    if not len(facilities):
        out = facilities.copy()
        out["settlement_id"] = pd.Series(dtype=object)
        return out
    f = gpd.GeoDataFrame(facilities, geometry="geometry", crs=facilities.crs).to_crs(crs)
    s = settlements[["settlement_id", "geometry"]].to_crs(crs)
    joined = gpd.sjoin_nearest(f.drop(columns=["settlement_id"], errors="ignore"), s, how="left")
    joined = joined[~joined.index.duplicated(keep="first")]
    out = facilities.copy()
    out["settlement_id"] = joined["settlement_id"].reindex(out.index).to_numpy()
    return out


def site_dairy(
    result: Analysis,
    criteria: CriteriaSet,
    *,
    k: int,
    commute_min: float,
    jobs_per_farm: float,
    n_housing: int,
    min_jobs: float,
    working_age_share: float,
    max_delivery_min: float,
    milk_t_per_farm_day: float,
    milk_split: bool,
    farm_head: float = FARM_HEAD,
    max_cells: int = MAX_CELLS,
    cells_per_village: int = CELLS_PER_VILLAGE,
) -> None:
    """Dairy candidates and score, farm selection (MCLP, p-median) and the joint housing-jobs plan.

    Candidates are the village points (``site:<id>``, a farm at the village edge) and, when the run
    snapped farm-site cells (``result.cells``, :mod:`geo.cells`), at most ``max_cells`` grid cells
    (``cell:<id>``, at most ``cells_per_village`` per nearest village, best by winter labour pool),
    scored with the same criteria. ``farm_head`` sets the sanitary zone reported for every chosen site.

    Sets ``result.dairy_sites`` and ``result.plan`` (needs the housing scores on ``result.settlements``).
    Parameters are those of ``[siting]`` and ``[dairy]`` in the run config (docs/CONFIG.md).
    Every model is solved exactly (HiGHS) on all scored candidate sites x all settlements, with a time
    limit; each result in the plan carries a finite objective, a status, a proven gap and a reason
    when it is not optimal or leaves demand unserved. Villages that reach no site stay in the models
    and are reported (p-median: priced at ``UNREACHABLE_COST_FACTOR`` x the OD cutoff; MCLP: uncovered).
    """
    from geo.allocation import UNREACHABLE_COST_FACTOR
    from geo.jsonsafe import missing_paths
    from geo.pipeline import OD_CUTOFF_MIN

    t = time.perf_counter()
    st = result.settlements
    crits, constraints, _meta = criteria
    facilities = attach_farm_settlements(result.facilities, st, result.crs)
    working_age = float(working_age_share)
    # the summer and winter tables as they are (not one long table split again by its season column)
    winter_od = result.od.get("winter")
    ind = dairy_indicators(st, result.od["summer"], facilities=facilities, working_age_share=working_age,
                           od_winter=winter_od if winter_od is not None and len(winter_od) else None,
                           farmland_col="farmland_share" if "farmland_share" in st.columns else None)
    st = assign_columns(st, ind[[c for c in ind.columns if c not in st.columns]])
    result.settlements = st
    cands = dairy_candidates(st, ind)
    zone_m = sanitary_zone_m(float(farm_head))
    cands["site_kind"] = "village"
    cands["point_id"] = "s:" + cands["settlement_id"].astype(str)
    cands["village_id"] = cands["settlement_id"].astype(str)
    cands["village_km"] = 0.0
    cands["zone_m"] = zone_m
    cell_cands, cell_notes = _cell_candidates(result, st, facilities, working_age=working_age, max_cells=max_cells,
                                              per_village=cells_per_village, zone_m=zone_m)
    if len(cell_cands):
        cands = pd.concat([cands, cell_cands], ignore_index=True)
    scored = score_dairy(cands, crits, constraints)
    result.criteria["dairy"] = scored.attrs.get("criteria", [])
    result.timings["dairy_score"] = time.perf_counter() - t

    # ---- farm selection: candidates = best sites by dairy score (+ existing farms, fixed) ----------------
    t = time.perf_counter()
    k = int(k)
    commute = float(commute_min)
    season = "winter" if "winter" in result.od else "summer"
    ok = scored.loc[scored["dairy_score"].notna()].sort_values("dairy_rank")
    existing = sorted({f"site:{sid}" for sid in facilities.loc[facilities["kind"] == "dairy_farm", "settlement_id"]
                       .dropna()})
    site_ids = list(dict.fromkeys(list(ok["site_id"]) + existing))
    village_sites = [s for s in site_ids if s.startswith("site:")]
    cell_sites = [s for s in site_ids if s.startswith("cell:")]
    village_ids = list(st["settlement_id"])
    cost = cost_matrix_from_od(result.od[season], from_ids=village_ids,
                               to_ids=[s.removeprefix("site:") for s in village_sites])
    cost.columns = village_sites
    if cell_sites:
        cost = pd.concat([cost, _cell_cost(result, cell_sites, village_ids, season=season, cutoff=OD_CUTOFF_MIN)],
                         axis=1)[site_ids]
    workers = pd.Series(st["population"].fillna(0.0).to_numpy() * working_age, index=village_ids)
    unreachable_cost = UNREACHABLE_COST_FACTOR * OD_CUTOFF_MIN
    notes: dict[str, Any] = {"season": season, "candidates": len(site_ids), "existing_farms": existing,
                             "candidate_rule": "every site with a dairy_score + existing farms (exact, no pre-filter)",
                             "villages": len(village_ids), "od_cutoff_min": OD_CUTOFF_MIN,
                             "unreachable_cost_min": unreachable_cost,
                             "candidates_by_kind": {"village": len(village_sites), "cell": len(cell_sites)},
                             "cells": cell_notes,
                             "sanitary_zone": {"farm_head": float(farm_head), "zone_m": zone_m,
                                               **{f"source_{lang}": ZONE_SOURCE[lang] for lang in ZONE_SOURCE},
                                               **{f"village_rule_{lang}": VILLAGE_ZONE_RULE[lang].format(m=zone_m)
                                                  for lang in VILLAGE_ZONE_RULE},
                                               **{f"cell_rule_{lang}": CELL_ZONE_RULE[lang].format(m=zone_m)
                                                  for lang in CELL_ZONE_RULE}}}
    if len(site_ids) == 0 or k < 1:
        result.dairy_sites = _dairy_table(scored, st, selected=())
        status = "no new farms ([siting] k = 0)" if k < 1 else "no candidate sites"
        result.plan = {"status": status, "farms": [], **notes}
        return
    fixed = [s for s in existing if s in cost.columns]
    k_eff = min(k, len(site_ids) - len(fixed))
    notes["k_requested"], notes["k_used"] = k, k_eff
    if k_eff < k:
        logger.warning("[siting] k = %d, but only %d candidate sites are left besides %d existing farms: choosing %d",
                       k, len(site_ids) - len(fixed), len(fixed), k_eff)
    reach = cost.notna().any(axis=1)
    notes["villages_without_site_in_reach"] = int((~reach).sum())
    notes["villages_reaching_one_site"] = int((cost.notna().sum(axis=1) == 1).sum())
    # all villages stay in: the unreachable ones are reported as uncovered (MCLP) / unserved at a price (p-median)
    # the two models are independent: the p-median is solved in a second thread meanwhile (HiGHS and
    # its numba kernel release the GIL; same results as one after the other, on its own copy of the costs)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="p_median")
    try:
        median_job = pool.submit(p_median, cost.copy(), workers.copy(), k=k_eff, fixed=fixed,
                                 unreachable_cost=unreachable_cost, solver="highs")
        cover = mclp(cost, workers, k=k_eff, cutoff=commute, fixed=fixed, solver="highs")
        median = median_job.result()
    finally:  # an interruption (Ctrl-C, SIGTERM) does not wait for the other solve to end
        pool.shutdown(wait=False, cancel_futures=True)
    result.dairy_sites = _dairy_table(scored, st, selected=cover.selected_ids)
    result.timings["dairy_allocation"] = time.perf_counter() - t

    # ---- joint housing-jobs plan ----------------------------------------------------------------------------
    t = time.perf_counter()
    housing_ok = st.loc[st["housing_score"].notna()]
    v_ids = list(housing_ok["settlement_id"])
    notes["housing_without_site_in_reach"] = int((~reach.loc[v_ids]).sum())
    cost_v = cost.loc[v_ids]
    base_jobs = None
    if "vacancies_45min_winter" in st.columns:
        base_jobs = pd.Series(st["vacancies_45min_winter"].fillna(0.0).to_numpy(), index=village_ids).loc[v_ids]
    # a new farm brings jobs_per_farm jobs; an existing farm its own (published or estimated from the herd)
    site_jobs = pd.Series(float(jobs_per_farm), index=site_ids)
    if "jobs" in facilities.columns:
        known = (facilities.loc[facilities["kind"] == "dairy_farm"].dropna(subset=["settlement_id"])
                 .groupby("settlement_id")["jobs"].sum(min_count=1).dropna())
        for sid, n in known.items():
            if f"site:{sid}" in site_jobs.index:
                site_jobs[f"site:{sid}"] = float(n)
    notes["existing_farm_jobs"] = {s: float(site_jobs[s]) for s in fixed}
    common = dict(
        village_ids=v_ids, site_ids=site_ids, homes_demand=HOMES_PER_VILLAGE,
        workers=workers.loc[v_ids], jobs_per_farm=site_jobs, k_farms=k_eff,
        n_housing=min(int(n_housing), len(v_ids)),
        min_jobs=float(min_jobs),
        commute_min=commute, fixed_farms=fixed,
        housing_score=pd.Series(housing_ok["housing_score"].to_numpy(), index=v_ids), base_jobs=base_jobs,
    )
    joint = joint_plan(cost_v, **common)
    separate = separate_plan(cost_v, **common)
    comparison = compare_plans(joint, separate)
    names = st.set_index("settlement_id")[["name", "name_kk", "name_ru", "district"]]
    plan = plan_to_dict(joint)
    site_info = scored.set_index("site_id")
    for farm in plan["farms"]:
        site = str(farm["site_id"])
        farm["existing"] = site in fixed
        farm.update(_site_record(site, site_info, names, zone_m=zone_m))
    for village in plan["housing"]:
        vid = str(village["village_id"])
        if vid in names.index:
            village.update({k2: names.at[vid, k2] for k2 in names.columns if pd.notna(names.at[vid, k2])})
    other = "summer" if season == "winter" else "winter"
    if other in result.od:  # the same links in the other season (shown beside the plan's own minutes)
        cost_other = cost_matrix_from_od(result.od[other], from_ids=v_ids,
                                         to_ids=[s.removeprefix("site:") for s in village_sites])
        cost_other.columns = village_sites
        if cell_sites:
            cost_other = pd.concat([cost_other, _cell_cost(result, cell_sites, v_ids, season=other,
                                                           cutoff=OD_CUTOFF_MIN)], axis=1)[site_ids]
        for link in plan["commutes"]:
            m = cost_other.at[link["village_id"], link["site_id"]]
            if pd.notna(m):
                link[f"minutes_{other}"] = float(m)
    plan["separate"] = plan_to_dict(separate)
    plan["comparison"] = comparison.reset_index().to_dict(orient="records")
    plan["mclp"] = cover.to_dict()
    plan["p_median"] = median.to_dict()
    site_points = {str(k2): g for k2, g in zip(scored["site_id"], scored["geometry"], strict=True)}
    milk = _milk_plan(result, facilities, [f["site_id"] for f in plan["farms"]], season, site_points,
                      max_delivery_min=max_delivery_min, milk_t_per_farm_day=milk_t_per_farm_day,
                      milk_split=milk_split)
    if "objective" not in milk:  # nothing to assign (no processor or no farm): say so with finite numbers
        milk.update({"objective": 0.0, "objective_unit": "t·min/day", "gap": 0.0, "bound": 0.0, "solver": "none",
                     "runtime_s": 0.0})
    plan["milk"] = milk
    # every solver result: finite objective, status and gap (by construction; a writer must not hide a NaN as null)
    results = {"joint": {**plan["solver"], "objective": plan["objective"]},
               "separate": {**plan["separate"]["solver"], "objective": plan["separate"]["objective"]},
               "mclp": plan["mclp"], "p_median": plan["p_median"],
               "milk": {k2: milk.get(k2) for k2 in ("objective", "status", "gap", "bound")}}
    bad = missing_paths(results)
    if bad:
        logger.error("Dairy plan: missing or non-finite solver results at %s", ", ".join(bad))
    # `selected` = the MCLP choice (labour coverage alone); `in_plan` = the farms of the joint housing-jobs plan
    result.dairy_sites["in_plan"] = result.dairy_sites["site_id"].isin([f["site_id"] for f in plan["farms"]])
    plan["notes"] = {**notes, "homes_per_village": HOMES_PER_VILLAGE,
                     "workers": f"population x {working_age} working-age share (proxy)"}
    result.plan = plan
    result.timings["joint_plan"] = time.perf_counter() - t
    logger.info("Dairy: %d candidates x %d villages, %d farms chosen (MCLP %s), p-median %s, joint plan %s "
                "(gap %.3g) with %d housing villages", len(site_ids), len(village_ids), len(cover.selected_ids),
                cover.status, median.status, joint.status, joint.gap, len(joint.housing))


def _cell_candidates(
    result: Analysis, st: gpd.GeoDataFrame, facilities: pd.DataFrame, *, working_age: float, max_cells: int,
    per_village: int, zone_m: float,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The shortlisted grid cells as candidate rows (``site_id = "cell:<id>"``) and the record of the rule."""
    cells = result.cells
    if cells is None or result.attached is None or not len(cells) or max_cells < 1:
        return pd.DataFrame(), {"used": False, "reason": "no cells (disabled, k = 0 or none in the ring)"}
    t = time.perf_counter()
    ind = cell_indicators(result.attached, cells, st, facilities=facilities, working_age_share=working_age,
                          seasons=[s for s in ("summer", "winter") if s in result.od])
    full = pd.concat([pd.DataFrame(cells.drop(columns="geometry")),
                      ind.drop(columns=[c for c in ind.columns if c in cells.columns])], axis=1)
    full["geometry"] = cells.geometry.to_numpy()
    short = shortlist_cells(full, max_cells=max_cells, per_village=per_village)
    notes: dict[str, Any] = {
        "used": True, **dict(cells.attrs.get("cells", {})), "snapped": int(len(cells)), "candidates": int(len(short)),
        "max_cells": int(max_cells), "per_village": int(per_village), "zone_m": float(zone_m),
        "rule": "grid cells 2-10 km (config) from the nearest settlement point, farther than the sanitary zone "
                "from every settlement point, within the road distance; before snapping at most 4x per_village per "
                "nearest village, nearest the road first (assumption: a pre-filter); then at most per_village per "
                "nearest village and max_cells in all, best by winter 45-min labour pool, then farmland share, then "
                "road distance",
        "zone_from": "settlement points (no settlement outlines in the data: a large village's edge can be nearer)",
        "seconds": 0.0,
    }
    if not len(short):
        notes["seconds"] = time.perf_counter() - t
        return pd.DataFrame(), notes
    villages = st.set_index(st["settlement_id"].astype(str))
    vids = short["village_id"].astype(str)
    out = pd.DataFrame({"site_id": "cell:" + short["cell_id"].astype(str),
                        "settlement_id": vids.to_numpy()}, index=short.index)
    out = pd.concat([out, cell_names(short, st)], axis=1)
    for c in ("district_id", "district", "district_kk", "district_en"):
        if c in villages.columns:
            out[c] = villages[c].reindex(vids).to_numpy()
    out["population"] = 0.0
    for c in ind.columns:
        out[c] = short[c].to_numpy()
    if "farmland_share" in short.columns:
        out["farmland_share"] = short["farmland_share"].to_numpy()
    out["labour_pool_source"] = PROXY_LABOUR["en"].format(share=working_age)  # as the village sites
    out["snap_m"] = result.attached.snap_m.loc["c:" + short["cell_id"].astype(str)].to_numpy()
    out["snap_flag"] = result.attached.snap_flag.loc["c:" + short["cell_id"].astype(str)].to_numpy()
    out["network_source"] = result.network.source
    out["selected"] = False
    out["site_kind"] = "cell"
    out["point_id"] = "c:" + short["cell_id"].astype(str)
    out["village_id"] = vids.to_numpy()
    out["village_km"] = short["village_m"].to_numpy() / 1000.0
    out["bearing"] = short["bearing"].to_numpy()
    out["road_m"] = short["road_m"].to_numpy()
    out["zone_m"] = float(zone_m)
    out["geometry"] = short["geometry"].to_numpy()
    notes["seconds"] = time.perf_counter() - t
    logger.info("Farm-site cells: %d snapped, %d candidates (at most %d, %d per village) in %.2f s", len(cells),
                len(out), max_cells, per_village, notes["seconds"])
    return out.reset_index(drop=True), notes


def _cell_cost(result: Analysis, cell_sites: Sequence[str], village_ids: Sequence[Any], *, season: str,
               cutoff: float) -> pd.DataFrame:
    """Minutes villages x cell sites (NaN beyond ``cutoff``): from each village to the cell on the run's network
    (village -> site, as the village sites' costs)."""
    assert result.attached is not None
    pids = ["c:" + s.removeprefix("cell:") for s in cell_sites]
    vids = [str(v) for v in village_ids]
    od = od_table(result.attached, season=season, origin_ids=["s:" + v for v in vids], dest_ids=pids,
                  cutoff_min=cutoff, labels=(vids, ["cell:" + p.removeprefix("c:") for p in pids]))
    cost = cost_matrix_from_od(od, from_ids=[str(v) for v in village_ids], to_ids=list(cell_sites))
    cost.index = list(village_ids)
    return cost


def _site_record(site: str, info: pd.DataFrame, names: pd.DataFrame, *, zone_m: float) -> dict[str, Any]:
    """Kind, names, nearest village and distance, and sanitary zone of a chosen site (for plan.json)."""
    if site.startswith("cell:") and site in info.index:
        row = info.loc[site]
        vid = str(row["village_id"])
        rec: dict[str, Any] = {"kind": "cell", "settlement_id": vid, "village_id": vid,
                               "village_km": round(float(row["village_km"]), 2),
                               "point_id": str(row["point_id"]),
                               "lon": float(row["geometry"].x), "lat": float(row["geometry"].y),
                               "zone_m": float(zone_m), "zone_rule": CELL_ZONE_RULE["en"].format(m=zone_m),
                               "jobs_counted_at": "nearest village (the quota plan and scenarios place jobs "
                                                  "at settlements)"}
        rec.update({c: str(row[c]) for c in ("name", "name_kk", "name_ru") if pd.notna(row.get(c))})
        if vid in names.index:
            rec["village_name"] = str(names.at[vid, "name"])
            for c in ("district",):
                if pd.notna(names.at[vid, c]):
                    rec[c] = names.at[vid, c]
        return rec
    sid = site.removeprefix("site:")
    rec = {"kind": "village", "settlement_id": sid, "village_id": sid, "village_km": 0.0, "point_id": "s:" + sid,
           "zone_m": float(zone_m), "zone_rule": VILLAGE_ZONE_RULE["en"].format(m=zone_m)}
    if sid in names.index:  # a name unknown in one language is left out, never null
        rec.update({k2: names.at[sid, k2] for k2 in names.columns if pd.notna(names.at[sid, k2])})
        rec["village_name"] = str(names.at[sid, "name"])
    return rec


def _milk_plan(result: Analysis, facilities: pd.DataFrame, farm_sites: Sequence[str], season: str,
               site_points: dict[str, Any], *,
               max_delivery_min: float, milk_t_per_farm_day: float, milk_split: bool) -> dict[str, Any]:
    """Assign the milk of the plan's farms to processors within daily delivery, respecting intake."""
    procs = facilities.loc[facilities["kind"] == "milk_processor"]
    max_min = float(max_delivery_min)
    if not len(procs) or not len(farm_sites):
        return {"status": "no milk processor in the data" if not len(procs) else "no farms",
                "parameters": {"max_delivery_min": max_min}}
    geom = result.settlements.set_index("settlement_id").geometry
    farm_pts = pd.DataFrame({"pid": list(farm_sites),
                             "geometry": [site_points.get(s, geom.get(s.removeprefix("site:"))) for s in farm_sites]})
    proc_pts = gpd.GeoDataFrame({"pid": procs["facility_id"].to_numpy()}, geometry=procs.geometry.to_numpy(),
                                crs=procs.crs)
    pts = gpd.GeoDataFrame(pd.concat([farm_pts[["pid", "geometry"]], proc_pts], ignore_index=True),
                           geometry="geometry", crs=result.settlements.crs)
    att = attach_points(result.network, pts, id_col="pid")
    od = od_table(att, season=season, origin_ids=list(farm_sites), dest_ids=list(proc_pts["pid"]),
                  cutoff_min=max_min)
    cost = cost_matrix_from_od(od, from_ids=list(farm_sites), to_ids=list(proc_pts["pid"]))
    milk = assign_milk(
        pd.DataFrame({"site_id": list(farm_sites)}),
        pd.DataFrame({"facility_id": procs["facility_id"].to_numpy(), "name": procs["name"].to_numpy(),
                      "capacity": procs["capacity"].to_numpy(dtype=float)}),
        cost,
        milk_t_per_day=float(milk_t_per_farm_day),
        max_minutes=max_min,
        split=bool(milk_split),
    )
    return milk.to_dict()


def _dairy_table(scored: pd.DataFrame, settlements: gpd.GeoDataFrame, *, selected: Sequence[str]) -> gpd.GeoDataFrame:
    """Candidate table with geometry and the ``selected`` flag."""
    by_sid = settlements.set_index("settlement_id").geometry
    geom = (scored["geometry"] if "geometry" in scored.columns
            else by_sid.reindex(scored["settlement_id"]).reset_index(drop=True))
    geom = [g if g is not None and not (isinstance(g, float) and np.isnan(g)) else by_sid.get(sid)
            for g, sid in zip(geom, scored["settlement_id"], strict=True)]
    table = scored.drop(columns=["geometry"], errors="ignore").copy()
    table["selected"] = mark_selected(table, list(selected)) if len(selected) else False
    extra = [c for c in ("network_source", "snap_m", "snap_flag") if c not in table.columns]
    if extra:
        by_id = settlements.set_index("settlement_id")[extra]
        is_cell = table.get("site_kind", pd.Series("village", index=table.index)).eq("cell").to_numpy()
        for c in extra:
            vals = by_id[c].reindex(table["settlement_id"]).to_numpy()
            table[c] = np.where(is_cell, table[c].to_numpy(), vals) if c in table.columns else vals
    return gpd.GeoDataFrame(table, geometry=geom, crs=settlements.crs)


#: Isochrone limits (minutes) drawn around district centres and chosen farms.
ISOCHRONE_MINUTES = (30.0, 45.0, 60.0)


def add_isochrones(result: Analysis, *, max_snap_m: float) -> None:
    """Isochrones around district centres (per season) and 30/45-min winter catchments of the plan's farms.

    The catchments are drawn around the joint plan's farms (``in_plan``), else around the MCLP choice
    (``selected``).
    """
    st = result.settlements
    if result.attached is not None:  # the run's one snapping (settlement ids "s:<id>")
        att, prefix = result.attached, "s:"
    else:
        att, prefix = attach_points(result.network, st, id_col="settlement_id", max_snap_m=max_snap_m), ""
    centres = [prefix + str(i) for i in st.loc[st["is_district_centre"].fillna(False).astype(bool), "settlement_id"]]
    frames = [isochrones(att, centres, minutes=ISOCHRONE_MINUTES, season=s)
              for s in result.od if s in ("summer", "winter")]
    if frames:
        iso = pd.concat(frames, ignore_index=True)
        iso["centre_id"] = iso["centre_id"].astype(str).str.removeprefix(prefix)
        result.isochrones = gpd.GeoDataFrame(iso, geometry="geometry", crs=result.network.crs)
    ds = result.dairy_sites
    # the farms of the joint plan (the map's default story); the MCLP choice when there is no plan
    col = "in_plan" if ds is not None and "in_plan" in ds.columns and ds["in_plan"].any() else "selected"
    if ds is not None and ds[col].any():
        sel = ds.loc[ds[col].astype(bool)]
        chosen = ([str(i) if str(i).startswith("c:") else prefix + str(i).removeprefix("s:") for i in sel["point_id"]]
                  if "point_id" in sel.columns else [prefix + str(i) for i in sel["settlement_id"]])
        if prefix == "":  # settlements snapped here (no run attachment): cells are not in this network
            chosen = [c for c in chosen if not c.startswith("c:")]
        season = "winter" if "winter" in result.od else "summer"
        cat = isochrones(att, chosen, minutes=(30.0, 45.0), season=season)
        cat["centre_id"] = cat["centre_id"].astype(str)
        cat["site_id"] = ["cell:" + c.removeprefix("c:") if c.startswith("c:") else "site:" + c.removeprefix(prefix)
                          for c in cat["centre_id"]]
        cat["centre_id"] = [c.removeprefix(prefix) for c in cat["centre_id"]]
        result.catchments = cat


def run_scenarios(
    result: Analysis,
    scenarios: Sequence[Scenario],
    housing_criteria: CriteriaSet,
    *,
    vacancies: pd.DataFrame | None,
    working_age_share: float,
    max_snap_m: float,
) -> dict[str, ScenarioResult]:
    """Apply each scenario on top of the base run (only what changed is recomputed)."""
    crits, constraints, _ = housing_criteria
    out = {}
    # the OD ids coded once for every scenario's access measures (same tables, ids hashed once)
    od = {season: coded_od(table) for season, table in result.od.items()} if scenarios else result.od
    for sc in scenarios:
        t = time.perf_counter()
        out[sc.name] = apply_scenario(
            sc, base=result.settlements, net=result.network, facilities=result.facilities, od=od,
            vacancies=vacancies, criteria=crits, constraints=constraints, plan=result.plan,
            seasons=tuple(result.od), working_age_share=float(working_age_share), max_snap_m=float(max_snap_m),
        )
        result.timings[f"scenario_{sc.name}"] = time.perf_counter() - t
    return out


#: Minutes by which each time limit is moved for the sensitivity record (issue: "±15 min").
SENSITIVITY_SHIFT_MIN = 15.0


def limit_sensitivity(
    settlements: pd.DataFrame,
    criteria: CriteriaSet,
    *,
    shift_min: float = SENSITIVITY_SHIFT_MIN,
    top_n: int = SHORTLIST_N,
) -> dict[str, dict[str, dict[str, int]]]:
    """How many exclusions, flags and district top-N picks change when each time limit moves by ±shift.

    Time limits are the breakpoints of the travel-time criteria (``tt_*`` with ``lo``/``hi``) and the
    constraints on ``tt_*`` columns. Returns ``{limit: {"-15": {...}, "+15": {...}}}`` with
    ``top_changes`` (villages entering or leaving their district's top ``top_n``), and for constraints
    ``excluded_change`` / ``flagged_change``.
    """
    crits, constraints, meta = criteria
    base = score(settlements, crits, constraints=constraints, n_reasons=0, texts=False)
    base_top = (base["housing_rank_district"].astype("Float64") <= top_n).fillna(False).to_numpy(bool)
    out: dict[str, dict[str, dict[str, int]]] = {}

    def top_changes(r: pd.DataFrame) -> int:
        top = (r["housing_rank_district"].astype("Float64") <= top_n).fillna(False).to_numpy(bool)
        return int((top != base_top).sum())

    for c in crits:
        if not c.column.startswith("tt_") or c.method != "threshold" or c.lo is None or c.hi is None:
            continue
        entry = {}
        for d in (-shift_min, shift_min):
            moved = [dataclasses.replace(x, lo=max(0.0, x.lo + d), hi=max(1.0, x.hi + d))  # type: ignore[operator]
                     if x.name == c.name else x for x in crits]
            entry[f"{d:+g}"] = {"top_changes": top_changes(score(settlements, moved, constraints=constraints,
                                                                  n_reasons=0, texts=False))}
        out[f"criterion {c.name} ({c.lo:g}-{c.hi:g} min)"] = entry
    for k in constraints:
        if not k.column.startswith("tt_") or isinstance(k.value, str) or k.value is None:
            continue
        entry = {}
        base_hit, _, _ = constraint_mask(settlements, [dataclasses.replace(k, action="exclude")])
        for d in (-shift_min, shift_min):
            k2 = dataclasses.replace(k, value=float(k.value) + d)
            hit, _, _ = constraint_mask(settlements, [dataclasses.replace(k2, action="exclude")])
            others = [x for x in constraints if x is not k]
            r = score(settlements, crits, constraints=[*others, k2], n_reasons=0, texts=False)
            key = "flagged_change" if k.action == "flag" else "excluded_change"
            entry[f"{d:+g}"] = {key: int(hit.sum() - base_hit.sum()), "top_changes": top_changes(r)}
        out[f"constraint {k.column} {k.op} {k.value:g} ({k.action})"] = entry
    return out


def category_counts(settlements: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Settlements per district and category (``settlement_category``), for run.json and the dashboard."""
    if "settlement_category" not in settlements.columns:
        return {}
    tab = pd.crosstab(settlements["district"].astype(str), settlements["settlement_category"].astype(str))
    return {str(d): {str(c): int(v) for c, v in row.items() if v} for d, row in tab.iterrows()}
