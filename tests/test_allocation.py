"""Location-allocation: exact MILP vs brute force (independent evaluation), spopt and hand cases."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pulp
import pytest

from geo.allocation import (
    brute_force,
    cost_matrix_from_od,
    mclp,
    p_median,
    prefilter_candidates,
)
from geo.errors import ConfigError, MissingColumnError, ValueParseError

SEEDS = [0, 1, 2, 3]


def _instance(seed: int, n_dem: int = 9, n_sites: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy_d = rng.uniform(0, 60, (n_dem, 2))
    xy_s = rng.uniform(0, 60, (n_sites, 2))
    cost = np.rint(np.linalg.norm(xy_d[:, None] - xy_s[None], axis=2))  # integer minutes
    demand = rng.integers(1, 50, n_dem).astype(float)
    return cost, demand


# ----------------------------------------------------------------- independent oracles
def _covered(cost: np.ndarray, w: np.ndarray, sites: tuple[int, ...], cutoff: float) -> float:
    return float(sum(w[i] for i in range(len(w)) if any(cost[i, j] <= cutoff for j in sites)))


def _covered_cap(cost, w, sites, cutoff, cap) -> float:
    g = nx.DiGraph()
    for i in range(len(w)):
        g.add_edge("s", ("d", i), capacity=float(w[i]))
        for j in sites:
            if cost[i, j] <= cutoff:
                g.add_edge(("d", i), ("f", j), capacity=float("inf"))
    for j in sites:
        g.add_edge(("f", j), "t", capacity=float(cap[j]))
    if "t" not in g or "s" not in g:
        return 0.0
    return float(nx.maximum_flow_value(g, "s", "t"))


def _median(cost, w, sites) -> float:
    return float(sum(w[i] * min(cost[i, j] for j in sites) for i in range(len(w))))


def _median_cap(cost, w, sites, cap) -> float:
    g = nx.DiGraph()
    for i in range(len(w)):
        g.add_edge("s", ("d", i), capacity=int(w[i]), weight=0)
        for j in sites:
            g.add_edge(("d", i), ("f", j), capacity=int(w[i]), weight=int(cost[i, j]))
    for j in sites:
        g.add_edge(("f", j), "t", capacity=int(cap[j]), weight=0)
    flow = nx.max_flow_min_cost(g, "s", "t")
    sent = sum(flow["s"].values())
    if sent < w.sum():
        return float("inf")
    return float(nx.cost_of_flow(g, flow))


def _brute(value, n_sites: int, k: int, fixed=(), maximise=True) -> float:
    free = [j for j in range(n_sites) if j not in fixed]
    vals = [value(tuple(fixed) + c) for c in itertools.combinations(free, k)]
    return max(vals) if maximise else min(vals)


# ----------------------------------------------------------------- exact vs brute force
@pytest.mark.parametrize("seed", SEEDS)
def test_mclp_equals_brute_force(seed: int) -> None:
    cost, w = _instance(seed)
    for fixed in [(), (seed % 6,)]:
        res = mclp(cost, w, k=2, cutoff=20, fixed=fixed)
        best = _brute(lambda s: _covered(cost, w, s, 20), 6, 2, fixed)
        assert res.status == "Optimal"
        assert res.objective == pytest.approx(best)
        assert _covered(cost, w, res.selected, 20) == pytest.approx(best)
        assert set(fixed) <= set(res.selected) and len(res.selected) == 2 + len(fixed)
        assert res.gap == 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_capacitated_mclp_equals_brute_force_and_respects_capacity(seed: int) -> None:
    cost, w = _instance(seed)
    cap = np.random.default_rng(seed + 10).integers(20, 80, 6).astype(float)
    res = mclp(cost, w, k=2, cutoff=25, capacity=cap, fixed=(1,))
    best = _brute(lambda s: _covered_cap(cost, w, s, 25, cap), 6, 2, (1,))
    assert res.objective == pytest.approx(best)
    a = res.assignment
    per_site = a.groupby("site_pos")["amount"].sum()
    for j, amount in per_site.items():
        assert amount <= cap[j] + 1e-6
        assert j in res.selected
    per_dem = a.groupby("demand_pos")["amount"].sum()
    for i, amount in per_dem.items():
        assert amount <= w[i] + 1e-6
    assert (a["cost"] <= 25).all()
    assert 1 in res.selected


@pytest.mark.parametrize("seed", SEEDS)
def test_p_median_equals_brute_force(seed: int) -> None:
    cost, w = _instance(seed)
    res = p_median(cost, w, k=2)
    assert res.objective == pytest.approx(_brute(lambda s: _median(cost, w, s), 6, 2, maximise=False))
    res_f = p_median(cost, w, k=1, fixed=(0, 5))
    assert {0, 5} <= set(res_f.selected)
    assert res_f.objective == pytest.approx(_brute(lambda s: _median(cost, w, s), 6, 1, (0, 5), False))
    # every demand point served by its nearest open site
    assert res.assignment["amount"].sum() == pytest.approx(w.sum())


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_capacitated_p_median_equals_brute_force(seed: int) -> None:
    cost, w = _instance(seed)
    cap = np.full(6, np.ceil(w.sum() * 0.6))
    res = p_median(cost, w, k=2, capacity=cap)
    best = _brute(lambda s: _median_cap(cost, w, s, cap), 6, 2, maximise=False)
    assert res.objective == pytest.approx(best)
    served = res.assignment.groupby("site_pos")["amount"].sum()
    assert (served <= cap[served.index] + 1e-6).all()
    assert res.assignment["amount"].sum() == pytest.approx(w.sum())


@pytest.mark.parametrize("seed", SEEDS)
def test_module_brute_force_agrees(seed: int) -> None:
    cost, w = _instance(seed)
    sites, value = brute_force(cost, w, model="mclp", k=2, cutoff=20)
    assert value == pytest.approx(_brute(lambda s: _covered(cost, w, s, 20), 6, 2))
    assert _covered(cost, w, sites, 20) == pytest.approx(value)


# ----------------------------------------------------------------- heuristic
@pytest.mark.parametrize("seed", SEEDS)
def test_heuristic_reports_bound_and_gap(seed: int) -> None:
    cost, w = _instance(seed, 14, 8)
    exact = mclp(cost, w, k=2, cutoff=20)
    heur = mclp(cost, w, k=2, cutoff=20, solver="heuristic")
    assert heur.status == "Heuristic" and heur.solver == "greedy+interchange"
    assert heur.objective <= exact.objective + 1e-9
    assert heur.bound >= exact.objective - 1e-6  # LP relaxation bounds the optimum
    assert heur.gap == pytest.approx((heur.bound - heur.objective) / heur.bound)
    pm_exact = p_median(cost, w, k=2)
    pm_heur = p_median(cost, w, k=2, solver="heuristic")
    assert pm_heur.objective >= pm_exact.objective - 1e-6
    assert pm_heur.bound <= pm_exact.objective + 1e-6
    # interchange on 2-of-8 enumerates all single swaps: equal to the optimum here or reported gap
    assert pm_heur.objective == pytest.approx(_median(cost, w, pm_heur.selected))


def test_heuristic_capacitated_is_feasible() -> None:
    cost, w = _instance(5)
    cap = np.full(6, 60.0)
    heur = mclp(cost, w, k=2, cutoff=25, capacity=cap, solver="heuristic", fixed=(2,))
    assert 2 in heur.selected
    assert heur.objective == pytest.approx(_covered_cap(cost, w, heur.selected, 25, cap))
    assert heur.objective <= mclp(cost, w, k=2, cutoff=25, capacity=cap, fixed=(2,)).objective + 1e-6


# ----------------------------------------------------------------- spopt agreement
@pytest.mark.parametrize("seed", SEEDS[:3])
def test_agrees_with_spopt(seed: int) -> None:
    from spopt.locate import MCLP, PMedian

    cost, w = _instance(seed)
    solver = pulp.PULP_CBC_CMD(msg=False)
    pre = np.zeros(6, dtype=bool)
    pre[3] = True
    sp = MCLP.from_cost_matrix(cost, w, service_radius=20, p_facilities=3, predefined_facilities_arr=pre)
    sp = sp.solve(solver)
    ours = mclp(cost, w, k=2, cutoff=20, fixed=(3,))
    assert ours.objective == pytest.approx(pulp.value(sp.problem.objective))
    spm = PMedian.from_cost_matrix(cost, w, p_facilities=2).solve(solver)
    assert p_median(cost, w, k=2).objective == pytest.approx(pulp.value(spm.problem.objective))


# ----------------------------------------------------------------- hand-computed case, ids, adapters
def test_hand_computed_mclp_with_ids() -> None:
    # villages a, b, c with 100, 60, 50 workers; sites X covers a; Y covers b, c; Z covers a, b
    cost = pd.DataFrame(
        [[10, 50, 20], [60, 30, 40], [70, 25, 90]],
        index=["a", "b", "c"], columns=["X", "Y", "Z"], dtype=float,
    )
    w = pd.Series({"c": 50.0, "a": 100.0, "b": 60.0})  # order differs: aligned by id
    one = mclp(cost, w, k=1, cutoff=45)
    assert one.selected_ids == ("Z",) and one.objective == 160.0
    two = mclp(cost, w, k=1, cutoff=45, fixed=["X"])
    assert two.selected_ids == ("X", "Y") and two.objective == 210.0
    # capacity 70 per farm: Z alone takes 70 of a+b; X+Y take 70 + 70
    cap = mclp(cost, w, k=1, cutoff=45, capacity=70.0)
    assert cap.objective == 70.0
    assert mclp(cost, w, k=2, cutoff=45, capacity=70.0).objective == 140.0
    pm = p_median(cost, w, k=1)
    # X: 100*10+60*60+50*70=8100; Y: 100*50+60*30+50*25=8050; Z: 100*20+60*40+50*90=8900
    assert pm.selected_ids == ("Y",) and pm.objective == pytest.approx(8050.0)
    assert set(pm.assignment["demand_id"]) == {"a", "b", "c"}


def test_cost_matrix_from_od_and_prefilter() -> None:
    od = pd.DataFrame({
        "from_id": ["a", "a", "b", "b", "b"],
        "to_id": ["X", "Y", "X", "Y", "Y"],
        "minutes": [5.0, 30.0, 40.0, 12.0, 10.0],
    })
    m = cost_matrix_from_od(od, from_ids=["a", "b", "c"], to_ids=["Y", "X"])
    assert m.loc["b", "Y"] == 10.0 and m.loc["a", "X"] == 5.0
    assert np.isnan(m.loc["c", "X"])
    with pytest.raises(MissingColumnError, match="'minutes'"):
        cost_matrix_from_od(od.drop(columns="minutes"), from_ids=["a"], to_ids=["X"])
    cost, w = _instance(0, 9, 6)
    keep = prefilter_candidates(cost, w, cutoff=20, n_keep=2, fixed=(5,))
    covered = [(_covered(cost, w, (j,), 20), j) for j in range(6) if j != 5]
    top2 = {j for _, j in sorted(covered, key=lambda t: -t[0])[:2]}
    assert set(keep) == top2 | {5}
    by_cost = prefilter_candidates(cost, w, cutoff=20, n_keep=3, rank_by="cost")
    mean = (cost.T @ w) / w.sum()
    assert set(by_cost) == set(np.argsort(mean)[:3])
    with pytest.raises(ConfigError, match="rank_by: expected 'coverage' or 'cost'"):
        prefilter_candidates(cost, w, cutoff=20, rank_by="size")


def test_unreachable_pairs() -> None:
    cost = np.array([[5.0, np.nan], [np.nan, 8.0], [np.inf, 3.0]])
    w = np.array([10.0, 20.0, 30.0])
    assert p_median(cost, w, k=2).objective == pytest.approx(10 * 5 + 20 * 8 + 30 * 3)
    assert mclp(cost, w, k=1, cutoff=10).selected == (1,)
    # a demand point reaching no site is reported and priced, never an error or an infeasible model
    bad = np.array([[5.0, 6.0], [np.nan, np.nan]])
    res = p_median(bad, np.array([1.0, 1.0]), k=1, unreachable_cost=100.0)
    assert res.status == "Optimal" and res.objective == pytest.approx(5.0 + 100.0)
    assert res.unreachable_ids == ("1",) and res.unserved_ids == ("1",) and res.unserved == 1.0
    assert "reach no candidate site" in res.message


def test_errors() -> None:
    cost, w = _instance(0, 4, 3)
    with pytest.raises(ConfigError, match="k: 3 new sites \\+ 1 fixed exceed the 3 candidate sites"):
        mclp(cost, w, k=3, cutoff=10, fixed=(0,))
    with pytest.raises(ConfigError, match="fixed: site 'Q' is not a column"):
        mclp(cost, w, k=1, cutoff=10, fixed=("Q",))
    with pytest.raises(ConfigError, match="fixed: sites repeated"):
        mclp(cost, w, k=1, cutoff=10, fixed=(0, 0))
    with pytest.raises(ConfigError, match="solver: expected one of"):
        mclp(cost, w, k=1, cutoff=10, solver="gurobi")
    with pytest.raises(ConfigError, match="cutoff: expected a positive"):
        mclp(cost, w, k=1, cutoff=0)
    with pytest.raises(ValueParseError, match="demand: expected 4 values"):
        mclp(cost, w[:3], k=1, cutoff=10)
    with pytest.raises(ValueParseError, match="demand: values must be finite and >= 0; bad row"):
        mclp(cost, np.array([1.0, -1.0, 2.0, 3.0]), k=1, cutoff=10)
    with pytest.raises(ValueParseError, match="negative travel costs in row"):
        p_median(-cost, w, k=1)
    with pytest.raises(ValueParseError, match="capacity: expected 3 finite values"):
        mclp(cost, w, k=1, cutoff=10, capacity=[1.0, 2.0])
    with pytest.raises(ConfigError, match="unreachable_cost: expected a positive finite cost"):
        p_median(cost, w, k=1, unreachable_cost=np.inf)
    with pytest.raises(ConfigError, match="time_limit_s: expected a positive number"):
        p_median(cost, w, k=1, time_limit_s=0)
    # capacities too small: the demand left over is unserved at the price, reported (formerly infeasible)
    short = p_median(cost, w, k=1, capacity=np.full(3, 1.0), unreachable_cost=1000.0)
    assert short.status == "Optimal" and short.unserved == pytest.approx(w.sum() - 1.0)
    assert np.isfinite(short.objective) and short.gap == 0.0


def test_heuristic_when_every_site_is_opened():
    """k equal to the number of sites: every site opens and no swap is tried (no empty argmin)."""
    cost = np.array([[1.0, 5.0], [4.0, 2.0], [3.0, 3.0]])
    demand = np.array([1.0, 2.0, 3.0])
    res = p_median(cost, demand, k=2, solver="heuristic")
    assert res.selected == (0, 1)
    assert res.objective == pytest.approx(1 * 1 + 2 * 2 + 3 * 3)
    cov = mclp(cost, demand, k=2, cutoff=2.5, solver="heuristic")
    assert cov.selected == (0, 1) and cov.objective == pytest.approx(3.0)
