"""Milk delivery to processors (geo.milk): hand-computed cases, brute force, LP check, errors."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from geo.errors import (
    ConfigError,
    DuplicateIdError,
    MissingColumnError,
    SitingError,
    ValueParseError,
)
from geo.jsonsafe import missing_paths
from geo.milk import MAX_DELIVERY_MIN, MILK_T_PER_FARM_DAY, assign_milk

NAN = float("nan")


def _inputs(milk, caps, cost, *, names=None):
    farms = pd.DataFrame({"site_id": [f"F{i + 1}" for i in range(len(milk))], "milk_t_per_day": milk})
    procs = pd.DataFrame({"facility_id": [f"P{j + 1}" for j in range(len(caps))], "capacity": caps})
    if names is not None:
        procs["name"] = names
    c = pd.DataFrame(cost, index=farms["site_id"], columns=procs["facility_id"], dtype=float)
    return farms, procs, c


def test_defaults_are_the_configs_and_bind() -> None:
    """The module defaults are the config's defaults (one home), and the delivery limit really binds:
    a processor 181 minutes away receives nothing, one at 180 minutes does."""
    from layers.config import DairyConfig

    defaults = DairyConfig()
    assert (MILK_T_PER_FARM_DAY, MAX_DELIVERY_MIN) == (defaults.milk_t_per_farm_day, defaults.max_delivery_min)
    farms, procs, cost = _inputs([MILK_T_PER_FARM_DAY], [NAN], [[MAX_DELIVERY_MIN + 1]])
    assert assign_milk(farms, procs, cost).unplaced_t == pytest.approx(MILK_T_PER_FARM_DAY)
    farms, procs, cost = _inputs([MILK_T_PER_FARM_DAY], [NAN], [[MAX_DELIVERY_MIN]])
    assert assign_milk(farms, procs, cost).unplaced_t == 0


def test_nearest_when_capacities_not_binding() -> None:
    farms, procs, cost = _inputs([10.0, 10.0], [50.0, NAN], [[30, 100], [40, 60]], names=["Завод 1", None])
    res = assign_milk(farms, procs, cost)
    assert res.solver == "nearest" and res.status == "Optimal"
    assert list(res.farms["processor"]) == ["P1", "P1"]
    assert res.objective == pytest.approx(10 * 30 + 10 * 40)
    assert res.unplaced_t == 0
    p = res.processors.set_index("facility_id")
    assert p.at["P1", "name"] == "Завод 1" and p.at["P2", "name"] == "P2"  # missing name -> id
    assert p.at["P1", "load_t"] == pytest.approx(20) and p.at["P1", "utilisation"] == pytest.approx(0.4)
    assert p.at["P1", "state"] == "spare" and p.at["P2", "state"] == "unknown_capacity"
    assert np.isnan(p.at["P2", "utilisation"])
    assert p.at["P2", "state_ru"].startswith("мощность неизвестна")
    assert [f["code"] for f in res.flags] == ["capacity_unknown"]
    assert res.flags[0]["ids"] == ["P2"]


def test_capacity_binding_two_by_two() -> None:
    # both prefer P1 (cap 10); F1->P1 + F2->P2 = 300 + 600 = 900 beats F2->P1 + F1->P2 = 400 + 1000
    farms, procs, cost = _inputs([10.0, 10.0], [10.0, 20.0], [[30, 100], [40, 60]])
    res = assign_milk(farms, procs, cost)
    assert res.solver == "highs" and res.status == "Optimal" and res.gap == 0.0
    assert list(res.farms["processor"]) == ["P1", "P2"]
    assert list(res.farms["minutes"]) == [30.0, 60.0]
    assert res.objective == pytest.approx(900.0)
    p = res.processors.set_index("facility_id")
    assert p.at["P1", "state"] == "binding" and p.at["P1", "utilisation"] == pytest.approx(1.0)
    assert p.at["P1", "nearest_demand_t"] == pytest.approx(20.0) and p.at["P1", "over_t"] == pytest.approx(10.0)
    assert p.at["P2", "spare_t"] == pytest.approx(10.0) and p.at["P2", "state"] == "spare"
    assert res.farms["nearest_processor"].tolist() == ["P1", "P1"]


def test_unreachable_pair_places_everything_before_saving_minutes() -> None:
    # F1 reaches only P2; F2 is nearer P2 (20) but must go to P1 (70) so F1 fits: 500 + 700
    farms, procs, cost = _inputs([10.0, 10.0], [10.0, 10.0], [[NAN, 50], [70, 20]])
    res = assign_milk(farms, procs, cost)
    assert res.unplaced_t == 0
    assert list(res.farms["processor"]) == ["P2", "P1"]
    assert res.objective == pytest.approx(1200.0)
    assert list(res.farms["n_reachable"]) == [1, 2]
    flows = res.flows.set_index("site_id")
    assert flows.at["F1", "facility_id"] == "P2" and flows.at["F2", "minutes"] == 70


def test_unplaced_milk_single_and_split() -> None:
    # one processor of 12 t: single-sourcing places F1 (10 t, 8 unplaced), split places 12 (6 unplaced)
    farms, procs, cost = _inputs([10.0, 8.0], [12.0], [[30], [10]])
    res = assign_milk(farms, procs, cost)
    assert res.unplaced_t == pytest.approx(8.0)
    assert res.farms.set_index("site_id").at["F2", "unplaced_t"] == pytest.approx(8.0)
    assert pd.isna(res.farms.set_index("site_id").at["F2", "processor"])
    assert res.objective == pytest.approx(300.0)
    flag = {f["code"]: f for f in res.flags}["unplaced"]
    assert flag["ids"] == ["F2"] and flag["en"] == "milk not placed at any processor"
    lp = assign_milk(farms, procs, cost, split=True)
    assert lp.unplaced_t == pytest.approx(6.0)
    assert lp.objective == pytest.approx(8 * 10 + 4 * 30)  # the cheaper farm first
    assert lp.processors.at[0, "load_t"] == pytest.approx(12.0)


def test_split_lp_hand_computed() -> None:
    # P1 cap 15 (F1 10 min, F2 20), P2 unlimited (F1 50, F2 40): move 5 t of F2 (cheapest detour, +20/t)
    farms, procs, cost = _inputs([10.0, 10.0], [15.0, NAN], [[10, 50], [20, 40]])
    lp = assign_milk(farms, procs, cost, split=True)
    assert lp.objective == pytest.approx(10 * 10 + 5 * 20 + 5 * 40)
    f2 = lp.flows[lp.flows["site_id"] == "F2"].set_index("facility_id")["milk_t"]
    assert f2["P1"] == pytest.approx(5.0) and f2["P2"] == pytest.approx(5.0)
    assert lp.farms.set_index("site_id").at["F2", "minutes"] == pytest.approx(30.0)  # milk-weighted
    single = assign_milk(farms, procs, cost)
    assert single.objective == pytest.approx(10 * 10 + 10 * 40)


def test_beyond_delivery_limit_is_unplaced_and_flagged() -> None:
    farms, procs, cost = _inputs([NAN, 5.0], [NAN], [[200], [100]])
    res = assign_milk(farms, procs, cost, milk_t_per_day=6.0, max_minutes=180)
    f = res.farms.set_index("site_id")
    assert f.at["F1", "milk_t"] == 6.0 and bool(f.at["F1", "milk_assumed"]) and not bool(f.at["F2", "milk_assumed"])
    assert f.at["F1", "unplaced_t"] == 6.0 and f.at["F1", "nearest_minutes"] == 200
    assert f.at["F1", "n_reachable"] == 0
    assert res.unplaced_t == 6.0 and res.objective == pytest.approx(500.0)
    codes = {f["code"]: f for f in res.flags}
    assert codes["no_processor_in_reach"]["ids"] == ["F1"]
    assert codes["no_processor_in_reach"]["ru"] == "нет молокозавода в пределах 180 мин"
    assert codes["milk_assumed"]["en"] == "milk assumed: 6 t/day"
    relaxed = assign_milk(farms, procs, cost, milk_t_per_day=6.0, max_minutes=240)
    assert relaxed.unplaced_t == 0


def _brute_force(milk, caps, cost, max_minutes):
    n_f, n_p = cost.shape
    best = None
    for choice in itertools.product(range(n_p + 1), repeat=n_f):  # n_p = unplaced
        load = np.zeros(n_p)
        minutes = unplaced = 0.0
        ok = True
        for i, j in enumerate(choice):
            if j == n_p:
                unplaced += milk[i]
                continue
            if not cost[i, j] <= max_minutes:
                ok = False
                break
            load[j] += milk[i]
            minutes += milk[i] * cost[i, j]
        if not ok or np.any(np.isfinite(caps) & (load > caps + 1e-9)):
            continue
        key = (round(unplaced, 9), minutes)
        best = key if best is None or key < best else best
    return best


@pytest.mark.parametrize("seed", range(8))
def test_agrees_with_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_f, n_p = 4, 3
    milk = rng.integers(3, 12, n_f).astype(float)
    caps = rng.integers(5, 20, n_p).astype(float)
    caps[rng.random(n_p) < 0.2] = np.nan
    cost = rng.integers(10, 220, (n_f, n_p)).astype(float)
    cost[rng.random((n_f, n_p)) < 0.2] = np.nan
    farms, procs, c = _inputs(list(milk), list(caps), cost)
    res = assign_milk(farms, procs, c, max_minutes=180)
    unplaced, minutes = _brute_force(milk, caps, cost, 180)
    assert res.unplaced_t == pytest.approx(unplaced)
    assert res.objective == pytest.approx(minutes)
    assert res.status == "Optimal"
    # the solution itself respects every capacity and the time limit
    load = res.processors["load_t"].to_numpy()
    assert np.all(~np.isfinite(caps) | (load <= caps + 1e-6))
    assert (res.flows["minutes"] <= 180).all()


@pytest.mark.parametrize("seed", range(4))
def test_split_agrees_with_scipy_linprog(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n_f, n_p = 5, 3
    milk = rng.uniform(2, 12, n_f)
    caps = rng.uniform(5, 15, n_p)
    cost = rng.uniform(10, 200, (n_f, n_p))
    cost[rng.random((n_f, n_p)) < 0.25] = np.nan
    farms, procs, c = _inputs(list(milk), list(caps), cost)
    res = assign_milk(farms, procs, c, max_minutes=180, split=True)
    # independent two-stage LP: variables x_ij (allowed pairs) then u_i
    allowed = np.isfinite(cost) & (cost <= 180)
    pairs = np.argwhere(allowed)
    nx = len(pairs)
    a_eq = np.zeros((n_f, nx + n_f))
    a_ub = np.zeros((n_p, nx + n_f))
    for k, (i, j) in enumerate(pairs):
        a_eq[i, k] = 1
        a_ub[j, k] = 1
    a_eq[np.arange(n_f), nx + np.arange(n_f)] = 1
    stage1 = linprog(np.r_[np.zeros(nx), np.ones(n_f)], A_ub=a_ub, b_ub=caps, A_eq=a_eq, b_eq=milk,
                     bounds=(0, None), method="highs")
    u_star = stage1.fun
    a_ub2 = np.vstack([a_ub, np.r_[np.zeros(nx), np.ones(n_f)]])
    stage2 = linprog(np.r_[[cost[i, j] for i, j in pairs], np.zeros(n_f)],
                     A_ub=a_ub2, b_ub=np.r_[caps, u_star + 1e-7], A_eq=a_eq, b_eq=milk, bounds=(0, None),
                     method="highs")
    assert res.unplaced_t == pytest.approx(u_star, abs=1e-5)
    assert res.objective == pytest.approx(stage2.fun, rel=1e-5)


def test_no_processors_and_no_farms() -> None:
    farms, procs, cost = _inputs([4.0, 5.0], [], np.zeros((2, 0)))
    res = assign_milk(farms, procs, cost)
    assert res.status == "No processors" and res.unplaced_t == pytest.approx(9.0)
    assert res.farms["processor"].isna().all()
    empty = assign_milk(farms.iloc[:0], procs, cost.iloc[:0])
    assert empty.status == "No farms" and len(empty.farms) == 0 and empty.objective == 0


def test_json_round_trip() -> None:
    farms, procs, cost = _inputs([NAN, 8.0], [12.0, NAN], [[30, NAN], [10, 90]], names=["Молзавод", "Second"])
    res = assign_milk(farms, procs, cost)
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False, ensure_ascii=False)
    back = json.loads(text)
    assert back == d
    assert back["objective_unit"] == "t·min/day"
    assert "utilisation" not in back["processors"][1]  # unknown: left out, never null
    assert back["gap"] == 0.0 and back["bound"] == back["objective"] and not missing_paths(back)
    assert back["farms"][0]["milk_assumed"] is True
    assert back["parameters"]["max_minutes"] == 180.0
    assert {f["code"] for f in back["flags"]} == {"milk_assumed", "capacity_unknown"}
    assert back["processors"][0]["state_kk"]


def test_index_labels_may_be_reordered_and_extra() -> None:
    farms, procs, cost = _inputs([10.0, 10.0], [10.0, 20.0], [[30, 100], [40, 60]])
    shuffled = cost.loc[["F2", "F1"], ["P2", "P1"]].assign(P9=1.0)
    res = assign_milk(farms, procs, shuffled)
    assert res.objective == pytest.approx(900.0)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda f, p, c: (f.drop(columns="site_id"), p, c), MissingColumnError, "farms: .*'site_id'"),
        (lambda f, p, c: (f, p.drop(columns="capacity"), c), MissingColumnError, "processors: .*'capacity'"),
        (lambda f, p, c: (f.assign(site_id=["F1", "F1"]), p, c), DuplicateIdError, r"farms: .*\['F1'\]"),
        (lambda f, p, c: (f, p.assign(facility_id=["P1", "P1"]), c), DuplicateIdError, "processors: .*'P1'"),
        (lambda f, p, c: (f.assign(milk_t_per_day=[-1.0, 2.0]), p, c), ValueParseError,
         r"'milk_t_per_day'.*\['F1'\]"),
        (lambda f, p, c: (f, p.assign(capacity=["lots", 3.0]), c), ValueParseError, r"'capacity'.*\['P1'\]"),
        (lambda f, p, c: (f, p, c.drop(index="F2")), ValueParseError, r"farm\(s\) \['F2'\]"),
        (lambda f, p, c: (f, p, c.drop(columns="P2")), ValueParseError, r"processor\(s\) \['P2'\]"),
        (lambda f, p, c: (f, p, c.assign(P1=[-5.0, 1.0])), ValueParseError, r"negative minutes.*'F1', 'P1'"),
        (lambda f, p, c: (f, p, c.to_numpy()), ValueParseError, "cost: expected a DataFrame"),
    ],
)
def test_errors_name_the_bad_input(change, error, match) -> None:
    farms, procs, cost = _inputs([10.0, 10.0], [10.0, 20.0], [[30, 100], [40, 60]])
    f, p, c = change(farms, procs, cost)
    with pytest.raises(error, match=match):
        assign_milk(f, p, c)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"milk_t_per_day": 0.0}, "milk_t_per_day: .*> 0"),
    ({"max_minutes": -1.0}, "max_minutes: .*> 0"),
])
def test_bad_parameters(kwargs, match) -> None:
    farms, procs, cost = _inputs([10.0], [10.0], [[30]])
    with pytest.raises(ConfigError, match=match):
        assign_milk(farms, procs, cost, **kwargs)
    with pytest.raises(SitingError):
        assign_milk(farms, procs, cost, **kwargs)
