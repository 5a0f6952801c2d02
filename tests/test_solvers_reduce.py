"""Exact reductions before the MILP: Lagrangian bounds and site fixing never change the optimum.

Checked against brute force over every set of sites (all optimal sets, not one), and the joint plan's
upper-bound shortcut against the joint MILP solved directly.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from geo.allocation import (
    _full_cover,
    _greedy_interchange,
    _mclp_lagrangian,
    _pmedian_lagrangian,
    _prepare,
    mclp,
    p_median,
    solve_milp,
)
from geo.joint import _homes_at_bound, _inputs, _joint_milp, joint_plan


def _clustered(seed: int, n_dem: int, n_sites: int) -> tuple[np.ndarray, np.ndarray]:
    """Villages in a few clusters (some sites are clearly bad): integer minutes, some pairs unreachable."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 100, (3, 2))
    xy_d = centres[rng.integers(0, 3, n_dem)] + rng.normal(0, 8, (n_dem, 2))
    xy_s = rng.uniform(0, 100, (n_sites, 2))
    cost = np.rint(np.linalg.norm(xy_d[:, None] - xy_s[None], axis=2))
    cost[rng.random(cost.shape) < 0.1] = np.nan
    return cost, rng.integers(1, 40, n_dem).astype(float)


def _all_values(value, n_sites: int, k: int, fixed: tuple[int, ...]) -> dict[tuple[int, ...], float]:
    free = [j for j in range(n_sites) if j not in fixed]
    return {tuple(sorted(fixed + c)): value(tuple(sorted(fixed + c))) for c in itertools.combinations(free, k)}


@pytest.mark.parametrize("seed", range(8))
def test_pmedian_lagrangian_bound_and_fixings_keep_every_optimal_set(seed: int) -> None:
    cost, w = _clustered(seed, 14, 10)
    fixed = (seed % 10,) if seed % 2 else ()
    p = _prepare(cost, w, k=3, fixed=fixed, capacity=None, unreachable_cost=150.0)
    priced = p.priced()
    values = _all_values(lambda s: float(w @ priced[:, list(s)].min(axis=1)), 10, 3, fixed)
    best = min(values.values())
    optimal = [s for s, v in values.items() if v <= best + 1e-9]
    start = _greedy_interchange(p, "p_median", None, max_passes=0)  # a weak start: no interchange
    red = _pmedian_lagrangian(p, start, deadline=time.perf_counter() + 30)
    assert red.bound <= best + 1e-6 and red.incumbent >= best - 1e-6
    assert values[tuple(red.sites)] == pytest.approx(red.incumbent)
    for s in optimal:  # a dropped site is in no optimal set, a forced one in every optimal set
        assert not set(red.drop.tolist()) & set(s)
        assert set(red.force.tolist()) <= set(s)
    for s, v in values.items():  # and the bound given for the dropped/forced sites holds
        if set(red.drop.tolist()) & set(s) or not set(red.force.tolist()) <= set(s):
            assert v >= red.drop_bound - 1e-6
    res = p_median(cost, w, k=3, fixed=fixed, unreachable_cost=150.0)
    assert res.status == "Optimal" and res.gap == 0.0 and res.objective == pytest.approx(best, rel=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_mclp_lagrangian_bound_and_fixings_keep_every_optimal_set(seed: int) -> None:
    cost, w = _clustered(seed, 14, 10)
    fixed = (seed % 10,) if seed % 2 else ()
    p = _prepare(cost, w, k=2, fixed=fixed, capacity=None)
    cover = cost <= 25
    values = _all_values(lambda s: float(w @ cover[:, list(s)].any(axis=1)), 10, 2, fixed)
    best = max(values.values())
    optimal = [s for s, v in values.items() if v >= best - 1e-9]
    start = _greedy_interchange(p, "mclp", 25.0, max_passes=0)
    red = _mclp_lagrangian(p, start, 25.0, deadline=time.perf_counter() + 30)
    assert red.bound >= best - 1e-6 and red.incumbent <= best + 1e-6
    assert values[tuple(red.sites)] == pytest.approx(red.incumbent)
    for s in optimal:
        assert not set(red.drop.tolist()) & set(s)
        assert set(red.force.tolist()) <= set(s)
    for s, v in values.items():
        if set(red.drop.tolist()) & set(s) or not set(red.force.tolist()) <= set(s):
            assert v <= red.drop_bound + 1e-6
    res = mclp(cost, w, k=2, cutoff=25, fixed=fixed)
    assert res.status == "Optimal" and res.gap == 0.0 and res.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(10))
def test_full_cover_exists_exactly_when_brute_force_finds_one(seed: int) -> None:
    cost, w = _clustered(seed, 14, 10)
    fixed = (seed % 10,) if seed % 3 == 0 else ()
    cutoff = 30.0 + 3 * seed
    p = _prepare(cost, w, k=2, fixed=fixed, capacity=None)
    cover = cost <= cutoff
    coverable = float(w @ cover.any(axis=1))
    values = _all_values(lambda s: float(w @ cover[:, list(s)].any(axis=1)), 10, 2, fixed)
    exists = max(values.values()) >= coverable - 1e-9
    found = _full_cover(p, cutoff, time_limit_s=30, method="highs")
    assert (found is not None) == exists
    if found is not None:
        assert len(found) == 2 + len(fixed) and set(fixed) <= set(found)
        assert values[tuple(found)] == pytest.approx(coverable)


def test_pmedian_reduction_drops_sites_and_keeps_the_spopt_optimum() -> None:
    import pulp
    from spopt.locate import PMedian

    cost, w = _clustered(3, 80, 60)
    penalty = 150.0
    p = _prepare(cost, w, k=4, fixed=(), capacity=None, unreachable_cost=penalty)
    red = _pmedian_lagrangian(p, _greedy_interchange(p, "p_median", None, max_passes=50),
                              deadline=time.perf_counter() + 30)
    assert red.drop.size > 0  # the reduction does something on clustered demand
    filled = np.where(np.isnan(cost), penalty, np.minimum(cost, penalty))
    spm = PMedian.from_cost_matrix(filled, w, p_facilities=4).solve(pulp.PULP_CBC_CMD(msg=False))
    ours = p_median(cost, w, k=4, unreachable_cost=penalty)
    assert ours.status == "Optimal" and ours.objective == pytest.approx(pulp.value(spm.problem.objective), rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_joint_upper_bound_shortcut_equals_the_milp(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_v, n_f = 40, 25
    minutes = rng.uniform(5, 90, (n_v, n_f))
    kw = dict(village_ids=[f"v{i}" for i in range(n_v)], site_ids=[f"s{j}" for j in range(n_f)],
              homes_demand=10.0, workers=rng.uniform(2, 30, n_v), jobs_per_farm=30.0, k_farms=3, n_housing=6,
              min_jobs=20.0, commute_min=40.0, housing_score=np.round(rng.uniform(0, 1, n_v), 1),
              fixed_farms=["s0"] if seed % 2 else [])
    inp = _inputs(minutes, village_ids=kw["village_ids"], site_ids=kw["site_ids"], homes_demand=10.0,
                  workers=kw["workers"], jobs_per_farm=30.0, housing_score=kw["housing_score"], base_jobs=None,
                  fixed_farms=kw["fixed_farms"])
    model, _ = _joint_milp(inp, k_farms=3, n_housing=6, min_jobs=20.0, commute_min=40.0, workers_per_home=1.0,
                           objective="homes", score_floor=0.01)
    exact = solve_milp(model, solver="highs")
    plan = joint_plan(minutes, **kw)
    assert plan.status == exact.status == "Optimal"
    assert plan.objective == pytest.approx(exact.objective, rel=1e-9)
    quick = _homes_at_bound(inp, k_farms=3, n_housing=6, min_jobs=20.0, commute_min=40.0, workers_per_home=1.0,
                            score_floor=0.01)
    if quick is not None:  # feasible in the MILP's terms: every farm staffed, every housing village has J jobs
        farms, housing, flow, value = quick
        assert value == pytest.approx(exact.objective, rel=1e-9)
        assert len(farms) == 3 + len(kw["fixed_farms"]) and len(housing) <= 6
        assert np.all(flow[0][:, farms].sum(axis=0) >= 30.0 - 1e-6)
        reach = minutes <= 40.0
        assert np.all(reach[np.ix_(housing, farms)].sum(axis=1) * 30.0 >= 20.0)


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_column_sums_equal_numpy_bit_for_bit(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The p-median Lagrangian's inner sum (numba kernel when installed) adds numpy's terms in numpy's order."""
    from geo import allocation

    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 400)), int(rng.integers(1, 400))
    d = rng.random((n, m)) * 10.0 ** int(rng.integers(0, 7))
    d[rng.random((n, m)) < 0.1] = 0.0  # ties with the multiplier and zero terms
    lam = np.concatenate([d[: n // 2, 0], rng.random(n - n // 2) * float(d.max())])
    expected = np.minimum(d - lam[:, None], 0.0).sum(axis=0)
    assert np.array_equal(allocation.negative_column_sums(d, lam), expected)
    assert np.array_equal(allocation.negative_column_sums(d, lam, np.empty_like(d)), expected)
    monkeypatch.setattr(allocation, "_nb", None)  # without numba: the numpy path
    assert np.array_equal(allocation.negative_column_sums(d, lam), expected)
