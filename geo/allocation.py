"""Location-allocation on cost matrices: maximal covering (MCLP) and p-median.

Pure maths on a cost matrix in the spopt convention: rows are demand points
(villages, labour pools, farms sending milk), columns are candidate sites, values
are travel minutes (NaN or ``inf`` = unreachable). A :class:`pandas.DataFrame`
is accepted as well; its index and columns then name the demand points and the
sites, and ``fixed`` may name sites by id. The thin adapter from the engine's long
origin-destination table is :func:`cost_matrix_from_od`.

Models
------
MCLP (Church & ReVelle 1974)
    Choose ``k`` new sites, in addition to the ``fixed`` (existing) ones, that
    maximise the demand within ``cutoff`` minutes of an open site. With
    ``capacity`` (e.g. jobs per farm) the covered demand is *assigned*: the amount
    of demand ``i`` assigned to site ``j`` is continuous, ``sum_j x_ij <= w_i``
    and ``sum_i x_ij <= capacity_j * y_j`` (capacitated MCLP; a village's workers
    may split between farms). The objective is then the assigned demand.
p-median (Hakimi 1964)
    Choose ``k`` new sites plus ``fixed`` minimising ``sum_i w_i * c_ij`` with each
    demand point served by an open site (fractionally when capacitated:
    ``sum_i w_i x_ij <= capacity_j y_j``), e.g. milk tonnes x minutes to the
    processor, or villages x minutes to the farm.

Solvers
-------
``"pulp"``   exact MILP with PuLP's bundled CBC (``threads=2``, ``timeLimit``);
             status ``"Optimal"`` or ``"Feasible (time limit)"`` (gap against
             the LP relaxation bound).
``"heuristic"`` numpy greedy + vertex interchange (Teitz & Bart); status
             ``"Heuristic"``, with the LP relaxation bound and gap when the
             instance is small enough (``bound_max_pairs``).
``"auto"``   ``"pulp"`` up to ``MAX_EXACT_PAIRS`` usable (demand, site) pairs,
             ``"heuristic"`` above.

Scale (SKO: ~600 candidate settlements x ~600 villages)
-------------------------------------------------------
MCLP variables exist only for pairs within the cutoff, so a 45-minute MCLP over
600 x 600 has a few thousand pairs and CBC solves it exactly. p-median has a
variable per reachable pair (360k at SKO scale) which CBC does not solve in
reasonable time (see ENVIRONMENT.md: 2,000 candidates unsolved in 300 s). Reduce
the candidates first with :func:`prefilter_candidates` (keep the sites that cover
the most demand within the cutoff, plus every fixed site) and/or let ``"auto"``
fall back to the heuristic, whose gap is reported.

Measured on the 611 SKO settlements (straight line x 1.3 as minutes, k = 5, 2 cores):
MCLP 45 min exact 0.3 s (heuristic 0.2 s, same optimum); capacitated MCLP (40 jobs)
exact 2.3 s; p-median heuristic on all 611 candidates 0.03 s and proven optimal by
its LP bound (gap 0; the bound took 33 s); exact p-median after pre-filtering to 100
candidates 6-11 s but 28 % (coverage ranking) / 79 % (cost ranking) WORSE than the
heuristic on all candidates -- for p-median prefer ``solver="heuristic"`` with its
bound over pre-filtering.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from geo.errors import ConfigError, MissingColumnError, NetworkError, ValueParseError

logger = logging.getLogger(__name__)

#: Seconds CBC may run before returning its best feasible solution.
TIME_LIMIT_S = 60.0
#: Above this many usable (demand, site) pairs ``solver="auto"`` uses the heuristic.
MAX_EXACT_PAIRS = 60_000
#: The heuristic computes the LP relaxation bound only up to this many pairs.
BOUND_MAX_PAIRS = 200_000
#: Interchange passes of the heuristic (each pass tries every swap once).
MAX_SWAP_PASSES = 50
#: Candidates kept by :func:`prefilter_candidates` by default.
PREFILTER_KEEP = 150

SOLVERS = ("pulp", "heuristic", "auto")
_EPS = 1e-9


@dataclass(frozen=True)
class AllocationResult:
    """Outcome of one location-allocation solve.

    Attributes
    ----------
    model
        ``"mclp"`` or ``"p_median"``.
    selected
        Column positions of the open sites (fixed ones included), ascending.
    selected_ids
        The same sites by id (the cost frame's columns, else the positions as str).
    objective
        Covered/assigned demand (MCLP, maximised) or demand-weighted cost (p-median,
        minimised).
    status
        ``"Optimal"``, ``"Feasible (time limit)"`` or ``"Heuristic"``.
    gap
        Relative gap to ``bound`` (0 when optimal, NaN when no bound was computed).
    bound
        Best known bound on the optimum (the objective itself when optimal, else the
        LP relaxation value; NaN when not computed).
    assignment
        Long table ``demand_id, site_id, demand_pos, site_pos, amount, cost``: how
        much of each demand point is served by which open site and at what cost.
    solver
        ``"pulp-cbc"`` or ``"greedy+interchange"``.
    runtime_s
        Wall time of the solve.
    parameters
        The inputs that define the model (k, cutoff, fixed, capacitated, ...).
    """

    model: str
    selected: tuple[int, ...]
    selected_ids: tuple[str, ...]
    objective: float
    status: str
    gap: float
    bound: float
    assignment: pd.DataFrame
    solver: str
    runtime_s: float
    parameters: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class _Problem:
    cost: np.ndarray  # float, inf = unreachable
    demand: np.ndarray
    fixed: tuple[int, ...]
    k: int
    capacity: np.ndarray | None
    demand_ids: tuple[str, ...]
    site_ids: tuple[str, ...]


def cost_matrix_from_od(
    od: pd.DataFrame,
    *,
    from_ids: Sequence[str],
    to_ids: Sequence[str],
    value: str = "minutes",
) -> pd.DataFrame:
    """Pivot a long origin-destination table into a cost matrix.

    Parameters
    ----------
    od
        Long table with ``from_id``, ``to_id`` and ``value`` (one season).
    from_ids
        Demand ids, in row order of the result.
    to_ids
        Site ids, in column order of the result.
    value
        Column holding the cost.

    Returns
    -------
    pandas.DataFrame
        ``len(from_ids) x len(to_ids)``; missing pairs are NaN (unreachable).

    Raises
    ------
    MissingColumnError
        When ``od`` lacks ``from_id``, ``to_id`` or ``value``.
    """
    missing = [c for c in ("from_id", "to_id", value) if c not in od.columns]
    if missing:
        raise MissingColumnError(
            f"OD table: expected column(s) {', '.join(repr(c) for c in missing)} missing "
            f"(columns found: {', '.join(map(str, od.columns))}). Pass the long table from the engine."
        )
    table = od.pivot_table(index="from_id", columns="to_id", values=value, aggfunc="min")
    return table.reindex(index=list(from_ids), columns=list(to_ids)).astype(float)


def _prepare(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    k: int,
    fixed: Sequence[int | str],
    capacity: np.ndarray | pd.Series | Sequence[float] | None,
) -> _Problem:
    if isinstance(cost, pd.DataFrame):
        demand_ids = tuple(str(i) for i in cost.index)
        site_ids = tuple(str(c) for c in cost.columns)
        if isinstance(demand, pd.Series):
            if not demand.index.map(str).isin(demand_ids).all() or len(demand) != len(demand_ids):
                raise ValueParseError(
                    "demand: its index does not match the cost matrix rows; pass a Series indexed "
                    "by the same demand ids or a plain array in row order."
                )
            demand = demand.set_axis(demand.index.map(str)).reindex(list(demand_ids))
        if isinstance(capacity, pd.Series):
            capacity = capacity.set_axis(capacity.index.map(str)).reindex(list(site_ids))
        matrix = cost.to_numpy(dtype=float)
    else:
        matrix = np.asarray(cost, dtype=float)
        if matrix.ndim != 2:
            raise ValueParseError(
                f"cost: expected a 2-D matrix (demand points x sites), got {matrix.ndim} dimension(s)."
            )
        demand_ids = tuple(str(i) for i in range(matrix.shape[0]))
        site_ids = tuple(str(j) for j in range(matrix.shape[1]))
    n_dem, n_sites = matrix.shape
    if n_dem == 0 or n_sites == 0:
        raise ValueParseError(f"cost: the matrix is empty ({n_dem} demand points x {n_sites} sites).")
    if np.any(matrix[np.isfinite(matrix)] < 0):
        rows = sorted(set(np.argwhere(np.isfinite(matrix) & (matrix < 0))[:, 0].tolist()))[:5]
        raise ValueParseError(f"cost: negative travel costs in row(s) {rows}; costs must be >= 0.")
    matrix = np.where(np.isnan(matrix), np.inf, matrix)
    w = np.asarray(demand, dtype=float)
    if w.shape != (n_dem,):
        raise ValueParseError(
            f"demand: expected {n_dem} values (one per cost row), got shape {w.shape}."
        )
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise ValueParseError(
            f"demand: values must be finite and >= 0; bad row(s) {[demand_ids[i] for i in bad[:5]]}. "
            "Fill unknown populations before allocating."
        )
    positions = []
    for f in fixed:
        if isinstance(f, (int, np.integer)) and not isinstance(f, bool):
            pos = int(f)
            if not 0 <= pos < n_sites:
                raise ConfigError(f"fixed: site position {pos} is outside 0..{n_sites - 1}.")
        elif str(f) in site_ids:
            pos = site_ids.index(str(f))
        else:
            raise ConfigError(f"fixed: site {f!r} is not a column of the cost matrix.")
        positions.append(pos)
    if len(set(positions)) != len(positions):
        raise ConfigError(f"fixed: sites repeated in {list(fixed)}; list each existing site once.")
    if not isinstance(k, (int, np.integer)) or k < 0:
        raise ConfigError(f"k: expected a whole number >= 0, got {k!r}.")
    if k + len(positions) > n_sites:
        raise ConfigError(
            f"k: {k} new sites + {len(positions)} fixed exceed the {n_sites} candidate sites; "
            "lower k or add candidates."
        )
    cap = None
    if capacity is not None:
        cap = np.asarray(capacity, dtype=float)
        if cap.ndim == 0:
            cap = np.full(n_sites, float(cap))
        if cap.shape != (n_sites,) or np.any(~np.isfinite(cap)) or np.any(cap < 0):
            raise ValueParseError(
                f"capacity: expected {n_sites} finite values >= 0 (one per site), got {cap.shape}."
            )
    return _Problem(matrix, w, tuple(sorted(positions)), int(k), cap, demand_ids, site_ids)


def _check_solver(solver: str) -> None:
    if solver not in SOLVERS:
        raise ConfigError(f"solver: expected one of {SOLVERS}, got {solver!r}.")


def prefilter_candidates(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    cutoff: float,
    n_keep: int = PREFILTER_KEEP,
    fixed: Sequence[int | str] = (),
    rank_by: str = "coverage",
) -> np.ndarray:
    """Positions of the candidate sites worth keeping for an exact solve.

    ``rank_by="coverage"`` (for MCLP) ranks sites by the demand within ``cutoff``
    (ties: demand-weighted mean cost); ``rank_by="cost"`` (for p-median) by the
    demand-weighted mean cost alone (a single-median ranking). Keeps the best
    ``n_keep`` plus every fixed site. This is a documented reduction, not an exact one: a site that covers
    little alone can still belong to the optimum; report it with the result.

    Parameters
    ----------
    cost, demand
        As in :func:`mclp`.
    cutoff
        Coverage radius in the cost unit.
    n_keep
        Number of non-fixed candidates to keep.
    fixed
        Sites always kept.
    rank_by
        ``"coverage"`` or ``"cost"``.

    Returns
    -------
    numpy.ndarray
        Sorted column positions.
    """
    if rank_by not in ("coverage", "cost"):
        raise ConfigError(f"rank_by: expected 'coverage' or 'cost', got {rank_by!r}.")
    p = _prepare(cost, demand, k=0, fixed=fixed, capacity=None)
    covered = (p.cost <= cutoff).astype(float).T @ p.demand
    penalised = np.where(np.isfinite(p.cost), p.cost, np.nanmax(np.where(np.isfinite(p.cost), p.cost, 0)) * 10)
    mean_cost = (penalised.T @ p.demand) / max(p.demand.sum(), _EPS)
    order = np.lexsort((mean_cost, -covered)) if rank_by == "coverage" else np.argsort(mean_cost, kind="stable")
    keep = [j for j in order if j not in p.fixed][: max(int(n_keep), 0)]
    out = np.array(sorted(set(keep) | set(p.fixed)), dtype=int)
    logger.info("Pre-filtered %d of %d candidate sites", out.size, p.cost.shape[1])
    return out


# --------------------------------------------------------------------------- evaluation
def _assign_uncapacitated(p: _Problem, sites: Sequence[int], *, cutoff: float | None) -> pd.DataFrame:
    """Each demand point to its nearest open site (within cutoff for MCLP)."""
    open_sites = np.asarray(sorted(sites), dtype=int)
    rows = []
    if open_sites.size:
        sub = p.cost[:, open_sites]
        best = np.argmin(sub, axis=1)
        best_cost = sub[np.arange(sub.shape[0]), best]
        for i in range(sub.shape[0]):
            c = best_cost[i]
            if not np.isfinite(c) or (cutoff is not None and c > cutoff):
                continue
            j = int(open_sites[best[i]])
            rows.append((p.demand_ids[i], p.site_ids[j], i, j, float(p.demand[i]), float(c)))
    return pd.DataFrame(
        rows, columns=["demand_id", "site_id", "demand_pos", "site_pos", "amount", "cost"]
    )


def _assign_capacitated(
    p: _Problem, sites: Sequence[int], *, cutoff: float | None
) -> tuple[float, pd.DataFrame]:
    """Transportation LP for fixed open sites (scipy HiGHS).

    MCLP (``cutoff`` given): maximise assigned demand within the cutoff.
    p-median: serve all demand at minimum weighted cost (inf when impossible).
    """
    open_sites = np.asarray(sorted(sites), dtype=int)
    empty = pd.DataFrame(columns=["demand_id", "site_id", "demand_pos", "site_pos", "amount", "cost"])
    if open_sites.size == 0:
        return (0.0 if cutoff is not None else np.inf), empty
    sub = p.cost[:, open_sites]
    ok = np.isfinite(sub) if cutoff is None else sub <= cutoff
    ii, jj = np.nonzero(ok)
    if ii.size == 0:
        return (0.0 if cutoff is not None else np.inf), empty
    n_dem = p.cost.shape[0]
    nvar = ii.size
    var = np.arange(nvar)
    a_dem = coo_matrix((np.ones(nvar), (ii, var)), shape=(n_dem, nvar))
    a_cap = coo_matrix((np.ones(nvar), (jj, var)), shape=(open_sites.size, nvar))
    assert p.capacity is not None  # only called for capacitated problems
    cap = p.capacity[open_sites]
    if cutoff is not None:
        res = linprog(
            -np.ones(nvar), A_ub=vstack([a_dem, a_cap]),
            b_ub=np.concatenate([p.demand, cap]), bounds=(0, None), method="highs",
        )
        x = res.x
        value = float(-res.fun)
    else:
        res = linprog(
            sub[ii, jj], A_ub=a_cap, b_ub=cap, A_eq=a_dem, b_eq=p.demand,
            bounds=(0, None), method="highs",
        )
        if res.status != 0:
            return np.inf, empty
        x = res.x
        value = float(res.fun)
    keep = x > _EPS
    frame = pd.DataFrame(
        {
            "demand_id": [p.demand_ids[i] for i in ii[keep]],
            "site_id": [p.site_ids[open_sites[j]] for j in jj[keep]],
            "demand_pos": ii[keep],
            "site_pos": open_sites[jj[keep]],
            "amount": x[keep],
            "cost": sub[ii[keep], jj[keep]],
        }
    )
    return value, frame


def _evaluate(p: _Problem, model: str, sites: Sequence[int], cutoff: float | None) -> float:
    """Objective of a fixed set of open sites (exact)."""
    sites = list(sites)
    if p.capacity is not None:
        return _assign_capacitated(p, sites, cutoff=cutoff if model == "mclp" else None)[0]
    if not sites:
        return 0.0 if model == "mclp" else np.inf
    sub = p.cost[:, sites]
    if model == "mclp":
        return float(p.demand @ (sub <= cutoff).any(axis=1))
    best = sub.min(axis=1)
    if np.any(np.isinf(best) & (p.demand > 0)):
        return np.inf
    return float(np.sum(np.where(p.demand > 0, p.demand * np.where(np.isfinite(best), best, 0), 0)))


# --------------------------------------------------------------------------- exact MILP
def _build_milp(
    p: _Problem, model: str, cutoff: float | None, *, relax: bool
) -> tuple[pulp.LpProblem, dict[int, pulp.LpVariable], dict[tuple[int, int], pulp.LpVariable]]:
    n_dem, n_sites = p.cost.shape
    cat = pulp.LpContinuous if relax else pulp.LpBinary
    sense = pulp.LpMaximize if model == "mclp" else pulp.LpMinimize
    prob = pulp.LpProblem(model, sense)
    y = {j: pulp.LpVariable(f"y_{j}", 0, 1, cat) for j in range(n_sites)}
    ok = p.cost <= cutoff if model == "mclp" else np.isfinite(p.cost)
    pairs = list(zip(*np.nonzero(ok), strict=True))
    x: dict[tuple[int, int], pulp.LpVariable] = {}
    if model == "mclp" and p.capacity is None:
        z = {i: pulp.LpVariable(f"z_{i}", 0, 1) for i in range(n_dem)}
        prob += pulp.lpSum(float(p.demand[i]) * z[i] for i in range(n_dem))
        by_dem: dict[int, list[int]] = {}
        for i, j in pairs:
            by_dem.setdefault(int(i), []).append(int(j))
        for i in range(n_dem):
            prob += z[i] <= pulp.lpSum(y[j] for j in by_dem.get(i, []))
    else:
        # x_ij: amount of demand i at j (MCLP) or fraction of demand i at j (p-median)
        x = {(int(i), int(j)): pulp.LpVariable(f"x_{i}_{j}", 0) for i, j in pairs}
        by_dem = {}
        by_site: dict[int, list[int]] = {}
        for i, j in x:
            by_dem.setdefault(i, []).append(j)
            by_site.setdefault(j, []).append(i)
        if model == "mclp":
            assert p.capacity is not None  # the uncapacitated MCLP took the branch above
            prob += pulp.lpSum(x.values())
            for i in range(n_dem):
                prob += pulp.lpSum(x[i, j] for j in by_dem.get(i, [])) <= float(p.demand[i])
            for (i, j), v in x.items():
                prob += v <= float(p.demand[i]) * y[j]
            for j in range(n_sites):
                prob += pulp.lpSum(x[i, j] for i in by_site.get(j, [])) <= float(p.capacity[j]) * y[j]
        else:
            prob += pulp.lpSum(float(p.demand[i] * p.cost[i, j]) * v for (i, j), v in x.items())
            for i in range(n_dem):
                if p.demand[i] > 0 and not by_dem.get(i):
                    raise NetworkError(
                        f"cost: demand point {p.demand_ids[i]!r} (row {i}) reaches no candidate site; "
                        "drop it, give it demand 0 or check the road network."
                    )
                if by_dem.get(i):
                    prob += pulp.lpSum(x[i, j] for j in by_dem[i]) == (1 if p.demand[i] > 0 else 0)
            for (_i, j), v in x.items():
                prob += v <= y[j]
            if p.capacity is not None:
                for j in range(n_sites):
                    prob += (
                        pulp.lpSum(float(p.demand[i]) * x[i, j] for i in by_site.get(j, []))
                        <= float(p.capacity[j]) * y[j]
                    )
    prob += pulp.lpSum(y.values()) == p.k + len(p.fixed)
    for j in p.fixed:
        prob += y[j] == 1
    return prob, y, x


def _cbc(time_limit_s: float) -> pulp.LpSolver:
    return pulp.PULP_CBC_CMD(msg=False, threads=2, timeLimit=time_limit_s)


def _lp_bound(p: _Problem, model: str, cutoff: float | None, time_limit_s: float) -> float:
    prob, _, _ = _build_milp(p, model, cutoff, relax=True)
    prob.solve(_cbc(time_limit_s))
    if pulp.LpStatus[prob.status] != "Optimal":
        return np.nan
    return float(pulp.value(prob.objective) or 0.0)


def _gap(model: str, objective: float, bound: float) -> float:
    if not np.isfinite(bound) or not np.isfinite(objective):
        return np.nan
    diff = bound - objective if model == "mclp" else objective - bound
    return float(max(diff, 0.0) / max(abs(bound), _EPS))


def _solve_pulp(
    p: _Problem, model: str, cutoff: float | None, time_limit_s: float
) -> tuple[list[int], str]:
    prob, y, _ = _build_milp(p, model, cutoff, relax=False)
    prob.solve(_cbc(time_limit_s))
    if pulp.LpStatus[prob.status] == "Infeasible" or prob.sol_status not in (
        pulp.LpSolutionOptimal,
        pulp.LpSolutionIntegerFeasible,
    ):
        raise ConfigError(
            f"{model}: no feasible solution ({pulp.LpStatus[prob.status]}) for k={p.k} with "
            f"{len(p.fixed)} fixed site(s) within {time_limit_s:g} s; raise k or the capacities, check "
            "unreachable pairs, or raise time_limit_s / use solver='heuristic'."
        )
    selected = sorted(j for j, v in y.items() if (v.value() or 0) > 0.5)
    status = "Optimal" if prob.sol_status == pulp.LpSolutionOptimal else "Feasible (time limit)"
    return selected, status


# --------------------------------------------------------------------------- heuristic
def _greedy_interchange(
    p: _Problem, model: str, cutoff: float | None, *, max_passes: int
) -> list[int]:
    """Greedy add then first-improvement vertex interchange on exact objectives."""
    n_sites = p.cost.shape[1]
    maximise = model == "mclp"

    def better(a: float, b: float) -> bool:
        return a > b + 1e-9 if maximise else a < b - 1e-9

    def value(sites: Sequence[int]) -> float:
        return _evaluate(p, model, sites, cutoff)

    selected = list(p.fixed)
    free = [j for j in range(n_sites) if j not in selected]
    if p.capacity is None:
        cover = p.cost <= cutoff if maximise else None
        for _ in range(p.k):
            if maximise:
                assert cover is not None
                covered = cover[:, selected].any(axis=1) if selected else np.zeros(p.cost.shape[0], bool)
                gains = (p.demand * ~covered) @ cover[:, free]
                best = free[int(np.argmax(gains))]
            else:
                cur = p.cost[:, selected].min(axis=1) if selected else np.full(p.cost.shape[0], np.inf)
                big = np.where(np.isfinite(p.cost), p.cost, 1e12)
                cur = np.where(np.isfinite(cur), cur, 1e12)
                totals = p.demand @ np.minimum(cur[:, None], big[:, free])
                best = free[int(np.argmin(totals))]
            selected.append(best)
            free.remove(best)
    else:
        for _ in range(p.k):
            scores = [value(selected + [j]) for j in free]
            scores = [s if np.isfinite(s) else (-np.inf if maximise else np.inf) for s in scores]
            best = free[int(np.argmax(scores) if maximise else np.argmin(scores))]
            selected.append(best)
            free.remove(best)
    current = value(selected)
    movable = [j for j in selected if j not in p.fixed]
    for _ in range(max_passes if free else 0):  # every site open: nothing to swap
        improved = False
        for out in list(movable):
            base = [j for j in selected if j != out]
            if p.capacity is None:
                # vectorised: value of base + each free site at once
                if maximise:
                    assert cover is not None
                    covered = cover[:, base].any(axis=1) if base else np.zeros(p.cost.shape[0], bool)
                    vals = p.demand @ covered + (p.demand * ~covered) @ cover[:, free]
                else:
                    big = np.where(np.isfinite(p.cost), p.cost, 1e12)
                    cur = big[:, base].min(axis=1) if base else np.full(p.cost.shape[0], 1e12)
                    vals = p.demand @ np.minimum(cur[:, None], big[:, free])
                pick = int(np.argmax(vals) if maximise else np.argmin(vals))
                cand, cand_val = free[pick], float(vals[pick])
            else:
                vals = [value(base + [j]) for j in free]
                vals = [v if np.isfinite(v) else (-np.inf if maximise else np.inf) for v in vals]
                pick = int(np.argmax(vals) if maximise else np.argmin(vals))
                cand, cand_val = free[pick], float(vals[pick])
            if better(cand_val, current):
                selected = base + [cand]
                free = [j for j in free if j != cand] + [out]
                movable = [j if j != out else cand for j in movable]
                current = value(selected)
                improved = True
        if not improved:
            break
    return sorted(selected)


# --------------------------------------------------------------------------- public
def _solve(
    model: str,
    p: _Problem,
    *,
    cutoff: float | None,
    solver: str,
    time_limit_s: float,
    bound_max_pairs: int,
    max_passes: int,
) -> AllocationResult:
    _check_solver(solver)
    start = time.perf_counter()
    usable = int(np.count_nonzero(p.cost <= cutoff if model == "mclp" else np.isfinite(p.cost)))
    method = solver if solver != "auto" else ("pulp" if usable <= MAX_EXACT_PAIRS else "heuristic")
    if model == "p_median":
        unreachable = np.flatnonzero(np.all(np.isinf(p.cost), axis=1) & (p.demand > 0))
        if unreachable.size:
            raise NetworkError(
                f"cost: demand point(s) {[p.demand_ids[i] for i in unreachable[:5]]} reach no candidate "
                "site; drop them, give them demand 0 or check the road network."
            )
    if method == "pulp":
        selected, status = _solve_pulp(p, model, cutoff, time_limit_s)
        name = "pulp-cbc"
    else:
        selected = _greedy_interchange(p, model, cutoff, max_passes=max_passes)
        status, name = "Heuristic", "greedy+interchange"
    capacitated = p.capacity is not None
    if capacitated:
        objective, assignment = _assign_capacitated(p, selected, cutoff=cutoff if model == "mclp" else None)
    else:
        objective = _evaluate(p, model, selected, cutoff)
        assignment = _assign_uncapacitated(p, selected, cutoff=cutoff if model == "mclp" else None)
    if status == "Optimal":
        bound = objective
    elif usable <= bound_max_pairs:
        bound = _lp_bound(p, model, cutoff, time_limit_s)
    else:
        bound = np.nan
    gap = 0.0 if status == "Optimal" else _gap(model, objective, bound)
    runtime = time.perf_counter() - start
    logger.info(
        "%s: %d sites (%d fixed) of %d, objective %.4g, %s, gap %.3g, %.2f s",
        model, len(selected), len(p.fixed), p.cost.shape[1], objective, status, gap, runtime,
    )
    return AllocationResult(
        model=model,
        selected=tuple(int(j) for j in selected),
        selected_ids=tuple(p.site_ids[j] for j in selected),
        objective=float(objective),
        status=status,
        gap=float(gap),
        bound=float(bound),
        assignment=assignment.reset_index(drop=True),
        solver=name,
        runtime_s=runtime,
        parameters={
            "k": p.k,
            "fixed": [p.site_ids[j] for j in p.fixed],
            "cutoff": cutoff,
            "capacitated": capacitated,
            "n_demand": int(p.cost.shape[0]),
            "n_sites": int(p.cost.shape[1]),
            "usable_pairs": usable,
        },
    )


def mclp(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    k: int,
    cutoff: float,
    fixed: Sequence[int | str] = (),
    capacity: np.ndarray | pd.Series | Sequence[float] | float | None = None,
    solver: str = "pulp",
    time_limit_s: float = TIME_LIMIT_S,
    bound_max_pairs: int = BOUND_MAX_PAIRS,
    max_passes: int = MAX_SWAP_PASSES,
) -> AllocationResult:
    """Maximal covering location: ``k`` new sites plus ``fixed`` covering most demand.

    Parameters
    ----------
    cost
        Demand points x candidate sites, minutes; NaN/inf = unreachable.
    demand
        Weight per demand point (working-age population, homes, ...), >= 0.
    k
        Number of NEW sites to open (the fixed ones come on top).
    cutoff
        A demand point is covered by a site within ``cutoff`` (inclusive).
    fixed
        Existing sites that are always open (positions, or ids of a cost frame).
    capacity
        Per-site capacity (jobs per farm) or one number for all: covered demand is
        then assigned and each site takes at most its capacity.
    solver
        ``"pulp"``, ``"heuristic"`` or ``"auto"`` (see module docstring).
    time_limit_s
        CBC time limit.
    bound_max_pairs
        The heuristic computes the LP bound up to this many usable pairs.
    max_passes
        Interchange passes of the heuristic.

    Returns
    -------
    AllocationResult
        ``objective`` = covered (assigned) demand.

    Raises
    ------
    ConfigError
        Bad ``k``, ``fixed``, ``solver`` or ``cutoff``; infeasible model.
    ValueParseError
        Negative costs, bad demand or capacity values, shapes that disagree.
    """
    if not np.isfinite(cutoff) or cutoff <= 0:
        raise ConfigError(f"cutoff: expected a positive number of minutes, got {cutoff!r}.")
    p = _prepare(cost, demand, k=k, fixed=fixed, capacity=capacity)
    return _solve(
        "mclp", p, cutoff=float(cutoff), solver=solver, time_limit_s=time_limit_s,
        bound_max_pairs=bound_max_pairs, max_passes=max_passes,
    )


def p_median(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    k: int,
    fixed: Sequence[int | str] = (),
    capacity: np.ndarray | pd.Series | Sequence[float] | float | None = None,
    solver: str = "pulp",
    time_limit_s: float = TIME_LIMIT_S,
    bound_max_pairs: int = BOUND_MAX_PAIRS,
    max_passes: int = MAX_SWAP_PASSES,
) -> AllocationResult:
    """p-median: ``k`` new sites plus ``fixed`` minimising demand-weighted cost.

    Parameters
    ----------
    cost
        Demand points x candidate sites (e.g. farms x processors, villages x
        farm sites), minutes; NaN/inf = unreachable.
    demand
        Weight per demand point (milk tonnes/day, population), >= 0.
    k
        Number of NEW sites to open (the fixed ones come on top).
    fixed
        Existing sites that are always open.
    capacity
        Per-site capacity in demand units (processor intake); every demand point
        is still fully served, fractionally split when needed.
    solver, time_limit_s, bound_max_pairs, max_passes
        As in :func:`mclp`.

    Returns
    -------
    AllocationResult
        ``objective`` = sum of demand x cost over the assignment.

    Raises
    ------
    NetworkError
        A demand point with demand > 0 reaches no candidate site.
    ConfigError
        Bad ``k``, ``fixed`` or ``solver``; infeasible (capacities too small).
    ValueParseError
        Negative costs, bad demand or capacity values, shapes that disagree.
    """
    p = _prepare(cost, demand, k=k, fixed=fixed, capacity=capacity)
    return _solve(
        "p_median", p, cutoff=None, solver=solver, time_limit_s=time_limit_s,
        bound_max_pairs=bound_max_pairs, max_passes=max_passes,
    )


def brute_force(
    cost: np.ndarray | pd.DataFrame,
    demand: np.ndarray | pd.Series | Sequence[float],
    *,
    model: str,
    k: int,
    cutoff: float | None = None,
    fixed: Sequence[int | str] = (),
    capacity: np.ndarray | pd.Series | Sequence[float] | float | None = None,
) -> tuple[tuple[int, ...], float]:
    """Exact optimum by enumerating every set of ``k`` new sites (tiny inputs only).

    Parameters
    ----------
    cost, demand, k, cutoff, fixed, capacity
        As in :func:`mclp` / :func:`p_median`.
    model
        ``"mclp"`` or ``"p_median"``.

    Returns
    -------
    tuple
        (selected positions incl. fixed, objective) of one optimal set.
    """
    if model not in ("mclp", "p_median"):
        raise ConfigError(f"model: expected 'mclp' or 'p_median', got {model!r}.")
    p = _prepare(cost, demand, k=k, fixed=fixed, capacity=capacity)
    free = [j for j in range(p.cost.shape[1]) if j not in p.fixed]
    best: tuple[tuple[int, ...], float] | None = None
    for combo in itertools.combinations(free, p.k):
        sites = tuple(sorted(p.fixed + combo))
        val = _evaluate(p, model, sites, cutoff)
        if best is None or (val > best[1] + 1e-9 if model == "mclp" else val < best[1] - 1e-9):
            best = (sites, float(val))
    assert best is not None
    return best
