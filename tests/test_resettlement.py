"""The year's quota allocated to villages with a job in reach (geo/resettlement.py), checked by brute force."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from geo.resettlement import quota_plan


def _villages(homes, service):
    return pd.DataFrame({"settlement_id": [f"v{i}" for i in range(len(homes))],
                         "name": [f"Village {i}" for i in range(len(homes))],
                         "homes": homes, "service_min": service})


def _od(pairs):
    return pd.DataFrame([{"from_id": a, "to_id": b, "minutes": m} for a, b, m in pairs])


def _brute_force(homes, service, jobs, reach, quota):
    """Best (families, -service) over every integer allocation (small instances only)."""
    best = None
    for alloc in itertools.product(*[range(h + 1) for h in homes]):
        if sum(alloc) > quota:
            continue
        # every family's worker needs a job in reach: a transportation feasibility check (greedy is exact
        # here because each instance has at most two job sites)
        ok = True
        left = dict(jobs)
        for v in sorted(range(len(homes)), key=lambda v: len(reach[v])):
            need = alloc[v]
            for j in reach[v]:
                take = min(need, left[j])
                left[j] -= take
                need -= take
            if need > 0:
                ok = False
                break
        if not ok:
            continue
        key = (sum(alloc), -sum(a * s for a, s in zip(alloc, service, strict=True)))
        if best is None or key > best:
            best = key
    return best


@pytest.mark.parametrize("quota_persons", [8, 20, 40])
def test_allocation_equals_brute_force(quota_persons):
    homes, service = [3, 2, 4], [30.0, 10.0, 50.0]
    jobs = {"j1": 3.0, "j2": 2.0}
    od = _od([("v0", "j1", 20), ("v1", "j1", 40), ("v1", "j2", 30), ("v2", "j2", 10), ("v2", "j1", 90)])
    reach = {0: ["j1"], 1: ["j1", "j2"], 2: ["j2"]}  # v2 -> j1 is 90 min: out of reach
    plan = quota_plan(_villages(homes, service), jobs, od, quota_persons=quota_persons, family_size=4.0,
                      commute_min=45.0)
    families, neg_service = _brute_force(homes, service, jobs, reach, quota_persons // 4)
    got = {r["settlement_id"]: r["families"] for r in plan["villages"]}
    assert plan["families_allocated"] == families
    assert -sum(got.get(f"v{i}", 0) * s for i, s in enumerate(service)) == neg_service
    assert plan["persons_allocated"] == 4.0 * families
    for r in plan["villages"]:  # every family's worker has a job within 45 min in winter
        assert r["jobs"] == pytest.approx(r["families"]) and all(w["minutes"] <= 45 for w in r["works_at"])
    if families < quota_persons // 4:
        assert "open jobs are within 45 min" in plan["shortfall_reason"]
    else:
        assert plan["shortfall_reason"] == ""
    assert plan["status"] == "Optimal" and plan["gap"] == 0.0


def test_no_jobs_places_nobody_and_says_so():
    plan = quota_plan(_villages([5], [10.0]), {}, _od([]), quota_persons=2820)
    assert plan["families_allocated"] == 0 and plan["villages"] == []
    assert plan["status"] == "no jobs data" and "nobody is placed" in plan["shortfall_reason"]
    assert plan["quota_families"] == 705  # 2,820 persons / 4.0 per family


@pytest.mark.realdata
def test_sko_quota_plan_in_plan_json(raw_dir, tmp_path):
    import json

    import build_maps

    out = tmp_path / "sko"
    assert build_maps.main(["--config", str(build_maps.PROJECT_ROOT / "regions" / "sko.toml"), "--out", str(out),
                            "--no-maps", "--draws", "0", "-q"]) == 0
    q = json.loads((out / "plan.json").read_text(encoding="utf-8"))["resettlement"]
    assert q["quota_persons"] == 2820
    assert q["persons_allocated"] == 2820 or q["shortfall_reason"]
    s = pd.read_csv(out / "settlements.csv", dtype={"settlement_id": str}).set_index("settlement_id")
    for v in q["villages"]:  # only non-excluded villages, each with jobs for every family within 45 min
        assert pd.notna(s.loc[v["settlement_id"], "housing_score"])
        assert v["jobs"] == pytest.approx(v["families"]) and v["commute_min_winter"] <= 45
    table = pd.read_csv(out / "resettlement.csv")
    assert table["families"].sum() == q["families_allocated"]
