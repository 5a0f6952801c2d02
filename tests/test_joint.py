"""Joint housing-jobs plan: hand-computed instance, constraint checks, joint vs separate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.errors import ConfigError, ValueParseError
from geo.joint import METRIC_LABELS, compare_plans, joint_plan, plan_to_dict, separate_plan

VILLAGES = ["A", "B", "C"]
SITES = ["S1", "S2", "S3"]
# winter minutes; commute limit 45: S1 reaches A; S2 reaches B, C; S3 reaches C
MINUTES = pd.DataFrame(
    [[10, 60, 90], [50, 20, 90], [90, 30, 40]], index=VILLAGES, columns=SITES, dtype=float
)
WORKERS = pd.Series({"A": 10.0, "B": 40.0, "C": 5.0})


def _kw(**over):
    kw = dict(
        village_ids=VILLAGES, site_ids=SITES, homes_demand=20.0, workers=WORKERS,
        jobs_per_farm=30.0, k_farms=1, n_housing=2, min_jobs=20, commute_min=45,
        housing_score=pd.Series({"A": 0.9, "B": 0.8, "C": 0.3}),
    )
    kw.update(over)
    return kw


def test_hand_computed_joint_and_separate() -> None:
    # joint: S1 -> housing {A} (18); S2 -> housing {B, C} (20*.8 + 20*.3 = 22); S3 cannot be staffed
    joint = joint_plan(MINUTES, **_kw())
    assert joint.status == "Optimal"
    assert joint.farms == ("S2",) and joint.housing == ("B", "C")
    assert joint.objective == pytest.approx(22.0)
    assert joint.metrics["share_meeting_min_jobs"] == 1.0
    assert joint.metrics["homes_with_jobs"] == 40.0
    # separate: top-2 score {A, B}; MCLP of workers capped at 30 jobs -> S2 (30 vs S1 10, S3 5)
    sep = separate_plan(MINUTES, **_kw())
    assert sep.farms == ("S2",) and sep.housing == ("A", "B")
    assert sep.objective == pytest.approx(30.0)
    assert sep.metrics["share_meeting_min_jobs"] == 0.5
    assert sep.metrics["homes_with_jobs"] == 20.0
    table = compare_plans(joint, sep)
    assert table.loc["homes_with_jobs", "difference"] == 20.0
    assert table.loc["share_meeting_min_jobs", "joint"] == 1.0
    assert list(table.index) == list(METRIC_LABELS)
    assert table["label_kk"].str.len().gt(0).all() and table["label_en"].str.len().gt(0).all()


def test_newcomers_staff_the_farm() -> None:
    # with B, C scored low, S1 + housing in A wins: A's 10 workers + 20 new homes = 30 jobs exactly
    joint = joint_plan(MINUTES, **_kw(housing_score=pd.Series({"A": 0.9, "B": 0.2, "C": 0.1})))
    assert joint.farms == ("S1",) and joint.housing == ("A",)
    staff = joint.farm_staff.set_index("site_id")
    assert staff.loc["S1", "workers_assigned"] == pytest.approx(30.0)
    assert bool(staff.loc["S1", "staffed"])
    # with one fewer new home per village the farm cannot be staffed from A -> S2 instead
    joint2 = joint_plan(MINUTES, **_kw(homes_demand=19.0, housing_score=pd.Series({"A": 0.9, "B": 0.2, "C": 0.1})))
    assert joint2.farms == ("S2",)


def test_fixed_farm_and_jobs_objective() -> None:
    plan = joint_plan(MINUTES, **_kw(fixed_farms=["S1"], k_farms=1, n_housing=3))
    assert "S1" in plan.farms and len(plan.farms) == 2
    assert set(plan.housing) == {"A", "B", "C"}
    jobs = joint_plan(MINUTES, **_kw(objective="jobs", n_housing=1))
    # one housing village and one farm: any reachable pair gives 30 jobs
    assert jobs.objective == pytest.approx(30.0)


def _random_case(seed: int, n_v: int = 8, n_f: int = 5):
    rng = np.random.default_rng(seed)
    xy_v = rng.uniform(0, 80, (n_v, 2))
    xy_f = rng.uniform(0, 80, (n_f, 2))
    minutes = np.linalg.norm(xy_v[:, None] - xy_f[None], axis=2)
    vids = [f"v{i}" for i in range(n_v)]
    sids = [f"f{j}" for j in range(n_f)]
    return dict(
        cost_winter=minutes, village_ids=vids, site_ids=sids,
        homes_demand=rng.integers(5, 20, n_v).astype(float),
        workers=rng.integers(5, 40, n_v).astype(float),
        jobs_per_farm=rng.integers(20, 45, n_f).astype(float),
        housing_score=rng.uniform(0, 1, n_v), k_farms=2, n_housing=3, min_jobs=25, commute_min=35,
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_joint_constraints_hold_and_never_worse(seed: int) -> None:
    case = _random_case(seed)
    joint = joint_plan(**case)
    minutes = case["cost_winter"]
    sids, vids = case["site_ids"], case["village_ids"]
    open_f = [sids.index(f) for f in joint.farms]
    assert len(open_f) == 2 and len(joint.housing) <= 3
    for v in joint.housing:
        i = vids.index(v)
        jobs = sum(case["jobs_per_farm"][j] for j in open_f if minutes[i, j] <= 35)
        assert jobs >= 25  # every chosen village has >= J jobs within commute in winter
    # every farm gets enough workers: residents + new homes within commute, a person counted once
    staff = joint.farm_staff
    assert staff["staffed"].all()
    assert (staff["workers_assigned"] >= staff["jobs"] - 1e-6).all()
    flows = joint.commutes.groupby("village_id")["workers"].sum()
    for v, used in flows.items():
        i = vids.index(v)
        supply = case["workers"][i] + (case["homes_demand"][i] if v in joint.housing else 0)
        assert used <= supply + 1e-6
    assert (joint.commutes["minutes"] <= 35).all()
    sep = separate_plan(**case)
    assert joint.metrics["share_meeting_min_jobs"] >= sep.metrics["share_meeting_min_jobs"]
    assert joint.metrics["homes_with_jobs"] >= 0


def test_plan_to_dict_is_json_safe() -> None:
    plan = joint_plan(MINUTES, **_kw())
    d = plan_to_dict(plan)
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert [f["site_id"] for f in back["farms"]] == ["S2"]
    assert [h["village_id"] for h in back["housing"]] == ["B", "C"]
    assert back["parameters"]["min_jobs"] == 20.0 and back["parameters"]["season"] == "winter"
    assert back["solver"]["status"] == "Optimal"
    commute = {(c["village_id"], c["site_id"]): c["minutes"] for c in back["commutes"]}
    assert commute[("B", "S2")] == 20.0 and commute[("C", "S2")] == 30.0


def test_errors() -> None:
    # farms that cannot be staffed: reported as an infeasible, empty plan with the cause (never raised, never null)
    infeasible = joint_plan(MINUTES, **_kw(jobs_per_farm=500.0))
    assert infeasible.status == "Infeasible" and infeasible.farms == () and infeasible.housing == ()
    assert "only 0 of 3 candidate sites have enough working-age residents" in infeasible.reason
    assert infeasible.objective == 0.0 and np.isfinite(infeasible.gap)
    d = plan_to_dict(infeasible)
    assert d["solver"]["status"] == "Infeasible" and d["solver"]["reason"] == infeasible.reason
    with pytest.raises(ConfigError, match="objective: expected one of"):
        joint_plan(MINUTES, **_kw(objective="money"))
    with pytest.raises(ConfigError, match="fixed_farms: \\['S9'\\] are not among site_ids"):
        joint_plan(MINUTES, **_kw(fixed_farms=["S9"]))
    with pytest.raises(ConfigError, match=r"\[siting\] k = 4: 4 new \+ 0 existing farms need that many "
                                          r"candidate sites, but only 3"):
        joint_plan(MINUTES, **_kw(k_farms=4))
    with pytest.raises(ValueParseError, match="workers: no value for id\\(s\\) \\['C'\\]"):
        joint_plan(MINUTES, **_kw(workers=WORKERS.drop("C")))
    with pytest.raises(ValueParseError, match="homes_demand: values must be finite and >= 0"):
        joint_plan(MINUTES, **_kw(homes_demand=[1.0, np.nan, 2.0]))
    with pytest.raises(ValueParseError, match="cost_winter: expected shape \\(3 villages, 3 sites\\)"):
        joint_plan(MINUTES.to_numpy()[:, :2], **_kw())


def test_infeasibility_reasons_name_the_cause():
    """One message per cause, not "lower k_farms" for an empty population column or disconnected roads."""
    import numpy as np

    from geo.joint import infeasibility_reason

    minutes = np.array([[10.0, 80.0], [20.0, 90.0], [np.inf, 15.0]])
    jobs = np.array([40.0, 40.0])
    kw = dict(k_farms=2, n_fixed=0, commute_min=45.0)
    assert "no working-age residents (is the population column empty?)" in infeasibility_reason(
        minutes, np.zeros(3), jobs, **kw)
    assert "no village is within 45 min of any candidate site" in infeasibility_reason(
        np.full((3, 2), np.inf), np.full(3, 100.0), jobs, **kw)
    msg = infeasibility_reason(minutes, np.array([30.0, 30.0, 10.0]), jobs, **kw)
    assert "only 1 of 2 candidate sites have enough working-age residents (40 jobs) within 45 min" in msg
    assert "overlap" in infeasibility_reason(minutes, np.array([30.0, 30.0, 50.0]), jobs, **kw)


def test_staffing_prefers_newcomers_then_shorter_commutes() -> None:
    # joint plan of the hand-computed case: S2 (30 jobs), housing B (20 min) and C (30 min), 20 new homes each.
    # Residents alone (B 40, C 5) could fill S2; the plan fills it with newcomers first (30 of 40), and of those
    # the nearer village B first: B 20 newcomers, C 10 newcomers, no resident.
    joint = joint_plan(MINUTES, **_kw())
    com = joint.commutes.set_index("village_id")
    assert com.loc["B", "newcomers"] == pytest.approx(20.0) and com.loc["B", "workers"] == pytest.approx(20.0)
    assert com.loc["C", "newcomers"] == pytest.approx(10.0) and com.loc["C", "workers"] == pytest.approx(10.0)
    vil = joint.villages.set_index("village_id")
    assert vil.loc["B", "newcomers_employed"] == pytest.approx(20.0)
    assert vil.loc["C", "newcomers_employed"] == pytest.approx(10.0)
    staff = joint.farm_staff.set_index("site_id")
    assert staff.loc["S2", "workers_assigned"] == pytest.approx(30.0)
    assert staff.loc["S2", "newcomers_assigned"] == pytest.approx(30.0)
