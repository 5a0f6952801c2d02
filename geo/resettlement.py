"""Where a year's resettlement quota can live with a job in reach: an exact allocation (MILP).

Given the quota (SKO 2026: 2,820 resettlers, МТСЗН order of 12.12.2025; KAZAKHSTAN_NORMS.md §3), a family
size, the homes that can be built per village in a year and the jobs (vacancies where given, the planned
farms' jobs, the existing farms' estimated jobs), families are allocated to villages so that **every
family's worker has a job within the commute limit in winter** and, among such allocations, services are
as close as possible. Families are whole numbers; jobs are shared between the villages that reach them.

Model: maximise ``sum_v x_v * (1 - s_v / S)`` where ``x_v`` (integer, ``0..homes_v``) are the families housed
in village ``v``, ``s_v`` its minutes to services in winter (school + clinic + hospital) and ``S`` large
enough that one more family always beats closer services; subject to ``sum_j a_vj = x_v`` (each family's
worker has one job ``j`` within the commute), ``sum_v a_vj <= jobs_j`` and ``sum_v x_v <= quota families``.
Solved with CBC (PuLP) to optimality (or a time limit, reported).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pulp

#: Persons per resettling family: 971 people in 241 families moved from Turkestan oblast to SKO in 2025
#: (inform.kz; KAZAKHSTAN_NORMS.md §3) = 4.0.
FAMILY_SIZE = 4.0
#: Minutes standing for a service that cannot be reached (worse than any reachable one).
UNREACHABLE_SERVICE_MIN = 600.0
SERVICE_COLUMNS = ("tt_school_min_winter", "tt_clinic_min_winter", "tt_hospital_min_winter")


def service_minutes(settlements: pd.DataFrame) -> pd.Series:
    """Winter minutes to school + clinic + hospital per settlement (unreachable = 600 each)."""
    total = pd.Series(0.0, index=settlements.index)
    for col in SERVICE_COLUMNS:
        if col in settlements.columns:
            total += pd.to_numeric(settlements[col], errors="coerce").fillna(UNREACHABLE_SERVICE_MIN)
    return total


def quota_plan(
    villages: pd.DataFrame,
    jobs: Mapping[str, float],
    od_winter: pd.DataFrame,
    *,
    quota_persons: int,
    family_size: float = FAMILY_SIZE,
    commute_min: float = 45.0,
    time_limit_s: float = 60.0,
) -> dict[str, Any]:
    """Allocate the quota's families to villages with a job in reach for every family's worker.

    Parameters
    ----------
    villages
        One row per candidate village (not excluded): ``settlement_id``, ``name``, ``homes`` (families
        that can be housed this year), ``service_min`` (see :func:`service_minutes`).
    jobs
        Open jobs by the settlement id where they are (vacancies, planned and existing farms).
    od_winter
        Winter travel times ``from_id, to_id, minutes`` between settlements.
    quota_persons
        Resettlers to place this year.
    family_size, commute_min
        Persons per family; winter commute limit in minutes.
    time_limit_s
        Solver time limit.

    Returns
    -------
    dict
        ``quota_persons``, ``quota_families``, ``families_allocated``, ``persons_allocated``,
        ``status``, ``objective``, ``gap``, ``shortfall_reason`` ("" when the quota is placed) and
        ``villages`` (``settlement_id, name, families, persons, homes, jobs, commute_min_winter,
        service_min_winter, works_at`` = list of ``{settlement_id, workers, minutes}``).
    """
    quota_families = int(math.floor(quota_persons / family_size)) if family_size > 0 else 0
    base: dict[str, Any] = {"quota_persons": int(quota_persons), "family_size": family_size,
                            "quota_families": quota_families, "commute_min": commute_min,
                            "families_allocated": 0, "persons_allocated": 0, "villages": [],
                            "jobs_total": float(sum(jobs.values())), "status": "not solved", "objective": 0.0,
                            "gap": 0.0, "runtime_s": 0.0}
    open_jobs = {str(k): float(v) for k, v in jobs.items() if float(v) > 0}
    if not open_jobs:
        return {**base, "status": "no jobs data",
                "shortfall_reason": "no jobs are known (no vacancy file, no planned or existing farms): nobody is "
                                    "placed, because every family needs a job in reach"}
    if quota_families <= 0 or not len(villages):
        return {**base, "status": "nothing to place",
                "shortfall_reason": "" if quota_families <= 0 else "no village can take resettlers"}
    vids = villages["settlement_id"].astype(str).tolist()
    od = od_winter[["from_id", "to_id", "minutes"]].astype({"from_id": str, "to_id": str})
    od = od[od["from_id"].isin(set(vids)) & od["to_id"].isin(set(open_jobs)) & (od["minutes"] <= commute_min)]
    od = od.groupby(["from_id", "to_id"], as_index=False)["minutes"].min()
    homes = dict(zip(vids, villages["homes"].astype(float), strict=True))
    svc = dict(zip(vids, villages["service_min"].astype(float), strict=True))
    scale = 10.0 * (max(svc.values()) + 1.0)
    start = time.perf_counter()
    prob = pulp.LpProblem("quota_plan", pulp.LpMaximize)
    reach = {v for v in od["from_id"] if homes.get(v, 0) >= 1}
    x = {v: pulp.LpVariable(f"x_{i}", 0, int(homes[v]), cat=pulp.LpInteger) for i, v in enumerate(vids)
         if v in reach}
    a = {(r.from_id, r.to_id): pulp.LpVariable(f"a_{k}", 0) for k, r in enumerate(od.itertuples())
         if r.from_id in x}
    if not x:
        return {**base, "status": "no village in reach",
                "shortfall_reason": f"no village that can take families has a job within {commute_min:g} min in "
                                    "winter"}
    prob += pulp.lpSum(x[v] * (1.0 - svc[v] / scale) for v in x)
    prob += pulp.lpSum(x.values()) <= quota_families
    by_v: dict[str, list[tuple[str, str]]] = {}
    by_j: dict[str, list[tuple[str, str]]] = {}
    for key in a:
        by_v.setdefault(key[0], []).append(key)
        by_j.setdefault(key[1], []).append(key)
    for v, var in x.items():
        prob += pulp.lpSum(a[k] for k in by_v.get(v, [])) == var
    for j, keys in by_j.items():
        prob += pulp.lpSum(a[k] for k in keys) <= open_jobs[j]
    prob.solve(pulp.PULP_CBC_CMD(msg=False, threads=2, timeLimit=time_limit_s, gapRel=0.0))
    runtime = time.perf_counter() - start
    if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return {**base, "status": pulp.LpStatus[prob.status], "runtime_s": runtime,
                "shortfall_reason": "the solver found no allocation"}
    status = "Optimal" if prob.sol_status == pulp.LpSolutionOptimal else "Feasible (time limit)"
    minutes = {(r.from_id, r.to_id): float(r.minutes) for r in od.itertuples()}
    names = dict(zip(vids, villages["name"].astype(str), strict=True))
    rows = []
    for v, var in x.items():
        fam = int(round(var.value() or 0))
        if fam <= 0:
            continue
        flows = [(j, round(float(a[(v, j)].value() or 0.0), 6), minutes[(v, j)]) for (_, j) in by_v.get(v, [])
                 if (a[(v, j)].value() or 0) > 1e-6]
        w = sum(f[1] for f in flows)
        commute = round(sum(f[1] * f[2] for f in flows) / w, 3) if w else 0.0
        rows.append({"settlement_id": v, "name": names[v], "families": fam, "persons": fam * family_size,
                     "homes": homes[v], "jobs": round(w, 6), "commute_min_winter": commute,
                     "service_min_winter": svc[v],
                     "works_at": [{"settlement_id": j, "workers": n, "minutes": m} for j, n, m in flows]})
    rows.sort(key=lambda r: (-int(r["families"]), str(r["name"])))
    placed = sum(int(r["families"]) for r in rows)
    reasons = []
    if placed < quota_families:
        jobs_reach = sum(open_jobs[j] for j in by_j)
        homes_reach = sum(homes[v] for v in x)
        if jobs_reach < quota_families:
            reasons.append(f"only {jobs_reach:g} open jobs are within {commute_min:g} min in winter of a village "
                           f"that can take families, for {quota_families} families")
        if homes_reach < quota_families:
            reasons.append(f"villages within reach of jobs can house {homes_reach:g} families this year")
        if not reasons:
            reasons.append("the jobs and the homes are in different places")
    obj = float(pulp.value(prob.objective) or 0.0)
    return {**base, "families_allocated": placed, "persons_allocated": placed * family_size, "status": status,
            "objective": obj, "gap": 0.0 if status == "Optimal" else 1.0, "runtime_s": runtime,
            "shortfall_reason": "; ".join(reasons) if reasons else "", "villages": rows,
            "jobs_in_reach": float(sum(open_jobs[j] for j in by_j))}


def job_sources(
    settlements: pd.DataFrame,
    *,
    vacancies: pd.DataFrame | None,
    planned_farms: list[dict[str, Any]],
    existing_farm_jobs: Mapping[str, float],
) -> tuple[dict[str, float], dict[str, float]]:
    """Open jobs per settlement id, and the totals by source (vacancies, planned farms, existing farms)."""
    jobs: dict[str, float] = {}
    totals = {"vacancies": 0.0, "planned_farms": 0.0, "existing_farms": 0.0}

    def add(sid: str, n: float, what: str) -> None:
        if np.isfinite(n) and n > 0:
            jobs[sid] = jobs.get(sid, 0.0) + float(n)
            totals[what] += float(n)

    if vacancies is not None and len(vacancies):
        for sid, n in vacancies.groupby("settlement_id")["count"].sum().items():
            add(str(sid), float(n), "vacancies")
    for farm in planned_farms:
        if not farm.get("existing", False):
            add(str(farm.get("settlement_id")), float(farm.get("jobs", 0.0) or 0.0), "planned_farms")
    for sid, n in existing_farm_jobs.items():
        add(str(sid), float(n), "existing_farms")
    return jobs, totals
