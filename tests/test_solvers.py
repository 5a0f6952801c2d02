"""Exact location-allocation, never silent: HiGHS/CBC vs brute force and spopt, unreachable demand, time limits.

Every solver result must carry a finite objective, a status and a gap; unreachable demand is reported
(MCLP: uncovered; p-median: unserved at ``unreachable_cost``), never an infeasible model or a null.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pulp
import pytest

from geo.allocation import (
    STATUS_INFEASIBLE,
    STATUS_NO_SOLUTION,
    STATUS_OPTIMAL,
    STATUS_TIME_LIMIT,
    Milp,
    mclp,
    p_median,
    relative_gap,
    solve_milp,
)
from geo.joint import joint_plan, plan_to_dict
from geo.jsonsafe import json_safe, missing_paths
from geo.milk import assign_milk

SOLVERS = ["highs", "cbc"]


def _instance(seed: int, n_dem: int, n_sites: int, *, unreachable: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Integer minutes with a share of unreachable pairs (NaN) and one village that reaches nothing."""
    rng = np.random.default_rng(seed)
    xy_d = rng.uniform(0, 60, (n_dem, 2))
    xy_s = rng.uniform(0, 60, (n_sites, 2))
    cost = np.rint(np.linalg.norm(xy_d[:, None] - xy_s[None], axis=2))
    cost[rng.random(cost.shape) < unreachable] = np.nan
    cost[0, :] = np.nan  # reaches no candidate at all
    demand = rng.integers(1, 50, n_dem).astype(float)
    return cost, demand


# ------------------------------------------------------------------- independent oracles (every subset)
def _median_value(cost: np.ndarray, w: np.ndarray, sites: tuple[int, ...], penalty: float) -> float:
    total = 0.0
    for i in range(len(w)):
        best = penalty
        for j in sites:
            if np.isfinite(cost[i, j]) and cost[i, j] < best:
                best = cost[i, j]
        total += w[i] * best
    return total


def _covered_value(cost: np.ndarray, w: np.ndarray, sites: tuple[int, ...], cutoff: float) -> float:
    return float(sum(w[i] for i in range(len(w)) if any(cost[i, j] <= cutoff for j in sites)))


def _best(value, n_sites: int, k: int, fixed: tuple[int, ...], maximise: bool) -> float:
    free = [j for j in range(n_sites) if j not in fixed]
    vals = [value(fixed + c) for c in itertools.combinations(free, k)]
    return max(vals) if maximise else min(vals)


def _finite_result(res) -> None:
    assert np.isfinite(res.objective) and np.isfinite(res.gap) and np.isfinite(res.bound)
    assert 0.0 <= res.gap <= 1.0 and res.status
    d = res.to_dict()
    assert not missing_paths(d)
    json.dumps(d, allow_nan=False)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", range(5))
def test_p_median_equals_brute_force_with_unreachable_pairs(seed: int, solver: str) -> None:
    cost, w = _instance(seed, 10, 7)
    for k, fixed, penalty in [(2, (), 120.0), (3, (), 40.0), (1, (seed % 7,), 90.0)]:
        res = p_median(cost, w, k=k, fixed=fixed, unreachable_cost=penalty, solver=solver)
        best = _best(lambda s, p=penalty: _median_value(cost, w, s, p), 7, k, fixed, maximise=False)
        assert res.status == STATUS_OPTIMAL and res.gap == 0.0
        assert res.objective == pytest.approx(best, rel=1e-9)
        assert _median_value(cost, w, res.selected, penalty) == pytest.approx(best, rel=1e-9)
        assert set(fixed) <= set(res.selected) and len(res.selected) == k + len(fixed)
        assert "0" in res.unreachable_ids and "0" in res.unserved_ids  # village 0 reaches nothing: reported
        served = res.assignment.groupby("demand_pos")["amount"].sum()
        assert res.unserved == pytest.approx(w.sum() - served.sum())
        _finite_result(res)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", range(5))
def test_mclp_equals_brute_force_with_unreachable_pairs(seed: int, solver: str) -> None:
    cost, w = _instance(seed, 10, 7)
    for k, fixed in [(2, ()), (1, (seed % 7,)), (3, ())]:
        res = mclp(cost, w, k=k, cutoff=25, fixed=fixed, solver=solver)
        best = _best(lambda s: _covered_value(cost, w, s, 25), 7, k, fixed, maximise=True)
        assert res.status == STATUS_OPTIMAL and res.gap == 0.0
        assert res.objective == pytest.approx(best)
        assert _covered_value(cost, w, res.selected, 25) == pytest.approx(best)
        assert res.unserved == pytest.approx(w.sum() - best)
        assert "0" in res.unreachable_ids
        _finite_result(res)


def test_default_price_is_twice_the_largest_cost_and_equals_the_filled_matrix() -> None:
    cost, w = _instance(3, 9, 6)
    res = p_median(cost, w, k=2)
    penalty = 2.0 * np.nanmax(cost)
    assert res.parameters["unreachable_cost"] == pytest.approx(penalty)
    filled = np.where(np.isnan(cost), penalty, cost)
    assert res.objective == pytest.approx(_best(lambda s: float(w @ filled[:, list(s)].min(axis=1)), 6, 2, (), False))


# ------------------------------------------------------------------- spopt on a medium instance
def test_equal_to_spopt_pmedian_and_mclp_on_a_medium_instance() -> None:
    from spopt.locate import MCLP, PMedian

    cost, w = _instance(11, 60, 40, unreachable=0.5)
    penalty = 150.0
    filled = np.where(np.isnan(cost), penalty, np.minimum(cost, penalty))
    cbc = pulp.PULP_CBC_CMD(msg=False)
    spm = PMedian.from_cost_matrix(filled, w, p_facilities=5).solve(cbc)
    ours = p_median(cost, w, k=5, unreachable_cost=penalty)
    assert ours.status == STATUS_OPTIMAL
    assert ours.objective == pytest.approx(pulp.value(spm.problem.objective), rel=1e-6)
    far = np.where(np.isnan(cost), 1e6, cost)
    spc = MCLP.from_cost_matrix(far, w, service_radius=20, p_facilities=5).solve(cbc)
    cover = mclp(cost, w, k=5, cutoff=20)
    assert cover.objective == pytest.approx(pulp.value(spc.problem.objective), rel=1e-6)
    assert mclp(cost, w, k=5, cutoff=20, solver="cbc").objective == pytest.approx(cover.objective, rel=1e-6)
    assert p_median(cost, w, k=5, unreachable_cost=penalty, solver="cbc").objective == pytest.approx(
        ours.objective, rel=1e-6)


# ------------------------------------------------------------------- never silent
def test_village_reaching_no_candidate_is_reported_not_infeasible() -> None:
    # the SKO case: villages that reach a single (different) candidate each used to force k+1 sites open
    cost = pd.DataFrame([[10.0, np.nan, np.nan], [np.nan, 12.0, np.nan], [np.nan, np.nan, 8.0],
                         [np.nan, np.nan, np.nan]], index=["a", "b", "c", "far"], columns=["X", "Y", "Z"])
    w = pd.Series({"a": 10.0, "b": 20.0, "c": 30.0, "far": 5.0})
    res = p_median(cost, w, k=2, unreachable_cost=180.0)
    assert res.status == STATUS_OPTIMAL and res.selected_ids == ("Y", "Z")
    assert res.objective == pytest.approx(20 * 12 + 30 * 8 + (10 + 5) * 180.0)
    assert res.unreachable_ids == ("far",) and set(res.unserved_ids) == {"a", "far"}
    assert res.unserved == 15.0 and "2 demand point(s)" in res.message
    cover = mclp(cost, w, k=1, cutoff=15)
    assert cover.selected_ids == ("Z",) and cover.unreachable_ids == ("far",) and cover.unserved == 35.0
    _finite_result(res)
    _finite_result(cover)


def test_tiny_time_limit_gives_time_limit_status_with_a_finite_gap() -> None:
    rng = np.random.default_rng(5)
    cost = rng.uniform(1, 100, (250, 200))
    w = rng.uniform(1, 10, 250)
    res = p_median(cost, w, k=12, time_limit_s=1e-3)
    assert res.status == STATUS_TIME_LIMIT
    assert np.isfinite(res.gap) and 0.0 <= res.gap <= 1.0 and res.bound <= res.objective
    assert "time limit" in res.message and len(res.selected) == 12
    _finite_result(res)
    cover = mclp(cost, w, k=12, cutoff=10, capacity=30.0, time_limit_s=1e-3)
    assert cover.status == STATUS_TIME_LIMIT and np.isfinite(cover.gap) and cover.bound >= cover.objective
    _finite_result(cover)


def test_joint_plan_time_limit_and_infeasible_are_finite() -> None:
    rng = np.random.default_rng(2)
    minutes = rng.uniform(5, 80, (120, 80))
    kw = dict(village_ids=[f"v{i}" for i in range(120)], site_ids=[f"s{j}" for j in range(80)], homes_demand=10.0,
              workers=rng.uniform(5, 60, 120), jobs_per_farm=45.0, k_farms=8, n_housing=15, min_jobs=90.0,
              commute_min=30.0, housing_score=rng.uniform(0, 1, 120))
    plan = joint_plan(minutes, **kw, time_limit_s=1e-3)
    assert plan.status in (STATUS_TIME_LIMIT, STATUS_NO_SOLUTION, STATUS_OPTIMAL)
    assert np.isfinite(plan.objective) and 0.0 <= plan.gap <= 1.0 and np.isfinite(plan.bound)
    if plan.status != STATUS_OPTIMAL:
        assert "time limit" in plan.reason
    d = plan_to_dict(plan)
    assert not missing_paths({"objective": d["objective"], **d["solver"]})
    json.dumps(d, allow_nan=False)
    exact = joint_plan(minutes, **kw)
    assert exact.status == STATUS_OPTIMAL and exact.gap == 0.0 and exact.bound == pytest.approx(exact.objective)
    assert joint_plan(minutes, **kw, solver="cbc").objective == pytest.approx(exact.objective, rel=1e-6)
    bad = joint_plan(minutes, **{**kw, "jobs_per_farm": 1e6})
    assert bad.status == STATUS_INFEASIBLE and bad.reason and bad.objective == 0.0 and np.isfinite(bad.gap)


def test_milk_assignment_reports_gap_and_is_finite() -> None:
    farms = pd.DataFrame({"site_id": ["F1", "F2", "F3"], "milk_t_per_day": [10.0, 10.0, 5.0]})
    procs = pd.DataFrame({"facility_id": ["P1", "P2"], "capacity": [12.0, np.nan]})
    cost = pd.DataFrame([[30.0, 100.0], [40.0, 60.0], [np.nan, np.nan]], index=["F1", "F2", "F3"],
                        columns=["P1", "P2"])
    for solver in SOLVERS:
        res = assign_milk(farms, procs, cost, solver=solver)
        assert res.status == STATUS_OPTIMAL and res.gap == 0.0 and res.solver == solver
        assert res.objective == pytest.approx(10 * 30 + 10 * 60) and res.unplaced_t == 5.0
        d = res.to_dict()
        assert d["gap"] == 0.0 and d["bound"] == pytest.approx(d["objective"]) and not missing_paths(d)
        json.dumps(d, allow_nan=False)


# ------------------------------------------------------------------- the generic MILP layer
def test_solve_milp_statuses_and_bounds() -> None:
    from scipy.sparse import csr_matrix

    # max x + y, x + y <= 1.5, integers -> 1; LP -> 1.5
    a = csr_matrix(np.array([[1.0, 1.0]]))
    m = Milp(c=np.array([1.0, 1.0]), a=a, row_lo=np.array([-np.inf]), row_hi=np.array([1.5]),
             col_lo=np.zeros(2), col_hi=np.ones(2), integer=np.array([True, True]), maximise=True)
    for solver in SOLVERS:
        sol = solve_milp(m, solver=solver)
        assert sol.status == STATUS_OPTIMAL and sol.objective == pytest.approx(1.0) and sol.gap == 0.0
    lp = Milp(m.c, m.a, m.row_lo, m.row_hi, m.col_lo, m.col_hi, np.zeros(2, bool), True)
    assert solve_milp(lp).objective == pytest.approx(1.5)
    infeasible = Milp(m.c, m.a, np.array([1.2]), np.array([1.5]), m.col_lo, m.col_hi, m.integer, True)
    for solver in SOLVERS:
        sol = solve_milp(infeasible, solver=solver)
        assert sol.status == STATUS_INFEASIBLE and sol.x is None and np.isfinite(sol.objective)
    assert m.trivial_bound() == 2.0
    assert relative_gap(90.0, 100.0) == pytest.approx(0.1) and relative_gap(0.0, 0.0) == 0.0
    assert relative_gap(0.0, 5.0) == 1.0 and relative_gap(np.nan, 1.0) == 1.0


def test_json_writer_never_writes_nan_and_can_leave_unknowns_out() -> None:
    record = {"a": 1.0, "b": np.nan, "c": np.inf, "d": pd.NA, "e": [1.0, np.nan], "f": {"g": None}}
    assert json_safe(record, drop_missing=True) == {"a": 1.0, "e": [1.0, None], "f": {}}
    assert sorted(missing_paths(record)) == ["b", "c", "d", "e[1]", "f.g"]
    json.dumps(json_safe(record), allow_nan=False)
