"""Joint housing-jobs plan: choose dairy-farm sites and housing villages together.

The housing certificate needs a confirmed job, so a village chosen for resettler
housing is only useful when jobs are within the (winter) commute limit, and a new
farm is only useful when enough workers live within that limit. The joint model
(a MILP, HiGHS or CBC via :func:`geo.allocation.solve_milp`) on a winter cost matrix ``villages x sites`` (minutes):

Variables
    ``y_f`` (binary) farm site ``f`` open; ``h_v`` (binary) village ``v`` gets
    housing; ``q_vf >= 0`` workers commuting from ``v`` to ``f`` (only pairs with
    ``minutes <= commute_min``, the set ``A``).
Constraints
    * ``sum_f y_f = k_farms + len(fixed_farms)``, ``y_f = 1`` for fixed farms;
    * ``sum_v h_v <= n_housing`` (at most: when fewer villages can reach ``J`` jobs
      the plan says so through its metrics instead of failing);
    * jobs: ``base_jobs_v + sum_{f:(v,f) in A} jobs_f y_f >= J h_v`` -- every chosen
      housing village has at least ``J = min_jobs`` jobs within the commute limit in
      winter (``base_jobs`` = jobs already there, e.g. vacancies, default 0);
    * workers: ``sum_{f} q_vf <= workers_v + workers_per_home * homes_v * h_v``
      (a person works at one farm) and ``sum_{v} q_vf >= jobs_f y_f`` -- every open
      farm, fixed ones included, is fully staffed by residents and newcomers within
      the commute limit.
Objective (``objective=``)
    ``"homes"`` (default): maximise ``sum_v homes_v * max(score_v, score_floor) * h_v``
    -- homes served weighted by the housing score (``score_floor`` keeps a village
    with score 0 eligible); ``"jobs"``: maximise jobs reachable from housing
    villages ``sum_{(v,f) in A} jobs_f z_vf`` with ``z_vf <= h_v``, ``z_vf <= y_f``.

The separate plan (:func:`separate_plan`) picks housing by score alone (top
``n_housing``) and farms by a capacitated MCLP of workers alone; both plans are
evaluated with the same metrics (:func:`compare_plans`).

``workers`` is the *available* labour per village (the caller's proxy, e.g.
working-age population x an availability share); say so in the outputs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from geo.allocation import (
    STATUS_NO_SOLUTION,
    STATUS_OPTIMAL,
    TIME_LIMIT_S,
    Milp,
    RowBuilder,
    mclp,
    solve_milp,
)
from geo.errors import ConfigError, ValueParseError
from geo.jsonsafe import json_safe

logger = logging.getLogger(__name__)

#: Jobs a chosen housing village needs within the commute limit (winter).
MIN_JOBS = 20.0
#: Commute limit, minutes (winter travel times).
COMMUTE_MIN = 45.0
#: New workers per new home (one working adult per resettler family).
WORKERS_PER_HOME = 1.0
#: Floor of the housing score in the ``"homes"`` objective.
SCORE_FLOOR = 0.01
OBJECTIVES = ("homes", "jobs")
_EPS = 1e-6

#: Labels of the comparison metrics (kk, ru, en).
METRIC_LABELS: dict[str, tuple[str, str, str]] = {
    "n_farms": ("Фермалар саны", "Число ферм", "Farms"),
    "n_housing": ("Тұрғын үй ауылдары", "Сёл с жильём", "Housing villages"),
    "homes_served": ("Үйлер", "Домов (семей)", "Homes served"),
    "homes_with_jobs": (
        "Жұмысқа жетімді үйлер", "Домов с работой в доступности", "Homes with jobs within reach",
    ),
    "share_meeting_min_jobs": (
        "J жұмыс орны бар ауылдар үлесі", "Доля сёл с ≥ J рабочих мест", "Share of villages with ≥ J jobs",
    ),
    "jobs_total": ("Жұмыс орындары (фермалар)", "Рабочих мест на фермах", "Farm jobs"),
    "jobs_near_housing": (
        "Тұрғын үйге жақын жұмыс орындары", "Рабочих мест рядом с жильём", "Jobs within reach of housing",
    ),
    "jobs_reachable_mean": (
        "Ауылға жетімді жұмыс (орташа)", "Рабочих мест в доступности (среднее на село)",
        "Jobs within reach per housing village (mean)",
    ),
    "jobs_filled": ("Толтырылған жұмыс орындары", "Заполнено рабочих мест", "Jobs filled"),
    "share_farms_staffed": (
        "Жұмысшымен толық фермалар үлесі", "Доля ферм, обеспеченных работниками", "Share of farms fully staffed",
    ),
}


@dataclass(frozen=True)
class JointPlan:
    """A housing + farms plan and its evaluation.

    Attributes
    ----------
    kind
        ``"joint"`` or ``"separate"``.
    farms
        Open farm site ids (fixed included).
    housing
        Housing village ids.
    villages
        Per housing village: ``village_id``, ``homes``, ``housing_score``,
        ``jobs_reachable`` (winter, within commute), ``meets_min_jobs``, ``newcomers_employed``
        (newcomer workers with a job at an open farm in the staffing flow).
    farm_staff
        Per open farm: ``site_id``, ``jobs``, ``workers_assigned``, ``newcomers_assigned``, ``staffed``,
        ``fixed``.
    commutes
        ``village_id``, ``site_id``, ``minutes``, ``workers`` (assigned flow: residents and
        newcomers), ``newcomers`` (the resettler workers among them), ``housing`` (village chosen):
        every open-farm pair within the commute limit touching a housing village or carrying workers.
    metrics
        The comparison metrics (see ``METRIC_LABELS``).
    objective
        Objective value of the model that produced the plan (joint MILP; for the
        separate plan the farms' MCLP objective).
    status, gap, solver, runtime_s
        Solver outcome: ``status`` ``"Optimal"``, ``"Feasible (time limit)"``, ``"Infeasible"`` or
        ``"No solution (time limit)"`` (then the plan is empty and ``objective`` 0); ``gap`` the proven
        relative gap in [0, 1].
    parameters
        Model inputs (k_farms, n_housing, min_jobs, commute_min, ...).
    bound
        Proven bound on the optimum (finite).
    reason
        Why the plan is empty or not proven optimal (infeasibility cause, time limit); empty otherwise.
    """

    kind: str
    farms: tuple[str, ...]
    housing: tuple[str, ...]
    villages: pd.DataFrame
    farm_staff: pd.DataFrame
    commutes: pd.DataFrame
    metrics: dict[str, float]
    objective: float
    status: str
    gap: float
    solver: str
    runtime_s: float
    parameters: dict = field(default_factory=dict)
    bound: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class _Inputs:
    minutes: np.ndarray
    village_ids: tuple[str, ...]
    site_ids: tuple[str, ...]
    homes: np.ndarray
    workers: np.ndarray
    jobs: np.ndarray
    score: np.ndarray
    base_jobs: np.ndarray
    fixed: tuple[int, ...]


def _vector(values: pd.Series | Sequence[float] | np.ndarray | float | None, ids: tuple[str, ...],
            name: str, default: float) -> np.ndarray:
    if values is None:
        return np.full(len(ids), float(default))
    if isinstance(values, pd.Series):
        idx = values.index.map(str)
        known = set(idx)
        missing = [i for i in ids if i not in known]
        if missing:
            raise ValueParseError(
                f"{name}: no value for id(s) {missing[:5]}; index the Series by the village/site ids."
            )
        arr = values.set_axis(idx).reindex(list(ids)).to_numpy(dtype=float)
    else:
        arr = np.asarray(values, dtype=float)
        if arr.ndim == 0:
            arr = np.full(len(ids), float(arr))
    if arr.shape != (len(ids),):
        raise ValueParseError(f"{name}: expected {len(ids)} values, got shape {arr.shape}.")
    bad = [ids[i] for i in np.flatnonzero(~np.isfinite(arr) | (arr < 0))]
    if bad:
        raise ValueParseError(f"{name}: values must be finite and >= 0; bad for {bad[:5]}.")
    return arr


def _inputs(
    cost_winter: np.ndarray | pd.DataFrame,
    *,
    village_ids: Sequence[str],
    site_ids: Sequence[str],
    homes_demand: pd.Series | Sequence[float] | float,
    workers: pd.Series | Sequence[float],
    jobs_per_farm: pd.Series | Sequence[float] | float,
    housing_score: pd.Series | Sequence[float] | None,
    base_jobs: pd.Series | Sequence[float] | None,
    fixed_farms: Sequence[str],
) -> _Inputs:
    vids = tuple(str(v) for v in village_ids)
    sids = tuple(str(s) for s in site_ids)
    if len(set(vids)) != len(vids) or len(set(sids)) != len(sids):
        raise ValueParseError("village_ids / site_ids: ids must be unique.")
    if isinstance(cost_winter, pd.DataFrame):
        frame = cost_winter.set_axis(cost_winter.index.map(str), axis=0)
        frame = frame.set_axis(frame.columns.map(str), axis=1)
        missing = [v for v in vids if v not in frame.index] + [s for s in sids if s not in frame.columns]
        if missing:
            raise ValueParseError(f"cost_winter: ids {missing[:5]} are not in the matrix index/columns.")
        minutes = frame.reindex(index=list(vids), columns=list(sids)).to_numpy(dtype=float)
    else:
        minutes = np.asarray(cost_winter, dtype=float)
    if minutes.shape != (len(vids), len(sids)):
        raise ValueParseError(
            f"cost_winter: expected shape ({len(vids)} villages, {len(sids)} sites), got {minutes.shape}."
        )
    minutes = np.where(np.isnan(minutes), np.inf, minutes)
    unknown = [f for f in fixed_farms if str(f) not in sids]
    if unknown:
        raise ConfigError(f"fixed_farms: {unknown} are not among site_ids; add them as candidate sites.")
    fixed = tuple(sorted(sids.index(str(f)) for f in dict.fromkeys(fixed_farms)))
    return _Inputs(
        minutes=minutes,
        village_ids=vids,
        site_ids=sids,
        homes=_vector(homes_demand, vids, "homes_demand", 0.0),
        workers=_vector(workers, vids, "workers", 0.0),
        jobs=_vector(jobs_per_farm, sids, "jobs_per_farm", 0.0),
        score=_vector(housing_score, vids, "housing_score", 1.0),
        base_jobs=_vector(base_jobs, vids, "base_jobs", 0.0),
        fixed=fixed,
    )


def infeasibility_reason(
    minutes: np.ndarray, workers: np.ndarray, jobs: np.ndarray, *, k_farms: int, n_fixed: int, commute_min: float
) -> str:
    """Say why farms cannot be staffed, from the data (not a generic "lower k" for every cause).

    Checks, in order: no working-age residents at all (an empty population column); fewer villages in
    reach of any site than there are farms (disconnected roads, villages far apart or abroad); fewer
    sites with enough workers within the commute than farms asked for.
    """
    total = float(np.nansum(workers))
    if total <= 0:
        return ("the settlements have no working-age residents (is the population column empty?). Fill "
                "population in the settlements file or give [settlements] population_table.")
    reach = np.isfinite(minutes) & (minutes <= commute_min)
    reached = int(reach.any(axis=1).sum())
    if reached == 0:
        return (f"no village is within {commute_min:g} min of any candidate site in winter: the road network is "
                "disconnected from the villages (check snap_flag in settlements.csv) or the villages lie outside "
                "the region. Fix the road data or coordinates, or raise [siting] commute_min.")
    staffed = (np.where(reach, workers[:, None], 0.0).sum(axis=0) >= jobs)
    need = k_farms + n_fixed
    if int(staffed.sum()) < need:
        return (f"only {int(staffed.sum())} of {len(jobs)} candidate sites have enough working-age residents "
                f"({float(np.max(jobs)):g} jobs) within {commute_min:g} min in winter, and {k_farms} new + {n_fixed} "
                f"existing farms were asked for; {reached} of {len(workers)} villages reach any site. Lower "
                "[siting] k or jobs_per_farm, or raise commute_min.")
    return (f"{k_farms} new + {n_fixed} existing farms cannot all be staffed together within {commute_min:g} min "
            "in winter (their catchments overlap). Lower [siting] k or jobs_per_farm, or raise commute_min.")


def _check_counts(inp: _Inputs, k_farms: int, n_housing: int, commute_min: float) -> None:
    if k_farms < 0 or k_farms + len(inp.fixed) > len(inp.site_ids):
        raise ConfigError(
            f"[siting] k = {k_farms}: {k_farms} new + {len(inp.fixed)} existing farms need that many candidate sites, "
            f"but only {len(inp.site_ids)} settlements can host a farm here. Lower [siting] k."
        )
    if not 0 <= n_housing <= len(inp.village_ids):
        raise ConfigError(f"n_housing: expected 0..{len(inp.village_ids)}, got {n_housing}.")
    if not np.isfinite(commute_min) or commute_min <= 0:
        raise ConfigError(f"commute_min: expected a positive number of minutes, got {commute_min!r}.")


def _staffing(inp: _Inputs, farms: Sequence[int], housing: Sequence[int], commute_min: float,
              workers_per_home: float) -> tuple[np.ndarray, np.ndarray]:
    """Worker flow village -> farm: most jobs staffed, then most newcomers employed, then shortest commutes.

    Two LPs on the pairs within ``commute_min``. Each village has residents (``workers``) and, when it
    gets housing, newcomers (``workers_per_home x homes``). Stage 1 maximises staffed jobs. Stage 2 keeps
    that total and maximises the newcomers' flow (the resettler families the plan is for), with a small
    penalty on minutes (1e-4 per worker x minutes / ``commute_min``, always below the value of one newcomer)
    so that, among equal plans, workers take shorter commutes.

    Returns
    -------
    flow, newcomers
        ``villages x sites`` matrices: all workers (residents + newcomers) and the newcomers among them.
    """
    flow = np.zeros_like(inp.minutes)
    new = np.zeros_like(inp.minutes)
    farm_pos = np.asarray(sorted(farms), dtype=int)
    if farm_pos.size == 0:
        return flow, new
    ii, jj = np.nonzero(inp.minutes[:, farm_pos] <= commute_min)
    if ii.size == 0:
        return flow, new
    n_v = len(inp.village_ids)
    newcomers = np.zeros(n_v)
    newcomers[list(housing)] = workers_per_home * inp.homes[list(housing)]
    npair = ii.size
    has_new = newcomers[ii] > 0
    ni, nj = ii[has_new], jj[has_new]  # newcomer pairs (housing villages only)
    nn = ni.size
    nvar = npair + nn
    a_res = coo_matrix((np.ones(npair), (ii, np.arange(npair))), shape=(n_v, nvar))
    a_new = coo_matrix((np.ones(nn), (ni, npair + np.arange(nn))), shape=(n_v, nvar))
    a_job = coo_matrix((np.ones(nvar), (np.concatenate([jj, nj]), np.arange(nvar))), shape=(farm_pos.size, nvar))
    a_ub = vstack([a_res, a_new, a_job]).tocsr()
    b_ub = np.concatenate([inp.workers, newcomers, inp.jobs[farm_pos]])
    first = linprog(-np.ones(nvar), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    total = float(-first.fun)
    minutes = inp.minutes[np.concatenate([ii, ni]), farm_pos[np.concatenate([jj, nj])]]
    cost = 1e-4 * minutes / max(float(commute_min), _EPS)
    cost[npair:] -= 1.0
    second = linprog(cost, A_ub=vstack([a_ub, -np.ones((1, nvar))]).tocsr(),
                     b_ub=np.concatenate([b_ub, [-(total - 1e-9 * max(1.0, total))]]), bounds=(0, None),
                     method="highs")
    x = second.x if second.x is not None and second.x.sum() >= total - _EPS else first.x
    np.add.at(flow, (ii, farm_pos[jj]), x[:npair])
    np.add.at(flow, (ni, farm_pos[nj]), x[npair:])
    np.add.at(new, (ni, farm_pos[nj]), x[npair:])
    return flow, new


def _evaluate(inp: _Inputs, farms: Sequence[int], housing: Sequence[int], *, min_jobs: float,
              commute_min: float, workers_per_home: float,
              flow: tuple[np.ndarray, np.ndarray] | None) -> dict:
    farms = sorted(int(f) for f in farms)
    housing = sorted(int(v) for v in housing)
    total, new = _staffing(inp, farms, housing, commute_min, workers_per_home) if flow is None else flow
    reach = inp.minutes <= commute_min
    open_mask = np.zeros(len(inp.site_ids), bool)
    open_mask[farms] = True
    jobs_reachable = inp.base_jobs + (reach & open_mask) @ inp.jobs
    villages = pd.DataFrame({
        "village_id": [inp.village_ids[v] for v in housing],
        "homes": inp.homes[housing],
        "housing_score": inp.score[housing],
        "jobs_reachable": jobs_reachable[housing],
        "meets_min_jobs": jobs_reachable[housing] >= min_jobs - _EPS,
        "newcomers_employed": new[housing].sum(axis=1) if housing else np.zeros(0),
    })
    assigned = total[:, farms].sum(axis=0)
    farm_staff = pd.DataFrame({
        "site_id": [inp.site_ids[f] for f in farms],
        "jobs": inp.jobs[farms],
        "workers_assigned": assigned,
        "newcomers_assigned": new[:, farms].sum(axis=0),
        "staffed": assigned >= inp.jobs[farms] - _EPS,
        "fixed": [f in inp.fixed for f in farms],
    })
    rows = []
    hset = set(housing)
    for v in range(len(inp.village_ids)):
        for f in farms:
            if reach[v, f] and (v in hset or total[v, f] > _EPS):
                rows.append((inp.village_ids[v], inp.site_ids[f], float(inp.minutes[v, f]),
                             float(total[v, f]), float(new[v, f]), v in hset))
    commutes = pd.DataFrame(rows, columns=["village_id", "site_id", "minutes", "workers", "newcomers", "housing"])
    near = (reach[housing][:, farms].any(axis=0) if housing else np.zeros(len(farms), bool))
    metrics = {
        "n_farms": float(len(farms)),
        "n_housing": float(len(housing)),
        "homes_served": float(villages["homes"].sum()),
        "homes_with_jobs": float(villages.loc[villages["meets_min_jobs"], "homes"].sum()),
        "share_meeting_min_jobs": float(villages["meets_min_jobs"].mean()) if housing else 0.0,
        "jobs_total": float(inp.jobs[farms].sum()),
        "jobs_near_housing": float(inp.jobs[farms][near].sum()),
        "jobs_reachable_mean": float(villages["jobs_reachable"].mean()) if housing else 0.0,
        "jobs_filled": float(assigned.sum()),
        "share_farms_staffed": float(farm_staff["staffed"].mean()) if farms else 0.0,
    }
    return {
        "farms": tuple(inp.site_ids[f] for f in farms),
        "housing": tuple(inp.village_ids[v] for v in housing),
        "villages": villages,
        "farm_staff": farm_staff,
        "commutes": commutes,
        "metrics": metrics,
    }


def _parameters(k_farms: int, n_housing: int, min_jobs: float, commute_min: float,
                workers_per_home: float, inp: _Inputs, objective: str) -> dict:
    return {
        "k_farms": int(k_farms),
        "n_housing": int(n_housing),
        "min_jobs": float(min_jobs),
        "commute_min": float(commute_min),
        "workers_per_home": float(workers_per_home),
        "fixed_farms": [inp.site_ids[f] for f in inp.fixed],
        "objective": objective,
        "season": "winter",
        "n_villages": len(inp.village_ids),
        "n_sites": len(inp.site_ids),
    }


def joint_plan(
    cost_winter: np.ndarray | pd.DataFrame,
    *,
    village_ids: Sequence[str],
    site_ids: Sequence[str],
    homes_demand: pd.Series | Sequence[float] | float,
    workers: pd.Series | Sequence[float],
    jobs_per_farm: pd.Series | Sequence[float] | float,
    k_farms: int,
    n_housing: int,
    min_jobs: float = MIN_JOBS,
    commute_min: float = COMMUTE_MIN,
    fixed_farms: Sequence[str] = (),
    housing_score: pd.Series | Sequence[float] | None = None,
    base_jobs: pd.Series | Sequence[float] | None = None,
    workers_per_home: float = WORKERS_PER_HOME,
    objective: str = "homes",
    score_floor: float = SCORE_FLOOR,
    time_limit_s: float = TIME_LIMIT_S,
    solver: str = "highs",
) -> JointPlan:
    """Choose farm sites and housing villages together (MILP, see module docstring).

    Parameters
    ----------
    cost_winter
        Villages x candidate farm sites, winter minutes (NaN = unreachable); a
        frame is aligned on ``village_ids`` / ``site_ids``.
    village_ids, site_ids
        Row and column ids.
    homes_demand
        New homes (resettler families) a village gets when chosen.
    workers
        Available workers living in each village (proxy chosen by the caller).
    jobs_per_farm
        Jobs per farm site (one number or per site).
    k_farms
        New farms to open (fixed farms come on top).
    n_housing
        Maximum number of housing villages.
    min_jobs
        ``J``: jobs a housing village needs within ``commute_min`` in winter.
    commute_min
        Commute limit, minutes.
    fixed_farms
        Existing/decided farm site ids, always open (and to be staffed).
    housing_score
        Housing score per village (objective weight); None = 1 for all.
    base_jobs
        Jobs already within reach of each village (counted towards ``J``).
    workers_per_home
        Workers each new home brings.
    objective
        ``"homes"`` or ``"jobs"``.
    score_floor
        Minimum score weight in the ``"homes"`` objective.
    time_limit_s
        Solver time limit; when reached the best plan is returned with status
        ``"Feasible (time limit)"`` and its proven gap.
    solver
        ``"highs"`` or ``"cbc"`` (:func:`geo.allocation.solve_milp`).

    Returns
    -------
    JointPlan
        With ``status="Infeasible"``, an empty plan and the cause in ``reason`` when the farms
        cannot be staffed (never raised: the run goes on and says so).

    Raises
    ------
    ConfigError
        Bad counts or objective.
    ValueParseError
        Inputs with wrong shapes, unknown ids or negative/missing values.
    """
    if objective not in OBJECTIVES:
        raise ConfigError(f"objective: expected one of {OBJECTIVES}, got {objective!r}.")
    inp = _inputs(cost_winter, village_ids=village_ids, site_ids=site_ids, homes_demand=homes_demand,
                  workers=workers, jobs_per_farm=jobs_per_farm, housing_score=housing_score,
                  base_jobs=base_jobs, fixed_farms=fixed_farms)
    _check_counts(inp, k_farms, n_housing, commute_min)
    start = time.perf_counter()
    params = _parameters(k_farms, n_housing, min_jobs, commute_min, workers_per_home, inp, objective)
    params["time_limit_s"] = float(time_limit_s)
    if objective == "homes":
        quick = _homes_at_bound(inp, k_farms=k_farms, n_housing=n_housing, min_jobs=min_jobs,
                                commute_min=commute_min, workers_per_home=workers_per_home, score_floor=score_floor)
        if quick is not None and time.perf_counter() - start <= time_limit_s:
            farms, housing, flow, value = quick
            ev = _evaluate(inp, farms, housing, min_jobs=min_jobs, commute_min=commute_min,
                           workers_per_home=workers_per_home, flow=flow)
            runtime = time.perf_counter() - start
            logger.info("Joint plan: %d farms, %d housing villages, objective %.6g, Optimal (the plan reaches the "
                        "upper bound: the best housing villages by weight, all staffed), %.2f s",
                        len(farms), len(housing), value, runtime)
            return JointPlan(kind="joint", objective=value, status=STATUS_OPTIMAL, gap=0.0, bound=value,
                             solver=solver, runtime_s=runtime, parameters={**params, "bound_from": "upper bound"},
                             reason="", **ev)
    model, n_pairs = _joint_milp(inp, k_farms=k_farms, n_housing=n_housing, min_jobs=min_jobs,
                                 commute_min=commute_min, workers_per_home=workers_per_home, objective=objective,
                                 score_floor=score_floor)
    sol = solve_milp(model, solver=solver, time_limit_s=time_limit_s)
    params["bound_from"] = "milp"
    n_v, n_f = inp.minutes.shape
    if sol.x is None:
        reason = (f"no feasible plan found within the {time_limit_s:g} s time limit; raise time_limit_s"
                  if sol.status == STATUS_NO_SOLUTION else
                  infeasibility_reason(inp.minutes, inp.workers, inp.jobs, k_farms=k_farms,
                                       n_fixed=len(inp.fixed), commute_min=commute_min))
        logger.warning("Joint plan: %s (%s): %s", sol.status, sol.solver, reason)
        ev = _evaluate(inp, [], [], min_jobs=min_jobs, commute_min=commute_min,
                       workers_per_home=workers_per_home, flow=None)
        return JointPlan(kind="joint", objective=0.0, status=sol.status, gap=sol.gap, bound=sol.bound,
                         solver=sol.solver, runtime_s=time.perf_counter() - start, parameters=params,
                         reason=reason, **ev)
    farms = [f for f in range(n_f) if sol.x[f] > 0.5]
    housing = [v for v in range(n_v) if sol.x[n_f + v] > 0.5]
    # report a staffing flow capped at the jobs (the MILP's q may over-assign)
    flow = _staffing(inp, farms, housing, commute_min, workers_per_home)
    ev = _evaluate(inp, farms, housing, min_jobs=min_jobs, commute_min=commute_min,
                   workers_per_home=workers_per_home, flow=flow)
    runtime = time.perf_counter() - start
    reason = ("" if sol.status == STATUS_OPTIMAL else
              f"stopped by the {time_limit_s:g} s time limit with a proven gap of {sol.gap:.3%}")
    logger.log(logging.INFO if sol.status == STATUS_OPTIMAL else logging.WARNING,
               "Joint plan: %d farms, %d housing villages, objective %.6g, %s (%s), gap %.3g, %d pairs, %.2f s",
               len(farms), len(housing), sol.objective, sol.status, sol.solver, sol.gap, n_pairs, runtime)
    return JointPlan(kind="joint", objective=sol.objective, status=sol.status, gap=sol.gap, bound=sol.bound,
                     solver=sol.solver, runtime_s=runtime, parameters=params, reason=reason, **ev)


def _homes_at_bound(inp: _Inputs, *, k_farms: int, n_housing: int, min_jobs: float, commute_min: float,
                    workers_per_home: float, score_floor: float,
                    ) -> tuple[list[int], list[int], tuple[np.ndarray, np.ndarray], float] | None:
    """A joint plan proven optimal by the ``"homes"`` objective's upper bound, or None.

    Upper bound: the ``n_housing`` largest weights ``homes_v * max(score_v, score_floor)`` among the
    villages that can reach ``J`` jobs at all (``base_jobs`` plus the jobs of the ``k + fixed`` largest
    farms within the commute). The plan takes those villages (ties: input order), opens the fixed farms
    and adds, ``k`` times, the site within the commute of most chosen villages still short of ``J`` jobs
    (ties: most workers within the commute, then input order). When every chosen village then has ``J``
    jobs and the worker flow (:func:`_staffing`) fills every open farm, the plan is feasible and reaches
    the bound, hence optimal; otherwise None (the MILP decides).
    """
    n_v, n_f = inp.minutes.shape
    reach = inp.minutes <= commute_min
    n_open = k_farms + len(inp.fixed)
    if n_open > n_f:
        return None
    weight = inp.homes * np.maximum(inp.score, score_floor)
    top_jobs = np.sort(np.where(reach, inp.jobs[None, :], 0.0), axis=1)[:, ::-1][:, :n_open].sum(axis=1)
    able = inp.base_jobs + top_jobs >= min_jobs - _EPS
    order = [v for v in np.lexsort((np.arange(n_v), -weight)) if able[v] and weight[v] > 0][:n_housing]
    housing = sorted(int(v) for v in order)
    value = float(weight[housing].sum())
    farms = list(inp.fixed)
    is_open = np.zeros(n_f, bool)
    is_open[farms] = True
    supply = inp.workers.copy()
    supply[housing] += workers_per_home * inp.homes[housing]
    workers_near = supply @ reach
    for _ in range(k_farms):
        jobs_now = inp.base_jobs[housing] + reach[housing][:, is_open] @ inp.jobs[is_open]
        short = jobs_now < min_jobs - _EPS
        helps = reach[housing][short].sum(axis=0) if short.any() else np.zeros(n_f)
        score = np.where(is_open, -np.inf, helps.astype(float))
        cand = np.flatnonzero(score == score.max())
        best = int(cand[np.argmax(workers_near[cand])])
        farms.append(best)
        is_open[best] = True
    jobs_now = inp.base_jobs[housing] + reach[housing][:, is_open] @ inp.jobs[is_open]
    if np.any(jobs_now < min_jobs - _EPS):
        return None
    flow = _staffing(inp, farms, housing, commute_min, workers_per_home)
    filled = flow[0][:, sorted(farms)].sum(axis=0)
    if np.any(filled < inp.jobs[sorted(farms)] - _EPS):
        return None
    return sorted(farms), housing, flow, value


def _joint_milp(inp: _Inputs, *, k_farms: int, n_housing: int, min_jobs: float, commute_min: float,
                workers_per_home: float, objective: str, score_floor: float) -> tuple[Milp, int]:
    """The joint model in matrix form: columns ``y`` (farms), ``h`` (villages), ``q`` (pairs)[, ``z`` (pairs)]."""
    n_v, n_f = inp.minutes.shape
    vv, ff = np.nonzero(inp.minutes <= commute_min)
    n_p = vv.size
    y0, h0, q0, z0 = 0, n_f, n_f + n_v, n_f + n_v + n_p
    n_col = z0 + (n_p if objective == "jobs" else 0)
    c = np.zeros(n_col)
    if objective == "homes":
        c[h0:h0 + n_v] = inp.homes * np.maximum(inp.score, score_floor)
    else:
        c[z0:] = inp.jobs[ff]
    col_lo, col_hi = np.zeros(n_col), np.ones(n_col)
    col_hi[q0:q0 + n_p] = np.inf
    col_lo[list(inp.fixed)] = 1.0
    integer = np.zeros(n_col, bool)
    integer[:q0] = True
    rows = RowBuilder()
    add = rows.add

    n_open = float(k_farms + len(inp.fixed))
    add(np.zeros(n_f, int), y0 + np.arange(n_f), np.ones(n_f), np.array([n_open]), np.array([n_open]))
    add(np.zeros(n_v, int), h0 + np.arange(n_v), np.ones(n_v), np.array([-np.inf]), np.array([float(n_housing)]))
    # jobs: base_v + sum_f jobs_f y_f - J h_v >= 0
    add(np.concatenate([vv, np.arange(n_v)]), np.concatenate([y0 + ff, h0 + np.arange(n_v)]),
        np.concatenate([inp.jobs[ff], np.full(n_v, -float(min_jobs))]), -inp.base_jobs, np.full(n_v, np.inf))
    # workers: sum_f q_vf - wph homes_v h_v <= workers_v
    add(np.concatenate([vv, np.arange(n_v)]), np.concatenate([q0 + np.arange(n_p), h0 + np.arange(n_v)]),
        np.concatenate([np.ones(n_p), -float(workers_per_home) * inp.homes]), np.full(n_v, -np.inf), inp.workers)
    # staffing: sum_v q_vf - jobs_f y_f >= 0
    add(np.concatenate([ff, np.arange(n_f)]), np.concatenate([q0 + np.arange(n_p), y0 + np.arange(n_f)]),
        np.concatenate([np.ones(n_p), -inp.jobs]), np.zeros(n_f), np.full(n_f, np.inf))
    if objective == "jobs":  # z_vf <= h_v, z_vf <= y_f
        e = np.arange(n_p)
        for other in (h0 + vv, y0 + ff):
            add(np.concatenate([e, e]), np.concatenate([z0 + e, other]),
                np.concatenate([np.ones(n_p), -np.ones(n_p)]), np.full(n_p, -np.inf), np.zeros(n_p))
    a, row_lo, row_hi = rows.matrix(n_col)
    return Milp(c=c, a=a, row_lo=row_lo, row_hi=row_hi, col_lo=col_lo, col_hi=col_hi, integer=integer,
                maximise=True), n_p


def separate_plan(
    cost_winter: np.ndarray | pd.DataFrame,
    *,
    village_ids: Sequence[str],
    site_ids: Sequence[str],
    homes_demand: pd.Series | Sequence[float] | float,
    workers: pd.Series | Sequence[float],
    jobs_per_farm: pd.Series | Sequence[float] | float,
    k_farms: int,
    n_housing: int,
    min_jobs: float = MIN_JOBS,
    commute_min: float = COMMUTE_MIN,
    fixed_farms: Sequence[str] = (),
    housing_score: pd.Series | Sequence[float] | None = None,
    base_jobs: pd.Series | Sequence[float] | None = None,
    workers_per_home: float = WORKERS_PER_HOME,
    time_limit_s: float = TIME_LIMIT_S,
    solver: str = "highs",
) -> JointPlan:
    """Housing by score alone, farms by MCLP alone, evaluated like the joint plan.

    Housing: the ``n_housing`` villages with the highest ``housing_score``
    (ties: more homes, then input order). Farms: capacitated MCLP
    (:func:`geo.allocation.mclp`) of ``workers`` within ``commute_min``, capacity
    ``jobs_per_farm``, with the fixed farms -- i.e. the sites whose jobs existing
    residents can fill, ignoring where housing goes.

    Parameters
    ----------
    cost_winter, village_ids, site_ids, homes_demand, workers, jobs_per_farm, k_farms,
    n_housing, min_jobs, commute_min, fixed_farms, housing_score, base_jobs,
    workers_per_home, time_limit_s, solver
        As in :func:`joint_plan`.

    Returns
    -------
    JointPlan
        ``objective`` is the MCLP's assigned workers; ``min_jobs`` is only measured.
    """
    inp = _inputs(cost_winter, village_ids=village_ids, site_ids=site_ids, homes_demand=homes_demand,
                  workers=workers, jobs_per_farm=jobs_per_farm, housing_score=housing_score,
                  base_jobs=base_jobs, fixed_farms=fixed_farms)
    _check_counts(inp, k_farms, n_housing, commute_min)
    start = time.perf_counter()
    order = np.lexsort((np.arange(len(inp.village_ids)), -inp.homes, -inp.score))
    housing = sorted(int(v) for v in order[:n_housing])
    result = mclp(inp.minutes, inp.workers, k=k_farms, cutoff=commute_min, fixed=list(inp.fixed),
                  capacity=inp.jobs, solver=solver, time_limit_s=time_limit_s)
    ev = _evaluate(inp, result.selected, housing, min_jobs=min_jobs, commute_min=commute_min,
                   workers_per_home=workers_per_home, flow=None)
    runtime = time.perf_counter() - start
    return JointPlan(kind="separate", objective=result.objective, status=result.status, gap=result.gap,
                     bound=result.bound, solver=result.solver, runtime_s=runtime, reason=result.message,
                     parameters={**_parameters(k_farms, n_housing, min_jobs, commute_min, workers_per_home,
                                               inp, "housing: score; farms: mclp workers"),
                                 "time_limit_s": float(time_limit_s)}, **ev)


def compare_plans(joint: JointPlan, separate: JointPlan) -> pd.DataFrame:
    """Side-by-side metrics of two plans.

    Parameters
    ----------
    joint, separate
        Plans from :func:`joint_plan` and :func:`separate_plan`.

    Returns
    -------
    pandas.DataFrame
        Indexed by metric: ``joint``, ``separate``, ``difference`` (joint - separate),
        ``label_kk``, ``label_ru``, ``label_en``.
    """
    rows = []
    for key, (kk, ru, en) in METRIC_LABELS.items():
        a, b = joint.metrics[key], separate.metrics[key]
        rows.append({"metric": key, "joint": a, "separate": b, "difference": a - b,
                     "label_kk": kk, "label_ru": ru, "label_en": en})
    return pd.DataFrame(rows).set_index("metric")


def _records(frame: pd.DataFrame) -> list[dict]:
    return [json_safe(r, drop_missing=True) for r in frame.to_dict(orient="records")]


def plan_to_dict(plan: JointPlan) -> dict:
    """JSON-safe dict for ``plan.json``: objective, status, gap and bound always finite.

    Parameters
    ----------
    plan
        A :class:`JointPlan`.

    Returns
    -------
    dict
        ``kind``, ``farms`` (site_id, jobs, workers_assigned, staffed, fixed),
        ``housing`` (village_id, homes, housing_score, jobs_reachable,
        meets_min_jobs), ``commutes`` (village_id -> site_id, minutes, workers),
        ``objective``, ``metrics``, ``parameters``, ``solver`` (name, status, gap,
        runtime_s, bound, reason, time_limit_s).
    """
    return {
        "kind": plan.kind,
        "farms": _records(plan.farm_staff),
        "housing": _records(plan.villages),
        "commutes": _records(plan.commutes),
        "objective": json_safe(plan.objective),
        "metrics": json_safe(plan.metrics),
        "parameters": json_safe(plan.parameters),
        "solver": {"name": plan.solver, "status": plan.status, "gap": json_safe(plan.gap),
                   "bound": json_safe(plan.bound), "reason": plan.reason,
                   "time_limit_s": json_safe(plan.parameters.get("time_limit_s", TIME_LIMIT_S)),
                   "runtime_s": json_safe(plan.runtime_s)},
    }
